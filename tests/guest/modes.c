/*
 * Guest: CPU modes end to end. In 32-bit protected mode, a hardware task switch
 * through a task gate and back with IRET (Intel SDM vol. 3 chapter 7); then long
 * mode (chapter 9.8.5): 64-bit code, an interrupt through an IST gate, SWAPGS,
 * SYSCALL/SYSRET round trips with ring-3 64-bit code (AMD APM vol. 2 6.1.1); then
 * back to protected mode, where every result is reported as "ok NAME" on COM1.
 *
 * The descriptor tables are built here; the mode switches and everything that runs
 * in 64-bit mode are in longmode.S, which leaves its observations in `lm`.
 */
#include "guest.h"
#include "modes.h"

static uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16)));
static uint64_t idt32[2 * 32] __attribute__((aligned(16)));
static uint64_t idt64[2 * 256] __attribute__((aligned(16)));
static struct tss32 tss_a, tss_b;
static struct tss64 tss64;
static uint8_t task_b_stack[4096] __attribute__((aligned(16)));
static uint8_t ist1_stack[4096] __attribute__((aligned(16)));
static uint8_t rsp0_stack[4096] __attribute__((aligned(16)));

struct lm_results lm;
struct task_results task;
struct desc_ptr gdt_ptr, idt32_ptr, idt64_ptr;
uint8_t pml4[4096] __attribute__((aligned(4096)));
uint8_t pdpt[4096] __attribute__((aligned(4096)));
uint8_t pd[4096] __attribute__((aligned(4096)));
uint64_t ist1_top;

/* --- descriptors --- */

static uint64_t seg_desc(uint32_t base, uint32_t limit, uint32_t flags)
{
    uint32_t lo = (limit & 0xffff) | (base << 16);
    uint32_t hi = ((base >> 16) & 0xff) | (base & 0xff000000) | (limit & 0xf0000) | flags;

    return lo | (uint64_t)hi << 32;
}

static uint64_t gate_desc(uint16_t sel, uint32_t offset, uint32_t type_dpl_ist)
{
    uint32_t lo = (offset & 0xffff) | ((uint32_t)sel << 16);
    uint32_t hi = (offset & 0xffff0000) | type_dpl_ist;

    return lo | (uint64_t)hi << 32;
}

static void build_gdt(void)
{
    gdt[SEL_CODE32 / 8] = seg_desc(0, 0xfffff, D_CODE | D_DB | D_G);
    gdt[SEL_DATA32 / 8] = seg_desc(0, 0xfffff, D_DATA | D_DB | D_G);
    gdt[SEL_CODE64 / 8] = seg_desc(0, 0xfffff, D_CODE | D_L | D_G);
    gdt[SEL_DATA64 / 8] = seg_desc(0, 0xfffff, D_DATA | D_DB | D_G);
    gdt[SEL_UCODE32 / 8] = seg_desc(0, 0xfffff, D_CODE | D_DPL3 | D_DB | D_G);
    gdt[SEL_UDATA / 8] = seg_desc(0, 0xfffff, D_DATA | D_DPL3 | D_DB | D_G);
    gdt[SEL_UCODE64 / 8] = seg_desc(0, 0xfffff, D_CODE | D_DPL3 | D_L | D_G);
    gdt[SEL_TSS_A / 8] = seg_desc((uint32_t)&tss_a, sizeof(tss_a) - 1, D_TSS32);
    gdt[SEL_TSS_B / 8] = seg_desc((uint32_t)&tss_b, sizeof(tss_b) - 1, D_TSS32);
    gdt[SEL_TGATE / 8] = gate_desc(SEL_TSS_B, 0, D_TASK_GATE);
    gdt[SEL_TSS64 / 8] = seg_desc((uint32_t)&tss64, sizeof(tss64) - 1, D_TSS32);
    gdt[SEL_TSS64 / 8 + 1] = 0; /* base 63:32 */
    gdt_ptr.limit = sizeof(gdt) - 1;
    gdt_ptr.base = (uint32_t)gdt;
}

/* Every exception reports its vector and stops the guest (no triple-fault loops). */
static void build_idts(void)
{
    for (int v = 0; v < 32; v++) {
        idt32[v] = gate_desc(SEL_CODE32, (uint32_t)fault32_stubs + 8 * v, D_INT_GATE);
    }
    for (int v = 0; v < 256; v++) {
        uint32_t entry =
            v < 32 ? (uint32_t)fault64_stubs + 8 * v : (uint32_t)fault64_stubs;
        idt64[2 * v] = gate_desc(SEL_CODE64, entry, D_INT_GATE);
    }
    idt64[2 * IST_VECTOR] = gate_desc(SEL_CODE64, (uint32_t)ist_handler, D_INT_GATE | 1);
    idt32_ptr.limit = 32 * 8 - 1;
    idt32_ptr.base = (uint32_t)idt32;
    idt64_ptr.limit = sizeof(idt64) - 1;
    idt64_ptr.base = (uint32_t)idt64;
}

/* Task B runs task_b_entry at ring 0 on its own stack. */
static void build_tasks(void)
{
    tss_b.eip = (uint32_t)task_b_entry;
    tss_b.eflags = 0x2;
    tss_b.esp = (uint32_t)(task_b_stack + sizeof(task_b_stack));
    tss_b.cs = SEL_CODE32;
    tss_b.ss = tss_b.ds = tss_b.es = SEL_DATA32;
    tss_b.iomap = sizeof(tss_b);
    tss_a.iomap = sizeof(tss_a);
    tss64.rsp[0] = (uint64_t)(uint32_t)(rsp0_stack + sizeof(rsp0_stack));
    /* Deliberately misaligned: the CPU aligns an IST stack to 16 bytes. */
    ist1_top = (uint64_t)(uint32_t)(ist1_stack + sizeof(ist1_stack) - 8);
    tss64.ist[0] = ist1_top;
    tss64.iomap = sizeof(tss64);
}

/* Identity map of the first GiB with 2 MiB pages, user accessible. */
static void build_page_tables(void)
{
    *(uint64_t *)pml4 = (uint32_t)pdpt | PTE_URW;
    *(uint64_t *)pdpt = (uint32_t)pd | PTE_URW;
    for (uint64_t i = 0; i < 512; i++) {
        ((uint64_t *)pd)[i] = (i << 21) | PTE_URW | PTE_PS;
    }
}

void fault_report(uint32_t vector)
{
    puts_serial("FAIL unexpected exception in 32-bit code, vector ");
    put_hex(vector, 2);
    puts_serial("\n");
    guest_exit(1);
}

/* --- checks --- */

static uint32_t cpuid_edx(uint32_t leaf)
{
    uint32_t a, b, c, d;

    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(leaf), "c"(0));
    return d;
}

static int check_task_switch(void)
{
    int fail = 0;

    fail |= check("task gate call ran task B", task.b_marker, 0x5a5a5a5a);
    fail |= check("task B's TR", task.b_tr, SEL_TSS_B);
    fail |= check("task B runs nested (NT)", task.b_eflags & EFLAGS_NT, EFLAGS_NT);
    fail |= check("task B's link names task A", tss_b.link, SEL_TSS_A);
    fail |= check("IRET returned to task A", task.a_tr_after, SEL_TSS_A);
    fail |= check("task A's registers restored", task.a_ebx_after, 0x12345678);
    fail |= check("task B no longer busy", (gdt[SEL_TSS_B / 8] >> 40) & 0xf, 9);
    fail |= check("task A busy again", (gdt[SEL_TSS_A / 8] >> 40) & 0xf, 11);
    fail |= check("CR0.TS set by the switch", task.cr0_after & CR0_TS, CR0_TS);
    return fail;
}

static int check_long_mode(void)
{
    int fail = 0;

    fail |= check("long mode active (EFER.LMA)", lm.efer & EFER_LMA, EFER_LMA);
    fail |= check("64-bit code ran (64-bit arithmetic)", lm.wide, 0x100000000ull);
    fail |= check("IST interrupt taken", lm.ist_count, 1);
    fail |= check("IST stack used and aligned", lm.ist_rsp, (ist1_top & ~15ull) - 40);
    fail |= check("SWAPGS swapped GS base", lm.swapgs_value, 0xfeedface);
    fail |= check("SYSCALL round trips", lm.syscall_count, SYSCALL_ROUNDS + 1);
    fail |= check("SYSCALL entered ring 0 (CS)", lm.kernel_cs, SEL_CODE64);
    fail |= check("SYSCALL RCX held the return address", lm.rcx_ok, SYSCALL_ROUNDS + 1);
    fail |= check("SYSRETQ returned to ring 3 (CS)", lm.user_cs, SEL_UCODE64 | 3);
    fail |= check("SYSRETQ returned to ring 3 (SS)", lm.user_ss, SEL_UDATA | 3);
    fail |= check("SYSCALL arguments seen in ring 0", lm.arg_sum, 1 + 2 + 3);
    fail |= check("FMASK cleared DF in the kernel", lm.kernel_df, 0);
    fail |= check("SYSRET restored RFLAGS from R11 (DF)", lm.user_df, EFLAGS_DF);
    fail |= check("back in protected mode (EFER.LMA clear)", lm.efer_after & EFER_LMA, 0);
    return fail;
}

int guest_main(uint32_t magic, uint32_t mbi)
{
    int fail = 0;

    serial_init();
    build_gdt();
    build_idts();
    build_tasks();
    build_page_tables();
    enter_tables();
    run_task_switch();
    fail |= check_task_switch();
    if (!(cpuid_edx(0x80000001) & CPUID_LM)) {
        puts_serial("FAIL CPUID does not advertise long mode\n");
        return 1;
    }
    run_long_mode();
    fail |= check_long_mode();
    puts_serial(fail ? "FAIL modes\n" : "ok all modes\n");
    return fail;
}
