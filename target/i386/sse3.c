/* SSE3: ADDSUBPS/PD, HADDPS/PD, HSUBPS/PD, MOVSLDUP, MOVSHDUP, MOVDDUP (SDM vol. 2). */
/* LDDQU lives with the other unaligned loads in sse-move.c, FISTTP with the x87. */
#include "target/i386/sse-fp.h"

/* clang-format off */
HOST_SSE_OP(addsubps, "addsubps %[b], %[a]");
HOST_SSE_OP(addsubpd, "addsubpd %[b], %[a]");
HOST_SSE_OP(haddps, "haddps %[b], %[a]");
HOST_SSE_OP(haddpd, "haddpd %[b], %[a]");
HOST_SSE_OP(hsubps, "hsubps %[b], %[a]");
HOST_SSE_OP(hsubpd, "hsubpd %[b], %[a]");
/* the lanes' scalar instructions */
HOST_SSE_OP(addss, "addss %[b], %[a]");
HOST_SSE_OP(addsd, "addsd %[b], %[a]");
HOST_SSE_OP(subss, "subss %[b], %[a]");
HOST_SSE_OP(subsd, "subsd %[b], %[a]");
/* clang-format on */

#define ADDSUB(h, n, d, even, odd)                                                       \
    FP_OP_SHAPED(h, FP_ADDSUB, FP_VERTICAL, n, d, even, odd)
#define HORIZONTAL(h, n, d, s) FP_OP_SHAPED(h, FP_ADDSUB, FP_HORIZONTAL, n, d, s, s)

/* ADDSUB subtracts in even lanes and adds in odd ones. */
static const FpOp addsubpd_op = ADDSUB(addsubpd, 2, true, subsd, addsd);
static const FpOp addsubps_op = ADDSUB(addsubps, 4, false, subss, addss);
/* [opcode & 1][F2]: HADDPD, HADDPS; HSUBPD, HSUBPS */
static const FpOp horizontal_ops[2][2] = {
    {HORIZONTAL(haddpd, 2, true, addsd), HORIZONTAL(haddps, 4, false, addss)},
    {HORIZONTAL(hsubpd, 2, true, subsd), HORIZONTAL(hsubps, 4, false, subss)},
};

static void sse3_fp(CPUX86State *env, const Insn *d, const FpOp *op)
{
    XMMReg src;

    sse_check(env);
    src = sse_fp_ld_W(env, d, 16);
    env->xmm[d->reg] = sse_fp_run(env, op, &env->xmm[d->reg], &src, 0);
}

static void op_addsub_Vx_Wx(CPUX86State *env, const Insn *d)
{
    sse3_fp(env, d, d->mandatory == MP_66 ? &addsubpd_op : &addsubps_op);
}

static void op_hadd_hsub_Vx_Wx(CPUX86State *env, const Insn *d)
{
    sse3_fp(env, d, &horizontal_ops[d->opcode & 1][d->mandatory == MP_F2]);
}

/* MOVSLDUP (odd = 0) copies the even singles into the odd lanes, MOVSHDUP the odd. */
static void movs_dup(CPUX86State *env, const Insn *d, unsigned odd)
{
    XMMReg src, *dst = &env->xmm[d->reg];

    sse_check(env);
    src = sse_fp_ld_W(env, d, 16);
    for (unsigned i = 0; i < 4; i += 2) {
        dst->l[i] = dst->l[i + 1] = src.l[i + odd];
    }
}

static void op_movsldup_Vx_Wx(CPUX86State *env, const Insn *d)
{
    movs_dup(env, d, 0);
}

static void op_movshdup_Vx_Wx(CPUX86State *env, const Insn *d)
{
    movs_dup(env, d, 1);
}

/* MOVDDUP Vx, Wq: the memory operand is 64 bits, with no alignment rule. */
static void op_movddup_Vx_Wq(CPUX86State *env, const Insn *d)
{
    uint64_t v;

    sse_check(env);
    v = sse_fp_ld_W(env, d, 8).q[0];
    env->xmm[d->reg].q[0] = env->xmm[d->reg].q[1] = v;
}

#define ROW(opcode, prefix, fn, name)                                                    \
    {                                                                                    \
        MAP_0F, opcode, ANY, ANY, ANY, prefix, 0, fn, name                               \
    }

static const InsnDef sse3_insns[] = {
    ROW(0xd0, MP_66, op_addsub_Vx_Wx, "addsubpd"),
    ROW(0xd0, MP_F2, op_addsub_Vx_Wx, "addsubps"),
    ROW(0x7c, MP_66, op_hadd_hsub_Vx_Wx, "haddpd"),
    ROW(0x7c, MP_F2, op_hadd_hsub_Vx_Wx, "haddps"),
    ROW(0x7d, MP_66, op_hadd_hsub_Vx_Wx, "hsubpd"),
    ROW(0x7d, MP_F2, op_hadd_hsub_Vx_Wx, "hsubps"),
    ROW(0x12, MP_F3, op_movsldup_Vx_Wx, "movsldup"),
    ROW(0x16, MP_F3, op_movshdup_Vx_Wx, "movshdup"),
    ROW(0x12, MP_F2, op_movddup_Vx_Wq, "movddup"),
};
INSN_TABLE(sse3_insns)
