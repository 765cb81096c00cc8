/* Device tests for the local APIC: poke its registers, step virtual time by hand. */
#include "hw/intc/apic.h"
#include "hw/machine.h"
#include "system/clock.h"
#include "system/icount.h"
#include "target/i386/cpu.h"

/* Register offsets and bits, spelled out independently of hw/intc/apic.c. */
#define BASE 0xfee00000u
enum { ID = 0x20, VER = 0x30, TPR = 0x80, APR = 0x90, PPR = 0xa0, EOI = 0xb0 };
enum { LDR = 0xd0, DFR = 0xe0, SVR = 0xf0, ISR = 0x100, TMR = 0x180, IRR = 0x200 };
enum { ESR = 0x280, CMCI = 0x2f0, ICR_LO = 0x300, ICR_HI = 0x310 };
enum { LVT_TIMER = 0x320, LVT_THERMAL = 0x330, LVT_PERF = 0x340, LVT_LINT0 = 0x350 };
enum { LVT_LINT1 = 0x360, LVT_ERROR = 0x370, TIMER_ICR = 0x380, TIMER_CCR = 0x390 };
enum { TIMER_DCR = 0x3e0 };
enum { MASKED = 1 << 16, LEVEL = 1 << 15, REMOTE_IRR = 1 << 14, ENABLE = 1 << 8 };
enum { PERIODIC = 1 << 17, DEADLINE = 2 << 17, DM_NMI = 4 << 8, DM_EXTINT = 7 << 8 };
enum { SELF = 1 << 18, ALL = 2 << 18, OTHERS = 3 << 18, LOGICAL = 1 << 11 };
enum { DIV_1 = 0xb, DIV_2 = 0x0, DIV_4 = 0x1, DIV_8 = 0x2, DIV_16 = 0x3 };

typedef struct Fixture {
    Machine *m;
    CPUX86State *cpu;
    APICState *apic;
    int pic_vector; /* what the fake 8259 answers on acknowledge */
    int pic_acks;
    int eoi_count;
    int eoi_vector;
} Fixture;

/* Virtual time is the instruction count (shift 0): one instruction per ns. */
static void advance_to(int64_t ns)
{
    g_assert_cmpint(ns, >=, (int64_t)icount.count);
    icount.count = ns;
    clock_run_timers(CLOCK_VIRTUAL);
}

static void record_eoi(void *opaque, uint8_t vector)
{
    Fixture *f = opaque;
    f->eoi_count++;
    f->eoi_vector = vector;
}

/* The 8259 drops INTR once acknowledged, as the real one does. */
static int fake_pic_ack(void *opaque)
{
    Fixture *f = opaque;
    f->pic_acks++;
    apic_set_lint(f->apic, 0, 0);
    return f->pic_vector;
}

static void fixture_init(Fixture *f, const char *props)
{
    Error *err = NULL;

    f->m = machine_new("pc", 1 << 20);
    f->cpu = cpu_x86_new(f->m);
    f->m->cpu = f->cpu;
    if (!machine_add_device(f->m, "apic", props, &err)) {
        g_error("apic: %s", error_get_pretty(err));
    }
    f->apic = f->cpu->apic;
    f->pic_vector = 0x28;
    apic_set_extint_source(f->apic, fake_pic_ack, f);
    apic_set_eoi_listener(f->apic, record_eoi, f);
}

static void fixture_fini(Fixture *f)
{
    machine_free(f->m);
    cpu_x86_free(f->cpu);
}

static void fixture_setup(Fixture *f, gconstpointer props)
{
    icount = (IcountState){.enabled = true, .shift = 0};
    memset(f, 0, sizeof(*f));
    fixture_init(f, props);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    fixture_fini(f);
}

static uint32_t rd(Fixture *f, unsigned reg)
{
    return address_space_ld(&f->m->mem, BASE + reg, 4);
}

static void wr(Fixture *f, unsigned reg, uint32_t val)
{
    address_space_st(&f->m->mem, BASE + reg, val, 4);
}

static bool intr(Fixture *f)
{
    return f->cpu->irq_line;
}

/* The CPU takes the interrupt: what the exec loop does at an instruction boundary. */
static int ack(Fixture *f)
{
    return f->cpu->get_irq(f->cpu->get_irq_opaque);
}

static bool vec_bit(Fixture *f, unsigned bank, unsigned vector)
{
    return rd(f, bank + (vector / 32) * 0x10) & (1u << (vector % 32));
}

static void self_ipi(Fixture *f, uint8_t vector)
{
    wr(f, ICR_LO, SELF | vector);
}

/* ESR is write-then-read: latch, then read. */
static uint32_t latch_esr(Fixture *f)
{
    wr(f, ESR, 0);
    return rd(f, ESR);
}

/* ---- registers ---- */

static void test_reset_virtual_wire(Fixture *f, gconstpointer data)
{
    g_assert_cmphex(rd(f, ID), ==, 0);
    g_assert_cmphex(rd(f, VER), ==, 0x00050014);
    g_assert_cmphex(rd(f, SVR), ==, 0x1ff);
    g_assert_cmphex(rd(f, LVT_LINT0), ==, 0x700);
    g_assert_cmphex(rd(f, LVT_LINT1), ==, 0x400);
    g_assert_cmphex(rd(f, LVT_TIMER), ==, MASKED);
    g_assert_cmphex(rd(f, LVT_THERMAL), ==, MASKED);
    g_assert_cmphex(rd(f, LVT_PERF), ==, MASKED);
    g_assert_cmphex(rd(f, LVT_ERROR), ==, MASKED);
    g_assert_cmphex(rd(f, DFR), ==, 0xffffffff);
    g_assert_cmphex(rd(f, LDR) | rd(f, TPR) | rd(f, PPR) | rd(f, TIMER_ICR), ==, 0);
    g_assert_cmphex(apic_get_base(f->apic), ==, 0xfee00900);
    g_assert_cmphex(f->cpu->apic_base, ==, 0xfee00900);
    g_assert_false(intr(f));
}

static void test_reset_power_up(Fixture *f, gconstpointer data)
{
    g_assert_cmphex(rd(f, ID), ==, 0x05000000);
    g_assert_cmphex(rd(f, SVR), ==, 0xff);
    g_assert_cmphex(rd(f, LVT_LINT0), ==, MASKED);
    g_assert_cmphex(rd(f, LVT_LINT1), ==, MASKED);
    /* Software disabled: the masks cannot be cleared. */
    wr(f, LVT_LINT0, 0x700);
    g_assert_cmphex(rd(f, LVT_LINT0), ==, 0x700 | MASKED);
    wr(f, SVR, ENABLE | 0xff);
    wr(f, LVT_LINT0, 0x700);
    g_assert_cmphex(rd(f, LVT_LINT0), ==, 0x700);
    /* Disabling sets every mask. */
    wr(f, SVR, 0xff);
    g_assert_cmphex(rd(f, LVT_LINT0), ==, 0x700 | MASKED);
    g_assert_true(apic_match_dest(f->apic, 5, false));
    g_assert_false(apic_match_dest(f->apic, 0, false));
}

static void test_register_masks(Fixture *f, gconstpointer data)
{
    wr(f, LDR, 0xffffffff);
    g_assert_cmphex(rd(f, LDR), ==, 0xff000000);
    wr(f, DFR, 0);
    g_assert_cmphex(rd(f, DFR), ==, 0x0fffffff);
    wr(f, ICR_HI, 0xffffffff);
    g_assert_cmphex(rd(f, ICR_HI), ==, 0xff000000);
    wr(f, TIMER_DCR, 0xffffffff);
    g_assert_cmphex(rd(f, TIMER_DCR), ==, 0xb);
    wr(f, SVR, 0xffffffff);
    g_assert_cmphex(rd(f, SVR), ==, 0x3ff);
    wr(f, LVT_TIMER, 0xffffffff);
    g_assert_cmphex(rd(f, LVT_TIMER), ==, 0x700ff);
    wr(f, LVT_ERROR, 0xffffffff);
    g_assert_cmphex(rd(f, LVT_ERROR), ==, 0x100ff);
    wr(f, LVT_PERF, 0xffffffff);
    g_assert_cmphex(rd(f, LVT_PERF), ==, 0x107ff);
    wr(f, LVT_LINT1, 0xffffffff);
    g_assert_cmphex(rd(f, LVT_LINT1), ==, 0x1a7ff); /* Remote IRR is read-only */
    wr(f, ID, 0x07000000);
    g_assert_cmphex(rd(f, ID), ==, 0x07000000);
    /* Read-only registers ignore writes, without an error. */
    wr(f, VER, 0);
    wr(f, PPR, 0xff);
    wr(f, IRR, 0xffffffff);
    g_assert_cmphex(rd(f, VER), ==, 0x00050014);
    g_assert_cmphex(rd(f, PPR), ==, 0);
    g_assert_cmphex(rd(f, IRR), ==, 0);
    g_assert_cmphex(latch_esr(f), ==, 0);
    /* A narrow access lands on the register's low bytes. */
    g_assert_cmphex(address_space_ld(&f->m->mem, BASE + VER, 1), ==, 0x14);
    g_assert_cmphex(address_space_ld(&f->m->mem, BASE + VER + 4, 4), ==, 0);
}

static void test_esr(Fixture *f, gconstpointer data)
{
    g_assert_cmphex(rd(f, CMCI), ==, 0); /* no CMCI entry: a reserved register */
    g_assert_cmphex(rd(f, ESR), ==, 0);  /* not latched yet */
    g_assert_cmphex(latch_esr(f), ==, 0x80);
    g_assert_cmphex(latch_esr(f), ==, 0);
    self_ipi(f, 5);
    g_assert_false(vec_bit(f, IRR, 5));
    g_assert_cmphex(latch_esr(f), ==, 0x20); /* Send Illegal Vector */
    /* An error with LVT Error unmasked interrupts. */
    wr(f, LVT_ERROR, 0xe0);
    wr(f, 0x3f0, 1);
    g_assert_true(intr(f));
    g_assert_cmpint(ack(f), ==, 0xe0);
    g_assert_cmphex(latch_esr(f), ==, 0x80);
    /* A received illegal vector is dropped and flagged. */
    apic_deliver_irq(f->apic, 3, false, APIC_DM_FIXED);
    g_assert_false(vec_bit(f, IRR, 3));
    g_assert_cmphex(latch_esr(f), ==, 0x40);
}

/* ---- acceptance, priority, EOI ---- */

static void test_priority(Fixture *f, gconstpointer data)
{
    self_ipi(f, 0x45);
    self_ipi(f, 0x81);
    g_assert_true(intr(f));
    g_assert_cmphex(rd(f, APR), ==, 0x80);
    g_assert_cmpint(ack(f), ==, 0x81);
    g_assert_true(vec_bit(f, ISR, 0x81));
    g_assert_false(vec_bit(f, IRR, 0x81));
    g_assert_cmphex(rd(f, PPR), ==, 0x80);
    g_assert_false(intr(f)); /* 0x45 is below the in-service class */
    self_ipi(f, 0x85);
    g_assert_false(intr(f)); /* the same class does not nest */
    wr(f, EOI, 0);
    g_assert_false(vec_bit(f, ISR, 0x81));
    g_assert_true(intr(f));
    g_assert_cmpint(ack(f), ==, 0x85);
    wr(f, EOI, 0);
    g_assert_cmpint(ack(f), ==, 0x45);
    g_assert_false(intr(f));
    wr(f, EOI, 0);
    g_assert_false(intr(f));
    g_assert_cmpint(ack(f), ==, -1);
    g_assert_cmpint(f->eoi_count, ==, 0); /* all edge triggered */
}

static void test_nested(Fixture *f, gconstpointer data)
{
    self_ipi(f, 0x40);
    g_assert_cmpint(ack(f), ==, 0x40);
    self_ipi(f, 0x90);
    g_assert_true(intr(f)); /* a higher class preempts */
    g_assert_cmpint(ack(f), ==, 0x90);
    g_assert_cmphex(rd(f, PPR), ==, 0x90);
    wr(f, EOI, 0); /* ends the highest in service: 0x90 */
    g_assert_false(vec_bit(f, ISR, 0x90));
    g_assert_true(vec_bit(f, ISR, 0x40));
    g_assert_cmphex(rd(f, PPR), ==, 0x40);
}

static void test_tpr(Fixture *f, gconstpointer data)
{
    wr(f, TPR, 0x5a);
    g_assert_cmphex(rd(f, PPR), ==, 0x5a);
    g_assert_cmpint(apic_get_tpr(f->apic), ==, 5);
    self_ipi(f, 0x55);
    g_assert_false(intr(f));
    self_ipi(f, 0x65);
    g_assert_true(intr(f));
    g_assert_cmpint(ack(f), ==, 0x65);
    wr(f, EOI, 0);
    /* MOV CR8 sets TPR[7:4]. */
    apic_set_tpr(f->apic, 7);
    g_assert_cmphex(rd(f, TPR), ==, 0x70);
    g_assert_false(intr(f));
    apic_set_tpr(f->apic, 4);
    g_assert_true(intr(f));
    g_assert_cmpint(ack(f), ==, 0x55);
}

static void test_eoi_level(Fixture *f, gconstpointer data)
{
    apic_deliver_irq(f->apic, 0x60, true, APIC_DM_FIXED);
    g_assert_true(vec_bit(f, TMR, 0x60));
    g_assert_cmpint(ack(f), ==, 0x60);
    wr(f, EOI, 0);
    g_assert_cmpint(f->eoi_count, ==, 1);
    g_assert_cmpint(f->eoi_vector, ==, 0x60);
    apic_deliver_irq(f->apic, 0x60, false, APIC_DM_FIXED);
    g_assert_false(vec_bit(f, TMR, 0x60));
    g_assert_cmpint(ack(f), ==, 0x60);
    wr(f, EOI, 0);
    g_assert_cmpint(f->eoi_count, ==, 1);
    wr(f, EOI, 0); /* nothing in service: no effect */
    g_assert_cmpint(f->eoi_count, ==, 1);
}

static bool ipi_lands(Fixture *f, uint32_t icr_lo, uint8_t dest)
{
    bool landed;

    wr(f, ICR_HI, (uint32_t)dest << 24);
    wr(f, ICR_LO, icr_lo | 0x70);
    landed = vec_bit(f, IRR, 0x70);
    if (landed) {
        ack(f);
        wr(f, EOI, 0);
    }
    return landed;
}

static void test_ipi_destinations(Fixture *f, gconstpointer data)
{
    g_assert_true(ipi_lands(f, 0, 0));
    g_assert_false(ipi_lands(f, 0, 1));
    g_assert_true(ipi_lands(f, 0, 0xff));
    g_assert_true(ipi_lands(f, SELF, 9));
    g_assert_true(ipi_lands(f, ALL, 9));
    g_assert_false(ipi_lands(f, OTHERS, 0));
    /* Logical, flat model: any common bit. */
    wr(f, LDR, 0x06000000);
    g_assert_true(ipi_lands(f, LOGICAL, 0x02));
    g_assert_false(ipi_lands(f, LOGICAL, 0x08));
    /* Logical, cluster model: same cluster and a common member bit. */
    wr(f, DFR, 0x0fffffff);
    wr(f, LDR, 0x21000000);
    g_assert_true(ipi_lands(f, LOGICAL, 0x23));
    g_assert_false(ipi_lands(f, LOGICAL, 0x31));
    g_assert_false(ipi_lands(f, LOGICAL, 0x22));
    g_assert_true(ipi_lands(f, LOGICAL, 0xff));
    /* NMI to self. */
    g_assert_false(f->cpu->nmi_pending);
    wr(f, ICR_LO, SELF | DM_NMI);
    g_assert_true(f->cpu->nmi_pending);
    g_assert_cmphex(rd(f, ICR_LO), ==, SELF | DM_NMI); /* delivery status idle */
}

static void test_spurious(Fixture *f, gconstpointer data)
{
    wr(f, SVR, ENABLE | 0x3f);
    g_assert_cmpint(ack(f), ==, -1); /* nothing asked for */
    /* INTR was seen, but the request is gone by the acknowledge. */
    cpu_set_irq_line(f->cpu, true);
    g_assert_cmpint(ack(f), ==, 0x3f);
    g_assert_cmpint(rd(f, ISR + 0x10), ==, 0);
    g_assert_false(intr(f));
}

static void test_sw_disabled_holds(Fixture *f, gconstpointer data)
{
    wr(f, SVR, 0xff);
    self_ipi(f, 0x50);
    g_assert_true(vec_bit(f, IRR, 0x50)); /* held */
    g_assert_false(intr(f));
    wr(f, SVR, ENABLE | 0xff);
    g_assert_true(intr(f));
    g_assert_cmpint(ack(f), ==, 0x50);
}

/* ---- timer ---- */

static void test_timer_oneshot(Fixture *f, gconstpointer data)
{
    wr(f, TIMER_DCR, DIV_16);
    wr(f, LVT_TIMER, 0x30);
    wr(f, TIMER_ICR, 1000);
    g_assert_cmpint(clock_deadline(CLOCK_VIRTUAL), ==, 16000);
    g_assert_cmpuint(rd(f, TIMER_CCR), ==, 1000);
    advance_to(8015);
    g_assert_cmpuint(rd(f, TIMER_CCR), ==, 500);
    advance_to(15999);
    g_assert_cmpuint(rd(f, TIMER_CCR), ==, 1);
    g_assert_false(intr(f));
    advance_to(16000);
    g_assert_true(intr(f));
    g_assert_cmpuint(rd(f, TIMER_CCR), ==, 0);
    g_assert_cmpint(clock_deadline(CLOCK_VIRTUAL), ==, -1);
    g_assert_cmpint(ack(f), ==, 0x30);
    wr(f, EOI, 0);
    g_assert_cmpuint(rd(f, TIMER_ICR), ==, 1000);
    /* A new initial count restarts it; zero stops it. */
    advance_to(20000);
    wr(f, TIMER_ICR, 10);
    g_assert_cmpint(clock_deadline(CLOCK_VIRTUAL), ==, 20160);
    wr(f, TIMER_ICR, 0);
    g_assert_cmpint(clock_deadline(CLOCK_VIRTUAL), ==, -1);
    g_assert_cmpuint(rd(f, TIMER_CCR), ==, 0);
}

static void test_timer_periodic(Fixture *f, gconstpointer data)
{
    advance_to(1000);
    wr(f, TIMER_DCR, DIV_1);
    wr(f, LVT_TIMER, PERIODIC | 0x31);
    wr(f, TIMER_ICR, 100);
    g_assert_cmpint(clock_deadline(CLOCK_VIRTUAL), ==, 1100);
    advance_to(1050);
    g_assert_cmpuint(rd(f, TIMER_CCR), ==, 50);
    advance_to(1100);
    g_assert_true(intr(f));
    g_assert_cmpuint(rd(f, TIMER_CCR), ==, 100); /* reloaded */
    g_assert_cmpint(clock_deadline(CLOCK_VIRTUAL), ==, 1200);
    g_assert_cmpint(ack(f), ==, 0x31);
    wr(f, EOI, 0);
    advance_to(1199);
    g_assert_cmpuint(rd(f, TIMER_CCR), ==, 1);
    g_assert_false(intr(f));
    advance_to(1200);
    g_assert_true(intr(f));
    g_assert_cmpint(clock_deadline(CLOCK_VIRTUAL), ==, 1300);
    /* Switching to one-shot keeps the count; it then stops at zero. */
    wr(f, LVT_TIMER, 0x31);
    advance_to(1300);
    g_assert_cmpint(clock_deadline(CLOCK_VIRTUAL), ==, -1);
    g_assert_cmpuint(rd(f, TIMER_CCR), ==, 0);
}

static void test_timer_divide_change(Fixture *f, gconstpointer data)
{
    wr(f, TIMER_DCR, DIV_2);
    wr(f, LVT_TIMER, 0x32);
    wr(f, TIMER_ICR, 1000);
    g_assert_cmpint(clock_deadline(CLOCK_VIRTUAL), ==, 2000);
    advance_to(1000);
    g_assert_cmpuint(rd(f, TIMER_CCR), ==, 500);
    wr(f, TIMER_DCR, DIV_8);
    g_assert_cmpuint(rd(f, TIMER_CCR), ==, 500);
    g_assert_cmpint(clock_deadline(CLOCK_VIRTUAL), ==, 1000 + 500 * 8);
    advance_to(1000 + 8 * 100);
    g_assert_cmpuint(rd(f, TIMER_CCR), ==, 400);
    wr(f, TIMER_DCR, DIV_4);
    g_assert_cmpint(clock_deadline(CLOCK_VIRTUAL), ==, 1800 + 400 * 4);
}

static void test_timer_masked(Fixture *f, gconstpointer data)
{
    wr(f, TIMER_DCR, DIV_1);
    wr(f, LVT_TIMER, MASKED | 0x33);
    wr(f, TIMER_ICR, 50);
    advance_to(25);
    g_assert_cmpuint(rd(f, TIMER_CCR), ==, 25); /* a masked timer still counts */
    advance_to(50);
    g_assert_false(intr(f));
    g_assert_false(vec_bit(f, IRR, 0x33));
    g_assert_cmpuint(rd(f, TIMER_CCR), ==, 0);
}

static void test_timer_tsc_deadline(Fixture *f, gconstpointer data)
{
    const uint64_t off = 1000000;

    f->cpu->tsc_offset = off;
    apic_set_tsc_deadline(f->apic, off + 10); /* ignored outside deadline mode */
    g_assert_cmpuint(apic_get_tsc_deadline(f->apic), ==, 0);
    wr(f, LVT_TIMER, DEADLINE | 0x40);
    wr(f, TIMER_ICR, 123); /* ignored in deadline mode */
    g_assert_cmpuint(rd(f, TIMER_ICR), ==, 0);
    g_assert_cmpuint(rd(f, TIMER_CCR), ==, 0);
    apic_set_tsc_deadline(f->apic, off + 5000);
    g_assert_cmpuint(apic_get_tsc_deadline(f->apic), ==, off + 5000);
    g_assert_cmpint(clock_deadline(CLOCK_VIRTUAL), ==, 5000);
    advance_to(4999);
    g_assert_false(intr(f));
    advance_to(5000);
    g_assert_true(intr(f));
    g_assert_cmpuint(apic_get_tsc_deadline(f->apic), ==, 0); /* disarmed itself */
    g_assert_cmpint(ack(f), ==, 0x40);
    wr(f, EOI, 0);
    /* A deadline already passed fires at once. */
    apic_set_tsc_deadline(f->apic, off + 100);
    g_assert_true(intr(f));
    g_assert_cmpint(ack(f), ==, 0x40);
    wr(f, EOI, 0);
    /* Writing 0 disarms. */
    apic_set_tsc_deadline(f->apic, off + 9000);
    apic_set_tsc_deadline(f->apic, 0);
    g_assert_cmpint(clock_deadline(CLOCK_VIRTUAL), ==, -1);
    /* The guest moves the TSC forward by 1000: the deadline comes 1000 ns sooner. */
    apic_set_tsc_deadline(f->apic, off + 9000);
    f->cpu->tsc_offset += 1000;
    apic_tsc_changed(f->apic);
    g_assert_cmpint(clock_deadline(CLOCK_VIRTUAL), ==, 8000);
    /* Leaving deadline mode disarms. */
    wr(f, LVT_TIMER, 0x40);
    g_assert_cmpint(clock_deadline(CLOCK_VIRTUAL), ==, -1);
    g_assert_cmpuint(apic_get_tsc_deadline(f->apic), ==, 0);
}

/* An expiry armed by the guest mid-run is sooner than the engine planned for. */
static void test_timer_kicks_engine(Fixture *f, gconstpointer data)
{
    f->cpu->stop_request = false;
    wr(f, TIMER_DCR, DIV_1);
    wr(f, LVT_TIMER, PERIODIC | 0x34);
    g_assert_false(f->cpu->stop_request); /* nothing armed */
    wr(f, TIMER_ICR, 100);
    g_assert_true(f->cpu->stop_request);
    /* Re-arming from the expiry runs in the main loop, which plans afresh anyway. */
    f->cpu->stop_request = false;
    advance_to(100);
    g_assert_cmpint(clock_deadline(CLOCK_VIRTUAL), ==, 200);
    g_assert_false(f->cpu->stop_request);
    /* A later expiry than planned needs no re-plan. */
    wr(f, TIMER_ICR, 1000);
    g_assert_false(f->cpu->stop_request);
}

/* ---- LINT pins, ExtINT, disabling ---- */

static void test_lint(Fixture *f, gconstpointer data)
{
    apic_set_lint(f->apic, 1, 1); /* LINT1 is NMI after reset */
    g_assert_true(f->cpu->nmi_pending);
    apic_set_lint(f->apic, 1, 0);
    /* Fixed, edge. */
    wr(f, LVT_LINT0, 0x52);
    apic_set_lint(f->apic, 0, 1);
    g_assert_cmpint(ack(f), ==, 0x52);
    wr(f, EOI, 0);
    g_assert_false(intr(f)); /* holding the line is not a new edge */
    apic_set_lint(f->apic, 0, 0);
    /* Fixed, level: Remote IRR until EOI, redelivered while still asserted. */
    wr(f, LVT_LINT0, LEVEL | 0x53);
    apic_set_lint(f->apic, 0, 1);
    g_assert_cmphex(rd(f, LVT_LINT0), ==, REMOTE_IRR | LEVEL | 0x53);
    g_assert_cmpint(ack(f), ==, 0x53);
    wr(f, EOI, 0);
    g_assert_true(intr(f));
    g_assert_cmpint(ack(f), ==, 0x53);
    apic_set_lint(f->apic, 0, 0);
    wr(f, EOI, 0);
    g_assert_cmphex(rd(f, LVT_LINT0), ==, LEVEL | 0x53);
    g_assert_false(intr(f));
}

static void test_extint(Fixture *f, gconstpointer data)
{
    apic_set_lint(f->apic, 0, 1);
    g_assert_true(intr(f));
    g_assert_cmpint(ack(f), ==, 0x28);
    g_assert_cmpint(f->pic_acks, ==, 1);
    g_assert_false(intr(f));
    g_assert_cmphex(rd(f, ISR + 0x10), ==, 0); /* ExtINT bypasses ISR */
    /* Masked LINT0 cuts the 8259 off. */
    wr(f, LVT_LINT0, MASKED | DM_EXTINT);
    apic_set_lint(f->apic, 0, 1);
    g_assert_false(intr(f));
    wr(f, LVT_LINT0, DM_EXTINT);
    g_assert_true(intr(f));
    /* A fixed APIC interrupt is taken before the 8259's. */
    self_ipi(f, 0x90);
    g_assert_cmpint(ack(f), ==, 0x90);
    g_assert_cmpint(ack(f), ==, 0x28);
    /* An ExtINT message (from the IOAPIC) also asks the 8259. */
    apic_deliver_irq(f->apic, 0, false, APIC_DM_EXTINT);
    g_assert_true(intr(f));
    g_assert_cmpint(ack(f), ==, 0x28);
    g_assert_cmpint(f->pic_acks, ==, 3);
}

static void test_hw_disable(Fixture *f, gconstpointer data)
{
    self_ipi(f, 0x70);
    apic_set_base(f->apic, BASE); /* clear the global enable */
    g_assert_cmphex(apic_get_base(f->apic), ==, BASE | 0x100);
    g_assert_cmphex(f->cpu->apic_base, ==, BASE | 0x100);
    g_assert_cmphex(rd(f, VER), ==, 0xffffffff); /* the page is gone */
    g_assert_false(intr(f));                     /* pending state is lost */
    g_assert_false(apic_match_dest(f->apic, 0xff, false));
    apic_deliver_irq(f->apic, 0x71, false, APIC_DM_FIXED);
    g_assert_false(intr(f));
    /* Virtual wire: LINT0 is INTR, LINT1 is NMI. */
    apic_set_lint(f->apic, 0, 1);
    g_assert_true(intr(f));
    g_assert_cmpint(ack(f), ==, 0x28);
    apic_set_lint(f->apic, 1, 1);
    g_assert_true(f->cpu->nmi_pending);
    /* Re-enabled, relocated, in the power-up state. */
    apic_set_base(f->apic, 0xfed00000 | 0x800);
    g_assert_cmphex(address_space_ld(&f->m->mem, 0xfed00000 + VER, 4), ==, 0x00050014);
    g_assert_cmphex(address_space_ld(&f->m->mem, 0xfed00000 + SVR, 4), ==, 0xff);
    g_assert_cmphex(address_space_ld(&f->m->mem, 0xfed00000 + IRR + 0x30, 4), ==, 0);
    g_assert_cmphex(rd(f, VER), ==, 0xffffffff);
}

static void test_needs_cpu(void)
{
    Machine *m = machine_new("pc", 1 << 20);
    Error *err = NULL;

    g_assert_null(machine_add_device(m, "apic", NULL, &err));
    g_assert_nonnull(err);
    error_free(err);
    machine_free(m);
}

/* ---- vmstate ---- */

static void test_vmstate_mid_countdown(Fixture *f, gconstpointer data)
{
    g_autoptr(GByteArray) buf = g_byte_array_new();
    const DeviceInfo *info = device_find_type("apic");
    Error *err = NULL;
    Fixture g = {0};
    size_t pos = 0;

    self_ipi(f, 0x90);
    g_assert_cmpint(ack(f), ==, 0x90);
    self_ipi(f, 0x70);
    wr(f, TIMER_DCR, DIV_4);
    wr(f, LVT_TIMER, 0xa0);
    wr(f, TIMER_ICR, 1000);
    advance_to(1000);
    vmstate_save(info->vmsd, f->apic, buf);
    fixture_init(&g, NULL);
    g_assert_true(vmstate_load(info->vmsd, g.apic, buf->data, buf->len, &pos, &err));
    g_assert_cmpuint(pos, ==, buf->len);
    fixture_fini(f);
    f->m = NULL;
    f->cpu = NULL;

    g_assert_cmpuint(rd(&g, TIMER_CCR), ==, 750);
    g_assert_cmpint(clock_deadline(CLOCK_VIRTUAL), ==, 4000);
    g_assert_true(vec_bit(&g, ISR, 0x90));
    g_assert_true(vec_bit(&g, IRR, 0x70));
    g_assert_false(intr(&g));
    advance_to(4000);
    g_assert_true(intr(&g));
    g_assert_cmpint(ack(&g), ==, 0xa0);
    *f = g;
}

static void add(const char *name, const char *props, void (*fn)(Fixture *, gconstpointer))
{
    g_test_add(name, Fixture, props, fixture_setup, fn, fixture_teardown);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    add("/apic/reset/virtual-wire", NULL, test_reset_virtual_wire);
    add("/apic/reset/power-up", "virtual-wire=off,apic-id=5", test_reset_power_up);
    add("/apic/registers/masks", NULL, test_register_masks);
    add("/apic/registers/esr", NULL, test_esr);
    add("/apic/irq/priority", NULL, test_priority);
    add("/apic/irq/nested", NULL, test_nested);
    add("/apic/irq/tpr", NULL, test_tpr);
    add("/apic/irq/eoi-level", NULL, test_eoi_level);
    add("/apic/irq/ipi-destinations", NULL, test_ipi_destinations);
    add("/apic/irq/spurious", NULL, test_spurious);
    add("/apic/irq/sw-disabled-holds", NULL, test_sw_disabled_holds);
    add("/apic/timer/oneshot", NULL, test_timer_oneshot);
    add("/apic/timer/periodic", NULL, test_timer_periodic);
    add("/apic/timer/divide-change", NULL, test_timer_divide_change);
    add("/apic/timer/masked", NULL, test_timer_masked);
    add("/apic/timer/tsc-deadline", NULL, test_timer_tsc_deadline);
    add("/apic/timer/kicks-engine", NULL, test_timer_kicks_engine);
    add("/apic/lint", NULL, test_lint);
    add("/apic/extint", NULL, test_extint);
    add("/apic/hw-disable", NULL, test_hw_disable);
    add("/apic/vmstate/mid-countdown", NULL, test_vmstate_mid_countdown);
    g_test_add_func("/apic/needs-cpu", test_needs_cpu);
    return g_test_run();
}
