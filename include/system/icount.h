/*
 * Instruction counting: under -icount, virtual time is
 *     bias + (instructions executed << shift)  nanoseconds.
 * The bias moves only when virtual time warps over a halted CPU, or when shift=auto
 * changes the shift (the bias keeps time continuous); both are replay events.
 */
#ifndef SYSTEM_ICOUNT_H
#define SYSTEM_ICOUNT_H

#include "util/osdep.h"
#include "util/error.h"

typedef struct IcountState {
    bool enabled;    /* -icount given */
    bool auto_shift; /* shift=auto */
    bool sleep;      /* sleep=on: a halted CPU waits for real time to pass */
    bool align;      /* align=on: the host waits while virtual time runs ahead */
    int shift;
    uint64_t count; /* instructions retired */
    int64_t bias;   /* ns */
} IcountState;

extern IcountState icount;

#define ICOUNT_MAX_SHIFT 10

/* Parse the -icount argument; fills rr_mode/rr_file for the replay layer. */
bool icount_parse_opts(const char *optarg, Error **errp);
const char *icount_rr_mode_str(void); /* "record", "replay" or NULL */
const char *icount_rr_file(void);
const char *icount_rr_snapshot(void);

static inline int64_t icount_to_ns(uint64_t n)
{
    return (int64_t)(n << icount.shift);
}

/*
 * align=on: if virtual time has run ahead of host time since the first call, sleep
 * off the lead (host pacing only: nothing guest-visible changes). Main loop, per turn.
 */
void icount_align_host(void);

/* Virtual time now. */
int64_t icount_get_ns(void);
/* Instructions to run before virtual time reaches deadline_ns (>= 0), or -1 if none. */
int64_t icount_budget_until(int64_t deadline_ns);
/* Move virtual time forward by delta_ns without executing instructions. */
void icount_warp(int64_t delta_ns);
/* Change the shift keeping virtual time continuous. */
void icount_set_shift(int shift);

#endif
