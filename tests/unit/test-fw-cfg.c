/*
 * Device tests for fw_cfg: every standard key through the I/O ports, the file
 * directory, the DMA interface (read, skip, select, write, errors) and the
 * structure of the ACPI linker/loader script it carries.
 */
#include "hw/acpi/acpi.h"
#include "hw/acpi/bios-linker-loader.h"
#include "hw/machine.h"
#include "hw/nvram/fw_cfg.h"

#define SELECTOR 0x510
#define DATA     0x511
#define DMA_HI   0x514
#define DMA_LO   0x518
#define DESC     0x1000 /* where the tests put an FWCfgDmaAccess */
#define BUF      0x2000
#define RAM_SIZE (32 << 20)

typedef struct Fixture {
    Machine *m;
    FWCfgState *fw;
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data)
{
    Error *err = NULL;
    f->m = machine_new("none", RAM_SIZE);
    f->fw = (FWCfgState *)machine_add_device(f->m, "fw_cfg", data, &err);
    if (!f->fw) {
        g_error("fw_cfg: %s", error_get_pretty(err));
    }
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    machine_free(f->m);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static uint64_t le(const uint8_t *p, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

static void select_key(Fixture *f, uint16_t key)
{
    address_space_st(&f->m->io, SELECTOR, key, 2);
}

static void read_data(Fixture *f, void *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        ((uint8_t *)buf)[i] = address_space_ld(&f->m->io, DATA, 1);
    }
}

static uint64_t read_key(Fixture *f, uint16_t key, unsigned size)
{
    uint8_t buf[8];
    select_key(f, key);
    read_data(f, buf, size);
    return le(buf, size);
}

/* ---- the traditional interface ---- */

static void test_signature_and_id(Fixture *f, gconstpointer data)
{
    char sig[5] = {0};
    select_key(f, FW_CFG_SIGNATURE);
    read_data(f, sig, 4);
    g_assert_cmpstr(sig, ==, "QEMU");
    g_assert_cmphex(read_key(f, FW_CFG_ID, 4), ==, FW_CFG_VERSION | FW_CFG_VERSION_DMA);
    /* Past the end of an item, and for unknown keys, reads return 0. */
    select_key(f, FW_CFG_SIGNATURE);
    read_data(f, sig, 4);
    g_assert_cmphex(address_space_ld(&f->m->io, DATA, 1), ==, 0);
    g_assert_cmphex(read_key(f, 0x3fff, 4), ==, 0);
    /* A word read returns the next two data bytes; bit 14 of the key is ignored. */
    select_key(f, FW_CFG_SIGNATURE | FW_CFG_WRITE_CHANNEL);
    g_assert_cmphex(address_space_ld(&f->m->io, SELECTOR, 2), ==, 'Q' | 'E' << 8);
    /* Data port writes are ignored. */
    select_key(f, FW_CFG_SIGNATURE);
    address_space_st(&f->m->io, DATA, 'X', 1);
    g_assert_cmphex(read_key(f, FW_CFG_SIGNATURE, 1), ==, 'Q');
}

static void test_no_dma(Fixture *f, gconstpointer data)
{
    g_assert_cmphex(read_key(f, FW_CFG_ID, 4), ==, FW_CFG_VERSION);
    g_assert_cmphex(address_space_ld(&f->m->io, DMA_HI, 4), ==, 0xffffffff);
}

static void test_standard_keys(Fixture *f, gconstpointer data)
{
    uint8_t uuid[16], zero[16] = {0};
    g_assert_cmphex(read_key(f, FW_CFG_RAM_SIZE, 8), ==, RAM_SIZE);
    g_assert_cmphex(read_key(f, FW_CFG_NOGRAPHIC, 2), ==, 0);
    g_assert_cmphex(read_key(f, FW_CFG_NB_CPUS, 2), ==, 1);
    g_assert_cmphex(read_key(f, FW_CFG_MAX_CPUS, 2), ==, 1);
    g_assert_cmphex(read_key(f, FW_CFG_BOOT_MENU, 2), ==, 0);
    select_key(f, FW_CFG_UUID);
    read_data(f, uuid, 16);
    g_assert_cmpmem(uuid, 16, zero, 16);

    fw_cfg_add_i16(f->fw, FW_CFG_NB_CPUS, 4);
    fw_cfg_add_i16(f->fw, FW_CFG_MAX_CPUS, 8);
    fw_cfg_add_i16(f->fw, FW_CFG_NOGRAPHIC, 1);
    fw_cfg_add_i64(f->fw, FW_CFG_RAM_SIZE, 0x123456789ull);
    fw_cfg_add_i32(f->fw, FW_CFG_E820_TABLE, 0xcafe);
    g_assert_cmphex(read_key(f, FW_CFG_NB_CPUS, 2), ==, 4);
    g_assert_cmphex(read_key(f, FW_CFG_MAX_CPUS, 2), ==, 8);
    g_assert_cmphex(read_key(f, FW_CFG_NOGRAPHIC, 2), ==, 1);
    g_assert_cmphex(read_key(f, FW_CFG_RAM_SIZE, 8), ==, 0x123456789ull);
    g_assert_cmphex(read_key(f, FW_CFG_E820_TABLE, 4), ==, 0xcafe);
    /* 0x8003 is an item of its own, not 0x0003 (RAM size). */
    g_assert_cmphex(read_key(f, FW_CFG_E820_TABLE & 0x3fff, 8), ==, 0x123456789ull);
}

static void test_linux_boot_keys(Fixture *f, gconstpointer data)
{
    static const uint8_t setup[] = {1, 2, 3}, kernel[] = {4, 5, 6, 7}, initrd[] = {8, 9};
    FWCfgLinuxBoot boot = {
        .setup_addr = 0x90000,
        .kernel_addr = 0x100000,
        .initrd_addr = 0x7f00000,
        .cmdline_addr = 0x20000,
        .setup = setup,
        .setup_size = sizeof(setup),
        .kernel = kernel,
        .kernel_size = sizeof(kernel),
        .initrd = initrd,
        .initrd_size = sizeof(initrd),
        .cmdline = "console=ttyS0",
    };
    char cmdline[14];
    uint8_t buf[4];
    fw_cfg_add_linux_boot(f->fw, &boot);
    g_assert_cmphex(read_key(f, FW_CFG_KERNEL_ADDR, 4), ==, 0x100000);
    g_assert_cmphex(read_key(f, FW_CFG_KERNEL_SIZE, 4), ==, 4);
    g_assert_cmphex(read_key(f, FW_CFG_KERNEL_CMDLINE, 4), ==, 0x20000);
    g_assert_cmphex(read_key(f, FW_CFG_INITRD_ADDR, 4), ==, 0x7f00000);
    g_assert_cmphex(read_key(f, FW_CFG_INITRD_SIZE, 4), ==, 2);
    g_assert_cmphex(read_key(f, FW_CFG_CMDLINE_ADDR, 4), ==, 0x20000);
    g_assert_cmphex(read_key(f, FW_CFG_CMDLINE_SIZE, 4), ==, 14);
    g_assert_cmphex(read_key(f, FW_CFG_SETUP_ADDR, 4), ==, 0x90000);
    g_assert_cmphex(read_key(f, FW_CFG_SETUP_SIZE, 4), ==, 3);
    select_key(f, FW_CFG_KERNEL_DATA);
    read_data(f, buf, 4);
    g_assert_cmpmem(buf, 4, kernel, 4);
    select_key(f, FW_CFG_INITRD_DATA);
    read_data(f, buf, 2);
    g_assert_cmpmem(buf, 2, initrd, 2);
    select_key(f, FW_CFG_SETUP_DATA);
    read_data(f, buf, 3);
    g_assert_cmpmem(buf, 3, setup, 3);
    select_key(f, FW_CFG_CMDLINE_DATA);
    read_data(f, cmdline, sizeof(cmdline));
    g_assert_cmpstr(cmdline, ==, "console=ttyS0");
}

/* ---- files ---- */

typedef struct DirEntry {
    uint32_t size;
    uint16_t select;
    char name[FW_CFG_MAX_FILE_PATH];
} DirEntry;

/* Find name in the directory as firmware reads it through the ports. */
static bool find_file(Fixture *f, const char *name, DirEntry *out)
{
    uint8_t count[4], raw[64];
    select_key(f, FW_CFG_FILE_DIR);
    read_data(f, count, 4);
    for (uint32_t i = 0; i < be32(count); i++) {
        read_data(f, raw, sizeof(raw));
        if (strcmp((char *)raw + 8, name) == 0) {
            out->size = be32(raw);
            out->select = raw[4] << 8 | raw[5];
            memcpy(out->name, raw + 8, sizeof(out->name));
            return true;
        }
    }
    return false;
}

static uint8_t *read_file(Fixture *f, const char *name, uint32_t *size)
{
    DirEntry e;
    g_assert_true(find_file(f, name, &e));
    uint8_t *buf = g_malloc0(e.size + 1);
    select_key(f, e.select);
    read_data(f, buf, e.size);
    *size = e.size;
    return buf;
}

static void test_file_directory(Fixture *f, gconstpointer data)
{
    DirEntry a, b, boot;
    uint32_t size;
    uint8_t count[4];
    g_assert_true(find_file(f, "bootorder", &boot));
    g_assert_cmpuint(boot.size, ==, 0);
    g_assert_cmpuint(boot.select, >=, FW_CFG_FILE_FIRST);
    g_autofree uint8_t *wait = read_file(f, "etc/boot-fail-wait", &size);
    g_assert_cmpuint(size, ==, 4);
    g_assert_cmphex(le(wait, 4), ==, 0xffffffff);

    g_assert_true(fw_cfg_add_file(f->fw, "opt/a", "hello", 5, NULL));
    g_assert_true(fw_cfg_add_file(f->fw, "opt/b", "world!", 6, NULL));
    g_assert_true(find_file(f, "opt/a", &a));
    g_assert_true(find_file(f, "opt/b", &b));
    g_assert_cmpuint(a.size, ==, 5);
    g_assert_cmpuint(b.size, ==, 6);
    g_assert_cmpuint(a.select, !=, b.select);
    g_autofree uint8_t *content = read_file(f, "opt/b", &size);
    g_assert_cmpstr((char *)content, ==, "world!");

    /* Replacing keeps the key and the count. */
    select_key(f, FW_CFG_FILE_DIR);
    read_data(f, count, 4);
    g_assert_true(fw_cfg_add_file(f->fw, "opt/a", "bye", 3, NULL));
    g_assert_true(find_file(f, "opt/a", &b));
    g_assert_cmpuint(b.select, ==, a.select);
    g_assert_cmpuint(b.size, ==, 3);
    g_assert_cmphex(read_key(f, FW_CFG_FILE_DIR, 4), ==, le(count, 4));

    Error *err = NULL;
    char long_name[80];
    memset(long_name, 'x', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = 0;
    g_assert_false(fw_cfg_add_file(f->fw, long_name, "", 0, &err));
    g_assert_nonnull(err);
    error_free(err);
}

static void test_e820_file(Fixture *f, gconstpointer data)
{
    const FWCfgE820Entry map[] = {
        {0, 0x9fc00, 1},
        {0x100000, 0x1f00000, 1},
        {0xfffc0000, 0x40000, 2},
    };
    uint32_t size;
    g_assert_true(fw_cfg_add_e820(f->fw, map, ARRAY_SIZE(map), NULL));
    g_autofree uint8_t *raw = read_file(f, "etc/e820", &size);
    g_assert_cmpuint(size, ==, 20 * ARRAY_SIZE(map));
    for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
        g_assert_cmphex(le(raw + 20 * i, 8), ==, map[i].address);
        g_assert_cmphex(le(raw + 20 * i + 8, 8), ==, map[i].length);
        g_assert_cmphex(le(raw + 20 * i + 16, 4), ==, map[i].type);
    }
}

/* ---- DMA ---- */

static void put_desc(Fixture *f, uint32_t control, uint32_t length, uint64_t address)
{
    uint32_t c = GUINT32_TO_BE(control), l = GUINT32_TO_BE(length);
    uint64_t a = GUINT64_TO_BE(address);
    g_assert_true(dma_write(&f->m->mem, DESC, &c, 4));
    g_assert_true(dma_write(&f->m->mem, DESC + 4, &l, 4));
    g_assert_true(dma_write(&f->m->mem, DESC + 8, &a, 8));
}

static uint32_t desc_control(Fixture *f)
{
    uint8_t c[4];
    g_assert_true(dma_read(&f->m->mem, DESC, c, 4));
    return be32(c);
}

/* Two 32-bit writes, high half first, each in big-endian byte order. */
static uint32_t dma(Fixture *f, uint32_t control, uint32_t length, uint64_t address)
{
    put_desc(f, control, length, address);
    address_space_st(&f->m->io, DMA_HI, GUINT32_TO_BE((uint64_t)DESC >> 32), 4);
    address_space_st(&f->m->io, DMA_LO, GUINT32_TO_BE((uint32_t)DESC), 4);
    return desc_control(f);
}

static uint32_t select_read(uint16_t key)
{
    return (uint32_t)key << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ;
}

static void test_dma_read(Fixture *f, gconstpointer data)
{
    uint8_t buf[8];
    g_assert_cmphex(address_space_ld(&f->m->io, DMA_HI, 4), ==,
                    GUINT32_TO_BE(0x51454d55));
    g_assert_cmphex(address_space_ld(&f->m->io, DMA_LO, 4), ==,
                    GUINT32_TO_BE(0x20434647));

    g_assert_cmphex(dma(f, select_read(FW_CFG_SIGNATURE), 4, BUF), ==, 0);
    g_assert_true(dma_read(&f->m->mem, BUF, buf, 4));
    g_assert_cmpmem(buf, 4, "QEMU", 4);

    /* Reading past the end delivers zeros and still succeeds. */
    memset(buf, 0xaa, sizeof(buf));
    g_assert_true(dma_write(&f->m->mem, BUF, buf, sizeof(buf)));
    g_assert_cmphex(dma(f, select_read(FW_CFG_ID), 8, BUF), ==, 0);
    g_assert_true(dma_read(&f->m->mem, BUF, buf, 8));
    g_assert_cmphex(le(buf, 8), ==, 3);
}

static void test_dma_skip_and_continue(Fixture *f, gconstpointer data)
{
    uint8_t buf[2];
    uint32_t skip = FW_CFG_SIGNATURE << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_SKIP;
    g_assert_cmphex(dma(f, skip, 2, 0), ==, 0);
    g_assert_cmphex(dma(f, FW_CFG_DMA_CTL_READ, 2, BUF), ==, 0);
    g_assert_true(dma_read(&f->m->mem, BUF, buf, 2));
    g_assert_cmpmem(buf, 2, "MU", 2);
    /* The port interface continues where DMA stopped: nothing left. */
    g_assert_cmphex(address_space_ld(&f->m->io, DATA, 1), ==, 0);
    /* Select alone (no read) rewinds. */
    g_assert_cmphex(dma(f, FW_CFG_SIGNATURE << 16 | FW_CFG_DMA_CTL_SELECT, 0, 0), ==, 0);
    g_assert_cmphex(address_space_ld(&f->m->io, DATA, 1), ==, 'Q');
}

static void test_dma_64bit_trigger(Fixture *f, gconstpointer data)
{
    uint8_t buf[4];
    put_desc(f, select_read(FW_CFG_SIGNATURE), 4, BUF + 0x10);
    address_space_st(&f->m->io, DMA_HI, GUINT64_TO_BE((uint64_t)DESC), 8);
    g_assert_cmphex(desc_control(f), ==, 0);
    g_assert_true(dma_read(&f->m->mem, BUF + 0x10, buf, 4));
    g_assert_cmpmem(buf, 4, "QEMU", 4);
}

static void test_dma_errors(Fixture *f, gconstpointer data)
{
    /* Destination outside RAM. */
    g_assert_cmphex(dma(f, select_read(FW_CFG_SIGNATURE), 4, 0x80000000ull), ==,
                    FW_CFG_DMA_CTL_ERROR);
    /* Writes to a read-only item. */
    g_assert_true(dma_write(&f->m->mem, BUF, "ABCD", 4));
    uint32_t write_sig =
        FW_CFG_SIGNATURE << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_WRITE;
    g_assert_cmphex(dma(f, write_sig, 4, BUF), ==, FW_CFG_DMA_CTL_ERROR);
    g_assert_cmphex(read_key(f, FW_CFG_SIGNATURE, 1), ==, 'Q');
}

static void test_dma_write(Fixture *f, gconstpointer data)
{
    DirEntry e;
    size_t len;
    g_assert_true(fw_cfg_add_file_writable(f->fw, "opt/rw", "12345678", 8, NULL));
    g_assert_true(find_file(f, "opt/rw", &e));
    g_assert_true(dma_write(&f->m->mem, BUF, "abcdefgh", 8));
    uint32_t sel = (uint32_t)e.select << 16 | FW_CFG_DMA_CTL_SELECT;
    g_assert_cmphex(dma(f, sel | FW_CFG_DMA_CTL_SKIP, 2, 0), ==, 0);
    g_assert_cmphex(dma(f, FW_CFG_DMA_CTL_WRITE, 3, BUF), ==, 0);
    g_assert_cmpmem(fw_cfg_file_data(f->fw, "opt/rw", &len), 8, "12abc678", 8);
    /* A write running past the end is refused whole. */
    g_assert_cmphex(dma(f, sel | FW_CFG_DMA_CTL_SKIP, 6, 0), ==, 0);
    g_assert_cmphex(dma(f, FW_CFG_DMA_CTL_WRITE, 3, BUF), ==, FW_CFG_DMA_CTL_ERROR);
    g_assert_cmpmem(fw_cfg_file_data(f->fw, "opt/rw", &len), 8, "12abc678", 8);
}

static void test_reset(Fixture *f, gconstpointer data)
{
    select_key(f, FW_CFG_ID);
    machine_reset(f->m);
    g_assert_cmphex(address_space_ld(&f->m->io, DATA, 1), ==, 'Q');
}

/* ---- the ACPI linker/loader script ---- */

#define CMD(e)       le((e), 4)
#define NAME(e, off) ((const char *)(e) + (off))

static void check_name(const char *field)
{
    g_assert_cmpuint(strnlen(field, BIOS_LINKER_FILESZ), <, BIOS_LINKER_FILESZ);
}

static void test_table_loader(Fixture *f, gconstpointer data)
{
    AcpiConfig cfg;
    uint32_t size, tables_size, rsdp_size;
    unsigned allocs = 0, pointers = 0, checksums = 0;
    acpi_config_init(&cfg, RAM_SIZE);
    g_assert_true(acpi_add_fw_cfg_tables(&cfg, f->fw, NULL));
    g_autofree uint8_t *script = read_file(f, ACPI_FILE_LOADER, &size);
    g_free(read_file(f, ACPI_FILE_TABLES, &tables_size));
    g_free(read_file(f, ACPI_FILE_RSDP, &rsdp_size));
    g_assert_cmpuint(size % BIOS_LINKER_ENTRY_SIZE, ==, 0);
    g_assert_cmpuint(rsdp_size, ==, 36);

    for (uint32_t pos = 0; pos < size; pos += BIOS_LINKER_ENTRY_SIZE) {
        const uint8_t *e = script + pos;
        switch (CMD(e)) {
        case BIOS_LINKER_CMD_ALLOCATE:
            check_name(NAME(e, 4));
            if (strcmp(NAME(e, 4), ACPI_FILE_RSDP) == 0) {
                g_assert_cmpuint(e[64], ==, BIOS_LINKER_ZONE_FSEG);
                g_assert_cmpuint(le(e + 60, 4), ==, 16);
            } else {
                g_assert_cmpstr(NAME(e, 4), ==, ACPI_FILE_TABLES);
                g_assert_cmpuint(e[64], ==, BIOS_LINKER_ZONE_HIGH);
                g_assert_cmpuint(le(e + 60, 4), ==, 64); /* FACS alignment */
            }
            allocs++;
            break;
        case BIOS_LINKER_CMD_ADD_POINTER: {
            check_name(NAME(e, 4));
            check_name(NAME(e, 60));
            g_assert_cmpstr(NAME(e, 60), ==, ACPI_FILE_TABLES); /* all point at tables */
            uint32_t dest_size = strcmp(NAME(e, 4), ACPI_FILE_RSDP) ? tables_size : 36;
            g_assert_true(e[120] == 4 || e[120] == 8);
            g_assert_cmpuint(le(e + 116, 4) + e[120], <=, dest_size);
            /* Both ends of a pointer are allocated before it is patched. */
            g_assert_cmpuint(allocs, >=, strcmp(NAME(e, 4), ACPI_FILE_RSDP) ? 1 : 2);
            pointers++;
            break;
        }
        case BIOS_LINKER_CMD_ADD_CHECKSUM: {
            uint32_t file_size = strcmp(NAME(e, 4), ACPI_FILE_RSDP) ? tables_size : 36;
            uint32_t offset = le(e + 60, 4), start = le(e + 64, 4),
                     length = le(e + 68, 4);
            g_assert_cmpuint(start + length, <=, file_size);
            g_assert_cmpuint(offset, >=, start);
            g_assert_cmpuint(offset, <, start + length);
            checksums++;
            break;
        }
        default: g_assert_not_reached();
        }
    }
    g_assert_cmpuint(allocs, ==, 2);
    /* FADT: FACS, DSDT, X_DSDT; XSDT and RSDT: 2 each; RSDP: RSDT and XSDT. */
    g_assert_cmpuint(pointers, ==, 3 + 2 + 2 + 2);
    /* DSDT, FADT, MADT, XSDT, RSDT, and the RSDP's two. */
    g_assert_cmpuint(checksums, ==, 5 + 2);
    /* The last command completes the RSDP's extended checksum, over all 36 bytes. */
    const uint8_t *last = script + size - BIOS_LINKER_ENTRY_SIZE;
    g_assert_cmpstr(NAME(last, 4), ==, ACPI_FILE_RSDP);
    g_assert_cmpuint(le(last + 60, 4), ==, 32);
    g_assert_cmpuint(le(last + 68, 4), ==, 36);
}

#define ADD(name, fn, props)                                                             \
    g_test_add(name, Fixture, props, fixture_setup, fn, fixture_teardown)

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    ADD("/fw_cfg/port/signature-and-id", test_signature_and_id, NULL);
    ADD("/fw_cfg/port/no-dma", test_no_dma, "dma_enabled=off");
    ADD("/fw_cfg/port/standard-keys", test_standard_keys, NULL);
    ADD("/fw_cfg/port/linux-boot-keys", test_linux_boot_keys, NULL);
    ADD("/fw_cfg/files/directory", test_file_directory, NULL);
    ADD("/fw_cfg/files/e820", test_e820_file, NULL);
    ADD("/fw_cfg/dma/read", test_dma_read, NULL);
    ADD("/fw_cfg/dma/skip-and-continue", test_dma_skip_and_continue, NULL);
    ADD("/fw_cfg/dma/64bit-trigger", test_dma_64bit_trigger, NULL);
    ADD("/fw_cfg/dma/errors", test_dma_errors, NULL);
    ADD("/fw_cfg/dma/write", test_dma_write, NULL);
    ADD("/fw_cfg/reset", test_reset, NULL);
    ADD("/fw_cfg/acpi/table-loader", test_table_loader, NULL);
    return g_test_run();
}
