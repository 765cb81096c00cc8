/* x87 loads, stores, arithmetic, comparisons, constants, stack ops (Intel SDM vol. 2). */
/*
 * Every instruction here runs on the host's x87 (fpu-host.c explains why that is
 * exact), so the handlers differ only in their memory operand - its size and
 * whether it is read or written - and in the EFLAGS that FCMOVcc reads and FCOMI
 * writes. The table names each form after the manual.
 */
#include "target/i386/fpu-int.h"
#include "target/i386/insn.h"

static void op_fpu_read_m16(CPUX86State *env, const Insn *d)
{
    fpu_exec(env, d, 2, 0, 0);
}

static void op_fpu_read_m32(CPUX86State *env, const Insn *d)
{
    fpu_exec(env, d, 4, 0, 0);
}

static void op_fpu_read_m64(CPUX86State *env, const Insn *d)
{
    fpu_exec(env, d, 8, 0, 0);
}

static void op_fpu_read_m80(CPUX86State *env, const Insn *d)
{
    fpu_exec(env, d, 10, 0, 0);
}

static void op_fpu_write_m16(CPUX86State *env, const Insn *d)
{
    fpu_exec(env, d, 0, 2, 0);
}

static void op_fpu_write_m32(CPUX86State *env, const Insn *d)
{
    fpu_exec(env, d, 0, 4, 0);
}

static void op_fpu_write_m64(CPUX86State *env, const Insn *d)
{
    fpu_exec(env, d, 0, 8, 0);
}

static void op_fpu_write_m80(CPUX86State *env, const Insn *d)
{
    fpu_exec(env, d, 0, 10, 0);
}

/* Register-stack forms: ST(0), ST(i) or no operand. */
static void op_fpu_st(CPUX86State *env, const Insn *d)
{
    fpu_exec(env, d, 0, 0, 0);
}

static void op_fcmov_st_sti(CPUX86State *env, const Insn *d)
{
    fpu_exec(env, d, 0, 0, FPU_FLAGS_IN);
}

static void op_fcomi_st_sti(CPUX86State *env, const Insn *d)
{
    fpu_exec(env, d, 0, 0, FPU_FLAGS_IN | FPU_FLAGS_OUT);
}

// clang-format off
#define M(op, reg, fn, name) {MAP_NONE, op, reg, MOD_MEM, ANY, ANY, 0, fn, name}
#define R(op, reg, rm, fn, name) {MAP_NONE, op, reg, MOD_REG, rm, ANY, 0, fn, name}
// clang-format on

static const InsnDef fpu_arith_insns[] = {
    /* D8: ST(0) op m32real, ST(0) op ST(i) */
    M(0xd8, 0, op_fpu_read_m32, "fadd"),
    M(0xd8, 1, op_fpu_read_m32, "fmul"),
    M(0xd8, 2, op_fpu_read_m32, "fcom"),
    M(0xd8, 3, op_fpu_read_m32, "fcomp"),
    M(0xd8, 4, op_fpu_read_m32, "fsub"),
    M(0xd8, 5, op_fpu_read_m32, "fsubr"),
    M(0xd8, 6, op_fpu_read_m32, "fdiv"),
    M(0xd8, 7, op_fpu_read_m32, "fdivr"),
    R(0xd8, 0, ANY, op_fpu_st, "fadd"),
    R(0xd8, 1, ANY, op_fpu_st, "fmul"),
    R(0xd8, 2, ANY, op_fpu_st, "fcom"),
    R(0xd8, 3, ANY, op_fpu_st, "fcomp"),
    R(0xd8, 4, ANY, op_fpu_st, "fsub"),
    R(0xd8, 5, ANY, op_fpu_st, "fsubr"),
    R(0xd8, 6, ANY, op_fpu_st, "fdiv"),
    R(0xd8, 7, ANY, op_fpu_st, "fdivr"),
    /* D9: m32real loads and stores; register and no-operand forms */
    M(0xd9, 0, op_fpu_read_m32, "fld"),
    M(0xd9, 2, op_fpu_write_m32, "fst"),
    M(0xd9, 3, op_fpu_write_m32, "fstp"),
    R(0xd9, 0, ANY, op_fpu_st, "fld"),
    R(0xd9, 1, ANY, op_fpu_st, "fxch"),
    R(0xd9, 2, 0, op_fpu_st, "fnop"),
    R(0xd9, 3, ANY, op_fpu_st, "fstp1"),
    R(0xd9, 4, 0, op_fpu_st, "fchs"),
    R(0xd9, 4, 1, op_fpu_st, "fabs"),
    R(0xd9, 4, 4, op_fpu_st, "ftst"),
    R(0xd9, 4, 5, op_fpu_st, "fxam"),
    /* the constants round by RC like any result (pi, logs: the last bit differs) */
    R(0xd9, 5, 0, op_fpu_st, "fld1"),
    R(0xd9, 5, 1, op_fpu_st, "fldl2t"),
    R(0xd9, 5, 2, op_fpu_st, "fldl2e"),
    R(0xd9, 5, 3, op_fpu_st, "fldpi"),
    R(0xd9, 5, 4, op_fpu_st, "fldlg2"),
    R(0xd9, 5, 5, op_fpu_st, "fldln2"),
    R(0xd9, 5, 6, op_fpu_st, "fldz"),
    R(0xd9, 6, 4, op_fpu_st, "fxtract"),
    R(0xd9, 6, 5, op_fpu_st, "fprem1"),
    R(0xd9, 6, 6, op_fpu_st, "fdecstp"),
    R(0xd9, 6, 7, op_fpu_st, "fincstp"),
    R(0xd9, 7, 0, op_fpu_st, "fprem"),
    R(0xd9, 7, 2, op_fpu_st, "fsqrt"),
    R(0xd9, 7, 4, op_fpu_st, "frndint"),
    R(0xd9, 7, 5, op_fpu_st, "fscale"),
    /* DA: ST(0) op m32int; FCMOVcc; FUCOMPP */
    M(0xda, 0, op_fpu_read_m32, "fiadd"),
    M(0xda, 1, op_fpu_read_m32, "fimul"),
    M(0xda, 2, op_fpu_read_m32, "ficom"),
    M(0xda, 3, op_fpu_read_m32, "ficomp"),
    M(0xda, 4, op_fpu_read_m32, "fisub"),
    M(0xda, 5, op_fpu_read_m32, "fisubr"),
    M(0xda, 6, op_fpu_read_m32, "fidiv"),
    M(0xda, 7, op_fpu_read_m32, "fidivr"),
    R(0xda, 0, ANY, op_fcmov_st_sti, "fcmovb"),
    R(0xda, 1, ANY, op_fcmov_st_sti, "fcmove"),
    R(0xda, 2, ANY, op_fcmov_st_sti, "fcmovbe"),
    R(0xda, 3, ANY, op_fcmov_st_sti, "fcmovu"),
    R(0xda, 5, 1, op_fpu_st, "fucompp"),
    /* DB: m32int loads and stores, m80real; FCMOVNcc; FUCOMI, FCOMI */
    M(0xdb, 0, op_fpu_read_m32, "fild"),
    M(0xdb, 1, op_fpu_write_m32, "fisttp"),
    M(0xdb, 2, op_fpu_write_m32, "fist"),
    M(0xdb, 3, op_fpu_write_m32, "fistp"),
    M(0xdb, 5, op_fpu_read_m80, "fld"),
    M(0xdb, 7, op_fpu_write_m80, "fstp"),
    R(0xdb, 0, ANY, op_fcmov_st_sti, "fcmovnb"),
    R(0xdb, 1, ANY, op_fcmov_st_sti, "fcmovne"),
    R(0xdb, 2, ANY, op_fcmov_st_sti, "fcmovnbe"),
    R(0xdb, 3, ANY, op_fcmov_st_sti, "fcmovnu"),
    R(0xdb, 5, ANY, op_fcomi_st_sti, "fucomi"),
    R(0xdb, 6, ANY, op_fcomi_st_sti, "fcomi"),
    /* DC: ST(0) op m64real, ST(i) op ST(0) */
    M(0xdc, 0, op_fpu_read_m64, "fadd"),
    M(0xdc, 1, op_fpu_read_m64, "fmul"),
    M(0xdc, 2, op_fpu_read_m64, "fcom"),
    M(0xdc, 3, op_fpu_read_m64, "fcomp"),
    M(0xdc, 4, op_fpu_read_m64, "fsub"),
    M(0xdc, 5, op_fpu_read_m64, "fsubr"),
    M(0xdc, 6, op_fpu_read_m64, "fdiv"),
    M(0xdc, 7, op_fpu_read_m64, "fdivr"),
    R(0xdc, 0, ANY, op_fpu_st, "fadd"),
    R(0xdc, 1, ANY, op_fpu_st, "fmul"),
    R(0xdc, 2, ANY, op_fpu_st, "fcom2"),
    R(0xdc, 3, ANY, op_fpu_st, "fcomp3"),
    R(0xdc, 4, ANY, op_fpu_st, "fsubr"),
    R(0xdc, 5, ANY, op_fpu_st, "fsub"),
    R(0xdc, 6, ANY, op_fpu_st, "fdivr"),
    R(0xdc, 7, ANY, op_fpu_st, "fdiv"),
    /* DD: m64real loads and stores; FFREE, FST(P) ST(i), FUCOM(P) */
    M(0xdd, 0, op_fpu_read_m64, "fld"),
    M(0xdd, 1, op_fpu_write_m64, "fisttp"),
    M(0xdd, 2, op_fpu_write_m64, "fst"),
    M(0xdd, 3, op_fpu_write_m64, "fstp"),
    R(0xdd, 0, ANY, op_fpu_st, "ffree"),
    R(0xdd, 1, ANY, op_fpu_st, "fxch4"),
    R(0xdd, 2, ANY, op_fpu_st, "fst"),
    R(0xdd, 3, ANY, op_fpu_st, "fstp"),
    R(0xdd, 4, ANY, op_fpu_st, "fucom"),
    R(0xdd, 5, ANY, op_fpu_st, "fucomp"),
    /* DE: ST(0) op m16int; the popping register forms */
    M(0xde, 0, op_fpu_read_m16, "fiadd"),
    M(0xde, 1, op_fpu_read_m16, "fimul"),
    M(0xde, 2, op_fpu_read_m16, "ficom"),
    M(0xde, 3, op_fpu_read_m16, "ficomp"),
    M(0xde, 4, op_fpu_read_m16, "fisub"),
    M(0xde, 5, op_fpu_read_m16, "fisubr"),
    M(0xde, 6, op_fpu_read_m16, "fidiv"),
    M(0xde, 7, op_fpu_read_m16, "fidivr"),
    R(0xde, 0, ANY, op_fpu_st, "faddp"),
    R(0xde, 1, ANY, op_fpu_st, "fmulp"),
    R(0xde, 2, ANY, op_fpu_st, "fcomp5"),
    R(0xde, 3, 1, op_fpu_st, "fcompp"),
    R(0xde, 4, ANY, op_fpu_st, "fsubrp"),
    R(0xde, 5, ANY, op_fpu_st, "fsubp"),
    R(0xde, 6, ANY, op_fpu_st, "fdivrp"),
    R(0xde, 7, ANY, op_fpu_st, "fdivp"),
    /* DF: m16int and m64int, packed BCD; FFREEP and aliases, FUCOMIP, FCOMIP */
    M(0xdf, 0, op_fpu_read_m16, "fild"),
    M(0xdf, 1, op_fpu_write_m16, "fisttp"),
    M(0xdf, 2, op_fpu_write_m16, "fist"),
    M(0xdf, 3, op_fpu_write_m16, "fistp"),
    M(0xdf, 4, op_fpu_read_m80, "fbld"),
    M(0xdf, 5, op_fpu_read_m64, "fild"),
    M(0xdf, 6, op_fpu_write_m80, "fbstp"),
    M(0xdf, 7, op_fpu_write_m64, "fistp"),
    R(0xdf, 0, ANY, op_fpu_st, "ffreep"),
    R(0xdf, 1, ANY, op_fpu_st, "fxch7"),
    R(0xdf, 2, ANY, op_fpu_st, "fstp8"),
    R(0xdf, 3, ANY, op_fpu_st, "fstp9"),
    R(0xdf, 5, ANY, op_fcomi_st_sti, "fucomip"),
    R(0xdf, 6, ANY, op_fcomi_st_sti, "fcomip"),
};
INSN_TABLE(fpu_arith_insns)
