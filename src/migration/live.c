/* Live pre-copy (live.h, docs/migration.md "Live pre-copy"). */
#define _POSIX_C_SOURCE 200809L
#include "migration/live.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum {
    STEP_PAGES = 128,          /* RAM pages queued per step at most (512 KiB) */
    STEP_QUEUE = 512 * 1024,   /* no new pages while this much waits for the connection */
    STEP_BYTES = 1024 * 1024,  /* bytes handed to the connection per step at most */
    WRITE_CHUNK = 64 * 1024,   /* one write: bounded also on a blocking fd (fd:, file:) */
    BURST = 64 * 1024,         /* max-bandwidth: what may go at once */
    FINAL_STALL_MS = 30000,    /* stop-and-copy: a destination that takes nothing this long failed */
    RECORD_BYTES = 5 + MIG_PAGE_SIZE,
};

static uint64_t host_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static const char *const status_names[] = { "none", "setup", "active", "completed", "failed", "cancelled" };

const char *mig_status_name(MigStatus s)
{
    return (unsigned)s < sizeof status_names / sizeof status_names[0] ? status_names[s] : "none";
}

bool mig_live_active(const MigLive *L)
{
    return L->status == MIG_STATUS_SETUP || L->status == MIG_STATUS_ACTIVE;
}

static void set_status(MigLive *L, MigStatus s)
{
    L->status = s;
    L->m->mig_busy = mig_live_active(L);
    if (L->event)
        L->event(L->event_opaque, s);
}

/* ---- the dirty log ---- */

/* Every RAM page: round 1's set. */
static uint64_t all_pages(MigLive *L, uint64_t *bitmap)
{
    uint64_t n = 0;
    for (uint32_t p = 0; p < L->npages; p++)
        if (mig_page_in_ram(L->m->cfg.ram_size, p)) {
            bitmap[p / 64] |= (uint64_t)1 << (p % 64);
            n++;
        }
    return n;
}

/* The pages written since the last sync (the core's dirty log: every
 * write path of the CPU and e386_mem_write's DMA), ORed into bitmap;
 * their count. */
static uint64_t dirty_sync(MigLive *L, uint64_t *bitmap)
{
    uint64_t n = e386_dirty_log_sync(L->m->cpu, bitmap);
    if (L->m->written) /* the machine's pages written since power on (savevm.c) */
        for (uint32_t w = 0; w < (L->npages + 63) / 64; w++)
            L->m->written[w] |= bitmap[w];
    return n;
}

/* The log goes back to tracking the pages written since power on (or
 * stops, on a machine that does not track them). */
static void dirty_log_stop(MigLive *L)
{
    if (L->m->written)
        mig_written_restart(L->m);
    else
        e386_dirty_log_stop(L->m->cpu);
}

static uint64_t count_from(const uint64_t *bm, uint32_t npages, uint32_t from)
{
    uint64_t n = 0;
    for (uint32_t p = from; p < npages; p++)
        n += bm[p / 64] >> (p % 64) & 1;
    return n;
}

/* ---- setup and teardown ---- */

static void conn_none(MigConn *c)
{
    memset(c, 0, sizeof *c);
    c->fd = c->listen_fd = -1;
}

void mig_live_init(MigLive *L, Machine *m)
{
    memset(L, 0, sizeof *L);
    L->m = m;
    L->downtime_limit_ms = MIG_DEFAULT_DOWNTIME_MS;
    conn_none(&L->conn);
    conn_none(&L->defer_conn);
}

/* Closes everything; 0, or -1 with err when an exec: command failed. */
static int teardown(MigLive *L, char *err, size_t errlen)
{
    int rc = 0;
    if (L->conn.fd >= 0 || L->conn.pid > 0)
        rc = mig_close(&L->conn, err, errlen);
    conn_none(&L->conn);
    if (L->w) {
        mig_writer_free(L->w);
        free(L->w);
        L->w = NULL;
    }
    free(L->bitmap);
    L->bitmap = NULL;
    dirty_log_stop(L);
    L->total_ms = (host_ns() - L->t_start) / 1000000u;
    return rc;
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void fail(MigLive *L, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(L->error, sizeof L->error, fmt, ap);
    va_end(ap);
    teardown(L, NULL, 0);
    set_status(L, MIG_STATUS_FAILED);
}

void mig_live_free(MigLive *L)
{
    if (mig_live_active(L))
        mig_live_cancel(L);
    if (L->w || L->bitmap || L->conn.fd >= 0)
        teardown(L, NULL, 0);
    if (L->defer_conn.fd >= 0 || L->defer_conn.listen_fd >= 0)
        mig_close(&L->defer_conn, NULL, 0);
    conn_none(&L->defer_conn);
}

void mig_live_cancel(MigLive *L)
{
    if (!mig_live_active(L))
        return;
    teardown(L, NULL, 0);
    snprintf(L->error, sizeof L->error, "cancelled by the monitor");
    set_status(L, MIG_STATUS_CANCELLED);
}

int mig_live_start(MigLive *L, const char *uri, char *err, size_t errlen)
{
    if (mig_live_active(L)) {
        snprintf(err, errlen, "There's a migration process in progress");
        return -1;
    }
    Machine *m = L->m;
    L->error[0] = '\0';
    memset(&L->st, 0, sizeof L->st);
    L->sent = L->rounds = L->round_dirty = L->bandwidth = L->dirty_rate = 0;
    L->setup_ms = L->total_ms = L->downtime_ms = L->expected_downtime_ms = 0;
    L->t_start = host_ns();
    set_status(L, MIG_STATUS_SETUP);
    if (mig_open_out(&L->conn, uri, L->error, sizeof L->error) < 0) {
        conn_none(&L->conn);
        snprintf(err, errlen, "%s", L->error);
        fail(L, "%s", err);
        return -1;
    }
    /* ours (not an fd: given to us): hand it bytes without ever waiting */
    if (L->conn.close_fd) {
        int fl = fcntl(L->conn.fd, F_GETFL);
        if (fl >= 0)
            fcntl(L->conn.fd, F_SETFL, fl | O_NONBLOCK);
    }
    L->npages = m->cfg.ram_size / MIG_PAGE_SIZE;
    L->w = calloc(1, sizeof *L->w); /* zeroed: teardown may free it before its init */
    L->bitmap = calloc((L->npages + 63) / 64 + 1, sizeof *L->bitmap);
    if (!L->w || !L->bitmap) {
        snprintf(err, errlen, "out of memory");
        fail(L, "out of memory");
        return -1;
    }
    mig_writer_init_mem(L->w);
    mig_save_header(L->w, m);
    /* round 1's set: the pages written since power on (the others are
     * zero: never read), or every page on a machine that does not track
     * them; then the log starts afresh before round 1 reads any page, so
     * a page written after round 1 sent it is in the next round */
    const uint64_t *written = mig_written_sync(m);
    if (e386_dirty_log_start(m->cpu, L->npages) < 0) {
        snprintf(err, errlen, "out of memory");
        fail(L, "out of memory (the dirty log)");
        return -1;
    }
    if (written) {
        memcpy(L->bitmap, written, ((L->npages + 63) / 64) * sizeof *L->bitmap);
        L->round_dirty = 0;
        for (uint32_t p = 0; p < L->npages; p++)
            L->round_dirty += mig_page_in_ram(m->cfg.ram_size, p) && (L->bitmap[p / 64] >> (p % 64) & 1);
    } else {
        L->round_dirty = all_pages(L, L->bitmap);
    }
    L->remaining = L->round_dirty * MIG_PAGE_SIZE;
    L->cursor = 0;
    L->rounds = 1;
    L->t_active = L->t_round = host_ns();
    L->round_sent = 0;
    L->setup_ms = (L->t_active - L->t_start) / 1000000u;
    set_status(L, MIG_STATUS_ACTIVE);
    return 0;
}

/* ---- the connection ---- */

static ssize_t write_some(int fd, const uint8_t *p, size_t n)
{
#ifdef MSG_NOSIGNAL
    int flags = MSG_NOSIGNAL;
#ifdef MSG_DONTWAIT
    flags |= MSG_DONTWAIT; /* also on a blocking socket given as fd:N */
#endif
    ssize_t k = send(fd, p, n, flags);
    if (k >= 0 || errno != ENOTSOCK)
        return k;
#endif
    return write(fd, p, n);
}

/* Hand the queue to the connection: at most budget bytes, and only what
 * it takes without waiting (wait_ms 0) or within wait_ms per write.
 * 0, or -1 after fail(). */
static int push(MigLive *L, size_t budget, int wait_ms)
{
    const uint8_t *p;
    size_t n = mig_writer_pending(L->w, &p);
    if (L->w->failed) {
        fail(L, "%s", L->w->err);
        return -1;
    }
    while (n && budget) {
        struct pollfd pf = { L->conn.fd, POLLOUT, 0 };
        int r = poll(&pf, 1, wait_ms);
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0 && wait_ms > 0) {
            fail(L, "the destination took nothing for %d s", wait_ms / 1000);
            return -1;
        }
        if (r <= 0)
            return 0; /* full: the next step */
        size_t k = n < budget ? n : budget;
        if (k > WRITE_CHUNK)
            k = WRITE_CHUNK;
        ssize_t w = write_some(L->conn.fd, p, k);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        if (w <= 0) {
            fail(L, "writing the migration stream: %s", w < 0 ? strerror(errno) : "nothing written");
            return -1;
        }
        mig_writer_consume(L->w, (size_t)w);
        L->sent += (uint64_t)w;
        budget -= (size_t)w;
        n = mig_writer_pending(L->w, &p);
    }
    return 0;
}

/* What max-bandwidth lets through now. */
static size_t step_budget(const MigLive *L)
{
    if (!L->max_bandwidth)
        return STEP_BYTES;
    double allowed = (double)L->max_bandwidth * (double)(host_ns() - L->t_active) / 1e9 + BURST;
    double left = allowed - (double)L->sent;
    if (left <= 0)
        return 0;
    return left < STEP_BYTES ? (size_t)left : STEP_BYTES;
}

/* ---- the rounds ---- */

/* The stop-and-copy: the guest does not run inside the slice hook, so
 * this step is the downtime. */
static void complete(MigLive *L, uint64_t *last)
{
    Machine *m = L->m;
    uint64_t t0 = host_ns();
    uint32_t cursor = 0;
    mig_save_ram_step(L->w, m, last, true, &cursor, UINT32_MAX, &L->st);
    mig_save_state(L->w, m);
    const uint8_t *p;
    while (mig_writer_pending(L->w, &p) || L->w->failed)
        if (push(L, SIZE_MAX, FINAL_STALL_MS) < 0)
            return; /* failed: the source runs on */
    L->st.bytes = L->sent;
    char err[MIG_ERR];
    if (teardown(L, err, sizeof err) < 0) {
        snprintf(L->error, sizeof L->error, "%s", err);
        set_status(L, MIG_STATUS_FAILED);
        return;
    }
    L->downtime_ms = (host_ns() - t0) / 1000000u;
    L->remaining = 0;
    machine_postmigrate(m);
    set_status(L, MIG_STATUS_COMPLETED);
}

static void end_of_round(MigLive *L)
{
    uint64_t t = host_ns(), dt = t - L->t_round;
    if (dt < 1000)
        dt = 1000;
    L->bandwidth = (uint64_t)((double)(L->sent - L->round_sent) * 1e9 / (double)dt);
    memset(L->bitmap, 0, ((L->npages + 63) / 64) * sizeof *L->bitmap);
    uint64_t dirty = dirty_sync(L, L->bitmap);
    L->dirty_rate = (uint64_t)((double)dirty * 1e9 / (double)dt);
    uint64_t bw = L->bandwidth;
    if (L->max_bandwidth && L->max_bandwidth < bw)
        bw = L->max_bandwidth;
    double ms = bw ? (double)dirty * RECORD_BYTES * 1000.0 / (double)bw : 1e18;
    L->expected_downtime_ms = ms < 1e15 ? (uint64_t)ms : UINT64_MAX / 2;
    if (ms <= (double)L->downtime_limit_ms) {
        complete(L, L->bitmap);
        return;
    }
    L->rounds++;
    L->round_dirty = dirty;
    L->remaining = dirty * MIG_PAGE_SIZE;
    L->cursor = 0;
    L->t_round = t;
    L->round_sent = L->sent;
}

void mig_live_step(MigLive *L)
{
    if (L->status != MIG_STATUS_ACTIVE)
        return;
    size_t budget = step_budget(L);
    uint64_t sent0 = L->sent;
    if (push(L, budget, 0) < 0)
        return;
    const uint8_t *p;
    if (L->cursor < L->npages && mig_writer_pending(L->w, &p) < STEP_QUEUE) {
        mig_save_ram_step(L->w, L->m, L->bitmap, L->rounds > 1, &L->cursor, STEP_PAGES, &L->st);
        L->remaining = count_from(L->bitmap, L->npages, L->cursor) * MIG_PAGE_SIZE;
        if (push(L, budget - (size_t)(L->sent - sent0), 0) < 0)
            return;
    }
    if (L->cursor >= L->npages && mig_writer_pending(L->w, &p) == 0)
        end_of_round(L);
}
