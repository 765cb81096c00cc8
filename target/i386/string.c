/* String instructions: MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS with REP/REPE/REPNE
 * (Intel SDM vol. 2 "REP/REPE/REPZ/REPNE/REPNZ", AMD APM vol. 3). */
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
 */
#define REP_CHUNK 1024

/* One iteration; returns false when a REPE/REPNE condition ends the repeat. */
typedef bool StringStep(CPUX86State *env, const Insn *d, unsigned size);

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

static void advance(CPUX86State *env, const Insn *d, unsigned r, unsigned size)
{
    int64_t step = (env->eflags & DF_MASK) ? -(int64_t)size : (int64_t)size;
    set_reg_addr(env, r, d, env->regs[r] + step);
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

static bool cmps_step(CPUX86State *env, const Insn *d, unsigned size)
{
    uint64_t a = load_source(env, d, size);
    uint64_t b = load_dest(env, d, size);

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

static bool outs_step(CPUX86State *env, const Insn *d, unsigned size)
{
    cpu_out(env, (uint16_t)env->regs[R_EDX], size, load_source(env, d, size));
    advance(env, d, R_ESI, size);
    return true;
}

static void string_run(CPUX86State *env, const Insn *d, unsigned size, StringStep *step)
{
    uint64_t count;
    unsigned n;

    if (!has_rep(d)) {
        step(env, d, size);
        return;
    }
    count = index_reg(env, d, R_ECX);
    n = count < REP_CHUNK ? count : REP_CHUNK;
    for (unsigned i = 0; i < n; i++) {
        bool go_on = step(env, d, size);
        set_reg_addr(env, R_ECX, d, --count);
        if (!go_on) {
            return;
        }
    }
    if (count != 0) {
        env->next_rip = env->rip;
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
    string_run(env, d, string_size(d), movs_step);
}

static void op_cmps(CPUX86State *env, const Insn *d)
{
    string_run(env, d, string_size(d), cmps_step);
}

static void op_stos(CPUX86State *env, const Insn *d)
{
    string_run(env, d, string_size(d), stos_step);
}

static void op_lods(CPUX86State *env, const Insn *d)
{
    string_run(env, d, string_size(d), lods_step);
}

static void op_scas(CPUX86State *env, const Insn *d)
{
    string_run(env, d, string_size(d), scas_step);
}

static void op_ins(CPUX86State *env, const Insn *d)
{
    string_run(env, d, io_size(d), ins_step);
}

static void op_outs(CPUX86State *env, const Insn *d)
{
    string_run(env, d, io_size(d), outs_step);
}

/* Every row may repeat itself, so all are branches. */
#define STR2(op, fn, name) {MAP_NONE, op, ANY, ANY, ANY, ANY, IF_BRANCH, fn, name}, \
    {MAP_NONE, op + 1, ANY, ANY, ANY, ANY, IF_BRANCH, fn, name}

static const InsnDef string_insns[] = {
    STR2(0xa4, op_movs, "movs"),
    STR2(0xa6, op_cmps, "cmps"),
    STR2(0xaa, op_stos, "stos"),
    STR2(0xac, op_lods, "lods"),
    STR2(0xae, op_scas, "scas"),
    STR2(0x6c, op_ins, "ins"),
    STR2(0x6e, op_outs, "outs"),
};
INSN_TABLE(string_insns)
