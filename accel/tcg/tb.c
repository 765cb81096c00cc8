/*
 * The translation-block cache: lookup by (physical pc, CS base, mode), the jump cache
 * by linear pc, chaining to the previous successor, and invalidation when guest code
 * is written.
 *
 * Self-modifying code is tracked per 64-byte chunk: each physical page with blocks
 * has a PageDesc whose code_chunks bitmap says which chunks hold translated bytes.
 * A write that misses every such chunk (data next to code) costs one bitmap test;
 * one that hits drops only the blocks whose bytes it overlaps. A page loses its
 * write protection when its last block goes.
 *
 * Anything that makes a cached lookup wrong (a mapping change, a dropped block)
 * bumps the engine's epoch, which cuts every chain at once, and clears the jump
 * cache entries concerned; dropped blocks are freed only between blocks, since the
 * one running may be among them.
 *
 * Build with -DTB_PAGE_GRANULAR_SMC to treat any write to a page with code as a write
 * to all of its blocks (the plain path the chunked one refines).
 */
#include "accel/tcg/tb.h"
#include "hw/machine.h"

#define TB_HASH_BITS  16
#define TB_MAX_BLOCKS (1u << 20)

/* CPUs with translated code, so a write found by the memory API reaches their caches. */
static GPtrArray *engine_cpus;

TBEngine *tb_engine_get(CPUX86State *env)
{
    TBEngine *e = env->engine;

    if (!e) {
        e = g_new0(TBEngine, 1);
        e->hash_bits = TB_HASH_BITS;
        e->max_tbs = TB_MAX_BLOCKS;
        e->hash = g_new0(TranslationBlock *, 1u << TB_HASH_BITS);
        e->pages = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, g_free);
        e->graveyard = g_ptr_array_new_with_free_func(g_free);
        e->scratch = g_malloc0(sizeof(TranslationBlock) + TB_MAX_INSNS * sizeof(Insn));
        e->mmu.large_addr = e->mmu.large_mask = ~0ull;
        env->engine = e;
    }
    return e;
}

MMUState *mmu_state(CPUX86State *env)
{
    return &tb_engine_get(env)->mmu;
}

static void tb_engine_register(CPUX86State *env, TBEngine *e)
{
    if (!e->registered) {
        if (!engine_cpus) {
            engine_cpus = g_ptr_array_new();
        }
        g_ptr_array_add(engine_cpus, env);
        e->registered = true;
    }
}

static void tb_free_hash(TBEngine *e)
{
    for (unsigned i = 0; i < (1u << e->hash_bits); i++) {
        TranslationBlock *tb = e->hash[i];
        while (tb) {
            TranslationBlock *next = tb->hash_next;
            g_free(tb);
            tb = next;
        }
    }
    g_free(e->hash);
}

void tb_engine_free(CPUX86State *env)
{
    TBEngine *e = env->engine;

    if (!e) {
        return;
    }
    if (e->registered) {
        g_ptr_array_remove(engine_cpus, env);
    }
    tb_free_hash(e);
    g_hash_table_destroy(e->pages);
    g_ptr_array_free(e->graveyard, true);
    g_free(e->scratch);
    g_free(e);
    env->engine = NULL;
}

static unsigned tb_hash(const TBEngine *e, uint64_t phys_pc, uint32_t hflags)
{
    uint64_t h = (phys_pc ^ ((uint64_t)hflags << 40)) * 0x9e3779b97f4a7c15ull;

    return (unsigned)(h >> (64 - e->hash_bits));
}

/*
 * The jump cache groups the slots of one linear page together (the page number picks
 * a group, the offset a slot in it), so INVLPG clears one group, not the whole cache.
 */
#define TB_JMP_GROUP_BITS 6
#define TB_JMP_GROUP_SIZE (1u << TB_JMP_GROUP_BITS)

static unsigned jmp_cache_group(uint64_t pc)
{
    unsigned groups = TB_JMP_CACHE_BITS - TB_JMP_GROUP_BITS;
    uint64_t page = pc >> PAGE_BITS;

    return (unsigned)((page ^ (page >> groups)) & ((1u << groups) - 1))
           << TB_JMP_GROUP_BITS;
}

static unsigned jmp_cache_index(uint64_t pc)
{
    return jmp_cache_group(pc) |
           (unsigned)((pc ^ (pc >> TB_JMP_GROUP_BITS)) & (TB_JMP_GROUP_SIZE - 1));
}

void tb_flush_jump_cache(CPUX86State *env)
{
    TBEngine *e = env->engine;

    if (e) {
        memset(e->jmp_cache, 0, sizeof(e->jmp_cache));
        e->epoch++;
    }
}

/* The blocks starting on lin's page, or on the page before (they may run into it). */
void tb_flush_jump_cache_page(CPUX86State *env, uint64_t lin)
{
    TBEngine *e = env->engine;

    if (e) {
        memset(&e->jmp_cache[jmp_cache_group(lin)], 0,
               TB_JMP_GROUP_SIZE * sizeof(void *));
        memset(&e->jmp_cache[jmp_cache_group(lin - PAGE_SIZE)], 0,
               TB_JMP_GROUP_SIZE * sizeof(void *));
        e->epoch++;
    }
}

static TranslationBlock *tb_hash_lookup(TBEngine *e, uint64_t phys_pc, uint64_t pc,
                                        uint64_t cs_base, uint32_t hflags)
{
    TranslationBlock *tb = e->hash[tb_hash(e, phys_pc, hflags)];

    for (; tb; tb = tb->hash_next) {
        if (tb->phys_pc == phys_pc && tb->pc == pc && tb->cs_base == cs_base &&
            tb->hflags == hflags) {
            return tb;
        }
    }
    return NULL;
}

static void tb_hash_insert(TBEngine *e, TranslationBlock *tb)
{
    unsigned h = tb_hash(e, tb->phys_pc, tb->hflags);

    tb->hash_next = e->hash[h];
    e->hash[h] = tb;
    e->nb_tbs++;
}

static void tb_hash_remove(TBEngine *e, TranslationBlock *tb)
{
    TranslationBlock **p = &e->hash[tb_hash(e, tb->phys_pc, tb->hflags)];

    for (; *p; p = &(*p)->hash_next) {
        if (*p == tb) {
            *p = tb->hash_next;
            e->nb_tbs--;
            return;
        }
    }
}

/* Physical address of code at linear pc, checking execute permission (may fault). */
static uint64_t tb_code_phys(CPUX86State *env, uint64_t pc)
{
    TLBEntry *t = tlb_entry(env, pc);

    if ((t->tag_exec & ~TLB_FLAGS) != tlb_tag(env, pc)) {
        t = tlb_fill(env, pc, ACCESS_EXEC);
    }
    return (t->phys & PAGE_MASK) | (pc & ~PAGE_MASK);
}

/* --- pages --- */

static PageDesc *page_find(TBEngine *e, uint64_t page)
{
    PageDesc *pd = e->last_page;

    if (pd && pd->page == page) {
        return pd;
    }
    pd = g_hash_table_lookup(e->pages, &page);
    if (pd) {
        e->last_page = pd;
    }
    return pd;
}

static PageDesc *page_find_or_create(TBEngine *e, uint64_t page)
{
    PageDesc *pd = page_find(e, page);

    if (!pd) {
        pd = g_new0(PageDesc, 1);
        pd->page = page;
        g_hash_table_insert(e->pages, &pd->page, pd);
    }
    return pd;
}

/* Chunks [off, off + len) covers; len >= 1 and the range lies within one page. */
static uint64_t chunk_mask(unsigned off, unsigned len)
{
#ifdef TB_PAGE_GRANULAR_SMC
    return ~0ull;
#endif
    unsigned first = off >> TB_CHUNK_BITS, last = (off + len - 1) >> TB_CHUNK_BITS;
    uint64_t upto_last = last == 63 ? ~0ull : (2ull << last) - 1;

    return upto_last & ~((1ull << first) - 1);
}

static int tb_page_index(const TranslationBlock *tb, uint64_t page)
{
    return tb->phys[0] == page ? 0 : 1;
}

static void page_recompute_chunks(PageDesc *pd)
{
    pd->code_chunks = 0;
    for (TranslationBlock *tb = pd->tbs; tb;) {
        int i = tb_page_index(tb, pd->page);
        pd->code_chunks |= chunk_mask(tb->page_off[i], tb->page_len[i]);
        tb = tb->page_next[i];
    }
}

static void tb_mark_code_page(CPUX86State *env, uint64_t page)
{
    const FlatRange *fr = address_space_find(env->mem, page);

    if (fr && fr->mr->ram && fr->mr->code_map) {
        memory_mark_code_page(fr->mr, page - fr->start + fr->offset_in_region);
    }
    tlb_protect_code_page(env, page);
}

void tb_link_pages(CPUX86State *env, TranslationBlock *tb)
{
    TBEngine *e = tb_engine_get(env);

    tb_engine_register(env, e);
    for (int i = 0; i < 2; i++) {
        PageDesc *pd;
        if (tb->phys[i] == ~0ull) {
            continue;
        }
        pd = page_find_or_create(e, tb->phys[i]);
        tb->page_next[i] = pd->tbs;
        pd->tbs = tb;
        pd->code_chunks |= chunk_mask(tb->page_off[i], tb->page_len[i]);
        tb_mark_code_page(env, tb->phys[i]);
    }
}

static void tb_unlink_page(TBEngine *e, TranslationBlock *tb, int n)
{
    PageDesc *pd = page_find(e, tb->phys[n]);
    TranslationBlock **p = pd ? &pd->tbs : NULL;

    while (p && *p) {
        int idx = tb_page_index(*p, tb->phys[n]);
        if (*p == tb) {
            *p = tb->page_next[idx];
            return;
        }
        p = &(*p)->page_next[idx];
    }
}

/* Does any CPU on env's memory still have blocks on this page? */
static bool page_has_code_anywhere(CPUX86State *env, uint64_t page)
{
    for (guint i = 0; engine_cpus && i < engine_cpus->len; i++) {
        CPUX86State *cpu = engine_cpus->pdata[i];
        if (cpu->mem == env->mem && page_find(cpu->engine, page)) {
            return true;
        }
    }
    return false;
}

/* The page's last block is gone: writes to it are plain RAM writes again. */
static void page_release(CPUX86State *env, TBEngine *e, PageDesc *pd)
{
    uint64_t page = pd->page;
    const FlatRange *fr;

    if (e->last_page == pd) {
        e->last_page = NULL;
    }
    g_hash_table_remove(e->pages, &page);
    if (page_has_code_anywhere(env, page)) {
        return;
    }
    fr = address_space_find(env->mem, page);
    if (fr && fr->mr->code_map) {
        fr->mr->code_map[(page - fr->start + fr->offset_in_region) >> PAGE_BITS] = 0;
    }
    for (guint i = 0; i < engine_cpus->len; i++) {
        CPUX86State *cpu = engine_cpus->pdata[i];
        if (cpu->mem == env->mem) {
            tlb_unprotect_code_page(cpu, page);
        }
    }
}

static void tb_invalidate(CPUX86State *env, TBEngine *e, TranslationBlock *tb)
{
    TranslationBlock **slot = &e->jmp_cache[jmp_cache_index(tb->pc)];

    tb->invalid = true;
    tb_hash_remove(e, tb);
    for (int i = 0; i < 2; i++) {
        if (tb->phys[i] != ~0ull) {
            tb_unlink_page(e, tb, i);
        }
    }
    if (*slot == tb) {
        *slot = NULL;
    }
    e->epoch++;
    /* The block may be running right now: free it only between blocks. */
    g_ptr_array_add(e->graveyard, tb);
    /* The current block may have been overwritten: stop after this instruction. */
    cpu_exit(env);
}

static bool tb_overlaps(const TranslationBlock *tb, uint64_t page, unsigned off,
                        unsigned len)
{
    int i = tb_page_index(tb, page);

#ifdef TB_PAGE_GRANULAR_SMC
    return true;
#endif
    return off < tb->page_off[i] + tb->page_len[i] && tb->page_off[i] < off + len;
}

/* Drop env's blocks overlapping [off, off + len) of page. */
static void tb_invalidate_cpu_page(CPUX86State *env, uint64_t page, unsigned off,
                                   unsigned len)
{
    TBEngine *e = env->engine;
    PageDesc *pd = page_find(e, page);
    TranslationBlock *tb, *next;

    if (!pd || !(pd->code_chunks & chunk_mask(off, len))) {
        return;
    }
    for (tb = pd->tbs; tb; tb = next) {
        next = tb->page_next[tb_page_index(tb, page)];
        if (tb_overlaps(tb, page, off, len)) {
            tb_invalidate(env, e, tb);
        }
    }
    if (pd->tbs) {
        page_recompute_chunks(pd);
    } else {
        page_release(env, e, pd);
    }
}

void tb_invalidate_phys_range(CPUX86State *env, uint64_t phys, uint64_t len)
{
    uint64_t page = phys & PAGE_MASK;

    for (guint i = 0; engine_cpus && i < engine_cpus->len; i++) {
        CPUX86State *cpu = engine_cpus->pdata[i];
        if (cpu->mem == env->mem) {
            tb_invalidate_cpu_page(cpu, page, phys & ~PAGE_MASK, (unsigned)len);
        }
    }
}

static __attribute__((noinline)) void
tb_notify_code_write_all(CPUX86State *env, uint64_t phys, unsigned len)
{
    uint64_t page = phys & PAGE_MASK;
    uint64_t chunks = chunk_mask(phys & ~PAGE_MASK, len);

    for (guint i = 0; i < engine_cpus->len; i++) {
        CPUX86State *cpu = engine_cpus->pdata[i];
        PageDesc *pd = cpu->mem == env->mem ? page_find(cpu->engine, page) : NULL;
        if (pd && (pd->code_chunks & chunks)) {
            tb_invalidate_cpu_page(cpu, page, phys & ~PAGE_MASK, len);
        }
    }
}

/*
 * Called on every CPU store to a page with code. The common case, one CPU writing
 * data next to its own code again, is answered by the page it looked up last.
 */
void tb_notify_code_write(CPUX86State *env, uint64_t phys, unsigned len)
{
    const TBEngine *e = env->engine;
    const PageDesc *pd = e ? e->last_page : NULL;

    if (pd && pd->page == (phys & PAGE_MASK) && engine_cpus->len == 1 &&
        !(pd->code_chunks & chunk_mask(phys & ~PAGE_MASK, len))) {
        return;
    }
    tb_notify_code_write_all(env, phys, len);
}

/* Region offsets [offset, offset + len) of ram, as env's physical pages. */
static void tb_invalidate_cpu_range(CPUX86State *env, MemoryRegion *ram, uint64_t offset,
                                    uint64_t len)
{
    const AddressSpace *as = env->mem;

    for (unsigned i = 0; i < as->nr_flat; i++) {
        const FlatRange *fr = &as->flat[i];
        uint64_t size = fr->end - fr->start;
        uint64_t lo = MAX(offset, fr->offset_in_region);
        uint64_t hi = MIN(offset + len, fr->offset_in_region + size);
        if (fr->mr != ram) {
            continue;
        }
        while (lo < hi) {
            uint64_t phys = fr->start + lo - fr->offset_in_region;
            uint64_t n = MIN(hi - lo, PAGE_SIZE - (phys & ~PAGE_MASK));
            tb_invalidate_cpu_page(env, phys & PAGE_MASK, phys & ~PAGE_MASK, (unsigned)n);
            lo += n;
        }
    }
}

/* Does any CPU have blocks on the page at this offset of ram? */
static bool ram_page_has_code(MemoryRegion *ram, uint64_t offset)
{
    for (guint i = 0; engine_cpus && i < engine_cpus->len; i++) {
        CPUX86State *env = engine_cpus->pdata[i];
        const AddressSpace *as = env->mem;
        for (unsigned j = 0; j < as->nr_flat; j++) {
            const FlatRange *fr = &as->flat[j];
            uint64_t rel = offset - fr->offset_in_region;
            if (fr->mr == ram && offset >= fr->offset_in_region &&
                rel < fr->end - fr->start && page_find(env->engine, fr->start + rel)) {
                return true;
            }
        }
    }
    return false;
}

void tb_invalidate_ram_range(MemoryRegion *ram, uint64_t offset, uint64_t len)
{
    for (guint i = 0; engine_cpus && i < engine_cpus->len; i++) {
        tb_invalidate_cpu_range(engine_cpus->pdata[i], ram, offset, len);
    }
    /* Pages that hold no translated code (any more) stop reporting writes. */
    for (uint64_t off = offset & PAGE_MASK; off < offset + len; off += PAGE_SIZE) {
        if (!ram_page_has_code(ram, off)) {
            ram->code_map[off >> PAGE_BITS] = 0;
        }
    }
}

/* --- lookup --- */

static uint64_t tb_current_pc(const CPUX86State *env)
{
    uint64_t pc = env->segs[R_CS].base + env->rip;

    return (env->hflags & HF_CS64) ? pc : (uint32_t)pc;
}

/* A block spanning two pages is valid only while its second page maps the same. */
static bool tb_second_page_ok(CPUX86State *env, TBEngine *e, TranslationBlock *tb)
{
    uint64_t lin2 = (tb->pc + tb->page_len[0]) & tb->ip_mask;
    TLBEntry *t;

    if (tb->phys[1] == ~0ull) {
        return true;
    }
    t = tlb_probe(env, lin2, ACCESS_EXEC, cpu_cpl(env));
    if (t && (t->phys & PAGE_MASK) == tb->phys[1]) {
        return true;
    }
    tb_invalidate(env, e, tb);
    return false;
}

/* Too many blocks (a guest that keeps generating code): start the cache afresh. */
static void tb_flush_all_blocks(CPUX86State *env, TBEngine *e)
{
    GList *pages;

    for (unsigned i = 0; i < (1u << e->hash_bits); i++) {
        while (e->hash[i]) {
            tb_invalidate(env, e, e->hash[i]);
        }
    }
    pages = g_hash_table_get_values(e->pages);
    for (GList *l = pages; l; l = l->next) {
        page_release(env, e, l->data);
    }
    g_list_free(pages);
    tb_flush_jump_cache(env);
}

static TranslationBlock *tb_lookup_or_translate(CPUX86State *env, TBEngine *e,
                                                uint64_t pc)
{
    uint64_t cs_base = env->segs[R_CS].base;
    uint64_t phys_pc = tb_code_phys(env, pc);
    TranslationBlock *tb = tb_hash_lookup(e, phys_pc, pc, cs_base, env->hflags);

    if (tb && tb_second_page_ok(env, e, tb)) {
        return tb;
    }
    if (e->nb_tbs >= e->max_tbs) {
        tb_flush_all_blocks(env, e);
    }
    tb = tb_translate(env, pc, cs_base, env->hflags);
    tb_hash_insert(e, tb);
    tb_link_pages(env, tb);
    return tb;
}

static bool tb_matches(const TranslationBlock *tb, const CPUX86State *env, uint64_t pc)
{
    return tb->pc == pc && tb->cs_base == env->segs[R_CS].base &&
           tb->hflags == env->hflags;
}

TranslationBlock *tb_find(CPUX86State *env)
{
    TBEngine *e = tb_engine_get(env);
    uint64_t pc = tb_current_pc(env);
    TranslationBlock **slot = &e->jmp_cache[jmp_cache_index(pc)];
    TranslationBlock *tb = *slot;

    if (likely(tb && tb_matches(tb, env, pc))) {
        return tb;
    }
    tb = tb_lookup_or_translate(env, e, pc);
    *slot = tb;
    return tb;
}

TranslationBlock *tb_find_next(CPUX86State *env, TranslationBlock *prev, unsigned slot)
{
    TBEngine *e = env->engine;
    TranslationBlock *tb = prev->chain[slot];

    if (likely(prev->chain_epoch == e->epoch && tb &&
               tb_matches(tb, env, tb_current_pc(env)))) {
        return tb;
    }
    tb = tb_find(env);
    /* tb_find may have dropped blocks (and so prev): link only if nothing moved. */
    if (!prev->invalid) {
        if (prev->chain_epoch != e->epoch) {
            memset(prev->chain, 0, sizeof(prev->chain));
            prev->chain_epoch = e->epoch;
        }
        prev->chain[slot] = tb;
    }
    return tb;
}

void tb_reap(CPUX86State *env)
{
    TBEngine *e = env->engine;

    if (e && e->graveyard->len) {
        g_ptr_array_set_size(e->graveyard, 0);
    }
}
