/* Unit tests for the device registry, typed properties, -device parsing and machines. */
#include "hw/device.h"
#include "hw/machine.h"
#include "chardev/char.h"

typedef struct TestDev {
    DeviceState parent;
    bool enabled;
    uint8_t irq;
    uint16_t port;
    uint32_t freq;
    uint64_t base;
    char *label;
    Chardev *chr;
    MemoryRegion io;
    uint8_t reg;
    uint32_t resets;
    Machine *machine;
} TestDev;

static uint64_t testdev_read(void *opaque, uint64_t offset, unsigned size)
{
    TestDev *s = opaque;
    return s->reg;
}

static void testdev_write(void *opaque, uint64_t offset, uint64_t val, unsigned size)
{
    TestDev *s = opaque;
    s->reg = val;
}

static const MemoryRegionOps testdev_ops = {
    .read = testdev_read, .write = testdev_write, .max_size = 1};

static bool testdev_realize(DeviceState *dev, Machine *m, Error **errp)
{
    TestDev *s = (TestDev *)dev;
    if (s->port == 0) {
        error_setg(errp, "port must not be 0");
        return false;
    }
    memory_region_init_io(&s->io, "testdev", &testdev_ops, s, 1);
    address_space_map(&m->io, s->port, &s->io, 0);
    s->machine = m;
    irq_raise(&m->isa_irq[s->irq & 15]);
    return true;
}

static int unrealize_count;

static void testdev_unrealize(DeviceState *dev)
{
    TestDev *s = (TestDev *)dev;
    address_space_unmap(&s->machine->io, &s->io);
    unrealize_count++;
}

static void testdev_reset(DeviceState *dev)
{
    TestDev *s = (TestDev *)dev;
    s->reg = 0x42;
    s->resets++;
}

static const VMStateField testdev_fields[] = {
    VMSTATE_UINT8(reg, TestDev),
    VMSTATE_END_OF_LIST(),
};

static const VMStateDescription testdev_vmsd = {
    .name = "test-dev", .version = 1, .fields = testdev_fields};

static const Property testdev_props[] = {
    DEFINE_PROP("enabled", TestDev, enabled, PROP_BOOL, "on", "turn it on"),
    DEFINE_PROP("irq", TestDev, irq, PROP_U8, "4", "ISA interrupt line"),
    DEFINE_PROP("port", TestDev, port, PROP_U16, "0x3f8", "I/O base"),
    DEFINE_PROP("freq", TestDev, freq, PROP_U32, "1843200", "clock in Hz"),
    DEFINE_PROP("base", TestDev, base, PROP_U64, NULL, "MMIO base"),
    DEFINE_PROP("label", TestDev, label, PROP_STR, "hello", "a name"),
    DEFINE_PROP("chardev", TestDev, chr, PROP_CHARDEV, NULL, "backend"),
    DEFINE_PROP_END(),
};

static const DeviceInfo testdev_info = {
    .name = "test-dev",
    .desc = "a device for unit tests",
    .instance_size = sizeof(TestDev),
    .props = testdev_props,
    .user_creatable = true,
    .realize = testdev_realize,
    .reset = testdev_reset,
    .unrealize = testdev_unrealize,
    .vmsd = &testdev_vmsd,
};
DEVICE_REGISTER(testdev_info)

static const DeviceInfo internal_info = {
    .name = "test-internal",
    .desc = "built in only",
    .instance_size = sizeof(DeviceState),
};
DEVICE_REGISTER(internal_info)

static DeviceState *new_ok(const char *opts)
{
    Error *err = NULL;
    bool help = true;
    DeviceState *dev = device_new_from_opts(opts, &help, &err);
    if (err) {
        g_error("%s: %s", opts, error_get_pretty(err));
    }
    g_assert_nonnull(dev);
    g_assert_false(help);
    return dev;
}

static void expect_error(const char *opts, const char *message)
{
    Error *err = NULL;
    bool help = true;
    g_assert_null(device_new_from_opts(opts, &help, &err));
    g_assert_false(help);
    g_assert_nonnull(err);
    g_assert_cmpstr(error_get_pretty(err), ==, message);
    error_free(err);
}

static void test_defaults(void)
{
    TestDev *s = (TestDev *)new_ok("test-dev");
    g_assert_true(s->parent.info == &testdev_info);
    g_assert_true(device_find_type("test-dev") == &testdev_info);
    g_assert_null(device_find_type("nope"));
    g_assert_true(s->enabled);
    g_assert_cmpuint(s->irq, ==, 4);
    g_assert_cmphex(s->port, ==, 0x3f8);
    g_assert_cmpuint(s->freq, ==, 1843200);
    g_assert_cmpuint(s->base, ==, 0);
    g_assert_cmpstr(s->label, ==, "hello");
    g_assert_null(s->chr);
    g_assert_null(s->parent.id);
    g_assert_false(s->parent.realized);
    device_free(&s->parent);
}

static void test_set_every_type(void)
{
    Error *err = NULL;
    g_assert_nonnull(chardev_new_from_opts("null,id=chr0", &err));
    g_assert_null(err);
    TestDev *s = (TestDev *)new_ok("test-dev,enabled=off,irq=255,port=0xFFFF,"
                                   "freq=4294967295,base=0xffffffffffffffff,"
                                   "label=a,,b,chardev=chr0,id=com1");
    g_assert_false(s->enabled);
    g_assert_cmpuint(s->irq, ==, 255);
    g_assert_cmphex(s->port, ==, 0xffff);
    g_assert_cmpuint(s->freq, ==, UINT32_MAX);
    g_assert_cmphex(s->base, ==, UINT64_MAX);
    g_assert_cmpstr(s->label, ==, "a,b");
    g_assert_true(s->chr == chardev_find("chr0"));
    g_assert_cmpstr(s->parent.id, ==, "com1");
    device_free(&s->parent);
}

static void test_bool_spellings(void)
{
    static const char *const yes[] = {"on", "true", "yes"};
    static const char *const no[] = {"off", "false", "no"};
    DeviceState *dev = device_new("test-dev", NULL);
    TestDev *s = (TestDev *)dev;
    for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
        g_assert_true(device_set_prop(dev, "enabled", no[i], NULL));
        g_assert_false(s->enabled);
        g_assert_true(device_set_prop(dev, "enabled", yes[i], NULL));
        g_assert_true(s->enabled);
    }
    g_assert_true(device_set_prop(dev, "freq", "0", NULL));
    g_assert_cmpuint(s->freq, ==, 0);
    g_assert_true(device_set_prop(dev, "freq", "0x10", NULL));
    g_assert_cmpuint(s->freq, ==, 16);
    g_assert_true(device_set_prop(dev, "freq", "010", NULL)); /* decimal, not octal */
    g_assert_cmpuint(s->freq, ==, 10);
    device_free(dev);
}

static void test_property_errors(void)
{
    expect_error(
        "test-dev,irq=256",
        "property 'irq' of device 'test-dev' expects a uint8 (0 to 255), got '256'");
    expect_error("test-dev,port=0x10000",
                 "property 'port' of device 'test-dev' expects a "
                 "uint16 (0 to 65535), got '0x10000'");
    expect_error("test-dev,freq=4294967296",
                 "property 'freq' of device 'test-dev' expects "
                 "a uint32 (0 to 4294967295), got '4294967296'");
    expect_error("test-dev,base=18446744073709551616",
                 "property 'base' of device 'test-dev' expects a uint64 (0 to "
                 "18446744073709551615), got '18446744073709551616'");
    expect_error(
        "test-dev,irq=-1",
        "property 'irq' of device 'test-dev' expects a uint8 (0 to 255), got '-1'");
    expect_error(
        "test-dev,irq=4x",
        "property 'irq' of device 'test-dev' expects a uint8 (0 to 255), got '4x'");
    expect_error(
        "test-dev,irq=0x",
        "property 'irq' of device 'test-dev' expects a uint8 (0 to 255), got '0x'");
    expect_error(
        "test-dev,irq=",
        "property 'irq' of device 'test-dev' expects a uint8 (0 to 255), got ''");
    expect_error("test-dev,enabled=maybe",
                 "property 'enabled' of device 'test-dev' expects a bool (on/off), got "
                 "'maybe'");
    expect_error("test-dev,chardev=nope",
                 "property 'chardev' of device 'test-dev': chardev 'nope' not found");
    expect_error("test-dev,bogus=1", "device 'test-dev' has no property 'bogus' (use "
                                     "-device test-dev,help for a list)");
    expect_error("test-dev,enabled",
                 "device 'test-dev': expected prop=value, got 'enabled'");
    expect_error("nosuch,a=1",
                 "unknown device type 'nosuch' (use -device help for a list)");
    expect_error("test-internal",
                 "device 'test-internal' cannot be created with -device");
}

static void test_help_types_subprocess(void)
{
    bool help = false;
    Error *err = NULL;
    g_assert_null(device_new_from_opts("help", &help, &err));
    g_assert_true(help);
    g_assert_null(err);
}

static void test_help_types(void)
{
    g_test_trap_subprocess("/device/help/types/subprocess", 0, 0);
    g_test_trap_assert_passed();
    g_test_trap_assert_stdout("*test-dev*a device for unit tests*");
    /* Built-in devices that -device cannot create are not offered. */
    g_test_trap_assert_stdout_unmatched("*test-internal*");
}

static void test_help_props_subprocess(void)
{
    bool help = false;
    Error *err = NULL;
    g_assert_null(device_new_from_opts("test-dev,irq=3,help", &help, &err));
    g_assert_true(help);
    g_assert_null(err);
}

static void test_help_props(void)
{
    g_test_trap_subprocess("/device/help/props/subprocess", 0, 0);
    g_test_trap_assert_passed();
    g_test_trap_assert_stdout("test-dev options:\n*");
    g_test_trap_assert_stdout("*irq=<uint8>*ISA interrupt line (default: 4)\n*");
    g_test_trap_assert_stdout("*port=<uint16>*I/O base (default: 0x3f8)\n*");
    g_test_trap_assert_stdout("*base=<uint64>*MMIO base\n*");
    g_test_trap_assert_stdout("*label=<str>*a name (default: hello)\n*");
    g_test_trap_assert_stdout("*chardev=<chardev>*backend\n*");
    g_test_trap_assert_stdout("*enabled=<bool>*turn it on (default: on)\n*");
}

static void test_print_props_unknown(void)
{
    Error *err = NULL;
    g_assert_false(device_print_props("nosuch", stdout, &err));
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "unknown device type 'nosuch' (use -device help for a list)");
    error_free(err);
}

static void test_duplicate_register_subprocess(void)
{
    device_register(&testdev_info);
}

static void test_duplicate_register(void)
{
    g_test_trap_subprocess("/device/duplicate/subprocess", 0, 0);
    g_test_trap_assert_failed();
}

static void test_machine_life_cycle(void)
{
    Machine *m = machine_new("test", 1 << 20);
    g_assert_cmpuint(m->ram_size, ==, 1 << 20);
    g_assert_cmphex(m->mem.size, ==, 1ull << 52);
    g_assert_cmphex(m->io.size, ==, 0x10000);
    g_assert_true(address_space_ram_ptr(&m->mem, 0, 1 << 20) == m->ram.ram);
    g_assert_null(address_space_find(&m->mem, 1 << 20));

    Error *err = NULL;
    TestDev *s =
        (TestDev *)machine_add_device(m, "test-dev", "port=0x80,irq=5,id=x", &err);
    g_assert_null(err);
    g_assert_true(s->parent.realized);
    g_assert_cmpuint(m->devices->len, ==, 1);
    /* Plugged devices start reset, and their I/O is live. */
    g_assert_cmpuint(s->resets, ==, 1);
    g_assert_cmphex(address_space_ld(&m->io, 0x80, 1), ==, 0x42);
    address_space_st(&m->io, 0x80, 0x17, 1);
    g_assert_cmphex(s->reg, ==, 0x17);
    /* Until an interrupt controller is wired, ISA lines record their level. */
    g_assert_cmphex(m->isa_irq_level, ==, 1 << 5);
    irq_lower(&m->isa_irq[5]);
    irq_raise(&m->isa_irq[15]);
    g_assert_cmphex(m->isa_irq_level, ==, 1 << 15);

    DeviceState *dev = device_new_from_opts("test-dev,port=0x81", NULL, &err);
    g_assert_true(machine_plug_device(m, dev, &err));
    g_assert_cmpuint(m->devices->len, ==, 2);

    machine_reset(m);
    g_assert_cmpuint(s->resets, ==, 2);
    g_assert_cmphex(s->reg, ==, 0x42);
    g_assert_cmpuint(((TestDev *)dev)->resets, ==, 2);

    unrealize_count = 0;
    machine_free(m);
    g_assert_cmpint(unrealize_count, ==, 2);
}

static void test_machine_add_errors(void)
{
    Machine *m = machine_new("test", 1 << 20);
    Error *err = NULL;
    g_assert_null(machine_add_device(m, "test-dev", "port=0", &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "device 'test-dev': port must not be 0");
    error_free(err);
    err = NULL;
    g_assert_null(machine_add_device(m, "test-dev", "irq=300", &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "property 'irq'"));
    error_free(err);
    err = NULL;
    /* Built-in types that -device refuses are fine for the machine itself. */
    g_assert_nonnull(machine_add_device(m, "test-internal", NULL, &err));
    g_assert_null(err);
    g_assert_cmpuint(m->devices->len, ==, 1);
    machine_free(m);
}

static void test_machine_state_hash(void)
{
    Machine *m = machine_new("test", 1 << 20);
    uint64_t empty = machine_state_hash(m);
    g_assert_cmphex(machine_state_hash(m), ==, empty);

    m->ram.ram[12345] = 1;
    uint64_t ram_changed = machine_state_hash(m);
    g_assert_cmphex(ram_changed, !=, empty);

    TestDev *s = (TestDev *)machine_add_device(m, "test-dev", "port=0x80", NULL);
    uint64_t with_dev = machine_state_hash(m);
    g_assert_cmphex(with_dev, !=, ram_changed);
    s->reg ^= 1;
    g_assert_cmphex(machine_state_hash(m), !=, with_dev);
    s->reg ^= 1;
    g_assert_cmphex(machine_state_hash(m), ==, with_dev);
    /* Fields outside the vmstate table do not count. */
    s->resets += 10;
    g_assert_cmphex(machine_state_hash(m), ==, with_dev);
    machine_free(m);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/device/defaults", test_defaults);
    g_test_add_func("/device/props/every-type", test_set_every_type);
    g_test_add_func("/device/props/spellings", test_bool_spellings);
    g_test_add_func("/device/props/errors", test_property_errors);
    g_test_add_func("/device/help/types", test_help_types);
    g_test_add_func("/device/help/types/subprocess", test_help_types_subprocess);
    g_test_add_func("/device/help/props", test_help_props);
    g_test_add_func("/device/help/props/subprocess", test_help_props_subprocess);
    g_test_add_func("/device/help/unknown", test_print_props_unknown);
    g_test_add_func("/device/duplicate", test_duplicate_register);
    g_test_add_func("/device/duplicate/subprocess", test_duplicate_register_subprocess);
    g_test_add_func("/machine/life-cycle", test_machine_life_cycle);
    g_test_add_func("/machine/add-errors", test_machine_add_errors);
    g_test_add_func("/machine/state-hash", test_machine_state_hash);
    return g_test_run();
}
