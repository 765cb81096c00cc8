/*
 * Memory access for the CPU: segmentation checks (Intel SDM vol. 3 §5.3), paging
 * (SDM vol. 3 chapter 4: 32-bit, PAE and 4-level), the software TLB from linear
 * pages to host pointers, MMIO and code-page slow paths, the stack, and port I/O
 * with its permission checks (SDM vol. 1 §19.5).
 *
 * The TLB (one direct-mapped array in CPUX86State) is shared by all privilege
 * classes: a tag is the linear page address ORed with the CPL it was filled for
 * (TLB_CLASS_MASK), so a user access never hits an entry whose permissions were
 * checked for the kernel and vice versa, and the inline fast paths in access.h stay a
 * single compare. Implicit supervisor accesses (descriptor tables, IDT, TSS) use class
 * 0 whatever the CPL. A tag is installed only for accesses the page allows without
 * further work: a write tag needs the dirty bit already set, and supervisor data
 * accesses to user pages under SMAP are never cached because EFLAGS.AC can change
 * without a flush. Everything not cached takes the slow path below, which walks
 * again and raises #PF with the architected error code.
 *
 * Flag bits in a tag's low bits tell the slow path what a hit there means: TLB_MMIO
 * (not plain RAM: go through the memory API) and TLB_CODE (a RAM page holding
 * translated code: writes must tell the engine, which drops only the blocks whose
 * bytes they touch).
 *
 * Build with -DMMU_NO_FAST_PATH to send stores to code pages through the full slow
 * path (segment checks and TLB lookup again) instead of st_code_page_fast.
 */
#include "target/i386/access.h"
#include "target/i386/debug.h"
#include "target/i386/desc.h"
#include "util/log.h"

static const uint64_t TLB_INVALID = ~0ull;

/* Page-table entry bits (SDM vol. 3 tables 4-4 to 4-20) */
#define PG_P  (1ull << 0)  /* present */
#define PG_RW (1ull << 1)  /* read/write */
#define PG_US (1ull << 2)  /* user/supervisor */
#define PG_A  (1ull << 5)  /* accessed */
#define PG_D  (1ull << 6)  /* dirty */
#define PG_PS (1ull << 7)  /* page size */
#define PG_G  (1ull << 8)  /* global */
#define PG_XD (1ull << 63) /* execute disable */

/* #PF error code bits (SDM vol. 3 §4.7) */
#define PF_P    (1u << 0) /* protection violation (0: not present) */
#define PF_W    (1u << 1) /* write access */
#define PF_U    (1u << 2) /* user-mode access */
#define PF_RSVD (1u << 3) /* reserved bit set in a paging-structure entry */
#define PF_ID   (1u << 4) /* instruction fetch */

/* What the walk returns when there is no fault (a #PF error code can be 0). */
#define MMU_OK (-1)

#define MMU_PHYS_BITS     40 /* MAXPHYADDR, as CPUID 8000_0008h reports */
#define PHYS_ADDR_MASK    (((1ull << MMU_PHYS_BITS) - 1) & PAGE_MASK)
#define RSVD_ABOVE_MAXPHY (((1ull << 52) - 1) & ~((1ull << MMU_PHYS_BITS) - 1))

/* ------------------------------------------------------------------------------------
 * TLB maintenance
 */

/* The control-register bits that decide what a cached translation means. */
static uint64_t paging_mode_key(const CPUX86State *env)
{
    const uint64_t cr0 = CR0_PE | CR0_PG | CR0_WP;
    const uint64_t cr4 = CR4_PSE | CR4_PAE | CR4_PGE | CR4_SMEP | CR4_SMAP;
    const uint64_t efer = EFER_NXE | EFER_LMA;

    return (env->cr[0] & cr0) | (env->cr[4] & cr4) << 32 | (env->efer & efer) << 48;
}

static void tlb_invalidate_entry(TLBEntry *e)
{
    e->tag_read = e->tag_write = e->tag_exec = TLB_INVALID;
}

void tlb_flush_all(CPUX86State *env)
{
    MMUState *s = mmu_state(env);

    for (int i = 0; i < TLB_SIZE; i++) {
        tlb_invalidate_entry(&env->tlb[i]);
    }
    s->large_addr = s->large_mask = ~0ull;
    s->generation = env->mem ? env->mem->generation : 0;
    tb_flush_jump_cache(env);
}

static void tlb_flush_nonglobal(CPUX86State *env)
{
    for (int i = 0; i < TLB_SIZE; i++) {
        if (!(env->tlb[i].phys & TLB_PHYS_GLOBAL)) {
            tlb_invalidate_entry(&env->tlb[i]);
        }
    }
    tb_flush_jump_cache(env);
}

/*
 * Callers (MOV CR0/CR3/CR4, WRMSR EFER, reset) flush after any change that can
 * alter translations. When only CR3 changed, global pages survive (SDM §4.10.4.1);
 * a change of paging mode, WP, PGE, SMEP/SMAP or NXE drops everything.
 */
void tlb_flush(CPUX86State *env)
{
    MMUState *s = mmu_state(env);
    uint64_t key = paging_mode_key(env);

    if (s->mode_valid && s->mode_key == key && (env->cr[4] & CR4_PGE)) {
        tlb_flush_nonglobal(env);
    } else {
        tlb_flush_all(env);
    }
    s->mode_key = key;
    s->mode_valid = true;
}

/* INVLPG: one page in every class; all of them if it lies inside a large page. */
void tlb_flush_page(CPUX86State *env, uint64_t lin)
{
    MMUState *s = mmu_state(env);

    if ((lin & s->large_mask) == s->large_addr) {
        tlb_flush_all(env);
        return;
    }
    tlb_invalidate_entry(tlb_entry(env, lin));
    tb_flush_jump_cache_page(env, lin);
}

void tlb_protect_code_page(CPUX86State *env, uint64_t phys_page)
{
    for (int i = 0; i < TLB_SIZE; i++) {
        TLBEntry *e = &env->tlb[i];
        if ((e->phys & PAGE_MASK) == phys_page && e->tag_write != TLB_INVALID) {
            e->tag_write |= TLB_CODE;
        }
    }
}

void tlb_unprotect_code_page(CPUX86State *env, uint64_t phys_page)
{
    for (int i = 0; i < TLB_SIZE; i++) {
        TLBEntry *e = &env->tlb[i];
        if ((e->phys & PAGE_MASK) == phys_page && e->tag_write != TLB_INVALID) {
            e->tag_write &= ~TLB_CODE;
        }
    }
}

/* Remember the span of large pages so INVLPG inside one can flush it all. */
static void tlb_note_large_page(CPUX86State *env, uint64_t lin, uint64_t size)
{
    MMUState *s = mmu_state(env);
    uint64_t mask = ~(size - 1);

    if (s->large_addr == ~0ull) {
        s->large_addr = lin & mask;
        s->large_mask = mask;
        return;
    }
    /* Widen the region until it covers both. */
    mask &= s->large_mask;
    while ((lin & mask) != (s->large_addr & mask)) {
        mask <<= 1;
    }
    s->large_mask = mask;
    s->large_addr &= mask;
}

/* ------------------------------------------------------------------------------------
 * The page walk
 */

typedef enum PagingKind { PAGING_NONE, PAGING_32, PAGING_PAE, PAGING_4LEVEL } PagingKind;

typedef struct PageWalk {
    uint64_t lin;
    int access;    /* ACCESS_READ/WRITE/EXEC */
    unsigned cls;  /* CPL the access is checked at (0 for implicit supervisor) */
    bool paged;    /* paging is on: the permission fields below apply */
    bool user;     /* every level allows user access */
    bool writable; /* every level allows writes */
    bool nx;       /* some level forbids instruction fetch */
    bool global;
    bool dirty;    /* the leaf's D bit is (now) set */
    uint64_t size; /* page size of the mapping */
    uint64_t phys; /* physical address of lin's 4 KiB page */
    uint64_t leaf_addr, leaf;
    unsigned entry_size;
} PageWalk;

/* One level of a paging structure hierarchy. */
typedef struct PagingLevel {
    unsigned shift; /* lowest linear-address bit the index uses */
    unsigned index_bits;
    bool may_be_leaf; /* PS=1 maps a page here */
    bool has_perms;   /* R/W, U/S and XD bits exist (not in PAE PDPTEs) */
} PagingLevel;

static const PagingLevel levels_32[] = {{22, 10, true, true}, {12, 10, false, true}};
static const PagingLevel levels_pae[] = {
    {30, 2, false, false}, {21, 9, true, true}, {12, 9, false, true}};
static const PagingLevel levels_4level[] = {
    {39, 9, false, true}, {30, 9, true, true}, {21, 9, true, true}, {12, 9, false, true}};

static PagingKind paging_kind(const CPUX86State *env)
{
    if (!(env->cr[0] & CR0_PG)) {
        return PAGING_NONE;
    }
    if (env->efer & EFER_LMA) {
        return PAGING_4LEVEL;
    }
    return (env->cr[4] & CR4_PAE) ? PAGING_PAE : PAGING_32;
}

static bool nx_enabled(const CPUX86State *env, PagingKind kind)
{
    return kind != PAGING_32 && (env->efer & EFER_NXE);
}

/* Reserved bits of an entry at level i that is present (SDM tables 4-4 .. 4-20). */
static uint64_t rsvd_bits(const CPUX86State *env, PagingKind kind, const PagingLevel *l,
                          uint64_t pte)
{
    bool large = l->may_be_leaf && (pte & PG_PS);
    uint64_t r;

    if (kind == PAGING_32) {
        /* 4 MiB pages: bits 20:13 are physical bits 39:32 (PSE-36), 21 is reserved. */
        return large && (env->cr[4] & CR4_PSE) ? 1ull << 21 : 0;
    }
    if (kind == PAGING_PAE && !l->has_perms) {
        return 0x1e6ull | ~((1ull << MMU_PHYS_BITS) - 1); /* PDPTE: 2:1, 8:5, 63:M */
    }
    r = kind == PAGING_PAE ? (~((1ull << MMU_PHYS_BITS) - 1) & ~PG_XD)
                           : RSVD_ABOVE_MAXPHY;
    if (!nx_enabled(env, kind)) {
        r |= PG_XD;
    }
    if (kind == PAGING_4LEVEL && l->shift == 39) {
        r |= PG_PS;
    }
    if (large) {
        r |= ((1ull << l->shift) - 1) & ~0x1fffull; /* address bits below the page */
    }
    return r;
}

static uint32_t walk_error(const PageWalk *w, bool present)
{
    return (present ? PF_P : 0) | (w->access == ACCESS_WRITE ? PF_W : 0) |
           (w->cls == 3 ? PF_U : 0);
}

/* Physical address of the 4 KiB frame the leaf maps for w->lin. */
static uint64_t leaf_frame(PagingKind kind, const PagingLevel *l, uint64_t pte,
                           uint64_t lin)
{
    uint64_t in_page = lin & ((1ull << l->shift) - 1) & PAGE_MASK;

    if (kind == PAGING_32 && l->shift == 22) {
        return (pte & 0xffc00000ull) | ((pte >> 13) & 0xff) << 32 | in_page;
    }
    if (kind == PAGING_32) {
        return pte & 0xfffff000ull;
    }
    return (pte & PHYS_ADDR_MASK & ~((1ull << l->shift) - 1)) | in_page;
}

/* Write back accessed (and dirty) bits as one guest store of the whole entry. */
static void pte_set_bits(CPUX86State *env, uint64_t addr, unsigned size, uint64_t pte,
                         uint64_t bits)
{
    if ((pte & bits) != bits) {
        address_space_st(env->mem, addr, pte | bits, size);
    }
}

static bool smap_blocks(const CPUX86State *env)
{
    return (env->cr[4] & CR4_SMAP) && (cpu_cpl(env) == 3 || !(env->eflags & AC_MASK));
}

/* Would access type `access` through this translation be a protection violation? */
static bool walk_denies(const CPUX86State *env, const PageWalk *w, int access)
{
    bool user_class = w->cls == 3;

    if (!w->paged) {
        return false;
    }
    switch (access) {
    case ACCESS_EXEC:
        if (w->nx) {
            return true;
        }
        return user_class ? !w->user : (w->user && (env->cr[4] & CR4_SMEP));
    case ACCESS_READ: return user_class ? !w->user : (w->user && smap_blocks(env));
    default:
        if (user_class) {
            return !w->user || !w->writable;
        }
        return (w->user && smap_blocks(env)) || (!w->writable && (env->cr[0] & CR0_WP));
    }
}

static void walk_entry_perms(PageWalk *w, const PagingLevel *l, uint64_t pte, bool nxe)
{
    if (!l->has_perms) {
        return;
    }
    w->user &= (pte & PG_US) != 0;
    w->writable &= (pte & PG_RW) != 0;
    w->nx |= nxe && (pte & PG_XD);
}

/*
 * Walk the paging structures for w->lin. Returns MMU_OK with w filled in, or the #PF
 * error code (PF_P clear for a not-present entry). Accessed bits of the non-leaf
 * entries are set as they are used; the leaf's are the caller's business.
 */
static int64_t walk(CPUX86State *env, PagingKind kind, PageWalk *w)
{
    const PagingLevel *lv = kind == PAGING_32    ? levels_32
                            : kind == PAGING_PAE ? levels_pae
                                                 : levels_4level;
    unsigned nlevels = kind == PAGING_32 ? 2 : kind == PAGING_PAE ? 3 : 4;
    unsigned esize = kind == PAGING_32 ? 4 : 8;
    uint64_t table = kind == PAGING_PAE  ? env->cr[3] & 0xffffffe0ull
                     : kind == PAGING_32 ? env->cr[3] & 0xfffff000ull
                                         : env->cr[3] & PHYS_ADDR_MASK;
    bool nxe = nx_enabled(env, kind);

    w->user = w->writable = true;
    w->nx = false;
    for (unsigned i = 0; i < nlevels; i++) {
        const PagingLevel *l = &lv[i];
        uint64_t addr =
            table + ((w->lin >> l->shift) & ((1u << l->index_bits) - 1)) * esize;
        uint64_t pte = address_space_ld(env->mem, addr, esize);
        bool leaf = i == nlevels - 1 || (l->may_be_leaf && (pte & PG_PS) &&
                                         (kind != PAGING_32 || (env->cr[4] & CR4_PSE)));

        if (!(pte & PG_P)) {
            return walk_error(w, false);
        }
        if (pte & rsvd_bits(env, kind, l, pte)) {
            return walk_error(w, true) | PF_RSVD;
        }
        walk_entry_perms(w, l, pte, nxe);
        if (leaf) {
            w->size = 1ull << l->shift;
            w->phys = leaf_frame(kind, l, pte, w->lin);
            w->global = (pte & PG_G) && (env->cr[4] & CR4_PGE);
            w->leaf = pte;
            w->leaf_addr = addr;
            w->entry_size = esize;
            return MMU_OK;
        }
        if (l->has_perms) {
            pte_set_bits(env, addr, esize, pte, PG_A);
        }
        table = kind == PAGING_32 ? pte & 0xfffff000ull : pte & PHYS_ADDR_MASK;
    }
    g_assert_not_reached();
}

static uint32_t fetch_error_bit(const CPUX86State *env, PagingKind kind, int access)
{
    bool id = (env->cr[4] & CR4_SMEP) || nx_enabled(env, kind);

    return access == ACCESS_EXEC && id ? PF_ID : 0;
}

/*
 * Translate w->lin for w->access in w->cls. Returns MMU_OK, with the leaf's accessed
 * (and for writes dirty) bit set, or the #PF error code, leaving the leaf alone.
 * Without paging, linear is physical.
 */
static int64_t mmu_translate(CPUX86State *env, PageWalk *w)
{
    PagingKind kind = paging_kind(env);
    int64_t err;

    if (kind == PAGING_NONE) {
        w->phys = (env->hflags & HF_LMA ? w->lin : (uint32_t)w->lin) & PAGE_MASK;
        w->user = w->writable = w->dirty = true;
        w->nx = w->global = false;
        w->size = PAGE_SIZE;
        return MMU_OK;
    }
    w->paged = true;
    err = walk(env, kind, w);
    if (err == MMU_OK && walk_denies(env, w, w->access)) {
        err = walk_error(w, true);
    }
    if (err != MMU_OK) {
        return err | fetch_error_bit(env, kind, w->access);
    }
    w->dirty = (w->leaf & PG_D) || w->access == ACCESS_WRITE;
    pte_set_bits(env, w->leaf_addr, w->entry_size, w->leaf,
                 PG_A | (w->access == ACCESS_WRITE ? PG_D : 0));
    return MMU_OK;
}

/* ------------------------------------------------------------------------------------
 * TLB refill
 */

/* May a tag for this access type be cached (checked once, valid until a flush)? */
static bool tlb_may_cache(CPUX86State *env, const PageWalk *w, int access)
{
    if (walk_denies(env, w, access)) {
        return false;
    }
    if (access == ACCESS_WRITE && !w->dirty) {
        return false; /* the first write must come back to set D */
    }
    if (access != ACCESS_EXEC && w->cls == 3 && mmu_state(env)->alignment_checked) {
        return false; /* every user data access must check its alignment */
    }
    /* SMAP's verdict depends on EFLAGS.AC, which changes without a flush. */
    return access == ACCESS_EXEC || w->cls == 3 || !w->paged || !w->user ||
           !(env->cr[4] & CR4_SMAP);
}

/* A data breakpoint on the page: its data accesses must all reach the slow path. */
static bool tlb_page_watched(const CPUX86State *env, uint64_t lin)
{
    return unlikely(debug_data_gate(env)) && debug_page_watched(env, lin);
}

static void tlb_install(CPUX86State *env, TLBEntry *e, const PageWalk *w)
{
    uint64_t tag = (w->lin & PAGE_MASK) | w->cls;
    const FlatRange *fr = address_space_find(env->mem, w->phys);
    MemoryRegion *mr = fr ? fr->mr : NULL;
    bool ram = mr && mr->ram && fr->end - w->phys >= PAGE_SIZE;
    uint64_t offset = ram ? w->phys - fr->start + fr->offset_in_region : 0;
    uint64_t data_flags = ram ? 0 : TLB_MMIO;
    uint64_t write_flags = data_flags;

    if (ram && (fr->readonly || mr->readonly)) {
        write_flags = TLB_MMIO; /* ROM: the memory API drops the write */
    } else if (ram && mr->code_map && mr->code_map[offset >> PAGE_BITS]) {
        write_flags = TLB_CODE;
    }
    bool watched = tlb_page_watched(env, w->lin);
    e->tag_read =
        !watched && tlb_may_cache(env, w, ACCESS_READ) ? tag | data_flags : TLB_INVALID;
    e->tag_write =
        !watched && tlb_may_cache(env, w, ACCESS_WRITE) ? tag | write_flags : TLB_INVALID;
    e->tag_exec = tlb_may_cache(env, w, ACCESS_EXEC) ? tag | data_flags : TLB_INVALID;
    e->addend = ram ? (uintptr_t)(mr->ram + offset) - (w->lin & PAGE_MASK) : 0;
    e->phys = w->phys | (w->global ? TLB_PHYS_GLOBAL : 0);
}

/* Non-canonical 64-bit linear addresses fault before any translation. */
static bool lin_is_valid(const CPUX86State *env, uint64_t lin)
{
    return !(env->efer & EFER_LMA) || is_canonical(lin);
}

static int64_t tlb_refill(CPUX86State *env, uint64_t lin, int access, unsigned cls,
                          TLBEntry **out)
{
    PageWalk w = {.lin = lin, .access = access, .cls = cls};
    int64_t err;

    if (env->mem->generation != mmu_state(env)->generation) {
        tlb_flush_all(env); /* the physical memory map changed */
    }
    err = mmu_translate(env, &w);
    if (err != MMU_OK) {
        return err;
    }
    if (w.size > PAGE_SIZE) {
        tlb_note_large_page(env, lin, w.size);
    }
    *out = tlb_entry(env, lin);
    tlb_install(env, *out, &w);
    return MMU_OK;
}

NORETURN static void raise_page_fault(CPUX86State *env, uint64_t lin, int64_t err)
{
    env->cr[2] = lin;
    raise_exception_err(env, EXCP_PF, (int)err);
}

TLBEntry *tlb_fill_class(CPUX86State *env, uint64_t lin, int access, unsigned cls)
{
    TLBEntry *e = NULL;
    int64_t err;

    if (!lin_is_valid(env, lin)) {
        raise_exception_err(env, EXCP_GP, 0);
    }
    err = tlb_refill(env, lin, access, cls, &e);
    if (err != MMU_OK) {
        raise_page_fault(env, lin, err);
    }
    return e;
}

TLBEntry *tlb_fill(CPUX86State *env, uint64_t lin, int access)
{
    return tlb_fill_class(env, lin, access, cpu_cpl(env));
}

TLBEntry *tlb_probe(CPUX86State *env, uint64_t lin, int access, unsigned cls)
{
    TLBEntry *e = tlb_entry(env, lin);
    uint64_t tag = (lin & PAGE_MASK) | cls;

    if ((tlb_entry_tag(e, access) & ~TLB_FLAGS) == tag) {
        return e;
    }
    if (!lin_is_valid(env, lin) || tlb_refill(env, lin, access, cls, &e) != MMU_OK) {
        return NULL;
    }
    return e;
}

/* ------------------------------------------------------------------------------------
 * Segmentation
 */

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

/* 64-bit mode: no limits, but both ends of the access must be canonical. */
static uint64_t seg_check(CPUX86State *env, int seg, uint64_t off, unsigned size,
                          bool write)
{
    uint64_t lin;

    if (!(env->hflags & HF_CS64)) {
        seg_check_type(env, seg, write);
        seg_check_limit(env, seg, off, size);
        return seg_linear(env, seg, off);
    }
    lin = seg_linear(env, seg, off);
    if (!is_canonical(lin) || !is_canonical(lin + size - 1)) {
        seg_fault(env, seg);
    }
    return lin;
}

/*
 * Alignment checking (SDM vol. 3 §6.15, #AC): user-mode data accesses when CR0.AM and
 * EFLAGS.AC are both set. It comes before the page walk, as on the hardware.
 */
static bool alignment_checked(const CPUX86State *env)
{
    return (env->cr[0] & CR0_AM) && (env->eflags & AC_MASK) && cpu_cpl(env) == 3;
}

/* Segmentation, then alignment: the linear address of an explicit data access. */
static uint64_t seg_check_access(CPUX86State *env, int seg, uint64_t off, unsigned size,
                                 bool write)
{
    uint64_t lin = seg_check(env, seg, off, size, write);

    if (unlikely(alignment_checked(env)) && (lin & (size - 1))) {
        raise_exception_err(env, EXCP_AC, 0);
    }
    return lin;
}

/*
 * User data tags are not cached while alignment checking is on (the inline paths do
 * not check alignment); EFLAGS.AC changes without a flush, but only through
 * instructions that end their block (POPF, IRET, ...), so the exec loop calls this
 * at block boundaries to notice.
 */
void tlb_sync_mode(CPUX86State *env)
{
    MMUState *s = mmu_state(env);
    bool ac = alignment_checked(env);

    if (ac != s->alignment_checked) {
        s->alignment_checked = ac;
        tlb_flush_all(env);
    }
}

/* ------------------------------------------------------------------------------------
 * Linear accesses
 */

static uint64_t tlb_phys_addr(const TLBEntry *e, uint64_t lin)
{
    return (e->phys & PAGE_MASK) | (lin & ~PAGE_MASK);
}

static uint64_t ld_lin_page(CPUX86State *env, uint64_t lin, unsigned size, unsigned cls)
{
    TLBEntry *e = tlb_entry(env, lin);
    uint64_t tag = (lin & PAGE_MASK) | cls;

    if ((e->tag_read & ~TLB_FLAGS) != tag) {
        e = tlb_fill_class(env, lin, ACCESS_READ, cls);
    }
    if (e->tag_read == tag) {
        return ld_le((const void *)(uintptr_t)(lin + e->addend), size);
    }
    /* MMIO, or RAM whose permission is not cached (SMAP with EFLAGS.AC set). */
    return address_space_ld(env->mem, tlb_phys_addr(e, lin), size);
}

static void st_lin_page(CPUX86State *env, uint64_t lin, unsigned size, uint64_t val,
                        unsigned cls)
{
    TLBEntry *e = tlb_entry(env, lin);
    uint64_t tag = (lin & PAGE_MASK) | cls;

    if ((e->tag_write & ~TLB_FLAGS) != tag) {
        e = tlb_fill_class(env, lin, ACCESS_WRITE, cls);
    }
    if (e->tag_write == tag) {
        st_le((void *)(uintptr_t)(lin + e->addend), size, val);
    } else if (e->tag_write == (tag | TLB_CODE)) {
        /* Code lives on this page: the engine drops the blocks these bytes overlap. */
        st_le((void *)(uintptr_t)(lin + e->addend), size, val);
        tb_notify_code_write(env, tlb_phys_addr(e, lin), size);
    } else {
        address_space_st(env->mem, tlb_phys_addr(e, lin), val, size);
        /* A device may have raised an interrupt or changed the memory map. */
        cpu_exit(env);
    }
}

static bool crosses_page(uint64_t lin, unsigned size)
{
    return (lin & ~PAGE_MASK) > PAGE_SIZE - size;
}

static uint64_t lin_mask(const CPUX86State *env)
{
    return (env->hflags & HF_LMA) ? ~0ull : 0xffffffffull;
}

/* Every data access that reaches guest memory passes here (debug.h). */
static inline void watch_data_access(CPUX86State *env, uint64_t lin, unsigned size,
                                     bool write)
{
    if (unlikely(debug_data_gate(env)) && debug_data_armed(env)) {
        debug_check_data_access(env, lin, size, write);
    }
}

static uint64_t ld_lin_class(CPUX86State *env, uint64_t lin, unsigned size, unsigned cls)
{
    uint64_t v = 0;

    watch_data_access(env, lin, size, false);
    if (likely(!crosses_page(lin, size))) {
        return ld_lin_page(env, lin, size, cls);
    }
    /* Byte by byte: the second page may fault before anything is returned. */
    for (unsigned i = 0; i < size; i++) {
        v |= ld_lin_page(env, (lin + i) & lin_mask(env), 1, cls) << (8 * i);
    }
    return v;
}

static void st_lin_class(CPUX86State *env, uint64_t lin, unsigned size, uint64_t val,
                         unsigned cls)
{
    /* The second page's first byte is the one that faults there (CR2). */
    uint64_t page2 = (lin + size - 1) & lin_mask(env) & PAGE_MASK;

    watch_data_access(env, lin, size, true);
    if (likely(!crosses_page(lin, size))) {
        st_lin_page(env, lin, size, val, cls);
        return;
    }
    /* Translate both pages first so a fault on the second leaves memory untouched. */
    tlb_fill_class(env, lin, ACCESS_WRITE, cls);
    tlb_fill_class(env, page2, ACCESS_WRITE, cls);
    for (unsigned i = 0; i < size; i++) {
        st_lin_page(env, (lin + i) & lin_mask(env), 1, val >> (8 * i), cls);
    }
}

uint64_t cpu_ld_lin(CPUX86State *env, uint64_t lin, unsigned size)
{
    return ld_lin_class(env, lin, size, 0);
}

void cpu_st_lin(CPUX86State *env, uint64_t lin, unsigned size, uint64_t val)
{
    st_lin_class(env, lin, size, val, 0);
}

uint64_t cpu_ld_slow(CPUX86State *env, int seg, uint64_t off, unsigned size)
{
    cpu_sync_insn(env); /* a fault, a device or a watchpoint may want rip */
    return ld_lin_class(env, seg_check_access(env, seg, off, size, false), size,
                        cpu_cpl(env));
}

/* Read a page's bytes through a translation checked (and dirtied) for writing. */
static uint64_t ld_page_for_write(CPUX86State *env, uint64_t lin, unsigned size,
                                  unsigned cls)
{
    TLBEntry *e = tlb_entry(env, lin);
    uint64_t tag = (lin & PAGE_MASK) | cls;

    if ((e->tag_write & ~TLB_FLAGS) != tag) {
        e = tlb_fill_class(env, lin, ACCESS_WRITE, cls);
    }
    if ((e->tag_write & ~TLB_CODE) == tag) {
        return ld_le((const void *)(uintptr_t)(lin + e->addend), size);
    }
    return address_space_ld(env->mem, tlb_phys_addr(e, lin), size);
}

uint64_t cpu_ld_rmw_slow(CPUX86State *env, int seg, uint64_t off, unsigned size)
{
    uint64_t lin, v = 0;
    unsigned cls = cpu_cpl(env);

    cpu_sync_insn(env);
    lin = seg_check_access(env, seg, off, size, true);

    watch_data_access(env, lin, size, false); /* the store that follows checks W */
    if (likely(!crosses_page(lin, size))) {
        return ld_page_for_write(env, lin, size, cls);
    }
    tlb_fill_class(env, lin, ACCESS_WRITE, cls);
    tlb_fill_class(env, (lin + size - 1) & lin_mask(env) & PAGE_MASK, ACCESS_WRITE, cls);
    for (unsigned i = 0; i < size; i++) {
        v |= ld_page_for_write(env, (lin + i) & lin_mask(env), 1, cls) << (8 * i);
    }
    return v;
}

/*
 * A store the inline path turned away only because its page holds code (data next
 * to code, the common case): no segment or TLB work needed, just the engine's check.
 */
static bool st_code_page_fast(CPUX86State *env, int seg, uint64_t off, unsigned size,
                              uint64_t val)
{
    uint64_t lin = seg_linear(env, seg, off);
    TLBEntry *e = tlb_entry(env, lin);

#ifdef MMU_NO_FAST_PATH
    return false;
#endif
    if (!(env->seg_ok_write & (1u << seg)) || off + (size - 1) > env->seg_max[seg] ||
        e->tag_write != (tlb_tag(env, lin) | TLB_CODE) || crosses_page(lin, size)) {
        return false;
    }
    st_le((void *)(uintptr_t)(lin + e->addend), size, val);
    tb_notify_code_write(env, tlb_phys_addr(e, lin), size);
    return true;
}

void cpu_st_slow(CPUX86State *env, int seg, uint64_t off, unsigned size, uint64_t val)
{
    cpu_sync_insn(env);
    if (st_code_page_fast(env, seg, off, size, val)) {
        return;
    }
    st_lin_class(env, seg_check_access(env, seg, off, size, true), size, val,
                 cpu_cpl(env));
}
