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
 * cc_test for a condition known at compile time, inlined: after CMP/SUB the operands
 * are compared directly; ZF and SF come from cc_dst after anything but CC_OP_EFLAGS;
 * after a logic operation CF = OF = 0. The rest goes to cc_test.
 */
static inline __attribute__((always_inline)) bool cc_test_inline(const CPUX86State *env,
                                                                 unsigned cond)
{
    unsigned op = env->cc_op, bits = 8u << (op & 3), top = bits - 1;
    uint64_t mask = ~0ull >> (64 - bits);
    unsigned kind = cond >> 1;
    bool holds;

    if (kind == 2 || kind == 4) { /* ZF, SF: the result's, after any record */
        uint64_t r = env->cc_dst & mask;
        if (op == CC_OP_EFLAGS) {
            return cc_test(env, cond);
        }
        holds = kind == 2 ? r == 0 : (r >> top) & 1;
    } else if ((op & ~3u) == CC_OP_SUB && kind != 0 && kind != 5) {
        uint64_t b = env->cc_src & mask, a = (env->cc_dst + b) & mask;
        int64_t sa = (int64_t)(a << (63 - top)), sb = (int64_t)(b << (63 - top));
        holds = kind == 1 ? a < b : kind == 3 ? a <= b : kind == 6 ? sa < sb : sa <= sb;
    } else if ((op & ~3u) == CC_OP_LOGIC && kind != 5) {
        uint64_t r = env->cc_dst & mask;
        bool zf = r == 0, sf = (r >> top) & 1;
        holds = kind <= 1 ? false : kind == 3 ? zf : kind == 6 ? sf : zf || sf;
    } else {
        return cc_test(env, cond);
    }
    return holds ^ (cond & 1);
}

/* Parity of the low byte: 1 if even number of bits (PF). */
static inline uint32_t parity8(uint64_t v)
{
    return !__builtin_parity((unsigned)(v & 0xff));
}

#endif
