/*
 * Lazy arithmetic flags. An instruction that sets OSZAPC records what it did
 * (cc_op) and its operands/result (cc_dst, cc_src, cc_src2); the flags are computed
 * only when something reads them. Most flag writes are never read.
 *
 *   cc_op                 cc_dst    cc_src            cc_src2
 *   CC_OP_EFLAGS          -         the OSZAPC bits   -
 *   CC_OP_ADD{B,W,L,Q}    result    second operand    -
 *   CC_OP_ADC*            result    second operand    carry in (0/1)
 *   CC_OP_SUB*            result    second operand    -     (first = dst + src)
 *   CC_OP_SBB*            result    second operand    carry in
 *   CC_OP_LOGIC*          result    -                 -     (CF = OF = AF = 0)
 *   CC_OP_INC, CC_OP_DEC   result    CF before         -
 *   CC_OP_SHL*            result    value << (count-1) -    (CF = its top bit)
 *   CC_OP_SAR, CC_OP_SHR   result    value >> (count-1) -    (CF = its bit 0;
 *                                                          OF: SHR = top bit of the
 *                                                          original, kept in cc_src2)
 *   CC_OP_MUL*            result    non-zero if the high half is significant (CF=OF)
 *
 * Sizes are the low two bits: B=0 W=1 L=2 Q=3.
 */
#ifndef TARGET_I386_FLAGS_H
#define TARGET_I386_FLAGS_H

#include "target/i386/cpu.h"

enum {
    CC_OP_EFLAGS = 0,
    CC_OP_ADD = 4,
    CC_OP_ADC = 8,
    CC_OP_SUB = 12,
    CC_OP_SBB = 16,
    CC_OP_LOGIC = 20,
    CC_OP_INC = 24,
    CC_OP_DEC = 28,
    CC_OP_SHL = 32,
    CC_OP_SAR = 36,
    CC_OP_SHR = 40,
    CC_OP_MUL = 44,
    CC_OP_NB = 48,
};

/* 0..3 for operand sizes 1, 2, 4, 8 */
static inline unsigned cc_size_idx(unsigned size)
{
    return size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3;
}

static inline void set_cc(CPUX86State *env, unsigned op, unsigned size, uint64_t dst,
                          uint64_t src)
{
    env->cc_op = op + cc_size_idx(size);
    env->cc_dst = dst;
    env->cc_src = src;
}

static inline void set_cc3(CPUX86State *env, unsigned op, unsigned size, uint64_t dst,
                           uint64_t src, uint64_t src2)
{
    set_cc(env, op, size, dst, src);
    env->cc_src2 = src2;
}

/* The six arithmetic flags as EFLAGS bits. */
uint32_t cc_compute_all(const CPUX86State *env);
/* Just CF (0 or 1), cheaper than cc_compute_all. */
uint32_t cc_compute_c(const CPUX86State *env);

/* Store explicit flag bits (mask selects which of OSZAPC change). */
void cc_set_flags(CPUX86State *env, uint32_t flags, uint32_t mask);

/* The full EFLAGS value (reading lazy flags). */
static inline uint32_t cpu_get_eflags(const CPUX86State *env)
{
    return env->eflags | cc_compute_all(env) | EFLAGS_FIXED;
}
/* Set EFLAGS: arithmetic flags become CC_OP_EFLAGS; mask limits what changes. */
void cpu_set_eflags(CPUX86State *env, uint32_t val, uint32_t mask);

/* Condition codes as in Jcc/SETcc/CMOVcc (the low nibble of the opcode). */
bool cc_test(const CPUX86State *env, unsigned cond);

/*
 * 64 minus the operand width of record op (56, 48, 32, 0). Shifted left by it, an
 * operand keeps only its own bits, at the top: it is zero iff they are, its sign is
 * bit 63, and unsigned and signed comparisons keep their order. A table: cheaper
 * than building the mask from the width.
 */
static inline __attribute__((always_inline)) unsigned cc_unused_bits(unsigned op)
{
    static const uint8_t unused[4] = {56, 48, 32, 0};

    return unused[op & 3];
}

/*
 * cc_test for a condition known at compile time, inline where it is cheap: after
 * CMP/SUB the operands are compared directly; ZF and SF come from cc_dst after
 * anything but CC_OP_EFLAGS, and from cc_src after that; after a logic operation
 * CF = OF = 0. False for the rest, which need cc_test: a caller that leaves them to
 * a helper out of line (a tail call) saves no registers on its fast path.
 */
static inline __attribute__((always_inline)) bool cc_test_try(const CPUX86State *env,
                                                              unsigned cond, bool *out)
{
    unsigned op = env->cc_op, unused = cc_unused_bits(op);
    uint64_t r = env->cc_dst << unused;
    unsigned kind = cond >> 1;
    bool holds;

    if (kind == 2 || kind == 4) { /* ZF, SF: the result's, after any record */
        if (op == CC_OP_EFLAGS) {
            holds = env->cc_src & (kind == 2 ? CC_Z : CC_S);
        } else {
            holds = kind == 2 ? r == 0 : (int64_t)r < 0;
        }
    } else if ((op & ~3u) == CC_OP_SUB && kind != 0 && kind != 5) {
        uint64_t b = env->cc_src << unused, a = r + b; /* a - b = the result */
        holds = kind == 1   ? a < b
                : kind == 3 ? a <= b
                : kind == 6 ? (int64_t)a < (int64_t)b
                            : (int64_t)a <= (int64_t)b;
    } else if ((op & ~3u) == CC_OP_LOGIC && kind != 5) {
        bool zf = r == 0, sf = (int64_t)r < 0;
        holds = kind <= 1 ? false : kind == 3 ? zf : kind == 6 ? sf : zf || sf;
    } else {
        return false;
    }
    *out = holds ^ (cond & 1);
    return true;
}

/* cc_test for a condition known at compile time: cc_test_try, else cc_test. */
static inline __attribute__((always_inline)) bool cc_test_inline(const CPUX86State *env,
                                                                 unsigned cond)
{
    bool holds;

    return cc_test_try(env, cond, &holds) ? holds : cc_test(env, cond);
}

/* Parity of the low byte: 1 if even number of bits (PF). */
static inline uint32_t parity8(uint64_t v)
{
    return !__builtin_parity((unsigned)(v & 0xff));
}

/*
 * SF, ZF, AF and PF as cc_compute_all computes them (with CF = OF = 0), inline, for
 * every record but ADC and SBB; false for those. For IMUL, which keeps them.
 */
static inline __attribute__((always_inline)) bool cc_szap_inline(const CPUX86State *env,
                                                                 uint32_t *flags)
{
    unsigned op = env->cc_op, kind = op & ~3u;
    uint64_t dst = env->cc_dst, src = env->cc_src, top = dst << cc_unused_bits(op);
    uint32_t af;

    /* The most common records before an IMUL first: CMP, ADD. */
    if (kind == CC_OP_SUB) {
        af = ((dst + src) ^ src ^ dst) & CC_A; /* first operand = dst + src */
    } else if (kind == CC_OP_ADD) {
        af = ((dst - src) ^ src ^ dst) & CC_A; /* first operand = dst - src */
    } else if (kind == CC_OP_LOGIC || kind == CC_OP_MUL) {
        af = 0;
    } else if (kind == CC_OP_EFLAGS) {
        *flags = src & (CC_S | CC_Z | CC_A | CC_P);
        return true;
    } else if (kind == CC_OP_INC || kind == CC_OP_DEC) {
        af = (dst & 0xf) == (kind == CC_OP_INC ? 0 : 0xf) ? CC_A : 0;
    } else if (kind == CC_OP_SHL || kind == CC_OP_SAR || kind == CC_OP_SHR) {
        af = CC_A;
    } else {
        return false;
    }
    *flags = af | (top == 0) * CC_Z | ((uint32_t)(top >> 56) & CC_S) |
             (__builtin_parity(dst & 0xff) ^ 1) * CC_P;
    return true;
}

#endif
