/* Firmware boot for the pc machine: the BIOS flash and the i440FX shadow RAM (PAM). */
/*
 * The image is a ROM at the top of the 4 GiB space, where the CPU's first fetch
 * (CS base 0xFFFF0000 + 0xFFF0) lands. Its last 128 KiB also answer at
 * 0xE0000-0xFFFFF, as the ISA BIOS. Over 0xC0000-0xFFFFF the 440FX's Programmable
 * Attribute Map (PAM0-PAM6, 82441FX datasheet 3.2.18) decides per segment whether
 * reads and writes reach DRAM or the PCI/ISA side (the ROM there, nothing below
 * 0xE0000); SeaBIOS copies itself into the shadow DRAM and then write-protects it.
 *
 * Each segment gets an overlay above RAM for its current mode: an alias of the ROM
 * (or all ones), a read-only alias of the RAM beneath, or a region that reads the
 * ROM and writes the RAM; read/write DRAM needs no overlay. Translated code over a
 * segment is dropped whenever its mode changes, since the bytes behind the addresses
 * change.
 */
#include "hw/i386/pc-bios.h"
#include "hw/i386/pc.h"
#include "hw/acpi/acpi.h"
#include "hw/nvram/fw_cfg.h"
#include "hw/pci-host/i440fx.h"
#include "util/log.h"

#define BIOS_MAX_SIZE    (16u << 20)
#define BIOS_ISA_SIZE    (128u << 10) /* the part that also appears below 1 MiB */
#define BIOS_AREA_START  0xc0000u
#define BIOS_AREA_END    0x100000u
#define PAM_SEGMENTS     13  /* 0xF0000 (64 KiB), then 0xC0000..0xEC000 (16 KiB) */
#define PAM_OVERLAY_PRIO 1   /* above RAM, below the APIC */
#define PAM_RE           0x1 /* Read Enable: reads go to DRAM */
#define PAM_WE           0x2 /* Write Enable: writes go to DRAM */
#define PAM_RAM          (PAM_RE | PAM_WE)

typedef struct PAMSegment {
    uint32_t base, size;
    uint8_t mode;            /* PAM_RE/PAM_WE bits now mapped */
    MemoryRegion *mapped;    /* the overlay in place, NULL for read/write DRAM */
    MemoryRegion pci_side;   /* ROM alias, or all ones below the ISA BIOS */
    MemoryRegion ram_ro;     /* read-only alias of the DRAM beneath */
    MemoryRegion write_only; /* reads the PCI side, writes DRAM */
} PAMSegment;

typedef struct PCBios {
    Machine *m;
    MemoryRegion rom;
    uint32_t isa_size; /* bytes of the image mapped below 1 MiB */
    PAMSegment seg[PAM_SEGMENTS];
} PCBios;

/* ---- the PCI side of a segment: ROM or nothing ---- */

static bool bios_seg_has_rom(const PCBios *b, const PAMSegment *s)
{
    return s->base >= BIOS_AREA_END - b->isa_size;
}

static uint64_t bios_pci_side_read(PCBios *b, PAMSegment *s, uint64_t off, unsigned n)
{
    uint64_t v = 0;

    if (!bios_seg_has_rom(b, s)) {
        return n >= 8 ? ~0ull : (1ull << (8 * n)) - 1;
    }
    memcpy(&v, b->rom.ram + b->rom.size - (BIOS_AREA_END - s->base) + off, n);
    return v;
}

static uint64_t bios_unassigned_read(void *opaque, uint64_t off, unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static void bios_drop_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
}

static const MemoryRegionOps bios_unassigned_ops = {
    .read = bios_unassigned_read,
    .write = bios_drop_write,
};

/* ---- write-only shadow: reads from the PCI side, writes to DRAM ---- */

typedef struct PAMWriteOnly {
    PCBios *b;
    PAMSegment *s;
} PAMWriteOnly;

static uint64_t bios_wo_read(void *opaque, uint64_t off, unsigned size)
{
    PAMWriteOnly *w = opaque;
    return bios_pci_side_read(w->b, w->s, off, size);
}

static void bios_wo_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    PAMWriteOnly *w = opaque;
    MemoryRegion *ram = &w->b->m->ram;

    memcpy(ram->ram + w->s->base + off, &val, size);
    memory_notify_write(ram, w->s->base + off, size);
}

static const MemoryRegionOps bios_wo_ops = {
    .read = bios_wo_read,
    .write = bios_wo_write,
};

/* ---- segments ---- */

static void bios_seg_init(PCBios *b, PAMSegment *s, uint32_t base, uint32_t size)
{
    PAMWriteOnly *w = g_new0(PAMWriteOnly, 1); /* lives as long as the machine */

    *w = (PAMWriteOnly){b, s};
    s->base = base;
    s->size = size;
    s->mode = PAM_RAM;
    if (bios_seg_has_rom(b, s)) {
        memory_region_init_alias(&s->pci_side, "isa-bios", &b->rom,
                                 b->rom.size - (BIOS_AREA_END - base), size);
    } else {
        memory_region_init_io(&s->pci_side, "pci-hole", &bios_unassigned_ops, b, size);
    }
    memory_region_init_alias(&s->ram_ro, "shadow-ro", &b->m->ram, base, size);
    memory_region_set_readonly(&s->ram_ro, true);
    memory_region_init_io(&s->write_only, "shadow-wo", &bios_wo_ops, w, size);
}

/* The segment's attribute bits in the seven PAM registers. */
static uint8_t bios_seg_mode(const uint8_t *pam, unsigned i)
{
    if (i == 0) {
        return (pam[0] >> 4) & PAM_RAM; /* PAM0's high nibble: 0xF0000-0xFFFFF */
    }
    return (pam[1 + (i - 1) / 2] >> (4 * ((i - 1) % 2))) & PAM_RAM;
}

static MemoryRegion *bios_seg_overlay(PAMSegment *s, uint8_t mode)
{
    switch (mode) {
    case 0: return &s->pci_side;
    case PAM_RE: return &s->ram_ro;
    case PAM_WE: return &s->write_only;
    default: return NULL;
    }
}

/* Code translated from what the segment showed so far is stale from now on. */
static void bios_seg_drop_code(PCBios *b, PAMSegment *s)
{
    AddressSpace *as = &b->m->mem;

    for (uint64_t a = s->base; a < s->base + s->size;) {
        const FlatRange *fr = address_space_find(as, a);
        uint64_t end = fr ? MIN(fr->end, (uint64_t)s->base + s->size) : a + PAGE_SIZE;
        if (fr && fr->mr->ram && fr->mr->code_map) {
            tb_invalidate_ram_range(fr->mr, a - fr->start + fr->offset_in_region,
                                    end - a);
        }
        a = end;
    }
}

static void bios_seg_set_mode(PCBios *b, PAMSegment *s, uint8_t mode)
{
    MemoryRegion *overlay = bios_seg_overlay(s, mode);

    if (mode == s->mode) {
        return;
    }
    log_mask_printf(LOG_IOPORT, "pam: 0x%05x-0x%05x mode %u -> %u\n", s->base,
                    s->base + s->size - 1, s->mode, mode);
    bios_seg_drop_code(b, s);
    if (s->mapped) {
        address_space_unmap(&b->m->mem, s->mapped);
    }
    if (overlay) {
        address_space_map(&b->m->mem, s->base, overlay, PAM_OVERLAY_PRIO);
    }
    s->mapped = overlay;
    s->mode = mode;
}

static void bios_pam_update(void *opaque, const uint8_t *pam)
{
    PCBios *b = opaque;

    for (unsigned i = 0; i < PAM_SEGMENTS; i++) {
        bios_seg_set_mode(b, &b->seg[i], bios_seg_mode(pam, i));
    }
}

static void bios_init_segments(PCBios *b)
{
    bios_seg_init(b, &b->seg[0], 0xf0000, 0x10000);
    for (unsigned i = 1; i < PAM_SEGMENTS; i++) {
        bios_seg_init(b, &b->seg[i], BIOS_AREA_START + (i - 1) * 0x4000, 0x4000);
    }
}

/* ---- loading ---- */

static bool bios_read_image(PCBios *b, const char *path, Error **errp)
{
    g_autofree char *data = NULL;
    gsize len = 0;
    GError *err = NULL;

    if (!g_file_get_contents(path, &data, &len, &err)) {
        error_setg(errp, "-bios %s: %s", path, err->message);
        g_error_free(err);
        return false;
    }
    if (len == 0 || len % 0x10000 || len > BIOS_MAX_SIZE) {
        error_setg(errp,
                   "-bios %s: the image is %zu bytes; it must be a multiple of "
                   "64 KiB, up to 16 MiB",
                   path, (size_t)len);
        return false;
    }
    memory_region_init_rom(&b->rom, "pc.bios", len);
    memcpy(b->rom.ram, data, len);
    b->isa_size = MIN((uint32_t)len, BIOS_ISA_SIZE);
    return true;
}

/* What SeaBIOS reads from fw_cfg beyond the defaults: ACPI, and its serial console. */
static bool bios_fw_cfg(Machine *m, Error **errp)
{
    FWCfgState *fw = (FWCfgState *)machine_find_device(m, "fw_cfg");
    AcpiConfig cfg;

    if (!fw) {
        error_setg(errp, "-bios: the machine has no fw_cfg device");
        return false;
    }
    /* No display adapter: NOGRAPHIC makes SeaBIOS print its screen on COM1. */
    fw_cfg_add_i16(fw, FW_CFG_NOGRAPHIC, 1);
    pc_acpi_config(m, &cfg);
    return acpi_add_fw_cfg_tables(&cfg, fw, errp);
}

bool pc_load_bios(Machine *m, const char *path, bool reset_entry, Error **errp)
{
    PCBios *b = g_new0(PCBios, 1); /* lives as long as the machine */
    I440FXState *host = (I440FXState *)machine_find_device(m, "i440fx");

    b->m = m;
    if (!bios_read_image(b, path, errp) || !bios_fw_cfg(m, errp)) {
        return false;
    }
    address_space_map(&m->mem, (1ull << 32) - b->rom.size, &b->rom, PAM_OVERLAY_PRIO);
    /*
     * With -kernel the firmware is only a passenger (the kernel is entered
     * directly and the tables below 1 MiB are in RAM): leave 0xC0000-0xFFFFF to RAM.
     */
    if (reset_entry && host) {
        bios_init_segments(b);
        i440fx_set_pam_handler(host, bios_pam_update, b);
    }
    return true;
}
