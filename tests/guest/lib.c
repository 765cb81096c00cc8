/* The test guests' runtime: polled 16550 UART on COM1, isa-debug-exit, helpers. */
#include "guest.h"

void serial_init(void)
{
    outb(COM1 + 1, 0x00); /* no interrupts */
    outb(COM1 + 3, 0x80); /* DLAB */
    outb(COM1 + 0, 0x01); /* 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03); /* 8N1 */
    outb(COM1 + 2, 0xc7); /* FIFOs on, cleared, trigger 14 */
    outb(COM1 + 4, 0x03); /* DTR, RTS */
}

void putc_serial(char c)
{
    while (!(inb(COM1 + 5) & 0x20)) {
    }
    outb(COM1, (uint8_t)c);
}

void puts_serial(const char *s)
{
    while (*s) {
        putc_serial(*s++);
    }
}

int getc_serial(void)
{
    while (!(inb(COM1 + 5) & 0x01)) {
    }
    return inb(COM1);
}

void put_hex(uint64_t v, int digits)
{
    for (int i = digits - 1; i >= 0; i--) {
        putc_serial("0123456789abcdef"[(v >> (4 * i)) & 0xf]);
    }
}

void put_dec(uint32_t v)
{
    char buf[12];
    int n = 0;

    do {
        buf[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) {
        putc_serial(buf[--n]);
    }
}

void guest_exit(int code)
{
    outb(DEBUG_EXIT_PORT, (uint8_t)code);
    for (;;) {
        __asm__ volatile("cli; hlt");
    }
}

int check(const char *name, uint64_t got, uint64_t want)
{
    if (got == want) {
        puts_serial("ok ");
        puts_serial(name);
        puts_serial("\n");
        return 0;
    }
    puts_serial("FAIL ");
    puts_serial(name);
    puts_serial(" got ");
    put_hex(got, 16);
    puts_serial(" want ");
    put_hex(want, 16);
    puts_serial("\n");
    return 1;
}

void *memset(void *d, int c, size_t n)
{
    uint8_t *p = d;

    while (n--) {
        *p++ = (uint8_t)c;
    }
    return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
    uint8_t *p = d;
    const uint8_t *q = s;

    while (n--) {
        *p++ = *q++;
    }
    return d;
}

size_t strlen(const char *s)
{
    size_t n = 0;

    while (s[n]) {
        n++;
    }
    return n;
}

/* libgcc helpers gcc may call in -m32 code (no 32-bit libgcc is linked). */
int __popcountsi2(uint32_t v)
{
    int n = 0;

    for (; v; v &= v - 1) {
        n++;
    }
    return n;
}
