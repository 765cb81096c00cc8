/*
 * A stand-in PS/2 keyboard or mouse (hw/input/ps2-stub.c): it answers the commands
 * firmware and Linux send while probing (reset, identify, LEDs, scancode set, rates,
 * enable) but has no keys or buttons. The 8042 puts one on each port until a real
 * device model is attached.
 */
#ifndef HW_INPUT_PS2_STUB_H
#define HW_INPUT_PS2_STUB_H

#include "hw/input/i8042.h"

typedef enum PS2StubKind {
    PS2_STUB_KEYBOARD,
    PS2_STUB_MOUSE,
} PS2StubKind;

typedef struct PS2Stub {
    PS2Port port;
    uint8_t kind;         /* PS2StubKind */
    uint8_t pending_cmd;  /* a command waiting for its argument byte, or 0 */
    uint8_t last_sent;    /* for the Resend command */
    bool scanning;        /* keyboard scanning / mouse data reporting enabled */
    uint8_t scancode_set; /* keyboard: 1-3 */
    uint8_t leds;         /* keyboard */
    uint8_t sample_rate;  /* mouse, reports per second */
    uint8_t resolution;   /* mouse, 0-3 */
} PS2Stub;

extern const VMStateDescription vmstate_ps2_stub;

void ps2_stub_init(PS2Stub *s, PS2StubKind kind);
/* Power-on state: empty queue, defaults restored. */
void ps2_stub_reset(PS2Stub *s);

#endif
