/* Port 0x80: the PC's POST-code / I/O delay port, a latch with no side effects. */
/*
 * Firmware writes POST codes here and Linux writes it to waste a microsecond
 * between slow ISA accesses; reading back the last value is what POST cards show.
 */
#include "hw/device.h"
#include "hw/machine.h"
#include "util/log.h"

typedef struct IOPort80 {
    DeviceState dev;
    uint32_t iobase;
    uint8_t last; /* last value written */
    MemoryRegion io;
    AddressSpace *io_space;
} IOPort80;

static uint64_t ioport80_read(void *opaque, uint64_t offset, unsigned size)
{
    IOPort80 *p = opaque;
    return p->last;
}

static void ioport80_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    IOPort80 *p = opaque;
    p->last = value;
    log_mask_printf(LOG_IOPORT, "ioport80: POST code 0x%02x\n", p->last);
}

static const MemoryRegionOps ioport80_ops = {
    .read = ioport80_read,
    .write = ioport80_write,
    .min_size = 1,
    .max_size = 1,
};

static bool ioport80_realize(DeviceState *dev, Machine *m, Error **errp)
{
    IOPort80 *p = (IOPort80 *)dev;
    if (p->iobase > 0xffff) {
        error_setg(errp, "iobase 0x%x is outside the I/O space", p->iobase);
        return false;
    }
    memory_region_init_io(&p->io, "ioport80", &ioport80_ops, p, 1);
    address_space_map(&m->io, p->iobase, &p->io, 0);
    p->io_space = &m->io;
    return true;
}

static void ioport80_unrealize(DeviceState *dev)
{
    IOPort80 *p = (IOPort80 *)dev;
    address_space_unmap(p->io_space, &p->io);
    memory_region_destroy(&p->io);
}

static void ioport80_reset(DeviceState *dev)
{
    ((IOPort80 *)dev)->last = 0;
}

static const VMStateField ioport80_fields[] = {
    VMSTATE_UINT8(last, IOPort80),
    VMSTATE_END_OF_LIST(),
};

static const VMStateDescription vmstate_ioport80 = {
    .name = "ioport80",
    .version = 1,
    .fields = ioport80_fields,
};

static const Property ioport80_props[] = {
    DEFINE_PROP("iobase", IOPort80, iobase, PROP_U32, "0x80", "I/O port"),
    DEFINE_PROP_END(),
};

static const DeviceInfo ioport80_info = {
    .name = "ioport80",
    .desc = "POST code / I/O delay port",
    .instance_size = sizeof(IOPort80),
    .props = ioport80_props,
    .user_creatable = false,
    .realize = ioport80_realize,
    .reset = ioport80_reset,
    .unrealize = ioport80_unrealize,
    .vmsd = &vmstate_ioport80,
};
DEVICE_REGISTER(ioport80_info)
