/* The 8259A pair, behaviour by behaviour from the Intel 8259A datasheet:
 * initialization (ICW1-4), OCW1-3, edge and level triggering, priorities
 * and rotation, EOIs, special mask, poll, spurious IRQ 7/15, AEOI,
 * cascade and special fully nested mode, and the state description. */
#include <check.h>
#include "unit_main.h"
#include <stdlib.h>
#include <string.h>
#include "dev/pic.h"

typedef struct Fix {
    IoBus io;
    DeviceHost host;
    PicState pic;
    int intr, changes;
} Fix;

static void on_intr(void *opaque, int n, int level)
{
    (void)n;
    Fix *f = opaque;
    f->intr = level;
    f->changes++;
}

static void out8(Fix *f, uint16_t port, uint8_t v) { iobus_write(&f->io, port, 1, v); }
static uint8_t in8(Fix *f, uint16_t port) { return (uint8_t)iobus_read(&f->io, port, 1); }

/* The PC BIOS's initialization, with protected-mode vectors 0x20/0x28;
 * icw4 lets a test choose AEOI or SFNM. */
static void init_pair(Fix *f, uint8_t icw1, uint8_t icw4m, uint8_t icw4s)
{
    out8(f, 0x20, icw1); out8(f, 0x21, 0x20); out8(f, 0x21, 0x04); out8(f, 0x21, icw4m);
    out8(f, 0xA0, icw1); out8(f, 0xA1, 0x28); out8(f, 0xA1, 0x02); out8(f, 0xA1, icw4s);
}

static Fix *setup(void)
{
    Fix *f = calloc(1, sizeof *f);
    char err[128];
    iobus_init(&f->io);
    f->host = (DeviceHost){ &f->io, NULL, 0 };
    pic_init(&f->pic, "pic", (IrqLine){ on_intr, f, 0 });
    ck_assert_int_eq(device_realize(&f->pic.dev, &f->host, err, sizeof err), 0);
    init_pair(f, 0x11, 0x01, 0x01);
    return f;
}

static void teardown(Fix *f)
{
    device_unrealize(&f->pic.dev);
    ck_assert_int_eq(f->io.map[0x20], 0); /* unrealize gave the ports back */
    free(f);
}

static uint8_t isr(Fix *f, uint16_t base) { out8(f, base, 0x0B); return in8(f, base); }
static uint8_t irr(Fix *f, uint16_t base) { out8(f, base, 0x0A); return in8(f, base); }
static void eoi(Fix *f, uint16_t base) { out8(f, base, 0x20); }

START_TEST(test_init_sequence)
{
    Fix *f = setup();
    ck_assert_int_eq(in8(f, 0x21), 0); /* ICW1 clears IMR */
    out8(f, 0x21, 0xFB);
    out8(f, 0xA1, 0xFF);
    ck_assert_int_eq(in8(f, 0x21), 0xFB); /* OCW1 reads back */
    ck_assert_int_eq(in8(f, 0xA1), 0xFF);
    ck_assert_int_eq(f->pic.chip[0].base, 0x20);
    ck_assert_int_eq(f->pic.chip[1].icw3, 2);
    /* ICW2 keeps only T7-T3 in x86 mode */
    out8(f, 0x20, 0x11); out8(f, 0x21, 0x47); out8(f, 0x21, 0x04); out8(f, 0x21, 0x01);
    ck_assert_int_eq(f->pic.chip[0].base, 0x40);
    /* without IC4 the sequence ends at ICW3 and ICW4's functions are off */
    out8(f, 0x20, 0x10); out8(f, 0x21, 0x20); out8(f, 0x21, 0x04);
    out8(f, 0x21, 0x5A);
    ck_assert_int_eq(in8(f, 0x21), 0x5A); /* that was OCW1 already */
    ck_assert(!f->pic.chip[0].auto_eoi);
    /* single mode skips ICW3 */
    out8(f, 0x20, 0x13); out8(f, 0x21, 0x20); out8(f, 0x21, 0x03);
    ck_assert(f->pic.chip[0].auto_eoi);
    ck_assert_int_eq(f->pic.chip[0].init_step, 0);
    teardown(f);
}
END_TEST

START_TEST(test_edge_trigger)
{
    Fix *f = setup();
    pic_set_irq(&f->pic, 0, 1);
    ck_assert_int_eq(f->intr, 1);
    ck_assert_int_eq(irr(f, 0x20), 0x01);
    ck_assert_int_eq(pic_intr_ack(&f->pic), 0x20);
    ck_assert_int_eq(f->intr, 0);
    ck_assert_int_eq(isr(f, 0x20), 0x01);
    ck_assert_int_eq(irr(f, 0x20), 0x00); /* INTA clears an edge request */
    eoi(f, 0x20);
    ck_assert_int_eq(isr(f, 0x20), 0);
    ck_assert_int_eq(f->intr, 0); /* a line held high is not a new edge */
    pic_set_irq(&f->pic, 0, 1);
    ck_assert_int_eq(f->intr, 0);
    pic_set_irq(&f->pic, 0, 0);
    pic_set_irq(&f->pic, 0, 1);
    ck_assert_int_eq(f->intr, 1);
    /* a request latched on the edge survives the line falling before INTA */
    pic_set_irq(&f->pic, 0, 0);
    ck_assert_int_eq(f->intr, 1);
    ck_assert_int_eq(pic_intr_ack(&f->pic), 0x20);
    teardown(f);
}
END_TEST

START_TEST(test_level_trigger_elcr)
{
    Fix *f = setup();
    out8(f, 0x4D0, 0xFF);
    out8(f, 0x4D1, 0xFF);
    ck_assert_int_eq(in8(f, 0x4D0), 0xF8); /* IRQ 0-2 cannot be level */
    ck_assert_int_eq(in8(f, 0x4D1), 0xDE); /* nor IRQ 8 and 13 */
    out8(f, 0x4D0, 0x00);
    out8(f, 0x4D1, 0x02); /* IRQ 9 level */
    pic_set_irq(&f->pic, 9, 1);
    ck_assert_int_eq(f->intr, 1);
    ck_assert_int_eq(pic_intr_ack(&f->pic), 0x29);
    ck_assert_int_eq(irr(f, 0xA0), 0x02); /* a level request stays in IRR */
    eoi(f, 0xA0);
    eoi(f, 0x20);
    ck_assert_int_eq(f->intr, 1); /* still high: requests again */
    ck_assert_int_eq(pic_intr_ack(&f->pic), 0x29);
    eoi(f, 0xA0);
    eoi(f, 0x20);
    pic_set_irq(&f->pic, 9, 0);
    ck_assert_int_eq(irr(f, 0xA0), 0x00); /* and leaves it with the line */
    ck_assert_int_eq(f->intr, 0);
    teardown(f);
}
END_TEST

START_TEST(test_level_trigger_ltim)
{
    Fix *f = setup();
    init_pair(f, 0x19, 0x01, 0x01); /* ICW1 LTIM: every line level */
    pic_set_irq(&f->pic, 1, 1);
    ck_assert_int_eq(pic_intr_ack(&f->pic), 0x21);
    eoi(f, 0x20);
    ck_assert_int_eq(f->intr, 1);
    pic_set_irq(&f->pic, 1, 0);
    ck_assert_int_eq(f->intr, 0);
    teardown(f);
}
END_TEST

START_TEST(test_fixed_priority_and_nesting)
{
    Fix *f = setup();
    pic_set_irq(&f->pic, 5, 1);
    pic_set_irq(&f->pic, 3, 1);
    ck_assert_int_eq(pic_intr_ack(&f->pic), 0x23); /* IR3 before IR5 */
    ck_assert_int_eq(f->intr, 0); /* IR5 waits behind IR3 in service */
    pic_set_irq(&f->pic, 4, 1);
    ck_assert_int_eq(f->intr, 0);
    pic_set_irq(&f->pic, 1, 1); /* a higher priority nests */
    ck_assert_int_eq(f->intr, 1);
    ck_assert_int_eq(pic_intr_ack(&f->pic), 0x21);
    ck_assert_int_eq(isr(f, 0x20), 0x0A);
    eoi(f, 0x20); /* non-specific: the highest in service, IR1 */
    ck_assert_int_eq(isr(f, 0x20), 0x08);
    eoi(f, 0x20);
    ck_assert_int_eq(pic_intr_ack(&f->pic), 0x24);
    out8(f, 0x20, 0x64); /* specific EOI of IR4 */
    ck_assert_int_eq(isr(f, 0x20), 0x00);
    ck_assert_int_eq(pic_intr_ack(&f->pic), 0x25);
    teardown(f);
}
END_TEST

START_TEST(test_rotation)
{
    Fix *f = setup();
    pic_set_irq(&f->pic, 3, 1);
    ck_assert_int_eq(pic_intr_ack(&f->pic), 0x23);
    out8(f, 0x20, 0xA0); /* rotate on non-specific EOI: IR3 becomes the lowest */
    ck_assert_int_eq(f->pic.chip[0].lowest, 3);
    pic_set_irq(&f->pic, 3, 0);
    pic_set_irq(&f->pic, 3, 1);
    pic_set_irq(&f->pic, 5, 1);
    ck_assert_int_eq(pic_intr_ack(&f->pic), 0x25); /* order now 4 5 6 7 0 1 2 3 */
    out8(f, 0x20, 0xE5); /* rotate on specific EOI of IR5 */
    ck_assert_int_eq(isr(f, 0x20), 0);
    ck_assert_int_eq(f->pic.chip[0].lowest, 5);
    ck_assert_int_eq(pic_intr_ack(&f->pic), 0x23);
    eoi(f, 0x20);
    out8(f, 0x20, 0xC6); /* set priority: IR6 lowest, IR7 highest */
    pic_set_irq(&f->pic, 0, 1);
    pic_set_irq(&f->pic, 7, 1);
    ck_assert_int_eq(pic_intr_ack(&f->pic), 0x27);
    out8(f, 0x20, 0x40); /* no-op OCW2 */
    ck_assert_int_eq(isr(f, 0x20), 0x80);
    teardown(f);
}
END_TEST

START_TEST(test_auto_eoi)
{
    Fix *f = setup();
    init_pair(f, 0x11, 0x03, 0x01); /* master AEOI */
    pic_set_irq(&f->pic, 4, 1);
    ck_assert_int_eq(pic_intr_ack(&f->pic), 0x24);
    ck_assert_int_eq(isr(f, 0x20), 0); /* no ISR bit to clear */
    out8(f, 0x20, 0x80); /* rotate in AEOI mode */
    pic_set_irq(&f->pic, 6, 1);
    ck_assert_int_eq(pic_intr_ack(&f->pic), 0x26);
    ck_assert_int_eq(f->pic.chip[0].lowest, 6);
    out8(f, 0x20, 0x00); /* clear rotate in AEOI */
    pic_set_irq(&f->pic, 1, 1);
    ck_assert_int_eq(pic_intr_ack(&f->pic), 0x21);
    ck_assert_int_eq(f->pic.chip[0].lowest, 6);
    teardown(f);
}
END_TEST

START_TEST(test_special_mask_mode)
{
    Fix *f = setup();
    pic_set_irq(&f->pic, 3, 1);
    ck_assert_int_eq(pic_intr_ack(&f->pic), 0x23);
    pic_set_irq(&f->pic, 5, 1);
    ck_assert_int_eq(f->intr, 0);
    out8(f, 0x21, 0x08); /* mask IR3 ... */
    out8(f, 0x20, 0x68); /* ... and enter special mask mode */
    ck_assert_int_eq(f->intr, 1); /* the lower IR5 may now interrupt */
    ck_assert_int_eq(pic_intr_ack(&f->pic), 0x25);
    ck_assert_int_eq(isr(f, 0x20), 0x28);
    out8(f, 0x20, 0x65); /* specific EOI of IR5 */
    out8(f, 0x20, 0x48); /* leave special mask mode */
    out8(f, 0x21, 0x00);
    pic_set_irq(&f->pic, 5, 0);
    pic_set_irq(&f->pic, 5, 1);
    ck_assert_int_eq(f->intr, 0); /* IR3 in service blocks IR5 again */
    teardown(f);
}
END_TEST

START_TEST(test_poll_and_read_registers)
{
    Fix *f = setup();
    out8(f, 0x21, 0x20); /* IR5 masked: still visible in IRR */
    pic_set_irq(&f->pic, 5, 1);
    pic_set_irq(&f->pic, 6, 1);
    ck_assert_int_eq(irr(f, 0x20), 0x60);
    out8(f, 0x20, 0x0C); /* poll */
    ck_assert_int_eq(in8(f, 0x20), 0x86); /* I bit + IR6, acknowledged */
    ck_assert_int_eq(in8(f, 0x20), 0x20); /* poll is over: IRR again, IR6 acknowledged */
    ck_assert_int_eq(isr(f, 0x20), 0x40);
    eoi(f, 0x20);
    out8(f, 0x20, 0x0C);
    ck_assert_int_eq(in8(f, 0x21), 0x00); /* nothing unmasked pending */
    ck_assert_int_eq(in8(f, 0x21), 0x20); /* then IMR again */
    teardown(f);
}
END_TEST

START_TEST(test_spurious)
{
    Fix *f = setup();
    out8(f, 0x4D0, 0x08); /* IRQ 3 level */
    pic_set_irq(&f->pic, 3, 1);
    ck_assert_int_eq(f->intr, 1);
    pic_set_irq(&f->pic, 3, 0); /* gone before INTA */
    ck_assert_int_eq(pic_intr_ack(&f->pic), 0x27);
    ck_assert_int_eq(isr(f, 0x20), 0); /* spurious IRQ 7 sets no ISR bit */
    /* on the slave: the master sees IR2, the slave has nothing left */
    out8(f, 0x4D1, 0x04); /* IRQ 10 level */
    pic_set_irq(&f->pic, 10, 1);
    ck_assert_int_eq(f->intr, 1);
    f->pic.chip[1].irr = 0; /* the line drops between the master's and the slave's INTA */
    f->pic.chip[1].lines = 0;
    ck_assert_int_eq(pic_intr_ack(&f->pic), 0x2F);
    ck_assert_int_eq(isr(f, 0xA0), 0);
    ck_assert_int_eq(isr(f, 0x20), 0x04); /* the OS must EOI the master only */
    teardown(f);
}
END_TEST

START_TEST(test_cascade_and_sfnm)
{
    Fix *f = setup();
    pic_set_irq(&f->pic, 10, 1);
    ck_assert_int_eq(f->intr, 1);
    ck_assert_int_eq(pic_intr_ack(&f->pic), 0x2A);
    ck_assert_int_eq(isr(f, 0x20), 0x04);
    ck_assert_int_eq(isr(f, 0xA0), 0x04);
    pic_set_irq(&f->pic, 9, 1); /* higher on the slave, but the master's IR2 is in service */
    ck_assert_int_eq(f->intr, 0);
    eoi(f, 0xA0);
    eoi(f, 0x20);
    ck_assert_int_eq(f->intr, 1);
    ck_assert_int_eq(pic_intr_ack(&f->pic), 0x29);
    eoi(f, 0xA0);
    eoi(f, 0x20);
    /* special fully nested mode on the master lets it through */
    init_pair(f, 0x11, 0x11, 0x01);
    pic_set_irq(&f->pic, 10, 0);
    pic_set_irq(&f->pic, 9, 0);
    pic_set_irq(&f->pic, 10, 1);
    ck_assert_int_eq(pic_intr_ack(&f->pic), 0x2A);
    pic_set_irq(&f->pic, 9, 1);
    ck_assert_int_eq(f->intr, 1);
    ck_assert_int_eq(pic_intr_ack(&f->pic), 0x29);
    ck_assert_int_eq(isr(f, 0xA0), 0x06);
    /* a slave whose ICW3 id is not 2 does not answer: the bus floats */
    init_pair(f, 0x11, 0x01, 0x01);
    out8(f, 0xA0, 0x11); out8(f, 0xA1, 0x28); out8(f, 0xA1, 0x05); out8(f, 0xA1, 0x01);
    pic_set_irq(&f->pic, 11, 0);
    pic_set_irq(&f->pic, 11, 1);
    ck_assert_int_eq(pic_intr_ack(&f->pic), 0xFF);
    teardown(f);
}
END_TEST

START_TEST(test_mask_and_icw1_edge_reset)
{
    Fix *f = setup();
    out8(f, 0x21, 0x01);
    pic_set_irq(&f->pic, 0, 1);
    ck_assert_int_eq(f->intr, 0);
    ck_assert(!pic_would_interrupt(&f->pic, 0));
    ck_assert(pic_would_interrupt(&f->pic, 12));
    out8(f, 0x21, 0x00);
    ck_assert_int_eq(f->intr, 1); /* unmasking shows the latched request */
    /* ICW1 resets the edge sense: the line, still high, must fall and rise */
    init_pair(f, 0x11, 0x01, 0x01);
    ck_assert_int_eq(f->intr, 0);
    ck_assert_int_eq(irr(f, 0x20), 0);
    pic_set_irq(&f->pic, 0, 0);
    pic_set_irq(&f->pic, 0, 1);
    ck_assert_int_eq(f->intr, 1);
    /* out-of-range and cascade inputs are ignored */
    pic_set_irq(&f->pic, 2, 1);
    pic_set_irq(&f->pic, 16, 1);
    pic_set_irq(&f->pic, -1, 1);
    ck_assert_int_eq(irr(f, 0x20), 0x01);
    teardown(f);
}
END_TEST

START_TEST(test_wide_access_split)
{
    Fix *f = setup();
    out8(f, 0x21, 0xAB);
    /* inw 0x20: two byte cycles, IRR then IMR */
    ck_assert_uint_eq(iobus_read(&f->io, 0x20, 2), 0xAB00u);
    /* outw 0x20: OCW3 "read ISR" then OCW1 */
    iobus_write(&f->io, 0x20, 2, 0x550B);
    ck_assert_int_eq(in8(f, 0x21), 0x55);
    ck_assert(f->pic.chip[0].read_isr);
    teardown(f);
}
END_TEST

static char *dump(Fix *f)
{
    FILE *m = tmpfile();
    ck_assert_ptr_nonnull(m);
    device_dump_state(&f->pic.dev, m);
    long len = ftell(m);
    char *buf = calloc(1, (size_t)len + 1);
    rewind(m);
    ck_assert_uint_eq(fread(buf, 1, (size_t)len, m), (size_t)len);
    fclose(m);
    return buf;
}

START_TEST(test_state_dump_and_load_check)
{
    Fix *f = setup();
    out8(f, 0x21, 0xFB);
    pic_set_irq(&f->pic, 1, 1);
    char *d = dump(f);
    ck_assert_ptr_nonnull(strstr(d, "pic.chip[0].imr=0xfb\n"));
    ck_assert_ptr_nonnull(strstr(d, "pic.chip[0].irr=0x02\n"));
    ck_assert_ptr_nonnull(strstr(d, "pic.chip[1].base=0x28\n"));
    ck_assert_ptr_nonnull(strstr(d, "pic.chip[1].special_mask=0\n"));
    ck_assert_ptr_nonnull(strstr(d, "pic.intr=0\n")); /* IR1 is masked */
    free(d);
    char err[128];
    ck_assert_int_eq(f->pic.dev.cls->post_load(&f->pic.dev, err, sizeof err), 0);
    f->pic.chip[1].lowest = 9;
    ck_assert_int_eq(f->pic.dev.cls->post_load(&f->pic.dev, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "chip 1"));
    f->pic.chip[1].lowest = 7;
    teardown(f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dev_pic");
    TCase *tc = tcase_create("i8259");
    tcase_add_test(tc, test_init_sequence);
    tcase_add_test(tc, test_edge_trigger);
    tcase_add_test(tc, test_level_trigger_elcr);
    tcase_add_test(tc, test_level_trigger_ltim);
    tcase_add_test(tc, test_fixed_priority_and_nesting);
    tcase_add_test(tc, test_rotation);
    tcase_add_test(tc, test_auto_eoi);
    tcase_add_test(tc, test_special_mask_mode);
    tcase_add_test(tc, test_poll_and_read_registers);
    tcase_add_test(tc, test_spurious);
    tcase_add_test(tc, test_cascade_and_sfnm);
    tcase_add_test(tc, test_mask_and_icw1_edge_reset);
    tcase_add_test(tc, test_wide_access_split);
    tcase_add_test(tc, test_state_dump_and_load_check);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
