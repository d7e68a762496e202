/* Guest memory blocks on anonymous mappings, with an optional registry
 * that enforces matched allocate/free pairs (see galloc.h). */
#define _DEFAULT_SOURCE
#include "mem/galloc.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <valgrind/memcheck.h>

static size_t page_size(void) { return (size_t)sysconf(_SC_PAGESIZE); }

static int env_on(const char *name)
{
    const char *v = getenv(name);
    return v && *v && strcmp(v, "0") != 0;
}

void galloc_init(GuestAlloc *ga)
{
    memset(ga, 0, sizeof *ga);
    ga->valgrind_safe = RUNNING_ON_VALGRIND || env_on("E386_VALGRIND_SAFE");
#if defined(E386_GALLOC_CHECKED) || defined(__SANITIZE_ADDRESS__)
    ga->checked = 1;
#endif
    if (ga->valgrind_safe || env_on("E386_GALLOC_CHECK"))
        ga->checked = 1;
}

static _Noreturn void die(const char *what, const void *ptr, size_t size, const GallocBlock *b)
{
    fprintf(stderr, "emu386: guest allocator: %s: block %p size %zu", what, ptr, size);
    if (b)
        fprintf(stderr, " (allocated by %s with size %zu)", b->who, b->size);
    fprintf(stderr, "\n");
    abort();
}

/* The registry is an open-addressing hash on the block's address (linear
 * probing, at most half full): a process with 300,000 mappings frees each
 * in O(1), not in a scan of all of them. */
static size_t slot_of(const GuestAlloc *ga, const void *ptr)
{
    uint64_t x = (uint64_t)(uintptr_t)ptr >> 12;
    x *= 0x9e3779b97f4a7c15ull;
    return (size_t)(x >> 32) & (ga->cap - 1);
}

static GallocBlock *find(GuestAlloc *ga, const void *ptr)
{
    if (!ga->cap)
        return NULL;
    for (size_t i = slot_of(ga, ptr);; i = (i + 1) & (ga->cap - 1)) {
        if (ga->live[i].ptr == ptr)
            return &ga->live[i];
        if (!ga->live[i].ptr)
            return NULL;
    }
}

static void put(GuestAlloc *ga, GallocBlock b)
{
    size_t i = slot_of(ga, b.ptr);
    while (ga->live[i].ptr)
        i = (i + 1) & (ga->cap - 1);
    ga->live[i] = b;
}

static int grow(GuestAlloc *ga)
{
    size_t cap = ga->cap ? ga->cap * 2 : 16, old = ga->cap;
    if (cap > SIZE_MAX / sizeof(GallocBlock))
        return -1;
    GallocBlock *n = calloc(cap, sizeof *n), *o = ga->live;
    if (!n)
        return -1;
    ga->live = n;
    ga->cap = cap;
    for (size_t i = 0; i < old; i++)
        if (o[i].ptr)
            put(ga, o[i]);
    free(o);
    return 0;
}

/* Remove slot i, shifting back the entries of its probe run behind it. */
static void unslot(GuestAlloc *ga, size_t i)
{
    size_t mask = ga->cap - 1;
    for (size_t j = (i + 1) & mask; ga->live[j].ptr; j = (j + 1) & mask) {
        size_t home = slot_of(ga, ga->live[j].ptr);
        if (((j - home) & mask) >= ((j - i) & mask)) { /* j may move back to i */
            ga->live[i] = ga->live[j];
            i = j;
        }
    }
    ga->live[i] = (GallocBlock){ 0 };
}

void *galloc_alloc(GuestAlloc *ga, size_t size, size_t align, const char *who)
{
    size_t page = page_size();
    if (size == 0 || size > SIZE_MAX - align - page)
        return NULL;
    size = (size + page - 1) & ~(page - 1);
    void *p, *map;
    size_t map_size;
    if (align <= page) {
        map_size = size;
        map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (map == MAP_FAILED)
            return NULL;
        p = map;
    } else {
        map_size = size + align;
        uint8_t *raw = mmap(NULL, map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (raw == MAP_FAILED)
            return NULL;
        uintptr_t start = ((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1);
        p = (void *)start;
        map = raw;
        if (!ga->valgrind_safe) { /* trim to an exact mapping munmap(p, size) can take */
            size_t head = start - (uintptr_t)raw, tail = map_size - head - size;
            if (head) munmap(raw, head);
            if (tail) munmap((uint8_t *)start + size, tail);
            map = p;
            map_size = size;
        }
    }
    if (ga->checked) {
        if (2 * (ga->nlive + 1) > ga->cap && grow(ga) != 0) {
            munmap(map, map_size);
            return NULL;
        }
        put(ga, (GallocBlock){ p, size, map, map_size, who });
        ga->nlive++;
    }
    if (ga->valgrind_safe) /* track the block like a heap block: leaks show */
        VALGRIND_MALLOCLIKE_BLOCK(p, size, 0, 1);
    ga->bytes += size;
    return p;
}

void galloc_free(GuestAlloc *ga, void *ptr, size_t size)
{
    if (!ptr)
        return;
    size_t page = page_size();
    size = (size + page - 1) & ~(page - 1);
    void *map = ptr;
    size_t map_size = size;
    if (ga->checked) {
        GallocBlock *b = find(ga, ptr);
        if (!b)
            die("free of a pointer it never gave out (or a double free)", ptr, size, NULL);
        if (b->size != size)
            die("free with the wrong size", ptr, size, b);
        map = b->map;
        map_size = b->map_size;
        unslot(ga, (size_t)(b - ga->live));
        ga->nlive--;
    }
    if (ga->valgrind_safe)
        VALGRIND_FREELIKE_BLOCK(ptr, 0);
    ga->bytes -= size;
    munmap(map, map_size);
}

void galloc_destroy(GuestAlloc *ga)
{
    for (size_t i = 0; ga->checked && ga->nlive && i < ga->cap; i++)
        if (ga->live[i].ptr)
            die("blocks still allocated when the allocator was destroyed", ga->live[i].ptr,
                ga->live[i].size, &ga->live[i]);
    free(ga->live);
    ga->live = NULL;
    ga->nlive = ga->cap = 0;
}
