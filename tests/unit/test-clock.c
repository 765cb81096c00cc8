/* Clocks, timers and the icount virtual clock. */
#include "system/clock.h"
#include "system/icount.h"

typedef struct Fired {
    int count;
    int64_t at[8];
    Timer *rearm; /* re-arm this timer from the callback */
    int64_t rearm_to;
} Fired;

static void on_fire(void *opaque)
{
    Fired *f = opaque;

    if (f->count < 8) {
        f->at[f->count] = clock_get_ns(CLOCK_VIRTUAL);
    }
    f->count++;
    if (f->rearm) {
        timer_mod(f->rearm, f->rearm_to);
        f->rearm = NULL;
    }
}

static void icount_setup(int shift)
{
    icount = (IcountState){.enabled = true, .shift = shift};
}

static void test_virtual_clock_is_icount(void)
{
    icount_setup(3);
    icount.count = 1000;
    g_assert_cmpint(clock_get_ns(CLOCK_VIRTUAL), ==, 8000);
    icount_warp(500);
    g_assert_cmpint(clock_get_ns(CLOCK_VIRTUAL), ==, 8500);
    icount_set_shift(1);
    g_assert_cmpint(clock_get_ns(CLOCK_VIRTUAL), ==, 8500); /* continuous */
    icount.count += 10;
    g_assert_cmpint(clock_get_ns(CLOCK_VIRTUAL), ==, 8520);
}

static void test_budget_rounds_up(void)
{
    icount_setup(2);
    g_assert_cmpint(icount_budget_until(-1), ==, -1);
    g_assert_cmpint(icount_budget_until(0), ==, 0);
    g_assert_cmpint(icount_budget_until(4), ==, 1);
    g_assert_cmpint(icount_budget_until(5), ==, 2); /* fires on the boundary after 5 ns */
    icount.count = 3;
    g_assert_cmpint(icount_budget_until(12), ==, 0);
    g_assert_cmpint(icount_budget_until(13), ==, 1);
}

static void test_timers_fire_in_order(void)
{
    Fired a = {0}, b = {0};
    Timer ta, tb;

    icount_setup(0);
    timer_init(&ta, CLOCK_VIRTUAL, on_fire, &a);
    timer_init(&tb, CLOCK_VIRTUAL, on_fire, &b);
    timer_mod(&ta, 200);
    timer_mod(&tb, 100);
    g_assert_cmpint(clock_deadline(CLOCK_VIRTUAL), ==, 100);
    icount.count = 99;
    g_assert_false(clock_run_timers(CLOCK_VIRTUAL));
    icount.count = 150;
    g_assert_true(clock_run_timers(CLOCK_VIRTUAL));
    g_assert_cmpint(b.count, ==, 1);
    g_assert_cmpint(a.count, ==, 0);
    g_assert_true(timer_pending(&ta));
    g_assert_false(timer_pending(&tb));
    icount.count = 200;
    clock_run_timers(CLOCK_VIRTUAL);
    g_assert_cmpint(a.count, ==, 1);
    g_assert_cmpint(a.at[0], ==, 200);
    g_assert_cmpint(clock_deadline(CLOCK_VIRTUAL), ==, -1);
}

static void test_timer_del_and_rearm(void)
{
    Fired a = {0};
    Timer t;

    icount_setup(0);
    timer_init(&t, CLOCK_VIRTUAL, on_fire, &a);
    timer_mod(&t, 50);
    timer_mod(&t, 80); /* re-arming moves it */
    icount.count = 60;
    clock_run_timers(CLOCK_VIRTUAL);
    g_assert_cmpint(a.count, ==, 0);
    g_assert_cmpint(timer_expire_time(&t), ==, 80);
    timer_del(&t);
    icount.count = 100;
    g_assert_false(clock_run_timers(CLOCK_VIRTUAL));
    g_assert_cmpint(timer_expire_time(&t), ==, -1);
}

static void test_callback_rearms_due_timer(void)
{
    Fired a = {0}, b = {0};
    Timer ta, tb;

    icount_setup(0);
    timer_init(&ta, CLOCK_VIRTUAL, on_fire, &a);
    timer_init(&tb, CLOCK_VIRTUAL, on_fire, &b);
    a.rearm = &tb;
    a.rearm_to = 10; /* already due: must run in the same pass */
    timer_mod(&ta, 10);
    icount.count = 10;
    clock_run_timers(CLOCK_VIRTUAL);
    g_assert_cmpint(a.count, ==, 1);
    g_assert_cmpint(b.count, ==, 1);
}

static int fire_log[4], fire_n;

static void on_fire_log(void *opaque)
{
    fire_log[fire_n++] = GPOINTER_TO_INT(opaque);
}

static void test_equal_deadlines_keep_arming_order(void)
{
    Timer t[3];

    icount_setup(0);
    fire_n = 0;
    timer_init(&t[0], CLOCK_VIRTUAL, on_fire_log, GINT_TO_POINTER(7));
    timer_init(&t[1], CLOCK_VIRTUAL, on_fire_log, GINT_TO_POINTER(8));
    timer_init(&t[2], CLOCK_VIRTUAL, on_fire_log, GINT_TO_POINTER(9));
    timer_mod(&t[1], 42);
    timer_mod(&t[0], 42);
    timer_mod(&t[2], 41);
    icount.count = 42;
    clock_run_timers(CLOCK_VIRTUAL);
    g_assert_cmpint(fire_n, ==, 3);
    g_assert_cmpint(fire_log[0], ==, 9); /* earliest first */
    g_assert_cmpint(fire_log[1], ==, 8); /* then equal deadlines in arming order */
    g_assert_cmpint(fire_log[2], ==, 7);
}

static void test_icount_options(void)
{
    Error *err = NULL;

    icount = (IcountState){.sleep = true};
    g_assert_true(icount_parse_opts("shift=auto,sleep=off", &err));
    g_assert_true(icount.enabled && icount.auto_shift && !icount.sleep);
    g_assert_false(icount_parse_opts("shift=11", &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "shift"));
    error_free(err);
    err = NULL;
    g_assert_false(icount_parse_opts("rr=record", &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "rrfile"));
    error_free(err);
    err = NULL;
    g_assert_false(icount_parse_opts("shfit=1", &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "shfit"));
    error_free(err);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/clock/virtual-is-icount", test_virtual_clock_is_icount);
    g_test_add_func("/clock/budget-rounds-up", test_budget_rounds_up);
    g_test_add_func("/clock/timers-fire-in-order", test_timers_fire_in_order);
    g_test_add_func("/clock/del-and-rearm", test_timer_del_and_rearm);
    g_test_add_func("/clock/callback-rearms-due", test_callback_rearms_due_timer);
    g_test_add_func("/clock/equal-deadlines", test_equal_deadlines_keep_arming_order);
    g_test_add_func("/clock/icount-options", test_icount_options);
    return g_test_run();
}
