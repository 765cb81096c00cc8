/* Device tests for the 16550A UART (isa-serial): poke its ports, step virtual time. */
#include "chardev/char-internal.h"
#include "hw/machine.h"
#include "system/clock.h"
#include "system/icount.h"

#define COM1     0x3f8
#define COM1_IRQ 4

/* Register offsets and bits, spelled out independently of hw/char/serial.c. */
enum { RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2 };
enum { LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };
enum { IER_RX = 0x01, IER_THRE = 0x02, IER_LS = 0x04, IER_MS = 0x08 };
enum { IIR_NONE = 0x01, IIR_MS = 0x00, IIR_THRE = 0x02, IIR_RX = 0x04 };
enum { IIR_LS = 0x06, IIR_TIMEOUT = 0x0c, IIR_FIFO = 0xc0 };
enum {
    MCR_DTR = 0x01,
    MCR_RTS = 0x02,
    MCR_OUT1 = 0x04,
    MCR_OUT2 = 0x08,
    MCR_LOOP = 0x10
};
enum { LSR_DR = 0x01, LSR_OE = 0x02, LSR_BI = 0x10, LSR_THRE = 0x20, LSR_TEMT = 0x40 };
enum { LSR_FIFOERR = 0x80, LCR_DLAB = 0x80, LCR_8N1 = 0x03 };

/* A backend that keeps what it is sent and accepts only `budget` bytes (-1: all). */
typedef struct SinkChardev {
    Chardev chr;
    GByteArray *out;
    int budget;
} SinkChardev;

static int sink_write(Chardev *chr, const uint8_t *buf, int len)
{
    SinkChardev *s = container_of(chr, SinkChardev, chr);
    int n = s->budget < 0 ? len : MIN(len, s->budget);

    if (s->budget >= 0) {
        s->budget -= n;
    }
    g_byte_array_append(s->out, buf, n);
    return n;
}

static const ChardevDriver sink_driver = {
    .name = "test-sink",
    .summary = "test output capture",
    .state_size = sizeof(SinkChardev),
    .write = sink_write,
};

typedef struct Fixture {
    Machine *m;
    DeviceState *dev;
    SinkChardev *sink;
    unsigned base;
    int rising_edges;
} Fixture;

static SinkChardev *sink_new(void)
{
    static int serial_no;
    g_autofree char *id = g_strdup_printf("sink%d", serial_no++);
    SinkChardev *s = (SinkChardev *)chardev_alloc(&sink_driver, id);

    s->out = g_byte_array_new();
    s->budget = -1;
    chardev_register(&s->chr);
    return s;
}

static void start_virtual_clock(void)
{
    icount = (IcountState){.enabled = true, .shift = 0};
}

static void advance_ns(int64_t ns)
{
    icount.count += ns;
    clock_run_timers(CLOCK_VIRTUAL);
}

static DeviceState *add_device(Machine *m, const char *props)
{
    Error *err = NULL;
    DeviceState *dev = machine_add_device(m, "isa-serial", props, &err);

    if (!dev) {
        g_error("isa-serial: %s", error_get_pretty(err));
    }
    return dev;
}

/* Counts rising edges on COM1's line, which an edge-triggered PIC would see. */
static void count_irq(void *opaque, int n, int level)
{
    Fixture *f = opaque;
    bool was = f->m->isa_irq_level & (1u << n);

    f->rising_edges += level && !was;
    f->m->isa_irq_level = (f->m->isa_irq_level & ~(1u << n)) | (level ? 1u << n : 0);
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
    start_virtual_clock();
    f->sink = sink_new();
    f->m = machine_new("none", 1 << 20);
    irq_init(&f->m->isa_irq[COM1_IRQ], count_irq, f, COM1_IRQ);
    f->base = COM1;
    g_autofree char *props =
        g_strdup_printf("iobase=0x3f8,irq=4,chardev=%s", chardev_id(&f->sink->chr));
    f->dev = add_device(f->m, props);
    f->rising_edges = 0;
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    machine_free(f->m);
}

static uint8_t in(Fixture *f, unsigned reg)
{
    return address_space_ld(&f->m->io, f->base + reg, 1);
}

static void out(Fixture *f, unsigned reg, uint8_t val)
{
    address_space_st(&f->m->io, f->base + reg, val, 1);
}

static bool irq_level(Fixture *f)
{
    return f->m->isa_irq_level & (1u << COM1_IRQ);
}

/* Host input as the main loop delivers it: queued, then offered at a checkpoint. */
static void queue_input(Fixture *f, const void *buf, size_t len)
{
    chardev_queue_input(&f->sink->chr, 0, buf, len);
}

static size_t checkpoint(Fixture *f)
{
    size_t before = chardev_queued_input(&f->sink->chr, 0);

    chardev_checkpoint();
    return before - chardev_queued_input(&f->sink->chr, 0);
}

static size_t feed(Fixture *f, const char *s)
{
    queue_input(f, s, strlen(s));
    return checkpoint(f);
}

static void set_divisor(Fixture *f, uint16_t divisor, uint8_t lcr)
{
    out(f, LCR, LCR_DLAB);
    out(f, DLL, divisor & 0xff);
    out(f, DLM, divisor >> 8);
    out(f, LCR, lcr);
}

static void assert_output(Fixture *f, const char *expected)
{
    g_assert_cmpuint(f->sink->out->len, ==, strlen(expected));
    g_assert_cmpmem(f->sink->out->data, f->sink->out->len, expected, strlen(expected));
}

/* ---- registers ---- */

static void test_reset_values(Fixture *f, gconstpointer data)
{
    g_assert_cmphex(in(f, IER), ==, 0x00);
    g_assert_cmphex(in(f, IIR), ==, IIR_NONE);
    g_assert_cmphex(in(f, LCR), ==, 0x00);
    g_assert_cmphex(in(f, MCR), ==, 0x00);
    g_assert_cmphex(in(f, LSR), ==, LSR_THRE | LSR_TEMT);
    g_assert_cmphex(in(f, MSR), ==, 0xb0); /* CTS, DSR, DCD from a connected peer */
    g_assert_false(irq_level(f));
}

/* What Linux's 8250 autoconfig() and serial8250_startup() do, in order. */
static void test_linux_probe(Fixture *f, gconstpointer data)
{
    out(f, IER, 0x00);
    g_assert_cmphex(in(f, IER) & 0x0f, ==, 0x00);
    out(f, IER, 0x0f);
    g_assert_cmphex(in(f, IER) & 0x0f, ==, 0x0f);
    out(f, IER, 0xff);
    g_assert_cmphex(in(f, IER), ==, 0x0f); /* no XScale UUE bit, no sleep mode */
    out(f, IER, 0x00);

    out(f, SCR, 0x55);
    g_assert_cmphex(in(f, SCR), ==, 0x55);
    out(f, SCR, 0xaa);
    g_assert_cmphex(in(f, SCR), ==, 0xaa);

    out(f, MCR, MCR_LOOP | MCR_RTS | MCR_OUT2);
    g_assert_cmphex(in(f, MSR) & 0xf0, ==, 0x90);
    out(f, MCR, 0);

    out(f, LCR, 0xbf); /* ST16C650 EFR access: offset 2 stays FCR on a 16550A */
    out(f, FCR, 0x00);
    out(f, LCR, 0x00);
    out(f, FCR, 0x01);
    g_assert_cmphex(in(f, IIR) >> 6, ==, 3); /* "16550A" */
    out(f, LCR, LCR_DLAB);
    g_assert_cmphex(in(f, IIR), !=, 0x00); /* not an ST16C650V1 */
    out(f, LCR, 0xbf);
    g_assert_cmphex(in(f, IIR), !=, 0x00); /* no EFR: not a 16650 */

    out(f, LCR, 0x00);
    out(f, FCR, 0x21);
    g_assert_cmphex(in(f, IIR) & 0xe0, ==, 0xc0); /* no 64-byte FIFO: not a 16750 */

    out(f, FCR, 0xc7);
    g_assert_cmphex(in(f, IIR), ==, IIR_FIFO | IIR_NONE);
    g_assert_cmphex(in(f, LSR), ==, LSR_THRE | LSR_TEMT);
}

/* serial8250_startup()'s UART_BUG_TXEN and UART_BUG_THRE tests. */
static void test_linux_thre_tests(Fixture *f, gconstpointer data)
{
    out(f, FCR, 0x07);
    out(f, IER, IER_THRE);
    g_assert_cmphex(in(f, LSR) & LSR_TEMT, ==, LSR_TEMT);
    g_assert_cmphex(in(f, IIR), ==, IIR_FIFO | IIR_THRE);
    g_assert_cmphex(in(f, IIR), ==, IIR_FIFO | IIR_NONE); /* taken by the read */
    out(f, IER, 0);
    out(f, IER, IER_THRE);
    g_assert_cmphex(in(f, IIR), ==, IIR_FIFO | IIR_THRE); /* reasserted */
    out(f, IER, 0);
}

static void test_divisor_latch(Fixture *f, gconstpointer data)
{
    out(f, LCR, LCR_DLAB | LCR_8N1);
    out(f, DLL, 0x34);
    out(f, DLM, 0x12);
    g_assert_cmphex(in(f, DLL), ==, 0x34);
    g_assert_cmphex(in(f, DLM), ==, 0x12);
    g_assert_cmphex(in(f, IER), ==, 0x12); /* offset 1 is DLM while DLAB is set */
    out(f, LCR, LCR_8N1);
    g_assert_cmphex(in(f, IER), ==, 0x00);
    out(f, IER, 0x05);
    out(f, LCR, LCR_DLAB);
    g_assert_cmphex(in(f, DLM), ==, 0x12);
    g_assert_cmphex(in(f, DLL), ==, 0x34);
    out(f, LCR, 0);
    g_assert_cmphex(in(f, IER), ==, 0x05);
    assert_output(f, ""); /* the DLL writes were not transmitted */
}

/* ---- transmit and loopback ---- */

static void test_transmit(Fixture *f, gconstpointer data)
{
    for (const char *p = "hello"; *p; p++) {
        out(f, THR, *p);
        g_assert_cmphex(in(f, LSR), ==, LSR_THRE | LSR_TEMT);
    }
    out(f, FCR, 0x07);
    for (const char *p = ", world"; *p; p++) {
        out(f, THR, *p);
    }
    g_assert_cmphex(in(f, LSR), ==, LSR_THRE | LSR_TEMT);
    assert_output(f, "hello, world");
}

static void test_transmit_backpressure(Fixture *f, gconstpointer data)
{
    int64_t char_ns = 14 * 12 * 8000000000LL / 1843200; /* 5N1 at the reset divisor */

    f->sink->budget = 0;
    out(f, MCR, MCR_OUT2);
    out(f, IER, IER_THRE);
    g_assert_cmphex(in(f, IIR), ==, IIR_THRE);
    out(f, THR, 'a');
    out(f, THR, 'b'); /* overwrites a full THR: lost, as on the chip */
    g_assert_cmphex(in(f, LSR), ==, 0x00);
    g_assert_cmphex(in(f, IIR), ==, IIR_NONE);
    g_assert_false(irq_level(f));

    f->sink->budget = -1;
    advance_ns(char_ns - 1);
    assert_output(f, "");
    advance_ns(1);
    assert_output(f, "a");
    g_assert_cmphex(in(f, LSR), ==, LSR_THRE | LSR_TEMT);
    g_assert_true(irq_level(f));

    /* FIFO mode: 16 bytes wait for the backend and leave in order. */
    g_byte_array_set_size(f->sink->out, 0);
    f->sink->budget = 0;
    out(f, FCR, 0x07);
    for (int i = 0; i < 16; i++) {
        out(f, THR, 'A' + i);
    }
    f->sink->budget = 3;
    advance_ns(char_ns);
    assert_output(f, "ABC");
    g_assert_cmphex(in(f, LSR) & (LSR_THRE | LSR_TEMT), ==, 0);
    f->sink->budget = -1;
    advance_ns(char_ns);
    assert_output(f, "ABCDEFGHIJKLMNOP");
    g_assert_cmphex(in(f, LSR), ==, LSR_THRE | LSR_TEMT);
}

static void test_loopback(Fixture *f, gconstpointer data)
{
    out(f, FCR, 0x07);
    out(f, MCR, MCR_LOOP);
    out(f, THR, 'A');
    out(f, THR, 'B');
    assert_output(f, "");
    g_assert_cmphex(in(f, LSR), ==, LSR_DR | LSR_THRE | LSR_TEMT);
    g_assert_cmphex(in(f, RBR), ==, 'A');
    g_assert_cmphex(in(f, RBR), ==, 'B');
    g_assert_cmphex(in(f, LSR), ==, LSR_THRE | LSR_TEMT);

    /* The receiver input is disconnected: host bytes wait for loopback to end. */
    g_assert_cmpuint(feed(f, "xy"), ==, 0);
    out(f, MCR, 0);
    g_assert_cmpuint(checkpoint(f), ==, 2);
    g_assert_cmphex(in(f, RBR), ==, 'x');
    g_assert_cmphex(in(f, RBR), ==, 'y');
    assert_output(f, "");
}

static void test_loopback_modem_lines(Fixture *f, gconstpointer data)
{
    static const struct {
        uint8_t mcr, msr_inputs;
    } wiring[] = {{MCR_DTR, 0x20}, {MCR_RTS, 0x10}, {MCR_OUT1, 0x40}, {MCR_OUT2, 0x80}};

    out(f, MCR, MCR_LOOP);
    g_assert_cmphex(in(f, MSR), ==, 0x0b); /* CTS, DSR, DCD dropped: deltas */
    g_assert_cmphex(in(f, MSR), ==, 0x00); /* reading cleared them */
    for (size_t i = 0; i < ARRAY_SIZE(wiring); i++) {
        out(f, MCR, MCR_LOOP | wiring[i].mcr);
        g_assert_cmphex(in(f, MSR) & 0xf0, ==, wiring[i].msr_inputs);
        out(f, MCR, MCR_LOOP);
        in(f, MSR);
    }
    out(f, MCR, MCR_LOOP | MCR_RTS | MCR_DTR | MCR_OUT2);
    g_assert_cmphex(in(f, MSR), ==, 0xb0 | 0x0b);
    out(f, MCR, MCR_LOOP | MCR_OUT1);
    g_assert_cmphex(in(f, MSR), ==, 0x40 | 0x0b); /* RI rising: no TERI */
    out(f, MCR, MCR_LOOP);
    g_assert_cmphex(in(f, MSR), ==, 0x04); /* RI falling: TERI */
    out(f, MCR, 0);
    g_assert_cmphex(in(f, MSR), ==, 0xb0 | 0x0b); /* back to the peer's lines */
}

/* ---- interrupts ---- */

static void test_irq_rx_data(Fixture *f, gconstpointer data)
{
    out(f, IER, IER_RX);
    out(f, MCR, MCR_OUT2);
    g_assert_false(irq_level(f));
    g_assert_cmpuint(feed(f, "x"), ==, 1);
    g_assert_cmphex(in(f, IIR), ==, IIR_RX);
    g_assert_true(irq_level(f));
    g_assert_cmphex(in(f, LSR), ==, LSR_DR | LSR_THRE | LSR_TEMT);
    g_assert_cmphex(in(f, RBR), ==, 'x');
    g_assert_cmphex(in(f, IIR), ==, IIR_NONE);
    g_assert_false(irq_level(f));
}

static void test_irq_thre(Fixture *f, gconstpointer data)
{
    out(f, MCR, MCR_OUT2);
    out(f, IER, IER_THRE); /* enabling while empty raises it */
    g_assert_true(irq_level(f));
    g_assert_cmpint(f->rising_edges, ==, 1);
    g_assert_cmphex(in(f, IIR), ==, IIR_THRE);
    g_assert_false(irq_level(f)); /* the IIR read took it */
    g_assert_cmphex(in(f, IIR), ==, IIR_NONE);

    out(f, THR, 'a'); /* THR empties again at once: a fresh edge */
    g_assert_true(irq_level(f));
    g_assert_cmpint(f->rising_edges, ==, 2);
    out(f, THR, 'b'); /* pending THRE dips while the byte is held */
    g_assert_cmpint(f->rising_edges, ==, 3);
    out(f, IER, 0);
    g_assert_false(irq_level(f));
    out(f, IER, IER_THRE);
    g_assert_true(irq_level(f));
    g_assert_cmpint(f->rising_edges, ==, 4);
    assert_output(f, "ab");
}

static void test_irq_line_status(Fixture *f, gconstpointer data)
{
    out(f, IER, IER_LS | IER_RX);
    out(f, MCR, MCR_OUT2);
    chardev_send_event(&f->sink->chr, CHR_EVENT_BREAK);
    g_assert_true(irq_level(f));
    g_assert_cmphex(in(f, IIR), ==, IIR_LS);
    g_assert_cmphex(in(f, LSR), ==, LSR_BI | LSR_DR | LSR_THRE | LSR_TEMT);
    g_assert_cmphex(in(f, IIR), ==, IIR_RX); /* the LSR read cleared BI */
    g_assert_cmphex(in(f, RBR), ==, 0x00);   /* a break is one zero character */
    g_assert_cmphex(in(f, IIR), ==, IIR_NONE);
    g_assert_false(irq_level(f));

    /* In FIFO mode the error shows when the character reaches the top. */
    out(f, FCR, 0x07);
    feed(f, "ab");
    chardev_send_event(&f->sink->chr, CHR_EVENT_BREAK);
    g_assert_cmphex(in(f, LSR), ==, LSR_FIFOERR | LSR_DR | LSR_THRE | LSR_TEMT);
    g_assert_cmphex(in(f, IIR), ==, IIR_FIFO | IIR_RX);
    g_assert_cmphex(in(f, RBR), ==, 'a');
    g_assert_cmphex(in(f, RBR), ==, 'b');
    g_assert_cmphex(in(f, IIR), ==, IIR_FIFO | IIR_LS);
    g_assert_cmphex(in(f, LSR) & ~LSR_FIFOERR, ==, LSR_BI | LSR_DR | LSR_THRE | LSR_TEMT);
    g_assert_cmphex(in(f, RBR), ==, 0x00);
    g_assert_cmphex(in(f, LSR), ==, LSR_THRE | LSR_TEMT);
    g_assert_false(irq_level(f));
}

static void test_irq_modem_status(Fixture *f, gconstpointer data)
{
    out(f, IER, IER_MS);
    out(f, MCR, MCR_OUT2);
    g_assert_cmphex(in(f, IIR), ==, IIR_NONE);
    out(f, MCR, MCR_LOOP | MCR_OUT2);
    g_assert_cmphex(in(f, IIR), ==, IIR_MS);
    g_assert_false(irq_level(f)); /* loopback forces OUT2 off at the pin */
    in(f, MSR);
    out(f, MCR, MCR_OUT2);
    g_assert_true(irq_level(f));
    g_assert_cmphex(in(f, IIR), ==, IIR_MS);
    g_assert_cmphex(in(f, MSR), ==, 0xb0 | 0x03); /* CTS and DSR came back */
    g_assert_cmphex(in(f, IIR), ==, IIR_NONE);
    g_assert_false(irq_level(f));
}

static void test_irq_priority(Fixture *f, gconstpointer data)
{
    out(f, FCR, 0x07); /* trigger level 1 */
    out(f, MCR, MCR_LOOP);
    out(f, MCR, MCR_OUT2); /* leaves modem status deltas behind */
    out(f, IER, 0x0f);     /* and THRE pending */
    chardev_send_event(&f->sink->chr, CHR_EVENT_BREAK);
    feed(f, "a");
    g_assert_true(irq_level(f));

    g_assert_cmphex(in(f, IIR), ==, IIR_FIFO | IIR_LS);
    in(f, LSR);
    g_assert_cmphex(in(f, IIR), ==, IIR_FIFO | IIR_RX);
    g_assert_cmphex(in(f, RBR), ==, 0);
    g_assert_cmphex(in(f, IIR), ==, IIR_FIFO | IIR_RX);
    g_assert_cmphex(in(f, RBR), ==, 'a');
    g_assert_cmphex(in(f, IIR), ==, IIR_FIFO | IIR_THRE);
    g_assert_cmphex(in(f, IIR), ==, IIR_FIFO | IIR_MS);
    g_assert_true(irq_level(f));
    in(f, MSR);
    g_assert_cmphex(in(f, IIR), ==, IIR_FIFO | IIR_NONE);
    g_assert_false(irq_level(f));
}

static void test_out2_gates_irq(Fixture *f, gconstpointer data)
{
    out(f, IER, IER_THRE);
    g_assert_false(irq_level(f));
    out(f, MCR, MCR_DTR | MCR_RTS | MCR_OUT1);
    g_assert_false(irq_level(f));
    out(f, MCR, MCR_OUT2);
    g_assert_true(irq_level(f));
    out(f, MCR, MCR_OUT2 | MCR_LOOP);
    g_assert_false(irq_level(f));
    out(f, MCR, MCR_OUT2);
    g_assert_true(irq_level(f));
    out(f, MCR, 0);
    g_assert_false(irq_level(f));
    g_assert_cmphex(in(f, IIR), ==, IIR_THRE); /* pending all along, only gated */
}

/* ---- receive FIFO ---- */

static void test_trigger_levels(Fixture *f, gconstpointer data)
{
    static const struct {
        uint8_t fcr;
        int level;
    } triggers[] = {{0x01, 1}, {0x41, 4}, {0x81, 8}, {0xc1, 14}};
    char bytes[17] = "0123456789abcdef";

    out(f, IER, IER_RX);
    out(f, MCR, MCR_OUT2);
    for (size_t i = 0; i < ARRAY_SIZE(triggers); i++) {
        int level = triggers[i].level;
        out(f, FCR, triggers[i].fcr | 0x02);
        queue_input(f, bytes, level - 1);
        checkpoint(f);
        g_assert_cmphex(in(f, IIR), ==, IIR_FIFO | IIR_NONE);
        g_assert_cmphex(in(f, LSR) & LSR_DR, ==, level > 1 ? LSR_DR : 0);
        queue_input(f, bytes, 1);
        checkpoint(f);
        g_assert_cmphex(in(f, IIR), ==, IIR_FIFO | IIR_RX);
        g_assert_true(irq_level(f));
        in(f, RBR);
        g_assert_cmphex(in(f, IIR), ==, IIR_FIFO | IIR_NONE);
        g_assert_false(irq_level(f));
    }
    out(f, FCR, 0xc3); /* the reset bit empties the FIFO */
    g_assert_cmphex(in(f, LSR), ==, LSR_THRE | LSR_TEMT);
}

static void test_flow_control(Fixture *f, gconstpointer data)
{
    uint8_t bytes[20];

    for (int i = 0; i < 20; i++) {
        bytes[i] = i;
    }
    out(f, FCR, 0x01);
    queue_input(f, bytes, 20);
    g_assert_cmpuint(checkpoint(f), ==, 16);
    g_assert_cmpuint(checkpoint(f), ==, 0);
    for (int i = 0; i < 3; i++) {
        g_assert_cmphex(in(f, RBR), ==, i);
    }
    g_assert_cmpuint(checkpoint(f), ==, 3);
    g_assert_cmpuint(checkpoint(f), ==, 0);
    for (int i = 3; i < 19; i++) {
        g_assert_cmphex(in(f, RBR), ==, i);
    }
    g_assert_cmpuint(checkpoint(f), ==, 1);
    g_assert_cmphex(in(f, RBR), ==, 19);
    g_assert_cmphex(in(f, LSR), ==, LSR_THRE | LSR_TEMT); /* never an overrun */

    /* Without FIFOs only the RBR takes a byte. */
    out(f, FCR, 0x00);
    queue_input(f, "xyz", 3);
    for (const char *p = "xyz"; *p; p++) {
        g_assert_cmpuint(checkpoint(f), ==, 1);
        g_assert_cmpuint(checkpoint(f), ==, 0);
        g_assert_cmphex(in(f, LSR), ==, LSR_DR | LSR_THRE | LSR_TEMT);
        g_assert_cmphex(in(f, RBR), ==, *p);
    }
}

static void test_fifo_mode_switch_clears(Fixture *f, gconstpointer data)
{
    out(f, FCR, 0x01);
    feed(f, "abc");
    out(f, FCR, 0x00); /* leaving FIFO mode empties the FIFOs */
    g_assert_cmphex(in(f, LSR) & LSR_DR, ==, 0);
    feed(f, "d");
    out(f, FCR, 0x01);
    g_assert_cmphex(in(f, LSR) & LSR_DR, ==, 0);
    g_assert_cmpuint(feed(f, "0123456789abcdefgh"), ==, 16);
}

/* Overruns only happen when the guest itself loops more than fits. */
static void test_loopback_overrun(Fixture *f, gconstpointer data)
{
    out(f, MCR, MCR_LOOP);
    out(f, THR, '1');
    out(f, THR, '2'); /* 16450 mode: overwrites the RBR */
    g_assert_cmphex(in(f, LSR), ==, LSR_OE | LSR_DR | LSR_THRE | LSR_TEMT);
    g_assert_cmphex(in(f, LSR), ==, LSR_DR | LSR_THRE | LSR_TEMT);
    g_assert_cmphex(in(f, RBR), ==, '2');

    out(f, FCR, 0x01);
    for (int i = 0; i < 17; i++) {
        out(f, THR, 'a' + i);
    }
    g_assert_cmphex(in(f, LSR) & LSR_OE, ==, LSR_OE);
    for (int i = 0; i < 16; i++) {
        g_assert_cmphex(in(f, RBR), ==, 'a' + i); /* the 17th is the one lost */
    }
    g_assert_cmphex(in(f, LSR), ==, LSR_THRE | LSR_TEMT);
}

/* ---- character timeout ---- */

/* 4 characters of 20 half-bits (8N1) at 115200 baud: 347222.2 ns. */
#define TIMEOUT_8N1_115200 347222

static void setup_timeout_test(Fixture *f)
{
    set_divisor(f, 1, LCR_8N1);
    out(f, FCR, 0xc1); /* trigger level 14 */
    out(f, IER, IER_RX);
    out(f, MCR, MCR_OUT2);
}

static void test_char_timeout(Fixture *f, gconstpointer data)
{
    setup_timeout_test(f);
    feed(f, "abc");
    advance_ns(TIMEOUT_8N1_115200 - 1);
    g_assert_cmphex(in(f, IIR), ==, IIR_FIFO | IIR_NONE);
    g_assert_false(irq_level(f));
    advance_ns(1);
    g_assert_cmphex(in(f, IIR), ==, IIR_FIFO | IIR_TIMEOUT);
    g_assert_true(irq_level(f));

    g_assert_cmphex(in(f, RBR), ==, 'a'); /* a read clears it and restarts the timer */
    g_assert_cmphex(in(f, IIR), ==, IIR_FIFO | IIR_NONE);
    g_assert_false(irq_level(f));
    advance_ns(TIMEOUT_8N1_115200 - 1);
    g_assert_cmphex(in(f, IIR), ==, IIR_FIFO | IIR_NONE);
    advance_ns(1);
    g_assert_cmphex(in(f, IIR), ==, IIR_FIFO | IIR_TIMEOUT);

    in(f, RBR);
    in(f, RBR);
    advance_ns(10 * TIMEOUT_8N1_115200); /* empty: no timeout */
    g_assert_cmphex(in(f, IIR), ==, IIR_FIFO | IIR_NONE);
    g_assert_false(irq_level(f));
}

static void test_char_timeout_restarts_on_input(Fixture *f, gconstpointer data)
{
    setup_timeout_test(f);
    feed(f, "a");
    advance_ns(TIMEOUT_8N1_115200 / 2);
    feed(f, "b");
    advance_ns(TIMEOUT_8N1_115200 - 1);
    g_assert_cmphex(in(f, IIR), ==, IIR_FIFO | IIR_NONE);
    advance_ns(1);
    g_assert_cmphex(in(f, IIR), ==, IIR_FIFO | IIR_TIMEOUT);
}

/* The timeout follows the divisor and frame format (exact half-bit arithmetic). */
static void test_char_timeout_frame_formats(Fixture *f, gconstpointer data)
{
    static const struct {
        uint16_t divisor;
        uint8_t lcr;
        int64_t timeout_ns;
    } formats[] = {
        {12, 0x1e, 4583333}, /* 7E2, 9600 baud: 11 bits per character */
        {3, 0x04, 781250},   /* 5 bits, 1.5 stop bits, 38400 baud */
        {0x180, 0x03, 4 * 20 * 0x180 * 8000000000LL / 1843200}, /* 8N1, 300 baud */
    };

    out(f, IER, IER_RX);
    for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
        set_divisor(f, formats[i].divisor, formats[i].lcr);
        out(f, FCR, 0xc3);
        feed(f, "x");
        advance_ns(formats[i].timeout_ns - 1);
        g_assert_cmphex(in(f, IIR), ==, IIR_FIFO | IIR_NONE);
        advance_ns(1);
        g_assert_cmphex(in(f, IIR), ==, IIR_FIFO | IIR_TIMEOUT);
    }
}

static void test_no_timeout_without_fifo(Fixture *f, gconstpointer data)
{
    set_divisor(f, 1, LCR_8N1);
    out(f, IER, IER_RX);
    feed(f, "a");
    advance_ns(10 * TIMEOUT_8N1_115200);
    g_assert_cmphex(in(f, IIR), ==, IIR_RX);
}

/* ---- vmstate ---- */

static GByteArray *save_state(Fixture *f)
{
    GByteArray *buf = g_byte_array_new();

    vmstate_save(f->dev->info->vmsd, f->dev, buf);
    return buf;
}

static void load_state(Fixture *f, GByteArray *buf)
{
    Error *err = NULL;
    size_t pos = 0;

    if (!vmstate_load(f->dev->info->vmsd, f->dev, buf->data, buf->len, &pos, &err)) {
        g_error("vmstate_load: %s", error_get_pretty(err));
    }
    g_assert_cmpuint(pos, ==, buf->len);
}

static void test_vmstate_round_trip(Fixture *f, gconstpointer data)
{
    uint8_t bytes[20];

    for (int i = 0; i < 20; i++) {
        bytes[i] = 'A' + i;
    }
    setup_timeout_test(f);
    out(f, SCR, 0x5a);
    queue_input(f, bytes, 20);
    checkpoint(f);
    for (int i = 0; i < 5; i++) {
        in(f, RBR); /* the FIFO now wraps around its slots */
    }
    checkpoint(f);
    advance_ns(TIMEOUT_8N1_115200 / 2);
    g_autoptr(GByteArray) saved = save_state(f);

    /* Run on past the snapshot, then reset, then go back. */
    advance_ns(TIMEOUT_8N1_115200);
    in(f, RBR);
    device_reset(f->dev);
    icount.count -= TIMEOUT_8N1_115200;
    load_state(f, saved);

    g_autoptr(GByteArray) again = save_state(f);
    g_assert_cmpmem(saved->data, saved->len, again->data, again->len);
    g_assert_cmphex(in(f, SCR), ==, 0x5a);
    g_assert_cmphex(in(f, LCR), ==, LCR_8N1);
    g_assert_cmphex(in(f, IIR), ==, IIR_FIFO | IIR_RX); /* 15 >= 14 */
    in(f, RBR);
    in(f, RBR);
    in(f, RBR);
    g_assert_cmphex(in(f, IIR), ==, IIR_FIFO | IIR_NONE); /* 13 left */
    advance_ns(TIMEOUT_8N1_115200 - 1);
    g_assert_cmphex(in(f, IIR), ==, IIR_FIFO | IIR_NONE);
    advance_ns(1);
    g_assert_cmphex(in(f, IIR), ==, IIR_FIFO | IIR_TIMEOUT);
    for (int i = 8; i < 20; i++) {
        g_assert_cmphex(in(f, RBR), ==, 'A' + i);
    }
    g_assert_cmphex(in(f, LSR), ==, LSR_THRE | LSR_TEMT);
    g_assert_cmpuint(checkpoint(f), ==, 0);
}

static void test_vmstate_timer_restored(Fixture *f, gconstpointer data)
{
    setup_timeout_test(f);
    feed(f, "z");
    g_autoptr(GByteArray) saved = save_state(f);
    in(f, RBR); /* no timer pending any more */
    load_state(f, saved);
    advance_ns(TIMEOUT_8N1_115200);
    g_assert_cmphex(in(f, IIR), ==, IIR_FIFO | IIR_TIMEOUT);
    g_assert_cmphex(in(f, RBR), ==, 'z');
}

/* ---- configuration ---- */

static void test_com_ports(void)
{
    Machine *m = machine_new("none", 1 << 20);

    add_device(m, NULL);      /* COM1 */
    add_device(m, "index=3"); /* COM4 */
    add_device(m, NULL);      /* COM2, the next free one */
    add_device(m, "irq=5");   /* COM3 at a custom IRQ */
    g_assert_cmphex(address_space_ld(&m->io, 0x3f8 + LSR, 1), ==, 0x60);
    g_assert_cmphex(address_space_ld(&m->io, 0x2f8 + LSR, 1), ==, 0x60);
    g_assert_cmphex(address_space_ld(&m->io, 0x3e8 + LSR, 1), ==, 0x60);
    g_assert_cmphex(address_space_ld(&m->io, 0x2e8 + LSR, 1), ==, 0x60);

    address_space_st(&m->io, 0x3e8 + MCR, MCR_OUT2, 1);
    address_space_st(&m->io, 0x3e8 + IER, IER_THRE, 1);
    g_assert_cmphex(m->isa_irq_level, ==, 1u << 5);
    address_space_st(&m->io, 0x2e8 + MCR, MCR_OUT2, 1);
    address_space_st(&m->io, 0x2e8 + IER, IER_THRE, 1);
    g_assert_cmphex(m->isa_irq_level, ==, 1u << 5 | 1u << 3);
    machine_free(m);
}

static void test_bad_config(void)
{
    static const char *const bad[] = {"index=4", "irq=16", "iobase=0xfffc,irq=4"};
    Machine *m = machine_new("none", 1 << 20);

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        Error *err = NULL;
        g_assert_null(machine_add_device(m, "isa-serial", bad[i], &err));
        g_assert_nonnull(err);
        error_free(err);
    }
    machine_free(m);
}

static void add_fixture_test(const char *path, void (*fn)(Fixture *f, gconstpointer data))
{
    g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    add_fixture_test("/serial/reset-values", test_reset_values);
    add_fixture_test("/serial/linux/probe", test_linux_probe);
    add_fixture_test("/serial/linux/thre-tests", test_linux_thre_tests);
    add_fixture_test("/serial/divisor-latch", test_divisor_latch);
    add_fixture_test("/serial/tx/transmit", test_transmit);
    add_fixture_test("/serial/tx/backpressure", test_transmit_backpressure);
    add_fixture_test("/serial/loopback/data", test_loopback);
    add_fixture_test("/serial/loopback/modem-lines", test_loopback_modem_lines);
    add_fixture_test("/serial/irq/rx-data", test_irq_rx_data);
    add_fixture_test("/serial/irq/thre", test_irq_thre);
    add_fixture_test("/serial/irq/line-status", test_irq_line_status);
    add_fixture_test("/serial/irq/modem-status", test_irq_modem_status);
    add_fixture_test("/serial/irq/priority", test_irq_priority);
    add_fixture_test("/serial/irq/out2-gate", test_out2_gates_irq);
    add_fixture_test("/serial/rx/trigger-levels", test_trigger_levels);
    add_fixture_test("/serial/rx/flow-control", test_flow_control);
    add_fixture_test("/serial/rx/mode-switch-clears", test_fifo_mode_switch_clears);
    add_fixture_test("/serial/rx/loopback-overrun", test_loopback_overrun);
    add_fixture_test("/serial/timeout/basic", test_char_timeout);
    add_fixture_test("/serial/timeout/restarts-on-input",
                     test_char_timeout_restarts_on_input);
    add_fixture_test("/serial/timeout/frame-formats", test_char_timeout_frame_formats);
    add_fixture_test("/serial/timeout/not-in-16450-mode", test_no_timeout_without_fifo);
    add_fixture_test("/serial/vmstate/round-trip", test_vmstate_round_trip);
    add_fixture_test("/serial/vmstate/timer", test_vmstate_timer_restored);
    g_test_add_func("/serial/config/com-ports", test_com_ports);
    g_test_add_func("/serial/config/bad", test_bad_config);
    return g_test_run();
}
