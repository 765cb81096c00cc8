/*
 * Random bytes for the guest (RDRAND, RDSEED, virtio-rng): getrandom(2), or with
 * -seed N the xoshiro256** generator (Blackman and Vigna, 2018) keyed from N through
 * splitmix64. Either way the bytes pass through the replay gate (replay-random.c).
 */
#include "crypto/guest-random.h"
#include "replay/replay.h"
#include <sys/random.h>

/*
 * One generator per process, like the -seed option that keys it: the stream is
 * shared by every consumer in the order they ask, which is deterministic because
 * one thread runs the machine.
 */
typedef struct SeededRandom {
    bool enabled;
    uint64_t s[4];
} SeededRandom;

static SeededRandom seeded;

static uint64_t rotl64(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* splitmix64: spreads one seed word over the 256-bit xoshiro state. */
static uint64_t splitmix64_next(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void guest_random_seed(uint64_t seed)
{
    for (int i = 0; i < 4; i++) {
        seeded.s[i] = splitmix64_next(&seed);
    }
    seeded.enabled = true;
}

static uint64_t xoshiro256ss_next(uint64_t *s)
{
    uint64_t result = rotl64(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;

    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl64(s[3], 45);
    return result;
}

static void seeded_bytes(uint8_t *buf, size_t len)
{
    while (len > 0) {
        uint64_t word = xoshiro256ss_next(seeded.s);
        size_t n = len < 8 ? len : 8;
        for (size_t i = 0; i < n; i++) {
            buf[i] = (uint8_t)(word >> (8 * i));
        }
        buf += n;
        len -= n;
    }
}

/* The kernel's CSPRNG cannot fail once booted; a failure here is a broken host. */
static void host_bytes(uint8_t *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = getrandom(buf, len, 0);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            g_error("getrandom: %s", g_strerror(errno));
        }
        buf += n;
        len -= (size_t)n;
    }
}

static void guest_random_bytes_impl(void *buf, size_t len)
{
    if (seeded.enabled) {
        seeded_bytes(buf, len);
    } else {
        host_bytes(buf, len);
    }
}

void guest_random_bytes(void *buf, size_t len)
{
    if (replay_mode == REPLAY_MODE_PLAY) {
        replay_random(buf, len);
        return;
    }
    guest_random_bytes_impl(buf, len);
    replay_random(buf, len);
}
