/*
 * The pc machine: an i440FX host bridge with a PIIX3 ISA bridge, the i8259 pair, the
 * i8254 PIT with port 0x61, the MC146818 RTC/CMOS, the i8042, a local APIC and an
 * IOAPIC, ACPI power management and fw_cfg; ISA interrupts go to both the PIC and the
 * IOAPIC, as on real boards where the OS picks one.
 */
#include "hw/i386/pc.h"
#include "hw/intc/apic.h"
#include "hw/intc/i8259.h"
#include "hw/intc/ioapic.h"
#include "hw/rtc/mc146818.h"
#include "hw/isa/piix3.h"
#include "hw/pci-host/i440fx.h"
#include "hw/nvram/fw_cfg.h"
#include "hw/acpi/acpi.h"
#include "target/i386/cpu.h"
#include "target/i386/cpuid.h"

#define PC_MAX_RAM (1ull << 40) /* 1 TiB: the RAM is mapped lazily */
#define PC_4G      (1ull << 32)

typedef struct PCBoard {
    PICState *pic;
    IOAPICState *ioapic;
    Machine *m;
    MemoryRegion ram_below_4g, ram_above_4g; /* aliases of m->ram past 3 GiB */
} PCBoard;

uint64_t pc_ram_below_4g(const Machine *m)
{
    return MIN(m->ram_size, (uint64_t)PC_PCI_HOLE_START);
}

uint64_t pc_ram_above_4g(const Machine *m)
{
    return m->ram_size - pc_ram_below_4g(m);
}

/*
 * RAM past the PCI hole moves above 4 GiB, as on QEMU's pc: [0, 3 GiB) stays where
 * it is and the rest starts at 4 GiB, both aliases of the one RAM region that
 * snapshots, replay hashes and the code cache see.
 */
static void pc_init_ram(Machine *m, PCBoard *b)
{
    uint64_t below = pc_ram_below_4g(m);

    if (!pc_ram_above_4g(m)) {
        return;
    }
    address_space_unmap(&m->mem, &m->ram);
    memory_region_init_alias(&b->ram_below_4g, "ram-below-4g", &m->ram, 0, below);
    memory_region_init_alias(&b->ram_above_4g, "ram-above-4g", &m->ram, below,
                             pc_ram_above_4g(m));
    address_space_map(&m->mem, 0, &b->ram_below_4g, 0);
    address_space_map(&m->mem, PC_4G, &b->ram_above_4g, 0);
}

/* ISA IRQ n reaches PIC input n and IOAPIC pin n, except IRQ 0 which is pin 2. */
static void pc_isa_irq(void *opaque, int n, int level)
{
    PCBoard *b = opaque;

    b->m->isa_irq_level =
        (uint16_t)((b->m->isa_irq_level & ~(1u << n)) | (level ? 1u << n : 0));
    i8259_set_irq(b->pic, n, level);
    if (n != 2) {
        ioapic_set_irq(b->ioapic, n == 0 ? 2 : n, level);
    }
}

static bool pc_add(Machine *m, const char *type, const char *props, DeviceState **out,
                   Error **errp)
{
    DeviceState *d = machine_add_device(m, type, props, errp);

    if (out) {
        *out = d;
    }
    return d != NULL;
}

static bool pc_init_interrupts(Machine *m, PCBoard *b, Error **errp)
{
    DeviceState *io;
    APICState *apic;

    if (!pc_add(m, "apic", NULL, NULL, errp) || !pc_add(m, "ioapic", NULL, &io, errp) ||
        !pc_add(m, "i8259", NULL, NULL, errp)) {
        return false;
    }
    apic = m->cpu->apic;
    b->ioapic = (IOAPICState *)io;
    b->pic = i8259_find(m);
    i8259_connect_intr(b->pic, apic_set_lint, apic);
    apic_set_extint_source(apic, i8259_cpu_get_irq, b->pic);
    for (int n = 0; n < ISA_NUM_IRQS; n++) {
        irq_init(&m->isa_irq[n], pc_isa_irq, b, n);
    }
    return true;
}

static void pc_set_cmos_word(RTCState *rtc, int lo, uint64_t v)
{
    mc146818_set_cmos(rtc, lo, (uint8_t)v);
    mc146818_set_cmos(rtc, lo + 1, (uint8_t)(v >> 8));
}

/* The memory sizes and equipment bytes BIOSes and Linux read from the CMOS. */
static void pc_fill_cmos(Machine *m, RTCState *rtc)
{
    uint64_t below = pc_ram_below_4g(m);
    uint64_t ext_kb = MIN((below - 0x100000) >> 10, 0xffffull);
    uint64_t above_16m =
        below > (16 << 20) ? MIN((below - (16 << 20)) >> 16, 0xffffull) : 0;
    uint64_t above_4g = pc_ram_above_4g(m) >> 16; /* 64 KiB units, three bytes */

    pc_set_cmos_word(rtc, RTC_CMOS_BASE_MEM_LO, 640);
    pc_set_cmos_word(rtc, RTC_CMOS_EXT_MEM_LO, ext_kb);
    pc_set_cmos_word(rtc, RTC_CMOS_EXT_MEM2_LO, ext_kb);
    pc_set_cmos_word(rtc, RTC_CMOS_MEM_16M_LO, above_16m);
    pc_set_cmos_word(rtc, RTC_CMOS_MEM_4G_LO, above_4g);
    mc146818_set_cmos(rtc, RTC_CMOS_MEM_4G_HI, (uint8_t)(above_4g >> 16));
    mc146818_set_cmos(rtc, RTC_CMOS_EQUIPMENT, 0x06); /* FPU, PS/2 mouse present */
    /* QEMU's default order "cad": hard disk, floppy, CD-ROM (1 floppy, 2 disk, 3 CD). */
    mc146818_set_cmos(rtc, RTC_CMOS_BOOT_ORDER_12, 0x12);
    mc146818_set_cmos(rtc, RTC_CMOS_BOOT_ORDER_3, 0x30); /* bit 0 clear: check sig */
}

static bool pc_init_timers(Machine *m, const PCMachineOptions *opts, Error **errp)
{
    g_autofree char *rtc_props =
        opts->rtc_base ? g_strdup_printf("base=%s", opts->rtc_base) : NULL;

    if (!pc_add(m, "isa-pit", NULL, NULL, errp) ||
        !pc_add(m, "port61", NULL, NULL, errp) ||
        !pc_add(m, "mc146818rtc", rtc_props, NULL, errp)) {
        return false;
    }
    pc_fill_cmos(m, mc146818_find(m));
    return true;
}

static bool pc_init_pci(Machine *m, PCBoard *b, Error **errp)
{
    DeviceState *piix;

    if (!pc_add(m, "i440fx", NULL, NULL, errp) ||
        !pc_add(m, "piix3", NULL, &piix, errp)) {
        return false;
    }
    for (int i = 0; i < 4; i++) {
        IRQ gsi;
        irq_init(&gsi, ioapic_set_irq, b->ioapic, 16 + i);
        piix3_connect_gsi((PIIX3State *)piix, i, &gsi);
    }
    return true;
}

unsigned pc_e820_map(const Machine *m, uint64_t *addr, uint64_t *len, uint32_t *type,
                     unsigned max)
{
    const uint64_t map[][3] = {
        {0, PC_LOW_RAM_END, 1},
        {PC_LOW_RAM_END, 0xA0000 - PC_LOW_RAM_END, 2},
        {PC_BIOS_AREA, 0x100000 - PC_BIOS_AREA, 2},
        {0x100000, pc_ram_below_4g(m) - 0x100000, 1},
        {PC_4G, pc_ram_above_4g(m), 1},
    };
    unsigned n = MIN(max, (unsigned)ARRAY_SIZE(map) - !pc_ram_above_4g(m));

    for (unsigned i = 0; i < n; i++) {
        addr[i] = map[i][0];
        len[i] = map[i][1];
        type[i] = (uint32_t)map[i][2];
    }
    return n;
}

static bool pc_init_firmware_interfaces(Machine *m, Error **errp)
{
    FWCfgE820Entry e820[8];
    uint64_t a[8], l[8];
    uint32_t t[8];
    unsigned n = pc_e820_map(m, a, l, t, 8);
    DeviceState *fw;

    if (!pc_add(m, "acpi-pm", NULL, NULL, errp) ||
        !pc_add(m, "i8042", NULL, NULL, errp) || !pc_add(m, "fw_cfg", NULL, &fw, errp)) {
        return false;
    }
    for (unsigned i = 0; i < n; i++) {
        e820[i] = (FWCfgE820Entry){a[i], l[i], t[i]};
    }
    fw_cfg_add_i16((FWCfgState *)fw, FW_CFG_NB_CPUS, 1);
    fw_cfg_add_i16((FWCfgState *)fw, FW_CFG_MAX_CPUS, 1);
    return fw_cfg_add_e820((FWCfgState *)fw, e820, n, errp);
}

void pc_acpi_config(const Machine *m, AcpiConfig *c)
{
    acpi_config_init(c, pc_ram_below_4g(m));
    c->nr_cpus = 1;
}

uint64_t pc_install_acpi(Machine *m, Error **errp)
{
    AcpiConfig c;
    uint64_t rsdp_off = 0;
    g_autoptr(GByteArray) blob = NULL;

    pc_acpi_config(m, &c);
    blob = acpi_build_tables(&c, PC_BIOS_AREA, &rsdp_off);
    if (!blob || blob->len > 0x100000 - PC_BIOS_AREA ||
        !machine_boot_write(m, PC_BIOS_AREA, blob->data, blob->len)) {
        error_setg(errp, "pc: the ACPI tables do not fit below 1 MiB");
        return 0;
    }
    return PC_BIOS_AREA + rsdp_off;
}

bool pc_machine_init(Machine *m, const PCMachineOptions *opts, Error **errp)
{
    PCBoard *b = g_new0(PCBoard, 1); /* lives as long as the machine */

    b->m = m;
    if (m->ram_size > PC_MAX_RAM || m->ram_size < (2 << 20)) {
        error_setg(errp, "-m: the pc machine takes 2 MiB to %llu GiB of RAM",
                   PC_MAX_RAM >> 30);
        return false;
    }
    pc_init_ram(m, b);
    if (opts->cpu_model && !cpu_model_select(m->cpu, opts->cpu_model, errp)) {
        return false;
    }
    return pc_init_interrupts(m, b, errp) && pc_init_timers(m, opts, errp) &&
           pc_init_pci(m, b, errp) && pc_init_firmware_interfaces(m, errp);
}
