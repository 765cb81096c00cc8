/* SSE/SSE2 conversions between single, double, int32, int64 and MMX (SDM vol. 2 CVT*). */
/*
 * Out-of-range and NaN conversions to integer give the "integer indefinite"
 * (0x80000000, 0x8000000000000000) with IE, as the host does. The MMX forms run as
 * the XMM forms on a register whose other lanes are zero, which converts exactly and
 * raises nothing, so results and flags are the MMX instruction's. As measured on
 * hardware, a form with an MMX register operand switches the x87 to MMX mode once
 * its memory operand has been read, before any #XM; CVTPI2PS/CVTPI2PD from memory
 * do not touch the x87 at all.
 */
#include "target/i386/sse-fp.h"

/* clang-format off */
HOST_SSE_OP(cvtps2pd, "cvtps2pd %[b], %[a]");
HOST_SSE_OP(cvtpd2ps, "cvtpd2ps %[b], %[a]");
HOST_SSE_OP(cvtss2sd, "cvtss2sd %[b], %[a]");
HOST_SSE_OP(cvtsd2ss, "cvtsd2ss %[b], %[a]");
HOST_SSE_OP(cvtdq2ps, "cvtdq2ps %[b], %[a]");
HOST_SSE_OP(cvtps2dq, "cvtps2dq %[b], %[a]");
HOST_SSE_OP(cvttps2dq, "cvttps2dq %[b], %[a]");
HOST_SSE_OP(cvtdq2pd, "cvtdq2pd %[b], %[a]");
HOST_SSE_OP(cvtpd2dq, "cvtpd2dq %[b], %[a]");
HOST_SSE_OP(cvttpd2dq, "cvttpd2dq %[b], %[a]");
HOST_SSE_FROM_GPR(cvtsi2ss_32, "cvtsi2ssl %k[r], %[a]");
HOST_SSE_FROM_GPR(cvtsi2ss_64, "cvtsi2ssq %q[r], %[a]");
HOST_SSE_FROM_GPR(cvtsi2sd_32, "cvtsi2sdl %k[r], %[a]");
HOST_SSE_FROM_GPR(cvtsi2sd_64, "cvtsi2sdq %q[r], %[a]");
HOST_SSE_TO_GPR(cvtss2si_32, "cvtss2si %[b], %k[r]");
HOST_SSE_TO_GPR(cvtss2si_64, "cvtss2si %[b], %q[r]");
HOST_SSE_TO_GPR(cvttss2si_32, "cvttss2si %[b], %k[r]");
HOST_SSE_TO_GPR(cvttss2si_64, "cvttss2si %[b], %q[r]");
HOST_SSE_TO_GPR(cvtsd2si_32, "cvtsd2si %[b], %k[r]");
HOST_SSE_TO_GPR(cvtsd2si_64, "cvtsd2si %[b], %q[r]");
HOST_SSE_TO_GPR(cvttsd2si_32, "cvttsd2si %[b], %k[r]");
HOST_SSE_TO_GPR(cvttsd2si_64, "cvttsd2si %[b], %q[r]");
/* clang-format on */

/* A conversion between XMM registers: the operation and the size of its Wx operand */
typedef struct CvtForm {
    FpOp op;
    uint8_t size;
} CvtForm;

// clang-format off
#define CVT(h, n) {FP_OP(h), n}
/* double to single can overflow and underflow */
#define CVT_NARROW(h, n, count)                                                          \
    {FP_OP_SHAPED(h, FP_NARROW, FP_NARROWING, count, true, cvtsd2ss, cvtsd2ss), n}
// clang-format on

/* By mandatory prefix: 0F 5A, 0F 5B, 0F E6 */
static const CvtForm cvt_5a[4] = {CVT(cvtps2pd, 8), CVT_NARROW(cvtpd2ps, 16, 2),
                                  CVT(cvtss2sd, 4), CVT_NARROW(cvtsd2ss, 8, 1)};
static const CvtForm cvt_5b[4] = {CVT(cvtdq2ps, 16), CVT(cvtps2dq, 16),
                                  CVT(cvttps2dq, 16)};
static const CvtForm cvt_e6[4] = {
    [MP_66] = CVT(cvttpd2dq, 16),
    [MP_F3] = CVT(cvtdq2pd, 8),
    [MP_F2] = CVT(cvtpd2dq, 16),
};

/* [F2][REX.W]: CVTSI2SS, CVTSI2SD from r/m32 or r/m64 */
static const FpOp cvtsi2_ops[2][2] = {
    {FP_OP(cvtsi2ss_32), FP_OP(cvtsi2ss_64)},
    {FP_OP(cvtsi2sd_32), FP_OP(cvtsi2sd_64)},
};

/* [truncating][F2][REX.W]: CVTSS2SI, CVTSD2SI, CVTTSS2SI, CVTTSD2SI */
static const FpOp cvt2si_ops[2][2][2] = {
    {{FP_OP(cvtss2si_32), FP_OP(cvtss2si_64)}, {FP_OP(cvtsd2si_32), FP_OP(cvtsd2si_64)}},
    {{FP_OP(cvttss2si_32), FP_OP(cvttss2si_64)},
     {FP_OP(cvttsd2si_32), FP_OP(cvttsd2si_64)}},
};

/* The MMX forms' XMM equivalents: CVTPI2PS, CVTPI2PD; [66][truncating] to MMX */
static const FpOp cvtpi2ps_op = FP_OP(cvtdq2ps);
static const FpOp cvtpi2pd_op = FP_OP(cvtdq2pd);
static const FpOp cvt2pi_ops[2][2] = {
    {FP_OP(cvtps2dq), FP_OP(cvttps2dq)},
    {FP_OP(cvtpd2dq), FP_OP(cvttpd2dq)},
};

static unsigned rex_w(const Insn *d)
{
    return (d->rex >> 3) & 1;
}

static void op_cvt_Vx_Wx(CPUX86State *env, const Insn *d)
{
    const CvtForm *forms = d->opcode == 0x5a   ? cvt_5a
                           : d->opcode == 0x5b ? cvt_5b
                                               : cvt_e6;
    const CvtForm *f = &forms[d->mandatory];
    XMMReg src;

    sse_check(env);
    src = sse_fp_ld_W(env, d, f->size);
    env->xmm[d->reg] = sse_fp_run(env, &f->op, &env->xmm[d->reg], &src, 0);
}

static void op_cvtsi2sx_Vx_Ey(CPUX86State *env, const Insn *d)
{
    unsigned w = rex_w(d);
    const FpOp *op = &cvtsi2_ops[d->mandatory == MP_F2][w];
    XMMReg src = {0};

    sse_check(env);
    src.q[0] = ld_rm(env, d, w ? 8 : 4);
    env->xmm[d->reg] = sse_fp_run(env, op, &env->xmm[d->reg], &src, 0);
}

static void op_cvtsx2si_Gy_Wx(CPUX86State *env, const Insn *d)
{
    unsigned w = rex_w(d);
    bool sd = d->mandatory == MP_F2;
    XMMReg src, r = {0};

    sse_check(env);
    src = sse_fp_ld_W(env, d, sd ? 8 : 4);
    r = sse_fp_run(env, &cvt2si_ops[d->opcode == 0x2c][sd][w], &r, &src, 0);
    set_reg(env, d->reg, w ? 8 : 4, true, r.q[0]);
}

/* The Qpi source of CVTPI2PS/CVTPI2PD; only an MMX register makes it MMX code. */
static XMMReg cvt_ld_Qpi(CPUX86State *env, const Insn *d)
{
    XMMReg src = {0};

    if (d->mod == 3) {
        sse_mmx_check(env);
    } else {
        sse_check(env);
    }
    src.q[0] = mmx_ld_rm(env, d);
    if (d->mod == 3) {
        fpu_mmx_enter(env);
    }
    return src;
}

static void op_cvtpi2ps_Vps_Qpi(CPUX86State *env, const Insn *d)
{
    XMMReg src = cvt_ld_Qpi(env, d);

    env->xmm[d->reg].q[0] = sse_fp_run(env, &cvtpi2ps_op, &src, &src, 0).q[0];
}

static void op_cvtpi2pd_Vpd_Qpi(CPUX86State *env, const Insn *d)
{
    XMMReg src = cvt_ld_Qpi(env, d);

    env->xmm[d->reg] = sse_fp_run(env, &cvtpi2pd_op, &src, &src, 0);
}

/* CVTPS2PI, CVTTPS2PI (Wps is 64 bits), CVTPD2PI, CVTTPD2PI (Wpd is 128) */
static void op_cvt2pi_Ppi_Wx(CPUX86State *env, const Insn *d)
{
    bool pd = d->mandatory == MP_66;
    XMMReg src = {0};

    sse_mmx_check(env);
    if (pd) {
        src = sse_fp_ld_W(env, d, 16);
    } else {
        src.q[0] = sse_fp_ld_W(env, d, 8).q[0];
    }
    fpu_mmx_enter(env);
    src = sse_fp_run(env, &cvt2pi_ops[pd][d->opcode == 0x2c], &src, &src, 0);
    fpu_mmx_set(env, d->reg, src.q[0]);
}

#define ROW(opcode, prefix, fn, name)                                                    \
    {                                                                                    \
        MAP_0F, opcode, ANY, ANY, ANY, prefix, 0, fn, name                               \
    }

static const InsnDef sse_fp_cvt_insns[] = {
    ROW(0x5a, MP_NONE, op_cvt_Vx_Wx, "cvtps2pd"),
    ROW(0x5a, MP_66, op_cvt_Vx_Wx, "cvtpd2ps"),
    ROW(0x5a, MP_F3, op_cvt_Vx_Wx, "cvtss2sd"),
    ROW(0x5a, MP_F2, op_cvt_Vx_Wx, "cvtsd2ss"),
    ROW(0x5b, MP_NONE, op_cvt_Vx_Wx, "cvtdq2ps"),
    ROW(0x5b, MP_66, op_cvt_Vx_Wx, "cvtps2dq"),
    ROW(0x5b, MP_F3, op_cvt_Vx_Wx, "cvttps2dq"),
    ROW(0xe6, MP_66, op_cvt_Vx_Wx, "cvttpd2dq"),
    ROW(0xe6, MP_F3, op_cvt_Vx_Wx, "cvtdq2pd"),
    ROW(0xe6, MP_F2, op_cvt_Vx_Wx, "cvtpd2dq"),
    ROW(0x2a, MP_NONE, op_cvtpi2ps_Vps_Qpi, "cvtpi2ps"),
    ROW(0x2a, MP_66, op_cvtpi2pd_Vpd_Qpi, "cvtpi2pd"),
    ROW(0x2a, MP_F3, op_cvtsi2sx_Vx_Ey, "cvtsi2ss"),
    ROW(0x2a, MP_F2, op_cvtsi2sx_Vx_Ey, "cvtsi2sd"),
    ROW(0x2c, MP_NONE, op_cvt2pi_Ppi_Wx, "cvttps2pi"),
    ROW(0x2c, MP_66, op_cvt2pi_Ppi_Wx, "cvttpd2pi"),
    ROW(0x2c, MP_F3, op_cvtsx2si_Gy_Wx, "cvttss2si"),
    ROW(0x2c, MP_F2, op_cvtsx2si_Gy_Wx, "cvttsd2si"),
    ROW(0x2d, MP_NONE, op_cvt2pi_Ppi_Wx, "cvtps2pi"),
    ROW(0x2d, MP_66, op_cvt2pi_Ppi_Wx, "cvtpd2pi"),
    ROW(0x2d, MP_F3, op_cvtsx2si_Gy_Wx, "cvtss2si"),
    ROW(0x2d, MP_F2, op_cvtsx2si_Gy_Wx, "cvtsd2si"),
};
INSN_TABLE(sse_fp_cvt_insns)
