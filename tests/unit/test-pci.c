/*
 * Device tests for PCI: configuration mechanism #1 through the i440FX ports, BAR
 * sizing and mapping, INTx routing through the PIIX3's PIRQ registers, -device
 * placement, and the reset control register.
 */
#include "hw/isa/piix3.h"
#include "hw/machine.h"
#include "hw/pci-host/i440fx.h"
#include "hw/pci/pci.h"
#include "system/runstate.h"

#define CONFADD  0xcf8
#define CONFDATA 0xcfc
#define ENABLE   0x80000000u

/* ---- a PCI function to test with: I/O, 32-bit and 64-bit memory BARs, INTA# ---- */

typedef struct TestPCIDev {
    PCIDevice pci;
    MemoryRegion io_bar;
    MemoryRegion mem_bar;
    MemoryRegion mem64_bar;
    uint64_t last_write;
} TestPCIDev;

static uint64_t testdev_read(void *opaque, uint64_t offset, unsigned size)
{
    return 0x5a000000 | offset;
}

static void testdev_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    ((TestPCIDev *)opaque)->last_write = value;
}

static const MemoryRegionOps testdev_ops = {
    .read = testdev_read,
    .write = testdev_write,
    .min_size = 4,
    .max_size = 4,
};

static const PCIDeviceIds testdev_ids = {
    .vendor_id = 0x1234,
    .device_id = 0x5678,
    .class_code = 0xff0000,
    .revision = 7,
    .interrupt_pin = 1,
};

static bool testdev_realize(DeviceState *dev, Machine *m, Error **errp)
{
    TestPCIDev *d = (TestPCIDev *)dev;
    if (!pci_device_realize(&d->pci, m, &testdev_ids, errp)) {
        return false;
    }
    memory_region_init_io(&d->io_bar, "test-io", &testdev_ops, d, 0x20);
    memory_region_init_io(&d->mem_bar, "test-mem", &testdev_ops, d, 0x1000);
    memory_region_init_io(&d->mem64_bar, "test-mem64", &testdev_ops, d, 0x100000);
    pci_register_bar(&d->pci, 0, PCI_BASE_ADDRESS_SPACE_IO, &d->io_bar);
    pci_register_bar(&d->pci, 1, 0, &d->mem_bar);
    pci_register_bar(&d->pci, 2, PCI_BASE_ADDRESS_MEM_TYPE_64, &d->mem64_bar);
    return true;
}

static void testdev_unrealize(DeviceState *dev)
{
    TestPCIDev *d = (TestPCIDev *)dev;
    pci_device_unrealize(&d->pci);
    memory_region_destroy(&d->io_bar);
    memory_region_destroy(&d->mem_bar);
    memory_region_destroy(&d->mem64_bar);
}

static void testdev_reset(DeviceState *dev)
{
    pci_device_reset(&((TestPCIDev *)dev)->pci);
}

static const VMStateField testdev_fields[] = {
    VMSTATE_STRUCT(pci, TestPCIDev, vmstate_pci_device),
    VMSTATE_END_OF_LIST(),
};

static const VMStateDescription vmstate_testdev = {
    .name = "test-pci-dev",
    .version = 1,
    .fields = testdev_fields,
};

static const Property testdev_props[] = {
    PCI_DEVICE_PROPERTIES(TestPCIDev),
    DEFINE_PROP_END(),
};

static const DeviceInfo testdev_info = {
    .name = "test-pci-dev",
    .desc = "PCI function for tests",
    .instance_size = sizeof(TestPCIDev),
    .props = testdev_props,
    .user_creatable = true,
    .realize = testdev_realize,
    .reset = testdev_reset,
    .unrealize = testdev_unrealize,
    .vmsd = &vmstate_testdev,
};
DEVICE_REGISTER(testdev_info)

/* ---- fixture: i440FX + PIIX3, GSI 16-19 recorded ---- */

typedef struct Fixture {
    Machine *m;
    I440FXState *host;
    PIIX3State *piix;
    int gsi_level[PIIX3_NUM_PIRQS];
    IRQ gsi[PIIX3_NUM_PIRQS];
} Fixture;

static DeviceState *add_device(Machine *m, const char *type, const char *props)
{
    Error *err = NULL;
    DeviceState *dev = machine_add_device(m, type, props, &err);
    if (!dev) {
        g_error("%s: %s", type, error_get_pretty(err));
    }
    return dev;
}

static void record_gsi(void *opaque, int n, int level)
{
    ((Fixture *)opaque)->gsi_level[n - PIIX3_GSI_BASE] = level;
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
    f->m = machine_new("none", 16 << 20);
    f->host = (I440FXState *)add_device(f->m, "i440fx", NULL);
    f->piix = (PIIX3State *)add_device(f->m, "piix3", NULL);
    for (int i = 0; i < PIIX3_NUM_PIRQS; i++) {
        f->gsi_level[i] = -1;
        irq_init(&f->gsi[i], record_gsi, f, PIIX3_GSI_BASE + i);
        piix3_connect_gsi(f->piix, i, &f->gsi[i]);
    }
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    machine_free(f->m);
}

static void select_reg(Fixture *f, int devfn, unsigned reg)
{
    address_space_st(&f->m->io, CONFADD, ENABLE | devfn << 8 | (reg & 0xfc), 4);
}

static uint32_t cfg_read(Fixture *f, int devfn, unsigned reg, unsigned size)
{
    select_reg(f, devfn, reg);
    return address_space_ld(&f->m->io, CONFDATA + (reg & 3), size);
}

static void cfg_write(Fixture *f, int devfn, unsigned reg, uint32_t val, unsigned size)
{
    select_reg(f, devfn, reg);
    address_space_st(&f->m->io, CONFDATA + (reg & 3), val, size);
}

static bool isa_irq(Fixture *f, int irq)
{
    return f->m->isa_irq_level & (1u << irq);
}

static TestPCIDev *plug_testdev(Fixture *f, const char *props)
{
    return (TestPCIDev *)add_device(f->m, "test-pci-dev", props);
}

/* ---- configuration mechanism #1 ---- */

static void test_config_ids(Fixture *f, gconstpointer data)
{
    g_assert_cmphex(cfg_read(f, PCI_DEVFN(0, 0), 0, 4), ==, 0x12378086);
    g_assert_cmphex(cfg_read(f, PCI_DEVFN(1, 0), 0, 4), ==, 0x70008086);
    g_assert_cmphex(cfg_read(f, PCI_DEVFN(0, 0), PCI_CLASS_DEVICE, 2), ==, 0x0600);
    g_assert_cmphex(cfg_read(f, PCI_DEVFN(1, 0), PCI_CLASS_DEVICE, 2), ==, 0x0601);
    g_assert_cmphex(cfg_read(f, PCI_DEVFN(1, 0), PCI_HEADER_TYPE, 1), ==, 0x80);
    g_assert_cmphex(cfg_read(f, PCI_DEVFN(0, 0), PCI_HEADER_TYPE, 1), ==, 0x00);
    /* Absent functions and other buses read as all ones. */
    g_assert_cmphex(cfg_read(f, PCI_DEVFN(0x1f, 0), 0, 4), ==, 0xffffffff);
    g_assert_cmphex(cfg_read(f, PCI_DEVFN(1, 1), 0, 2), ==, 0xffff);
    address_space_st(&f->m->io, CONFADD, ENABLE | 1 << 16, 4);
    g_assert_cmphex(address_space_ld(&f->m->io, CONFDATA, 4), ==, 0xffffffff);
    /* Without the enable bit, no configuration cycle happens. */
    address_space_st(&f->m->io, CONFADD, 0, 4);
    g_assert_cmphex(address_space_ld(&f->m->io, CONFDATA, 4), ==, 0xffffffff);
}

static void test_config_sizes(Fixture *f, gconstpointer data)
{
    /* Every byte and word lane of 0xCFC-0xCFF reaches its register. */
    g_assert_cmphex(cfg_read(f, 0, 0, 1), ==, 0x86);
    g_assert_cmphex(cfg_read(f, 0, 1, 1), ==, 0x80);
    g_assert_cmphex(cfg_read(f, 0, 2, 1), ==, 0x37);
    g_assert_cmphex(cfg_read(f, 0, 3, 1), ==, 0x12);
    g_assert_cmphex(cfg_read(f, 0, 2, 2), ==, 0x1237);
    select_reg(f, 0, 0);
    g_assert_cmphex(address_space_ld(&f->m->io, CONFDATA + 1, 2), ==, 0x3780);
    /* Byte and word writes land on their lane only. */
    cfg_write(f, 0, PCI_LATENCY_TIMER, 0x40, 1);
    cfg_write(f, 0, PCI_CACHE_LINE_SIZE, 0x10, 1);
    g_assert_cmphex(cfg_read(f, 0, PCI_CACHE_LINE_SIZE, 2), ==, 0x4010);
    cfg_write(f, 0, PCI_CACHE_LINE_SIZE, 0x2008, 2);
    g_assert_cmphex(cfg_read(f, 0, PCI_CACHE_LINE_SIZE, 4), ==, 0x00002008);
    /* CONFIG_ADDRESS reads back without its read-only low and reserved bits. */
    address_space_st(&f->m->io, CONFADD, 0xffffffff, 4);
    g_assert_cmphex(address_space_ld(&f->m->io, CONFADD, 4), ==, 0x80fffffc);
}

static void test_config_masks(Fixture *f, gconstpointer data)
{
    TestPCIDev *d = plug_testdev(f, "addr=3");
    int devfn = PCI_DEVFN(3, 0);
    cfg_write(f, devfn, PCI_VENDOR_ID, 0, 4); /* read-only */
    g_assert_cmphex(cfg_read(f, devfn, PCI_VENDOR_ID, 4), ==, 0x56781234);
    g_assert_cmphex(cfg_read(f, devfn, PCI_REVISION_ID, 1), ==, 7);
    g_assert_cmphex(cfg_read(f, devfn, PCI_INTERRUPT_PIN, 1), ==, 1);
    cfg_write(f, devfn, PCI_INTERRUPT_LINE, 0x0b, 1);
    g_assert_cmphex(cfg_read(f, devfn, PCI_INTERRUPT_LINE, 1), ==, 0x0b);
    cfg_write(f, devfn, PCI_INTERRUPT_PIN, 4, 1); /* read-only */
    g_assert_cmphex(cfg_read(f, devfn, PCI_INTERRUPT_PIN, 1), ==, 1);
    /* Status error bits are write-one-to-clear. */
    uint16_t errors = PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_DETECTED_PARITY;
    pci_set_word(d->pci.config + PCI_STATUS, PCI_STATUS_DEVSEL_MEDIUM | errors);
    cfg_write(f, devfn, PCI_STATUS, 0, 2);
    g_assert_cmphex(cfg_read(f, devfn, PCI_STATUS, 2), ==,
                    PCI_STATUS_DEVSEL_MEDIUM | errors);
    cfg_write(f, devfn, PCI_STATUS, PCI_STATUS_DETECTED_PARITY | PCI_STATUS_DEVSEL_MEDIUM,
              2);
    g_assert_cmphex(cfg_read(f, devfn, PCI_STATUS, 2), ==,
                    PCI_STATUS_DEVSEL_MEDIUM | PCI_STATUS_REC_MASTER_ABORT);
    /* Command: only implemented bits stick. */
    cfg_write(f, devfn, PCI_COMMAND, 0xffff, 2);
    g_assert_cmphex(cfg_read(f, devfn, PCI_COMMAND, 2), ==, 0x0547);
}

/* ---- BARs ---- */

static void test_bar_sizing(Fixture *f, gconstpointer data)
{
    plug_testdev(f, "addr=3");
    int devfn = PCI_DEVFN(3, 0);
    g_assert_cmphex(cfg_read(f, devfn, PCI_BASE_ADDRESS_0, 4), ==, 0x1);
    g_assert_cmphex(cfg_read(f, devfn, PCI_BASE_ADDRESS_0 + 8, 4), ==, 0x4);
    for (int n = 0; n < PCI_NUM_BARS; n++) {
        cfg_write(f, devfn, PCI_BASE_ADDRESS_0 + 4 * n, 0xffffffff, 4);
    }
    g_assert_cmphex(cfg_read(f, devfn, PCI_BASE_ADDRESS_0, 4), ==, 0xffffffe1);
    g_assert_cmphex(cfg_read(f, devfn, PCI_BASE_ADDRESS_0 + 4, 4), ==, 0xfffff000);
    g_assert_cmphex(cfg_read(f, devfn, PCI_BASE_ADDRESS_0 + 8, 4), ==, 0xfff00004);
    g_assert_cmphex(cfg_read(f, devfn, PCI_BASE_ADDRESS_0 + 12, 4), ==, 0xffffffff);
    g_assert_cmphex(cfg_read(f, devfn, PCI_BASE_ADDRESS_0 + 16, 4), ==, 0);
    g_assert_cmphex(cfg_read(f, devfn, PCI_BASE_ADDRESS_0 + 20, 4), ==, 0);
    g_assert_cmphex(cfg_read(f, devfn, PCI_ROM_ADDRESS, 4), ==, 0);
}

static void test_bar_mapping(Fixture *f, gconstpointer data)
{
    TestPCIDev *d = plug_testdev(f, "addr=3");
    int devfn = PCI_DEVFN(3, 0);
    AddressSpace *io = &f->m->io, *mem = &f->m->mem;
    cfg_write(f, devfn, PCI_BASE_ADDRESS_0, 0xc000, 4);
    cfg_write(f, devfn, PCI_BASE_ADDRESS_0 + 4, 0xe0000000, 4);
    /* Programmed but not enabled: nothing decodes. */
    g_assert_cmphex(address_space_ld(io, 0xc004, 4), ==, 0xffffffff);
    g_assert_cmphex(pci_bar_address(&d->pci, 0), ==, PCI_BAR_UNMAPPED);

    cfg_write(f, devfn, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY, 2);
    g_assert_cmphex(address_space_ld(io, 0xc004, 4), ==, 0x5a000004);
    g_assert_cmphex(address_space_ld(mem, 0xe0000010, 4), ==, 0x5a000010);
    address_space_st(mem, 0xe0000020, 0x1234, 4);
    g_assert_cmphex(d->last_write, ==, 0x1234);
    g_assert_cmphex(pci_bar_address(&d->pci, 1), ==, 0xe0000000);

    /* Moving a BAR moves the region; disabling decode unmaps it. */
    cfg_write(f, devfn, PCI_BASE_ADDRESS_0, 0xd000, 4);
    g_assert_cmphex(address_space_ld(io, 0xc004, 4), ==, 0xffffffff);
    g_assert_cmphex(address_space_ld(io, 0xd008, 4), ==, 0x5a000008);
    cfg_write(f, devfn, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    g_assert_cmphex(address_space_ld(io, 0xd008, 4), ==, 0xffffffff);
    g_assert_cmphex(address_space_ld(mem, 0xe0000010, 4), ==, 0x5a000010);
    cfg_write(f, devfn, PCI_COMMAND, 0, 2);
    g_assert_cmphex(pci_bar_address(&d->pci, 1), ==, PCI_BAR_UNMAPPED);

    /* Sizing with decode enabled does not leave the BAR at the top of 4 GiB. */
    cfg_write(f, devfn, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY, 2);
    cfg_write(f, devfn, PCI_BASE_ADDRESS_0 + 4, 0xffffffff, 4);
    cfg_write(f, devfn, PCI_BASE_ADDRESS_0, 0xffffffff, 4);
    g_assert_cmphex(pci_bar_address(&d->pci, 0), ==, PCI_BAR_UNMAPPED);
    g_assert_cmphex(pci_bar_address(&d->pci, 1), ==, PCI_BAR_UNMAPPED);
}

static void test_bar_64bit(Fixture *f, gconstpointer data)
{
    TestPCIDev *d = plug_testdev(f, "addr=3");
    int devfn = PCI_DEVFN(3, 0);
    cfg_write(f, devfn, PCI_BASE_ADDRESS_0 + 8, 0x00100000, 4);
    cfg_write(f, devfn, PCI_BASE_ADDRESS_0 + 12, 0x2, 4);
    cfg_write(f, devfn, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    g_assert_cmphex(pci_bar_address(&d->pci, 2), ==, 0x200100000ull);
    g_assert_cmphex(address_space_ld(&f->m->mem, 0x200100040ull, 4), ==, 0x5a000040);
    g_assert_cmphex(cfg_read(f, devfn, PCI_BASE_ADDRESS_0 + 8, 4), ==, 0x00100004);
}

static void test_bar_reset_and_vmstate(Fixture *f, gconstpointer data)
{
    TestPCIDev *d = plug_testdev(f, "addr=3");
    int devfn = PCI_DEVFN(3, 0);
    cfg_write(f, devfn, PCI_BASE_ADDRESS_0, 0xc000, 4);
    cfg_write(f, devfn, PCI_COMMAND, PCI_COMMAND_IO, 2);
    GByteArray *saved = g_byte_array_new();
    vmstate_save(&vmstate_testdev, d, saved);

    machine_reset(f->m);
    g_assert_cmphex(cfg_read(f, devfn, PCI_COMMAND, 2), ==, 0);
    g_assert_cmphex(cfg_read(f, devfn, PCI_BASE_ADDRESS_0, 4), ==, 0x1);
    g_assert_cmphex(address_space_ld(&f->m->io, 0xc000, 4), ==, 0xffffffff);

    size_t pos = 0;
    Error *err = NULL;
    g_assert_true(vmstate_load(&vmstate_testdev, d, saved->data, saved->len, &pos, &err));
    g_assert_cmphex(address_space_ld(&f->m->io, 0xc000, 4), ==, 0x5a000000);
    g_byte_array_free(saved, true);
}

static void test_capabilities(Fixture *f, gconstpointer data)
{
    TestPCIDev *d = plug_testdev(f, "addr=3");
    int devfn = PCI_DEVFN(3, 0);
    uint8_t first = pci_add_capability(&d->pci, 0x09, 6);
    uint8_t second = pci_add_capability(&d->pci, 0x05, 14);
    g_assert_cmpuint(first, ==, 0x40);
    g_assert_cmpuint(second, ==, 0x48);
    g_assert_cmphex(cfg_read(f, devfn, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST, !=, 0);
    g_assert_cmphex(cfg_read(f, devfn, PCI_CAPABILITY_LIST, 1), ==, first);
    g_assert_cmphex(cfg_read(f, devfn, first, 2), ==, second << 8 | 0x09);
    g_assert_cmphex(cfg_read(f, devfn, second, 2), ==, 0x05);
}

/* ---- INTx routing ---- */

static void test_intx_swizzle(Fixture *f, gconstpointer data)
{
    /* Slot 1 INTA# is PIRQA#; each slot rotates by one; slot 0 INTA# is PIRQD#. */
    g_assert_cmpint(piix3_slot_pirq(1, 0), ==, 0);
    g_assert_cmpint(piix3_slot_pirq(1, 3), ==, 3);
    g_assert_cmpint(piix3_slot_pirq(2, 0), ==, 1);
    g_assert_cmpint(piix3_slot_pirq(3, 1), ==, 3);
    g_assert_cmpint(piix3_slot_pirq(5, 0), ==, 0);
    g_assert_cmpint(piix3_slot_pirq(0, 0), ==, 3);
}

static void test_intx_routing(Fixture *f, gconstpointer data)
{
    TestPCIDev *d = plug_testdev(f, "addr=3"); /* INTA# of slot 3: PIRQC# */
    int piix = PCI_DEVFN(1, 0);
    g_assert_cmphex(cfg_read(f, piix, PIIX3_PIRQRC, 4), ==, 0x80808080);
    cfg_write(f, piix, PIIX3_PIRQRC + 2, 11, 1);

    pci_set_irq(&d->pci, 1);
    g_assert_true(isa_irq(f, 11));
    g_assert_cmpint(f->gsi_level[2], ==, 1);
    g_assert_cmpint(f->gsi_level[0], ==, 0);
    g_assert_cmphex(d->pci.config[PCI_STATUS] & PCI_STATUS_INTERRUPT, !=, 0);

    /* Rerouting moves the asserted line; disabling the route drops it. */
    cfg_write(f, piix, PIIX3_PIRQRC + 2, 10, 1);
    g_assert_false(isa_irq(f, 11));
    g_assert_true(isa_irq(f, 10));
    cfg_write(f, piix, PIIX3_PIRQRC + 2, 0x8a, 1);
    g_assert_false(isa_irq(f, 10));
    g_assert_cmpint(f->gsi_level[2], ==, 1); /* the IOAPIC's wire stays */

    /* Reserved IRQ encodings route nowhere. */
    cfg_write(f, piix, PIIX3_PIRQRC + 2, 0x0d, 1);
    g_assert_cmphex(f->m->isa_irq_level, ==, 0);
    cfg_write(f, piix, PIIX3_PIRQRC + 2, 5, 1);
    g_assert_true(isa_irq(f, 5));

    pci_set_irq(&d->pci, 0);
    g_assert_false(isa_irq(f, 5));
    g_assert_cmpint(f->gsi_level[2], ==, 0);
    g_assert_cmphex(d->pci.config[PCI_STATUS] & PCI_STATUS_INTERRUPT, ==, 0);
}

static void test_intx_disable_and_sharing(Fixture *f, gconstpointer data)
{
    TestPCIDev *a = plug_testdev(f, "addr=3");
    TestPCIDev *b = plug_testdev(f, "addr=7"); /* (7 - 1) & 3 = 2: PIRQC# as well */
    cfg_write(f, PCI_DEVFN(1, 0), PIIX3_PIRQRC + 2, 11, 1);
    pci_set_irq(&a->pci, 1);
    pci_set_irq(&b->pci, 1);
    pci_set_irq(&a->pci, 0);
    g_assert_true(isa_irq(f, 11)); /* b still holds the shared line */

    cfg_write(f, PCI_DEVFN(7, 0), PCI_COMMAND, PCI_COMMAND_INTX_DISABLE, 2);
    g_assert_false(isa_irq(f, 11));
    g_assert_cmpint(f->gsi_level[2], ==, 0);
    g_assert_cmphex(b->pci.config[PCI_STATUS] & PCI_STATUS_INTERRUPT, !=, 0);
    cfg_write(f, PCI_DEVFN(7, 0), PCI_COMMAND, 0, 2);
    g_assert_true(isa_irq(f, 11));

    machine_reset(f->m); /* reset lowers INTx and disables the routes */
    g_assert_false(isa_irq(f, 11));
    g_assert_cmpint(f->gsi_level[2], ==, 0);
}

/* ---- -device placement ---- */

static DeviceState *plug_from_opts(Fixture *f, const char *opts, Error **errp)
{
    bool help = false;
    DeviceState *dev = device_new_from_opts(opts, &help, errp);
    if (dev && !machine_plug_device(f->m, dev, errp)) {
        device_free(dev);
        return NULL;
    }
    return dev;
}

static void test_device_placement(Fixture *f, gconstpointer data)
{
    Error *err = NULL;
    g_assert_nonnull(plug_from_opts(f, "test-pci-dev,addr=05.2", &err));
    g_assert_cmphex(cfg_read(f, PCI_DEVFN(5, 2), 0, 4), ==, 0x56781234);
    g_assert_nonnull(plug_from_opts(f, "test-pci-dev,bus=pci.0,addr=0x1f", &err));
    g_assert_cmphex(cfg_read(f, PCI_DEVFN(0x1f, 0), 0, 4), ==, 0x56781234);
    g_assert_nonnull(plug_from_opts(f, "test-pci-dev", &err)); /* first free: 02.0 */
    g_assert_cmphex(cfg_read(f, PCI_DEVFN(2, 0), 0, 4), ==, 0x56781234);

    g_assert_null(plug_from_opts(f, "test-pci-dev,addr=1.0", &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "taken by 'piix3'"));
    error_free(err);
    err = NULL;
    g_assert_null(plug_from_opts(f, "test-pci-dev,addr=20", &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "invalid PCI address"));
    error_free(err);
    err = NULL;
    g_assert_null(plug_from_opts(f, "test-pci-dev,addr=3.8", &err));
    error_free(err);
    err = NULL;
    g_assert_null(plug_from_opts(f, "test-pci-dev,bus=pci.1", &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "'pci.1' not found"));
    error_free(err);
}

static void test_no_bus(void)
{
    Machine *m = machine_new("none", 1 << 20);
    Error *err = NULL;
    g_assert_null(machine_add_device(m, "test-pci-dev", NULL, &err));
    g_assert_nonnull(err);
    error_free(err);
    machine_free(m);
}

/* ---- i440FX extras: reset control, PAM ---- */

static void test_reset_control(Fixture *f, gconstpointer data)
{
    runstate_take_reset_request();
    address_space_st(&f->m->io, I440FX_RESET_CONTROL, 0x02, 1);
    g_assert_false(runstate_take_reset_request());
    g_assert_cmphex(address_space_ld(&f->m->io, I440FX_RESET_CONTROL, 1), ==, 0x02);
    address_space_st(&f->m->io, I440FX_RESET_CONTROL, 0x06, 1);
    g_assert_true(runstate_take_reset_request());
    /* A dword at 0xCF8 is CONFIG_ADDRESS, never the reset register. */
    address_space_st(&f->m->io, CONFADD, 0x06060606, 4);
    g_assert_false(runstate_take_reset_request());
}

static void record_pam(void *opaque, const uint8_t *pam)
{
    memcpy(opaque, pam, I440FX_PAM_REGS);
}

static void test_pam(Fixture *f, gconstpointer data)
{
    uint8_t pam[I440FX_PAM_REGS];
    memset(pam, 0xee, sizeof(pam));
    i440fx_set_pam_handler(f->host, record_pam, pam);
    g_assert_cmphex(pam[0], ==, 0);
    cfg_write(f, 0, I440FX_PAM0, 0x33, 1);
    g_assert_cmphex(pam[0], ==, 0x30);               /* PAM0 has no low nibble */
    cfg_write(f, 0, I440FX_PAM0 + 3, 0x33333333, 4); /* PAM3..PAM6 */
    g_assert_cmphex(pam[3], ==, 0x33);
    g_assert_cmphex(pam[6], ==, 0x33);
    g_assert_cmphex(cfg_read(f, 0, I440FX_PAM0 + 4, 1), ==, 0x33);
    machine_reset(f->m);
    g_assert_cmphex(pam[1], ==, 0);
}

#define ADD(name, fn) g_test_add(name, Fixture, NULL, fixture_setup, fn, fixture_teardown)

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    ADD("/pci/config/ids", test_config_ids);
    ADD("/pci/config/access-sizes", test_config_sizes);
    ADD("/pci/config/masks", test_config_masks);
    ADD("/pci/bar/sizing", test_bar_sizing);
    ADD("/pci/bar/mapping", test_bar_mapping);
    ADD("/pci/bar/64bit", test_bar_64bit);
    ADD("/pci/bar/reset-and-vmstate", test_bar_reset_and_vmstate);
    ADD("/pci/capabilities", test_capabilities);
    ADD("/pci/intx/swizzle", test_intx_swizzle);
    ADD("/pci/intx/routing", test_intx_routing);
    ADD("/pci/intx/disable-and-sharing", test_intx_disable_and_sharing);
    ADD("/pci/device/placement", test_device_placement);
    g_test_add_func("/pci/device/no-bus", test_no_bus);
    ADD("/pci/i440fx/reset-control", test_reset_control);
    ADD("/pci/i440fx/pam", test_pam);
    return g_test_run();
}
