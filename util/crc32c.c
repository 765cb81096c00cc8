/* CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as RFC 3720 B.4 defines it. */
#include "replay/log.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <nmmintrin.h>
#define CRC32C_HAVE_SSE42 1
#else
#define CRC32C_HAVE_SSE42 0
#endif

#define CRC32C_POLY 0x82f63b78u

/* Slicing-by-8: table[k][b] is the CRC of byte b followed by k zero bytes. */
static uint32_t crc32c_table[8][256];

static void crc32c_init_tables(void)
{
    for (unsigned b = 0; b < 256; b++) {
        uint32_t crc = b;
        for (int bit = 0; bit < 8; bit++) {
            crc = (crc >> 1) ^ (CRC32C_POLY & (0 - (crc & 1)));
        }
        crc32c_table[0][b] = crc;
    }
    for (unsigned b = 0; b < 256; b++) {
        for (int k = 1; k < 8; k++) {
            uint32_t prev = crc32c_table[k - 1][b];
            crc32c_table[k][b] = (prev >> 8) ^ crc32c_table[0][prev & 0xff];
        }
    }
}

static uint32_t crc32c_sw_bytes(uint32_t crc, const uint8_t *p, size_t len)
{
    while (len--) {
        crc = (crc >> 8) ^ crc32c_table[0][(crc ^ *p++) & 0xff];
    }
    return crc;
}

static uint32_t crc32c_sw(uint32_t crc, const uint8_t *p, size_t len)
{
    while (len >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        word = GUINT64_FROM_LE(word) ^ crc;
        crc =
            crc32c_table[7][word & 0xff] ^ crc32c_table[6][(word >> 8) & 0xff] ^
            crc32c_table[5][(word >> 16) & 0xff] ^ crc32c_table[4][(word >> 24) & 0xff] ^
            crc32c_table[3][(word >> 32) & 0xff] ^ crc32c_table[2][(word >> 40) & 0xff] ^
            crc32c_table[1][(word >> 48) & 0xff] ^ crc32c_table[0][word >> 56];
        p += 8;
        len -= 8;
    }
    return crc32c_sw_bytes(crc, p, len);
}

#if CRC32C_HAVE_SSE42
__attribute__((target("sse4.2"))) static uint32_t crc32c_hw(uint32_t crc,
                                                            const uint8_t *p, size_t len)
{
    uint64_t crc64 = crc;

    for (; len >= 8; p += 8, len -= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        crc64 = _mm_crc32_u64(crc64, word);
    }
    crc = (uint32_t)crc64;
    for (; len > 0; p++, len--) {
        crc = _mm_crc32_u8(crc, *p);
    }
    return crc;
}

static bool crc32c_use_hw(void)
{
    return __builtin_cpu_supports("sse4.2");
}
#else
static uint32_t crc32c_hw(uint32_t crc, const uint8_t *p, size_t len)
{
    g_assert_not_reached();
}

static bool crc32c_use_hw(void)
{
    return false;
}
#endif

typedef uint32_t (*Crc32cFn)(uint32_t crc, const uint8_t *p, size_t len);

static Crc32cFn crc32c_pick(void)
{
    static gsize chosen;

    if (g_once_init_enter(&chosen)) {
        Crc32cFn fn = crc32c_sw;
        if (crc32c_use_hw() && !g_getenv("REPRISE_CRC32C_SOFTWARE")) {
            fn = crc32c_hw;
        }
        crc32c_init_tables();
        g_once_init_leave(&chosen, (gsize)fn);
    }
    return (Crc32cFn)chosen;
}

/* crc is the value returned for the bytes before buf (0 to start). */
uint32_t crc32c(uint32_t crc, const void *buf, size_t len)
{
    return ~crc32c_pick()(~crc, buf, len);
}
