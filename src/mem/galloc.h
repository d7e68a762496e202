/* The guest memory allocator: blocks for guest RAM/ROM and the user-mode
 * address space.  An explicit pair on anonymous mappings: what
 * e386_galloc() returns is zero-filled by construction and must go back
 * through e386_gfree() with the same size. */
#ifndef E386_GALLOC_H
#define E386_GALLOC_H
#include <stddef.h>
void *e386_galloc(size_t size, size_t align); /* NULL on failure */
void e386_gfree(void *ptr, size_t size);
#endif
