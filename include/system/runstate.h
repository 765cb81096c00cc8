/* Shutdown and reset requests, and the exit status of the emulator. */
#ifndef SYSTEM_RUNSTATE_H
#define SYSTEM_RUNSTATE_H

#include "util/osdep.h"
#include <signal.h>

typedef enum ShutdownCause {
    SHUTDOWN_CAUSE_NONE,
    SHUTDOWN_CAUSE_HOST_QUIT,    /* Ctrl-A X, monitor quit */
    SHUTDOWN_CAUSE_HOST_SIGNAL,  /* SIGTERM/SIGINT/SIGHUP */
    SHUTDOWN_CAUSE_GUEST_EXIT,   /* isa-debug-exit */
    SHUTDOWN_CAUSE_GUEST_SHUTDOWN, /* ACPI power off */
    SHUTDOWN_CAUSE_GUEST_RESET,  /* reset with -no-reboot */
    SHUTDOWN_CAUSE_GUEST_PANIC,  /* triple fault with -no-reboot, fatal errors */
    SHUTDOWN_CAUSE_REPLAY_END,   /* end of the replay log */
    SHUTDOWN_CAUSE_ERROR,        /* emulator error (e.g. replay divergence) */
} ShutdownCause;

/*
 * Guest-initiated shutdown (from device code, deterministic): stop after the
 * current instruction with the given exit status.
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
bool runstate_take_host_request(ShutdownCause *cause); /* pending host request? */
void runstate_apply_host_shutdown(ShutdownCause cause);

/* Machine reset requested by the guest (keyboard controller, triple fault). */
void runstate_reset_request(void);
bool runstate_take_reset_request(void);
bool runstate_reset_pending(void);

extern bool no_reboot; /* -no-reboot */

#endif
