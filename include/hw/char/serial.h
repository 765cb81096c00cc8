/*
 * The 16550A UART core (hw/char/serial.c). Bus glue (isa-serial, and later an MMIO or
 * PCI variant) embeds a SerialState, maps serial_io_ops over 8 consecutive registers
 * and hands the core its IRQ line and chardev.
 */
#ifndef HW_CHAR_SERIAL_H
#define HW_CHAR_SERIAL_H

#include "util/osdep.h"
#include "util/error.h"
#include "chardev/char.h"
#include "hw/irq.h"
#include "migration/vmstate.h"
#include "system/clock.h"
#include "system/memory.h"

#define SERIAL_FIFO_SIZE 16
#define SERIAL_NUM_REGS  8

typedef struct SerialFifo {
    uint8_t data[SERIAL_FIFO_SIZE];
    uint8_t head;  /* slot of the oldest byte */
    uint8_t count; /* bytes held */
} SerialFifo;

typedef struct SerialState {
    uint8_t ier;
    uint8_t fcr; /* as programmed, without the self-clearing reset bits */
    uint8_t lcr;
    uint8_t mcr;
    uint8_t msr; /* modem inputs (high nibble) and their deltas (low nibble) */
    uint8_t scr;
    uint8_t lsr_errors; /* OE/PE/FE/BI: sticky until the guest reads LSR */
    uint16_t divisor;
    SerialFifo rx;                    /* capacity 1 (the RBR) while FIFOs are disabled */
    SerialFifo tx;                    /* bytes the backend has not accepted yet */
    uint8_t rx_err[SERIAL_FIFO_SIZE]; /* line errors that came with each rx slot */
    bool thr_ipending;                /* THRE interrupt latched */
    bool timeout_ipending;            /* character timeout indication latched */
    bool irq_level;                   /* what we drive on the IRQ line */
    Timer timeout_timer;  /* four character times after the last rx activity */
    Timer tx_retry_timer; /* the backend refused a byte: offer it again */

    /* Wiring, set at realize; not guest state. */
    const IRQ *irq;
    CharFrontend fe;
} SerialState;

/* opaque is the SerialState; offsets 0..7 are the UART registers. */
extern const MemoryRegionOps serial_io_ops;
extern const VMStateDescription vmstate_serial;

/* chr may be NULL (output discarded, no input). */
bool serial_realize(SerialState *s, Chardev *chr, const IRQ *irq, Error **errp);
void serial_unrealize(SerialState *s);
void serial_reset(SerialState *s);
/* Check a freshly loaded state; call from the glue's post_load. */
bool serial_post_load(SerialState *s, Error **errp);

#endif
