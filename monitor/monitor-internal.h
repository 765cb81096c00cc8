/* Shared by the monitor's files: the monitor itself and the command tables. */
#ifndef MONITOR_MONITOR_INTERNAL_H
#define MONITOR_MONITOR_INTERNAL_H

#include "monitor/monitor.h"
#include "chardev/char.h"

typedef struct Monitor Monitor;

/* A command gets the text after its name (leading blanks removed). */
typedef void MonitorCmdFn(Monitor *mon, const char *args);

typedef struct MonitorCmd {
    const char *name;   /* "x" matches "x/4xw" too */
    const char *params; /* for help */
    const char *help;
    MonitorCmdFn *fn;
} MonitorCmd;

/* The tables, each ending with an entry whose name is NULL. */
extern const MonitorCmd monitor_control_cmds[];  /* cmds-control.c */
extern const MonitorCmd monitor_snapshot_cmds[]; /* cmds-snapshot.c */
extern const MonitorCmd monitor_memory_cmds[];   /* cmds-memory.c */
extern const MonitorCmd monitor_info_cmds[];     /* cmds-info.c: "info NAME" */

void monitor_printf(Monitor *mon, const char *fmt, ...) PRINTF_FMT(2, 3);
void monitor_puts(Monitor *mon, const char *text);
/* Print err ("Error: ...") and free it. */
void monitor_report_err(Monitor *mon, Error *err);
/*
 * The command let the VM run to a stop (a step, a seek): read no further command
 * until the VM stops, then report the stop.
 */
void monitor_wait_for_stop(Monitor *mon);
void monitor_print_help(Monitor *mon, const MonitorCmd *table, const char *prefix);

/* The machine, or NULL (and a message) before the main loop runs. */
Machine *monitor_machine(Monitor *mon);
/* "1234", "0x4d2", "$rip", "$esp+8": a number or a register, plus or minus terms. */
bool monitor_parse_value(Monitor *mon, const char *text, uint64_t *value, Error **errp);
/* The argument words of a command. */
char **monitor_split_args(const char *args);

#endif
