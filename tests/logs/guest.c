/* The guest of tests/logs/run.sh (built -m32 -static): a loop whose trip
 * count is argv[1] (two counts: two runs that diverge at one block), an
 * anonymous mmap (-d page), an unimplemented system call (-d unimp) and a
 * fault the program catches (-d fault). */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static sigjmp_buf back;

static void on_segv(int sig)
{
    (void)sig;
    siglongjmp(back, 1);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 3;
    unsigned s = 0;
    for (int i = 0; i < n; i++)
        s = s * 31 + (unsigned)i;
    char *m = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return 1;
    m[0] = 1;
    long r = syscall(500); /* no such call on i386: ENOSYS */
    signal(SIGSEGV, on_segv);
    int caught = 0;
    if (!sigsetjmp(back, 1))
        *(volatile int *)16 = 1;
    else
        caught = 1;
    printf("sum %u mmap ok enosys %d caught %d\n", s, r == -1, caught);
    return 0;
}
