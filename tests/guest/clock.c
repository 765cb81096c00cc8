/* Clock and random guest: prints TSC deltas around busy loops and RDRAND values. */
#include "guest.h"

static volatile uint32_t sink;

static uint32_t rdrand32(int *ok)
{
    uint32_t v;
    uint8_t cf;
    __asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(cf));
    *ok = cf;
    return v;
}

int guest_main(uint32_t magic, uint32_t mbi)
{
    uint64_t t0, t1;
    int ok;

    serial_init();
    t0 = rdtsc();
    for (int round = 0; round < 4; round++) {
        for (uint32_t i = 0; i < 10000u << round; i++) {
            sink += i;
        }
        t1 = rdtsc();
        puts_serial("tsc delta ");
        put_hex(t1 - t0, 16);
        puts_serial("\n");
        t0 = t1;
    }
    for (int i = 0; i < 4; i++) {
        uint32_t r = rdrand32(&ok);
        puts_serial("rdrand ");
        put_hex(r, 8);
        puts_serial(ok ? " cf=1\n" : " cf=0\n");
    }
    return 0;
}
