/*
 * The virtual interrupt flag: virtual-8086 mode extensions (CR4.VME) and
 * protected-mode virtual interrupts (CR4.PVI), Intel SDM vol. 3 20.3-20.4.
 *
 * Where IOPL would make CLI/STI fault (V86 mode with IOPL < 3, or CPL 3 with
 * IOPL < 3), these extensions let them act on EFLAGS.VIF instead. In V86 mode VME
 * also virtualises the 16-bit PUSHF/POPF/IRET (IF in the image stands for VIF) and
 * sends INT n straight to the 8086 program's own handler when the TSS's interrupt
 * redirection bitmap says so. Setting VIF while VIP is set is a #GP(0): the
 * monitor's cue to deliver the interrupt it held back.
 */
#ifndef TARGET_I386_VME_H
#define TARGET_I386_VME_H

#include "target/i386/cpu.h"

/* V86 mode, CR4.VME and IOPL < 3: PUSHF/POPF/IRET with 16-bit operands use VIF. */
bool vme_active(const CPUX86State *env);
/* CLI/STI that IOPL forbids: may they act on VIF (VME in V86, PVI at CPL 3)? */
bool vif_may_stand_in(const CPUX86State *env);
/* Set or clear VIF; setting it while VIP is set is #GP(0). */
void vif_set(CPUX86State *env, bool on);

/* The FLAGS image PUSHF (and a redirected INT n) pushes under VME: IF = VIF, IOPL 3. */
uint16_t vme_flags_image(const CPUX86State *env);
/* #GP(0) unless POPF/IRET may load this FLAGS image under VME (checked first). */
void vme_check_flags(CPUX86State *env, uint16_t image);
/* Load a checked image: IF and IOPL stay, VIF takes the image's IF. */
void vme_load_flags(CPUX86State *env, uint16_t image);

/*
 * INT n in V86 mode: with VME and the redirection bitmap bit clear, push FLAGS, CS,
 * IP and jump through the real-mode vector table (sets next_rip) and return true.
 * False: the interrupt goes through the IDT (if IOPL allows).
 */
bool vme_int_redirect(CPUX86State *env, uint8_t vector);

#endif
