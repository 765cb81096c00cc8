/*
 * Guest: the mode switches and 64-bit code of the modes test (modes.c): a task
 * switch through a task gate, entering long mode (Intel SDM vol. 3 9.8.5), an IST
 * interrupt, SWAPGS, SYSCALL/SYSRET with ring-3 64-bit code, and leaving long mode
 * through compatibility mode. Results go to `lm` and `task`.
 */
#include "modes.h"

    .text
    .code32

/* void enter_tables(void): our GDT and 32-bit IDT, TR = task A. */
    .globl enter_tables
enter_tables:
    lgdt gdt_ptr
    lidt idt32_ptr
    ljmp $SEL_CODE32, $1f
1:  mov $SEL_DATA32, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %fs
    mov %ax, %gs
    mov %ax, %ss
    mov $SEL_TSS_A, %ax
    ltr %ax
    ret

/* void run_task_switch(void): CALL through a task gate; task B returns with IRET. */
    .globl run_task_switch
run_task_switch:
    push %ebx
    mov $0x12345678, %ebx
    lcall $SEL_TGATE, $0
    str %eax
    mov %eax, task + TASK_A_TR_AFTER
    mov %ebx, task + TASK_A_EBX_AFTER
    mov %cr0, %eax
    mov %eax, task + TASK_CR0_AFTER
    clts
    pop %ebx
    ret

    .globl task_b_entry
task_b_entry:
    movl $0x5a5a5a5a, task + TASK_B_MARKER
    str %eax
    mov %eax, task + TASK_B_TR
    pushf
    pop %eax
    mov %eax, task + TASK_B_EFLAGS
    mov $0xdead, %ebx           /* task A gets its own EBX back from its TSS */
    iret
    jmp task_b_entry

/* Unexpected exceptions in 32-bit code: report the vector (modes.c) and stop. */
    .align 8
    .globl fault32_stubs
fault32_stubs:
    .set vec, 0
    .rept 32
    .align 8
    push $vec
    jmp fault32_common
    .set vec, vec + 1
    .endr
fault32_common:
    call fault_report
1:  hlt
    jmp 1b

/* void run_long_mode(void): into long mode, the 64-bit tests, and back. */
    .globl run_long_mode
run_long_mode:
    push %ebp
    push %ebx
    push %esi
    push %edi
    mov %esp, saved_esp
    mov %cr4, %eax
    or $CR4_PAE, %eax
    mov %eax, %cr4
    mov $pml4, %eax
    mov %eax, %cr3
    mov $MSR_EFER, %ecx
    rdmsr
    or $(EFER_LME | EFER_SCE), %eax
    wrmsr
    mov %cr0, %eax
    or $CR0_PG, %eax
    mov %eax, %cr0              /* long mode is active, still 32-bit code */
    ljmp $SEL_CODE64, $lm_entry

    .code64
lm_entry:
    mov $SEL_DATA64, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    lidt idt64_ptr(%rip)
    mov $SEL_TSS64, %ax
    ltr %ax
    mov $MSR_EFER, %ecx
    rdmsr
    mov %eax, lm + LM_EFER(%rip)
    mov $0xffffffff, %eax
    inc %rax                    /* carries into bit 32 only in 64-bit code */
    mov %rax, lm + LM_WIDE(%rip)

    int $IST_VECTOR

    mov $MSR_KERNEL_GS_BASE, %ecx
    mov $gs_area, %eax
    xor %edx, %edx
    wrmsr
    mov $MSR_GS_BASE, %ecx
    xor %eax, %eax
    wrmsr
    swapgs
    mov %gs:0, %rax
    mov %rax, lm + LM_SWAPGS(%rip)
    swapgs

    mov $MSR_STAR, %ecx
    xor %eax, %eax
    mov $(SEL_UCODE32 << 16 | SEL_CODE64), %edx
    wrmsr
    mov $MSR_LSTAR, %ecx
    mov $syscall_entry, %eax
    xor %edx, %edx
    wrmsr
    mov $MSR_FMASK, %ecx
    mov $EFLAGS_DF, %eax
    wrmsr
    mov %rsp, kernel_rsp(%rip)
    mov $user_entry, %ecx
    mov $2, %r11d               /* user RFLAGS: interrupts stay off */
    sysretq

lm_after_user:
    pushq $SEL_CODE32
    mov $lm_exit32, %eax
    push %rax
    lretq                       /* to compatibility mode */

/* Ring 3: SYSCALL_ROUNDS calls with DF set and the round in RDI, then call 0 (exit). */
user_entry:
    mov $user_stack_top, %esp
    mov $1, %edi
1:  std
    mov %edi, %eax
    cmp $SYSCALL_ROUNDS, %edi
    jbe 2f
    xor %eax, %eax
2:  syscall
user_after_syscall:
    pushf
    pop %rax
    and $EFLAGS_DF, %eax
    mov %rax, lm + LM_USER_DF(%rip)
    cld
    xor %eax, %eax
    mov %cs, %ax
    mov %rax, lm + LM_USER_CS(%rip)
    mov %ss, %ax
    mov %rax, lm + LM_USER_SS(%rip)
    inc %edi
    jmp 1b

/* Ring 0, still on the user's stack: RCX/R11 hold the return state. */
syscall_entry:
    mov %rsp, user_rsp(%rip)
    mov $syscall_stack_top, %esp
    mov %rax, %rbx
    incq lm + LM_SYSCALL_COUNT(%rip)
    xor %eax, %eax
    mov %cs, %ax
    mov %rax, lm + LM_KERNEL_CS(%rip)
    mov $user_after_syscall, %eax
    cmp %rax, %rcx
    jne 1f
    incq lm + LM_RCX_OK(%rip)
1:  pushf
    pop %rax
    and $EFLAGS_DF, %eax
    or %rax, lm + LM_KERNEL_DF(%rip)
    test %rbx, %rbx
    jz 2f
    add %rdi, lm + LM_ARG_SUM(%rip)
    mov user_rsp(%rip), %rsp
    sysretq
2:  mov kernel_rsp(%rip), %rsp
    jmp lm_after_user

ist_handler:
    .globl ist_handler
    mov %rsp, lm + LM_IST_RSP(%rip)
    incq lm + LM_IST_COUNT(%rip)
    iretq

/* Unexpected exceptions in 64-bit code: "FAIL fault64 vector NN" on COM1, exit 1. */
    .align 8
    .globl fault64_stubs
fault64_stubs:
    .set vec, 0
    .rept 32
    .align 8
    push $vec
    jmp fault64_common
    .set vec, vec + 1
    .endr
fault64_common:
    mov $fault64_msg, %esi
1:  movzbl (%rsi), %eax
    test %eax, %eax
    jz 2f
    call putc64
    inc %rsi
    jmp 1b
2:  mov (%rsp), %rbx
    mov %ebx, %eax
    shr $4, %eax
    call hexdigit64
    mov %ebx, %eax
    call hexdigit64
    mov $'\n', %eax
    call putc64
    mov $0x501, %dx
    mov $1, %al
    out %al, %dx
3:  hlt
    jmp 3b

hexdigit64:
    and $15, %eax
    lea hexdigits(%rip), %rdx
    movzbl (%rdx,%rax), %eax
putc64:
    mov %eax, %ecx
    mov $0x3fd, %dx
1:  in %dx, %al
    test $0x20, %al
    jz 1b
    mov $0x3f8, %dx
    mov %ecx, %eax
    out %al, %dx
    ret

    .code32
lm_exit32:
    mov $SEL_DATA32, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %cr0, %eax
    and $~CR0_PG, %eax
    mov %eax, %cr0              /* leaves long mode */
    mov $MSR_EFER, %ecx
    rdmsr
    and $~EFER_LME, %eax
    wrmsr
    rdmsr
    mov %eax, lm + LM_EFER_AFTER
    mov %cr4, %eax
    and $~CR4_PAE, %eax
    mov %eax, %cr4
    lidt idt32_ptr
    mov saved_esp, %esp
    pop %edi
    pop %esi
    pop %ebx
    pop %ebp
    ret

    .section .rodata
fault64_msg:
    .asciz "FAIL fault64 vector "
hexdigits:
    .ascii "0123456789abcdef"

    .data
    .align 8
gs_area:
    .quad 0xfeedface

    .bss
    .align 16
saved_esp:
    .long 0
    .align 8
kernel_rsp:
    .quad 0
user_rsp:
    .quad 0
    .align 16
    .space 4096
user_stack_top:
    .space 4096
syscall_stack_top:

    .section .note.GNU-stack, "", @progbits
