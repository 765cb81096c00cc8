/*
 * Reverse execution (replay/replay-snapshot.c): in-memory snapshots taken while
 * replaying, replay_seek to any instruction count, reverse step and reverse continue.
 *
 * Positions are instruction counts. "The state at icount N" is the machine at the
 * first main-loop turn where icount.count == N: after the instruction that brought
 * the count to N and whatever the engine delivered at that boundary, before the
 * replay events logged at N. Seeking to N, stepping forward to N and stopping at a
 * breakpoint at N all land on that same state, so stepping forward n and back n (or
 * back and forward) returns to an identical machine.
 *
 * All functions run on the main thread between turns (monitor and gdbstub commands
 * do). The operations end with the VM stopped; stop notifiers (system/runstate.h)
 * report where and why. Everything here is available in every build; outside replay
 * mode the operations fail with an error that says so.
 */
#ifndef REPLAY_REPLAY_SNAPSHOT_H
#define REPLAY_REPLAY_SNAPSHOT_H

#include "util/osdep.h"
#include "util/error.h"

typedef struct Machine Machine;

/* --- configuration (system/vl.c, monitor, gdbstub) --- */
/*
 * Keep snapshots while replaying (the monitor and the gdbstub call this when they
 * start; no-op outside replay).
 */
void replay_snapshot_enable(void);
/*
 * -icount ...,rrsnapshot-interval=N: a snapshot every N instructions. The default, 0,
 * takes one per 0.2 s of replaying, so that a seek replays at most that long.
 */
void replay_snapshot_set_interval(uint64_t insns);
/*
 * -icount ...,rrsnapshot-mem=SIZE: memory for snapshots (default 1 GiB); beyond it,
 * snapshots are thinned out evenly over the history.
 */
void replay_snapshot_set_memory_limit(uint64_t bytes);
/* -icount ...,rrsnapshot=NAME: record saves the named snapshot at the start, replay
 * loads it. Call after the machine is built and replay_begin() succeeded. */
bool replay_rrsnapshot_at_start(const char *name, Error **errp);

/* --- operations (monitor, gdbstub) --- */
/* Stop at icount, forwards or backwards (stop reason SEEK). */
bool replay_seek(uint64_t icount, Error **errp);
/* Go back n instructions (STEP); at the start of the history, stop there (HISTORY_START).
 */
bool replay_reverse_step(uint64_t n, Error **errp);
/*
 * Go back to the last breakpoint or watchpoint hit before now (BREAKPOINT at the
 * instruction, WATCHPOINT before the instruction that changed the value), or to the
 * start of the history (HISTORY_START).
 */
bool replay_reverse_continue(Error **errp);
/* The instruction counts reverse execution can reach: [first, last] (replay only). */
bool replay_history_bounds(uint64_t *first, uint64_t *last, Error **errp);

/* --- what the replay layer and the rest of the emulator tell us --- */
/* The replay log position, kept up to date by replay/replay.c. */
typedef struct ReplayPosition {
    uint64_t log_id;       /* identifies the recording (hash of its header) */
    uint64_t events;       /* events consumed (replay) or written (record) */
    uint64_t chunk_offset; /* file offset of the chunk holding the next event */
} ReplayPosition;
void replay_snapshot_attach_position(const ReplayPosition *pos);
/* Events in the log so far (record) or consumed (replay); 0 without a log. */
uint64_t replay_snapshot_log_events(void);
/* At the start of a main-loop turn that is the first at its icount (system/main-loop.c).
 */
void replay_snapshot_turn_start(void);
/* A named snapshot was loaded: the machine jumped (migration/savevm.c). */
void replay_snapshot_state_loaded(void);
/*
 * At the end of the log or a guest shutdown: stop there rather than exit (snapshots are
 * on and the VM has been stopped before: someone is debugging).
 */
bool replay_snapshot_pause_at_end(void);
/* "info replay": position, snapshots and memory. */
void replay_snapshot_describe(GString *out);

#endif
