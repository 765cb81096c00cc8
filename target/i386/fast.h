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

/* cc_compute_c, inlined for the records that loops leave most: SUB, ADD, LOGIC, INC/DEC.
 */
static ALWAYS_INLINE uint64_t fast_carry(const CPUX86State *env)
{
    unsigned op = env->cc_op, kind = op & ~3u;
    uint64_t mask = ~0ull >> (64 - (8u << (op & 3)));

    if (kind == CC_OP_SUB) {
        uint64_t src = env->cc_src & mask;
        return ((env->cc_dst + src) & mask) < src;
    }
    if (kind == CC_OP_LOGIC) {
        return 0;
    }
    if (kind == CC_OP_INC || kind == CC_OP_DEC) {
        return env->cc_src & 1;
    }
    if (kind == CC_OP_ADD) {
        return (env->cc_dst & mask) < (env->cc_src & mask);
    }
    return cc_compute_c(env);
}

#endif
