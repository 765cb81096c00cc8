/*
 * The exec loop: find a block, run its instructions' handlers one after another,
 * and deliver interrupts and exceptions at instruction boundaries.
 *
 * icount is exact at every instruction. The loop never runs past the budget,
 * stopping mid-block if need be. Every reader of the count inside an instruction
 * sees the number of instructions before it, but the loop stores it only where a
 * reader can be: a generic handler (RDTSC, RDMSR, I/O, the STI/MOV SS shadows, RDRAND's
 * replay hook...) runs through insn_run_generic (translate.c), which stores it with rip
 * first; a specialised handler (the common integer forms, *-fast.c) reads neither,
 * and the places it can reach that do (raising an exception; the memory slow paths,
 * which lead to page faults, devices and so to the clocks) call cpu_sync_insn first,
 * computing both from env->cur_insn (cpu.h). After a block, the count is stored
 * once. A forgotten reader would see the count at the start of its block: the
 * contract is in cpu.h, and the specialised forms are few and each in a *-fast.c.
 *
 * Between blocks the loop does the full boundary work (free dropped blocks, leave
 * for the main loop, take an interrupt, halt) only where something can have changed:
 * everything that can make an interrupt deliverable or stop the CPU (an IRQ line
 * change, a device access, a dropped block, IF set, the end of an STI/MOV SS shadow,
 * HLT, a mode change) either sets exit_request or is an IF_EXIT instruction, which
 * ends its block. After a block that ended neither way, with no interrupt pending
 * and budget left, the loop goes straight to the next block through the previous
 * block's chain (its cached successor). Interrupts are therefore taken at the same
 * instruction in every run.
 *
 * Build with -DEXEC_NO_CHAIN to do the full boundary work and lookup after every
 * block (the plain path the chained one must match).
 */
#include "system/cpu-exec.h"
#include "system/icount.h"
#include "system/runstate.h"
#include "accel/tcg/tb.h"
#include "target/i386/debug.h"
#include "target/i386/flags.h"
#include "replay/replay.h"
#include "util/log.h"

#ifdef EXEC_NO_CHAIN
#define EXEC_CHAINING false
#else
#define EXEC_CHAINING true
#endif

static bool irq_shadowed(const CPUX86State *env)
{
    return icount.count < env->irq_inhibit_until;
}

static bool irq_pending(const CPUX86State *env)
{
    return env->irq_line && (env->eflags & IF_MASK);
}

static bool irq_deliverable(const CPUX86State *env)
{
    return irq_pending(env) && !irq_shadowed(env);
}

static void exec_take_irq(CPUX86State *env)
{
    int vector = env->get_irq ? env->get_irq(env->get_irq_opaque) : -1;

    if (vector < 0) {
        return; /* the controller withdrew it (spurious) */
    }
    replay_interrupt(vector);
    env->halted = false;
    log_mask_printf(LOG_INT,
                    "interrupt 0x%02x at %04x:%08" PRIx64 " icount %" PRIu64 "\n", vector,
                    env->segs[R_CS].selector, env->rip, icount.count);
    cpu_do_interrupt(env, vector, false, false, 0, env->rip);
}

static void exec_log_block(CPUX86State *env, const TranslationBlock *tb)
{
    if (log_enabled(LOG_CPU)) {
        cpu_dump_state(env, log_file);
    }
    log_mask_printf(LOG_EXEC, "Trace %04x:%08" PRIx64 " [%u insns] icount %" PRIu64 "\n",
                    env->segs[R_CS].selector, env->rip, tb->ninsns, icount.count);
}

/*
 * Run instructions [0, n) of tb (n >= 1); stops early when one asks for an exit.
 * rip and next_rip are constants of the block (translate.c), in each Insn. The loop
 * stores neither: a generic handler's wrapper stores both, and a specialised handler
 * reads them from its Insn (cpu.h). The handlers run one after another by threaded
 * dispatch (insn.h), and the last one run leaves itself in env->cur_insn. Only the
 * last instruction, or one that asks for an exit, can branch, so rip is set once, at
 * the end: from env->next_rip if that instruction leaves it there.
 */
static inline __attribute__((always_inline)) const Insn *
exec_block(CPUX86State *env, const TranslationBlock *tb, uint32_t n)
{
    const Insn *d = tb->insns;

    env->block_icount = icount.count;
    env->block_end = env->exit_request ? d + 1 : d + n; /* at least one, as always */
    d->fn(env, d); /* and the rest, by threaded dispatch (insn.h) */
    d = env->cur_insn;
    env->cur_insn = NULL;
    icount.count = cpu_insn_icount(env, d) + 1;
    env->rip = d->sets_next_rip ? env->next_rip : d->next_rip;
    return d;
}

/*
 * exec_block with single-step or breakpoints armed: a debugger breakpoint stops the
 * engine before its instruction, a debugger watchpoint after it, an instruction
 * breakpoint faults before it,
 * single-step and data breakpoints trap after it (debug.h).
 */
static __attribute__((noinline)) void
exec_block_debug(CPUX86State *env, const TranslationBlock *tb, uint32_t n)
{
    const Insn *d = tb->insns, *end = tb->insns + n;

    env->block_icount = icount.count;
    do {
        uint32_t eflags_before;
        env->dbg_watch_hit = false; /* a faulted instruction's watchpoint hit */
        if (unlikely(env->dbg_nbreakpoints) && debug_debugger_breakpoint_hit(env)) {
            env->dbg_hit = true; /* stop before it: the main loop reports the hit */
            env->stop_request = true;
            env->exit_request = true;
            return;
        }
        if (debug_insn_breakpoint_hit(env)) {
            raise_exception(env, EXCP_DB);
        }
        eflags_before = env->eflags;
        env->next_rip = d->next_rip;
        env->block_end = d + 1; /* one instruction: no threaded dispatch (insn.h) */
        d->fn(env, d);
        env->cur_insn = NULL; /* the loop keeps rip and icount stored */
        env->rip = env->next_rip;
        icount.count++;
        if (unlikely(env->dbg_watch_hit)) {
            env->dbg_hit = true; /* stop after it (and after a #DB trap it raises) */
            env->stop_request = true;
            env->exit_request = true;
        }
        debug_after_insn(env, eflags_before);
    } while (env->block_end && ++d < end && !env->exit_request); /* or a side exit */
}

/* Anything that arms debugging ends its block, so checking at block start suffices. */
static inline __attribute__((always_inline)) void
exec_run_block(CPUX86State *env, const TranslationBlock *tb, uint32_t n)
{
    if (unlikely(debug_armed(env))) {
        exec_block_debug(env, tb, n);
    } else {
        exec_block(env, tb, n);
    }
}

/* After a handler raised an exception (longjmp), deliver it. */
static void exec_deliver_exception(CPUX86State *env)
{
    int vector = env->exception_index;

    env->exception_index = -1;
    if (env->exception_is_soft) {
        icount.count++; /* INT n, INT3, INTO completed as instructions */
    }
    cpu_do_interrupt(env, vector, env->exception_is_soft, env->exception_has_error,
                     env->error_code, env->exception_next_rip);
}

static uint32_t exec_insn_limit(CPUX86State *env, const TranslationBlock *tb,
                                uint64_t stop_at)
{
    uint64_t left = stop_at - icount.count;

    /* In an interrupt shadow with an interrupt waiting: one step, then look again. */
    if (irq_pending(env) && irq_shadowed(env)) {
        left = 1;
    }
    return left < tb->ninsns ? (uint32_t)left : tb->ninsns;
}

typedef enum BoundaryResult { BOUNDARY_RUN, BOUNDARY_RETURN } BoundaryResult;

/*
 * The full checks between two blocks: free dropped blocks, leave for the main loop,
 * take an interrupt, halt, follow memory map changes.
 */
static BoundaryResult exec_boundary(CPUX86State *env, ExecResult *result)
{
    tb_reap(env);
    env->exit_request = false;
    if (env->mem->generation != mmu_state(env)->generation) {
        tlb_flush_all(env);
    }
    tlb_sync_mode(env);
    if (runstate_shutdown_requested() || runstate_reset_pending() || env->stop_request) {
        env->stop_request = false;
        *result = EXEC_EXIT;
        return BOUNDARY_RETURN;
    }
    if (irq_deliverable(env)) {
        exec_take_irq(env);
    }
    if (env->halted) {
        *result = EXEC_HALTED;
        return BOUNDARY_RETURN;
    }
    return BOUNDARY_RUN;
}

/*
 * Run tb, then the blocks that follow it, for as long as nothing needs the full
 * boundary checks: no exit request, no IF_EXIT instruction, no interrupt pending,
 * budget left. Each block runs at most up to the budget. Whatever arms debugging
 * ends its block and the chain (debug.h), so one check here covers the chain.
 *
 * The next block is the one that followed through the same exit last time (its
 * chain slot) if it starts at the rip now: the block just run did not end with an
 * IF_EXIT instruction, so the mode and CS are those it started with (whatever
 * changes them is IF_EXIT: mode switches, segment loads, far branches), and the
 * linked block was found for that same mode and CS (tb_find_next). A dropped block
 * or mapping bumps the epoch. Between blocks, rip and the count stay in registers:
 * nothing reads them there (the handlers' contract, cpu.h) until the chain ends or
 * the lookup needs them.
 */
static void exec_chain(CPUX86State *env, TranslationBlock *tb, uint64_t stop_at)
{
    const TBEngine *e = env->engine;
    uint32_t n = exec_insn_limit(env, tb, stop_at);
    uint64_t count = icount.count, rip;

    if (unlikely(debug_armed(env))) {
        exec_block_debug(env, tb, n);
        return;
    }
    env->block_end = env->exit_request ? tb->insns + 1 : tb->insns + n;
    for (;;) {
        const Insn *first = tb->insns, *last;
        TranslationBlock *next;
        unsigned slot;
        uint64_t left;

        env->block_icount = count;
        first->fn(env, first); /* and the rest, by threaded dispatch (insn.h) */
        last = env->cur_insn;
        count += last->idx + 1u;
        rip = last->sets_next_rip ? env->next_rip : last->next_rip;
        if (!EXEC_CHAINING ||
            (env->exit_request | tb->ends_with_exit | irq_pending(env)) ||
            count >= stop_at) {
            break;
        }
        slot = rip == last->next_rip ? 0 : last->exit_slot;
        next = tb->chain[slot];
        if (unlikely(!next || tb->chain_epoch != e->epoch || next->insns[0].rip != rip)) {
            env->cur_insn = NULL;
            env->rip = rip;
            icount.count = count;
            next = tb_find_next(env, tb, slot);
        }
        tb = next;
        left = stop_at - count;
        env->block_end = likely(left >= tb->ninsns) ? tb->end : tb->insns + left;
    }
    env->cur_insn = NULL;
    env->rip = rip;
    icount.count = count;
}

static __attribute__((noinline)) ExecResult exec_loop(CPUX86State *env, uint64_t stop_at)
{
    const bool logging = log_enabled(LOG_CPU | LOG_EXEC);
    ExecResult result;

    for (;;) {
        TranslationBlock *tb;
        if (exec_boundary(env, &result) == BOUNDARY_RETURN) {
            return result;
        }
        if (icount.count >= stop_at) {
            return EXEC_BUDGET;
        }
        tb = tb_find(env);
        if (unlikely(logging)) {
            exec_log_block(env, tb);
            exec_run_block(env, tb, exec_insn_limit(env, tb, stop_at));
        } else {
            exec_chain(env, tb, stop_at);
        }
    }
}

ExecResult cpu_exec(CPUX86State *env, int64_t budget)
{
    const uint64_t stop_at = icount.count + (uint64_t)budget;

    tb_engine_get(env);
    env->exception_index = -1;
    if (setjmp(env->jmp_env)) {
        /* An exception; delivering it may raise another (and longjmp here again). */
        env->cur_insn = NULL; /* raise_exception synced rip and icount */
        if (env->exception_index >= 0) {
            exec_deliver_exception(env);
        }
    }
    /* The loop lives in its own frame, so setjmp does not pin its locals to memory. */
    return exec_loop(env, stop_at);
}
