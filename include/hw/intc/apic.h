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
uint64_t apic_get_base(APICState *s);
/* IA32_TSC_DEADLINE (MSR 0x6e0). */
void apic_set_tsc_deadline(APICState *s, uint64_t tsc);
uint64_t apic_get_tsc_deadline(APICState *s);

#endif
