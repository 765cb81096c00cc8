/* Templates for the integer families: ALU, shifts, mul/div, bit ops, strings, moves,
 * stack, branches, and the instructions a process may not execute. */
#include "gen.h"

/* clang-format off */
#define OSZAPC FL_ARITH
#define RAX RB(0)
#define RCX RB(1)
#define RDX RB(2)
#define RBX RB(3)
#define RSP RB(4)
#define RBP RB(5)
#define RSI RB(6)
#define RDI RB(7)
#define END {0}

/* Row shapes: r/m and reg, group opcode with a digit, no ModRM at all. */
#define EG(nm, o, sz, fl, un) {nm, .op = o, .ext = -1, .reg = K_G, .rm = K_E, .sizes = sz, \
                               .rmfix = -1, .flags = fl, .undef = un}
#define GRP(nm, o, d, sz, im, fl, un) {nm, .op = o, .ext = d, .rm = K_E, .sizes = sz,      \
                                       .imm = im, .rmfix = -1, .flags = fl, .undef = un}
#define BARE(nm, o, sz, im, fl, un, impl) {nm, .op = o, .ext = NO_MODRM, .sizes = sz,      \
                                           .imm = im, .rmfix = -1, .flags = fl,            \
                                           .undef = un, .implicit = impl}
#define G0F(nm, o, sz, fl, un) {nm, .map = MAP_0F, .op = o, .ext = -1, .reg = K_G,       \
                                .rm = K_E, .sizes = sz, .rmfix = -1, .flags = fl,         \
                                .undef = un}
/* clang-format on */

/* ------------------------------------------------------------------------------------
 * Setup hooks: implicit operands that must point into the scratch buffer or stay small
 */

static uint64_t small_count(Rng *r)
{
    return rng_chance(r, 90) ? rng_below(r, 10) : rng_below(r, 40);
}

static void string_setup(GenState *gs, const Tmpl *t, Seq *seq)
{
    Rng *r = gs->rng;

    if (rng_chance(r, 85)) {
        emit_mov_imm32(gs, seq, 6, (uint32_t)pick_scratch_addr(r, 512, 8) + 256);
    }
    if (rng_chance(r, 85)) {
        emit_mov_imm32(gs, seq, 7, (uint32_t)pick_scratch_addr(r, 512, 8) + 256);
    }
    if (rng_chance(r, 85)) {
        emit_mov_imm32(gs, seq, 1, (uint32_t)small_count(r));
    }
}

static void xlat_setup(GenState *gs, const Tmpl *t, Seq *seq)
{
    if (rng_chance(gs->rng, 90)) {
        emit_mov_imm32(gs, seq, 3, (uint32_t)pick_scratch_addr(gs->rng, 256, 1));
    }
}

/* BT with a register offset addresses any bit from the operand: keep it near. */
static void bt_offset_setup(GenState *gs, const Tmpl *t, Seq *seq)
{
    unsigned reg = (unsigned)rng_below(gs->rng, 16);

    if (reg == 4 || rng_chance(gs->rng, 30)) {
        return;
    }
    emit_mov_simm32(gs, seq, reg, (int32_t)rng_below(gs->rng, 2048) - 1024);
    gs->force_reg = (int)reg;
}

static void count_setup(GenState *gs, const Tmpl *t, Seq *seq)
{
    static const uint8_t counts[] = {0,  1,  2,  7,  8,  9,  15, 16,
                                     17, 31, 32, 33, 63, 64, 65};

    if (rng_chance(gs->rng, 50)) {
        emit_mov_imm32(gs, seq, 1, counts[rng_below(gs->rng, ARRAY_LEN(counts))]);
    }
}

/* Dividends that sometimes fit: RDX zero, or the sign extension of RAX. */
static void div_setup(GenState *gs, const Tmpl *t, Seq *seq)
{
    static const uint8_t cqo[] = {0x48, 0x99}, cdq[] = {0x99};

    switch (rng_below(gs->rng, 4)) {
    case 0: emit_mov_imm32(gs, seq, 2, (uint32_t)rng_below(gs->rng, 3)); break;
    case 1: emit_raw(gs, seq, cqo, sizeof(cqo), "cqo (setup)", RDX); break;
    case 2: emit_raw(gs, seq, cdq, sizeof(cdq), "cdq (setup)", RDX); break;
    default: break;
    }
}

static void frame_setup(GenState *gs, const Tmpl *t, Seq *seq)
{
    if (rng_chance(gs->rng, 85)) {
        emit_mov_imm32(gs, seq, 5, (uint32_t)pick_scratch_addr(gs->rng, 256, 8) + 64);
    }
}

/* POPF pops what was pushed just before: TF rarely, so the sequence goes on. */
static void popf_setup(GenState *gs, const Tmpl *t, Seq *seq)
{
    uint8_t push[5] = {0x68};
    uint32_t v = (uint32_t)rng_next(gs->rng);

    if (rng_chance(gs->rng, 90)) {
        v &= ~(uint32_t)FL_TF;
    }
    if (rng_chance(gs->rng, 80)) {
        v &= ~(uint32_t)FL_AC;
    }
    for (int i = 0; i < 4; i++) {
        push[1 + i] = (uint8_t)(v >> (8 * i));
    }
    emit_raw(gs, seq, push, sizeof(push), "push imm32 (setup)", RSP);
}

/* ------------------------------------------------------------------------------------
 * ALU
 */

/* clang-format off */
#define ARITH(nm, n, fl, un)                                                             \
    EG(nm " Eb,Gb", (n) * 8 + 0, SZ_B, fl, un), EG(nm " Ev,Gv", (n) * 8 + 1, SZ_V, fl, un), \
    EG(nm " Gb,Eb", (n) * 8 + 2, SZ_B, (fl) & ~T_LOCK, un),                               \
    EG(nm " Gv,Ev", (n) * 8 + 3, SZ_V, (fl) & ~T_LOCK, un),                               \
    BARE(nm " AL,Ib", (n) * 8 + 4, SZ_B, I_B, (fl) & ~T_LOCK, un, RAX),                   \
    BARE(nm " rAX,Iz", (n) * 8 + 5, SZ_V, I_Z, (fl) & ~T_LOCK, un, RAX),                  \
    GRP(nm " Eb,Ib", 0x80, n, SZ_B, I_B, fl, un), GRP(nm " Ev,Iz", 0x81, n, SZ_V, I_Z, fl, un), \
    GRP(nm " Ev,Ib", 0x83, n, SZ_V, I_B, fl, un)

static const Tmpl alu_tmpls[] = {
    ARITH("add", 0, T_LOCK, 0),
    ARITH("or", 1, T_LOCK, FL_AF),
    ARITH("adc", 2, T_LOCK | T_FLAGS, 0),
    ARITH("sbb", 3, T_LOCK | T_FLAGS, 0),
    ARITH("and", 4, T_LOCK, FL_AF),
    ARITH("sub", 5, T_LOCK, 0),
    ARITH("xor", 6, T_LOCK, FL_AF),
    ARITH("cmp", 7, T_RO, 0),
    EG("test Eb,Gb", 0x84, SZ_B, T_RO, FL_AF),
    EG("test Ev,Gv", 0x85, SZ_V, T_RO, FL_AF),
    BARE("test AL,Ib", 0xa8, SZ_B, I_B, T_RO, FL_AF, 0),
    BARE("test rAX,Iz", 0xa9, SZ_V, I_Z, T_RO, FL_AF, 0),
    GRP("test Eb,Ib", 0xf6, 0, SZ_B, I_B, T_RO, FL_AF),
    GRP("test Ev,Iz", 0xf7, 0, SZ_V, I_Z, T_RO, FL_AF),
    GRP("test Eb,Ib (F6 /1 alias)", 0xf6, 1, SZ_B, I_B, T_RO, FL_AF),
    GRP("test Ev,Iz (F7 /1 alias)", 0xf7, 1, SZ_V, I_Z, T_RO, FL_AF),
    GRP("not Eb", 0xf6, 2, SZ_B, I_NONE, T_LOCK, 0),
    GRP("not Ev", 0xf7, 2, SZ_V, I_NONE, T_LOCK, 0),
    GRP("neg Eb", 0xf6, 3, SZ_B, I_NONE, T_LOCK, 0),
    GRP("neg Ev", 0xf7, 3, SZ_V, I_NONE, T_LOCK, 0),
    GRP("inc Eb", 0xfe, 0, SZ_B, I_NONE, T_LOCK, 0),
    GRP("dec Eb", 0xfe, 1, SZ_B, I_NONE, T_LOCK, 0),
    GRP("inc Ev", 0xff, 0, SZ_V, I_NONE, T_LOCK, 0),
    GRP("dec Ev", 0xff, 1, SZ_V, I_NONE, T_LOCK, 0),
    {"lea Gv,M", .op = 0x8d, .ext = -1, .reg = K_G, .rm = K_M, .sizes = SZ_V, .msize = 1,
     .rmfix = -1},
    BARE("cbw/cwde/cdqe", 0x98, SZ_V, I_NONE, 0, 0, RAX),
    BARE("cwd/cdq/cqo", 0x99, SZ_V, I_NONE, 0, 0, RDX),
    BARE("clc", 0xf8, 0, I_NONE, 0, 0, 0),
    BARE("stc", 0xf9, 0, I_NONE, 0, 0, 0),
    BARE("cmc", 0xf5, 0, I_NONE, T_FLAGS, 0, 0),
    BARE("lahf", 0x9f, 0, I_NONE, T_FLAGS, 0, RAX),
    BARE("sahf", 0x9e, 0, I_NONE, 0, 0, 0),
    END,
};
/* clang-format on */

/* ------------------------------------------------------------------------------------
 * Shifts and rotates
 */

/* clang-format off */
#define SHIFT_UNDEF (FL_OF | FL_AF)
#define SHIFTS(nm, d, fl)                                                                \
    GRP(nm " Eb,1", 0xd0, d, SZ_B, I_NONE, fl, SHIFT_UNDEF),                              \
    GRP(nm " Ev,1", 0xd1, d, SZ_V, I_NONE, fl, SHIFT_UNDEF),                              \
    GRP(nm " Eb,Ib", 0xc0, d, SZ_B, I_CNT, fl, SHIFT_UNDEF),                              \
    GRP(nm " Ev,Ib", 0xc1, d, SZ_V, I_CNT, fl, SHIFT_UNDEF),                              \
    {nm " Eb,CL", .op = 0xd2, .ext = d, .rm = K_E, .sizes = SZ_B, .rmfix = -1,              \
     .flags = fl, .undef = SHIFT_UNDEF, .pre = count_setup},                              \
    {nm " Ev,CL", .op = 0xd3, .ext = d, .rm = K_E, .sizes = SZ_V, .rmfix = -1,              \
     .flags = fl, .undef = SHIFT_UNDEF, .pre = count_setup}

#define SHXD(nm, o, im)                                                                  \
    {nm, .map = MAP_0F, .op = o, .ext = -1, .reg = K_G, .rm = K_E, .sizes = SZ_V,         \
     .imm = im, .rmfix = -1, .undef = SHIFT_UNDEF, .pre = (im) ? NULL : count_setup}

static const Tmpl shift_tmpls[] = {
    SHIFTS("rol", 0, 0),
    SHIFTS("ror", 1, 0),
    SHIFTS("rcl", 2, T_FLAGS),
    SHIFTS("rcr", 3, T_FLAGS),
    SHIFTS("shl", 4, 0),
    SHIFTS("shr", 5, 0),
    SHIFTS("sal (/6 alias)", 6, 0),
    SHIFTS("sar", 7, 0),
    SHXD("shld Ev,Gv,Ib", 0xa4, I_CNT),
    SHXD("shld Ev,Gv,CL", 0xa5, I_NONE),
    SHXD("shrd Ev,Gv,Ib", 0xac, I_CNT),
    SHXD("shrd Ev,Gv,CL", 0xad, I_NONE),
    END,
};
/* clang-format on */

/* ------------------------------------------------------------------------------------
 * Multiply and divide
 */

/* clang-format off */
#define MUL_UNDEF (FL_SF | FL_ZF | FL_AF | FL_PF)
#define MULDIV(nm, d, un, pre_fn)                                                        \
    {nm " Eb", .op = 0xf6, .ext = d, .rm = K_E, .sizes = SZ_B, .rmfix = -1, .flags = T_RO, \
     .undef = un, .implicit = RAX, .pre = pre_fn},                                        \
    {nm " Ev", .op = 0xf7, .ext = d, .rm = K_E, .sizes = SZ_V, .rmfix = -1, .flags = T_RO, \
     .undef = un, .implicit = RAX | RDX, .pre = pre_fn}

static const Tmpl muldiv_tmpls[] = {
    MULDIV("mul", 4, MUL_UNDEF, NULL),
    MULDIV("imul", 5, MUL_UNDEF, NULL),
    MULDIV("div", 6, OSZAPC, div_setup),
    MULDIV("idiv", 7, OSZAPC, div_setup),
    G0F("imul Gv,Ev", 0xaf, SZ_V, 0, MUL_UNDEF),
    {"imul Gv,Ev,Iz", .op = 0x69, .ext = -1, .reg = K_G, .rm = K_E, .sizes = SZ_V,
     .imm = I_Z, .rmfix = -1, .undef = MUL_UNDEF},
    {"imul Gv,Ev,Ib", .op = 0x6b, .ext = -1, .reg = K_G, .rm = K_E, .sizes = SZ_V,
     .imm = I_B, .rmfix = -1, .undef = MUL_UNDEF},
    END,
};
/* clang-format on */

/* ------------------------------------------------------------------------------------
 * Bit operations
 */

/* clang-format off */
#define BT_UNDEF (FL_OF | FL_SF | FL_AF | FL_PF)
#define BT_RM(nm, o, fl)                                                                 \
    {nm " Ev,Gv", .map = MAP_0F, .op = o, .ext = -1, .reg = K_G, .rm = K_E, .sizes = SZ_V, \
     .rmfix = -1, .flags = (fl) | T_RO, .undef = BT_UNDEF, .pre = bt_offset_setup}
#define BT_IB(nm, d, fl)                                                                 \
    {nm " Ev,Ib", .map = MAP_0F, .op = 0xba, .ext = d, .rm = K_E, .sizes = SZ_V,          \
     .imm = I_B, .rmfix = -1, .flags = fl, .undef = BT_UNDEF}

static const Tmpl bitops_tmpls[] = {
    BT_RM("bt", 0xa3, 0),
    BT_RM("bts", 0xab, T_LOCK),
    BT_RM("btr", 0xb3, T_LOCK),
    BT_RM("btc", 0xbb, T_LOCK),
    BT_IB("bt", 4, T_RO),
    BT_IB("bts", 5, T_LOCK),
    BT_IB("btr", 6, T_LOCK),
    BT_IB("btc", 7, T_LOCK),
    G0F("bsf Gv,Ev", 0xbc, SZ_V, 0, FL_ARITH & ~FL_ZF),
    G0F("bsr Gv,Ev", 0xbd, SZ_V, 0, FL_ARITH & ~FL_ZF),
    {"popcnt Gv,Ev", .map = MAP_0F, .pfx = 0xf3, .op = 0xb8, .ext = -1, .reg = K_G,
     .rm = K_E, .sizes = SZ_V, .rmfix = -1},
    {"bswap r32/r64", .map = MAP_0F, .op = 0xc8, .ext = -1, .rm = K_OPREG, .sizes = SZ_DQ,
     .rmfix = -1},
    {"movbe Gv,M", .map = MAP_0F38, .op = 0xf0, .ext = -1, .reg = K_G, .rm = K_M,
     .sizes = SZ_V, .rmfix = -1},
    {"movbe M,Gv", .map = MAP_0F38, .op = 0xf1, .ext = -1, .reg = K_G, .rm = K_M,
     .sizes = SZ_V, .rmfix = -1, .flags = T_RO},
    END,
};
/* clang-format on */

/* ------------------------------------------------------------------------------------
 * Strings
 */

/* clang-format off */
#define STR(nm, o, sz, fl)                                                               \
    {nm, .op = o, .ext = NO_MODRM, .sizes = sz, .rmfix = -1, .flags = (fl),               \
     .implicit = RAX | RCX | RSI | RDI, .pre = string_setup}

static const Tmpl string_tmpls[] = {
    STR("movsb", 0xa4, SZ_B, T_REP),
    STR("movs", 0xa5, SZ_V, T_REP),
    STR("cmpsb", 0xa6, SZ_B, T_REPCC | T_FLAGS),
    STR("cmps", 0xa7, SZ_V, T_REPCC | T_FLAGS),
    STR("stosb", 0xaa, SZ_B, T_REP),
    STR("stos", 0xab, SZ_V, T_REP),
    STR("lodsb", 0xac, SZ_B, T_REP),
    STR("lods", 0xad, SZ_V, T_REP),
    STR("scasb", 0xae, SZ_B, T_REPCC | T_FLAGS),
    STR("scas", 0xaf, SZ_V, T_REPCC | T_FLAGS),
    BARE("cld", 0xfc, 0, I_NONE, 0, 0, 0),
    BARE("std", 0xfd, 0, I_NONE, 0, 0, 0),
    END,
};
/* clang-format on */

/* ------------------------------------------------------------------------------------
 * Data movement, conditional moves, SETcc, exchanges
 */

/* clang-format off */
#define CC16(X)                                                                          \
    X("o", 0), X("no", 1), X("b", 2), X("ae", 3), X("e", 4), X("ne", 5), X("be", 6),     \
    X("a", 7), X("s", 8), X("ns", 9), X("p", 10), X("np", 11), X("l", 12), X("ge", 13), \
    X("le", 14), X("g", 15)
#define CMOV(cc, n) G0F("cmov" cc " Gv,Ev", 0x40 + (n), SZ_V, T_FLAGS, 0)
#define SETCC(cc, n)                                                                     \
    {"set" cc " Eb", .map = MAP_0F, .op = 0x90 + (n), .ext = 0, .rm = K_E, .sizes = SZ_B, \
     .rmfix = -1, .flags = T_FLAGS}

static const Tmpl mov_tmpls[] = {
    EG("mov Eb,Gb", 0x88, SZ_B, 0, 0),
    EG("mov Ev,Gv", 0x89, SZ_V, 0, 0),
    EG("mov Gb,Eb", 0x8a, SZ_B, 0, 0),
    EG("mov Gv,Ev", 0x8b, SZ_V, 0, 0),
    GRP("mov Eb,Ib", 0xc6, 0, SZ_B, I_B, 0, 0),
    GRP("mov Ev,Iz", 0xc7, 0, SZ_V, I_Z, 0, 0),
    {"mov r8,Ib", .op = 0xb0, .ext = -1, .rm = K_OPREG, .sizes = SZ_B, .imm = I_B,
     .rmfix = -1},
    {"mov r,Iv", .op = 0xb8, .ext = -1, .rm = K_OPREG, .sizes = SZ_V, .imm = I_FULL,
     .rmfix = -1},
    BARE("mov AL,moffs", 0xa0, SZ_B, I_MOFFS, 0, 0, RAX),
    BARE("mov rAX,moffs", 0xa1, SZ_V, I_MOFFS, 0, 0, RAX),
    BARE("mov moffs,AL", 0xa2, SZ_B, I_MOFFS, 0, 0, 0),
    BARE("mov moffs,rAX", 0xa3, SZ_V, I_MOFFS, 0, 0, 0),
    {"movzx Gv,Eb", .map = MAP_0F, .op = 0xb6, .ext = -1, .reg = K_G, .rm = K_E,
     .sizes = SZ_V, .rmfix = -1, .flags = T_RMB},
    {"movzx Gv,Ew", .map = MAP_0F, .op = 0xb7, .ext = -1, .reg = K_G, .rm = K_E,
     .sizes = SZ_V, .rmfix = -1, .flags = T_RMW},
    {"movsx Gv,Eb", .map = MAP_0F, .op = 0xbe, .ext = -1, .reg = K_G, .rm = K_E,
     .sizes = SZ_V, .rmfix = -1, .flags = T_RMB},
    {"movsx Gv,Ew", .map = MAP_0F, .op = 0xbf, .ext = -1, .reg = K_G, .rm = K_E,
     .sizes = SZ_V, .rmfix = -1, .flags = T_RMW},
    {"movsxd Gv,Ed", .op = 0x63, .ext = -1, .reg = K_G, .rm = K_E, .sizes = SZ_V,
     .rmfix = -1, .flags = T_RMD},
    CC16(CMOV),
    CC16(SETCC),
    EG("xchg Eb,Gb", 0x86, SZ_B, T_LOCK, 0),
    EG("xchg Ev,Gv", 0x87, SZ_V, T_LOCK, 0),
    {"xchg r,rAX (90+r)", .op = 0x90, .ext = -1, .rm = K_OPREG, .sizes = SZ_V, .rmfix = -1,
     .implicit = RAX},
    {"cmpxchg Eb,Gb", .map = MAP_0F, .op = 0xb0, .ext = -1, .reg = K_G, .rm = K_E,
     .sizes = SZ_B, .rmfix = -1, .flags = T_LOCK, .implicit = RAX},
    {"cmpxchg Ev,Gv", .map = MAP_0F, .op = 0xb1, .ext = -1, .reg = K_G, .rm = K_E,
     .sizes = SZ_V, .rmfix = -1, .flags = T_LOCK, .implicit = RAX},
    G0F("xadd Eb,Gb", 0xc0, SZ_B, T_LOCK, 0),
    G0F("xadd Ev,Gv", 0xc1, SZ_V, T_LOCK, 0),
    {"cmpxchg8b M", .map = MAP_0F, .op = 0xc7, .ext = 1, .rm = K_M, .sizes = SZ_D,
     .msize = 8, .rmfix = -1, .flags = T_LOCK, .implicit = RAX | RDX},
    {"cmpxchg16b M", .map = MAP_0F, .op = 0xc7, .ext = 1, .rm = K_M, .sizes = SZ_Q,
     .msize = 16, .rmfix = -1, .flags = T_LOCK | T_A16, .implicit = RAX | RDX},
    {"xlat", .op = 0xd7, .ext = NO_MODRM, .rmfix = -1, .implicit = RAX, .pre = xlat_setup},
    {"mov Ev,Sreg", .op = 0x8c, .ext = -1, .reg = K_SREG, .rm = K_E, .sizes = SZ_V,
     .msize = 2, .rmfix = -1},
    {"nop Ev (0F 1F)", .map = MAP_0F, .op = 0x1f, .ext = 0, .rm = K_E, .sizes = SZ_V,
     .rmfix = -1, .flags = T_RO},
    {"movnti M,Gv", .map = MAP_0F, .op = 0xc3, .ext = -1, .reg = K_G, .rm = K_M,
     .sizes = SZ_DQ, .rmfix = -1, .flags = T_RO},
    END,
};
/* clang-format on */

/* ------------------------------------------------------------------------------------
 * Stack
 */

/* clang-format off */
#define STK(nm, o, sz, im, fl) {nm, .op = o, .ext = NO_MODRM, .sizes = sz, .imm = im,     \
                                .rmfix = -1, .flags = (fl) | T_D64, .implicit = RSP}

static const Tmpl stack_tmpls[] = {
    {"push r", .op = 0x50, .ext = -1, .rm = K_OPREG, .sizes = SZ_W | SZ_Q, .rmfix = -1,
     .flags = T_D64 | T_RO, .implicit = RSP},
    {"pop r", .op = 0x58, .ext = -1, .rm = K_OPREG, .sizes = SZ_W | SZ_Q, .rmfix = -1,
     .flags = T_D64, .implicit = RSP},
    STK("push Ib", 0x6a, SZ_W | SZ_Q, I_B, 0),
    STK("push Iz", 0x68, SZ_W | SZ_Q, I_Z, 0),
    {"push Ev", .op = 0xff, .ext = 6, .rm = K_E, .sizes = SZ_W | SZ_Q, .rmfix = -1,
     .flags = T_D64 | T_RO, .implicit = RSP},
    {"pop Ev", .op = 0x8f, .ext = 0, .rm = K_E, .sizes = SZ_W | SZ_Q, .rmfix = -1,
     .flags = T_D64, .implicit = RSP},
    STK("pushf", 0x9c, SZ_W | SZ_Q, I_NONE, T_FLAGS),
    {"popf", .op = 0x9d, .ext = NO_MODRM, .sizes = SZ_Q, .rmfix = -1, .flags = T_D64,
     .implicit = RSP, .pre = popf_setup},
    {"enter", .op = 0xc8, .ext = NO_MODRM, .sizes = SZ_W | SZ_Q, .imm = I_ENTER,
     .rmfix = -1, .flags = T_D64, .implicit = RSP | RBP, .pre = frame_setup},
    {"leave", .op = 0xc9, .ext = NO_MODRM, .sizes = SZ_W | SZ_Q, .rmfix = -1,
     .flags = T_D64, .implicit = RSP | RBP, .pre = frame_setup},
    STK("call rel32", 0xe8, 0, I_REL32, 0),
    END,
};
/* clang-format on */

/* ------------------------------------------------------------------------------------
 * Branches (forward only, so every sequence ends)
 */

/* clang-format off */
#define JCC8(cc, n) BARE("j" cc " rel8", 0x70 + (n), 0, I_REL8, T_FLAGS, 0, 0)
#define JCC32(cc, n)                                                                     \
    {"j" cc " rel32", .map = MAP_0F, .op = 0x80 + (n), .ext = NO_MODRM, .imm = I_REL32,   \
     .rmfix = -1, .flags = T_FLAGS}

static const Tmpl branch_tmpls[] = {
    CC16(JCC8),
    CC16(JCC32),
    BARE("jmp rel8", 0xeb, 0, I_REL8, 0, 0, 0),
    BARE("jmp rel32", 0xe9, 0, I_REL32, 0, 0, 0),
    BARE("jrcxz rel8", 0xe3, 0, I_REL8, 0, 0, 0),
    BARE("loop rel8", 0xe2, 0, I_REL8, 0, 0, RCX),
    BARE("loope rel8", 0xe1, 0, I_REL8, T_FLAGS, 0, RCX),
    BARE("loopne rel8", 0xe0, 0, I_REL8, T_FLAGS, 0, RCX),
    END,
};
/* clang-format on */

/* ------------------------------------------------------------------------------------
 * What a process may not do: each faults (#GP, #UD) the same way natively
 */

/* clang-format off */
#define SYS0F(nm, o, d, k, fl) {nm, .map = MAP_0F, .op = o, .ext = d, .rm = k,           \
                                .sizes = SZ_Q, .rmfix = -1, .flags = fl}
#define SYS01(nm, r) {nm, .map = MAP_0F, .op = 0x01, .ext = (r) >> 3 & 7, .rm = K_STI,    \
                      .rmfix = (r) & 7}

static const Tmpl system_tmpls[] = {
    BARE("hlt", 0xf4, 0, I_NONE, 0, 0, 0),
    BARE("cli", 0xfa, 0, I_NONE, 0, 0, 0),
    BARE("sti", 0xfb, 0, I_NONE, 0, 0, 0),
    BARE("in al,dx", 0xec, 0, I_NONE, 0, 0, RAX),
    BARE("in al,Ib", 0xe4, 0, I_B, 0, 0, RAX),
    BARE("out dx,al", 0xee, 0, I_NONE, 0, 0, 0),
    BARE("out Ib,al", 0xe6, 0, I_B, 0, 0, 0),
    BARE("insb", 0x6c, 0, I_NONE, 0, 0, RDI),
    BARE("outsb", 0x6e, 0, I_NONE, 0, 0, RSI),
    BARE("int3", 0xcc, 0, I_NONE, 0, 0, 0),
    BARE("int1 (icebp)", 0xf1, 0, I_NONE, 0, 0, 0),
    BARE("int n", 0xcd, 0, I_INTN, 0, 0, 0),
    BARE("into (invalid in 64-bit)", 0xce, 0, I_NONE, 0, 0, 0),
    BARE("daa (invalid)", 0x27, 0, I_NONE, 0, 0, 0),
    BARE("das (invalid)", 0x2f, 0, I_NONE, 0, 0, 0),
    BARE("aaa (invalid)", 0x37, 0, I_NONE, 0, 0, 0),
    BARE("aas (invalid)", 0x3f, 0, I_NONE, 0, 0, 0),
    BARE("aam (invalid)", 0xd4, 0, I_B, 0, 0, 0),
    BARE("aad (invalid)", 0xd5, 0, I_B, 0, 0, 0),
    BARE("salc (invalid)", 0xd6, 0, I_NONE, 0, 0, 0),
    BARE("push es (invalid)", 0x06, 0, I_NONE, 0, 0, 0),
    BARE("pusha (invalid)", 0x60, 0, I_NONE, 0, 0, 0),
    SYS0F("ud2", 0x0b, NO_MODRM, K_NONE, 0),
    SYS0F("rdmsr", 0x32, NO_MODRM, K_NONE, 0),
    SYS0F("wrmsr", 0x30, NO_MODRM, K_NONE, 0),
    SYS0F("clts", 0x06, NO_MODRM, K_NONE, 0),
    SYS0F("invd", 0x08, NO_MODRM, K_NONE, 0),
    SYS0F("wbinvd", 0x09, NO_MODRM, K_NONE, 0),
    SYS0F("mov r,cr0", 0x20, 0, K_R, 0),
    SYS0F("mov cr0,r", 0x22, 0, K_R, T_RO),
    SYS0F("mov r,dr7", 0x21, 7, K_R, 0),
    SYS0F("lgdt M", 0x01, 2, K_M, T_RO),
    SYS0F("lidt M", 0x01, 3, K_M, T_RO),
    SYS0F("invlpg M", 0x01, 7, K_M, T_RO),
    SYS0F("lldt Ew", 0x00, 2, K_E, T_RO),
    SYS0F("ltr Ew", 0x00, 3, K_E, T_RO),
    SYS01("swapgs", 0xf8),
    SYS01("monitor", 0xc8),
    SYS01("mwait", 0xc9),
    {"lock add Ev,Gv with a register (#UD)", .pfx = 0xf0, .op = 0x01, .ext = -1,
     .reg = K_G, .rm = K_R, .sizes = SZ_V, .rmfix = -1},
    {"lock nop (#UD)", .pfx = 0xf0, .op = 0x90, .ext = NO_MODRM, .rmfix = -1},
    {"lock cmp M,Gv (#UD)", .pfx = 0xf0, .op = 0x39, .ext = -1, .reg = K_G, .rm = K_M,
     .sizes = SZ_V, .rmfix = -1, .flags = T_RO},
    {"pause", .pfx = 0xf3, .op = 0x90, .ext = NO_MODRM, .rmfix = -1},
    {"lfence", .map = MAP_0F, .op = 0xae, .ext = 5, .rm = K_STI, .rmfix = 0},
    {"mfence", .map = MAP_0F, .op = 0xae, .ext = 6, .rm = K_STI, .rmfix = 0},
    {"sfence", .map = MAP_0F, .op = 0xae, .ext = 7, .rm = K_STI, .rmfix = 0},
    {"clflush M", .map = MAP_0F, .op = 0xae, .ext = 7, .rm = K_M, .msize = 1, .rmfix = -1},
    {"prefetchnta M", .map = MAP_0F, .op = 0x18, .ext = 0, .rm = K_M, .msize = 1,
     .rmfix = -1},
    {"prefetcht0 M", .map = MAP_0F, .op = 0x18, .ext = 1, .rm = K_M, .msize = 1,
     .rmfix = -1},
    END,
};

const Family fam_alu = {"alu", {alu_tmpls}, 10};
const Family fam_shift = {"shift", {shift_tmpls, alu_tmpls}, 10};
const Family fam_muldiv = {"muldiv", {muldiv_tmpls}, 8};
const Family fam_bitops = {"bitops", {bitops_tmpls}, 8};
const Family fam_string = {"string", {string_tmpls}, 6};
const Family fam_mov = {"mov", {mov_tmpls}, 10};
const Family fam_stack = {"stack", {stack_tmpls, mov_tmpls}, 12};
const Family fam_branch = {"branch", {branch_tmpls, alu_tmpls}, 12};
const Family fam_system = {"system", {system_tmpls}, 3};
/* clang-format on */
