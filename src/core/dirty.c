/* The dirty log (include/e386.h, docs/migration.md "The dirty log").
 *
 * Armed pages carry PG_LOG, which tlb_fill treats as it treats PG_CODE:
 * no write tag.  The inline fast path of lin_write is not changed at all;
 * it just misses on an armed page, and the slow path's bus_write (or
 * host_copy for e386_mem_write) calls dirty_mark, which sets the page's
 * bit and disarms it, so the TLB's next fill for it carries a write tag
 * again.  Arming a page also drops the write tags the TLB holds for it. */
#include <stdlib.h>
#include <string.h>
#include "core/cpu.h"

static void arm(E386Cpu *cpu, uint32_t pn)
{
    Page *p = mem_page_any(&cpu->mem, pn << 12);
    if (p && p->host && (p->flags & PG_WRITE) && !(p->flags & PG_MMIO))
        p->flags |= PG_LOG;
}

int e386_dirty_log_start(E386Cpu *cpu, uint32_t npages)
{
    e386_dirty_log_stop(cpu);
    if (npages > (1u << 20))
        npages = 1u << 20; /* 4 GiB of pages */
    uint64_t *log = calloc((npages + 63) / 64 + 1, sizeof *log);
    if (!log)
        return -1;
    cpu->dirty_log = log;
    cpu->dirty_npages = npages;
    for (uint32_t pn = 0; pn < npages; pn++)
        arm(cpu, pn);
    tlb_flush_all(cpu); /* no write tag survives on an armed page */
    return 0;
}

uint64_t e386_dirty_log_sync(E386Cpu *cpu, uint64_t *bitmap)
{
    if (!cpu->dirty_log)
        return 0;
    uint64_t n = 0;
    uint32_t words = (cpu->dirty_npages + 63) / 64;
    /* the write tags of the pages about to be armed again */
    for (int u = 0; u < 2; u++)
        for (int i = 0; i < TLB_SIZE; i++) {
            uint32_t pn = cpu->tlb_aux[u][i].phys >> 12;
            if (cpu->tlb[u][i].wtag != TLB_INVALID && pn < cpu->dirty_npages &&
                (cpu->dirty_log[pn / 64] >> (pn % 64) & 1))
                cpu->tlb[u][i].wtag = TLB_INVALID;
        }
    for (uint32_t w = 0; w < words; w++) {
        uint64_t bits = cpu->dirty_log[w];
        if (!bits)
            continue;
        bitmap[w] |= bits;
        cpu->dirty_log[w] = 0;
        for (int b = 0; b < 64; b++)
            if (bits >> b & 1) {
                n++;
                arm(cpu, w * 64 + (uint32_t)b);
            }
    }
    return n;
}

void e386_dirty_log_stop(E386Cpu *cpu)
{
    for (uint32_t pn = 0; pn < cpu->dirty_npages; pn++) {
        Page *p = mem_page_any(&cpu->mem, pn << 12);
        if (p)
            p->flags &= ~(uint32_t)PG_LOG;
    }
    free(cpu->dirty_log);
    cpu->dirty_log = NULL;
    cpu->dirty_npages = 0;
}
