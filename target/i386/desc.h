/*
 * Descriptor-table helpers shared by seg.c, excp.c, task.c, syscall.c and system.c:
 * fetching and decoding GDT/LDT descriptors, the stack-segment checks and stack
 * switches of privilege changes, far returns and task switches (Intel SDM vol. 3
 * chapters 3.4-3.5, 5.1-5.8, 6.12, 7).
 */
#ifndef TARGET_I386_DESC_H
#define TARGET_I386_DESC_H

#include "target/i386/cpu.h"

/* A descriptor as read from a table, and where it lives (for accessed/busy bits). */
typedef struct Desc {
    uint32_t lo, hi;
    uint32_t
        base_hi;   /* bits 63:32 of the base of a 16-byte long-mode system descriptor */
    uint64_t addr; /* linear address of the descriptor */
} Desc;

/* System descriptor and gate types (S = 0), SDM vol. 3 table 3-2. */
enum {
    SYS_TSS16_AVAIL = 1,
    SYS_LDT = 2,
    SYS_TSS16_BUSY = 3,
    SYS_CALL_GATE16 = 4,
    SYS_TASK_GATE = 5,
    SYS_INT_GATE16 = 6,
    SYS_TRAP_GATE16 = 7,
    SYS_TSS32_AVAIL = 9,
    SYS_TSS32_BUSY = 11,
    SYS_CALL_GATE32 = 12,
    SYS_INT_GATE32 = 14,
    SYS_TRAP_GATE32 = 15,
};

#define SEL_RPL  3u
#define SEL_TI   4u      /* selector names the LDT */
#define SEL_MASK 0xfffcu /* a selector in an error code: RPL bits replaced */

static inline unsigned desc_dpl(uint32_t flags)
{
    return (flags >> DESC_DPL_SHIFT) & 3;
}

/* Type field (4 bits) of a descriptor's high dword or of SegmentCache.flags. */
static inline unsigned desc_type(uint32_t flags)
{
    return (flags >> DESC_TYPE_SHIFT) & 15;
}

static inline bool desc_is_code(uint32_t flags)
{
    return (flags & (DESC_S | DESC_CS)) == (DESC_S | DESC_CS);
}

static inline bool desc_is_writable_data(uint32_t flags)
{
    return (flags & (DESC_S | DESC_CS | DESC_W)) == (DESC_S | DESC_W);
}

static inline bool is_canonical(uint64_t addr)
{
    return (uint64_t)((int64_t)(addr << 16) >> 16) == addr;
}

/* Long mode with a 64-bit code segment descriptor (L = 1). */
static inline bool desc_is_code64(const CPUX86State *env, uint32_t flags)
{
    return (env->efer & EFER_LMA) && (flags & DESC_L);
}

static inline bool cpu_in_v86(const CPUX86State *env)
{
    return (env->eflags & VM_MASK) != 0;
}

static inline bool cpu_protected(const CPUX86State *env)
{
    return (env->cr[0] & CR0_PE) && !cpu_in_v86(env);
}

static inline unsigned cpu_iopl(const CPUX86State *env)
{
    return (env->eflags & IOPL_MASK) >> IOPL_SHIFT;
}

/* --- seg.c --- */
/* Read the 8-byte descriptor sel names; false if it lies beyond its table's limit. */
bool desc_fetch(CPUX86State *env, uint16_t sel, Desc *d);
/* Same for LDT/TSS descriptors, 16 bytes in long mode (upper type 0); GDT only. */
bool desc_fetch_system(CPUX86State *env, uint16_t sel, Desc *d);
void desc_set_accessed(CPUX86State *env, const Desc *d);
/* The segment-cache view of a descriptor. */
uint64_t desc_base(const Desc *d);
uint32_t desc_limit(const Desc *d);
static inline uint32_t desc_flags(const Desc *d)
{
    return d->hi & 0x00f0ff00;
}
/* Load a segment register from a checked descriptor (sets the accessed bit). */
void seg_load_desc(CPUX86State *env, int seg, uint16_t sel, const Desc *d);
/* The same without the descriptor write (cannot fault): after desc_set_accessed. */
void seg_set_from_desc(CPUX86State *env, int seg, uint16_t sel, const Desc *d);

/*
 * The SS for a privilege change to new_cpl: selector checks, then the descriptor must
 * be a present writable data segment with DPL = new_cpl. Faults are `vector`(sel + ext)
 * (#TS for interrupts, #GP for returns), and #SS(sel + ext) for not present.
 */
void check_stack_segment(CPUX86State *env, uint16_t sel, unsigned new_cpl, int vector,
                         unsigned ext, Desc *d);

/* The offset mask of a stack segment (its B bit), all ones for 64-bit code. */
uint64_t stack_mask_for(const CPUX86State *env, uint32_t ss_flags);
/* Store a new stack pointer: a 16-bit stack keeps the upper bits of ESP. */
void set_stack_pointer(CPUX86State *env, uint64_t sp, uint64_t mask);
/* Read the slot `offset` bytes above the stack top (current SS). */
uint64_t stack_read(CPUX86State *env, uint64_t offset, unsigned size);
/*
 * Push slots[0..n) (slots[0] first, at the highest address) on the current stack; rSP
 * moves only after every store succeeded.
 */
void stack_push_frame(CPUX86State *env, const uint64_t *slots, unsigned n, unsigned size);
/* Pop `bytes` bytes without reading them. */
void release_stack(CPUX86State *env, uint64_t bytes);

/* A stack switched to; written before it is loaded into SS. */
typedef struct NewStack {
    uint16_t sel;
    Desc desc;
    uint64_t sp;
    uint64_t mask;     /* offset width; all ones in long mode (no limit checks) */
    unsigned ss_error; /* #SS error code when the frame does not fit */
} NewStack;
/* Push slots[0..n) on the new stack; supervisor linear writes, our own limit checks. */
void new_stack_push(CPUX86State *env, NewStack *st, const uint64_t *slots, unsigned n,
                    unsigned size);
/* SS:ESP for privilege level cpl from a 16- or 32-bit TSS; #TS(TR + ext) if beyond. */
void tss_stack(CPUX86State *env, unsigned cpl, unsigned ext, NewStack *st);
/* RSPn (ist = 0) or ISTn from the 64-bit TSS. */
uint64_t tss64_stack(CPUX86State *env, unsigned cpl, unsigned ist, unsigned ext);

/* Far RETF/IRET in protected mode, after the return CS:IP has been read. */
typedef struct FarReturn {
    uint16_t cs;
    uint64_t ip;
    unsigned size;      /* bytes per slot */
    unsigned frame;     /* bytes popped before the outer SS:ESP (RETF 2 slots, IRET 3) */
    unsigned release;   /* RETF imm16: bytes released on both stacks */
    bool pop_ss_always; /* 64-bit IRET pops SS:RSP even at the same privilege */
} FarReturn;
/* Checks the return, then loads CS, SS:rSP and sets next_rip. */
void far_return_protected(CPUX86State *env, const FarReturn *r);

/*
 * Load DS, ES, FS or GS in protected mode (null allowed) with the checks of MOV Sreg;
 * faults are vector(sel + ext) (#GP, or #TS in a task switch) and #NP(sel + ext).
 */
void seg_load_data(CPUX86State *env, int seg, uint16_t sel, int vector, unsigned ext);

/* --- task.c --- */
/* Far JMP/CALL to a TSS descriptor or task gate d (selector sel). */
void task_far_transfer(CPUX86State *env, uint16_t sel, const Desc *d, bool call);
/* An interrupt or exception through a task gate naming tss_sel. */
void task_gate_interrupt(CPUX86State *env, uint16_t tss_sel, unsigned ext,
                         const uint32_t *error_code, uint64_t return_eip);
/* IRET with EFLAGS.NT set (protected mode, not long mode). */
void task_iret(CPUX86State *env);

#endif
