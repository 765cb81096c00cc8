/*
 * Clocks and timers.
 *
 * CLOCK_VIRTUAL is guest time. Under -icount it is derived from the instruction count
 * (see system/icount.h) and is therefore deterministic; otherwise it follows host time.
 * CLOCK_HOST is the wall clock (guest-visible, e.g. the RTC base): every read goes
 * through the replay gate. CLOCK_RT is monotonic host time for host-side
 * housekeeping (UI refresh, shift=auto tuning) and must never reach guest state.
 * Timers run on CLOCK_VIRTUAL and CLOCK_RT only: a CLOCK_HOST timer would fire at
 * host-dependent instructions, which no log could replay.
 */
#ifndef SYSTEM_CLOCK_H
#define SYSTEM_CLOCK_H

#include "util/osdep.h"

typedef enum ClockType {
    CLOCK_VIRTUAL,
    CLOCK_HOST,
    CLOCK_RT, /* host monotonic time, never guest-visible */
    CLOCK_MAX,
} ClockType;

#define NANOSECONDS_PER_SECOND 1000000000LL

typedef void TimerCB(void *opaque);

typedef struct Timer {
    ClockType clock;
    int64_t expire_ns; /* -1 when not pending */
    int64_t fired_ns;  /* in a callback: the expiry it was armed for (it may run late
                          when virtual time is not instruction-driven) */
    TimerCB *cb;
    void *opaque;
    struct Timer *next; /* sorted list of pending timers on this clock */
} Timer;

int64_t clock_get_ns(ClockType type);

void timer_init(Timer *t, ClockType type, TimerCB *cb, void *opaque);
Timer *timer_new(ClockType type, TimerCB *cb, void *opaque);
void timer_free(Timer *t);
/* (Re)arm the timer to fire when the clock reaches expire_ns. */
void timer_mod(Timer *t, int64_t expire_ns);
void timer_del(Timer *t);
bool timer_pending(const Timer *t);
int64_t timer_expire_time(const Timer *t); /* -1 if not pending */

/* Earliest pending deadline on a clock, or -1 if none. */
int64_t clock_deadline(ClockType type);
/* Run every expired timer of one clock; returns true if any ran. */
bool clock_run_timers(ClockType type);

/* Host-time sources (the _impl functions the replay hooks wrap). */
int64_t host_clock_realtime_ns(void); /* CLOCK_RT: monotonic */
int64_t host_clock_wall_ns(void);     /* wall clock, ns since the epoch */

#endif
