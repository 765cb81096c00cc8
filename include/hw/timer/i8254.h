/*
 * The 8254 programmable interval timer (hw/timer/i8254.c), device type "isa-pit":
 * ports 0x40-0x43, counter 0's OUT on ISA IRQ 0, counters 0 and 1 gated high,
 * counter 2's gate and OUT reached through port 0x61 (hw/misc/port61.c).
 *
 * Counting is arithmetic on CLOCK_VIRTUAL: the 1.193182 MHz input clock's edge k
 * falls at ceil(k * 1e9 / 1193182) ns of virtual time, and each counter remembers
 * the edge at which it was last loaded. A timer is armed only for counter 0, and
 * only for its next OUT edge.
 */
#ifndef HW_TIMER_I8254_H
#define HW_TIMER_I8254_H

#include "util/osdep.h"
#include "hw/device.h"
#include "hw/irq.h"
#include "system/clock.h"
#include "system/memory.h"

#define PIT_FREQ_HZ      1193182
#define PIT_NUM_CHANNELS 3

typedef struct PITChannel {
    /* As programmed. */
    uint8_t mode_bits;      /* control word M2-M0 as written (6, 7 alias 2, 3) */
    uint8_t access;         /* control word RW1-RW0: 1 LSB, 2 MSB, 3 LSB then MSB */
    bool bcd;               /* control word BCD */
    uint16_t count_reg;     /* CR, as written (BCD digits in BCD mode) */
    uint8_t write_lsb;      /* LSB waiting for its MSB */
    bool write_msb_next;    /* LSB-then-MSB: the next write is the MSB */
    bool read_msb_next;     /* LSB-then-MSB: the next read is the MSB */
    bool count_written;     /* CR holds a count written since the control word */
    bool count_latched;     /* counter latch command, not yet read out */
    uint16_t latched_count; /* OL, as the guest reads it */
    bool status_latched;    /* read-back status, not yet read out */
    uint8_t latched_status;
    bool gate;

    /* The counting element, anchored on a clock edge (ticks are absolute). */
    bool loaded;           /* CE holds a count (else OUT rests at its initial level) */
    bool counting;         /* CE decrements with CLK (false: the gate stops it) */
    bool terminal_passed;  /* modes 0, 1, 4, 5: terminal count reached before anchor */
    int64_t anchor;        /* CE held anchor_count right after this edge */
    uint32_t anchor_count; /* modes 0, 1, 4, 5: edges from anchor to terminal count */
    uint32_t period;       /* modes 2, 3: the count in effect */
    uint32_t phase;        /* modes 2, 3: edges into the period at anchor */
    int64_t switch_tick;   /* modes 2, 3: CR reloads at this edge (INT64_MAX: none) */
    bool switch_to_low;    /* mode 3: that reload starts a low half */
    int64_t null_until;    /* null count until this edge (INT64_MAX: until loaded) */
    bool out;              /* OUT as last driven on irq */
    Timer timer;           /* next OUT edge, for counters with an IRQ */

    /* Wiring, not guest state. */
    const IRQ *irq;
} PITChannel;

typedef struct PITState {
    DeviceState dev;
    PITChannel channels[PIT_NUM_CHANNELS];
    MemoryRegion io;
    AddressSpace *io_space;
} PITState;

/* The "isa-pit" device of m, or NULL. */
PITState *pit_find(Machine *m);
/* Drive a counter's GATE input (port 0x61 bit 0 drives counter 2's). */
void pit_set_gate(PITState *s, int channel, bool level);
/* A counter's OUT pin now (port 0x61 bit 5 reads counter 2's). */
bool pit_get_out(PITState *s, int channel);

/* Exact conversions between virtual ns and PIT clock edges (no floating point). */
int64_t pit_ns_to_ticks(int64_t ns);   /* index of the last clock edge at or before ns */
int64_t pit_ticks_to_ns(int64_t tick); /* when edge `tick` happens */

#endif
