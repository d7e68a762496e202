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
    cpu->dbg_exec = cpu->dbg_data = 0;
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

int dbg_data_page(const E386Cpu *cpu, uint32_t lin)
{
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
