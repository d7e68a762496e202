/* The 16550A UART, from the PC16550D datasheet: register access and DLAB,
 * the FIFO probe Linux's 8250 driver does, the modem-status loopback, the
 * THRE interrupt (on enabling it with THR empty, after the FIFO drains),
 * receive trigger levels and the character timeout, overrun, interrupt
 * priorities, the OUT2 gate, backpressure on input, a guest that floods
 * the transmitter, and a backend that stops taking bytes (the transmitter
 * held up: THRE clear, 16 bytes kept, the rest lost and counted). */
#include <check.h>
#include "unit_main.h"
#include <stdlib.h>
#include <string.h>
#include "dev/uart.h"

enum { BASE = 0x3F8 };

typedef struct Fix {
    IoBus io;
    DeviceHost host;
    UartState u;
    uint64_t now;
    int level;
    uint8_t out[65536];
    size_t nout;
    uint8_t in[256];
    size_t nin, in_pos;
    size_t out_room; /* with `stalled`: bytes the backend still takes */
    bool stalled;
} Fix;

static uint64_t fake_clock(void *opaque) { return ((Fix *)opaque)->now; }
static void on_irq(void *opaque, int n, int level)
{
    (void)n;
    ((Fix *)opaque)->level = level;
}

static size_t be_write(void *opaque, const uint8_t *buf, size_t n)
{
    Fix *f = opaque;
    if (f->stalled) {
        if (n > f->out_room)
            n = f->out_room;
        f->out_room -= n;
    }
    for (size_t i = 0; i < n && f->nout < sizeof f->out; i++)
        f->out[f->nout++] = buf[i];
    return n;
}

static size_t be_read(void *opaque, uint8_t *buf, size_t n)
{
    Fix *f = opaque;
    size_t k = 0;
    while (k < n && f->in_pos < f->nin)
        buf[k++] = f->in[f->in_pos++];
    return k;
}

static Fix *setup(void)
{
    Fix *f = calloc(1, sizeof *f);
    char err[128];
    iobus_init(&f->io);
    f->host = (DeviceHost){ &f->io, NULL, 0 };
    f->now = 123456789;
    uart_init(&f->u, "com1", BASE, (IrqLine){ on_irq, f, 4 }, (DevClock){ fake_clock, f },
              (UartBackend){ be_write, be_read, f });
    ck_assert_int_eq(device_realize(&f->u.dev, &f->host, err, sizeof err), 0);
    return f;
}

static void teardown(Fix *f)
{
    device_unrealize(&f->u.dev);
    free(f);
}

static void out8(Fix *f, int reg, uint8_t v) { iobus_write(&f->io, (uint16_t)(BASE + reg), 1, v); }
static uint8_t in8(Fix *f, int reg) { return (uint8_t)iobus_read(&f->io, (uint16_t)(BASE + reg), 1); }
static void input(Fix *f, const char *s)
{
    size_t n = strlen(s);
    memcpy(f->in + f->nin, s, n);
    f->nin += n;
}
static void poll_at(Fix *f, uint64_t t)
{
    f->now = t;
    uart_poll(&f->u, t);
}

START_TEST(test_registers_and_dlab)
{
    Fix *f = setup();
    ck_assert_uint_eq(in8(f, 2), 0x01);   /* IIR: no interrupt, no FIFO */
    ck_assert_uint_eq(in8(f, 5), 0x60);   /* LSR: THRE and TEMT */
    ck_assert_uint_eq(in8(f, 6), 0xB0);   /* MSR: DCD DSR CTS, no deltas */
    out8(f, 1, 0xFF);
    ck_assert_uint_eq(in8(f, 1), 0x0F);   /* IER bits 4-7 read 0 */
    out8(f, 1, 0);
    out8(f, 7, 0xA5);
    ck_assert_uint_eq(in8(f, 7), 0xA5);
    out8(f, 3, 0x83);                     /* DLAB, 8N1 */
    out8(f, 0, 0x01);
    out8(f, 1, 0x00);                     /* 115200 baud */
    ck_assert_uint_eq(in8(f, 0), 0x01);
    ck_assert_uint_eq(in8(f, 1), 0x00);
    ck_assert_uint_eq(f->u.divisor, 1);
    out8(f, 3, 0x03);
    ck_assert_uint_eq(in8(f, 1), 0x00);   /* IER again */
    ck_assert_uint_eq(in8(f, 3), 0x03);
    out8(f, 4, 0xFF);
    ck_assert_uint_eq(in8(f, 4), 0x1F);   /* MCR bits 5-7 read 0 */
    ck_assert_uint_eq(f->nout, 0);
    ck_assert_uint_eq(uart_char_ns(&f->u), UART_MAX_CHAR_NS); /* 86.8 us, capped */
    teardown(f);
}
END_TEST

START_TEST(test_fifo_probe)
{
    Fix *f = setup();
    out8(f, 2, 0x07);
    ck_assert_uint_eq(in8(f, 2), 0xC1);   /* FIFOs enabled: a 16550A */
    out8(f, 2, 0x27);                     /* the 16750's 64-byte bit is not there */
    ck_assert_uint_eq(in8(f, 2) & 0x20, 0);
    out8(f, 2, 0xC6);                     /* FCR0 clear: FIFOs off, the rest not programmed */
    ck_assert_uint_eq(in8(f, 2), 0x01);
    ck_assert_uint_eq(f->u.fcr, 0);
    out8(f, 2, 0x00);
    ck_assert_uint_eq(in8(f, 2), 0x01);
    teardown(f);
}
END_TEST

START_TEST(test_loopback_modem_status)
{
    Fix *f = setup();
    in8(f, 6);
    out8(f, 4, 0x10 | 0x0A);              /* LOOP, RTS, OUT2: Linux's 8250 probe */
    ck_assert_uint_eq(in8(f, 6) & 0xF0, 0x90); /* CTS and DCD */
    out8(f, 4, 0x10 | 0x05);              /* DTR, OUT1 */
    uint8_t msr = in8(f, 6);
    ck_assert_uint_eq(msr & 0xF0, 0x60);  /* DSR and RI */
    ck_assert_uint_eq(msr & 0x0F, 0x0B);  /* DCTS DDSR DDCD; RI rose: no TERI */
    ck_assert_uint_eq(in8(f, 6) & 0x0F, 0); /* deltas cleared by the read */
    out8(f, 4, 0x10);
    ck_assert_uint_eq(in8(f, 6) & 0x0F, 0x06); /* DDSR and TERI (RI fell) */
    /* loopback: bytes come back, none reaches the backend */
    out8(f, 0, 'x');
    ck_assert_uint_eq(in8(f, 5) & 1, 1);
    ck_assert_uint_eq(in8(f, 0), 'x');
    ck_assert_uint_eq(f->nout, 0);
    /* a modem status interrupt, and none reaches the bus in loopback */
    out8(f, 1, 0x08);
    out8(f, 4, 0x10 | 0x08 | 0x02);
    ck_assert_uint_eq(in8(f, 2), 0x00);   /* modem status */
    ck_assert_int_eq(f->level, 0);        /* OUT2 is forced inactive in loopback */
    out8(f, 4, 0x08);                     /* out of loopback: lines back to the backend's */
    ck_assert_int_eq(f->level, 1);
    in8(f, 6);
    ck_assert_uint_eq(in8(f, 2), 0x01);
    ck_assert_int_eq(f->level, 0);
    teardown(f);
}
END_TEST

START_TEST(test_thre_interrupt)
{
    Fix *f = setup();
    out8(f, 4, 0x08);                     /* OUT2: the PC's IRQ gate */
    out8(f, 1, 0x02);                     /* ETBEI with THR empty: at once */
    ck_assert_int_eq(f->level, 1);
    ck_assert_uint_eq(in8(f, 2), 0x02);
    ck_assert_int_eq(f->level, 0);        /* reading IIR cleared it */
    ck_assert_uint_eq(in8(f, 2), 0x01);
    out8(f, 1, 0x00);                     /* Linux's THRE test, twice */
    out8(f, 1, 0x02);
    ck_assert_uint_eq(in8(f, 2), 0x02);
    /* without OUT2 the condition is there, the line is not */
    out8(f, 1, 0);
    out8(f, 4, 0x00);
    out8(f, 1, 0x02);
    ck_assert_int_eq(f->level, 0);
    ck_assert_uint_eq(in8(f, 2), 0x02);
    teardown(f);
}
END_TEST

START_TEST(test_transmit_paced_by_fifo)
{
    Fix *f = setup();
    out8(f, 3, 0x80);
    out8(f, 0, 1);
    out8(f, 3, 0x03);
    out8(f, 2, 0x07);
    out8(f, 4, 0x08);
    out8(f, 1, 0x02);
    ck_assert_uint_eq(in8(f, 2), 0xC2);
    uint64_t c = uart_char_ns(&f->u), t0 = f->now;
    for (int i = 0; i < 17; i++) /* the shift register and 16 in the FIFO */
        out8(f, 0, (uint8_t)('a' + i));
    ck_assert_uint_eq(f->nout, 17);       /* the backend has them at once */
    ck_assert_mem_eq(f->out, "abcdefghijklmnopq", 17);
    ck_assert_uint_eq(in8(f, 5) & 0x60, 0); /* FIFO not empty */
    ck_assert_uint_eq(in8(f, 2), 0xC1);   /* the write cleared THRE */
    out8(f, 0, 'Z');                      /* the FIFO is full: a 16550 would lose it */
    ck_assert_uint_eq(f->nout, 18);       /* sent anyway, counted, no time added */
    ck_assert_uint_eq(f->out[17], 'Z');
    ck_assert_uint_eq(f->u.tx_overflow, 1);
    ck_assert_uint_eq(uart_next_deadline(&f->u), t0 + 16 * c);
    poll_at(f, t0 + 16 * c - 1);
    ck_assert_int_eq(f->level, 0);
    poll_at(f, t0 + 16 * c);              /* the last byte enters the shift register */
    ck_assert_int_eq(f->level, 1);
    ck_assert_uint_eq(in8(f, 5) & 0x60, 0x20); /* THRE, not yet TEMT */
    ck_assert_uint_eq(in8(f, 2), 0xC2);
    f->now = t0 + 17 * c;
    ck_assert_uint_eq(in8(f, 5) & 0x60, 0x60);
    /* 16450 mode: one byte in THR */
    out8(f, 2, 0x00);
    out8(f, 0, '1');
    out8(f, 0, '2');
    out8(f, 0, '3');                      /* THR full */
    ck_assert_uint_eq(f->nout, 21);
    ck_assert_uint_eq(f->u.tx_overflow, 2);
    teardown(f);
}
END_TEST

START_TEST(test_receive_trigger_and_timeout)
{
    Fix *f = setup();
    out8(f, 2, 0x47);                     /* FIFO, trigger 4 */
    out8(f, 4, 0x08);
    out8(f, 1, 0x01);
    input(f, "ab");
    poll_at(f, f->now);
    ck_assert_uint_eq(in8(f, 5) & 1, 1);
    ck_assert_uint_eq(in8(f, 2), 0xC1);   /* below the trigger */
    uint64_t c = uart_char_ns(&f->u);
    ck_assert_uint_eq(uart_next_deadline(&f->u), f->now + 4 * c);
    poll_at(f, f->now + 4 * c);
    ck_assert_uint_eq(in8(f, 2), 0xCC);   /* character timeout */
    ck_assert_int_eq(f->level, 1);
    ck_assert_uint_eq(in8(f, 0), 'a');    /* a read ends the timeout */
    ck_assert_uint_eq(in8(f, 2), 0xC1);
    ck_assert_int_eq(f->level, 0);
    input(f, "cde");
    poll_at(f, f->now);
    ck_assert_uint_eq(in8(f, 2), 0xC4);   /* 4 bytes: data available */
    ck_assert_uint_eq(in8(f, 0), 'b');
    ck_assert_uint_eq(in8(f, 0), 'c');
    ck_assert_uint_eq(in8(f, 0), 'd');
    ck_assert_uint_eq(in8(f, 0), 'e');
    ck_assert_uint_eq(in8(f, 5) & 1, 0);
    ck_assert_int_eq(f->level, 0);
    /* FCR bit 1 clears the receive FIFO */
    input(f, "xy");
    poll_at(f, f->now);
    out8(f, 2, 0x43);
    ck_assert_uint_eq(in8(f, 5) & 1, 0);
    teardown(f);
}
END_TEST

START_TEST(test_input_backpressure)
{
    Fix *f = setup();
    char big[41];
    memset(big, 'q', 40);
    big[40] = 0;
    input(f, big);
    poll_at(f, f->now);                   /* 16450 mode: one byte */
    ck_assert_uint_eq(f->in_pos, 1);
    out8(f, 2, 0x01);                     /* enabling the FIFOs clears them */
    ck_assert_uint_eq(in8(f, 5) & 1, 0);
    ck_assert_uint_eq(f->in_pos, 1);
    poll_at(f, f->now);
    ck_assert_uint_eq(f->in_pos, 17);
    poll_at(f, f->now);
    ck_assert_uint_eq(f->in_pos, 17);     /* the FIFO's room, no more */
    ck_assert_uint_eq(in8(f, 5) & 0x02, 0); /* and no overrun */
    for (int i = 0; i < 16; i++)
        ck_assert_uint_eq(in8(f, 0), 'q');
    poll_at(f, f->now);
    ck_assert_uint_eq(f->in_pos, 33);
    teardown(f);
}
END_TEST

START_TEST(test_overrun_and_priorities)
{
    Fix *f = setup();
    out8(f, 4, 0x18);                     /* loopback, 16450 mode */
    out8(f, 0, 'A');
    out8(f, 0, 'B');                      /* RBR still full: overrun */
    out8(f, 1, 0x0F);                     /* every source */
    ck_assert_uint_eq(in8(f, 2), 0x06);   /* line status first */
    uint8_t lsr = in8(f, 5);
    ck_assert_uint_eq(lsr & 0x03, 0x03);  /* DR and OE */
    ck_assert_uint_eq(in8(f, 5) & 0x02, 0); /* OE cleared by the read */
    ck_assert_uint_eq(in8(f, 2), 0x04);   /* then received data */
    ck_assert_uint_eq(in8(f, 0), 'B');    /* 16450: RBR overwritten */
    ck_assert_uint_eq(in8(f, 2), 0x00);   /* entering loopback changed the lines */
    ck_assert_uint_eq(in8(f, 6) & 0x0F, 0x03); /* DCTS DDSR */
    ck_assert_uint_eq(in8(f, 2), 0x01);   /* 'B' waits in THR for the shift register */
    f->now += uart_char_ns(&f->u);
    ck_assert_uint_eq(in8(f, 2), 0x02);   /* then THRE */
    out8(f, 4, 0x1A);                     /* RTS: CTS changes */
    ck_assert_uint_eq(in8(f, 2), 0x00);   /* finally modem status */
    in8(f, 6);
    ck_assert_uint_eq(in8(f, 2), 0x01);
    teardown(f);
}
END_TEST

START_TEST(test_flood_does_not_wedge)
{
    Fix *f = setup();
    out8(f, 2, 0x07);
    for (int i = 0; i < 100000; i++) {
        out8(f, 0, (uint8_t)i);
        f->now += 10; /* much faster than the line */
    }
    ck_assert_uint_eq(f->u.tx_bytes, 100000); /* nothing lost */
    ck_assert_uint_eq(f->nout, 65536);        /* (the fixture keeps 64 KiB) */
    ck_assert_uint_ge(f->u.tx_overflow, 100000 - 100000 * 10 / UART_MAX_CHAR_NS - 17);
    /* the transmitter's time did not pile up: at most a FIFO's worth */
    ck_assert_uint_le(f->u.tx_end_ns, f->now + 17 * UART_MAX_CHAR_NS);
    /* a polling guest always sees THRE within a character time or so */
    f->now += 17 * UART_MAX_CHAR_NS;
    ck_assert_uint_eq(in8(f, 5) & 0x60, 0x60);
    teardown(f);
}
END_TEST

/* The regression of tests/robust's stdio_stalled_reader_wedges, on the
 * UART's side: a backend that takes nothing (a pipe nobody drains) must
 * not make the emulator wait; the UART holds its transmitter up instead. */
START_TEST(test_backend_stall_holds_transmitter)
{
    Fix *f = setup();
    out8(f, 2, 0x07);                     /* FIFOs on */
    out8(f, 4, 0x08);                     /* OUT2 */
    out8(f, 1, 0x02);                     /* ETBEI */
    in8(f, 2);                            /* the THRE interrupt of enabling it: taken */
    f->stalled = true;
    f->out_room = 3;
    for (int i = 0; i < 40; i++)
        out8(f, 0, (uint8_t)('a' + i % 26));
    ck_assert_uint_eq(f->nout, 3);        /* what the backend took */
    ck_assert_uint_eq(f->u.tx_held, 16);  /* a full FIFO */
    ck_assert_uint_eq(f->u.tx_lost, 40 - 3 - 16);
    /* however long it waits, the guest sees a busy transmitter, no THRE
     * interrupt, and a retry deadline, never a wait on the host */
    f->now += 1000 * UART_MAX_CHAR_NS;
    ck_assert_uint_eq(uart_next_deadline(&f->u), f->u.tx_retry_ns);
    poll_at(f, f->u.tx_retry_ns);
    ck_assert_uint_eq(in8(f, 5) & 0x60, 0x00);
    ck_assert_uint_eq(in8(f, 2), 0xC1);   /* no interrupt pending */
    ck_assert_int_eq(f->level, 0);
    ck_assert_uint_ge(uart_next_deadline(&f->u), f->now + 1);
    /* the reader takes 5 more: exactly the next held bytes, in order */
    f->out_room = 5;
    poll_at(f, f->now + 1);
    ck_assert_uint_eq(f->nout, 8);
    ck_assert_mem_eq(f->out, "abcdefgh", 8);
    ck_assert_uint_eq(f->u.tx_held, 11);
    /* the backend drains: everything held goes out, then THRE and its
     * interrupt come as for any transmitted bytes */
    f->stalled = false;
    poll_at(f, f->now + 1);
    ck_assert_uint_eq(f->nout, 19);
    ck_assert_mem_eq(f->out + 8, "ijklmnopqrs", 11);
    ck_assert_uint_eq(f->u.tx_held, 0);
    poll_at(f, f->now + 20 * UART_MAX_CHAR_NS);
    ck_assert_uint_eq(in8(f, 5) & 0x60, 0x60);
    ck_assert_int_eq(f->level, 1);
    ck_assert_uint_eq(in8(f, 2), 0xC2);
    /* FCR bit 2 clears what a stalled backend held, as the chip's FIFO */
    f->stalled = true;
    f->out_room = 0;
    out8(f, 0, 'x');
    ck_assert_uint_eq(f->u.tx_held, 1);
    out8(f, 2, 0x05);
    ck_assert_uint_eq(f->u.tx_held, 0);
    ck_assert_uint_eq(in8(f, 5) & 0x60, 0x60);
    teardown(f);
}
END_TEST

START_TEST(test_reset_and_state)
{
    Fix *f = setup();
    out8(f, 3, 0x80);
    out8(f, 0, 3);
    out8(f, 3, 0x1B);
    out8(f, 7, 0x42);
    out8(f, 2, 0x07);
    out8(f, 4, 0x0B);
    out8(f, 1, 0x0F);
    device_reset(&f->u.dev);
    ck_assert_uint_eq(in8(f, 1), 0);
    ck_assert_uint_eq(in8(f, 2), 0x01);
    ck_assert_uint_eq(in8(f, 3), 0);
    ck_assert_uint_eq(in8(f, 4), 0);
    ck_assert_uint_eq(in8(f, 5), 0x60);
    ck_assert_uint_eq(in8(f, 7), 0x42);   /* MR leaves the scratch register */
    ck_assert_uint_eq(f->u.divisor, 3);   /* and the divisor */
    ck_assert_int_eq(f->level, 0);
    char err[128];
    ck_assert_int_eq(f->u.dev.cls->post_load(&f->u.dev, err, sizeof err), 0);
    f->u.rx_count = 17;
    ck_assert_int_eq(f->u.dev.cls->post_load(&f->u.dev, err, sizeof err), -1);
    f->u.rx_count = 0;
    f->u.ier = 0x10;
    ck_assert_int_eq(f->u.dev.cls->post_load(&f->u.dev, err, sizeof err), -1);
    teardown(f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dev_uart");
    TCase *tc = tcase_create("uart16550a");
    tcase_add_test(tc, test_registers_and_dlab);
    tcase_add_test(tc, test_fifo_probe);
    tcase_add_test(tc, test_loopback_modem_status);
    tcase_add_test(tc, test_thre_interrupt);
    tcase_add_test(tc, test_transmit_paced_by_fifo);
    tcase_add_test(tc, test_receive_trigger_and_timeout);
    tcase_add_test(tc, test_input_backpressure);
    tcase_add_test(tc, test_overrun_and_priorities);
    tcase_add_test(tc, test_flood_does_not_wedge);
    tcase_add_test(tc, test_backend_stall_holds_transmitter);
    tcase_add_test(tc, test_reset_and_state);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
