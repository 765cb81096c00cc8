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

/*
 * Copy up to 15 code bytes at linear pc. Only a block's first instruction may run
 * into the next page (fetching it may fault, which is then this instruction's
 * fault); later instructions stop at the page end and start the next block.
 */
static size_t fetch_code(CPUX86State *env, uint64_t pc, uint8_t *buf, bool first)
{
    size_t n = 0;

    while (n < 15) {
        uint64_t lin = pc + n;
        TLBEntry *t = &env->tlb[(lin >> PAGE_BITS) & (TLB_SIZE - 1)];
        size_t chunk;
        if (n > 0 && !first) {
            break;
        }
        if (t->tag_exec != (lin & PAGE_MASK)) {
            t = tlb_fill(env, lin, ACCESS_EXEC);
            if (t->tag_exec != (lin & PAGE_MASK)) {
                break; /* MMIO or unassigned: nothing to execute there */
            }
        }
        chunk = MIN(15 - n, PAGE_SIZE - (lin & ~PAGE_MASK));
        memcpy(buf + n, (const void *)(uintptr_t)(lin + t->addend), chunk);
        n += chunk;
    }
    return n;
}

static uint64_t code_phys(CPUX86State *env, uint64_t lin)
{
    TLBEntry *t = &env->tlb[(lin >> PAGE_BITS) & (TLB_SIZE - 1)];

    if (t->tag_exec != (lin & PAGE_MASK)) {
        t = tlb_fill(env, lin, ACCESS_EXEC);
    }
    return t->phys;
}

/* Bind d to its handler; returns the InsnDef flags (IF_EXIT for invalid ones). */
static unsigned bind_handler(Insn *d, int rc, bool mode64)
{
    const InsnDef *def;

    if (rc == DECODE_TOO_LONG) {
        d->fn = op_too_long;
        d->len = 15;
        return IF_EXIT;
    }
    def = rc == DECODE_OK ? insn_lookup(d, mode64) : NULL;
    if (!def || ((d->prefix & PFX_LOCK) && (!(def->flags & IF_LOCK) || d->mod == 3))) {
        d->fn = op_invalid;
        return IF_EXIT;
    }
    d->fn = def->fn;
    return def->flags;
}

static void log_insn(uint64_t pc, const uint8_t *bytes, const Insn *d, int mode)
{
    if (log_enabled(LOG_IN_ASM)) {
        disas_log_insn(log_file, pc, bytes, d->len, mode);
    }
}

TranslationBlock *tb_translate(CPUX86State *env, uint64_t pc, uint64_t cs_base,
                               uint32_t hflags)
{
    TranslationBlock *tb = g_malloc0(sizeof(*tb) + TB_MAX_INSNS * sizeof(Insn));
    int mode = decode_mode(hflags);
    uint64_t cur = pc;

    tb->pc = pc;
    tb->cs_base = cs_base;
    tb->hflags = hflags;
    tb->phys_pc = code_phys(env, pc);
    tb->phys[0] = tb->phys_pc & PAGE_MASK;
    tb->phys[1] = ~0ull;
    if (log_enabled(LOG_IN_ASM)) {
        log_printf("IN: %04x:%08" PRIx64 "\n", env->segs[R_CS].selector, env->rip);
    }
    while (tb->ninsns < TB_MAX_INSNS) {
        uint8_t bytes[16];
        size_t avail = fetch_code(env, cur, bytes, tb->ninsns == 0);
        Insn *d = &tb->insns[tb->ninsns];
        int rc;
        unsigned flags;

        if (avail == 0) {
            if (tb->ninsns > 0) {
                break;
            }
            log_guest_error("executing from non-RAM address 0x%" PRIx64, cur);
            g_free(tb);
            raise_exception(env, EXCP_GP);
        }
        rc = decode_insn(d, bytes, avail, mode);
        if (rc == DECODE_NEED_MORE) {
            if (tb->ninsns > 0) {
                break; /* let the next block fault on the missing page */
            }
            /* Truncated by a page that cannot be executed. */
            rc = DECODE_INVALID;
            d->len = (uint8_t)avail;
        }
        flags = bind_handler(d, rc, mode == DECODE_64);
        log_insn(cur, bytes, d, mode);
        if (((cur + d->len - 1) & PAGE_MASK) != (cur & PAGE_MASK) ||
            ((cur ^ pc) & PAGE_MASK)) {
            tb->phys[1] = code_phys(env, cur + d->len - 1) & PAGE_MASK;
            if (tb->phys[1] == tb->phys[0]) {
                tb->phys[1] = ~0ull;
            }
        }
        cur += d->len;
        tb->ninsns++;
        if ((flags & (IF_BRANCH | IF_EXIT)) || tb->phys[1] != ~0ull) {
            break;
        }
    }
    tb->size = (uint32_t)(cur - pc);
    tb = g_realloc(tb, sizeof(*tb) + MAX(tb->ninsns, 1u) * sizeof(Insn));
    return tb;
}
