/* Snapshots and migration of whole machines in one process: a guest that
 * takes timer interrupts, uses the x87 and rewrites memory is saved,
 * loaded into a second machine, compared field by field through the
 * descriptions (and RAM byte by byte), and both run on identically; zero
 * pages are never sent and never written (the bug history of
 * ../shared/BRIEF.md section 4); hostile streams (test_migration_hostile.c)
 * share the helpers of migration_helpers.h. */
#include "migration_helpers.h"

START_TEST(test_crc32_known_vector)
{
    ck_assert_uint_eq(mig_crc32(0, "123456789", 9), 0xCBF43926u);
    ck_assert_uint_eq(mig_crc32(mig_crc32(0, "1234", 4), "56789", 5), 0xCBF43926u);
}
END_TEST

START_TEST(test_cpu_state_roundtrip_every_field)
{
    Machine *m = mh_new(1u << 20, false);
    E386CpuState a, b;
    e386_cpu_state_save(m->cpu, &a);
    /* every general, debug and x87 register and the counters changed */
    for (int i = 0; i < 8; i++) {
        a.r[i] = 0x11111111u * (uint32_t)(i + 1);
        a.dr[i] = i == 6 ? 0xffff0ff1u : i == 7 ? 0x401u : 0x1000u * (uint32_t)i;
        for (int k = 0; k < 10; k++)
            a.fpu_st[i][k] = (uint8_t)(i * 16 + k + 1);
    }
    a.eip = 0x1234;
    a.eflags = 0x00000ad7u; /* OF DF IF TF SF ZF AF PF CF and bit 1 */
    a.cr2 = 0xdeadb000u;
    a.icount = 123456789;
    a.tsc_offset = 0x123456789abcull;
    a.fpu_cw = 0x037f;
    a.fpu_sw = 0x3800;
    a.fpu_tw = 0x0fff;
    a.fpu_fop = 0x7ff;
    a.fpu_fip = 0x12345;
    a.fpu_fdp = 0x6789a;
    a.fpu_fcs = 0xf000;
    a.fpu_fds = 0x0040;
    a.seg[3].base = 0x4560;
    a.seg[3].sel = 0x456;
    a.halted = 1;
    a.nmi_blocked = 1;
    a.irq_shadow = 1;
    char err[256];
    ck_assert_msg(e386_cpu_state_load(m->cpu, &a, err, sizeof err) == 0, "%s", err);
    e386_cpu_state_save(m->cpu, &b);
    char *da = mh_dump_desc(e386_cpu_state_desc(), &a), *db = mh_dump_desc(e386_cpu_state_desc(), &b);
    ck_assert_str_eq(da, db);
    free(da);
    free(db);

    /* a state the CPU could never be in is refused and changes nothing */
    E386CpuState bad = a;
    bad.eflags |= 1u << 3;
    ck_assert_int_eq(e386_cpu_state_load(m->cpu, &bad, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "EFLAGS"));
    bad = a;
    bad.cpl = 3; /* in real mode */
    ck_assert_int_eq(e386_cpu_state_load(m->cpu, &bad, err, sizeof err), -1);
    bad = a;
    bad.seg[1].flat = 1; /* CS base 0xF0000 cannot be flat */
    ck_assert_int_eq(e386_cpu_state_load(m->cpu, &bad, err, sizeof err), -1);
    bad = a;
    bad.cr0 |= 0x80000000u; /* PG without PE */
    ck_assert_int_eq(e386_cpu_state_load(m->cpu, &bad, err, sizeof err), -1);
    e386_cpu_state_save(m->cpu, &b);
    da = mh_dump_desc(e386_cpu_state_desc(), &a);
    db = mh_dump_desc(e386_cpu_state_desc(), &b);
    ck_assert_str_eq(da, db);
    free(da);
    free(db);
    mh_free(m);
}
END_TEST

/* A load from inside the run (an interrupt hook) is refused: the engine
 * is using the state it would replace. */
static int load_in_hook(E386Cpu *cpu, int vector, void *opaque)
{
    (void)vector;
    E386CpuState st;
    e386_cpu_state_save(cpu, &st);
    char err[256];
    *(int *)opaque = e386_cpu_state_load(cpu, &st, err, sizeof err) == -1 && strstr(err, "while it runs");
    return 0;
}

START_TEST(test_cpu_state_load_refused_while_running)
{
    E386Cpu *cpu = e386_cpu_new();
    ck_assert_int_eq(e386_mem_map(cpu, 0x1000, 0x1000, E386_PROT_READ | E386_PROT_EXEC), 0);
    static const uint8_t code[] = { 0xCD, 0x80 }; /* int 0x80 */
    ck_assert_int_eq(e386_mem_write(cpu, 0x1000, code, sizeof code), 0);
    e386_reg_write(cpu, E386_EIP, 0x1000);
    int refused = 0;
    e386_set_int_hook(cpu, load_in_hook, &refused);
    e386_exit ex;
    ck_assert_int_eq(e386_run(cpu, 10, &ex), E386_EXIT_INTERRUPT);
    ck_assert_int_eq(refused, 1);
    E386CpuState st; /* and between runs it is fine */
    e386_cpu_state_save(cpu, &st);
    char err[256];
    ck_assert_msg(e386_cpu_state_load(cpu, &st, err, sizeof err) == 0, "%s", err);
    e386_cpu_free(cpu);
}
END_TEST

/* Save a running machine, load it into another, compare everything, run
 * both on and compare their output and state again. */
START_TEST(test_roundtrip_two_machines)
{
    Machine *a = mh_new(1u << 20, false);
    mh_run_until(a, 300000);
    size_t len;
    uint8_t *s = mh_save(a, &len);
    ck_assert_uint_gt(len, 0);
    Machine *b = mh_new(1u << 20, true);
    char err[256];
    ck_assert_msg(mh_load(b, s, len, err) == 0, "%s", err);
    mh_assert_same(a, b);
    long at = ftell(a->cfg.console);
    mh_run_until(a, 700000);
    mh_run_until(b, 700000);
    mh_assert_same(a, b);
    char *ca = mh_console(a, at), *cb = mh_console(b, 0);
    ck_assert_uint_gt(strlen(ca), 10); /* the guest printed after the save point */
    ck_assert_str_eq(ca, cb);
    free(ca);
    free(cb);
    free(s);
    mh_free(a);
    mh_free(b);
}
END_TEST

/* A stream written from the destination of a migration is the source's
 * stream again: save(load(save(A))) == save(A), byte for byte. */
START_TEST(test_stream_is_stable)
{
    Machine *a = mh_new(1u << 20, false);
    mh_run_until(a, 200000);
    size_t l1, l2;
    uint8_t *s1 = mh_save(a, &l1);
    Machine *b = mh_new(1u << 20, true);
    char err[256];
    ck_assert_msg(mh_load(b, s1, l1, err) == 0, "%s", err);
    uint8_t *s2 = mh_save(b, &l2);
    ck_assert_uint_eq(l2, l1);
    ck_assert(memcmp(s1, s2, l1) == 0);
    free(s1);
    free(s2);
    mh_free(a);
    mh_free(b);
}
END_TEST

/* Zero pages are never sent: every page record carries a page that is not
 * zero, and every page that is not zero has one. */
START_TEST(test_zero_pages_not_sent)
{
    Machine *a = mh_new(1u << 20, false);
    mh_run_until(a, 200000);
    uint8_t junk[4096];
    memset(junk, 0x5a, sizeof junk);
    ck_assert_int_eq(e386_mem_write(a->cpu, 0x60000, junk, sizeof junk), 0);
    ck_assert_int_eq(e386_mem_write(a->cpu, 0x50000, junk, sizeof junk), 0);
    memset(junk, 0, sizeof junk); /* written, then zero again: still not sent */
    ck_assert_int_eq(e386_mem_write(a->cpu, 0x50000, junk, sizeof junk), 0);
    MigStats st;
    size_t len;
    uint8_t *s = mh_save_stats(a, &st, &len);
    MhSections *secs = malloc(sizeof *secs);
    mh_parse(s, len, secs);
    uint32_t nonzero = 0;
    for (uint32_t pn = 0; pn < 0xA0; pn++) /* 1 MiB: RAM is the 640 KiB below the hole */
        if (!mh_page_zero(mh_ram_page(a, pn)))
            nonzero++;
    uint32_t records = 0;
    bool seen60 = false;
    for (int i = 0; i < secs->n; i++) {
        if (secs->s[i].id != MIG_SEC_RAM)
            continue;
        const uint8_t *p = s + secs->s[i].off + 12;
        uint32_t n = (uint32_t)mig_le_get(p, 4);
        p += 4;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t pn = (uint32_t)mig_le_get(p, 4);
            ck_assert_uint_eq(p[4], MIG_PAGE_DATA); /* no zero markers in a first round */
            ck_assert_msg(!mh_page_zero(p + 5), "page %u sent as 4096 zero bytes", pn);
            ck_assert_uint_ne(pn, 0x50);
            seen60 |= pn == 0x60;
            records++;
            p += 5 + 4096;
        }
    }
    ck_assert(seen60);
    ck_assert_uint_eq(records, nonzero);
    ck_assert_uint_eq(st.pages_data, nonzero);
    ck_assert_uint_eq(st.pages_skipped, (0xA0000u / 4096) - nonzero); /* 1 MiB: all RAM is low */
    ck_assert_uint_lt(len, (size_t)nonzero * 4101 + 4096);
    free(secs);
    free(s);
    mh_free(a);
}
END_TEST

/* Regression (issue 12, bench/migrate.sh): the first pass read every RAM
 * page to find the zero ones, which on a host whose kernel backs a read
 * of untouched anonymous memory with a real page took 10 s and 1 GiB of
 * RSS for an idle -m 1G guest.  Now it reads only the pages written since
 * power on (Machine.written, from the dirty log): written by the CPU, by
 * DMA (e386_mem_write), or by a stream loaded into this machine.  A page
 * changed behind the log's back (through a host pointer, as nothing but
 * the stream loader does) is not read: that is how the test sees it. */
START_TEST(test_first_pass_reads_only_pages_written_since_power_on)
{
    Machine *a = mh_new(4u << 20, false);
    mh_run_until(a, 200000);
    uint8_t junk[4096];
    memset(junk, 0x77, sizeof junk);
    ck_assert_int_eq(e386_mem_write(a->cpu, 0x200000, junk, sizeof junk), 0); /* DMA */
    uint8_t *behind = e386_mem_ptr(a->cpu, 0x300000, 4096);
    ck_assert_ptr_nonnull(behind);
    behind[100] = 1; /* never written by the guest or a device */
    MigStats st;
    size_t len;
    uint8_t *s = mh_save_stats(a, &st, &len);
    Machine *b = mh_new(4u << 20, true);
    char err[256];
    ck_assert_msg(mh_load(b, s, len, err) == 0, "%s", err);
    ck_assert(memcmp(mh_ram_page(b, 0x200), junk, 4096) == 0); /* the DMA'd page went */
    ck_assert(mh_page_zero(mh_ram_page(b, 0x300)));            /* the page nobody wrote was not read */
    ck_assert_uint_eq(mh_ram_diff_pages(a, b), 1);
    ck_assert_uint_eq(st.pages_data + st.pages_skipped, (4u << 20) / 4096 - 96); /* every RAM page counted */
    /* the destination knows the pages the stream wrote: its own stream is the same */
    size_t l2;
    uint8_t *s2 = mh_save(b, &l2);
    ck_assert_uint_eq(l2, len);
    ck_assert(memcmp(s, s2, len) == 0);
    /* and the log goes on after a live migration used it (test_migration_live) and after a save */
    mh_run_until(a, 400000);
    mh_run_until(b, 400000);
    behind[100] = 0;
    mh_assert_same(a, b);
    free(s);
    free(s2);
    mh_free(a);
    mh_free(b);
}
END_TEST

/* The regression of the bug history (BRIEF.md section 4): migration skips
 * zero pages, so the destination's RAM must be zero by construction.  A
 * fresh destination (anonymous mappings), with MALLOC_PERTURB_ set by
 * ctest, ends up with the source's RAM byte for byte.  A destination whose
 * RAM is not zero (what the old malloc-based RAM was under
 * MALLOC_PERTURB_, simulated by filling it) keeps its garbage in exactly
 * the pages the stream skipped, and the comparison this test relies on
 * catches it: the loader never writes a zero page. */
START_TEST(test_zero_page_bug_destination_ram_zero_by_construction)
{
    const char *perturb = getenv("MALLOC_PERTURB_");
    if (perturb && atoi(perturb) != 0) {
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__) && !MH_HAS_ASAN
        uint8_t *p = malloc(4096); /* the environment really perturbs malloc */
        ck_assert_ptr_nonnull(p);
        ck_assert_msg(p[100] != 0 || p[4000] != 0, "MALLOC_PERTURB_ set but malloc memory is zero");
        free(p);
#endif
    }
    Machine *a = mh_new(1u << 20, false);
    mh_run_until(a, 300000);
    size_t len;
    uint8_t *s = mh_save(a, &len);
    char err[256];

    Machine *good = mh_new(1u << 20, true);
    ck_assert_msg(mh_load(good, s, len, err) == 0, "%s", err);
    ck_assert_int_eq(mh_ram_diff_pages(a, good), 0);

    Machine *bad = mh_new(1u << 20, true);
    uint8_t garbage[4096];
    memset(garbage, 0xA5, sizeof garbage);
    uint32_t zero_at_source = 0;
    for (uint32_t pn = 0; pn < 0xA0; pn++) {
        ck_assert_int_eq(e386_mem_write(bad->cpu, pn * 4096, garbage, sizeof garbage), 0);
        zero_at_source += mh_page_zero(mh_ram_page(a, pn));
    }
    ck_assert_msg(mh_load(bad, s, len, err) == 0, "%s", err);
    ck_assert_uint_gt(zero_at_source, 0);
    ck_assert_int_eq(mh_ram_diff_pages(a, bad), (int)zero_at_source);
    for (uint32_t pn = 0; pn < 0xA0; pn++)
        if (mh_page_zero(mh_ram_page(a, pn)))
            ck_assert(memcmp(mh_ram_page(bad, pn), garbage, 4096) == 0); /* never written */
    free(s);
    mh_free(a);
    mh_free(good);
    mh_free(bad);
}
END_TEST

/* A later round's zero marker clears a page the destination got earlier,
 * and only such a page is written. */
START_TEST(test_zero_marker_clears_stale_page)
{
    Machine *a = mh_new(1u << 20, false);
    mh_run_until(a, 100000);
    size_t len;
    uint8_t *s = mh_save(a, &len);
    Machine *b = mh_new(1u << 20, true);
    uint8_t junk[4096];
    memset(junk, 0x77, sizeof junk);
    ck_assert_int_eq(e386_mem_write(b->cpu, 0x70000, junk, sizeof junk), 0);
    /* a RAM pass with markers for pages 0x70 (zero at the source) */
    uint64_t dirty[256 / 64] = { 0 };
    dirty[0x70 / 64] |= 1ull << (0x70 % 64);
    MigWriter *w = malloc(sizeof *w);
    mig_writer_init_mem(w);
    MigStats st = { 0 };
    mig_save_ram(w, a, dirty, true, &st);
    ck_assert_int_eq(mig_writer_flush(w), 0);
    ck_assert_uint_eq(st.pages_zero, 1);
    ck_assert_uint_eq(w->mem_len, 12 + 4 + 5); /* one section, one 5-byte marker: no page data */
    /* splice the pass in front of the stream's own sections */
    size_t hdr = 36, nl = len + w->mem_len;
    uint8_t *t = malloc(nl);
    memcpy(t, s, hdr);
    memcpy(t + hdr, w->mem, w->mem_len);
    memcpy(t + hdr + w->mem_len, s + hdr, len - hdr);
    mh_fix_crc(t, nl);
    char err[256];
    MigReader *r = malloc(sizeof *r);
    mig_reader_init_mem(r, t, nl);
    MigStats ls;
    ck_assert_msg(machine_load(b, r, &ls, err, sizeof err) == 0, "%s", err);
    ck_assert_uint_eq(ls.pages_zeroed, 1);
    ck_assert(mh_page_zero(mh_ram_page(b, 0x70)));
    ck_assert_int_eq(mh_ram_diff_pages(a, b), 0);
    mig_writer_free(w);
    free(w);
    free(r);
    free(t);
    free(s);
    mh_free(a);
    mh_free(b);
}
END_TEST

/* A destination that goes away never stops the source: the save fails
 * with a message (no SIGPIPE), and the machine runs on exactly as a twin
 * that never tried. */
START_TEST(test_source_runs_on_when_destination_fails)
{
    Machine *a = mh_new(1u << 20, false), *twin = mh_new(1u << 20, false);
    mh_run_until(a, 150000);
    mh_run_until(twin, 150000);
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    close(sv[1]);
    char uri[32], err[256];
    snprintf(uri, sizeof uri, "fd:%d", sv[0]);
    ck_assert_int_eq(machine_migrate(a, uri, NULL, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "writing the migration stream"));
    close(sv[0]);
    ck_assert_int_eq(machine_migrate(a, "unix:/nonexistent-emu386/socket", NULL, err, sizeof err), -1);
    ck_assert_int_eq(machine_migrate(a, "tcp:1.2.3.4.5:1", NULL, err, sizeof err), -1);
    ck_assert_int_eq(machine_migrate(a, "defer", NULL, err, sizeof err), -1);
    mh_run_until(a, 400000);
    mh_run_until(twin, 400000);
    mh_assert_same(a, twin);
    char *ca = mh_console(a, 0), *cb = mh_console(twin, 0);
    ck_assert_str_eq(ca, cb);
    free(ca);
    free(cb);
    mh_free(a);
    mh_free(twin);
}
END_TEST

/* The transports end to end in one process: file:, and exec: through cat. */
START_TEST(test_file_and_exec_transports)
{
    Machine *a = mh_new(1u << 20, false);
    mh_run_until(a, 100000);
    char path[] = "/tmp/emu386-mig-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    char uri[64], err[256];
    snprintf(uri, sizeof uri, "file:%s", path);
    MigStats st;
    ck_assert_msg(machine_migrate(a, uri, &st, err, sizeof err) == 0, "%s", err);
    Machine *b = mh_new(1u << 20, true);
    ck_assert_msg(machine_incoming(b, path, NULL, NULL, NULL, err, sizeof err) == 0, "%s", err);
    mh_assert_same(a, b);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "exec:cat %s", path);
    Machine *c = mh_new(1u << 20, true);
    ck_assert_msg(machine_incoming(c, cmd, NULL, NULL, NULL, err, sizeof err) == 0, "%s", err);
    mh_assert_same(a, c);
    snprintf(cmd, sizeof cmd, "exec:cat > %s", path);
    ck_assert_msg(machine_migrate(a, cmd, NULL, err, sizeof err) == 0, "%s", err);
    Machine *d = mh_new(1u << 20, true);
    ck_assert_msg(machine_incoming(d, path, NULL, NULL, NULL, err, sizeof err) == 0, "%s", err);
    mh_assert_same(a, d);
    /* a failing command is an error */
    ck_assert_int_eq(machine_migrate(a, "exec:exit 3", NULL, err, sizeof err), -1);
    unlink(path);
    mh_free(a);
    mh_free(b);
    mh_free(c);
    mh_free(d);
}
END_TEST

int main(void)
{
    signal(SIGPIPE, SIG_IGN); /* as emu386-system: a pipe's reader that went away is EPIPE */
    Suite *s = suite_create("migration");
    TCase *tc = tcase_create("migration");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_crc32_known_vector);
    tcase_add_test(tc, test_first_pass_reads_only_pages_written_since_power_on);
    tcase_add_test(tc, test_cpu_state_roundtrip_every_field);
    tcase_add_test(tc, test_cpu_state_load_refused_while_running);
    tcase_add_test(tc, test_roundtrip_two_machines);
    tcase_add_test(tc, test_stream_is_stable);
    tcase_add_test(tc, test_zero_pages_not_sent);
    tcase_add_test(tc, test_zero_page_bug_destination_ram_zero_by_construction);
    tcase_add_test(tc, test_zero_marker_clears_stale_page);
    tcase_add_test(tc, test_source_runs_on_when_destination_fails);
    tcase_add_test(tc, test_file_and_exec_transports);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
