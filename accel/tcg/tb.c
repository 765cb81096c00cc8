/* The translation-block cache: lookup by (physical pc, CS base, mode), page lists, invalidation. */
#include "accel/tcg/tb.h"
#include "target/i386/access.h"
#include "hw/machine.h"

#define TB_HASH_BITS 16

/* CPUs with translated code, so a write found by the memory API reaches their caches. */
static GPtrArray *engine_cpus;

TBEngine *tb_engine_get(CPUX86State *env)
{
    TBEngine *e = env->engine;

    if (!e) {
        e = g_new0(TBEngine, 1);
        e->hash_bits = TB_HASH_BITS;
        e->hash = g_new0(TranslationBlock *, 1u << TB_HASH_BITS);
        e->pages = g_hash_table_new(g_int64_hash, g_int64_equal);
        e->graveyard = g_ptr_array_new_with_free_func(g_free);
        env->engine = e;
        if (!engine_cpus) {
            engine_cpus = g_ptr_array_new();
        }
        g_ptr_array_add(engine_cpus, env);
    }
    return e;
}

static unsigned tb_hash(const TBEngine *e, uint64_t phys_pc, uint32_t hflags)
{
    uint64_t h = (phys_pc ^ ((uint64_t)hflags << 40)) * 0x9e3779b97f4a7c15ull;

    return (unsigned)(h >> (64 - e->hash_bits));
}

static unsigned jmp_cache_index(uint64_t pc)
{
    return (unsigned)((pc ^ (pc >> TB_JMP_CACHE_BITS)) & (TB_JMP_CACHE_SIZE - 1));
}

void tb_flush_jump_cache(CPUX86State *env)
{
    if (env->engine) {
        memset(((TBEngine *)env->engine)->jmp_cache, 0,
               sizeof(((TBEngine *)env->engine)->jmp_cache));
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

static uint64_t tb_code_phys(CPUX86State *env, uint64_t pc)
{
    TLBEntry *t = &env->tlb[(pc >> PAGE_BITS) & (TLB_SIZE - 1)];

    if (t->tag_exec != (pc & PAGE_MASK)) {
        t = tlb_fill(env, pc, ACCESS_EXEC);
    }
    return t->phys | (pc & ~PAGE_MASK);
}

TranslationBlock *tb_find(CPUX86State *env)
{
    TBEngine *e = tb_engine_get(env);
    uint64_t cs_base = env->segs[R_CS].base;
    uint64_t pc = cs_base + env->rip;
    uint32_t hflags = env->hflags;
    TranslationBlock **slot, *tb;
    uint64_t phys_pc;

    if (!(hflags & HF_CS64)) {
        pc = (uint32_t)pc;
    }
    slot = &e->jmp_cache[jmp_cache_index(pc)];
    tb = *slot;
    if (likely(tb && tb->pc == pc && tb->cs_base == cs_base && tb->hflags == hflags)) {
        return tb;
    }
    phys_pc = tb_code_phys(env, pc);
    tb = tb_hash_lookup(e, phys_pc, pc, cs_base, hflags);
    if (!tb) {
        tb = tb_translate(env, pc, cs_base, hflags);
        tb_hash_insert(e, tb);
        tb_link_pages(env, tb);
    }
    *slot = tb;
    return tb;
}

static TranslationBlock **tb_page_head(TBEngine *e, uint64_t page, bool create)
{
    TranslationBlock **head = g_hash_table_lookup(e->pages, &page);
    uint64_t *key;

    if (!head && create) {
        key = g_new(uint64_t, 1);
        *key = page;
        head = g_new0(TranslationBlock *, 1);
        g_hash_table_insert(e->pages, key, head);
    }
    return head;
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

    for (int i = 0; i < 2; i++) {
        TranslationBlock **head;
        if (tb->phys[i] == ~0ull) {
            continue;
        }
        head = tb_page_head(e, tb->phys[i], true);
        tb->page_next[i] = *head;
        *head = tb;
        tb_mark_code_page(env, tb->phys[i]);
    }
}

static void tb_unlink_page(TBEngine *e, TranslationBlock *tb, int n)
{
    TranslationBlock **p = tb_page_head(e, tb->phys[n], false);

    while (p && *p) {
        int idx = (*p)->phys[0] == tb->phys[n] ? 0 : 1;
        if (*p == tb) {
            *p = tb->page_next[idx];
            return;
        }
        p = &(*p)->page_next[idx];
    }
}

static void tb_invalidate(CPUX86State *env, TBEngine *e, TranslationBlock *tb)
{
    tb->invalid = true;
    tb_hash_remove(e, tb);
    for (int i = 0; i < 2; i++) {
        if (tb->phys[i] != ~0ull) {
            tb_unlink_page(e, tb, i);
        }
    }
    /* The block may be running right now: free it only between blocks. */
    g_ptr_array_add(e->graveyard, tb);
}

static void tb_invalidate_page(CPUX86State *env, TBEngine *e, uint64_t page)
{
    TranslationBlock **head = tb_page_head(e, page, false);

    while (head && *head) {
        tb_invalidate(env, e, *head);
    }
    tb_flush_jump_cache(env);
    /* The current block may have been overwritten: stop after this instruction. */
    env->exit_request = true;
}

static void tb_invalidate_cpu_range(CPUX86State *env, MemoryRegion *ram,
                                    uint64_t offset, uint64_t len)
{
    const AddressSpace *as = env->mem;

    for (unsigned i = 0; i < as->nr_flat; i++) {
        const FlatRange *fr = &as->flat[i];
        uint64_t size = fr->end - fr->start;
        if (fr->mr != ram) {
            continue;
        }
        for (uint64_t off = offset & PAGE_MASK; off < offset + len; off += PAGE_SIZE) {
            if (off >= fr->offset_in_region && off - fr->offset_in_region < size) {
                tb_invalidate_page(env, env->engine,
                                   fr->start + off - fr->offset_in_region);
            }
        }
    }
}

void tb_invalidate_ram_range(MemoryRegion *ram, uint64_t offset, uint64_t len)
{
    for (guint i = 0; engine_cpus && i < engine_cpus->len; i++) {
        tb_invalidate_cpu_range(engine_cpus->pdata[i], ram, offset, len);
    }
    /* No code left on these pages until something is translated there again. */
    for (uint64_t off = offset & PAGE_MASK; off < offset + len; off += PAGE_SIZE) {
        ram->code_map[off >> PAGE_BITS] = 0;
    }
}

void tb_reap(CPUX86State *env)
{
    TBEngine *e = env->engine;

    if (e && e->graveyard->len) {
        g_ptr_array_set_size(e->graveyard, 0);
    }
}
