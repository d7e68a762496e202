/* The stream of a whole machine: header, RAM, CPU, clock, devices, end
 * (docs/migration.md has the format byte by byte). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/cpu_state.h"
#include "migration/crc32.h"
#include "migration/migration.h"
#include "migration/vmstate.h"
#include "net/net.h"
#include "system/hotplug.h"
#include "system/hotplug_bridge.h"
#include "system/ram.h"

/* ---- the clock ---- */

static const StateField clock_fields[] = {
    STATE_U8(MigClockState, icount, 1),
    STATE_U8(MigClockState, shift, 1),
    STATE_U64(MigClockState, insn_origin, 1),
    STATE_U64(MigClockState, warp_ns, 1),
    STATE_U64(MigClockState, now_ns, 1),
    STATE_U64(MigClockState, wall_origin, 1),
};
static const StateDesc clock_desc = { "clock", 1, clock_fields, STATE_NFIELDS(clock_fields) };

const StateDesc *mig_clock_desc(void) { return &clock_desc; }

void mig_clock_save(VClock *c, MigClockState *st)
{
    memset(st, 0, sizeof *st);
    st->icount = c->icount;
    st->shift = (uint8_t)c->shift;
    st->insn_origin = c->insn_origin;
    st->warp_ns = c->warp_ns;
    st->now_ns = vclock_now(c);
    st->wall_origin = (uint64_t)c->wall_origin;
}

int mig_clock_check(const VClock *c, const MigClockState *st, char *err, size_t errlen)
{
    if (st->icount > 1 || st->shift > VCLOCK_MAX_SHIFT) {
        snprintf(err, errlen, "clock: impossible state (icount %u, shift %u)", st->icount, st->shift);
        return -1;
    }
    if (st->icount != c->icount || (st->icount && st->shift != c->shift)) {
        char src[32], dst[32];
        snprintf(src, sizeof src, st->icount ? "-icount %u" : "host time", st->shift);
        snprintf(dst, sizeof dst, c->icount ? "-icount %u" : "host time", c->shift);
        snprintf(err, errlen, "clock: the stream was saved under %s, this machine runs under %s: start "
                 "the destination with the source's -icount", src, dst);
        return -1;
    }
    return 0;
}

/* Time goes on from where the source stopped: under -icount from the
 * same instruction count (restored with the CPU) and warp, in host time
 * by moving the origin so that now reads the saved time. */
void mig_clock_load(VClock *c, const MigClockState *st)
{
    c->wall_origin = (int64_t)st->wall_origin;
    if (c->icount) {
        c->insn_origin = st->insn_origin;
        c->warp_ns = st->warp_ns;
    } else {
        c->last = 0;
        uint64_t t = vclock_now(c);
        c->origin_ns += t - st->now_ns; /* modulo 2^64: host - origin becomes now_ns */
    }
    c->last = st->now_ns;
}

/* ---- RAM ---- */

static bool page_is_zero(const uint8_t *p)
{
    return p[0] == 0 && !memcmp(p, p + 1, MIG_PAGE_SIZE - 1);
}

/* The RAM of -m size: [0, 640K) and [1M, size) (ram.c), in pages. */
bool mig_page_in_ram(uint32_t ram_size, uint32_t pn)
{
    uint64_t a = (uint64_t)pn * MIG_PAGE_SIZE;
    uint32_t low = ram_size < RAM_HOLE_START ? ram_size : RAM_HOLE_START;
    return a < low || (a >= RAM_HOLE_END && a < ram_size);
}

static uint8_t *ram_page(Machine *m, uint32_t pn)
{
    return e386_mem_ptr(m->cpu, pn * MIG_PAGE_SIZE, MIG_PAGE_SIZE);
}

static void section_header(MigWriter *w, uint32_t id, uint32_t version, uint32_t len)
{
    mig_put_u32(w, id);
    mig_put_u32(w, version);
    mig_put_u32(w, len);
}

static void flush_batch(MigWriter *w, Machine *m, const uint32_t *pn, const uint8_t *kind, uint32_t n)
{
    if (!n)
        return;
    uint32_t len = 4;
    for (uint32_t i = 0; i < n; i++)
        len += 5 + (kind[i] == MIG_PAGE_DATA ? MIG_PAGE_SIZE : 0);
    section_header(w, MIG_SEC_RAM, 1, len);
    mig_put_u32(w, n);
    for (uint32_t i = 0; i < n; i++) {
        mig_put_u32(w, pn[i]);
        mig_put_u8(w, kind[i]);
        if (kind[i] == MIG_PAGE_DATA)
            mig_put(w, ram_page(m, pn[i]), MIG_PAGE_SIZE);
    }
}

const uint64_t *mig_written_sync(Machine *m)
{
    if (m->written)
        e386_dirty_log_sync(m->cpu, m->written);
    return m->written;
}

void mig_written_restart(Machine *m)
{
    if (!m->written)
        return;
    e386_dirty_log_sync(m->cpu, m->written);
    if (e386_dirty_log_start(m->cpu, m->cfg.ram_size / MIG_PAGE_SIZE) < 0) {
        free(m->written);
        m->written = NULL;
    }
}

static void written_mark(Machine *m, uint32_t pn)
{
    if (m->written)
        m->written[pn / 64] |= (uint64_t)1 << (pn % 64);
}

uint32_t mig_save_ram_step(MigWriter *w, Machine *m, const uint64_t *dirty, bool zero_markers,
                           uint32_t *cursor, uint32_t max_pages, MigStats *st)
{
    uint32_t pn[MIG_RAM_BATCH];
    uint8_t kind[MIG_RAM_BATCH];
    uint32_t n = 0, sent = 0, npages = m->cfg.ram_size / MIG_PAGE_SIZE, p = *cursor;
    for (; p < npages && sent < max_pages && !w->failed; p++) {
        if (!mig_page_in_ram(m->cfg.ram_size, p))
            continue;
        if (dirty && !(dirty[p / 64] >> (p % 64) & 1)) {
            if (!zero_markers)
                st->pages_skipped++; /* a first pass: never written since power on, zero */
            continue;
        }
        const uint8_t *h = ram_page(m, p);
        if (!h)
            continue;
        bool zero = page_is_zero(h);
        if (zero && !zero_markers) {
            st->pages_skipped++;
            continue;
        }
        pn[n] = p;
        kind[n] = zero ? MIG_PAGE_ZERO : MIG_PAGE_DATA;
        if (zero)
            st->pages_zero++;
        else
            st->pages_data++;
        sent++;
        if (++n == MIG_RAM_BATCH) {
            flush_batch(w, m, pn, kind, n);
            n = 0;
        }
    }
    flush_batch(w, m, pn, kind, n);
    *cursor = p;
    return sent;
}

void mig_save_ram(MigWriter *w, Machine *m, const uint64_t *dirty, bool zero_markers, MigStats *st)
{
    uint32_t cursor = 0;
    mig_save_ram_step(w, m, dirty, zero_markers, &cursor, UINT32_MAX, st);
}

/* The ROM's size and CRC: the destination must run the same firmware. */
static uint32_t rom_crc(Machine *m)
{
    uint32_t crc = 0;
    for (uint64_t a = 0x100000000ull - m->rom_size; a < 0x100000000ull; a += MIG_PAGE_SIZE) {
        const uint8_t *h = e386_mem_ptr(m->cpu, (uint32_t)a, MIG_PAGE_SIZE);
        if (h)
            crc = mig_crc32(crc, h, MIG_PAGE_SIZE);
    }
    return crc;
}

static uint32_t header_flags(const Machine *m)
{
    return (m->clock.icount ? MIG_HDR_ICOUNT : 0) | (m->cfg.kernel ? MIG_HDR_KERNEL : 0);
}

/* ---- save ---- */

static void put_desc_section(MigWriter *w, uint32_t id, const StateDesc *d, const void *base,
                             const char *name)
{
    size_t nlen = name ? strlen(name) : 0;
    uint32_t len = (uint32_t)(vmstate_size(d, d->version) + (name ? 1 + nlen : 0));
    section_header(w, id, d->version, len);
    if (name) {
        mig_put_u8(w, (uint8_t)nlen);
        mig_put(w, name, nlen);
    }
    vmstate_put(w, d, base, d->version);
}

/* The bus a card sits on: its bridge's id, or pci.0 (the root bus, as
 * -device's bus= names it). */
static const char *card_bus(Machine *m, const PciDevice *d)
{
    PciBridgeState *b = hotplug_bridge_of(m, d);
    return b ? b->id : "pci.0";
}

/* A PCI card of Machine.nic[] (docs/migration.md, "Card sections"): its
 * id, model and bus, its slot, whether its cable had a peer, its option ROM's
 * block size and contents, then its description's fields. */
static void put_card_section(MigWriter *w, Machine *m, PciDevice *d)
{
    const StateDesc *sd = d->dev.cls->state;
    const char *id = d->dev.id, *model = d->dev.cls->name, *bus = card_bus(m, d);
    size_t nlen = strlen(id), mlen = strlen(model), blen = strlen(bus);
    uint32_t rom_size = d->rom ? (uint32_t)d->rom_size : 0;
    NetClient *nc = hotplug_nic_client(d);
    uint32_t len =
        (uint32_t)(1 + nlen + 1 + mlen + 1 + blen + 2 + 8 + rom_size + vmstate_size(sd, sd->version));
    section_header(w, MIG_SEC_CARD, sd->version, len);
    mig_put_u8(w, (uint8_t)nlen);
    mig_put(w, id, nlen);
    mig_put_u8(w, (uint8_t)mlen);
    mig_put(w, model, mlen);
    mig_put_u8(w, (uint8_t)blen);
    mig_put(w, bus, blen);
    mig_put_u8(w, (uint8_t)d->devfn);
    mig_put_u8(w, nc && nc->peer ? 1 : 0);
    mig_put_u32(w, d->rom ? (uint32_t)d->rom_block : 0);
    mig_put_u32(w, rom_size);
    if (rom_size)
        mig_put(w, d->rom, rom_size);
    vmstate_put(w, sd, d, sd->version);
}

void mig_save_header(MigWriter *w, Machine *m)
{
    mig_put(w, MIG_MAGIC, MIG_MAGIC_LEN);
    mig_put_u32(w, MIG_VERSION);
    mig_put_u32(w, MIG_HEADER_CONFIG);
    mig_put_u32(w, m->cfg.ram_size);
    mig_put_u32(w, m->rom_size);
    mig_put_u32(w, rom_crc(m));
    mig_put_u32(w, header_flags(m));
    mig_put_u32(w, m->clock.icount ? m->clock.shift : 0);
}

void mig_save_state(MigWriter *w, Machine *m)
{
    E386CpuState cs;
    e386_cpu_state_save(m->cpu, &cs);
    put_desc_section(w, MIG_SEC_CPU, e386_cpu_state_desc(), &cs, NULL);
    MigClockState ck;
    mig_clock_save(&m->clock, &ck);
    put_desc_section(w, MIG_SEC_CLOCK, &clock_desc, &ck, NULL);
    for (int i = 0; i < m->ndev; i++) {
        const Device *d = m->dev[i];
        if (d->cls->state)
            put_desc_section(w, MIG_SEC_DEVICE, d->cls->state, d, d->id);
    }
    /* the bridges: device sections under their ids, before the cards
     * behind them (their bus numbers, windows and SHPC slots) */
    for (int i = 0; i < MACHINE_MAX_BRIDGES; i++)
        if (m->bridge[i])
            put_desc_section(w, MIG_SEC_DEVICE, m->bridge[i]->pci.dev.cls->state, &m->bridge[i]->pci.dev,
                             m->bridge[i]->id);
    for (int i = 0; i < MACHINE_MAX_NICS; i++)
        if (m->nic[i])
            put_card_section(w, m, m->nic[i]);
    section_header(w, MIG_SEC_END, 1, 4);
    mig_put_u32(w, w->crc);
}

int machine_save(Machine *m, MigWriter *w, MigStats *st, char *err, size_t errlen)
{
    MigStats local;
    if (!st)
        st = &local;
    memset(st, 0, sizeof *st);
    uint64_t start = w->bytes;
    mig_save_header(w, m);
    mig_save_ram(w, m, mig_written_sync(m), false, st);
    mig_save_state(w, m);
    st->bytes = w->bytes - start;
    if (mig_writer_flush(w) < 0) {
        snprintf(err, errlen, "%s", w->err);
        return -1;
    }
    return 0;
}

/* ---- load ---- */

enum { PH_RAM, PH_CPU, PH_CLOCK, PH_DEVICE, PH_END };

typedef struct Staged {
    Device *dev;
    uint32_t version;
    uint8_t *payload; /* the fields, as in the stream */
    size_t len;
    /* a card (MIG_SEC_CARD) only: */
    PciDevice *card;
    uint8_t *rom;     /* rom_size bytes of the option ROM */
    uint32_t rom_size;
    bool link;        /* the source's card had a peer */
} Staged;

/* Staged entries: the machine's devices (Machine.dev[] order), its
 * bridges (Machine.bridge[]), then its cards (Machine.nic[]): commit puts
 * them in in this order, a bridge's windows before the cards behind it. */
enum {
    STAGED_BRIDGE0 = MACHINE_MAX_DEVICES,
    STAGED_CARD0 = STAGED_BRIDGE0 + MACHINE_MAX_BRIDGES,
    STAGED_MAX = STAGED_CARD0 + MACHINE_MAX_NICS
};

typedef struct Loader {
    Machine *m;
    MigReader *r;
    MigStats *st;
    int phase;
    uint32_t version; /* the stream's (header) */
    bool have_cpu, have_clock;
    E386CpuState cpu;
    MigClockState clock;
    Staged dev[STAGED_MAX];
} Loader;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int fail(Loader *L, const char *fmt, ...)
{
    char msg[MIG_ERR];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    mig_reader_fail(L->r, "%s (at byte %" PRIu64 ")", msg, L->r->offset);
    return -1;
}

static int load_header(Loader *L)
{
    MigReader *r = L->r;
    Machine *m = L->m;
    uint8_t magic[MIG_MAGIC_LEN];
    uint32_t version, hlen, ram, rom, crc, flags, shift;
    if (mig_get(r, magic, sizeof magic) < 0)
        return -1;
    if (memcmp(magic, MIG_MAGIC, MIG_MAGIC_LEN)) {
        mig_reader_fail(r, "not an emu386 migration stream (bad magic)");
        return -1;
    }
    if (mig_get_u32(r, &version) < 0)
        return -1;
    if (version < MIG_VERSION_MIN || version > MIG_VERSION) {
        mig_reader_fail(r, "stream version %" PRIu32 ", this emu386 reads versions %d to %d", version,
                        MIG_VERSION_MIN, MIG_VERSION);
        return -1;
    }
    L->version = version;
    if (mig_get_u32(r, &hlen) < 0)
        return -1;
    if (hlen != MIG_HEADER_CONFIG) {
        mig_reader_fail(r, "header of %" PRIu32 " bytes, version %" PRIu32 " has %d", hlen, version,
                        MIG_HEADER_CONFIG);
        return -1;
    }
    if (mig_get_u32(r, &ram) < 0 || mig_get_u32(r, &rom) < 0 || mig_get_u32(r, &crc) < 0 ||
        mig_get_u32(r, &flags) < 0 || mig_get_u32(r, &shift) < 0)
        return -1;
    if (ram != m->cfg.ram_size) {
        mig_reader_fail(r, "the stream's machine has %" PRIu32 " KiB of RAM, this one %" PRIu32
                        " KiB: start the destination with the same -m", ram >> 10, m->cfg.ram_size >> 10);
        return -1;
    }
    if (flags & ~(uint32_t)(MIG_HDR_ICOUNT | MIG_HDR_KERNEL)) {
        mig_reader_fail(r, "unknown header flags %08" PRIx32, flags);
        return -1;
    }
    if (flags != header_flags(m) || shift != (m->clock.icount ? m->clock.shift : 0)) {
        mig_reader_fail(r, "the stream's machine was started with other options (-kernel or -bios, "
                        "-icount): start the destination with the source's");
        return -1;
    }
    if (rom != m->rom_size || crc != rom_crc(m)) {
        mig_reader_fail(r, "the stream's machine ran another BIOS image (%" PRIu32 " KiB, CRC %08" PRIx32
                        "): start the destination with the same -bios", rom >> 10, crc);
        return -1;
    }
    return 0;
}

static int load_ram(Loader *L, uint32_t len)
{
    MigReader *r = L->r;
    uint32_t n;
    if (len < 4)
        return fail(L, "RAM section of %" PRIu32 " bytes", len);
    if (mig_get_u32(r, &n) < 0)
        return -1;
    uint64_t left = len - 4;
    if ((uint64_t)n * 5 > left)
        return fail(L, "RAM section: %" PRIu32 " pages cannot fit in %" PRIu64 " bytes", n, left);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t pn;
        uint8_t kind;
        if (left < 5)
            return fail(L, "RAM section: page record %" PRIu32 " past its length %" PRIu32, i, len);
        if (mig_get_u32(r, &pn) < 0 || mig_get_u8(r, &kind) < 0)
            return -1;
        left -= 5;
        if (!mig_page_in_ram(L->m->cfg.ram_size, pn))
            return fail(L, "RAM section: page %" PRIu32 " is not RAM of this %" PRIu32 " KiB machine", pn,
                        L->m->cfg.ram_size >> 10);
        uint8_t *h = ram_page(L->m, pn);
        if (!h)
            return fail(L, "RAM section: page %" PRIu32 " is not mapped", pn);
        written_mark(L->m, pn); /* written through a host pointer: the dirty log does not see it */
        if (kind == MIG_PAGE_ZERO) {
            /* never written when it is zero already (a fresh destination) */
            if (!page_is_zero(h)) {
                L->m->load_failed = true;
                memset(h, 0, MIG_PAGE_SIZE);
                L->st->pages_zeroed++;
            }
            L->st->pages_zero++;
        } else if (kind == MIG_PAGE_DATA) {
            if (left < MIG_PAGE_SIZE)
                return fail(L, "RAM section: page %" PRIu32 " data past the section's length %" PRIu32, pn, len);
            L->m->load_failed = true; /* until the end section says it all arrived */
            if (mig_get(r, h, MIG_PAGE_SIZE) < 0)
                return -1;
            left -= MIG_PAGE_SIZE;
            L->st->pages_data++;
        } else {
            return fail(L, "RAM section: unknown page kind %u for page %" PRIu32, kind, pn);
        }
    }
    if (left)
        return fail(L, "RAM section: %" PRIu64 " bytes left over after %" PRIu32 " pages", left, n);
    return 0;
}

/* Read a described section's fields into payload and check each value
 * against its field (state_set into a scratch element). */
static uint8_t *load_fields(Loader *L, const StateDesc *d, uint32_t version, uint32_t len, const char *what)
{
    if (version == 0 || version > d->version) {
        fail(L, "%s: section version %" PRIu32 ", this emu386 reads 1 to %" PRIu32, what, version,
             d->version);
        return NULL;
    }
    size_t want = vmstate_size(d, version);
    if (len != want) {
        fail(L, "%s: section of %" PRIu32 " bytes, its description has %zu", what, len, want);
        return NULL;
    }
    uint8_t *p = malloc(want ? want : 1);
    if (!p) {
        mig_reader_fail(L->r, "out of memory");
        return NULL;
    }
    if (mig_get(L->r, p, want) < 0) {
        free(p);
        return NULL;
    }
    char err[MIG_ERR];
    if (vmstate_check(d, version, p, want, what, err, sizeof err) < 0) {
        mig_reader_fail(L->r, "%s", err);
        free(p);
        return NULL;
    }
    return p;
}

static int load_cpu(Loader *L, uint32_t version, uint32_t len)
{
    const StateDesc *d = e386_cpu_state_desc();
    uint8_t *p = load_fields(L, d, version, len, "cpu");
    if (!p)
        return -1;
    e386_cpu_state_save(L->m->cpu, &L->cpu); /* fields newer than the stream keep ours */
    vmstate_apply(d, version, p, &L->cpu);
    free(p);
    char err[MIG_ERR];
    if (e386_cpu_state_check(&L->cpu, err, sizeof err) < 0) {
        mig_reader_fail(L->r, "%s", err);
        return -1;
    }
    L->have_cpu = true;
    return 0;
}

static int load_clock(Loader *L, uint32_t version, uint32_t len)
{
    uint8_t *p = load_fields(L, &clock_desc, version, len, "clock");
    if (!p)
        return -1;
    mig_clock_save(&L->m->clock, &L->clock);
    vmstate_apply(&clock_desc, version, p, &L->clock);
    free(p);
    char err[MIG_ERR];
    if (mig_clock_check(&L->m->clock, &L->clock, err, sizeof err) < 0) {
        mig_reader_fail(L->r, "%s", err);
        return -1;
    }
    L->have_clock = true;
    return 0;
}

/* A section's name: a length (u8, 1-255) and as many printable ASCII bytes. */
static int get_name(Loader *L, uint32_t *left, char name[256], const char *what)
{
    uint8_t n;
    if (*left < 1)
        return fail(L, "%s of %" PRIu32 " bytes", what, *left);
    if (mig_get_u8(L->r, &n) < 0)
        return -1;
    if (n == 0 || (uint32_t)n + 1 > *left)
        return fail(L, "%s: a name of %u bytes in a %" PRIu32 "-byte section", what, n, *left);
    if (mig_get(L->r, name, n) < 0)
        return -1;
    name[n] = '\0';
    for (int i = 0; i < n; i++)
        if (name[i] < 0x21 || name[i] > 0x7e)
            return fail(L, "%s: a name that is not printable", what);
    *left -= 1u + n;
    return 0;
}

static int load_device(Loader *L, uint32_t version, uint32_t len)
{
    char name[256];
    uint32_t left = len;
    if (get_name(L, &left, name, "device section") < 0)
        return -1;
    Machine *m = L->m;
    Device *dev = NULL;
    int k = 0;
    while (k < m->ndev && (!m->dev[k]->cls->state || strcmp(m->dev[k]->id, name)))
        k++;
    if (k < m->ndev) {
        dev = m->dev[k];
    } else { /* a -device pci-bridge */
        for (int i = 0; i < MACHINE_MAX_BRIDGES && !dev; i++)
            if (m->bridge[i] && !strcmp(m->bridge[i]->id, name))
                dev = &m->bridge[i]->pci.dev, k = STAGED_BRIDGE0 + i;
    }
    if (!dev)
        return fail(L, "device section for '%s', which this machine does not have: start the destination "
                    "with the source's devices (a pci-bridge: -device pci-bridge,id=%s)", name, name);
    if (L->dev[k].payload)
        return fail(L, "a second section for device '%s'", name);
    uint8_t *p = load_fields(L, dev->cls->state, version, left, dev->id);
    if (!p)
        return -1;
    L->dev[k] = (Staged){ .dev = dev, .version = version, .payload = p, .len = left };
    return 0;
}

/* A card section: the card must be here under the same id, model, bus
 * and slot, with an option ROM block of the same size (its contents come with
 * the stream); checked now, put in by commit() with the devices. */
static int load_card(Loader *L, uint32_t version, uint32_t len)
{
    Machine *m = L->m;
    char id[256], model[256], bus[256] = "pci.0"; /* a version 1 stream: no bridges, the root bus */
    uint32_t left = len;
    if (get_name(L, &left, id, "card section") < 0 || get_name(L, &left, model, "card section") < 0 ||
        (L->version >= 2 && get_name(L, &left, bus, "card section") < 0))
        return -1;
    uint8_t devfn, link;
    uint32_t rom_block, rom_size;
    if (left < 10)
        return fail(L, "card '%s': section of %" PRIu32 " bytes", id, len);
    if (mig_get_u8(L->r, &devfn) < 0 || mig_get_u8(L->r, &link) < 0 || mig_get_u32(L->r, &rom_block) < 0 ||
        mig_get_u32(L->r, &rom_size) < 0)
        return -1;
    left -= 10;
    int k = 0;
    while (k < MACHINE_MAX_NICS && (!m->nic[k] || strcmp(m->nic[k]->dev.id, id)))
        k++;
    if (k == MACHINE_MAX_NICS)
        return fail(L, "the stream has a %s card '%s' (slot %02x.%x%s%s), which this machine does not have: "
                    "add it on the destination (-device %s,id=%s,addr=%u%s%s or device_add) before the stream",
                    model, id, devfn >> 3, devfn & 7, strcmp(bus, "pci.0") ? " behind " : "",
                    strcmp(bus, "pci.0") ? bus : "", model, id, devfn >> 3, strcmp(bus, "pci.0") ? ",bus=" : "",
                    strcmp(bus, "pci.0") ? bus : "");
    PciDevice *d = m->nic[k];
    Staged *s = &L->dev[STAGED_CARD0 + k];
    if (s->payload)
        return fail(L, "a second section for card '%s'", id);
    if (strcmp(model, d->dev.cls->name))
        return fail(L, "card '%s' is a %s here, the stream's is a %s: add the source's model", id,
                    d->dev.cls->name, model);
    const char *here_bus = card_bus(m, d);
    if (strcmp(bus, here_bus))
        return fail(L, "card '%s' sits on bus %s here, on %s on the source: give it the source's bus=", id,
                    here_bus, bus);
    if (devfn != d->devfn)
        return fail(L, "card '%s' sits in slot %02x.%x here, in %02x.%x on the source: give it the "
                    "source's addr=", id, d->devfn >> 3, d->devfn & 7, devfn >> 3, devfn & 7);
    if (link > 1)
        return fail(L, "card '%s': link %u is neither 0 nor 1", id, link);
    uint32_t here = d->rom ? (uint32_t)d->rom_block : 0;
    if (rom_block != here)
        return fail(L, "card '%s': an option ROM block of %" PRIu32 " bytes here, %" PRIu32 " in the "
                    "stream: start the card with the source's romfile=", id, here, rom_block);
    if (rom_size > rom_block || rom_size > left)
        return fail(L, "card '%s': %" PRIu32 " bytes of option ROM in a %" PRIu32 "-byte block", id, rom_size,
                    rom_block);
    uint8_t *rom = NULL;
    if (rom_size) {
        if (!(rom = malloc(rom_size))) {
            mig_reader_fail(L->r, "out of memory");
            return -1;
        }
        if (mig_get(L->r, rom, rom_size) < 0) {
            free(rom);
            return -1;
        }
        left -= rom_size;
    }
    uint8_t *p = load_fields(L, d->dev.cls->state, version, left, d->dev.id);
    if (!p) {
        free(rom);
        return -1;
    }
    *s = (Staged){ &d->dev, version, p, left, d, rom, rom_size, link != 0 };
    return 0;
}

/* The option ROM the stream carried replaces ours (same block size): the
 * bytes past it are zero, written only where they are not already. */
static void commit_rom(const Staged *s)
{
    PciDevice *d = s->card;
    if (!d->rom)
        return;
    if (s->rom_size)
        memcpy(d->rom, s->rom, s->rom_size);
    for (size_t a = s->rom_size; a < d->rom_block; a++)
        if (d->rom[a]) {
            memset(d->rom + a, 0, d->rom_block - a);
            break;
        }
    d->rom_size = s->rom_size;
}

/* Everything checked: the staged state goes in, the devices', then the
 * cards'.  A post_load may still refuse a combination of values: then
 * every device and card gets its own state back (its post_load run again
 * on it, so BAR mappings and interrupt lines follow) and nothing of the
 * CPU, the clock or the option ROMs has changed. */
static int commit(Loader *L, char *err, size_t errlen)
{
    Machine *m = L->m;
    uint8_t *backup[STAGED_MAX] = { 0 };
    int rc = 0, k;
    for (k = 0; k < STAGED_MAX && rc == 0; k++) {
        Staged *s = &L->dev[k];
        if (!s->payload)
            continue;
        const StateDesc *d = s->dev->cls->state;
        backup[k] = vmstate_encode(d, s->dev);
        if (!backup[k]) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
            break;
        }
        vmstate_apply(d, s->version, s->payload, s->dev);
        if (s->dev->cls->post_load && s->dev->cls->post_load(s->dev, err, errlen) < 0)
            rc = -1;
    }
    if (rc < 0) {
        for (int i = 0; i < k; i++) {
            Device *dev = L->dev[i].dev;
            if (!backup[i])
                continue;
            vmstate_apply(dev->cls->state, dev->cls->state->version, backup[i], dev);
            char e2[MIG_ERR];
            if (dev->cls->post_load)
                (void)dev->cls->post_load(dev, e2, sizeof e2); /* its own state: accepted before */
        }
    } else {
        rc = e386_cpu_state_load(m->cpu, &L->cpu, err, errlen);
        if (rc == 0) {
            mig_clock_load(&m->clock, &L->clock);
            for (k = STAGED_CARD0; k < STAGED_MAX; k++) {
                Staged *s = &L->dev[k];
                if (!s->payload)
                    continue;
                commit_rom(s);
                /* the link is this machine's own backend: a card whose
                 * cable changed on the way sees it as a pulled or plugged
                 * cable (the RTL8139's LinkChg) */
                NetClient *nc = hotplug_nic_client(s->card);
                bool here = nc->peer != NULL;
                if (here != s->link && nc->ops->link_changed)
                    nc->ops->link_changed(nc, here);
            }
            e386_set_irq(m->cpu, pic_intr_level(&m->pic));
        }
    }
    for (int i = 0; i < STAGED_MAX; i++)
        free(backup[i]);
    return rc;
}

int machine_load(Machine *m, MigReader *r, MigStats *st, char *err, size_t errlen)
{
    MigStats local;
    if (!st)
        st = &local;
    memset(st, 0, sizeof *st);
    Loader *L = calloc(1, sizeof *L);
    if (!L) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    L->m = m;
    L->r = r;
    L->st = st;
    int rc = load_header(L);
    while (rc == 0) {
        uint32_t id, version, len;
        if (mig_get_u32(r, &id) < 0 || mig_get_u32(r, &version) < 0 || mig_get_u32(r, &len) < 0) {
            rc = -1;
            break;
        }
        static const int phase_of[] = { [MIG_SEC_RAM] = PH_RAM, [MIG_SEC_CPU] = PH_CPU,
                                        [MIG_SEC_CLOCK] = PH_CLOCK, [MIG_SEC_DEVICE] = PH_DEVICE,
                                        [MIG_SEC_END] = PH_END, [MIG_SEC_CARD] = PH_DEVICE };
        if (id < MIG_SEC_RAM || id > MIG_SEC_CARD) {
            rc = fail(L, "unknown section id %" PRIu32, id);
            break;
        }
        int ph = phase_of[id];
        if ((ph == PH_CPU && L->have_cpu) || (ph == PH_CLOCK && L->have_clock)) {
            rc = fail(L, "a second %s section", ph == PH_CPU ? "cpu" : "clock");
            break;
        }
        if (ph < L->phase) {
            rc = fail(L, "section id %" PRIu32 " out of order (RAM, cpu, clock, devices, end)", id);
            break;
        }
        L->phase = ph;
        if (id == MIG_SEC_RAM) {
            rc = version == 1 ? load_ram(L, len)
                              : fail(L, "RAM section version %" PRIu32 ", this emu386 reads 1", version);
        } else if (id == MIG_SEC_CPU) {
            rc = load_cpu(L, version, len);
        } else if (id == MIG_SEC_CLOCK) {
            rc = load_clock(L, version, len);
        } else if (id == MIG_SEC_DEVICE) {
            rc = load_device(L, version, len);
        } else if (id == MIG_SEC_CARD) {
            rc = load_card(L, version, len);
        } else {
            uint32_t want = r->crc, got;
            if (version != 1 || len != 4) {
                rc = fail(L, "end section version %" PRIu32 " length %" PRIu32 " (want 1, 4)", version, len);
                break;
            }
            if (mig_get_u32(r, &got) < 0) {
                rc = -1;
                break;
            }
            if (got != want) {
                mig_reader_fail(r, "checksum mismatch: the stream says %08" PRIx32 ", its bytes give %08" PRIx32,
                                got, want);
                rc = -1;
                break;
            }
            break;
        }
    }
    if (rc == 0) {
        const char *missing = !L->have_cpu ? "cpu" : !L->have_clock ? "clock" : NULL;
        bool card = false;
        for (int k = 0; !missing && k < m->ndev; k++)
            if (m->dev[k]->cls->state && !L->dev[k].payload)
                missing = m->dev[k]->id;
        bool bridge = false;
        for (int k = 0; !missing && k < MACHINE_MAX_BRIDGES; k++)
            if (m->bridge[k] && !L->dev[STAGED_BRIDGE0 + k].payload)
                missing = m->bridge[k]->id, bridge = true;
        for (int k = 0; !missing && k < MACHINE_MAX_NICS; k++)
            if (m->nic[k] && !L->dev[STAGED_CARD0 + k].payload)
                missing = m->nic[k]->dev.id, card = true; /* a card the source did not have */
        if (missing) {
            mig_reader_fail(r, card     ? "the stream has no section for card %s: the source has no such card"
                               : bridge ? "the stream has no section for pci-bridge %s: the source has no such "
                                          "bridge"
                                        : "the stream has no section for %s", missing);
            rc = -1;
        }
    }
    if (rc == 0 && r->fd < 0 && !mig_reader_at_eof(r)) {
        mig_reader_fail(r, "%zu bytes after the end section", r->mem_len - (size_t)r->offset);
        rc = -1;
    }
    if (rc < 0)
        snprintf(err, errlen, "%s", r->failed ? r->err : "bad stream");
    else if (commit(L, err, errlen) == 0)
        m->load_failed = false;
    else
        rc = -1;
    st->bytes = r->offset;
    for (int k = 0; k < STAGED_MAX; k++) {
        free(L->dev[k].payload);
        free(L->dev[k].rom);
    }
    free(L);
    return rc;
}
