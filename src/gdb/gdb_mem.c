/* The debugger's memory access.  In system mode the page walk is done here
 * rather than by the soft MMU: the MMU's walk sets accessed and dirty bits
 * and fills the TLB, and a debugger looking at memory must not change
 * what the guest will see. */
#include "core/cpu.h"
#include "gdb/gdb_mem.h"

enum { PTE_P = 1, PTE_PS = 0x80 };

/* linear -> physical by the guest's tables, read-only: 0 or -1 */
static int walk(E386Cpu *cpu, uint32_t lin, uint32_t *pa)
{
    if (!cpu->sys || !(cpu->cr0 & 0x80000000u)) {
        *pa = lin; /* user mode, or paging off */
        return 0;
    }
    uint8_t b[4];
    uint32_t pde_addr = (cpu->cr3 & 0xfffff000u) | ((lin >> 20) & 0xffc);
    if (e386_mem_read(cpu, pde_addr, b, 4) < 0)
        return -1;
    uint32_t pde = ld_le(b, 4);
    if (!(pde & PTE_P))
        return -1;
    if ((pde & PTE_PS) && (cpu->cr4 & 0x10)) {
        *pa = (pde & 0xffc00000u) | (lin & 0x3fffffu);
        return 0;
    }
    uint32_t pte_addr = (pde & 0xfffff000u) | ((lin >> 10) & 0xffc);
    if (e386_mem_read(cpu, pte_addr, b, 4) < 0)
        return -1;
    uint32_t pte = ld_le(b, 4);
    if (!(pte & PTE_P))
        return -1;
    *pa = (pte & 0xfffff000u) | (lin & 0xfffu);
    return 0;
}

int gdb_mem_rw(E386Cpu *cpu, uint32_t lin, uint8_t *buf, size_t len, int write)
{
    if ((uint64_t)lin + len > (1ull << 32))
        return -1;
    /* check every page first: all or nothing */
    for (size_t done = 0; done < len;) {
        uint32_t a = lin + (uint32_t)done, pa;
        size_t n = 4096 - (a & 0xfff);
        if (walk(cpu, a, &pa) < 0 || !e386_mem_ptr(cpu, pa & ~0xfffu, 1)) /* RAM or ROM, not MMIO */
            return -1;
        done += n;
    }
    for (size_t done = 0; done < len;) {
        uint32_t a = lin + (uint32_t)done, pa;
        size_t n = 4096 - (a & 0xfff);
        if (n > len - done)
            n = len - done;
        if (walk(cpu, a, &pa) < 0) /* checked above; the tables cannot change in between */
            return -1;
        int r = write ? e386_mem_write(cpu, pa, buf + done, n) : e386_mem_read(cpu, pa, buf + done, n);
        if (r < 0)
            return -1;
        done += n;
    }
    return 0;
}
