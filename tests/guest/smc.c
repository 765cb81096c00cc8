/*
 * Self-modifying-code benchmark guest: a loop whose stores land on the same 4 KiB
 * page as its own code (2 KiB away from it), the pattern that makes an emulator with
 * page-granular code tracking retranslate on every store. Prints the instruction
 * count it measured with RDTSC (run it with -icount shift=0).
 */
#include "guest.h"

uint32_t smc_loop(uint32_t iterations);

/* Nine instructions per iteration, one of them a store into smc_data. */
__asm__(".text\n"
        ".p2align 12\n"
        "smc_loop:\n"
        "  push %ebx\n"
        "  mov 8(%esp), %ecx\n"
        "  xor %eax, %eax\n"
        "  mov $1, %edx\n"
        "1:\n"
        "  imul $1103515245, %edx, %edx\n"
        "  add $12345, %edx\n"
        "  mov %edx, %ebx\n"
        "  and $63, %ebx\n"
        "  mov %edx, smc_data(,%ebx,4)\n"
        "  add smc_data+4, %eax\n"
        "  xor %edx, %eax\n"
        "  dec %ecx\n"
        "  jnz 1b\n"
        "  pop %ebx\n"
        "  ret\n"
        ".p2align 11\n"
        "smc_data:\n"
        "  .space 256\n"
        ".p2align 12\n");

int guest_main(uint32_t magic, uint32_t mbi)
{
    uint64_t t0, t1;
    uint32_t acc;

    serial_init();
    t0 = rdtsc();
    acc = smc_loop(20000000u);
    t1 = rdtsc();
    puts_serial("smc acc ");
    put_hex(acc, 8);
    puts_serial(" insns ");
    put_hex(t1 - t0, 16);
    puts_serial("\n");
    return 0;
}
