/*
 * CPU-bound benchmark guest: a loop of arithmetic, memory traffic and branches.
 * Prints the instruction count it measured with RDTSC (run it with -icount shift=0,
 * where one TSC tick is one instruction).
 */
#include "guest.h"

static uint32_t table[4096];

int guest_main(uint32_t magic, uint32_t mbi)
{
    uint32_t x = 1, acc = 0;
    uint64_t t0, t1;

    serial_init();
    t0 = rdtsc();
    for (uint32_t i = 0; i < 20000000u; i++) {
        x = x * 1103515245u + 12345u;
        table[x & 4095] += i;
        if (x & 0x100) {
            acc += table[(x >> 12) & 4095];
        } else {
            acc ^= x;
        }
    }
    t1 = rdtsc();
    puts_serial("bench acc ");
    put_hex(acc, 8);
    puts_serial(" insns ");
    put_hex(t1 - t0, 16);
    puts_serial("\n");
    return 0;
}
