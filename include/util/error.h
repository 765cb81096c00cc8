/* Error objects: how host and configuration errors travel up to main(). */
#ifndef UTIL_ERROR_H
#define UTIL_ERROR_H

#include "util/osdep.h"

typedef struct Error Error;

/* Set *errp to a new error (if errp is non-NULL and *errp is NULL). */
void error_setg(Error **errp, const char *fmt, ...) PRINTF_FMT(2, 3);
/* Like error_setg, with ": strerror(os_errno)" appended. */
void error_setg_errno(Error **errp, int os_errno, const char *fmt, ...) PRINTF_FMT(3, 4);
/* Prepend "prefix" to an existing error's message. */
void error_prepend(Error **errp, const char *fmt, ...) PRINTF_FMT(2, 3);
void error_propagate(Error **dst, Error *src);
const char *error_get_pretty(const Error *err);
void error_free(Error *err);

/* Print "reprise: message" on stderr. */
void error_report(const char *fmt, ...) PRINTF_FMT(1, 2);
void warn_report(const char *fmt, ...) PRINTF_FMT(1, 2);
/* Print and free. */
void error_report_err(Error *err);

/* The program name used as prefix by error_report (default "reprise"). */
void error_set_progname(const char *name);

#endif
