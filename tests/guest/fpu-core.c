/*
 * x87 kernels for the FPU test guest (i386, gcc -m32) and its host reference
 * (x86-64): long double arithmetic, which gcc compiles to x87 code in both, and
 * inline x87 instructions, under every precision and rounding control. Each kernel
 * hashes the exact bits of its results and the sticky exception flags; the guest and
 * the host must print identical hashes. Inputs are volatile so nothing is folded at
 * compile time, and every kernel that runs under a changed control word is a
 * noinline function, so the compiler cannot move its arithmetic across FLDCW.
 */
#include "fpu-core.h"

typedef union Ext {
    long double x;
    struct {
        uint64_t mant;
        uint16_t exp;
    } p;
} Ext;

#define EXT(m, e) {.p = {(m), (e)}}

static volatile Ext inputs[] = {
    EXT(0x8000000000000000ull, 0x3fff), /* 1 */
    EXT(0xc000000000000000ull, 0x4000), /* 3 */
    EXT(0xc90fdaa22168c235ull, 0x4000), /* pi */
    EXT(0xa000000000000000ull, 0xc000), /* -2.5 */
    EXT(0xcccccccccccccccdull, 0x3ffb), /* 0.1 */
    EXT(0x9502f90000000000ull, 0x4020), /* 1e10 */
    EXT(0x9e3779b97f4a7c15ull, 0x3ffe),
    EXT(0xf1bbcdcbfa53e0abull, 0xc005),
    EXT(0x8000000000000001ull, 0x4045), /* 2^70 + 2^7 */
    EXT(0xb17217f7d1cf79acull, 0x3fa0),
    EXT(0x0000000000000000ull, 0x8000), /* -0 */
    EXT(0x0000000123456789ull, 0x0000), /* denormal */
    EXT(0x8000000000000001ull, 0x0000), /* pseudo-denormal */
    EXT(0x8000000000000000ull, 0x0001), /* smallest normal */
    EXT(0xffffffffffffffffull, 0x7ffe), /* largest */
    EXT(0x8000000000000000ull, 0xffff), /* -inf */
    EXT(0xc000000000000000ull, 0x7fff), /* QNaN */
    EXT(0xa000000000000000ull, 0x7fff), /* SNaN */
    EXT(0x4000000000000000ull, 0x4000), /* unnormal */
};
#define N_INPUTS   (int)(sizeof(inputs) / sizeof(inputs[0]))
#define N_FINITE   15 /* the first ones: finite, supported */
#define FNV_PRIME  0x100000001b3ull
#define CW_DEFAULT 0x037f

static uint64_t mix(uint64_t h, uint64_t v)
{
    return (h ^ v) * FNV_PRIME;
}

static uint64_t mix_ext(uint64_t h, long double x)
{
    Ext e;

    e.x = x;
    return mix(mix(h, e.p.mant), e.p.exp);
}

static long double input(int i)
{
    return inputs[i].x;
}

static void set_cw(uint16_t cw)
{
    __asm__ volatile("fldcw %0" : : "m"(cw) : "memory");
}

static uint16_t get_sw(void)
{
    uint16_t sw;

    __asm__ volatile("fnstsw %0" : "=m"(sw) : : "memory");
    return sw;
}

static void clear_flags(void)
{
    __asm__ volatile("fnclex" : : : "memory");
}

/* The twelve control words: precision 24/53/64 bits by four rounding modes. */
static uint16_t control_word(int i)
{
    static const uint16_t pc[3] = {0x000, 0x200, 0x300};
    return (CW_DEFAULT & ~0xf00) | pc[i % 3] | (i / 3) << 10;
}

/* --- arithmetic --- */

static long double __attribute__((noinline)) arith(long double a, long double b, int op)
{
    switch (op) {
    case 0: return a + b;
    case 1: return a - b;
    case 2: return a * b;
    default: return a / b;
    }
}

static uint64_t k_arith(void)
{
    uint64_t h = 0;

    for (int cw = 0; cw < 12; cw++) {
        set_cw(control_word(cw));
        clear_flags();
        for (int i = 0; i < N_INPUTS; i++) {
            for (int j = 0; j < N_INPUTS; j++) {
                for (int op = 0; op < 4; op++) {
                    h = mix_ext(h, arith(input(i), input(j), op));
                }
            }
        }
        h = mix(h, get_sw() & 0x7f);
    }
    set_cw(CW_DEFAULT);
    return h;
}

static long double __attribute__((noinline)) series(int n)
{
    long double sum = 0, term = 1;

    for (int k = 1; k <= n; k++) {
        sum += 1.0L / ((long double)k * k);
        term *= inputs[6].x;
        sum -= term / k;
    }
    return sum;
}

static uint64_t k_series(void)
{
    uint64_t h = 0;

    for (int cw = 0; cw < 12; cw++) {
        set_cw(control_word(cw));
        h = mix_ext(h, series(400));
    }
    set_cw(CW_DEFAULT);
    return h;
}

/* --- single instructions --- */

#define UNARY(name, insn)                                                                \
    static long double __attribute__((noinline)) name(long double x)                     \
    {                                                                                    \
        __asm__(insn : "+t"(x));                                                         \
        return x;                                                                        \
    }

UNARY(x_fsqrt, "fsqrt")
UNARY(x_frndint, "frndint")
UNARY(x_fabs, "fabs")
UNARY(x_fchs, "fchs")
UNARY(x_fsin, "fsin")
UNARY(x_fcos, "fcos")
UNARY(x_f2xm1, "f2xm1")

/* ST(1) op ST(0), popping: the result replaces ST(1). */
#define BINARY_POP(name, insn)                                                           \
    static long double __attribute__((noinline)) name(long double st1, long double st0) \
    {                                                                                    \
        long double r;                                                                   \
        __asm__(insn : "=t"(r) : "0"(st0), "u"(st1) : "st(1)");                          \
        return r;                                                                        \
    }

BINARY_POP(x_fpatan, "fpatan")
BINARY_POP(x_fyl2x, "fyl2x")
BINARY_POP(x_fyl2xp1, "fyl2xp1")

static long double __attribute__((noinline)) x_fscale(long double x, long double n)
{
    __asm__("fscale" : "+t"(x) : "u"(n));
    return x;
}

/* FPREM/FPREM1 until the reduction is complete (C2 clear). */
static long double __attribute__((noinline)) x_fprem(long double x, long double y,
                                                     int ieee)
{
    if (ieee) {
        __asm__("1: fprem1\n\tfnstsw %%ax\n\ttestb $4, %%ah\n\tjnz 1b"
                : "+t"(x)
                : "u"(y)
                : "ax", "cc");
    } else {
        __asm__("1: fprem\n\tfnstsw %%ax\n\ttestb $4, %%ah\n\tjnz 1b"
                : "+t"(x)
                : "u"(y)
                : "ax", "cc");
    }
    return x;
}

static uint64_t unary_all(uint64_t h, long double (*fn)(long double))
{
    for (int i = 0; i < N_INPUTS; i++) {
        h = mix_ext(h, fn(input(i)));
    }
    return h;
}

static uint64_t k_unary(void)
{
    static long double (*const fns[])(long double) = {x_fsqrt, x_frndint, x_fabs,
                                                      x_fchs};
    uint64_t h = 0;

    for (int cw = 0; cw < 12; cw++) {
        set_cw(control_word(cw));
        clear_flags();
        for (unsigned f = 0; f < sizeof(fns) / sizeof(fns[0]); f++) {
            h = unary_all(h, fns[f]);
        }
        h = mix(h, get_sw() & 0x7f);
    }
    set_cw(CW_DEFAULT);
    return h;
}

static uint64_t k_scale_rem(void)
{
    uint64_t h = 0;

    clear_flags();
    for (int i = 0; i < N_INPUTS; i++) {
        for (int j = 0; j < N_INPUTS; j++) {
            h = mix_ext(h, x_fscale(input(i), input(j)));
            h = mix_ext(h, x_fprem(input(i), input(j), 0));
            h = mix_ext(h, x_fprem(input(i), input(j), 1));
        }
    }
    return mix(h, get_sw() & 0x7f);
}

static uint64_t k_extract_classify(void)
{
    uint64_t h = 0;

    for (int i = 0; i < N_INPUTS; i++) {
        long double sig, ex, x = input(i);
        uint16_t sw;
        __asm__("fxtract" : "=t"(sig), "=u"(ex) : "0"(x));
        h = mix_ext(mix_ext(h, sig), ex);
        __asm__("fxam\n\tfnstsw %0" : "=a"(sw) : "t"(x));
        h = mix(h, sw & 0x4700);
    }
    return h;
}

static uint64_t compare_pair(uint64_t h, long double a, long double b)
{
    uint16_t sw;
    uint8_t z, c, p;

    __asm__("fucom %%st(1)\n\tfnstsw %0" : "=a"(sw) : "t"(a), "u"(b));
    h = mix(h, sw & 0x4500);
    __asm__("fcom %%st(1)\n\tfnstsw %0" : "=a"(sw) : "t"(a), "u"(b));
    h = mix(h, sw & 0x4500);
    __asm__("fucomi %%st(1), %%st\n\tsetz %0\n\tsetc %1\n\tsetp %2"
            : "=q"(z), "=q"(c), "=q"(p)
            : "t"(a), "u"(b)
            : "cc");
    h = mix(h, z | c << 1 | p << 2);
    __asm__("ftst\n\tfnstsw %0" : "=a"(sw) : "t"(a));
    return mix(h, sw & 0x4500);
}

static uint64_t k_compare(void)
{
    uint64_t h = 0;

    clear_flags();
    for (int i = 0; i < N_INPUTS; i++) {
        for (int j = 0; j < N_INPUTS; j++) {
            h = compare_pair(h, input(i), input(j));
        }
    }
    return mix(h, get_sw() & 0x7f);
}

/* --- conversions --- */

static uint64_t convert_one(uint64_t h, long double x)
{
    volatile float f = (float)x;
    volatile double d = (double)x;
    int64_t i64;
    int32_t i32;
    int16_t i16;
    uint8_t bcd[10];

    __asm__("fistpll %0" : "=m"(i64) : "t"(x) : "st");
    __asm__("fistpl %0" : "=m"(i32) : "t"(x) : "st");
    __asm__("fistps %0" : "=m"(i16) : "t"(x) : "st");
    h = mix(mix(mix(h, (uint64_t)i64), (uint32_t)i32), (uint16_t)i16);
    __asm__("fisttpll %0" : "=m"(i64) : "t"(x) : "st");
    __asm__("fbstp %0" : "=m"(bcd) : "t"(x) : "st");
    h = mix(h, (uint64_t)i64);
    for (int k = 0; k < 10; k++) {
        h = mix(h, bcd[k]);
    }
    h = mix_ext(h, (long double)f);
    return mix_ext(h, (long double)d);
}

static uint64_t __attribute__((noinline)) convert_all(uint64_t h)
{
    for (int i = 0; i < N_INPUTS; i++) {
        h = convert_one(h, input(i));
        h = convert_one(h, input(i) * 1e9L);
    }
    return h;
}

static uint64_t k_convert(void)
{
    uint64_t h = 0;

    for (int cw = 0; cw < 12; cw++) {
        set_cw(control_word(cw));
        clear_flags();
        h = convert_all(h);
        h = mix(h, get_sw() & 0x7f);
    }
    set_cw(CW_DEFAULT);
    return h;
}

static uint64_t k_load(void)
{
    static volatile const int64_t ints[] = {0, 1, -1, 12345678901234567ll, INT64_MIN,
                                           INT64_MAX, -987654321};
    static volatile const uint8_t bcd[][10] = {
        {0x21, 0x43, 0x65, 0x87, 0x09, 0, 0, 0, 0, 0x80},
        {0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99, 0x00},
        {0x0a, 0xbc, 0, 0, 0, 0, 0, 0, 0, 0x7f}, /* invalid digits */
    };
    uint64_t h = 0;

    clear_flags();
    for (unsigned i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
        int64_t v = ints[i];
        int32_t v32 = (int32_t)v;
        int16_t v16 = (int16_t)v;
        h = mix_ext(mix_ext(mix_ext(h, (long double)v), (long double)v32), v16);
    }
    for (unsigned i = 0; i < sizeof(bcd) / sizeof(bcd[0]); i++) {
        long double x;
        __asm__("fbld %1" : "=t"(x) : "m"(bcd[i]));
        h = mix_ext(h, x);
    }
    return mix(h, get_sw() & 0x7f);
}

/* --- transcendental (bit-exact against the same host CPU only) --- */

/* FPTAN and FSINCOS push a second result only for finite |x| < 2^63. */
static int in_trig_range(int i)
{
    return i < N_FINITE && (inputs[i].p.exp & 0x7fff) < 0x3fff + 63;
}

static uint64_t k_transcendental(void)
{
    uint64_t h = 0;

    clear_flags();
    h = unary_all(h, x_fsin);
    h = unary_all(h, x_fcos);
    for (int i = 0; i < N_INPUTS; i++) {
        long double a, b, x = input(i);
        if (in_trig_range(i)) { /* otherwise nothing is pushed: C2 = 1 */
            __asm__("fptan" : "=t"(a), "=u"(b) : "0"(x));
            h = mix_ext(mix_ext(h, a), b);
            __asm__("fsincos" : "=t"(a), "=u"(b) : "0"(x));
            h = mix_ext(mix_ext(h, a), b);
        }
        h = mix_ext(h, x_f2xm1(x / 16));
        for (int j = 0; j < N_FINITE; j++) {
            h = mix_ext(h, x_fpatan(x, input(j)));
            h = mix_ext(h, x_fyl2x(x, input(j)));
            h = mix_ext(h, x_fyl2xp1(x / 8, input(j)));
        }
    }
    return mix(h, get_sw() & 0x7f);
}

/* --- state --- */

static uint64_t mix_words(uint64_t h, const uint8_t *p, int from, int to)
{
    for (int i = from; i < to; i++) {
        h = mix(h, p[i]);
    }
    return h;
}

static uint64_t k_state(void)
{
    uint8_t env[28], save[108];
    uint8_t fx[512 + 16];
    uint8_t *fxa = (uint8_t *)(((uintptr_t)fx + 15) & ~(uintptr_t)15);
    uint64_t h = 0;
    long double x = input(2), y = input(11);

    /* Only CW, SW, TW and ST(0), ST(1): the pointers are addresses, and the empty
       registers hold whatever the compiler's code left there. */
    __asm__ volatile("fninit\n\tfldt %1\n\tfldt %2\n\tfnstenv %0"
                     : "=m"(env)
                     : "m"(x), "m"(y));
    h = mix_words(h, env, 0, 12);
    __asm__ volatile("fldcw %1\n\tfnsave %0" : "=m"(save) : "m"(env));
    h = mix_words(mix_words(h, save, 0, 12), save, 28, 48);
    __asm__ volatile("frstor %1\n\tfxsave %0" : "=m"(*(uint8_t(*)[512])fxa) : "m"(save));
    h = mix_words(mix_words(h, fxa, 0, 6), fxa, 32, 64);
    __asm__ volatile("fninit\n\tfnstsw %%ax\n\tfstp %%st(0)" : : : "ax");
    return mix(h, get_sw());
}

void fpu_run(void (*report)(const char *name, uint64_t value))
{
    __asm__ volatile("fninit");
    report("arith", k_arith());
    report("series", k_series());
    report("unary", k_unary());
    report("scale-rem", k_scale_rem());
    report("extract-classify", k_extract_classify());
    report("compare", k_compare());
    report("convert", k_convert());
    report("load", k_load());
    report("transcendental", k_transcendental());
    report("state", k_state());
    __asm__ volatile("fninit");
}
