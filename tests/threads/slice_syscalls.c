/* A thread that calls the system in every pass of its loop must still let
 * the others run.  Each loop below ends only when main, spinning without a
 * system call, has seen it start and told it to stop.  emu386 restarted a
 * thread's time slice at each of its system calls, so such a thread kept
 * the turn forever and main never ran again (CPython's
 * test_stress_modifying_handlers: a thread raising SIGUSR1 in a loop). */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static int started, stop;
static volatile sig_atomic_t handled;

static void on_usr1(int sig) { (void)sig; handled = 1; }

static void *calls_getppid(void *arg)
{
    (void)arg;
    __atomic_store_n(&started, 1, __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&stop, __ATOMIC_SEQ_CST))
        getppid();
    return NULL;
}

static void *raises_usr1(void *arg)
{
    (void)arg;
    __atomic_store_n(&started, 1, __ATOMIC_SEQ_CST);
    while (!__atomic_load_n(&stop, __ATOMIC_SEQ_CST))
        raise(SIGUSR1);
    return NULL;
}

static void run(const char *name, void *(*fn)(void *))
{
    pthread_t t;
    __atomic_store_n(&started, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&stop, 0, __ATOMIC_SEQ_CST);
    if (pthread_create(&t, NULL, fn, NULL) != 0) {
        printf("%s: pthread_create failed\n", name);
        return;
    }
    while (!__atomic_load_n(&started, __ATOMIC_SEQ_CST))
        ;
    __atomic_store_n(&stop, 1, __ATOMIC_SEQ_CST);
    pthread_join(t, NULL);
    printf("%s: stopped by main\n", name);
}

int main(void)
{
    alarm(300); /* a watchdog: the bug hangs, this turns it into a failure */
    signal(SIGUSR1, on_usr1);
    run("getppid loop", calls_getppid);
    run("raise(SIGUSR1) loop", raises_usr1);
    printf("SIGUSR1 handled: %d\n", (int)handled);
    return 0;
}
