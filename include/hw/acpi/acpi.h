/*
 * ACPI tables for the pc machine (hw/acpi/acpi-tables.c), after ACPI 6.x: RSDP (v2),
 * XSDT and RSDT, FADT (revision 6), FACS, MADT and a DSDT with \_S5, the PCI root
 * bridge and its _PRT (INTx to GSI 16-19), the ISA devices and the processors.
 *
 * Two ways to hand them to the guest:
 *  - direct Linux boot: acpi_build_tables() returns one blob, already linked for a
 *    fixed physical address, to copy into guest memory (RSDP first, 16-byte aligned,
 *    so it can sit in the 0xE0000-0xFFFFF area Linux scans);
 *  - firmware boot: acpi_add_fw_cfg_tables() adds "etc/acpi/tables", "etc/acpi/rsdp"
 *    and the "etc/table-loader" script with which SeaBIOS places and links them.
 */
#ifndef HW_ACPI_ACPI_H
#define HW_ACPI_ACPI_H

#include "util/osdep.h"
#include "util/error.h"

typedef struct FWCfgState FWCfgState;

typedef struct AcpiConfig {
    unsigned nr_cpus;    /* processors with local APIC IDs 0..nr_cpus-1 */
    uint32_t lapic_addr; /* 0xFEE00000 */
    uint8_t ioapic_id;
    uint32_t ioapic_addr; /* 0xFEC00000, GSI base 0 */
    uint16_t pm_base;     /* PM1a_EVT at +0, PM1a_CNT at +4, PM_TMR at +8 */
    uint8_t sci_irq;
    uint32_t pci_hole_start; /* the 32-bit PCI memory window, [start, end] */
    uint32_t pci_hole_end;
} AcpiConfig;

/* The pc machine's values, with the PCI window from the end of RAM below 4 GiB. */
void acpi_config_init(AcpiConfig *cfg, uint64_t ram_below_4g);

/*
 * Tables linked for loading at physical address base (64-byte aligned, below 4 GiB):
 * copy the returned blob there; the RSDP is at base + *rsdp_offset.
 */
GByteArray *acpi_build_tables(const AcpiConfig *cfg, uint64_t base,
                              uint64_t *rsdp_offset);

/* The same tables as fw_cfg files for firmware's linker/loader. */
bool acpi_add_fw_cfg_tables(const AcpiConfig *cfg, FWCfgState *fw, Error **errp);

#define ACPI_FILE_TABLES "etc/acpi/tables"
#define ACPI_FILE_RSDP   "etc/acpi/rsdp"
#define ACPI_FILE_LOADER "etc/table-loader"

#endif
