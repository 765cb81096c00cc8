/* Lazy arithmetic flags (flags.h): OSZAPC as defined in the Intel SDM vol. 1, 3.4.3. */
/*
 * Every cc_op except CC_OP_EFLAGS keeps the result in cc_dst, so ZF, SF and PF come
 * from it alone; the operation only decides CF, OF and AF. Sizes are handled by
 * arithmetic on the bit width (8 << size index) rather than by four copies of each
 * function: the shifts cost less than the branches or the i-cache they would need.
 */
#include "target/i386/flags.h"

#define ALWAYS_INLINE inline __attribute__((always_inline))

static inline unsigned cc_bits(unsigned op)
{
    return 8u << (op & 3);
}

static inline uint64_t cc_trunc(uint64_t v, unsigned op)
{
    return v & (~0ull >> (64 - cc_bits(op)));
}

/* The operand's sign bit as 0/1. */
static inline uint32_t cc_sign(uint64_t v, unsigned op)
{
    return (v >> (cc_bits(op) - 1)) & 1;
}

/* The operand sign-extended to 64 bits, for signed comparisons. */
static inline int64_t cc_sext(uint64_t v, unsigned op)
{
    unsigned unused = 64 - cc_bits(op);
    return (int64_t)(v << unused) >> unused;
}

static inline uint32_t flags_szp(uint64_t dst, unsigned op)
{
    return (cc_trunc(dst, op) == 0) * CC_Z | cc_sign(dst, op) * CC_S |
           parity8(dst) * CC_P;
}

/* AF: the carry or borrow out of bit 3, visible as bit 4 of a ^ b ^ result. */
static inline uint32_t flags_af(uint64_t a, uint64_t b, uint64_t r)
{
    return (a ^ b ^ r) & CC_A;
}

/* dst = a + src + carry; a is recovered from the result. */
static ALWAYS_INLINE uint32_t flags_add(uint64_t dst, uint64_t src, uint64_t carry,
                                        unsigned op)
{
    uint64_t r = cc_trunc(dst, op), b = cc_trunc(src, op);
    uint64_t a = cc_trunc(dst - src - carry, op);
    uint32_t cf = (r < b) | (carry & (r == b));
    uint32_t of = cc_sign((a ^ r) & (b ^ r), op);
    return cf * CC_C | of * CC_O | flags_af(a, b, r) | flags_szp(r, op);
}

/* dst = a - src - borrow. */
static ALWAYS_INLINE uint32_t flags_sub(uint64_t dst, uint64_t src, uint64_t borrow,
                                        unsigned op)
{
    uint64_t r = cc_trunc(dst, op), b = cc_trunc(src, op);
    uint64_t a = cc_trunc(dst + src + borrow, op);
    uint32_t cf = (a < b) | (borrow & (a == b));
    uint32_t of = cc_sign((a ^ b) & (a ^ r), op);
    return cf * CC_C | of * CC_O | flags_af(a, b, r) | flags_szp(r, op);
}

/* INC/DEC keep CF (in cc_src); OF and AF follow from the result alone. */
static ALWAYS_INLINE uint32_t flags_incdec(uint64_t dst, uint64_t cf, bool dec,
                                           unsigned op)
{
    uint64_t r = cc_trunc(dst, op);
    uint64_t sign = 1ull << (cc_bits(op) - 1);
    uint64_t of = dec ? r == sign - 1 : r == sign;
    uint64_t af = dec ? (r & 0xf) == 0xf : (r & 0xf) == 0;
    return (cf & 1) * CC_C | of * CC_O | af * CC_A | flags_szp(r, op);
}

/*
 * Shifts. AF is undefined in the SDM; AMD Zen sets it, and so do we. OF is defined
 * for count 1 only; the formulas below are what Zen produces for every count (SHL:
 * CF ^ SF; SHR: the caller stores the OF source in cc_src2; SAR: 0).
 */
static ALWAYS_INLINE uint32_t flags_shl(uint64_t dst, uint64_t src, unsigned op)
{
    uint32_t cf = cc_sign(src, op);
    uint32_t of = cf ^ cc_sign(dst, op);
    return cf * CC_C | of * CC_O | CC_A | flags_szp(dst, op);
}

static ALWAYS_INLINE uint32_t flags_shr(uint64_t dst, uint64_t src, uint64_t of_src,
                                        unsigned op)
{
    return (src & 1) * CC_C | cc_sign(of_src, op) * CC_O | CC_A | flags_szp(dst, op);
}

/* MUL: CF = OF = "the high half is significant"; SF/ZF/PF from the low half, AF 0. */
static ALWAYS_INLINE uint32_t flags_mul(uint64_t dst, uint64_t src, unsigned op)
{
    return (src != 0) * (CC_C | CC_O) | flags_szp(dst, op);
}

/* The flags of one record kind at one size (op's low two bits, a constant here). */
static ALWAYS_INLINE uint32_t compute_all_sized(const CPUX86State *env, unsigned op)
{
    uint64_t dst = env->cc_dst, src = env->cc_src;

    switch (op & ~3u) {
    case CC_OP_ADD: return flags_add(dst, src, 0, op);
    case CC_OP_ADC: return flags_add(dst, src, env->cc_src2 & 1, op);
    case CC_OP_SUB: return flags_sub(dst, src, 0, op);
    case CC_OP_SBB: return flags_sub(dst, src, env->cc_src2 & 1, op);
    case CC_OP_LOGIC: return flags_szp(dst, op);
    case CC_OP_INC: return flags_incdec(dst, src, false, op);
    case CC_OP_DEC: return flags_incdec(dst, src, true, op);
    case CC_OP_SHL: return flags_shl(dst, src, op);
    case CC_OP_SAR: return flags_shr(dst, src, 0, op);
    case CC_OP_SHR: return flags_shr(dst, src, env->cc_src2, op);
    case CC_OP_MUL: return flags_mul(dst, src, op);
    default: return src & CC_ARITH;
    }
}

/* One copy per operand size, so that the bit-width arithmetic folds away. */
uint32_t cc_compute_all(const CPUX86State *env)
{
    unsigned op = env->cc_op;

    switch (op & 3) {
    case 0: return compute_all_sized(env, op & ~3u);
    case 1: return compute_all_sized(env, (op & ~3u) | 1);
    case 2: return compute_all_sized(env, (op & ~3u) | 2);
    default: return compute_all_sized(env, op | 3);
    }
}

uint32_t cc_compute_c(const CPUX86State *env)
{
    unsigned op = env->cc_op;
    uint64_t dst = cc_trunc(env->cc_dst, op), src = cc_trunc(env->cc_src, op);
    uint64_t carry = env->cc_src2 & 1;

    switch (op & ~3u) {
    case CC_OP_ADD: return dst < src;
    case CC_OP_ADC: return (dst < src) | (carry & (dst == src));
    case CC_OP_SUB: return cc_trunc(dst + src, op) < src;
    case CC_OP_SBB: {
        uint64_t a = cc_trunc(dst + src + carry, op);
        return (a < src) | (carry & (a == src));
    }
    case CC_OP_LOGIC: return 0;
    case CC_OP_INC:
    case CC_OP_DEC: return env->cc_src & 1;
    case CC_OP_SHL: return cc_sign(src, op);
    case CC_OP_SAR:
    case CC_OP_SHR: return src & 1;
    case CC_OP_MUL: return src != 0;
    default: return env->cc_src & CC_C;
    }
}

void cc_set_flags(CPUX86State *env, uint32_t flags, uint32_t mask)
{
    uint32_t keep = (mask & CC_ARITH) == CC_ARITH ? 0 : cc_compute_all(env) & ~mask;

    env->cc_src = keep | (flags & mask & CC_ARITH);
    env->cc_dst = 0;
    env->cc_op = CC_OP_EFLAGS;
}

void cpu_set_eflags(CPUX86State *env, uint32_t val, uint32_t mask)
{
    uint32_t sys_mask = mask & ~(uint32_t)CC_ARITH & ~(uint32_t)EFLAGS_FIXED;

    if (mask & CC_ARITH) {
        cc_set_flags(env, val, mask & CC_ARITH);
    }
    env->eflags = (env->eflags & ~sys_mask) | (val & sys_mask);
}

/* The even conditions (O, B, Z, BE, S, P, L, LE) from full flags. */
static bool cond_from_eflags(uint32_t f, unsigned cond)
{
    bool of = f & CC_O, sf = f & CC_S, zf = f & CC_Z;

    switch (cond >> 1) {
    case 0: return of;
    case 1: return f & CC_C;
    case 2: return zf;
    case 3: return f & (CC_C | CC_Z);
    case 4: return sf;
    case 5: return f & CC_P;
    case 6: return sf != of;
    default: return zf || sf != of;
    }
}

/* After CMP/SUB the conditions compare the operands directly. */
static bool cond_after_sub(const CPUX86State *env, unsigned cond)
{
    unsigned op = env->cc_op;
    uint64_t b = cc_trunc(env->cc_src, op);
    uint64_t a = cc_trunc(env->cc_dst + env->cc_src, op);

    switch (cond >> 1) {
    case 1: return a < b;
    case 2: return a == b;
    case 3: return a <= b;
    case 6: return cc_sext(a, op) < cc_sext(b, op);
    case 7: return cc_sext(a, op) <= cc_sext(b, op);
    default: return cond_from_eflags(flags_sub(env->cc_dst, env->cc_src, 0, op), cond);
    }
}

/* After AND/OR/XOR/TEST: CF = OF = 0. */
static bool cond_after_logic(const CPUX86State *env, unsigned cond)
{
    unsigned op = env->cc_op;
    bool zf = cc_trunc(env->cc_dst, op) == 0, sf = cc_sign(env->cc_dst, op);

    switch (cond >> 1) {
    case 0:
    case 1: return false;
    case 2:
    case 3: return zf;
    case 4:
    case 6: return sf;
    case 5: return parity8(env->cc_dst);
    default: return zf || sf;
    }
}

bool cc_test(const CPUX86State *env, unsigned cond)
{
    bool holds;

    switch (env->cc_op & ~3u) {
    case CC_OP_SUB: holds = cond_after_sub(env, cond); break;
    case CC_OP_LOGIC: holds = cond_after_logic(env, cond); break;
    default: holds = cond_from_eflags(cc_compute_all(env), cond); break;
    }
    return holds ^ (cond & 1);
}
