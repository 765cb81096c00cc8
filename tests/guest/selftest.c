/* Instruction self-test guest: prints each kernel's result over COM1. */
#include "guest.h"
#include "selftest-core.h"

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
    selftest_run(report);
    puts_serial("selftest done\n");
    return 0;
}
