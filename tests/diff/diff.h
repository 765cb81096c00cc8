/* The differential CPU tester: Reprise's CPU against the host's, sequence by sequence. */
#ifndef TESTS_DIFF_DIFF_H
#define TESTS_DIFF_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "layout.h"

#define DIFF_MAX_INSNS 48
#define ARRAY_LEN(a)   (sizeof(a) / sizeof((a)[0]))

/* EFLAGS bits the harness cares about */
#define FL_CF    0x0001
#define FL_PF    0x0004
#define FL_AF    0x0010
#define FL_ZF    0x0040
#define FL_SF    0x0080
#define FL_TF    0x0100
#define FL_IF    0x0200
#define FL_DF    0x0400
#define FL_OF    0x0800
#define FL_NT    0x4000
#define FL_RF    0x10000
#define FL_AC    0x40000
#define FL_ID    0x200000
#define FL_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)

/* FXSAVE image offsets (Intel SDM vol. 1 table 10-2) */
#define FX_FCW    0
#define FX_FSW    2
#define FX_FTW    4 /* abridged: bit i set when physical register i is in use */
#define FX_FOP    6
#define FX_MXCSR  24
#define FX_ST(i)  (32 + 16 * (i)) /* ST(i), in stack order */
#define FX_XMM(i) (160 + 16 * (i))

/* The registers a sequence starts from and ends with. RSP is regs[4]. */
typedef struct DiffRegs {
    uint64_t gpr[16];
    uint64_t rflags;
    uint64_t pad;
    uint8_t fx[512] __attribute__((aligned(16)));
} DiffRegs;

typedef struct DiffState {
    DiffRegs r;
    uint8_t mem[DIFF_SCRATCH_SIZE]; /* the scratch buffer at DIFF_SCRATCH */
} DiffState;

typedef enum DiffStatus {
    DIFF_RAN,     /* finished or faulted; the state below is valid */
    DIFF_HUNG,    /* did not reach the end in time */
    DIFF_CRASHED, /* the native child died outside the sequence */
} DiffStatus;

/* What running a sequence did. */
typedef struct DiffOutcome {
    DiffState s;
    DiffStatus status;
    int vector;          /* the exception that stopped it, or -1 if it ran to the end */
    uint64_t rip;        /* where the exception was reported */
    uint64_t error_code; /* for vectors that push one */
    uint64_t cr2;        /* for #PF */
} DiffOutcome;

/* --- random numbers (gen.c): splitmix64, so a seed names a case on every host --- */
typedef struct Rng {
    uint64_t s;
} Rng;

uint64_t rng_next(Rng *r);
static inline uint64_t rng_below(Rng *r, uint64_t n)
{
    return n ? rng_next(r) % n : 0;
}
static inline bool rng_chance(Rng *r, unsigned percent)
{
    return rng_below(r, 100) < percent;
}
Rng rng_for_case(uint64_t seed, const char *family, uint64_t index);

/* --- sequences (encode.c) --- */

typedef struct Tmpl Tmpl;

typedef enum RelKind {
    REL_NONE,
    REL_SKIP, /* a branch over the next `skip` instructions */
    REL_DATA, /* a RIP-relative memory operand addressing `target` */
} RelKind;

typedef struct SeqInsn {
    uint8_t bytes[16];
    uint8_t len;
    uint8_t rel_off;  /* where the displacement to fix up starts */
    uint8_t rel_size; /* 1 or 4 */
    uint8_t rel_kind; /* RelKind */
    uint8_t skip;     /* REL_SKIP: how many units (see unit_start) to branch over */
    bool unit_start;  /* first of a template's instance and the setup it needed */
    uint64_t target;
    uint32_t undef;   /* flags left undefined (SDM), masked on hosts other than Zen */
    const char *name; /* the template's name, for reports */
} SeqInsn;

typedef struct Seq {
    SeqInsn insn[DIFF_MAX_INSNS];
    int n;
} Seq;

/*
 * Lay out the instructions whose keep[] is true (all if keep is NULL) at DIFF_CODE,
 * resolving branch and RIP-relative displacements. Returns the length in bytes.
 */
size_t seq_assemble(const Seq *s, const bool *keep, uint8_t *out, size_t cap);

/* --- the two CPUs --- */

/* Start the native child (native.c); false if the fixed addresses are unavailable. */
bool native_init(void);
void native_run(const uint8_t *code, size_t len, const DiffState *in, DiffOutcome *out);
void native_shutdown(void);

typedef struct Guest Guest;
Guest *guest_new(void);
void guest_free(Guest *g);
void guest_run(Guest *g, const uint8_t *code, size_t len, const DiffState *in,
               DiffOutcome *out);

/* --- comparison and reports (compare.c) --- */

/* What differs (DIFF_* bits, 0 when both CPUs agree), ignoring flag_mask's EFLAGS bits.
 */
#define DIFF_EVENT 0x01 /* exception, its address or error code */
#define DIFF_GPR   0x02
#define DIFF_FLAGS 0x04
#define DIFF_FPU   0x08 /* x87, MMX, SSE state */
#define DIFF_MEM   0x10
unsigned diff_kinds(const DiffOutcome *a, const DiffOutcome *b, uint32_t flag_mask);
/* Print what differs between native (a) and Reprise (b). */
void diff_print(FILE *f, const DiffOutcome *a, const DiffOutcome *b, uint32_t flag_mask);
void diff_print_state(FILE *f, const DiffState *s);
void diff_print_seq(FILE *f, const Seq *s, const bool *keep);
/* Check each instruction's length against capstone; false (and a report) if any differ.
 */
bool seq_lengths_ok(const Seq *s, FILE *f);

/* True on AMD family 17h and later, whose undefined flags Reprise reproduces. */
bool host_is_zen(void);

#endif
