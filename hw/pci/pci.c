/* PCI bus 0 and its functions' configuration space, after PCI Local Bus 3.0. */
/*
 * Configuration space is a byte array with two masks per byte: wmask says which
 * bits a configuration write may change, w1cmask which bits a write of 1 clears
 * (status bits). BAR addresses are stored in config[] like any register; whenever
 * the command register or a BAR changes, each BAR's decoded address is recomputed
 * and its MemoryRegion moved (or unmapped) to match.
 */
#include "hw/pci/pci.h"
#include "hw/machine.h"
#include "util/log.h"

/*
 * Below everything else: on the 440FX, DRAM below the top of memory and the chipset's
 * fixed devices decode first, so a BAR the guest misplaces over them stays hidden.
 */
#define PCI_BAR_PRIORITY -1

#define PCI_IO_SPACE_END 0x10000ull

/* ---- host bridge registry (for -device bus=...) ---- */

typedef struct PCIHostType {
    const DeviceInfo *info;
    PCIHostGetBusFn *get_bus;
} PCIHostType;

/* Process-wide like the device type registry: types register from constructors. */
static GArray *pci_host_types;

void pci_host_type_register(const DeviceInfo *info, PCIHostGetBusFn *get_bus)
{
    PCIHostType t = {.info = info, .get_bus = get_bus};
    if (!pci_host_types) {
        pci_host_types = g_array_new(false, false, sizeof(PCIHostType));
    }
    g_array_append_val(pci_host_types, t);
}

static PCIBus *pci_host_bus_of(DeviceState *dev)
{
    for (guint i = 0; pci_host_types && i < pci_host_types->len; i++) {
        PCIHostType *t = &g_array_index(pci_host_types, PCIHostType, i);
        if (t->info == dev->info) {
            return t->get_bus(dev);
        }
    }
    return NULL;
}

PCIBus *pci_find_bus(Machine *m, const char *name)
{
    for (guint i = 0; i < m->devices->len; i++) {
        PCIBus *bus = pci_host_bus_of(g_ptr_array_index(m->devices, i));
        if (bus && strcmp(bus->name, name) == 0) {
            return bus;
        }
    }
    return NULL;
}

/* ---- bus ---- */

void pci_bus_init(PCIBus *bus, const char *name, AddressSpace *io, AddressSpace *mem)
{
    *bus = (PCIBus){.name = name, .io = io, .mem = mem};
}

void pci_bus_set_irq_router(PCIBus *bus, PCIMapIRQFn *map_irq, PCISetIRQFn *set_irq,
                            void *opaque)
{
    bus->map_irq = map_irq;
    bus->set_irq = set_irq;
    bus->irq_opaque = opaque;
}

PCIDevice *pci_bus_device(PCIBus *bus, int devfn)
{
    return devfn >= 0 && devfn < PCI_DEVFN_MAX ? bus->devices[devfn] : NULL;
}

static bool pci_config_access_ok(unsigned addr, unsigned len)
{
    return (len == 1 || len == 2 || len == 4) && addr % len == 0 &&
           addr + len <= PCI_CONFIG_SPACE_SIZE;
}

uint32_t pci_bus_config_read(PCIBus *bus, int devfn, unsigned addr, unsigned len)
{
    PCIDevice *d = pci_bus_device(bus, devfn);
    uint32_t ones = len == 4 ? UINT32_MAX : (1u << (len * 8)) - 1;
    if (!d || !pci_config_access_ok(addr, len)) {
        return ones;
    }
    PCIConfigReadFn *read = d->config_read ? d->config_read : pci_default_config_read;
    return read(d, addr, len) & ones;
}

void pci_bus_config_write(PCIBus *bus, int devfn, unsigned addr, uint32_t val,
                          unsigned len)
{
    PCIDevice *d = pci_bus_device(bus, devfn);
    if (!d || !pci_config_access_ok(addr, len)) {
        return;
    }
    PCIConfigWriteFn *write =
        d->config_write ? d->config_write : pci_default_config_write;
    write(d, addr, val, len);
}

/* ---- INTx ---- */

static bool pci_intx_asserted(const PCIDevice *d)
{
    uint16_t cmd = pci_get_word(d->config + PCI_COMMAND);
    return d->intx_level && !(cmd & PCI_COMMAND_INTX_DISABLE);
}

static int pci_bus_irq_of(PCIBus *bus, const PCIDevice *d)
{
    int pin = d->config[PCI_INTERRUPT_PIN] - 1;
    if (pin < 0 || pin >= PCI_NUM_PINS || !bus->map_irq) {
        return -1;
    }
    return bus->map_irq(bus->irq_opaque, d->devfn, pin);
}

/* Lines are shared: a line's level is the OR of every function mapped onto it. */
static void pci_bus_update_irq(PCIBus *bus, int irq)
{
    int level = 0;
    for (int devfn = 0; devfn < PCI_DEVFN_MAX; devfn++) {
        PCIDevice *d = bus->devices[devfn];
        if (d && pci_bus_irq_of(bus, d) == irq && pci_intx_asserted(d)) {
            level = 1;
            break;
        }
    }
    if (bus->set_irq) {
        bus->set_irq(bus->irq_opaque, irq, level);
    }
}

static void pci_update_irq(PCIDevice *d)
{
    int irq = d->bus ? pci_bus_irq_of(d->bus, d) : -1;
    if (irq >= 0) {
        pci_bus_update_irq(d->bus, irq);
    }
}

void pci_set_irq(PCIDevice *d, int level)
{
    uint16_t status = pci_get_word(d->config + PCI_STATUS) & ~PCI_STATUS_INTERRUPT;
    d->intx_level = level != 0;
    pci_set_word(d->config + PCI_STATUS,
                 status | (d->intx_level ? PCI_STATUS_INTERRUPT : 0));
    pci_update_irq(d);
}

/* ---- BARs ---- */

static unsigned pci_bar_offset(int n)
{
    return PCI_BASE_ADDRESS_0 + 4 * n;
}

static bool pci_bar_is_64bit(const PCIBar *bar)
{
    return !(bar->type & PCI_BASE_ADDRESS_SPACE_IO) &&
           (bar->type & PCI_BASE_ADDRESS_MEM_TYPE_64);
}

static AddressSpace *pci_bar_space(const PCIDevice *d, const PCIBar *bar)
{
    return (bar->type & PCI_BASE_ADDRESS_SPACE_IO) ? d->bus->io : d->bus->mem;
}

static uint64_t pci_bar_raw_address(const PCIDevice *d, int n)
{
    const PCIBar *bar = &d->bars[n];
    uint64_t raw = pci_get_long(d->config + pci_bar_offset(n));
    if (bar->type & PCI_BASE_ADDRESS_SPACE_IO) {
        return raw & ~3ull;
    }
    if (pci_bar_is_64bit(bar)) {
        raw |= (uint64_t)pci_get_long(d->config + pci_bar_offset(n + 1)) << 32;
    }
    return raw & ~15ull;
}

/*
 * The end of the space a BAR may decode in. For 32-bit memory BARs it is one byte
 * short of 4 GiB: a BAR covering 0xFFFFFFFF is a sizing pattern, not a home.
 */
static uint64_t pci_bar_limit(const PCIDevice *d, const PCIBar *bar)
{
    if (bar->type & PCI_BASE_ADDRESS_SPACE_IO) {
        return PCI_IO_SPACE_END;
    }
    return pci_bar_is_64bit(bar) ? d->bus->mem->size : UINT32_MAX;
}

/* Where the BAR decodes now: nowhere while disabled, sized, or out of range. */
static uint64_t pci_bar_decoded_address(const PCIDevice *d, int n)
{
    const PCIBar *bar = &d->bars[n];
    uint16_t cmd = pci_get_word(d->config + PCI_COMMAND);
    bool io = bar->type & PCI_BASE_ADDRESS_SPACE_IO;
    uint64_t addr = pci_bar_raw_address(d, n), size = bar->mr->size;
    uint64_t limit = pci_bar_limit(d, bar);

    if (!(cmd & (io ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY)) || addr == 0) {
        return PCI_BAR_UNMAPPED;
    }
    if (addr > limit || size > limit - addr) {
        return PCI_BAR_UNMAPPED;
    }
    return addr;
}

static void pci_bar_move(PCIDevice *d, PCIBar *bar, uint64_t addr)
{
    AddressSpace *as = pci_bar_space(d, bar);
    if (bar->mapped != PCI_BAR_UNMAPPED) {
        address_space_unmap(as, bar->mr);
    }
    bar->mapped = addr;
    if (addr != PCI_BAR_UNMAPPED) {
        address_space_map(as, addr, bar->mr, PCI_BAR_PRIORITY);
    }
}

static void pci_update_mappings(PCIDevice *d)
{
    for (int n = 0; n < PCI_NUM_BARS; n++) {
        PCIBar *bar = &d->bars[n];
        if (!bar->mr || !d->bus) {
            continue;
        }
        uint64_t addr = pci_bar_decoded_address(d, n);
        if (addr != bar->mapped) {
            pci_bar_move(d, bar, addr);
        }
    }
}

static void pci_set_bar_masks(PCIDevice *d, int n, uint64_t size, bool is_64bit)
{
    uint64_t wmask = ~(size - 1);
    pci_set_long(d->wmask + pci_bar_offset(n), (uint32_t)wmask);
    if (is_64bit) {
        pci_set_long(d->wmask + pci_bar_offset(n + 1), (uint32_t)(wmask >> 32));
    }
}

void pci_register_bar(PCIDevice *d, int n, uint8_t type, MemoryRegion *mr)
{
    bool io = type & PCI_BASE_ADDRESS_SPACE_IO;
    bool is_64bit = !io && (type & PCI_BASE_ADDRESS_MEM_TYPE_64);
    uint64_t size = mr->size;

    assert(n >= 0 && n + is_64bit < PCI_NUM_BARS && !d->bars[n].mr);
    assert(size >= (io ? 4 : 16) && (size & (size - 1)) == 0);
    assert(io ? size <= 256 : is_64bit || size <= (1ull << 31));
    d->bars[n] = (PCIBar){.mr = mr, .type = type, .mapped = PCI_BAR_UNMAPPED};
    pci_set_long(d->config + pci_bar_offset(n), type);
    pci_set_bar_masks(d, n, size, is_64bit);
}

uint64_t pci_bar_address(const PCIDevice *d, int n)
{
    return d->bars[n].mr ? d->bars[n].mapped : PCI_BAR_UNMAPPED;
}

static void pci_unmap_bars(PCIDevice *d)
{
    for (int n = 0; n < PCI_NUM_BARS; n++) {
        PCIBar *bar = &d->bars[n];
        if (bar->mr && bar->mapped != PCI_BAR_UNMAPPED) {
            pci_bar_move(d, bar, PCI_BAR_UNMAPPED);
        }
    }
}

/* ---- configuration space accesses ---- */

uint32_t pci_default_config_read(PCIDevice *d, unsigned addr, unsigned len)
{
    uint32_t val = 0;
    for (unsigned i = 0; i < len; i++) {
        val |= (uint32_t)d->config[addr + i] << (8 * i);
    }
    return val;
}

static void pci_config_write_byte(PCIDevice *d, unsigned addr, uint8_t val)
{
    uint8_t w = d->wmask[addr], w1c = d->w1cmask[addr];
    d->config[addr] = (d->config[addr] & ~w) | (val & w);
    d->config[addr] &= ~(val & w1c);
}

static bool pci_ranges_overlap(unsigned a, unsigned alen, unsigned b, unsigned blen)
{
    return a < b + blen && b < a + alen;
}

void pci_default_config_write(PCIDevice *d, unsigned addr, uint32_t val, unsigned len)
{
    for (unsigned i = 0; i < len; i++) {
        pci_config_write_byte(d, addr + i, val >> (8 * i));
    }
    if (pci_ranges_overlap(addr, len, PCI_BASE_ADDRESS_0, 4 * PCI_NUM_BARS) ||
        pci_ranges_overlap(addr, len, PCI_COMMAND, 2)) {
        pci_update_mappings(d);
    }
    if (pci_ranges_overlap(addr, len, PCI_COMMAND, 2)) {
        pci_update_irq(d); /* Interrupt Disable may have changed */
    }
}

/* ---- capabilities ---- */

uint8_t pci_add_capability(PCIDevice *d, uint8_t cap_id, uint8_t size)
{
    unsigned off = (d->capabilities_end + 3) & ~3u;
    if (size < 2 || off + size > PCI_CONFIG_SPACE_SIZE) {
        return 0;
    }
    unsigned link = PCI_CAPABILITY_LIST;
    while (d->config[link]) {
        link = d->config[link] + 1;
    }
    d->config[link] = off;
    d->config[off] = cap_id;
    d->config[off + 1] = 0;
    d->capabilities_end = off + size;
    pci_set_word(d->config + PCI_STATUS,
                 pci_get_word(d->config + PCI_STATUS) | PCI_STATUS_CAP_LIST);
    return off;
}

/* ---- functions: registration, reset ---- */

static void pci_init_masks(PCIDevice *d)
{
    memset(d->wmask, 0, sizeof(d->wmask));
    memset(d->w1cmask, 0, sizeof(d->w1cmask));
    pci_set_word(d->wmask + PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
                                             PCI_COMMAND_MASTER | PCI_COMMAND_PARITY |
                                             PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE);
    pci_set_word(d->w1cmask + PCI_STATUS,
                 PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT |
                     PCI_STATUS_REC_TARGET_ABORT | PCI_STATUS_REC_MASTER_ABORT |
                     PCI_STATUS_SIG_SYSTEM_ERROR | PCI_STATUS_DETECTED_PARITY);
    d->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
    d->wmask[PCI_LATENCY_TIMER] = 0xff;
    d->wmask[PCI_INTERRUPT_LINE] = 0xff;
}

static void pci_init_header(PCIDevice *d, const PCIDeviceIds *ids)
{
    memset(d->config, 0, sizeof(d->config));
    pci_set_word(d->config + PCI_VENDOR_ID, ids->vendor_id);
    pci_set_word(d->config + PCI_DEVICE_ID, ids->device_id);
    pci_set_word(d->config + PCI_STATUS, PCI_STATUS_DEVSEL_MEDIUM);
    d->config[PCI_REVISION_ID] = ids->revision;
    d->config[PCI_CLASS_PROG] = ids->class_code;
    pci_set_word(d->config + PCI_CLASS_DEVICE, ids->class_code >> 8);
    d->config[PCI_HEADER_TYPE] = ids->header_type;
    pci_set_word(d->config + PCI_SUBSYSTEM_VENDOR_ID, ids->subsystem_vendor_id);
    pci_set_word(d->config + PCI_SUBSYSTEM_ID, ids->subsystem_id);
    d->config[PCI_INTERRUPT_PIN] = ids->interrupt_pin;
}

static int pci_bus_free_slot(PCIBus *bus)
{
    for (int devfn = 0; devfn < PCI_DEVFN_MAX; devfn += 8) {
        if (!bus->devices[devfn]) {
            return devfn;
        }
    }
    return -1;
}

static bool pci_check_devfn(PCIBus *bus, int devfn, Error **errp)
{
    if (devfn < 0 || devfn >= PCI_DEVFN_MAX) {
        error_setg(errp, "PCI bus %s has no free slot", bus->name);
        return false;
    }
    if (bus->devices[devfn]) {
        error_setg(errp, "PCI slot %02x.%x on bus %s is taken by '%s'", PCI_SLOT(devfn),
                   PCI_FUNC(devfn), bus->name, bus->devices[devfn]->dev.info->name);
        return false;
    }
    return true;
}

bool pci_register_device(PCIBus *bus, PCIDevice *d, int devfn, const PCIDeviceIds *ids,
                         Error **errp)
{
    if (devfn == PCI_DEVFN_AUTO) {
        devfn = pci_bus_free_slot(bus);
    }
    if (!pci_check_devfn(bus, devfn, errp)) {
        return false;
    }
    assert(ids->interrupt_pin <= PCI_NUM_PINS);
    memset(d->bars, 0, sizeof(d->bars));
    pci_init_header(d, ids);
    pci_init_masks(d);
    d->intx_level = false;
    d->capabilities_end = PCI_CONFIG_HEADER_SIZE;
    d->bus = bus;
    d->devfn = devfn;
    bus->devices[devfn] = d;
    return true;
}

static bool pci_hex_field(const char *s, char **end, unsigned max, unsigned *out)
{
    if (!g_ascii_isxdigit(*s)) {
        return false;
    }
    *out = g_ascii_strtoull(s, end, 16);
    return *out <= max;
}

/* "SLOT" or "SLOT.FN", hexadecimal with an optional 0x, as QEMU's addr property. */
static bool pci_parse_addr(const char *s, int *devfn, Error **errp)
{
    const char *p = g_str_has_prefix(s, "0x") ? s + 2 : s;
    unsigned slot, fn = 0;
    char *end;
    bool ok = pci_hex_field(p, &end, 0x1f, &slot);
    if (ok && *end == '.') {
        ok = pci_hex_field(end + 1, &end, 7, &fn);
    }
    if (!ok || *end != '\0') {
        error_setg(errp,
                   "invalid PCI address '%s' (expected SLOT[.FN] in hex, e.g. 03.0)", s);
        return false;
    }
    *devfn = PCI_DEVFN(slot, fn);
    return true;
}

bool pci_device_realize(PCIDevice *d, Machine *m, const PCIDeviceIds *ids, Error **errp)
{
    const char *name = d->bus_name ? d->bus_name : "pci.0";
    PCIBus *bus = pci_find_bus(m, name);
    int devfn = PCI_DEVFN_AUTO;
    if (!bus) {
        error_setg(errp, "PCI bus '%s' not found (the pc machine has pci.0)", name);
        return false;
    }
    if (d->addr && !pci_parse_addr(d->addr, &devfn, errp)) {
        return false;
    }
    return pci_register_device(bus, d, devfn, ids, errp);
}

void pci_device_unrealize(PCIDevice *d)
{
    if (!d->bus) {
        return;
    }
    pci_set_irq(d, 0);
    pci_unmap_bars(d);
    d->bus->devices[d->devfn] = NULL;
    d->bus = NULL;
}

static void pci_reset_bars(PCIDevice *d)
{
    for (int n = 0; n < PCI_NUM_BARS; n++) {
        PCIBar *bar = &d->bars[n];
        if (bar->mr) {
            pci_set_long(d->config + pci_bar_offset(n), bar->type);
            if (pci_bar_is_64bit(bar)) {
                pci_set_long(d->config + pci_bar_offset(n + 1), 0);
            }
        }
    }
}

void pci_device_reset(PCIDevice *d)
{
    uint16_t cmd = pci_get_word(d->config + PCI_COMMAND);
    uint16_t status = pci_get_word(d->config + PCI_STATUS);
    pci_set_word(d->config + PCI_COMMAND, cmd & ~pci_get_word(d->wmask + PCI_COMMAND));
    pci_set_word(d->config + PCI_STATUS, status & ~pci_get_word(d->w1cmask + PCI_STATUS));
    d->config[PCI_CACHE_LINE_SIZE] = 0;
    d->config[PCI_LATENCY_TIMER] = 0;
    d->config[PCI_INTERRUPT_LINE] = 0;
    pci_reset_bars(d);
    pci_update_mappings(d);
    pci_set_irq(d, 0);
}

/* ---- vmstate ---- */

static bool pci_device_post_load(void *opaque, Error **errp)
{
    PCIDevice *d = opaque;
    pci_update_mappings(d);
    pci_update_irq(d);
    return true;
}

static const VMStateField pci_device_fields[] = {
    VMSTATE_BUFFER(config, PCIDevice),
    VMSTATE_BOOL(intx_level, PCIDevice),
    VMSTATE_END_OF_LIST(),
};

const VMStateDescription vmstate_pci_device = {
    .name = "pci-device",
    .version = 1,
    .fields = pci_device_fields,
    .post_load = pci_device_post_load,
};
