/* Intel PIIX3 PCI-to-ISA bridge, function 0 (82371SB), after the PIIX3 datasheet. */
/*
 * Only the interrupt steering does anything: the four PCI interrupt lines PIRQA#..D#
 * (onto which the board swizzles every slot's INTA#..INTD#) are each routed by a
 * PIRQ Route Control register to one ISA IRQ, or nowhere, and the board also wires
 * them straight to I/O APIC inputs 16..19. The other ISA bridge registers (ISA
 * clock, APIC base, SMI control...) are plain storage that firmware may program.
 */
#include "hw/isa/piix3.h"
#include "hw/machine.h"
#include "util/log.h"

#define PIRQRC_IRQ_DISABLE 0x80 /* Interrupt Routing Enable (1 = disabled) */
#define PIRQRC_IRQ_MASK    0x0f /* IRQ Routing bits */
/* IRQ3-7, 9-12, 14, 15: the others are reserved encodings that route nowhere. */
#define PIRQRC_VALID_IRQS 0xdef8

#define PIIX3_IORT     0x4c /* ISA I/O Recovery Timer */
#define PIIX3_XBCS     0x4e /* X-Bus Chip Select Enable (2 bytes) */
#define PIIX3_TOM      0x69 /* Top of Memory */
#define PIIX3_MSTAT    0x6a /* Miscellaneous Status (2 bytes) */
#define PIIX3_MBIRQ0   0x70 /* Motherboard Device IRQ Route Control */
#define PIIX3_MBDMA    0x76 /* Motherboard Device DMA Control (2 bytes) */
#define PIIX3_PCSC     0x78 /* Programmable Chip Select Control (2 bytes) */
#define PIIX3_APICBASE 0x80 /* APIC Base Address Relocation */
#define PIIX3_DLC      0x82 /* Deterministic Latency Control */
#define PIIX3_SMICNTL  0xa0 /* SMI Control (through CTHTMR at 0xAF) */
#define PIIX3_FTMR     0xa8 /* Fast Off Timer */
#define PIIX3_SMI_END  0xb0

struct PIIX3State {
    PCIDevice pci;
    uint8_t pirq_level;      /* PIRQ lines asserted on the bus, bit n = PIRQ n */
    uint16_t isa_irq_driven; /* ISA IRQs we hold high */

    /* Wiring, set at realize / by the machine; not guest state. */
    IRQ *isa_irq;
    IRQ gsi[PIIX3_NUM_PIRQS];
};

/* Reset values and writable bits of the registers kept as plain storage. */
static const struct {
    uint8_t reg, reset, wmask;
} piix3_plain_regs[] = {
    {PIIX3_IORT, 0x4d, 0xff},     {PIIX3_XBCS, 0x03, 0xff},
    {PIIX3_XBCS + 1, 0x00, 0x03}, {PIIX3_TOM, 0x02, 0xfe},
    {PIIX3_MSTAT, 0x00, 0x07},    {PIIX3_MBIRQ0, 0x80, 0xcf},
    {PIIX3_MBDMA, 0x0c, 0x8f},    {PIIX3_MBDMA + 1, 0x0c, 0x8f},
    {PIIX3_PCSC, 0x02, 0xff},     {PIIX3_PCSC + 1, 0x00, 0xff},
    {PIIX3_APICBASE, 0x00, 0x7f}, {PIIX3_DLC, 0x00, 0x0f},
};

/* ---- interrupt steering ---- */

static int piix3_map_irq(void *opaque, int devfn, int pin)
{
    return piix3_slot_pirq(PCI_SLOT(devfn), pin);
}

static int piix3_pirq_route(PIIX3State *s, int pirq)
{
    uint8_t route = s->pci.config[PIIX3_PIRQRC + pirq];
    int irq = route & PIRQRC_IRQ_MASK;
    if ((route & PIRQRC_IRQ_DISABLE) || !(PIRQRC_VALID_IRQS & (1u << irq))) {
        return -1;
    }
    return irq;
}

static uint16_t piix3_isa_irqs_wanted(PIIX3State *s)
{
    uint16_t mask = 0;
    for (int pirq = 0; pirq < PIIX3_NUM_PIRQS; pirq++) {
        int irq = piix3_pirq_route(s, pirq);
        if (irq >= 0 && (s->pirq_level & (1u << pirq))) {
            mask |= 1u << irq;
        }
    }
    return mask;
}

static void piix3_update_isa_irqs(PIIX3State *s)
{
    uint16_t wanted = piix3_isa_irqs_wanted(s);
    uint16_t changed = wanted ^ s->isa_irq_driven;
    s->isa_irq_driven = wanted;
    for (int irq = 0; irq < ISA_NUM_IRQS && s->isa_irq; irq++) {
        if (changed & (1u << irq)) {
            irq_set(&s->isa_irq[irq], (wanted >> irq) & 1);
        }
    }
}

static void piix3_set_pirq(void *opaque, int pirq, int level)
{
    PIIX3State *s = opaque;
    uint8_t bit = 1u << pirq;
    if (!!(s->pirq_level & bit) == !!level) {
        return;
    }
    s->pirq_level ^= bit;
    irq_set(&s->gsi[pirq], level);
    piix3_update_isa_irqs(s);
}

void piix3_connect_gsi(PIIX3State *s, int pirq, const IRQ *gsi)
{
    assert(pirq >= 0 && pirq < PIIX3_NUM_PIRQS);
    s->gsi[pirq] = *gsi;
    irq_set(&s->gsi[pirq], (s->pirq_level >> pirq) & 1);
}

static void piix3_config_write(PCIDevice *d, unsigned addr, uint32_t val, unsigned len)
{
    pci_default_config_write(d, addr, val, len);
    if (addr < PIIX3_PIRQRC + PIIX3_NUM_PIRQS && addr + len > PIIX3_PIRQRC) {
        piix3_update_isa_irqs((PIIX3State *)d);
    }
}

/* ---- device ---- */

static const PCIDeviceIds piix3_ids = {
    .vendor_id = 0x8086,
    .device_id = 0x7000,
    .class_code = 0x060100, /* ISA bridge */
    /* QEMU's "Red Hat, QEMU virtual machine": SeaBIOS takes its QEMU paths on it. */
    .subsystem_vendor_id = 0x1af4,
    .subsystem_id = 0x1100,
    .header_type = PCI_HEADER_TYPE_MULTI_FUNCTION,
};

static void piix3_init_masks(PIIX3State *s)
{
    memset(s->pci.wmask + PIIX3_PIRQRC, PIRQRC_IRQ_DISABLE | PIRQRC_IRQ_MASK,
           PIIX3_NUM_PIRQS);
    memset(s->pci.wmask + PIIX3_SMICNTL, 0xff, PIIX3_SMI_END - PIIX3_SMICNTL);
    for (size_t i = 0; i < ARRAY_SIZE(piix3_plain_regs); i++) {
        s->pci.wmask[piix3_plain_regs[i].reg] = piix3_plain_regs[i].wmask;
    }
}

static void piix3_reset_registers(PIIX3State *s)
{
    memset(s->pci.config + PIIX3_PIRQRC, PIRQRC_IRQ_DISABLE, PIIX3_NUM_PIRQS);
    memset(s->pci.config + PIIX3_SMICNTL, 0, PIIX3_SMI_END - PIIX3_SMICNTL);
    s->pci.config[PIIX3_FTMR] = 0x0f;
    for (size_t i = 0; i < ARRAY_SIZE(piix3_plain_regs); i++) {
        s->pci.config[piix3_plain_regs[i].reg] = piix3_plain_regs[i].reset;
    }
}

static bool piix3_realize(DeviceState *dev, Machine *m, Error **errp)
{
    PIIX3State *s = (PIIX3State *)dev;
    if (!pci_device_realize(&s->pci, m, &piix3_ids, errp)) {
        return false;
    }
    s->pci.config_write = piix3_config_write;
    piix3_init_masks(s);
    piix3_reset_registers(s);
    s->isa_irq = m->isa_irq;
    pci_bus_set_irq_router(s->pci.bus, piix3_map_irq, piix3_set_pirq, s);
    return true;
}

static void piix3_unrealize(DeviceState *dev)
{
    PIIX3State *s = (PIIX3State *)dev;
    pci_bus_set_irq_router(s->pci.bus, NULL, NULL, NULL);
    pci_device_unrealize(&s->pci);
}

static void piix3_reset(DeviceState *dev)
{
    PIIX3State *s = (PIIX3State *)dev;
    pci_device_reset(&s->pci);
    piix3_reset_registers(s);
    piix3_update_isa_irqs(s);
}

static const VMStateField piix3_fields[] = {
    VMSTATE_STRUCT(pci, PIIX3State, vmstate_pci_device),
    VMSTATE_UINT8(pirq_level, PIIX3State),
    VMSTATE_UINT16(isa_irq_driven, PIIX3State),
    VMSTATE_END_OF_LIST(),
};

static const VMStateDescription vmstate_piix3 = {
    .name = "piix3",
    .version = 1,
    .fields = piix3_fields,
};

static const Property piix3_props[] = {
    DEFINE_PROP("bus", PIIX3State, pci.bus_name, PROP_STR, "pci.0", "PCI bus"),
    DEFINE_PROP("addr", PIIX3State, pci.addr, PROP_STR, "01.0", "slot.function (hex)"),
    DEFINE_PROP_END(),
};

static const DeviceInfo piix3_info = {
    .name = "piix3",
    .desc = "Intel PIIX3 PCI-to-ISA bridge (PCI interrupt steering)",
    .instance_size = sizeof(PIIX3State),
    .props = piix3_props,
    .realize = piix3_realize,
    .reset = piix3_reset,
    .unrealize = piix3_unrealize,
    .vmsd = &vmstate_piix3,
};
DEVICE_REGISTER(piix3_info)
