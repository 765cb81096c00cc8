/* Templates for MMX and SSE to SSE4.2: packed and scalar, integer and floating point. */
#include "gen.h"

/* clang-format off */
#define END {0}
#define RAX RB(0)
#define RCX RB(1)
#define RDX RB(2)

/* Operand shapes: MMX P,Q; XMM V,W with a mandatory prefix; and their immediate forms. */
#define MM(nm, o) {nm, .map = MAP_0F, .op = o, .ext = -1, .reg = K_P, .rm = K_Q, .msize = 8, \
                   .rmfix = -1, .flags = T_WIG}
#define MMI(nm, o) {nm, .map = MAP_0F, .op = o, .ext = -1, .reg = K_P, .rm = K_Q,          \
                    .msize = 8, .imm = I_B, .rmfix = -1, .flags = T_WIG}
#define MM38(nm, o) {nm, .map = MAP_0F38, .op = o, .ext = -1, .reg = K_P, .rm = K_Q,       \
                     .msize = 8, .rmfix = -1, .flags = T_WIG}
#define VW(nm, p, o, size) {nm, .map = MAP_0F, .pfx = p, .op = o, .ext = -1, .reg = K_V,    \
                            .rm = K_W, .msize = size, .rmfix = -1, .flags = T_WIG}
/* Memory-only forms (the register encodings of these are #UD). */
#define VM(nm, p, o, size) {nm, .map = MAP_0F, .pfx = p, .op = o, .ext = -1, .reg = K_V,    \
                            .rm = K_M, .msize = size, .rmfix = -1, .flags = T_WIG}
#define VWI(nm, p, o, size) {nm, .map = MAP_0F, .pfx = p, .op = o, .ext = -1, .reg = K_V,   \
                             .rm = K_W, .msize = size, .imm = I_B, .rmfix = -1,            \
                             .flags = T_WIG}
#define V38(nm, o, size) {nm, .map = MAP_0F38, .pfx = 0x66, .op = o, .ext = -1, .reg = K_V, \
                          .rm = K_W, .msize = size, .rmfix = -1, .flags = T_WIG}
#define V3A(nm, o, size, im) {nm, .map = MAP_0F3A, .pfx = 0x66, .op = o, .ext = -1,         \
                              .reg = K_V, .rm = K_W, .msize = size, .imm = im, .rmfix = -1, \
                              .flags = T_WIG}
/* Shifts by an immediate: group 71/72/73 with a register operand only. */
#define MSHI(nm, o, d) {nm, .map = MAP_0F, .op = o, .ext = d, .rm = K_N, .imm = I_CNT,       \
                        .rmfix = -1, .flags = T_WIG}
#define XSHI(nm, o, d) {nm, .map = MAP_0F, .pfx = 0x66, .op = o, .ext = d, .rm = K_U,        \
                        .imm = I_CNT, .rmfix = -1, .flags = T_WIG}
/* Both the MMX form and the SSE2 66-prefixed form of an integer operation. */
#define INT2(nm, o) MM(nm " mm", o), VW(nm " xmm", 0x66, o, 16)
/* Packed single, scalar single, packed double, scalar double. */
#define FP4(nm, o)                                                                       \
    VW(nm "ps", 0, o, 16), VW(nm "ss", 0xf3, o, 4), VW(nm "pd", 0x66, o, 16),            \
    VW(nm "sd", 0xf2, o, 8)
/* clang-format on */

/* ------------------------------------------------------------------------------------
 * Setup hooks
 */

/*
 * LDMXCSR loads an MXCSR the generator chose: every rounding mode, DAZ, FTZ, and now
 * and then a reserved bit (#GP). Never bit 17 alone: AMD's misaligned-SSE mode, which
 * the host accepts and Reprise, not advertising it, rightly refuses.
 */
static void ldmxcsr_setup(GenState *gs, const Tmpl *t, Seq *seq)
{
    Rng *r = gs->rng;
    uint32_t masks = rng_chance(r, 60) ? 0x1f80 : (uint32_t)rng_below(r, 64) << 7;
    uint32_t v = masks | (uint32_t)rng_below(r, 4) << 13 |
                 (rng_chance(r, 30) ? 0x8040 : 0) |
                 (uint32_t)(rng_chance(r, 50) ? rng_below(r, 64) : 0);
    uint32_t reserved = 1u << (16 + rng_below(r, 16));

    if (rng_chance(r, 10) && reserved != 1u << 17) {
        v |= reserved;
    }
    emit_store_imm32(gs, seq, pick_scratch_addr(r, 64, 4) & ~3ull, v);
}

/* MASKMOVQ/MASKMOVDQU store to [RDI]. */
static void rdi_setup(GenState *gs, const Tmpl *t, Seq *seq)
{
    if (rng_chance(gs->rng, 90)) {
        emit_mov_imm32(gs, seq, 7, (uint32_t)pick_scratch_addr(gs->rng, 16, 16));
    }
}

/* ------------------------------------------------------------------------------------
 * MMX (and the SSE/SSE2 additions to it)
 */

/* clang-format off */
static const Tmpl mmx_tmpls[] = {
    {"punpcklbw mm", .map = MAP_0F, .op = 0x60, .ext = -1, .reg = K_P, .rm = K_Q, .msize = 4,
     .rmfix = -1},
    {"punpcklwd mm", .map = MAP_0F, .op = 0x61, .ext = -1, .reg = K_P, .rm = K_Q, .msize = 4,
     .rmfix = -1},
    {"punpckldq mm", .map = MAP_0F, .op = 0x62, .ext = -1, .reg = K_P, .rm = K_Q, .msize = 4,
     .rmfix = -1},
    MM("packsswb", 0x63), MM("pcmpgtb", 0x64), MM("pcmpgtw", 0x65), MM("pcmpgtd", 0x66),
    MM("packuswb", 0x67), MM("punpckhbw", 0x68), MM("punpckhwd", 0x69),
    MM("punpckhdq", 0x6a), MM("packssdw", 0x6b), MM("movq P,Q", 0x6f),
    {"movd/movq P,Ey", .map = MAP_0F, .op = 0x6e, .ext = -1, .reg = K_P, .rm = K_E,
     .sizes = SZ_DQ, .rmfix = -1, .flags = T_RO},
    {"movd/movq Ey,P", .map = MAP_0F, .op = 0x7e, .ext = -1, .reg = K_P, .rm = K_E,
     .sizes = SZ_DQ, .rmfix = -1},
    {"movq Q,P", .map = MAP_0F, .op = 0x7f, .ext = -1, .reg = K_P, .rm = K_Q, .msize = 8,
     .rmfix = -1},
    MMI("pshufw", 0x70),
    MSHI("psrlw mm,Ib", 0x71, 2), MSHI("psraw mm,Ib", 0x71, 4), MSHI("psllw mm,Ib", 0x71, 6),
    MSHI("psrld mm,Ib", 0x72, 2), MSHI("psrad mm,Ib", 0x72, 4), MSHI("pslld mm,Ib", 0x72, 6),
    MSHI("psrlq mm,Ib", 0x73, 2), MSHI("psllq mm,Ib", 0x73, 6),
    MM("pcmpeqb", 0x74), MM("pcmpeqw", 0x75), MM("pcmpeqd", 0x76),
    {"emms", .map = MAP_0F, .op = 0x77, .ext = NO_MODRM, .rmfix = -1},
    {"pinsrw P,Ed/m16,Ib", .map = MAP_0F, .op = 0xc4, .ext = -1, .reg = K_P, .rm = K_E,
     .sizes = SZ_D, .msize = 2, .imm = I_B, .rmfix = -1, .flags = T_RO | T_WIG},
    {"pextrw Gd,N,Ib", .map = MAP_0F, .op = 0xc5, .ext = -1, .reg = K_G, .rm = K_N,
     .sizes = SZ_D, .imm = I_B, .rmfix = -1, .flags = T_WIG},
    {"pmovmskb Gd,N", .map = MAP_0F, .op = 0xd7, .ext = -1, .reg = K_G, .rm = K_N,
     .sizes = SZ_D, .rmfix = -1, .flags = T_WIG},
    MM("psrlw", 0xd1), MM("psrld", 0xd2), MM("psrlq", 0xd3), MM("paddq", 0xd4),
    MM("pmullw", 0xd5), MM("psubusb", 0xd8), MM("psubusw", 0xd9), MM("pminub", 0xda),
    MM("pand", 0xdb), MM("paddusb", 0xdc), MM("paddusw", 0xdd), MM("pmaxub", 0xde),
    MM("pandn", 0xdf), MM("pavgb", 0xe0), MM("psraw", 0xe1), MM("psrad", 0xe2),
    MM("pavgw", 0xe3), MM("pmulhuw", 0xe4), MM("pmulhw", 0xe5), MM("psubsb", 0xe8),
    MM("psubsw", 0xe9), MM("pminsw", 0xea), MM("por", 0xeb), MM("paddsb", 0xec),
    MM("paddsw", 0xed), MM("pmaxsw", 0xee), MM("pxor", 0xef), MM("psllw", 0xf1),
    MM("pslld", 0xf2), MM("psllq", 0xf3), MM("pmuludq", 0xf4), MM("pmaddwd", 0xf5),
    MM("psadbw", 0xf6), MM("psubb", 0xf8), MM("psubw", 0xf9), MM("psubd", 0xfa),
    MM("psubq", 0xfb), MM("paddb", 0xfc), MM("paddw", 0xfd), MM("paddd", 0xfe),
    {"movntq M,P", .map = MAP_0F, .op = 0xe7, .ext = -1, .reg = K_P, .rm = K_M, .msize = 8,
     .rmfix = -1},
    {"maskmovq P,N", .map = MAP_0F, .op = 0xf7, .ext = -1, .reg = K_P, .rm = K_N,
     .rmfix = -1, .flags = T_RO, .pre = rdi_setup},
    {"movdq2q P,U", .map = MAP_0F, .pfx = 0xf2, .op = 0xd6, .ext = -1, .reg = K_P,
     .rm = K_U, .rmfix = -1},
    {"movq2dq V,N", .map = MAP_0F, .pfx = 0xf3, .op = 0xd6, .ext = -1, .reg = K_V,
     .rm = K_N, .rmfix = -1},
    END,
};
/* clang-format on */

/* ------------------------------------------------------------------------------------
 * SSE: packed and scalar single precision, MXCSR
 */

/* clang-format off */
static const Tmpl sse_tmpls[] = {
    VW("movups V,W", 0, 0x10, 16), VW("movups W,V", 0, 0x11, 16),
    VW("movss V,W", 0xf3, 0x10, 4), VW("movss W,V", 0xf3, 0x11, 4),
    VW("movlps V,M / movhlps V,U", 0, 0x12, 8), VM("movlps M,V", 0, 0x13, 8),
    VW("unpcklps", 0, 0x14, 16), VW("unpckhps", 0, 0x15, 16),
    VW("movhps V,M / movlhps V,U", 0, 0x16, 8), VM("movhps M,V", 0, 0x17, 8),
    VW("movaps V,W", 0, 0x28, 16), VW("movaps W,V", 0, 0x29, 16),
    {"cvtpi2ps V,Q", .map = MAP_0F, .op = 0x2a, .ext = -1, .reg = K_V, .rm = K_Q,
     .msize = 8, .rmfix = -1},
    {"cvtsi2ss V,Ey", .map = MAP_0F, .pfx = 0xf3, .op = 0x2a, .ext = -1, .reg = K_V,
     .rm = K_E, .sizes = SZ_DQ, .rmfix = -1, .flags = T_RO},
    {"movntps M,V", .map = MAP_0F, .op = 0x2b, .ext = -1, .reg = K_V, .rm = K_M,
     .msize = 16, .rmfix = -1},
    {"cvttps2pi P,W", .map = MAP_0F, .op = 0x2c, .ext = -1, .reg = K_P, .rm = K_W,
     .msize = 8, .rmfix = -1},
    {"cvtps2pi P,W", .map = MAP_0F, .op = 0x2d, .ext = -1, .reg = K_P, .rm = K_W,
     .msize = 8, .rmfix = -1},
    {"cvttss2si Gy,W", .map = MAP_0F, .pfx = 0xf3, .op = 0x2c, .ext = -1, .reg = K_G,
     .rm = K_W, .sizes = SZ_DQ, .msize = 4, .rmfix = -1},
    {"cvtss2si Gy,W", .map = MAP_0F, .pfx = 0xf3, .op = 0x2d, .ext = -1, .reg = K_G,
     .rm = K_W, .sizes = SZ_DQ, .msize = 4, .rmfix = -1},
    VW("ucomiss", 0, 0x2e, 4), VW("comiss", 0, 0x2f, 4),
    {"movmskps Gd,U", .map = MAP_0F, .op = 0x50, .ext = -1, .reg = K_G, .rm = K_U,
     .sizes = SZ_D, .rmfix = -1, .flags = T_WIG},
    VW("sqrtps", 0, 0x51, 16), VW("sqrtss", 0xf3, 0x51, 4),
    VW("rsqrtps", 0, 0x52, 16), VW("rsqrtss", 0xf3, 0x52, 4),
    VW("rcpps", 0, 0x53, 16), VW("rcpss", 0xf3, 0x53, 4),
    VW("andps", 0, 0x54, 16), VW("andnps", 0, 0x55, 16), VW("orps", 0, 0x56, 16),
    VW("xorps", 0, 0x57, 16),
    VW("addps", 0, 0x58, 16), VW("addss", 0xf3, 0x58, 4),
    VW("mulps", 0, 0x59, 16), VW("mulss", 0xf3, 0x59, 4),
    VW("subps", 0, 0x5c, 16), VW("subss", 0xf3, 0x5c, 4),
    VW("minps", 0, 0x5d, 16), VW("minss", 0xf3, 0x5d, 4),
    VW("divps", 0, 0x5e, 16), VW("divss", 0xf3, 0x5e, 4),
    VW("maxps", 0, 0x5f, 16), VW("maxss", 0xf3, 0x5f, 4),
    VWI("cmpps", 0, 0xc2, 16), VWI("cmpss", 0xf3, 0xc2, 4), VWI("shufps", 0, 0xc6, 16),
    {"ldmxcsr", .map = MAP_0F, .op = 0xae, .ext = 2, .rm = K_M, .msize = 4, .rmfix = -1,
     .pre = ldmxcsr_setup},
    {"stmxcsr", .map = MAP_0F, .op = 0xae, .ext = 3, .rm = K_M, .msize = 4, .rmfix = -1},
    END,
};
/* clang-format on */

/* ------------------------------------------------------------------------------------
 * SSE2: double precision, conversions, 128-bit integers
 */

/* clang-format off */
static const Tmpl sse2_fp_tmpls[] = {
    VW("movupd V,W", 0x66, 0x10, 16), VW("movupd W,V", 0x66, 0x11, 16),
    VW("movsd V,W", 0xf2, 0x10, 8), VW("movsd W,V", 0xf2, 0x11, 8),
    VM("movlpd V,M", 0x66, 0x12, 8), VM("movlpd M,V", 0x66, 0x13, 8),
    VW("unpcklpd", 0x66, 0x14, 16), VW("unpckhpd", 0x66, 0x15, 16),
    VM("movhpd V,M", 0x66, 0x16, 8), VM("movhpd M,V", 0x66, 0x17, 8),
    VW("movapd V,W", 0x66, 0x28, 16), VW("movapd W,V", 0x66, 0x29, 16),
    {"cvtpi2pd V,Q", .map = MAP_0F, .pfx = 0x66, .op = 0x2a, .ext = -1, .reg = K_V,
     .rm = K_Q, .msize = 8, .rmfix = -1},
    {"cvtsi2sd V,Ey", .map = MAP_0F, .pfx = 0xf2, .op = 0x2a, .ext = -1, .reg = K_V,
     .rm = K_E, .sizes = SZ_DQ, .rmfix = -1, .flags = T_RO},
    {"cvttpd2pi P,W", .map = MAP_0F, .pfx = 0x66, .op = 0x2c, .ext = -1, .reg = K_P,
     .rm = K_W, .msize = 16, .rmfix = -1},
    {"cvtpd2pi P,W", .map = MAP_0F, .pfx = 0x66, .op = 0x2d, .ext = -1, .reg = K_P,
     .rm = K_W, .msize = 16, .rmfix = -1},
    {"cvttsd2si Gy,W", .map = MAP_0F, .pfx = 0xf2, .op = 0x2c, .ext = -1, .reg = K_G,
     .rm = K_W, .sizes = SZ_DQ, .msize = 8, .rmfix = -1},
    {"cvtsd2si Gy,W", .map = MAP_0F, .pfx = 0xf2, .op = 0x2d, .ext = -1, .reg = K_G,
     .rm = K_W, .sizes = SZ_DQ, .msize = 8, .rmfix = -1},
    VW("ucomisd", 0x66, 0x2e, 8), VW("comisd", 0x66, 0x2f, 8),
    {"movmskpd Gd,U", .map = MAP_0F, .pfx = 0x66, .op = 0x50, .ext = -1, .reg = K_G,
     .rm = K_U, .sizes = SZ_D, .rmfix = -1, .flags = T_WIG},
    VW("sqrtpd", 0x66, 0x51, 16), VW("sqrtsd", 0xf2, 0x51, 8),
    VW("andpd", 0x66, 0x54, 16), VW("andnpd", 0x66, 0x55, 16), VW("orpd", 0x66, 0x56, 16),
    VW("xorpd", 0x66, 0x57, 16),
    VW("addpd", 0x66, 0x58, 16), VW("addsd", 0xf2, 0x58, 8),
    VW("mulpd", 0x66, 0x59, 16), VW("mulsd", 0xf2, 0x59, 8),
    VW("cvtps2pd", 0, 0x5a, 8), VW("cvtpd2ps", 0x66, 0x5a, 16),
    VW("cvtss2sd", 0xf3, 0x5a, 4), VW("cvtsd2ss", 0xf2, 0x5a, 8),
    VW("cvtdq2ps", 0, 0x5b, 16), VW("cvtps2dq", 0x66, 0x5b, 16),
    VW("cvttps2dq", 0xf3, 0x5b, 16),
    VW("subpd", 0x66, 0x5c, 16), VW("subsd", 0xf2, 0x5c, 8),
    VW("minpd", 0x66, 0x5d, 16), VW("minsd", 0xf2, 0x5d, 8),
    VW("divpd", 0x66, 0x5e, 16), VW("divsd", 0xf2, 0x5e, 8),
    VW("maxpd", 0x66, 0x5f, 16), VW("maxsd", 0xf2, 0x5f, 8),
    VWI("cmppd", 0x66, 0xc2, 16), VWI("cmpsd", 0xf2, 0xc2, 8), VWI("shufpd", 0x66, 0xc6, 16),
    VW("cvttpd2dq", 0x66, 0xe6, 16), VW("cvtdq2pd", 0xf3, 0xe6, 8),
    VW("cvtpd2dq", 0xf2, 0xe6, 16),
    {"movntpd M,V", .map = MAP_0F, .pfx = 0x66, .op = 0x2b, .ext = -1, .reg = K_V,
     .rm = K_M, .msize = 16, .rmfix = -1},
    END,
};

static const Tmpl sse2_int_tmpls[] = {
    VW("punpcklbw xmm", 0x66, 0x60, 16), VW("punpcklwd xmm", 0x66, 0x61, 16),
    VW("punpckldq xmm", 0x66, 0x62, 16), VW("packsswb xmm", 0x66, 0x63, 16),
    VW("pcmpgtb xmm", 0x66, 0x64, 16), VW("pcmpgtw xmm", 0x66, 0x65, 16),
    VW("pcmpgtd xmm", 0x66, 0x66, 16), VW("packuswb xmm", 0x66, 0x67, 16),
    VW("punpckhbw xmm", 0x66, 0x68, 16), VW("punpckhwd xmm", 0x66, 0x69, 16),
    VW("punpckhdq xmm", 0x66, 0x6a, 16), VW("packssdw xmm", 0x66, 0x6b, 16),
    VW("punpcklqdq", 0x66, 0x6c, 16), VW("punpckhqdq", 0x66, 0x6d, 16),
    {"movd/movq V,Ey", .map = MAP_0F, .pfx = 0x66, .op = 0x6e, .ext = -1, .reg = K_V,
     .rm = K_E, .sizes = SZ_DQ, .rmfix = -1, .flags = T_RO},
    {"movd/movq Ey,V", .map = MAP_0F, .pfx = 0x66, .op = 0x7e, .ext = -1, .reg = K_V,
     .rm = K_E, .sizes = SZ_DQ, .rmfix = -1},
    VW("movdqa V,W", 0x66, 0x6f, 16), VW("movdqu V,W", 0xf3, 0x6f, 16),
    VW("movdqa W,V", 0x66, 0x7f, 16), VW("movdqu W,V", 0xf3, 0x7f, 16),
    VW("movq V,W (F3 7E)", 0xf3, 0x7e, 8), VW("movq W,V (66 D6)", 0x66, 0xd6, 8),
    VWI("pshufd", 0x66, 0x70, 16), VWI("pshufhw", 0xf3, 0x70, 16),
    VWI("pshuflw", 0xf2, 0x70, 16),
    XSHI("psrlw xmm,Ib", 0x71, 2), XSHI("psraw xmm,Ib", 0x71, 4),
    XSHI("psllw xmm,Ib", 0x71, 6), XSHI("psrld xmm,Ib", 0x72, 2),
    XSHI("psrad xmm,Ib", 0x72, 4), XSHI("pslld xmm,Ib", 0x72, 6),
    XSHI("psrlq xmm,Ib", 0x73, 2), XSHI("psrldq", 0x73, 3), XSHI("psllq xmm,Ib", 0x73, 6),
    XSHI("pslldq", 0x73, 7),
    VW("pcmpeqb xmm", 0x66, 0x74, 16), VW("pcmpeqw xmm", 0x66, 0x75, 16),
    VW("pcmpeqd xmm", 0x66, 0x76, 16),
    {"pinsrw V,Ed/m16,Ib", .map = MAP_0F, .pfx = 0x66, .op = 0xc4, .ext = -1, .reg = K_V,
     .rm = K_E, .sizes = SZ_D, .msize = 2, .imm = I_B, .rmfix = -1, .flags = T_RO | T_WIG},
    {"pextrw Gd,U,Ib", .map = MAP_0F, .pfx = 0x66, .op = 0xc5, .ext = -1, .reg = K_G,
     .rm = K_U, .sizes = SZ_D, .imm = I_B, .rmfix = -1, .flags = T_WIG},
    {"pmovmskb Gd,U", .map = MAP_0F, .pfx = 0x66, .op = 0xd7, .ext = -1, .reg = K_G,
     .rm = K_U, .sizes = SZ_D, .rmfix = -1, .flags = T_WIG},
    VW("psrlw xmm", 0x66, 0xd1, 16), VW("psrld xmm", 0x66, 0xd2, 16),
    VW("psrlq xmm", 0x66, 0xd3, 16), VW("paddq xmm", 0x66, 0xd4, 16),
    VW("pmullw xmm", 0x66, 0xd5, 16), VW("psubusb xmm", 0x66, 0xd8, 16),
    VW("psubusw xmm", 0x66, 0xd9, 16), VW("pminub xmm", 0x66, 0xda, 16),
    VW("pand xmm", 0x66, 0xdb, 16), VW("paddusb xmm", 0x66, 0xdc, 16),
    VW("paddusw xmm", 0x66, 0xdd, 16), VW("pmaxub xmm", 0x66, 0xde, 16),
    VW("pandn xmm", 0x66, 0xdf, 16), VW("pavgb xmm", 0x66, 0xe0, 16),
    VW("psraw xmm", 0x66, 0xe1, 16), VW("psrad xmm", 0x66, 0xe2, 16),
    VW("pavgw xmm", 0x66, 0xe3, 16), VW("pmulhuw xmm", 0x66, 0xe4, 16),
    VW("pmulhw xmm", 0x66, 0xe5, 16), VW("psubsb xmm", 0x66, 0xe8, 16),
    VW("psubsw xmm", 0x66, 0xe9, 16), VW("pminsw xmm", 0x66, 0xea, 16),
    VW("por xmm", 0x66, 0xeb, 16), VW("paddsb xmm", 0x66, 0xec, 16),
    VW("paddsw xmm", 0x66, 0xed, 16), VW("pmaxsw xmm", 0x66, 0xee, 16),
    VW("pxor xmm", 0x66, 0xef, 16), VW("psllw xmm", 0x66, 0xf1, 16),
    VW("pslld xmm", 0x66, 0xf2, 16), VW("psllq xmm", 0x66, 0xf3, 16),
    VW("pmuludq xmm", 0x66, 0xf4, 16), VW("pmaddwd xmm", 0x66, 0xf5, 16),
    VW("psadbw xmm", 0x66, 0xf6, 16), VW("psubb xmm", 0x66, 0xf8, 16),
    VW("psubw xmm", 0x66, 0xf9, 16), VW("psubd xmm", 0x66, 0xfa, 16),
    VW("psubq xmm", 0x66, 0xfb, 16), VW("paddb xmm", 0x66, 0xfc, 16),
    VW("paddw xmm", 0x66, 0xfd, 16), VW("paddd xmm", 0x66, 0xfe, 16),
    {"movntdq M,V", .map = MAP_0F, .pfx = 0x66, .op = 0xe7, .ext = -1, .reg = K_V,
     .rm = K_M, .msize = 16, .rmfix = -1},
    {"maskmovdqu V,U", .map = MAP_0F, .pfx = 0x66, .op = 0xf7, .ext = -1, .reg = K_V,
     .rm = K_U, .rmfix = -1, .pre = rdi_setup},
    END,
};
/* clang-format on */

/* ------------------------------------------------------------------------------------
 * SSE3, SSSE3
 */

/* clang-format off */
static const Tmpl sse3_tmpls[] = {
    VW("addsubps", 0xf2, 0xd0, 16), VW("addsubpd", 0x66, 0xd0, 16),
    VW("haddps", 0xf2, 0x7c, 16), VW("haddpd", 0x66, 0x7c, 16),
    VW("hsubps", 0xf2, 0x7d, 16), VW("hsubpd", 0x66, 0x7d, 16),
    VW("movsldup", 0xf3, 0x12, 16), VW("movshdup", 0xf3, 0x16, 16),
    VW("movddup", 0xf2, 0x12, 8),
    {"lddqu V,M", .map = MAP_0F, .pfx = 0xf2, .op = 0xf0, .ext = -1, .reg = K_V, .rm = K_M,
     .msize = 16, .rmfix = -1},
    {"fisttp m16int", .op = 0xdf, .ext = 1, .rm = K_M, .msize = 2, .rmfix = -1},
    {"fisttp m32int", .op = 0xdb, .ext = 1, .rm = K_M, .msize = 4, .rmfix = -1},
    {"fisttp m64int", .op = 0xdd, .ext = 1, .rm = K_M, .msize = 8, .rmfix = -1},
    END,
};
/* clang-format on */

#define SSSE3(nm, o) MM38(nm " mm", o), V38(nm " xmm", o, 16)

/* clang-format off */
static const Tmpl ssse3_tmpls[] = {
    SSSE3("pshufb", 0x00), SSSE3("phaddw", 0x01), SSSE3("phaddd", 0x02),
    SSSE3("phaddsw", 0x03), SSSE3("pmaddubsw", 0x04), SSSE3("phsubw", 0x05),
    SSSE3("phsubd", 0x06), SSSE3("phsubsw", 0x07), SSSE3("psignb", 0x08),
    SSSE3("psignw", 0x09), SSSE3("psignd", 0x0a), SSSE3("pmulhrsw", 0x0b),
    SSSE3("pabsb", 0x1c), SSSE3("pabsw", 0x1d), SSSE3("pabsd", 0x1e),
    {"palignr mm", .map = MAP_0F3A, .op = 0x0f, .ext = -1, .reg = K_P, .rm = K_Q,
     .msize = 8, .imm = I_B, .rmfix = -1, .flags = T_WIG},
    V3A("palignr xmm", 0x0f, 16, I_B),
    END,
};
/* clang-format on */

/* ------------------------------------------------------------------------------------
 * SSE4.1, SSE4.2
 */

/* An extract to a general register or memory of `size` bytes; W selects 64 bits. */
/* clang-format off */
#define EXTR(nm, o, size, sz) {nm, .map = MAP_0F3A, .pfx = 0x66, .op = o, .ext = -1,        \
                               .reg = K_V, .rm = K_E, .sizes = sz, .msize = size,          \
                               .imm = I_B, .rmfix = -1}
#define INSR(nm, o, size, sz) {nm, .map = MAP_0F3A, .pfx = 0x66, .op = o, .ext = -1,        \
                               .reg = K_V, .rm = K_E, .sizes = sz, .msize = size,          \
                               .imm = I_B, .rmfix = -1, .flags = T_RO}

static const Tmpl sse41_tmpls[] = {
    V38("pblendvb", 0x10, 16), V38("blendvps", 0x14, 16), V38("blendvpd", 0x15, 16),
    V38("ptest", 0x17, 16),
    V38("pmovsxbw", 0x20, 8), V38("pmovsxbd", 0x21, 4), V38("pmovsxbq", 0x22, 2),
    V38("pmovsxwd", 0x23, 8), V38("pmovsxwq", 0x24, 4), V38("pmovsxdq", 0x25, 8),
    V38("pmuldq", 0x28, 16), V38("pcmpeqq", 0x29, 16), V38("packusdw", 0x2b, 16),
    {"movntdqa V,M", .map = MAP_0F38, .pfx = 0x66, .op = 0x2a, .ext = -1, .reg = K_V,
     .rm = K_M, .msize = 16, .rmfix = -1},
    V38("pmovzxbw", 0x30, 8), V38("pmovzxbd", 0x31, 4), V38("pmovzxbq", 0x32, 2),
    V38("pmovzxwd", 0x33, 8), V38("pmovzxwq", 0x34, 4), V38("pmovzxdq", 0x35, 8),
    V38("pminsb", 0x38, 16), V38("pminsd", 0x39, 16), V38("pminuw", 0x3a, 16),
    V38("pminud", 0x3b, 16), V38("pmaxsb", 0x3c, 16), V38("pmaxsd", 0x3d, 16),
    V38("pmaxuw", 0x3e, 16), V38("pmaxud", 0x3f, 16), V38("pmulld", 0x40, 16),
    V38("phminposuw", 0x41, 16),
    V3A("roundps", 0x08, 16, I_ROUND), V3A("roundpd", 0x09, 16, I_ROUND),
    V3A("roundss", 0x0a, 4, I_ROUND), V3A("roundsd", 0x0b, 8, I_ROUND),
    V3A("blendps", 0x0c, 16, I_B), V3A("blendpd", 0x0d, 16, I_B),
    V3A("pblendw", 0x0e, 16, I_B),
    EXTR("pextrb Ed/m8", 0x14, 1, SZ_D), EXTR("pextrw Ed/m16", 0x15, 2, SZ_D),
    EXTR("pextrd Ed", 0x16, 4, SZ_D), EXTR("pextrq Eq", 0x16, 8, SZ_Q),
    EXTR("extractps Ed/m32", 0x17, 4, SZ_D),
    INSR("pinsrb V,Ed/m8", 0x20, 1, SZ_D), V3A("insertps", 0x21, 4, I_B),
    INSR("pinsrd V,Ed", 0x22, 4, SZ_D), INSR("pinsrq V,Eq", 0x22, 8, SZ_Q),
    V3A("dpps", 0x40, 16, I_B), V3A("dppd", 0x41, 16, I_B), V3A("mpsadbw", 0x42, 16, I_B),
    END,
};

#define PCMPSTR(nm, o, impl) {nm, .map = MAP_0F3A, .pfx = 0x66, .op = o, .ext = -1,          \
                              .reg = K_V, .rm = K_W, .msize = 16, .imm = I_B, .rmfix = -1,  \
                              .flags = T_WIG, .implicit = impl}

static const Tmpl sse42_tmpls[] = {
    PCMPSTR("pcmpestrm", 0x60, 0), PCMPSTR("pcmpestri", 0x61, RCX),
    PCMPSTR("pcmpistrm", 0x62, 0), PCMPSTR("pcmpistri", 0x63, RCX),
    V38("pcmpgtq", 0x37, 16),
    {"crc32 Gy,Eb", .map = MAP_0F38, .pfx = 0xf2, .op = 0xf0, .ext = -1, .reg = K_G,
     .rm = K_E, .sizes = SZ_DQ, .rmfix = -1, .flags = T_RMB},
    {"crc32 Gy,Ev", .map = MAP_0F38, .pfx = 0xf2, .op = 0xf1, .ext = -1, .reg = K_G,
     .rm = K_E, .sizes = SZ_V, .rmfix = -1},
    {"popcnt Gv,Ev", .map = MAP_0F, .pfx = 0xf3, .op = 0xb8, .ext = -1, .reg = K_G,
     .rm = K_E, .sizes = SZ_V, .rmfix = -1},
    END,
};

const Family fam_mmx = {"mmx", {mmx_tmpls}, 10};
const Family fam_sse = {"sse", {sse_tmpls}, 10};
const Family fam_sse2 = {"sse2", {sse2_fp_tmpls, sse2_int_tmpls}, 10};
const Family fam_sse3 = {"sse3", {sse3_tmpls, sse_tmpls}, 10};
const Family fam_ssse3 = {"ssse3", {ssse3_tmpls}, 10};
const Family fam_sse41 = {"sse41", {sse41_tmpls}, 10};
const Family fam_sse42 = {"sse42", {sse42_tmpls}, 10};
/* clang-format on */
