/* The guest memory allocator: blocks for guest RAM/ROM and the user-mode
 * address space.  An explicit pair on anonymous mappings: what
 * galloc_alloc() returns is zero-filled by construction and must go back
 * through galloc_free() with the same pointer and size, never free().
 *
 * Each address space owns a GuestAlloc.  With `checked` set (debug,
 * ASan and Valgrind builds, or E386_GALLOC_CHECK=1) it keeps a registry
 * of live blocks and aborts with a clear message on a free of the wrong
 * size, a double free, or a pointer it never gave out.  In Valgrind-safe
 * mode (detected under Valgrind, or E386_VALGRIND_SAFE=1) blocks are
 * described to Valgrind with client requests, and over-aligned blocks keep
 * their whole mapping instead of trimming it with partial munmaps. */
#ifndef E386_GALLOC_H
#define E386_GALLOC_H
#include <stddef.h>
#include <stdint.h>

typedef struct GallocBlock {
    void *ptr;
    size_t size;
    void *map;       /* the whole mapping (differs from ptr when over-aligned) */
    size_t map_size;
    const char *who; /* the allocation site, for messages */
} GallocBlock;

typedef struct GuestAlloc {
    int checked, valgrind_safe;
    GallocBlock *live; /* checked mode: a hash of cap slots (ptr NULL: empty) */
    size_t nlive, cap;
    size_t bytes; /* currently allocated */
} GuestAlloc;

void galloc_init(GuestAlloc *ga);
void galloc_destroy(GuestAlloc *ga); /* aborts if blocks are still live (checked mode) */
void *galloc_alloc(GuestAlloc *ga, size_t size, size_t align, const char *who); /* NULL on failure */
void galloc_free(GuestAlloc *ga, void *ptr, size_t size);
#endif
