/*
 * The gdb packets the stub answers: queries, registers, memory, run control (forward
 * and, in replay, reverse), detach and kill, and monitor commands (qRcmd).
 *
 * Nothing gdb does may change a recording or a replay: register and memory writes are
 * refused with an error reply while recording or replaying, and runs only start, stop
 * and step the VM, which never changes guest state.
 */
#include "gdbstub/gdbstub-internal.h"
#include "hw/machine.h"
#include "system/main-loop.h"
#include "system/runstate.h"
#include "replay/replay.h"
#include "replay/replay-snapshot.h"
#include "target/i386/cpu.h"

#define GDB_EFAULT 0x0e /* bad address */
#define GDB_EINVAL 0x16 /* malformed packet or refused operation */
#define GDB_EPERM  0x01 /* a write while recording or replaying */

/* ---- hex ---- */

int gdb_hex_value(char c)
{
    return g_ascii_xdigit_value(c);
}

bool gdb_hex_decode(const char *hex, uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        int hi = gdb_hex_value(hex[2 * i]),
            lo = hi < 0 ? -1 : gdb_hex_value(hex[2 * i + 1]);
        if (lo < 0) {
            return false;
        }
        buf[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

void gdb_hex_append(GString *out, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        g_string_append_printf(out, "%02x", buf[i]);
    }
}

static bool parse_hex(const char *p, uint64_t *v, const char **end)
{
    char *e;

    if (!g_ascii_isxdigit(*p)) {
        return false;
    }
    *v = g_ascii_strtoull(p, &e, 16);
    *end = e;
    return true;
}

bool gdb_parse_addr_len(const char *p, uint64_t *addr, uint64_t *len, const char **end)
{
    return parse_hex(p, addr, &p) && *p++ == ',' && parse_hex(p, len, end);
}

static CPUX86State *gdb_cpu(void)
{
    Machine *m = main_loop_machine();

    return m ? m->cpu : NULL;
}

/* Guest state may change only in a live run. */
static bool gdb_may_write(GDBState *s)
{
    if (replay_mode != REPLAY_MODE_NONE) {
        gdb_reply_error(s, GDB_EPERM);
        return false;
    }
    return true;
}

/* ---- registers ---- */

static void cmd_read_registers(GDBState *s, const char *args)
{
    g_autoptr(GString) hex = g_string_new(NULL);

    gdb_read_registers(gdb_cpu(), hex);
    gdb_reply(s, hex->str);
}

static void cmd_write_registers(GDBState *s, const char *args)
{
    size_t len = strlen(args) / 2;
    g_autofree uint8_t *buf = g_malloc(len + 1);
    Error *err = NULL;

    if (!gdb_may_write(s)) {
        return;
    }
    if (!gdb_hex_decode(args, buf, len) ||
        !gdb_write_registers(gdb_cpu(), buf, len, &err)) {
        error_free(err);
        gdb_reply_error(s, GDB_EINVAL);
        return;
    }
    gdb_reply(s, "OK");
}

static void cmd_read_register(GDBState *s, const char *args)
{
    g_autoptr(GString) hex = g_string_new(NULL);
    uint64_t n;
    const char *end;

    if (!parse_hex(args, &n, &end) || n > UINT_MAX ||
        !gdb_read_register(gdb_cpu(), (unsigned)n, hex)) {
        gdb_reply(s, ""); /* gdb then knows the register is not there */
        return;
    }
    gdb_reply(s, hex->str);
}

static void cmd_write_register(GDBState *s, const char *args)
{
    uint8_t buf[16];
    uint64_t n;
    const char *p;
    size_t len;
    Error *err = NULL;

    if (!gdb_may_write(s)) {
        return;
    }
    if (!parse_hex(args, &n, &p) || *p++ != '=' || (len = strlen(p) / 2) > sizeof(buf) ||
        !gdb_hex_decode(p, buf, len) ||
        !gdb_write_register(gdb_cpu(), (unsigned)n, buf, len, &err)) {
        error_free(err);
        gdb_reply_error(s, GDB_EINVAL);
        return;
    }
    gdb_reply(s, "OK");
}

/* ---- memory ---- */

static bool mem_rw(GDBState *s, uint64_t addr, uint8_t *buf, size_t len, bool is_write)
{
    CPUX86State *env = gdb_cpu();

    return s->phys_mode ? phys_memory_rw_debug(env->machine, addr, buf, len, is_write)
                        : cpu_memory_rw_debug(env, addr, buf, len, is_write);
}

/* As many bytes as are readable from addr, page by page (gdb accepts a short read). */
static size_t mem_read_some(GDBState *s, uint64_t addr, uint8_t *buf, size_t len)
{
    size_t done = 0;

    while (done < len) {
        size_t n = MIN_U64(len - done, PAGE_SIZE - ((addr + done) & ~PAGE_MASK));
        if (!mem_rw(s, addr + done, buf + done, n, false)) {
            break;
        }
        done += n;
    }
    return done;
}

static void cmd_read_memory(GDBState *s, const char *args)
{
    g_autoptr(GString) hex = g_string_new(NULL);
    g_autofree uint8_t *buf = NULL;
    uint64_t addr, len;
    const char *end;
    size_t got;

    if (!gdb_parse_addr_len(args, &addr, &len, &end)) {
        gdb_reply_error(s, GDB_EINVAL);
        return;
    }
    len = MIN_U64(len, GDB_MAX_PACKET / 2);
    buf = g_malloc(len + 1);
    got = mem_read_some(s, addr, buf, len);
    if (got == 0 && len) {
        gdb_reply_error(s, GDB_EFAULT);
        return;
    }
    gdb_hex_append(hex, buf, got);
    gdb_reply(s, hex->str);
}

static void cmd_write_memory(GDBState *s, const char *args)
{
    g_autofree uint8_t *buf = NULL;
    uint64_t addr, len;
    const char *p;

    if (!gdb_may_write(s)) {
        return;
    }
    if (!gdb_parse_addr_len(args, &addr, &len, &p) || *p++ != ':' ||
        strlen(p) != 2 * len) {
        gdb_reply_error(s, GDB_EINVAL);
        return;
    }
    buf = g_malloc(len + 1);
    if (!gdb_hex_decode(p, buf, len)) {
        gdb_reply_error(s, GDB_EINVAL);
    } else if (!mem_rw(s, addr, buf, len, true)) {
        gdb_reply_error(s, GDB_EFAULT);
    } else {
        gdb_reply(s, "OK");
    }
}

/* ---- run control ---- */

/* At the end of a replay the VM stays: gdb hears "no more history" and may go back. */
static bool at_history_end(GDBState *s)
{
    if (runstate_get() != RUN_STATE_REPLAY_END) {
        return false;
    }
    gdb_reply(s, "T05thread:01;replaylog:end;");
    return true;
}

static void gdb_continue(GDBState *s)
{
    if (at_history_end(s)) {
        return;
    }
    vm_start();
    gdb_resumed(s);
}

static void gdb_step(GDBState *s)
{
    Error *err = NULL;

    if (at_history_end(s)) {
        return;
    }
    if (!vm_step(1, &err)) {
        error_free(err);
        gdb_reply_error(s, GDB_EINVAL);
        return;
    }
    gdb_resumed(s);
}

/* c [ADDR], s [ADDR], C SIG[;ADDR], S SIG[;ADDR]: the signal means nothing to a VM,
 * and resuming elsewhere than where it stopped is not supported (gdb does not ask). */
static void cmd_continue(GDBState *s, const char *args)
{
    gdb_continue(s);
}

static void cmd_step(GDBState *s, const char *args)
{
    gdb_step(s);
}

static bool action_is_ours(const char *tid)
{
    /* Absent, all threads, or thread 1 (optionally as p1.1 / p1.-1). */
    return !tid || !strcmp(tid, "-1") || !strcmp(tid, "1") || !strcmp(tid, "01") ||
           g_str_has_prefix(tid, "p1.") || !strcmp(tid, "p-1.-1");
}

/* vCont;ACTION[:TID];...: the first action that applies to our one thread. */
static void cmd_vcont(GDBState *s, const char *args)
{
    g_auto(GStrv) actions = g_strsplit(args, ";", -1);

    for (int i = 0; actions[i]; i++) {
        char *tid = strchr(actions[i], ':');
        if (tid) {
            *tid++ = '\0';
        }
        if (!action_is_ours(tid)) {
            continue;
        }
        switch (actions[i][0]) {
        case 'c':
        case 'C': gdb_continue(s); return;
        case 's':
        case 'S': gdb_step(s); return;
        default: gdb_reply_error(s, GDB_EINVAL); return;
        }
    }
    gdb_reply_error(s, GDB_EINVAL);
}

static void reverse_done(GDBState *s, bool ok, Error *err)
{
    if (!ok) {
        error_free(err);
        gdb_reply_error(s, GDB_EINVAL);
        return;
    }
    gdb_resumed(s);
}

static void cmd_reverse_step(GDBState *s, const char *args)
{
    Error *err = NULL;
    bool ok = replay_reverse_step(1, &err);

    reverse_done(s, ok, err);
}

static void cmd_reverse_continue(GDBState *s, const char *args)
{
    Error *err = NULL;
    bool ok = replay_reverse_continue(&err);

    reverse_done(s, ok, err);
}

static void cmd_stop_reason(GDBState *s, const char *args)
{
    g_autoptr(GString) out = g_string_new(NULL);

    gdb_format_stop(s, out);
    gdb_reply(s, out->str);
}

static void cmd_detach(GDBState *s, const char *args)
{
    gdb_detach(s);
}

/* k: as in QEMU, the emulator quits (through the replay gate while recording). */
static void cmd_kill(GDBState *s, const char *args)
{
    gdb_remove_all_points(s);
    runstate_host_shutdown_request(SHUTDOWN_CAUSE_HOST_QUIT);
}

/* vKill;PID wants a reply, k does not. */
static void cmd_vkill(GDBState *s, const char *args)
{
    gdb_reply(s, "OK");
    cmd_kill(s, args);
}

/* ---- queries ---- */

static void q_supported(GDBState *s, const char *args)
{
    g_autoptr(GString) out = g_string_new(NULL);

    s->swbreak = strstr(args, "swbreak+") != NULL;
    g_string_printf(out,
                    "PacketSize=%x;qXfer:features:read+;QStartNoAckMode+;"
                    "vContSupported+;%s",
                    GDB_MAX_PACKET, s->swbreak ? "swbreak+;hwbreak+;" : "");
    if (replay_mode == REPLAY_MODE_PLAY) {
        g_string_append(out, "ReverseStep+;ReverseContinue+;");
    }
    g_string_truncate(out, out->len - 1);
    gdb_reply(s, out->str);
}

/* qXfer:features:read:ANNEX:OFFSET,LENGTH */
static void q_xfer_features(GDBState *s, const char *args)
{
    const char *xml = gdb_target_xml(), *p;
    size_t total = strlen(xml);
    uint64_t off, len;
    g_autoptr(GString) out = g_string_new(NULL);

    if (!g_str_has_prefix(args, "target.xml:") ||
        !gdb_parse_addr_len(args + strlen("target.xml:"), &off, &len, &p)) {
        gdb_reply_error(s, GDB_EINVAL);
        return;
    }
    off = MIN_U64(off, total);
    len = MIN_U64(len, MIN_U64(total - off, GDB_MAX_PACKET / 2));
    g_string_append_c(out, off + len < total ? 'm' : 'l');
    g_string_append_len(out, xml + off, (gssize)len);
    gdb_reply_binary(s, out->str, out->len);
}

static void q_phys_mode(GDBState *s, const char *args)
{
    gdb_reply(s, s->phys_mode ? "1" : "0");
}

static void set_phys_mode(GDBState *s, const char *args)
{
    if (strcmp(args, "0") && strcmp(args, "1")) {
        gdb_reply_error(s, GDB_EINVAL);
        return;
    }
    s->phys_mode = args[0] == '1';
    gdb_reply(s, "OK");
}

static void set_no_ack(GDBState *s, const char *args)
{
    gdb_reply(s, "OK"); /* the last acknowledged packet */
    s->no_ack = true;
}

static void q_thread_info(GDBState *s, const char *args)
{
    static const char name[] = "CPU#0";
    g_autoptr(GString) hex = g_string_new(NULL);

    gdb_hex_append(hex, (const uint8_t *)name, strlen(name));
    gdb_reply(s, hex->str);
}

/* ---- monitor commands ---- */

static void rcmd_output(void *opaque, const char *text)
{
    GDBState *s = opaque;
    g_autoptr(GString) out = g_string_new("O");

    gdb_hex_append(out, (const uint8_t *)text, strlen(text));
    gdb_reply(s, out->str);
}

static void rcmd_done(void *opaque)
{
    GDBState *s = opaque;

    if (s->rcmd_running) {
        gdb_rcmd_end(s);
        gdb_reply(s, "OK");
    }
}

/*
 * gdb gives up on a qRcmd reply after "remotetimeout" (2 s), and a seek can take
 * longer; every packet it gets restarts the wait, so an empty O packet (no output)
 * each second keeps it waiting. A host timer: the guest never sees it.
 */
static gboolean rcmd_keepalive(gpointer opaque)
{
    gdb_reply(opaque, "O");
    return G_SOURCE_CONTINUE;
}

void gdb_rcmd_end(GDBState *s)
{
    s->rcmd_running = false;
    if (s->rcmd_keepalive) {
        g_source_remove(s->rcmd_keepalive);
        s->rcmd_keepalive = 0;
    }
}

/* qRcmd,HEX: a monitor command; its output goes back as O packets, then OK. */
static void q_rcmd(GDBState *s, const char *args)
{
    size_t len = strlen(args) / 2;
    g_autofree char *line = g_malloc0(len + 1);

    if (!gdb_hex_decode(args, (uint8_t *)line, len)) {
        gdb_reply_error(s, GDB_EINVAL);
        return;
    }
    if (!s->mon) {
        s->mon = monitor_new_captured(rcmd_output, s);
    }
    if (monitor_run_line(s->mon, line, rcmd_done, s)) {
        gdb_reply(s, "OK");
    } else {
        s->rcmd_running = true; /* the VM runs to a stop; OK follows it */
        s->rcmd_keepalive = g_timeout_add(1000, rcmd_keepalive, s);
    }
}

/* ---- dispatch ---- */

typedef void GdbCmdFn(GDBState *s, const char *args);

typedef struct GdbCmd {
    const char *name;
    char after; /* what must follow the name: a separator, 0 for anything, '$' for
                   the end of the packet */
    GdbCmdFn *fn;
    const char *reply; /* a command with a fixed answer has no fn, only this */
} GdbCmd;

/* Longest names first where one is a prefix of another. */
static const GdbCmd gdb_cmds[] = {
    {"qSupported", 0, q_supported},
    {"qXfer:features:read:", 0, q_xfer_features},
    {"qqemu.PhyMemMode", '$', q_phys_mode},
    {"qRcmd", ',', q_rcmd},
    {"qAttached", 0, NULL, "1"}, /* gdb detaches (not kills) when it quits */
    {"qfThreadInfo", '$', NULL, "m1"},
    {"qsThreadInfo", '$', NULL, "l"},
    {"qThreadExtraInfo", ',', q_thread_info},
    {"qC", '$', NULL, "QC1"},
    {"qSymbol", ':', NULL, "OK"},
    {"QStartNoAckMode", '$', set_no_ack},
    {"Qqemu.PhyMemMode", ':', set_phys_mode},
    {"vCont?", '$', NULL, "vCont;c;C;s;S"},
    {"vCont", ';', cmd_vcont},
    {"vKill", ';', cmd_vkill},
    {"bs", '$', cmd_reverse_step},
    {"bc", '$', cmd_reverse_continue},
    {"?", '$', cmd_stop_reason},
    {"g", '$', cmd_read_registers},
    {"G", 0, cmd_write_registers},
    {"p", 0, cmd_read_register},
    {"P", 0, cmd_write_register},
    {"m", 0, cmd_read_memory},
    {"M", 0, cmd_write_memory},
    {"c", 0, cmd_continue},
    {"C", 0, cmd_continue},
    {"s", 0, cmd_step},
    {"S", 0, cmd_step},
    {"H", 0, NULL, "OK"},
    {"T", 0, NULL, "OK"},
    {"D", 0, cmd_detach},
    {"k", '$', cmd_kill},
};

static bool cmd_matches(const GdbCmd *c, const char *pkt, const char **args)
{
    size_t n = strlen(c->name);

    if (strncmp(pkt, c->name, n)) {
        return false;
    }
    if (c->after == '$') {
        *args = pkt + n;
        return pkt[n] == '\0';
    }
    if (c->after && pkt[n] != c->after) {
        return false;
    }
    *args = pkt + n + (c->after ? 1 : 0);
    return true;
}

void gdb_handle_packet(GDBState *s, const char *pkt, size_t len)
{
    const char *args;

    if (!gdb_cpu()) {
        gdb_reply_error(s, GDB_EINVAL); /* the machine is not running yet */
        return;
    }
    if (pkt[0] == 'Z' || pkt[0] == 'z') {
        gdb_handle_point(s, pkt + 1, pkt[0] == 'Z');
        return;
    }
    for (size_t i = 0; i < ARRAY_SIZE(gdb_cmds); i++) {
        if (cmd_matches(&gdb_cmds[i], pkt, &args)) {
            if (gdb_cmds[i].fn) {
                gdb_cmds[i].fn(s, args);
            } else {
                gdb_reply(s, gdb_cmds[i].reply);
            }
            return;
        }
    }
    gdb_reply(s, ""); /* unsupported: gdb falls back or says so */
}
