/* Debug registers (system mode): DR0-DR3 instruction and data breakpoints
 * enabled by DR7, reported in DR6.  While any is enabled the engine runs
 * one instruction per block (TB_ONE): instruction breakpoints are checked
 * before each instruction (faults, suppressed by EFLAGS.RF), data
 * breakpoints are collected by the slow memory path -- the TLB keeps
 * their pages out -- and reported as one trap after the instruction. */
#include "core/cpu.h"

enum { DR7_GD = 1u << 13, DR6_BD = 1u << 13, DR6_BS = 1u << 14 };

static int bp_on(const E386Cpu *cpu, int i) { return (cpu->dr[7] >> (2 * i)) & 3; }
static unsigned bp_rw(const E386Cpu *cpu, int i) { return (cpu->dr[7] >> (16 + 4 * i)) & 3; }
static uint32_t bp_len(const E386Cpu *cpu, int i)
{
    static const uint32_t len[4] = { 1, 2, 8, 4 }; /* 10b is undefined on a P6: treat as 8 */
    return len[(cpu->dr[7] >> (18 + 4 * i)) & 3];
}

/* recompute what the engine must watch for after a DR or CR4 write */
void dbg_update(E386Cpu *cpu)
{
    cpu->dbg_exec = 0;
    cpu->dbg_data = cpu->ndwatch != 0;
    for (int i = 0; i < 4; i++) {
        if (!bp_on(cpu, i))
            continue;
        unsigned rw = bp_rw(cpu, i);
        if (rw == 0)
            cpu->dbg_exec = 1;
        else if (rw == 1 || rw == 3) /* I/O breakpoints (10b) need CR4.DE's I/O support: not modelled */
            cpu->dbg_data = 1;
    }
    tlb_flush_all(cpu); /* pages holding data breakpoints must leave the TLB */
}

uint32_t dbg_exec_match(const E386Cpu *cpu, uint32_t lin)
{
    uint32_t hits = 0;
    for (int i = 0; i < 4; i++)
        if (bp_on(cpu, i) && bp_rw(cpu, i) == 0 && cpu->dr[i] == lin)
            hits |= 1u << i;
    return hits;
}

/* a debugger watchpoint overlapping [lin, lin + size) */
static int dwatch_overlaps(const E386Cpu *cpu, int i, uint32_t lin, uint32_t size)
{
    uint32_t a = cpu->dwatch[i].addr, last = a + cpu->dwatch[i].len - 1;
    return cpu->dwatch[i].kinds && lin <= last && a <= lin + size - 1;
}

int e386_debug_watch(E386Cpu *cpu, int slot, uint32_t addr, uint32_t len, int kinds)
{
    if (!cpu->sys || slot < 0 || slot >= E386_DEBUG_WATCH_MAX || (kinds & ~3) ||
        (kinds && (len == 0 || (uint64_t)addr + len > (1ull << 32))))
        return -1;
    cpu->dwatch[slot].addr = addr;
    cpu->dwatch[slot].len = kinds ? len : 0;
    cpu->dwatch[slot].kinds = (uint8_t)kinds;
    cpu->ndwatch = 0;
    for (int i = 0; i < E386_DEBUG_WATCH_MAX; i++)
        cpu->ndwatch += cpu->dwatch[i].kinds != 0;
    dbg_update(cpu); /* the watched pages leave the TLB */
    return 0;
}

int dbg_data_page(const E386Cpu *cpu, uint32_t lin)
{
    for (int i = 0; i < E386_DEBUG_WATCH_MAX; i++)
        if (cpu->dwatch[i].kinds && dwatch_overlaps(cpu, i, lin & ~0xfffu, 0x1000))
            return 1;
    for (int i = 0; i < 4; i++) {
        unsigned rw = bp_rw(cpu, i);
        if (bp_on(cpu, i) && (rw == 1 || rw == 3)) {
            uint32_t a = cpu->dr[i] & ~(bp_len(cpu, i) - 1);
            if ((a >> 12) == (lin >> 12) || ((a + bp_len(cpu, i) - 1) >> 12) == (lin >> 12))
                return 1;
        }
    }
    return 0;
}

void dbg_data_access(E386Cpu *cpu, uint32_t lin, int size, int write)
{
    for (int i = 0; i < E386_DEBUG_WATCH_MAX; i++)
        if ((cpu->dwatch[i].kinds & (write ? E386_WATCH_WRITE : E386_WATCH_READ)) &&
            dwatch_overlaps(cpu, i, lin, (uint32_t)size)) {
            cpu->dwatch_hit |= write ? E386_WATCH_WRITE : E386_WATCH_READ;
            cpu->dwatch_slot = (uint8_t)i;
        }
    for (int i = 0; i < 4; i++) {
        unsigned rw = bp_rw(cpu, i);
        if (!bp_on(cpu, i) || !(rw == 3 || (rw == 1 && write)))
            continue;
        uint32_t len = bp_len(cpu, i), a = cpu->dr[i] & ~(len - 1);
        if (lin <= a + len - 1 && a <= lin + (uint32_t)size - 1)
            cpu->db_hits |= 1u << i;
    }
}

/* MOV to or from a debug register with DR7.GD set: #DB (a fault) with BD,
 * and GD cleared so the handler can use the registers */
void dbg_general_detect(E386Cpu *cpu)
{
    if (cpu->dr[7] & DR7_GD) {
        cpu->dr[6] |= DR6_BD;
        cpu->dr[7] &= ~DR7_GD;
        raise_exc(cpu, EX_DB);
    }
}
