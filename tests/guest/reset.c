/*
 * Machine resets: every boot counts itself in CMOS byte 0x50 (NVRAM survives a reset)
 * and resets the machine by the next method: the PIIX3 Reset Control register at
 * 0xCF9 (also the FADT's RESET_REG), the 8042's pulse-output command 0xFE, and a
 * triple fault. A reset re-enters this kernel, as direct boot makes it; the fourth
 * boot exits with status 0. With -no-reboot the first reset ends the run instead;
 * a digit on the command line (-append 2) skips that many methods.
 */
#include "guest.h"

#define CMOS_BOOT_COUNT 0x50

static uint8_t cmos_read(uint8_t index)
{
    outb(0x70, index);
    return inb(0x71);
}

static void cmos_write(uint8_t index, uint8_t val)
{
    outb(0x70, index);
    outb(0x71, val);
}

/* Linux's order: SRST first, then RCPU's 0 to 1 edge starts the hard reset. */
static void reset_cf9(void)
{
    outb(0xcf9, 0x02);
    outb(0xcf9, 0x06);
}

static void reset_kbd(void)
{
    while (inb(0x64) & 0x02) { /* input buffer full */
    }
    outb(0x64, 0xfe);
}

/* int3 through an empty IDT: #GP, then #DF, then shutdown. */
static void reset_triple_fault(void)
{
    static const struct {
        uint16_t limit;
        uint32_t base;
    } __attribute__((packed)) empty_idt = {0, 0};
    __asm__ volatile("lidt %0\n\tint3" : : "m"(empty_idt));
}

static const struct {
    const char *name;
    void (*reset)(void);
} methods[] = {
    {"0xcf9", reset_cf9},
    {"keyboard controller", reset_kbd},
    {"triple fault", reset_triple_fault},
};

/* The first digit of the Multiboot command line, or 0. */
static uint8_t methods_to_skip(uint32_t mbi)
{
    const uint32_t *info = (const uint32_t *)mbi;
    const char *cmdline = (const char *)info[4];

    for (; (info[0] & 0x4) && cmdline && *cmdline; cmdline++) { /* flags.cmdline */
        if (*cmdline >= '0' && *cmdline <= '9') {
            return (uint8_t)(*cmdline - '0');
        }
    }
    return 0;
}

int guest_main(uint32_t magic, uint32_t mbi)
{
    uint8_t n = cmos_read(CMOS_BOOT_COUNT) + methods_to_skip(mbi);

    serial_init();
    cmos_write(CMOS_BOOT_COUNT, cmos_read(CMOS_BOOT_COUNT) + 1);
    puts_serial("boot ");
    put_dec(n);
    if (n >= sizeof(methods) / sizeof(methods[0])) {
        puts_serial(": done\n");
        return 0;
    }
    puts_serial(": reset by ");
    puts_serial(methods[n].name);
    puts_serial("\n");
    methods[n].reset();
    /* The reset takes effect before the next instruction boundary: never here. */
    puts_serial("still running after the reset\n");
    guest_exit(3);
}
