/* The tiny runtime of the test guests: UART, debug exit, clock and random helpers. */
#ifndef TESTS_GUEST_GUEST_H
#define TESTS_GUEST_GUEST_H

#include <stdint.h>
#include <stddef.h>

#define COM1 0x3f8
#define DEBUG_EXIT_PORT 0x501

static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

void serial_init(void);
void putc_serial(char c);
void puts_serial(const char *s);
int getc_serial(void); /* blocks */
void put_hex(uint64_t v, int digits);
void put_dec(uint32_t v);
void guest_exit(int code) __attribute__((noreturn));
/* Compare and report: prints "ok NAME" or "FAIL NAME got X want Y". */
int check(const char *name, uint64_t got, uint64_t want);

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
size_t strlen(const char *s);

int guest_main(uint32_t magic, uint32_t mbi);

#endif
