/* SSE/SSE2 floating-point arithmetic, SQRT, RCP, RSQRT, CMP and COMIS (SDM vol. 2). */
#include "target/i386/flags.h"
#include "target/i386/sse-fp.h"

/* clang-format off */
#define HOST_ARITH4(op)                                                                  \
    HOST_SSE_OP(op##ps, #op "ps %[b], %[a]"); HOST_SSE_OP(op##pd, #op "pd %[b], %[a]");  \
    HOST_SSE_OP(op##ss, #op "ss %[b], %[a]"); HOST_SSE_OP(op##sd, #op "sd %[b], %[a]")
HOST_ARITH4(add);
HOST_ARITH4(sub);
HOST_ARITH4(mul);
HOST_ARITH4(div);
HOST_ARITH4(min);
HOST_ARITH4(max);
HOST_ARITH4(sqrt);

/*
 * RCPPS/RCPSS/RSQRTPS/RSQRTSS return approximations whose low bits the SDM leaves to
 * the implementation (relative error at most 1.5 * 2^-12), and Intel and AMD CPUs
 * give different bits. Running the host instruction matches this host exactly, but
 * a recording made on one vendor's CPU replays differently on the other's if the
 * guest uses these four instructions. A table-driven model of one vendor's tables
 * would make them host-independent.
 */
HOST_SSE_OP(rcpps, "rcpps %[b], %[a]");
HOST_SSE_OP(rcpss, "rcpss %[b], %[a]");
HOST_SSE_OP(rsqrtps, "rsqrtps %[b], %[a]");
HOST_SSE_OP(rsqrtss, "rsqrtss %[b], %[a]");

/* Legacy-encoded compares use imm8[2:0] only. */
HOST_SSE_OP_IMM(cmpps, "cmpps %[imm], %[b], %[a]", 8);
HOST_SSE_OP_IMM(cmppd, "cmppd %[imm], %[b], %[a]", 8);
HOST_SSE_OP_IMM(cmpss, "cmpss %[imm], %[b], %[a]", 8);
HOST_SSE_OP_IMM(cmpsd, "cmpsd %[imm], %[b], %[a]", 8);

HOST_SSE_TO_FLAGS(comiss, "comiss %[b], %[a]");
HOST_SSE_TO_FLAGS(comisd, "comisd %[b], %[a]");
HOST_SSE_TO_FLAGS(ucomiss, "ucomiss %[b], %[a]");
HOST_SSE_TO_FLAGS(ucomisd, "ucomisd %[b], %[a]");
/* clang-format on */

// clang-format off
/* [opcode - 0x50][mandatory prefix]: the PS, PD, SS and SD forms */
#define FP_EXACT4(op) {FP_OP(op##ps), FP_OP(op##pd), FP_OP(op##ss), FP_OP(op##sd)}
#define FP_LANES4(op, kind)                                                              \
    {FP_OP_LANES(op##ps, kind, 4, false, op##ss),                                        \
     FP_OP_LANES(op##pd, kind, 2, true, op##sd),                                         \
     FP_OP_LANES(op##ss, kind, 1, false, op##ss),                                        \
     FP_OP_LANES(op##sd, kind, 1, true, op##sd)}
// clang-format on

static const FpOp arith_ops[16][4] = {
    [0x1] = FP_EXACT4(sqrt),
    [0x2] = {[MP_NONE] = FP_OP(rsqrtps), [MP_F3] = FP_OP(rsqrtss)},
    [0x3] = {[MP_NONE] = FP_OP(rcpps), [MP_F3] = FP_OP(rcpss)},
    [0x8] = FP_LANES4(add, FP_ADDSUB),
    [0x9] = FP_LANES4(mul, FP_MULDIV),
    [0xc] = FP_LANES4(sub, FP_ADDSUB),
    [0xd] = FP_EXACT4(min),
    [0xe] = FP_LANES4(div, FP_MULDIV),
    [0xf] = FP_EXACT4(max),
};

static const FpOp cmp_ops[1][4] = {FP_EXACT4(cmp)};

/* [opcode & 1][mandatory prefix]: UCOMISS, UCOMISD; COMISS, COMISD */
static const FpOp comis_ops[2][2] = {
    {FP_OP(ucomiss), FP_OP(ucomisd)},
    {FP_OP(comiss), FP_OP(comisd)},
};

/* op Vx, Wx with the operation picked by opcode and mandatory prefix */
static void fp_arith(CPUX86State *env, const Insn *d, const FpOp *op)
{
    XMMReg src;

    sse_check(env);
    src = sse_fp_ld_W(env, d, sse_fp_size(d));
    env->xmm[d->reg] = sse_fp_run(env, op, &env->xmm[d->reg], &src, d->imm);
}

static void op_arith_Vx_Wx(CPUX86State *env, const Insn *d)
{
    fp_arith(env, d, &arith_ops[d->opcode - 0x50][d->mandatory]);
}

static void op_cmp_Vx_Wx_Ib(CPUX86State *env, const Insn *d)
{
    fp_arith(env, d, &cmp_ops[0][d->mandatory]);
}

/* ZF, PF, CF from the compare; OF, SF, AF cleared. */
static void op_comis_Vx_Wx(CPUX86State *env, const Insn *d)
{
    XMMReg src, r;

    sse_check(env);
    src = sse_fp_ld_W(env, d, d->mandatory == MP_66 ? 8 : 4);
    r = sse_fp_run(env, &comis_ops[d->opcode & 1][d->mandatory], &env->xmm[d->reg], &src,
                   0);
    cc_set_flags(env, r.q[0] & (CC_Z | CC_P | CC_C), CC_ARITH);
}

#define ROW(opcode, prefix, fn, name)                                                    \
    {                                                                                    \
        MAP_0F, opcode, ANY, ANY, ANY, prefix, 0, fn, name                               \
    }
#define ROWS4(opcode, fn, name)                                                          \
    ROW(opcode, MP_NONE, fn, name "ps"), ROW(opcode, MP_66, fn, name "pd"),              \
        ROW(opcode, MP_F3, fn, name "ss"), ROW(opcode, MP_F2, fn, name "sd")

static const InsnDef sse_fp_arith_insns[] = {
    ROWS4(0x51, op_arith_Vx_Wx, "sqrt"),
    ROW(0x52, MP_NONE, op_arith_Vx_Wx, "rsqrtps"),
    ROW(0x52, MP_F3, op_arith_Vx_Wx, "rsqrtss"),
    ROW(0x53, MP_NONE, op_arith_Vx_Wx, "rcpps"),
    ROW(0x53, MP_F3, op_arith_Vx_Wx, "rcpss"),
    ROWS4(0x58, op_arith_Vx_Wx, "add"),
    ROWS4(0x59, op_arith_Vx_Wx, "mul"),
    ROWS4(0x5c, op_arith_Vx_Wx, "sub"),
    ROWS4(0x5d, op_arith_Vx_Wx, "min"),
    ROWS4(0x5e, op_arith_Vx_Wx, "div"),
    ROWS4(0x5f, op_arith_Vx_Wx, "max"),
    ROWS4(0xc2, op_cmp_Vx_Wx_Ib, "cmp"),
    ROW(0x2e, MP_NONE, op_comis_Vx_Wx, "ucomiss"),
    ROW(0x2e, MP_66, op_comis_Vx_Wx, "ucomisd"),
    ROW(0x2f, MP_NONE, op_comis_Vx_Wx, "comiss"),
    ROW(0x2f, MP_66, op_comis_Vx_Wx, "comisd"),
};
INSN_TABLE(sse_fp_arith_insns)
