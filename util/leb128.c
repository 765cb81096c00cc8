/* LEB128 varints for the replay log: canonical (shortest) encodings only. */
#include "util/leb128.h"

#define LEB128_MAX_BYTES 10

void leb128_put_u64(GByteArray *out, uint64_t v)
{
    uint8_t buf[LEB128_MAX_BYTES];
    size_t n = 0;

    while (v >= 0x80) {
        buf[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    buf[n++] = (uint8_t)v;
    g_byte_array_append(out, buf, n);
}

void leb128_put_s64(GByteArray *out, int64_t v)
{
    uint64_t u = (uint64_t)v;

    leb128_put_u64(out, (u << 1) ^ (0 - (u >> 63)));
}

/*
 * Only the shortest encoding of each value is accepted: a last byte of zero
 * after other bytes (overlong) or bits beyond 64 are errors, so that every
 * byte of a log has exactly one meaning.
 */
bool leb128_get_u64(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    const uint8_t *q = *p;
    uint64_t value = 0;

    for (unsigned i = 0; i < LEB128_MAX_BYTES && q < end; i++) {
        uint8_t byte = *q++;
        if (i == LEB128_MAX_BYTES - 1 && byte > 1) {
            return false;
        }
        value |= (uint64_t)(byte & 0x7f) << (7 * i);
        if (!(byte & 0x80)) {
            if (byte == 0 && i > 0) {
                return false;
            }
            *v = value;
            *p = q;
            return true;
        }
    }
    return false;
}

bool leb128_get_s64(const uint8_t **p, const uint8_t *end, int64_t *v)
{
    uint64_t u;

    if (!leb128_get_u64(p, end, &u)) {
        return false;
    }
    *v = (int64_t)((u >> 1) ^ (0 - (u & 1)));
    return true;
}
