/*
 * Segmentation: segment register loads, far JMP/CALL/RETF including call gates
 * (16-, 32- and 64-bit, with stack switches and parameter copying), the
 * descriptor-inspection instructions (LAR, LSL, VERR, VERW, ARPL) and the
 * descriptor-table registers (Intel SDM vol. 3 chapters 3.4-3.5 and 5.1-5.8; vol. 2
 * for each instruction). Task switches are in task.c.
 *
 * Every load is split in three steps: checks (which may fault), then the accessed-bit
 * writes into the descriptor tables (which may fault too, e.g. on a read-only page),
 * then the register updates, which cannot fault. A fault therefore never leaves a
 * half-loaded CS:EIP or SS:ESP behind.
 */
#include "target/i386/access.h"
#include "target/i386/desc.h"
#include "target/i386/flags.h"
#include "target/i386/insn.h"
#include "system/icount.h"
#include "util/log.h"

NORETURN static void raise_sel(CPUX86State *env, int vector, uint16_t sel)
{
    raise_exception_err(env, vector, sel & SEL_MASK);
}

static bool sel_is_null(uint16_t sel)
{
    return (sel & ~SEL_RPL) == 0;
}

/* Outside long mode linear addresses wrap at 4 GiB. */
static uint64_t linear(const CPUX86State *env, uint64_t addr)
{
    return (env->efer & EFER_LMA) ? addr : (uint32_t)addr;
}

/* --- descriptors --- */

bool desc_fetch(CPUX86State *env, uint16_t sel, Desc *d)
{
    uint64_t base = env->gdt.base;
    uint32_t limit = env->gdt.limit;
    uint32_t index = sel & ~7u;
    uint64_t raw;

    if (sel & SEL_TI) {
        if (!(env->ldt.flags & DESC_P)) {
            return false;
        }
        base = env->ldt.base;
        limit = env->ldt.limit;
    }
    if (index + 7 > limit) {
        return false;
    }
    d->addr = linear(env, base + index);
    raw = cpu_ld_lin(env, d->addr, 8);
    d->lo = (uint32_t)raw;
    d->hi = (uint32_t)(raw >> 32);
    d->base_hi = 0;
    return true;
}

bool desc_fetch_system(CPUX86State *env, uint16_t sel, Desc *d)
{
    bool wide = (env->efer & EFER_LMA) != 0;

    if ((sel & SEL_TI) || (sel & ~7u) + (wide ? 15 : 7) > env->gdt.limit) {
        return false;
    }
    if (!desc_fetch(env, sel, d)) {
        return false;
    }
    if (wide) {
        uint64_t upper = cpu_ld_lin(env, d->addr + 8, 8);
        d->base_hi = (uint32_t)upper;
        return ((upper >> 40) & 0x1f) == 0; /* the upper half's type must be 0 */
    }
    return true;
}

uint64_t desc_base(const Desc *d)
{
    uint32_t low = (d->lo >> 16) | ((d->hi & 0xff) << 16) | (d->hi & 0xff000000);
    return low | ((uint64_t)d->base_hi << 32);
}

uint32_t desc_limit(const Desc *d)
{
    uint32_t limit = (d->lo & 0xffff) | (d->hi & 0x000f0000);
    return (d->hi & DESC_G) ? (limit << 12) | 0xfff : limit;
}

/* Code and data descriptors record their first use (the A bit, SDM 3.4.5.1). */
void desc_set_accessed(CPUX86State *env, const Desc *d)
{
    if ((d->hi & DESC_S) && !(d->hi & DESC_A)) {
        cpu_st_lin(env, d->addr + 5, 1, ((d->hi | DESC_A) >> 8) & 0xff);
    }
}

void seg_set_from_desc(CPUX86State *env, int seg, uint16_t sel, const Desc *d)
{
    cpu_set_seg_raw(env, seg, sel, desc_base(d), desc_limit(d), desc_flags(d) | DESC_A);
}

void seg_load_desc(CPUX86State *env, int seg, uint16_t sel, const Desc *d)
{
    desc_set_accessed(env, d);
    seg_set_from_desc(env, seg, sel, d);
}

/* A null selector in DS/ES/FS/GS: any access through it is #GP (P clear). */
static void seg_load_null(CPUX86State *env, int seg, uint16_t sel)
{
    cpu_set_seg_raw(env, seg, sel, 0, 0, 0);
}

/*
 * 64-bit mode allows a null SS at CPL 0-2. Its DPL still carries the CPL, and 64-bit
 * accesses ignore its attributes.
 */
static void seg_load_null_ss64(CPUX86State *env, uint16_t sel, unsigned cpl)
{
    uint32_t flags = DESC_P | DESC_S | DESC_W | DESC_A | DESC_B | (cpl << DESC_DPL_SHIFT);
    cpu_set_seg_raw(env, R_SS, sel, 0, 0xffffffff, flags);
}

/* --- segment register loads --- */

/* Real mode (SDM 20.1.1): only the selector and base change; limit and flags stay. */
static void load_seg_real(CPUX86State *env, int seg, uint16_t sel)
{
    const SegmentCache *s = &env->segs[seg];
    uint32_t flags = (s->flags | DESC_P | DESC_S) & ~(3u << DESC_DPL_SHIFT);

    cpu_set_seg_raw(env, seg, sel, (uint32_t)sel << 4, s->limit, flags);
}

/* Virtual-8086 mode: 64 KiB segments at sel << 4, privilege 3. */
static void load_seg_v86(CPUX86State *env, int seg, uint16_t sel)
{
    uint32_t type = seg == R_CS ? DESC_CS | DESC_R : DESC_W;
    uint32_t flags = DESC_P | DESC_S | DESC_A | type | (3u << DESC_DPL_SHIFT);

    cpu_set_seg_raw(env, seg, sel, (uint32_t)sel << 4, 0xffff, flags);
}

void check_stack_segment(CPUX86State *env, uint16_t sel, unsigned new_cpl, int vector,
                         unsigned ext, Desc *d)
{
    if (sel_is_null(sel)) {
        raise_exception_err(env, vector, ext);
    }
    if ((sel & SEL_RPL) != new_cpl || !desc_fetch(env, sel, d)) {
        raise_exception_err(env, vector, (sel & SEL_MASK) | ext);
    }
    if (!desc_is_writable_data(d->hi) || desc_dpl(d->hi) != new_cpl) {
        raise_exception_err(env, vector, (sel & SEL_MASK) | ext);
    }
    if (!(d->hi & DESC_P)) {
        raise_exception_err(env, EXCP_SS, (sel & SEL_MASK) | ext);
    }
}

static void load_ss_protected(CPUX86State *env, uint16_t sel)
{
    unsigned cpl = cpu_cpl(env);
    Desc d;

    if (sel_is_null(sel) && cpu_is_64bit(env) && cpl != 3 && (sel & SEL_RPL) == cpl) {
        seg_load_null_ss64(env, sel, cpl);
        return;
    }
    check_stack_segment(env, sel, cpl, EXCP_GP, 0, &d);
    seg_load_desc(env, R_SS, sel, &d);
}

/* DS, ES, FS, GS: data or readable code, privilege checked unless conforming code. */
void seg_load_data(CPUX86State *env, int seg, uint16_t sel, int vector, unsigned ext)
{
    unsigned err = (sel & SEL_MASK) | ext, dpl;
    Desc d;

    if (sel_is_null(sel)) {
        seg_load_null(env, seg, sel);
        return;
    }
    if (!desc_fetch(env, sel, &d) || !(d.hi & DESC_S)) {
        raise_exception_err(env, vector, err);
    }
    dpl = desc_dpl(d.hi);
    if (desc_is_code(d.hi) && !(d.hi & DESC_R)) {
        raise_exception_err(env, vector, err);
    }
    if (!(desc_is_code(d.hi) && (d.hi & DESC_C)) &&
        ((sel & SEL_RPL) > dpl || cpu_cpl(env) > dpl)) {
        raise_exception_err(env, vector, err);
    }
    if (!(d.hi & DESC_P)) {
        raise_exception_err(env, EXCP_NP, err);
    }
    seg_load_desc(env, seg, sel, &d);
}

static void check_far_code(CPUX86State *env, uint16_t sel, Desc *d);

static void load_cs_protected(CPUX86State *env, uint16_t sel)
{
    Desc d;

    check_far_code(env, sel, &d);
    seg_load_desc(env, R_CS, (sel & ~SEL_RPL) | cpu_cpl(env), &d);
}

void cpu_load_seg(CPUX86State *env, int seg, uint16_t selector)
{
    if (!(env->cr[0] & CR0_PE)) {
        load_seg_real(env, seg, selector);
    } else if (cpu_in_v86(env)) {
        load_seg_v86(env, seg, selector);
    } else if (seg == R_SS) {
        load_ss_protected(env, selector);
    } else if (seg == R_CS) {
        load_cs_protected(env, selector);
    } else {
        seg_load_data(env, seg, selector, EXCP_GP, 0);
    }
}

/* --- stacks --- */

uint64_t stack_mask_for(const CPUX86State *env, uint32_t ss_flags)
{
    if (env->hflags & HF_CS64) {
        return ~0ull;
    }
    return (ss_flags & DESC_B) ? 0xffffffffull : 0xffff;
}

void set_stack_pointer(CPUX86State *env, uint64_t sp, uint64_t mask)
{
    if (mask == 0xffff) {
        env->regs[R_ESP] = (env->regs[R_ESP] & ~0xffffull) | (sp & 0xffff);
    } else {
        env->regs[R_ESP] = sp & mask;
    }
}

static uint64_t current_stack_mask(const CPUX86State *env)
{
    return stack_mask_for(env, env->segs[R_SS].flags);
}

uint64_t stack_read(CPUX86State *env, uint64_t offset, unsigned size)
{
    uint64_t mask = current_stack_mask(env);
    return cpu_ld(env, R_SS, (env->regs[R_ESP] + offset) & mask, size);
}

void stack_push_frame(CPUX86State *env, const uint64_t *slots, unsigned n, unsigned size)
{
    uint64_t mask = current_stack_mask(env);
    uint64_t sp = env->regs[R_ESP];

    for (unsigned i = 0; i < n; i++) {
        sp -= size;
        cpu_st(env, R_SS, sp & mask, size, slots[i]);
    }
    set_stack_pointer(env, sp, mask);
}

static void push_far_return(CPUX86State *env, unsigned size)
{
    uint64_t slots[] = {env->segs[R_CS].selector, env->next_rip};
    stack_push_frame(env, slots, ARRAY_SIZE(slots), size);
}

void release_stack(CPUX86State *env, uint64_t bytes)
{
    uint64_t mask = current_stack_mask(env);
    set_stack_pointer(env, env->regs[R_ESP] + bytes, mask);
}

/* --- stack switches to an inner privilege level (interrupts, call gates) --- */

/* Does [off, off + size) fit in the stack segment (SDM 5.3, expand-down included)? */
static bool stack_slot_fits(const Desc *ss, uint64_t off, unsigned size)
{
    uint32_t limit = desc_limit(ss);
    uint64_t last = off + size - 1;

    if (ss->hi & DESC_E) {
        return off > limit && last <= ((ss->hi & DESC_B) ? 0xffffffffull : 0xffff);
    }
    return last <= limit;
}

/* Push slots[0..n) on the new stack; supervisor linear writes, our own limit checks. */
void new_stack_push(CPUX86State *env, NewStack *st, const uint64_t *slots, unsigned n,
                    unsigned size)
{
    bool checked = st->mask != ~0ull;
    uint64_t base = checked ? desc_base(&st->desc) : 0;

    for (unsigned i = 0; i < n; i++) {
        st->sp = (st->sp - size) & st->mask;
        if (checked && !stack_slot_fits(&st->desc, st->sp, size)) {
            raise_exception_err(env, EXCP_SS, st->ss_error);
        }
        cpu_st_lin(env, checked ? (uint32_t)(base + st->sp) : st->sp, size, slots[i]);
    }
}

/* SS:ESP for privilege level `cpl` from a 16- or 32-bit TSS (SDM 7.2.1, 7.6). */
void tss_stack(CPUX86State *env, unsigned cpl, unsigned ext, NewStack *st)
{
    bool tss32 = (desc_type(env->tr.flags) & 8) != 0;
    unsigned shift = tss32 ? 1 : 0;
    unsigned off = (cpl * 4 + 2) << shift;

    if (off + (4u << shift) - 1 > env->tr.limit) {
        raise_exception_err(env, EXCP_TS, (env->tr.selector & SEL_MASK) | ext);
    }
    st->sp = cpu_ld_lin(env, (uint32_t)(env->tr.base + off), 2 << shift);
    st->sel = cpu_ld_lin(env, (uint32_t)(env->tr.base + off + (2 << shift)), 2);
}

/* RSPn (ist = 0) or ISTn from the 64-bit TSS. */
uint64_t tss64_stack(CPUX86State *env, unsigned cpl, unsigned ist, unsigned ext)
{
    unsigned off = ist ? 0x24 + (ist - 1) * 8 : 4 + cpl * 8;
    uint64_t sp;

    if (off + 7 > env->tr.limit) {
        raise_exception_err(env, EXCP_TS, (env->tr.selector & SEL_MASK) | ext);
    }
    sp = cpu_ld_lin(env, env->tr.base + off, 8);
    if (!is_canonical(sp)) {
        raise_exception_err(env, EXCP_SS, ext);
    }
    return sp;
}

/* --- far JMP / CALL --- */

/* The target code segment of a far JMP/CALL (SDM vol. 2 JMP, CALL: protected mode). */
static void check_far_code(CPUX86State *env, uint16_t sel, Desc *d)
{
    unsigned cpl = cpu_cpl(env), dpl;

    if (sel_is_null(sel)) {
        raise_exception_err(env, EXCP_GP, 0);
    }
    if (!desc_fetch(env, sel, d)) {
        raise_sel(env, EXCP_GP, sel);
    }
    dpl = desc_dpl(d->hi);
    if (!desc_is_code(d->hi)) {
        raise_sel(env, EXCP_GP, sel);
    }
    if ((d->hi & DESC_C) ? dpl > cpl : ((sel & SEL_RPL) > cpl || dpl != cpl)) {
        raise_sel(env, EXCP_GP, sel);
    }
    if (!(d->hi & DESC_P)) {
        raise_sel(env, EXCP_NP, sel);
    }
}

/* The new IP must be inside the target segment (canonical for 64-bit code). */
static void check_far_ip(CPUX86State *env, uint32_t cs_flags, uint32_t cs_limit,
                         uint64_t ip)
{
    if (desc_is_code64(env, cs_flags) ? !is_canonical(ip) : ip > cs_limit) {
        raise_exception_err(env, EXCP_GP, 0);
    }
}

/* Real and V86 mode: the new IP is checked against the current CS limit. */
static void far_transfer_real(CPUX86State *env, uint16_t sel, uint64_t ip, bool call,
                              unsigned size)
{
    if (ip > env->segs[R_CS].limit) {
        raise_exception_err(env, EXCP_GP, 0);
    }
    if (call) {
        push_far_return(env, size);
    }
    cpu_load_seg(env, R_CS, sel);
    env->next_rip = ip;
}

/* --- call gates (SDM vol. 3 5.8.3-5.8.6; vol. 2 CALL, JMP) --- */

typedef struct CallGate {
    uint16_t sel; /* the gate's own selector */
    uint16_t cs;  /* target code segment */
    uint64_t offset;
    unsigned size;   /* slot width pushed: 2, 4 or 8 (16-, 32-, 64-bit gate) */
    unsigned params; /* stack slots copied to an inner stack (not for 64-bit gates) */
    Desc code;
} CallGate;

/*
 * The gate itself: visible from CPL and RPL, present, and in long mode a 64-bit
 * gate whose upper half has type 0 (SDM 5.8.3.1).
 */
static void read_call_gate(CPUX86State *env, uint16_t sel, const Desc *d, CallGate *g)
{
    unsigned dpl = desc_dpl(d->hi);

    if (dpl < cpu_cpl(env) || dpl < (sel & SEL_RPL)) {
        raise_sel(env, EXCP_GP, sel);
    }
    if (!(d->hi & DESC_P)) {
        raise_sel(env, EXCP_NP, sel);
    }
    *g = (CallGate){.sel = sel,
                    .cs = d->lo >> 16,
                    .offset = d->lo & 0xffff,
                    .size = 2,
                    .params = d->hi & 31};
    if (desc_type(d->hi) == SYS_CALL_GATE32) {
        g->offset |= d->hi & 0xffff0000;
        g->size = 4;
    }
    if (env->efer & EFER_LMA) {
        uint64_t upper = cpu_ld_lin(env, d->addr + 8, 8);
        if (g->size != 4 || ((upper >> 40) & 0x1f) != 0) {
            raise_sel(env, EXCP_GP, sel);
        }
        g->offset |= (uint64_t)(uint32_t)upper << 32;
        g->size = 8;
        g->params = 0;
    }
}

/* The gate's code segment: a present code segment the caller may enter. */
static void check_gate_code(CPUX86State *env, CallGate *g, bool call)
{
    unsigned cpl = cpu_cpl(env), dpl;
    Desc *d = &g->code;

    if (sel_is_null(g->cs)) {
        raise_exception_err(env, EXCP_GP, 0);
    }
    if (!desc_fetch(env, g->cs, d) || !desc_is_code(d->hi)) {
        raise_sel(env, EXCP_GP, g->cs);
    }
    dpl = desc_dpl(d->hi);
    if (dpl > cpl || (!call && !(d->hi & DESC_C) && dpl != cpl)) {
        raise_sel(env, EXCP_GP, g->cs);
    }
    if ((env->efer & EFER_LMA) && (!(d->hi & DESC_L) || (d->hi & DESC_B))) {
        raise_sel(env, EXCP_GP, g->cs);
    }
    if (!(d->hi & DESC_P)) {
        raise_sel(env, EXCP_NP, g->cs);
    }
}

/* The new stack from the TSS, checked for the new privilege level. */
static void gate_inner_stack(CPUX86State *env, unsigned cpl, NewStack *st)
{
    if (env->efer & EFER_LMA) {
        st->sp = tss64_stack(env, cpl, 0, 0);
        st->sel = cpl; /* a null SS carrying the new CPL */
        st->mask = ~0ull;
        return;
    }
    tss_stack(env, cpl, 0, st);
    check_stack_segment(env, st->sel, cpl, EXCP_TS, 0, &st->desc);
    st->mask = (st->desc.hi & DESC_B) ? 0xffffffffull : 0xffff;
    st->ss_error = st->sel & SEL_MASK;
}

/* Old SS:ESP, the parameters (copied from the caller's stack), CS:EIP. */
static unsigned inner_call_frame(CPUX86State *env, const CallGate *g, uint64_t *frame)
{
    unsigned n = 0;

    frame[n++] = env->segs[R_SS].selector;
    frame[n++] = env->regs[R_ESP];
    for (unsigned i = g->params; i-- > 0;) {
        frame[n++] = stack_read(env, i * g->size, g->size);
    }
    frame[n++] = env->segs[R_CS].selector;
    frame[n++] = env->next_rip;
    return n;
}

/* CALL through a gate to a more privileged non-conforming segment. */
static void call_gate_inner(CPUX86State *env, const CallGate *g)
{
    unsigned cpl = desc_dpl(g->code.hi), n;
    uint64_t frame[4 + 31];
    NewStack st;

    gate_inner_stack(env, cpl, &st);
    check_far_ip(env, g->code.hi, desc_limit(&g->code), g->offset);
    n = inner_call_frame(env, g, frame);
    new_stack_push(env, &st, frame, n, g->size);
    desc_set_accessed(env, &g->code);
    if (env->efer & EFER_LMA) {
        seg_load_null_ss64(env, st.sel, cpl);
    } else {
        desc_set_accessed(env, &st.desc);
        seg_set_from_desc(env, R_SS, st.sel, &st.desc);
    }
    seg_set_from_desc(env, R_CS, (g->cs & ~SEL_RPL) | cpl, &g->code);
    set_stack_pointer(env, st.sp, st.mask);
    env->next_rip = g->offset;
}

static void call_gate_transfer(CPUX86State *env, uint16_t sel, const Desc *d, bool call)
{
    CallGate g;

    read_call_gate(env, sel, d, &g);
    check_gate_code(env, &g, call);
    if (call && !(g.code.hi & DESC_C) && desc_dpl(g.code.hi) < cpu_cpl(env)) {
        call_gate_inner(env, &g);
        return;
    }
    check_far_ip(env, g.code.hi, desc_limit(&g.code), g.offset);
    desc_set_accessed(env, &g.code);
    if (call) {
        push_far_return(env, g.size);
    }
    seg_set_from_desc(env, R_CS, (g.cs & ~SEL_RPL) | cpu_cpl(env), &g.code);
    env->next_rip = g.offset;
}

/* --- far JMP / CALL: the dispatch --- */

/* A far JMP/CALL to a system descriptor: a call gate, a task gate or a TSS. */
static void far_to_system(CPUX86State *env, uint16_t sel, const Desc *d, bool call)
{
    bool lma = (env->efer & EFER_LMA) != 0;

    switch (desc_type(d->hi)) {
    case SYS_CALL_GATE32: call_gate_transfer(env, sel, d, call); return;
    case SYS_CALL_GATE16:
        if (!lma) {
            call_gate_transfer(env, sel, d, call);
            return;
        }
        break;
    case SYS_TASK_GATE:
    case SYS_TSS16_AVAIL:
    case SYS_TSS32_AVAIL:
        if (!lma) {
            task_far_transfer(env, sel, d, call);
            return;
        }
        break;
    default: break;
    }
    raise_sel(env, EXCP_GP, sel);
}

static bool far_target_is_system(CPUX86State *env, uint16_t sel, Desc *d)
{
    return !sel_is_null(sel) && desc_fetch(env, sel, d) && !(d->hi & DESC_S);
}

static void far_transfer(CPUX86State *env, const Insn *d, uint16_t sel, uint64_t ip,
                         bool call)
{
    Desc cs;

    if (!cpu_protected(env)) {
        far_transfer_real(env, sel, ip, call, d->opsize);
        return;
    }
    if (far_target_is_system(env, sel, &cs)) {
        far_to_system(env, sel, &cs, call);
        return;
    }
    check_far_code(env, sel, &cs);
    check_far_ip(env, cs.hi, desc_limit(&cs), ip);
    desc_set_accessed(env, &cs);
    if (call) {
        push_far_return(env, d->opsize);
    }
    seg_set_from_desc(env, R_CS, (sel & ~SEL_RPL) | cpu_cpl(env), &cs);
    env->next_rip = ip;
}

static void op_jmp_Ap(CPUX86State *env, const Insn *d)
{
    far_transfer(env, d, d->imm2, d->imm & size_mask(d->opsize), false);
}

static void op_call_Ap(CPUX86State *env, const Insn *d)
{
    far_transfer(env, d, d->imm2, d->imm & size_mask(d->opsize), true);
}

/* m16:16, m16:32 or m16:64: the offset first, then the selector. */
static void load_far_pointer(CPUX86State *env, const Insn *d, uint16_t *sel,
                             uint64_t *off)
{
    uint64_t ea = insn_ea(env, d);

    *off = cpu_ld(env, d->seg, ea, d->opsize);
    *sel = cpu_ld(env, d->seg, (ea + d->opsize) & addr_mask(d), 2);
}

static void op_jmp_Mp(CPUX86State *env, const Insn *d)
{
    uint16_t sel;
    uint64_t off;

    load_far_pointer(env, d, &sel, &off);
    far_transfer(env, d, sel, off, false);
}

static void op_call_Mp(CPUX86State *env, const Insn *d)
{
    uint16_t sel;
    uint64_t off;

    load_far_pointer(env, d, &sel, &off);
    far_transfer(env, d, sel, off, true);
}

/* --- far returns (RETF here, IRET in excp.c) --- */

/* The code segment returned to (SDM vol. 2 RET: protected mode). */
static void check_return_code(CPUX86State *env, uint16_t sel, Desc *d)
{
    unsigned rpl = sel & SEL_RPL, dpl;

    if (sel_is_null(sel)) {
        raise_exception_err(env, EXCP_GP, 0);
    }
    if (!desc_fetch(env, sel, d) || !desc_is_code(d->hi) || rpl < cpu_cpl(env)) {
        raise_sel(env, EXCP_GP, sel);
    }
    dpl = desc_dpl(d->hi);
    if ((d->hi & DESC_C) ? dpl > rpl : dpl != rpl) {
        raise_sel(env, EXCP_GP, sel);
    }
    if (!(d->hi & DESC_P)) {
        raise_sel(env, EXCP_NP, sel);
    }
}

/*
 * Returning to an outer privilege level invalidates data segments the new level may
 * not use (SDM vol. 2 RET, "RETURN-TO-OUTER-PRIVILEGE-LEVEL").
 */
static void null_inaccessible_segments(CPUX86State *env, unsigned cpl)
{
    static const int segs[] = {R_ES, R_DS, R_FS, R_GS};

    for (size_t i = 0; i < ARRAY_SIZE(segs); i++) {
        SegmentCache *s = &env->segs[segs[i]];
        bool data_or_nonconforming =
            (s->flags & DESC_S) && !(desc_is_code(s->flags) && (s->flags & DESC_C));
        if (data_or_nonconforming && desc_dpl(s->flags) < cpl) {
            cpu_set_seg_raw(env, segs[i], 0, s->base, s->limit, s->flags & ~DESC_P);
        }
    }
}

/* The SS:ESP popped by a return to an outer level (or by a 64-bit IRET). */
typedef struct OuterStack {
    uint16_t sel;
    uint64_t sp;
    bool null64; /* null SS returning to 64-bit code at CPL < 3 */
    Desc desc;
} OuterStack;

static void check_outer_stack(CPUX86State *env, const FarReturn *r, const Desc *cs,
                              OuterStack *st)
{
    unsigned rpl = r->cs & SEL_RPL;

    st->sp = stack_read(env, r->frame + r->release, r->size);
    st->sel = stack_read(env, r->frame + r->release + r->size, 2);
    st->null64 = sel_is_null(st->sel) && desc_is_code64(env, cs->hi) && rpl != 3;
    if (st->null64 && (st->sel & SEL_RPL) != rpl) {
        raise_sel(env, EXCP_GP, st->sel);
    }
    if (!st->null64) {
        check_stack_segment(env, st->sel, rpl, EXCP_GP, 0, &st->desc);
    }
}

static void return_with_stack(CPUX86State *env, const FarReturn *r, const Desc *cs)
{
    unsigned old_cpl = cpu_cpl(env), rpl = r->cs & SEL_RPL;
    OuterStack st;

    check_outer_stack(env, r, cs, &st);
    check_far_ip(env, cs->hi, desc_limit(cs), r->ip);
    desc_set_accessed(env, cs);
    if (!st.null64) {
        desc_set_accessed(env, &st.desc);
    }
    seg_set_from_desc(env, R_CS, r->cs, cs);
    if (st.null64) {
        seg_load_null_ss64(env, st.sel, rpl);
    } else {
        seg_set_from_desc(env, R_SS, st.sel, &st.desc);
    }
    set_stack_pointer(env, st.sp + r->release, current_stack_mask(env));
    if (rpl > old_cpl) {
        null_inaccessible_segments(env, rpl);
    }
}

void far_return_protected(CPUX86State *env, const FarReturn *r)
{
    Desc cs;

    check_return_code(env, r->cs, &cs);
    if ((r->cs & SEL_RPL) != cpu_cpl(env) || r->pop_ss_always) {
        return_with_stack(env, r, &cs);
    } else {
        uint64_t sp = env->regs[R_ESP] + r->frame + r->release;
        uint64_t mask = current_stack_mask(env);
        check_far_ip(env, cs.hi, desc_limit(&cs), r->ip);
        seg_load_desc(env, R_CS, r->cs, &cs);
        set_stack_pointer(env, sp, mask);
    }
    env->next_rip = r->ip;
}

static void far_return(CPUX86State *env, const Insn *d, unsigned release)
{
    unsigned size = d->opsize;
    uint64_t ip = stack_read(env, 0, size);
    uint16_t cs = stack_read(env, size, 2);

    if (cpu_protected(env)) {
        FarReturn r = {cs, ip, size, 2 * size, release, false};
        far_return_protected(env, &r);
        return;
    }
    if (ip > env->segs[R_CS].limit) {
        raise_exception_err(env, EXCP_GP, 0);
    }
    cpu_load_seg(env, R_CS, cs);
    release_stack(env, 2 * size + release);
    env->next_rip = ip;
}

static void op_retf(CPUX86State *env, const Insn *d)
{
    far_return(env, d, 0);
}

static void op_retf_Iw(CPUX86State *env, const Insn *d)
{
    far_return(env, d, d->imm & 0xffff);
}

/* --- MOV / PUSH / POP Sreg --- */

/* MOV SS and POP SS hold off interrupts until the next instruction has run. */
static void inhibit_irq_one_insn(CPUX86State *env)
{
    env->irq_inhibit_until = icount.count + 2;
}

static int sreg_of(const Insn *d)
{
    return d->reg & 7;
}

static void op_mov_Sw_Ew(CPUX86State *env, const Insn *d)
{
    int seg = sreg_of(d);

    if (seg >= NR_SEGS || seg == R_CS) {
        raise_exception(env, EXCP_UD);
    }
    cpu_load_seg(env, seg, ld_rm(env, d, 2));
    if (seg == R_SS) {
        inhibit_irq_one_insn(env);
    }
}

/* A register destination takes the selector zero-extended to the operand size. */
static void op_mov_Ew_Sw(CPUX86State *env, const Insn *d)
{
    int seg = sreg_of(d);

    if (seg >= NR_SEGS) {
        raise_exception(env, EXCP_UD);
    }
    st_rm(env, d, d->mod == 3 ? d->opsize : 2, env->segs[seg].selector);
}

/* The segment register named by the opcode: 06/07 ES, 0E CS, 16/17 SS, 1E/1F DS. */
static int sreg_of_opcode(const Insn *d)
{
    if (d->map == MAP_0F) {
        return d->opcode < 0xa8 ? R_FS : R_GS;
    }
    return (d->opcode >> 3) & 3;
}

static void op_push_sreg(CPUX86State *env, const Insn *d)
{
    cpu_push(env, d->opsize, env->segs[sreg_of_opcode(d)].selector);
}

/* Load first, then move rSP: a faulting POP leaves the stack untouched. */
static void op_pop_sreg(CPUX86State *env, const Insn *d)
{
    int seg = sreg_of_opcode(d);

    cpu_load_seg(env, seg, cpu_stack_peek(env, d->opsize, 0));
    release_stack(env, d->opsize);
    if (seg == R_SS) {
        inhibit_irq_one_insn(env);
    }
}

/* --- LDS / LES / LSS / LFS / LGS --- */

static void load_far_pointer_into(CPUX86State *env, const Insn *d, int seg)
{
    uint16_t sel;
    uint64_t off;

    load_far_pointer(env, d, &sel, &off);
    cpu_load_seg(env, seg, sel);
    st_reg(env, d, d->opsize, off);
}

static void op_les_Gv_Mp(CPUX86State *env, const Insn *d)
{
    load_far_pointer_into(env, d, R_ES);
}

static void op_lds_Gv_Mp(CPUX86State *env, const Insn *d)
{
    load_far_pointer_into(env, d, R_DS);
}

static void op_lss_Gv_Mp(CPUX86State *env, const Insn *d)
{
    load_far_pointer_into(env, d, R_SS);
}

static void op_lfs_Gv_Mp(CPUX86State *env, const Insn *d)
{
    load_far_pointer_into(env, d, R_FS);
}

static void op_lgs_Gv_Mp(CPUX86State *env, const Insn *d)
{
    load_far_pointer_into(env, d, R_GS);
}

/* --- LAR / LSL / VERR / VERW / ARPL (protected mode only) --- */

static void require_protected(CPUX86State *env)
{
    if (!cpu_protected(env)) {
        raise_exception(env, EXCP_UD);
    }
}

static void set_zf(CPUX86State *env, bool zf)
{
    cc_set_flags(env, zf ? CC_Z : 0, CC_Z);
}

/* System types LAR (lar = true) or LSL may report; long mode allows fewer. */
static bool system_type_visible(const CPUX86State *env, unsigned type, bool lar)
{
    static const uint16_t legacy_lar = 0x1a3e; /* 1-5, 9, 11, 12 */
    static const uint16_t legacy_lsl = 0x0a0e; /* 1-3, 9, 11 */
    static const uint16_t long_lar = 0x1a04;   /* 2, 9, 11, 12 */
    static const uint16_t long_lsl = 0x0a04;   /* 2, 9, 11 */
    uint16_t set = (env->efer & EFER_LMA) ? (lar ? long_lar : long_lsl)
                                          : (lar ? legacy_lar : legacy_lsl);
    return (set >> type) & 1;
}

/*
 * The descriptor LAR/LSL/VERR/VERW look at, if the current privilege may see it
 * (conforming code is visible from any level).
 */
static bool desc_visible(CPUX86State *env, uint16_t sel, Desc *d)
{
    unsigned dpl;

    if (sel_is_null(sel) || !desc_fetch(env, sel, d)) {
        return false;
    }
    dpl = desc_dpl(d->hi);
    if (desc_is_code(d->hi) && (d->hi & DESC_C)) {
        return true;
    }
    return dpl >= cpu_cpl(env) && dpl >= (sel & SEL_RPL);
}

static bool lar_lsl_valid(CPUX86State *env, uint16_t sel, Desc *d, bool lar)
{
    if (!desc_visible(env, sel, d)) {
        return false;
    }
    return (d->hi & DESC_S) || system_type_visible(env, desc_type(d->hi), lar);
}

static void op_lar_Gv_Ew(CPUX86State *env, const Insn *d)
{
    uint16_t sel;
    Desc desc;
    bool ok;

    require_protected(env);
    sel = ld_rm(env, d, 2);
    ok = lar_lsl_valid(env, sel, &desc, true);
    if (ok) {
        st_reg(env, d, d->opsize, desc.hi & 0x00f0ff00);
    }
    set_zf(env, ok);
}

static void op_lsl_Gv_Ew(CPUX86State *env, const Insn *d)
{
    uint16_t sel;
    Desc desc;
    bool ok;

    require_protected(env);
    sel = ld_rm(env, d, 2);
    ok = lar_lsl_valid(env, sel, &desc, false);
    if (ok) {
        st_reg(env, d, d->opsize, desc_limit(&desc));
    }
    set_zf(env, ok);
}

static void op_verr_Ew(CPUX86State *env, const Insn *d)
{
    Desc desc;
    bool ok;

    require_protected(env);
    ok = desc_visible(env, ld_rm(env, d, 2), &desc) && (desc.hi & DESC_S) &&
         (!desc_is_code(desc.hi) || (desc.hi & DESC_R));
    set_zf(env, ok);
}

static void op_verw_Ew(CPUX86State *env, const Insn *d)
{
    Desc desc;
    bool ok;

    require_protected(env);
    ok = desc_visible(env, ld_rm(env, d, 2), &desc) && desc_is_writable_data(desc.hi);
    set_zf(env, ok);
}

static void op_arpl_Ew_Gw(CPUX86State *env, const Insn *d)
{
    uint16_t dst, src;

    require_protected(env);
    dst = ld_rm(env, d, 2);
    src = ld_reg(env, d, 2);
    if ((dst & SEL_RPL) < (src & SEL_RPL)) {
        st_rm(env, d, 2, (dst & ~SEL_RPL) | (src & SEL_RPL));
        set_zf(env, true);
    } else {
        set_zf(env, false);
    }
}

/* --- SGDT / SIDT / LGDT / LIDT --- */

static void require_cpl0(CPUX86State *env)
{
    if (cpu_cpl(env) != 0) {
        raise_exception_err(env, EXCP_GP, 0);
    }
}

/* The base is 8 bytes in 64-bit mode, else 4 (24 bits used with a 16-bit operand). */
static unsigned table_base_size(const CPUX86State *env)
{
    return cpu_is_64bit(env) ? 8 : 4;
}

static void store_table_reg(CPUX86State *env, const Insn *d, const DescTable *t)
{
    uint64_t ea = insn_ea(env, d);

    cpu_st(env, d->seg, (ea + 2) & addr_mask(d), table_base_size(env), t->base);
    cpu_st(env, d->seg, ea, 2, t->limit);
}

static void load_table_reg(CPUX86State *env, const Insn *d, DescTable *t)
{
    uint64_t ea = insn_ea(env, d);
    uint16_t limit;
    uint64_t base;

    require_cpl0(env);
    limit = cpu_ld(env, d->seg, ea, 2);
    base = cpu_ld(env, d->seg, (ea + 2) & addr_mask(d), table_base_size(env));
    if (!cpu_is_64bit(env) && d->opsize == 2) {
        base &= 0xffffff;
    }
    if (cpu_is_64bit(env) && !is_canonical(base)) {
        raise_exception_err(env, EXCP_GP, 0);
    }
    t->base = base;
    t->limit = limit;
}

static void op_sgdt_Ms(CPUX86State *env, const Insn *d)
{
    store_table_reg(env, d, &env->gdt);
}

static void op_sidt_Ms(CPUX86State *env, const Insn *d)
{
    store_table_reg(env, d, &env->idt);
}

static void op_lgdt_Ms(CPUX86State *env, const Insn *d)
{
    load_table_reg(env, d, &env->gdt);
}

static void op_lidt_Ms(CPUX86State *env, const Insn *d)
{
    load_table_reg(env, d, &env->idt);
}

/* --- SLDT / STR / LLDT / LTR --- */

/* A register destination gets the selector zero-extended to the operand size. */
static void store_selector(CPUX86State *env, const Insn *d, uint16_t sel)
{
    require_protected(env);
    st_rm(env, d, d->mod == 3 ? d->opsize : 2, sel);
}

static void op_sldt_Ew(CPUX86State *env, const Insn *d)
{
    store_selector(env, d, env->ldt.selector);
}

static void op_str_Ew(CPUX86State *env, const Insn *d)
{
    store_selector(env, d, env->tr.selector);
}

/* LDT and TSS descriptors: in the GDT, of an accepted type, present. */
static void fetch_system_desc(CPUX86State *env, uint16_t sel, uint32_t types, Desc *d)
{
    if (!desc_fetch_system(env, sel, d) || (d->hi & DESC_S) ||
        !((types >> desc_type(d->hi)) & 1)) {
        raise_sel(env, EXCP_GP, sel);
    }
    if (!(d->hi & DESC_P)) {
        raise_sel(env, EXCP_NP, sel);
    }
    if ((env->efer & EFER_LMA) && !is_canonical(desc_base(d))) {
        raise_sel(env, EXCP_GP, sel);
    }
}

static void system_seg_set(SegmentCache *s, uint16_t sel, const Desc *d)
{
    *s = (SegmentCache){sel, desc_base(d), desc_limit(d), desc_flags(d)};
}

static void op_lldt_Ew(CPUX86State *env, const Insn *d)
{
    uint16_t sel;
    Desc desc;

    require_protected(env);
    require_cpl0(env);
    sel = ld_rm(env, d, 2);
    if (sel_is_null(sel)) {
        env->ldt = (SegmentCache){.selector = sel};
        return;
    }
    fetch_system_desc(env, sel, 1u << SYS_LDT, &desc);
    system_seg_set(&env->ldt, sel, &desc);
}

/* LTR marks the TSS busy in the GDT (SDM 7.2.4). */
static void op_ltr_Ew(CPUX86State *env, const Insn *d)
{
    uint32_t available = (1u << SYS_TSS16_AVAIL) | (1u << SYS_TSS32_AVAIL);
    uint16_t sel;
    Desc desc;

    require_protected(env);
    require_cpl0(env);
    sel = ld_rm(env, d, 2);
    if (sel_is_null(sel)) {
        raise_exception_err(env, EXCP_GP, 0);
    }
    if (env->efer & EFER_LMA) {
        available = 1u << SYS_TSS32_AVAIL;
    }
    fetch_system_desc(env, sel, available, &desc);
    desc.hi |= 2u << DESC_TYPE_SHIFT;
    cpu_st_lin(env, desc.addr + 4, 4, desc.hi);
    system_seg_set(&env->tr, sel, &desc);
}

static const InsnDef seg_insns[] = {
    {MAP_NONE, 0x8e, ANY, ANY, ANY, ANY, IF_EXIT, op_mov_Sw_Ew, "mov"},
    {MAP_NONE, 0x8c, ANY, ANY, ANY, ANY, 0, op_mov_Ew_Sw, "mov"},
    {MAP_NONE, 0x06, ANY, ANY, ANY, ANY, IF_NO64, op_push_sreg, "push"},
    {MAP_NONE, 0x07, ANY, ANY, ANY, ANY, IF_NO64 | IF_EXIT, op_pop_sreg, "pop"},
    {MAP_NONE, 0x0e, ANY, ANY, ANY, ANY, IF_NO64, op_push_sreg, "push"},
    {MAP_NONE, 0x16, ANY, ANY, ANY, ANY, IF_NO64, op_push_sreg, "push"},
    {MAP_NONE, 0x17, ANY, ANY, ANY, ANY, IF_NO64 | IF_EXIT, op_pop_sreg, "pop"},
    {MAP_NONE, 0x1e, ANY, ANY, ANY, ANY, IF_NO64, op_push_sreg, "push"},
    {MAP_NONE, 0x1f, ANY, ANY, ANY, ANY, IF_NO64 | IF_EXIT, op_pop_sreg, "pop"},
    {MAP_0F, 0xa0, ANY, ANY, ANY, ANY, 0, op_push_sreg, "push"},
    {MAP_0F, 0xa1, ANY, ANY, ANY, ANY, IF_EXIT, op_pop_sreg, "pop"},
    {MAP_0F, 0xa8, ANY, ANY, ANY, ANY, 0, op_push_sreg, "push"},
    {MAP_0F, 0xa9, ANY, ANY, ANY, ANY, IF_EXIT, op_pop_sreg, "pop"},
    {MAP_NONE, 0xc4, ANY, MOD_MEM, ANY, ANY, IF_NO64 | IF_EXIT, op_les_Gv_Mp, "les"},
    {MAP_NONE, 0xc5, ANY, MOD_MEM, ANY, ANY, IF_NO64 | IF_EXIT, op_lds_Gv_Mp, "lds"},
    {MAP_0F, 0xb2, ANY, MOD_MEM, ANY, ANY, IF_EXIT, op_lss_Gv_Mp, "lss"},
    {MAP_0F, 0xb4, ANY, MOD_MEM, ANY, ANY, IF_EXIT, op_lfs_Gv_Mp, "lfs"},
    {MAP_0F, 0xb5, ANY, MOD_MEM, ANY, ANY, IF_EXIT, op_lgs_Gv_Mp, "lgs"},
    {MAP_NONE, 0xea, ANY, ANY, ANY, ANY, IF_NO64 | IF_BRANCH | IF_EXIT, op_jmp_Ap,
     "ljmp"},
    {MAP_NONE, 0x9a, ANY, ANY, ANY, ANY, IF_NO64 | IF_BRANCH | IF_EXIT, op_call_Ap,
     "lcall"},
    {MAP_NONE, 0xff, 5, MOD_MEM, ANY, ANY, IF_BRANCH | IF_EXIT, op_jmp_Mp, "ljmp"},
    {MAP_NONE, 0xff, 3, MOD_MEM, ANY, ANY, IF_BRANCH | IF_EXIT, op_call_Mp, "lcall"},
    {MAP_NONE, 0xcb, ANY, ANY, ANY, ANY, IF_BRANCH | IF_EXIT, op_retf, "lret"},
    {MAP_NONE, 0xca, ANY, ANY, ANY, ANY, IF_BRANCH | IF_EXIT, op_retf_Iw, "lret"},
    {MAP_0F, 0x02, ANY, ANY, ANY, ANY, 0, op_lar_Gv_Ew, "lar"},
    {MAP_0F, 0x03, ANY, ANY, ANY, ANY, 0, op_lsl_Gv_Ew, "lsl"},
    {MAP_0F, 0x00, 4, ANY, ANY, ANY, 0, op_verr_Ew, "verr"},
    {MAP_0F, 0x00, 5, ANY, ANY, ANY, 0, op_verw_Ew, "verw"},
    {MAP_NONE, 0x63, ANY, ANY, ANY, ANY, IF_NO64, op_arpl_Ew_Gw, "arpl"},
    {MAP_0F, 0x01, 0, MOD_MEM, ANY, ANY, 0, op_sgdt_Ms, "sgdt"},
    {MAP_0F, 0x01, 1, MOD_MEM, ANY, ANY, 0, op_sidt_Ms, "sidt"},
    {MAP_0F, 0x01, 2, MOD_MEM, ANY, ANY, IF_EXIT, op_lgdt_Ms, "lgdt"},
    {MAP_0F, 0x01, 3, MOD_MEM, ANY, ANY, IF_EXIT, op_lidt_Ms, "lidt"},
    {MAP_0F, 0x00, 0, ANY, ANY, ANY, 0, op_sldt_Ew, "sldt"},
    {MAP_0F, 0x00, 1, ANY, ANY, ANY, 0, op_str_Ew, "str"},
    {MAP_0F, 0x00, 2, ANY, ANY, ANY, IF_EXIT, op_lldt_Ew, "lldt"},
    {MAP_0F, 0x00, 3, ANY, ANY, ANY, IF_EXIT, op_ltr_Ew, "ltr"},
};
INSN_TABLE(seg_insns)
