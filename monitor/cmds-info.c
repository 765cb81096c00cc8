/* The monitor's "info" items. */
#include "monitor/monitor-internal.h"
#include "migration/savevm.h"
#include "replay/replay-snapshot.h"
#include "system/main-loop.h"
#include "system/runstate.h"
#include "system/icount.h"
#include "hw/machine.h"
#include "target/i386/cpu.h"

static void info_status(Monitor *mon, const char *args)
{
    monitor_printf(mon, "VM status: %s\n", runstate_name(runstate_get()));
}

static void info_registers(Monitor *mon, const char *args)
{
    Machine *m = monitor_machine(mon);
    char *text = NULL;
    size_t len = 0;
    FILE *f;

    if (!m || !(f = open_memstream(&text, &len))) {
        return;
    }
    cpu_dump_state(m->cpu, f);
    fclose(f);
    monitor_puts(mon, text);
    free(text);
}

static void info_replay(Monitor *mon, const char *args)
{
    g_autoptr(GString) out = g_string_new(NULL);
    uint64_t brk;

    replay_snapshot_describe(out);
    if (vm_get_icount_break(&brk)) {
        g_string_append_printf(out, "replay_break at instruction %" PRIu64 "\n", brk);
    }
    monitor_puts(mon, out->str);
}

static void info_snapshots(Monitor *mon, const char *args)
{
    g_autoptr(GString) out = g_string_new(NULL);
    Error *err = NULL;

    if (!savevm_list_named(out, &err)) {
        monitor_report_err(mon, err);
        return;
    }
    monitor_puts(mon, out->str);
}

static void info_breakpoints(Monitor *mon, const char *args)
{
    const GArray *bps = vm_breakpoints(), *wps = vm_watchpoints();

    for (guint i = 0; i < bps->len; i++) {
        monitor_printf(mon, "breakpoint at 0x%" PRIx64 "\n",
                       g_array_index(bps, uint64_t, i));
    }
    for (guint i = 0; i < wps->len; i++) {
        const VMWatchpoint *wp = &g_array_index(wps, VMWatchpoint, i);
        monitor_printf(mon, "watchpoint at 0x%" PRIx64 ", %" PRIu64 " bytes\n", wp->addr,
                       wp->len);
    }
    if (!bps->len && !wps->len) {
        monitor_puts(mon, "no breakpoints or watchpoints\n");
    }
}

/* Reprise's own: what tests compare between runs. */
static void info_hash(Monitor *mon, const char *args)
{
    Machine *m = monitor_machine(mon);

    if (m) {
        monitor_printf(mon,
                       "icount %" PRIu64 " machine %016" PRIx64 " cpu %016" PRIx64 "\n",
                       icount.count, savevm_machine_hash(m), cpu_x86_state_hash(m->cpu));
    }
}

const MonitorCmd monitor_info_cmds[] = {
    {"status", NULL, "whether the VM runs", info_status},
    {"registers", NULL, "the CPU registers", info_registers},
    {"replay", NULL, "record/replay mode, instruction count, log position", info_replay},
    {"snapshots", NULL, "the named snapshots", info_snapshots},
    {"breakpoints", NULL, "breakpoints and watchpoints", info_breakpoints},
    {"hash", NULL, "instruction count and state hashes of the machine and the CPU",
     info_hash},
    {NULL},
};
