/* Device tests for the MC146818 RTC (mc146818rtc): time, update cycle, IRQ 8, CMOS. */
#include "hw/machine.h"
#include "hw/rtc/mc146818.h"
#include "replay/log.h"
#include "replay/replay.h"
#include "system/clock.h"
#include "system/icount.h"
#include "system/runstate.h"
#include "util/leb128.h"
#include <glib/gstdio.h>
#include <unistd.h>

/* Registers and bits, spelled out independently of hw/rtc/mc146818.c. */
enum { SEC = 0, SEC_ALARM = 1, MIN = 2, MIN_ALARM = 3, HOUR = 4, HOUR_ALARM = 5 };
enum { DOW = 6, MDAY = 7, MONTH = 8, YEAR = 9, REG_A = 10, REG_B = 11, REG_C = 12 };
enum { REG_D = 13, CENTURY = 0x32 };
enum { A_UIP = 0x80, A_1024HZ = 0x26, A_NO_PERIODIC = 0x20, A_DIV_RESET = 0x66 };
enum {
    B_SET = 0x80,
    B_PIE = 0x40,
    B_AIE = 0x20,
    B_UIE = 0x10,
    B_DM = 0x04,
    B_24H = 0x02
};
enum { C_IRQF = 0x80, C_PF = 0x40, C_AF = 0x20, C_UF = 0x10 };

#define SECOND   1000000000LL
#define BASE     "2006-06-17T16:01:21" /* a Saturday */
#define UIP_NS   244000
#define DONTCARE 0xc0

typedef struct Fixture {
    Machine *m;
    RTCState *rtc;
    bool irq8;
    GArray *rises; /* int64_t, virtual times IRQ 8 went high */
} Fixture;

static void record_irq8(void *opaque, int n, int level)
{
    Fixture *f = opaque;
    int64_t now = icount.count;

    if (level && !f->irq8) {
        g_array_append_val(f->rises, now);
    }
    f->irq8 = level;
}

static RTCState *add_rtc(Machine *m, const char *base)
{
    g_autofree char *props = g_strdup_printf("base=%s", base);
    Error *err = NULL;

    if (!machine_add_device(m, "mc146818rtc", props, &err)) {
        g_error("mc146818rtc: %s", error_get_pretty(err));
    }
    return mc146818_find(m);
}

static void setup_with_base(Fixture *f, const char *base)
{
    icount = (IcountState){.enabled = true, .shift = 0};
    f->m = machine_new("none", 1 << 20);
    f->irq8 = false;
    f->rises = g_array_new(false, false, sizeof(int64_t));
    irq_init(&f->m->isa_irq[8], record_irq8, f, 8);
    f->rtc = add_rtc(f->m, base);
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
    setup_with_base(f, data ? data : BASE);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    machine_free(f->m);
    g_array_free(f->rises, true);
}

/* Step virtual time to ns through every timer deadline, as the main loop does. */
static void run_until(int64_t ns)
{
    int64_t d;

    while ((d = clock_deadline(CLOCK_VIRTUAL)) >= 0 && d <= ns) {
        icount.count = MAX((int64_t)icount.count, d);
        clock_run_timers(CLOCK_VIRTUAL);
    }
    icount.count = ns;
    clock_run_timers(CLOCK_VIRTUAL);
}

static uint8_t cmos_read(Fixture *f, uint8_t index)
{
    address_space_st(&f->m->io, 0x70, index, 1);
    return address_space_ld(&f->m->io, 0x71, 1);
}

static void cmos_write(Fixture *f, uint8_t index, uint8_t val)
{
    address_space_st(&f->m->io, 0x70, index, 1);
    address_space_st(&f->m->io, 0x71, val, 1);
}

static void assert_time(Fixture *f, uint8_t hour, uint8_t min, uint8_t sec)
{
    g_assert_cmphex(cmos_read(f, HOUR), ==, hour);
    g_assert_cmphex(cmos_read(f, MIN), ==, min);
    g_assert_cmphex(cmos_read(f, SEC), ==, sec);
}

static void assert_date(Fixture *f, uint8_t century, uint8_t year, uint8_t month,
                        uint8_t mday, uint8_t dow)
{
    g_assert_cmphex(cmos_read(f, CENTURY), ==, century);
    g_assert_cmphex(cmos_read(f, YEAR), ==, year);
    g_assert_cmphex(cmos_read(f, MONTH), ==, month);
    g_assert_cmphex(cmos_read(f, MDAY), ==, mday);
    g_assert_cmphex(cmos_read(f, DOW), ==, dow);
}

static int64_t rise(Fixture *f, guint i)
{
    g_assert_cmpuint(f->rises->len, >, i);
    return g_array_index(f->rises, int64_t, i);
}

/* ---- time ---- */

static void test_time_from_base(Fixture *f, gconstpointer data)
{
    assert_time(f, 0x16, 0x01, 0x21);
    assert_date(f, 0x20, 0x06, 0x06, 0x17, 7);
    g_assert_cmphex(cmos_read(f, REG_A), ==, A_1024HZ);
    g_assert_cmphex(cmos_read(f, REG_B), ==, B_24H);
    run_until(SECOND - 1);
    assert_time(f, 0x16, 0x01, 0x21);
    run_until(SECOND);
    assert_time(f, 0x16, 0x01, 0x22);
    run_until(3600 * SECOND);
    assert_time(f, 0x17, 0x01, 0x21);
}

static void test_time_rollover(Fixture *f, gconstpointer data)
{
    assert_date(f, 0x19, 0x99, 0x12, 0x31, 6);
    run_until(SECOND);
    assert_time(f, 0x00, 0x00, 0x00);
    assert_date(f, 0x20, 0x00, 0x01, 0x01, 7);
}

static void test_binary_and_12_hour(Fixture *f, gconstpointer data)
{
    cmos_write(f, REG_B, B_DM);
    assert_time(f, 0x84, 1, 21); /* 4 PM */
    g_assert_cmphex(cmos_read(f, YEAR), ==, 6);
    cmos_write(f, REG_B, B_DM | B_24H);
    g_assert_cmphex(cmos_read(f, HOUR), ==, 16);
    cmos_write(f, REG_B, 0);
    g_assert_cmphex(cmos_read(f, HOUR), ==, 0x84);
    run_until(8 * 3600 * SECOND);                  /* 00:01:21 */
    g_assert_cmphex(cmos_read(f, HOUR), ==, 0x12); /* 12 AM */
    run_until(20 * 3600 * SECOND);                 /* 12:01:21 */
    g_assert_cmphex(cmos_read(f, HOUR), ==, 0x92); /* 12 PM */
}

static void test_update_in_progress(Fixture *f, gconstpointer data)
{
    run_until(SECOND - UIP_NS - 1);
    g_assert_cmphex(cmos_read(f, REG_A), ==, A_1024HZ);
    run_until(SECOND - UIP_NS);
    g_assert_cmphex(cmos_read(f, REG_A), ==, A_UIP | A_1024HZ);
    run_until(SECOND - 1);
    g_assert_cmphex(cmos_read(f, REG_A), ==, A_UIP | A_1024HZ);
    g_assert_cmphex(cmos_read(f, SEC), ==, 0x21);
    run_until(SECOND);
    g_assert_cmphex(cmos_read(f, REG_A), ==, A_1024HZ);
    g_assert_cmphex(cmos_read(f, SEC), ==, 0x22);
    cmos_write(f, REG_A, A_UIP | A_1024HZ); /* UIP is read-only */
    run_until(2 * SECOND - UIP_NS - 1);
    g_assert_cmphex(cmos_read(f, REG_A), ==, A_1024HZ);
}

/* ---- interrupts ---- */

static void test_update_interrupt(Fixture *f, gconstpointer data)
{
    cmos_write(f, REG_A, A_NO_PERIODIC);
    cmos_write(f, REG_B, B_UIE | B_24H);
    run_until(SECOND - 1);
    g_assert_false(f->irq8);
    run_until(SECOND);
    g_assert_true(f->irq8);
    g_assert_cmpint(rise(f, 0), ==, SECOND);
    g_assert_cmpint(clock_deadline(CLOCK_VIRTUAL), ==, -1); /* idle while raised */
    run_until(SECOND + SECOND / 2);
    g_assert_cmphex(cmos_read(f, REG_C), ==, C_IRQF | C_UF);
    g_assert_false(f->irq8);
    g_assert_cmphex(cmos_read(f, REG_C), ==, 0x00);
    run_until(2 * SECOND);
    g_assert_cmpint(rise(f, 1), ==, 2 * SECOND);
}

static void test_periodic_interrupt(Fixture *f, gconstpointer data)
{
    cmos_write(f, REG_B, B_PIE | B_24H);
    run_until(976562); /* 1024 Hz: 976562.5 ns */
    g_assert_false(f->irq8);
    run_until(976563);
    g_assert_true(f->irq8);
    g_assert_cmphex(cmos_read(f, REG_C), ==, C_IRQF | C_PF);
    g_assert_false(f->irq8);
    run_until(1953125);
    g_assert_cmpint(rise(f, 1), ==, 1953125);
    cmos_read(f, REG_C);

    cmos_write(f, REG_A, 0x23); /* 8192 Hz: 122070.3125 ns */
    run_until(SECOND);
    cmos_read(f, REG_C);
    g_array_set_size(f->rises, 0);
    run_until(SECOND + 122071);
    g_assert_cmpint(rise(f, 0), ==, SECOND + 122071);
    cmos_read(f, REG_C);
    cmos_write(f, REG_A, 0x2f); /* 2 Hz */
    run_until(SECOND + SECOND / 2);
    g_assert_cmpint(rise(f, 1), ==, SECOND + SECOND / 2);
}

static void test_periodic_flag_without_irq(Fixture *f, gconstpointer data)
{
    run_until(SECOND / 1000);
    g_assert_cmpint(clock_deadline(CLOCK_VIRTUAL), ==, -1); /* PIE off: no timer */
    g_assert_cmphex(cmos_read(f, REG_C), ==, C_PF);
    g_assert_cmphex(cmos_read(f, REG_C), ==, 0x00);
    run_until(2 * SECOND);
    g_assert_cmphex(cmos_read(f, REG_C), ==, C_PF | C_UF);
    g_assert_cmpuint(f->rises->len, ==, 0);
    cmos_write(f, REG_B, B_PIE | B_24H);
    run_until(2 * SECOND + SECOND / 1000);
    g_assert_true(f->irq8);
    cmos_write(f, REG_B, B_24H); /* IRQF follows the enables */
    g_assert_false(f->irq8);
    g_assert_cmphex(cmos_read(f, REG_C), ==, C_PF);
}

static void test_alarm(Fixture *f, gconstpointer data)
{
    cmos_write(f, REG_A, A_NO_PERIODIC);
    cmos_write(f, SEC_ALARM, 0x25);
    cmos_write(f, MIN_ALARM, 0x01);
    cmos_write(f, HOUR_ALARM, 0x16);
    cmos_write(f, REG_B, B_AIE | B_24H);
    run_until(4 * SECOND - 1);
    g_assert_false(f->irq8);
    run_until(4 * SECOND);
    g_assert_true(f->irq8);
    g_assert_cmphex(cmos_read(f, REG_C), ==, C_IRQF | C_AF | C_UF);

    /* Don't-care hours and minutes: every minute at :30. */
    cmos_write(f, HOUR_ALARM, DONTCARE);
    cmos_write(f, MIN_ALARM, DONTCARE);
    cmos_write(f, SEC_ALARM, 0x30);
    run_until(9 * SECOND);
    g_assert_cmpint(rise(f, 1), ==, 9 * SECOND);
    cmos_read(f, REG_C);
    run_until(200 * SECOND);
    g_assert_cmpint(rise(f, 2), ==, 69 * SECOND);

    /* An alarm that no time matches never fires. */
    cmos_read(f, REG_C);
    cmos_write(f, HOUR_ALARM, 0x25);
    run_until(3 * 86400 * SECOND);
    g_assert_cmphex(cmos_read(f, REG_C), ==, C_UF);
}

static void test_alarm_flag_catch_up(Fixture *f, gconstpointer data)
{
    cmos_write(f, SEC_ALARM, 0x00);
    cmos_write(f, MIN_ALARM, 0x00);
    cmos_write(f, HOUR_ALARM, 0x03);
    run_until(12 * 3600 * SECOND); /* passes 03:00:00 */
    g_assert_cmphex(cmos_read(f, REG_C), ==, C_PF | C_AF | C_UF);
    run_until(13 * 3600 * SECOND);
    g_assert_cmphex(cmos_read(f, REG_C), ==, C_PF | C_UF);
}

/* ---- setting the time ---- */

static void test_set_time(Fixture *f, gconstpointer data)
{
    run_until(SECOND * 3 / 10);
    cmos_write(f, REG_B, B_SET | B_UIE | B_24H);
    g_assert_cmphex(cmos_read(f, REG_B), ==, B_SET | B_24H); /* SET clears UIE */
    cmos_write(f, HOUR, 0x10);
    cmos_write(f, MIN, 0x30);
    cmos_write(f, SEC, 0x00);
    cmos_write(f, YEAR, 0x24);
    run_until(5 * SECOND);
    assert_time(f, 0x10, 0x30, 0x00); /* no updates while SET */
    g_assert_cmphex(cmos_read(f, REG_A), ==, A_1024HZ);
    run_until(5 * SECOND + SECOND * 3 / 10);
    cmos_write(f, REG_B, B_24H);
    run_until(6 * SECOND - 1); /* the divider kept its phase */
    assert_time(f, 0x10, 0x30, 0x00);
    run_until(6 * SECOND);
    assert_time(f, 0x10, 0x30, 0x01);
    assert_date(f, 0x20, 0x24, 0x06, 0x17, 2); /* 2024-06-17 is a Monday */
}

static void test_write_while_running(Fixture *f, gconstpointer data)
{
    run_until(SECOND / 2);
    cmos_write(f, SEC, 0x50);
    assert_time(f, 0x16, 0x01, 0x50);
    run_until(SECOND);
    assert_time(f, 0x16, 0x01, 0x51);
}

static void test_divider_reset(Fixture *f, gconstpointer data)
{
    run_until(SECOND / 5);
    cmos_read(f, REG_C);
    cmos_write(f, REG_A, A_DIV_RESET);
    run_until(3 * SECOND);
    assert_time(f, 0x16, 0x01, 0x21);
    g_assert_cmphex(cmos_read(f, REG_C), ==, 0x00); /* no periodic edges either */
    run_until(3 * SECOND + SECOND / 10);
    cmos_write(f, REG_A, A_1024HZ);
    run_until(3 * SECOND + SECOND * 6 / 10 - 1); /* the first update: 500 ms later */
    assert_time(f, 0x16, 0x01, 0x21);
    run_until(3 * SECOND + SECOND * 6 / 10);
    assert_time(f, 0x16, 0x01, 0x22);
}

/* ---- registers and CMOS ---- */

static void test_register_d_and_index(Fixture *f, gconstpointer data)
{
    g_assert_cmphex(cmos_read(f, REG_D), ==, 0x80);
    cmos_write(f, REG_D, 0x00);
    g_assert_cmphex(cmos_read(f, REG_D), ==, 0x80);
    cmos_write(f, REG_C, 0xff);
    g_assert_cmphex(cmos_read(f, REG_C), ==, 0x00);
    g_assert_false(mc146818_nmi_masked(f->rtc));
    address_space_st(&f->m->io, 0x70, 0x80 | REG_D, 1);
    g_assert_true(mc146818_nmi_masked(f->rtc));
    g_assert_cmphex(address_space_ld(&f->m->io, 0x71, 1), ==, 0x80);
    g_assert_cmphex(address_space_ld(&f->m->io, 0x70, 1), ==, 0xff);
}

static void test_cmos_checksum(Fixture *f, gconstpointer data)
{
    mc146818_set_cmos(f->rtc, 0x15, 0x80); /* 640 KiB base memory */
    mc146818_set_cmos(f->rtc, 0x16, 0x02);
    mc146818_set_cmos(f->rtc, 0x17, 0x00);
    mc146818_set_cmos(f->rtc, 0x18, 0xfc);
    mc146818_set_cmos(f->rtc, 0x34, 0x00); /* outside the checksummed range */
    mc146818_set_cmos(f->rtc, 0x35, 0x07);
    g_assert_cmphex(cmos_read(f, 0x2e), ==, 0x01);
    g_assert_cmphex(cmos_read(f, 0x2f), ==, 0x7e); /* 0x80 + 0x02 + 0xfc */
    g_assert_cmphex(cmos_read(f, 0x15), ==, 0x80);
    g_assert_cmphex(mc146818_get_cmos(f->rtc, 0x35), ==, 0x07);

    cmos_write(f, 0x40, 0x5a);
    cmos_write(f, 0x7f, 0xa5);
    machine_reset(f->m);
    g_assert_cmphex(cmos_read(f, 0x40), ==, 0x5a);
    g_assert_cmphex(cmos_read(f, 0x7f), ==, 0xa5);
    g_assert_cmphex(cmos_read(f, 0x2f), ==, 0x7e);
    assert_time(f, 0x16, 0x01, 0x21);
}

static void test_reset_pin(Fixture *f, gconstpointer data)
{
    cmos_write(f, REG_B, B_PIE | B_AIE | B_UIE | B_DM | B_24H);
    run_until(SECOND / 100);
    g_assert_true(f->irq8);
    device_reset(&f->rtc->dev);
    g_assert_false(f->irq8);
    g_assert_cmphex(cmos_read(f, REG_B), ==, B_DM | B_24H);
    g_assert_cmphex(cmos_read(f, REG_C), ==, 0x00);
}

static void test_bad_base(void)
{
    static const char *const bad[] = {"2006-02-30", "tomorrow", "2006-06-17T25:00:00",
                                      "2006-06-17X", "2006-06-17T16:01"};
    Machine *m = machine_new("none", 1 << 20);

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        g_autofree char *props = g_strdup_printf("base=%s", bad[i]);
        Error *err = NULL;
        g_assert_null(machine_add_device(m, "mc146818rtc", props, &err));
        g_assert_nonnull(err);
        error_free(err);
    }
    g_assert_nonnull(add_rtc(m, "2006-06-17"));
    machine_free(m);

    m = machine_new("none", 1 << 20); /* no base: the host's UTC */
    g_assert_nonnull(machine_add_device(m, "mc146818rtc", NULL, NULL));
    g_assert_cmphex(address_space_ld(&m->io, 0x71, 1), !=, 0xff);
    machine_free(m);
}

static void test_vmstate(Fixture *f, gconstpointer data)
{
    const VMStateDescription *vmsd = f->rtc->dev.info->vmsd;
    g_autoptr(GByteArray) saved = g_byte_array_new();
    Error *err = NULL;
    size_t pos = 0;

    cmos_write(f, REG_B, B_UIE | B_24H);
    cmos_write(f, 0x50, 0x42);
    run_until(SECOND / 2);
    vmstate_save(vmsd, f->rtc, saved);
    run_until(SECOND * 5 / 2);
    cmos_write(f, 0x50, 0x00);
    device_reset(&f->rtc->dev);
    icount.count = SECOND / 2;
    g_assert_true(vmstate_load(vmsd, f->rtc, saved->data, saved->len, &pos, &err));
    f->irq8 = false;
    g_array_set_size(f->rises, 0);
    run_until(SECOND);
    g_assert_cmpint(rise(f, 0), ==, SECOND);
    g_assert_cmphex(cmos_read(f, 0x50), ==, 0x42);
    assert_time(f, 0x16, 0x01, 0x22);
}

/* ---- the host clock goes through the replay gate, once ---- */

static char *temp_log_path(void)
{
    GError *gerr = NULL;
    char *path = NULL;
    int fd = g_file_open_tmp("test-rtc-XXXXXX.log", &path, &gerr);

    g_assert_no_error(gerr);
    close(fd);
    return path;
}

static void count_events(const char *path, int *clock_events, int *total)
{
    Error *err = NULL;
    ReplayLogReader *r = replay_log_reader_open(path, &err);
    ReplayEvent ev;

    g_assert_nonnull(r);
    *clock_events = *total = 0;
    while (replay_log_read_event(r, &ev, &err) > 0) {
        *clock_events += ev.kind == REPLAY_EV_CLOCK;
        (*total)++;
    }
    replay_log_reader_close(r);
}

static void test_record_reads_host_clock_once(void)
{
    g_autofree char *path = temp_log_path();
    g_autoptr(GPtrArray) args = g_ptr_array_new();
    Error *err = NULL;
    Fixture fx, *f = &fx;
    int clock_events, total;

    if (!replay_enabled()) {
        g_test_skip("built with replay disabled");
        return;
    }
    icount = (IcountState){.enabled = true, .shift = 0};
    g_assert_true(replay_start(REPLAY_MODE_RECORD, path, args, &err));
    g_assert_true(replay_begin(&err));
    setup_with_base(f, "utc");
    for (int i = 0; i < 1000; i++) {
        run_until(i * (SECOND / 7));
        cmos_read(f, SEC);
        cmos_read(f, HOUR);
        cmos_read(f, REG_A);
        cmos_read(f, REG_C);
    }
    fixture_teardown(f, NULL);
    replay_finish();
    replay_mode = REPLAY_MODE_NONE;
    count_events(path, &clock_events, &total);
    g_assert_cmpint(clock_events, ==, 1); /* the base, at realize */
    g_assert_cmpint(total, ==, 2);        /* and the end */
    g_unlink(path);
}

static void write_log_with_base(const char *path, int64_t base_ns, uint64_t end_icount)
{
    ReplayLogHeader *h = replay_log_header_new();
    g_autoptr(GByteArray) clock = g_byte_array_new();
    uint8_t kind = REPLAY_CLOCK_HOST, zero_hash[8] = {0};
    Error *err = NULL;
    ReplayLogWriter *w;

    h->emulator_version = g_strdup("test");
    h->icount_shift = g_strdup("0");
    w = replay_log_writer_open(path, h, false, &err);
    g_assert_nonnull(w);
    g_byte_array_append(clock, &kind, 1);
    leb128_put_s64(clock, base_ns);
    g_assert_true(
        replay_log_write_event(w, REPLAY_EV_CLOCK, 0, clock->data, clock->len, &err));
    g_assert_true(
        replay_log_write_event(w, REPLAY_EV_END, end_icount, zero_hash, 8, &err));
    g_assert_true(replay_log_writer_close(w, &err));
    replay_log_header_free(h);
}

/* In replay, base=utc is the logged wall clock, not this host's. */
static void test_replay_takes_base_from_log(void)
{
    g_autofree char *path = temp_log_path();
    Error *err = NULL;
    Fixture fx, *f = &fx;

    if (!replay_enabled()) {
        g_test_skip("built with replay disabled");
        return;
    }
    write_log_with_base(path, 1150560081LL * SECOND, 5000); /* 2006-06-17T16:01:21Z */
    icount = (IcountState){.enabled = true, .shift = 0};
    g_assert_true(replay_start(REPLAY_MODE_PLAY, path, NULL, &err));
    g_assert_true(replay_begin(&err));
    setup_with_base(f, "utc");
    assert_time(f, 0x16, 0x01, 0x21);
    assert_date(f, 0x20, 0x06, 0x06, 0x17, 7);
    run_until(5000);
    fixture_teardown(f, NULL);
    replay_finish();
    replay_mode = REPLAY_MODE_NONE;
    g_assert_cmpint(runstate_shutdown_cause(), !=, SHUTDOWN_CAUSE_ERROR);
    g_unlink(path);
}

static void add_test(const char *path, const char *base,
                     void (*fn)(Fixture *, gconstpointer))
{
    g_test_add(path, Fixture, base, fixture_setup, fn, fixture_teardown);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    add_test("/rtc/time/from-base", NULL, test_time_from_base);
    add_test("/rtc/time/rollover", "1999-12-31T23:59:59", test_time_rollover);
    add_test("/rtc/time/binary-12-hour", NULL, test_binary_and_12_hour);
    add_test("/rtc/time/update-in-progress", NULL, test_update_in_progress);
    add_test("/rtc/irq/update", NULL, test_update_interrupt);
    add_test("/rtc/irq/periodic", NULL, test_periodic_interrupt);
    add_test("/rtc/irq/periodic-flag", NULL, test_periodic_flag_without_irq);
    add_test("/rtc/irq/alarm", NULL, test_alarm);
    add_test("/rtc/irq/alarm-catch-up", NULL, test_alarm_flag_catch_up);
    add_test("/rtc/set/set-bit", NULL, test_set_time);
    add_test("/rtc/set/while-running", NULL, test_write_while_running);
    add_test("/rtc/set/divider-reset", NULL, test_divider_reset);
    add_test("/rtc/regs/d-and-index", NULL, test_register_d_and_index);
    add_test("/rtc/regs/reset-pin", NULL, test_reset_pin);
    add_test("/rtc/cmos/checksum", NULL, test_cmos_checksum);
    add_test("/rtc/vmstate", NULL, test_vmstate);
    g_test_add_func("/rtc/base/bad", test_bad_base);
    g_test_add_func("/rtc/replay/record-reads-host-once",
                    test_record_reads_host_clock_once);
    g_test_add_func("/rtc/replay/base-from-log", test_replay_takes_base_from_log);
    return g_test_run();
}
