/* A SIGSEGV handler that recovers twice: once by siglongjmp, once by
 * making the page accessible and returning to retry the access. */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static sigjmp_buf env;
static volatile int mode;
static char *page;
static volatile uintptr_t fault_offset;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    fault_offset = (uintptr_t)si->si_addr - (uintptr_t)page;
    if (mode == 0)
        siglongjmp(env, sig);
    mprotect(page, 4096, PROT_READ | PROT_WRITE); /* retry succeeds */
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED)
        return 1;
    int got = sigsetjmp(env, 1);
    if (got == 0) {
        mode = 0;
        page[100] = 1; /* faults */
        puts("not reached");
        return 1;
    }
    printf("recovered with siglongjmp from signal %d at page+%lu\n", got, (unsigned long)fault_offset);
    mode = 1;
    /* a volatile store: an ordinary one may be moved after the volatile
     * read of fault_offset below (x86-64 gcc -O2 does), printing the
     * first fault's offset */
    *(volatile char *)&page[200] = 42; /* faults, handler unprotects, the store is retried */
    printf("retried store after mprotect: page[200]=%d, fault at page+%lu\n", page[200],
           (unsigned long)fault_offset);
    return 0;
}
