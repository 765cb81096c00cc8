/* The native side's trampoline: load a whole CPU state, run a sequence, save it all. */
#include "layout.h"

/*
 * diff_native_enter() is called by the child with the input state in the context
 * block; it loads the state and jumps to the sequence, whose last instruction jumps
 * (through CTX_EXIT_PTR) to diff_native_exit, which saves the state and returns to
 * diff_native_enter's caller. Every memory reference uses an absolute 32-bit address
 * because no register is free while the sequence's state is live.
 */
    .text
    .globl diff_native_enter
    .type diff_native_enter, @function
diff_native_enter:
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, CTX_HOST_RSP
    mov $CTX_STACK_TOP, %rsp
    fxrstor CTX_IN_FX
    pushq CTX_IN_RFLAGS
    popfq
    mov CTX_IN_GPR + 0x00, %rax
    mov CTX_IN_GPR + 0x08, %rcx
    mov CTX_IN_GPR + 0x10, %rdx
    mov CTX_IN_GPR + 0x18, %rbx
    mov CTX_IN_GPR + 0x28, %rbp
    mov CTX_IN_GPR + 0x30, %rsi
    mov CTX_IN_GPR + 0x38, %rdi
    mov CTX_IN_GPR + 0x40, %r8
    mov CTX_IN_GPR + 0x48, %r9
    mov CTX_IN_GPR + 0x50, %r10
    mov CTX_IN_GPR + 0x58, %r11
    mov CTX_IN_GPR + 0x60, %r12
    mov CTX_IN_GPR + 0x68, %r13
    mov CTX_IN_GPR + 0x70, %r14
    mov CTX_IN_GPR + 0x78, %r15
    mov CTX_IN_GPR + 0x20, %rsp
    jmp *CTX_SEQ_ENTRY
    .size diff_native_enter, .-diff_native_enter

    .globl diff_native_exit
    .type diff_native_exit, @function
diff_native_exit:
    mov %rax, CTX_OUT_GPR + 0x00
    mov %rcx, CTX_OUT_GPR + 0x08
    mov %rdx, CTX_OUT_GPR + 0x10
    mov %rbx, CTX_OUT_GPR + 0x18
    mov %rsp, CTX_OUT_GPR + 0x20
    mov %rbp, CTX_OUT_GPR + 0x28
    mov %rsi, CTX_OUT_GPR + 0x30
    mov %rdi, CTX_OUT_GPR + 0x38
    mov %r8, CTX_OUT_GPR + 0x40
    mov %r9, CTX_OUT_GPR + 0x48
    mov %r10, CTX_OUT_GPR + 0x50
    mov %r11, CTX_OUT_GPR + 0x58
    mov %r12, CTX_OUT_GPR + 0x60
    mov %r13, CTX_OUT_GPR + 0x68
    mov %r14, CTX_OUT_GPR + 0x70
    mov %r15, CTX_OUT_GPR + 0x78
    mov $CTX_STACK_TOP, %rsp
    pushfq
    popq CTX_OUT_RFLAGS
    fxsave CTX_OUT_FX
    /* Back to a state the C code expects: no pending x87 fault, no AC, no DF. */
    fninit
    ldmxcsr CTX_HOST_MXCSR
    pushq $0x202
    popfq
    mov CTX_HOST_RSP, %rsp
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    ret
    .size diff_native_exit, .-diff_native_exit

    .section .note.GNU-stack, "", @progbits
