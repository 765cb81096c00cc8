/* 16550A UART with 16-byte FIFOs, after the TI/National PC16550D datasheet. */
/*
 * Timing model: transmission is instantaneous (the TX FIFO drains as soon as the
 * backend accepts bytes), but the character timeout runs on CLOCK_VIRTUAL and is
 * computed from the divisor and LCR, so it is deterministic under -icount.
 *
 * Input is flow controlled: serial_can_read() offers exactly the room left in the
 * receive FIFO (or the RBR in 16450 mode), so host bytes are never dropped. The only
 * overruns are the guest's own: loopback into a full FIFO, or a break with no room.
 */
#include "hw/char/serial.h"
#include "hw/device.h"
#include "hw/machine.h"
#include "util/log.h"

/* Register offsets (DLAB = LCR bit 7 selects the divisor latch at 0 and 1). */
#define UART_RBR 0 /* Receiver Buffer Register (read) */
#define UART_THR 0 /* Transmitter Holding Register (write) */
#define UART_DLL 0 /* Divisor Latch LS (DLAB=1) */
#define UART_IER 1 /* Interrupt Enable Register */
#define UART_DLM 1 /* Divisor Latch MS (DLAB=1) */
#define UART_IIR 2 /* Interrupt Ident. Register (read) */
#define UART_FCR 2 /* FIFO Control Register (write) */
#define UART_LCR 3 /* Line Control Register */
#define UART_MCR 4 /* MODEM Control Register */
#define UART_LSR 5 /* Line Status Register */
#define UART_MSR 6 /* MODEM Status Register */
#define UART_SCR 7 /* Scratch Register */

#define IER_ERBFI 0x01 /* Enable Received Data Available Interrupt */
#define IER_ETBEI 0x02 /* Enable Transmitter Holding Register Empty Interrupt */
#define IER_ELSI  0x04 /* Enable Receiver Line Status Interrupt */
#define IER_EDSSI 0x08 /* Enable MODEM Status Interrupt */
#define IER_MASK  0x0f /* bits 4-7 are always logic 0 */

#define IIR_NO_INT  0x01 /* "0" if Interrupt Pending */
#define IIR_MODEM   0x00 /* MODEM Status */
#define IIR_THRE    0x02 /* Transmitter Holding Register Empty */
#define IIR_RDA     0x04 /* Received Data Available */
#define IIR_RLS     0x06 /* Receiver Line Status */
#define IIR_TIMEOUT 0x0c /* Character Timeout Indication */
#define IIR_FIFOS   0xc0 /* FIFOs Enabled */

#define FCR_FIFOE   0x01 /* FIFO Enable */
#define FCR_RFRST   0x02 /* RCVR FIFO Reset */
#define FCR_XFRST   0x04 /* XMIT FIFO Reset */
#define FCR_DMA     0x08 /* DMA Mode Select */
#define FCR_TRIGGER 0xc0 /* RCVR Trigger (LSB, MSB) */

#define LCR_WLS  0x03 /* Word Length Select Bits */
#define LCR_STB  0x04 /* Number of Stop Bits */
#define LCR_PEN  0x08 /* Parity Enable */
#define LCR_DLAB 0x80 /* Divisor Latch Access Bit */

#define MCR_DTR  0x01 /* Data Terminal Ready */
#define MCR_RTS  0x02 /* Request to Send */
#define MCR_OUT1 0x04 /* Out 1 */
#define MCR_OUT2 0x08 /* Out 2 */
#define MCR_LOOP 0x10 /* Loop */
#define MCR_MASK 0x1f /* bits 5-7 are always logic 0 */

#define LSR_DR     0x01 /* Data Ready */
#define LSR_OE     0x02 /* Overrun Error */
#define LSR_PE     0x04 /* Parity Error */
#define LSR_FE     0x08 /* Framing Error */
#define LSR_BI     0x10 /* Break Interrupt */
#define LSR_THRE   0x20 /* Transmitter Holding Register Empty */
#define LSR_TEMT   0x40 /* Transmitter Empty */
#define LSR_RXFERR 0x80 /* Error in RCVR FIFO */

#define MSR_DCTS   0x01 /* Delta Clear to Send */
#define MSR_DDSR   0x02 /* Delta Data Set Ready */
#define MSR_TERI   0x04 /* Trailing Edge Ring Indicator */
#define MSR_DDCD   0x08 /* Delta Data Carrier Detect */
#define MSR_CTS    0x10 /* Clear to Send */
#define MSR_DSR    0x20 /* Data Set Ready */
#define MSR_RI     0x40 /* Ring Indicator */
#define MSR_DCD    0x80 /* Data Carrier Detect */
#define MSR_DELTAS 0x0f
#define MSR_INPUTS 0xf0

/* What the far end of the backend looks like: a ready, connected peer. */
#define SERIAL_EXTERNAL_INPUTS (MSR_CTS | MSR_DSR | MSR_DCD)
/* The PC's 1.8432 MHz crystal; one bit lasts 16 * divisor ticks of it. */
#define SERIAL_XTAL_HZ 1843200
/* Not a datasheet value: the divisor latch powers up undefined; 12 is 9600 baud. */
#define SERIAL_RESET_DIVISOR 12

/* ---- FIFOs ---- */

static unsigned serial_fifo_slot(const SerialFifo *f, unsigned i)
{
    return (f->head + i) % SERIAL_FIFO_SIZE;
}

static unsigned serial_fifo_push(SerialFifo *f, uint8_t byte)
{
    unsigned slot = serial_fifo_slot(f, f->count);
    assert(f->count < SERIAL_FIFO_SIZE);
    f->data[slot] = byte;
    f->count++;
    return slot;
}

static uint8_t serial_fifo_pop(SerialFifo *f)
{
    uint8_t byte = f->data[f->head];
    assert(f->count > 0);
    f->head = serial_fifo_slot(f, 1);
    f->count--;
    return byte;
}

static void serial_fifo_clear(SerialFifo *f)
{
    f->head = 0;
    f->count = 0;
}

static bool serial_fifo_enabled(const SerialState *s)
{
    return s->fcr & FCR_FIFOE;
}

/* In 16450 mode the "FIFOs" are the single RBR and THR. */
static unsigned serial_fifo_capacity(const SerialState *s)
{
    return serial_fifo_enabled(s) ? SERIAL_FIFO_SIZE : 1;
}

static unsigned serial_rx_trigger_level(const SerialState *s)
{
    static const uint8_t levels[4] = {1, 4, 8, 14};
    return serial_fifo_enabled(s) ? levels[s->fcr >> 6] : 1;
}

static bool serial_rx_has_errors(const SerialState *s)
{
    for (unsigned i = 0; i < s->rx.count; i++) {
        if (s->rx_err[serial_fifo_slot(&s->rx, i)]) {
            return true;
        }
    }
    return false;
}

/* ---- timing ---- */

/* n character times at the current divisor and frame format, in ns. */
static int64_t serial_char_times_ns(const SerialState *s, int n)
{
    unsigned data_bits = 5 + (s->lcr & LCR_WLS);
    unsigned parity_bits = (s->lcr & LCR_PEN) ? 1 : 0;
    /* Count half bits: 5-bit words with STB set use 1.5 stop bits. */
    unsigned stop_halves = !(s->lcr & LCR_STB) ? 2 : data_bits == 5 ? 3 : 4;
    unsigned halves = 2 * (1 + data_bits + parity_bits) + stop_halves;
    /* A divisor of 0 reloads the 16-bit counter with 0, i.e. counts 65536. */
    int64_t divisor = s->divisor ? s->divisor : 65536;
    return n * halves * divisor * 8 * NANOSECONDS_PER_SECOND / SERIAL_XTAL_HZ;
}

static void serial_restart_timeout(SerialState *s)
{
    if (!serial_fifo_enabled(s) || s->rx.count == 0) {
        timer_del(&s->timeout_timer);
        return;
    }
    timer_mod(&s->timeout_timer,
              clock_get_ns(CLOCK_VIRTUAL) + serial_char_times_ns(s, 4));
}

/* ---- interrupts ---- */

static bool serial_rx_data_available(const SerialState *s)
{
    return s->rx.count >= serial_rx_trigger_level(s);
}

/* The highest-priority pending source, as IIR bits 0-3 report it. */
static uint8_t serial_interrupt_id(const SerialState *s)
{
    if ((s->ier & IER_ELSI) && s->lsr_errors) {
        return IIR_RLS;
    }
    if ((s->ier & IER_ERBFI) && s->timeout_ipending) {
        return IIR_TIMEOUT;
    }
    if ((s->ier & IER_ERBFI) && serial_rx_data_available(s)) {
        return IIR_RDA;
    }
    if ((s->ier & IER_ETBEI) && s->thr_ipending) {
        return IIR_THRE;
    }
    if ((s->ier & IER_EDSSI) && (s->msr & MSR_DELTAS)) {
        return IIR_MODEM;
    }
    return IIR_NO_INT;
}

/*
 * On PCs the INTR pin reaches the bus through a buffer enabled by the OUT2 pin, and
 * loopback forces the OUT pins inactive, so the line is quiet in loopback.
 */
static void serial_update_irq(SerialState *s)
{
    bool gate_open = (s->mcr & (MCR_OUT2 | MCR_LOOP)) == MCR_OUT2;
    bool level = gate_open && serial_interrupt_id(s) != IIR_NO_INT;
    if (level != s->irq_level) {
        s->irq_level = level;
        irq_set(s->irq, level);
    }
}

/* ---- receiver ---- */

static void serial_receive_byte(SerialState *s, uint8_t byte, uint8_t err)
{
    if (s->rx.count >= serial_fifo_capacity(s)) {
        s->lsr_errors |= LSR_OE;
        if (serial_fifo_enabled(s)) {
            return; /* the character in the shift register is lost */
        }
        serial_fifo_pop(&s->rx); /* in 16450 mode it overwrites the RBR */
    }
    if (s->rx.count == 0) {
        s->lsr_errors |= err; /* a byte's errors show once it reaches the top */
    }
    s->rx_err[serial_fifo_push(&s->rx, byte)] = err;
    if (!s->timeout_ipending) {
        serial_restart_timeout(s);
    }
}

static uint8_t serial_read_rbr(SerialState *s)
{
    if (s->rx.count == 0) {
        /* The RBR still holds the last character received. */
        return s->rx.data[serial_fifo_slot(&s->rx, SERIAL_FIFO_SIZE - 1)];
    }
    uint8_t byte = serial_fifo_pop(&s->rx);
    if (s->rx.count > 0) {
        s->lsr_errors |= s->rx_err[s->rx.head];
    }
    s->timeout_ipending = false;
    serial_restart_timeout(s);
    if (s->rx.count == 0) {
        char_fe_accept_input(&s->fe);
    }
    return byte;
}

static void serial_rx_reset(SerialState *s)
{
    serial_fifo_clear(&s->rx);
    memset(s->rx_err, 0, sizeof(s->rx_err));
    s->timeout_ipending = false;
    timer_del(&s->timeout_timer);
}

static void serial_timeout_expired(void *opaque)
{
    SerialState *s = opaque;
    if (serial_fifo_enabled(s) && s->rx.count > 0) {
        s->timeout_ipending = true;
        serial_update_irq(s);
    }
}

/* ---- transmitter ---- */

static bool serial_tx_send_head(SerialState *s)
{
    uint8_t byte = s->tx.data[s->tx.head];
    if (s->mcr & MCR_LOOP) {
        serial_receive_byte(s, byte, 0);
    } else if (s->fe.chr && char_fe_write(&s->fe, &byte, 1) != 1) {
        return false;
    }
    serial_fifo_pop(&s->tx);
    return true;
}

static void serial_tx_drain(SerialState *s)
{
    while (s->tx.count > 0) {
        if (!serial_tx_send_head(s)) {
            timer_mod(&s->tx_retry_timer,
                      clock_get_ns(CLOCK_VIRTUAL) + serial_char_times_ns(s, 1));
            return;
        }
    }
    s->thr_ipending = true;
}

static void serial_tx_retry(void *opaque)
{
    SerialState *s = opaque;
    serial_tx_drain(s);
    serial_update_irq(s);
}

static void serial_tx_reset(SerialState *s)
{
    if (s->tx.count > 0) {
        s->thr_ipending = true;
    }
    serial_fifo_clear(&s->tx);
    timer_del(&s->tx_retry_timer);
}

static void serial_write_thr(SerialState *s, uint8_t byte)
{
    if (s->tx.count >= serial_fifo_capacity(s)) {
        log_guest_error("serial: THR written while the transmitter is full, byte lost");
        return;
    }
    serial_fifo_push(&s->tx, byte);
    s->thr_ipending = false;
    /* Let the line drop before THRE comes back, so an edge-triggered PIC sees it. */
    serial_update_irq(s);
    if (!timer_pending(&s->tx_retry_timer)) {
        serial_tx_drain(s);
    }
}

/* ---- modem control and status ---- */

static uint8_t serial_modem_inputs(const SerialState *s)
{
    if (!(s->mcr & MCR_LOOP)) {
        return SERIAL_EXTERNAL_INPUTS;
    }
    uint8_t in = 0;
    in |= (s->mcr & MCR_RTS) ? MSR_CTS : 0;
    in |= (s->mcr & MCR_DTR) ? MSR_DSR : 0;
    in |= (s->mcr & MCR_OUT1) ? MSR_RI : 0;
    in |= (s->mcr & MCR_OUT2) ? MSR_DCD : 0;
    return in;
}

static void serial_set_modem_inputs(SerialState *s, uint8_t in)
{
    uint8_t changed = (s->msr ^ in) & MSR_INPUTS;
    uint8_t deltas = 0;
    deltas |= (changed & MSR_CTS) ? MSR_DCTS : 0;
    deltas |= (changed & MSR_DSR) ? MSR_DDSR : 0;
    deltas |= (changed & MSR_DCD) ? MSR_DDCD : 0;
    /* RI only reports its trailing edge (on -> off). */
    deltas |= (changed & MSR_RI) && !(in & MSR_RI) ? MSR_TERI : 0;
    s->msr = (s->msr & MSR_DELTAS) | deltas | in;
}

/* ---- register writes ---- */

static void serial_write_ier(SerialState *s, uint8_t val)
{
    bool etbei_rising = (val & IER_ETBEI) && !(s->ier & IER_ETBEI);
    s->ier = val & IER_MASK;
    if (!(s->ier & IER_ETBEI)) {
        s->thr_ipending = false;
    } else if (etbei_rising && s->tx.count == 0) {
        /* Linux's 8250 driver relies on this to start transmitting. */
        s->thr_ipending = true;
    }
}

static void serial_write_fcr(SerialState *s, uint8_t val)
{
    if (!(val & FCR_FIFOE)) {
        val = 0; /* the other bits are only programmed together with FIFOE */
    }
    if ((val ^ s->fcr) & FCR_FIFOE) {
        val |= FCR_RFRST | FCR_XFRST; /* changing mode empties both FIFOs */
    }
    s->fcr = val & (FCR_FIFOE | FCR_DMA | FCR_TRIGGER);
    if (val & FCR_RFRST) {
        serial_rx_reset(s);
    }
    if (val & FCR_XFRST) {
        serial_tx_reset(s);
    }
}

static void serial_write_mcr(SerialState *s, uint8_t val)
{
    s->mcr = val & MCR_MASK;
    serial_set_modem_inputs(s, serial_modem_inputs(s));
}

static void serial_write_divisor(SerialState *s, unsigned offset, uint8_t val)
{
    if (offset == UART_DLL) {
        s->divisor = (s->divisor & 0xff00) | val;
    } else {
        s->divisor = (s->divisor & 0x00ff) | (val << 8);
    }
}

static void serial_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    SerialState *s = opaque;
    uint8_t val = value;

    log_mask_printf(LOG_IOPORT, "serial: write reg %u = 0x%02x\n", (unsigned)offset, val);
    if (offset <= UART_DLM && (s->lcr & LCR_DLAB)) {
        serial_write_divisor(s, offset, val);
        return;
    }
    switch (offset) {
    case UART_THR: serial_write_thr(s, val); break;
    case UART_IER: serial_write_ier(s, val); break;
    case UART_FCR: serial_write_fcr(s, val); break;
    case UART_LCR: s->lcr = val; break;
    case UART_MCR: serial_write_mcr(s, val); break;
    case UART_LSR:
    case UART_MSR:
        /* Read-only on the 16550A (writable only in the factory test mode). */
        break;
    case UART_SCR: s->scr = val; break;
    }
    serial_update_irq(s);
}

/* ---- register reads ---- */

static uint8_t serial_read_iir(SerialState *s)
{
    uint8_t id = serial_interrupt_id(s);
    if (id == IIR_THRE) {
        s->thr_ipending = false; /* reading IIR is how the THRE interrupt is taken */
    }
    return id | (serial_fifo_enabled(s) ? IIR_FIFOS : 0);
}

static uint8_t serial_read_lsr(SerialState *s)
{
    uint8_t lsr = s->lsr_errors;
    lsr |= s->rx.count > 0 ? LSR_DR : 0;
    lsr |= s->tx.count == 0 ? LSR_THRE | LSR_TEMT : 0;
    lsr |= serial_fifo_enabled(s) && serial_rx_has_errors(s) ? LSR_RXFERR : 0;
    s->lsr_errors = 0;
    return lsr;
}

static uint8_t serial_read_msr(SerialState *s)
{
    uint8_t msr = s->msr;
    s->msr &= ~MSR_DELTAS;
    return msr;
}

static uint8_t serial_read_reg(SerialState *s, unsigned offset)
{
    if (offset <= UART_DLM && (s->lcr & LCR_DLAB)) {
        return offset == UART_DLL ? s->divisor & 0xff : s->divisor >> 8;
    }
    switch (offset) {
    case UART_RBR: return serial_read_rbr(s);
    case UART_IER: return s->ier;
    case UART_IIR: return serial_read_iir(s);
    case UART_LCR: return s->lcr;
    case UART_MCR: return s->mcr;
    case UART_LSR: return serial_read_lsr(s);
    case UART_MSR: return serial_read_msr(s);
    default: return s->scr;
    }
}

static uint64_t serial_read(void *opaque, uint64_t offset, unsigned size)
{
    SerialState *s = opaque;
    uint8_t val = serial_read_reg(s, offset);

    serial_update_irq(s);
    log_mask_printf(LOG_IOPORT, "serial: read reg %u = 0x%02x\n", (unsigned)offset, val);
    return val;
}

const MemoryRegionOps serial_io_ops = {
    .read = serial_read,
    .write = serial_write,
    .min_size = 1,
    .max_size = 1,
};

/* ---- chardev frontend ---- */

static int serial_can_read(void *opaque)
{
    SerialState *s = opaque;
    if (s->mcr & MCR_LOOP) {
        return 0; /* SIN is disconnected in loopback: host input waits */
    }
    return serial_fifo_capacity(s) - s->rx.count;
}

static void serial_receive(void *opaque, const uint8_t *buf, int len)
{
    SerialState *s = opaque;
    for (int i = 0; i < len; i++) {
        serial_receive_byte(s, buf[i], 0);
    }
    serial_update_irq(s);
}

static void serial_event(void *opaque, int event)
{
    SerialState *s = opaque;
    if (event != CHR_EVENT_BREAK || (s->mcr & MCR_LOOP)) {
        return;
    }
    /* A break loads a single zero character flagged BI. */
    serial_receive_byte(s, 0, LSR_BI);
    serial_update_irq(s);
}

/* ---- life cycle ---- */

bool serial_realize(SerialState *s, Chardev *chr, const IRQ *irq, Error **errp)
{
    s->irq = irq;
    timer_init(&s->timeout_timer, CLOCK_VIRTUAL, serial_timeout_expired, s);
    timer_init(&s->tx_retry_timer, CLOCK_VIRTUAL, serial_tx_retry, s);
    if (!chr) {
        return true;
    }
    if (!char_fe_init(&s->fe, chr, true, errp)) {
        return false;
    }
    char_fe_set_handlers(&s->fe, serial_can_read, serial_receive, serial_event, s);
    return true;
}

void serial_unrealize(SerialState *s)
{
    timer_del(&s->timeout_timer);
    timer_del(&s->tx_retry_timer);
    if (s->fe.chr) {
        char_fe_deinit(&s->fe);
    }
}

void serial_reset(SerialState *s)
{
    serial_rx_reset(s);
    serial_fifo_clear(&s->tx);
    timer_del(&s->tx_retry_timer);
    s->ier = 0;
    s->fcr = 0;
    s->lcr = 0;
    s->mcr = 0;
    s->msr = SERIAL_EXTERNAL_INPUTS;
    s->scr = 0;
    s->lsr_errors = 0;
    s->divisor = SERIAL_RESET_DIVISOR;
    s->thr_ipending = false;
    serial_update_irq(s);
}

bool serial_post_load(SerialState *s, Error **errp)
{
    unsigned cap = serial_fifo_capacity(s);
    if (s->rx.head >= SERIAL_FIFO_SIZE || s->rx.count > cap ||
        s->tx.head >= SERIAL_FIFO_SIZE || s->tx.count > cap) {
        error_setg(errp, "serial: inconsistent FIFO state (rx %u@%u, tx %u@%u)",
                   s->rx.count, s->rx.head, s->tx.count, s->tx.head);
        /* Whatever the caller does next, the FIFO code must not index out of range. */
        serial_rx_reset(s);
        serial_fifo_clear(&s->tx);
        return false;
    }
    return true;
}

static const VMStateField serial_fifo_fields[] = {
    VMSTATE_UINT8_ARRAY(data, SerialFifo, SERIAL_FIFO_SIZE),
    VMSTATE_UINT8(head, SerialFifo),
    VMSTATE_UINT8(count, SerialFifo),
    VMSTATE_END_OF_LIST(),
};

static const VMStateDescription vmstate_serial_fifo = {
    .name = "serial-fifo",
    .version = 1,
    .fields = serial_fifo_fields,
};

static const VMStateField serial_fields[] = {
    VMSTATE_UINT8(ier, SerialState),
    VMSTATE_UINT8(fcr, SerialState),
    VMSTATE_UINT8(lcr, SerialState),
    VMSTATE_UINT8(mcr, SerialState),
    VMSTATE_UINT8(msr, SerialState),
    VMSTATE_UINT8(scr, SerialState),
    VMSTATE_UINT8(lsr_errors, SerialState),
    VMSTATE_UINT16(divisor, SerialState),
    VMSTATE_STRUCT(rx, SerialState, vmstate_serial_fifo),
    VMSTATE_STRUCT(tx, SerialState, vmstate_serial_fifo),
    VMSTATE_UINT8_ARRAY(rx_err, SerialState, SERIAL_FIFO_SIZE),
    VMSTATE_BOOL(thr_ipending, SerialState),
    VMSTATE_BOOL(timeout_ipending, SerialState),
    VMSTATE_BOOL(irq_level, SerialState),
    VMSTATE_TIMER(timeout_timer, SerialState),
    VMSTATE_TIMER(tx_retry_timer, SerialState),
    VMSTATE_END_OF_LIST(),
};

const VMStateDescription vmstate_serial = {
    .name = "serial",
    .version = 1,
    .fields = serial_fields,
};

/* ---- isa-serial: the UART on the ISA bus, at a COM port's base and IRQ ---- */

#define SERIAL_ISA_INDEX_AUTO UINT32_MAX

typedef struct SerialISA {
    DeviceState dev;
    uint32_t index;  /* COM1..COM4 as 0..3 */
    uint32_t iobase; /* 0: from index */
    uint32_t irq;    /* 0: from index */
    Chardev *chr;
    SerialState uart;
    MemoryRegion io;
    AddressSpace *io_space;
} SerialISA;

static const struct {
    uint16_t iobase;
    uint8_t irq;
} serial_isa_com_ports[] = {
    {0x3f8, 4},
    {0x2f8, 3},
    {0x3e8, 4},
    {0x2e8, 3},
};

static const DeviceInfo serial_isa_info;

static bool serial_isa_com_port_taken(Machine *m, uint32_t index)
{
    for (guint i = 0; i < m->devices->len; i++) {
        SerialISA *other = g_ptr_array_index(m->devices, i);
        if (other->dev.info == &serial_isa_info &&
            other->iobase == serial_isa_com_ports[index].iobase) {
            return true;
        }
    }
    return false;
}

static bool serial_isa_check_port(SerialISA *isa, Error **errp)
{
    if (isa->irq >= ISA_NUM_IRQS || isa->iobase > 0x10000 - SERIAL_NUM_REGS) {
        error_setg(errp, "iobase 0x%x / irq %u do not fit the ISA bus", isa->iobase,
                   isa->irq);
        return false;
    }
    return true;
}

/* Like QEMU: without index=, take the lowest COM port no other isa-serial has. */
static bool serial_isa_pick_index(SerialISA *isa, Machine *m, Error **errp)
{
    for (uint32_t i = 0; i < ARRAY_SIZE(serial_isa_com_ports); i++) {
        if (!serial_isa_com_port_taken(m, i)) {
            isa->index = i;
            return true;
        }
    }
    error_setg(errp, "all %zu COM ports are taken; give iobase= and irq=",
               ARRAY_SIZE(serial_isa_com_ports));
    return false;
}

static bool serial_isa_resolve_port(SerialISA *isa, Machine *m, Error **errp)
{
    if (isa->iobase && isa->irq) {
        return serial_isa_check_port(isa, errp);
    }
    if (isa->index == SERIAL_ISA_INDEX_AUTO && !serial_isa_pick_index(isa, m, errp)) {
        return false;
    }
    if (isa->index >= ARRAY_SIZE(serial_isa_com_ports)) {
        error_setg(errp, "index %u is out of range (0 to %zu)", isa->index,
                   ARRAY_SIZE(serial_isa_com_ports) - 1);
        return false;
    }
    isa->iobase = isa->iobase ? isa->iobase : serial_isa_com_ports[isa->index].iobase;
    isa->irq = isa->irq ? isa->irq : serial_isa_com_ports[isa->index].irq;
    return serial_isa_check_port(isa, errp);
}

static bool serial_isa_realize(DeviceState *dev, Machine *m, Error **errp)
{
    SerialISA *isa = (SerialISA *)dev;
    if (!serial_isa_resolve_port(isa, m, errp) ||
        !serial_realize(&isa->uart, isa->chr, &m->isa_irq[isa->irq], errp)) {
        return false;
    }
    memory_region_init_io(&isa->io, "serial", &serial_io_ops, &isa->uart,
                          SERIAL_NUM_REGS);
    address_space_map(&m->io, isa->iobase, &isa->io, 0);
    isa->io_space = &m->io;
    return true;
}

static void serial_isa_unrealize(DeviceState *dev)
{
    SerialISA *isa = (SerialISA *)dev;
    address_space_unmap(isa->io_space, &isa->io);
    memory_region_destroy(&isa->io);
    serial_unrealize(&isa->uart);
}

static void serial_isa_reset(DeviceState *dev)
{
    serial_reset(&((SerialISA *)dev)->uart);
}

static bool serial_isa_post_load(void *opaque, Error **errp)
{
    return serial_post_load(&((SerialISA *)opaque)->uart, errp);
}

static const VMStateField serial_isa_fields[] = {
    VMSTATE_STRUCT(uart, SerialISA, vmstate_serial),
    VMSTATE_END_OF_LIST(),
};

static const VMStateDescription vmstate_serial_isa = {
    .name = "isa-serial",
    .version = 1,
    .fields = serial_isa_fields,
    .post_load = serial_isa_post_load,
};

static const Property serial_isa_props[] = {
    DEFINE_PROP("index", SerialISA, index, PROP_U32, "0xffffffff",
                "COM port 0-3, choosing iobase and irq (default: the next free one)"),
    DEFINE_PROP("iobase", SerialISA, iobase, PROP_U32, NULL,
                "I/O base (default: the COM port's, 0x3f8 for COM1)"),
    DEFINE_PROP("irq", SerialISA, irq, PROP_U32, NULL,
                "ISA IRQ line (default: the COM port's, 4 for COM1)"),
    DEFINE_PROP("chardev", SerialISA, chr, PROP_CHARDEV, NULL, "backend id"),
    DEFINE_PROP_END(),
};

static const DeviceInfo serial_isa_info = {
    .name = "isa-serial",
    .desc = "16550A UART on the ISA bus",
    .instance_size = sizeof(SerialISA),
    .props = serial_isa_props,
    .user_creatable = true,
    .realize = serial_isa_realize,
    .reset = serial_isa_reset,
    .unrealize = serial_isa_unrealize,
    .vmsd = &vmstate_serial_isa,
};
DEVICE_REGISTER(serial_isa_info)
