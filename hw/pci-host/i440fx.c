/* Intel 440FX PCI host bridge (82441FX PMC), after the 440FX PCIset datasheet. */
/*
 * Configuration mechanism #1 (PCI Local Bus 3.0, 3.2.2.3.2): a dword write to 0xCF8
 * latches CONFIG_ADDRESS; byte, word and dword accesses to 0xCFC-0xCFF then reach
 * the selected register. Only bus 0 exists. A byte access to 0xCF9 is not
 * CONFIG_ADDRESS but the PIIX3's Reset Control register, which sits in the same
 * four ports and is modelled here for that reason.
 */
#include "hw/pci-host/i440fx.h"
#include "hw/machine.h"
#include "system/runstate.h"
#include "util/log.h"

#define CONFADD_ENABLE   0x80000000u /* Configuration Enable */
#define CONFADD_BUS      0x00ff0000u /* Bus Number */
#define CONFADD_DEVFN    0x0000ff00u /* Device Number, Function Number */
#define CONFADD_REGISTER 0x000000fcu /* Register Number */
#define CONFADD_MASK     (CONFADD_ENABLE | CONFADD_BUS | CONFADD_DEVFN | CONFADD_REGISTER)

#define RC_SRST 0x02 /* System Reset */
#define RC_RCPU 0x04 /* Reset CPU: a 0 to 1 transition starts the reset */

#define I440FX_SMRAM 0x72 /* System Management RAM Control */

struct I440FXState {
    PCIDevice pci;
    uint32_t config_address;
    uint8_t reset_control;

    /* Wiring, set at realize; not guest state. */
    PCIBus bus;
    MemoryRegion address_io; /* 0xCF8-0xCFB */
    MemoryRegion data_io;    /* 0xCFC-0xCFF */
    AddressSpace *io_space;
    I440FXPAMUpdateFn *pam_update;
    void *pam_opaque;
};

PCIBus *i440fx_bus(I440FXState *s)
{
    return &s->bus;
}

static PCIBus *i440fx_get_bus(DeviceState *dev)
{
    return i440fx_bus((I440FXState *)dev);
}

/* ---- PAM ---- */

static void i440fx_pam_notify(I440FXState *s)
{
    if (s->pam_update) {
        s->pam_update(s->pam_opaque, s->pci.config + I440FX_PAM0);
    }
}

void i440fx_set_pam_handler(I440FXState *s, I440FXPAMUpdateFn *update, void *opaque)
{
    s->pam_update = update;
    s->pam_opaque = opaque;
    i440fx_pam_notify(s);
}

static void i440fx_config_write(PCIDevice *d, unsigned addr, uint32_t val, unsigned len)
{
    pci_default_config_write(d, addr, val, len);
    if (addr < I440FX_PAM0 + I440FX_PAM_REGS && addr + len > I440FX_PAM0) {
        i440fx_pam_notify((I440FXState *)d);
    }
}

/* ---- 0xCF8-0xCFB: CONFIG_ADDRESS and Reset Control ---- */

static void i440fx_write_reset_control(I440FXState *s, uint8_t val)
{
    log_mask_printf(LOG_IOPORT, "i440fx: reset control = 0x%02x\n", val);
    s->reset_control = val & RC_SRST;
    if (val & RC_RCPU) {
        runstate_reset_request();
    }
}

static uint64_t i440fx_address_read(void *opaque, uint64_t offset, unsigned size)
{
    I440FXState *s = opaque;
    if (offset == 0 && size == 4) {
        return s->config_address;
    }
    if (offset == 1 && size == 1) {
        return s->reset_control;
    }
    return UINT32_MAX; /* other accesses go to the ISA bus, where nobody answers */
}

static void i440fx_address_write(void *opaque, uint64_t offset, uint64_t value,
                                 unsigned size)
{
    I440FXState *s = opaque;
    if (offset == 0 && size == 4) {
        s->config_address = value & CONFADD_MASK;
    } else if (offset == 1 && size == 1) {
        i440fx_write_reset_control(s, value);
    }
}

static const MemoryRegionOps i440fx_address_ops = {
    .read = i440fx_address_read,
    .write = i440fx_address_write,
    .min_size = 1,
    .max_size = 4,
};

/* ---- 0xCFC-0xCFF: CONFIG_DATA ---- */

/* The configuration register offset 0xCFC+offset reaches, or -1 if none. */
static int i440fx_config_target(I440FXState *s, uint64_t offset, int *devfn)
{
    if (!(s->config_address & CONFADD_ENABLE) || (s->config_address & CONFADD_BUS)) {
        return -1; /* no bridges: buses other than 0 answer with a master abort */
    }
    *devfn = (s->config_address & CONFADD_DEVFN) >> 8;
    return (s->config_address & CONFADD_REGISTER) + offset;
}

static uint64_t i440fx_data_read(void *opaque, uint64_t offset, unsigned size)
{
    I440FXState *s = opaque;
    int devfn, reg = i440fx_config_target(s, offset, &devfn);
    if (reg < 0) {
        return UINT32_MAX;
    }
    if (offset % size) { /* e.g. a word at 0xCFD: assemble it from bytes */
        uint32_t val = 0;
        for (unsigned i = 0; i < size; i++) {
            val |= pci_bus_config_read(&s->bus, devfn, reg + i, 1) << (8 * i);
        }
        return val;
    }
    return pci_bus_config_read(&s->bus, devfn, reg, size);
}

static void i440fx_data_write(void *opaque, uint64_t offset, uint64_t value,
                              unsigned size)
{
    I440FXState *s = opaque;
    int devfn, reg = i440fx_config_target(s, offset, &devfn);
    if (reg < 0) {
        return;
    }
    if (offset % size) {
        for (unsigned i = 0; i < size; i++) {
            pci_bus_config_write(&s->bus, devfn, reg + i, (value >> (8 * i)) & 0xff, 1);
        }
        return;
    }
    pci_bus_config_write(&s->bus, devfn, reg, value, size);
}

static const MemoryRegionOps i440fx_data_ops = {
    .read = i440fx_data_read,
    .write = i440fx_data_write,
    .min_size = 1,
    .max_size = 4,
};

/* ---- device ---- */

static const PCIDeviceIds i440fx_ids = {
    .vendor_id = 0x8086,
    .device_id = 0x1237,
    .revision = 0x02,
    .class_code = 0x060000, /* host bridge */
    /* QEMU's "Red Hat, QEMU virtual machine": SeaBIOS takes its QEMU paths on it. */
    .subsystem_vendor_id = 0x1af4,
    .subsystem_id = 0x1100,
};

static void i440fx_init_config(I440FXState *s)
{
    memset(s->pci.wmask + I440FX_PAM0, 0x33, I440FX_PAM_REGS);
    s->pci.wmask[I440FX_PAM0] = 0x30;   /* PAM0 only covers the BIOS area 0xF0000 */
    s->pci.wmask[I440FX_SMRAM] = 0x78;  /* D_OPEN, D_CLS, D_LCK, G_SMRAME */
    s->pci.config[I440FX_SMRAM] = 0x02; /* C_BASE_SEG: compatible SMRAM at 0xA0000 */
}

static bool i440fx_realize(DeviceState *dev, Machine *m, Error **errp)
{
    I440FXState *s = (I440FXState *)dev;
    pci_bus_init(&s->bus, "pci.0", &m->io, &m->mem);
    if (!pci_register_device(&s->bus, &s->pci, PCI_DEVFN(0, 0), &i440fx_ids, errp)) {
        return false;
    }
    s->pci.config_write = i440fx_config_write;
    i440fx_init_config(s);
    memory_region_init_io(&s->address_io, "pci-conf-addr", &i440fx_address_ops, s, 4);
    memory_region_init_io(&s->data_io, "pci-conf-data", &i440fx_data_ops, s, 4);
    address_space_map(&m->io, I440FX_CONFIG_ADDRESS, &s->address_io, 0);
    address_space_map(&m->io, I440FX_CONFIG_DATA, &s->data_io, 0);
    s->io_space = &m->io;
    return true;
}

static void i440fx_unrealize(DeviceState *dev)
{
    I440FXState *s = (I440FXState *)dev;
    address_space_unmap(s->io_space, &s->address_io);
    address_space_unmap(s->io_space, &s->data_io);
    memory_region_destroy(&s->address_io);
    memory_region_destroy(&s->data_io);
    pci_device_unrealize(&s->pci);
}

static void i440fx_reset(DeviceState *dev)
{
    I440FXState *s = (I440FXState *)dev;
    pci_device_reset(&s->pci);
    memset(s->pci.config + I440FX_PAM0, 0, I440FX_PAM_REGS);
    s->pci.config[I440FX_SMRAM] = 0x02;
    s->config_address = 0;
    s->reset_control = 0;
    i440fx_pam_notify(s);
}

static bool i440fx_post_load(void *opaque, Error **errp)
{
    i440fx_pam_notify(opaque);
    return true;
}

static const VMStateField i440fx_fields[] = {
    VMSTATE_STRUCT(pci, I440FXState, vmstate_pci_device),
    VMSTATE_UINT32(config_address, I440FXState),
    VMSTATE_UINT8(reset_control, I440FXState),
    VMSTATE_END_OF_LIST(),
};

static const VMStateDescription vmstate_i440fx = {
    .name = "i440fx",
    .version = 1,
    .fields = i440fx_fields,
    .post_load = i440fx_post_load,
};

static const DeviceInfo i440fx_info = {
    .name = "i440fx",
    .desc = "Intel 440FX PCI host bridge (bus pci.0, ports 0xCF8-0xCFF)",
    .instance_size = sizeof(I440FXState),
    .realize = i440fx_realize,
    .reset = i440fx_reset,
    .unrealize = i440fx_unrealize,
    .vmsd = &vmstate_i440fx,
};

DEVICE_REGISTER(i440fx_info)

static void __attribute__((constructor)) i440fx_register_host(void)
{
    pci_host_type_register(&i440fx_info, i440fx_get_bus);
}
