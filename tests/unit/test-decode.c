/* Unit tests for the x86 decoder (target/i386/decode.c), with capstone 4 as oracle. */
/*
 * Three tiers: a sweep over every opcode of every map in every mode with a set of
 * ModRM/SIB forms and prefixes, a random byte corpus, and hand-checked cases.
 * The first two decode with both decoders and compare validity, length, the
 * memory operand and the immediate. Capstone 4 is not always right; the cases
 * where we deliberately differ are the allow-list below, each with its reason.
 * A disagreement that no allow-list entry explains fails the test.
 */
#include <capstone/capstone.h>
#include "target/i386/cpu.h"
#include "target/i386/decode.h"

#define FILL_LEN   24 /* bytes handed to both decoders; more than any instruction */
#define N_EXAMPLES 6  /* examples printed per mismatch class */

/* ---- capstone as oracle ---- */

typedef struct Oracle {
    csh handle[3]; /* by DECODE_16/32/64 */
    cs_insn *insn;
} Oracle;

static void oracle_open(Oracle *o)
{
    static const cs_mode modes[3] = {CS_MODE_16, CS_MODE_32, CS_MODE_64};

    for (int m = 0; m < 3; m++) {
        g_assert_cmpint(cs_open(CS_ARCH_X86, modes[m], &o->handle[m]), ==, CS_ERR_OK);
        cs_option(o->handle[m], CS_OPT_DETAIL, CS_OPT_ON);
    }
    o->insn = cs_malloc(o->handle[0]);
}

static void oracle_close(Oracle *o)
{
    cs_free(o->insn, 1);
    for (int m = 0; m < 3; m++) {
        cs_close(&o->handle[m]);
    }
}

/* Decodes one instruction at address 0; false if capstone rejects it. */
static bool oracle_decode(Oracle *o, int mode, const uint8_t *bytes, size_t n)
{
    const uint8_t *code = bytes;
    uint64_t addr = 0;

    return cs_disasm_iter(o->handle[mode], &code, &n, &addr, o->insn);
}

/* Capstone register id -> our register number, EA_NONE, EA_RIP, or -1 if not a GPR */
static int gpr_number(x86_reg r)
{
    static const x86_reg gprs[3][16] = {
        {X86_REG_RAX, X86_REG_RCX, X86_REG_RDX, X86_REG_RBX, X86_REG_RSP, X86_REG_RBP,
         X86_REG_RSI, X86_REG_RDI, X86_REG_R8, X86_REG_R9, X86_REG_R10, X86_REG_R11,
         X86_REG_R12, X86_REG_R13, X86_REG_R14, X86_REG_R15},
        {X86_REG_EAX, X86_REG_ECX, X86_REG_EDX, X86_REG_EBX, X86_REG_ESP, X86_REG_EBP,
         X86_REG_ESI, X86_REG_EDI, X86_REG_R8D, X86_REG_R9D, X86_REG_R10D, X86_REG_R11D,
         X86_REG_R12D, X86_REG_R13D, X86_REG_R14D, X86_REG_R15D},
        {X86_REG_AX, X86_REG_CX, X86_REG_DX, X86_REG_BX, X86_REG_SP, X86_REG_BP,
         X86_REG_SI, X86_REG_DI, X86_REG_R8W, X86_REG_R9W, X86_REG_R10W, X86_REG_R11W,
         X86_REG_R12W, X86_REG_R13W, X86_REG_R14W, X86_REG_R15W},
    };

    if (r == X86_REG_INVALID) {
        return EA_NONE;
    }
    if (r == X86_REG_RIP || r == X86_REG_EIP) {
        return EA_RIP;
    }
    for (int w = 0; w < 3; w++) {
        for (int i = 0; i < 16; i++) {
            if (gprs[w][i] == r) {
                return i;
            }
        }
    }
    return -1;
}

static int segment_number(x86_reg r)
{
    static const x86_reg segs[NR_SEGS] = {X86_REG_ES, X86_REG_CS, X86_REG_SS,
                                          X86_REG_DS, X86_REG_FS, X86_REG_GS};

    for (int i = 0; i < NR_SEGS; i++) {
        if (segs[i] == r) {
            return i;
        }
    }
    return -1;
}

/* ---- a case: one byte string and both decodings of it ---- */

typedef struct Case {
    int mode;
    const uint8_t *bytes;
    Insn d;
    int ret;
    bool cs_valid;
    const cs_insn *cs;
} Case;

static bool is_legacy_prefix(uint8_t b)
{
    return b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65 ||
           b == 0x66 || b == 0x67 || b == 0xf0 || b == 0xf2 || b == 0xf3;
}

static bool is_prefix(int mode, uint8_t b)
{
    return is_legacy_prefix(b) || (mode == DECODE_64 && (b & 0xf0) == 0x40);
}

/* Index of the first byte after all prefixes. */
static unsigned prefix_length(int mode, const uint8_t *bytes)
{
    unsigned i = 0;

    while (i < 14 && is_prefix(mode, bytes[i])) {
        i++;
    }
    return i;
}

static unsigned opcode_offset(const Case *c)
{
    return prefix_length(c->mode, c->bytes);
}

/* ---- one comparison ---- */

enum {
    AGREE,
    ONLY_CAPSTONE_VALID,
    ONLY_OURS_VALID,
    LENGTH_DIFFERS,
    MEMORY_DIFFERS,
    IMMEDIATE_DIFFERS,
    NO_MEMORY_OPERAND,
    N_DISAGREEMENTS,
};

static const char *const disagreement_names[N_DISAGREEMENTS] = {
    "agree",
    "only capstone valid",
    "only ours valid",
    "length differs",
    "memory operand differs",
    "immediate differs",
    "capstone shows no memory operand",
};

static const cs_x86_op *first_operand(const cs_insn *cs, x86_op_type type)
{
    const cs_x86 *x = &cs->detail->x86;

    for (int i = 0; i < x->op_count; i++) {
        if (x->operands[i].type == type) {
            return &x->operands[i];
        }
    }
    return NULL;
}

static bool is_evex(const Case *c)
{
    return (c->d.prefix & PFX_VEX) && c->bytes[opcode_offset(c)] == 0x62;
}

static bool same_modulo(uint64_t a, uint64_t b, unsigned bytes)
{
    uint64_t mask = bytes >= 8 ? ~0ull : (1ull << (8 * bytes)) - 1;

    return ((a ^ b) & mask) == 0;
}

static bool same_scale(const Insn *d, int cs_scale)
{
    return d->index == EA_NONE || (1 << d->scale) == cs_scale;
}

/* The override capstone shows must be ours; in 64-bit mode only FS and GS count. */
static bool same_segment(const Case *c, x86_reg cs_seg)
{
    int seg = segment_number(cs_seg);

    if (seg < 0 || (c->mode == DECODE_64 && seg != R_FS && seg != R_GS)) {
        return true;
    }
    return c->d.seg == seg;
}

static int compare_memory(const Case *c)
{
    const cs_x86_op *op = first_operand(c->cs, X86_OP_MEM);

    if (!c->d.has_modrm || c->d.mod == 3) {
        return AGREE;
    }
    if (!op) {
        return NO_MEMORY_OPERAND;
    }
    int base = gpr_number(op->mem.base), index = gpr_number(op->mem.index);
    if (index < 0 && (c->d.prefix & PFX_VEX)) {
        return AGREE; /* VSIB: the index is a vector register */
    }
    unsigned disp_bytes = c->d.addrsize == 2 ? 2 : 4;
    bool disp_ok = is_evex(c) || same_modulo(op->mem.disp, c->d.disp, disp_bytes);
    if (base != c->d.base || index != c->d.index || !same_scale(&c->d, op->mem.scale) ||
        !disp_ok || !same_segment(c, op->mem.segment)) {
        return MEMORY_DIFFERS;
    }
    return AGREE;
}

/*
 * Capstone's encoding info gets the immediate's offset right but often not its
 * size (it says 4 for "in eax, ib" or an iw after 66), so check the offset.
 */
static bool immediate_offset_matches(const Case *c)
{
    const cs_x86_encoding *enc = &c->cs->detail->x86.encoding;

    if (!c->d.imm_size || !enc->imm_size) {
        return !c->d.imm_size == !enc->imm_size;
    }
    return enc->imm_offset == c->d.len - c->d.imm_size;
}

/*
 * Capstone shows a branch target rather than the displacement, truncated to 16
 * bits as soon as a 66 or 67 is around, and sign-extends as it pleases.
 */
static bool immediate_value_matches(const Case *c, int64_t v)
{
    bool narrow = c->mode == DECODE_16 || (c->d.prefix & (PFX_OPSZ | PFX_ADSZ));

    if ((c->d.prefix & PFX_VEX) && same_modulo(v, c->d.imm & 0x0f, 1)) {
        return true; /* /is4: bits 7:4 name a register, capstone shows the rest */
    }
    return same_modulo(v, c->d.imm, c->d.imm_size) ||
           same_modulo(v, c->d.len + c->d.imm, narrow ? 2 : 4);
}

/*
 * ENTER and far pointers: capstone's encoding offsets are wrong for them, so use
 * the operands (ENTER: size, level; far: selector, offset).
 */
static int compare_two_immediates(const Case *c)
{
    const cs_x86 *x = &c->cs->detail->x86;
    bool enter = c->d.opcode == 0xc8;
    uint64_t first = x->operands[enter ? 0 : 1].imm,
             second = x->operands[enter ? 1 : 0].imm;

    if (x->op_count != 2 || !same_modulo(first, c->d.imm, c->d.imm_size) ||
        !same_modulo(second, c->d.imm2, enter ? 1 : 2)) {
        return IMMEDIATE_DIFFERS;
    }
    return AGREE;
}

/* MOV AL, moffs: capstone shows the offset as the displacement of a memory operand. */
static int compare_moffs(const Case *c)
{
    const cs_x86_op *op = first_operand(c->cs, X86_OP_MEM);
    const cs_x86_encoding *enc = &c->cs->detail->x86.encoding;

    if (!op || enc->disp_offset != c->d.len - c->d.imm_size ||
        !same_modulo(op->mem.disp, c->d.imm, c->d.imm_size) ||
        !same_segment(c, op->mem.segment)) {
        return IMMEDIATE_DIFFERS;
    }
    return AGREE;
}

static bool is_one_byte_opcode(const Case *c, uint8_t lo, uint8_t hi)
{
    return c->d.map == MAP_NONE && !(c->d.prefix & PFX_VEX) && c->d.opcode >= lo &&
           c->d.opcode <= hi;
}

static int compare_immediate(const Case *c)
{
    const cs_x86_op *op = first_operand(c->cs, X86_OP_IMM);

    if (is_one_byte_opcode(c, 0xa0, 0xa3)) {
        return compare_moffs(c);
    }
    if (is_one_byte_opcode(c, 0xc8, 0xc8) || is_one_byte_opcode(c, 0x9a, 0x9a) ||
        is_one_byte_opcode(c, 0xea, 0xea)) {
        return compare_two_immediates(c);
    }
    if (!immediate_offset_matches(c)) {
        return IMMEDIATE_DIFFERS;
    }
    if (op && c->d.imm_size && !immediate_value_matches(c, op->imm)) {
        return IMMEDIATE_DIFFERS;
    }
    return AGREE;
}

static int compare_case(const Case *c)
{
    bool ours = c->ret == DECODE_OK;

    if (ours != c->cs_valid) {
        return ours ? ONLY_OURS_VALID : ONLY_CAPSTONE_VALID;
    }
    if (!ours) {
        return AGREE;
    }
    if (c->d.len != c->cs->size) {
        return LENGTH_DIFFERS;
    }
    int r = compare_memory(c);
    return r != AGREE ? r : compare_immediate(c);
}

/* ---- the allow-list ---- */

typedef struct Checker {
    Oracle *oracle;
    const Case *c;
    int kind;
} Checker;

static bool is_near_branch(const Case *c)
{
    uint8_t op = c->d.opcode;

    if (c->d.map == MAP_0F) {
        return (op & 0xf0) == 0x80;
    }
    return c->d.map == MAP_NONE && (op == 0xe8 || op == 0xe9);
}

/*
 * SDM Table A-1 "f64": near JMP/CALL/Jcc ignore 66 in 64-bit mode on Intel
 * CPUs, keeping a rel32; capstone follows AMD, which reads a rel16.
 */
static bool allow_f64_branch_66(const Checker *k)
{
    const Case *c = k->c;

    return k->kind == LENGTH_DIFFERS && c->mode == DECODE_64 && is_near_branch(c) &&
           (c->d.prefix & PFX_OPSZ) && c->cs->size + 2 == c->d.len;
}

/*
 * VEX/EVEX opcode validity is not modelled: this CPU advertises no AVX, so the
 * handler tables reject every VEX form; the decoder only needs their lengths.
 */
static bool allow_vex_opcode(const Checker *k)
{
    return k->kind == ONLY_OURS_VALID && (k->c->d.prefix & PFX_VEX);
}

/* SDM 2.3.2: VEX after 66, F2 or F3 is #UD; capstone decodes it. */
static bool allow_vex_after_prefix(const Checker *k)
{
    const Case *c = k->c;
    uint8_t op = c->bytes[opcode_offset(c)];

    return k->kind == ONLY_CAPSTONE_VALID && (op == 0xc4 || op == 0xc5 || op == 0x62) &&
           (c->d.prefix & (PFX_OPSZ | PFX_REP | PFX_REPNE));
}

/* Removes the prefix bytes in the set from the prefixes. */
static size_t strip_prefixes(const Case *c, const char *set, uint8_t *out)
{
    unsigned end = opcode_offset(c);
    size_t n = 0;

    for (unsigned i = 0; i < FILL_LEN; i++) {
        uint8_t b = c->bytes[i];
        if (i >= end || !memchr(set, b, strlen(set))) {
            out[n++] = b;
        }
    }
    return n;
}

/*
 * Whether, without the prefixes in set, both decoders accept the bytes and
 * capstone names the instruction it named with them. Leaves the oracle's insn as
 * it was for c.
 */
static bool same_without(const Checker *k, const char *set)
{
    const Case *c = k->c;
    uint8_t stripped[FILL_LEN] = {0};
    unsigned id = c->cs->id;
    Insn d;

    size_t n = strip_prefixes(c, set, stripped);
    if (n == FILL_LEN || decode_insn(&d, stripped, n, c->mode) != DECODE_OK) {
        return false;
    }
    bool same =
        oracle_decode(k->oracle, c->mode, stripped, n) && k->oracle->insn->id == id;
    oracle_decode(k->oracle, c->mode, c->bytes, FILL_LEN);
    return same;
}

/*
 * The SDM leaves some prefix classes of an opcode undefined (F3 0F 60, 66 0F 77,
 * F2 0F 38 00, 66 0F AE /0, F3 66 0F 58 where F3 takes precedence ...); capstone
 * ignores the prefix and decodes the instruction it would without.
 */
static bool allow_prefix_ignored(const Checker *k)
{
    if (k->kind != ONLY_CAPSTONE_VALID || k->c->d.map == MAP_NONE) {
        return false;
    }
    return same_without(k, "\xf2\xf3") || same_without(k, "\x66\xf2\xf3");
}

/*
 * Instructions outside the SDM that capstone decodes: AMD 3DNow!, SSE4a, SVM and
 * XOP, VIA PadLock, SALC, and PCOMMIT (withdrawn from the SDM in 2016). This CPU
 * implements none of them.
 */
static bool allow_non_intel(const Checker *k)
{
    static const unsigned ids[] = {
        X86_INS_FEMMS,     X86_INS_EXTRQ,     X86_INS_INSERTQ,   X86_INS_MOVNTSS,
        X86_INS_MOVNTSD,   X86_INS_VMRUN,     X86_INS_VMMCALL,   X86_INS_VMLOAD,
        X86_INS_VMSAVE,    X86_INS_STGI,      X86_INS_CLGI,      X86_INS_SKINIT,
        X86_INS_INVLPGA,   X86_INS_XSTORE,    X86_INS_XCRYPTECB, X86_INS_XCRYPTCBC,
        X86_INS_XCRYPTCTR, X86_INS_XCRYPTCFB, X86_INS_XCRYPTOFB, X86_INS_MONTMUL,
        X86_INS_XSHA1,     X86_INS_XSHA256,   X86_INS_SALC,      X86_INS_PCOMMIT,
    };
    const Case *c = k->c;
    const uint8_t *op = c->bytes + opcode_offset(c);

    if (k->kind != ONLY_CAPSTONE_VALID) {
        return false;
    }
    bool outside = op[0] == 0x8f || (op[0] == 0x0f && op[1] == 0x0f); /* XOP, 3DNow! */
    for (size_t i = 0; i < G_N_ELEMENTS(ids) && !outside; i++) {
        outside = c->cs->id == ids[i];
    }
    return outside;
}

/*
 * UD0 (0F FF) and UD1 (0F B9) take a ModRM (SDM UD); capstone 4 reads none, and
 * rejects UD0 after 66/F2/F3 or REX. Either way they raise #UD.
 */
static bool allow_ud0_ud1(const Checker *k)
{
    const Case *c = k->c;

    return (k->kind == ONLY_OURS_VALID || k->kind == LENGTH_DIFFERS) &&
           c->d.map == MAP_0F && (c->d.opcode == 0xff || c->d.opcode == 0xb9);
}

/*
 * Hint NOPs 0F 1A-1F take a register operand too (0F 1F C0 is NOP EAX); capstone
 * accepts only memory forms.
 */
static bool allow_hint_nop_register(const Checker *k)
{
    const Case *c = k->c;

    return k->kind == ONLY_OURS_VALID && c->d.map == MAP_0F && c->d.opcode >= 0x1a &&
           c->d.opcode <= 0x1f && c->d.mod == 3;
}

/*
 * A REX.W after 66 or 67 makes capstone read RET iw as 4 bytes and a near
 * branch's rel32 as 2 bytes; neither prefix changes those sizes in 64-bit mode.
 */
static bool allow_rexw_after_66_67(const Checker *k)
{
    const Case *c = k->c;

    return k->kind == LENGTH_DIFFERS && (c->d.rex & 0x08) &&
           (c->d.prefix & (PFX_OPSZ | PFX_ADSZ)) &&
           (is_near_branch(c) || is_one_byte_opcode(c, 0xc2, 0xc2)) &&
           abs((int)c->cs->size - (int)c->d.len) == 2;
}

/* Copies c's bytes with every 66 removed and one 66 put first or last. */
static void move_66(const Case *c, bool last, uint8_t *out)
{
    uint8_t stripped[FILL_LEN] = {0};

    strip_prefixes(c, "\x66", stripped);
    unsigned at = last ? prefix_length(c->mode, stripped) - (c->d.rex ? 1 : 0) : 0;
    memcpy(out, stripped, at);
    out[at] = 0x66;
    memcpy(out + at + 1, stripped + at, FILL_LEN - at - 1);
}

static bool agrees_with_bytes(const Checker *k, const uint8_t *bytes)
{
    Case alt = *k->c;

    alt.bytes = bytes;
    alt.cs_valid = oracle_decode(k->oracle, alt.mode, bytes, FILL_LEN);
    return compare_case(&alt) == AGREE;
}

/*
 * Capstone depends on the order of 66 and F2/F3: 66 F3 AD is LODSD to it, F3 66
 * AD LODSW; it rejects F3 66 0F B8 (POPCNT r16) and 66 F2 A3. Hardware does not
 * care about prefix order. Recognised by capstone agreeing with us once the 66 is
 * moved first or last.
 */
static bool allow_66_rep_order(const Checker *k)
{
    const Case *c = k->c;
    uint8_t moved[FILL_LEN];

    if (!(c->d.prefix & PFX_OPSZ) || !(c->d.prefix & (PFX_REP | PFX_REPNE))) {
        return false;
    }
    move_66(c, false, moved);
    bool agree = agrees_with_bytes(k, moved);
    if (!agree) {
        move_66(c, true, moved);
        agree = agrees_with_bytes(k, moved);
    }
    oracle_decode(k->oracle, c->mode, c->bytes, FILL_LEN);
    return agree;
}

/*
 * Capstone 4 in 16-bit mode rejects many mandatory-prefix forms (66 0F D0,
 * F3 0F B8, 66 0F 38 F6 ...) that it accepts in 32-bit mode (given its preferred
 * order of 66 and F3); the SDM defines them in every mode.
 */
static bool allow_capstone_16bit(const Checker *k)
{
    const Case *c = k->c;
    uint8_t moved[FILL_LEN];

    if (k->kind != ONLY_OURS_VALID || c->mode != DECODE_16) {
        return false;
    }
    move_66(c, false, moved);
    bool valid32 = oracle_decode(k->oracle, DECODE_32, c->bytes, FILL_LEN) ||
                   ((c->d.prefix & PFX_OPSZ) &&
                    oracle_decode(k->oracle, DECODE_32, moved, FILL_LEN));
    oracle_decode(k->oracle, c->mode, c->bytes, FILL_LEN);
    return valid32;
}

/*
 * LOCK on an instruction that cannot take it is #UD; the handler tables decide
 * (IF_LOCK), the decoder does not. Capstone rejects it.
 */
static bool allow_lock(const Checker *k)
{
    const Case *c = k->c;
    uint8_t unlocked[FILL_LEN];

    if (k->kind != ONLY_OURS_VALID || !(c->d.prefix & PFX_LOCK)) {
        return false;
    }
    /* a DS override in its place keeps any REX before it void */
    memcpy(unlocked, c->bytes, FILL_LEN);
    for (unsigned i = 0; i < opcode_offset(c); i++) {
        unlocked[i] = unlocked[i] == 0xf0 ? 0x3e : unlocked[i];
    }
    return oracle_decode(k->oracle, c->mode, unlocked, FILL_LEN);
}

/*
 * MOV Ev,Sw / MOV Sw,Ew ignore REX.R (44 8C C0 is MOV EAX, ES on Zen 3); capstone
 * rejects it as naming a segment register 8-15.
 */
static bool allow_rexr_sreg(const Checker *k)
{
    const Case *c = k->c;

    return k->kind == ONLY_OURS_VALID && c->mode == DECODE_64 && (c->d.rex & 0x04) &&
           (is_one_byte_opcode(c, 0x8c, 0x8c) || is_one_byte_opcode(c, 0x8e, 0x8e));
}

typedef struct Allowed {
    const char *name;
    bool (*matches)(const Checker *k);
} Allowed;

static const Allowed allowed[] = {
    {"66 on an f64 near branch in 64-bit mode (Intel ignores it)", allow_f64_branch_66},
    {"VEX/EVEX opcode validity (not modelled, no AVX)", allow_vex_opcode},
    {"VEX/EVEX after 66/F2/F3 (#UD per SDM 2.3.2)", allow_vex_after_prefix},
    {"capstone ignores a prefix the SDM leaves undefined", allow_prefix_ignored},
    {"not in the SDM (3DNow!, SSE4a, SVM, XOP, PadLock, SALC, PCOMMIT)", allow_non_intel},
    {"UD0/UD1 take a ModRM (capstone 4 reads none)", allow_ud0_ud1},
    {"hint NOP 0F 1A-1F with a register operand", allow_hint_nop_register},
    {"capstone 4 rejects in 16-bit mode what it takes in 32-bit", allow_capstone_16bit},
    {"REX.W after 66/67 on RET iw or a near branch", allow_rexw_after_66_67},
    {"capstone depends on the order of 66 and F2/F3", allow_66_rep_order},
    {"LOCK on a non-lockable instruction (handlers reject it)", allow_lock},
    {"REX.R on MOV to/from a segment register (the CPU ignores it)", allow_rexr_sreg},
};

#define N_ALLOWED G_N_ELEMENTS(allowed)

/* ---- statistics ---- */

typedef struct Stats {
    Oracle oracle;
    unsigned long checked, agreed, both_valid;
    unsigned long allowed[N_ALLOWED];
    unsigned long unexpected[N_DISAGREEMENTS];
    GString *examples;
    unsigned n_examples[N_DISAGREEMENTS];
} Stats;

static void stats_init(Stats *s)
{
    memset(s, 0, sizeof(*s));
    oracle_open(&s->oracle);
    s->examples = g_string_new(NULL);
}

static void note_example(Stats *s, const Case *c, int kind)
{
    if (s->n_examples[kind]++ >= N_EXAMPLES) {
        return;
    }
    g_string_append_printf(s->examples, "  %s, %d-bit:", disagreement_names[kind],
                           16 << c->mode);
    for (unsigned i = 0; i < 15; i++) {
        g_string_append_printf(s->examples, " %02x", c->bytes[i]);
    }
    g_string_append_printf(s->examples, " | ours ret %d len %d | capstone %s %s %s\n",
                           c->ret, c->d.len, c->cs_valid ? "len" : "invalid",
                           c->cs_valid ? c->cs->mnemonic : "",
                           c->cs_valid ? c->cs->op_str : "");
}

static void classify(Stats *s, const Case *c, int kind)
{
    Checker k = {.oracle = &s->oracle, .c = c, .kind = kind};

    for (size_t i = 0; i < N_ALLOWED; i++) {
        if (allowed[i].matches(&k)) {
            s->allowed[i]++;
            return;
        }
    }
    s->unexpected[kind]++;
    note_example(s, c, kind);
}

static void check_bytes(Stats *s, int mode, const uint8_t *bytes)
{
    Case c = {.mode = mode, .bytes = bytes, .cs = s->oracle.insn};

    c.ret = decode_insn(&c.d, bytes, FILL_LEN, mode);
    c.cs_valid = oracle_decode(&s->oracle, mode, bytes, FILL_LEN);
    int kind = compare_case(&c);
    s->checked++;
    s->both_valid += c.ret == DECODE_OK && c.cs_valid;
    if (kind == AGREE) {
        s->agreed++;
        return;
    }
    classify(s, &c, kind);
}

/* Prints the summary and fails on any disagreement the allow-list does not explain. */
static void stats_finish(Stats *s, const char *what)
{
    unsigned long unexpected = 0;

    g_test_message("%s: %lu checked, %lu agree, %lu valid in both", what, s->checked,
                   s->agreed, s->both_valid);
    for (size_t i = 0; i < N_ALLOWED; i++) {
        g_test_message("  allowed: %-60s %lu", allowed[i].name, s->allowed[i]);
    }
    for (int k = 1; k < N_DISAGREEMENTS; k++) {
        unexpected += s->unexpected[k];
        if (s->unexpected[k]) {
            g_test_message("  UNEXPECTED: %-40s %lu", disagreement_names[k],
                           s->unexpected[k]);
        }
    }
    if (unexpected) {
        g_test_message("examples:\n%s", s->examples->str);
    }
    g_string_free(s->examples, true);
    oracle_close(&s->oracle);
    g_assert_cmpuint(unexpected, ==, 0);
}

/* ---- tier 1: every opcode ---- */

/* Bytes after the interesting ones: varied, with high bits set to catch sign errors. */
static void fill_tail(uint8_t *buf, size_t from, unsigned salt)
{
    for (size_t i = from; i < FILL_LEN; i++) {
        buf[i] = (uint8_t)(0x81 + 0x35 * (i + salt));
    }
}

/* Prefix sets tried for every opcode; REX ones only in 64-bit mode. */
static const struct {
    uint8_t bytes[4];
    uint8_t n;
    bool rex;
} prefix_sets[] = {
    {{0}, 0, false},          {{0x66}, 1, false},       {{0x67}, 1, false},
    {{0xf3}, 1, false},       {{0xf2}, 1, false},       {{0x66, 0xf2}, 2, false},
    {{0xf3, 0x66}, 2, false}, {{0x64, 0x67}, 2, false}, {{0x48}, 1, true},
    {{0x45}, 1, true},        {{0x66, 0x4a}, 2, true},  {{0xf2, 0x4f}, 2, true},
};

/* Memory ModRM forms (with reg 0), covering disp8/16/32, SIB and no base. */
static const uint8_t mem_mod_rm[] = {0x00, 0x02, 0x04, 0x05, 0x06, 0x07, 0x43,
                                     0x44, 0x46, 0x81, 0x84, 0x85, 0x86};

#define N_MODRM_FORMS (64 + 8 * G_N_ELEMENTS(mem_mod_rm))

/* ModRM forms: every register form, and every reg with each memory form and a SIB. */
static size_t modrm_forms(uint8_t forms[][2])
{
    static const uint8_t sibs[] = {0x24, 0x25, 0x88, 0xe5, 0x5d, 0x00};
    size_t n = 0;

    for (unsigned m = 0xc0; m <= 0xff; m++) {
        forms[n][0] = m;
        forms[n++][1] = 0;
    }
    for (unsigned reg = 0; reg < 8; reg++) {
        for (size_t i = 0; i < G_N_ELEMENTS(mem_mod_rm); i++) {
            forms[n][0] = mem_mod_rm[i] | reg << 3;
            forms[n++][1] = sibs[(reg + i) % G_N_ELEMENTS(sibs)];
        }
    }
    return n;
}

static size_t put_opcode(uint8_t *buf, size_t n, int map, unsigned op)
{
    static const uint8_t escapes[4][2] = {{0}, {0x0f}, {0x0f, 0x38}, {0x0f, 0x3a}};
    static const uint8_t escape_len[4] = {0, 1, 2, 2};

    memcpy(buf + n, escapes[map], escape_len[map]);
    n += escape_len[map];
    buf[n++] = op;
    return n;
}

static void sweep_opcode(Stats *s, int mode, int map, unsigned op)
{
    uint8_t forms[N_MODRM_FORMS][2];
    size_t n_forms = modrm_forms(forms);
    uint8_t buf[FILL_LEN];

    for (size_t p = 0; p < G_N_ELEMENTS(prefix_sets); p++) {
        if (prefix_sets[p].rex && mode != DECODE_64) {
            continue;
        }
        memcpy(buf, prefix_sets[p].bytes, prefix_sets[p].n);
        size_t n = put_opcode(buf, prefix_sets[p].n, map, op);
        for (size_t f = 0; f < n_forms; f++) {
            buf[n] = forms[f][0];
            buf[n + 1] = forms[f][1];
            fill_tail(buf, n + 2, f);
            check_bytes(s, mode, buf);
        }
    }
}

static void test_opcode_sweep(void)
{
    Stats s;

    stats_init(&s);
    for (int mode = DECODE_16; mode <= DECODE_64; mode++) {
        for (int map = MAP_NONE; map <= MAP_0F3A; map++) {
            for (unsigned op = 0; op < 256; op++) {
                sweep_opcode(&s, mode, map, op);
            }
        }
    }
    stats_finish(&s, "opcode sweep");
}

/*
 * VEX and EVEX: every map, opcode, pp, L and W with a few ModRM forms, in the
 * modes where C4/C5/62 can be VEX. Validity is not modelled (see the allow-list),
 * so this checks lengths, operands and immediates where capstone accepts.
 */
static const uint8_t vex_modrm_forms[][2] = {
    {0xc1, 0}, {0x08, 0}, {0x14, 0x88}, {0x1d, 0}, {0x64, 0x24}, {0x82, 0}, {0x44, 0x65},
};

static void sweep_vex_form(Stats *s, int mode, const uint8_t *prefix, size_t n)
{
    uint8_t buf[FILL_LEN];

    memcpy(buf, prefix, n);
    for (size_t f = 0; f < G_N_ELEMENTS(vex_modrm_forms); f++) {
        buf[n] = vex_modrm_forms[f][0];
        buf[n + 1] = vex_modrm_forms[f][1];
        fill_tail(buf, n + 2, f);
        check_bytes(s, mode, buf);
    }
}

static void sweep_vex_opcode(Stats *s, int mode, int map, unsigned op)
{
    for (unsigned pp = 0; pp < 4; pp++) {
        for (unsigned wl = 0; wl < 4; wl++) {
            unsigned w = wl >> 1, l = wl & 1;
            uint8_t vex3[] = {0xc4, 0xe0 | map, w << 7 | 0x78 | l << 2 | pp, op};
            uint8_t evex[] = {0x62, 0xf0 | map, w << 7 | 0x7c | pp, l << 5 | 0x08, op};
            sweep_vex_form(s, mode, vex3, sizeof(vex3));
            sweep_vex_form(s, mode, evex, sizeof(evex));
            if (map == MAP_0F && !w) {
                uint8_t vex2[] = {0xc5, 0xf8 | l << 2 | pp, op};
                sweep_vex_form(s, mode, vex2, sizeof(vex2));
            }
        }
    }
}

static void test_vex_sweep(void)
{
    Stats s;

    stats_init(&s);
    for (int mode = DECODE_32; mode <= DECODE_64; mode++) {
        for (int map = MAP_0F; map <= MAP_0F3A; map++) {
            for (unsigned op = 0; op < 256; op++) {
                sweep_vex_opcode(&s, mode, map, op);
            }
        }
    }
    stats_finish(&s, "VEX/EVEX sweep");
}

/* ---- tier 2: random bytes ---- */

#define RANDOM_PER_MODE 200000

/* A valid instruction cut anywhere short of its end needs more bytes. */
static void check_truncations(const uint8_t *bytes, int mode)
{
    Insn d, t;

    if (decode_insn(&d, bytes, FILL_LEN, mode) != DECODE_OK) {
        return;
    }
    for (size_t avail = 0; avail < d.len; avail++) {
        g_assert_cmpint(decode_insn(&t, bytes, avail, mode), ==, DECODE_NEED_MORE);
    }
    g_assert_cmpint(decode_insn(&t, bytes, d.len, mode), ==, DECODE_OK);
    g_assert_cmpint(t.len, ==, d.len);
}

static void test_random_corpus(void)
{
    GRand *rand = g_rand_new_with_seed(0x5eed1234);
    uint8_t buf[FILL_LEN];
    Stats s;

    stats_init(&s);
    for (int mode = DECODE_16; mode <= DECODE_64; mode++) {
        for (int i = 0; i < RANDOM_PER_MODE; i++) {
            for (size_t j = 0; j < FILL_LEN; j++) {
                buf[j] = g_rand_int(rand);
            }
            check_bytes(&s, mode, buf);
            if (i % 16 == 0) {
                check_truncations(buf, mode);
            }
        }
    }
    g_rand_free(rand);
    stats_finish(&s, "random corpus");
}

/* ---- tier 3: cases checked by hand ---- */

static Insn decode_ok(int mode, const uint8_t *bytes, size_t n)
{
    Insn d;

    g_assert_cmpint(decode_insn(&d, bytes, n, mode), ==, DECODE_OK);
    g_assert_cmpuint(d.len, ==, n);
    return d;
}

#define DECODE_OK_BYTES(mode, ...)                                                       \
    decode_ok(mode, (const uint8_t[]){__VA_ARGS__},                                      \
              sizeof((const uint8_t[]){__VA_ARGS__}))

static void test_rex_and_66(void)
{
    /* REX then 66: the REX is not last, so it is ignored: mov ax, cx */
    Insn d = DECODE_OK_BYTES(DECODE_64, 0x48, 0x66, 0x89, 0xc8);
    g_assert_cmpuint(d.rex, ==, 0);
    g_assert_false(d.prefix & PFX_REX);
    g_assert_cmpuint(d.opsize, ==, 2);
    /* 66 then REX.W: W wins: mov rax, rcx */
    d = DECODE_OK_BYTES(DECODE_64, 0x66, 0x48, 0x89, 0xc8);
    g_assert_cmpuint(d.rex, ==, 0x48);
    g_assert_cmpuint(d.opsize, ==, 8);
    /* REX.R and REX.B extend reg and rm: mov r9, r10 is 4d 89 d1 */
    d = DECODE_OK_BYTES(DECODE_64, 0x4d, 0x89, 0xd1);
    g_assert_cmpuint(d.reg, ==, 10);
    g_assert_cmpuint(d.rm, ==, 9);
    g_assert_cmpuint(d.mod, ==, 3);
}

static void test_mandatory_prefixes(void)
{
    Insn d = DECODE_OK_BYTES(DECODE_64, 0xf3, 0x0f, 0xb8, 0xc1); /* popcnt eax, ecx */
    g_assert_cmpuint(d.map, ==, MAP_0F);
    g_assert_cmpuint(d.opcode, ==, 0xb8);
    g_assert_cmpuint(d.mandatory, ==, MP_F3);
    d = DECODE_OK_BYTES(DECODE_64, 0x66, 0xf3, 0x0f, 0xbc, 0xc1); /* tzcnt ax, cx */
    g_assert_cmpuint(d.mandatory, ==, MP_F3);
    g_assert_cmpuint(d.opsize, ==, 2);
    /* crc32 eax, byte [rax]: map 0F38, F2 */
    d = DECODE_OK_BYTES(DECODE_64, 0xf2, 0x0f, 0x38, 0xf0, 0x00);
    g_assert_cmpuint(d.map, ==, MAP_0F38);
    g_assert_cmpuint(d.mandatory, ==, MP_F2);
    g_assert_cmpmem(d.opc_byte, 3, ((uint8_t[]){0x0f, 0x38, 0xf0}), 3);
    /* the last of F2/F3 wins */
    d = DECODE_OK_BYTES(DECODE_32, 0xf3, 0xf2, 0x0f, 0x10, 0xc1); /* movsd */
    g_assert_cmpuint(d.mandatory, ==, MP_F2);
    /* NP 0F B8 is IA-64's JMPE: undefined */
    g_assert_cmpint(decode_insn(&d, (const uint8_t[]){0x0f, 0xb8, 0xc1}, 3, DECODE_64),
                    ==, DECODE_INVALID);
}

static void test_moffs_and_rip(void)
{
    /* mov al, [moffs]: 8 bytes in 64-bit mode, 4 with 67 */
    Insn d = DECODE_OK_BYTES(DECODE_64, 0xa0, 1, 2, 3, 4, 5, 6, 7, 8);
    g_assert_cmpuint(d.imm, ==, 0x0807060504030201ull);
    d = DECODE_OK_BYTES(DECODE_64, 0x67, 0xa0, 0x78, 0x56, 0x34, 0x12);
    g_assert_cmpuint(d.addrsize, ==, 4);
    g_assert_cmpuint(d.imm_size, ==, 4);
    /* mov dword [rip+0x10], 0x20: the disp is relative to the end, after the imm */
    d = DECODE_OK_BYTES(DECODE_64, 0xc7, 0x05, 0x10, 0, 0, 0, 0x20, 0, 0, 0);
    g_assert_cmpuint(d.base, ==, EA_RIP);
    g_assert_cmpuint(d.index, ==, EA_NONE);
    g_assert_cmpint(d.disp, ==, 0x10);
    g_assert_cmpuint(d.imm, ==, 0x20);
    g_assert_cmpuint(0x1000 + d.len + d.disp, ==, 0x101a);
    /* with 67 still RIP-relative (EIP) */
    d = DECODE_OK_BYTES(DECODE_64, 0x67, 0x8b, 0x05, 0xfc, 0xff, 0xff, 0xff);
    g_assert_cmpuint(d.base, ==, EA_RIP);
    g_assert_cmpint(d.disp, ==, -4);
    g_assert_cmpuint(d.addrsize, ==, 4);
    /* in 32-bit mode the same ModRM is an absolute disp32 */
    d = DECODE_OK_BYTES(DECODE_32, 0x8b, 0x05, 0x00, 0x10, 0x00, 0x00);
    g_assert_cmpuint(d.base, ==, EA_NONE);
    g_assert_cmpint(d.disp, ==, 0x1000);
}

static void test_sib(void)
{
    /* mov eax, [r12 + r13*8 - 128] with REX.XB: 43 8b 44 ec 80 */
    Insn d = DECODE_OK_BYTES(DECODE_64, 0x43, 0x8b, 0x44, 0xec, 0x80);
    g_assert_cmpuint(d.base, ==, 12);
    g_assert_cmpuint(d.index, ==, 13);
    g_assert_cmpuint(d.scale, ==, 3);
    g_assert_cmpint(d.disp, ==, -128);
    g_assert_cmpuint(d.seg, ==, R_DS);
    /* index 4 without REX.X is none; with REX.X it is r12. Base rsp means SS. */
    d = DECODE_OK_BYTES(DECODE_64, 0x8b, 0x04, 0x24);
    g_assert_cmpuint(d.index, ==, EA_NONE);
    g_assert_cmpuint(d.seg, ==, R_SS);
    d = DECODE_OK_BYTES(DECODE_64, 0x42, 0x8b, 0x04, 0x24);
    g_assert_cmpuint(d.index, ==, 12);
    /* SIB base 5 with mod 0: no base, disp32 */
    d = DECODE_OK_BYTES(DECODE_32, 0x8b, 0x04, 0x8d, 0x00, 0x20, 0x00, 0x00);
    g_assert_cmpuint(d.base, ==, EA_NONE);
    g_assert_cmpuint(d.index, ==, R_ECX);
    g_assert_cmpuint(d.scale, ==, 2);
    g_assert_cmpint(d.disp, ==, 0x2000);
}

static void test_16bit_addressing(void)
{
    /* mov ax, [bp+si+0x7f]: BP-based, so SS */
    Insn d = DECODE_OK_BYTES(DECODE_16, 0x8b, 0x42, 0x7f);
    g_assert_cmpuint(d.addrsize, ==, 2);
    g_assert_cmpuint(d.base, ==, R_EBP);
    g_assert_cmpuint(d.index, ==, R_ESI);
    g_assert_cmpuint(d.scale, ==, 0);
    g_assert_cmpuint(d.seg, ==, R_SS);
    /* mod 0 rm 6 is [disp16]; a DS override on [bp+di] */
    d = DECODE_OK_BYTES(DECODE_16, 0x8b, 0x06, 0x34, 0x92);
    g_assert_cmpuint(d.base, ==, EA_NONE);
    g_assert_cmpint(d.disp, ==, (int16_t)0x9234);
    d = DECODE_OK_BYTES(DECODE_16, 0x3e, 0x8b, 0x03);
    g_assert_cmpuint(d.seg, ==, R_DS);
    g_assert_true(d.prefix & PFX_SEG);
    /* 67 in 16-bit mode switches to 32-bit addressing: [eax] */
    d = DECODE_OK_BYTES(DECODE_16, 0x67, 0x8b, 0x00);
    g_assert_cmpuint(d.addrsize, ==, 4);
    g_assert_cmpuint(d.base, ==, R_EAX);
    /* C7 /0 with a 16-bit operand: iw */
    d = DECODE_OK_BYTES(DECODE_16, 0xc7, 0x07, 0x34, 0x12);
    g_assert_cmpuint(d.opsize, ==, 2);
    g_assert_cmpuint(d.imm_size, ==, 2);
    g_assert_cmpuint(d.imm, ==, 0x1234);
    d = DECODE_OK_BYTES(DECODE_32, 0x66, 0xc7, 0x00, 0xff, 0xff);
    g_assert_cmpuint(d.imm, ==, UINT64_MAX);
}

static void test_segments_64(void)
{
    /* ES/CS/SS/DS overrides are ignored in 64-bit mode; FS and GS apply */
    Insn d = DECODE_OK_BYTES(DECODE_64, 0x26, 0x8b, 0x00);
    g_assert_cmpuint(d.seg, ==, R_DS);
    d = DECODE_OK_BYTES(DECODE_64, 0x2e, 0x8b, 0x45, 0x00);
    g_assert_cmpuint(d.seg, ==, R_SS);
    d = DECODE_OK_BYTES(DECODE_64, 0x65, 0x8b, 0x45, 0x00);
    g_assert_cmpuint(d.seg, ==, R_GS);
    /* r13 is not rbp: DS */
    d = DECODE_OK_BYTES(DECODE_64, 0x41, 0x8b, 0x45, 0x00);
    g_assert_cmpuint(d.base, ==, 13);
    g_assert_cmpuint(d.seg, ==, R_DS);
    /* string instructions take the override too */
    d = DECODE_OK_BYTES(DECODE_32, 0x26, 0xa4);
    g_assert_cmpuint(d.seg, ==, R_ES);
}

static void test_stack_and_branches(void)
{
    /* push imm8/imm32 in 64-bit mode: d64, sign-extended */
    Insn d = DECODE_OK_BYTES(DECODE_64, 0x6a, 0x80);
    g_assert_cmpuint(d.opsize, ==, 8);
    g_assert_cmpuint(d.imm, ==, 0xffffffffffffff80ull);
    d = DECODE_OK_BYTES(DECODE_64, 0x68, 0x00, 0x00, 0x00, 0x80);
    g_assert_cmpuint(d.opsize, ==, 8);
    g_assert_cmpuint(d.imm, ==, 0xffffffff80000000ull);
    d = DECODE_OK_BYTES(DECODE_64, 0x66, 0x6a, 0x01); /* push word */
    g_assert_cmpuint(d.opsize, ==, 2);
    d = DECODE_OK_BYTES(DECODE_64, 0xff, 0xf0); /* push rax via FF /6 */
    g_assert_cmpuint(d.opsize, ==, 8);
    d = DECODE_OK_BYTES(DECODE_64, 0x66, 0xff, 0xd0); /* call rax: f64 */
    g_assert_cmpuint(d.opsize, ==, 8);
    /* jmp rel32 in 16-bit mode with 66 */
    d = DECODE_OK_BYTES(DECODE_16, 0x66, 0xe9, 0x00, 0x00, 0x01, 0x00);
    g_assert_cmpuint(d.opsize, ==, 4);
    g_assert_cmpuint(d.imm, ==, 0x10000);
    d = DECODE_OK_BYTES(DECODE_16, 0xe9, 0xfd, 0xff);
    g_assert_cmpuint(d.imm, ==, UINT64_MAX - 2);
    /* 66 on a near branch in 64-bit mode is ignored (Intel): still rel32 */
    d = DECODE_OK_BYTES(DECODE_64, 0x66, 0xe8, 0x00, 0x00, 0x00, 0x00);
    g_assert_cmpuint(d.opsize, ==, 8);
    /* enter iw, ib; far pointers */
    d = DECODE_OK_BYTES(DECODE_64, 0xc8, 0x10, 0x20, 0x03);
    g_assert_cmpuint(d.imm, ==, 0x2010);
    g_assert_cmpuint(d.imm2, ==, 3);
    d = DECODE_OK_BYTES(DECODE_32, 0x9a, 1, 2, 3, 4, 0x08, 0x00);
    g_assert_cmpuint(d.imm, ==, 0x04030201);
    g_assert_cmpuint(d.imm2, ==, 8);
    d = DECODE_OK_BYTES(DECODE_16, 0xea, 0x00, 0x7c, 0x00, 0x00);
    g_assert_cmpuint(d.imm, ==, 0x7c00);
    g_assert_cmpint(
        decode_insn(&d, (const uint8_t[]){0xea, 1, 2, 3, 4, 5, 6}, 7, DECODE_64), ==,
        DECODE_INVALID);
    /* movabs rax, imm64 */
    d = DECODE_OK_BYTES(DECODE_64, 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 0x88);
    g_assert_cmpuint(d.imm_size, ==, 8);
    g_assert_cmpuint(d.imm, ==, 0x8807060504030201ull);
}

/*
 * Operand and address sizes. d64 (PUSH, POP, ENTER, LEAVE, PUSHF) takes 66 to
 * 16 bits; near branches and MOV CR are forced to 64 bits whatever the prefixes
 * (SDM Vol. 1 6.3.7: "operand size prefixes are silently ignored").
 */
static void test_operand_size(void)
{
    static const struct {
        int mode;
        uint8_t bytes[5];
        size_t n;
        uint8_t opsize;
    } cases[] = {
        {DECODE_16, {0x89, 0xc8}, 2, 2},
        {DECODE_16, {0x66, 0x89, 0xc8}, 3, 4},
        {DECODE_32, {0x66, 0x89, 0xc8}, 3, 2},
        {DECODE_64, {0x89, 0xc8}, 2, 4},
        {DECODE_64, {0x66, 0x89, 0xc8}, 3, 2},
        {DECODE_64, {0x66, 0x48, 0x89, 0xc8}, 4, 8},
        {DECODE_64, {0x50}, 1, 8},
        {DECODE_64, {0x66, 0x50}, 2, 2},
        {DECODE_64, {0x0f, 0xa1}, 2, 8},
        {DECODE_64, {0x66, 0x0f, 0xa1}, 3, 2},
        {DECODE_64, {0x66, 0x8f, 0xc0}, 3, 2},
        {DECODE_64, {0xc8, 0, 0, 0}, 4, 8},
        {DECODE_64, {0xc9}, 1, 8},
        {DECODE_64, {0x66, 0x9d}, 2, 2},
        {DECODE_64, {0x66, 0xff, 0x30}, 3, 2},
        {DECODE_64, {0x66, 0xc3}, 2, 8},
        {DECODE_64, {0x66, 0xe2, 0x00}, 3, 8},
        {DECODE_64, {0x66, 0xff, 0x20}, 3, 8},
        {DECODE_64, {0x66, 0x0f, 0x20, 0xc0}, 4, 8},
        {DECODE_64, {0xff, 0x18}, 2, 4}, /* far call m16:32 */
        {DECODE_64, {0x48, 0xff, 0x18}, 3, 8},
    };
    static const struct {
        int mode;
        bool prefix_67;
        uint8_t addrsize;
    } addr_cases[] = {
        {DECODE_16, false, 2}, {DECODE_16, true, 4},  {DECODE_32, false, 4},
        {DECODE_32, true, 2},  {DECODE_64, false, 8}, {DECODE_64, true, 4},
    };
    Insn d;

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        d = decode_ok(cases[i].mode, cases[i].bytes, cases[i].n);
        g_assert_cmpuint(d.opsize, ==, cases[i].opsize);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(addr_cases); i++) {
        const uint8_t nop[] = {0x67, 0x90};
        bool p = addr_cases[i].prefix_67;
        d = decode_ok(addr_cases[i].mode, nop + !p, 2 - !p);
        g_assert_cmpuint(d.addrsize, ==, addr_cases[i].addrsize);
    }
}

static void test_groups(void)
{
    /* test has an immediate, not/neg do not */
    Insn d = DECODE_OK_BYTES(DECODE_32, 0xf7, 0xc1, 1, 2, 3, 4);
    g_assert_cmpuint(d.imm, ==, 0x04030201);
    d = DECODE_OK_BYTES(DECODE_32, 0xf7, 0xd1);
    g_assert_cmpuint(d.imm_size, ==, 0);
    d = DECODE_OK_BYTES(DECODE_32, 0xf6, 0x00, 0x7f);
    g_assert_cmpuint(d.imm_size, ==, 1);
    /* swapgs, rdtscp; mov cr ignores mod */
    d = DECODE_OK_BYTES(DECODE_64, 0x0f, 0x01, 0xf8);
    g_assert_cmpuint(d.reg, ==, 7);
    g_assert_cmpuint(d.modrm & 7, ==, 0);
    d = DECODE_OK_BYTES(DECODE_64, 0x0f, 0x20, 0x18); /* mov rax, cr3 */
    g_assert_cmpuint(d.mod, ==, 3);
    g_assert_cmpuint(d.opsize, ==, 8);
    /* XBEGIN rel32 is C7 F8; C7 /7 elsewhere and FE /2 are undefined */
    d = DECODE_OK_BYTES(DECODE_64, 0xc7, 0xf8, 0x10, 0, 0, 0);
    g_assert_cmpuint(d.imm, ==, 0x10);
    g_assert_cmpint(
        decode_insn(&d, (const uint8_t[]){0xc7, 0xf9, 0, 0, 0, 0}, 6, DECODE_64), ==,
        DECODE_INVALID);
    g_assert_cmpuint(d.len, ==, 2);
    g_assert_cmpint(decode_insn(&d, (const uint8_t[]){0x66, 0xfe, 0x10}, 3, DECODE_32),
                    ==, DECODE_INVALID);
    g_assert_cmpuint(d.len, ==, 3);
    /* UD2 decodes fine (it is the handler that raises #UD); UD1 takes a ModRM */
    DECODE_OK_BYTES(DECODE_64, 0x0f, 0x0b);
    DECODE_OK_BYTES(DECODE_64, 0x0f, 0xb9, 0x00);
    DECODE_OK_BYTES(DECODE_64, 0x0f, 0xff, 0x40, 0x00);
}

static void test_invalid(void)
{
    static const struct {
        int mode;
        uint8_t bytes[4];
        size_t n, len;
    } cases[] = {
        {DECODE_64, {0x06}, 1, 1},
        {DECODE_64, {0x66, 0x27}, 2, 2},
        {DECODE_64, {0xd6}, 1, 1},
        {DECODE_64, {0x0f, 0x04}, 2, 2},
        {DECODE_32, {0x0f, 0x0a}, 2, 2},
        {DECODE_32, {0x0f, 0x24, 0xc0}, 3, 2},
        {DECODE_16, {0x0f, 0x36}, 2, 2},
        {DECODE_16, {0x0f, 0x39}, 2, 2},
        {DECODE_32, {0x0f, 0x7a, 0}, 3, 2},
        {DECODE_64, {0x0f, 0x38, 0xff, 0}, 4, 3},
        {DECODE_64, {0x82, 0xc0, 0}, 3, 1},
        {DECODE_64, {0x0f, 0x00, 0xf0}, 3, 3},
        {DECODE_32, {0x8d, 0xc0}, 2, 2},
        {DECODE_64, {0x48, 0xc5, 0xf8, 0x77}, 4, 2},
        {DECODE_32, {0xf3, 0x0f, 0xae, 0xc0}, 4, 4}, /* RDFSBASE is 64-bit only */
        /* prefix classes the SDM leaves undefined, which capstone accepts */
        {DECODE_32, {0xf3, 0x0f, 0x2e, 0xc0}, 4, 3},
        {DECODE_32, {0x66, 0x0f, 0x77}, 3, 3},
        {DECODE_64, {0xf2, 0x0f, 0x60, 0xc0}, 4, 3},
        {DECODE_64, {0xf3, 0x0f, 0x38, 0x00}, 4, 4},
        {DECODE_64, {0x0f, 0xd6, 0xc0}, 3, 2},
        /* outside the SDM: 3DNow!, SSE4a, VIA PadLock, XOP */
        {DECODE_32, {0x0f, 0x0f, 0xc0, 0x0c}, 4, 2},
        {DECODE_32, {0x66, 0x0f, 0x78, 0xc0}, 4, 3},
        {DECODE_32, {0x0f, 0xa7, 0xc0}, 3, 2},
        {DECODE_64, {0x8f, 0xe8, 0x78, 0xa2}, 4, 2},
    };
    Insn d;

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        int r = decode_insn(&d, cases[i].bytes, cases[i].n, cases[i].mode);
        g_assert_cmpint(r, ==, DECODE_INVALID);
        g_assert_cmpuint(d.len, ==, cases[i].len);
    }
    /* in 32-bit mode 40-4F are INC/DEC, not REX */
    d = DECODE_OK_BYTES(DECODE_32, 0x48);
    g_assert_cmpuint(d.opcode, ==, 0x48);
}

static void test_vex(void)
{
    /* vzeroupper: C5 F8 77, no ModRM */
    Insn d = DECODE_OK_BYTES(DECODE_64, 0xc5, 0xf8, 0x77);
    g_assert_true(d.prefix & PFX_VEX);
    g_assert_false(d.has_modrm);
    /* VEX3 with W: andn rax, rbx, rcx = c4 e2 e0 f2 c1 */
    d = DECODE_OK_BYTES(DECODE_64, 0xc4, 0xe2, 0xe0, 0xf2, 0xc1);
    g_assert_cmpuint(d.map, ==, MAP_0F38);
    g_assert_cmpuint(d.opcode, ==, 0xf2);
    g_assert_cmpuint(d.opsize, ==, 8);
    g_assert_cmpuint(d.vex_vvvv, ==, R_EBX);
    g_assert_cmpuint(d.vex_l, ==, 0);
    g_assert_cmpuint(d.reg, ==, R_EAX);
    g_assert_cmpuint(d.rm, ==, R_ECX);
    /* VEX.R/B inverted: vpshufd xmm9, xmm10, 0x1b = c4 41 79 70 ca 1b */
    d = DECODE_OK_BYTES(DECODE_64, 0xc4, 0x41, 0x79, 0x70, 0xca, 0x1b);
    g_assert_cmpuint(d.reg, ==, 9);
    g_assert_cmpuint(d.rm, ==, 10);
    g_assert_cmpuint(d.mandatory, ==, MP_66);
    g_assert_cmpuint(d.imm, ==, 0x1b);
    /* in 32-bit mode C5 with a memory ModRM is LDS */
    d = DECODE_OK_BYTES(DECODE_32, 0xc5, 0x06);
    g_assert_false(d.prefix & PFX_VEX);
    g_assert_cmpuint(d.opcode, ==, 0xc5);
    /* EVEX: vaddps zmm0, zmm1, [rax+0x40] (disp8 stored unscaled) */
    d = DECODE_OK_BYTES(DECODE_64, 0x62, 0xf1, 0x74, 0x48, 0x58, 0x40, 0x01);
    g_assert_cmpuint(d.vex_l, ==, 2);
    g_assert_cmpint(d.disp, ==, 1);
}

static void test_limits(void)
{
    uint8_t buf[20];
    Insn d;

    /* 14 prefixes and a one-byte opcode make 15 bytes: fine */
    memset(buf, 0x66, sizeof(buf));
    buf[14] = 0x90;
    g_assert_cmpint(decode_insn(&d, buf, sizeof(buf), DECODE_32), ==, DECODE_OK);
    g_assert_cmpuint(d.len, ==, 15);
    /* one byte more is #GP, whether or not the bytes are there */
    buf[14] = 0x66;
    buf[15] = 0x90;
    g_assert_cmpint(decode_insn(&d, buf, sizeof(buf), DECODE_32), ==, DECODE_TOO_LONG);
    g_assert_cmpint(decode_insn(&d, buf, 15, DECODE_32), ==, DECODE_TOO_LONG);
    /* a 16-byte instruction: 4 prefixes and a 12-byte movabs with imm64 */
    memcpy(buf, (const uint8_t[]){0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x48, 0xb8}, 8);
    g_assert_cmpint(decode_insn(&d, buf, sizeof(buf), DECODE_64), ==, DECODE_TOO_LONG);
    /* short of bytes */
    g_assert_cmpint(decode_insn(&d, buf, 0, DECODE_64), ==, DECODE_NEED_MORE);
    g_assert_cmpint(decode_insn(&d, (const uint8_t[]){0x0f}, 1, DECODE_64), ==,
                    DECODE_NEED_MORE);
    g_assert_cmpint(decode_insn(&d, (const uint8_t[]){0xc4}, 1, DECODE_32), ==,
                    DECODE_NEED_MORE);
    g_assert_cmpint(
        decode_insn(&d, (const uint8_t[]){0x8b, 0x84, 0x24, 0x00}, 4, DECODE_32), ==,
        DECODE_NEED_MORE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/decode/rex-and-66", test_rex_and_66);
    g_test_add_func("/decode/mandatory-prefixes", test_mandatory_prefixes);
    g_test_add_func("/decode/moffs-and-rip", test_moffs_and_rip);
    g_test_add_func("/decode/sib", test_sib);
    g_test_add_func("/decode/16bit-addressing", test_16bit_addressing);
    g_test_add_func("/decode/segments-64", test_segments_64);
    g_test_add_func("/decode/stack-and-branches", test_stack_and_branches);
    g_test_add_func("/decode/operand-size", test_operand_size);
    g_test_add_func("/decode/groups", test_groups);
    g_test_add_func("/decode/invalid", test_invalid);
    g_test_add_func("/decode/vex", test_vex);
    g_test_add_func("/decode/limits", test_limits);
    g_test_add_func("/decode/opcode-sweep", test_opcode_sweep);
    g_test_add_func("/decode/vex-sweep", test_vex_sweep);
    g_test_add_func("/decode/random-corpus", test_random_corpus);
    return g_test_run();
}
