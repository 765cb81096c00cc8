/* Port 0x61, system control port B: the PIIX3's NMI Status and Control register. */
/*
 * Bit 0 gates 8254 counter 2 and bit 5 reads its OUT; bit 4 is the refresh toggle
 * that BIOSes and old drivers poll for delays. It flips every 15.085 us, the PC's
 * DRAM refresh period (counter 1 programmed with 18), and is computed from
 * CLOCK_VIRTUAL, so it needs no timer and reads the same in replay. Speaker data
 * (bit 1) is kept for the audio model to come; no NMI source exists yet, so the
 * status bits 6 and 7 read 0.
 */
#include "hw/device.h"
#include "hw/machine.h"
#include "hw/timer/i8254.h"
#include "util/log.h"

#define PORT61_TIM2_GATE 0x01 /* Timer Counter 2 Enable (TIM_CNT2_EN) */
#define PORT61_SPKR_DATA 0x02 /* Speaker Data Enable (SPKR_DAT_EN) */
#define PORT61_PCI_SERR  0x04 /* PCI SERR# Enable (PCI_SERR_EN), active low */
#define PORT61_IOCHK     0x08 /* IOCHK# NMI Enable (IOCHK_NMI_EN), active low */
#define PORT61_REFRESH   0x10 /* Refresh Cycle Toggle (REF_TOGGLE) */
#define PORT61_TIM2_OUT  0x20 /* Timer Counter 2 OUT Status (TMR2_OUT_STS) */
#define PORT61_WRITABLE  0x0f

#define PORT61_REFRESH_TICKS 18 /* PIT clock edges per refresh request */

typedef struct Port61 {
    DeviceState dev;
    uint8_t control; /* bits 0-3 as written */
    PITState *pit;
    MemoryRegion io;
    AddressSpace *io_space;
} Port61;

static bool port61_refresh_toggle(void)
{
    int64_t ticks = pit_ns_to_ticks(clock_get_ns(CLOCK_VIRTUAL));
    return (ticks / PORT61_REFRESH_TICKS) & 1;
}

static uint64_t port61_read(void *opaque, uint64_t offset, unsigned size)
{
    Port61 *p = opaque;
    uint8_t val = p->control;

    val |= port61_refresh_toggle() ? PORT61_REFRESH : 0;
    val |= pit_get_out(p->pit, 2) ? PORT61_TIM2_OUT : 0;
    log_mask_printf(LOG_IOPORT, "port61: read 0x%02x\n", val);
    return val;
}

static void port61_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    Port61 *p = opaque;

    p->control = value & PORT61_WRITABLE;
    log_mask_printf(LOG_IOPORT, "port61: write 0x%02x\n", p->control);
    pit_set_gate(p->pit, 2, p->control & PORT61_TIM2_GATE);
}

static const MemoryRegionOps port61_ops = {
    .read = port61_read,
    .write = port61_write,
    .min_size = 1,
    .max_size = 1,
};

static bool port61_realize(DeviceState *dev, Machine *m, Error **errp)
{
    Port61 *p = (Port61 *)dev;

    p->pit = pit_find(m);
    if (!p->pit) {
        error_setg(errp, "port61 needs an isa-pit, created before it");
        return false;
    }
    memory_region_init_io(&p->io, "port61", &port61_ops, p, 1);
    address_space_map(&m->io, 0x61, &p->io, 0);
    p->io_space = &m->io;
    return true;
}

static void port61_unrealize(DeviceState *dev)
{
    Port61 *p = (Port61 *)dev;

    address_space_unmap(p->io_space, &p->io);
    memory_region_destroy(&p->io);
}

static void port61_reset(DeviceState *dev)
{
    Port61 *p = (Port61 *)dev;

    p->control = 0;
    pit_set_gate(p->pit, 2, false);
}

static bool port61_post_load(void *opaque, Error **errp)
{
    Port61 *p = opaque;

    p->control &= PORT61_WRITABLE;
    return true;
}

static const VMStateField port61_fields[] = {
    VMSTATE_UINT8(control, Port61),
    VMSTATE_END_OF_LIST(),
};

static const VMStateDescription vmstate_port61 = {
    .name = "port61",
    .version = 1,
    .fields = port61_fields,
    .post_load = port61_post_load,
};

static const DeviceInfo port61_info = {
    .name = "port61",
    .desc = "system control port B: PIT counter 2 gate and OUT, speaker, refresh toggle",
    .instance_size = sizeof(Port61),
    .realize = port61_realize,
    .reset = port61_reset,
    .unrealize = port61_unrealize,
    .vmsd = &vmstate_port61,
};
DEVICE_REGISTER(port61_info)
