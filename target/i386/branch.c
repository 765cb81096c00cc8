/* Near JMP, Jcc, CALL, RET, LOOPcc, JrCXZ (SDM vol. 2); far branches are in seg.c. */
#include "target/i386/access.h"
#include "target/i386/flags.h"
#include "target/i386/insn.h"

static bool is_canonical(uint64_t addr)
{
    return (uint64_t)((int64_t)(addr << 16) >> 16) == addr;
}

/*
 * The branch target truncated to the operand size, after the checks the SDM makes
 * before anything is pushed or popped: outside the CS limit (or non-canonical in
 * 64-bit mode) is #GP(0) at the branch itself, not at the target.
 */
static uint64_t checked_target(CPUX86State *env, const Insn *d, uint64_t target)
{
    target &= size_mask(d->opsize);
    if (cpu_is_64bit(env) ? !is_canonical(target) : target > env->segs[R_CS].limit) {
        raise_exception_err(env, EXCP_GP, 0);
    }
    return target;
}

static void jump_to(CPUX86State *env, const Insn *d, uint64_t target)
{
    cpu_jump(env, d, checked_target(env, d, target));
}

static uint64_t relative_target(const CPUX86State *env, const Insn *d)
{
    return env->next_rip + d->imm;
}

/* --- JMP / Jcc --- */

static void op_jmp_Jz(CPUX86State *env, const Insn *d)
{
    jump_to(env, d, relative_target(env, d));
}

static void op_jcc_Jz(CPUX86State *env, const Insn *d)
{
    if (cc_test(env, d->opcode & 15)) {
        jump_to(env, d, relative_target(env, d));
    }
}

static void op_jmp_Ev(CPUX86State *env, const Insn *d)
{
    jump_to(env, d, ld_rm(env, d, d->opsize));
}

/* --- CALL / RET --- */

static void call_to(CPUX86State *env, const Insn *d, uint64_t target)
{
    target = checked_target(env, d, target);
    cpu_push(env, d->opsize, env->next_rip);
    cpu_jump(env, d, target);
}

static void op_call_Jz(CPUX86State *env, const Insn *d)
{
    call_to(env, d, relative_target(env, d));
}

static void op_call_Ev(CPUX86State *env, const Insn *d)
{
    call_to(env, d, ld_rm(env, d, d->opsize));
}

/* The return address is checked before rSP moves, so a bad one faults cleanly. */
static void ret_near(CPUX86State *env, const Insn *d, uint64_t release)
{
    uint64_t target = checked_target(env, d, cpu_stack_peek(env, d->opsize, 0));
    unsigned width = cpu_stack_size(env);
    uint64_t sp = env->regs[R_ESP] + d->opsize + release;

    set_reg(env, R_ESP, width, true, sp);
    cpu_jump(env, d, target);
}

static void op_ret(CPUX86State *env, const Insn *d)
{
    ret_near(env, d, 0);
}

static void op_ret_Iw(CPUX86State *env, const Insn *d)
{
    ret_near(env, d, d->imm & 0xffff);
}

/* --- LOOP family: the counter is rCX at the address size --- */

static void loop_while(CPUX86State *env, const Insn *d, bool cond)
{
    uint64_t count = (env->regs[R_ECX] - 1) & addr_mask(d);
    uint64_t target = 0;
    bool taken = count != 0 && cond;

    if (taken) {
        target = checked_target(env, d, relative_target(env, d));
    }
    set_reg_addr(env, R_ECX, d, count);
    if (taken) {
        cpu_jump(env, d, target);
    }
}

static void op_loopne_Jb(CPUX86State *env, const Insn *d)
{
    loop_while(env, d, !(cc_compute_all(env) & CC_Z));
}

static void op_loope_Jb(CPUX86State *env, const Insn *d)
{
    loop_while(env, d, (cc_compute_all(env) & CC_Z) != 0);
}

static void op_loop_Jb(CPUX86State *env, const Insn *d)
{
    loop_while(env, d, true);
}

static void op_jrcxz_Jb(CPUX86State *env, const Insn *d)
{
    if ((env->regs[R_ECX] & addr_mask(d)) == 0) {
        jump_to(env, d, relative_target(env, d));
    }
}

/* The sixteen Jcc opcodes of a map. */
/* clang-format off */
#define JCC(map, op) {map, op, ANY, ANY, ANY, ANY, IF_BRANCH | IF_SIDE_EXIT, op_jcc_Jz, "jcc"}
/* clang-format on */
#define JCC2(map, op)  JCC(map, op), JCC(map, (op) + 1)
#define JCC4(map, op)  JCC2(map, op), JCC2(map, (op) + 2)
#define JCC8(map, op)  JCC4(map, op), JCC4(map, (op) + 4)
#define JCC16(map, op) JCC8(map, op), JCC8(map, (op) + 8)

static const InsnDef branch_insns[] = {
    {MAP_NONE, 0xeb, ANY, ANY, ANY, ANY, IF_BRANCH, op_jmp_Jz, "jmp"},
    {MAP_NONE, 0xe9, ANY, ANY, ANY, ANY, IF_BRANCH, op_jmp_Jz, "jmp"},
    JCC16(MAP_NONE, 0x70),
    JCC16(MAP_0F, 0x80),
    {MAP_NONE, 0xe8, ANY, ANY, ANY, ANY, IF_BRANCH, op_call_Jz, "call"},
    {MAP_NONE, 0xff, 2, ANY, ANY, ANY, IF_BRANCH, op_call_Ev, "call"},
    {MAP_NONE, 0xff, 4, ANY, ANY, ANY, IF_BRANCH, op_jmp_Ev, "jmp"},
    {MAP_NONE, 0xc3, ANY, ANY, ANY, ANY, IF_BRANCH, op_ret, "ret"},
    {MAP_NONE, 0xc2, ANY, ANY, ANY, ANY, IF_BRANCH, op_ret_Iw, "ret"},
    {MAP_NONE, 0xe0, ANY, ANY, ANY, ANY, IF_BRANCH, op_loopne_Jb, "loopne"},
    {MAP_NONE, 0xe1, ANY, ANY, ANY, ANY, IF_BRANCH, op_loope_Jb, "loope"},
    {MAP_NONE, 0xe2, ANY, ANY, ANY, ANY, IF_BRANCH, op_loop_Jb, "loop"},
    {MAP_NONE, 0xe3, ANY, ANY, ANY, ANY, IF_BRANCH, op_jrcxz_Jb, "jrcxz"},
};
INSN_TABLE(branch_insns)
