/* reprise-log: print a replay log's header, statistics and events, and check it. */
#include "config-host.h"
#include "replay/log.h"
#include "replay/replay.h"
#include "util/leb128.h"

#include <fcntl.h>
#include <unistd.h>

enum {
    EXIT_OK = 0,
    EXIT_CORRUPT = 1,   /* corrupt or unreadable log, malformed payload */
    EXIT_TRUNCATED = 2, /* verify: the log was cut short */
    EXIT_USAGE = 3,
};

static const char usage_text[] =
    "Usage: reprise-log [--json] COMMAND LOG [OPTIONS]\n"
    "\n"
    "Commands:\n"
    "  info LOG      header, event counts and payload bytes by kind, duration in\n"
    "                instructions and guest seconds, chunks and sizes, whether the\n"
    "                log is complete or where a truncated log ends\n"
    "  dump LOG      one line per event: sequence number, icount, kind and payload\n"
    "      --kind K[,K...]  only these kinds (clock, random, char-read, char-write,\n"
    "                       input, net, audio-out, audio-in, async, shift, warp,\n"
    "                       checkpoint, interrupt, shutdown, end, char-event)\n"
    "      --from N         only events at icount N or later (a log with an index is\n"
    "                       entered at the chunk holding N, not read from the start)\n"
    "      --to N           only events at icount N or earlier\n"
    "  verify LOG    read and check every chunk and event payload\n"
    "\n"
    "Options:\n"
    "  --json        machine-readable output: one JSON object (dump: one per line)\n"
    "  -h, --help    show this help\n"
    "  -V, --version show the version\n"
    "\n"
    "Exit status:\n"
    "  0  success (verify: the log is intact)\n"
    "  1  the log is corrupt or cannot be read, or a payload is malformed\n"
    "  2  verify: the log is truncated (its readable part is reported)\n"
    "  3  usage error (unknown command or option, bad argument)\n";

/* Bytes of each chunk's own header (include/replay/log.h), magic to header CRC. */
#define CHUNK_HEADER_BYTES 36

typedef struct ToolOptions {
    const char *command;
    const char *path;
    bool json;
    bool have_kinds;
    bool kinds[REPLAY_EV_MAX];
    uint64_t from;
    uint64_t to;
} ToolOptions;

/* What reading a whole log found. */
typedef struct LogStats {
    uint64_t events;
    uint64_t count[REPLAY_EV_MAX];
    uint64_t payload_bytes[REPLAY_EV_MAX];
    uint64_t first_icount;
    uint64_t last_icount;
    uint64_t chunks;
    uint64_t first_chunk_offset;
    uint64_t raw_bytes;
    uint64_t malformed;
    char *first_malformed; /* describe() error of the first malformed payload */
    int result;            /* of the last replay_log_read_event() */
    char *error;
    /* Guest (virtual) time: bias + (icount << shift), moved by shift and warp events. */
    int shift;
    int64_t bias_ns;
} LogStats;

/* ---- JSON, written by hand: compact, strings escaped to valid UTF-8 ---- */

typedef struct Json {
    GString *out;
    int depth;
    bool comma[16];
} Json;

static void json_escape(GString *out, const char *s)
{
    const char *end = s + strlen(s);

    g_string_append_c(out, '"');
    while (s < end) {
        gunichar c = g_utf8_get_char_validated(s, end - s);
        if (c == (gunichar)-1 || c == (gunichar)-2) {
            g_string_append(out, "\\ufffd"); /* not UTF-8: one replacement per byte */
            s++;
            continue;
        }
        if (c == '"' || c == '\\') {
            g_string_append_printf(out, "\\%c", (char)c);
        } else if (c < 0x20) {
            g_string_append_printf(out, "\\u%04x", c);
        } else {
            g_string_append_unichar(out, c);
        }
        s = g_utf8_next_char(s);
    }
    g_string_append_c(out, '"');
}

static void json_member(Json *j, const char *key)
{
    if (j->comma[j->depth]) {
        g_string_append_c(j->out, ',');
    }
    j->comma[j->depth] = true;
    if (key) {
        json_escape(j->out, key);
        g_string_append_c(j->out, ':');
    }
}

static void json_open(Json *j, const char *key, char bracket)
{
    json_member(j, key);
    g_string_append_c(j->out, bracket);
    assert(j->depth + 1 < (int)ARRAY_SIZE(j->comma));
    j->comma[++j->depth] = false;
}

static void json_close(Json *j, char bracket)
{
    j->depth--;
    g_string_append_c(j->out, bracket);
}

static void json_str(Json *j, const char *key, const char *value)
{
    json_member(j, key);
    if (value) {
        json_escape(j->out, value);
    } else {
        g_string_append(j->out, "null");
    }
}

static void json_u64(Json *j, const char *key, uint64_t value)
{
    json_member(j, key);
    g_string_append_printf(j->out, "%" PRIu64, value);
}

static void json_i64(Json *j, const char *key, int64_t value)
{
    json_member(j, key);
    g_string_append_printf(j->out, "%" PRId64, value);
}

static void json_bool(Json *j, const char *key, bool value)
{
    json_member(j, key);
    g_string_append(j->out, value ? "true" : "false");
}

static void json_print(Json *j)
{
    assert(j->depth == 0);
    g_string_append_c(j->out, '\n');
    fputs(j->out->str, stdout);
    g_string_truncate(j->out, 0);
    j->comma[0] = false;
}

/* ---- reading a log ---- */

static size_t varint_size(uint64_t v)
{
    size_t n = 1;

    for (; v >= 0x80; v >>= 7) {
        n++;
    }
    return n;
}

/* Follow the virtual clock: a shift event sets shift and bias, a warp adds to it. */
static void stats_follow_clock(LogStats *st, const ReplayEvent *ev)
{
    const uint8_t *p = ev->payload, *end = ev->payload + ev->len;
    uint64_t warp;
    int64_t bias;

    if (ev->kind == REPLAY_EV_SHIFT && ev->len >= 2 && p[0] < 64) {
        p++;
        if (leb128_get_s64(&p, end, &bias)) {
            st->shift = ev->payload[0];
            st->bias_ns = bias;
        }
    } else if (ev->kind == REPLAY_EV_WARP && leb128_get_u64(&p, end, &warp)) {
        st->bias_ns += (int64_t)warp;
    }
}

/* The shift a recording starts with: the header's number, 3 for "auto" (icount.c). */
static int initial_shift(const ReplayLogHeader *h)
{
    guint64 v;

    if (h->icount_shift &&
        g_ascii_string_to_unsigned(h->icount_shift, 10, 0, 63, &v, NULL)) {
        return (int)v;
    }
    return 3;
}

static double stats_guest_seconds(const LogStats *st)
{
    return (st->bias_ns + (double)st->last_icount * (double)(1ull << st->shift)) / 1e9;
}

static void stats_add(LogStats *st, const ReplayEvent *ev, uint64_t prev_icount)
{
    if (st->events == 0) {
        st->first_icount = ev->icount;
        st->first_chunk_offset = ev->chunk_offset;
    }
    st->events++;
    st->count[ev->kind]++;
    st->payload_bytes[ev->kind] += ev->len;
    st->last_icount = ev->icount;
    st->raw_bytes +=
        1 + varint_size(ev->icount - prev_icount) + varint_size(ev->len) + ev->len;
    stats_follow_clock(st, ev);
}

static void stats_check_payload(LogStats *st, const ReplayEvent *ev)
{
    g_autoptr(GString) text = g_string_new(NULL);
    Error *err = NULL;

    if (replay_event_describe(ev->kind, ev->payload, ev->len, text, &err)) {
        return;
    }
    if (st->malformed++ == 0) {
        st->first_malformed = g_strdup_printf(
            "event %" PRIu64 " (icount %" PRIu64 ", chunk at offset %" PRIu64 "): %s",
            ev->seq, ev->icount, ev->chunk_offset, error_get_pretty(err));
    }
    error_free(err);
}

/* Reads every event; check_payloads also decodes each payload. */
static void stats_collect(ReplayLogReader *r, LogStats *st, bool check_payloads)
{
    ReplayEvent ev;
    Error *err = NULL;
    uint64_t prev_icount = 0, chunk_offset = UINT64_MAX;

    while ((st->result = replay_log_read_event(r, &ev, &err)) > 0) {
        if (ev.chunk_offset != chunk_offset) {
            chunk_offset = ev.chunk_offset;
            st->chunks++;
            prev_icount = st->last_icount;
        }
        stats_add(st, &ev, prev_icount);
        prev_icount = ev.icount;
        if (check_payloads) {
            stats_check_payload(st, &ev);
        }
    }
    if (err) {
        st->error = g_strdup(error_get_pretty(err));
        error_free(err);
    }
}

static void stats_free(LogStats *st)
{
    g_free(st->first_malformed);
    g_free(st->error);
}

/* Where the chunks end: at the index of an intact log (its tail points there). */
static uint64_t chunks_end(ReplayLogReader *r, const char *path)
{
    uint64_t size = replay_log_reader_file_size(r), index_offset = 0;
    int fd;

    if (replay_log_reader_truncated(r)) {
        return replay_log_reader_end_offset(r);
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && size >= 8 && pread(fd, &index_offset, 8, size - 8) == 8) {
        index_offset = GUINT64_FROM_LE(index_offset);
    }
    if (fd >= 0) {
        close(fd);
    }
    return index_offset;
}

/* Offset named in a reader error message ("... at offset N ..."), or -1. */
static int64_t error_offset(const char *msg)
{
    const char *p = msg ? strstr(msg, "offset ") : NULL;

    if (!p || !g_ascii_isdigit(p[7])) {
        return -1;
    }
    return g_ascii_strtoll(p + 7, NULL, 10);
}

/* ---- info ---- */

static char *format_time(int64_t ns)
{
    int64_t sec = ns / 1000000000, frac = ns % 1000000000;
    g_autoptr(GDateTime) t = NULL;
    g_autofree char *base = NULL;

    if (frac < 0) {
        frac += 1000000000;
        sec--;
    }
    t = g_date_time_new_from_unix_utc(sec);
    if (!t) {
        return g_strdup("(out of range)");
    }
    base = g_date_time_format(t, "%Y-%m-%dT%H:%M:%S");
    return g_strdup_printf("%s.%09" PRId64 "Z", base, frac);
}

static char *format_sha256(const uint8_t *sha)
{
    GString *hex = g_string_new(NULL);

    for (int i = 0; i < 32; i++) {
        g_string_append_printf(hex, "%02x", sha[i]);
    }
    return g_string_free(hex, false);
}

/* Header strings come from the file: control bytes and bad UTF-8 are shown escaped. */
static char *text_safe(const char *s)
{
    GString *out = g_string_new(NULL);
    const char *end = s + strlen(s);

    while (s < end) {
        gunichar c = g_utf8_get_char_validated(s, end - s);
        if (c == (gunichar)-1 || c == (gunichar)-2 || c < 0x20 || c == 0x7f) {
            g_string_append_printf(out, "\\x%02x", (uint8_t)*s++);
            continue;
        }
        g_string_append_unichar(out, c);
        s = g_utf8_next_char(s);
    }
    return g_string_free(out, false);
}

static char *text_safe_take(char *s)
{
    char *safe = text_safe(s);

    g_free(s);
    return safe;
}

static char *format_args(const GPtrArray *args)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < args->len; i++) {
        const char *arg = g_ptr_array_index(args, i);
        bool plain =
            *arg && strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                "0123456789-_=,./:+@%") == strlen(arg);
        g_autofree char *quoted = plain ? g_strdup(arg) : g_shell_quote(arg);
        g_string_append_printf(s, "%s%s", i ? " " : "", quoted);
    }
    return text_safe_take(g_string_free(s, false));
}

static void info_text_header(const ReplayLogHeader *h)
{
    g_autofree char *args = format_args(h->config_args);
    g_autofree char *start = format_time(h->start_time_ns);
    g_autofree char *version = text_safe(h->emulator_version ?: "(unknown)");
    g_autofree char *shift = text_safe(h->icount_shift ?: "(not set)");

    printf("format version:  %u\n", h->format_version);
    printf("emulator:        %s\n", version);
    printf("configuration:   %s\n", args);
    for (guint i = 0; i < h->images->len; i++) {
        const ReplayImage *img = &g_array_index(h->images, ReplayImage, i);
        g_autofree char *sha = format_sha256(img->sha256);
        g_autofree char *role = text_safe(img->role);
        g_autofree char *path = text_safe(img->path);
        printf("image:           %s %s sha256=%s\n", role, path, sha);
    }
    printf("icount shift:    %s\n", shift);
    printf("start time:      %s (%" PRId64 " ns)\n", start, h->start_time_ns);
}

static void info_text_events(const LogStats *st)
{
    printf("events:          %" PRIu64 "\n", st->events);
    for (unsigned k = 0; k < REPLAY_EV_MAX; k++) {
        if (st->count[k]) {
            printf("  %-14s %12" PRIu64 " events %14" PRIu64 " payload bytes\n",
                   replay_event_kind_name(k), st->count[k], st->payload_bytes[k]);
        }
    }
    if (st->events) {
        printf("first icount:    %" PRIu64 "\n", st->first_icount);
        printf("last icount:     %" PRIu64 "\n", st->last_icount);
        /* A recording starts at icount 0, so it spans its last event's icount. */
        printf("duration:        %" PRIu64 " instructions, %.6f guest seconds\n",
               st->last_icount, stats_guest_seconds(st));
    }
}

static void info_text_file(ReplayLogReader *r, const LogStats *st, uint64_t stored)
{
    uint64_t size = replay_log_reader_file_size(r);

    printf("chunks:          %" PRIu64 "\n", st->chunks);
    if (stored) {
        printf("stored size:     %" PRIu64 " bytes (after compression, without chunk "
               "headers)\n",
               stored);
    }
    printf("raw size:        %" PRIu64 " bytes of events\n", st->raw_bytes);
    if (st->result < 0) {
        printf("status:          corrupt: %s\n", st->error);
    } else if (replay_log_reader_truncated(r)) {
        printf(
            "status:          truncated (no index): readable part ends at offset %" PRIu64
            " of %" PRIu64 " bytes\n",
            replay_log_reader_end_offset(r), size);
    } else {
        printf("status:          complete, with index (%" PRIu64 " bytes)\n", size);
    }
}

static void info_json_header(Json *j, const ReplayLogHeader *h)
{
    json_u64(j, "format_version", h->format_version);
    json_str(j, "emulator_version", h->emulator_version);
    json_open(j, "config_args", '[');
    for (guint i = 0; i < h->config_args->len; i++) {
        json_str(j, NULL, g_ptr_array_index(h->config_args, i));
    }
    json_close(j, ']');
    json_open(j, "images", '[');
    for (guint i = 0; i < h->images->len; i++) {
        const ReplayImage *img = &g_array_index(h->images, ReplayImage, i);
        g_autofree char *sha = format_sha256(img->sha256);
        json_open(j, NULL, '{');
        json_str(j, "role", img->role);
        json_str(j, "path", img->path);
        json_str(j, "sha256", sha);
        json_close(j, '}');
    }
    json_close(j, ']');
    json_str(j, "icount_shift", h->icount_shift);
    json_i64(j, "start_time_ns", h->start_time_ns);
}

static void info_json_events(Json *j, const LogStats *st)
{
    json_u64(j, "events", st->events);
    json_open(j, "kinds", '{');
    for (unsigned k = 0; k < REPLAY_EV_MAX; k++) {
        if (st->count[k]) {
            json_open(j, replay_event_kind_name(k), '{');
            json_u64(j, "count", st->count[k]);
            json_u64(j, "payload_bytes", st->payload_bytes[k]);
            json_close(j, '}');
        }
    }
    json_close(j, '}');
    if (st->events) {
        json_u64(j, "first_icount", st->first_icount);
        json_u64(j, "last_icount", st->last_icount);
        json_u64(j, "duration_instructions", st->last_icount);
        json_member(j, "guest_seconds");
        g_string_append_printf(j->out, "%.9f", stats_guest_seconds(st));
    }
}

static const char *status_name(ReplayLogReader *r, const LogStats *st)
{
    if (st->result < 0 || st->malformed) {
        return "corrupt";
    }
    return replay_log_reader_truncated(r) ? "truncated" : "intact";
}

static void json_status(Json *j, ReplayLogReader *r, const LogStats *st)
{
    const char *error = st->result < 0 ? st->error : st->first_malformed;

    json_str(j, "status", status_name(r, st));
    json_bool(j, "index_present", st->result == 0 && !replay_log_reader_truncated(r));
    json_u64(j, "end_offset", replay_log_reader_end_offset(r));
    json_u64(j, "file_size", replay_log_reader_file_size(r));
    if (error) {
        json_str(j, "error", error);
        json_i64(j, "error_offset", error_offset(error));
    }
}

static void info_json(ReplayLogReader *r, const LogStats *st, uint64_t stored)
{
    Json j = {g_string_new(NULL)};

    json_open(&j, NULL, '{');
    info_json_header(&j, replay_log_reader_header(r));
    info_json_events(&j, st);
    json_u64(&j, "chunks", st->chunks);
    json_u64(&j, "stored_bytes", stored);
    json_u64(&j, "raw_bytes", st->raw_bytes);
    json_status(&j, r, st);
    json_close(&j, '}');
    json_print(&j);
    g_string_free(j.out, true);
}

static int cmd_info(ReplayLogReader *r, const ToolOptions *opt)
{
    LogStats st = {.shift = initial_shift(replay_log_reader_header(r))};
    uint64_t stored;

    stats_collect(r, &st, false);
    stored = 0; /* unknown for a corrupt log */
    if (st.chunks && st.result == 0) {
        stored = chunks_end(r, opt->path) - st.first_chunk_offset -
                 st.chunks * CHUNK_HEADER_BYTES;
    }
    if (opt->json) {
        info_json(r, &st, stored);
    } else {
        printf("log:             %s (%" PRIu64 " bytes)\n", opt->path,
               replay_log_reader_file_size(r));
        info_text_header(replay_log_reader_header(r));
        info_text_events(&st);
        info_text_file(r, &st, stored);
    }
    stats_free(&st);
    return st.result < 0 ? EXIT_CORRUPT : EXIT_OK;
}

/* ---- dump ---- */

static bool dump_selected(const ToolOptions *opt, const ReplayEvent *ev)
{
    return (!opt->have_kinds || opt->kinds[ev->kind]) && ev->icount >= opt->from &&
           ev->icount <= opt->to;
}

/* Prints one event; false if its payload is malformed (the line says so). */
static bool dump_event(const ToolOptions *opt, const ReplayEvent *ev, Json *j)
{
    g_autoptr(GString) text = g_string_new(NULL);
    Error *err = NULL;
    bool ok = replay_event_describe(ev->kind, ev->payload, ev->len, text, &err);

    if (!ok) {
        g_string_printf(text, "%s <%s>", replay_event_kind_name(ev->kind),
                        error_get_pretty(err));
        error_free(err);
    }
    if (!opt->json) {
        printf("%8" PRIu64 " %16" PRIu64 "  %s\n", ev->seq, ev->icount, text->str);
        return ok;
    }
    json_open(j, NULL, '{');
    json_u64(j, "seq", ev->seq);
    json_u64(j, "icount", ev->icount);
    json_str(j, "kind", replay_event_kind_name(ev->kind));
    json_u64(j, "len", ev->len);
    json_str(j, ok ? "description" : "malformed", text->str);
    json_close(j, '}');
    json_print(j);
    return ok;
}

static int dump_finish(ReplayLogReader *r, const ToolOptions *opt, int result, Error *err)
{
    if (result < 0) {
        error_report_err(err);
        return EXIT_CORRUPT;
    }
    if (result == 0 && replay_log_reader_truncated(r)) {
        warn_report("%s is truncated: its readable part ends at offset %" PRIu64
                    " of %" PRIu64 " bytes",
                    opt->path, replay_log_reader_end_offset(r),
                    replay_log_reader_file_size(r));
    }
    return EXIT_OK;
}

static int cmd_dump(ReplayLogReader *r, const ToolOptions *opt)
{
    Json j = {g_string_new(NULL)};
    ReplayEvent ev;
    Error *err = NULL;
    bool payloads_ok = true;
    int result, status;

    /* With --from, the index takes the reader straight to the right chunk. */
    if (opt->from) {
        replay_log_reader_skip_to_icount(r, opt->from);
    }
    while ((result = replay_log_read_event(r, &ev, &err)) > 0 && ev.icount <= opt->to) {
        if (dump_selected(opt, &ev)) {
            payloads_ok &= dump_event(opt, &ev, &j);
        }
    }
    fflush(stdout);
    g_string_free(j.out, true);
    status = dump_finish(r, opt, result, err);
    return status == EXIT_OK && !payloads_ok ? EXIT_CORRUPT : status;
}

/* ---- verify ---- */

static int verify_status(ReplayLogReader *r, const LogStats *st)
{
    if (st->result < 0 || st->malformed) {
        return EXIT_CORRUPT;
    }
    return replay_log_reader_truncated(r) ? EXIT_TRUNCATED : EXIT_OK;
}

static void verify_text(ReplayLogReader *r, const ToolOptions *opt, const LogStats *st)
{
    if (st->result < 0) {
        error_report("%s", st->error);
    } else if (st->malformed) {
        error_report("%s: %" PRIu64 " malformed payloads; first: %s", opt->path,
                     st->malformed, st->first_malformed);
    } else if (replay_log_reader_truncated(r)) {
        printf("%s: truncated: %" PRIu64
               " events readable; the log ends at offset %" PRIu64 " of %" PRIu64
               " bytes\n",
               opt->path, st->events, replay_log_reader_end_offset(r),
               replay_log_reader_file_size(r));
    } else {
        printf("%s: intact: %" PRIu64 " events in %" PRIu64 " chunks, %" PRIu64
               " bytes\n",
               opt->path, st->events, st->chunks, replay_log_reader_file_size(r));
    }
}

static void verify_json(ReplayLogReader *r, const LogStats *st)
{
    Json j = {g_string_new(NULL)};

    json_open(&j, NULL, '{');
    json_status(&j, r, st);
    json_u64(&j, "malformed_payloads", st->malformed);
    json_u64(&j, "events", st->events);
    json_u64(&j, "chunks", st->chunks);
    json_close(&j, '}');
    json_print(&j);
    g_string_free(j.out, true);
}

static int cmd_verify(ReplayLogReader *r, const ToolOptions *opt)
{
    LogStats st = {0};
    int status;

    stats_collect(r, &st, true);
    if (opt->json) {
        verify_json(r, &st);
    } else {
        verify_text(r, opt, &st);
    }
    status = verify_status(r, &st);
    stats_free(&st);
    return status;
}

/* ---- command line ---- */

static bool parse_kinds(ToolOptions *opt, const char *list)
{
    g_auto(GStrv) names = g_strsplit(list, ",", -1);

    for (char **name = names; *name; name++) {
        int kind = replay_event_kind_from_name(*name);
        if (kind < 0) {
            error_report("unknown event kind '%s' (see --help for the list)", *name);
            return false;
        }
        opt->kinds[kind] = true;
    }
    opt->have_kinds = true;
    return true;
}

static bool parse_u64(const char *option, const char *text, uint64_t *value)
{
    g_autoptr(GError) gerr = NULL;
    guint64 v;

    if (!g_ascii_string_to_unsigned(text, 10, 0, UINT64_MAX, &v, &gerr)) {
        error_report("%s: invalid number '%s'", option, text);
        return false;
    }
    *value = v;
    return true;
}

/* An option that takes a value, as "--opt value" or "--opt=value". */
static const char *option_value(const char *name, char **argv, int argc, int *i)
{
    size_t n = strlen(name);

    if (argv[*i][n] == '=') {
        return argv[*i] + n + 1;
    }
    if (*i + 1 >= argc) {
        error_report("option %s needs a value", name);
        return NULL;
    }
    return argv[++*i];
}

static bool option_is(const char *arg, const char *name)
{
    size_t n = strlen(name);

    return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

static bool parse_valued_option(ToolOptions *opt, char **argv, int argc, int *i)
{
    static const char *const names[] = {"--kind", "--from", "--to"};

    for (unsigned n = 0; n < ARRAY_SIZE(names); n++) {
        if (!option_is(argv[*i], names[n])) {
            continue;
        }
        const char *value = option_value(names[n], argv, argc, i);
        if (!value) {
            return false;
        }
        switch (n) {
        case 0: return parse_kinds(opt, value);
        case 1: return parse_u64(names[n], value, &opt->from);
        default: return parse_u64(names[n], value, &opt->to);
        }
    }
    error_report("unknown option '%s' (see --help)", argv[*i]);
    return false;
}

static bool parse_positional(ToolOptions *opt, const char *arg)
{
    if (!opt->command) {
        opt->command = arg;
    } else if (!opt->path) {
        opt->path = arg;
    } else {
        error_report("unexpected argument '%s'", arg);
        return false;
    }
    return true;
}

/* Returns -1 to go on, or the exit status. */
static int parse_args(ToolOptions *opt, int argc, char **argv)
{
    bool only_positional = false;

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (only_positional || arg[0] != '-' || arg[1] == '\0') {
            if (!parse_positional(opt, arg)) {
                return EXIT_USAGE;
            }
        } else if (!strcmp(arg, "--")) {
            only_positional = true;
        } else if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
            fputs(usage_text, stdout);
            return EXIT_OK;
        } else if (!strcmp(arg, "-V") || !strcmp(arg, "--version")) {
            printf("reprise-log %s (log format version %u)\n", REPRISE_VERSION,
                   REPLAY_LOG_FORMAT_VERSION);
            return EXIT_OK;
        } else if (!strcmp(arg, "--json")) {
            opt->json = true;
        } else if (!parse_valued_option(opt, argv, argc, &i)) {
            return EXIT_USAGE;
        }
    }
    return -1;
}

static bool check_args(const ToolOptions *opt)
{
    static const char *const commands[] = {"info", "dump", "verify"};
    bool known = false;

    if (!opt->command) {
        error_report("no command given (see --help)");
        return false;
    }
    for (unsigned i = 0; i < ARRAY_SIZE(commands); i++) {
        known |= !strcmp(opt->command, commands[i]);
    }
    if (!known) {
        error_report("unknown command '%s' (see --help)", opt->command);
        return false;
    }
    if (!opt->path) {
        error_report("%s: no log file given", opt->command);
        return false;
    }
    if (strcmp(opt->command, "dump") &&
        (opt->have_kinds || opt->from || opt->to != UINT64_MAX)) {
        error_report("--kind, --from and --to apply only to dump");
        return false;
    }
    return true;
}

static int report_open_error(const ToolOptions *opt, Error *err)
{
    Json j = {g_string_new(NULL)};

    if (opt->json && !strcmp(opt->command, "verify")) {
        json_open(&j, NULL, '{');
        json_str(&j, "status", "corrupt");
        json_str(&j, "error", error_get_pretty(err));
        json_i64(&j, "error_offset", error_offset(error_get_pretty(err)));
        json_close(&j, '}');
        json_print(&j);
    }
    g_string_free(j.out, true);
    error_report_err(err);
    return EXIT_CORRUPT;
}

static int run_command(const ToolOptions *opt)
{
    Error *err = NULL;
    ReplayLogReader *r = replay_log_reader_open(opt->path, &err);
    int status;

    if (!r) {
        return report_open_error(opt, err);
    }
    if (!strcmp(opt->command, "info")) {
        status = cmd_info(r, opt);
    } else if (!strcmp(opt->command, "dump")) {
        status = cmd_dump(r, opt);
    } else {
        status = cmd_verify(r, opt);
    }
    replay_log_reader_close(r);
    return status;
}

int main(int argc, char **argv)
{
    ToolOptions opt = {.to = UINT64_MAX};
    int status;

    error_set_progname("reprise-log");
    status = parse_args(&opt, argc, argv);
    if (status >= 0) {
        return status;
    }
    if (!check_args(&opt)) {
        return EXIT_USAGE;
    }
    return run_command(&opt);
}
