/*
 * Memory and operand access for instruction handlers: segment:offset loads and stores
 * through segmentation checks and the software TLB, ModRM operands, the stack, and
 * port I/O. Every function here may raise a fault (longjmp); see cpu.h.
 */
#ifndef TARGET_I386_ACCESS_H
#define TARGET_I386_ACCESS_H

#include "target/i386/cpu.h"

enum { ACCESS_READ = 0, ACCESS_WRITE = 1, ACCESS_EXEC = 2 };

/* Slow paths (mmu.c): segmentation checks, TLB refill, MMIO, code-page writes. */
uint64_t cpu_ld_slow(CPUX86State *env, int seg, uint64_t off, unsigned size);
void cpu_st_slow(CPUX86State *env, int seg, uint64_t off, unsigned size, uint64_t val);

/* Linear-address accesses (descriptor tables, IDT, TSS): no segmentation. */
uint64_t cpu_ld_lin(CPUX86State *env, uint64_t lin, unsigned size);
void cpu_st_lin(CPUX86State *env, uint64_t lin, unsigned size, uint64_t val);
/* Flush the software TLB (CR3/CR4/CR0 writes, memory map changes). */
void tlb_flush(CPUX86State *env);
void tlb_flush_page(CPUX86State *env, uint64_t lin);
/* Translate a linear address for an access, refilling the TLB; faults on failure. */
TLBEntry *tlb_fill(CPUX86State *env, uint64_t lin, int access);
/* A page now holds translated code: writes to it must take the slow path. */
void tlb_protect_code_page(CPUX86State *env, uint64_t phys_page);
/* Provided by accel/tcg: forget block lookups by linear address. */
void tb_flush_jump_cache(CPUX86State *env);

static inline uint64_t ld_le(const void *p, unsigned size)
{
    switch (size) {
    case 1: return *(const uint8_t *)p;
    case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
    case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
    default: { uint64_t v; memcpy(&v, p, 8); return v; }
    }
}

static inline void st_le(void *p, unsigned size, uint64_t v)
{
    switch (size) {
    case 1: *(uint8_t *)p = (uint8_t)v; break;
    case 2: { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); break; }
    case 4: { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); break; }
    default: memcpy(p, &v, 8); break;
    }
}

/*
 * Linear address of seg:off. The fast paths below apply when the segment is usable
 * for the access type and expand-up (seg_ok_*), and the access is within its limit.
 */
static inline uint64_t seg_linear(const CPUX86State *env, int seg, uint64_t off)
{
    uint64_t lin = env->segs[seg].base + off;
    return (env->hflags & HF_CS64) ? lin : (uint32_t)lin;
}

/* Load size (1, 2, 4, 8) bytes at seg:off. */
static inline uint64_t cpu_ld(CPUX86State *env, int seg, uint64_t off, unsigned size)
{
    if (likely((env->seg_ok_read & (1u << seg)) && off + (size - 1) <= env->seg_max[seg])) {
        uint64_t lin = seg_linear(env, seg, off);
        const TLBEntry *e = &env->tlb[(lin >> PAGE_BITS) & (TLB_SIZE - 1)];
        if (likely(e->tag_read == (lin & PAGE_MASK) &&
                   (lin & ~PAGE_MASK) <= PAGE_SIZE - size)) {
            return ld_le((const void *)(uintptr_t)(lin + e->addend), size);
        }
    }
    return cpu_ld_slow(env, seg, off, size);
}

static inline void cpu_st(CPUX86State *env, int seg, uint64_t off, unsigned size,
                          uint64_t val)
{
    if (likely((env->seg_ok_write & (1u << seg)) && off + (size - 1) <= env->seg_max[seg])) {
        uint64_t lin = seg_linear(env, seg, off);
        const TLBEntry *e = &env->tlb[(lin >> PAGE_BITS) & (TLB_SIZE - 1)];
        if (likely(e->tag_write == (lin & PAGE_MASK) &&
                   (lin & ~PAGE_MASK) <= PAGE_SIZE - size)) {
            st_le((void *)(uintptr_t)(lin + e->addend), size, val);
            return;
        }
    }
    cpu_st_slow(env, seg, off, size, val);
}

/* Effective address (segment offset) of a ModRM memory operand. */
static inline uint64_t insn_ea(const CPUX86State *env, const Insn *d)
{
    uint64_t ea = (uint64_t)(int64_t)d->disp;
    if (d->base == EA_RIP) {
        ea += env->next_rip;
    } else if (d->base != EA_NONE) {
        ea += env->regs[d->base];
    }
    if (d->index != EA_NONE) {
        ea += env->regs[d->index] << d->scale;
    }
    return ea & size_mask(d->addrsize);
}

static inline bool insn_rex(const Insn *d)
{
    return (d->prefix & PFX_REX) != 0;
}

/* The ModRM r/m operand (register or memory) of the given size. */
static inline uint64_t ld_rm(CPUX86State *env, const Insn *d, unsigned size)
{
    if (d->mod == 3) {
        return get_reg(env, d->rm, size, insn_rex(d));
    }
    return cpu_ld(env, d->seg, insn_ea(env, d), size);
}

static inline void st_rm(CPUX86State *env, const Insn *d, unsigned size, uint64_t v)
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

/* Stack (SS, with the stack-pointer width of the current mode). */
void cpu_push(CPUX86State *env, unsigned size, uint64_t v);
uint64_t cpu_pop(CPUX86State *env, unsigned size);
/* Read the value n bytes above the stack top without popping. */
uint64_t cpu_stack_peek(CPUX86State *env, unsigned size, unsigned offset);

/* Port I/O (permission checks against IOPL and the TSS bitmap happen here). */
uint64_t cpu_in(CPUX86State *env, uint16_t port, unsigned size);
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
