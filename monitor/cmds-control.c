/* Monitor commands that stop, run, step and seek the VM, and set stops. */
#include "monitor/monitor-internal.h"
#include "system/main-loop.h"
#include "system/runstate.h"
#include "replay/replay.h"
#include "replay/replay-snapshot.h"

static void cmd_stop(Monitor *mon, const char *args)
{
    vm_stop(STOP_REASON_USER);
}

static void cmd_cont(Monitor *mon, const char *args)
{
    vm_start();
}

static void cmd_quit(Monitor *mon, const char *args)
{
    /* Through the replay gate: a recording logs where it ended. */
    runstate_host_shutdown_request(SHUTDOWN_CAUSE_HOST_QUIT);
}

static void cmd_system_reset(Monitor *mon, const char *args)
{
    if (replay_mode != REPLAY_MODE_NONE) {
        monitor_printf(mon,
                       "Error: system_reset is not available while %s: the "
                       "reset would not be part of the recording\n",
                       replay_mode == REPLAY_MODE_RECORD ? "recording" : "replaying");
        return;
    }
    runstate_reset_request();
}

/* An optional count argument (default 1). */
static bool parse_count(Monitor *mon, const char *args, uint64_t *n)
{
    Error *err = NULL;

    *n = 1;
    if (*args && !monitor_parse_value(mon, args, n, &err)) {
        monitor_report_err(mon, err);
        return false;
    }
    return true;
}

static bool parse_required(Monitor *mon, const char *args, const char *what, uint64_t *n)
{
    if (!*args) {
        monitor_printf(mon, "Error: %s expected\n", what);
        return false;
    }
    return parse_count(mon, args, n);
}

/*
 * After an operation that runs the VM to a stop: wait for it, or report why not
 * (callers compute ok before passing err, which the operation sets).
 */
static void run_op(Monitor *mon, bool ok, Error *err)
{
    if (!ok) {
        monitor_report_err(mon, err);
        return;
    }
    monitor_wait_for_stop(mon);
}

static void cmd_replay_break(Monitor *mon, const char *args)
{
    Error *err = NULL;
    uint64_t n;

    if (parse_required(mon, args, "an instruction count", &n) &&
        !vm_set_icount_break(n, &err)) {
        monitor_report_err(mon, err);
    }
}

static void cmd_replay_delete_break(Monitor *mon, const char *args)
{
    vm_clear_icount_break();
}

static void cmd_replay_seek(Monitor *mon, const char *args)
{
    Error *err = NULL;
    uint64_t n;

    if (parse_required(mon, args, "an instruction count", &n)) {
        bool ok = replay_seek(n, &err);
        run_op(mon, ok, err);
    }
}

static void cmd_stepi(Monitor *mon, const char *args)
{
    Error *err = NULL;
    uint64_t n;

    if (parse_count(mon, args, &n)) {
        bool ok = vm_step(n, &err);
        run_op(mon, ok, err);
    }
}

static void cmd_reverse_stepi(Monitor *mon, const char *args)
{
    Error *err = NULL;
    uint64_t n;

    if (parse_count(mon, args, &n)) {
        bool ok = replay_reverse_step(n, &err);
        run_op(mon, ok, err);
    }
}

static void cmd_reverse_continue(Monitor *mon, const char *args)
{
    Error *err = NULL;
    bool ok = replay_reverse_continue(&err);

    run_op(mon, ok, err);
}

static void cmd_break(Monitor *mon, const char *args)
{
    Error *err = NULL;
    uint64_t addr;

    if (parse_required(mon, args, "a linear address", &addr) &&
        !vm_breakpoint_insert(addr, &err)) {
        monitor_report_err(mon, err);
    }
}

static void cmd_delete_break(Monitor *mon, const char *args)
{
    uint64_t addr;

    if (parse_required(mon, args, "a linear address", &addr) &&
        !vm_breakpoint_remove(addr)) {
        monitor_printf(mon, "Error: no breakpoint at 0x%" PRIx64 "\n", addr);
    }
}

/* "ADDR [LEN]" */
static bool parse_watch(Monitor *mon, const char *args, uint64_t *addr, uint64_t *len)
{
    g_auto(GStrv) words = monitor_split_args(args);
    Error *err = NULL;

    *len = 4;
    if (!words[0] || (words[1] && words[2])) {
        monitor_puts(mon, "Error: expected ADDR [LEN]\n");
        return false;
    }
    if (!monitor_parse_value(mon, words[0], addr, &err) ||
        (words[1] && !monitor_parse_value(mon, words[1], len, &err))) {
        monitor_report_err(mon, err);
        return false;
    }
    return true;
}

static void cmd_watch(Monitor *mon, const char *args)
{
    Error *err = NULL;
    uint64_t addr, len;

    if (parse_watch(mon, args, &addr, &len) && !vm_watchpoint_insert(addr, len, &err)) {
        monitor_report_err(mon, err);
    }
}

static void cmd_delete_watch(Monitor *mon, const char *args)
{
    uint64_t addr, len;

    if (parse_watch(mon, args, &addr, &len) && !vm_watchpoint_remove(addr, len)) {
        monitor_printf(mon, "Error: no watchpoint at 0x%" PRIx64 "\n", addr);
    }
}

const MonitorCmd monitor_control_cmds[] = {
    {"stop", NULL, "stop the VM", cmd_stop},
    {"cont", NULL, "resume the VM", cmd_cont},
    {"c", NULL, "resume the VM (cont)", cmd_cont},
    {"quit", NULL, "quit the emulator", cmd_quit},
    {"q", NULL, "quit the emulator (quit)", cmd_quit},
    {"system_reset", NULL, "reset the machine (not while recording or replaying)",
     cmd_system_reset},
    {"replay_break", "ICOUNT", "stop when the instruction count reaches ICOUNT",
     cmd_replay_break},
    {"replay_delete_break", NULL, "remove the replay_break", cmd_replay_delete_break},
    {"replay_seek", "ICOUNT", "replay to instruction ICOUNT, forwards or backwards",
     cmd_replay_seek},
    {"stepi", "[N]", "run N instructions (default 1), then stop", cmd_stepi},
    {"reverse_stepi", "[N]", "go back N instructions (replay)", cmd_reverse_stepi},
    {"reverse_continue", NULL,
     "go back to the last breakpoint or watchpoint hit (replay)", cmd_reverse_continue},
    {"break", "ADDR", "stop before the instruction at linear address ADDR", cmd_break},
    {"delete_break", "ADDR", "remove the breakpoint at ADDR", cmd_delete_break},
    {"watch", "ADDR [LEN]", "stop after an instruction changes LEN (4) bytes at ADDR",
     cmd_watch},
    {"delete_watch", "ADDR [LEN]", "remove that watchpoint", cmd_delete_watch},
    {NULL},
};
