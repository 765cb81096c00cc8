/* Instruction counting and the virtual clock derived from it (-icount). */
#include "system/clock.h"
#include "system/icount.h"
#include "replay/replay.h"
#include "replay/replay-snapshot.h"

IcountState icount = {.shift = 0, .sleep = true};

static char *rr_mode;
static char *rr_file;
static char *rr_snapshot;

static bool icount_parse_shift(const char *val, Error **errp)
{
    char *end;
    long v;

    if (!strcmp(val, "auto")) {
        icount.auto_shift = true;
        icount.shift = 3;
        return true;
    }
    v = strtol(val, &end, 10);
    if (!*val || *end || v < 0 || v > ICOUNT_MAX_SHIFT) {
        error_setg(errp, "-icount: shift expects 'auto' or a number 0..%d, not '%s'",
                   ICOUNT_MAX_SHIFT, val);
        return false;
    }
    icount.shift = (int)v;
    return true;
}

static bool icount_parse_onoff(const char *key, const char *val, bool *out, Error **errp)
{
    if (!strcmp(val, "on")) {
        *out = true;
    } else if (!strcmp(val, "off")) {
        *out = false;
    } else {
        error_setg(errp, "-icount: %s expects 'on' or 'off', not '%s'", key, val);
        return false;
    }
    return true;
}

static bool icount_parse_rr(const char *val, Error **errp)
{
    if (strcmp(val, "record") && strcmp(val, "replay")) {
        error_setg(errp, "-icount: rr expects 'record' or 'replay', not '%s'", val);
        return false;
    }
    g_free(rr_mode);
    rr_mode = g_strdup(val);
    return true;
}

/* rrsnapshot-interval=N (instructions), rrsnapshot-mem=SIZE (suffixes K, M, G). */
static bool icount_parse_rrsnapshot_number(const char *key, const char *val, Error **errp)
{
    bool mem = !strcmp(key, "rrsnapshot-mem");
    char *end;
    uint64_t n = g_ascii_strtoull(val, &end, 10);
    unsigned shift = *end == 'K' ? 10 : *end == 'M' ? 20 : *end == 'G' ? 30 : 0;

    if (end == val || (*end && (!mem || !shift || end[1]))) {
        error_setg(errp, "-icount: %s expects %s, not '%s'", key,
                   mem ? "a size (e.g. 512M, 2G)" : "a number of instructions", val);
        return false;
    }
    if (mem) {
        replay_snapshot_set_memory_limit(n << shift);
    } else {
        replay_snapshot_set_interval(n);
    }
    return true;
}

static bool icount_parse_one(const char *key, const char *val, Error **errp)
{
    if (!strcmp(key, "shift")) {
        return icount_parse_shift(val, errp);
    } else if (!strcmp(key, "sleep")) {
        return icount_parse_onoff(key, val, &icount.sleep, errp);
    } else if (!strcmp(key, "align")) {
        /* align=on only paces the host; it never changes guest-visible state. */
        return icount_parse_onoff(key, val, &icount.align, errp);
    } else if (!strcmp(key, "rr")) {
        return icount_parse_rr(val, errp);
    } else if (!strcmp(key, "rrsnapshot")) {
        g_free(rr_snapshot);
        rr_snapshot = g_strdup(val);
        return true;
    } else if (!strcmp(key, "rrsnapshot-interval") || !strcmp(key, "rrsnapshot-mem")) {
        return icount_parse_rrsnapshot_number(key, val, errp);
    } else if (!strcmp(key, "rrfile")) {
        g_free(rr_file);
        rr_file = g_strdup(val);
        return true;
    }
    error_setg(errp,
               "-icount: unknown option '%s' (expected shift, sleep, align, rr, "
               "rrfile, rrsnapshot, rrsnapshot-interval, rrsnapshot-mem)",
               key);
    return false;
}

bool icount_parse_opts(const char *optarg, Error **errp)
{
    g_auto(GStrv) parts = g_strsplit(optarg, ",", -1);

    icount.enabled = true;
    for (int i = 0; parts[i]; i++) {
        char *eq = strchr(parts[i], '=');
        if (!eq) {
            /* "-icount 3" / "-icount auto" is shorthand for shift= */
            if (i == 0 && *parts[i]) {
                if (!icount_parse_shift(parts[i], errp)) {
                    return false;
                }
                continue;
            }
            error_setg(errp, "-icount: expected key=value, got '%s'", parts[i]);
            return false;
        }
        *eq = '\0';
        if (!icount_parse_one(parts[i], eq + 1, errp)) {
            return false;
        }
    }
    if (rr_mode && !rr_file) {
        error_setg(errp, "-icount: rr=%s needs rrfile=FILE", rr_mode);
        return false;
    }
    /* As QEMU: shift=auto already follows the host, and align needs the sleeps. */
    if (icount.align && icount.auto_shift) {
        error_setg(errp, "-icount: align=on and shift=auto are incompatible");
        return false;
    }
    if (icount.align && !icount.sleep) {
        error_setg(errp, "-icount: align=on and sleep=off are incompatible");
        return false;
    }
    return true;
}

#define ALIGN_SLACK_NS (10 * 1000 * 1000) /* leads below this are not worth a sleep */
#define ALIGN_MAX_SLEEP_NS (100 * 1000 * 1000)

void icount_align_host(void)
{
    static int64_t host_start = -1, virt_start;
    int64_t host = host_clock_realtime_ns(), virt = icount_get_ns(), lead;

    if (!icount.align) {
        return;
    }
    if (host_start < 0) {
        host_start = host;
        virt_start = virt;
        return;
    }
    lead = (virt - virt_start) - (host - host_start);
    if (lead > ALIGN_SLACK_NS) {
        g_usleep((gulong)(MIN(lead, ALIGN_MAX_SLEEP_NS) / 1000));
    }
}

const char *icount_rr_mode_str(void)
{
    return rr_mode;
}

const char *icount_rr_file(void)
{
    return rr_file;
}

const char *icount_rr_snapshot(void)
{
    return rr_snapshot;
}

int64_t icount_get_ns(void)
{
    return icount.bias + icount_to_ns(icount.count);
}

int64_t icount_budget_until(int64_t deadline_ns)
{
    int64_t now = icount_get_ns();
    int64_t unit = (int64_t)1 << icount.shift;

    if (deadline_ns < 0) {
        return -1;
    }
    if (deadline_ns <= now) {
        return 0;
    }
    /* Round up: the timer fires on the first instruction boundary at or after it. */
    return (deadline_ns - now + unit - 1) / unit;
}

void icount_warp(int64_t delta_ns)
{
    if (delta_ns > 0) {
        icount.bias += delta_ns;
    }
}

void icount_set_shift(int shift)
{
    int64_t now = icount_get_ns();

    icount.shift = shift;
    icount.bias = now - icount_to_ns(icount.count);
}
