/*
 * The MC146818 real-time clock and CMOS RAM (hw/rtc/mc146818.c), device type
 * "mc146818rtc": index port 0x70 (bit 7 masks NMI), data port 0x71, IRQ 8.
 *
 * Time base (property "base"): "utc" (default) or "localtime" read the host's wall
 * clock once, at realize, through the replay gate; a date such as
 * "2006-06-17T16:01:21" (or "2006-06-17") starts the clock there. From then on the
 * RTC's time is the base plus elapsed CLOCK_VIRTUAL, and the host clock is never
 * read again.
 *
 * The machine fills the PC's NVRAM bytes after realize with mc146818_set_cmos();
 * the bytes survive machine_reset(). The century byte (0x32) is the RTC's own: it
 * counts with the time, as on PCs whose BIOS keeps it.
 */
#ifndef HW_RTC_MC146818_H
#define HW_RTC_MC146818_H

#include "util/osdep.h"
#include "hw/device.h"
#include "hw/irq.h"
#include "system/clock.h"
#include "system/memory.h"

#define RTC_CMOS_SIZE 128

/* PC CMOS layout (IBM AT convention, as SeaBIOS and Linux read it). */
#define RTC_CMOS_SHUTDOWN_STATUS 0x0f
#define RTC_CMOS_FLOPPY_TYPES    0x10
#define RTC_CMOS_DISK_TYPES      0x12
#define RTC_CMOS_EQUIPMENT       0x14 /* equipment byte */
#define RTC_CMOS_BASE_MEM_LO     0x15 /* base memory in KiB (640) */
#define RTC_CMOS_BASE_MEM_HI     0x16
#define RTC_CMOS_EXT_MEM_LO      0x17 /* KiB above 1 MiB, up to 65535 */
#define RTC_CMOS_EXT_MEM_HI      0x18
#define RTC_CMOS_CHECKSUM_HI     0x2e /* sum of 0x10-0x2d, big endian */
#define RTC_CMOS_CHECKSUM_LO     0x2f
#define RTC_CMOS_EXT_MEM2_LO     0x30 /* KiB above 1 MiB, as POST found it */
#define RTC_CMOS_EXT_MEM2_HI     0x31
#define RTC_CMOS_CENTURY         0x32 /* maintained by the RTC */
#define RTC_CMOS_MEM_16M_LO      0x34 /* 64 KiB units above 16 MiB (below 4 GiB) */
#define RTC_CMOS_MEM_16M_HI      0x35
#define RTC_CMOS_BOOT_ORDER_3    0x38 /* SeaBIOS: third boot device, floppy sig check */
#define RTC_CMOS_BOOT_ORDER_12   0x3d /* SeaBIOS: first and second boot devices */
#define RTC_CMOS_MEM_4G_LO       0x5b /* 64 KiB units above 4 GiB, 3 bytes */
#define RTC_CMOS_MEM_4G_MID      0x5c
#define RTC_CMOS_MEM_4G_HI       0x5d
#define RTC_CMOS_CHECKSUM_FIRST  0x10
#define RTC_CMOS_CHECKSUM_LAST   0x2d

typedef struct RTCState {
    DeviceState dev;
    char *base; /* property */

    uint8_t cmos[RTC_CMOS_SIZE]; /* time registers hold the time while it is stopped */
    uint8_t index;               /* port 0x70 bits 6-0 */
    bool nmi_masked;             /* port 0x70 bit 7 */
    int64_t offset_ns; /* RTC time (ns since 1970, in its own zone) - CLOCK_VIRTUAL */
    int64_t flags_until_ns; /* register C holds every event up to this virtual time */
    bool irq_level;
    Timer timer; /* the next event that raises IRQ 8; idle while it is raised */

    /* Wiring, not guest state. */
    const IRQ *irq;
    MemoryRegion io;
    AddressSpace *io_space;
} RTCState;

/* The "mc146818rtc" device of m, or NULL. */
RTCState *mc146818_find(Machine *m);
/*
 * Set an NVRAM byte (0x0e-0x7f) as firmware setup would; bytes 0x10-0x2d also update
 * the checksum at 0x2e/0x2f. The century (0x32) is part of the time: setting it to
 * the current one changes nothing, another one moves the clock by centuries.
 */
void mc146818_set_cmos(RTCState *s, int index, uint8_t val);
/* The raw NVRAM byte (0x0e-0x7f). */
uint8_t mc146818_get_cmos(const RTCState *s, int index);
/* Port 0x70 bit 7: software has masked NMI. */
bool mc146818_nmi_masked(const RTCState *s);

#endif
