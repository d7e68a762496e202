/* Thread-local storage (__thread, initialised and zeroed, and
 * pthread_key_t with destructors) and cancellation: deferred cancellation
 * of threads blocked in pthread_cond_wait, nanosleep and read, with their
 * cleanup handlers, and asynchronous-off threads that test for it. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { NT = 6 };
static __thread int tl_init = 42;
static __thread long tl_zero;
static __thread char tl_name[16];
static pthread_key_t key;
static int destructed;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

static void dtor(void *v)
{
    pthread_mutex_lock(&m);
    destructed += (int)(long)v;
    pthread_mutex_unlock(&m);
}

static void *tls_worker(void *arg)
{
    int id = (int)(long)arg;
    int ok = tl_init == 42 && tl_zero == 0 && tl_name[0] == 0;
    tl_init += id;
    tl_zero = id * 1000;
    snprintf(tl_name, sizeof tl_name, "thread %d", id);
    pthread_setspecific(key, (void *)(long)(id + 1));
    for (int i = 0; i < 1000; i++) /* others run meanwhile: still ours */
        if (tl_init != 42 + id || tl_zero != id * 1000 || (long)pthread_getspecific(key) != id + 1)
            ok = 0;
    char want[16];
    snprintf(want, sizeof want, "thread %d", id);
    if (strcmp(tl_name, want))
        ok = 0;
    return (void *)(long)ok;
}

static pthread_cond_t never = PTHREAD_COND_INITIALIZER;
static int cleanups;
static int ready;

static void cleanup(void *arg)
{
    __atomic_fetch_add(&cleanups, 1, __ATOMIC_SEQ_CST);
    if (arg)
        pthread_mutex_unlock(arg);
}

static void *in_cond_wait(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&m);
    pthread_cleanup_push(cleanup, &m);
    __atomic_fetch_add(&ready, 1, __ATOMIC_SEQ_CST);
    for (;;)
        pthread_cond_wait(&never, &m);
    pthread_cleanup_pop(0);
    return NULL;
}

static void *in_sleep(void *arg)
{
    (void)arg;
    pthread_cleanup_push(cleanup, NULL);
    __atomic_fetch_add(&ready, 1, __ATOMIC_SEQ_CST);
    for (;;) {
        struct timespec ts = { 1000, 0 };
        nanosleep(&ts, NULL);
    }
    pthread_cleanup_pop(0);
    return NULL;
}

static int pipefd[2];
static void *in_read(void *arg)
{
    (void)arg;
    char c;
    pthread_cleanup_push(cleanup, NULL);
    __atomic_fetch_add(&ready, 1, __ATOMIC_SEQ_CST);
    for (;;)
        read(pipefd[0], &c, 1);
    pthread_cleanup_pop(0);
    return NULL;
}

static void *polls(void *arg)
{
    (void)arg;
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
    __atomic_fetch_add(&ready, 1, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&ready, __ATOMIC_SEQ_CST) < 100)
        sched_yield();
    pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
    pthread_testcancel();
    return (void *)7; /* not reached */
}

int main(void)
{
    pthread_key_create(&key, dtor);
    pthread_t t[NT];
    for (long i = 0; i < NT; i++)
        pthread_create(&t[i], NULL, tls_worker, (void *)i);
    int good = 0;
    for (int i = 0; i < NT; i++) {
        void *r;
        pthread_join(t[i], &r);
        good += (int)(long)r;
    }
    printf("tls: %d of %d threads saw only their own values; main's: %d %ld\n", good, NT, tl_init, tl_zero);
    printf("key destructors: sum %d\n", destructed);

    pipe(pipefd);
    void *(*fns[4])(void *) = { in_cond_wait, in_sleep, in_read, polls };
    const char *names[4] = { "cond_wait", "nanosleep", "read", "testcancel" };
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, fns[i], NULL);
    while (__atomic_load_n(&ready, __ATOMIC_SEQ_CST) < 4)
        sched_yield();
    for (int i = 0; i < 4; i++)
        pthread_cancel(t[i]);
    __atomic_store_n(&ready, 100, __ATOMIC_SEQ_CST);
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        printf("cancel in %s: %s\n", names[i], r == PTHREAD_CANCELED ? "canceled" : "returned");
    }
    printf("cleanup handlers run: %d\n", cleanups);
    printf("mutex free after cancel: %s\n", pthread_mutex_trylock(&m) == 0 ? "yes" : "no");
    return 0;
}
