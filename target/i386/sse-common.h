/* Shared MMX/SSE helpers: MXCSR bits, exception checks, register and operand access. */
/*
 * Follows the Intel SDM vol. 1 ch. 9-12 (MMX, SSE, SSE2 state and alignment) and
 * vol. 3 ch. 13 and tables 22-x (which control bits give #UD and #NM). Every
 * helper that touches memory may fault (longjmp), so handlers load operands first,
 * then change registers.
 *
 * MMX instructions use fpu.h: fpu_mmx_check() first, fpu_mmx_enter() once nothing
 * can fault, fpu_mmx_get()/fpu_mmx_set() for the registers. MMX register numbers
 * ignore REX.R/REX.B (fpu_mmx_get/set take them modulo 8).
 */
#ifndef TARGET_I386_SSE_COMMON_H
#define TARGET_I386_SSE_COMMON_H

#include "target/i386/access.h"
#include "target/i386/fpu.h"

/* MXCSR */
#define MXCSR_IE       (1u << 0)  /* IE invalid-operation flag */
#define MXCSR_DE       (1u << 1)  /* DE denormal flag */
#define MXCSR_ZE       (1u << 2)  /* ZE divide-by-zero flag */
#define MXCSR_OE       (1u << 3)  /* OE overflow flag */
#define MXCSR_UE       (1u << 4)  /* UE underflow flag */
#define MXCSR_PE       (1u << 5)  /* PE precision flag */
#define MXCSR_DAZ      (1u << 6)  /* DAZ denormals are zeros */
#define MXCSR_IM       (1u << 7)  /* IM invalid-operation mask */
#define MXCSR_DM       (1u << 8)  /* DM denormal mask */
#define MXCSR_ZM       (1u << 9)  /* ZM divide-by-zero mask */
#define MXCSR_OM       (1u << 10) /* OM overflow mask */
#define MXCSR_UM       (1u << 11) /* UM underflow mask */
#define MXCSR_PM       (1u << 12) /* PM precision mask */
#define MXCSR_RC_SHIFT 13         /* RC rounding control, 2 bits */
#define MXCSR_RC_MASK  (3u << MXCSR_RC_SHIFT)
#define MXCSR_FZ       (1u << 15) /* FZ flush to zero */
#define MXCSR_FLAGS    0x003fu    /* the six exception flags */
#define MXCSR_MASKS    0x1f80u    /* the six exception masks */
#define MXCSR_RESET    0x1f80u    /* power-up and reset value */

typedef enum SimdAlign { SIMD_UNALIGNED = 0, SIMD_ALIGNED = 1 } SimdAlign;

/* --- exception checks, in the SDM's priority order --- */

/* An instruction on XMM registers or MXCSR (SDM vol. 3 table 13-1). */
static inline void sse_check(CPUX86State *env)
{
    if ((env->cr[0] & CR0_EM) || !(env->cr[4] & CR4_OSFXSR)) {
        raise_exception(env, EXCP_UD);
    }
    if (env->cr[0] & CR0_TS) {
        raise_exception(env, EXCP_NM);
    }
}

/* An instruction with both XMM and MMX operands (MOVQ2DQ, MOVDQ2Q, CVTPI2PS...). */
static inline void sse_mmx_check(CPUX86State *env)
{
    sse_check(env);
    fpu_mmx_check(env);
}

/* --- memory --- */

static inline bool simd_canonical(uint64_t lin)
{
    return (uint64_t)((int64_t)(lin << 16) >> 16) == lin;
}

/*
 * Alignment checking (#AC at CPL 3 with CR0.AM and EFLAGS.AC) as AMD Zen 3 applies
 * it to operands the per-access check does not see whole (measured): 16 bytes for a
 * 16-byte SSE operand that may be misaligned (MOVUPS, LDDQU, PCMPxSTRx ...), 8 for
 * MASKMOVQ/MASKMOVDQU, 4 for FXSAVE/FXRSTOR (before their #GP for 16). It comes before
 * the pages; a non-canonical address is left to the #GP.
 */
static inline void simd_check_ac(CPUX86State *env, int seg, uint64_t off, unsigned align)
{
    uint64_t lin = seg_linear(env, seg, off);

    if ((lin & (align - 1)) && (env->cr[0] & CR0_AM) && (env->eflags & AC_MASK) &&
        cpu_cpl(env) == 3 && simd_canonical(lin)) {
        raise_exception_err(env, EXCP_AC, 0);
    }
}

/* Legacy SSE 16-byte operands must be 16-byte aligned (SDM vol. 1 11.6.8): #GP(0). */
static inline void sse_check_align16(CPUX86State *env, int seg, uint64_t off)
{
    if (seg_linear(env, seg, off) & 15) {
        raise_exception_err(env, EXCP_GP, 0); /* not #AC, even with alignment checking */
    }
}

static inline void sse_ld128(CPUX86State *env, int seg, uint64_t off, XMMReg *v)
{
    uint64_t lo, hi;

    simd_check_ac(env, seg, off, 16);
    lo = cpu_ld(env, seg, off, 8);
    hi = cpu_ld(env, seg, off + 8, 8);

    v->q[0] = lo;
    v->q[1] = hi;
}

/*
 * Segment type and limit checks for a store the fast path does not cover (mmu.c's
 * rules, repeated because mmu.c has no probe to call).
 */
static inline void simd_check_seg_write(CPUX86State *env, int seg, uint64_t off,
                                        unsigned size)
{
    const SegmentCache *s = &env->segs[seg];
    bool is_data = (s->flags & DESC_S) && !(s->flags & DESC_CS);
    bool checked = (env->hflags & HF_PE) && !(env->hflags & HF_VM);
    bool writable = is_data && (s->flags & DESC_P) && (s->flags & DESC_W);
    bool expand_down = is_data && (s->flags & DESC_E);
    uint64_t top = !expand_down ? s->limit : (s->flags & DESC_B) ? 0xffffffffu : 0xffff;
    uint64_t last = off + size - 1;

    if ((checked && !writable) || (expand_down && off <= s->limit) || last > top) {
        raise_exception_err(env, seg == R_SS ? EXCP_SS : EXCP_GP, 0);
    }
}

/* Fault now, as a store would (#PF with W set), if the page at lin is not writable. */
static inline void simd_probe_page(CPUX86State *env, uint64_t lin)
{
    if ((tlb_entry(env, lin)->tag_write & ~TLB_FLAGS) != tlb_tag(env, lin)) {
        tlb_fill(env, lin, ACCESS_WRITE);
    }
}

/*
 * Fault now if any of size bytes at seg:off cannot be written, as a store would. On
 * the second page it is the first byte that faults (CR2), as on AMD Zen 3.
 */
static inline void simd_probe_write(CPUX86State *env, int seg, uint64_t off,
                                    unsigned size)
{
    uint64_t lin, page2;

    if (!(env->hflags & HF_CS64) &&
        (!((env->seg_ok_write >> seg) & 1) || off + size - 1 > env->seg_max[seg])) {
        simd_check_seg_write(env, seg, off, size);
    }
    lin = seg_linear(env, seg, off);
    page2 = (lin + size - 1) & PAGE_MASK;
    if ((env->hflags & HF_CS64) &&
        (!simd_canonical(lin) || !simd_canonical(lin + size - 1))) {
        raise_exception_err(env, seg == R_SS ? EXCP_SS : EXCP_GP, 0);
    }
    simd_probe_page(env, lin);
    if (page2 != (lin & PAGE_MASK)) {
        simd_probe_page(env, page2);
    }
}

/* A 16-byte store is two 8-byte stores that either both happen or neither does. */
static inline void sse_st128(CPUX86State *env, int seg, uint64_t off, const XMMReg *v)
{
    simd_check_ac(env, seg, off, 16);
    simd_probe_write(env, seg, off, 16);
    cpu_st(env, seg, off, 8, v->q[0]);
    cpu_st(env, seg, off + 8, 8, v->q[1]);
}

/*
 * MASKMOVQ/MASKMOVDQU: the bytes of data whose mask byte has its top bit set go to
 * seg:rDI. The whole span is probed first so a fault never leaves part written, and
 * it faults even when no mask bit is set (as AMD Zen 3 does).
 */
static inline void simd_maskmov(CPUX86State *env, const Insn *d, const uint8_t *data,
                                const uint8_t *mask, unsigned bytes)
{
    uint64_t off = env->regs[R_EDI] & size_mask(d->addrsize);

    simd_check_ac(env, d->seg, off, 8);
    simd_probe_write(env, d->seg, off, bytes);
    for (unsigned i = 0; i < bytes; i++) {
        if (mask[i] & 0x80) {
            cpu_st(env, d->seg, off + i, 1, data[i]);
        }
    }
}

/* --- ModRM operands --- */

/* The Qq operand: an MMX register or 8 bytes of memory. */
static inline uint64_t mmx_ld_rm(CPUX86State *env, const Insn *d)
{
    if (d->mod == 3) {
        return fpu_mmx_get(env, d->rm);
    }
    return cpu_ld(env, d->seg, insn_ea(env, d), 8);
}

/* The Wx operand: an XMM register or 16 bytes of memory. */
static inline void sse_ld_rm(CPUX86State *env, const Insn *d, XMMReg *v, SimdAlign align)
{
    uint64_t ea;

    if (d->mod == 3) {
        *v = env->xmm[d->rm];
        return;
    }
    ea = insn_ea(env, d);
    if (align) {
        sse_check_align16(env, d->seg, ea);
    }
    sse_ld128(env, d->seg, ea, v);
}

static inline void sse_st_rm(CPUX86State *env, const Insn *d, const XMMReg *v,
                             SimdAlign align)
{
    uint64_t ea;

    if (d->mod == 3) {
        env->xmm[d->rm] = *v;
        return;
    }
    ea = insn_ea(env, d);
    if (align) {
        sse_check_align16(env, d->seg, ea);
    }
    sse_st128(env, d->seg, ea, v);
}

/* The low size bytes (4 or 8) of an XMM register or size bytes of memory. */
static inline uint64_t sse_ld_rm_scalar(CPUX86State *env, const Insn *d, unsigned size)
{
    if (d->mod == 3) {
        return env->xmm[d->rm].q[0] & size_mask(size);
    }
    return cpu_ld(env, d->seg, insn_ea(env, d), size);
}

/* --- operation drivers --- */

/*
 * A packed operation: dst = op(dst, src) over the low `bytes` bytes (8 for MMX, 16
 * for XMM), imm the instruction's immediate (0 if none). src never aliases dst.
 */
typedef void SimdOp(XMMReg *dst, const XMMReg *src, unsigned bytes, unsigned imm);

/* op Pq, Qq */
static inline void simd_mmx_form(CPUX86State *env, const Insn *d, SimdOp *op)
{
    XMMReg dst = {0}, src = {0};

    fpu_mmx_check(env);
    src.q[0] = mmx_ld_rm(env, d);
    dst.q[0] = fpu_mmx_get(env, d->reg);
    op(&dst, &src, 8, (uint8_t)d->imm);
    fpu_mmx_enter(env);
    fpu_mmx_set(env, d->reg, dst.q[0]);
}

/* op Vx, Wx with an aligned 16-byte memory operand */
static inline void simd_sse_form(CPUX86State *env, const Insn *d, SimdOp *op)
{
    XMMReg src;

    sse_check(env);
    sse_ld_rm(env, d, &src, SIMD_ALIGNED);
    op(&env->xmm[d->reg], &src, 16, (uint8_t)d->imm);
}

/* Handlers op_NAME_Pq_Qq and op_NAME_Vx_Wx for a SimdOp simd_NAME. */
#define SIMD_MMX_SSE_FORMS(name)                                                         \
    static void op_##name##_Pq_Qq(CPUX86State *env, const Insn *d)                       \
    {                                                                                    \
        simd_mmx_form(env, d, simd_##name);                                              \
    }                                                                                    \
    static void op_##name##_Vx_Wx(CPUX86State *env, const Insn *d)                       \
    {                                                                                    \
        simd_sse_form(env, d, simd_##name);                                              \
    }                                                                                    \
    _Static_assert(1, "a use of SIMD_MMX_SSE_FORMS takes a semicolon")

/* Only op_NAME_Vx_Wx */
#define SIMD_SSE_FORM(name)                                                              \
    static void op_##name##_Vx_Wx(CPUX86State *env, const Insn *d)                       \
    {                                                                                    \
        simd_sse_form(env, d, simd_##name);                                              \
    }                                                                                    \
    _Static_assert(1, "a use of SIMD_SSE_FORM takes a semicolon")

/* Table rows for the NP (MMX) and 66 (XMM) forms made by SIMD_MMX_SSE_FORMS. */
/* clang-format off */
#define SIMD_ROWS(map, opcode, name)                                                     \
    {map, opcode, ANY, ANY, ANY, MP_NONE, 0, op_##name##_Pq_Qq, #name},                  \
    {map, opcode, ANY, ANY, ANY, MP_66, 0, op_##name##_Vx_Wx, #name}
/* clang-format on */

/* --- saturation --- */

static inline int8_t sat_s8(int v)
{
    return v > INT8_MAX ? INT8_MAX : v < INT8_MIN ? INT8_MIN : v;
}

static inline uint8_t sat_u8(int v)
{
    return v > UINT8_MAX ? UINT8_MAX : v < 0 ? 0 : v;
}

static inline int16_t sat_s16(int v)
{
    return v > INT16_MAX ? INT16_MAX : v < INT16_MIN ? INT16_MIN : v;
}

static inline uint16_t sat_u16(int v)
{
    return v > UINT16_MAX ? UINT16_MAX : v < 0 ? 0 : v;
}

#endif
