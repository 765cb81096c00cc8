/* 82093AA I/O APIC: 24 pins routed to the local APIC, after Intel's 82093AA datasheet. */
/*
 * Model notes.
 *
 * Messages reach the one local APIC at once, so Delivery Status always reads idle.
 * Level-triggered pins set Remote IRR when the APIC accepts their message and are
 * serviced again when the APIC's EOI for that vector clears it, so a line still
 * asserted then is delivered again. Edges on masked pins are lost, as the datasheet
 * says; a level pin unmasked while asserted is delivered.
 *
 * Input pins carry the asserted sense (1 = asserted), as the machine's tables
 * describe its lines: INTPOL is kept for the guest to read back but not applied.
 */
#include "hw/intc/ioapic.h"
#include "hw/intc/apic.h"
#include "hw/device.h"
#include "hw/machine.h"
#include "target/i386/cpu.h"
#include "util/log.h"

/* Memory-mapped registers. */
#define IOAPIC_IOREGSEL  0x00 /* IOREGSEL: I/O Register Select Register */
#define IOAPIC_IOWIN     0x10 /* IOWIN: I/O Window Register */
#define IOAPIC_MMIO_SIZE 0x1000

/* Indirect registers, selected by IOREGSEL. */
#define IOAPIC_REG_ID     0x00 /* IOAPICID: IOAPIC Identification */
#define IOAPIC_REG_VER    0x01 /* IOAPICVER: IOAPIC Version */
#define IOAPIC_REG_ARB    0x02 /* IOAPICARB: IOAPIC Arbitration ID */
#define IOAPIC_REG_REDTBL 0x10 /* IOREDTBL[0] low dword; entry n at 0x10 + 2n */

#define IOAPIC_VERSION  0x11
#define IOAPIC_ID_SHIFT 24 /* APIC ID, bits 27:24 */
#define IOAPIC_ID_MASK  0xfu

#define RTE_VECTOR       0xffull      /* INTVEC: Interrupt Vector */
#define RTE_DM_SHIFT     8            /* DELMOD: Delivery Mode, bits 10:8 */
#define RTE_DEST_LOGICAL (1ull << 11) /* DESTMOD: Destination Mode */
#define RTE_DELIVS       (1ull << 12) /* DELIVS: Delivery Status */
#define RTE_POLARITY     (1ull << 13) /* INTPOL: Interrupt Input Pin Polarity */
#define RTE_REMOTE_IRR   (1ull << 14) /* Remote IRR */
#define RTE_LEVEL        (1ull << 15) /* TRIGGER MODE: 1 level sensitive */
#define RTE_MASKED       (1ull << 16) /* Interrupt Mask */
#define RTE_DEST_SHIFT   56           /* Destination Field, bits 63:56 */
#define RTE_WRITABLE     0xff0000000001afffull
#define RTE_READ_ONLY    (RTE_DELIVS | RTE_REMOTE_IRR)

struct IOAPICState {
    DeviceState dev;
    uint8_t initial_id; /* property "ioapic-id" */

    uint8_t id;
    uint8_t arb_id;
    uint8_t regsel;
    uint64_t redtbl[IOAPIC_NUM_PINS];
    uint32_t pin_level; /* bit n: pin n asserted */

    APICState *apic;
    AddressSpace *mem;
    MemoryRegion mmio;
};

static unsigned ioapic_mode(uint64_t rte)
{
    return (rte >> RTE_DM_SHIFT) & 7;
}

/* Only fixed and lowest-priority messages get an EOI back; the others are edges. */
static bool ioapic_is_level(uint64_t rte)
{
    unsigned mode = ioapic_mode(rte);
    return (rte & RTE_LEVEL) && (mode == APIC_DM_FIXED || mode == APIC_DM_LOWEST);
}

static bool ioapic_pin_asserted(const IOAPICState *s, int pin)
{
    return s->pin_level & (1u << pin);
}

/* Send pin's message; false if no APIC took it. */
static bool ioapic_send(IOAPICState *s, int pin)
{
    uint64_t rte = s->redtbl[pin];
    unsigned mode = ioapic_mode(rte);
    uint8_t dest = rte >> RTE_DEST_SHIFT;

    if (mode == 3 || mode == 6) {
        log_guest_error("ioapic: pin %d has reserved delivery mode %u", pin, mode);
        return false;
    }
    if (!apic_match_dest(s->apic, dest, rte & RTE_DEST_LOGICAL)) {
        return false; /* addressed to a CPU this machine does not have */
    }
    apic_deliver_irq(s->apic, rte & RTE_VECTOR, ioapic_is_level(rte), mode);
    return true;
}

/* A level pin asserts its message until the EOI after the one accepted. */
static void ioapic_service_level(IOAPICState *s, int pin)
{
    uint64_t *rte = &s->redtbl[pin];

    if (!ioapic_is_level(*rte) || (*rte & (RTE_MASKED | RTE_REMOTE_IRR)) ||
        !ioapic_pin_asserted(s, pin)) {
        return;
    }
    if (ioapic_send(s, pin)) {
        *rte |= RTE_REMOTE_IRR;
    }
}

void ioapic_set_irq(void *opaque, int gsi, int level)
{
    IOAPICState *s = opaque;
    bool rising;

    assert(gsi >= 0 && gsi < IOAPIC_NUM_PINS);
    rising = level && !ioapic_pin_asserted(s, gsi);
    s->pin_level = (s->pin_level & ~(1u << gsi)) | (level ? 1u << gsi : 0);
    if (ioapic_is_level(s->redtbl[gsi])) {
        ioapic_service_level(s, gsi);
    } else if (rising && !(s->redtbl[gsi] & RTE_MASKED)) {
        ioapic_send(s, gsi);
    }
}

/* The local APIC's EOI for a level-triggered vector. */
static void ioapic_eoi(void *opaque, uint8_t vector)
{
    IOAPICState *s = opaque;

    for (int pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
        uint64_t *rte = &s->redtbl[pin];
        if ((*rte & RTE_REMOTE_IRR) && (*rte & RTE_VECTOR) == vector) {
            *rte &= ~RTE_REMOTE_IRR;
            ioapic_service_level(s, pin);
        }
    }
}

/* ---- registers ---- */

static void ioapic_write_rte(IOAPICState *s, int pin, bool high, uint32_t val)
{
    uint64_t *rte = &s->redtbl[pin];
    uint64_t merged = high ? (*rte & 0xffffffffull) | (uint64_t)val << 32
                           : (*rte & ~0xffffffffull) | val;

    *rte = (merged & RTE_WRITABLE) | (*rte & RTE_READ_ONLY);
    if (!ioapic_is_level(*rte)) {
        *rte &= ~RTE_REMOTE_IRR;
    }
    ioapic_service_level(s, pin);
}

/* The redirection entry pin and dword half at indirect register reg, or -1. */
static int ioapic_rte_pin(uint8_t reg, bool *high)
{
    int index = reg - IOAPIC_REG_REDTBL;

    *high = index & 1;
    return index >= 0 && index < 2 * IOAPIC_NUM_PINS ? index / 2 : -1;
}

static uint32_t ioapic_read_window(IOAPICState *s)
{
    bool high;
    int pin = ioapic_rte_pin(s->regsel, &high);

    if (pin >= 0) {
        return high ? s->redtbl[pin] >> 32 : (uint32_t)s->redtbl[pin];
    }
    switch (s->regsel) {
    case IOAPIC_REG_ID: return (uint32_t)s->id << IOAPIC_ID_SHIFT;
    case IOAPIC_REG_VER: return (uint32_t)(IOAPIC_NUM_PINS - 1) << 16 | IOAPIC_VERSION;
    case IOAPIC_REG_ARB: return (uint32_t)s->arb_id << IOAPIC_ID_SHIFT;
    default:
        log_guest_error("ioapic: read of undefined register %#x", s->regsel);
        return 0;
    }
}

static void ioapic_write_window(IOAPICState *s, uint32_t val)
{
    bool high;
    int pin = ioapic_rte_pin(s->regsel, &high);

    if (pin >= 0) {
        ioapic_write_rte(s, pin, high, val);
    } else if (s->regsel == IOAPIC_REG_ID) {
        /* The arbitration ID is loaded whenever the ID is written. */
        s->id = (val >> IOAPIC_ID_SHIFT) & IOAPIC_ID_MASK;
        s->arb_id = s->id;
    } else if (s->regsel != IOAPIC_REG_VER && s->regsel != IOAPIC_REG_ARB) {
        log_guest_error("ioapic: write of undefined register %#x", s->regsel);
    }
}

static uint64_t ioapic_mmio_read(void *opaque, uint64_t offset, unsigned size)
{
    IOAPICState *s = opaque;

    switch (offset) {
    case IOAPIC_IOREGSEL: return s->regsel;
    case IOAPIC_IOWIN: return ioapic_read_window(s);
    default: return 0;
    }
}

static void ioapic_mmio_write(void *opaque, uint64_t offset, uint64_t value,
                              unsigned size)
{
    IOAPICState *s = opaque;

    switch (offset) {
    case IOAPIC_IOREGSEL: s->regsel = value; break;
    case IOAPIC_IOWIN: ioapic_write_window(s, value); break;
    default:
        log_guest_error("ioapic: write to unassigned offset %#" PRIx64, offset);
        break;
    }
}

/* The datasheet allows dword accesses only. */
static const MemoryRegionOps ioapic_mmio_ops = {
    .read = ioapic_mmio_read,
    .write = ioapic_mmio_write,
    .min_size = 4,
    .max_size = 4,
};

/* ---- device ---- */

static bool ioapic_realize(DeviceState *dev, Machine *m, Error **errp)
{
    IOAPICState *s = (IOAPICState *)dev;

    if (!m->cpu || !m->cpu->apic) {
        error_setg(errp, "the IOAPIC delivers to the local APIC: create 'apic' first");
        return false;
    }
    if (s->initial_id > IOAPIC_ID_MASK) {
        error_setg(errp, "id %u does not fit the 4-bit IOAPIC ID", s->initial_id);
        return false;
    }
    s->apic = m->cpu->apic;
    apic_set_eoi_listener(s->apic, ioapic_eoi, s);
    s->mem = &m->mem;
    memory_region_init_io(&s->mmio, "ioapic", &ioapic_mmio_ops, s, IOAPIC_MMIO_SIZE);
    address_space_map(s->mem, IOAPIC_DEFAULT_BASE, &s->mmio, 0);
    return true;
}

static void ioapic_unrealize(DeviceState *dev)
{
    IOAPICState *s = (IOAPICState *)dev;

    apic_set_eoi_listener(s->apic, NULL, NULL);
    address_space_unmap(s->mem, &s->mmio);
    memory_region_destroy(&s->mmio);
}

/* Every entry masked; the input pins are outside wires and keep their level. */
static void ioapic_reset(DeviceState *dev)
{
    IOAPICState *s = (IOAPICState *)dev;

    s->id = s->arb_id = s->initial_id;
    s->regsel = 0;
    for (int pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
        s->redtbl[pin] = RTE_MASKED;
    }
}

static const VMStateField ioapic_fields[] = {
    VMSTATE_UINT8(id, IOAPICState),
    VMSTATE_UINT8(arb_id, IOAPICState),
    VMSTATE_UINT8(regsel, IOAPICState),
    VMSTATE_UINT64_ARRAY(redtbl, IOAPICState, IOAPIC_NUM_PINS),
    VMSTATE_UINT32(pin_level, IOAPICState),
    VMSTATE_END_OF_LIST(),
};

static const VMStateDescription vmstate_ioapic = {
    .name = "ioapic",
    .version = 1,
    .fields = ioapic_fields,
};

static const Property ioapic_props[] = {
    DEFINE_PROP("ioapic-id", IOAPICState, initial_id, PROP_U8, "1",
                "IOAPIC ID (0-15), as the MADT/MP table must give it"),
    DEFINE_PROP_END(),
};

static const DeviceInfo ioapic_info = {
    .name = "ioapic",
    .desc = "82093AA I/O APIC",
    .instance_size = sizeof(IOAPICState),
    .props = ioapic_props,
    .user_creatable = false,
    .realize = ioapic_realize,
    .reset = ioapic_reset,
    .unrealize = ioapic_unrealize,
    .vmsd = &vmstate_ioapic,
};
DEVICE_REGISTER(ioapic_info)
