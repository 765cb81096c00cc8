/* Device tests for the debug ports: isa-debug-exit, isa-debugcon and ioport80. */
#include "chardev/char-internal.h"
#include "hw/machine.h"
#include "system/runstate.h"

/* A backend that keeps what it is sent. */
typedef struct SinkChardev {
    Chardev chr;
    GByteArray *out;
} SinkChardev;

static int sink_write(Chardev *chr, const uint8_t *buf, int len)
{
    g_byte_array_append(container_of(chr, SinkChardev, chr)->out, buf, len);
    return len;
}

static const ChardevDriver sink_driver = {
    .name = "test-sink",
    .summary = "test output capture",
    .state_size = sizeof(SinkChardev),
    .write = sink_write,
};

static SinkChardev *sink_new(const char *id)
{
    SinkChardev *s = (SinkChardev *)chardev_alloc(&sink_driver, id);

    s->out = g_byte_array_new();
    chardev_register(&s->chr);
    return s;
}

static DeviceState *add_device(Machine *m, const char *type, const char *props)
{
    Error *err = NULL;
    DeviceState *dev = machine_add_device(m, type, props, &err);

    if (!dev) {
        g_error("%s: %s", type, error_get_pretty(err));
    }
    return dev;
}

/* ---- isa-debug-exit ---- */

/* The exit status is latched once per process, so each case runs in a child. */
typedef struct ExitCase {
    const char *props;
    uint16_t port;
    unsigned size;
    uint32_t value;
    int status;
} ExitCase;

static const ExitCase exit_cases[] = {
    {NULL, 0x501, 1, 0x00, 0x01},
    {NULL, 0x501, 1, 0x10, 0x21},
    {NULL, 0x502, 1, 0x7f, 0xff},
    {NULL, 0x501, 2, 0x1234, 0x2469},
    {"iobase=0xf4,iosize=4", 0xf4, 4, 0x12345678, 0x2468acf1},
};

static void run_exit_case(const ExitCase *c)
{
    Machine *m = machine_new("none", 1 << 20);

    add_device(m, "isa-debug-exit", c->props);
    g_assert_false(runstate_shutdown_requested());
    g_assert_cmphex(address_space_ld(&m->io, c->port, c->size), ==, 0);
    g_assert_false(runstate_shutdown_requested()); /* reads have no effect */
    address_space_st(&m->io, c->port, c->value, c->size);
    g_assert_true(runstate_shutdown_requested());
    g_assert_cmpint(runstate_shutdown_cause(), ==, SHUTDOWN_CAUSE_GUEST_EXIT);
    g_assert_cmphex(runstate_exit_status(), ==, c->status);
    machine_free(m);
}

static void test_debugexit_status(gconstpointer data)
{
    const ExitCase *c = data;

    if (g_test_subprocess()) {
        run_exit_case(c);
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
    g_test_trap_assert_passed();
}

static void test_debugexit_outside_range(void)
{
    if (g_test_subprocess()) {
        Machine *m = machine_new("none", 1 << 20);
        add_device(m, "isa-debug-exit", NULL);
        address_space_st(&m->io, 0x500, 1, 1);
        address_space_st(&m->io, 0x503, 1, 1);
        g_assert_false(runstate_shutdown_requested());
        machine_free(m);
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
    g_test_trap_assert_passed();
}

/* ---- isa-debugcon ---- */

static void test_debugcon_output(void)
{
    Machine *m = machine_new("none", 1 << 20);
    SinkChardev *sink = sink_new("debugcon0");

    add_device(m, "isa-debugcon", "chardev=debugcon0");
    for (const char *p = "boot ok\n"; *p; p++) {
        address_space_st(&m->io, 0xe9, *p, 1);
    }
    g_assert_cmpmem(sink->out->data, sink->out->len, "boot ok\n", 8);
    g_assert_cmphex(address_space_ld(&m->io, 0xe9, 1), ==, 0xe9);
    g_assert_cmpuint(sink->out->len, ==, 8); /* reading sent nothing */
    machine_free(m);
}

static void test_debugcon_options(void)
{
    Machine *m = machine_new("none", 1 << 20);
    SinkChardev *sink = sink_new("debugcon1");

    add_device(m, "isa-debugcon", "iobase=0x402,readback=0x42,chardev=debugcon1");
    add_device(m, "isa-debugcon", NULL); /* no backend: output is dropped */
    address_space_st(&m->io, 0x402, 'x', 1);
    address_space_st(&m->io, 0xe9, 'y', 1);
    g_assert_cmpmem(sink->out->data, sink->out->len, "x", 1);
    g_assert_cmphex(address_space_ld(&m->io, 0x402, 1), ==, 0x42);
    g_assert_cmphex(address_space_ld(&m->io, 0xe9, 1), ==, 0xe9);
    machine_free(m);
}

/* ---- ioport80 ---- */

static void test_ioport80(void)
{
    Machine *m = machine_new("none", 1 << 20);
    DeviceState *dev = add_device(m, "ioport80", NULL);
    g_autoptr(GByteArray) saved = g_byte_array_new();
    Error *err = NULL;
    size_t pos = 0;

    g_assert_cmphex(address_space_ld(&m->io, 0x80, 1), ==, 0x00);
    address_space_st(&m->io, 0x80, 0x5a, 1);
    g_assert_cmphex(address_space_ld(&m->io, 0x80, 1), ==, 0x5a);
    vmstate_save(dev->info->vmsd, dev, saved);
    machine_reset(m);
    g_assert_cmphex(address_space_ld(&m->io, 0x80, 1), ==, 0x00);
    g_assert_true(
        vmstate_load(dev->info->vmsd, dev, saved->data, saved->len, &pos, &err));
    g_assert_cmphex(address_space_ld(&m->io, 0x80, 1), ==, 0x5a);
    machine_free(m);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (size_t i = 0; i < ARRAY_SIZE(exit_cases); i++) {
        g_autofree char *path = g_strdup_printf("/debugexit/status/%zu", i);
        g_test_add_data_func(path, &exit_cases[i], test_debugexit_status);
    }
    g_test_add_func("/debugexit/outside-range", test_debugexit_outside_range);
    g_test_add_func("/debugcon/output", test_debugcon_output);
    g_test_add_func("/debugcon/options", test_debugcon_options);
    g_test_add_func("/ioport80/latch", test_ioport80);
    return g_test_run();
}
