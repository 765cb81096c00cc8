/* MOV, MOVZX/MOVSX, LEA, XCHG, CMPXCHG, XADD, CMOVcc, SETcc, CBW, MOVBE, NOP (SDM 2). */
#include "target/i386/access.h"
#include "target/i386/flags.h"
#include "target/i386/insn.h"

/* Registers encoded in the low three opcode bits (B0+r, B8+r, 90+r), extended by REX.B.
 */
static unsigned opcode_reg(const Insn *d)
{
    return (d->opcode & 7) | ((d->rex & 1) << 3);
}

/* moffs forms (A0-A3) carry an absolute offset, not a ModRM address. */
static int moffs_seg(const Insn *d)
{
    return (d->prefix & PFX_SEG) ? d->seg : R_DS;
}

static uint64_t moffs_addr(const Insn *d)
{
    return d->imm & addr_mask(d);
}

static uint64_t sign_extend(uint64_t v, unsigned size)
{
    switch (size) {
    case 1: return (uint64_t)(int64_t)(int8_t)v;
    case 2: return (uint64_t)(int64_t)(int16_t)v;
    case 4: return (uint64_t)(int64_t)(int32_t)v;
    default: return v;
    }
}

/* --- MOV --- */

static void op_mov_Eb_Gb(CPUX86State *env, const Insn *d)
{
    st_rm(env, d, 1, ld_reg(env, d, 1));
}

static void op_mov_Ev_Gv(CPUX86State *env, const Insn *d)
{
    st_rm(env, d, d->opsize, ld_reg(env, d, d->opsize));
}

static void op_mov_Gb_Eb(CPUX86State *env, const Insn *d)
{
    st_reg(env, d, 1, ld_rm(env, d, 1));
}

static void op_mov_Gv_Ev(CPUX86State *env, const Insn *d)
{
    st_reg(env, d, d->opsize, ld_rm(env, d, d->opsize));
}

static void op_mov_Zb_Ib(CPUX86State *env, const Insn *d)
{
    set_reg(env, opcode_reg(d), 1, insn_rex(d), d->imm);
}

/* With REX.W the decoder supplies the full 64-bit immediate. */
static void op_mov_Zv_Iv(CPUX86State *env, const Insn *d)
{
    set_reg(env, opcode_reg(d), d->opsize, true, d->imm);
}

static void op_mov_Eb_Ib(CPUX86State *env, const Insn *d)
{
    st_rm(env, d, 1, d->imm);
}

static void op_mov_Ev_Iz(CPUX86State *env, const Insn *d)
{
    st_rm(env, d, d->opsize, d->imm);
}

static void op_mov_AL_Ob(CPUX86State *env, const Insn *d)
{
    set_reg(env, R_EAX, 1, true, cpu_ld(env, moffs_seg(d), moffs_addr(d), 1));
}

static void op_mov_rAX_Ov(CPUX86State *env, const Insn *d)
{
    uint64_t v = cpu_ld(env, moffs_seg(d), moffs_addr(d), d->opsize);
    set_reg(env, R_EAX, d->opsize, true, v);
}

static void op_mov_Ob_AL(CPUX86State *env, const Insn *d)
{
    cpu_st(env, moffs_seg(d), moffs_addr(d), 1, env->regs[R_EAX]);
}

static void op_mov_Ov_rAX(CPUX86State *env, const Insn *d)
{
    cpu_st(env, moffs_seg(d), moffs_addr(d), d->opsize, env->regs[R_EAX]);
}

/* --- MOVZX / MOVSX / MOVSXD --- */

static void op_movzx_Gv_Eb(CPUX86State *env, const Insn *d)
{
    st_reg(env, d, d->opsize, ld_rm(env, d, 1));
}

static void op_movzx_Gv_Ew(CPUX86State *env, const Insn *d)
{
    st_reg(env, d, d->opsize, ld_rm(env, d, 2));
}

static void op_movsx_Gv_Eb(CPUX86State *env, const Insn *d)
{
    st_reg(env, d, d->opsize, sign_extend(ld_rm(env, d, 1), 1));
}

static void op_movsx_Gv_Ew(CPUX86State *env, const Insn *d)
{
    st_reg(env, d, d->opsize, sign_extend(ld_rm(env, d, 2), 2));
}

/*
 * Without REX.W this is a plain 16- or 32-bit move (the SDM discourages it). The
 * source is a dword even for a 16-bit destination: AMD Zen 3 reads all four bytes
 * (a fault on the last two shows it) and writes the low word.
 */
static void op_movsxd_Gv_Ed(CPUX86State *env, const Insn *d)
{
    st_reg(env, d, d->opsize, sign_extend(ld_rm(env, d, 4), 4));
}

/* --- LEA: the table accepts memory forms only, so mod == 3 is #UD --- */

static void op_lea_Gv_M(CPUX86State *env, const Insn *d)
{
    st_reg(env, d, d->opsize, insn_ea(env, d));
}

/* --- XCHG --- */

static void op_xchg_Eb_Gb(CPUX86State *env, const Insn *d)
{
    uint64_t old_rm = ld_rm_rmw(env, d, 1);
    st_rm(env, d, 1, ld_reg(env, d, 1));
    st_reg(env, d, 1, old_rm);
}

static void op_xchg_Ev_Gv(CPUX86State *env, const Insn *d)
{
    uint64_t old_rm = ld_rm_rmw(env, d, d->opsize);
    st_rm(env, d, d->opsize, ld_reg(env, d, d->opsize));
    st_reg(env, d, d->opsize, old_rm);
}

/*
 * 90 without REX.B is NOP (and F3 90 is PAUSE) even with a 32-bit operand: it must not
 * zero-extend RAX in 64-bit mode.
 */
static void op_xchg_Zv_rAX(CPUX86State *env, const Insn *d)
{
    unsigned r = opcode_reg(d);
    uint64_t old_r;

    if (r == R_EAX) {
        return;
    }
    old_r = get_reg(env, r, d->opsize, true);
    set_reg(env, r, d->opsize, true, env->regs[R_EAX]);
    set_reg(env, R_EAX, d->opsize, true, old_r);
}

/* --- CMPXCHG / XADD --- */

/*
 * Flags as CMP accumulator, destination. A memory destination is always written (the
 * old value when unequal); a register destination is left untouched when unequal, and
 * the accumulator is written only then, so only the written register zero-extends.
 */
static void cmpxchg(CPUX86State *env, const Insn *d, unsigned size)
{
    uint64_t acc = get_reg(env, R_EAX, size, true);
    uint64_t dest = ld_rm_rmw(env, d, size);
    bool equal = acc == dest;

    if (equal) {
        st_rm(env, d, size, ld_reg(env, d, size));
    } else if (d->mod != 3) {
        st_rm(env, d, size, dest);
    }
    set_cc(env, CC_OP_SUB, size, (acc - dest) & size_mask(size), dest);
    if (!equal) {
        set_reg(env, R_EAX, size, true, dest);
    }
}

static void op_cmpxchg_Eb_Gb(CPUX86State *env, const Insn *d)
{
    cmpxchg(env, d, 1);
}

static void op_cmpxchg_Ev_Gv(CPUX86State *env, const Insn *d)
{
    cmpxchg(env, d, d->opsize);
}

/* SRC receives the old destination before DEST receives the sum (xadd eax, eax). */
static void xadd(CPUX86State *env, const Insn *d, unsigned size)
{
    uint64_t dest = ld_rm_rmw(env, d, size);
    uint64_t src = ld_reg(env, d, size);
    uint64_t sum = (dest + src) & size_mask(size);

    if (d->mod == 3) {
        st_reg(env, d, size, dest);
        st_rm(env, d, size, sum);
    } else {
        st_rm(env, d, size, sum);
        st_reg(env, d, size, dest);
    }
    set_cc(env, CC_OP_ADD, size, sum, src);
}

static void op_xadd_Eb_Gb(CPUX86State *env, const Insn *d)
{
    xadd(env, d, 1);
}

static void op_xadd_Ev_Gv(CPUX86State *env, const Insn *d)
{
    xadd(env, d, d->opsize);
}

/* --- CMPXCHG8B / CMPXCHG16B --- */

static void cmpxchg8b(CPUX86State *env, const Insn *d)
{
    uint64_t ea = insn_ea(env, d);
    uint64_t old = cpu_ld_rmw(env, d->seg, ea, 8);
    uint64_t expect = (uint32_t)env->regs[R_EAX] | (env->regs[R_EDX] << 32);
    uint64_t repl = (uint32_t)env->regs[R_EBX] | (env->regs[R_ECX] << 32);
    bool equal = old == expect;

    cpu_st(env, d->seg, ea, 8, equal ? repl : old);
    if (!equal) {
        set_reg(env, R_EAX, 4, true, old);
        set_reg(env, R_EDX, 4, true, old >> 32);
    }
    cc_set_flags(env, equal ? CC_Z : 0, CC_Z);
}

/* The two halves share one aligned 16-byte block, so the second access cannot fault. */
static void cmpxchg16b(CPUX86State *env, const Insn *d)
{
    uint64_t ea = insn_ea(env, d);
    uint64_t lo, hi;
    bool equal;

    if (seg_linear(env, d->seg, ea) & 15) {
        raise_exception_err(env, EXCP_GP, 0);
    }
    lo = cpu_ld_rmw(env, d->seg, ea, 8);
    hi = cpu_ld_rmw(env, d->seg, ea + 8, 8);
    equal = lo == env->regs[R_EAX] && hi == env->regs[R_EDX];
    cpu_st(env, d->seg, ea, 8, equal ? env->regs[R_EBX] : lo);
    cpu_st(env, d->seg, ea + 8, 8, equal ? env->regs[R_ECX] : hi);
    if (!equal) {
        env->regs[R_EAX] = lo;
        env->regs[R_EDX] = hi;
    }
    cc_set_flags(env, equal ? CC_Z : 0, CC_Z);
}

static void op_cmpxchg8b_Mq(CPUX86State *env, const Insn *d)
{
    if (d->opsize == 8) {
        cmpxchg16b(env, d);
    } else {
        cmpxchg8b(env, d);
    }
}

/* --- CMOVcc / SETcc --- */

/* The source is read (and may fault) whatever the condition; a 32-bit CMOV always
 * zero-extends its destination. */
static void op_cmovcc_Gv_Ev(CPUX86State *env, const Insn *d)
{
    uint64_t v = ld_rm(env, d, d->opsize);

    if (cc_test(env, d->opcode & 15)) {
        st_reg(env, d, d->opsize, v);
    } else if (d->opsize == 4) {
        env->regs[d->reg] = (uint32_t)env->regs[d->reg];
    }
}

static void op_setcc_Eb(CPUX86State *env, const Insn *d)
{
    st_rm(env, d, 1, cc_test(env, d->opcode & 15));
}

/* --- CBW/CWDE/CDQE and CWD/CDQ/CQO --- */

static void op_cbw(CPUX86State *env, const Insn *d)
{
    unsigned half = d->opsize / 2;
    set_reg(env, R_EAX, d->opsize, true, sign_extend(env->regs[R_EAX], half));
}

static void op_cwd(CPUX86State *env, const Insn *d)
{
    uint64_t ax = env->regs[R_EAX] & size_mask(d->opsize);
    bool negative = ax >> (d->opsize * 8 - 1);
    set_reg(env, R_EDX, d->opsize, true, negative ? ~0ull : 0);
}

/* --- MOVBE --- */

static uint64_t byte_swap(uint64_t v, unsigned size)
{
    switch (size) {
    case 2: return __builtin_bswap16((uint16_t)v);
    case 4: return __builtin_bswap32((uint32_t)v);
    default: return __builtin_bswap64(v);
    }
}

static void op_movbe_Gv_Mv(CPUX86State *env, const Insn *d)
{
    st_reg(env, d, d->opsize, byte_swap(ld_rm(env, d, d->opsize), d->opsize));
}

static void op_movbe_Mv_Gv(CPUX86State *env, const Insn *d)
{
    st_rm(env, d, d->opsize, byte_swap(ld_reg(env, d, d->opsize), d->opsize));
}

/* --- NOPs: 0F 1F /0 and the reserved hint space; prefetches never fault --- */

static void op_nop(CPUX86State *env, const Insn *d)
{
}

/* Rows for runs of opcodes that share a handler (register or condition in the opcode). */
/* clang-format off */
#define ROW(map, op, fn, name) {map, op, ANY, ANY, ANY, ANY, 0, fn, name}
/* clang-format on */
#define R2(map, op, fn, name)  ROW(map, op, fn, name), ROW(map, (op) + 1, fn, name)
#define R4(map, op, fn, name)  R2(map, op, fn, name), R2(map, (op) + 2, fn, name)
#define R8(map, op, fn, name)  R4(map, op, fn, name), R4(map, (op) + 4, fn, name)
#define R16(map, op, fn, name) R8(map, op, fn, name), R8(map, (op) + 8, fn, name)

static const InsnDef mov_insns[] = {
    {MAP_NONE, 0x88, ANY, ANY, ANY, ANY, 0, op_mov_Eb_Gb, "mov"},
    {MAP_NONE, 0x89, ANY, ANY, ANY, ANY, 0, op_mov_Ev_Gv, "mov"},
    {MAP_NONE, 0x8a, ANY, ANY, ANY, ANY, 0, op_mov_Gb_Eb, "mov"},
    {MAP_NONE, 0x8b, ANY, ANY, ANY, ANY, 0, op_mov_Gv_Ev, "mov"},
    R8(MAP_NONE, 0xb0, op_mov_Zb_Ib, "mov"),
    R8(MAP_NONE, 0xb8, op_mov_Zv_Iv, "mov"),
    {MAP_NONE, 0xc6, 0, ANY, ANY, ANY, 0, op_mov_Eb_Ib, "mov"},
    {MAP_NONE, 0xc7, 0, ANY, ANY, ANY, 0, op_mov_Ev_Iz, "mov"},
    {MAP_NONE, 0xa0, ANY, ANY, ANY, ANY, 0, op_mov_AL_Ob, "mov"},
    {MAP_NONE, 0xa1, ANY, ANY, ANY, ANY, 0, op_mov_rAX_Ov, "mov"},
    {MAP_NONE, 0xa2, ANY, ANY, ANY, ANY, 0, op_mov_Ob_AL, "mov"},
    {MAP_NONE, 0xa3, ANY, ANY, ANY, ANY, 0, op_mov_Ov_rAX, "mov"},
    {MAP_0F, 0xb6, ANY, ANY, ANY, ANY, 0, op_movzx_Gv_Eb, "movzx"},
    {MAP_0F, 0xb7, ANY, ANY, ANY, ANY, 0, op_movzx_Gv_Ew, "movzx"},
    {MAP_0F, 0xbe, ANY, ANY, ANY, ANY, 0, op_movsx_Gv_Eb, "movsx"},
    {MAP_0F, 0xbf, ANY, ANY, ANY, ANY, 0, op_movsx_Gv_Ew, "movsx"},
    {MAP_NONE, 0x63, ANY, ANY, ANY, ANY, IF_ONLY64, op_movsxd_Gv_Ed, "movsxd"},
    {MAP_NONE, 0x8d, ANY, MOD_MEM, ANY, ANY, 0, op_lea_Gv_M, "lea"},
    {MAP_NONE, 0x86, ANY, ANY, ANY, ANY, IF_LOCK, op_xchg_Eb_Gb, "xchg"},
    {MAP_NONE, 0x87, ANY, ANY, ANY, ANY, IF_LOCK, op_xchg_Ev_Gv, "xchg"},
    R8(MAP_NONE, 0x90, op_xchg_Zv_rAX, "xchg"),
    {MAP_0F, 0xb0, ANY, ANY, ANY, ANY, IF_LOCK, op_cmpxchg_Eb_Gb, "cmpxchg"},
    {MAP_0F, 0xb1, ANY, ANY, ANY, ANY, IF_LOCK, op_cmpxchg_Ev_Gv, "cmpxchg"},
    {MAP_0F, 0xc0, ANY, ANY, ANY, ANY, IF_LOCK, op_xadd_Eb_Gb, "xadd"},
    {MAP_0F, 0xc1, ANY, ANY, ANY, ANY, IF_LOCK, op_xadd_Ev_Gv, "xadd"},
    {MAP_0F, 0xc7, 1, MOD_MEM, ANY, ANY, IF_LOCK, op_cmpxchg8b_Mq, "cmpxchg8b"},
    R16(MAP_0F, 0x40, op_cmovcc_Gv_Ev, "cmovcc"),
    R16(MAP_0F, 0x90, op_setcc_Eb, "setcc"),
    {MAP_NONE, 0x98, ANY, ANY, ANY, ANY, 0, op_cbw, "cbw"},
    {MAP_NONE, 0x99, ANY, ANY, ANY, ANY, 0, op_cwd, "cwd"},
    {MAP_0F38, 0xf0, ANY, MOD_MEM, ANY, MP_NONE, 0, op_movbe_Gv_Mv, "movbe"},
    {MAP_0F38, 0xf0, ANY, MOD_MEM, ANY, MP_66, 0, op_movbe_Gv_Mv, "movbe"},
    {MAP_0F38, 0xf1, ANY, MOD_MEM, ANY, MP_NONE, 0, op_movbe_Mv_Gv, "movbe"},
    {MAP_0F38, 0xf1, ANY, MOD_MEM, ANY, MP_66, 0, op_movbe_Mv_Gv, "movbe"},
    {MAP_0F, 0x0d, ANY, ANY, ANY, ANY, 0, op_nop, "prefetch"},
    R8(MAP_0F, 0x18, op_nop, "nop"),
};
INSN_TABLE(mov_insns)
