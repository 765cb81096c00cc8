/* Device tests for the cascaded 8259A pair (i8259): init sequences, priorities, EOIs. */
#include "hw/intc/i8259.h"
#include "hw/machine.h"

/* Ports and command bytes, spelled out independently of hw/intc/i8259.c. */
enum { MASTER_CMD = 0x20, MASTER_DATA = 0x21, SLAVE_CMD = 0xa0, SLAVE_DATA = 0xa1 };
enum { ELCR1 = 0x4d0, ELCR2 = 0x4d1 };
enum { OCW3_READ_IRR = 0x0a, OCW3_READ_ISR = 0x0b, OCW3_POLL = 0x0c };
enum { OCW3_SET_SMM = 0x68, OCW3_CLEAR_SMM = 0x48 };
enum { EOI = 0x20, SPECIFIC_EOI = 0x60, ROTATE_EOI = 0xa0, ROTATE_SPECIFIC_EOI = 0xe0 };
enum { SET_PRIORITY = 0xc0, ROTATE_AEOI_SET = 0x80, ROTATE_AEOI_CLEAR = 0x00 };

typedef struct Fixture {
    Machine *m;
    PICState *pic;
    bool intr;
    int intr_rises;
} Fixture;

static void record_intr(void *opaque, int n, int level)
{
    Fixture *f = opaque;

    f->intr_rises += level && !f->intr;
    f->intr = level;
}

static void fixture_setup(Fixture *f, gconstpointer data)
{
    Error *err = NULL;

    f->m = machine_new("none", 1 << 20);
    if (!machine_add_device(f->m, "i8259", NULL, &err)) {
        g_error("i8259: %s", error_get_pretty(err));
    }
    f->pic = i8259_find(f->m);
    g_assert_nonnull(f->pic);
    i8259_connect_isa_irqs(f->pic, f->m);
    f->intr = false;
    f->intr_rises = 0;
    i8259_connect_intr(f->pic, record_intr, f);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    machine_free(f->m);
}

static uint8_t in(Fixture *f, uint16_t port)
{
    return address_space_ld(&f->m->io, port, 1);
}

static void out(Fixture *f, uint16_t port, uint8_t val)
{
    address_space_st(&f->m->io, port, val, 1);
}

static void set_irq(Fixture *f, int n, int level)
{
    irq_set(&f->m->isa_irq[n], level);
}

/* init_8259A() in Linux's arch/x86/kernel/i8259.c: vectors 0x30 and 0x38. */
static void linux_init(Fixture *f, uint8_t master_icw4)
{
    out(f, MASTER_DATA, 0xff);
    out(f, SLAVE_DATA, 0xff);
    out(f, MASTER_CMD, 0x11);
    out(f, MASTER_DATA, 0x30);
    out(f, MASTER_DATA, 0x04);
    out(f, MASTER_DATA, master_icw4);
    out(f, SLAVE_CMD, 0x11);
    out(f, SLAVE_DATA, 0x38);
    out(f, SLAVE_DATA, 0x02);
    out(f, SLAVE_DATA, 0x01);
    out(f, MASTER_DATA, 0x00);
    out(f, SLAVE_DATA, 0x00);
}

static uint8_t read_isr(Fixture *f, uint16_t cmd)
{
    uint8_t val;

    out(f, cmd, OCW3_READ_ISR);
    val = in(f, cmd);
    out(f, cmd, OCW3_READ_IRR);
    return val;
}

static int ack(Fixture *f)
{
    return i8259_acknowledge(f->pic);
}

/* ---- init ---- */

static void test_reset_masked(Fixture *f, gconstpointer data)
{
    g_assert_cmphex(in(f, MASTER_DATA), ==, 0xff);
    g_assert_cmphex(in(f, SLAVE_DATA), ==, 0xff);
    set_irq(f, 1, 1);
    g_assert_false(f->intr);
    g_assert_cmphex(in(f, MASTER_CMD), ==, 0x02); /* IRR sees it; the mask holds it */
}

static void test_linux_init_and_probe(Fixture *f, gconstpointer data)
{
    linux_init(f, 0x01);
    /* probe_8259A(): the IMR reads back what was written. */
    out(f, MASTER_DATA, 0xa5);
    g_assert_cmphex(in(f, MASTER_DATA), ==, 0xa5);
    out(f, MASTER_DATA, 0x00);

    set_irq(f, 1, 1);
    g_assert_true(f->intr);
    g_assert_cmpint(ack(f), ==, 0x31);
    g_assert_false(f->intr);
    g_assert_cmphex(read_isr(f, MASTER_CMD), ==, 0x02);
    g_assert_cmphex(in(f, MASTER_CMD), ==, 0x00); /* IRR: the edge was consumed */
    set_irq(f, 1, 0);
    out(f, MASTER_CMD, SPECIFIC_EOI | 1); /* what mask_and_ack_8259A() sends */
    g_assert_cmphex(read_isr(f, MASTER_CMD), ==, 0x00);
    g_assert_false(f->intr);
}

/* A PC BIOS: vectors 0x08 and 0x70, ICW1 with IC4, 8086 mode. */
static void test_bios_init(Fixture *f, gconstpointer data)
{
    static const uint8_t seq[] = {0x11, 0x08, 0x04, 0x01};
    static const uint8_t slave_seq[] = {0x11, 0x70, 0x02, 0x01};

    for (size_t i = 0; i < ARRAY_SIZE(seq); i++) {
        out(f, i ? MASTER_DATA : MASTER_CMD, seq[i]);
        out(f, i ? SLAVE_DATA : SLAVE_CMD, slave_seq[i]);
    }
    g_assert_cmphex(in(f, MASTER_DATA), ==, 0x00); /* ICW1 cleared the IMR */
    out(f, MASTER_DATA, 0xb8);
    out(f, SLAVE_DATA, 0x8e);
    set_irq(f, 0, 1);
    g_assert_cmpint(ack(f), ==, 0x08);
    set_irq(f, 8, 1);
    out(f, MASTER_CMD, EOI);
    g_assert_cmpint(ack(f), ==, 0x70);
    g_assert_cmphex(read_isr(f, MASTER_CMD), ==, 0x04);
    g_assert_cmphex(read_isr(f, SLAVE_CMD), ==, 0x01);
}

/* An input that is already high needs a new rising edge after ICW1. */
static void test_icw1_resets_edge_sense(Fixture *f, gconstpointer data)
{
    set_irq(f, 4, 1);
    linux_init(f, 0x01);
    g_assert_false(f->intr);
    set_irq(f, 4, 0);
    set_irq(f, 4, 1);
    g_assert_cmpint(ack(f), ==, 0x34);
}

/* ---- priorities and EOI ---- */

static void test_fully_nested_priority(Fixture *f, gconstpointer data)
{
    linux_init(f, 0x01);
    set_irq(f, 5, 1);
    set_irq(f, 3, 1);
    g_assert_cmpint(ack(f), ==, 0x33);
    g_assert_false(f->intr); /* IR5 waits for IR3's EOI */
    set_irq(f, 1, 1);
    g_assert_true(f->intr); /* IR1 is higher: it nests */
    g_assert_cmpint(ack(f), ==, 0x31);
    g_assert_cmphex(read_isr(f, MASTER_CMD), ==, 0x0a);
    out(f, MASTER_CMD, EOI); /* non-specific: the highest, IR1 */
    g_assert_cmphex(read_isr(f, MASTER_CMD), ==, 0x08);
    g_assert_false(f->intr);
    out(f, MASTER_CMD, EOI);
    g_assert_true(f->intr);
    g_assert_cmpint(ack(f), ==, 0x35);
}

static void test_slave_cascade(Fixture *f, gconstpointer data)
{
    linux_init(f, 0x01);
    set_irq(f, 12, 1);
    g_assert_true(f->intr);
    g_assert_cmphex(in(f, MASTER_CMD), ==, 0x04); /* the slave's INT on IR2 */
    g_assert_cmpint(ack(f), ==, 0x3c);
    g_assert_cmphex(read_isr(f, MASTER_CMD), ==, 0x04);
    g_assert_cmphex(read_isr(f, SLAVE_CMD), ==, 0x10);
    set_irq(f, 3, 1);
    g_assert_false(f->intr); /* below IR2 in service on the master */
    set_irq(f, 12, 0);
    out(f, SLAVE_CMD, SPECIFIC_EOI | 4);
    out(f, MASTER_CMD, SPECIFIC_EOI | 2);
    g_assert_cmpint(ack(f), ==, 0x33);
}

static void test_rotation(Fixture *f, gconstpointer data)
{
    linux_init(f, 0x01);
    set_irq(f, 0, 1);
    g_assert_cmpint(ack(f), ==, 0x30);
    set_irq(f, 0, 0);
    out(f, MASTER_CMD, ROTATE_EOI); /* IR0 becomes the lowest priority */
    set_irq(f, 0, 1);
    set_irq(f, 4, 1);
    g_assert_cmpint(ack(f), ==, 0x34);
    out(f, MASTER_CMD, ROTATE_SPECIFIC_EOI | 4); /* now IR5 is the highest */
    set_irq(f, 6, 1);
    g_assert_cmpint(ack(f), ==, 0x36);
    out(f, MASTER_CMD, SPECIFIC_EOI | 6);
    out(f, MASTER_CMD, SET_PRIORITY | 7); /* back to IR0 highest */
    set_irq(f, 6, 0);
    set_irq(f, 6, 1);
    g_assert_cmpint(ack(f), ==, 0x30);
}

static void test_auto_eoi(Fixture *f, gconstpointer data)
{
    linux_init(f, 0x03);
    set_irq(f, 3, 1);
    set_irq(f, 5, 1);
    g_assert_cmpint(ack(f), ==, 0x33);
    g_assert_cmphex(read_isr(f, MASTER_CMD), ==, 0x00);
    g_assert_cmpint(ack(f), ==, 0x35); /* nothing in service blocks IR5 */

    out(f, MASTER_CMD, ROTATE_AEOI_SET);
    set_irq(f, 3, 0);
    set_irq(f, 5, 0);
    set_irq(f, 3, 1);
    g_assert_cmpint(ack(f), ==, 0x33); /* IR3 goes to the bottom */
    set_irq(f, 3, 0);
    set_irq(f, 1, 1);
    set_irq(f, 4, 1);
    g_assert_cmpint(ack(f), ==, 0x34);
    g_assert_cmpint(ack(f), ==, 0x31);
    out(f, MASTER_CMD, ROTATE_AEOI_CLEAR);
}

static void test_masks(Fixture *f, gconstpointer data)
{
    linux_init(f, 0x01);
    out(f, MASTER_DATA, 0x10);
    set_irq(f, 4, 1);
    g_assert_false(f->intr);
    g_assert_cmphex(in(f, MASTER_CMD), ==, 0x10); /* requested, masked */
    out(f, MASTER_DATA, 0x00);
    g_assert_true(f->intr);
    g_assert_cmpint(ack(f), ==, 0x34);

    /* Masking the cascade input hides every slave request. */
    out(f, MASTER_DATA, 0x04);
    set_irq(f, 9, 1);
    g_assert_false(f->intr);
    out(f, MASTER_DATA, 0x00);
    g_assert_true(f->intr);
}

static void test_special_mask_mode(Fixture *f, gconstpointer data)
{
    linux_init(f, 0x01);
    set_irq(f, 3, 1);
    g_assert_cmpint(ack(f), ==, 0x33);
    set_irq(f, 6, 1);
    g_assert_false(f->intr);
    /* A handler lets lower priorities in: mask itself, special mask mode. */
    out(f, MASTER_DATA, 0x08);
    out(f, MASTER_CMD, OCW3_SET_SMM);
    g_assert_true(f->intr);
    g_assert_cmpint(ack(f), ==, 0x36);
    set_irq(f, 6, 0);
    set_irq(f, 6, 1);
    g_assert_false(f->intr); /* IR6's own IS bit still inhibits it */
    /* A non-specific EOI skips IR3: its mask bit is set in special mask mode. */
    out(f, MASTER_CMD, EOI);
    g_assert_cmphex(read_isr(f, MASTER_CMD), ==, 0x08);
    g_assert_true(f->intr);
    out(f, MASTER_CMD, OCW3_CLEAR_SMM);
    out(f, MASTER_DATA, 0x00);
    out(f, MASTER_CMD, EOI);
    g_assert_cmphex(read_isr(f, MASTER_CMD), ==, 0x00);
}

/* In SFNM, higher priority slave requests nest under a slave request in service. */
static void test_special_fully_nested(Fixture *f, gconstpointer data)
{
    linux_init(f, 0x11);
    set_irq(f, 12, 1);
    g_assert_cmpint(ack(f), ==, 0x3c);
    set_irq(f, 9, 1);
    g_assert_true(f->intr);
    g_assert_cmpint(ack(f), ==, 0x39);
    g_assert_cmphex(read_isr(f, SLAVE_CMD), ==, 0x12);
    set_irq(f, 3, 1);
    g_assert_false(f->intr); /* master priorities are still honoured */
}

static void test_no_nesting_without_sfnm(Fixture *f, gconstpointer data)
{
    linux_init(f, 0x01);
    set_irq(f, 12, 1);
    g_assert_cmpint(ack(f), ==, 0x3c);
    set_irq(f, 9, 1);
    g_assert_false(f->intr);
}

/* ---- spurious, poll, ELCR ---- */

static void test_spurious_irq7(Fixture *f, gconstpointer data)
{
    linux_init(f, 0x01);
    set_irq(f, 4, 1);
    g_assert_true(f->intr);
    set_irq(f, 4, 0); /* gone before INTA */
    g_assert_false(f->intr);
    g_assert_cmpint(ack(f), ==, 0x37);
    g_assert_cmphex(read_isr(f, MASTER_CMD), ==, 0x00); /* no IS bit for a spurious */

    /* A slave request that vanishes takes the master's IR2 request with it. */
    set_irq(f, 11, 1);
    set_irq(f, 11, 0);
    g_assert_cmpint(ack(f), ==, 0x37);
    g_assert_cmphex(read_isr(f, SLAVE_CMD), ==, 0x00);
    g_assert_cmpint(i8259_cpu_get_irq(f->pic), ==, 0x37);
}

static void test_poll(Fixture *f, gconstpointer data)
{
    linux_init(f, 0x01);
    out(f, MASTER_CMD, OCW3_POLL);
    g_assert_cmphex(in(f, MASTER_DATA), ==, 0x00); /* no request */
    g_assert_cmphex(in(f, MASTER_DATA), ==, 0x00); /* an IMR read again */
    set_irq(f, 5, 1);
    set_irq(f, 10, 1);
    out(f, MASTER_CMD, OCW3_POLL);
    g_assert_cmphex(in(f, MASTER_CMD), ==, 0x82);
    out(f, SLAVE_CMD, OCW3_POLL);
    g_assert_cmphex(in(f, SLAVE_CMD), ==, 0x82);
    g_assert_cmphex(read_isr(f, MASTER_CMD), ==, 0x04);
    g_assert_cmphex(read_isr(f, SLAVE_CMD), ==, 0x04);
}

static void test_elcr_level(Fixture *f, gconstpointer data)
{
    linux_init(f, 0x01);
    out(f, ELCR1, 0xff);
    out(f, ELCR2, 0xff);
    g_assert_cmphex(in(f, ELCR1), ==, 0xf8); /* IRQ 0, 1, 2 stay edge */
    g_assert_cmphex(in(f, ELCR2), ==, 0xde); /* IRQ 8 and 13 stay edge */
    out(f, ELCR1, 0x00);
    out(f, ELCR2, 0x04); /* IRQ 10 level triggered */

    set_irq(f, 10, 1);
    g_assert_cmpint(ack(f), ==, 0x3a);
    out(f, SLAVE_CMD, EOI);
    out(f, MASTER_CMD, EOI);
    g_assert_true(f->intr); /* still high: it requests again */
    g_assert_cmpint(ack(f), ==, 0x3a);
    set_irq(f, 10, 0);
    out(f, SLAVE_CMD, EOI);
    out(f, MASTER_CMD, EOI);
    g_assert_false(f->intr);

    /* An edge-triggered input held high asks once. */
    set_irq(f, 11, 1);
    g_assert_cmpint(ack(f), ==, 0x3b);
    out(f, SLAVE_CMD, EOI);
    out(f, MASTER_CMD, EOI);
    g_assert_false(f->intr);
}

static void test_elcr_switch_to_level(Fixture *f, gconstpointer data)
{
    linux_init(f, 0x01);
    set_irq(f, 5, 1);
    g_assert_cmpint(ack(f), ==, 0x35);
    out(f, MASTER_CMD, EOI);
    g_assert_false(f->intr);
    out(f, ELCR1, 0x20); /* the line is high: as a level it requests */
    g_assert_true(f->intr);
}

/* Lines already high when the PIC takes over the ISA bus are not forgotten. */
static void test_connect_takes_over_levels(void)
{
    Error *err = NULL;
    Machine *m = machine_new("none", 1 << 20);
    PICState *pic;

    g_assert_nonnull(machine_add_device(m, "i8259", NULL, &err));
    pic = i8259_find(m);
    irq_raise(&m->isa_irq[3]);
    i8259_connect_isa_irqs(pic, m);
    g_assert_cmphex(address_space_ld(&m->io, MASTER_CMD, 1), ==, 0x08);
    g_assert_cmphex(m->isa_irq_level, ==, 0x08);
    irq_lower(&m->isa_irq[3]);
    g_assert_cmphex(m->isa_irq_level, ==, 0x00);
    g_assert_false(i8259_intr_pending(pic));
    machine_free(m);
}

static void test_intr_edges(Fixture *f, gconstpointer data)
{
    linux_init(f, 0x01);
    set_irq(f, 6, 1);
    set_irq(f, 7, 1);
    g_assert_cmpint(f->intr_rises, ==, 1); /* level changes only */
    g_assert_true(i8259_intr_pending(f->pic));
    ack(f);
    g_assert_false(f->intr);
    out(f, MASTER_CMD, EOI);
    g_assert_cmpint(f->intr_rises, ==, 2);
}

/* ---- vmstate ---- */

static void test_vmstate_round_trip(Fixture *f, gconstpointer data)
{
    g_autoptr(GByteArray) saved = g_byte_array_new();
    g_autoptr(GByteArray) again = g_byte_array_new();
    const VMStateDescription *vmsd = f->pic->dev.info->vmsd;
    Error *err = NULL;
    size_t pos = 0;

    linux_init(f, 0x01);
    out(f, ELCR2, 0x08);
    set_irq(f, 3, 1);
    set_irq(f, 11, 1);
    ack(f);
    vmstate_save(vmsd, f->pic, saved);
    device_reset(&f->pic->dev);
    g_assert_cmphex(in(f, MASTER_DATA), ==, 0xff);
    g_assert_true(vmstate_load(vmsd, f->pic, saved->data, saved->len, &pos, &err));
    vmstate_save(vmsd, f->pic, again);
    g_assert_cmpmem(saved->data, saved->len, again->data, again->len);
    g_assert_cmphex(in(f, ELCR2), ==, 0x08);
    g_assert_cmphex(read_isr(f, MASTER_CMD), ==, 0x04);
    out(f, SLAVE_CMD, EOI);
    out(f, MASTER_CMD, EOI);
    g_assert_cmpint(ack(f), ==, 0x3b); /* IRQ 11 is level triggered and still high */
}

static void add_test(const char *path, void (*fn)(Fixture *, gconstpointer))
{
    g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    add_test("/i8259/init/reset-masked", test_reset_masked);
    add_test("/i8259/init/linux", test_linux_init_and_probe);
    add_test("/i8259/init/bios", test_bios_init);
    add_test("/i8259/init/edge-sense-reset", test_icw1_resets_edge_sense);
    add_test("/i8259/priority/fully-nested", test_fully_nested_priority);
    add_test("/i8259/priority/cascade", test_slave_cascade);
    add_test("/i8259/priority/rotation", test_rotation);
    add_test("/i8259/priority/auto-eoi", test_auto_eoi);
    add_test("/i8259/priority/sfnm", test_special_fully_nested);
    add_test("/i8259/priority/no-sfnm", test_no_nesting_without_sfnm);
    add_test("/i8259/mask/imr", test_masks);
    add_test("/i8259/mask/special-mask-mode", test_special_mask_mode);
    add_test("/i8259/spurious", test_spurious_irq7);
    add_test("/i8259/poll", test_poll);
    add_test("/i8259/elcr/level", test_elcr_level);
    add_test("/i8259/elcr/switch-to-level", test_elcr_switch_to_level);
    add_test("/i8259/intr-edges", test_intr_edges);
    add_test("/i8259/vmstate", test_vmstate_round_trip);
    g_test_add_func("/i8259/connect-takes-over-levels", test_connect_takes_over_levels);
    return g_test_run();
}
