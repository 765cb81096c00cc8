/* isa-debugcon: the Bochs/QEMU debug console port (0xe9), as QEMU documents it. */
#include "hw/device.h"
#include "hw/machine.h"
#include "chardev/char.h"
#include "util/log.h"

typedef struct Debugcon {
    DeviceState dev;
    uint32_t iobase;
    uint32_t readback; /* what a read returns: lets a guest detect the port */
    Chardev *chr;
    CharFrontend fe;
    MemoryRegion io;
    AddressSpace *io_space;
} Debugcon;

static uint64_t debugcon_read(void *opaque, uint64_t offset, unsigned size)
{
    Debugcon *d = opaque;
    return d->readback;
}

/*
 * The port has no flow control, so a byte the backend refuses is lost, as on
 * QEMU when its backend fails.
 */
static void debugcon_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    Debugcon *d = opaque;
    uint8_t byte = value;

    log_mask_printf(LOG_IOPORT, "isa-debugcon: write 0x%02x\n", byte);
    if (d->fe.chr) {
        char_fe_write(&d->fe, &byte, 1);
    }
}

static const MemoryRegionOps debugcon_ops = {
    .read = debugcon_read,
    .write = debugcon_write,
    .min_size = 1,
    .max_size = 1,
};

/* Output only: the guest has no way to read input, so none is ever taken. */
static int debugcon_can_read(void *opaque)
{
    return 0;
}

static void debugcon_receive(void *opaque, const uint8_t *buf, int len)
{
}

static bool debugcon_realize(DeviceState *dev, Machine *m, Error **errp)
{
    Debugcon *d = (Debugcon *)dev;
    if (d->iobase > 0xffff) {
        error_setg(errp, "iobase 0x%x is outside the I/O space", d->iobase);
        return false;
    }
    if (d->chr) {
        if (!char_fe_init(&d->fe, d->chr, true, errp)) {
            return false;
        }
        char_fe_set_handlers(&d->fe, debugcon_can_read, debugcon_receive, NULL, d);
    }
    memory_region_init_io(&d->io, "isa-debugcon", &debugcon_ops, d, 1);
    address_space_map(&m->io, d->iobase, &d->io, 0);
    d->io_space = &m->io;
    return true;
}

static void debugcon_unrealize(DeviceState *dev)
{
    Debugcon *d = (Debugcon *)dev;
    address_space_unmap(d->io_space, &d->io);
    memory_region_destroy(&d->io);
    if (d->fe.chr) {
        char_fe_deinit(&d->fe);
    }
}

/* Stateless: the table exists so that every device has one. */
static const VMStateField debugcon_fields[] = {
    VMSTATE_END_OF_LIST(),
};

static const VMStateDescription vmstate_debugcon = {
    .name = "isa-debugcon",
    .version = 1,
    .fields = debugcon_fields,
};

static const Property debugcon_props[] = {
    DEFINE_PROP("iobase", Debugcon, iobase, PROP_U32, "0xe9", "I/O port"),
    DEFINE_PROP("readback", Debugcon, readback, PROP_U8, "0xe9", "value a read returns"),
    DEFINE_PROP("chardev", Debugcon, chr, PROP_CHARDEV, NULL, "backend id"),
    DEFINE_PROP_END(),
};

static const DeviceInfo debugcon_info = {
    .name = "isa-debugcon",
    .desc = "debug console: bytes written to the port go to a chardev",
    .instance_size = sizeof(Debugcon),
    .props = debugcon_props,
    .user_creatable = true,
    .realize = debugcon_realize,
    .unrealize = debugcon_unrealize,
    .vmsd = &vmstate_debugcon,
};
DEVICE_REGISTER(debugcon_info)
