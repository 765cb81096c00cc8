/* MMX, SSE/SSE2 integer and data-movement, and SSSE3 instructions against the host CPU.
 */
/*
 * Every instruction form is a few bytes of host code (assembled from AT&T text, or
 * spelled in .byte where the assembler would pick another encoding). The host runs
 * them with all sixteen XMM, all eight MMX registers, RAX, RCX and RDI loaded from a
 * state block; RDI points at a memory buffer. The emulator decodes the very same
 * bytes in 64-bit mode, looks up the handler as the translator would, and runs it
 * on a CPU with guest RAM holding the same buffer. Everything must agree: all XMM
 * and MMX registers, all general registers (only RAX/RCX may change), the buffer,
 * EFLAGS and MXCSR, and the x87 state an MMX instruction leaves (TOP = 0, all
 * tags valid, exponent bits of a written register all ones).
 *
 * Inputs are random, or lanes of one width filled with edge values (0, 1, -1, the
 * signed extremes, small numbers); shift counts are mostly small.
 */
#include <setjmp.h>
#include "hw/machine.h"
#include "target/i386/access.h"
#include "target/i386/flags.h"
#include "target/i386/insn.h"
#include "target/i386/sse-common.h"

/* ------------------------------------------------------------------------------------
 * The host side
 */

typedef struct SimdState {
    XMMReg xmm[16];    /* offset 0 */
    uint64_t mm[8];    /* offset 256 */
    uint64_t rax, rcx; /* offset 320, 328 */
    uint64_t rdi;      /* offset 336: the memory operand */
} SimdState;

_Static_assert(offsetof(SimdState, mm) == 256 && offsetof(SimdState, rdi) == 336,
               "simd_host_call knows this layout");

/* simd_host_call(state, code): load the state, call code, store the state back. */
void simd_host_call(SimdState *s, const uint8_t *code);
asm(".pushsection .text\n"
    ".globl simd_host_call\n"
    ".hidden simd_host_call\n"
    "simd_host_call:\n"
    "push %rbx\n"
    "mov %rdi, %rbx\n"
    ".irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
    "movdqu \\i*16(%rbx), %xmm\\i\n"
    ".endr\n"
    ".irp i,0,1,2,3,4,5,6,7\n"
    "movq 256+\\i*8(%rbx), %mm\\i\n"
    ".endr\n"
    "mov 320(%rbx), %rax\n"
    "mov 328(%rbx), %rcx\n"
    "mov 336(%rbx), %rdi\n"
    "call *%rsi\n"
    ".irp i,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n"
    "movdqu %xmm\\i, \\i*16(%rbx)\n"
    ".endr\n"
    ".irp i,0,1,2,3,4,5,6,7\n"
    "movq %mm\\i, 256+\\i*8(%rbx)\n"
    ".endr\n"
    "mov %rax, 320(%rbx)\n"
    "mov %rcx, 328(%rbx)\n"
    "emms\n"
    "pop %rbx\n"
    "ret\n"
    ".popsection\n");

/* Form.flags */
#define F_MMX   0x01 /* uses MMX registers: #UD with EM, #NM with TS, #MF, MMX state */
#define F_SSE   0x02 /* uses XMM registers: #UD with EM or !OSFXSR, #NM with TS */
#define F_MEM   0x04 /* accesses memory at RDI */
#define F_A16   0x08 /* the memory operand must be 16-byte aligned */
#define F_COUNT 0x10 /* the source's low quadword is a shift count */

typedef struct Form {
    const char *id, *name; /* name: the InsnDef's */
    const uint8_t *code, *code_end;
    unsigned flags;
} Form;

/* clang-format off */
/* op Qq, Pq / op Wx, Vx in MMX and XMM flavours, with REX and aliased registers */
#define MMX_FORMS(X, m, fl) \
    X(m##_mm, #m, F_MMX | (fl), #m " %mm3, %mm5") \
    X(m##_mm_alias, #m, F_MMX | (fl), #m " %mm2, %mm2") \
    X(m##_mm_mem, #m, F_MMX | F_MEM | (fl), #m " (%rdi), %mm2")
#define XMM_FORMS(X, m, fl) \
    X(m##_x, #m, F_SSE | (fl), #m " %xmm1, %xmm0") \
    X(m##_x_rex, #m, F_SSE | (fl), #m " %xmm10, %xmm9") \
    X(m##_x_alias, #m, F_SSE | (fl), #m " %xmm3, %xmm3") \
    X(m##_x_mem, #m, F_SSE | F_MEM | F_A16 | (fl), #m " (%rdi), %xmm11")
#define BOTH(X, m) MMX_FORMS(X, m, 0) XMM_FORMS(X, m, 0)
#define SHIFT(X, m) MMX_FORMS(X, m, F_COUNT) XMM_FORMS(X, m, F_COUNT)

#define MMX_IMM(X, m, imm) \
    X(m##_mm_##imm, #m, F_MMX, #m " $" #imm ", %mm3, %mm5") \
    X(m##_mm_mem_##imm, #m, F_MMX | F_MEM, #m " $" #imm ", (%rdi), %mm2")
#define XMM_IMM(X, m, imm) \
    X(m##_x_##imm, #m, F_SSE, #m " $" #imm ", %xmm1, %xmm0") \
    X(m##_x_rex_##imm, #m, F_SSE, #m " $" #imm ", %xmm10, %xmm9") \
    X(m##_x_alias_##imm, #m, F_SSE, #m " $" #imm ", %xmm3, %xmm3") \
    X(m##_x_mem_##imm, #m, F_SSE | F_MEM | F_A16, #m " $" #imm ", (%rdi), %xmm11")
#define XMM_SHUF(X, m) \
    XMM_IMM(X, m, 0x1b) XMM_IMM(X, m, 0x00) XMM_IMM(X, m, 0xe4) XMM_IMM(X, m, 0x9c) \
    XMM_IMM(X, m, 0x01) XMM_IMM(X, m, 0x02) XMM_IMM(X, m, 0xff)
#define PALIGNR(X, imm) MMX_IMM(X, palignr, imm) XMM_IMM(X, palignr, imm)

/* shift groups 12-14: op $imm, register */
#define SHIFT_IMM1(X, m, imm) \
    X(m##_mmi_##imm, #m, F_MMX, #m " $" #imm ", %mm5") \
    X(m##_xi_##imm, #m, F_SSE, #m " $" #imm ", %xmm9") \
    X(m##_xi0_##imm, #m, F_SSE, #m " $" #imm ", %xmm2")
#define SHIFT_IMM(X, m) \
    SHIFT_IMM1(X, m, 0) SHIFT_IMM1(X, m, 1) SHIFT_IMM1(X, m, 7) SHIFT_IMM1(X, m, 15) \
    SHIFT_IMM1(X, m, 16) SHIFT_IMM1(X, m, 31) SHIFT_IMM1(X, m, 32) \
    SHIFT_IMM1(X, m, 63) SHIFT_IMM1(X, m, 64) SHIFT_IMM1(X, m, 255)
#define BYTE_SHIFT1(X, m, imm) \
    X(m##_xi_##imm, #m, F_SSE, #m " $" #imm ", %xmm9") \
    X(m##_xi0_##imm, #m, F_SSE, #m " $" #imm ", %xmm2")
#define BYTE_SHIFT(X, m) \
    BYTE_SHIFT1(X, m, 0) BYTE_SHIFT1(X, m, 1) BYTE_SHIFT1(X, m, 7) \
    BYTE_SHIFT1(X, m, 15) BYTE_SHIFT1(X, m, 16) BYTE_SHIFT1(X, m, 255)

#define WORD_IMM(X, imm) \
    X(pinsrw_mm_##imm, "pinsrw", F_MMX, "pinsrw $" #imm ", %ecx, %mm5") \
    X(pinsrw_mm_mem_##imm, "pinsrw", F_MMX | F_MEM, "pinsrw $" #imm ", (%rdi), %mm2") \
    X(pinsrw_x_##imm, "pinsrw", F_SSE, "pinsrw $" #imm ", %ecx, %xmm9") \
    X(pinsrw_x_mem_##imm, "pinsrw", F_SSE | F_MEM, "pinsrw $" #imm ", (%rdi), %xmm2") \
    X(pextrw_mm_##imm, "pextrw", F_MMX, "pextrw $" #imm ", %mm3, %eax") \
    X(pextrw_x_##imm, "pextrw", F_SSE, "pextrw $" #imm ", %xmm10, %ecx") \
    X(pextrw_x0_##imm, "pextrw", F_SSE, "pextrw $" #imm ", %xmm1, %eax")

/* Raw encodings: modrm C1 = (reg 0, rm 1), C8 = (reg 1, rm 0), 17 = (reg 2, [rdi]) */
#define RAW(X, id, name, fl, ...) X(id, name, fl, ".byte " #__VA_ARGS__)
/* Load Vx,Wx and store Wx,Vx encodings of a full-register move */
#define MOVE_FULL(X, m, pfx, ld, st, a16) \
    RAW(X, m##_ld, #m, F_SSE, pfx 0x0f, ld, 0xc1) \
    RAW(X, m##_ld_rex, #m, F_SSE, pfx 0x45, 0x0f, ld, 0xd3) \
    RAW(X, m##_ld_mem, #m, F_SSE | F_MEM | (a16), pfx 0x0f, ld, 0x17) \
    RAW(X, m##_st, #m, F_SSE, pfx 0x0f, st, 0xc8) \
    RAW(X, m##_st_rex, #m, F_SSE, pfx 0x45, 0x0f, st, 0xd3) \
    RAW(X, m##_st_mem, #m, F_SSE | F_MEM | (a16), pfx 0x0f, st, 0x17)
#define P66 0x66,
#define PF3 0xf3,
#define PF2 0xf2,
#define PNP

#define FORMS(X) \
    BOTH(X, paddb) BOTH(X, paddw) BOTH(X, paddd) BOTH(X, paddq) \
    BOTH(X, psubb) BOTH(X, psubw) BOTH(X, psubd) BOTH(X, psubq) \
    BOTH(X, paddsb) BOTH(X, paddsw) BOTH(X, psubsb) BOTH(X, psubsw) \
    BOTH(X, paddusb) BOTH(X, paddusw) BOTH(X, psubusb) BOTH(X, psubusw) \
    BOTH(X, pcmpeqb) BOTH(X, pcmpeqw) BOTH(X, pcmpeqd) \
    BOTH(X, pcmpgtb) BOTH(X, pcmpgtw) BOTH(X, pcmpgtd) \
    BOTH(X, pand) BOTH(X, pandn) BOTH(X, por) BOTH(X, pxor) \
    BOTH(X, pminub) BOTH(X, pmaxub) BOTH(X, pminsw) BOTH(X, pmaxsw) \
    BOTH(X, pavgb) BOTH(X, pavgw) BOTH(X, psadbw) \
    BOTH(X, pmullw) BOTH(X, pmulhw) BOTH(X, pmulhuw) BOTH(X, pmuludq) BOTH(X, pmaddwd) \
    BOTH(X, packsswb) BOTH(X, packuswb) BOTH(X, packssdw) \
    BOTH(X, punpcklbw) BOTH(X, punpcklwd) BOTH(X, punpckldq) \
    BOTH(X, punpckhbw) BOTH(X, punpckhwd) BOTH(X, punpckhdq) \
    XMM_FORMS(X, punpcklqdq, 0) XMM_FORMS(X, punpckhqdq, 0) \
    SHIFT(X, psrlw) SHIFT(X, psrld) SHIFT(X, psrlq) \
    SHIFT(X, psllw) SHIFT(X, pslld) SHIFT(X, psllq) SHIFT(X, psraw) SHIFT(X, psrad) \
    SHIFT_IMM(X, psrlw) SHIFT_IMM(X, psrld) SHIFT_IMM(X, psrlq) \
    SHIFT_IMM(X, psllw) SHIFT_IMM(X, pslld) SHIFT_IMM(X, psllq) \
    SHIFT_IMM(X, psraw) SHIFT_IMM(X, psrad) \
    BYTE_SHIFT(X, psrldq) BYTE_SHIFT(X, pslldq) \
    XMM_FORMS(X, andps, 0) XMM_FORMS(X, andnps, 0) XMM_FORMS(X, orps, 0) \
    XMM_FORMS(X, xorps, 0) XMM_FORMS(X, andpd, 0) XMM_FORMS(X, andnpd, 0) \
    XMM_FORMS(X, orpd, 0) XMM_FORMS(X, xorpd, 0) \
    XMM_FORMS(X, unpcklps, 0) XMM_FORMS(X, unpckhps, 0) \
    XMM_FORMS(X, unpcklpd, 0) XMM_FORMS(X, unpckhpd, 0) \
    MMX_IMM(X, pshufw, 0x1b) MMX_IMM(X, pshufw, 0x00) MMX_IMM(X, pshufw, 0xe4) \
    MMX_IMM(X, pshufw, 0x9c) MMX_IMM(X, pshufw, 0xff) \
    XMM_SHUF(X, pshufd) XMM_SHUF(X, pshufhw) XMM_SHUF(X, pshuflw) XMM_SHUF(X, shufps) \
    XMM_IMM(X, shufpd, 0) XMM_IMM(X, shufpd, 1) XMM_IMM(X, shufpd, 2) \
    XMM_IMM(X, shufpd, 3) XMM_IMM(X, shufpd, 0xfe) \
    WORD_IMM(X, 0) WORD_IMM(X, 3) WORD_IMM(X, 6) WORD_IMM(X, 13) \
    RAW(X, pextrw_rexw, "pextrw", F_SSE, 0x66, 0x48, 0x0f, 0xc5, 0xc1, 0x05) \
    X(pmovmskb_mm, "pmovmskb", F_MMX, "pmovmskb %mm3, %eax") \
    X(pmovmskb_x, "pmovmskb", F_SSE, "pmovmskb %xmm10, %ecx") \
    X(pmovmskb_x0, "pmovmskb", F_SSE, "pmovmskb %xmm1, %rax") \
    X(movmskps_x, "movmskps", F_SSE, "movmskps %xmm10, %eax") \
    X(movmskpd_x, "movmskpd", F_SSE, "movmskpd %xmm1, %ecx") \
    BOTH(X, pshufb) BOTH(X, phaddw) BOTH(X, phaddd) BOTH(X, phaddsw) \
    BOTH(X, phsubw) BOTH(X, phsubd) BOTH(X, phsubsw) BOTH(X, pmaddubsw) \
    BOTH(X, psignb) BOTH(X, psignw) BOTH(X, psignd) BOTH(X, pmulhrsw) \
    BOTH(X, pabsb) BOTH(X, pabsw) BOTH(X, pabsd) \
    PALIGNR(X, 0) PALIGNR(X, 3) PALIGNR(X, 8) PALIGNR(X, 13) PALIGNR(X, 16) \
    PALIGNR(X, 17) PALIGNR(X, 24) PALIGNR(X, 31) PALIGNR(X, 32) PALIGNR(X, 255) \
    /* MMX moves */ \
    X(movd_mm_r, "movd", F_MMX, "movd %ecx, %mm5") \
    X(movd_mm_m, "movd", F_MMX | F_MEM, "movd (%rdi), %mm2") \
    X(movd_r_mm, "movd", F_MMX, "movd %mm5, %eax") \
    X(movd_m_mm, "movd", F_MMX | F_MEM, "movd %mm2, (%rdi)") \
    X(movq_mm_r, "movd", F_MMX, "movq %rcx, %mm5") \
    X(movq_r_mm, "movd", F_MMX, "movq %mm5, %rax") \
    RAW(X, movq_mm_m64, "movd", F_MMX | F_MEM, 0x48, 0x0f, 0x6e, 0x17) \
    RAW(X, movq_m64_mm, "movd", F_MMX | F_MEM, 0x48, 0x0f, 0x7e, 0x17) \
    RAW(X, movq_mm_mm, "movq", F_MMX, 0x0f, 0x6f, 0xeb) \
    RAW(X, movq_mm_mm_rex, "movq", F_MMX, 0x41, 0x0f, 0x6f, 0xeb) \
    RAW(X, movq_mm_mem, "movq", F_MMX | F_MEM, 0x0f, 0x6f, 0x17) \
    RAW(X, movq_mm_st, "movq", F_MMX, 0x0f, 0x7f, 0xdd) \
    RAW(X, movq_mm_st_mem, "movq", F_MMX | F_MEM, 0x0f, 0x7f, 0x17) \
    X(movntq, "movntq", F_MMX | F_MEM, "movntq %mm2, (%rdi)") \
    X(maskmovq, "maskmovq", F_MMX | F_MEM, "maskmovq %mm3, %mm5") \
    X(maskmovq_alias, "maskmovq", F_MMX | F_MEM, "maskmovq %mm4, %mm4") \
    X(movq2dq, "movq2dq", F_MMX | F_SSE, "movq2dq %mm3, %xmm9") \
    X(movdq2q, "movdq2q", F_MMX | F_SSE, "movdq2q %xmm10, %mm5") \
    /* XMM moves */ \
    X(movd_x_r, "movd", F_SSE, "movd %ecx, %xmm9") \
    X(movd_x_m, "movd", F_SSE | F_MEM, "movd (%rdi), %xmm2") \
    X(movd_r_x, "movd", F_SSE, "movd %xmm9, %eax") \
    X(movd_m_x, "movd", F_SSE | F_MEM, "movd %xmm2, (%rdi)") \
    X(movq_x_r, "movd", F_SSE, "movq %rcx, %xmm9") \
    X(movq_r_x, "movd", F_SSE, "movq %xmm9, %rax") \
    RAW(X, movq_x_m64, "movd", F_SSE | F_MEM, 0x66, 0x48, 0x0f, 0x6e, 0x17) \
    RAW(X, movq_m64_x, "movd", F_SSE | F_MEM, 0x66, 0x48, 0x0f, 0x7e, 0x17) \
    RAW(X, movq_f3, "movq", F_SSE, 0xf3, 0x0f, 0x7e, 0xc1) \
    RAW(X, movq_f3_rex, "movq", F_SSE, 0xf3, 0x45, 0x0f, 0x7e, 0xd3) \
    RAW(X, movq_f3_mem, "movq", F_SSE | F_MEM, 0xf3, 0x0f, 0x7e, 0x17) \
    RAW(X, movq_d6, "movq", F_SSE, 0x66, 0x0f, 0xd6, 0xc8) \
    RAW(X, movq_d6_rex, "movq", F_SSE, 0x66, 0x45, 0x0f, 0xd6, 0xd3) \
    RAW(X, movq_d6_mem, "movq", F_SSE | F_MEM, 0x66, 0x0f, 0xd6, 0x17) \
    MOVE_FULL(X, movups, PNP, 0x10, 0x11, 0) \
    MOVE_FULL(X, movupd, P66, 0x10, 0x11, 0) \
    MOVE_FULL(X, movss, PF3, 0x10, 0x11, 0) \
    MOVE_FULL(X, movsd, PF2, 0x10, 0x11, 0) \
    MOVE_FULL(X, movaps, PNP, 0x28, 0x29, F_A16) \
    MOVE_FULL(X, movapd, P66, 0x28, 0x29, F_A16) \
    MOVE_FULL(X, movdqa, P66, 0x6f, 0x7f, F_A16) \
    MOVE_FULL(X, movdqu, PF3, 0x6f, 0x7f, 0) \
    RAW(X, movlps_ld, "movlps", F_SSE | F_MEM, 0x0f, 0x12, 0x17) \
    RAW(X, movhlps, "movhlps", F_SSE, 0x0f, 0x12, 0xc1) \
    RAW(X, movhlps_rex, "movhlps", F_SSE, 0x45, 0x0f, 0x12, 0xd3) \
    RAW(X, movlpd_ld, "movlpd", F_SSE | F_MEM, 0x66, 0x0f, 0x12, 0x17) \
    RAW(X, movlps_st, "movlps", F_SSE | F_MEM, 0x0f, 0x13, 0x17) \
    RAW(X, movlpd_st, "movlpd", F_SSE | F_MEM, 0x66, 0x0f, 0x13, 0x17) \
    RAW(X, movhps_ld, "movhps", F_SSE | F_MEM, 0x0f, 0x16, 0x17) \
    RAW(X, movlhps, "movlhps", F_SSE, 0x0f, 0x16, 0xc1) \
    RAW(X, movlhps_rex, "movlhps", F_SSE, 0x45, 0x0f, 0x16, 0xd3) \
    RAW(X, movhpd_ld, "movhpd", F_SSE | F_MEM, 0x66, 0x0f, 0x16, 0x17) \
    RAW(X, movhps_st, "movhps", F_SSE | F_MEM, 0x0f, 0x17, 0x17) \
    RAW(X, movhpd_st, "movhpd", F_SSE | F_MEM, 0x66, 0x0f, 0x17, 0x17) \
    RAW(X, movntps, "movntps", F_SSE | F_MEM | F_A16, 0x0f, 0x2b, 0x17) \
    RAW(X, movntpd, "movntpd", F_SSE | F_MEM | F_A16, 0x66, 0x0f, 0x2b, 0x17) \
    RAW(X, movntdq, "movntdq", F_SSE | F_MEM | F_A16, 0x66, 0x0f, 0xe7, 0x17) \
    RAW(X, movntdq_rex, "movntdq", F_SSE | F_MEM | F_A16, 0x66, 0x44, 0x0f, 0xe7, 0x27) \
    RAW(X, lddqu, "lddqu", F_SSE | F_MEM, 0xf2, 0x0f, 0xf0, 0x17) \
    RAW(X, lddqu_rex, "lddqu", F_SSE | F_MEM, 0xf2, 0x44, 0x0f, 0xf0, 0x27) \
    X(maskmovdqu, "maskmovdqu", F_SSE | F_MEM, "maskmovdqu %xmm1, %xmm0") \
    X(maskmovdqu_rex, "maskmovdqu", F_SSE | F_MEM, "maskmovdqu %xmm10, %xmm9") \
    X(movnti, "movnti", F_MEM, "movnti %ecx, (%rdi)") \
    X(movnti_q, "movnti", F_MEM, "movnti %rax, (%rdi)")
/* clang-format on */

#define DEFINE_HOST_CODE(id, name, fl, text)                                             \
    extern const uint8_t host_##id[], host_##id##_end[];                                 \
    asm(".pushsection .text\n.globl host_" #id "\n.hidden host_" #id "\nhost_" #id       \
        ":\n" text "\n.globl host_" #id "_end\n.hidden host_" #id "_end\nhost_" #id      \
        "_end:\n"                                                                        \
        "ret\n.popsection\n");
#define FORM_ENTRY(id, name, fl, text) {#id, name, host_##id, host_##id##_end, fl},

FORMS(DEFINE_HOST_CODE)
static const Form forms[] = {FORMS(FORM_ENTRY)};

/* ------------------------------------------------------------------------------------
 * The emulated side: a 64-bit CPU with identity-paged RAM
 */

#define RAM_SIZE (4u << 20)
#define PML4     0x1000
#define CODE     0x8000
#define DATA     0x20000 /* the buffer */
#define BUF_SIZE 128
#define OPERAND  48 /* the memory operand's usual offset in the buffer */

#define CODE_FLAGS (DESC_P | DESC_S | DESC_CS | DESC_R | DESC_A)
#define DATA_FLAGS (DESC_P | DESC_S | DESC_W | DESC_A)

static uint8_t *ram(CPUX86State *env, uint64_t addr)
{
    return env->machine->ram.ram + addr;
}

static void build_page_tables(CPUX86State *env)
{
    st_le(ram(env, PML4), 8, (PML4 + 0x1000) | 3);
    st_le(ram(env, PML4 + 0x1000), 8, (PML4 + 0x2000) | 3);
    for (uint64_t i = 0; i < 512; i++) {
        st_le(ram(env, PML4 + 0x2000 + i * 8), 8, (i << 21) | 0x83);
    }
}

/* bits: 32 (flat protected mode) or 64 (long mode); SSE enabled, CR0.NE set. */
static CPUX86State *cpu_new_mode(int bits)
{
    CPUX86State *env = cpu_x86_new(machine_new("pc", RAM_SIZE));

    cpu_x86_reset(env);
    env->cr[0] |= CR0_PE | CR0_NE | CR0_MP;
    env->cr[4] |= CR4_OSFXSR | CR4_OSXMMEXCPT;
    if (bits == 64) {
        build_page_tables(env);
        env->cr[3] = PML4;
        env->cr[4] |= CR4_PAE;
        env->efer |= EFER_LME | EFER_LMA;
        env->cr[0] |= CR0_PG;
    }
    for (int seg = 0; seg < NR_SEGS; seg++) {
        bool code = seg == R_CS;
        uint32_t size = code && bits == 64 ? DESC_L : DESC_B;
        cpu_set_seg_raw(env, seg, code ? 0x08 : 0x10, 0, 0xffffffff,
                        (code ? CODE_FLAGS : DATA_FLAGS) | size);
    }
    cpu_update_hflags(env);
    cpu_update_seg_ok(env);
    tlb_flush(env);
    env->rip = CODE;
    return env;
}

static void cpu_free_all(CPUX86State *env)
{
    Machine *m = env->machine;

    cpu_x86_free(env);
    machine_free(m);
}

/* Decode code as the translator would; the form must decode whole and be found. */
static const InsnDef *decode_form(CPUX86State *env, const uint8_t *code, size_t len,
                                  Insn *d)
{
    int mode = cpu_is_64bit(env) ? DECODE_64 : DECODE_32;

    g_assert_cmpint(decode_insn(d, code, len, mode), ==, DECODE_OK);
    g_assert_cmpuint(d->len, ==, len);
    return insn_lookup(d, cpu_is_64bit(env));
}

/* Run one decoded instruction. Returns the exception vector, or -1. */
static int emu_exec(CPUX86State *env, const InsnDef *def, const Insn *d)
{
    env->next_rip = env->rip + d->len;
    env->exception_index = -1;
    if (setjmp(env->jmp_env)) {
        return env->exception_index;
    }
    def->fn(env, d);
    env->rip = env->next_rip;
    return -1;
}

/* Everything an instruction here may touch, to check what it must leave alone. */
typedef struct Snapshot {
    uint64_t regs[16];
    XMMReg xmm[16];
    FPReg fpregs[8];
    unsigned fpstt;
    uint16_t fptw, fpus, fpuc;
    uint32_t mxcsr, eflags;
    uint8_t buf[BUF_SIZE];
} Snapshot;

static void snapshot(CPUX86State *env, Snapshot *s)
{
    memset(s, 0, sizeof(*s));
    memcpy(s->regs, env->regs, sizeof(s->regs));
    memcpy(s->xmm, env->xmm, sizeof(s->xmm));
    memcpy(s->fpregs, env->fpregs, sizeof(s->fpregs));
    s->fpstt = env->fpstt;
    s->fptw = env->fptw;
    s->fpus = env->fpus;
    s->fpuc = env->fpuc;
    s->mxcsr = env->mxcsr;
    s->eflags = cpu_get_eflags(env);
    memcpy(s->buf, ram(env, DATA), BUF_SIZE);
}

static bool same_snapshot(const Snapshot *a, const Snapshot *b)
{
    return memcmp(a, b, sizeof(*a)) == 0;
}

/* ------------------------------------------------------------------------------------
 * Inputs
 */

static uint64_t rand64(GRand *rng)
{
    return (uint64_t)g_rand_int(rng) << 32 | g_rand_int(rng);
}

/* An edge value for a lane of `bytes` bytes. */
static uint64_t edge_lane(GRand *rng, unsigned bytes)
{
    uint64_t top = 1ull << (bytes * 8 - 1), all = top | (top - 1);

    switch (g_rand_int_range(rng, 0, 9)) {
    case 0: return 0;
    case 1: return 1;
    case 2: return all;
    case 3: return top;
    case 4: return top - 1;
    case 5: return top + 1;
    case 6: return g_rand_int_range(rng, 0, 40);
    case 7: return -(uint64_t)g_rand_int_range(rng, 1, 40) & all;
    default: return rand64(rng) & all;
    }
}

static void gen_vector(GRand *rng, uint8_t *p, unsigned n)
{
    unsigned lane = 1u << g_rand_int_range(rng, 0, 4);

    switch (g_rand_int_range(rng, 0, 4)) {
    case 0:
    case 1:
        for (unsigned i = 0; i < n; i++) {
            p[i] = g_rand_int(rng);
        }
        break;
    case 2:
        for (unsigned i = 0; i < n; i += lane) {
            uint64_t v = edge_lane(rng, lane);
            memcpy(p + i, &v, MIN(lane, n - i));
        }
        break;
    default: memset(p, g_rand_int_range(rng, 0, 4) == 0 ? 0x80 : g_rand_int(rng), n);
    }
}

static uint64_t gen_count(GRand *rng)
{
    return g_rand_int_range(rng, 0, 4) ? g_rand_int_range(rng, 0, 70) : rand64(rng);
}

/* Offset of the memory operand in the buffer: aligned forms must stay aligned. */
static unsigned gen_offset(GRand *rng, const Form *f)
{
    if ((f->flags & F_A16) || g_rand_boolean(rng)) {
        return OPERAND;
    }
    return OPERAND + g_rand_int_range(rng, -16, 17);
}

static void gen_state(GRand *rng, const Form *f, SimdState *s, uint8_t *buf)
{
    for (int i = 0; i < 16; i++) {
        gen_vector(rng, s->xmm[i].b, 16);
    }
    for (int i = 0; i < 8; i++) {
        gen_vector(rng, (uint8_t *)&s->mm[i], 8);
    }
    gen_vector(rng, buf, BUF_SIZE);
    s->rax = rand64(rng);
    s->rcx = g_rand_boolean(rng) ? rand64(rng) : edge_lane(rng, 8);
    s->rdi = gen_offset(rng, f);
    if (f->flags & F_COUNT) {
        s->mm[3] = gen_count(rng);
        s->xmm[1].q[0] = gen_count(rng);
        s->xmm[10].q[0] = gen_count(rng);
        uint64_t count = gen_count(rng);
        memcpy(buf + s->rdi, &count, 8);
    }
}

/* Put the state into the emulated CPU, with random values wherever it should not look. */
static void load_emu(CPUX86State *env, GRand *rng, const SimdState *s, const uint8_t *buf)
{
    for (int i = 0; i < 16; i++) {
        env->regs[i] = rand64(rng);
        env->xmm[i] = s->xmm[i];
    }
    env->regs[R_EAX] = s->rax;
    env->regs[R_ECX] = s->rcx;
    env->regs[R_EDI] = DATA + s->rdi;
    for (int i = 0; i < 8; i++) {
        env->fpregs[i].mant = s->mm[i];
        env->fpregs[i].exp = g_rand_int(rng);
    }
    env->fpstt = g_rand_int_range(rng, 0, 8);
    env->fptw = g_rand_int(rng);
    env->fpus = 0;
    env->mxcsr = MXCSR_RESET | (g_rand_int(rng) & (MXCSR_FLAGS | MXCSR_RC_MASK));
    cpu_set_eflags(env, g_rand_int(rng), CC_ARITH);
    memcpy(ram(env, DATA), buf, BUF_SIZE);
}

/* ------------------------------------------------------------------------------------
 * Differential runs
 */

/* The x87 state an MMX instruction leaves: TOP 0, tags valid, written MMn tagged. */
static bool x87_state_ok(const Form *f, const Snapshot *before, const CPUX86State *env)
{
    unsigned touched = 0;

    if (!(f->flags & F_MMX)) {
        return env->fpstt == before->fpstt && env->fptw == before->fptw &&
               memcmp(env->fpregs, before->fpregs, sizeof(env->fpregs)) == 0;
    }
    for (int i = 0; i < 8; i++) {
        bool changed = env->fpregs[i].mant != before->fpregs[i].mant;
        if (env->fpregs[i].exp != before->fpregs[i].exp) {
            touched++;
            if (env->fpregs[i].exp != 0xffff) {
                return false;
            }
        } else if (changed && env->fpregs[i].exp != 0xffff) {
            return false;
        }
    }
    return env->fpstt == 0 && env->fptw == 0 && touched <= 1;
}

/* Expected emulator state from the host's results. */
static void expected_state(const Snapshot *before, const SimdState *host,
                           const uint8_t *host_buf, Snapshot *want)
{
    *want = *before;
    want->regs[R_EAX] = host->rax;
    want->regs[R_ECX] = host->rcx;
    memcpy(want->xmm, host->xmm, sizeof(want->xmm));
    for (int i = 0; i < 8; i++) {
        want->fpregs[i].mant = host->mm[i];
    }
    memcpy(want->buf, host_buf, BUF_SIZE);
}

/* What the comparison ignores: the x87 bookkeeping, checked by x87_state_ok. */
static void mask_x87(Snapshot *s, const Snapshot *from)
{
    for (int i = 0; i < 8; i++) {
        s->fpregs[i].exp = from->fpregs[i].exp;
    }
    s->fpstt = from->fpstt;
    s->fptw = from->fptw;
}

static void report_vec(const char *what, const uint8_t *p, unsigned n)
{
    GString *s = g_string_new(what);

    for (unsigned i = n; i-- > 0;) {
        g_string_append_printf(s, "%02x%s", p[i], i % 8 == 0 && i ? "_" : "");
    }
    g_test_message("%s", s->str);
    g_string_free(s, true);
}

static void report(const Form *f, const SimdState *in, const uint8_t *in_buf,
                   const Snapshot *want, const Snapshot *got, int fault)
{
    g_test_message("%s (%s): exception %d, rdi offset %u", f->id, f->name, fault,
                   (unsigned)in->rdi);
    for (int i = 0; i < 16; i++) {
        if (memcmp(&want->xmm[i], &got->xmm[i], 16) != 0) {
            g_test_message(" xmm%d differs", i);
            report_vec("  in   ", in->xmm[i].b, 16);
            report_vec("  want ", want->xmm[i].b, 16);
            report_vec("  got  ", got->xmm[i].b, 16);
        }
    }
    for (int i = 0; i < 8; i++) {
        if (want->fpregs[i].mant != got->fpregs[i].mant) {
            g_test_message(" mm%d in %016" PRIx64 " want %016" PRIx64 " got %016" PRIx64,
                           i, in->mm[i], want->fpregs[i].mant, got->fpregs[i].mant);
        }
    }
    for (int i = 0; i < 16; i++) {
        if (want->regs[i] != got->regs[i]) {
            g_test_message(" r%d want %016" PRIx64 " got %016" PRIx64, i, want->regs[i],
                           got->regs[i]);
        }
    }
    if (memcmp(want->buf, got->buf, BUF_SIZE) != 0) {
        report_vec(" buf in   ", in_buf + OPERAND - 16, 48);
        report_vec(" buf want ", want->buf + OPERAND - 16, 48);
        report_vec(" buf got  ", got->buf + OPERAND - 16, 48);
    }
}

static uint8_t host_buf[BUF_SIZE] __attribute__((aligned(64)));

/* One random case of one form; returns true if host and emulator agree. */
static bool run_case(CPUX86State *env, const Form *f, const InsnDef *def, const Insn *d,
                     GRand *rng, bool verbose)
{
    SimdState in, host;
    uint8_t in_buf[BUF_SIZE];
    Snapshot before, want, got;
    int fault;

    gen_state(rng, f, &in, in_buf);
    load_emu(env, rng, &in, in_buf);
    snapshot(env, &before);
    host = in;
    host.rdi = (uintptr_t)host_buf + in.rdi;
    memcpy(host_buf, in_buf, BUF_SIZE);
    simd_host_call(&host, f->code);
    fault = emu_exec(env, def, d);
    snapshot(env, &got);
    expected_state(&before, &host, host_buf, &want);
    bool x87_ok = x87_state_ok(f, &before, env);
    mask_x87(&got, &before);
    if (fault < 0 && x87_ok && same_snapshot(&want, &got)) {
        return true;
    }
    if (verbose) {
        report(f, &in, in_buf, &want, &got, fault);
        g_test_message(" x87 state %s (top %u tags %04x)", x87_ok ? "ok" : "WRONG",
                       env->fpstt, env->fptw);
    }
    return false;
}

static void test_against_host(void)
{
    CPUX86State *env = cpu_new_mode(64);
    GRand *rng = g_rand_new_with_seed(0x55e2);
    unsigned cases = g_test_slow() ? 20000 : 400, failed_forms = 0;

    for (size_t i = 0; i < ARRAY_SIZE(forms); i++) {
        const Form *f = &forms[i];
        Insn d;
        const InsnDef *def = decode_form(env, f->code, f->code_end - f->code, &d);
        unsigned bad = 0;

        if (!def || strcmp(def->name, f->name) != 0) {
            g_test_message("%s: handler %s, want %s", f->id, def ? def->name : "none",
                           f->name);
            failed_forms++;
            continue;
        }
        for (unsigned n = 0; n < cases; n++) {
            bad += !run_case(env, f, def, &d, rng, bad < 2);
        }
        failed_forms += bad > 0;
    }
    g_test_message("%zu forms, %u wrong", ARRAY_SIZE(forms), failed_forms);
    g_rand_free(rng);
    cpu_free_all(env);
    g_assert_cmpuint(failed_forms, ==, 0);
}

/* ------------------------------------------------------------------------------------
 * Exceptions
 */

/* Run f on a random state after `setup`; returns the vector and checks a fault changed
 * nothing. */
static int run_faulting(CPUX86State *env, const Form *f, GRand *rng, int rdi_offset)
{
    SimdState in;
    uint8_t buf[BUF_SIZE];
    Snapshot before, after;
    Insn d;
    const InsnDef *def = decode_form(env, f->code, f->code_end - f->code, &d);
    int fault;

    g_assert_nonnull(def);
    gen_state(rng, f, &in, buf);
    if (rdi_offset >= 0) {
        in.rdi = rdi_offset;
    }
    load_emu(env, rng, &in, buf);
    snapshot(env, &before);
    fault = emu_exec(env, def, &d);
    snapshot(env, &after);
    if (fault >= 0 && !same_snapshot(&before, &after)) {
        g_test_message("%s: exception %d changed the state", f->id, fault);
        return -2;
    }
    return fault;
}

typedef struct ControlCase {
    const char *what;
    uint64_t cr0_set, cr4_clear;
    int mmx_vector, sse_vector; /* expected for F_MMX / F_SSE forms (-1: runs) */
} ControlCase;

static int expected_vector(const ControlCase *c, const Form *f)
{
    int v = -1;

    if (f->flags & F_SSE) {
        v = c->sse_vector;
    }
    if ((f->flags & F_MMX) && v < 0) {
        v = c->mmx_vector;
    }
    return v;
}

/* CR0.EM, CR4.OSFXSR and CR0.TS, for every form (MOVNTI ignores them all). */
static void test_control_exceptions(void)
{
    static const ControlCase cases[] = {
        {"CR0.EM", CR0_EM, 0, EXCP_UD, EXCP_UD},
        {"CR4.OSFXSR=0", 0, CR4_OSFXSR, -1, EXCP_UD},
        {"CR0.TS", CR0_TS, 0, EXCP_NM, EXCP_NM},
        {"CR0.EM+TS", CR0_EM | CR0_TS, 0, EXCP_UD, EXCP_UD},
    };
    CPUX86State *env = cpu_new_mode(64);
    GRand *rng = g_rand_new_with_seed(0xe8);
    unsigned bad = 0;

    for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
        for (size_t i = 0; i < ARRAY_SIZE(forms); i++) {
            const Form *f = &forms[i];
            env->cr[0] |= cases[c].cr0_set;
            env->cr[4] &= ~cases[c].cr4_clear;
            int got = run_faulting(env, f, rng, -1);
            env->cr[0] &= ~cases[c].cr0_set;
            env->cr[4] |= cases[c].cr4_clear;
            if (got != expected_vector(&cases[c], f)) {
                g_test_message("%s with %s: exception %d, want %d", f->id, cases[c].what,
                               got, expected_vector(&cases[c], f));
                bad++;
            }
        }
    }
    g_rand_free(rng);
    cpu_free_all(env);
    g_assert_cmpuint(bad, ==, 0);
}

/* MMX instructions take #MF for a pending x87 error; SSE ones do not look. */
static void test_pending_x87_error(void)
{
    CPUX86State *env = cpu_new_mode(64);
    unsigned bad = 0;

    for (size_t i = 0; i < ARRAY_SIZE(forms); i++) {
        const Form *f = &forms[i];
        Insn d;
        const InsnDef *def = decode_form(env, f->code, f->code_end - f->code, &d);
        int want = (f->flags & F_MMX) ? EXCP_MF : -1;
        env->regs[R_EDI] = DATA + OPERAND;
        env->fpstt = 5;
        env->fptw = 0xffff;
        env->fpus = 0x0081; /* IE and ES */
        env->fpuc = 0x037e;
        int got = emu_exec(env, def, &d);
        if (got != want || (got >= 0 && (env->fpstt != 5 || env->fptw != 0xffff))) {
            g_test_message("%s with FSW.ES: exception %d, want %d", f->id, got, want);
            bad++;
        }
    }
    cpu_free_all(env);
    g_assert_cmpuint(bad, ==, 0);
}

/* Aligned forms: #GP(0) for a memory operand off a 16-byte boundary. */
static void test_alignment(void)
{
    CPUX86State *env = cpu_new_mode(64);
    GRand *rng = g_rand_new_with_seed(0xa16);
    unsigned bad = 0, aligned_forms = 0;

    for (size_t i = 0; i < ARRAY_SIZE(forms); i++) {
        const Form *f = &forms[i];
        if (!(f->flags & F_A16)) {
            continue;
        }
        aligned_forms++;
        for (int off = 1; off < 16; off++) {
            int got = run_faulting(env, f, rng, OPERAND + off);
            if (got != EXCP_GP || env->error_code != 0) {
                g_test_message("%s at +%d: exception %d", f->id, off, got);
                bad++;
            }
        }
    }
    g_assert_cmpuint(aligned_forms, >, 40);
    g_rand_free(rng);
    cpu_free_all(env);
    g_assert_cmpuint(bad, ==, 0);
}

/* Unaligned forms take any address. */
static void test_unaligned_forms_run(void)
{
    CPUX86State *env = cpu_new_mode(64);
    GRand *rng = g_rand_new_with_seed(0x16a);
    unsigned bad = 0;

    for (size_t i = 0; i < ARRAY_SIZE(forms); i++) {
        const Form *f = &forms[i];
        if (!(f->flags & F_MEM) || (f->flags & F_A16)) {
            continue;
        }
        for (int off = 1; off < 16; off += 7) {
            bad += run_faulting(env, f, rng, OPERAND + off) != -1;
        }
    }
    g_rand_free(rng);
    cpu_free_all(env);
    g_assert_cmpuint(bad, ==, 0);
}

/* Undefined prefix and operand combinations are #UD: decoder or table rejects them. */
static void test_undefined_forms(void)
{
    static const struct {
        uint8_t len, bytes[5];
    } bad_forms[] = {
        {4, {0xf3, 0x0f, 0xfc, 0xc1}},       /* F3 PADDB */
        {4, {0xf2, 0x0f, 0x6f, 0xc1}},       /* F2 MOVQ */
        {5, {0xf3, 0x0f, 0x38, 0x00, 0xc1}}, /* F3 PSHUFB */
        {4, {0x0f, 0x73, 0xd8, 0x01}},       /* PSRLDQ on an MMX register */
        {3, {0x0f, 0xd6, 0xc1}},             /* NP 0F D6 */
        {4, {0x0f, 0xc5, 0x07, 0x01}},       /* PEXTRW from memory */
        {3, {0x0f, 0xd7, 0x07}},             /* PMOVMSKB from memory */
        {3, {0x0f, 0xe7, 0xc1}},             /* MOVNTQ to a register */
        {4, {0x66, 0x0f, 0xf7, 0x07}},       /* MASKMOVDQU with a memory mask */
        {4, {0xf2, 0x0f, 0xf0, 0xc1}},       /* LDDQU from a register */
        {4, {0x66, 0x0f, 0x6c, 0xc1}},       /* (valid: PUNPCKLQDQ) */
        {3, {0x0f, 0x6c, 0xc1}},             /* NP 0F 6C */
    };
    CPUX86State *env = cpu_new_mode(64);

    for (size_t i = 0; i < ARRAY_SIZE(bad_forms); i++) {
        Insn d;
        int rc = decode_insn(&d, bad_forms[i].bytes, bad_forms[i].len, DECODE_64);
        bool valid = rc == DECODE_OK && insn_lookup(&d, true) != NULL;
        g_assert_cmpint(valid, ==, bad_forms[i].bytes[2] == 0x6c);
    }
    cpu_free_all(env);
}

/* ------------------------------------------------------------------------------------
 * MXCSR
 */

static int exec_bytes(CPUX86State *env, const uint8_t *code, size_t len)
{
    Insn d;
    const InsnDef *def = decode_form(env, code, len, &d);

    g_assert_nonnull(def);
    return emu_exec(env, def, &d);
}

static void test_ldmxcsr_stmxcsr(void)
{
    static const uint8_t ldmxcsr[] = {0x0f, 0xae, 0x17}, stmxcsr[] = {0x0f, 0xae, 0x1f};
    static const uint32_t good[] = {0x1f80, 0x0000, 0xffff,
                                    0x7fbf, 0x9fc0, 0x1f80 | 0x3f};
    static const uint32_t reserved[] = {0x10000, 0x80000000, 0x21f80, 0xffffffff};
    CPUX86State *env = cpu_new_mode(64);

    env->regs[R_EDI] = DATA;
    for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
        st_le(ram(env, DATA), 4, good[i]);
        g_assert_cmpint(exec_bytes(env, ldmxcsr, 3), ==, -1);
        g_assert_cmphex(env->mxcsr, ==, good[i]);
        st_le(ram(env, DATA + 4), 4, 0xdeadbeef);
        env->regs[R_EDI] = DATA + 4;
        g_assert_cmpint(exec_bytes(env, stmxcsr, 3), ==, -1);
        g_assert_cmphex(ld_le(ram(env, DATA + 4), 4), ==, good[i]);
        g_assert_cmphex(ld_le(ram(env, DATA + 8), 4), ==, 0);
        env->regs[R_EDI] = DATA;
    }
    env->mxcsr = MXCSR_RESET;
    for (size_t i = 0; i < ARRAY_SIZE(reserved); i++) {
        st_le(ram(env, DATA), 4, reserved[i]);
        g_assert_cmpint(exec_bytes(env, ldmxcsr, 3), ==, EXCP_GP);
        g_assert_cmpint(env->error_code, ==, 0);
        g_assert_cmphex(env->mxcsr, ==, MXCSR_RESET);
    }
    env->cr[0] |= CR0_TS;
    g_assert_cmpint(exec_bytes(env, stmxcsr, 3), ==, EXCP_NM);
    env->cr[0] &= ~CR0_TS;
    env->cr[4] &= ~CR4_OSFXSR;
    g_assert_cmpint(exec_bytes(env, ldmxcsr, 3), ==, EXCP_UD);
    cpu_free_all(env);
}

/* ------------------------------------------------------------------------------------
 * Multi-part stores: a fault on any part writes nothing (32-bit segments)
 */

static void set_seg(CPUX86State *env, int seg, uint32_t limit, uint32_t flags)
{
    cpu_set_seg_raw(env, seg, env->segs[seg].selector, 0, limit, flags);
    cpu_update_seg_ok(env);
}

/* Store 16 bytes at off; returns the exception and checks nothing changed if it faulted.
 */
static int store16(CPUX86State *env, const uint8_t *code, size_t len, uint32_t off)
{
    uint8_t before[64];
    int fault;

    memset(ram(env, DATA), 0x5a, 64);
    memcpy(before, ram(env, DATA), 64);
    env->regs[R_EDI] = DATA + off;
    env->xmm[2] = (XMMReg){.q = {0x1111111111111111, 0x2222222222222222}};
    fault = exec_bytes(env, code, len);
    if (fault >= 0) {
        g_assert_cmpmem(before, 64, ram(env, DATA), 64);
    }
    return fault;
}

static void test_store_all_or_nothing(void)
{
    static const uint8_t movdqu_st[] = {0xf3, 0x0f, 0x7f, 0x17};
    static const uint8_t movdqu_ss[] = {0x36, 0xf3, 0x0f, 0x7f, 0x17};
    static const uint8_t maskmovdqu[] = {0x66, 0x0f, 0xf7, 0xd1}; /* data xmm2 */
    CPUX86State *env = cpu_new_mode(32);

    /* the segment ends inside the high quadword */
    set_seg(env, R_DS, DATA + 20, DATA_FLAGS | DESC_B);
    set_seg(env, R_SS, DATA + 20, DATA_FLAGS | DESC_B);
    g_assert_cmpint(store16(env, movdqu_st, 4, 8), ==, EXCP_GP);
    g_assert_cmpint(store16(env, movdqu_ss, 5, 8), ==, EXCP_SS);
    g_assert_cmpint(store16(env, movdqu_st, 4, 5), ==, -1);
    g_assert_cmphex(ld_le(ram(env, DATA + 5), 8), ==, 0x1111111111111111);
    g_assert_cmphex(ld_le(ram(env, DATA + 13), 8), ==, 0x2222222222222222);
    /* MASKMOVDQU with only the low bytes selected still checks the whole span */
    env->xmm[1] = (XMMReg){.q = {0x80, 0}};
    g_assert_cmpint(store16(env, maskmovdqu, 4, 8), ==, EXCP_GP);
    /* expand-down: valid offsets are above the limit */
    set_seg(env, R_DS, DATA + 8, DATA_FLAGS | DESC_B | DESC_E);
    g_assert_cmpint(store16(env, movdqu_st, 4, 4), ==, EXCP_GP);
    g_assert_cmpint(store16(env, movdqu_st, 4, 9), ==, -1);
    /* read-only data segment */
    set_seg(env, R_DS, 0xffffffff, (DATA_FLAGS & ~DESC_W) | DESC_B);
    g_assert_cmpint(store16(env, movdqu_st, 4, 0), ==, EXCP_GP);
    cpu_free_all(env);
}

/* A 16-byte load past the limit faults with the destination unchanged. */
static void test_load_limit(void)
{
    static const uint8_t movdqu_ld[] = {0xf3, 0x0f, 0x6f, 0x17};
    CPUX86State *env = cpu_new_mode(32);
    XMMReg old = {.q = {1, 2}};

    set_seg(env, R_DS, DATA + 20, DATA_FLAGS | DESC_B);
    env->xmm[2] = old;
    env->regs[R_EDI] = DATA + 8;
    g_assert_cmpint(exec_bytes(env, movdqu_ld, 4), ==, EXCP_GP);
    g_assert_cmpmem(&env->xmm[2], 16, &old, 16);
    env->regs[R_EDI] = DATA + 5;
    g_assert_cmpint(exec_bytes(env, movdqu_ld, 4), ==, -1);
    cpu_free_all(env);
}

/* 16-byte accesses that straddle a page boundary go through both pages. */
static void test_page_straddle(void)
{
    static const uint8_t movdqu_st[] = {0xf3, 0x0f, 0x7f, 0x17};
    static const uint8_t movdqu_ld[] = {0xf3, 0x0f, 0x6f, 0x1f}; /* to xmm3 */
    CPUX86State *env = cpu_new_mode(64);
    uint64_t addr = DATA + 0x2000 - 5;

    env->regs[R_EDI] = addr;
    env->xmm[2] = (XMMReg){.q = {0x0706050403020100, 0x0f0e0d0c0b0a0908}};
    g_assert_cmpint(exec_bytes(env, movdqu_st, 4), ==, -1);
    for (int i = 0; i < 16; i++) {
        g_assert_cmpuint(*ram(env, addr + i), ==, i);
    }
    g_assert_cmpint(exec_bytes(env, movdqu_ld, 4), ==, -1);
    g_assert_cmpmem(&env->xmm[3], 16, &env->xmm[2], 16);
    cpu_free_all(env);
}

/* A few forms in 32-bit protected mode, where the same bytes address [edi]. */
static void test_protected_mode(void)
{
    CPUX86State *env = cpu_new_mode(32);
    GRand *rng = g_rand_new_with_seed(0x32);
    unsigned bad = 0, tried = 0;

    for (size_t i = 0; i < ARRAY_SIZE(forms); i++) {
        const Form *f = &forms[i];
        Insn d;
        const InsnDef *def;
        /* no REX prefix and no 64-bit general register */
        if (f->code[0] >= 0x40 && f->code[0] <= 0x4f) {
            continue;
        }
        if ((f->code[0] == 0x66 || f->code[0] == 0xf3 || f->code[0] == 0xf2) &&
            f->code[1] >= 0x40 && f->code[1] <= 0x4f) {
            continue;
        }
        def = decode_form(env, f->code, f->code_end - f->code, &d);
        g_assert_nonnull(def);
        tried++;
        for (int n = 0; n < 20; n++) {
            bad += !run_case(env, f, def, &d, rng, bad < 3);
        }
    }
    g_assert_cmpuint(tried, >, 300);
    g_rand_free(rng);
    cpu_free_all(env);
    g_assert_cmpuint(bad, ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sse-int/against-host", test_against_host);
    g_test_add_func("/sse-int/control-exceptions", test_control_exceptions);
    g_test_add_func("/sse-int/pending-x87-error", test_pending_x87_error);
    g_test_add_func("/sse-int/alignment", test_alignment);
    g_test_add_func("/sse-int/unaligned-forms", test_unaligned_forms_run);
    g_test_add_func("/sse-int/undefined-forms", test_undefined_forms);
    g_test_add_func("/sse-int/ldmxcsr-stmxcsr", test_ldmxcsr_stmxcsr);
    g_test_add_func("/sse-int/store-all-or-nothing", test_store_all_or_nothing);
    g_test_add_func("/sse-int/load-limit", test_load_limit);
    g_test_add_func("/sse-int/page-straddle", test_page_straddle);
    g_test_add_func("/sse-int/protected-mode", test_protected_mode);
    return g_test_run();
}
