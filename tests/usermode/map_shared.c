/* MAP_SHARED: writes through a file mapping reach the file at once (read
 * and pread see them, before msync and after munmap), the file's writes
 * show in the mapping, a fork's child shares file and anonymous shared
 * pages, mremap grows a shared mapping into its file (in place and moved),
 * a read-only file's shared mapping cannot be made writable (EACCES), and
 * msync's errors (Linux's order).  The file mappings were copies and
 * msync was ENOSYS (test_mmap's test_basic, test_access_parameter,
 * test_flush_return_value). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"

enum { PG = 4096 };

static char at(int fd, off_t off)
{
    char c = '?';
    return pread(fd, &c, 1, off) == 1 ? c : '!';
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *f = "map-shared.tmp";
    int fd = open(f, O_RDWR | O_CREAT | O_TRUNC, 0600);
    char page[PG];
    memset(page, 'a', PG);
    for (int i = 0; i < 3; i++)
        if (write(fd, page, PG) != PG)
            return 1;
    /* room after it for the growth in place, kept until then */
    char *room = mmap(NULL, 8 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *m = mmap(room, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
    if (room == MAP_FAILED || m != room)
        return 1;
    m[0] = 'x';
    m[PG + 5] = 'y';
    printf("file after mapping writes: %c %c\n", at(fd, 0), at(fd, PG + 5));
    if (pwrite(fd, "z", 1, 2 * PG + 7) != 1)
        return 1;
    printf("mapping after a file write: %c\n", m[2 * PG + 7]);

    show("msync sync", msync(m, 3 * PG, MS_SYNC));
    show("msync async, short length", msync(m, 1, MS_ASYNC));
    show("msync zero length", msync(m, 0, MS_SYNC));
    show("msync unaligned", msync(m + 1, PG, MS_SYNC));
    show("msync async and sync", msync(m, PG, MS_ASYNC | MS_SYNC));
    show("msync unknown flag", msync(m, PG, 8));
    char *anon = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    show("msync private anonymous", msync(anon, 2 * PG, MS_SYNC));
    munmap(anon + PG, PG);
    show("msync over a hole", msync(anon, 2 * PG, MS_SYNC));
    show("msync unmapped", msync(anon + PG, PG, MS_SYNC));

    /* a fork's child writes to both kinds of shared pages */
    char *sh = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    sh[0] = 'p';
    pid_t c = fork();
    if (c == 0) {
        sh[0] = 'c';
        m[1] = 'c';
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    printf("after the child: anonymous %c, file mapping %c, file %c\n", sh[0], m[1], at(fd, 1));

    /* growth into the file: in place, then moved */
    for (int i = 0; i < 3; i++)
        if (pwrite(fd, "b", 1, 3 * PG + i * PG) != 1)
            return 1;
    if (ftruncate(fd, 6 * PG))
        return 1;
    munmap(m + 3 * PG, PG);
    char *g = mremap(m, 3 * PG, 4 * PG, 0);
    show("mremap grow in place", g == m ? 0 : -1);
    if (g == MAP_FAILED)
        return 1;
    printf("grown page shows the file: %c, old pages kept: %c %c\n", g[3 * PG], g[0], g[PG + 5]);
    g[3 * PG + 1] = 'q';
    printf("write to the grown page reaches the file: %c\n", at(fd, 3 * PG + 1));
    /* the rest of the room stays mapped: no growth in place */
    char *h = mremap(g, 4 * PG, 6 * PG, MREMAP_MAYMOVE);
    printf("moved: %d\n", h != MAP_FAILED && h != g);
    if (h == MAP_FAILED)
        return 1;
    printf("moved and grown: %c %c %c %c\n", h[0], h[3 * PG + 1], h[4 * PG], h[5 * PG]);
    h[5 * PG + 9] = 'w';
    printf("write to the moved mapping reaches the file: %c\n", at(fd, 5 * PG + 9));
    h[2] = 'u';
    show("munmap", munmap(h, 6 * PG));
    printf("file after munmap: %c\n", at(fd, 2));

    /* a private mapping is the process's own */
    char *pv = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    pv[3] = 'P';
    printf("private write stays private: %c\n", at(fd, 3));

    /* read-only file */
    int ro = open(f, O_RDONLY);
    char *r = mmap(NULL, PG, PROT_READ, MAP_SHARED, ro, 0);
    printf("read-only shared mapping: %c\n", r == MAP_FAILED ? '!' : r[0]);
    show("mprotect it writable", mprotect(r, PG, PROT_READ | PROT_WRITE));
    show("mprotect it read-only", mprotect(r, PG, PROT_READ));
    show("map it writable", mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0) == MAP_FAILED ? -1 : 0);
    show("map it writable privately", mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0) == MAP_FAILED ? -1 : 0);
    int pf[2];
    if (pipe(pf))
        return 1;
    show("map a pipe", mmap(NULL, PG, PROT_READ, MAP_SHARED, pf[0], 0) == MAP_FAILED ? -1 : 0);
    unlink(f);
    return 0;
}
