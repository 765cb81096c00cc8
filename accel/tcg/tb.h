/*
 * Translation blocks: straight-line runs of decoded instructions, keyed by the
 * physical address of their first byte, the CS base and the mode (hflags), and
 * remembered per physical page so that a write to the page drops them.
 */
#ifndef ACCEL_TCG_TB_H
#define ACCEL_TCG_TB_H

#include "target/i386/cpu.h"

#define TB_MAX_INSNS 64
#define TB_JMP_CACHE_BITS 12
#define TB_JMP_CACHE_SIZE (1 << TB_JMP_CACHE_BITS)

typedef struct TranslationBlock TranslationBlock;

struct TranslationBlock {
    uint64_t pc;      /* linear address of the first instruction */
    uint64_t cs_base;
    uint32_t hflags;
    uint32_t eflags_key; /* the EFLAGS bits that change decoding or semantics (none yet) */
    uint64_t phys[2]; /* physical pages spanned; phys[1] == ~0 if one page */
    uint64_t phys_pc; /* physical address of the first byte */
    uint32_t ninsns;
    uint32_t size;
    bool invalid;
    TranslationBlock *hash_next;
    TranslationBlock *page_next[2]; /* other blocks on phys[0] / phys[1] */
    Insn insns[];
};

/* The engine's private state, hung off env->engine. */
typedef struct TBEngine {
    TranslationBlock **hash;   /* buckets */
    unsigned hash_bits;
    GHashTable *pages;         /* physical page -> TranslationBlock * (list head) */
    TranslationBlock *jmp_cache[TB_JMP_CACHE_SIZE];
    GPtrArray *graveyard;      /* invalidated blocks, freed between blocks */
    uint64_t nb_tbs;
} TBEngine;

TBEngine *tb_engine_get(CPUX86State *env);
/* The block for the current CS:rip, translating it if needed (may fault). */
TranslationBlock *tb_find(CPUX86State *env);
/* Free blocks invalidated while they might still have been running. */
void tb_reap(CPUX86State *env);
/* Build a block (translate.c). */
TranslationBlock *tb_translate(CPUX86State *env, uint64_t pc, uint64_t cs_base,
                               uint32_t hflags);
void tb_link_pages(CPUX86State *env, TranslationBlock *tb);

#endif
