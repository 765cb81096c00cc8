/* State shared by the files of replay/: the open log and the replay lookahead. */
#ifndef REPLAY_INTERNAL_H
#define REPLAY_INTERNAL_H

#include "replay/replay.h"
#include "replay/log.h"

/*
 * Sync events are consumed inside an instruction (a clock read, random bytes, a
 * write result, an interrupt); async events enter at checkpoints between CPU slices
 * (input, warps, shift changes, checkpoints, shutdown, end).
 */
bool replay_event_is_async(unsigned kind);

/* Record: append an event at the current icount. */
void replay_put_event(ReplayEventKind kind, const void *payload, size_t len);
/*
 * Replay: take the next event, which must be of this kind at the current icount.
 * On a mismatch, report the divergence, stop the machine and return false.
 */
bool replay_get_event(ReplayEventKind kind, ReplayEvent *ev);
/* Replay: report a divergence (printf-style detail) and stop the machine. */
void replay_diverged(const char *fmt, ...) PRINTF_FMT(1, 2);

/* Per-source handlers for async events, called by replay.c in replay mode. */
bool replay_char_apply(const ReplayEvent *ev);

#endif
