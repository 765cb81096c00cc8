/*
 * The PIIX3 PCI-to-ISA bridge, function 01.0 (hw/isa/piix3.c): steers the PCI
 * interrupt lines PIRQA#..PIRQD# to ISA IRQs through its PIRQ route control
 * registers, and hands them to the I/O APIC as GSIs 16..19.
 * Create it after the host bridge: machine_add_device(m, "piix3", NULL).
 */
#ifndef HW_ISA_PIIX3_H
#define HW_ISA_PIIX3_H

#include "hw/irq.h"
#include "hw/pci/pci.h"

#define PIIX3_PIRQRC    0x60 /* PIRQ Route Control Registers, A..D at 0x60..0x63 */
#define PIIX3_NUM_PIRQS 4
#define PIIX3_GSI_BASE  16 /* where the board wires PIRQA#..D# on the I/O APIC */

typedef struct PIIX3State PIIX3State;

/*
 * The 440FX board swizzle, which SeaBIOS and our ACPI _PRT both assume: slot 1's
 * INTA# is PIRQA#, and each slot further on rotates by one. pin 0..3 is INTA#..D#.
 */
static inline int piix3_slot_pirq(int slot, int pin)
{
    return (slot + pin - 1) & 3;
}

/* Wire PIRQ n (0..3 for A..D) also to gsi, e.g. the IOAPIC's pin 16 + n. */
void piix3_connect_gsi(PIIX3State *s, int pirq, const IRQ *gsi);

#endif
