/* Intel 8042 keyboard controller (AT/PS2 style), after the 8042 datasheet. */
/*
 * The controller has one output buffer shared by three sources: its own replies to
 * commands, the keyboard port and the aux (mouse) port. When the buffer is empty it
 * is refilled in that order of priority; reading port 0x60 empties it. IRQ 1 follows
 * "buffer full with non-aux data" and IRQ 12 "buffer full with aux data", each
 * gated by its enable bit in the command byte. Because a refill happens inside the
 * read, the line drops and rises again within the same access, which an
 * edge-triggered PIC sees as a new interrupt.
 *
 * Commands and data are processed instantly, so the input buffer is never full.
 */
#include "hw/input/i8042.h"
#include "hw/input/ps2-stub.h"
#include "hw/device.h"
#include "hw/machine.h"
#include "system/runstate.h"
#include "util/log.h"

/* Status register (read from 0x64). */
#define STAT_OBF     0x01 /* Output Buffer Full */
#define STAT_IBF     0x02 /* Input Buffer Full */
#define STAT_SYS     0x04 /* System Flag */
#define STAT_CMD     0x08 /* Command/Data: last write was to 0x64 */
#define STAT_UNLOCK  0x10 /* Inhibit Switch: 1 = keyboard not inhibited */
#define STAT_AUX_OBF 0x20 /* Auxiliary Output Buffer Full */
#define STAT_TIMEOUT 0x40 /* General Time-Out */
#define STAT_PARITY  0x80 /* Parity Error */

/* Command byte (controller RAM byte 0). */
#define CTR_KBD_INT     0x01 /* Keyboard Interrupt Enable */
#define CTR_AUX_INT     0x02 /* Auxiliary Interrupt Enable */
#define CTR_SYS         0x04 /* System Flag */
#define CTR_KBD_DISABLE 0x10 /* Disable Keyboard */
#define CTR_AUX_DISABLE 0x20 /* Disable Auxiliary Device */
#define CTR_XLATE       0x40 /* Translate scan codes (set 2 to set 1) */

/* Output port (read with 0xD0, written with 0xD1). */
#define OUT_RESET   0x01 /* System Reset: 0 asserts reset */
#define OUT_A20     0x02 /* Gate A20 */
#define OUT_KBD_OBF 0x10 /* Output Buffer Full (IRQ 1) */
#define OUT_AUX_OBF 0x20 /* Auxiliary Output Buffer Full (IRQ 12) */
#define OUT_STORED  0xcf /* the bits not driven by the IRQ outputs */

/* Controller commands (written to 0x64). */
#define CMD_READ_RAM     0x20 /* 0x20-0x3F: Read Controller RAM (0x20: command byte) */
#define CMD_WRITE_RAM    0x60 /* 0x60-0x7F: Write Controller RAM */
#define CMD_AUX_DISABLE  0xa7 /* Disable Auxiliary Device */
#define CMD_AUX_ENABLE   0xa8 /* Enable Auxiliary Device */
#define CMD_AUX_TEST     0xa9 /* Auxiliary Device Interface Test */
#define CMD_SELF_TEST    0xaa /* Self-Test */
#define CMD_KBD_TEST     0xab /* Keyboard Interface Test */
#define CMD_KBD_DISABLE  0xad /* Disable Keyboard */
#define CMD_KBD_ENABLE   0xae /* Enable Keyboard */
#define CMD_READ_INPUT   0xc0 /* Read Input Port */
#define CMD_READ_OUTPUT  0xd0 /* Read Output Port */
#define CMD_WRITE_OUTPUT 0xd1 /* Write Output Port */
#define CMD_WRITE_KBD_OB 0xd2 /* Write Keyboard Output Buffer */
#define CMD_WRITE_AUX_OB 0xd3 /* Write Auxiliary Output Buffer (loopback) */
#define CMD_WRITE_AUX    0xd4 /* Write to Auxiliary Device */
#define CMD_A20_OFF      0xdd /* Disable A20 (HP Vectra) */
#define CMD_A20_ON       0xdf /* Enable A20 (HP Vectra) */
#define CMD_READ_TEST    0xe0 /* Read Test Inputs */
#define CMD_PULSE_FIRST  0xf0 /* 0xF0-0xFF: Pulse Output Port bits 0-3 (0 = pulse) */

#define SELF_TEST_OK      0x55
#define INTERFACE_TEST_OK 0x00
#define INPUT_PORT_VALUE  0x80 /* keyboard not inhibited */
#define I8042_RAM_SIZE    32
#define I8042_REPLY_MAX   4
#define SET2_BREAK_PREFIX 0xf0

typedef enum I8042Source {
    SOURCE_NONE,
    SOURCE_CONTROLLER,
    SOURCE_KBD,
    SOURCE_AUX,
} I8042Source;

struct I8042State {
    DeviceState dev;
    uint8_t ram[I8042_RAM_SIZE]; /* ram[0] is the command byte */
    uint8_t status;              /* STAT_CMD, STAT_TIMEOUT, STAT_PARITY as latched */
    uint8_t outport;             /* OUT_STORED bits */
    uint8_t pending_cmd;         /* a command waiting for its data byte, or 0 */
    uint8_t obuf;
    uint8_t obuf_source; /* I8042Source */
    uint8_t reply[I8042_REPLY_MAX];
    uint8_t reply_source[I8042_REPLY_MAX];
    uint8_t reply_count;
    bool xlate_break; /* translating: a set-2 break prefix is pending */
    bool kbd_irq_level;
    bool aux_irq_level;
    PS2Stub kbd_stub;
    PS2Stub aux_stub;

    /* Wiring, set at realize; not guest state. */
    PS2Port *ports[2];
    const IRQ *kbd_irq;
    const IRQ *aux_irq;
    MemoryRegion data_io;
    MemoryRegion cmd_io;
    AddressSpace *io_space;
};

/*
 * Scan code set 2 to set 1, as the controller translates keyboard bytes when
 * CTR_XLATE is set (one entry per key of the 101/102-key layout; bytes without an
 * entry pass unchanged, and bytes from 0x80 up are prefixes and replies).
 */
static const uint8_t i8042_set2_to_set1[0x85] = {
    [0x76] = 0x01, [0x16] = 0x02, [0x1e] = 0x03, [0x26] = 0x04, [0x25] = 0x05,
    [0x2e] = 0x06, [0x36] = 0x07, [0x3d] = 0x08, [0x3e] = 0x09, [0x46] = 0x0a,
    [0x45] = 0x0b, [0x4e] = 0x0c, [0x55] = 0x0d, [0x66] = 0x0e, [0x0d] = 0x0f,
    [0x15] = 0x10, [0x1d] = 0x11, [0x24] = 0x12, [0x2d] = 0x13, [0x2c] = 0x14,
    [0x35] = 0x15, [0x3c] = 0x16, [0x43] = 0x17, [0x44] = 0x18, [0x4d] = 0x19,
    [0x54] = 0x1a, [0x5b] = 0x1b, [0x5a] = 0x1c, [0x14] = 0x1d, [0x1c] = 0x1e,
    [0x1b] = 0x1f, [0x23] = 0x20, [0x2b] = 0x21, [0x34] = 0x22, [0x33] = 0x23,
    [0x3b] = 0x24, [0x42] = 0x25, [0x4b] = 0x26, [0x4c] = 0x27, [0x52] = 0x28,
    [0x0e] = 0x29, [0x12] = 0x2a, [0x5d] = 0x2b, [0x1a] = 0x2c, [0x22] = 0x2d,
    [0x21] = 0x2e, [0x2a] = 0x2f, [0x32] = 0x30, [0x31] = 0x31, [0x3a] = 0x32,
    [0x41] = 0x33, [0x49] = 0x34, [0x4a] = 0x35, [0x59] = 0x36, [0x7c] = 0x37,
    [0x11] = 0x38, [0x29] = 0x39, [0x58] = 0x3a, [0x05] = 0x3b, [0x06] = 0x3c,
    [0x04] = 0x3d, [0x0c] = 0x3e, [0x03] = 0x3f, [0x0b] = 0x40, [0x83] = 0x41,
    [0x0a] = 0x42, [0x01] = 0x43, [0x09] = 0x44, [0x77] = 0x45, [0x7e] = 0x46,
    [0x6c] = 0x47, [0x75] = 0x48, [0x7d] = 0x49, [0x7b] = 0x4a, [0x6b] = 0x4b,
    [0x73] = 0x4c, [0x74] = 0x4d, [0x79] = 0x4e, [0x69] = 0x4f, [0x72] = 0x50,
    [0x7a] = 0x51, [0x70] = 0x52, [0x71] = 0x53, [0x84] = 0x54, [0x61] = 0x56,
    [0x78] = 0x57, [0x07] = 0x58,
};

/* ---- output buffer and IRQs ---- */

static uint8_t i8042_ctr(const I8042State *s)
{
    return s->ram[0];
}

static void i8042_update_irqs(I8042State *s)
{
    bool full = s->obuf_source != SOURCE_NONE;
    bool aux = s->obuf_source == SOURCE_AUX;
    bool kbd_level = full && !aux && (i8042_ctr(s) & CTR_KBD_INT);
    bool aux_level = aux && (i8042_ctr(s) & CTR_AUX_INT);
    if (kbd_level != s->kbd_irq_level) {
        s->kbd_irq_level = kbd_level;
        irq_set(s->kbd_irq, kbd_level);
    }
    if (aux_level != s->aux_irq_level) {
        s->aux_irq_level = aux_level;
        irq_set(s->aux_irq, aux_level);
    }
}

static int i8042_translate(I8042State *s, uint8_t byte)
{
    if (byte == SET2_BREAK_PREFIX) {
        s->xlate_break = true;
        return -1; /* folded into the next byte's bit 7 */
    }
    uint8_t set1 = byte < sizeof(i8042_set2_to_set1) && i8042_set2_to_set1[byte]
                       ? i8042_set2_to_set1[byte]
                       : byte;
    if (s->xlate_break) {
        s->xlate_break = false;
        set1 |= 0x80;
    }
    return set1;
}

/* The next byte from the keyboard port, translated if asked; -1 if none. */
static int i8042_take_kbd(I8042State *s)
{
    int byte;
    do {
        byte = ps2_port_take(s->ports[I8042_PORT_KBD]);
        if (byte >= 0 && (i8042_ctr(s) & CTR_XLATE)) {
            byte = i8042_translate(s, byte);
        }
    } while (byte < 0 && s->ports[I8042_PORT_KBD]->count > 0);
    return byte;
}

static void i8042_fill(I8042State *s, uint8_t byte, I8042Source source)
{
    s->obuf = byte;
    s->obuf_source = source;
}

static bool i8042_fill_from_reply(I8042State *s)
{
    if (s->reply_count == 0) {
        return false;
    }
    i8042_fill(s, s->reply[0], s->reply_source[0]);
    s->reply_count--;
    memmove(s->reply, s->reply + 1, s->reply_count);
    memmove(s->reply_source, s->reply_source + 1, s->reply_count);
    return true;
}

static void i8042_refill(I8042State *s)
{
    int byte;
    if (s->obuf_source != SOURCE_NONE || i8042_fill_from_reply(s)) {
        return;
    }
    if (!(i8042_ctr(s) & CTR_KBD_DISABLE) && (byte = i8042_take_kbd(s)) >= 0) {
        i8042_fill(s, byte, SOURCE_KBD);
    } else if (!(i8042_ctr(s) & CTR_AUX_DISABLE) &&
               (byte = ps2_port_take(s->ports[I8042_PORT_AUX])) >= 0) {
        i8042_fill(s, byte, SOURCE_AUX);
    }
}

static void i8042_update(I8042State *s)
{
    i8042_refill(s);
    i8042_update_irqs(s);
}

static void i8042_port_notify(void *opaque)
{
    i8042_update(opaque);
}

static void i8042_reply(I8042State *s, uint8_t byte, I8042Source source)
{
    if (s->reply_count == I8042_REPLY_MAX) {
        log_guest_error("i8042: output buffer overrun, reply 0x%02x lost", byte);
        return;
    }
    s->reply[s->reply_count] = byte;
    s->reply_source[s->reply_count] = source;
    s->reply_count++;
    i8042_update(s);
}

/* ---- output port: reset line and A20 ---- */

static uint8_t i8042_read_outport(I8042State *s)
{
    return (s->outport & OUT_STORED) | (s->kbd_irq_level ? OUT_KBD_OBF : 0) |
           (s->aux_irq_level ? OUT_AUX_OBF : 0);
}

static void i8042_write_outport(I8042State *s, uint8_t val)
{
    if ((val ^ s->outport) & OUT_A20) {
        /* A20 masking is not modelled: the line stays enabled whatever this says. */
        log_mask_printf(LOG_UNIMP, "i8042: A20 gate %s\n", val & OUT_A20 ? "on" : "off");
    }
    s->outport = val & OUT_STORED;
    if (!(val & OUT_RESET)) {
        log_mask_printf(LOG_IOPORT, "i8042: reset line asserted\n");
        runstate_reset_request();
    }
}

/* ---- controller commands ---- */

static void i8042_set_ctr_bits(I8042State *s, uint8_t bits, bool on)
{
    s->ram[0] = on ? i8042_ctr(s) | bits : i8042_ctr(s) & ~bits;
    i8042_update(s);
}

static void i8042_pulse_outport(I8042State *s, uint8_t cmd)
{
    if (!(cmd & OUT_RESET)) { /* a 0 bit in the low nibble pulses that output low */
        log_mask_printf(LOG_IOPORT, "i8042: reset pulse\n");
        runstate_reset_request();
    }
}

/* Commands with a reply and no other effect. */
static int i8042_simple_reply(I8042State *s, uint8_t cmd)
{
    switch (cmd) {
    case CMD_AUX_TEST: return INTERFACE_TEST_OK;
    case CMD_KBD_TEST: return INTERFACE_TEST_OK;
    case CMD_READ_INPUT: return INPUT_PORT_VALUE;
    case CMD_READ_OUTPUT: return i8042_read_outport(s);
    case CMD_READ_TEST: return 0x00;
    default: return -1;
    }
}

static void i8042_command(I8042State *s, uint8_t cmd)
{
    int reply = i8042_simple_reply(s, cmd);
    if (reply >= 0) {
        i8042_reply(s, reply, SOURCE_CONTROLLER);
        return;
    }
    switch (cmd) {
    case CMD_AUX_DISABLE: i8042_set_ctr_bits(s, CTR_AUX_DISABLE, true); break;
    case CMD_AUX_ENABLE: i8042_set_ctr_bits(s, CTR_AUX_DISABLE, false); break;
    case CMD_KBD_DISABLE: i8042_set_ctr_bits(s, CTR_KBD_DISABLE, true); break;
    case CMD_KBD_ENABLE: i8042_set_ctr_bits(s, CTR_KBD_DISABLE, false); break;
    case CMD_SELF_TEST:
        s->ram[0] |= CTR_SYS; /* a passed self-test sets the system flag */
        i8042_reply(s, SELF_TEST_OK, SOURCE_CONTROLLER);
        break;
    case CMD_WRITE_OUTPUT:
    case CMD_WRITE_KBD_OB:
    case CMD_WRITE_AUX_OB:
    case CMD_WRITE_AUX: s->pending_cmd = cmd; break;
    case CMD_A20_OFF: i8042_write_outport(s, s->outport & ~OUT_A20); break;
    case CMD_A20_ON: i8042_write_outport(s, s->outport | OUT_A20); break;
    default:
        if (cmd >= CMD_READ_RAM && cmd < CMD_READ_RAM + I8042_RAM_SIZE) {
            i8042_reply(s, s->ram[cmd - CMD_READ_RAM], SOURCE_CONTROLLER);
        } else if (cmd >= CMD_WRITE_RAM && cmd < CMD_WRITE_RAM + I8042_RAM_SIZE) {
            s->pending_cmd = cmd;
        } else if (cmd >= CMD_PULSE_FIRST) {
            i8042_pulse_outport(s, cmd);
        } else {
            log_guest_error("i8042: unknown controller command 0x%02x", cmd);
        }
        break;
    }
}

/* ---- data writes ---- */

static void i8042_write_device(I8042State *s, I8042PortIndex index, uint8_t byte)
{
    s->status &= ~STAT_TIMEOUT;
    s->ports[index]->write(s->ports[index], byte);
}

static void i8042_command_data(I8042State *s, uint8_t cmd, uint8_t val)
{
    switch (cmd) {
    case CMD_WRITE_OUTPUT: i8042_write_outport(s, val); break;
    case CMD_WRITE_KBD_OB: i8042_reply(s, val, SOURCE_KBD); break;
    case CMD_WRITE_AUX_OB: i8042_reply(s, val, SOURCE_AUX); break;
    case CMD_WRITE_AUX: i8042_write_device(s, I8042_PORT_AUX, val); break;
    default:
        s->ram[cmd - CMD_WRITE_RAM] = val;
        i8042_update(s); /* the command byte may have enabled a port or an IRQ */
        break;
    }
}

static void i8042_write_data(I8042State *s, uint8_t val)
{
    uint8_t cmd = s->pending_cmd;
    s->status &= ~STAT_CMD;
    s->pending_cmd = 0;
    if (cmd) {
        i8042_command_data(s, cmd, val);
        return;
    }
    /* Sending to the keyboard releases its clock, i.e. enables the interface. */
    s->ram[0] &= ~CTR_KBD_DISABLE;
    i8042_write_device(s, I8042_PORT_KBD, val);
    i8042_update(s);
}

/* ---- port I/O ---- */

static uint8_t i8042_read_status(I8042State *s)
{
    uint8_t st = (s->status & (STAT_CMD | STAT_TIMEOUT | STAT_PARITY)) | STAT_UNLOCK;
    st |= (i8042_ctr(s) & CTR_SYS) ? STAT_SYS : 0;
    st |= s->obuf_source != SOURCE_NONE ? STAT_OBF : 0;
    st |= s->obuf_source == SOURCE_AUX ? STAT_AUX_OBF : 0;
    return st;
}

/* Reading an empty buffer returns the last byte again, as the latch still holds it. */
static uint8_t i8042_read_data(I8042State *s)
{
    uint8_t val = s->obuf;
    s->obuf_source = SOURCE_NONE;
    i8042_update_irqs(s); /* drop the line before the next byte raises it again */
    i8042_update(s);
    return val;
}

static uint64_t i8042_data_io_read(void *opaque, uint64_t offset, unsigned size)
{
    uint8_t val = i8042_read_data(opaque);
    log_mask_printf(LOG_IOPORT, "i8042: read data 0x%02x\n", val);
    return val;
}

static void i8042_data_io_write(void *opaque, uint64_t offset, uint64_t value,
                                unsigned size)
{
    log_mask_printf(LOG_IOPORT, "i8042: write data 0x%02x\n", (uint8_t)value);
    i8042_write_data(opaque, value);
}

static uint64_t i8042_cmd_io_read(void *opaque, uint64_t offset, unsigned size)
{
    return i8042_read_status(opaque);
}

static void i8042_cmd_io_write(void *opaque, uint64_t offset, uint64_t value,
                               unsigned size)
{
    I8042State *s = opaque;
    log_mask_printf(LOG_IOPORT, "i8042: command 0x%02x\n", (uint8_t)value);
    s->status |= STAT_CMD;
    s->pending_cmd = 0; /* a new command abandons one still waiting for data */
    i8042_command(s, value);
}

static const MemoryRegionOps i8042_data_ops = {
    .read = i8042_data_io_read,
    .write = i8042_data_io_write,
    .min_size = 1,
    .max_size = 1,
};

static const MemoryRegionOps i8042_cmd_ops = {
    .read = i8042_cmd_io_read,
    .write = i8042_cmd_io_write,
    .min_size = 1,
    .max_size = 1,
};

/* ---- device ---- */

static void i8042_connect_port(I8042State *s, I8042PortIndex index, PS2Port *port)
{
    s->ports[index] = port;
    port->notify = i8042_port_notify;
    port->notify_opaque = s;
}

void i8042_attach_port(I8042State *s, I8042PortIndex index, PS2Port *port)
{
    i8042_connect_port(s, index, port);
    i8042_update(s);
}

static bool i8042_realize(DeviceState *dev, Machine *m, Error **errp)
{
    I8042State *s = (I8042State *)dev;
    s->kbd_irq = &m->isa_irq[I8042_KBD_IRQ];
    s->aux_irq = &m->isa_irq[I8042_AUX_IRQ];
    ps2_stub_init(&s->kbd_stub, PS2_STUB_KEYBOARD);
    ps2_stub_init(&s->aux_stub, PS2_STUB_MOUSE);
    i8042_connect_port(s, I8042_PORT_KBD, &s->kbd_stub.port);
    i8042_connect_port(s, I8042_PORT_AUX, &s->aux_stub.port);
    memory_region_init_io(&s->data_io, "i8042-data", &i8042_data_ops, s, 1);
    memory_region_init_io(&s->cmd_io, "i8042-cmd", &i8042_cmd_ops, s, 1);
    address_space_map(&m->io, I8042_DATA_PORT, &s->data_io, 0);
    address_space_map(&m->io, I8042_COMMAND_PORT, &s->cmd_io, 0);
    s->io_space = &m->io;
    return true;
}

static void i8042_unrealize(DeviceState *dev)
{
    I8042State *s = (I8042State *)dev;
    address_space_unmap(s->io_space, &s->data_io);
    address_space_unmap(s->io_space, &s->cmd_io);
    memory_region_destroy(&s->data_io);
    memory_region_destroy(&s->cmd_io);
}

/* As QEMU leaves it: both port interrupts enabled, no translation, A20 on. */
static void i8042_reset(DeviceState *dev)
{
    I8042State *s = (I8042State *)dev;
    ps2_stub_reset(&s->kbd_stub);
    ps2_stub_reset(&s->aux_stub);
    memset(s->ram, 0, sizeof(s->ram));
    s->ram[0] = CTR_KBD_INT | CTR_AUX_INT;
    s->status = STAT_CMD;
    s->outport = OUT_STORED;
    s->pending_cmd = 0;
    s->obuf = 0;
    s->obuf_source = SOURCE_NONE;
    s->reply_count = 0;
    s->xlate_break = false;
    i8042_update(s);
}

static bool i8042_post_load(void *opaque, Error **errp)
{
    I8042State *s = opaque;
    if (s->reply_count > I8042_REPLY_MAX || s->obuf_source > SOURCE_AUX) {
        error_setg(errp, "i8042: inconsistent output state (%u replies, source %u)",
                   s->reply_count, s->obuf_source);
        s->reply_count = 0;
        s->obuf_source = SOURCE_NONE;
        return false;
    }
    return true;
}

static bool i8042_ps2_port_post_load(void *opaque, Error **errp)
{
    PS2Port *p = opaque;
    if (p->head >= PS2_QUEUE_SIZE || p->count > PS2_QUEUE_SIZE) {
        error_setg(errp, "ps2: inconsistent queue (%u bytes at %u)", p->count, p->head);
        ps2_port_clear(p);
        return false;
    }
    return true;
}

static const VMStateField ps2_port_fields[] = {
    VMSTATE_UINT8_ARRAY(queue, PS2Port, PS2_QUEUE_SIZE),
    VMSTATE_UINT8(head, PS2Port),
    VMSTATE_UINT8(count, PS2Port),
    VMSTATE_END_OF_LIST(),
};

const VMStateDescription vmstate_ps2_port = {
    .name = "ps2-port",
    .version = 1,
    .fields = ps2_port_fields,
    .post_load = i8042_ps2_port_post_load,
};

static const VMStateField i8042_fields[] = {
    VMSTATE_UINT8_ARRAY(ram, I8042State, I8042_RAM_SIZE),
    VMSTATE_UINT8(status, I8042State),
    VMSTATE_UINT8(outport, I8042State),
    VMSTATE_UINT8(pending_cmd, I8042State),
    VMSTATE_UINT8(obuf, I8042State),
    VMSTATE_UINT8(obuf_source, I8042State),
    VMSTATE_UINT8_ARRAY(reply, I8042State, I8042_REPLY_MAX),
    VMSTATE_UINT8_ARRAY(reply_source, I8042State, I8042_REPLY_MAX),
    VMSTATE_UINT8(reply_count, I8042State),
    VMSTATE_BOOL(xlate_break, I8042State),
    VMSTATE_BOOL(kbd_irq_level, I8042State),
    VMSTATE_BOOL(aux_irq_level, I8042State),
    VMSTATE_STRUCT(kbd_stub, I8042State, vmstate_ps2_stub),
    VMSTATE_STRUCT(aux_stub, I8042State, vmstate_ps2_stub),
    VMSTATE_END_OF_LIST(),
};

static const VMStateDescription vmstate_i8042 = {
    .name = "i8042",
    .version = 1,
    .fields = i8042_fields,
    .post_load = i8042_post_load,
};

static const DeviceInfo i8042_info = {
    .name = "i8042",
    .desc = "8042 keyboard controller (ports 0x60/0x64, IRQ 1 and 12)",
    .instance_size = sizeof(I8042State),
    .realize = i8042_realize,
    .reset = i8042_reset,
    .unrealize = i8042_unrealize,
    .vmsd = &vmstate_i8042,
};
DEVICE_REGISTER(i8042_info)
