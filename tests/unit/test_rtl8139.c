/* The RTL8139C card on the machine's PCI bus: its 93C46 EEPROM read the
 * way 8139too reads it, transmit and receive by bus-master DMA through a
 * hub to a test NIC, the receive ring's header and wraparound, the MII
 * link following the backend, and DMA addresses a guest aims at ROM,
 * MMIO or nothing (refused, never outside RAM). */
#define _DEFAULT_SOURCE
#include <check.h>
#include "unit_main.h"
#include <stdlib.h>
#include <string.h>
#include "system/hotplug.h"
#include "system/machine.h"

typedef struct TestNic {
    NetClient nc;
    uint8_t last[2048];
    size_t last_len;
    int frames;
} TestNic;

static void tn_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    TestNic *t = (TestNic *)nc;
    memcpy(t->last, buf, len < sizeof t->last ? len : sizeof t->last);
    t->last_len = len;
    t->frames++;
}
static void tn_cleanup(NetClient *nc) { (void)nc; }
static const NetClientOps tn_ops = { .type = "nic", .receive = tn_receive, .cleanup = tn_cleanup };

static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x81, 0x39, 0x01 };
enum { IO = 0xD000 };

static Machine *m;
static TestNic peer;

static void setup(void)
{
    static uint8_t rom[65536];
    MachineConfig cfg = { .ram_size = 4u << 20, .serial = { "null", NULL } };
    BiosImage img = { rom, sizeof rom };
    char err[512];
    m = machine_new(&cfg, &img, err, sizeof err);
    ck_assert_msg(m != NULL, "%s", err);
    ck_assert_int_eq(hotplug_netdev_add(m, "hubport,id=h1,hubid=0", err, sizeof err), 0);
    ck_assert_int_eq(hotplug_netdev_add(m, "hubport,id=h2,hubid=0", err, sizeof err), 0);
    ck_assert_msg(hotplug_device_add(m, "rtl8139,id=rtl,netdev=h1,romfile=,mac=52:54:00:81:39:01",
                                     err, sizeof err) == 0, "%s", err);
    memset(&peer, 0, sizeof peer);
    peer.nc.ops = &tn_ops;
    strcpy(peer.nc.id, "peer");
    ck_assert_int_eq(net_attach(&m->net, &peer.nc, "h2", err, sizeof err), 0);
    PciDevice *d = m->nic[0];
    pci_config_write(d, PCI_BAR0, 4, IO);
    pci_config_write(d, PCI_COMMAND, 2, PCI_CMD_IO | PCI_CMD_MASTER);
}

static void teardown(void)
{
    net_detach(&peer.nc);
    machine_free(m);
}

static void w8(uint32_t r, uint32_t v) { iobus_write(&m->io, (uint16_t)(IO + r), 1, v); }
static void w16(uint32_t r, uint32_t v) { iobus_write(&m->io, (uint16_t)(IO + r), 2, v); }
static void w32(uint32_t r, uint32_t v) { iobus_write(&m->io, (uint16_t)(IO + r), 4, v); }
static uint32_t r8(uint32_t r) { return iobus_read(&m->io, (uint16_t)(IO + r), 1); }
static uint32_t r16(uint32_t r) { return iobus_read(&m->io, (uint16_t)(IO + r), 2); }
static uint32_t r32(uint32_t r) { return iobus_read(&m->io, (uint16_t)(IO + r), 4); }

/* 8139too's read_eeprom, bit for bit */
static unsigned read_eeprom(int location, int addr_len)
{
    enum { SK = 4, CS = 8, DI = 2, ENB = 0x80 | CS };
    unsigned cmd = (unsigned)location | (6u << addr_len), v = 0;
    w8(0x50, ENB & ~CS);
    w8(0x50, ENB);
    for (int i = 4 + addr_len; i >= 0; i--) {
        int bit = (cmd & (1u << i)) ? DI : 0;
        w8(0x50, ENB | bit);
        w8(0x50, ENB | bit | SK);
    }
    w8(0x50, ENB);
    for (int i = 16; i > 0; i--) {
        w8(0x50, ENB | SK);
        v = (v << 1) | (r8(0x50) & 1);
        w8(0x50, ENB);
    }
    w8(0x50, 0);
    return v;
}

START_TEST(test_identity_and_eeprom)
{
    ck_assert_uint_eq(pci_config_read(m->nic[0], 0, 4), 0x813910ECu);
    ck_assert_uint_eq(pci_config_read(m->nic[0], PCI_REVISION, 1), 0x10);
    ck_assert_uint_eq(r32(0x40) & 0x7CC00000u, 0x74000000u); /* RTL8139C */
    w8(0x37, 0x10);                                         /* reset: done at once */
    ck_assert_uint_eq(r8(0x37) & 0x10, 0);
    ck_assert_uint_ne(read_eeprom(0, 8), 0x8129); /* 8139too's probe for a 93C56 */
    ck_assert_uint_eq(read_eeprom(0, 6), 0x8129);
    for (int i = 0; i < 3; i++)
        ck_assert_uint_eq(read_eeprom(7 + i, 6), (unsigned)(mac[2 * i] | mac[2 * i + 1] << 8));
    for (int i = 0; i < 6; i++)
        ck_assert_uint_eq(r8((uint32_t)i), mac[i]);
}
END_TEST

START_TEST(test_transmit)
{
    uint8_t f[100];
    for (int i = 0; i < 100; i++)
        f[i] = (uint8_t)(i * 5);
    ck_assert_int_eq(e386_mem_write(m->cpu, 0x10000, f, 100), 0);
    w8(0x37, 0x0C); /* RE, TE */
    w16(0x3C, 0xFFFF);
    w32(0x20, 0x10000);
    w32(0x10, 100);
    ck_assert_int_eq(peer.frames, 1);
    ck_assert_uint_eq(peer.last_len, 100);
    ck_assert_mem_eq(peer.last, f, 100);
    ck_assert_uint_eq(r32(0x10) & 0xA000, 0xA000); /* OWN, TOK */
    ck_assert_uint_eq(r16(0x3E) & 0x04, 0x04);     /* TOK */
    ck_assert_uint_eq(r16(0x60) & 0x1001, 0x1001);
    ck_assert_int_eq(m->nic[0]->irq_level, 1);
    w16(0x3E, 0x04);
    ck_assert_int_eq(m->nic[0]->irq_level, 0);
    /* from nowhere: the DMA fails, TABT */
    w32(0x24, 0xF0000000u);
    w32(0x14, 100);
    ck_assert_int_eq(peer.frames, 1);
    ck_assert_uint_eq(r32(0x14) & (1u << 30), 1u << 30);
}
END_TEST

START_TEST(test_receive_and_wrap)
{
    w32(0x30, 0x20000);  /* RBSTART, an 8 KiB ring */
    w32(0x44, 0x0A);     /* RCR: APM, AB, no WRAP: the ring wraps */
    w8(0x37, 0x0C);
    w16(0x3C, 0x0001);
    w16(0x38, 0xFFF0);   /* CAPR: empty */
    ck_assert_uint_eq(r8(0x37) & 1, 1);
    uint8_t f[300];
    memcpy(f, mac, 6);
    for (int i = 6; i < 300; i++)
        f[i] = (uint8_t)(i * 3);
    net_send(&peer.nc, f, 300);
    ck_assert_uint_eq(r8(0x37) & 1, 0);
    uint8_t got[308];
    ck_assert_int_eq(e386_mem_read(m->cpu, 0x20000, got, 308), 0);
    ck_assert_uint_eq(got[0] | got[1] << 8, 0x4001); /* PAM, ROK */
    ck_assert_uint_eq(got[2] | got[3] << 8, 304);
    ck_assert_mem_eq(got + 4, f, 300);
    ck_assert_uint_eq(r16(0x3A), 308);
    ck_assert_int_eq(m->nic[0]->irq_level, 1);
    /* the reader takes it; frames until the ring wraps */
    w16(0x38, 308 - 16);
    Rtl8139State *s = (Rtl8139State *)m->nic[0];
    s->cbr = 8192 - 100;
    w16(0x38, (uint16_t)(8192 - 100 - 16));
    net_send(&peer.nc, f, 300);
    uint8_t tail[100], head[208];
    ck_assert_int_eq(e386_mem_read(m->cpu, 0x20000 + 8192 - 100, tail, 100), 0);
    ck_assert_int_eq(e386_mem_read(m->cpu, 0x20000, head, 208), 0);
    ck_assert_uint_eq(tail[2] | tail[3] << 8, 304);
    ck_assert_mem_eq(tail + 4, f, 96);
    ck_assert_mem_eq(head, f + 96, 204);
    ck_assert_uint_eq(r16(0x3A), (8192 - 100 + 308) % 8192);
    /* a full ring: missed */
    w16(0x38, (uint16_t)(r16(0x3A) + 200 - 16));
    net_send(&peer.nc, f, 300);
    ck_assert_uint_eq(r32(0x4C), 1);
    ck_assert_uint_eq(r16(0x3E) & 0x10, 0x10);
    /* not for us */
    f[0] = 0x52, f[5] = 0x77;
    w16(0x38, (uint16_t)(r16(0x3A) - 16));
    uint16_t cbr = (uint16_t)r16(0x3A);
    net_send(&peer.nc, f, 300);
    ck_assert_uint_eq(r16(0x3A), cbr);
}
END_TEST

START_TEST(test_hostile_dma)
{
    w8(0x37, 0x0C);
    w32(0x44, 0x0F);
    uint8_t f[600];
    memset(f, 0xFF, 6);
    memset(f + 6, 0x11, sizeof f - 6);
    /* the ring over the BIOS ROM, over nothing, across the 4 GiB end */
    static const uint32_t bad[] = { 0xFFFF0000u, 0xE0000000u, 0xFFFFF000u, 4u << 20 };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        w32(0x30, bad[i]);
        w16(0x38, 0xFFF0);
        net_send(&peer.nc, f, sizeof f);
    }
    uint8_t rom[16];
    ck_assert_int_eq(e386_mem_read(m->cpu, 0xFFFF0000u, rom, 16), 0);
    for (int i = 0; i < 16; i++)
        ck_assert_uint_eq(rom[i], 0); /* the BIOS image is untouched */
    ck_assert_uint_ge(((Rtl8139State *)m->nic[0])->rx_dropped, 4);
    /* a storm over every register */
    uint32_t x = 7;
    for (int i = 0; i < 100000; i++) {
        x = x * 1103515245u + 12345u;
        uint32_t r = (x >> 8) & 0xFF, v = x >> 13;
        if (x & 0x80000000u)
            iobus_read(&m->io, (uint16_t)(IO + r), 1 << ((x >> 4) % 3));
        else
            iobus_write(&m->io, (uint16_t)(IO + r), 1 << ((x >> 4) % 3), v);
        if ((x & 0xFF) == 0)
            net_send(&peer.nc, f, 60 + (v % 540));
    }
}
END_TEST

START_TEST(test_link_follows_backend)
{
    char info[2048], e[64];
    ck_assert_int_eq(hotplug_info_network(m, info, sizeof info, e, sizeof e), 0);
    ck_assert_ptr_nonnull(strstr(info, "rtl: model=rtl8139 macaddr=52:54:00:81:39:01 peer=h1"));
    ck_assert_ptr_nonnull(strstr(info, "h1: type=hubport hubid=0 peer=rtl"));
    ck_assert_uint_eq(r16(0x64) & 0x04, 0x04); /* BMSR: link up */
    ck_assert_uint_eq(r8(0x58) & 0x04, 0);     /* MSR: LINKB clear */
    w16(0x3C, 0x20);
    char err[128];
    ck_assert_int_eq(hotplug_netdev_del(m, "h1", err, sizeof err), 0);
    ck_assert_uint_eq(r16(0x64) & 0x04, 0);
    ck_assert_uint_eq(r8(0x58) & 0x04, 0x04);
    ck_assert_uint_eq(r16(0x3E) & 0x20, 0x20); /* link change */
    ck_assert_int_eq(m->nic[0]->irq_level, 1);
    /* the cable pulled: what it sends is dropped and counted */
    uint8_t f[64] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
    ck_assert_int_eq(e386_mem_write(m->cpu, 0x10000, f, 64), 0);
    w8(0x37, 0x0C);
    w32(0x20, 0x10000);
    w32(0x10, 64);
    ck_assert_uint_eq(hotplug_nic_client(m->nic[0])->dropped, 1);
    ck_assert_int_eq(hotplug_info_network(m, info, sizeof info, e, sizeof e), 0);
    ck_assert_ptr_nonnull(strstr(info, "peer=(none) tx=0 rx=0 dropped=1 (no cable: yes)"));
    ck_assert_int_eq(hotplug_device_del(m, "rtl", err, sizeof err), 0);
    ck_assert_uint_eq(m->dev_alloc.nlive, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rtl8139");
    TCase *tc = tcase_create("rtl8139");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_identity_and_eeprom);
    tcase_add_test(tc, test_transmit);
    tcase_add_test(tc, test_receive_and_wrap);
    tcase_add_test(tc, test_hostile_dma);
    tcase_add_test(tc, test_link_follows_backend);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
