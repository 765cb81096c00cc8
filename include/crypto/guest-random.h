/*
 * Random bytes for the guest (RDRAND, RDSEED, virtio-rng). From getrandom(2), or
 * from a PRNG seeded by -seed N; recorded and replayed through replay-random.c.
 */
#ifndef CRYPTO_GUEST_RANDOM_H
#define CRYPTO_GUEST_RANDOM_H

#include "util/osdep.h"

/* -seed N: make guest randomness a deterministic function of N. */
void guest_random_seed(uint64_t seed);
void guest_random_bytes(void *buf, size_t len);

#endif
