/*
 * The PC's pair of 8259A interrupt controllers (hw/intc/i8259.c), device type
 * "i8259": master at 0x20/0x21, slave at 0xa0/0xa1 cascaded on the master's IR2,
 * and the PIIX edge/level control registers (ELCR) at 0x4d0/0x4d1.
 *
 * Wiring, in this order:
 *   1. machine_add_device(m, "i8259", NULL, errp), then i8259_find(m).
 *   2. i8259_connect_isa_irqs(pic, m): m->isa_irq[0..15] drive the sixteen inputs
 *      (IRQ 2 is the cascade and is not an input). Lines already high are taken
 *      over. A machine that fans the ISA lines out to an IOAPIC too installs its own
 *      handler instead and calls i8259_set_irq(pic, n, level) from it.
 *   3. The INTR output: i8259_connect_intr(pic, handler, opaque). The handler sees
 *      level changes only. Either the CPU's INTR pin (handler calls
 *      cpu_set_irq_line(); env->get_irq = i8259_cpu_get_irq, env->get_irq_opaque =
 *      pic) or the local APIC's LINT0, whose ExtINT delivery calls
 *      i8259_acknowledge().
 *
 * Inputs behave as on the chip: an edge-triggered request is latched by a rising
 * edge, but it must stay high until acknowledged; if it drops first, the request
 * vanishes and INTA returns the IR7 vector without setting ISR (spurious IRQ 7 or
 * 15). So irq_pulse() on an input is lost unless the CPU acknowledges in between.
 *
 * At reset every IMR bit is set, so an uninitialised PIC raises nothing; ICW1
 * clears the IMR, as the datasheet says, and then the guest masks what it wants.
 */
#ifndef HW_INTC_I8259_H
#define HW_INTC_I8259_H

#include "util/osdep.h"
#include "hw/device.h"
#include "hw/irq.h"
#include "system/memory.h"

typedef struct PICState PICState;

/* One 8259A. */
typedef struct I8259Chip {
    uint8_t irr;         /* Interrupt Request Register */
    uint8_t isr;         /* In-Service Register */
    uint8_t imr;         /* Interrupt Mask Register (OCW1) */
    uint8_t pins;        /* levels on IR0-IR7 */
    uint8_t elcr;        /* PIIX ELCR: 1 = level triggered */
    uint8_t vector_base; /* ICW2 T7-T3 */
    uint8_t icw3;        /* master: IRs with a slave; slave: its ID */
    uint8_t lowest;      /* IR with the lowest priority (7 after ICW1) */
    uint8_t init_step;   /* 0 operational, else the ICW expected next (2, 3, 4) */
    bool icw4_needed;    /* ICW1 IC4 */
    bool single;         /* ICW1 SNGL */
    bool ltim;           /* ICW1 LTIM: all inputs level triggered */
    bool auto_eoi;       /* ICW4 AEOI */
    bool rotate_aeoi;    /* OCW2 rotate in automatic EOI mode */
    bool sfnm;           /* ICW4 special fully nested mode */
    bool special_mask;   /* OCW3 special mask mode */
    bool read_isr;       /* OCW3 RIS: reads at A0=0 return ISR, else IRR */
    bool poll;           /* OCW3 P: the next read is a poll */
    bool int_out;        /* INT pin */

    /* Wiring, set at realize; not guest state. */
    PICState *pic;
    uint8_t elcr_mask; /* ELCR bits the PIIX lets software set */
    bool is_master;
} I8259Chip;

struct PICState {
    DeviceState dev;
    I8259Chip master, slave;
    bool intr_level; /* the master's INT as last driven on intr */

    /* Wiring, not guest state. */
    IRQ intr;
    Machine *machine; /* set by i8259_connect_isa_irqs, to mirror line levels */
    MemoryRegion io_master, io_slave, io_elcr;
    AddressSpace *io_space;
};

/* The "i8259" device of m, or NULL. */
PICState *i8259_find(Machine *m);
/* An IRQHandler: opaque is the PICState, n the ISA IRQ (0-15). */
void i8259_set_irq(void *opaque, int n, int level);
/* Point m->isa_irq[0..15] at the PIC (mirroring levels in m->isa_irq_level). */
void i8259_connect_isa_irqs(PICState *s, Machine *m);
/* Where the master's INT output goes; it is driven with its current level at once. */
void i8259_connect_intr(PICState *s, IRQHandler *handler, void *opaque);
/* Is the master's INT output asserted? */
bool i8259_intr_pending(const PICState *s);
/*
 * The INTA cycle: the vector of the highest-priority unmasked request, with ISR
 * and IRR updated (cascading to the slave), or the IR7 vector of the chip whose
 * request vanished (spurious, ISR untouched). Never fails.
 */
int i8259_acknowledge(PICState *s);
/* i8259_acknowledge() shaped as CPUGetIRQ (target/i386/cpu.h); opaque = PICState. */
int i8259_cpu_get_irq(void *opaque);

#endif
