/*
 * Translation: decode a run of instructions at CS:rip into a block and bind each to
 * its handler from the target/i386 instruction tables.
 */
#include "accel/tcg/tb.h"
#include "target/i386/access.h"
#include "target/i386/insn.h"
#include "target/i386/disas.h"
#include "util/log.h"

/* --- the instruction tables --- */

static InsnTable *insn_tables;
/* Per (map, opcode): the matching rows, gathered once from every table. */
static GPtrArray *insn_index[4][256];

void insn_table_register(InsnTable *t)
{
    t->next = insn_tables;
    insn_tables = t;
}

static void insn_index_build(void)
{
    for (InsnTable *t = insn_tables; t; t = t->next) {
        for (size_t i = 0; i < t->count; i++) {
            const InsnDef *def = &t->defs[i];
            GPtrArray **slot = &insn_index[def->map & 3][def->opcode];
            if (!*slot) {
                *slot = g_ptr_array_new();
            }
            g_ptr_array_add(*slot, (gpointer)def);
        }
    }
}

static bool insn_def_matches(const InsnDef *def, const Insn *d, bool mode64)
{
    unsigned reg = (d->modrm >> 3) & 7, rm = d->modrm & 7;

    if (def->reg != ANY && (!d->has_modrm || def->reg != (int)reg)) {
        return false;
    }
    if (def->mod == MOD_MEM ? d->mod == 3 : def->mod == MOD_REG ? d->mod != 3 : false) {
        return false;
    }
    if (def->rm != ANY && def->rm != (int)rm) {
        return false;
    }
    if (def->prefix != ANY && def->prefix != d->mandatory) {
        return false;
    }
    if ((def->flags & IF_NO64) && mode64) {
        return false;
    }
    return !((def->flags & IF_ONLY64) && !mode64);
}

const InsnDef *insn_lookup(const Insn *d, bool mode64)
{
    static bool built;
    GPtrArray *rows;

    if (!built) {
        insn_index_build();
        built = true;
    }
    if (d->prefix & PFX_VEX) {
        return NULL; /* no VEX-encoded instruction is implemented */
    }
    rows = insn_index[d->map & 3][d->opcode];
    for (guint i = 0; rows && i < rows->len; i++) {
        const InsnDef *def = rows->pdata[i];
        if (insn_def_matches(def, d, mode64)) {
            return def;
        }
    }
    return NULL;
}

/* --- specialisers --- */

static InsnSpecializerEntry *insn_specializers;

void insn_specializer_register(InsnSpecializerEntry *e)
{
    e->next = insn_specializers;
    insn_specializers = e;
}

InsnHandler *insn_specialize(Insn *d, uint32_t hflags)
{
#ifndef INSN_NO_SPECIALIZE
    if (d->prefix & PFX_VEX) {
        return d->fn;
    }
    for (InsnSpecializerEntry *e = insn_specializers; e; e = e->next) {
        InsnHandler *fn = e->fn(d, hflags);
        if (fn) {
            return fn;
        }
    }
#endif
    return d->fn;
}

/* --- pseudo-handlers for what cannot run --- */

static void op_invalid(CPUX86State *env, const Insn *d)
{
    log_mask_printf(LOG_UNIMP | LOG_GUEST_ERROR,
                    "invalid opcode at %04x:%08" PRIx64 " (map %u, opcode 0x%02x)\n",
                    env->segs[R_CS].selector, env->rip, d->map, d->opcode);
    raise_exception(env, EXCP_UD);
}

static void op_too_long(CPUX86State *env, const Insn *d)
{
    raise_exception_err(env, EXCP_GP, 0);
}

/* --- building a block --- */

static int decode_mode(uint32_t hflags)
{
    return (hflags & HF_CS64) ? DECODE_64 : (hflags & HF_CS32) ? DECODE_32 : DECODE_16;
}

static uint64_t ip_mask_of(uint32_t hflags)
{
    return (hflags & HF_CS64) ? ~0ull : (hflags & HF_CS32) ? 0xffffffffull : 0xffffull;
}

/* Host pointer to the executable RAM page holding lin (may fault), or NULL. */
static const uint8_t *code_page(CPUX86State *env, uint64_t lin, uint64_t *phys)
{
    TLBEntry *t = tlb_entry(env, lin);

    if ((t->tag_exec & ~TLB_FLAGS) != tlb_tag(env, lin)) {
        t = tlb_fill(env, lin, ACCESS_EXEC);
    }
    *phys = t->phys & PAGE_MASK;
    if (t->tag_exec & TLB_MMIO) {
        return NULL; /* MMIO or unassigned: nothing to execute there */
    }
    return (const uint8_t *)(uintptr_t)((lin & PAGE_MASK) + t->addend);
}

/*
 * Where a block's bytes come from: the first page, resolved once, and for the first
 * instruction only, the page after it. Later instructions never touch another page,
 * so translation cannot fault on them: the block ends instead, and the next block
 * starts with that instruction, whose fetch fault is then its own.
 */
typedef struct CodeSource {
    uint64_t pc;         /* the block's first byte */
    const uint8_t *page; /* host address of pc's page */
    uint64_t phys[2];
} CodeSource;

/* Copy the code bytes at pc + off that lie on the first page (at most 15). */
static size_t fetch_code(const CodeSource *src, uint64_t off, uint8_t *buf)
{
    uint64_t in_page = (src->pc & ~PAGE_MASK) + off;
    size_t n = MIN(15, PAGE_SIZE - MIN(in_page, PAGE_SIZE));

    memcpy(buf, src->page + in_page, n);
    return n;
}

/*
 * The first instruction runs past its page: fetch the rest from the next one (the
 * fetch may fault, as the instruction's own fault). Returns the bytes now in buf.
 */
static size_t fetch_next_page(CPUX86State *env, CodeSource *src, uint8_t *buf, size_t n)
{
    const uint8_t *next = code_page(env, src->pc + n, &src->phys[1]);

    if (!next) {
        src->phys[1] = ~0ull;
        return n;
    }
    memcpy(buf + n, next, 15 - n);
    return 15;
}

/*
 * A generic handler, run with env->rip, env->next_rip and icount stored as it
 * expects; a specialised one runs without (cpu.h).
 */
void insn_run_generic(CPUX86State *env, const Insn *d)
{
    env->cur_insn = NULL; /* rip is stored: nothing to sync from */
    icount.count = cpu_insn_icount(env, d);
    env->rip = d->rip;
    env->next_rip = d->next_rip;
    d->generic(env, d);
}

void insn_generic(CPUX86State *env, const Insn *d)
{
    insn_run_generic(env, d);
    insn_next(env, d);
}

static void bind_generic(Insn *d, InsnHandler *fn)
{
    d->fn = insn_generic;
    d->generic = fn;
    d->sets_next_rip = true;
}

/* Bind d to its handler; returns the InsnDef flags (IF_EXIT for invalid ones). */
static unsigned bind_handler(Insn *d, int rc, uint32_t hflags)
{
    bool mode64 = (hflags & HF_CS64) != 0;
    const InsnDef *def;

    if (rc == DECODE_TOO_LONG) {
        bind_generic(d, op_too_long);
        d->len = 15;
        return IF_EXIT;
    }
    def = rc == DECODE_OK ? insn_lookup(d, mode64) : NULL;
    if (!def || ((d->prefix & PFX_LOCK) && (!(def->flags & IF_LOCK) || d->mod == 3))) {
        bind_generic(d, op_invalid);
        return IF_EXIT;
    }
    d->fn = d->generic = def->fn;
    d->fn = insn_specialize(d, hflags);
    if (d->fn == def->fn) {
        bind_generic(d, def->fn);
    } else {
        d->sets_next_rip = (def->flags & IF_BRANCH) != 0;
    }
    return def->flags;
}

/*
 * Handlers that depend on the next instruction of the block, d: a compare and the
 * specialised Jcc after it run as one (insn_fuse_compare); an IMUL before an
 * instruction that kills the flags makes no flag record (insn_without_flags).
 */
static void fuse_with_previous(Insn *prev, const Insn *d, unsigned flags)
{
#ifndef INSN_NO_SPECIALIZE
    InsnHandler *fn = NULL;

    if ((flags & IF_SIDE_EXIT) && insn_is_specialised(d)) {
        fn = insn_fuse_compare(prev, d);
    } else if (insn_kills_flags(d)) {
        fn = insn_without_flags(prev);
    }
    if (fn) {
        prev->fn = fn;
    }
#endif
}

static void log_insn(uint64_t pc, const uint8_t *bytes, const Insn *d, int mode)
{
    if (log_enabled(LOG_IN_ASM)) {
        disas_log_insn(log_file, pc, bytes, d->len, mode);
    }
}

/* Decode the instruction at pc + off into d; false when the block must end before it. */
static bool translate_one(CPUX86State *env, CodeSource *src, uint64_t off, Insn *d,
                          unsigned *flags, const TranslationBlock *tb)
{
    int mode = decode_mode(tb->hflags);
    uint64_t ip_mask = tb->ip_mask;
    uint8_t bytes[16];
    size_t avail = fetch_code(src, off, bytes);
    int rc;

    if (avail == 0) {
        return false; /* the previous instruction ended the page */
    }
    rc = decode_insn(d, bytes, avail, mode);
    if (rc == DECODE_NEED_MORE && off > 0) {
        return false; /* it crosses into the next page: it starts the next block */
    }
    if (rc == DECODE_NEED_MORE) {
        size_t more = fetch_next_page(env, src, bytes, avail);
        rc = more > avail ? decode_insn(d, bytes, more, mode) : DECODE_NEED_MORE;
        avail = more;
    }
    if (rc == DECODE_NEED_MORE) {
        rc = DECODE_INVALID; /* truncated by a page that cannot be executed */
        d->len = (uint8_t)avail;
    }
    d->rip = (env->rip + off) & ip_mask;
    d->next_rip = (d->rip + d->len) & ip_mask;
    *flags = bind_handler(d, rc, tb->hflags);
    d->next_rip = (d->rip + d->len) & ip_mask; /* #GP for length: len became 15 */
    log_insn(src->pc + off, bytes, d, mode);
    return true;
}

/* The bytes the block covers on each of its pages, for self-modifying-code checks. */
static void tb_set_page_ranges(TranslationBlock *tb)
{
    unsigned off0 = tb->phys_pc & ~PAGE_MASK;
    unsigned len0 = (unsigned)MIN(tb->size, PAGE_SIZE - off0);

    tb->page_off[0] = (uint16_t)off0;
    tb->page_len[0] = (uint16_t)len0;
    tb->page_off[1] = 0;
    tb->page_len[1] = (uint16_t)(tb->size - len0);
    if (tb->page_len[1] == 0) {
        tb->phys[1] = ~0ull;
    }
}

static void tb_init(TranslationBlock *tb, CodeSource *src, uint64_t cs_base,
                    uint32_t hflags)
{
    memset(tb, 0, sizeof(*tb));
    tb->pc = src->pc;
    tb->cs_base = cs_base;
    tb->hflags = hflags;
    tb->ip_mask = ip_mask_of(hflags);
    tb->pc_mask = (hflags & HF_CS64) ? ~0ull : 0xffffffffull;
    tb->phys_pc = src->phys[0] | (src->pc & ~PAGE_MASK);
    tb->phys[0] = src->phys[0];
}

TranslationBlock *tb_translate(CPUX86State *env, uint64_t pc, uint64_t cs_base,
                               uint32_t hflags)
{
    TranslationBlock *tb = tb_engine_get(env)->scratch;
    CodeSource src = {.pc = pc, .phys = {0, ~0ull}};
    uint64_t off = 0;
    unsigned flags = 0, side_exits = 0;

    src.page = code_page(env, pc, &src.phys[0]);
    if (!src.page) {
        log_guest_error("executing from non-RAM address 0x%" PRIx64, pc);
        raise_exception(env, EXCP_GP);
    }
    tb_init(tb, &src, cs_base, hflags);
    if (log_enabled(LOG_IN_ASM)) {
        log_printf("IN: %04x:%08" PRIx64 "\n", env->segs[R_CS].selector, env->rip);
    }
    while (tb->ninsns < TB_MAX_INSNS &&
           translate_one(env, &src, off, &tb->insns[tb->ninsns], &flags, tb)) {
        Insn *d = &tb->insns[tb->ninsns++];
        d->idx = (uint8_t)(tb->ninsns - 1);
        off += d->len;
        if ((src.pc & ~PAGE_MASK) + off >= PAGE_SIZE) {
            break;
        }
        if (tb->ninsns >= 2) {
            fuse_with_previous(d - 1, d, flags);
        }
        if (flags & (IF_BRANCH | IF_EXIT)) {
            if (!(flags & IF_SIDE_EXIT) || (flags & IF_EXIT) || d->fn == insn_generic ||
                d->pre == d->next_rip || side_exits == TB_MAX_SIDE_EXITS) {
                break;
            }
            d->exit_slot = 2 + side_exits++;
        }
    }
    tb->insns[tb->ninsns - 1].exit_slot = 1;
    tb->ends_with_exit = (flags & IF_EXIT) != 0;
    tb->size = (uint32_t)off;
    tb->phys[1] = src.phys[1];
    tb_set_page_ranges(tb);
    tb = memcpy(g_malloc(sizeof(*tb) + tb->ninsns * sizeof(Insn)), tb,
                sizeof(*tb) + tb->ninsns * sizeof(Insn));
    tb->end = tb->insns + tb->ninsns;
    return tb;
}
