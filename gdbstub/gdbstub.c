/*
 * The gdb remote serial protocol server: the connection and the packet layer (GDB
 * manual, appendix "GDB Remote Serial Protocol").
 *
 * The stub is a character-device frontend that is not recorded: gdb's bytes reach it
 * at the main loop's host checkpoints, between two turns, in every mode (a replayed
 * guest is deaf, but gdb and the monitor are heard). Nothing here blocks: packets are
 * handled as their bytes arrive, and a command that runs the VM (continue, step,
 * reverse step) returns at once; the stop notifier sends the stop reply when the VM
 * stands still again. Ctrl-C (a raw 0x03) stops a running VM.
 *
 * When gdb goes away, by detach, kill or a dropped connection, its breakpoints and
 * watchpoints are removed and the VM is stopped where it is, in a consistent state at
 * an instruction boundary; a gdb that connects again finds it there.
 */
#include "gdbstub/gdbstub-internal.h"
#include "system/main-loop.h"
#include "system/runstate.h"
#include "replay/replay.h"
#include "replay/replay-snapshot.h"
#include "util/log.h"

/* The server -gdb started; gdbserver_exit() tells its gdb that the VM exited. */
static GDBState *gdb_server;

/* ---- sending ---- */

static void gdb_send_raw(GDBState *s, const char *buf, size_t len)
{
    if (s->connected) {
        char_fe_write(&s->fe, (const uint8_t *)buf, (int)len);
    }
}

/* payload is already escaped. */
static void gdb_send_packet(GDBState *s, const char *payload, size_t len)
{
    g_autoptr(GString) pkt = g_string_sized_new(len + 4);
    uint8_t sum = 0;

    for (size_t i = 0; i < len; i++) {
        sum += (uint8_t)payload[i];
    }
    g_string_append_c(pkt, '$');
    g_string_append_len(pkt, payload, (gssize)len);
    g_string_append_printf(pkt, "#%02x", sum);
    g_string_assign(s->last_reply, pkt->str);
    log_mask_printf(GDB_LOG, "gdb: reply %.*s\n", (int)MIN(len, 200), payload);
    gdb_send_raw(s, pkt->str, pkt->len);
}

void gdb_reply_binary(GDBState *s, const char *payload, size_t len)
{
    g_autoptr(GString) esc = g_string_sized_new(len + 16);

    for (size_t i = 0; i < len; i++) {
        char c = payload[i];
        if (c == '$' || c == '#' || c == '}' || c == '*') {
            g_string_append_c(esc, '}');
            c ^= 0x20;
        }
        g_string_append_c(esc, c);
    }
    gdb_send_packet(s, esc->str, esc->len);
}

void gdb_reply(GDBState *s, const char *payload)
{
    gdb_reply_binary(s, payload, strlen(payload));
}

void gdb_reply_error(GDBState *s, int code)
{
    char buf[8];

    snprintf(buf, sizeof(buf), "E%02x", code & 0xff);
    gdb_reply(s, buf);
}

/* ---- stops ---- */

static const char *stop_reason_text(GDBState *s, const StopEvent *ev)
{
    switch (ev->reason) {
    case STOP_REASON_BREAKPOINT: return s->swbreak ? "swbreak:;" : "";
    case STOP_REASON_HISTORY_START: return "replaylog:begin;";
    case STOP_REASON_HISTORY_END: return "replaylog:end;";
    default: return "";
    }
}

void gdb_format_stop(GDBState *s, GString *out)
{
    const StopEvent *ev = runstate_last_stop();
    int sig = ev->reason == STOP_REASON_USER && s->interrupted ? 2 /* SIGINT */
              : ev->reason == STOP_REASON_ERROR                ? 6 /* SIGABRT */
                                                               : 5 /* SIGTRAP */;

    g_string_append_printf(out, "T%02xthread:01;", sig);
    if (ev->reason == STOP_REASON_WATCHPOINT) {
        g_string_append_printf(out, "%s:%" PRIx64 ";", gdb_watch_stop_kind(s, ev->addr),
                               ev->addr);
    }
    g_string_append(out, stop_reason_text(s, ev));
}

static void gdb_on_stop(void *opaque, const StopEvent *ev)
{
    GDBState *s = opaque;
    g_autoptr(GString) out = g_string_new(NULL);

    log_mask_printf(GDB_LOG, "gdb: the VM stopped (reason %d at %" PRIu64 ")%s\n",
                    ev->reason, ev->icount, s->waiting ? "" : ", not for gdb");
    if (!s->waiting) {
        return; /* gdb did not ask the VM to run (the monitor did) */
    }
    s->waiting = false;
    gdb_format_stop(s, out);
    s->interrupted = false;
    gdb_reply(s, out->str);
}

void gdb_resumed(GDBState *s)
{
    s->waiting = true;
    s->interrupted = false;
}

static void gdb_interrupt(GDBState *s)
{
    log_mask_printf(GDB_LOG, "gdb: interrupt (the VM is %s)\n",
                    runstate_name(runstate_get()));
    if (runstate_is_running()) {
        s->interrupted = true;
        vm_stop(STOP_REASON_USER);
    }
}

/* ---- receiving ---- */

static void gdb_packet_complete(GDBState *s)
{
    char want[3];

    snprintf(want, sizeof(want), "%02x", s->rx_sum);
    if (!s->no_ack && g_ascii_strncasecmp(want, s->rx_csum, 2) != 0) {
        gdb_send_raw(s, "-", 1);
        return;
    }
    if (!s->no_ack) {
        gdb_send_raw(s, "+", 1);
    }
    log_mask_printf(GDB_LOG, "gdb: packet %.*s\n", (int)MIN(s->in->len, 200), s->in->str);
    gdb_handle_packet(s, s->in->str, s->in->len);
}

static void gdb_rx_idle(GDBState *s, uint8_t c)
{
    if (c == '$') {
        s->rx = RX_DATA;
        s->rx_sum = 0;
        g_string_truncate(s->in, 0);
    } else if (c == 0x03) {
        gdb_interrupt(s);
    } else if (c == '-' && s->last_reply->len) {
        gdb_send_raw(s, s->last_reply->str, s->last_reply->len);
    } /* '+' and noise between packets need nothing */
}

static void gdb_rx_byte(GDBState *s, uint8_t c)
{
    switch (s->rx) {
    case RX_IDLE: gdb_rx_idle(s, c); break;
    case RX_DATA:
        if (c == '#') {
            s->rx = RX_CSUM1;
        } else if (s->in->len >= GDB_MAX_PACKET) {
            s->rx = RX_IDLE; /* too long for what we announced: drop it, gdb resends */
            gdb_send_raw(s, "-", 1);
        } else {
            s->rx_sum += c;
            g_string_append_c(s->in, (char)c);
        }
        break;
    case RX_CSUM1:
        s->rx_csum[0] = (char)c;
        s->rx = RX_CSUM2;
        break;
    case RX_CSUM2:
        s->rx_csum[1] = (char)c;
        s->rx = RX_IDLE;
        gdb_packet_complete(s);
        break;
    }
}

static int gdb_can_read(void *opaque)
{
    return GDB_MAX_PACKET;
}

static void gdb_read(void *opaque, const uint8_t *buf, int len)
{
    GDBState *s = opaque;

    for (int i = 0; i < len && s->connected; i++) {
        gdb_rx_byte(s, buf[i]);
    }
}

/* ---- connection ---- */

static void gdb_session_reset(GDBState *s)
{
    s->rx = RX_IDLE;
    s->no_ack = false;
    s->waiting = false;
    s->interrupted = false;
    s->swbreak = false;
    s->phys_mode = false;
    gdb_rcmd_end(s);
    g_string_truncate(s->last_reply, 0);
}

/* gdb attaches to a stopped VM, as it expects of a target it did not start. */
static void gdb_connected(GDBState *s)
{
    gdb_session_reset(s);
    s->connected = true;
    log_mask_printf(GDB_LOG, "gdb: connected\n");
    vm_stop(STOP_REASON_USER);
}

static void gdb_disconnected(GDBState *s)
{
    log_mask_printf(GDB_LOG, "gdb: disconnected\n");
    s->connected = false;
    gdb_remove_all_points(s);
    vm_stop(STOP_REASON_USER);
    gdb_session_reset(s);
}

static void gdb_event(void *opaque, int event)
{
    GDBState *s = opaque;

    if (event == CHR_EVENT_OPENED) {
        gdb_connected(s);
    } else if (event == CHR_EVENT_CLOSED && s->connected) {
        gdb_disconnected(s);
    }
}

void gdb_detach(GDBState *s)
{
    gdb_reply(s, "OK");
    gdb_remove_all_points(s);
    vm_stop(STOP_REASON_USER);
    gdb_session_reset(s);
}

/* "tcp::1234" listens on localhost; "tcp:HOST:PORT", "unix:PATH" and "chardev:ID". */
static char *gdb_chardev_spec(const char *dev, Error **errp)
{
    if (g_str_has_prefix(dev, "tcp::")) {
        return g_strdup_printf("tcp:127.0.0.1:%s,server=on,wait=off,nodelay=on", dev + 5);
    }
    if (g_str_has_prefix(dev, "tcp:")) {
        return g_strdup_printf("%s,server=on,wait=off,nodelay=on", dev);
    }
    if (g_str_has_prefix(dev, "unix:")) {
        return g_strdup_printf("%s,server=on,wait=off", dev);
    }
    if (g_str_has_prefix(dev, "chardev:")) {
        return g_strdup(dev);
    }
    error_setg(errp, "expected tcp:[HOST]:PORT, unix:PATH or chardev:ID");
    return NULL;
}

bool gdbserver_start(const char *dev, Error **errp)
{
    g_autofree char *spec = gdb_chardev_spec(dev, errp);
    Chardev *chr = spec ? chardev_new_from_spec(spec, "gdb", errp) : NULL;
    GDBState *s;

    if (!chr) {
        return false;
    }
    s = g_new0(GDBState, 1);
    if (!char_fe_init(&s->fe, chr, false, errp)) {
        g_free(s);
        return false;
    }
    s->in = g_string_new(NULL);
    s->last_reply = g_string_new(NULL);
    s->points = g_array_new(false, false, sizeof(GDBPoint));
    runstate_add_stop_notifier(gdb_on_stop, s);
    replay_snapshot_enable(); /* reverse execution needs them from the start */
    char_fe_set_handlers(&s->fe, gdb_can_read, gdb_read, gdb_event, s);
    gdb_server = s;
    return true;
}

void gdbserver_exit(int status)
{
    GDBState *s = gdb_server;
    char buf[8];

    if (s && s->connected && s->waiting) {
        snprintf(buf, sizeof(buf), "W%02x", status & 0xff);
        gdb_reply(s, buf);
    }
}
