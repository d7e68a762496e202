/* mincore: which pages of a mapping are in memory (touched anonymous
 * pages are, untouched ones are not), and Linux's errors: an unaligned
 * start (EINVAL), a hole in the range (ENOMEM, after the pages before
 * it), a vector the caller cannot write (EFAULT), a zero length (0). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static const char *err(int r)
{
    if (r == 0)
        return "0";
    return errno == ENOMEM ? "ENOMEM" : errno == EINVAL ? "EINVAL" : errno == EFAULT ? "EFAULT" : "other";
}

static void show(const char *what, const unsigned char *v, int n)
{
    printf("%s:", what);
    for (int i = 0; i < n; i++)
        printf(" %d", v[i] & 1);
    printf("\n");
}

int main(void)
{
    char *m = mmap(0, 6 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return 1;
    m[0] = 1;
    m[2 * 4096 + 100] = 2;
    m[5 * 4096 - 1] = 3;
    unsigned char v[8];
    memset(v, 0xee, sizeof v);
    int r = mincore(m, 6 * 4096, v);
    printf("whole: %s\n", err(r));
    show("resident", v, 6);
    memset(v, 0xee, sizeof v);
    r = mincore(m + 4096, 4096 + 1, v); /* the length rounds up to two pages */
    printf("partial length: %s\n", err(r));
    show("resident", v, 2);
    printf("third entry left alone: %s\n", v[2] == 0xee ? "yes" : "no");
    printf("unaligned: %s\n", err(mincore(m + 1, 4096, v)));
    printf("zero length: %s\n", err(mincore(m, 0, v)));
    char *ro = mmap(0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("read-only vector: %s\n", err(mincore(m, 4096, (unsigned char *)ro)));
    munmap(m + 3 * 4096, 4096);
    memset(v, 0xee, sizeof v);
    r = mincore(m, 6 * 4096, v);
    printf("hole: %s\n", err(r));
    show("before the hole", v, 3);
    printf("entry at the hole left alone: %s\n", v[3] == 0xee ? "yes" : "no");
    printf("unmapped start: %s\n", err(mincore(m + 3 * 4096, 4096, v)));
    return 0;
}
