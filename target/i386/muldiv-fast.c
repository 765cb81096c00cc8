/*
 * Specialised two- and three-operand IMUL (muldiv.c) with 32- and 64-bit operands:
 * the truncated product in the register, CF = OF = "the product does not fit",
 * recorded eagerly as muldiv.c's set_mul_flags does.
 */
#include "target/i386/fast.h"

static ALWAYS_INLINE void imul_to_reg(CPUX86State *env, const Insn *d, unsigned size,
                                      uint64_t a, uint64_t b)
{
    bool overflow;
    uint64_t lo;

    if (size == 8) {
        __int128 p = (__int128)(int64_t)a * (int64_t)b;
        lo = (uint64_t)p;
        overflow = p != (__int128)(int64_t)lo;
    } else {
        int64_t p = (int64_t)(int32_t)a * (int32_t)b;
        lo = (uint32_t)p;
        overflow = p != (int64_t)(int32_t)p;
    }
    env->regs[d->reg] = lo;
    /* cc_set_flags(env, CF|OF or 0, CC_C | CC_O), without its generic mask test */
    env->cc_src =
        (cc_compute_all(env) & ~(uint32_t)(CC_C | CC_O)) | (overflow ? CC_C | CC_O : 0);
    env->cc_dst = 0;
    env->cc_op = CC_OP_EFLAGS;
}

#define IMUL_FORMS(size)                                                                 \
    static void op_imul_Gv_Ev_r##size(CPUX86State *env, const Insn *d)                   \
    {                                                                                    \
        imul_to_reg(env, d, size, env->regs[d->reg], env->regs[d->rm]);                  \
    }                                                                                    \
    static void op_imul_Gv_Ev_m##size(CPUX86State *env, const Insn *d)                   \
    {                                                                                    \
        uint64_t b = cpu_ld(env, d->seg, insn_ea(env, d), size);                         \
        imul_to_reg(env, d, size, env->regs[d->reg], b);                                 \
    }                                                                                    \
    static void op_imul_Gv_Ev_Iz_r##size(CPUX86State *env, const Insn *d)                \
    {                                                                                    \
        imul_to_reg(env, d, size, env->regs[d->rm], d->imm);                             \
    }                                                                                    \
    static void op_imul_Gv_Ev_Iz_m##size(CPUX86State *env, const Insn *d)                \
    {                                                                                    \
        uint64_t a = cpu_ld(env, d->seg, insn_ea(env, d), size);                         \
        imul_to_reg(env, d, size, a, d->imm);                                            \
    }

IMUL_FORMS(4)
IMUL_FORMS(8)

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
        return imul_forms[0][si][mem];
    }
    if (d->map == MAP_NONE && (d->opcode == 0x69 || d->opcode == 0x6b)) {
        return imul_forms[1][si][mem];
    }
    return NULL;
}
INSN_SPECIALIZER(imul_specialize)
