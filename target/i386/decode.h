/*
 * The x86 instruction decoder: bytes -> a compact Insn. Table driven over the
 * legacy, 0F, 0F38 and 0F3A maps (and VEX lengths), with prefixes, REX, ModRM, SIB,
 * displacement and immediates. It knows nothing of semantics: accel/tcg looks up the
 * handler for (map, opcode, modrm.reg, mandatory prefix) in target/i386 tables.
 */
#ifndef TARGET_I386_DECODE_H
#define TARGET_I386_DECODE_H

#include "util/osdep.h"

typedef struct CPUX86State CPUX86State;
typedef struct Insn Insn;
typedef void InsnHandler(CPUX86State *env, const Insn *d);

/* Insn.prefix bits */
#define PFX_LOCK  0x01
#define PFX_REP   0x02 /* F3 */
#define PFX_REPNE 0x04 /* F2 */
#define PFX_OPSZ  0x08 /* 66 */
#define PFX_ADSZ  0x10 /* 67 */
#define PFX_REX   0x20 /* a REX prefix was present (changes AH..BH to SPL..DIL) */
#define PFX_SEG   0x40 /* a segment override was present */
#define PFX_VEX   0x80 /* VEX encoded */

/* Opcode maps */
enum { MAP_NONE = 0, MAP_0F = 1, MAP_0F38 = 2, MAP_0F3A = 3 };

/* Mandatory-prefix classes for 0F-map SSE opcodes (the last 66/F3/F2 seen wins F3/F2). */
enum { MP_NONE = 0, MP_66 = 1, MP_F3 = 2, MP_F2 = 3 };

#define EA_NONE 0xff /* no base / no index */
#define EA_RIP  0xfe /* base is RIP (64-bit mode disp32) */

/* Decoding mode: the default operand/address size of the code segment. */
enum { DECODE_16 = 0, DECODE_32 = 1, DECODE_64 = 2 };

struct Insn {
    InsnHandler *fn;   /* filled in by the translator */
    uint8_t len;       /* total length in bytes, 1..15 */
    uint8_t map;       /* MAP_* */
    uint8_t opcode;    /* last opcode byte */
    uint8_t opsize;    /* operand size of 'v' operands: 2, 4 or 8 */
    uint8_t addrsize;  /* 2, 4 or 8 */
    uint8_t prefix;    /* PFX_* */
    uint8_t mandatory; /* MP_* */
    uint8_t seg;       /* segment of the memory operand (override or DS/SS default) */
    uint8_t rex;       /* the REX byte, 0 if none */
    uint8_t has_modrm;
    uint8_t modrm;    /* raw ModRM byte */
    uint8_t mod;      /* ModRM.mod; 3 means register operand */
    uint8_t reg;      /* ModRM.reg, extended by REX.R (0..15) */
    uint8_t rm;       /* ModRM.rm, extended by REX.B (register number when mod == 3) */
    uint8_t base;     /* effective address: base register, EA_NONE or EA_RIP */
    uint8_t index;    /* index register or EA_NONE */
    uint8_t scale;    /* log2 of the index scale */
    uint8_t imm_size; /* bytes of the first immediate (0 if none) */
    uint8_t vex_l, vex_vvvv; /* VEX fields (when PFX_VEX) */
    uint8_t opc_byte[3];     /* up to three opcode bytes as encoded (0F, 38/3A, op) */
    int32_t disp;            /* displacement, sign-extended */
    uint64_t imm;            /* first immediate, sign-extended from its encoded size */
    uint16_t imm2; /* second immediate: ENTER's level, a far pointer's selector */
    /*
     * Filled in by the translator: whether the handler leaves the next rip in
     * env->next_rip (a generic handler, or a specialised branch); if not, it is
     * next_rip below.
     */
    uint8_t sets_next_rip;
    /*
     * Filled in by the translator: the chain slot (tb.h) of the block that follows
     * when this instruction ends its block with rip != next_rip (a taken branch).
     */
    uint8_t exit_slot;
    uint8_t idx; /* filled in by the translator: its place in the block, from 0 */
    /*
     * Filled in by the translator: rip of this instruction and of the next one (wrapped
     * to the code segment's size). A block is keyed by its linear pc and CS base, so
     * they are constants of the block, and the exec loop stores them without computing.
     */
    uint64_t rip;
    uint64_t next_rip;
    /* Set by a specialiser (insn.h) for its handler: a branch target, an address. */
    uint64_t pre;
    /*
     * The generic handler (the family tables' row), set by the translator: fn when no
     * specialiser took the instruction is insn_run_generic, which runs it, and a
     * specialised handler runs it for whatever its fast path leaves (a TLB miss, a
     * segment check, a rare lazy-flag record).
     */
    InsnHandler *generic;
    /*
     * Set by the integer specialisers (fast.h, fast_bind): the memory operand's
     * shape, so that its offset is (base + (index << scale) + ea_disp) & ea_mask
     * without branches: ea_base and ea_index are byte offsets into CPUX86State of the
     * registers, or of its always-zero field when absent; ea_disp has a RIP-relative
     * target folded in.
     */
    uint64_t ea_disp;
    uint64_t ea_mask;
    uint64_t lin_mask; /* linear addresses wrap at 4 GiB outside 64-bit mode */
    uint16_t ea_base, ea_index;
    /* Byte offsets into CPUX86State of ModRM.rm and ModRM.reg as byte registers. */
    uint16_t rm_byte, reg_byte;
};

enum {
    DECODE_OK = 0,
    DECODE_NEED_MORE = -1, /* ran out of bytes (avail too small) */
    DECODE_TOO_LONG = -2,  /* more than 15 bytes: #GP */
    DECODE_INVALID = -3,   /* undefined opcode: #UD */
};

/*
 * Decode one instruction from bytes[0..avail). mode is DECODE_16/32/64.
 * Returns DECODE_OK and fills *d (fn left NULL), or a negative DECODE_* code. On
 * DECODE_INVALID, d->len is still the length up to and including the bad byte.
 */
int decode_insn(Insn *d, const uint8_t *bytes, size_t avail, int mode);

#endif
