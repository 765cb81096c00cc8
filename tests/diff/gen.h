/* Instruction templates, the encoder that instantiates them, and the sequence builder. */
#ifndef TESTS_DIFF_GEN_H
#define TESTS_DIFF_GEN_H

#include "diff.h"

/*
 * A template is one encoding with operand slots: the opcode (map, mandatory prefix,
 * opcode byte, ModRM.reg digit), what ModRM.reg and ModRM.rm may hold, the operand
 * sizes that 66/REX.W may select, and the immediate. The encoder picks registers,
 * memory operands (always inside the scratch buffer, through any addressing form
 * that reaches it from a register whose value the generator knows), harmless
 * prefixes and immediates biased towards the edges.
 */

/* What an operand slot holds (the SDM's operand-type letters). */
typedef enum OpKind {
    K_NONE,
    K_G,     /* ModRM.reg: general register */
    K_P,     /* ModRM.reg: MMX register */
    K_V,     /* ModRM.reg: XMM register */
    K_E,     /* ModRM.rm: general register or memory */
    K_Q,     /* ModRM.rm: MMX register or memory */
    K_W,     /* ModRM.rm: XMM register or memory */
    K_M,     /* ModRM.rm: memory only */
    K_R,     /* ModRM.rm: general register only */
    K_N,     /* ModRM.rm: MMX register only */
    K_U,     /* ModRM.rm: XMM register only */
    K_STI,   /* ModRM.rm: x87 ST(i), mod = 3 */
    K_OPREG, /* general register in the opcode's low three bits (no ModRM) */
    K_SREG,  /* ModRM.reg: segment register (6 and 7 do not exist) */
} OpKind;

enum { MAP_1B, MAP_0F, MAP_0F38, MAP_0F3A };

/* Operand sizes (Tmpl.sizes): chosen with 66 and REX.W */
#define SZ_B  1
#define SZ_W  2
#define SZ_D  4
#define SZ_Q  8
#define SZ_V  (SZ_W | SZ_D | SZ_Q)
#define SZ_DQ (SZ_D | SZ_Q)

/* Immediates (Tmpl.imm) */
typedef enum ImmKind {
    I_NONE,
    I_B,     /* a byte, edge-biased */
    I_W,     /* a word */
    I_Z,     /* a word for 16-bit operands, else a sign-extended dword */
    I_FULL,  /* the operand size, 8 bytes included (MOV r64, imm64) */
    I_CNT,   /* a shift or rotate count byte */
    I_ROUND, /* ROUNDPS & co: 0..15 */
    I_ENTER, /* ENTER: a small frame size and a nesting level */
    I_REL8,  /* a forward branch over the next instructions */
    I_REL32,
    I_MOFFS, /* MOV AL/rAX <-> moffs: an absolute scratch address, 8 or 4 bytes */
    I_INTN,  /* INT n: a vector whose gate a process cannot use */
} ImmKind;

/* Tmpl.flags */
#define T_RO    0x0001 /* writes none of its explicit register operands */
#define T_LOCK  0x0002 /* LOCK allowed with a memory operand */
#define T_WIG   0x0004 /* REX.W is ignored: set it at random */
#define T_REP   0x0008 /* string instruction: REP allowed */
#define T_REPCC 0x0010 /* string instruction: REPE/REPNE allowed */
#define T_D64   0x0020 /* 64-bit operand size by default (PUSH, POP) */
#define T_RMB   0x0040 /* the rm operand is a byte whatever the operand size */
#define T_RMW   0x0080 /* the rm operand is a word whatever the operand size */
#define T_FLAGS 0x0100 /* reads arithmetic flags */
#define T_A16   0x1000 /* memory operand must be 16-byte aligned (mostly keep it) */
#define T_RMD   0x2000 /* the rm operand is a dword whatever the operand size */

struct GenState;

struct Tmpl {
    const char *name;
    uint8_t map;
    uint8_t pfx; /* mandatory prefix: 0, 0x66, 0xf2, 0xf3 */
    uint8_t op;
    int8_t ext;  /* ModRM.reg digit; -1: reg holds an operand, or no ModRM */
    uint8_t reg; /* OpKind of ModRM.reg */
    uint8_t rm;  /* OpKind of ModRM.rm or the opcode register */
    uint8_t sizes;
    uint8_t imm;
    uint8_t msize; /* memory operand bytes (0: the operand size) */
    int8_t rmfix;  /* a fixed ModRM.rm for mod = 3 forms (x87 D9 E8 ...), or -1 */
    uint16_t flags;
    uint32_t undef;    /* EFLAGS bits the SDM leaves undefined */
    uint16_t implicit; /* general registers written implicitly, bit per register */
    void (*pre)(struct GenState *gs, const struct Tmpl *t, Seq *seq);
};

#define NO_MODRM (-2)
#define RB(r)    (1u << (r))

/* What the generator knows while it builds a sequence. */
typedef struct GenState {
    Rng *rng;
    bool known[16]; /* the register's value is val[] when the instruction runs */
    uint64_t val[16];
    uint32_t live_undef; /* flags left undefined and not yet redefined */
    bool zen;
    int force_reg;       /* a pre-hook's choice for the ModRM.reg operand, or -1 */
    uint64_t force_addr; /* a pre-hook's choice for the memory operand, or 0 */
} GenState;

/* A family: its templates and how long its sequences are. */
typedef struct Family {
    const char *name;
    const Tmpl *parts[16]; /* template arrays, each ending with a nameless row */
    unsigned max_len;
} Family;

/* Append one instance of t (and any setup it needs) to seq; false if seq is full. */
bool encode_tmpl(GenState *gs, const Tmpl *t, Seq *seq);
/* Append MOV r32, imm32 (a known value for later memory operands). */
void emit_mov_imm32(GenState *gs, Seq *seq, unsigned reg, uint32_t value);
/* Append MOV r64, simm32 (sign-extended). */
void emit_mov_simm32(GenState *gs, Seq *seq, unsigned reg, int32_t value);
/* Append MOV DWORD [addr], imm32 and make addr the next memory operand (FLDCW, LDMXCSR).
 */
void emit_store_imm32(GenState *gs, Seq *seq, uint64_t addr, uint32_t value);
/* Append fixed bytes that write the registers in `implicit` (e.g. CQO). */
void emit_raw(GenState *gs, Seq *seq, const uint8_t *bytes, unsigned len,
              const char *name, uint16_t implicit);
/* A scratch address with room for size bytes, aligned to align most of the time. */
uint64_t pick_scratch_addr(Rng *r, unsigned size, unsigned align);

/* Initial states (state.c) */
void gen_state(Rng *r, DiffState *s, GenState *gs);
uint64_t gen_int_edge(Rng *r, unsigned size);
void gen_f80(Rng *r, uint8_t out[10]);
uint32_t gen_f32(Rng *r);
uint64_t gen_f64(Rng *r);
void gen_xmm(Rng *r, uint8_t out[16]);

/* Families (tmpl-*.c) and sequences (gen.c) */
const Family *family_find(const char *name);
const Family *const *family_list(void);
void gen_sequence(GenState *gs, const Family *f, Seq *seq);

extern const Family fam_alu, fam_shift, fam_muldiv, fam_bitops, fam_string, fam_mov,
    fam_stack, fam_branch, fam_system, fam_x87, fam_mmx, fam_sse, fam_sse2, fam_sse3,
    fam_ssse3, fam_sse41, fam_sse42, fam_mixed;

#endif
