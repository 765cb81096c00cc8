/*
 * The exec loop: find a block, run its instructions' handlers one after another,
 * and deliver interrupts and exceptions at instruction boundaries.
 *
 * icount is exact: the loop never runs past the budget, stopping mid-block if need
 * be. Interrupt deliverability is re-examined at every block boundary and after any
 * instruction that requested an exit; everything that can make an interrupt
 * deliverable (an IRQ line change, IF set, the end of an STI/MOV SS shadow) forces
 * such a boundary, so interrupts are taken at the same instruction in every run.
 */
#include "system/cpu-exec.h"
#include "system/icount.h"
#include "system/runstate.h"
#include "accel/tcg/tb.h"
#include "target/i386/flags.h"
#include "replay/replay.h"
#include "util/log.h"

static bool irq_shadowed(const CPUX86State *env)
{
    return icount.count < env->irq_inhibit_until;
}

static bool irq_deliverable(const CPUX86State *env)
{
    return env->irq_line && (env->eflags & IF_MASK) && !irq_shadowed(env);
}

static void exec_take_irq(CPUX86State *env)
{
    int vector = env->get_irq ? env->get_irq(env->get_irq_opaque) : -1;

    if (vector < 0) {
        return; /* the controller withdrew it (spurious) */
    }
    replay_interrupt(vector);
    env->halted = false;
    log_mask_printf(LOG_INT, "interrupt 0x%02x at %04x:%08" PRIx64 " icount %" PRIu64 "\n",
                    vector, env->segs[R_CS].selector, env->rip, icount.count);
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

/* Run instructions [0, n) of tb; stops early when one asks for an exit. */
static void exec_block(CPUX86State *env, const TranslationBlock *tb, uint32_t n)
{
    const uint64_t ip_mask = (tb->hflags & HF_CS64)   ? ~0ull
                             : (tb->hflags & HF_CS32) ? 0xffffffffull
                                                      : 0xffffull;

    for (uint32_t i = 0; i < n; i++) {
        const Insn *d = &tb->insns[i];
        env->next_rip = (env->rip + d->len) & ip_mask;
        d->fn(env, d);
        env->rip = env->next_rip;
        icount.count++;
        if (unlikely(env->exit_request)) {
            break;
        }
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
    if (env->irq_line && (env->eflags & IF_MASK) && irq_shadowed(env)) {
        left = 1;
    }
    return left < tb->ninsns ? (uint32_t)left : tb->ninsns;
}

ExecResult cpu_exec(CPUX86State *env, int64_t budget)
{
    const uint64_t stop_at = icount.count + (uint64_t)budget;

    env->exception_index = -1;
    if (setjmp(env->jmp_env)) {
        /* An exception; delivering it may raise another (and longjmp here again). */
        if (env->exception_index >= 0) {
            exec_deliver_exception(env);
        }
    }
    for (;;) {
        TranslationBlock *tb;

        tb_reap(env);
        env->exit_request = false;
        if (runstate_shutdown_requested() || runstate_reset_pending() ||
            env->stop_request) {
            env->stop_request = false;
            return EXEC_EXIT;
        }
        if (irq_deliverable(env)) {
            exec_take_irq(env);
        }
        if (env->halted) {
            return EXEC_HALTED;
        }
        if (icount.count >= stop_at) {
            return EXEC_BUDGET;
        }
        tb = tb_find(env);
        exec_log_block(env, tb);
        exec_block(env, tb, exec_insn_limit(env, tb, stop_at));
    }
}
