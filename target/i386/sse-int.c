/* MMX/SSE2 packed integer arithmetic, compares, logic and shifts (Intel SDM vol. 2). */
/*
 * Each operation is one SimdOp over lanes, written once for both register files:
 * SIMD_MMX_SSE_FORMS makes its NP 0F xx (MMX, Pq,Qq) and 66 0F xx (XMM, Vx,Wx)
 * handlers. Lane arithmetic is plain C on the lane type: unsigned types wrap as
 * the instructions do, and signed results are clamped by the sat_* helpers.
 * The bitwise SSE float forms (ANDPS, ORPD, ...) are the integer ones on XMM.
 */
#include "target/i386/insn.h"
#include "target/i386/sse-common.h"

/* dst lane = expr of x (dst lane) and y (src lane), both of type T */
#define LANEWISE(name, T, expr)                                                          \
    static void simd_##name(XMMReg *dst, const XMMReg *src, unsigned bytes,              \
                            unsigned imm)                                                \
    {                                                                                    \
        T *a = (T *)dst->b;                                                              \
        const T *b = (const T *)src->b;                                                  \
        for (unsigned i = 0; i < bytes / sizeof(T); i++) {                               \
            T x = a[i], y = b[i];                                                        \
            a[i] = (expr);                                                               \
        }                                                                                \
    }                                                                                    \
    _Static_assert(1, "a use of LANEWISE takes a semicolon")

/* A lanewise operation with its MMX and XMM handlers */
#define LANE_OP(name, T, expr)                                                           \
    LANEWISE(name, T, expr);                                                             \
    SIMD_MMX_SSE_FORMS(name)

/* clang-format off */
LANE_OP(paddb, uint8_t, x + y);
LANE_OP(paddw, uint16_t, x + y);
LANE_OP(paddd, uint32_t, x + y);
LANE_OP(paddq, uint64_t, x + y);
LANE_OP(psubb, uint8_t, x - y);
LANE_OP(psubw, uint16_t, x - y);
LANE_OP(psubd, uint32_t, x - y);
LANE_OP(psubq, uint64_t, x - y);
LANE_OP(paddsb, int8_t, sat_s8(x + y));
LANE_OP(paddsw, int16_t, sat_s16(x + y));
LANE_OP(psubsb, int8_t, sat_s8(x - y));
LANE_OP(psubsw, int16_t, sat_s16(x - y));
LANE_OP(paddusb, uint8_t, sat_u8(x + y));
LANE_OP(paddusw, uint16_t, sat_u16(x + y));
LANE_OP(psubusb, uint8_t, sat_u8(x - y));
LANE_OP(psubusw, uint16_t, sat_u16(x - y));

LANE_OP(pcmpeqb, uint8_t, x == y ? UINT8_MAX : 0);
LANE_OP(pcmpeqw, uint16_t, x == y ? UINT16_MAX : 0);
LANE_OP(pcmpeqd, uint32_t, x == y ? UINT32_MAX : 0);
LANE_OP(pcmpgtb, int8_t, x > y ? -1 : 0);
LANE_OP(pcmpgtw, int16_t, x > y ? -1 : 0);
LANE_OP(pcmpgtd, int32_t, x > y ? -1 : 0);

LANE_OP(pand, uint64_t, x & y);
LANE_OP(pandn, uint64_t, ~x & y);
LANE_OP(por, uint64_t, x | y);
LANE_OP(pxor, uint64_t, x ^ y);

LANE_OP(pminub, uint8_t, x < y ? x : y);
LANE_OP(pmaxub, uint8_t, x > y ? x : y);
LANE_OP(pminsw, int16_t, x < y ? x : y);
LANE_OP(pmaxsw, int16_t, x > y ? x : y);
LANE_OP(pavgb, uint8_t, (x + y + 1) >> 1);
LANE_OP(pavgw, uint16_t, (x + y + 1) >> 1);

LANE_OP(pmullw, uint16_t, (uint32_t)x * y);
LANE_OP(pmulhw, int16_t, ((int32_t)x * y) >> 16);
LANE_OP(pmulhuw, uint16_t, ((uint32_t)x * y) >> 16);
LANE_OP(pmuludq, uint64_t, (x & UINT32_MAX) * (y & UINT32_MAX));
/* clang-format on */

/* Multiply signed words and add adjacent products into dwords. */
static void simd_pmaddwd(XMMReg *dst, const XMMReg *src, unsigned bytes, unsigned imm)
{
    const int16_t *b = (const int16_t *)src->w;
    int16_t *a = (int16_t *)dst->w;

    for (unsigned i = 0; i < bytes / 4; i++) {
        int64_t sum = (int32_t)a[2 * i] * b[2 * i] + (int64_t)a[2 * i + 1] * b[2 * i + 1];
        dst->l[i] = (uint32_t)sum; /* only -32768 * -32768 * 2 wraps, to 0x80000000 */
    }
}
SIMD_MMX_SSE_FORMS(pmaddwd);

/* Per quadword: the sum of absolute byte differences, zero-extended. */
static void simd_psadbw(XMMReg *dst, const XMMReg *src, unsigned bytes, unsigned imm)
{
    for (unsigned q = 0; q < bytes / 8; q++) {
        unsigned sum = 0;
        for (unsigned i = q * 8; i < q * 8 + 8; i++) {
            sum += abs(dst->b[i] - src->b[i]);
        }
        dst->q[q] = sum;
    }
}
SIMD_MMX_SSE_FORMS(psadbw);

/* --- shifts: the count is the source's low quadword, or the immediate --- */

/* Logical shifts by count >= lane width clear the lane. */
#define SHIFT_OP(name, T, expr)                                                          \
    static void simd_##name(XMMReg *dst, const XMMReg *src, unsigned bytes,              \
                            unsigned imm)                                                \
    {                                                                                    \
        uint64_t count = src->q[0];                                                      \
        T *a = (T *)dst->b;                                                              \
        for (unsigned i = 0; i < bytes / sizeof(T); i++) {                               \
            T x = a[i];                                                                  \
            a[i] = count >= sizeof(T) * 8 ? 0 : (T)(expr);                               \
        }                                                                                \
    }                                                                                    \
    SIMD_MMX_SSE_FORMS(name)

/* Arithmetic shifts by count >= lane width fill the lane with its sign. */
#define SAR_OP(name, T)                                                                  \
    static void simd_##name(XMMReg *dst, const XMMReg *src, unsigned bytes,              \
                            unsigned imm)                                                \
    {                                                                                    \
        unsigned count = MIN(src->q[0], sizeof(T) * 8 - 1);                              \
        T *a = (T *)dst->b;                                                              \
        for (unsigned i = 0; i < bytes / sizeof(T); i++) {                               \
            a[i] >>= count;                                                              \
        }                                                                                \
    }                                                                                    \
    SIMD_MMX_SSE_FORMS(name)

/* clang-format off */
SHIFT_OP(psrlw, uint16_t, x >> count);
SHIFT_OP(psrld, uint32_t, x >> count);
SHIFT_OP(psrlq, uint64_t, x >> count);
SHIFT_OP(psllw, uint16_t, x << count);
SHIFT_OP(pslld, uint32_t, x << count);
SHIFT_OP(psllq, uint64_t, x << count);
SAR_OP(psraw, int16_t);
SAR_OP(psrad, int32_t);
/* clang-format on */

/* Whole-register byte shifts (XMM only): counts above 15 clear the register. */
static void simd_psrldq(XMMReg *dst, const XMMReg *src, unsigned bytes, unsigned imm)
{
    uint64_t count = src->q[0];
    XMMReg r = {0};

    if (count < 16) {
        memcpy(r.b, dst->b + count, 16 - count);
    }
    *dst = r;
}

static void simd_pslldq(XMMReg *dst, const XMMReg *src, unsigned bytes, unsigned imm)
{
    uint64_t count = src->q[0];
    XMMReg r = {0};

    if (count < 16) {
        memcpy(r.b + count, dst->b, 16 - count);
    }
    *dst = r;
}

/* Groups 12-14 (0F 71-73): op Nq/Ux, Ib shifts the r/m register by the immediate. */
static void simd_mmx_shift_imm(CPUX86State *env, const Insn *d, SimdOp *op)
{
    XMMReg dst = {0}, count = {.q = {(uint8_t)d->imm}};

    fpu_mmx_check(env);
    dst.q[0] = fpu_mmx_get(env, d->rm);
    op(&dst, &count, 8, 0);
    fpu_mmx_enter(env);
    fpu_mmx_set(env, d->rm, dst.q[0]);
}

static void simd_sse_shift_imm(CPUX86State *env, const Insn *d, SimdOp *op)
{
    XMMReg count = {.q = {(uint8_t)d->imm}};

    sse_check(env);
    op(&env->xmm[d->rm], &count, 16, 0);
}

#define SHIFT_IMM_FORMS(name)                                                            \
    static void op_##name##_Nq_Ib(CPUX86State *env, const Insn *d)                       \
    {                                                                                    \
        simd_mmx_shift_imm(env, d, simd_##name);                                         \
    }                                                                                    \
    static void op_##name##_Ux_Ib(CPUX86State *env, const Insn *d)                       \
    {                                                                                    \
        simd_sse_shift_imm(env, d, simd_##name);                                         \
    }                                                                                    \
    _Static_assert(1, "a use of SHIFT_IMM_FORMS takes a semicolon")

SHIFT_IMM_FORMS(psrlw);
SHIFT_IMM_FORMS(psraw);
SHIFT_IMM_FORMS(psllw);
SHIFT_IMM_FORMS(psrld);
SHIFT_IMM_FORMS(psrad);
SHIFT_IMM_FORMS(pslld);
SHIFT_IMM_FORMS(psrlq);
SHIFT_IMM_FORMS(psllq);

static void op_psrldq_Ux_Ib(CPUX86State *env, const Insn *d)
{
    simd_sse_shift_imm(env, d, simd_psrldq);
}

static void op_pslldq_Ux_Ib(CPUX86State *env, const Insn *d)
{
    simd_sse_shift_imm(env, d, simd_pslldq);
}

/* clang-format off */
#define SHIFT_IMM_ROWS(opcode, ext, name)                                                \
    {MAP_0F, opcode, ext, MOD_REG, ANY, MP_NONE, 0, op_##name##_Nq_Ib, #name},           \
    {MAP_0F, opcode, ext, MOD_REG, ANY, MP_66, 0, op_##name##_Ux_Ib, #name}
#define SSE_ROW(opcode, name, fn)                                                        \
    {MAP_0F, opcode, ANY, ANY, ANY, MP_66, 0, op_##fn##_Vx_Wx, name}
/* clang-format on */

static const InsnDef sse_int_insns[] = {
    SIMD_ROWS(MAP_0F, 0x64, pcmpgtb),
    SIMD_ROWS(MAP_0F, 0x65, pcmpgtw),
    SIMD_ROWS(MAP_0F, 0x66, pcmpgtd),
    SIMD_ROWS(MAP_0F, 0x74, pcmpeqb),
    SIMD_ROWS(MAP_0F, 0x75, pcmpeqw),
    SIMD_ROWS(MAP_0F, 0x76, pcmpeqd),
    SIMD_ROWS(MAP_0F, 0xd1, psrlw),
    SIMD_ROWS(MAP_0F, 0xd2, psrld),
    SIMD_ROWS(MAP_0F, 0xd3, psrlq),
    SIMD_ROWS(MAP_0F, 0xd4, paddq),
    SIMD_ROWS(MAP_0F, 0xd5, pmullw),
    SIMD_ROWS(MAP_0F, 0xd8, psubusb),
    SIMD_ROWS(MAP_0F, 0xd9, psubusw),
    SIMD_ROWS(MAP_0F, 0xda, pminub),
    SIMD_ROWS(MAP_0F, 0xdb, pand),
    SIMD_ROWS(MAP_0F, 0xdc, paddusb),
    SIMD_ROWS(MAP_0F, 0xdd, paddusw),
    SIMD_ROWS(MAP_0F, 0xde, pmaxub),
    SIMD_ROWS(MAP_0F, 0xdf, pandn),
    SIMD_ROWS(MAP_0F, 0xe0, pavgb),
    SIMD_ROWS(MAP_0F, 0xe1, psraw),
    SIMD_ROWS(MAP_0F, 0xe2, psrad),
    SIMD_ROWS(MAP_0F, 0xe3, pavgw),
    SIMD_ROWS(MAP_0F, 0xe4, pmulhuw),
    SIMD_ROWS(MAP_0F, 0xe5, pmulhw),
    SIMD_ROWS(MAP_0F, 0xe8, psubsb),
    SIMD_ROWS(MAP_0F, 0xe9, psubsw),
    SIMD_ROWS(MAP_0F, 0xea, pminsw),
    SIMD_ROWS(MAP_0F, 0xeb, por),
    SIMD_ROWS(MAP_0F, 0xec, paddsb),
    SIMD_ROWS(MAP_0F, 0xed, paddsw),
    SIMD_ROWS(MAP_0F, 0xee, pmaxsw),
    SIMD_ROWS(MAP_0F, 0xef, pxor),
    SIMD_ROWS(MAP_0F, 0xf1, psllw),
    SIMD_ROWS(MAP_0F, 0xf2, pslld),
    SIMD_ROWS(MAP_0F, 0xf3, psllq),
    SIMD_ROWS(MAP_0F, 0xf4, pmuludq),
    SIMD_ROWS(MAP_0F, 0xf5, pmaddwd),
    SIMD_ROWS(MAP_0F, 0xf6, psadbw),
    SIMD_ROWS(MAP_0F, 0xf8, psubb),
    SIMD_ROWS(MAP_0F, 0xf9, psubw),
    SIMD_ROWS(MAP_0F, 0xfa, psubd),
    SIMD_ROWS(MAP_0F, 0xfb, psubq),
    SIMD_ROWS(MAP_0F, 0xfc, paddb),
    SIMD_ROWS(MAP_0F, 0xfd, paddw),
    SIMD_ROWS(MAP_0F, 0xfe, paddd),
    SHIFT_IMM_ROWS(0x71, 2, psrlw),
    SHIFT_IMM_ROWS(0x71, 4, psraw),
    SHIFT_IMM_ROWS(0x71, 6, psllw),
    SHIFT_IMM_ROWS(0x72, 2, psrld),
    SHIFT_IMM_ROWS(0x72, 4, psrad),
    SHIFT_IMM_ROWS(0x72, 6, pslld),
    SHIFT_IMM_ROWS(0x73, 2, psrlq),
    SHIFT_IMM_ROWS(0x73, 6, psllq),
    {MAP_0F, 0x73, 3, MOD_REG, ANY, MP_66, 0, op_psrldq_Ux_Ib, "psrldq"},
    {MAP_0F, 0x73, 7, MOD_REG, ANY, MP_66, 0, op_pslldq_Ux_Ib, "pslldq"},
    /* SSE/SSE2 bitwise float forms */
    {MAP_0F, 0x54, ANY, ANY, ANY, MP_NONE, 0, op_pand_Vx_Wx, "andps"},
    {MAP_0F, 0x55, ANY, ANY, ANY, MP_NONE, 0, op_pandn_Vx_Wx, "andnps"},
    {MAP_0F, 0x56, ANY, ANY, ANY, MP_NONE, 0, op_por_Vx_Wx, "orps"},
    {MAP_0F, 0x57, ANY, ANY, ANY, MP_NONE, 0, op_pxor_Vx_Wx, "xorps"},
    SSE_ROW(0x54, "andpd", pand),
    SSE_ROW(0x55, "andnpd", pandn),
    SSE_ROW(0x56, "orpd", por),
    SSE_ROW(0x57, "xorpd", pxor),
};
INSN_TABLE(sse_int_insns)
