/* Entry point of the test guests: a Multiboot v1 header, a stack, main(), exit. */
    .section .multiboot, "a"
    .align 4
    .long 0x1BADB002            /* magic */
    .long 0x00000000            /* flags: ELF, nothing required */
    .long -(0x1BADB002)         /* checksum */

    .text
    .globl _start
_start:
    mov $stack_top, %esp
    push %ebx                   /* multiboot info */
    push %eax                   /* boot magic */
    call guest_main
    push %eax
    call guest_exit
1:  hlt
    jmp 1b

    .bss
    .align 16
    .space 65536
stack_top:
    .section .note.GNU-stack, "", @progbits
