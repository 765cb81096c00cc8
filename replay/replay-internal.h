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
bool replay_char_event_apply(const ReplayEvent *ev);

/* --- machine digests in checkpoints (replay-hash.c) --- */
typedef struct Machine Machine;
/* Record: append the RAM and device part of a checkpoint payload. */
void replay_hash_put_machine(GByteArray *out, Machine *m);
/*
 * Replay: compare the machine with the part in [p, end). 1 if equal; 0 if not, with
 * why naming the RAM pages and devices that differ; -1 if the part is malformed.
 */
int replay_hash_check_machine(Machine *m, const uint8_t *p, const uint8_t *end,
                              GString *why);
/* The log position jumped (a snapshot was loaded): the page deltas no longer apply. */
void replay_hash_forget(void);
/* One hash of the CPU's (cpu_hash), RAM's and every device's state. */
uint64_t replay_hash_final(Machine *m, uint64_t cpu_hash);

#endif
