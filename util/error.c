/* Error objects: an error carries a message up to whoever can report it. */
#include "util/error.h"

struct Error {
    char *msg;
};

static const char *error_progname = "reprise";

void error_set_progname(const char *name)
{
    error_progname = name;
}

static void error_setv(Error **errp, char *msg)
{
    if (!errp) {
        g_free(msg);
        return;
    }
    /* Overwriting an error would lose it: the caller forgot to return. */
    assert(*errp == NULL);
    Error *err = g_new0(Error, 1);
    err->msg = msg;
    *errp = err;
}

void error_setg(Error **errp, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    error_setv(errp, msg);
}

void error_setg_errno(Error **errp, int os_errno, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    char *full = g_strdup_printf("%s: %s", msg, g_strerror(os_errno));
    g_free(msg);
    error_setv(errp, full);
}

void error_prepend(Error **errp, const char *fmt, ...)
{
    if (!errp || !*errp) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    char *prefix = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    Error *err = *errp;
    char *msg = g_strconcat(prefix, err->msg, NULL);
    g_free(prefix);
    g_free(err->msg);
    err->msg = msg;
}

void error_propagate(Error **dst, Error *src)
{
    if (!src) {
        return;
    }
    if (!dst || *dst) {
        /* Nobody wants it, or the first error wins. */
        error_free(src);
        return;
    }
    *dst = src;
}

const char *error_get_pretty(const Error *err)
{
    return err->msg;
}

void error_free(Error *err)
{
    if (err) {
        g_free(err->msg);
        g_free(err);
    }
}

static void report_v(const char *kind, const char *fmt, va_list ap)
{
    fprintf(stderr, "%s: %s", error_progname, kind);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void error_report(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report_v("", fmt, ap);
    va_end(ap);
}

void warn_report(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report_v("warning: ", fmt, ap);
    va_end(ap);
}

void error_report_err(Error *err)
{
    error_report("%s", err->msg);
    error_free(err);
}
