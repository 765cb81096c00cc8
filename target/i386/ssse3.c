/* SSSE3: 0F 38 00-0B, 1C-1E and 0F 3A 0F PALIGNR, MMX and XMM forms (SDM vol. 2). */
#include "target/i386/insn.h"
#include "target/i386/sse-common.h"

/* dst lane = expr of x (dst lane) and y (src lane), both of type T */
#define SSSE3_LANEWISE(name, T, expr)                                                    \
    static void simd_##name(XMMReg *dst, const XMMReg *src, unsigned bytes,              \
                            unsigned imm)                                                \
    {                                                                                    \
        T *a = (T *)dst->b;                                                              \
        const T *b = (const T *)src->b;                                                  \
        for (unsigned i = 0; i < bytes / sizeof(T); i++) {                               \
            T x = a[i], y = b[i];                                                        \
            (void)x; /* PABS* use only the source */                                     \
            a[i] = (expr);                                                               \
        }                                                                                \
    }                                                                                    \
    SIMD_MMX_SSE_FORMS(name)

/* The lanes are unsigned so that negating the most negative value wraps to itself. */
/* clang-format off */
SSSE3_LANEWISE(pabsb, uint8_t, (int8_t)y < 0 ? -y : y);
SSSE3_LANEWISE(pabsw, uint16_t, (int16_t)y < 0 ? -y : y);
SSSE3_LANEWISE(pabsd, uint32_t, (int32_t)y < 0 ? -y : y);
SSSE3_LANEWISE(psignb, uint8_t, (int8_t)y < 0 ? -x : y == 0 ? 0 : x);
SSSE3_LANEWISE(psignw, uint16_t, (int16_t)y < 0 ? -x : y == 0 ? 0 : x);
SSSE3_LANEWISE(psignd, uint32_t, (int32_t)y < 0 ? -x : y == 0 ? 0 : x);
/* round the 32-bit product to its bits 30:15 */
SSSE3_LANEWISE(pmulhrsw, int16_t, ((((int32_t)x * y) >> 14) + 1) >> 1);
/* clang-format on */

/* Each byte picks a dst byte by the low index bits of src, or 0 if bit 7 is set. */
static void simd_pshufb(XMMReg *dst, const XMMReg *src, unsigned bytes, unsigned imm)
{
    XMMReg r;

    for (unsigned i = 0; i < bytes; i++) {
        uint8_t sel = src->b[i];
        r.b[i] = (sel & 0x80) ? 0 : dst->b[sel & (bytes - 1)];
    }
    memcpy(dst->b, r.b, bytes);
}
SIMD_MMX_SSE_FORMS(pshufb);

/* Unsigned dst bytes times signed src bytes, adjacent products summed with saturation. */
static void simd_pmaddubsw(XMMReg *dst, const XMMReg *src, unsigned bytes, unsigned imm)
{
    const int8_t *b = (const int8_t *)src->b;

    for (unsigned i = 0; i < bytes / 2; i++) {
        int lo = dst->b[2 * i] * b[2 * i], hi = dst->b[2 * i + 1] * b[2 * i + 1];
        dst->w[i] = sat_s16(lo + hi);
    }
}
SIMD_MMX_SSE_FORMS(pmaddubsw);

/*
 * Horizontal operations: the low half of the result combines adjacent lanes of
 * dst, the high half adjacent lanes of src: r[i] = pair[2i] op pair[2i+1].
 */
#define HORIZONTAL_OP(name, T, expr)                                                     \
    static void simd_##name(XMMReg *dst, const XMMReg *src, unsigned bytes,              \
                            unsigned imm)                                                \
    {                                                                                    \
        const unsigned half = bytes / sizeof(T) / 2;                                     \
        T r[16 / sizeof(T)];                                                             \
        for (unsigned i = 0; i < bytes / sizeof(T); i++) {                               \
            const T *p = (const T *)(i < half ? dst->b : src->b) + 2 * (i % half);       \
            T x = p[0], y = p[1];                                                        \
            r[i] = (expr);                                                               \
        }                                                                                \
        memcpy(dst->b, r, bytes);                                                        \
    }                                                                                    \
    SIMD_MMX_SSE_FORMS(name)

/* clang-format off */
HORIZONTAL_OP(phaddw, uint16_t, x + y);
HORIZONTAL_OP(phaddd, uint32_t, x + y);
HORIZONTAL_OP(phaddsw, int16_t, sat_s16(x + y));
HORIZONTAL_OP(phsubw, uint16_t, x - y);
HORIZONTAL_OP(phsubd, uint32_t, x - y);
HORIZONTAL_OP(phsubsw, int16_t, sat_s16(x - y));
/* clang-format on */

/* dst:src as one 2*bytes value, shifted right by imm bytes; the low half remains. */
static void simd_palignr(XMMReg *dst, const XMMReg *src, unsigned bytes, unsigned imm)
{
    uint8_t both[48] = {0};

    memcpy(both, src->b, bytes);
    memcpy(both + bytes, dst->b, bytes);
    memcpy(dst->b, both + MIN(imm, 2 * bytes), bytes);
}
SIMD_MMX_SSE_FORMS(palignr);

/* clang-format off */
static const InsnDef ssse3_insns[] = {
    SIMD_ROWS(MAP_0F38, 0x00, pshufb),
    SIMD_ROWS(MAP_0F38, 0x01, phaddw),
    SIMD_ROWS(MAP_0F38, 0x02, phaddd),
    SIMD_ROWS(MAP_0F38, 0x03, phaddsw),
    SIMD_ROWS(MAP_0F38, 0x04, pmaddubsw),
    SIMD_ROWS(MAP_0F38, 0x05, phsubw),
    SIMD_ROWS(MAP_0F38, 0x06, phsubd),
    SIMD_ROWS(MAP_0F38, 0x07, phsubsw),
    SIMD_ROWS(MAP_0F38, 0x08, psignb),
    SIMD_ROWS(MAP_0F38, 0x09, psignw),
    SIMD_ROWS(MAP_0F38, 0x0a, psignd),
    SIMD_ROWS(MAP_0F38, 0x0b, pmulhrsw),
    SIMD_ROWS(MAP_0F38, 0x1c, pabsb),
    SIMD_ROWS(MAP_0F38, 0x1d, pabsw),
    SIMD_ROWS(MAP_0F38, 0x1e, pabsd),
    SIMD_ROWS(MAP_0F3A, 0x0f, palignr),
};
/* clang-format on */
INSN_TABLE(ssse3_insns)
