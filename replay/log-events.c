/* Replay event kinds: their names, and payloads decoded into text for tools and logs. */
#include "replay/replay.h"
#include "system/runstate.h"
#include "util/leb128.h"

/* Opaque payloads show at most this many bytes, in hex. */
#define DESCRIBE_HEX_MAX 32

typedef struct PayloadReader {
    const uint8_t *p;
    const uint8_t *end;
    const char *problem; /* why decoding stopped */
} PayloadReader;

typedef bool (*EventDescriber)(PayloadReader *pr, GString *out);

typedef struct EventKindInfo {
    const char *name;
    EventDescriber describe;
} EventKindInfo;

static bool fail(PayloadReader *pr, const char *problem)
{
    pr->problem = problem;
    return false;
}

static bool get_u8(PayloadReader *pr, uint8_t *v)
{
    if (pr->p >= pr->end) {
        return fail(pr, "ends early");
    }
    *v = *pr->p++;
    return true;
}

static bool get_varint(PayloadReader *pr, uint64_t max, uint64_t *v)
{
    if (!leb128_get_u64(&pr->p, pr->end, v)) {
        return fail(pr, "bad varint");
    }
    return *v <= max || fail(pr, "value out of range");
}

static bool get_svarint(PayloadReader *pr, int64_t *v)
{
    return leb128_get_s64(&pr->p, pr->end, v) || fail(pr, "bad svarint");
}

static bool get_hash(PayloadReader *pr, uint64_t *v)
{
    if (pr->end - pr->p < 8) {
        return fail(pr, "ends inside a hash");
    }
    memcpy(v, pr->p, 8);
    *v = GUINT64_FROM_LE(*v);
    pr->p += 8;
    return true;
}

static void append_hex(GString *out, const uint8_t *p, size_t len)
{
    size_t shown = MIN_U64(len, DESCRIBE_HEX_MAX);

    g_string_append_printf(out, " %zu bytes", len);
    if (len > 0) {
        g_string_append_c(out, ':');
        g_string_append_c(out, ' ');
    }
    for (size_t i = 0; i < shown; i++) {
        g_string_append_printf(out, "%02x", p[i]);
    }
    if (shown < len) {
        g_string_append(out, "...");
    }
}

/* Guest character data, quoted C-style so control bytes stay visible. */
static void append_quoted(GString *out, const uint8_t *p, size_t len)
{
    g_string_append_c(out, '"');
    for (size_t i = 0; i < len; i++) {
        switch (p[i]) {
        case '\n': g_string_append(out, "\\n"); break;
        case '\r': g_string_append(out, "\\r"); break;
        case '\t': g_string_append(out, "\\t"); break;
        case '\\': g_string_append(out, "\\\\"); break;
        case '"': g_string_append(out, "\\\""); break;
        default:
            if (p[i] >= 0x20 && p[i] < 0x7f) {
                g_string_append_c(out, p[i]);
            } else {
                g_string_append_printf(out, "\\x%02x", p[i]);
            }
        }
    }
    g_string_append_c(out, '"');
}

static bool describe_clock(PayloadReader *pr, GString *out)
{
    static const char *const clock_names[] = {
        [REPLAY_CLOCK_HOST] = "host",
        [REPLAY_CLOCK_VIRTUAL_RT] = "virtual-rt",
    };
    uint8_t clock;
    int64_t ns;

    if (!get_u8(pr, &clock) || !get_svarint(pr, &ns)) {
        return false;
    }
    if (clock >= ARRAY_SIZE(clock_names)) {
        return fail(pr, "unknown clock");
    }
    g_string_append_printf(out, " %s=%" PRId64, clock_names[clock], ns);
    return true;
}

static bool describe_bytes(PayloadReader *pr, GString *out)
{
    append_hex(out, pr->p, pr->end - pr->p);
    pr->p = pr->end;
    return true;
}

static bool describe_char_read(PayloadReader *pr, GString *out)
{
    uint64_t fe;

    if (!get_varint(pr, INT32_MAX, &fe)) {
        return false;
    }
    g_string_append_printf(out, " fe=%" PRIu64 " ", fe);
    append_quoted(out, pr->p, pr->end - pr->p);
    pr->p = pr->end;
    return true;
}

static bool describe_char_write(PayloadReader *pr, GString *out)
{
    uint64_t fe, accepted;

    if (!get_varint(pr, INT32_MAX, &fe) || !get_varint(pr, INT32_MAX, &accepted)) {
        return false;
    }
    g_string_append_printf(out, " fe=%" PRIu64 " accepted=%" PRIu64, fe, accepted);
    return true;
}

static bool describe_shift(PayloadReader *pr, GString *out)
{
    uint8_t shift;
    int64_t bias;

    if (!get_u8(pr, &shift) || !get_svarint(pr, &bias)) {
        return false;
    }
    if (shift >= 64) {
        return fail(pr, "shift out of range");
    }
    g_string_append_printf(out, " shift=%u bias=%" PRId64, shift, bias);
    return true;
}

static bool describe_warp(PayloadReader *pr, GString *out)
{
    uint64_t ns;

    if (!get_varint(pr, INT64_MAX, &ns)) {
        return false;
    }
    g_string_append_printf(out, " ns=%" PRIu64, ns);
    return true;
}

#define CKPT_MACHINE_HASH 0x01 /* RAM and device hashes follow the registers */
#define CKPT_REGS         0x02 /* rip, rflags and the 16 general registers follow */

static bool describe_checkpoint_regs(PayloadReader *pr, GString *out)
{
    uint64_t v;

    for (int i = 0; i < 18; i++) {
        if (!get_hash(pr, &v)) {
            return false;
        }
        if (i < 2) {
            g_string_append_printf(out, " %s=%" PRIx64, i ? "rflags" : "rip", v);
        }
    }
    return true;
}

static bool skip(PayloadReader *pr, size_t n)
{
    if ((size_t)(pr->end - pr->p) < n) {
        return fail(pr, "ends early");
    }
    pr->p += n;
    return true;
}

/* RAM hash, changed pages (gap · CRC), device hashes: see replay/replay-hash.c. */
static bool describe_checkpoint_machine(PayloadReader *pr, GString *out)
{
    uint64_t ram, pages, gap, devices;

    if (!get_hash(pr, &ram) || !get_varint(pr, UINT32_MAX, &pages)) {
        return false;
    }
    for (uint64_t i = 0; i < pages; i++) {
        if (!get_varint(pr, UINT32_MAX, &gap) || !skip(pr, 4)) {
            return false;
        }
    }
    if (!get_varint(pr, (pr->end - pr->p) / 8, &devices) || !skip(pr, 8 * devices)) {
        return false;
    }
    g_string_append_printf(
        out, " ram=%016" PRIx64 " changed-pages=%" PRIu64 " devices=%" PRIu64, ram, pages,
        devices);
    return true;
}

static bool describe_checkpoint(PayloadReader *pr, GString *out)
{
    uint8_t flags;
    uint64_t cpu;

    if (!get_u8(pr, &flags) || !get_hash(pr, &cpu)) {
        return false;
    }
    if (flags & ~(CKPT_MACHINE_HASH | CKPT_REGS)) {
        return fail(pr, "unknown flags");
    }
    g_string_append_printf(out, " cpu=%016" PRIx64, cpu);
    if ((flags & CKPT_REGS) && !describe_checkpoint_regs(pr, out)) {
        return false;
    }
    return !(flags & CKPT_MACHINE_HASH) || describe_checkpoint_machine(pr, out);
}

static bool describe_char_event(PayloadReader *pr, GString *out)
{
    static const char *const names[] = {"opened", "closed", "break"};
    uint64_t fe;
    uint8_t event;

    if (!get_varint(pr, INT32_MAX, &fe) || !get_u8(pr, &event)) {
        return false;
    }
    if (event >= ARRAY_SIZE(names)) {
        return fail(pr, "unknown chardev event");
    }
    g_string_append_printf(out, " fe=%" PRIu64 " %s", fe, names[event]);
    return true;
}

static bool describe_interrupt(PayloadReader *pr, GString *out)
{
    uint64_t vector;

    if (!get_varint(pr, 255, &vector)) {
        return false;
    }
    g_string_append_printf(out, " vector=%" PRIu64, vector);
    return true;
}

static bool describe_shutdown(PayloadReader *pr, GString *out)
{
    static const char *const cause_names[] = {
        [SHUTDOWN_CAUSE_NONE] = "none",
        [SHUTDOWN_CAUSE_HOST_QUIT] = "host-quit",
        [SHUTDOWN_CAUSE_HOST_SIGNAL] = "host-signal",
        [SHUTDOWN_CAUSE_GUEST_EXIT] = "guest-exit",
        [SHUTDOWN_CAUSE_GUEST_SHUTDOWN] = "guest-shutdown",
        [SHUTDOWN_CAUSE_GUEST_RESET] = "guest-reset",
        [SHUTDOWN_CAUSE_GUEST_PANIC] = "guest-panic",
        [SHUTDOWN_CAUSE_REPLAY_END] = "replay-end",
        [SHUTDOWN_CAUSE_ERROR] = "error",
    };
    uint8_t cause;

    if (!get_u8(pr, &cause)) {
        return false;
    }
    if (cause >= ARRAY_SIZE(cause_names)) {
        return fail(pr, "unknown shutdown cause");
    }
    g_string_append_printf(out, " cause=%s", cause_names[cause]);
    return true;
}

static bool describe_end(PayloadReader *pr, GString *out)
{
    uint64_t cpu;

    if (!get_hash(pr, &cpu)) {
        return false;
    }
    g_string_append_printf(out, " cpu=%016" PRIx64, cpu);
    return true;
}

static const EventKindInfo event_kinds[REPLAY_EV_MAX] = {
    [REPLAY_EV_CLOCK] = {"clock", describe_clock},
    [REPLAY_EV_RANDOM] = {"random", describe_bytes},
    [REPLAY_EV_CHAR_READ] = {"char-read", describe_char_read},
    [REPLAY_EV_CHAR_WRITE] = {"char-write", describe_char_write},
    [REPLAY_EV_INPUT] = {"input", describe_bytes},
    [REPLAY_EV_NET] = {"net", describe_bytes},
    [REPLAY_EV_AUDIO_OUT] = {"audio-out", describe_bytes},
    [REPLAY_EV_AUDIO_IN] = {"audio-in", describe_bytes},
    [REPLAY_EV_ASYNC] = {"async", describe_bytes},
    [REPLAY_EV_SHIFT] = {"shift", describe_shift},
    [REPLAY_EV_WARP] = {"warp", describe_warp},
    [REPLAY_EV_CHECKPOINT] = {"checkpoint", describe_checkpoint},
    [REPLAY_EV_INTERRUPT] = {"interrupt", describe_interrupt},
    [REPLAY_EV_SHUTDOWN] = {"shutdown", describe_shutdown},
    [REPLAY_EV_END] = {"end", describe_end},
    [REPLAY_EV_CHAR_EVENT] = {"char-event", describe_char_event},
};

const char *replay_event_kind_name(unsigned kind)
{
    return kind < REPLAY_EV_MAX ? event_kinds[kind].name : NULL;
}

int replay_event_kind_from_name(const char *name)
{
    for (unsigned kind = 0; kind < REPLAY_EV_MAX; kind++) {
        if (event_kinds[kind].name && strcmp(event_kinds[kind].name, name) == 0) {
            return kind;
        }
    }
    return -1;
}

bool replay_event_describe(unsigned kind, const uint8_t *payload, size_t len,
                           GString *out, Error **errp)
{
    PayloadReader pr = {payload, payload + len, NULL};
    const char *name = replay_event_kind_name(kind);
    size_t start = out->len;

    if (!name) {
        error_setg(errp, "unknown event kind %u", kind);
        return false;
    }
    g_string_append(out, name);
    if (event_kinds[kind].describe(&pr, out) && pr.p != pr.end) {
        fail(&pr, "has trailing bytes");
    }
    if (pr.problem) {
        g_string_truncate(out, start);
        error_setg(errp, "malformed %s payload (%zu bytes): %s", name, len, pr.problem);
        return false;
    }
    return true;
}
