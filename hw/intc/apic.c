/* Local APIC (xAPIC) of the one CPU, after the Intel SDM vol. 3A ch. 10 "APIC". */
/*
 * Model notes.
 *
 * INTR is recomputed after every change of state, so the CPU's irq_line is high
 * exactly when the CPU may take an interrupt from us: a fixed vector in the IRR whose
 * priority class beats the PPR, or an ExtINT request (the 8259 through LINT0, or an
 * ExtINT message). The CPU acknowledges through env->get_irq, which moves the vector
 * from the IRR to the ISR, or asks the 8259 for its vector.
 *
 * The timer counts at the bus clock, one tick per nanosecond of CLOCK_VIRTUAL before
 * the divider. The count is never stored: it is computed from the virtual time at
 * which it last equalled the initial count, and the expiry timer is armed for the
 * exact nanosecond it reaches zero, so both are deterministic under -icount.
 *
 * Reset leaves the APIC as a PC BIOS hands it to an OS, in the MP specification's
 * virtual wire mode (software enabled, LINT0 ExtINT, LINT1 NMI), because direct
 * kernel boot has no BIOS to do it and the 8259 must reach the CPU. The property
 * virtual-wire=off gives the SDM's power-up state instead.
 *
 * Input pins carry the asserted sense (1 = asserted): the polarity bits are kept for
 * the guest to read back, as the machine's wiring already speaks in that sense.
 */
#include "hw/intc/apic.h"
#include "hw/device.h"
#include "hw/machine.h"
#include "system/clock.h"
#include "target/i386/cpu.h"
#include "util/log.h"

/* Register offsets (SDM Table 10-1, "Local APIC Register Address Map"). */
#define APIC_ID        0x020 /* Local APIC ID Register */
#define APIC_VERSION   0x030 /* Local APIC Version Register */
#define APIC_TPR       0x080 /* Task Priority Register (TPR) */
#define APIC_APR       0x090 /* Arbitration Priority Register (APR) */
#define APIC_PPR       0x0a0 /* Processor Priority Register (PPR) */
#define APIC_EOI       0x0b0 /* EOI Register */
#define APIC_RRD       0x0c0 /* Remote Read Register (RRD) */
#define APIC_LDR       0x0d0 /* Logical Destination Register */
#define APIC_DFR       0x0e0 /* Destination Format Register */
#define APIC_SVR       0x0f0 /* Spurious Interrupt Vector Register */
#define APIC_ISR       0x100 /* In-Service Register (ISR), 8 words */
#define APIC_TMR       0x180 /* Trigger Mode Register (TMR), 8 words */
#define APIC_IRR       0x200 /* Interrupt Request Register (IRR), 8 words */
#define APIC_ESR       0x280 /* Error Status Register */
#define APIC_ICR_LO    0x300 /* Interrupt Command Register (ICR) bits 0-31 */
#define APIC_ICR_HI    0x310 /* Interrupt Command Register (ICR) bits 32-63 */
#define APIC_LVT_FIRST 0x320 /* LVT Timer Register; the other LVT entries follow */
#define APIC_TIMER_ICR 0x380 /* Initial Count Register (for Timer) */
#define APIC_TIMER_CCR 0x390 /* Current Count Register (for Timer) */
#define APIC_TIMER_DCR 0x3e0 /* Divide Configuration Register (for Timer) */

#define APIC_MMIO_SIZE 0x1000
/* The CPU claims its APIC page before anything else mapped at that address. */
#define APIC_MMIO_PRIORITY 100

/* LVT entries in register order; there is no CMCI entry. */
enum {
    APIC_LVT_TIMER,
    APIC_LVT_THERMAL,
    APIC_LVT_PERF,
    APIC_LVT_LINT0,
    APIC_LVT_LINT1,
    APIC_LVT_ERROR,
    APIC_LVT_NUM,
};

/* Version 0x14 (integrated APIC), Max LVT Entry = entries - 1. */
#define APIC_VERSION_VALUE ((uint32_t)(APIC_LVT_NUM - 1) << 16 | 0x14)

#define APIC_BASE_BSP      (1ull << 8)           /* BSP flag */
#define APIC_BASE_ENABLE   (1ull << 11)          /* APIC Global Enable flag */
#define APIC_BASE_ADDR     0x000ffffffffff000ull /* APIC Base */
#define APIC_BASE_WRITABLE (APIC_BASE_ENABLE | APIC_BASE_ADDR)

#define SVR_VECTOR   0xffu     /* Spurious Vector */
#define SVR_ENABLE   (1u << 8) /* APIC Software Enable/Disable */
#define SVR_NO_FOCUS (1u << 9) /* Focus Processor Checking (1: disabled) */
#define SVR_WRITABLE (SVR_VECTOR | SVR_ENABLE | SVR_NO_FOCUS)

#define LVT_VECTOR         0xffu      /* Vector */
#define LVT_DM_SHIFT       8          /* Delivery Mode, bits 10:8 */
#define LVT_DM             (7u << 8)  /* Delivery Mode */
#define LVT_POLARITY       (1u << 13) /* Interrupt Input Pin Polarity */
#define LVT_REMOTE_IRR     (1u << 14) /* Remote IRR Flag */
#define LVT_LEVEL          (1u << 15) /* Trigger Mode (1: level) */
#define LVT_MASKED         (1u << 16) /* Mask */
#define LVT_TIMER_MODE     (3u << 17) /* Timer Mode */
#define LVT_TIMER_ONESHOT  (0u << 17)
#define LVT_TIMER_PERIODIC (1u << 17)
#define LVT_TIMER_DEADLINE (2u << 17)

#define ICR_VECTOR        0xffu      /* Vector */
#define ICR_DM_SHIFT      8          /* Delivery Mode, bits 10:8 */
#define ICR_DEST_LOGICAL  (1u << 11) /* Destination Mode */
#define ICR_ASSERT        (1u << 14) /* Level (0: de-assert) */
#define ICR_LEVEL         (1u << 15) /* Trigger Mode */
#define ICR_SHORTHAND     (3u << 18) /* Destination Shorthand */
#define ICR_TO_DEST       (0u << 18) /* No Shorthand */
#define ICR_TO_SELF       (1u << 18) /* Self */
#define ICR_TO_ALL        (2u << 18) /* All Including Self */
#define ICR_TO_OTHERS     (3u << 18) /* All Excluding Self */
#define ICR_LO_WRITABLE   0x000ccfffu
#define ICR_HI_DEST_SHIFT 24 /* Destination Field, bits 63:56 */

#define ESR_SEND_ILLEGAL_VECTOR (1u << 5) /* Send Illegal Vector */
#define ESR_RECV_ILLEGAL_VECTOR (1u << 6) /* Receive Illegal Vector */
#define ESR_ILLEGAL_REGISTER    (1u << 7) /* Illegal Register Address */

#define DFR_MODEL      0xf0000000u /* Model (1111b flat, 0000b cluster) */
#define DFR_MODEL_FLAT 0xfu
#define LDR_ID         0xff000000u /* Logical APIC ID */
#define DCR_WRITABLE   0xbu        /* Divide Value, bits 0, 1 and 3 */

#define APIC_BUS_TICK_NS 1 /* a 1 GHz bus clock */
/* Vectors 0-15 are reserved; accepting or sending them is an error. */
#define APIC_FIRST_LEGAL_VECTOR 16

struct APICState {
    DeviceState dev;
    uint8_t initial_id; /* property "apic-id" */
    bool virtual_wire;  /* property "virtual-wire" */

    uint64_t apicbase;
    uint8_t id;
    uint8_t tpr;
    uint32_t ldr, dfr, svr;
    uint32_t isr[8], tmr[8], irr[8];
    uint32_t esr;         /* as latched by the last write */
    uint32_t esr_pending; /* errors detected since then */
    uint32_t lvt[APIC_LVT_NUM];
    uint32_t icr_lo, icr_hi;
    uint32_t timer_initial;
    uint32_t timer_dcr;
    int64_t timer_start_ns; /* when the count last equalled timer_initial */
    uint64_t tsc_deadline;
    Timer timer;
    uint8_t lint_level[2]; /* input pins LINT0, LINT1 */
    bool extint_message;   /* an ExtINT message awaits the CPU's acknowledge */

    CPUX86State *cpu;
    AddressSpace *mem;
    MemoryRegion mmio;
    bool mapped;
    uint64_t mapped_base;
    APICExtIntAck *extint_ack;
    void *extint_opaque;
    APICEOIListener *eoi_listener;
    void *eoi_opaque;
};

static void apic_update_irq(APICState *s);
static void apic_lvt_fire(APICState *s, int lvt);

/* ---- 256-bit registers ---- */

static void apic_vec_set(uint32_t *bits, unsigned vector)
{
    bits[vector >> 5] |= 1u << (vector & 31);
}

static void apic_vec_clear(uint32_t *bits, unsigned vector)
{
    bits[vector >> 5] &= ~(1u << (vector & 31));
}

static bool apic_vec_test(const uint32_t *bits, unsigned vector)
{
    return bits[vector >> 5] & (1u << (vector & 31));
}

/* The highest vector set, or -1. */
static int apic_vec_highest(const uint32_t *bits)
{
    for (int i = 7; i >= 0; i--) {
        if (bits[i]) {
            return i * 32 + 31 - __builtin_clz(bits[i]);
        }
    }
    return -1;
}

/* ---- state ---- */

static bool apic_hw_enabled(const APICState *s)
{
    return s->apicbase & APIC_BASE_ENABLE;
}

static bool apic_sw_enabled(const APICState *s)
{
    return s->svr & SVR_ENABLE;
}

static unsigned apic_lvt_mode(const APICState *s, int lvt)
{
    return (s->lvt[lvt] & LVT_DM) >> LVT_DM_SHIFT;
}

static unsigned apic_timer_mode(const APICState *s)
{
    return s->lvt[APIC_LVT_TIMER] & LVT_TIMER_MODE;
}

/* The class of a priority or vector: bits 7:4. */
static unsigned apic_class(int v)
{
    return v < 0 ? 0 : (unsigned)v & 0xf0;
}

/* SDM 10.8.3.1: the higher of the TPR and the class of the highest in-service vector. */
static uint8_t apic_ppr(const APICState *s)
{
    unsigned isr_class = apic_class(apic_vec_highest(s->isr));
    return apic_class(s->tpr) >= isr_class ? s->tpr : isr_class;
}

/* SDM 10.8.3.1: the priority a lowest-priority arbitration would use. */
static uint8_t apic_apr(const APICState *s)
{
    unsigned isr_class = apic_class(apic_vec_highest(s->isr));
    unsigned irr_class = apic_class(apic_vec_highest(s->irr));
    unsigned tpr_class = apic_class(s->tpr);
    if (tpr_class >= irr_class && tpr_class > isr_class) {
        return s->tpr;
    }
    return MAX(tpr_class, MAX(isr_class, irr_class));
}

/* The vector the CPU would take now, or -1. */
static int apic_deliverable_vector(const APICState *s)
{
    int vector = apic_vec_highest(s->irr);
    if (vector < 0 || apic_class(vector) <= apic_class(apic_ppr(s))) {
        return -1;
    }
    return vector;
}

/* The 8259's INTR reaches the CPU: through LINT0 in ExtINT mode, or straight in. */
static bool apic_extint_requested(const APICState *s)
{
    if (!apic_hw_enabled(s)) {
        return s->lint_level[0];
    }
    if (s->extint_message) {
        return true;
    }
    return s->lint_level[0] && !(s->lvt[APIC_LVT_LINT0] & LVT_MASKED) &&
           apic_lvt_mode(s, APIC_LVT_LINT0) == APIC_DM_EXTINT;
}

static bool apic_intr_wanted(const APICState *s)
{
    if (apic_extint_requested(s)) {
        return true;
    }
    return apic_hw_enabled(s) && apic_sw_enabled(s) && apic_deliverable_vector(s) >= 0;
}

static void apic_update_irq(APICState *s)
{
    bool level = apic_intr_wanted(s);
    if (level != s->cpu->irq_line) {
        cpu_set_irq_line(s->cpu, level);
    }
}

/* ---- errors ---- */

/* Only new errors interrupt, so an illegal vector in LVT Error cannot recurse. */
static void apic_error(APICState *s, uint32_t err)
{
    bool is_new = err & ~s->esr_pending;
    s->esr_pending |= err;
    if (is_new) {
        apic_lvt_fire(s, APIC_LVT_ERROR);
    }
}

/* ESR is write-then-read: a write latches the errors seen since the last one. */
static void apic_write_esr(APICState *s)
{
    s->esr = s->esr_pending;
    s->esr_pending = 0;
}

/* ---- accepting interrupts ---- */

static void apic_accept_fixed(APICState *s, uint8_t vector, bool level_triggered)
{
    if (vector < APIC_FIRST_LEGAL_VECTOR) {
        apic_error(s, ESR_RECV_ILLEGAL_VECTOR);
        return;
    }
    apic_vec_set(s->irr, vector);
    if (level_triggered) {
        apic_vec_set(s->tmr, vector);
    } else {
        apic_vec_clear(s->tmr, vector);
    }
}

static void apic_raise_nmi(APICState *s)
{
    s->cpu->nmi_pending = true;
    cpu_exit(s->cpu);
}

static void apic_accept(APICState *s, uint8_t vector, bool level_triggered, int mode)
{
    switch (mode) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST: apic_accept_fixed(s, vector, level_triggered); break;
    case APIC_DM_NMI: apic_raise_nmi(s); break;
    case APIC_DM_EXTINT: s->extint_message = true; break;
    case APIC_DM_SMI: log_unimp("apic: SMI delivery (no SMM) dropped"); break;
    case APIC_DM_INIT:
    case APIC_DM_STARTUP: log_unimp("apic: INIT/SIPI to the running CPU dropped"); break;
    default: log_guest_error("apic: reserved delivery mode %d dropped", mode); break;
    }
}

void apic_deliver_irq(APICState *s, uint8_t vector, bool level_triggered,
                      int delivery_mode)
{
    if (!apic_hw_enabled(s)) {
        return; /* a globally disabled APIC is off the system bus */
    }
    apic_accept(s, vector, level_triggered, delivery_mode);
    apic_update_irq(s);
}

/* Interrupts from the local sources: their LVT entry says how. */
static void apic_lvt_fire(APICState *s, int lvt)
{
    uint32_t entry = s->lvt[lvt];
    bool no_mode = lvt == APIC_LVT_TIMER || lvt == APIC_LVT_ERROR;
    int mode = no_mode ? APIC_DM_FIXED : (int)apic_lvt_mode(s, lvt);

    if (!(entry & LVT_MASKED)) {
        apic_accept(s, entry & LVT_VECTOR, false, mode);
        apic_update_irq(s);
    }
}

/* ---- acknowledge and EOI ---- */

static int apic_ack_extint(APICState *s)
{
    s->extint_message = false;
    if (!s->extint_ack) {
        log_guest_error("apic: ExtINT acknowledged but no 8259 is connected");
        return -1;
    }
    return s->extint_ack(s->extint_opaque);
}

/* env->get_irq: the CPU takes the interrupt INTR announced. */
static int apic_get_interrupt(void *opaque)
{
    APICState *s = opaque;
    bool enabled = apic_hw_enabled(s) && apic_sw_enabled(s);
    int vector = enabled ? apic_deliverable_vector(s) : -1;

    if (vector >= 0) {
        apic_vec_clear(s->irr, vector);
        apic_vec_set(s->isr, vector);
    } else if (apic_extint_requested(s)) {
        vector = apic_ack_extint(s);
    } else if (s->cpu->irq_line && apic_hw_enabled(s)) {
        /* INTR was seen but the request has gone: a spurious interrupt, no ISR bit. */
        vector = s->svr & SVR_VECTOR;
    }
    apic_update_irq(s);
    return vector;
}

static void apic_lint_service(APICState *s, int pin, bool rising);

/* A level-triggered fixed LINT pin waits for the EOI of its vector. */
static void apic_lint_eoi(APICState *s, uint8_t vector)
{
    for (int pin = 0; pin < 2; pin++) {
        uint32_t *entry = &s->lvt[APIC_LVT_LINT0 + pin];
        if ((*entry & LVT_REMOTE_IRR) && (*entry & LVT_VECTOR) == vector) {
            *entry &= ~LVT_REMOTE_IRR;
            apic_lint_service(s, pin, false);
        }
    }
}

static void apic_write_eoi(APICState *s)
{
    int vector = apic_vec_highest(s->isr);

    if (vector < 0) {
        return; /* nothing in service: the write has no effect */
    }
    apic_vec_clear(s->isr, vector);
    if (apic_vec_test(s->tmr, vector)) {
        apic_lint_eoi(s, vector);
        if (s->eoi_listener) {
            s->eoi_listener(s->eoi_opaque, vector);
        }
    }
}

/* ---- LINT0 / LINT1 ---- */

static void apic_lint_service(APICState *s, int pin, bool rising)
{
    uint32_t *entry = &s->lvt[APIC_LVT_LINT0 + pin];
    unsigned mode = apic_lvt_mode(s, APIC_LVT_LINT0 + pin);
    bool level_fixed = mode == APIC_DM_FIXED && (*entry & LVT_LEVEL);

    if ((*entry & LVT_MASKED) || mode == APIC_DM_EXTINT) {
        return; /* ExtINT is sampled as a level by apic_extint_requested() */
    }
    if (level_fixed && s->lint_level[pin] && !(*entry & LVT_REMOTE_IRR)) {
        *entry |= LVT_REMOTE_IRR;
        apic_accept_fixed(s, *entry & LVT_VECTOR, true);
    } else if (!level_fixed && rising) {
        /* NMI, SMI and INIT are edge triggered whatever the trigger mode bit says. */
        apic_accept(s, *entry & LVT_VECTOR, false, mode);
    }
}

void apic_set_lint(void *opaque, int pin, int level)
{
    APICState *s = opaque;
    bool rising;

    assert(pin == 0 || pin == 1);
    rising = level && !s->lint_level[pin];
    s->lint_level[pin] = level != 0;
    if (apic_hw_enabled(s)) {
        apic_lint_service(s, pin, rising);
    } else if (pin == 1 && rising) {
        apic_raise_nmi(s); /* a disabled APIC passes LINT1 through as NMI */
    }
    apic_update_irq(s);
}

/* ---- timer ---- */

static int64_t apic_timer_tick_ns(const APICState *s)
{
    unsigned code = (s->timer_dcr & 3) | ((s->timer_dcr >> 1) & 4);
    /* 000b divides by 2, ... 110b by 128, 111b by 1. */
    return (int64_t)APIC_BUS_TICK_NS << ((code + 1) & 7);
}

static bool apic_timer_counts(const APICState *s)
{
    return apic_timer_mode(s) != LVT_TIMER_DEADLINE && s->timer_initial != 0;
}

static uint32_t apic_timer_current(const APICState *s, int64_t now)
{
    if (!apic_timer_counts(s)) {
        return 0;
    }
    uint64_t ticks = (uint64_t)(now - s->timer_start_ns) / apic_timer_tick_ns(s);
    if (apic_timer_mode(s) == LVT_TIMER_PERIODIC) {
        return s->timer_initial - ticks % s->timer_initial;
    }
    return ticks >= s->timer_initial ? 0 : s->timer_initial - ticks;
}

/* When the count next reaches zero, or -1 if it will not. */
static int64_t apic_count_expiry(const APICState *s, int64_t now)
{
    int64_t period = (int64_t)s->timer_initial * apic_timer_tick_ns(s);
    int64_t elapsed = now - s->timer_start_ns;

    if (!apic_timer_counts(s)) {
        return -1;
    }
    if (apic_timer_mode(s) == LVT_TIMER_PERIODIC) {
        return s->timer_start_ns + (elapsed / period + 1) * period;
    }
    return elapsed < period ? s->timer_start_ns + period : -1;
}

/* When the TSC (CLOCK_VIRTUAL ns + tsc_offset) reaches the deadline, or -1. */
static int64_t apic_deadline_expiry(const APICState *s, int64_t now)
{
    uint64_t tsc_now = (uint64_t)now + (uint64_t)s->cpu->tsc_offset;
    uint64_t delta = s->tsc_deadline - tsc_now;

    if (apic_timer_mode(s) != LVT_TIMER_DEADLINE || s->tsc_deadline == 0) {
        return -1;
    }
    if (s->tsc_deadline <= tsc_now) {
        return now;
    }
    return delta > (uint64_t)(INT64_MAX - now) ? INT64_MAX : now + (int64_t)delta;
}

/*
 * The engine sized its run of instructions by the earliest timer when it started
 * (planned); a guest access that armed an earlier one must send it back to the main
 * loop to re-plan, or the interrupt would come late.
 */
static void apic_kick_if_sooner(APICState *s, int64_t planned)
{
    int64_t deadline = clock_deadline(CLOCK_VIRTUAL);

    if (deadline >= 0 && (planned < 0 || deadline < planned)) {
        s->cpu->stop_request = true;
        cpu_exit(s->cpu);
    }
}

static void apic_timer_expired(void *opaque);

static void apic_timer_rearm(APICState *s)
{
    int64_t now = clock_get_ns(CLOCK_VIRTUAL);
    int64_t expiry = apic_timer_mode(s) == LVT_TIMER_DEADLINE
                         ? apic_deadline_expiry(s, now)
                         : apic_count_expiry(s, now);
    if (expiry < 0) {
        timer_del(&s->timer);
    } else if (expiry <= now) {
        timer_del(&s->timer);
        apic_timer_expired(s); /* a deadline already past fires at once */
    } else {
        timer_mod(&s->timer, expiry);
    }
}

static void apic_timer_expired(void *opaque)
{
    APICState *s = opaque;

    if (apic_timer_mode(s) == LVT_TIMER_DEADLINE) {
        s->tsc_deadline = 0; /* the deadline timer disarms itself */
    }
    apic_lvt_fire(s, APIC_LVT_TIMER);
    apic_timer_rearm(s);
}

static void apic_write_initial_count(APICState *s, uint32_t val)
{
    if (apic_timer_mode(s) == LVT_TIMER_DEADLINE) {
        return; /* ignored in TSC-deadline mode */
    }
    s->timer_initial = val;
    s->timer_start_ns = clock_get_ns(CLOCK_VIRTUAL);
    apic_timer_rearm(s);
}

/* A new divider applies from now on: the count keeps its value, the rate changes. */
static void apic_write_divide(APICState *s, uint32_t val)
{
    int64_t now = clock_get_ns(CLOCK_VIRTUAL);
    uint32_t current = apic_timer_current(s, now);
    uint64_t ticks_done = apic_timer_counts(s) ? s->timer_initial - current : 0;

    s->timer_dcr = val & DCR_WRITABLE;
    s->timer_start_ns = now - (int64_t)ticks_done * apic_timer_tick_ns(s);
    if (apic_timer_counts(s)) {
        apic_timer_rearm(s);
    }
}

/* Entering or leaving TSC-deadline mode disarms the timer (SDM 10.5.4.1). */
static void apic_timer_mode_changed(APICState *s, uint32_t old_mode)
{
    uint32_t mode = apic_timer_mode(s);

    if ((old_mode == LVT_TIMER_DEADLINE) != (mode == LVT_TIMER_DEADLINE)) {
        s->timer_initial = 0;
        s->tsc_deadline = 0;
    }
    if (mode == LVT_TIMER_MODE) {
        log_guest_error("apic: reserved timer mode 11b, counting as one-shot");
    }
    apic_timer_rearm(s);
}

void apic_set_tsc_deadline(APICState *s, uint64_t tsc)
{
    int64_t planned = clock_deadline(CLOCK_VIRTUAL);

    if (apic_timer_mode(s) != LVT_TIMER_DEADLINE) {
        return; /* writes are ignored in the other timer modes */
    }
    s->tsc_deadline = tsc;
    apic_timer_rearm(s);
    apic_kick_if_sooner(s, planned);
}

uint64_t apic_get_tsc_deadline(APICState *s)
{
    return apic_timer_mode(s) == LVT_TIMER_DEADLINE ? s->tsc_deadline : 0;
}

void apic_tsc_changed(APICState *s)
{
    int64_t planned = clock_deadline(CLOCK_VIRTUAL);

    if (apic_timer_mode(s) == LVT_TIMER_DEADLINE) {
        apic_timer_rearm(s);
        apic_kick_if_sooner(s, planned);
    }
}

/* ---- LVT, SVR and the ICR ---- */

static uint32_t apic_lvt_writable(int lvt)
{
    switch (lvt) {
    case APIC_LVT_TIMER: return LVT_VECTOR | LVT_MASKED | LVT_TIMER_MODE;
    case APIC_LVT_ERROR: return LVT_VECTOR | LVT_MASKED;
    case APIC_LVT_LINT0:
    case APIC_LVT_LINT1:
        return LVT_VECTOR | LVT_DM | LVT_POLARITY | LVT_LEVEL | LVT_MASKED;
    default: return LVT_VECTOR | LVT_DM | LVT_MASKED;
    }
}

static void apic_write_lvt(APICState *s, int lvt, uint32_t val)
{
    uint32_t writable = apic_lvt_writable(lvt);
    uint32_t old = s->lvt[lvt];

    s->lvt[lvt] = (val & writable) | (old & LVT_REMOTE_IRR);
    if (!apic_sw_enabled(s)) {
        s->lvt[lvt] |= LVT_MASKED; /* software disabled: the masks stay set */
    }
    if (!(s->lvt[lvt] & LVT_LEVEL)) {
        s->lvt[lvt] &= ~LVT_REMOTE_IRR;
    }
    if (lvt == APIC_LVT_TIMER) {
        apic_timer_mode_changed(s, old & LVT_TIMER_MODE);
    } else if (lvt == APIC_LVT_LINT0 || lvt == APIC_LVT_LINT1) {
        apic_lint_service(s, lvt - APIC_LVT_LINT0, false);
    }
}

static void apic_write_svr(APICState *s, uint32_t val)
{
    s->svr = val & SVR_WRITABLE;
    if (!apic_sw_enabled(s)) {
        for (int i = 0; i < APIC_LVT_NUM; i++) {
            s->lvt[i] |= LVT_MASKED;
        }
    }
}

bool apic_match_dest(APICState *s, uint8_t dest, bool logical)
{
    uint8_t logical_id = s->ldr >> 24;

    if (!apic_hw_enabled(s)) {
        return false;
    }
    if (dest == 0xff) {
        return true; /* broadcast, in either mode */
    }
    if (!logical) {
        return dest == s->id;
    }
    if ((s->dfr >> 28) == DFR_MODEL_FLAT) {
        return dest & logical_id;
    }
    /* Cluster model: bits 7:4 name the cluster, bits 3:0 the members. */
    return (dest >> 4) == (logical_id >> 4) && (dest & logical_id & 0xf);
}

static bool apic_ipi_is_for_us(APICState *s)
{
    switch (s->icr_lo & ICR_SHORTHAND) {
    case ICR_TO_SELF:
    case ICR_TO_ALL: return true;
    case ICR_TO_OTHERS: return false; /* there are no other CPUs */
    default:
        return apic_match_dest(s, s->icr_hi >> ICR_HI_DEST_SHIFT,
                               s->icr_lo & ICR_DEST_LOGICAL);
    }
}

static void apic_send_ipi(APICState *s)
{
    uint8_t vector = s->icr_lo & ICR_VECTOR;
    int mode = (s->icr_lo >> ICR_DM_SHIFT) & 7;
    bool fixed = mode == APIC_DM_FIXED || mode == APIC_DM_LOWEST;

    if (fixed && vector < APIC_FIRST_LEGAL_VECTOR) {
        apic_error(s, ESR_SEND_ILLEGAL_VECTOR);
        return;
    }
    if (mode == APIC_DM_INIT && (s->icr_lo & ICR_LEVEL) && !(s->icr_lo & ICR_ASSERT)) {
        return; /* INIT level de-assert only resynchronises arbitration IDs */
    }
    if (apic_ipi_is_for_us(s)) {
        /* The trigger mode bit only matters for INIT level de-assert. */
        apic_accept(s, vector, false, mode);
    }
}

/* ---- MMIO ---- */

/* The word of a 256-bit register (ISR, TMR, IRR) at reg, or NULL. */
static uint32_t *apic_bank_word(APICState *s, unsigned reg)
{
    unsigned word = (reg >> 4) & 7;
    switch (reg & ~0x70u) {
    case APIC_ISR: return &s->isr[word];
    case APIC_TMR: return &s->tmr[word];
    case APIC_IRR: return &s->irr[word];
    default: return NULL;
    }
}

static int apic_lvt_index(unsigned reg)
{
    unsigned index = (reg - APIC_LVT_FIRST) >> 4;
    return reg >= APIC_LVT_FIRST && index < APIC_LVT_NUM ? (int)index : -1;
}

static uint32_t apic_read_reg(APICState *s, unsigned reg)
{
    uint32_t *word = apic_bank_word(s, reg);
    int lvt = apic_lvt_index(reg);

    if (word) {
        return *word;
    }
    if (lvt >= 0) {
        return s->lvt[lvt];
    }
    switch (reg) {
    case APIC_ID: return (uint32_t)s->id << 24;
    case APIC_VERSION: return APIC_VERSION_VALUE;
    case APIC_TPR: return s->tpr;
    case APIC_APR: return apic_apr(s);
    case APIC_PPR: return apic_ppr(s);
    case APIC_EOI:
    case APIC_RRD: return 0;
    case APIC_LDR: return s->ldr;
    case APIC_DFR: return s->dfr;
    case APIC_SVR: return s->svr;
    case APIC_ESR: return s->esr;
    case APIC_ICR_LO: return s->icr_lo; /* Delivery Status: always idle */
    case APIC_ICR_HI: return s->icr_hi;
    case APIC_TIMER_ICR: return s->timer_initial;
    case APIC_TIMER_CCR: return apic_timer_current(s, clock_get_ns(CLOCK_VIRTUAL));
    case APIC_TIMER_DCR: return s->timer_dcr;
    default: apic_error(s, ESR_ILLEGAL_REGISTER); return 0;
    }
}

static bool apic_reg_read_only(APICState *s, unsigned reg)
{
    switch (reg) {
    case APIC_VERSION:
    case APIC_APR:
    case APIC_PPR:
    case APIC_RRD:
    case APIC_TIMER_CCR: return true;
    default: return apic_bank_word(s, reg) != NULL;
    }
}

static void apic_write_reg(APICState *s, unsigned reg, uint32_t val)
{
    int lvt = apic_lvt_index(reg);

    if (lvt >= 0) {
        apic_write_lvt(s, lvt, val);
        return;
    }
    switch (reg) {
    case APIC_ID: s->id = val >> 24; break;
    case APIC_TPR: s->tpr = val; break;
    case APIC_EOI: apic_write_eoi(s); break;
    case APIC_LDR: s->ldr = val & LDR_ID; break;
    case APIC_DFR: s->dfr = val | ~DFR_MODEL; break;
    case APIC_SVR: apic_write_svr(s, val); break;
    case APIC_ESR: apic_write_esr(s); break;
    case APIC_ICR_LO:
        s->icr_lo = val & ICR_LO_WRITABLE;
        apic_send_ipi(s);
        break;
    case APIC_ICR_HI: s->icr_hi = val & (0xffu << ICR_HI_DEST_SHIFT); break;
    case APIC_TIMER_ICR: apic_write_initial_count(s, val); break;
    case APIC_TIMER_DCR: apic_write_divide(s, val); break;
    default:
        if (!apic_reg_read_only(s, reg)) {
            apic_error(s, ESR_ILLEGAL_REGISTER);
        }
        break;
    }
}

/* Registers sit at 16-byte strides; the other 12 bytes of each slot are reserved. */
static uint64_t apic_mmio_read(void *opaque, uint64_t offset, unsigned size)
{
    return (offset & 0xf) ? 0 : apic_read_reg(opaque, offset);
}

static void apic_mmio_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    APICState *s = opaque;
    int64_t planned = clock_deadline(CLOCK_VIRTUAL);

    if (offset & 0xf) {
        return;
    }
    apic_write_reg(s, offset, value);
    apic_update_irq(s);
    apic_kick_if_sooner(s, planned);
}

static const MemoryRegionOps apic_mmio_ops = {
    .read = apic_mmio_read,
    .write = apic_mmio_write,
    .min_size = 4,
    .max_size = 4,
};

/* ---- the CPU's side ---- */

void apic_set_tpr(APICState *s, uint8_t cr8)
{
    s->tpr = (cr8 & 0xf) << 4;
    apic_update_irq(s);
}

uint8_t apic_get_tpr(APICState *s)
{
    return s->tpr >> 4;
}

/* The page is visible exactly while the APIC is globally enabled. */
static void apic_remap(APICState *s)
{
    uint64_t base = s->apicbase & APIC_BASE_ADDR;
    bool want = apic_hw_enabled(s);

    if (s->mapped && (!want || s->mapped_base != base)) {
        address_space_unmap(s->mem, &s->mmio);
        s->mapped = false;
    }
    if (want && !s->mapped) {
        address_space_map(s->mem, base, &s->mmio, APIC_MMIO_PRIORITY);
        s->mapped = true;
        s->mapped_base = base;
    }
}

/* SDM 10.4.7.1; the APIC ID and the input pins (outside wires) are kept. */
static void apic_power_up_state(APICState *s)
{
    memset(s->isr, 0, sizeof(s->isr));
    memset(s->tmr, 0, sizeof(s->tmr));
    memset(s->irr, 0, sizeof(s->irr));
    for (int i = 0; i < APIC_LVT_NUM; i++) {
        s->lvt[i] = LVT_MASKED;
    }
    s->tpr = 0;
    s->ldr = 0;
    s->dfr = 0xffffffff;
    s->svr = SVR_VECTOR;
    s->esr = s->esr_pending = 0;
    s->icr_lo = s->icr_hi = 0;
    s->timer_initial = s->timer_dcr = 0;
    s->timer_start_ns = 0;
    s->tsc_deadline = 0;
    s->extint_message = false;
    timer_del(&s->timer);
}

bool apic_base_valid(uint64_t val)
{
    return !(val & ~(APIC_BASE_WRITABLE | APIC_BASE_BSP));
}

void apic_set_base(APICState *s, uint64_t val)
{
    bool was_enabled = apic_hw_enabled(s);

    if (!apic_base_valid(val)) {
        log_guest_error("apic: APIC_BASE %#" PRIx64 ": reserved bits (x2APIC?) ignored",
                        val);
    }
    s->apicbase = (val & APIC_BASE_WRITABLE) | (s->apicbase & APIC_BASE_BSP);
    s->cpu->apic_base = s->apicbase;
    if (was_enabled && !apic_hw_enabled(s)) {
        apic_power_up_state(s); /* SDM 10.4.3: disabling may lose the APIC's state */
    }
    apic_remap(s);
    apic_update_irq(s);
}

uint64_t apic_get_base(APICState *s)
{
    return s->apicbase;
}

void apic_set_extint_source(APICState *s, APICExtIntAck *ack, void *opaque)
{
    s->extint_ack = ack;
    s->extint_opaque = opaque;
}

void apic_set_eoi_listener(APICState *s, APICEOIListener *listener, void *opaque)
{
    s->eoi_listener = listener;
    s->eoi_opaque = opaque;
}

/* ---- device ---- */

static bool apic_realize(DeviceState *dev, Machine *m, Error **errp)
{
    APICState *s = (APICState *)dev;

    if (!m->cpu) {
        error_setg(errp,
                   "the local APIC needs the machine's CPU, which does not exist yet");
        return false;
    }
    if (m->cpu->apic) {
        error_setg(errp, "the CPU already has a local APIC");
        return false;
    }
    s->cpu = m->cpu;
    s->mem = &m->mem;
    memory_region_init_io(&s->mmio, "apic", &apic_mmio_ops, s, APIC_MMIO_SIZE);
    timer_init(&s->timer, CLOCK_VIRTUAL, apic_timer_expired, s);
    s->cpu->apic = s;
    s->cpu->get_irq = apic_get_interrupt;
    s->cpu->get_irq_opaque = s;
    return true;
}

static void apic_unrealize(DeviceState *dev)
{
    APICState *s = (APICState *)dev;

    timer_del(&s->timer);
    if (s->mapped) {
        address_space_unmap(s->mem, &s->mmio);
    }
    memory_region_destroy(&s->mmio);
    if (s->cpu->apic == s) {
        s->cpu->apic = NULL;
        s->cpu->get_irq = NULL;
        s->cpu->get_irq_opaque = NULL;
    }
}

/* The MP specification's virtual wire mode, as a BIOS leaves it. */
static void apic_enter_virtual_wire(APICState *s)
{
    s->svr = SVR_ENABLE | SVR_VECTOR;
    s->lvt[APIC_LVT_LINT0] = APIC_DM_EXTINT << LVT_DM_SHIFT;
    s->lvt[APIC_LVT_LINT1] = APIC_DM_NMI << LVT_DM_SHIFT;
}

static void apic_reset(DeviceState *dev)
{
    APICState *s = (APICState *)dev;

    s->id = s->initial_id;
    s->apicbase = APIC_DEFAULT_BASE | APIC_BASE_ENABLE | APIC_BASE_BSP;
    s->cpu->apic_base = s->apicbase;
    apic_power_up_state(s);
    if (s->virtual_wire) {
        apic_enter_virtual_wire(s);
    }
    apic_remap(s);
    apic_update_irq(s);
}

static bool apic_post_load(void *opaque, Error **errp)
{
    APICState *s = opaque;

    s->timer_dcr &= DCR_WRITABLE;
    s->cpu->apic_base = s->apicbase;
    apic_remap(s);
    apic_update_irq(s);
    return true;
}

static const VMStateField apic_fields[] = {
    VMSTATE_UINT64(apicbase, APICState),
    VMSTATE_UINT8(id, APICState),
    VMSTATE_UINT8(tpr, APICState),
    VMSTATE_UINT32(ldr, APICState),
    VMSTATE_UINT32(dfr, APICState),
    VMSTATE_UINT32(svr, APICState),
    VMSTATE_UINT32_ARRAY(isr, APICState, 8),
    VMSTATE_UINT32_ARRAY(tmr, APICState, 8),
    VMSTATE_UINT32_ARRAY(irr, APICState, 8),
    VMSTATE_UINT32(esr, APICState),
    VMSTATE_UINT32(esr_pending, APICState),
    VMSTATE_UINT32_ARRAY(lvt, APICState, APIC_LVT_NUM),
    VMSTATE_UINT32(icr_lo, APICState),
    VMSTATE_UINT32(icr_hi, APICState),
    VMSTATE_UINT32(timer_initial, APICState),
    VMSTATE_UINT32(timer_dcr, APICState),
    VMSTATE_INT64(timer_start_ns, APICState),
    VMSTATE_UINT64(tsc_deadline, APICState),
    VMSTATE_TIMER(timer, APICState),
    VMSTATE_UINT8_ARRAY(lint_level, APICState, 2),
    VMSTATE_BOOL(extint_message, APICState),
    VMSTATE_END_OF_LIST(),
};

static const VMStateDescription vmstate_apic = {
    .name = "apic",
    .version = 1,
    .fields = apic_fields,
    .post_load = apic_post_load,
};

static const Property apic_props[] = {
    DEFINE_PROP("apic-id", APICState, initial_id, PROP_U8, "0", "local APIC ID"),
    DEFINE_PROP("virtual-wire", APICState, virtual_wire, PROP_BOOL, "on",
                "reset into virtual wire mode as a BIOS leaves it (off: SDM power-up)"),
    DEFINE_PROP_END(),
};

static const DeviceInfo apic_info = {
    .name = "apic",
    .desc = "local APIC (xAPIC) of the CPU",
    .instance_size = sizeof(APICState),
    .props = apic_props,
    .user_creatable = false,
    .realize = apic_realize,
    .reset = apic_reset,
    .unrealize = apic_unrealize,
    .vmsd = &vmstate_apic,
};
DEVICE_REGISTER(apic_info)
