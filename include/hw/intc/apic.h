/*
 * The local APIC as the CPU sees it: the interrupt acceptance path, CR8/TPR, the
 * APIC_BASE and TSC_DEADLINE MSRs. Implemented in hw/intc/apic.c.
 */
#ifndef HW_INTC_APIC_H
#define HW_INTC_APIC_H

#include "util/osdep.h"

typedef struct APICState APICState;

/* MOV to/from CR8 (CR8 holds TPR bits 7:4). */
void apic_set_tpr(APICState *s, uint8_t cr8);
uint8_t apic_get_tpr(APICState *s);
/* IA32_APIC_BASE (MSR 0x1b): enable bit and relocation. */
void apic_set_base(APICState *s, uint64_t val);
/* Whether WRMSR may write val to APIC_BASE: reserved bits and x2APIC enable clear. */
bool apic_base_valid(uint64_t val);
uint64_t apic_get_base(APICState *s);
/* IA32_TSC_DEADLINE (MSR 0x6e0). */
void apic_set_tsc_deadline(APICState *s, uint64_t tsc);
uint64_t apic_get_tsc_deadline(APICState *s);
/* The guest wrote the TSC (env->tsc_offset moved): re-aim a TSC-deadline timer. */
void apic_tsc_changed(APICState *s);

#define APIC_DEFAULT_BASE 0xfee00000ull

/* Delivery modes, as in LVT entries, the ICR and IOAPIC redirection entries. */
enum {
    APIC_DM_FIXED = 0,
    APIC_DM_LOWEST = 1,
    APIC_DM_SMI = 2,
    APIC_DM_NMI = 4,
    APIC_DM_INIT = 5,
    APIC_DM_STARTUP = 6,
    APIC_DM_EXTINT = 7,
};

/* An interrupt message from the system bus (the IOAPIC) for this APIC. */
void apic_deliver_irq(APICState *s, uint8_t vector, bool level_triggered,
                      int delivery_mode);
/* Whether a message for dest (physical APIC ID, or logical MDA) is ours; 0xff: all. */
bool apic_match_dest(APICState *s, uint8_t dest, bool logical);

/* The LINT0 (pin 0) and LINT1 (pin 1) inputs, as an IRQHandler. */
void apic_set_lint(void *opaque, int pin, int level);

/* The 8259's interrupt acknowledge: returns the vector it supplies for ExtINT. */
typedef int APICExtIntAck(void *opaque);
void apic_set_extint_source(APICState *s, APICExtIntAck *ack, void *opaque);

/* Told of every EOI for a level-triggered vector (the IOAPIC clears remote IRR). */
typedef void APICEOIListener(void *opaque, uint8_t vector);
void apic_set_eoi_listener(APICState *s, APICEOIListener *listener, void *opaque);

#endif
