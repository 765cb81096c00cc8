/* Whether the VM runs, why it stopped, shutdown and reset requests, and the exit status.
 */
#ifndef SYSTEM_RUNSTATE_H
#define SYSTEM_RUNSTATE_H

#include "util/osdep.h"
#include <signal.h>

typedef enum ShutdownCause {
    SHUTDOWN_CAUSE_NONE,
    SHUTDOWN_CAUSE_HOST_QUIT,      /* Ctrl-A X, monitor quit */
    SHUTDOWN_CAUSE_HOST_SIGNAL,    /* SIGTERM/SIGINT/SIGHUP */
    SHUTDOWN_CAUSE_GUEST_EXIT,     /* isa-debug-exit */
    SHUTDOWN_CAUSE_GUEST_SHUTDOWN, /* ACPI power off */
    SHUTDOWN_CAUSE_GUEST_RESET,    /* reset with -no-reboot */
    SHUTDOWN_CAUSE_GUEST_PANIC,    /* triple fault with -no-reboot, fatal errors */
    SHUTDOWN_CAUSE_REPLAY_END,     /* end of the replay log */
    SHUTDOWN_CAUSE_ERROR,          /* emulator error (e.g. replay divergence) */
} ShutdownCause;

/*
 * Guest-initiated shutdown (from device code, deterministic): stop after the
 * current instruction with the given exit status. While a debugger works on a replay,
 * the shutdown is held instead: the VM stops at the end of the log, and "cont"
 * (vm_start) carries the shutdown out.
 */
void runstate_guest_shutdown(ShutdownCause cause, int exit_status);
/*
 * Host-initiated shutdown (signals, Ctrl-A X): only queues the request; the main
 * loop takes it at a checkpoint through the replay gate.
 */
void runstate_host_shutdown_request(ShutdownCause cause);
/* A fatal emulator error (already reported): stop with status 1. */
void runstate_error_shutdown(void);

/* Main loop side. */
bool runstate_shutdown_requested(void);
ShutdownCause runstate_shutdown_cause(void);
int runstate_exit_status(void);
bool runstate_host_request_pending(void);
bool runstate_take_host_request(ShutdownCause *cause); /* pending host request? */
void runstate_apply_host_shutdown(ShutdownCause cause);

/* Machine reset requested by the guest (keyboard controller, triple fault). */
void runstate_reset_request(void);
bool runstate_take_reset_request(void);
bool runstate_reset_pending(void);

extern bool no_reboot; /* -no-reboot */

/*
 * Running and stopped. A stopped VM executes nothing and its clocks stand still (with
 * -icount); host events, the monitor and gdb are still served. Stopping and starting
 * never changes guest state, so they are allowed while recording.
 */
typedef enum RunState {
    RUN_STATE_RUNNING,
    RUN_STATE_PAUSED,     /* "stop", -S */
    RUN_STATE_DEBUG,      /* a debugger stop: step, breakpoint, replay_break, seek */
    RUN_STATE_REPLAY_END, /* the replay reached the end of its log */
    RUN_STATE_ERROR,      /* a failed loadvm left the machine state undefined */
} RunState;

typedef enum StopReason {
    STOP_REASON_USER,          /* stop command, -S, gdb interrupt */
    STOP_REASON_STEP,          /* vm_step or a reverse step finished */
    STOP_REASON_ICOUNT,        /* replay_break reached */
    STOP_REASON_BREAKPOINT,    /* StopEvent.addr: the breakpoint */
    STOP_REASON_WATCHPOINT,    /* StopEvent.addr: the watched address */
    STOP_REASON_SEEK,          /* replay_seek arrived */
    STOP_REASON_HISTORY_START, /* reverse execution reached the start of the replay */
    STOP_REASON_HISTORY_END,   /* the replay reached the end of its log */
    STOP_REASON_ERROR,
} StopReason;

typedef struct StopEvent {
    StopReason reason;
    uint64_t icount; /* where the VM stopped */
    uint64_t addr;   /* breakpoint or watchpoint address */
} StopEvent;

/* Called on every transition to stopped, once the VM stands at the boundary. */
typedef void StopNotifier(void *opaque, const StopEvent *ev);
void runstate_add_stop_notifier(StopNotifier *fn, void *opaque);
void runstate_remove_stop_notifier(StopNotifier *fn, void *opaque);

RunState runstate_get(void);
bool runstate_is_running(void);
/* "running", "paused", "paused (debug)", ... as "info status" prints it. */
const char *runstate_name(RunState state);
/* Why the VM last stopped. */
const StopEvent *runstate_last_stop(void);

/* The VM has been stopped before: someone is debugging it. */
bool runstate_debugged(void);
/* The machine moved back in time: a guest shutdown held at the end is undone. */
void runstate_drop_held_shutdown(void);

/* Stop at the current instruction boundary (no-op if stopped). */
void vm_stop(StopReason reason);
void vm_stop_event(const StopEvent *ev);
void vm_start(void);
/* Main loop, VM stopped: tell the stop notifiers (once per stop). */
void runstate_notify_stop(void);
/* -S: the main loop starts with the VM stopped (before main_loop_run; no notification).
 */
void vm_start_paused(void);

#endif
