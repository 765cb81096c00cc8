/* Little-endian fixed-width fields in byte buffers (log and snapshot formats). */
#ifndef UTIL_LE_H
#define UTIL_LE_H

#include "util/osdep.h"

static inline void le_put_u32(GByteArray *out, uint32_t v)
{
    uint32_t le = GUINT32_TO_LE(v);

    g_byte_array_append(out, (const uint8_t *)&le, 4);
}

static inline void le_put_u64(GByteArray *out, uint64_t v)
{
    uint64_t le = GUINT64_TO_LE(v);

    g_byte_array_append(out, (const uint8_t *)&le, 8);
}

static inline uint32_t le_get_u32(const uint8_t *p)
{
    uint32_t v;

    memcpy(&v, p, 4);
    return GUINT32_FROM_LE(v);
}

static inline uint64_t le_get_u64(const uint8_t *p)
{
    uint64_t v;

    memcpy(&v, p, 8);
    return GUINT64_FROM_LE(v);
}

#endif
