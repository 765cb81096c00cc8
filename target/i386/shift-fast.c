/*
 * Specialised SHL/SAL, SHR and SAR (shift.c) with 32- and 64-bit operands, by an
 * immediate, by 1 or by CL, one handler per operation, count source, form and size.
 * They record the lazy flags exactly as shift.c's shift_compute/shift_commit_flags
 * do; a count of 0 after masking still writes the operand back (zero-extending a
 * 32-bit register) and changes no flag. Rotates stay generic.
 */
#include "target/i386/fast.h"

enum { SH_SHL = 4, SH_SHR = 5, SH_SAL = 6, SH_SAR = 7 };
enum { COUNT_IB, COUNT_1, COUNT_CL };

/* The result and its lazy-flag record, committed after the store (which may fault). */
typedef struct Shifted {
    uint64_t value, src, src2;
    unsigned cc_op;
} Shifted;

static ALWAYS_INLINE Shifted shift_value(unsigned op, unsigned size, uint64_t v,
                                         unsigned count)
{
    Shifted s = {0, 0, 0, fast_cc_size(size)};

    if (op == SH_SHR) {
        s.value = v >> count;
        s.src = v >> (count - 1);
        s.src2 = s.src ^ s.value;
        s.cc_op += CC_OP_SHR;
    } else if (op == SH_SAR) {
        int64_t sv = size == 8 ? (int64_t)v : (int64_t)(int32_t)v;
        s.value = (uint64_t)(sv >> count);
        s.src = (uint64_t)(sv >> (count - 1));
        s.cc_op += CC_OP_SAR;
    } else {
        s.value = v << count;
        s.src = v << (count - 1);
        s.cc_op += CC_OP_SHL;
    }
    return s;
}

static ALWAYS_INLINE void shift_commit(CPUX86State *env, const Shifted *s, unsigned size)
{
    env->cc_op = s->cc_op;
    env->cc_dst = s->value & fast_mask(size);
    env->cc_src = s->src;
    env->cc_src2 = s->src2;
}

static ALWAYS_INLINE unsigned shift_count(const CPUX86State *env, const Insn *d,
                                          unsigned how, unsigned size)
{
    unsigned count = how == COUNT_IB  ? d->imm & 0xff
                     : how == COUNT_1 ? 1
                                      : env->regs[R_ECX];

    return count & (size == 8 ? 63 : 31);
}

static ALWAYS_INLINE void shift_reg(CPUX86State *env, const Insn *d, unsigned op,
                                    unsigned how, unsigned size)
{
    uint64_t v = fast_get(env, d->rm, size);
    unsigned count = shift_count(env, d, how, size);
    Shifted s;

    if (count == 0) {
        fast_set(env, d->rm, size, v);
        return;
    }
    s = shift_value(op, size, v, count);
    fast_set(env, d->rm, size, s.value);
    shift_commit(env, &s, size);
}

static ALWAYS_INLINE bool shift_mem(CPUX86State *env, const Insn *d, unsigned op,
                                    unsigned how, unsigned size)
{
    unsigned count = shift_count(env, d, how, size);
    void *p;
    Shifted s;

    if (unlikely(!fast_mem(env, d, fast_ea(env, d), size, true, &p))) {
        return false;
    }
    if (count == 0) {
        return true; /* written back unchanged: plain RAM, already writable, the same */
    }
    s = shift_value(op, size, ld_le(p, size), count);
    st_le(p, size, s.value);
    shift_commit(env, &s, size);
    return true;
}

#define SHIFT_FORM(name, op, how, size)                                                  \
    INSN_HANDLER(op_##name##_r##size)                                                    \
    {                                                                                    \
        shift_reg(env, d, op, how, size);                                                \
    }                                                                                    \
    INSN_HANDLER_OR_GENERIC(op_##name##_m##size)                                         \
    {                                                                                    \
        return shift_mem(env, d, op, how, size);                                         \
    }

#define SHIFT_OP(name, op)                                                               \
    SHIFT_FORM(name##_Ev_Ib, op, COUNT_IB, 4)                                            \
    SHIFT_FORM(name##_Ev_Ib, op, COUNT_IB, 8)                                            \
    SHIFT_FORM(name##_Ev_1, op, COUNT_1, 4)                                              \
    SHIFT_FORM(name##_Ev_1, op, COUNT_1, 8)                                              \
    SHIFT_FORM(name##_Ev_CL, op, COUNT_CL, 4)                                            \
    SHIFT_FORM(name##_Ev_CL, op, COUNT_CL, 8)

SHIFT_OP(shl, SH_SHL)
SHIFT_OP(shr, SH_SHR)
SHIFT_OP(sar, SH_SAR)

/* [count source][size index][mem] */
#define SHIFT_TABLE(name)                                                                \
    {                                                                                    \
        {{op_##name##_Ev_Ib_r4, op_##name##_Ev_Ib_m4},                                   \
         {op_##name##_Ev_Ib_r8, op_##name##_Ev_Ib_m8}},                                  \
            {{op_##name##_Ev_1_r4, op_##name##_Ev_1_m4},                                 \
             {op_##name##_Ev_1_r8, op_##name##_Ev_1_m8}},                                \
            {{op_##name##_Ev_CL_r4, op_##name##_Ev_CL_m4},                               \
             {op_##name##_Ev_CL_r8, op_##name##_Ev_CL_m8}},                              \
    }

static InsnHandler *const shift_forms[3][3][2][2] = {
    SHIFT_TABLE(shl),
    SHIFT_TABLE(shr),
    SHIFT_TABLE(sar),
};

static InsnHandler *shift_specialize(Insn *d, uint32_t hflags)
{
    int si = fast_size_idx(d->opsize);
    unsigned op = d->reg & 7, how, which;

    if (d->map != MAP_NONE || si < 0 || op < SH_SHL) {
        return NULL;
    }
    switch (d->opcode) {
    case 0xc1: how = COUNT_IB; break;
    case 0xd1: how = COUNT_1; break;
    case 0xd3: how = COUNT_CL; break;
    default: return NULL;
    }
    which = op == SH_SHR ? 1 : op == SH_SAR ? 2 : 0;
    return fast_bind(d, hflags, shift_forms[which][how][si][d->has_modrm && d->mod != 3]);
}
INSN_SPECIALIZER(shift_specialize)
