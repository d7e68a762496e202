/* The stream is hostile input: truncated at every byte, every byte
 * flipped, bad magic/version/header, unknown or duplicate or missing
 * sections, sections out of order, lengths that disagree, page indexes
 * past RAM, huge counts, values a field cannot hold, states a device or
 * the CPU could never be in, a wrong checksum, bytes after the end, and
 * random edits with the checksum recomputed.  Each is refused with a
 * message saying what is wrong, the destination's CPU, clock and devices
 * are left exactly as they were, and a destination whose RAM a refused
 * stream wrote will not run.  (ASan/UBSan and Valgrind legs run this too.) */
#include "migration_helpers.h"

typedef struct Fixture {
    Machine *src, *dst;
    uint8_t *s;
    size_t len;
    char *before; /* the destination's described state before any load */
    MhSections *sec;
} Fixture;

static void fx_init(Fixture *f)
{
    f->src = mh_new(1u << 20, false);
    mh_run_until(f->src, 150000);
    f->s = mh_save(f->src, &f->len);
    f->dst = mh_new(1u << 20, true);
    f->before = mh_dump_machine(f->dst);
    f->sec = malloc(sizeof *f->sec);
    mh_parse(f->s, f->len, f->sec);
}

static void fx_free(Fixture *f)
{
    mh_free(f->src);
    mh_free(f->dst);
    free(f->s);
    free(f->before);
    free(f->sec);
}

/* Refused, with what in the message (NULL: any message), and the
 * destination's described state untouched. */
static void refused(Fixture *f, const uint8_t *s, size_t len, const char *what)
{
    char err[256] = "";
    loop_assert_msg(mh_load(f->dst, s, len, err) == -1, "accepted a stream that should be refused (%s)",
                  what ? what : "?");
    loop_assert_msg(err[0] != '\0', "refused without a message");
    if (what)
        loop_assert_msg(strstr(err, what) != NULL, "message '%s' does not say '%s'", err, what);
    char *after = mh_dump_machine(f->dst);
    loop_assert_msg(strcmp(f->before, after) == 0, "the refused stream changed the machine: before\n%s\nafter\n%s",
                    f->before, after);
    free(after);
}

static uint8_t *copy(const Fixture *f)
{
    uint8_t *c = malloc(f->len);
    memcpy(c, f->s, f->len);
    return c;
}

/* [off, off+del) of s replaced by ins: a new stream of *nlen bytes. */
static uint8_t *splice(const uint8_t *s, size_t len, size_t off, size_t del, const void *ins, size_t inslen,
                       size_t *nlen)
{
    *nlen = len - del + inslen;
    uint8_t *n = malloc(*nlen ? *nlen : 1);
    memcpy(n, s, off);
    if (inslen)
        memcpy(n + off, ins, inslen);
    memcpy(n + off + inslen, s + off + del, len - off - del);
    return n;
}

/* The section of device `name`. */
static const MhSection *dev_section(const Fixture *f, const char *name)
{
    for (int i = 0; i < f->sec->n; i++) {
        const MhSection *x = &f->sec->s[i];
        if (x->id == MIG_SEC_DEVICE && f->s[x->off + 12] == strlen(name) &&
            !memcmp(f->s + x->off + 13, name, strlen(name)))
            return x;
    }
    ck_abort_msg("no section for %s", name);
    return NULL;
}

typedef struct Finder {
    const char *path;
    size_t pos, found;
} Finder;

static void find_visit(void *opaque, const char *path, const StateField *fl, const void *elem)
{
    Finder *fd = opaque;
    (void)elem;
    if (!strcmp(path, fd->path))
        fd->found = fd->pos;
    static const size_t w[] = { [ST_U8] = 1, [ST_U16] = 2, [ST_U32] = 4, [ST_U64] = 8, [ST_BOOL] = 1 };
    fd->pos += fl->type == ST_BYTES ? fl->count : w[fl->type];
}

/* Where the value of path sits in the stream. */
static size_t field_at(const Fixture *f, const Device *dev, const char *path)
{
    Finder fd = { path, 0, SIZE_MAX };
    state_walk(dev->cls->state, dev, dev->id, find_visit, &fd);
    ck_assert_msg(fd.found != SIZE_MAX, "no field %s", path);
    const MhSection *x = dev_section(f, dev->id);
    return x->off + 12 + 1 + strlen(dev->id) + fd.found;
}

/* Is byte i inside the 4096 data bytes of a page record? */
static bool in_page_data(const Fixture *f, size_t i)
{
    for (int k = 0; k < f->sec->n; k++) {
        const MhSection *x = &f->sec->s[k];
        if (x->id != MIG_SEC_RAM || i < x->off + 16 || i >= x->off + 12 + x->len)
            continue;
        size_t rel = (i - x->off - 16) % (5 + 4096); /* every record of a first round has data */
        return rel >= 5;
    }
    return false;
}

START_TEST(test_truncated_at_every_byte)
{
    Fixture f;
    fx_init(&f);
    /* every byte outside page data, and every 61st inside it (the cut
     * falls in the same mig_get either way) */
    for (size_t cut = 0; cut < f.len; cut++)
        if (!in_page_data(&f, cut) || cut % 61 == 0)
            refused(&f, f.s, cut, NULL);
    /* a cut inside the first page's data wrote RAM: that machine will not run */
    int r = mh_find(f.sec, MIG_SEC_RAM, 0);
    refused(&f, f.s, f.sec->s[r].off + 12 + 4 + 5 + 100, "truncated");
    ck_assert(f.dst->load_failed);
    char msg[256];
    ck_assert_int_eq(machine_run(f.dst, msg, sizeof msg), MACHINE_EXIT_HALTED);
    ck_assert_ptr_nonnull(strstr(msg, "not loaded completely"));
    /* the whole stream still loads into it afterwards, and then it runs */
    char err[256];
    ck_assert_msg(mh_load(f.dst, f.s, f.len, err) == 0, "%s", err);
    ck_assert(!f.dst->load_failed);
    mh_assert_same(f.src, f.dst);
    mh_run_until(f.src, 250000);
    mh_run_until(f.dst, 250000);
    mh_assert_same(f.src, f.dst);
    fx_free(&f);
}
END_TEST

START_TEST(test_every_byte_flipped)
{
    Fixture f;
    fx_init(&f);
    uint8_t *c = copy(&f);
    for (size_t i = 0; i < f.len; i++) {
        /* inside page data every 61st byte is enough: the checksum is what refuses those */
        if (in_page_data(&f, i) && i % 61)
            continue;
        c[i] ^= (uint8_t)(1u << (i % 8));
        refused(&f, c, f.len, NULL);
        c[i] = f.s[i];
    }
    free(c);
    fx_free(&f);
}
END_TEST

START_TEST(test_bad_header)
{
    Fixture f;
    fx_init(&f);
    uint8_t *c = copy(&f);
    static const struct { size_t off; uint32_t v; const char *what; } cases[] = {
        { 8, 3, "stream version 3" },
        { 8, 0, "stream version 0" },
        { 12, 24, "header of 24 bytes" },
        { 12, 0xFFFFFFFFu, "header of" },
        { 16, 2u << 20, "same -m" },
        { 16, 0xFFFFFFFFu, "same -m" },
        { 20, 0x20000, "another BIOS image" },
        { 28, 0x80, "unknown header flags" },
        { 28, 0, "other options" },
        { 32, 4, "other options" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t old[4];
        memcpy(old, c + cases[i].off, 4);
        mig_le_put(c + cases[i].off, cases[i].v, 4);
        refused(&f, c, f.len, cases[i].what);
        memcpy(c + cases[i].off, old, 4);
    }
    c[0] ^= 0x20;
    refused(&f, c, f.len, "bad magic");
    c[0] ^= 0x20;
    c[24] ^= 1; /* the ROM's CRC */
    refused(&f, c, f.len, "another BIOS image");
    c[24] ^= 1;
    refused(&f, c, 0, "truncated");
    free(c);

    /* the destination must have the source's RAM size */
    Machine *big = mh_new(2u << 20, true);
    char *before = mh_dump_machine(big), err[256];
    ck_assert_int_eq(mh_load(big, f.s, f.len, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "1024 KiB of RAM, this one 2048 KiB"));
    char *after = mh_dump_machine(big);
    ck_assert_str_eq(before, after);
    free(before);
    free(after);
    mh_free(big);
    fx_free(&f);
}
END_TEST

START_TEST(test_bad_sections)
{
    Fixture f;
    fx_init(&f);
    int ram = mh_find(f.sec, MIG_SEC_RAM, 0), cpu = mh_find(f.sec, MIG_SEC_CPU, 0);
    int clk = mh_find(f.sec, MIG_SEC_CLOCK, 0), end = mh_find(f.sec, MIG_SEC_END, 0);
    ck_assert(ram >= 0 && cpu > ram && clk == cpu + 1 && end == f.sec->n - 1);
    const MhSection *R = &f.sec->s[ram], *C = &f.sec->s[cpu], *K = &f.sec->s[clk], *E = &f.sec->s[end];
    const MhSection *P = dev_section(&f, "pit");
    uint8_t *c = copy(&f);
    size_t nl;
    uint8_t *n;

    /* unknown id, versions, lengths */
    mig_le_put(c + R->off, 9, 4);
    refused(&f, c, f.len, "unknown section id 9");
    mig_le_put(c + R->off, 0, 4);
    refused(&f, c, f.len, "unknown section id 0");
    memcpy(c, f.s, f.len);
    mig_le_put(c + P->off + 4, 99, 4);
    refused(&f, c, f.len, "section version 99");
    mig_le_put(c + P->off + 4, 0, 4);
    refused(&f, c, f.len, "section version 0");
    memcpy(c, f.s, f.len);
    mig_le_put(c + R->off + 4, 2, 4);
    refused(&f, c, f.len, "RAM section version 2");
    memcpy(c, f.s, f.len);
    mig_le_put(c + C->off + 8, 0xFFFFFFF0u, 4); /* never allocated: it disagrees with the description */
    refused(&f, c, f.len, "its description has");
    memcpy(c, f.s, f.len);
    uint8_t zero = 0;
    n = splice(f.s, f.len, C->off + 12 + C->len, 0, &zero, 1, &nl); /* one byte more, and said so */
    mig_le_put(n + C->off + 8, C->len + 1, 4);
    mh_fix_crc(n, nl);
    refused(&f, n, nl, "its description has");
    free(n);
    mig_le_put(c + P->off + 8, 0, 4);
    refused(&f, c, f.len, "device section of 0 bytes");
    memcpy(c, f.s, f.len);
    mig_le_put(c + E->off + 8, 8, 4);
    refused(&f, c, f.len, "end section");
    memcpy(c, f.s, f.len);

    /* RAM records */
    size_t rec = R->off + 16;
    mig_le_put(c + rec, 0xA0, 4); /* the hole */
    refused(&f, c, f.len, "page 160 is not RAM");
    mig_le_put(c + rec, 0xFFFFFFFFu, 4);
    refused(&f, c, f.len, "is not RAM");
    memcpy(c, f.s, f.len);
    c[rec + 4] = 7;
    refused(&f, c, f.len, "unknown page kind 7");
    memcpy(c, f.s, f.len);
    mig_le_put(c + R->off + 12, 0xFFFFFFFFu, 4);
    refused(&f, c, f.len, "cannot fit");
    uint32_t count = (uint32_t)mig_le_get(f.s + R->off + 12, 4);
    mig_le_put(c + R->off + 12, count - 1, 4);
    refused(&f, c, f.len, "left over");
    mig_le_put(c + R->off + 12, count + 1, 4);
    refused(&f, c, f.len, "past its length");
    memcpy(c, f.s, f.len);
    mig_le_put(c + R->off + 8, 3, 4);
    refused(&f, c, f.len, "RAM section of 3 bytes");
    memcpy(c, f.s, f.len);

    /* device names */
    c[P->off + 13 + 2] = 'x'; /* pit -> pix */
    refused(&f, c, f.len, "'pix', which this machine does not have");
    c[P->off + 13 + 2] = 0x07;
    refused(&f, c, f.len, "not printable");
    memcpy(c, f.s, f.len);
    c[P->off + 12] = 200; /* a name longer than the section */
    refused(&f, c, f.len, "a name of 200 bytes");
    c[P->off + 12] = 0;
    refused(&f, c, f.len, "a name of 0 bytes");
    free(c);

    /* duplicates */
    n = splice(f.s, f.len, C->off + 12 + C->len, 0, f.s + C->off, 12 + C->len, &nl);
    mh_fix_crc(n, nl);
    refused(&f, n, nl, "a second cpu section");
    free(n);
    n = splice(f.s, f.len, K->off + 12 + K->len, 0, f.s + K->off, 12 + K->len, &nl);
    mh_fix_crc(n, nl);
    refused(&f, n, nl, "a second clock section");
    free(n);
    n = splice(f.s, f.len, P->off + 12 + P->len, 0, f.s + P->off, 12 + P->len, &nl);
    mh_fix_crc(n, nl);
    refused(&f, n, nl, "a second section for device 'pit'");
    free(n);

    /* order: the clock before the CPU, RAM after the CPU */
    n = splice(f.s, f.len, C->off, 0, f.s + K->off, 12 + K->len, &nl); /* clock, cpu, clock */
    uint8_t *m2 = splice(n, nl, K->off + 12 + K->len, 12 + K->len, NULL, 0, &nl);
    mh_fix_crc(m2, nl);
    refused(&f, m2, nl, "out of order");
    free(n);
    free(m2);
    n = splice(f.s, f.len, C->off + 12 + C->len, 0, f.s + R->off, 12 + R->len, &nl);
    mh_fix_crc(n, nl);
    refused(&f, n, nl, "out of order");
    free(n);

    /* missing sections */
    n = splice(f.s, f.len, K->off, 12 + K->len, NULL, 0, &nl);
    mh_fix_crc(n, nl);
    refused(&f, n, nl, "no section for clock");
    free(n);
    const MhSection *T = dev_section(&f, "rtc");
    n = splice(f.s, f.len, T->off, 12 + T->len, NULL, 0, &nl);
    mh_fix_crc(n, nl);
    refused(&f, n, nl, "no section for rtc");
    free(n);
    n = splice(f.s, f.len, E->off, 16, NULL, 0, &nl); /* no end: truncated */
    refused(&f, n, nl, "truncated");
    free(n);

    /* bytes after the end */
    n = splice(f.s, f.len, f.len, 0, "x", 1, &nl);
    refused(&f, n, nl, "after the end section");
    free(n);
    fx_free(&f);
}
END_TEST

START_TEST(test_bad_values)
{
    Fixture f;
    fx_init(&f);
    uint8_t *c = copy(&f);
    const Device *pic = &f.src->pic.dev, *uart = &f.src->uart[0].dev;

    /* a value state_set refuses: a bool of 2, with a good checksum */
    c[field_at(&f, pic, "pic.intr")] = 2;
    mh_fix_crc(c, f.len);
    refused(&f, c, f.len, "pic.intr: value 2 does not fit");
    memcpy(c, f.s, f.len);
    c[field_at(&f, uart, "com1.thre_armed")] = 0xFF;
    mh_fix_crc(c, f.len);
    refused(&f, c, f.len, "com1.thre_armed");
    memcpy(c, f.s, f.len);

    /* a state the device could never reach: its post_load refuses it, and
     * every device keeps its own state */
    c[field_at(&f, pic, "pic.chip[0].lowest")] = 9;
    mh_fix_crc(c, f.len);
    refused(&f, c, f.len, "invalid 8259 state");
    memcpy(c, f.s, f.len);
    c[field_at(&f, uart, "com1.rx_count")] = 200;
    mh_fix_crc(c, f.len);
    refused(&f, c, f.len, "invalid 16550A state");
    memcpy(c, f.s, f.len);

    /* a CPU that could not be */
    int cpu = mh_find(f.sec, MIG_SEC_CPU, 0);
    size_t eflags = f.sec->s[cpu].off + 12 + 8 * 4 + 4; /* after r[8] and eip */
    c[eflags] |= 1u << 3;
    mh_fix_crc(c, f.len);
    refused(&f, c, f.len, "cpu: impossible state: EFLAGS");
    memcpy(c, f.s, f.len);

    /* a clock that could not be */
    int clk = mh_find(f.sec, MIG_SEC_CLOCK, 0);
    c[f.sec->s[clk].off + 12 + 1] = 11; /* shift */
    mh_fix_crc(c, f.len);
    refused(&f, c, f.len, "clock: impossible");
    memcpy(c, f.s, f.len);

    /* the checksum: a changed page byte goes unnoticed until the end,
     * after RAM was written: refused, and the machine will not run */
    int ram = mh_find(f.sec, MIG_SEC_RAM, 0);
    c[f.sec->s[ram].off + 12 + 4 + 5 + 7] ^= 0x40;
    refused(&f, c, f.len, "checksum mismatch");
    ck_assert(f.dst->load_failed);
    free(c);
    fx_free(&f);
}
END_TEST

/* Random edits of 1-8 bytes anywhere outside page data, the checksum
 * recomputed so that the deeper checks are what meets them: every stream
 * is refused or, if every value is one the machine could hold, loaded into
 * a machine that then runs (whatever the guest does with it) without the
 * emulator crashing. */
START_TEST(test_random_edits_with_good_checksum)
{
    Fixture f;
    fx_init(&f);
    uint8_t *c = copy(&f);
    uint32_t x = 12345;
    int accepted = 0, refusals = 0;
    Machine *d = NULL;
    for (int it = 0; it < 400; it++) {
        memcpy(c, f.s, f.len);
        int nedits = 1 + (int)(x % 8);
        for (int e = 0; e < nedits; e++) {
            x = x * 1103515245u + 12345u;
            int k = (int)((x >> 8) % (uint32_t)f.sec->n);
            const MhSection *s = &f.sec->s[k];
            size_t span = s->id == MIG_SEC_RAM ? 16 + 5 : 12 + s->len; /* header and first record */
            x = x * 1103515245u + 12345u;
            size_t at = s->off + (x >> 8) % span;
            x = x * 1103515245u + 12345u;
            c[at] = (uint8_t)(x >> 16);
        }
        mh_fix_crc(c, f.len);
        char err[256];
        if (!d)
            d = mh_new(1u << 20, true);
        if (mh_load(d, c, f.len, err) == 0) {
            accepted++;
            *(uint64_t *)d->cfg.slice_opaque = e386_insn_count(d->cpu) + 20000;
            char msg[256];
            machine_run(d, msg, sizeof msg);
            mh_free(d); /* ran: the next stream gets a fresh machine */
            d = NULL;
        } else {
            refusals++;
            ck_assert(err[0] != '\0');
        }
    }
    if (d)
        mh_free(d);
    ck_assert_int_gt(refusals, 0);
    ck_assert_int_eq(accepted + refusals, 400);
    free(c);
    fx_free(&f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("migration_hostile");
    TCase *tc = tcase_create("hostile");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_truncated_at_every_byte);
    tcase_add_test(tc, test_every_byte_flipped);
    tcase_add_test(tc, test_bad_header);
    tcase_add_test(tc, test_bad_sections);
    tcase_add_test(tc, test_bad_values);
    tcase_add_test(tc, test_random_edits_with_good_checksum);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
