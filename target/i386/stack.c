/* Stack: PUSH, POP, PUSHA/POPA, PUSHF/POPF (VME: vme.c), ENTER, LEAVE, LAHF/SAHF (SDM
 * vol. 2). */
#include "target/i386/access.h"
#include "target/i386/desc.h"
#include "target/i386/flags.h"
#include "target/i386/insn.h"
#include "target/i386/vme.h"
#include "target/i386/sse-common.h" /* simd_check_ac, simd_probe_write */

/*
 * The multi-slot instructions (PUSHA, POPA, ENTER, LEAVE, POP Ev) address the stack
 * by hand and move rSP only after every access has succeeded, so a fault leaves the
 * registers as they were.
 */
static uint64_t stack_offset(const CPUX86State *env, uint64_t sp, int64_t delta)
{
    return (sp + delta) & size_mask(cpu_stack_size(env));
}

/* rSP after moving the stack top by delta: bits above the stack width stay, as in
 * cpu_push (only SP changes with a 16-bit stack). */
static uint64_t moved_sp(const CPUX86State *env, int64_t delta)
{
    uint64_t rsp = env->regs[R_ESP];
    return (rsp & ~size_mask(cpu_stack_size(env))) | stack_offset(env, rsp, delta);
}

static unsigned opcode_reg(const Insn *d)
{
    return (d->opcode & 7) | ((d->rex & 1) << 3);
}

/* --- PUSH / POP --- */

/* PUSH rSP stores the value from before the decrement. */
static void op_push_Zv(CPUX86State *env, const Insn *d)
{
    cpu_push(env, d->opsize, env->regs[opcode_reg(d)]);
}

/* POP rSP: the popped value wins over the increment. */
static void op_pop_Zv(CPUX86State *env, const Insn *d)
{
    set_reg(env, opcode_reg(d), d->opsize, true, cpu_pop(env, d->opsize));
}

static void op_push_Ev(CPUX86State *env, const Insn *d)
{
    cpu_push(env, d->opsize, ld_rm(env, d, d->opsize));
}

static void op_push_Iz(CPUX86State *env, const Insn *d)
{
    cpu_push(env, d->opsize, d->imm);
}

/*
 * POP Ev computes an rSP-based address with the already incremented rSP (SDM), but
 * the store must happen before rSP changes in case it faults.
 */
static void op_pop_Ev(CPUX86State *env, const Insn *d)
{
    uint64_t v = cpu_stack_peek(env, d->opsize, 0);
    uint64_t old_sp = env->regs[R_ESP], new_sp = moved_sp(env, d->opsize);
    uint64_t ea;

    env->regs[R_ESP] = new_sp;
    if (d->mod == 3) {
        set_reg(env, d->rm, d->opsize, true, v);
        return;
    }
    ea = insn_ea(env, d);
    env->regs[R_ESP] = old_sp; /* until the store has succeeded */
    cpu_st(env, d->seg, ea, d->opsize, v);
    env->regs[R_ESP] = new_sp;
}

/* --- PUSHA / POPA (not in 64-bit mode) --- */

/* Slot i of the PUSHA frame holds register i (EAX first, at the highest address). */
static void op_pusha(CPUX86State *env, const Insn *d)
{
    unsigned size = d->opsize;
    uint64_t sp = env->regs[R_ESP];

    for (unsigned r = R_EAX; r <= R_EDI; r++) {
        int64_t delta = -(int64_t)(size * (r + 1));
        cpu_st(env, R_SS, stack_offset(env, sp, delta), size, env->regs[r]);
    }
    env->regs[R_ESP] = moved_sp(env, -(int64_t)size * 8);
}

/* The saved rSP slot is skipped. */
static void op_popa(CPUX86State *env, const Insn *d)
{
    unsigned size = d->opsize;
    uint64_t sp = env->regs[R_ESP];
    uint64_t vals[8];

    for (unsigned r = R_EAX; r <= R_EDI; r++) {
        vals[r] = cpu_ld(env, R_SS, stack_offset(env, sp, size * (7 - r)), size);
    }
    env->regs[R_ESP] = moved_sp(env, size * 8);
    for (unsigned r = R_EAX; r <= R_EDI; r++) {
        if (r != R_ESP) {
            set_reg(env, r, size, true, vals[r]);
        }
    }
}

/* --- PUSHF / POPF --- */

static bool v86_without_iopl3(const CPUX86State *env)
{
    return (env->eflags & VM_MASK) && (env->eflags & IOPL_MASK) != IOPL_MASK;
}

/* V86 mode with IOPL < 3 faults, except a 16-bit PUSHF/POPF under VME (vme.c). */
static bool pushf_popf_virtualized(CPUX86State *env, const Insn *d)
{
    if (!v86_without_iopl3(env)) {
        return false;
    }
    if (!vme_active(env) || d->opsize != 2) {
        raise_exception_err(env, EXCP_GP, 0);
    }
    return true;
}

/* The image on the stack has VM and RF clear. */
static void op_pushf(CPUX86State *env, const Insn *d)
{
    if (pushf_popf_virtualized(env, d)) {
        cpu_push(env, 2, vme_flags_image(env));
        return;
    }
    cpu_push(env, d->opsize, cpu_get_eflags(env) & ~(VM_MASK | RF_MASK));
}

/*
 * Which EFLAGS bits POPF may change. VM, VIF and VIP never change; RF is cleared by a
 * wider-than-16-bit POPF; IOPL changes only at CPL 0 (V86 runs at CPL 3); IF only when
 * CPL <= IOPL. A 16-bit POPF touches only the low word.
 */
static uint32_t popf_mask(const CPUX86State *env, unsigned size)
{
    unsigned iopl = (env->eflags & IOPL_MASK) >> IOPL_SHIFT;
    uint32_t mask = CC_ARITH | TF_MASK | IF_MASK | DF_MASK | IOPL_MASK | NT_MASK |
                    RF_MASK | AC_MASK | ID_MASK;

    if (cpu_cpl(env) > 0 || (env->eflags & VM_MASK)) {
        mask &= ~IOPL_MASK;
    }
    if (cpu_cpl(env) > iopl) {
        mask &= ~IF_MASK;
    }
    return size == 2 ? mask & 0xffff : mask;
}

/* Under VME the popped IF goes to VIF; the checks come before SP moves. */
static void popf_virtual(CPUX86State *env)
{
    uint16_t image = stack_read(env, 0, 2);

    vme_check_flags(env, image);
    release_stack(env, 2);
    vme_load_flags(env, image);
}

static void op_popf(CPUX86State *env, const Insn *d)
{
    uint64_t v;

    if (pushf_popf_virtualized(env, d)) {
        popf_virtual(env);
        return;
    }
    v = cpu_pop(env, d->opsize);
    cpu_set_eflags(env, (uint32_t)v & ~RF_MASK, popf_mask(env, d->opsize));
}

/* --- LAHF / SAHF (valid in 64-bit mode: LAHF_LM) --- */

#define AH_FLAGS (CC_S | CC_Z | CC_A | CC_P | CC_C)

static void op_lahf(CPUX86State *env, const Insn *d)
{
    uint32_t ah = (cc_compute_all(env) & AH_FLAGS) | EFLAGS_FIXED;
    set_reg(env, 4, 1, false, ah);
}

static void op_sahf(CPUX86State *env, const Insn *d)
{
    cc_set_flags(env, get_reg(env, 4, 1, false), AH_FLAGS);
}

/* --- ENTER / LEAVE --- */

/*
 * The new stack top is checked as a store of the operand size would be (#AC, #PF with
 * W set), after the pushes and before any register changes: AMD Zen 3 faults there
 * when the allocation runs into a bad page or leaves rSP misaligned.
 */
static void enter_probe_top(CPUX86State *env, uint64_t off, unsigned size)
{
    simd_check_ac(env, R_SS, off, size);
    simd_probe_write(env, R_SS, off, size);
}

/*
 * ENTER imm16, level: push rBP, copy level-1 frame pointers from the enclosing frame
 * (read through rBP, wrapping at the stack width), push the new frame pointer, then
 * allocate imm16 bytes. All stores go below the old rSP before any register changes.
 */
static void op_enter(CPUX86State *env, const Insn *d)
{
    unsigned size = d->opsize;
    unsigned level = d->imm2 & 31;
    uint64_t sp = env->regs[R_ESP], bp = env->regs[R_EBP];
    int64_t depth = -(int64_t)size;
    uint64_t frame;

    cpu_st(env, R_SS, stack_offset(env, sp, depth), size, bp);
    frame = moved_sp(env, depth);
    for (unsigned i = 1; i < level; i++) {
        uint64_t link =
            cpu_ld(env, R_SS, stack_offset(env, bp, -(int64_t)size * i), size);
        depth -= size;
        cpu_st(env, R_SS, stack_offset(env, sp, depth), size, link);
    }
    if (level > 0) {
        depth -= size;
        cpu_st(env, R_SS, stack_offset(env, sp, depth), size, frame);
    }
    depth -= d->imm & 0xffff;
    enter_probe_top(env, stack_offset(env, sp, depth), size);
    set_reg(env, R_EBP, size, true, frame);
    env->regs[R_ESP] = moved_sp(env, depth);
}

/* rSP takes rBP at the stack width, then rBP is popped. */
static void op_leave(CPUX86State *env, const Insn *d)
{
    uint64_t mask = size_mask(cpu_stack_size(env));
    uint64_t bp = env->regs[R_EBP] & mask;
    uint64_t v = cpu_ld(env, R_SS, bp, d->opsize);

    env->regs[R_ESP] = (env->regs[R_ESP] & ~mask) | ((bp + d->opsize) & mask);
    set_reg(env, R_EBP, d->opsize, true, v);
}

/* Eight rows for the register-in-opcode forms. */
/* clang-format off */
#define ROW(op, fn, name) {MAP_NONE, op, ANY, ANY, ANY, ANY, 0, fn, name}
/* clang-format on */
#define R2(op, fn, name) ROW(op, fn, name), ROW((op) + 1, fn, name)
#define R4(op, fn, name) R2(op, fn, name), R2((op) + 2, fn, name)
#define R8(op, fn, name) R4(op, fn, name), R4((op) + 4, fn, name)

static const InsnDef stack_insns[] = {
    R8(0x50, op_push_Zv, "push"),
    R8(0x58, op_pop_Zv, "pop"),
    {MAP_NONE, 0xff, 6, ANY, ANY, ANY, 0, op_push_Ev, "push"},
    {MAP_NONE, 0x8f, 0, ANY, ANY, ANY, 0, op_pop_Ev, "pop"},
    {MAP_NONE, 0x68, ANY, ANY, ANY, ANY, 0, op_push_Iz, "push"},
    {MAP_NONE, 0x6a, ANY, ANY, ANY, ANY, 0, op_push_Iz, "push"},
    {MAP_NONE, 0x60, ANY, ANY, ANY, ANY, IF_NO64, op_pusha, "pusha"},
    {MAP_NONE, 0x61, ANY, ANY, ANY, ANY, IF_NO64, op_popa, "popa"},
    {MAP_NONE, 0x9c, ANY, ANY, ANY, ANY, 0, op_pushf, "pushf"},
    {MAP_NONE, 0x9d, ANY, ANY, ANY, ANY, IF_EXIT, op_popf, "popf"},
    {MAP_NONE, 0x9e, ANY, ANY, ANY, ANY, 0, op_sahf, "sahf"},
    {MAP_NONE, 0x9f, ANY, ANY, ANY, ANY, 0, op_lahf, "lahf"},
    {MAP_NONE, 0xc8, ANY, ANY, ANY, ANY, 0, op_enter, "enter"},
    {MAP_NONE, 0xc9, ANY, ANY, ANY, ANY, 0, op_leave, "leave"},
};
INSN_TABLE(stack_insns)
