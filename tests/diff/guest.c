/* The Reprise side: sequences run on our CPU in 64-bit user mode, as a Linux process. */
/*
 * The guest is a 64-bit kernel in miniature: a GDT with Linux's selectors, an IDT
 * whose every vector lands on a HLT in its own 16-byte slot, a TSS giving the kernel
 * stack, and 4-level page tables. The first 2 MiB are the kernel's (supervisor only);
 * the code and scratch pages are mapped at the very linear addresses the native child
 * uses, so pointers, RIP-relative operands and return addresses agree bit for bit.
 * A sequence runs at CPL 3 and ends with INT DONE_VECTOR; a fault ends it earlier.
 * Either way the CPU halts in the handler, and the vector is known from where, the
 * interrupted RIP, RSP and RFLAGS from the frame on the kernel stack.
 */
#include "diff.h"
#include "hw/machine.h"
#include "system/cpu-exec.h"
#include "target/i386/access.h"
#include "target/i386/cpuid.h"
#include "target/i386/flags.h"
#include "target/i386/fpu.h"

#define RAM_SIZE (8u << 20)
/*
 * The kernel's structures: physical addresses below, linear KERNEL + physical. Like
 * Linux's they sit in the upper half, so low addresses are not present to a user.
 */
#define KERNEL       0xffffffff80000000ull
#define GDT          0x1000
#define IDT          0x2000
#define TSS64        0x3000
#define HANDLERS     0x4000 /* 16 bytes per vector */
#define KSTACK_TOP   0x8000
#define PML4         0x10000
#define PDPT         0x11000
#define PD           0x12000
#define PT_USER      0x13000
#define PDPT_KERNEL  0x14000
#define PD_KERNEL    0x15000
#define PHYS_CODE    0x200000
#define PHYS_SCRATCH 0x210000

#define SEL_KCODE           0x10
#define SEL_KDATA           0x18
#define SEL_UDATA           0x2b
#define SEL_UCODE           0x33
#define DONE_VECTOR         0x40
#define GUEST_LANDING       (DIFF_CODE + DIFF_CODE_SIZE - 16)
#define LINUX_TASK_SIZE_MAX 0x7ffffffff000ull
#define GUEST_BUDGET        100000

#define PTE_P  0x001
#define PTE_W  0x002
#define PTE_U  0x004
#define PTE_PS 0x080

struct Guest {
    Machine *m;
    CPUX86State *env;
};

static uint8_t *guest_ram(Guest *g, uint64_t phys)
{
    return g->m->ram.ram + phys;
}

static void wr64(Guest *g, uint64_t phys, uint64_t v)
{
    st_le(guest_ram(g, phys), 8, v);
}

static uint64_t rd64(Guest *g, uint64_t phys)
{
    return ld_le(guest_ram(g, phys), 8);
}

/* ------------------------------------------------------------------------------------
 * The miniature kernel
 */

static uint64_t code_desc(unsigned dpl)
{
    uint32_t hi = DESC_P | DESC_S | DESC_CS | DESC_R | DESC_A | DESC_L | DESC_G |
                  dpl << DESC_DPL_SHIFT | 0xf0000;
    return (uint64_t)hi << 32 | 0xffff;
}

static uint64_t data_desc(unsigned dpl)
{
    uint32_t hi = DESC_P | DESC_S | DESC_W | DESC_A | DESC_B | DESC_G |
                  dpl << DESC_DPL_SHIFT | 0xf0000;
    return (uint64_t)hi << 32 | 0xffff;
}

static void build_gdt(Guest *g)
{
    wr64(g, GDT + SEL_KCODE, code_desc(0));
    wr64(g, GDT + SEL_KDATA, data_desc(0));
    wr64(g, GDT + (SEL_UDATA & ~7), data_desc(3));
    wr64(g, GDT + (SEL_UCODE & ~7), code_desc(3));
    g->env->gdt = (DescTable){KERNEL + GDT, 0x4f};
}

/* Interrupt gates to a HLT per vector; as in Linux, INT3 and INTO may be used at CPL 3.
 */
static void build_idt(Guest *g)
{
    for (unsigned v = 0; v < 256; v++) {
        uint64_t handler = KERNEL + HANDLERS + v * 16;
        unsigned dpl = v == EXCP_BP || v == EXCP_OF || v == DONE_VECTOR ? 3 : 0;
        uint32_t lo = (handler & 0xffff) | SEL_KCODE << 16;
        uint32_t hi = (handler & 0xffff0000) | DESC_P | dpl << DESC_DPL_SHIFT | 14u << 8;

        wr64(g, IDT + v * 16, lo | (uint64_t)hi << 32);
        wr64(g, IDT + v * 16 + 8, handler >> 32);
        *guest_ram(g, HANDLERS + v * 16) = 0xf4;
    }
    g->env->idt = (DescTable){KERNEL + IDT, 256 * 16 - 1};
    wr64(g, TSS64 + 4, KERNEL + KSTACK_TOP);
    st_le(guest_ram(g, TSS64 + 0x66), 2, 0x68); /* no I/O bitmap: every port denied */
    g->env->tr =
        (SegmentCache){0x40, KERNEL + TSS64, 0x67, DESC_P | 11u << DESC_TYPE_SHIFT};
}

static void map_user_range(Guest *g, uint64_t lin, uint64_t phys, uint64_t size)
{
    for (uint64_t off = 0; off < size; off += PAGE_SIZE) {
        uint64_t index = ((lin + off) >> PAGE_BITS) & 511;
        wr64(g, PT_USER + index * 8, (phys + off) | PTE_P | PTE_W | PTE_U);
    }
}

static void build_page_tables(Guest *g)
{
    uint64_t pd_index = (DIFF_BASE >> 21) & 511;

    _Static_assert(DIFF_BASE % (1u << 21) == 0 && DIFF_BASE < (1u << 30),
                   "the user region is one page table inside the first GiB");
    _Static_assert(((KERNEL >> 39) & 511) == 511 && ((KERNEL >> 30) & 511) == 510,
                   "the kernel's 2 MiB page hangs off PML4[511], PDPT[510]");
    wr64(g, PML4, PDPT | PTE_P | PTE_W | PTE_U);
    wr64(g, PDPT, PD | PTE_P | PTE_W | PTE_U);
    wr64(g, PD + pd_index * 8, PT_USER | PTE_P | PTE_W | PTE_U);
    wr64(g, PML4 + 511 * 8, PDPT_KERNEL | PTE_P | PTE_W);
    wr64(g, PDPT_KERNEL + 510 * 8, PD_KERNEL | PTE_P | PTE_W);
    wr64(g, PD_KERNEL, 0 | PTE_P | PTE_W | PTE_PS);
    map_user_range(g, DIFF_CODE, PHYS_CODE, DIFF_CODE_SIZE);
    map_user_range(g, DIFF_SCRATCH, PHYS_SCRATCH, DIFF_SCRATCH_SIZE);
}

/* Control registers as a Linux kernel leaves them for its processes. */
static void enter_long_mode(CPUX86State *env)
{
    env->cr[0] = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_PG;
    env->cr[3] = PML4;
    env->cr[4] = CR4_PAE | CR4_PGE | CR4_OSFXSR | CR4_OSXMMEXCPT;
    env->efer = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;
}

static void set_user_segments(CPUX86State *env)
{
    static const int data_segs[] = {R_DS, R_ES, R_FS, R_GS};
    uint32_t udata = (uint32_t)(data_desc(3) >> 32) & 0xf0ff00;

    cpu_set_seg_raw(env, R_CS, SEL_UCODE, 0, 0xffffffff,
                    (uint32_t)(code_desc(3) >> 32) & 0xf0ff00);
    cpu_set_seg_raw(env, R_SS, SEL_UDATA, 0, 0xffffffff, udata);
    for (size_t i = 0; i < ARRAY_LEN(data_segs); i++) {
        cpu_set_seg_raw(env, data_segs[i], 0, 0, 0, 0);
    }
}

Guest *guest_new(void)
{
    Guest *g = calloc(1, sizeof(*g));

    g->m = machine_new("pc", RAM_SIZE);
    g->env = g->m->cpu = cpu_x86_new(g->m);
    cpu_x86_reset(g->env);
    cpu_model_select(g->env, "max", NULL);
    build_gdt(g);
    build_idt(g);
    build_page_tables(g);
    enter_long_mode(g->env);
    set_user_segments(g->env);
    cpu_update_hflags(g->env);
    cpu_update_seg_ok(g->env);
    tlb_flush(g->env);
    return g;
}

void guest_free(Guest *g)
{
    cpu_x86_free(g->env);
    machine_free(g->m);
    free(g);
}

/* ------------------------------------------------------------------------------------
 * State in and out, in the FXSAVE layout the native side uses
 */

static unsigned fx_top(const uint8_t *fx)
{
    return (ld_le(fx + FX_FSW, 2) >> 11) & 7;
}

static void guest_load_fpu(CPUX86State *env, const uint8_t *fx)
{
    unsigned top = fx_top(fx);
    uint8_t ftw = fx[FX_FTW];

    env->fpuc = ld_le(fx + FX_FCW, 2);
    env->fpus = ld_le(fx + FX_FSW, 2) & ~FPUS_TOP;
    env->fpstt = top;
    env->fptw = 0;
    for (unsigned i = 0; i < 8; i++) {
        const uint8_t *st = fx + FX_ST((i - top) & 7);
        env->fptw |= ((ftw >> i) & 1 ? 0 : FPU_TAG_EMPTY) << (2 * i);
        env->fpregs[i].mant = ld_le(st, 8);
        env->fpregs[i].exp = ld_le(st + 8, 2);
    }
    env->fpop = 0;
    env->fpip = env->fpdp = 0;
    env->fpcs = env->fpds = 0;
    env->mxcsr = ld_le(fx + FX_MXCSR, 4);
    for (int i = 0; i < 16; i++) {
        memcpy(&env->xmm[i], fx + FX_XMM(i), 16);
    }
}

static void guest_save_fpu(const CPUX86State *env, uint8_t *fx)
{
    unsigned top = env->fpstt & 7;
    uint8_t ftw = 0;

    memset(fx, 0, 512);
    st_le(fx + FX_FCW, 2, env->fpuc);
    st_le(fx + FX_FSW, 2, fpu_get_sw(env));
    for (unsigned i = 0; i < 8; i++) {
        uint8_t *st = fx + FX_ST((i - top) & 7);
        ftw |= (((env->fptw >> (2 * i)) & 3) != FPU_TAG_EMPTY) << i;
        st_le(st, 8, env->fpregs[i].mant);
        st_le(st + 8, 2, env->fpregs[i].exp);
    }
    fx[FX_FTW] = ftw;
    st_le(fx + FX_MXCSR, 4, env->mxcsr);
    for (int i = 0; i < 16; i++) {
        memcpy(fx + FX_XMM(i), &env->xmm[i], 16);
    }
}

/*
 * The sequence ends with a JMP to a landing pad holding INT DONE_VECTOR, just as the
 * native one ends with a JMP to the trampoline: a single-step trap set up by the last
 * instruction is then taken at the pad in both (INT itself clears TF without a trap).
 */
static void guest_load_code(Guest *g, const uint8_t *code, size_t len)
{
    static const uint8_t done[] = {0xcd, DONE_VECTOR};
    uint8_t jmp[5] = {0xe9};
    uint32_t rel = (uint32_t)(GUEST_LANDING - (DIFF_CODE + len + sizeof(jmp)));

    for (int i = 0; i < 4; i++) {
        jmp[1 + i] = (uint8_t)(rel >> (8 * i));
    }
    dma_write(g->env->mem, PHYS_CODE, code, len);
    dma_write(g->env->mem, PHYS_CODE + len, jmp, sizeof(jmp));
    dma_write(g->env->mem, PHYS_CODE + (GUEST_LANDING - DIFF_CODE), done, sizeof(done));
}

static void guest_load(Guest *g, const uint8_t *code, size_t len, const DiffState *in)
{
    CPUX86State *env = g->env;

    guest_load_code(g, code, len);
    dma_write(env->mem, PHYS_SCRATCH, in->mem, DIFF_SCRATCH_SIZE);
    memcpy(env->regs, in->r.gpr, sizeof(env->regs));
    set_user_segments(env);
    cpu_set_eflags(env, (uint32_t)in->r.rflags, ~0u);
    cpu_update_hflags(env);
    guest_load_fpu(env, in->r.fx);
    env->rip = DIFF_CODE;
    env->cr[2] = 0;
    env->halted = false;
    env->exception_index = -1;
}

static bool vector_has_error_code(int v)
{
    return v == EXCP_DF || (v >= EXCP_TS && v <= EXCP_PF) || v == EXCP_AC;
}

/* The vector whose handler halted, and the interrupted context from its frame. */
static void guest_collect(Guest *g, size_t len, DiffOutcome *out)
{
    CPUX86State *env = g->env;
    int vector = (int)((env->rip - 1 - KERNEL - HANDLERS) / 16);
    uint64_t frame = KSTACK_TOP - 5 * 8;

    if (vector_has_error_code(vector)) {
        frame -= 8;
        out->error_code = rd64(g, frame);
        frame += 8;
    }
    memcpy(out->s.r.gpr, env->regs, sizeof(out->s.r.gpr));
    out->rip = rd64(g, frame);
    if (out->rip == GUEST_LANDING) {
        out->rip = DIFF_CODE + len; /* a trap after the last instruction */
    }
    out->s.r.rflags = rd64(g, frame + 16);
    out->s.r.gpr[R_ESP] = rd64(g, frame + 24);
    out->vector = vector == DONE_VECTOR ? -1 : vector;
    out->cr2 = vector == EXCP_PF ? env->cr[2] : 0;
    if (vector == EXCP_PF && out->cr2 >= LINUX_TASK_SIZE_MAX) {
        /* Linux reports user faults on kernel addresses as protection faults. */
        out->error_code |= 1;
    }
    guest_save_fpu(env, out->s.r.fx);
    memcpy(out->s.mem, guest_ram(g, PHYS_SCRATCH), DIFF_SCRATCH_SIZE);
}

void guest_run(Guest *g, const uint8_t *code, size_t len, const DiffState *in,
               DiffOutcome *out)
{
    CPUX86State *env = g->env;
    ExecResult r;

    memset(out, 0, sizeof(*out));
    guest_load(g, code, len, in);
    r = cpu_exec(env, GUEST_BUDGET);
    if (r != EXEC_HALTED || env->rip <= KERNEL + HANDLERS ||
        env->rip > KERNEL + HANDLERS + 256 * 16) {
        out->status = DIFF_HUNG;
        return;
    }
    out->status = DIFF_RAN;
    guest_collect(g, len, out);
}
