/*
 * Specialised near branches (branch.c): Jcc and JMP with a relative target, whose
 * target is a constant of the instruction once rip is (translate.c), computed and
 * truncated to the operand size at translation time (Insn.pre). A non-canonical
 * target in 64-bit mode is left to the generic handler; outside 64-bit mode the CS
 * limit is checked when the branch is taken, as branch.c's checked_target does.
 */
#include "target/i386/fast.h"

static bool is_canonical(uint64_t addr)
{
    return (uint64_t)((int64_t)(addr << 16) >> 16) == addr;
}

static ALWAYS_INLINE void jump_pre(CPUX86State *env, const Insn *d, bool mode64)
{
    if (!mode64 && d->pre > env->segs[R_CS].limit) {
        env->cur_insn = d; /* for the fault's rip (cpu.h) */
        raise_exception_err(env, EXCP_GP, 0);
    }
    env->next_rip = d->pre;
}

/* A taken Jcc may be a side exit (IF_SIDE_EXIT): the block ends here. */
static ALWAYS_INLINE void jcc_taken(CPUX86State *env, const Insn *d, bool mode64)
{
    jump_pre(env, d, mode64);
    env->block_end = NULL;
}

#define JCC_FORMS(cond)                                                                  \
    INSN_HANDLER(op_jcc##cond##_32)                                                      \
    {                                                                                    \
        if (cc_test_inline(env, cond)) {                                                 \
            jcc_taken(env, d, false);                                                    \
        } else {                                                                         \
            env->next_rip = d->next_rip;                                                 \
        }                                                                                \
    }                                                                                    \
    INSN_HANDLER(op_jcc##cond##_64)                                                      \
    {                                                                                    \
        if (cc_test_inline(env, cond)) {                                                 \
            jcc_taken(env, d, true);                                                     \
        } else {                                                                         \
            env->next_rip = d->next_rip;                                                 \
        }                                                                                \
    }

JCC_FORMS(0)
JCC_FORMS(1)
JCC_FORMS(2)
JCC_FORMS(3)
JCC_FORMS(4)
JCC_FORMS(5)
JCC_FORMS(6)
JCC_FORMS(7)
JCC_FORMS(8)
JCC_FORMS(9)
JCC_FORMS(10)
JCC_FORMS(11)
JCC_FORMS(12)
JCC_FORMS(13)
JCC_FORMS(14)
JCC_FORMS(15)

#define JCC_PAIR(c)                                                                      \
    {                                                                                    \
        op_jcc##c##_32, op_jcc##c##_64                                                   \
    }

static InsnHandler *const jcc_forms[16][2] = {
    JCC_PAIR(0),  JCC_PAIR(1),  JCC_PAIR(2),  JCC_PAIR(3),  JCC_PAIR(4),  JCC_PAIR(5),
    JCC_PAIR(6),  JCC_PAIR(7),  JCC_PAIR(8),  JCC_PAIR(9),  JCC_PAIR(10), JCC_PAIR(11),
    JCC_PAIR(12), JCC_PAIR(13), JCC_PAIR(14), JCC_PAIR(15),
};

INSN_HANDLER(op_jmp_32)
{
    jump_pre(env, d, false);
}

INSN_HANDLER(op_jmp_64)
{
    jump_pre(env, d, true);
}

static bool is_jcc(const Insn *d)
{
    return (d->map == MAP_NONE && (d->opcode & 0xf0) == 0x70) ||
           (d->map == MAP_0F && (d->opcode & 0xf0) == 0x80);
}

static bool is_jmp_rel(const Insn *d)
{
    return d->map == MAP_NONE && (d->opcode == 0xeb || d->opcode == 0xe9);
}

static InsnHandler *branch_specialize(Insn *d, uint32_t hflags)
{
    bool mode64 = (hflags & HF_CS64) != 0;
    bool jcc = is_jcc(d);

    if (!jcc && !is_jmp_rel(d)) {
        return NULL;
    }
    d->pre = (d->next_rip + d->imm) & size_mask(d->opsize);
    if (mode64 && !is_canonical(d->pre)) {
        return NULL;
    }
    if (jcc) {
        return jcc_forms[d->opcode & 15][mode64];
    }
    return mode64 ? op_jmp_64 : op_jmp_32;
}
INSN_SPECIALIZER(branch_specialize)
