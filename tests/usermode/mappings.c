/* The address space at scale: 100,000 small anonymous mmaps (neighbours
 * merge, as on Linux), vm.max_map_count (mmap fails with ENOMEM past it,
 * and so do a munmap or an mprotect that would split a mapping at it),
 * and mremap growing a large, mostly untouched mapping that must move. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static const char *err(void) { return errno == ENOMEM ? "ENOMEM" : errno == EINVAL ? "EINVAL" : "other"; }

static void many_small(void)
{
    int n = 0;
    for (int i = 0; i < 100000; i++) {
        char *p = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            break;
        p[0] = (char)i;
        n++;
    }
    printf("small mappings made: %d\n", n);
}

static void map_count_limit(void)
{
    /* three pages to split later, between two inaccessible ones so that
     * x is a mapping of its own; then mappings that cannot merge */
    char *fill = mmap(0, 5 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *x = mmap(fill + 4096, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    int made = 0, failed = 0;
    static char *keep[2000000];
    for (int i = 0; i < 2000000; i++) {
        char *p = mmap(0, 4096, i & 1 ? PROT_READ : PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            printf("mmap past the limit: %s\n", err());
            failed = 1;
            break;
        }
        keep[made++] = p;
    }
    printf("limit reached: %d\n", failed);
    int r = munmap(x + 4096, 4096);
    printf("munmap splitting one mapping at the limit: %d %s\n", r, r ? err() : "");
    r = mprotect(x + 4096, 4096, PROT_READ);
    printf("mprotect splitting one mapping at the limit: %d %s\n", r, r ? err() : "");
    r = mprotect(x, 3 * 4096, PROT_READ);
    printf("mprotect of a whole mapping at the limit: %d\n", r);
    r = munmap(x, 4096);
    printf("munmap at a mapping's edge at the limit: %d\n", r);
    for (int i = 0; i < made; i++)
        munmap(keep[i], 4096);
    munmap(fill, 5 * 4096);
}

static void mremap_grow(void)
{
    enum { OLD = 64 << 20, NEW = 256 << 20 };
    char *a = mmap(0, OLD, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *wall = mmap(a + OLD, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    a[0] = 'a';
    a[OLD / 2] = 'b';
    a[OLD - 1] = 'c';
    char *b = mremap(a, OLD, NEW, MREMAP_MAYMOVE);
    if (b == MAP_FAILED) {
        printf("mremap: %s\n", err());
        return;
    }
    long zeros = 0;
    for (long o = 0; o < NEW; o += 1 << 20)
        zeros += b[o + 4096] == 0;
    printf("mremap moved: %d, kept: %c%c%c, untouched pages read zero: %ld of %d\n", b != a, b[0], b[OLD / 2],
           b[OLD - 1], zeros, NEW >> 20);
    b[NEW - 1] = 'd';
    printf("grown end writable: %c\n", b[NEW - 1]);
    munmap(b, NEW);
    if (wall != MAP_FAILED)
        munmap(wall, 4096);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    many_small();
    map_count_limit();
    mremap_grow();
    return 0;
}
