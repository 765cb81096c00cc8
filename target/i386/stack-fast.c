/*
 * Specialised stack instructions for the stack widths that 32- and 64-bit code use:
 * PUSH/POP of a register (stack.c) and near CALL rel / RET (branch.c), when the
 * operand size equals the stack width (32-bit code on a 32-bit stack, 64-bit code).
 * They do what the generic handlers do, through cpu_push/cpu_pop with a constant size.
 */
#include "target/i386/fast.h"

static bool is_canonical(uint64_t addr)
{
    return (uint64_t)((int64_t)(addr << 16) >> 16) == addr;
}

/* 50+r / 58+r: the register is in the opcode, extended by REX.B. */
static unsigned opcode_reg(const Insn *d)
{
    return (d->opcode & 7) | ((d->rex & 1) << 3);
}

#define STACK_FORMS(size)                                                                \
    INSN_HANDLER(op_push_Zv_##size)                                                      \
    {                                                                                    \
        env->cur_insn = d; /* faults and slow paths sync from it (cpu.h) */              \
        cpu_push(env, size, env->regs[opcode_reg(d)]);                                   \
    }                                                                                    \
    INSN_HANDLER(op_pop_Zv_##size)                                                       \
    {                                                                                    \
        env->cur_insn = d; /* faults and slow paths sync from it (cpu.h) */              \
        uint64_t v = cpu_pop(env, size);                                                 \
        fast_set(env, opcode_reg(d), size, v);                                           \
    }                                                                                    \
    INSN_HANDLER(op_call_Jz_##size)                                                      \
    {                                                                                    \
        env->cur_insn = d; /* faults and slow paths sync from it (cpu.h) */              \
        if (size == 4 && d->pre > env->segs[R_CS].limit) {                               \
            raise_exception_err(env, EXCP_GP, 0);                                        \
        }                                                                                \
        cpu_push(env, size, d->next_rip);                                                \
        env->next_rip = d->pre;                                                          \
    }                                                                                    \
    INSN_HANDLER(op_ret_##size)                                                          \
    {                                                                                    \
        env->cur_insn = d; /* faults and slow paths sync from it (cpu.h) */              \
        uint64_t target = cpu_stack_peek(env, size, 0);                                  \
        if (size == 8 ? !is_canonical(target) : target > env->segs[R_CS].limit) {        \
            raise_exception_err(env, EXCP_GP, 0);                                        \
        }                                                                                \
        fast_set(env, R_ESP, size, env->regs[R_ESP] + size);                             \
        env->next_rip = target;                                                          \
    }

STACK_FORMS(4)
STACK_FORMS(8)

static InsnHandler *stack_specialize(Insn *d, uint32_t hflags)
{
    bool mode64 = (hflags & HF_CS64) != 0;
    bool size_ok = mode64 ? d->opsize == 8 : d->opsize == 4 && (hflags & HF_SS32);
    uint8_t op = d->opcode;

    if (d->map != MAP_NONE || !size_ok) {
        return NULL;
    }
    if (op >= 0x50 && op <= 0x57) {
        return mode64 ? op_push_Zv_8 : op_push_Zv_4;
    }
    if (op >= 0x58 && op <= 0x5f) {
        return mode64 ? op_pop_Zv_8 : op_pop_Zv_4;
    }
    if (op == 0xc3) {
        return mode64 ? op_ret_8 : op_ret_4;
    }
    if (op == 0xe8) {
        d->pre = (d->next_rip + d->imm) & size_mask(d->opsize);
        if (mode64 && !is_canonical(d->pre)) {
            return NULL;
        }
        return mode64 ? op_call_Jz_8 : op_call_Jz_4;
    }
    return NULL;
}
INSN_SPECIALIZER(stack_specialize)
