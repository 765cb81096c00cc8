/*
 * Hardware task switching through 32-bit TSSs: JMP/CALL to a TSS or task gate,
 * interrupts through task gates, IRET with NT set (Intel SDM vol. 3 chapter 7,
 * "Task Management"; vol. 2 JMP, CALL, INT n, IRET). 16-bit TSSs are not
 * implemented (logged, #GP), and long mode has no task switching at all.
 *
 * A switch runs in the order of SDM 7.3: checks on the new TSS; every memory access
 * that can fault (reading the new TSS, saving into the old one, busy bits, the link
 * field); then the state is committed and cannot fault; last the segment registers
 * are loaded from descriptors, and a fault there belongs to the new task (its CS:EIP
 * is what the handler sees).
 */
#include "target/i386/access.h"
#include "target/i386/debug.h"
#include "target/i386/desc.h"
#include "target/i386/flags.h"
#include "util/log.h"

/* 32-bit TSS layout (SDM figure 7-2). */
enum {
    TSS_LINK = 0x00,
    TSS_CR3 = 0x1c,
    TSS_EIP = 0x20,
    TSS_EFLAGS = 0x24,
    TSS_REGS = 0x28, /* EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI */
    TSS_SEGS = 0x48, /* ES, CS, SS, DS, FS, GS: 4 bytes apart */
    TSS_LDT = 0x60,
    TSS_TRAP = 0x64, /* bit 0: T, debug trap on entering the task */
    TSS32_MIN_LIMIT = 0x67,
};

#define TSS_BUSY_BIT (2u << DESC_TYPE_SHIFT) /* type 9 (available) vs 11 (busy) */

typedef enum TaskSource { TASK_JMP, TASK_CALL, TASK_IRET, TASK_INT } TaskSource;

/* The state a TSS holds for its task. */
typedef struct TaskState {
    uint32_t cr3, eip, eflags;
    uint32_t regs[8];
    uint16_t segs[NR_SEGS];
    uint16_t ldt;
    bool trap;
} TaskState;

/* A task switch in progress. */
typedef struct TaskSwitch {
    TaskSource src;
    uint16_t sel; /* the new TSS */
    Desc desc;
    unsigned ext;               /* EXT bit for error codes: hardware interrupt */
    uint64_t saved_eip;         /* where the old task resumes */
    const uint32_t *error_code; /* a fault's, pushed on the new task's stack */
} TaskSwitch;

NORETURN static void task_fault(CPUX86State *env, int vector, uint16_t sel, unsigned ext)
{
    raise_exception_err(env, vector, (sel & SEL_MASK) | ext);
}

static uint64_t tss_addr(uint64_t base, unsigned off)
{
    return (uint32_t)(base + off);
}

/* --- the new TSS --- */

static bool tss_type_is(const Desc *d, bool busy)
{
    return !(d->hi & DESC_S) &&
           desc_type(d->hi) == (busy ? SYS_TSS32_BUSY : SYS_TSS32_AVAIL);
}

static bool tss_is_16bit(const Desc *d)
{
    unsigned type = desc_type(d->hi);
    return !(d->hi & DESC_S) && (type == SYS_TSS16_AVAIL || type == SYS_TSS16_BUSY);
}

/*
 * The TSS descriptor named by sel (a GDT selector): of the 32-bit TSS type the
 * switch needs (busy for IRET, available otherwise), and present.
 */
static void fetch_new_tss(CPUX86State *env, TaskSwitch *ts, int vector)
{
    bool want_busy = ts->src == TASK_IRET;

    if ((ts->sel & SEL_TI) || !desc_fetch(env, ts->sel, &ts->desc)) {
        task_fault(env, vector, ts->sel, ts->ext);
    }
    if (tss_is_16bit(&ts->desc)) {
        log_unimp("task switch to a 16-bit TSS (%04x)\n", ts->sel);
    }
    if (!tss_type_is(&ts->desc, want_busy)) {
        task_fault(env, vector, ts->sel, ts->ext);
    }
    if (!(ts->desc.hi & DESC_P)) {
        task_fault(env, EXCP_NP, ts->sel, ts->ext);
    }
}

static void read_task_state(CPUX86State *env, uint64_t base, TaskState *st)
{
    st->cr3 = cpu_ld_lin(env, tss_addr(base, TSS_CR3), 4);
    st->eip = cpu_ld_lin(env, tss_addr(base, TSS_EIP), 4);
    st->eflags = cpu_ld_lin(env, tss_addr(base, TSS_EFLAGS), 4);
    for (int i = 0; i < 8; i++) {
        st->regs[i] = cpu_ld_lin(env, tss_addr(base, TSS_REGS + 4 * i), 4);
    }
    for (int i = 0; i < NR_SEGS; i++) {
        st->segs[i] = cpu_ld_lin(env, tss_addr(base, TSS_SEGS + 4 * i), 2);
    }
    st->ldt = cpu_ld_lin(env, tss_addr(base, TSS_LDT), 2);
    st->trap = cpu_ld_lin(env, tss_addr(base, TSS_TRAP), 2) & 1;
}

/* --- the old task --- */

/* The dynamic fields of the current task go back into its TSS (SDM 7.2.1). */
static void save_task_state(CPUX86State *env, const TaskSwitch *ts)
{
    uint64_t base = env->tr.base;
    uint32_t eflags = cpu_get_eflags(env);

    if (ts->src == TASK_IRET) {
        eflags &= ~NT_MASK;
    }
    cpu_st_lin(env, tss_addr(base, TSS_EIP), 4, ts->saved_eip);
    cpu_st_lin(env, tss_addr(base, TSS_EFLAGS), 4, eflags);
    for (int i = 0; i < 8; i++) {
        cpu_st_lin(env, tss_addr(base, TSS_REGS + 4 * i), 4, env->regs[i]);
    }
    for (int i = 0; i < NR_SEGS; i++) {
        cpu_st_lin(env, tss_addr(base, TSS_SEGS + 4 * i), 2, env->segs[i].selector);
    }
}

static void set_tss_busy(CPUX86State *env, const Desc *d, bool busy)
{
    uint32_t hi = busy ? d->hi | TSS_BUSY_BIT : d->hi & ~TSS_BUSY_BIT;
    cpu_st_lin(env, d->addr + 4, 4, hi);
}

/* The current TSS must be one this code can save into. */
static void check_old_tss(CPUX86State *env, Desc *old)
{
    if ((env->tr.selector & ~SEL_RPL) == 0 || !desc_fetch(env, env->tr.selector, old) ||
        env->tr.limit < TSS32_MIN_LIMIT || !(desc_type(env->tr.flags) & 8)) {
        log_unimp("task switch from TSS %04x of type %u\n", env->tr.selector,
                  desc_type(env->tr.flags));
        raise_exception_err(env, EXCP_TS, (env->tr.selector & SEL_MASK));
    }
}

/* Every write of the switch, in the order of SDM 7.3 steps 6-10. */
static void update_tables(CPUX86State *env, TaskSwitch *ts, const Desc *old)
{
    save_task_state(env, ts);
    if (ts->src == TASK_JMP || ts->src == TASK_IRET) {
        set_tss_busy(env, old, false);
    }
    if (ts->src == TASK_CALL || ts->src == TASK_INT) {
        cpu_st_lin(env, tss_addr(desc_base(&ts->desc), TSS_LINK), 2, env->tr.selector);
    }
    if (ts->src != TASK_IRET) {
        set_tss_busy(env, &ts->desc, true);
        ts->desc.hi |= TSS_BUSY_BIT;
    }
}

/* --- the new task's state (cannot fault) --- */

static void commit_task_state(CPUX86State *env, const TaskSwitch *ts, const TaskState *st)
{
    uint32_t eflags = st->eflags;

    if (ts->src == TASK_CALL || ts->src == TASK_INT) {
        eflags |= NT_MASK;
    }
    env->tr = (SegmentCache){ts->sel, desc_base(&ts->desc), desc_limit(&ts->desc),
                             desc_flags(&ts->desc)};
    env->cr[0] |= CR0_TS;
    if ((env->cr[0] & CR0_PG) && env->cr[3] != st->cr3) {
        env->cr[3] = st->cr3;
        tlb_flush(env);
    }
    for (int i = 0; i < 8; i++) {
        env->regs[i] = st->regs[i];
    }
    cpu_set_eflags(env, eflags | EFLAGS_FIXED, ~0u);
    env->dr[7] &= ~(uint64_t)DR7_LOCAL; /* L0-L3 enable breakpoints per task */
    env->rip = env->next_rip = st->eip;
}

/*
 * Selectors first, caches unusable: if a descriptor check below faults, the handler
 * sees the new task's selectors.
 */
static void preload_selectors(CPUX86State *env, const TaskState *st)
{
    env->ldt = (SegmentCache){.selector = st->ldt};
    for (int i = 0; i < NR_SEGS; i++) {
        cpu_set_seg_raw(env, i, st->segs[i], 0, 0, 0);
    }
}

/* --- loading the new task's segments (faults belong to the new task) --- */

static void load_task_ldt(CPUX86State *env, uint16_t sel, unsigned ext)
{
    Desc d;

    if ((sel & ~SEL_RPL) == 0) {
        return;
    }
    if ((sel & SEL_TI) || !desc_fetch(env, sel, &d) || (d.hi & DESC_S) ||
        desc_type(d.hi) != SYS_LDT || !(d.hi & DESC_P)) {
        task_fault(env, EXCP_TS, sel, ext);
    }
    env->ldt = (SegmentCache){sel, desc_base(&d), desc_limit(&d), desc_flags(&d)};
}

static void load_task_code(CPUX86State *env, uint16_t sel, unsigned ext)
{
    unsigned rpl = sel & SEL_RPL, dpl;
    Desc d;

    if ((sel & ~SEL_RPL) == 0) {
        task_fault(env, EXCP_TS, 0, ext);
    }
    if (!desc_fetch(env, sel, &d) || !desc_is_code(d.hi)) {
        task_fault(env, EXCP_TS, sel, ext);
    }
    dpl = desc_dpl(d.hi);
    if ((d.hi & DESC_C) ? dpl > rpl : dpl != rpl) {
        task_fault(env, EXCP_TS, sel, ext);
    }
    if (!(d.hi & DESC_P)) {
        task_fault(env, EXCP_NP, sel, ext);
    }
    seg_load_desc(env, R_CS, sel, &d);
}

static void load_task_segments(CPUX86State *env, const TaskState *st, unsigned ext)
{
    static const int data_segs[] = {R_ES, R_DS, R_FS, R_GS};
    Desc ss;

    load_task_ldt(env, st->ldt, ext);
    if (cpu_in_v86(env)) {
        for (int i = 0; i < NR_SEGS; i++) {
            cpu_load_seg(env, i, st->segs[i]);
        }
        return;
    }
    load_task_code(env, st->segs[R_CS], ext);
    check_stack_segment(env, st->segs[R_SS], st->segs[R_CS] & SEL_RPL, EXCP_TS, ext, &ss);
    seg_load_desc(env, R_SS, st->segs[R_SS], &ss);
    for (size_t i = 0; i < ARRAY_SIZE(data_segs); i++) {
        seg_load_data(env, data_segs[i], st->segs[data_segs[i]], EXCP_TS, ext);
    }
}

/* --- the switch --- */

/* A fault's error code goes on the new task's stack, 32 bits for a 32-bit TSS. */
static void push_error_code(CPUX86State *env, uint32_t error_code)
{
    uint64_t slot = error_code;
    stack_push_frame(env, &slot, 1, 4);
}

static void task_switch(CPUX86State *env, TaskSwitch *ts)
{
    TaskState st;
    Desc old;

    if (desc_limit(&ts->desc) < TSS32_MIN_LIMIT) {
        task_fault(env, EXCP_TS, ts->sel, ts->ext);
    }
    check_old_tss(env, &old);
    read_task_state(env, desc_base(&ts->desc), &st);
    update_tables(env, ts, &old);
    commit_task_state(env, ts, &st);
    preload_selectors(env, &st);
    load_task_segments(env, &st, ts->ext);
    if (env->rip > env->segs[R_CS].limit) {
        raise_exception_err(env, EXCP_GP, ts->ext);
    }
    if (ts->error_code) {
        push_error_code(env, *ts->error_code);
    }
    if (st.trap) {
        env->dr[6] |= DR6_BT;
        raise_exception(env, EXCP_DB);
    }
}

/* Far JMP/CALL to a TSS descriptor, or through a task gate (SDM vol. 2 JMP, CALL). */
void task_far_transfer(CPUX86State *env, uint16_t sel, const Desc *d, bool call)
{
    TaskSwitch ts = {call ? TASK_CALL : TASK_JMP, sel, *d, 0, env->next_rip, NULL};
    unsigned dpl = desc_dpl(d->hi);

    if (dpl < cpu_cpl(env) || dpl < (sel & SEL_RPL)) {
        task_fault(env, EXCP_GP, sel, 0);
    }
    if (desc_type(d->hi) == SYS_TASK_GATE) {
        if (!(d->hi & DESC_P)) {
            task_fault(env, EXCP_NP, sel, 0);
        }
        ts.sel = d->lo >> 16;
    }
    fetch_new_tss(env, &ts, EXCP_GP);
    task_switch(env, &ts);
}

void task_gate_interrupt(CPUX86State *env, uint16_t tss_sel, unsigned ext,
                         const uint32_t *error_code, uint64_t return_eip)
{
    TaskSwitch ts = {TASK_INT, tss_sel, {0}, ext, return_eip, error_code};

    fetch_new_tss(env, &ts, EXCP_GP);
    task_switch(env, &ts);
}

/* IRET with NT set returns to the task in the current TSS's link field. */
void task_iret(CPUX86State *env)
{
    TaskSwitch ts = {TASK_IRET, 0, {0}, 0, env->next_rip, NULL};

    ts.sel = cpu_ld_lin(env, tss_addr(env->tr.base, TSS_LINK), 2);
    fetch_new_tss(env, &ts, EXCP_TS);
    task_switch(env, &ts);
}
