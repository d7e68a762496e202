/* Mutexes, condition variables and barriers: a bounded queue between
 * four producers and four consumers, then eight threads stepping through
 * phases of a barrier.  Only totals are printed: the same on any machine
 * whatever the interleaving. */
#include <pthread.h>
#include <stdio.h>

enum { NPROD = 4, NCONS = 4, PER = 20000, QCAP = 16, NBAR = 8, PHASES = 50 };

static pthread_mutex_t qlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t notfull = PTHREAD_COND_INITIALIZER, notempty = PTHREAD_COND_INITIALIZER;
static int queue[QCAP], head, count, producers_left = NPROD;

static void *producer(void *arg)
{
    int base = (int)(long)arg * PER;
    for (int i = 0; i < PER; i++) {
        pthread_mutex_lock(&qlock);
        while (count == QCAP)
            pthread_cond_wait(&notfull, &qlock);
        queue[(head + count++) % QCAP] = base + i;
        pthread_cond_signal(&notempty);
        pthread_mutex_unlock(&qlock);
    }
    pthread_mutex_lock(&qlock);
    producers_left--;
    pthread_cond_broadcast(&notempty);
    pthread_mutex_unlock(&qlock);
    return NULL;
}

static void *consumer(void *arg)
{
    long long *sum = arg;
    long n = 0;
    for (;;) {
        pthread_mutex_lock(&qlock);
        while (count == 0 && producers_left > 0)
            pthread_cond_wait(&notempty, &qlock);
        if (count == 0) {
            pthread_mutex_unlock(&qlock);
            break;
        }
        int v = queue[head];
        head = (head + 1) % QCAP;
        count--;
        pthread_cond_signal(&notfull);
        pthread_mutex_unlock(&qlock);
        *sum += v;
        n++;
    }
    return (void *)n;
}

static pthread_barrier_t bar;
static int arrived[PHASES];
static int bad_phase;

static void *stepper(void *arg)
{
    (void)arg;
    for (int ph = 0; ph < PHASES; ph++) {
        __atomic_fetch_add(&arrived[ph], 1, __ATOMIC_SEQ_CST);
        int r = pthread_barrier_wait(&bar);
        /* past the barrier every thread has arrived in this phase */
        if (__atomic_load_n(&arrived[ph], __ATOMIC_SEQ_CST) != NBAR)
            __atomic_store_n(&bad_phase, 1, __ATOMIC_SEQ_CST);
        if (r != 0 && r != PTHREAD_BARRIER_SERIAL_THREAD)
            __atomic_store_n(&bad_phase, 2, __ATOMIC_SEQ_CST);
        pthread_barrier_wait(&bar);
    }
    return NULL;
}

int main(void)
{
    pthread_t p[NPROD], c[NCONS];
    long long sums[NCONS] = { 0 };
    for (long i = 0; i < NPROD; i++)
        pthread_create(&p[i], NULL, producer, (void *)i);
    for (int i = 0; i < NCONS; i++)
        pthread_create(&c[i], NULL, consumer, &sums[i]);
    long items = 0;
    long long total = 0;
    for (int i = 0; i < NPROD; i++)
        pthread_join(p[i], NULL);
    for (int i = 0; i < NCONS; i++) {
        void *n;
        pthread_join(c[i], &n);
        items += (long)n;
        total += sums[i];
    }
    long long want = (long long)NPROD * PER * (NPROD * PER - 1) / 2;
    printf("queue: %ld items, sum %lld (%s)\n", items, total, total == want ? "right" : "WRONG");

    pthread_barrier_init(&bar, NULL, NBAR);
    pthread_t s[NBAR];
    for (int i = 0; i < NBAR; i++)
        pthread_create(&s[i], NULL, stepper, NULL);
    for (int i = 0; i < NBAR; i++)
        pthread_join(s[i], NULL);
    pthread_barrier_destroy(&bar);
    printf("barrier: %d phases, %s\n", PHASES, bad_phase ? "a thread passed early" : "every thread arrived each time");

    /* recursive and error-checking mutexes */
    pthread_mutexattr_t a;
    pthread_mutex_t rec, chk;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&rec, &a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
    pthread_mutex_init(&chk, &a);
    int r1 = pthread_mutex_lock(&rec), r2 = pthread_mutex_lock(&rec), r3 = pthread_mutex_trylock(&rec);
    printf("recursive: %d %d %d\n", r1, r2, r3);
    pthread_mutex_lock(&chk);
    printf("errorcheck relock: %s\n", pthread_mutex_lock(&chk) == 35 /* EDEADLK */ ? "EDEADLK" : "other");
    return 0;
}
