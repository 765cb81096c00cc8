/* x87 state: FNSTENV FLDENV FNSAVE FRSTOR FXSAVE FXRSTOR (SDM vol. 1 8.1.10, 10.5). */
/*
 * FNSTENV/FLDENV move a 14-byte (16-bit operand size) or 28-byte (32-bit) environment
 * whose pointer part has two layouts: selector:offset in protected mode, 20- or
 * 32-bit linear addresses in real and virtual-8086 mode (SDM vol. 1 figures 8-9 to
 * 8-12). Both are seven fields of two or four bytes; the 32-bit forms fill the
 * reserved upper halves with ones, as the hardware does. FNSAVE/FRSTOR add ST(0) to
 * ST(7), 10 bytes each. Tags are stored as computed from the registers, and loaded
 * as empty or not, like the hardware's.
 *
 * FXSAVE/FXRSTOR use the 512-byte area of SDM vol. 1 table 10-2 (the REX.W forms
 * table 10-3: 64-bit FIP and FDP, no selectors), 16-byte aligned or #GP(0). Without
 * CR4.OSFXSR they leave MXCSR and the XMM registers alone, as AMD CPUs do (the SDM
 * calls it implementation dependent). Unlike AMD's FXSAVE, which hides FOP, FIP and
 * FDP unless an exception is pending, ours always stores them. MXCSR_MASK is
 * FPU_MXCSR_MASK whatever the host has (AMD's bit 17, misaligned-SSE mask, is not
 * emulated), so an image is the same on every host. Reserved bytes are written as
 * zero; bytes 416-511 are never written.
 */
#include "target/i386/fpu-int.h"
#include "target/i386/access.h"
#include "target/i386/insn.h"
#include "target/i386/sse-common.h"

#define FPU_ENV_FIELDS 7
#define FX_REGS        32  /* ST(0)..ST(7), 16 bytes each */
#define FX_XMM         160 /* XMM0..XMM15, 16 bytes each */
#define FX_SIZE        512

/* --- FNSTENV / FLDENV / FNSAVE / FRSTOR --- */

static bool fpu_env_real_mode(const CPUX86State *env)
{
    return !(env->hflags & HF_PE) || (env->hflags & HF_VM);
}

static unsigned fpu_env_width(const Insn *d)
{
    return d->opsize == 2 ? 2 : 4;
}

/* The instruction and data pointer fields; a 16-bit layout keeps the low halves. */
static void fpu_env_pointers(const CPUX86State *env, uint32_t *f)
{
    if (fpu_env_real_mode(env)) {
        uint32_t ip = (env->fpcs << 4) + (uint32_t)env->fpip;
        uint32_t dp = (env->fpds << 4) + (uint32_t)env->fpdp;
        f[0] = 0xffff0000 | (ip & 0xffff);
        f[1] = (ip >> 16) << 12 | env->fpop;
        f[2] = 0xffff0000 | (dp & 0xffff);
        f[3] = (dp >> 16) << 12;
    } else {
        f[0] = env->fpip;
        f[1] = env->fpcs | (uint32_t)env->fpop << 16;
        f[2] = env->fpdp;
        f[3] = 0xffff0000 | env->fpds;
    }
}

/* Returns the environment's size. */
static unsigned fpu_env_build(const CPUX86State *env, const Insn *d, uint8_t *p)
{
    unsigned w = fpu_env_width(d);
    uint32_t f[FPU_ENV_FIELDS] = {
        0xffff0000 | env->fpuc,
        0xffff0000 | fpu_get_sw(env),
        0xffff0000 | fpu_full_tag_word(env),
    };

    fpu_env_pointers(env, f + 3);
    for (unsigned i = 0; i < FPU_ENV_FIELDS; i++) {
        st_le(p + i * w, w, f[i]);
    }
    return FPU_ENV_FIELDS * w;
}

static void fpu_env_load_pointers(CPUX86State *env, const uint32_t *f, unsigned w)
{
    if (fpu_env_real_mode(env)) {
        env->fpip = (f[0] & 0xffff) | ((f[1] >> 12) & 0xffff) << 16;
        env->fpop = f[1] & 0x7ff;
        env->fpdp = (f[2] & 0xffff) | ((f[3] >> 12) & 0xffff) << 16;
        env->fpcs = env->fpds = 0;
        return;
    }
    env->fpip = f[0];
    env->fpcs = f[1];
    env->fpop = w == 4 ? (f[1] >> 16) & 0x7ff : 0; /* the 16-bit layout has no FOP */
    env->fpdp = f[2];
    env->fpds = f[3];
}

/* Returns the environment's size. */
static unsigned fpu_env_load(CPUX86State *env, const Insn *d, const uint8_t *p)
{
    unsigned w = fpu_env_width(d);
    uint32_t f[FPU_ENV_FIELDS];

    for (unsigned i = 0; i < FPU_ENV_FIELDS; i++) {
        f[i] = ld_le(p + i * w, w);
    }
    env->fpuc = fpu_canonical_cw(f[0]);
    fpu_set_sw(env, f[1]);
    fpu_load_tag_word(env, f[2]);
    fpu_env_load_pointers(env, f + 3, w);
    return FPU_ENV_FIELDS * w;
}

static void op_fnstenv(CPUX86State *env, const Insn *d)
{
    uint8_t buf[28];
    unsigned len;

    fpu_check_nowait(env);
    len = fpu_env_build(env, d, buf);
    fpu_st_bytes(env, d->seg, insn_ea(env, d), buf, len);
    env->fpuc |= FPU_EXCP; /* FNSTENV then masks every exception */
    fpu_update_es(env);
}

static void op_fldenv(CPUX86State *env, const Insn *d)
{
    uint8_t buf[28];

    fpu_check_waiting(env);
    fpu_ld_bytes(env, d->seg, insn_ea(env, d), buf, FPU_ENV_FIELDS * fpu_env_width(d));
    fpu_env_load(env, d, buf);
}

static void op_fnsave(CPUX86State *env, const Insn *d)
{
    uint8_t buf[28 + 80];
    unsigned len;

    fpu_check_nowait(env);
    len = fpu_env_build(env, d, buf);
    for (unsigned i = 0; i < 8; i++) {
        fpu_reg_to_bytes(&env->fpregs[(env->fpstt + i) & 7], buf + len + 10 * i);
    }
    fpu_st_bytes(env, d->seg, insn_ea(env, d), buf, len + 80);
    fpu_reset_state(env);
}

static void op_frstor(CPUX86State *env, const Insn *d)
{
    uint8_t buf[28 + 80];
    unsigned len = FPU_ENV_FIELDS * fpu_env_width(d);

    fpu_check_waiting(env);
    fpu_ld_bytes(env, d->seg, insn_ea(env, d), buf, len + 80);
    fpu_env_load(env, d, buf);
    for (unsigned i = 0; i < 8; i++) {
        fpu_reg_from_bytes(&env->fpregs[(env->fpstt + i) & 7], buf + len + 10 * i);
    }
}

/* --- FXSAVE / FXRSTOR --- */

static bool fx_rex_w(const Insn *d)
{
    return (d->rex & 0x08) != 0;
}

/* Bytes of the area an FXSAVE writes: up to the last XMM register it saves. */
static unsigned fx_len(const CPUX86State *env)
{
    if (!(env->cr[4] & CR4_OSFXSR)) {
        return FX_XMM;
    }
    return FX_XMM + 16 * (cpu_is_64bit(env) ? 16 : 8);
}

/* Returns the offset of the area, after #NM and the alignment check. */
static uint64_t fx_prologue(CPUX86State *env, const Insn *d)
{
    uint64_t ea = insn_ea(env, d);

    fpu_check_nowait(env);
    if (seg_linear(env, d->seg, ea) & 15) {
        simd_check_ac(env, d->seg, ea, 4); /* #AC wins if even 4 is not met (Zen 3) */
        raise_exception_err(env, EXCP_GP, 0);
    }
    return ea;
}

static uint8_t fx_abridged_tags(const CPUX86State *env)
{
    uint8_t tags = 0;

    for (unsigned i = 0; i < 8; i++) {
        if (((env->fptw >> (2 * i)) & 3) != FPU_TAG_EMPTY) {
            tags |= 1u << i;
        }
    }
    return tags;
}

static void fx_build_x87(const CPUX86State *env, const Insn *d, uint8_t *p)
{
    st_le(p + 0, 2, env->fpuc);
    st_le(p + 2, 2, fpu_get_sw(env));
    st_le(p + 4, 2, fx_abridged_tags(env));
    st_le(p + 6, 2, env->fpop);
    if (fx_rex_w(d)) {
        st_le(p + 8, 8, env->fpip);
        st_le(p + 16, 8, env->fpdp);
    } else {
        st_le(p + 8, 4, env->fpip);
        st_le(p + 12, 4, env->fpcs);
        st_le(p + 16, 4, env->fpdp);
        st_le(p + 20, 4, env->fpds);
    }
    for (unsigned i = 0; i < 8; i++) {
        fpu_reg_to_bytes(&env->fpregs[(env->fpstt + i) & 7], p + FX_REGS + 16 * i);
    }
}

static void op_fxsave(CPUX86State *env, const Insn *d)
{
    uint64_t ea = fx_prologue(env, d);
    unsigned len = fx_len(env);
    uint8_t p[FX_SIZE] = {0};

    fx_build_x87(env, d, p);
    if (env->cr[4] & CR4_OSFXSR) {
        st_le(p + 24, 4, env->mxcsr);
        st_le(p + 28, 4, FPU_MXCSR_MASK);
        memcpy(p + FX_XMM, env->xmm, len - FX_XMM);
    } else {
        /* MXCSR and its mask are not ours to write: store back what memory holds */
        st_le(p + 24, 8, cpu_ld(env, d->seg, ea + 24, 8));
    }
    fpu_st_bytes(env, d->seg, ea, p, len);
}

static void fx_load_x87(CPUX86State *env, const Insn *d, const uint8_t *p)
{
    uint8_t tags = p[4];

    env->fpuc = fpu_canonical_cw(ld_le(p, 2));
    fpu_set_sw(env, ld_le(p + 2, 2));
    env->fptw = 0;
    for (unsigned i = 0; i < 8; i++) {
        env->fptw |= ((tags >> i) & 1 ? 0 : FPU_TAG_EMPTY) << (2 * i);
    }
    env->fpop = ld_le(p + 6, 2) & 0x7ff;
    if (fx_rex_w(d)) {
        env->fpip = ld_le(p + 8, 8);
        env->fpdp = ld_le(p + 16, 8);
        env->fpcs = env->fpds = 0;
    } else {
        env->fpip = ld_le(p + 8, 4);
        env->fpcs = ld_le(p + 12, 2);
        env->fpdp = ld_le(p + 16, 4);
        env->fpds = ld_le(p + 20, 2);
    }
    for (unsigned i = 0; i < 8; i++) {
        fpu_reg_from_bytes(&env->fpregs[(env->fpstt + i) & 7], p + FX_REGS + 16 * i);
    }
}

static void op_fxrstor(CPUX86State *env, const Insn *d)
{
    uint64_t ea = fx_prologue(env, d);
    unsigned len = fx_len(env);
    uint8_t p[FX_SIZE];
    uint32_t mxcsr;

    fpu_ld_bytes(env, d->seg, ea, p, len);
    mxcsr = ld_le(p + 24, 4);
    if ((env->cr[4] & CR4_OSFXSR) && (mxcsr & ~FPU_MXCSR_MASK)) {
        raise_exception_err(env, EXCP_GP, 0);
    }
    fx_load_x87(env, d, p);
    if (env->cr[4] & CR4_OSFXSR) {
        env->mxcsr = mxcsr;
        memcpy(env->xmm, p + FX_XMM, len - FX_XMM);
    }
}

// clang-format off
#define M(map, op, reg, fn, name) {map, op, reg, MOD_MEM, ANY, ANY, 0, fn, name}
// clang-format on

static const InsnDef fpu_state_insns[] = {
    M(MAP_NONE, 0xd9, 4, op_fldenv, "fldenv"),
    M(MAP_NONE, 0xd9, 6, op_fnstenv, "fnstenv"),
    M(MAP_NONE, 0xdd, 4, op_frstor, "frstor"),
    M(MAP_NONE, 0xdd, 6, op_fnsave, "fnsave"),
    {MAP_0F, 0xae, 0, MOD_MEM, ANY, MP_NONE, 0, op_fxsave, "fxsave"},
    {MAP_0F, 0xae, 1, MOD_MEM, ANY, MP_NONE, 0, op_fxrstor, "fxrstor"},
};
INSN_TABLE(fpu_state_insns)
