/* Small ones: CLC/STC/CMC, CLD/STD, XLAT, SALC, UD2, fences, CLFLUSH (SDM vol. 2). */
#include "target/i386/access.h"
#include "target/i386/flags.h"
#include "target/i386/insn.h"

/* --- carry and direction flags --- */

static void op_clc(CPUX86State *env, const Insn *d)
{
    cc_set_flags(env, 0, CC_C);
}

static void op_stc(CPUX86State *env, const Insn *d)
{
    cc_set_flags(env, CC_C, CC_C);
}

static void op_cmc(CPUX86State *env, const Insn *d)
{
    cc_set_flags(env, cc_compute_c(env) ? 0 : CC_C, CC_C);
}

static void op_cld(CPUX86State *env, const Insn *d)
{
    env->eflags &= ~DF_MASK;
}

static void op_std(CPUX86State *env, const Insn *d)
{
    env->eflags |= DF_MASK;
}

/* --- XLAT: AL = [seg:rBX + AL] at the address size --- */

static void op_xlat(CPUX86State *env, const Insn *d)
{
    int seg = (d->prefix & PFX_SEG) ? d->seg : R_DS;
    uint64_t addr = (env->regs[R_EBX] + (env->regs[R_EAX] & 0xff)) & addr_mask(d);
    set_reg(env, R_EAX, 1, true, cpu_ld(env, seg, addr, 1));
}

/* SALC (undocumented, D6): AL = CF ? 0xff : 0, flags untouched. */
static void op_salc(CPUX86State *env, const Insn *d)
{
    set_reg(env, R_EAX, 1, true, cc_compute_c(env) ? 0xff : 0);
}

static void op_ud2(CPUX86State *env, const Insn *d)
{
    raise_exception(env, EXCP_UD);
}

/* One CPU, no store buffer: memory is always ordered. */
static void op_fence(CPUX86State *env, const Insn *d)
{
}

/* No cache to flush, but the address must be valid: fault as a byte load would. */
static void op_clflush_Mb(CPUX86State *env, const Insn *d)
{
    cpu_ld(env, d->seg, insn_ea(env, d), 1);
}

static const InsnDef misc_insns[] = {
    {MAP_NONE, 0xf5, ANY, ANY, ANY, ANY, 0, op_cmc, "cmc"},
    {MAP_NONE, 0xf8, ANY, ANY, ANY, ANY, 0, op_clc, "clc"},
    {MAP_NONE, 0xf9, ANY, ANY, ANY, ANY, 0, op_stc, "stc"},
    {MAP_NONE, 0xfc, ANY, ANY, ANY, ANY, 0, op_cld, "cld"},
    {MAP_NONE, 0xfd, ANY, ANY, ANY, ANY, 0, op_std, "std"},
    {MAP_NONE, 0xd7, ANY, ANY, ANY, ANY, 0, op_xlat, "xlat"},
    {MAP_NONE, 0xd6, ANY, ANY, ANY, ANY, IF_NO64, op_salc, "salc"},
    {MAP_0F, 0x0b, ANY, ANY, ANY, ANY, 0, op_ud2, "ud2"},
    {MAP_0F, 0xae, 5, MOD_REG, ANY, MP_NONE, 0, op_fence, "lfence"},
    {MAP_0F, 0xae, 6, MOD_REG, ANY, MP_NONE, 0, op_fence, "mfence"},
    {MAP_0F, 0xae, 7, MOD_REG, ANY, MP_NONE, 0, op_fence, "sfence"},
    {MAP_0F, 0xae, 7, MOD_MEM, ANY, MP_NONE, 0, op_clflush_Mb, "clflush"},
};
INSN_TABLE(misc_insns)
