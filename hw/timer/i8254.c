/* Intel 8254 programmable interval timer, after the 82C54 datasheet (Intel 231244). */
/*
 * How counting is modelled
 *
 * The input clock is the PC's 1.193182 MHz: edge k falls at ceil(k * 1e9 / f) ns of
 * CLOCK_VIRTUAL, so "now" is an edge index T = floor(ns * f / 1e9), computed in 128
 * bits. A counter never ticks one edge at a time; it keeps an anchor, the edge
 * after which its counting element (CE) held anchor_count, and everything at a later
 * edge T is arithmetic on e = T - anchor (the edges counted since):
 *
 *   modes 0, 1  CE = anchor_count - e, OUT high once e reaches anchor_count
 *   modes 4, 5  the same CE, OUT low for the one edge where e == anchor_count
 *   modes 2, 3  position p = (phase + e) mod period; mode 2's OUT is low at
 *               p == period - 1, mode 3's is high for the first (period + 1) / 2
 *
 * A count written between edges T and T+1 is loaded at edge T+1 (anchor = T+1),
 * so mode 0's OUT rises N+1 edges after the write, as the datasheet says. When the
 * gate stops a counter, the CE is re-anchored at the current edge and frozen; when
 * it resumes, counting continues from the next edge. A count rewritten in mode 2 or
 * 3 waits for the end of the current period (half period in mode 3): switch_tick.
 *
 * Only counter 0 drives an IRQ, so only it has a timer, armed for its next OUT
 * edge; counters 1 and 2 are evaluated when read.
 */
#include "hw/timer/i8254.h"
#include "hw/machine.h"
#include "util/log.h"

#define PIT_IOBASE       0x40
#define PIT_PORT_CONTROL 3

#define CW_BCD  0x01 /* BCD */
#define CW_MODE 0x0e /* M2, M1, M0 */
#define CW_RW   0x30 /* RW1, RW0 */
#define CW_SC   0xc0 /* SC1, SC0 */

#define RB_COUNT_N  0x20          /* read-back: COUNT, active low */
#define RB_STATUS_N 0x10          /* read-back: STATUS, active low */
#define RB_CNT(i)   (0x02 << (i)) /* read-back: CNT0, CNT1, CNT2 */

#define STATUS_OUTPUT     0x80 /* OUTPUT */
#define STATUS_NULL_COUNT 0x40 /* NULL COUNT */

enum { PIT_RW_LATCH = 0, PIT_RW_LSB = 1, PIT_RW_MSB = 2, PIT_RW_WORD = 3 };
enum { PIT_SC_READ_BACK = 3 };

/* ---- clock ---- */

int64_t pit_ns_to_ticks(int64_t ns)
{
    return (int64_t)((__int128)ns * PIT_FREQ_HZ / NANOSECONDS_PER_SECOND);
}

int64_t pit_ticks_to_ns(int64_t tick)
{
    __int128 scaled = (__int128)tick * NANOSECONDS_PER_SECOND;
    return (int64_t)((scaled + PIT_FREQ_HZ - 1) / PIT_FREQ_HZ);
}

static int64_t pit_now(void)
{
    return pit_ns_to_ticks(clock_get_ns(CLOCK_VIRTUAL));
}

/* ---- counts ---- */

static int pit_mode(const PITChannel *ch)
{
    return ch->mode_bits > 5 ? ch->mode_bits - 4 : ch->mode_bits;
}

static bool pit_is_periodic(const PITChannel *ch)
{
    return pit_mode(ch) == 2 || pit_mode(ch) == 3;
}

static uint32_t pit_modulus(const PITChannel *ch)
{
    return ch->bcd ? 10000 : 65536;
}

static uint32_t pit_from_bcd(uint16_t bcd)
{
    uint32_t val = 0;
    for (int shift = 12; shift >= 0; shift -= 4) {
        unsigned digit = (bcd >> shift) & 0xf;
        if (digit > 9) {
            log_guest_error("i8254: count 0x%04x is not BCD", bcd);
        }
        val = val * 10 + digit;
    }
    return val % 10000;
}

static uint16_t pit_to_bcd(uint32_t val)
{
    return (val / 1000 % 10) << 12 | (val / 100 % 10) << 8 | (val / 10 % 10) << 4 |
           val % 10;
}

/* CR as a number of edges: 0 stands for the maximum count. */
static uint32_t pit_initial_count(const PITChannel *ch)
{
    uint32_t n = ch->bcd ? pit_from_bcd(ch->count_reg) : ch->count_reg;
    return n ? n : pit_modulus(ch);
}

static uint32_t pit_high_len(uint32_t period)
{
    return (period + 1) / 2;
}

/* Edges counted since the anchor; negative while the load is still due. */
static int64_t pit_elapsed(const PITChannel *ch, int64_t T)
{
    int64_t e = T - ch->anchor;
    return ch->counting || e < 0 ? e : 0;
}

static uint32_t pit_period_pos(const PITChannel *ch, int64_t e)
{
    return (uint32_t)((ch->phase + (uint64_t)e) % ch->period);
}

/* Mode 3 counts down by two, each half period from N (N - 1 when N is odd). */
static uint32_t pit_square_ce(const PITChannel *ch, int64_t e)
{
    uint32_t n = ch->period, h = pit_high_len(n);
    uint32_t p = pit_period_pos(ch, e);
    uint32_t q = p < h ? p : p - h;
    return (n & 1 ? n - 1 : n) - 2 * q;
}

/* The CE's value as a number (0 .. modulus - 1). */
static uint32_t pit_ce(const PITChannel *ch, int64_t T)
{
    int64_t e = pit_elapsed(ch, T);
    uint32_t m = pit_modulus(ch);

    if (!ch->loaded || e < 0) {
        return ch->anchor_count % m;
    }
    switch (pit_mode(ch)) {
    case 2: return (ch->period - pit_period_pos(ch, e)) % m;
    case 3: return pit_square_ce(ch, e) % m;
    default: return (uint32_t)((ch->anchor_count + m - (uint64_t)e % m) % m);
    }
}

/* The CE as the guest reads it (BCD digits in BCD mode). */
static uint16_t pit_ce_reg(const PITChannel *ch, int64_t T)
{
    uint32_t v = pit_ce(ch, T);
    return ch->bcd ? pit_to_bcd(v) : v;
}

/* ---- OUT ---- */

static bool pit_periodic_out(const PITChannel *ch, uint32_t p)
{
    if (pit_mode(ch) == 3) {
        return p < pit_high_len(ch->period);
    }
    return ch->period == 1 || p != ch->period - 1;
}

static bool pit_out_at(const PITChannel *ch, int64_t T)
{
    int64_t e = pit_elapsed(ch, T);

    if (!ch->loaded) {
        return pit_mode(ch) != 0; /* the level the control word sets */
    }
    switch (pit_mode(ch)) {
    case 0:
    case 1: return ch->terminal_passed || e >= ch->anchor_count;
    case 4:
    case 5: return ch->terminal_passed || e != ch->anchor_count;
    default: return !ch->counting || e < 0 || pit_periodic_out(ch, pit_period_pos(ch, e));
    }
}

static int64_t pit_terminal_edge(const PITChannel *ch, int64_t T)
{
    int64_t tc = ch->anchor + ch->anchor_count;
    return !ch->terminal_passed && tc > T ? tc : INT64_MAX;
}

/* Modes 4 and 5: OUT falls at terminal count and rises one edge later. */
static int64_t pit_strobe_edge(const PITChannel *ch, int64_t T)
{
    int64_t tc = ch->anchor + ch->anchor_count;
    if (ch->terminal_passed || T > tc) {
        return INT64_MAX;
    }
    return T < tc ? tc : tc + 1;
}

static int64_t pit_periodic_edge(const PITChannel *ch, int64_t T)
{
    uint32_t n = ch->period;
    uint32_t h = pit_high_len(n);
    uint32_t p;

    if (T < ch->anchor) { /* OUT is high until the load */
        if (!pit_periodic_out(ch, ch->phase)) {
            return ch->anchor;
        }
        T = ch->anchor;
        p = ch->phase;
    } else {
        p = pit_period_pos(ch, T - ch->anchor);
    }
    if (n == 1) {
        return INT64_MAX; /* an illegal count: OUT just stays high */
    }
    if (pit_mode(ch) == 3) {
        return T + (p < h ? h - p : n - p);
    }
    return T + (p == n - 1 ? 1 : n - 1 - p);
}

/* The first edge after T at which OUT changes, or INT64_MAX. */
static int64_t pit_next_edge(const PITChannel *ch, int64_t T)
{
    if (!ch->loaded || !ch->counting) {
        return INT64_MAX;
    }
    switch (pit_mode(ch)) {
    case 0:
    case 1: return pit_terminal_edge(ch, T);
    case 4:
    case 5: return pit_strobe_edge(ch, T);
    default: return MIN(pit_periodic_edge(ch, T), ch->switch_tick);
    }
}

static void pit_update_out(PITChannel *ch, int64_t T)
{
    bool out = pit_out_at(ch, T);
    int64_t next;

    if (out != ch->out) {
        ch->out = out;
        irq_set(ch->irq, out);
    }
    if (!ch->irq) {
        return;
    }
    next = pit_next_edge(ch, T);
    if (next == INT64_MAX) {
        timer_del(&ch->timer);
    } else {
        timer_mod(&ch->timer, pit_ticks_to_ns(next));
    }
}

/* ---- state changes ---- */

/* Modes 2 and 3: the end of the period (or half) where a rewritten CR takes over. */
static void pit_apply_reload(PITChannel *ch, int64_t T)
{
    uint32_t n;

    if (T < ch->switch_tick) {
        return;
    }
    n = pit_initial_count(ch);
    ch->anchor = ch->switch_tick;
    ch->period = n;
    ch->phase = ch->switch_to_low ? pit_high_len(n) : 0;
    ch->switch_tick = INT64_MAX;
}

/* Move the anchor to edge T without changing what the counter does. */
static void pit_reanchor(PITChannel *ch, int64_t T)
{
    int64_t e = pit_elapsed(ch, T);
    bool passed;

    if (!ch->loaded || e <= 0) {
        return;
    }
    if (pit_is_periodic(ch)) {
        ch->phase = pit_period_pos(ch, e);
    } else {
        /* In modes 4 and 5 the strobe edge itself is not yet past. */
        passed = pit_mode(ch) <= 1 ? e >= ch->anchor_count : e > ch->anchor_count;
        ch->anchor_count = passed ? pit_ce(ch, T) : ch->anchor_count - e;
        ch->terminal_passed |= passed;
    }
    ch->anchor = T;
}

/* CR goes to the CE at the next edge. */
static void pit_start_count(PITChannel *ch, int64_t T)
{
    ch->loaded = true;
    ch->counting = pit_mode(ch) == 0 || pit_mode(ch) == 4 ? ch->gate : true;
    ch->terminal_passed = false;
    ch->anchor = T + 1;
    ch->anchor_count = pit_initial_count(ch);
    ch->period = ch->anchor_count;
    ch->phase = 0;
    ch->switch_tick = INT64_MAX;
    ch->null_until = T + 1;
}

static void pit_pause(PITChannel *ch, int64_t T)
{
    pit_reanchor(ch, T);
    ch->counting = false;
}

static void pit_resume(PITChannel *ch, int64_t T)
{
    ch->counting = true;
    ch->anchor = MAX(ch->anchor, T);
}

/* A new count while mode 2 or 3 runs: reload at the end of this period or half. */
static void pit_schedule_reload(PITChannel *ch, int64_t T)
{
    uint32_t n = ch->period, h = pit_high_len(n);
    uint32_t p = pit_period_pos(ch, T - ch->anchor);

    if (ch->switch_tick == INT64_MAX) {
        bool in_high = pit_mode(ch) == 3 && p < h;
        ch->switch_tick = T + (in_high ? h - p : n - p);
        ch->switch_to_low = in_high;
    }
    ch->null_until = ch->switch_tick;
}

static void pit_write_periodic_count(PITChannel *ch, int64_t T)
{
    if (!ch->gate) {
        ch->null_until = INT64_MAX; /* loaded when the gate rises */
    } else if (!ch->loaded || !ch->counting || T < ch->anchor) {
        pit_start_count(ch, T);
    } else {
        pit_schedule_reload(ch, T);
    }
}

static void pit_load_cr(PITChannel *ch, uint16_t val, int64_t T)
{
    ch->count_reg = val;
    ch->count_written = true;
    switch (pit_mode(ch)) {
    case 0:
    case 4: pit_start_count(ch, T); break;
    case 1:
    case 5: ch->null_until = INT64_MAX; break; /* loaded by the next trigger */
    default: pit_write_periodic_count(ch, T); break;
    }
}

/* In mode 0 the first byte of a two-byte count stops counting and drops OUT. */
static void pit_first_byte(PITChannel *ch, int64_t T)
{
    if (pit_mode(ch) == 0) {
        pit_reanchor(ch, T);
        ch->loaded = false;
    }
}

static void pit_write_count(PITChannel *ch, uint8_t val, int64_t T)
{
    switch (ch->access) {
    case PIT_RW_LSB: pit_load_cr(ch, val, T); break;
    case PIT_RW_MSB: pit_load_cr(ch, val << 8, T); break;
    default:
        if (!ch->write_msb_next) {
            ch->write_lsb = val;
            ch->write_msb_next = true;
            pit_first_byte(ch, T);
        } else {
            ch->write_msb_next = false;
            pit_load_cr(ch, ch->write_lsb | val << 8, T);
        }
        break;
    }
}

/* A control word resets the counter's logic; the CE keeps its value, frozen. */
static void pit_program(PITChannel *ch, uint8_t val, int64_t T)
{
    uint32_t ce = pit_ce(ch, T);

    ch->mode_bits = (val & CW_MODE) >> 1;
    ch->access = (val & CW_RW) >> 4;
    ch->bcd = val & CW_BCD;
    ch->write_msb_next = false;
    ch->read_msb_next = false;
    ch->count_written = false;
    ch->count_latched = false;
    ch->status_latched = false;
    ch->loaded = false;
    ch->counting = false;
    ch->terminal_passed = false;
    ch->anchor_count = ce % pit_modulus(ch);
    ch->switch_tick = INT64_MAX;
    ch->null_until = INT64_MAX;
}

static void pit_gate_changed(PITChannel *ch, int64_t T)
{
    switch (pit_mode(ch)) {
    case 0:
    case 4:
        if (ch->gate) {
            pit_resume(ch, T);
        } else {
            pit_pause(ch, T);
        }
        break;
    case 1:
    case 5:
        if (ch->gate && ch->count_written) {
            pit_start_count(ch, T); /* a trigger, and a retrigger */
        }
        break;
    default:
        if (!ch->gate) {
            pit_pause(ch, T); /* OUT goes high at once; the rising gate reloads */
            ch->switch_tick = INT64_MAX;
        } else if (ch->count_written) {
            pit_start_count(ch, T);
        }
        break;
    }
}

/* ---- latches ---- */

static void pit_latch_count(PITChannel *ch, int64_t T)
{
    if (!ch->count_latched) {
        ch->latched_count = pit_ce_reg(ch, T);
        ch->count_latched = true;
    }
}

static void pit_latch_status(PITChannel *ch, int64_t T)
{
    if (ch->status_latched) {
        return;
    }
    ch->latched_status = (pit_out_at(ch, T) ? STATUS_OUTPUT : 0) |
                         (T < ch->null_until ? STATUS_NULL_COUNT : 0) | ch->access << 4 |
                         ch->mode_bits << 1 | (ch->bcd ? CW_BCD : 0);
    ch->status_latched = true;
}

static void pit_sync(PITChannel *ch, int64_t T)
{
    pit_apply_reload(ch, T);
}

static void pit_read_back(PITState *s, uint8_t val)
{
    int64_t T = pit_now();

    for (int i = 0; i < PIT_NUM_CHANNELS; i++) {
        PITChannel *ch = &s->channels[i];
        if (!(val & RB_CNT(i))) {
            continue;
        }
        pit_sync(ch, T);
        if (!(val & RB_COUNT_N)) {
            pit_latch_count(ch, T);
        }
        if (!(val & RB_STATUS_N)) {
            pit_latch_status(ch, T);
        }
    }
}

/* ---- ports ---- */

static void pit_write_control(PITState *s, uint8_t val)
{
    int sc = (val & CW_SC) >> 6;
    PITChannel *ch;
    int64_t T;

    if (sc == PIT_SC_READ_BACK) {
        pit_read_back(s, val);
        return;
    }
    ch = &s->channels[sc];
    T = pit_now();
    pit_sync(ch, T);
    if ((val & CW_RW) == 0) {
        pit_latch_count(ch, T);
        return;
    }
    pit_program(ch, val, T);
    pit_update_out(ch, T);
}

static void pit_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    PITState *s = opaque;
    PITChannel *ch;
    int64_t T;

    log_mask_printf(LOG_IOPORT, "i8254: write %u = 0x%02x\n", (unsigned)offset,
                    (uint8_t)value);
    if (offset == PIT_PORT_CONTROL) {
        pit_write_control(s, value);
        return;
    }
    ch = &s->channels[offset];
    T = pit_now();
    pit_sync(ch, T);
    pit_write_count(ch, value, T);
    pit_update_out(ch, T);
}

/* A latched count is held until every byte of it has been read. */
static uint8_t pit_read_count_byte(PITChannel *ch, uint16_t v)
{
    bool msb;

    if (ch->access == PIT_RW_WORD) {
        msb = ch->read_msb_next;
        ch->read_msb_next = !msb;
    } else {
        msb = ch->access == PIT_RW_MSB;
    }
    if (msb || ch->access == PIT_RW_LSB) {
        ch->count_latched = false;
    }
    return msb ? v >> 8 : v & 0xff;
}

static uint8_t pit_read_channel(PITChannel *ch, int64_t T)
{
    if (ch->status_latched) {
        ch->status_latched = false;
        return ch->latched_status;
    }
    return pit_read_count_byte(ch,
                               ch->count_latched ? ch->latched_count : pit_ce_reg(ch, T));
}

static uint64_t pit_read(void *opaque, uint64_t offset, unsigned size)
{
    PITState *s = opaque;
    PITChannel *ch;
    int64_t T;
    uint8_t val;

    if (offset == PIT_PORT_CONTROL) {
        return 0xff; /* the control word register cannot be read */
    }
    ch = &s->channels[offset];
    T = pit_now();
    pit_sync(ch, T);
    val = pit_read_channel(ch, T);
    log_mask_printf(LOG_IOPORT, "i8254: read %u = 0x%02x\n", (unsigned)offset, val);
    return val;
}

static const MemoryRegionOps pit_ops = {
    .read = pit_read,
    .write = pit_write,
    .min_size = 1,
    .max_size = 1,
};

/* ---- pins ---- */

void pit_set_gate(PITState *s, int channel, bool level)
{
    PITChannel *ch;
    int64_t T;

    assert(channel >= 0 && channel < PIT_NUM_CHANNELS);
    ch = &s->channels[channel];
    if (ch->gate == level) {
        return;
    }
    T = pit_now();
    pit_sync(ch, T);
    ch->gate = level;
    pit_gate_changed(ch, T);
    pit_update_out(ch, T);
}

bool pit_get_out(PITState *s, int channel)
{
    PITChannel *ch;
    int64_t T = pit_now();

    assert(channel >= 0 && channel < PIT_NUM_CHANNELS);
    ch = &s->channels[channel];
    pit_sync(ch, T);
    return pit_out_at(ch, T);
}

static void pit_timer_expired(void *opaque)
{
    PITChannel *ch = opaque;
    int64_t due = pit_ns_to_ticks(ch->timer.fired_ns);
    int64_t T = pit_now();

    /*
     * Without -icount the timer can run after the edge it was armed for and even
     * after the one-clock pulse that follows it: produce the due edge first, so that
     * no interrupt is lost, then catch up with the present.
     */
    if (due < T) {
        pit_sync(ch, due);
        pit_update_out(ch, due);
    }
    pit_sync(ch, T);
    pit_update_out(ch, T);
}

static const DeviceInfo pit_info;

PITState *pit_find(Machine *m)
{
    for (guint i = 0; i < m->devices->len; i++) {
        DeviceState *dev = g_ptr_array_index(m->devices, i);
        if (dev->info == &pit_info) {
            return (PITState *)dev;
        }
    }
    return NULL;
}

/* ---- life cycle ---- */

static bool pit_realize(DeviceState *dev, Machine *m, Error **errp)
{
    PITState *s = (PITState *)dev;

    for (int i = 0; i < PIT_NUM_CHANNELS; i++) {
        PITChannel *ch = &s->channels[i];
        timer_init(&ch->timer, CLOCK_VIRTUAL, pit_timer_expired, ch);
        ch->gate = i != 2; /* counter 2's gate is port 0x61 bit 0 */
    }
    s->channels[0].irq = &m->isa_irq[0];
    memory_region_init_io(&s->io, "i8254", &pit_ops, s, 4);
    address_space_map(&m->io, PIT_IOBASE, &s->io, 0);
    s->io_space = &m->io;
    return true;
}

static void pit_unrealize(DeviceState *dev)
{
    PITState *s = (PITState *)dev;

    for (int i = 0; i < PIT_NUM_CHANNELS; i++) {
        timer_del(&s->channels[i].timer);
    }
    address_space_unmap(s->io_space, &s->io);
    memory_region_destroy(&s->io);
}

/*
 * The 8254 powers up undefined; we choose mode 3, LSB then MSB, no count: OUT high
 * and idle until programmed. The gate is an input and keeps its level.
 */
static void pit_channel_reset(PITChannel *ch)
{
    ch->mode_bits = 3;
    ch->access = PIT_RW_WORD;
    ch->bcd = false;
    ch->count_reg = 0;
    ch->write_msb_next = false;
    ch->read_msb_next = false;
    ch->count_written = false;
    ch->count_latched = false;
    ch->status_latched = false;
    ch->loaded = false;
    ch->counting = false;
    ch->terminal_passed = false;
    ch->anchor = 0;
    ch->anchor_count = 0;
    ch->period = 1;
    ch->phase = 0;
    ch->switch_tick = INT64_MAX;
    ch->null_until = INT64_MAX;
}

static void pit_reset(DeviceState *dev)
{
    PITState *s = (PITState *)dev;
    int64_t T = pit_now();

    for (int i = 0; i < PIT_NUM_CHANNELS; i++) {
        pit_channel_reset(&s->channels[i]);
        pit_update_out(&s->channels[i], T);
    }
}

static bool pit_channel_valid(const PITChannel *ch)
{
    return ch->mode_bits <= 7 && ch->access != PIT_RW_LATCH && ch->access <= 3 &&
           ch->period >= 1 && ch->period <= 65536 && ch->phase < ch->period &&
           ch->anchor_count <= 65536;
}

static bool pit_post_load(void *opaque, Error **errp)
{
    PITState *s = opaque;

    for (int i = 0; i < PIT_NUM_CHANNELS; i++) {
        if (!pit_channel_valid(&s->channels[i])) {
            error_setg(errp, "i8254: counter %d has an inconsistent state", i);
            pit_channel_reset(&s->channels[i]);
            return false;
        }
    }
    return true;
}

static const VMStateField pit_channel_fields[] = {
    VMSTATE_UINT8(mode_bits, PITChannel),
    VMSTATE_UINT8(access, PITChannel),
    VMSTATE_BOOL(bcd, PITChannel),
    VMSTATE_UINT16(count_reg, PITChannel),
    VMSTATE_UINT8(write_lsb, PITChannel),
    VMSTATE_BOOL(write_msb_next, PITChannel),
    VMSTATE_BOOL(read_msb_next, PITChannel),
    VMSTATE_BOOL(count_written, PITChannel),
    VMSTATE_BOOL(count_latched, PITChannel),
    VMSTATE_UINT16(latched_count, PITChannel),
    VMSTATE_BOOL(status_latched, PITChannel),
    VMSTATE_UINT8(latched_status, PITChannel),
    VMSTATE_BOOL(gate, PITChannel),
    VMSTATE_BOOL(loaded, PITChannel),
    VMSTATE_BOOL(counting, PITChannel),
    VMSTATE_BOOL(terminal_passed, PITChannel),
    VMSTATE_INT64(anchor, PITChannel),
    VMSTATE_UINT32(anchor_count, PITChannel),
    VMSTATE_UINT32(period, PITChannel),
    VMSTATE_UINT32(phase, PITChannel),
    VMSTATE_INT64(switch_tick, PITChannel),
    VMSTATE_BOOL(switch_to_low, PITChannel),
    VMSTATE_INT64(null_until, PITChannel),
    VMSTATE_BOOL(out, PITChannel),
    VMSTATE_TIMER(timer, PITChannel),
    VMSTATE_END_OF_LIST(),
};

static const VMStateDescription vmstate_pit_channel = {
    .name = "i8254-channel",
    .version = 1,
    .fields = pit_channel_fields,
};

static const VMStateField pit_fields[] = {
    VMSTATE_STRUCT_ARRAY(channels, PITState, PIT_NUM_CHANNELS, vmstate_pit_channel),
    VMSTATE_END_OF_LIST(),
};

static const VMStateDescription vmstate_pit = {
    .name = "isa-pit",
    .version = 1,
    .fields = pit_fields,
    .post_load = pit_post_load,
};

static const DeviceInfo pit_info = {
    .name = "isa-pit",
    .desc = "8254 programmable interval timer",
    .instance_size = sizeof(PITState),
    .realize = pit_realize,
    .reset = pit_reset,
    .unrealize = pit_unrealize,
    .vmsd = &vmstate_pit,
};
DEVICE_REGISTER(pit_info)
