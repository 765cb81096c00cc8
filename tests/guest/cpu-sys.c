/*
 * Guest (with cpu.c): a task switch to and from a 16-bit TSS (SDM vol. 3 7.6),
 * SYSENTER/SYSEXIT round trips through ring 3 (vol. 2 SYSENTER, SYSEXIT), the debug
 * registers (vol. 3 17.2-17.3: instruction breakpoint and RF, data and I/O
 * breakpoints, single-step, general detect), and the virtual interrupt flag (vol. 3
 * 20.3-20.4: VME in virtual-8086 mode, PVI at ring 3) when CPUID advertises VME.
 */
#include "guest.h"
#include "cpu.h"

/* cpu.c */
uint64_t seg_desc(uint32_t base, uint32_t limit, uint32_t flags);
uint64_t gate_desc(uint16_t sel, uint32_t offset, uint32_t type_dpl);
void set_gdt(uint16_t sel, uint64_t desc);
uint64_t get_gdt(uint16_t sel);
uint32_t *main_tss(void);
uint32_t read_cr0(void);
uint32_t read_cr4(void);
void write_cr4(uint32_t v);
int expect_exc(const char *name, void (*fn)(void), int vector, uint32_t error,
               const void *eip);
extern struct frame last;
extern uint32_t last_dr6, last_dr7;
extern volatile int resume_db;
extern volatile uint32_t db_count;

#define FN(t)      ((void (*)(void))(t))
#define D_CODE32   0xc09a00 /* present code, readable, 32-bit, 4 KiB granular */
#define D_DATA32   0xc09200
#define D_DPL3     0x6000
#define D_DATA16   0x9200
#define D_TSS16    0x8100
#define D_TGATE    0x8500
#define EFLAGS_IF  0x200
#define EFLAGS_NT  0x4000
#define EFLAGS_VM  0x20000
#define EFLAGS_VIF 0x80000
#define IOPL_MASK  0x3000
#define CR0_TS     0x8
#define CR4_VME    0x1
#define CR4_PVI    0x2
#define CR4_DE     0x8
#define DR6_BD     0x2000
#define DR7_GD     0x2000
#define CPUID_VME  (1u << 1)
#define CPUID_SEP  (1u << 11)

static void wrmsr(uint32_t msr, uint32_t lo)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"(lo), "d"(0));
}

static uint32_t cpuid1_edx(void)
{
    uint32_t a, b, c, d;

    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    return d;
}

static void set_dr7(uint32_t v)
{
    __asm__ volatile("mov %0, %%dr7" : : "r"(v));
}

/* --- a 16-bit TSS --- */

struct tss16 {
    uint16_t link, sp0, ss0, sp1, ss1, sp2, ss2, ip, flags;
    uint16_t ax, cx, dx, bx, sp, bp, si, di, es, cs, ss, ds, ldt;
};

static struct tss16 tss16;
static uint8_t t16_stack[256];
uint32_t t16_marker, t16_tr, t16_flags, t16_ebx_after, t16_tr_after;
extern const char task16_entry[], task16_after_iret[];

/*
 * The 16-bit task: its IP is 16 bits, so its code segment's base sits just below
 * task16_entry. CALL through a task gate enters it, its IRET returns (NT).
 */
__asm__(".text\n"
        "task16_entry: movl $0x5a5a, t16_marker\n"
        " str %eax\n mov %eax, t16_tr\n"
        " pushf\n pop %eax\n mov %eax, t16_flags\n"
        " iret\n"
        "task16_after_iret: jmp task16_entry\n"
        "run_task16: push %ebx\n mov $0x12345678, %ebx\n"
        " lcall $0x48, $0\n"
        " mov %ebx, t16_ebx_after\n str %eax\n mov %eax, t16_tr_after\n"
        " pop %ebx\n ret\n");
void run_task16(void);

static int test_task16(void)
{
    uint32_t base = (uint32_t)task16_entry - 0x100;
    int fail = 0;

    set_gdt(SEL_TSS16, seg_desc((uint32_t)&tss16, sizeof(tss16) - 1, D_TSS16));
    set_gdt(SEL_TGATE16, gate_desc(SEL_TSS16, 0, D_TGATE));
    set_gdt(SEL_DATA16, seg_desc((uint32_t)t16_stack, 0xffff, D_DATA16));
    set_gdt(SEL_CODE_T16, seg_desc(base, 0xfffff, D_CODE32));
    tss16.ip = 0x100;
    tss16.flags = 0x2;
    tss16.sp = sizeof(t16_stack);
    tss16.cs = SEL_CODE_T16;
    tss16.ss = SEL_DATA16;
    tss16.ds = tss16.es = SEL_DATA0;
    run_task16();
    fail |= check("16-bit task ran", t16_marker, 0x5a5a);
    fail |= check("  its TR", t16_tr & 0xffff, SEL_TSS16);
    fail |= check("  nested (NT)", t16_flags & EFLAGS_NT, EFLAGS_NT);
    fail |= check("  its link names the 32-bit task", tss16.link, SEL_TSS);
    fail |= check("IRET from the 16-bit task: TR", t16_tr_after & 0xffff, SEL_TSS);
    fail |= check("  32-bit task's EBX restored", t16_ebx_after, 0x12345678);
    fail |= check("  16-bit IP saved in the 16-bit TSS", tss16.ip,
                  (uint32_t)task16_after_iret - base);
    fail |= check("  16-bit TSS available again (type 1)",
                  (get_gdt(SEL_TSS16) >> 40) & 0xf, 1);
    fail |= check("  CR0.TS set by the switch", read_cr0() & CR0_TS, CR0_TS);
    __asm__ volatile("clts");
    return fail;
}

/* --- SYSENTER / SYSEXIT --- */

#define SYSENTER_ROUNDS 3
static uint8_t sysenter_stack[1024] __attribute__((aligned(16)));
uint32_t se_count, se_kernel_cs, se_kernel_ss, se_kernel_esp, se_user_cs, se_user_ss;

__asm__(".text\n"
        "sysenter_entry: incl se_count\n"
        " mov %cs, se_kernel_cs\n mov %ss, se_kernel_ss\n mov %esp, se_kernel_esp\n"
        " sysexit\n"
        "u_sysenter: mov $3, %esi\n"
        "1: mov $2f, %edx\n mov %esp, %ecx\n sysenter\n"
        "2: mov %cs, se_user_cs\n mov %ss, se_user_ss\n dec %esi\n jnz 1b\n"
        " int $0x42\n");
extern const char sysenter_entry[], u_sysenter[];

static void in_user_sysenter(void)
{
    enter_user(FN(u_sysenter));
}

static int test_sysenter(void)
{
    uint32_t top = (uint32_t)sysenter_stack + sizeof(sysenter_stack);
    int fail = 0;

    if (!(cpuid1_edx() & CPUID_SEP)) {
        puts_serial("FAIL CPUID does not advertise SYSENTER\n");
        return 1;
    }
    set_gdt(SEL_SYSENTER, seg_desc(0, 0xfffff, D_CODE32));
    set_gdt(SEL_SYSENTER + 8, seg_desc(0, 0xfffff, D_DATA32));
    set_gdt(SEL_SYSENTER + 16, seg_desc(0, 0xfffff, D_CODE32 | D_DPL3));
    set_gdt(SEL_SYSENTER + 24, seg_desc(0, 0xfffff, D_DATA32 | D_DPL3));
    wrmsr(0x174, SEL_SYSENTER);
    wrmsr(0x175, top);
    wrmsr(0x176, (uint32_t)sysenter_entry);
    fail |= check("SYSENTER/SYSEXIT round trips end in ring 3",
                  guest_try(in_user_sysenter), VEC_DONE);
    fail |= check("  rounds", se_count, SYSENTER_ROUNDS);
    fail |= check("  SYSENTER CS", se_kernel_cs & 0xffff, SEL_SYSENTER);
    fail |= check("  SYSENTER SS", se_kernel_ss & 0xffff, SEL_SYSENTER + 8);
    fail |= check("  SYSENTER ESP", se_kernel_esp, top);
    fail |= check("  SYSEXIT CS", se_user_cs & 0xffff, (SEL_SYSENTER + 16) | 3);
    fail |= check("  SYSEXIT SS", se_user_ss & 0xffff, (SEL_SYSENTER + 24) | 3);
    return fail;
}

/* --- debug registers --- */

#define TRIGGER(name, body)                                                              \
    extern const char name[], name##_at[];                                               \
    __asm__(".text\n" #name ":\n" body "\nret\n")

uint32_t watched;
TRIGGER(t_ibp, "nop\n t_ibp_at: nop\n nop");
TRIGGER(t_dbw, "movl $5, watched\n t_dbw_at: nop");
TRIGGER(t_dbr, "mov watched, %eax\n t_dbr_at: nop");
TRIGGER(t_iobp, "mov $0x80, %edx\n outb %al, (%dx)\n t_iobp_at: nop");
TRIGGER(t_gd, "t_gd_at: mov %dr0, %eax");
TRIGGER(t_step, "pushf\n orl $0x100, (%esp)\n popf\n nop\n nop\n"
                "pushf\n andl $~0x100, (%esp)\n popf\n t_step_at: nop");

/* Execute breakpoint: a fault before the instruction; the handler sets RF to go on. */
static int test_insn_breakpoint(void)
{
    int fail = 0;

    __asm__ volatile("mov %0, %%dr0" : : "r"(t_ibp_at));
    set_dr7(0x1); /* L0, R/W0 = 00 execute, LEN0 = 00 */
    resume_db = 1;
    db_count = 0;
    fail |=
        check("instruction breakpoint: code ran on after RF", guest_try(FN(t_ibp)), -1);
    fail |= check("  one #DB", db_count, 1);
    fail |= check("  DR6.B0", last_dr6 & 0xf, 1);
    fail |= check("  a fault: EIP at the instruction", last.eip, (uint32_t)t_ibp_at);
    resume_db = 0;
    set_dr7(0);
    return fail;
}

static int test_data_breakpoints(void)
{
    int fail = 0;

    __asm__ volatile("mov %0, %%dr1" : : "r"(&watched));
    set_dr7(0x4 | 1u << 20 | 3u << 22); /* L1, R/W1 = 01 writes, LEN1 = 11 (4 bytes) */
    fail |= expect_exc("data breakpoint on a write (trap)", FN(t_dbw), 1, 0, t_dbw_at);
    fail |= check("  DR6.B1", last_dr6 & 0xf, 2);
    fail |= check("  the write happened", watched, 5);
    fail |= check("a read does not hit a write breakpoint", guest_try(FN(t_dbr)), -1);
    set_dr7(0x4 | 3u << 20 | 3u << 22); /* R/W1 = 11: reads and writes */
    fail |= expect_exc("data breakpoint on a read (trap)", FN(t_dbr), 1, 0, t_dbr_at);
    set_dr7(0);
    return fail;
}

static int test_io_breakpoint(void)
{
    uint32_t cr4 = read_cr4();
    int fail = 0;

    write_cr4(cr4 | CR4_DE);
    __asm__ volatile("mov %0, %%dr2" : : "r"(0x80));
    set_dr7(0x10 | 2u << 24); /* L2, R/W2 = 10 I/O, LEN2 = 00 */
    fail |=
        expect_exc("I/O breakpoint on OUT (trap, CR4.DE)", FN(t_iobp), 1, 0, t_iobp_at);
    fail |= check("  DR6.B2", last_dr6 & 0xf, 4);
    write_cr4(cr4 & ~CR4_DE);
    fail |= check("no I/O breakpoint without CR4.DE", guest_try(FN(t_iobp)), -1);
    set_dr7(0);
    return fail;
}

static int test_general_detect(void)
{
    int fail = 0;

    set_dr7(DR7_GD);
    fail |= expect_exc("general detect: MOV DR is a #DB fault", FN(t_gd), 1, 0, t_gd_at);
    fail |= check("  DR6.BD", last_dr6 & DR6_BD, DR6_BD);
    fail |= check("  DR7.GD cleared for the handler", last_dr7 & DR7_GD, 0);
    set_dr7(0);
    return fail;
}

/* TF set by POPF traps after each following instruction, the clearing POPF included. */
static int test_single_step(void)
{
    int fail = 0;

    resume_db = 1;
    db_count = 0;
    fail |= check("single-step through 5 instructions", guest_try(FN(t_step)), -1);
    fail |= check("  one #DB per instruction", db_count, 5);
    fail |=
        check("  the last after the POPF that cleared TF", last.eip, (uint32_t)t_step_at);
    resume_db = 0;
    return fail;
}

/* --- VME and PVI --- */

#define V86_SEG   0x0800 /* code, data and stack of the V86 program: linear 0x8000 */
#define V86_BASE  (V86_SEG * 16)
#define V86_OUT   0x600 /* results, at V86_SEG:0600 */
#define REDIR_MAP 0x68  /* the TSS's redirection bitmap, below its I/O map at 88h */
#define V86_INT42 0x0e  /* offset of the last instruction, INT 42h */

/*
 * cli; sti; pushf; pop ax; mov [600h], ax; int 21h (redirected);
 * pushf; pop ax; mov [602h], ax; int 42h (bitmap bit set, IOPL < 3: #GP(0))
 * The INT 21h handler at 0800:0100: mov word [604h], 1234h; cli; iret
 */
static const uint8_t v86_code[] = {0xfa, 0xfb, 0x9c, 0x58, 0xa3, 0x00, 0x06, 0xcd,
                                   0x21, 0x9c, 0x58, 0xa3, 0x02, 0x06, 0xcd, 0x42};
static const uint8_t v86_int21[] = {0xc7, 0x06, 0x04, 0x06, 0x34, 0x12, 0xfa, 0xcf};

static void run_v86(void)
{
    enter_v86(V86_SEG, 0, V86_SEG, 0xf00, EFLAGS_IF | 0x2);
}

static void set_v86_program(void)
{
    uint8_t *redir = (uint8_t *)main_tss() + REDIR_MAP;

    memcpy((void *)V86_BASE, v86_code, sizeof(v86_code));
    memcpy((void *)(V86_BASE + 0x100), v86_int21, sizeof(v86_int21));
    memset((void *)(V86_BASE + V86_OUT), 0, 8);
    *(volatile uint32_t *)(0x21 * 4) = V86_SEG << 16 | 0x100;
    memset(redir, 0, 32);
    redir[VEC_DONE / 8] = 1u << (VEC_DONE % 8);
}

static uint16_t v86_out(int i)
{
    return ((volatile uint16_t *)(V86_BASE + V86_OUT))[i];
}

static int test_vme(void)
{
    uint32_t cr4 = read_cr4();
    int fail = 0;

    set_v86_program();
    write_cr4(cr4 | CR4_VME);
    fail |= expect_exc("VME: INT n with its redirection bit set is #GP(0)", run_v86, 13,
                       0, (void *)V86_INT42);
    fail |= check("  from V86 mode", last.eflags & EFLAGS_VM, EFLAGS_VM);
    fail |= check("  CLI/STI did not fault and left IF alone", last.eflags & EFLAGS_IF,
                  EFLAGS_IF);
    fail |=
        check("  IRET restored VIF from the image", last.eflags & EFLAGS_VIF, EFLAGS_VIF);
    fail |= check("  PUSHF image: IF = VIF, IOPL 3", v86_out(0) & (EFLAGS_IF | IOPL_MASK),
                  EFLAGS_IF | IOPL_MASK);
    fail |= check("  INT 21h went to the 8086 handler", v86_out(2), 0x1234);
    fail |= check("  its IRET gave back VIF", v86_out(1) & EFLAGS_IF, EFLAGS_IF);
    write_cr4(cr4);
    fail |=
        expect_exc("CLI in V86 mode without VME is #GP(0)", run_v86, 13, 0, (void *)0);
    return fail;
}

uint32_t pvi_flags[2];
__asm__(".text\n"
        "u_pvi: cli\n pushf\n pop %eax\n mov %eax, pvi_flags\n"
        " sti\n pushf\n pop %eax\n mov %eax, pvi_flags + 4\n int $0x42\n");
extern const char u_pvi[];

static void in_user_pvi(void)
{
    enter_user(FN(u_pvi));
}

static int test_pvi(void)
{
    uint32_t cr4 = read_cr4();
    int fail = 0;

    write_cr4(cr4 | CR4_PVI);
    fail |=
        check("PVI: CLI/STI at ring 3 do not fault", guest_try(in_user_pvi), VEC_DONE);
    fail |= check("  CLI cleared VIF, not IF", pvi_flags[0] & (EFLAGS_VIF | EFLAGS_IF),
                  EFLAGS_IF);
    fail |= check("  STI set VIF", pvi_flags[1] & EFLAGS_VIF, EFLAGS_VIF);
    write_cr4(cr4);
    fail |= expect_exc("CLI at ring 3 without PVI is #GP(0)", in_user_pvi, 13, 0, u_pvi);
    return fail;
}

int run_sys_tests(void)
{
    int fail = 0;

    fail |= test_task16();
    fail |= test_sysenter();
    fail |= test_insn_breakpoint();
    fail |= test_data_breakpoints();
    fail |= test_io_breakpoint();
    fail |= test_general_detect();
    fail |= test_single_step();
    if (cpuid1_edx() & CPUID_VME) {
        fail |= test_vme();
        fail |= test_pvi();
    } else {
        puts_serial("skip VME and PVI: CPUID does not advertise VME\n");
    }
    return fail;
}
