/* Guest memory for user mode: a two-level map of 4 KiB guest pages onto
 * host blocks from the guest allocator.  All guest accesses go through
 * lin_read/lin_write (cpu.h); this file has their slow paths, the mapping
 * calls of the public API and the self-modifying-code hook. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "core/cpu.h"

Page *mem_page(Mem *m, uint32_t lin)
{
    Page *p = mem_page_any(m, lin);
    return p && p->host ? p : NULL;
}

/* P is clear for unmapped pages and for pages without any access
 * (PROT_NONE, which Linux keeps not-present too). */
static uint32_t pf_err(E386Cpu *cpu, Page *p, int write)
{
    return (p && p->host && (p->flags & PG_READ) ? 1u : 0u) | (write ? 2u : 0u) | (cpu->cpl == 3 ? 4u : 0u);
}

/* System mode: the physical bus.  MMIO goes to its device, whole when the
 * access stays inside the page; unassigned addresses read as all ones and
 * drop writes, and so do writes to ROM. */
uint32_t bus_read(E386Cpu *cpu, uint32_t pa, int size)
{
    Page *p = mem_page_any(&cpu->mem, pa);
    if (p && p->host && (p->flags & PG_READ) && (pa & 0xfff) + (uint32_t)size <= 0x1000)
        return ld_le(p->host + (pa & 0xfff), size); /* RAM or ROM: page-table walks */
    if (p && (p->flags & PG_MMIO) && (pa & 0xfff) + (uint32_t)size <= 0x1000) {
        Mmio *m = &cpu->mem.mmio[p->region];
        return m->rd ? m->rd(m->opaque, pa - m->base, size) & size_mask(size) : size_mask(size);
    }
    uint32_t v = 0;
    for (int i = 0; i < size; i++) {
        uint32_t a = pa + (uint32_t)i;
        Page *q = mem_page_any(&cpu->mem, a);
        uint32_t b = 0xff;
        if (q && q->host && (q->flags & PG_READ))
            b = q->host[a & 0xfff];
        else if (q && (q->flags & PG_MMIO))
            b = bus_read(cpu, a, 1);
        v |= b << (8 * i);
    }
    return v;
}

void bus_write(E386Cpu *cpu, uint32_t pa, int size, uint32_t v)
{
    Page *p = mem_page_any(&cpu->mem, pa);
    if (p && (p->flags & PG_MMIO) && (pa & 0xfff) + (uint32_t)size <= 0x1000) {
        Mmio *m = &cpu->mem.mmio[p->region];
        if (m->wr)
            m->wr(m->opaque, pa - m->base, size, v & size_mask(size));
        return;
    }
    for (int i = 0; i < size; i++) {
        uint32_t a = pa + (uint32_t)i;
        Page *q = mem_page_any(&cpu->mem, a);
        if (q && q->host && (q->flags & PG_WRITE)) {
            q->host[a & 0xfff] = (uint8_t)(v >> (8 * i));
            dirty_mark(cpu, q, a);
            if (q->flags & PG_CODE)
                mem_smc_write(cpu, a, 1);
        } else if (q && (q->flags & PG_MMIO)) {
            bus_write(cpu, a, 1, (v >> (8 * i)) & 0xff);
        }
    }
}

/* With paging: translate each page the access touches (all before any
 * byte of a write), then go to the bus. */
static uint32_t paged_read(E386Cpu *cpu, uint32_t lin, int size, int acc)
{
    if (cpu->dbg_data && !(acc & ACC_SUPER))
        dbg_data_access(cpu, lin, size, 0);
    uint32_t last = lin + (uint32_t)size - 1;
    uint32_t p0 = mmu_phys(cpu, lin, acc);
    if ((last >> 12) == (lin >> 12))
        return bus_read(cpu, p0, size);
    uint32_t p1 = mmu_phys(cpu, last & ~0xfffu, acc), v = 0; /* CR2: the page's first byte */
    for (int i = 0; i < size; i++) {
        uint32_t a = lin + (uint32_t)i;
        uint32_t pa = ((a >> 12) == (lin >> 12) ? p0 & ~0xfffu : p1 & ~0xfffu) | (a & 0xfff);
        v |= bus_read(cpu, pa, 1) << (8 * i);
    }
    return v;
}

static void paged_write(E386Cpu *cpu, uint32_t lin, int size, uint32_t v, int acc)
{
    if (cpu->dbg_data && !(acc & ACC_SUPER))
        dbg_data_access(cpu, lin, size, 1);
    uint32_t last = lin + (uint32_t)size - 1;
    uint32_t p0 = mmu_phys(cpu, lin, acc | ACC_WRITE);
    if ((last >> 12) == (lin >> 12)) {
        bus_write(cpu, p0, size, v);
        return;
    }
    uint32_t p1 = mmu_phys(cpu, last & ~0xfffu, acc | ACC_WRITE);
    for (int i = 0; i < size; i++) {
        uint32_t a = lin + (uint32_t)i;
        uint32_t pa = ((a >> 12) == (lin >> 12) ? p0 & ~0xfffu : p1 & ~0xfffu) | (a & 0xfff);
        bus_write(cpu, pa, 1, (v >> (8 * i)) & 0xff);
    }
}

uint32_t sys_read(E386Cpu *cpu, uint32_t lin, int size)
{
    return cpu->softmmu ? paged_read(cpu, lin, size, ACC_SUPER) : lin_read(cpu, lin, size);
}

void sys_write(E386Cpu *cpu, uint32_t lin, int size, uint32_t v)
{
    if (cpu->softmmu)
        paged_write(cpu, lin, size, v, ACC_SUPER);
    else
        lin_write(cpu, lin, size, v);
}

uint32_t lin_read_slow(E386Cpu *cpu, uint32_t lin, int size)
{
    if (cpu->softmmu)
        return paged_read(cpu, lin, size, ACC_READ);
    if (cpu->mem.phys_bus)
        return bus_read(cpu, lin, size);
    uint32_t v = 0;
    for (int i = 0; i < size; i++) {
        uint32_t a = lin + (uint32_t)i;
        Page *p = mem_page(&cpu->mem, a);
        if (!p || !(p->flags & PG_READ))
            raise_pf(cpu, a, pf_err(cpu, p, 0));
        v |= (uint32_t)p->host[a & 0xfff] << (8 * i);
    }
    return v;
}

/* lin is the host's first faulting byte, not necessarily the access's
 * start: e386_run runs the instruction again on the page map's path
 * (once: a host fault during that run is delivered as it is) */
static _Noreturn void linear_hint_fault(E386Cpu *cpu, uint32_t lin, Page *p, int write)
{
    if (cpu->lin_retry == LIN_RETRY_NONE)
        cpu->lin_retry = LIN_RETRY_PENDING;
    raise_pf(cpu, lin, pf_err(cpu, p, write));
}

/* The host access is retried after a sync, which may have loosened the
 * host's protection (lfast off): the native back end's code, which
 * assumes linear memory without testing it, leaves after this op (its
 * dispatcher then interprets) */
static void linear_retry(E386Cpu *cpu)
{
    if (!cpu->mem.lfast)
        cpu_request_exit(cpu);
}

/* the running instruction has bytes on lin's page */
static int insn_on_page(const E386Cpu *cpu, uint32_t lin)
{
    const E386Op *op = cpu->cur;
    if (!op)
        return 0;
    uint32_t start = cpu->seg[SEG_CS].base + op->eip, end = start + op->len - 1u;
    return ((start ^ lin) >> 12) == 0 || ((end ^ lin) >> 12) == 0;
}

void mem_linear_fault(E386Cpu *cpu, uint32_t lin, int write)
{
    Page *p = mem_page(&cpu->mem, lin);
    uint32_t f = p ? p->flags : 0;
    if (write && (f & (PG_WRITE | PG_CODE)) == (PG_WRITE | PG_CODE)) {
        /* a store into translated code: every block of the page goes (the
         * store's size is unknown here), the page becomes writable, and
         * the store is retried; a running block ends after this op */
        mem_smc_write(cpu, lin & ~0xfffu, 0x1000);
        if (linmem_sync(&cpu->mem, lin & ~0xfffu, 0x1000) == 0) {
            /* A store that may rewrite the running instruction: the rest
             * of it goes the page map's way (lfast off, as in a rerun),
             * whose faults are exact.  A hint fault later in it would run
             * it again, decoded from its new bytes (ENTER pushing over
             * itself, then reading an unmapped frame). */
            if (cpu->lin_retry == LIN_RETRY_NONE && insn_on_page(cpu, lin)) {
                cpu->lin_retry = LIN_RETRY_ACTIVE;
                cpu->mem.lfast = NULL;
            }
            linear_retry(cpu);
            return;
        }
    } else if ((f & PG_READ) && (!write || (f & PG_WRITE))) {
        /* the host disagreed (cannot happen unless an mprotect failed):
         * make it agree and retry, or fault rather than loop */
        if (linmem_sync(&cpu->mem, lin & ~0xfffu, 0x1000) == 0) {
            linear_retry(cpu);
            return;
        }
    }
    linear_hint_fault(cpu, lin, p, write);
}

/* The guest page whose host block holds host address a, by a walk of the
 * page map: a bus error is rare, and the map's host pointers are the only
 * record of where a shared block sits in the guest's space after an
 * mremap (with linear memory they are lbase + the page's address) */
static int host_to_guest(const Mem *m, uintptr_t a, uint32_t *lin)
{
    uintptr_t page = a & ~(uintptr_t)0xfff;
    for (uint32_t i = 0; i < 1024; i++) {
        const Page *l2 = m->l1[i];
        for (uint32_t j = 0; l2 && j < 1024; j++)
            if (l2[j].host && (uintptr_t)l2[j].host == page && !(l2[j].flags & PG_MMIO)) {
                *lin = i << 22 | j << 12 | (uint32_t)(a & 0xfff);
                return 1;
            }
    }
    return 0;
}

void mem_bus_fault(E386Cpu *cpu, uintptr_t a, int write)
{
    uint32_t lin;
    if (!host_to_guest(&cpu->mem, a, &lin))
        return;
    Page *p = mem_page(&cpu->mem, lin);
    if (cpu->bus_page == (lin >> 12) + 1) { /* the armed page again: a path that ignored its rights */
        mem_bus_disarm(cpu);
        raise_bus_error(cpu, lin, pf_err(cpu, p, write)); /* the host's byte, rather than a loop */
    }
    mem_bus_disarm(cpu); /* another page of the same instruction's */
    cpu->bus_page = (lin >> 12) + 1;
    cpu->bus_flags = p->flags;
    p->flags &= ~(uint32_t)(PG_READ | PG_WRITE);
    raise_retry(cpu);
}

void mem_bus_disarm(E386Cpu *cpu)
{
    if (!cpu->bus_page)
        return;
    Page *p = mem_page(&cpu->mem, (cpu->bus_page - 1) << 12);
    if (p)
        p->flags = cpu->bus_flags;
    cpu->bus_page = 0;
}

/* raise_pf's #PF at lin is the armed page's bus error */
int mem_bus_take(E386Cpu *cpu, uint32_t lin, uint32_t *err)
{
    if (!cpu->bus_page || (lin >> 12) != cpu->bus_page - 1)
        return 0;
    mem_bus_disarm(cpu);
    *err = pf_err(cpu, mem_page(&cpu->mem, lin), (*err & 2) != 0);
    return 1;
}

/* A host access ran past the 4 GiB into the reservation's guard: the
 * guest's access wraps to address 0, which only the page map's path
 * does; the instruction runs again on it, as after any hinted fault. */
void mem_linear_wrap_fault(E386Cpu *cpu, int write)
{
    linear_hint_fault(cpu, 0, mem_page(&cpu->mem, 0), write);
}

void lin_check_write(E386Cpu *cpu, uint32_t lin, uint32_t len)
{
    if (len == 0)
        return;
    if (cpu->softmmu) { /* every page must be writable: translate (and dirty) them */
        if (tlb_entry(cpu, lin)->wtag == (lin & ~0xfffu) && (lin & 0xfff) + len <= 0x1000)
            return; /* a write tag: writable and dirty at this privilege already */
        uint32_t last = lin + len - 1;
        for (uint32_t a = lin;; a = (a | 0xfff) + 1) {
            mmu_phys(cpu, a, ACC_WRITE);
            if ((a >> 12) == (last >> 12))
                break;
        }
        return;
    }
    if (cpu->mem.phys_bus)
        return;
    uint32_t last = lin + len - 1;
    for (uint32_t a = lin;; a = (a | 0xfff) + 1) {
        Page *p = mem_page(&cpu->mem, a);
        if (!p || !(p->flags & PG_WRITE))
            raise_pf(cpu, a, pf_err(cpu, p, 1));
        if ((a >> 12) == (last >> 12))
            break;
    }
}

void lin_write_slow(E386Cpu *cpu, uint32_t lin, int size, uint32_t v)
{
    if (cpu->softmmu) {
        paged_write(cpu, lin, size, v, 0);
        return;
    }
    if (cpu->mem.phys_bus) {
        bus_write(cpu, lin, size, v);
        return;
    }
    lin_check_write(cpu, lin, (uint32_t)size); /* all or nothing */
    for (int i = 0; i < size; i++) {
        uint32_t a = lin + (uint32_t)i;
        Page *p = mem_page(&cpu->mem, a);
        p->host[a & 0xfff] = (uint8_t)(v >> (8 * i));
    }
    uint32_t last = lin + (uint32_t)size - 1;
    Page *p0 = mem_page(&cpu->mem, lin), *p1 = mem_page(&cpu->mem, last);
    if ((p0->flags | p1->flags) & PG_CODE)
        mem_smc_write(cpu, lin, (uint32_t)size);
}

/* ---- regions: host blocks shared by consecutive guest pages ---- */

static uint32_t region_new(Mem *m, uint8_t *host, size_t size, uint32_t pages)
{
    uint32_t i;
    if (m->region_free) { /* a freed slot: O(1), however many regions there are */
        i = m->region_free - 1;
        m->region_free = m->regions[i].live;
    } else {
        if (m->nregions == m->cap_regions) {
            if (m->cap_regions > UINT32_MAX / 2 - 1)
                return UINT32_MAX;
            uint32_t cap = m->cap_regions ? m->cap_regions * 2 : 16;
            Region *r = realloc(m->regions, cap * sizeof *r);
            if (!r)
                return UINT32_MAX;
            m->regions = r;
            m->cap_regions = cap;
        }
        i = m->nregions++;
    }
    m->regions[i] = (Region){ host, size, pages, 0 };
    return i;
}

static void page_release(Mem *m, Page *p)
{
    if (!p->host) { /* MMIO or nothing */
        if ((p->flags & PG_MMIO) && p->region < m->nmmio && m->mmio[p->region].pages)
            m->mmio[p->region].pages--;
        *p = (Page){ NULL, 0, 0 };
        return;
    }
    if (m->lbase) { /* linear: the caller gives the host pages back */
        *p = (Page){ NULL, 0, 0 };
        return;
    }
    Region *r = &m->regions[p->region];
    if (--r->live == 0) {
        if (r->mapped)
            munmap(r->host, r->size);
        else
            galloc_free(&m->alloc, r->host, r->size);
        r->mapped = 0;
        r->host = NULL;
        r->live = m->region_free; /* onto the free chain */
        m->region_free = p->region + 1;
    }
    *p = (Page){ NULL, 0, 0 };
}

static uint32_t prot_flags(int prot)
{
    uint32_t f = 0;
    if (prot & (E386_PROT_READ | E386_PROT_EXEC | E386_PROT_WRITE)) f |= PG_READ;
    if (prot & E386_PROT_WRITE) f |= PG_WRITE;
    if (prot & (E386_PROT_EXEC | E386_PROT_READ)) f |= PG_EXEC; /* i386 has no NX */
    return f;
}

static int range_ok(uint32_t addr, uint32_t size)
{
    return !(addr & 0xfff) && !(size & 0xfff) && size && (uint64_t)addr + size <= (1ull << 32);
}

/* Forget translations on a page whose mapping changes. */
static void page_changed(E386Cpu *cpu, uint32_t a, Page *p)
{
    if (p && (p->flags & PG_CODE))
        tb_invalidate_page(cpu, a >> 12);
}

/* Second-level tables for [addr, addr + pages pages): one check per 4 MiB. */
static int l2_alloc(Mem *m, uint32_t addr, uint32_t pages)
{
    if (!pages)
        return 0;
    uint32_t last = (uint32_t)(((uint64_t)addr + ((uint64_t)pages << 12) - 1) >> 22);
    for (uint32_t i = addr >> 22; i <= last; i++)
        if (!m->l1[i] && !(m->l1[i] = calloc(1024, sizeof(Page))))
            return -1;
    return 0;
}

/* Linear: the pages are fresh host pages at lbase + addr (the old ones,
 * if any, are replaced by the host's MAP_FIXED). */
static int map_linear(E386Cpu *cpu, uint32_t addr, uint32_t size, int prot, uint32_t tag)
{
    Mem *m = &cpu->mem;
    uint32_t flags = prot_flags(prot);
    if (vma_set(&m->vmas, addr, (uint64_t)addr + size, prot & 7, tag) != 0)
        return -1;
    m->vmas.ops += size >> 12;
    for (uint32_t off = 0; off < size; off += 4096) { /* translations first: they change flags */
        Page *p = mem_page_any(m, addr + off);
        page_changed(cpu, addr + off, p);
        page_release(m, p);
    }
    if (linmem_map(m, addr, size, flags) != 0) {
        vma_clear(&m->vmas, addr, (uint64_t)addr + size);
        linmem_unmap(m, addr, size);
        return -1;
    }
    for (uint32_t off = 0; off < size; off += 4096)
        *mem_page_any(m, addr + off) = (Page){ m->lbase + addr + off, flags, 0 };
    return 0;
}

/* a slot region_new gave, back unused */
static void region_give_back(Mem *m, uint32_t reg)
{
    m->regions[reg] = (Region){ NULL, 0, m->region_free, 0 };
    m->region_free = reg + 1;
}

/* The page entries of [addr, addr + size) point into host (linear:
 * lbase + addr), region reg; translations and old entries are dropped. */
static void install(E386Cpu *cpu, uint32_t addr, uint32_t size, uint8_t *host, uint32_t flags, uint32_t reg)
{
    Mem *m = &cpu->mem;
    m->vmas.ops += size >> 12;
    for (uint32_t off = 0; off < size; off += 4096) {
        Page *p = mem_page_any(m, addr + off);
        page_changed(cpu, addr + off, p);
        page_release(m, p);
        *p = (Page){ host + off, flags, reg };
    }
}

int mem_map_tagged(E386Cpu *cpu, uint32_t addr, uint32_t size, int prot, uint32_t tag)
{
    Mem *m = &cpu->mem;
    if (!range_ok(addr, size))
        return -1;
    uint32_t pages = size >> 12;
    if (l2_alloc(m, addr, pages)) /* second-level tables first */
        return -1;
    if (m->lbase)
        return map_linear(cpu, addr, size, prot, tag);
    uint8_t *host = galloc_alloc(&m->alloc, size, 4096, "e386_mem_map");
    if (!host)
        return -1;
    uint32_t reg = region_new(m, host, size, pages);
    if (reg == UINT32_MAX || vma_set(&m->vmas, addr, (uint64_t)addr + size, prot & 7, tag) != 0) {
        if (reg != UINT32_MAX)
            region_give_back(m, reg);
        galloc_free(&m->alloc, host, size);
        return -1;
    }
    install(cpu, addr, size, host, prot_flags(prot), reg); /* host pages are not touched: zero by construction */
    return 0;
}

int e386_mem_map(E386Cpu *cpu, uint32_t addr, uint32_t size, int prot)
{
    return mem_map_tagged(cpu, addr, size, prot, VMA_TAG_ANON);
}

/* Linear: the host pages move with a host mremap (run by run of present
 * pages), holes get fresh ones, and src goes back to the reservation. */
static int move_linear(E386Cpu *cpu, uint32_t dst, uint32_t src, uint32_t size, int prot)
{
    Mem *m = &cpu->mem;
    Vma v;
    uint32_t tag = vma_at(&m->vmas, src, &v) ? v.tag : VMA_TAG_ANON, flags = prot_flags(prot);
    for (uint32_t off = 0; off < size; off += 4096) { /* translations stay behind: keyed by address */
        page_changed(cpu, src + off, mem_page(m, src + off));
        page_changed(cpu, dst + off, mem_page(m, dst + off));
    }
    if (vma_clear(&m->vmas, src, (uint64_t)src + size) != 0 ||
        vma_set(&m->vmas, dst, (uint64_t)dst + size, prot & 7, tag) != 0)
        return -1;
    m->vmas.ops += size >> 12;
    for (uint32_t off = 0; off < size;) {
        int present = mem_page(m, src + off) != NULL;
        uint32_t n = 4096;
        while (off + n < size && (mem_page(m, src + off + n) != NULL) == present)
            n += 4096;
        if (present ? linmem_move(m, dst + off, src + off, n) : linmem_map(m, dst + off, n, flags))
            return -1;
        off += n;
    }
    for (uint32_t off = 0; off < size; off += 4096) {
        Page *sp = mem_page_any(m, src + off), *dp = mem_page_any(m, dst + off);
        uint32_t log = sp && sp->host ? sp->flags & (PG_LOG | PG_SHARED) : 0;
        page_release(m, dp);
        if (sp)
            page_release(m, sp);
        *dp = (Page){ m->lbase + dst + off, flags | log, 0 };
    }
    linmem_sync(m, dst, size);
    return 0;
}

/* mremap's move: the page entries of [src, src + size) go to dst with
 * prot (the host blocks they point at move with them: nothing is copied
 * and no host page is touched); holes get fresh zero pages, as a copy
 * would have given.  dst must be unmapped and not overlap src. */
int mem_move(E386Cpu *cpu, uint32_t dst, uint32_t src, uint32_t size, int prot)
{
    Mem *m = &cpu->mem;
    if (!range_ok(dst, size) || !range_ok(src, size) || l2_alloc(m, dst, size >> 12))
        return -1;
    if (m->lbase)
        return move_linear(cpu, dst, src, size, prot);
    Vma v;
    uint32_t tag = vma_at(&m->vmas, src, &v) ? v.tag : VMA_TAG_ANON;
    for (uint32_t off = 0; off < size;) { /* holes first: the only step that can fail */
        uint32_t a = src + off;
        if (mem_page(m, a)) {
            off += 4096;
            continue;
        }
        uint32_t n = 4096;
        while (off + n < size && !mem_page(m, a + n))
            n += 4096;
        if (mem_map_tagged(cpu, dst + off, n, prot, tag) != 0) {
            if (off)
                e386_mem_unmap(cpu, dst, off); /* what this call mapped: dst was free */
            return -1;
        }
        off += n;
    }
    if (vma_clear(&m->vmas, src, (uint64_t)src + size) != 0 ||
        vma_set(&m->vmas, dst, (uint64_t)dst + size, prot & 7, tag) != 0)
        return -1;
    uint32_t flags = prot_flags(prot);
    m->vmas.ops += size >> 12;
    for (uint32_t off = 0; off < size; off += 4096) {
        Page *sp = mem_page(m, src + off);
        if (!sp)
            continue;
        Page *dp = mem_page_any(m, dst + off);
        page_changed(cpu, src + off, sp); /* translations stay behind: keyed by address */
        page_changed(cpu, dst + off, dp);
        page_release(m, dp);
        *dp = (Page){ sp->host, flags | (sp->flags & (PG_LOG | PG_SHARED)), sp->region };
        *sp = (Page){ NULL, 0, 0 };
    }
    return 0;
}

int mem_map_file(E386Cpu *cpu, uint32_t addr, uint32_t size, int prot, uint32_t tag, int fd, uint64_t off,
                 int shared)
{
    Mem *m = &cpu->mem;
    uint32_t flags = prot_flags(prot) | (shared ? PG_SHARED : 0);
    if (!shared && fd < 0)
        return -EINVAL; /* private anonymous memory is mem_map_tagged's */
    if (!range_ok(addr, size) || l2_alloc(m, addr, size >> 12))
        return -ENOMEM;
    if (m->lbase) {
        for (uint32_t o = 0; o < size; o += 4096) /* translations first: they change flags */
            page_changed(cpu, addr + o, mem_page_any(m, addr + o));
        int r = linmem_map_file(m, addr, size, flags, fd, off, shared);
        if (r)
            return r;
        if (vma_set(&m->vmas, addr, (uint64_t)addr + size, prot & 7, tag) != 0) {
            e386_mem_unmap(cpu, addr, size); /* the old pages are gone already */
            return -ENOMEM;
        }
        install(cpu, addr, size, m->lbase + addr, flags, 0);
        return 0;
    }
    /* read-write on the host whatever the guest asks, as its mprotect may
     * add write later; a read-only file allows only reading, and only
     * shared: a private mapping's writes are never the file's */
    int mf = (shared ? MAP_SHARED : MAP_PRIVATE) | (fd < 0 ? MAP_ANONYMOUS : 0);
    uint8_t *host = mmap(NULL, size, PROT_READ | PROT_WRITE, mf, fd, (off_t)off);
    if (host == MAP_FAILED && errno == EACCES && shared && !(prot & E386_PROT_WRITE))
        host = mmap(NULL, size, PROT_READ, mf, fd, (off_t)off);
    if (host == MAP_FAILED)
        return -errno;
    uint32_t reg = region_new(m, host, size, size >> 12);
    if (reg == UINT32_MAX || vma_set(&m->vmas, addr, (uint64_t)addr + size, prot & 7, tag) != 0) {
        if (reg != UINT32_MAX)
            region_give_back(m, reg);
        munmap(host, size);
        return -ENOMEM;
    }
    m->regions[reg].mapped = 1;
    install(cpu, addr, size, host, flags, reg);
    fault_catch(0); /* a page past the file's end: the guest's SIGBUS (core/hostfault.c) */
    return 0;
}

int mem_host_pages_4k(void)
{
    return sysconf(_SC_PAGESIZE) == 4096;
}

/* mem_drop_pages' run of host-contiguous pages, dropped with one madvise */
static int drop_run(uint8_t **run, size_t *len)
{
    int r = *run && madvise(*run, *len, MADV_DONTNEED) != 0 ? -1 : 0;
    *run = NULL;
    *len = 0;
    return r;
}

int mem_drop_pages(E386Cpu *cpu, uint32_t addr, uint32_t size, int anon)
{
    Mem *m = &cpu->mem;
    if (!range_ok(addr, size))
        return -1;
    int host4k = mem_host_pages_4k();
    uint8_t *run = NULL;
    size_t run_len = 0;
    for (uint64_t a = addr; a < (uint64_t)addr + size; a += 4096) {
        Page *p = mem_page(m, (uint32_t)a);
        int keep = !p || !p->host || (p->flags & (PG_SHARED | PG_MMIO)); /* a shared page keeps its data */
        if ((keep || (run && p->host != run + run_len)) && drop_run(&run, &run_len) != 0)
            return -1;
        if (keep)
            continue;
        page_changed(cpu, (uint32_t)a, p);
        if (host4k) {
            if (!run)
                run = p->host;
            run_len += 4096;
        } else if (anon) {
            memset(p->host, 0, 4096);
        }
    }
    return drop_run(&run, &run_len);
}

int mem_grow_shared(E386Cpu *cpu, uint32_t old, uint32_t os, uint32_t dst, uint32_t ns, int prot)
{
    Mem *m = &cpu->mem;
    Vma v;
    if (!range_ok(old, os) || !range_ok(dst, ns) || ns <= os || !vma_at(&m->vmas, old, &v) ||
        l2_alloc(m, dst, ns >> 12))
        return -1;
    uint32_t flags = prot_flags(prot), tag = v.tag;
    Page *p0 = mem_page(m, old);
    Region *r = !m->lbase && p0 ? &m->regions[p0->region] : NULL;
    if (!m->lbase) { /* page map: the mapping must be its host block, whole */
        if (!r || !r->mapped || !(p0->flags & PG_SHARED) || r->size != os || r->live != os >> 12)
            return -1;
        for (uint32_t o = 0; o < os; o += 4096) {
            Page *p = mem_page(m, old + o);
            if (!p || p->region != p0->region || p->host != r->host + o)
                return -1;
        }
    }
    for (uint32_t o = 0; o < os; o += 4096) /* translations stay behind: keyed by address */
        page_changed(cpu, old + o, mem_page(m, old + o));
    uint8_t *host = NULL;
    if (m->lbase) {
        if (linmem_grow(m, old, os, dst, ns) != 0)
            return -1;
        host = m->lbase + dst;
    } else {
        void *x = mremap(r->host, os, ns, MREMAP_MAYMOVE);
        if (x == MAP_FAILED)
            return -1;
        host = x;
        r->host = host;
        r->size = ns;
    }
    vma_clear(&m->vmas, old, (uint64_t)old + os);
    if (vma_set(&m->vmas, dst, (uint64_t)dst + ns, prot & 7, tag) != 0)
        return -1; /* cannot happen: the set had room for the old range */
    uint32_t reg = m->lbase ? 0 : p0->region;
    for (uint32_t o = 0; o < os; o += 4096) /* the old entries: the region lives on */
        *mem_page(m, old + o) = (Page){ NULL, 0, 0 };
    if (!m->lbase)
        m->regions[reg].live = 0;
    for (uint32_t o = 0; o < ns; o += 4096) {
        Page *p = mem_page_any(m, dst + o);
        page_changed(cpu, dst + o, p);
        if (p->host || (p->flags & PG_MMIO)) /* cannot happen: dst's range was free */
            page_release(m, p);
        *p = (Page){ host + o, flags | PG_SHARED, reg };
        if (!m->lbase)
            m->regions[reg].live++;
    }
    m->vmas.ops += ns >> 12;
    if (m->lbase)
        linmem_sync(m, dst, ns);
    return 0;
}

int e386_mem_alias(E386Cpu *cpu, uint32_t dst, uint32_t src, uint32_t size, int prot)
{
    Mem *m = &cpu->mem;
    if (!range_ok(dst, size) || !range_ok(src, size) || m->lbase) /* linear: one place per page */
        return -1;
    for (uint64_t a = src; a < (uint64_t)src + size; a += 4096)
        if (!mem_page(m, (uint32_t)a))
            return -1;
    if (l2_alloc(m, dst, size >> 12) || vma_set(&m->vmas, dst, (uint64_t)dst + size, prot & 7,
                                                   vma_new_tag(&m->vmas)) != 0)
        return -1;
    for (uint32_t off = 0; off < size; off += 4096) {
        Page sp = *mem_page(m, src + off);
        Page *dp = mem_page_any(m, dst + off);
        m->regions[sp.region].live++; /* before a release that may drop the same region */
        page_changed(cpu, dst + off, dp);
        page_release(m, dp);
        *dp = (Page){ sp.host, prot_flags(prot) | (sp.flags & (PG_CODE | PG_LOG | PG_SHARED)), sp.region };
    }
    return 0;
}

int e386_mmio_map(E386Cpu *cpu, uint32_t addr, uint32_t size, e386_mmio_read_fn rd,
                  e386_mmio_write_fn wr, void *opaque)
{
    Mem *m = &cpu->mem;
    if (!range_ok(addr, size) || m->lbase || l2_alloc(m, addr, size >> 12))
        return -1;
    if (vma_set(&m->vmas, addr, (uint64_t)addr + size, 0, vma_new_tag(&m->vmas)) != 0)
        return -1;
    /* a slot no page points at any more is reused: a guest that moves a
     * BAR in a loop must not grow the table (and host memory) forever */
    uint32_t slot = 0;
    while (slot < m->nmmio && m->mmio[slot].pages)
        slot++;
    if (slot == m->nmmio) {
        Mmio *t = realloc(m->mmio, (m->nmmio + 1) * sizeof *t);
        if (!t)
            return -1;
        m->mmio = t;
        m->nmmio++;
    }
    m->mmio[slot] = (Mmio){ addr, size, rd, wr, opaque, 0 };
    for (uint32_t off = 0; off < size; off += 4096) {
        Page *p = mem_page_any(m, addr + off);
        page_changed(cpu, addr + off, p);
        page_release(m, p);
        *p = (Page){ NULL, PG_MMIO, slot };
        m->mmio[slot].pages++;
    }
    return 0;
}

int e386_mem_unmap(E386Cpu *cpu, uint32_t addr, uint32_t size)
{
    Mem *m = &cpu->mem;
    if (!range_ok(addr, size) || vma_clear(&m->vmas, addr, (uint64_t)addr + size) != 0)
        return -1;
    for (uint64_t a = addr; a < (uint64_t)addr + size;) {
        if (!m->l1[a >> 22]) { /* no table: the whole 4 MiB is unmapped */
            a = (a | 0x3fffff) + 1;
            continue;
        }
        Page *p = mem_page_any(m, (uint32_t)a);
        m->vmas.ops++;
        page_changed(cpu, (uint32_t)a, p);
        page_release(m, p);
        a += 4096;
    }
    if (m->lbase)
        linmem_unmap(m, addr, size);
    return 0;
}

int e386_mem_protect(E386Cpu *cpu, uint32_t addr, uint32_t size, int prot)
{
    if (!range_ok(addr, size))
        return -1;
    for (uint64_t a = addr; a < (uint64_t)addr + size; a += 4096)
        if (!mem_page(&cpu->mem, (uint32_t)a))
            return -1;
    if (vma_protect(&cpu->mem.vmas, addr, (uint64_t)addr + size, prot & 7) != 0)
        return -1;
    cpu->mem.vmas.ops += size >> 12;
    for (uint64_t a = addr; a < (uint64_t)addr + size; a += 4096) {
        Page *p = mem_page(&cpu->mem, (uint32_t)a);
        page_changed(cpu, (uint32_t)a, p);
        p->flags = prot_flags(prot) | (p->flags & (PG_CODE | PG_LOG | PG_SHARED));
    }
    if (cpu->mem.lbase)
        linmem_sync(&cpu->mem, addr, size);
    return 0;
}

int e386_mem_linear(E386Cpu *cpu, int on)
{
    Mem *m = &cpu->mem;
    if (on != (m->lbase != NULL) && !m->vmas.count && !cpu->softmmu && !cpu->sys) {
        if (on)
            linmem_reserve(m);
        else
            linmem_release(m);
    }
    return m->lbase != NULL;
}

int e386_mem_is_mapped(const E386Cpu *cpu, uint32_t addr)
{
    return mem_page((Mem *)&cpu->mem, addr) != NULL;
}

int e386_mem_prot(const E386Cpu *cpu, uint32_t addr)
{
    Page *p = mem_page((Mem *)&cpu->mem, addr);
    if (!p)
        return -1;
    return (p->flags & PG_READ ? E386_PROT_READ | E386_PROT_EXEC : 0) |
           (p->flags & PG_WRITE ? E386_PROT_WRITE : 0);
}

static int host_copy(E386Cpu *cpu, uint32_t addr, uint8_t *buf, size_t len, int write)
{
    if (len == 0)
        return 0;
    if ((uint64_t)addr + len > (1ull << 32))
        return -1;
    for (uint64_t a = addr & ~0xfffu; a < (uint64_t)addr + len; a += 4096)
        if (!mem_page(&cpu->mem, (uint32_t)a))
            return -1;
    size_t done = 0;
    while (done < len) {
        uint32_t a = addr + (uint32_t)done;
        size_t n = 4096 - (a & 0xfff);
        if (n > len - done) n = len - done;
        Page *p = mem_page(&cpu->mem, a);
        /* linear: a page the host protects more than this copy (which
         * ignores protection) is opened for it, then protected again */
        int open = cpu->mem.lbase && !cpu->mem.lloose && (write ? (p->flags & (PG_WRITE | PG_CODE)) != PG_WRITE
                                            : !(p->flags & PG_READ));
        if (open && linmem_open(&cpu->mem, a, write) != 0)
            return -1;
        /* a shared file mapping's page past the file's end fails the
         * copy (a system call's EFAULT) instead of ending the emulator */
        int bad = write ? fault_copy(p->host + (a & 0xfff), buf + done, n)
                        : fault_copy(buf + done, p->host + (a & 0xfff), n);
        if (write && !bad) {
            dirty_mark(cpu, p, a); /* device DMA, loaders: the log sees them too */
            if (p->flags & PG_CODE)
                mem_smc_write(cpu, a, (uint32_t)n);
        }
        if (open)
            linmem_sync(&cpu->mem, a & ~0xfffu, 0x1000);
        if (bad)
            return -1;
        done += n;
    }
    return 0;
}

int e386_mem_read(E386Cpu *cpu, uint32_t addr, void *buf, size_t len)
{
    return host_copy(cpu, addr, buf, len, 0);
}

int e386_mem_write(E386Cpu *cpu, uint32_t addr, const void *buf, size_t len)
{
    return host_copy(cpu, addr, (uint8_t *)buf, len, 1);
}

void *e386_mem_ptr(E386Cpu *cpu, uint32_t addr, size_t len)
{
    Page *p = mem_page(&cpu->mem, addr);
    if (!p || len > 4096 - (addr & 0xfff))
        return NULL;
    return p->host + (addr & 0xfff);
}

void mem_free_all(Mem *m)
{
    for (int i = 0; i < 1024; i++) {
        if (!m->l1[i])
            continue;
        for (int j = 0; j < 1024; j++)
            page_release(m, &m->l1[i][j]);
        free(m->l1[i]);
        m->l1[i] = NULL;
    }
    vma_free_all(&m->vmas);
    free(m->regions);
    m->regions = NULL;
    m->region_free = 0;
    free(m->mmio);
    m->mmio = NULL;
    m->nmmio = 0;
    m->nregions = m->cap_regions = 0;
    galloc_destroy(&m->alloc);
    linmem_release(m);
}
