/*
 * The x86 CPU's vmstate: every architectural register and the CPU's interrupt and
 * exception bookkeeping, and the MMU's TLB, for snapshots (migration/savevm.c).
 *
 * The software TLB is saved too, not just flushed on load. It is guest-visible state
 * on x86: a cached translation means the next access neither walks the page tables
 * (so it sets no accessed or dirty bit the guest may have cleared) nor sees a page-table
 * change the guest has not invalidated yet. A restored run with an empty TLB could
 * therefore write different A/D bits than the uninterrupted run, and a replay would
 * diverge. Entries are saved by linear and physical page, without what only the host
 * knows (the host pointer; whether the engine has translated code on the page), from
 * a copy taken by x86_tlb_image_new; post_load rebuilds those from the memory map the
 * devices have just restored and the engine's code-page map.
 */
#include "migration/savevm.h"
#include "target/i386/cpu.h"
#include "target/i386/access.h"

struct X86TLBImage {
    CPUX86State *env;
    MMUState mmu;
    TLBEntry tlb[TLB_SIZE];
};

#define VMSTATE_U64_ELEMS(f, st, n) VMS_FIELD_(f, st, VMS_U64, n)

static const VMStateField segment_fields[] = {
    VMSTATE_UINT16(selector, SegmentCache),
    VMSTATE_UINT64(base, SegmentCache),
    VMSTATE_UINT32(limit, SegmentCache),
    VMSTATE_UINT32(flags, SegmentCache),
    VMSTATE_END_OF_LIST(),
};

static const VMStateDescription vmstate_segment = {
    .name = "segment", .version = 1, .fields = segment_fields};

static const VMStateField desc_table_fields[] = {
    VMSTATE_UINT64(base, DescTable),
    VMSTATE_UINT32(limit, DescTable),
    VMSTATE_END_OF_LIST(),
};

static const VMStateDescription vmstate_desc_table = {
    .name = "desc-table", .version = 1, .fields = desc_table_fields};

static const VMStateField fpreg_fields[] = {
    VMSTATE_UINT64(mant, FPReg),
    VMSTATE_UINT16(exp, FPReg),
    VMSTATE_END_OF_LIST(),
};

static const VMStateDescription vmstate_fpreg = {
    .name = "fpreg", .version = 1, .fields = fpreg_fields};

/* The host pointer (addend) is not saved: post_load derives it from phys. */
static const VMStateField tlb_entry_fields[] = {
    VMSTATE_UINT64(tag_read, TLBEntry),
    VMSTATE_UINT64(tag_write, TLBEntry),
    VMSTATE_UINT64(tag_exec, TLBEntry),
    VMSTATE_UINT64(phys, TLBEntry),
    VMSTATE_END_OF_LIST(),
};

static const VMStateDescription vmstate_tlb_entry = {
    .name = "tlb-entry", .version = 1, .fields = tlb_entry_fields};

static bool tlb_tag_valid(uint64_t tag)
{
    return tag != ~0ull;
}

/* The linear page an entry maps, from whichever of its tags is valid. */
static bool tlb_entry_linear(const TLBEntry *e, uint64_t *lin)
{
    const uint64_t tags[] = {e->tag_read, e->tag_write, e->tag_exec};

    for (size_t i = 0; i < ARRAY_SIZE(tags); i++) {
        if (tlb_tag_valid(tags[i])) {
            *lin = tags[i] & PAGE_MASK;
            return true;
        }
    }
    return false;
}

/* Host pointer and code-page flag for one entry, as tlb_install would set them now. */
static void tlb_entry_rebuild(CPUX86State *env, TLBEntry *e)
{
    uint64_t lin, phys = e->phys & PAGE_MASK;
    const FlatRange *fr;
    uint64_t offset;

    e->addend = 0;
    if (!tlb_entry_linear(e, &lin)) {
        return;
    }
    fr = address_space_find(env->mem, phys);
    if (!fr || !fr->mr->ram || fr->end - phys < PAGE_SIZE) {
        return; /* MMIO: the tags carry TLB_MMIO and the addend is unused */
    }
    offset = phys - fr->start + fr->offset_in_region;
    e->addend = (uintptr_t)(fr->mr->ram + offset) - lin;
    if (tlb_tag_valid(e->tag_write) && !(e->tag_write & TLB_MMIO)) {
        bool code = fr->mr->code_map && fr->mr->code_map[offset >> PAGE_BITS];
        e->tag_write = (e->tag_write & ~TLB_CODE) | (code ? TLB_CODE : 0);
    }
}

X86TLBImage *x86_tlb_image_new(CPUX86State *env)
{
    X86TLBImage *img = g_new0(X86TLBImage, 1);

    img->env = env;
    img->mmu = *mmu_state(env);
    memcpy(img->tlb, env->tlb, sizeof(img->tlb));
    for (int i = 0; i < TLB_SIZE; i++) {
        if (tlb_tag_valid(img->tlb[i].tag_write)) {
            img->tlb[i].tag_write &= ~TLB_CODE;
        }
    }
    return img;
}

void x86_tlb_image_free(X86TLBImage *img)
{
    g_free(img);
}

static bool x86_tlb_post_load(void *opaque, Error **errp)
{
    X86TLBImage *img = opaque;
    CPUX86State *env = img->env;
    MMUState *mmu = mmu_state(env);

    memcpy(env->tlb, img->tlb, sizeof(env->tlb));
    for (int i = 0; i < TLB_SIZE; i++) {
        tlb_entry_rebuild(env, &env->tlb[i]);
    }
    img->mmu.generation = env->mem->generation; /* the map the devices restored */
    *mmu = img->mmu;
    tb_flush_jump_cache(env);
    return true;
}

static const VMStateField mmu_fields[] = {
    VMSTATE_BOOL(mmu.mode_valid, X86TLBImage),
    VMSTATE_UINT64(mmu.mode_key, X86TLBImage),
    VMSTATE_UINT64(mmu.large_addr, X86TLBImage),
    VMSTATE_UINT64(mmu.large_mask, X86TLBImage),
    VMSTATE_STRUCT_ARRAY(tlb, X86TLBImage, TLB_SIZE, vmstate_tlb_entry),
    VMSTATE_END_OF_LIST(),
};

const VMStateDescription vmstate_x86_tlb = {
    .name = "x86-tlb",
    .version = 1,
    .fields = mmu_fields,
    .post_load = x86_tlb_post_load,
};

static bool x86_cpu_post_load(void *opaque, Error **errp)
{
    CPUX86State *env = opaque;

    cpu_update_hflags(env);
    cpu_exit(env);
    return true;
}

static const VMStateField x86_cpu_fields[] = {
    VMSTATE_UINT64_ARRAY(regs, CPUX86State, 16),
    VMSTATE_UINT64(rip, CPUX86State),
    VMSTATE_UINT64(next_rip, CPUX86State),
    VMSTATE_UINT32(eflags, CPUX86State),
    VMSTATE_UINT32(cc_op, CPUX86State),
    VMSTATE_UINT64(cc_dst, CPUX86State),
    VMSTATE_UINT64(cc_src, CPUX86State),
    VMSTATE_UINT64(cc_src2, CPUX86State),
    VMSTATE_STRUCT_ARRAY(segs, CPUX86State, NR_SEGS, vmstate_segment),
    VMSTATE_STRUCT(ldt, CPUX86State, vmstate_segment),
    VMSTATE_STRUCT(tr, CPUX86State, vmstate_segment),
    VMSTATE_STRUCT(gdt, CPUX86State, vmstate_desc_table),
    VMSTATE_STRUCT(idt, CPUX86State, vmstate_desc_table),
    VMSTATE_UINT64_ARRAY(cr, CPUX86State, 5),
    VMSTATE_UINT64(cr8, CPUX86State),
    VMSTATE_UINT64(efer, CPUX86State),
    VMSTATE_UINT64_ARRAY(dr, CPUX86State, 8),
    /* x87 */
    VMSTATE_STRUCT_ARRAY(fpregs, CPUX86State, 8, vmstate_fpreg),
    VMSTATE_UINT32(fpstt, CPUX86State),
    VMSTATE_UINT16(fpus, CPUX86State),
    VMSTATE_UINT16(fpuc, CPUX86State),
    VMSTATE_UINT16(fptw, CPUX86State),
    VMSTATE_UINT16(fpop, CPUX86State),
    VMSTATE_UINT16(fpcs, CPUX86State),
    VMSTATE_UINT16(fpds, CPUX86State),
    VMSTATE_UINT64(fpip, CPUX86State),
    VMSTATE_UINT64(fpdp, CPUX86State),
    /* SSE: each XMM register as two little-endian quadwords */
    VMSTATE_U64_ELEMS(xmm, CPUX86State, 32),
    VMSTATE_UINT32(mxcsr, CPUX86State),
    VMSTATE_UINT64(xcr0, CPUX86State),
    /* MSRs */
    VMSTATE_UINT64(star, CPUX86State),
    VMSTATE_UINT64(lstar, CPUX86State),
    VMSTATE_UINT64(cstar, CPUX86State),
    VMSTATE_UINT64(fmask, CPUX86State),
    VMSTATE_UINT64(kernel_gs_base, CPUX86State),
    VMSTATE_UINT64(sysenter_cs, CPUX86State),
    VMSTATE_UINT64(sysenter_esp, CPUX86State),
    VMSTATE_UINT64(sysenter_eip, CPUX86State),
    VMSTATE_UINT64(pat, CPUX86State),
    VMSTATE_UINT64(apic_base, CPUX86State),
    VMSTATE_UINT64(misc_enable, CPUX86State),
    VMSTATE_UINT64(tsc_aux, CPUX86State),
    VMSTATE_INT64(tsc_offset, CPUX86State),
    /* interrupts and the event being delivered */
    VMSTATE_BOOL(halted, CPUX86State),
    VMSTATE_BOOL(irq_line, CPUX86State),
    VMSTATE_BOOL(nmi_pending, CPUX86State),
    VMSTATE_UINT64(irq_inhibit_until, CPUX86State),
    VMSTATE_UINT32(debug_hits, CPUX86State),
    VMSTATE_INT32(exception_index, CPUX86State),
    VMSTATE_INT32(error_code, CPUX86State),
    VMSTATE_BOOL(exception_has_error, CPUX86State),
    VMSTATE_INT32(exception_depth, CPUX86State),
    VMSTATE_UINT64(exception_next_rip, CPUX86State),
    VMSTATE_BOOL(exception_is_soft, CPUX86State),
    VMSTATE_END_OF_LIST(),
};

const VMStateDescription vmstate_x86_cpu = {
    .name = "x86-cpu",
    .version = 1,
    .fields = x86_cpu_fields,
    .post_load = x86_cpu_post_load,
};
