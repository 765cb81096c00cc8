/* Logging with categories (-d in_asm,int,... and -D file). */
#ifndef UTIL_LOG_H
#define UTIL_LOG_H

#include "util/osdep.h"
#include "util/error.h"

enum {
    LOG_IN_ASM = 1 << 0,      /* guest instructions as translated */
    LOG_EXEC = 1 << 1,        /* each translation block as executed */
    LOG_INT = 1 << 2,         /* interrupts and exceptions */
    LOG_CPU = 1 << 3,         /* CPU state before each block */
    LOG_REPLAY = 1 << 4,      /* replay events */
    LOG_GUEST_ERROR = 1 << 5, /* guest did something invalid */
    LOG_UNIMP = 1 << 6,       /* unimplemented device features */
    LOG_IOPORT = 1 << 7,      /* port I/O */
    LOG_CHARDEV = 1 << 8,     /* character backends */
    LOG_GDB = 1 << 9,         /* gdb remote protocol packets */
};

extern unsigned log_mask;
extern FILE *log_file; /* stderr unless -D */

static inline bool log_enabled(unsigned mask)
{
    return (log_mask & mask) != 0;
}

void log_printf(const char *fmt, ...) PRINTF_FMT(1, 2);
#define log_mask_printf(mask, ...)                                                       \
    do {                                                                                 \
        if (unlikely(log_enabled(mask))) {                                               \
            log_printf(__VA_ARGS__);                                                     \
        }                                                                                \
    } while (0)

/* Parse "-d" argument ("in_asm,int" or "help"). Returns false and sets errp on error. */
bool log_set_mask_str(const char *str, Error **errp);
void log_print_help(FILE *f);
bool log_set_file(const char *path, Error **errp);

/*
 * Guest misbehaviour: logged under LOG_GUEST_ERROR, and also warned once on stderr
 * (rate limited), never fatal.
 */
void log_guest_error(const char *fmt, ...) PRINTF_FMT(1, 2);
void log_unimp(const char *fmt, ...) PRINTF_FMT(1, 2);

#endif
