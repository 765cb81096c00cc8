/*
 * Helpers for specialised handlers (insn.h, "Specialisers"): the forms of the common
 * integer instructions with the operand size and the register-or-memory choice fixed
 * at translation time, so they run without the size switches and ModRM tests of the
 * generic handlers. Each must leave the CPU state exactly as its generic handler
 * does, cc_* fields included (tests/unit/test-alu.c compares them on random states).
 */
#ifndef TARGET_I386_FAST_H
#define TARGET_I386_FAST_H

#include "target/i386/access.h"
#include "target/i386/flags.h"
#include "target/i386/insn.h"

/* Operand sizes with a specialised form: 4 and 8 bytes, as an index 0/1. */
static inline int fast_size_idx(unsigned size)
{
    return size == 4 ? 0 : size == 8 ? 1 : -1;
}

/* For the rare cases a handler leaves to a helper: out of line, out of its way. */
#define FAST_SLOW_PATH __attribute__((noinline, cold))

static ALWAYS_INLINE uint64_t fast_mask(unsigned size)
{
    return size == 8 ? ~0ull : size == 4 ? 0xffffffffull : size == 2 ? 0xffff : 0xff;
}

/* A 4- or 8-byte general register (no byte-register aliasing at these sizes). */
static ALWAYS_INLINE uint64_t fast_get(const CPUX86State *env, unsigned r, unsigned size)
{
    return env->regs[r] & fast_mask(size);
}

/* 32-bit writes zero-extend. */
static ALWAYS_INLINE void fast_set(CPUX86State *env, unsigned r, unsigned size,
                                   uint64_t v)
{
    env->regs[r] = v & fast_mask(size);
}

static ALWAYS_INLINE unsigned fast_cc_size(unsigned size)
{
    return size == 8 ? 3 : size == 4 ? 2 : size == 2 ? 1 : 0;
}

/*
 * CF of the records loops leave most (SUB, ADD, LOGIC, INC/DEC), as cc_compute_c
 * computes it; false for the others, which the caller leaves to a helper out of line,
 * so that its fast path makes no call and saves no registers.
 */
static ALWAYS_INLINE bool fast_carry(const CPUX86State *env, uint64_t *cf)
{
    unsigned op = env->cc_op, kind = op & ~3u;

    if (kind == CC_OP_LOGIC) {
        *cf = 0;
    } else if ((kind & ~4u) == CC_OP_INC) { /* INC or DEC: 24, 28 */
        *cf = env->cc_src & 1;
    } else if (kind == CC_OP_SUB || kind == CC_OP_ADD) {
        unsigned unused = cc_unused_bits(op);
        uint64_t dst = env->cc_dst << unused, src = env->cc_src << unused;
        *cf = kind == CC_OP_SUB ? dst + src < src : dst < src;
    } else {
        return false;
    }
    return true;
}

/*
 * Memory operands. A specialiser shapes the operand once (fast_bind), so that the
 * handler computes its offset without tests of the addressing form or the address
 * size, and looks it up in the TLB without the mode test of seg_linear. Whatever
 * the inline lookup leaves (segment checks, TLB misses, MMIO, code pages) runs the
 * generic handler, which goes through the slow paths of access.h; nothing has
 * changed by then, so it does the whole instruction.
 */
static inline uint16_t fast_reg_offset(unsigned r)
{
    return r >= 16 ? offsetof(CPUX86State, zero) : offsetof(CPUX86State, regs[r]);
}

/* Byte register r: AL..BL and with REX SPL..R15B, else AH..BH for 4..7. */
static inline uint16_t fast_byte_offset(unsigned r, bool rex)
{
    bool big_endian = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;

    if (!rex && r >= 4 && r < 8) {
        return offsetof(CPUX86State, regs[r - 4]) + (big_endian ? 6 : 1);
    }
    return offsetof(CPUX86State, regs[r & 15]) + (big_endian ? 7 : 0);
}

/*
 * For a specialiser returning fn for d (decoded and bound in mode hflags, d->fn still
 * its generic handler): record the generic handler and the memory operand's shape.
 */
static inline InsnHandler *fast_bind(Insn *d, uint32_t hflags, InsnHandler *fn)
{
    if (!fn) {
        return NULL;
    }
    d->generic = d->fn;
    d->ea_disp = (uint64_t)(int64_t)d->disp + (d->base == EA_RIP ? d->next_rip : 0);
    d->ea_base = fast_reg_offset(d->base);   /* EA_NONE, EA_RIP: zero */
    d->ea_index = fast_reg_offset(d->index); /* EA_NONE: zero */
    d->ea_mask = size_mask(d->addrsize);
    d->lin_mask = (hflags & HF_CS64) ? ~0ull : 0xffffffffull;
    d->rm_byte = fast_byte_offset(d->rm, insn_rex(d));
    d->reg_byte = fast_byte_offset(d->reg, insn_rex(d));
    return fn;
}

/*
 * The ModRM operands as registers of any size: byte registers through the offsets
 * fast_bind computed, so that the AH..BH test is not made at run time.
 */
enum { FAST_RM, FAST_REG };

static ALWAYS_INLINE uint64_t fast_get_opnd(const CPUX86State *env, const Insn *d,
                                            int which, unsigned size)
{
    if (size == 1) {
        return *((const uint8_t *)env + (which == FAST_RM ? d->rm_byte : d->reg_byte));
    }
    return get_reg(env, which == FAST_RM ? d->rm : d->reg, size, true);
}

static ALWAYS_INLINE void fast_set_opnd(CPUX86State *env, const Insn *d, int which,
                                        unsigned size, uint64_t v)
{
    if (size == 1) {
        *((uint8_t *)env + (which == FAST_RM ? d->rm_byte : d->reg_byte)) = (uint8_t)v;
    } else {
        set_reg(env, which == FAST_RM ? d->rm : d->reg, size, true, v);
    }
}

/* The offset of d's memory operand in its segment (insn_ea). */
static ALWAYS_INLINE uint64_t fast_ea(const CPUX86State *env, const Insn *d)
{
    const char *regs = (const char *)env;
    uint64_t base = *(const uint64_t *)(regs + d->ea_base);
    uint64_t index = *(const uint64_t *)(regs + d->ea_index);

    return (base + (index << d->scale) + d->ea_disp) & d->ea_mask;
}

/*
 * The host address of size bytes of d's memory operand at offset ea, for reading or
 * for writing; false if the access is not for the fast path: then the handler
 * (INSN_HANDLER_OR_GENERIC) returns false, for the generic handler. A read-modify-write
 * operand looks up for writing once, as cpu_ld_rmw does, and the store after it needs no
 * second lookup (nothing between them changes the TLB).
 */
static ALWAYS_INLINE bool fast_mem(CPUX86State *env, const Insn *d, uint64_t ea,
                                   unsigned size, bool write, void **p)
{
    return cpu_fast_lookup(env, d->seg, ea, size, write, d->lin_mask, p);
}

/* Load or store d's memory operand on the fast path (false: nothing was done). */
static ALWAYS_INLINE bool fast_ld(CPUX86State *env, const Insn *d, unsigned size,
                                  uint64_t *v)
{
    void *p;

    if (!fast_mem(env, d, fast_ea(env, d), size, false, &p)) {
        return false;
    }
    *v = ld_le(p, size);
    return true;
}

static ALWAYS_INLINE bool fast_st(CPUX86State *env, const Insn *d, unsigned size,
                                  uint64_t v)
{
    void *p;

    if (!fast_mem(env, d, fast_ea(env, d), size, true, &p)) {
        return false;
    }
    st_le(p, size, v);
    return true;
}

#endif
