/*
 * The x87 FPU as other instruction families see it: status and control word bits,
 * the MMX view of the x87 registers, and the checks MMX instructions share with x87
 * ones (Intel SDM vol. 1 chapters 8 and 9, vol. 3 section 2.5).
 *
 * MMX use, for the MMX/SSE families: call fpu_mmx_check() before any memory access
 * (#UD with CR0.EM, #NM with CR0.TS, #MF for a pending x87 error), then
 * fpu_mmx_enter() once nothing can fault any more, then read and write MM0-MM7
 * with fpu_mmx_get()/fpu_mmx_set(). EMMS (0F 77) lives in fpu-ctl.c.
 */
#ifndef TARGET_I386_FPU_H
#define TARGET_I386_FPU_H

#include "target/i386/cpu.h"

/* Status word */
#define FPUS_IE  0x0001 /* IE invalid operation */
#define FPUS_DE  0x0002 /* DE denormalized operand */
#define FPUS_ZE  0x0004 /* ZE zero divide */
#define FPUS_OE  0x0008 /* OE overflow */
#define FPUS_UE  0x0010 /* UE underflow */
#define FPUS_PE  0x0020 /* PE precision */
#define FPUS_SF  0x0040 /* SF stack fault */
#define FPUS_ES  0x0080 /* ES exception summary */
#define FPUS_C0  0x0100 /* C0 condition code */
#define FPUS_C1  0x0200 /* C1 */
#define FPUS_C2  0x0400 /* C2 */
#define FPUS_TOP 0x3800 /* TOP of stack */
#define FPUS_C3  0x4000 /* C3 */
#define FPUS_B   0x8000 /* B busy, a copy of ES */
#define FPU_EXCP 0x003f /* the six exception flags (SW) and their masks (CW) */

#define FPUC_DEFAULT   0x037f /* after FNINIT: all masked, 64-bit precision, nearest */
#define FPU_TAG_EMPTY  3
#define FPU_TAGS_EMPTY 0xffff
/* MXCSR bits FXRSTOR accepts: all of MXCSR including DAZ (see fpu-state.c). */
#define FPU_MXCSR_MASK 0x0000ffff

/* The status word with TOP folded in (fpus keeps TOP in fpstt). */
static inline uint16_t fpu_get_sw(const CPUX86State *env)
{
    return (env->fpus & ~FPUS_TOP) | (env->fpstt & 7) << 11;
}

/* Faults an MMX instruction takes before anything else: #UD, #NM, #MF. */
void fpu_mmx_check(CPUX86State *env);

/* Every MMX instruction but EMMS: TOP = 0 and all eight registers tagged valid. */
static inline void fpu_mmx_enter(CPUX86State *env)
{
    env->fpstt = 0;
    env->fptw = 0;
}

/* MMi is the significand of physical register i. */
static inline uint64_t fpu_mmx_get(const CPUX86State *env, unsigned i)
{
    return env->fpregs[i & 7].mant;
}

/* Writing MMi sets its sign and exponent to all ones (a NaN to x87 code). */
static inline void fpu_mmx_set(CPUX86State *env, unsigned i, uint64_t v)
{
    env->fpregs[i & 7].mant = v;
    env->fpregs[i & 7].exp = 0xffff;
}

#endif
