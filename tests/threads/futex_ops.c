/* futex(2) itself, called raw: each operation's result and errno as
 * Linux gives them (WAIT's EAGAIN, timeouts relative and absolute, on
 * both clocks, EINVAL cases, WAKE counts, WAKE_OP's arithmetic and
 * comparison, REQUEUE and CMP_REQUEUE, bitsets, EINTR from a handler
 * without SA_RESTART).  Waiters are known to be queued by requeueing
 * them onto their own word, which counts them without waking any. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long fx(uint32_t *a, int op, uint32_t val, const void *ts_or_val2, uint32_t *a2, uint32_t val3)
{
    return syscall(SYS_futex, a, op, val, ts_or_val2, a2, val3);
}

static const char *en(int e)
{
    switch (e) {
    case EAGAIN: return "EAGAIN";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EINVAL: return "EINVAL";
    case EINTR: return "EINTR";
    case EFAULT: return "EFAULT";
    case ENOSYS: return "ENOSYS";
    default: return "E?";
    }
}

static void show(const char *what, long r)
{
    if (r < 0)
        printf("%s = -1 %s\n", what, en(errno));
    else
        printf("%s = %ld\n", what, r);
}

/* waiters on their own word, counted by requeueing them onto it */
static long queued(uint32_t *w, uint32_t val)
{
    return fx(w, FUTEX_CMP_REQUEUE, 0, (void *)(uintptr_t)INT_MAX, w, val);
}

static void wait_queued(uint32_t *w, uint32_t val, long n)
{
    while (queued(w, val) != n)
        sched_yield();
}

struct waiter { uint32_t *word; uint32_t bitset; long ret; int err; };

static void *wait_thread(void *arg)
{
    struct waiter *w = arg;
    w->ret = w->bitset ? fx(w->word, FUTEX_WAIT_BITSET, 0, NULL, NULL, w->bitset)
                       : fx(w->word, FUTEX_WAIT, 0, NULL, NULL, 0);
    w->err = w->ret < 0 ? errno : 0;
    return NULL;
}

static void on_usr1(int sig) { (void)sig; }

int main(void)
{
    static uint32_t words[16] __attribute__((aligned(8)));
    uint32_t *f = words;
    struct timespec rel = { 0, 50 * 1000 * 1000 }, bad = { 0, 1000000000 }, abs;

    f[0] = 1;
    show("WAIT on a changed word", fx(&f[0], FUTEX_WAIT, 0, NULL, NULL, 0));
    show("WAIT, 50 ms relative timeout", fx(&f[0], FUTEX_WAIT, 1, &rel, NULL, 0));
    clock_gettime(CLOCK_REALTIME, &abs);
    show("WAIT_BITSET, realtime deadline now", fx(&f[0], FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 1, &abs, NULL, ~0u));
    clock_gettime(CLOCK_MONOTONIC, &abs);
    abs.tv_nsec = 0;
    show("WAIT_BITSET, monotonic deadline past", fx(&f[0], FUTEX_WAIT_BITSET, 1, &abs, NULL, ~0u));
    show("WAIT_BITSET private, bitset 0", fx(&f[0], FUTEX_WAIT_BITSET_PRIVATE, 1, NULL, NULL, 0));
    show("WAIT, tv_nsec 1e9", fx(&f[0], FUTEX_WAIT, 1, &bad, NULL, 0));
    show("WAIT, unaligned word", fx((uint32_t *)((char *)&f[0] + 1), FUTEX_WAIT, 1, NULL, NULL, 0));
    show("WAKE, no waiters", fx(&f[0], FUTEX_WAKE, 1, NULL, NULL, 0));
    show("WAKE_BITSET, bitset 0", fx(&f[0], FUTEX_WAKE_BITSET, 1, NULL, NULL, 0));
    show("WAKE, unaligned word", fx((uint32_t *)((char *)&f[0] + 2), FUTEX_WAKE, 1, NULL, NULL, 0));
    show("CMP_REQUEUE, value differs", fx(&f[0], FUTEX_CMP_REQUEUE, 1, (void *)1, &f[1], 0));
    show("REQUEUE, negative count", fx(&f[0], FUTEX_REQUEUE, 1, (void *)(uintptr_t)-1, &f[1], 0));
    show("unknown op 99", fx(&f[0], 99, 0, NULL, NULL, 0));
    show("WAKE with FUTEX_CLOCK_REALTIME", fx(&f[0], FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1, NULL, NULL, 0));

    /* WAKE_OP arithmetic on a word nobody waits on */
    static const struct { int op, cmp; int oparg, cmparg; const char *name; } ops[] = {
        { FUTEX_OP_SET, FUTEX_OP_CMP_EQ, 5, 0, "SET 5" },
        { FUTEX_OP_ADD, FUTEX_OP_CMP_NE, -3, 5, "ADD -3" },
        { FUTEX_OP_OR, FUTEX_OP_CMP_LT, 0x30, 3, "OR 0x30" },
        { FUTEX_OP_ANDN, FUTEX_OP_CMP_LE, 0x12, 0x32, "ANDN 0x12" },
        { FUTEX_OP_XOR, FUTEX_OP_CMP_GT, 0x7ff, -1, "XOR 0x7ff" },
        { FUTEX_OP_SET | FUTEX_OP_OPARG_SHIFT, FUTEX_OP_CMP_GE, 4, 0, "SET 1<<4" },
    };
    for (unsigned i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        long r = fx(&f[2], FUTEX_WAKE_OP, 1, (void *)1, &f[3],
                    FUTEX_OP(ops[i].op, ops[i].oparg, ops[i].cmp, ops[i].cmparg));
        printf("WAKE_OP %s: %ld, word now %#x\n", ops[i].name, r, f[3]);
    }
    show("WAKE_OP, unknown op 6", fx(&f[2], FUTEX_WAKE_OP, 1, (void *)1, &f[3], FUTEX_OP(6, 0, 0, 0)));

    /* three waiters: requeued from f[4] to f[5], then woken 1 + 2 */
    pthread_t t[3];
    struct waiter w[3];
    f[4] = f[5] = 0;
    for (int i = 0; i < 3; i++) {
        w[i] = (struct waiter){ &f[4], 0, 0, 0 };
        pthread_create(&t[i], NULL, wait_thread, &w[i]);
    }
    wait_queued(&f[4], 0, 3);
    show("CMP_REQUEUE 0 woken, all moved", fx(&f[4], FUTEX_CMP_REQUEUE, 0, (void *)(uintptr_t)INT_MAX, &f[5], 0));
    show("waiters left on the first word", queued(&f[4], 0));
    show("WAKE 1 on the second word", fx(&f[5], FUTEX_WAKE, 1, NULL, NULL, 0));
    show("WAKE all on the second word", fx(&f[5], FUTEX_WAKE, INT_MAX, NULL, NULL, 0));
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    printf("the three waits returned %ld %ld %ld\n", w[0].ret, w[1].ret, w[2].ret);

    /* REQUEUE waking one and moving one */
    f[6] = f[7] = 0;
    for (int i = 0; i < 2; i++) {
        w[i] = (struct waiter){ &f[6], 0, 0, 0 };
        pthread_create(&t[i], NULL, wait_thread, &w[i]);
    }
    wait_queued(&f[6], 0, 2);
    show("REQUEUE 1 woken, 1 moved", fx(&f[6], FUTEX_REQUEUE, 1, (void *)1, &f[7], 0));
    show("WAKE the moved one", fx(&f[7], FUTEX_WAKE, 1, NULL, NULL, 0));
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);

    /* bitsets: only the matching waiter wakes */
    f[8] = 0;
    w[0] = (struct waiter){ &f[8], 1, 0, 0 };
    w[1] = (struct waiter){ &f[8], 2, 0, 0 };
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, wait_thread, &w[i]);
    wait_queued(&f[8], 0, 2);
    show("WAKE_BITSET 2 with waiters on bits 1 and 2", fx(&f[8], FUTEX_WAKE_BITSET, INT_MAX, NULL, NULL, 2));
    pthread_join(t[1], NULL);
    show("waiters left", queued(&f[8], 0));
    show("WAKE_BITSET 1", fx(&f[8], FUTEX_WAKE_BITSET, INT_MAX, NULL, NULL, 1));
    pthread_join(t[0], NULL);

    /* WAKE_OP with a waiter on each word */
    f[9] = f[10] = 0;
    w[0] = (struct waiter){ &f[9], 0, 0, 0 };
    w[1] = (struct waiter){ &f[10], 0, 0, 0 };
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, wait_thread, &w[i]);
    wait_queued(&f[9], 0, 1);
    wait_queued(&f[10], 0, 1);
    show("WAKE_OP SET 1, old == 0: both woken",
         fx(&f[9], FUTEX_WAKE_OP, 1, (void *)1, &f[10], FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0)));
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);

    /* a handler without SA_RESTART: the wait fails with EINTR */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    f[11] = 0;
    w[0] = (struct waiter){ &f[11], 0, 0, 0 };
    pthread_create(&t[0], NULL, wait_thread, &w[0]);
    wait_queued(&f[11], 0, 1);
    pthread_kill(t[0], SIGUSR1);
    pthread_join(t[0], NULL);
    printf("WAIT interrupted by a handler: %ld %s\n", w[0].ret, w[0].ret < 0 ? en(w[0].err) : "");
    return 0;
}
