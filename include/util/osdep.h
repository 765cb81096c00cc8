/* Common includes and small helpers shared by every file in Reprise. */
#ifndef UTIL_OSDEP_H
#define UTIL_OSDEP_H

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#define ARRAY_SIZE(a)                   (sizeof(a) / sizeof((a)[0]))
#define MIN_U64(a, b)                   ((a) < (b) ? (a) : (b))
#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))
#define likely(x)                       __builtin_expect(!!(x), 1)
#define unlikely(x)                     __builtin_expect(!!(x), 0)
#define NORETURN                        __attribute__((noreturn))
#define PRINTF_FMT(a, b)                __attribute__((format(printf, a, b)))

#endif
