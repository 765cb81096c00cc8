/* Device tests for the 8254 PIT (isa-pit) and port 0x61: OUT waveforms at exact times. */
#include "hw/machine.h"
#include "hw/timer/i8254.h"
#include "system/clock.h"
#include "system/icount.h"

/* Ports and control words, spelled out independently of hw/timer/i8254.c. */
enum { CNT0 = 0x40, CNT2 = 0x42, CONTROL = 0x43, PORT_B = 0x61 };
enum { SC0 = 0x00, SC2 = 0x80, RW_LSB = 0x10, RW_MSB = 0x20, RW_WORD = 0x30 };
enum { BCD = 0x01, READ_BACK = 0xc0, RB_NO_COUNT = 0x20, RB_NO_STATUS = 0x10 };
enum { STATUS_OUT = 0x80, STATUS_NULL = 0x40 };
enum { B_GATE2 = 0x01, B_SPEAKER = 0x02, B_REFRESH = 0x10, B_OUT2 = 0x20 };

#define PIT_HZ  1193182
#define MODE(n) ((n) << 1)

typedef struct Edge {
    int64_t ns;
    bool level;
} Edge;

typedef struct Fixture {
    Machine *m;
    DeviceState *pit;
    DeviceState *port61;
    bool irq0;
    GArray *edges; /* Edge, every change of IRQ 0 */
} Fixture;

/* When the PIT's clock edge k falls, computed here independently of the device. */
static int64_t tick_ns(int64_t k)
{
    return (int64_t)(((__int128)k * 1000000000 + PIT_HZ - 1) / PIT_HZ);
}

static void record_irq0(void *opaque, int n, int level)
{
    Fixture *f = opaque;
    Edge e = {.ns = (int64_t)icount.count, .level = level};

    if (level != f->irq0) {
        f->irq0 = level;
        g_array_append_val(f->edges, e);
    }
}

static DeviceState *add_device(Machine *m, const char *type)
{
    Error *err = NULL;
    DeviceState *dev = machine_add_device(m, type, NULL, &err);

    if (!dev) {
        g_error("%s: %s", type, error_get_pretty(err));
    }
    return dev;
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
    icount = (IcountState){.enabled = true, .shift = 0};
    f->m = machine_new("none", 1 << 20);
    f->irq0 = false;
    f->edges = g_array_new(false, false, sizeof(Edge));
    irq_init(&f->m->isa_irq[0], record_irq0, f, 0);
    f->pit = add_device(f->m, "isa-pit");
    f->port61 = add_device(f->m, "port61");
    g_array_set_size(f->edges, 0);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    machine_free(f->m);
    g_array_free(f->edges, true);
}

/* Run virtual time to ns, stopping at each timer deadline on the way as the main
 * loop's icount budget does; returns how many deadlines there were. */
static int run_until(int64_t ns)
{
    int deadlines = 0;
    int64_t d;

    while ((d = clock_deadline(CLOCK_VIRTUAL)) >= 0 && d <= ns) {
        icount.count = MAX((int64_t)icount.count, d);
        clock_run_timers(CLOCK_VIRTUAL);
        deadlines++;
    }
    icount.count = ns;
    clock_run_timers(CLOCK_VIRTUAL);
    return deadlines;
}

static void at_tick(int64_t k)
{
    run_until(tick_ns(k));
}

static uint8_t in(Fixture *f, uint16_t port)
{
    return address_space_ld(&f->m->io, port, 1);
}

static void out(Fixture *f, uint16_t port, uint8_t val)
{
    address_space_st(&f->m->io, port, val, 1);
}

static void write_count(Fixture *f, uint16_t port, uint16_t count)
{
    out(f, port, count & 0xff);
    out(f, port, count >> 8);
}

static uint16_t read_count(Fixture *f, uint16_t port)
{
    uint8_t lsb = in(f, port);
    return lsb | in(f, port) << 8;
}

static uint16_t latch_and_read(Fixture *f, int channel)
{
    out(f, CONTROL, channel << 6);
    return read_count(f, CNT0 + channel);
}

static bool out2(Fixture *f)
{
    return in(f, PORT_B) & B_OUT2;
}

static void assert_edge(Fixture *f, guint i, int64_t tick, bool level)
{
    g_assert_cmpuint(f->edges->len, >, i);
    g_assert_cmpint(g_array_index(f->edges, Edge, i).ns, ==, tick_ns(tick));
    g_assert_cmpint(g_array_index(f->edges, Edge, i).level, ==, level);
}

/* ---- the clock ---- */

static void test_conversions(void)
{
    g_assert_cmpint(pit_ticks_to_ns(PIT_HZ), ==, 1000000000);
    g_assert_cmpint(pit_ns_to_ticks(1000000000), ==, PIT_HZ);
    g_assert_cmpint(pit_ticks_to_ns(1), ==, 839); /* 838.095 ns, rounded up */
    g_assert_cmpint(pit_ns_to_ticks(838), ==, 0);
    g_assert_cmpint(pit_ns_to_ticks(839), ==, 1);
    /* A day of guest time in ns overflows 64 bits when multiplied naively. */
    g_assert_cmpint(pit_ns_to_ticks(86400 * 1000000000LL), ==, 86400LL * PIT_HZ);
    for (int64_t k = 1; k < (1LL << 40); k = k * 7 + 3) {
        g_assert_cmpint(pit_ticks_to_ns(k), ==, tick_ns(k));
        g_assert_cmpint(pit_ns_to_ticks(tick_ns(k)), ==, k);
        g_assert_cmpint(pit_ns_to_ticks(tick_ns(k) - 1), ==, k - 1);
    }
}

/* ---- the six modes ---- */

static void test_mode0(Fixture *f, gconstpointer data)
{
    g_assert_true(f->irq0); /* reset: mode 3 without a count, OUT high */
    out(f, CONTROL, SC0 | RW_WORD | MODE(0));
    g_assert_false(f->irq0);   /* the control word drops OUT */
    write_count(f, CNT0, 100); /* at edge 0: loaded at edge 1 */
    at_tick(51);
    g_assert_cmpuint(latch_and_read(f, 0), ==, 50);
    run_until(tick_ns(101) - 1);
    g_assert_false(f->irq0);
    at_tick(101); /* N + 1 edges after the write */
    g_assert_true(f->irq0);
    assert_edge(f, 1, 101, true);
    g_assert_cmpint(clock_deadline(CLOCK_VIRTUAL), ==, -1); /* nothing more due */
    at_tick(102);
    g_assert_cmphex(latch_and_read(f, 0), ==, 0xffff); /* counting wraps on */
    g_assert_true(f->irq0);
}

static void test_mode0_rewrite(Fixture *f, gconstpointer data)
{
    out(f, CONTROL, SC0 | RW_WORD | MODE(0));
    write_count(f, CNT0, 100);
    at_tick(30);
    out(f, CNT0, 16); /* the first byte stops the count */
    at_tick(40);
    g_assert_cmpuint(read_count(f, CNT0), ==, 71);
    out(f, CNT0, 0); /* the second loads 16 at the next edge */
    run_until(tick_ns(57) - 1);
    g_assert_false(f->irq0);
    at_tick(57);
    g_assert_true(f->irq0);
}

static void test_mode1(Fixture *f, gconstpointer data)
{
    out(f, CONTROL, SC2 | RW_WORD | MODE(1));
    write_count(f, CNT2, 10);
    g_assert_true(out2(f));
    at_tick(20);
    g_assert_true(out2(f)); /* no trigger yet */
    out(f, PORT_B, B_GATE2);
    at_tick(30);
    g_assert_false(out2(f));
    at_tick(31); /* loaded at 21, terminal count 10 edges later */
    g_assert_true(out2(f));
    at_tick(40);
    out(f, PORT_B, 0);
    at_tick(45);
    out(f, PORT_B, B_GATE2);
    at_tick(50);
    out(f, PORT_B, 0);
    at_tick(52);
    out(f, PORT_B, B_GATE2); /* retriggered in the middle: restarts */
    at_tick(62);
    g_assert_false(out2(f));
    at_tick(63);
    g_assert_true(out2(f));
}

static void test_mode2(Fixture *f, gconstpointer data)
{
    out(f, CONTROL, SC0 | RW_WORD | MODE(2));
    g_assert_true(f->irq0);
    write_count(f, CNT0, 5);
    at_tick(3);
    g_assert_cmpuint(read_count(f, CNT0), ==, 3);
    at_tick(7); /* a new count waits for the end of the period */
    write_count(f, CNT0, 3);
    at_tick(20);
    assert_edge(f, 0, 5, false);
    assert_edge(f, 1, 6, true);
    assert_edge(f, 2, 10, false);
    assert_edge(f, 3, 11, true);
    assert_edge(f, 4, 13, false); /* period 3 from edge 11 on */
    assert_edge(f, 5, 14, true);
    assert_edge(f, 6, 16, false);
    assert_edge(f, 7, 17, true);
}

static void test_mode3_even(Fixture *f, gconstpointer data)
{
    static const uint16_t ce[] = {4, 2, 4, 2};

    out(f, CONTROL, SC0 | RW_WORD | MODE(3));
    write_count(f, CNT0, 4);
    for (int k = 1; k <= 4; k++) {
        at_tick(k);
        g_assert_cmpuint(read_count(f, CNT0), ==, ce[k - 1]); /* by two per edge */
    }
    at_tick(12);
    assert_edge(f, 0, 3, false);
    assert_edge(f, 1, 5, true);
    assert_edge(f, 2, 7, false);
    assert_edge(f, 3, 9, true);
}

static void test_mode3_odd(Fixture *f, gconstpointer data)
{
    out(f, CONTROL, SC0 | RW_WORD | MODE(3));
    write_count(f, CNT0, 5); /* high for 3 edges, low for 2 */
    at_tick(12);
    assert_edge(f, 0, 4, false);
    assert_edge(f, 1, 6, true);
    assert_edge(f, 2, 9, false);
    assert_edge(f, 3, 11, true);
}

/* A new count takes over at the end of the current half period. */
static void test_mode3_new_count(Fixture *f, gconstpointer data)
{
    out(f, CONTROL, SC0 | RW_WORD | MODE(3));
    write_count(f, CNT0, 4);
    at_tick(2);
    write_count(f, CNT0, 6);
    at_tick(13);
    assert_edge(f, 0, 3, false); /* the old high half ends as it would have */
    assert_edge(f, 1, 6, true);  /* then halves of 3 */
    assert_edge(f, 2, 9, false);
    assert_edge(f, 3, 12, true);
}

static void test_mode4(Fixture *f, gconstpointer data)
{
    out(f, CONTROL, SC0 | RW_WORD | MODE(4));
    write_count(f, CNT0, 3);
    at_tick(100);
    g_assert_cmpuint(f->edges->len, ==, 2); /* one strobe only */
    assert_edge(f, 0, 4, false);
    assert_edge(f, 1, 5, true);
}

static void test_mode4_gate(Fixture *f, gconstpointer data)
{
    out(f, PORT_B, B_GATE2);
    out(f, CONTROL, SC2 | RW_WORD | MODE(4));
    write_count(f, CNT2, 5);
    at_tick(3);
    out(f, PORT_B, 0); /* stops counting */
    at_tick(10);
    g_assert_true(out2(f));
    out(f, PORT_B, B_GATE2);
    at_tick(13); /* 2 counted before the pause, 3 after */
    g_assert_false(out2(f));
    at_tick(14);
    g_assert_true(out2(f));
}

static void test_mode5(Fixture *f, gconstpointer data)
{
    out(f, CONTROL, SC2 | RW_WORD | MODE(5));
    write_count(f, CNT2, 3);
    at_tick(10);
    g_assert_true(out2(f));
    out(f, PORT_B, B_GATE2);
    at_tick(13);
    g_assert_true(out2(f));
    at_tick(14);
    g_assert_false(out2(f));
    at_tick(15);
    g_assert_true(out2(f));
}

static void test_mode0_gate_pause(Fixture *f, gconstpointer data)
{
    out(f, PORT_B, B_GATE2);
    out(f, CONTROL, SC2 | RW_WORD | MODE(0));
    write_count(f, CNT2, 10);
    at_tick(5);
    out(f, PORT_B, 0);
    at_tick(10);
    g_assert_cmpuint(latch_and_read(f, 2), ==, 6);
    at_tick(20);
    out(f, PORT_B, B_GATE2);
    at_tick(25);
    g_assert_false(out2(f));
    at_tick(26);
    g_assert_true(out2(f));
}

static void test_mode2_gate(Fixture *f, gconstpointer data)
{
    out(f, PORT_B, B_GATE2);
    out(f, CONTROL, SC2 | RW_WORD | MODE(2));
    write_count(f, CNT2, 4);
    at_tick(3);
    out(f, PORT_B, 0);
    at_tick(4);
    g_assert_true(out2(f)); /* would have been low, but the gate holds it high */
    at_tick(10);
    out(f, PORT_B, B_GATE2); /* the rising gate reloads */
    at_tick(13);
    g_assert_true(out2(f));
    at_tick(14);
    g_assert_false(out2(f));
    at_tick(15);
    g_assert_true(out2(f));
}

/* ---- Linux's TSC calibration through counter 2 and port 0x61 ---- */

static int64_t poll_out2(Fixture *f, int64_t step_ns)
{
    while (!(in(f, PORT_B) & B_OUT2)) {
        icount.count += step_ns;
    }
    return icount.count;
}

/* pit_calibrate_tsc(): gate high, then mode 0 with a 10 ms count, poll bit 5. */
static void test_linux_calibrate(Fixture *f, gconstpointer data)
{
    const uint16_t latch = PIT_HZ / 100;
    const int64_t write_ns = 12345, step = 50;
    int64_t seen, edge;

    run_until(write_ns);
    out(f, PORT_B, (in(f, PORT_B) & ~B_SPEAKER) | B_GATE2);
    out(f, CONTROL, SC2 | RW_WORD | MODE(0));
    write_count(f, CNT2, latch);
    g_assert_false(in(f, PORT_B) & B_OUT2);
    seen = poll_out2(f, step);
    /* Loaded at the first edge after the write, high latch edges later. */
    edge = tick_ns(write_ns * PIT_HZ / 1000000000 + 1 + latch);
    g_assert_cmpint(seen, >=, edge);
    g_assert_cmpint(seen - step, <, edge);
    g_assert_cmpint((seen - write_ns) * PIT_HZ, >=, (int64_t)latch * 1000000000);
    g_assert_cmpint((seen - write_ns - step) * PIT_HZ, <=,
                    (int64_t)(latch + 1) * 1000000000);
}

/* Program with the gate low, then open it on a clock edge: OUT rises latch / f later. */
static void test_calibrate_gate_after(Fixture *f, gconstpointer data)
{
    const uint16_t latch = 11932;
    int64_t gate_ns, rise_ns;

    out(f, CONTROL, SC2 | RW_WORD | MODE(0));
    write_count(f, CNT2, latch);
    at_tick(1000);
    gate_ns = icount.count;
    out(f, PORT_B, B_GATE2);
    rise_ns = tick_ns(1000 + latch);
    run_until(rise_ns - 1);
    g_assert_false(out2(f));
    run_until(rise_ns);
    g_assert_true(out2(f));
    /* 11932 / 1.193182 MHz = 10000000.67 ns: the rise is within a ns of it. */
    g_assert_cmpint(llabs((rise_ns - gate_ns) * PIT_HZ - (int64_t)latch * 1000000000), <,
                    PIT_HZ);
}

/* quick_pit_calibrate(): count from 0xffff, read the MSB with two inb(0x42). */
static void test_quick_calibrate_msb(Fixture *f, gconstpointer data)
{
    out(f, PORT_B, B_GATE2);
    out(f, CONTROL, SC2 | RW_WORD | MODE(0));
    write_count(f, CNT2, 0xffff);
    at_tick(256);
    g_assert_cmphex(read_count(f, CNT2) >> 8, ==, 0xff);
    at_tick(257);
    g_assert_cmphex(read_count(f, CNT2), ==, 0xfeff);
    at_tick(257 + 256);
    g_assert_cmphex(read_count(f, CNT2), ==, 0xfdff);
}

/* ---- latches, read-back, access modes, BCD ---- */

static void test_latch(Fixture *f, gconstpointer data)
{
    out(f, CONTROL, SC0 | RW_WORD | MODE(2));
    write_count(f, CNT0, 1000);
    at_tick(101);
    out(f, CONTROL, SC0); /* counter latch */
    at_tick(200);
    out(f, CONTROL, SC0); /* ignored until the first is read */
    g_assert_cmpuint(in(f, CNT0), ==, 900 & 0xff);
    at_tick(300);
    g_assert_cmpuint(in(f, CNT0), ==, 900 >> 8);
    g_assert_cmpuint(read_count(f, CNT0), ==, 1000 - 299); /* live again */
}

static void test_read_back(Fixture *f, gconstpointer data)
{
    out(f, CONTROL, SC0 | RW_WORD | MODE(2));
    out(f, CONTROL, READ_BACK | RB_NO_COUNT | 0x02);
    g_assert_cmphex(in(f, CNT0), ==, STATUS_OUT | STATUS_NULL | RW_WORD | MODE(2));
    write_count(f, CNT0, 1000);
    out(f, CONTROL, READ_BACK | RB_NO_COUNT | 0x02);
    g_assert_cmphex(in(f, CNT0), ==, STATUS_OUT | STATUS_NULL | RW_WORD | MODE(2));
    at_tick(11);
    /* Status and count of counters 0 and 2 at once; status reads out first. */
    out(f, CONTROL, SC2 | RW_LSB | MODE(0) | BCD);
    out(f, CONTROL, READ_BACK | 0x02 | 0x08);
    g_assert_cmphex(in(f, CNT0), ==, STATUS_OUT | RW_WORD | MODE(2));
    at_tick(50);
    g_assert_cmpuint(read_count(f, CNT0), ==, 990);
    g_assert_cmphex(in(f, CNT2), ==, STATUS_NULL | RW_LSB | MODE(0) | BCD);
    g_assert_cmpuint(read_count(f, CNT0), ==, 1000 - 49);
}

static void test_access_modes(Fixture *f, gconstpointer data)
{
    out(f, CONTROL, SC0 | RW_LSB | MODE(0));
    out(f, CNT0, 0x50); /* a whole count in one byte */
    at_tick(11);
    g_assert_cmphex(in(f, CNT0), ==, 0x46);
    g_assert_cmphex(in(f, CNT0), ==, 0x46);
    run_until(tick_ns(81) - 1);
    g_assert_false(f->irq0);
    at_tick(81);
    g_assert_true(f->irq0);

    out(f, CONTROL, SC0 | RW_MSB | MODE(0));
    out(f, CNT0, 0x01); /* 0x100 */
    at_tick(82);
    g_assert_cmphex(in(f, CNT0), ==, 0x01);
    at_tick(83);
    g_assert_cmphex(in(f, CNT0), ==, 0x00); /* 0xff */
}

static void test_bcd(Fixture *f, gconstpointer data)
{
    out(f, CONTROL, SC0 | RW_WORD | MODE(0) | BCD);
    write_count(f, CNT0, 0x0100);
    at_tick(51);
    g_assert_cmphex(latch_and_read(f, 0), ==, 0x0050);
    at_tick(101);
    g_assert_true(f->irq0);
    at_tick(102);
    g_assert_cmphex(latch_and_read(f, 0), ==, 0x9999); /* BCD wraps at 10000 */

    out(f, CONTROL, SC0 | RW_WORD | MODE(0) | BCD);
    write_count(f, CNT0, 0); /* 10000 */
    run_until(tick_ns(102 + 10001) - 1);
    g_assert_false(f->irq0);
    at_tick(102 + 10001);
    g_assert_true(f->irq0);
}

/* ---- IRQ 0 as Linux's periodic tick ---- */

static void test_irq0_periodic(Fixture *f, gconstpointer data)
{
    const int64_t n = 11932; /* HZ = 100 */
    int deadlines;

    out(f, CONTROL, SC0 | RW_WORD | MODE(2));
    write_count(f, CNT0, n);
    deadlines = run_until(tick_ns(100 * n + 1));
    g_assert_cmpuint(f->edges->len, ==, 200);
    for (int k = 1; k <= 100; k++) {
        assert_edge(f, 2 * (k - 1), k * n, false);
        assert_edge(f, 2 * (k - 1) + 1, k * n + 1, true);
    }
    g_assert_cmpint(deadlines, ==, 200); /* a timer per edge, never per tick */
}

/* ---- vmstate ---- */

static void test_vmstate(Fixture *f, gconstpointer data)
{
    const VMStateDescription *vmsd = f->pit->info->vmsd;
    g_autoptr(GByteArray) saved = g_byte_array_new();
    Error *err = NULL;
    size_t pos = 0;

    out(f, CONTROL, SC0 | RW_WORD | MODE(2));
    write_count(f, CNT0, 5);
    at_tick(7);
    vmstate_save(vmsd, f->pit, saved);
    at_tick(20);
    device_reset(f->pit);
    icount.count = tick_ns(7);
    g_assert_true(vmstate_load(vmsd, f->pit, saved->data, saved->len, &pos, &err));
    g_array_set_size(f->edges, 0);
    f->irq0 = true;
    at_tick(12);
    assert_edge(f, 0, 10, false);
    assert_edge(f, 1, 11, true);
    g_assert_cmpuint(read_count(f, CNT0), ==, 4);
}

/* ---- port 0x61 ---- */

static void test_port61_bits(Fixture *f, gconstpointer data)
{
    out(f, PORT_B, 0xff);
    g_assert_cmphex(in(f, PORT_B) & 0xcf, ==, 0x0f); /* bits 6, 7: no NMI sources */
    g_assert_true(pit_get_out(pit_find(f->m), 2));
    device_reset(f->port61);
    g_assert_cmphex(in(f, PORT_B) & 0x0f, ==, 0x00);
}

static void test_port61_refresh_toggle(Fixture *f, gconstpointer data)
{
    g_assert_false(in(f, PORT_B) & B_REFRESH);
    run_until(tick_ns(18) - 1);
    g_assert_false(in(f, PORT_B) & B_REFRESH);
    at_tick(18); /* 15.085 us */
    g_assert_true(in(f, PORT_B) & B_REFRESH);
    run_until(tick_ns(36) - 1);
    g_assert_true(in(f, PORT_B) & B_REFRESH);
    at_tick(36);
    g_assert_false(in(f, PORT_B) & B_REFRESH);
    g_assert_cmpint(clock_deadline(CLOCK_VIRTUAL), ==, -1); /* no timer behind it */
}

static void test_port61_needs_pit(void)
{
    Machine *m = machine_new("none", 1 << 20);
    Error *err = NULL;

    g_assert_null(machine_add_device(m, "port61", NULL, &err));
    g_assert_nonnull(err);
    error_free(err);
    machine_free(m);
}

static void add_test(const char *path, void (*fn)(Fixture *, gconstpointer))
{
    g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/i8254/conversions", test_conversions);
    add_test("/i8254/mode0/one-shot", test_mode0);
    add_test("/i8254/mode0/rewrite", test_mode0_rewrite);
    add_test("/i8254/mode0/gate-pause", test_mode0_gate_pause);
    add_test("/i8254/mode1", test_mode1);
    add_test("/i8254/mode2/rate", test_mode2);
    add_test("/i8254/mode2/gate", test_mode2_gate);
    add_test("/i8254/mode3/even", test_mode3_even);
    add_test("/i8254/mode3/odd", test_mode3_odd);
    add_test("/i8254/mode3/new-count", test_mode3_new_count);
    add_test("/i8254/mode4/strobe", test_mode4);
    add_test("/i8254/mode4/gate", test_mode4_gate);
    add_test("/i8254/mode5", test_mode5);
    add_test("/i8254/linux/calibrate", test_linux_calibrate);
    add_test("/i8254/linux/calibrate-gate-after", test_calibrate_gate_after);
    add_test("/i8254/linux/quick-calibrate", test_quick_calibrate_msb);
    add_test("/i8254/latch", test_latch);
    add_test("/i8254/read-back", test_read_back);
    add_test("/i8254/access-modes", test_access_modes);
    add_test("/i8254/bcd", test_bcd);
    add_test("/i8254/irq0-periodic", test_irq0_periodic);
    add_test("/i8254/vmstate", test_vmstate);
    add_test("/i8254/port61/bits", test_port61_bits);
    add_test("/i8254/port61/refresh-toggle", test_port61_refresh_toggle);
    g_test_add_func("/i8254/port61/needs-pit", test_port61_needs_pit);
    return g_test_run();
}
