/* How threads end a process, each in a forked child whose status the
 * parent prints: exit() (exit_group) from a thread while the main
 * thread waits in pthread_join; pthread_exit from main while a thread
 * goes on (the process ends with the last thread, status 0); a thread
 * returning after main's pthread_exit; the exit code of a thread that
 * falls off the end of main; and join/detach of many short threads. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void *exits_process(void *arg)
{
    (void)arg;
    exit(7);
}

static void *late_print(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100000; i++)
        sched_yield();
    printf("thread: still running after main's pthread_exit\n");
    fflush(stdout);
    return NULL;
}

static void *blocks_forever(void *arg)
{
    (void)arg;
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t c = PTHREAD_COND_INITIALIZER;
    pthread_mutex_lock(&m);
    for (;;)
        pthread_cond_wait(&c, &m);
    return NULL;
}

static void *ret_id(void *arg) { return arg; }

static void run(const char *what, void (*body)(void))
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        body();
        exit(99);
    }
    int st;
    waitpid(pid, &st, 0);
    if (WIFEXITED(st))
        printf("%s: exit status %d\n", what, WEXITSTATUS(st));
    else
        printf("%s: signal %d\n", what, WTERMSIG(st));
}

static void exit_from_thread(void)
{
    pthread_t t, b;
    pthread_create(&b, NULL, blocks_forever, NULL);
    pthread_create(&t, NULL, exits_process, NULL);
    pthread_join(t, NULL);
}

static void main_pthread_exit(void)
{
    pthread_t t;
    pthread_create(&t, NULL, late_print, NULL);
    pthread_exit(NULL);
}

static void main_returns_with_blocked_threads(void)
{
    pthread_t b[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&b[i], NULL, blocks_forever, NULL);
    exit(3); /* exit_group: the blocked threads go too */
}

int main(void)
{
    run("exit(7) in a thread while main joins", exit_from_thread);
    run("pthread_exit in main, a thread finishes", main_pthread_exit);
    run("exit(3) in main with blocked threads", main_returns_with_blocked_threads);
    long sum = 0;
    for (long round = 0; round < 20; round++) {
        pthread_t t[10];
        for (long i = 0; i < 10; i++)
            pthread_create(&t[i], NULL, ret_id, (void *)(round * 10 + i));
        for (int i = 0; i < 10; i++) {
            void *r;
            pthread_join(t[i], &r);
            sum += (long)r;
        }
        pthread_t d;
        pthread_attr_t a;
        pthread_attr_init(&a);
        pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
        pthread_create(&d, &a, ret_id, NULL);
        pthread_attr_destroy(&a);
    }
    printf("200 threads joined, sum of their results %ld\n", sum);
    return 0;
}
