/* QEMU firmware configuration device (I/O port variant), after docs/specs/fw_cfg.rst. */
/*
 * Items live in two tables, generic keys and architecture-specific keys (selector
 * bit 15); bit 14, the legacy write flag, is ignored as QEMU has done since 2.4.
 * The traditional interface reads one byte per access; the DMA interface copies a
 * whole transfer described by an FWCfgDmaAccess in guest memory, synchronously, so
 * the control word already reads "done" when the guest's port write returns.
 */
#include "hw/nvram/fw_cfg.h"
#include "hw/device.h"
#include "hw/machine.h"
#include "util/log.h"

#define FW_CFG_ENTRIES         (FW_CFG_FILE_FIRST + FW_CFG_MAX_FILES)
#define FW_CFG_KEY_MASK        0x3fff
#define FW_CFG_DMA_ACCESS_SIZE 16 /* control, length: be32; address: be64 */
#define FW_CFG_FILE_ENTRY_SIZE 64 /* size: be32, select: be16, reserved, name[56] */

typedef struct FWCfgEntry {
    uint8_t *data;
    uint32_t len;
    bool writable; /* through DMA writes */
} FWCfgEntry;

typedef struct FWCfgFile {
    char name[FW_CFG_MAX_FILE_PATH];
} FWCfgFile;

struct FWCfgState {
    DeviceState dev;
    uint32_t iobase;
    uint32_t dma_iobase;
    bool dma_enabled;

    /* Guest-visible state. */
    uint16_t cur_key;
    uint32_t cur_offset;
    uint64_t dma_addr;

    /* Contents, set by the machine; not guest state. */
    FWCfgEntry entries[2][FW_CFG_ENTRIES]; /* [arch-specific][key & 0x3fff] */
    FWCfgFile files[FW_CFG_MAX_FILES];
    unsigned nr_files;
    MemoryRegion io;
    MemoryRegion dma_io;
    AddressSpace *io_space;
    AddressSpace *dma_space;
};

/* ---- items ---- */

static FWCfgEntry *fw_cfg_entry(FWCfgState *s, uint16_t key)
{
    unsigned index = key & FW_CFG_KEY_MASK;
    if (index >= FW_CFG_ENTRIES) {
        return NULL;
    }
    return &s->entries[(key & FW_CFG_ARCH_LOCAL) != 0][index];
}

static void fw_cfg_set_entry(FWCfgState *s, uint16_t key, const void *data, size_t len,
                             bool writable)
{
    FWCfgEntry *e = fw_cfg_entry(s, key);
    assert(e && len <= UINT32_MAX);
    g_free(e->data);
    e->data = len ? g_memdup2(data, len) : NULL;
    e->len = len;
    e->writable = writable;
}

void fw_cfg_add_bytes(FWCfgState *s, uint16_t key, const void *data, size_t len)
{
    fw_cfg_set_entry(s, key, data, len, false);
}

void fw_cfg_add_string(FWCfgState *s, uint16_t key, const char *str)
{
    fw_cfg_add_bytes(s, key, str, strlen(str) + 1);
}

void fw_cfg_add_i16(FWCfgState *s, uint16_t key, uint16_t value)
{
    uint16_t le = GUINT16_TO_LE(value);
    fw_cfg_add_bytes(s, key, &le, sizeof(le));
}

void fw_cfg_add_i32(FWCfgState *s, uint16_t key, uint32_t value)
{
    uint32_t le = GUINT32_TO_LE(value);
    fw_cfg_add_bytes(s, key, &le, sizeof(le));
}

void fw_cfg_add_i64(FWCfgState *s, uint16_t key, uint64_t value)
{
    uint64_t le = GUINT64_TO_LE(value);
    fw_cfg_add_bytes(s, key, &le, sizeof(le));
}

/* ---- files ---- */

static void fw_cfg_put_be32(uint8_t *p, uint32_t v)
{
    v = GUINT32_TO_BE(v);
    memcpy(p, &v, 4);
}

static void fw_cfg_put_be16(uint8_t *p, uint16_t v)
{
    v = GUINT16_TO_BE(v);
    memcpy(p, &v, 2);
}

static void fw_cfg_rebuild_directory(FWCfgState *s)
{
    size_t len = 4 + FW_CFG_FILE_ENTRY_SIZE * s->nr_files;
    g_autofree uint8_t *dir = g_malloc0(len);
    fw_cfg_put_be32(dir, s->nr_files);
    for (unsigned i = 0; i < s->nr_files; i++) {
        uint8_t *entry = dir + 4 + FW_CFG_FILE_ENTRY_SIZE * i;
        fw_cfg_put_be32(entry, s->entries[0][FW_CFG_FILE_FIRST + i].len);
        fw_cfg_put_be16(entry + 4, FW_CFG_FILE_FIRST + i);
        memcpy(entry + 8, s->files[i].name, FW_CFG_MAX_FILE_PATH);
    }
    fw_cfg_add_bytes(s, FW_CFG_FILE_DIR, dir, len);
}

static int fw_cfg_find_file(FWCfgState *s, const char *name)
{
    for (unsigned i = 0; i < s->nr_files; i++) {
        if (strcmp(s->files[i].name, name) == 0) {
            return i;
        }
    }
    return -1;
}

static bool fw_cfg_set_file(FWCfgState *s, const char *name, const void *data, size_t len,
                            bool writable, Error **errp)
{
    int i = fw_cfg_find_file(s, name);
    if (strlen(name) >= FW_CFG_MAX_FILE_PATH) {
        error_setg(errp, "fw_cfg: file name '%s' is longer than %d characters", name,
                   FW_CFG_MAX_FILE_PATH - 1);
        return false;
    }
    if (i < 0 && s->nr_files == FW_CFG_MAX_FILES) {
        error_setg(errp, "fw_cfg: no room for file '%s' (%d files at most)", name,
                   FW_CFG_MAX_FILES);
        return false;
    }
    if (i < 0) {
        i = s->nr_files++;
        g_strlcpy(s->files[i].name, name, FW_CFG_MAX_FILE_PATH);
    }
    fw_cfg_set_entry(s, FW_CFG_FILE_FIRST + i, data, len, writable);
    fw_cfg_rebuild_directory(s);
    return true;
}

bool fw_cfg_add_file(FWCfgState *s, const char *name, const void *data, size_t len,
                     Error **errp)
{
    return fw_cfg_set_file(s, name, data, len, false, errp);
}

bool fw_cfg_add_file_writable(FWCfgState *s, const char *name, const void *data,
                              size_t len, Error **errp)
{
    return fw_cfg_set_file(s, name, data, len, true, errp);
}

const uint8_t *fw_cfg_file_data(FWCfgState *s, const char *name, size_t *len)
{
    int i = fw_cfg_find_file(s, name);
    if (i < 0) {
        return NULL;
    }
    *len = s->entries[0][FW_CFG_FILE_FIRST + i].len;
    return s->entries[0][FW_CFG_FILE_FIRST + i].data;
}

bool fw_cfg_add_e820(FWCfgState *s, const FWCfgE820Entry *entries, size_t n, Error **errp)
{
    g_autofree uint8_t *table = g_malloc0(20 * n);
    for (size_t i = 0; i < n; i++) {
        uint64_t addr = GUINT64_TO_LE(entries[i].address);
        uint64_t len = GUINT64_TO_LE(entries[i].length);
        uint32_t type = GUINT32_TO_LE(entries[i].type);
        memcpy(table + 20 * i, &addr, 8);
        memcpy(table + 20 * i + 8, &len, 8);
        memcpy(table + 20 * i + 16, &type, 4);
    }
    return fw_cfg_add_file(s, "etc/e820", table, 20 * n, errp);
}

static void fw_cfg_add_boot_part(FWCfgState *s, uint16_t addr_key, uint32_t addr,
                                 uint16_t size_key, const void *data, size_t size,
                                 uint16_t data_key)
{
    fw_cfg_add_i32(s, addr_key, addr);
    fw_cfg_add_i32(s, size_key, size);
    fw_cfg_add_bytes(s, data_key, data, size);
}

void fw_cfg_add_linux_boot(FWCfgState *s, const FWCfgLinuxBoot *b)
{
    const char *cmdline = b->cmdline ? b->cmdline : "";
    fw_cfg_add_boot_part(s, FW_CFG_SETUP_ADDR, b->setup_addr, FW_CFG_SETUP_SIZE, b->setup,
                         b->setup_size, FW_CFG_SETUP_DATA);
    fw_cfg_add_boot_part(s, FW_CFG_KERNEL_ADDR, b->kernel_addr, FW_CFG_KERNEL_SIZE,
                         b->kernel, b->kernel_size, FW_CFG_KERNEL_DATA);
    fw_cfg_add_boot_part(s, FW_CFG_INITRD_ADDR, b->initrd_addr, FW_CFG_INITRD_SIZE,
                         b->initrd, b->initrd_size, FW_CFG_INITRD_DATA);
    fw_cfg_add_boot_part(s, FW_CFG_CMDLINE_ADDR, b->cmdline_addr, FW_CFG_CMDLINE_SIZE,
                         cmdline, strlen(cmdline) + 1, FW_CFG_CMDLINE_DATA);
    /* The pre-1.0 interface: the command line's address under its own key. */
    fw_cfg_add_i32(s, FW_CFG_KERNEL_CMDLINE, b->cmdline_addr);
}

/* ---- traditional interface ---- */

static void fw_cfg_select(FWCfgState *s, uint16_t key)
{
    log_mask_printf(LOG_IOPORT, "fw_cfg: select 0x%04x\n", key);
    s->cur_key = key;
    s->cur_offset = 0;
}

static uint8_t fw_cfg_read_byte(FWCfgState *s)
{
    FWCfgEntry *e = fw_cfg_entry(s, s->cur_key);
    if (!e || s->cur_offset >= e->len) {
        return 0;
    }
    return e->data[s->cur_offset++];
}

/* 0x510: a word write selects, byte and word reads return data bytes (as QEMU). */
static uint64_t fw_cfg_io_read(void *opaque, uint64_t offset, unsigned size)
{
    uint64_t val = 0;
    for (unsigned i = 0; i < size; i++) {
        val |= (uint64_t)fw_cfg_read_byte(opaque) << (8 * i);
    }
    return val;
}

static void fw_cfg_io_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    if (offset == 0 && size == 2) {
        fw_cfg_select(opaque, value);
    }
    /* Data port writes have been ignored since QEMU 2.4; DMA is the way to write. */
}

static const MemoryRegionOps fw_cfg_io_ops = {
    .read = fw_cfg_io_read,
    .write = fw_cfg_io_write,
    .min_size = 1,
    .max_size = 2,
};

/* ---- DMA interface ---- */

typedef struct FWCfgDmaAccess {
    uint32_t control;
    uint32_t length;
    uint64_t address;
} FWCfgDmaAccess;

static bool fw_cfg_dma_fetch(FWCfgState *s, FWCfgDmaAccess *dma)
{
    uint8_t raw[FW_CFG_DMA_ACCESS_SIZE];
    if (!dma_read(s->dma_space, s->dma_addr, raw, sizeof(raw))) {
        return false;
    }
    memcpy(&dma->control, raw, 4);
    memcpy(&dma->length, raw + 4, 4);
    memcpy(&dma->address, raw + 8, 8);
    dma->control = GUINT32_FROM_BE(dma->control);
    dma->length = GUINT32_FROM_BE(dma->length);
    dma->address = GUINT64_FROM_BE(dma->address);
    return true;
}

static uint32_t fw_cfg_remaining(FWCfgEntry *e, uint32_t offset)
{
    return e && offset < e->len ? e->len - offset : 0;
}

static void fw_cfg_advance(FWCfgState *s, FWCfgEntry *e, uint32_t length)
{
    s->cur_offset += MIN(length, fw_cfg_remaining(e, s->cur_offset));
}

static bool fw_cfg_dma_zero(FWCfgState *s, uint64_t addr, uint64_t len)
{
    static const uint8_t zeros[4096];
    while (len) {
        uint64_t n = MIN(len, sizeof(zeros));
        if (!dma_write(s->dma_space, addr, zeros, n)) {
            return false;
        }
        addr += n;
        len -= n;
    }
    return true;
}

/* Past the end of the item, a read delivers zeros, like the data port. */
static bool fw_cfg_dma_do_read(FWCfgState *s, FWCfgEntry *e, const FWCfgDmaAccess *dma)
{
    uint32_t n = MIN(dma->length, fw_cfg_remaining(e, s->cur_offset));
    if (n && !dma_write(s->dma_space, dma->address, e->data + s->cur_offset, n)) {
        return false;
    }
    fw_cfg_advance(s, e, dma->length);
    return fw_cfg_dma_zero(s, dma->address + n, dma->length - n);
}

/* Writes may neither grow the item nor be partial; read-only items refuse them. */
static bool fw_cfg_dma_do_write(FWCfgState *s, FWCfgEntry *e, const FWCfgDmaAccess *dma)
{
    if (!e || !e->writable || dma->length > fw_cfg_remaining(e, s->cur_offset)) {
        log_guest_error("fw_cfg: DMA write of %u bytes to key 0x%04x refused",
                        dma->length, s->cur_key);
        return false;
    }
    if (!dma_read(s->dma_space, dma->address, e->data + s->cur_offset, dma->length)) {
        return false;
    }
    s->cur_offset += dma->length;
    return true;
}

static bool fw_cfg_dma_transfer(FWCfgState *s, const FWCfgDmaAccess *dma)
{
    if (dma->control & FW_CFG_DMA_CTL_SELECT) {
        fw_cfg_select(s, dma->control >> 16);
    }
    FWCfgEntry *e = fw_cfg_entry(s, s->cur_key);
    if (dma->control & FW_CFG_DMA_CTL_READ) {
        return fw_cfg_dma_do_read(s, e, dma);
    }
    if (dma->control & FW_CFG_DMA_CTL_WRITE) {
        return fw_cfg_dma_do_write(s, e, dma);
    }
    if (dma->control & FW_CFG_DMA_CTL_SKIP) {
        fw_cfg_advance(s, e, dma->length);
    }
    return true;
}

static void fw_cfg_dma_run(FWCfgState *s)
{
    FWCfgDmaAccess dma;
    if (!fw_cfg_dma_fetch(s, &dma)) {
        log_guest_error("fw_cfg: DMA descriptor at 0x%" PRIx64 " is not in memory",
                        s->dma_addr);
    } else {
        uint32_t result = fw_cfg_dma_transfer(s, &dma) ? 0 : FW_CFG_DMA_CTL_ERROR;
        result = GUINT32_TO_BE(result);
        dma_write(s->dma_space, s->dma_addr, &result, sizeof(result));
    }
    s->dma_addr = 0;
}

static uint64_t fw_cfg_dma_io_read(void *opaque, uint64_t offset, unsigned size)
{
    static const char signature[8] = "QEMU CFG";
    uint64_t val = 0;
    for (unsigned i = 0; i < size; i++) {
        val |= (uint64_t)(uint8_t)signature[offset + i] << (8 * i);
    }
    return val;
}

/* The register is big endian: the guest's bytes arrive swapped in `value`. */
static void fw_cfg_dma_io_write(void *opaque, uint64_t offset, uint64_t value,
                                unsigned size)
{
    FWCfgState *s = opaque;
    if (size == 8 && offset == 0) {
        s->dma_addr = GUINT64_FROM_BE(value);
        fw_cfg_dma_run(s);
    } else if (size == 4 && offset == 0) {
        s->dma_addr = (uint64_t)GUINT32_FROM_BE(value) << 32;
    } else if (size == 4 && offset == 4) {
        s->dma_addr |= GUINT32_FROM_BE(value);
        fw_cfg_dma_run(s);
    }
}

static const MemoryRegionOps fw_cfg_dma_io_ops = {
    .read = fw_cfg_dma_io_read,
    .write = fw_cfg_dma_io_write,
    .min_size = 4,
    .max_size = 8,
};

/* ---- device ---- */

static void fw_cfg_add_defaults(FWCfgState *s, Machine *m)
{
    static const uint8_t no_uuid[16];
    fw_cfg_add_bytes(s, FW_CFG_SIGNATURE, "QEMU", 4);
    fw_cfg_add_i32(s, FW_CFG_ID,
                   FW_CFG_VERSION | (s->dma_enabled ? FW_CFG_VERSION_DMA : 0));
    fw_cfg_add_bytes(s, FW_CFG_UUID, no_uuid, sizeof(no_uuid));
    fw_cfg_add_i64(s, FW_CFG_RAM_SIZE, m->ram_size);
    fw_cfg_add_i16(s, FW_CFG_NOGRAPHIC, 0);
    fw_cfg_add_i16(s, FW_CFG_NB_CPUS, 1);
    fw_cfg_add_i16(s, FW_CFG_MAX_CPUS, 1);
    fw_cfg_add_i16(s, FW_CFG_BOOT_MENU, 0);
    fw_cfg_rebuild_directory(s);
    fw_cfg_add_file(s, "bootorder", NULL, 0, NULL);
    /* SeaBIOS reboots after this many ms without a boot device; -1: never (QEMU's). */
    uint32_t boot_fail_wait = GUINT32_TO_LE(UINT32_MAX);
    fw_cfg_add_file(s, "etc/boot-fail-wait", &boot_fail_wait, 4, NULL);
}

static bool fw_cfg_check_ports(FWCfgState *s, Error **errp)
{
    if (s->iobase > 0x10000 - 2 || (s->dma_enabled && s->dma_iobase > 0x10000 - 8)) {
        error_setg(errp, "fw_cfg: iobase 0x%x / dma_iobase 0x%x do not fit the I/O space",
                   s->iobase, s->dma_iobase);
        return false;
    }
    return true;
}

static bool fw_cfg_realize(DeviceState *dev, Machine *m, Error **errp)
{
    FWCfgState *s = (FWCfgState *)dev;
    if (!fw_cfg_check_ports(s, errp)) {
        return false;
    }
    fw_cfg_add_defaults(s, m);
    memory_region_init_io(&s->io, "fw_cfg", &fw_cfg_io_ops, s, 2);
    address_space_map(&m->io, s->iobase, &s->io, 0);
    if (s->dma_enabled) {
        memory_region_init_io(&s->dma_io, "fw_cfg-dma", &fw_cfg_dma_io_ops, s, 8);
        address_space_map(&m->io, s->dma_iobase, &s->dma_io, 0);
    }
    s->io_space = &m->io;
    s->dma_space = &m->mem;
    return true;
}

static void fw_cfg_unrealize(DeviceState *dev)
{
    FWCfgState *s = (FWCfgState *)dev;
    address_space_unmap(s->io_space, &s->io);
    memory_region_destroy(&s->io);
    if (s->dma_enabled) {
        address_space_unmap(s->io_space, &s->dma_io);
        memory_region_destroy(&s->dma_io);
    }
    for (unsigned arch = 0; arch < 2; arch++) {
        for (unsigned i = 0; i < FW_CFG_ENTRIES; i++) {
            g_free(s->entries[arch][i].data);
        }
    }
}

static void fw_cfg_reset(DeviceState *dev)
{
    FWCfgState *s = (FWCfgState *)dev;
    fw_cfg_select(s, FW_CFG_SIGNATURE);
    s->dma_addr = 0;
}

static const VMStateField fw_cfg_fields[] = {
    VMSTATE_UINT16(cur_key, FWCfgState),
    VMSTATE_UINT32(cur_offset, FWCfgState),
    VMSTATE_UINT64(dma_addr, FWCfgState),
    VMSTATE_END_OF_LIST(),
};

static const VMStateDescription vmstate_fw_cfg = {
    .name = "fw_cfg",
    .version = 1,
    .fields = fw_cfg_fields,
};

static const Property fw_cfg_props[] = {
    DEFINE_PROP("iobase", FWCfgState, iobase, PROP_U32, "0x510", "selector/data ports"),
    DEFINE_PROP("dma_iobase", FWCfgState, dma_iobase, PROP_U32, "0x514",
                "DMA address register"),
    DEFINE_PROP("dma_enabled", FWCfgState, dma_enabled, PROP_BOOL, "on",
                "offer the DMA interface"),
    DEFINE_PROP_END(),
};

static const DeviceInfo fw_cfg_info = {
    .name = "fw_cfg",
    .desc = "QEMU firmware configuration device (ports 0x510, 0x511, DMA 0x514)",
    .instance_size = sizeof(FWCfgState),
    .props = fw_cfg_props,
    .realize = fw_cfg_realize,
    .reset = fw_cfg_reset,
    .unrealize = fw_cfg_unrealize,
    .vmsd = &vmstate_fw_cfg,
};
DEVICE_REGISTER(fw_cfg_info)
