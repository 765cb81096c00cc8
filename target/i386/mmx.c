/* MMX register moves: MOVD, MOVQ, MOVNTQ, MASKMOVQ, MOVQ2DQ, MOVDQ2Q (SDM vol. 2). */
/*
 * The packed arithmetic on MMX registers shares its code with the XMM forms
 * (sse-int.c, sse-shuffle.c, ssse3.c); this file has the moves that only exist for
 * MMX registers or that mix them with general and XMM registers. Like every MMX
 * instruction they switch the x87 unit to MMX state, once nothing can fault.
 */
#include "target/i386/insn.h"
#include "target/i386/sse-common.h"

/* MOVD moves 32 bits; with REX.W the same opcodes are MOVQ, 64 bits. */
static unsigned movd_size(const Insn *d)
{
    return (d->rex & 0x08) ? 8 : 4;
}

static void op_movd_Pq_Ey(CPUX86State *env, const Insn *d)
{
    uint64_t v;

    fpu_mmx_check(env);
    v = ld_rm(env, d, movd_size(d));
    fpu_mmx_enter(env);
    fpu_mmx_set(env, d->reg, v);
}

static void op_movd_Ey_Pq(CPUX86State *env, const Insn *d)
{
    fpu_mmx_check(env);
    st_rm(env, d, movd_size(d), fpu_mmx_get(env, d->reg));
    fpu_mmx_enter(env);
}

static void op_movq_Pq_Qq(CPUX86State *env, const Insn *d)
{
    uint64_t v;

    fpu_mmx_check(env);
    v = mmx_ld_rm(env, d);
    fpu_mmx_enter(env);
    fpu_mmx_set(env, d->reg, v);
}

/* MOVQ Qq, Pq and MOVNTQ Mq, Pq (the non-temporal hint has no effect here) */
static void op_movq_Qq_Pq(CPUX86State *env, const Insn *d)
{
    uint64_t v;

    fpu_mmx_check(env);
    v = fpu_mmx_get(env, d->reg);
    if (d->mod != 3) {
        cpu_st(env, d->seg, insn_ea(env, d), 8, v);
    }
    fpu_mmx_enter(env);
    if (d->mod == 3) {
        fpu_mmx_set(env, d->rm, v);
    }
}

static void op_maskmovq_Pq_Nq(CPUX86State *env, const Insn *d)
{
    XMMReg data, mask;

    fpu_mmx_check(env);
    data.q[0] = fpu_mmx_get(env, d->reg);
    mask.q[0] = fpu_mmx_get(env, d->rm);
    fpu_mmx_enter(env); /* before the store can fault, as on AMD Zen 3 */
    simd_maskmov(env, d, data.b, mask.b, 8);
}

static void op_movq2dq_Vdq_Nq(CPUX86State *env, const Insn *d)
{
    sse_mmx_check(env);
    fpu_mmx_enter(env);
    env->xmm[d->reg] = (XMMReg){.q = {fpu_mmx_get(env, d->rm), 0}};
}

static void op_movdq2q_Pq_Uq(CPUX86State *env, const Insn *d)
{
    sse_mmx_check(env);
    fpu_mmx_enter(env);
    fpu_mmx_set(env, d->reg, env->xmm[d->rm].q[0]);
}

static const InsnDef mmx_insns[] = {
    {MAP_0F, 0x6e, ANY, ANY, ANY, MP_NONE, 0, op_movd_Pq_Ey, "movd"},
    {MAP_0F, 0x7e, ANY, ANY, ANY, MP_NONE, 0, op_movd_Ey_Pq, "movd"},
    {MAP_0F, 0x6f, ANY, ANY, ANY, MP_NONE, 0, op_movq_Pq_Qq, "movq"},
    {MAP_0F, 0x7f, ANY, ANY, ANY, MP_NONE, 0, op_movq_Qq_Pq, "movq"},
    {MAP_0F, 0xe7, ANY, MOD_MEM, ANY, MP_NONE, 0, op_movq_Qq_Pq, "movntq"},
    {MAP_0F, 0xf7, ANY, MOD_REG, ANY, MP_NONE, 0, op_maskmovq_Pq_Nq, "maskmovq"},
    {MAP_0F, 0xd6, ANY, MOD_REG, ANY, MP_F3, 0, op_movq2dq_Vdq_Nq, "movq2dq"},
    {MAP_0F, 0xd6, ANY, MOD_REG, ANY, MP_F2, 0, op_movdq2q_Pq_Uq, "movdq2q"},
};
INSN_TABLE(mmx_insns)
