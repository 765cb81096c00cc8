/*
 * ACPI: the tables parsed back the way an OS finds them (RSDP scan, checksums,
 * XSDT/RSDT entries, FADT fields, MADT entries, the DSDT's AML), for both direct
 * boot and the firmware linker/loader path; the AML encoder; and the PM device
 * (PM timer on a stepped virtual clock, SCI, power button, S5 power-off).
 */
#include "hw/acpi/acpi.h"
#include "hw/acpi/aml-build.h"
#include "hw/acpi/bios-linker-loader.h"
#include "hw/acpi/pm.h"
#include "hw/machine.h"
#include "hw/nvram/fw_cfg.h"
#include "system/clock.h"
#include "system/icount.h"
#include "system/runstate.h"

#define RAM_SIZE    (16 << 20)
#define DIRECT_BASE 0xe0000
#define FSEG_BASE   0xf0000
#define HIGH_BASE   0x200000

static uint64_t le(const uint8_t *p, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

static uint8_t sum8(const uint8_t *p, size_t len)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++) {
        sum += p[i];
    }
    return sum;
}

static uint8_t *ram(Machine *m, uint64_t addr, uint64_t len)
{
    uint8_t *p = address_space_ram_ptr(&m->mem, addr, len);
    g_assert_nonnull(p);
    return p;
}

/* ---- finding and checking tables as an OS does ---- */

/* Linux's search: 16-byte boundaries of the BIOS area 0xE0000-0xFFFFF. */
static uint64_t scan_rsdp(Machine *m)
{
    for (uint64_t a = 0xe0000; a < 0x100000; a += 16) {
        if (memcmp(ram(m, a, 8), "RSD PTR ", 8) == 0) {
            return a;
        }
    }
    g_assert_not_reached();
}

static const uint8_t *table(Machine *m, uint64_t addr, const char *sig)
{
    const uint8_t *t = ram(m, addr, 36);
    uint32_t len = le(t + 4, 4);
    g_assert_cmpmem(t, 4, sig, 4);
    g_assert_cmpuint(len, >=, 36);
    t = ram(m, addr, len);
    g_assert_cmphex(sum8(t, len), ==, 0);
    return t;
}

static uint32_t table_len(const uint8_t *t)
{
    return le(t + 4, 4);
}

static void check_fadt(Machine *m, const uint8_t *fadt)
{
    g_assert_cmpuint(table_len(fadt), ==, 276);
    g_assert_cmpuint(fadt[8], ==, 6);             /* revision */
    g_assert_cmphex(le(fadt + 46, 2), ==, 9);     /* SCI_INT */
    g_assert_cmphex(le(fadt + 48, 4), ==, 0);     /* SMI_CMD: always in ACPI mode */
    g_assert_cmphex(le(fadt + 56, 4), ==, 0x600); /* PM1a_EVT_BLK */
    g_assert_cmphex(le(fadt + 64, 4), ==, 0x604); /* PM1a_CNT_BLK */
    g_assert_cmphex(le(fadt + 76, 4), ==, 0x608); /* PM_TMR_BLK */
    g_assert_cmpuint(fadt[88], ==, 4);            /* PM1_EVT_LEN */
    g_assert_cmpuint(fadt[89], ==, 2);            /* PM1_CNT_LEN */
    g_assert_cmpuint(fadt[91], ==, 4);            /* PM_TMR_LEN */
    g_assert_cmphex(fadt[108], ==, 0x32);         /* CENTURY */
    g_assert_cmphex(le(fadt + 109, 2), ==, 0x3);  /* IAPC_BOOT_ARCH: legacy, 8042 */
    uint32_t flags = le(fadt + 112, 4);
    g_assert_cmphex(flags & (1u << 10), !=, 0); /* RESET_REG_SUP */
    g_assert_cmphex(flags & (1u << 8), ==, 0);  /* TMR_VAL_EXT: 24-bit timer */
    g_assert_cmphex(flags & (1u << 20), ==, 0); /* not HW_REDUCED_ACPI */
    /* RESET_REG: system I/O, 8 bits, byte access, port 0xCF9; value 6. */
    const uint8_t reset_reg[12] = {1, 8, 0, 1, 0xf9, 0x0c};
    g_assert_cmpmem(fadt + 116, 12, reset_reg, 12);
    g_assert_cmphex(fadt[128], ==, 0x06);
    /* X_PM blocks agree with the 32-bit ones. */
    g_assert_cmphex(fadt[148], ==, 1);
    g_assert_cmphex(fadt[149], ==, 32);
    g_assert_cmphex(le(fadt + 152, 8), ==, 0x600);
    g_assert_cmphex(le(fadt + 176, 8), ==, 0x604);
    g_assert_cmphex(fadt[173], ==, 16);
    g_assert_cmphex(le(fadt + 212, 8), ==, 0x608);
    /* FACS and DSDT. */
    uint32_t facs = le(fadt + 36, 4);
    g_assert_cmphex(facs % 64, ==, 0);
    g_assert_cmpmem(ram(m, facs, 4), 4, "FACS", 4);
    g_assert_cmpuint(le(ram(m, facs + 4, 4), 4), ==, 64);
    g_assert_cmphex(le(fadt + 140, 8), ==, le(fadt + 40, 4)); /* X_DSDT == DSDT */
}

static void check_madt(const uint8_t *madt, unsigned nr_cpus)
{
    uint32_t len = table_len(madt);
    unsigned lapics = 0, ioapics = 0, overrides = 0, nmis = 0;
    g_assert_cmphex(le(madt + 36, 4), ==, 0xfee00000);
    g_assert_cmphex(le(madt + 40, 4), ==, 1); /* PCAT_COMPAT */
    for (uint32_t off = 44; off < len; off += madt[off + 1]) {
        const uint8_t *e = madt + off;
        g_assert_cmpuint(e[1], >=, 2);
        switch (e[0]) {
        case 0:
            g_assert_cmpuint(e[1], ==, 8);
            g_assert_cmpuint(e[2], ==, lapics); /* processor UID */
            g_assert_cmpuint(e[3], ==, lapics); /* APIC ID */
            g_assert_cmphex(le(e + 4, 4), ==, 1);
            lapics++;
            break;
        case 1:
            g_assert_cmpuint(e[1], ==, 12);
            g_assert_cmpuint(e[2], ==, 0);
            g_assert_cmphex(le(e + 4, 4), ==, 0xfec00000);
            g_assert_cmphex(le(e + 8, 4), ==, 0);
            ioapics++;
            break;
        case 2:
            g_assert_cmpuint(e[1], ==, 10);
            g_assert_cmpuint(e[2], ==, 0); /* ISA */
            if (e[3] == 0) {
                g_assert_cmphex(le(e + 4, 4), ==, 2);
                g_assert_cmphex(le(e + 8, 2), ==, 0);
            } else {
                g_assert_cmpuint(e[3], ==, 9);
                g_assert_cmphex(le(e + 4, 4), ==, 9);
                g_assert_cmphex(le(e + 8, 2), ==, 0x0d); /* level, active high */
            }
            overrides++;
            break;
        case 4:
            g_assert_cmpuint(e[1], ==, 6);
            g_assert_cmphex(e[2], ==, 0xff);
            g_assert_cmpuint(e[5], ==, 1); /* LINT1 */
            nmis++;
            break;
        default: g_assert_not_reached();
        }
    }
    g_assert_cmpuint(lapics, ==, nr_cpus);
    g_assert_cmpuint(ioapics, ==, 1);
    g_assert_cmpuint(overrides, ==, 2);
    g_assert_cmpuint(nmis, ==, 1);
}

/* ---- a small AML reader for the DSDT checks ---- */

static size_t aml_read_pkglength(const uint8_t *p, uint32_t *len)
{
    unsigned extra = p[0] >> 6;
    *len = extra ? p[0] & 0x0f : p[0] & 0x3f;
    for (unsigned i = 0; i < extra; i++) {
        *len |= (uint32_t)p[1 + i] << (4 + 8 * i);
    }
    return 1 + extra;
}

/* An integer constant; returns its encoded size. */
static size_t aml_read_int(const uint8_t *p, uint64_t *v)
{
    switch (p[0]) {
    case 0x00: *v = 0; return 1;
    case 0x01: *v = 1; return 1;
    case 0x0a: *v = p[1]; return 2;
    case 0x0b: *v = le(p + 1, 2); return 3;
    case 0x0c: *v = le(p + 1, 4); return 5;
    case 0x0e: *v = le(p + 1, 8); return 9;
    default: g_assert_not_reached();
    }
}

/* The package a Name() declares: *body at its first element; returns NumElements. */
static unsigned aml_find_package(const uint8_t *dsdt, const char *seg,
                                 const uint8_t **body, const uint8_t **end)
{
    uint32_t len = table_len(dsdt), pkglen;
    const uint8_t *name = memmem(dsdt + 36, len - 36, seg, 4);
    g_assert_nonnull(name);
    const uint8_t *p = name + 4;
    g_assert_cmphex(p[0], ==, 0x12); /* PackageOp */
    size_t n = aml_read_pkglength(p + 1, &pkglen);
    *end = p + 1 + pkglen;
    g_assert_true(*end <= dsdt + len);
    *body = p + 1 + n + 1;
    return p[1 + n];
}

static void check_dsdt_s5(const uint8_t *dsdt)
{
    const uint8_t *p, *end;
    const uint8_t *name = memmem(dsdt + 36, table_len(dsdt) - 36, "_S5_", 4);
    g_assert_cmphex(name[-2], ==, 0x08); /* NameOp */
    g_assert_cmphex(name[-1], ==, '\\');
    g_assert_cmpuint(aml_find_package(dsdt, "_S5_", &p, &end), ==, 4);
    uint64_t want[4] = {5, 5, 0, 0}, v;
    for (int i = 0; i < 4; i++) {
        p += aml_read_int(p, &v);
        g_assert_cmphex(v, ==, want[i]);
    }
    g_assert_true(p == end);
}

static void check_dsdt_prt(const uint8_t *dsdt)
{
    const uint8_t *p, *end;
    unsigned entries = aml_find_package(dsdt, "_PRT", &p, &end);
    g_assert_cmpuint(entries, ==, 31 * 4);
    for (unsigned i = 0; i < entries; i++) {
        uint32_t pkglen;
        uint64_t addr, pin, source, gsi;
        g_assert_cmphex(p[0], ==, 0x12);
        const uint8_t *q = p + 1 + aml_read_pkglength(p + 1, &pkglen);
        g_assert_cmpuint(*q++, ==, 4);
        q += aml_read_int(q, &addr);
        q += aml_read_int(q, &pin);
        q += aml_read_int(q, &source);
        q += aml_read_int(q, &gsi);
        unsigned slot = addr >> 16;
        g_assert_cmphex(addr & 0xffff, ==, 0xffff);
        g_assert_cmpuint(source, ==, 0);
        /* The board swizzle: slot 1 INTA# is PIRQA# (GSI 16). */
        g_assert_cmpuint(gsi, ==, 16 + ((slot + pin - 1) & 3));
        p = q;
    }
    g_assert_true(p == end);
}

static void check_dsdt(const uint8_t *dsdt)
{
    static const uint8_t pnp0a03[] = {0x0c, 0x41, 0xd0, 0x0a, 0x03};
    static const uint8_t pnp0303[] = {0x0c, 0x41, 0xd0, 0x03, 0x03};
    uint32_t len = table_len(dsdt);
    g_assert_cmpuint(dsdt[8], ==, 2); /* 64-bit integers */
    check_dsdt_s5(dsdt);
    check_dsdt_prt(dsdt);
    g_assert_nonnull(memmem(dsdt, len, pnp0a03, sizeof(pnp0a03)));
    g_assert_nonnull(memmem(dsdt, len, pnp0303, sizeof(pnp0303)));
    g_assert_nonnull(memmem(dsdt, len, "PCI0", 4));
    g_assert_nonnull(memmem(dsdt, len, "ACPI0007", 8));
}

/* Everything Linux relies on, found from the RSDP it scans for. */
static void check_all_tables(Machine *m, unsigned nr_cpus)
{
    uint64_t rsdp_addr = scan_rsdp(m);
    const uint8_t *rsdp = ram(m, rsdp_addr, 36);
    g_assert_cmphex(sum8(rsdp, 20), ==, 0);
    g_assert_cmphex(sum8(rsdp, 36), ==, 0);
    g_assert_cmpuint(rsdp[15], ==, 2);
    g_assert_cmpuint(le(rsdp + 20, 4), ==, 36);

    const uint8_t *rsdt = table(m, le(rsdp + 16, 4), "RSDT");
    const uint8_t *xsdt = table(m, le(rsdp + 24, 8), "XSDT");
    g_assert_cmpuint(table_len(rsdt), ==, 36 + 2 * 4);
    g_assert_cmpuint(table_len(xsdt), ==, 36 + 2 * 8);
    for (int i = 0; i < 2; i++) {
        g_assert_cmphex(le(rsdt + 36 + 4 * i, 4), ==, le(xsdt + 36 + 8 * i, 8));
    }
    const uint8_t *fadt = table(m, le(xsdt + 36, 8), "FACP");
    const uint8_t *madt = table(m, le(xsdt + 44, 8), "APIC");
    check_fadt(m, fadt);
    check_madt(madt, nr_cpus);
    check_dsdt(table(m, le(fadt + 40, 4), "DSDT"));
}

static void test_direct_boot_tables(void)
{
    Machine *m = machine_new("none", RAM_SIZE);
    AcpiConfig cfg;
    uint64_t rsdp_offset;
    acpi_config_init(&cfg, RAM_SIZE);
    cfg.nr_cpus = 2;
    GByteArray *blob = acpi_build_tables(&cfg, DIRECT_BASE, &rsdp_offset);
    g_assert_cmpuint(blob->len, <, 0x10000);
    g_assert_true(dma_write(&m->mem, DIRECT_BASE, blob->data, blob->len));
    g_assert_cmphex(scan_rsdp(m), ==, DIRECT_BASE + rsdp_offset);
    check_all_tables(m, 2);
    g_byte_array_free(blob, true);
    machine_free(m);
}

/* ---- the firmware path: run the loader script as SeaBIOS does ---- */

static uint64_t load_file(Machine *m, FWCfgState *fw, const char *name, bool fseg)
{
    size_t len;
    const uint8_t *data = fw_cfg_file_data(fw, name, &len);
    uint64_t addr = fseg ? FSEG_BASE : HIGH_BASE;
    g_assert_nonnull(data);
    g_assert_true(dma_write(&m->mem, addr, data, len));
    return addr;
}

static uint64_t file_addr(const char *name)
{
    return strcmp(name, ACPI_FILE_RSDP) == 0 ? FSEG_BASE : HIGH_BASE;
}

static void run_loader_command(Machine *m, FWCfgState *fw, const uint8_t *e)
{
    const char *file = (const char *)e + 4;
    switch (le(e, 4)) {
    case BIOS_LINKER_CMD_ALLOCATE:
        g_assert_cmphex(file_addr(file) % le(e + 60, 4), ==, 0);
        load_file(m, fw, file, e[64] == BIOS_LINKER_ZONE_FSEG);
        break;
    case BIOS_LINKER_CMD_ADD_POINTER: {
        uint8_t *p = ram(m, file_addr(file) + le(e + 116, 4), e[120]);
        uint64_t v = le(p, e[120]) + file_addr((const char *)e + 60);
        memcpy(p, &v, e[120]); /* little-endian host */
        break;
    }
    case BIOS_LINKER_CMD_ADD_CHECKSUM: {
        uint64_t base = file_addr(file);
        uint8_t *sum = ram(m, base + le(e + 60, 4), 1);
        *sum -= sum8(ram(m, base + le(e + 64, 4), le(e + 68, 4)), le(e + 68, 4));
        break;
    }
    default: g_assert_not_reached();
    }
}

static void test_firmware_tables(void)
{
    Machine *m = machine_new("none", RAM_SIZE);
    FWCfgState *fw = (FWCfgState *)machine_add_device(m, "fw_cfg", NULL, NULL);
    AcpiConfig cfg;
    size_t len;
    acpi_config_init(&cfg, RAM_SIZE);
    g_assert_true(acpi_add_fw_cfg_tables(&cfg, fw, NULL));
    const uint8_t *script = fw_cfg_file_data(fw, ACPI_FILE_LOADER, &len);
    g_autofree uint8_t *copy = g_memdup2(script, len);
    for (size_t pos = 0; pos < len; pos += BIOS_LINKER_ENTRY_SIZE) {
        run_loader_command(m, fw, copy + pos);
    }
    g_assert_cmphex(scan_rsdp(m), ==, FSEG_BASE);
    check_all_tables(m, 1);
    machine_free(m);
}

static void test_pci_window(void)
{
    AcpiConfig cfg;
    acpi_config_init(&cfg, 512 << 20);
    g_assert_cmphex(cfg.pci_hole_start, ==, 512 << 20);
    g_assert_cmphex(cfg.pci_hole_end, ==, 0xfebfffff);
    acpi_config_init(&cfg, 0xf0000000ull);
    g_assert_cmphex(cfg.pci_hole_start, ==, 0xe0000000);
}

/* ---- the AML encoder ---- */

static GByteArray *encode(Aml *a)
{
    GByteArray *out = g_byte_array_new();
    aml_encode(a, out);
    return out;
}

static void assert_encoding(Aml *a, const uint8_t *want, size_t len)
{
    GByteArray *out = encode(a);
    g_assert_cmpmem(out->data, out->len, want, len);
    g_byte_array_free(out, true);
}

#define ASSERT_AML(a, ...)                                                               \
    do {                                                                                 \
        const uint8_t want_[] = {__VA_ARGS__};                                           \
        assert_encoding((a), want_, sizeof(want_));                                      \
    } while (0)

static void test_aml_data(void)
{
    ASSERT_AML(aml_int(0), 0x00);
    ASSERT_AML(aml_int(1), 0x01);
    ASSERT_AML(aml_int(0xff), 0x0a, 0xff);
    ASSERT_AML(aml_int(0x100), 0x0b, 0x00, 0x01);
    ASSERT_AML(aml_int(0x12345678), 0x0c, 0x78, 0x56, 0x34, 0x12);
    ASSERT_AML(aml_int(1ull << 32), 0x0e, 0, 0, 0, 0, 1, 0, 0, 0);
    ASSERT_AML(aml_string("AB"), 0x0d, 'A', 'B', 0);
    ASSERT_AML(aml_eisaid("PNP0501"), 0x0c, 0x41, 0xd0, 0x05, 0x01);
    ASSERT_AML(aml_name("\\_SB.PCI0"), '\\', 0x2e, '_', 'S', 'B', '_', 'P', 'C', 'I',
               '0');
    ASSERT_AML(aml_name("A.B.C"), 0x2f, 3, 'A', '_', '_', '_', 'B', '_', '_', '_', 'C',
               '_', '_', '_');
    ASSERT_AML(aml_name("\\"), '\\', 0x00);
    ASSERT_AML(aml_name_decl("_UID", aml_int(2)), 0x08, '_', 'U', 'I', 'D', 0x0a, 2);
}

static void test_aml_containers(void)
{
    Aml *pkg = aml_package();
    aml_append(pkg, aml_int(5));
    aml_append(pkg, aml_int(0));
    ASSERT_AML(pkg, 0x12, 0x05, 0x02, 0x0a, 0x05, 0x00);

    Aml *dev = aml_device("KBD");
    aml_append(dev, aml_name_decl("_ADR", aml_int(0)));
    ASSERT_AML(dev, 0x5b, 0x82, 0x0b, 'K', 'B', 'D', '_', 0x08, '_', 'A', 'D', 'R', 0x00);

    Aml *method = aml_method("_STA", 0, false);
    aml_append(method, aml_return(aml_int(0x0f)));
    ASSERT_AML(method, 0x14, 0x09, '_', 'S', 'T', 'A', 0x00, 0xa4, 0x0a, 0x0f);

    Aml *crs = aml_resource_template();
    aml_append(crs, aml_io(0x60, 0x60, 1, 1));
    aml_append(crs, aml_irq_no_flags(12));
    ASSERT_AML(crs, 0x11, 0x10, 0x0a, 0x0d, 0x47, 0x01, 0x60, 0x00, 0x60, 0x00, 0x01,
               0x01, 0x22, 0x00, 0x10, 0x79, 0x00);
}

/* PkgLength counts its own bytes: up to 63 fits one byte, up to 4095 two. */
static void test_aml_pkglength(void)
{
    static const struct {
        unsigned strings, bytes;
    } cases[] = {{1, 1}, {29, 1}, {30, 2}, {2044, 2}, {2045, 3}};
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        Aml *scope = aml_scope("X");
        for (unsigned j = 0; j < cases[i].strings; j++) {
            aml_append(scope, aml_int(0x12)); /* 2 bytes each */
        }
        GByteArray *out = encode(scope);
        uint32_t len;
        size_t n = aml_read_pkglength(out->data + 1, &len);
        g_assert_cmpuint(n, ==, cases[i].bytes);
        g_assert_cmpuint(len, ==, out->len - 1); /* everything after the opcode */
        g_byte_array_free(out, true);
    }
}

/* ---- ACPI PM ---- */

#define PM1_STS 0x600
#define PM1_EN  0x602
#define PM1_CNT 0x604
#define PM_TMR  0x608

typedef struct PMFixture {
    Machine *m;
    AcpiPMState *pm;
} PMFixture;

static void set_virtual_ns(int64_t ns)
{
    icount.count = ns;
    clock_run_timers(CLOCK_VIRTUAL);
}

static void pm_setup(PMFixture *f, gconstpointer data)
{
    icount = (IcountState){.enabled = true, .shift = 0};
    f->m = machine_new("none", 1 << 20);
    f->pm = (AcpiPMState *)machine_add_device(f->m, "acpi-pm", NULL, NULL);
    g_assert_nonnull(f->pm);
}

static void pm_teardown(PMFixture *f, gconstpointer data)
{
    machine_free(f->m);
}

static uint32_t pm_in(PMFixture *f, uint16_t port, unsigned size)
{
    return address_space_ld(&f->m->io, port, size);
}

static void pm_out(PMFixture *f, uint16_t port, uint32_t val, unsigned size)
{
    address_space_st(&f->m->io, port, val, size);
}

static bool sci(PMFixture *f)
{
    return f->m->isa_irq_level & (1u << 9);
}

static void test_pm_timer_values(PMFixture *f, gconstpointer data)
{
    static const struct {
        int64_t ns;
        uint32_t ticks;
    } cases[] = {
        {0, 0},
        {1000, 3}, /* 3.58 ticks, truncated */
        {NANOSECONDS_PER_SECOND, 3579545},
        {5 * NANOSECONDS_PER_SECOND, 17897725 - (1 << 24)},
        {10 * NANOSECONDS_PER_SECOND, 35795450 - 2 * (1 << 24)},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        set_virtual_ns(cases[i].ns);
        g_assert_cmphex(pm_in(f, PM_TMR, 4), ==, cases[i].ticks);
    }
    /* Byte reads see the same counter; writes do nothing. */
    pm_out(f, PM_TMR, 0, 4);
    g_assert_cmphex(pm_in(f, PM_TMR + 2, 1), ==, (cases[4].ticks >> 16) & 0xff);
}

static void test_pm_timer_overflow(PMFixture *f, gconstpointer data)
{
    /* The counter's bit 23 first toggles after 2^23 ticks, about 2.34 s. */
    int64_t toggle_ns = ((1ll << 23) * NANOSECONDS_PER_SECOND + 3579544) / 3579545;
    pm_out(f, PM1_EN, 0x0001, 2); /* TMR_EN */
    set_virtual_ns(toggle_ns - 1);
    g_assert_cmphex(pm_in(f, PM1_STS, 2) & 1, ==, 0);
    g_assert_false(sci(f));
    set_virtual_ns(toggle_ns);
    g_assert_true(sci(f));
    g_assert_cmphex(pm_in(f, PM1_STS, 2) & 1, ==, 1);
    pm_out(f, PM1_STS, 0x0001, 2); /* write one to clear */
    g_assert_false(sci(f));
    g_assert_cmphex(pm_in(f, PM1_STS, 2) & 1, ==, 0);
    /* Next toggle at 2^24 ticks, even with nobody looking at the registers. */
    set_virtual_ns(2 * toggle_ns + 1);
    g_assert_true(sci(f));
    /* Without TMR_EN the status still latches, but there is no SCI. */
    pm_out(f, PM1_EN, 0, 2);
    pm_out(f, PM1_STS, 0xffff, 2);
    set_virtual_ns(4 * toggle_ns);
    g_assert_false(sci(f));
    g_assert_cmphex(pm_in(f, PM1_STS, 2) & 1, ==, 1);
}

static void test_pm_power_button(PMFixture *f, gconstpointer data)
{
    g_assert_cmphex(pm_in(f, PM1_CNT, 2), ==, 0x0001); /* SCI_EN */
    acpi_pm_power_button(f->pm);
    g_assert_cmphex(pm_in(f, PM1_STS, 2), ==, 0x0100);
    g_assert_false(sci(f)); /* not enabled */
    pm_out(f, PM1_EN, 0x0100, 2);
    g_assert_true(sci(f));
    g_assert_cmphex(pm_in(f, PM1_EN, 2), ==, 0x0100);
    pm_out(f, PM1_CNT, 0x0000, 2); /* SCI_EN off silences it */
    g_assert_false(sci(f));
    pm_out(f, PM1_CNT, 0x0001, 2);
    g_assert_true(sci(f));
    pm_out(f, PM1_STS + 1, 0x01, 1); /* clear PWRBTN_STS with a byte write */
    g_assert_false(sci(f));
    g_assert_cmphex(pm_in(f, PM1_STS, 4), ==, 0x01000000); /* STS 0, EN PWRBTN */
}

static void test_pm_cnt_and_other_sleep(PMFixture *f, gconstpointer data)
{
    /* SLP_TYP is kept, SLP_EN reads as 0, an unsupported state does nothing. */
    pm_out(f, PM1_CNT, 0x0401 | 0x2000, 2);
    g_assert_false(runstate_shutdown_requested());
    g_assert_cmphex(pm_in(f, PM1_CNT, 2), ==, 0x0401);
    machine_reset(f->m);
    g_assert_cmphex(pm_in(f, PM1_CNT, 2), ==, 0x0001);
}

static void run_s5(unsigned size)
{
    PMFixture f;
    pm_setup(&f, NULL);
    if (size == 2) {
        pm_out(&f, PM1_CNT, (ACPI_SLP_TYP_S5 << 10) | 0x2000 | 1, 2);
    } else {
        pm_out(&f, PM1_CNT + 1, (ACPI_SLP_TYP_S5 << 2) | 0x20, 1);
    }
    g_assert_true(runstate_shutdown_requested());
    g_assert_cmpint(runstate_shutdown_cause(), ==, SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
    g_assert_cmpint(runstate_exit_status(), ==, 0);
    pm_teardown(&f, NULL);
}

/* The shutdown request is latched once per process, so each case runs in a child. */
static void test_pm_s5_poweroff(gconstpointer data)
{
    if (g_test_subprocess()) {
        run_s5(GPOINTER_TO_UINT(data));
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
    g_test_trap_assert_passed();
}

#define ADD_PM(name, fn) g_test_add(name, PMFixture, NULL, pm_setup, fn, pm_teardown)

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/acpi/tables/direct-boot", test_direct_boot_tables);
    g_test_add_func("/acpi/tables/firmware-loader", test_firmware_tables);
    g_test_add_func("/acpi/tables/pci-window", test_pci_window);
    g_test_add_func("/acpi/aml/data", test_aml_data);
    g_test_add_func("/acpi/aml/containers", test_aml_containers);
    g_test_add_func("/acpi/aml/pkglength", test_aml_pkglength);
    ADD_PM("/acpi/pm/timer-values", test_pm_timer_values);
    ADD_PM("/acpi/pm/timer-overflow", test_pm_timer_overflow);
    ADD_PM("/acpi/pm/power-button", test_pm_power_button);
    ADD_PM("/acpi/pm/cnt-and-other-sleep", test_pm_cnt_and_other_sleep);
    g_test_add_data_func("/acpi/pm/s5-poweroff/word", GUINT_TO_POINTER(2),
                         test_pm_s5_poweroff);
    g_test_add_data_func("/acpi/pm/s5-poweroff/byte", GUINT_TO_POINTER(1),
                         test_pm_s5_poweroff);
    return g_test_run();
}
