/*
 * Instruction self-test kernels: ordinary C that gcc -m32 -O2 turns into a wide mix
 * of integer instructions. The same file is built for the guest and for the host;
 * the two must print identical results. Inputs come through volatile variables so
 * the compiler cannot fold the work away.
 */
#include "selftest-core.h"

static volatile uint32_t seed_a = 0x12345678u, seed_b = 0x9abcdef1u;

static uint32_t rng_next(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

static uint32_t k_arith(void)
{
    uint32_t s = seed_a, acc = 0;
    for (int i = 0; i < 2000; i++) {
        uint32_t a = rng_next(&s), b = rng_next(&s) | 1;
        int32_t sa = (int32_t)a, sb = (int32_t)b;
        acc += a * b;
        acc ^= a / b + a % b;
        acc += (uint32_t)(sa / (sb >> 3 | 1)) + (uint32_t)(sa % (sb >> 7 | 1));
        acc = (acc << 7) | (acc >> 25);
        acc -= (uint32_t)((int32_t)acc >> (b & 31));
        acc += (a > b) + (sa < sb) * 3 + (a == b);
    }
    return acc;
}

static uint64_t k_arith64(void)
{
    uint32_t s = seed_b;
    uint64_t acc = 1;
    for (int i = 0; i < 1000; i++) {
        uint64_t a = ((uint64_t)rng_next(&s) << 32) | rng_next(&s);
        uint32_t sh = rng_next(&s) & 63;
        acc = acc * 6364136223846793005ull + a;
        acc ^= a >> sh;
        acc += a << (63 - sh);
        acc -= (uint64_t)((int64_t)a >> (sh & 31));
        acc += (int64_t)a < (int64_t)acc;
    }
    return acc;
}

static uint32_t k_bits(void)
{
    uint32_t s = seed_a ^ seed_b, acc = 0;
    for (int i = 0; i < 2000; i++) {
        uint32_t v = rng_next(&s);
        acc += (uint32_t)__builtin_popcount(v);
        acc += v ? (uint32_t)__builtin_ctz(v) * 7 + (uint32_t)__builtin_clz(v) : 1;
        acc ^= __builtin_bswap32(v);
        acc += (v >> (i & 31)) & 1;
        acc = acc * 33 + (uint8_t)v + (uint16_t)(v >> 8) + (int8_t)v + (int16_t)v;
    }
    return acc;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static void sort(uint32_t *v, int n, int (*cmp)(const void *, const void *))
{
    for (int i = 1; i < n; i++) {
        uint32_t x = v[i];
        int j = i - 1;
        while (j >= 0 && cmp(&v[j], &x) > 0) {
            v[j + 1] = v[j];
            j--;
        }
        v[j + 1] = x;
    }
}

static uint32_t k_memory(void)
{
    static uint32_t buf[512];
    static uint8_t bytes[4096], copy[4096];
    uint32_t s = seed_b, acc = 0;

    for (int i = 0; i < 512; i++) {
        buf[i] = rng_next(&s);
    }
    sort(buf, 512, cmp_u32);
    for (int i = 0; i < 512; i++) {
        acc = acc * 31 + buf[i];
    }
    for (int i = 0; i < 4096; i++) {
        bytes[i] = (uint8_t)rng_next(&s);
    }
    __builtin_memcpy(copy, bytes, sizeof(copy));
    __builtin_memset(copy + 100, 0x5a, 1000);
    for (int i = 0; i < 4096; i++) {
        acc += (uint32_t)copy[i] << (i & 7);
    }
    return acc;
}

static uint32_t fib(uint32_t n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static uint32_t k_control(void)
{
    uint32_t s = seed_a, acc = fib(18);
    for (int i = 0; i < 3000; i++) {
        uint32_t v = rng_next(&s);
        switch (v % 11) {
        case 0: acc += v; break;
        case 1: acc ^= v >> 3; break;
        case 2: acc -= v << 2; break;
        case 3: acc *= 3; break;
        case 4: acc = ~acc; break;
        case 5: acc += acc >> 1; break;
        case 6: acc |= v & 0xf0f0; break;
        case 7: acc &= v | 0x0f0f0f0f; break;
        case 8: acc += (v & 1) ? 17 : 23; break;
        case 9: acc = acc > v ? acc - v : v - acc; break;
        default: acc += i; break;
        }
    }
    return acc;
}

static uint32_t k_string(void)
{
    static char text[256];
    uint32_t acc = 0;
    int n = 0;

    for (int i = 0; i < 255; i++) {
        text[i] = (char)('a' + (i * 7) % 26);
    }
    text[255] = 0;
    while (text[n]) {
        n++;
    }
    for (int i = 0; i < n; i++) {
        acc = acc * 131 + (uint8_t)text[i];
        if (text[i] == 'q') {
            acc ^= (uint32_t)i;
        }
    }
    return acc + (uint32_t)n;
}

void selftest_run(void (*report)(const char *name, uint64_t value))
{
    report("arith", k_arith());
    report("arith64", k_arith64());
    report("bits", k_bits());
    report("memory", k_memory());
    report("control", k_control());
    report("string", k_string());
}
