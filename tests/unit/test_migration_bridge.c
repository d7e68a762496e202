/* The SHPC pci-bridge and the cards behind it in the migration stream
 * (docs/migration.md, "Device" and "Card" sections): a bridge whose bus
 * numbers, windows and SHPC registers were programmed, a card behind it in
 * an enabled slot and another with an unplug request pending arrive whole;
 * a destination without the bridge, with an extra one, or with a card on
 * another bus refuses the stream saying which; every cut of the bridge
 * and card sections is refused cleanly; a version 1 stream (no bus field)
 * still loads. */
#include "migration_helpers.h"
#include "system/hotplug.h"
#include "system/hotplug_bridge.h"

/* Regression (bridge migration): Machine.bridge[] was not in the stream
 * and a card section did not say which bus its card was on: a
 * destination resumed the bridge at power-on state (bus numbers, windows
 * and SHPC slot state lost, the pending unplug forgotten). */

static void add(Machine *m, const char *opts)
{
    char err[512];
    ck_assert_msg(hotplug_device_add(m, opts, err, sizeof err) == 0, "%s: %s", opts, err);
}

/* The machine both sides are started as: br0 in slot 4, n0 (ne2k_pci)
 * (where n0_where says: the source's bus=br0,addr=1) and r0 (rtl8139) in
 * its slot 2, a root card n1 in slot 5. */
static Machine *build(bool incoming, const char *n0_where)
{
    Machine *m = mh_new(4u << 20, incoming);
    char opts[128];
    add(m, "pci-bridge,id=br0,addr=4");
    snprintf(opts, sizeof opts, "ne2k_pci,id=n0,%s", n0_where);
    add(m, opts);
    add(m, "rtl8139,id=r0,bus=br0,addr=2");
    add(m, "ne2k_pci,id=n1,addr=5");
    return m;
}

/* The source: what a BIOS and an SHPC driver would have done (bus
 * numbers, windows and the cards' BARs in them, the bridge's BAR, SHPC
 * interrupts unmasked), then device_del of r0: the guest is asked and
 * has not answered. */
static Machine *source(void)
{
    Machine *m = build(false, "bus=br0,addr=1");
    PciBridgeState *b = m->bridge[0];
    pci_bridge_firmware_setup(b, 1, 0xD000, 0x1000, 0xF0000000u, 0x100000);
    pci_config_write(&b->pci, PCI_BAR0, 4, 0xFEC00000u);
    pci_config_write(&b->pci, PCI_INTERRUPT_LINE, 1, 11);
    shpc_write(&b->shpc, 0x14 /* SERR_INT */, 4, 0);
    mh_run_until(m, 50000);
    PciDevice *n0 = m->nic[0];
    /* its BARs are where pci_bridge_firmware_setup put them, in the window */
    ck_assert(n0->bar[0].mapped && n0->bar[0].addr >= 0xD000 && n0->bar[0].addr < 0xE000);
    pci_config_write(n0, PCI_INTERRUPT_LINE, 1, 11);
    char err[256];
    ck_assert_int_eq(hotplug_device_del(m, "r0", err, sizeof err), 1); /* pending */
    ck_assert(hotplug_bridge_pending(m, m->nic[1]));
    ck_assert(!hotplug_bridge_pending(m, n0));
    return m;
}

static void expect_refused(Machine *b, const uint8_t *s, size_t len, const char *what)
{
    char *before = mh_dump_machine(b);
    char err[256] = "";
    ck_assert_msg(mh_load(b, s, len, err) == -1, "accepted (%s)", what);
    loop_assert_msg(strstr(err, what) != NULL, "message '%s' does not say '%s'", err, what);
    char *after = mh_dump_machine(b);
    loop_assert_msg(strcmp(before, after) == 0, "the refused stream changed the machine: before\n%s\nafter\n%s", before,
                    after);
    free(before);
    free(after);
}

/* The bridge's device section: the one named br0. */
static int bridge_section(const uint8_t *s, const MhSections *sec)
{
    for (int nth = 0;; nth++) {
        int i = mh_find(sec, MIG_SEC_DEVICE, nth);
        ck_assert_int_ge(i, 0);
        const uint8_t *p = s + sec->s[i].off + 12;
        if (p[0] == 3 && !memcmp(p + 1, "br0", 3))
            return i;
    }
}

START_TEST(test_bug_bridge_not_in_stream)
{
    Machine *a = source();
    size_t len;
    uint8_t *s = mh_save(a, &len);
    MhSections *sec = malloc(sizeof *sec);
    mh_parse(s, len, sec);
    (void)bridge_section(s, sec);
    Machine *b = build(true, "bus=br0,addr=1");
    char err[256];
    ck_assert_msg(mh_load(b, s, len, err) == 0, "%s", err);
    mh_assert_same(a, b); /* every described field: the bridge's config and SHPC, the cards' */
    PciBridgeState *x = a->bridge[0], *y = b->bridge[0];
    ck_assert(memcmp(x->pci.config, y->pci.config, 256) == 0);
    ck_assert_uint_eq(y->pci.config[PCI_SECONDARY_BUS], 1);
    ck_assert_uint_eq(y->shpc.pending, 1u << 1); /* r0's slot: the unplug still pending */
    ck_assert_uint_eq(y->shpc.released, 0);
    ck_assert_uint_eq(y->shpc.serr_int, x->shpc.serr_int);
    ck_assert(memcmp(x->shpc.slot, y->shpc.slot, sizeof x->shpc.slot) == 0);
    ck_assert(hotplug_bridge_pending(b, b->nic[1]));
    ck_assert(!hotplug_bridge_pending(b, b->nic[0]));
    ck_assert_int_eq(y->pci.bar[0].mapped, x->pci.bar[0].mapped);
    ck_assert_uint_eq(y->pci.bar[0].addr, x->pci.bar[0].addr);
    ck_assert_uint_eq(pci_get32(y->pci.config + PCI_BAR0), 0xFEC00000u);
    for (int i = 0; i < 3; i++)
        for (int n = 0; n <= PCI_NBARS; n++) {
            ck_assert_msg(a->nic[i]->bar[n].mapped == b->nic[i]->bar[n].mapped,
                          "card %d BAR %d: mapped %d here, %d on the source", i, n, b->nic[i]->bar[n].mapped,
                          a->nic[i]->bar[n].mapped);
            ck_assert_uint_eq(a->nic[i]->bar[n].addr, b->nic[i]->bar[n].addr);
        }
    ck_assert(b->nic[0]->bar[0].mapped);
    /* a second device_del of r0 is refused as already pending, as on the source */
    ck_assert_int_eq(hotplug_device_del(b, "r0", err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "already pending"));
    /* both run on alike and save the same stream */
    mh_assert_run_on_alike(a, b, 150000);
    free(sec);
    free(s);
    mh_free(a);
    mh_free(b);
}
END_TEST

START_TEST(test_bridge_mismatch_refused)
{
    Machine *a = source();
    size_t len;
    uint8_t *s = mh_save(a, &len);

    Machine *b = mh_new(4u << 20, true); /* no bridge: the bridge's section is the first unknown */
    add(b, "ne2k_pci,id=n1,addr=5");
    expect_refused(b, s, len, "device section for 'br0', which this machine does not have");
    mh_free(b);

    b = mh_new(4u << 20, true); /* a bridge may not take a board device's id (the stream's key) */
    char e[256];
    ck_assert_int_eq(hotplug_device_add(b, "pci-bridge,id=pic", e, sizeof e), -1);
    ck_assert_ptr_nonnull(strstr(e, "already in use"));
    mh_free(b);

    b = build(true, "bus=br0,addr=1"); /* one bridge more */
    add(b, "pci-bridge,id=br1,addr=6");
    expect_refused(b, s, len, "the stream has no section for pci-bridge br1");
    mh_free(b);

    b = build(true, "bus=pci.0,addr=7"); /* n0 on the root bus */
    expect_refused(b, s, len, "card 'n0' sits on bus pci.0 here, on br0 on the source");
    mh_free(b);

    b = mh_new(4u << 20, true); /* behind another bridge of the same slot layout */
    add(b, "pci-bridge,id=br0,addr=4");
    add(b, "pci-bridge,id=br1,addr=6");
    add(b, "ne2k_pci,id=n0,bus=br1,addr=1");
    add(b, "rtl8139,id=r0,bus=br0,addr=2");
    add(b, "ne2k_pci,id=n1,addr=5");
    expect_refused(b, s, len, "card 'n0' sits on bus br1 here, on br0 on the source");
    mh_free(b);

    free(s);
    mh_free(a);
}
END_TEST

/* Every cut of the bridge section and of the cards' identity (and 16
 * bytes of their state) is refused as truncated, every flipped byte by a
 * check or the checksum, and the destination's state is untouched. */
START_TEST(test_hostile_bridge_and_card_sections)
{
    Machine *a = source();
    size_t len;
    uint8_t *s = mh_save(a, &len);
    MhSections *sec = malloc(sizeof *sec);
    mh_parse(s, len, sec);
    Machine *b = build(true, "bus=br0,addr=1");
    uint8_t *c = malloc(len);
    int variants = 0;
    int bi = bridge_section(s, sec);
    size_t bo = sec->s[bi].off, bend = bo + 12 + sec->s[bi].len;
    for (size_t i = bo; i < bend; i++) {
        expect_refused(b, s, i, "truncated");
        memcpy(c, s, len);
        c[i] ^= 0x01;
        expect_refused(b, c, len, "");
        variants += 2;
    }
    for (int nth = 0; nth < 3; nth++) {
        size_t off = sec->s[mh_find(sec, MIG_SEC_CARD, nth)].off;
        const uint8_t *p = s + off + 12;
        size_t mo = 1 + p[0], bo2 = mo + 1 + p[mo];
        size_t idl = 12 + bo2 + 1 + p[bo2] + 2 + 8;
        for (size_t i = off; i < off + idl + 16; i++) {
            expect_refused(b, s, i, "truncated");
            memcpy(c, s, len);
            c[i] ^= 0x10;
            expect_refused(b, c, len, "");
            variants += 2;
        }
    }
    /* the bus name edited, checksum recomputed: refused by the bus check */
    size_t n0 = sec->s[mh_find(sec, MIG_SEC_CARD, 0)].off + 12;
    ck_assert_uint_eq(s[n0], 2);                       /* "n0" */
    ck_assert_uint_eq(s[n0 + 3], 8);                   /* "ne2k_pci" */
    ck_assert(!memcmp(s + n0 + 12, "\x03" "br0", 4)); /* its bus */
    memcpy(c, s, len);
    c[n0 + 15] = '9';
    mh_fix_crc(c, len);
    expect_refused(b, c, len, "card 'n0' sits on bus br0 here, on br9 on the source");
    memcpy(c, s, len);
    c[n0 + 12] = 0;
    mh_fix_crc(c, len);
    expect_refused(b, c, len, "a name of 0 bytes");
    variants += 2;
    /* and the stream itself still loads */
    char err[256];
    ck_assert_msg(mh_load(b, s, len, err) == 0, "%s", err);
    mh_assert_same(a, b);
    fprintf(stderr, "test_hostile_bridge_and_card_sections: %d variants\n", variants);
    free(c);
    free(sec);
    free(s);
    mh_free(a);
    mh_free(b);
}
END_TEST

/* A version 1 stream (before the bus field: every card on the root bus)
 * still loads; the same stream with the bus names left in is refused. */
START_TEST(test_version1_stream_loads)
{
    Machine *a = mh_new(4u << 20, false);
    add(a, "ne2k_pci,id=n1,addr=5");
    add(a, "rtl8139,id=r1,addr=6");
    mh_run_until(a, 50000);
    pci_config_write(a->nic[0], PCI_BAR0, 4, 0xC101);
    size_t len;
    uint8_t *s = mh_save(a, &len);
    ck_assert_uint_eq(mig_le_get(s + 8, 4), 2);
    MhSections *sec = malloc(sizeof *sec);
    mh_parse(s, len, sec);
    /* drop each card section's bus name ("pci.0": 6 bytes), last card first */
    uint8_t *v1 = malloc(len);
    memcpy(v1, s, len);
    size_t n = len;
    for (int nth = 1; nth >= 0; nth--) {
        size_t off = sec->s[mh_find(sec, MIG_SEC_CARD, nth)].off, p = off + 12;
        size_t bus = p + 1 + v1[p];
        bus += 1 + v1[bus];
        ck_assert(!memcmp(v1 + bus, "\x05pci.0", 6));
        memmove(v1 + bus, v1 + bus + 6, n - bus - 6);
        n -= 6;
        mig_le_put(v1 + off + 8, mig_le_get(v1 + off + 8, 4) - 6, 4);
    }
    mig_le_put(v1 + 8, 1, 4);
    mh_fix_crc(v1, n);
    Machine *b = mh_new(4u << 20, true);
    add(b, "ne2k_pci,id=n1,addr=5");
    add(b, "rtl8139,id=r1,addr=6");
    char err[256];
    ck_assert_msg(mh_load(b, v1, n, err) == 0, "%s", err);
    mh_assert_same(a, b);
    /* the version 2 stream marked version 1: the bus names read as state */
    mig_le_put(s + 8, 1, 4);
    mh_fix_crc(s, len);
    expect_refused(b, s, len, "");
    free(v1);
    free(sec);
    free(s);
    mh_free(a);
    mh_free(b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("migration_bridge");
    TCase *tc = tcase_create("bridge");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_bug_bridge_not_in_stream);
    tcase_add_test(tc, test_bridge_mismatch_refused);
    tcase_add_test(tc, test_hostile_bridge_and_card_sections);
    tcase_add_test(tc, test_version1_stream_loads);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
