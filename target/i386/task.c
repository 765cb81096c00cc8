/*
 * Hardware task switching through 32-bit and 16-bit TSSs: JMP/CALL to a TSS or task
 * gate, interrupts through task gates, IRET with NT set (Intel SDM vol. 3 chapter 7,
 * "Task Management", and 7.6 for the 16-bit TSS; vol. 2 JMP, CALL, INT n, IRET).
 * Long mode has no task switching at all.
 *
 * A switch runs in the order of SDM 7.3: checks on the new TSS; every memory access
 * that can fault (reading the new TSS, saving into the old one, busy bits, the link
 * field); then the state is committed and cannot fault; last the segment registers
 * are loaded from descriptors, and a fault there belongs to the new task (its CS:EIP
 * is what the handler sees).
 *
 * The old and the new TSS may each be 16- or 32-bit (a 286 TSS: 16-bit IP, FLAGS and
 * registers, no CR3, FS, GS, T bit or I/O map). The manuals leave the upper halves
 * of the registers undefined after a switch to a 16-bit TSS; they are set to 0xffff
 * here as Bochs and QEMU do, EFLAGS' upper half to 0 (a 16-bit TSS cannot enter V86
 * mode), and FS and GS to null.
 */
#include "target/i386/access.h"
#include "target/i386/debug.h"
#include "target/i386/desc.h"
#include "target/i386/flags.h"

/* Where a TSS keeps each field (SDM figures 7-2 and 7-11). */
typedef struct TssLayout {
    unsigned width; /* bytes of IP, FLAGS, each register and each segment slot */
    unsigned ip, flags, regs, segs, ldt;
    unsigned nsegs; /* ES, CS, SS, DS, then FS, GS in a 32-bit TSS */
    uint32_t min_limit;
    bool tss32; /* has CR3 (0x1c) and the T bit (0x64) */
} TssLayout;

static const TssLayout tss32_layout = {4, 0x20, 0x24, 0x28, 0x48, 0x60, 6, 0x67, true};
static const TssLayout tss16_layout = {2, 0x0e, 0x10, 0x12, 0x22, 0x2a, 4, 0x2b, false};

enum {
    TSS_LINK = 0x00,
    TSS_CR3 = 0x1c,
    TSS_TRAP = 0x64, /* bit 0: T, debug trap on entering the task */
};

#define TSS_BUSY_BIT    (2u << DESC_TYPE_SHIFT) /* available 1/9 vs busy 3/11 */
#define TSS16_REGS_HIGH 0xffff0000u

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

/* TSS types 1/3 are 16-bit, 9/11 32-bit (descriptor high dword or cache flags). */
static const TssLayout *tss_layout(uint32_t flags)
{
    return (desc_type(flags) & 8) ? &tss32_layout : &tss16_layout;
}

/* A 16- or 32-bit TSS descriptor, busy or available. */
static bool tss_type_is(const Desc *d, bool busy)
{
    unsigned type = desc_type(d->hi) & ~8u;
    return !(d->hi & DESC_S) && type == (busy ? SYS_TSS16_BUSY : SYS_TSS16_AVAIL);
}

/* --- the new TSS --- */

/*
 * The TSS descriptor named by sel (a GDT selector): of the TSS type the switch needs
 * (busy for IRET, available otherwise), and present.
 */
static void fetch_new_tss(CPUX86State *env, TaskSwitch *ts, int vector)
{
    bool want_busy = ts->src == TASK_IRET;

    if ((ts->sel & SEL_TI) || !desc_fetch(env, ts->sel, &ts->desc)) {
        task_fault(env, vector, ts->sel, ts->ext);
    }
    if (!tss_type_is(&ts->desc, want_busy)) {
        task_fault(env, vector, ts->sel, ts->ext);
    }
    if (!(ts->desc.hi & DESC_P)) {
        task_fault(env, EXCP_NP, ts->sel, ts->ext);
    }
}

static void read_task_state(CPUX86State *env, uint64_t base, const TssLayout *l,
                            TaskState *st)
{
    uint32_t high = l->tss32 ? 0 : TSS16_REGS_HIGH;

    *st = (TaskState){0};
    st->eip = cpu_ld_lin(env, tss_addr(base, l->ip), l->width);
    st->eflags = cpu_ld_lin(env, tss_addr(base, l->flags), l->width);
    for (int i = 0; i < 8; i++) {
        st->regs[i] =
            high | cpu_ld_lin(env, tss_addr(base, l->regs + l->width * i), l->width);
    }
    for (unsigned i = 0; i < l->nsegs; i++) {
        st->segs[i] = cpu_ld_lin(env, tss_addr(base, l->segs + l->width * i), 2);
    }
    st->ldt = cpu_ld_lin(env, tss_addr(base, l->ldt), 2);
    if (l->tss32) {
        st->cr3 = cpu_ld_lin(env, tss_addr(base, TSS_CR3), 4);
        st->trap = cpu_ld_lin(env, tss_addr(base, TSS_TRAP), 2) & 1;
    }
}

/* --- the old task --- */

/* The dynamic fields of the current task go back into its TSS (SDM 7.2.1). */
static void save_task_state(CPUX86State *env, const TaskSwitch *ts)
{
    const TssLayout *l = tss_layout(env->tr.flags);
    uint64_t base = env->tr.base;
    uint32_t eflags = cpu_get_eflags(env);

    if (ts->src == TASK_IRET) {
        eflags &= ~NT_MASK;
    }
    cpu_st_lin(env, tss_addr(base, l->ip), l->width, ts->saved_eip);
    cpu_st_lin(env, tss_addr(base, l->flags), l->width, eflags);
    for (int i = 0; i < 8; i++) {
        cpu_st_lin(env, tss_addr(base, l->regs + l->width * i), l->width, env->regs[i]);
    }
    for (unsigned i = 0; i < l->nsegs; i++) {
        cpu_st_lin(env, tss_addr(base, l->segs + l->width * i), 2, env->segs[i].selector);
    }
}

static void set_tss_busy(CPUX86State *env, const Desc *d, bool busy)
{
    uint32_t hi = busy ? d->hi | TSS_BUSY_BIT : d->hi & ~TSS_BUSY_BIT;
    cpu_st_lin(env, d->addr + 4, 4, hi);
}

/* The current TSS must be one the switch can save into. */
static void check_old_tss(CPUX86State *env, Desc *old)
{
    unsigned type = desc_type(env->tr.flags) & ~8u;

    if ((env->tr.selector & ~SEL_RPL) == 0 || !desc_fetch(env, env->tr.selector, old) ||
        env->tr.limit < tss_layout(env->tr.flags)->min_limit ||
        (type != SYS_TSS16_AVAIL && type != SYS_TSS16_BUSY)) {
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
    bool tss32 = tss_layout(ts->desc.hi)->tss32;
    uint32_t eflags = st->eflags;

    if (ts->src == TASK_CALL || ts->src == TASK_INT) {
        eflags |= NT_MASK;
    }
    env->tr = (SegmentCache){ts->sel, desc_base(&ts->desc), desc_limit(&ts->desc),
                             desc_flags(&ts->desc)};
    env->cr[0] |= CR0_TS;
    if (tss32 && (env->cr[0] & CR0_PG) && env->cr[3] != st->cr3) {
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

/* A fault's error code goes on the new task's stack, as wide as the new TSS. */
static void push_error_code(CPUX86State *env, uint32_t error_code, unsigned width)
{
    uint64_t slot = error_code;
    stack_push_frame(env, &slot, 1, width);
}

static void task_switch(CPUX86State *env, TaskSwitch *ts)
{
    const TssLayout *l = tss_layout(ts->desc.hi);
    TaskState st;
    Desc old;

    if (desc_limit(&ts->desc) < l->min_limit) {
        task_fault(env, EXCP_TS, ts->sel, ts->ext);
    }
    check_old_tss(env, &old);
    read_task_state(env, desc_base(&ts->desc), l, &st);
    update_tables(env, ts, &old);
    commit_task_state(env, ts, &st);
    preload_selectors(env, &st);
    load_task_segments(env, &st, ts->ext);
    if (env->rip > env->segs[R_CS].limit) {
        raise_exception_err(env, EXCP_GP, ts->ext);
    }
    if (ts->error_code) {
        push_error_code(env, *ts->error_code, l->width);
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
