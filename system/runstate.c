/*
 * Whether the VM runs, and shutdown and reset requests: guest ones take effect at once,
 * host ones go through replay.
 */
#include "system/runstate.h"
#include "system/main-loop.h"
#include "system/icount.h"
#include "replay/replay.h"
#include "replay/replay-snapshot.h"

bool no_reboot;

static ShutdownCause shutdown_cause;
static int exit_status;
static volatile sig_atomic_t host_request; /* set from signal handlers */
static bool reset_requested;
/*
 * While a debugger looks at a replay, the guest's own shutdown is the end of the
 * history. It is held: the log's end event, at the same instruction, stops the VM
 * (replay.c), a seek or a reverse scan may go back from there, and only "cont" at the
 * end carries the shutdown out.
 */
static bool shutdown_held;
static ShutdownCause held_cause;
static int held_status;

void runstate_guest_shutdown(ShutdownCause cause, int status)
{
    if (shutdown_cause != SHUTDOWN_CAUSE_NONE || shutdown_held) {
        return;
    }
    if (replay_snapshot_pause_at_end()) {
        shutdown_held = true;
        held_cause = cause;
        held_status = status;
        return;
    }
    shutdown_cause = cause;
    exit_status = status;
}

void runstate_drop_held_shutdown(void)
{
    shutdown_held = false;
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

bool runstate_host_request_pending(void)
{
    return host_request != SHUTDOWN_CAUSE_NONE;
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
    if (shutdown_cause == SHUTDOWN_CAUSE_NONE) {
        shutdown_cause = cause;
        exit_status = 0;
    }
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

/* ---- running and stopped ---- */

typedef struct StopNotifierEntry {
    StopNotifier *fn;
    void *opaque;
} StopNotifierEntry;

static RunState run_state = RUN_STATE_RUNNING;
static StopEvent last_stop;
static bool debugged;          /* stopped at least once: a debugger is at work */
static bool stop_unheard;      /* the notifiers have not heard of the last stop yet */
static GArray *stop_notifiers; /* StopNotifierEntry */

void runstate_add_stop_notifier(StopNotifier *fn, void *opaque)
{
    StopNotifierEntry e = {fn, opaque};

    if (!stop_notifiers) {
        stop_notifiers = g_array_new(false, false, sizeof(StopNotifierEntry));
    }
    g_array_append_val(stop_notifiers, e);
}

void runstate_remove_stop_notifier(StopNotifier *fn, void *opaque)
{
    for (guint i = 0; stop_notifiers && i < stop_notifiers->len; i++) {
        StopNotifierEntry *e = &g_array_index(stop_notifiers, StopNotifierEntry, i);
        if (e->fn == fn && e->opaque == opaque) {
            g_array_remove_index(stop_notifiers, i);
            return;
        }
    }
}

RunState runstate_get(void)
{
    return run_state;
}

bool runstate_is_running(void)
{
    return run_state == RUN_STATE_RUNNING;
}

const char *runstate_name(RunState state)
{
    switch (state) {
    case RUN_STATE_RUNNING: return "running";
    case RUN_STATE_PAUSED: return "paused";
    case RUN_STATE_DEBUG: return "paused (debug)";
    case RUN_STATE_REPLAY_END: return "paused (end of the replay log)";
    case RUN_STATE_ERROR: return "paused (internal-error)";
    }
    return "?";
}

const StopEvent *runstate_last_stop(void)
{
    return &last_stop;
}

static RunState runstate_for(StopReason reason)
{
    switch (reason) {
    case STOP_REASON_USER: return RUN_STATE_PAUSED;
    case STOP_REASON_HISTORY_END: return RUN_STATE_REPLAY_END;
    case STOP_REASON_ERROR: return RUN_STATE_ERROR;
    default: return RUN_STATE_DEBUG;
    }
}

void vm_stop_event(const StopEvent *ev)
{
    if (run_state != RUN_STATE_RUNNING) {
        return;
    }
    run_state = runstate_for(ev->reason);
    last_stop = *ev;
    debugged = true;
    stop_unheard = true;
    main_loop_stopped();
}

/*
 * Notifiers hear of a stop once the VM is at the boundary: a stop asked for inside an
 * instruction (a guest shutdown) takes effect after it.
 */
void runstate_notify_stop(void)
{
    g_autoptr(GArray) calls = NULL;

    if (!stop_unheard || run_state == RUN_STATE_RUNNING) {
        return;
    }
    stop_unheard = false;
    last_stop.icount = icount.count;
    /* A copy: a notifier may add or remove notifiers. */
    calls = stop_notifiers ? g_array_copy(stop_notifiers) : NULL;
    for (guint i = 0; calls && i < calls->len; i++) {
        StopNotifierEntry *e = &g_array_index(calls, StopNotifierEntry, i);
        e->fn(e->opaque, &last_stop);
    }
}

void vm_stop(StopReason reason)
{
    StopEvent ev = {.reason = reason, .icount = icount.count};

    vm_stop_event(&ev);
}

void vm_start(void)
{
    if (shutdown_held) {
        shutdown_held = false;
        runstate_guest_shutdown(held_cause, held_status);
    }
    stop_unheard = false;
    run_state = RUN_STATE_RUNNING;
}

bool runstate_debugged(void)
{
    return debugged;
}

void vm_start_paused(void)
{
    debugged = true;
    run_state = RUN_STATE_PAUSED;
    last_stop = (StopEvent){.reason = STOP_REASON_USER, .icount = icount.count};
}
