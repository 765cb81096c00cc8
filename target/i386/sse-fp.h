/*
 * Plumbing shared by the SSE floating-point, SSE3 and SSE4 families (Intel SDM
 * vol. 1 §11.5 "SSE, SSE2 and SSE3 exceptions", vol. 2 instruction pages).
 *
 * Floating-point results and MXCSR flags come from the host CPU itself: each guest
 * instruction runs as the same host instruction, in one asm statement that loads the
 * guest's MXCSR (rounding, DAZ, FTZ) with every exception masked and reads back the
 * flags it raised. For every IEEE-defined operation that is bit-exact and the same
 * on every x86-64 host. What the host cannot do for us is an unmasked exception (we
 * must not take a host SIGFPE), so sse-fp.c derives the architected outcome of
 * unmasked exceptions from masked runs; see the essay there.
 */
#ifndef TARGET_I386_SSE_FP_H
#define TARGET_I386_SSE_FP_H

#include "target/i386/insn.h"
#include "target/i386/sse-common.h"

/* MXCSR bits beyond sse-common.h's */
#define MXCSR_MASK_SHIFT 7 /* IM..PM sit 7 bits above IE..PE */
#define MXCSR_CONTROL                                                                    \
    0xffc0 /* all but the flags (and nothing a host ldmxcsr rejects)                     \
            */
/* Detected before the computation: they stop every lane of a packed instruction. */
#define MXCSR_PRE (MXCSR_IE | MXCSR_DE | MXCSR_ZE)

/* ------------------------------------------------------------------------------------
 * Host instructions
 *
 * A HostSseOp runs one host SSE instruction with %[a] = *a (destination and first
 * source) and %[b] = *b, under MXCSR value mxcsr; it returns the MXCSR the host left,
 * whose low six bits are mxcsr's flags ORed with those the instruction raised. The
 * mxcsr passed must have every exception masked. imm is the immediate of the
 * immediate forms, ignored by the others.
 */
typedef uint32_t HostSseOp(XMMReg *a, const XMMReg *b, uint32_t mxcsr, uint8_t imm);

typedef long long HostVec __attribute__((vector_size(16)));

static inline HostVec host_vec(const XMMReg *r)
{
    HostVec v;
    memcpy(&v, r, sizeof(v));
    return v;
}

/*
 * Loading the guest MXCSR, the instruction, and restoring the host MXCSR are one asm
 * statement, so no compiler-generated floating-point code can run in between.
 */
#define HOST_SSE_ENTER "stmxcsr %[saved]\n\tldmxcsr %[m]\n\t"
#define HOST_SSE_LEAVE "\n\tstmxcsr %[m]\n\tldmxcsr %[saved]"

/* xmm, xmm: text uses %[a] and %[b] (and %[imm] in the immediate forms). */
#define HOST_SSE_ASM_XX(text, x, y, mxcsr, immv)                                         \
    do {                                                                                 \
        uint32_t saved_;                                                                 \
        asm volatile(HOST_SSE_ENTER text HOST_SSE_LEAVE                                  \
                     : [a] "+x"(x), [m] "+m"(mxcsr), [saved] "=m"(saved_)                \
                     : [b] "x"(y), [imm] "i"(immv));                                     \
    } while (0)

#define HOST_SSE_OP(name, text)                                                          \
    static uint32_t host_##name(XMMReg *a, const XMMReg *b, uint32_t mxcsr, uint8_t imm) \
    {                                                                                    \
        HostVec x = host_vec(a), y = host_vec(b);                                        \
        (void)imm;                                                                       \
        HOST_SSE_ASM_XX(text, x, y, mxcsr, 0);                                           \
        memcpy(a, &x, sizeof(x));                                                        \
        return mxcsr;                                                                    \
    }                                                                                    \
    _Static_assert(1, "a use of HOST_SSE_OP takes a semicolon")

/* Immediate forms: one case per immediate value, as the immediate is encoded. */
#define HOST_SSE_IMM_CASE(text, n)                                                       \
    case n:                                                                              \
        HOST_SSE_ASM_XX(text, x, y, mxcsr, n);                                           \
        break;
#define HOST_SSE_REP4(m, t, n)  m(t, n) m(t, (n) + 1) m(t, (n) + 2) m(t, (n) + 3)
#define HOST_SSE_REP8(m, t, n)  HOST_SSE_REP4(m, t, n) HOST_SSE_REP4(m, t, (n) + 4)
#define HOST_SSE_REP16(m, t, n) HOST_SSE_REP8(m, t, n) HOST_SSE_REP8(m, t, (n) + 8)
#define HOST_SSE_REP64(m, t, n)                                                          \
    HOST_SSE_REP16(m, t, n)                                                              \
    HOST_SSE_REP16(m, t, (n) + 16)                                                       \
    HOST_SSE_REP16(m, t, (n) + 32) HOST_SSE_REP16(m, t, (n) + 48)
#define HOST_SSE_REP256(m, t, n)                                                         \
    HOST_SSE_REP64(m, t, n)                                                              \
    HOST_SSE_REP64(m, t, (n) + 64)                                                       \
    HOST_SSE_REP64(m, t, (n) + 128) HOST_SSE_REP64(m, t, (n) + 192)

/* count is 8, 16 or 256: the immediate is taken modulo count. */
#define HOST_SSE_OP_IMM(name, text, count)                                               \
    static uint32_t host_##name(XMMReg *a, const XMMReg *b, uint32_t mxcsr, uint8_t imm) \
    {                                                                                    \
        HostVec x = host_vec(a), y = host_vec(b);                                        \
        switch (imm & (count - 1)) {                                                     \
            HOST_SSE_REP##count(HOST_SSE_IMM_CASE, text, 0)                              \
        }                                                                                \
        memcpy(a, &x, sizeof(x));                                                        \
        return mxcsr;                                                                    \
    }                                                                                    \
    _Static_assert(1, "a use of HOST_SSE_OP_IMM takes a semicolon")

/* xmm <- GPR: text uses %[a] and %[r], the 64-bit integer in b->q[0]. */
#define HOST_SSE_FROM_GPR(name, text)                                                    \
    static uint32_t host_##name(XMMReg *a, const XMMReg *b, uint32_t mxcsr, uint8_t imm) \
    {                                                                                    \
        HostVec x = host_vec(a);                                                         \
        uint32_t saved;                                                                  \
        (void)imm;                                                                       \
        asm volatile(HOST_SSE_ENTER text HOST_SSE_LEAVE                                  \
                     : [a] "+x"(x), [m] "+m"(mxcsr), [saved] "=m"(saved)                 \
                     : [r] "r"(b->q[0]));                                                \
        memcpy(a, &x, sizeof(x));                                                        \
        return mxcsr;                                                                    \
    }                                                                                    \
    _Static_assert(1, "a use of HOST_SSE_FROM_GPR takes a semicolon")

/* GPR <- xmm: text uses %[r] (64-bit) and %[b]; the result goes to a->q[0]. */
#define HOST_SSE_TO_GPR(name, text)                                                      \
    static uint32_t host_##name(XMMReg *a, const XMMReg *b, uint32_t mxcsr, uint8_t imm) \
    {                                                                                    \
        HostVec y = host_vec(b);                                                         \
        uint64_t r = 0;                                                                  \
        uint32_t saved;                                                                  \
        (void)imm;                                                                       \
        asm volatile(HOST_SSE_ENTER text HOST_SSE_LEAVE                                  \
                     : [r] "+r"(r), [m] "+m"(mxcsr), [saved] "=m"(saved)                 \
                     : [b] "x"(y));                                                      \
        a->q[0] = r;                                                                     \
        return mxcsr;                                                                    \
    }                                                                                    \
    _Static_assert(1, "a use of HOST_SSE_TO_GPR takes a semicolon")

/*
 * EFLAGS <- compare(a, b): a->q[0] gets the host RFLAGS after text. The red zone is
 * skipped: pushf would clobber it.
 */
#define HOST_SSE_TO_FLAGS(name, text)                                                    \
    static uint32_t host_##name(XMMReg *a, const XMMReg *b, uint32_t mxcsr, uint8_t imm) \
    {                                                                                    \
        HostVec x = host_vec(a), y = host_vec(b);                                        \
        uint64_t flags;                                                                  \
        uint32_t saved;                                                                  \
        (void)imm;                                                                       \
        asm volatile(HOST_SSE_ENTER text                                                 \
                     "\n\tlea -128(%%rsp), %%rsp\n\tpushf\n\t"                           \
                     "pop %[f]\n\tlea 128(%%rsp), %%rsp" HOST_SSE_LEAVE                  \
                     : [f] "=&r"(flags), [m] "+m"(mxcsr), [saved] "=m"(saved)            \
                     : [a] "x"(x), [b] "x"(y)                                            \
                     : "cc");                                                            \
        a->q[0] = flags;                                                                 \
        return mxcsr;                                                                    \
    }                                                                                    \
    _Static_assert(1, "a use of HOST_SSE_TO_FLAGS takes a semicolon")

/* ------------------------------------------------------------------------------------
 * Running a floating-point instruction under the guest's MXCSR
 */

/* What a lane computes, for the analysis of unmasked overflow and underflow. */
enum {
    FP_EXACT_RANGE, /* cannot overflow or underflow (compare, sqrt, convert...) */
    FP_ADDSUB,      /* addition or subtraction */
    FP_MULDIV,      /* multiplication or division */
    FP_NARROW,      /* double to single */
};

/* How the lanes of a packed instruction draw on its operands. */
enum {
    FP_VERTICAL,   /* lane i from a[i] and b[i] */
    FP_HORIZONTAL, /* the low half from pairs of a, the high half from pairs of b */
    FP_NARROWING,  /* lane i from b[i] (a double) into a single */
};

/* One lane: its scalar host instruction on lane 0 of (a, b). */
typedef struct FpLane {
    HostSseOp *op;
    uint8_t kind; /* FP_* */
    bool dbl_in;  /* the operands are doubles */
    bool dbl_out; /* the result is a double */
    XMMReg a, b;
    XMMReg r; /* the result, after sse_fp_step */
} FpLane;

typedef struct FpOp FpOp;
/*
 * An instruction that is not a set of independent lanes (DPPS): called when an
 * unmasked exception may occur, it raises it or returns.
 */
typedef void FpUnmaskedFn(CPUX86State *env, const XMMReg *a, const XMMReg *b, uint8_t imm,
                          uint32_t mxcsr);

struct FpOp {
    HostSseOp *host;      /* the instruction itself */
    uint8_t kind;         /* FP_*: what its lanes compute */
    uint8_t shape;        /* FP_VERTICAL... (when kind is not FP_EXACT_RANGE) */
    uint8_t lanes;        /* result lanes */
    bool dbl;             /* the lanes' operands are doubles */
    HostSseOp *scalar[2]; /* the scalar instruction of even and odd lanes */
    FpUnmaskedFn *unmasked;
};

/*
 * Run op on (a, b) with the immediate imm under the guest MXCSR and return the
 * result; the caller stores it. On an unmasked exception the flags go to MXCSR and
 * #XM (or #UD without CR4.OSXMMEXCPT) is raised, so nothing is stored.
 */
XMMReg sse_fp_run(CPUX86State *env, const FpOp *op, const XMMReg *a, const XMMReg *b,
                  uint8_t imm);
/*
 * One step of a multi-step instruction (DPPS): run each lane (results in lane.r) and
 * return acc ORed with the flags the lanes raise under the guest's masks; raises
 * with them if one is unmasked. mxcsr is the control the lanes run under, with every
 * exception masked (what FpUnmaskedFn is given).
 */
uint32_t sse_fp_step(CPUX86State *env, FpLane *lanes, unsigned n, uint32_t acc,
                     uint32_t mxcsr);

/* ------------------------------------------------------------------------------------
 * Operands
 */

/*
 * The Wx operand of a floating-point instruction: the whole XMM register, or size
 * bytes of memory zero-extended (16 bytes must be 16-byte aligned: #GP(0)).
 */
XMMReg sse_fp_ld_W(CPUX86State *env, const Insn *d, unsigned size);

/* The Wx operand size of a PS/PD/SS/SD form, by its mandatory prefix. */
static inline unsigned sse_fp_size(const Insn *d)
{
    static const uint8_t size[4] = {
        [MP_NONE] = 16, [MP_66] = 16, [MP_F3] = 4, [MP_F2] = 8};
    return size[d->mandatory];
}

// clang-format off
/* FpOp initializers: an instruction that cannot overflow or underflow ... */
#define FP_OP(h) {.host = host_##h}
/* ... one whose n lanes, shaped so, compute kind with scalar instructions even, odd */
#define FP_OP_SHAPED(h, k, shp, n, d, even, odd)                                         \
    {.host = host_##h, .kind = (k), .shape = (shp), .lanes = (n), .dbl = (d),            \
     .scalar = {host_##even, host_##odd}}
/* ... and the common case */
#define FP_OP_LANES(h, k, n, d, s) FP_OP_SHAPED(h, k, FP_VERTICAL, n, d, s, s)
// clang-format on

#endif
