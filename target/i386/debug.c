/*
 * Debug registers and debug exceptions: DR0-DR7 and MOV DRn, instruction and data
 * breakpoints, single-step and general detect (Intel SDM vol. 3 chapter 17, vol. 2
 * MOV-Move to/from Debug Registers; AMD APM vol. 2 chapter 13). How the exec loop
 * and the MMU call in is described in debug.h.
 *
 * Instruction breakpoints are faults, checked before the instruction runs unless
 * EFLAGS.RF says the instruction was already reported. Data breakpoints and
 * single-step are traps, reported together after the instruction completed; a
 * faulting instruction reports neither (its hits are forgotten before the next one).
 * I/O breakpoints (R/W = 10 with CR4.DE set) are traps too: port I/O (io.c) reports
 * the ports it touched; with CR4.DE clear R/W = 10 is undefined and watches nothing.
 *
 * MOV SS and POP SS hold their traps off until the next instruction has completed
 * (SDM vol. 3 6.8.3), so that the ESP load that follows runs before any handler: the
 * traps are kept in the top half of env->debug_hits (saved with the CPU) and reported
 * with the next instruction's. If that instruction is INT n (or another that enters a
 * handler), they are reported at the handler's first instruction boundary, as on
 * hardware. Only the first of several SS loads in a row holds its traps off.
 */
#include "target/i386/debug.h"
#include "system/icount.h"
#include "target/i386/access.h"
#include "target/i386/insn.h"
#include "util/log.h"

#define HITS_MASK  ((1u << DEBUG_HITS_HELD_SHIFT) - 1)
#define HELD_SHIFT DEBUG_HITS_HELD_SHIFT

/* Data breakpoint hits of the instruction being executed. */
static uint32_t *pending_hits(CPUX86State *env)
{
    return &env->debug_hits;
}

/*
 * The instruction that just completed (icount already advanced) loaded SS: it opened
 * an interrupt shadow over the next instruction, as STI does, but left IF alone.
 */
static bool insn_loaded_ss(const CPUX86State *env, uint32_t eflags_before)
{
    return env->irq_inhibit_until == icount.count + 1 &&
           !((env->eflags ^ eflags_before) & IF_MASK);
}

/* Traps held off by an SS load whose next instruction has since retired, or 0. */
static uint32_t held_traps_due(CPUX86State *env)
{
    uint32_t held = env->debug_hits >> HELD_SHIFT;

    if (!held || icount.count < env->irq_inhibit_until) {
        return 0;
    }
    env->debug_hits &= HITS_MASK;
    return held;
}

/* Put status (DR6 bits) in DR6 for the #DB handler; B0-B3 replace earlier ones. */
static void debug_report(CPUX86State *env, uint32_t status)
{
    if (status & DR6_BMASK) {
        env->dr[6] &= ~(uint64_t)DR6_BMASK;
    }
    env->dr[6] |= status;
    env->dr[7] &= ~(uint64_t)DR7_GD; /* the handler may use the debug registers */
}

/* --- DR7 fields of breakpoint n --- */

static bool bp_enabled(const CPUX86State *env, int n)
{
    return (env->dr[7] >> (2 * n)) & 3;
}

static unsigned bp_rw(const CPUX86State *env, int n)
{
    return (env->dr[7] >> (DR7_RW_SHIFT + 4 * n)) & 3;
}

/* LEN: 00 one byte, 01 two, 11 four, 10 eight (long-mode capable processors). */
static unsigned bp_len(const CPUX86State *env, int n)
{
    static const uint8_t lengths[4] = {1, 2, 8, 4};
    return lengths[(env->dr[7] >> (DR7_RW_SHIFT + 2 + 4 * n)) & 3];
}

/* The breakpoint covers its length, aligned down (SDM 17.2.5). */
static uint64_t bp_start(const CPUX86State *env, int n)
{
    return env->dr[n] & ~(uint64_t)(bp_len(env, n) - 1);
}

static bool bp_watches_data(const CPUX86State *env, int n)
{
    unsigned rw = bp_rw(env, n);
    return bp_enabled(env, n) && (rw == DR_RW_WRITE || rw == DR_RW_ACCESS);
}

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return a < b + blen && b < a + alen;
}

/* DRn holds a port address; LEN and its alignment work as for data (SDM 17.2.5). */
static bool bp_watches_io(const CPUX86State *env, int n)
{
    return bp_enabled(env, n) && bp_rw(env, n) == DR_RW_IO && (env->cr[4] & CR4_DE);
}

/* --- the exec loop's side --- */

static uint32_t insn_breakpoints_at_pc(CPUX86State *env)
{
    uint64_t pc = seg_linear(env, R_CS, env->rip);
    uint32_t hits = 0;

    for (int n = 0; n < 4; n++) {
        if (bp_enabled(env, n) && bp_rw(env, n) == DR_RW_EXEC && bp_start(env, n) == pc) {
            hits |= DR6_B0 << n;
        }
    }
    return hits;
}

bool debug_insn_breakpoint_hit(CPUX86State *env)
{
    uint32_t status = held_traps_due(env);

    *pending_hits(env) &= ~HITS_MASK; /* a faulted instruction's hits */
    if (!(env->eflags & RF_MASK)) {
        status |= insn_breakpoints_at_pc(env);
    }
    if (!status) {
        return false;
    }
    debug_report(env, status);
    return true;
}

void debug_after_insn(CPUX86State *env, uint32_t eflags_before)
{
    uint32_t held = *pending_hits(env) >> HELD_SHIFT;
    uint32_t status = (*pending_hits(env) & HITS_MASK) | held;

    *pending_hits(env) = 0;
    if (eflags_before & RF_MASK) {
        env->eflags &= ~RF_MASK; /* the instruction RF protected has completed */
    }
    if (eflags_before & TF_MASK) {
        status |= DR6_BS;
    }
    if (!status) {
        return;
    }
    if (!held && insn_loaded_ss(env, eflags_before)) {
        *pending_hits(env) = status << HELD_SHIFT;
        return;
    }
    debug_report(env, status);
    raise_exception(env, EXCP_DB);
}

/* --- the MMU's side --- */

/* --- debugger watchpoints (not guest state: DR6 never sees them) --- */

static bool dbg_page_watched(const CPUX86State *env, uint64_t page)
{
    for (unsigned i = 0; i < env->dbg_nwatches; i++) {
        const struct DbgWatch *w = &env->dbg_watches[i];
        if (ranges_overlap(w->addr, w->len, page & PAGE_MASK, PAGE_SIZE)) {
            return true;
        }
    }
    return false;
}

static void dbg_check_data_access(CPUX86State *env, uint64_t lin, unsigned size,
                                  bool write)
{
    if (env->dbg_watch_hit) {
        return; /* the instruction's first hit is the one reported */
    }
    for (unsigned i = 0; i < env->dbg_nwatches; i++) {
        const struct DbgWatch *w = &env->dbg_watches[i];
        if ((!write || w->writes) && ranges_overlap(w->addr, w->len, lin, size)) {
            env->dbg_watch_hit = true;
            env->dbg_watch_addr = w->addr;
            return;
        }
    }
}

bool debug_data_armed(const CPUX86State *env)
{
    if (env->dbg_nwatches) {
        return true;
    }
    for (int n = 0; n < 4; n++) {
        if (bp_watches_data(env, n)) {
            return true;
        }
    }
    return false;
}

bool debug_page_watched(const CPUX86State *env, uint64_t page)
{
    if (env->dbg_nwatches && dbg_page_watched(env, page)) {
        return true;
    }
    for (int n = 0; n < 4; n++) {
        if (bp_watches_data(env, n) && ranges_overlap(bp_start(env, n), bp_len(env, n),
                                                      page & PAGE_MASK, PAGE_SIZE)) {
            return true;
        }
    }
    return false;
}

void debug_check_data_access(CPUX86State *env, uint64_t lin, unsigned size, bool write)
{
    if (env->dbg_nwatches) {
        dbg_check_data_access(env, lin, size, write);
    }
    for (int n = 0; n < 4; n++) {
        if (bp_watches_data(env, n) && (write || bp_rw(env, n) == DR_RW_ACCESS) &&
            ranges_overlap(bp_start(env, n), bp_len(env, n), lin, size)) {
            *pending_hits(env) |= DR6_B0 << n;
        }
    }
}

/* --- port I/O's side --- */

void debug_check_io(CPUX86State *env, uint16_t port, unsigned size)
{
    for (int n = 0; n < 4; n++) {
        if (bp_watches_io(env, n) &&
            ranges_overlap(bp_start(env, n), bp_len(env, n), port, size)) {
            *pending_hits(env) |= DR6_B0 << n;
        }
    }
}

/* --- MOV DRn --- */

/* DR4/DR5 alias DR6/DR7 unless CR4.DE; DR8-15 do not exist. */
static unsigned dr_index(CPUX86State *env, unsigned n)
{
    if (n == 4 || n == 5) {
        if (env->cr[4] & CR4_DE) {
            raise_exception(env, EXCP_UD);
        }
        return n + 2;
    }
    if (n > 7) {
        raise_exception(env, EXCP_UD);
    }
    return n;
}

/* DR7.GD: any debug-register access is a #DB fault with DR6.BD (SDM 17.2.4). */
static void check_general_detect(CPUX86State *env)
{
    if (env->dr[7] & DR7_GD) {
        env->dr[6] |= DR6_BD;
        env->dr[7] &= ~(uint64_t)DR7_GD;
        raise_exception(env, EXCP_DB);
    }
}

uint64_t debug_read_dr(CPUX86State *env, unsigned n)
{
    unsigned dr = dr_index(env, n);

    check_general_detect(env);
    return env->dr[dr];
}

static uint64_t dr7_value(uint64_t v)
{
    return (v & ~(uint64_t)DR7_ZERO) | DR7_FIXED;
}

void debug_write_dr(CPUX86State *env, unsigned n, uint64_t v)
{
    unsigned dr = dr_index(env, n);

    if (dr >= 6 && (v >> 32)) {
        raise_exception_err(env, EXCP_GP, 0);
    }
    check_general_detect(env);
    if (dr == 6) {
        env->dr[6] = (v & DR6_WRITABLE) | DR6_FIXED;
        return;
    }
    env->dr[dr] = dr == 7 ? dr7_value(v) : v;
    /* Pages now watched, or no longer, change their TLB entries, global ones too. */
    tlb_flush_all(env);
}

/* The register operand is always ModRM.rm, whatever mod says; 64 bits in 64-bit mode. */
static unsigned dr_operand_size(const CPUX86State *env)
{
    return cpu_is_64bit(env) ? 8 : 4;
}

static void require_cpl0(CPUX86State *env)
{
    if (cpu_cpl(env) != 0) {
        raise_exception_err(env, EXCP_GP, 0);
    }
}

static void op_mov_Rd_Dd(CPUX86State *env, const Insn *d)
{
    uint64_t v;

    require_cpl0(env);
    v = debug_read_dr(env, d->reg);
    set_reg(env, d->rm, dr_operand_size(env), true, v);
}

static void op_mov_Dd_Rd(CPUX86State *env, const Insn *d)
{
    require_cpl0(env);
    debug_write_dr(env, d->reg, get_reg(env, d->rm, dr_operand_size(env), true));
}

static const InsnDef debug_insns[] = {
    {MAP_0F, 0x21, ANY, ANY, ANY, ANY, 0, op_mov_Rd_Dd, "mov"},
    {MAP_0F, 0x23, ANY, ANY, ANY, ANY, IF_EXIT, op_mov_Dd_Rd, "mov"},
};
INSN_TABLE(debug_insns)

bool debug_debugger_breakpoint_hit(CPUX86State *env)
{
    uint64_t pc = env->segs[R_CS].base + env->rip;

    if (!(env->hflags & HF_CS64)) {
        pc = (uint32_t)pc;
    }
    if (icount.count == env->dbg_resume_icount) {
        return false;
    }
    for (unsigned i = 0; i < env->dbg_nbreakpoints; i++) {
        if (env->dbg_breakpoints[i] == pc) {
            return true;
        }
    }
    return false;
}
