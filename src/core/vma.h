/* The guest's mappings as ranges (Linux's VMAs): a treap of disjoint
 * [start, end) ranges ordered by start, each with its protection and a
 * merge tag.  Neighbours with the same protection and tag are merged, as
 * Linux merges compatible VMAs, so `count` is Linux's map_count.  The
 * page map (cpu.h) stays what accesses use; this is what mapping calls
 * search: free ranges, overlaps and counts in O(log n), not per page. */
#ifndef E386_VMA_H
#define E386_VMA_H
#include <stdint.h>
#include "e386.h"

enum { VMA_TAG_ANON = 0 }; /* anonymous private memory: all of it merges */

typedef struct Vma {
    uint64_t start, end; /* page-aligned; end may be 2^32 */
    int prot;            /* E386_PROT_* bits as mapped */
    uint32_t tag;        /* VMA_TAG_ANON, or one mapping's own (file, stack) */
} Vma;

typedef struct VmaNode VmaNode;
typedef struct VmaSet {
    VmaNode *root;
    uint32_t count;    /* ranges: Linux's map_count */
    uint32_t rng;      /* treap priorities (per set: no global state) */
    uint32_t next_tag; /* vma_new_tag */
    uint64_t ops;      /* tree nodes and page entries touched: a work counter for tests */
} VmaSet;

uint32_t vma_new_tag(VmaSet *s);
/* [start, end) becomes one range (prot, tag); what it overlapped is cut away. */
int vma_set(VmaSet *s, uint64_t start, uint64_t end, int prot, uint32_t tag);
/* [start, end) becomes unmapped. */
int vma_clear(VmaSet *s, uint64_t start, uint64_t end);
/* The ranges inside [start, end) get prot and keep their tags. */
int vma_protect(VmaSet *s, uint64_t start, uint64_t end, int prot);
/* Queries, 1 with *out filled or 0: the range holding addr; the one with
 * the greatest start below x; the one with the least start at or above x. */
int vma_at(VmaSet *s, uint64_t addr, Vma *out);
int vma_below(VmaSet *s, uint64_t x, Vma *out);
int vma_from(VmaSet *s, uint64_t x, Vma *out);
int vma_mergeable(const Vma *a, const Vma *b); /* adjacent and compatible */
void vma_free_all(VmaSet *s);

/* core/mem.c: e386_mem_map with a merge tag (vma_new_tag for a mapping
 * that must not merge, as Linux keeps a file's or the stack's apart), and
 * mremap's move of page entries (no byte copied, no host page touched). */
int mem_map_tagged(E386Cpu *cpu, uint32_t addr, uint32_t size, int prot, uint32_t tag);
int mem_move(E386Cpu *cpu, uint32_t dst, uint32_t src, uint32_t size, int prot);
/* A file mapping (user mode): the host's own mapping of fd at off backs
 * [addr, addr + size), so its pages come from the file when first touched
 * and a page wholly past the file's end raises the guest's SIGBUS, as on
 * Linux.  shared: MAP_SHARED (fd -1: shared anonymous memory), so writes
 * reach the file and a fork's child shares the pages (PG_SHARED); else
 * MAP_PRIVATE, the guest's writes its own.  0 or -errno (the host's:
 * EACCES, ENODEV...), the old mapping unchanged on failure. */
int mem_map_file(E386Cpu *cpu, uint32_t addr, uint32_t size, int prot, uint32_t tag, int fd, uint64_t off,
                 int shared);
/* madvise(MADV_DONTNEED) on [addr, addr + size): a private page's
 * contents go, by the host's own madvise on the host memory behind it, so
 * anonymous memory reads zeros again and a private file mapping's page
 * the file's bytes; a shared page keeps its data, as on Linux; the
 * translations of a dropped page go with it.  Where the host's pages are
 * not 4 KiB (no madvise of one guest page) a page is zeroed when anon
 * says it is anonymous memory, else left (a private file mapping is a
 * copy there).  0, or -1 (the range is not page-aligned, or the host
 * refused). */
int mem_drop_pages(E386Cpu *cpu, uint32_t addr, uint32_t size, int anon);
/* the host's pages are the guest's 4 KiB: it can map a file at any guest
 * page offset and drop one guest page */
int mem_host_pages_4k(void);
/* mremap's growth of such a mapping: [old, old + os) becomes [dst, dst +
 * ns) (dst == old: in place, [old + os, old + ns) free; otherwise dst's
 * range is free and apart from old's), grown by the host into its file or
 * shared memory object; 0 or -1 (page map: the mapping is not one whole
 * host block), nothing changed on failure. */
int mem_grow_shared(E386Cpu *cpu, uint32_t old, uint32_t os, uint32_t dst, uint32_t ns, int prot);
#endif
