/*
 * The main loop. One thread runs everything: each turn it takes host input at a
 * checkpoint (or, in replay, the logged input), runs expired timers, then runs the
 * CPU until the next timer deadline, replay event or slice end.
 *
 * The order within a turn is the same in every mode, which is what makes a replay
 * retrace the recording: asynchronous events, then due timers, then instructions.
 */
#include "system/main-loop.h"
#include "system/clock.h"
#include "system/icount.h"
#include "system/runstate.h"
#include "system/cpu-exec.h"
#include "chardev/char.h"
#include "replay/replay.h"
#include "target/i386/cpu.h"
#include "util/log.h"

#define SLICE_INSNS        (1 << 20) /* instructions between host polls */
#define SHIFT_TUNE_NS      (100 * 1000 * 1000)
#define MAX_SLEEP_NS       (50 * 1000 * 1000)

typedef struct ShiftTuner {
    int64_t last_rt, last_vt;
} ShiftTuner;

static Machine *running_machine;

void main_loop_request_checkpoint(void)
{
    if (running_machine && running_machine->cpu) {
        running_machine->cpu->stop_request = true;
        running_machine->cpu->exit_request = true;
    }
}

bool main_loop_poll_host(void)
{
    bool any = false;

    while (g_main_context_iteration(NULL, FALSE)) {
        any = true;
    }
    return any;
}

static gboolean main_loop_wake(gpointer opaque)
{
    *(bool *)opaque = true;
    return G_SOURCE_REMOVE;
}

/* Wait for host events for at most timeout_ns (-1: until one arrives). */
static void main_loop_wait_host(int64_t timeout_ns)
{
    int64_t until = timeout_ns < 0 ? INT64_MAX : host_clock_realtime_ns() + timeout_ns;

    while (!runstate_shutdown_requested()) {
        int64_t left = until - host_clock_realtime_ns();
        bool woke = false;
        guint id;

        if (left <= 0) {
            return;
        }
        id = g_timeout_add((guint)((MIN(left, MAX_SLEEP_NS) + 999999) / 1000000),
                           main_loop_wake, &woke);
        g_main_context_iteration(NULL, TRUE);
        if (!woke) {
            g_source_remove(id);
            return; /* input, a signal or a connection: let the checkpoint see it */
        }
    }
}

/* shift=auto: keep virtual time near real time; every change is a replay event. */
static void main_loop_tune_shift(ShiftTuner *st)
{
    int64_t rt = host_clock_realtime_ns(), vt = icount_get_ns();
    int64_t drt = rt - st->last_rt, dvt = vt - st->last_vt;
    int shift = icount.shift;

    if (!icount.auto_shift || replay_mode == REPLAY_MODE_PLAY || drt < SHIFT_TUNE_NS) {
        return;
    }
    st->last_rt = rt;
    st->last_vt = vt;
    if (dvt > 2 * drt && shift > 0) {
        shift--;
    } else if (dvt < drt / 2 && shift < ICOUNT_MAX_SHIFT) {
        shift++;
    }
    if (shift != icount.shift) {
        icount_set_shift(shift);
        replay_shift_change(icount.shift, icount.bias);
        log_mask_printf(LOG_REPLAY, "icount: shift now %d\n", shift);
    }
}

/* Host-side events enter the machine here (never in replay). */
static void main_loop_host_checkpoint(void)
{
    ShutdownCause cause;

    if (replay_mode == REPLAY_MODE_PLAY) {
        main_loop_poll_host(); /* only signals and output backends */
        if (runstate_take_host_request(&cause)) {
            runstate_apply_host_shutdown(cause);
        }
        return;
    }
    main_loop_poll_host();
    if (runstate_take_host_request(&cause)) {
        replay_shutdown_request(cause);
        runstate_apply_host_shutdown(cause);
        return;
    }
    if (chardev_checkpoint()) {
        clock_run_timers(CLOCK_VIRTUAL);
    }
}

static int64_t main_loop_budget(void)
{
    int64_t budget = SLICE_INSNS;
    int64_t timer = icount.enabled ? icount_budget_until(clock_deadline(CLOCK_VIRTUAL)) : -1;
    int64_t rr = replay_budget();

    if (timer >= 0 && timer < budget) {
        budget = MAX(timer, 1); /* a timer due now has just run; it re-armed itself */
    }
    return MIN(budget, rr);
}

/* The CPU is halted: move virtual time to the next deadline (or wait for input). */
static void main_loop_halted(void)
{
    int64_t deadline = clock_deadline(CLOCK_VIRTUAL);
    int64_t now = clock_get_ns(CLOCK_VIRTUAL), start, warp;

    if (replay_mode == REPLAY_MODE_PLAY) {
        return; /* warps come from the log */
    }
    if (!icount.enabled) {
        main_loop_wait_host(deadline < 0 ? -1 : deadline - now);
        return;
    }
    if (deadline < 0) {
        main_loop_wait_host(-1);
        return;
    }
    warp = deadline - now;
    if (icount.sleep) {
        start = host_clock_realtime_ns();
        main_loop_wait_host(warp);
        warp = MIN(warp, host_clock_realtime_ns() - start);
    }
    replay_warp(warp);
    icount_warp(warp);
    clock_run_timers(CLOCK_VIRTUAL);
}

static bool main_loop_replay_stuck(CPUX86State *cpu)
{
    if (replay_mode != REPLAY_MODE_PLAY || !cpu->halted || replay_has_event_now()) {
        return false;
    }
    error_report("replay: the CPU is halted at instruction %" PRIu64 " and the log "
                 "has nothing more for it to do there; the replay cannot continue",
                 icount.count);
    runstate_error_shutdown();
    return true;
}

static bool main_loop_turn(Machine *m, ShiftTuner *st)
{
    int64_t budget;

    main_loop_host_checkpoint();
    if (runstate_shutdown_requested() || !replay_checkpoint() ||
        runstate_shutdown_requested()) {
        return false;
    }
    main_loop_tune_shift(st);
    clock_run_timers(CLOCK_VIRTUAL);
    clock_run_timers(CLOCK_RT);
    if (runstate_take_reset_request()) {
        machine_reset(m);
    }
    budget = main_loop_budget();
    if (budget <= 0) {
        return true; /* replay: the next checkpoint applies or reports the event */
    }
    if (cpu_exec(m->cpu, budget) == EXEC_HALTED) {
        main_loop_halted();
        return !main_loop_replay_stuck(m->cpu);
    }
    return true;
}

void main_loop_run(Machine *m)
{
    ShiftTuner st = {host_clock_realtime_ns(), icount_get_ns()};

    running_machine = m;
    while (!runstate_shutdown_requested()) {
        if (!main_loop_turn(m, &st)) {
            break;
        }
    }
}
