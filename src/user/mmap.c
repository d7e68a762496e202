/* The guest address space: brk, mmap, munmap, mprotect, mremap.  The
 * mappings are ranges (core/vma.h, beside the CPU's page map): free ranges
 * are found top-down below the stack, as Linux's legacy layout does, and
 * map_count is limited as Linux limits it (vm.max_map_count). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "core/cpu.h"
#include "user/user.h"

enum { MMAP_TOP = USER_STACK_TOP - USER_STACK_SIZE - 0x1000000u, MMAP_BOTTOM = 0x01000000u };
enum { USER_MAX_MAP_COUNT = 65530 }; /* Linux's DEFAULT_MAX_MAP_COUNT */

static VmaSet *vmas(UserProc *p) { return &p->cpu->mem.vmas; }

/* No mapping overlaps [a, a + size). */
static int range_free(UserProc *p, uint32_t a, uint32_t size)
{
    Vma v;
    return !vma_below(vmas(p), (uint64_t)a + size, &v) || v.end <= a;
}

/* Highest free, page-aligned range of size bytes below the hint (then
 * below MMAP_TOP): each step skips one whole mapping. */
uint32_t user_find_free(UserProc *p, uint32_t size)
{
    size = (size + 0xfff) & ~0xfffu;
    if (size == 0 || size > MMAP_TOP - MMAP_BOTTOM)
        return 0;
    for (int pass = 0; pass < 2; pass++) {
        uint64_t top = pass == 0 && p->mmap_hint ? p->mmap_hint : MMAP_TOP;
        while (top >= (uint64_t)MMAP_BOTTOM + size) {
            Vma v;
            if (!vma_below(vmas(p), top, &v) || v.end <= top - size) {
                p->mmap_hint = (uint32_t)(top - size);
                return p->mmap_hint;
            }
            top = v.start; /* the candidate collides with v: try below it */
        }
    }
    return 0;
}

/* Linux's limit on mappings (vm.max_map_count's default): mmap and brk
 * fail when there are more; a split by munmap, mprotect or mremap fails
 * when there are as many. */
static int over_limit(UserProc *p, uint32_t slack)
{
    return vmas(p)->count + slack > USER_MAX_MAP_COUNT;
}

/* munmap of [a, a + size) would cut one mapping in three (Linux's
 * do_vmi_align_munmap refuses that at the limit). */
static int splits_middle(UserProc *p, uint32_t a, uint32_t size)
{
    Vma v;
    return vma_at(vmas(p), a, &v) && v.start < a && v.end > (uint64_t)a + size;
}

int32_t sys_brk(UserProc *p, uint32_t addr)
{
    if (addr < p->brk_start)
        return (int32_t)p->brk_cur;
    uint32_t old_end = (p->brk_cur + 0xfff) & ~0xfffu, new_end = (addr + 0xfff) & ~0xfffu;
    if (new_end > old_end) {
        if (new_end > MMAP_TOP || !range_free(p, old_end, new_end - old_end) || over_limit(p, 0))
            return (int32_t)p->brk_cur;
        if (e386_mem_map(p->cpu, old_end, new_end - old_end, E386_PROT_READ | E386_PROT_WRITE) != 0)
            return (int32_t)p->brk_cur;
    } else if (new_end < old_end) {
        e386_mem_unmap(p->cpu, new_end, old_end - new_end);
    } else if (addr > p->brk_cur) {
        /* within the last page: Linux zeroes nothing here; it is already zero */
    }
    p->brk_cur = addr;
    return (int32_t)addr;
}

enum { G_MAP_SHARED = 1, G_MAP_PRIVATE = 2, G_MAP_FIXED = 0x10, G_MAP_ANON = 0x20,
       G_MAP_FIXED_NOREPLACE = 0x100000 };

int32_t sys_mmap2(UserProc *p, uint32_t addr, uint32_t len, int prot, int flags, int fd, uint64_t off)
{
    if (len == 0 || (off & 0xfff))
        return -EINVAL;
    if (len > 0xfffff000u)
        return -ENOMEM;
    if (over_limit(p, 0)) /* do_mmap checks this before the flags and the address */
        return -ENOMEM;
    uint32_t size = (len + 0xfff) & ~0xfffu;
    if (!(flags & (G_MAP_SHARED | G_MAP_PRIVATE)))
        return -EINVAL;
    if (flags & (G_MAP_FIXED | G_MAP_FIXED_NOREPLACE)) {
        if ((addr & 0xfff) || (uint64_t)addr + size > USER_STACK_TOP)
            return -EINVAL;
        if ((flags & G_MAP_FIXED_NOREPLACE) && !range_free(p, addr, size))
            return -EEXIST;
        if (!(flags & G_MAP_FIXED_NOREPLACE) && splits_middle(p, addr, size) && over_limit(p, 1))
            return -ENOMEM;
    } else {
        if (addr && !(addr & 0xfff) && (uint64_t)addr + size <= MMAP_TOP && range_free(p, addr, size))
            ; /* honour the hint */
        else
            addr = user_find_free(p, size);
        if (!addr)
            return -ENOMEM;
    }
    int gprot = prot & 7;
    /* private anonymous memory merges; a file's or a shared one never does here */
    uint32_t tag = (flags & G_MAP_ANON) && !(flags & G_MAP_SHARED) ? VMA_TAG_ANON : vma_new_tag(vmas(p));
    if (flags & G_MAP_SHARED) { /* the host's own shared mapping: writes reach the file, a fork shares it */
        int anon = (flags & G_MAP_ANON) != 0;
        int32_t r = mem_map_file(p->cpu, addr, size, gprot, tag, anon ? -1 : fd, anon ? 0 : off, 1);
        if (r)
            return r;
        user_name_mapping(p, tag, addr, off, anon ? -1 : fd, USER_MAP_SHARED);
        return (int32_t)addr;
    }
    if (!(flags & G_MAP_ANON) && mem_host_pages_4k()) {
        /* a private file mapping is the host's too: its pages are read
         * when first touched, a page wholly past the file's end is the
         * guest's SIGBUS, and the file's later changes show on the pages
         * the guest has not written, all as on Linux */
        int32_t r = mem_map_file(p->cpu, addr, size, gprot, tag, fd, off, 0);
        if (r)
            return r;
        user_name_mapping(p, tag, addr, off, fd, USER_MAP_FILE);
        return (int32_t)addr;
    }
    if (mem_map_tagged(p->cpu, addr, size, E386_PROT_READ | E386_PROT_WRITE, tag) != 0)
        return -ENOMEM;
    if (!(flags & G_MAP_ANON)) {
        /* a host whose pages are not 4 KiB cannot map a file at every
         * offset the guest may ask: there the mapping is a copy (the
         * file's later changes do not show, and the pages past the file's
         * end read zeros rather than raise SIGBUS) */
        uint8_t *chunk = malloc(65536);
        if (!chunk) {
            e386_mem_unmap(p->cpu, addr, size);
            return -ENOMEM;
        }
        uint32_t done = 0;
        while (done < len) {
            uint32_t n = len - done > 65536 ? 65536 : len - done;
            ssize_t r = pread(fd, chunk, n, (off_t)(off + done));
            if (r < 0) {
                int e = errno;
                free(chunk);
                e386_mem_unmap(p->cpu, addr, size);
                return -e;
            }
            if (r == 0)
                break;
            e386_mem_write(p->cpu, addr + done, chunk, (size_t)r);
            done += (uint32_t)r;
        }
        free(chunk);
    }
    if (gprot != (E386_PROT_READ | E386_PROT_WRITE))
        e386_mem_protect(p->cpu, addr, size, gprot);
    if (tag != VMA_TAG_ANON) /* a file's: /proc/self/maps names it */
        user_name_mapping(p, tag, addr, off, fd, USER_MAP_COPY);
    return (int32_t)addr;
}

int32_t sys_munmap(UserProc *p, uint32_t addr, uint32_t len)
{
    if ((addr & 0xfff) || len == 0 || (uint64_t)addr + len > USER_STACK_TOP)
        return -EINVAL;
    uint32_t size = (len + 0xfff) & ~0xfffu;
    if (splits_middle(p, addr, size) && over_limit(p, 1))
        return -ENOMEM;
    e386_mem_unmap(p->cpu, addr, size);
    return 0;
}

int32_t sys_mprotect(UserProc *p, uint32_t addr, uint32_t len, int prot)
{
    if (addr & 0xfff)
        return -EINVAL;
    if (len == 0)
        return 0;
    uint32_t size = (len + 0xfff) & ~0xfffu;
    if ((uint64_t)addr + size > USER_STACK_TOP)
        return -ENOMEM;
    uint64_t end = (uint64_t)addr + size;
    Vma v;
    for (uint64_t a = addr; a < end; a = v.end) { /* a hole anywhere: ENOMEM, nothing changed */
        if (!vma_at(vmas(p), a, &v))
            return -ENOMEM;
        /* a file open read-only never becomes writable through a shared mapping */
        if ((prot & E386_PROT_WRITE) && user_mapping_kind(p, v.tag) == (USER_MAP_SHARED | USER_MAP_RDONLY))
            return -EACCES;
    }
    /* range by range as Linux's mprotect_fixup: a piece that merges with
     * the neighbour past its range's edge needs no split; every split
     * needs room under the limit (an earlier piece stays changed) */
    for (uint64_t a = addr; a < end; a = v.end) {
        vma_at(vmas(p), a, &v);
        uint64_t e = v.end < end ? v.end : end;
        if (v.prot != (prot & 7)) {
            Vma nb, piece = { a, e, prot & 7, v.tag };
            int head = a > v.start, tail = e < v.end;
            if (head != tail) { /* one split, unless the piece joins the neighbour on its open side */
                int joins = head ? vma_at(vmas(p), e, &nb) && vma_mergeable(&piece, &nb)
                                 : a > 0 && vma_at(vmas(p), a - 1, &nb) && vma_mergeable(&nb, &piece);
                if (!joins && over_limit(p, 1))
                    return -ENOMEM;
            } else if (head && over_limit(p, 2)) { /* two splits, each checked */
                return -ENOMEM;
            }
        }
        if (e386_mem_protect(p->cpu, (uint32_t)a, (uint32_t)(e - a), prot & 7) != 0)
            return -ENOMEM;
        v.end = e;
    }
    return 0;
}

enum { G_MREMAP_MAYMOVE = 1, G_MREMAP_FIXED = 2 };

int32_t sys_mremap(UserProc *p, uint32_t old, uint32_t oldlen, uint32_t newlen, int flags, uint32_t newaddr)
{
    (void)newaddr;
    if ((old & 0xfff) || newlen == 0 || (flags & G_MREMAP_FIXED))
        return -EINVAL;
    uint32_t os = (oldlen + 0xfff) & ~0xfffu, ns = (newlen + 0xfff) & ~0xfffu;
    if (!e386_mem_is_mapped(p->cpu, old))
        return -EFAULT;
    Vma v = { old, (uint64_t)old + 0x1000, E386_PROT_READ | E386_PROT_WRITE, VMA_TAG_ANON };
    vma_at(vmas(p), old, &v);
    int prot = v.prot; /* as mapped (the page map's would add EXEC to READ) */
    if (ns <= os) {
        if (ns < os)
            e386_mem_unmap(p->cpu, old + ns, os - ns);
        return (int32_t)old;
    }
    int shared = user_mapping_kind(p, v.tag) & USER_MAP_SHARED; /* grows into its file, by the host */
    if ((uint64_t)old + ns <= MMAP_TOP && range_free(p, old + os, ns - os)) {
        if (shared)
            return mem_grow_shared(p->cpu, old, os, old, ns, prot) ? -ENOMEM : (int32_t)old;
        if (mem_map_tagged(p->cpu, old + os, ns - os, prot, v.tag) != 0) /* grows the range */
            return -ENOMEM;
        return (int32_t)old;
    }
    if (!(flags & G_MREMAP_MAYMOVE))
        return -ENOMEM;
    if (over_limit(p, 4)) /* Linux's move_vma: map_count >= max_map_count - 3 */
        return -ENOMEM;
    uint32_t dst = user_find_free(p, ns);
    if ((uint64_t)old + os > USER_STACK_TOP)
        return -EFAULT; /* Linux: the old range is not one mapping */
    if (!dst)
        return -ENOMEM;
    /* the pages move (their host blocks with them): untouched ones stay
     * untouched, and no byte is copied */
    if (shared ? mem_grow_shared(p->cpu, old, os, dst, ns, prot) != 0
               : mem_map_tagged(p->cpu, dst + os, ns - os, prot, VMA_TAG_ANON) != 0)
        return -ENOMEM;
    if (!shared && os && mem_move(p->cpu, dst, old, os, prot) != 0) {
        e386_mem_unmap(p->cpu, dst + os, ns - os);
        return -ENOMEM;
    }
    if (os && v.tag != VMA_TAG_ANON) { /* a tag of its own, grown part and all: its file offset is not the rest's */
        uint32_t tag = vma_new_tag(vmas(p));
        vma_set(vmas(p), dst, (uint64_t)dst + ns, prot, tag);
        user_mapping_retag(p, v.tag, old, tag, dst);
    }
    return (int32_t)dst;
}

/* -d page, in the shape of QEMU's: ranges of pages with one protection
 * (as the page map gives it: READ implies EXEC, as i386 has no NX),
 * made from the mapping ranges, not from 2^20 page lookups. */
static int shown_prot(int prot)
{
    return (prot & 7 ? E386_PROT_READ | E386_PROT_EXEC : 0) | (prot & E386_PROT_WRITE);
}

static void log_range(FILE *f, uint64_t start, uint64_t end, int prot)
{
    fprintf(f, "page: %08x-%08x %08x %c%c%c\n", (uint32_t)start, (uint32_t)(end - 1), (uint32_t)(end - start),
            prot & E386_PROT_READ ? 'r' : '-', prot & E386_PROT_WRITE ? 'w' : '-', prot & E386_PROT_EXEC ? 'x' : '-');
}

void user_log_pages(UserProc *p, const char *why)
{
    FILE *f = user_log(p);
    fprintf(f, "page: %s\npage: start    end      size     prot\n", why);
    uint64_t start = 0, end = 0;
    int cur = -1;
    Vma v;
    for (uint64_t x = 0; vma_from(vmas(p), x, &v); x = v.end) {
        int prot = shown_prot(v.prot);
        if (cur >= 0 && (v.start != end || prot != cur)) {
            log_range(f, start, end, cur);
            cur = -1;
        }
        if (cur < 0) {
            start = v.start;
            cur = prot;
        }
        end = v.end;
    }
    if (cur >= 0)
        log_range(f, start, end, cur);
}

/* One step of a walk over the mappings of [a, end) as Linux's msync and
 * madvise make it: *v, the mapping that holds a, else the first one above
 * it; a hole before it sets *r to -ENOMEM.  0: none is left in the range
 * (a hole to the end: *r -ENOMEM too). */
static int walk_next(UserProc *p, uint64_t a, uint64_t end, Vma *v, int32_t *r)
{
    if (!(vma_at(vmas(p), a, v) || vma_from(vmas(p), a, v)) || v->start >= end) {
        *r = -ENOMEM;
        return 0;
    }
    if (v->start > a)
        *r = -ENOMEM;
    return 1;
}

uint8_t *user_shared_word(UserProc *p, uint32_t addr)
{
    Vma v;
    if ((addr & 3) || !vma_at(vmas(p), addr, &v) || !(user_mapping_kind(p, v.tag) & USER_MAP_SHARED))
        return NULL;
    return e386_mem_ptr(p->cpu, addr, 4);
}

/* msync: Linux's checks; the host's msync of a shared mapping's pages
 * (mem_map_file) writes them to the file, of any other is a no-op.  A
 * hole in the range: the rest is done, then ENOMEM. */
int32_t sys_msync(UserProc *p, uint32_t addr, uint32_t len, uint32_t flags)
{
    enum { G_MS_ASYNC = 1, G_MS_INVALIDATE = 2, G_MS_SYNC = 4 };
    if ((flags & ~7u) || (addr & 0xfff) || ((flags & G_MS_ASYNC) && (flags & G_MS_SYNC)))
        return -EINVAL;
    uint64_t end = ((uint64_t)addr + len + 0xfff) & ~0xfffull;
    if (end > USER_STACK_TOP)
        return -ENOMEM;
    int hflags = (flags & G_MS_ASYNC ? MS_ASYNC : 0) | (flags & G_MS_SYNC ? MS_SYNC : 0) |
                 (flags & G_MS_INVALIDATE ? MS_INVALIDATE : 0);
    int32_t r = 0;
    Vma v;
    for (uint64_t a = addr; a < end && walk_next(p, a, end, &v, &r); a = v.end) {
        if (!(user_mapping_kind(p, v.tag) & USER_MAP_SHARED))
            continue;
        /* page by page: the host pages of one guest range need not be one
         * host range (the page map's host blocks) */
        uint64_t e = v.end < end ? v.end : end;
        for (uint64_t g = v.start > a ? v.start : a; g < e; g += 4096) {
            uint8_t *h = e386_mem_ptr(p->cpu, (uint32_t)g, 1);
            if (h && msync(h, 4096, hflags) != 0 && errno == EBUSY)
                return -EBUSY;
        }
    }
    return r;
}

/* madvise, with Linux's checks: an advice it knows (6.1's list; EINVAL
 * otherwise), a page-aligned start, and a hole in the range: ENOMEM once
 * the rest is done.  MADV_DONTNEED (and _LOCKED) drops the private
 * pages (mem_drop_pages: anonymous memory reads zeros after it, a private
 * file mapping's page the file's bytes, a shared one keeps its data);
 * MADV_FREE, only on private anonymous memory (EINVAL on a file's or a
 * shared mapping), keeps the bytes, which is one of the outcomes Linux
 * allows; the poisoning kinds need CAP_SYS_ADMIN of the host (EPERM).
 * The rest are advice and change nothing here, two of them with a
 * difference a program could see: MADV_DONTFORK and MADV_WIPEONFORK
 * do not change what a fork's child gets (docs/syscalls.md). */
int32_t sys_madvise(UserProc *p, uint32_t addr, uint32_t len, int advice)
{
    enum { G_DONTNEED = 4, G_FREE = 8, G_DONTNEED_LOCKED = 24, G_HWPOISON = 100, G_SOFT_OFFLINE = 101 };
    int known = (advice >= 0 && advice <= 4) || (advice >= 8 && advice <= 25);
    if (advice == G_HWPOISON || advice == G_SOFT_OFFLINE)
        return -EPERM;
    if (!known || (addr & 0xfff))
        return -EINVAL;
    /* a 32-bit process on a 64-bit kernel: the end never wraps, and what
     * lies past 4 GiB is a hole */
    uint64_t end = ((uint64_t)addr + len + 0xfff) & ~0xfffull;
    if (end == addr)
        return 0;
    int32_t r = 0;
    Vma v;
    for (uint64_t a = addr; a < end && walk_next(p, a, end, &v, &r); a = v.end) {
        uint64_t s = v.start > a ? v.start : a, e = v.end < end ? v.end : end;
        int kind = user_mapping_kind(p, v.tag), anon = !(kind & (USER_MAP_SHARED | USER_MAP_FILE | USER_MAP_COPY));
        if (advice == G_FREE && !anon)
            return -EINVAL;
        /* a copy of a file's bytes cannot have them back: left as it is */
        if ((advice == G_DONTNEED || advice == G_DONTNEED_LOCKED) && !(kind & USER_MAP_COPY) &&
            mem_drop_pages(p->cpu, (uint32_t)s, (uint32_t)(e - s), anon) != 0)
            return -ENOMEM;
    }
    return r;
}

/* mincore: every mapped guest page has a host page behind it (reserved
 * MAP_NORESERVE, committed when first touched), so the host's answer for
 * that page is the guest's.  On a host with pages larger than 4 KiB a
 * guest page reports its host page's residency.  As Linux: the entries
 * before a hole are written, then ENOMEM. */
int32_t sys_mincore(UserProc *p, uint32_t addr, uint32_t len, uint32_t vec)
{
    if (addr & 0xfff)
        return -EINVAL;
    if ((uint64_t)addr + len > USER_STACK_TOP)
        return -ENOMEM;
    uint32_t pages = (uint32_t)(((uint64_t)len + 0xfff) >> 12);
    if (pages && g_writable(p, vec, pages))
        return -EFAULT;
    uintptr_t hmask = (uintptr_t)sysconf(_SC_PAGESIZE) - 1;
    uint8_t buf[256];
    for (uint32_t i = 0; i < pages;) {
        uint32_t n = 0;
        int32_t r = 0;
        for (; n < sizeof buf && i < pages; n++, i++) {
            uint32_t g = addr + i * 4096u;
            if (e386_mem_prot(p->cpu, g) < 0) {
                r = -ENOMEM;
                break;
            }
            const uint8_t *h = e386_mem_ptr(p->cpu, g, 1);
            unsigned char v = 0;
            if (h && mincore((void *)((uintptr_t)h & ~hmask), 1, &v) != 0)
                v = 0;
            buf[n] = v & 1;
        }
        if (n && g_write(p, vec + (i - n), buf, n))
            return -EFAULT;
        if (r)
            return r;
    }
    return 0;
}
