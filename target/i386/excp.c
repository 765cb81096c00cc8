/*
 * Exceptions and interrupts: raising faults from handlers, delivery through the
 * real-mode IVT and the protected-mode and long-mode IDT (task gates hand over to
 * task.c), the double-fault rule, INT n / INT3 / INTO / INT1 / BOUND and IRET, including
 * the return from a nested task (Intel SDM vol. 3 chapter 6 and 20.1.4; vol. 2 INT n,
 * IRET). The VME rules for V86-mode INT n and IRET are in vme.c.
 *
 * Handlers raise with a longjmp to the exec loop, which calls cpu_do_interrupt. A
 * fault during delivery longjmps out of cpu_do_interrupt in turn and comes back as a
 * new call; env->exception_depth remembers the class of the event whose delivery was
 * interrupted, which is all the double-fault rule (SDM table 6-5) needs. Delivery,
 * like a handler, does every access that can fault before changing a register.
 */
#include "target/i386/access.h"
#include "target/i386/desc.h"
#include "target/i386/flags.h"
#include "target/i386/insn.h"
#include "target/i386/vme.h"
#include "system/icount.h"
#include "system/runstate.h"
#include "util/log.h"

/* --- raising --- */

/* Exceptions that push an error code in protected mode (SDM table 6-1). */
static bool vector_has_error_code(int vector)
{
    switch (vector) {
    case EXCP_DF:
    case EXCP_TS:
    case EXCP_NP:
    case EXCP_SS:
    case EXCP_GP:
    case EXCP_PF:
    case EXCP_AC:
    case 21: /* #CP */ return true;
    default: return false;
    }
}

NORETURN static void raise_event(CPUX86State *env, int vector, bool is_soft,
                                 int error_code, uint64_t next_rip)
{
    env->exception_index = vector;
    env->exception_is_soft = is_soft;
    env->exception_has_error = !is_soft && vector_has_error_code(vector);
    env->error_code = error_code;
    env->exception_next_rip = next_rip;
    longjmp(env->jmp_env, 1);
}

void raise_exception(CPUX86State *env, int vector)
{
    cpu_sync_insn(env);
    raise_event(env, vector, false, 0, env->rip);
}

void raise_exception_err(CPUX86State *env, int vector, int error_code)
{
    cpu_sync_insn(env);
    raise_event(env, vector, false, error_code, env->rip);
}

void raise_interrupt(CPUX86State *env, int vector, bool is_soft)
{
    raise_event(env, vector, is_soft, 0, env->next_rip);
}

/* --- delivery: common --- */

typedef struct Event {
    int vector;
    bool is_soft; /* INT n, INT3, INTO: the gate's DPL is checked, EXT is clear */
    bool has_error;
    uint32_t error_code;
    uint64_t next_rip; /* the return address pushed */
} Event;

/* The EXT bit of error codes raised while delivering a hardware event. */
static unsigned event_ext(const Event *ev)
{
    return ev->is_soft ? 0 : 1;
}

/* Error code naming the IDT entry of the event. */
static unsigned idt_error(const Event *ev)
{
    return ev->vector * 8 + 2 + event_ext(ev);
}

/* Outside long mode linear addresses wrap at 4 GiB. */
static uint32_t linear32(uint64_t addr)
{
    return (uint32_t)addr;
}

/* --- real mode (SDM 20.1.4) --- */

static void int_real(CPUX86State *env, const Event *ev)
{
    uint64_t frame[3];
    uint32_t entry;

    if (ev->vector * 4 + 3 > env->idt.limit) {
        raise_exception_err(env, EXCP_GP, 0);
    }
    entry = cpu_ld_lin(env, linear32(env->idt.base + ev->vector * 4), 4);
    frame[0] = cpu_get_eflags(env);
    frame[1] = env->segs[R_CS].selector;
    frame[2] = ev->next_rip;
    stack_push_frame(env, frame, 3, 2);
    cpu_load_seg(env, R_CS, entry >> 16);
    env->rip = entry & 0xffff;
    env->eflags &= ~(IF_MASK | TF_MASK | AC_MASK | RF_MASK);
}

/* --- IDT gates --- */

typedef struct Gate {
    unsigned type;
    unsigned dpl;
    uint16_t sel;
    uint64_t offset;
    unsigned ist; /* long mode: interrupt stack table slot, 0 for none */
} Gate;

static bool gate_type_valid(const CPUX86State *env, unsigned type)
{
    if (env->efer & EFER_LMA) {
        return type == SYS_INT_GATE32 || type == SYS_TRAP_GATE32;
    }
    return type == SYS_TASK_GATE || type == SYS_INT_GATE16 || type == SYS_TRAP_GATE16 ||
           type == SYS_INT_GATE32 || type == SYS_TRAP_GATE32;
}

static void decode_gate(const CPUX86State *env, uint32_t lo, uint32_t hi, uint64_t hi2,
                        Gate *g)
{
    g->type = desc_type(hi);
    g->dpl = desc_dpl(hi);
    g->sel = lo >> 16;
    g->offset = lo & 0xffff;
    g->ist = 0;
    if (g->type & 8) {
        g->offset |= hi & 0xffff0000;
    }
    if (env->efer & EFER_LMA) {
        g->offset |= (hi2 & 0xffffffff) << 32;
        g->ist = hi & 7;
    }
}

/* The IDT entry of the event, after the checks of SDM vol. 2 INT n, in order. */
static void read_gate(CPUX86State *env, const Event *ev, Gate *g)
{
    unsigned entry = (env->efer & EFER_LMA) ? 16 : 8;
    uint64_t addr = env->idt.base + (uint64_t)ev->vector * entry;
    uint64_t raw, hi2 = 0;

    if (ev->vector * entry + entry - 1 > env->idt.limit) {
        raise_exception_err(env, EXCP_GP, idt_error(ev));
    }
    if (!(env->efer & EFER_LMA)) {
        addr = linear32(addr);
    }
    raw = cpu_ld_lin(env, addr, 8);
    if (entry == 16) {
        hi2 = cpu_ld_lin(env, addr + 8, 8);
    }
    decode_gate(env, (uint32_t)raw, (uint32_t)(raw >> 32), hi2, g);
    if (((raw >> 32) & DESC_S) || !gate_type_valid(env, g->type)) {
        raise_exception_err(env, EXCP_GP, idt_error(ev));
    }
    if (ev->is_soft && g->dpl < cpu_cpl(env)) {
        raise_exception_err(env, EXCP_GP, ev->vector * 8 + 2);
    }
    if (!((raw >> 32) & DESC_P)) {
        raise_exception_err(env, EXCP_NP, idt_error(ev));
    }
}

/* The handler's code segment: present code, DPL <= CPL (64-bit code in long mode). */
static void check_handler_code(CPUX86State *env, const Event *ev, uint16_t sel, Desc *cs)
{
    unsigned err = (sel & SEL_MASK) | event_ext(ev);

    if ((sel & ~SEL_RPL) == 0) {
        raise_exception_err(env, EXCP_GP, event_ext(ev));
    }
    if (!desc_fetch(env, sel, cs) || !desc_is_code(cs->hi) ||
        desc_dpl(cs->hi) > cpu_cpl(env)) {
        raise_exception_err(env, EXCP_GP, err);
    }
    if (!(cs->hi & DESC_P)) {
        raise_exception_err(env, EXCP_NP, err);
    }
    if ((env->efer & EFER_LMA) && (!(cs->hi & DESC_L) || (cs->hi & DESC_B))) {
        raise_exception_err(env, EXCP_GP, err);
    }
}

static unsigned handler_cpl(const CPUX86State *env, const Desc *cs)
{
    return (cs->hi & DESC_C) ? (unsigned)cpu_cpl(env) : desc_dpl(cs->hi);
}

/* Entering the handler: the flags every gate clears, and IF for interrupt gates. */
static void enter_handler_flags(CPUX86State *env, const Gate *g)
{
    uint32_t clear = TF_MASK | NT_MASK | RF_MASK | VM_MASK;

    if (!(g->type & 1)) {
        clear |= IF_MASK;
    }
    env->eflags &= ~clear;
}

static void enter_handler(CPUX86State *env, const Gate *g, const Desc *cs,
                          unsigned new_cpl)
{
    enter_handler_flags(env, g);
    seg_set_from_desc(env, R_CS, (g->sel & ~SEL_RPL) | new_cpl, cs);
    env->rip = g->offset;
}

/* --- protected mode (SDM 6.12) --- */

static unsigned frame_slots(const CPUX86State *env, const Event *ev, const uint64_t *hdr,
                            uint64_t *frame, unsigned nhdr)
{
    unsigned n = 0;

    for (unsigned i = 0; i < nhdr; i++) {
        frame[n++] = hdr[i];
    }
    frame[n++] = cpu_get_eflags(env);
    frame[n++] = env->segs[R_CS].selector;
    frame[n++] = ev->next_rip;
    if (ev->has_error) {
        frame[n++] = ev->error_code;
    }
    return n;
}

/* From V86 mode the handler also gets the data segments, which are then nulled. */
static unsigned v86_extra_slots(const CPUX86State *env, uint64_t *hdr)
{
    hdr[0] = env->segs[R_GS].selector;
    hdr[1] = env->segs[R_FS].selector;
    hdr[2] = env->segs[R_DS].selector;
    hdr[3] = env->segs[R_ES].selector;
    return 4;
}

static void null_data_segments(CPUX86State *env)
{
    static const int segs[] = {R_ES, R_DS, R_FS, R_GS};

    for (size_t i = 0; i < ARRAY_SIZE(segs); i++) {
        cpu_set_seg_raw(env, segs[i], 0, 0, 0, 0);
    }
}

static void int_to_inner(CPUX86State *env, const Event *ev, const Gate *g, const Desc *cs,
                         unsigned new_cpl)
{
    unsigned size = (g->type & 8) ? 4 : 2, nhdr = 0, n;
    bool from_v86 = cpu_in_v86(env);
    uint64_t hdr[6], frame[11];
    NewStack st;

    tss_stack(env, new_cpl, event_ext(ev), &st);
    check_stack_segment(env, st.sel, new_cpl, EXCP_TS, event_ext(ev), &st.desc);
    if (g->offset > desc_limit(cs)) {
        raise_exception_err(env, EXCP_GP, event_ext(ev));
    }
    st.mask = (st.desc.hi & DESC_B) ? 0xffffffffull : 0xffff;
    st.ss_error = (st.sel & SEL_MASK) | event_ext(ev);
    if (from_v86) {
        nhdr = v86_extra_slots(env, hdr);
    }
    hdr[nhdr++] = env->segs[R_SS].selector;
    hdr[nhdr++] = env->regs[R_ESP];
    n = frame_slots(env, ev, hdr, frame, nhdr);
    new_stack_push(env, &st, frame, n, size);
    desc_set_accessed(env, &st.desc);
    desc_set_accessed(env, cs);
    enter_handler_flags(env, g);
    if (from_v86) {
        null_data_segments(env);
    }
    seg_set_from_desc(env, R_SS, st.sel, &st.desc);
    set_stack_pointer(env, st.sp, st.mask);
    enter_handler(env, g, cs, new_cpl);
}

static void int_same_level(CPUX86State *env, const Event *ev, const Gate *g,
                           const Desc *cs)
{
    unsigned size = (g->type & 8) ? 4 : 2, n;
    uint64_t frame[4];

    if (g->offset > desc_limit(cs)) {
        raise_exception_err(env, EXCP_GP, event_ext(ev));
    }
    n = frame_slots(env, ev, NULL, frame, 0);
    desc_set_accessed(env, cs);
    stack_push_frame(env, frame, n, size);
    enter_handler(env, g, cs, cpu_cpl(env));
}

/* A task gate switches to the handler's task; a fault's error code goes there. */
static void int_task_gate(CPUX86State *env, const Event *ev, const Gate *g)
{
    const uint32_t *error_code = ev->has_error ? &ev->error_code : NULL;

    task_gate_interrupt(env, g->sel, event_ext(ev), error_code, ev->next_rip);
}

static void int_protected(CPUX86State *env, const Event *ev)
{
    unsigned new_cpl;
    Gate g;
    Desc cs;

    read_gate(env, ev, &g);
    if (g.type == SYS_TASK_GATE) {
        int_task_gate(env, ev, &g);
        return;
    }
    check_handler_code(env, ev, g.sel, &cs);
    new_cpl = handler_cpl(env, &cs);
    if (cpu_in_v86(env) && new_cpl != 0) {
        raise_exception_err(env, EXCP_GP, (g.sel & SEL_MASK) | event_ext(ev));
    }
    if (new_cpl < cpu_cpl(env)) {
        int_to_inner(env, ev, &g, &cs, new_cpl);
    } else {
        int_same_level(env, ev, &g, &cs);
    }
}

/* --- long mode (SDM 6.14) --- */

static void int_long(CPUX86State *env, const Event *ev)
{
    unsigned cpl = cpu_cpl(env), new_cpl, n;
    uint64_t hdr[2], frame[6];
    NewStack st = {.mask = ~0ull};
    Gate g;
    Desc cs;

    read_gate(env, ev, &g);
    check_handler_code(env, ev, g.sel, &cs);
    new_cpl = handler_cpl(env, &cs);
    st.sp = env->regs[R_ESP];
    if (new_cpl < cpl || g.ist) {
        st.sp = tss64_stack(env, new_cpl, g.ist, event_ext(ev));
    }
    if (!is_canonical(g.offset)) {
        raise_exception_err(env, EXCP_GP, event_ext(ev));
    }
    st.sp &= ~15ull;
    hdr[0] = env->segs[R_SS].selector;
    hdr[1] = env->regs[R_ESP];
    n = frame_slots(env, ev, hdr, frame, 2);
    new_stack_push(env, &st, frame, n, 8);
    desc_set_accessed(env, &cs);
    if (new_cpl < cpl) {
        uint32_t flags = DESC_P | DESC_S | DESC_W | DESC_A | DESC_B;
        cpu_set_seg_raw(env, R_SS, new_cpl, 0, 0xffffffff,
                        flags | (new_cpl << DESC_DPL_SHIFT));
    }
    env->regs[R_ESP] = st.sp;
    enter_handler(env, &g, &cs, new_cpl);
}

/* --- the double-fault rule (SDM 6.15, table 6-5) --- */

/* Kept in env->exception_depth while an event is being delivered; 0 when none is. */
enum { EV_NONE, EV_BENIGN, EV_CONTRIBUTORY, EV_PAGE_FAULT, EV_DOUBLE_FAULT };

/*
 * An external interrupt may use an exception's vector (a BIOS puts IRQ 0 at 8); it
 * carries no error code, which is how it is told apart from the exception.
 */
static int event_class(const Event *ev)
{
    if (ev->is_soft) {
        return EV_BENIGN;
    }
    switch (ev->vector) {
    case EXCP_DE: return EV_CONTRIBUTORY;
    case EXCP_TS:
    case EXCP_NP:
    case EXCP_SS:
    case EXCP_GP: return ev->has_error ? EV_CONTRIBUTORY : EV_BENIGN;
    case EXCP_PF: return ev->has_error ? EV_PAGE_FAULT : EV_BENIGN;
    case EXCP_DF: return ev->has_error ? EV_DOUBLE_FAULT : EV_BENIGN;
    default: return EV_BENIGN;
    }
}

static bool makes_double_fault(int first, int second)
{
    if (first == EV_CONTRIBUTORY) {
        return second == EV_CONTRIBUTORY;
    }
    return first == EV_PAGE_FAULT &&
           (second == EV_CONTRIBUTORY || second == EV_PAGE_FAULT);
}

static bool makes_triple_fault(int first, int second)
{
    return first == EV_DOUBLE_FAULT &&
           (second == EV_CONTRIBUTORY || second == EV_PAGE_FAULT);
}

/* Shutdown: the CPU stops until the machine is reset (or -no-reboot ends the run). */
static void triple_fault(CPUX86State *env, const Event *ev)
{
    log_mask_printf(LOG_INT,
                    "int: triple fault (vector %02x at %04x:%08" PRIx64 "), reset\n",
                    ev->vector, env->segs[R_CS].selector, env->rip);
    env->exception_depth = EV_NONE;
    env->halted = true;
    cpu_exit(env);
    runstate_reset_request();
}

static void log_event(const CPUX86State *env, const Event *ev)
{
    log_mask_printf(LOG_INT,
                    "int: icount %" PRIu64 " vector %02x%s err %04x at %04x:%08" PRIx64
                    " sp %04x:%08" PRIx64 " cpl %d eflags %08x\n",
                    icount.count, ev->vector, ev->is_soft ? " (soft)" : "",
                    ev->has_error ? ev->error_code : 0, env->segs[R_CS].selector,
                    env->rip, env->segs[R_SS].selector, env->regs[R_ESP], cpu_cpl(env),
                    cpu_get_eflags(env));
}

static void deliver(CPUX86State *env, const Event *ev)
{
    if (!(env->cr[0] & CR0_PE)) {
        int_real(env, ev);
    } else if (env->efer & EFER_LMA) {
        int_long(env, ev);
    } else {
        int_protected(env, ev);
    }
}

void cpu_do_interrupt(CPUX86State *env, int vector, bool is_soft, bool has_error,
                      int error_code, uint64_t next_rip)
{
    Event ev = {vector, is_soft, has_error, (uint32_t)error_code, next_rip};
    int first = env->exception_depth, second = event_class(&ev);

    if (makes_triple_fault(first, second)) {
        triple_fault(env, &ev);
        return;
    }
    if (makes_double_fault(first, second)) {
        ev = (Event){EXCP_DF, false, true, 0, env->rip};
        second = EV_DOUBLE_FAULT;
    }
    log_event(env, &ev);
    env->exception_depth = second;
    env->halted = false;
    deliver(env, &ev);
    env->next_rip = env->rip;
    env->exception_depth = EV_NONE;
}

/* --- INT n / INT3 / INTO / INT1 --- */

/*
 * In V86 mode INT n may be redirected to the 8086 program's own handler (VME, vme.c);
 * otherwise it is IOPL-sensitive. INT3 and INTO are neither.
 */
static void op_int_Ib(CPUX86State *env, const Insn *d)
{
    if (cpu_in_v86(env)) {
        if (vme_int_redirect(env, d->imm & 0xff)) {
            return;
        }
        if (cpu_iopl(env) < 3) {
            raise_exception_err(env, EXCP_GP, 0);
        }
    }
    raise_interrupt(env, d->imm & 0xff, true);
}

static void op_int3(CPUX86State *env, const Insn *d)
{
    raise_interrupt(env, EXCP_BP, true);
}

static void op_into(CPUX86State *env, const Insn *d)
{
    if (cc_compute_all(env) & CC_O) {
        raise_interrupt(env, EXCP_OF, true);
    }
}

static int64_t sign_extend(uint64_t v, unsigned size)
{
    unsigned shift = 64 - 8 * size;
    return (int64_t)(v << shift) >> shift;
}

/* BOUND: a #BR fault unless lower <= index <= upper, compared signed (SDM vol. 2). */
static void op_bound_Gv_Ma(CPUX86State *env, const Insn *d)
{
    unsigned size = d->opsize;
    uint64_t ea = insn_ea(env, d);
    int64_t lower = sign_extend(cpu_ld(env, d->seg, ea, size), size);
    int64_t upper = sign_extend(
        cpu_ld(env, d->seg, (ea + size) & size_mask(d->addrsize), size), size);
    int64_t index = sign_extend(get_reg(env, d->reg, size, false), size);

    if (index < lower || index > upper) {
        raise_exception(env, EXCP_BR);
    }
}

/* ICEBP (F1) is a #DB trap delivered like a hardware event: no gate DPL check. */
static void op_int1(CPUX86State *env, const Insn *d)
{
    raise_interrupt(env, EXCP_DB, false);
}

/* --- IRET --- */

#define IRET_REAL_FLAGS 0x257fd5u /* SDM IRET: what real mode restores */
#define IRET_V86_FLAGS  (IRET_REAL_FLAGS & ~IOPL_MASK)

static uint32_t flags_slot_mask(unsigned size)
{
    return size == 2 ? 0xffff : 0xffffffff;
}

/* Real mode, and V86 mode with IOPL 3: pop IP, CS, FLAGS. */
static void iret_real(CPUX86State *env, const Insn *d, uint32_t flags_mask)
{
    unsigned size = d->opsize;
    uint64_t ip = stack_read(env, 0, size);
    uint16_t cs = stack_read(env, size, 2);
    uint32_t flags = stack_read(env, 2 * size, size);

    if (ip > env->segs[R_CS].limit) {
        raise_exception_err(env, EXCP_GP, 0);
    }
    cpu_load_seg(env, R_CS, cs);
    release_stack(env, 3 * size);
    cpu_set_eflags(env, flags, flags_mask & flags_slot_mask(size));
    env->next_rip = ip;
}

/* What a protected-mode IRET may change, judged at the old CPL. */
static uint32_t iret_flags_mask(const CPUX86State *env, unsigned size)
{
    unsigned cpl = cpu_cpl(env);
    uint32_t mask = CC_ARITH | TF_MASK | DF_MASK | NT_MASK | RF_MASK | AC_MASK | ID_MASK;

    if (cpl <= cpu_iopl(env)) {
        mask |= IF_MASK;
    }
    if (cpl == 0) {
        mask |= IOPL_MASK | VIF_MASK | VIP_MASK;
    }
    return mask & flags_slot_mask(size);
}

/* IRETD at CPL 0 with VM set in the popped EFLAGS: back to V86 mode (SDM vol. 2). */
static void iret_to_v86(CPUX86State *env, uint64_t ip, uint16_t cs, uint32_t flags)
{
    static const int segs[] = {R_ES, R_DS, R_FS, R_GS};
    uint64_t sp = stack_read(env, 12, 4);
    uint16_t sel[6];

    sel[R_SS] = stack_read(env, 16, 2);
    for (size_t i = 0; i < ARRAY_SIZE(segs); i++) {
        sel[segs[i]] = stack_read(env, 20 + 4 * i, 2);
    }
    cpu_set_eflags(env, flags, ~0u);
    cpu_update_hflags(env);
    for (size_t i = 0; i < ARRAY_SIZE(segs); i++) {
        cpu_load_seg(env, segs[i], sel[segs[i]]);
    }
    cpu_load_seg(env, R_SS, sel[R_SS]);
    cpu_load_seg(env, R_CS, cs);
    env->regs[R_ESP] = (uint32_t)sp;
    env->next_rip = ip & 0xffff;
}

static void iret_protected(CPUX86State *env, const Insn *d)
{
    unsigned size = d->opsize;
    uint64_t ip;
    uint16_t cs;
    uint32_t flags, mask;

    if (env->eflags & NT_MASK) {
        if (env->efer & EFER_LMA) {
            raise_exception_err(env, EXCP_GP, 0); /* no tasks in long mode */
        }
        task_iret(env);
        return;
    }
    ip = stack_read(env, 0, size);
    cs = stack_read(env, size, 2);
    flags = stack_read(env, 2 * size, size == 2 ? 2 : 4);
    if ((flags & VM_MASK) && size == 4 && cpu_cpl(env) == 0 && !(env->efer & EFER_LMA)) {
        iret_to_v86(env, ip, cs, flags);
        return;
    }
    mask = iret_flags_mask(env, size);
    far_return_protected(env, &(FarReturn){cs, ip, size, 3 * size, 0, cpu_is_64bit(env)});
    cpu_set_eflags(env, flags, mask);
}

/* V86 mode with IOPL < 3 under VME: a 16-bit IRET whose popped IF goes to VIF. */
static void iret_vme(CPUX86State *env)
{
    uint16_t ip = stack_read(env, 0, 2);
    uint16_t cs = stack_read(env, 2, 2);
    uint16_t flags = stack_read(env, 4, 2);

    vme_check_flags(env, flags);
    cpu_load_seg(env, R_CS, cs);
    release_stack(env, 6);
    vme_load_flags(env, flags);
    env->next_rip = ip;
}

static void op_iret(CPUX86State *env, const Insn *d)
{
    if (!(env->cr[0] & CR0_PE)) {
        iret_real(env, d, IRET_REAL_FLAGS);
    } else if (!cpu_in_v86(env)) {
        iret_protected(env, d);
    } else if (cpu_iopl(env) == 3) {
        iret_real(env, d, IRET_V86_FLAGS);
    } else if (vme_active(env) && d->opsize == 2) {
        iret_vme(env);
    } else {
        raise_exception_err(env, EXCP_GP, 0);
    }
}

static const InsnDef excp_insns[] = {
    {MAP_NONE, 0xcd, ANY, ANY, ANY, ANY, IF_BRANCH | IF_EXIT, op_int_Ib, "int"},
    {MAP_NONE, 0xcc, ANY, ANY, ANY, ANY, IF_BRANCH | IF_EXIT, op_int3, "int3"},
    {MAP_NONE, 0xce, ANY, ANY, ANY, ANY, IF_NO64 | IF_BRANCH | IF_EXIT, op_into, "into"},
    {MAP_NONE, 0xf1, ANY, ANY, ANY, ANY, IF_BRANCH | IF_EXIT, op_int1, "int1"},
    {MAP_NONE, 0x62, ANY, MOD_MEM, ANY, ANY, IF_NO64, op_bound_Gv_Ma, "bound"},
    {MAP_NONE, 0xcf, ANY, ANY, ANY, ANY, IF_BRANCH | IF_EXIT, op_iret, "iret"},
};
INSN_TABLE(excp_insns)
