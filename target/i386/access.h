/*
 * Memory and operand access for instruction handlers: segment:offset loads and stores
 * through segmentation checks and the software TLB, ModRM operands, the stack, and
 * port I/O. Every function here may raise a fault (longjmp); see cpu.h.
 */
#ifndef TARGET_I386_ACCESS_H
#define TARGET_I386_ACCESS_H

#include "target/i386/cpu.h"

enum { ACCESS_READ = 0, ACCESS_WRITE = 1, ACCESS_EXEC = 2 };

#define ALWAYS_INLINE inline __attribute__((always_inline))

/*
 * TLB tags (see mmu.c): the linear page address | the CPL the entry was filled for,
 * plus flag bits that send a matching access to the slow path. TLB_INVALID (all ones)
 * never matches. TLBEntry.phys carries TLB_PHYS_GLOBAL for global pages.
 */
#define TLB_CLASS_MASK  3ull /* CPL of the access class; 0 for implicit supervisor */
#define TLB_MMIO        4ull /* not plain RAM for this access: use the memory API */
#define TLB_CODE        8ull /* write tag: RAM page holding translated code */
#define TLB_FLAGS       (TLB_MMIO | TLB_CODE)
#define TLB_PHYS_GLOBAL 1ull

/* Per-CPU MMU bookkeeping beyond the TLB array (kept by accel/tcg, see mmu_state). */
typedef struct MMUState {
    bool mode_valid;
    uint64_t mode_key;   /* paging control bits the TLB was filled under */
    uint64_t large_addr; /* region covering every large page in the TLB (INVLPG) */
    uint64_t large_mask;
    uint64_t generation;    /* memory map generation the TLB was filled under */
    bool alignment_checked; /* CR0.AM, EFLAGS.AC and CPL 3 when last synced */
} MMUState;
MMUState *mmu_state(CPUX86State *env);

/* Slow paths (mmu.c): segmentation checks, TLB refill, MMIO, code-page writes. */
uint64_t cpu_ld_slow(CPUX86State *env, int seg, uint64_t off, unsigned size);
void cpu_st_slow(CPUX86State *env, int seg, uint64_t off, unsigned size, uint64_t val);
uint64_t cpu_ld_rmw_slow(CPUX86State *env, int seg, uint64_t off, unsigned size);
/* At a block boundary: follow EFLAGS.AC / CR0.AM for alignment checking (#AC). */
void tlb_sync_mode(CPUX86State *env);

/*
 * Linear-address accesses for the processor's own structures (GDT/LDT, IDT, TSS,
 * the stack frames of privilege-changing interrupts): implicit supervisor accesses
 * (SDM vol. 3 §4.6), checked as CPL 0 whatever the CPL, with no segmentation.
 */
uint64_t cpu_ld_lin(CPUX86State *env, uint64_t lin, unsigned size);
void cpu_st_lin(CPUX86State *env, uint64_t lin, unsigned size, uint64_t val);
/*
 * After a change of CR0, CR3, CR4 or EFER: drop the translations it invalidates
 * (only non-global ones when CR3 alone changed and CR4.PGE is set).
 */
void tlb_flush(CPUX86State *env);
/* Drop every translation, global pages included (memory map changes). */
void tlb_flush_all(CPUX86State *env);
/* INVLPG. */
void tlb_flush_page(CPUX86State *env, uint64_t lin);
/* Translate lin for an access at the current CPL, refilling the TLB (may fault). */
TLBEntry *tlb_fill(CPUX86State *env, uint64_t lin, int access);
/* The same for access class cls (a CPL; 0 for implicit supervisor accesses). */
TLBEntry *tlb_fill_class(CPUX86State *env, uint64_t lin, int access, unsigned cls);
/* Like tlb_fill_class, but NULL instead of a fault. */
TLBEntry *tlb_probe(CPUX86State *env, uint64_t lin, int access, unsigned cls);
/* A page now holds translated code (or no longer does): route writes accordingly. */
void tlb_protect_code_page(CPUX86State *env, uint64_t phys_page);
void tlb_unprotect_code_page(CPUX86State *env, uint64_t phys_page);
/* Provided by accel/tcg: forget block lookups by linear address (all, or one page). */
void tb_flush_jump_cache(CPUX86State *env);
void tb_flush_jump_cache_page(CPUX86State *env, uint64_t lin);
/* Provided by accel/tcg: the CPU wrote [phys, phys + len) on a page holding code. */
void tb_notify_code_write(CPUX86State *env, uint64_t phys, unsigned len);

static ALWAYS_INLINE TLBEntry *tlb_entry(CPUX86State *env, uint64_t lin)
{
    return &env->tlb[(lin >> PAGE_BITS) & (TLB_SIZE - 1)];
}

/* The tag an access at the current CPL must find. */
static ALWAYS_INLINE uint64_t tlb_tag(const CPUX86State *env, uint64_t lin)
{
    return (lin & PAGE_MASK) | (env->hflags & HF_CPL_MASK);
}

/*
 * The tag a size-byte access at lin must find in lin's entry: that of its last byte,
 * so that an access running into the next page misses and takes the slow path.
 */
static ALWAYS_INLINE uint64_t tlb_tag_sized(const CPUX86State *env, uint64_t lin,
                                            unsigned size)
{
    return tlb_tag(env, lin + size - 1);
}

static inline uint64_t tlb_entry_tag(const TLBEntry *e, int access)
{
    return access == ACCESS_READ    ? e->tag_read
           : access == ACCESS_WRITE ? e->tag_write
                                    : e->tag_exec;
}

static ALWAYS_INLINE uint64_t ld_le(const void *p, unsigned size)
{
    switch (size) {
    case 1: return *(const uint8_t *)p;
    case 2: {
        uint16_t v;
        memcpy(&v, p, 2);
        return v;
    }
    case 4: {
        uint32_t v;
        memcpy(&v, p, 4);
        return v;
    }
    default: {
        uint64_t v;
        memcpy(&v, p, 8);
        return v;
    }
    }
}

static ALWAYS_INLINE void st_le(void *p, unsigned size, uint64_t v)
{
    switch (size) {
    case 1: *(uint8_t *)p = (uint8_t)v; break;
    case 2: {
        uint16_t x = (uint16_t)v;
        memcpy(p, &x, 2);
        break;
    }
    case 4: {
        uint32_t x = (uint32_t)v;
        memcpy(p, &x, 4);
        break;
    }
    default: memcpy(p, &v, 8); break;
    }
}

/*
 * Linear address of seg:off. The fast paths below apply when the segment is usable
 * for the access type and expand-up (seg_ok_*), and the access is within its limit.
 */
static ALWAYS_INLINE uint64_t seg_linear(const CPUX86State *env, int seg, uint64_t off)
{
    uint64_t lin = env->segs[seg].base + off;
    return (env->hflags & HF_CS64) ? lin : (uint32_t)lin;
}

/*
 * Whether size bytes at seg:off pass the segment check and have a fast-path TLB entry
 * for reading (write false) or writing (write true), with lin_mask the wrap of linear
 * addresses in the current mode; then *p is their host address. Otherwise the slow
 * path decides (faults, MMIO, watched or code pages).
 */
static ALWAYS_INLINE bool cpu_fast_lookup(CPUX86State *env, int seg, uint64_t off,
                                          unsigned size, bool write, uint64_t lin_mask,
                                          void **p)
{
    uint32_t ok = write ? env->seg_ok_write : env->seg_ok_read;

    if (likely((ok & (1u << seg)) && off + (size - 1) <= env->seg_max[seg])) {
        uint64_t lin = (env->segs[seg].base + off) & lin_mask;
        const TLBEntry *e = tlb_entry(env, lin);
        if (likely((write ? e->tag_write : e->tag_read) ==
                   tlb_tag_sized(env, lin, size))) {
            *p = (void *)(uintptr_t)(lin + e->addend);
            return true;
        }
    }
    return false;
}

/* cpu_fast_lookup in the current mode: the host address, or NULL for the slow path. */
static ALWAYS_INLINE void *cpu_fast_ptr(CPUX86State *env, int seg, uint64_t off,
                                        unsigned size, bool write)
{
    uint64_t lin_mask = (env->hflags & HF_CS64) ? ~0ull : 0xffffffffull; /* seg_linear */
    void *p;

    return cpu_fast_lookup(env, seg, off, size, write, lin_mask, &p) ? p : NULL;
}

/* Load size (1, 2, 4, 8) bytes at seg:off. */
static ALWAYS_INLINE uint64_t cpu_ld(CPUX86State *env, int seg, uint64_t off,
                                     unsigned size)
{
    const void *p = cpu_fast_ptr(env, seg, off, size, false);

    return likely(p != NULL) ? ld_le(p, size) : cpu_ld_slow(env, seg, off, size);
}

static ALWAYS_INLINE void cpu_st(CPUX86State *env, int seg, uint64_t off, unsigned size,
                                 uint64_t val)
{
    void *p = cpu_fast_ptr(env, seg, off, size, true);

    if (likely(p != NULL)) {
        st_le(p, size, val);
    } else {
        cpu_st_slow(env, seg, off, size, val);
    }
}

/*
 * Load the destination of a read-modify-write instruction (ADD [m], INC, XCHG,
 * CMPXCHG, BTS, ...): write permission is checked first, so a fault on it is
 * reported as a write (#PF with W=1), as hardware does, and the page is dirtied.
 */
static ALWAYS_INLINE uint64_t cpu_ld_rmw(CPUX86State *env, int seg, uint64_t off,
                                         unsigned size)
{
    const void *p = cpu_fast_ptr(env, seg, off, size, true);

    return likely(p != NULL) ? ld_le(p, size) : cpu_ld_rmw_slow(env, seg, off, size);
}

/* Effective address (segment offset) of a ModRM memory operand. */
static ALWAYS_INLINE uint64_t insn_ea(const CPUX86State *env, const Insn *d)
{
    uint64_t ea = (uint64_t)(int64_t)d->disp;
    if (d->base == EA_RIP) {
        ea += d->next_rip;
    } else if (d->base != EA_NONE) {
        ea += env->regs[d->base];
    }
    if (d->index != EA_NONE) {
        ea += env->regs[d->index] << d->scale;
    }
    return ea & (~0ull >> (64 - 8 * d->addrsize)); /* size_mask without a branch */
}

static inline bool insn_rex(const Insn *d)
{
    return (d->prefix & PFX_REX) != 0;
}

/* The ModRM r/m operand (register or memory) of the given size. */
static ALWAYS_INLINE uint64_t ld_rm(CPUX86State *env, const Insn *d, unsigned size)
{
    if (d->mod == 3) {
        return get_reg(env, d->rm, size, insn_rex(d));
    }
    return cpu_ld(env, d->seg, insn_ea(env, d), size);
}

/* The r/m operand of a read-modify-write instruction (see cpu_ld_rmw). */
static ALWAYS_INLINE uint64_t ld_rm_rmw(CPUX86State *env, const Insn *d, unsigned size)
{
    if (d->mod == 3) {
        return get_reg(env, d->rm, size, insn_rex(d));
    }
    return cpu_ld_rmw(env, d->seg, insn_ea(env, d), size);
}

static ALWAYS_INLINE void st_rm(CPUX86State *env, const Insn *d, unsigned size,
                                uint64_t v)
{
    if (d->mod == 3) {
        set_reg(env, d->rm, size, insn_rex(d), v);
    } else {
        cpu_st(env, d->seg, insn_ea(env, d), size, v);
    }
}

/* The ModRM reg operand. */
static inline uint64_t ld_reg(const CPUX86State *env, const Insn *d, unsigned size)
{
    return get_reg(env, d->reg, size, insn_rex(d));
}

static inline void st_reg(CPUX86State *env, const Insn *d, unsigned size, uint64_t v)
{
    set_reg(env, d->reg, size, insn_rex(d), v);
}

/*
 * Stack (SS, with the stack-pointer width of the current mode), inline so that a
 * caller with a constant size gets the memory fast path without a call. rSP moves
 * only after the access succeeded; bits above the stack width stay.
 */
static ALWAYS_INLINE uint64_t cpu_stack_mask(const CPUX86State *env)
{
    return size_mask(cpu_stack_size(env));
}

static ALWAYS_INLINE void cpu_push(CPUX86State *env, unsigned size, uint64_t v)
{
    uint64_t mask = cpu_stack_mask(env);
    uint64_t sp = (env->regs[R_ESP] - size) & mask;

    cpu_st(env, R_SS, sp, size, v);
    env->regs[R_ESP] = (env->regs[R_ESP] & ~mask) | sp;
}

static ALWAYS_INLINE uint64_t cpu_pop(CPUX86State *env, unsigned size)
{
    uint64_t mask = cpu_stack_mask(env);
    uint64_t sp = env->regs[R_ESP] & mask;
    uint64_t v = cpu_ld(env, R_SS, sp, size);

    env->regs[R_ESP] = (env->regs[R_ESP] & ~mask) | ((sp + size) & mask);
    return v;
}

/* Read the value n bytes above the stack top without popping. */
static ALWAYS_INLINE uint64_t cpu_stack_peek(CPUX86State *env, unsigned size,
                                             unsigned offset)
{
    return cpu_ld(env, R_SS, (env->regs[R_ESP] + offset) & cpu_stack_mask(env), size);
}

/* Port I/O (permission checks against IOPL and the TSS bitmap happen here). */
uint64_t cpu_in(CPUX86State *env, uint16_t port, unsigned size);
/* The IOPL / TSS bitmap check alone (#GP), for OUTS before it reads its source. */
void cpu_io_check(CPUX86State *env, uint16_t port, unsigned size);
void cpu_out(CPUX86State *env, uint16_t port, unsigned size, uint64_t val);

/* Register-width helpers for string and loop instructions. */
static inline uint64_t addr_mask(const Insn *d)
{
    return size_mask(d->addrsize);
}

/* Write the low addrsize bytes of a register (RSI/RDI/RCX updates). */
static inline void set_reg_addr(CPUX86State *env, unsigned r, const Insn *d, uint64_t v)
{
    set_reg(env, r, d->addrsize, true, v);
}

/* Set rip for a near branch target, truncated to the operand size. */
static inline void cpu_jump(CPUX86State *env, const Insn *d, uint64_t target)
{
    env->next_rip = target & size_mask(d->opsize);
}

#endif
