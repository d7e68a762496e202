/* A private file mapping is the file's, as on Linux, not a copy taken at
 * mmap: a page wholly past the file's end raises SIGBUS (BUS_ADRERR) for
 * a load and a store, and reads zeros once the file has grown over it;
 * the file's later writes show on the pages the guest has not written,
 * never on the ones it has; the guest's writes never reach the file; a
 * system call given a buffer past the end fails with EFAULT; a fork's
 * child gets the parent's written pages as they were, its own writes
 * apart; a file open read-only maps privately writable; mprotect works
 * on it; a pipe cannot be mapped (ENODEV) nor a file open write-only
 * (EACCES).  emu386 copied the file when it mapped it: every one of
 * those differed (zeros for SIGBUS, the old bytes for the file's new
 * ones, ESPIPE and EBADF from its read for the two errors), and a large
 * mapping read its whole file before the guest touched any of it. */
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
static int store(int off, char c) { ((volatile char *)m)[off] = c; return 0; }

static int file_byte(int fd, off_t off)
{
    char c = 0;
    return pread(fd, &c, 1, off) == 1 ? c : -1;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    catch_faults();

    const char *f = "map-private-file.tmp";
    int fd = open(f, O_RDWR | O_CREAT | O_TRUNC, 0600);
    char text[5000];
    for (int i = 0; i < (int)sizeof text; i++)
        text[i] = (char)('a' + i % 26);
    if (fd < 0 || write(fd, text, sizeof text) != (ssize_t)sizeof text)
        return 1;
    m = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED)
        return 1;

    TRY("load in the file", load(10));
    TRY("load the file's last byte", load(4999));
    TRY("load past the end, same page", load(5000));
    TRY("load a page past the end", load(2 * PG + 5));
    TRY("store a page past the end", store(2 * PG + 7, 'x'));

    TRY("store in the first page", store(100, 'W'));
    TRY("load it back", load(100));
    printf("the file's byte there: %c\n", file_byte(fd, 100));

    /* the file changes under the mapping */
    if (pwrite(fd, "N", 1, PG + 50) != 1 || pwrite(fd, "F", 1, 101) != 1)
        return 1;
    TRY("a page not written sees the file's new byte", load(PG + 50));
    TRY("a page written keeps its own", load(101));

    int out = open("map-private-file.out", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    show("write from a page past the end", write(out, m + 2 * PG, 10));
    show("write from the first page", write(out, m, 10));
    close(out);
    unlink("map-private-file.out");

    pid_t pid = fork();
    if (pid == 0) {
        int ok = load(100) == 'W' && load(PG + 50) == 'N';
        store(200, 'C');
        _exit(ok ? 0 : 1);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    printf("child saw the parent's pages: %s\n", WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "yes" : "no");
    TRY("the child's store is its own", load(200));

    if (ftruncate(fd, 3 * PG) != 0)
        return 1;
    TRY("load a page in after the file grew", load(2 * PG + 5));
    TRY("store in it", store(2 * PG + 6, 'g'));
    printf("the file's byte there: %d\n", file_byte(fd, 2 * PG + 6));

    show("mprotect read-only", mprotect(m, PG, PROT_READ));
    TRY("store into it", store(300, 'R'));
    show("mprotect read-write", mprotect(m, PG, PROT_READ | PROT_WRITE));
    TRY("store into it again", store(300, 'R'));
    TRY("load it back", load(300));
    munmap(m, 3 * PG);

    /* read-only descriptor, private and writable */
    int ro = open(f, O_RDONLY);
    m = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
    show("map a read-only file privately writable", m == MAP_FAILED ? -1 : 0);
    if (m != MAP_FAILED) {
        TRY("store", store(1, 'Q'));
        TRY("load", load(1));
        printf("the file's byte there: %c\n", file_byte(fd, 1));
        munmap(m, PG);
    }
    close(ro);

    int wo = open(f, O_WRONLY);
    show("map a write-only file", mmap(NULL, PG, PROT_READ, MAP_PRIVATE, wo, 0) == MAP_FAILED ? -1 : 0);
    close(wo);
    int pfd[2];
    if (pipe(pfd) != 0)
        return 1;
    show("map a pipe", mmap(NULL, PG, PROT_READ, MAP_PRIVATE, pfd[0], 0) == MAP_FAILED ? -1 : 0);
    close(pfd[0]);
    close(pfd[1]);

    /* 256 MiB of file, one page of it touched */
    enum { BIG = 256 << 20 };
    if (ftruncate(fd, BIG) != 0 || pwrite(fd, "M", 1, BIG / 2) != 1)
        return 1;
    m = mmap(NULL, BIG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    show("map 256 MiB of file", m == MAP_FAILED ? -1 : 0);
    if (m != MAP_FAILED) {
        TRY("load its middle", load(BIG / 2));
        TRY("load its last byte", load(BIG - 1));
        munmap(m, BIG);
    }
    close(fd);
    unlink(f);
    return 0;
}
