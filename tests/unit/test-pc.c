/*
 * Unit tests for the pc machine's memory map: RAM past 3 GiB moved above 4 GiB (with
 * the e820 map, fw_cfg and CMOS saying so), and firmware boot: the BIOS image at the
 * top of 4 GiB and below 1 MiB, the 440FX PAM registers switching 0xC0000-0xFFFFF
 * between ROM and shadow RAM, and a reset returning to ROM and the reset vector;
 * after a direct kernel boot, a reset re-enters the kernel with its data rewritten.
 */
#include "hw/machine.h"
#include "hw/i386/pc.h"
#include "hw/i386/pc-bios.h"
#include "hw/loader.h"
#include "hw/nvram/fw_cfg.h"
#include "hw/rtc/mc146818.h"
#include "system/cpu-exec.h"
#include "target/i386/cpu.h"

#include <glib/gstdio.h>

#define GiB       (1ull << 30)
#define BIOS_SIZE (256u << 10)
#define PAM0      0x59
#define PCI_ADDR  0xcf8
#define PCI_DATA  0xcfc

static void no_error(Error *err)
{
    if (err) {
        g_error("unexpected error: %s", error_get_pretty(err));
    }
}

static Machine *pc_new(uint64_t ram)
{
    Machine *m = machine_new("pc", ram);
    PCMachineOptions opts = {0};
    Error *err = NULL;

    m->cpu = cpu_x86_new(m);
    g_assert_true(pc_machine_init(m, &opts, &err));
    no_error(err);
    return m;
}

static void pc_free(Machine *m)
{
    CPUX86State *cpu = m->cpu;

    machine_free(m);
    cpu_x86_free(cpu);
}

static uint8_t cmos_read(Machine *m, uint8_t index)
{
    address_space_st(&m->io, 0x70, index, 1);
    return (uint8_t)address_space_ld(&m->io, 0x71, 1);
}

/* ---- RAM above 4 GiB ---- */

static void test_ram_below_hole(void)
{
    Machine *m = pc_new(3 * GiB);
    uint64_t a[8], l[8];
    uint32_t t[8];

    g_assert_cmpuint(pc_e820_map(m, a, l, t, 8), ==, 4);
    g_assert_cmpuint(a[3] + l[3], ==, 3 * GiB);
    g_assert_cmpuint(pc_ram_above_4g(m), ==, 0);
    g_assert_cmpuint(cmos_read(m, RTC_CMOS_MEM_4G_LO), ==, 0);
    /* All of RAM is the one region, mapped where it is. */
    g_assert_true(address_space_find(&m->mem, 3 * GiB - 1)->mr == &m->ram);
    g_assert_null(address_space_find(&m->mem, 3 * GiB));
    pc_free(m);
}

static void test_ram_above_4g(void)
{
    const uint64_t ram = 5 * GiB + (64u << 20);
    Machine *m = pc_new(ram);
    uint64_t a[8], l[8], units = (ram - 3 * GiB) >> 16;
    uint32_t t[8];
    size_t len = 0;
    const uint8_t *e820;

    g_assert_cmpuint(pc_e820_map(m, a, l, t, 8), ==, 5);
    g_assert_cmpuint(a[3] + l[3], ==, 3 * GiB);
    g_assert_cmpuint(a[4], ==, 4 * GiB);
    g_assert_cmpuint(l[4], ==, ram - 3 * GiB);
    g_assert_cmpuint(t[4], ==, 1);

    /* Physical 4 GiB is RAM offset 3 GiB; the hole below 4 GiB is not RAM. */
    address_space_st(&m->mem, 4 * GiB, 0x1122334455667788ull, 8);
    g_assert_cmphex(*(uint64_t *)(m->ram.ram + 3 * GiB), ==, 0x1122334455667788ull);
    address_space_st(&m->mem, 3 * GiB - 4, 0xcafef00d, 4);
    g_assert_cmphex(*(uint32_t *)(m->ram.ram + 3 * GiB - 4), ==, 0xcafef00d);
    address_space_st(&m->mem, 4 * GiB + (ram - 3 * GiB) - 1, 0x5a, 1);
    g_assert_cmpuint(m->ram.ram[ram - 1], ==, 0x5a);
    g_assert_cmphex(address_space_ld(&m->mem, 3 * GiB + 0x1000, 4), ==, 0xffffffff);
    g_assert_false(address_space_find(&m->mem, 3 * GiB + 0x1000) &&
                   address_space_find(&m->mem, 3 * GiB + 0x1000)->mr->ram);
    g_assert_null(address_space_find(&m->mem, 4 * GiB + (ram - 3 * GiB)));

    /* CMOS 0x5b-0x5d: 64 KiB units above 4 GiB; 0x34/0x35 stay at 3 GiB - 16 MiB. */
    g_assert_cmpuint(cmos_read(m, RTC_CMOS_MEM_4G_LO), ==, units & 0xff);
    g_assert_cmpuint(cmos_read(m, RTC_CMOS_MEM_4G_MID), ==, (units >> 8) & 0xff);
    g_assert_cmpuint(cmos_read(m, RTC_CMOS_MEM_4G_HI), ==, units >> 16);
    g_assert_cmpuint(cmos_read(m, RTC_CMOS_MEM_16M_LO) | cmos_read(m, RTC_CMOS_MEM_16M_HI)
                                                             << 8,
                     ==, (3 * GiB - (16u << 20)) >> 16);

    /* fw_cfg's etc/e820 (20-byte entries) ends with the same high RAM. */
    e820 = fw_cfg_file_data((FWCfgState *)machine_find_device(m, "fw_cfg"), "etc/e820",
                            &len);
    g_assert_nonnull(e820);
    g_assert_cmpuint(len % 20, ==, 0);
    g_assert_cmphex(*(uint64_t *)(e820 + len - 20), ==, 4 * GiB);
    g_assert_cmphex(*(uint64_t *)(e820 + len - 12), ==, ram - 3 * GiB);
    g_assert_cmpuint(*(uint32_t *)(e820 + len - 4), ==, 1);
    pc_free(m);
}

/* ---- firmware ---- */

static char *bios_image(uint32_t size)
{
    g_autofree uint8_t *img = g_malloc(size);
    char *path = NULL;
    int fd = g_file_open_tmp("reprise-bios-XXXXXX", &path, NULL);

    g_assert_cmpint(fd, >=, 0);
    for (uint32_t i = 0; i < size; i++) {
        img[i] = (uint8_t)(i * 7 + (i >> 12) + 1); /* never 0, never the same twice */
    }
    g_assert_cmpint(write(fd, img, size), ==, (ssize_t)size);
    close(fd);
    return path;
}

static uint8_t bios_byte(uint32_t offset)
{
    return (uint8_t)(offset * 7 + (offset >> 12) + 1);
}

static Machine *pc_with_bios(void)
{
    g_autofree char *path = bios_image(BIOS_SIZE);
    Machine *m = pc_new(128u << 20);
    Error *err = NULL;

    g_assert_true(pc_load_bios(m, path, true, &err));
    no_error(err);
    g_unlink(path);
    return m;
}

static void pam_write(Machine *m, unsigned reg, uint8_t val)
{
    address_space_st(&m->io, PCI_ADDR, 0x80000000u | reg, 4); /* 00:00.0 */
    address_space_st(&m->io, PCI_DATA + (reg & 3), val, 1);
}

static uint8_t mem8(Machine *m, uint64_t addr)
{
    return (uint8_t)address_space_ld(&m->mem, addr, 1);
}

static void test_bios_mapped(void)
{
    Machine *m = pc_with_bios();

    /* The whole image under 4 GiB, its last 128 KiB at 0xE0000 (PAM all ROM). */
    g_assert_cmpuint(mem8(m, 4 * GiB - BIOS_SIZE), ==, bios_byte(0));
    g_assert_cmpuint(mem8(m, 0xfffffff0), ==, bios_byte(BIOS_SIZE - 16));
    g_assert_cmpuint(mem8(m, 0xe0000), ==, bios_byte(BIOS_SIZE - 0x20000));
    g_assert_cmpuint(mem8(m, 0xffff0), ==, bios_byte(BIOS_SIZE - 16));
    /* Below the ISA BIOS the PCI side has nothing: all ones, RAM hidden. */
    m->ram.ram[0xc0000] = 0x42;
    g_assert_cmpuint(mem8(m, 0xc0000), ==, 0xff);
    /* ROM: writes are dropped, at both addresses. */
    address_space_st(&m->mem, 0xf0000, 0, 1);
    address_space_st(&m->mem, 4 * GiB - 0x10000, 0, 1);
    g_assert_cmpuint(mem8(m, 0xf0000), ==, bios_byte(BIOS_SIZE - 0x10000));
    g_assert_cmpuint(m->ram.ram[0xf0000], ==, 0);
    /* The CPU starts at F000:FFF0 with CS base 0xFFFF0000. */
    g_assert_cmphex(m->cpu->segs[R_CS].base + m->cpu->rip, ==, 0xfffffff0);
    pc_free(m);
}

static void test_bios_pam_modes(void)
{
    Machine *m = pc_with_bios();
    const uint8_t rom = bios_byte(BIOS_SIZE - 0x10000 + 0x100);

    /* 0x30: read/write DRAM; what the firmware copies there stays. */
    pam_write(m, PAM0, 0x30);
    g_assert_cmpuint(mem8(m, 0xf0100), ==, 0);
    address_space_st(&m->mem, 0xf0100, rom, 1);
    g_assert_cmpuint(m->ram.ram[0xf0100], ==, rom);
    /* 0x10: read DRAM, writes go to the ROM side and are lost. */
    pam_write(m, PAM0, 0x10);
    address_space_st(&m->mem, 0xf0100, 0x99, 1);
    g_assert_cmpuint(mem8(m, 0xf0100), ==, rom);
    g_assert_cmpuint(m->ram.ram[0xf0100], ==, rom);
    /* 0x20: read the ROM, write DRAM. */
    pam_write(m, PAM0, 0x20);
    address_space_st(&m->mem, 0xf0100, 0x77, 1);
    g_assert_cmpuint(m->ram.ram[0xf0100], ==, 0x77);
    g_assert_cmpuint(mem8(m, 0xf0100), ==, rom);
    /* PAM0's low nibble is reserved: the F segment follows only bits 4-5. */
    pam_write(m, PAM0, 0x03);
    g_assert_cmpuint(mem8(m, 0xf0100), ==, rom);

    /* PAM1: low nibble 0xC0000-0xC3FFF, high nibble 0xC4000-0xC7FFF. */
    m->ram.ram[0xc0000] = 0x11;
    m->ram.ram[0xc4000] = 0x22;
    pam_write(m, PAM0 + 1, 0x01);
    g_assert_cmpuint(mem8(m, 0xc0000), ==, 0x11);
    g_assert_cmpuint(mem8(m, 0xc4000), ==, 0xff);
    pam_write(m, PAM0 + 1, 0x10);
    g_assert_cmpuint(mem8(m, 0xc0000), ==, 0xff);
    g_assert_cmpuint(mem8(m, 0xc4000), ==, 0x22);
    /* PAM6's high nibble is the last 16 KiB before the F segment. */
    pam_write(m, PAM0 + 6, 0x30);
    address_space_st(&m->mem, 0xeffff, 0x66, 1);
    g_assert_cmpuint(m->ram.ram[0xeffff], ==, 0x66);
    g_assert_cmpuint(mem8(m, 0xec000 - 1), ==, bios_byte(BIOS_SIZE - 0x14001));
    pc_free(m);
}

/*
 * A CPU store into a read-only shadow segment is dropped as well: the TLB must not
 * give the read-only alias of RAM a fast write path.
 */
static void test_bios_pam_readonly_cpu_store(void)
{
    static const uint8_t code[] = {0xc6, 0x06, 0x00, 0x01, 0x55, /* mov byte [0x100], 0x55 */
                                   0xf4};
    Machine *m = pc_with_bios();
    CPUX86State *env = m->cpu;

    pam_write(m, PAM0, 0x30);
    address_space_st(&m->mem, 0xf0100, 0x11, 1);
    pam_write(m, PAM0, 0x10);
    memcpy(m->ram.ram + 0x8000, code, sizeof(code));
    cpu_set_seg_raw(env, R_CS, 0x800, 0x8000, 0xffff,
                    DESC_P | DESC_S | DESC_CS | DESC_R | DESC_A);
    cpu_set_seg_raw(env, R_DS, 0xf000, 0xf0000, 0xffff, DESC_P | DESC_S | DESC_W | DESC_A);
    env->rip = 0;
    g_assert_cmpint(cpu_exec(env, 100), ==, EXEC_HALTED);
    g_assert_cmphex(env->rip, ==, sizeof(code));
    g_assert_cmpuint(m->ram.ram[0xf0100], ==, 0x11);
    g_assert_cmpuint(mem8(m, 0xf0100), ==, 0x11);
    pc_free(m);
}

static void test_bios_reset(void)
{
    Machine *m = pc_with_bios();

    pam_write(m, PAM0, 0x30);
    address_space_st(&m->mem, 0xffff0, 0xea, 1);
    m->cpu->rip = 0x1234;
    m->cpu->halted = true;
    machine_reset(m);
    /* PAM back to ROM (RAM keeps its contents), the CPU at the reset vector. */
    g_assert_cmpuint(mem8(m, 0xffff0), ==, bios_byte(BIOS_SIZE - 16));
    g_assert_cmpuint(m->ram.ram[0xffff0], ==, 0xea);
    g_assert_cmphex(m->cpu->segs[R_CS].base + m->cpu->rip, ==, 0xfffffff0);
    g_assert_false(m->cpu->halted);
    pc_free(m);
}

static void test_bios_bad_image(void)
{
    g_autofree char *path = bios_image(100000);
    Machine *m = pc_new(128u << 20);
    Error *err = NULL;

    g_assert_false(pc_load_bios(m, path, true, &err));
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(error_get_pretty(err), "64 KiB"));
    error_free(err);
    err = NULL;
    g_assert_false(pc_load_bios(m, "/nonexistent/bios.bin", true, &err));
    g_assert_nonnull(err);
    error_free(err);
    g_unlink(path);
    pc_free(m);
}

/* ---- reset after a direct kernel boot ---- */

static void test_reset_reenters_kernel(void)
{
    Machine *m = pc_new(128u << 20);
    static const uint8_t code[] = {0xf4, 0xeb, 0xfd}; /* hlt; jmp $-1 */

    /* What a kernel loader does: write the image, set up the entry state. */
    g_assert_true(machine_boot_write(m, 0x100000, code, sizeof(code)));
    g_assert_false(machine_boot_write(m, 3 * GiB + 0x1000, code, sizeof(code)));
    g_assert_true(boot_enter_flat32(m, 0x100000, NULL));
    m->cpu->regs[R_EBX] = 0x9000;
    machine_set_boot_cpu(m);

    /* The guest runs, overwrites itself, and resets. */
    memset(m->ram.ram + 0x100000, 0xcc, 16);
    m->cpu->rip = 0x123456;
    m->cpu->regs[R_EBX] = 0;
    m->cpu->halted = true;
    machine_reset(m);
    g_assert_cmpmem(m->ram.ram + 0x100000, sizeof(code), code, sizeof(code));
    g_assert_cmpuint(m->ram.ram[0x100000 + sizeof(code)], ==, 0xcc); /* not boot data */
    g_assert_cmphex(m->cpu->segs[R_CS].base + m->cpu->rip, ==, 0x100000);
    g_assert_cmphex(m->cpu->regs[R_EBX], ==, 0x9000);
    g_assert_true(m->cpu->cr[0] & CR0_PE);
    g_assert_false(m->cpu->halted);
    pc_free(m);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pc/ram/below-hole", test_ram_below_hole);
    g_test_add_func("/pc/ram/above-4g", test_ram_above_4g);
    g_test_add_func("/pc/bios/mapped", test_bios_mapped);
    g_test_add_func("/pc/bios/pam-modes", test_bios_pam_modes);
    g_test_add_func("/pc/bios/pam-readonly-cpu-store", test_bios_pam_readonly_cpu_store);
    g_test_add_func("/pc/bios/reset", test_bios_reset);
    g_test_add_func("/pc/bios/bad-image", test_bios_bad_image);
    g_test_add_func("/pc/reset/reenters-kernel", test_reset_reenters_kernel);
    return g_test_run();
}
