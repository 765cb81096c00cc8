/*
 * The 8042 keyboard controller (hw/input/i8042.c) and the PS/2 port interface
 * between it and the devices behind it.
 *
 * A PS/2 device embeds a PS2Port: it sets `write` (a byte the controller sends to
 * it) and answers by ps2_port_send(), which queues the byte and tells the
 * controller. The controller takes queued bytes one at a time, whenever its output
 * buffer is free and the port is enabled, exactly as the real clock-inhibit
 * handshake paces a device. Until a real keyboard or mouse model is attached with
 * i8042_attach_port(), each port has a stub device (hw/input/ps2-stub.c) that
 * answers the probes of Linux and SeaBIOS.
 *
 * The pc machine creates it with machine_add_device(m, "i8042", NULL): ports 0x60
 * and 0x64, IRQ 1 (keyboard) and IRQ 12 (aux) on the ISA bus.
 */
#ifndef HW_INPUT_I8042_H
#define HW_INPUT_I8042_H

#include "util/osdep.h"
#include "migration/vmstate.h"

#define I8042_DATA_PORT    0x60
#define I8042_COMMAND_PORT 0x64 /* status register when read */
#define I8042_KBD_IRQ      1
#define I8042_AUX_IRQ      12

#define PS2_QUEUE_SIZE 16

typedef struct PS2Port PS2Port;

struct PS2Port {
    /* Bytes the device sends, oldest first (device state: saved with the device). */
    uint8_t queue[PS2_QUEUE_SIZE];
    uint8_t head;
    uint8_t count;

    /* Set by the device: the controller sends it a byte. */
    void (*write)(PS2Port *port, uint8_t byte);
    /* Set by the controller: bytes were queued. */
    void (*notify)(void *opaque);
    void *notify_opaque;
};

extern const VMStateDescription vmstate_ps2_port;

/* Device side: queue a byte for the controller; false (byte lost) if full. */
static inline bool ps2_port_send(PS2Port *p, uint8_t byte)
{
    if (p->count == PS2_QUEUE_SIZE) {
        return false;
    }
    p->queue[(p->head + p->count) % PS2_QUEUE_SIZE] = byte;
    p->count++;
    if (p->notify) {
        p->notify(p->notify_opaque);
    }
    return true;
}

/* Controller side: take the oldest queued byte, or -1 if there is none. */
static inline int ps2_port_take(PS2Port *p)
{
    if (p->count == 0) {
        return -1;
    }
    uint8_t byte = p->queue[p->head];
    p->head = (p->head + 1) % PS2_QUEUE_SIZE;
    p->count--;
    return byte;
}

static inline void ps2_port_clear(PS2Port *p)
{
    p->head = 0;
    p->count = 0;
}

typedef enum I8042PortIndex {
    I8042_PORT_KBD = 0,
    I8042_PORT_AUX = 1,
} I8042PortIndex;

typedef struct I8042State I8042State;

/* Put a device on a port, replacing the stub there. */
void i8042_attach_port(I8042State *s, I8042PortIndex index, PS2Port *port);

#endif
