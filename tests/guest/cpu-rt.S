/*
 * Runtime of the privileged-CPU guest: one stub per IDT vector, the common entry that
 * hands a struct frame to exc_dispatch (cpu.c), and guest_try, which an exception can
 * end: then the stack, registers and EFLAGS of the guest_try call are restored.
 */
#include "cpu.h"

    .text
    .code32

/* int guest_try(void (*fn)(void)) */
    .globl guest_try
guest_try:
    mov 4(%esp), %eax
    push %ebp
    push %ebx
    push %esi
    push %edi
    pushf
    mov %esp, try_esp
    call *%eax
    mov $-1, %eax
try_return:
    popf
    pop %edi
    pop %esi
    pop %ebx
    pop %ebp
    ret

/* void enter_user(void (*fn)(void)): IRET to ring 3 with ring-3 data segments. */
    .globl enter_user
enter_user:
    mov 4(%esp), %eax
    mov $(SEL_DATA3 | 3), %dx
    mov %dx, %ds
    mov %dx, %es
    pushl $(SEL_DATA3 | 3)
    pushl $user_stack_top
    pushl $0x202
    pushl $(SEL_CODE3 | 3)
    push %eax
    iret

/* void enter_v86(cs, ip, ss, sp, eflags) */
    .globl enter_v86
enter_v86:
    pushl $0                    /* GS, FS, DS, ES */
    pushl $0
    pushl 20(%esp)              /* DS = SS */
    pushl 24(%esp)              /* ES = SS */
    pushl 28(%esp)              /* SS */
    pushl 36(%esp)              /* SP */
    mov 44(%esp), %eax
    or $0x20000, %eax           /* VM */
    push %eax
    pushl 32(%esp)              /* CS */
    pushl 40(%esp)              /* IP */
    iret

    .align 16
    .globl exc_stubs
exc_stubs:
    .set vec, 0
    .rept 256
    .align 16
    .if vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21
    .else
    pushl $0
    .endif
    pushl $vec
    jmp exc_common
    .set vec, vec + 1
    .endr

exc_common:
    pusha
    push %ds
    push %es
    mov $SEL_DATA0, %ax
    mov %ax, %ds
    mov %ax, %es
    push %esp
    call exc_dispatch
    add $4, %esp
    test %eax, %eax
    jz 1f
    pop %es
    pop %ds
    popa
    add $8, %esp
    iret
1:  mov 40(%esp), %eax          /* the vector */
    mov $SEL_DATA0, %dx
    mov %dx, %ss
    mov try_esp, %esp
    jmp try_return

    .bss
    .align 16
try_esp:
    .long 0
    .space 4096
    .globl user_stack_top
user_stack_top:
    .section .note.GNU-stack, "", @progbits
