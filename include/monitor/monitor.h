/*
 * The human monitor (monitor/): QEMU's monitor commands (help, info registers, info
 * replay, replay_break, replay_seek, savevm, loadvm, x, xp, stop, cont, quit, ...) on
 * a character device that is not part of the guest: its input is never recorded or
 * replayed, and no command feeds the guest or perturbs a recording.
 */
#ifndef MONITOR_MONITOR_H
#define MONITOR_MONITOR_H

#include "util/osdep.h"
#include "util/error.h"

typedef struct Machine Machine;
typedef struct CPUX86State CPUX86State;

/*
 * -monitor DEV: "stdio", "mon:stdio" (the -nographic stdio mux; Ctrl-A C switches
 * between the serial console and the monitor), "tcp:[HOST]:PORT,server=on,wait=off",
 * "unix:PATH,server=on,wait=off", "chardev:ID", "none". In replay mode the monitor
 * turns on the snapshots that replay_seek and reverse steps need.
 */
bool monitor_init(const char *chardev_spec, Error **errp);

/*
 * A monitor without a character device, for gdb's "monitor CMD" (qRcmd): what the
 * commands print goes to out(opaque, text), with plain newlines and no prompt.
 */
typedef struct Monitor Monitor;
typedef void MonitorOutputFn(void *opaque, const char *text);
typedef void MonitorDoneFn(void *opaque);
Monitor *monitor_new_captured(MonitorOutputFn *out, void *opaque);
/*
 * Run one command line. True when it has finished; false when it let the VM run to a
 * stop (stepi, replay_seek, ...): the stop is reported through out, then
 * done(done_opaque) is called.
 */
bool monitor_run_line(Monitor *mon, const char *line, MonitorDoneFn *done,
                      void *done_opaque);

/*
 * Debugger access to guest memory (monitor/debug-access.c; the gdbstub uses it too).
 * Nothing here faults or changes guest state: page tables are walked without setting
 * accessed or dirty bits, and only RAM is read (never device registers, whose reads
 * have side effects). Writes (is_write) change guest memory: callers refuse them while
 * recording or replaying.
 */
bool cpu_debug_translate(CPUX86State *env, uint64_t lin, uint64_t *phys);
bool cpu_memory_rw_debug(CPUX86State *env, uint64_t lin, void *buf, size_t len,
                         bool is_write);
bool phys_memory_rw_debug(Machine *m, uint64_t phys, void *buf, size_t len,
                          bool is_write);

#endif
