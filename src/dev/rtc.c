/* The MC146818 RTC, from the Motorola MC146818A datasheet, with the PC
 * AT's CMOS layout (IBM AT technical reference).
 *
 * The divider chain is described by one update time (phase_ns): updates
 * come every second from it, and the periodic interrupt's ticks are on
 * the same 32.768 kHz grid (500 ms, the first update after the divider
 * leaves reset, is a whole number of every periodic rate).  Catching up
 * counts the updates and periodic ticks since the last catch-up; the time
 * registers move by whole seconds at once. */
#include "dev/rtc.h"
#include <string.h>

#define NS_PER_S 1000000000u
#define RTC_HZ 32768u

enum {
    A_UIP = 0x80, B_SET = 0x80, B_PIE = 0x40, B_AIE = 0x20, B_UIE = 0x10, B_SQWE = 0x08,
    B_DM = 0x04, B_24H = 0x02, C_IRQF = 0x80, C_PF = 0x40, C_AF = 0x20, C_UF = 0x10, D_VRT = 0x80,
};

/* ---- dates (Howard Hinnant's algorithms, proleptic Gregorian) ---- */

int64_t rtc_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void rtc_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

/* ---- register formats ---- */

static bool is_bcd(const RtcState *s) { return !(s->cmos[RTC_REG_B] & B_DM); }

/* A register's value; digits above 9 in BCD weigh as they are (the chip's
 * result is undefined). */
static unsigned dec(const RtcState *s, uint8_t v) { return is_bcd(s) ? (v >> 4) * 10u + (v & 15u) : v; }
static uint8_t enc(const RtcState *s, unsigned v) { return (uint8_t)(is_bcd(s) ? (v / 10) << 4 | v % 10 : v); }

static unsigned dec_hour(const RtcState *s, uint8_t v)
{
    if (s->cmos[RTC_REG_B] & B_24H)
        return dec(s, v);
    return dec(s, v & 0x7F) % 12 + ((v & 0x80) ? 12 : 0); /* 12 AM is 0, 12 PM is 12 */
}

static uint8_t enc_hour(const RtcState *s, unsigned h)
{
    if (s->cmos[RTC_REG_B] & B_24H)
        return enc(s, h);
    return (uint8_t)(enc(s, h % 12 ? h % 12 : 12) | (h >= 12 ? 0x80 : 0));
}

/* The registers as seconds since 1970.  Values out of range are folded in
 * linearly (a 61st second is the next minute), as QEMU normalizes them. */
static int64_t regs_to_time(const RtcState *s)
{
    unsigned cent = dec(s, s->cmos[RTC_CENTURY]);
    unsigned mon = dec(s, s->cmos[RTC_MONTH]);
    int64_t year = (int64_t)(cent <= 99 ? cent : 20) * 100 + dec(s, s->cmos[RTC_YEAR]);
    if (mon < 1 || mon > 12)
        mon = 1;
    int64_t days = rtc_days_from_civil(year, mon, 1) + (int64_t)dec(s, s->cmos[RTC_MDAY]) - 1;
    return days * 86400 + (int64_t)dec_hour(s, s->cmos[RTC_HOUR]) * 3600 +
           (int64_t)dec(s, s->cmos[RTC_MIN]) * 60 + dec(s, s->cmos[RTC_SEC]);
}

static void time_to_regs(RtcState *s, int64_t t)
{
    int64_t days = floor_div(t, 86400), sod = t - days * 86400, y;
    unsigned m, d;
    rtc_civil_from_days(days, &y, &m, &d);
    if (y < 0)
        y = 0;
    s->cmos[RTC_SEC] = enc(s, (unsigned)(sod % 60));
    s->cmos[RTC_MIN] = enc(s, (unsigned)(sod / 60 % 60));
    s->cmos[RTC_HOUR] = enc_hour(s, (unsigned)(sod / 3600));
    s->cmos[RTC_MDAY] = enc(s, d);
    s->cmos[RTC_MONTH] = enc(s, m);
    s->cmos[RTC_YEAR] = enc(s, (unsigned)(y % 100));
    s->cmos[RTC_CENTURY] = enc(s, (unsigned)(y / 100 % 100)); /* as chipsets that carry it */
    /* day of the week, 1 = Sunday; 1970-01-01 was a Thursday */
    s->cmos[RTC_WDAY] = enc(s, (unsigned)((days % 7 + 7 + 4) % 7) + 1);
}

static bool alarm_field(uint8_t alarm, uint8_t now) { return (alarm & 0xC0) == 0xC0 || alarm == now; }

static bool alarm_matches(const RtcState *s)
{
    return alarm_field(s->cmos[RTC_SEC_ALARM], s->cmos[RTC_SEC]) &&
           alarm_field(s->cmos[RTC_MIN_ALARM], s->cmos[RTC_MIN]) &&
           alarm_field(s->cmos[RTC_HOUR_ALARM], s->cmos[RTC_HOUR]);
}

/* n update cycles: the time moves n seconds, UF is set, AF if the alarm
 * matched at any of them.  The weekday register is incremented with the
 * days (the chip counts it, it does not compute it). */
static void do_updates(RtcState *s, uint64_t n)
{
    int64_t t = regs_to_time(s);
    int64_t wday = (int64_t)dec(s, s->cmos[RTC_WDAY]);
    int64_t day0 = floor_div(t, 86400);
    if (n > 86400) { /* within the last day every alarm comes round */
        t += (int64_t)(n - 86400);
        n = 86400;
    }
    for (uint64_t i = 0; i < n; i++) {
        t++;
        if (!(s->cmos[RTC_REG_C] & C_AF) || i + 1 == n) {
            time_to_regs(s, t);
            if (alarm_matches(s))
                s->cmos[RTC_REG_C] |= C_AF;
        }
    }
    time_to_regs(s, t);
    s->cmos[RTC_WDAY] = enc(s, (unsigned)((wday - 1 + (floor_div(t, 86400) - day0)) % 7 + 7) % 7 + 1);
    s->cmos[RTC_REG_C] |= C_UF;
}

static unsigned divider(const RtcState *s) { return (s->cmos[RTC_REG_A] >> 4) & 7; }
static bool running(const RtcState *s) { return divider(s) == 2; } /* 32.768 kHz time base */

/* The periodic rate in 32.768 kHz ticks, 0 for none. */
static uint64_t periodic_ticks(const RtcState *s)
{
    unsigned rs = s->cmos[RTC_REG_A] & 15;
    if (!rs)
        return 0;
    return (uint64_t)1 << (rs <= 2 ? rs + 6 : rs - 1);
}

/* 32.768 kHz ticks from phase_ns to t (negative before it), floor. */
static int64_t ticks_at(const RtcState *s, uint64_t t)
{
    int64_t d = (int64_t)(t - s->phase_ns); /* two's complement: before the phase is negative */
    int64_t sec = floor_div(d, NS_PER_S), r = d - sec * NS_PER_S;
    return sec * RTC_HZ + r * RTC_HZ / NS_PER_S;
}

static uint64_t ns_of_ticks(const RtcState *s, int64_t k)
{
    int64_t sec = floor_div(k, RTC_HZ), r = k - sec * RTC_HZ;
    return s->phase_ns + (uint64_t)(sec * (int64_t)NS_PER_S + (r * (int64_t)NS_PER_S + RTC_HZ - 1) / RTC_HZ);
}

/* Updates at phase_ns + k s (k >= 0) up to t. */
static uint64_t updates_by(const RtcState *s, uint64_t t)
{
    return t >= s->phase_ns ? (t - s->phase_ns) / NS_PER_S + 1 : 0;
}

static void update_irq(RtcState *s)
{
    uint8_t b = s->cmos[RTC_REG_B], c = s->cmos[RTC_REG_C] & 0x70;
    bool irqf = ((c & C_PF) && (b & B_PIE)) || ((c & C_AF) && (b & B_AIE)) || ((c & C_UF) && (b & B_UIE));
    s->cmos[RTC_REG_C] = (uint8_t)(c | (irqf ? C_IRQF : 0));
    if (irqf != s->irq_level) {
        s->irq_level = irqf;
        irq_set(&s->irq, irqf); /* IRQ stays asserted until register C is read */
    }
}

void rtc_advance(RtcState *s, uint64_t now)
{
    if (running(s)) {
        if (now > s->update_last_ns) {
            uint64_t n = updates_by(s, now) - updates_by(s, s->update_last_ns);
            if (n && !(s->cmos[RTC_REG_B] & B_SET)) /* SET inhibits the updates */
                do_updates(s, n);
        }
        uint64_t p = periodic_ticks(s);
        if (p && now > s->periodic_last_ns &&
            floor_div(ticks_at(s, now), (int64_t)p) != floor_div(ticks_at(s, s->periodic_last_ns), (int64_t)p))
            s->cmos[RTC_REG_C] |= C_PF;
    }
    if (now > s->update_last_ns)
        s->update_last_ns = now;
    if (now > s->periodic_last_ns)
        s->periodic_last_ns = now;
    update_irq(s);
}

uint64_t rtc_next_deadline(const RtcState *s, uint64_t now)
{
    if (!running(s))
        return RTC_NO_DEADLINE;
    uint64_t d = RTC_NO_DEADLINE, p = periodic_ticks(s);
    uint8_t b = s->cmos[RTC_REG_B];
    if ((b & B_PIE) && p)
        d = ns_of_ticks(s, (floor_div(ticks_at(s, now), (int64_t)p) + 1) * (int64_t)p);
    if ((b & (B_UIE | B_AIE)) && !(b & B_SET)) {
        uint64_t u = s->phase_ns + updates_by(s, now) * (uint64_t)NS_PER_S;
        if (u < d)
            d = u;
    }
    return d;
}

static bool uip(const RtcState *s, uint64_t now)
{
    if (!running(s) || (s->cmos[RTC_REG_B] & B_SET))
        return false;
    uint64_t next = s->phase_ns + updates_by(s, now) * (uint64_t)NS_PER_S;
    return next - now <= RTC_UIP_NS;
}

static uint32_t rtc_read(void *opaque, uint32_t off, int size)
{
    (void)size;
    RtcState *s = opaque;
    if (off == 0)
        return 0xFF; /* the index register is write-only on the AT */
    uint64_t now = dev_clock_ns(&s->clock);
    rtc_advance(s, now);
    uint8_t i = s->index, v = s->cmos[i];
    switch (i) {
    case RTC_REG_A: return (uint32_t)(v & 0x7F) | (uip(s, now) ? A_UIP : 0);
    case RTC_REG_C:
        s->cmos[RTC_REG_C] = 0; /* read to clear: flags and IRQF, the IRQ line falls */
        update_irq(s);
        return v;
    case RTC_REG_D: return D_VRT; /* the battery is good */
    default: return v;
    }
}

static void rtc_write(void *opaque, uint32_t off, int size, uint32_t value)
{
    (void)size;
    RtcState *s = opaque;
    uint8_t v = (uint8_t)value;
    if (off == 0) {
        s->index = v & 0x7F;
        s->nmi_masked = (v & 0x80) != 0;
        return;
    }
    uint64_t now = dev_clock_ns(&s->clock);
    rtc_advance(s, now); /* what happened before the write, under the old settings */
    switch (s->index) {
    case RTC_REG_A: {
        unsigned old = divider(s);
        s->cmos[RTC_REG_A] = v & 0x7F; /* UIP is read-only */
        if (old >= 6 && divider(s) == 2)
            s->phase_ns = now + RTC_FIRST_UPDATE_NS; /* out of reset: first update 500 ms on */
        break;
    }
    case RTC_REG_B:
        if (v & B_SET)
            v &= (uint8_t)~B_UIE; /* setting SET clears UIE (datasheet) */
        s->cmos[RTC_REG_B] = v;
        break;
    case RTC_REG_C:
    case RTC_REG_D: break; /* read-only */
    default: s->cmos[s->index] = v; break;
    }
    update_irq(s);
}

static const IoRegionOps rtc_ops = { rtc_read, rtc_write, 1 };

static void put16(uint8_t *cmos, int lo, uint32_t v)
{
    if (v > 0xFFFF)
        v = 0xFFFF;
    cmos[lo] = (uint8_t)v;
    cmos[lo + 1] = (uint8_t)(v >> 8);
}

/* Power on: the time from the wall clock, the NVRAM as an AT BIOS leaves it. */
static int rtc_realize(Device *dev, DeviceHost *host, char *err, size_t errlen)
{
    RtcState *s = (RtcState *)dev;
    if (iobus_claim(host->io, 0x70, 2, &rtc_ops, dev, "rtc", err, errlen) < 0)
        return -1;
    uint64_t now = dev_clock_ns(&s->clock);
    memset(s->cmos, 0, sizeof s->cmos);
    s->cmos[RTC_REG_A] = 0x26; /* 32.768 kHz time base, 1024 Hz periodic rate */
    s->cmos[RTC_REG_B] = B_24H; /* BCD, 24 hours */
    s->cmos[RTC_REG_D] = D_VRT;
    time_to_regs(s, s->wall_origin + (int64_t)(now / NS_PER_S));
    s->phase_ns = (now / NS_PER_S + 1) * NS_PER_S; /* the seconds tick with virtual time */
    s->update_last_ns = s->periodic_last_ns = now;
    uint32_t kib = s->ram_size >> 10;
    s->cmos[0x14] = 0x02; /* equipment: math coprocessor, EGA/VGA, no floppy */
    put16(s->cmos, 0x15, kib < 640 ? kib : 640);   /* base memory, KiB */
    put16(s->cmos, 0x17, kib > 1024 ? kib - 1024 : 0); /* above 1 MiB, KiB (up to 64 MiB) */
    put16(s->cmos, 0x30, kib > 1024 ? kib - 1024 : 0); /* the same, as POST found it */
    put16(s->cmos, 0x34, s->ram_size > (16u << 20) ? (s->ram_size - (16u << 20)) >> 16 : 0);
    unsigned sum = 0; /* the AT checksum over 0x10-0x2D, big-endian at 0x2E */
    for (int i = 0x10; i <= 0x2D; i++)
        sum += s->cmos[i];
    s->cmos[0x2E] = (uint8_t)(sum >> 8);
    s->cmos[0x2F] = (uint8_t)sum;
    return 0;
}

/* The RESET pin clears the interrupt enables and flags; time and NVRAM stay. */
static void rtc_reset(Device *dev)
{
    RtcState *s = (RtcState *)dev;
    rtc_advance(s, dev_clock_ns(&s->clock));
    s->cmos[RTC_REG_B] &= (uint8_t)~(B_PIE | B_AIE | B_UIE | B_SQWE);
    s->cmos[RTC_REG_C] = 0;
    s->index = 0;
    s->nmi_masked = false;
    update_irq(s);
}

static int rtc_post_load(Device *dev, char *err, size_t errlen)
{
    const RtcState *s = (const RtcState *)dev;
    if (s->index >= RTC_CMOS_SIZE || (s->cmos[RTC_REG_A] & A_UIP) || (s->cmos[RTC_REG_C] & 0x0F) ||
        s->cmos[RTC_REG_D] != D_VRT) {
        snprintf(err, errlen, "%s: invalid MC146818 state", dev->id);
        return -1;
    }
    return 0;
}

static const StateField rtc_fields[] = {
    STATE_BYTES(RtcState, cmos, RTC_CMOS_SIZE, 1),
    STATE_U8(RtcState, index, 1), STATE_BOOL(RtcState, nmi_masked, 1),
    STATE_BOOL(RtcState, irq_level, 1), STATE_U64(RtcState, phase_ns, 1),
    STATE_U64(RtcState, update_last_ns, 1), STATE_U64(RtcState, periodic_last_ns, 1),
};
static const StateDesc rtc_state = { "mc146818", 1, rtc_fields, STATE_NFIELDS(rtc_fields) };

static const DeviceClass rtc_class = {
    .name = "mc146818",
    .realize = rtc_realize,
    .reset = rtc_reset,
    .state = &rtc_state,
    .post_load = rtc_post_load,
};

void rtc_init(RtcState *s, const char *id, IrqLine irq, DevClock clock, int64_t wall_origin,
              uint32_t ram_size)
{
    memset(s, 0, sizeof *s);
    device_init(&s->dev, &rtc_class, id);
    s->irq = irq;
    s->clock = clock;
    s->wall_origin = wall_origin;
    s->ram_size = ram_size;
}
