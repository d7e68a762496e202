/* Internal to thread.c and futex.c: guest threads and the big lock. */
#ifndef E386_USER_THREAD_H
#define E386_USER_THREAD_H
#include <pthread.h>
#include "user/user.h"

/* What a thread waits for (UserThread.wstate), under UserMt.lock. */
enum { W_NONE, W_WAIT, W_WOKEN, W_INTR, W_TIMEOUT };

typedef struct UserThread {
    struct UserThread *next;   /* UserMt.threads */
    UserProc *p;
    int tid;
    int is_main;
    pthread_t host;
    pthread_cond_t cv;         /* its futex waits and sleeps end here */
    E386UserCtx *ctx;          /* registers while another thread has the turn */
    /* UserProc's per-thread fields while another thread has the turn */
    uint64_t sigblocked, sigpending;
    GuestSiginfo siginfo[USER_NSIG];
    uint32_t alt_sp, alt_size;
    int alt_flags;
    int restart_pending;
    uint32_t restart_nr;
    int restore_sigmask;
    uint64_t saved_sigblocked;
    uint32_t clear_tid, robust_head, robust_len;
    /* under UserMt.lock */
    int wstate;
    int queued;                /* on the futex queue, waiting on waddr */
    uint32_t waddr, wbitset;
    struct UserThread *wnext;
    int in_host;               /* in a blocking host call: a host signal wakes it */
    int kick;                  /* a signal is waiting for it to leave that call */
    int released;              /* user_block_begin gave the turn away */
    uint64_t slice_start;      /* the CPU's instruction count when it took the turn */
} UserThread;

/* The turn is a ticket lock: FIFO, so a thread that gives it back at the
 * end of its slice queues behind the ones already waiting. */
typedef struct UserMt {
    pthread_mutex_t lock;
    pthread_cond_t turn;       /* serving changed */
    pthread_cond_t all_gone;   /* nthreads reached 0 (the main thread waits) */
    uint64_t next_ticket, serving;
    int nthreads;
    UserThread *threads;
    UserThread *wq_head, *wq_tail; /* futex waiters, oldest first */
    int wake_sig;              /* host signal that interrupts a blocking host call */
    pthread_cond_t kick_cv;    /* a thread needs kicking (kicker, thread.c) */
    int kicker_started;
} UserMt;

/* Wait with the turn given away (when other threads exist) until woken,
 * a signal, or the absolute CLOCK_MONOTONIC deadline (NULL: none).  When
 * queue is set the thread is first put on the futex queue for addr and
 * bitset.  Called holding the turn, not the lock; returns W_WOKEN,
 * W_INTR or W_TIMEOUT. */
int user_wait(UserProc *p, int queue, uint32_t addr, uint32_t bitset, const struct timespec *deadline);
/* futex.c: wake up to n (at least one, as Linux counts) waiters on addr
 * whose bitset meets bitset; the number woken.  Holding the turn. */
int user_futex_wake(UserProc *p, uint32_t addr, int n, uint32_t bitset);
/* under the lock: take t off the futex queue if it is on it */
void user_futex_dequeue(UserMt *m, UserThread *t);
#endif
