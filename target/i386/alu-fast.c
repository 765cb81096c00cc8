/*
 * Specialised forms of the integer ALU (alu.c): ADD OR AND SUB XOR CMP and TEST at
 * every operand size, INC and DEC at 32 and 64 bits, one handler per operation, form
 * and size. Each does what alu.c's generic handler does for that form, in the same
 * order of accesses, and records the same lazy flags (fast.h). Registers go through
 * fast_get_opnd/fast_set_opnd with a constant size (byte forms see AH..BH without
 * REX). ADC and SBB stay generic.
 */
#include "target/i386/fast.h"

/* The operations of opcodes 00-3D (bits 5:3) and of group 1 (ModRM.reg). */
enum { OP_ADD, OP_OR, OP_ADC, OP_SBB, OP_AND, OP_SUB, OP_XOR, OP_CMP };

static ALWAYS_INLINE uint64_t alu_compute(unsigned op, uint64_t a, uint64_t b)
{
    switch (op) {
    case OP_ADD: return a + b;
    case OP_OR: return a | b;
    case OP_AND: return a & b;
    case OP_XOR: return a ^ b;
    default: return a - b; /* SUB, CMP */
    }
}

/* As alu.c's arith_set_cc with no carry in. */
static ALWAYS_INLINE void alu_set_cc(CPUX86State *env, unsigned op, unsigned size,
                                     uint64_t r, uint64_t b)
{
    unsigned cc = op == OP_ADD                   ? CC_OP_ADD
                  : op == OP_SUB || op == OP_CMP ? CC_OP_SUB
                                                 : CC_OP_LOGIC;

    env->cc_op = cc + fast_cc_size(size);
    env->cc_dst = r & fast_mask(size);
    env->cc_src = b & fast_mask(size);
    env->cc_src2 = 0;
}

/* Register destination (FAST_RM or FAST_REG): r = a op b, written back unless CMP. */
static ALWAYS_INLINE void alu_to_reg(CPUX86State *env, const Insn *d, unsigned op,
                                     unsigned size, int dst, uint64_t b)
{
    uint64_t r = alu_compute(op, fast_get_opnd(env, d, dst, size), b);

    if (op != OP_CMP) {
        fast_set_opnd(env, d, dst, size, r);
    }
    alu_set_cc(env, op, size, r, b);
}

/*
 * Memory destination: read (for writing, unless CMP), compute, write back, through
 * one TLB lookup; false for the generic handler (INSN_HANDLER_OR_GENERIC).
 */
static ALWAYS_INLINE bool alu_to_mem(CPUX86State *env, const Insn *d, unsigned op,
                                     unsigned size, uint64_t b)
{
    void *p;
    uint64_t r;

    if (unlikely(!fast_mem(env, d, fast_ea(env, d), size, op != OP_CMP, &p))) {
        return false;
    }
    r = alu_compute(op, ld_le(p, size), b);
    if (op != OP_CMP) {
        st_le(p, size, r);
    }
    alu_set_cc(env, op, size, r, b);
    return true;
}

/* Memory source, register destination. */
static ALWAYS_INLINE bool alu_from_mem(CPUX86State *env, const Insn *d, unsigned op,
                                       unsigned size)
{
    uint64_t b;

    if (unlikely(!fast_ld(env, d, size, &b))) {
        return false;
    }
    alu_to_reg(env, d, op, size, FAST_REG, b);
    return true;
}

/*
 * The six forms of one operation at one size. All are INSN_HANDLER_OR_GENERIC, the
 * register forms too (they never fall back), so that the fused compares (below) find
 * the same kind of body in every form.
 */
#define ALU_FORMS(name, op, size)                                                        \
    INSN_HANDLER_OR_GENERIC(op_##name##_Ev_Gv_r##size)                                   \
    {                                                                                    \
        alu_to_reg(env, d, op, size, FAST_RM, fast_get_opnd(env, d, FAST_REG, size));    \
        return true;                                                                     \
    }                                                                                    \
    INSN_HANDLER_OR_GENERIC(op_##name##_Gv_Ev_r##size)                                   \
    {                                                                                    \
        alu_to_reg(env, d, op, size, FAST_REG, fast_get_opnd(env, d, FAST_RM, size));    \
        return true;                                                                     \
    }                                                                                    \
    INSN_HANDLER_OR_GENERIC(op_##name##_Ev_Iz_r##size)                                   \
    {                                                                                    \
        alu_to_reg(env, d, op, size, FAST_RM, d->imm);                                   \
        return true;                                                                     \
    }                                                                                    \
    INSN_HANDLER_OR_GENERIC(op_##name##_Ev_Gv_m##size)                                   \
    {                                                                                    \
        return alu_to_mem(env, d, op, size, fast_get_opnd(env, d, FAST_REG, size));      \
    }                                                                                    \
    INSN_HANDLER_OR_GENERIC(op_##name##_Gv_Ev_m##size)                                   \
    {                                                                                    \
        return alu_from_mem(env, d, op, size);                                           \
    }                                                                                    \
    INSN_HANDLER_OR_GENERIC(op_##name##_Ev_Iz_m##size)                                   \
    {                                                                                    \
        return alu_to_mem(env, d, op, size, d->imm);                                     \
    }

#define ALU_OP(name, op)                                                                 \
    ALU_FORMS(name, op, 1)                                                               \
    ALU_FORMS(name, op, 2) ALU_FORMS(name, op, 4) ALU_FORMS(name, op, 8)

ALU_OP(add, OP_ADD)
ALU_OP(or, OP_OR)
ALU_OP(and, OP_AND)
ALU_OP(sub, OP_SUB)
ALU_OP(xor, OP_XOR)
ALU_OP(cmp, OP_CMP)

enum { F_EV_GV_R, F_GV_EV_R, F_EV_IZ_R, F_EV_GV_M, F_GV_EV_M, F_EV_IZ_M, F_NB };

#define ALU_SIZE(name, size)                                                             \
    {                                                                                    \
        op_##name##_Ev_Gv_r##size, op_##name##_Gv_Ev_r##size, op_##name##_Ev_Iz_r##size, \
            op_##name##_Ev_Gv_m##size, op_##name##_Gv_Ev_m##size,                        \
            op_##name##_Ev_Iz_m##size                                                    \
    }
#define ALU_ROW(name)                                                                    \
    {                                                                                    \
        ALU_SIZE(name, 1), ALU_SIZE(name, 2), ALU_SIZE(name, 4), ALU_SIZE(name, 8)       \
    }

/* [operation][size index as cc_size_idx][form] */
static InsnHandler *const alu_forms[8][4][F_NB] = {
    [OP_ADD] = ALU_ROW(add), [OP_OR] = ALU_ROW(or),   [OP_AND] = ALU_ROW(and),
    [OP_SUB] = ALU_ROW(sub), [OP_XOR] = ALU_ROW(xor), [OP_CMP] = ALU_ROW(cmp),
};

/* --- TEST: LOGIC flags, cc_src = 0, cc_src2 untouched (alu.c set_cc_logic) --- */

static ALWAYS_INLINE void test_set_cc(CPUX86State *env, unsigned size, uint64_t r)
{
    env->cc_op = CC_OP_LOGIC + fast_cc_size(size);
    env->cc_dst = r & fast_mask(size);
    env->cc_src = 0;
}

static ALWAYS_INLINE bool test_mem(CPUX86State *env, const Insn *d, unsigned size,
                                   uint64_t b)
{
    uint64_t a;

    if (unlikely(!fast_ld(env, d, size, &a))) {
        return false;
    }
    test_set_cc(env, size, a & b);
    return true;
}

#define TEST_FORMS(size)                                                                 \
    INSN_HANDLER_OR_GENERIC(op_test_Ev_Gv_r##size)                                       \
    {                                                                                    \
        test_set_cc(env, size,                                                           \
                    fast_get_opnd(env, d, FAST_RM, size) &                               \
                        fast_get_opnd(env, d, FAST_REG, size));                          \
        return true;                                                                     \
    }                                                                                    \
    INSN_HANDLER_OR_GENERIC(op_test_Ev_Iz_r##size)                                       \
    {                                                                                    \
        test_set_cc(env, size, fast_get_opnd(env, d, FAST_RM, size) & d->imm);           \
        return true;                                                                     \
    }                                                                                    \
    INSN_HANDLER_OR_GENERIC(op_test_Ev_Gv_m##size)                                       \
    {                                                                                    \
        return test_mem(env, d, size, fast_get_opnd(env, d, FAST_REG, size));            \
    }                                                                                    \
    INSN_HANDLER_OR_GENERIC(op_test_Ev_Iz_m##size)                                       \
    {                                                                                    \
        return test_mem(env, d, size, d->imm);                                           \
    }

TEST_FORMS(1)
TEST_FORMS(2)
TEST_FORMS(4)
TEST_FORMS(8)

#define TEST_SIZE(size)                                                                  \
    {                                                                                    \
        op_test_Ev_Gv_r##size, NULL, op_test_Ev_Iz_r##size, op_test_Ev_Gv_m##size, NULL, \
            op_test_Ev_Iz_m##size                                                        \
    }

static InsnHandler *const test_forms[4][F_NB] = {
    TEST_SIZE(1),
    TEST_SIZE(2),
    TEST_SIZE(4),
    TEST_SIZE(8),
};

/*
 * --- CMP and TEST fused with the Jcc after them ---
 *
 * A compare followed in its block by a specialised Jcc (IF_SIDE_EXIT) runs both in
 * one handler (insn_fuse_compare, called by the translator): the compare's record is
 * stored as always, and the condition is tested on the values just computed, without
 * a dispatch between them. The Jcc keeps its own handler, for whoever runs it alone
 * (the debug loop runs one instruction at a time, and the budget may end the block
 * between the two: then only the compare runs here). As branch-fast.c's Jcc: the
 * target is Insn.pre; outside 64-bit mode the CS limit is checked when taken; taken,
 * it ends the block.
 */
static ALWAYS_INLINE void fused_jcc(CPUX86State *env, const Insn *d, unsigned cond)
{
    const Insn *j = d + 1;

    if (unlikely(j >= env->block_end)) {
        env->cur_insn = d; /* the block ends after the compare */
        return;
    }
    env->cur_insn = j; /* for the #GP, and the loop if taken */
    if (cc_test_inline(env, cond)) {
        if (!(env->hflags & HF_CS64) && j->pre > env->segs[R_CS].limit) {
            raise_exception_err(env, EXCP_GP, 0);
        }
        env->next_rip = j->pre;
        env->block_end = NULL; /* a side exit */
        return;
    }
    env->next_rip = j->next_rip;
    insn_next(env, j);
}

#define FUSED_COND(base, c)                                                              \
    static void base##_j##c(CPUX86State *env, const Insn *d)                             \
    {                                                                                    \
        if (unlikely(!base##_body(env, d))) {                                            \
            insn_run_generic(env, d); /* the compare, then the Jcc here */               \
        }                                                                                \
        fused_jcc(env, d, c);                                                            \
    }
/* clang-format off */
#define FUSED(base)                                                                      \
    FUSED_COND(base, 0)  FUSED_COND(base, 1)  FUSED_COND(base, 2)  FUSED_COND(base, 3)   \
    FUSED_COND(base, 4)  FUSED_COND(base, 5)  FUSED_COND(base, 6)  FUSED_COND(base, 7)   \
    FUSED_COND(base, 8)  FUSED_COND(base, 9)  FUSED_COND(base, 10) FUSED_COND(base, 11)  \
    FUSED_COND(base, 12) FUSED_COND(base, 13) FUSED_COND(base, 14) FUSED_COND(base, 15)  \
    static InsnHandler *const base##_jcc[16] = {                                         \
        base##_j0,  base##_j1,  base##_j2,  base##_j3,  base##_j4,  base##_j5,           \
        base##_j6,  base##_j7,  base##_j8,  base##_j9,  base##_j10, base##_j11,          \
        base##_j12, base##_j13, base##_j14, base##_j15,                                  \
    };
/* clang-format on */
#define FUSED_SIZE(size)                                                                 \
    FUSED(op_cmp_Ev_Gv_r##size)                                                          \
    FUSED(op_cmp_Gv_Ev_r##size)                                                          \
    FUSED(op_cmp_Ev_Iz_r##size)                                                          \
    FUSED(op_cmp_Ev_Gv_m##size)                                                          \
    FUSED(op_cmp_Gv_Ev_m##size)                                                          \
    FUSED(op_cmp_Ev_Iz_m##size)                                                          \
    FUSED(op_test_Ev_Gv_r##size)                                                         \
    FUSED(op_test_Ev_Iz_r##size)                                                         \
    FUSED(op_test_Ev_Gv_m##size)                                                         \
    FUSED(op_test_Ev_Iz_m##size)

FUSED_SIZE(1)
FUSED_SIZE(2)
FUSED_SIZE(4)
FUSED_SIZE(8)

#define FUSED_CMP_SIZE(size)                                                             \
    {                                                                                    \
        op_cmp_Ev_Gv_r##size##_jcc, op_cmp_Gv_Ev_r##size##_jcc,                          \
            op_cmp_Ev_Iz_r##size##_jcc, op_cmp_Ev_Gv_m##size##_jcc,                      \
            op_cmp_Gv_Ev_m##size##_jcc, op_cmp_Ev_Iz_m##size##_jcc                       \
    }
#define FUSED_TEST_SIZE(size)                                                            \
    {                                                                                    \
        op_test_Ev_Gv_r##size##_jcc, NULL, op_test_Ev_Iz_r##size##_jcc,                  \
            op_test_Ev_Gv_m##size##_jcc, NULL, op_test_Ev_Iz_m##size##_jcc               \
    }

/* [size index][form]: the sixteen conditions */
static InsnHandler *const *const cmp_fused[4][F_NB] = {
    FUSED_CMP_SIZE(1), FUSED_CMP_SIZE(2), FUSED_CMP_SIZE(4), FUSED_CMP_SIZE(8)};
static InsnHandler *const *const test_fused[4][F_NB] = {
    FUSED_TEST_SIZE(1), FUSED_TEST_SIZE(2), FUSED_TEST_SIZE(4), FUSED_TEST_SIZE(8)};

/* --- INC / DEC: CF is kept in cc_src (alu.c set_cc_incdec) --- */

static ALWAYS_INLINE void incdec_commit(CPUX86State *env, unsigned size, bool dec,
                                        uint64_t v, uint64_t cf)
{
    env->cc_op = (dec ? CC_OP_DEC : CC_OP_INC) + fast_cc_size(size);
    env->cc_dst = v & fast_mask(size);
    env->cc_src = cf;
}

/* After a record fast_carry leaves: the full cc_compute_c, out of line. */
static FAST_SLOW_PATH void incdec_reg_slow(CPUX86State *env, unsigned r, unsigned size,
                                           bool dec)
{
    uint64_t cf = cc_compute_c(env);
    uint64_t v = (env->regs[r] + (dec ? -1 : 1)) & fast_mask(size);

    env->regs[r] = v; /* 32-bit writes zero-extend */
    incdec_commit(env, size, dec, v, cf);
}

static ALWAYS_INLINE void incdec_reg(CPUX86State *env, unsigned r, unsigned size,
                                     bool dec)
{
    uint64_t cf, v;

    if (unlikely(!fast_carry(env, &cf))) {
        incdec_reg_slow(env, r, size, dec);
        return;
    }
    v = (env->regs[r] + (dec ? -1 : 1)) & fast_mask(size);
    env->regs[r] = v; /* 32-bit writes zero-extend */
    incdec_commit(env, size, dec, v, cf);
}

static ALWAYS_INLINE bool incdec_mem(CPUX86State *env, const Insn *d, unsigned size,
                                     bool dec)
{
    uint64_t cf, v;
    void *p;

    if (unlikely(!fast_carry(env, &cf) ||
                 !fast_mem(env, d, fast_ea(env, d), size, true, &p))) {
        return false;
    }
    v = ld_le(p, size) + (dec ? -1 : 1);
    st_le(p, size, v);
    incdec_commit(env, size, dec, v, cf);
    return true;
}

#define INCDEC_FORMS(size)                                                               \
    INSN_HANDLER(op_inc_Ev_r##size)                                                      \
    {                                                                                    \
        incdec_reg(env, d->rm, size, false);                                             \
    }                                                                                    \
    INSN_HANDLER(op_dec_Ev_r##size)                                                      \
    {                                                                                    \
        incdec_reg(env, d->rm, size, true);                                              \
    }                                                                                    \
    INSN_HANDLER_OR_GENERIC(op_inc_Ev_m##size)                                           \
    {                                                                                    \
        return incdec_mem(env, d, size, false);                                          \
    }                                                                                    \
    INSN_HANDLER_OR_GENERIC(op_dec_Ev_m##size)                                           \
    {                                                                                    \
        return incdec_mem(env, d, size, true);                                           \
    }

INCDEC_FORMS(4)
INCDEC_FORMS(8)

/* 40+r / 48+r outside 64-bit mode: the register is in the opcode. */
INSN_HANDLER(op_inc_Zd)
{
    incdec_reg(env, d->opcode & 7, 4, false);
}

INSN_HANDLER(op_dec_Zd)
{
    incdec_reg(env, d->opcode & 7, 4, true);
}

static InsnHandler *const incdec_forms[2][2][2] = {
    /* [size][dec][mem] */
    {{op_inc_Ev_r4, op_inc_Ev_m4}, {op_dec_Ev_r4, op_dec_Ev_m4}},
    {{op_inc_Ev_r8, op_inc_Ev_m8}, {op_dec_Ev_r8, op_dec_Ev_m8}},
};

/* --- choosing the form --- */

static bool is_mem(const Insn *d)
{
    return d->has_modrm && d->mod != 3;
}

/*
 * 00-3F: x0/x1 Eb,Gb / Ev,Gv; x2/x3 Gb,Eb / Gv,Ev; x4/x5 AL,Ib / rAX,Iz (the
 * operation in bits 5:3). 80/81/83: group 1. Sets *size to the operand size.
 */
static int alu_form(const Insn *d, unsigned *op, unsigned *size)
{
    unsigned low = d->opcode & 7;

    *size = (d->opcode & 1) ? d->opsize : 1;
    if (d->opcode < 0x40 && low <= 5) {
        *op = d->opcode >> 3;
        if (low >= 4) {
            return d->has_modrm || d->rm != R_EAX ? -1 : F_EV_IZ_R;
        }
        return (low <= 1 ? F_EV_GV_R : F_GV_EV_R) + (is_mem(d) ? 3 : 0);
    }
    if (d->opcode == 0x80 || d->opcode == 0x81 || d->opcode == 0x83) {
        *op = d->reg & 7;
        return is_mem(d) ? F_EV_IZ_M : F_EV_IZ_R;
    }
    return -1;
}

static int test_form(const Insn *d, unsigned *size)
{
    *size = (d->opcode & 1) ? d->opsize : 1;
    if (d->opcode == 0x84 || d->opcode == 0x85) {
        return is_mem(d) ? F_EV_GV_M : F_EV_GV_R;
    }
    if ((d->opcode == 0xa8 || d->opcode == 0xa9) && !d->has_modrm && d->rm == R_EAX) {
        return F_EV_IZ_R;
    }
    if ((d->opcode == 0xf6 || d->opcode == 0xf7) && (d->reg & 7) <= 1) {
        return is_mem(d) ? F_EV_IZ_M : F_EV_IZ_R;
    }
    return -1;
}

static InsnHandler *incdec_specialize(const Insn *d, bool mode64)
{
    int si = fast_size_idx(d->opsize);

    if (si < 0) {
        return NULL;
    }
    if (d->opcode >= 0x40 && d->opcode <= 0x4f && !mode64 && d->opsize == 4) {
        return d->opcode & 8 ? op_dec_Zd : op_inc_Zd;
    }
    if (d->opcode == 0xff && (d->reg & 7) <= 1) {
        return incdec_forms[si][d->reg & 1][is_mem(d)];
    }
    return NULL;
}

static InsnHandler *alu_specialize(Insn *d, uint32_t hflags)
{
    unsigned op, size;
    InsnHandler *fn = NULL;
    int form;

    if (d->map != MAP_NONE) {
        return NULL;
    }
    form = alu_form(d, &op, &size);
    if (form >= 0) {
        fn = alu_forms[op][cc_size_idx(size)][form];
    } else if ((form = test_form(d, &size)) >= 0) {
        fn = test_forms[cc_size_idx(size)][form];
    }
    if (!fn) {
        fn = incdec_specialize(d, (hflags & HF_CS64) != 0);
    }
    return fast_bind(d, hflags, fn);
}
INSN_SPECIALIZER(alu_specialize)

bool insn_kills_flags(const Insn *d)
{
    unsigned op, size;
    int form;

    if (d->map != MAP_NONE || !insn_is_specialised(d)) {
        return false;
    }
    form = alu_form(d, &op, &size);
    if (form >= 0) {
        return form <= F_EV_IZ_R && op != OP_ADC && op != OP_SBB;
    }
    form = test_form(d, &size);
    return form >= 0 && form <= F_EV_IZ_R;
}

InsnHandler *insn_fuse_compare(const Insn *cmp, const Insn *jcc)
{
    InsnHandler *const *forms = NULL;
    unsigned op, size;
    int form;

    if (cmp->map != MAP_NONE || !insn_is_specialised(cmp)) {
        return NULL;
    }
    form = alu_form(cmp, &op, &size);
    if (form >= 0) {
        forms = op == OP_CMP ? cmp_fused[cc_size_idx(size)][form] : NULL;
    } else if ((form = test_form(cmp, &size)) >= 0) {
        forms = test_fused[cc_size_idx(size)][form];
    }
    return forms ? forms[jcc->opcode & 15] : NULL;
}
