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

#endif
