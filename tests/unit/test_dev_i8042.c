/* The 8042 keyboard controller (IBM AT technical reference, PS/2 keyboard
 * interface) and port 0x92: self-test, interface tests, the command byte,
 * the output port with A20 and the reset line, the keyboard's replies to
 * Linux's probes with IRQ 1, the absent mouse, a disabled keyboard holding
 * its bytes; and the machine reset these lines cause, with and without
 * -no-reboot. */
#include <check.h>
#include "unit_main.h"
#include <stdlib.h>
#include <string.h>
#include "dev/i8042.h"
#include "dev/port92.h"
#include "system/machine.h"

typedef struct Fix {
    IoBus io;
    DeviceHost host;
    I8042State kbc;
    Port92State p92;
    int irq1, irq12, resets;
} Fix;

static void on_irq(void *opaque, int n, int level)
{
    Fix *f = opaque;
    if (n == 1)
        f->irq1 = level;
    else
        f->irq12 = level;
}

static void on_reset(void *opaque) { ((Fix *)opaque)->resets++; }

static Fix *setup(void)
{
    Fix *f = calloc(1, sizeof *f);
    char err[128];
    iobus_init(&f->io);
    f->host = (DeviceHost){ &f->io, NULL, 0 };
    i8042_init(&f->kbc, "i8042", (IrqLine){ on_irq, f, 1 }, (IrqLine){ on_irq, f, 12 }, on_reset, f);
    port92_init(&f->p92, "port92", on_reset, f);
    ck_assert_int_eq(device_realize(&f->kbc.dev, &f->host, err, sizeof err), 0);
    ck_assert_int_eq(device_realize(&f->p92.dev, &f->host, err, sizeof err), 0);
    return f;
}

static void teardown(Fix *f)
{
    device_unrealize(&f->p92.dev);
    device_unrealize(&f->kbc.dev);
    free(f);
}

static uint8_t status(Fix *f) { return (uint8_t)iobus_read(&f->io, 0x64, 1); }
static void cmd(Fix *f, uint8_t v) { iobus_write(&f->io, 0x64, 1, v); }
static void data(Fix *f, uint8_t v) { iobus_write(&f->io, 0x60, 1, v); }
/* The next output byte; the output buffer must be full. */
static uint8_t next(Fix *f)
{
    ck_assert_msg(status(f) & 1, "output buffer empty");
    return (uint8_t)iobus_read(&f->io, 0x60, 1);
}

START_TEST(test_self_test_and_interface_tests)
{
    Fix *f = setup();
    ck_assert_uint_eq(status(f) & 0x05, 0x00); /* empty, SYS clear at power on */
    cmd(f, 0xAA);
    ck_assert_uint_eq(status(f) & 0x0D, 0x0D); /* OBF, SYS, last write a command */
    ck_assert_uint_eq(next(f), 0x55);
    ck_assert_uint_eq(status(f) & 1, 0);
    cmd(f, 0xAB);
    ck_assert_uint_eq(next(f), 0x00);
    cmd(f, 0xA9);
    ck_assert_uint_eq(next(f), 0x00);
    cmd(f, 0xA4);
    ck_assert_uint_eq(next(f), 0xF1); /* no password */
    ck_assert_uint_eq(status(f) & 0x10, 0x10); /* keyboard not inhibited */
    teardown(f);
}
END_TEST

START_TEST(test_command_byte)
{
    Fix *f = setup();
    cmd(f, 0x20);
    ck_assert_uint_eq(next(f), 0x03);
    cmd(f, 0x60);
    data(f, 0x65); /* XLATE, KBD off, SYS, KBD int */
    ck_assert_uint_eq(status(f) & 0x0C, 0x04); /* SYS follows; the last write was data */
    cmd(f, 0x20);
    ck_assert_uint_eq(next(f), 0x65);
    cmd(f, 0xAE);
    cmd(f, 0xA7);
    cmd(f, 0x20);
    ck_assert_uint_eq(next(f), (0x65 & ~0x10) | 0x20);
    cmd(f, 0xA8);
    cmd(f, 0x20);
    ck_assert_uint_eq(next(f), 0x45);
    cmd(f, 0x7F); /* the rest of the RAM */
    data(f, 0x99);
    cmd(f, 0x3F);
    ck_assert_uint_eq(next(f), 0x99);
    teardown(f);
}
END_TEST

START_TEST(test_keyboard_probes)
{
    Fix *f = setup();
    data(f, 0xFF); /* reset */
    ck_assert_int_eq(f->irq1, 1);
    ck_assert_uint_eq(status(f) & 0x20, 0); /* keyboard data, not aux */
    ck_assert_uint_eq(next(f), 0xFA);
    ck_assert_int_eq(f->irq1, 1); /* the next byte follows */
    ck_assert_uint_eq(next(f), 0xAA);
    ck_assert_int_eq(f->irq1, 0);
    data(f, 0xF2); /* identify, untranslated */
    ck_assert_uint_eq(next(f), 0xFA);
    ck_assert_uint_eq(next(f), 0xAB);
    ck_assert_uint_eq(next(f), 0x83);
    cmd(f, 0x60);
    data(f, 0x41); /* translation on */
    data(f, 0xF2);
    next(f);
    next(f);
    ck_assert_uint_eq(next(f), 0x41);
    data(f, 0xED); /* LEDs */
    ck_assert_uint_eq(next(f), 0xFA);
    data(f, 0x07);
    ck_assert_uint_eq(next(f), 0xFA);
    ck_assert_uint_eq(f->kbc.leds, 7);
    data(f, 0xF0); /* scan code set: get */
    ck_assert_uint_eq(next(f), 0xFA);
    data(f, 0x00);
    ck_assert_uint_eq(next(f), 0xFA);
    ck_assert_uint_eq(next(f), 0x02);
    data(f, 0xF0);
    next(f);
    data(f, 0x09); /* no such set */
    ck_assert_uint_eq(next(f), 0xFE);
    data(f, 0xEE);
    ck_assert_uint_eq(next(f), 0xEE);
    data(f, 0xF5);
    ck_assert_uint_eq(next(f), 0xFA);
    ck_assert(!f->kbc.kbd_scanning);
    data(f, 0xF4);
    ck_assert_uint_eq(next(f), 0xFA);
    data(f, 0x12); /* not a command */
    ck_assert_uint_eq(next(f), 0xFE);
    /* IRQ 1 only with command byte bit 0 */
    cmd(f, 0x60);
    data(f, 0x40);
    data(f, 0xEE);
    ck_assert_int_eq(f->irq1, 0);
    ck_assert_uint_eq(next(f), 0xEE);
    teardown(f);
}
END_TEST

START_TEST(test_disabled_keyboard_holds_bytes)
{
    Fix *f = setup();
    cmd(f, 0xAD);
    data(f, 0xFF);
    ck_assert_uint_eq(status(f) & 1, 0);
    cmd(f, 0x20); /* the controller's own answers still pass */
    ck_assert_uint_eq(next(f), 0x13);
    cmd(f, 0xAE);
    ck_assert_uint_eq(next(f), 0xFA);
    ck_assert_uint_eq(next(f), 0xAA);
    teardown(f);
}
END_TEST

START_TEST(test_absent_mouse)
{
    Fix *f = setup();
    cmd(f, 0xD3); /* aux loopback: as if the mouse had sent it */
    data(f, 0x5A);
    ck_assert_uint_eq(status(f) & 0x21, 0x21);
    ck_assert_int_eq(f->irq12, 1);
    ck_assert_int_eq(f->irq1, 0);
    ck_assert_uint_eq(next(f), 0x5A);
    ck_assert_int_eq(f->irq12, 0);
    cmd(f, 0xD4); /* to the mouse: nobody answers */
    data(f, 0xFF);
    ck_assert_uint_eq(status(f) & 0x61, 0x61); /* OBF, aux, timeout */
    ck_assert_uint_eq(next(f), 0xFE);
    ck_assert_uint_eq(status(f) & 0x61, 0);
    cmd(f, 0xD2); /* keyboard buffer write */
    data(f, 0x1C);
    ck_assert_uint_eq(status(f) & 0x21, 0x01);
    ck_assert_uint_eq(next(f), 0x1C);
    teardown(f);
}
END_TEST

START_TEST(test_output_port_a20_and_reset)
{
    Fix *f = setup();
    cmd(f, 0xD0);
    ck_assert_uint_eq(next(f), 0xCF); /* the OBF bits reflect the buffer: empty when read */
    ck_assert(i8042_a20(&f->kbc));
    cmd(f, 0xD1);
    data(f, 0xCD); /* A20 off, reset line high */
    ck_assert(!i8042_a20(&f->kbc));
    ck_assert_int_eq(f->resets, 0);
    cmd(f, 0xD0);
    ck_assert_uint_eq(next(f), 0xCD);
    cmd(f, 0xD1);
    data(f, 0xCC); /* reset line low */
    ck_assert_int_eq(f->resets, 1);
    cmd(f, 0xFF); /* pulse nothing */
    ck_assert_int_eq(f->resets, 1);
    cmd(f, 0xFE); /* pulse reset */
    ck_assert_int_eq(f->resets, 2);
    device_reset(&f->kbc.dev);
    ck_assert(i8042_a20(&f->kbc));
    teardown(f);
}
END_TEST

START_TEST(test_port92)
{
    Fix *f = setup();
    ck_assert_uint_eq(iobus_read(&f->io, 0x92, 1), 0x00);
    iobus_write(&f->io, 0x92, 1, 0x02); /* fast A20 */
    ck_assert(port92_a20(&f->p92));
    ck_assert_uint_eq(iobus_read(&f->io, 0x92, 1), 0x02);
    ck_assert_int_eq(f->resets, 0);
    iobus_write(&f->io, 0x92, 1, 0x03); /* bit 0 rising: reset */
    ck_assert_int_eq(f->resets, 1);
    iobus_write(&f->io, 0x92, 1, 0x03); /* no new edge */
    ck_assert_int_eq(f->resets, 1);
    iobus_write(&f->io, 0x92, 1, 0x00);
    ck_assert(!port92_a20(&f->p92));
    teardown(f);
}
END_TEST

START_TEST(test_post_load_refuses)
{
    Fix *f = setup();
    char err[128];
    ck_assert_int_eq(f->kbc.dev.cls->post_load(&f->kbc.dev, err, sizeof err), 0);
    f->kbc.q_count = 200;
    ck_assert_int_eq(f->kbc.dev.cls->post_load(&f->kbc.dev, err, sizeof err), -1);
    f->kbc.q_count = 0;
    f->kbc.scan_set = 0;
    ck_assert_int_eq(f->kbc.dev.cls->post_load(&f->kbc.dev, err, sizeof err), -1);
    teardown(f);
}
END_TEST

/* A ROM that counts its boots in NVRAM byte 0x40 and, the second time
 * round, exits with the count; the first time it resets through 0x64. */
static int run_reset_rom(bool no_reboot, uint8_t reset_port)
{
    static uint8_t rom[65536];
    memset(rom, 0xF4, sizeof rom);
    static const uint8_t reset[] = { 0xEA, 0x00, 0xE0, 0x00, 0xF0 }; /* jmp F000:E000 */
    memcpy(rom + 0xFFF0, reset, sizeof reset);
    uint8_t code[] = {
        0xB0, 0x40, 0xE6, 0x70,       /* mov al,0x40; out 0x70,al */
        0xE4, 0x71,                   /* in al,0x71 */
        0xFE, 0xC0,                   /* inc al */
        0xE6, 0x71,                   /* out 0x71,al (the CMOS survives a reset) */
        0x3C, 0x02,                   /* cmp al,2 */
        0x74, 0x04,                   /* je done */
        0xB0, 0xFE,                   /* mov al,0xFE (for 0x92: bit 0 set) */
        0xE6, reset_port,             /* out port,al */
        0xE6, 0xF4,                   /* done: out 0xF4,al */
        0xF4,
    };
    memcpy(rom + 0xE000, code, sizeof code);
    if (reset_port == 0x92)
        rom[0xE000 + 15] = 0x01;
    MachineConfig cfg = { .ram_size = 1u << 20, .no_reboot = no_reboot };
    BiosImage img = { rom, sizeof rom };
    char err[256], msg[256];
    Machine *m = machine_new(&cfg, &img, err, sizeof err);
    ck_assert_msg(m != NULL, "%s", err);
    int st = machine_run(m, msg, sizeof msg);
    ck_assert_str_eq(msg, "");
    machine_free(m);
    return st;
}

START_TEST(test_machine_reset_lines)
{
    ck_assert_int_eq(run_reset_rom(false, 0x64), 2);  /* reset, booted again, exited */
    ck_assert_int_eq(run_reset_rom(false, 0x92), 2);
    ck_assert_int_eq(run_reset_rom(true, 0x64), 0);   /* -no-reboot: the reset ends the run */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dev_i8042");
    TCase *tc = tcase_create("i8042");
    tcase_add_test(tc, test_self_test_and_interface_tests);
    tcase_add_test(tc, test_command_byte);
    tcase_add_test(tc, test_keyboard_probes);
    tcase_add_test(tc, test_disabled_keyboard_holds_bytes);
    tcase_add_test(tc, test_absent_mouse);
    tcase_add_test(tc, test_output_port_a20_and_reset);
    tcase_add_test(tc, test_port92);
    tcase_add_test(tc, test_post_load_refuses);
    tcase_add_test(tc, test_machine_reset_lines);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
