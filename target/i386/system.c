/*
 * System instructions: CLI/STI, HLT, IN/OUT, MOV to and from control and debug
 * registers, LMSW/SMSW/CLTS, CPUID, RDTSC, RDMSR/WRMSR, RDRAND/RDSEED, INVD/WBINVD
 * and INVLPG (Intel SDM vol. 2; vol. 3 chapters 2.5, 4.10, 17.2; AMD APM vol. 3
 * appendix E for CPUID).
 *
 * CPUID describes exactly what is implemented, nothing more (DESIGN.md 4): the leaf
 * table below is the one place that grows as features land, and CR4 accepts only the
 * bits of advertised features.
 */
#include "target/i386/access.h"
#include "target/i386/desc.h"
#include "target/i386/flags.h"
#include "target/i386/insn.h"
#include "crypto/guest-random.h"
#include "system/clock.h"
#include "system/icount.h"
#include "util/log.h"


static void require_cpl0(CPUX86State *env)
{
    if (cpu_cpl(env) != 0) {
        raise_exception_err(env, EXCP_GP, 0);
    }
}

/* --- CPUID --- */

/* Leaf 1 EDX (also mirrored in leaf 8000_0001h EDX on AMD), ECX; leaf 7 EBX. */
#define CPUID_1_EDX_VME    (1u << 1)
#define CPUID_1_EDX_DE     (1u << 2)
#define CPUID_1_EDX_PSE    (1u << 3)
#define CPUID_1_EDX_TSC    (1u << 4) /* RDTSC, CR4.TSD */
#define CPUID_1_EDX_PAE    (1u << 6)
#define CPUID_1_EDX_MCE    (1u << 7)
#define CPUID_1_EDX_CX8    (1u << 8) /* CMPXCHG8B */
#define CPUID_1_EDX_PGE    (1u << 13)
#define CPUID_1_EDX_CMOV   (1u << 15) /* CMOVcc */
#define CPUID_1_EDX_FXSR   (1u << 24)
#define CPUID_1_EDX_SSE    (1u << 25)
#define CPUID_1_ECX_POPCNT (1u << 23) /* POPCNT */
#define CPUID_1_ECX_RDRAND (1u << 30) /* RDRAND */
#define CPUID_7_EBX_RDSEED (1u << 18) /* RDSEED */

#define FEATURES_1_EDX (CPUID_1_EDX_TSC | CPUID_1_EDX_CX8 | CPUID_1_EDX_CMOV)
#define FEATURES_1_ECX (CPUID_1_ECX_POPCNT | CPUID_1_ECX_RDRAND)
#define FEATURES_7_EBX (CPUID_7_EBX_RDSEED)
/* AMD repeats these leaf-1 EDX bits in leaf 8000_0001h EDX (APM vol. 3 E.4.2). */
#define AMD_MIRRORED_EDX 0x0183f3ffu
#define FEATURES_81_EDX  (FEATURES_1_EDX & AMD_MIRRORED_EDX)
#define FEATURES_81_ECX  0u

/* "AuthenticAMD": an Intel vendor string turns on Linux's page-table isolation. */
#define STR4(a, b, c, d)                                                                 \
    ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)
#define VENDOR_EBX STR4('A', 'u', 't', 'h')
#define VENDOR_EDX STR4('e', 'n', 't', 'i')
#define VENDOR_ECX STR4('c', 'A', 'M', 'D')

/* Family 0Fh (the first AMD family with long mode), model 6Bh, stepping 1. */
#define CPU_SIGNATURE  0x00060fb1u
#define PHYS_ADDR_BITS 40
#define LIN_ADDR_BITS  48
#define MAX_BASIC_LEAF 7u
#define MAX_EXT_LEAF   0x80000008u

typedef struct CpuidLeaf {
    uint32_t leaf;
    uint32_t eax, ebx, ecx, edx;
} CpuidLeaf;

/* Leaves (subleaf 0 where ECX selects one) not listed read as zeros. */
static const CpuidLeaf cpuid_leaves[] = {
    {0x00000000, MAX_BASIC_LEAF, VENDOR_EBX, VENDOR_ECX, VENDOR_EDX},
    {0x00000001, CPU_SIGNATURE, 0, FEATURES_1_ECX, FEATURES_1_EDX},
    {0x00000007, 0, FEATURES_7_EBX, 0, 0},
    {0x80000000, MAX_EXT_LEAF, VENDOR_EBX, VENDOR_ECX, VENDOR_EDX},
    {0x80000001, CPU_SIGNATURE, 0, FEATURES_81_ECX, FEATURES_81_EDX},
    {0x80000008, PHYS_ADDR_BITS | LIN_ADDR_BITS << 8, 0, 0, 0},
};

static const char cpuid_brand[48] = "Reprise virtual CPU";

/* Leaves whose ECX input selects a subleaf. */
static bool cpuid_has_subleaves(uint32_t leaf)
{
    return leaf == 7;
}

static void cpuid_brand_leaf(uint32_t leaf, uint32_t out[4])
{
    memcpy(out, cpuid_brand + (leaf - 0x80000002) * 16, 16);
}

/* EAX, EBX, ECX, EDX for a leaf; AMD returns zeros beyond the maximum leaf. */
static void cpuid_lookup(uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
    memset(out, 0, 4 * sizeof(out[0]));
    if (leaf >= 0x80000002 && leaf <= 0x80000004) {
        cpuid_brand_leaf(leaf, out);
        return;
    }
    if (cpuid_has_subleaves(leaf) && subleaf != 0) {
        return;
    }
    for (size_t i = 0; i < ARRAY_SIZE(cpuid_leaves); i++) {
        const CpuidLeaf *l = &cpuid_leaves[i];
        if (l->leaf == leaf) {
            out[0] = l->eax;
            out[1] = l->ebx;
            out[2] = l->ecx;
            out[3] = l->edx;
            return;
        }
    }
}

static void op_cpuid(CPUX86State *env, const Insn *d)
{
    uint32_t r[4];

    cpuid_lookup((uint32_t)env->regs[R_EAX], (uint32_t)env->regs[R_ECX], r);
    set_reg(env, R_EAX, 4, true, r[0]);
    set_reg(env, R_EBX, 4, true, r[1]);
    set_reg(env, R_ECX, 4, true, r[2]);
    set_reg(env, R_EDX, 4, true, r[3]);
}

/* --- CLI / STI / HLT --- */

/* Without VME/PVI, IF may change only when CPL <= IOPL (V86 mode: IOPL 3). */
static void require_iopl(CPUX86State *env)
{
    if ((env->cr[0] & CR0_PE) && cpu_cpl(env) > cpu_iopl(env)) {
        raise_exception_err(env, EXCP_GP, 0);
    }
}

static void op_cli(CPUX86State *env, const Insn *d)
{
    require_iopl(env);
    env->eflags &= ~IF_MASK;
}

/* Setting IF holds interrupts off until after the next instruction (SDM vol. 2 STI). */
static void op_sti(CPUX86State *env, const Insn *d)
{
    require_iopl(env);
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

typedef struct CR4Feature {
    uint32_t cpuid_1_edx;
    uint32_t cr4_bits;
} CR4Feature;

/* CR4 bits that exist only with a leaf-1 feature (SDM vol. 3 2.5). */
static const CR4Feature cr4_features[] = {
    {CPUID_1_EDX_VME, CR4_VME | CR4_PVI},
    {CPUID_1_EDX_TSC, CR4_TSD},
    {CPUID_1_EDX_DE, CR4_DE},
    {CPUID_1_EDX_PSE, CR4_PSE},
    {CPUID_1_EDX_PAE, CR4_PAE},
    {CPUID_1_EDX_MCE, CR4_MCE},
    {CPUID_1_EDX_PGE, CR4_PGE},
    {CPUID_1_EDX_FXSR, CR4_OSFXSR},
    {CPUID_1_EDX_SSE, CR4_OSXMMEXCPT},
};

static uint64_t cr4_valid_bits(void)
{
    uint64_t bits = 0;

    for (size_t i = 0; i < ARRAY_SIZE(cr4_features); i++) {
        if (FEATURES_1_EDX & cr4_features[i].cpuid_1_edx) {
            bits |= cr4_features[i].cr4_bits;
        }
    }
    return bits;
}

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
    if ((env->efer & EFER_LMA) && (val >> PHYS_ADDR_BITS)) {
        raise_exception_err(env, EXCP_GP, 0);
    }
    env->cr[3] = val;
    tlb_flush(env);
}

static void write_cr4(CPUX86State *env, uint64_t val)
{
    uint64_t old = env->cr[4];

    if ((val & ~cr4_valid_bits()) || ((env->efer & EFER_LMA) && !(val & CR4_PAE))) {
        raise_exception_err(env, EXCP_GP, 0);
    }
    env->cr[4] = val;
    cpu_update_hflags(env);
    if ((old ^ val) & CR4_TLB_BITS) {
        tlb_flush(env);
    }
}

/* CR8 is the task-priority register, 64-bit mode only (REX.R reaches it). */
static void write_cr8(CPUX86State *env, uint64_t val)
{
    if (val & ~0xfull) {
        raise_exception_err(env, EXCP_GP, 0);
    }
    env->cr8 = val;
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
    case 8: return env->cr8;
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

/* --- debug registers (stored only; breakpoints are not armed yet) --- */

#define DR6_FIXED    0xffff0ff0u /* reads as 1 */
#define DR6_WRITABLE 0x0000e00fu /* B0-B3, BD, BS, BT */
#define DR7_FIXED    0x00000400u
#define DR7_ZERO     0x0000d800u /* bits 11, 12, 14, 15 read as 0 */

/* DR4/DR5 alias DR6/DR7 unless CR4.DE; DR8-15 do not exist. */
static unsigned dr_index(CPUX86State *env, unsigned dr)
{
    if (dr == 4 || dr == 5) {
        if (env->cr[4] & CR4_DE) {
            raise_exception(env, EXCP_UD);
        }
        return dr + 2;
    }
    if (dr > 7) {
        raise_exception(env, EXCP_UD);
    }
    return dr;
}

static void op_mov_Rd_Dd(CPUX86State *env, const Insn *d)
{
    unsigned dr;

    require_cpl0(env);
    dr = dr_index(env, d->reg);
    set_reg(env, d->rm, cr_operand_size(env), true, env->dr[dr]);
}

static void op_mov_Dd_Rd(CPUX86State *env, const Insn *d)
{
    unsigned dr;
    uint64_t v;

    require_cpl0(env);
    dr = dr_index(env, d->reg);
    v = get_reg(env, d->rm, cr_operand_size(env), true);
    if (dr >= 6 && (v >> 32)) {
        raise_exception_err(env, EXCP_GP, 0);
    }
    if (dr == 6) {
        v = (v & DR6_WRITABLE) | DR6_FIXED;
    } else if (dr == 7) {
        v = (v & ~(uint64_t)DR7_ZERO) | DR7_FIXED;
    }
    env->dr[dr] = v;
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
}

static void set_edx_eax(CPUX86State *env, uint64_t v)
{
    set_reg(env, R_EAX, 4, true, (uint32_t)v);
    set_reg(env, R_EDX, 4, true, v >> 32);
}

static void op_rdtsc(CPUX86State *env, const Insn *d)
{
    if ((env->cr[4] & CR4_TSD) && cpu_cpl(env) != 0) {
        raise_exception_err(env, EXCP_GP, 0);
    }
    set_edx_eax(env, tsc_read(env));
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

#define EFER_WRITABLE (EFER_SCE | EFER_LME | EFER_NXE)

NORETURN static void msr_fault(CPUX86State *env, const char *op, uint32_t index)
{
    log_guest_error("%s of unknown or read-only MSR %#x\n", op, index);
    raise_exception_err(env, EXCP_GP, 0);
}

static bool msr_read(CPUX86State *env, uint32_t index, uint64_t *v)
{
    switch (index) {
    case MSR_TSC: *v = tsc_read(env); break;
    case MSR_APIC_BASE: *v = env->apic_base; break;
    case MSR_SYSENTER_CS: *v = env->sysenter_cs; break;
    case MSR_SYSENTER_ESP: *v = env->sysenter_esp; break;
    case MSR_SYSENTER_EIP: *v = env->sysenter_eip; break;
    case MSR_MISC_ENABLE: *v = env->misc_enable; break;
    case MSR_PAT: *v = env->pat; break;
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

/* LME may change only while paging is off; LMA is read-only. */
static bool efer_write(CPUX86State *env, uint64_t v)
{
    if ((v & ~(uint64_t)(EFER_WRITABLE | EFER_LMA)) ||
        (((v ^ env->efer) & EFER_LME) && (env->cr[0] & CR0_PG))) {
        return false;
    }
    env->efer = (v & EFER_WRITABLE) | (env->efer & EFER_LMA);
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

/* APIC_BASE keeps its reset value until the local APIC model owns it. */
static bool apic_base_write(CPUX86State *env, uint64_t v)
{
    if (v != env->apic_base) {
        log_unimp("wrmsr APIC_BASE %#" PRIx64 " ignored\n", v);
    }
    return true;
}

/* false: #GP (reserved bits, non-canonical address, unknown MSR). */
static bool msr_write(CPUX86State *env, uint32_t index, uint64_t v)
{
    switch (index) {
    case MSR_TSC: tsc_write(env, v); return true;
    case MSR_APIC_BASE: return apic_base_write(env, v);
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
    uint64_t v;

    require_cpl0(env);
    if (!msr_read(env, index, &v)) {
        msr_fault(env, "rdmsr", index);
    }
    set_edx_eax(env, v);
}

static void op_wrmsr(CPUX86State *env, const Insn *d)
{
    uint32_t index = (uint32_t)env->regs[R_ECX];
    uint64_t v = (uint32_t)env->regs[R_EAX] | (env->regs[R_EDX] << 32);

    require_cpl0(env);
    if (!msr_write(env, index, v)) {
        log_guest_error("wrmsr %#x <- %#" PRIx64 " rejected\n", index, v);
        raise_exception_err(env, EXCP_GP, 0);
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
    {MAP_0F, 0x21, ANY, ANY, ANY, ANY, 0, op_mov_Rd_Dd, "mov"},
    {MAP_0F, 0x23, ANY, ANY, ANY, ANY, IF_EXIT, op_mov_Dd_Rd, "mov"},
    {MAP_0F, 0x01, 4, ANY, ANY, ANY, 0, op_smsw_Ew, "smsw"},
    {MAP_0F, 0x01, 6, ANY, ANY, ANY, IF_EXIT, op_lmsw_Ew, "lmsw"},
    {MAP_0F, 0x06, ANY, ANY, ANY, ANY, IF_EXIT, op_clts, "clts"},
    {MAP_0F, 0xa2, ANY, ANY, ANY, ANY, 0, op_cpuid, "cpuid"},
    {MAP_0F, 0x31, ANY, ANY, ANY, ANY, 0, op_rdtsc, "rdtsc"},
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
