/* The 16550A UART, from the National Semiconductor PC16550D datasheet.
 *
 * Registers by offset (DLAB is LCR bit 7):
 *   0  RBR (read) / THR (write) / DLL (DLAB)
 *   1  IER / DLM (DLAB)
 *   2  IIR (read) / FCR (write)
 *   3  LCR   4 MCR   5 LSR   6 MSR   7 SCR
 *
 * Transmitter timing is kept as the time the shift register finishes the
 * last queued character (tx_end_ns): the number of characters still in the
 * transmitter at time t follows from it, and so do THRE, TEMT and the
 * moment the FIFO empties (the THRE interrupt). */
#include "dev/uart.h"
#include <string.h>

enum {
    IER_ERBFI = 1, IER_ETBEI = 2, IER_ELSI = 4, IER_EDSSI = 8,
    MCR_DTR = 1, MCR_RTS = 2, MCR_OUT1 = 4, MCR_OUT2 = 8, MCR_LOOP = 16,
    LSR_DR = 1, LSR_OE = 2, LSR_ERRS = 0x1E, LSR_THRE = 0x20, LSR_TEMT = 0x40,
    MSR_CTS = 0x10, MSR_DSR = 0x20, MSR_RI = 0x40, MSR_DCD = 0x80,
    IIR_NONE = 1, IIR_MSR = 0, IIR_THRE = 2, IIR_RDA = 4, IIR_LSR = 6, IIR_TIMEOUT = 0xC,
};

static bool fifo_on(const UartState *s) { return s->fcr & 1; }

static unsigned rx_trigger(const UartState *s)
{
    static const uint8_t level[4] = { 1, 4, 8, 14 };
    return fifo_on(s) ? level[s->fcr >> 6] : 1;
}

uint64_t uart_char_ns(const UartState *s)
{
    /* start bit, 5-8 data bits, parity, 1 or 2 stop bits (1.5 with 5
     * data bits): counted in half bits */
    unsigned half = 2 + 2 * (5 + (s->lcr & 3)) + ((s->lcr & 8) ? 2 : 0) +
                    ((s->lcr & 4) ? ((s->lcr & 3) == 0 ? 3 : 4) : 2);
    uint64_t div = s->divisor ? s->divisor : 65536u; /* 0 counts as 65536, as the 8254 does */
    uint64_t ns = (uint64_t)half * div * 16u * 1000000000u / (2u * UART_CLOCK_HZ);
    return ns < UART_MAX_CHAR_NS ? (ns ? ns : 1) : UART_MAX_CHAR_NS;
}

/* Characters in the transmitter (FIFO or THR, plus the shift register). */
static uint64_t tx_pending(const UartState *s, uint64_t now)
{
    if (s->tx_end_ns <= now)
        return 0;
    uint64_t c = uart_char_ns(s), d = s->tx_end_ns - now;
    return d / c + (d % c != 0);
}

static uint8_t lines_in(const UartState *s)
{
    if (s->mcr & MCR_LOOP) /* the outputs come back as inputs */
        return (uint8_t)(((s->mcr & MCR_RTS) ? MSR_CTS : 0) | ((s->mcr & MCR_DTR) ? MSR_DSR : 0) |
                         ((s->mcr & MCR_OUT1) ? MSR_RI : 0) | ((s->mcr & MCR_OUT2) ? MSR_DCD : 0));
    /* a backend is a connected, ready line: CTS, DSR and carrier */
    return MSR_CTS | MSR_DSR | MSR_DCD;
}

/* New input lines: the deltas of the datasheet (RI on its trailing edge). */
static void update_msr(UartState *s)
{
    uint8_t old = s->msr & 0xF0, now = lines_in(s), ch = old ^ now, d = 0;
    if (ch & MSR_CTS)
        d |= 1;
    if (ch & MSR_DSR)
        d |= 2;
    if ((old & MSR_RI) && !(now & MSR_RI))
        d |= 4;
    if (ch & MSR_DCD)
        d |= 8;
    s->msr = (uint8_t)(now | (s->msr & 0x0F) | d);
}

static int iir_id(const UartState *s)
{
    if ((s->ier & IER_ELSI) && (s->lsr_err & LSR_ERRS))
        return IIR_LSR;
    if ((s->ier & IER_ERBFI) && s->rx_count >= rx_trigger(s))
        return IIR_RDA;
    if ((s->ier & IER_ERBFI) && s->rx_timeout)
        return IIR_TIMEOUT;
    if ((s->ier & IER_ETBEI) && s->thr_ipending)
        return IIR_THRE;
    if ((s->ier & IER_EDSSI) && (s->msr & 0x0F))
        return IIR_MSR;
    return IIR_NONE;
}

/* Time-driven conditions up to now, then the IRQ line.  On a PC the
 * UART's INTR reaches the bus only through a buffer enabled by the OUT2
 * pin, and loopback forces OUT2 inactive (datasheet): no IRQ then. */
static void uart_update(UartState *s, uint64_t now)
{
    if (s->thre_armed && now >= s->thre_at_ns) {
        s->thre_armed = false;
        s->thr_ipending = true;
    }
    if (fifo_on(s) && s->rx_count && !s->rx_timeout && now >= s->rx_last_ns + 4 * uart_char_ns(s))
        s->rx_timeout = true;
    bool level = iir_id(s) != IIR_NONE && (s->mcr & MCR_OUT2) && !(s->mcr & MCR_LOOP);
    if (level != s->irq_level) {
        s->irq_level = level;
        irq_set(&s->irq, level);
    }
}

static void rx_clear(UartState *s)
{
    s->rx_head = s->rx_count = 0;
    s->rx_timeout = false;
}

static void rx_push(UartState *s, uint8_t b, uint64_t now)
{
    unsigned cap = fifo_on(s) ? UART_FIFO_SIZE : 1;
    if (s->rx_count >= cap) {
        s->lsr_err |= LSR_OE; /* the character in the shift register is lost */
        if (!fifo_on(s))
            s->rx_fifo[s->rx_head] = b; /* 16450 mode: RBR overwritten */
        return;
    }
    s->rx_fifo[(s->rx_head + s->rx_count) % UART_FIFO_SIZE] = b;
    s->rx_count++;
    s->rx_bytes++;
    s->rx_last_ns = now;
    s->rx_timeout = false;
}

/* One byte the backend took: the transmitter is busy with it for a
 * character time (bounded: a flood never queues up time). */
static void tx_account(UartState *s, uint64_t now, bool full)
{
    s->tx_bytes++;
    if (full)
        return;
    uint64_t c = uart_char_ns(s);
    s->tx_end_ns = (s->tx_end_ns > now ? s->tx_end_ns : now) + c;
    s->thr_ipending = false;
    s->thre_armed = true;
    s->thre_at_ns = s->tx_end_ns - c; /* the last byte enters the shift register */
}

/* The backend held the transmitter up: no THRE until it takes the bytes. */
static void tx_hold(UartState *s, uint8_t b, uint64_t now)
{
    s->tx_hold[(s->tx_hold_head + s->tx_held) % UART_FIFO_SIZE] = b;
    s->tx_held++;
    s->thr_ipending = false;
    s->thre_armed = false;
    s->tx_retry_ns = now + UART_TX_RETRY_NS;
}

unsigned uart_tx_flush(UartState *s, uint64_t now)
{
    while (s->tx_held && s->be.write) {
        if (!s->be.write(s->be.opaque, &s->tx_hold[s->tx_hold_head], 1)) {
            s->tx_retry_ns = now + UART_TX_RETRY_NS;
            break;
        }
        s->tx_hold_head = (uint8_t)((s->tx_hold_head + 1) % UART_FIFO_SIZE);
        s->tx_held--;
        tx_account(s, now, false);
    }
    return s->tx_held;
}

static void tx_byte(UartState *s, uint8_t b, uint64_t now)
{
    unsigned cap = fifo_on(s) ? UART_FIFO_SIZE : 1;
    if (s->tx_held && !(s->mcr & MCR_LOOP)) {
        /* held up by the backend: the FIFO fills as on a slow line, and a
         * byte written to the full FIFO is lost, as on the chip */
        if (s->tx_held < cap)
            tx_hold(s, b, now);
        else
            s->tx_lost++;
        return;
    }
    uint64_t pend = tx_pending(s, now);
    bool full = pend > cap;
    if (s->mcr & MCR_LOOP) {
        rx_push(s, b, now); /* SOUT is looped to SIN inside the chip */
    } else if (s->be.write && !s->be.write(s->be.opaque, &b, 1)) {
        tx_hold(s, b, now);
        return;
    }
    if (full) /* a real 16550 would lose this byte; we sent it and count it */
        s->tx_overflow++;
    tx_account(s, now, full);
}

/* A change of the character time keeps the characters in flight. */
static void retime(UartState *s, uint64_t now, uint8_t new_lcr, uint16_t new_div)
{
    uint64_t pend = tx_pending(s, now);
    s->lcr = new_lcr;
    s->divisor = new_div;
    if (pend) {
        uint64_t c = uart_char_ns(s);
        s->tx_end_ns = now + pend * c;
        if (s->thre_armed)
            s->thre_at_ns = s->tx_end_ns - c;
    }
}

static uint32_t uart_read(void *opaque, uint32_t off, int size)
{
    (void)size;
    UartState *s = opaque;
    uint64_t now = dev_clock_ns(&s->clock);
    uint32_t v = 0xFF;
    uart_update(s, now);
    switch (off) {
    case 0:
        if (s->lcr & 0x80)
            return s->divisor & 0xFF;
        v = s->rx_count ? s->rx_fifo[s->rx_head] : 0;
        if (s->rx_count) {
            s->rx_head = (uint8_t)((s->rx_head + 1) % UART_FIFO_SIZE);
            s->rx_count--;
        }
        s->rx_timeout = false;
        s->rx_last_ns = now;
        break;
    case 1: return (s->lcr & 0x80) ? s->divisor >> 8 : s->ier;
    case 2: {
        int id = iir_id(s);
        if (id == IIR_THRE)
            s->thr_ipending = false; /* reading IIR with THRE as its source clears it */
        v = (uint32_t)id | (fifo_on(s) ? 0xC0 : 0);
        break;
    }
    case 3: return s->lcr;
    case 4: return s->mcr;
    case 5: {
        uint64_t pend = tx_pending(s, now);
        bool held = s->tx_held != 0;
        v = (s->rx_count ? LSR_DR : 0) | s->lsr_err | (pend <= 1 && !held ? LSR_THRE : 0) |
            (pend == 0 && !held ? LSR_TEMT : 0);
        s->lsr_err = 0;
        break;
    }
    case 6:
        v = s->msr;
        s->msr &= 0xF0;
        break;
    default: return s->scr;
    }
    uart_update(s, now);
    return v;
}

static void uart_write(void *opaque, uint32_t off, int size, uint32_t value)
{
    (void)size;
    UartState *s = opaque;
    uint64_t now = dev_clock_ns(&s->clock);
    uint8_t v = (uint8_t)value;
    uart_update(s, now);
    switch (off) {
    case 0:
        if (s->lcr & 0x80)
            retime(s, now, s->lcr, (uint16_t)((s->divisor & 0xFF00) | v));
        else
            tx_byte(s, v, now);
        break;
    case 1:
        if (s->lcr & 0x80) {
            retime(s, now, s->lcr, (uint16_t)((s->divisor & 0x00FF) | v << 8));
        } else {
            uint8_t old = s->ier;
            s->ier = v & 0x0F;
            /* enabling the THRE interrupt while THR is empty interrupts at
             * once (Linux's 8250 driver probes exactly this) */
            if ((s->ier & IER_ETBEI) && !(old & IER_ETBEI) && tx_pending(s, now) <= 1 &&
                !s->tx_held)
                s->thr_ipending = true;
        }
        break;
    case 2: {
        bool was_on = fifo_on(s);
        if (!(v & 1)) { /* FCR0 clear: the other bits are not programmed */
            if (was_on) {
                rx_clear(s);
                s->fcr = 0;
            }
            break;
        }
        if (!was_on || (v & 2))
            rx_clear(s);
        if (!was_on || (v & 4))
            s->tx_hold_head = s->tx_held = 0; /* what the backend held is cleared too */
        if ((!was_on || (v & 4)) && tx_pending(s, now) > 1) {
            s->tx_end_ns = now + uart_char_ns(s); /* the shift register finishes its byte */
            s->thre_armed = true;
            s->thre_at_ns = now;
        }
        s->fcr = v & 0xC9; /* enable, DMA mode, trigger; bits 1-2 clear themselves */
        break;
    }
    case 3: retime(s, now, v, s->divisor); break;
    case 4:
        s->mcr = v & 0x1F;
        update_msr(s);
        break;
    case 5: break; /* LSR: writes are for factory test only */
    case 6: break; /* MSR: read-only */
    default: s->scr = v; break;
    }
    uart_update(s, now);
}

void uart_poll(UartState *s, uint64_t now)
{
    if (s->tx_held && !(s->mcr & MCR_LOOP))
        uart_tx_flush(s, now);
    unsigned cap = fifo_on(s) ? UART_FIFO_SIZE : 1;
    if (s->be.read && !(s->mcr & MCR_LOOP) && s->rx_count < cap) {
        uint8_t buf[UART_FIFO_SIZE];
        size_t n = s->be.read(s->be.opaque, buf, cap - s->rx_count);
        for (size_t i = 0; i < n && i < sizeof buf; i++)
            rx_push(s, buf[i], now);
    }
    uart_update(s, now);
}

uint64_t uart_next_deadline(const UartState *s)
{
    uint64_t d = UART_NO_DEADLINE;
    if (s->thre_armed)
        d = s->thre_at_ns;
    if (s->tx_held && s->tx_retry_ns < d)
        d = s->tx_retry_ns;
    if (fifo_on(s) && s->rx_count && !s->rx_timeout) {
        uint64_t t = s->rx_last_ns + 4 * uart_char_ns(s);
        if (t < d)
            d = t;
    }
    return d;
}

bool uart_rx_can_interrupt(const UartState *s)
{
    return (s->ier & IER_ERBFI) && (s->mcr & MCR_OUT2) && !(s->mcr & MCR_LOOP);
}

static const IoRegionOps uart_ops = { uart_read, uart_write, 1 };

static int uart_realize(Device *dev, DeviceHost *host, char *err, size_t errlen)
{
    UartState *s = (UartState *)dev;
    return iobus_claim(host->io, s->base, 8, &uart_ops, dev, dev->id, err, errlen);
}

/* The MR pin: everything but the divisor and the scratch register. */
static void uart_reset(Device *dev)
{
    UartState *s = (UartState *)dev;
    uint64_t now = dev_clock_ns(&s->clock);
    s->ier = s->lcr = s->mcr = s->fcr = s->lsr_err = 0;
    rx_clear(s);
    s->thr_ipending = s->thre_armed = false;
    s->tx_hold_head = s->tx_held = 0;
    s->tx_end_ns = s->thre_at_ns = s->rx_last_ns = now;
    s->msr = lines_in(s); /* no deltas after reset */
    uart_update(s, now);
}

static int uart_post_load(Device *dev, char *err, size_t errlen)
{
    const UartState *s = (const UartState *)dev;
    if (s->rx_head >= UART_FIFO_SIZE || s->rx_count > UART_FIFO_SIZE || (s->ier & 0xF0) ||
        (s->mcr & 0xE0) || (s->fcr & 0x36) || (s->lsr_err & ~LSR_ERRS) ||
        s->tx_hold_head >= UART_FIFO_SIZE || s->tx_held > UART_FIFO_SIZE ||
        (!(s->fcr & 1) && s->tx_held > 1) ||
        (!(s->fcr & 1) && (s->fcr || s->rx_count > 1))) {
        snprintf(err, errlen, "%s: invalid 16550A state", dev->id);
        return -1;
    }
    return 0;
}

static const StateField uart_fields[] = {
    STATE_BYTES(UartState, rx_fifo, UART_FIFO_SIZE, 1),
    STATE_U8(UartState, rx_head, 1), STATE_U8(UartState, rx_count, 1),
    STATE_U8(UartState, ier, 1), STATE_U8(UartState, lcr, 1), STATE_U8(UartState, mcr, 1),
    STATE_U8(UartState, fcr, 1), STATE_U8(UartState, scr, 1), STATE_U8(UartState, lsr_err, 1),
    STATE_U8(UartState, msr, 1), STATE_U16(UartState, divisor, 1),
    STATE_BOOL(UartState, thr_ipending, 1), STATE_BOOL(UartState, thre_armed, 1),
    STATE_BOOL(UartState, rx_timeout, 1), STATE_BOOL(UartState, irq_level, 1),
    STATE_U64(UartState, tx_end_ns, 1), STATE_U64(UartState, thre_at_ns, 1),
    STATE_U64(UartState, rx_last_ns, 1), STATE_U64(UartState, tx_bytes, 1),
    STATE_U64(UartState, rx_bytes, 1), STATE_U64(UartState, tx_overflow, 1),
    STATE_BYTES(UartState, tx_hold, UART_FIFO_SIZE, 2), STATE_U8(UartState, tx_hold_head, 2),
    STATE_U8(UartState, tx_held, 2), STATE_U64(UartState, tx_retry_ns, 2),
    STATE_U64(UartState, tx_lost, 2),
};
static const StateDesc uart_state = { "uart16550a", 2, uart_fields, STATE_NFIELDS(uart_fields) };

static const DeviceClass uart_class = {
    .name = "uart16550a",
    .realize = uart_realize,
    .reset = uart_reset,
    .state = &uart_state,
    .post_load = uart_post_load,
};

void uart_init(UartState *s, const char *id, uint16_t base, IrqLine irq, DevClock clock,
               UartBackend be)
{
    memset(s, 0, sizeof *s);
    device_init(&s->dev, &uart_class, id);
    s->base = base;
    s->irq = irq;
    s->clock = clock;
    s->be = be;
    s->divisor = 12; /* 9600 baud until the guest programs it */
    s->msr = lines_in(s);
}
