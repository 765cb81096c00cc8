/* Monitor commands for named snapshots: savevm, loadvm, delvm. */
#include "monitor/monitor-internal.h"
#include "migration/savevm.h"

static void cmd_savevm(Monitor *mon, const char *args)
{
    Error *err = NULL;

    if (!savevm_save_named(args, &err)) {
        monitor_report_err(mon, err);
    }
}

static void cmd_loadvm(Monitor *mon, const char *args)
{
    Error *err = NULL;

    if (!savevm_load_named(args, &err)) {
        monitor_report_err(mon, err);
    }
}

static void cmd_delvm(Monitor *mon, const char *args)
{
    Error *err = NULL;

    if (!savevm_delete_named(args, &err)) {
        monitor_report_err(mon, err);
    }
}

const MonitorCmd monitor_snapshot_cmds[] = {
    {"savevm", "NAME", "save the whole machine as snapshot NAME", cmd_savevm},
    {"loadvm", "NAME", "restore snapshot NAME (not while recording)", cmd_loadvm},
    {"delvm", "NAME", "delete snapshot NAME", cmd_delvm},
    {NULL},
};
