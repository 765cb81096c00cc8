/* SSE4.1 integer, blend, insert and extract instructions (SDM vol. 2, PBLENDVB..PTEST).
 */
/* The floating-point SSE4.1 instructions (ROUND*, DPPS, DPPD) are in sse41-fp.c. */
#include "target/i386/flags.h"
#include "target/i386/sse-fp.h"

/* ------------------------------------------------------------------------------------
 * Lanes of esize bytes
 */

static uint64_t lane_get(const XMMReg *r, unsigned esize, unsigned i)
{
    switch (esize) {
    case 1: return r->b[i];
    case 2: return r->w[i];
    case 4: return r->l[i];
    default: return r->q[i];
    }
}

static void lane_set(XMMReg *r, unsigned esize, unsigned i, uint64_t v)
{
    switch (esize) {
    case 1: r->b[i] = v; break;
    case 2: r->w[i] = v; break;
    case 4: r->l[i] = v; break;
    default: r->q[i] = v; break;
    }
}

static int64_t sext(uint64_t v, unsigned esize)
{
    unsigned shift = 64 - 8 * esize;
    return (int64_t)(v << shift) >> shift;
}

static XMMReg ld_Wx(CPUX86State *env, const Insn *d)
{
    XMMReg v;

    sse_check(env);
    sse_ld_rm(env, d, &v, SIMD_ALIGNED);
    return v;
}

/* ------------------------------------------------------------------------------------
 * Lane-wise operations: PCMPEQQ, PMINSB..PMAXUD, PMULLD
 */

typedef uint64_t LaneOp(uint64_t a, uint64_t b, unsigned esize);

static uint64_t lane_cmpeq(uint64_t a, uint64_t b, unsigned esize)
{
    return a == b ? ~0ull : 0;
}

static uint64_t lane_mins(uint64_t a, uint64_t b, unsigned esize)
{
    return sext(a, esize) < sext(b, esize) ? a : b;
}

static uint64_t lane_maxs(uint64_t a, uint64_t b, unsigned esize)
{
    return sext(a, esize) > sext(b, esize) ? a : b;
}

static uint64_t lane_minu(uint64_t a, uint64_t b, unsigned esize)
{
    return a < b ? a : b;
}

static uint64_t lane_maxu(uint64_t a, uint64_t b, unsigned esize)
{
    return a > b ? a : b;
}

static uint64_t lane_mullo(uint64_t a, uint64_t b, unsigned esize)
{
    return a * b;
}

typedef struct LanewiseForm {
    uint8_t esize;
    LaneOp *fn;
} LanewiseForm;

/* By 0F 38 opcode */
static const LanewiseForm lanewise_forms[0x41] = {
    [0x29] = {8, lane_cmpeq}, [0x38] = {1, lane_mins}, [0x39] = {4, lane_mins},
    [0x3a] = {2, lane_minu},  [0x3b] = {4, lane_minu}, [0x3c] = {1, lane_maxs},
    [0x3d] = {4, lane_maxs},  [0x3e] = {2, lane_maxu}, [0x3f] = {4, lane_maxu},
    [0x40] = {4, lane_mullo},
};

static void op_lanewise_Vx_Wx(CPUX86State *env, const Insn *d)
{
    const LanewiseForm *f = &lanewise_forms[d->opcode];
    XMMReg src = ld_Wx(env, d), *dst = &env->xmm[d->reg];

    for (unsigned i = 0; i < 16 / f->esize; i++) {
        uint64_t r =
            f->fn(lane_get(dst, f->esize, i), lane_get(&src, f->esize, i), f->esize);
        lane_set(dst, f->esize, i, r);
    }
}

/* PMULDQ: signed products of the even doublewords */
static void op_pmuldq_Vx_Wx(CPUX86State *env, const Insn *d)
{
    XMMReg src = ld_Wx(env, d), *dst = &env->xmm[d->reg];

    for (unsigned i = 0; i < 2; i++) {
        dst->q[i] = (uint64_t)((int64_t)(int32_t)dst->l[2 * i] * (int32_t)src.l[2 * i]);
    }
}

/* PACKUSDW: signed doublewords to unsigned words with saturation */
static void op_packusdw_Vx_Wx(CPUX86State *env, const Insn *d)
{
    XMMReg src = ld_Wx(env, d), *dst = &env->xmm[d->reg], r;

    for (unsigned i = 0; i < 4; i++) {
        int32_t lo = (int32_t)dst->l[i], hi = (int32_t)src.l[i];
        r.w[i] = lo < 0 ? 0 : lo > UINT16_MAX ? UINT16_MAX : lo;
        r.w[i + 4] = hi < 0 ? 0 : hi > UINT16_MAX ? UINT16_MAX : hi;
    }
    *dst = r;
}

/* PHMINPOSUW: the smallest unsigned word and its (lowest) index */
static void op_phminposuw_Vx_Wx(CPUX86State *env, const Insn *d)
{
    XMMReg src = ld_Wx(env, d), r = {0};
    unsigned best = 0;

    for (unsigned i = 1; i < 8; i++) {
        if (src.w[i] < src.w[best]) {
            best = i;
        }
    }
    r.w[0] = src.w[best];
    r.w[1] = best;
    env->xmm[d->reg] = r;
}

/* PTEST: ZF = !(a & b), CF = !(~a & b); the other arithmetic flags cleared */
static void op_ptest_Vx_Wx(CPUX86State *env, const Insn *d)
{
    XMMReg b = ld_Wx(env, d);
    const XMMReg *a = &env->xmm[d->reg];
    bool zf = !((a->q[0] & b.q[0]) | (a->q[1] & b.q[1]));
    bool cf = !((~a->q[0] & b.q[0]) | (~a->q[1] & b.q[1]));

    cc_set_flags(env, (zf ? CC_Z : 0) | (cf ? CC_C : 0), CC_ARITH);
}

/* MOVNTDQA: an aligned load (the non-temporal hint means nothing here) */
static void op_movntdqa_Vx_Mx(CPUX86State *env, const Insn *d)
{
    env->xmm[d->reg] = ld_Wx(env, d);
}

/* ------------------------------------------------------------------------------------
 * PMOVSX*, PMOVZX*: low elements widened (0F 38 2x signed, 3x zero)
 */

/* By the opcode's low nibble: BW BD BQ WD WQ DQ */
static const uint8_t pmov_from[6] = {1, 1, 1, 2, 2, 4};
static const uint8_t pmov_to[6] = {2, 4, 8, 4, 8, 8};

static void op_pmovx_Vx_Wx(CPUX86State *env, const Insn *d)
{
    unsigned form = d->opcode & 0xf, from = pmov_from[form], to = pmov_to[form];
    bool sign = d->opcode < 0x30;
    XMMReg src = {0}, r;

    sse_check(env);
    src.q[0] = sse_ld_rm_scalar(env, d, 16 / to * from);
    for (unsigned i = 0; i < 16 / to; i++) {
        uint64_t v = lane_get(&src, from, i);
        lane_set(&r, to, i, sign ? (uint64_t)sext(v, from) : v);
    }
    env->xmm[d->reg] = r;
}

/* ------------------------------------------------------------------------------------
 * Blends
 */

static void blend(XMMReg *dst, const XMMReg *src, unsigned esize, uint32_t select)
{
    for (unsigned i = 0; i < 16 / esize; i++) {
        if ((select >> i) & 1) {
            lane_set(dst, esize, i, lane_get(src, esize, i));
        }
    }
}

/* Bit i: the top bit of element i */
static uint32_t sign_bits(const XMMReg *r, unsigned esize)
{
    uint32_t bits = 0;

    for (unsigned i = 0; i < 16 / esize; i++) {
        bits |= (uint32_t)(lane_get(r, esize, i) >> (8 * esize - 1)) << i;
    }
    return bits;
}

/* BLENDPS, BLENDPD, PBLENDW (0F 3A 0C..0E): imm8 selects */
static void op_blend_Vx_Wx_Ib(CPUX86State *env, const Insn *d)
{
    static const uint8_t esize[3] = {4, 8, 2};
    XMMReg src = ld_Wx(env, d);

    blend(&env->xmm[d->reg], &src, esize[d->opcode - 0x0c], d->imm);
}

/* PBLENDVB, BLENDVPS, BLENDVPD (0F 38 10, 14, 15): XMM0's sign bits select */
static void op_blendv_Vx_Wx(CPUX86State *env, const Insn *d)
{
    unsigned esize = d->opcode == 0x10 ? 1 : d->opcode == 0x14 ? 4 : 8;
    XMMReg src = ld_Wx(env, d);

    blend(&env->xmm[d->reg], &src, esize, sign_bits(&env->xmm[0], esize));
}

/* MPSADBW: eight sums of absolute differences of four bytes */
static void op_mpsadbw_Vx_Wx_Ib(CPUX86State *env, const Insn *d)
{
    unsigned s = (d->imm & 3) * 4, o = ((d->imm >> 2) & 1) * 4;
    XMMReg src = ld_Wx(env, d), *dst = &env->xmm[d->reg], r;

    for (unsigned i = 0; i < 8; i++) {
        unsigned sum = 0;
        for (unsigned j = 0; j < 4; j++) {
            sum += abs(dst->b[o + i + j] - src.b[s + j]);
        }
        r.w[i] = sum;
    }
    *dst = r;
}

/* ------------------------------------------------------------------------------------
 * Insert and extract
 */

static unsigned rex_w_size(const Insn *d)
{
    return (d->rex & 0x08) ? 8 : 4;
}

/*
 * PEXTRB, PEXTRW, PEXTRD/Q, EXTRACTPS (0F 3A 14..17): a register destination is
 * written zero-extended from 32 bits (64 for PEXTRQ), memory gets the element only.
 */
static void op_pextr_Ey_Vx_Ib(CPUX86State *env, const Insn *d)
{
    unsigned esize = d->opcode == 0x14 ? 1 : d->opcode == 0x15 ? 2 : 4;
    uint64_t v;

    if (d->opcode == 0x16) {
        esize = rex_w_size(d);
    }
    sse_check(env);
    v = lane_get(&env->xmm[d->reg], esize, d->imm & (16 / esize - 1));
    if (d->mod == 3) {
        set_reg(env, d->rm, esize == 8 ? 8 : 4, true, v);
    } else {
        cpu_st(env, d->seg, insn_ea(env, d), esize, v);
    }
}

/* PINSRB, PINSRD/Q (0F 3A 20, 22): a register source gives its low element */
static void op_pinsr_Vx_Ey_Ib(CPUX86State *env, const Insn *d)
{
    unsigned esize = d->opcode == 0x20 ? 1 : rex_w_size(d);
    uint64_t v;

    sse_check(env);
    if (d->mod == 3) {
        v = env->regs[d->rm] & size_mask(esize);
    } else {
        v = cpu_ld(env, d->seg, insn_ea(env, d), esize);
    }
    lane_set(&env->xmm[d->reg], esize, d->imm & (16 / esize - 1), v);
}

/* INSERTPS: a single (imm8[7:6] picks it from a register) into lane imm8[5:4], then
 * the lanes set in imm8[3:0] cleared. */
static void op_insertps_Vps_Wss_Ib(CPUX86State *env, const Insn *d)
{
    XMMReg *dst = &env->xmm[d->reg];
    uint32_t v;

    sse_check(env);
    if (d->mod == 3) {
        v = env->xmm[d->rm].l[(d->imm >> 6) & 3];
    } else {
        v = cpu_ld(env, d->seg, insn_ea(env, d), 4);
    }
    dst->l[(d->imm >> 4) & 3] = v;
    for (unsigned i = 0; i < 4; i++) {
        if ((d->imm >> i) & 1) {
            dst->l[i] = 0;
        }
    }
}

#define ROW38(opcode, fn, name)                                                          \
    {                                                                                    \
        MAP_0F38, opcode, ANY, ANY, ANY, MP_66, 0, fn, name                              \
    }
#define ROW3A(opcode, fn, name)                                                          \
    {                                                                                    \
        MAP_0F3A, opcode, ANY, ANY, ANY, MP_66, 0, fn, name                              \
    }

static const InsnDef sse41_insns[] = {
    ROW38(0x10, op_blendv_Vx_Wx, "pblendvb"),
    ROW38(0x14, op_blendv_Vx_Wx, "blendvps"),
    ROW38(0x15, op_blendv_Vx_Wx, "blendvpd"),
    ROW38(0x17, op_ptest_Vx_Wx, "ptest"),
    ROW38(0x20, op_pmovx_Vx_Wx, "pmovsxbw"),
    ROW38(0x21, op_pmovx_Vx_Wx, "pmovsxbd"),
    ROW38(0x22, op_pmovx_Vx_Wx, "pmovsxbq"),
    ROW38(0x23, op_pmovx_Vx_Wx, "pmovsxwd"),
    ROW38(0x24, op_pmovx_Vx_Wx, "pmovsxwq"),
    ROW38(0x25, op_pmovx_Vx_Wx, "pmovsxdq"),
    ROW38(0x28, op_pmuldq_Vx_Wx, "pmuldq"),
    ROW38(0x29, op_lanewise_Vx_Wx, "pcmpeqq"),
    {MAP_0F38, 0x2a, ANY, MOD_MEM, ANY, MP_66, 0, op_movntdqa_Vx_Mx, "movntdqa"},
    ROW38(0x2b, op_packusdw_Vx_Wx, "packusdw"),
    ROW38(0x30, op_pmovx_Vx_Wx, "pmovzxbw"),
    ROW38(0x31, op_pmovx_Vx_Wx, "pmovzxbd"),
    ROW38(0x32, op_pmovx_Vx_Wx, "pmovzxbq"),
    ROW38(0x33, op_pmovx_Vx_Wx, "pmovzxwd"),
    ROW38(0x34, op_pmovx_Vx_Wx, "pmovzxwq"),
    ROW38(0x35, op_pmovx_Vx_Wx, "pmovzxdq"),
    ROW38(0x38, op_lanewise_Vx_Wx, "pminsb"),
    ROW38(0x39, op_lanewise_Vx_Wx, "pminsd"),
    ROW38(0x3a, op_lanewise_Vx_Wx, "pminuw"),
    ROW38(0x3b, op_lanewise_Vx_Wx, "pminud"),
    ROW38(0x3c, op_lanewise_Vx_Wx, "pmaxsb"),
    ROW38(0x3d, op_lanewise_Vx_Wx, "pmaxsd"),
    ROW38(0x3e, op_lanewise_Vx_Wx, "pmaxuw"),
    ROW38(0x3f, op_lanewise_Vx_Wx, "pmaxud"),
    ROW38(0x40, op_lanewise_Vx_Wx, "pmulld"),
    ROW38(0x41, op_phminposuw_Vx_Wx, "phminposuw"),
    ROW3A(0x0c, op_blend_Vx_Wx_Ib, "blendps"),
    ROW3A(0x0d, op_blend_Vx_Wx_Ib, "blendpd"),
    ROW3A(0x0e, op_blend_Vx_Wx_Ib, "pblendw"),
    ROW3A(0x14, op_pextr_Ey_Vx_Ib, "pextrb"),
    ROW3A(0x15, op_pextr_Ey_Vx_Ib, "pextrw"),
    ROW3A(0x16, op_pextr_Ey_Vx_Ib, "pextrd"),
    ROW3A(0x17, op_pextr_Ey_Vx_Ib, "extractps"),
    ROW3A(0x20, op_pinsr_Vx_Ey_Ib, "pinsrb"),
    ROW3A(0x21, op_insertps_Vps_Wss_Ib, "insertps"),
    ROW3A(0x22, op_pinsr_Vx_Ey_Ib, "pinsrd"),
    ROW3A(0x42, op_mpsadbw_Vx_Wx_Ib, "mpsadbw"),
};
INSN_TABLE(sse41_insns)
