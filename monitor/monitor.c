/*
 * The human monitor: a line editor on a character device, command dispatch, and the
 * reports of VM stops.
 *
 * Commands run where the main loop delivers the monitor's input, between two turns,
 * so they see the machine at an instruction boundary and may restore snapshots. A
 * command that lets the VM run to a stop (stepi, replay_seek, reverse_continue) makes
 * the monitor hold any further input until the VM has stopped: a script that sends
 * "replay_seek N" then "info replay" sees the machine at N. Held input resumes through
 * main_loop_call_soon(), at the next point where commands are safe.
 */
#include "monitor/monitor-internal.h"
#include "system/main-loop.h"
#include "system/runstate.h"
#include "system/icount.h"
#include "replay/replay-snapshot.h"
#include "target/i386/cpu.h"
#include "config-host.h"

#define MONITOR_PROMPT   "(reprise) "
#define MONITOR_MAX_LINE 4096
#define MONITOR_MAX_HELD (64 * 1024)

enum { ESC_NONE, ESC_SEEN, ESC_CSI }; /* skipping a terminal escape sequence */

struct Monitor {
    CharFrontend fe;
    GString *held; /* input not processed yet */
    GString *line; /* the line being edited */
    bool last_cr;
    int esc;
    bool waiting; /* a command runs the VM; held input waits for the stop */
    bool scheduled;
    /* captured (no chardev): where output goes, and who hears of the stop */
    MonitorOutputFn *out;
    void *out_opaque;
    MonitorDoneFn *done;
    void *done_opaque;
};

/* ---- output ---- */

void monitor_puts(Monitor *mon, const char *text)
{
    g_autoptr(GString) out = NULL;

    if (mon->out) {
        mon->out(mon->out_opaque, text);
        return;
    }
    out = g_string_sized_new(strlen(text) + 16);

    /* Raw terminals and telnet clients want CR LF. */
    for (const char *p = text; *p; p++) {
        if (*p == '\n') {
            g_string_append_c(out, '\r');
        }
        g_string_append_c(out, *p);
    }
    for (gsize done = 0; done < out->len;) {
        int n = char_fe_write(&mon->fe, (const uint8_t *)out->str + done,
                              (int)(out->len - done));
        if (n <= 0) {
            return; /* nobody is listening */
        }
        done += n;
    }
}

void monitor_printf(Monitor *mon, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *text = NULL;

    va_start(ap, fmt);
    text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    monitor_puts(mon, text);
}

void monitor_report_err(Monitor *mon, Error *err)
{
    monitor_printf(mon, "Error: %s\n", error_get_pretty(err));
    error_free(err);
}

Machine *monitor_machine(Monitor *mon)
{
    Machine *m = main_loop_machine();

    if (!m) {
        monitor_puts(mon, "Error: the machine is not running yet\n");
    }
    return m;
}

/* ---- arguments ---- */

char **monitor_split_args(const char *args)
{
    g_auto(GStrv) parts = g_strsplit_set(args, " \t", -1);
    GPtrArray *words = g_ptr_array_new();

    for (int i = 0; parts[i]; i++) {
        if (*parts[i]) {
            g_ptr_array_add(words, g_strdup(parts[i]));
        }
    }
    g_ptr_array_add(words, NULL);
    return (char **)g_ptr_array_free(words, false);
}

static bool parse_register(Monitor *mon, const char *name, uint64_t *value)
{
    static const char *const names[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp",
                                          "rsi", "rdi", "r8",  "r9",  "r10", "r11",
                                          "r12", "r13", "r14", "r15"};
    Machine *m = main_loop_machine();
    CPUX86State *env = m ? m->cpu : NULL;

    for (int i = 0; env && i < 16; i++) {
        bool e32 = name[0] == 'e' && i < 8 && !strcmp(name + 1, names[i] + 1);
        if (!strcmp(name, names[i]) || e32) {
            *value = e32 ? (uint32_t)env->regs[i] : env->regs[i];
            return true;
        }
    }
    if (env && (!strcmp(name, "rip") || !strcmp(name, "pc") || !strcmp(name, "eip"))) {
        *value = name[0] == 'e' ? (uint32_t)env->rip : env->rip;
        return true;
    }
    return false;
}

static bool parse_term(Monitor *mon, const char *text, uint64_t *value, Error **errp)
{
    char *end;

    if (text[0] == '$') {
        if (!parse_register(mon, text + 1, value)) {
            error_setg(errp, "unknown register '%s'", text);
            return false;
        }
        return true;
    }
    errno = 0;
    *value = g_ascii_strtoull(text, &end, 0);
    if (!*text || *end || errno) {
        error_setg(errp, "'%s' is not a number", text);
        return false;
    }
    return true;
}

bool monitor_parse_value(Monitor *mon, const char *text, uint64_t *value, Error **errp)
{
    g_autofree char *copy = g_strdup(text);
    char *p = copy, op = '+';

    *value = 0;
    while (*p) {
        size_t n = strcspn(p + 1, "+-") + 1;
        char next = p[n];
        uint64_t term;
        p[n] = '\0';
        if (!parse_term(mon, g_strstrip(p), &term, errp)) {
            return false;
        }
        *value = op == '+' ? *value + term : *value - term;
        op = next;
        p += n + (next ? 1 : 0);
    }
    return true;
}

/* ---- dispatch ---- */

static const MonitorCmd *const cmd_tables[] = {
    monitor_control_cmds,
    monitor_snapshot_cmds,
    monitor_memory_cmds,
};

/* "x/4xw 0x1000" is command "x" with arguments "/4xw 0x1000". */
static const MonitorCmd *find_cmd(const MonitorCmd *table, const char *line, size_t *len)
{
    for (const MonitorCmd *c = table; c->name; c++) {
        size_t n = strlen(c->name);
        if (!strncmp(line, c->name, n) &&
            (line[n] == '\0' || line[n] == ' ' || line[n] == '\t' || line[n] == '/')) {
            *len = n;
            return c;
        }
    }
    return NULL;
}

static void monitor_info(Monitor *mon, const char *args)
{
    size_t n;
    const MonitorCmd *c = find_cmd(monitor_info_cmds, args, &n);

    if (!*args) {
        monitor_print_help(mon, monitor_info_cmds, "info ");
    } else if (!c) {
        monitor_printf(mon, "Error: unknown info item '%s' (try 'info')\n", args);
    } else {
        c->fn(mon, g_strchug((char *)args + n));
    }
}

void monitor_print_help(Monitor *mon, const MonitorCmd *table, const char *prefix)
{
    for (const MonitorCmd *c = table; c->name; c++) {
        g_autofree char *syntax =
            g_strdup_printf("%s%s%s%s", prefix, c->name, c->params ? " " : "",
                            c->params ? c->params : "");
        monitor_printf(mon, "%-32s -- %s\n", syntax, c->help);
    }
}

static void monitor_help(Monitor *mon, const char *args)
{
    for (size_t i = 0; i < ARRAY_SIZE(cmd_tables); i++) {
        monitor_print_help(mon, cmd_tables[i], "");
    }
    monitor_printf(mon, "%-32s -- %s\n", "help|?", "show this help");
    monitor_printf(mon, "%-32s -- %s\n", "info [ITEM]",
                   "show machine state (lists items)");
}

static void monitor_execute(Monitor *mon, char *line)
{
    size_t n = 0;
    const MonitorCmd *c = NULL;

    g_strstrip(line);
    if (!*line) {
        return;
    }
    if (!strcmp(line, "help") || !strcmp(line, "?") || g_str_has_prefix(line, "help ")) {
        monitor_help(mon, line);
        return;
    }
    if (!strncmp(line, "info", 4) && (line[4] == '\0' || line[4] == ' ')) {
        monitor_info(mon, g_strchug(line + 4));
        return;
    }
    for (size_t i = 0; !c && i < ARRAY_SIZE(cmd_tables); i++) {
        c = find_cmd(cmd_tables[i], line, &n);
    }
    if (!c) {
        monitor_printf(mon, "unknown command: '%s' (try 'help')\n", line);
        return;
    }
    c->fn(mon, g_strchug(line + n));
}

/* ---- input ---- */

/* One input byte through the line editor; true when a line is complete. */
static bool monitor_edit(Monitor *mon, uint8_t ch)
{
    bool after_cr = mon->last_cr;

    mon->last_cr = ch == '\r';
    if (mon->esc != ESC_NONE) {
        mon->esc = mon->esc == ESC_SEEN && ch == '['                 ? ESC_CSI
                   : mon->esc == ESC_CSI && (ch < 0x40 || ch > 0x7e) ? ESC_CSI
                                                                     : ESC_NONE;
        return false;
    }
    if (ch == '\r' || (ch == '\n' && !after_cr)) {
        monitor_puts(mon, "\n");
        return true;
    }
    if (ch == 0x1b) {
        mon->esc = ESC_SEEN;
    } else if ((ch == 0x7f || ch == '\b') && mon->line->len) {
        g_string_truncate(mon->line, mon->line->len - 1);
        monitor_puts(mon, "\b \b");
    } else if (ch >= 0x20 && ch < 0x7f && mon->line->len < MONITOR_MAX_LINE) {
        char echo[2] = {(char)ch, 0};
        g_string_append_c(mon->line, (char)ch);
        monitor_puts(mon, echo);
    }
    return false;
}

static void monitor_process(Monitor *mon)
{
    gsize used = 0;

    while (used < mon->held->len && !mon->waiting) {
        if (monitor_edit(mon, (uint8_t)mon->held->str[used++])) {
            g_autofree char *line = g_strdup(mon->line->str);
            g_string_truncate(mon->line, 0);
            monitor_execute(mon, line);
            if (!mon->waiting) {
                monitor_puts(mon, MONITOR_PROMPT);
            }
        }
    }
    g_string_erase(mon->held, 0, used);
}

static void monitor_process_soon(void *opaque)
{
    Monitor *mon = opaque;

    mon->scheduled = false;
    monitor_process(mon);
}

static int monitor_can_read(void *opaque)
{
    Monitor *mon = opaque;

    return mon->held->len < MONITOR_MAX_HELD ? (int)(MONITOR_MAX_HELD - mon->held->len)
                                             : 0;
}

static void monitor_read(void *opaque, const uint8_t *buf, int len)
{
    Monitor *mon = opaque;

    g_string_append_len(mon->held, (const char *)buf, len);
    monitor_process(mon);
}

static void monitor_event(void *opaque, int event)
{
    Monitor *mon = opaque;

    if (event == CHR_EVENT_OPENED) {
        monitor_printf(
            mon, "Reprise %s monitor - type 'help' for more information\n" MONITOR_PROMPT,
            REPRISE_VERSION);
    }
}

/* ---- stops ---- */

static void monitor_describe_stop(Monitor *mon, const StopEvent *ev)
{
    switch (ev->reason) {
    case STOP_REASON_USER: return;
    case STOP_REASON_BREAKPOINT:
        monitor_printf(mon, "Breakpoint at 0x%" PRIx64, ev->addr);
        break;
    case STOP_REASON_WATCHPOINT:
        monitor_printf(mon, "Watchpoint at 0x%" PRIx64 " changed", ev->addr);
        break;
    case STOP_REASON_HISTORY_START:
        monitor_puts(mon, "Reached the start of the replay history");
        break;
    case STOP_REASON_HISTORY_END:
        monitor_puts(mon, "Reached the end of the replay log");
        break;
    case STOP_REASON_ICOUNT: monitor_puts(mon, "Reached the replay_break"); break;
    case STOP_REASON_ERROR: monitor_puts(mon, "Stopped after an error"); break;
    default: monitor_puts(mon, "Stopped"); break;
    }
    monitor_printf(mon, " at instruction %" PRIu64 "\n", ev->icount);
}

/* A captured monitor reports only the stops its own commands waited for. */
static void monitor_captured_stop(Monitor *mon, const StopEvent *ev)
{
    if (!mon->waiting) {
        return;
    }
    mon->waiting = false;
    monitor_describe_stop(mon, ev);
    if (mon->done) {
        mon->done(mon->done_opaque);
    }
}

static void monitor_on_stop(void *opaque, const StopEvent *ev)
{
    Monitor *mon = opaque;

    if (mon->out) {
        monitor_captured_stop(mon, ev);
        return;
    }
    if (!mon->waiting && ev->reason == STOP_REASON_USER) {
        return;
    }
    if (!mon->waiting) {
        monitor_puts(mon, "\n"); /* the prompt is already out */
    }
    monitor_describe_stop(mon, ev);
    monitor_puts(mon, MONITOR_PROMPT);
    mon->waiting = false;
    if (mon->held->len && !mon->scheduled) {
        mon->scheduled = true;
        main_loop_call_soon(monitor_process_soon, mon);
    }
}

void monitor_wait_for_stop(Monitor *mon)
{
    mon->waiting = runstate_is_running(); /* else it stopped already, and said so */
}

/* ---- creation ---- */

Monitor *monitor_new_captured(MonitorOutputFn *out, void *opaque)
{
    Monitor *mon = g_new0(Monitor, 1);

    mon->held = g_string_new(NULL);
    mon->line = g_string_new(NULL);
    mon->out = out;
    mon->out_opaque = opaque;
    runstate_add_stop_notifier(monitor_on_stop, mon);
    replay_snapshot_enable();
    return mon;
}

bool monitor_run_line(Monitor *mon, const char *line, MonitorDoneFn *done,
                      void *done_opaque)
{
    g_autofree char *copy = g_strdup(line);

    mon->waiting = false;
    mon->done = done;
    mon->done_opaque = done_opaque;
    monitor_execute(mon, copy);
    return !mon->waiting;
}

static Chardev *monitor_chardev(const char *spec, int n, Error **errp)
{
    g_autofree char *id = g_strdup_printf("monitor%d", n);

    if (!strcmp(spec, "none")) {
        return NULL;
    }
    return chardev_new_from_spec(spec, id, errp);
}

bool monitor_init(const char *chardev_spec, Error **errp)
{
    static int count;
    Error *err = NULL;
    Chardev *chr = monitor_chardev(chardev_spec, count, &err);
    Monitor *mon;

    if (!chr) {
        error_propagate(errp, err);
        return err == NULL; /* "none" */
    }
    mon = g_new0(Monitor, 1);
    if (!char_fe_init(&mon->fe, chr, false, errp)) {
        g_free(mon);
        return false;
    }
    count++;
    mon->held = g_string_new(NULL);
    mon->line = g_string_new(NULL);
    runstate_add_stop_notifier(monitor_on_stop, mon);
    char_fe_set_handlers(&mon->fe, monitor_can_read, monitor_read, monitor_event, mon);
    replay_snapshot_enable();
    return true;
}
