#define _DEFAULT_SOURCE
#include "mem/galloc.h"
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

/* mmap gives page alignment; larger alignments over-allocate and trim the
 * ends so the block itself is an exact mapping munmap can take back. */
void *e386_galloc(size_t size, size_t align)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    if (size == 0 || size > SIZE_MAX - align - page)
        return NULL;
    size = (size + page - 1) & ~(page - 1);
    if (align <= page) {
        void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        return p == MAP_FAILED ? NULL : p;
    }
    size_t total = size + align;
    uint8_t *raw = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED)
        return NULL;
    uintptr_t start = ((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1);
    size_t head = start - (uintptr_t)raw, tail = total - head - size;
    if (head) munmap(raw, head);
    if (tail) munmap((uint8_t *)start + size, tail);
    return (void *)start;
}

void e386_gfree(void *ptr, size_t size)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    if (ptr)
        munmap(ptr, (size + page - 1) & ~(page - 1));
}
