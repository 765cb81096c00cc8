/*
 * Paging guest: builds its own GDT, TSS, IDT and page tables, turns on 32-bit paging
 * and then PAE paging (Intel SDM vol. 3 chapter 4), and checks translations, page
 * faults (CR2 and error code, from kernel and user mode, through its own #PF
 * handler), accessed/dirty bits, CR0.WP, INVLPG, large pages, NX, reserved bits and
 * code written at run time. Prints "ok NAME", "FAIL NAME ..." or "skip NAME".
 */
#include "guest.h"

#define KCODE   0x08
#define KDATA   0x10
#define UCODE   0x1b
#define UDATA   0x23
#define TSS_SEL 0x28

#define PG_P  0x001u
#define PG_RW 0x002u
#define PG_US 0x004u
#define PG_A  0x020u
#define PG_D  0x040u
#define PG_PS 0x080u
#define PG_G  0x100u

#define CR0_WP   (1u << 16)
#define CR0_PG   (1u << 31)
#define CR4_PSE  (1u << 4)
#define CR4_PAE  (1u << 5)
#define CR4_PGE  (1u << 7)
#define EFER_MSR 0xc0000080u
#define EFER_NXE (1u << 11)

#define IDENTITY_MB 8           /* identity-mapped, user-accessible, read-write */
#define TEST_LIN    0x40000000u /* test mappings live in this 4 MiB / 2 MiB region */

/* ------------------------------------------------------------------------------------
 * Descriptor tables
 */

static uint64_t gdt[6];
static uint64_t idt[256];
static uint32_t tss[26];
static uint8_t kstack[8192] __attribute__((aligned(16)));
static uint8_t ustack[8192] __attribute__((aligned(16), used));

struct __attribute__((packed)) dtr {
    uint16_t limit;
    uint32_t base;
};

/* Set by the assembly stubs below. */
volatile uint32_t pf_count, pf_err, pf_cr2, pf_fixup;
uint32_t kernel_esp;
extern void (*const unexpected_stubs[32])(void);

void pf_entry(void);
void user_return_entry(void);
void run_user(void (*fn)(void));

/* Any exception but #PF ends the test: it means paging went wrong somewhere. */
__attribute__((noreturn, used)) void unexpected_exception(uint32_t vector, uint32_t eip)
{
    puts_serial("FAIL unexpected exception ");
    put_dec(vector);
    puts_serial(" at ");
    put_hex(eip, 8);
    puts_serial("\n");
    guest_exit(1);
}

/*
 * #PF: record CR2 and the error code, resume at pf_fixup. Other exceptions: report
 * and exit. int 0x80 from user mode: back to the kernel stack run_user left.
 */
__asm__(".text\n"
        "pf_entry:\n"
        "  push %eax\n"
        "  mov %cr2, %eax\n"
        "  mov %eax, pf_cr2\n"
        "  mov 4(%esp), %eax\n"
        "  mov %eax, pf_err\n"
        "  incl pf_count\n"
        "  mov pf_fixup, %eax\n"
        "  mov %eax, 8(%esp)\n"
        "  pop %eax\n"
        "  add $4, %esp\n"
        "  iret\n"
        ".irp v,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,"
        "27,28,29,30,31\n"
        "unexpected_\\v:\n"
        "  push $\\v\n"
        "  jmp unexpected_common\n"
        ".endr\n"
        "unexpected_common:\n"
        "  mov $0x23, %ax\n"
        "  mov %ax, %ds\n"
        "  mov %ax, %es\n"
        "  call unexpected_exception\n"
        "run_user:\n"
        "  push %ebp\n"
        "  push %ebx\n"
        "  push %esi\n"
        "  push %edi\n"
        "  mov %esp, kernel_esp\n"
        "  mov 20(%esp), %eax\n"
        "  push $0x23\n"
        "  push $ustack + 8192\n"
        "  pushf\n"
        "  push $0x1b\n"
        "  push %eax\n"
        "  iret\n"
        "user_return_entry:\n"
        "  mov kernel_esp, %esp\n"
        "  pop %edi\n"
        "  pop %esi\n"
        "  pop %ebx\n"
        "  pop %ebp\n"
        "  ret\n"
        ".section .rodata\n"
        ".align 4\n"
        "unexpected_stubs:\n"
        ".irp v,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,"
        "27,28,29,30,31\n"
        "  .long unexpected_\\v\n"
        ".endr\n"
        ".text\n");

static uint64_t seg_desc(uint32_t base, uint32_t limit, uint32_t access, uint32_t flags)
{
    return (limit & 0xffff) | (uint64_t)(base & 0xffffff) << 16 | (uint64_t)access << 40 |
           (uint64_t)((limit >> 16) & 0xf) << 48 | (uint64_t)flags << 52 |
           (uint64_t)(base >> 24) << 56;
}

static void set_gate(int vector, void (*fn)(void), unsigned dpl)
{
    uint32_t off = (uint32_t)fn;

    idt[vector] = (off & 0xffff) | (uint64_t)KCODE << 16 |
                  (uint64_t)(0x8e00 | dpl << 13) << 32 | (uint64_t)(off >> 16) << 48;
}

static void load_tables(void)
{
    struct dtr g = {sizeof(gdt) - 1, (uint32_t)gdt}, i = {sizeof(idt) - 1, (uint32_t)idt};

    gdt[1] = seg_desc(0, 0xfffff, 0x9a, 0xc);
    gdt[2] = seg_desc(0, 0xfffff, 0x92, 0xc);
    gdt[3] = seg_desc(0, 0xfffff, 0xfa, 0xc);
    gdt[4] = seg_desc(0, 0xfffff, 0xf2, 0xc);
    gdt[5] = seg_desc((uint32_t)tss, sizeof(tss) - 1, 0x89, 0);
    tss[1] = (uint32_t)(kstack + sizeof(kstack)); /* ESP0 */
    tss[2] = KDATA;                               /* SS0 */
    tss[25] = sizeof(tss) << 16;                  /* no I/O bitmap */
    for (int v = 0; v < 32; v++) {
        set_gate(v, unexpected_stubs[v], 0);
    }
    set_gate(14, pf_entry, 0);
    set_gate(0x80, user_return_entry, 3);
    __asm__ volatile("lgdt %0\n"
                     "ljmp $0x08, $1f\n"
                     "1: mov $0x10, %%ax\n"
                     "mov %%ax, %%ss\n"
                     "mov $0x23, %%ax\n"
                     "mov %%ax, %%ds\n"
                     "mov %%ax, %%es\n"
                     "mov %%ax, %%fs\n"
                     "mov %%ax, %%gs\n"
                     "lidt %1\n"
                     "mov $0x28, %%ax\n"
                     "ltr %%ax"
                     :
                     : "m"(g), "m"(i)
                     : "eax", "memory");
}

/* ------------------------------------------------------------------------------------
 * Control registers and CPUID
 */

static uint32_t read_cr0(void)
{
    uint32_t v;
    __asm__ volatile("mov %%cr0, %0" : "=r"(v));
    return v;
}

static void write_cr0(uint32_t v)
{
    __asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}

static uint32_t read_cr4(void)
{
    uint32_t v;
    __asm__ volatile("mov %%cr4, %0" : "=r"(v));
    return v;
}

static void write_cr4(uint32_t v)
{
    __asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static void write_cr3(uint32_t v)
{
    __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static void invlpg(uint32_t lin)
{
    __asm__ volatile("invlpg (%0)" : : "r"(lin) : "memory");
}

static void cpuid(uint32_t leaf, uint32_t r[4])
{
    __asm__ volatile("cpuid"
                     : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
                     : "a"(leaf), "c"(0));
}

static int has_feature(uint32_t leaf, int reg, int bit)
{
    uint32_t r[4];

    cpuid(leaf & 0x80000000u, r);
    if (r[0] < leaf) {
        return 0;
    }
    cpuid(leaf, r);
    return (r[reg] >> bit) & 1;
}

static void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t)hi << 32 | lo;
}

static void skip(const char *name)
{
    puts_serial("skip ");
    puts_serial(name);
    puts_serial(" (not advertised by CPUID)\n");
}

/* ------------------------------------------------------------------------------------
 * Accesses that may fault: each returns 1 if it completed, 0 after a fault
 */

static int probe_read(uint32_t addr, uint32_t *val)
{
    uint32_t before = pf_count, v = 0xdeadbeef;

    __asm__ volatile("movl $1f, pf_fixup\n"
                     "movl (%1), %0\n"
                     "1:"
                     : "+r"(v)
                     : "r"(addr)
                     : "memory");
    *val = v;
    return pf_count == before;
}

static int probe_write(uint32_t addr, uint32_t val)
{
    uint32_t before = pf_count;

    __asm__ volatile("movl $1f, pf_fixup\n"
                     "movl %1, (%0)\n"
                     "1:"
                     :
                     : "r"(addr), "r"(val)
                     : "memory");
    return pf_count == before;
}

/* Call code at addr (which must be a RET); a fetch fault lands after the call. */
static int probe_exec(uint32_t addr)
{
    uint32_t before = pf_count;

    __asm__ volatile("movl $1f, pf_fixup\n"
                     "call *%0\n"
                     "jmp 2f\n"
                     "1: add $4, %%esp\n"
                     "2:"
                     :
                     : "r"(addr)
                     : "eax", "ecx", "edx", "memory");
    return pf_count == before;
}

static int failures;

static void expect(const char *name, uint64_t got, uint64_t want)
{
    failures += check(name, got, want);
}

/* The access must fault with this error code, with CR2 = addr. */
static void expect_fault(const char *name, int completed, uint32_t addr, uint32_t err)
{
    expect(name, completed ? 0xffffffffu : (uint64_t)pf_cr2 << 32 | pf_err,
           (uint64_t)addr << 32 | err);
}

/* ------------------------------------------------------------------------------------
 * 32-bit paging
 */

static uint32_t pd[1024] __attribute__((aligned(4096)));
static uint32_t pt_identity[IDENTITY_MB / 4][1024] __attribute__((aligned(4096)));
static uint32_t pt_test[1024] __attribute__((aligned(4096)));
static uint8_t frames[4][4096] __attribute__((aligned(4096)));

static uint32_t frame(int i)
{
    return (uint32_t)frames[i];
}

static void build_32bit_tables(void)
{
    for (uint32_t i = 0; i < IDENTITY_MB * 256; i++) {
        pt_identity[i / 1024][i % 1024] = i << 12 | PG_P | PG_RW | PG_US;
    }
    for (uint32_t i = 0; i < IDENTITY_MB / 4; i++) {
        pd[i] = (uint32_t)pt_identity[i] | PG_P | PG_RW | PG_US;
    }
    pd[TEST_LIN >> 22] = (uint32_t)pt_test | PG_P | PG_RW | PG_US;
}

static uint32_t *test_pte(uint32_t lin)
{
    return &pt_test[(lin >> 12) & 1023];
}

static void map_test(uint32_t lin, uint32_t phys, uint32_t flags)
{
    *test_pte(lin) = phys | flags;
    invlpg(lin);
}

static void test_32_translation(void)
{
    uint32_t v;

    frames[0][16] = 0x5a;
    map_test(TEST_LIN, frame(0), PG_P | PG_RW);
    expect("32 read through a mapping", probe_read(TEST_LIN + 16, &v) ? v & 0xff : 0,
           0x5a);
    expect("32 accessed bit", *test_pte(TEST_LIN) & (PG_A | PG_D), PG_A);
    expect("32 write through a mapping", probe_write(TEST_LIN + 20, 0x12345678), 1);
    expect("32 write lands in the frame", *(uint32_t *)(frame(0) + 20), 0x12345678);
    expect("32 dirty bit", *test_pte(TEST_LIN) & (PG_A | PG_D), PG_A | PG_D);
    expect("32 PDE accessed", pd[TEST_LIN >> 22] & PG_A, PG_A);
    /* INVLPG makes a changed PTE take effect. */
    *(uint32_t *)frame(1) = 0x1111;
    map_test(TEST_LIN, frame(1), PG_P | PG_RW);
    expect("32 invlpg remaps", probe_read(TEST_LIN, &v) ? v : 0, 0x1111);
}

static void test_32_faults(void)
{
    uint32_t v;

    map_test(TEST_LIN + 0x1000, frame(2), PG_RW); /* not present */
    expect_fault("32 not-present read", probe_read(TEST_LIN + 0x1004, &v),
                 TEST_LIN + 0x1004, 0);
    expect_fault("32 not-present write", probe_write(TEST_LIN + 0x1008, 1),
                 TEST_LIN + 0x1008, 2);
    expect_fault("32 not-present fetch", probe_exec(TEST_LIN + 0x1000), TEST_LIN + 0x1000,
                 0);
    expect_fault("32 unmapped directory", probe_read(0x80000000u, &v), 0x80000000u, 0);
    /* A read-only page: supervisor writes pass with CR0.WP clear, fault with it set. */
    map_test(TEST_LIN + 0x2000, frame(2), PG_P);
    write_cr0(read_cr0() & ~CR0_WP);
    expect("32 WP=0 supervisor write", probe_write(TEST_LIN + 0x2000, 7), 1);
    write_cr0(read_cr0() | CR0_WP);
    expect_fault("32 WP=1 supervisor write", probe_write(TEST_LIN + 0x2004, 7),
                 TEST_LIN + 0x2004, 3);
    /* A store across into a non-present page faults there and writes nothing. */
    map_test(TEST_LIN + 0x3000, frame(3), PG_P | PG_RW);
    map_test(TEST_LIN + 0x4000, 0, 0);
    *(uint32_t *)(frame(3) + 0xffc) = 0x44444444;
    expect_fault("32 split store", probe_write(TEST_LIN + 0x3ffe, 0xffffffff),
                 TEST_LIN + 0x4000, 2);
    expect("32 split store wrote nothing", *(uint32_t *)(frame(3) + 0xffc), 0x44444444);
}

/* Run at CPL 3 through run_user. */
static uint32_t user_results[4], user_errs[4];

static void user_body(void)
{
    uint32_t v;

    user_results[0] = probe_read(TEST_LIN + 0x5000, &v); /* supervisor page */
    user_errs[0] = pf_err;
    user_results[1] = probe_read(TEST_LIN + 0x6000, &v); /* user page */
    user_results[2] = probe_write(TEST_LIN + 0x7000, 1); /* user, read-only */
    user_errs[2] = pf_err;
    user_results[3] = probe_write(TEST_LIN + 0x6000, 1);
    __asm__ volatile("int $0x80");
}

static void test_32_user(void)
{
    map_test(TEST_LIN + 0x5000, frame(2), PG_P | PG_RW);
    map_test(TEST_LIN + 0x6000, frame(2), PG_P | PG_RW | PG_US);
    map_test(TEST_LIN + 0x7000, frame(2), PG_P | PG_US);
    run_user(user_body);
    expect("32 user read of supervisor page", user_results[0] ? 0xff : user_errs[0], 5);
    expect("32 user read of user page", user_results[1], 1);
    expect("32 user write of read-only page", user_results[2] ? 0xff : user_errs[2], 7);
    expect("32 user write of user page", user_results[3], 1);
}

static void test_32_large_pages(void)
{
    uint32_t v, old = pd[(TEST_LIN >> 22) + 1];

    if (!has_feature(1, 3, 3)) {
        skip("32 4MiB page");
        return;
    }
    write_cr4(read_cr4() | CR4_PSE);
    /* Map TEST_LIN + 4 MiB onto the first 4 MiB: it reads the identity-mapped image. */
    pd[(TEST_LIN >> 22) + 1] = 0 | PG_P | PG_RW | PG_PS;
    invlpg(TEST_LIN + 0x400000);
    frames[0][8] = 0xa5;
    expect("32 4MiB page",
           probe_read(TEST_LIN + 0x400000 + frame(0) + 8, &v) ? v & 0xff : 0, 0xa5);
    expect("32 4MiB page dirty clear", pd[(TEST_LIN >> 22) + 1] & (PG_A | PG_D), PG_A);
    pd[(TEST_LIN >> 22) + 1] = old;
    invlpg(TEST_LIN + 0x400000);
}

/* Code written at run time runs as written; data next to code does not disturb it. */
static uint8_t code_buf[256] __attribute__((aligned(64)));

static uint32_t call_code(void)
{
    return ((uint32_t(*)(void))code_buf)();
}

static void test_self_modifying_code(void)
{
    static const uint8_t ret_imm[] = {0xb8, 1, 0, 0, 0, 0xc3}; /* mov eax, 1; ret */

    memcpy(code_buf, ret_imm, sizeof(ret_imm));
    expect("smc first version", call_code(), 1);
    code_buf[128] = 0x77; /* data in another 64-byte chunk of the page */
    expect("smc data next to code", call_code(), 1);
    code_buf[1] = 2;
    expect("smc patched immediate", call_code(), 2);
}

static void run_32bit(void)
{
    build_32bit_tables();
    write_cr3((uint32_t)pd);
    write_cr0(read_cr0() | CR0_PG);
    expect("32 paging on", (read_cr0() >> 31) & 1, 1);
    test_32_translation();
    test_32_faults();
    test_32_user();
    test_32_large_pages();
    test_self_modifying_code();
    write_cr0(read_cr0() & ~CR0_PG);
}

/* ------------------------------------------------------------------------------------
 * PAE paging
 */

static uint64_t pdpt[4] __attribute__((aligned(32)));
static uint64_t pae_pd[4][512] __attribute__((aligned(4096)));
static uint64_t pae_pt_test[512] __attribute__((aligned(4096)));

static void build_pae_tables(void)
{
    for (int i = 0; i < 4; i++) {
        pdpt[i] = (uint32_t)pae_pd[i] | PG_P;
    }
    /* The first 8 MiB: four 2 MiB pages. */
    for (uint32_t i = 0; i < IDENTITY_MB / 2; i++) {
        pae_pd[0][i] = (uint64_t)(i << 21) | PG_P | PG_RW | PG_US | PG_PS;
    }
    pae_pd[TEST_LIN >> 30][0] = (uint32_t)pae_pt_test | PG_P | PG_RW | PG_US;
}

static uint64_t *pae_pte(uint32_t lin)
{
    return &pae_pt_test[(lin >> 12) & 511];
}

static void pae_map(uint32_t lin, uint64_t entry)
{
    *pae_pte(lin) = entry;
    invlpg(lin);
}

static void test_pae_basics(void)
{
    uint32_t v;

    *(uint32_t *)frame(1) = 0xfeed;
    pae_map(TEST_LIN, frame(1) | PG_P | PG_RW);
    expect("pae read through a mapping", probe_read(TEST_LIN, &v) ? v : 0, 0xfeed);
    expect("pae write", probe_write(TEST_LIN + 4, 9), 1);
    expect("pae dirty bit", *pae_pte(TEST_LIN) & (PG_A | PG_D), PG_A | PG_D);
    pae_map(TEST_LIN + 0x1000, 0);
    expect_fault("pae not-present read", probe_read(TEST_LIN + 0x1010, &v),
                 TEST_LIN + 0x1010, 0);
    /* Bit 51 is above MAXPHYADDR: a reserved-bit fault. */
    pae_map(TEST_LIN + 0x2000, frame(1) | PG_P | PG_RW | 1ull << 51);
    expect_fault("pae reserved bit", probe_read(TEST_LIN + 0x2000, &v), TEST_LIN + 0x2000,
                 9);
}

static void test_pae_2m_page(void)
{
    uint32_t v;

    /* TEST_LIN + 2 MiB maps onto physical 0 with one 2 MiB page. */
    pae_pd[TEST_LIN >> 30][1] = PG_P | PG_RW | PG_PS;
    invlpg(TEST_LIN + 0x200000);
    frames[2][4] = 0x3c;
    expect("pae 2MiB page",
           probe_read(TEST_LIN + 0x200000 + frame(2) + 4, &v) ? v & 0xff : 0, 0x3c);
}

static void test_pae_nx(void)
{
    uint8_t *ret_page = frames[3];

    if (!has_feature(0x80000001u, 3, 20)) {
        skip("pae nx");
        return;
    }
    wrmsr(EFER_MSR, rdmsr(EFER_MSR) | EFER_NXE);
    ret_page[0] = 0xc3;
    pae_map(TEST_LIN + 0x3000, frame(3) | PG_P | PG_RW);
    expect("pae exec allowed", probe_exec(TEST_LIN + 0x3000), 1);
    pae_map(TEST_LIN + 0x3000, frame(3) | PG_P | PG_RW | 1ull << 63);
    expect_fault("pae nx fetch", probe_exec(TEST_LIN + 0x3000), TEST_LIN + 0x3000, 0x11);
    pae_map(TEST_LIN + 0x4000, 0);
    expect_fault("pae nx not-present fetch", probe_exec(TEST_LIN + 0x4000),
                 TEST_LIN + 0x4000, 0x10);
    wrmsr(EFER_MSR, rdmsr(EFER_MSR) & ~(uint64_t)EFER_NXE);
}

static void run_pae(void)
{
    if (!has_feature(1, 3, 6)) {
        skip("pae paging");
        return;
    }
    build_pae_tables();
    write_cr4(read_cr4() | CR4_PAE);
    write_cr3((uint32_t)pdpt);
    write_cr0(read_cr0() | CR0_PG);
    expect("pae paging on", read_cr4() & CR4_PAE, CR4_PAE);
    test_pae_basics();
    test_pae_2m_page();
    test_pae_nx();
    test_self_modifying_code();
    write_cr0(read_cr0() & ~CR0_PG);
}

int guest_main(uint32_t magic, uint32_t mbi)
{
    serial_init();
    load_tables();
    run_32bit();
    run_pae();
    puts_serial(failures ? "paging FAIL\n" : "paging done\n");
    return failures ? 1 : 0;
}
