/* Motorola MC146818A real-time clock with CMOS RAM, after its datasheet and PC usage. */
/*
 * Time is arithmetic, not ticking: the RTC's time in ns is CLOCK_VIRTUAL + offset_ns,
 * and the time registers are computed from it when read. While the clock is stopped
 * (SET, or the divider chain not running) the registers hold the time instead, and
 * starting it again sets offset_ns from them. Writing a time register while the
 * clock runs does the same, keeping the divider's phase.
 *
 * Register C's flags are brought up to date lazily ("catch up") from the events in
 * (flags_until_ns, now]: a periodic edge (the 32.768 kHz divider chain's tap chosen
 * by RS, aligned with the seconds), a completed update (each whole second), an alarm
 * match at an update. The update is instantaneous at the second boundary; UIP is
 * set for the 244 us before it. A timer runs only when an enabled event could raise
 * IRQ 8 and the line is not already up, so an idle RTC costs nothing.
 */
#include "hw/rtc/mc146818.h"
#include "hw/machine.h"
#include "util/log.h"
#include <time.h>

#define RTC_IOBASE 0x70

#define RTC_SECONDS       0x00
#define RTC_SECONDS_ALARM 0x01
#define RTC_MINUTES       0x02
#define RTC_MINUTES_ALARM 0x03
#define RTC_HOURS         0x04
#define RTC_HOURS_ALARM   0x05
#define RTC_DAY_OF_WEEK   0x06
#define RTC_DAY_OF_MONTH  0x07
#define RTC_MONTH         0x08
#define RTC_YEAR          0x09
#define RTC_REG_A         0x0a
#define RTC_REG_B         0x0b
#define RTC_REG_C         0x0c
#define RTC_REG_D         0x0d

#define REG_A_UIP      0x80 /* UIP: update in progress */
#define REG_A_DV       0x70 /* DV2-DV0: divider control */
#define REG_A_RS       0x0f /* RS3-RS0: rate select */
#define REG_A_DV_32K   0x20 /* 32.768 kHz time base, dividers running */
#define REG_A_DV_RESET 0x60 /* DV2 = DV1 = 1: divider chain held in reset */

#define REG_B_SET  0x80 /* SET: updates inhibited */
#define REG_B_PIE  0x40 /* PIE: periodic interrupt enable */
#define REG_B_AIE  0x20 /* AIE: alarm interrupt enable */
#define REG_B_UIE  0x10 /* UIE: update-ended interrupt enable */
#define REG_B_SQWE 0x08 /* SQWE: square-wave enable */
#define REG_B_DM   0x04 /* DM: 1 = binary, 0 = BCD */
#define REG_B_24H  0x02 /* 24/12: 1 = 24-hour mode */
#define REG_B_DSE  0x01 /* DSE: daylight savings enable */

#define REG_C_IRQF  0x80 /* IRQF: interrupt request flag */
#define REG_C_PF    0x40 /* PF: periodic interrupt flag */
#define REG_C_AF    0x20 /* AF: alarm interrupt flag */
#define REG_C_UF    0x10 /* UF: update-ended interrupt flag */
#define REG_C_FLAGS (REG_C_PF | REG_C_AF | REG_C_UF)

#define REG_D_VRT 0x80 /* VRT: valid RAM and time */

#define HOUR_PM         0x80 /* 12-hour mode: PM */
#define ALARM_DONT_CARE 0xc0 /* an alarm byte of 11xxxxxx matches any value */

#define RTC_XTAL_HZ       32768
#define RTC_UIP_NS        244000
#define RTC_HALF_SECOND   (NANOSECONDS_PER_SECOND / 2)
#define RTC_SECONDS_A_DAY 86400

static const uint8_t mc146818_time_regs[] = {
    RTC_SECONDS,      RTC_MINUTES, RTC_HOURS, RTC_DAY_OF_WEEK,
    RTC_DAY_OF_MONTH, RTC_MONTH,   RTC_YEAR,  RTC_CMOS_CENTURY,
};

/* ---- arithmetic ---- */

static int64_t mc146818_div_floor(__int128 a, int64_t b)
{
    __int128 q = a / b;
    return (int64_t)(a % b != 0 && (a < 0) != (b < 0) ? q - 1 : q);
}

static int64_t mc146818_div_ceil(__int128 a, int64_t b)
{
    return -mc146818_div_floor(-a, b);
}

static int64_t mc146818_rtc_ns(const RTCState *s, int64_t now)
{
    return now + s->offset_ns;
}

static int64_t mc146818_second_at(const RTCState *s, int64_t now)
{
    return mc146818_div_floor(mc146818_rtc_ns(s, now), NANOSECONDS_PER_SECOND);
}

/* How far into its second the divider chain is. */
static int64_t mc146818_phase_ns(const RTCState *s, int64_t now)
{
    return mc146818_rtc_ns(s, now) - mc146818_second_at(s, now) * NANOSECONDS_PER_SECOND;
}

/* The virtual time at which the RTC's clock reads rtc_ns. */
static int64_t mc146818_virtual_at(const RTCState *s, __int128 rtc_ns)
{
    return (int64_t)(rtc_ns - s->offset_ns);
}

/* ---- state ---- */

static bool mc146818_divider_running(const RTCState *s)
{
    return (s->cmos[RTC_REG_A] & REG_A_DV) == REG_A_DV_32K;
}

static bool mc146818_divider_in_reset(const RTCState *s)
{
    return (s->cmos[RTC_REG_A] & REG_A_DV_RESET) == REG_A_DV_RESET;
}

static bool mc146818_updating(const RTCState *s)
{
    return mc146818_divider_running(s) && !(s->cmos[RTC_REG_B] & REG_B_SET);
}

static bool mc146818_is_time_reg(int index)
{
    return memchr(mc146818_time_regs, index, sizeof(mc146818_time_regs)) != NULL;
}

/* ---- register formats ---- */

static bool mc146818_binary(const RTCState *s)
{
    return s->cmos[RTC_REG_B] & REG_B_DM;
}

static uint8_t mc146818_to_reg(const RTCState *s, int v)
{
    return mc146818_binary(s) ? v : (v / 10) << 4 | v % 10;
}

static int mc146818_from_reg(const RTCState *s, uint8_t r)
{
    if (mc146818_binary(s)) {
        return r;
    }
    if ((r & 0x0f) > 9 || (r >> 4) > 9) {
        log_guest_error("mc146818: 0x%02x is not BCD", r);
    }
    return (r >> 4) * 10 + (r & 0x0f);
}

static uint8_t mc146818_hour_to_reg(const RTCState *s, int hour)
{
    if (s->cmos[RTC_REG_B] & REG_B_24H) {
        return mc146818_to_reg(s, hour);
    }
    return mc146818_to_reg(s, hour % 12 ? hour % 12 : 12) | (hour >= 12 ? HOUR_PM : 0);
}

static int mc146818_hour_from_reg(const RTCState *s, uint8_t r)
{
    if (s->cmos[RTC_REG_B] & REG_B_24H) {
        return mc146818_from_reg(s, r);
    }
    return mc146818_from_reg(s, r & ~HOUR_PM) % 12 + (r & HOUR_PM ? 12 : 0);
}

static uint8_t mc146818_time_field(const RTCState *s, int index, const struct tm *tm)
{
    int year = tm->tm_year + 1900;

    switch (index) {
    case RTC_SECONDS: return mc146818_to_reg(s, tm->tm_sec);
    case RTC_MINUTES: return mc146818_to_reg(s, tm->tm_min);
    case RTC_HOURS: return mc146818_hour_to_reg(s, tm->tm_hour);
    case RTC_DAY_OF_WEEK: return mc146818_to_reg(s, tm->tm_wday + 1); /* Sunday is 1 */
    case RTC_DAY_OF_MONTH: return mc146818_to_reg(s, tm->tm_mday);
    case RTC_MONTH: return mc146818_to_reg(s, tm->tm_mon + 1);
    case RTC_YEAR: return mc146818_to_reg(s, year % 100);
    default: return mc146818_to_reg(s, year / 100);
    }
}

static void mc146818_tm_at(const RTCState *s, int64_t now, struct tm *tm)
{
    time_t sec = mc146818_second_at(s, now);
    gmtime_r(&sec, tm);
}

/* Stop the clock: the registers take over the current time. */
static void mc146818_freeze(RTCState *s, int64_t now)
{
    struct tm tm;

    mc146818_tm_at(s, now, &tm);
    for (size_t i = 0; i < sizeof(mc146818_time_regs); i++) {
        int index = mc146818_time_regs[i];
        s->cmos[index] = mc146818_time_field(s, index, &tm);
    }
}

/* A century byte no one set (or garbage): Linux's rule, years 70-99 are 19xx. */
static int mc146818_full_year(const RTCState *s)
{
    int year = mc146818_from_reg(s, s->cmos[RTC_YEAR]);
    int century = mc146818_from_reg(s, s->cmos[RTC_CMOS_CENTURY]);

    if (century < 19 || century > 99) {
        century = year < 70 ? 20 : 19;
    }
    return century * 100 + year;
}

/* The time the registers hold, in seconds (out-of-range fields carry over). */
static int64_t mc146818_register_seconds(const RTCState *s)
{
    struct tm tm = {
        .tm_sec = mc146818_from_reg(s, s->cmos[RTC_SECONDS]),
        .tm_min = mc146818_from_reg(s, s->cmos[RTC_MINUTES]),
        .tm_hour = mc146818_hour_from_reg(s, s->cmos[RTC_HOURS]),
        .tm_mday = mc146818_from_reg(s, s->cmos[RTC_DAY_OF_MONTH]),
        .tm_mon = mc146818_from_reg(s, s->cmos[RTC_MONTH]) - 1,
        .tm_year = mc146818_full_year(s) - 1900,
    };
    return timegm(&tm);
}

/* Start the clock from the registers, phase_ns into the current second. */
static void mc146818_thaw(RTCState *s, int64_t now, int64_t phase_ns)
{
    s->offset_ns = mc146818_register_seconds(s) * NANOSECONDS_PER_SECOND + phase_ns - now;
}

/* ---- events ---- */

/* log2 of the periodic interrupt's period in 32.768 kHz cycles, or -1 for none. */
static int mc146818_periodic_shift(const RTCState *s)
{
    int rs = s->cmos[RTC_REG_A] & REG_A_RS;

    if (rs == 0 || !mc146818_divider_running(s)) {
        return -1;
    }
    return rs <= 2 ? rs + 6 : rs - 1; /* RS 1 and 2 repeat RS 8 and 9 */
}

/* Periodic edges since the epoch, as of virtual time now. */
static int64_t mc146818_periodic_count(const RTCState *s, int64_t now, int shift)
{
    __int128 cycles = (__int128)mc146818_rtc_ns(s, now) * RTC_XTAL_HZ;
    return mc146818_div_floor(cycles, NANOSECONDS_PER_SECOND << shift);
}

static int64_t mc146818_next_periodic(const RTCState *s, int64_t now, int shift)
{
    __int128 cycle = (__int128)(mc146818_periodic_count(s, now, shift) + 1) << shift;
    return mc146818_virtual_at(
        s, mc146818_div_ceil(cycle * NANOSECONDS_PER_SECOND, RTC_XTAL_HZ));
}

static bool mc146818_alarm_matches(uint8_t alarm, uint8_t value)
{
    return (alarm & ALARM_DONT_CARE) == ALARM_DONT_CARE || alarm == value;
}

/* From minute/second cur, how many to the next one the alarm byte matches; -1: never. */
static int mc146818_alarm_distance(const RTCState *s, uint8_t alarm, int cur)
{
    int v;

    if ((alarm & ALARM_DONT_CARE) == ALARM_DONT_CARE) {
        return 0;
    }
    v = mc146818_from_reg(s, alarm);
    if (v > 59 || mc146818_to_reg(s, v) != alarm) {
        return -1;
    }
    return v >= cur ? v - cur : v + 60 - cur;
}

/*
 * The first second after `after` whose update matches the alarm, or INT64_MAX. Any
 * match recurs daily, so one day of candidates is enough; whole hours and minutes
 * that cannot match are skipped.
 */
static int64_t mc146818_next_alarm(const RTCState *s, int64_t after)
{
    const uint8_t *c = s->cmos;

    for (int64_t t = after + 1; t <= after + RTC_SECONDS_A_DAY;) {
        int64_t sod = t - mc146818_div_floor(t, RTC_SECONDS_A_DAY) * RTC_SECONDS_A_DAY;
        int sec = sod % 60;
        int dmin, dsec;
        if (!mc146818_alarm_matches(c[RTC_HOURS_ALARM],
                                    mc146818_hour_to_reg(s, sod / 3600))) {
            t += 3600 - sod % 3600;
            continue;
        }
        dmin = mc146818_alarm_distance(s, c[RTC_MINUTES_ALARM], sod / 60 % 60);
        dsec = mc146818_alarm_distance(s, c[RTC_SECONDS_ALARM], sec);
        if (dmin < 0 || dsec < 0) {
            return INT64_MAX;
        }
        if (dmin == 0 && dsec == 0) {
            return t;
        }
        t += dmin ? dmin * 60 - sec : dsec;
    }
    return INT64_MAX;
}

static uint8_t mc146818_update_events(const RTCState *s, int64_t from, int64_t now)
{
    int64_t sec_from = mc146818_second_at(s, from);
    int64_t sec_now = mc146818_second_at(s, now);

    if (!mc146818_updating(s) || sec_now == sec_from) {
        return 0;
    }
    return REG_C_UF | (mc146818_next_alarm(s, sec_from) <= sec_now ? REG_C_AF : 0);
}

/* Set register C's flags for the events in (flags_until_ns, now]. */
static void mc146818_catch_up(RTCState *s, int64_t now)
{
    int64_t from = s->flags_until_ns;
    int shift = mc146818_periodic_shift(s);

    if (now <= from) {
        return;
    }
    if (shift >= 0 && mc146818_periodic_count(s, from, shift) !=
                          mc146818_periodic_count(s, now, shift)) {
        s->cmos[RTC_REG_C] |= REG_C_PF;
    }
    s->cmos[RTC_REG_C] |= mc146818_update_events(s, from, now);
    s->flags_until_ns = now;
}

static void mc146818_update_irq(RTCState *s)
{
    uint8_t enabled = s->cmos[RTC_REG_B] & (REG_B_PIE | REG_B_AIE | REG_B_UIE);
    /* Each enable bit sits where its flag does in register C. */
    bool level = s->cmos[RTC_REG_C] & enabled & REG_C_FLAGS;

    s->cmos[RTC_REG_C] = (s->cmos[RTC_REG_C] & ~REG_C_IRQF) | (level ? REG_C_IRQF : 0);
    if (level != s->irq_level) {
        s->irq_level = level;
        irq_set(s->irq, level);
    }
}

static int64_t mc146818_next_update(const RTCState *s, int64_t now, uint8_t enabled)
{
    int64_t next = INT64_MAX;
    int64_t sec = mc146818_second_at(s, now);
    int64_t alarm;

    if (enabled & REG_B_UIE) {
        next = mc146818_virtual_at(s, (__int128)(sec + 1) * NANOSECONDS_PER_SECOND);
    }
    if (enabled & REG_B_AIE) {
        alarm = mc146818_next_alarm(s, sec);
        if (alarm != INT64_MAX) {
            next = MIN(next,
                       mc146818_virtual_at(s, (__int128)alarm * NANOSECONDS_PER_SECOND));
        }
    }
    return next;
}

/* When the next enabled event is due; nothing while IRQ 8 is already raised. */
static void mc146818_arm_timer(RTCState *s, int64_t now)
{
    uint8_t enabled = s->cmos[RTC_REG_B];
    int shift = mc146818_periodic_shift(s);
    int64_t next = INT64_MAX;

    if (!s->irq_level && (enabled & REG_B_PIE) && shift >= 0) {
        next = mc146818_next_periodic(s, now, shift);
    }
    if (!s->irq_level && mc146818_updating(s)) {
        next = MIN(next, mc146818_next_update(s, now, enabled));
    }
    if (next == INT64_MAX) {
        timer_del(&s->timer);
    } else {
        timer_mod(&s->timer, next);
    }
}

static void mc146818_settle(RTCState *s, int64_t now)
{
    mc146818_update_irq(s);
    mc146818_arm_timer(s, now);
}

static void mc146818_timer_expired(void *opaque)
{
    RTCState *s = opaque;
    int64_t now = clock_get_ns(CLOCK_VIRTUAL);

    mc146818_catch_up(s, now);
    mc146818_settle(s, now);
}

/* ---- register access ---- */

static bool mc146818_uip(const RTCState *s, int64_t now)
{
    return mc146818_updating(s) &&
           mc146818_phase_ns(s, now) >= NANOSECONDS_PER_SECOND - RTC_UIP_NS;
}

static uint8_t mc146818_read_reg_c(RTCState *s, int64_t now)
{
    uint8_t val;

    mc146818_catch_up(s, now);
    mc146818_update_irq(s);
    val = s->cmos[RTC_REG_C];
    s->cmos[RTC_REG_C] = 0;
    mc146818_settle(s, now);
    return val;
}

static uint8_t mc146818_read_reg(RTCState *s, int index, int64_t now)
{
    struct tm tm;

    if (mc146818_is_time_reg(index) && mc146818_updating(s)) {
        mc146818_tm_at(s, now, &tm);
        return mc146818_time_field(s, index, &tm);
    }
    switch (index) {
    case RTC_REG_A: return s->cmos[RTC_REG_A] | (mc146818_uip(s, now) ? REG_A_UIP : 0);
    case RTC_REG_C: return mc146818_read_reg_c(s, now);
    case RTC_REG_D: return REG_D_VRT;
    default: return s->cmos[index];
    }
}

/* A time register written while the clock runs: the others keep counting. */
static void mc146818_write_time(RTCState *s, int index, uint8_t val, int64_t now)
{
    int64_t phase = mc146818_phase_ns(s, now);

    if (!mc146818_updating(s)) {
        s->cmos[index] = val;
        return;
    }
    mc146818_freeze(s, now);
    s->cmos[index] = val;
    mc146818_thaw(s, now, phase);
}

static void mc146818_write_reg_a(RTCState *s, uint8_t val, int64_t now)
{
    bool was_updating = mc146818_updating(s);
    bool was_reset = mc146818_divider_in_reset(s);

    if (was_updating) {
        mc146818_freeze(s, now);
    }
    s->cmos[RTC_REG_A] = val & ~REG_A_UIP;
    if (!mc146818_divider_running(s) && !mc146818_divider_in_reset(s)) {
        log_unimp("mc146818: divider setting 0x%02x (only 32.768 kHz runs)", val);
    }
    if (was_reset && mc146818_divider_running(s)) {
        /* The chain restarts: the first update comes half a second later. */
        s->offset_ns += RTC_HALF_SECOND - mc146818_phase_ns(s, now);
    }
    if (mc146818_updating(s) && !was_updating) {
        mc146818_thaw(s, now, mc146818_phase_ns(s, now));
    }
}

static void mc146818_write_reg_b(RTCState *s, uint8_t val, int64_t now)
{
    bool was_updating = mc146818_updating(s);
    int64_t phase = mc146818_phase_ns(s, now);

    if (val & REG_B_SET) {
        val &= ~REG_B_UIE; /* the datasheet: SET clears UIE */
        if (was_updating) {
            mc146818_freeze(s, now);
        }
    }
    if ((val & REG_B_DSE) && !(s->cmos[RTC_REG_B] & REG_B_DSE)) {
        log_unimp("mc146818: daylight savings (register B DSE)");
    }
    s->cmos[RTC_REG_B] = val;
    if (mc146818_updating(s) && !was_updating) {
        mc146818_thaw(s, now, phase);
    }
}

static void mc146818_write_reg(RTCState *s, int index, uint8_t val, int64_t now)
{
    mc146818_catch_up(s, now);
    if (mc146818_is_time_reg(index)) {
        mc146818_write_time(s, index, val, now);
    } else if (index == RTC_REG_A) {
        mc146818_write_reg_a(s, val, now);
    } else if (index == RTC_REG_B) {
        mc146818_write_reg_b(s, val, now);
    } else if (index != RTC_REG_C && index != RTC_REG_D) {
        s->cmos[index] = val;
    }
    mc146818_settle(s, now);
}

/* ---- ports ---- */

static void mc146818_io_write(void *opaque, uint64_t offset, uint64_t value,
                              unsigned size)
{
    RTCState *s = opaque;
    uint8_t val = value;

    log_mask_printf(LOG_IOPORT, "mc146818: write %u = 0x%02x\n", (unsigned)offset, val);
    if (offset == 0) {
        s->index = val & 0x7f;
        s->nmi_masked = val & 0x80;
        return;
    }
    mc146818_write_reg(s, s->index, val, clock_get_ns(CLOCK_VIRTUAL));
}

static uint64_t mc146818_io_read(void *opaque, uint64_t offset, unsigned size)
{
    RTCState *s = opaque;
    uint8_t val;

    if (offset == 0) {
        return 0xff; /* the index register is write-only */
    }
    val = mc146818_read_reg(s, s->index, clock_get_ns(CLOCK_VIRTUAL));
    log_mask_printf(LOG_IOPORT, "mc146818: read reg 0x%02x = 0x%02x\n", s->index, val);
    return val;
}

static const MemoryRegionOps mc146818_ops = {
    .read = mc146818_io_read,
    .write = mc146818_io_write,
    .min_size = 1,
    .max_size = 1,
};

/* ---- machine interface ---- */

static void mc146818_update_checksum(RTCState *s)
{
    unsigned sum = 0;

    for (int i = RTC_CMOS_CHECKSUM_FIRST; i <= RTC_CMOS_CHECKSUM_LAST; i++) {
        sum += s->cmos[i];
    }
    s->cmos[RTC_CMOS_CHECKSUM_HI] = sum >> 8;
    s->cmos[RTC_CMOS_CHECKSUM_LO] = sum & 0xff;
}

void mc146818_set_cmos(RTCState *s, int index, uint8_t val)
{
    assert(index > RTC_REG_D && index < RTC_CMOS_SIZE);
    if (index == RTC_CMOS_CENTURY) {
        mc146818_write_reg(s, index, val, clock_get_ns(CLOCK_VIRTUAL));
        return;
    }
    s->cmos[index] = val;
    if (index >= RTC_CMOS_CHECKSUM_FIRST && index <= RTC_CMOS_CHECKSUM_LAST) {
        mc146818_update_checksum(s);
    }
}

uint8_t mc146818_get_cmos(const RTCState *s, int index)
{
    assert(index > RTC_REG_D && index < RTC_CMOS_SIZE);
    return s->cmos[index];
}

bool mc146818_nmi_masked(const RTCState *s)
{
    return s->nmi_masked;
}

static const DeviceInfo mc146818_info;

RTCState *mc146818_find(Machine *m)
{
    for (guint i = 0; i < m->devices->len; i++) {
        DeviceState *dev = g_ptr_array_index(m->devices, i);
        if (dev->info == &mc146818_info) {
            return (RTCState *)dev;
        }
    }
    return NULL;
}

/* ---- time base ---- */

/* The host's wall clock, read once, through the replay gate. */
static int64_t mc146818_host_base(bool local)
{
    int64_t ns = clock_get_ns(CLOCK_HOST);
    time_t sec = mc146818_div_floor(ns, NANOSECONDS_PER_SECOND);
    struct tm tm;

    if (!local || !localtime_r(&sec, &tm)) {
        return ns;
    }
    return ns + (int64_t)tm.tm_gmtoff * NANOSECONDS_PER_SECOND;
}

/* "YYYY-MM-DD", optionally followed by "THH:MM:SS"; the whole string must match. */
static bool mc146818_scan_date(const char *str, struct tm *tm)
{
    int len = 0, time_len = 0;

    if (sscanf(str, "%4d-%2d-%2d%n", &tm->tm_year, &tm->tm_mon, &tm->tm_mday, &len) !=
        3) {
        return false;
    }
    if (str[len] == 'T' && sscanf(str + len, "T%2d:%2d:%2d%n", &tm->tm_hour, &tm->tm_min,
                                  &tm->tm_sec, &time_len) == 3) {
        len += time_len;
    }
    tm->tm_year -= 1900;
    tm->tm_mon -= 1;
    return str[len] == '\0';
}

/* A date timegm() had to normalise (February 30th, 25:00) is not a date. */
static bool mc146818_parse_date(const char *str, int64_t *ns)
{
    struct tm tm = {0}, given;
    time_t sec;

    if (!mc146818_scan_date(str, &tm)) {
        return false;
    }
    given = tm;
    sec = timegm(&tm);
    if (tm.tm_year != given.tm_year || tm.tm_mon != given.tm_mon ||
        tm.tm_mday != given.tm_mday || tm.tm_hour != given.tm_hour ||
        tm.tm_min != given.tm_min || tm.tm_sec != given.tm_sec) {
        return false;
    }
    *ns = (int64_t)sec * NANOSECONDS_PER_SECOND;
    return true;
}

static bool mc146818_base_ns(const char *base, int64_t *ns, Error **errp)
{
    if (!base || strcmp(base, "utc") == 0) {
        *ns = mc146818_host_base(false);
    } else if (strcmp(base, "localtime") == 0) {
        *ns = mc146818_host_base(true);
    } else if (!mc146818_parse_date(base, ns)) {
        error_setg(errp,
                   "base '%s' is not utc, localtime or a date like "
                   "2006-06-17T16:01:21",
                   base);
        return false;
    }
    return true;
}

/* ---- life cycle ---- */

static bool mc146818_realize(DeviceState *dev, Machine *m, Error **errp)
{
    RTCState *s = (RTCState *)dev;
    int64_t base_ns;
    int64_t now;

    if (!mc146818_base_ns(s->base, &base_ns, errp)) {
        return false;
    }
    now = clock_get_ns(CLOCK_VIRTUAL);
    s->offset_ns = base_ns - now;
    s->flags_until_ns = now;
    s->cmos[RTC_REG_A] = REG_A_DV_32K | 0x06; /* 1024 Hz, the PC BIOS setting */
    s->cmos[RTC_REG_B] = REG_B_24H;
    s->cmos[RTC_REG_D] = REG_D_VRT;
    mc146818_freeze(s, now); /* so that the raw bytes make sense too */
    timer_init(&s->timer, CLOCK_VIRTUAL, mc146818_timer_expired, s);
    s->irq = &m->isa_irq[8];
    memory_region_init_io(&s->io, "mc146818", &mc146818_ops, s, 2);
    address_space_map(&m->io, RTC_IOBASE, &s->io, 0);
    s->io_space = &m->io;
    return true;
}

static void mc146818_unrealize(DeviceState *dev)
{
    RTCState *s = (RTCState *)dev;

    timer_del(&s->timer);
    address_space_unmap(s->io_space, &s->io);
    memory_region_destroy(&s->io);
}

/* The RESET pin: interrupt enables and flags clear; time and NVRAM stay. */
static void mc146818_reset(DeviceState *dev)
{
    RTCState *s = (RTCState *)dev;
    int64_t now = clock_get_ns(CLOCK_VIRTUAL);

    mc146818_catch_up(s, now);
    s->cmos[RTC_REG_B] &= ~(REG_B_PIE | REG_B_AIE | REG_B_UIE | REG_B_SQWE);
    s->cmos[RTC_REG_C] = 0;
    mc146818_settle(s, now);
}

static bool mc146818_post_load(void *opaque, Error **errp)
{
    RTCState *s = opaque;

    s->index &= 0x7f;
    return true;
}

static const VMStateField mc146818_fields[] = {
    VMSTATE_BUFFER(cmos, RTCState),          VMSTATE_UINT8(index, RTCState),
    VMSTATE_BOOL(nmi_masked, RTCState),      VMSTATE_INT64(offset_ns, RTCState),
    VMSTATE_INT64(flags_until_ns, RTCState), VMSTATE_BOOL(irq_level, RTCState),
    VMSTATE_TIMER(timer, RTCState),          VMSTATE_END_OF_LIST(),
};

static const VMStateDescription vmstate_mc146818 = {
    .name = "mc146818rtc",
    .version = 1,
    .fields = mc146818_fields,
    .post_load = mc146818_post_load,
};

static const Property mc146818_props[] = {
    DEFINE_PROP("base", RTCState, base, PROP_STR, "utc",
                "utc, localtime, or a start date such as 2006-06-17T16:01:21"),
    DEFINE_PROP_END(),
};

static const DeviceInfo mc146818_info = {
    .name = "mc146818rtc",
    .desc = "MC146818 real-time clock and CMOS RAM",
    .instance_size = sizeof(RTCState),
    .props = mc146818_props,
    .realize = mc146818_realize,
    .reset = mc146818_reset,
    .unrealize = mc146818_unrealize,
    .vmsd = &vmstate_mc146818,
};
DEVICE_REGISTER(mc146818_info)
