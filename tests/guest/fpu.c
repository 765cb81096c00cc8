/* x87 test guest: prints each FPU kernel's result hash over COM1 (fpu-core.c). */
#include "guest.h"
#include "fpu-core.h"

static void report(const char *name, uint64_t value)
{
    puts_serial(name);
    puts_serial(" ");
    put_hex(value, 16);
    puts_serial("\n");
}

int guest_main(uint32_t magic, uint32_t mbi)
{
    serial_init();
    fpu_run(report);
    puts_serial("fpu done\n");
    return 0;
}
