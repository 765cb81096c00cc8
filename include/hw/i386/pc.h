/* The pc machine: an i440FX/PIIX3 PC with the legacy chips, APICs and ACPI. */
#ifndef HW_I386_PC_H
#define HW_I386_PC_H

#include "hw/machine.h"

typedef struct PCMachineOptions {
    const char *cpu_model;   /* -cpu, NULL for the default */
    const char *rtc_base;    /* -rtc base=..., NULL for utc */
    const char *kernel_boot; /* -machine pc,kernel-boot=auto|pvh|bzimage */
} PCMachineOptions;

/* Layout of guest-physical memory below 1 MiB used by direct kernel boot. */
#define PC_BOOT_GDT_ADDR    0x8000
#define PC_BOOT_PARAMS_ADDR 0x9000  /* Linux zero page, or PVH start info */
#define PC_BOOT_CMDLINE     0x20000 /* kernel command line (up to 64 KiB) */
#define PC_BIOS_AREA        0xE0000 /* ACPI tables, reserved in the e820 map */
#define PC_LOW_RAM_END      0x9FC00 /* conventional memory */
#define PC_PCI_HOLE_START   0xC0000000u

/* Build the chipset and legacy devices on m (RAM and CPU already exist). */
bool pc_machine_init(Machine *m, const PCMachineOptions *opts, Error **errp);
/* RAM below 4 GiB (at most 3 GiB), and the rest, mapped from 4 GiB up. */
uint64_t pc_ram_below_4g(const Machine *m);
uint64_t pc_ram_above_4g(const Machine *m);
typedef struct AcpiConfig AcpiConfig;
/* The ACPI table parameters of this machine. */
void pc_acpi_config(const Machine *m, AcpiConfig *c);
/* Copy the ACPI tables into guest RAM for direct boot; returns the RSDP address. */
uint64_t pc_install_acpi(Machine *m, Error **errp);
/* The e820 map: fills up to max entries, returns how many. */
unsigned pc_e820_map(const Machine *m, uint64_t *addr, uint64_t *len, uint32_t *type,
                     unsigned max);

#endif
