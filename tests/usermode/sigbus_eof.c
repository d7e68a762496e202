/* A shared file mapping past its file's end: the bytes of the last
 * page after the end read as zeros, a whole page past it raises SIGBUS
 * (BUS_ADRERR, si_addr the first byte the access touched there) for a
 * load, a store, an access that straddles into it and a REP MOVSB that
 * runs into it (emu386's host copies touch a page's bytes in their own
 * order: the instruction runs again on exact checks); after the file grows the
 * same page reads as zeros; a system call given such a buffer fails with
 * EFAULT; without a handler the process dies by SIGBUS.  emu386 let the
 * host's SIGBUS end the emulator: the guest's handler never ran. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"
#include "fault_try.h"

enum { PG = 4096 };

static int load(int off) { return ((volatile char *)m)[off]; }
static int store(int off) { ((volatile char *)m)[off] = 'w'; return 0; }
static int load32(int off) { int v; memcpy(&v, (const char *)m + off, 4); return *(volatile int *)&v; }
static int straddle(int off) { return *(volatile int *)(m + off); }
/* REP MOVSB of 2 pages from m + off: the instruction itself, not a C
 * library's copy, whose order of accesses differs between builds */
static int rep_movsb(int off)
{
    static char buf[2 * PG];
    void *d = buf, *src = m + off;
    unsigned long n = sizeof buf;
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
    return buf[0];
}

/* REP STOSB of 64 bytes into m + off */
static int rep_stosb(int off)
{
    void *d = m + off;
    unsigned long n = 64;
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(0x5a) : "memory");
    return 0;
}

/* REPE CMPSB of the file's bytes against themselves from m + off: equal
 * until it reads into the page past the end */
static int repe_cmpsb(int off)
{
    const void *a = m + off, *b = m + off;
    unsigned long n = 64;
    __asm__ volatile("repe cmpsb" : "+S"(a), "+D"(b), "+c"(n) : : "cc", "memory");
    return (int)n;
}

/* an x87 load of a double */
static int fld(int off)
{
    double d;
    __asm__ volatile("fldl %1; fstpl %0" : "=m"(d) : "m"(*(const double *)(const void *)(m + off)));
    return (int)d;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *f = "sigbus-eof.tmp";
    int fd = open(f, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, "0123456789", 10) != 10)
        return 1;
    m = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED)
        return 1;
    catch_faults();

    TRY("load in the file", load(5));
    TRY("load past the end, same page", load(100));
    TRY("store past the end, same page", store(200));
    TRY("load a page past the end", load(PG + 10));
    TRY("store two pages past the end", store(2 * PG + 1));
    TRY("load32 a page past the end", load32(PG + 64));
    TRY("load straddling into the page past the end", straddle(PG - 2));
    TRY("rep movsb from the file into the page past the end", rep_movsb(PG - 16));
    TRY("rep stosb from the file's page into the page past the end", rep_stosb(PG - 8));
    TRY("repe cmpsb into the page past the end", repe_cmpsb(PG - 4));
    TRY("x87 load straddling into the page past the end", fld(PG - 4));
    TRY("load a page past the end, again", load(PG + 20));

    /* a file: /dev/null's write never reads the buffer */
    int out = open("sigbus-eof.out", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    show("write from a page past the end", write(out, m + PG, 10));
    show("write from the file's page", write(out, m, 10));
    close(out);
    unlink("sigbus-eof.out");

    if (ftruncate(fd, 2 * PG) != 0)
        return 1;
    TRY("load a page in after the file grew", load(PG + 10));
    TRY("store in it", store(PG + 11));
    char c = '?';
    show("pread of that byte", pread(fd, &c, 1, PG + 11));
    printf("byte: %c\n", c);
    TRY("load the page still past the end", load(2 * PG + 3));

    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGBUS, SIG_DFL);
        load(2 * PG);
        _exit(0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    printf("child without a handler: %s\n",
           WIFSIGNALED(st) ? (WTERMSIG(st) == SIGBUS ? "killed by SIGBUS" : "killed by another signal")
                           : "exited");
    munmap(m, 3 * PG);
    close(fd);
    unlink(f);
    return 0;
}
