/* Shutdown and reset requests: guest ones take effect at once, host ones go through replay. */
#include "system/runstate.h"
#include "replay/replay.h"

bool no_reboot;

static ShutdownCause shutdown_cause;
static int exit_status;
static volatile sig_atomic_t host_request; /* set from signal handlers */
static bool reset_requested;

void runstate_guest_shutdown(ShutdownCause cause, int status)
{
    if (shutdown_cause == SHUTDOWN_CAUSE_NONE) {
        shutdown_cause = cause;
        exit_status = status;
    }
}

void runstate_host_shutdown_request(ShutdownCause cause)
{
    host_request = cause;
}

void runstate_error_shutdown(void)
{
    shutdown_cause = SHUTDOWN_CAUSE_ERROR;
    exit_status = 1;
}

bool runstate_shutdown_requested(void)
{
    return shutdown_cause != SHUTDOWN_CAUSE_NONE;
}

ShutdownCause runstate_shutdown_cause(void)
{
    return shutdown_cause;
}

int runstate_exit_status(void)
{
    return exit_status;
}

bool runstate_take_host_request(ShutdownCause *cause)
{
    if (host_request == SHUTDOWN_CAUSE_NONE) {
        return false;
    }
    *cause = (ShutdownCause)host_request;
    host_request = SHUTDOWN_CAUSE_NONE;
    return true;
}

void runstate_apply_host_shutdown(ShutdownCause cause)
{
    /* A signal-initiated exit is not an error: QEMU exits 0 on SIGTERM too. */
    runstate_guest_shutdown(cause, 0);
}

void runstate_reset_request(void)
{
    if (no_reboot) {
        runstate_guest_shutdown(SHUTDOWN_CAUSE_GUEST_RESET, 0);
        return;
    }
    reset_requested = true;
}

bool runstate_take_reset_request(void)
{
    bool r = reset_requested;
    reset_requested = false;
    return r;
}

bool runstate_reset_pending(void)
{
    return reset_requested;
}
