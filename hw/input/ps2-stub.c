/* Stand-in PS/2 keyboard and mouse answering probes, after IBM's PS/2 references. */
/*
 * Every command is acknowledged with 0xFA (ACK) and any data it returns follows
 * in the same queue. Commands with an argument byte acknowledge the command, then
 * the argument. Unknown commands get 0xFE (Resend), which is what a real device
 * answers and what makes drivers give up on an extension cleanly.
 */
#include "hw/input/ps2-stub.h"
#include "util/log.h"

#define PS2_ACK    0xfa /* Acknowledge */
#define PS2_RESEND 0xfe /* Resend */
#define PS2_BAT_OK 0xaa /* Basic Assurance Test passed */
#define PS2_ECHO   0xee /* Echo */

#define KBD_CMD_SET_LEDS      0xed /* Set/Reset Mode Indicators */
#define KBD_CMD_ECHO          0xee /* Echo */
#define KBD_CMD_SCANCODE      0xf0 /* Select Alternate Scan Codes */
#define KBD_CMD_GET_ID        0xf2 /* Read ID */
#define KBD_CMD_TYPEMATIC     0xf3 /* Set Typematic Rate/Delay */
#define KBD_CMD_ENABLE        0xf4 /* Enable */
#define KBD_CMD_DISABLE       0xf5 /* Default Disable */
#define KBD_CMD_DEFAULTS      0xf6 /* Set Default */
#define KBD_CMD_SET_ALL_FIRST 0xf7 /* Set All Keys Typematic .. */
#define KBD_CMD_SET_ALL_LAST  0xfa /* .. Set All Keys Typematic/Make/Break */
#define KBD_CMD_SET_KEY_FIRST 0xfb /* Set Key Type Typematic .. */
#define KBD_CMD_SET_KEY_LAST  0xfd /* .. Set Key Type Make */
#define KBD_CMD_RESEND        0xfe /* Resend */
#define KBD_CMD_RESET         0xff /* Reset */

#define KBD_ID_1 0xab /* MF2 keyboard ID, first byte */
#define KBD_ID_2 0x83 /* second byte, before 8042 translation */

#define MOUSE_CMD_SCALING_1_1 0xe6 /* Set Scaling 1:1 */
#define MOUSE_CMD_SCALING_2_1 0xe7 /* Set Scaling 2:1 */
#define MOUSE_CMD_RESOLUTION  0xe8 /* Set Resolution */
#define MOUSE_CMD_STATUS      0xe9 /* Status Request */
#define MOUSE_CMD_STREAM      0xea /* Set Stream Mode */
#define MOUSE_CMD_READ_DATA   0xeb /* Read Data */
#define MOUSE_CMD_RESET_WRAP  0xec /* Reset Wrap Mode */
#define MOUSE_CMD_WRAP        0xee /* Set Wrap Mode */
#define MOUSE_CMD_REMOTE      0xf0 /* Set Remote Mode */
#define MOUSE_CMD_GET_ID      0xf2 /* Read Device Type */
#define MOUSE_CMD_SAMPLE_RATE 0xf3 /* Set Sampling Rate */

#define MOUSE_ID             0x00 /* standard PS/2 mouse */
#define MOUSE_STATUS_ENABLED 0x20 /* Status byte 1: data reporting enabled */
#define MOUSE_PACKET_ALWAYS1 0x08 /* packet byte 1, bit 3 is always 1 */
#define MOUSE_DEFAULT_RATE   100
#define MOUSE_DEFAULT_RES    2 /* 4 counts/mm */

static void ps2_stub_reply(PS2Stub *s, uint8_t byte)
{
    s->last_sent = byte;
    if (!ps2_port_send(&s->port, byte)) {
        log_guest_error("ps2-stub: output queue full, byte 0x%02x lost", byte);
    }
}

static void ps2_stub_defaults(PS2Stub *s)
{
    s->pending_cmd = 0;
    s->scanning = s->kind == PS2_STUB_KEYBOARD;
    s->scancode_set = 2;
    s->leds = 0;
    s->sample_rate = MOUSE_DEFAULT_RATE;
    s->resolution = MOUSE_DEFAULT_RES;
}

/* ---- arguments ---- */

static void ps2_stub_kbd_argument(PS2Stub *s, uint8_t cmd, uint8_t arg)
{
    ps2_stub_reply(s, PS2_ACK);
    if (cmd == KBD_CMD_SET_LEDS) {
        s->leds = arg & 0x07;
    } else if (cmd == KBD_CMD_SCANCODE && arg == 0) {
        ps2_stub_reply(s, s->scancode_set);
    } else if (cmd == KBD_CMD_SCANCODE && arg <= 3) {
        s->scancode_set = arg;
    }
}

static void ps2_stub_mouse_argument(PS2Stub *s, uint8_t cmd, uint8_t arg)
{
    ps2_stub_reply(s, PS2_ACK);
    if (cmd == MOUSE_CMD_SAMPLE_RATE) {
        s->sample_rate = arg;
    } else if (cmd == MOUSE_CMD_RESOLUTION) {
        s->resolution = arg & 3;
    }
}

/* ---- keyboard ---- */

static bool ps2_stub_kbd_takes_argument(uint8_t cmd)
{
    return cmd == KBD_CMD_SET_LEDS || cmd == KBD_CMD_SCANCODE ||
           cmd == KBD_CMD_TYPEMATIC ||
           (cmd >= KBD_CMD_SET_KEY_FIRST && cmd <= KBD_CMD_SET_KEY_LAST);
}

static void ps2_stub_kbd_command(PS2Stub *s, uint8_t cmd)
{
    switch (cmd) {
    case KBD_CMD_ECHO: ps2_stub_reply(s, PS2_ECHO); return;
    case KBD_CMD_RESEND: ps2_stub_reply(s, s->last_sent); return;
    case KBD_CMD_GET_ID:
        ps2_stub_reply(s, PS2_ACK);
        ps2_stub_reply(s, KBD_ID_1);
        ps2_stub_reply(s, KBD_ID_2);
        return;
    case KBD_CMD_RESET:
        ps2_stub_defaults(s);
        ps2_stub_reply(s, PS2_ACK);
        ps2_stub_reply(s, PS2_BAT_OK);
        return;
    case KBD_CMD_ENABLE: s->scanning = true; break;
    case KBD_CMD_DISABLE:
        ps2_stub_defaults(s);
        s->scanning = false;
        break;
    case KBD_CMD_DEFAULTS: ps2_stub_defaults(s); break;
    default:
        if (ps2_stub_kbd_takes_argument(cmd)) {
            s->pending_cmd = cmd;
        } else if (cmd < KBD_CMD_SET_ALL_FIRST || cmd > KBD_CMD_SET_ALL_LAST) {
            ps2_stub_reply(s, PS2_RESEND);
            return;
        }
        break;
    }
    ps2_stub_reply(s, PS2_ACK);
}

/* ---- mouse ---- */

static void ps2_stub_mouse_status(PS2Stub *s)
{
    ps2_stub_reply(s, PS2_ACK);
    ps2_stub_reply(s, s->scanning ? MOUSE_STATUS_ENABLED : 0);
    ps2_stub_reply(s, s->resolution);
    ps2_stub_reply(s, s->sample_rate);
}

static void ps2_stub_mouse_simple(PS2Stub *s, uint8_t cmd)
{
    switch (cmd) {
    case KBD_CMD_ENABLE: s->scanning = true; break;
    case KBD_CMD_DISABLE: s->scanning = false; break;
    case KBD_CMD_DEFAULTS: ps2_stub_defaults(s); break;
    case MOUSE_CMD_SAMPLE_RATE:
    case MOUSE_CMD_RESOLUTION: s->pending_cmd = cmd; break;
    case MOUSE_CMD_SCALING_1_1:
    case MOUSE_CMD_SCALING_2_1:
    case MOUSE_CMD_STREAM:
    case MOUSE_CMD_RESET_WRAP:
    case MOUSE_CMD_WRAP:
    case MOUSE_CMD_REMOTE: break;
    default: ps2_stub_reply(s, PS2_RESEND); return;
    }
    ps2_stub_reply(s, PS2_ACK);
}

static void ps2_stub_mouse_command(PS2Stub *s, uint8_t cmd)
{
    switch (cmd) {
    case KBD_CMD_RESEND: ps2_stub_reply(s, s->last_sent); break;
    case KBD_CMD_RESET:
        ps2_stub_defaults(s);
        ps2_stub_reply(s, PS2_ACK);
        ps2_stub_reply(s, PS2_BAT_OK);
        ps2_stub_reply(s, MOUSE_ID);
        break;
    case MOUSE_CMD_GET_ID:
        ps2_stub_reply(s, PS2_ACK);
        ps2_stub_reply(s, MOUSE_ID);
        break;
    case MOUSE_CMD_STATUS: ps2_stub_mouse_status(s); break;
    case MOUSE_CMD_READ_DATA:
        ps2_stub_reply(s, PS2_ACK);
        ps2_stub_reply(s, MOUSE_PACKET_ALWAYS1); /* no buttons, no motion */
        ps2_stub_reply(s, 0);
        ps2_stub_reply(s, 0);
        break;
    default: ps2_stub_mouse_simple(s, cmd); break;
    }
}

/* ---- port ---- */

static void ps2_stub_write(PS2Port *port, uint8_t byte)
{
    PS2Stub *s = container_of(port, PS2Stub, port);
    uint8_t cmd = s->pending_cmd;
    s->pending_cmd = 0;
    if (cmd && s->kind == PS2_STUB_KEYBOARD) {
        ps2_stub_kbd_argument(s, cmd, byte);
    } else if (cmd) {
        ps2_stub_mouse_argument(s, cmd, byte);
    } else if (s->kind == PS2_STUB_KEYBOARD) {
        ps2_stub_kbd_command(s, byte);
    } else {
        ps2_stub_mouse_command(s, byte);
    }
}

void ps2_stub_init(PS2Stub *s, PS2StubKind kind)
{
    memset(s, 0, sizeof(*s));
    s->kind = kind;
    s->port.write = ps2_stub_write;
    ps2_stub_defaults(s);
}

void ps2_stub_reset(PS2Stub *s)
{
    ps2_port_clear(&s->port);
    s->last_sent = 0;
    ps2_stub_defaults(s);
}

static const VMStateField ps2_stub_fields[] = {
    VMSTATE_STRUCT(port, PS2Stub, vmstate_ps2_port),
    VMSTATE_UINT8(pending_cmd, PS2Stub),
    VMSTATE_UINT8(last_sent, PS2Stub),
    VMSTATE_BOOL(scanning, PS2Stub),
    VMSTATE_UINT8(scancode_set, PS2Stub),
    VMSTATE_UINT8(leds, PS2Stub),
    VMSTATE_UINT8(sample_rate, PS2Stub),
    VMSTATE_UINT8(resolution, PS2Stub),
    VMSTATE_END_OF_LIST(),
};

const VMStateDescription vmstate_ps2_stub = {
    .name = "ps2-stub",
    .version = 1,
    .fields = ps2_stub_fields,
};
