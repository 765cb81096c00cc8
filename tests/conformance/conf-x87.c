/* Conformance: the x87 FPU under every precision and rounding control. */
#include <string.h>
#include "conf.h"

/*
 * Each case starts from FNINIT, loads the control word and two 80-bit operands (ST0 =
 * a, ST1 = b), runs one instruction, stores the status word (FNSTSW does not wait)
 * and then the result with FSTP m80, which does wait: an unmasked exception the
 * instruction left pending is raised there, as #MF (SIGFPE), and printed as such.
 */
typedef struct X87Case {
    uint8_t a[10], b[10], r[10];
    uint8_t m[10]; /* what a conversion stored */
    uint16_t cw, sw;
    uint64_t rflags;
} X87Case;

/* The condition codes the SDM defines for arithmetic: C1 only (C0, C2, C3 undefined). */
/* clang-format off */
#define SW_ARITH 0xbaff
#define SW_ALL   0xffff

#define X87(name, insn)                                                                  \
    static void name(void *p)                                                            \
    {                                                                                    \
        X87Case *c = p;                                                                  \
        __asm__ volatile("fninit\n\tfldcw %[cw]\n\tfldt %[b]\n\tfldt %[a]\n\t" insn      \
                         "\n\tfnstsw %[sw]\n\tpushfq\n\tpopq %[fl]\n\tfstpt %[r]\n\tfninit" \
                         : [r] "=m"(c->r), [m] "=m"(c->m), [sw] "=m"(c->sw),              \
                           [fl] "=r"(c->rflags)                                          \
                         : [a] "m"(c->a), [b] "m"(c->b), [cw] "m"(c->cw)                 \
                         : "memory", "cc");                                              \
    }
/* clang-format on */

X87(x_fadd, "fadd %%st(1), %%st")
X87(x_fsub, "fsub %%st(1), %%st")
X87(x_fsubr, "fsubr %%st(1), %%st")
X87(x_fmul, "fmul %%st(1), %%st")
X87(x_fdiv, "fdiv %%st(1), %%st")
X87(x_fdivr, "fdivr %%st(1), %%st")
X87(x_fprem, "fprem")
X87(x_fprem1, "fprem1")
X87(x_fscale, "fscale")
X87(x_fpatan, "fpatan")
X87(x_fyl2x, "fyl2x")
X87(x_fyl2xp1, "fyl2xp1")
X87(x_fsqrt, "fsqrt")
X87(x_frndint, "frndint")
X87(x_fxtract, "fxtract")
X87(x_fchs, "fchs")
X87(x_fabs, "fabs")
X87(x_f2xm1, "f2xm1")
X87(x_fsin, "fsin")
X87(x_fcos, "fcos")
X87(x_fptan, "fptan\n\tfstp %%st(0)")
X87(x_fsincos, "fsincos")
X87(x_fcom, "fcom %%st(1)")
X87(x_fucom, "fucom %%st(1)")
X87(x_fcomi, "fcomi %%st(1), %%st")
X87(x_fucomi, "fucomi %%st(1), %%st")
X87(x_fxam, "fxam")
X87(x_ftst, "ftst")
/* Conversions: the stored integer or narrower float is the result. */
X87(x_fist32, "fistl %[m]")
X87(x_fistp64, "fistpll %[m]")
X87(x_fist16, "fists %[m]")
X87(x_fisttp32, "fisttpl %[m]")
X87(x_fbstp, "fbstp %[m]")
X87(x_fst32, "fsts %[m]")
X87(x_fst64, "fstl %[m]")

typedef struct X87Op {
    const char *name;
    void (*fn)(void *);
    uint16_t sw_defined;
    unsigned result_bytes; /* how much of r (or m) is the result */
    bool flags;            /* writes EFLAGS (FCOMI) */
    bool stores;           /* the result is what it stored to m */
} X87Op;

/* clang-format off */
static const X87Op binary_ops[] = {
    {"fadd", x_fadd, SW_ARITH, 10}, {"fsub", x_fsub, SW_ARITH, 10},
    {"fsubr", x_fsubr, SW_ARITH, 10}, {"fmul", x_fmul, SW_ARITH, 10},
    {"fdiv", x_fdiv, SW_ARITH, 10}, {"fdivr", x_fdivr, SW_ARITH, 10},
    {"fsqrt", x_fsqrt, SW_ARITH, 10}, {"frndint", x_frndint, SW_ARITH, 10},
};

static const X87Op other_ops[] = {
    {"fprem", x_fprem, SW_ALL, 10},     {"fprem1", x_fprem1, SW_ALL, 10},
    {"fscale", x_fscale, SW_ARITH, 10}, {"fxtract", x_fxtract, SW_ARITH, 10},
    {"fchs", x_fchs, SW_ARITH, 10},     {"fabs", x_fabs, SW_ARITH, 10},
    {"f2xm1", x_f2xm1, SW_ARITH, 10},   {"fyl2x", x_fyl2x, SW_ARITH, 10},
    {"fyl2xp1", x_fyl2xp1, SW_ARITH, 10}, {"fpatan", x_fpatan, SW_ARITH, 10},
    {"fsin", x_fsin, SW_ARITH | 0x400, 10}, {"fcos", x_fcos, SW_ARITH | 0x400, 10},
    {"fptan", x_fptan, SW_ARITH | 0x400, 10}, {"fsincos", x_fsincos, SW_ARITH | 0x400, 10},
    {"fcom", x_fcom, SW_ALL, 0},        {"fucom", x_fucom, SW_ALL, 0},
    {"fcomi", x_fcomi, SW_ARITH, 0, true}, {"fucomi", x_fucomi, SW_ARITH, 0, true},
    {"fxam", x_fxam, SW_ALL, 0},        {"ftst", x_ftst, SW_ALL, 0},
};

static const X87Op convert_ops[] = {
    {"fist m32", x_fist32, SW_ARITH, 4, false, true},
    {"fistp m64", x_fistp64, SW_ARITH, 8, false, true},
    {"fist m16", x_fist16, SW_ARITH, 2, false, true},
    {"fisttp m32", x_fisttp32, SW_ARITH, 4, false, true},
    {"fbstp", x_fbstp, SW_ARITH, 10, false, true},
    {"fst m32", x_fst32, SW_ARITH, 4, false, true},
    {"fst m64", x_fst64, SW_ARITH, 8, false, true},
};
/* clang-format on */

/* ------------------------------------------------------------------------------------
 * Operands
 */

static void f80(uint8_t out[10], uint64_t mant, uint16_t exp)
{
    for (int i = 0; i < 8; i++) {
        out[i] = (uint8_t)(mant >> (8 * i));
    }
    out[8] = (uint8_t)exp;
    out[9] = (uint8_t)(exp >> 8);
}

static const struct {
    uint64_t mant;
    uint16_t exp;
    /* clang-format off */
} f80_edges[] = {
    /* clang-format on */
    {0x8000000000000000, 0x3fff}, /* 1 */
    {0xa000000000000000, 0xc000}, /* -2.5 */
    {0xc90fdaa22168c235, 0x4000}, /* pi */
    {0xaaaaaaaaaaaaaaab, 0x3ffd}, /* 1/3 */
    {0, 0},                       /* +0 */
    {0, 0x8000},                  /* -0 */
    {0x8000000000000000, 0x7fff}, /* +inf */
    {0xc000000000000000, 0xffff}, /* indefinite */
    {0xa000000000000000, 0x7fff}, /* SNaN */
    {0x0000000012345678, 0},      /* denormal */
    {0x8000000000000000, 0},      /* pseudo-denormal */
    {0x4000000000000000, 0x4000}, /* unnormal */
    {0xffffffffffffffff, 0x403d}, /* 2^63 - 1/2 */
    {0x8000000000000000, 0x403e}, /* 2^63 */
    {0xfffffffffffff800, 0x43fe}, /* beyond double */
    {0x8000000000000001, 0x3c00}, /* below double */
};

#define N_EDGES N_ELEMS(f80_edges)

static void pick_operands(X87Case *c, size_t i)
{
    size_t a = i % N_EDGES, b = (i * 7 + 3) % N_EDGES;

    f80(c->a, f80_edges[a].mant, f80_edges[a].exp);
    f80(c->b, f80_edges[b].mant, f80_edges[b].exp);
    if (i >= N_EDGES) { /* then random finite values of nearby magnitude */
        f80(c->a, conf_rand() | 1ull << 63, (uint16_t)(0x3ff0 + conf_rand() % 32));
        f80(c->b, conf_rand() | 1ull << 63,
            (uint16_t)(0x3ff0 + conf_rand() % 32) | 0x8000);
    }
}

static void print_f80(const char *label, const uint8_t *v, unsigned bytes)
{
    printf(" %s=", label);
    for (unsigned i = bytes; i-- > 0;) {
        printf("%02x", v[i]);
    }
}

static void run_case(const X87Op *op, X87Case *c)
{
    bool faulted;

    memset(c->r, 0, sizeof(c->r));
    memset(c->m, 0, sizeof(c->m));
    c->sw = 0;
    faulted = conf_faults(op->fn, c);
    printf("%s cw=%04x", op->name, c->cw);
    print_f80("a", c->a, 10);
    print_f80("b", c->b, 10);
    printf(" -> sw=%04x", c->sw & op->sw_defined);
    if (faulted) {
        printf(" #MF\n");
        return;
    }
    if (op->result_bytes) {
        print_f80("r", op->stores ? c->m : c->r, op->result_bytes);
    }
    if (op->flags) {
        printf(" fl=%03x", (unsigned)(c->rflags & (F_ZF | F_PF | F_CF)));
    }
    printf("\n");
}

/* Every precision (24, 53, 64 bits) and rounding mode, all exceptions masked. */
static uint16_t control_word(unsigned pc, unsigned rc)
{
    static const uint16_t pcs[] = {0, 2, 3};

    return (uint16_t)(0x7f | pcs[pc] << 8 | rc << 10);
}

static void run_ops(const X87Op *ops, size_t n, unsigned npc, unsigned nrc, size_t ncases)
{
    X87Case c;

    for (size_t op = 0; op < n; op++) {
        for (unsigned pc = 0; pc < npc; pc++) {
            for (unsigned rc = 0; rc < nrc; rc++) {
                c.cw = control_word(npc == 1 ? 2 : pc, rc);
                for (size_t i = 0; i < ncases; i++) {
                    pick_operands(&c, i);
                    run_case(&ops[op], &c);
                }
            }
        }
    }
}

/* With exceptions unmasked the faulting cases raise #MF at the next waiting insn. */
static void run_unmasked(void)
{
    X87Case c;

    for (size_t op = 0; op < N_ELEMS(binary_ops); op++) {
        c.cw = 0x0340;
        for (size_t i = 0; i < N_EDGES; i++) {
            pick_operands(&c, i);
            run_case(&binary_ops[op], &c);
        }
    }
}

void conf_x87_family(void)
{
    conf_seed(10);
    run_ops(binary_ops, N_ELEMS(binary_ops), 3, 4, N_EDGES + 4);
    run_ops(other_ops, N_ELEMS(other_ops), 1, 2, N_EDGES + 2);
    run_ops(convert_ops, N_ELEMS(convert_ops), 1, 4, N_EDGES + 2);
    run_unmasked();
}
