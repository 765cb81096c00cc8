/* The single-threaded main loop: host events, replay checkpoints, timers and the CPU. */
#ifndef SYSTEM_MAIN_LOOP_H
#define SYSTEM_MAIN_LOOP_H

#include "hw/machine.h"
#include "system/runstate.h"

/* Run until shutdown; the exit status comes from the runstate. */
void main_loop_run(Machine *m);
/*
 * Stop the CPU at the next instruction boundary so the main loop takes a checkpoint
 * (host input is waiting for a frontend that has room). Never changes guest state.
 */
void main_loop_request_checkpoint(void);
/* Poll host event sources (fds, signals) without blocking; true if any fired. */
bool main_loop_poll_host(void);
/* The machine main_loop_run is running (NULL before). */
Machine *main_loop_machine(void);
/*
 * Call fn at the next host checkpoint, between two turns, where monitor and gdb
 * commands may act on the machine; a stopped VM wakes up for it.
 */
typedef void MainLoopCallFn(void *opaque);
void main_loop_call_soon(MainLoopCallFn *fn, void *opaque);

/*
 * Execution control for debuggers (monitor, gdbstub). These run on the main thread
 * between turns, as monitor and gdb commands do; stops are reported through the stop
 * notifiers of system/runstate.h.
 *
 * Breakpoints and watchpoints are checked at instruction boundaries. The engine checks
 * breakpoints before each instruction; while a watchpoint is set, a free run executes
 * one instruction per cpu_exec() call and compares afterwards (about ten times slower
 * than a plain run). Steps and seeks ignore both. A breakpoint
 * hits when the next instruction to run is at its linear address (CS base + RIP). A
 * watchpoint hits after an instruction changed one of its bytes (a software
 * watchpoint, as gdb's: writes of the same value and reads are not seen; read and
 * access watchpoints below see every access, at block speed). For
 * watchpoints, the first instruction of an exception handler is not a boundary: the
 * engine runs it in the step that raised the exception.
 */
/* From a stopped VM: run exactly n instructions, then stop (STOP_REASON_STEP). */
bool vm_step(uint64_t n, Error **errp);
/* replay_break: stop when the instruction count reaches n (> the current count). */
bool vm_set_icount_break(uint64_t n, Error **errp);
void vm_clear_icount_break(void);
bool vm_get_icount_break(uint64_t *n);
bool vm_breakpoint_insert(uint64_t lin, Error **errp);
bool vm_breakpoint_remove(uint64_t lin);
#define VM_WATCH_MAX_LEN 8
bool vm_watchpoint_insert(uint64_t lin, uint64_t len, Error **errp);
bool vm_watchpoint_remove(uint64_t lin, uint64_t len);
/*
 * Read (writes = false) and access (writes = true) watchpoints of 1 to 8 bytes: the
 * engine notes every data access to them (as for DR0-3 data breakpoints, unseen by the
 * guest) and the VM stops after the instruction that read (or wrote) one
 * (STOP_REASON_WATCHPOINT, the watchpoint's address), at block speed otherwise.
 */
bool vm_access_watchpoint_insert(uint64_t lin, uint64_t len, bool writes, Error **errp);
bool vm_access_watchpoint_remove(uint64_t lin, uint64_t len, bool writes);
/* The breakpoints (uint64_t addresses) and watchpoints (VMWatchpoint). */
typedef struct VMWatchpoint {
    uint64_t addr, len;
    bool readable; /* the bytes below were readable at the last check */
    uint8_t value[VM_WATCH_MAX_LEN];
} VMWatchpoint;
const GArray *vm_breakpoints(void);
const GArray *vm_watchpoints(void);

/* For reverse execution (replay/replay-snapshot.c). */
typedef void MainLoopRunDone(void *opaque);
typedef void MainLoopHit(void *opaque, const StopEvent *hit);
/*
 * Run until the first turn at instruction count icount, then call done there (it may
 * stop the VM, move the machine, or run on). Breakpoints are off for this run unless
 * main_loop_record_hits() follows, which reports hits to fn instead of stopping.
 * Does not start a stopped VM.
 */
void main_loop_run_to(uint64_t icount, MainLoopRunDone *done, void *opaque);
void main_loop_record_hits(MainLoopHit *fn, void *opaque);
/* Is the next instruction at a breakpoint? */
bool main_loop_breakpoint_here(StopEvent *hit);
/* The machine state was replaced (snapshot restored): its next turn is a first turn. */
void main_loop_state_jumped(void);
/* The state is the canonical one for its icount (see include/replay/replay-snapshot.h).
 */
bool main_loop_at_canonical_state(void);
/* Called by vm_stop: forget the run's target and hit recording. */
void main_loop_stopped(void);

#endif
