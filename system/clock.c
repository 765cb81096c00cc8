/* Clocks and timer lists (see include/system/clock.h for which clock is which). */
#include "system/clock.h"
#include "system/icount.h"
#include "replay/replay.h"
#include "system/main-loop.h"
#include <time.h>

/* Pending timers per clock, sorted by expiry (then by arming order). */
static Timer *timer_lists[CLOCK_MAX];
/* Virtual time without -icount is host time since start, frozen into replayable reads. */
static int64_t virtual_rt_start;

int64_t host_clock_realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * NANOSECONDS_PER_SECOND + ts.tv_nsec;
}

int64_t host_clock_wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec * NANOSECONDS_PER_SECOND + ts.tv_nsec;
}

static int64_t virtual_rt_ns(void)
{
    if (replay_clock_is_replaying()) {
        return replay_clock(REPLAY_CLOCK_VIRTUAL_RT, 0);
    }
    if (!virtual_rt_start) {
        virtual_rt_start = host_clock_realtime_ns();
    }
    return replay_clock(REPLAY_CLOCK_VIRTUAL_RT,
                        host_clock_realtime_ns() - virtual_rt_start);
}

static int64_t host_wall_ns(void)
{
    if (replay_clock_is_replaying()) {
        return replay_clock(REPLAY_CLOCK_HOST, 0);
    }
    return replay_clock(REPLAY_CLOCK_HOST, host_clock_wall_ns());
}

int64_t clock_get_ns(ClockType type)
{
    switch (type) {
    case CLOCK_VIRTUAL: return icount.enabled ? icount_get_ns() : virtual_rt_ns();
    case CLOCK_HOST: return host_wall_ns();
    case CLOCK_RT: return host_clock_realtime_ns();
    default: g_assert_not_reached();
    }
}

void timer_init(Timer *t, ClockType type, TimerCB *cb, void *opaque)
{
    assert(type != CLOCK_HOST);
    *t = (Timer){.clock = type, .expire_ns = -1, .cb = cb, .opaque = opaque};
}

Timer *timer_new(ClockType type, TimerCB *cb, void *opaque)
{
    Timer *t = g_new(Timer, 1);
    timer_init(t, type, cb, opaque);
    return t;
}

void timer_free(Timer *t)
{
    if (t) {
        timer_del(t);
        g_free(t);
    }
}

static void timer_unlink(Timer *t)
{
    for (Timer **p = &timer_lists[t->clock]; *p; p = &(*p)->next) {
        if (*p == t) {
            *p = t->next;
            break;
        }
    }
    t->next = NULL;
}

void timer_del(Timer *t)
{
    if (t->expire_ns >= 0) {
        timer_unlink(t);
        t->expire_ns = -1;
    }
}

void timer_mod(Timer *t, int64_t expire_ns)
{
    Timer **p;

    timer_del(t);
    t->expire_ns = expire_ns < 0 ? 0 : expire_ns;
    for (p = &timer_lists[t->clock]; *p && (*p)->expire_ns <= t->expire_ns;
         p = &(*p)->next) {
    }
    t->next = *p;
    *p = t;
    /*
     * A new earliest guest deadline, set while the CPU may be running with a budget
     * computed before it: stop at the next instruction boundary so the main loop
     * re-plans. Timers are armed at deterministic instructions, so this is too.
     */
    if (t->clock == CLOCK_VIRTUAL && timer_lists[CLOCK_VIRTUAL] == t) {
        main_loop_request_checkpoint();
    }
}

bool timer_pending(const Timer *t)
{
    return t->expire_ns >= 0;
}

int64_t timer_expire_time(const Timer *t)
{
    return t->expire_ns;
}

int64_t clock_deadline(ClockType type)
{
    return timer_lists[type] ? timer_lists[type]->expire_ns : -1;
}

bool clock_run_timers(ClockType type)
{
    bool ran = false;
    int64_t now;
    Timer *t;

    if (!timer_lists[type]) {
        return false; /* don't read the clock: host clock reads are replay events */
    }
    now = clock_get_ns(type);
    /* Re-read the head each time: a callback may re-arm or delete timers. */
    while ((t = timer_lists[type]) && t->expire_ns <= now) {
        timer_lists[type] = t->next;
        t->next = NULL;
        t->fired_ns = t->expire_ns;
        t->expire_ns = -1;
        t->cb(t->opaque);
        ran = true;
    }
    return ran;
}
