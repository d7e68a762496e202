#define _GNU_SOURCE
/* Timed waits whose timeout expires (the futex's absolute and relative
 * timeouts, on CLOCK_REALTIME and CLOCK_MONOTONIC) and the same waits
 * satisfied in time.  Only the outcome is printed, never a duration. */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <time.h>

static const char *res(int r)
{
    return r == 0 ? "0" : r == ETIMEDOUT ? "ETIMEDOUT" : r == EINTR ? "EINTR" : r == EBUSY ? "EBUSY" : r == EAGAIN ? "EAGAIN" : r == EINVAL ? "EINVAL" : "other";
}

static struct timespec in_ms(clockid_t clk, long ms)
{
    struct timespec t;
    clock_gettime(clk, &t);
    long long ns = (long long)t.tv_nsec + (long long)ms * 1000000;
    long long sec = ns >= 0 ? ns / 1000000000 : -((-ns + 999999999) / 1000000000);
    t.tv_sec += (time_t)sec;
    t.tv_nsec = (long)(ns - sec * 1000000000);
    return t;
}

static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
static sem_t sem;
static int holder_go;

static void *holder(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&held);
    __atomic_store_n(&holder_go, 1, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&holder_go, __ATOMIC_SEQ_CST) != 2)
        sched_yield();
    pthread_mutex_unlock(&held);
    return NULL;
}

static void *poster(void *arg)
{
    (void)arg;
    sem_post(&sem);
    return NULL;
}

int main(void)
{
    pthread_t h;
    pthread_create(&h, NULL, holder, NULL);
    while (!__atomic_load_n(&holder_go, __ATOMIC_SEQ_CST))
        sched_yield();
    struct timespec t = in_ms(CLOCK_REALTIME, 200);
    printf("pthread_mutex_timedlock on a held mutex: %s\n", res(pthread_mutex_timedlock(&held, &t)));
    t = in_ms(CLOCK_MONOTONIC, 100);
    printf("pthread_mutex_clocklock (monotonic): %s\n", res(pthread_mutex_clocklock(&held, CLOCK_MONOTONIC, &t)));
    printf("pthread_mutex_trylock: %s\n", res(pthread_mutex_trylock(&held)));
    __atomic_store_n(&holder_go, 2, __ATOMIC_SEQ_CST);
    pthread_join(h, NULL);
    t = in_ms(CLOCK_REALTIME, 200);
    printf("timedlock once it is free: %s\n", res(pthread_mutex_timedlock(&held, &t)));
    pthread_mutex_unlock(&held);

    sem_init(&sem, 0, 0);
    t = in_ms(CLOCK_REALTIME, 150);
    int r = sem_timedwait(&sem, &t);
    printf("sem_timedwait on 0: %s\n", r == 0 ? "0" : res(errno));
    t = in_ms(CLOCK_MONOTONIC, 100);
    r = sem_clockwait(&sem, CLOCK_MONOTONIC, &t);
    printf("sem_clockwait on 0: %s\n", r == 0 ? "0" : res(errno));
    pthread_t p;
    pthread_create(&p, NULL, poster, NULL);
    t = in_ms(CLOCK_REALTIME, 20000);
    r = sem_timedwait(&sem, &t);
    printf("sem_timedwait with a poster: %s\n", r == 0 ? "0" : res(errno));
    pthread_join(p, NULL);

    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t c = PTHREAD_COND_INITIALIZER;
    pthread_mutex_lock(&m);
    t = in_ms(CLOCK_REALTIME, 100);
    printf("pthread_cond_timedwait: %s\n", res(pthread_cond_timedwait(&c, &m, &t)));
    t = in_ms(CLOCK_MONOTONIC, 100);
    printf("pthread_cond_clockwait (monotonic): %s\n", res(pthread_cond_clockwait(&c, &m, CLOCK_MONOTONIC, &t)));
    pthread_mutex_unlock(&m);
    t = in_ms(CLOCK_REALTIME, -1000);
    printf("a deadline already past: %s\n", res(pthread_mutex_timedlock(&held, &t)));
    pthread_mutex_unlock(&held);
    return 0;
}
