/* Multiply and divide: MUL IMUL DIV IDIV (Intel SDM vol. 2, AMD APM vol. 3). */
/*
 * The manuals leave SF, ZF, AF and PF undefined after MUL/IMUL and all six flags
 * undefined after DIV/IDIV. We follow AMD Zen, as tests/unit/test-alu.c checks
 * against the host: MUL/IMUL change only CF and OF; DIV/IDIV keep CF and OF, clear
 * SF, ZF and PF and set AF. Those are eager writes, not a CC_OP_MUL record.
 */
#include "target/i386/access.h"
#include "target/i386/flags.h"
#include "target/i386/insn.h"

static inline int64_t sext(uint64_t v, unsigned size)
{
    unsigned unused = 64 - size * 8;
    return (int64_t)(v << unused) >> unused;
}

static void set_mul_flags(CPUX86State *env, bool high_significant)
{
    cc_set_flags(env, high_significant ? CC_C | CC_O : 0, CC_C | CC_O);
}

static void set_div_flags(CPUX86State *env)
{
    cc_set_flags(env, CC_A, CC_S | CC_Z | CC_A | CC_P);
}

/* Full product of two size-byte operands, as low and high halves. */
static void mul_wide(uint64_t a, uint64_t b, unsigned size, bool is_signed, uint64_t *lo,
                     uint64_t *hi)
{
    unsigned __int128 p;

    if (is_signed) {
        p = (unsigned __int128)((__int128)sext(a, size) * sext(b, size));
    } else {
        p = (unsigned __int128)(a & size_mask(size)) * (b & size_mask(size));
    }
    *lo = (uint64_t)p & size_mask(size);
    *hi = (uint64_t)(size == 8 ? p >> 64 : p >> (size * 8)) & size_mask(size);
}

/* Is hi:lo more than the low half can hold (CF = OF)? */
static bool mul_overflows(uint64_t lo, uint64_t hi, unsigned size, bool is_signed)
{
    if (is_signed) {
        return hi != (size_mask(size) & (uint64_t)(sext(lo, size) >> 63));
    }
    return hi != 0;
}

/* MUL/IMUL with one operand: rDX:rAX (AX for bytes) = rAX * r/m. */
static void mul_acc(CPUX86State *env, const Insn *d, unsigned size, bool is_signed)
{
    uint64_t b = ld_rm(env, d, size), lo, hi;

    mul_wide(env->regs[R_EAX], b, size, is_signed, &lo, &hi);
    if (size == 1) {
        set_reg(env, R_EAX, 2, false, hi << 8 | lo);
    } else {
        set_reg(env, R_EAX, size, false, lo);
        set_reg(env, R_EDX, size, false, hi);
    }
    set_mul_flags(env, mul_overflows(lo, hi, size, is_signed));
}

static void op_mul_Eb(CPUX86State *env, const Insn *d)
{
    mul_acc(env, d, 1, false);
}

static void op_mul_Ev(CPUX86State *env, const Insn *d)
{
    mul_acc(env, d, d->opsize, false);
}

static void op_imul_Eb(CPUX86State *env, const Insn *d)
{
    mul_acc(env, d, 1, true);
}

static void op_imul_Ev(CPUX86State *env, const Insn *d)
{
    mul_acc(env, d, d->opsize, true);
}

/* IMUL with a register destination: the product truncated to the operand size. */
static void imul_reg(CPUX86State *env, const Insn *d, uint64_t a, uint64_t b)
{
    uint64_t lo, hi;

    mul_wide(a, b, d->opsize, true, &lo, &hi);
    st_reg(env, d, d->opsize, lo);
    set_mul_flags(env, mul_overflows(lo, hi, d->opsize, true));
}

static void op_imul_Gv_Ev(CPUX86State *env, const Insn *d)
{
    uint64_t b = ld_rm(env, d, d->opsize);

    imul_reg(env, d, ld_reg(env, d, d->opsize), b);
}

/* 69 (Iz) and 6B (Ib): the decoder has sign-extended the immediate. */
static void op_imul_Gv_Ev_Iz(CPUX86State *env, const Insn *d)
{
    imul_reg(env, d, ld_rm(env, d, d->opsize), d->imm);
}

/* Unsigned hi:lo / divisor; false when the quotient does not fit (#DE). */
static bool div_unsigned(uint64_t hi, uint64_t lo, uint64_t divisor, unsigned size,
                         uint64_t *q, uint64_t *r)
{
    unsigned __int128 n = ((unsigned __int128)hi << (size * 8)) | lo, quot;

    if (divisor == 0) {
        return false;
    }
    if (size < 8) {
        quot = (uint64_t)n / divisor;
        *r = (uint64_t)n % divisor;
    } else {
        quot = n / divisor;
        *r = (uint64_t)(n % divisor);
    }
    *q = (uint64_t)quot;
    return quot <= size_mask(size);
}

/* Signed hi:lo / divisor; the dividend is twice the operand size. */
static bool div_signed(uint64_t hi, uint64_t lo, uint64_t divisor, unsigned size,
                       uint64_t *q, uint64_t *r)
{
    unsigned w = size * 8;
    __int128 limit = (__int128)1 << (w - 1), dv = sext(divisor, size), n, quot;

    n = size == 8 ? (__int128)((unsigned __int128)hi << 64 | lo)
                  : sext(hi << w | lo, 2 * size);
    if (dv == 0) {
        return false;
    }
    if (dv == -1) {
        /* Checked first: the most negative 128-bit dividend / -1 overflows C too. */
        *q = (uint64_t)-n & size_mask(size);
        *r = 0;
        return n > -limit && n <= limit;
    }
    quot = n / dv;
    *q = (uint64_t)quot & size_mask(size);
    *r = (uint64_t)(n % dv) & size_mask(size);
    return quot >= -limit && quot < limit;
}

/* The dividend halves: AH:AL for bytes, rDX:rAX otherwise. */
static void div_dividend(const CPUX86State *env, unsigned size, uint64_t *hi,
                         uint64_t *lo)
{
    unsigned half = size == 1 ? 8 : 0;
    uint64_t high_reg = size == 1 ? env->regs[R_EAX] : env->regs[R_EDX];

    *lo = env->regs[R_EAX] & size_mask(size);
    *hi = (high_reg >> half) & size_mask(size);
}

static void div_acc(CPUX86State *env, const Insn *d, unsigned size, bool is_signed)
{
    uint64_t divisor = ld_rm(env, d, size) & size_mask(size), hi, lo, q, r;
    bool ok;

    div_dividend(env, size, &hi, &lo);
    ok = is_signed ? div_signed(hi, lo, divisor, size, &q, &r)
                   : div_unsigned(hi, lo, divisor, size, &q, &r);
    if (!ok) {
        raise_exception(env, EXCP_DE);
    }
    if (size == 1) {
        set_reg(env, R_EAX, 2, false, r << 8 | q);
    } else {
        set_reg(env, R_EAX, size, false, q);
        set_reg(env, R_EDX, size, false, r);
    }
    set_div_flags(env);
}

static void op_div_Eb(CPUX86State *env, const Insn *d)
{
    div_acc(env, d, 1, false);
}

static void op_div_Ev(CPUX86State *env, const Insn *d)
{
    div_acc(env, d, d->opsize, false);
}

static void op_idiv_Eb(CPUX86State *env, const Insn *d)
{
    div_acc(env, d, 1, true);
}

static void op_idiv_Ev(CPUX86State *env, const Insn *d)
{
    div_acc(env, d, d->opsize, true);
}

static const InsnDef muldiv_insns[] = {
    {MAP_NONE, 0xf6, 4, ANY, ANY, ANY, 0, op_mul_Eb, "mul"},
    {MAP_NONE, 0xf7, 4, ANY, ANY, ANY, 0, op_mul_Ev, "mul"},
    {MAP_NONE, 0xf6, 5, ANY, ANY, ANY, 0, op_imul_Eb, "imul"},
    {MAP_NONE, 0xf7, 5, ANY, ANY, ANY, 0, op_imul_Ev, "imul"},
    {MAP_NONE, 0xf6, 6, ANY, ANY, ANY, 0, op_div_Eb, "div"},
    {MAP_NONE, 0xf7, 6, ANY, ANY, ANY, 0, op_div_Ev, "div"},
    {MAP_NONE, 0xf6, 7, ANY, ANY, ANY, 0, op_idiv_Eb, "idiv"},
    {MAP_NONE, 0xf7, 7, ANY, ANY, ANY, 0, op_idiv_Ev, "idiv"},
    {MAP_0F, 0xaf, ANY, ANY, ANY, ANY, 0, op_imul_Gv_Ev, "imul"},
    {MAP_NONE, 0x69, ANY, ANY, ANY, ANY, 0, op_imul_Gv_Ev_Iz, "imul"},
    {MAP_NONE, 0x6b, ANY, ANY, ANY, ANY, 0, op_imul_Gv_Ev_Iz, "imul"},
};
INSN_TABLE(muldiv_insns)
