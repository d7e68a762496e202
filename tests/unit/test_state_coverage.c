/* Every byte of every migrated struct is either in its state description
 * or in an explicit "not migrated, because ..." list: a member added to a
 * device (or to the CPU, or to the clock) without a description row fails
 * here, naming the bytes nobody accounts for.
 *
 * Gaps are allowed only where the compiler puts alignment padding: a gap
 * must be shorter than the alignment of what follows it.  The one thing
 * this cannot see is a new member that fits entirely inside existing
 * padding; the round trips of test_migration.c compare whole machines
 * through the descriptions and catch state lost that way. */
#include <check.h>
#include "unit_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/cpu.h"
#include "core/cpu_state.h"
#include "migration/migration.h"
#include "system/machine.h"

typedef struct Range {
    size_t lo, hi; /* [lo, hi) */
    size_t align;  /* of the element that starts at lo */
    const char *name;
} Range;

typedef struct Cover {
    Range r[512];
    int n;
} Cover;

static size_t align_of_size(size_t size)
{
    size_t a = size & (~size + 1); /* lowest set bit */
    return a > 8 || a == 0 ? 8 : a;
}

static void add(Cover *c, size_t lo, size_t size, size_t elem, const char *name)
{
    ck_assert_int_lt(c->n, 512);
    c->r[c->n++] = (Range){ lo, lo + size, align_of_size(elem), name };
}

static size_t elem_width(const StateField *f)
{
    switch (f->type) {
    case ST_U8: return 1;
    case ST_U16: return 2;
    case ST_U32: return 4;
    case ST_U64: return 8;
    case ST_BOOL: return sizeof(bool);
    default: return 1;
    }
}

static void add_desc(Cover *c, const StateDesc *d, size_t base)
{
    for (size_t i = 0; i < d->nfields; i++) {
        const StateField *f = &d->fields[i];
        ck_assert_msg(f->version >= 1 && f->version <= d->version, "%s.%s: version %u outside 1..%u",
                      d->name, f->name, f->version, d->version);
        if (f->type == ST_STRUCT) {
            for (uint32_t k = 0; k < f->count; k++)
                add_desc(c, f->sub, base + f->offset + k * f->stride);
        } else if (f->type == ST_BYTES) {
            add(c, base + f->offset, f->count, 1, f->name);
        } else {
            ck_assert_uint_eq(f->stride, elem_width(f));
            add(c, base + f->offset, (size_t)f->count * f->stride, elem_width(f), f->name);
        }
    }
}

static int by_lo(const void *a, const void *b)
{
    const Range *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* NULL if every byte of a size-byte struct is accounted for, else a
 * message naming the first bytes that are not (or are twice). */
static const char *check_cover(Cover *c, size_t size, const char *what, char *msg, size_t msglen)
{
    qsort(c->r, (size_t)c->n, sizeof c->r[0], by_lo);
    size_t at = 0;
    for (int i = 0; i < c->n; i++) {
        const Range *r = &c->r[i];
        if (r->lo < at) {
            snprintf(msg, msglen, "%s: '%s' (bytes %zu-%zu) overlaps what comes before it", what, r->name,
                     r->lo, r->hi - 1);
            return msg;
        }
        size_t gap = r->lo - at;
        size_t a = align_of_size(r->lo) < r->align ? align_of_size(r->lo) : r->align;
        if (gap && gap >= a) {
            snprintf(msg, msglen, "%s: bytes %zu-%zu (before '%s') are neither described nor listed as "
                     "not migrated", what, at, r->lo - 1, r->name);
            return msg;
        }
        at = r->hi;
    }
    if (at > size || size - at >= 8) {
        snprintf(msg, msglen, "%s: bytes %zu-%zu at the end are neither described nor listed as not "
                 "migrated", what, at, size - 1);
        return msg;
    }
    return NULL;
}

static void add_skips(Cover *c, const StateSkip *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ck_assert_msg(s[i].why && *s[i].why, "%s: no reason given", s[i].name);
        add(c, s[i].offset, s[i].size, s[i].size, s[i].name);
    }
}

#define SKIP(T, m, why) { #m, offsetof(T, m), sizeof(((T *)0)->m), why }
#define HEADER(T) SKIP(T, dev, "the Device header: class, id, host and realized come from init and realize on the destination")

static void expect_covered(const Device *dev, size_t size, const StateSkip *s, size_t n)
{
    Cover c = { .n = 0 };
    if (dev->cls->state)
        add_desc(&c, dev->cls->state, 0);
    add_skips(&c, s, n);
    char msg[256];
    const char *bad = check_cover(&c, size, dev->cls->name, msg, sizeof msg);
    ck_assert_msg(bad == NULL, "%s", bad);
}

static const char WIRING[] = "wiring made by the board at init";

START_TEST(test_devices_fully_described)
{
    Machine *m = calloc(1, sizeof *m); /* the devices, initialised only: no realize needed */
    DevClock clk = { NULL, NULL };
    IrqLine none = { NULL, NULL, 0 };
    UartBackend nobe = { NULL, NULL, NULL };
    pic_init(&m->pic, "pic", none);
    pit_init(&m->pit, "pit", none, clk);
    portb_init(&m->portb, "port61", &m->pit, clk);
    post_init(&m->post, "post");
    debugcon_init(&m->debugcon, "debugcon", 0xE9, stdout);
    debugexit_init(&m->debugexit, "debug-exit", NULL, NULL);
    rtc_init(&m->rtc, "rtc", none, clk, 0, 1u << 20);
    uart_init(&m->uart[0], "com1", 0x3F8, none, clk, nobe);
    i8042_init(&m->kbc, "i8042", none, none, NULL, NULL);
    port92_init(&m->port92, "port92", NULL, NULL);

    static const StateSkip pic[] = {
        HEADER(PicState),
        SKIP(PicState, chip[0].elcr_mask, "unused: the ELCR mask is pic.c's constant elcr_mask[]"),
        SKIP(PicState, chip[1].elcr_mask, "unused: the ELCR mask is pic.c's constant elcr_mask[]"),
        SKIP(PicState, intr_out, WIRING),
    };
    expect_covered(&m->pic.dev, sizeof(PicState), pic, sizeof pic / sizeof pic[0]);
    static const StateSkip pit[] = { HEADER(PitState), SKIP(PitState, irq0, WIRING), SKIP(PitState, clock, WIRING) };
    expect_covered(&m->pit.dev, sizeof(PitState), pit, sizeof pit / sizeof pit[0]);
    static const StateSkip portb[] = { HEADER(PortBState), SKIP(PortBState, pit, WIRING),
                                       SKIP(PortBState, clock, WIRING) };
    expect_covered(&m->portb.dev, sizeof(PortBState), portb, sizeof portb / sizeof portb[0]);
    static const StateSkip post[] = { HEADER(PostState) };
    expect_covered(&m->post.dev, sizeof(PostState), post, 1);
    static const StateSkip con[] = { HEADER(DebugconState), SKIP(DebugconState, out, "the host's output stream"),
                                     SKIP(DebugconState, port, "configuration: the board's port"),
                                     SKIP(DebugconState, may_block, "what kind of host stream out is"),
                                     SKIP(DebugconState, dropped, "a host-side count of bytes the stream refused") };
    expect_covered(&m->debugcon.dev, sizeof(DebugconState), con, sizeof con / sizeof con[0]);
    static const StateSkip dex[] = { HEADER(DebugExitState), SKIP(DebugExitState, request, WIRING),
                                     SKIP(DebugExitState, opaque, WIRING) };
    expect_covered(&m->debugexit.dev, sizeof(DebugExitState), dex, sizeof dex / sizeof dex[0]);
    static const StateSkip rtc[] = {
        HEADER(RtcState),
        SKIP(RtcState, ram_size, "configuration: read at power on into the NVRAM, which travels in cmos"),
        SKIP(RtcState, wall_origin, "configuration read at power on; the clock section carries the wall origin"),
        SKIP(RtcState, irq, WIRING), SKIP(RtcState, clock, WIRING),
    };
    expect_covered(&m->rtc.dev, sizeof(RtcState), rtc, sizeof rtc / sizeof rtc[0]);
    static const StateSkip uart[] = {
        HEADER(UartState), SKIP(UartState, base, "configuration: the board's ports"),
        SKIP(UartState, irq, WIRING), SKIP(UartState, clock, WIRING),
        SKIP(UartState, be, "the host backend (the destination's own -serial)"),
    };
    expect_covered(&m->uart[0].dev, sizeof(UartState), uart, sizeof uart / sizeof uart[0]);
    static const StateSkip kbc[] = { HEADER(I8042State), SKIP(I8042State, irq1, WIRING),
                                     SKIP(I8042State, irq12, WIRING), SKIP(I8042State, reset_request, WIRING),
                                     SKIP(I8042State, reset_opaque, WIRING) };
    expect_covered(&m->kbc.dev, sizeof(I8042State), kbc, sizeof kbc / sizeof kbc[0]);
    static const StateSkip p92[] = { HEADER(Port92State), SKIP(Port92State, reset_request, WIRING),
                                     SKIP(Port92State, reset_opaque, WIRING) };
    expect_covered(&m->port92.dev, sizeof(Port92State), p92, sizeof p92 / sizeof p92[0]);
    free(m);
}
END_TEST

/* The members of the PciDevice at the start of every PCI function: the
 * configuration space and INTx level are described by each function; the
 * rest is configuration made at init, wiring, or derived from the
 * described configuration space by post_load. */
#define PCI_SKIPS(T, p, rom_why)                                                                    \
    SKIP(T, p.dev, "the Device header: class, id, host and realized come from init and realize"),   \
        SKIP(T, p.bus, WIRING), SKIP(T, p.devfn, "configuration: the slot (a card section checks it)"), \
        SKIP(T, p.wmask, "configuration: the writable bits, set at init"),                            \
        SKIP(T, p.w1c, "configuration: the write-1-to-clear bits, set at init"),                      \
        SKIP(T, p.bar, "types, sizes and ops are configuration from init; mapped and addr follow the " \
                       "migrated configuration space (pci_update_mappings in post_load)"),          \
        SKIP(T, p.rom, rom_why), SKIP(T, p.rom_block, rom_why), SKIP(T, p.rom_size, rom_why),        \
        SKIP(T, p.irq_link, "derived: the link the level asserts, asserted again by post_load"),      \
        SKIP(T, p.config_written, WIRING),                                                            \
        SKIP(T, p.secondary, "wiring: a bridge's own bus (its state is in the bridge's description)")

static const char NO_ROM[] = "this function has no option ROM";
static const char CARD_ROM[] = "the card section carries the ROM block's size and contents";
static const char NO_PIN[] = "interrupt pin 0: the level is never raised";

/* The PCI host bridge, the PIIX3 (its PIRQ routes), the two NICs and the
 * pci-bridge: every byte described, or listed. */
START_TEST(test_pci_devices_fully_described)
{
    Machine *m = calloc(1, sizeof *m);
    pci_host_init(&m->pci, "i440fx", &m->io, NULL, NULL, (IrqLine){ NULL, NULL, 0 }, 0, 0, NULL, NULL);
    piix3_init(&m->piix3, "piix3", &m->pci.bus);
    static const StateSkip host[] = {
        PCI_SKIPS(PciHostState, pdev, NO_ROM), SKIP(PciHostState, pdev.irq_level, NO_PIN),
        SKIP(PciHostState, bus, "the bus: wiring, the slot table (configuration), link counts and driven "
                                "IRQs derived from the functions' levels and the PIIX3's routes"),
        SKIP(PciHostState, reset_request, WIRING), SKIP(PciHostState, reset_opaque, WIRING),
    };
    expect_covered(&m->pci.pdev.dev, sizeof(PciHostState), host, sizeof host / sizeof host[0]);
    static const StateSkip piix3[] = { PCI_SKIPS(Piix3State, pdev, NO_ROM),
                                       SKIP(Piix3State, pdev.irq_level, NO_PIN) };
    expect_covered(&m->piix3.pdev.dev, sizeof(Piix3State), piix3, sizeof piix3 / sizeof piix3[0]);

    Ne2kPciConfig nc = { .id = "nic0", .mac = { 0x52, 0x54, 0, 1, 2, 3 }, .romfile = "", .devfn = -1 };
    Ne2kPciState *ne = ne2k_pci_new(&nc, &m->pci.bus, &m->net);
    ck_assert_ptr_nonnull(ne);
    static const StateSkip ne2k[] = {
        PCI_SKIPS(Ne2kPciState, pci, CARD_ROM),
        SKIP(Ne2kPciState, nic.set_irq, WIRING), SKIP(Ne2kPciState, nic.send, WIRING),
        SKIP(Ne2kPciState, nic.opaque, WIRING),
        SKIP(Ne2kPciState, nc, "the network side: the peer is the destination's own netdev (the card "
                               "section carries whether there was one), the counters are the host's"),
        SKIP(Ne2kPciState, net, WIRING), SKIP(Ne2kPciState, bus, WIRING),
        SKIP(Ne2kPciState, devfn, "configuration: the slot asked for (a card section checks pci.devfn)"),
        SKIP(Ne2kPciState, id, "configuration: the card section's key"),
        SKIP(Ne2kPciState, netdev, "configuration: the destination's own -device netdev="),
        SKIP(Ne2kPciState, romfile, "configuration: the file; its contents travel in the card section"),
    };
    expect_covered(&ne->pci.dev, sizeof(Ne2kPciState), ne2k, sizeof ne2k / sizeof ne2k[0]);
    ne2k_pci_free(ne);

    Rtl8139Config rc = { .id = "nic1", .mac = { 0x52, 0x54, 0, 1, 2, 4 }, .romfile = "", .devfn = -1 };
    Rtl8139State *rt = rtl8139_new(&rc, &m->pci.bus, &m->net);
    ck_assert_ptr_nonnull(rt);
    static const StateSkip rtl[] = {
        PCI_SKIPS(Rtl8139State, pci, CARD_ROM),
        SKIP(Rtl8139State, nc, "the network side: the peer is the destination's own netdev (the card "
                               "section carries whether there was one), the counters are the host's"),
        SKIP(Rtl8139State, net, WIRING), SKIP(Rtl8139State, bus, WIRING),
        SKIP(Rtl8139State, devfn, "configuration: the slot asked for (a card section checks pci.devfn)"),
        SKIP(Rtl8139State, id, "configuration: the card section's key"),
        SKIP(Rtl8139State, netdev, "configuration: the destination's own -device netdev="),
        SKIP(Rtl8139State, romfile, "configuration: the file; its contents travel in the card section"),
    };
    expect_covered(&rt->pci.dev, sizeof(Rtl8139State), rtl, sizeof rtl / sizeof rtl[0]);
    rtl8139_free(rt);

    /* the pci-bridge (a device section keyed by its id) */
    PciBridgeState *br = malloc(sizeof *br);
    ck_assert_ptr_nonnull(br);
    pci_bridge_init(br, "br0", &m->pci.bus, -1, 1);
    static const StateSkip bridge[] = {
        PCI_SKIPS(PciBridgeState, pci, NO_ROM),
        SKIP(PciBridgeState, pci.irq_level, "derived: the SHPC's interrupt output, raised again by post_load"),
        SKIP(PciBridgeState, sec, "the secondary bus: wiring, its slot table (the cards, each in its own "
                                  "card section with its bus), windows for -kernel hot-adds (configuration)"),
        SKIP(PciBridgeState, shpc.psn, "configuration: physical slot numbers from the bridge's -device order"),
        SKIP(PciBridgeState, shpc.set_irq, WIRING), SKIP(PciBridgeState, shpc.irq_opaque, WIRING),
        SKIP(PciBridgeState, parent, WIRING),
        SKIP(PciBridgeState, devfn, "configuration: the slot asked for (the destination's own addr=)"),
        SKIP(PciBridgeState, id, "configuration: the device section's key"),
    };
    expect_covered(&br->pci.dev, sizeof(PciBridgeState), bridge, sizeof bridge / sizeof bridge[0]);
    free(br);
    free(m);
}
END_TEST

/* E386CpuState is described whole; E386Cpu is either carried by it or
 * listed with the reason it is not. */
START_TEST(test_cpu_fully_described)
{
    char msg[256];
    Cover c = { .n = 0 };
    add_desc(&c, e386_cpu_state_desc(), 0);
    const char *bad = check_cover(&c, sizeof(E386CpuState), "E386CpuState", msg, sizeof msg);
    ck_assert_msg(bad == NULL, "%s", bad);

    Cover k = { .n = 0 };
    size_t n1, n2;
    const StateSkip *mig = e386_cpu_migrated(&n1), *un = e386_cpu_unmigrated(&n2);
    add_skips(&k, mig, n1);
    add_skips(&k, un, n2);
    bad = check_cover(&k, e386_cpu_struct_size(), "E386Cpu", msg, sizeof msg);
    ck_assert_msg(bad == NULL, "%s", bad);
}
END_TEST

START_TEST(test_clock_fully_described)
{
    char msg[256];
    Cover c = { .n = 0 };
    add_desc(&c, mig_clock_desc(), 0);
    const char *bad = check_cover(&c, sizeof(MigClockState), "MigClockState", msg, sizeof msg);
    ck_assert_msg(bad == NULL, "%s", bad);
    static const StateSkip vclock[] = {
        SKIP(VClock, icount, "carried (MigClockState.icount), checked against the destination's -icount"),
        SKIP(VClock, shift, "carried (MigClockState.shift), checked against the destination's -icount"),
        SKIP(VClock, origin_ns, "the host's monotonic clock: rebased so that time goes on from now_ns"),
        SKIP(VClock, cpu, "wiring: the destination's CPU"),
        SKIP(VClock, insn_origin, "carried"),
        SKIP(VClock, warp_ns, "carried"),
        SKIP(VClock, last, "carried as now_ns"),
        SKIP(VClock, wall_origin, "carried"),
    };
    Cover k = { .n = 0 };
    add_skips(&k, vclock, sizeof vclock / sizeof vclock[0]);
    bad = check_cover(&k, sizeof(VClock), "VClock", msg, sizeof msg);
    ck_assert_msg(bad == NULL, "%s", bad);
}
END_TEST

/* The checker itself: a struct with a member nobody describes fails. */
typedef struct Fake {
    Device dev;
    uint32_t a;
    uint8_t forgotten;
    uint8_t b;
    uint64_t c;
} Fake;

START_TEST(test_undescribed_member_is_caught)
{
    static const StateField f[] = { STATE_U32(Fake, a, 1), STATE_U8(Fake, b, 1), STATE_U64(Fake, c, 1) };
    static const StateDesc d = { "fake", 1, f, STATE_NFIELDS(f) };
    static const StateSkip s[] = { HEADER(Fake) };
    Cover c = { .n = 0 };
    add_desc(&c, &d, 0);
    add_skips(&c, s, 1);
    char msg[256];
    const char *bad = check_cover(&c, sizeof(Fake), "fake", msg, sizeof msg);
    ck_assert_ptr_nonnull(bad);
    ck_assert_ptr_nonnull(strstr(bad, "neither described nor listed"));
    /* and listing it makes the struct whole */
    static const StateSkip s2[] = { HEADER(Fake), SKIP(Fake, forgotten, "a test of the checker") };
    Cover c2 = { .n = 0 };
    add_desc(&c2, &d, 0);
    add_skips(&c2, s2, 2);
    ck_assert_ptr_null(check_cover(&c2, sizeof(Fake), "fake", msg, sizeof msg));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("state_coverage");
    TCase *tc = tcase_create("coverage");
    tcase_add_test(tc, test_devices_fully_described);
    tcase_add_test(tc, test_pci_devices_fully_described);
    tcase_add_test(tc, test_cpu_fully_described);
    tcase_add_test(tc, test_clock_fully_described);
    tcase_add_test(tc, test_undescribed_member_is_caught);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
