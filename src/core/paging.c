/* Paging: the two-level i386 page walk (4 KiB pages, and 4 MiB pages with
 * CR4.PSE), U/S and R/W checks with CR0.WP, accessed and dirty bits set as
 * the CPU sets them (after the checks pass, as Bochs does), the #PF error
 * code, and the soft TLB that makes repeated accesses walk-free: filled by
 * every successful walk, flushed as the architecture says (CR3 keeps
 * global pages, CR0/CR4 changes flush all, INVLPG one page). */
#include "core/cpu.h"

enum { PTE_P = 1, PTE_RW = 2, PTE_US = 4, PTE_A = 0x20, PTE_D = 0x40, PTE_PS = 0x80, PTE_G = 0x100 };
enum { PF_P = 1, PF_W = 2, PF_U = 4 };

static void tlb_fill(E386Cpu *cpu, uint32_t lin, uint32_t phys, int user, int writable, int global)
{
    Page *p = mem_page_any(&cpu->mem, phys);
    if (!p || !p->host || !(p->flags & PG_READ))
        return; /* MMIO, ROM-less holes: always the slow path */
    if (cpu->dbg_data && dbg_data_page(cpu, lin))
        return; /* a data breakpoint: every access must be seen */
    TlbEntry *e = &cpu->tlb[user][(lin >> 12) & (TLB_SIZE - 1)];
    TlbAux *x = &cpu->tlb_aux[user][(lin >> 12) & (TLB_SIZE - 1)];
    e->rtag = lin & ~0xfffu;
    /* no write tag on code (SMC checks) or a page the dirty log waits for */
    e->wtag = writable && (p->flags & (PG_WRITE | PG_CODE | PG_LOG)) == PG_WRITE ? lin & ~0xfffu
                                                                                : TLB_INVALID;
    e->host = p->host;
    x->phys = phys & ~0xfffu;
    x->global = (uint8_t)global;
}

/* -d mmu: one line per walk, what it read and what it concluded (a TLB
 * fill, or the page fault's error code); implicit supervisor accesses
 * (descriptor tables, TSS) walk without filling the TLB. */
static int mmu_log(E386Cpu *cpu, uint32_t lin, int acc, uint32_t pde, uint32_t pte, int rc, uint32_t out)
{
    if (!(cpu->log_mask & E386_LOG_MMU))
        return rc;
    fprintf(cpu->log, "mmu: lin=%08x %s%s cpl=%d cr3=%08x pde=%08x pte=%08x -> ", lin,
            acc & ACC_WRITE ? "w" : "r", acc & ACC_SUPER ? "s" : "", cpu->cpl, cpu->cr3, pde, pte);
    if (rc)
        fprintf(cpu->log, "#PF err=%x\n", out);
    else
        fprintf(cpu->log, "pa=%08x%s\n", out, acc & ACC_SUPER ? "" : " tlb fill");
    return rc;
}

int mmu_translate(E386Cpu *cpu, uint32_t lin, int acc, uint32_t *phys, uint32_t *err)
{
    int write = (acc & ACC_WRITE) != 0;
    int user = cpu->cpl == 3 && !(acc & ACC_SUPER);
    if (!(cpu->cr0 & 0x80000000u)) { /* paging off: linear is physical */
        if (!(acc & ACC_SUPER))
            tlb_fill(cpu, lin, lin, user, 1, 0);
        *phys = lin;
        return 0;
    }
    uint32_t pde_addr = (cpu->cr3 & 0xfffff000u) | ((lin >> 20) & 0xffc);
    uint32_t pde = bus_read(cpu, pde_addr, 4);
    uint32_t fault = (write ? PF_W : 0) | (user ? PF_U : 0);
    if (!(pde & PTE_P)) {
        *err = fault;
        return mmu_log(cpu, lin, acc, pde, 0, -1, *err);
    }
    int large = (pde & PTE_PS) && (cpu->cr4 & 0x10);
    uint32_t pte_addr = 0, pte = pde, rights = pde;
    if (!large) {
        pte_addr = (pde & 0xfffff000u) | ((lin >> 10) & 0xffc);
        pte = bus_read(cpu, pte_addr, 4);
        if (!(pte & PTE_P)) {
            *err = fault;
            return mmu_log(cpu, lin, acc, pde, pte, -1, *err);
        }
        rights = pde & pte;
    }
    /* U/S and R/W: a user access needs U in both levels, and R/W for a
     * write; a supervisor write needs R/W only with CR0.WP */
    if ((user && !(rights & PTE_US)) || (write && !(rights & PTE_RW) && (user || (cpu->cr0 & 0x10000)))) {
        *err = fault | PF_P;
        return mmu_log(cpu, lin, acc, pde, pte, -1, *err);
    }
    if (!(pde & PTE_A) || (large && write && !(pde & PTE_D))) {
        pde |= PTE_A | (large && write ? PTE_D : 0);
        bus_write(cpu, pde_addr, 4, pde);
    }
    if (!large && (!(pte & PTE_A) || (write && !(pte & PTE_D)))) {
        pte |= PTE_A | (write ? PTE_D : 0);
        bus_write(cpu, pte_addr, 4, pte);
    }
    uint32_t pa = large ? (pde & 0xffc00000u) | (lin & 0x3fffff) : (pte & 0xfffff000u) | (lin & 0xfff);
    /* a TLB write tag only for a dirty page this privilege may write */
    int writable = (pte & PTE_D) && (rights & PTE_RW || (!user && !(cpu->cr0 & 0x10000)));
    if (!(acc & ACC_SUPER)) {
        if (large)
            cpu->tlb_large = 1;
        tlb_fill(cpu, lin, pa, user, writable, (pte & PTE_G) && (cpu->cr4 & 0x80));
    }
    *phys = pa;
    return mmu_log(cpu, lin, acc, pde, pte, 0, pa);
}

uint32_t mmu_phys(E386Cpu *cpu, uint32_t lin, int acc)
{
    uint32_t pa, err;
    if (mmu_translate(cpu, lin, acc, &pa, &err))
        raise_pf(cpu, lin, err);
    return pa;
}

static void tlb_flush_if(E386Cpu *cpu, int keep_global)
{
    for (int u = 0; u < 2; u++)
        for (int i = 0; i < TLB_SIZE; i++) {
            if (!(keep_global && cpu->tlb_aux[u][i].global)) {
                cpu->tlb[u][i] = (TlbEntry){ TLB_INVALID, TLB_INVALID, NULL };
                cpu->tlb_aux[u][i] = (TlbAux){ 0, 0 };
            }
        }
    if (!keep_global)
        cpu->tlb_large = 0;
}

void tlb_flush_all(E386Cpu *cpu) { tlb_flush_if(cpu, 0); }
void tlb_flush_nonglobal(E386Cpu *cpu) { tlb_flush_if(cpu, 1); }

void tlb_protect_code(E386Cpu *cpu, uint32_t phys_page)
{
    if (!cpu->softmmu)
        return;
    for (int u = 0; u < 2; u++)
        for (int i = 0; i < TLB_SIZE; i++)
            if (cpu->tlb_aux[u][i].phys == (phys_page << 12))
                cpu->tlb[u][i].wtag = TLB_INVALID;
}

void sys_invlpg(E386Cpu *cpu, uint32_t lin)
{
    if (cpu->tlb_large) { /* the page may be one 4 KiB piece of a 4 MiB page */
        tlb_flush_all(cpu);
        return;
    }
    for (int u = 0; u < 2; u++) {
        TlbEntry *e = &cpu->tlb[u][(lin >> 12) & (TLB_SIZE - 1)];
        if (e->rtag == (lin & ~0xfffu) || e->wtag == (lin & ~0xfffu)) {
            *e = (TlbEntry){ TLB_INVALID, TLB_INVALID, NULL };
            cpu->tlb_aux[u][(lin >> 12) & (TLB_SIZE - 1)] = (TlbAux){ 0, 0 };
        }
    }
}
