/* The MC146818 RTC and CMOS, from the Motorola MC146818A datasheet and the
 * PC AT's CMOS layout: the time at power on, the update cycle with UIP and
 * SET, BCD/binary and 12/24-hour formats, the century carry, the periodic,
 * alarm and update-ended interrupts with register C read-to-clear, the
 * divider reset, NVRAM memory sizes, the NMI bit of the index port; and the
 * machine's RTC under -icount (a fixed date, deterministic time). */
#include <check.h>
#include "unit_main.h"
#include <stdlib.h>
#include <string.h>
#include "dev/rtc.h"
#include "system/machine.h"

#define S 1000000000ull
#define EPOCH_2024 1704067200 /* 2024-01-01 00:00:00 UTC, a Monday */

typedef struct Fix {
    IoBus io;
    DeviceHost host;
    RtcState rtc;
    uint64_t now;
    int level, rises;
} Fix;

static uint64_t fake_clock(void *opaque) { return ((Fix *)opaque)->now; }

static void on_irq(void *opaque, int n, int level)
{
    Fix *f = opaque;
    ck_assert_int_eq(n, 8);
    if (level && !f->level)
        f->rises++;
    f->level = level;
}

static Fix *setup_ram(uint32_t ram)
{
    Fix *f = calloc(1, sizeof *f);
    char err[128];
    iobus_init(&f->io);
    f->host = (DeviceHost){ &f->io, NULL, 0 };
    f->now = 7 * S + 250000000u; /* not at 0, not on a second */
    rtc_init(&f->rtc, "rtc", (IrqLine){ on_irq, f, 8 }, (DevClock){ fake_clock, f }, EPOCH_2024, ram);
    ck_assert_int_eq(device_realize(&f->rtc.dev, &f->host, err, sizeof err), 0);
    return f;
}

static Fix *setup(void) { return setup_ram(32u << 20); }

static void teardown(Fix *f)
{
    device_unrealize(&f->rtc.dev);
    free(f);
}

static uint8_t cmos(Fix *f, uint8_t i)
{
    iobus_write(&f->io, 0x70, 1, i);
    return (uint8_t)iobus_read(&f->io, 0x71, 1);
}

static void cmos_set(Fix *f, uint8_t i, uint8_t v)
{
    iobus_write(&f->io, 0x70, 1, i);
    iobus_write(&f->io, 0x71, 1, v);
}

static void at(Fix *f, uint64_t t)
{
    f->now = t;
    rtc_advance(&f->rtc, t);
}

/* Set the time with SET held, as Linux and BIOSes do. */
static void set_time(Fix *f, uint8_t y, uint8_t mo, uint8_t d, uint8_t h, uint8_t mi, uint8_t s)
{
    uint8_t b = cmos(f, RTC_REG_B);
    cmos_set(f, RTC_REG_B, b | 0x80);
    cmos_set(f, RTC_YEAR, y);
    cmos_set(f, RTC_MONTH, mo);
    cmos_set(f, RTC_MDAY, d);
    cmos_set(f, RTC_HOUR, h);
    cmos_set(f, RTC_MIN, mi);
    cmos_set(f, RTC_SEC, s);
    cmos_set(f, RTC_REG_B, b & 0x7F);
}

START_TEST(test_power_on_time)
{
    Fix *f = setup();
    /* virtual time 7.25 s: the RTC shows the epoch plus 7 whole seconds */
    ck_assert_uint_eq(cmos(f, RTC_SEC), 0x07);
    ck_assert_uint_eq(cmos(f, RTC_MIN), 0x00);
    ck_assert_uint_eq(cmos(f, RTC_HOUR), 0x00);
    ck_assert_uint_eq(cmos(f, RTC_MDAY), 0x01);
    ck_assert_uint_eq(cmos(f, RTC_MONTH), 0x01);
    ck_assert_uint_eq(cmos(f, RTC_YEAR), 0x24);
    ck_assert_uint_eq(cmos(f, RTC_CENTURY), 0x20);
    ck_assert_uint_eq(cmos(f, RTC_WDAY), 2); /* Monday; Sunday is 1 */
    ck_assert_uint_eq(cmos(f, RTC_REG_A), 0x26);
    ck_assert_uint_eq(cmos(f, RTC_REG_B), 0x02);
    ck_assert_uint_eq(cmos(f, RTC_REG_C), 0x00);
    ck_assert_uint_eq(cmos(f, RTC_REG_D), 0x80); /* VRT */
    teardown(f);
}
END_TEST

START_TEST(test_seconds_tick_with_virtual_time)
{
    Fix *f = setup();
    at(f, 7 * S + 999999999u);
    ck_assert_uint_eq(cmos(f, RTC_SEC), 0x07);
    at(f, 8 * S);
    ck_assert_uint_eq(cmos(f, RTC_SEC), 0x08);
    at(f, 8 * S + 3600 * S + 52 * S); /* one hour and 52 s on: BCD carries */
    ck_assert_uint_eq(cmos(f, RTC_SEC), 0x00);
    ck_assert_uint_eq(cmos(f, RTC_MIN), 0x01);
    ck_assert_uint_eq(cmos(f, RTC_HOUR), 0x01);
    teardown(f);
}
END_TEST

START_TEST(test_century_and_leap_day)
{
    Fix *f = setup();
    cmos_set(f, RTC_CENTURY, 0x19);
    set_time(f, 0x99, 0x12, 0x31, 0x23, 0x59, 0x59);
    at(f, 8 * S); /* the next update */
    ck_assert_uint_eq(cmos(f, RTC_SEC), 0x00);
    ck_assert_uint_eq(cmos(f, RTC_HOUR), 0x00);
    ck_assert_uint_eq(cmos(f, RTC_MDAY), 0x01);
    ck_assert_uint_eq(cmos(f, RTC_MONTH), 0x01);
    ck_assert_uint_eq(cmos(f, RTC_YEAR), 0x00);
    ck_assert_uint_eq(cmos(f, RTC_CENTURY), 0x20);
    set_time(f, 0x24, 0x02, 0x28, 0x23, 0x59, 0x59); /* 2024 is a leap year */
    at(f, 9 * S);
    ck_assert_uint_eq(cmos(f, RTC_MDAY), 0x29);
    ck_assert_uint_eq(cmos(f, RTC_MONTH), 0x02);
    teardown(f);
}
END_TEST

START_TEST(test_weekday_counts_days)
{
    Fix *f = setup();
    cmos_set(f, RTC_WDAY, 7); /* Saturday: the chip counts, it does not compute */
    set_time(f, 0x24, 0x01, 0x01, 0x23, 0x59, 0x59);
    at(f, 8 * S);
    ck_assert_uint_eq(cmos(f, RTC_WDAY), 1);
    teardown(f);
}
END_TEST

START_TEST(test_binary_and_12_hour)
{
    Fix *f = setup();
    cmos_set(f, RTC_REG_B, 0x04); /* binary, 12 hours */
    set_time(f, 24, 1, 1, 11, 59, 59); /* 11:59:59 AM */
    at(f, 8 * S);
    ck_assert_uint_eq(cmos(f, RTC_HOUR), 0x80 | 12); /* 12 PM */
    ck_assert_uint_eq(cmos(f, RTC_MIN), 0);
    set_time(f, 24, 1, 1, 0x80 | 11, 59, 59); /* 11:59:59 PM */
    at(f, 9 * S);
    ck_assert_uint_eq(cmos(f, RTC_HOUR), 12); /* 12 AM */
    ck_assert_uint_eq(cmos(f, RTC_MDAY), 2);
    cmos_set(f, RTC_REG_B, 0x00); /* BCD, 12 hours */
    set_time(f, 0x24, 0x01, 0x01, 0x80 | 0x09, 0x59, 0x59);
    at(f, 10 * S);
    ck_assert_uint_eq(cmos(f, RTC_HOUR), 0x80 | 0x10); /* 10 PM in BCD */
    teardown(f);
}
END_TEST

START_TEST(test_uip_before_update)
{
    Fix *f = setup();
    at(f, 8 * S - RTC_UIP_NS - 1);
    ck_assert_uint_eq(cmos(f, RTC_REG_A) & 0x80, 0);
    at(f, 8 * S - RTC_UIP_NS);
    ck_assert_uint_eq(cmos(f, RTC_REG_A) & 0x80, 0x80);
    ck_assert_uint_eq(cmos(f, RTC_SEC), 0x07); /* the update has not happened yet */
    at(f, 8 * S);
    ck_assert_uint_eq(cmos(f, RTC_REG_A) & 0x80, 0);
    ck_assert_uint_eq(cmos(f, RTC_SEC), 0x08);
    /* UIP is read-only */
    cmos_set(f, RTC_REG_A, 0xA6);
    ck_assert_uint_eq(cmos(f, RTC_REG_A) & 0x7F, 0x26);
    teardown(f);
}
END_TEST

START_TEST(test_set_inhibits_updates)
{
    Fix *f = setup();
    cmos_set(f, RTC_REG_B, 0x82 | 0x10); /* SET and UIE: SET clears UIE */
    ck_assert_uint_eq(cmos(f, RTC_REG_B), 0x82);
    at(f, 8 * S - 100000); /* no UIP while SET */
    ck_assert_uint_eq(cmos(f, RTC_REG_A) & 0x80, 0);
    at(f, 20 * S);
    ck_assert_uint_eq(cmos(f, RTC_SEC), 0x07);
    ck_assert_uint_eq(cmos(f, RTC_REG_C) & 0x10, 0x00); /* no update, no UF */
    cmos_set(f, RTC_REG_B, 0x02);
    at(f, 21 * S);
    ck_assert_uint_eq(cmos(f, RTC_SEC), 0x08); /* the seconds under SET are lost */
    teardown(f);
}
END_TEST

START_TEST(test_periodic_interrupt)
{
    Fix *f = setup();
    /* rate 6: 1024 Hz, 976.5625 us; PF is set even with PIE clear */
    at(f, f->now + 1000000);
    ck_assert_uint_eq(cmos(f, RTC_REG_C), 0x40);
    ck_assert_int_eq(f->level, 0);
    cmos_set(f, RTC_REG_B, 0x42); /* PIE */
    uint64_t d = rtc_next_deadline(&f->rtc, f->now);
    ck_assert(d > f->now && d - f->now <= 976563);
    at(f, d - 1);
    ck_assert_int_eq(f->level, 0);
    at(f, d);
    ck_assert_int_eq(f->level, 1);
    ck_assert_uint_eq(cmos(f, RTC_REG_C), 0xC0); /* IRQF | PF, then cleared */
    ck_assert_int_eq(f->level, 0);
    ck_assert_uint_eq(cmos(f, RTC_REG_C), 0x00);
    /* rate 3, the fastest: 122.07 us; rate 0: none */
    cmos_set(f, RTC_REG_A, 0x23);
    d = rtc_next_deadline(&f->rtc, f->now);
    ck_assert(d - f->now <= 122071);
    cmos_set(f, RTC_REG_A, 0x20);
    ck_assert_uint_eq(rtc_next_deadline(&f->rtc, f->now), RTC_NO_DEADLINE);
    at(f, f->now + S / 10);
    ck_assert_uint_eq(cmos(f, RTC_REG_C) & 0x40, 0);
    teardown(f);
}
END_TEST

START_TEST(test_alarm_and_update_interrupts)
{
    Fix *f = setup();
    cmos_set(f, RTC_REG_A, 0x20); /* no periodic flag in the way */
    cmos_set(f, RTC_SEC_ALARM, 0x10);
    cmos_set(f, RTC_MIN_ALARM, 0x00);
    cmos_set(f, RTC_HOUR_ALARM, 0x00);
    cmos_set(f, RTC_REG_B, 0x22); /* AIE */
    at(f, 9 * S);
    ck_assert_int_eq(f->level, 0);
    ck_assert_uint_eq(rtc_next_deadline(&f->rtc, f->now), 10 * S);
    at(f, 16 * S); /* 00:00:16: the alarm matched at 00:00:10 */
    ck_assert_int_eq(f->level, 1);
    ck_assert_uint_eq(cmos(f, RTC_REG_C), 0xB0); /* IRQF AF UF */
    ck_assert_int_eq(f->level, 0);
    /* don't-care alarm bytes (0xC0-0xFF): every second */
    cmos_set(f, RTC_SEC_ALARM, 0xFF);
    cmos_set(f, RTC_MIN_ALARM, 0xC0);
    cmos_set(f, RTC_HOUR_ALARM, 0xC5);
    at(f, 17 * S);
    ck_assert_uint_eq(cmos(f, RTC_REG_C), 0xB0);
    /* UIE alone: UF each second */
    cmos_set(f, RTC_REG_B, 0x12);
    at(f, 18 * S);
    ck_assert_int_eq(f->level, 1);
    ck_assert_uint_eq(cmos(f, RTC_REG_C), 0xB0);
    teardown(f);
}
END_TEST

START_TEST(test_divider_reset)
{
    Fix *f = setup();
    cmos_set(f, RTC_REG_A, 0x76); /* divider in reset: time stands */
    at(f, 30 * S + S / 4);
    ck_assert_uint_eq(cmos(f, RTC_SEC), 0x07);
    ck_assert_uint_eq(rtc_next_deadline(&f->rtc, f->now), RTC_NO_DEADLINE);
    cmos_set(f, RTC_REG_A, 0x26); /* out of reset: the first update 500 ms later */
    at(f, 30 * S + S / 4 + 499999999u);
    ck_assert_uint_eq(cmos(f, RTC_SEC), 0x07);
    at(f, 30 * S + S / 4 + S / 2);
    ck_assert_uint_eq(cmos(f, RTC_SEC), 0x08);
    teardown(f);
}
END_TEST

START_TEST(test_nvram_and_memory_size)
{
    Fix *f = setup();
    ck_assert_uint_eq(cmos(f, 0x15) | cmos(f, 0x16) << 8, 640);
    ck_assert_uint_eq(cmos(f, 0x17) | cmos(f, 0x18) << 8, 31 * 1024);
    ck_assert_uint_eq(cmos(f, 0x30) | cmos(f, 0x31) << 8, 31 * 1024);
    ck_assert_uint_eq(cmos(f, 0x34) | cmos(f, 0x35) << 8, 256); /* 16 MiB in 64 KiB */
    ck_assert_uint_eq(cmos(f, 0x14), 0x02); /* FPU, VGA, no floppy */
    unsigned sum = 0;
    for (int i = 0x10; i <= 0x2D; i++)
        sum += cmos(f, (uint8_t)i);
    ck_assert_uint_eq(cmos(f, 0x2E) << 8 | cmos(f, 0x2F), sum);
    cmos_set(f, 0x50, 0xA5); /* NVRAM keeps what is written */
    ck_assert_uint_eq(cmos(f, 0x50), 0xA5);
    cmos_set(f, RTC_REG_D, 0x00); /* read-only */
    ck_assert_uint_eq(cmos(f, RTC_REG_D), 0x80);
    teardown(f);
    f = setup_ram(128u << 20); /* above 64 MiB the 16-bit KiB count saturates */
    ck_assert_uint_eq(cmos(f, 0x17) | cmos(f, 0x18) << 8, 0xFFFF);
    ck_assert_uint_eq(cmos(f, 0x34) | cmos(f, 0x35) << 8, 112 * 16);
    teardown(f);
    f = setup_ram(512u << 10);
    ck_assert_uint_eq(cmos(f, 0x15) | cmos(f, 0x16) << 8, 512);
    ck_assert_uint_eq(cmos(f, 0x17) | cmos(f, 0x18) << 8, 0);
    teardown(f);
}
END_TEST

START_TEST(test_index_port_and_nmi_bit)
{
    Fix *f = setup();
    iobus_write(&f->io, 0x70, 1, 0x80 | RTC_MDAY);
    ck_assert(f->rtc.nmi_masked);
    ck_assert_uint_eq(iobus_read(&f->io, 0x71, 1), 0x01); /* bit 7 is not part of the index */
    ck_assert_uint_eq(iobus_read(&f->io, 0x70, 1), 0xFF); /* write-only */
    iobus_write(&f->io, 0x70, 1, 0x7F);
    ck_assert(!f->rtc.nmi_masked);
    iobus_write(&f->io, 0x71, 1, 0x5A);
    ck_assert_uint_eq(f->rtc.cmos[0x7F], 0x5A);
    teardown(f);
}
END_TEST

START_TEST(test_reset_keeps_time)
{
    Fix *f = setup();
    cmos_set(f, RTC_REG_B, 0x72); /* PIE AIE UIE */
    at(f, 9 * S);
    ck_assert_int_eq(f->level, 1);
    device_reset(&f->rtc.dev);
    ck_assert_int_eq(f->level, 0);
    ck_assert_uint_eq(cmos(f, RTC_REG_B), 0x02);
    ck_assert_uint_eq(cmos(f, RTC_REG_C), 0x00);
    ck_assert_uint_eq(cmos(f, RTC_SEC), 0x09);
    ck_assert_uint_eq(cmos(f, 0x15), 0x80); /* 640 KiB still there */
    char err[128];
    ck_assert_int_eq(f->rtc.dev.cls->post_load(&f->rtc.dev, err, sizeof err), 0);
    f->rtc.index = 0x80;
    ck_assert_int_eq(f->rtc.dev.cls->post_load(&f->rtc.dev, err, sizeof err), -1);
    teardown(f);
}
END_TEST

START_TEST(test_civil_dates)
{
    ck_assert_int_eq(rtc_days_from_civil(1970, 1, 1), 0);
    ck_assert_int_eq(rtc_days_from_civil(2024, 1, 1) * 86400, EPOCH_2024);
    ck_assert_int_eq(rtc_days_from_civil(2000, 3, 1), 11017);
    int64_t y;
    unsigned m, d;
    rtc_civil_from_days(rtc_days_from_civil(2100, 2, 28) + 1, &y, &m, &d); /* 2100: no leap day */
    ck_assert_int_eq(y, 2100);
    ck_assert_uint_eq(m, 3);
    ck_assert_uint_eq(d, 1);
}
END_TEST

/* The machine's RTC under -icount: the fixed epoch, whatever the host's
 * date; the state dump names its fields. */
START_TEST(test_machine_icount_epoch)
{
    static uint8_t rom[4096];
    memset(rom, 0xF4, sizeof rom);
    MachineConfig cfg = { .ram_size = 1u << 20, .icount = true, .icount_shift = 3 };
    BiosImage img = { rom, sizeof rom };
    char err[256];
    Machine *m = machine_new(&cfg, &img, err, sizeof err);
    ck_assert_msg(m != NULL, "%s", err);
    ck_assert(m->clock.icount);
    ck_assert_uint_eq(vclock_now(&m->clock), 0);
    ck_assert_uint_eq(m->rtc.cmos[RTC_YEAR], 0x24);
    ck_assert_uint_eq(m->rtc.cmos[RTC_MONTH], 0x01);
    ck_assert_uint_eq(m->rtc.cmos[RTC_MDAY], 0x01);
    ck_assert_uint_eq(m->rtc.cmos[RTC_HOUR], 0x00);
    ck_assert_uint_eq(m->rtc.cmos[RTC_SEC], 0x00);
    ck_assert_uint_eq(m->rtc.cmos[0x34], 0); /* 1 MiB of RAM */
    vclock_sleep_until(&m->clock, 5 * S); /* icount: no sleep, time skips */
    ck_assert_uint_eq(vclock_now(&m->clock), 5 * S);
    ck_assert_uint_eq(vclock_insns_until(&m->clock, 5 * S, 5 * S + 17), 3); /* 8 ns each, rounded up */
    FILE *out = tmpfile();
    machine_dump_state(m, out);
    long len = ftell(out);
    char *text = calloc(1, (size_t)len + 1);
    rewind(out);
    ck_assert_uint_eq(fread(text, 1, (size_t)len, out), (size_t)len);
    ck_assert_ptr_nonnull(strstr(text, "rtc.cmos="));
    ck_assert_ptr_nonnull(strstr(text, "com1.lcr=0x00\n"));
    ck_assert_ptr_nonnull(strstr(text, "i8042.outport=0xcf\n"));
    ck_assert_ptr_nonnull(strstr(text, "port92.value=0x00\n"));
    free(text);
    fclose(out);
    machine_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dev_rtc");
    TCase *tc = tcase_create("mc146818");
    tcase_add_test(tc, test_power_on_time);
    tcase_add_test(tc, test_seconds_tick_with_virtual_time);
    tcase_add_test(tc, test_century_and_leap_day);
    tcase_add_test(tc, test_weekday_counts_days);
    tcase_add_test(tc, test_binary_and_12_hour);
    tcase_add_test(tc, test_uip_before_update);
    tcase_add_test(tc, test_set_inhibits_updates);
    tcase_add_test(tc, test_periodic_interrupt);
    tcase_add_test(tc, test_alarm_and_update_interrupts);
    tcase_add_test(tc, test_divider_reset);
    tcase_add_test(tc, test_nvram_and_memory_size);
    tcase_add_test(tc, test_index_port_and_nmi_bit);
    tcase_add_test(tc, test_reset_keeps_time);
    tcase_add_test(tc, test_civil_dates);
    tcase_add_test(tc, test_machine_icount_epoch);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
