/* The 8254 PIT, from the Intel 8254 datasheet (order 231164).
 *
 * A counter is described by when it started (the tick its counting
 * element (CE) held n) and its mode; the CE value and OUT at any later
 * tick are computed, as are the ticks where OUT rises.  The datasheet's
 * one-CLK delay between writing a count and the CE loading it is kept
 * (start = tick of the write + 1).  Rising edges of counter 0 are counted
 * between two calls and given to the PIC as one edge: the PIC latches one
 * request per line anyway, and a guest that programs the fastest rate gets
 * at most one IRQ 0 per PIT_MIN_IRQ_NS (the surplus is counted in
 * irq_coalesced, visible in the state dump). */
#include "dev/pit.h"
#include <string.h>

#define NS_PER_S 1000000000u

uint64_t pit_tick_of_ns(uint64_t ns)
{
    /* split so ns * PIT_HZ cannot overflow 64 bits */
    return ns / NS_PER_S * PIT_HZ + ns % NS_PER_S * PIT_HZ / NS_PER_S;
}

uint64_t pit_ns_of_tick(uint64_t tick)
{
    uint64_t s = tick / PIT_HZ, r = tick % PIT_HZ;
    if (s > (UINT64_MAX - NS_PER_S) / NS_PER_S)
        return PIT_NO_DEADLINE;
    return s * NS_PER_S + (r * NS_PER_S + PIT_HZ - 1) / PIT_HZ;
}

static uint32_t modulus(const PitChannel *c) { return c->bcd ? 10000u : 65536u; }

static uint32_t bcd_to_bin(uint32_t v)
{
    /* nibbles above 9 are not BCD: the hardware's result is undefined; we
     * weigh them as digits and stay in range */
    uint32_t b = ((v >> 12) & 15) * 1000 + ((v >> 8) & 15) * 100 + ((v >> 4) & 15) * 10 + (v & 15);
    return b % 10000u;
}

static uint16_t bin_to_bcd(uint32_t v)
{
    v %= 10000u;
    return (uint16_t)((v / 1000) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | v % 10);
}

/* Apply a count written in mode 2/3 once its period boundary is reached. */
static void ch_settle(PitChannel *c, uint64_t t)
{
    if (c->switch_pending && t >= c->switch_tick) {
        c->start = c->switch_tick;
        c->n = c->cr;
        c->switch_pending = false;
        c->cr_waiting = false;
    }
}

/* Ticks counted since the CE was loaded. */
static uint64_t ch_d(const PitChannel *c, uint64_t t)
{
    if (c->paused) /* gate low holds the count */
        return c->paused_d;
    return t > c->start ? t - c->start : 0;
}

static bool ch_loaded(const PitChannel *c, uint64_t t) { return c->state == PIT_RUNNING && t >= c->start; }

static bool ch_out(const PitChannel *c, uint64_t t)
{
    if (!ch_loaded(c, t))
        return c->mode != 0; /* mode 0 OUT is low from the control word on */
    uint64_t d = ch_d(c, t);
    switch (c->mode) {
    case 0:
    case 1: return d >= c->n;
    case 2: return c->paused || c->n == 1 || d % c->n != c->n - 1; /* low for the CLK at count 1 */
    case 3: return c->paused || d % c->n < (c->n + 1) / 2;        /* high for the longer half */
    default: return d != c->n;                                     /* 4, 5: low for the CLK at count 0 */
    }
}

/* Rising edges of OUT in (t0, t1], with no control change in between. */
static uint64_t ch_edges(const PitChannel *c, uint64_t t0, uint64_t t1)
{
    if (c->state != PIT_RUNNING || t1 <= t0 || (c->paused && c->mode != 1 && c->mode != 5))
        return 0;
    uint64_t d0 = ch_d(c, t0), d1 = ch_d(c, t1);
    switch (c->mode) {
    case 2:
    case 3: return d1 / c->n - d0 / c->n; /* OUT rises at every reload */
    case 0:
    case 1: return d0 < c->n && d1 >= c->n;
    default: return d0 < c->n + 1u && d1 >= c->n + 1u;
    }
}

static uint64_t ch_next_edge(const PitChannel *c, uint64_t t)
{
    if (c->state != PIT_RUNNING || (c->paused && c->mode != 1 && c->mode != 5))
        return PIT_NO_DEADLINE;
    uint64_t d = ch_d(c, t);
    switch (c->mode) {
    case 2:
    case 3: return c->start + (d / c->n + 1) * c->n;
    case 0:
    case 1: return d < c->n ? c->start + c->n : PIT_NO_DEADLINE;
    default: return d < c->n + 1u ? c->start + c->n + 1 : PIT_NO_DEADLINE;
    }
}

/* The CE value (binary). */
static uint32_t ch_count(const PitChannel *c, uint64_t t)
{
    uint32_t m = modulus(c), n = c->n;
    if (!ch_loaded(c, t) || n == 0)
        return n % m;
    uint64_t d = ch_d(c, t);
    uint32_t p;
    switch (c->mode) {
    case 2: return n - (uint32_t)(d % n);
    case 3:
        p = (uint32_t)(d % n);
        if (!(n & 1)) /* even: down by two, reloaded at each half */
            return n - (2 * p) % n;
        /* odd (datasheet): the high half takes N-1 first, then twos; the
         * low half takes N-3 first, then twos */
        if (p < (n + 1) / 2)
            return p == 0 ? n : n + 1 - 2 * p;
        p -= (n + 1) / 2;
        return p == 0 ? n : n - 1 - 2 * p;
    default: return (uint32_t)((n + m - d % m) % m); /* counts on past 0, wrapping */
    }
}

static uint16_t ch_read_value(const PitChannel *c, uint64_t t)
{
    uint32_t v = ch_count(c, t);
    return c->bcd ? bin_to_bcd(v) : (uint16_t)v;
}

static void ch_load(PitChannel *c, uint16_t raw, uint64_t t)
{
    uint32_t v = c->bcd ? bcd_to_bin(raw) : raw;
    c->cr = v ? v : modulus(c);
    switch (c->mode) {
    case 1:
    case 5: /* the count waits for a gate trigger */
        if (c->state == PIT_IDLE)
            c->state = PIT_WAIT_TRIGGER;
        c->cr_waiting = true;
        return;
    case 2:
    case 3: /* a running counter finishes its period first */
        if (c->state == PIT_RUNNING && !c->paused) {
            c->switch_pending = true;
            c->cr_waiting = true;
            c->switch_tick = c->start + (ch_d(c, t) / c->n + 1) * c->n;
            return;
        }
        if (c->state == PIT_RUNNING) { /* gate low: the rising gate reloads */
            c->cr_waiting = true;
            return;
        }
        break;
    default: break; /* 0, 4: (re)start at once */
    }
    c->state = PIT_RUNNING;
    c->n = c->cr;
    c->start = t + 1;
    c->paused = !c->gate;
    c->paused_d = 0;
    c->cr_waiting = false;
}

static void ch_gate(PitChannel *c, bool level, uint64_t t)
{
    bool rising = level && !c->gate;
    c->gate = level;
    if (c->state == PIT_IDLE)
        return;
    switch (c->mode) {
    case 0:
    case 4: /* gate low suspends counting */
        if (c->state != PIT_RUNNING)
            return;
        if (!level && !c->paused) {
            c->paused_d = ch_d(c, t);
            c->paused = true;
        } else if (level && c->paused) {
            c->start = t - (c->paused_d < t ? c->paused_d : t);
            c->paused = false;
        }
        return;
    case 1:
    case 5: /* a rising gate (re)triggers */
        if (!rising)
            return;
        break;
    default: /* 2, 3: low stops counting with OUT high; rising reloads */
        if (c->state != PIT_RUNNING)
            return;
        if (!level) {
            if (!c->paused)
                c->paused_d = ch_d(c, t);
            c->paused = true;
            c->cr_waiting = c->cr_waiting || c->switch_pending;
            c->switch_pending = false;
            return;
        }
        if (!rising)
            return;
        break;
    }
    c->state = PIT_RUNNING;
    c->n = c->cr;
    c->start = t + 1;
    c->paused = false;
    c->switch_pending = false;
    c->cr_waiting = false;
}

static void ch_latch_count(PitChannel *c, uint64_t t)
{
    if (c->latch_next) /* a second latch before the read is ignored */
        return;
    c->latch = ch_read_value(c, t);
    c->latch_next = c->rw == 2 ? 2 : 1;
}

static void ch_latch_status(PitChannel *c, uint64_t t)
{
    if (c->status_latched)
        return;
    bool null_count = c->state != PIT_RUNNING || c->cr_waiting || t < c->start;
    c->status = (uint8_t)(ch_out(c, t) << 7 | null_count << 6 | c->rw << 4 | c->mode << 1 | c->bcd);
    c->status_latched = true;
}

static void ch_control(PitChannel *c, uint8_t v)
{
    uint8_t mode = (v >> 1) & 7;
    c->mode = mode > 5 ? mode - 4 : mode; /* 6 and 7 are 2 and 3 */
    c->rw = (v >> 4) & 3;
    c->bcd = v & 1;
    c->state = PIT_IDLE; /* "all control logic is reset", OUT to its initial level */
    c->paused = c->switch_pending = c->cr_waiting = c->status_latched = false;
    c->latch_next = 0;
    c->read_msb = c->write_msb = 0;
}

/* Counter 0's edges up to now go to the PIC, at most one per rate period. */
void pit_advance(PitState *s, uint64_t now_ns)
{
    uint64_t t = pit_tick_of_ns(now_ns), t0 = s->irq_tick, edges = 0;
    PitChannel *c = &s->ch[0];
    if (t < t0)
        t = t0; /* the clock is monotonic; never count backwards */
    if (c->switch_pending && c->switch_tick <= t) {
        edges += ch_edges(c, t0, c->switch_tick);
        t0 = c->switch_tick;
        ch_settle(c, t0);
    }
    edges += ch_edges(c, t0, t);
    s->irq_tick = t;
    for (int i = 1; i < 3; i++)
        ch_settle(&s->ch[i], t);
    if (edges) {
        s->irq_coalesced += s->irq_pending ? edges : edges - 1;
        s->irq_pending = true;
    }
    if (s->irq_pending && (s->irq_delivered == 0 || now_ns - s->irq_last_ns >= PIT_MIN_IRQ_NS)) {
        if (s->irq_level)
            irq_set(&s->irq0, 0);
        irq_set(&s->irq0, 1);
        s->irq_level = true;
        s->irq_pending = false;
        s->irq_last_ns = now_ns;
        s->irq_delivered++;
    }
    bool out = ch_out(c, t);
    /* While an edge waits for the rate limit the line must not rise early. */
    if (out != s->irq_level && !(out && s->irq_pending)) {
        s->irq_level = out;
        irq_set(&s->irq0, out);
    }
}

uint64_t pit_next_deadline(const PitState *s, uint64_t now_ns)
{
    uint64_t limit = s->irq_delivered ? s->irq_last_ns + PIT_MIN_IRQ_NS : 0;
    if (s->irq_pending)
        return limit;
    uint64_t t = pit_tick_of_ns(now_ns);
    if (t < s->irq_tick)
        t = s->irq_tick;
    uint64_t edge = ch_next_edge(&s->ch[0], t);
    if (edge == PIT_NO_DEADLINE)
        return PIT_NO_DEADLINE;
    uint64_t ns = pit_ns_of_tick(edge);
    return ns > limit ? ns : limit;
}

static uint64_t pit_now(PitState *s)
{
    uint64_t now = dev_clock_ns(&s->clock);
    pit_advance(s, now);
    return s->irq_tick;
}

void pit_set_gate(PitState *s, int ch, bool level)
{
    if (ch < 0 || ch > 2)
        return;
    uint64_t t = pit_now(s);
    ch_settle(&s->ch[ch], t);
    ch_gate(&s->ch[ch], level, t);
    if (ch == 0)
        pit_advance(s, dev_clock_ns(&s->clock));
}

bool pit_get_out(PitState *s, int ch)
{
    if (ch < 0 || ch > 2)
        return false;
    uint64_t t = pit_now(s);
    ch_settle(&s->ch[ch], t);
    return ch_out(&s->ch[ch], t);
}

static uint32_t pit_read(void *opaque, uint32_t off, int size)
{
    (void)size;
    PitState *s = opaque;
    if (off > 2)
        return 0xFF; /* the control word register is write-only */
    PitChannel *c = &s->ch[off];
    uint64_t t = pit_now(s);
    ch_settle(c, t);
    if (c->status_latched) {
        c->status_latched = false;
        return c->status;
    }
    if (c->latch_next) {
        uint16_t v = c->latch;
        if (c->latch_next == 2) {
            c->latch_next = 0;
            return v >> 8;
        }
        c->latch_next = c->rw == 3 ? 2 : 0;
        return v & 0xFF;
    }
    uint16_t v = ch_read_value(c, t);
    if (c->rw == 2 || (c->rw == 3 && c->read_msb)) {
        c->read_msb = 0;
        return v >> 8;
    }
    if (c->rw == 3)
        c->read_msb = 1;
    return v & 0xFF;
}

static void pit_write(void *opaque, uint32_t off, int size, uint32_t value)
{
    (void)size;
    PitState *s = opaque;
    uint8_t v = (uint8_t)value;
    uint64_t t = pit_now(s);
    if (off == 3) {
        int sel = v >> 6;
        if (sel == 3) { /* read-back: D5 clear latches counts, D4 clear latches status */
            for (int i = 0; i < 3; i++) {
                if (!(v & (2 << i)))
                    continue;
                ch_settle(&s->ch[i], t);
                if (!(v & 0x20))
                    ch_latch_count(&s->ch[i], t);
                if (!(v & 0x10))
                    ch_latch_status(&s->ch[i], t);
            }
            return;
        }
        ch_settle(&s->ch[sel], t);
        if (((v >> 4) & 3) == 0)
            ch_latch_count(&s->ch[sel], t);
        else
            ch_control(&s->ch[sel], v);
    } else {
        PitChannel *c = &s->ch[off];
        ch_settle(c, t);
        if (c->rw == 1) {
            ch_load(c, v, t);
        } else if (c->rw == 2) {
            ch_load(c, (uint16_t)(v << 8), t);
        } else if (!c->write_msb) {
            c->write_lsb = v;
            c->write_msb = 1;
            if (c->mode == 0)
                c->state = PIT_IDLE; /* the first byte stops counting, OUT low */
        } else {
            c->write_msb = 0;
            ch_load(c, (uint16_t)(c->write_lsb | v << 8), t);
        }
    }
    /* OUT0 may have changed at once (a control word, a mode 0 count) */
    if (off == 0 || off == 3)
        pit_advance(s, dev_clock_ns(&s->clock));
}

static const IoRegionOps pit_ops = { pit_read, pit_write, 1 };

static int pit_realize(Device *dev, DeviceHost *host, char *err, size_t errlen)
{
    return iobus_claim(host->io, 0x40, 4, &pit_ops, dev, "pit", err, errlen);
}

/* Power on as Bochs does: every counter in mode 4, LSB access, not
 * counting, OUT high; the gates of counters 0 and 1 are tied high and
 * counter 2's stays as port 0x61 drives it. */
static void pit_reset(Device *dev)
{
    PitState *s = (PitState *)dev;
    for (int i = 0; i < 3; i++) {
        PitChannel *c = &s->ch[i];
        bool gate = i == 2 ? c->gate : true;
        memset(c, 0, sizeof *c);
        c->mode = 4;
        c->rw = 1;
        c->gate = gate;
    }
    s->irq_tick = pit_tick_of_ns(dev_clock_ns(&s->clock));
    s->irq_pending = false;
    s->irq_delivered = s->irq_coalesced = 0;
    if (!s->irq_level) {
        s->irq_level = true;
        irq_set(&s->irq0, 1);
    }
}

static int pit_post_load(Device *dev, char *err, size_t errlen)
{
    PitState *s = (PitState *)dev;
    for (int i = 0; i < 3; i++) {
        const PitChannel *c = &s->ch[i];
        uint32_t m = modulus(c);
        bool counting = c->state != PIT_IDLE;
        if (c->mode > 5 || c->rw == 0 || c->rw > 3 || c->state > PIT_RUNNING ||
            c->latch_next > 2 || c->read_msb > 1 || c->write_msb > 1 ||
            (counting && (c->cr == 0 || c->cr > m)) ||
            (c->state == PIT_RUNNING && (c->n == 0 || c->n > m))) {
            snprintf(err, errlen, "%s: invalid 8254 state in counter %d", dev->id, i);
            return -1;
        }
    }
    return 0;
}

static const StateField ch_fields[] = {
    STATE_U32(PitChannel, cr, 1), STATE_U32(PitChannel, n, 1),
    STATE_U64(PitChannel, start, 1), STATE_U64(PitChannel, paused_d, 1),
    STATE_U64(PitChannel, switch_tick, 1), STATE_U16(PitChannel, latch, 1),
    STATE_U8(PitChannel, mode, 1), STATE_U8(PitChannel, rw, 1), STATE_U8(PitChannel, state, 1),
    STATE_U8(PitChannel, read_msb, 1), STATE_U8(PitChannel, write_msb, 1),
    STATE_U8(PitChannel, write_lsb, 1), STATE_U8(PitChannel, latch_next, 1),
    STATE_U8(PitChannel, status, 1), STATE_BOOL(PitChannel, bcd, 1),
    STATE_BOOL(PitChannel, gate, 1), STATE_BOOL(PitChannel, paused, 1),
    STATE_BOOL(PitChannel, switch_pending, 1), STATE_BOOL(PitChannel, cr_waiting, 1),
    STATE_BOOL(PitChannel, status_latched, 1),
};
static const StateDesc ch_state = { "i8254-counter", 1, ch_fields, STATE_NFIELDS(ch_fields) };

static const StateField pit_fields[] = {
    STATE_STRUCT_ARRAY(PitState, ch, 3, PitChannel, ch_state, 1),
    STATE_U64(PitState, irq_tick, 1), STATE_U64(PitState, irq_last_ns, 1),
    STATE_U64(PitState, irq_delivered, 1), STATE_U64(PitState, irq_coalesced, 1),
    STATE_BOOL(PitState, irq_level, 1), STATE_BOOL(PitState, irq_pending, 1),
};
static const StateDesc pit_state = { "pit", 1, pit_fields, STATE_NFIELDS(pit_fields) };

static const DeviceClass pit_class = {
    .name = "i8254",
    .realize = pit_realize,
    .reset = pit_reset,
    .state = &pit_state,
    .post_load = pit_post_load,
};

void pit_init(PitState *s, const char *id, IrqLine irq0, DevClock clock)
{
    memset(s, 0, sizeof *s);
    device_init(&s->dev, &pit_class, id);
    s->irq0 = irq0;
    s->clock = clock;
    for (int i = 0; i < 3; i++) {
        s->ch[i].mode = 4;
        s->ch[i].rw = 1;
        s->ch[i].gate = i != 2;
    }
}
