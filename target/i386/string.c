/* String instructions MOVS..OUTS with REP/REPE/REPNE (SDM vol. 2, "REP/REPE/REPZ"). */
#include "target/i386/debug.h"
#include "target/i386/access.h"
#include "target/i386/flags.h"
#include "target/i386/insn.h"

/*
 * How REP executes, and why.
 *
 * A REP instruction can run for billions of iterations, yet the machine must stay
 * interruptible and replay must land interrupts on exactly the same iteration. So one
 * execution of a REP-prefixed instruction performs min(rCX, REP_CHUNK) iterations and,
 * if rCX is still non-zero afterwards (and a REPE/REPNE condition did not stop it),
 * sets next_rip = rip so the instruction executes again. Each execution, and so each
 * chunk, counts as one instruction for icount. The chunking depends only on guest
 * state (rCX and the flags), so record and replay see the same instruction stream,
 * and interrupts are taken between chunks with rip at the REP instruction, as on
 * hardware. rCX = 0 does nothing at all.
 *
 * Registers (rSI, rDI, rCX) are written after every iteration, so a fault in
 * iteration k leaves the state of the k completed iterations and restarts there
 * (SDM: "the registers ... reflect the iterations completed").
 *
 * The source is seg:rSI with DS by default (overridable); the destination is always
 * ES:rDI. rSI/rDI/rCX are used and written at the address size: a 32-bit address size
 * in 64-bit mode clears their upper halves, a 16-bit one touches only SI/DI/CX.
 *
 * F2 on MOVS/STOS/LODS/INS/OUTS repeats like F3, as hardware does.
 *
 * REP MOVS and REP STOS have a fast path: where a run of iterations stays inside one
 * RAM page for both operands, reachable without segment checks (the same conditions
 * as cpu_ld/cpu_st's inline path), it copies or fills through host pointers at once.
 * It changes nothing the guest can see: the chunk size is the same, a fault can only
 * happen on the plain path, and overlapping moves replicate element by element as
 * the hardware does. Build with -DSTRING_NO_FAST_PATH to run the plain path only.
 */
#define REP_CHUNK 1024

/* One iteration; returns false when a REPE/REPNE condition ends the repeat. */
typedef bool StringStep(CPUX86State *env, const Insn *d, unsigned size);
/* Up to max iterations at once; returns how many were done (0: take the plain path). */
typedef uint64_t StringFast(CPUX86State *env, const Insn *d, unsigned size, uint64_t max);

static bool has_rep(const Insn *d)
{
    return (d->prefix & (PFX_REP | PFX_REPNE)) != 0;
}

/* With both F2 and F3 the last one counts, which the decoder keeps in mandatory. */
static bool is_repe(const Insn *d)
{
    if (d->mandatory == MP_F2 || d->mandatory == MP_F3) {
        return d->mandatory == MP_F3;
    }
    return (d->prefix & PFX_REP) != 0;
}

static int source_seg(const Insn *d)
{
    return (d->prefix & PFX_SEG) ? d->seg : R_DS;
}

static uint64_t index_reg(const CPUX86State *env, const Insn *d, unsigned r)
{
    return env->regs[r] & addr_mask(d);
}

static bool backwards(const CPUX86State *env)
{
    return (env->eflags & DF_MASK) != 0;
}

/* Move an index register over n elements in the direction of DF. */
static void advance_n(CPUX86State *env, const Insn *d, unsigned r, unsigned size,
                      uint64_t n)
{
    uint64_t bytes = n * size;
    set_reg_addr(env, r, d, backwards(env) ? env->regs[r] - bytes : env->regs[r] + bytes);
}

static void advance(CPUX86State *env, const Insn *d, unsigned r, unsigned size)
{
    advance_n(env, d, r, size, 1);
}

static uint64_t load_source(CPUX86State *env, const Insn *d, unsigned size)
{
    return cpu_ld(env, source_seg(d), index_reg(env, d, R_ESI), size);
}

static uint64_t load_dest(CPUX86State *env, const Insn *d, unsigned size)
{
    return cpu_ld(env, R_ES, index_reg(env, d, R_EDI), size);
}

static void store_dest(CPUX86State *env, const Insn *d, unsigned size, uint64_t v)
{
    cpu_st(env, R_ES, index_reg(env, d, R_EDI), size, v);
}

/* Flags as CMP a, b; returns whether a REPE/REPNE may go on. */
static bool compare(CPUX86State *env, const Insn *d, unsigned size, uint64_t a,
                    uint64_t b)
{
    set_cc(env, CC_OP_SUB, size, (a - b) & size_mask(size), b);
    return (a == b) == is_repe(d);
}

static bool movs_step(CPUX86State *env, const Insn *d, unsigned size)
{
    store_dest(env, d, size, load_source(env, d, size));
    advance(env, d, R_ESI, size);
    advance(env, d, R_EDI, size);
    return true;
}

/* ES:rDI is read first: with both operands faulting, AMD Zen reports rDI's fault. */
static bool cmps_step(CPUX86State *env, const Insn *d, unsigned size)
{
    uint64_t b = load_dest(env, d, size);
    uint64_t a = load_source(env, d, size);

    advance(env, d, R_ESI, size);
    advance(env, d, R_EDI, size);
    return compare(env, d, size, a, b);
}

static bool stos_step(CPUX86State *env, const Insn *d, unsigned size)
{
    store_dest(env, d, size, env->regs[R_EAX]);
    advance(env, d, R_EDI, size);
    return true;
}

static bool lods_step(CPUX86State *env, const Insn *d, unsigned size)
{
    set_reg(env, R_EAX, size, true, load_source(env, d, size));
    advance(env, d, R_ESI, size);
    return true;
}

static bool scas_step(CPUX86State *env, const Insn *d, unsigned size)
{
    uint64_t b = load_dest(env, d, size);

    advance(env, d, R_EDI, size);
    return compare(env, d, size, env->regs[R_EAX] & size_mask(size), b);
}

/* INS reads the port before the store can fault; the port access is not undone. */
static bool ins_step(CPUX86State *env, const Insn *d, unsigned size)
{
    store_dest(env, d, size, cpu_in(env, (uint16_t)env->regs[R_EDX], size));
    advance(env, d, R_EDI, size);
    return true;
}

/* OUTS checks the port's permission before its source read can fault. */
static bool outs_step(CPUX86State *env, const Insn *d, unsigned size)
{
    uint16_t port = (uint16_t)env->regs[R_EDX];

    cpu_io_check(env, port, size);
    cpu_out(env, port, size, load_source(env, d, size));
    advance(env, d, R_ESI, size);
    return true;
}

/* --- the fast path --- */

/*
 * Host address of the element at seg:off if up to *n elements from there (in the
 * direction of DF) can be accessed like cpu_ld/cpu_st's inline path does: segment
 * needing no checks, offsets within its limit and not wrapping at the address size,
 * one RAM page present in the TLB. *n is cut to the elements that qualify; NULL when
 * not even the first does.
 */
static uint8_t *fast_span(CPUX86State *env, const Insn *d, int seg, uint64_t off,
                          unsigned size, bool write, uint64_t *n)
{
    uint64_t max_off = MIN(env->seg_max[seg], addr_mask(d));
    uint64_t lin = seg_linear(env, seg, off), in_page = lin & ~PAGE_MASK;
    const TLBEntry *e = &env->tlb[(lin >> PAGE_BITS) & (TLB_SIZE - 1)];
    uint64_t tag = write ? e->tag_write : e->tag_read;
    uint8_t ok = write ? env->seg_ok_write : env->seg_ok_read;
    uint64_t fit;

    if (!(ok & (1u << seg)) || tag != (lin & PAGE_MASK) || in_page + size > PAGE_SIZE ||
        off > max_off || max_off - off < size - 1) {
        return NULL;
    }
    if (backwards(env)) {
        fit = MIN(in_page, off) / size + 1;
    } else {
        fit = (MIN(PAGE_SIZE - 1 - in_page, max_off - off) + 1) / size;
    }
    *n = MIN(*n, fit);
    return (uint8_t *)(uintptr_t)(lin + e->addend);
}

/* The lowest host address touched by n elements starting at p. */
static uint8_t *span_low(const CPUX86State *env, uint8_t *p, unsigned size, uint64_t n)
{
    return backwards(env) ? p - (n - 1) * size : p;
}

static uint64_t movs_fast(CPUX86State *env, const Insn *d, unsigned size, uint64_t max)
{
    uint64_t n = max;
    uint8_t *src =
        fast_span(env, d, source_seg(d), index_reg(env, d, R_ESI), size, false, &n);
    uint8_t *dst =
        src ? fast_span(env, d, R_ES, index_reg(env, d, R_EDI), size, true, &n) : NULL;
    uint64_t bytes = n * size;

    if (!dst) {
        return 0;
    }
    uint8_t *src_lo = span_low(env, src, size, n), *dst_lo = span_low(env, dst, size, n);
    if (src_lo + bytes <= dst_lo || dst_lo + bytes <= src_lo) {
        memcpy(dst_lo, src_lo, bytes);
    } else {
        /* Overlap: element by element in architectural order, as the CPU does. */
        int64_t step = backwards(env) ? -(int64_t)size : (int64_t)size;
        for (uint64_t i = 0; i < n; i++) {
            st_le(dst + i * step, size, ld_le(src + i * step, size));
        }
    }
    advance_n(env, d, R_ESI, size, n);
    advance_n(env, d, R_EDI, size, n);
    return n;
}

static uint64_t stos_fast(CPUX86State *env, const Insn *d, unsigned size, uint64_t max)
{
    uint64_t n = max;
    uint8_t *dst = fast_span(env, d, R_ES, index_reg(env, d, R_EDI), size, true, &n);

    if (!dst) {
        return 0;
    }
    dst = span_low(env, dst, size, n);
    if (size == 1) {
        memset(dst, (uint8_t)env->regs[R_EAX], n);
    } else {
        for (uint64_t i = 0; i < n; i++) {
            st_le(dst + i * size, size, env->regs[R_EAX]);
        }
    }
    advance_n(env, d, R_EDI, size, n);
    return n;
}

/* --- driving one execution --- */

/* One chunk of a REP: at most REP_CHUNK iterations, then re-execute if rCX != 0. */
static void string_rep(CPUX86State *env, const Insn *d, unsigned size, StringStep *step,
                       StringFast *fast)
{
    uint64_t count = index_reg(env, d, R_ECX);
    uint64_t left = MIN(count, REP_CHUNK);

    while (left > 0) {
        uint64_t done = fast ? fast(env, d, size, left) : 0;
        bool go_on = true;
        if (done == 0) {
            go_on = step(env, d, size);
            done = 1;
        }
        count -= done;
        left -= done;
        set_reg_addr(env, R_ECX, d, count);
        if (!go_on) {
            return;
        }
        if (unlikely(env->debug_hits & DR6_BMASK)) {
            break; /* a data or I/O breakpoint traps after this iteration (SDM 17.3.1.2) */
        }
    }
    if (count != 0) {
        env->next_rip = env->rip;
    }
}

#ifdef STRING_NO_FAST_PATH
#define FAST(fn) NULL
#else
#define FAST(fn) fn
#endif

static void string_run(CPUX86State *env, const Insn *d, unsigned size, StringStep *step,
                       StringFast *fast)
{
    if (has_rep(d)) {
        string_rep(env, d, size, step, fast);
    } else {
        step(env, d, size);
    }
}

/* Byte forms are the even opcodes; I/O transfers are at most 32 bits wide. */
static unsigned string_size(const Insn *d)
{
    return (d->opcode & 1) ? d->opsize : 1;
}

static unsigned io_size(const Insn *d)
{
    return (d->opcode & 1) ? (d->opsize == 2 ? 2 : 4) : 1;
}

static void op_movs(CPUX86State *env, const Insn *d)
{
    string_run(env, d, string_size(d), movs_step, FAST(movs_fast));
}

static void op_cmps(CPUX86State *env, const Insn *d)
{
    string_run(env, d, string_size(d), cmps_step, NULL);
}

static void op_stos(CPUX86State *env, const Insn *d)
{
    string_run(env, d, string_size(d), stos_step, FAST(stos_fast));
}

static void op_lods(CPUX86State *env, const Insn *d)
{
    string_run(env, d, string_size(d), lods_step, NULL);
}

static void op_scas(CPUX86State *env, const Insn *d)
{
    string_run(env, d, string_size(d), scas_step, NULL);
}

static void op_ins(CPUX86State *env, const Insn *d)
{
    string_run(env, d, io_size(d), ins_step, NULL);
}

static void op_outs(CPUX86State *env, const Insn *d)
{
    string_run(env, d, io_size(d), outs_step, NULL);
}

/*
 * A REP form may re-execute itself, so it ends the block (IF_BRANCH); the decoder
 * puts the last F3/F2 in mandatory, so the rows can tell.
 */
/* clang-format off */
#define STR_ROW(op, pfx, flags, fn, name) {MAP_NONE, op, ANY, ANY, ANY, pfx, flags, fn, name}
/* clang-format on */
#define STR1(op, fn, name)                                                               \
    STR_ROW(op, MP_F3, IF_BRANCH, fn, name), STR_ROW(op, MP_F2, IF_BRANCH, fn, name),    \
        STR_ROW(op, ANY, 0, fn, name)
#define STR2(op, fn, name) STR1(op, fn, name), STR1((op) + 1, fn, name)

static const InsnDef string_insns[] = {
    STR2(0xa4, op_movs, "movs"), STR2(0xa6, op_cmps, "cmps"), STR2(0xaa, op_stos, "stos"),
    STR2(0xac, op_lods, "lods"), STR2(0xae, op_scas, "scas"), STR2(0x6c, op_ins, "ins"),
    STR2(0x6e, op_outs, "outs"),
};
INSN_TABLE(string_insns)
