/*
 * Unit tests for the system-level CPU: CPU models and CPUID (cpuid.c), long-mode
 * activation, CR8 and MSRs (system.c), SYSCALL/SYSRET, SYSENTER/SYSEXIT and SWAPGS
 * (syscall.c), call gates and 64-bit far returns (seg.c), hardware task switches
 * (task.c) and the debug registers (debug.c), against the cases of Intel SDM vol. 3
 * chapters 5-7 and 17 and AMD APM vol. 2-3.
 *
 * CPU state is set directly and instructions are hand-assembled into guest RAM.
 * step() runs one instruction as the engine does and reports the vector it raised;
 * cpu_exec() runs the real exec loop so that faults are delivered through the IDT.
 * Long mode runs on identity page tables, so the tests hold with or without paging.
 */
#include <setjmp.h>
#include "hw/intc/apic.h"
#include "hw/machine.h"
#include "system/cpu-exec.h"
#include "system/icount.h"
#include "target/i386/access.h"
#include "target/i386/cpuid.h"
#include "target/i386/debug.h"
#include "target/i386/desc.h"
#include "target/i386/flags.h"
#include "target/i386/insn.h"

#define RAM_SIZE   (4u << 20)
#define GDT        0x1000
#define IDT        0x2000
#define TSS_A      0x3000 /* 32-bit TSSs, 0x100 apart */
#define TSS_B      0x3100
#define TSS_C      0x3200
#define TSS64      0x3300
#define SCRATCH    0x4000
#define STACK3_TOP 0x6000
#define STACK0_TOP 0x7000
#define STACKB_TOP 0x7800 /* task B's stack */
#define CODE       0x8000
#define HANDLERS   0x9000 /* 16 bytes per vector: HLT */
#define USER_CODE  0xc000
#define FAR_TARGET 0xd000
#define TASK_CODE  0xe000
#define PML4       0x100000 /* long-mode identity map of the first GiB */
#define PD32_A     0x110000 /* two copies of a 32-bit identity map of 4 MiB */
#define PD32_B     0x112000

#define HANDLER(v) (HANDLERS + (v)*16)

/* GDT selectors */
#define SEL_CODE0   0x08
#define SEL_DATA0   0x10
#define SEL_CODE3   0x18
#define SEL_DATA3   0x20
#define SEL_TSS_A   0x28
#define SEL_TSS_B   0x30
#define SEL_TSS_C   0x38 /* limit too small for a 32-bit TSS */
#define SEL_TGATE   0x40 /* task gate to TSS B, DPL 3 */
#define SEL_CGATE32 0x48 /* 32-bit call gate to CODE0:FAR_TARGET, DPL 3, 2 params */
#define SEL_CGATE16 0x50 /* 16-bit call gate to CODE16:FAR_TARGET, DPL 0 */
#define SEL_CODE16  0x58
#define SEL_CODE64  0x60
#define SEL_CODE64U 0x68
#define SEL_CGATE64 0x70 /* 64-bit call gate (16 bytes) to CODE64:FAR_TARGET, DPL 3 */
#define SEL_TSS64   0x80 /* 64-bit TSS (16 bytes) */
#define SEL_CGATENP 0x90 /* call gate, not present */
#define SEL_CGATE0  0x98 /* call gate with DPL 0 */
#define SEL_STAR_K  0xb0 /* SYSCALL: kernel CS, then SS */
#define SEL_STAR_U  0xc0 /* SYSRET: user CS32, SS, CS64 */
#define SEL_SYSENT  0xe0 /* SYSENTER: CS0, SS0, CS3 (32), SS3, CS3 (64), SS3 */
#define GDT_LIMIT   0x10f

#define FLAT 0xfffff
#define CODE32(dpl)                                                                      \
    (DESC_P | DESC_S | DESC_CS | DESC_R | DESC_B | DESC_G | ((dpl) << DESC_DPL_SHIFT))
#define CODE64(dpl) ((CODE32(dpl) & ~DESC_B) | DESC_L)
#define DATA32(dpl)                                                                      \
    (DESC_P | DESC_S | DESC_W | DESC_B | DESC_G | ((dpl) << DESC_DPL_SHIFT))
#define TSS32_TYPE (9u << DESC_TYPE_SHIFT)
#define BUSY_BIT   (2u << DESC_TYPE_SHIFT)

#define STAR_VALUE ((uint64_t)SEL_STAR_U << 48 | (uint64_t)SEL_STAR_K << 32)

/* ------------------------------------------------------------------------------------
 * Guest memory and descriptors
 */

static uint8_t *ram(CPUX86State *env, uint64_t addr)
{
    return env->machine->ram.ram + addr;
}

static uint64_t rd(CPUX86State *env, uint64_t addr, unsigned size)
{
    return ld_le(ram(env, addr), size);
}

static void wr(CPUX86State *env, uint64_t addr, unsigned size, uint64_t v)
{
    st_le(ram(env, addr), size, v);
}

#define PUT(env, addr, ...)                                                              \
    do {                                                                                 \
        static const uint8_t bytes_[] = {__VA_ARGS__};                                   \
        memcpy(ram(env, addr), bytes_, sizeof(bytes_));                                  \
    } while (0)

static uint64_t make_desc(uint32_t base, uint32_t limit, uint32_t flags)
{
    uint32_t lo = (limit & 0xffff) | (base << 16);
    uint32_t hi = ((base >> 16) & 0xff) | (base & 0xff000000) | (limit & 0xf0000) | flags;
    return lo | (uint64_t)hi << 32;
}

/* A gate (call or task) in descriptor format: selector, offset, type, DPL, count. */
static uint64_t make_gate(uint16_t sel, uint32_t offset, unsigned type, unsigned dpl,
                          unsigned params)
{
    uint32_t lo = (offset & 0xffff) | ((uint32_t)sel << 16);
    uint32_t hi =
        (offset & 0xffff0000) | DESC_P | (dpl << DESC_DPL_SHIFT) | (type << 8) | params;
    return lo | (uint64_t)hi << 32;
}

static void set_gdt(CPUX86State *env, uint16_t sel, uint64_t desc)
{
    wr(env, GDT + (sel & ~7), 8, desc);
}

static uint32_t gdt_hi(CPUX86State *env, uint16_t sel)
{
    return rd(env, GDT + (sel & ~7) + 4, 4);
}

static void build_gdt_syscall(CPUX86State *env)
{
    set_gdt(env, SEL_STAR_K, make_desc(0, FLAT, CODE64(0)));
    set_gdt(env, SEL_STAR_K + 8, make_desc(0, FLAT, DATA32(0)));
    set_gdt(env, SEL_STAR_U, make_desc(0, FLAT, CODE32(3)));
    set_gdt(env, SEL_STAR_U + 8, make_desc(0, FLAT, DATA32(3)));
    set_gdt(env, SEL_STAR_U + 16, make_desc(0, FLAT, CODE64(3)));
    set_gdt(env, SEL_SYSENT, make_desc(0, FLAT, CODE32(0)));
    set_gdt(env, SEL_SYSENT + 8, make_desc(0, FLAT, DATA32(0)));
    set_gdt(env, SEL_SYSENT + 16, make_desc(0, FLAT, CODE32(3)));
    set_gdt(env, SEL_SYSENT + 24, make_desc(0, FLAT, DATA32(3)));
    set_gdt(env, SEL_SYSENT + 32, make_desc(0, FLAT, CODE64(3)));
    set_gdt(env, SEL_SYSENT + 40, make_desc(0, FLAT, DATA32(3)));
}

static void build_gdt(CPUX86State *env)
{
    set_gdt(env, SEL_CODE0, make_desc(0, FLAT, CODE32(0)));
    set_gdt(env, SEL_DATA0, make_desc(0, FLAT, DATA32(0)));
    set_gdt(env, SEL_CODE3, make_desc(0, FLAT, CODE32(3)));
    set_gdt(env, SEL_DATA3, make_desc(0, FLAT, DATA32(3)));
    set_gdt(env, SEL_TSS_A, make_desc(TSS_A, 0x67, DESC_P | TSS32_TYPE | BUSY_BIT));
    set_gdt(env, SEL_TSS_B, make_desc(TSS_B, 0x67, DESC_P | TSS32_TYPE));
    set_gdt(env, SEL_TSS_C, make_desc(TSS_C, 0x50, DESC_P | TSS32_TYPE));
    set_gdt(env, SEL_TGATE, make_gate(SEL_TSS_B, 0, 5, 3, 0));
    set_gdt(env, SEL_CGATE32, make_gate(SEL_CODE0, FAR_TARGET, 12, 3, 2));
    set_gdt(env, SEL_CGATE16, make_gate(SEL_CODE16, FAR_TARGET, 4, 0, 0));
    set_gdt(env, SEL_CODE16, make_desc(0, 0xffff, DESC_P | DESC_S | DESC_CS | DESC_R));
    set_gdt(env, SEL_CODE64, make_desc(0, FLAT, CODE64(0)));
    set_gdt(env, SEL_CODE64U, make_desc(0, FLAT, CODE64(3)));
    set_gdt(env, SEL_CGATE64, make_gate(SEL_CODE64, FAR_TARGET, 12, 3, 0));
    wr(env, GDT + SEL_CGATE64 + 8, 8, 0);
    set_gdt(env, SEL_TSS64, make_desc(TSS64, 0x67, DESC_P | TSS32_TYPE));
    wr(env, GDT + SEL_TSS64 + 8, 8, 0);
    set_gdt(env, SEL_CGATENP, make_gate(SEL_CODE0, FAR_TARGET, 12, 3, 0) & ~(1ull << 47));
    set_gdt(env, SEL_CGATE0, make_gate(SEL_CODE0, FAR_TARGET, 12, 0, 0));
    build_gdt_syscall(env);
}

static void set_gate32(CPUX86State *env, int vector, uint16_t sel, uint32_t offset,
                       unsigned type, unsigned dpl)
{
    wr(env, IDT + vector * 8, 8, make_gate(sel, offset, type, dpl, 0));
}

static void set_gate64(CPUX86State *env, int vector, uint64_t offset, unsigned dpl,
                       unsigned ist)
{
    wr(env, IDT + vector * 16, 8, make_gate(SEL_CODE64, offset, 14, dpl, ist));
    wr(env, IDT + vector * 16 + 8, 8, offset >> 32);
}

/* ------------------------------------------------------------------------------------
 * CPUs in a known state
 */

static void flat_seg(CPUX86State *env, int seg, uint16_t sel, uint32_t flags)
{
    cpu_set_seg_raw(env, seg, sel, 0, 0xffffffff, flags | DESC_A);
}

static void set_data_segs(CPUX86State *env, uint16_t sel, unsigned dpl)
{
    static const int segs[] = {R_ES, R_DS, R_FS, R_GS};

    for (size_t i = 0; i < ARRAY_SIZE(segs); i++) {
        flat_seg(env, segs[i], sel, DATA32(dpl));
    }
}

/* Flat 32-bit protected mode at CPL 0, running task A, every vector a HLT. */
static CPUX86State *cpu_new_pm32(void)
{
    CPUX86State *env = cpu_x86_new(machine_new("pc", RAM_SIZE));

    build_gdt(env);
    for (int v = 0; v < 256; v++) {
        set_gate32(env, v, SEL_CODE0, HANDLER(v), 14, 0);
        wr(env, HANDLER(v), 1, 0xf4);
    }
    wr(env, TSS_A + 4, 4, STACK0_TOP);
    wr(env, TSS_A + 8, 2, SEL_DATA0);
    env->gdt = (DescTable){GDT, GDT_LIMIT};
    env->idt = (DescTable){IDT, 256 * 8 - 1};
    env->tr = (SegmentCache){SEL_TSS_A, TSS_A, 0x67, DESC_P | (11u << 8)};
    env->cr[0] |= CR0_PE;
    flat_seg(env, R_CS, SEL_CODE0, CODE32(0));
    flat_seg(env, R_SS, SEL_DATA0, DATA32(0));
    set_data_segs(env, SEL_DATA0, 0);
    env->regs[R_ESP] = STACK0_TOP;
    env->rip = CODE;
    return env;
}

static void set_cpl3(CPUX86State *env)
{
    flat_seg(env, R_SS, SEL_DATA3 | 3, DATA32(3));
    flat_seg(env, R_CS, SEL_CODE3 | 3, CODE32(3));
    set_data_segs(env, SEL_DATA3 | 3, 3);
    env->regs[R_ESP] = STACK3_TOP;
    env->rip = USER_CODE;
}

#define PTE_URW 0x07 /* present, writable, user */
#define PTE_PS  0x80 /* a large page */

static void build_page_tables64(CPUX86State *env)
{
    wr(env, PML4, 8, (PML4 + 0x1000) | PTE_URW);
    wr(env, PML4 + 0x1000, 8, (PML4 + 0x2000) | PTE_URW);
    for (uint64_t i = 0; i < 512; i++) {
        wr(env, PML4 + 0x2000 + i * 8, 8, (i << 21) | PTE_URW | PTE_PS);
    }
}

/* A 32-bit page directory at pd identity-mapping the first 4 MiB with 4 KiB pages. */
static void build_page_tables32(CPUX86State *env, uint64_t pd)
{
    wr(env, pd, 4, (pd + 0x1000) | PTE_URW);
    for (uint64_t i = 0; i < 1024; i++) {
        wr(env, pd + 0x1000 + i * 4, 4, (i << 12) | PTE_URW);
    }
}

/* 64-bit mode at CPL 0 with a 64-bit TSS (RSP0, IST1) and 16-byte IDT gates. */
static CPUX86State *cpu_new_long(void)
{
    CPUX86State *env = cpu_new_pm32();

    build_page_tables64(env);
    env->cr[3] = PML4;
    env->cr[4] |= CR4_PAE;
    env->efer |= EFER_LME | EFER_LMA | EFER_SCE;
    env->cr[0] |= CR0_PG;
    env->idt = (DescTable){IDT, 256 * 16 - 1};
    for (int v = 0; v < 256; v++) {
        set_gate64(env, v, HANDLER(v), 0, 0);
    }
    wr(env, TSS64 + 4, 8, STACK0_TOP);
    wr(env, TSS64 + 0x24, 8, SCRATCH + 0x800);
    env->tr = (SegmentCache){SEL_TSS64, TSS64, 0x67, DESC_P | (11u << 8)};
    flat_seg(env, R_CS, SEL_CODE64, CODE64(0));
    tlb_flush(env);
    return env;
}

static void set_cpl3_64(CPUX86State *env)
{
    set_cpl3(env);
    flat_seg(env, R_CS, SEL_CODE64U | 3, CODE64(3));
}

static void cpu_free_all(CPUX86State *env)
{
    Machine *m = env->machine;

    cpu_model_select(env, "reprise", NULL);
    cpu_x86_free(env);
    machine_free(m);
}

static int decode_mode_of(const CPUX86State *env)
{
    if (cpu_is_64bit(env)) {
        return DECODE_64;
    }
    return (env->hflags & HF_CS32) ? DECODE_32 : DECODE_16;
}

/* Run the instruction at CS:rip as the engine would; the vector it raised, or -1. */
static int step(CPUX86State *env)
{
    uint64_t lin = seg_linear(env, R_CS, env->rip);
    const InsnDef *def;
    Insn d;

    g_assert_cmpint(decode_insn(&d, ram(env, lin), 15, decode_mode_of(env)), ==,
                    DECODE_OK);
    def = insn_lookup(&d, cpu_is_64bit(env));
    if (!def) {
        return EXCP_UD;
    }
    d.fn = def->fn;
    env->next_rip = env->rip + d.len;
    env->exception_index = -1;
    if (setjmp(env->jmp_env)) {
        return env->exception_index;
    }
    def->fn(env, &d);
    env->rip = env->next_rip;
    return -1;
}

static void run_until_halt(CPUX86State *env)
{
    g_assert_cmpint(cpu_exec(env, 1000), ==, EXEC_HALTED);
}

static uint32_t stack_slot(CPUX86State *env, int i)
{
    return rd(env, env->segs[R_SS].base + (uint32_t)env->regs[R_ESP] + 4 * i, 4);
}

/* Run `PUT` bytes at CS:rip through step() and expect the given vector (-1: none). */
static void expect_step(CPUX86State *env, int vector)
{
    g_assert_cmpint(step(env), ==, vector);
}

static int wrmsr(CPUX86State *env, uint32_t index, uint64_t v)
{
    uint64_t rip = env->rip;
    int vector;

    PUT(env, SCRATCH + 0x700, 0x0f, 0x30);
    env->rip = SCRATCH + 0x700;
    env->regs[R_ECX] = index;
    env->regs[R_EAX] = (uint32_t)v;
    env->regs[R_EDX] = v >> 32;
    vector = step(env);
    env->rip = rip;
    return vector;
}

static int rdmsr(CPUX86State *env, uint32_t index, uint64_t *v)
{
    uint64_t rip = env->rip;
    int vector;

    PUT(env, SCRATCH + 0x700, 0x0f, 0x32);
    env->rip = SCRATCH + 0x700;
    env->regs[R_ECX] = index;
    vector = step(env);
    env->rip = rip;
    *v = (uint32_t)env->regs[R_EAX] | env->regs[R_EDX] << 32;
    return vector;
}

/* ------------------------------------------------------------------------------------
 * CPUID and CPU models
 */

#define BIT(n) (1u << (n))

static void cpuid_insn(CPUX86State *env, uint32_t leaf, uint32_t out[4])
{
    PUT(env, CODE, 0x0f, 0xa2);
    env->rip = CODE;
    env->regs[R_EAX] = leaf;
    env->regs[R_ECX] = 0;
    expect_step(env, -1);
    out[0] = env->regs[R_EAX];
    out[1] = env->regs[R_EBX];
    out[2] = env->regs[R_ECX];
    out[3] = env->regs[R_EDX];
}

static void test_cpuid_vendor_and_leaves(void)
{
    CPUX86State *env = cpu_new_pm32();
    char vendor[13] = {0};
    uint32_t r[4];

    cpuid_insn(env, 0, r);
    g_assert_cmphex(r[0], ==, 7);
    memcpy(vendor, &r[1], 4);
    memcpy(vendor + 4, &r[3], 4);
    memcpy(vendor + 8, &r[2], 4);
    g_assert_cmpstr(vendor, ==, "AuthenticAMD");
    cpuid_insn(env, 0x80000000, r);
    g_assert_cmphex(r[0], ==, 0x80000008);
    cpuid_insn(env, 0x80000008, r);
    g_assert_cmphex(r[0], ==, 40 | 48 << 8);
    /* Beyond the maximum of either range, and subleaf 1 of leaf 7: zeros. */
    cpuid_insn(env, 8, r);
    g_assert_cmphex(r[0] | r[1] | r[2] | r[3], ==, 0);
    cpuid_insn(env, 0x80000009, r);
    g_assert_cmphex(r[0] | r[1] | r[2] | r[3], ==, 0);
    cpuid_query(env, 7, 1, r);
    g_assert_cmphex(r[0] | r[1] | r[2] | r[3], ==, 0);
    cpu_free_all(env);
}

/* What this CPU implements is advertised; what needs absent hardware is not. */
static void test_cpuid_features(void)
{
    CPUX86State *env = cpu_new_pm32();
    const uint32_t must_1_edx = BIT(2) | BIT(4) | BIT(5) | BIT(8) | BIT(11) | BIT(15) |
                                BIT(16) |
                                BIT(19); /* de tsc msr cx8 sep cmov pat clflush */
    const uint32_t must_1_ecx = BIT(13) | BIT(23) | BIT(30); /* cx16 popcnt rdrand */
    uint32_t r[4], ext[4];

    cpuid_insn(env, 1, r);
    g_assert_cmphex(r[0], ==, 0x00060fb1);
    g_assert_cmphex(r[1], ==, 8 << 8); /* CLFLUSH line: 64 bytes */
    g_assert_cmphex(r[3] & must_1_edx, ==, must_1_edx);
    g_assert_cmphex(r[2] & must_1_ecx, ==, must_1_ecx);
    g_assert_false(r[3] & BIT(9));             /* apic: this machine has none */
    g_assert_false(r[3] & BIT(12));            /* mtrr */
    g_assert_false(r[3] & (BIT(7) | BIT(14))); /* mce, mca */
    g_assert_false(r[2] & BIT(22));            /* movbe: "max" only */
    g_assert_true(cpu_has_feature(env, FEAT_SEP));

    cpuid_insn(env, 0x80000001, ext);
    g_assert_cmphex(ext[0], ==, r[0]);
    g_assert_cmphex(ext[3] & (BIT(11) | BIT(27)), ==,
                    BIT(11) | BIT(27));  /* syscall rdtscp */
    g_assert_cmphex(ext[2], ==, BIT(0)); /* lahf_lm */
    /* AMD mirrors leaf-1 EDX bits 0-9, 12-17, 23-24; SEP and CLFLUSH are not among them.
     */
    g_assert_cmphex(ext[3] & 0x0183f3ffu, ==, r[3] & 0x0183f3ffu);
    g_assert_cmphex(!!(ext[3] & BIT(29)), ==, cpu_has_feature(env, FEAT_LM));
    g_assert_cmphex(!!(r[3] & BIT(6)), ==, cpu_has_feature(env, FEAT_PAE));

    cpuid_insn(env, 7, r);
    g_assert_cmphex(r[1], ==, 0); /* rdseed: "max" only */
    cpu_free_all(env);
}

static void test_cpu_models(void)
{
    CPUX86State *env = cpu_new_pm32();
    Error *err = NULL;
    uint32_t a[4], b[4];
    char *help = NULL;
    size_t len = 0;
    FILE *f;

    g_assert_cmpstr(cpu_model_name(cpu_model_of(env)), ==, "reprise");
    g_assert_false(cpu_model_select(env, "pentium", &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "pentium"));
    error_free(err);

    g_assert_true(cpu_model_select(env, "max", NULL));
    g_assert_cmpstr(cpu_model_name(cpu_model_of(env)), ==, "max");
    cpuid_query(env, 7, 0, a);
    g_assert_cmphex(a[1], ==, BIT(18)); /* rdseed */
    cpuid_query(env, 1, 0, a);
    g_assert_true(a[2] & BIT(22)); /* movbe */
    /* A pure function of the model: the same answers every time. */
    for (uint32_t leaf = 0; leaf < 0x10; leaf++) {
        cpuid_query(env, leaf, 0, a);
        cpuid_query(env, leaf, 0, b);
        g_assert_cmpmem(a, sizeof(a), b, sizeof(b));
    }

    f = open_memstream(&help, &len);
    cpu_model_print_help(f);
    fclose(f);
    g_assert_nonnull(strstr(help, "reprise"));
    g_assert_nonnull(strstr(help, "max"));
    g_assert_nonnull(strstr(help, "syscall*"));
    g_assert_nonnull(strstr(help, " rdseed "));
    free(help);
    cpu_free_all(env);
}

/* CR4 takes only the bits of advertised features: DE yes, PAE only with paging. */
static void test_cr4_follows_cpuid(void)
{
    CPUX86State *env = cpu_new_pm32();

    PUT(env, CODE, 0x0f, 0x22, 0xe0); /* mov cr4, eax */
    env->regs[R_EAX] = CR4_DE | CR4_TSD;
    expect_step(env, -1);
    g_assert_cmphex(env->cr[4], ==, CR4_DE | CR4_TSD);
    env->rip = CODE;
    env->regs[R_EAX] = CR4_PAE;
    expect_step(env, cpu_has_feature(env, FEAT_PAE) ? -1 : EXCP_GP);
    env->rip = CODE;
    env->regs[R_EAX] = CR4_VME | CR4_PVI;
    expect_step(env, cpu_has_feature(env, FEAT_VME) ? -1 : EXCP_GP);
    env->rip = CODE;
    env->regs[R_EAX] = CR4_OSXSAVE; /* XSAVE: not implemented, never advertised */
    expect_step(env, EXCP_GP);
    g_assert_cmphex(cpuid_cr4_valid_bits(env) & CR4_OSFXSR, ==,
                    cpu_has_feature(env, FEAT_FXSR) ? CR4_OSFXSR : 0);
    cpu_free_all(env);
}

/* ------------------------------------------------------------------------------------
 * Long mode: activation, CR8, MSRs, 64-bit segments and far returns
 */

/* Protected mode with PAE tables and EFER.LME, paging still off. */
static CPUX86State *cpu_new_pre_long(void)
{
    CPUX86State *env = cpu_new_pm32();

    build_page_tables64(env);
    env->cr[3] = PML4;
    env->cr[4] |= CR4_PAE;
    env->efer |= EFER_LME; /* LM may not be advertised yet: set directly */
    return env;
}

static void test_long_mode_activation(void)
{
    CPUX86State *env = cpu_new_pre_long();

    /* mov cr0, eax; ljmp SEL_CODE64:FAR_TARGET */
    PUT(env, CODE, 0x0f, 0x22, 0xc0, 0xea, 0x00, 0xd0, 0x00, 0x00, SEL_CODE64, 0x00);
    env->regs[R_EAX] = env->cr[0] | CR0_PG;
    expect_step(env, -1);
    g_assert_true(env->efer & EFER_LMA);
    g_assert_true(env->hflags & HF_LMA);
    g_assert_false(cpu_is_64bit(env)); /* compatibility mode until CS changes */
    expect_step(env, -1);
    g_assert_true(cpu_is_64bit(env));
    g_assert_cmphex(env->rip, ==, FAR_TARGET);

    /* Paging cannot be turned off from 64-bit code, nor PAE cleared in long mode. */
    PUT(env, FAR_TARGET, 0x0f, 0x22, 0xc0, 0x0f, 0x22, 0xe0);
    env->regs[R_EAX] = CR0_PE;
    expect_step(env, EXCP_GP);
    env->rip = FAR_TARGET + 3;
    env->regs[R_EAX] = 0;
    expect_step(env, EXCP_GP);

    /* From compatibility mode it can: LMA goes with it. */
    flat_seg(env, R_CS, SEL_CODE0, CODE32(0));
    env->rip = FAR_TARGET;
    env->regs[R_EAX] = CR0_PE;
    expect_step(env, -1);
    g_assert_false(env->efer & EFER_LMA);
    g_assert_false(env->hflags & HF_LMA);
    g_assert_true(env->efer & EFER_LME);
    cpu_free_all(env);
}

static void test_long_mode_activation_faults(void)
{
    CPUX86State *env = cpu_new_pre_long();

    PUT(env, CODE, 0x0f, 0x22, 0xc0); /* mov cr0, eax */
    env->regs[R_EAX] = env->cr[0] | CR0_PG;
    env->cr[4] &= ~(uint64_t)CR4_PAE; /* long mode needs PAE */
    expect_step(env, EXCP_GP);
    g_assert_false(env->efer & EFER_LMA);
    env->cr[4] |= CR4_PAE;
    flat_seg(env, R_CS, SEL_CODE0, CODE32(0) | DESC_L); /* CS.L set beforehand */
    env->rip = CODE;
    expect_step(env, EXCP_GP);
    g_assert_false(env->cr[0] & CR0_PG);

    cpu_free_all(env);

    /* EFER.LME cannot change while paging is on; LMA is read-only. */
    env = cpu_new_long();
    g_assert_cmpint(wrmsr(env, 0xc0000080, EFER_SCE), ==, EXCP_GP);
    g_assert_cmpint(wrmsr(env, 0xc0000080, EFER_SCE | EFER_LME), ==,
                    cpu_has_feature(env, FEAT_LM) ? -1 : EXCP_GP);
    g_assert_cmphex(env->efer, ==, EFER_SCE | EFER_LME | EFER_LMA);
    cpu_free_all(env);
}

/* Without a local APIC, CR8 is a plain 4-bit register; reserved bits #GP. */
static void test_cr8(void)
{
    CPUX86State *env = cpu_new_long();

    PUT(env, CODE, 0x44, 0x0f, 0x22, 0xc0, /* mov cr8, rax */
        0x44, 0x0f, 0x20, 0xc1,            /* mov rcx, cr8 */
        0x44, 0x0f, 0x22, 0xc0);           /* mov cr8, rax */
    env->regs[R_EAX] = 9;
    expect_step(env, -1);
    expect_step(env, -1);
    g_assert_cmphex(env->regs[R_ECX], ==, 9);
    env->regs[R_EAX] = 16;
    expect_step(env, EXCP_GP);
    g_assert_cmphex(env->cr8, ==, 9);
    cpu_free_all(env);
}

/* With a local APIC, CR8 is its TPR and APIC_BASE/TSC_DEADLINE are its MSRs. */
static void test_apic_cr8_msrs(void)
{
    CPUX86State *env = cpu_new_long();
    Machine *m = env->machine;
    uint32_t r[4];
    uint64_t v;

    m->cpu = env;
    g_assert_nonnull(machine_add_device(m, "apic", NULL, NULL));
    g_assert_nonnull(env->apic);
    cpuid_query(env, 1, 0, r);
    g_assert_true(r[3] & BIT(9));

    PUT(env, CODE, 0x44, 0x0f, 0x22, 0xc0, /* mov cr8, rax */
        0x44, 0x0f, 0x20, 0xc1);           /* mov rcx, cr8 */
    env->regs[R_EAX] = 6;
    expect_step(env, -1);
    g_assert_cmpint(apic_get_tpr(env->apic), ==, 6);
    apic_set_tpr(env->apic, 3);
    expect_step(env, -1);
    g_assert_cmphex(env->regs[R_ECX], ==, 3);

    g_assert_cmpint(rdmsr(env, 0x1b, &v), ==, -1);
    g_assert_cmphex(v, ==, apic_get_base(env->apic));
    g_assert_cmphex(v & ~0xfffull, ==, APIC_DEFAULT_BASE);
    g_assert_cmpint(rdmsr(env, 0x6e0, &v), ==, -1);
    g_assert_cmphex(v, ==, apic_get_tsc_deadline(env->apic));
    machine_free(m); /* the APIC lets go of the CPU first */
    cpu_x86_free(env);
}

static void test_msrs(void)
{
    CPUX86State *env = cpu_new_long();
    uint64_t v;

    g_assert_cmpint(wrmsr(env, 0x12345, 0), ==, EXCP_GP);
    g_assert_cmpint(rdmsr(env, 0xc0010015, &v), ==, EXCP_GP); /* not modelled */
    g_assert_cmpint(rdmsr(env, 0x1b, &v), ==, EXCP_GP);       /* APIC_BASE: no APIC */
    g_assert_cmpint(rdmsr(env, 0xfe, &v), ==, EXCP_GP);       /* MTRRcap: no MTRRs */
    g_assert_cmpint(rdmsr(env, 0x179, &v), ==, EXCP_GP);      /* MCG_CAP: no MCA */

    /* Addresses in MSRs must be canonical. */
    g_assert_cmpint(wrmsr(env, 0xc0000082, 0x0000800000000000ull), ==, EXCP_GP);
    g_assert_cmpint(wrmsr(env, 0xc0000082, 0xffff800000001000ull), ==, -1);
    g_assert_cmphex(env->lstar, ==, 0xffff800000001000ull);
    g_assert_cmpint(wrmsr(env, 0xc0000102, 0x1234000000000000ull), ==, EXCP_GP);
    g_assert_cmpint(wrmsr(env, 0xc0000101, 0xffff880000000000ull), ==, -1);
    g_assert_cmphex(env->segs[R_GS].base, ==, 0xffff880000000000ull);
    g_assert_cmpint(rdmsr(env, 0xc0000101, &v), ==, -1);
    g_assert_cmphex(v, ==, 0xffff880000000000ull);
    g_assert_cmpint(wrmsr(env, 0x176, 0x8000000000000000ull), ==, EXCP_GP);

    /* PAT entries must be memory types; TSC_AUX and FMASK have 32 bits. */
    g_assert_cmpint(wrmsr(env, 0x277, 0x0007040600070402ull), ==, EXCP_GP);
    g_assert_cmpint(wrmsr(env, 0x277, 0x0007010600070406ull), ==, -1);
    g_assert_cmpint(wrmsr(env, 0xc0000103, 1ull << 32), ==, EXCP_GP);
    g_assert_cmpint(wrmsr(env, 0xc0000084, 1ull << 32), ==, EXCP_GP);

    /* MSR access is for CPL 0 only. */
    set_cpl3_64(env);
    g_assert_cmpint(rdmsr(env, 0xc0000080, &v), ==, EXCP_GP);
    cpu_free_all(env);
}

static void test_rdtscp(void)
{
    CPUX86State *env = cpu_new_pm32();

    g_assert_cmpint(wrmsr(env, 0xc0000103, 0x2a), ==, -1);
    g_assert_cmpint(wrmsr(env, 0x10, 0x123400000000ull), ==, -1);
    PUT(env, CODE, 0x0f, 0x01, 0xf9); /* rdtscp */
    env->regs[R_ECX] = ~0ull;
    expect_step(env, -1);
    g_assert_cmphex(env->regs[R_ECX], ==, 0x2a);
    g_assert_cmphex(env->regs[R_EDX], ==, 0x1234);

    /* CR4.TSD makes it privileged, like RDTSC. */
    env->cr[4] |= CR4_TSD;
    set_cpl3(env);
    PUT(env, USER_CODE, 0x0f, 0x01, 0xf9);
    expect_step(env, EXCP_GP);
    cpu_free_all(env);
}

/* In 64-bit mode a descriptor load sets a 32-bit base; null selectors load freely. */
static void test_segments_64(void)
{
    CPUX86State *env = cpu_new_long();

    g_assert_cmpint(wrmsr(env, 0xc0000100, 0xffff800012345000ull), ==, -1);
    PUT(env, CODE, 0x8e, 0xe0,                           /* mov fs, eax */
        0x8e, 0xe9,                                      /* mov gs, ecx */
        0x65, 0x8b, 0x04, 0x25, 0x00, 0x40, 0x00, 0x00); /* mov eax, gs:[0x4000] */
    env->regs[R_EAX] = SEL_DATA0;
    env->regs[R_ECX] = 0;
    wr(env, SCRATCH, 4, 0x5a5a5a5a);
    expect_step(env, -1);
    g_assert_cmphex(env->segs[R_FS].base, ==, 0);
    expect_step(env, -1);
    g_assert_cmphex(env->segs[R_GS].selector, ==, 0);
    /* A null GS still works in 64-bit mode (its base is used, attributes are not). */
    expect_step(env, -1);
    g_assert_cmphex(env->regs[R_EAX], ==, 0x5a5a5a5a);
    cpu_free_all(env);
}

/* LTR in long mode reads a 16-byte TSS descriptor with a 64-bit base. */
static void test_ltr_64bit_tss(void)
{
    CPUX86State *env = cpu_new_long();

    wr(env, GDT + SEL_TSS64 + 8, 4, 0x1);
    PUT(env, CODE, 0x0f, 0x00, 0xd8); /* ltr ax */
    env->regs[R_EAX] = SEL_TSS64;
    expect_step(env, -1);
    g_assert_cmphex(env->tr.base, ==, 0x100000000ull + TSS64);
    g_assert_cmphex(gdt_hi(env, SEL_TSS64) & BUSY_BIT, ==, BUSY_BIT);

    /* The upper half of a 16-byte system descriptor must have type 0. */
    wr(env, GDT + SEL_TSS64 + 4, 4, gdt_hi(env, SEL_TSS64) & ~BUSY_BIT);
    wr(env, GDT + SEL_TSS64 + 12, 4, 9u << 8);
    env->rip = CODE;
    expect_step(env, EXCP_GP);
    g_assert_cmphex(env->error_code, ==, SEL_TSS64);
    cpu_free_all(env);
}

/* RETFQ pops 8-byte slots; a far JMP through m16:64 reaches 64-bit code again. */
static void test_far_return_64(void)
{
    CPUX86State *env = cpu_new_long();

    env->regs[R_ESP] = STACK0_TOP - 16;
    wr(env, STACK0_TOP - 16, 8, FAR_TARGET);
    wr(env, STACK0_TOP - 8, 8, SEL_CODE0);
    PUT(env, CODE, 0x48, 0xcb); /* retfq */
    expect_step(env, -1);
    g_assert_false(cpu_is_64bit(env));
    g_assert_true(env->hflags & HF_LMA);
    g_assert_cmphex(env->rip, ==, FAR_TARGET);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK0_TOP);

    /* Back to 64-bit code from compatibility mode: jmp far [0x4000] (m16:32). */
    wr(env, SCRATCH, 4, CODE + 0x10);
    wr(env, SCRATCH + 4, 2, SEL_CODE64);
    PUT(env, FAR_TARGET, 0xff, 0x2d, 0x00, 0x40, 0x00, 0x00);
    expect_step(env, -1);
    g_assert_true(cpu_is_64bit(env));
    g_assert_cmphex(env->rip, ==, CODE + 0x10);

    /* 64-bit mode, REX.W: jmp far [0x4010] takes an m16:64 pointer. */
    wr(env, SCRATCH + 0x10, 8, FAR_TARGET + 0x20);
    wr(env, SCRATCH + 0x18, 2, SEL_CODE64);
    PUT(env, CODE + 0x10, 0x48, 0xff, 0x2c, 0x25, 0x10, 0x40, 0x00, 0x00);
    expect_step(env, -1);
    g_assert_cmphex(env->rip, ==, FAR_TARGET + 0x20);
    cpu_free_all(env);
}

/* ------------------------------------------------------------------------------------
 * SYSCALL / SYSRET, SYSENTER / SYSEXIT, SWAPGS
 */

#define FMASK_BITS (IF_MASK | TF_MASK | DF_MASK | AC_MASK)

static CPUX86State *cpu_new_long_user(void)
{
    CPUX86State *env = cpu_new_long();

    env->star = STAR_VALUE;
    env->lstar = FAR_TARGET;
    env->cstar = FAR_TARGET + 0x100;
    env->fmask = FMASK_BITS;
    set_cpl3_64(env);
    env->regs[R_ESP] = STACK3_TOP - 8;
    cpu_set_eflags(env, IF_MASK | DF_MASK | CC_C, IF_MASK | DF_MASK | CC_C);
    return env;
}

static void test_syscall_sysret_64(void)
{
    CPUX86State *env = cpu_new_long_user();

    PUT(env, USER_CODE, 0x0f, 0x05);        /* syscall */
    PUT(env, FAR_TARGET, 0x48, 0x0f, 0x07); /* sysretq */
    expect_step(env, -1);
    g_assert_cmpint(cpu_cpl(env), ==, 0);
    g_assert_true(cpu_is_64bit(env));
    g_assert_cmphex(env->segs[R_CS].selector, ==, SEL_STAR_K);
    g_assert_cmphex(env->segs[R_SS].selector, ==, SEL_STAR_K + 8);
    g_assert_cmphex(env->rip, ==, FAR_TARGET);
    g_assert_cmphex(env->regs[R_ECX], ==, USER_CODE + 2);
    g_assert_cmphex(env->regs[R_R11] & (IF_MASK | DF_MASK | CC_C), ==,
                    IF_MASK | DF_MASK | CC_C);
    g_assert_false(env->eflags & (IF_MASK | DF_MASK));
    g_assert_true(cpu_get_eflags(env) & CC_C); /* not in FMASK */
    g_assert_cmphex(env->regs[R_ESP], ==, STACK3_TOP - 8);

    expect_step(env, -1);
    g_assert_cmpint(cpu_cpl(env), ==, 3);
    g_assert_true(cpu_is_64bit(env));
    g_assert_cmphex(env->segs[R_CS].selector, ==, (SEL_STAR_U + 16) | 3);
    g_assert_cmphex(env->segs[R_SS].selector, ==, (SEL_STAR_U + 8) | 3);
    g_assert_cmphex(env->rip, ==, USER_CODE + 2);
    g_assert_true(env->eflags & IF_MASK);
    g_assert_true(env->eflags & DF_MASK);
    cpu_free_all(env);
}

/* A compatibility-mode caller enters at CSTAR; SYSRET without REX.W returns there. */
static void test_syscall_sysret_compat(void)
{
    CPUX86State *env = cpu_new_long_user();

    flat_seg(env, R_CS, SEL_STAR_U | 3, CODE32(3));
    PUT(env, USER_CODE, 0x0f, 0x05);
    PUT(env, FAR_TARGET + 0x100, 0x0f, 0x07); /* sysretl */
    expect_step(env, -1);
    g_assert_true(cpu_is_64bit(env));
    g_assert_cmphex(env->rip, ==, FAR_TARGET + 0x100);
    expect_step(env, -1);
    g_assert_false(cpu_is_64bit(env));
    g_assert_true(env->hflags & HF_LMA);
    g_assert_cmphex(env->segs[R_CS].selector, ==, SEL_STAR_U | 3);
    g_assert_cmphex(env->rip, ==, USER_CODE + 2);
    cpu_free_all(env);
}

static void test_syscall_faults(void)
{
    CPUX86State *env = cpu_new_long_user();

    PUT(env, USER_CODE, 0x48, 0x0f, 0x07, 0x0f, 0x05);
    expect_step(env, EXCP_GP); /* SYSRET at CPL 3 */
    env->rip = USER_CODE + 3;
    env->efer &= ~(uint64_t)EFER_SCE;
    expect_step(env, EXCP_UD); /* SYSCALL with EFER.SCE clear */
    cpu_free_all(env);
}

/*
 * AMD: SYSRET to a non-canonical RCX completes; the fetch then faults at CPL 3,
 * so the kernel never runs a #GP on the user's stack (Intel faults at CPL 0).
 */
static void test_sysret_noncanonical_amd(void)
{
    CPUX86State *env = cpu_new_long_user();

    flat_seg(env, R_CS, SEL_STAR_K, CODE64(0));
    flat_seg(env, R_SS, SEL_STAR_K + 8, DATA32(0));
    env->rip = CODE;
    env->regs[R_ESP] = STACK0_TOP;
    env->regs[R_ECX] = 0x0000800000000000ull;
    env->regs[R_R11] = EFLAGS_FIXED;
    PUT(env, CODE, 0x48, 0x0f, 0x07);
    expect_step(env, -1);
    g_assert_cmpint(cpu_cpl(env), ==, 3);
    g_assert_cmphex(env->rip, ==, 0x0000800000000000ull);
    run_until_halt(env);
    g_assert_cmphex(env->rip, ==, HANDLER(EXCP_GP) + 1);
    g_assert_cmphex(rd(env, STACK0_TOP - 48, 8), ==, 0);                     /* error */
    g_assert_cmphex(rd(env, STACK0_TOP - 40, 8), ==, 0x0000800000000000ull); /* RIP */
    g_assert_cmphex(rd(env, STACK0_TOP - 32, 8), ==, (SEL_STAR_U + 16) | 3);
    cpu_free_all(env);
}

static void test_syscall_sysret_legacy(void)
{
    CPUX86State *env = cpu_new_pm32();

    env->efer |= EFER_SCE;
    env->star = STAR_VALUE | FAR_TARGET;
    set_cpl3(env);
    env->eflags |= IF_MASK;
    PUT(env, USER_CODE, 0x0f, 0x05);
    PUT(env, FAR_TARGET, 0x0f, 0x07);
    expect_step(env, -1);
    g_assert_cmpint(cpu_cpl(env), ==, 0);
    g_assert_true(env->hflags & HF_CS32);
    g_assert_cmphex(env->segs[R_CS].selector, ==, SEL_STAR_K);
    g_assert_cmphex(env->rip, ==, FAR_TARGET);
    g_assert_cmphex(env->regs[R_ECX], ==, USER_CODE + 2);
    g_assert_false(env->eflags & IF_MASK);
    expect_step(env, -1);
    g_assert_cmpint(cpu_cpl(env), ==, 3);
    g_assert_cmphex(env->segs[R_CS].selector, ==, SEL_STAR_U | 3);
    g_assert_cmphex(env->segs[R_SS].selector, ==, (SEL_STAR_U + 8) | 3);
    g_assert_cmphex(env->rip, ==, USER_CODE + 2);
    g_assert_true(env->eflags & IF_MASK);
    cpu_free_all(env);
}

static void test_sysenter_sysexit_legacy(void)
{
    CPUX86State *env = cpu_new_pm32();

    set_cpl3(env);
    env->eflags |= IF_MASK;
    PUT(env, USER_CODE, 0x0f, 0x34);
    PUT(env, FAR_TARGET, 0x0f, 0x35);
    expect_step(env, EXCP_GP); /* SYSENTER_CS is 0 */

    g_assert_cmpint(wrmsr(env, 0x174, SEL_SYSENT), ==, EXCP_GP); /* CPL 3 */
    env->sysenter_cs = SEL_SYSENT;
    env->sysenter_esp = STACK0_TOP;
    env->sysenter_eip = FAR_TARGET;
    env->rip = USER_CODE;
    expect_step(env, -1);
    g_assert_cmpint(cpu_cpl(env), ==, 0);
    g_assert_cmphex(env->segs[R_CS].selector, ==, SEL_SYSENT);
    g_assert_cmphex(env->segs[R_SS].selector, ==, SEL_SYSENT + 8);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK0_TOP);
    g_assert_cmphex(env->rip, ==, FAR_TARGET);
    g_assert_false(env->eflags & IF_MASK);

    env->regs[R_ECX] = STACK3_TOP - 0x10;
    env->regs[R_EDX] = USER_CODE + 0x20;
    expect_step(env, -1);
    g_assert_cmpint(cpu_cpl(env), ==, 3);
    g_assert_true(env->hflags & HF_CS32);
    g_assert_cmphex(env->segs[R_CS].selector, ==, (SEL_SYSENT + 16) | 3);
    g_assert_cmphex(env->segs[R_SS].selector, ==, (SEL_SYSENT + 24) | 3);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK3_TOP - 0x10);
    g_assert_cmphex(env->rip, ==, USER_CODE + 0x20);

    PUT(env, USER_CODE + 0x20, 0x0f, 0x35);
    expect_step(env, EXCP_GP); /* SYSEXIT at CPL 3 */
    cpu_free_all(env);
}

static void test_sysenter_sysexit_64(void)
{
    CPUX86State *env = cpu_new_long_user();

    env->sysenter_cs = SEL_SYSENT;
    env->sysenter_esp = 0xffff800000007000ull;
    env->sysenter_eip = FAR_TARGET;
    PUT(env, USER_CODE, 0x0f, 0x34);
    PUT(env, FAR_TARGET, 0x48, 0x0f, 0x35, 0x48, 0x0f, 0x35);
    expect_step(env, -1);
    g_assert_true(cpu_is_64bit(env));
    g_assert_cmpint(cpu_cpl(env), ==, 0);
    g_assert_cmphex(env->regs[R_ESP], ==, 0xffff800000007000ull);

    env->regs[R_ECX] = 0x00007fff00001000ull;
    env->regs[R_EDX] = 0x0000800000000000ull; /* not canonical */
    expect_step(env, EXCP_GP);
    env->regs[R_EDX] = USER_CODE + 0x40;
    expect_step(env, -1);
    g_assert_true(cpu_is_64bit(env));
    g_assert_cmpint(cpu_cpl(env), ==, 3);
    g_assert_cmphex(env->segs[R_CS].selector, ==, (SEL_SYSENT + 32) | 3);
    g_assert_cmphex(env->segs[R_SS].selector, ==, (SEL_SYSENT + 40) | 3);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x00007fff00001000ull);
    g_assert_cmphex(env->rip, ==, USER_CODE + 0x40);
    cpu_free_all(env);
}

static void test_swapgs(void)
{
    CPUX86State *env = cpu_new_long();

    env->segs[R_GS].base = 0x1000;
    env->kernel_gs_base = 0xffff888000002000ull;
    PUT(env, CODE, 0x0f, 0x01, 0xf8, 0x0f, 0x01, 0xf8);
    expect_step(env, -1);
    g_assert_cmphex(env->segs[R_GS].base, ==, 0xffff888000002000ull);
    g_assert_cmphex(env->kernel_gs_base, ==, 0x1000);
    expect_step(env, -1);
    g_assert_cmphex(env->segs[R_GS].base, ==, 0x1000);

    set_cpl3_64(env);
    PUT(env, USER_CODE, 0x0f, 0x01, 0xf8);
    expect_step(env, EXCP_GP);
    cpu_free_all(env);

    env = cpu_new_pm32(); /* outside 64-bit mode it does not exist */
    PUT(env, CODE, 0x0f, 0x01, 0xf8);
    expect_step(env, EXCP_UD);
    cpu_free_all(env);
}

/* ------------------------------------------------------------------------------------
 * Call gates
 */

/* CPL 3 -> 0 through a 32-bit gate: SS0:ESP0 from the TSS, two parameters copied. */
static void test_call_gate_inner_with_params(void)
{
    CPUX86State *env = cpu_new_pm32();

    set_cpl3(env);
    env->regs[R_ESP] = STACK3_TOP - 8;
    wr(env, STACK3_TOP - 8, 4, 0x2222); /* pushed last */
    wr(env, STACK3_TOP - 4, 4, 0x1111); /* pushed first */
    PUT(env, USER_CODE, 0x9a, 0x00, 0x00, 0x00, 0x00, SEL_CGATE32 | 3, 0x00);
    PUT(env, FAR_TARGET, 0xca, 0x08, 0x00); /* retf 8 */
    expect_step(env, -1);
    g_assert_cmpint(cpu_cpl(env), ==, 0);
    g_assert_cmphex(env->segs[R_CS].selector, ==, SEL_CODE0);
    g_assert_cmphex(env->segs[R_SS].selector, ==, SEL_DATA0);
    g_assert_cmphex(env->rip, ==, FAR_TARGET);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK0_TOP - 24);
    g_assert_cmphex(stack_slot(env, 0), ==, USER_CODE + 7);
    g_assert_cmphex(stack_slot(env, 1), ==, SEL_CODE3 | 3);
    g_assert_cmphex(stack_slot(env, 2), ==, 0x2222);
    g_assert_cmphex(stack_slot(env, 3), ==, 0x1111);
    g_assert_cmphex(stack_slot(env, 4), ==, STACK3_TOP - 8);
    g_assert_cmphex(stack_slot(env, 5), ==, SEL_DATA3 | 3);

    /* RETF 8 releases the parameters on both stacks. */
    expect_step(env, -1);
    g_assert_cmpint(cpu_cpl(env), ==, 3);
    g_assert_cmphex(env->rip, ==, USER_CODE + 7);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK3_TOP);
    cpu_free_all(env);
}

/* A 16-bit gate at the same level pushes a 16-bit return address. */
static void test_call_gate_16bit_same_level(void)
{
    CPUX86State *env = cpu_new_pm32();

    PUT(env, CODE, 0x9a, 0x00, 0x00, 0x00, 0x00, SEL_CGATE16, 0x00);
    expect_step(env, -1);
    g_assert_cmphex(env->segs[R_CS].selector, ==, SEL_CODE16);
    g_assert_false(env->hflags & HF_CS32);
    g_assert_cmphex(env->rip, ==, FAR_TARGET);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK0_TOP - 4);
    g_assert_cmphex(rd(env, STACK0_TOP - 4, 2), ==, CODE + 7);
    g_assert_cmphex(rd(env, STACK0_TOP - 2, 2), ==, SEL_CODE0);
    cpu_free_all(env);
}

typedef struct GateFault {
    uint16_t sel;
    bool jmp;
    int vector;
    int error;
} GateFault;

static const GateFault gate_faults[] = {
    {SEL_CGATE0 | 3, false, EXCP_GP, SEL_CGATE0},   /* gate DPL 0 < CPL 3 */
    {SEL_CGATENP | 3, false, EXCP_NP, SEL_CGATENP}, /* gate not present */
    {SEL_CGATE32 | 3, true, EXCP_GP, SEL_CODE0},    /* JMP cannot raise privilege */
    {SEL_TSS_C | 3, true, EXCP_GP, SEL_TSS_C},      /* TSS DPL 0 < CPL 3 */
};

static void test_call_gate_faults(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(gate_faults); i++) {
        const GateFault *f = &gate_faults[i];
        CPUX86State *env = cpu_new_pm32();
        uint8_t *p;

        set_cpl3(env);
        p = ram(env, USER_CODE);
        p[0] = f->jmp ? 0xea : 0x9a;
        st_le(p + 1, 4, 0);
        st_le(p + 5, 2, f->sel);
        expect_step(env, f->vector);
        g_assert_cmphex(env->error_code, ==, f->error);
        g_assert_cmpint(cpu_cpl(env), ==, 3);
        g_assert_cmphex(env->regs[R_ESP], ==, STACK3_TOP);
        cpu_free_all(env);
    }
}

/* Long mode: a 16-byte gate to 64-bit code, RSP0 and a null SS, 8-byte slots. */
static void test_call_gate_64(void)
{
    CPUX86State *env = cpu_new_long();

    set_cpl3_64(env);
    env->regs[R_ESP] = STACK3_TOP - 8;
    wr(env, SCRATCH, 4, 0);
    wr(env, SCRATCH + 4, 2, SEL_CGATE64 | 3);
    PUT(env, USER_CODE, 0xff, 0x1c, 0x25, 0x00, 0x40, 0x00, 0x00); /* call far [0x4000] */
    PUT(env, FAR_TARGET, 0x48, 0xcb);                              /* retfq */
    expect_step(env, -1);
    g_assert_true(cpu_is_64bit(env));
    g_assert_cmpint(cpu_cpl(env), ==, 0);
    g_assert_cmphex(env->segs[R_SS].selector, ==, 0);
    g_assert_cmphex(env->rip, ==, FAR_TARGET);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK0_TOP - 32);
    g_assert_cmphex(rd(env, STACK0_TOP - 32, 8), ==, USER_CODE + 7);
    g_assert_cmphex(rd(env, STACK0_TOP - 24, 8), ==, SEL_CODE64U | 3);
    g_assert_cmphex(rd(env, STACK0_TOP - 16, 8), ==, STACK3_TOP - 8);
    g_assert_cmphex(rd(env, STACK0_TOP - 8, 8), ==, SEL_DATA3 | 3);

    expect_step(env, -1);
    g_assert_cmpint(cpu_cpl(env), ==, 3);
    g_assert_cmphex(env->rip, ==, USER_CODE + 7);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK3_TOP - 8);
    g_assert_cmphex(env->segs[R_SS].selector, ==, SEL_DATA3 | 3);
    cpu_free_all(env);

    /* The upper half of a 64-bit gate must have type 0. */
    env = cpu_new_long();
    wr(env, GDT + SEL_CGATE64 + 12, 4, 12u << 8);
    wr(env, SCRATCH + 4, 2, SEL_CGATE64);
    PUT(env, CODE, 0xff, 0x1c, 0x25, 0x00, 0x40, 0x00, 0x00);
    expect_step(env, EXCP_GP);
    g_assert_cmphex(env->error_code, ==, SEL_CGATE64);
    cpu_free_all(env);
}

/* ------------------------------------------------------------------------------------
 * Task switches
 */

#define SEL_LDT 0xa0 /* an LDT with one data descriptor, at SCRATCH + 0x100 */

/* Task B: ring 0 at TASK_CODE on its own stack, page directory PD32_B, the LDT. */
static void build_task_b(CPUX86State *env)
{
    static const uint16_t segs[NR_SEGS] = {SEL_DATA0, SEL_CODE0, SEL_DATA0,
                                           SEL_DATA0, SEL_DATA0, 0};

    wr(env, TSS_B + 0x1c, 4, PD32_B);
    wr(env, TSS_B + 0x20, 4, TASK_CODE);
    wr(env, TSS_B + 0x24, 4, EFLAGS_FIXED);
    for (int i = 0; i < 8; i++) {
        wr(env, TSS_B + 0x28 + 4 * i, 4, 0xb000 + i);
    }
    wr(env, TSS_B + 0x38, 4, STACKB_TOP);
    for (int i = 0; i < NR_SEGS; i++) {
        wr(env, TSS_B + 0x48 + 4 * i, 4, segs[i]);
    }
    wr(env, TSS_B + 0x60, 4, SEL_LDT);
    set_gdt(env, SEL_LDT, make_desc(SCRATCH + 0x100, 7, DESC_P | (2u << 8)));
    wr(env, SCRATCH + 0x100, 8, make_desc(0x50000, 0xffff, DATA32(0) & ~DESC_G));
    wr(env, TASK_CODE, 1, 0xf4);
}

/* Task A (the current one) with paging on, tables PD32_A. */
static CPUX86State *cpu_new_tasks(void)
{
    CPUX86State *env = cpu_new_pm32();

    build_page_tables32(env, PD32_A);
    build_page_tables32(env, PD32_B);
    env->cr[3] = PD32_A;
    wr(env, TSS_A + 0x1c, 4, PD32_A); /* task switches load CR3, never save it */
    env->cr[0] |= CR0_PG;
    tlb_flush(env);
    build_task_b(env);
    for (int i = 0; i < 8; i++) {
        if (i != R_ESP) {
            env->regs[i] = 0xa000 + i;
        }
    }
    return env;
}

static unsigned gdt_type(CPUX86State *env, uint16_t sel)
{
    return (gdt_hi(env, sel) >> 8) & 15;
}

static void test_task_jmp(void)
{
    CPUX86State *env = cpu_new_tasks();

    PUT(env, CODE, 0xea, 0x00, 0x00, 0x00, 0x00, SEL_TSS_B, 0x00);
    expect_step(env, -1);
    /* The new task's state... */
    g_assert_cmphex(env->tr.selector, ==, SEL_TSS_B);
    g_assert_cmphex(env->tr.base, ==, TSS_B);
    g_assert_cmphex(env->rip, ==, TASK_CODE);
    g_assert_cmphex(env->regs[R_EAX], ==, 0xb000);
    g_assert_cmphex(env->regs[R_EDI], ==, 0xb007);
    g_assert_cmphex(env->regs[R_ESP], ==, STACKB_TOP);
    g_assert_cmphex(env->segs[R_CS].selector, ==, SEL_CODE0);
    g_assert_cmphex(env->segs[R_GS].selector, ==, 0);
    g_assert_cmphex(env->cr[3], ==, PD32_B);
    g_assert_true(env->cr[0] & CR0_TS);
    g_assert_cmphex(env->ldt.selector, ==, SEL_LDT);
    g_assert_cmphex(env->ldt.base, ==, SCRATCH + 0x100);
    g_assert_false(env->eflags & NT_MASK);
    /* ...the old task's, saved... */
    g_assert_cmphex(rd(env, TSS_A + 0x20, 4), ==, CODE + 7);
    g_assert_cmphex(rd(env, TSS_A + 0x28, 4), ==, 0xa000);
    g_assert_cmphex(rd(env, TSS_A + 0x38, 4), ==, STACK0_TOP);
    g_assert_cmphex(rd(env, TSS_A + 0x4c, 2), ==, SEL_CODE0);
    /* ...and the busy bits: JMP frees the old task. */
    g_assert_cmpint(gdt_type(env, SEL_TSS_A), ==, 9);
    g_assert_cmpint(gdt_type(env, SEL_TSS_B), ==, 11);
    /* The LDT of task B is live. */
    PUT(env, TASK_CODE, 0x8e, 0xd8); /* mov ds, ax */
    env->regs[R_EAX] = 0x04;
    expect_step(env, -1);
    g_assert_cmphex(env->segs[R_DS].base, ==, 0x50000);
    cpu_free_all(env);
}

/* CALL through a task gate nests: link, NT, both busy; IRET returns and unnests. */
static void test_task_call_and_iret(void)
{
    CPUX86State *env = cpu_new_tasks();

    set_cpl3(env);
    env->regs[R_EAX] = 0xa000;
    PUT(env, USER_CODE, 0x9a, 0x00, 0x00, 0x00, 0x00, SEL_TGATE | 3, 0x00);
    PUT(env, TASK_CODE, 0xcf); /* iret */
    expect_step(env, -1);
    g_assert_cmphex(env->tr.selector, ==, SEL_TSS_B);
    g_assert_cmpint(cpu_cpl(env), ==, 0);
    g_assert_true(env->eflags & NT_MASK);
    g_assert_cmphex(rd(env, TSS_B, 2), ==, SEL_TSS_A);
    g_assert_cmpint(gdt_type(env, SEL_TSS_A), ==, 11);
    g_assert_cmpint(gdt_type(env, SEL_TSS_B), ==, 11);

    env->cr[0] &= ~(uint64_t)CR0_TS;
    expect_step(env, -1);
    g_assert_cmphex(env->tr.selector, ==, SEL_TSS_A);
    g_assert_cmpint(cpu_cpl(env), ==, 3);
    g_assert_cmphex(env->rip, ==, USER_CODE + 7);
    g_assert_cmphex(env->regs[R_EAX], ==, 0xa000);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK3_TOP);
    g_assert_cmphex(env->cr[3], ==, PD32_A);
    g_assert_true(env->cr[0] & CR0_TS);
    g_assert_false(env->eflags & NT_MASK);
    g_assert_cmpint(gdt_type(env, SEL_TSS_A), ==, 11);
    g_assert_cmpint(gdt_type(env, SEL_TSS_B), ==, 9);
    /* Task B's state as IRET left it, NT clear in its saved EFLAGS. */
    g_assert_cmphex(rd(env, TSS_B + 0x20, 4), ==, TASK_CODE + 1);
    g_assert_false(rd(env, TSS_B + 0x24, 4) & NT_MASK);
    cpu_free_all(env);
}

/* INT n through a task gate in the IDT. */
static void test_task_gate_interrupt(void)
{
    CPUX86State *env = cpu_new_tasks();

    wr(env, IDT + 0x50 * 8, 8, make_gate(SEL_TSS_B, 0, 5, 3, 0));
    set_cpl3(env);
    PUT(env, USER_CODE, 0xcd, 0x50);
    run_until_halt(env);
    g_assert_cmphex(env->tr.selector, ==, SEL_TSS_B);
    g_assert_cmphex(env->rip, ==, TASK_CODE + 1);
    g_assert_true(env->eflags & NT_MASK);
    g_assert_cmphex(rd(env, TSS_B, 2), ==, SEL_TSS_A);
    g_assert_cmphex(rd(env, TSS_A + 0x20, 4), ==, USER_CODE + 2);
    g_assert_cmphex(env->regs[R_ESP], ==, STACKB_TOP);
    cpu_free_all(env);
}

/* A fault through a task gate: its error code goes on the new task's stack. */
static void test_task_gate_fault_error_code(void)
{
    CPUX86State *env = cpu_new_tasks();

    wr(env, IDT + EXCP_GP * 8, 8, make_gate(SEL_TSS_B, 0, 5, 0, 0));
    PUT(env, CODE, 0x8e, 0xd8); /* mov ds, ax: a TSS selector is #GP(sel) */
    env->regs[R_EAX] = SEL_TSS_C;
    run_until_halt(env);
    g_assert_cmphex(env->tr.selector, ==, SEL_TSS_B);
    g_assert_cmphex(env->regs[R_ESP], ==, STACKB_TOP - 4);
    g_assert_cmphex(rd(env, STACKB_TOP - 4, 4), ==, SEL_TSS_C);
    g_assert_cmphex(rd(env, TSS_A + 0x20, 4), ==, CODE); /* the faulting instruction */
    cpu_free_all(env);
}

static void test_task_switch_faults(void)
{
    CPUX86State *env = cpu_new_tasks();

    PUT(env, CODE, 0xea, 0x00, 0x00, 0x00, 0x00, SEL_TSS_C, 0x00);
    expect_step(env, EXCP_TS); /* limit below 0x67 */
    g_assert_cmphex(env->error_code, ==, SEL_TSS_C);
    PUT(env, CODE, 0xea, 0x00, 0x00, 0x00, 0x00, SEL_TSS_A, 0x00);
    expect_step(env, EXCP_GP); /* busy: the current task */
    g_assert_cmphex(env->error_code, ==, SEL_TSS_A);
    g_assert_cmphex(env->tr.selector, ==, SEL_TSS_A);

    /* A bad CS in the new TSS faults in the new task's context. */
    wr(env, TSS_B + 0x4c, 4, SEL_DATA0);
    PUT(env, CODE, 0xea, 0x00, 0x00, 0x00, 0x00, SEL_TSS_B, 0x00);
    expect_step(env, EXCP_TS);
    g_assert_cmphex(env->error_code, ==, SEL_DATA0);
    g_assert_cmphex(env->tr.selector, ==, SEL_TSS_B);
    g_assert_cmphex(env->rip, ==, TASK_CODE);
    g_assert_cmphex(env->segs[R_CS].selector, ==, SEL_DATA0);
    cpu_free_all(env);

    /* IRET with NT to a link that is not a busy TSS: #TS(link). */
    env = cpu_new_tasks();
    wr(env, TSS_A, 2, SEL_TSS_B);
    env->eflags |= NT_MASK;
    PUT(env, CODE, 0xcf);
    expect_step(env, EXCP_TS);
    g_assert_cmphex(env->error_code, ==, SEL_TSS_B);
    cpu_free_all(env);
}

/* The T bit of the new TSS raises #DB (DR6.BT) before its first instruction. */
static void test_task_debug_trap(void)
{
    CPUX86State *env = cpu_new_tasks();

    env->dr[7] |= DR7_L0;
    wr(env, TSS_B + 0x64, 2, 1);
    PUT(env, CODE, 0xea, 0x00, 0x00, 0x00, 0x00, SEL_TSS_B, 0x00);
    expect_step(env, EXCP_DB);
    g_assert_true(env->dr[6] & DR6_BT);
    g_assert_cmphex(env->rip, ==, TASK_CODE);
    g_assert_false(env->dr[7] & DR7_L0); /* local breakpoints belong to a task */
    cpu_free_all(env);
}

/* 16-bit TSSs (SDM 7.6): D after the usual GDT, with a task gate to it. */
#define TSS_D      (SCRATCH + 0x300)
#define SEL_TSS_D  0x110
#define SEL_TGATED 0x118
#define SEL_DATA16 0x120 /* 16-bit stack: the upper half of ESP is not used */
#define TASKD_CODE (TASK_CODE + 0x10)
#define STACKD_TOP (STACKB_TOP - 0x100)

static void build_task_d(CPUX86State *env, uint32_t limit)
{
    static const uint16_t segs[4] = {SEL_DATA0, SEL_CODE0, SEL_DATA16, SEL_DATA0};

    set_gdt(env, SEL_TSS_D, make_desc(TSS_D, limit, DESC_P | (1u << DESC_TYPE_SHIFT)));
    set_gdt(env, SEL_TGATED, make_gate(SEL_TSS_D, 0, 5, 0, 0));
    set_gdt(env, SEL_DATA16, make_desc(0, 0xffff, DESC_P | DESC_S | DESC_W));
    env->gdt.limit = SEL_DATA16 + 7;
    wr(env, TSS_D + 0x0e, 2, TASKD_CODE);
    wr(env, TSS_D + 0x10, 2, EFLAGS_FIXED | CC_C);
    for (int i = 0; i < 8; i++) {
        wr(env, TSS_D + 0x12 + 2 * i, 2, 0xd000 + i);
    }
    wr(env, TSS_D + 0x1a, 2, STACKD_TOP);
    for (int i = 0; i < 4; i++) {
        wr(env, TSS_D + 0x22 + 2 * i, 2, segs[i]);
    }
    wr(env, TSS_D + 0x2a, 2, 0);
    wr(env, TASKD_CODE, 1, 0xf4);
}

/* JMP from a 32-bit TSS to a 16-bit one: 16-bit fields, FS/GS null, CR3 kept. */
static void test_task16_jmp(void)
{
    CPUX86State *env = cpu_new_tasks();

    build_task_d(env, 0x2b);
    env->eflags |= AC_MASK;
    PUT(env, CODE, 0xea, 0x00, 0x00, 0x00, 0x00, SEL_TSS_D & 0xff, SEL_TSS_D >> 8);
    expect_step(env, -1);
    g_assert_cmphex(env->tr.selector, ==, SEL_TSS_D);
    g_assert_cmpint(desc_type(env->tr.flags), ==, 3);
    g_assert_cmphex(env->rip, ==, TASKD_CODE);
    g_assert_cmphex(env->regs[R_EAX], ==, 0xffffd000);
    g_assert_cmphex(env->regs[R_EDI], ==, 0xffffd007);
    g_assert_cmphex(env->regs[R_ESP], ==, 0xffff0000 | STACKD_TOP);
    g_assert_cmphex(cpu_get_eflags(env), ==, EFLAGS_FIXED | CC_C); /* AC gone */
    g_assert_cmphex(env->segs[R_CS].selector, ==, SEL_CODE0);
    g_assert_cmphex(env->segs[R_FS].selector, ==, 0);
    g_assert_cmphex(env->segs[R_GS].selector, ==, 0);
    g_assert_cmphex(env->cr[3], ==, PD32_A); /* a 16-bit TSS has no CR3 */
    g_assert_cmpint(gdt_type(env, SEL_TSS_A), ==, 9);
    g_assert_cmpint(gdt_type(env, SEL_TSS_D), ==, 3);
    g_assert_cmphex(rd(env, TSS_A + 0x20, 4), ==, CODE + 7);
    cpu_free_all(env);

    /* A 16-bit TSS needs a limit of at least 2Bh. */
    env = cpu_new_tasks();
    build_task_d(env, 0x2a);
    PUT(env, CODE, 0xea, 0x00, 0x00, 0x00, 0x00, SEL_TSS_D & 0xff, SEL_TSS_D >> 8);
    expect_step(env, EXCP_TS);
    g_assert_cmphex(env->error_code, ==, SEL_TSS_D);
    cpu_free_all(env);
}

/*
 * CALL through a task gate to a 16-bit task nests it (link, NT); IRET saves the
 * 16-bit task's state in its 16-bit layout and returns to the 32-bit task.
 */
static void test_task16_call_and_iret(void)
{
    CPUX86State *env = cpu_new_tasks();

    build_task_d(env, 0x2b);
    PUT(env, CODE, 0x9a, 0x00, 0x00, 0x00, 0x00, SEL_TGATED & 0xff, SEL_TGATED >> 8);
    PUT(env, TASKD_CODE, 0x66, 0x40, 0xcf); /* inc ax; iret */
    expect_step(env, -1);
    g_assert_cmphex(env->tr.selector, ==, SEL_TSS_D);
    g_assert_true(env->eflags & NT_MASK);
    g_assert_cmphex(rd(env, TSS_D, 2), ==, SEL_TSS_A);
    expect_step(env, -1);
    expect_step(env, -1);
    g_assert_cmphex(env->tr.selector, ==, SEL_TSS_A);
    g_assert_cmphex(env->rip, ==, CODE + 7);
    g_assert_cmphex(env->regs[R_EAX], ==, 0xa000);
    g_assert_false(env->eflags & NT_MASK);
    g_assert_cmpint(gdt_type(env, SEL_TSS_D), ==, 1);
    /* Task D's state, saved 16 bits wide: IP after the IRET, AX incremented. */
    g_assert_cmphex(rd(env, TSS_D + 0x0e, 2), ==, TASKD_CODE + 3);
    g_assert_false(rd(env, TSS_D + 0x10, 2) & NT_MASK);
    g_assert_cmphex(rd(env, TSS_D + 0x12, 4), ==, 0xd001 | (0xd001u << 16));
    g_assert_cmphex(rd(env, TSS_D + 0x24, 2), ==, SEL_CODE0);
    cpu_free_all(env);
}

/* A fault through a task gate to a 16-bit TSS pushes a 16-bit error code. */
static void test_task16_fault_error_code(void)
{
    CPUX86State *env = cpu_new_tasks();

    build_task_d(env, 0x2b);
    wr(env, IDT + EXCP_GP * 8, 8, make_gate(SEL_TSS_D, 0, 5, 0, 0));
    PUT(env, CODE, 0x8e, 0xd8); /* mov ds, ax: a TSS selector is #GP(sel) */
    env->regs[R_EAX] = SEL_TSS_C;
    run_until_halt(env);
    g_assert_cmphex(env->tr.selector, ==, SEL_TSS_D);
    g_assert_cmphex((uint16_t)env->regs[R_ESP], ==, STACKD_TOP - 2);
    g_assert_cmphex(rd(env, STACKD_TOP - 2, 2), ==, SEL_TSS_C);
    g_assert_cmphex(rd(env, STACKD_TOP - 4, 2), ==, 0); /* nothing more was pushed */
    cpu_free_all(env);
}

/* ------------------------------------------------------------------------------------
 * Odd instructions: BOUND, RDPMC, MONITOR/MWAIT
 */

/* BOUND compares signed against [lower, upper] in memory; outside is a #BR fault. */
static void test_bound(void)
{
    CPUX86State *env = cpu_new_pm32();

    PUT(env, CODE, 0x62, 0x05, 0x00, 0x40, 0x00, 0x00, /* bound eax, [SCRATCH] */
        0x66, 0x62, 0x0d, 0x10, 0x40, 0x00, 0x00);     /* bound cx, [SCRATCH + 0x10] */
    wr(env, SCRATCH, 4, (uint32_t)-5);
    wr(env, SCRATCH + 4, 4, 10);
    wr(env, SCRATCH + 0x10, 2, 0x8000); /* -32768 */
    wr(env, SCRATCH + 0x12, 2, 0xfff0); /* -16 */
    for (int32_t v = -6; v <= 11; v++) {
        env->rip = CODE;
        env->regs[R_EAX] = (uint32_t)v;
        expect_step(env, v < -5 || v > 10 ? EXCP_BR : -1);
        g_assert_cmphex(env->rip, ==, v < -5 || v > 10 ? CODE : CODE + 6);
    }
    env->rip = CODE + 6;
    env->regs[R_ECX] = 0x1234fff0; /* only CX counts: -16 is the upper bound */
    expect_step(env, -1);
    env->rip = CODE + 6;
    env->regs[R_ECX] = 0xffef; /* -17 */
    expect_step(env, -1);
    env->rip = CODE + 6;
    env->regs[R_ECX] = 0xfff1; /* -15 */
    expect_step(env, EXCP_BR);
    cpu_free_all(env);
}

/* No performance counters: RDPMC is #GP(0); MONITOR/MWAIT are not advertised: #UD. */
static void test_rdpmc_monitor(void)
{
    CPUX86State *env = cpu_new_pm32();

    PUT(env, CODE, 0x0f, 0x33);
    env->regs[R_ECX] = 0;
    expect_step(env, EXCP_GP);
    g_assert_cmphex(env->error_code, ==, 0);
    PUT(env, CODE, 0x0f, 0x01, 0xc8);
    expect_step(env, EXCP_UD);
    PUT(env, CODE, 0x0f, 0x01, 0xc9);
    expect_step(env, EXCP_UD);
    cpu_free_all(env);
}

/* ------------------------------------------------------------------------------------
 * Virtual interrupts: VME and PVI (SDM vol. 3 20.3-20.4)
 */

#define V86_CS    0x2000
#define V86_SS    0x3000
#define V86_IP    0x0100
#define V86_SP    0x0ff0
#define V86_CODE  (V86_CS * 16 + V86_IP)
#define V86_STACK (V86_SS * 16 + V86_SP)
/* Task A's interrupt redirection bitmap: 32 bytes just below its I/O map at 0x88. */
#define TSS_A_REDIR (TSS_A + 0x68)

/* A V86 task at V86_CS:V86_IP with the given IOPL, IF set, VIF clear. */
static CPUX86State *cpu_new_v86(unsigned iopl, uint64_t cr4)
{
    CPUX86State *env = cpu_new_pm32();

    wr(env, TSS_A + 0x66, 2, 0x88);
    env->tr.limit = 0x8f;
    env->cr[4] |= cr4;
    cpu_set_eflags(env, VM_MASK | IF_MASK | (iopl << IOPL_SHIFT) | EFLAGS_FIXED, ~0u);
    cpu_update_hflags(env);
    cpu_load_seg(env, R_CS, V86_CS);
    cpu_load_seg(env, R_SS, V86_SS);
    cpu_load_seg(env, R_DS, V86_SS);
    env->regs[R_ESP] = V86_SP;
    env->rip = V86_IP;
    return env;
}

static uint16_t v86_stack(CPUX86State *env, int slot)
{
    return rd(env, V86_SS * 16 + (uint16_t)env->regs[R_ESP] + 2 * slot, 2);
}

/* CLI/STI/PUSHF/POPF with IOPL < 3 under VME act on VIF; IF and IOPL stay. */
static void test_vme_flags(void)
{
    CPUX86State *env = cpu_new_v86(0, CR4_VME);

    PUT(env, V86_CODE, 0xfb, /* sti */
        0x9c,                /* pushf */
        0xfa,                /* cli */
        0x9c,                /* pushf */
        0x9d,                /* popf: the image with IF (VIF) set */
        0x66, 0x9c);         /* pushfd */
    expect_step(env, -1);
    g_assert_true(env->eflags & VIF_MASK);
    g_assert_true(env->eflags & IF_MASK);
    expect_step(env, -1);
    g_assert_cmphex(v86_stack(env, 0) & (IF_MASK | IOPL_MASK), ==, IF_MASK | IOPL_MASK);
    expect_step(env, -1);
    g_assert_false(env->eflags & VIF_MASK);
    g_assert_true(env->eflags & IF_MASK);
    expect_step(env, -1);
    g_assert_cmphex(v86_stack(env, 0) & (IF_MASK | IOPL_MASK), ==, IOPL_MASK);
    wr(env, V86_STACK - 4, 2, IF_MASK | IOPL_MASK | CC_C | EFLAGS_FIXED);
    expect_step(env, -1);
    g_assert_true(env->eflags & VIF_MASK);
    g_assert_cmpint(cpu_iopl(env), ==, 0);
    g_assert_true(cpu_get_eflags(env) & CC_C);
    g_assert_cmphex(env->regs[R_ESP], ==, V86_SP - 2);
    expect_step(env, EXCP_GP); /* 32-bit PUSHF is not virtualised */
    cpu_free_all(env);
}

/* VIP set: STI, and a POPF that would set VIF, are #GP(0); so is a POPF with TF. */
static void test_vme_vip(void)
{
    CPUX86State *env = cpu_new_v86(0, CR4_VME);

    PUT(env, V86_CODE, 0x9d, 0x9d, 0x9d, 0xfb);
    env->eflags |= VIP_MASK;
    env->regs[R_ESP] = V86_SP - 6;
    wr(env, V86_STACK - 6, 2, IF_MASK | EFLAGS_FIXED);
    wr(env, V86_STACK - 4, 2, TF_MASK | EFLAGS_FIXED);
    wr(env, V86_STACK - 2, 2, EFLAGS_FIXED);
    expect_step(env, EXCP_GP);
    g_assert_cmphex(env->regs[R_ESP], ==, V86_SP - 6); /* nothing popped */
    env->regs[R_ESP] += 2;
    env->rip++;
    expect_step(env, EXCP_GP);
    env->regs[R_ESP] += 2;
    env->rip++;
    expect_step(env, -1); /* IF clear in the image: VIF cleared, no fault */
    g_assert_false(env->eflags & VIF_MASK);
    expect_step(env, EXCP_GP);
    g_assert_false(env->eflags & VIF_MASK);
    cpu_free_all(env);

    /* Without VME the same instructions are IOPL-sensitive. */
    env = cpu_new_v86(0, 0);
    PUT(env, V86_CODE, 0xfa);
    expect_step(env, EXCP_GP);
    PUT(env, V86_CODE, 0x9c);
    expect_step(env, EXCP_GP);
    cpu_free_all(env);
}

/* A 16-bit IRET under VME: CS:IP and FLAGS from the stack, the popped IF into VIF. */
static void test_vme_iret(void)
{
    CPUX86State *env = cpu_new_v86(0, CR4_VME);

    PUT(env, V86_CODE, 0xcf, 0x66, 0xcf);
    env->regs[R_ESP] = V86_SP - 6;
    wr(env, V86_STACK - 6, 2, 0x0040);
    wr(env, V86_STACK - 4, 2, 0x1000);
    wr(env, V86_STACK - 2, 2, IF_MASK | IOPL_MASK | CC_Z | EFLAGS_FIXED);
    env->eflags &= ~IF_MASK;
    expect_step(env, -1);
    g_assert_cmphex(env->segs[R_CS].selector, ==, 0x1000);
    g_assert_cmphex(env->rip, ==, 0x0040);
    g_assert_cmphex(env->regs[R_ESP], ==, V86_SP);
    g_assert_true(env->eflags & VIF_MASK);
    g_assert_false(env->eflags & IF_MASK);
    g_assert_cmpint(cpu_iopl(env), ==, 0);
    g_assert_true(cpu_get_eflags(env) & CC_Z);
    cpu_free_all(env);

    /* IRETD stays IOPL-sensitive; VIP with IF in the image is #GP(0). */
    env = cpu_new_v86(0, CR4_VME);
    PUT(env, V86_CODE, 0x66, 0xcf, 0xcf);
    expect_step(env, EXCP_GP);
    env->rip++;
    env->eflags |= VIP_MASK;
    env->regs[R_ESP] = V86_SP - 6;
    wr(env, V86_STACK - 2, 2, IF_MASK | EFLAGS_FIXED);
    expect_step(env, EXCP_GP);
    g_assert_cmphex(env->segs[R_CS].selector, ==, V86_CS);
    cpu_free_all(env);
}

static void set_ivt(CPUX86State *env, int vector, uint16_t cs, uint16_t ip)
{
    wr(env, vector * 4, 2, ip);
    wr(env, vector * 4 + 2, 2, cs);
}

/*
 * INT n in V86 mode under VME (SDM table 20-2): a clear bit in the redirection bitmap
 * sends it through the 8086 vector table, with VIF standing for IF when IOPL < 3.
 */
static void test_vme_int_redirect(void)
{
    CPUX86State *env = cpu_new_v86(0, CR4_VME);

    PUT(env, V86_CODE, 0xcd, 0x21);
    set_ivt(env, 0x21, 0x1234, 0x5678);
    wr(env, TSS_A_REDIR + 0x22 / 8, 1, 1u << (0x22 & 7)); /* 0x22 uses the IDT */
    env->eflags |= VIF_MASK | TF_MASK;
    expect_step(env, -1); /* method 6 */
    g_assert_cmphex(env->segs[R_CS].selector, ==, 0x1234);
    g_assert_cmphex(env->rip, ==, 0x5678);
    g_assert_cmphex(v86_stack(env, 0), ==, V86_IP + 2);
    g_assert_cmphex(v86_stack(env, 1), ==, V86_CS);
    g_assert_cmphex(v86_stack(env, 2) & (IF_MASK | IOPL_MASK | TF_MASK), ==,
                    IF_MASK | IOPL_MASK | TF_MASK);
    g_assert_false(env->eflags & (VIF_MASK | TF_MASK));
    g_assert_true(env->eflags & IF_MASK);
    g_assert_true(env->eflags & VM_MASK);

    PUT(env, 0x12340 + 0x5678, 0xcd, 0x22);
    expect_step(env, EXCP_GP); /* method 3: bit set, IOPL < 3 */
    g_assert_cmphex(env->error_code, ==, 0);
    cpu_free_all(env);

    /* IOPL 3: a clear bit redirects and clears IF (method 5); a set bit uses the IDT. */
    env = cpu_new_v86(3, CR4_VME);
    PUT(env, V86_CODE, 0xcd, 0x21);
    set_ivt(env, 0x21, 0x1234, 0x5678);
    wr(env, TSS_A_REDIR + 0x22 / 8, 1, 1u << (0x22 & 7));
    expect_step(env, -1);
    g_assert_cmphex(env->rip, ==, 0x5678);
    g_assert_cmphex(v86_stack(env, 2) & (IF_MASK | IOPL_MASK), ==, IF_MASK | IOPL_MASK);
    g_assert_false(env->eflags & IF_MASK);
    PUT(env, 0x12340 + 0x5678, 0xcd, 0x22);
    expect_step(env, 0x22);
    cpu_free_all(env);

    /* Without VME, INT n with IOPL 3 goes through the IDT whatever the bitmap says. */
    env = cpu_new_v86(3, 0);
    PUT(env, V86_CODE, 0xcd, 0x21);
    expect_step(env, 0x21);
    cpu_free_all(env);
}

/* PVI: at CPL 3 with IOPL < 3, CLI/STI act on VIF; POPF leaves IF and VIF alone. */
static void test_pvi(void)
{
    CPUX86State *env = cpu_new_pm32();

    env->cr[4] |= CR4_PVI;
    set_cpl3(env);
    env->eflags |= IF_MASK;
    PUT(env, USER_CODE, 0xfa, 0xfb, 0xfb, 0x9d);
    expect_step(env, -1);
    g_assert_false(env->eflags & VIF_MASK);
    g_assert_true(env->eflags & IF_MASK);
    expect_step(env, -1);
    g_assert_true(env->eflags & VIF_MASK);
    env->eflags |= VIP_MASK;
    expect_step(env, EXCP_GP);
    env->rip++;
    wr(env, STACK3_TOP - 4, 4, EFLAGS_FIXED);
    env->regs[R_ESP] = STACK3_TOP - 4;
    expect_step(env, -1);
    g_assert_true(env->eflags & IF_MASK);
    g_assert_true(env->eflags & VIF_MASK);

    /* With IOPL 3, CLI at CPL 3 changes IF itself. */
    env->rip = USER_CODE;
    env->eflags |= IOPL_MASK;
    expect_step(env, -1);
    g_assert_false(env->eflags & IF_MASK);
    g_assert_true(env->eflags & VIF_MASK);
    cpu_free_all(env);

    env = cpu_new_pm32();
    set_cpl3(env);
    PUT(env, USER_CODE, 0xfa);
    expect_step(env, EXCP_GP); /* without PVI */
    cpu_free_all(env);
}

/* ------------------------------------------------------------------------------------
 * Debug registers
 */

#define DR7_RW(n, rw)   ((uint64_t)(rw) << (16 + 4 * (n)))
#define DR7_LEN(n, len) ((uint64_t)(len) << (18 + 4 * (n)))

static void test_mov_dr(void)
{
    CPUX86State *env = cpu_new_pm32();

    PUT(env, CODE, 0x0f, 0x23, 0xe0, /* mov dr4, eax */
        0x0f, 0x21, 0xf1,            /* mov ecx, dr6 */
        0x0f, 0x21, 0xf9);           /* mov ecx, dr7 */
    env->regs[R_EAX] = 0xffffffff;
    expect_step(env, -1); /* DR4 is DR6 without CR4.DE */
    g_assert_cmphex(env->dr[6], ==, 0xffffefff);
    expect_step(env, -1);
    g_assert_cmphex(env->regs[R_ECX], ==, 0xffffefff);
    expect_step(env, -1);
    g_assert_cmphex(env->regs[R_ECX], ==, 0x400);

    env->cr[4] |= CR4_DE;
    env->rip = CODE;
    expect_step(env, EXCP_UD);
    set_cpl3(env);
    PUT(env, USER_CODE, 0x0f, 0x21, 0xc1);
    expect_step(env, EXCP_GP);
    cpu_free_all(env);

    /* 64-bit mode: DR7's upper half is reserved. */
    env = cpu_new_long();
    PUT(env, CODE, 0x0f, 0x23, 0xf8); /* mov dr7, rax */
    env->regs[R_EAX] = 1ull << 32;
    expect_step(env, EXCP_GP);
    cpu_free_all(env);
}

/* DR7.GD: the next debug-register access is a #DB fault with DR6.BD; GD clears. */
static void test_general_detect(void)
{
    CPUX86State *env = cpu_new_pm32();

    PUT(env, CODE, 0x0f, 0x23, 0xf8, /* mov dr7, eax */
        0x0f, 0x21, 0xc1);           /* mov ecx, dr0 */
    env->regs[R_EAX] = DR7_GD;
    expect_step(env, -1);
    expect_step(env, EXCP_DB);
    g_assert_cmphex(env->rip, ==, CODE + 3);
    g_assert_true(env->dr[6] & DR6_BD);
    g_assert_false(env->dr[7] & DR7_GD);
    expect_step(env, -1);
    cpu_free_all(env);
}

static void test_insn_breakpoint(void)
{
    CPUX86State *env = cpu_new_pm32();

    g_assert_false(debug_armed(env));
    env->dr[1] = CODE + 2;
    env->dr[7] |= 1u << 3 | DR7_RW(1, 0); /* G1, execute */
    g_assert_true(debug_armed(env));
    g_assert_false(debug_insn_breakpoint_hit(env));
    env->rip = CODE + 2;
    g_assert_true(debug_insn_breakpoint_hit(env));
    g_assert_cmphex(env->dr[6] & DR6_BMASK, ==, 2);
    /* RF: the instruction was reported; it runs, and then RF clears. */
    env->eflags |= RF_MASK;
    g_assert_false(debug_insn_breakpoint_hit(env));
    debug_after_insn(env, env->eflags);
    g_assert_false(env->eflags & RF_MASK);
    /* Code-segment base counts: the breakpoint is a linear address. */
    cpu_set_seg_raw(env, R_CS, SEL_CODE0, 2, 0xffffffff, CODE32(0) | DESC_A);
    env->rip = CODE;
    g_assert_true(debug_insn_breakpoint_hit(env));
    cpu_free_all(env);
}

/* debug_after_insn under a jmp_buf: the vector it raised, or -1. */
static int after_insn(CPUX86State *env, uint32_t eflags_before)
{
    env->exception_index = -1;
    if (setjmp(env->jmp_env)) {
        return env->exception_index;
    }
    debug_after_insn(env, eflags_before);
    return -1;
}

static void test_data_breakpoints(void)
{
    CPUX86State *env = cpu_new_pm32();

    env->dr[0] = SCRATCH + 6;    /* 4 bytes, writes: covers SCRATCH+4..+7 */
    env->dr[2] = SCRATCH + 0x13; /* 8 bytes, reads and writes: +0x10..+0x17 */
    env->dr[7] |= DR7_L0 | DR7_RW(0, 1) | DR7_LEN(0, 3);
    env->dr[7] |= 1u << 4 | DR7_RW(2, 3) | DR7_LEN(2, 2);
    g_assert_true(debug_data_armed(env));
    g_assert_true(debug_page_watched(env, SCRATCH));
    g_assert_false(debug_page_watched(env, SCRATCH + 0x1000));

    debug_insn_breakpoint_hit(env);                      /* a new instruction */
    debug_check_data_access(env, SCRATCH + 4, 2, false); /* read: W only */
    debug_check_data_access(env, SCRATCH + 8, 4, true);  /* past it */
    g_assert_cmpint(after_insn(env, 0), ==, -1);

    debug_insn_breakpoint_hit(env);
    debug_check_data_access(env, SCRATCH + 2, 4, true); /* overlaps +4, +5 */
    debug_check_data_access(env, SCRATCH + 0x17, 1, false);
    g_assert_cmpint(after_insn(env, 0), ==, EXCP_DB);
    g_assert_cmphex(env->dr[6] & (DR6_BMASK | DR6_BS), ==, 1 | 4);

    /* A faulting instruction's hits are forgotten at the next instruction. */
    debug_check_data_access(env, SCRATCH + 4, 1, true);
    debug_insn_breakpoint_hit(env);
    g_assert_cmpint(after_insn(env, 0), ==, -1);
    cpu_free_all(env);
}

/* The exec loop's protocol (debug.h), run by hand over step(). */
static int step_traced(CPUX86State *env)
{
    uint32_t before = env->eflags;
    int vector;

    if (debug_insn_breakpoint_hit(env)) {
        return EXCP_DB;
    }
    vector = step(env);
    if (vector < 0) {
        vector = after_insn(env, before);
    }
    return vector;
}

/*
 * Single-step traps after each instruction that began with TF set: not after the
 * POPF that sets TF, but after the POPF that clears it.
 */
static void test_single_step(void)
{
    CPUX86State *env = cpu_new_pm32();

    PUT(env, CODE, 0x9d, /* popf (TF) */
        0x90,            /* nop */
        0x9d,            /* popf (no TF) */
        0x90);
    env->regs[R_ESP] = STACK0_TOP - 8;
    wr(env, STACK0_TOP - 8, 4, TF_MASK | EFLAGS_FIXED);
    wr(env, STACK0_TOP - 4, 4, EFLAGS_FIXED);
    g_assert_cmpint(step_traced(env), ==, -1);
    g_assert_true(env->eflags & TF_MASK);
    g_assert_cmpint(step_traced(env), ==, EXCP_DB);
    g_assert_true(env->dr[6] & DR6_BS);
    g_assert_cmphex(env->rip, ==, CODE + 2); /* a trap: after the instruction */
    env->dr[6] = DR6_FIXED;
    g_assert_cmpint(step_traced(env), ==, EXCP_DB);
    g_assert_false(env->eflags & TF_MASK);
    g_assert_cmpint(step_traced(env), ==, -1);
    cpu_free_all(env);
}

/*
 * MOV SS / POP SS hold single-step and data-breakpoint traps off until the next
 * instruction has completed (SDM vol. 3 6.8.3), through the real exec loop: the #DB
 * frame returns past that instruction, and DR6 reports both instructions' traps.
 */
static void test_single_step_mov_ss(void)
{
    CPUX86State *env = cpu_new_pm32();

    PUT(env, CODE, 0x8e, 0xd0, /* mov ss, ax */
        0x90,                  /* nop */
        0x90, 0xf4);
    env->regs[R_EAX] = SEL_DATA0;
    env->eflags |= TF_MASK;
    run_until_halt(env);
    g_assert_cmphex(env->rip, ==, HANDLER(EXCP_DB) + 1);
    g_assert_cmphex(stack_slot(env, 0), ==, CODE + 3); /* one #DB, after the nop */
    g_assert_true(stack_slot(env, 2) & TF_MASK);
    g_assert_true(env->dr[6] & DR6_BS);
    g_assert_cmphex(env->debug_hits, ==, 0);
    cpu_free_all(env);
}

/* A data breakpoint on the slot POP SS reads: B0, reported after the next instruction. */
static void pop_ss_watched(CPUX86State *env)
{
    env->regs[R_ESP] = STACK0_TOP - 4;
    wr(env, STACK0_TOP - 4, 4, SEL_DATA0);
    env->dr[0] = STACK0_TOP - 4;
    env->dr[7] |= DR7_L0 | DR7_RW(0, 3) | DR7_LEN(0, 3);
}

static void test_pop_ss_data_breakpoint(void)
{
    CPUX86State *env = cpu_new_pm32();

    PUT(env, CODE, 0x17, /* pop ss */
        0x90,            /* nop */
        0x90, 0xf4);
    pop_ss_watched(env);
    run_until_halt(env);
    g_assert_cmphex(env->rip, ==, HANDLER(EXCP_DB) + 1);
    g_assert_cmphex(stack_slot(env, 0), ==, CODE + 2);
    g_assert_cmphex(env->dr[6] & (DR6_BMASK | DR6_BS), ==, 1);
    cpu_free_all(env);
}

/*
 * POP SS; INT n: the held trap is taken at the handler's first instruction boundary
 * (the case of CVE-2018-8897), so its frame returns to the handler, not after INT.
 */
static void test_pop_ss_then_int(void)
{
    CPUX86State *env = cpu_new_pm32();

    PUT(env, CODE, 0x17, /* pop ss */
        0xcd, 0x20);     /* int 0x20 */
    pop_ss_watched(env);
    run_until_halt(env);
    g_assert_cmphex(env->rip, ==, HANDLER(EXCP_DB) + 1);
    g_assert_cmphex(stack_slot(env, 0), ==, HANDLER(0x20));
    g_assert_cmphex(stack_slot(env, 3), ==, CODE + 3); /* INT 0x20's frame */
    g_assert_cmphex(env->dr[6] & (DR6_BMASK | DR6_BS), ==, 1);
    cpu_free_all(env);
}

/*
 * I/O breakpoints (R/W = 10): with CR4.DE, IN/OUT touching the port range trap after
 * the instruction; without CR4.DE the encoding watches nothing.
 */
static void test_io_breakpoints(void)
{
    CPUX86State *env = cpu_new_pm32();

    PUT(env, CODE, 0xe6, 0x81, /* out 0x81, al: below the range */
        0x66, 0xe5, 0x83,      /* in ax, 0x83: its second byte is 0x84 */
        0xee,                  /* out dx, al: dx = 0x87 */
        0xe4, 0x84);           /* in al, 0x84 */
    env->dr[3] = 0x86;         /* 4 bytes: ports 0x84..0x87 */
    env->dr[7] |= 1u << 7 | DR7_RW(3, 2) | DR7_LEN(3, 3);
    env->regs[R_EDX] = 0x87;
    g_assert_cmpint(step_traced(env), ==, -1); /* without CR4.DE: nothing */
    g_assert_cmpint(step_traced(env), ==, -1);
    g_assert_false(debug_data_armed(env));

    env->cr[4] |= CR4_DE;
    env->rip = CODE;
    g_assert_cmpint(step_traced(env), ==, -1);
    g_assert_cmpint(step_traced(env), ==, EXCP_DB);
    g_assert_cmphex(env->rip, ==, CODE + 5); /* a trap: after the IN */
    g_assert_cmphex(env->dr[6] & DR6_BMASK, ==, 8);
    env->dr[6] = DR6_FIXED;
    g_assert_cmpint(step_traced(env), ==, EXCP_DB);
    g_assert_cmphex(env->dr[6] & DR6_BMASK, ==, 8);
    /* A disabled breakpoint (L3 = G3 = 0) reports nothing. */
    env->dr[7] &= ~(uint64_t)(1u << 7);
    g_assert_cmpint(step_traced(env), ==, -1);
    cpu_free_all(env);
}

/* A data breakpoint hit inside a REP string instruction traps after that iteration. */
static void test_rep_data_breakpoint(void)
{
    CPUX86State *env = cpu_new_pm32();

    PUT(env, CODE, 0xf3, 0xa4); /* rep movsb */
    env->regs[R_ESI] = SCRATCH + 0x100;
    env->regs[R_EDI] = SCRATCH;
    env->regs[R_ECX] = 16;
    env->dr[0] = SCRATCH + 5; /* 1 byte, writes */
    env->dr[7] |= DR7_L0 | DR7_RW(0, 1);
    g_assert_cmpint(step_traced(env), ==, EXCP_DB);
    g_assert_cmphex(env->regs[R_ECX], ==, 10); /* iterations 0..5 done */
    g_assert_cmphex(env->regs[R_EDI], ==, SCRATCH + 6);
    g_assert_cmphex(env->rip, ==, CODE); /* rCX != 0: the REP goes on afterwards */
    g_assert_cmphex(env->dr[6] & DR6_BMASK, ==, 1);
    cpu_free_all(env);
}

/* Through the real exec loop: a #DB fault is delivered before the instruction. */
static void test_breakpoint_delivery(void)
{
    CPUX86State *env = cpu_new_pm32();

    PUT(env, CODE, 0x90, 0x0f, 0x23, 0xc0, 0x90, 0x90, 0xf4); /* mov dr0, eax */
    env->regs[R_EAX] = CODE + 5;
    env->dr[7] |= DR7_L0;
    run_until_halt(env);
    g_assert_cmphex(env->rip, ==, HANDLER(EXCP_DB) + 1);
    g_assert_cmphex(stack_slot(env, 0), ==, CODE + 5);
    g_assert_true(env->dr[6] & 1);
    cpu_free_all(env);
}

/* ICEBP (F1) is a #DB trap: the frame returns after it. */
static void test_icebp(void)
{
    CPUX86State *env = cpu_new_pm32();

    set_cpl3(env);
    PUT(env, USER_CODE, 0xf1);
    run_until_halt(env); /* the gate's DPL 0 is not checked */
    g_assert_cmphex(env->rip, ==, HANDLER(EXCP_DB) + 1);
    g_assert_cmphex(stack_slot(env, 0), ==, USER_CODE + 1);
    cpu_free_all(env);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sys/cpuid/vendor-leaves", test_cpuid_vendor_and_leaves);
    g_test_add_func("/sys/cpuid/features", test_cpuid_features);
    g_test_add_func("/sys/cpuid/models", test_cpu_models);
    g_test_add_func("/sys/cpuid/cr4", test_cr4_follows_cpuid);
    g_test_add_func("/sys/long/activation", test_long_mode_activation);
    g_test_add_func("/sys/long/activation-faults", test_long_mode_activation_faults);
    g_test_add_func("/sys/long/cr8", test_cr8);
    g_test_add_func("/sys/long/msrs", test_msrs);
    g_test_add_func("/sys/long/apic", test_apic_cr8_msrs);
    g_test_add_func("/sys/long/rdtscp", test_rdtscp);
    g_test_add_func("/sys/long/segments", test_segments_64);
    g_test_add_func("/sys/long/ltr", test_ltr_64bit_tss);
    g_test_add_func("/sys/long/far-return", test_far_return_64);
    g_test_add_func("/sys/syscall/64", test_syscall_sysret_64);
    g_test_add_func("/sys/syscall/compat", test_syscall_sysret_compat);
    g_test_add_func("/sys/syscall/faults", test_syscall_faults);
    g_test_add_func("/sys/syscall/noncanonical", test_sysret_noncanonical_amd);
    g_test_add_func("/sys/syscall/legacy", test_syscall_sysret_legacy);
    g_test_add_func("/sys/sysenter/legacy", test_sysenter_sysexit_legacy);
    g_test_add_func("/sys/sysenter/64", test_sysenter_sysexit_64);
    g_test_add_func("/sys/swapgs", test_swapgs);
    g_test_add_func("/sys/gate/inner-params", test_call_gate_inner_with_params);
    g_test_add_func("/sys/gate/16bit", test_call_gate_16bit_same_level);
    g_test_add_func("/sys/gate/faults", test_call_gate_faults);
    g_test_add_func("/sys/gate/64", test_call_gate_64);
    g_test_add_func("/sys/task/jmp", test_task_jmp);
    g_test_add_func("/sys/task/call-iret", test_task_call_and_iret);
    g_test_add_func("/sys/task/int", test_task_gate_interrupt);
    g_test_add_func("/sys/task/fault-error-code", test_task_gate_fault_error_code);
    g_test_add_func("/sys/task/faults", test_task_switch_faults);
    g_test_add_func("/sys/task/debug-trap", test_task_debug_trap);
    g_test_add_func("/sys/task/16bit-jmp", test_task16_jmp);
    g_test_add_func("/sys/task/16bit-call-iret", test_task16_call_and_iret);
    g_test_add_func("/sys/task/16bit-fault-error-code", test_task16_fault_error_code);
    g_test_add_func("/sys/insn/bound", test_bound);
    g_test_add_func("/sys/insn/rdpmc-monitor", test_rdpmc_monitor);
    g_test_add_func("/sys/vme/flags", test_vme_flags);
    g_test_add_func("/sys/vme/vip", test_vme_vip);
    g_test_add_func("/sys/vme/iret", test_vme_iret);
    g_test_add_func("/sys/vme/int-redirect", test_vme_int_redirect);
    g_test_add_func("/sys/vme/pvi", test_pvi);
    g_test_add_func("/sys/debug/mov-dr", test_mov_dr);
    g_test_add_func("/sys/debug/general-detect", test_general_detect);
    g_test_add_func("/sys/debug/insn-breakpoint", test_insn_breakpoint);
    g_test_add_func("/sys/debug/data-breakpoints", test_data_breakpoints);
    g_test_add_func("/sys/debug/single-step", test_single_step);
    g_test_add_func("/sys/debug/single-step-mov-ss", test_single_step_mov_ss);
    g_test_add_func("/sys/debug/pop-ss-data-breakpoint", test_pop_ss_data_breakpoint);
    g_test_add_func("/sys/debug/pop-ss-int", test_pop_ss_then_int);
    g_test_add_func("/sys/debug/io-breakpoints", test_io_breakpoints);
    g_test_add_func("/sys/debug/rep-data-breakpoint", test_rep_data_breakpoint);
    g_test_add_func("/sys/debug/delivery", test_breakpoint_delivery);
    g_test_add_func("/sys/debug/icebp", test_icebp);
    return g_test_run();
}
