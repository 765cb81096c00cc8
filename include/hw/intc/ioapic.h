/*
 * The 82093AA I/O APIC (hw/intc/ioapic.c): 24 interrupt pins routed as messages to
 * the local APIC. The machine wires each GSI to ioapic_set_irq(ioapic, gsi, level).
 */
#ifndef HW_INTC_IOAPIC_H
#define HW_INTC_IOAPIC_H

#include "util/osdep.h"

#define IOAPIC_NUM_PINS     24
#define IOAPIC_DEFAULT_BASE 0xfec00000ull

typedef struct IOAPICState IOAPICState;

/* An IRQHandler: input pin gsi (0..23) is now asserted (1) or not (0). */
void ioapic_set_irq(void *opaque, int gsi, int level);

#endif
