/* ACPI tables for the pc machine: RSDP, XSDT, RSDT, FADT, FACS, MADT, DSDT (ACPI 6.x). */
/*
 * The tables are always built the way firmware receives them: "etc/acpi/tables"
 * holds every table but the RSDP, "etc/acpi/rsdp" the RSDP, and every pointer is
 * written as an offset plus a linker/loader command that relocates it; checksums
 * are left to the loader too. For direct Linux boot we run that same script
 * ourselves with fixed addresses, so both paths produce the same bytes.
 */
#include "hw/acpi/acpi.h"
#include "hw/acpi/aml-build.h"
#include "hw/acpi/bios-linker-loader.h"
#include "hw/acpi/pm.h"
#include "hw/isa/piix3.h"
#include "hw/nvram/fw_cfg.h"
#include "hw/pci-host/i440fx.h"

#define ACPI_OEM_ID       "REPRSE"
#define ACPI_OEM_TABLE_ID "RPRSPC  "
#define ACPI_CREATOR_ID   "RPRS"
#define ACPI_HEADER_SIZE  36
#define ACPI_CHECKSUM_OFF 9
#define ACPI_TABLES_ALIGN 64 /* the FACS must be 64-byte aligned */
#define ACPI_RSDP_ALIGN   16

/* Generic Address Structure (ACPI 6.x, 5.2.3.2). */
#define GAS_SYSTEM_IO    1 /* Address Space ID: System I/O */
#define GAS_ACCESS_BYTE  1 /* Access Size: byte */
#define GAS_ACCESS_WORD  2 /* Access Size: word */
#define GAS_ACCESS_DWORD 3 /* Access Size: dword */
#define GAS_SIZE         12

/* FADT (ACPI 6.x, table 5.9): field offsets, IA-PC boot flags, feature flags. */
#define FADT_REVISION       6
#define FADT_SIZE           276
#define FADT_FIRMWARE_CTRL  36
#define FADT_DSDT           40
#define FADT_SCI_INT        46
#define FADT_PM1A_EVT_BLK   56
#define FADT_PM1A_CNT_BLK   64
#define FADT_PM_TMR_BLK     76
#define FADT_PM1_EVT_LEN    88
#define FADT_PM1_CNT_LEN    89
#define FADT_PM_TMR_LEN     91
#define FADT_P_LVL2_LAT     96
#define FADT_P_LVL3_LAT     98
#define FADT_CENTURY        108
#define FADT_IAPC_BOOT_ARCH 109
#define FADT_FLAGS          112
#define FADT_RESET_REG      116
#define FADT_RESET_VALUE    128
#define FADT_X_DSDT         140
#define FADT_X_PM1A_EVT_BLK 148
#define FADT_X_PM1A_CNT_BLK 172
#define FADT_X_PM_TMR_BLK   208

#define FADT_BOOT_LEGACY_DEVICES 0x0001 /* LEGACY_DEVICES */
#define FADT_BOOT_8042           0x0002 /* 8042 */

#define FADT_F_WBINVD        (1u << 0)  /* WBINVD */
#define FADT_F_PROC_C1       (1u << 2)  /* PROC_C1 */
#define FADT_F_SLP_BUTTON    (1u << 5)  /* SLP_BUTTON: no fixed sleep button */
#define FADT_F_FIX_RTC       (1u << 6)  /* FIX_RTC: no RTC wake status */
#define FADT_F_RESET_REG_SUP (1u << 10) /* RESET_REG_SUP */

#define FADT_C2_UNSUPPORTED 101  /* P_LVL2_LAT above 100 us */
#define FADT_C3_UNSUPPORTED 1001 /* P_LVL3_LAT above 1000 us */
#define RTC_CENTURY_INDEX   0x32
#define PIIX3_RESET_VALUE   0x06 /* RCPU | SRST: hard reset through 0xCF9 */

/* MADT (ACPI 6.x, 5.2.12). */
#define MADT_REVISION          4
#define MADT_PCAT_COMPAT       0x01 /* PCAT_COMPAT: dual 8259s present */
#define MADT_LOCAL_APIC        0
#define MADT_IO_APIC           1
#define MADT_INT_SRC_OVERRIDE  2
#define MADT_LOCAL_APIC_NMI    4
#define MADT_LAPIC_ENABLED     0x01 /* Enabled */
#define MADT_ALL_PROCESSORS    0xff
#define MPS_INTI_POLARITY_HIGH 0x01 /* Polarity: active high */
#define MPS_INTI_TRIGGER_LEVEL 0x0c /* Trigger Mode: level */

/* RSDP (ACPI 6.x, 5.2.5.3). */
#define RSDP_SIZE         36
#define RSDP_V1_SIZE      20
#define RSDP_CHECKSUM     8
#define RSDP_OEMID        9
#define RSDP_REVISION     15
#define RSDP_RSDT_ADDRESS 16
#define RSDP_LENGTH       20
#define RSDP_XSDT_ADDRESS 24
#define RSDP_EXT_CHECKSUM 32

typedef struct AcpiBuild {
    const AcpiConfig *cfg;
    GByteArray *tables;
    GByteArray *rsdp;
    BiosLinker *linker;
} AcpiBuild;

void acpi_config_init(AcpiConfig *cfg, uint64_t ram_below_4g)
{
    *cfg = (AcpiConfig){
        .nr_cpus = 1,
        .lapic_addr = 0xfee00000,
        .ioapic_id = 0,
        .ioapic_addr = 0xfec00000,
        .pm_base = ACPI_PM_BASE_DEFAULT,
        .sci_irq = ACPI_SCI_IRQ_DEFAULT,
        .pci_hole_start = MIN(ram_below_4g, 0xe0000000ull),
        .pci_hole_end = 0xfebfffff,
    };
}

/* ---- byte helpers ---- */

static void acpi_put_le(GByteArray *t, uint64_t v, unsigned size)
{
    for (unsigned i = 0; i < size; i++) {
        uint8_t b = v >> (8 * i);
        g_byte_array_append(t, &b, 1);
    }
}

static void acpi_patch_le(GByteArray *t, unsigned off, uint64_t v, unsigned size)
{
    assert(off + size <= t->len);
    for (unsigned i = 0; i < size; i++) {
        t->data[off + i] = v >> (8 * i);
    }
}

static void acpi_put_str(GByteArray *t, const char *s, size_t len)
{
    assert(strlen(s) == len);
    g_byte_array_append(t, (const guint8 *)s, len);
}

static void acpi_patch_gas(GByteArray *t, unsigned off, uint8_t bits, uint8_t access,
                           uint64_t port)
{
    acpi_patch_le(t, off, GAS_SYSTEM_IO, 1);
    acpi_patch_le(t, off + 1, bits, 1);
    acpi_patch_le(t, off + 2, 0, 1); /* Register Bit Offset */
    acpi_patch_le(t, off + 3, access, 1);
    acpi_patch_le(t, off + 4, port, 8);
}

/* ---- table framing ---- */

static unsigned acpi_table_begin(AcpiBuild *b, const char *sig, uint8_t revision)
{
    unsigned start = b->tables->len;
    acpi_put_str(b->tables, sig, 4);
    acpi_put_le(b->tables, 0, 4); /* Length, patched at the end */
    acpi_put_le(b->tables, revision, 1);
    acpi_put_le(b->tables, 0, 1); /* Checksum, the loader's job */
    acpi_put_str(b->tables, ACPI_OEM_ID, 6);
    acpi_put_str(b->tables, ACPI_OEM_TABLE_ID, 8);
    acpi_put_le(b->tables, 1, 4); /* OEM Revision */
    acpi_put_str(b->tables, ACPI_CREATOR_ID, 4);
    acpi_put_le(b->tables, 1, 4); /* Creator Revision */
    return start;
}

/* Call after every pointer inside the table is linked: the checksum comes last. */
static void acpi_table_end(AcpiBuild *b, unsigned start)
{
    unsigned len = b->tables->len - start;
    acpi_patch_le(b->tables, start + 4, len, 4);
    bios_linker_add_checksum(b->linker, ACPI_FILE_TABLES, start, len,
                             start + ACPI_CHECKSUM_OFF);
}

/* A size-byte field at offset off of the tables file points to the table at target. */
static void acpi_link(AcpiBuild *b, unsigned off, uint8_t size, unsigned target)
{
    bios_linker_add_pointer(b->linker, ACPI_FILE_TABLES, off, size, ACPI_FILE_TABLES,
                            target);
}

/* ---- FACS ---- */

static unsigned acpi_build_facs(AcpiBuild *b)
{
    uint8_t facs[64] = {'F', 'A', 'C', 'S', sizeof(facs)};
    unsigned start = b->tables->len;
    assert(start % ACPI_TABLES_ALIGN == 0);
    facs[32] = 2; /* Version */
    g_byte_array_append(b->tables, facs, sizeof(facs));
    return start;
}

/* ---- DSDT ---- */

static Aml *acpi_dsdt_s5(void)
{
    Aml *pkg = aml_package();
    aml_append(pkg, aml_int(ACPI_SLP_TYP_S5)); /* PM1a_CNT.SLP_TYP */
    aml_append(pkg, aml_int(ACPI_SLP_TYP_S5)); /* PM1b_CNT.SLP_TYP (no PM1b) */
    aml_append(pkg, aml_int(0));
    aml_append(pkg, aml_int(0));
    return aml_name_decl("\\_S5", pkg);
}

/* Every slot's INTA#..INTD#, straight to the I/O APIC input its PIRQ line reaches. */
static Aml *acpi_dsdt_prt(void)
{
    Aml *prt = aml_package();
    for (unsigned slot = 1; slot < 32; slot++) {
        for (unsigned pin = 0; pin < PCI_NUM_PINS; pin++) {
            Aml *entry = aml_package();
            aml_append(entry, aml_int(slot << 16 | 0xffff)); /* Address: any function */
            aml_append(entry, aml_int(pin));
            aml_append(entry, aml_int(0)); /* Source: none, so Source Index is a GSI */
            aml_append(entry, aml_int(PIIX3_GSI_BASE + piix3_slot_pirq(slot, pin)));
            aml_append(prt, entry);
        }
    }
    return aml_name_decl("_PRT", prt);
}

static Aml *acpi_dsdt_pci_crs(const AcpiConfig *cfg)
{
    Aml *crs = aml_resource_template();
    aml_append(crs, aml_word_bus_number(0, 0xff));
    aml_append(crs, aml_io(I440FX_CONFIG_ADDRESS, I440FX_CONFIG_ADDRESS, 1, 8));
    aml_append(crs, aml_word_io(0x0000, I440FX_CONFIG_ADDRESS - 1));
    aml_append(crs, aml_word_io(I440FX_CONFIG_ADDRESS + 8, 0xffff));
    aml_append(crs, aml_dword_memory(0xa0000, 0xbffff, true)); /* legacy VGA */
    if (cfg->pci_hole_start < cfg->pci_hole_end) {
        aml_append(crs, aml_dword_memory(cfg->pci_hole_start, cfg->pci_hole_end, false));
    }
    return aml_name_decl("_CRS", crs);
}

typedef struct AcpiIsaDevice {
    const char *name, *hid;
    uint16_t io[2]; /* port ranges: base, ... (0 = none) */
    uint8_t io_len[2];
    uint8_t irq;
} AcpiIsaDevice;

static const AcpiIsaDevice acpi_isa_devices[] = {
    {"KBD", "PNP0303", {0x60, 0x64}, {1, 1}, 1},
    {"MOU", "PNP0F13", {0, 0}, {0, 0}, 12},
    {"COM1", "PNP0501", {0x3f8, 0}, {8, 0}, 4},
    {"RTC", "PNP0B00", {0x70, 0}, {2, 0}, 8},
};

static Aml *acpi_dsdt_isa_device(const AcpiIsaDevice *d)
{
    Aml *dev = aml_device(d->name);
    Aml *crs = aml_resource_template();
    for (int i = 0; i < 2 && d->io[i]; i++) {
        aml_append(crs, aml_io(d->io[i], d->io[i], 1, d->io_len[i]));
    }
    aml_append(crs, aml_irq_no_flags(d->irq));
    aml_append(dev, aml_name_decl("_HID", aml_eisaid(d->hid)));
    aml_append(dev, aml_name_decl("_CRS", crs));
    return dev;
}

static Aml *acpi_dsdt_isa_bridge(void)
{
    Aml *isa = aml_device("ISA");
    aml_append(isa, aml_name_decl("_ADR", aml_int(0x00010000))); /* 01.0 */
    for (size_t i = 0; i < ARRAY_SIZE(acpi_isa_devices); i++) {
        aml_append(isa, acpi_dsdt_isa_device(&acpi_isa_devices[i]));
    }
    return isa;
}

static Aml *acpi_dsdt_pci0(const AcpiConfig *cfg)
{
    Aml *pci = aml_device("PCI0");
    aml_append(pci, aml_name_decl("_HID", aml_eisaid("PNP0A03")));
    aml_append(pci, aml_name_decl("_UID", aml_int(0)));
    aml_append(pci, acpi_dsdt_pci_crs(cfg));
    aml_append(pci, acpi_dsdt_prt());
    aml_append(pci, acpi_dsdt_isa_bridge());
    return pci;
}

static Aml *acpi_dsdt_cpu(unsigned i)
{
    g_autofree char *name = g_strdup_printf("C%03X", i);
    Aml *cpu = aml_device(name);
    aml_append(cpu, aml_name_decl("_HID", aml_string("ACPI0007")));
    aml_append(cpu, aml_name_decl("_UID", aml_int(i)));
    return cpu;
}

static unsigned acpi_build_dsdt(AcpiBuild *b)
{
    unsigned start = acpi_table_begin(b, "DSDT", 2); /* revision 2: 64-bit integers */
    Aml *body = aml_block();
    Aml *sb = aml_scope("\\_SB");
    aml_append(sb, acpi_dsdt_pci0(b->cfg));
    for (unsigned i = 0; i < b->cfg->nr_cpus; i++) {
        aml_append(sb, acpi_dsdt_cpu(i));
    }
    aml_append(body, acpi_dsdt_s5());
    aml_append(body, sb);
    aml_encode(body, b->tables);
    acpi_table_end(b, start);
    return start;
}

/* ---- FADT ---- */

static void acpi_fadt_pm_blocks(GByteArray *t, unsigned start, const AcpiConfig *cfg)
{
    uint16_t evt = cfg->pm_base + ACPI_PM1_EVT_OFFSET;
    uint16_t cnt = cfg->pm_base + ACPI_PM1_CNT_OFFSET;
    uint16_t tmr = cfg->pm_base + ACPI_PM_TMR_OFFSET;
    acpi_patch_le(t, start + FADT_PM1A_EVT_BLK, evt, 4);
    acpi_patch_le(t, start + FADT_PM1A_CNT_BLK, cnt, 4);
    acpi_patch_le(t, start + FADT_PM_TMR_BLK, tmr, 4);
    acpi_patch_le(t, start + FADT_PM1_EVT_LEN, ACPI_PM1_EVT_LEN, 1);
    acpi_patch_le(t, start + FADT_PM1_CNT_LEN, ACPI_PM1_CNT_LEN, 1);
    acpi_patch_le(t, start + FADT_PM_TMR_LEN, ACPI_PM_TMR_LEN, 1);
    /* The 64-bit forms must agree with the 32-bit ones (Linux checks). */
    acpi_patch_gas(t, start + FADT_X_PM1A_EVT_BLK, 8 * ACPI_PM1_EVT_LEN, GAS_ACCESS_WORD,
                   evt);
    acpi_patch_gas(t, start + FADT_X_PM1A_CNT_BLK, 8 * ACPI_PM1_CNT_LEN, GAS_ACCESS_WORD,
                   cnt);
    acpi_patch_gas(t, start + FADT_X_PM_TMR_BLK, 8 * ACPI_PM_TMR_LEN, GAS_ACCESS_DWORD,
                   tmr);
}

static void acpi_fadt_fixed_fields(GByteArray *t, unsigned start, const AcpiConfig *cfg)
{
    acpi_patch_le(t, start + FADT_SCI_INT, cfg->sci_irq, 2);
    acpi_patch_le(t, start + FADT_P_LVL2_LAT, FADT_C2_UNSUPPORTED, 2);
    acpi_patch_le(t, start + FADT_P_LVL3_LAT, FADT_C3_UNSUPPORTED, 2);
    acpi_patch_le(t, start + FADT_CENTURY, RTC_CENTURY_INDEX, 1);
    acpi_patch_le(t, start + FADT_IAPC_BOOT_ARCH,
                  FADT_BOOT_LEGACY_DEVICES | FADT_BOOT_8042, 2);
    acpi_patch_le(t, start + FADT_FLAGS,
                  FADT_F_WBINVD | FADT_F_PROC_C1 | FADT_F_SLP_BUTTON | FADT_F_FIX_RTC |
                      FADT_F_RESET_REG_SUP,
                  4);
    acpi_patch_gas(t, start + FADT_RESET_REG, 8, GAS_ACCESS_BYTE, I440FX_RESET_CONTROL);
    acpi_patch_le(t, start + FADT_RESET_VALUE, PIIX3_RESET_VALUE, 1);
}

static unsigned acpi_build_fadt(AcpiBuild *b, unsigned facs, unsigned dsdt)
{
    unsigned start = acpi_table_begin(b, "FACP", FADT_REVISION);
    g_byte_array_set_size(b->tables, start + FADT_SIZE);
    memset(b->tables->data + start + ACPI_HEADER_SIZE, 0, FADT_SIZE - ACPI_HEADER_SIZE);
    acpi_fadt_fixed_fields(b->tables, start, b->cfg);
    acpi_fadt_pm_blocks(b->tables, start, b->cfg);
    /* SMI_CMD stays 0: no SMM handshake, the machine is always in ACPI mode. */
    acpi_link(b, start + FADT_FIRMWARE_CTRL, 4, facs);
    acpi_link(b, start + FADT_DSDT, 4, dsdt);
    acpi_link(b, start + FADT_X_DSDT, 8, dsdt);
    acpi_table_end(b, start);
    return start;
}

/* ---- MADT ---- */

static void acpi_madt_entry(GByteArray *t, uint8_t type, const uint8_t *body, uint8_t len)
{
    acpi_put_le(t, type, 1);
    acpi_put_le(t, len + 2, 1);
    g_byte_array_append(t, body, len);
}

static void acpi_madt_override(GByteArray *t, uint8_t irq, uint32_t gsi, uint16_t flags)
{
    const uint8_t body[] = {0,         irq,       gsi,   gsi >> 8,
                            gsi >> 16, gsi >> 24, flags, flags >> 8};
    acpi_madt_entry(t, MADT_INT_SRC_OVERRIDE, body, sizeof(body)); /* bus 0: ISA */
}

static void acpi_madt_cpus(GByteArray *t, const AcpiConfig *cfg)
{
    for (unsigned i = 0; i < cfg->nr_cpus; i++) {
        const uint8_t lapic[] = {i, i, MADT_LAPIC_ENABLED, 0, 0, 0}; /* UID, APIC ID */
        acpi_madt_entry(t, MADT_LOCAL_APIC, lapic, sizeof(lapic));
    }
    const uint8_t nmi[] = {MADT_ALL_PROCESSORS, 0, 0, 1}; /* flags: bus default; LINT1 */
    acpi_madt_entry(t, MADT_LOCAL_APIC_NMI, nmi, sizeof(nmi));
}

static unsigned acpi_build_madt(AcpiBuild *b)
{
    const AcpiConfig *cfg = b->cfg;
    unsigned start = acpi_table_begin(b, "APIC", MADT_REVISION);
    uint32_t a = cfg->ioapic_addr;
    const uint8_t ioapic[] = {cfg->ioapic_id, 0, a, a >> 8, a >> 16, a >> 24, 0, 0, 0, 0};
    acpi_put_le(b->tables, cfg->lapic_addr, 4);
    acpi_put_le(b->tables, MADT_PCAT_COMPAT, 4);
    acpi_madt_cpus(b->tables, cfg);
    acpi_madt_entry(b->tables, MADT_IO_APIC, ioapic, sizeof(ioapic)); /* GSI base 0 */
    /* The PIT's IRQ 0 is wired to IOAPIC pin 2; the SCI is level, active high. */
    acpi_madt_override(b->tables, 0, 2, 0);
    acpi_madt_override(b->tables, cfg->sci_irq, cfg->sci_irq,
                       MPS_INTI_POLARITY_HIGH | MPS_INTI_TRIGGER_LEVEL);
    acpi_table_end(b, start);
    return start;
}

/* ---- XSDT, RSDT, RSDP ---- */

static unsigned acpi_build_sdt(AcpiBuild *b, const char *sig, uint8_t entry_size,
                               const unsigned *tables, unsigned n)
{
    unsigned start = acpi_table_begin(b, sig, 1);
    for (unsigned i = 0; i < n; i++) {
        unsigned off = b->tables->len;
        acpi_put_le(b->tables, 0, entry_size);
        acpi_link(b, off, entry_size, tables[i]);
    }
    acpi_table_end(b, start);
    return start;
}

static void acpi_build_rsdp(AcpiBuild *b, unsigned rsdt, unsigned xsdt)
{
    GByteArray *r = b->rsdp;
    bios_linker_allocate(b->linker, ACPI_FILE_RSDP, r, ACPI_RSDP_ALIGN, true);
    g_byte_array_set_size(r, RSDP_SIZE);
    memset(r->data, 0, RSDP_SIZE);
    memcpy(r->data, "RSD PTR ", 8);
    memcpy(r->data + RSDP_OEMID, ACPI_OEM_ID, 6);
    r->data[RSDP_REVISION] = 2; /* ACPI 2.0+: XSDT and extended checksum present */
    acpi_patch_le(r, RSDP_LENGTH, RSDP_SIZE, 4);
    bios_linker_add_pointer(b->linker, ACPI_FILE_RSDP, RSDP_RSDT_ADDRESS, 4,
                            ACPI_FILE_TABLES, rsdt);
    bios_linker_add_pointer(b->linker, ACPI_FILE_RSDP, RSDP_XSDT_ADDRESS, 8,
                            ACPI_FILE_TABLES, xsdt);
    /* The extended checksum covers the first one, so it goes second. */
    bios_linker_add_checksum(b->linker, ACPI_FILE_RSDP, 0, RSDP_V1_SIZE, RSDP_CHECKSUM);
    bios_linker_add_checksum(b->linker, ACPI_FILE_RSDP, 0, RSDP_SIZE, RSDP_EXT_CHECKSUM);
}

static void acpi_build(AcpiBuild *b, const AcpiConfig *cfg)
{
    *b = (AcpiBuild){
        .cfg = cfg,
        .tables = g_byte_array_new(),
        .rsdp = g_byte_array_new(),
        .linker = bios_linker_new(),
    };
    bios_linker_allocate(b->linker, ACPI_FILE_TABLES, b->tables, ACPI_TABLES_ALIGN,
                         false);
    unsigned facs = acpi_build_facs(b);
    unsigned dsdt = acpi_build_dsdt(b);
    unsigned sdt_entries[] = {acpi_build_fadt(b, facs, dsdt), acpi_build_madt(b)};
    unsigned xsdt = acpi_build_sdt(b, "XSDT", 8, sdt_entries, ARRAY_SIZE(sdt_entries));
    unsigned rsdt = acpi_build_sdt(b, "RSDT", 4, sdt_entries, ARRAY_SIZE(sdt_entries));
    acpi_build_rsdp(b, rsdt, xsdt);
}

static void acpi_build_free(AcpiBuild *b)
{
    g_byte_array_free(b->tables, true);
    g_byte_array_free(b->rsdp, true);
    bios_linker_free(b->linker);
}

/* ---- delivery ---- */

typedef struct AcpiFixedLayout {
    uint64_t base;
    uint64_t tables_offset;
} AcpiFixedLayout;

/* RSDP at the base, the tables right after it. */
static uint64_t acpi_place_fixed(void *opaque, const char *file, uint32_t align,
                                 bool fseg)
{
    AcpiFixedLayout *layout = opaque;
    return layout->base + (fseg ? 0 : layout->tables_offset);
}

GByteArray *acpi_build_tables(const AcpiConfig *cfg, uint64_t base, uint64_t *rsdp_offset)
{
    AcpiBuild b;
    AcpiFixedLayout layout = {.base = base, .tables_offset = ACPI_TABLES_ALIGN};
    assert(base % ACPI_TABLES_ALIGN == 0 && base < UINT32_MAX);
    acpi_build(&b, cfg);
    assert(b.rsdp->len <= layout.tables_offset);
    bool ok = bios_linker_run(b.linker, acpi_place_fixed, &layout, NULL);
    assert(ok); /* our own script: a failure is a bug here */

    GByteArray *blob = g_byte_array_new();
    g_byte_array_append(blob, b.rsdp->data, b.rsdp->len);
    g_byte_array_set_size(blob, layout.tables_offset);
    memset(blob->data + b.rsdp->len, 0, layout.tables_offset - b.rsdp->len);
    g_byte_array_append(blob, b.tables->data, b.tables->len);
    *rsdp_offset = 0;
    acpi_build_free(&b);
    return blob;
}

bool acpi_add_fw_cfg_tables(const AcpiConfig *cfg, FWCfgState *fw, Error **errp)
{
    AcpiBuild b;
    acpi_build(&b, cfg);
    const GByteArray *script = bios_linker_script(b.linker);
    bool ok =
        fw_cfg_add_file(fw, ACPI_FILE_TABLES, b.tables->data, b.tables->len, errp) &&
        fw_cfg_add_file(fw, ACPI_FILE_RSDP, b.rsdp->data, b.rsdp->len, errp) &&
        fw_cfg_add_file(fw, ACPI_FILE_LOADER, script->data, script->len, errp);
    acpi_build_free(&b);
    return ok;
}
