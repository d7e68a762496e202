/* The 8254 PIT, from the Intel 8254 datasheet: modes 0-5 with their OUT
 * waveforms and counter values, gates, counter latch, read-back, BCD,
 * LSB/MSB access, counter 0 on IRQ 0 with the rate limit, the deadline
 * API, and port 0x61.  Time is a fake clock set in PIT ticks. */
#include <check.h>
#include "unit_main.h"
#include <stdlib.h>
#include <string.h>
#include "dev/pit.h"
#include "dev/portb.h"

typedef struct Fix {
    IoBus io;
    DeviceHost host;
    PitState pit;
    PortBState portb;
    uint64_t now;
    int level, rises;
} Fix;

static uint64_t fake_clock(void *opaque) { return ((Fix *)opaque)->now; }

static void on_irq(void *opaque, int n, int level)
{
    (void)n;
    Fix *f = opaque;
    if (level && !f->level)
        f->rises++;
    f->level = level;
}

static void out8(Fix *f, uint16_t port, uint8_t v) { iobus_write(&f->io, port, 1, v); }
static uint8_t in8(Fix *f, uint16_t port) { return (uint8_t)iobus_read(&f->io, port, 1); }

/* Tests count ticks from BASE: a machine whose clock starts at 0 would
 * hide bugs in start-tick arithmetic. */
enum { BASE = 100003 };

/* Move the clock to PIT tick BASE + t and let counter 0 reach the PIC. */
static void at(Fix *f, uint64_t t)
{
    f->now = pit_ns_of_tick(BASE + t);
    pit_advance(&f->pit, f->now);
}

static Fix *setup(void)
{
    Fix *f = calloc(1, sizeof *f);
    char err[128];
    iobus_init(&f->io);
    f->host = (DeviceHost){ &f->io, NULL, 0 };
    DevClock clk = { fake_clock, f };
    pit_init(&f->pit, "pit", (IrqLine){ on_irq, f, 0 }, clk);
    portb_init(&f->portb, "port61", &f->pit, clk);
    f->now = pit_ns_of_tick(BASE);
    ck_assert_int_eq(device_realize(&f->pit.dev, &f->host, err, sizeof err), 0);
    ck_assert_int_eq(device_realize(&f->portb.dev, &f->host, err, sizeof err), 0);
    f->rises = 0;
    return f;
}

static void teardown(Fix *f)
{
    device_unrealize(&f->portb.dev);
    device_unrealize(&f->pit.dev);
    free(f);
}

static uint64_t tick(Fix *f) { return pit_tick_of_ns(f->now) - BASE; }

/* Program counter ch: mode, LSB then MSB, binary, count. */
static void program(Fix *f, int ch, int mode, uint16_t count)
{
    out8(f, 0x43, (uint8_t)(ch << 6 | 0x30 | mode << 1));
    out8(f, 0x40 + ch, count & 0xFF);
    out8(f, 0x40 + ch, count >> 8);
}

static unsigned read16(Fix *f, int ch)
{
    unsigned lo = in8(f, 0x40 + ch);
    return lo | (unsigned)in8(f, 0x40 + ch) << 8;
}

static unsigned latched(Fix *f, int ch)
{
    out8(f, 0x43, (uint8_t)(ch << 6));
    return read16(f, ch);
}

START_TEST(test_tick_conversion)
{
    ck_assert_uint_eq(pit_tick_of_ns(1000000000u), PIT_HZ);
    ck_assert_uint_eq(pit_ns_of_tick(PIT_HZ), 1000000000u);
    ck_assert_uint_eq(pit_tick_of_ns(838), 0); /* one tick is 838.095 ns */
    ck_assert_uint_eq(pit_tick_of_ns(839), 1);
    ck_assert_uint_eq(pit_ns_of_tick(1), 839);
    for (uint64_t t = 0; t < 5000000; t += 997)
        ck_assert_uint_eq(pit_tick_of_ns(pit_ns_of_tick(t)), t);
    /* centuries of virtual time do not overflow */
    uint64_t big = 1000000000ull * 86400 * 365 * 300;
    ck_assert_uint_eq(pit_tick_of_ns(big), (uint64_t)PIT_HZ * 86400 * 365 * 300);
}
END_TEST

START_TEST(test_mode0_interrupt_on_terminal_count)
{
    Fix *f = setup();
    at(f, 100);
    program(f, 0, 0, 100);
    ck_assert_int_eq(f->level, 0); /* OUT low from the control word on */
    at(f, 111);
    ck_assert_uint_eq(latched(f, 0), 90); /* loaded at 101, ten CLKs since */
    at(f, 200);
    ck_assert_int_eq(f->level, 0);
    at(f, 201); /* the N+1th CLK after the write */
    ck_assert_int_eq(f->level, 1);
    ck_assert_int_eq(f->rises, 1);
    at(f, 202);
    ck_assert_uint_eq(latched(f, 0), 0xFFFF); /* counts on past zero */
    at(f, 200000);
    ck_assert_int_eq(f->rises, 1); /* one shot */
    /* the first byte of a new count stops counting and drops OUT */
    out8(f, 0x40, 0x10);
    ck_assert_int_eq(f->level, 0);
    at(f, 300000);
    ck_assert_int_eq(f->level, 0);
    out8(f, 0x40, 0x00);
    at(f, 300016);
    ck_assert_int_eq(f->level, 0);
    at(f, 300017);
    ck_assert_int_eq(f->level, 1);
    teardown(f);
}
END_TEST

START_TEST(test_mode0_gate_suspends)
{
    Fix *f = setup();
    out8(f, 0x61, 1); /* counter 2 gate high */
    at(f, 10);
    program(f, 2, 0, 50);
    at(f, 21);
    ck_assert_uint_eq(latched(f, 2), 40);
    out8(f, 0x61, 0); /* gate low: counting holds */
    at(f, 1000);
    ck_assert_uint_eq(latched(f, 2), 40);
    ck_assert_int_eq(in8(f, 0x61) & 0x20, 0);
    out8(f, 0x61, 1);
    at(f, 1040);
    ck_assert_uint_eq(latched(f, 2), 0);
    ck_assert_int_eq(in8(f, 0x61) & 0x20, 0x20); /* OUT2 on port 0x61 bit 5 */
    ck_assert_int_eq(f->rises, 0); /* counter 2 is not on IRQ 0 */
    teardown(f);
}
END_TEST

START_TEST(test_mode1_retriggerable_one_shot)
{
    Fix *f = setup();
    at(f, 10);
    program(f, 2, 1, 30);
    ck_assert(pit_get_out(&f->pit, 2)); /* high, waiting for a trigger */
    at(f, 500);
    ck_assert(pit_get_out(&f->pit, 2));
    out8(f, 0x61, 1); /* the rising gate triggers */
    at(f, 501);
    ck_assert(!pit_get_out(&f->pit, 2));
    at(f, 520);
    out8(f, 0x61, 0);
    out8(f, 0x61, 1); /* retrigger: a full count again */
    at(f, 550);
    ck_assert(!pit_get_out(&f->pit, 2));
    at(f, 551);
    ck_assert(pit_get_out(&f->pit, 2));
    teardown(f);
}
END_TEST

START_TEST(test_mode2_rate_generator)
{
    Fix *f = setup();
    at(f, 1000);
    program(f, 0, 2, 1193); /* about 1 ms */
    ck_assert_int_eq(f->level, 1);
    at(f, 1001 + 1191);
    ck_assert_uint_eq(latched(f, 0), 2);
    at(f, 1001 + 1192);
    ck_assert_int_eq(f->level, 0); /* low for the CLK at count 1 */
    ck_assert_uint_eq(latched(f, 0), 1);
    at(f, 1001 + 1193);
    ck_assert_int_eq(f->level, 1);
    ck_assert_int_eq(f->rises, 1);
    ck_assert_uint_eq(latched(f, 0), 1193); /* reloaded */
    for (int k = 2; k <= 6; k++) {
        at(f, 1001 + (uint64_t)k * 1193);
        ck_assert_int_eq(f->rises, k);
    }
    ck_assert_uint_eq(f->pit.irq_coalesced, 0);
    /* a new count waits for the end of the period */
    at(f, 1001 + 6 * 1193 + 100);
    out8(f, 0x40, 2000 & 0xFF);
    out8(f, 0x40, 2000 >> 8);
    ck_assert_uint_eq(latched(f, 0), 1093);
    at(f, 1001 + 7 * 1193);
    ck_assert_uint_eq(latched(f, 0), 2000);
    at(f, 1001 + 7 * 1193 + 2000);
    ck_assert_int_eq(f->rises, 8);
    teardown(f);
}
END_TEST

START_TEST(test_mode3_square_wave)
{
    Fix *f = setup();
    out8(f, 0x61, 1);
    at(f, 50);
    program(f, 2, 3, 6); /* even: 3 high, 3 low, counting by two */
    static const unsigned even[] = { 6, 4, 2, 6, 4, 2, 6 };
    static const int even_out[] = { 1, 1, 1, 0, 0, 0, 1 };
    for (int i = 0; i < 7; i++) {
        at(f, 51 + (uint64_t)i);
        ck_assert_uint_eq(latched(f, 2), even[i]);
        ck_assert_int_eq(pit_get_out(&f->pit, 2), even_out[i]);
    }
    at(f, 100);
    program(f, 2, 3, 5); /* odd: 3 high, 2 low (datasheet: N-1, N-3, then twos) */
    static const unsigned odd[] = { 5, 4, 2, 5, 2, 5 };
    static const int odd_out[] = { 1, 1, 1, 0, 0, 1 };
    for (int i = 0; i < 6; i++) {
        at(f, 101 + (uint64_t)i);
        ck_assert_uint_eq(latched(f, 2), odd[i]);
        ck_assert_int_eq(pit_get_out(&f->pit, 2), odd_out[i]);
    }
    /* gate low forces OUT high; the rising gate restarts the count */
    at(f, 104);
    out8(f, 0x61, 0);
    ck_assert(pit_get_out(&f->pit, 2));
    at(f, 200);
    out8(f, 0x61, 1);
    at(f, 201);
    ck_assert_uint_eq(latched(f, 2), 5);
    teardown(f);
}
END_TEST

START_TEST(test_mode4_and_mode5_strobes)
{
    Fix *f = setup();
    at(f, 10);
    program(f, 0, 4, 20);
    ck_assert_int_eq(f->level, 1);
    at(f, 31);
    ck_assert_int_eq(f->level, 0); /* the strobe: count 0 */
    at(f, 32);
    ck_assert_int_eq(f->level, 1);
    ck_assert_int_eq(f->rises, 1);
    at(f, 100000);
    ck_assert_int_eq(f->rises, 1);
    /* mode 5: the count waits for a gate trigger */
    at(f, 100010);
    program(f, 2, 5, 10);
    at(f, 100500);
    ck_assert(pit_get_out(&f->pit, 2));
    out8(f, 0x61, 1);
    at(f, 100511);
    ck_assert(!pit_get_out(&f->pit, 2));
    at(f, 100512);
    ck_assert(pit_get_out(&f->pit, 2));
    teardown(f);
}
END_TEST

START_TEST(test_latch_and_access_modes)
{
    Fix *f = setup();
    at(f, 10);
    program(f, 0, 2, 1000);
    at(f, 111);
    out8(f, 0x43, 0x00); /* latch counter 0 */
    at(f, 200);
    out8(f, 0x43, 0x00); /* ignored: the first latch is still unread */
    ck_assert_uint_eq(read16(f, 0), 900);
    ck_assert_uint_eq(latched(f, 0), 811);
    /* LSB only: writes the low byte (high 0), reads the low byte */
    out8(f, 0x43, 0x14); /* counter 0, LSB, mode 2 */
    out8(f, 0x40, 0x80);
    at(f, 201);
    ck_assert_uint_eq(f->pit.ch[0].n, 0x80);
    ck_assert_uint_eq(in8(f, 0x40), 0x80);
    ck_assert_uint_eq(in8(f, 0x40), 0x80);
    /* MSB only */
    out8(f, 0x43, 0x24);
    out8(f, 0x40, 0x12);
    at(f, 203);
    ck_assert_uint_eq(f->pit.ch[0].n, 0x1200);
    ck_assert_uint_eq(in8(f, 0x40), 0x11); /* 0x1200 - 1 = 0x11FF: MSB */
    /* count 0 is the largest: 65536 */
    program(f, 0, 2, 0);
    at(f, 205);
    ck_assert_uint_eq(f->pit.ch[0].n, 65536);
    ck_assert_uint_eq(latched(f, 0), 0xFFFF);
    ck_assert_uint_eq(in8(f, 0x43), 0xFF); /* the control register is write-only */
    teardown(f);
}
END_TEST

START_TEST(test_read_back)
{
    Fix *f = setup();
    at(f, 10);
    out8(f, 0x43, 0xB0); /* counter 2: LSB/MSB, mode 0, binary */
    out8(f, 0x43, 0xE8); /* read-back status of counter 2 */
    ck_assert_uint_eq(in8(f, 0x42), 0x70); /* OUT 0, null count, rw 3, mode 0 */
    out8(f, 0x42, 0x34);
    out8(f, 0x42, 0x12);
    at(f, 11);
    out8(f, 0x43, 0xC8); /* count and status of counter 2 */
    out8(f, 0x43, 0xE8); /* a second status latch is ignored */
    ck_assert_uint_eq(in8(f, 0x42), 0x30); /* the count is loaded: null count clear */
    ck_assert_uint_eq(read16(f, 2), 0x1234);
    /* counters 0 and 2 at once, counts only */
    program(f, 0, 2, 500);
    at(f, 112);
    out8(f, 0x43, 0xDA);
    at(f, 300);
    ck_assert_uint_eq(read16(f, 0), 400);
    ck_assert_uint_eq(read16(f, 2), 0x1234); /* mode 0 with gate 2 low: holding */
    teardown(f);
}
END_TEST

START_TEST(test_bcd)
{
    Fix *f = setup();
    at(f, 10);
    out8(f, 0x43, 0x35); /* counter 0, LSB/MSB, mode 2, BCD */
    out8(f, 0x40, 0x00);
    out8(f, 0x40, 0x01); /* 0100 BCD = 100 */
    at(f, 12);
    ck_assert_uint_eq(latched(f, 0), 0x0099);
    at(f, 11 + 100);
    ck_assert_uint_eq(latched(f, 0), 0x0100);
    out8(f, 0x43, 0x31); /* mode 0 BCD, count 0 = 10000 */
    out8(f, 0x40, 0);
    out8(f, 0x40, 0);
    at(f, 1000);
    ck_assert_uint_eq(f->pit.ch[0].n, 10000);
    ck_assert_uint_eq(latched(f, 0), 0x9112); /* loaded at 112: 10000 - 888 */
    /* invalid BCD digits stay in range */
    out8(f, 0x43, 0x31);
    out8(f, 0x40, 0xFF);
    out8(f, 0x40, 0xFF);
    ck_assert_uint_le(f->pit.ch[0].cr, 10000);
    teardown(f);
}
END_TEST

START_TEST(test_fastest_rate_is_limited)
{
    Fix *f = setup();
    at(f, 0);
    program(f, 0, 2, 2); /* ~597 kHz */
    uint64_t t0 = tick(f) + 1, end_ns = f->now + 10000000; /* 10 ms */
    for (uint64_t ns = f->now; ns <= end_ns; ns += 100) {
        f->now = ns;
        pit_advance(&f->pit, ns);
    }
    uint64_t edges = (tick(f) - t0) / 2;
    ck_assert_uint_le(f->pit.irq_delivered, 10000000 / PIT_MIN_IRQ_NS + 1);
    ck_assert_uint_ge(f->pit.irq_delivered, 10000000 / PIT_MIN_IRQ_NS - 1);
    ck_assert_uint_eq(f->pit.irq_delivered + f->pit.irq_coalesced + f->pit.irq_pending, edges);
    ck_assert_int_eq(f->rises, (int)f->pit.irq_delivered);
    uint64_t d = pit_next_deadline(&f->pit, f->now);
    ck_assert_uint_ge(d, f->pit.irq_last_ns + PIT_MIN_IRQ_NS);
    /* count 1 (illegal in mode 2, still accepted) is limited the same way */
    program(f, 0, 2, 1);
    uint64_t before = f->pit.irq_delivered;
    for (int i = 0; i < 1000; i++) {
        f->now += 1000;
        pit_advance(&f->pit, f->now);
    }
    ck_assert_uint_le(f->pit.irq_delivered - before, 1000000 / PIT_MIN_IRQ_NS + 1);
    teardown(f);
}
END_TEST

START_TEST(test_deadlines)
{
    Fix *f = setup();
    ck_assert_uint_eq(pit_next_deadline(&f->pit, f->now), PIT_NO_DEADLINE); /* not counting */
    at(f, 5000);
    program(f, 0, 2, 11932); /* 10 ms */
    ck_assert_uint_eq(pit_next_deadline(&f->pit, f->now), pit_ns_of_tick(BASE + 5001 + 11932));
    at(f, 5001 + 11932);
    ck_assert_int_eq(f->rises, 1);
    ck_assert_uint_eq(pit_next_deadline(&f->pit, f->now), pit_ns_of_tick(BASE + 5001 + 2 * 11932));
    program(f, 0, 0, 100);
    ck_assert_uint_eq(pit_next_deadline(&f->pit, f->now), pit_ns_of_tick(BASE + tick(f) + 101));
    at(f, tick(f) + 101);
    ck_assert_uint_eq(pit_next_deadline(&f->pit, f->now), PIT_NO_DEADLINE); /* one shot done */
    teardown(f);
}
END_TEST

START_TEST(test_port61)
{
    Fix *f = setup();
    ck_assert_uint_eq(in8(f, 0x61) & 0x0F, 0);
    out8(f, 0x61, 0xFF);
    ck_assert_uint_eq(in8(f, 0x61) & 0x0F, 0x0F); /* bits 0-3 read back */
    ck_assert(f->pit.ch[2].gate);
    /* bit 4 toggles with DRAM refresh every 15.085 us */
    f->now = 100 * PORTB_REFRESH_NS;
    uint8_t a = in8(f, 0x61) & 0x10;
    f->now += PORTB_REFRESH_NS;
    uint8_t b = in8(f, 0x61) & 0x10;
    ck_assert_uint_ne(a, b);
    ck_assert_uint_eq(in8(f, 0x61) & 0xC0, 0);
    teardown(f);
}
END_TEST

static char *dump(Device *d)
{
    FILE *m = tmpfile();
    device_dump_state(d, m);
    long len = ftell(m);
    char *buf = calloc(1, (size_t)len + 1);
    rewind(m);
    ck_assert_uint_eq(fread(buf, 1, (size_t)len, m), (size_t)len);
    fclose(m);
    return buf;
}

START_TEST(test_state)
{
    Fix *f = setup();
    at(f, 10);
    program(f, 0, 2, 0x1234);
    char *d = dump(&f->pit.dev);
    ck_assert_ptr_nonnull(strstr(d, "pit.ch[0].mode=0x02\n"));
    ck_assert_ptr_nonnull(strstr(d, "pit.ch[0].cr=0x00001234\n"));
    ck_assert_ptr_nonnull(strstr(d, "pit.ch[1].mode=0x04\n")); /* power-on mode, as Bochs */
    ck_assert_ptr_nonnull(strstr(d, "pit.ch[2].gate=0\n"));
    ck_assert_ptr_nonnull(strstr(d, "pit.irq_coalesced=0x0000000000000000\n"));
    free(d);
    d = dump(&f->portb.dev);
    ck_assert_str_eq(d, "port61.ctl=0x00\n");
    free(d);
    char err[128];
    ck_assert_int_eq(f->pit.dev.cls->post_load(&f->pit.dev, err, sizeof err), 0);
    f->pit.ch[0].n = 0; /* a running counter with count 0 would divide by zero */
    ck_assert_int_eq(f->pit.dev.cls->post_load(&f->pit.dev, err, sizeof err), -1);
    f->pit.ch[0].n = 0x1234;
    f->pit.ch[1].mode = 6;
    ck_assert_int_eq(f->pit.dev.cls->post_load(&f->pit.dev, err, sizeof err), -1);
    f->pit.ch[1].mode = 4;
    teardown(f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dev_pit");
    TCase *tc = tcase_create("i8254");
    tcase_add_test(tc, test_tick_conversion);
    tcase_add_test(tc, test_mode0_interrupt_on_terminal_count);
    tcase_add_test(tc, test_mode0_gate_suspends);
    tcase_add_test(tc, test_mode1_retriggerable_one_shot);
    tcase_add_test(tc, test_mode2_rate_generator);
    tcase_add_test(tc, test_mode3_square_wave);
    tcase_add_test(tc, test_mode4_and_mode5_strobes);
    tcase_add_test(tc, test_latch_and_access_modes);
    tcase_add_test(tc, test_read_back);
    tcase_add_test(tc, test_bcd);
    tcase_add_test(tc, test_fastest_rate_is_limited);
    tcase_add_test(tc, test_deadlines);
    tcase_add_test(tc, test_port61);
    tcase_add_test(tc, test_state);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
