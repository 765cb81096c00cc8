/*
 * The replay gate: every source of non-determinism reaches the machine through these
 * functions. In record mode each returns the live value and logs it; in replay mode
 * it returns the logged value; with replay disabled (stubs/replay-*.c) it passes the
 * live value through.
 */
#ifndef REPLAY_REPLAY_H
#define REPLAY_REPLAY_H

#include "util/osdep.h"
#include "util/error.h"

typedef enum ReplayMode {
    REPLAY_MODE_NONE,
    REPLAY_MODE_RECORD,
    REPLAY_MODE_PLAY,
} ReplayMode;

/*
 * Event kinds. Changing this enum or any payload encoding below bumps
 * REPLAY_LOG_FORMAT_VERSION (include/replay/log.h).
 *
 * Payloads (varint = unsigned LEB128, svarint = zigzag LEB128):
 *   CLOCK        u8 clock (ReplayClockKind) · svarint value (ns)
 *   RANDOM       the random bytes
 *   CHAR_READ    varint frontend id · the bytes delivered
 *   CHAR_WRITE   varint frontend id · varint bytes accepted
 *   INPUT, NET, AUDIO_OUT, AUDIO_IN, ASYNC   reserved: opaque bytes
 *   SHIFT        u8 new shift · svarint new bias (ns)
 *   WARP         varint ns added to virtual time
 *   CHECKPOINT   u8 flags · 8-byte CPU hash (u64 LE) [· 18 × u64 LE: rip, rflags,
 *                rax..r15 if flags bit 1] [· RAM and device hashes if flags bit 0:
 *                u64 RAM hash · varint n · n × (varint page gap · u32 CRC-32C of the
 *                page) · varint d · d × u64 device hash (replay/replay-hash.c)]
 *   INTERRUPT    varint vector
 *   SHUTDOWN     u8 cause (ShutdownCause)
 *   END          8-byte final state hash (CPU, RAM and devices: replay_final_hash)
 *   CHAR_EVENT   varint frontend id · u8 event (CHR_EVENT_*; only BREAK is logged)
 */
typedef enum ReplayEventKind {
    REPLAY_EV_CLOCK = 1,
    REPLAY_EV_RANDOM = 2,
    REPLAY_EV_CHAR_READ = 3,
    REPLAY_EV_CHAR_WRITE = 4,
    REPLAY_EV_INPUT = 5,
    REPLAY_EV_NET = 6,
    REPLAY_EV_AUDIO_OUT = 7,
    REPLAY_EV_AUDIO_IN = 8,
    REPLAY_EV_ASYNC = 9,
    REPLAY_EV_SHIFT = 10,
    REPLAY_EV_WARP = 11,
    REPLAY_EV_CHECKPOINT = 12,
    REPLAY_EV_INTERRUPT = 13,
    REPLAY_EV_SHUTDOWN = 14,
    REPLAY_EV_END = 15,
    REPLAY_EV_CHAR_EVENT = 16,
    REPLAY_EV_MAX,
} ReplayEventKind;

typedef enum ReplayClockKind {
    REPLAY_CLOCK_HOST = 0,       /* wall clock read that reaches the guest */
    REPLAY_CLOCK_VIRTUAL_RT = 1, /* virtual clock without -icount */
} ReplayClockKind;

/* Name of an event kind ("clock", "char-read", ...), NULL if unknown. */
const char *replay_event_kind_name(unsigned kind);
/* Kind by name, -1 if unknown. */
int replay_event_kind_from_name(const char *name);
/* Decode a payload into text; false (with errp) if malformed. */
bool replay_event_describe(unsigned kind, const uint8_t *payload, size_t len,
                           GString *out, Error **errp);

extern ReplayMode replay_mode;

/* --- setup (system/vl.c) --- */
typedef struct Machine Machine;
/* The machine whose state checkpoints hash. */
void replay_set_machine(Machine *m);
/* Open the log for record or replay. argv is the normalized configuration. */
bool replay_start(ReplayMode mode, const char *path, GPtrArray *config_args,
                  Error **errp);
/* Replay: the configuration stored in the log's header (for rr=replay alone). */
GPtrArray *replay_read_config(const char *path, Error **errp);
/* Declare an image the guest can read; record hashes it, replay checks it. */
bool replay_add_image(const char *role, const char *path, Error **errp);
/* Record: writes the header once all images are known. Replay: checks them. */
bool replay_begin(Error **errp);
/* Write END (record) or check it (replay), flush and close. */
void replay_finish(void);
bool replay_enabled(void); /* false in -Dreplay=disabled builds */

/* --- the exec loop (accel/tcg) --- */
/*
 * Instructions the CPU may run before the next logged asynchronous event
 * (replay mode), or INT64_MAX.
 */
int64_t replay_budget(void);
/*
 * At a checkpoint between CPU slices: in replay, apply every asynchronous event
 * logged at the current icount (input, warps, shift changes, shutdown) and verify
 * checkpoints; in record, write a checkpoint when due. Returns false if the replay
 * diverged or ended (the runstate has been set).
 */
bool replay_checkpoint(void);
/* The CPU is halted with nothing to do: in replay, is an event due now? */
bool replay_has_event_now(void);
/* Log (record) or check (replay) an interrupt delivered to the CPU. */
void replay_interrupt(int vector);

/* --- clocks (replay-time.c) --- */
int64_t replay_clock(ReplayClockKind kind, int64_t live_value);
/* In replay, clock reads don't touch the host: true means "don't compute live". */
bool replay_clock_is_replaying(void);

/* --- icount (replay.c) --- */
void replay_shift_change(int shift, int64_t bias);
void replay_warp(int64_t delta_ns);

/* --- guest random (replay-random.c) --- */
/* Record: log buf. Replay: fill buf from the log. */
void replay_random(void *buf, size_t len);

/* --- chardevs (replay-char.c) --- */
void replay_char_read(int fe_id, const uint8_t *buf, int len);
int replay_char_write(int fe_id, int live_result);
/*
 * A backend event that changes what the guest sees (a serial break): record logs it
 * and returns true (deliver it); replay returns false (the log delivers it).
 */
bool replay_char_event(int fe_id, int event);

/* --- runstate (replay.c) --- */
void replay_shutdown_request(int cause);

/* The hash stored in checkpoints: CPU state (registers, flags, icount). */
uint64_t replay_cpu_hash(void);
/* Final state hash of the run: CPU, RAM and devices (printed with -d replay; END). */
uint64_t replay_final_hash(void);

#endif
