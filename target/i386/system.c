/*
 * System instructions: CLI/STI (with VME/PVI: vme.c), HLT, IN/OUT, MOV to and from
 * control registers (including long-mode activation through CR0.PG), LMSW/SMSW/CLTS,
 * RDTSC/RDTSCP, RDPMC, RDMSR/WRMSR, RDRAND/RDSEED, INVD/WBINVD and INVLPG (Intel SDM vol.
 * 2; vol. 3 chapters 2.5, 4.10, 9.8.5; AMD APM vol. 2 chapter 14.6 and appendix A for
 * MSRs).
 *
 * CR4 and EFER accept only the bits of features the CPU model advertises
 * (cpuid.c); so does the set of MSRs that exist.
 */
#include "target/i386/access.h"
#include "target/i386/desc.h"
#include "target/i386/flags.h"
#include "target/i386/insn.h"
#include "target/i386/cpuid.h"
#include "target/i386/vme.h"
#include "crypto/guest-random.h"
#include "hw/intc/apic.h"
#include "system/clock.h"
#include "system/icount.h"
#include "util/log.h"

static void require_cpl0(CPUX86State *env)
{
    if (cpu_cpl(env) != 0) {
        raise_exception_err(env, EXCP_GP, 0);
    }
}

/* --- CLI / STI / HLT --- */

/* IF may change when CPL <= IOPL, in V86 mode when IOPL is 3, and in real mode. */
static bool iopl_allows_if(const CPUX86State *env)
{
    if (!(env->cr[0] & CR0_PE)) {
        return true;
    }
    return cpu_in_v86(env) ? cpu_iopl(env) == 3 : cpu_cpl(env) <= cpu_iopl(env);
}

/* Otherwise VME (V86) or PVI (CPL 3) let CLI/STI act on VIF (vme.c); else #GP(0). */
static void op_cli(CPUX86State *env, const Insn *d)
{
    if (iopl_allows_if(env)) {
        env->eflags &= ~IF_MASK;
    } else if (vif_may_stand_in(env)) {
        vif_set(env, false);
    } else {
        raise_exception_err(env, EXCP_GP, 0);
    }
}

/* Setting IF holds interrupts off until after the next instruction (SDM vol. 2 STI). */
static void op_sti(CPUX86State *env, const Insn *d)
{
    if (!iopl_allows_if(env)) {
        if (!vif_may_stand_in(env)) {
            raise_exception_err(env, EXCP_GP, 0);
        }
        vif_set(env, true);
        return;
    }
    if (!(env->eflags & IF_MASK)) {
        env->irq_inhibit_until = icount.count + 2;
    }
    env->eflags |= IF_MASK;
}

static void op_hlt(CPUX86State *env, const Insn *d)
{
    require_cpl0(env);
    env->halted = true;
}

/* --- IN / OUT (permission checks are in cpu_in/cpu_out) --- */

/* E4-E7 take an imm8 port, EC-EF use DX; odd opcodes move eAX (never 64 bits). */
static uint16_t io_port(const CPUX86State *env, const Insn *d)
{
    return (d->opcode & 8) ? (uint16_t)env->regs[R_EDX] : (uint8_t)d->imm;
}

static unsigned io_size(const Insn *d)
{
    if (!(d->opcode & 1)) {
        return 1;
    }
    return d->opsize == 2 ? 2 : 4;
}

static void op_in(CPUX86State *env, const Insn *d)
{
    unsigned size = io_size(d);
    uint64_t v = cpu_in(env, io_port(env, d), size);

    set_reg(env, R_EAX, size, false, v);
}

static void op_out(CPUX86State *env, const Insn *d)
{
    unsigned size = io_size(d);

    cpu_out(env, io_port(env, d), size, get_reg(env, R_EAX, size, false));
}

/* --- control registers --- */

#define CR0_WRITABLE                                                                     \
    (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_NE | CR0_WP | CR0_AM | CR0_NW | CR0_CD |    \
     CR0_PG)
/* Changing these changes what a linear address means or may do. */
#define CR0_TLB_BITS (CR0_PE | CR0_PG | CR0_WP)
#define CR4_TLB_BITS (CR4_PSE | CR4_PAE | CR4_PGE)

/* Entering or leaving long mode happens on the CR0.PG write (SDM vol. 3 9.8.5). */
static uint64_t efer_after_cr0(CPUX86State *env, uint64_t old, uint64_t val)
{
    bool paging_on = (val & CR0_PG) && !(old & CR0_PG);
    bool paging_off = !(val & CR0_PG) && (old & CR0_PG);

    if (paging_on && (env->efer & EFER_LME)) {
        if (!(env->cr[4] & CR4_PAE) || (env->segs[R_CS].flags & DESC_L)) {
            raise_exception_err(env, EXCP_GP, 0);
        }
        return env->efer | EFER_LMA;
    }
    if (paging_off && (env->efer & EFER_LMA)) {
        if (cpu_is_64bit(env)) {
            raise_exception_err(env, EXCP_GP, 0);
        }
        return env->efer & ~(uint64_t)EFER_LMA;
    }
    return env->efer;
}

/* Reserved bits 31:0 are ignored, 63:32 fault; ET is fixed at 1. */
static void write_cr0(CPUX86State *env, uint64_t val)
{
    uint64_t old = env->cr[0];

    if (val >> 32) {
        raise_exception_err(env, EXCP_GP, 0);
    }
    val = (val & CR0_WRITABLE) | CR0_ET;
    if (((val & CR0_PG) && !(val & CR0_PE)) || ((val & CR0_NW) && !(val & CR0_CD))) {
        raise_exception_err(env, EXCP_GP, 0);
    }
    env->efer = efer_after_cr0(env, old, val);
    env->cr[0] = val;
    cpu_update_hflags(env);
    if ((old ^ val) & CR0_TLB_BITS) {
        tlb_flush(env);
    }
}

static void write_cr3(CPUX86State *env, uint64_t val)
{
    if ((env->efer & EFER_LMA) && (val >> cpuid_phys_addr_bits())) {
        raise_exception_err(env, EXCP_GP, 0);
    }
    env->cr[3] = val;
    tlb_flush(env);
}

static void write_cr4(CPUX86State *env, uint64_t val)
{
    uint64_t old = env->cr[4];

    if ((val & ~cpuid_cr4_valid_bits(env)) ||
        ((env->efer & EFER_LMA) && !(val & CR4_PAE))) {
        raise_exception_err(env, EXCP_GP, 0);
    }
    env->cr[4] = val;
    cpu_update_hflags(env);
    if ((old ^ val) & CR4_TLB_BITS) {
        tlb_flush(env);
    }
}

/*
 * CR8 is the task-priority register, 64-bit mode only (REX.R reaches it); with a
 * local APIC it is a view of TPR bits 7:4.
 */
static void write_cr8(CPUX86State *env, uint64_t val)
{
    if (val & ~0xfull) {
        raise_exception_err(env, EXCP_GP, 0);
    }
    env->cr8 = val;
    if (env->apic) {
        apic_set_tpr(env->apic, val);
    }
}

static uint64_t read_cr8(CPUX86State *env)
{
    return env->apic ? apic_get_tpr(env->apic) : env->cr8;
}

static void write_cr(CPUX86State *env, unsigned cr, uint64_t val)
{
    switch (cr) {
    case 0: write_cr0(env, val); break;
    case 2: env->cr[2] = val; break;
    case 3: write_cr3(env, val); break;
    case 4: write_cr4(env, val); break;
    case 8: write_cr8(env, val); break;
    default: raise_exception(env, EXCP_UD);
    }
}

static uint64_t read_cr(CPUX86State *env, unsigned cr)
{
    switch (cr) {
    case 0:
    case 2:
    case 3:
    case 4: return env->cr[cr];
    case 8: return read_cr8(env);
    default: raise_exception(env, EXCP_UD);
    }
}

/* The register operand is always ModRM.rm, whatever mod says; 64 bits in 64-bit mode. */
static unsigned cr_operand_size(const CPUX86State *env)
{
    return cpu_is_64bit(env) ? 8 : 4;
}

static void op_mov_Rd_Cd(CPUX86State *env, const Insn *d)
{
    uint64_t v;

    require_cpl0(env);
    v = read_cr(env, d->reg);
    set_reg(env, d->rm, cr_operand_size(env), true, v);
}

static void op_mov_Cd_Rd(CPUX86State *env, const Insn *d)
{
    require_cpl0(env);
    write_cr(env, d->reg, get_reg(env, d->rm, cr_operand_size(env), true));
}

/* LMSW changes PE, MP, EM and TS, and cannot clear PE. */
static void op_lmsw_Ew(CPUX86State *env, const Insn *d)
{
    uint64_t msw;

    require_cpl0(env);
    msw = ld_rm(env, d, 2) & (CR0_PE | CR0_MP | CR0_EM | CR0_TS);
    write_cr0(env, (env->cr[0] & ~(uint64_t)(CR0_MP | CR0_EM | CR0_TS)) | msw);
}

/* SMSW to a register stores all of CR0 at the operand size; to memory, 16 bits. */
static void op_smsw_Ew(CPUX86State *env, const Insn *d)
{
    st_rm(env, d, d->mod == 3 ? d->opsize : 2, env->cr[0]);
}

static void op_clts(CPUX86State *env, const Insn *d)
{
    require_cpl0(env);
    env->cr[0] &= ~(uint64_t)CR0_TS;
}

/* --- time stamp counter --- */

/* The TSC ticks at 1 GHz of virtual time, so it replays exactly under -icount. */
static uint64_t tsc_read(CPUX86State *env)
{
    return (uint64_t)clock_get_ns(CLOCK_VIRTUAL) + (uint64_t)env->tsc_offset;
}

static void tsc_write(CPUX86State *env, uint64_t val)
{
    env->tsc_offset = (int64_t)(val - (uint64_t)clock_get_ns(CLOCK_VIRTUAL));
    if (env->apic) {
        apic_tsc_changed(env->apic);
    }
}

static void set_edx_eax(CPUX86State *env, uint64_t v)
{
    set_reg(env, R_EAX, 4, true, (uint32_t)v);
    set_reg(env, R_EDX, 4, true, v >> 32);
}

static void require_tsc_allowed(CPUX86State *env)
{
    if ((env->cr[4] & CR4_TSD) && cpu_cpl(env) != 0) {
        raise_exception_err(env, EXCP_GP, 0);
    }
}

/*
 * RDPMC: CR4.PCE lets CPL > 0 use it, but the model has no performance counters
 * (CPUID advertises none), so every ECX names an invalid counter: #GP(0).
 */
static void op_rdpmc(CPUX86State *env, const Insn *d)
{
    raise_exception_err(env, EXCP_GP, 0);
}

static void op_rdtsc(CPUX86State *env, const Insn *d)
{
    require_tsc_allowed(env);
    set_edx_eax(env, tsc_read(env));
}

/* RDTSCP also returns TSC_AUX (the OS keeps the CPU number there) in ECX. */
static void op_rdtscp(CPUX86State *env, const Insn *d)
{
    if (!cpu_has_feature(env, FEAT_RDTSCP)) {
        raise_exception(env, EXCP_UD);
    }
    require_tsc_allowed(env);
    set_edx_eax(env, tsc_read(env));
    set_reg(env, R_ECX, 4, true, (uint32_t)env->tsc_aux);
}

/* --- MSRs --- */

enum {
    MSR_TSC = 0x10,
    MSR_APIC_BASE = 0x1b,
    MSR_SYSENTER_CS = 0x174,
    MSR_SYSENTER_ESP = 0x175,
    MSR_SYSENTER_EIP = 0x176,
    MSR_MISC_ENABLE = 0x1a0,
    MSR_PAT = 0x277,
    MSR_TSC_DEADLINE = 0x6e0,
    MSR_EFER = 0xc0000080,
    MSR_STAR = 0xc0000081,
    MSR_LSTAR = 0xc0000082,
    MSR_CSTAR = 0xc0000083,
    MSR_FMASK = 0xc0000084,
    MSR_FS_BASE = 0xc0000100,
    MSR_GS_BASE = 0xc0000101,
    MSR_KERNEL_GS_BASE = 0xc0000102,
    MSR_TSC_AUX = 0xc0000103,
};

/* MSRs that exist only with a feature (or a device); the others always do. */
static bool msr_present(CPUX86State *env, uint32_t index)
{
    switch (index) {
    case MSR_APIC_BASE:
    case MSR_TSC_DEADLINE: return env->apic != NULL;
    case MSR_SYSENTER_CS:
    case MSR_SYSENTER_ESP:
    case MSR_SYSENTER_EIP: return cpu_has_feature(env, FEAT_SEP);
    case MSR_PAT: return cpu_has_feature(env, FEAT_PAT);
    case MSR_STAR: return cpu_has_feature(env, FEAT_SYSCALL);
    case MSR_TSC_AUX: return cpu_has_feature(env, FEAT_RDTSCP);
    default: return true;
    }
}

NORETURN static void msr_fault(CPUX86State *env, const char *op, uint32_t index,
                               uint64_t v)
{
    log_guest_error("%s of MSR %#x (value %#" PRIx64 ") is #GP\n", op, index, v);
    raise_exception_err(env, EXCP_GP, 0);
}

static bool msr_read(CPUX86State *env, uint32_t index, uint64_t *v)
{
    switch (index) {
    case MSR_TSC: *v = tsc_read(env); break;
    case MSR_APIC_BASE: *v = apic_get_base(env->apic); break;
    case MSR_SYSENTER_CS: *v = env->sysenter_cs; break;
    case MSR_SYSENTER_ESP: *v = env->sysenter_esp; break;
    case MSR_SYSENTER_EIP: *v = env->sysenter_eip; break;
    case MSR_MISC_ENABLE: *v = env->misc_enable; break;
    case MSR_PAT: *v = env->pat; break;
    case MSR_TSC_DEADLINE: *v = apic_get_tsc_deadline(env->apic); break;
    case MSR_EFER: *v = env->efer; break;
    case MSR_STAR: *v = env->star; break;
    case MSR_LSTAR: *v = env->lstar; break;
    case MSR_CSTAR: *v = env->cstar; break;
    case MSR_FMASK: *v = env->fmask; break;
    case MSR_FS_BASE: *v = env->segs[R_FS].base; break;
    case MSR_GS_BASE: *v = env->segs[R_GS].base; break;
    case MSR_KERNEL_GS_BASE: *v = env->kernel_gs_base; break;
    case MSR_TSC_AUX: *v = env->tsc_aux; break;
    default: return false;
    }
    return true;
}

/* Each PAT entry must be a defined memory type: 0, 1, 4, 5, 6 or 7. */
static bool pat_valid(uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        unsigned type = (v >> (8 * i)) & 0xff;
        if (type > 7 || type == 2 || type == 3) {
            return false;
        }
    }
    return true;
}

static bool pat_write(CPUX86State *env, uint64_t v)
{
    if (!pat_valid(v)) {
        return false;
    }
    env->pat = v;
    return true;
}

/* The EFER bits the model's features make writable (LMA is read-only). */
static uint64_t efer_writable(CPUX86State *env)
{
    uint64_t bits = 0;

    bits |= cpu_has_feature(env, FEAT_SYSCALL) ? EFER_SCE : 0;
    bits |= cpu_has_feature(env, FEAT_LM) ? EFER_LME : 0;
    bits |= cpu_has_feature(env, FEAT_NX) ? EFER_NXE : 0;
    return bits;
}

/* LME may change only while paging is off (SDM vol. 3 9.8.5). */
static bool efer_write(CPUX86State *env, uint64_t v)
{
    uint64_t writable = efer_writable(env);

    if ((v & ~(writable | EFER_LMA)) ||
        (((v ^ env->efer) & EFER_LME) && (env->cr[0] & CR0_PG))) {
        return false;
    }
    env->efer = (v & writable) | (env->efer & EFER_LMA);
    cpu_update_hflags(env);
    tlb_flush(env);
    return true;
}

static bool set_canonical(uint64_t *reg, uint64_t v)
{
    if (!is_canonical(v)) {
        return false;
    }
    *reg = v;
    return true;
}

static bool set_low32(uint64_t *reg, uint64_t v)
{
    if (v >> 32) {
        return false;
    }
    *reg = v;
    return true;
}

static bool set_segment_base(CPUX86State *env, int seg, uint64_t v)
{
    if (!set_canonical(&env->segs[seg].base, v)) {
        return false;
    }
    cpu_update_seg_ok(env);
    return true;
}

static bool apic_msr_write(CPUX86State *env, uint32_t index, uint64_t v)
{
    if (index == MSR_APIC_BASE) {
        apic_set_base(env->apic, v);
    } else {
        apic_set_tsc_deadline(env->apic, v);
    }
    return true;
}

/* false: #GP (reserved bits, non-canonical address, unknown MSR). */
static bool msr_write(CPUX86State *env, uint32_t index, uint64_t v)
{
    switch (index) {
    case MSR_TSC: tsc_write(env, v); return true;
    case MSR_APIC_BASE:
    case MSR_TSC_DEADLINE: return apic_msr_write(env, index, v);
    case MSR_SYSENTER_CS: return set_low32(&env->sysenter_cs, v);
    case MSR_SYSENTER_ESP: return set_canonical(&env->sysenter_esp, v);
    case MSR_SYSENTER_EIP: return set_canonical(&env->sysenter_eip, v);
    case MSR_MISC_ENABLE: env->misc_enable = v; return true;
    case MSR_PAT: return pat_write(env, v);
    case MSR_EFER: return efer_write(env, v);
    case MSR_STAR: env->star = v; return true;
    case MSR_LSTAR: return set_canonical(&env->lstar, v);
    case MSR_CSTAR: return set_canonical(&env->cstar, v);
    case MSR_FMASK: return set_low32(&env->fmask, v);
    case MSR_FS_BASE: return set_segment_base(env, R_FS, v);
    case MSR_GS_BASE: return set_segment_base(env, R_GS, v);
    case MSR_KERNEL_GS_BASE: return set_canonical(&env->kernel_gs_base, v);
    case MSR_TSC_AUX: return set_low32(&env->tsc_aux, v);
    default: return false;
    }
}

static void op_rdmsr(CPUX86State *env, const Insn *d)
{
    uint32_t index = (uint32_t)env->regs[R_ECX];
    uint64_t v = 0;

    require_cpl0(env);
    if (!msr_present(env, index) || !msr_read(env, index, &v)) {
        msr_fault(env, "rdmsr", index, 0);
    }
    set_edx_eax(env, v);
}

static void op_wrmsr(CPUX86State *env, const Insn *d)
{
    uint32_t index = (uint32_t)env->regs[R_ECX];
    uint64_t v = (uint32_t)env->regs[R_EAX] | (env->regs[R_EDX] << 32);

    require_cpl0(env);
    if (!msr_present(env, index) || !msr_write(env, index, v)) {
        msr_fault(env, "wrmsr", index, v);
    }
}

/* --- RDRAND / RDSEED --- */

/* Random bytes never run out here: CF = 1, the other arithmetic flags 0. */
static void op_rdrand_Rv(CPUX86State *env, const Insn *d)
{
    uint64_t v = 0;

    guest_random_bytes(&v, d->opsize);
    set_reg(env, d->rm, d->opsize, true, v);
    cc_set_flags(env, CC_C, CC_ARITH);
}

static void op_rdseed_Rv(CPUX86State *env, const Insn *d)
{
    op_rdrand_Rv(env, d);
}

/* --- caches and TLB --- */

/* No caches are modelled: INVD and WBINVD only check privilege. */
static void op_invd_wbinvd(CPUX86State *env, const Insn *d)
{
    require_cpl0(env);
}

static void op_invlpg_M(CPUX86State *env, const Insn *d)
{
    require_cpl0(env);
    tlb_flush_page(env, seg_linear(env, d->seg, insn_ea(env, d)));
}

static const InsnDef system_insns[] = {
    {MAP_NONE, 0xfa, ANY, ANY, ANY, ANY, IF_EXIT, op_cli, "cli"},
    {MAP_NONE, 0xfb, ANY, ANY, ANY, ANY, IF_EXIT, op_sti, "sti"},
    {MAP_NONE, 0xf4, ANY, ANY, ANY, ANY, IF_EXIT, op_hlt, "hlt"},
    {MAP_NONE, 0xe4, ANY, ANY, ANY, ANY, IF_EXIT, op_in, "in"},
    {MAP_NONE, 0xe5, ANY, ANY, ANY, ANY, IF_EXIT, op_in, "in"},
    {MAP_NONE, 0xec, ANY, ANY, ANY, ANY, IF_EXIT, op_in, "in"},
    {MAP_NONE, 0xed, ANY, ANY, ANY, ANY, IF_EXIT, op_in, "in"},
    {MAP_NONE, 0xe6, ANY, ANY, ANY, ANY, IF_EXIT, op_out, "out"},
    {MAP_NONE, 0xe7, ANY, ANY, ANY, ANY, IF_EXIT, op_out, "out"},
    {MAP_NONE, 0xee, ANY, ANY, ANY, ANY, IF_EXIT, op_out, "out"},
    {MAP_NONE, 0xef, ANY, ANY, ANY, ANY, IF_EXIT, op_out, "out"},
    {MAP_0F, 0x20, ANY, ANY, ANY, ANY, 0, op_mov_Rd_Cd, "mov"},
    {MAP_0F, 0x22, ANY, ANY, ANY, ANY, IF_EXIT, op_mov_Cd_Rd, "mov"},
    {MAP_0F, 0x01, 4, ANY, ANY, ANY, 0, op_smsw_Ew, "smsw"},
    {MAP_0F, 0x01, 6, ANY, ANY, ANY, IF_EXIT, op_lmsw_Ew, "lmsw"},
    {MAP_0F, 0x06, ANY, ANY, ANY, ANY, IF_EXIT, op_clts, "clts"},
    {MAP_0F, 0x31, ANY, ANY, ANY, ANY, 0, op_rdtsc, "rdtsc"},
    {MAP_0F, 0x33, ANY, ANY, ANY, ANY, 0, op_rdpmc, "rdpmc"},
    {MAP_0F, 0x01, 7, MOD_REG, 1, ANY, 0, op_rdtscp, "rdtscp"},
    {MAP_0F, 0x32, ANY, ANY, ANY, ANY, 0, op_rdmsr, "rdmsr"},
    {MAP_0F, 0x30, ANY, ANY, ANY, ANY, IF_EXIT, op_wrmsr, "wrmsr"},
    {MAP_0F, 0xc7, 6, MOD_REG, ANY, MP_NONE, 0, op_rdrand_Rv, "rdrand"},
    {MAP_0F, 0xc7, 6, MOD_REG, ANY, MP_66, 0, op_rdrand_Rv, "rdrand"},
    {MAP_0F, 0xc7, 7, MOD_REG, ANY, MP_NONE, 0, op_rdseed_Rv, "rdseed"},
    {MAP_0F, 0xc7, 7, MOD_REG, ANY, MP_66, 0, op_rdseed_Rv, "rdseed"},
    {MAP_0F, 0x08, ANY, ANY, ANY, ANY, 0, op_invd_wbinvd, "invd"},
    {MAP_0F, 0x09, ANY, ANY, ANY, ANY, 0, op_invd_wbinvd, "wbinvd"},
    {MAP_0F, 0x01, 7, MOD_MEM, ANY, ANY, IF_EXIT, op_invlpg_M, "invlpg"},
};
INSN_TABLE(system_insns)
