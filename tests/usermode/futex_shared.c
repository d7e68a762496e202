/* Futexes in MAP_SHARED memory across fork: a process-shared semaphore
 * posted by the child wakes the parent's sem_timedwait; a raw shared
 * FUTEX_WAIT in the child is woken by the parent's FUTEX_WAKE (which
 * counts it); a shared wait times out and checks the value as Linux does.
 * Each emulator queued its own waiters, so the parent's wait ran into
 * its timeout (and before MAP_SHARED memory was shared, never saw the post). */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <semaphore.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "common.h"

static long futex(uint32_t *w, int op, uint32_t val, const struct timespec *ts)
{
    return syscall(SYS_futex, w, op, val, ts, NULL, 0);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct shm { sem_t sem; uint32_t word, ready; } *s =
        mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    sem_init(&s->sem, 1, 0);
    pid_t c = fork();
    if (c == 0) {
        usleep(100000);
        sem_post(&s->sem);
        _exit(0);
    }
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += 20;
    show("sem_timedwait, posted by the child", sem_timedwait(&s->sem, &dl));
    waitpid(c, NULL, 0);

    s->word = 7;
    c = fork();
    if (c == 0) { /* waits while the word is 7 */
        __atomic_store_n(&s->ready, 1, __ATOMIC_SEQ_CST);
        while (__atomic_load_n(&s->word, __ATOMIC_SEQ_CST) == 7)
            if (futex(&s->word, FUTEX_WAIT, 7, NULL) && errno != EAGAIN && errno != EINTR)
                _exit(1);
        _exit(0);
    }
    while (!__atomic_load_n(&s->ready, __ATOMIC_SEQ_CST))
        usleep(1000);
    long woken = 0;
    for (int i = 0; i < 5000 && woken == 0; i++) { /* until the child is asleep in it */
        woken = futex(&s->word, FUTEX_WAKE, 1, NULL);
        if (!woken)
            usleep(1000);
    }
    printf("FUTEX_WAKE woke the child's wait: %ld\n", woken);
    __atomic_store_n(&s->word, 8, __ATOMIC_SEQ_CST); /* then it leaves */
    futex(&s->word, FUTEX_WAKE, 1, NULL);
    int st;
    waitpid(c, &st, 0);
    printf("child exit %d\n", WEXITSTATUS(st));
    show("FUTEX_WAKE with nobody waiting", futex(&s->word, FUTEX_WAKE, 1, NULL));

    struct timespec rel = { 0, 50 * 1000 * 1000 };
    show("shared FUTEX_WAIT, other value", futex(&s->word, FUTEX_WAIT, 7, &rel));
    show("shared FUTEX_WAIT, timed out", futex(&s->word, FUTEX_WAIT, 8, &rel));
    show("shared FUTEX_WAIT, unaligned", futex((uint32_t *)((char *)&s->word + 1), FUTEX_WAIT, 8, &rel));
    return 0;
}
