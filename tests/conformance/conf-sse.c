/* Conformance: SSE to SSE4.2 and MMX, floating point under every MXCSR rounding mode. */
#include <string.h>
#include "conf.h"

/*
 * A case loads MXCSR (rounding, DAZ/FTZ, masks; flags cleared), XMM0 = a and XMM1 = b,
 * runs `op xmm1, xmm0`, and prints XMM0, MXCSR (the sticky flags it raised) and, for
 * the instructions that write them, a general register or EFLAGS. An unmasked
 * exception arrives as SIGFPE (#XM) and is printed as such.
 */
typedef struct SseCase {
    uint8_t a[16], b[16];
    uint32_t mxcsr;
    uint64_t gpr, rflags;
} SseCase;

/* clang-format off */
#define SSE(name, insn)                                                                  \
    static void name(void *p)                                                            \
    {                                                                                    \
        SseCase *c = p;                                                                  \
        __asm__ volatile("ldmxcsr %[m]\n\tmovdqu %[a], %%xmm0\n\tmovdqu %[b], %%xmm1\n\t" \
                         "mov $0x5a5a, %%eax\n\t" insn "\n\tpushfq\n\tpopq %[fl]\n\t"     \
                         "movdqu %%xmm0, %[a]\n\tstmxcsr %[m]\n\tmov %%rax, %[g]"         \
                         : [a] "+m"(c->a), [m] "+m"(c->mxcsr), [g] "=m"(c->gpr),          \
                           [fl] "=r"(c->rflags)                                          \
                         : [b] "m"(c->b)                                                 \
                         : "xmm0", "xmm1", "rax", "rcx", "rdx", "cc", "memory");         \
    }
/* clang-format on */

/* Scalar and packed floating point */
SSE(s_addss, "addss %%xmm1, %%xmm0")
SSE(s_subss, "subss %%xmm1, %%xmm0")
SSE(s_mulss, "mulss %%xmm1, %%xmm0")
SSE(s_divss, "divss %%xmm1, %%xmm0") SSE(s_sqrtss, "sqrtss %%xmm1, %%xmm0")
    SSE(s_minss, "minss %%xmm1, %%xmm0") SSE(s_maxss, "maxss %%xmm1, %%xmm0")
        SSE(s_addsd, "addsd %%xmm1, %%xmm0") SSE(s_subsd, "subsd %%xmm1, %%xmm0")
            SSE(s_mulsd, "mulsd %%xmm1, %%xmm0") SSE(s_divsd, "divsd %%xmm1, %%xmm0") SSE(
                s_sqrtsd, "sqrtsd %%xmm1, %%xmm0") SSE(s_minsd, "minsd %%xmm1, %%xmm0")
                SSE(s_maxsd, "maxsd %%xmm1, %%xmm0") SSE(s_addps, "addps %%xmm1, %%xmm0")
                    SSE(s_mulpd, "mulpd %%xmm1, %%xmm0")
                        SSE(s_divps, "divps %%xmm1, %%xmm0")
                            SSE(s_addsubpd, "addsubpd %%xmm1, %%xmm0")
                                SSE(s_haddps, "haddps %%xmm1, %%xmm0")
                                    SSE(s_dpps, "dpps $0xff, %%xmm1, %%xmm0")
                                        SSE(s_dppd, "dppd $0x33, %%xmm1, %%xmm0")
                                            SSE(s_cmpps, "cmpps $1, %%xmm1, %%xmm0")
                                                SSE(s_cmpsd, "cmpsd $3, %%xmm1, %%xmm0")
    /* Conversions */
    SSE(s_cvtss2sd, "cvtss2sd %%xmm1, %%xmm0") SSE(s_cvtsd2ss, "cvtsd2ss %%xmm1, %%xmm0")
        SSE(s_cvtps2dq, "cvtps2dq %%xmm1, %%xmm0") SSE(s_cvttps2dq,
                                                       "cvttps2dq %%xmm1, %%xmm0")
            SSE(s_cvtdq2ps, "cvtdq2ps %%xmm1, %%xmm0") SSE(s_cvtpd2dq,
                                                           "cvtpd2dq %%xmm1, %%xmm0")
                SSE(s_cvtpd2ps, "cvtpd2ps %%xmm1, %%xmm0") SSE(s_cvtps2pd,
                                                               "cvtps2pd %%xmm1, %%xmm0")
                    SSE(s_cvtss2si,
                        "cvtss2si %%xmm1, %%rax") SSE(s_cvttss2si,
                                                      "cvttss2si %%xmm1, %%eax")
                        SSE(s_cvtsd2si,
                            "cvtsd2si %%xmm1, %%rax") SSE(s_cvttsd2si,
                                                          "cvttsd2si %%xmm1, %%rax")
                            SSE(s_cvtsi2ss,
                                "movq %%xmm1, %%rax\n\tcvtsi2ss %%rax, %%xmm0")
                                SSE(s_cvtsi2sd,
                                    "movq %%xmm1, %%rax\n\tcvtsi2sdl %%eax, %%xmm0")
                                    SSE(s_roundss, "roundss $4, %%xmm1, %%xmm0")
                                        SSE(s_roundsd1, "roundsd $1, %%xmm1, %%xmm0")
                                            SSE(s_roundps3, "roundps $11, %%xmm1, %%xmm0")
                                                SSE(s_ucomiss, "ucomiss %%xmm1, %%xmm0")
                                                    SSE(s_comisd, "comisd %%xmm1, %%xmm0")
                                                        SSE(s_rcpss,
                                                            "rcpss %%xmm1, %%xmm0")
                                                            SSE(s_rsqrtss,
                                                                "rsqrtss %%xmm1, %%xmm0")

                                                                typedef struct SseOp {
    const char *name;
    void (*fn)(void *);
    char kind; /* 's' single, 'd' double: how operands are drawn */
    bool gpr, flags;
} SseOp;

/* clang-format off */
static const SseOp fp_ops[] = {
    {"addss", s_addss, 's'},     {"subss", s_subss, 's'},       {"mulss", s_mulss, 's'},
    {"divss", s_divss, 's'},     {"sqrtss", s_sqrtss, 's'},     {"minss", s_minss, 's'},
    {"maxss", s_maxss, 's'},     {"addsd", s_addsd, 'd'},       {"subsd", s_subsd, 'd'},
    {"mulsd", s_mulsd, 'd'},     {"divsd", s_divsd, 'd'},       {"sqrtsd", s_sqrtsd, 'd'},
    {"minsd", s_minsd, 'd'},     {"maxsd", s_maxsd, 'd'},       {"addps", s_addps, 's'},
    {"mulpd", s_mulpd, 'd'},     {"divps", s_divps, 's'},       {"addsubpd", s_addsubpd, 'd'},
    {"haddps", s_haddps, 's'},   {"dpps", s_dpps, 's'},         {"dppd", s_dppd, 'd'},
    {"cmpltps", s_cmpps, 's'},   {"cmpunordsd", s_cmpsd, 'd'},
    {"cvtss2sd", s_cvtss2sd, 's'}, {"cvtsd2ss", s_cvtsd2ss, 'd'},
    {"cvtps2dq", s_cvtps2dq, 's'}, {"cvttps2dq", s_cvttps2dq, 's'},
    {"cvtdq2ps", s_cvtdq2ps, 'i'}, {"cvtpd2dq", s_cvtpd2dq, 'd'},
    {"cvtpd2ps", s_cvtpd2ps, 'd'}, {"cvtps2pd", s_cvtps2pd, 's'},
    {"cvtss2si", s_cvtss2si, 's', true}, {"cvttss2si", s_cvttss2si, 's', true},
    {"cvtsd2si", s_cvtsd2si, 'd', true}, {"cvttsd2si", s_cvttsd2si, 'd', true},
    {"cvtsi2ss", s_cvtsi2ss, 'i'}, {"cvtsi2sd", s_cvtsi2sd, 'i'},
    {"roundss", s_roundss, 's'}, {"roundsd", s_roundsd1, 'd'}, {"roundps", s_roundps3, 's'},
    {"ucomiss", s_ucomiss, 's', false, true}, {"comisd", s_comisd, 'd', false, true},
    {"rcpss", s_rcpss, 's'},     {"rsqrtss", s_rsqrtss, 's'},
};
/* clang-format on */

/* ------------------------------------------------------------------------------------
 * Operands
 */

/* clang-format off */
static const uint32_t f32_edges[] = {
    0x3f800000, 0xc0200000, 0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000,
    0x7f800001, 0x00000001, 0x807fffff, 0x00800000, 0x7f7fffff, 0x4f000000, 0xcf000001,
    0x3eaaaaab, 0x40490fdb, 0x3f000000, 0x4b7fffff,
};

static const uint64_t f64_edges[] = {
    0x3ff0000000000000, 0xc004000000000000, 0, 0x8000000000000000, 0x7ff0000000000000,
    0xfff0000000000000, 0x7ff8000000000000, 0x7ff0000000000001, 1, 0x800fffffffffffff,
    0x0010000000000000, 0x7fefffffffffffff, 0x43e0000000000000, 0xc1e0000000200000,
    0x3fd5555555555555, 0x400921fb54442d18, 0x3fe0000000000000, 0x380fffffffffffff,
};
/* clang-format on */

#define N_FP_CASES 18

static void put(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

/* Lane i of a and b: edges for the first cases, random values of similar size after. */
static void fill_lanes(SseCase *c, char kind, size_t k)
{
    unsigned w = kind == 'd' ? 8 : 4;

    for (unsigned lane = 0; lane < 16 / w; lane++) {
        size_t i = (k + lane * 5) % N_FP_CASES, j = (k * 7 + lane * 3 + 1) % N_FP_CASES;
        uint64_t a = kind == 'd' ? f64_edges[i] : f32_edges[i];
        uint64_t b = kind == 'd' ? f64_edges[j] : f32_edges[j];
        if (kind == 'i') {
            a = conf_rand() >> (conf_rand() % 32);
            b = (k & 1) ? (uint32_t) - (int32_t)(conf_rand() % 1000)
                        : conf_rand() >> (k % 40);
        }
        put(c->a + lane * w, a, w);
        put(c->b + lane * w, b, w);
    }
}

static void print_xmm(const char *label, const uint8_t *v)
{
    printf(" %s=", label);
    for (int i = 16; i-- > 0;) {
        printf("%02x", v[i]);
    }
}

static void run_sse(const SseOp *op, SseCase *c)
{
    uint32_t mxcsr_in = c->mxcsr;
    bool faulted;

    printf("%s mxcsr=%04x", op->name, mxcsr_in);
    print_xmm("a", c->a);
    print_xmm("b", c->b);
    faulted = conf_faults(op->fn, c);
    if (faulted) {
        printf(" -> #XM\n");
        return;
    }
    printf(" ->");
    print_xmm("r", c->a);
    printf(" mxcsr=%04x", c->mxcsr);
    if (op->gpr) {
        printf(" gpr=%llx", (unsigned long long)c->gpr);
    }
    if (op->flags) {
        printf(" fl=%03x", (unsigned)(c->rflags & F_ALL));
    }
    printf("\n");
}

/* Every rounding mode, with and without DAZ+FTZ; one pass with everything unmasked. */
static void fp_family(void)
{
    static const uint32_t modes[] = {0x1f80, 0x3f80, 0x5f80, 0x7f80, 0x9fc0,
                                     0xbfc0, 0xdfc0, 0xffc0, 0x0000};
    SseCase c;

    for (size_t op = 0; op < N_ELEMS(fp_ops); op++) {
        for (size_t m = 0; m < N_ELEMS(modes); m++) {
            for (size_t k = 0; k < (m < 4 ? N_FP_CASES : 6); k++) {
                c.mxcsr = modes[m];
                fill_lanes(&c, fp_ops[op].kind, k);
                run_sse(&fp_ops[op], &c);
            }
        }
    }
}

/* ------------------------------------------------------------------------------------
 * Integer SIMD, SSE4.2 strings and CRC32
 */

SSE(s_pmaddwd, "pmaddwd %%xmm1, %%xmm0")
SSE(s_psadbw, "psadbw %%xmm1, %%xmm0")
SSE(s_packsswb, "packsswb %%xmm1, %%xmm0")
SSE(s_packuswb, "packuswb %%xmm1, %%xmm0") SSE(s_packusdw, "packusdw %%xmm1, %%xmm0") SSE(
    s_pshufb,
    "pshufb %%xmm1, %%xmm0") SSE(s_pmulhrsw,
                                 "pmulhrsw %%xmm1, %%xmm0") SSE(s_phaddsw,
                                                                "phaddsw %%xmm1, %%xmm0")
    SSE(s_pmaddubsw, "pmaddubsw %%xmm1, %%xmm0") SSE(
        s_pmulhuw, "pmulhuw %%xmm1, %%xmm0") SSE(s_pavgb, "pavgb %%xmm1, %%xmm0")
        SSE(s_psraw, "psraw %%xmm1, %%xmm0") SSE(s_psrlq, "psrlq %%xmm1, %%xmm0") SSE(
            s_pslld, "pslld %%xmm1, %%xmm0") SSE(s_pcmpgtq, "pcmpgtq %%xmm1, %%xmm0")
            SSE(s_pminsd, "pminsd %%xmm1, %%xmm0") SSE(
                s_pmuldq, "pmuldq %%xmm1, %%xmm0") SSE(s_pmulld, "pmulld %%xmm1, %%xmm0")
                SSE(s_phminposuw, "phminposuw %%xmm1, %%xmm0") SSE(
                    s_pmovsxbw,
                    "pmovsxbw %%xmm1, %%xmm0") SSE(s_mpsadbw,
                                                   "mpsadbw $5, %%xmm1, %%xmm0")
                    SSE(s_pblendw, "pblendw $0xa5, %%xmm1, %%xmm0") SSE(
                        s_insertps,
                        "insertps $0x9c, %%xmm1, %%xmm0") SSE(s_psignw,
                                                              "psignw %%xmm1, %%xmm0")
                        SSE(s_palignr, "palignr $7, %%xmm1, %%xmm0") SSE(
                            s_ptest,
                            "ptest %%xmm1, %%xmm0") SSE(s_pextrq,
                                                        "pextrq $1, %%xmm1, %%rax")
                            SSE(s_pmovmskb, "pmovmskb %%xmm1, %%eax") SSE(
                                s_pcmpistri0c, "pcmpistri $0x0c, %%xmm1, "
                                               "%%xmm0\n\tmov %%ecx, %%eax")
                                SSE(s_pcmpistri44, "pcmpistri $0x44, %%xmm1, "
                                                   "%%xmm0\n\tmov %%ecx, %%eax")
                                    SSE(s_pcmpistrm40,
                                        "pcmpistrm $0x40, %%xmm1, %%xmm0\n\tmovdqa "
                                        "%%xmm0, %%xmm0") SSE(s_pcmpestri18,
                                                              "mov $7, %%eax\n\tmov $11, "
                                                              "%%edx\n\tpcmpestri $0x18, "
                                                              "%%xmm1, %%xmm0\n\t"
                                                              "mov %%ecx, %%eax")
                                        SSE(s_pcmpestrm04,
                                            "mov $-5, %%eax\n\tmov $16, "
                                            "%%edx\n\tpcmpestrm $0x04, %%xmm1, %%xmm0")
                                            SSE(s_crc32b,
                                                "movq %%xmm1, %%rcx\n\tmovq %%xmm0, "
                                                "%%rax\n\tcrc32b %%cl, %%eax")
                                                SSE(s_crc32q,
                                                    "movq %%xmm1, %%rcx\n\tmovq %%xmm0, "
                                                    "%%rax\n\tcrc32q %%rcx, %%rax")
                                                    SSE(s_mmx_pmulhw,
                                                        "movdq2q %%xmm0, "
                                                        "%%mm0\n\tmovdq2q %%xmm1, "
                                                        "%%mm1\n\tpmulhw %%mm1, %%mm0\n\t"
                                                        "movq2dq %%mm0, %%xmm0\n\temms")

    /* clang-format off */
static const SseOp int_ops[] = {
    {"pmaddwd", s_pmaddwd},   {"psadbw", s_psadbw},         {"packsswb", s_packsswb},
    {"packuswb", s_packuswb}, {"packusdw", s_packusdw},     {"pshufb", s_pshufb},
    {"pmulhrsw", s_pmulhrsw}, {"phaddsw", s_phaddsw},       {"pmaddubsw", s_pmaddubsw},
    {"pmulhuw", s_pmulhuw},   {"pavgb", s_pavgb},           {"psraw", s_psraw},
    {"psrlq", s_psrlq},       {"pslld", s_pslld},           {"pcmpgtq", s_pcmpgtq},
    {"pminsd", s_pminsd},     {"pmuldq", s_pmuldq},         {"pmulld", s_pmulld},
    {"phminposuw", s_phminposuw}, {"pmovsxbw", s_pmovsxbw}, {"mpsadbw", s_mpsadbw},
    {"pblendw", s_pblendw},   {"insertps", s_insertps},     {"psignw", s_psignw},
    {"palignr", s_palignr},   {"ptest", s_ptest, 0, false, true},
    {"pextrq", s_pextrq, 0, true}, {"pmovmskb", s_pmovmskb, 0, true},
    {"pcmpistri 0c", s_pcmpistri0c, 0, true, true},
    {"pcmpistri 44", s_pcmpistri44, 0, true, true},
    {"pcmpistrm 40", s_pcmpistrm40, 0, false, true},
    {"pcmpestri 18", s_pcmpestri18, 0, true, true},
    {"pcmpestrm 04", s_pcmpestrm04, 0, false, true},
    {"crc32b", s_crc32b, 0, true}, {"crc32q", s_crc32q, 0, true},
    {"pmulhw mm", s_mmx_pmulhw},
};
/* clang-format on */

/* Byte strings with short words, zero terminators and repeats for the string ops. */
static void fill_int(SseCase *c, size_t k)
{
    static const char *const words[] = {"hello", "world",           "he", "", "abcabcabc",
                                        "zz",    "Hello, World!!!!"};

    for (int i = 0; i < 16; i += 8) {
        put(c->a + i, conf_rand() >> (k % 3 * 8), 8);
        put(c->b + i, k % 4 == 1 ? 0x0080ffff7fff8000ull : conf_rand(), 8);
    }
    if (k % 3 == 2) {
        memset(c->a, 0, 16);
        memset(c->b, 0, 16);
        strncpy((char *)c->a, words[k % N_ELEMS(words)], 16);
        strncpy((char *)c->b, words[(k / 3) % N_ELEMS(words)], 16);
    }
}

static void int_family(void)
{
    SseCase c;

    for (size_t op = 0; op < N_ELEMS(int_ops); op++) {
        for (size_t k = 0; k < 12; k++) {
            c.mxcsr = 0x1f80;
            fill_int(&c, k);
            run_sse(&int_ops[op], &c);
        }
    }
}

void conf_sse_families(void)
{
    conf_seed(20);
    fp_family();
    conf_seed(21);
    int_family();
}
