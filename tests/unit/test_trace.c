/* The irqsoff tracer's parts on their own (src/trace, docs/tracing.md):
 * the System.map parser against hostile input (garbage, NULs, every
 * truncation, huge names and addresses, no newline), the ELF .symtab
 * reader (every truncation, every byte changed), lookups at the
 * edges, the stretch bookkeeping fed edges by hand (maximum, ties,
 * threshold records and their bound, a reset, the trace ring's wrap),
 * and the ftrace formatter's header and lines. */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include "unit_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "trace/ftrace.h"
#include "trace/irqsoff.h"
#include "trace/symmap.h"

static const char MAP[] = "c1000000 T _text\n"
                          "c1000100 t helper\n"
                          "c1000000 T startup_32\n" /* a second name at one address: the first wins */
                          "c1000200 W weak_fn\r\n"
                          "C1000300 T upper_hex\n"
                          "c1000400 T last";        /* no newline at the end */

static SymMap parse_ok(const char *text, size_t len)
{
    SymMap m;
    char err[256] = "";
    ck_assert_msg(symmap_parse(&m, text, len, err, sizeof err) == 0, "%s", err);
    return m;
}

START_TEST(test_map_parse)
{
    SymMap m = parse_ok(MAP, strlen(MAP));
    ck_assert_uint_eq(m.nsyms, 5);
    ck_assert_uint_eq(m.bad_lines, 0);
    uint32_t off, size;
    ck_assert_str_eq(symmap_lookup(&m, 0xc1000000, &off, &size), "_text");
    ck_assert_uint_eq(off, 0);
    ck_assert_uint_eq(size, 0x100);
    ck_assert_str_eq(symmap_lookup(&m, 0xc10001ff, &off, &size), "helper");
    ck_assert_uint_eq(off, 0xff);
    ck_assert_str_eq(symmap_lookup(&m, 0xc1000250, &off, &size), "weak_fn"); /* the \r is not in the name */
    ck_assert_str_eq(symmap_lookup(&m, 0xc1000300, &off, &size), "upper_hex");
    ck_assert_str_eq(symmap_lookup(&m, 0xffffffff, &off, &size), "last");
    ck_assert_uint_eq(size, 0); /* the last one's size is unknown */
    ck_assert_ptr_null(symmap_lookup(&m, 0xc0ffffff, &off, &size));
    char buf[64];
    ck_assert_str_eq(symmap_format(&m, 0xc1000104, 1, buf, sizeof buf), "helper+0x4/0x100");
    ck_assert_str_eq(symmap_format(&m, 0xc1000104, 0, buf, sizeof buf), "helper");
    ck_assert_str_eq(symmap_format(&m, 0x10, 1, buf, sizeof buf), "0x00000010");
    ck_assert_str_eq(symmap_format(NULL, 0x10, 1, buf, sizeof buf), "0x00000010");
    char tiny[4];
    symmap_format(&m, 0xc1000104, 1, tiny, sizeof tiny); /* cut, never overrun */
    ck_assert_str_eq(tiny, "hel");
    symmap_free(&m);
    symmap_free(&m); /* twice is harmless */
}
END_TEST

START_TEST(test_map_hostile)
{
    static const char *const bad[] = {
        "",                       /* empty: valid, no symbols */
        "\n\n\n",
        "zzzz T name\n",          /* not hex */
        "c1000000\n",             /* no type, no name */
        "c1000000 T\n",           /* no name */
        "c1000000 TT name\n",     /* a type of two letters */
        "1c1000000 T too_big\n",  /* above 4 GiB */
        "ffffffffffffffffff T x\n", /* 18 digits */
        "c1000000T glued\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        SymMap m = parse_ok(bad[i], strlen(bad[i]));
        ck_assert_msg(m.nsyms == 0, "case %zu gave %zu symbols", i, m.nsyms);
        symmap_free(&m);
    }
    /* NULs and bytes above 0x7f in a line: that line only is lost or cut */
    const char nul[] = "c1000000 T a\0b\nc1000010 T after\n\xff\xfe garbage\n";
    SymMap m = parse_ok(nul, sizeof nul - 1);
    ck_assert_uint_eq(m.nsyms, 2);
    uint32_t off, size;
    ck_assert_str_eq(symmap_lookup(&m, 0xc1000000, &off, &size), "a");
    ck_assert_str_eq(symmap_lookup(&m, 0xc1000010, &off, &size), "after");
    symmap_free(&m);
    /* a name of 100000 characters is cut to SYMMAP_MAX_NAME */
    size_t n = 100000;
    char *big = malloc(n + 32);
    ck_assert_ptr_nonnull(big);
    int h = snprintf(big, 32, "00001000 T ");
    memset(big + h, 'x', n);
    m = parse_ok(big, (size_t)h + n);
    ck_assert_uint_eq(m.nsyms, 1);
    ck_assert_uint_eq(strlen(symmap_lookup(&m, 0x1000, &off, &size)), SYMMAP_MAX_NAME);
    symmap_free(&m);
    /* random bytes: no crash, whatever it finds is sorted */
    srand(14);
    for (int round = 0; round < 200; round++) {
        size_t len = (size_t)(rand() % 4096);
        for (size_t i = 0; i < len; i++)
            big[i] = (char)(rand() % 4 == 0 ? '\n' : rand() % 3 == 0 ? ' ' : "0123456789abcdefT"[rand() % 17]);
        m = parse_ok(big, len);
        for (size_t i = 1; i < m.nsyms; i++)
            ck_assert(m.syms[i - 1].addr < m.syms[i].addr);
        symmap_free(&m);
    }
    free(big);
    /* every truncation of a valid map */
    for (size_t len = 0; len <= strlen(MAP); len++) {
        m = parse_ok(MAP, len);
        ck_assert(m.nsyms <= 5);
        symmap_free(&m);
    }
    /* a missing file is an error with its name */
    char err[256] = "";
    ck_assert_int_eq(symmap_load(&m, "/nonexistent/System.map", err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/System.map"));
}
END_TEST

/* ---- ELF ---- */

static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, v); put16(p + 2, v >> 16); }

/* A minimal ELF32 file: header, .strtab, .symtab (null, f1 FUNC at
 * 0xc1000000, lab NOTYPE at 0xc1000040, obj OBJECT (left out), und
 * undefined (left out)), then three section headers (null, symtab,
 * strtab).  Its length in *len. */
static uint8_t *tiny_elf(size_t *len)
{
    static const char strs[] = "\0f1\0lab\0obj\0und";
    enum { STR = 52, SYM = 64, SH = SYM + 5 * 16, N = SH + 3 * 40 };
    uint8_t *f = calloc(1, N);
    ck_assert_ptr_nonnull(f);
    memcpy(f, "\x7f" "ELF", 4);
    f[4] = 1; /* ELFCLASS32 */
    f[5] = 1; /* little-endian */
    f[6] = 1;
    put16(f + 16, 2);  /* ET_EXEC */
    put16(f + 18, 3);  /* EM_386 */
    put32(f + 32, SH); /* e_shoff */
    put16(f + 40, 52);
    put16(f + 46, 40); /* e_shentsize */
    put16(f + 48, 3);  /* e_shnum */
    memcpy(f + STR, strs, sizeof strs);
    const struct { uint32_t name, value; uint8_t info; uint16_t shndx; } syms[5] = {
        { 0, 0, 0, 0 }, { 1, 0xc1000000, 0x12, 1 }, { 4, 0xc1000040, 0x00, 1 },
        { 8, 0xc1000080, 0x11, 1 }, { 12, 0xc10000c0, 0x12, 0 },
    };
    for (int i = 0; i < 5; i++) {
        put32(f + SYM + 16 * i, syms[i].name);
        put32(f + SYM + 16 * i + 4, syms[i].value);
        f[SYM + 16 * i + 12] = syms[i].info;
        put16(f + SYM + 16 * i + 14, syms[i].shndx);
    }
    uint8_t *sh = f + SH + 40; /* [1] .symtab, linked to [2] */
    put32(sh + 4, 2);
    put32(sh + 16, SYM);
    put32(sh + 20, 5 * 16);
    put32(sh + 24, 2);
    put32(sh + 36, 16);
    sh += 40; /* [2] .strtab */
    put32(sh + 4, 3);
    put32(sh + 16, STR);
    put32(sh + 20, sizeof strs);
    *len = N;
    return f;
}

START_TEST(test_elf_symbols)
{
    size_t len;
    uint8_t *f = tiny_elf(&len);
    SymMap m;
    char err[256] = "";
    ck_assert_msg(symmap_parse_elf(&m, f, len, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq(m.nsyms, 2);
    uint32_t off, size;
    ck_assert_str_eq(symmap_lookup(&m, 0xc1000010, &off, &size), "f1");
    ck_assert_uint_eq(size, 0x40);
    ck_assert_str_eq(symmap_lookup(&m, 0xc1000100, &off, &size), "lab");
    symmap_free(&m);
    /* hostile: every truncation and every single-byte change parse or
     * fail with a message, never read outside the buffer (ASan) */
    for (size_t l = 0; l < len; l++) {
        uint8_t *t = malloc(l ? l : 1);
        memcpy(t, f, l);
        if (symmap_parse_elf(&m, t, l, err, sizeof err) == 0)
            symmap_free(&m);
        free(t);
    }
    for (size_t i = 0; i < len; i++) {
        for (int v = 0; v < 3; v++) {
            uint8_t save = f[i];
            f[i] = v == 0 ? 0xff : v == 1 ? 0x00 : (uint8_t)(save ^ 0x80);
            if (symmap_parse_elf(&m, f, len, err, sizeof err) == 0)
                symmap_free(&m);
            f[i] = save;
        }
    }
    /* too short for a header: refused with a message */
    ck_assert_int_eq(symmap_parse_elf(&m, f, 3, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "ELF"));
    free(f);
}
END_TEST

/* ---- the bookkeeping ---- */

static uint64_t clock_x8(void *opaque, uint64_t insns)
{
    (void)opaque;
    return insns * 8;
}

static void edge(Irqsoff *t, int on, int cause, uint64_t insns, uint32_t eip)
{
    e386_if_edge e = { .on = on, .cause = cause, .insns = insns, .eip = eip };
    irqsoff_on_edge(t, &e);
}

/* An Irqsoff armed without a CPU: the hooks are called by hand. */
static void arm(Irqsoff *t, uint64_t thresh, bool trace)
{
    irqsoff_init(t, NULL, clock_x8, NULL);
    if (thresh && !(t->records = calloc(IRQSOFF_MAX_RECORDS, sizeof *t->records)))
        ck_abort();
    if (trace) {
        t->trace_cur.steps = calloc(IRQSOFF_TRACE_MAX, sizeof(IrqsoffStep));
        t->trace_max.steps = calloc(IRQSOFF_TRACE_MAX, sizeof(IrqsoffStep));
    }
    t->cfg = (IrqsoffConfig){ .thresh_ns = thresh, .trace = trace };
}

START_TEST(test_stretches)
{
    Irqsoff t;
    arm(&t, 80, false);
    edge(&t, 1, E386_IF_CLI_STI, 5, 0x10);         /* IF set with nothing open: nothing */
    ck_assert_uint_eq(t.count, 0);
    edge(&t, 0, E386_IF_CLI_STI, 100, 0x100);      /* cli */
    edge(&t, 1, E386_IF_CLI_STI, 111, 0x10b);      /* sti: 11 */
    edge(&t, 0, E386_IF_GATE, 200, 0x300);
    edge(&t, 1, E386_IF_IRET, 231, 0x31e);         /* 31 */
    edge(&t, 0, E386_IF_POPF, 300, 0x400);
    edge(&t, 1, E386_IF_POPF, 331, 0x41e);         /* 31 again: a tie keeps the first */
    edge(&t, 0, E386_IF_CLI_STI, 400, 0x500);
    edge(&t, 0, E386_IF_RESET, 405, 0xfff0);       /* a reset: that stretch is gone */
    edge(&t, 1, E386_IF_CLI_STI, 900, 0x600);
    edge(&t, 0, E386_IF_OTHER, 950, 0x700);       /* a loaded state: no start either */
    edge(&t, 1, E386_IF_CLI_STI, 5000, 0x800);
    ck_assert_uint_eq(t.count, 3);
    ck_assert(t.have_max);
    ck_assert_uint_eq(t.max.insns, 31);
    ck_assert_uint_eq(t.max.ns, 248);
    ck_assert_uint_eq(t.max.start_eip, 0x300);
    ck_assert_uint_eq(t.max.end_eip, 0x31e);
    ck_assert_uint_eq(t.max.start_cause, E386_IF_GATE);
    ck_assert_uint_eq(t.nrecords, 3); /* 88, 248 and 248 ns are all >= 80 */
    ck_assert_uint_eq(t.records[0].insns, 11);
    irqsoff_reset(&t);
    ck_assert(!t.have_max);
    ck_assert_uint_eq(t.count + t.nrecords, 0);
    /* the record list is bounded: the rest is counted */
    for (uint64_t i = 0; i < IRQSOFF_MAX_RECORDS + 7; i++) {
        edge(&t, 0, E386_IF_CLI_STI, 1000 * i, 1);
        edge(&t, 1, E386_IF_CLI_STI, 1000 * i + 20, 2);
    }
    ck_assert_uint_eq(t.nrecords, IRQSOFF_MAX_RECORDS);
    ck_assert_uint_eq(t.dropped, 7);
    irqsoff_free(&t);
}
END_TEST

START_TEST(test_trace_ring)
{
    Irqsoff t;
    arm(&t, 0, true);
    irqsoff_on_step(&t, 0x1, 1); /* nothing open: not kept */
    ck_assert_uint_eq(t.trace_cur.total, 0);
    edge(&t, 0, E386_IF_CLI_STI, 10, 0x100);
    for (uint32_t i = 0; i < 5; i++)
        irqsoff_on_step(&t, 0x101 + i, 10 + i);
    edge(&t, 1, E386_IF_CLI_STI, 16, 0x106);
    ck_assert_uint_eq(t.trace_max.total, 5); /* swapped in with the maximum */
    ck_assert_uint_eq(t.trace_max.steps[4].eip, 0x105);
    ck_assert_uint_eq(t.trace_cur.total, 0);
    /* a longer one wraps the ring: the last IRQSOFF_TRACE_MAX are kept */
    uint64_t n = IRQSOFF_TRACE_MAX + 10;
    edge(&t, 0, E386_IF_CLI_STI, 100, 0x200);
    for (uint64_t i = 0; i < n; i++)
        irqsoff_on_step(&t, (uint32_t)(0x1000 + i), 100 + i);
    edge(&t, 1, E386_IF_CLI_STI, 100 + n + 1, 0x300);
    ck_assert_uint_eq(t.trace_max.total, n);
    ck_assert_uint_eq(t.trace_max.steps[t.trace_max.head].eip, 0x1000 + 10); /* the oldest kept */
    /* the report says what was kept */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ftrace_irqsoff_report(&t, NULL, "unit", f);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(text, "the trace keeps the last 65536 of 65546 instructions"));
    free(text);
    irqsoff_free(&t);
}
END_TEST

static char *report(const Irqsoff *t, const SymMap *m)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(f);
    ftrace_irqsoff_report(t, m, "6.1.0-test", f);
    fclose(f);
    return text;
}

START_TEST(test_ftrace_format)
{
    Irqsoff t;
    arm(&t, 0, true);
    char *text = report(&t, NULL); /* nothing measured: the header, latency 0, no lines */
    ck_assert_ptr_nonnull(strstr(text, "# tracer: irqsoff\n#\n# irqsoff latency trace v1.1.5 on 6.1.0-test\n"));
    ck_assert_ptr_nonnull(strstr(text, "# latency: 0 us, #0/0, CPU#0 | (M:server VP:0, KP:0, SP:0 HP:0 #P:1)\n"));
    ck_assert_ptr_null(strstr(text, "started at"));
    ck_assert_ptr_null(strstr(text, "0d..."));
    free(text);

    SymMap m = parse_ok(MAP, strlen(MAP));
    /* cli in _text at +0x10; _text, then helper for 200 instructions,
     * then back in _text (+0x20) for the sti: 1000 instructions, 8 us */
    edge(&t, 0, E386_IF_CLI_STI, 1000, 0xc1000010);
    irqsoff_on_step(&t, 0xc1000011, 1000);
    irqsoff_on_step(&t, 0xc1000100, 1001);
    for (int i = 0; i < 200; i++)
        irqsoff_on_step(&t, 0xc1000104, 1002 + (uint64_t)i);
    irqsoff_on_step(&t, 0xc1000020, 1999);
    edge(&t, 1, E386_IF_CLI_STI, 2000, 0xc1000020);
    text = report(&t, &m);
    ck_assert_ptr_nonnull(strstr(text, "# latency: 8 us, #4/4, CPU#0 |"));
    ck_assert_ptr_nonnull(strstr(text, "#  => started at: _text+0x10/0x100\n"));
    ck_assert_ptr_nonnull(strstr(text, "#  => ended at:   _text+0x20/0x100\n"));
    ck_assert_ptr_nonnull(strstr(text, "#  => emu386: 1000 instructions, 8000 ns, cli at eip 0xc1000010"));
    /* ftrace's lines: time from the start in us, the delay mark ('+' over
     * 10 us to the next, '!' over 100 us), function <-caller */
    ck_assert_ptr_nonnull(strstr(text, " guest-0       0d...     0us : trace_hardirqs_off <-_text\n"
                                       " guest-0       0d...     0us : helper <-_text\n"
                                       " guest-0       0d...     7us : _text <-helper\n"
                                       " guest-0       0d...     8us : trace_hardirqs_on <-_text\n"));
    free(text);
    symmap_free(&m);
    irqsoff_free(&t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("trace");
    TCase *tc = tcase_create("trace");
    tcase_set_timeout(tc, 60); /* a hang guard */
    tcase_add_test(tc, test_map_parse);
    tcase_add_test(tc, test_map_hostile);
    tcase_add_test(tc, test_elf_symbols);
    tcase_add_test(tc, test_stretches);
    tcase_add_test(tc, test_trace_ring);
    tcase_add_test(tc, test_ftrace_format);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
