/* The SSE floating-point engine: entry checks, operands, MXCSR exceptions (SDM vol. 1
 * §11.5). */
/*
 * Every floating-point result and flag comes from the host running the same
 * instruction with every exception masked (sse-fp.h). When the guest has masked
 * every exception too, that is all there is to it. When it has not, an unmasked
 * exception must leave the destination alone and raise #XM, with MXCSR flags set as
 * the hardware would set them, and those flags are not simply the masked ones:
 *
 * - Denormal, divide-by-zero and invalid are pre-computation exceptions: they depend
 *   on the operands alone. If one of them is unmasked in any lane, no lane computes,
 *   and the flags are those pre-computation flags, of every lane.
 *   (Conversions to integer count invalid as pre-computation too; measured.)
 * - Otherwise every lane computes, and the flags are the OR of what each lane
 *   raises. A lane raises what it raises when masked, except for overflow and
 *   underflow when they are unmasked: then it raises OE (or UE) and PE only if
 *   rounding the result with an unbounded exponent was inexact; and unmasked
 *   underflow fires on a tiny result even when it is exact (masked underflow needs
 *   tiny and inexact), while FTZ does nothing.
 *
 * So the unmasked path runs the instruction masked (FTZ off if underflow is
 * unmasked), and when something unmasked may have happened, takes the lanes one by
 * one with the scalar instruction. A tiny lane is one that raised UE or left a
 * denormal. The "unbounded exponent" rounding is measured by running the lane again
 * on operands scaled by powers of two into the middle of the exponent range, where
 * rounding is the same bit for bit but nothing can overflow or underflow.
 *
 * Instructions made of several dependent steps (DPPS, DPPD) give each step these
 * rules in turn, accumulating flags; they supply their own FpUnmaskedFn.
 */
#include <math.h>
#include "target/i386/sse-fp.h"

static uint32_t mxcsr_unmasked(uint32_t mxcsr)
{
    return ~(mxcsr >> MXCSR_MASK_SHIFT) & MXCSR_FLAGS;
}

/* The SIMD floating-point exception, with these flags. */
NORETURN static void sse_raise_fp(CPUX86State *env, uint32_t flags)
{
    env->mxcsr |= flags & MXCSR_FLAGS;
    raise_exception(env, (env->cr[4] & CR4_OSXMMEXCPT) ? EXCP_XM : EXCP_UD);
}

/* The control the unmasked analysis runs the host under. */
static uint32_t masked_control(const CPUX86State *env)
{
    uint32_t ctl = (env->mxcsr & MXCSR_CONTROL) | MXCSR_MASKS;

    if (mxcsr_unmasked(env->mxcsr) & MXCSR_UE) {
        ctl &= ~MXCSR_FZ; /* FTZ only applies while underflow is masked */
    }
    return ctl;
}

/* ------------------------------------------------------------------------------------
 * Lanes
 */

static uint64_t lane_bits(const XMMReg *r, bool dbl, unsigned i)
{
    return dbl ? r->q[i] : r->l[i];
}

static XMMReg lane_reg(uint64_t bits)
{
    XMMReg r = {.q = {bits, 0}};
    return r;
}

static bool bits_denormal(uint64_t v, bool dbl)
{
    uint64_t exp = dbl ? 0x7ff0000000000000ull : 0x7f800000;
    uint64_t frac = dbl ? 0x000fffffffffffffull : 0x007fffff;

    return !(v & exp) && (v & frac);
}

static double lane_value(const XMMReg *r, bool dbl, bool daz)
{
    double d;
    float f;

    if (daz && bits_denormal(lane_bits(r, dbl, 0), dbl)) {
        return (lane_bits(r, dbl, 0) >> (dbl ? 63 : 31)) ? -0.0 : 0.0;
    }
    if (dbl) {
        memcpy(&d, &r->q[0], 8);
        return d;
    }
    memcpy(&f, &r->l[0], 4);
    return f;
}

static XMMReg lane_of_value(double v, bool dbl)
{
    XMMReg r = {0};
    float f = (float)v;

    if (dbl) {
        memcpy(&r.q[0], &v, 8);
    } else {
        memcpy(&r.l[0], &f, 4);
    }
    return r;
}

/* Zero's exponent is below any other, with room to subtract from it. */
static int exponent_of(double v)
{
    return v == 0 ? -100000 : ilogb(v);
}

/* v * 2^-e; a v too small to reach the rounding of the result keeps only its sign. */
static double scale_addend(double v, int e, int precision)
{
    if (v == 0) {
        return v;
    }
    if (exponent_of(v) < e - (precision + 2)) {
        return copysign(ldexp(1, -(precision + 3)), v);
    }
    return ldexp(v, -e);
}

/* v scaled into [1, 2) */
static double normalized(double v)
{
    return v == 0 ? v : ldexp(v, -exponent_of(v));
}

/* Operands with the lane's result near 1, rounded the same way (see the top). */
static void scale_operands(const FpLane *l, double *x, double *y)
{
    int precision = l->dbl_in ? 53 : 24;
    int e = MAX(exponent_of(*x), exponent_of(*y));

    switch (l->kind) {
    case FP_ADDSUB:
        *x = scale_addend(*x, e, precision);
        *y = scale_addend(*y, e, precision);
        break;
    case FP_MULDIV:
        *x = normalized(*x);
        *y = normalized(*y);
        break;
    default: /* FP_NARROW: only b is an operand */ *y = normalized(*y); break;
    }
}

/* Whether rounding the lane's result with an unbounded exponent is inexact. */
static uint32_t lane_unbounded_pe(const FpLane *l, uint32_t ctl)
{
    bool daz = ctl & MXCSR_DAZ;
    double x = lane_value(&l->a, l->dbl_in, daz), y = lane_value(&l->b, l->dbl_in, daz);
    XMMReg a, b;

    scale_operands(l, &x, &y);
    a = lane_of_value(x, l->dbl_in);
    b = lane_of_value(y, l->dbl_in);
    return l->op(&a, &b, ctl & ~(MXCSR_DAZ | MXCSR_FZ), 0) & MXCSR_PE;
}

/* The flags a lane that raised f when masked raises under the guest's masks. */
static uint32_t lane_flags(const FpLane *l, uint32_t f, uint32_t ctl, uint32_t unmasked)
{
    bool tiny;

    if (l->kind == FP_EXACT_RANGE) {
        return f;
    }
    if ((f & MXCSR_OE) && (unmasked & MXCSR_OE)) {
        return (f & MXCSR_PRE) | MXCSR_OE | lane_unbounded_pe(l, ctl);
    }
    tiny = (f & MXCSR_UE) || bits_denormal(lane_bits(&l->r, l->dbl_out, 0), l->dbl_out);
    if (tiny && (unmasked & MXCSR_UE)) {
        return (f & MXCSR_PRE) | MXCSR_UE |
               ((f & MXCSR_PE) ? lane_unbounded_pe(l, ctl) : 0);
    }
    return f;
}

uint32_t sse_fp_step(CPUX86State *env, FpLane *lanes, unsigned n, uint32_t acc,
                     uint32_t ctl)
{
    uint32_t unmasked = mxcsr_unmasked(env->mxcsr);
    uint32_t f[4], pre = 0;

    assert(n <= ARRAY_SIZE(f));
    for (unsigned i = 0; i < n; i++) {
        lanes[i].r = lanes[i].a;
        f[i] = lanes[i].op(&lanes[i].r, &lanes[i].b, ctl, 0) & MXCSR_FLAGS;
        pre |= f[i] & MXCSR_PRE;
    }
    if (pre & unmasked) {
        sse_raise_fp(env, acc | pre);
    }
    for (unsigned i = 0; i < n; i++) {
        acc |= lane_flags(&lanes[i], f[i], ctl, unmasked);
    }
    if (acc & unmasked) {
        sse_raise_fp(env, acc);
    }
    return acc;
}

/* Lane i's scalar operands, as op->shape draws them from a and b. */
static void op_lane_operands(const FpOp *op, const XMMReg *a, const XMMReg *b, unsigned i,
                             FpLane *l)
{
    unsigned half = op->lanes / 2;
    const XMMReg *pair = i < half ? a : b;
    unsigned j = 2 * (i < half ? i : i - half);

    switch (op->shape) {
    case FP_VERTICAL:
        l->a = lane_reg(lane_bits(a, op->dbl, i));
        l->b = lane_reg(lane_bits(b, op->dbl, i));
        break;
    case FP_HORIZONTAL:
        l->a = lane_reg(lane_bits(pair, op->dbl, j));
        l->b = lane_reg(lane_bits(pair, op->dbl, j + 1));
        break;
    default: /* FP_NARROWING */
        l->a = lane_reg(0);
        l->b = lane_reg(b->q[i]);
        break;
    }
}

static unsigned op_lanes(const FpOp *op, const XMMReg *a, const XMMReg *b, FpLane *lanes)
{
    for (unsigned i = 0; i < op->lanes; i++) {
        lanes[i].op = op->scalar[i & 1];
        lanes[i].kind = op->kind;
        lanes[i].dbl_in = op->dbl;
        lanes[i].dbl_out = op->dbl && op->shape != FP_NARROWING;
        op_lane_operands(op, a, b, i, &lanes[i]);
    }
    return op->lanes;
}

/* sse_fp_run when some exception is unmasked: *r is a on entry, the result on return. */
static uint32_t fp_run_unmasked(CPUX86State *env, const FpOp *op, XMMReg *r,
                                const XMMReg *b, uint8_t imm, uint32_t unmasked)
{
    bool ranged = op->kind != FP_EXACT_RANGE;
    uint32_t ctl =
        ranged ? masked_control(env) : (env->mxcsr & MXCSR_CONTROL) | MXCSR_MASKS;
    XMMReg a = *r;
    uint32_t f = op->host(r, b, ctl, imm) & MXCSR_FLAGS;
    FpLane lanes[4];

    if (!(f & unmasked) && !(ranged && (unmasked & MXCSR_UE))) {
        return f;
    }
    if (op->unmasked) {
        op->unmasked(env, &a, b, imm, ctl);
        return f;
    }
    if (f & unmasked & MXCSR_PRE) {
        sse_raise_fp(env, f & MXCSR_PRE);
    }
    if (!ranged) {
        sse_raise_fp(env, f);
    }
    sse_fp_step(env, lanes, op_lanes(op, &a, b, lanes), f & MXCSR_PRE, ctl);
    return f;
}

XMMReg sse_fp_run(CPUX86State *env, const FpOp *op, const XMMReg *a, const XMMReg *b,
                  uint8_t imm)
{
    uint32_t unmasked = mxcsr_unmasked(env->mxcsr);
    XMMReg r = *a;
    uint32_t flags;

    if (likely(!unmasked)) {
        flags = op->host(&r, b, env->mxcsr & MXCSR_CONTROL, imm);
    } else {
        flags = fp_run_unmasked(env, op, &r, b, imm, unmasked);
    }
    env->mxcsr |= flags & MXCSR_FLAGS;
    return r;
}

/* ------------------------------------------------------------------------------------
 * Operands
 */

XMMReg sse_fp_ld_W(CPUX86State *env, const Insn *d, unsigned size)
{
    XMMReg v = {0};

    if (size == 16 || d->mod == 3) {
        sse_ld_rm(env, d, &v, SIMD_ALIGNED);
    } else {
        v.q[0] = cpu_ld(env, d->seg, insn_ea(env, d), size);
    }
    return v;
}
