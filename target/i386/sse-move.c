/* SSE/SSE2/SSE3 XMM moves, non-temporal stores, LDMXCSR and STMXCSR (SDM vol. 2). */
/*
 * Full-register moves differ only in whether a memory operand must be 16-byte
 * aligned (MOVAPS, MOVDQA, MOVNT*) or not (MOVUPS, MOVDQU, LDDQU). Scalar and
 * half-register moves follow one rule: a load from memory into the low lanes
 * clears the rest of the register (MOVSS, MOVSD, MOVQ, MOVD), a register-to-
 * register MOVSS/MOVSD merges, and MOVLPS/MOVHPS-style moves replace one half.
 */
#include "target/i386/insn.h"
#include "target/i386/sse-common.h"

/* --- whole registers --- */

static void sse_move_load(CPUX86State *env, const Insn *d, SimdAlign align)
{
    XMMReg v;

    sse_check(env);
    sse_ld_rm(env, d, &v, align);
    env->xmm[d->reg] = v;
}

static void sse_move_store(CPUX86State *env, const Insn *d, SimdAlign align)
{
    sse_check(env);
    sse_st_rm(env, d, &env->xmm[d->reg], align);
}

/* MOVAPS MOVAPD MOVDQA */
static void op_movdqa_Vx_Wx(CPUX86State *env, const Insn *d)
{
    sse_move_load(env, d, SIMD_ALIGNED);
}

/* MOVUPS MOVUPD MOVDQU LDDQU */
static void op_movdqu_Vx_Wx(CPUX86State *env, const Insn *d)
{
    sse_move_load(env, d, SIMD_UNALIGNED);
}

/* MOVAPS MOVAPD MOVDQA MOVNTPS MOVNTPD MOVNTDQ (the hint has no effect here) */
static void op_movdqa_Wx_Vx(CPUX86State *env, const Insn *d)
{
    sse_move_store(env, d, SIMD_ALIGNED);
}

/* MOVUPS MOVUPD MOVDQU */
static void op_movdqu_Wx_Vx(CPUX86State *env, const Insn *d)
{
    sse_move_store(env, d, SIMD_UNALIGNED);
}

/* --- scalars: MOVSS, MOVSD --- */

/* A register source merges into the low size bytes; memory clears the rest. */
static void sse_move_scalar_load(CPUX86State *env, const Insn *d, unsigned size)
{
    uint64_t v;

    sse_check(env);
    v = sse_ld_rm_scalar(env, d, size);
    if (d->mod != 3) {
        env->xmm[d->reg] = (XMMReg){0};
    }
    memcpy(env->xmm[d->reg].b, &v, size);
}

static void sse_move_scalar_store(CPUX86State *env, const Insn *d, unsigned size)
{
    uint64_t v = env->xmm[d->reg].q[0];

    sse_check(env);
    if (d->mod == 3) {
        memcpy(env->xmm[d->rm].b, &v, size);
    } else {
        cpu_st(env, d->seg, insn_ea(env, d), size, v);
    }
}

static void op_movss_Vss_Wss(CPUX86State *env, const Insn *d)
{
    sse_move_scalar_load(env, d, 4);
}

static void op_movsd_Vsd_Wsd(CPUX86State *env, const Insn *d)
{
    sse_move_scalar_load(env, d, 8);
}

static void op_movss_Wss_Vss(CPUX86State *env, const Insn *d)
{
    sse_move_scalar_store(env, d, 4);
}

static void op_movsd_Wsd_Vsd(CPUX86State *env, const Insn *d)
{
    sse_move_scalar_store(env, d, 8);
}

/* --- quadword halves: MOVLPS MOVHPS MOVLPD MOVHPD MOVHLPS MOVLHPS --- */

/* Replace quadword `half` of the destination with 8 bytes of memory. */
static void sse_load_half(CPUX86State *env, const Insn *d, unsigned half)
{
    uint64_t v;

    sse_check(env);
    v = cpu_ld(env, d->seg, insn_ea(env, d), 8);
    env->xmm[d->reg].q[half] = v;
}

static void sse_store_half(CPUX86State *env, const Insn *d, unsigned half)
{
    sse_check(env);
    cpu_st(env, d->seg, insn_ea(env, d), 8, env->xmm[d->reg].q[half]);
}

static void op_movlps_Vq_Mq(CPUX86State *env, const Insn *d)
{
    sse_load_half(env, d, 0);
}

static void op_movhps_Vq_Mq(CPUX86State *env, const Insn *d)
{
    sse_load_half(env, d, 1);
}

static void op_movlps_Mq_Vq(CPUX86State *env, const Insn *d)
{
    sse_store_half(env, d, 0);
}

static void op_movhps_Mq_Vq(CPUX86State *env, const Insn *d)
{
    sse_store_half(env, d, 1);
}

static void op_movhlps_Vq_Uq(CPUX86State *env, const Insn *d)
{
    sse_check(env);
    env->xmm[d->reg].q[0] = env->xmm[d->rm].q[1];
}

static void op_movlhps_Vq_Uq(CPUX86State *env, const Insn *d)
{
    sse_check(env);
    env->xmm[d->reg].q[1] = env->xmm[d->rm].q[0];
}

/* --- MOVD, MOVQ --- */

/* MOVD moves 32 bits; with REX.W the same opcodes are MOVQ, 64 bits. */
static unsigned movd_size(const Insn *d)
{
    return (d->rex & 0x08) ? 8 : 4;
}

static void op_movd_Vx_Ey(CPUX86State *env, const Insn *d)
{
    uint64_t v;

    sse_check(env);
    v = ld_rm(env, d, movd_size(d));
    env->xmm[d->reg] = (XMMReg){.q = {v, 0}};
}

static void op_movd_Ey_Vx(CPUX86State *env, const Insn *d)
{
    sse_check(env);
    st_rm(env, d, movd_size(d), env->xmm[d->reg].q[0]);
}

/* F3 0F 7E: MOVQ xmm, xmm/m64 clears the high quadword either way. */
static void op_movq_Vx_Wq(CPUX86State *env, const Insn *d)
{
    uint64_t v;

    sse_check(env);
    v = sse_ld_rm_scalar(env, d, 8);
    env->xmm[d->reg] = (XMMReg){.q = {v, 0}};
}

/* 66 0F D6: MOVQ xmm/m64, xmm; a register destination's high quadword is cleared. */
static void op_movq_Wq_Vx(CPUX86State *env, const Insn *d)
{
    uint64_t v = env->xmm[d->reg].q[0];

    sse_check(env);
    if (d->mod == 3) {
        env->xmm[d->rm] = (XMMReg){.q = {v, 0}};
    } else {
        cpu_st(env, d->seg, insn_ea(env, d), 8, v);
    }
}

/* --- MASKMOVDQU, MOVNTI --- */

static void op_maskmovdqu_Vdq_Udq(CPUX86State *env, const Insn *d)
{
    sse_check(env);
    simd_maskmov(env, d, env->xmm[d->reg].b, env->xmm[d->rm].b, 16);
}

/* A general-register store: none of the SSE control-register checks apply. */
static void op_movnti_My_Gy(CPUX86State *env, const Insn *d)
{
    cpu_st(env, d->seg, insn_ea(env, d), d->opsize, ld_reg(env, d, d->opsize));
}

/* --- MXCSR --- */

static void op_ldmxcsr_Md(CPUX86State *env, const Insn *d)
{
    uint32_t v;

    sse_check(env);
    v = cpu_ld(env, d->seg, insn_ea(env, d), 4);
    if (v & ~FPU_MXCSR_MASK) {
        raise_exception_err(env, EXCP_GP, 0);
    }
    env->mxcsr = v;
}

static void op_stmxcsr_Md(CPUX86State *env, const Insn *d)
{
    sse_check(env);
    cpu_st(env, d->seg, insn_ea(env, d), 4, env->mxcsr);
}

/* clang-format off */
#define ROW(opcode, mod, prefix, fn, name)                                               \
    {MAP_0F, opcode, ANY, mod, ANY, prefix, 0, fn, name}
/* clang-format on */

static const InsnDef sse_move_insns[] = {
    ROW(0x10, ANY, MP_NONE, op_movdqu_Vx_Wx, "movups"),
    ROW(0x10, ANY, MP_66, op_movdqu_Vx_Wx, "movupd"),
    ROW(0x10, ANY, MP_F3, op_movss_Vss_Wss, "movss"),
    ROW(0x10, ANY, MP_F2, op_movsd_Vsd_Wsd, "movsd"),
    ROW(0x11, ANY, MP_NONE, op_movdqu_Wx_Vx, "movups"),
    ROW(0x11, ANY, MP_66, op_movdqu_Wx_Vx, "movupd"),
    ROW(0x11, ANY, MP_F3, op_movss_Wss_Vss, "movss"),
    ROW(0x11, ANY, MP_F2, op_movsd_Wsd_Vsd, "movsd"),
    ROW(0x12, MOD_MEM, MP_NONE, op_movlps_Vq_Mq, "movlps"),
    ROW(0x12, MOD_REG, MP_NONE, op_movhlps_Vq_Uq, "movhlps"),
    ROW(0x12, MOD_MEM, MP_66, op_movlps_Vq_Mq, "movlpd"),
    ROW(0x13, MOD_MEM, MP_NONE, op_movlps_Mq_Vq, "movlps"),
    ROW(0x13, MOD_MEM, MP_66, op_movlps_Mq_Vq, "movlpd"),
    ROW(0x16, MOD_MEM, MP_NONE, op_movhps_Vq_Mq, "movhps"),
    ROW(0x16, MOD_REG, MP_NONE, op_movlhps_Vq_Uq, "movlhps"),
    ROW(0x16, MOD_MEM, MP_66, op_movhps_Vq_Mq, "movhpd"),
    ROW(0x17, MOD_MEM, MP_NONE, op_movhps_Mq_Vq, "movhps"),
    ROW(0x17, MOD_MEM, MP_66, op_movhps_Mq_Vq, "movhpd"),
    ROW(0x28, ANY, MP_NONE, op_movdqa_Vx_Wx, "movaps"),
    ROW(0x28, ANY, MP_66, op_movdqa_Vx_Wx, "movapd"),
    ROW(0x29, ANY, MP_NONE, op_movdqa_Wx_Vx, "movaps"),
    ROW(0x29, ANY, MP_66, op_movdqa_Wx_Vx, "movapd"),
    ROW(0x2b, MOD_MEM, MP_NONE, op_movdqa_Wx_Vx, "movntps"),
    ROW(0x2b, MOD_MEM, MP_66, op_movdqa_Wx_Vx, "movntpd"),
    ROW(0x6e, ANY, MP_66, op_movd_Vx_Ey, "movd"),
    ROW(0x7e, ANY, MP_66, op_movd_Ey_Vx, "movd"),
    ROW(0x7e, ANY, MP_F3, op_movq_Vx_Wq, "movq"),
    ROW(0xd6, ANY, MP_66, op_movq_Wq_Vx, "movq"),
    ROW(0x6f, ANY, MP_66, op_movdqa_Vx_Wx, "movdqa"),
    ROW(0x6f, ANY, MP_F3, op_movdqu_Vx_Wx, "movdqu"),
    ROW(0x7f, ANY, MP_66, op_movdqa_Wx_Vx, "movdqa"),
    ROW(0x7f, ANY, MP_F3, op_movdqu_Wx_Vx, "movdqu"),
    ROW(0xe7, MOD_MEM, MP_66, op_movdqa_Wx_Vx, "movntdq"),
    ROW(0xf0, MOD_MEM, MP_F2, op_movdqu_Vx_Wx, "lddqu"),
    ROW(0xf7, MOD_REG, MP_66, op_maskmovdqu_Vdq_Udq, "maskmovdqu"),
    ROW(0xc3, MOD_MEM, MP_NONE, op_movnti_My_Gy, "movnti"),
    {MAP_0F, 0xae, 2, MOD_MEM, ANY, MP_NONE, 0, op_ldmxcsr_Md, "ldmxcsr"},
    {MAP_0F, 0xae, 3, MOD_MEM, ANY, MP_NONE, 0, op_stmxcsr_Md, "stmxcsr"},
};
INSN_TABLE(sse_move_insns)
