/* The PCI cards of Machine.nic[] in the migration stream (docs/migration.md,
 * "Card sections"): an NE2000 and an RTL8139 with state in every part
 * (registers, the NE2000's buffer memory, the RTL8139's ring position,
 * transmit descriptors and EEPROM, configuration space with BARs and the
 * ROM BAR) arrive whole; their option ROMs travel with them; a
 * destination without the same card under the same id, model, slot and
 * ROM block size refuses the stream with a message saying which, and
 * nothing of a refused card section is applied. */
#include "migration_helpers.h"
#include "system/hotplug.h"

/* Regression (issue 12): the cards of Machine.nic[] were not in the
 * stream at all: a destination resumed them at power-on state while the
 * guest's driver had programmed them.  `bug` names it in every test below
 * that would have failed. */

typedef struct Roms {
    char a[64], b[64], big[64]; /* 3000 bytes of 'A', 2500 of 'B' (4 KiB blocks), 5000 (8 KiB) */
} Roms;

static void write_rom(char *path, size_t n, int c)
{
    strcpy(path, "/tmp/emu386-cardrom-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    uint8_t *b = malloc(n);
    memset(b, c, n);
    ck_assert_int_eq(write(fd, b, n), (ssize_t)n);
    free(b);
    close(fd);
}

static void roms_make(Roms *r)
{
    write_rom(r->a, 3000, 'A');
    write_rom(r->b, 2500, 'B');
    write_rom(r->big, 5000, 'C');
}

static void roms_free(Roms *r)
{
    unlink(r->a);
    unlink(r->b);
    unlink(r->big);
}

static void add(Machine *m, const char *fmt, const char *rom)
{
    char opts[256], err[512];
    snprintf(opts, sizeof opts, fmt, rom);
    ck_assert_msg(hotplug_device_add(m, opts, err, sizeof err) == 0, "%s: %s", opts, err);
}

static void netdev(Machine *m, const char *opts)
{
    char err[512];
    ck_assert_msg(hotplug_netdev_add(m, opts, err, sizeof err) == 0, "%s: %s", opts, err);
}

static void cfg_write(Machine *m, PciDevice *d, uint32_t reg, int size, uint32_t v)
{
    (void)m;
    pci_config_write(d, reg, size, v);
}

/* A source whose cards a driver has programmed: BARs placed and decoding,
 * the ROM BAR enabled, the NE2000 started with a receive ring and a
 * frame in it, the RTL8139 with a ring, a transmit descriptor and an
 * EEPROM read under way. */
static Machine *source(const Roms *r)
{
    Machine *m = mh_new(4u << 20, false);
    netdev(m, "hubport,id=h0,hubid=0");
    netdev(m, "hubport,id=h1,hubid=0");
    add(m, "ne2k_pci,id=n0,netdev=h0,addr=5,romfile=%s", r->a);
    add(m, "rtl8139,id=r0,netdev=h1,addr=6,romfile=%s", r->a);
    mh_run_until(m, 100000);
    Ne2kPciState *ne = (Ne2kPciState *)m->nic[0];
    Rtl8139State *rt = (Rtl8139State *)m->nic[1];
    cfg_write(m, &ne->pci, PCI_BAR0, 4, 0xC101);
    cfg_write(m, &ne->pci, PCI_ROM_ADDRESS, 4, 0xFEB00001);
    cfg_write(m, &ne->pci, PCI_COMMAND, 2, PCI_CMD_IO | PCI_CMD_MEM);
    cfg_write(m, &ne->pci, PCI_INTERRUPT_LINE, 1, 10);
    cfg_write(m, &rt->pci, PCI_BAR0, 4, 0xC201);
    cfg_write(m, &rt->pci, PCI_BAR0 + 4, 4, 0xFEB10000);
    cfg_write(m, &rt->pci, PCI_COMMAND, 2, PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER);
    ck_assert(ne->pci.bar[0].mapped && ne->pci.bar[PCI_ROM_SLOT].mapped && rt->pci.bar[1].mapped);
    /* the NE2000 through its registers: ring 0x46-0x80, started, a frame received */
    static const uint8_t regs[][2] = { { 0x00, 0x21 }, { 0x0E, 0x49 }, { 0x01, 0x46 }, { 0x02, 0x80 },
                                       { 0x03, 0x46 }, { 0x0F, 0xFF }, { 0x0C, 0x1C }, { 0x00, 0x61 },
                                       { 0x07, 0x47 }, { 0x00, 0x22 } };
    for (size_t i = 0; i < sizeof regs / sizeof regs[0]; i++)
        ne2k_write(&ne->nic, regs[i][0], 1, regs[i][1]);
    uint8_t frame[100];
    memset(frame, 0xFF, 6); /* broadcast */
    for (int i = 6; i < 100; i++)
        frame[i] = (uint8_t)(i * 7);
    ck_assert(ne2k_receive(&ne->nic, frame, sizeof frame));
    ck_assert(ne->nic.isr & 1); /* PRX: INTA raised */
    /* the RTL8139: a ring, a frame in it, a descriptor pending, an EEPROM read half done */
    rt->cr = 0x0C;
    rt->rbstart = 0x100000;
    rt->rcr = 0x8F;
    rt->imr = 0x05;
    ck_assert(rtl8139_receive(rt, frame, sizeof frame));
    rt->tsad[2] = 0x123400;
    rt->tsd[2] = 0x2000 | 60;
    rt->ee_state = 2, rt->ee_bits = 5, rt->ee_addr = 8, rt->ee_out = 0x1234;
    return m;
}

static Machine *destination(const Roms *r, const char *ne_rom)
{
    Machine *m = mh_new(4u << 20, true);
    netdev(m, "hubport,id=h0,hubid=0");
    netdev(m, "hubport,id=h1,hubid=0");
    add(m, "ne2k_pci,id=n0,netdev=h0,addr=5,romfile=%s", ne_rom);
    add(m, "rtl8139,id=r0,netdev=h1,addr=6,romfile=%s", r->a);
    return m;
}

START_TEST(test_bug_nic_state_not_in_stream)
{
    Roms r;
    roms_make(&r);
    Machine *a = source(&r);
    size_t len;
    uint8_t *s = mh_save(a, &len);
    MhSections *sec = malloc(sizeof *sec);
    mh_parse(s, len, sec);
    ck_assert_int_ge(mh_find(sec, MIG_SEC_CARD, 1), 0); /* two card sections */
    ck_assert_int_lt(mh_find(sec, MIG_SEC_CARD, 2), 0);
    /* the destination's NE2000 ROM is another file of the same block size:
     * the source's contents replace it (the rest of the block zero) */
    Machine *b = destination(&r, r.b);
    char err[256];
    ck_assert_msg(mh_load(b, s, len, err) == 0, "%s", err);
    mh_assert_same(a, b); /* every described field of every card, field by field */
    for (int i = 0; i < 2; i++) {
        PciDevice *x = a->nic[i], *y = b->nic[i];
        ck_assert_uint_eq(x->rom_block, y->rom_block);
        ck_assert_uint_eq(y->rom_size, 3000);
        ck_assert(memcmp(x->rom, y->rom, x->rom_block) == 0);
        for (int n = 0; n <= PCI_NBARS; n++) {
            ck_assert_int_eq(x->bar[n].mapped, y->bar[n].mapped);
            ck_assert_uint_eq(x->bar[n].addr, y->bar[n].addr);
        }
        ck_assert_int_eq(x->irq_link, y->irq_link);
    }
    ck_assert_uint_eq(a->pci.bus.irq_driven, b->pci.bus.irq_driven);
    ck_assert_uint_eq(b->nic[0]->rom[2999], 'A');
    ck_assert_uint_eq(b->nic[0]->rom[3000], 0); /* the destination file's 'B's past it: cleared */
    /* both run on alike, and save the same stream */
    mh_assert_run_on_alike(a, b, 300000);
    free(sec);
    free(s);
    mh_free(a);
    mh_free(b);
    roms_free(&r);
}
END_TEST

/* The destination's cards differ: refused, saying how, and the
 * destination's described state (cards included) is untouched. */
static void expect_refused(Machine *b, const uint8_t *s, size_t len, const char *what)
{
    char *before = mh_dump_machine(b);
    char err[256] = "";
    ck_assert_msg(mh_load(b, s, len, err) == -1, "accepted (%s)", what);
    ck_assert_msg(strstr(err, what) != NULL, "message '%s' does not say '%s'", err, what);
    char *after = mh_dump_machine(b);
    ck_assert_str_eq(before, after);
    free(before);
    free(after);
}

START_TEST(test_card_mismatch_refused)
{
    Roms r;
    roms_make(&r);
    Machine *a = source(&r);
    size_t len;
    uint8_t *s = mh_save(a, &len);

    Machine *b = mh_new(4u << 20, true); /* no cards at all */
    expect_refused(b, s, len, "ne2k_pci card 'n0' (slot 05.0), which this machine does not have");
    mh_free(b);

    b = destination(&r, r.a); /* and one more */
    add(b, "ne2k_pci,id=extra,addr=7,romfile=%s", "");
    expect_refused(b, s, len, "no section for card extra");
    mh_free(b);

    b = mh_new(4u << 20, true); /* same ids, models swapped */
    add(b, "rtl8139,id=n0,addr=5,romfile=%s", r.a);
    add(b, "ne2k_pci,id=r0,addr=6,romfile=%s", r.a);
    expect_refused(b, s, len, "card 'n0' is a rtl8139 here, the stream's is a ne2k_pci");
    mh_free(b);

    b = mh_new(4u << 20, true); /* another slot */
    add(b, "ne2k_pci,id=n0,addr=9,romfile=%s", r.a);
    add(b, "rtl8139,id=r0,addr=6,romfile=%s", r.a);
    expect_refused(b, s, len, "card 'n0' sits in slot 09.0 here, in 05.0 on the source");
    mh_free(b);

    b = destination(&r, r.big); /* a ROM of another block size */
    expect_refused(b, s, len, "an option ROM block of 8192 bytes here, 4096 in the stream");
    mh_free(b);

    b = destination(&r, ""); /* no ROM */
    expect_refused(b, s, len, "an option ROM block of 0 bytes here, 4096 in the stream");
    mh_free(b);

    free(s);
    mh_free(a);
    roms_free(&r);
}
END_TEST

/* A card state its device could never be in (the RTL8139's EEPROM
 * machine in state 9) is refused by its post_load after the devices
 * before it were put in: every device and card gets its state back, and
 * the option ROM is not replaced. */
START_TEST(test_card_post_load_refusal_rolls_back)
{
    Roms r;
    roms_make(&r);
    Machine *a = source(&r);
    ((Rtl8139State *)a->nic[1])->ee_state = 9;
    size_t len;
    uint8_t *s = mh_save(a, &len);
    Machine *b = destination(&r, r.b);
    expect_refused(b, s, len, "r0: impossible EEPROM state (state 9");
    ck_assert_uint_eq(b->nic[0]->rom[0], 'B');
    ck_assert_uint_eq(b->nic[0]->rom_size, 2500);
    ck_assert(b->load_failed); /* RAM came before: it will not run */
    free(s);
    mh_free(a);
    mh_free(b);
    roms_free(&r);
}
END_TEST

/* The link is the destination's own backend: a card that had a cable on
 * the source and has none here sees it pulled (the RTL8139 raises
 * LinkChg), the described state otherwise as the source's. */
START_TEST(test_card_link_follows_destination)
{
    Roms r;
    roms_make(&r);
    Machine *a = source(&r);
    size_t len;
    uint8_t *s = mh_save(a, &len);
    Machine *b = mh_new(4u << 20, true);
    add(b, "ne2k_pci,id=n0,addr=5,romfile=%s", r.a);
    add(b, "rtl8139,id=r0,addr=6,romfile=%s", r.a);
    char err[256];
    ck_assert_msg(mh_load(b, s, len, err) == 0, "%s", err);
    Rtl8139State *ra = (Rtl8139State *)a->nic[1], *rb = (Rtl8139State *)b->nic[1];
    ck_assert_uint_eq(ra->isr & 0x20, 0);
    ck_assert_uint_eq(rb->isr & 0x20, 0x20);
    ck_assert_uint_eq(rb->isr & ~0x20, ra->isr);
    free(s);
    mh_free(a);
    mh_free(b);
    roms_free(&r);
}
END_TEST

/* Hostile card sections: every byte of the card sections outside the
 * bulk (buffer memory, ROM) truncated and flipped, and each identity
 * field edited with the checksum recomputed; a card section before the
 * CPU's, twice, and one with a name longer than itself. */
/* [off, off+del) of s replaced by ins: a new stream of *nlen bytes. */
static uint8_t *splice(const uint8_t *s, size_t len, size_t off, size_t del, const void *ins, size_t inslen,
                       size_t *nlen)
{
    *nlen = len - del + inslen;
    uint8_t *n = malloc(*nlen);
    memcpy(n, s, off);
    if (inslen)
        memcpy(n + off, ins, inslen);
    memcpy(n + off + inslen, s + off + del, len - off - del);
    return n;
}

static size_t card_off(const uint8_t *s, const MhSections *sec, int nth)
{
    int i = mh_find(sec, MIG_SEC_CARD, nth);
    ck_assert_int_ge(i, 0);
    (void)s;
    return sec->s[i].off;
}

START_TEST(test_hostile_card_sections)
{
    Roms r;
    roms_make(&r);
    Machine *a = source(&r);
    size_t len;
    uint8_t *s = mh_save(a, &len);
    MhSections *sec = malloc(sizeof *sec);
    mh_parse(s, len, sec);
    Machine *b = destination(&r, r.a);
    uint8_t *c = malloc(len);
    int variants = 0;
    for (int nth = 0; nth < 2; nth++) {
        size_t off = card_off(s, sec, nth);
        /* the identity: header, id, model, bus, slot, link, ROM block and size */
        const uint8_t *p = s + off + 12;
        size_t bus = 1 + p[0] + 1 + p[1 + p[0]];
        size_t idl = 12 + bus + 1 + p[bus] + 2 + 8;
        for (size_t i = off; i < off + idl + 16; i++) {
            expect_refused(b, s, i, "truncated");
            memcpy(c, s, len);
            c[i] ^= 0x10;
            expect_refused(b, c, len, ""); /* by a check, or by the checksum */
            variants += 2;
            if (i >= off + idl)
                continue; /* the state fields: values state_set accepts may load */
            mh_fix_crc(c, len); /* past the checksum: the field's own check refuses */
            expect_refused(b, c, len, "");
            variants++;
        }
    }
    /* a card section first, before the CPU's */
    size_t co = card_off(s, sec, 0), cl = 12 + sec->s[mh_find(sec, MIG_SEC_CARD, 0)].len;
    int cpu = mh_find(sec, MIG_SEC_CPU, 0);
    size_t n1, n2;
    uint8_t *x = splice(s, len, co, cl, NULL, 0, &n1);
    uint8_t *y = splice(x, n1, sec->s[cpu].off, 0, s + co, cl, &n2);
    mh_fix_crc(y, n2);
    expect_refused(b, y, n2, "out of order");
    free(x);
    free(y);
    /* twice */
    x = splice(s, len, co, 0, s + co, cl, &n1);
    mh_fix_crc(x, n1);
    expect_refused(b, x, n1, "a second section for card 'n0'");
    free(x);
    /* an empty name, a link of 2, a ROM larger than its block */
    memcpy(c, s, len);
    c[co + 12] = 0;
    mh_fix_crc(c, len);
    expect_refused(b, c, len, "a name of 0 bytes");
    memcpy(c, s, len);
    c[co + 12 + 3 + 9 + 6 + 1] = 2; /* after "n0", "ne2k_pci", "pci.0" and the slot */
    mh_fix_crc(c, len);
    expect_refused(b, c, len, "link 2 is neither 0 nor 1");
    memcpy(c, s, len);
    mig_le_put(c + co + 12 + 3 + 9 + 6 + 2 + 4, 5000, 4);
    mh_fix_crc(c, len);
    expect_refused(b, c, len, "5000 bytes of option ROM in a 4096-byte block");
    variants += 6;
    /* and the stream itself still loads */
    char err[256];
    ck_assert_msg(mh_load(b, s, len, err) == 0, "%s", err);
    mh_assert_same(a, b);
    fprintf(stderr, "test_hostile_card_sections: %d variants\n", variants);
    free(c);
    free(sec);
    free(s);
    mh_free(a);
    mh_free(b);
    roms_free(&r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("migration_cards");
    TCase *tc = tcase_create("cards");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_bug_nic_state_not_in_stream);
    tcase_add_test(tc, test_card_mismatch_refused);
    tcase_add_test(tc, test_card_post_load_refusal_rolls_back);
    tcase_add_test(tc, test_card_link_follows_destination);
    tcase_add_test(tc, test_hostile_card_sections);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
