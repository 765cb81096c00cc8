/*
 * The Intel 440FX PCI host bridge (hw/pci-host/i440fx.c): PCI configuration
 * mechanism #1 at ports 0xCF8/0xCFC, bus "pci.0" with itself at 00.0, and the reset
 * control register at 0xCF9. Create it with machine_add_device(m, "i440fx", NULL).
 */
#ifndef HW_PCI_HOST_I440FX_H
#define HW_PCI_HOST_I440FX_H

#include "hw/pci/pci.h"

#define I440FX_CONFIG_ADDRESS 0xcf8 /* CONFADD, dword accesses only */
#define I440FX_RESET_CONTROL  0xcf9 /* the PIIX3's RC register, byte accesses */
#define I440FX_CONFIG_DATA    0xcfc /* CONFDATA, byte/word/dword */

#define I440FX_PAM0     0x59 /* Programmable Attribute Map 0 (0xF0000-0xFFFFF) */
#define I440FX_PAM_REGS 7    /* PAM0..PAM6 cover 0xC0000-0xFFFFF */

typedef struct I440FXState I440FXState;

/*
 * Told the seven PAM registers whenever the guest changes them (and after reset and
 * load), so the machine can map BIOS shadow RAM: for each 16 KiB segment, bit 0/4 of
 * the nibble is read enable (RAM), bit 1/5 write enable (RAM).
 */
typedef void I440FXPAMUpdateFn(void *opaque, const uint8_t *pam);
void i440fx_set_pam_handler(I440FXState *s, I440FXPAMUpdateFn *update, void *opaque);

PCIBus *i440fx_bus(I440FXState *s);

#endif
