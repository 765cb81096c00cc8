/*
 * Translation blocks: straight-line runs of decoded instructions, keyed by the
 * physical address of their first byte, the CS base and the mode (hflags), and
 * remembered per physical page, with the 64-byte chunks of the page they cover, so
 * that a write to those bytes (and only those) drops them.
 */
#ifndef ACCEL_TCG_TB_H
#define ACCEL_TCG_TB_H

#include "target/i386/cpu.h"
#include "target/i386/access.h"

#define TB_MAX_INSNS      64
#define TB_JMP_CACHE_BITS 12
#define TB_JMP_CACHE_SIZE (1 << TB_JMP_CACHE_BITS)
#define TB_CHUNK_BITS     6 /* self-modifying-code granule: 64 bytes */
/*
 * A block goes on past up to this many specialised conditional branches (side
 * exits): taken, one ends the block there (it sets env->block_end to NULL).
 */
#define TB_MAX_SIDE_EXITS 3
/* Chain slots: 0 the fall-through, 1 any other successor, 2.. one per side exit. */
#define TB_CHAIN_SLOTS (2 + TB_MAX_SIDE_EXITS)

typedef struct TranslationBlock TranslationBlock;

struct TranslationBlock {
    uint64_t pc; /* linear address of the first instruction */
    uint64_t cs_base;
    uint32_t hflags;
    uint32_t eflags_key; /* EFLAGS bits that change decoding (none yet) */
    uint64_t phys[2];    /* physical pages spanned; phys[1] == ~0 if one page */
    uint64_t phys_pc;    /* physical address of the first byte */
    uint64_t ip_mask;    /* rip wraps at the code segment's address size */
    uint64_t pc_mask;    /* linear addresses wrap at 4 GiB outside 64-bit mode */
    uint32_t ninsns;
    const Insn *end; /* insns + ninsns */
    uint32_t size;
    uint16_t page_off[2], page_len[2]; /* the bytes the block covers on phys[i] */
    bool invalid;
    bool ends_with_exit; /* the last instruction may change mode or interrupt state */
    TranslationBlock *hash_next;
    TranslationBlock *page_next[2]; /* other blocks on phys[0] / phys[1] */
    /*
     * The blocks that followed this one, per chain slot (TB_CHAIN_SLOTS; the slot of
     * an exit is its last instruction's exit_slot, or 0 for the fall-through), valid
     * while chain_epoch matches the engine's epoch.
     */
    TranslationBlock *chain[TB_CHAIN_SLOTS];
    uint64_t chain_epoch;
    Insn insns[];
};

/* The blocks on one physical page and the 64-byte chunks their bytes occupy. */
typedef struct PageDesc {
    uint64_t page;
    uint64_t code_chunks;
    TranslationBlock *tbs;
} PageDesc;

/* The engine's private state, hung off env->engine. */
typedef struct TBEngine {
    TranslationBlock **hash; /* buckets */
    unsigned hash_bits;
    GHashTable *pages;   /* physical page -> PageDesc */
    PageDesc *last_page; /* the most recent lookup, for runs of writes */
    TranslationBlock *jmp_cache[TB_JMP_CACHE_SIZE];
    GPtrArray *graveyard; /* invalidated blocks, freed between blocks */
    uint64_t nb_tbs;
    uint64_t max_tbs;          /* more than this: drop them all and start again */
    uint64_t epoch;            /* bumped whenever a block or a mapping goes away */
    bool registered;           /* in the list of CPUs that writes must reach */
    TranslationBlock *scratch; /* where a block is built before it is sized */
    MMUState mmu;
} TBEngine;

TBEngine *tb_engine_get(CPUX86State *env);
/* Forget env's engine: its blocks, pages and registration (before freeing env). */
void tb_engine_free(CPUX86State *env);
/* The block for the current CS:rip, translating it if needed (may fault). */
TranslationBlock *tb_find(CPUX86State *env);
/* The same, trying first the block that followed prev last time through chain slot. */
TranslationBlock *tb_find_next(CPUX86State *env, TranslationBlock *prev, unsigned slot);
/* Free blocks invalidated while they might still have been running. */
void tb_reap(CPUX86State *env);
/* Build a block (translate.c); the result is a fresh allocation. */
TranslationBlock *tb_translate(CPUX86State *env, uint64_t pc, uint64_t cs_base,
                               uint32_t hflags);
void tb_link_pages(CPUX86State *env, TranslationBlock *tb);
/* Drop the blocks whose bytes overlap [phys, phys + len) (one page at most). */
void tb_invalidate_phys_range(CPUX86State *env, uint64_t phys, uint64_t len);

#endif
