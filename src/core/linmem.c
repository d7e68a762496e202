/* Linear guest memory, the host side: one 4 GiB reservation per address
 * space (PROT_NONE, MAP_NORESERVE), every guest page at lbase + its
 * address, the host's protection mirroring the page flags (a page holding
 * translated code is read-only); core/hostfault.c turns a host fault
 * inside the reservation into the guest's fault.  Only x86-64 Linux
 * with 4 KiB pages: the handler needs the fault's write bit (REG_ERR);
 * elsewhere linmem_reserve fails and the page map's host blocks are used
 * (docs/architecture.md "Memory"). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "core/cpu.h"

#if defined(__linux__) && defined(__x86_64__)
#define LINMEM_HOST 1
#include <sys/mman.h>
#include <unistd.h>
#endif

#ifdef LINMEM_HOST

/* Valgrind's memcheck would report every guest fault (an access to the
 * reservation) as an invalid access before the signal: under it, the
 * page map's checks.  Its preloaded core library is how a program
 * knows without inline assembly (valgrind.h's client requests). */
static int under_valgrind(void)
{
    const char *force = getenv("E386_LINEAR"); /* "force": cachegrind's counts of the fast path */
    if (force && strcmp(force, "force") == 0)
        return 0;
    const char *pre = getenv("LD_PRELOAD");
    return pre && strstr(pre, "vgpreload") != NULL;
}

int linmem_reserve(Mem *m)
{
    if (m->lbase)
        return 0;
    if (sysconf(_SC_PAGESIZE) != 4096 || under_valgrind() || fault_catch(1) != 0)
        return -1;
    void *p = mmap(NULL, LINMEM_GUEST_SPAN + LINMEM_GUARD_SPAN, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return -1;
    m->lbase = m->lfast = p;
    return 0;
}

void linmem_release(Mem *m)
{
    if (m->lbase)
        munmap(m->lbase, LINMEM_GUEST_SPAN + LINMEM_GUARD_SPAN);
    m->lbase = m->lfast = NULL;
}

/* What the host allows on a page (p NULL: unmapped). */
static int host_prot(const Mem *m, const Page *p)
{
    if (!p)
        return PROT_NONE;
    if (m->lloose || (p->flags & (PG_WRITE | PG_CODE | PG_READ)) == (PG_WRITE | PG_READ))
        return PROT_READ | PROT_WRITE;
    return p->flags & PG_READ ? PROT_READ : PROT_NONE;
}

/* The host's map count ran out (Linux's vm.max_map_count counts our
 * protection pieces, and a guest may use all of its own 65530): from now
 * on every mapped page is read-write on the host, which merges the
 * pieces, and the page map's checks do the rest (Page.host is unchanged).
 * Each run of mapped pages spans whole host mappings: no split. */
void linmem_loosen(Mem *m)
{
    if (m->lloose)
        return;
    m->lloose = 1;
    m->lfast = NULL;
    uint64_t run = 0, a = 0;
    int in = 0;
    for (; a <= (1ull << 32); a += 4096) {
        int mapped = a < (1ull << 32) && mem_page(m, (uint32_t)a);
        if (mapped && !in)
            run = a;
        else if (!mapped && in)
            mprotect(m->lbase + run, (size_t)(a - run), PROT_READ | PROT_WRITE);
        in = mapped;
        if (!mapped && a < (1ull << 32) && !m->l1[a >> 22])
            a = (a | 0x3fffff) + 1 - 4096; /* no table: 4 MiB unmapped */
    }
}

int linmem_map(Mem *m, uint32_t addr, uint32_t size, uint32_t flags)
{
    Page pg = { NULL, flags, 0 };
    for (int tries = 0; tries < 2; tries++) {
        if (mmap(m->lbase + addr, size, host_prot(m, &pg), MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED,
                 -1, 0) != MAP_FAILED)
            return 0;
        linmem_loosen(m);
    }
    return -1;
}

void linmem_unmap(Mem *m, uint32_t addr, uint32_t size)
{
    /* a fresh PROT_NONE piece of the reservation: the pages are dropped */
    if (mmap(m->lbase + addr, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED,
             -1, 0) == MAP_FAILED)
        m->lfast = NULL; /* cannot happen (no new mapping count); be safe */
}

/* Host mremap of [src, src + size) to dst, then src back to the
 * reservation.  A range over several host mappings (different
 * protections) moves page by page. */
int linmem_move(Mem *m, uint32_t dst, uint32_t src, uint32_t size)
{
    for (int tries = 0; tries < 2; tries++) {
        if (mremap(m->lbase + src, size, size, MREMAP_MAYMOVE | MREMAP_FIXED, m->lbase + dst) != MAP_FAILED) {
            linmem_unmap(m, src, size);
            return 0;
        }
        uint32_t off = 0;
        while (off < size && mremap(m->lbase + src + off, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED,
                                    m->lbase + dst + off) != MAP_FAILED)
            off += 4096;
        if (off == size) {
            linmem_unmap(m, src, size);
            return 0;
        }
        /* out of host mappings: merge the pieces, then the rest again */
        linmem_loosen(m);
        src += off, dst += off, size -= off;
        linmem_unmap(m, src - off, off);
    }
    return -1;
}

/* Host protection from the page flags, one mprotect per run of pages
 * that want the same. */
int linmem_sync(Mem *m, uint32_t addr, uint32_t size)
{
    int rc = 0;
    uint64_t end = (uint64_t)addr + size;
    for (uint64_t a = addr; a < end;) {
        int prot = host_prot(m, mem_page(m, (uint32_t)a));
        uint64_t b = a + 4096;
        while (b < end && host_prot(m, mem_page(m, (uint32_t)b)) == prot)
            b += 4096;
        if (mprotect(m->lbase + a, (size_t)(b - a), prot) != 0) {
            linmem_loosen(m); /* the host ran out of mappings */
            if (mprotect(m->lbase + a, (size_t)(b - a), host_prot(m, mem_page(m, (uint32_t)a))) != 0)
                rc = -1;
        }
        a = b;
    }
    return rc;
}

int linmem_map_file(Mem *m, uint32_t addr, uint32_t size, uint32_t flags, int fd, uint64_t off, int shared)
{
    Page pg = { NULL, flags, 0 };
    /* the host checks the descriptor (EACCES, ENODEV) before it unmaps
     * what was there, so a refusal changes nothing */
    int mf = (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_FIXED | (fd < 0 ? MAP_ANONYMOUS : 0);
    if (mmap(m->lbase + addr, size, host_prot(m, &pg), mf, fd, (off_t)off) != MAP_FAILED)
        return 0;
    /* loose: read-write is asked for every page, which a read-only file
     * refuses when shared; the page map keeps the guest from writing */
    if (errno == EACCES && shared && m->lloose && !(flags & PG_WRITE) &&
        mmap(m->lbase + addr, size, PROT_READ, mf, fd, (off_t)off) != MAP_FAILED)
        return 0;
    return -errno;
}

/* By way of a host address outside the reservation: mremap grows in place
 * only into unmapped space, and the reservation's own pieces are never
 * unmapped but replaced (MREMAP_FIXED), as linmem_move does. */
int linmem_grow(Mem *m, uint32_t old, uint32_t os, uint32_t dst, uint32_t ns)
{
    void *x = mremap(m->lbase + old, os, ns, MREMAP_MAYMOVE);
    if (x == MAP_FAILED)
        return -1;
    if (mremap(x, ns, ns, MREMAP_MAYMOVE | MREMAP_FIXED, m->lbase + dst) == MAP_FAILED) {
        /* back where it was (the hole at old is ours): shrunk, then fixed */
        if (mremap(x, ns, os, MREMAP_MAYMOVE | MREMAP_FIXED, m->lbase + old) == MAP_FAILED)
            m->lfast = NULL;
        return -1;
    }
    if (dst != old)
        linmem_unmap(m, old, os);
    return 0;
}

int linmem_open(Mem *m, uint32_t addr, int write)
{
    return mprotect(m->lbase + (addr & ~0xfffu), 4096, write ? PROT_READ | PROT_WRITE : PROT_READ);
}

#else /* no linear memory on this host: the page map's host blocks */

int linmem_reserve(Mem *m) { (void)m; return -1; }
void linmem_release(Mem *m) { (void)m; }
int linmem_map(Mem *m, uint32_t addr, uint32_t size, uint32_t flags)
{
    (void)m, (void)addr, (void)size, (void)flags;
    return -1;
}
void linmem_unmap(Mem *m, uint32_t addr, uint32_t size) { (void)m, (void)addr, (void)size; }
int linmem_move(Mem *m, uint32_t dst, uint32_t src, uint32_t size)
{
    (void)m, (void)dst, (void)src, (void)size;
    return -1;
}
int linmem_sync(Mem *m, uint32_t addr, uint32_t size)
{
    (void)m, (void)addr, (void)size;
    return -1;
}
int linmem_map_file(Mem *m, uint32_t addr, uint32_t size, uint32_t flags, int fd, uint64_t off, int shared)
{
    (void)m, (void)addr, (void)size, (void)flags, (void)fd, (void)off, (void)shared;
    return -1;
}
int linmem_grow(Mem *m, uint32_t old, uint32_t os, uint32_t dst, uint32_t ns)
{
    (void)m, (void)old, (void)os, (void)dst, (void)ns;
    return -1;
}
int linmem_open(Mem *m, uint32_t addr, int write)
{
    (void)m, (void)addr, (void)write;
    return -1;
}
void linmem_loosen(Mem *m) { (void)m; }

#endif
