/* Device tests for the 82093AA IOAPIC, delivering to a real local APIC and CPU. */
#include "hw/intc/apic.h"
#include "hw/intc/ioapic.h"
#include "hw/machine.h"
#include "system/clock.h"
#include "system/icount.h"
#include "target/i386/cpu.h"

/* Registers and bits, spelled out independently of hw/intc/ioapic.c. */
#define IOAPIC_BASE 0xfec00000u
#define LAPIC_BASE  0xfee00000u
enum { IOREGSEL = 0x00, IOWIN = 0x10 };
enum { REG_ID = 0, REG_VER = 1, REG_ARB = 2, REG_REDTBL = 0x10 };
enum { LOGICAL = 1 << 11, REMOTE_IRR = 1 << 14, LEVEL = 1 << 15, MASKED = 1 << 16 };
enum { DM_NMI = 4 << 8, DM_EXTINT = 7 << 8, LAPIC_EOI = 0xb0, LAPIC_LDR = 0xd0 };

typedef struct Fixture {
    Machine *m;
    CPUX86State *cpu;
    APICState *apic;
    DeviceState *ioapic_dev;
    IOAPICState *ioapic;
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

static int fake_pic_ack(void *opaque)
{
    return 0x2b;
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
    icount = (IcountState){.enabled = true, .shift = 0};
    f->m = machine_new("pc", 1 << 20);
    f->cpu = cpu_x86_new(f->m);
    f->m->cpu = f->cpu;
    add_device(f->m, "apic", NULL);
    f->apic = f->cpu->apic;
    apic_set_extint_source(f->apic, fake_pic_ack, f);
    f->ioapic_dev = add_device(f->m, "ioapic", NULL);
    f->ioapic = (IOAPICState *)f->ioapic_dev;
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    machine_free(f->m);
    cpu_x86_free(f->cpu);
}

static uint32_t io_rd(Fixture *f, uint8_t reg)
{
    address_space_st(&f->m->mem, IOAPIC_BASE + IOREGSEL, reg, 4);
    return address_space_ld(&f->m->mem, IOAPIC_BASE + IOWIN, 4);
}

static void io_wr(Fixture *f, uint8_t reg, uint32_t val)
{
    address_space_st(&f->m->mem, IOAPIC_BASE + IOREGSEL, reg, 4);
    address_space_st(&f->m->mem, IOAPIC_BASE + IOWIN, val, 4);
}

static void set_rte(Fixture *f, int pin, uint32_t lo, uint8_t dest)
{
    io_wr(f, REG_REDTBL + 2 * pin + 1, (uint32_t)dest << 24);
    io_wr(f, REG_REDTBL + 2 * pin, lo);
}

static uint32_t rte_lo(Fixture *f, int pin)
{
    return io_rd(f, REG_REDTBL + 2 * pin);
}

static void pin(Fixture *f, int gsi, int level)
{
    ioapic_set_irq(f->ioapic, gsi, level);
}

static bool intr(Fixture *f)
{
    return f->cpu->irq_line;
}

static int ack(Fixture *f)
{
    return f->cpu->get_irq(f->cpu->get_irq_opaque);
}

static void lapic_eoi(Fixture *f)
{
    address_space_st(&f->m->mem, LAPIC_BASE + LAPIC_EOI, 0, 4);
}

static void test_registers(Fixture *f, gconstpointer data)
{
    g_assert_cmphex(io_rd(f, REG_ID), ==, 0x01000000);
    g_assert_cmphex(io_rd(f, REG_VER), ==, 0x00170011);
    g_assert_cmphex(io_rd(f, REG_ARB), ==, 0x01000000);
    io_wr(f, REG_ID, 0xffffffff);
    g_assert_cmphex(io_rd(f, REG_ID), ==, 0x0f000000);
    g_assert_cmphex(io_rd(f, REG_ARB), ==, 0x0f000000);
    io_wr(f, REG_VER, 0);
    g_assert_cmphex(io_rd(f, REG_VER), ==, 0x00170011);
    for (int i = 0; i < IOAPIC_NUM_PINS; i++) {
        g_assert_cmphex(rte_lo(f, i), ==, MASKED);
        g_assert_cmphex(io_rd(f, REG_REDTBL + 2 * i + 1), ==, 0);
    }
    /* Delivery Status and Remote IRR are read-only; bits 17-55 are reserved. */
    io_wr(f, REG_REDTBL + 2 * 23, 0xffffffff);
    io_wr(f, REG_REDTBL + 2 * 23 + 1, 0xffffffff);
    g_assert_cmphex(rte_lo(f, 23), ==, 0x1afff);
    g_assert_cmphex(io_rd(f, REG_REDTBL + 2 * 23 + 1), ==, 0xff000000);
    address_space_st(&f->m->mem, IOAPIC_BASE + IOREGSEL, 0x12, 4);
    g_assert_cmphex(address_space_ld(&f->m->mem, IOAPIC_BASE + IOREGSEL, 4), ==, 0x12);
    g_assert_cmphex(io_rd(f, 0x40), ==, 0); /* past the table */
}

static void test_edge(Fixture *f, gconstpointer data)
{
    set_rte(f, 5, 0x35, 0);
    pin(f, 5, 1);
    g_assert_true(intr(f));
    g_assert_cmpint(ack(f), ==, 0x35);
    lapic_eoi(f);
    g_assert_false(intr(f)); /* a held line is one edge */
    g_assert_cmphex(rte_lo(f, 5), ==, 0x35);
    pin(f, 5, 0);
    pin(f, 5, 1);
    g_assert_cmpint(ack(f), ==, 0x35);
    lapic_eoi(f);
    pin(f, 5, 0);
    /* Edges on a masked pin are lost, not held. */
    set_rte(f, 5, MASKED | 0x35, 0);
    pin(f, 5, 1);
    g_assert_false(intr(f));
    set_rte(f, 5, 0x35, 0);
    g_assert_false(intr(f));
}

static void test_level(Fixture *f, gconstpointer data)
{
    set_rte(f, 9, LEVEL | 0x49, 0);
    pin(f, 9, 1);
    g_assert_true(intr(f));
    g_assert_cmphex(rte_lo(f, 9), ==, REMOTE_IRR | LEVEL | 0x49);
    g_assert_cmpint(ack(f), ==, 0x49);
    g_assert_false(intr(f)); /* in service; Remote IRR blocks a second message */
    lapic_eoi(f);
    /* Still asserted at EOI: delivered again. */
    g_assert_true(intr(f));
    g_assert_cmphex(rte_lo(f, 9), ==, REMOTE_IRR | LEVEL | 0x49);
    g_assert_cmpint(ack(f), ==, 0x49);
    pin(f, 9, 0);
    lapic_eoi(f);
    g_assert_cmphex(rte_lo(f, 9), ==, LEVEL | 0x49);
    g_assert_false(intr(f));
}

static void test_level_mask(Fixture *f, gconstpointer data)
{
    set_rte(f, 10, MASKED | LEVEL | 0x4a, 0);
    pin(f, 10, 1);
    g_assert_false(intr(f));
    g_assert_cmphex(rte_lo(f, 10), ==, MASKED | LEVEL | 0x4a);
    set_rte(f, 10, LEVEL | 0x4a, 0); /* unmasked while asserted */
    g_assert_true(intr(f));
    g_assert_cmpint(ack(f), ==, 0x4a);
    /* Masking after acceptance does not recall it; EOI still clears Remote IRR. */
    set_rte(f, 10, MASKED | LEVEL | 0x4a, 0);
    g_assert_cmphex(rte_lo(f, 10), ==, REMOTE_IRR | MASKED | LEVEL | 0x4a);
    lapic_eoi(f);
    g_assert_cmphex(rte_lo(f, 10), ==, MASKED | LEVEL | 0x4a);
    g_assert_false(intr(f));
}

static void test_edge_clears_remote_irr(Fixture *f, gconstpointer data)
{
    set_rte(f, 11, LEVEL | 0x4b, 0);
    pin(f, 11, 1);
    g_assert_cmphex(rte_lo(f, 11) & REMOTE_IRR, ==, REMOTE_IRR);
    set_rte(f, 11, 0x4b, 0);
    g_assert_cmphex(rte_lo(f, 11), ==, 0x4b);
}

static void test_destinations(Fixture *f, gconstpointer data)
{
    set_rte(f, 4, 0x34, 2); /* physical APIC ID 2: not on this machine */
    pin(f, 4, 1);
    g_assert_false(intr(f));
    pin(f, 4, 0);
    address_space_st(&f->m->mem, LAPIC_BASE + LAPIC_LDR, 0x01000000, 4);
    set_rte(f, 4, LOGICAL | 0x34, 0x02);
    pin(f, 4, 1);
    g_assert_false(intr(f));
    pin(f, 4, 0);
    set_rte(f, 4, LOGICAL | 0x34, 0x01);
    pin(f, 4, 1);
    g_assert_true(intr(f));
    g_assert_cmpint(ack(f), ==, 0x34);
    lapic_eoi(f);
    pin(f, 4, 0);
    set_rte(f, 4, 0x34, 0xff); /* broadcast */
    pin(f, 4, 1);
    g_assert_cmpint(ack(f), ==, 0x34);
}

static void test_nmi_and_extint(Fixture *f, gconstpointer data)
{
    set_rte(f, 3, DM_NMI, 0);
    pin(f, 3, 1);
    g_assert_true(f->cpu->nmi_pending);
    set_rte(f, 0, DM_EXTINT, 0);
    pin(f, 0, 1);
    g_assert_true(intr(f));
    g_assert_cmpint(ack(f), ==, 0x2b); /* the vector comes from the 8259 */
    g_assert_false(intr(f));
}

static void test_vmstate(Fixture *f, gconstpointer data)
{
    g_autoptr(GByteArray) buf = g_byte_array_new();
    const VMStateDescription *vmsd = f->ioapic_dev->info->vmsd;
    Error *err = NULL;
    size_t pos = 0;

    io_wr(f, REG_ID, 0x03000000);
    set_rte(f, 7, LEVEL | 0x47, 0);
    set_rte(f, 8, 0x48, 0x55);
    pin(f, 7, 1);
    g_assert_cmpint(ack(f), ==, 0x47);
    vmstate_save(vmsd, f->ioapic_dev, buf);
    device_reset(f->ioapic_dev);
    g_assert_cmphex(rte_lo(f, 7), ==, MASKED);
    g_assert_true(vmstate_load(vmsd, f->ioapic_dev, buf->data, buf->len, &pos, &err));
    g_assert_cmphex(io_rd(f, REG_ID), ==, 0x03000000);
    g_assert_cmphex(rte_lo(f, 7), ==, REMOTE_IRR | LEVEL | 0x47);
    g_assert_cmphex(io_rd(f, REG_REDTBL + 2 * 8 + 1), ==, 0x55000000);
    /* The restored line level and Remote IRR carry on: EOI redelivers. */
    lapic_eoi(f);
    g_assert_true(intr(f));
    g_assert_cmpint(ack(f), ==, 0x47);
}

static void test_realize_errors(void)
{
    Machine *m = machine_new("pc", 1 << 20);
    CPUX86State *cpu = cpu_x86_new(m);
    Error *err = NULL;

    g_assert_null(machine_add_device(m, "ioapic", NULL, &err)); /* no CPU */
    error_free(err);
    err = NULL;
    m->cpu = cpu;
    g_assert_null(machine_add_device(m, "ioapic", NULL, &err)); /* no local APIC */
    error_free(err);
    err = NULL;
    add_device(m, "apic", NULL);
    g_assert_null(machine_add_device(m, "ioapic", "ioapic-id=16", &err));
    error_free(err);
    machine_free(m);
    cpu_x86_free(cpu);
}

static void add(const char *name, void (*fn)(Fixture *, gconstpointer))
{
    g_test_add(name, Fixture, NULL, fixture_setup, fn, fixture_teardown);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    add("/ioapic/registers", test_registers);
    add("/ioapic/edge", test_edge);
    add("/ioapic/level", test_level);
    add("/ioapic/level-mask", test_level_mask);
    add("/ioapic/edge-clears-remote-irr", test_edge_clears_remote_irr);
    add("/ioapic/destinations", test_destinations);
    add("/ioapic/nmi-extint", test_nmi_and_extint);
    add("/ioapic/vmstate", test_vmstate);
    g_test_add_func("/ioapic/realize-errors", test_realize_errors);
    return g_test_run();
}
