/* LEB128 varints (unsigned, and zigzag for signed) used by the replay log. */
#ifndef UTIL_LEB128_H
#define UTIL_LEB128_H

#include "util/osdep.h"

void leb128_put_u64(GByteArray *out, uint64_t v);
void leb128_put_s64(GByteArray *out, int64_t v); /* zigzag */
/* Decode from *p (not past end); advances *p. False on truncation or overlong input. */
bool leb128_get_u64(const uint8_t **p, const uint8_t *end, uint64_t *v);
bool leb128_get_s64(const uint8_t **p, const uint8_t *end, int64_t *v);

#endif
