/*
 * Unit tests for target/i386/{seg,excp,system}.c and crypto/guest-random.c: segment
 * loads and their faults, interrupt delivery in real and protected mode (frames,
 * stack switches, IRET), the double-fault rule, far transfers, and the system
 * instructions, checked against the cases of Intel SDM vol. 3 chapters 5-6.
 *
 * Instructions are hand-assembled into guest RAM. step() runs one instruction the way
 * the engine does and reports the vector it raised; cpu_exec() runs the real exec loop
 * so that faults are delivered through the IDT.
 */
#include <setjmp.h>
#include "hw/machine.h"
#include "crypto/guest-random.h"
#include "system/cpu-exec.h"
#include "system/icount.h"
#include "system/runstate.h"
#include "target/i386/access.h"
#include "target/i386/flags.h"
#include "target/i386/insn.h"

#define RAM_SIZE   (4u << 20)
#define GDT        0x1000
#define IDT        0x2000
#define TSS        0x3000
#define LDT        0x3800
#define SCRATCH    0x4000
#define STACK3_TOP 0x6000
#define STACK0_TOP 0x7000
#define CODE       0x8000
#define HANDLERS   0x9000 /* 16 bytes per vector */
#define USER_CODE  0xc000
#define FAR_TARGET 0xd000

#define HANDLER(v) (HANDLERS + (v)*16)

/* GDT selectors */
#define SEL_CODE0   0x08
#define SEL_DATA0   0x10
#define SEL_CODE3   0x18
#define SEL_DATA3   0x20
#define SEL_TSS     0x28
#define SEL_SMALL   0x30 /* data at 0x12345000, limit 0xfff, never accessed */
#define SEL_NP_DATA 0x38
#define SEL_XONLY   0x40 /* execute-only code */
#define SEL_LDT     0x48
#define SEL_CODE16  0x50
#define SEL_CALLG   0x60 /* call gate */
#define SEL_CONF    0x68 /* conforming code, DPL 0 */
#define SEL_NP_CODE 0x70
#define SEL_CODE64  0x78 /* long-mode code, DPL 0 */
#define SEL_CODE64U 0x80 /* long-mode code, DPL 3 */
#define GDT_LIMIT   0x87
#define PML4        0x100000

#define FLAT 0xfffff
#define CODE32(dpl)                                                                      \
    (DESC_P | DESC_S | DESC_CS | DESC_R | DESC_B | DESC_G | ((dpl) << DESC_DPL_SHIFT))
#define DATA32(dpl)                                                                      \
    (DESC_P | DESC_S | DESC_W | DESC_B | DESC_G | ((dpl) << DESC_DPL_SHIFT))

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

/* flags as in SegmentCache.flags (the descriptor's high dword without base/limit). */
static uint64_t make_desc(uint32_t base, uint32_t limit, uint32_t flags)
{
    uint32_t lo = (limit & 0xffff) | (base << 16);
    uint32_t hi = ((base >> 16) & 0xff) | (base & 0xff000000) | (limit & 0xf0000) | flags;
    return lo | (uint64_t)hi << 32;
}

static void set_gdt(CPUX86State *env, uint16_t sel, uint64_t desc)
{
    wr(env, GDT + (sel & ~7), 8, desc);
}

static void set_gate(CPUX86State *env, int vector, uint16_t sel, uint32_t offset,
                     unsigned type, unsigned dpl)
{
    uint32_t lo = (offset & 0xffff) | ((uint32_t)sel << 16);
    uint32_t hi = (offset & 0xffff0000) | DESC_P | (dpl << DESC_DPL_SHIFT) | (type << 8);
    wr(env, IDT + vector * 8, 8, lo | (uint64_t)hi << 32);
}

static void gate_not_present(CPUX86State *env, int vector)
{
    wr(env, IDT + vector * 8 + 4, 4, rd(env, IDT + vector * 8 + 4, 4) & ~DESC_P);
}

static void build_gdt(CPUX86State *env)
{
    set_gdt(env, SEL_CODE0, make_desc(0, FLAT, CODE32(0)));
    set_gdt(env, SEL_DATA0, make_desc(0, FLAT, DATA32(0)));
    set_gdt(env, SEL_CODE3, make_desc(0, FLAT, CODE32(3)));
    set_gdt(env, SEL_DATA3, make_desc(0, FLAT, DATA32(3)));
    set_gdt(env, SEL_TSS, make_desc(TSS, 0x67, DESC_P | (9u << 8)));
    set_gdt(env, SEL_SMALL, make_desc(0x12345000, 0xfff, DESC_P | DESC_S | DESC_W));
    set_gdt(env, SEL_NP_DATA, make_desc(0, FLAT, DATA32(0) & ~DESC_P));
    set_gdt(env, SEL_XONLY, make_desc(0, FLAT, CODE32(0) & ~DESC_R));
    set_gdt(env, SEL_LDT, make_desc(LDT, 0xf, DESC_P | (2u << 8)));
    set_gdt(env, SEL_CODE16, make_desc(0, 0xffff, DESC_P | DESC_S | DESC_CS | DESC_R));
    set_gdt(env, SEL_CALLG, ((uint64_t)(DESC_P | (12u << 8)) << 32) | (SEL_CODE0 << 16));
    set_gdt(env, SEL_CONF, make_desc(0, FLAT, CODE32(0) | DESC_C));
    set_gdt(env, SEL_NP_CODE, make_desc(0, FLAT, CODE32(0) & ~DESC_P));
    set_gdt(env, SEL_CODE64, make_desc(0, FLAT, (CODE32(0) & ~DESC_B) | DESC_L));
    set_gdt(env, SEL_CODE64U, make_desc(0, FLAT, (CODE32(3) & ~DESC_B) | DESC_L));
    wr(env, LDT, 8, make_desc(0x5000, 0xffff, DATA32(0) & ~DESC_G));
}

/* Every vector: a 32-bit interrupt gate to a HLT at HANDLER(v), DPL 0. */
static void build_idt(CPUX86State *env)
{
    for (int v = 0; v < 256; v++) {
        set_gate(env, v, SEL_CODE0, HANDLER(v), 14, 0);
        wr(env, HANDLER(v), 1, 0xf4);
    }
}

/* ------------------------------------------------------------------------------------
 * CPUs in a known state
 */

static CPUX86State *cpu_new_real(void)
{
    CPUX86State *env = cpu_x86_new(machine_new("pc", RAM_SIZE));

    cpu_load_seg(env, R_CS, 0);
    cpu_load_seg(env, R_SS, 0);
    env->regs[R_ESP] = STACK0_TOP;
    env->rip = CODE;
    env->idt = (DescTable){0, 0x3ff};
    return env;
}

static void set_cpl3(CPUX86State *env)
{
    cpu_set_seg_raw(env, R_SS, SEL_DATA3 | 3, 0, 0xffffffff, DATA32(3) | DESC_A);
    cpu_set_seg_raw(env, R_CS, SEL_CODE3 | 3, 0, 0xffffffff, CODE32(3) | DESC_A);
    cpu_set_seg_raw(env, R_DS, SEL_DATA3 | 3, 0, 0xffffffff, DATA32(3) | DESC_A);
    cpu_set_seg_raw(env, R_ES, SEL_DATA3 | 3, 0, 0xffffffff, DATA32(3) | DESC_A);
    env->regs[R_ESP] = STACK3_TOP;
    env->rip = USER_CODE;
}

/* Flat 32-bit protected mode at CPL 0 with the GDT, IDT and TSS above. */
static CPUX86State *cpu_new_pm32(void)
{
    CPUX86State *env = cpu_x86_new(machine_new("pc", RAM_SIZE));

    build_gdt(env);
    build_idt(env);
    wr(env, TSS + 4, 4, STACK0_TOP);
    wr(env, TSS + 8, 2, SEL_DATA0);
    env->gdt = (DescTable){GDT, GDT_LIMIT};
    env->idt = (DescTable){IDT, 256 * 8 - 1};
    env->tr = (SegmentCache){SEL_TSS, TSS, 0x67, DESC_P | (11u << 8)};
    env->ldt = (SegmentCache){0};
    env->cr[0] |= CR0_PE;
    cpu_set_seg_raw(env, R_CS, SEL_CODE0, 0, 0xffffffff, CODE32(0) | DESC_A);
    cpu_set_seg_raw(env, R_SS, SEL_DATA0, 0, 0xffffffff, DATA32(0) | DESC_A);
    for (int seg = R_ES; seg < NR_SEGS; seg++) {
        if (seg != R_CS && seg != R_SS) {
            cpu_set_seg_raw(env, seg, SEL_DATA0, 0, 0xffffffff, DATA32(0) | DESC_A);
        }
    }
    env->regs[R_ESP] = STACK0_TOP;
    env->rip = CODE;
    return env;
}

static void cpu_free_all(CPUX86State *env)
{
    Machine *m = env->machine;
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
    uint64_t lin = env->segs[R_CS].base + env->rip;
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

/* cpu_load_seg under a jmp_buf: the vector raised (error code in *err), or -1. */
static int try_load_seg(CPUX86State *env, int seg, uint16_t sel, int *err)
{
    env->exception_index = -1;
    if (setjmp(env->jmp_env)) {
        *err = env->error_code;
        return env->exception_index;
    }
    cpu_load_seg(env, seg, sel);
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

/* ------------------------------------------------------------------------------------
 * Segment loads
 */

static void test_load_descriptor(void)
{
    CPUX86State *env = cpu_new_pm32();
    const SegmentCache *ds = &env->segs[R_DS];

    cpu_load_seg(env, R_DS, SEL_SMALL);
    g_assert_cmphex(ds->selector, ==, SEL_SMALL);
    g_assert_cmphex(ds->base, ==, 0x12345000);
    g_assert_cmphex(ds->limit, ==, 0xfff);
    g_assert_cmphex(ds->flags & (DESC_P | DESC_S | DESC_W | DESC_A | DESC_B | DESC_G), ==,
                    DESC_P | DESC_S | DESC_W | DESC_A);
    /* The accessed bit is written back to the GDT. */
    g_assert_true(rd(env, GDT + SEL_SMALL + 4, 4) & DESC_A);

    cpu_load_seg(env, R_ES, SEL_DATA3 | 3);
    g_assert_cmphex(env->segs[R_ES].limit, ==, 0xffffffff);
    g_assert_true(env->segs[R_ES].flags & DESC_B);

    /* A selector with TI set reads the LDT. */
    env->ldt = (SegmentCache){SEL_LDT, LDT, 0xf, DESC_P | (2u << 8)};
    cpu_load_seg(env, R_FS, 0x04);
    g_assert_cmphex(env->segs[R_FS].base, ==, 0x5000);
    g_assert_cmphex(env->segs[R_FS].limit, ==, 0xffff);
    cpu_free_all(env);
}

typedef struct LoadFault {
    int seg;
    uint16_t sel;
    bool cpl3;
    int vector;
    int error;
} LoadFault;

static const LoadFault load_faults[] = {
    {R_DS, 0x1000, false, EXCP_GP, 0x1000},           /* beyond the GDT limit */
    {R_DS, 0x1003, false, EXCP_GP, 0x1000},           /* ... RPL dropped from the code */
    {R_DS, SEL_NP_DATA, false, EXCP_NP, SEL_NP_DATA}, /* not present */
    {R_DS, SEL_XONLY, false, EXCP_GP, SEL_XONLY},     /* execute-only code */
    {R_DS, SEL_TSS, false, EXCP_GP, SEL_TSS},         /* system descriptor */
    {R_DS, 0x04, false, EXCP_GP, 0x04},               /* LDT selector, no LDT */
    {R_SS, 0, false, EXCP_GP, 0},                     /* null SS */
    {R_SS, SEL_CODE0, false, EXCP_GP, SEL_CODE0},     /* code in SS */
    {R_SS, SEL_DATA0 | 3, false, EXCP_GP, SEL_DATA0}, /* RPL != CPL */
    {R_SS, SEL_DATA3, false, EXCP_GP, SEL_DATA3},     /* DPL != CPL */
    {R_SS, SEL_NP_DATA, false, EXCP_SS, SEL_NP_DATA}, /* not present: #SS */
    {R_SS, SEL_SMALL | 3, true, EXCP_GP, SEL_SMALL},  /* DPL 0 at CPL 3 */
    {R_DS, SEL_DATA0, true, EXCP_GP, SEL_DATA0},      /* DPL < CPL */
    {R_DS, SEL_DATA3 | 3, false, -1, 0},              /* RPL 3 <= DPL 3: fine */
    {R_ES, SEL_CONF | 3, true, -1, 0},                /* conforming code: no check */
    {R_DS, SEL_CODE0 | 3, false, EXCP_GP, SEL_CODE0}, /* RPL > DPL */
    {R_GS, 0, true, -1, 0},                           /* null data selector: fine */
};

static void test_load_faults(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(load_faults); i++) {
        const LoadFault *f = &load_faults[i];
        CPUX86State *env = cpu_new_pm32();
        SegmentCache before = env->segs[f->seg];
        int err = -1, vector;

        if (f->cpl3) {
            set_cpl3(env);
            before = env->segs[f->seg];
        }
        vector = try_load_seg(env, f->seg, f->sel, &err);
        g_assert_cmpint(vector, ==, f->vector);
        if (vector >= 0) {
            g_assert_cmphex(err, ==, f->error);
            g_assert_cmphex(env->segs[f->seg].selector, ==, before.selector);
            g_assert_cmphex(env->segs[f->seg].flags, ==, before.flags);
        } else {
            g_assert_cmphex(env->segs[f->seg].selector, ==, f->sel);
        }
        cpu_free_all(env);
    }
}

/* A null DS loads, and then any access through it is #GP(0). */
static void test_null_selector_access(void)
{
    CPUX86State *env = cpu_new_pm32();

    PUT(env, CODE, 0x8e, 0xd8,      /* mov ds, ax */
        0x8b, 0x05, 0, 0x40, 0, 0); /* mov eax, [0x4000] */
    env->regs[R_EAX] = 0;
    g_assert_cmpint(step(env), ==, -1);
    g_assert_false(env->segs[R_DS].flags & DESC_P);
    g_assert_cmpint(step(env), ==, EXCP_GP);
    g_assert_cmpint(env->error_code, ==, 0);
    cpu_free_all(env);
}

/* Real mode: base = selector << 4, the limit stays (so "unreal" limits survive). */
static void test_real_mode_load(void)
{
    CPUX86State *env = cpu_new_real();

    cpu_set_seg_raw(env, R_DS, 0, 0, 0xffffffff, DESC_P | DESC_S | DESC_W | DESC_A);
    PUT(env, CODE, 0x8e, 0xd8); /* mov ds, ax */
    env->regs[R_EAX] = 0x1234;
    g_assert_cmpint(step(env), ==, -1);
    g_assert_cmphex(env->segs[R_DS].selector, ==, 0x1234);
    g_assert_cmphex(env->segs[R_DS].base, ==, 0x12340);
    g_assert_cmphex(env->segs[R_DS].limit, ==, 0xffffffff);
    cpu_free_all(env);
}

static void test_mov_sreg_forms(void)
{
    CPUX86State *env = cpu_new_pm32();
    uint64_t count = icount.count;

    PUT(env, CODE, 0x8e, 0xc8, /* mov cs, ax: #UD */
        0x8e, 0xd0,            /* mov ss, ax */
        0x8c, 0xd9,            /* mov ecx, ds */
        0x0f, 0xa1);           /* pop fs */
    g_assert_cmpint(step(env), ==, EXCP_UD);
    env->rip += 2;
    env->regs[R_EAX] = SEL_DATA0;
    g_assert_cmpint(step(env), ==, -1);
    g_assert_cmphex(env->irq_inhibit_until, ==, count + 2);
    env->regs[R_ECX] = 0xdeadbeefcafe0000ull;
    g_assert_cmpint(step(env), ==, -1);
    g_assert_cmphex(env->regs[R_ECX], ==, SEL_DATA0);

    /* POP FS with a bad selector faults and leaves ESP alone. */
    env->regs[R_ESP] -= 4;
    wr(env, env->regs[R_ESP], 4, SEL_NP_DATA);
    g_assert_cmpint(step(env), ==, EXCP_NP);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK0_TOP - 4);
    wr(env, env->regs[R_ESP], 4, SEL_SMALL);
    g_assert_cmpint(step(env), ==, -1);
    g_assert_cmphex(env->segs[R_FS].base, ==, 0x12345000);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK0_TOP);
    cpu_free_all(env);
}

static void test_lss(void)
{
    CPUX86State *env = cpu_new_pm32();

    wr(env, SCRATCH, 4, 0x2000);
    wr(env, SCRATCH + 4, 2, SEL_SMALL);
    PUT(env, CODE, 0x0f, 0xb2, 0x25, 0x00, 0x40, 0, 0); /* lss esp, [0x4000] */
    g_assert_cmpint(step(env), ==, -1);
    g_assert_cmphex(env->segs[R_SS].selector, ==, SEL_SMALL);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x2000);
    cpu_free_all(env);
}

/* ------------------------------------------------------------------------------------
 * Interrupt delivery and IRET
 */

static void test_real_mode_interrupt(void)
{
    CPUX86State *env = cpu_new_real();

    wr(env, 0x21 * 4, 4, 0x12340010); /* IVT[21h] = 1234:0010 */
    wr(env, 0x12350, 1, 0xf4);
    PUT(env, CODE, 0xcd, 0x21, 0xf4);
    cpu_set_eflags(env, IF_MASK | AC_MASK | CC_C, IF_MASK | AC_MASK | CC_C);
    run_until_halt(env);
    g_assert_cmphex(env->segs[R_CS].selector, ==, 0x1234);
    g_assert_cmphex(env->segs[R_CS].base, ==, 0x12340);
    g_assert_cmphex(env->rip, ==, 0x11);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK0_TOP - 6);
    g_assert_cmphex(rd(env, STACK0_TOP - 6, 2), ==, CODE + 2);
    g_assert_cmphex(rd(env, STACK0_TOP - 4, 2), ==, 0);
    g_assert_cmphex(rd(env, STACK0_TOP - 2, 2), ==, IF_MASK | CC_C | EFLAGS_FIXED);
    g_assert_false(env->eflags & (IF_MASK | AC_MASK | TF_MASK));

    cpu_free_all(env);
}

/* IRET from the handler comes back after the INT with the flags restored. */
static void test_real_mode_iret(void)
{
    CPUX86State *env = cpu_new_real();

    wr(env, 0x21 * 4, 4, 0x12340010);
    wr(env, 0x12350, 1, 0xcf);
    PUT(env, CODE, 0xcd, 0x21, 0xf4);
    cpu_set_eflags(env, IF_MASK | CC_C, IF_MASK | CC_C);
    run_until_halt(env);
    g_assert_cmphex(env->segs[R_CS].selector, ==, 0);
    g_assert_cmphex(env->rip, ==, CODE + 3);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK0_TOP);
    g_assert_true(env->eflags & IF_MASK);
    g_assert_true(cpu_get_eflags(env) & CC_C);
    cpu_free_all(env);
}

static void test_pm_interrupt_same_level(void)
{
    CPUX86State *env = cpu_new_pm32();

    PUT(env, CODE, 0xcd, 0x30, 0xf4);
    env->eflags |= IF_MASK;
    run_until_halt(env);
    g_assert_cmphex(env->rip, ==, HANDLER(0x30) + 1);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK0_TOP - 12);
    g_assert_cmphex(stack_slot(env, 0), ==, CODE + 2);
    g_assert_cmphex(stack_slot(env, 1), ==, SEL_CODE0);
    g_assert_true(stack_slot(env, 2) & IF_MASK);
    g_assert_false(env->eflags & IF_MASK); /* interrupt gate */
    cpu_free_all(env);
}

static void test_pm_trap_gate_keeps_if(void)
{
    CPUX86State *env = cpu_new_pm32();

    set_gate(env, 0x31, SEL_CODE0, HANDLER(0x31), 15, 0);
    PUT(env, CODE, 0xcd, 0x31);
    env->eflags |= IF_MASK;
    run_until_halt(env);
    g_assert_cmphex(env->rip, ==, HANDLER(0x31) + 1);
    g_assert_true(env->eflags & IF_MASK);
    cpu_free_all(env);
}

static void test_pm_iret_same_level(void)
{
    CPUX86State *env = cpu_new_pm32();

    wr(env, HANDLER(0x30), 1, 0xcf);
    PUT(env, CODE, 0xcd, 0x30, 0xf4);
    env->eflags |= IF_MASK;
    run_until_halt(env);
    g_assert_cmphex(env->rip, ==, CODE + 3);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK0_TOP);
    g_assert_true(env->eflags & IF_MASK);
    cpu_free_all(env);
}

/* Faults push an error code (vectors 8, 10-14, 17) and return to the faulting insn. */
static void test_error_code_push(void)
{
    CPUX86State *env = cpu_new_pm32();

    PUT(env, CODE, 0x8e, 0xd8); /* mov ds, ax */
    env->regs[R_EAX] = SEL_XONLY;
    run_until_halt(env);
    g_assert_cmphex(env->rip, ==, HANDLER(EXCP_GP) + 1);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK0_TOP - 16);
    g_assert_cmphex(stack_slot(env, 0), ==, SEL_XONLY);
    g_assert_cmphex(stack_slot(env, 1), ==, CODE);
    g_assert_cmphex(stack_slot(env, 2), ==, SEL_CODE0);
    cpu_free_all(env);

    /* #UD has no error code. */
    env = cpu_new_pm32();
    PUT(env, CODE, 0x0f, 0x0b);
    run_until_halt(env);
    g_assert_cmphex(env->rip, ==, HANDLER(EXCP_UD) + 1);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK0_TOP - 12);
    g_assert_cmphex(stack_slot(env, 0), ==, CODE);
    cpu_free_all(env);
}

/* CPL 3 -> 0 through a DPL 3 gate: SS0:ESP0 from the TSS, old SS:ESP on the frame. */
static void test_interrupt_stack_switch(void)
{
    CPUX86State *env = cpu_new_pm32();

    set_gate(env, 0x80, SEL_CODE0, HANDLER(0x80), 14, 3);
    set_cpl3(env);
    PUT(env, USER_CODE, 0xcd, 0x80);
    env->eflags |= IF_MASK;
    run_until_halt(env);
    g_assert_cmpint(cpu_cpl(env), ==, 0);
    g_assert_cmphex(env->segs[R_CS].selector, ==, SEL_CODE0);
    g_assert_cmphex(env->segs[R_SS].selector, ==, SEL_DATA0);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK0_TOP - 20);
    g_assert_cmphex(stack_slot(env, 0), ==, USER_CODE + 2);
    g_assert_cmphex(stack_slot(env, 1), ==, SEL_CODE3 | 3);
    g_assert_true(stack_slot(env, 2) & IF_MASK);
    g_assert_cmphex(stack_slot(env, 3), ==, STACK3_TOP);
    g_assert_cmphex(stack_slot(env, 4), ==, SEL_DATA3 | 3);
    g_assert_false(env->eflags & IF_MASK);
    cpu_free_all(env);
}

static void test_iret_to_outer_level(void)
{
    CPUX86State *env = cpu_new_pm32();

    set_gate(env, 0x80, SEL_CODE0, HANDLER(0x80), 14, 3);
    wr(env, HANDLER(0x80), 1, 0xcf);
    set_cpl3(env);
    PUT(env, USER_CODE, 0xcd, 0x80, 0xeb, 0xfe); /* int 0x80; jmp $ */
    env->eflags |= IF_MASK;
    g_assert_cmpint(cpu_exec(env, 3), ==, EXEC_BUDGET);
    g_assert_cmpint(cpu_cpl(env), ==, 3);
    g_assert_cmphex(env->segs[R_CS].selector, ==, SEL_CODE3 | 3);
    g_assert_cmphex(env->segs[R_SS].selector, ==, SEL_DATA3 | 3);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK3_TOP);
    g_assert_cmphex(env->rip, ==, USER_CODE + 2);
    g_assert_true(env->eflags & IF_MASK);
    cpu_free_all(env);
}

/* INT n through a gate with DPL < CPL is #GP(vector * 8 + 2), at the INT itself. */
static void test_soft_int_gate_privilege(void)
{
    CPUX86State *env = cpu_new_pm32();

    set_cpl3(env);
    PUT(env, USER_CODE, 0xcd, 0x30);
    run_until_halt(env);
    g_assert_cmphex(env->rip, ==, HANDLER(EXCP_GP) + 1);
    g_assert_cmphex(stack_slot(env, 0), ==, 0x30 * 8 + 2);
    g_assert_cmphex(stack_slot(env, 1), ==, USER_CODE);
    g_assert_cmphex(stack_slot(env, 5), ==, SEL_DATA3 | 3);
    cpu_free_all(env);
}

/* IOPL 3 V86 task: an interrupt goes to ring 0 with the data segments on the frame. */
static void test_v86_round_trip(void)
{
    CPUX86State *env = cpu_new_pm32();
    uint32_t frame[] = {0x0100, 0x2000, VM_MASK | IOPL_MASK | EFLAGS_FIXED,
                        0x0ff0, 0x3000, 0x4000,
                        0x5000, 0x6000, 0x7000};

    /* IRETD to V86 at CS:IP 2000:0100 with SS:SP 3000:0ff0 */
    for (size_t i = 0; i < ARRAY_SIZE(frame); i++) {
        wr(env, STACK0_TOP - 64 + 4 * i, 4, frame[i]);
    }
    env->regs[R_ESP] = STACK0_TOP - 64;
    PUT(env, CODE, 0xcf);
    wr(env, 0x20100, 2, 0x40cd); /* int 0x40 in the V86 task */
    set_gate(env, 0x40, SEL_CODE0, HANDLER(0x40), 14, 3);
    run_until_halt(env);
    g_assert_cmphex(env->rip, ==, HANDLER(0x40) + 1);
    g_assert_cmpint(cpu_cpl(env), ==, 0);
    g_assert_false(env->eflags & VM_MASK);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK0_TOP - 36);
    g_assert_cmphex(stack_slot(env, 0), ==, 0x0102);
    g_assert_cmphex(stack_slot(env, 1), ==, 0x2000);
    g_assert_true(stack_slot(env, 2) & VM_MASK);
    g_assert_cmphex(stack_slot(env, 3), ==, 0x0ff0);
    g_assert_cmphex(stack_slot(env, 4), ==, 0x3000);
    g_assert_cmphex(stack_slot(env, 5), ==, 0x4000); /* ES */
    g_assert_cmphex(stack_slot(env, 8), ==, 0x7000); /* GS */
    g_assert_cmphex(env->segs[R_DS].selector, ==, 0);
    cpu_free_all(env);
}

/* A 16-bit interrupt gate pushes 16-bit slots and enters with a 16-bit IP. */
static void test_16bit_gate(void)
{
    CPUX86State *env = cpu_new_pm32();

    set_gate(env, 0x32, SEL_CODE0, HANDLER(0x32), 6, 0);
    PUT(env, CODE, 0xcd, 0x32);
    run_until_halt(env);
    g_assert_cmphex(env->rip, ==, HANDLER(0x32) + 1);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK0_TOP - 6);
    g_assert_cmphex(rd(env, STACK0_TOP - 6, 2), ==, CODE + 2);
    g_assert_cmphex(rd(env, STACK0_TOP - 4, 2), ==, SEL_CODE0);
    cpu_free_all(env);
}

/* Long mode: 16-byte gates to 64-bit code, RSP0 or an IST stack from the 64-bit TSS. */
static void set_gate64(CPUX86State *env, int vector, uint64_t offset, unsigned dpl,
                       unsigned ist)
{
    uint32_t lo = (offset & 0xffff) | ((uint32_t)SEL_CODE64 << 16);
    uint32_t hi =
        (offset & 0xffff0000) | DESC_P | (dpl << DESC_DPL_SHIFT) | (14u << 8) | ist;
    wr(env, IDT + vector * 16, 8, lo | (uint64_t)hi << 32);
    wr(env, IDT + vector * 16 + 8, 8, offset >> 32);
}

/* Identity map of the first GiB in 2 MiB pages. */
static void build_page_tables(CPUX86State *env)
{
    wr(env, PML4, 8, (PML4 + 0x1000) | 7);
    wr(env, PML4 + 0x1000, 8, (PML4 + 0x2000) | 7);
    for (uint64_t i = 0; i < 512; i++) {
        wr(env, PML4 + 0x2000 + i * 8, 8, (i << 21) | 0x87); /* user, writable, 2 MiB */
    }
}

static CPUX86State *cpu_new_long(void)
{
    CPUX86State *env = cpu_new_pm32();

    build_page_tables(env);
    env->cr[3] = PML4;
    env->cr[4] |= CR4_PAE;
    env->efer |= EFER_LME | EFER_LMA;
    env->cr[0] |= CR0_PG;
    env->idt = (DescTable){IDT, 256 * 16 - 1};
    for (int v = 0; v < 256; v++) {
        set_gate64(env, v, HANDLER(v), 0, 0);
    }
    wr(env, TSS + 4, 8, STACK0_TOP);
    wr(env, TSS + 0x24, 8, SCRATCH + 0x808); /* IST1, deliberately misaligned */
    cpu_set_seg_raw(env, R_CS, SEL_CODE64, 0, 0xffffffff,
                    (CODE32(0) & ~DESC_B) | DESC_L | DESC_A);
    tlb_flush(env);
    return env;
}

static void test_long_mode_interrupt(void)
{
    CPUX86State *env = cpu_new_long();

    set_gate64(env, 0x80, HANDLER(0x80), 3, 0);
    set_cpl3(env);
    cpu_set_seg_raw(env, R_CS, SEL_CODE64U | 3, 0, 0xffffffff,
                    (CODE32(3) & ~DESC_B) | DESC_L | DESC_A);
    env->regs[R_ESP] = STACK3_TOP - 8;
    PUT(env, USER_CODE, 0xcd, 0x80);
    run_until_halt(env);
    g_assert_true(cpu_is_64bit(env));
    g_assert_cmpint(cpu_cpl(env), ==, 0);
    g_assert_cmphex(env->segs[R_SS].selector, ==, 0);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK0_TOP - 40);
    g_assert_cmphex(rd(env, STACK0_TOP - 40, 8), ==, USER_CODE + 2);
    g_assert_cmphex(rd(env, STACK0_TOP - 32, 8), ==, SEL_CODE64U | 3);
    g_assert_cmphex(rd(env, STACK0_TOP - 16, 8), ==, STACK3_TOP - 8);
    g_assert_cmphex(rd(env, STACK0_TOP - 8, 8), ==, SEL_DATA3 | 3);
    cpu_free_all(env);
}

static void test_long_mode_iretq(void)
{
    CPUX86State *env = cpu_new_long();

    set_gate64(env, 0x80, HANDLER(0x80), 3, 0);
    PUT(env, HANDLER(0x80), 0x48, 0xcf); /* iretq */
    set_cpl3(env);
    cpu_set_seg_raw(env, R_CS, SEL_CODE64U | 3, 0, 0xffffffff,
                    (CODE32(3) & ~DESC_B) | DESC_L | DESC_A);
    env->regs[R_ESP] = STACK3_TOP - 8;
    env->eflags |= IF_MASK;
    PUT(env, USER_CODE, 0xcd, 0x80, 0xeb, 0xfe);
    g_assert_cmpint(cpu_exec(env, 3), ==, EXEC_BUDGET);
    g_assert_cmpint(cpu_cpl(env), ==, 3);
    g_assert_true(cpu_is_64bit(env));
    g_assert_cmphex(env->segs[R_SS].selector, ==, SEL_DATA3 | 3);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK3_TOP - 8);
    g_assert_cmphex(env->rip, ==, USER_CODE + 2);
    g_assert_true(env->eflags & IF_MASK);
    cpu_free_all(env);
}

/* An IST gate switches stacks even without a privilege change, aligned to 16. */
static void test_long_mode_ist(void)
{
    CPUX86State *env = cpu_new_long();

    set_gate64(env, EXCP_UD, HANDLER(EXCP_UD), 0, 1);
    PUT(env, CODE, 0x0f, 0x0b);
    run_until_halt(env);
    g_assert_cmphex(env->rip, ==, HANDLER(EXCP_UD) + 1);
    g_assert_cmphex(env->regs[R_ESP], ==, SCRATCH + 0x800 - 40);
    g_assert_cmphex(rd(env, SCRATCH + 0x800 - 40, 8), ==, CODE);
    g_assert_cmphex(rd(env, SCRATCH + 0x800 - 8, 8), ==, SEL_DATA0);
    cpu_free_all(env);
}

/* ------------------------------------------------------------------------------------
 * Double and triple faults
 */

/* #GP whose gate is not present: #NP during #GP delivery is a double fault. */
static void test_double_fault(void)
{
    CPUX86State *env = cpu_new_pm32();

    gate_not_present(env, EXCP_GP);
    PUT(env, CODE, 0x8e, 0xd8);
    env->regs[R_EAX] = SEL_XONLY;
    run_until_halt(env);
    g_assert_cmphex(env->rip, ==, HANDLER(EXCP_DF) + 1);
    g_assert_cmphex(stack_slot(env, 0), ==, 0);
    g_assert_cmphex(stack_slot(env, 1), ==, CODE);
    g_assert_cmpint(env->exception_depth, ==, 0);
    cpu_free_all(env);
}

/* A benign exception (#UD) whose delivery faults: the second is handled serially. */
static void test_benign_then_fault(void)
{
    CPUX86State *env = cpu_new_pm32();

    gate_not_present(env, EXCP_UD);
    PUT(env, CODE, 0x0f, 0x0b);
    run_until_halt(env);
    g_assert_cmphex(env->rip, ==, HANDLER(EXCP_NP) + 1);
    g_assert_cmphex(stack_slot(env, 0), ==, EXCP_UD * 8 + 2 + 1);
    cpu_free_all(env);
}

static void test_triple_fault(void)
{
    CPUX86State *env = cpu_new_pm32();

    gate_not_present(env, EXCP_GP);
    gate_not_present(env, EXCP_DF);
    PUT(env, CODE, 0x8e, 0xd8);
    env->regs[R_EAX] = SEL_XONLY;
    g_assert_false(runstate_take_reset_request());
    g_assert_cmpint(cpu_exec(env, 1000), ==, EXEC_EXIT);
    g_assert_true(runstate_take_reset_request());
    cpu_free_all(env);
}

/* Real mode: an IDT limit too small for any vector ends in a triple fault. */
static void test_real_mode_triple_fault(void)
{
    CPUX86State *env = cpu_new_real();

    env->idt.limit = 0;
    PUT(env, CODE, 0xcd, 0x21);
    g_assert_cmpint(cpu_exec(env, 1000), ==, EXEC_EXIT);
    g_assert_true(runstate_take_reset_request());
    cpu_free_all(env);
}

/* ------------------------------------------------------------------------------------
 * Far transfers
 */

static void test_real_far_call_retf(void)
{
    CPUX86State *env = cpu_new_real();

    PUT(env, CODE, 0x9a, 0x10, 0x00, 0x00, 0x20, /* call 2000:0010 */
        0xf4);
    wr(env, 0x20010, 1, 0xcb); /* retf */
    g_assert_cmpint(step(env), ==, -1);
    g_assert_cmphex(env->segs[R_CS].selector, ==, 0x2000);
    g_assert_cmphex(env->segs[R_CS].base, ==, 0x20000);
    g_assert_cmphex(env->rip, ==, 0x10);
    g_assert_cmphex(rd(env, STACK0_TOP - 4, 2), ==, CODE + 5);
    g_assert_cmphex(rd(env, STACK0_TOP - 2, 2), ==, 0);
    g_assert_cmpint(step(env), ==, -1);
    g_assert_cmphex(env->segs[R_CS].selector, ==, 0);
    g_assert_cmphex(env->rip, ==, CODE + 5);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK0_TOP);
    cpu_free_all(env);
}

static void test_pm_far_call_retf(void)
{
    CPUX86State *env = cpu_new_pm32();

    PUT(env, CODE, 0x9a, 0x00, 0xd0, 0x00, 0x00, SEL_CONF, 0x00, /* call conf:0xd000 */
        0xf4);
    PUT(env, FAR_TARGET, 0xca, 0x08, 0x00); /* retf 8 */
    g_assert_cmpint(step(env), ==, -1);
    /* A conforming segment keeps the CPL in the RPL. */
    g_assert_cmphex(env->segs[R_CS].selector, ==, SEL_CONF);
    g_assert_true(env->segs[R_CS].flags & DESC_C);
    g_assert_cmphex(env->rip, ==, FAR_TARGET);
    g_assert_cmphex(stack_slot(env, 0), ==, CODE + 7);
    g_assert_cmphex(stack_slot(env, 1), ==, SEL_CODE0);
    g_assert_cmpint(step(env), ==, -1);
    g_assert_cmphex(env->segs[R_CS].selector, ==, SEL_CODE0);
    g_assert_cmphex(env->rip, ==, CODE + 7);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK0_TOP + 8);
    cpu_free_all(env);
}

static void test_far_jmp_16bit_code(void)
{
    CPUX86State *env = cpu_new_pm32();

    PUT(env, CODE, 0xea, 0x00, 0xd0, 0x00, 0x00, SEL_CODE16, 0x00);
    g_assert_cmpint(step(env), ==, -1);
    g_assert_cmphex(env->segs[R_CS].selector, ==, SEL_CODE16);
    g_assert_false(env->hflags & HF_CS32);
    g_assert_cmphex(env->rip, ==, FAR_TARGET);
    cpu_free_all(env);
}

typedef struct FarFault {
    uint16_t sel;
    uint32_t offset;
    int vector;
    int error;
} FarFault;

static const FarFault far_faults[] = {
    {0, 0x1000, EXCP_GP, 0},                     /* null selector */
    {SEL_NP_CODE, 0x1000, EXCP_NP, SEL_NP_CODE}, /* not present */
    {SEL_DATA0, 0x1000, EXCP_GP, SEL_DATA0},     /* not code */
    {SEL_CODE3, 0x1000, EXCP_GP, SEL_CODE3},     /* DPL != CPL */
    {SEL_LDT, 0x1000, EXCP_GP, SEL_LDT},         /* an LDT is no jump target */
    {SEL_CODE16, 0x10000, EXCP_GP, 0},           /* beyond the limit */
};

static void test_far_jmp_faults(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(far_faults); i++) {
        const FarFault *f = &far_faults[i];
        CPUX86State *env = cpu_new_pm32();
        uint8_t *p = ram(env, CODE);

        p[0] = 0xea;
        st_le(p + 1, 4, f->offset);
        st_le(p + 5, 2, f->sel);
        g_assert_cmpint(step(env), ==, f->vector);
        g_assert_cmphex(env->error_code, ==, f->error);
        g_assert_cmphex(env->segs[R_CS].selector, ==, SEL_CODE0);
        cpu_free_all(env);
    }
}

/* RETF to CPL 3 pops SS:ESP and nulls data segments CPL 3 may not use. */
static void test_retf_to_outer_level(void)
{
    CPUX86State *env = cpu_new_pm32();
    uint32_t frame[] = {USER_CODE, SEL_CODE3 | 3, STACK3_TOP, SEL_DATA3 | 3};

    for (size_t i = 0; i < ARRAY_SIZE(frame); i++) {
        wr(env, STACK0_TOP - 16 + 4 * i, 4, frame[i]);
    }
    env->regs[R_ESP] = STACK0_TOP - 16;
    cpu_load_seg(env, R_ES, SEL_DATA3 | 3);
    PUT(env, CODE, 0xcb);
    g_assert_cmpint(step(env), ==, -1);
    g_assert_cmpint(cpu_cpl(env), ==, 3);
    g_assert_cmphex(env->segs[R_SS].selector, ==, SEL_DATA3 | 3);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK3_TOP);
    g_assert_cmphex(env->rip, ==, USER_CODE);
    g_assert_cmphex(env->segs[R_DS].selector, ==, 0);
    g_assert_false(env->segs[R_DS].flags & DESC_P);
    g_assert_cmphex(env->segs[R_ES].selector, ==, SEL_DATA3 | 3);
    cpu_free_all(env);
}

/* Returning to an inner level is #GP(selector). */
static void test_retf_to_inner_level(void)
{
    CPUX86State *env = cpu_new_pm32();

    set_cpl3(env);
    wr(env, STACK3_TOP - 8, 4, CODE);
    wr(env, STACK3_TOP - 4, 4, SEL_CODE0);
    env->regs[R_ESP] = STACK3_TOP - 8;
    PUT(env, USER_CODE, 0xcb);
    g_assert_cmpint(step(env), ==, EXCP_GP);
    g_assert_cmphex(env->error_code, ==, SEL_CODE0);
    cpu_free_all(env);
}

/* ------------------------------------------------------------------------------------
 * Descriptor inspection and table registers
 */

static void test_lar_lsl_verr_verw(void)
{
    CPUX86State *env = cpu_new_pm32();

    PUT(env, CODE, 0x0f, 0x02, 0xc1, /* lar eax, ecx */
        0x0f, 0x03, 0xc1,            /* lsl eax, ecx */
        0x0f, 0x00, 0xe1,            /* verr cx */
        0x0f, 0x00, 0xe9,            /* verw cx */
        0x0f, 0x02, 0xc1);           /* lar eax, ecx */
    env->regs[R_ECX] = SEL_SMALL;
    g_assert_cmpint(step(env), ==, -1);
    g_assert_cmphex(env->regs[R_EAX], ==, DESC_P | DESC_S | DESC_W);
    g_assert_true(cpu_get_eflags(env) & CC_Z);
    g_assert_cmpint(step(env), ==, -1);
    g_assert_cmphex(env->regs[R_EAX], ==, 0xfff);
    env->regs[R_ECX] = SEL_XONLY;
    g_assert_cmpint(step(env), ==, -1);
    g_assert_false(cpu_get_eflags(env) & CC_Z); /* execute-only: not readable */
    env->regs[R_ECX] = SEL_DATA0;
    g_assert_cmpint(step(env), ==, -1);
    g_assert_true(cpu_get_eflags(env) & CC_Z);
    env->regs[R_ECX] = 0x1000; /* beyond the GDT */
    env->regs[R_EAX] = 0x1234;
    g_assert_cmpint(step(env), ==, -1);
    g_assert_false(cpu_get_eflags(env) & CC_Z);
    g_assert_cmphex(env->regs[R_EAX], ==, 0x1234);
    cpu_free_all(env);
}

static void test_arpl(void)
{
    CPUX86State *env = cpu_new_pm32();

    PUT(env, CODE, 0x63, 0xd1, 0x63, 0xd1); /* arpl cx, dx (twice) */
    env->regs[R_ECX] = 0x10;
    env->regs[R_EDX] = 0x23;
    g_assert_cmpint(step(env), ==, -1);
    g_assert_cmphex(env->regs[R_ECX], ==, 0x13);
    g_assert_true(cpu_get_eflags(env) & CC_Z);
    g_assert_cmpint(step(env), ==, -1);
    g_assert_false(cpu_get_eflags(env) & CC_Z);
    cpu_free_all(env);

    env = cpu_new_real();
    PUT(env, CODE, 0x63, 0xd1);
    g_assert_cmpint(step(env), ==, EXCP_UD);
    cpu_free_all(env);
}

static void test_table_registers(void)
{
    CPUX86State *env = cpu_new_pm32();

    wr(env, SCRATCH, 2, 0x1ff);
    wr(env, SCRATCH + 2, 4, 0x00123000);
    PUT(env, CODE, 0x0f, 0x01, 0x1d, 0x00, 0x40, 0, 0, /* lidt [0x4000] */
        0x0f, 0x01, 0x0d, 0x10, 0x40, 0, 0,            /* sidt [0x4010] */
        0x0f, 0x00, 0xd8,                              /* ltr ax */
        0x0f, 0x00, 0xc9);                             /* str ecx */
    g_assert_cmpint(step(env), ==, -1);
    g_assert_cmphex(env->idt.base, ==, 0x123000);
    g_assert_cmphex(env->idt.limit, ==, 0x1ff);
    g_assert_cmpint(step(env), ==, -1);
    g_assert_cmphex(rd(env, SCRATCH + 0x10, 2), ==, 0x1ff);
    g_assert_cmphex(rd(env, SCRATCH + 0x12, 4), ==, 0x123000);

    env->tr = (SegmentCache){0};
    env->regs[R_EAX] = SEL_TSS;
    g_assert_cmpint(step(env), ==, -1);
    g_assert_cmphex(env->tr.base, ==, TSS);
    g_assert_cmphex(env->tr.limit, ==, 0x67);
    g_assert_cmpint((rd(env, GDT + SEL_TSS + 4, 4) >> 8) & 15, ==, 11); /* busy */
    g_assert_cmpint(step(env), ==, -1);
    g_assert_cmphex(env->regs[R_ECX], ==, SEL_TSS);

    /* LGDT at CPL 3 is #GP(0); LTR of a busy TSS is #GP(sel). */
    env->rip = CODE + 14;
    g_assert_cmpint(step(env), ==, EXCP_GP);
    g_assert_cmphex(env->error_code, ==, SEL_TSS);
    set_cpl3(env);
    PUT(env, USER_CODE, 0x0f, 0x01, 0x15, 0x00, 0x40, 0, 0);
    g_assert_cmpint(step(env), ==, EXCP_GP);
    cpu_free_all(env);
}

/* ------------------------------------------------------------------------------------
 * System instructions
 */

static void cpuid(CPUX86State *env, uint32_t leaf, uint32_t out[4])
{
    PUT(env, CODE, 0x0f, 0xa2);
    env->rip = CODE;
    env->regs[R_EAX] = leaf;
    env->regs[R_ECX] = 0;
    g_assert_cmpint(step(env), ==, -1);
    out[0] = env->regs[R_EAX];
    out[1] = env->regs[R_EBX];
    out[2] = env->regs[R_ECX];
    out[3] = env->regs[R_EDX];
}

static void test_cpuid(void)
{
    CPUX86State *env = cpu_new_pm32();
    uint32_t r[4], again[4];
    char vendor[13] = {0}, brand[49] = {0};

    cpuid(env, 0, r);
    memcpy(vendor, &r[1], 4);
    memcpy(vendor + 4, &r[3], 4);
    memcpy(vendor + 8, &r[2], 4);
    g_assert_cmpstr(vendor, ==, "AuthenticAMD");

    /* Leaf 1 advertises at least TSC, CX8, CMOV, POPCNT and RDRAND (test-sys.c). */
    cpuid(env, 1, r);
    g_assert_cmphex(r[3] & 0x8110, ==, (1u << 4) | (1u << 8) | (1u << 15));
    g_assert_cmphex(r[2] & 0x40800000, ==, (1u << 23) | (1u << 30));
    cpuid(env, 1, again);
    g_assert_cmpmem(r, sizeof(r), again, sizeof(again));

    cpuid(env, 0x80000000, r);
    g_assert_cmphex(r[0], ==, 0x80000008);
    for (uint32_t leaf = 0; leaf < 3; leaf++) {
        cpuid(env, 0x80000002 + leaf, r);
        memcpy(brand + 16 * leaf, r, 16);
    }
    g_assert_cmpstr(brand, ==, "Reprise virtual CPU");
    cpuid(env, 0x80000001, r);
    g_assert_true(r[3] & (1u << 11)); /* SYSCALL */
    cpuid(env, 0x40000000, r);
    g_assert_cmphex(r[0] | r[1] | r[2] | r[3], ==, 0);
    cpu_free_all(env);
}

static void rdrand_twice(uint64_t out[2])
{
    CPUX86State *env = cpu_new_pm32();

    PUT(env, CODE, 0x0f, 0xc7, 0xf0, /* rdrand eax */
        0x0f, 0xc7, 0xf9);           /* rdseed ecx */
    g_assert_cmpint(step(env), ==, -1);
    g_assert_true(cpu_get_eflags(env) & CC_C);
    g_assert_false(cpu_get_eflags(env) & (CC_Z | CC_S | CC_O | CC_A | CC_P));
    out[0] = env->regs[R_EAX];
    g_assert_cmpint(step(env), ==, -1);
    out[1] = env->regs[R_ECX];
    cpu_free_all(env);
}

static void test_rdrand_seeded(void)
{
    uint64_t a[2], b[2], c[2];

    guest_random_seed(42);
    rdrand_twice(a);
    guest_random_seed(42);
    rdrand_twice(b);
    guest_random_seed(43);
    rdrand_twice(c);
    g_assert_cmphex(a[0], ==, b[0]);
    g_assert_cmphex(a[1], ==, b[1]);
    g_assert_cmphex(a[0], !=, a[1]);
    g_assert_cmphex(a[0], !=, c[0]);
}

static void test_control_registers(void)
{
    CPUX86State *env = cpu_new_pm32();

    PUT(env, CODE, 0x0f, 0x22, 0xc0, /* mov cr0, eax */
        0x0f, 0x22, 0xe0,            /* mov cr4, eax */
        0x0f, 0x20, 0xc1);           /* mov ecx, cr0 */
    env->regs[R_EAX] = CR0_PG;       /* paging without protection */
    g_assert_cmpint(step(env), ==, EXCP_GP);
    env->regs[R_EAX] = CR0_PE | CR0_TS | CR0_NE;
    g_assert_cmpint(step(env), ==, -1);
    g_assert_cmphex(env->cr[0], ==, CR0_PE | CR0_TS | CR0_NE | CR0_ET);
    env->regs[R_EAX] = CR4_OSXSAVE; /* not advertised */
    g_assert_cmpint(step(env), ==, EXCP_GP);
    env->regs[R_EAX] = 1u << 2; /* TSD */
    g_assert_cmpint(step(env), ==, -1);
    g_assert_cmphex(env->cr[4], ==, 1u << 2);
    g_assert_cmpint(step(env), ==, -1);
    g_assert_cmphex(env->regs[R_ECX], ==, env->cr[0]);

    /* CR4.TSD makes RDTSC privileged; MOV CR at CPL 3 is #GP. */
    set_cpl3(env);
    PUT(env, USER_CODE, 0x0f, 0x31);
    g_assert_cmpint(step(env), ==, EXCP_GP);
    PUT(env, USER_CODE, 0x0f, 0x20, 0xc1);
    g_assert_cmpint(step(env), ==, EXCP_GP);
    cpu_free_all(env);
}

static int wrmsr(CPUX86State *env, uint32_t index, uint64_t v)
{
    PUT(env, CODE, 0x0f, 0x30);
    env->rip = CODE;
    env->regs[R_ECX] = index;
    env->regs[R_EAX] = (uint32_t)v;
    env->regs[R_EDX] = v >> 32;
    return step(env);
}

static void test_msrs(void)
{
    CPUX86State *env = cpu_new_pm32();

    g_assert_cmpint(wrmsr(env, 0xc0000080, EFER_SCE), ==, -1);
    g_assert_cmphex(env->efer, ==, EFER_SCE);
    g_assert_cmpint(wrmsr(env, 0xc0000080, 1u << 1), ==, EXCP_GP); /* reserved */
    g_assert_cmpint(wrmsr(env, 0x277, 0x0202020202020202ull), ==, EXCP_GP);
    g_assert_cmpint(wrmsr(env, 0x12345, 0), ==, EXCP_GP);
    g_assert_cmpint(wrmsr(env, 0xc0000100, 0x800000000000ull), ==, EXCP_GP);
    g_assert_cmpint(wrmsr(env, 0xc0000100, 0x7fff12340000ull), ==, -1);
    g_assert_cmphex(env->segs[R_FS].base, ==, 0x7fff12340000ull);

    /* The TSC MSR and RDTSC agree: a write sets the offset. */
    g_assert_cmpint(wrmsr(env, 0x10, 1ull << 40), ==, -1);
    PUT(env, CODE, 0x0f, 0x31);
    env->rip = CODE;
    g_assert_cmpint(step(env), ==, -1);
    g_assert_cmphex(env->regs[R_EDX], ==, 1u << 8);
    cpu_free_all(env);
}

static void test_cli_sti_hlt(void)
{
    CPUX86State *env = cpu_new_pm32();
    uint64_t count;

    PUT(env, CODE, 0xfb, 0xfa, 0xfb, 0xf4);
    count = icount.count;
    g_assert_cmpint(step(env), ==, -1);
    g_assert_true(env->eflags & IF_MASK);
    g_assert_cmphex(env->irq_inhibit_until, ==, count + 2);
    g_assert_cmpint(step(env), ==, -1);
    g_assert_false(env->eflags & IF_MASK);
    env->eflags |= IF_MASK;
    env->irq_inhibit_until = 0;
    g_assert_cmpint(step(env), ==, -1); /* STI with IF already set: no shadow */
    g_assert_cmphex(env->irq_inhibit_until, ==, 0);
    g_assert_cmpint(step(env), ==, -1);
    g_assert_true(env->halted);
    g_assert_cmphex(env->rip, ==, CODE + 4);

    set_cpl3(env);
    env->halted = false;
    PUT(env, USER_CODE, 0xfa, 0xf4);
    g_assert_cmpint(step(env), ==, EXCP_GP); /* IOPL 0 < CPL 3 */
    env->eflags |= IOPL_MASK;
    g_assert_cmpint(step(env), ==, -1);
    g_assert_cmpint(step(env), ==, EXCP_GP); /* HLT needs CPL 0 */
    g_assert_false(env->halted);
    cpu_free_all(env);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/seg/load/descriptor", test_load_descriptor);
    g_test_add_func("/seg/load/faults", test_load_faults);
    g_test_add_func("/seg/load/null-access", test_null_selector_access);
    g_test_add_func("/seg/load/real-mode", test_real_mode_load);
    g_test_add_func("/seg/load/mov-push-pop", test_mov_sreg_forms);
    g_test_add_func("/seg/load/lss", test_lss);
    g_test_add_func("/seg/int/real-mode", test_real_mode_interrupt);
    g_test_add_func("/seg/int/real-mode-iret", test_real_mode_iret);
    g_test_add_func("/seg/int/same-level", test_pm_interrupt_same_level);
    g_test_add_func("/seg/int/trap-gate", test_pm_trap_gate_keeps_if);
    g_test_add_func("/seg/int/iret-same-level", test_pm_iret_same_level);
    g_test_add_func("/seg/int/error-code", test_error_code_push);
    g_test_add_func("/seg/int/stack-switch", test_interrupt_stack_switch);
    g_test_add_func("/seg/int/iret-outer", test_iret_to_outer_level);
    g_test_add_func("/seg/int/gate-dpl", test_soft_int_gate_privilege);
    g_test_add_func("/seg/int/v86", test_v86_round_trip);
    g_test_add_func("/seg/int/16bit-gate", test_16bit_gate);
    g_test_add_func("/seg/int/long-mode", test_long_mode_interrupt);
    g_test_add_func("/seg/int/long-mode-iretq", test_long_mode_iretq);
    g_test_add_func("/seg/int/long-mode-ist", test_long_mode_ist);
    g_test_add_func("/seg/fault/double", test_double_fault);
    g_test_add_func("/seg/fault/benign", test_benign_then_fault);
    g_test_add_func("/seg/fault/triple", test_triple_fault);
    g_test_add_func("/seg/fault/triple-real", test_real_mode_triple_fault);
    g_test_add_func("/seg/far/real-call-retf", test_real_far_call_retf);
    g_test_add_func("/seg/far/pm-call-retf", test_pm_far_call_retf);
    g_test_add_func("/seg/far/jmp-16bit", test_far_jmp_16bit_code);
    g_test_add_func("/seg/far/jmp-faults", test_far_jmp_faults);
    g_test_add_func("/seg/far/retf-outer", test_retf_to_outer_level);
    g_test_add_func("/seg/far/retf-inner", test_retf_to_inner_level);
    g_test_add_func("/seg/desc/lar-lsl-verr-verw", test_lar_lsl_verr_verw);
    g_test_add_func("/seg/desc/arpl", test_arpl);
    g_test_add_func("/seg/desc/table-registers", test_table_registers);
    g_test_add_func("/seg/system/cpuid", test_cpuid);
    g_test_add_func("/seg/system/rdrand-seeded", test_rdrand_seeded);
    g_test_add_func("/seg/system/control-registers", test_control_registers);
    g_test_add_func("/seg/system/msrs", test_msrs);
    g_test_add_func("/seg/system/cli-sti-hlt", test_cli_sti_hlt);
    return g_test_run();
}
