/* futex(2) for guest threads.
 *
 * Waiters sit on one FIFO queue keyed by guest address (UserMt.wq), each
 * on its own condition variable; waking and requeueing move them under
 * UserMt.lock.  Guest memory is the emulator's, not directly the host's
 * (a guest word may not even be host-aligned), so the host's futex on the
 * guest word is not an option; and since every guest access happens with
 * the turn held, the check of the word and the queueing are atomic with
 * respect to the guest code of every other thread, which is all FUTEX_WAIT
 * promises.  Private and shared futexes are the same here (all the
 * process's threads share one address space), except on a word of a
 * MAP_SHARED mapping: that one is the host's own memory (mem_map_file)
 * and other processes wait on it too, so a shared (not FUTEX_PRIVATE)
 * wait, wake or requeue there is the host's futex, as Linux keys shared
 * futexes by the page and not by the address space. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "user/syscall.h"
#include "user/thread.h"

enum {
    FUTEX_WAIT_ = 0, FUTEX_WAKE_ = 1, FUTEX_REQUEUE_ = 3, FUTEX_CMP_REQUEUE_ = 4, FUTEX_WAKE_OP_ = 5,
    FUTEX_WAIT_BITSET_ = 9, FUTEX_WAKE_BITSET_ = 10,
    FUTEX_PRIVATE_ = 128, FUTEX_CLOCK_REALTIME_ = 256,
};

void user_futex_dequeue(UserMt *m, UserThread *t)
{
    if (!t->queued)
        return;
    UserThread **pp = &m->wq_head, *prev = NULL;
    while (*pp && *pp != t) {
        prev = *pp;
        pp = &(*pp)->wnext;
    }
    if (*pp) {
        *pp = t->wnext;
        if (m->wq_tail == t)
            m->wq_tail = prev;
    }
    t->wnext = NULL;
    t->queued = 0;
}

/* futex_wake(): nr_wake counts as in the kernel's loop (++ret >= nr_wake
 * stops it), so 0 or a negative count still wakes one */
static int wake_locked(UserMt *m, uint32_t addr, int n, uint32_t bitset)
{
    int woken = 0;
    for (UserThread *t = m->wq_head, *next; t; t = next) {
        next = t->wnext;
        if (t->waddr != addr || !(t->wbitset & bitset))
            continue;
        user_futex_dequeue(m, t);
        t->wstate = W_WOKEN;
        pthread_cond_signal(&t->cv);
        if (++woken >= n)
            break;
    }
    return woken;
}

int user_futex_wake(UserProc *p, uint32_t addr, int n, uint32_t bitset)
{
    pthread_mutex_lock(&p->mt->lock);
    int r = wake_locked(p->mt, addr, n, bitset);
    pthread_mutex_unlock(&p->mt->lock);
    return r;
}

/* wake n on addr, move up to nreq of the rest to addr2 */
static int requeue(UserProc *p, uint32_t addr, uint32_t addr2, int n, int nreq)
{
    UserMt *m = p->mt;
    pthread_mutex_lock(&m->lock);
    int woken = 0, moved = 0;
    for (UserThread *t = m->wq_head, *next; t; t = next) {
        next = t->wnext;
        if (t->waddr != addr)
            continue;
        if (woken < n) {
            user_futex_dequeue(m, t);
            t->wstate = W_WOKEN;
            pthread_cond_signal(&t->cv);
            woken++;
        } else if (moved < nreq) {
            t->waddr = addr2;
            moved++;
        } else {
            break;
        }
    }
    pthread_mutex_unlock(&m->lock);
    return woken + moved;
}

static long host_futex(uint8_t *w, int op, uint32_t val, const struct timespec *ts, uint8_t *w2, uint32_t val3)
{
    return syscall(SYS_futex, w, op, val, ts, w2, val3);
}

/* a wake: the host's on a shared word of a MAP_SHARED mapping, ours else */
static int32_t wake(UserProc *p, uint32_t addr, int n, uint32_t bitset, int shared)
{
    uint8_t *w = shared ? user_shared_word(p, addr) : NULL;
    if (!w)
        return user_futex_wake(p, addr, n, bitset);
    long r = host_futex(w, FUTEX_WAKE_BITSET_, (uint32_t)n, NULL, NULL, bitset);
    return r < 0 ? host_err() : (int32_t)r;
}

/* a guest word's value as the host's futex compares it (the guest's
 * bytes are little-endian) */
static uint32_t host_word(uint32_t v)
{
    uint8_t b[4];
    put_le(b, 4, v);
    uint32_t h;
    memcpy(&h, b, 4);
    return h;
}

static uint32_t wake_op_value(unsigned op, uint32_t old, uint32_t a)
{
    switch (op) {
    case 0: return a;
    case 1: return old + a;
    case 2: return old | a;
    case 3: return old & ~a;
    default: return old ^ a;
    }
}

/* FUTEX_WAKE_OP: *addr2 = *addr2 OP oparg, wake on addr, and on addr2 if
 * the old value passes the comparison (futex_atomic_op_inuser) */
static int32_t wake_op(UserProc *p, uint32_t addr, uint32_t addr2, int n, int n2, uint32_t enc, int shared)
{
    unsigned op = (enc >> 28) & 7, cmp = (enc >> 24) & 15;
    int32_t oparg = (int32_t)(enc << 8) >> 20, cmparg = (int32_t)(enc << 20) >> 20;
    if (enc & 0x80000000u) { /* FUTEX_OP_OPARG_SHIFT: the kernel masks a bad shift */
        oparg &= 31;
        oparg = (int32_t)(1u << oparg);
    }
    if (op > 4 || cmp > 5)
        return -ENOSYS;
    uint32_t old;
    if (addr2 & 3)
        return -EINVAL;
    if (g_get32(p, addr2, &old) || g_writable(p, addr2, 4))
        return -EFAULT;
    uint8_t *host2 = shared ? user_shared_word(p, addr2) : NULL;
    if (host2) { /* another process may update it at the same time: as the kernel's, one atomic step */
        _Atomic uint32_t *aw = (_Atomic uint32_t *)(void *)host2;
        uint32_t raw = atomic_load(aw);
        do
            old = host_word(raw); /* its own inverse */
        while (!atomic_compare_exchange_weak(aw, &raw, host_word(wake_op_value(op, old, (uint32_t)oparg))));
    } else if (g_wput32(p, addr2, wake_op_value(op, old, (uint32_t)oparg))) {
        return -EFAULT;
    }
    int32_t o = (int32_t)old;
    int hit;
    switch (cmp) {
    case 0: hit = o == cmparg; break;
    case 1: hit = o != cmparg; break;
    case 2: hit = o < cmparg; break;
    case 3: hit = o <= cmparg; break;
    case 4: hit = o > cmparg; break;
    default: hit = o >= cmparg; break;
    }
    /* on shared words the wakes are the host's */
    int32_t woken = wake(p, addr, n, ~0u, shared), w2 = hit ? wake(p, addr2, n2, ~0u, shared) : 0;
    return woken < 0 ? woken : w2 < 0 ? w2 : woken + w2;
}

static void ts_add(struct timespec *t, const struct timespec *d)
{
    t->tv_sec += d->tv_sec;
    t->tv_nsec += d->tv_nsec;
    if (t->tv_nsec >= 1000000000L) {
        t->tv_sec++;
        t->tv_nsec -= 1000000000L;
    }
}

/* An absolute time on clock to an absolute CLOCK_MONOTONIC one (a later
 * change of the realtime clock is not followed). */
static void to_monotonic(clockid_t clock, const struct timespec *abs, struct timespec *out)
{
    struct timespec now, mono;
    clock_gettime(CLOCK_MONOTONIC, &mono);
    if (clock == CLOCK_MONOTONIC) {
        *out = *abs;
        return;
    }
    clock_gettime(clock, &now);
    long long ns = ((long long)abs->tv_sec - now.tv_sec) * 1000000000LL + (abs->tv_nsec - now.tv_nsec);
    if (ns < 0)
        ns = 0;
    struct timespec d = { (time_t)(ns / 1000000000LL), (long)(ns % 1000000000LL) };
    *out = mono;
    ts_add(out, &d);
}


/* A shared wait on a MAP_SHARED word: the host's, with the turn given
 * away, until a wake from any process, the deadline or a signal. */
static int32_t host_wait(UserProc *p, uint8_t *w, uint32_t val, const struct timespec *deadline, uint32_t bitset)
{
    long r;
    USER_BLOCKING(p, r, host_futex(w, FUTEX_WAIT_BITSET_, host_word(val), deadline, NULL, bitset));
    if (r == 0)
        return 0;
    if (errno == EAGAIN || errno == ETIMEDOUT)
        return -errno;
    if (errno != EINTR)
        return host_err();
    /* as wait_: EINTR only with a signal for the guest, else spurious */
    if (((p->sigpending | p->shared_pending) & ~p->sigblocked) || p->host_pending)
        return -EINTR;
    return 0;
}

static int32_t wait_(UserProc *p, uint32_t addr, uint32_t val, uint32_t tsaddr, int abs, clockid_t clock,
                     uint32_t bitset, int time64, int shared)
{
    struct timespec ts, deadline;
    if (tsaddr) {
        if (user_get_timespec(p, tsaddr, &ts, time64))
            return -EFAULT;
        if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000L)
            return -EINVAL;
        if (abs) {
            to_monotonic(clock, &ts, &deadline);
        } else {
            clock_gettime(CLOCK_MONOTONIC, &deadline);
            ts_add(&deadline, &ts);
        }
    }
    if (!bitset)
        return -EINVAL;
    if (addr & 3)
        return -EINVAL;
    uint32_t v;
    if (g_get32(p, addr, &v))
        return -EFAULT;
    if (v != val)
        return -EAGAIN;
    if ((p->sigpending & ~p->sigblocked) || p->host_pending)
        return -EINTR;
    uint8_t *w = shared ? user_shared_word(p, addr) : NULL;
    if (w)
        return host_wait(p, w, val, tsaddr ? &deadline : NULL, bitset);
    int st = user_wait(p, 1, addr, bitset, tsaddr ? &deadline : NULL);
    if (st == W_WOKEN)
        return 0;
    if (st == W_TIMEOUT)
        return -ETIMEDOUT;
    /* Every waiting thread looks at host_pending; the signal goes to one
     * thread only.  The others, with nothing of their own to deliver, see
     * a spurious wakeup (0), which every futex user must tolerate, rather
     * than an EINTR that sem_wait would pass on to its caller. */
    if (((p->sigpending | p->shared_pending) & ~p->sigblocked) || p->host_pending)
        return -EINTR;
    return 0;
}

int32_t sys_futex(UserProc *p, const uint32_t a[6], int time64)
{
    uint32_t addr = a[0], op = a[1], val = a[2], val3 = a[5];
    if (!p->mt && user_threads_init(p) != 0) /* a bare UserProc (unit tests) */
        return -ENOMEM;
    uint32_t cmd = op & ~(uint32_t)(FUTEX_PRIVATE_ | FUTEX_CLOCK_REALTIME_);
    if ((op & FUTEX_CLOCK_REALTIME_) && cmd != FUTEX_WAIT_BITSET_ && cmd != FUTEX_WAIT_)
        return -ENOSYS; /* Linux 4.5+ takes it on WAIT too */
    /* as sys_futex: the timeout is read and checked first (wait_), then
     * the alignment of the word */
    if (addr & 3 && cmd != FUTEX_WAIT_ && cmd != FUTEX_WAIT_BITSET_)
        return -EINVAL;
    clockid_t clock = (op & FUTEX_CLOCK_REALTIME_) ? CLOCK_REALTIME : CLOCK_MONOTONIC;
    int shared = !(op & FUTEX_PRIVATE_);
    uint8_t *w = shared && cmd != FUTEX_WAIT_ && cmd != FUTEX_WAIT_BITSET_ ? user_shared_word(p, addr) : NULL;
    long r;
    switch (cmd) {
    case FUTEX_WAIT_:
        /* a relative timeout, whatever the clock flag says */
        return wait_(p, addr, val, a[3], 0, clock, ~0u, time64, shared);
    case FUTEX_WAIT_BITSET_:
        return wait_(p, addr, val, a[3], 1, clock, val3, time64, shared);
    case FUTEX_WAKE_: case FUTEX_WAKE_BITSET_:
        if (cmd == FUTEX_WAKE_BITSET_ && !val3)
            return -EINVAL;
        return wake(p, addr, (int32_t)val, cmd == FUTEX_WAKE_ ? ~0u : val3, shared);
    case FUTEX_CMP_REQUEUE_: case FUTEX_REQUEUE_: {
        int32_t n = (int32_t)val, nreq = (int32_t)a[3];
        if (n < 0 || nreq < 0)
            return -EINVAL;
        if (a[4] & 3)
            return -EINVAL;
        uint8_t *w2 = w ? user_shared_word(p, a[4]) : NULL;
        if (w2) { /* both words shared: the host's requeue, waiters of every process */
            r = host_futex(w, (int)cmd, val, (const struct timespec *)(uintptr_t)a[3], w2, host_word(val3));
            return r < 0 ? host_err() : (int32_t)r;
        }
        if (cmd == FUTEX_CMP_REQUEUE_) {
            uint32_t v;
            if (g_get32(p, addr, &v))
                return -EFAULT;
            if (v != val3)
                return -EAGAIN;
        }
        return requeue(p, addr, a[4], n, nreq);
    }
    case FUTEX_WAKE_OP_:
        return wake_op(p, addr, a[4], (int32_t)val, (int32_t)a[3], val3, shared);
    default: /* the PI futexes (6-8, 11-13) and the long-removed FUTEX_FD */
        return -ENOSYS;
    }
}
