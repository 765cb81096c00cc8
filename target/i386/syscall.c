/*
 * Fast system calls: SYSCALL/SYSRET (AMD APM vol. 3, vol. 2 chapter 6.1.1), and
 * SYSENTER/SYSEXIT and SWAPGS (Intel SDM vol. 2; vol. 3 chapter 5.8.7-5.8.8).
 *
 * None of them reads a descriptor: each loads CS and SS with fixed flat attributes
 * derived from selectors in MSRs (STAR, SYSENTER_CS). Where Intel and AMD differ the
 * AMD behaviour is chosen, since CPUID says AuthenticAMD: SYSCALL works outside
 * 64-bit mode, and SYSRET to a non-canonical RCX does not fault at CPL 0 (Intel
 * raises #GP(0) there, still in the kernel); the return completes and the fetch at
 * the bad address faults at CPL 3. SYSENTER/SYSEXIT follow Intel in long mode too
 * (where AMD raises #UD), so software written for either keeps working.
 */
#include "target/i386/access.h"
#include "target/i386/cpuid.h"
#include "target/i386/desc.h"
#include "target/i386/flags.h"
#include "target/i386/insn.h"

#define STAR_SYSCALL_SHIFT 32 /* STAR[47:32]: SYSCALL CS; SS is CS + 8 */
#define STAR_SYSRET_SHIFT  48 /* STAR[63:48]: SYSRET CS (+16 for 64-bit); SS is +8 */

/* --- flat segments --- */

static void load_flat_code(CPUX86State *env, uint16_t sel, unsigned dpl, bool code64)
{
    uint32_t flags = DESC_P | DESC_S | DESC_CS | DESC_R | DESC_A | DESC_G |
                     (dpl << DESC_DPL_SHIFT) | (code64 ? DESC_L : DESC_B);
    cpu_set_seg_raw(env, R_CS, sel, 0, 0xffffffff, flags);
}

static void load_flat_stack(CPUX86State *env, uint16_t sel, unsigned dpl)
{
    uint32_t flags =
        DESC_P | DESC_S | DESC_W | DESC_A | DESC_G | DESC_B | (dpl << DESC_DPL_SHIFT);
    cpu_set_seg_raw(env, R_SS, sel, 0, 0xffffffff, flags);
}

static bool long_mode(const CPUX86State *env)
{
    return (env->efer & EFER_LMA) != 0;
}

/* --- SYSCALL / SYSRET --- */

static void require_sce(CPUX86State *env)
{
    if (!(env->efer & EFER_SCE) || !cpu_has_feature(env, FEAT_SYSCALL)) {
        raise_exception(env, EXCP_UD);
    }
}

/* Long mode: RCX and R11 keep the return state, RFLAGS is masked by FMASK. */
static void syscall_long(CPUX86State *env, uint16_t cs)
{
    uint64_t target = cpu_is_64bit(env) ? env->lstar : env->cstar;
    uint32_t rflags = cpu_get_eflags(env);

    env->regs[R_ECX] = env->next_rip;
    env->regs[R_R11] = rflags & ~RF_MASK;
    cpu_set_eflags(env, 0, (uint32_t)env->fmask | RF_MASK);
    load_flat_stack(env, cs + 8, 0);
    load_flat_code(env, cs, 0, true);
    env->next_rip = target;
}

static void syscall_legacy(CPUX86State *env, uint16_t cs)
{
    env->regs[R_ECX] = (uint32_t)env->next_rip;
    env->eflags &= ~(VM_MASK | IF_MASK | RF_MASK);
    load_flat_stack(env, cs + 8, 0);
    load_flat_code(env, cs, 0, false);
    env->next_rip = (uint32_t)env->star;
}

static void op_syscall(CPUX86State *env, const Insn *d)
{
    uint16_t cs = (env->star >> STAR_SYSCALL_SHIFT) & SEL_MASK;

    require_sce(env);
    if (long_mode(env)) {
        syscall_long(env, cs);
    } else {
        syscall_legacy(env, cs);
    }
}

/* 64-bit SYSRET (REX.W) returns to CS = STAR[63:48] + 16, compatibility mode to +0. */
static void sysret_long(CPUX86State *env, uint16_t base, bool to64)
{
    uint64_t rip = to64 ? env->regs[R_ECX] : (uint32_t)env->regs[R_ECX];
    uint32_t rflags = (uint32_t)env->regs[R_R11] & ~(RF_MASK | VM_MASK);

    cpu_set_eflags(env, rflags | EFLAGS_FIXED, ~0u);
    load_flat_stack(env, (base + 8) | 3, 3);
    load_flat_code(env, (base + (to64 ? 16 : 0)) | 3, 3, to64);
    env->next_rip = rip;
}

static void sysret_legacy(CPUX86State *env, uint16_t base)
{
    env->eflags |= IF_MASK;
    load_flat_stack(env, (base + 8) | 3, 3);
    load_flat_code(env, base | 3, 3, false);
    env->next_rip = (uint32_t)env->regs[R_ECX];
}

static void op_sysret(CPUX86State *env, const Insn *d)
{
    uint16_t base = (env->star >> STAR_SYSRET_SHIFT) & SEL_MASK;

    require_sce(env);
    if (!cpu_protected(env) || cpu_cpl(env) != 0) {
        raise_exception_err(env, EXCP_GP, 0);
    }
    if (long_mode(env)) {
        sysret_long(env, base, d->opsize == 8);
    } else {
        sysret_legacy(env, base);
    }
}

/* --- SYSENTER / SYSEXIT --- */

static uint16_t sysenter_cs(CPUX86State *env)
{
    uint16_t cs = env->sysenter_cs & SEL_MASK;

    if (!(env->cr[0] & CR0_PE) || cs == 0) {
        raise_exception_err(env, EXCP_GP, 0);
    }
    return cs;
}

static void op_sysenter(CPUX86State *env, const Insn *d)
{
    uint16_t cs;

    if (!cpu_has_feature(env, FEAT_SEP)) {
        raise_exception(env, EXCP_UD);
    }
    cs = sysenter_cs(env);
    env->eflags &= ~(VM_MASK | IF_MASK | RF_MASK);
    load_flat_stack(env, cs + 8, 0);
    load_flat_code(env, cs, 0, long_mode(env));
    if (long_mode(env)) {
        env->regs[R_ESP] = env->sysenter_esp;
        env->next_rip = env->sysenter_eip;
    } else {
        env->regs[R_ESP] = (uint32_t)env->sysenter_esp;
        env->next_rip = (uint32_t)env->sysenter_eip;
    }
}

/* REX.W SYSEXIT returns to 64-bit code at SYSENTER_CS + 32, else to 32-bit at +16. */
static void op_sysexit(CPUX86State *env, const Insn *d)
{
    bool to64 = d->opsize == 8;
    uint64_t mask = to64 ? ~0ull : 0xffffffffull;
    uint16_t cs;

    if (!cpu_has_feature(env, FEAT_SEP)) {
        raise_exception(env, EXCP_UD);
    }
    cs = sysenter_cs(env);
    if (cpu_cpl(env) != 0 || cpu_in_v86(env)) {
        raise_exception_err(env, EXCP_GP, 0);
    }
    if (to64 && !(is_canonical(env->regs[R_ECX]) && is_canonical(env->regs[R_EDX]))) {
        raise_exception_err(env, EXCP_GP, 0);
    }
    load_flat_stack(env, (cs + (to64 ? 40 : 24)) | 3, 3);
    load_flat_code(env, (cs + (to64 ? 32 : 16)) | 3, 3, to64);
    env->regs[R_ESP] = env->regs[R_ECX] & mask;
    env->next_rip = env->regs[R_EDX] & mask;
}

/* --- SWAPGS (64-bit mode only, CPL 0) --- */

static void op_swapgs(CPUX86State *env, const Insn *d)
{
    uint64_t base = env->segs[R_GS].base;

    if (cpu_cpl(env) != 0) {
        raise_exception_err(env, EXCP_GP, 0);
    }
    env->segs[R_GS].base = env->kernel_gs_base;
    env->kernel_gs_base = base;
    cpu_update_seg_ok(env);
}

static const InsnDef syscall_insns[] = {
    {MAP_0F, 0x05, ANY, ANY, ANY, ANY, IF_BRANCH | IF_EXIT, op_syscall, "syscall"},
    {MAP_0F, 0x07, ANY, ANY, ANY, ANY, IF_BRANCH | IF_EXIT, op_sysret, "sysret"},
    {MAP_0F, 0x34, ANY, ANY, ANY, ANY, IF_BRANCH | IF_EXIT, op_sysenter, "sysenter"},
    {MAP_0F, 0x35, ANY, ANY, ANY, ANY, IF_BRANCH | IF_EXIT, op_sysexit, "sysexit"},
    {MAP_0F, 0x01, 7, MOD_REG, 0, ANY, IF_ONLY64, op_swapgs, "swapgs"},
};
INSN_TABLE(syscall_insns)
