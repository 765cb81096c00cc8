/* isa-debug-exit: a port whose write ends the emulator, as QEMU documents it. */
/*
 * Test guests write v to the port and the emulator exits with status (v << 1) | 1,
 * so a guest can never fake a clean exit(0) or the emulator's own failure status 1.
 */
#include "hw/device.h"
#include "hw/machine.h"
#include "system/runstate.h"
#include "util/log.h"

typedef struct DebugExit {
    DeviceState dev;
    uint32_t iobase;
    uint32_t iosize;
    MemoryRegion io;
    AddressSpace *io_space;
} DebugExit;

/* QEMU's device reads as 0; nothing depends on it. */
static uint64_t debugexit_read(void *opaque, uint64_t offset, unsigned size)
{
    return 0;
}

static void debugexit_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    log_mask_printf(LOG_IOPORT, "isa-debug-exit: write 0x%" PRIx64 " (%u bytes)\n", value,
                    size);
    runstate_guest_shutdown(SHUTDOWN_CAUSE_GUEST_EXIT, (int)((value << 1) | 1));
}

/* A guest writes with outb, outw or outl; the whole value counts, as in QEMU. */
static const MemoryRegionOps debugexit_ops = {
    .read = debugexit_read,
    .write = debugexit_write,
    .min_size = 1,
    .max_size = 4,
};

static bool debugexit_realize(DeviceState *dev, Machine *m, Error **errp)
{
    DebugExit *d = (DebugExit *)dev;
    if (d->iosize == 0 || d->iobase + (uint64_t)d->iosize > 0x10000) {
        error_setg(errp, "iobase 0x%x / iosize 0x%x do not fit the I/O space", d->iobase,
                   d->iosize);
        return false;
    }
    memory_region_init_io(&d->io, "isa-debug-exit", &debugexit_ops, d, d->iosize);
    address_space_map(&m->io, d->iobase, &d->io, 0);
    d->io_space = &m->io;
    return true;
}

static void debugexit_unrealize(DeviceState *dev)
{
    DebugExit *d = (DebugExit *)dev;
    address_space_unmap(d->io_space, &d->io);
    memory_region_destroy(&d->io);
}

/* Stateless: the table exists so that every device has one. */
static const VMStateField debugexit_fields[] = {
    VMSTATE_END_OF_LIST(),
};

static const VMStateDescription vmstate_debugexit = {
    .name = "isa-debug-exit",
    .version = 1,
    .fields = debugexit_fields,
};

static const Property debugexit_props[] = {
    DEFINE_PROP("iobase", DebugExit, iobase, PROP_U32, "0x501", "I/O port"),
    DEFINE_PROP("iosize", DebugExit, iosize, PROP_U32, "0x02", "ports covered"),
    DEFINE_PROP_END(),
};

static const DeviceInfo debugexit_info = {
    .name = "isa-debug-exit",
    .desc = "exit the emulator with status (value << 1) | 1 on a port write",
    .instance_size = sizeof(DebugExit),
    .props = debugexit_props,
    .user_creatable = true,
    .realize = debugexit_realize,
    .unrealize = debugexit_unrealize,
    .vmsd = &vmstate_debugexit,
};
DEVICE_REGISTER(debugexit_info)
