/*
 * Reverse execution: snapshots taken while replaying, and seeking, reverse stepping and
 * reverse continuing over them (DESIGN.md §6; positions are defined in
 * include/replay/replay-snapshot.h).
 *
 * Snapshots. At the first turn of the replay, then whenever the replay has run for a
 * period of host time (or every rrsnapshot-interval instructions), the machine state
 * without RAM is saved in memory, and RAM goes to a RamStore that keeps only the pages
 * changed since the previous snapshot. Since a replay is deterministic, a snapshot
 * stays valid when the replay goes back before it: running forward again reaches it
 * in the same state. That is checked, and the RAM versions are rebased on it, each
 * time the replay passes it. When the snapshots outgrow their memory, the one whose
 * neighbours are closest goes (never the first or the last), so the spacing widens
 * evenly over the whole history.
 *
 * Seeking restores the last snapshot at or before the target and replays forward to
 * exactly the target: the engine's instruction budget stops it there. Reverse
 * continue replays the interval before the current position with breakpoints
 * recording their hits instead of stopping, then seeks to the last hit; with no hit
 * it scans the interval before that, and so on back to the first snapshot. Every
 * phase ends at a main-loop turn, so nothing here waits: an operation never hangs,
 * and the VM stays responsive to "stop" and "quit" throughout.
 */
#include "replay/replay-snapshot.h"
#include "replay/replay.h"
#include "replay/log.h"
#include "migration/savevm.h"
#include "system/main-loop.h"
#include "system/runstate.h"
#include "system/icount.h"
#include "system/clock.h"
#include "hw/machine.h"
#include "util/log.h"

#define DEFAULT_PERIOD_NS (200 * 1000 * 1000) /* of replay time between snapshots */
#define DEFAULT_MEMORY    (1ull << 30)

typedef struct Snapshot {
    uint64_t icount;
    GByteArray *state;
    uint64_t state_hash; /* what the guest can see of it, but RAM */
} Snapshot;

typedef struct ReverseState {
    bool wanted;
    uint64_t interval; /* instructions between snapshots; 0: DEFAULT_PERIOD_NS */
    uint64_t mem_limit;
    const ReplayPosition *pos;
    Machine *m;
    GArray *snaps; /* Snapshot, by increasing icount */
    RamStore *ram;
    uint64_t state_bytes;
    int64_t run_ns;  /* replay time since the last snapshot */
    int64_t last_rt; /* host time at the last turn, 0 after a stop */
    bool restored;   /* the machine is exactly the snapshot at restored_icount */
    uint64_t restored_icount;
    bool take_next; /* take one at the next turn (after a loadvm) */
    bool log_end_known;
    uint64_t log_end;
    /* the operation in progress */
    StopEvent seek_stop; /* how the seek ends */
    uint64_t scan_start; /* reverse continue: scanning from this snapshot ... */
    uint64_t scan_end;   /* ... to here */
    bool have_hit;
    StopEvent hit;
} ReverseState;

/* One replay per process, like the replay layer it extends. */
static ReverseState rs = {.mem_limit = DEFAULT_MEMORY};

static Snapshot *snap_at(guint i)
{
    return &g_array_index(rs.snaps, Snapshot, i);
}

static bool rs_active(void)
{
    return rs.wanted && replay_mode == REPLAY_MODE_PLAY && main_loop_machine();
}

void replay_snapshot_set_interval(uint64_t insns)
{
    rs.interval = insns;
}

void replay_snapshot_set_memory_limit(uint64_t bytes)
{
    rs.mem_limit = bytes;
}

void replay_snapshot_attach_position(const ReplayPosition *pos)
{
    rs.pos = pos;
}

uint64_t replay_snapshot_log_events(void)
{
    return rs.pos ? rs.pos->events : 0;
}

bool replay_snapshot_pause_at_end(void)
{
    return rs.wanted && replay_mode == REPLAY_MODE_PLAY && runstate_debugged();
}

static void rs_on_stop(void *opaque, const StopEvent *ev)
{
    rs.last_rt = 0; /* time stopped is not replay time */
}

void replay_snapshot_enable(void)
{
    if (replay_mode != REPLAY_MODE_PLAY || rs.wanted) {
        return;
    }
    rs.wanted = true;
    runstate_add_stop_notifier(rs_on_stop, NULL);
}

/* ---- taking, checking, dropping, restoring ---- */

/* Index of the last snapshot at or before icount (strictly before if `before`). */
static int snap_find(uint64_t icount, bool before)
{
    int found = -1;

    for (guint i = 0; rs.snaps && i < rs.snaps->len; i++) {
        uint64_t at = snap_at(i)->icount;
        if (at < icount || (!before && at == icount)) {
            found = (int)i;
        }
    }
    return found;
}

static uint64_t rs_bytes(void)
{
    return rs.state_bytes + (rs.ram ? ram_store_bytes(rs.ram) : 0);
}

static void snap_drop(guint i)
{
    Snapshot *s = snap_at(i);

    ram_store_drop(rs.ram, s->icount);
    rs.state_bytes -= s->state->len;
    g_byte_array_unref(s->state);
    g_array_remove_index(rs.snaps, i);
}

/* Over the limit: drop the snapshot whose neighbours are closest, until under it. */
static void snap_thin(void)
{
    while (rs_bytes() > rs.mem_limit && rs.snaps->len > 2) {
        guint best = 1;
        for (guint i = 2; i + 1 < rs.snaps->len; i++) {
            if (snap_at(i + 1)->icount - snap_at(i - 1)->icount <
                snap_at(best + 1)->icount - snap_at(best - 1)->icount) {
                best = i;
            }
        }
        snap_drop(best);
    }
}

static void snap_take(void)
{
    Snapshot s = {icount.count, g_byte_array_new(), 0};

    if (!rs.snaps) {
        rs.m = main_loop_machine();
        rs.snaps = g_array_new(false, false, sizeof(Snapshot));
        rs.ram = ram_store_new(&rs.m->ram);
    }
    savevm_state_save(rs.m, s.state);
    s.state_hash = savevm_state_hash(rs.m);
    rs.state_bytes += s.state->len;
    ram_store_take(rs.ram, s.icount);
    g_array_append_val(rs.snaps, s);
    rs.run_ns = 0;
    rs.take_next = false;
    snap_thin();
    log_mask_printf(LOG_REPLAY,
                    "replay: snapshot at %" PRIu64 " (%u kept, %" PRIu64 " KiB)\n",
                    s.icount, rs.snaps->len, rs_bytes() >> 10);
}

/* Snapshots i and after belong to another history: forget them. */
static void snap_drop_from(guint i)
{
    while (rs.snaps->len > i) {
        snap_drop(rs.snaps->len - 1);
    }
}

/*
 * The replay is back at snapshot i: it must be in the same state. If not, replaying
 * is not deterministic here (a bug worth a loud warning); the snapshots from i on
 * describe another history and are replaced by one of this state.
 */
static void snap_verify_and_rebase(guint i)
{
    Snapshot *s = snap_at(i);
    uint64_t pages;

    if (rs.restored && rs.restored_icount == s->icount) {
        rs.restored = false;
        return;
    }
    pages = ram_store_compare(rs.ram, s->icount);
    if (pages || savevm_state_hash(rs.m) != s->state_hash) {
        warn_report("reverse execution: the replay reached instruction %" PRIu64
                    " again in another state (%s differs): replaying is not "
                    "deterministic here",
                    s->icount, pages ? "RAM" : "device or CPU state");
        snap_drop_from(i);
        snap_take();
        return;
    }
    ram_store_rebase(rs.ram, s->icount);
}

static void snap_restore(guint i)
{
    Snapshot *s = snap_at(i);
    Error *err = NULL;

    ram_store_restore(rs.ram, s->icount);
    if (!savevm_state_load(rs.m, s->state->data, s->state->len, &err)) {
        error_report_err(err); /* our own stream, loaded before: cannot happen */
        runstate_error_shutdown();
        return;
    }
    rs.restored = true;
    rs.restored_icount = s->icount;
    main_loop_state_jumped();
}

static bool snap_due(void)
{
    const Snapshot *last = snap_at(rs.snaps->len - 1);

    if (icount.count <= last->icount) {
        return false;
    }
    if (rs.take_next) {
        return true;
    }
    return rs.interval ? icount.count - last->icount >= rs.interval
                       : rs.run_ns >= DEFAULT_PERIOD_NS;
}

void replay_snapshot_turn_start(void)
{
    int64_t now;
    int i;

    if (!rs_active()) {
        return;
    }
    now = host_clock_realtime_ns(); /* schedules snapshots; never reaches the guest */
    rs.run_ns += rs.last_rt ? now - rs.last_rt : 0;
    rs.last_rt = now;
    i = snap_find(icount.count, false);
    if (i >= 0 && snap_at(i)->icount == icount.count) {
        snap_verify_and_rebase(i);
    } else if (!rs.snaps || snap_due()) {
        snap_take();
    }
}

void replay_snapshot_state_loaded(void)
{
    main_loop_state_jumped();
    if (rs_active() && rs.snaps) {
        rs.take_next = true; /* so that going back from here is cheap */
    }
}

/* An operation needs the first snapshot; a VM started with -S has not turned yet. */
static bool rs_ready(Error **errp)
{
    if (replay_mode != REPLAY_MODE_PLAY) {
        error_setg(errp, "reverse execution and replay_seek need a replay "
                         "(-icount rr=replay,rrfile=...)");
        return false;
    }
    if (!rs_active()) {
        error_setg(errp, "reverse execution needs snapshots: replay with a monitor or "
                         "gdb attached, which keep them");
        return false;
    }
    if (!rs.snaps && main_loop_at_canonical_state()) {
        snap_take();
    }
    if (!rs.snaps) {
        error_setg(errp, "no snapshot yet: let the replay run for an instruction");
        return false;
    }
    return true;
}

static bool rs_log_end(uint64_t *end, Error **errp)
{
    if (!rs.log_end_known &&
        !replay_log_last_icount(icount_rr_file(), &rs.log_end, errp)) {
        return false;
    }
    rs.log_end_known = true;
    *end = rs.log_end;
    return true;
}

bool replay_history_bounds(uint64_t *first, uint64_t *last, Error **errp)
{
    if (!rs_ready(errp) || !rs_log_end(last, errp)) {
        return false;
    }
    *first = snap_at(0)->icount;
    return true;
}

/* ---- seeking ---- */

static void seek_done(void *opaque)
{
    StopEvent ev = rs.seek_stop;

    ev.icount = icount.count;
    vm_stop_event(&ev);
}

/* To target (within the history), ending with the stop event `stop`. */
static void seek_to(uint64_t target, const StopEvent *stop)
{
    int i = snap_find(target, false);
    bool here = target == icount.count && main_loop_at_canonical_state();

    assert(i >= 0);
    if (!here && (target <= icount.count || snap_at(i)->icount > icount.count)) {
        snap_restore((guint)i);
    }
    rs.seek_stop = *stop;
    main_loop_run_to(target, seek_done, NULL);
    vm_start();
}

static bool seek_check(uint64_t target, Error **errp)
{
    uint64_t first, last;

    if (!replay_history_bounds(&first, &last, errp)) {
        return false;
    }
    if (target > last) {
        error_setg(errp,
                   "instruction %" PRIu64 " is past the end of the replay log "
                   "(instruction %" PRIu64 ")",
                   target, last);
        return false;
    }
    if (target < first) {
        error_setg(errp,
                   "instruction %" PRIu64 " is before the first snapshot "
                   "(instruction %" PRIu64 ")",
                   target, first);
        return false;
    }
    return true;
}

bool replay_seek(uint64_t target, Error **errp)
{
    StopEvent stop = {.reason = STOP_REASON_SEEK};

    if (!seek_check(target, errp)) {
        return false;
    }
    seek_to(target, &stop);
    return true;
}

bool replay_reverse_step(uint64_t n, Error **errp)
{
    StopEvent stop = {.reason = STOP_REASON_STEP};
    uint64_t first, last;

    if (!replay_history_bounds(&first, &last, errp)) {
        return false;
    }
    if (icount.count < first || icount.count - first < n) {
        stop.reason = STOP_REASON_HISTORY_START;
        seek_to(first, &stop);
        return true;
    }
    seek_to(icount.count - n, &stop);
    return true;
}

/* ---- reverse continue ---- */

static void scan_from(int i, uint64_t end);

static void scan_hit(void *opaque, const StopEvent *hit)
{
    if (hit->icount < rs.scan_end) {
        rs.hit = *hit;
        rs.have_hit = true;
    }
}

/* A watchpoint hit at N means instruction N-1 wrote: going back, stop before it. */
static uint64_t hit_stop_icount(const StopEvent *hit)
{
    return hit->reason == STOP_REASON_WATCHPOINT ? hit->icount - 1 : hit->icount;
}

static void scan_done(void *opaque)
{
    StopEvent start = {.reason = STOP_REASON_HISTORY_START};
    int prev = snap_find(rs.scan_start, true);

    if (rs.have_hit) {
        seek_to(hit_stop_icount(&rs.hit), &rs.hit);
    } else if (prev >= 0) {
        scan_from(prev, rs.scan_start);
    } else {
        seek_to(snap_at(0)->icount, &start);
    }
}

/* Replay from snapshot i to end, noting the last breakpoint or watchpoint hit. */
static void scan_from(int i, uint64_t end)
{
    StopEvent hit;

    snap_restore((guint)i);
    rs.scan_start = snap_at(i)->icount;
    rs.scan_end = end;
    rs.have_hit = false;
    if (main_loop_breakpoint_here(&hit)) {
        scan_hit(NULL, &hit);
    }
    main_loop_run_to(end, scan_done, NULL);
    main_loop_record_hits(scan_hit, NULL);
    vm_start();
}

bool replay_reverse_continue(Error **errp)
{
    StopEvent start = {.reason = STOP_REASON_HISTORY_START};
    int i;

    if (!rs_ready(errp)) {
        return false;
    }
    i = snap_find(icount.count, true);
    if (i < 0) {
        seek_to(snap_at(0)->icount, &start);
        return true;
    }
    scan_from(i, icount.count);
    return true;
}

/* ---- start-up and "info replay" ---- */

bool replay_rrsnapshot_at_start(const char *name, Error **errp)
{
    bool ok;

    switch (replay_mode) {
    case REPLAY_MODE_RECORD: ok = savevm_save_named(name, errp); break;
    case REPLAY_MODE_PLAY: ok = savevm_load_named(name, errp); break;
    default: error_setg(errp, "rrsnapshot needs rr=record or rr=replay"); return false;
    }
    if (!ok) {
        error_prepend(errp, "-icount rrsnapshot=%s: ", name);
    }
    return ok;
}

static void describe_snapshots(GString *out)
{
    g_autofree char *used = NULL, *limit = NULL;

    if (!rs_active() || !rs.snaps) {
        g_string_append(out, "reverse execution: off (no snapshots are kept)\n");
        return;
    }
    used = g_format_size_full(rs_bytes(), G_FORMAT_SIZE_IEC_UNITS);
    limit = g_format_size_full(rs.mem_limit, G_FORMAT_SIZE_IEC_UNITS);
    g_string_append_printf(out,
                           "reverse execution: %u snapshots from instruction %" PRIu64
                           " to %" PRIu64 ", %s of %s\n",
                           rs.snaps->len, snap_at(0)->icount,
                           snap_at(rs.snaps->len - 1)->icount, used, limit);
}

void replay_snapshot_describe(GString *out)
{
    uint64_t end;

    if (replay_mode == REPLAY_MODE_NONE) {
        g_string_append(out, "Record/replay is not active\n");
        return;
    }
    g_string_append_printf(out, "%s execution '%s': instruction count = %" PRIu64 "\n",
                           replay_mode == REPLAY_MODE_RECORD ? "Recording" : "Replaying",
                           icount_rr_file(), icount.count);
    if (rs.pos) {
        g_string_append_printf(
            out, "log position: event %" PRIu64 ", chunk at offset %" PRIu64 "\n",
            rs.pos->events, rs.pos->chunk_offset);
    }
    if (replay_mode == REPLAY_MODE_PLAY && rs_log_end(&end, NULL)) {
        g_string_append_printf(out, "the log ends at instruction %" PRIu64 "\n", end);
    }
    if (replay_mode == REPLAY_MODE_PLAY) {
        describe_snapshots(out);
    }
}
