/* Logging with categories: -d selects what is logged, -D redirects it to a file. */
#include "util/log.h"

typedef struct LogCategory {
    unsigned mask;
    const char *name;
    const char *help;
} LogCategory;

static const LogCategory log_categories[] = {
    {LOG_IN_ASM, "in_asm", "show guest instructions as they are translated"},
    {LOG_EXEC, "exec", "show each translation block as it executes"},
    {LOG_INT, "int", "show interrupts and exceptions"},
    {LOG_CPU, "cpu", "show CPU registers before each translation block"},
    {LOG_REPLAY, "replay", "show record/replay events"},
    {LOG_GUEST_ERROR, "guest_errors", "log when the guest does something invalid"},
    {LOG_UNIMP, "unimp", "log unimplemented device features the guest uses"},
    {LOG_IOPORT, "ioport", "show port I/O, including unassigned ports"},
    {LOG_CHARDEV, "chardev", "show character backend activity"},
    {LOG_GDB, "gdb", "show gdb remote protocol packets"},
};

/* How many warnings of each kind reach stderr when its category is off. */
#define LOG_WARN_LIMIT 10

unsigned log_mask;
FILE *log_file;

static unsigned guest_error_warnings;
static unsigned unimp_warnings;

/* stderr is not a constant expression, so log_file gets it before main(). */
static void __attribute__((constructor)) log_init_file(void)
{
    log_file = stderr;
}

void log_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(log_file, fmt, ap);
    va_end(ap);
}

void log_print_help(FILE *f)
{
    fprintf(f, "Log items (comma separated):\n");
    for (size_t i = 0; i < ARRAY_SIZE(log_categories); i++) {
        fprintf(f, "%-14s %s\n", log_categories[i].name, log_categories[i].help);
    }
}

static const LogCategory *log_find_category(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(log_categories); i++) {
        if (strcmp(log_categories[i].name, name) == 0) {
            return &log_categories[i];
        }
    }
    return NULL;
}

bool log_set_mask_str(const char *str, Error **errp)
{
    if (strcmp(str, "help") == 0) {
        log_print_help(stdout);
        return true;
    }
    unsigned mask = 0;
    char **names = g_strsplit(str, ",", -1);
    for (char **name = names; *name; name++) {
        if (**name == '\0') {
            continue; /* tolerate "int," and "" */
        }
        const LogCategory *cat = log_find_category(*name);
        if (!cat) {
            error_setg(errp, "unknown log category '%s' (use -d help for a list)", *name);
            g_strfreev(names);
            return false;
        }
        mask |= cat->mask;
    }
    g_strfreev(names);
    log_mask = mask;
    return true;
}

bool log_set_file(const char *path, Error **errp)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        error_setg_errno(errp, errno, "cannot open log file '%s'", path);
        return false;
    }
    /* Line buffered so a crash or abort still leaves the last lines behind. */
    setvbuf(f, NULL, _IOLBF, 0);
    if (log_file && log_file != stderr) {
        fclose(log_file);
    }
    log_file = f;
    return true;
}

/*
 * Guest misbehaviour goes to the log when its category is on; otherwise the first
 * few messages become warnings, so a user sees that something is off without a
 * misbehaving guest flooding the terminal.
 */
static void log_rate_limited(unsigned mask, unsigned *count, const char *what,
                             const char *category, const char *fmt, va_list ap)
{
    char *msg = g_strdup_vprintf(fmt, ap);
    g_strchomp(msg);
    if (log_enabled(mask)) {
        log_printf("%s\n", msg);
    } else if (*count < LOG_WARN_LIMIT) {
        warn_report("%s", msg);
        ++*count;
    } else if (*count == LOG_WARN_LIMIT) {
        warn_report("further %s messages suppressed (use -d %s)", what, category);
        ++*count;
    }
    g_free(msg);
}

void log_guest_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_rate_limited(LOG_GUEST_ERROR, &guest_error_warnings, "guest error",
                     "guest_errors", fmt, ap);
    va_end(ap);
}

void log_unimp(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_rate_limited(LOG_UNIMP, &unimp_warnings, "unimplemented feature", "unimp", fmt,
                     ap);
    va_end(ap);
}
