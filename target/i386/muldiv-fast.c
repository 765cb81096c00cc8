/*
 * Specialised two- and three-operand IMUL (muldiv.c) with 32- and 64-bit operands:
 * the truncated product in the register, CF = OF = "the product does not fit",
 * recorded eagerly as muldiv.c's set_mul_flags does. That record keeps SF, ZF, AF and
 * PF of the one before, computed inline (cc_szap_inline) for all records but ADC/SBB.
 */
#include "target/i386/fast.h"

/* cc_set_flags(env, CF|OF or 0, CC_C | CC_O), with the other flags (keep) known. */
static ALWAYS_INLINE void imul_commit(CPUX86State *env, unsigned reg, uint64_t lo,
                                      bool overflow, uint32_t keep)
{
    env->regs[reg] = lo;
    env->cc_src = keep | (overflow ? CC_C | CC_O : 0);
    env->cc_dst = 0;
    env->cc_op = CC_OP_EFLAGS;
}

/* After a record cc_szap_inline leaves (ADC, SBB): cc_compute_all, out of line. */
static FAST_SLOW_PATH void imul_commit_slow(CPUX86State *env, unsigned reg, uint64_t lo,
                                            bool overflow)
{
    imul_commit(env, reg, lo, overflow, cc_compute_all(env) & ~(uint32_t)(CC_C | CC_O));
}

static ALWAYS_INLINE void imul_to_reg(CPUX86State *env, const Insn *d, unsigned size,
                                      uint64_t a, uint64_t b)
{
    bool overflow;
    uint64_t lo;
    uint32_t keep;

    if (size == 8) {
        __int128 p = (__int128)(int64_t)a * (int64_t)b;
        lo = (uint64_t)p;
        overflow = p != (__int128)(int64_t)lo;
    } else {
        int64_t p = (int64_t)(int32_t)a * (int32_t)b;
        lo = (uint32_t)p;
        overflow = p != (int64_t)(int32_t)p;
    }
    if (unlikely(!cc_szap_inline(env, &keep))) {
        imul_commit_slow(env, d->reg, lo, overflow);
        return;
    }
    imul_commit(env, d->reg, lo, overflow, keep);
}

/* Gv,Ev or Gv,Ev,Iz with Ev in memory: Ev on the fast path, or the generic handler. */
static ALWAYS_INLINE bool imul_mem(CPUX86State *env, const Insn *d, unsigned size,
                                   bool with_imm)
{
    uint64_t v;

    if (unlikely(!fast_ld(env, d, size, &v))) {
        return false;
    }
    if (with_imm) {
        imul_to_reg(env, d, size, v, d->imm);
    } else {
        imul_to_reg(env, d, size, env->regs[d->reg], v);
    }
    return true;
}

#define IMUL_FORMS(size)                                                                 \
    INSN_HANDLER(op_imul_Gv_Ev_r##size)                                                  \
    {                                                                                    \
        imul_to_reg(env, d, size, env->regs[d->reg], env->regs[d->rm]);                  \
    }                                                                                    \
    INSN_HANDLER_OR_GENERIC(op_imul_Gv_Ev_m##size)                                       \
    {                                                                                    \
        return imul_mem(env, d, size, false);                                            \
    }                                                                                    \
    INSN_HANDLER(op_imul_Gv_Ev_Iz_r##size)                                               \
    {                                                                                    \
        imul_to_reg(env, d, size, env->regs[d->rm], d->imm);                             \
    }                                                                                    \
    INSN_HANDLER_OR_GENERIC(op_imul_Gv_Ev_Iz_m##size)                                    \
    {                                                                                    \
        return imul_mem(env, d, size, true);                                             \
    }

IMUL_FORMS(4)
IMUL_FORMS(8)

/*
 * The same, for when the instruction after it in its block overwrites the whole
 * record and cannot fault (insn_kills_flags): then nothing can see this record, and
 * computing it (the SZAP of the one before) is the most of IMUL's cost. Unless the
 * block may end here (the budget, an exit, the debug loop: d + 1 is not before
 * env->block_end), when the full record is made as always.
 */
static ALWAYS_INLINE void imul_flags_dead(CPUX86State *env, const Insn *d, unsigned size,
                                          uint64_t a, uint64_t b)
{
    if (unlikely(d + 1 >= env->block_end)) {
        imul_to_reg(env, d, size, a, b);
    } else if (size == 8) {
        env->regs[d->reg] = (uint64_t)((int64_t)a * (int64_t)b);
    } else {
        env->regs[d->reg] = (uint32_t)((int32_t)a * (int32_t)b);
    }
}

#define IMUL_DEAD_FORMS(size)                                                            \
    INSN_HANDLER(op_imul_Gv_Ev_r##size##_nf)                                             \
    {                                                                                    \
        imul_flags_dead(env, d, size, env->regs[d->reg], env->regs[d->rm]);              \
    }                                                                                    \
    INSN_HANDLER(op_imul_Gv_Ev_Iz_r##size##_nf)                                          \
    {                                                                                    \
        imul_flags_dead(env, d, size, env->regs[d->rm], d->imm);                         \
    }

IMUL_DEAD_FORMS(4)
IMUL_DEAD_FORMS(8)

InsnHandler *insn_without_flags(const Insn *d)
{
    static const struct {
        InsnHandler *with, *without;
    } forms[] = {
        {op_imul_Gv_Ev_r4, op_imul_Gv_Ev_r4_nf},
        {op_imul_Gv_Ev_Iz_r4, op_imul_Gv_Ev_Iz_r4_nf},
        {op_imul_Gv_Ev_r8, op_imul_Gv_Ev_r8_nf},
        {op_imul_Gv_Ev_Iz_r8, op_imul_Gv_Ev_Iz_r8_nf},
    };

    for (size_t i = 0; i < ARRAY_SIZE(forms); i++) {
        if (d->fn == forms[i].with) {
            return forms[i].without;
        }
    }
    return NULL;
}

/* [Ev or Ev,Iz][size index][mem] */
static InsnHandler *const imul_forms[2][2][2] = {
    {{op_imul_Gv_Ev_r4, op_imul_Gv_Ev_m4}, {op_imul_Gv_Ev_r8, op_imul_Gv_Ev_m8}},
    {{op_imul_Gv_Ev_Iz_r4, op_imul_Gv_Ev_Iz_m4},
     {op_imul_Gv_Ev_Iz_r8, op_imul_Gv_Ev_Iz_m8}},
};

static InsnHandler *imul_specialize(Insn *d, uint32_t hflags)
{
    int si = fast_size_idx(d->opsize);
    bool mem = d->has_modrm && d->mod != 3;

    if (si < 0) {
        return NULL;
    }
    if (d->map == MAP_0F && d->opcode == 0xaf) {
        return fast_bind(d, hflags, imul_forms[0][si][mem]);
    }
    if (d->map == MAP_NONE && (d->opcode == 0x69 || d->opcode == 0x6b)) {
        return fast_bind(d, hflags, imul_forms[1][si][mem]);
    }
    return NULL;
}
INSN_SPECIALIZER(imul_specialize)
