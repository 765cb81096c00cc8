/*
 * CPU-bound benchmark guest: three classic integer kernels, run in rounds over the
 * same data sizes, so that the engine is measured on more than one loop shape:
 *
 * - a sieve of Eratosthenes over 64 KiB of bytes (byte stores with a stride, a
 *   nested loop whose trip count varies);
 * - an insertion sort of 1024 pseudo-random words (loads and stores through an
 *   index, a data-dependent inner loop exit);
 * - an FNV-1a hash over 4 KiB, written back byte by byte (byte loads, XOR, IMUL).
 *
 * Prints a checksum of the results and the instruction count it measured with RDTSC
 * (run it with -icount shift=0, where one TSC tick is one instruction).
 */
#include "guest.h"

#define SIEVE_SIZE 65536
#define SORT_SIZE  1024
#define HASH_SIZE  4096
#define ROUNDS     60

static uint8_t sieve[SIEVE_SIZE];
static uint32_t words[SORT_SIZE];
static uint8_t bytes[HASH_SIZE];

static uint32_t count_primes(void)
{
    uint32_t primes = 0;

    memset(sieve, 0, sizeof(sieve));
    for (uint32_t i = 2; i < SIEVE_SIZE; i++) {
        if (!sieve[i]) {
            primes++;
            for (uint32_t j = 2 * i; j < SIEVE_SIZE; j += i) {
                sieve[j] = 1;
            }
        }
    }
    return primes;
}

static uint32_t sort_words(uint32_t seed)
{
    for (uint32_t i = 0; i < SORT_SIZE; i++) {
        seed = seed * 1664525u + 1013904223u;
        words[i] = seed;
    }
    for (uint32_t i = 1; i < SORT_SIZE; i++) {
        uint32_t v = words[i], j = i;
        while (j > 0 && words[j - 1] > v) {
            words[j] = words[j - 1];
            j--;
        }
        words[j] = v;
    }
    return words[0] ^ words[SORT_SIZE / 2] ^ words[SORT_SIZE - 1];
}

static uint32_t hash_bytes(uint32_t h)
{
    for (uint32_t i = 0; i < HASH_SIZE; i++) {
        h = (h ^ bytes[i]) * 16777619u;
        bytes[i] = (uint8_t)(h >> 13);
    }
    return h;
}

int guest_main(uint32_t magic, uint32_t mbi)
{
    uint32_t sum = 0, h = 2166136261u;
    uint64_t t0, t1;

    serial_init();
    t0 = rdtsc();
    for (uint32_t round = 0; round < ROUNDS; round++) {
        sum += count_primes();
        sum ^= sort_words(round + 1);
        h = hash_bytes(h);
    }
    t1 = rdtsc();
    puts_serial("intloops sum ");
    put_hex(sum ^ h, 8);
    puts_serial(" insns ");
    put_hex(t1 - t0, 16);
    puts_serial("\n");
    return 0;
}
