/*
 * Device tests for the 8042 keyboard controller: Linux's probe sequence, the
 * controller commands, the reset line, IRQ 1/12 behaviour, the stub keyboard and
 * mouse, and a PS/2 device plugged in through the port interface.
 */
#include "hw/input/i8042.h"
#include "hw/machine.h"
#include "system/runstate.h"

#define DATA   0x60
#define CMD    0x64
#define STATUS 0x64

/* Status and command byte bits, spelled out independently of hw/input/i8042.c. */
enum { ST_OBF = 0x01, ST_SYS = 0x04, ST_CMD = 0x08, ST_AUXDATA = 0x20 };
enum { CTR_KBDINT = 0x01, CTR_AUXINT = 0x02, CTR_SYS = 0x04 };
enum { CTR_KBDDIS = 0x10, CTR_AUXDIS = 0x20, CTR_XLATE = 0x40 };

typedef struct Fixture {
    Machine *m;
    I8042State *kbc;
    int edges[16];
} Fixture;

static void count_irq(void *opaque, int n, int level)
{
    Fixture *f = opaque;
    bool was = f->m->isa_irq_level & (1u << n);
    f->edges[n] += level && !was;
    f->m->isa_irq_level = (f->m->isa_irq_level & ~(1u << n)) | (level ? 1u << n : 0);
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
    Error *err = NULL;
    memset(f, 0, sizeof(*f));
    f->m = machine_new("none", 1 << 20);
    irq_init(&f->m->isa_irq[1], count_irq, f, 1);
    irq_init(&f->m->isa_irq[12], count_irq, f, 12);
    f->kbc = (I8042State *)machine_add_device(f->m, "i8042", NULL, &err);
    if (!f->kbc) {
        g_error("i8042: %s", error_get_pretty(err));
    }
    runstate_take_reset_request();
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    machine_free(f->m);
}

static uint8_t status(Fixture *f)
{
    return address_space_ld(&f->m->io, STATUS, 1);
}

static void command(Fixture *f, uint8_t cmd)
{
    address_space_st(&f->m->io, CMD, cmd, 1);
}

static void write_data(Fixture *f, uint8_t val)
{
    address_space_st(&f->m->io, DATA, val, 1);
}

static uint8_t read_data(Fixture *f)
{
    return address_space_ld(&f->m->io, DATA, 1);
}

/* What a driver's polling loop sees: the bytes, and whether each was aux data. */
static unsigned drain(Fixture *f, uint8_t *buf, bool *aux, unsigned max)
{
    unsigned n = 0;
    while ((status(f) & ST_OBF) && n < max) {
        if (aux) {
            aux[n] = status(f) & ST_AUXDATA;
        }
        buf[n++] = read_data(f);
    }
    return n;
}

#define ASSERT_BYTES(f, ...)                                                             \
    do {                                                                                 \
        const uint8_t want_[] = {__VA_ARGS__};                                           \
        uint8_t got_[32];                                                                \
        unsigned n_ = drain((f), got_, NULL, sizeof(got_));                              \
        g_assert_cmpmem(got_, n_, want_, sizeof(want_));                                 \
    } while (0)

static uint8_t command_reply(Fixture *f, uint8_t cmd)
{
    command(f, cmd);
    g_assert_cmphex(status(f) & ST_OBF, ==, ST_OBF);
    return read_data(f);
}

static uint8_t read_ctr(Fixture *f)
{
    return command_reply(f, 0x20);
}

static void write_ctr(Fixture *f, uint8_t ctr)
{
    command(f, 0x60);
    write_data(f, ctr);
}

/* ---- Linux's probe ---- */

static void test_linux_probe(Fixture *f, gconstpointer data)
{
    uint8_t buf[8];
    bool aux[8];
    g_assert_cmphex(status(f), !=, 0xff); /* i8042_controller_check */
    g_assert_cmpuint(drain(f, buf, NULL, 8), ==, 0);
    g_assert_cmphex(command_reply(f, 0xaa), ==, 0x55); /* i8042_controller_selftest */

    /* i8042_controller_init: read the CTR until two reads agree, then rewrite it. */
    uint8_t ctr = read_ctr(f);
    g_assert_cmphex(read_ctr(f), ==, ctr);
    ctr = (ctr | CTR_KBDDIS) & ~CTR_KBDINT;
    write_ctr(f, ctr);
    g_assert_cmphex(read_ctr(f), ==, ctr);

    /* i8042_check_aux: loopback through the aux output buffer. */
    command(f, 0xd3);
    write_data(f, 0x5a);
    g_assert_cmpuint(drain(f, buf, aux, 8), ==, 1);
    g_assert_cmphex(buf[0], ==, 0x5a);
    g_assert_true(aux[0]);
    g_assert_cmpint(f->edges[12], ==, 1); /* AUXINT was still on from reset */
    g_assert_cmphex(command_reply(f, 0xa9), ==, 0x00);
    command(f, 0xa7); /* i8042_toggle_aux */
    g_assert_cmphex(read_ctr(f) & CTR_AUXDIS, ==, CTR_AUXDIS);
    command(f, 0xa8);
    g_assert_cmphex(read_ctr(f) & CTR_AUXDIS, ==, 0);

    /* The AUX IRQ test: a loopback byte with AUXINT set raises IRQ 12. */
    write_ctr(f, ctr & ~(CTR_AUXDIS | CTR_AUXINT));
    command(f, 0xd3);
    write_data(f, 0x5a);
    g_assert_cmphex(read_data(f), ==, 0x5a);
    g_assert_cmpint(f->edges[12], ==, 1);
    write_ctr(f, (ctr & ~CTR_AUXDIS) | CTR_AUXINT);
    command(f, 0xd3);
    write_data(f, 0xa5);
    g_assert_cmpint(f->edges[12], ==, 2);
    g_assert_cmphex(read_data(f), ==, 0xa5);
    g_assert_false(f->m->isa_irq_level & (1u << 12));

    /* atkbd: keyboard port on, then reset and identify through IRQ 1. */
    write_ctr(f, (ctr & ~CTR_KBDDIS) | CTR_KBDINT | CTR_AUXINT);
    int before = f->edges[1];
    write_data(f, 0xf2);
    ASSERT_BYTES(f, 0xfa, 0xab, 0x83);
    g_assert_cmpint(f->edges[1], ==, before + 3); /* one interrupt per byte */
    write_data(f, 0xff);
    ASSERT_BYTES(f, 0xfa, 0xaa);
    write_data(f, 0xf4);
    ASSERT_BYTES(f, 0xfa);
    g_assert_cmpint(f->edges[1], ==, before + 6);
    g_assert_cmpint(f->edges[12], ==, 2);
}

static void test_translated_id(Fixture *f, gconstpointer data)
{
    write_ctr(f, CTR_KBDINT | CTR_XLATE);
    write_data(f, 0xf2);
    ASSERT_BYTES(f, 0xfa, 0xab, 0x41); /* the ID Linux knows as translated */
}

/* ---- controller commands ---- */

static void test_controller_commands(Fixture *f, gconstpointer data)
{
    g_assert_cmphex(status(f) & ST_SYS, ==, 0);
    g_assert_cmphex(command_reply(f, 0xaa), ==, 0x55);
    g_assert_cmphex(status(f) & ST_SYS, ==, ST_SYS);
    g_assert_cmphex(read_ctr(f) & CTR_SYS, ==, CTR_SYS);
    g_assert_cmphex(command_reply(f, 0xab), ==, 0x00);
    g_assert_cmphex(command_reply(f, 0xa9), ==, 0x00);
    g_assert_cmphex(command_reply(f, 0xc0), ==, 0x80);
    g_assert_cmphex(command_reply(f, 0xe0), ==, 0x00);
    command(f, 0xad);
    g_assert_cmphex(read_ctr(f) & CTR_KBDDIS, ==, CTR_KBDDIS);
    command(f, 0xae);
    g_assert_cmphex(read_ctr(f) & CTR_KBDDIS, ==, 0);
    /* Controller RAM beyond the command byte. */
    command(f, 0x65);
    write_data(f, 0x42);
    g_assert_cmphex(command_reply(f, 0x25), ==, 0x42);
    /* Status bit 3 follows the last port written. */
    g_assert_cmphex(status(f) & ST_CMD, ==, ST_CMD);
    write_data(f, 0xee);
    g_assert_cmphex(status(f) & ST_CMD, ==, 0);
    ASSERT_BYTES(f, 0xee);
    /* A command interrupts one still waiting for its data byte. */
    command(f, 0x60);
    command(f, 0xab);
    ASSERT_BYTES(f, 0x00);
}

static void test_reset_line(Fixture *f, gconstpointer data)
{
    command(f, 0xff); /* pulse nothing */
    g_assert_false(runstate_take_reset_request());
    command(f, 0xfe);
    g_assert_true(runstate_take_reset_request());
    command(f, 0xf0); /* pulses bits 0-3, the reset line among them */
    g_assert_true(runstate_take_reset_request());
    command(f, 0xd1);
    write_data(f, 0xdd); /* A20 off, reset line high */
    g_assert_false(runstate_take_reset_request());
    g_assert_cmphex(command_reply(f, 0xd0) & 0x03, ==, 0x01);
    command(f, 0xdf); /* HP's "enable A20" */
    g_assert_cmphex(command_reply(f, 0xd0) & 0x03, ==, 0x03);
    command(f, 0xd1);
    write_data(f, 0xde); /* bit 0 low: assert reset */
    g_assert_true(runstate_take_reset_request());
}

/* ---- IRQs ---- */

static void test_irq_gating(Fixture *f, gconstpointer data)
{
    write_ctr(f, 0); /* no interrupts */
    write_data(f, 0xf2);
    g_assert_cmphex(status(f) & ST_OBF, ==, ST_OBF);
    g_assert_cmpint(f->edges[1], ==, 0);
    write_ctr(f, CTR_KBDINT); /* enabling with a byte waiting raises the line */
    g_assert_cmpint(f->edges[1], ==, 1);
    ASSERT_BYTES(f, 0xfa, 0xab, 0x83);
    g_assert_cmpint(f->edges[1], ==, 3);
    g_assert_false(f->m->isa_irq_level & (1u << 1));
}

static void test_port_disable_holds_data(Fixture *f, gconstpointer data)
{
    write_ctr(f, CTR_KBDINT | CTR_AUXINT);
    write_data(f, 0xf2);
    command(f, 0xad); /* the ACK is already in the buffer; the ID waits */
    ASSERT_BYTES(f, 0xfa);
    g_assert_cmpuint(status(f) & ST_OBF, ==, 0);
    g_assert_cmphex(command_reply(f, 0xaa), ==, 0x55); /* replies still arrive */
    command(f, 0xae);
    ASSERT_BYTES(f, 0xab, 0x83);

    command(f, 0xa7);
    command(f, 0xd4);
    write_data(f, 0xf2); /* mouse: Read Device Type */
    g_assert_cmpuint(status(f) & ST_OBF, ==, 0);
    command(f, 0xa8);
    g_assert_cmpint(f->edges[12], ==, 1);
    uint8_t buf[4];
    bool aux[4];
    g_assert_cmpuint(drain(f, buf, aux, 4), ==, 2);
    g_assert_cmphex(buf[0], ==, 0xfa);
    g_assert_cmphex(buf[1], ==, 0x00);
    g_assert_true(aux[0] && aux[1]);
    g_assert_cmpint(f->edges[12], ==, 2);
}

/* ---- the stub devices ---- */

static void test_keyboard_stub(Fixture *f, gconstpointer data)
{
    write_data(f, 0xed);
    write_data(f, 0x07);
    ASSERT_BYTES(f, 0xfa, 0xfa);
    write_data(f, 0xf0);
    write_data(f, 0x00);
    ASSERT_BYTES(f, 0xfa, 0xfa, 0x02);
    write_data(f, 0xf0);
    write_data(f, 0x01);
    write_data(f, 0xf0);
    write_data(f, 0x00);
    ASSERT_BYTES(f, 0xfa, 0xfa, 0xfa, 0xfa, 0x01);
    write_data(f, 0xf3);
    write_data(f, 0x20);
    write_data(f, 0xf5);
    write_data(f, 0xf6);
    ASSERT_BYTES(f, 0xfa, 0xfa, 0xfa, 0xfa);
    write_data(f, 0x01); /* not a command */
    ASSERT_BYTES(f, 0xfe);
    write_data(f, 0xee);
    write_data(f, 0xfe); /* Resend: the last byte again */
    ASSERT_BYTES(f, 0xee, 0xee);
}

static void aux_write(Fixture *f, uint8_t byte)
{
    command(f, 0xd4);
    write_data(f, byte);
}

static void test_mouse_stub(Fixture *f, gconstpointer data)
{
    aux_write(f, 0xff);
    ASSERT_BYTES(f, 0xfa, 0xaa, 0x00);
    aux_write(f, 0xf3);
    aux_write(f, 200);
    aux_write(f, 0xe8);
    aux_write(f, 3);
    ASSERT_BYTES(f, 0xfa, 0xfa, 0xfa, 0xfa);
    aux_write(f, 0xf4);
    aux_write(f, 0xe9);
    ASSERT_BYTES(f, 0xfa, 0xfa, 0x20, 0x03, 200);
    aux_write(f, 0xf2);
    ASSERT_BYTES(f, 0xfa, 0x00);
    aux_write(f, 0x42);
    ASSERT_BYTES(f, 0xfe);
}

/* ---- a device on the port interface ---- */

typedef struct TestKbd {
    PS2Port port;
    uint8_t received[8];
    unsigned n;
} TestKbd;

static void testkbd_write(PS2Port *port, uint8_t byte)
{
    TestKbd *k = container_of(port, TestKbd, port);
    k->received[k->n++] = byte;
    ps2_port_send(port, 0xfa);
}

static void test_attached_device_and_translation(Fixture *f, gconstpointer data)
{
    TestKbd kbd = {.port.write = testkbd_write};
    i8042_attach_port(f->kbc, I8042_PORT_KBD, &kbd.port);
    write_data(f, 0xed);
    g_assert_cmpuint(kbd.n, ==, 1);
    g_assert_cmphex(kbd.received[0], ==, 0xed);
    ASSERT_BYTES(f, 0xfa);

    /* Set 2 "A" make and break, then Enter, as the keyboard sends them. */
    static const uint8_t set2[] = {0x1c, 0xf0, 0x1c, 0x5a, 0xe0, 0x75};
    write_ctr(f, CTR_KBDINT | CTR_XLATE);
    for (size_t i = 0; i < sizeof(set2); i++) {
        ps2_port_send(&kbd.port, set2[i]);
    }
    ASSERT_BYTES(f, 0x1e, 0x9e, 0x1c, 0xe0, 0x48);
    write_ctr(f, CTR_KBDINT);
    for (size_t i = 0; i < sizeof(set2); i++) {
        ps2_port_send(&kbd.port, set2[i]);
    }
    ASSERT_BYTES(f, 0x1c, 0xf0, 0x1c, 0x5a, 0xe0, 0x75);
}

/* ---- state ---- */

static void test_reset_and_vmstate(Fixture *f, gconstpointer data)
{
    const VMStateDescription *vmsd = ((DeviceState *)f->kbc)->info->vmsd;
    GByteArray *saved = g_byte_array_new();
    write_ctr(f, CTR_KBDINT | CTR_SYS);
    write_data(f, 0xf2);
    vmstate_save(vmsd, f->kbc, saved);

    machine_reset(f->m);
    g_assert_cmphex(status(f) & ST_OBF, ==, 0);
    g_assert_cmphex(read_ctr(f), ==, CTR_KBDINT | CTR_AUXINT);

    size_t pos = 0;
    Error *err = NULL;
    g_assert_true(vmstate_load(vmsd, f->kbc, saved->data, saved->len, &pos, &err));
    g_assert_cmphex(status(f) & (ST_OBF | ST_SYS), ==, ST_OBF | ST_SYS);
    ASSERT_BYTES(f, 0xfa, 0xab, 0x83);
    g_byte_array_free(saved, true);
}

#define ADD(name, fn) g_test_add(name, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    ADD("/i8042/linux-probe", test_linux_probe);
    ADD("/i8042/translated-id", test_translated_id);
    ADD("/i8042/controller-commands", test_controller_commands);
    ADD("/i8042/reset-line", test_reset_line);
    ADD("/i8042/irq/gating", test_irq_gating);
    ADD("/i8042/irq/port-disable-holds-data", test_port_disable_holds_data);
    ADD("/i8042/stub/keyboard", test_keyboard_stub);
    ADD("/i8042/stub/mouse", test_mouse_stub);
    ADD("/i8042/port/attached-device-and-translation",
        test_attached_device_and_translation);
    ADD("/i8042/reset-and-vmstate", test_reset_and_vmstate);
    return g_test_run();
}
