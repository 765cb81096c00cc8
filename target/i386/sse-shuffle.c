/* MMX/SSE/SSE2 pack, unpack, shuffle, word insert/extract, sign masks (SDM vol. 2). */
/*
 * These operations move lanes between positions, so each builds its result in a
 * scratch register before writing the destination. The MMX forms of the low
 * unpacks read only 32 bits of memory (PUNPCKLBW mm, mm/m32), which matters when
 * the operand ends a page.
 */
#include "target/i386/insn.h"
#include "target/i386/sse-common.h"

/* --- pack with saturation: dst's lanes narrowed, then src's --- */

#define PACK_OP(name, TIN, TOUT, sat)                                                    \
    static void simd_##name(XMMReg *dst, const XMMReg *src, unsigned bytes,              \
                            unsigned imm)                                                \
    {                                                                                    \
        const unsigned n = bytes / sizeof(TIN);                                          \
        const TIN *a = (const TIN *)dst->b, *b = (const TIN *)src->b;                    \
        TOUT r[16 / sizeof(TOUT)];                                                       \
        for (unsigned i = 0; i < n; i++) {                                               \
            r[i] = sat(a[i]);                                                            \
            r[n + i] = sat(b[i]);                                                        \
        }                                                                                \
        memcpy(dst->b, r, bytes);                                                        \
    }                                                                                    \
    SIMD_MMX_SSE_FORMS(name)

PACK_OP(packsswb, int16_t, int8_t, sat_s8);
PACK_OP(packuswb, int16_t, uint8_t, sat_u8);
PACK_OP(packssdw, int32_t, int16_t, sat_s16);

/* --- unpack: interleave the low (or high) halves of dst and src --- */

static void simd_unpack(XMMReg *dst, const XMMReg *src, unsigned bytes, unsigned lane,
                        bool high)
{
    unsigned half = bytes / 2, base = high ? half : 0;
    XMMReg r;

    for (unsigned i = 0; i < half / lane; i++) {
        memcpy(r.b + 2 * i * lane, dst->b + base + i * lane, lane);
        memcpy(r.b + (2 * i + 1) * lane, src->b + base + i * lane, lane);
    }
    memcpy(dst->b, r.b, bytes);
}

#define UNPACK_OP(name, lane, high)                                                      \
    static void simd_##name(XMMReg *dst, const XMMReg *src, unsigned bytes,              \
                            unsigned imm)                                                \
    {                                                                                    \
        simd_unpack(dst, src, bytes, lane, high);                                        \
    }                                                                                    \
    _Static_assert(1, "a use of UNPACK_OP takes a semicolon")

UNPACK_OP(punpcklbw, 1, false);
UNPACK_OP(punpcklwd, 2, false);
UNPACK_OP(punpckldq, 4, false);
UNPACK_OP(punpcklqdq, 8, false);
UNPACK_OP(punpckhbw, 1, true);
UNPACK_OP(punpckhwd, 2, true);
UNPACK_OP(punpckhdq, 4, true);
UNPACK_OP(punpckhqdq, 8, true);

/* op Pq, Qd: a memory source is 32 bits */
static void simd_mmx_form_low32(CPUX86State *env, const Insn *d, SimdOp *op)
{
    XMMReg dst = {0}, src = {0};

    fpu_mmx_check(env);
    if (d->mod == 3) {
        src.q[0] = fpu_mmx_get(env, d->rm);
    } else {
        src.q[0] = cpu_ld(env, d->seg, insn_ea(env, d), 4);
    }
    dst.q[0] = fpu_mmx_get(env, d->reg);
    op(&dst, &src, 8, 0);
    fpu_mmx_enter(env);
    fpu_mmx_set(env, d->reg, dst.q[0]);
}

#define UNPACK_LOW_FORMS(name)                                                           \
    static void op_##name##_Pq_Qd(CPUX86State *env, const Insn *d)                       \
    {                                                                                    \
        simd_mmx_form_low32(env, d, simd_##name);                                        \
    }                                                                                    \
    SIMD_SSE_FORM(name)

UNPACK_LOW_FORMS(punpcklbw);
UNPACK_LOW_FORMS(punpcklwd);
UNPACK_LOW_FORMS(punpckldq);
SIMD_MMX_SSE_FORMS(punpckhbw);
SIMD_MMX_SSE_FORMS(punpckhwd);
SIMD_MMX_SSE_FORMS(punpckhdq);
SIMD_SSE_FORM(punpcklqdq);
SIMD_SSE_FORM(punpckhqdq);

/* --- shuffles by an immediate --- */

/* PSHUFW (MMX) and PSHUFD: each result lane picks a source lane by two imm bits. */
static void simd_shuffle4(void *dst, const void *src, unsigned lane, unsigned imm)
{
    uint8_t r[16];

    for (unsigned i = 0; i < 4; i++) {
        memcpy(r + i * lane, (const uint8_t *)src + ((imm >> (2 * i)) & 3) * lane, lane);
    }
    memcpy(dst, r, 4 * lane);
}

static void simd_pshufw(XMMReg *dst, const XMMReg *src, unsigned bytes, unsigned imm)
{
    simd_shuffle4(dst->w, src->w, 2, imm);
}

static void simd_pshufd(XMMReg *dst, const XMMReg *src, unsigned bytes, unsigned imm)
{
    simd_shuffle4(dst->l, src->l, 4, imm);
}

/* PSHUFHW/PSHUFLW shuffle the words of one quadword and copy the other. */
static void simd_pshufhw(XMMReg *dst, const XMMReg *src, unsigned bytes, unsigned imm)
{
    *dst = *src;
    simd_shuffle4(&dst->w[4], &src->w[4], 2, imm);
}

static void simd_pshuflw(XMMReg *dst, const XMMReg *src, unsigned bytes, unsigned imm)
{
    *dst = *src;
    simd_shuffle4(&dst->w[0], &src->w[0], 2, imm);
}

/* SHUFPS: the low two dwords come from dst, the high two from src. */
static void simd_shufps(XMMReg *dst, const XMMReg *src, unsigned bytes, unsigned imm)
{
    XMMReg r = {.l = {dst->l[imm & 3], dst->l[(imm >> 2) & 3], src->l[(imm >> 4) & 3],
                      src->l[(imm >> 6) & 3]}};

    *dst = r;
}

static void simd_shufpd(XMMReg *dst, const XMMReg *src, unsigned bytes, unsigned imm)
{
    XMMReg r = {.q = {dst->q[imm & 1], src->q[(imm >> 1) & 1]}};

    *dst = r;
}

static void op_pshufw_Pq_Qq_Ib(CPUX86State *env, const Insn *d)
{
    simd_mmx_form(env, d, simd_pshufw);
}

SIMD_SSE_FORM(pshufd);
SIMD_SSE_FORM(pshufhw);
SIMD_SSE_FORM(pshuflw);
SIMD_SSE_FORM(shufps);
SIMD_SSE_FORM(shufpd);

/* --- word insert and extract --- */

/* The Ry/Mw source of PINSRW: a general register's low word or 16 bits of memory. */
static uint16_t pinsrw_source(CPUX86State *env, const Insn *d)
{
    if (d->mod == 3) {
        return get_reg(env, d->rm, 2, true);
    }
    return cpu_ld(env, d->seg, insn_ea(env, d), 2);
}

static void op_pinsrw_Pq_Ry_Ib(CPUX86State *env, const Insn *d)
{
    XMMReg v = {0};
    uint16_t w;

    fpu_mmx_check(env);
    w = pinsrw_source(env, d);
    v.q[0] = fpu_mmx_get(env, d->reg);
    v.w[d->imm & 3] = w;
    fpu_mmx_enter(env);
    fpu_mmx_set(env, d->reg, v.q[0]);
}

static void op_pinsrw_Vdq_Ry_Ib(CPUX86State *env, const Insn *d)
{
    uint16_t w;

    sse_check(env);
    w = pinsrw_source(env, d);
    env->xmm[d->reg].w[d->imm & 7] = w;
}

/* Gd destinations are written zero-extended (REX.W makes no difference). */
static void op_pextrw_Gd_Nq_Ib(CPUX86State *env, const Insn *d)
{
    XMMReg v;

    fpu_mmx_check(env);
    v.q[0] = fpu_mmx_get(env, d->rm);
    fpu_mmx_enter(env);
    st_reg(env, d, 4, v.w[d->imm & 3]);
}

static void op_pextrw_Gd_Udq_Ib(CPUX86State *env, const Insn *d)
{
    sse_check(env);
    st_reg(env, d, 4, env->xmm[d->rm].w[d->imm & 7]);
}

/* --- sign masks --- */

/* Bit i of the result is the top bit of lane i. */
static uint32_t sign_mask(const XMMReg *v, unsigned bytes, unsigned lane)
{
    uint32_t mask = 0;

    for (unsigned i = 0; i < bytes / lane; i++) {
        mask |= (uint32_t)(v->b[i * lane + lane - 1] >> 7) << i;
    }
    return mask;
}

static void op_pmovmskb_Gd_Nq(CPUX86State *env, const Insn *d)
{
    XMMReg v;

    fpu_mmx_check(env);
    v.q[0] = fpu_mmx_get(env, d->rm);
    fpu_mmx_enter(env);
    st_reg(env, d, 4, sign_mask(&v, 8, 1));
}

static void op_pmovmskb_Gd_Udq(CPUX86State *env, const Insn *d)
{
    sse_check(env);
    st_reg(env, d, 4, sign_mask(&env->xmm[d->rm], 16, 1));
}

static void op_movmskps_Gd_Ups(CPUX86State *env, const Insn *d)
{
    sse_check(env);
    st_reg(env, d, 4, sign_mask(&env->xmm[d->rm], 16, 4));
}

static void op_movmskpd_Gd_Upd(CPUX86State *env, const Insn *d)
{
    sse_check(env);
    st_reg(env, d, 4, sign_mask(&env->xmm[d->rm], 16, 8));
}

/* clang-format off */
#define ROW(opcode, mod, prefix, fn, name)                                               \
    {MAP_0F, opcode, ANY, mod, ANY, prefix, 0, fn, name}
/* clang-format on */

static const InsnDef sse_shuffle_insns[] = {
    ROW(0x60, ANY, MP_NONE, op_punpcklbw_Pq_Qd, "punpcklbw"),
    ROW(0x60, ANY, MP_66, op_punpcklbw_Vx_Wx, "punpcklbw"),
    ROW(0x61, ANY, MP_NONE, op_punpcklwd_Pq_Qd, "punpcklwd"),
    ROW(0x61, ANY, MP_66, op_punpcklwd_Vx_Wx, "punpcklwd"),
    ROW(0x62, ANY, MP_NONE, op_punpckldq_Pq_Qd, "punpckldq"),
    ROW(0x62, ANY, MP_66, op_punpckldq_Vx_Wx, "punpckldq"),
    SIMD_ROWS(MAP_0F, 0x63, packsswb),
    SIMD_ROWS(MAP_0F, 0x67, packuswb),
    SIMD_ROWS(MAP_0F, 0x68, punpckhbw),
    SIMD_ROWS(MAP_0F, 0x69, punpckhwd),
    SIMD_ROWS(MAP_0F, 0x6a, punpckhdq),
    SIMD_ROWS(MAP_0F, 0x6b, packssdw),
    ROW(0x6c, ANY, MP_66, op_punpcklqdq_Vx_Wx, "punpcklqdq"),
    ROW(0x6d, ANY, MP_66, op_punpckhqdq_Vx_Wx, "punpckhqdq"),
    ROW(0x14, ANY, MP_NONE, op_punpckldq_Vx_Wx, "unpcklps"),
    ROW(0x14, ANY, MP_66, op_punpcklqdq_Vx_Wx, "unpcklpd"),
    ROW(0x15, ANY, MP_NONE, op_punpckhdq_Vx_Wx, "unpckhps"),
    ROW(0x15, ANY, MP_66, op_punpckhqdq_Vx_Wx, "unpckhpd"),
    ROW(0x70, ANY, MP_NONE, op_pshufw_Pq_Qq_Ib, "pshufw"),
    ROW(0x70, ANY, MP_66, op_pshufd_Vx_Wx, "pshufd"),
    ROW(0x70, ANY, MP_F3, op_pshufhw_Vx_Wx, "pshufhw"),
    ROW(0x70, ANY, MP_F2, op_pshuflw_Vx_Wx, "pshuflw"),
    ROW(0xc6, ANY, MP_NONE, op_shufps_Vx_Wx, "shufps"),
    ROW(0xc6, ANY, MP_66, op_shufpd_Vx_Wx, "shufpd"),
    ROW(0xc4, ANY, MP_NONE, op_pinsrw_Pq_Ry_Ib, "pinsrw"),
    ROW(0xc4, ANY, MP_66, op_pinsrw_Vdq_Ry_Ib, "pinsrw"),
    ROW(0xc5, MOD_REG, MP_NONE, op_pextrw_Gd_Nq_Ib, "pextrw"),
    ROW(0xc5, MOD_REG, MP_66, op_pextrw_Gd_Udq_Ib, "pextrw"),
    ROW(0xd7, MOD_REG, MP_NONE, op_pmovmskb_Gd_Nq, "pmovmskb"),
    ROW(0xd7, MOD_REG, MP_66, op_pmovmskb_Gd_Udq, "pmovmskb"),
    ROW(0x50, MOD_REG, MP_NONE, op_movmskps_Gd_Ups, "movmskps"),
    ROW(0x50, MOD_REG, MP_66, op_movmskpd_Gd_Upd, "movmskpd"),
};
INSN_TABLE(sse_shuffle_insns)
