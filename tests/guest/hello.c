/* The smallest guest: greet over COM1 and exit with status 0 through isa-debug-exit. */
#include "guest.h"

int guest_main(uint32_t magic, uint32_t mbi)
{
    serial_init();
    puts_serial("Hello from a Reprise guest\n");
    puts_serial(magic == 0x2BADB002 ? "multiboot ok\n" : "multiboot magic wrong\n");
    return 0;
}
