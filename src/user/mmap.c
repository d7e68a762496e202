/* The guest address space: brk, mmap, munmap, mprotect, mremap.  The page
 * map in the CPU is the source of truth; free ranges are found by
 * scanning it top-down below the stack, as Linux's legacy layout does. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "user/user.h"

enum { MMAP_TOP = USER_STACK_TOP - USER_STACK_SIZE - 0x1000000u, MMAP_BOTTOM = 0x01000000u };

static int range_free(E386Cpu *cpu, uint32_t a, uint32_t size)
{
    for (uint64_t x = a; x < (uint64_t)a + size; x += 0x1000)
        if (e386_mem_is_mapped(cpu, (uint32_t)x))
            return 0;
    return 1;
}

/* Highest free, page-aligned range of size bytes below the hint. */
uint32_t user_find_free(UserProc *p, uint32_t size)
{
    size = (size + 0xfff) & ~0xfffu;
    if (size == 0 || size > MMAP_TOP - MMAP_BOTTOM)
        return 0;
    for (int pass = 0; pass < 2; pass++) {
        uint32_t top = pass == 0 && p->mmap_hint ? p->mmap_hint : MMAP_TOP;
        uint32_t a = top - size;
        while (a >= MMAP_BOTTOM && a < top) {
            /* scan down from the top of the candidate for a mapped page */
            uint32_t hit = 0;
            for (uint64_t x = (uint64_t)a + size; x > a;) {
                x -= 0x1000;
                if (e386_mem_is_mapped(p->cpu, (uint32_t)x)) {
                    hit = (uint32_t)x;
                    break;
                }
            }
            if (!hit) {
                p->mmap_hint = a;
                return a;
            }
            if (hit < MMAP_BOTTOM + size)
                break;
            a = hit - size;
        }
    }
    return 0;
}

int32_t sys_brk(UserProc *p, uint32_t addr)
{
    if (addr < p->brk_start)
        return (int32_t)p->brk_cur;
    uint32_t old_end = (p->brk_cur + 0xfff) & ~0xfffu, new_end = (addr + 0xfff) & ~0xfffu;
    if (new_end > old_end) {
        if (new_end > MMAP_TOP || !range_free(p->cpu, old_end, new_end - old_end))
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
    uint32_t size = (len + 0xfff) & ~0xfffu;
    if (!(flags & (G_MAP_SHARED | G_MAP_PRIVATE)))
        return -EINVAL;
    if (flags & (G_MAP_FIXED | G_MAP_FIXED_NOREPLACE)) {
        if ((addr & 0xfff) || (uint64_t)addr + size > USER_STACK_TOP)
            return -EINVAL;
        if ((flags & G_MAP_FIXED_NOREPLACE) && !range_free(p->cpu, addr, size))
            return -EEXIST;
    } else {
        if (addr && !(addr & 0xfff) && (uint64_t)addr + size <= MMAP_TOP && range_free(p->cpu, addr, size))
            ; /* honour the hint */
        else
            addr = user_find_free(p, size);
        if (!addr)
            return -ENOMEM;
    }
    int gprot = prot & 7;
    if (e386_mem_map(p->cpu, addr, size, E386_PROT_READ | E386_PROT_WRITE) != 0)
        return -ENOMEM;
    if (!(flags & G_MAP_ANON)) {
        /* File mappings are copies: MAP_SHARED writes do not reach the
         * file (nothing in the suites needs that yet). */
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
    return (int32_t)addr;
}

int32_t sys_munmap(UserProc *p, uint32_t addr, uint32_t len)
{
    if ((addr & 0xfff) || len == 0 || (uint64_t)addr + len > USER_STACK_TOP)
        return -EINVAL;
    e386_mem_unmap(p->cpu, addr, (len + 0xfff) & ~0xfffu);
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
    if (e386_mem_protect(p->cpu, addr, size, prot & 7) != 0)
        return -ENOMEM;
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
    int prot = e386_mem_prot(p->cpu, old);
    if (ns <= os) {
        if (ns < os)
            e386_mem_unmap(p->cpu, old + ns, os - ns);
        return (int32_t)old;
    }
    if ((uint64_t)old + ns <= MMAP_TOP && range_free(p->cpu, old + os, ns - os)) {
        if (e386_mem_map(p->cpu, old + os, ns - os, prot) != 0)
            return -ENOMEM;
        return (int32_t)old;
    }
    if (!(flags & G_MREMAP_MAYMOVE))
        return -ENOMEM;
    uint32_t dst = user_find_free(p, ns);
    if (!dst || e386_mem_map(p->cpu, dst, ns, E386_PROT_READ | E386_PROT_WRITE) != 0)
        return -ENOMEM;
    uint8_t page[4096];
    for (uint32_t o = 0; o < os; o += 4096) {
        if (e386_mem_read(p->cpu, old + o, page, 4096) == 0)
            e386_mem_write(p->cpu, dst + o, page, 4096);
    }
    e386_mem_protect(p->cpu, dst, ns, prot);
    e386_mem_unmap(p->cpu, old, os);
    return (int32_t)dst;
}

/* -d page, in the shape of QEMU's: ranges of pages with one protection.
 * The CPU's page map is scanned whole (a debug aid: 2^20 lookups). */
void user_log_pages(UserProc *p, const char *why)
{
    FILE *f = user_log(p);
    fprintf(f, "page: %s\npage: start    end      size     prot\n", why);
    int cur = -1;
    uint32_t start = 0;
    for (uint64_t a = 0; a <= 0x100000000ull; a += 0x1000) {
        int prot = a < 0x100000000ull ? e386_mem_prot(p->cpu, (uint32_t)a) : -1;
        if (prot == cur)
            continue;
        if (cur >= 0)
            fprintf(f, "page: %08x-%08x %08x %c%c%c\n", start, (uint32_t)(a - 1), (uint32_t)(a - start),
                    cur & E386_PROT_READ ? 'r' : '-', cur & E386_PROT_WRITE ? 'w' : '-',
                    cur & E386_PROT_EXEC ? 'x' : '-');
        cur = prot;
        start = (uint32_t)a;
    }
}
