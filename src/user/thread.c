/* Guest threads: one host thread per guest thread, taking turns on the
 * process's one E386Cpu under a big emulator lock (the "turn").
 *
 * Only the thread holding the turn runs guest code, translates, touches
 * guest memory or the mappings, or reads and writes UserProc; its
 * registers are in the CPU and its per-thread signal state in UserProc.
 * The turn changes hands only between e386_run calls (at the end of a
 * time slice, around a blocking host call, in a futex wait, at thread
 * exit), and the outgoing thread saves its context (e386_uctx_save plus
 * the per-thread UserProc fields) into its UserThread first.  So guest
 * instructions never interleave: LOCK-prefixed read-modify-writes, XCHG
 * and CMPXCHG8B are atomic and memory is sequentially consistent (x86's
 * TSO, on any host) with nothing in the engine aware of threads, and the
 * translation cache, SMC invalidation and mmap/munmap need no locks.
 * The cost is that guest threads never run in parallel
 * (docs/architecture.md). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "user/syscall.h"
#include "user/thread.h"

enum { CLONE_SETTLS_ = 0x80000, CLONE_PARENT_SETTID_ = 0x100000, CLONE_CHILD_CLEARTID_ = 0x200000,
       CLONE_CHILD_SETTID_ = 0x1000000 };

/* ---- the turn (UserMt.lock held) ---- */
static void turn_take(UserMt *m)
{
    uint64_t my = m->next_ticket++;
    while (m->serving != my)
        pthread_cond_wait(&m->turn, &m->lock);
}

static void turn_give(UserMt *m)
{
    m->serving++;
    pthread_cond_broadcast(&m->turn);
}

/* ---- context switch ---- */
#define PER_THREAD(X) X(sigblocked) X(sigpending) X(alt_sp) X(alt_size) X(alt_flags) \
    X(restart_pending) X(restart_nr) X(restore_sigmask) X(saved_sigblocked) X(clear_tid) \
    X(robust_head) X(robust_len)

static void swap_out(UserProc *p, UserThread *t)
{
    e386_uctx_save(p->cpu, t->ctx);
#define OUT(f) t->f = p->f;
    PER_THREAD(OUT)
#undef OUT
    memcpy(t->siginfo, p->siginfo, sizeof t->siginfo);
}

static void swap_in(UserProc *p, UserThread *t)
{
    e386_uctx_load(p->cpu, t->ctx);
#define IN(f) p->f = t->f;
    PER_THREAD(IN)
#undef IN
    memcpy(p->siginfo, t->siginfo, sizeof p->siginfo);
    p->cur = t;
    p->thread_exited = 0;
    t->slice_start = e386_insn_count(p->cpu);
}

static void on_wake_signal(int sig) { (void)sig; /* only to make the host call return EINTR */ }

static int cond_init_mono(pthread_cond_t *c)
{
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    int r = pthread_cond_init(c, &a);
    pthread_condattr_destroy(&a);
    return r;
}

static void thread_free(UserThread *t)
{
    pthread_cond_destroy(&t->cv);
    e386_uctx_free(t->ctx);
    free(t);
}

int user_threads_init(UserProc *p)
{
    UserMt *m = calloc(1, sizeof *m);
    UserThread *t = calloc(1, sizeof *t);
    if (!m || !t || !(t->ctx = e386_uctx_new())) {
        free(m);
        if (t)
            free(t->ctx);
        free(t);
        return -ENOMEM;
    }
    pthread_mutex_init(&m->lock, NULL);
    pthread_cond_init(&m->turn, NULL);
    pthread_cond_init(&m->all_gone, NULL);
    cond_init_mono(&m->kick_cv);
    cond_init_mono(&t->cv);
    m->next_ticket = 1; /* the main thread holds ticket 0 */
    m->nthreads = 1;
    m->threads = t;
    t->p = p;
    t->tid = (int)getpid();
    t->is_main = 1;
    t->host = pthread_self();
    /* a host signal no guest signal is mirrored on (real-time ones never
     * are, signal.c): it only interrupts a thread's blocking host call */
    m->wake_sig = SIGRTMIN + 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_wake_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(m->wake_sig, &sa, NULL);
    p->mt = m;
    p->cur = t;
    return 0;
}

void user_threads_free(UserProc *p)
{
    UserMt *m = p->mt;
    if (!m || m->nthreads > 1 || m->kicker_started)
        return;
    int cur_listed = 0;
    for (UserThread *t = m->threads, *n; t; t = n) {
        n = t->next;
        cur_listed |= t == p->cur;
        thread_free(t);
    }
    if (p->cur && !cur_listed) /* the main thread, after user_thread_leave */
        thread_free(p->cur);
    pthread_mutex_destroy(&m->lock);
    pthread_cond_destroy(&m->turn);
    pthread_cond_destroy(&m->all_gone);
    pthread_cond_destroy(&m->kick_cv);
    free(m);
    p->mt = NULL;
    p->cur = NULL;
}

int user_nthreads(const UserProc *p) { return p->mt ? p->mt->nthreads : 1; }

int user_tid(const UserProc *p) { return p->cur ? p->cur->tid : (int)getpid(); }

/* other threads exist: the turn must be given away before blocking */
static int others(const UserProc *p) { return p->mt && p->mt->nthreads > 1; }

void user_threads_after_fork(UserProc *p)
{
    UserMt *m = p->mt;
    if (!m)
        return;
    for (UserThread *t = m->threads, *n; t; t = n) { /* their host threads did not fork */
        n = t->next;
        if (t != p->cur) { /* not thread_free: pthread_cond_destroy would wait
                            * forever for the waiters that did not fork */
            e386_uctx_free(t->ctx);
            free(t);
        }
    }
    pthread_mutex_init(&m->lock, NULL);
    pthread_cond_init(&m->turn, NULL);
    pthread_cond_init(&m->all_gone, NULL);
    cond_init_mono(&m->kick_cv);
    m->kicker_started = 0; /* it did not fork either */
    UserThread *t = p->cur;
    cond_init_mono(&t->cv);
    m->threads = t;
    t->next = NULL;
    m->nthreads = 1;
    m->next_ticket = 1;
    m->serving = 0;
    m->wq_head = m->wq_tail = NULL;
    t->tid = (int)getpid();
    t->is_main = 1;
    t->host = pthread_self();
    t->wstate = W_NONE;
    t->queued = t->in_host = t->released = t->kick = 0;
}

/* ---- waking (lock held) ---- */

/* A thread in a blocking host call is woken by a host signal that makes
 * the call return EINTR.  Sent once, it could land just before the call
 * starts and be lost; so the kicker, a host thread of its own, sends it
 * again every KICK_NS until the thread has left the call. */
enum { KICK_NS = 10000000 };

static void *kicker(void *arg)
{
    UserMt *m = arg;
    pthread_mutex_lock(&m->lock);
    for (;;) {
        int any = 0;
        for (UserThread *t = m->threads; t; t = t->next)
            if (t->kick && t->in_host) {
                pthread_kill(t->host, m->wake_sig);
                any = 1;
            }
        if (!any) {
            pthread_cond_wait(&m->kick_cv, &m->lock);
            continue;
        }
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += KICK_NS;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&m->kick_cv, &m->lock, &until);
    }
    return NULL;
}

static void wake_locked(UserMt *m, UserThread *t)
{
    if (t->wstate == W_WAIT) {
        user_futex_dequeue(m, t);
        t->wstate = W_INTR;
        pthread_cond_signal(&t->cv);
    } else if (t->in_host) {
        t->kick = 1;
        if (!m->kicker_started) {
            pthread_t k;
            pthread_attr_t attr;
            pthread_attr_init(&attr);
            pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
            m->kicker_started = pthread_create(&k, &attr, kicker, m) == 0;
            pthread_attr_destroy(&attr);
        }
        pthread_kill(t->host, m->wake_sig);
        pthread_cond_signal(&m->kick_cv);
    }
}

static uint64_t sigbit(int sig) { return 1ull << (sig - 1); }

/* a signal pending for t (not the current thread: its saved fields) */
static void post_to(UserProc *p, UserThread *t, const GuestSiginfo *si)
{
    t->siginfo[si->signo] = *si;
    t->sigpending |= sigbit(si->signo);
    pthread_mutex_lock(&p->mt->lock);
    wake_locked(p->mt, t);
    pthread_mutex_unlock(&p->mt->lock);
}

int user_route_signal(UserProc *p, const GuestSiginfo *si)
{
    if (!others(p))
        return 0;
    for (UserThread *t = p->mt->threads; t; t = t->next)
        if (t != p->cur && !(t->sigblocked & sigbit(si->signo))) {
            post_to(p, t, si);
            return 1;
        }
    return 0;
}

int32_t user_thread_kill(UserProc *p, int tid, const GuestSiginfo *si)
{
    UserThread *t = p->cur;
    int self = tid == user_tid(p);
    if (!self) {
        for (t = p->mt ? p->mt->threads : NULL; t && t->tid != tid; t = t->next)
            ;
        if (!t)
            return -ESRCH;
    }
    if (si->signo == 0 || user_sig_ignored(p, si->signo))
        return 0;
    if (self) {
        p->siginfo[si->signo] = *si;
        p->sigpending |= sigbit(si->signo);
    } else {
        post_to(p, t, si);
    }
    return 0;
}

/* ---- blocking ---- */
int user_block_begin(UserProc *p, UserThread **self)
{
    *self = p->cur;
    if (!others(p))
        return 0;
    if ((p->sigpending & ~p->sigblocked) || p->host_pending)
        return -EINTR;
    UserThread *t = p->cur;
    swap_out(p, t);
    pthread_mutex_lock(&p->mt->lock);
    t->in_host = 1;
    t->released = 1;
    turn_give(p->mt);
    pthread_mutex_unlock(&p->mt->lock);
    return 0;
}

void user_block_end(UserProc *p, UserThread *t)
{
    if (!t || !t->released)
        return;
    int e = errno;
    pthread_mutex_lock(&p->mt->lock);
    t->in_host = 0;
    t->kick = 0;
    t->released = 0;
    turn_take(p->mt);
    pthread_mutex_unlock(&p->mt->lock);
    swap_in(p, t);
    errno = e;
}

void user_yield(UserProc *p)
{
    if (!others(p))
        return;
    UserMt *m = p->mt;
    UserThread *t = p->cur;
    pthread_mutex_lock(&m->lock);
    int waiting = m->next_ticket - m->serving > 1;
    pthread_mutex_unlock(&m->lock);
    if (!waiting) {
        t->slice_start = e386_insn_count(p->cpu); /* a new slice */
        return;
    }
    swap_out(p, t);
    pthread_mutex_lock(&m->lock);
    turn_give(m);
    turn_take(m);
    pthread_mutex_unlock(&m->lock);
    swap_in(p, t);
}

uint64_t user_slice_left(const UserProc *p, uint64_t slice)
{
    uint64_t used = e386_insn_count(p->cpu) - p->cur->slice_start;
    return used < slice ? slice - used : 0;
}

static int ts_before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* A host signal that reached a host thread blocked here cannot wake a
 * condition variable (not async-signal-safe): waits look at host_pending
 * every USER_TICK_NS. */
enum { USER_TICK_NS = 50000000 };

int user_wait(UserProc *p, int queue, uint32_t addr, uint32_t bitset, const struct timespec *deadline)
{
    UserMt *m = p->mt;
    UserThread *t = p->cur;
    int rel = others(p);
    if (rel)
        swap_out(p, t);
    pthread_mutex_lock(&m->lock);
    t->wstate = W_WAIT;
    if (queue) {
        t->waddr = addr;
        t->wbitset = bitset;
        t->queued = 1;
        t->wnext = NULL;
        if (m->wq_tail)
            m->wq_tail->wnext = t;
        else
            m->wq_head = t;
        m->wq_tail = t;
    }
    if (rel)
        turn_give(m);
    while (t->wstate == W_WAIT) {
        if (p->host_pending) {
            t->wstate = W_INTR;
            break;
        }
        struct timespec now, until;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (deadline && !ts_before(&now, deadline)) {
            t->wstate = W_TIMEOUT;
            break;
        }
        until = now;
        until.tv_nsec += USER_TICK_NS;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        if (deadline && ts_before(deadline, &until))
            until = *deadline;
        pthread_cond_timedwait(&t->cv, &m->lock, &until);
    }
    user_futex_dequeue(m, t);
    int st = t->wstate;
    t->wstate = W_NONE;
    if (rel)
        turn_take(m);
    pthread_mutex_unlock(&m->lock);
    if (rel)
        swap_in(p, t);
    return st;
}

/* ---- creation and exit ---- */
static void *thread_main(void *arg)
{
    UserThread *t = arg;
    UserProc *p = t->p;
    UserMt *m = p->mt;
    pthread_mutex_lock(&m->lock);
    t->tid = (int)syscall(SYS_gettid);
    pthread_cond_broadcast(&t->cv);
    turn_take(m);
    pthread_mutex_unlock(&m->lock);
    swap_in(p, t);
    pid_t pid = getpid();
    int status = user_run(p); /* returns once this thread has left (user_thread_leave) */
    /* a fork from this thread made it the child's only (main) thread: its
     * return ends that process, with the guest's status, not pthread_exit's
     * 0.  By _exit: the exit handlers would run in a copy of a process whose
     * other threads are gone (LeakSanitizer's among them: it cannot find
     * their stacks, reported what they pointed to as leaked and aborted the
     * child in the ASan leg's usermode thread_fork_exit) */
    if (getpid() != pid) {
        fflush(NULL);
        _exit(status);
    }
    return NULL;
}

int32_t user_thread_clone(UserProc *p, uint32_t flags, uint32_t newsp, uint32_t parent_tid,
                          uint32_t tls, uint32_t child_tid)
{
    if (!p->mt && user_threads_init(p) != 0)
        return -ENOMEM;
    UserMt *m = p->mt;
    UserThread *t = calloc(1, sizeof *t);
    E386UserCtx *parent = e386_uctx_new();
    if (!t || !parent || !(t->ctx = e386_uctx_new())) {
        if (t)
            e386_uctx_free(t->ctx);
        free(t);
        e386_uctx_free(parent);
        return -ENOMEM;
    }
    /* the child's registers: the parent's with EAX 0, its own stack and
     * TLS; FS/GS are reloaded from its TLS entries, as a context switch
     * reloads them on Linux */
    e386_uctx_save(p->cpu, parent);
    int32_t r = 0;
    if (flags & CLONE_SETTLS_)
        r = user_set_thread_area(p, tls);
    if (r == 0) {
        for (int s = E386_FS; s <= E386_GS; s++) {
            uint32_t sel = e386_reg_read(p->cpu, s);
            if (!(sel & 4) && (sel >> 3) >= 6 && (sel >> 3) <= 8)
                e386_reg_write(p->cpu, s, sel);
        }
        e386_reg_write(p->cpu, E386_EAX, 0);
        if (newsp)
            e386_reg_write(p->cpu, E386_ESP, newsp);
        e386_uctx_save(p->cpu, t->ctx);
    }
    e386_uctx_load(p->cpu, parent);
    e386_uctx_free(parent);
    if (r != 0) {
        e386_uctx_free(t->ctx);
        free(t);
        return r;
    }
    /* the signal mask is inherited; nothing pending; no alternate stack
     * (copy_process clears it for CLONE_VM without CLONE_VFORK) */
    t->sigblocked = p->sigblocked;
    t->clear_tid = (flags & CLONE_CHILD_CLEARTID_) ? child_tid : 0;
    t->p = p;
    if (cond_init_mono(&t->cv) != 0) {
        e386_uctx_free(t->ctx);
        free(t);
        return -EAGAIN;
    }
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_mutex_lock(&m->lock);
    int rc = pthread_create(&t->host, &attr, thread_main, t);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        pthread_mutex_unlock(&m->lock);
        thread_free(t);
        return -EAGAIN;
    }
    while (!t->tid)
        pthread_cond_wait(&t->cv, &m->lock);
    t->next = m->threads;
    m->threads = t;
    m->nthreads++;
    pthread_mutex_unlock(&m->lock);
    /* errors ignored, as kernel_clone() and schedule_tail() ignore them */
    if (flags & CLONE_PARENT_SETTID_)
        g_wput32(p, parent_tid, (uint32_t)t->tid);
    if (flags & CLONE_CHILD_SETTID_)
        g_wput32(p, child_tid, (uint32_t)t->tid);
    return t->tid;
}

/* exit_robust_list(): each futex on the list that this thread holds gets
 * FUTEX_OWNER_DIED, and a waiter is woken. */
enum { FUTEX_WAITERS_ = 0x80000000u, FUTEX_OWNER_DIED_ = 0x40000000u, FUTEX_TID_MASK_ = 0x3fffffffu,
       ROBUST_LIST_LIMIT = 2048 };

static void robust_one(UserProc *p, uint32_t uaddr, int pending)
{
    uint32_t v;
    if (uaddr & 3 || g_get32(p, uaddr, &v))
        return;
    if ((v & FUTEX_TID_MASK_) != (uint32_t)user_tid(p)) {
        if (pending && v == 0) /* died between taking it and listing it: wake a waiter */
            user_futex_wake(p, uaddr, 1, ~0u);
        return;
    }
    if (g_wput32(p, uaddr, (v & FUTEX_WAITERS_) | FUTEX_OWNER_DIED_) == 0 && (v & FUTEX_WAITERS_))
        user_futex_wake(p, uaddr, 1, ~0u);
}

static void exit_robust_list(UserProc *p)
{
    uint32_t head = p->robust_head, entry, off, pending;
    if (!head || g_get32(p, head, &entry) || g_get32(p, head + 4, &off) || g_get32(p, head + 8, &pending))
        return;
    for (int n = 0; entry != head && n < ROBUST_LIST_LIMIT; n++) {
        uint32_t next;
        if (g_get32(p, entry & ~1u, &next))
            return;
        if (entry != pending)
            robust_one(p, (entry & ~1u) + off, 0);
        entry = next;
    }
    if (pending)
        robust_one(p, (pending & ~1u) + off, 1);
}

void user_thread_exit(UserProc *p)
{
    exit_robust_list(p);
    if (p->clear_tid && g_wput32(p, p->clear_tid, 0) == 0)
        user_futex_wake(p, p->clear_tid, 1, ~0u);
    p->thread_exited = 1;
}

int user_thread_leave(UserProc *p)
{
    UserMt *m = p->mt;
    UserThread *t = p->cur;
    pthread_mutex_lock(&m->lock);
    for (UserThread **pp = &m->threads; *pp; pp = &(*pp)->next)
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    m->nthreads--;
    int status = p->exit_status;
    if (t->is_main) {
        /* the process lives on until its last thread exits, and reports
         * the main thread's status (wait_task_zombie) */
        if (m->nthreads > 0) {
            turn_give(m);
            while (m->nthreads > 0)
                pthread_cond_wait(&m->all_gone, &m->lock);
        }
        p->cur = t; /* the last thread to leave freed itself: this one is user_threads_free's */
        pthread_mutex_unlock(&m->lock);
        return status;
    }
    if (m->nthreads == 0)
        pthread_cond_broadcast(&m->all_gone);
    else
        turn_give(m);
    pthread_mutex_unlock(&m->lock);
    thread_free(t);
    return status;
}
