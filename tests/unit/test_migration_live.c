/* Live pre-copy (src/migration/live.c) on whole machines: rounds stepped
 * from the slice hook while the guest runs (REP STOSW over its buffer,
 * interrupt frames on its stack, the x87), then the stop-and-copy; the
 * destination loaded from the stream must equal the source at the
 * switch-over, field by field and page by page, and run on identically. */
#include "migration_helpers.h"
#include "migration/live.h"

typedef struct LiveRun {
    MigLive *L;
    uint64_t converge_at; /* rounds after which the downtime limit is met */
    uint64_t cancel_at;   /* rounds after which the migration is cancelled (0: never) */
    uint64_t give_up;     /* instructions: a hang guard */
    uint64_t max_later;   /* the largest dirty set of a round after the first */
    uint64_t last_insn;   /* the instruction count at the last step */
} LiveRun;

static void live_hook(Machine *m, void *opaque)
{
    LiveRun *r = opaque;
    /* a step only after guest instructions ran: a slice can be empty (a
     * timer deadline due at once), and rounds with no guest between them
     * would converge at once (correct, but no rounds to test) */
    uint64_t n = e386_insn_count(m->cpu);
    if (n > r->give_up)
        machine_request_exit(m, MH_STOP);
    if (n == r->last_insn)
        return;
    r->last_insn = n;
    mig_live_step(r->L);
    if (r->L->rounds > 1 && r->L->round_dirty > r->max_later)
        r->max_later = r->L->round_dirty;
    if (r->L->rounds >= r->converge_at)
        r->L->downtime_limit_ms = MIG_MAX_DOWNTIME_MS;
    if (r->cancel_at && r->L->rounds >= r->cancel_at)
        mig_live_cancel(r->L);
    if (!mig_live_active(r->L) || e386_insn_count(m->cpu) > r->give_up)
        machine_request_exit(m, MH_STOP);
}

/* Run a under live migration to uri; the machine's own hook is put back
 * after.  The largest dirty set after round 1. */
static uint64_t run_live(Machine *a, MigLive *L, const char *uri, uint64_t converge_at, uint64_t cancel_at)
{
    LiveRun r = { L, converge_at, cancel_at, e386_insn_count(a->cpu) + 200000000u, 0, UINT64_MAX };
    void (*hook)(Machine *, void *) = a->cfg.slice_hook;
    void *opaque = a->cfg.slice_opaque;
    L->downtime_limit_ms = 0; /* no round can meet it until converge_at */
    char err[256];
    ck_assert_msg(mig_live_start(L, uri, err, sizeof err) == 0, "%s", err);
    a->cfg.slice_hook = live_hook;
    a->cfg.slice_opaque = &r;
    char msg[256];
    ck_assert_int_eq(machine_run(a, msg, sizeof msg), MH_STOP);
    a->cfg.slice_hook = hook;
    a->cfg.slice_opaque = opaque;
    return r.max_later;
}

/* 128 pages of data nobody rewrites (1 MiB-1.5 MiB): with the guest's
 * own, round 1 needs more than one step (128 pages), so the guest runs
 * between the start of the log and the end of round 1 whatever the host's
 * timing. */
static void fill(Machine *a)
{
    uint8_t page[4096];
    for (uint32_t pn = 0x100; pn < 0x180; pn++) {
        memset(page, (int)(pn & 0x7F) | 1, sizeof page);
        ck_assert_int_eq(e386_mem_write(a->cpu, pn << 12, page, sizeof page), 0);
    }
}

static char *tmp_path(void)
{
    char *p = strdup("/tmp/e386-live-XXXXXX");
    int fd = mkstemp(p);
    ck_assert_int_ge(fd, 0);
    close(fd);
    return p;
}

START_TEST(test_live_rounds_then_stop_and_copy_equal_the_source)
{
    Machine *a = mh_new(2u << 20, false);
    mh_run_until(a, 100000);
    fill(a);
    char *path = tmp_path(), uri[64];
    snprintf(uri, sizeof uri, "file:%s", path);
    MigLive L;
    mig_live_init(&L, a);
    uint64_t later = run_live(a, &L, uri, 4, 0);
    ck_assert_str_eq(mig_status_name(L.status), "completed");
    ck_assert_uint_ge(L.rounds, 4);
    /* the dirty log: later rounds carry the few pages the guest wrote (its
     * buffer, stack, counters), not the 416 pages of RAM */
    ck_assert_uint_gt(later, 0);
    ck_assert_uint_lt(later, 40);
    ck_assert_int_eq(a->run_state, MACHINE_POSTMIGRATE);
    ck_assert_uint_gt(L.st.pages_zero + L.st.pages_data, 0);
    Machine *b = mh_new(2u << 20, true);
    char err[256];
    ck_assert_msg(machine_incoming(b, uri, NULL, NULL, NULL, err, sizeof err) == 0, "%s", err);
    mh_assert_same(a, b); /* every field and every RAM page, at the switch-over */
    /* and both run on alike */
    uint64_t n = e386_insn_count(a->cpu) + 400000;
    long at = ftell(a->cfg.console);
    mh_run_until(a, n);
    mh_run_until(b, n);
    mh_assert_same(a, b);
    char *ca = mh_console(a, at), *cb = mh_console(b, 0);
    ck_assert_uint_gt(strlen(ca), 10);
    ck_assert_str_eq(ca, cb);
    free(ca);
    free(cb);
    mig_live_free(&L);
    unlink(path);
    free(path);
    mh_free(a);
    mh_free(b);
}
END_TEST

START_TEST(test_live_cancel_then_again)
{
    Machine *a = mh_new(2u << 20, false);
    mh_run_until(a, 100000);
    fill(a);
    char *path = tmp_path(), uri[64];
    snprintf(uri, sizeof uri, "file:%s", path);
    MigLive L;
    mig_live_init(&L, a);
    run_live(a, &L, uri, 1000, 3);
    ck_assert_str_eq(mig_status_name(L.status), "cancelled");
    ck_assert_int_eq(a->run_state, MACHINE_RUNNING);
    /* the partial stream is refused by a destination */
    Machine *b = mh_new(2u << 20, true);
    char err[256];
    ck_assert_int_eq(machine_incoming(b, uri, NULL, NULL, NULL, err, sizeof err), -1);
    mh_free(b);
    /* a second migration succeeds */
    run_live(a, &L, uri, 2, 0);
    ck_assert_str_eq(mig_status_name(L.status), "completed");
    b = mh_new(2u << 20, true);
    ck_assert_msg(machine_incoming(b, uri, NULL, NULL, NULL, err, sizeof err) == 0, "%s", err);
    mh_assert_same(a, b);
    mig_live_free(&L);
    unlink(path);
    free(path);
    mh_free(a);
    mh_free(b);
}
END_TEST

START_TEST(test_live_failures_leave_the_source_running)
{
    Machine *a = mh_new(2u << 20, false);
    MigLive L;
    mig_live_init(&L, a);
    char err[256];
    ck_assert_int_eq(mig_live_start(&L, "unix:/nonexistent/e386-live.sock", err, sizeof err), -1);
    ck_assert_str_eq(mig_status_name(L.status), "failed");
    ck_assert_ptr_nonnull(strstr(L.error, "nonexistent"));
    ck_assert_int_eq(a->run_state, MACHINE_RUNNING);
    /* a peer that goes away mid-stream: the write fails, the source runs on */
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    char uri[32];
    snprintf(uri, sizeof uri, "fd:%d", sv[0]);
    ck_assert_int_eq(mig_live_start(&L, uri, err, sizeof err), 0);
    ck_assert_int_eq(mig_live_start(&L, uri, err, sizeof err), -1); /* one at a time */
    ck_assert_ptr_nonnull(strstr(err, "in progress"));
    close(sv[1]);
    for (int i = 0; i < 1000 && mig_live_active(&L); i++)
        mig_live_step(&L);
    ck_assert_str_eq(mig_status_name(L.status), "failed");
    ck_assert_ptr_nonnull(strstr(L.error, "writing the migration stream"));
    ck_assert_int_eq(a->run_state, MACHINE_RUNNING);
    close(sv[0]);
    mig_live_free(&L);
    mh_free(a);
}
END_TEST

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    Suite *s = suite_create("migration_live");
    TCase *tc = tcase_create("live");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_live_rounds_then_stop_and_copy_equal_the_source);
    tcase_add_test(tc, test_live_cancel_then_again);
    tcase_add_test(tc, test_live_failures_leave_the_source_running);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
