/* madvise(MADV_DONTNEED) drops a private mapping's pages: anonymous
 * memory reads zeros after it, a private file mapping the file's bytes
 * again, while a shared mapping keeps its data (the file's or the shared
 * memory's); code run from such a page before is run as the page now
 * holds it (a private file mapping's own write undone); the checks of the
 * call as Linux makes them (EINVAL for an unaligned start or an unknown
 * advice, ENOMEM for a hole, the mapped part dropped all the same), and
 * the advice-only kinds change nothing.  emu386 treated every madvise as
 * advice: the pages kept what the program had written, which breaks an
 * allocator that counts on the zeros (jemalloc's purge, for one). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "common.h"

enum { PG = 4096 };

/* mov eax, imm32; ret */
static void put_code(unsigned char *at, int value)
{
    at[0] = 0xb8;
    memcpy(at + 1, &value, 4);
    at[5] = 0xc3;
}

static int call(void *code) { return ((int (*)(void))code)(); }

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    char *a = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a == MAP_FAILED)
        return 1;
    memset(a, 'A', 4 * PG);
    show("anonymous: MADV_DONTNEED on pages 1-2", madvise(a + PG, 2 * PG, MADV_DONTNEED));
    printf("bytes: %d %d %d %d\n", a[10], a[PG + 10], a[2 * PG + 4095], a[3 * PG]);
    a[PG + 10] = 'B';
    printf("written again: %c\n", a[PG + 10]);

    show("MADV_NORMAL", madvise(a, PG, MADV_NORMAL));
    show("MADV_WILLNEED", madvise(a, PG, MADV_WILLNEED));
    show("MADV_SEQUENTIAL", madvise(a, PG, MADV_SEQUENTIAL));
    printf("bytes after the advice-only kinds: %c %c\n", a[0], a[PG + 10]);
    show("unaligned start", madvise(a + 1, PG, MADV_DONTNEED));
    show("unknown advice", madvise(a, PG, 1000));
    show("length 0", madvise(a, 0, MADV_DONTNEED));

    /* a hole at page 2: ENOMEM, the pages around it dropped all the same */
    memset(a, 'C', 4 * PG);
    munmap(a + 2 * PG, PG);
    show("across a hole", madvise(a, 4 * PG, MADV_DONTNEED));
    printf("bytes: %d %d %d\n", a[0], a[PG], a[3 * PG]);
    munmap(a, 4 * PG);

    const char *f = "madvise-dontneed.tmp";
    int fd = open(f, O_RDWR | O_CREAT | O_TRUNC, 0600);
    char page[2 * PG];
    memset(page, 'F', sizeof page);
    put_code((unsigned char *)page + PG, 1);
    if (fd < 0 || write(fd, page, sizeof page) != (ssize_t)sizeof page)
        return 1;

    char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED)
        return 1;
    p[5] = 'w';
    printf("private file: code returns %d\n", call(p + PG));
    put_code((unsigned char *)p + PG, 2);
    printf("after a write over it: %d\n", call(p + PG));
    show("private file: MADV_DONTNEED", madvise(p, 2 * PG, MADV_DONTNEED));
    printf("byte written before: %c\n", p[5]);
    printf("code returns %d\n", call(p + PG));
    munmap(p, 2 * PG);

    char *s = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (s == MAP_FAILED)
        return 1;
    s[7] = 's';
    show("shared file: MADV_DONTNEED", madvise(s, PG, MADV_DONTNEED));
    printf("byte written before: %c\n", s[7]);
    char c = 0;
    printf("the file's byte: %c\n", pread(fd, &c, 1, 7) == 1 ? c : '?');
    munmap(s, PG);

    char *sa = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sa == MAP_FAILED)
        return 1;
    sa[9] = 'm';
    show("shared anonymous: MADV_DONTNEED", madvise(sa, PG, MADV_DONTNEED));
    printf("byte written before: %c\n", sa[9]);
    munmap(sa, PG);

    close(fd);
    unlink(f);
    return 0;
}
