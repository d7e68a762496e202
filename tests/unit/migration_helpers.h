/* Shared by test_migration.c and test_migration_hostile.c: a small guest
 * (a ROM written here byte by byte) on a whole machine under -icount,
 * saving and loading through memory, comparing two machines through the
 * state descriptions, and picking a stream apart into its sections. */
#ifndef E386_TEST_MIGRATION_HELPERS_H
#define E386_TEST_MIGRATION_HELPERS_H
#define _POSIX_C_SOURCE 200809L /* open_memstream, mkstemp, socketpair */
#include <check.h>
#include "unit_main.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "core/cpu_state.h"
#include "migration/crc32.h"
#include "migration/migration.h"
#include "system/machine.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MH_HAS_ASAN 1
#endif
#endif
#ifndef MH_HAS_ASAN
#define MH_HAS_ASAN 0
#endif

enum { MH_ROM = 0x10000, MH_MAIN = 0xE000, MH_HANDLER = 0xE100, MH_STOP = 200 };

/* Real mode: IRQ 0 from the PIT (count 256) counts ticks at 0x500; the
 * main loop fills the next 1 KiB of 0x20000-0x2FFFF with the tick count
 * (rep stosw, DI running on and wrapping), adds
 * 1.0 to the x87's ST0, prints 'A' + (ticks & 15) on port 0xE9 and counts
 * its rounds at 0x502. */
static inline void mh_rom(uint8_t *b)
{
    memset(b, 0xF4, MH_ROM);
    static const uint8_t reset[] = { 0xEA, MH_MAIN & 0xFF, MH_MAIN >> 8, 0x00, 0xF0 };
    memcpy(b + 0xFFF0, reset, sizeof reset);
    static const uint8_t main_code[] = {
        0x31, 0xC0, 0x8E, 0xD8, 0x8E, 0xD0, 0xBC, 0x00, 0x70,       /* ds = ss = 0, sp = 0x7000 */
        0xC7, 0x06, 0x20, 0x00, MH_HANDLER & 0xFF, MH_HANDLER >> 8, /* IVT[8] = F000:HANDLER */
        0xC7, 0x06, 0x22, 0x00, 0x00, 0xF0,
        0xB0, 0x11, 0xE6, 0x20, 0xB0, 0x08, 0xE6, 0x21,             /* PIC: ICW1-4, only IRQ 0 */
        0xB0, 0x04, 0xE6, 0x21, 0xB0, 0x01, 0xE6, 0x21, 0xB0, 0xFE, 0xE6, 0x21,
        0xB0, 0x34, 0xE6, 0x43, 0xB0, 0x00, 0xE6, 0x40, 0xB0, 0x01, 0xE6, 0x40, /* PIT 0: mode 2, 256 */
        0xDB, 0xE3, 0xD9, 0xE8, 0xD9, 0xEB, 0xDE, 0xC1,             /* fninit; fld1; fldpi; faddp */
        0xB8, 0x00, 0x20, 0x8E, 0xC0,                               /* es = 0x2000 */
        0xFB,                                                       /* sti */
        /* top: */
        0xA1, 0x00, 0x05,                                           /* mov ax, [0x500] */
        0xB9, 0x00, 0x02,                                           /* mov cx, 0x200 */
        0xF3, 0xAB,                                                 /* rep stosw */
        0xD9, 0xE8, 0xDE, 0xC1,                                     /* fld1; faddp */
        0x24, 0x0F, 0x04, 0x41, 0xE6, 0xE9,                         /* out 0xE9, 'A' + (al & 15) */
        0xFF, 0x06, 0x02, 0x05,                                     /* inc word [0x502] */
        0xEB, (uint8_t)-24,                                         /* jmp top */
    };
    memcpy(b + MH_MAIN, main_code, sizeof main_code);
    static const uint8_t handler[] = {
        0x50, 0xFF, 0x06, 0x00, 0x05, 0xB0, 0x20, 0xE6, 0x20, 0x58, 0xCF, /* ticks++, EOI, iret */
    };
    memcpy(b + MH_HANDLER, handler, sizeof handler);
}

static inline void mh_stop_hook(Machine *m, void *opaque)
{
    if (e386_insn_count(m->cpu) >= *(uint64_t *)opaque)
        machine_request_exit(m, MH_STOP);
}

static inline Machine *mh_new(uint32_t ram, bool incoming)
{
    uint8_t *rom = malloc(MH_ROM);
    ck_assert_ptr_nonnull(rom);
    mh_rom(rom);
    uint64_t *stop = malloc(sizeof *stop);
    *stop = UINT64_MAX;
    MachineConfig cfg = { .ram_size = ram, .no_reboot = true, .console = tmpfile(), .icount = true,
                          .icount_shift = 3, .incoming = incoming, .slice_hook = mh_stop_hook,
                          .slice_opaque = stop, .serial = { NULL, NULL } };
    ck_assert_ptr_nonnull(cfg.console);
    BiosImage img = { rom, MH_ROM };
    char err[256];
    Machine *m = machine_new(&cfg, &img, err, sizeof err);
    ck_assert_msg(m != NULL, "%s", err);
    free(rom);
    return m;
}

static inline void mh_free(Machine *m)
{
    FILE *con = m->cfg.console;
    void *stop = m->cfg.slice_opaque;
    machine_free(m);
    fclose(con);
    free(stop);
}

static inline void mh_run_until(Machine *m, uint64_t insn)
{
    *(uint64_t *)m->cfg.slice_opaque = insn;
    char msg[256];
    int st = machine_run(m, msg, sizeof msg);
    ck_assert_msg(st == MH_STOP, "run ended with %d: %s", st, msg);
}

static inline uint8_t *mh_save_stats(Machine *m, MigStats *st, size_t *len)
{
    MigWriter *w = malloc(sizeof *w);
    mig_writer_init_mem(w);
    char err[256];
    ck_assert_msg(machine_save(m, w, st, err, sizeof err) == 0, "%s", err);
    uint8_t *s = w->mem;
    *len = w->mem_len;
    free(w);
    return s;
}

static inline uint8_t *mh_save(Machine *m, size_t *len)
{
    MigStats st;
    return mh_save_stats(m, &st, len);
}

static inline int mh_load(Machine *m, const uint8_t *s, size_t len, char *err)
{
    MigReader *r = malloc(sizeof *r);
    mig_reader_init_mem(r, s, len);
    int rc = machine_load(m, r, NULL, err, 256);
    free(r);
    return rc;
}

static inline char *mh_dump_desc(const StateDesc *d, const void *base)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    state_dump(f, d->name, d, base);
    fclose(f);
    return buf;
}

/* The CPU, the clock and every device, as the descriptions see them. */
static inline char *mh_dump_machine(Machine *m)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    E386CpuState cs;
    e386_cpu_state_save(m->cpu, &cs);
    state_dump(f, "cpu", e386_cpu_state_desc(), &cs);
    MigClockState ck;
    mig_clock_save(&m->clock, &ck);
    state_dump(f, "clock", mig_clock_desc(), &ck);
    machine_dump_state(m, f);
    fclose(f);
    return buf;
}

static inline const uint8_t *mh_ram_page(Machine *m, uint32_t pn)
{
    return e386_mem_ptr(m->cpu, pn * 4096u, 4096);
}

static inline bool mh_page_zero(const uint8_t *p)
{
    for (int i = 0; i < 4096; i++)
        if (p[i])
            return false;
    return true;
}

/* Pages of low RAM and RAM above 1 MiB that differ. */
static inline int mh_ram_diff_pages(Machine *a, Machine *b)
{
    int n = 0;
    for (uint32_t pn = 0; pn < a->cfg.ram_size / 4096; pn++) {
        if (pn >= 0xA0 && pn < 0x100)
            continue;
        const uint8_t *x = mh_ram_page(a, pn), *y = mh_ram_page(b, pn);
        loop_assert(x && y);
        n += memcmp(x, y, 4096) != 0;
    }
    return n;
}

static inline void mh_assert_same(Machine *a, Machine *b)
{
    char *da = mh_dump_machine(a), *db = mh_dump_machine(b);
    ck_assert_str_eq(da, db);
    free(da);
    free(db);
    ck_assert_int_eq(mh_ram_diff_pages(a, b), 0);
}

/* Both machines run on to instruction insn and are then alike: every
 * described field, RAM, and the very bytes of the stream each saves. */
static inline void mh_assert_run_on_alike(Machine *a, Machine *b, uint64_t insn)
{
    mh_run_until(a, insn);
    mh_run_until(b, insn);
    mh_assert_same(a, b);
    size_t l1, l2;
    uint8_t *s1 = mh_save(a, &l1), *s2 = mh_save(b, &l2);
    ck_assert_uint_eq(l1, l2);
    ck_assert(memcmp(s1, s2, l1) == 0);
    free(s1);
    free(s2);
}

/* The console output from byte `from` on. */
static inline char *mh_console(Machine *m, long from)
{
    FILE *f = m->cfg.console;
    fflush(f);
    long end = ftell(f);
    ck_assert_int_ge(end, from);
    char *s = calloc(1, (size_t)(end - from) + 1);
    fseek(f, from, SEEK_SET);
    size_t got = fread(s, 1, (size_t)(end - from), f);
    ck_assert_uint_eq(got, (size_t)(end - from));
    fseek(f, end, SEEK_SET);
    return s;
}

/* A stream's sections: offset of the section header, id, version, length. */
typedef struct MhSection {
    size_t off;
    uint32_t id, version, len;
} MhSection;
typedef struct MhSections {
    MhSection s[4096];
    int n;
} MhSections;

enum { MH_HEADER = 36 };

static inline void mh_parse(const uint8_t *s, size_t len, MhSections *out)
{
    out->n = 0;
    size_t off = MH_HEADER;
    while (off + 12 <= len) {
        ck_assert_int_lt(out->n, 4096);
        MhSection *x = &out->s[out->n++];
        x->off = off;
        x->id = (uint32_t)mig_le_get(s + off, 4);
        x->version = (uint32_t)mig_le_get(s + off + 4, 4);
        x->len = (uint32_t)mig_le_get(s + off + 8, 4);
        off += 12 + x->len;
    }
    ck_assert_uint_eq(off, len);
}

static inline int mh_find(const MhSections *sec, uint32_t id, int nth)
{
    for (int i = 0; i < sec->n; i++)
        if (sec->s[i].id == id && nth-- == 0)
            return i;
    return -1;
}

/* Recompute the end section's checksum after an edit. */
static inline void mh_fix_crc(uint8_t *s, size_t len)
{
    mig_le_put(s + len - 4, mig_crc32(0, s, len - 4), 4);
}
#endif
