/* Fixed addresses shared by the native trampoline (assembly) and the C harness. */
#ifndef DIFF_LAYOUT_H
#define DIFF_LAYOUT_H

/*
 * Everything lives below 2 GiB so the trampoline can reach it with absolute 32-bit
 * addresses (no register is free while a sequence's state is loaded), and below
 * 4 GiB so 32-bit address-size forms can point into the scratch buffer.
 *
 *   DIFF_CODE     the sequence's bytes, at the same address natively and in the guest
 *   DIFF_CTX      native only: state in and out, a private stack for the trampoline
 *   DIFF_SCRATCH  the memory the sequence may touch, guarded by unmapped pages
 */
#define DIFF_BASE         0x10000000
#define DIFF_CODE         (DIFF_BASE)
#define DIFF_CODE_SIZE    0x2000
#define DIFF_CTX          (DIFF_BASE + 0x8000)
#define DIFF_CTX_SIZE     0x3000
#define DIFF_SCRATCH      (DIFF_BASE + 0x20000)
#define DIFF_SCRATCH_SIZE 0x2000

/* The context block (offsets from DIFF_CTX) */
#define CTX_IN_GPR     (DIFF_CTX + 0x000) /* 16 registers, RAX..R15 */
#define CTX_IN_RFLAGS  (DIFF_CTX + 0x080)
#define CTX_SEQ_ENTRY  (DIFF_CTX + 0x088) /* where the prologue jumps */
#define CTX_EXIT_PTR   (DIFF_CTX + 0x090) /* where a sequence's last jump goes */
#define CTX_HOST_RSP   (DIFF_CTX + 0x098)
#define CTX_HOST_MXCSR (DIFF_CTX + 0x0a0)
#define CTX_OUT_GPR    (DIFF_CTX + 0x100)
#define CTX_OUT_RFLAGS (DIFF_CTX + 0x180)
#define CTX_IN_FX      (DIFF_CTX + 0x200) /* FXSAVE image, 512 bytes */
#define CTX_OUT_FX     (DIFF_CTX + 0x400)
#define CTX_RESULT     (DIFF_CTX + 0x600) /* NativeResult (native.c) */
#define CTX_STACK_TOP  (DIFF_CTX + 0x3000)

#endif
