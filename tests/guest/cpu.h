/*
 * Layout shared by the privileged-CPU guest (cpu.c, cpu-sys.c, cpu-rt.S): selectors,
 * descriptor flags, and the exception frame the runtime hands to C.
 */
#ifndef TESTS_GUEST_CPU_H
#define TESTS_GUEST_CPU_H

#define SEL_CODE0    0x08
#define SEL_DATA0    0x10
#define SEL_CODE3    0x18
#define SEL_DATA3    0x20
#define SEL_TSS      0x28 /* the main task's 32-bit TSS */
#define SEL_TSS_TINY 0x30 /* a 32-bit TSS whose limit is too small: #TS */
#define SEL_DATA_NP  0x38 /* a data segment that is not present: #NP, #SS */
#define SEL_TSS16    0x40 /* a 16-bit TSS */
#define SEL_TGATE16  0x48 /* task gate to it */
#define SEL_DATA16   0x50 /* a 16-bit stack segment for the 16-bit task */
#define SEL_CODE_T16 0x58 /* the 16-bit task's code segment (a base below its EIP) */
#define SEL_SYSENTER 0x60 /* SYSENTER_CS: CS0, SS0, then SYSEXIT's CS3, SS3 */
#define SEL_USMALL   0x80 /* a ring-3 data segment with a 256-byte limit */
#define GDT_ENTRIES  17

#define VEC_IPI  0x40 /* the local APIC self-IPI of the interrupt-shadow test */
#define VEC_DPL0 0x41 /* a DPL 0 gate: INT n from ring 3 is #GP */
#define VEC_DONE 0x42 /* ring 3 (and V86) code returns to ring 0 through it */

#ifndef __ASSEMBLER__
#include <stdint.h>

/* What cpu-rt.S pushes before calling exc_dispatch. */
struct frame {
    uint32_t es, ds;
    uint32_t edi, esi, ebp, esp0, ebx, edx, ecx, eax;
    uint32_t vector, error;
    uint32_t eip, cs, eflags;
    uint32_t esp, ss; /* only from an outer privilege level */
};

/*
 * Run fn at ring 0. Returns -1 if it returned, else the vector of the exception that
 * ended it (exc_dispatch decides which ones end it); registers and EFLAGS are
 * restored either way.
 */
int guest_try(void (*fn)(void));
/* Called from a function run by guest_try: run fn at ring 3 until INT VEC_DONE. */
void enter_user(void (*fn)(void));
/* IRETD into V86 mode at cs:ip with ss:sp, EFLAGS eflags (VM is added). */
void enter_v86(uint16_t cs, uint16_t ip, uint16_t ss, uint16_t sp, uint32_t eflags);
/* Per event: nonzero to resume at the frame (possibly edited), 0 to end guest_try. */
int exc_dispatch(struct frame *f);
extern const uint8_t exc_stubs[]; /* 16 bytes per vector, 0..255 */
extern uint8_t user_stack_top[];

static inline void user_done(void)
{
    __asm__ volatile("int %0" : : "i"(VEC_DONE));
}

/* cpu-sys.c */
int run_sys_tests(void);
#endif

#endif
