/*
 * The x86 CPU state and the interface instruction handlers are written against.
 *
 * The generic handlers (the family tables) run with env->rip at the start of the
 * current instruction, env->next_rip at its end (a branch sets next_rip) and
 * icount.count counting the instructions before this one. The specialised handlers
 * (*-fast.c) run with none of the three stored, to save three stores per
 * instruction: they read d->rip and d->next_rip, never icount, and the branches among
 * them always set next_rip (taken or not). What needs rip or the count from inside an
 * instruction (raising an exception, the memory slow paths that lead to page faults,
 * devices and the clocks) calls cpu_sync_insn() first, which computes both from
 * env->cur_insn when it is set: a specialised handler that can raise an exception or
 * reach a slow path itself sets env->cur_insn to its Insn first (stack-fast.c,
 * branch-fast.c, the fused Jcc); the others leave whatever is not their fast path to
 * the generic handler (INSN_HANDLER_OR_GENERIC, insn.h), which runs with cur_insn
 * NULL. Faults longjmp out of the handler (raise_exception), leaving rip at the
 * faulting instruction, so a handler must do every access that can fault before it
 * changes registers or flags.
 */
#ifndef TARGET_I386_CPU_H
#define TARGET_I386_CPU_H

#include <setjmp.h>
#include "util/osdep.h"
#include "system/icount.h"
#include "system/memory.h"
#include "target/i386/decode.h"

enum {
    R_EAX,
    R_ECX,
    R_EDX,
    R_EBX,
    R_ESP,
    R_EBP,
    R_ESI,
    R_EDI,
    R_R8,
    R_R9,
    R_R10,
    R_R11,
    R_R12,
    R_R13,
    R_R14,
    R_R15
};
enum { R_ES, R_CS, R_SS, R_DS, R_FS, R_GS, NR_SEGS };

/* EFLAGS */
#define CC_C         0x0001 /* CF carry */
#define CC_P         0x0004 /* PF parity */
#define CC_A         0x0010 /* AF auxiliary carry */
#define CC_Z         0x0040 /* ZF zero */
#define CC_S         0x0080 /* SF sign */
#define CC_O         0x0800 /* OF overflow */
#define CC_ARITH     (CC_C | CC_P | CC_A | CC_Z | CC_S | CC_O)
#define TF_MASK      0x00000100 /* TF trap */
#define IF_MASK      0x00000200 /* IF interrupt enable */
#define DF_MASK      0x00000400 /* DF direction */
#define IOPL_MASK    0x00003000 /* IOPL */
#define IOPL_SHIFT   12
#define NT_MASK      0x00004000 /* NT nested task */
#define RF_MASK      0x00010000 /* RF resume */
#define VM_MASK      0x00020000 /* VM virtual-8086 */
#define AC_MASK      0x00040000 /* AC alignment check */
#define VIF_MASK     0x00080000 /* VIF */
#define VIP_MASK     0x00100000 /* VIP */
#define ID_MASK      0x00200000 /* ID */
#define EFLAGS_FIXED 0x00000002 /* bit 1 reads as 1 */

/* Segment descriptor flags as kept in SegmentCache.flags (descriptor high dword). */
#define DESC_TYPE_SHIFT 8
#define DESC_A          (1u << 8)  /* accessed */
#define DESC_W          (1u << 9)  /* data: writable */
#define DESC_R          (1u << 9)  /* code: readable */
#define DESC_E          (1u << 10) /* data: expand down */
#define DESC_C          (1u << 10) /* code: conforming */
#define DESC_CS         (1u << 11) /* code segment */
#define DESC_S          (1u << 12) /* S: code/data (not system) */
#define DESC_DPL_SHIFT  13
#define DESC_P          (1u << 15) /* present */
#define DESC_L          (1u << 21) /* 64-bit code */
#define DESC_B          (1u << 22) /* D/B: 32-bit */
#define DESC_G          (1u << 23) /* granularity */

/* Control registers */
#define CR0_PE         (1u << 0) /* protection enable */
#define CR0_MP         (1u << 1)
#define CR0_EM         (1u << 2)
#define CR0_TS         (1u << 3)
#define CR0_ET         (1u << 4)
#define CR0_NE         (1u << 5)
#define CR0_WP         (1u << 16)
#define CR0_AM         (1u << 18)
#define CR0_NW         (1u << 29)
#define CR0_CD         (1u << 30)
#define CR0_PG         (1u << 31) /* paging */
#define CR4_PSE        (1u << 4)
#define CR4_PAE        (1u << 5)
#define CR4_PGE        (1u << 7)
#define CR4_VME        (1u << 0)
#define CR4_PVI        (1u << 1)
#define CR4_TSD        (1u << 2)
#define CR4_DE         (1u << 3)
#define CR4_MCE        (1u << 6)
#define CR4_PCE        (1u << 8)
#define CR4_OSFXSR     (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
#define CR4_UMIP       (1u << 11)
#define CR4_FSGSBASE   (1u << 16)
#define CR4_PCIDE      (1u << 17)
#define CR4_OSXSAVE    (1u << 18)
#define CR4_SMEP       (1u << 20)
#define CR4_SMAP       (1u << 21)
#define EFER_SCE       (1u << 0)  /* SYSCALL enable */
#define EFER_LME       (1u << 8)  /* long mode enable */
#define EFER_LMA       (1u << 10) /* long mode active */
#define EFER_NXE       (1u << 11) /* no-execute enable */

/* Exceptions */
enum {
    EXCP_DE = 0,
    EXCP_DB = 1,
    EXCP_NMI = 2,
    EXCP_BP = 3,
    EXCP_OF = 4,
    EXCP_BR = 5,
    EXCP_UD = 6,
    EXCP_NM = 7,
    EXCP_DF = 8,
    EXCP_TS = 10,
    EXCP_NP = 11,
    EXCP_SS = 12,
    EXCP_GP = 13,
    EXCP_PF = 14,
    EXCP_MF = 16,
    EXCP_AC = 17,
    EXCP_MC = 18,
    EXCP_XM = 19,
};

/* hflags: the mode, derived from CR0/EFER/CS/SS; part of the translation-block key. */
#define HF_CPL_MASK 0x0003
#define HF_PE       (1u << 2) /* protected mode */
#define HF_CS32     (1u << 3) /* default operand/address size 32 */
#define HF_SS32     (1u << 4) /* stack is 32 bit */
#define HF_LMA      (1u << 5) /* long mode active */
#define HF_CS64     (1u << 6) /* 64-bit code segment */
#define HF_VM       (1u << 7) /* virtual-8086 */
#define HF_PG       (1u << 8) /* paging */
#define HF_ADDSEG   (1u << 9) /* some of DS/ES/SS has a non-zero base */

typedef struct SegmentCache {
    uint16_t selector;
    uint64_t base;
    uint32_t limit; /* byte granular */
    uint32_t flags;
} SegmentCache;

/* An x87 register: 64-bit significand (explicit integer bit) and sign+exponent. */
typedef struct FPReg {
    uint64_t mant;
    uint16_t exp; /* bit 15: sign; bits 0..14: biased exponent */
} FPReg;

typedef union XMMReg {
    uint8_t b[16];
    uint16_t w[8];
    uint32_t l[4];
    uint64_t q[2];
} XMMReg;

typedef struct DescTable {
    uint64_t base;
    uint32_t limit;
} DescTable;

/* One software-TLB entry for a linear page; tags are -1 when invalid. */
typedef struct TLBEntry {
    uint64_t tag_read;  /* linear page address if readable through addend */
    uint64_t tag_write; /* same for writes (never set on pages holding code) */
    uint64_t tag_exec;
    uintptr_t addend; /* host address = linear + addend */
    uint64_t phys;    /* physical page address */
    /*
     * To 64 bytes: an entry is then one cache line, and finding it from an address
     * is a shift and a mask on the memory operands' critical path.
     */
    uint64_t pad[3];
} __attribute__((aligned(64))) TLBEntry;
#define TLB_BITS 8
#define TLB_SIZE (1 << TLB_BITS)

typedef struct Machine Machine;
typedef struct CPUX86State CPUX86State;

/* Where the CPU asks for a maskable interrupt vector (the PIC/APIC). */
typedef int CPUGetIRQ(void *opaque);

struct CPUX86State {
    uint64_t regs[16];
    uint64_t rip;
    uint64_t next_rip;
    uint32_t eflags; /* all but the arithmetic flags, which are lazy (flags.h) */
    uint32_t cc_op;
    uint64_t cc_dst, cc_src, cc_src2;
    uint32_t hflags;

    SegmentCache segs[NR_SEGS];
    /*
     * Per segment, bit n set when accesses through segment n need no limit or type
     * check (flat 4 GiB, or 64-bit mode): seg_ok_read / seg_ok_write.
     */
    uint8_t seg_ok_read, seg_ok_write;
    uint64_t seg_max[NR_SEGS]; /* highest offset the fast path may touch */
    SegmentCache ldt, tr;
    DescTable gdt, idt;
    uint64_t cr[5];
    uint64_t cr8;
    uint64_t efer;
    uint64_t dr[8];

    /* x87 FPU (fpu*.c). ST(i) is fpregs[(fpstt + i) & 7]; MMX registers alias mant. */
    FPReg fpregs[8];
    unsigned fpstt; /* TOP */
    uint16_t fpus;  /* status word, TOP bits kept in fpstt */
    uint16_t fpuc;  /* control word */
    uint16_t fptw;  /* tag word, 2 bits per physical register: 3 = empty; the other
                       values are recomputed when the word is stored */
    uint16_t fpop;  /* last opcode (11 bits) */
    uint16_t fpcs, fpds;
    uint64_t fpip, fpdp;

    /* SSE (sse*.c) */
    XMMReg xmm[16];
    uint32_t mxcsr;
    uint64_t xcr0;

    /* MSRs */
    uint64_t star, lstar, cstar, fmask, kernel_gs_base;
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t pat, apic_base, misc_enable, tsc_aux;
    int64_t tsc_offset;

    /* Interrupts */
    bool halted;
    bool irq_line; /* INTR asserted by the interrupt controller */
    bool nmi_pending;
    uint64_t
        irq_inhibit_until; /* no maskable interrupt before this icount (STI, MOV SS) */
    CPUGetIRQ *get_irq;
    void *get_irq_opaque;
    struct APICState *apic; /* NULL without a local APIC (include/hw/intc/apic.h) */
    const struct CpuModel *cpu_model; /* CPUID model (cpuid.c); NULL = the default */
    uint32_t debug_hits; /* data breakpoints hit by the current instruction (DR6 B0-3);
                            top 16 bits: traps held by MOV SS/POP SS (debug.h) */

    /* Execution */
    volatile bool exit_request; /* leave the block after this instruction: cpu_exit() */
    bool stop_request;          /* and return to the main loop */
    jmp_buf jmp_env;
    /*
     * The specialised handler running now (env->rip and icount not stored for it), or
     * NULL; icount.count before the first instruction of its block.
     */
    const Insn *cur_insn;
    uint64_t block_icount;
    /* The engine runs the block's instructions up to here; cpu_exit() makes it NULL. */
    const Insn *block_end;
    /* Always 0: what a specialised handler reads for an absent EA base or index. */
    uint64_t zero;
    /*
     * Debugger breakpoints (gdb, monitor), set by the main loop around cpu_exec(): the
     * engine stops before running an instruction whose linear address (CS base + RIP)
     * is one of these, except at icount dbg_resume_icount (where the debugger resumes),
     * and sets dbg_hit. Not guest state.
     */
    const uint64_t *dbg_breakpoints;
    unsigned dbg_nbreakpoints;
    uint64_t dbg_resume_icount;
    bool dbg_hit;
    /*
     * Debugger read and access watchpoints (gdb Z3/Z4; struct DbgWatch, debug.h), set
     * by the main loop: a data access overlapping one sets dbg_watch_hit and
     * dbg_watch_addr, and the engine stops after the instruction (with dbg_hit). Whoever
     * changes the list flushes the TLB, so that their pages leave the fast path. Not
     * guest state.
     */
    const struct DbgWatch *dbg_watches;
    unsigned dbg_nwatches;
    bool dbg_watch_hit;
    uint64_t dbg_watch_addr;
    int exception_index; /* pending fault raised by a handler */
    int error_code;
    bool exception_has_error;
    int exception_depth;         /* class of the event being delivered: 0 none, 1 benign,
                                    2 contributory, 3 #PF, 4 #DF (double-fault rules) */
    uint64_t exception_next_rip; /* for software interrupts: return address */
    bool exception_is_soft;

    TLBEntry tlb[TLB_SIZE];

    Machine *machine;
    AddressSpace *mem;
    AddressSpace *io;
    MemoryRegion *ram; /* main RAM, for the code page map */

    void *engine; /* accel/tcg private state (block cache) */
};

/* --- lifecycle (cpu.c) --- */
CPUX86State *cpu_x86_new(Machine *m);
void cpu_x86_reset(CPUX86State *env);
void cpu_x86_free(CPUX86State *env);
/* Recompute hflags after a CR0/EFER/CS/SS change. */
void cpu_update_hflags(CPUX86State *env);
void cpu_dump_state(CPUX86State *env, FILE *f);
void cpu_set_irq_line(CPUX86State *env, bool level);
/* RFLAGS with the lazy arithmetic flags folded in. */
uint64_t cpu_x86_get_rflags(const CPUX86State *env);
/* Hash of the architectural state (registers, flags, segments, control registers). */
uint64_t cpu_x86_state_hash(const CPUX86State *env);

/* --- exceptions (excp.c) --- */
/* Leave the block after the instruction running now, for the exec loop's checks. */
static inline void cpu_exit(CPUX86State *env)
{
    env->exit_request = true;
    env->block_end = NULL;
}

/* icount.count before instruction d of the block running now. */
static inline uint64_t cpu_insn_icount(const CPUX86State *env, const Insn *d)
{
    return env->block_icount + d->idx;
}

/* Store rip and icount of the instruction running now (see the top of this file). */
static inline void cpu_sync_insn(CPUX86State *env)
{
    const Insn *d = env->cur_insn;

    if (d) {
        env->rip = d->rip;
        icount.count = cpu_insn_icount(env, d);
    }
}

NORETURN void raise_exception(CPUX86State *env, int vector);
NORETURN void raise_exception_err(CPUX86State *env, int vector, int error_code);
/* Software INT n / INT3 / INTO: returns to next_rip. */
NORETURN void raise_interrupt(CPUX86State *env, int vector, bool is_soft);
/* Deliver an interrupt/exception through the IVT or IDT (exec loop side). */
void cpu_do_interrupt(CPUX86State *env, int vector, bool is_soft, bool has_error,
                      int error_code, uint64_t next_rip);

/* --- segments (seg.c) --- */
/* Load a segment register as MOV/POP Sreg does: mode-dependent checks and faults. */
void cpu_load_seg(CPUX86State *env, int seg, uint16_t selector);
/* Set a segment register's cache directly (reset, real mode, loaders). */
void cpu_set_seg_raw(CPUX86State *env, int seg, uint16_t selector, uint64_t base,
                     uint32_t limit, uint32_t flags);
/* Recompute seg_ok_read/seg_ok_write and HF_ADDSEG after a segment or mode change. */
void cpu_update_seg_ok(CPUX86State *env);

/* --- registers --- */
static inline uint64_t size_mask(unsigned size)
{
    return size == 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

/* Byte registers: without REX, 4..7 are AH, CH, DH, BH. */
static inline uint64_t get_reg(const CPUX86State *env, unsigned r, unsigned size,
                               bool rex)
{
    if (size == 1 && !rex && r >= 4 && r < 8) {
        return (env->regs[r - 4] >> 8) & 0xff;
    }
    return env->regs[r] & size_mask(size);
}

static inline void set_reg(CPUX86State *env, unsigned r, unsigned size, bool rex,
                           uint64_t v)
{
    switch (size) {
    case 1:
        if (!rex && r >= 4 && r < 8) {
            env->regs[r - 4] = (env->regs[r - 4] & ~0xff00ull) | ((v & 0xff) << 8);
        } else {
            env->regs[r] = (env->regs[r] & ~0xffull) | (v & 0xff);
        }
        break;
    case 2: env->regs[r] = (env->regs[r] & ~0xffffull) | (v & 0xffff); break;
    case 4: env->regs[r] = (uint32_t)v; break; /* 32-bit writes zero-extend */
    default: env->regs[r] = v; break;
    }
}

static inline bool cpu_is_64bit(const CPUX86State *env)
{
    return (env->hflags & HF_CS64) != 0;
}

static inline int cpu_cpl(const CPUX86State *env)
{
    return env->hflags & HF_CPL_MASK;
}

/* Stack pointer width in bytes. */
static inline unsigned cpu_stack_size(const CPUX86State *env)
{
    return (env->hflags & HF_CS64) ? 8 : (env->hflags & HF_SS32) ? 4 : 2;
}

#endif
