/* Signals and threads: pthread_kill to each of eight threads (the handler
 * runs on the thread it was sent to, on that thread's alternate stack
 * when it has one), a process-directed kill() taken by the one thread
 * that does not block it, per-thread masks, and a signal interrupting a
 * thread blocked in pthread_cond_wait (the wait carries on), and a host
 * signal (SIGALRM from setitimer) while threads that block it sit in
 * sem_wait: only the thread that takes it runs the handler, the others'
 * sem_wait neither fails nor returns early. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <semaphore.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

enum { NT = 8 };
static __thread int my_id = -1;
static __thread char *alt_base;
static int hits[NT], wrong_thread, on_alt[NT];
static int go, done_count;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
    (void)sig; (void)uc;
    int v = si->si_value.sival_int;
    (void)v;
    if (my_id < 0 || my_id >= NT) {
        __atomic_fetch_add(&wrong_thread, 1, __ATOMIC_SEQ_CST);
        return;
    }
    __atomic_fetch_add(&hits[my_id], 1, __ATOMIC_SEQ_CST);
    char local;
    if (alt_base && &local >= alt_base && &local < alt_base + 65536)
        on_alt[my_id] = 1;
}

static void *worker(void *arg)
{
    my_id = (int)(long)arg;
    if (my_id % 2) { /* odd threads run their handlers on an alternate stack */
        alt_base = malloc(65536);
        stack_t ss = { .ss_sp = alt_base, .ss_size = 65536, .ss_flags = 0 };
        sigaltstack(&ss, NULL);
    }
    __atomic_fetch_add(&done_count, 1, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&hits[my_id], __ATOMIC_SEQ_CST) == 0)
        sched_yield();
    while (!__atomic_load_n(&go, __ATOMIC_SEQ_CST))
        sched_yield();
    return NULL;
}

static int usr2_by = -1;
static void on_usr2(int sig) { (void)sig; usr2_by = my_id; }

static void *unblocked(void *arg)
{
    my_id = (int)(long)arg;
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    pthread_sigmask(SIG_UNBLOCK, &s, NULL);
    while (usr2_by < 0)
        sched_yield();
    return NULL;
}

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static int flag, waiting, handled_in_wait;
static void on_int(int sig) { (void)sig; handled_in_wait = 1; }

static void *cond_waiter(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&m);
    waiting = 1;
    while (!flag)
        pthread_cond_wait(&c, &m);
    pthread_mutex_unlock(&m);
    return NULL;
}

static sem_t sem;
static int alarms, sem_started;
static void on_alrm(int sig) { (void)sig; __atomic_fetch_add(&alarms, 1, __ATOMIC_SEQ_CST); }

static void *sem_waiter(void *arg)
{
    (void)arg;
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGALRM);
    pthread_sigmask(SIG_BLOCK, &s, NULL);
    __atomic_fetch_add(&sem_started, 1, __ATOMIC_SEQ_CST);
    long r = sem_wait(&sem);
    return (void *)(r == 0 ? 0L : (long)errno);
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_usr1;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigaction(SIGUSR1, &sa, NULL);
    pthread_t t[NT];
    for (long i = 0; i < NT; i++)
        pthread_create(&t[i], NULL, worker, (void *)i);
    while (__atomic_load_n(&done_count, __ATOMIC_SEQ_CST) < NT)
        sched_yield();
    for (int i = NT - 1; i >= 0; i--)
        pthread_kill(t[i], SIGUSR1);
    go = 1;
    for (int i = 0; i < NT; i++)
        pthread_join(t[i], NULL);
    int alt = 0, ok = 1;
    for (int i = 0; i < NT; i++) {
        ok &= hits[i] == 1;
        alt += on_alt[i];
    }
    printf("pthread_kill: each of %d threads took its own signal once: %s; wrong thread: %d\n", NT,
           ok ? "yes" : "no", wrong_thread);
    printf("handlers on the alternate stack: %d (the odd threads)\n", alt);

    /* SIGUSR2 blocked everywhere but in thread 5: kill() goes there */
    signal(SIGUSR2, on_usr2);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &s, NULL);
    my_id = 100;
    pthread_t u;
    pthread_create(&u, NULL, unblocked, (void *)5L);
    kill(getpid(), SIGUSR2);
    pthread_join(u, NULL);
    printf("kill() to the process: handled by thread %d\n", usr2_by);
    sigset_t pend;
    sigpending(&pend);
    printf("main's SIGUSR2 pending afterwards: %d\n", sigismember(&pend, SIGUSR2));

    /* a signal while pthread_cond_wait blocks: handled, the wait goes on */
    signal(SIGINT, on_int);
    pthread_t w;
    pthread_create(&w, NULL, cond_waiter, NULL);
    for (;;) {
        pthread_mutex_lock(&m);
        int ready = waiting;
        pthread_mutex_unlock(&m);
        if (ready)
            break;
        sched_yield();
    }
    pthread_kill(w, SIGINT);
    while (!__atomic_load_n(&handled_in_wait, __ATOMIC_SEQ_CST))
        sched_yield();
    pthread_mutex_lock(&m);
    flag = 1;
    pthread_cond_signal(&c);
    pthread_mutex_unlock(&m);
    pthread_join(w, NULL);
    printf("signal during pthread_cond_wait: handled %d, wait finished\n", handled_in_wait);

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alrm; /* no SA_RESTART */
    sigaction(SIGALRM, &sa, NULL);
    sem_init(&sem, 0, 0);
    pthread_t sw[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&sw[i], NULL, sem_waiter, NULL);
    while (__atomic_load_n(&sem_started, __ATOMIC_SEQ_CST) < 3)
        sched_yield();
    struct itimerval it = { { 0, 0 }, { 0, 20000 } };
    setitimer(ITIMER_REAL, &it, NULL);
    while (!__atomic_load_n(&alarms, __ATOMIC_SEQ_CST))
        sched_yield();
    for (int i = 0; i < 3; i++)
        sem_post(&sem);
    long bad = 0;
    for (int i = 0; i < 3; i++) {
        void *r;
        pthread_join(sw[i], &r);
        bad += r != NULL;
    }
    printf("SIGALRM with three threads in sem_wait: %d handler run, %ld sem_wait failed\n", alarms, bad);
    return 0;
}
