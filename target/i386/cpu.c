/* The x86 CPU object: creation, reset (Intel SDM vol. 3 §9.1), mode flags, dumps. */
#include "target/i386/cpu.h"
#include "accel/tcg/tb.h"
#include "target/i386/access.h"
#include "target/i386/flags.h"
#include "hw/machine.h"
#include "system/icount.h"

CPUX86State *cpu_x86_new(Machine *m)
{
    CPUX86State *env = g_new0(CPUX86State, 1);

    env->machine = m;
    env->mem = &m->mem;
    env->io = &m->io;
    env->ram = &m->ram;
    cpu_x86_reset(env);
    return env;
}

void cpu_x86_free(CPUX86State *env)
{
    tb_engine_free(env);
    g_free(env);
}

static void cpu_reset_segments(CPUX86State *env)
{
    const uint32_t data = DESC_P | DESC_S | DESC_W | DESC_A;

    for (int i = 0; i < NR_SEGS; i++) {
        cpu_set_seg_raw(env, i, 0, 0, 0xffff, data);
    }
    cpu_set_seg_raw(env, R_CS, 0xf000, 0xffff0000, 0xffff,
                    DESC_P | DESC_S | DESC_CS | DESC_R | DESC_A);
    env->ldt = (SegmentCache){.limit = 0xffff, .flags = DESC_P | (2u << DESC_TYPE_SHIFT)};
    env->tr = (SegmentCache){.limit = 0xffff, .flags = DESC_P | (11u << DESC_TYPE_SHIFT)};
    env->gdt = (DescTable){.limit = 0xffff};
    env->idt = (DescTable){.limit = 0xffff};
}

void cpu_x86_reset(CPUX86State *env)
{
    void *engine = env->engine;
    Machine *m = env->machine;
    AddressSpace *mem = env->mem, *io = env->io;
    MemoryRegion *ram = env->ram;
    CPUGetIRQ *get_irq = env->get_irq;
    void *get_irq_opaque = env->get_irq_opaque;
    struct APICState *apic = env->apic;
    const struct CpuModel *model = env->cpu_model;

    memset(env, 0, offsetof(CPUX86State, jmp_env));
    env->engine = engine;
    env->machine = m;
    env->mem = mem;
    env->io = io;
    env->ram = ram;
    env->get_irq = get_irq;
    env->get_irq_opaque = get_irq_opaque;
    env->apic = apic;
    env->cpu_model = model;
    env->regs[R_EDX] = 0x00060fb1; /* the CPUID leaf 1 signature, as after RESET */
    env->rip = 0xfff0;
    env->cc_op = CC_OP_EFLAGS;
    env->cr[0] = CR0_ET | CR0_CD | CR0_NW;
    env->dr[6] = 0xffff0ff0;
    env->dr[7] = 0x400;
    env->pat = 0x0007040600070406ull;
    env->fpuc = 0x37f;
    env->fptw = 0xffff;
    env->mxcsr = 0x1f80;
    env->xcr0 = 1;
    env->apic_base = 0xfee00000 | (1u << 11) | (1u << 8);
    cpu_reset_segments(env);
    cpu_update_hflags(env);
    tlb_flush(env);
}

/* The fast-path permissions of one segment in the current mode. */
static void cpu_update_one_seg(CPUX86State *env, int i)
{
    const SegmentCache *s = &env->segs[i];
    bool is_code = (s->flags & DESC_S) && (s->flags & DESC_CS);
    bool usable = (s->flags & DESC_P) && (s->flags & DESC_S);
    bool readable = usable && (!is_code || (s->flags & DESC_R));
    bool writable = usable && !is_code && (s->flags & DESC_W);
    bool expand_down = !is_code && (s->flags & DESC_E);
    uint8_t bit = 1u << i;

    env->seg_ok_read &= ~bit;
    env->seg_ok_write &= ~bit;
    if (env->hflags & HF_CS64) {
        env->seg_ok_read |= bit;
        env->seg_ok_write |= bit;
        env->seg_max[i] = UINT64_MAX;
        return;
    }
    if (!(env->hflags & HF_PE) || (env->hflags & HF_VM)) {
        /* Real and V86 mode: attributes are not checked, only the limit. */
        readable = writable = true;
    }
    if (expand_down) {
        return;
    }
    env->seg_max[i] = s->limit;
    env->seg_ok_read |= readable ? bit : 0;
    env->seg_ok_write |= writable ? bit : 0;
}

void cpu_update_seg_ok(CPUX86State *env)
{
    bool addseg = false;

    for (int i = 0; i < NR_SEGS; i++) {
        cpu_update_one_seg(env, i);
    }
    addseg = env->segs[R_DS].base || env->segs[R_ES].base || env->segs[R_SS].base;
    env->hflags = (env->hflags & ~HF_ADDSEG) | (addseg ? HF_ADDSEG : 0);
}

void cpu_set_seg_raw(CPUX86State *env, int seg, uint16_t selector, uint64_t base,
                     uint32_t limit, uint32_t flags)
{
    env->segs[seg] = (SegmentCache){selector, base, limit, flags};
    if (seg == R_CS || seg == R_SS) {
        cpu_update_hflags(env);
    } else {
        cpu_update_seg_ok(env);
    }
}

static uint32_t cpu_compute_cpl(const CPUX86State *env)
{
    if (!(env->cr[0] & CR0_PE)) {
        return 0;
    }
    if (env->eflags & VM_MASK) {
        return 3;
    }
    return (env->segs[R_SS].flags >> DESC_DPL_SHIFT) & 3;
}

void cpu_update_hflags(CPUX86State *env)
{
    uint32_t hf = cpu_compute_cpl(env);
    uint32_t cs = env->segs[R_CS].flags;

    hf |= (env->cr[0] & CR0_PE) ? HF_PE : 0;
    hf |= (env->cr[0] & CR0_PG) ? HF_PG : 0;
    hf |= (env->eflags & VM_MASK) && (env->cr[0] & CR0_PE) ? HF_VM : 0;
    hf |= (env->efer & EFER_LMA) ? HF_LMA : 0;
    if ((env->efer & EFER_LMA) && (cs & DESC_L)) {
        hf |= HF_CS64 | HF_CS32 | HF_SS32;
    } else {
        hf |= (cs & DESC_B) && !(hf & HF_VM) ? HF_CS32 : 0;
        hf |= (env->segs[R_SS].flags & DESC_B) && !(hf & HF_VM) ? HF_SS32 : 0;
    }
    env->hflags = hf | (env->hflags & HF_ADDSEG);
    cpu_update_seg_ok(env);
}

void cpu_set_irq_line(CPUX86State *env, bool level)
{
    env->irq_line = level;
    /* Deliverability changed inside an instruction: re-check at the next boundary. */
    cpu_exit(env);
}

uint64_t cpu_x86_get_rflags(const CPUX86State *env)
{
    return cpu_get_eflags(env);
}

/* The architectural state in a fixed layout, for hashing. */
typedef struct CPUStateImage {
    uint64_t regs[16], rip, rflags, icount;
    uint64_t seg_base[NR_SEGS + 2];
    uint32_t seg_sel_flags[NR_SEGS + 2], seg_limit[NR_SEGS + 2];
    uint64_t gdt_base, idt_base, cr[5], cr8, efer, dr[8];
    uint64_t msr[12];
    uint32_t gdt_limit, idt_limit, halted, mxcsr;
    uint64_t fp_mant[8], fpip, fpdp;
    uint16_t fp_exp[8], fpus, fpuc, fp_empty, fpop, fpcs, fpds, fpstt, pad;
    XMMReg xmm[16];
} CPUStateImage;

static void cpu_image_fpu(CPUStateImage *img, const CPUX86State *env)
{
    for (int i = 0; i < 8; i++) {
        img->fp_mant[i] = env->fpregs[i].mant;
        img->fp_exp[i] = env->fpregs[i].exp;
        /* Only "empty" is authoritative in fptw; the other tags are derived. */
        img->fp_empty |= ((env->fptw >> (2 * i)) & 3) == 3 ? 1u << i : 0;
    }
    img->fpus = env->fpus;
    img->fpuc = env->fpuc;
    img->fpop = env->fpop;
    img->fpcs = env->fpcs;
    img->fpds = env->fpds;
    img->fpstt = (uint16_t)env->fpstt;
    img->fpip = env->fpip;
    img->fpdp = env->fpdp;
    memcpy(img->xmm, env->xmm, sizeof(img->xmm));
    img->mxcsr = env->mxcsr;
}

static void cpu_image_msrs(CPUStateImage *img, const CPUX86State *env)
{
    const uint64_t msr[12] = {
        env->star,         env->lstar,          env->cstar,
        env->fmask,        env->kernel_gs_base, env->sysenter_cs,
        env->sysenter_esp, env->sysenter_eip,   env->pat,
        env->misc_enable,  env->tsc_aux,        (uint64_t)env->tsc_offset};

    memcpy(img->msr, msr, sizeof(msr));
    memcpy(img->dr, env->dr, sizeof(img->dr));
}

static void cpu_image_seg(CPUStateImage *img, int i, const SegmentCache *s)
{
    img->seg_base[i] = s->base;
    img->seg_sel_flags[i] = s->selector | (s->flags & 0x00f0ff00) << 8;
    img->seg_limit[i] = s->limit;
}

uint64_t cpu_x86_state_hash(const CPUX86State *env)
{
    g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
    CPUStateImage img;
    uint8_t digest[32];
    gsize len = sizeof(digest);
    uint64_t h = 0;

    memset(&img, 0, sizeof(img));
    memcpy(img.regs, env->regs, sizeof(img.regs));
    img.rip = env->rip;
    img.rflags = cpu_x86_get_rflags(env);
    img.icount = icount.count;
    for (int i = 0; i < NR_SEGS; i++) {
        cpu_image_seg(&img, i, &env->segs[i]);
    }
    cpu_image_seg(&img, NR_SEGS, &env->ldt);
    cpu_image_seg(&img, NR_SEGS + 1, &env->tr);
    img.gdt_base = env->gdt.base;
    img.gdt_limit = env->gdt.limit;
    img.idt_base = env->idt.base;
    img.idt_limit = env->idt.limit;
    memcpy(img.cr, env->cr, sizeof(img.cr));
    img.cr8 = env->cr8;
    img.efer = env->efer;
    img.halted = env->halted;
    cpu_image_fpu(&img, env);
    cpu_image_msrs(&img, env);
    g_checksum_update(sum, (const guchar *)&img, sizeof(img));
    g_checksum_get_digest(sum, digest, &len);
    for (int i = 7; i >= 0; i--) {
        h = (h << 8) | digest[i];
    }
    return h;
}

static void cpu_dump_seg(FILE *f, const char *name, const SegmentCache *s)
{
    fprintf(f, "%-3s=%04x %016" PRIx64 " %08x %08x\n", name, s->selector, s->base,
            s->limit, s->flags);
}

void cpu_dump_state(CPUX86State *env, FILE *f)
{
    static const char *const names[16] = {"RAX", "RCX", "RDX", "RBX", "RSP", "RBP",
                                          "RSI", "RDI", "R8",  "R9",  "R10", "R11",
                                          "R12", "R13", "R14", "R15"};
    static const char *const segs[NR_SEGS] = {"ES", "CS", "SS", "DS", "FS", "GS"};

    for (int i = 0; i < 16; i++) {
        fprintf(f, "%-3s=%016" PRIx64 "%s", names[i], env->regs[i],
                i % 4 == 3 ? "\n" : " ");
    }
    fprintf(f, "RIP=%016" PRIx64 " RFL=%08" PRIx64 " CPL=%u HLT=%d icount=%" PRIu64 "\n",
            env->rip, cpu_x86_get_rflags(env), cpu_cpl(env), env->halted, icount.count);
    for (int i = 0; i < NR_SEGS; i++) {
        cpu_dump_seg(f, segs[i], &env->segs[i]);
    }
    cpu_dump_seg(f, "LDT", &env->ldt);
    cpu_dump_seg(f, "TR", &env->tr);
    fprintf(f, "GDT=%016" PRIx64 " %08x IDT=%016" PRIx64 " %08x\n", env->gdt.base,
            env->gdt.limit, env->idt.base, env->idt.limit);
    fprintf(f,
            "CR0=%08" PRIx64 " CR2=%016" PRIx64 " CR3=%016" PRIx64 " CR4=%08" PRIx64
            " EFER=%08" PRIx64 "\n",
            env->cr[0], env->cr[2], env->cr[3], env->cr[4], env->efer);
}
