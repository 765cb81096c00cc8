/* Two Intel 8259A PICs, cascaded as in a PC, after the 8259A datasheet; PIIX ELCR. */
/*
 * Each chip's IRR follows its inputs as the datasheet's priority cell does: an edge
 * triggered IR sets its IRR bit on a rising edge and loses it when the input drops
 * (so a request that vanishes before INTA becomes the spurious IR7), a level
 * triggered one mirrors the input. The slave's INT output is the master's IR2 input.
 * Everything happens at the instant of the port access or input change: the chip has
 * no timing of its own.
 */
#include "hw/intc/i8259.h"
#include "hw/machine.h"
#include "util/log.h"

#define PIC_CASCADE_IRQ 2 /* the PC wires the slave's INT to master IR2 */

#define ICW1_IC4  0x01 /* IC4: ICW4 needed */
#define ICW1_SNGL 0x02 /* SNGL: single, no ICW3 */
#define ICW1_LTIM 0x08 /* LTIM: level triggered mode */
#define ICW1_INIT 0x10 /* D4 = 1 with A0 = 0: ICW1 */

#define ICW4_UPM  0x01 /* uPM: 8086/8088 mode */
#define ICW4_AEOI 0x02 /* AEOI: automatic end of interrupt */
#define ICW4_SFNM 0x10 /* SFNM: special fully nested mode */

#define OCW2_EOI       0x20 /* EOI: end of interrupt */
#define OCW2_SL        0x40 /* SL: specific level */
#define OCW2_R         0x80 /* R: rotation */
#define OCW2_LEVEL     0x07 /* L2-L0: IR level */
#define OCW3_SELECT    0x08 /* D3 = 1, D4 = 0 with A0 = 0: OCW3 */
#define OCW3_RIS       0x01 /* RIS: read IS register (with RR) */
#define OCW3_RR        0x02 /* RR: read register command */
#define OCW3_P         0x04 /* P: poll command */
#define OCW3_SMM       0x20 /* SMM: special mask mode (with ESMM) */
#define OCW3_ESMM      0x40 /* ESMM: enable special mask mode */
#define POLL_INTERRUPT 0x80 /* poll word I: an interrupt is pending */

/* PIIX3 ELCR1/ELCR2: IRQ 0, 1, 2, 8 and 13 are edge triggered by wiring. */
#define ELCR1_MASK 0xf8
#define ELCR2_MASK 0xde

/* ---- priority resolution ---- */

/* 0 is the highest priority, 7 the lowest. */
static int i8259_priority(const I8259Chip *c, int irq)
{
    return (irq - c->lowest - 1) & 7;
}

/* The IR of highest priority among the bits of mask, or -1. */
static int i8259_highest(const I8259Chip *c, uint8_t mask)
{
    for (int p = 0; p < 8; p++) {
        int irq = (c->lowest + 1 + p) & 7;
        if (mask & (1u << irq)) {
            return irq;
        }
    }
    return -1;
}

static bool i8259_is_cascade(const I8259Chip *c, int irq)
{
    return c->is_master && !c->single && (c->icw3 & (1u << irq));
}

/*
 * In special fully nested mode the master lets a slave interrupt a service routine
 * of that same slave, so the slave's higher priority requests get through.
 */
static bool i8259_nests(const I8259Chip *c, int req, int cur)
{
    return c->sfnm && req == cur && i8259_is_cascade(c, req);
}

/* The request INT stands for, or -1. */
static int i8259_pending_irq(const I8259Chip *c)
{
    uint8_t requests = c->irr & ~c->imr;
    if (c->special_mask) {
        /* Only an IR's own ISR bit inhibits it; masks select the rest. */
        return i8259_highest(c, requests & ~c->isr);
    }
    int req = i8259_highest(c, requests);
    int cur = i8259_highest(c, c->isr);
    if (req < 0) {
        return -1;
    }
    if (cur < 0 || i8259_priority(c, req) < i8259_priority(c, cur) ||
        i8259_nests(c, req, cur)) {
        return req;
    }
    return -1;
}

/* ---- inputs and outputs ---- */

static bool i8259_level_triggered(const I8259Chip *c, int irq)
{
    return c->ltim || (c->elcr & (1u << irq));
}

static uint8_t i8259_level_mask(const I8259Chip *c)
{
    return c->ltim ? 0xff : c->elcr;
}

static void i8259_chip_set_input(I8259Chip *c, int irq, bool level)
{
    uint8_t bit = 1u << irq;
    bool rising = level && !(c->pins & bit);

    if (!level) {
        c->irr &= ~bit; /* edge or level, a request that drops vanishes */
    } else if (rising || i8259_level_triggered(c, irq)) {
        c->irr |= bit;
    }
    c->pins = level ? c->pins | bit : c->pins & ~bit;
}

/* Recompute both INT pins after any change: slave first, it feeds the master. */
static void i8259_update(PICState *s)
{
    s->slave.int_out = i8259_pending_irq(&s->slave) >= 0;
    i8259_chip_set_input(&s->master, PIC_CASCADE_IRQ, s->slave.int_out);
    s->master.int_out = i8259_pending_irq(&s->master) >= 0;
    if (s->master.int_out != s->intr_level) {
        s->intr_level = s->master.int_out;
        irq_set(&s->intr, s->intr_level);
    }
}

void i8259_set_irq(void *opaque, int n, int level)
{
    PICState *s = opaque;
    assert(n >= 0 && n < 16);
    if (n == PIC_CASCADE_IRQ) {
        log_guest_error("i8259: ISA IRQ 2 is the cascade input; the level is ignored");
        return;
    }
    i8259_chip_set_input(n < 8 ? &s->master : &s->slave, n & 7, level);
    i8259_update(s);
}

/* ---- acknowledge ---- */

static void i8259_chip_ack(I8259Chip *c, int irq)
{
    uint8_t bit = 1u << irq;

    if (!c->auto_eoi) {
        c->isr |= bit;
    } else if (c->rotate_aeoi) {
        c->lowest = irq;
    }
    if (!i8259_level_triggered(c, irq)) {
        c->irr &= ~bit; /* the edge is consumed; a level input requests on */
    }
}

static uint8_t i8259_spurious_vector(const I8259Chip *c)
{
    return c->vector_base | 7;
}

static int i8259_ack_slave(PICState *s)
{
    int irq = i8259_pending_irq(&s->slave);
    if (irq < 0) {
        return i8259_spurious_vector(&s->slave);
    }
    i8259_chip_ack(&s->slave, irq);
    return s->slave.vector_base | irq;
}

int i8259_acknowledge(PICState *s)
{
    int irq = i8259_pending_irq(&s->master);
    int vector;

    if (irq < 0) {
        vector = i8259_spurious_vector(&s->master);
    } else {
        i8259_chip_ack(&s->master, irq);
        vector = i8259_is_cascade(&s->master, irq) ? i8259_ack_slave(s)
                                                   : s->master.vector_base | irq;
    }
    i8259_update(s);
    return vector;
}

int i8259_cpu_get_irq(void *opaque)
{
    return i8259_acknowledge(opaque);
}

bool i8259_intr_pending(const PICState *s)
{
    return s->master.int_out;
}

/* Poll command: the read is an INTA for this chip alone. */
static uint8_t i8259_poll(I8259Chip *c)
{
    int irq = i8259_pending_irq(c);

    c->poll = false;
    if (irq < 0) {
        return 0;
    }
    i8259_chip_ack(c, irq);
    return POLL_INTERRUPT | irq;
}

/* ---- commands ---- */

static void i8259_eoi(I8259Chip *c, int irq, bool rotate)
{
    c->isr &= ~(1u << irq);
    if (rotate) {
        c->lowest = irq;
    }
}

/* In special mask mode a masked IS bit is not the non-specific EOI's target. */
static void i8259_nonspecific_eoi(I8259Chip *c, bool rotate)
{
    int irq = i8259_highest(c, c->special_mask ? c->isr & ~c->imr : c->isr);
    if (irq >= 0) {
        i8259_eoi(c, irq, rotate);
    }
}

static void i8259_write_ocw2(I8259Chip *c, uint8_t val)
{
    int level = val & OCW2_LEVEL;

    switch (val & (OCW2_R | OCW2_SL | OCW2_EOI)) {
    case OCW2_EOI: i8259_nonspecific_eoi(c, false); break;
    case OCW2_R | OCW2_EOI: i8259_nonspecific_eoi(c, true); break;
    case OCW2_SL | OCW2_EOI: i8259_eoi(c, level, false); break;
    case OCW2_R | OCW2_SL | OCW2_EOI: i8259_eoi(c, level, true); break;
    case OCW2_R | OCW2_SL: c->lowest = level; break;
    case OCW2_R: c->rotate_aeoi = true; break;
    case 0: c->rotate_aeoi = false; break;
    default: break; /* SL alone: no operation */
    }
}

static void i8259_write_ocw3(I8259Chip *c, uint8_t val)
{
    if (val & OCW3_ESMM) {
        c->special_mask = val & OCW3_SMM;
    }
    if (val & OCW3_RR) {
        c->read_isr = val & OCW3_RIS;
    }
    c->poll = val & OCW3_P;
}

static void i8259_write_icw1(I8259Chip *c, uint8_t val)
{
    c->isr = 0;
    c->imr = 0;
    c->lowest = 7;
    c->special_mask = false;
    c->read_isr = false;
    c->poll = false;
    c->rotate_aeoi = false;
    c->auto_eoi = false;
    c->sfnm = false;
    c->icw3 = c->is_master ? 0 : 7;
    c->icw4_needed = val & ICW1_IC4;
    c->single = val & ICW1_SNGL;
    c->ltim = val & ICW1_LTIM;
    /* The edge sense latches reset: inputs already high must rise again. */
    c->irr = c->pins & i8259_level_mask(c);
    c->init_step = 2;
}

static void i8259_write_icw4(I8259Chip *c, uint8_t val)
{
    if (!(val & ICW4_UPM)) {
        log_unimp("i8259: MCS-80/85 mode (ICW4 uPM=0) is not supported; using 8086 mode");
    }
    c->auto_eoi = val & ICW4_AEOI;
    c->sfnm = c->is_master && (val & ICW4_SFNM);
}

/* The init sequence: ICW2, then ICW3 unless single, then ICW4 if IC4 asked for it. */
static void i8259_write_icw(I8259Chip *c, uint8_t val)
{
    switch (c->init_step) {
    case 2:
        c->vector_base = val & 0xf8;
        c->init_step = !c->single ? 3 : c->icw4_needed ? 4 : 0;
        break;
    case 3:
        c->icw3 = val;
        c->init_step = c->icw4_needed ? 4 : 0;
        break;
    default:
        i8259_write_icw4(c, val);
        c->init_step = 0;
        break;
    }
}

static void i8259_write_command(I8259Chip *c, uint8_t val)
{
    if (val & ICW1_INIT) {
        i8259_write_icw1(c, val);
    } else if (val & OCW3_SELECT) {
        i8259_write_ocw3(c, val);
    } else {
        i8259_write_ocw2(c, val);
    }
}

/* ---- ports ---- */

static void i8259_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    I8259Chip *c = opaque;
    uint8_t val = value;

    log_mask_printf(LOG_IOPORT, "i8259 %s: write %u = 0x%02x\n",
                    c->is_master ? "master" : "slave", (unsigned)offset, val);
    if (offset == 0) {
        i8259_write_command(c, val);
    } else if (c->init_step) {
        i8259_write_icw(c, val);
    } else {
        c->imr = val;
    }
    i8259_update(c->pic);
}

static uint64_t i8259_read(void *opaque, uint64_t offset, unsigned size)
{
    I8259Chip *c = opaque;
    uint8_t val;

    if (c->poll) {
        val = i8259_poll(c);
        i8259_update(c->pic);
    } else if (offset == 0) {
        val = c->read_isr ? c->isr : c->irr;
    } else {
        val = c->imr;
    }
    log_mask_printf(LOG_IOPORT, "i8259 %s: read %u = 0x%02x\n",
                    c->is_master ? "master" : "slave", (unsigned)offset, val);
    return val;
}

static const MemoryRegionOps i8259_ops = {
    .read = i8259_read,
    .write = i8259_write,
    .min_size = 1,
    .max_size = 1,
};

static I8259Chip *i8259_elcr_chip(PICState *s, uint64_t offset)
{
    return offset == 0 ? &s->master : &s->slave;
}

static void i8259_elcr_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    I8259Chip *c = i8259_elcr_chip(opaque, offset);

    c->elcr = value & c->elcr_mask;
    /* Inputs that became level triggered request while they are high. */
    c->irr |= c->pins & i8259_level_mask(c);
    i8259_update(opaque);
}

static uint64_t i8259_elcr_read(void *opaque, uint64_t offset, unsigned size)
{
    return i8259_elcr_chip(opaque, offset)->elcr;
}

static const MemoryRegionOps i8259_elcr_ops = {
    .read = i8259_elcr_read,
    .write = i8259_elcr_write,
    .min_size = 1,
    .max_size = 1,
};

/* ---- wiring ---- */

static void i8259_isa_irq(void *opaque, int n, int level)
{
    PICState *s = opaque;
    uint16_t bit = 1u << n;

    s->machine->isa_irq_level =
        level ? s->machine->isa_irq_level | bit : s->machine->isa_irq_level & ~bit;
    i8259_set_irq(s, n, level);
}

void i8259_connect_isa_irqs(PICState *s, Machine *m)
{
    s->machine = m;
    for (int n = 0; n < ISA_NUM_IRQS; n++) {
        if (n == PIC_CASCADE_IRQ) {
            continue;
        }
        irq_init(&m->isa_irq[n], i8259_isa_irq, s, n);
        if (m->isa_irq_level & (1u << n)) {
            i8259_set_irq(s, n, 1);
        }
    }
}

void i8259_connect_intr(PICState *s, IRQHandler *handler, void *opaque)
{
    irq_init(&s->intr, handler, opaque, 0);
    irq_set(&s->intr, s->intr_level);
}

static const DeviceInfo i8259_info;

PICState *i8259_find(Machine *m)
{
    for (guint i = 0; i < m->devices->len; i++) {
        DeviceState *dev = g_ptr_array_index(m->devices, i);
        if (dev->info == &i8259_info) {
            return (PICState *)dev;
        }
    }
    return NULL;
}

/* ---- life cycle ---- */

static void i8259_chip_init(I8259Chip *c, PICState *s, bool is_master)
{
    c->pic = s;
    c->is_master = is_master;
    c->elcr_mask = is_master ? ELCR1_MASK : ELCR2_MASK;
}

static bool i8259_realize(DeviceState *dev, Machine *m, Error **errp)
{
    PICState *s = (PICState *)dev;

    i8259_chip_init(&s->master, s, true);
    i8259_chip_init(&s->slave, s, false);
    memory_region_init_io(&s->io_master, "i8259-master", &i8259_ops, &s->master, 2);
    memory_region_init_io(&s->io_slave, "i8259-slave", &i8259_ops, &s->slave, 2);
    memory_region_init_io(&s->io_elcr, "i8259-elcr", &i8259_elcr_ops, s, 2);
    address_space_map(&m->io, 0x20, &s->io_master, 0);
    address_space_map(&m->io, 0xa0, &s->io_slave, 0);
    address_space_map(&m->io, 0x4d0, &s->io_elcr, 0);
    s->io_space = &m->io;
    return true;
}

static void i8259_unrealize(DeviceState *dev)
{
    PICState *s = (PICState *)dev;
    MemoryRegion *regions[] = {&s->io_master, &s->io_slave, &s->io_elcr};

    for (size_t i = 0; i < ARRAY_SIZE(regions); i++) {
        address_space_unmap(s->io_space, regions[i]);
        memory_region_destroy(regions[i]);
    }
}

/* Power-on: uninitialised and fully masked; input levels are the devices' to keep. */
static void i8259_chip_reset(I8259Chip *c)
{
    uint8_t pins = c->pins;
    PICState *s = c->pic;
    bool is_master = c->is_master;

    *c = (I8259Chip){.pins = pins, .imr = 0xff, .lowest = 7};
    i8259_chip_init(c, s, is_master);
    c->icw3 = is_master ? 1u << PIC_CASCADE_IRQ : PIC_CASCADE_IRQ;
}

static void i8259_reset(DeviceState *dev)
{
    PICState *s = (PICState *)dev;

    i8259_chip_reset(&s->master);
    i8259_chip_reset(&s->slave);
    i8259_update(s);
}

static const VMStateField i8259_chip_fields[] = {
    VMSTATE_UINT8(irr, I8259Chip),       VMSTATE_UINT8(isr, I8259Chip),
    VMSTATE_UINT8(imr, I8259Chip),       VMSTATE_UINT8(pins, I8259Chip),
    VMSTATE_UINT8(elcr, I8259Chip),      VMSTATE_UINT8(vector_base, I8259Chip),
    VMSTATE_UINT8(icw3, I8259Chip),      VMSTATE_UINT8(lowest, I8259Chip),
    VMSTATE_UINT8(init_step, I8259Chip), VMSTATE_BOOL(icw4_needed, I8259Chip),
    VMSTATE_BOOL(single, I8259Chip),     VMSTATE_BOOL(ltim, I8259Chip),
    VMSTATE_BOOL(auto_eoi, I8259Chip),   VMSTATE_BOOL(rotate_aeoi, I8259Chip),
    VMSTATE_BOOL(sfnm, I8259Chip),       VMSTATE_BOOL(special_mask, I8259Chip),
    VMSTATE_BOOL(read_isr, I8259Chip),   VMSTATE_BOOL(poll, I8259Chip),
    VMSTATE_BOOL(int_out, I8259Chip),    VMSTATE_END_OF_LIST(),
};

static const VMStateDescription vmstate_i8259_chip = {
    .name = "i8259-chip",
    .version = 1,
    .fields = i8259_chip_fields,
};

static bool i8259_post_load(void *opaque, Error **errp)
{
    PICState *s = opaque;
    I8259Chip *chips[] = {&s->master, &s->slave};

    for (size_t i = 0; i < ARRAY_SIZE(chips); i++) {
        I8259Chip *c = chips[i];
        c->lowest &= 7;
        c->elcr &= c->elcr_mask;
        if (c->init_step == 1 || c->init_step > 4) {
            error_setg(errp, "i8259: bad init step %u", c->init_step);
            c->init_step = 0;
            return false;
        }
    }
    return true;
}

static const VMStateField i8259_fields[] = {
    VMSTATE_STRUCT(master, PICState, vmstate_i8259_chip),
    VMSTATE_STRUCT(slave, PICState, vmstate_i8259_chip),
    VMSTATE_BOOL(intr_level, PICState),
    VMSTATE_END_OF_LIST(),
};

static const VMStateDescription vmstate_i8259 = {
    .name = "i8259",
    .version = 1,
    .fields = i8259_fields,
    .post_load = i8259_post_load,
};

static const DeviceInfo i8259_info = {
    .name = "i8259",
    .desc = "master and slave 8259A PICs with the PIIX ELCR",
    .instance_size = sizeof(PICState),
    .realize = i8259_realize,
    .reset = i8259_reset,
    .unrealize = i8259_unrealize,
    .vmsd = &vmstate_i8259,
};
DEVICE_REGISTER(i8259_info)
