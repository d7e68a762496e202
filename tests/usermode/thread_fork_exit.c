/* fork() from a thread other than the main one (bug: the child's only
 * host thread was the forking one, and when the guest called _exit(50)
 * it ended with pthread_exit's status 0, so CPython's
 * test_reinit_tls_after_fork saw every child exit 0): the child's
 * exit_group and exit statuses reach the parent, from several threads
 * at once (a second bug: the child hung in pthread_cond_destroy of
 * another thread's condition variable that had a waiter in the parent). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void *fork_and_wait(void *arg)
{
    long how = (long)arg;
    pid_t pid = fork();
    if (pid == 0) {
        if (how & 1)
            syscall(SYS_exit, 40 + (int)how); /* exit of the last thread */
        _exit(40 + (int)how);                  /* exit_group */
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return (void *)(long)(WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    enum { N = 8 };
    pthread_t t[N];
    for (long i = 0; i < N; i++)
        pthread_create(&t[i], NULL, fork_and_wait, (void *)i);
    for (long i = 0; i < N; i++) {
        void *r;
        pthread_join(t[i], &r);
        printf("thread %ld: child exited with %ld (%s)\n", i, (long)r, i & 1 ? "exit" : "exit_group");
    }
    return 0;
}
