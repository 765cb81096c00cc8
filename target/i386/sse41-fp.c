/* SSE4.1 floating-point arithmetic: ROUNDPS/PD/SS/SD, DPPS, DPPD (SDM vol. 2). */
#include "target/i386/sse-fp.h"

/* clang-format off */
/* imm8[7:4] of ROUND* are reserved and ignored */
HOST_SSE_OP_IMM(roundps, "roundps %[imm], %[b], %[a]", 16);
HOST_SSE_OP_IMM(roundpd, "roundpd %[imm], %[b], %[a]", 16);
HOST_SSE_OP_IMM(roundss, "roundss %[imm], %[b], %[a]", 16);
HOST_SSE_OP_IMM(roundsd, "roundsd %[imm], %[b], %[a]", 16);
HOST_SSE_OP_IMM(dpps, "dpps %[imm], %[b], %[a]", 256);
HOST_SSE_OP_IMM(dppd, "dppd %[imm], %[b], %[a]", 256);
/* the steps of DPPS and DPPD */
HOST_SSE_OP(mulss, "mulss %[b], %[a]");
HOST_SSE_OP(mulsd, "mulsd %[b], %[a]");
HOST_SSE_OP(addss, "addss %[b], %[a]");
HOST_SSE_OP(addsd, "addsd %[b], %[a]");
/* clang-format on */

/* [opcode - 0x08]: ROUNDPS, ROUNDPD, ROUNDSS, ROUNDSD and their Wx sizes */
static const FpOp round_ops[4] = {FP_OP(roundps), FP_OP(roundpd), FP_OP(roundss),
                                  FP_OP(roundsd)};
static const uint8_t round_size[4] = {16, 16, 4, 8};

static void op_round_Vx_Wx_Ib(CPUX86State *env, const Insn *d)
{
    unsigned form = d->opcode - 0x08;
    XMMReg src;

    sse_check(env);
    src = sse_fp_ld_W(env, d, round_size[form]);
    env->xmm[d->reg] = sse_fp_run(env, &round_ops[form], &env->xmm[d->reg], &src, d->imm);
}

static FpLane dp_lane(HostSseOp *op, uint8_t kind, bool dbl, uint64_t x, uint64_t y)
{
    FpLane l = {.op = op, .kind = kind, .dbl_in = dbl, .dbl_out = dbl};

    l.a.q[0] = x;
    l.b.q[0] = y;
    return l;
}

/*
 * DPPS and DPPD step by step as the SDM spells them out, for their unmasked
 * exceptions (measured: each step's flags accumulate, and a step stops the
 * instruction as a whole packed instruction would): the products imm8[7:4] selects
 * (+0.0 for the others), then sums of pairs, (p0 + p1) + (p2 + p3) for DPPS.
 */
static void dp_unmasked(CPUX86State *env, const XMMReg *a, const XMMReg *b, uint8_t imm,
                        uint32_t ctl, bool dbl)
{
    unsigned lanes = dbl ? 2 : 4, n = 0;
    HostSseOp *mul = dbl ? host_mulsd : host_mulss, *add = dbl ? host_addsd : host_addss;
    uint64_t v[4] = {0};
    FpLane step[4];
    uint32_t acc;

    for (unsigned i = 0; i < lanes; i++) {
        if (imm & (0x10 << i)) {
            uint64_t x = dbl ? a->q[i] : a->l[i], y = dbl ? b->q[i] : b->l[i];
            step[n++] = dp_lane(mul, FP_MULDIV, dbl, x, y);
        }
    }
    acc = sse_fp_step(env, step, n, 0, ctl);
    for (unsigned i = 0, k = 0; i < lanes; i++) {
        v[i] = (imm & (0x10 << i)) ? step[k++].r.q[0] : 0;
    }
    for (unsigned width = lanes / 2; width > 0; width /= 2) {
        for (unsigned i = 0; i < width; i++) {
            step[i] = dp_lane(add, FP_ADDSUB, dbl, v[2 * i], v[2 * i + 1]);
        }
        acc = sse_fp_step(env, step, width, acc, ctl);
        for (unsigned i = 0; i < width; i++) {
            v[i] = step[i].r.q[0];
        }
    }
}

static void dpps_unmasked(CPUX86State *env, const XMMReg *a, const XMMReg *b, uint8_t imm,
                          uint32_t ctl)
{
    dp_unmasked(env, a, b, imm, ctl, false);
}

static void dppd_unmasked(CPUX86State *env, const XMMReg *a, const XMMReg *b, uint8_t imm,
                          uint32_t ctl)
{
    dp_unmasked(env, a, b, imm, ctl, true);
}

/* [opcode & 1]: DPPS, DPPD */
static const FpOp dp_ops[2] = {
    {.host = host_dpps, .kind = FP_MULDIV, .unmasked = dpps_unmasked},
    {.host = host_dppd, .kind = FP_MULDIV, .unmasked = dppd_unmasked},
};

static void op_dp_Vx_Wx_Ib(CPUX86State *env, const Insn *d)
{
    XMMReg src;

    sse_check(env);
    src = sse_fp_ld_W(env, d, 16);
    env->xmm[d->reg] =
        sse_fp_run(env, &dp_ops[d->opcode & 1], &env->xmm[d->reg], &src, d->imm);
}

#define ROW(opcode, fn, name)                                                            \
    {                                                                                    \
        MAP_0F3A, opcode, ANY, ANY, ANY, MP_66, 0, fn, name                              \
    }

static const InsnDef sse41_fp_insns[] = {
    ROW(0x08, op_round_Vx_Wx_Ib, "roundps"), ROW(0x09, op_round_Vx_Wx_Ib, "roundpd"),
    ROW(0x0a, op_round_Vx_Wx_Ib, "roundss"), ROW(0x0b, op_round_Vx_Wx_Ib, "roundsd"),
    ROW(0x40, op_dp_Vx_Wx_Ib, "dpps"),       ROW(0x41, op_dp_Vx_Wx_Ib, "dppd"),
};
INSN_TABLE(sse41_fp_insns)
