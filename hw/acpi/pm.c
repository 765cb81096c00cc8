/* ACPI PM1a event/control blocks and PM timer, after ACPI 6.x section 4.8. */
/*
 * The PM timer is a 24-bit counter at 3.579545 MHz derived from CLOCK_VIRTUAL, so a
 * replay reads the same values at the same instructions. TMR_STS (the counter's top
 * bit toggled) is computed lazily from the timer's half-period count; a virtual
 * timer is armed for the next toggle only while TMR_EN asks for an SCI.
 */
#include "hw/acpi/pm.h"
#include "hw/device.h"
#include "hw/machine.h"
#include "system/clock.h"
#include "system/runstate.h"
#include "util/log.h"

#define PM1_STS 0x00 /* PM1a_STS */
#define PM1_EN  0x02 /* PM1a_EN */
#define PM1_CNT 0x04 /* PM1a_CNT */
#define PM_TMR  0x08 /* PM_TMR */

#define PM1_TMR_STS    0x0001 /* TMR_STS / TMR_EN */
#define PM1_GBL_STS    0x0020 /* GBL_STS / GBL_EN */
#define PM1_PWRBTN_STS 0x0100 /* PWRBTN_STS / PWRBTN_EN */
#define PM1_SLPBTN_STS 0x0200 /* SLPBTN_STS / SLPBTN_EN */
#define PM1_RTC_STS    0x0400 /* RTC_STS / RTC_EN */
#define PM1_WAK_STS    0x8000 /* WAK_STS */
#define PM1_EVENTS                                                                       \
    (PM1_TMR_STS | PM1_GBL_STS | PM1_PWRBTN_STS | PM1_SLPBTN_STS | PM1_RTC_STS)
#define PM1_STS_MASK (PM1_EVENTS | PM1_WAK_STS)

#define PM1_CNT_SCI_EN        0x0001 /* SCI_EN */
#define PM1_CNT_BM_RLD        0x0002 /* BM_RLD */
#define PM1_CNT_GBL_RLS       0x0004 /* GBL_RLS (write-only) */
#define PM1_CNT_SLP_TYP       0x1c00 /* SLP_TYPx */
#define PM1_CNT_SLP_EN        0x2000 /* SLP_EN (write-only) */
#define PM1_CNT_SLP_TYP_SHIFT 10
#define PM1_CNT_STORED        (PM1_CNT_SCI_EN | PM1_CNT_BM_RLD | PM1_CNT_SLP_TYP)

#define PM_TMR_BITS 24

struct AcpiPMState {
    DeviceState dev;
    uint32_t iobase;
    uint32_t sci_irq;

    uint16_t pm1_sts;
    uint16_t pm1_en;
    uint16_t pm1_cnt;
    uint64_t tmr_half_periods; /* counter value >> 23 when TMR_STS was last updated */
    bool sci_level;
    Timer tmr_timer; /* next toggle of the counter's top bit, while TMR_EN */

    /* Wiring, set at realize; not guest state. */
    const IRQ *sci;
    MemoryRegion io;
    AddressSpace *io_space;
};

/* ---- PM timer ---- */

static uint64_t acpi_pm_ticks(void)
{
    unsigned __int128 ns = clock_get_ns(CLOCK_VIRTUAL);
    return ns * ACPI_PM_TIMER_HZ / NANOSECONDS_PER_SECOND;
}

static uint64_t acpi_pm_ticks_to_ns(uint64_t ticks)
{
    unsigned __int128 t = ticks;
    /* Round up, so that at the returned time the counter has reached `ticks`. */
    return (t * NANOSECONDS_PER_SECOND + ACPI_PM_TIMER_HZ - 1) / ACPI_PM_TIMER_HZ;
}

static void acpi_pm_update_tmr_sts(AcpiPMState *s)
{
    uint64_t half_periods = acpi_pm_ticks() >> (PM_TMR_BITS - 1);
    if (half_periods != s->tmr_half_periods) {
        s->tmr_half_periods = half_periods;
        s->pm1_sts |= PM1_TMR_STS;
    }
}

static void acpi_pm_update_sci(AcpiPMState *s)
{
    acpi_pm_update_tmr_sts(s);
    bool level = (s->pm1_cnt & PM1_CNT_SCI_EN) && (s->pm1_sts & s->pm1_en & PM1_EVENTS);
    if (level != s->sci_level) {
        s->sci_level = level;
        irq_set(s->sci, level);
    }
}

static void acpi_pm_arm_timer(AcpiPMState *s)
{
    if (!(s->pm1_en & PM1_TMR_STS)) {
        timer_del(&s->tmr_timer);
        return;
    }
    uint64_t next = (s->tmr_half_periods + 1) << (PM_TMR_BITS - 1);
    timer_mod(&s->tmr_timer, acpi_pm_ticks_to_ns(next));
}

static void acpi_pm_timer_expired(void *opaque)
{
    AcpiPMState *s = opaque;
    acpi_pm_update_sci(s);
    acpi_pm_arm_timer(s);
}

/* ---- sleep and the power button ---- */

static void acpi_pm_sleep(AcpiPMState *s, unsigned slp_typ)
{
    if (slp_typ == ACPI_SLP_TYP_S5) {
        log_mask_printf(LOG_IOPORT, "acpi-pm: guest entered S5, powering off\n");
        runstate_guest_shutdown(SHUTDOWN_CAUSE_GUEST_SHUTDOWN, 0);
        return;
    }
    log_unimp("acpi-pm: sleep with SLP_TYP=%u is not supported (only S5)", slp_typ);
}

void acpi_pm_power_button(AcpiPMState *s)
{
    s->pm1_sts |= PM1_PWRBTN_STS;
    acpi_pm_update_sci(s);
}

/* ---- registers ---- */

static void acpi_pm_snapshot(AcpiPMState *s, uint8_t *regs)
{
    uint32_t tmr = acpi_pm_ticks() & ((1u << PM_TMR_BITS) - 1);
    acpi_pm_update_tmr_sts(s);
    memset(regs, 0, ACPI_PM_IO_LEN);
    regs[PM1_STS] = s->pm1_sts;
    regs[PM1_STS + 1] = s->pm1_sts >> 8;
    regs[PM1_EN] = s->pm1_en;
    regs[PM1_EN + 1] = s->pm1_en >> 8;
    regs[PM1_CNT] = s->pm1_cnt;
    regs[PM1_CNT + 1] = s->pm1_cnt >> 8;
    for (int i = 0; i < 4; i++) {
        regs[PM_TMR + i] = tmr >> (8 * i);
    }
}

static uint64_t acpi_pm_read(void *opaque, uint64_t offset, unsigned size)
{
    uint8_t regs[ACPI_PM_IO_LEN];
    uint64_t val = 0;
    acpi_pm_snapshot(opaque, regs);
    for (unsigned i = 0; i < size; i++) {
        val |= (uint64_t)regs[offset + i] << (8 * i);
    }
    return val;
}

static void acpi_pm_write_cnt(AcpiPMState *s, uint16_t val)
{
    s->pm1_cnt = val & PM1_CNT_STORED;
    if (val & PM1_CNT_SLP_EN) {
        acpi_pm_sleep(s, (val & PM1_CNT_SLP_TYP) >> PM1_CNT_SLP_TYP_SHIFT);
    }
}

/* The status bits are write-one-to-clear; the control and enable bits are plain. */
static void acpi_pm_write_byte(AcpiPMState *s, unsigned offset, uint8_t byte)
{
    unsigned shift = 8 * (offset & 1);
    uint16_t bits = byte << shift, keep = 0xff00 >> shift;
    switch (offset & ~1u) {
    case PM1_STS:
        acpi_pm_update_tmr_sts(s); /* a toggle before this write is being acknowledged */
        s->pm1_sts &= ~(bits & PM1_STS_MASK);
        break;
    case PM1_EN: s->pm1_en = ((s->pm1_en & keep) | bits) & PM1_EVENTS; break;
    case PM1_CNT: acpi_pm_write_cnt(s, (s->pm1_cnt & keep) | bits); break;
    default: break; /* the PM timer is read-only */
    }
}

static void acpi_pm_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    AcpiPMState *s = opaque;
    log_mask_printf(LOG_IOPORT, "acpi-pm: write 0x%" PRIx64 " at +%u (%u bytes)\n", value,
                    (unsigned)offset, size);
    /* Byte by byte is exact: SLP_TYP and SLP_EN share PM1_CNT's high byte. */
    for (unsigned i = 0; i < size; i++) {
        acpi_pm_write_byte(s, offset + i, value >> (8 * i));
    }
    acpi_pm_update_sci(s);
    acpi_pm_arm_timer(s);
}

static const MemoryRegionOps acpi_pm_ops = {
    .read = acpi_pm_read,
    .write = acpi_pm_write,
    .min_size = 1,
    .max_size = 4,
};

/* ---- device ---- */

static bool acpi_pm_realize(DeviceState *dev, Machine *m, Error **errp)
{
    AcpiPMState *s = (AcpiPMState *)dev;
    if (s->sci_irq >= ISA_NUM_IRQS || s->iobase > 0x10000 - ACPI_PM_IO_LEN) {
        error_setg(errp, "acpi-pm: iobase 0x%x / sci_irq %u do not fit", s->iobase,
                   s->sci_irq);
        return false;
    }
    s->sci = &m->isa_irq[s->sci_irq];
    timer_init(&s->tmr_timer, CLOCK_VIRTUAL, acpi_pm_timer_expired, s);
    memory_region_init_io(&s->io, "acpi-pm", &acpi_pm_ops, s, ACPI_PM_IO_LEN);
    address_space_map(&m->io, s->iobase, &s->io, 0);
    s->io_space = &m->io;
    return true;
}

static void acpi_pm_unrealize(DeviceState *dev)
{
    AcpiPMState *s = (AcpiPMState *)dev;
    timer_del(&s->tmr_timer);
    address_space_unmap(s->io_space, &s->io);
    memory_region_destroy(&s->io);
}

/* No SMI_CMD in the FADT means the machine is always in ACPI mode: SCI_EN is set. */
static void acpi_pm_reset(DeviceState *dev)
{
    AcpiPMState *s = (AcpiPMState *)dev;
    s->pm1_sts = 0;
    s->pm1_en = 0;
    s->pm1_cnt = PM1_CNT_SCI_EN;
    s->tmr_half_periods = acpi_pm_ticks() >> (PM_TMR_BITS - 1);
    timer_del(&s->tmr_timer);
    acpi_pm_update_sci(s);
}

static const VMStateField acpi_pm_fields[] = {
    VMSTATE_UINT16(pm1_sts, AcpiPMState),
    VMSTATE_UINT16(pm1_en, AcpiPMState),
    VMSTATE_UINT16(pm1_cnt, AcpiPMState),
    VMSTATE_UINT64(tmr_half_periods, AcpiPMState),
    VMSTATE_BOOL(sci_level, AcpiPMState),
    VMSTATE_TIMER(tmr_timer, AcpiPMState),
    VMSTATE_END_OF_LIST(),
};

static const VMStateDescription vmstate_acpi_pm = {
    .name = "acpi-pm",
    .version = 1,
    .fields = acpi_pm_fields,
};

static const Property acpi_pm_props[] = {
    DEFINE_PROP("iobase", AcpiPMState, iobase, PROP_U32, "0x600",
                "base of PM1a_EVT (+0), PM1a_CNT (+4) and PM_TMR (+8)"),
    DEFINE_PROP("sci_irq", AcpiPMState, sci_irq, PROP_U32, "9", "ISA IRQ of the SCI"),
    DEFINE_PROP_END(),
};

static const DeviceInfo acpi_pm_info = {
    .name = "acpi-pm",
    .desc = "ACPI PM1a event/control blocks and PM timer (ports 0x600-0x60b)",
    .instance_size = sizeof(AcpiPMState),
    .props = acpi_pm_props,
    .realize = acpi_pm_realize,
    .reset = acpi_pm_reset,
    .unrealize = acpi_pm_unrealize,
    .vmsd = &vmstate_acpi_pm,
};
DEVICE_REGISTER(acpi_pm_info)
