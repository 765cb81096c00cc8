/*
 * Guest: privileged CPU behaviour in 32-bit protected mode. Every exception the CPU
 * raises here, with its error code and the EIP it reports (Intel SDM vol. 3 chapter
 * 6, table 6-1): #DE #DB #BP #OF #BR #UD #NM #DF #TS #NP #SS #GP #PF #MF #AC #XM;
 * the interrupt shadow after STI; then (cpu-sys.c) 16-bit task switches,
 * SYSENTER/SYSEXIT round trips, debug registers, VME and PVI. Each result is
 * printed as "ok NAME" (or "skip NAME: why" for a feature CPUID does not advertise).
 *
 * Each trigger is a tiny assembly function with a label on the instruction expected
 * to fault (or after the one expected to trap); guest_try (cpu-rt.S) runs it and
 * comes back with the vector that ended it.
 */
#include "guest.h"
#include "cpu.h"

static uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16)));
static uint64_t idt[256] __attribute__((aligned(16)));
static uint32_t tss[0x90 / 4] __attribute__((aligned(16)));
static uint32_t tss_tiny[0x60 / 4];
static uint8_t ring0_stack[4096] __attribute__((aligned(16)));
static uint32_t page_dir[1024] __attribute__((aligned(4096)));
static uint32_t page_table[1024] __attribute__((aligned(4096)));

/* The last exception, as exc_dispatch saw it. */
struct frame last;
uint32_t last_cr2, last_dr6, last_dr7;
/* What exc_dispatch does for events that do not end guest_try. */
volatile int resume_db; /* #DB: resume with RF set, count in db_count */
volatile uint32_t db_count;
volatile uint32_t ipi_marker, ipi_seen_marker, ipi_seen_eip, ipi_count;
volatile uint32_t marker;

#define D_CODE  0x9a00
#define D_DATA  0x9200
#define D_DPL3  0x6000
#define D_DB    0x400000
#define D_G     0x800000
#define D_TSS32 0x8900
#define D_TSS16 0x8100
#define D_TGATE 0x8500
#define D_NP    0x8000 /* the present bit, to clear */

#define EFLAGS_TF  0x100
#define EFLAGS_IF  0x200
#define EFLAGS_RF  0x10000
#define EFLAGS_AC  0x40000
#define CR0_MP     0x2
#define CR0_TS     0x8
#define CR0_NE     0x20
#define CR0_WP     0x10000
#define CR0_AM     0x40000
#define CR0_PG     0x80000000u
#define CR4_PSE    0x10
#define CR4_OSFXSR 0x200
#define CR4_XMMEXC 0x400
#define DR6_BS     0x4000

#define APIC_BASE 0xfee00000u
#define APIC_EOI  (APIC_BASE + 0xb0)
#define APIC_SVR  (APIC_BASE + 0xf0)
#define APIC_ICR  (APIC_BASE + 0x300)
#define ICR_SELF  (1u << 18)

uint64_t seg_desc(uint32_t base, uint32_t limit, uint32_t flags)
{
    uint32_t lo = (limit & 0xffff) | (base << 16);
    uint32_t hi = ((base >> 16) & 0xff) | (base & 0xff000000) | (limit & 0xf0000) | flags;

    return lo | (uint64_t)hi << 32;
}

uint64_t gate_desc(uint16_t sel, uint32_t offset, uint32_t type_dpl)
{
    uint32_t lo = (offset & 0xffff) | ((uint32_t)sel << 16);
    uint32_t hi = (offset & 0xffff0000) | type_dpl;

    return lo | (uint64_t)hi << 32;
}

void set_gdt(uint16_t sel, uint64_t desc)
{
    gdt[sel / 8] = desc;
}

uint64_t get_gdt(uint16_t sel)
{
    return gdt[sel / 8];
}

void set_idt(int vector, uint64_t desc)
{
    idt[vector] = desc;
}

uint64_t get_idt(int vector)
{
    return idt[vector];
}

uint32_t *main_tss(void)
{
    return tss;
}

static void build_tables(void)
{
    set_gdt(SEL_CODE0, seg_desc(0, 0xfffff, D_CODE | D_DB | D_G));
    set_gdt(SEL_DATA0, seg_desc(0, 0xfffff, D_DATA | D_DB | D_G));
    set_gdt(SEL_CODE3, seg_desc(0, 0xfffff, D_CODE | D_DPL3 | D_DB | D_G));
    set_gdt(SEL_DATA3, seg_desc(0, 0xfffff, D_DATA | D_DPL3 | D_DB | D_G));
    set_gdt(SEL_TSS, seg_desc((uint32_t)tss, sizeof(tss) - 1, D_TSS32));
    set_gdt(SEL_TSS_TINY, seg_desc((uint32_t)tss_tiny, 0x50, D_TSS32));
    set_gdt(SEL_DATA_NP, seg_desc(0, 0xfffff, (D_DATA & ~D_NP) | D_DB | D_G));
    set_gdt(SEL_USMALL, seg_desc((uint32_t)ring0_stack, 0xff, D_DATA | D_DPL3 | D_DB));
    for (int v = 0; v < 256; v++) {
        set_idt(v, gate_desc(SEL_CODE0, (uint32_t)exc_stubs + 16 * v, 0xee00));
    }
    set_idt(VEC_DPL0, gate_desc(SEL_CODE0, (uint32_t)exc_stubs + 16 * VEC_DPL0, 0x8e00));
    tss[1] = (uint32_t)ring0_stack + sizeof(ring0_stack); /* ESP0 */
    tss[2] = SEL_DATA0;                                   /* SS0 */
    tss[0x64 / 4] = 0x88u << 16; /* I/O map base; the VME redirection bitmap below */
}

static void load_tables(void)
{
    struct __attribute__((packed)) {
        uint16_t limit;
        uint32_t base;
    } g = {sizeof(gdt) - 1, (uint32_t)gdt}, i = {sizeof(idt) - 1, (uint32_t)idt};

    __asm__ volatile("lgdt %0; lidt %1; ljmp %2, $1f; 1:"
                     :
                     : "m"(g), "m"(i), "i"(SEL_CODE0));
    __asm__ volatile(
        "mov %0, %%ds; mov %0, %%es; mov %0, %%ss; mov %0, %%fs; mov %0, %%gs"
        :
        : "r"(SEL_DATA0));
    __asm__ volatile("ltr %0" : : "r"((uint16_t)SEL_TSS));
}

uint32_t read_cr0(void)
{
    uint32_t v;
    __asm__ volatile("mov %%cr0, %0" : "=r"(v));
    return v;
}

void write_cr0(uint32_t v)
{
    __asm__ volatile("mov %0, %%cr0" : : "r"(v));
}

uint32_t read_cr4(void)
{
    uint32_t v;
    __asm__ volatile("mov %%cr4, %0" : "=r"(v));
    return v;
}

void write_cr4(uint32_t v)
{
    __asm__ volatile("mov %0, %%cr4" : : "r"(v));
}

static void mmio_write(uint32_t addr, uint32_t v)
{
    *(volatile uint32_t *)addr = v;
}

/* --- the events --- */

static int dispatch_db(struct frame *f)
{
    uint32_t dr6;

    __asm__ volatile("mov %%dr6, %0" : "=r"(dr6));
    __asm__ volatile("mov %%dr7, %0" : "=r"(last_dr7));
    __asm__ volatile("mov %0, %%dr6" : : "r"(0u));
    last_dr6 = dr6;
    if (!resume_db) {
        return 0;
    }
    db_count++;
    f->eflags |= EFLAGS_RF; /* a fault-class #DB: let the instruction run */
    return 1;
}

int exc_dispatch(struct frame *f)
{
    if (f->vector == VEC_IPI) {
        ipi_seen_marker = marker;
        ipi_seen_eip = f->eip;
        ipi_count++;
        mmio_write(APIC_EOI, 0);
        return 1;
    }
    last = *f;
    __asm__ volatile("mov %%cr2, %0" : "=r"(last_cr2));
    if (f->vector == 1) {
        return dispatch_db(f);
    }
    return 0;
}

/* Run fn and check the exception that ends it. */
int expect_exc(const char *name, void (*fn)(void), int vector, uint32_t error,
               const void *eip)
{
    int fail = 0;

    memset(&last, 0xff, sizeof(last));
    fail |= check(name, guest_try(fn), vector);
    if (vector >= 0 && !fail) {
        fail |= check("  its error code", last.error, error);
        fail |= check("  its EIP", last.eip, (uint32_t)eip);
    }
    return fail;
}

/* --- the triggers --- */

#define TRIGGER(name, body)                                                              \
    extern const char name[], name##_at[];                                               \
    __asm__(".text\n" #name ":\n" body "\nret\n")

TRIGGER(t_de, "xor %ecx, %ecx\n mov $1, %eax\n xor %edx, %edx\n"
              "t_de_at: div %ecx");
TRIGGER(t_db, "pushf\n orl $0x100, (%esp)\n popf\n nop\n t_db_at: nop");
TRIGGER(t_of, "mov $0x7fffffff, %eax\n add $1, %eax\n into\n t_of_at: nop");
TRIGGER(t_br, "mov $11, %eax\n t_br_at: bound %eax, bounds");
TRIGGER(t_ud, "t_ud_at: ud2");
TRIGGER(t_ud_lock, "t_ud_lock_at: .byte 0xf0, 0x01, 0xc3"); /* lock add %eax, %ebx */
TRIGGER(t_nm, "t_nm_at: fldz");
TRIGGER(t_df, "mov $0x28, %eax\n t_df_at: mov %eax, %ds");
TRIGGER(t_ts, "t_ts_at: ljmp $0x30, $0");
TRIGGER(t_np, "mov $0x38, %eax\n t_np_at: mov %eax, %ds");
TRIGGER(t_ss, "mov $0x38, %eax\n t_ss_at: mov %eax, %ss");
TRIGGER(t_gp, "mov $0x28, %eax\n t_gp_at: mov %eax, %es");
TRIGGER(t_pf_write, "t_pf_write_at: movl $1, 0x400010");
TRIGGER(t_pf_ro, "t_pf_ro_at: movl $1, 0x401000");
TRIGGER(t_mf, "fninit\n fldcw cw_zm_unmasked\n fld1\n fdivl zero_d\n"
              "t_mf_at: fwait");
TRIGGER(t_xm, "ldmxcsr mxcsr_zm_unmasked\n movss one_f, %xmm0\n xorps %xmm1, %xmm1\n"
              "t_xm_at: divss %xmm1, %xmm0");
/* Ring 3 */
TRIGGER(u_bp, "int3\n u_bp_at: int $0x42");
TRIGGER(u_gp_hlt, "u_gp_hlt_at: hlt");
TRIGGER(u_gp_int, "u_gp_int_at: int $0x41");
TRIGGER(u_ss, "mov $0x83, %eax\n mov %eax, %ss\n mov $0x104, %esp\n u_ss_at: push %eax");
TRIGGER(u_ac, "pushf\n orl $0x40000, (%esp)\n popf\n u_ac_at: mov user_word + 1, %eax");
TRIGGER(u_pf, "u_pf_at: mov 0x401000, %eax");
/* The shadow of STI: the interrupt pending since before it comes after one more. */
TRIGGER(t_sti, "cli\n movl $0x40040, 0xfee00300\n movl $0, marker\n sti\n"
               "movl $1, marker\n t_sti_at: movl $2, marker");

int32_t bounds[2] = {0, 10};
uint16_t cw_zm_unmasked = 0x37b;
double zero_d = 0.0;
float one_f = 1.0f;
uint32_t mxcsr_zm_unmasked = 0x1f80 & ~0x200u;
uint32_t user_word[2];

static void in_user_bp(void)
{
    enter_user((void (*)(void))u_bp);
}
static void in_user_gp_hlt(void)
{
    enter_user((void (*)(void))u_gp_hlt);
}
static void in_user_gp_int(void)
{
    enter_user((void (*)(void))u_gp_int);
}
static void in_user_ss(void)
{
    enter_user((void (*)(void))u_ss);
}
static void in_user_ac(void)
{
    enter_user((void (*)(void))u_ac);
}
static void in_user_pf(void)
{
    enter_user((void (*)(void))u_pf);
}

#define FN(t) ((void (*)(void))(t))

static int test_simple_faults(void)
{
    int fail = 0;

    fail |= expect_exc("#DE divide by zero", FN(t_de), 0, 0, t_de_at);
    fail |= expect_exc("#DB single-step trap after the next instruction", FN(t_db), 1, 0,
                       t_db_at);
    fail |= check("  DR6.BS", last_dr6 & DR6_BS, DR6_BS);
    fail |=
        expect_exc("#BP from ring 3 (trap: EIP after INT3)", in_user_bp, 3, 0, u_bp_at);
    fail |= check("  from CS 1Bh", last.cs, SEL_CODE3 | 3);
    fail |= expect_exc("#OF from INTO (trap)", FN(t_of), 4, 0, t_of_at);
    fail |= expect_exc("#BR from BOUND", FN(t_br), 5, 0, t_br_at);
    fail |= expect_exc("#UD from UD2", FN(t_ud), 6, 0, t_ud_at);
    fail |= expect_exc("#UD from LOCK on a register operand", FN(t_ud_lock), 6, 0,
                       t_ud_lock_at);
    return fail;
}

static int test_segment_faults(void)
{
    int fail = 0;

    fail |= expect_exc("#TS(sel) from a TSS limit below 67h", FN(t_ts), 10, SEL_TSS_TINY,
                       t_ts_at);
    fail |= expect_exc("#NP(sel) loading DS", FN(t_np), 11, SEL_DATA_NP, t_np_at);
    fail |= expect_exc("#SS(sel) loading SS", FN(t_ss), 12, SEL_DATA_NP, t_ss_at);
    fail |= expect_exc("#SS(0) past a ring-3 stack limit", in_user_ss, 12, 0, u_ss_at);
    fail |= expect_exc("#GP(sel) loading ES with a TSS", FN(t_gp), 13, SEL_TSS, t_gp_at);
    fail |= expect_exc("#GP(0) from HLT at ring 3", in_user_gp_hlt, 13, 0, u_gp_hlt_at);
    fail |= expect_exc("#GP(vector*8+2) through a DPL 0 gate", in_user_gp_int, 13,
                       VEC_DPL0 * 8 + 2, u_gp_int_at);
    return fail;
}

/* #GP while the #GP gate is not present: #NP in delivery makes a double fault. */
static int test_double_fault(void)
{
    uint64_t gp = get_idt(13);
    int fail;

    set_idt(13, gp & ~((uint64_t)D_NP << 32));
    fail = expect_exc("#DF(0) from #NP while delivering #GP", FN(t_df), 8, 0, t_df_at);
    set_idt(13, gp);
    return fail;
}

static int test_fpu_faults(void)
{
    uint32_t cr0 = read_cr0();
    int fail = 0;

    write_cr0(cr0 | CR0_TS | CR0_MP);
    fail |= expect_exc("#NM with CR0.TS", FN(t_nm), 7, 0, t_nm_at);
    __asm__ volatile("clts");
    write_cr0((cr0 | CR0_NE | CR0_MP) & ~CR0_TS);
    fail |=
        expect_exc("#MF at the next x87 instruction (CR0.NE)", FN(t_mf), 16, 0, t_mf_at);
    __asm__ volatile("fnclex; fninit");
    write_cr4(read_cr4() | CR4_OSFXSR | CR4_XMMEXC);
    fail |= expect_exc("#XM unmasked SSE divide by zero", FN(t_xm), 19, 0, t_xm_at);
    write_cr4(read_cr4() & ~CR4_XMMEXC);
    fail |= expect_exc("#UD for it without CR4.OSXMMEXCPT", FN(t_xm), 6, 0, t_xm_at);
    write_cr0(cr0);
    return fail;
}

static int test_alignment_check(void)
{
    uint32_t cr0 = read_cr0();
    int fail;

    write_cr0(cr0 | CR0_AM);
    fail = expect_exc("#AC(0) misaligned at ring 3 with AC and CR0.AM", in_user_ac, 17, 0,
                      u_ac_at);
    write_cr0(cr0);
    return fail;
}

/*
 * Paging for the #PF checks: 4 MiB identity pages, except 4-8 MiB: a page table in
 * which page 0 is not present and page 1 is supervisor read-only.
 */
static int test_page_faults(void)
{
    uint32_t cr0 = read_cr0();
    int fail = 0;

    for (uint32_t i = 0; i < 1024; i++) {
        page_dir[i] = (i << 22) | 0x87; /* present, writable, user, 4 MiB */
    }
    page_dir[1] = (uint32_t)page_table | 0x7;
    for (uint32_t i = 0; i < 1024; i++) {
        page_table[i] = (0x400000 + (i << 12)) | 0x7;
    }
    page_table[0] = 0;
    page_table[1] = 0x401000 | 0x1;
    write_cr4(read_cr4() | CR4_PSE);
    __asm__ volatile("mov %0, %%cr3" : : "r"(page_dir));
    write_cr0(cr0 | CR0_PG | CR0_WP);
    fail |= expect_exc("#PF(W) writing a page not present", FN(t_pf_write), 14, 0x2,
                       t_pf_write_at);
    fail |= check("  CR2", last_cr2, 0x400010);
    fail |= expect_exc("#PF(P|W) writing a read-only page (CR0.WP)", FN(t_pf_ro), 14, 0x3,
                       t_pf_ro_at);
    fail |= expect_exc("#PF(P|U) reading a supervisor page at ring 3", in_user_pf, 14,
                       0x5, u_pf_at);
    fail |= check("  CR2", last_cr2, 0x401000);
    write_cr0(cr0);
    return fail;
}

/* A self-IPI held pending by IF = 0, then STI: taken after the next instruction. */
static int test_sti_shadow(void)
{
    int fail = 0;

    mmio_write(APIC_SVR, 0x1ff);
    ipi_count = 0;
    fail |= check("STI shadow: the code ran to its end", guest_try(FN(t_sti)), -1);
    fail |= check("  one interrupt", ipi_count, 1);
    fail |= check("  taken after the instruction after STI", ipi_seen_marker, 1);
    fail |= check("  its return EIP", ipi_seen_eip, (uint32_t)t_sti_at);
    return fail;
}

int guest_main(uint32_t magic, uint32_t mbi)
{
    int fail = 0;

    serial_init();
    build_tables();
    load_tables();
    fail |= test_simple_faults();
    fail |= test_segment_faults();
    fail |= test_double_fault();
    fail |= test_fpu_faults();
    fail |= test_alignment_check();
    fail |= test_page_faults();
    fail |= test_sti_shadow();
    fail |= run_sys_tests();
    puts_serial(fail ? "FAIL cpu\n" : "ok all cpu\n");
    return fail;
}
