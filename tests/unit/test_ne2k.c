/* The DP8390 core of the NE2000: the PROM, remote DMA in every width,
 * transmit and receive between two cards on a loopback wire, the ring's
 * header and wraparound, a full ring, the address filters, interrupts,
 * and hostile register values (every index checked: under ASan an
 * access outside the card's memory fails the run). */
#include <check.h>
#include "unit_main.h"
#include <string.h>
#include "dev/ne2k.h"

typedef struct Wire {
    Ne2kState a, b;
    int irq_a, irq_b;
    uint8_t last[2048]; /* the last frame a card sent */
    size_t last_len;
    int sent;
} Wire;

static void irq_a(void *o, int level) { ((Wire *)o)->irq_a = level; }
static void irq_b(void *o, int level) { ((Wire *)o)->irq_b = level; }

/* a's frames go to b (the loopback test backend) and are recorded */
static void send_a(void *o, const uint8_t *buf, size_t len)
{
    Wire *w = o;
    memcpy(w->last, buf, len);
    w->last_len = len;
    w->sent++;
    ne2k_receive(&w->b, buf, len);
}

static void send_b(void *o, const uint8_t *buf, size_t len)
{
    Wire *w = o;
    memcpy(w->last, buf, len);
    w->last_len = len;
    w->sent++;
    ne2k_receive(&w->a, buf, len);
}

static const uint8_t mac_a[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t mac_b[6] = { 0x52, 0x54, 0x00, 0xAB, 0xCD, 0xEF };

static void wr(Ne2kState *s, uint32_t r, uint32_t v) { ne2k_write(s, r, 1, v); }
static uint32_t rd(Ne2kState *s, uint32_t r) { return ne2k_read(s, r, 1); }

/* What Linux's ne2k-pci and 8390 drivers do, with the whole 32 KiB ring. */
static void bring_up(Ne2kState *s, const uint8_t *mac, uint8_t pstart, uint8_t pstop)
{
    wr(s, 0x0, 0x21);         /* page 0, stop, abort DMA */
    wr(s, 0xE, 0x49);         /* DCR: word-wide, FIFO 8 */
    wr(s, 0xA, 0), wr(s, 0xB, 0);
    wr(s, 0xC, 0x04);         /* RCR: broadcast */
    wr(s, 0xD, 0x00);         /* TCR: normal */
    wr(s, 0x4, pstart);       /* TPSR: the transmit buffer before the ring... */
    wr(s, 0x1, pstart + 6);   /* PSTART */
    wr(s, 0x3, pstart + 6);   /* BNRY */
    wr(s, 0x2, pstop);        /* PSTOP */
    wr(s, 0x7, 0xFF);         /* ISR */
    wr(s, 0xF, 0x3F);         /* IMR: all */
    wr(s, 0x0, 0x61);         /* page 1 */
    for (int i = 0; i < 6; i++)
        wr(s, 1 + (uint32_t)i, mac[i]);
    wr(s, 0x7, pstart + 7);   /* CURR */
    wr(s, 0x0, 0x22);         /* page 0, start */
}

static void dma_write(Ne2kState *s, uint16_t addr, const uint8_t *buf, size_t len, int width)
{
    wr(s, 0xA, len & 0xFF), wr(s, 0xB, len >> 8);
    wr(s, 0x8, addr & 0xFF), wr(s, 0x9, addr >> 8);
    wr(s, 0x0, 0x12); /* remote write */
    for (size_t i = 0; i < len; i += (size_t)width) {
        uint32_t v = 0;
        for (int k = 0; k < width; k++)
            v |= (uint32_t)(i + (size_t)k < len ? buf[i + (size_t)k] : 0) << (8 * k);
        ne2k_write(s, 0x10, width, v);
    }
}

static void dma_read(Ne2kState *s, uint16_t addr, uint8_t *buf, size_t len, int width)
{
    wr(s, 0xA, len & 0xFF), wr(s, 0xB, len >> 8);
    wr(s, 0x8, addr & 0xFF), wr(s, 0x9, addr >> 8);
    wr(s, 0x0, 0x0A); /* remote read */
    for (size_t i = 0; i < len; i += (size_t)width) {
        uint32_t v = ne2k_read(s, 0x10, width);
        for (int k = 0; k < width && i + (size_t)k < len; k++)
            buf[i + (size_t)k] = (uint8_t)(v >> (8 * k));
    }
}

static void transmit(Ne2kState *s, const uint8_t *frame, size_t len, int width)
{
    dma_write(s, (uint16_t)(s->tpsr << 8), frame, len, width);
    wr(s, 0x5, len & 0xFF), wr(s, 0x6, len >> 8);
    wr(s, 0x0, 0x26); /* start, transmit */
}

static Wire *wire(void)
{
    static Wire w;
    memset(&w, 0, sizeof w);
    ne2k_init(&w.a, mac_a, irq_a, send_a, &w);
    ne2k_init(&w.b, mac_b, irq_b, send_b, &w);
    ne2k_reset(&w.a);
    ne2k_reset(&w.b);
    return &w;
}

static size_t frame_to(uint8_t *f, const uint8_t *dst, const uint8_t *src, size_t len, uint8_t seed)
{
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    f[12] = 0x08, f[13] = 0x00;
    for (size_t i = 14; i < len; i++)
        f[i] = (uint8_t)(i * 7 + seed);
    return len;
}

START_TEST(test_prom)
{
    Wire *w = wire();
    Ne2kState *s = &w->a;
    /* ne2k-pci's probe: word mode, 32 bytes read with inb */
    wr(s, 0x0, 0x21);
    wr(s, 0xE, 0x49);
    wr(s, 0xA, 32), wr(s, 0xB, 0), wr(s, 0x8, 0), wr(s, 0x9, 0);
    wr(s, 0x0, 0x0A);
    uint8_t prom[32];
    for (int i = 0; i < 32; i++)
        prom[i] = (uint8_t)ne2k_read(s, 0x10, 1);
    ck_assert_mem_eq(prom, mac_a, 6);
    ck_assert_uint_eq(prom[14], 0x57);
    ck_assert_uint_eq(rd(s, 0x7) & 0x40, 0x40); /* RDC: the 32 bytes were moved */
    /* byte mode: every byte doubled, as the card presents its 16-bit PROM */
    wr(s, 0xE, 0x48);
    uint8_t raw[12];
    dma_read(s, 0, raw, 12, 1);
    for (int i = 0; i < 6; i++)
        ck_assert(raw[2 * i] == mac_a[i] && raw[2 * i + 1] == mac_a[i]);
    /* the ID registers of the RTL8029 */
    ck_assert_uint_eq(rd(s, 0xA), 0x50);
    ck_assert_uint_eq(rd(s, 0xB), 0x43);
}
END_TEST

START_TEST(test_remote_dma_widths)
{
    Wire *w = wire();
    Ne2kState *s = &w->a;
    bring_up(s, mac_a, 0x40, 0xC0);
    uint8_t in[100], out[100];
    for (int i = 0; i < 100; i++)
        in[i] = (uint8_t)(i * 3 + 1);
    for (int width = 1; width <= 4; width *= 2) {
        memset(out, 0, sizeof out);
        if (width == 1)
            wr(s, 0xE, 0x48);
        else
            wr(s, 0xE, 0x49);
        dma_write(s, 0x5000, in, 100, width);
        ck_assert_uint_eq(rd(s, 0x7) & 0x40, 0x40);
        wr(s, 0x7, 0x40);
        dma_read(s, 0x5000, out, 100, width);
        ck_assert_mem_eq(in, out, 100);
        ck_assert_uint_eq(rd(s, 0x8) | rd(s, 0x9) << 8, 0x5000 + 100);
    }
}
END_TEST

START_TEST(test_transmit_receive)
{
    Wire *w = wire();
    bring_up(&w->a, mac_a, 0x40, 0xC0);
    bring_up(&w->b, mac_b, 0x40, 0xC0);
    uint8_t f[1514], got[1514];
    frame_to(f, mac_b, mac_a, 1514, 1);
    transmit(&w->a, f, 1514, 4);
    ck_assert_int_eq(w->sent, 1);
    ck_assert_uint_eq(w->last_len, 1514);
    ck_assert_mem_eq(w->last, f, 1514);
    ck_assert_uint_eq(rd(&w->a, 0x7) & 0x02, 0x02); /* PTX */
    ck_assert_uint_eq(rd(&w->a, 0x4) & 0x01, 0x01); /* TSR PTX */
    ck_assert_int_eq(w->irq_a, 1);
    wr(&w->a, 0x7, 0x02);
    ck_assert_int_eq(w->irq_a, 0);
    /* b received it at CURR = 0x47: header then data */
    ck_assert_int_eq(w->irq_b, 1);
    ck_assert_uint_eq(rd(&w->b, 0x7) & 0x01, 0x01);
    uint8_t hdr[4];
    dma_read(&w->b, 0x4700, hdr, 4, 2);
    ck_assert_uint_eq(hdr[0], 0x01);             /* PRX */
    ck_assert_uint_eq(hdr[1], 0x47 + 6);         /* 1518 bytes: 6 pages */
    ck_assert_uint_eq(hdr[2] | hdr[3] << 8, 1518);
    dma_read(&w->b, 0x4704, got, 1514, 4);
    ck_assert_mem_eq(got, f, 1514);
    wr(&w->b, 0x0, 0x62);
    ck_assert_uint_eq(rd(&w->b, 0x7), 0x47 + 6); /* CURR */
    wr(&w->b, 0x0, 0x22);
    /* a runt is padded to 60; not for b's address: ignored */
    frame_to(f, mac_b, mac_a, 20, 2);
    transmit(&w->a, f, 20, 2);
    dma_read(&w->b, 0x4D00, hdr, 4, 2);
    ck_assert_uint_eq(hdr[2] | hdr[3] << 8, 64);
    uint8_t other[6] = { 0x52, 0x54, 0, 0, 0, 1 };
    frame_to(f, other, mac_a, 60, 3);
    uint32_t before = w->b.rx_frames;
    transmit(&w->a, f, 60, 2);
    ck_assert_uint_eq(w->b.rx_frames, before);
    wr(&w->b, 0xC, 0x14); /* promiscuous */
    transmit(&w->a, f, 60, 2);
    ck_assert_uint_eq(w->b.rx_frames, before + 1);
}
END_TEST

START_TEST(test_ring_wraparound)
{
    Wire *w = wire();
    bring_up(&w->b, mac_b, 0x40, 0xC0);
    /* the reader is near the end: CURR 0xBE, BNRY 0xBD */
    wr(&w->b, 0x3, 0xBD);
    wr(&w->b, 0x0, 0x62);
    wr(&w->b, 0x7, 0xBE);
    wr(&w->b, 0x0, 0x22);
    uint8_t f[1000], got[1000], hdr[4];
    frame_to(f, mac_b, mac_a, 1000, 9);
    ck_assert(ne2k_receive(&w->b, f, 1000));
    /* 1004 bytes from 0xBE00: 2 pages to 0xC000, then from PSTART 0x46 */
    dma_read(&w->b, 0xBE00, hdr, 4, 2);
    ck_assert_uint_eq(hdr[1], 0x46 + 2); /* 4 pages: 0xBE, 0xBF, 0x46, 0x47 -> next 0x48 */
    ck_assert_uint_eq(hdr[2] | hdr[3] << 8, 1004);
    dma_read(&w->b, 0xBE04, got, 1000, 4); /* the remote DMA wraps at PSTOP too */
    ck_assert_mem_eq(got, f, 1000);
    ck_assert_uint_eq(w->b.mem[0x4600], f[508]); /* 0xC000 - 0xBE04 = 508 bytes before the wrap */
}
END_TEST

START_TEST(test_ring_full)
{
    Wire *w = wire();
    bring_up(&w->b, mac_b, 0x40, 0x50); /* a small ring: 0x46-0x4F, 10 pages */
    uint8_t f[1514];
    frame_to(f, mac_b, mac_a, 1514, 4);
    ck_assert(ne2k_receive(&w->b, f, 1514)); /* 6 pages: 0x47 -> 0x4D */
    ck_assert(!ne2k_receive(&w->b, f, 1514)); /* 6 more do not fit before BNRY 0x46 */
    ck_assert_uint_eq(w->b.rx_dropped, 1);
    ck_assert_uint_eq(rd(&w->b, 0xF), 1);   /* CNTR2: missed */
    ck_assert_uint_eq(rd(&w->b, 0xF), 0);   /* cleared by reading */
    ck_assert(ne2k_receive(&w->b, f, 100)); /* a small one still fits */
    /* the reader catches up: room again */
    wr(&w->b, 0x3, 0x4D);
    ck_assert(ne2k_receive(&w->b, f, 1514));
}
END_TEST

START_TEST(test_filters)
{
    Wire *w = wire();
    bring_up(&w->b, mac_b, 0x40, 0xC0);
    uint8_t f[64];
    static const uint8_t bc[6] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
    static const uint8_t mc[6] = { 0x01, 0x00, 0x5E, 0x00, 0x00, 0x01 }; /* all-hosts */
    frame_to(f, bc, mac_a, 64, 0);
    ck_assert(ne2k_receive(&w->b, f, 64));
    wr(&w->b, 0xC, 0x00);
    ck_assert(!ne2k_receive(&w->b, f, 64));
    frame_to(f, mc, mac_a, 64, 0);
    wr(&w->b, 0xC, 0x08);
    ck_assert(!ne2k_receive(&w->b, f, 64)); /* MAR all clear */
    wr(&w->b, 0x0, 0x62);
    for (uint32_t i = 8; i < 16; i++)
        wr(&w->b, i, 0xFF);
    wr(&w->b, 0x0, 0x22);
    ck_assert(ne2k_receive(&w->b, f, 64));
    uint8_t hdr[4];
    dma_read(&w->b, 0x4700, hdr, 4, 2);
    ck_assert_uint_eq(hdr[0], 0x21); /* PRX | PHY (multicast) */
    wr(&w->b, 0xC, 0x28);            /* monitor mode: counted, not stored */
    ck_assert(!ne2k_receive(&w->b, f, 64));
    wr(&w->b, 0x0, 0x23);            /* stopped: nothing */
    ck_assert(!ne2k_receive(&w->b, f, 64));
}
END_TEST

START_TEST(test_interrupts_and_reset_port)
{
    Wire *w = wire();
    Ne2kState *s = &w->a;
    ck_assert_uint_eq(rd(s, 0x7), 0x80); /* RST after power on, no interrupt */
    ck_assert_int_eq(w->irq_a, 0);
    bring_up(s, mac_a, 0x40, 0xC0);
    ck_assert_uint_eq(rd(s, 0x7) & 0x80, 0); /* started */
    wr(s, 0xF, 0x00);
    wr(s, 0x0, 0x0A); /* zero-length remote read: RDC at once */
    ck_assert_uint_eq(rd(s, 0x7), 0x40);
    ck_assert_int_eq(w->irq_a, 0); /* masked */
    wr(s, 0xF, 0x40);
    ck_assert_int_eq(w->irq_a, 1);
    wr(s, 0x0, 0xA2);              /* page 2 */
    ck_assert_uint_eq(rd(s, 0xF), 0xC0);
    ck_assert_uint_eq(rd(s, 0x1), 0x46);
    wr(s, 0x0, 0x22);
    wr(s, 0x7, 0x40);
    ck_assert_int_eq(w->irq_a, 0);
    ne2k_read(s, 0x1F, 1); /* the reset port */
    ck_assert_uint_eq(rd(s, 0x7) & 0x80, 0x80);
    ne2k_write(s, 0x1F, 1, 0); /* writing it back: nothing */
    ck_assert_uint_eq(ne2k_read(s, 0x20, 1), 0xFFFFFFFFu);
}
END_TEST

START_TEST(test_hostile_registers)
{
    Wire *w = wire();
    Ne2kState *s = &w->a;
    uint8_t f[1514];
    frame_to(f, mac_a, mac_b, 1514, 5);
    bring_up(s, mac_a, 0x40, 0xC0);
    /* rings that are not rings */
    static const uint8_t bad[][4] = { /* pstart, pstop, curr, bnry */
        { 0xC0, 0x40, 0x41, 0x40 }, { 0x00, 0x20, 0x01, 0x00 }, { 0x40, 0xFF, 0x41, 0x40 },
        { 0x40, 0x40, 0x40, 0x40 }, { 0x40, 0xC0, 0xC5, 0x40 }, { 0x40, 0xC0, 0x41, 0x10 },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        wr(s, 0x1, bad[i][0]), wr(s, 0x2, bad[i][1]), wr(s, 0x3, bad[i][3]);
        wr(s, 0x0, 0x62), wr(s, 0x7, bad[i][2]), wr(s, 0x0, 0x22);
        ck_assert(!ne2k_receive(s, f, 1514));
    }
    /* a transmit from the top of the address space, as long as it goes */
    wr(s, 0x4, 0xFF), wr(s, 0x5, 0xFF), wr(s, 0x6, 0xFF);
    wr(s, 0x0, 0x26);
    ck_assert_int_eq(w->sent, 1);
    ck_assert_uint_eq(w->last[0], 0xFF); /* nothing decodes there */
    /* remote DMA running off the end of the 64 KiB space, both ways */
    wr(s, 0x8, 0xF0), wr(s, 0x9, 0xFF), wr(s, 0xA, 0xFF), wr(s, 0xB, 0xFF);
    wr(s, 0x0, 0x12);
    for (int i = 0; i < 40000; i++)
        ne2k_write(s, 0x10, 4, 0xDEADBEEF);
    wr(s, 0x0, 0x0A);
    for (int i = 0; i < 40000; i++)
        ne2k_read(s, 0x10, 4);
    /* and a pseudo-random storm over every register, page and port */
    uint32_t x = 12345;
    for (int i = 0; i < 200000; i++) {
        x = x * 1103515245u + 12345u;
        uint32_t off = (x >> 8) & 0x1F, v = x >> 16;
        int size = 1 << ((x >> 4) & 3);
        if (size == 8)
            size = 4;
        if (x & 0x80000000u)
            ne2k_read(s, off, size);
        else if ((x & 0x7000) == 0x7000)
            ne2k_receive(s, f, 60 + (v % 1460));
        else
            ne2k_write(s, off, size, v);
    }
}
END_TEST

START_TEST(test_internal_loopback)
{
    Wire *w = wire();
    Ne2kState *s = &w->a;
    bring_up(s, mac_a, 0x40, 0xC0);
    wr(s, 0xD, 0x02); /* TCR: internal loopback */
    uint8_t f[100];
    frame_to(f, mac_a, mac_a, 100, 6);
    transmit(s, f, 100, 2);
    ck_assert_int_eq(w->sent, 0); /* nothing on the wire */
    ck_assert_uint_eq(s->rx_frames, 1);
    ck_assert_uint_eq(rd(s, 0x7) & 0x03, 0x03);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ne2k");
    TCase *tc = tcase_create("ne2k");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_prom);
    tcase_add_test(tc, test_remote_dma_widths);
    tcase_add_test(tc, test_transmit_receive);
    tcase_add_test(tc, test_ring_wraparound);
    tcase_add_test(tc, test_ring_full);
    tcase_add_test(tc, test_filters);
    tcase_add_test(tc, test_interrupts_and_reset_port);
    tcase_add_test(tc, test_hostile_registers);
    tcase_add_test(tc, test_internal_loopback);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
