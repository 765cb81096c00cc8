/* Shifts and rotates: ROL ROR RCL RCR SHL SHR SAR SHLD SHRD (Intel SDM vol. 2). */
/*
 * What the manuals leave undefined follows AMD Zen (family 17h/19h), as checked
 * against the host by tests/unit/test-alu.c:
 *  - AF is set by every shift with a non-zero count; rotates leave it alone;
 *  - OF is that of the last one-bit step, for every count: SHL/SHLD and ROL/RCL
 *    CF ^ MSB, ROR/RCR the XOR of the result's two top bits, SAR 0, SHR/SHRD the
 *    sign change between the value before the last step and the result (so SHR by
 *    more than 1 gives 0);
 *  - CF after SHL/SHR by the operand width or more is the last bit a wide shifter
 *    moves out: 0 (SAR: the sign);
 *  - 16-bit SHLD/SHRD by 17..31 shift dest:src:src and src:src:dest (48 bits);
 *    see shiftd16_long_flags for their flags.
 * Count 0 (after masking) changes no flag, but the operand is still read and written
 * back: on hardware a 32-bit register is zero-extended and a read-only page faults.
 */
#include "target/i386/access.h"
#include "target/i386/flags.h"
#include "target/i386/insn.h"

enum {
    SHIFT_ROL,
    SHIFT_ROR,
    SHIFT_RCL,
    SHIFT_RCR,
    SHIFT_SHL,
    SHIFT_SHR,
    SHIFT_SAL,
    SHIFT_SAR
};

/* The new operand and the flags it leaves; committed after the store. */
typedef struct ShiftResult {
    uint64_t value;
    unsigned cc_op; /* CC_OP_SHL/SHR/SAR, or CC_OP_EFLAGS for rotates */
    uint64_t cc_src, cc_src2;
    uint32_t rot_flags; /* rotates: CF and OF */
} ShiftResult;

static inline unsigned width_of(unsigned size)
{
    return size * 8;
}

static inline uint64_t msb(uint64_t v, unsigned size)
{
    return (v >> (width_of(size) - 1)) & 1;
}

static inline int64_t sext(uint64_t v, unsigned size)
{
    unsigned unused = 64 - width_of(size);
    return (int64_t)(v << unused) >> unused;
}

static unsigned mask_count(unsigned count, unsigned size)
{
    return count & (size == 8 ? 63 : 31);
}

static ShiftResult shift_shl(uint64_t v, unsigned count, unsigned size)
{
    ShiftResult s = {v << count, CC_OP_SHL, v << (count - 1), 0, 0};
    return s;
}

static ShiftResult shift_shr(uint64_t v, unsigned count, unsigned size)
{
    ShiftResult s = {v >> count, CC_OP_SHR, v >> (count - 1), 0, 0};
    s.cc_src2 = s.cc_src ^ s.value;
    return s;
}

static ShiftResult shift_sar(uint64_t v, unsigned count, unsigned size)
{
    int64_t sv = sext(v, size);
    ShiftResult s = {sv >> count, CC_OP_SAR, sv >> (count - 1), 0, 0};
    return s;
}

static uint32_t rot_flags(uint32_t cf, uint32_t of)
{
    return cf * CC_C | of * CC_O;
}

static ShiftResult shift_rol(uint64_t v, unsigned count, unsigned size)
{
    unsigned w = width_of(size), n = count & (w - 1);
    uint64_t r = n ? (v << n) | (v >> (w - n)) : v;
    ShiftResult s = {r, CC_OP_EFLAGS, 0, 0, 0};

    s.rot_flags = rot_flags(r & 1, (r & 1) ^ msb(r, size));
    return s;
}

static ShiftResult shift_ror(uint64_t v, unsigned count, unsigned size)
{
    unsigned w = width_of(size), n = count & (w - 1);
    uint64_t r = n ? (v >> n) | (v << (w - n)) : v;
    ShiftResult s = {r, CC_OP_EFLAGS, 0, 0, 0};

    s.rot_flags = rot_flags(msb(r, size), msb(r, size) ^ msb(r << 1, size));
    return s;
}

/* RCL/RCR rotate the (width + 1)-bit value CF:operand; 8/16-bit counts wrap mod 9/17. */
static unsigned rc_count(unsigned count, unsigned size)
{
    return size == 1 ? count % 9 : size == 2 ? count % 17 : count;
}

static ShiftResult shift_rcl(uint64_t v, unsigned count, unsigned size, uint32_t cf)
{
    unsigned w = width_of(size), n = rc_count(count, size);
    unsigned __int128 x = ((unsigned __int128)cf << w) | (v & size_mask(size));
    ShiftResult s = {v, CC_OP_EFLAGS, 0, 0, 0};

    if (n) {
        x = (x << n) | (x >> (w + 1 - n));
        cf = (x >> w) & 1;
        s.value = (uint64_t)x;
    }
    s.rot_flags = rot_flags(cf, cf ^ msb(s.value, size));
    return s;
}

static ShiftResult shift_rcr(uint64_t v, unsigned count, unsigned size, uint32_t cf)
{
    unsigned w = width_of(size), n = rc_count(count, size);
    unsigned __int128 x = ((unsigned __int128)cf << w) | (v & size_mask(size));
    ShiftResult s = {v, CC_OP_EFLAGS, 0, 0, 0};

    if (n) {
        x = (x >> n) | (x << (w + 1 - n));
        cf = (x >> w) & 1;
        s.value = (uint64_t)x;
    }
    s.rot_flags = rot_flags(cf, msb(s.value, size) ^ msb(s.value << 1, size));
    return s;
}

static ShiftResult shift_compute(CPUX86State *env, unsigned op, uint64_t v,
                                 unsigned count, unsigned size)
{
    v &= size_mask(size);
    switch (op) {
    case SHIFT_ROL: return shift_rol(v, count, size);
    case SHIFT_ROR: return shift_ror(v, count, size);
    case SHIFT_RCL: return shift_rcl(v, count, size, cc_compute_c(env));
    case SHIFT_RCR: return shift_rcr(v, count, size, cc_compute_c(env));
    case SHIFT_SHR: return shift_shr(v, count, size);
    case SHIFT_SAR: return shift_sar(v, count, size);
    default: return shift_shl(v, count, size);
    }
}

static void shift_commit_flags(CPUX86State *env, const ShiftResult *s, unsigned size)
{
    if (s->cc_op == CC_OP_EFLAGS) {
        cc_set_flags(env, s->rot_flags, CC_C | CC_O);
    } else {
        set_cc3(env, s->cc_op, size, s->value & size_mask(size), s->cc_src, s->cc_src2);
    }
}

static void shift_rm(CPUX86State *env, const Insn *d, unsigned size, unsigned count)
{
    uint64_t v = ld_rm_rmw(env, d, size);
    ShiftResult s;

    count = mask_count(count, size);
    if (count == 0) {
        st_rm(env, d, size, v);
        return;
    }
    s = shift_compute(env, d->reg & 7, v, count, size);
    st_rm(env, d, size, s.value);
    shift_commit_flags(env, &s, size);
}

static void op_shift_Eb_Ib(CPUX86State *env, const Insn *d)
{
    shift_rm(env, d, 1, d->imm & 0xff);
}

static void op_shift_Ev_Ib(CPUX86State *env, const Insn *d)
{
    shift_rm(env, d, d->opsize, d->imm & 0xff);
}

static void op_shift_Eb_1(CPUX86State *env, const Insn *d)
{
    shift_rm(env, d, 1, 1);
}

static void op_shift_Ev_1(CPUX86State *env, const Insn *d)
{
    shift_rm(env, d, d->opsize, 1);
}

static void op_shift_Eb_CL(CPUX86State *env, const Insn *d)
{
    shift_rm(env, d, 1, env->regs[R_ECX] & 0xff);
}

static void op_shift_Ev_CL(CPUX86State *env, const Insn *d)
{
    shift_rm(env, d, d->opsize, env->regs[R_ECX] & 0xff);
}

/*
 * SHLD/SHRD as a shift of the double-width dest:src (dest:src:dest for 16-bit
 * operands, where the count may reach 31). Returns the flags' lazy form.
 */
static ShiftResult shld_compute(uint64_t dst, uint64_t src, unsigned n, unsigned size)
{
    ShiftResult s = {0, CC_OP_SHL, 0, 0, 0};
    unsigned w = width_of(size);
    unsigned __int128 x =
        ((unsigned __int128)dst << (128 - w)) | ((unsigned __int128)src << (128 - 2 * w));

    if (size == 2) {
        x |= (unsigned __int128)src << (128 - 3 * w);
    }
    s.value = (uint64_t)((x << n) >> (128 - w));
    s.cc_src = (uint64_t)((x << (n - 1)) >> (128 - w));
    return s;
}

static ShiftResult shrd_compute(uint64_t dst, uint64_t src, unsigned n, unsigned size)
{
    ShiftResult s = {0, CC_OP_SHR, 0, 0, 0};
    unsigned w = width_of(size);
    unsigned __int128 x = ((unsigned __int128)src << w) | dst;

    if (size == 2) {
        x |= (unsigned __int128)src << 32;
    }
    s.value = (uint64_t)(x >> n);
    s.cc_src = (uint64_t)(x >> (n - 1));
    s.cc_src2 = s.cc_src ^ s.value;
    return s;
}

/*
 * 16-bit counts of 16..31 (undefined in the SDM beyond 16), as Zen does them: SHLD
 * by 16 sets OF = CF; beyond 16 both clear CF, SHLD clears OF and SHRD keeps OF as
 * the XOR of the result's two top bits. CC_OP_SHR can express all of it.
 */
static void shiftd16_long_flags(ShiftResult *s, unsigned count, bool right)
{
    uint64_t cf;

    if (right) {
        if (count > 16) {
            s->cc_src = 0;
            s->cc_src2 = s->value ^ (s->value << 1);
        }
        return;
    }
    cf = count == 16 ? (s->cc_src >> 15) & 1 : 0;
    s->cc_op = CC_OP_SHR;
    s->cc_src = cf;
    s->cc_src2 = cf << 15;
}

static void shiftd_rm(CPUX86State *env, const Insn *d, unsigned count, bool right)
{
    unsigned size = d->opsize;
    uint64_t dst = ld_rm_rmw(env, d, size), src = ld_reg(env, d, size);
    ShiftResult s;

    count = mask_count(count, size);
    if (count == 0) {
        st_rm(env, d, size, dst);
        return;
    }
    s = right ? shrd_compute(dst, src, count, size) : shld_compute(dst, src, count, size);
    if (size == 2 && count >= 16) {
        shiftd16_long_flags(&s, count, right);
    }
    st_rm(env, d, size, s.value);
    shift_commit_flags(env, &s, size);
}

static void op_shld_Ev_Gv_Ib(CPUX86State *env, const Insn *d)
{
    shiftd_rm(env, d, d->imm & 0xff, false);
}

static void op_shld_Ev_Gv_CL(CPUX86State *env, const Insn *d)
{
    shiftd_rm(env, d, env->regs[R_ECX] & 0xff, false);
}

static void op_shrd_Ev_Gv_Ib(CPUX86State *env, const Insn *d)
{
    shiftd_rm(env, d, d->imm & 0xff, true);
}

static void op_shrd_Ev_Gv_CL(CPUX86State *env, const Insn *d)
{
    shiftd_rm(env, d, env->regs[R_ECX] & 0xff, true);
}

/* One group-2 operation in its six forms. */
#define SHIFT_ROWS(ext, name)                                                            \
    {MAP_NONE, 0xc0, ext, ANY, ANY, ANY, 0, op_shift_Eb_Ib, name},                       \
        {MAP_NONE, 0xc1, ext, ANY, ANY, ANY, 0, op_shift_Ev_Ib, name},                   \
        {MAP_NONE, 0xd0, ext, ANY, ANY, ANY, 0, op_shift_Eb_1, name},                    \
        {MAP_NONE, 0xd1, ext, ANY, ANY, ANY, 0, op_shift_Ev_1, name},                    \
        {MAP_NONE, 0xd2, ext, ANY, ANY, ANY, 0, op_shift_Eb_CL, name},                   \
    {                                                                                    \
        MAP_NONE, 0xd3, ext, ANY, ANY, ANY, 0, op_shift_Ev_CL, name                      \
    }

static const InsnDef shift_insns[] = {
    SHIFT_ROWS(0, "rol"),
    SHIFT_ROWS(1, "ror"),
    SHIFT_ROWS(2, "rcl"),
    SHIFT_ROWS(3, "rcr"),
    SHIFT_ROWS(4, "shl"),
    SHIFT_ROWS(5, "shr"),
    SHIFT_ROWS(6, "sal"),
    SHIFT_ROWS(7, "sar"),
    {MAP_0F, 0xa4, ANY, ANY, ANY, ANY, 0, op_shld_Ev_Gv_Ib, "shld"},
    {MAP_0F, 0xa5, ANY, ANY, ANY, ANY, 0, op_shld_Ev_Gv_CL, "shld"},
    {MAP_0F, 0xac, ANY, ANY, ANY, ANY, 0, op_shrd_Ev_Gv_Ib, "shrd"},
    {MAP_0F, 0xad, ANY, ANY, ANY, ANY, 0, op_shrd_Ev_Gv_CL, "shrd"},
};
INSN_TABLE(shift_insns)
