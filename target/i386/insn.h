/*
 * Instruction tables. Each family file under target/i386 (alu.c, shift.c, ...)
 * defines a const table of InsnDef rows and registers it with INSN_TABLE(); the
 * translator picks the first row matching an instruction's map, opcode, ModRM.reg,
 * ModRM.mod class and mandatory prefix. Handlers are named after the manual's
 * mnemonic and operand form: op_add_Ev_Gv, op_jcc_Jb, ...
 */
#ifndef TARGET_I386_INSN_H
#define TARGET_I386_INSN_H

#include "target/i386/cpu.h"

#define ANY     (-1) /* for reg, rm, mod, prefix: matches anything */
#define MOD_MEM (-2) /* mod: memory operand only (mod != 3) */
#define MOD_REG 3    /* mod: register operand only */

/* InsnDef.flags */
#define IF_BRANCH 0x01 /* may change rip other than falling through: ends a block */
#define IF_EXIT                                                                          \
    0x02               /* may change mode, interrupt state or the code: ends a block and \
                          returns to the exec loop */
#define IF_NO64   0x04 /* invalid in 64-bit mode */
#define IF_ONLY64 0x08 /* valid only in 64-bit mode */
#define IF_LOCK   0x10 /* LOCK prefix allowed (with a memory destination) */
/*
 * A conditional branch whose specialised handler, taken, ends its block (it sets
 * env->block_end to NULL), so that the block may go on along the not-taken path.
 */
#define IF_SIDE_EXIT 0x20

typedef struct InsnDef {
    uint8_t map;
    uint8_t opcode;
    int8_t reg;    /* ModRM.reg (0..7) for group opcodes, or ANY */
    int8_t mod;    /* ANY, MOD_MEM or MOD_REG */
    int8_t rm;     /* ModRM.rm (0..7), or ANY (for 0F 01 /x forms) */
    int8_t prefix; /* MP_NONE/MP_66/MP_F3/MP_F2 for SSE forms, or ANY */
    uint8_t flags;
    InsnHandler *fn;
    const char *name;
} InsnDef;

typedef struct InsnTable {
    const InsnDef *defs;
    size_t count;
    struct InsnTable *next;
} InsnTable;

void insn_table_register(InsnTable *t);
#define INSN_TABLE(defs)                                                                 \
    static InsnTable insn_table_##defs = {defs, ARRAY_SIZE(defs), NULL};                 \
    static void __attribute__((constructor)) insn_table_register_##defs(void)            \
    {                                                                                    \
        insn_table_register(&insn_table_##defs);                                         \
    }

/* The definition matching d in the current mode (NULL: #UD). */
const InsnDef *insn_lookup(const Insn *d, bool mode64);

/*
 * Specialisers: given an instruction the tables accept in mode hflags (d->fn is its
 * generic handler; d->rip and d->next_rip are set), return a handler for its exact form
 * (operand size, register or memory operand) that does exactly what the generic one does,
 * leaving the CPU state bit for bit the same, or NULL. A specialiser may fill d->pre. The
 * translator asks each registered specialiser in turn; build with
 * -DINSN_NO_SPECIALIZE to run the generic handlers only (the plain path).
 */
typedef InsnHandler *InsnSpecializer(Insn *d, uint32_t hflags);
typedef struct InsnSpecializerEntry {
    InsnSpecializer *fn;
    struct InsnSpecializerEntry *next;
} InsnSpecializerEntry;

void insn_specializer_register(InsnSpecializerEntry *e);
#define INSN_SPECIALIZER(fn)                                                             \
    static InsnSpecializerEntry insn_spec_##fn = {fn, NULL};                             \
    static void __attribute__((constructor)) insn_spec_register_##fn(void)               \
    {                                                                                    \
        insn_specializer_register(&insn_spec_##fn);                                      \
    }
/* The specialised handler for d (decoded and bound in mode hflags), or d->fn. */
InsnHandler *insn_specialize(Insn *d, uint32_t hflags);
/*
 * Run d's generic handler (d->generic) as generic handlers expect, with env->rip,
 * env->next_rip and icount stored (cpu.h): what a specialised handler falls back to.
 */
void insn_run_generic(CPUX86State *env, const Insn *d);
/*
 * For a specialised CMP or TEST followed in its block by a specialised Jcc (an
 * IF_SIDE_EXIT instruction), a handler that runs both (alu-fast.c), or NULL.
 */
InsnHandler *insn_fuse_compare(const Insn *cmp, const Insn *jcc);
/*
 * Whether d is specialised, cannot fault and overwrites the whole lazy-flag record
 * (ADD OR AND SUB XOR CMP TEST with register and immediate operands; alu-fast.c).
 */
bool insn_kills_flags(const Insn *d);
/*
 * For an instruction followed in its block by one that kills the flags, a handler
 * that leaves the record alone when that one is sure to run next, or NULL
 * (muldiv-fast.c: IMUL, whose record costs the most).
 */
InsnHandler *insn_without_flags(const Insn *d);
/* The handler of every instruction no specialiser took: insn_run_generic, insn_next. */
void insn_generic(CPUX86State *env, const Insn *d);

/* Whether d is bound to a specialised handler (not its generic one, wrapped or not). */
static inline bool insn_is_specialised(const Insn *d)
{
    return d->fn != insn_generic && d->fn != d->generic;
}

/*
 * Threaded dispatch: every handler the translator binds ends by running the next
 * instruction of its block with a tail call, so that the exec loop calls the first
 * one only, and the handlers pass control along without returning to it. The loop
 * sets env->block_end (the instructions it allows: the block, or less for the
 * budget); cpu_exit() and a taken side exit make it NULL, so the handler returns
 * instead, leaving the last instruction run in env->cur_insn for the loop. A block
 * has at most TB_MAX_INSNS instructions, so even without the tail calls (an
 * unoptimised build) the stack stays shallow.
 */
static inline __attribute__((always_inline)) void insn_next(CPUX86State *env,
                                                            const Insn *d)
{
    const Insn *next = d + 1;

    if (likely(next < env->block_end)) {
        next->fn(env, next);
    } else {
        env->cur_insn = d; /* the last one run, for the loop */
    }
}

/*
 * Define a specialised handler: the body, as written after the macro, then
 * insn_next. A return in the body ends the instruction, not the dispatch.
 */
#define INSN_HANDLER(name)                                                               \
    static inline __attribute__((always_inline)) void name##_body(CPUX86State *env,      \
                                                                  const Insn *d);        \
    static void name(CPUX86State *env, const Insn *d)                                    \
    {                                                                                    \
        name##_body(env, d);                                                             \
        insn_next(env, d);                                                               \
    }                                                                                    \
    static inline                                                                        \
        __attribute__((always_inline)) void name##_body(CPUX86State *env, const Insn *d)

/*
 * The same for a body that may leave the instruction to its generic handler: it
 * returns false before changing anything, and insn_generic runs the whole instruction
 * (a tail call, so the fast path saves no registers for it); true when it is done.
 */
#define INSN_HANDLER_OR_GENERIC(name)                                                    \
    static inline __attribute__((always_inline)) bool name##_body(CPUX86State *env,      \
                                                                  const Insn *d);        \
    static void name(CPUX86State *env, const Insn *d)                                    \
    {                                                                                    \
        if (likely(name##_body(env, d))) {                                               \
            insn_next(env, d);                                                           \
        } else {                                                                         \
            insn_generic(env, d);                                                        \
        }                                                                                \
    }                                                                                    \
    static inline                                                                        \
        __attribute__((always_inline)) bool name##_body(CPUX86State *env, const Insn *d)

#endif
