/* Opcode attribute tables for the x86 decoder (Intel SDM Vol. 2, Appendix A). */
#ifndef TARGET_I386_DECODE_TABLES_H
#define TARGET_I386_DECODE_TABLES_H

#include "util/osdep.h"

/* OpAttr.flags */
#define A_MODRM   0x01 /* a ModRM byte follows the opcode */
#define A_NO64    0x02 /* i64: invalid in 64-bit mode */
#define A_D64     0x04 /* d64: operand size defaults to 64 bits in 64-bit mode */
#define A_F64     0x08 /* f64: operand size is 64 bits in 64-bit mode, 66 ignored */
#define A_REGFORM 0x10 /* ModRM.mod is ignored, the operand is always a register */

/* OpAttr.imm: what follows the ModRM/SIB/displacement */
enum {
    IMM_NONE,
    IMM_B,     /* ib */
    IMM_W,     /* iw */
    IMM_Z,     /* iz: 16 or 32 bits by operand size */
    IMM_V,     /* iv: 16, 32 or 64 bits by operand size (MOV r, imm) */
    IMM_MOFFS, /* a memory offset of address size (MOV AL, moffs) */
    IMM_FAR,   /* iz offset, then a 16-bit selector (CALLF/JMPF ptr16:32) */
    IMM_ENTER, /* iw frame size, then ib nesting level */
    IMM_GRP3,  /* F6/F7: TEST (/0, /1) takes ib/iz, the others take nothing */
};

/*
 * Mandatory-prefix classes an opcode is defined for, as a mask with bit MP_*.
 * OpAttr.ok holds the mask for memory forms in its low nibble and for register
 * forms (mod == 3, or no ModRM at all) in its high nibble.
 */
#define P_NP  0x1
#define P_66  0x2
#define P_F3  0x4
#define P_F2  0x8
#define P_ALL 0xf

typedef struct OpAttr {
    uint8_t flags; /* A_* */
    uint8_t imm;   /* IMM_* */
    uint8_t ok;    /* defined forms, see above; 0 means an undefined opcode */
    uint8_t group; /* GRP_* when ModRM.reg/rm select the instruction, else 0 */
} OpAttr;

/* Opcodes whose ModRM.reg (and for register forms ModRM.rm) select the instruction */
enum {
    GRP_NONE,
    GRP_SREG, /* 8C/8E: MOV Ev,Sw / Sw,Ew */
    GRP_8F,   /* group 1A: POP Ev */
    GRP_11,   /* C6/C7: MOV Ev,I and XABORT/XBEGIN */
    GRP_FE,   /* group 4 */
    GRP_FF,   /* group 5 */
    GRP_0F00, /* group 6 */
    GRP_0F01, /* group 7 */
    GRP_0F0D, /* PREFETCHW */
    GRP_0F18, /* group 16: PREFETCHh and hint NOPs */
    GRP_0F71, /* group 12 */
    GRP_0F72, /* group 13 */
    GRP_0F73, /* group 14 */
    GRP_0FAE, /* group 15 */
    GRP_0FBA, /* group 8 */
    GRP_0FC7, /* group 9 */
    GRP_X87,  /* D8..DF: GRP_X87 + (opcode - 0xd8) */
    GRP_COUNT = GRP_X87 + 8,
};

typedef struct GroupAttr {
    uint8_t mem[4]; /* [MP_*]: bit r set when ModRM.reg == r is defined with memory */
    uint8_t reg[4]
               [8];   /* [MP_*][ModRM.reg]: bit m set when rm == m is defined, mod == 3 */
    uint8_t reg64[4]; /* [MP_*]: bit r set when the register form exists only in 64-bit */
    uint8_t d64;      /* bit r: this ModRM.reg is d64 (PUSH Ev, POP Ev) */
    uint8_t f64;      /* bit r: this ModRM.reg is f64 (near CALL/JMP Ev) */
} GroupAttr;

/* Indexed by MAP_* and the opcode byte */
extern const OpAttr *const decode_op_attr[4];
extern const GroupAttr decode_group_attr[GRP_COUNT];

#endif
