/* msync and madvise of a range that starts inside a mapping: Linux walks
 * from the mapping that holds the start.  emu386 looked for the first
 * mapping that starts at or above it, so a range starting past a
 * mapping's first page was a hole (ENOMEM) and the mapping was skipped. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "common.h"

enum { PG = 4096 };

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *f = "msync-mid-mapping.tmp";
    int fd = open(f, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, 4 * PG) != 0)
        return 1;
    char *s = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (s == MAP_FAILED)
        return 1;
    s[2 * PG] = 'x';
    show("msync of the middle two pages", msync(s + PG, 2 * PG, MS_SYNC));
    show("msync of the last page", msync(s + 3 * PG, PG, MS_ASYNC));
    show("msync from the middle to the end", msync(s + 2 * PG, 2 * PG, MS_SYNC));
    char c = 0;
    printf("the file's byte: %c\n", pread(fd, &c, 1, 2 * PG) == 1 ? c : '?');

    char *a = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a == MAP_FAILED)
        return 1;
    memset(a, 'A', 4 * PG);
    show("madvise MADV_DONTNEED of the middle two pages", madvise(a + PG, 2 * PG, MADV_DONTNEED));
    printf("bytes: %d %d %d %d\n", a[0], a[PG], a[2 * PG], a[3 * PG]);
    show("madvise MADV_NORMAL of the last page", madvise(a + 3 * PG, PG, MADV_NORMAL));
    munmap(a, 4 * PG);
    munmap(s, 4 * PG);
    close(fd);
    unlink(f);
    return 0;
}
