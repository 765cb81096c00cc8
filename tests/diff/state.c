/* Initial CPU states for the differential tester, biased towards edge values. */
/*
 * Registers hold pointers into the scratch buffer (so memory operands can reach it),
 * small values (so they can serve as indexes and counts) or the edges of every
 * operand size. The x87 stack, MXCSR and XMM registers get the IEEE edges: signed
 * zeros, denormals, infinities, quiet and signalling NaNs, the largest and smallest
 * normals, and for the x87 the formats only it has (pseudo-denormals, unnormals,
 * pseudo-infinities and pseudo-NaNs). Control words draw every precision and rounding
 * mode and sometimes unmask exceptions.
 */
#include <string.h>
#include "gen.h"

#define MXCSR_RC_SHIFT 13
#define MXCSR_DAZ      0x0040
#define MXCSR_FTZ      0x8000

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static uint64_t pick64(Rng *r, const uint64_t *v, size_t n)
{
    return v[rng_below(r, n)];
}

/* ------------------------------------------------------------------------------------
 * Integers
 */

uint64_t gen_int_edge(Rng *r, unsigned size)
{
    unsigned bits = size * 8;
    uint64_t mask = bits == 64 ? ~0ull : (1ull << bits) - 1;
    uint64_t top = 1ull << (bits - 1);
    /* clang-format off */
    uint64_t edges[] = {0, 1, 2, mask, mask - 1, top, top - 1, top + 1, 3, 0x55555555555ull,
                        0xaaaaaaaaaaaull, 10, 100};
    /* clang-format on */

    switch (rng_below(r, 4)) {
    case 0: return rng_next(r) & mask;
    case 1: return (rng_next(r) & mask) >> rng_below(r, bits);
    default: return pick64(r, edges, ARRAY_LEN(edges)) & mask;
    }
}

/* A 64-bit register: an edge of some size, with random bits above it sometimes. */
static uint64_t gen_gpr(Rng *r)
{
    static const unsigned sizes[] = {1, 2, 4, 8, 8};
    unsigned size = sizes[rng_below(r, ARRAY_LEN(sizes))];
    uint64_t v = gen_int_edge(r, size);

    if (size < 8 && rng_chance(r, 50)) {
        v |= rng_next(r) << (size * 8);
    }
    return v;
}

/* ------------------------------------------------------------------------------------
 * Floating point
 */

uint32_t gen_f32(Rng *r)
{
    /* clang-format off */
    static const uint64_t edges[] = {
        0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x7f800000, 0xff800000,
        0x7fc00000, 0xffc00000, 0x7f800001, 0x7fbfffff, 0x00000001, 0x807fffff,
        0x00800000, 0x7f7fffff, 0xff7fffff, 0x4f000000, 0xcf000000, 0x5f000000,
        0xdf000000, 0x3f000000, 0x3fc00000, 0x40490fdb, 0x4effffff, 0x46fffe00,
        0x47000000, 0xc7000100, 0x34000000, 0x00400000, 0x7fffffff, 0x33800000,
    };
    /* clang-format on */

    switch (rng_below(r, 4)) {
    case 0: return (uint32_t)rng_next(r);
    case 1: /* an exponent near 1.0, a random significand */
        return (uint32_t)(rng_next(r) & 0x807fffff) | (uint32_t)(110 + rng_below(r, 40))
                                                          << 23;
    default: return (uint32_t)pick64(r, edges, ARRAY_LEN(edges));
    }
}

uint64_t gen_f64(Rng *r)
{
    /* clang-format off */
    static const uint64_t edges[] = {
        0, 0x8000000000000000, 0x3ff0000000000000, 0xbff0000000000000,
        0x7ff0000000000000, 0xfff0000000000000, 0x7ff8000000000000, 0xfff8000000000000,
        0x7ff0000000000001, 0x7ff7ffffffffffff, 1, 0x800fffffffffffff,
        0x0010000000000000, 0x7fefffffffffffff, 0xffefffffffffffff, 0x41e0000000000000,
        0xc1e0000000000000, 0x43e0000000000000, 0xc3e0000000000000, 0x3fe0000000000000,
        0x41dfffffffffffff, 0xc1e0000000200000, 0x400921fb54442d18, 0x3ff8000000000000,
        0x3810000000000000, 0x47efffffe0000000, 0x36a0000000000000, 0x0008000000000000,
        0x7fffffffffffffff, 0x43dfffffffffffff,
    };
    /* clang-format on */

    switch (rng_below(r, 4)) {
    case 0: return rng_next(r);
    case 1:
        return (rng_next(r) & 0x800fffffffffffffull) | (900 + rng_below(r, 250)) << 52;
    default: return pick64(r, edges, ARRAY_LEN(edges));
    }
}

/* An 80-bit extended value: significand (explicit integer bit), then sign+exponent. */
void gen_f80(Rng *r, uint8_t out[10])
{
    static const struct {
        uint64_t mant;
        uint16_t exp;
        /* clang-format off */
    } edges[] = {
        /* clang-format on */
        {0, 0},                       /* +0 */
        {0, 0x8000},                  /* -0 */
        {0x8000000000000000, 0x3fff}, /* 1 */
        {0x8000000000000000, 0xbfff}, /* -1 */
        {0x8000000000000000, 0x7fff}, /* +inf */
        {0x8000000000000000, 0xffff}, /* -inf */
        {0xc000000000000000, 0x7fff}, /* QNaN */
        {0xc000000000000000, 0xffff}, /* the real indefinite */
        {0x8000000000000001, 0x7fff}, /* SNaN */
        {0x4000000000000000, 0x7fff}, /* pseudo-NaN (no integer bit) */
        {0, 0x7fff},                  /* pseudo-infinity */
        {0x0000000000000001, 0},      /* smallest denormal */
        {0x8000000000000000, 0},      /* pseudo-denormal */
        {0x4000000000000000, 0x3fff}, /* unnormal */
        {0x8000000000000000, 1},      /* smallest normal */
        {0xffffffffffffffff, 0x7ffe}, /* largest */
        {0x8000000000000000, 0x403e}, /* 2^63 */
        {0xffffffffffffffff, 0x403d}, /* 2^63 - 1 */
        {0x8000000000000000, 0xc03e}, /* -2^63 */
        {0xfffe000000000000, 0x400d}, /* 32767 */
        {0xffff000000000000, 0x400d}, /* 32767.5 */
        {0xc90fdaa22168c235, 0x4000}, /* pi */
        {0x8000000000000000, 0x3ffe}, /* 0.5 */
        {0xc000000000000000, 0x3fff}, /* 1.5 */
        {0x8000000000000400, 0x3fff}, /* 1 + a bit below double precision */
        {0x8000000000000000, 0x43ff}, /* beyond double range */
        {0x8000000000000000, 0x3bcc}, /* below double range */
    };
    uint64_t mant;
    uint16_t exp;

    if (rng_chance(r, 60)) {
        size_t i = rng_below(r, ARRAY_LEN(edges));
        mant = edges[i].mant;
        exp = edges[i].exp;
    } else {
        mant = rng_next(r) | (rng_chance(r, 95) ? 1ull << 63 : 0);
        exp = (uint16_t)(rng_chance(r, 80) ? 0x3fbf + rng_below(r, 0x80) : rng_next(r));
        exp |= rng_chance(r, 50) ? 0x8000 : 0;
    }
    put_le(out, mant, 8);
    put_le(out + 8, exp, 2);
}

void gen_xmm(Rng *r, uint8_t out[16])
{
    switch (rng_below(r, 5)) {
    case 0:
        for (int i = 0; i < 4; i++) {
            put_le(out + 4 * i, gen_f32(r), 4);
        }
        break;
    case 1:
        for (int i = 0; i < 2; i++) {
            put_le(out + 8 * i, gen_f64(r), 8);
        }
        break;
    case 2: {
        static const unsigned sizes[] = {1, 2, 4, 8};
        unsigned size = sizes[rng_below(r, 4)];
        for (unsigned i = 0; i < 16; i += size) {
            put_le(out + i, gen_int_edge(r, size), size);
        }
        break;
    }
    default:
        for (int i = 0; i < 16; i += 8) {
            put_le(out + i, rng_next(r), 8);
        }
    }
}

/* ------------------------------------------------------------------------------------
 * Control and status words
 */

static uint16_t gen_fcw(Rng *r)
{
    uint16_t masks = rng_chance(r, 70) ? 0x3f : (uint16_t)rng_below(r, 64);
    uint16_t pc = (uint16_t)rng_below(r, 4), rc = (uint16_t)rng_below(r, 4);

    return 0x40 | masks | pc << 8 | rc << 10 | (rng_chance(r, 5) ? 0x1000 : 0);
}

/* Exception flags consistent with the masks: ES and B summarise unmasked ones. */
static uint16_t gen_fsw(Rng *r, uint16_t fcw, unsigned top)
{
    uint16_t flags = rng_chance(r, 50) ? 0 : (uint16_t)rng_below(r, 128);
    uint16_t cc = (uint16_t)(rng_next(r) & 0x4700);

    if (rng_chance(r, 85)) {
        flags &= (fcw & 0x3f) | 0x40; /* usually nothing pending */
    }
    if (flags & ~fcw & 0x3f) {
        flags |= 0x8080;
    }
    return flags | cc | (uint16_t)(top << 11);
}

static uint32_t gen_mxcsr(Rng *r)
{
    uint32_t masks = rng_chance(r, 60) ? 0x1f80 : (uint32_t)rng_below(r, 64) << 7;
    uint32_t flags = rng_chance(r, 50) ? 0 : (uint32_t)rng_below(r, 64);
    uint32_t rc = (uint32_t)rng_below(r, 4) << MXCSR_RC_SHIFT;

    return masks | flags | rc | (rng_chance(r, 25) ? MXCSR_DAZ : 0) |
           (rng_chance(r, 25) ? MXCSR_FTZ : 0);
}

static void gen_fx(Rng *r, uint8_t *fx)
{
    uint16_t fcw = gen_fcw(r);
    unsigned top = (unsigned)rng_below(r, 8);
    uint8_t ftw = 0;

    memset(fx, 0, 512);
    put_le(fx + FX_FCW, fcw, 2);
    put_le(fx + FX_FSW, gen_fsw(r, fcw, top), 2);
    for (unsigned i = 0; i < 8; i++) {
        ftw |= (rng_chance(r, 60) ? 1 : 0) << i;
        gen_f80(r, fx + FX_ST(i));
    }
    fx[FX_FTW] = ftw;
    put_le(fx + FX_MXCSR, gen_mxcsr(r), 4);
    put_le(fx + FX_MXCSR + 4, 0xffff, 4);
    for (int i = 0; i < 16; i++) {
        gen_xmm(r, fx + FX_XMM(i));
    }
}

/* ------------------------------------------------------------------------------------
 * The whole state
 */

static void gen_scratch(Rng *r, uint8_t *mem)
{
    for (unsigned i = 0; i < DIFF_SCRATCH_SIZE; i += 8) {
        put_le(mem + i, rng_next(r), 8);
    }
    for (int n = 0; n < 96; n++) {
        unsigned kind = (unsigned)rng_below(r, 4);
        unsigned off = (unsigned)rng_below(r, DIFF_SCRATCH_SIZE / 16) * 16;
        if (kind == 0) {
            gen_xmm(r, mem + off);
        } else if (kind == 1) {
            gen_f80(r, mem + off);
        } else {
            put_le(mem + off, gen_gpr(r), 8);
        }
    }
}

static uint64_t gen_rflags(Rng *r)
{
    uint64_t f = 0x202 | (rng_next(r) & FL_ARITH);

    f |= rng_chance(r, 25) ? FL_DF : 0;
    f |= rng_chance(r, 4) ? FL_AC : 0;
    f |= rng_chance(r, 30) ? FL_ID : 0;
    f |= rng_chance(r, 3) ? FL_NT : 0;
    return f;
}

void gen_state(Rng *r, DiffState *s, GenState *gs)
{
    memset(s, 0, sizeof(*s));
    for (int i = 0; i < 16; i++) {
        unsigned kind = (unsigned)rng_below(r, 100);
        s->r.gpr[i] = kind < 30   ? pick_scratch_addr(r, 64, 8)
                      : kind < 45 ? rng_below(r, 40) - (rng_chance(r, 20) ? 20 : 0)
                                  : gen_gpr(r);
    }
    s->r.gpr[4] = DIFF_SCRATCH + DIFF_SCRATCH_SIZE / 2 - 8 * rng_below(r, 16) -
                  (rng_chance(r, 10) ? rng_below(r, 8) : 0);
    s->r.rflags = gen_rflags(r);
    gen_fx(r, s->r.fx);
    gen_scratch(r, s->mem);
    for (int i = 0; i < 16; i++) {
        gs->known[i] = true;
        gs->val[i] = s->r.gpr[i];
    }
}
