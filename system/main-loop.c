/*
 * The main loop. One thread runs everything: each turn it takes host input at a
 * checkpoint (or, in replay, the logged input), runs expired timers, then runs the
 * CPU until the next timer deadline, replay event or slice end.
 *
 * The order within a turn is the same in every mode, which is what makes a replay
 * retrace the recording: asynchronous events, then due timers, then instructions.
 *
 * Debuggers stop and steer the VM between turns. The first turn at an instruction
 * count is where everything that is "at icount N" happens: snapshots for reverse
 * execution are taken and checked there, runs to a target count end there, and a
 * stopped VM waits there for host events (the monitor, gdb, Ctrl-A) without running
 * timers or replay events. Extra turn boundaries change nothing in the guest: a
 * replay already cuts slices where the recording did not.
 */
#include "system/main-loop.h"
#include "system/clock.h"
#include "system/icount.h"
#include "system/runstate.h"
#include "system/cpu-exec.h"
#include "chardev/char.h"
#include "replay/replay.h"
#include "target/i386/cpu.h"
#include "target/i386/access.h"
#include "target/i386/debug.h"
#include "migration/savevm.h"
#include "monitor/monitor.h"
#include "replay/replay-snapshot.h"
#include "util/log.h"

#define SLICE_INSNS   (1 << 20) /* instructions between host polls */
#define SHIFT_TUNE_NS (100 * 1000 * 1000)
#define MAX_SLEEP_NS  (50 * 1000 * 1000)

typedef struct ShiftTuner {
    int64_t last_rt, last_vt;
} ShiftTuner;

/* Debugger stops and runs; see the comment at the top. */
typedef struct ExecControl {
    bool fresh;   /* this is the first turn at icount.count (or the state jumped) */
    bool checked; /* the first-turn checks ran for it */
    bool target_set;
    uint64_t target;
    MainLoopRunDone *target_done;
    void *target_opaque;
    bool break_set; /* replay_break */
    uint64_t break_icount;
    bool hits_on; /* breakpoints and watchpoints apply to this run */
    MainLoopHit *hit_fn;
    void *hit_opaque;
    GArray *breakpoints;         /* uint64_t */
    GArray *watchpoints;         /* VMWatchpoint */
    GArray *access_watches;      /* struct DbgWatch: read and access watchpoints */
    bool access_watches_changed; /* the engine's copy (cpu.h dbg_watches) is stale */
} ExecControl;

typedef struct SoonCall {
    MainLoopCallFn *fn;
    void *opaque;
} SoonCall;

/* One main loop per process, like the thread that runs it. */
static Machine *running_machine;
static ExecControl exec = {.fresh = true, .hits_on = true};
static GArray *soon_calls; /* SoonCall */

void main_loop_request_checkpoint(void)
{
    if (running_machine && running_machine->cpu) {
        running_machine->cpu->stop_request = true;
        cpu_exit(running_machine->cpu);
    }
}

Machine *main_loop_machine(void)
{
    return running_machine;
}

void main_loop_call_soon(MainLoopCallFn *fn, void *opaque)
{
    SoonCall call = {fn, opaque};

    if (!soon_calls) {
        soon_calls = g_array_new(false, false, sizeof(SoonCall));
    }
    g_array_append_val(soon_calls, call);
}

static bool main_loop_soon_pending(void)
{
    return soon_calls && soon_calls->len;
}

static void main_loop_run_soon_calls(void)
{
    while (main_loop_soon_pending()) {
        SoonCall call = g_array_index(soon_calls, SoonCall, 0);
        g_array_remove_index(soon_calls, 0);
        call.fn(call.opaque);
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

    while (!runstate_shutdown_requested() && !runstate_host_request_pending() &&
           !main_loop_soon_pending()) {
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
    uint64_t logged;

    if (replay_mode == REPLAY_MODE_PLAY) {
        main_loop_poll_host(); /* only signals and output backends */
        main_loop_run_soon_calls();
        chardev_checkpoint(); /* the guest is deaf: this reaches the monitor only */
        if (runstate_take_host_request(&cause)) {
            runstate_apply_host_shutdown(cause);
        }
        return;
    }
    main_loop_poll_host();
    main_loop_run_soon_calls();
    if (runstate_take_host_request(&cause)) {
        replay_shutdown_request(cause);
        runstate_apply_host_shutdown(cause);
        return;
    }
    logged = replay_snapshot_log_events();
    if (chardev_checkpoint() &&
        (replay_mode != REPLAY_MODE_RECORD || replay_snapshot_log_events() != logged)) {
        /*
         * The replay runs due timers after each logged input, so the recording must
         * too; but input for the monitor or gdb is not logged, and running timers
         * for it would put them before a checkpoint the replay checks without them.
         */
        clock_run_timers(CLOCK_VIRTUAL);
    }
}

/* Instructions before the run's target or the replay_break. */
static int64_t exec_budget(void)
{
    if (exec.target_set) {
        return exec.target > icount.count ? (int64_t)(exec.target - icount.count) : 0;
    }
    if (exec.break_set && exec.break_icount > icount.count) {
        return (int64_t)(exec.break_icount - icount.count);
    }
    return INT64_MAX;
}

static int64_t main_loop_budget(void)
{
    int64_t budget = SLICE_INSNS;
    int64_t timer =
        icount.enabled ? icount_budget_until(clock_deadline(CLOCK_VIRTUAL)) : -1;
    int64_t rr = replay_budget();

    if (timer >= 0 && timer < budget) {
        budget = MAX(timer, 1); /* a timer due now has just run; it re-armed itself */
    }
    return MIN(MIN(budget, rr), exec_budget());
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
        /* A deadline that passed while the CPU ran to its HLT is due now, not never. */
        if (deadline < 0 || deadline > now) {
            main_loop_wait_host(deadline < 0 ? -1 : deadline - now);
        }
        return;
    }
    if (deadline < 0) {
        main_loop_wait_host(-1);
        return;
    }
    warp = MAX(deadline - now, 0);
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

/*
 * The first turn at an icount: snapshots, the run's target, replay_break. A target's
 * callback may move the machine (a restored snapshot), whose state is then checked
 * in turn. False when the VM is stopped.
 */
static bool main_loop_first_turn_checks(void)
{
    while (exec.fresh && !exec.checked) {
        exec.checked = true;
        replay_snapshot_turn_start();
        if (exec.target_set && icount.count == exec.target) {
            exec.target_set = false;
            exec.target_done(exec.target_opaque);
            if (!exec.checked) {
                continue;
            }
        }
        if (exec.break_set && icount.count == exec.break_icount) {
            exec.break_set = false;
            vm_stop(STOP_REASON_ICOUNT);
        }
    }
    return runstate_is_running();
}

static ExecResult main_loop_exec(CPUX86State *cpu, int64_t budget);

static bool main_loop_turn(Machine *m, ShiftTuner *st)
{
    uint64_t start = icount.count;
    int64_t budget;
    ExecResult r;

    main_loop_host_checkpoint();
    if (runstate_shutdown_requested()) {
        return false;
    }
    if (!main_loop_first_turn_checks()) {
        return true;
    }
    exec.fresh = false;
    if (!replay_checkpoint() || runstate_shutdown_requested()) {
        return !runstate_shutdown_requested(); /* else stopped at the end of the log */
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
    r = main_loop_exec(m->cpu, budget);
    icount_align_host();
    if (icount.count != start) {
        exec.fresh = true;
        exec.checked = false;
    }
    if (r == EXEC_HALTED) {
        main_loop_halted();
        return !main_loop_replay_stuck(m->cpu);
    }
    return true;
}

/* Stopped: serve host events (the monitor may start the VM again). */
static void main_loop_wait_stopped(ShiftTuner *st)
{
    runstate_notify_stop();
    main_loop_host_checkpoint();
    if (!runstate_is_running()) {
        /* Its commands may have started and stopped the VM again (gdb's c, Ctrl-C). */
        runstate_notify_stop();
        main_loop_wait_host(-1);
    } else {
        /* The time spent stopped is no reason to change the shift. */
        *st = (ShiftTuner){host_clock_realtime_ns(), icount_get_ns()};
    }
}

void main_loop_run(Machine *m)
{
    ShiftTuner st = {host_clock_realtime_ns(), icount_get_ns()};

    running_machine = m;
    savevm_set_machine(m);
    while (!runstate_shutdown_requested()) {
        if (!runstate_is_running()) {
            main_loop_wait_stopped(&st);
        } else if (!main_loop_turn(m, &st)) {
            break;
        }
    }
}

/* ---- breakpoints and watchpoints ---- */

static uint64_t cpu_linear_pc(const CPUX86State *env)
{
    uint64_t pc = env->segs[R_CS].base + env->rip;

    return (env->hflags & HF_CS64) ? pc : (uint32_t)pc;
}

bool main_loop_breakpoint_here(StopEvent *hit)
{
    uint64_t pc = cpu_linear_pc(running_machine->cpu);

    for (guint i = 0; exec.breakpoints && i < exec.breakpoints->len; i++) {
        if (g_array_index(exec.breakpoints, uint64_t, i) == pc) {
            *hit = (StopEvent){STOP_REASON_BREAKPOINT, icount.count, pc};
            return true;
        }
    }
    return false;
}

/* Read the watched bytes; true if they changed since the last look. */
static bool watch_changed(CPUX86State *env, VMWatchpoint *wp)
{
    uint8_t now[VM_WATCH_MAX_LEN];
    bool readable = cpu_memory_rw_debug(env, wp->addr, now, wp->len, false);
    bool changed =
        readable != wp->readable || (readable && memcmp(now, wp->value, wp->len) != 0);

    wp->readable = readable;
    memcpy(wp->value, now, wp->len);
    return changed;
}

static void watch_reset(void)
{
    for (guint i = 0; exec.watchpoints && running_machine && i < exec.watchpoints->len;
         i++) {
        watch_changed(running_machine->cpu,
                      &g_array_index(exec.watchpoints, VMWatchpoint, i));
    }
}

static bool watch_hit(CPUX86State *env, StopEvent *hit)
{
    bool any = false;

    for (guint i = 0; exec.watchpoints && i < exec.watchpoints->len; i++) {
        VMWatchpoint *wp = &g_array_index(exec.watchpoints, VMWatchpoint, i);
        if (watch_changed(env, wp) && !any) {
            *hit = (StopEvent){STOP_REASON_WATCHPOINT, icount.count, wp->addr};
            any = true;
        }
    }
    return any;
}

/* After an instruction: report a hit; true if the VM stopped for it. */
static bool exec_check_hits(CPUX86State *env)
{
    StopEvent hit;
    bool engine_watch = env->dbg_hit && env->dbg_watch_hit;

    env->dbg_hit = env->dbg_watch_hit = false;
    if (engine_watch) {
        hit = (StopEvent){STOP_REASON_WATCHPOINT, icount.count, env->dbg_watch_addr};
        watch_hit(env, &(StopEvent){0}); /* keep the value watchpoints current */
    } else if (!watch_hit(env, &hit) && !main_loop_breakpoint_here(&hit)) {
        return false;
    }
    if (exec.hit_fn) {
        exec.hit_fn(exec.hit_opaque, &hit);
        return false;
    }
    vm_stop_event(&hit);
    return true;
}

static bool exec_watching(void)
{
    return exec.hits_on && ((exec.breakpoints && exec.breakpoints->len) ||
                            (exec.watchpoints && exec.watchpoints->len) ||
                            (exec.access_watches && exec.access_watches->len));
}

/*
 * Give the engine the read and access watchpoints that apply to this run (none while
 * hits are off). A change flushes the TLB: pages that became watched must leave the
 * fast path (debug.h).
 */
static void exec_sync_access_watches(CPUX86State *cpu)
{
    unsigned n = exec.hits_on && exec.access_watches ? exec.access_watches->len : 0;

    cpu->dbg_watches = n ? (const struct DbgWatch *)exec.access_watches->data : NULL;
    if (n != cpu->dbg_nwatches || (n && exec.access_watches_changed)) {
        cpu->dbg_nwatches = n;
        tlb_flush_all(cpu);
    }
    exec.access_watches_changed = false;
}

/*
 * Breakpoints and read/access watchpoints alone: the engine checks them around each
 * instruction and stops at a hit (cpu.h dbg_breakpoints, dbg_watches), at full block
 * speed otherwise.
 */
static ExecResult main_loop_exec_breakpoints(CPUX86State *cpu, int64_t budget)
{
    ExecResult r;

    cpu->dbg_breakpoints =
        exec.breakpoints ? (const uint64_t *)exec.breakpoints->data : NULL;
    cpu->dbg_nbreakpoints = exec.breakpoints ? exec.breakpoints->len : 0;
    cpu->dbg_resume_icount = icount.count;
    r = cpu_exec(cpu, budget);
    cpu->dbg_nbreakpoints = 0;
    if (cpu->dbg_hit) {
        exec_check_hits(cpu);
        return EXEC_EXIT; /* stopped, or a recorded hit: the next turn goes on */
    }
    return r;
}

/* Watchpoints compare the watched bytes after every instruction. */
static ExecResult main_loop_exec(CPUX86State *cpu, int64_t budget)
{
    exec_sync_access_watches(cpu);
    if (!exec_watching()) {
        return cpu_exec(cpu, budget);
    }
    if (!exec.watchpoints || !exec.watchpoints->len) {
        return main_loop_exec_breakpoints(cpu, budget);
    }
    for (int64_t n = 0; n < budget; n++) {
        ExecResult r = cpu_exec(cpu, 1);
        bool engine_hit = cpu->dbg_hit;
        if (r != EXEC_BUDGET && !engine_hit) {
            return r;
        }
        if (exec_check_hits(cpu) || engine_hit) {
            return EXEC_EXIT; /* stopped, or a recorded hit: the next turn goes on */
        }
    }
    return EXEC_BUDGET;
}

bool vm_breakpoint_insert(uint64_t lin, Error **errp)
{
    if (!exec.breakpoints) {
        exec.breakpoints = g_array_new(false, false, sizeof(uint64_t));
    }
    vm_breakpoint_remove(lin); /* inserting twice keeps one */
    g_array_append_val(exec.breakpoints, lin);
    return true;
}

bool vm_breakpoint_remove(uint64_t lin)
{
    for (guint i = 0; exec.breakpoints && i < exec.breakpoints->len; i++) {
        if (g_array_index(exec.breakpoints, uint64_t, i) == lin) {
            g_array_remove_index(exec.breakpoints, i);
            return true;
        }
    }
    return false;
}

bool vm_watchpoint_insert(uint64_t lin, uint64_t len, Error **errp)
{
    VMWatchpoint wp = {.addr = lin, .len = len};

    if (len == 0 || len > VM_WATCH_MAX_LEN) {
        error_setg(errp, "a watchpoint covers 1 to %d bytes", VM_WATCH_MAX_LEN);
        return false;
    }
    if (!exec.watchpoints) {
        exec.watchpoints = g_array_new(false, false, sizeof(VMWatchpoint));
    }
    vm_watchpoint_remove(lin, len);
    if (running_machine) {
        watch_changed(running_machine->cpu, &wp);
    }
    g_array_append_val(exec.watchpoints, wp);
    return true;
}

bool vm_watchpoint_remove(uint64_t lin, uint64_t len)
{
    for (guint i = 0; exec.watchpoints && i < exec.watchpoints->len; i++) {
        VMWatchpoint *wp = &g_array_index(exec.watchpoints, VMWatchpoint, i);
        if (wp->addr == lin && wp->len == len) {
            g_array_remove_index(exec.watchpoints, i);
            return true;
        }
    }
    return false;
}

bool vm_access_watchpoint_insert(uint64_t lin, uint64_t len, bool writes, Error **errp)
{
    struct DbgWatch w = {.addr = lin, .len = len, .writes = writes};

    if (len == 0 || len > VM_WATCH_MAX_LEN) {
        error_setg(errp, "a watchpoint covers 1 to %d bytes", VM_WATCH_MAX_LEN);
        return false;
    }
    if (!exec.access_watches) {
        exec.access_watches = g_array_new(false, false, sizeof(struct DbgWatch));
    }
    vm_access_watchpoint_remove(lin, len, writes);
    g_array_append_val(exec.access_watches, w);
    exec.access_watches_changed = true;
    return true;
}

bool vm_access_watchpoint_remove(uint64_t lin, uint64_t len, bool writes)
{
    for (guint i = 0; exec.access_watches && i < exec.access_watches->len; i++) {
        struct DbgWatch *w = &g_array_index(exec.access_watches, struct DbgWatch, i);
        if (w->addr == lin && w->len == len && w->writes == writes) {
            g_array_remove_index(exec.access_watches, i);
            exec.access_watches_changed = true;
            return true;
        }
    }
    return false;
}

const GArray *vm_breakpoints(void)
{
    if (!exec.breakpoints) {
        exec.breakpoints = g_array_new(false, false, sizeof(uint64_t));
    }
    return exec.breakpoints;
}

const GArray *vm_watchpoints(void)
{
    if (!exec.watchpoints) {
        exec.watchpoints = g_array_new(false, false, sizeof(VMWatchpoint));
    }
    return exec.watchpoints;
}

/* ---- stops, steps and runs to a count ---- */

void main_loop_stopped(void)
{
    exec.target_set = false;
    exec.hit_fn = NULL;
    exec.hits_on = true;
    main_loop_request_checkpoint(); /* a stop from inside an instruction ends the slice */
}

void main_loop_state_jumped(void)
{
    runstate_drop_held_shutdown();
    exec.fresh = true;
    exec.checked = false;
    watch_reset();
}

bool main_loop_at_canonical_state(void)
{
    return exec.fresh;
}

void main_loop_run_to(uint64_t target, MainLoopRunDone *done, void *opaque)
{
    /* A target at the current count can only be the canonical state's own. */
    assert(target > icount.count || exec.fresh);
    exec.target_set = true;
    exec.target = target;
    exec.target_done = done;
    exec.target_opaque = opaque;
    exec.hits_on = false;
    exec.hit_fn = NULL;
    if (target == icount.count) {
        exec.checked = false;
    }
}

void main_loop_record_hits(MainLoopHit *fn, void *opaque)
{
    exec.hits_on = true;
    exec.hit_fn = fn;
    exec.hit_opaque = opaque;
    watch_reset();
}

static void vm_step_done(void *opaque)
{
    vm_stop(STOP_REASON_STEP);
}

bool vm_step(uint64_t n, Error **errp)
{
    if (runstate_is_running()) {
        error_setg(errp, "the VM is running; stop it first");
        return false;
    }
    if (n == 0) {
        error_setg(errp, "nothing to step");
        return false;
    }
    main_loop_run_to(icount.count + n, vm_step_done, NULL);
    vm_start();
    return true;
}

bool vm_set_icount_break(uint64_t n, Error **errp)
{
    if (n <= icount.count) {
        error_setg(errp,
                   "instruction %" PRIu64 " is not ahead of the current position "
                   "(%" PRIu64 ")",
                   n, icount.count);
        return false;
    }
    exec.break_set = true;
    exec.break_icount = n;
    return true;
}

void vm_clear_icount_break(void)
{
    exec.break_set = false;
}

bool vm_get_icount_break(uint64_t *n)
{
    *n = exec.break_icount;
    return exec.break_set;
}
