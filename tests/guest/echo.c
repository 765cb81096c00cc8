/*
 * Echo guest: echoes every byte received on COM1 (polled), and on a line "quit"
 * prints how many bytes it received and their checksum, then exits with status 0.
 */
#include "guest.h"

int guest_main(uint32_t magic, uint32_t mbi)
{
    char line[8];
    uint32_t n = 0, sum = 0, len = 0;

    serial_init();
    puts_serial("echo ready\n");
    for (;;) {
        int c = getc_serial();
        n++;
        sum = sum * 31 + (uint32_t)c;
        putc_serial((char)c);
        if (c == '\n') {
            if (len == 4 && !__builtin_memcmp(line, "quit", 4)) {
                break;
            }
            len = 0;
        } else if (len < sizeof(line)) {
            line[len++] = (char)c;
        }
    }
    puts_serial("received ");
    put_dec(n);
    puts_serial(" bytes, checksum ");
    put_hex(sum, 8);
    puts_serial("\n");
    return 0;
}
