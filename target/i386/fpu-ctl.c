/* x87 control: FWAIT FNSTSW FNSTCW FLDCW FNCLEX FNINIT FENI..., EMMS (SDM vol. 2). */
/*
 * These are the SDM's "control instructions": they leave the instruction and data
 * pointers and the last opcode alone. The FN forms do not wait for (or report) a
 * pending exception; FLDCW does, and it may itself unmask one, which then traps on
 * the next waiting instruction.
 */
#include "target/i386/fpu-int.h"
#include "target/i386/access.h"
#include "target/i386/insn.h"

/* FWAIT: #NM only with TS and MP (EM does not matter), then #MF. */
static void op_fwait(CPUX86State *env, const Insn *d)
{
    if ((env->cr[0] & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS)) {
        raise_exception(env, EXCP_NM);
    }
    fpu_check_pending(env);
}

static void op_fnstsw_ax(CPUX86State *env, const Insn *d)
{
    fpu_check_nowait(env);
    set_reg(env, R_EAX, 2, true, fpu_get_sw(env));
}

static void op_fnstsw_m16(CPUX86State *env, const Insn *d)
{
    fpu_check_nowait(env);
    cpu_st(env, d->seg, insn_ea(env, d), 2, fpu_get_sw(env));
}

static void op_fnstcw_m16(CPUX86State *env, const Insn *d)
{
    fpu_check_nowait(env);
    cpu_st(env, d->seg, insn_ea(env, d), 2, env->fpuc);
}

static void op_fldcw_m16(CPUX86State *env, const Insn *d)
{
    uint16_t cw;

    fpu_check_waiting(env);
    cw = cpu_ld(env, d->seg, insn_ea(env, d), 2);
    env->fpuc = fpu_canonical_cw(cw);
    fpu_update_es(env);
}

/* Exception flags, SF, ES and B; the condition codes stay (as on the host). */
static void op_fnclex(CPUX86State *env, const Insn *d)
{
    fpu_check_nowait(env);
    env->fpus &= ~(FPU_EXCP | FPUS_SF | FPUS_ES | FPUS_B);
}

static void op_fninit(CPUX86State *env, const Insn *d)
{
    fpu_check_nowait(env);
    fpu_reset_state(env);
}

/* FENI, FDISI (8087) and FSETPM (287): no-ops since the 387, and non-waiting. */
static void op_fnop_legacy(CPUX86State *env, const Insn *d)
{
    fpu_check_nowait(env);
}

/* Like every MMX instruction it sets TOP to 0; it empties all tags (SDM table 9-2). */
static void op_emms(CPUX86State *env, const Insn *d)
{
    fpu_mmx_check(env);
    env->fpstt = 0;
    env->fptw = FPU_TAGS_EMPTY;
}

// clang-format off
#define R(op, reg, rm, fn, name) {MAP_NONE, op, reg, MOD_REG, rm, ANY, 0, fn, name}
#define M(op, reg, fn, name) {MAP_NONE, op, reg, MOD_MEM, ANY, ANY, 0, fn, name}
// clang-format on

static const InsnDef fpu_ctl_insns[] = {
    {MAP_NONE, 0x9b, ANY, ANY, ANY, ANY, 0, op_fwait, "fwait"},
    R(0xdf, 4, 0, op_fnstsw_ax, "fnstsw"),
    M(0xdd, 7, op_fnstsw_m16, "fnstsw"),
    M(0xd9, 7, op_fnstcw_m16, "fnstcw"),
    M(0xd9, 5, op_fldcw_m16, "fldcw"),
    R(0xdb, 4, 2, op_fnclex, "fnclex"),
    R(0xdb, 4, 3, op_fninit, "fninit"),
    R(0xdb, 4, 0, op_fnop_legacy, "feni"),
    R(0xdb, 4, 1, op_fnop_legacy, "fdisi"),
    R(0xdb, 4, 4, op_fnop_legacy, "fsetpm"),
    {MAP_0F, 0x77, ANY, ANY, ANY, MP_NONE, 0, op_emms, "emms"},
};
INSN_TABLE(fpu_ctl_insns)
