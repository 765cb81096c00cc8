/*
 * Memory access for the CPU: segmentation checks (Intel SDM vol. 3 §5.3), the
 * software TLB from linear pages to host pointers, MMIO and code-page slow paths,
 * the stack, and port I/O with its permission checks (SDM vol. 1 §19.5).
 *
 * Paging is not translated yet: linear addresses are physical. tlb_fill is the single
 * place where a page walk will go.
 */
#include "target/i386/access.h"
#include "util/log.h"

static const uint64_t TLB_INVALID = ~0ull;

void tlb_flush(CPUX86State *env)
{
    for (int i = 0; i < TLB_SIZE; i++) {
        env->tlb[i].tag_read = env->tlb[i].tag_write = env->tlb[i].tag_exec = TLB_INVALID;
    }
    tb_flush_jump_cache(env);
}

void tlb_flush_page(CPUX86State *env, uint64_t lin)
{
    TLBEntry *e = &env->tlb[(lin >> PAGE_BITS) & (TLB_SIZE - 1)];

    if (e->tag_read == (lin & PAGE_MASK) || e->tag_write == (lin & PAGE_MASK) ||
        e->tag_exec == (lin & PAGE_MASK)) {
        e->tag_read = e->tag_write = e->tag_exec = TLB_INVALID;
    }
    tb_flush_jump_cache(env);
}

void tlb_protect_code_page(CPUX86State *env, uint64_t phys_page)
{
    for (int i = 0; i < TLB_SIZE; i++) {
        if (env->tlb[i].phys == phys_page) {
            env->tlb[i].tag_write = TLB_INVALID;
        }
    }
}

static uint64_t mmu_translate(CPUX86State *env, uint64_t lin, int access)
{
    /* Without paging a linear address is physical (32 bits outside long mode). */
    return (env->hflags & HF_LMA) ? lin : (uint32_t)lin;
}

TLBEntry *tlb_fill(CPUX86State *env, uint64_t lin, int access)
{
    uint64_t page = lin & PAGE_MASK;
    uint64_t phys = mmu_translate(env, page, access);
    TLBEntry *e = &env->tlb[(lin >> PAGE_BITS) & (TLB_SIZE - 1)];
    const FlatRange *fr = address_space_find(env->mem, phys);
    MemoryRegion *mr = fr ? fr->mr : NULL;

    e->tag_read = e->tag_write = e->tag_exec = TLB_INVALID;
    e->phys = phys;
    if (!mr || !mr->ram || fr->end - phys < PAGE_SIZE) {
        return e; /* MMIO or unassigned: every access takes the slow path */
    }
    e->addend = (uintptr_t)(mr->ram + (phys - fr->start + fr->offset_in_region)) - page;
    e->tag_read = e->tag_exec = page;
    if (!mr->readonly && !(mr->code_map && mr->code_map[(phys - fr->start +
                                                         fr->offset_in_region) >> PAGE_BITS])) {
        e->tag_write = page;
    }
    return e;
}

/* --- segmentation --- */

NORETURN static void seg_fault(CPUX86State *env, int seg)
{
    raise_exception_err(env, seg == R_SS ? EXCP_SS : EXCP_GP, 0);
}

static bool seg_expand_down(const SegmentCache *s)
{
    return (s->flags & DESC_S) && !(s->flags & DESC_CS) && (s->flags & DESC_E);
}

static void seg_check_limit(CPUX86State *env, int seg, uint64_t off, unsigned size)
{
    const SegmentCache *s = &env->segs[seg];
    uint64_t last = off + size - 1;

    if (seg_expand_down(s)) {
        uint64_t top = (s->flags & DESC_B) ? 0xffffffffull : 0xffff;
        if (off <= s->limit || last > top) {
            seg_fault(env, seg);
        }
    } else if (last > s->limit) {
        seg_fault(env, seg);
    }
}

static void seg_check_type(CPUX86State *env, int seg, bool write)
{
    const SegmentCache *s = &env->segs[seg];
    bool is_code = (s->flags & DESC_CS) != 0;

    if (!(env->hflags & HF_PE) || (env->hflags & HF_VM)) {
        return;
    }
    if (!(s->flags & DESC_P) || !(s->flags & DESC_S)) {
        seg_fault(env, seg); /* null or unusable selector */
    }
    if (write ? (is_code || !(s->flags & DESC_W)) : (is_code && !(s->flags & DESC_R))) {
        seg_fault(env, seg);
    }
}

static uint64_t seg_check(CPUX86State *env, int seg, uint64_t off, unsigned size,
                          bool write)
{
    if (!(env->hflags & HF_CS64)) {
        seg_check_type(env, seg, write);
        seg_check_limit(env, seg, off, size);
    }
    return seg_linear(env, seg, off);
}

/* --- linear accesses --- */

static uint64_t ld_lin_page(CPUX86State *env, uint64_t lin, unsigned size)
{
    TLBEntry *e = &env->tlb[(lin >> PAGE_BITS) & (TLB_SIZE - 1)];

    if (e->tag_read != (lin & PAGE_MASK)) {
        e = tlb_fill(env, lin, ACCESS_READ);
    }
    if (e->tag_read == (lin & PAGE_MASK)) {
        return ld_le((const void *)(uintptr_t)(lin + e->addend), size);
    }
    return address_space_ld(env->mem, e->phys | (lin & ~PAGE_MASK), size);
}

static void st_ram_notify(CPUX86State *env, const TLBEntry *e, uint64_t lin,
                          unsigned size, uint64_t val)
{
    uint64_t phys = e->phys | (lin & ~PAGE_MASK);

    /* RAM page holding translated code (or ROM/MMIO): go through the memory API. */
    address_space_st(env->mem, phys, val, size);
}

static void st_lin_page(CPUX86State *env, uint64_t lin, unsigned size, uint64_t val)
{
    TLBEntry *e = &env->tlb[(lin >> PAGE_BITS) & (TLB_SIZE - 1)];

    if (e->tag_write != (lin & PAGE_MASK)) {
        e = tlb_fill(env, lin, ACCESS_WRITE);
    }
    if (e->tag_write == (lin & PAGE_MASK)) {
        st_le((void *)(uintptr_t)(lin + e->addend), size, val);
        return;
    }
    st_ram_notify(env, e, lin, size, val);
}

static bool crosses_page(uint64_t lin, unsigned size)
{
    return (lin & ~PAGE_MASK) > PAGE_SIZE - size;
}

uint64_t cpu_ld_lin(CPUX86State *env, uint64_t lin, unsigned size)
{
    uint64_t v = 0;

    if (likely(!crosses_page(lin, size))) {
        return ld_lin_page(env, lin, size);
    }
    /* Both pages are translated (and may fault) before anything is returned. */
    for (unsigned i = 0; i < size; i++) {
        v |= ld_lin_page(env, lin + i, 1) << (8 * i);
    }
    return v;
}

void cpu_st_lin(CPUX86State *env, uint64_t lin, unsigned size, uint64_t val)
{
    if (likely(!crosses_page(lin, size))) {
        st_lin_page(env, lin, size, val);
        return;
    }
    /* Probe both pages first so a fault on the second leaves memory untouched. */
    tlb_fill(env, lin, ACCESS_WRITE);
    tlb_fill(env, lin + size - 1, ACCESS_WRITE);
    for (unsigned i = 0; i < size; i++) {
        st_lin_page(env, lin + i, 1, val >> (8 * i));
    }
}

uint64_t cpu_ld_slow(CPUX86State *env, int seg, uint64_t off, unsigned size)
{
    return cpu_ld_lin(env, seg_check(env, seg, off, size, false), size);
}

void cpu_st_slow(CPUX86State *env, int seg, uint64_t off, unsigned size, uint64_t val)
{
    cpu_st_lin(env, seg_check(env, seg, off, size, true), size, val);
}

/* --- stack --- */

static uint64_t stack_mask(const CPUX86State *env)
{
    return size_mask(cpu_stack_size(env));
}

void cpu_push(CPUX86State *env, unsigned size, uint64_t v)
{
    uint64_t mask = stack_mask(env);
    uint64_t sp = (env->regs[R_ESP] - size) & mask;

    cpu_st(env, R_SS, sp, size, v);
    env->regs[R_ESP] = (env->regs[R_ESP] & ~mask) | sp;
}

uint64_t cpu_pop(CPUX86State *env, unsigned size)
{
    uint64_t mask = stack_mask(env);
    uint64_t sp = env->regs[R_ESP] & mask;
    uint64_t v = cpu_ld(env, R_SS, sp, size);

    env->regs[R_ESP] = (env->regs[R_ESP] & ~mask) | ((sp + size) & mask);
    return v;
}

uint64_t cpu_stack_peek(CPUX86State *env, unsigned size, unsigned offset)
{
    uint64_t mask = stack_mask(env);

    return cpu_ld(env, R_SS, (env->regs[R_ESP] + offset) & mask, size);
}

/* --- port I/O --- */

/* The TSS I/O permission bitmap check (protected mode with CPL > IOPL, or V86). */
static void io_check_bitmap(CPUX86State *env, uint16_t port, unsigned size)
{
    const SegmentCache *tr = &env->tr;
    unsigned type = (tr->flags >> DESC_TYPE_SHIFT) & 0xf;
    uint64_t map_base, bits;

    if (!(tr->flags & DESC_P) || (type != 9 && type != 11) || tr->limit < 0x67) {
        raise_exception_err(env, EXCP_GP, 0);
    }
    map_base = cpu_ld_lin(env, tr->base + 0x66, 2);
    if (map_base + port / 8 + 1 > tr->limit) {
        raise_exception_err(env, EXCP_GP, 0);
    }
    bits = cpu_ld_lin(env, tr->base + map_base + port / 8, 2);
    if ((bits >> (port & 7)) & ((1u << size) - 1)) {
        raise_exception_err(env, EXCP_GP, 0);
    }
}

static void io_check(CPUX86State *env, uint16_t port, unsigned size)
{
    unsigned iopl = (env->eflags & IOPL_MASK) >> IOPL_SHIFT;

    if ((env->hflags & HF_PE) && ((env->hflags & HF_VM) || cpu_cpl(env) > iopl)) {
        io_check_bitmap(env, port, size);
    }
}

uint64_t cpu_in(CPUX86State *env, uint16_t port, unsigned size)
{
    uint64_t v;

    io_check(env, port, size);
    v = address_space_ld(env->io, port, size);
    log_mask_printf(LOG_IOPORT, "in%c  0x%04x -> 0x%" PRIx64 "\n", "bw?l"[size - 1], port, v);
    return v;
}

void cpu_out(CPUX86State *env, uint16_t port, unsigned size, uint64_t val)
{
    io_check(env, port, size);
    log_mask_printf(LOG_IOPORT, "out%c 0x%04x <- 0x%" PRIx64 "\n", "bw?l"[size - 1], port, val);
    address_space_st(env->io, port, val, size);
    /* A device may have raised an interrupt or stopped the machine. */
    env->exit_request = true;
}
