/* The compare-and-branch step (cpu/fuse.c), shared with the loads and
 * ALU ops that forward into it (cpu/fuse_fw.c). */
#ifndef E386_CPU_FUSE_STEP_H
#define E386_CPU_FUSE_STEP_H
#include "cpu/pair_step.h"

/* a register operand, forwarded in slot s (or both: FW_RMREG) */
#define CJ_R(s, i) (fw == (s) || fw == FW_RMREG ? fwv : cpu->r[i])

/* a compare's memory operand: with lin_host in a TB_LIN block (a host
 * fault retries the op exactly: nothing has changed yet) */
E386_INLINE uint32_t cj_read(E386Cpu *cpu, const E386Op *op, uint32_t off, int size, int lin)
{
    return lin ? (uint32_t)ld_le(lin_host(cpu, off, (uint32_t)size, FH_READ), size) : seg_read(cpu, op->seg, off, size);
}

/* compare op of form kind, then the Jcc after it on condition cc; fw,
 * fwv: a register operand the op before has just written
 * (cpu/fuse_fw.c), as in pair_step.h: FW_RM the rm operand, FW_REG the
 * reg one, FW_RMREG both (TEST r, r), FW_NONE none */
E386_INLINE const E386Op *cmp_jcc_fw(E386Cpu *cpu, const E386Op *op, int kind, int cc, int lin, int fw, uint32_t fwv)
{
    int size = kind == CJ_MI8 || kind == CJ_TEST8 || kind == CJ_MR8 || kind == CJ_MR8_BI || kind == CJ_MI8_BI ? 1 : 4;
    unsigned sh = 32u - 8u * (unsigned)size;
    int r;
    if (kind == CJ_TEST || kind == CJ_TEST8) {
        uint32_t d = size == 4 ? CJ_R(FW_RM, op->rm) & CJ_R(FW_REG, op->reg) : reg_get(cpu, op->rm, 1) & reg_get(cpu, op->reg, 1);
        cc_set(cpu, CC_LOGIC, size, d, 0, 0);
        int32_t D = (int32_t)(d << sh);
        switch (cc >> 1) { /* CF = OF = 0 */
        case 1: r = 0; break;
        case 2: case 3: r = D == 0; break;
        case 4: case 6: r = D < 0; break;
        default: r = D <= 0; break; /* 7: ZF or SF != OF */
        }
    } else {
        uint32_t a, b;
        switch (kind) {
        case CJ_RR: a = CJ_R(FW_RM, op->rm); b = CJ_R(FW_REG, op->reg); break;
        case CJ_GR: a = CJ_R(FW_REG, op->reg); b = CJ_R(FW_RM, op->rm); break;
        case CJ_RI: a = CJ_R(FW_RM, op->rm); b = op->imm; break;
        case CJ_AI: a = CJ_R(FW_RM, 0); b = op->imm; break;
        case CJ_MR: a = cj_read(cpu, op, ea_b(cpu, op), 4, lin); b = cpu->r[op->reg]; break;
        case CJ_MI: a = cj_read(cpu, op, ea_b(cpu, op), 4, lin); b = op->imm; break;
        case CJ_GM: a = cpu->r[op->reg]; b = cj_read(cpu, op, ea_b(cpu, op), 4, lin); break;
        case CJ_MR8: a = cj_read(cpu, op, ea_b(cpu, op), 1, lin); b = reg_get(cpu, op->reg, 1); break;
        case CJ_MR8_BI: a = cj_read(cpu, op, ea_bi(cpu, op), 1, lin); b = reg_get(cpu, op->reg, 1); break;
        case CJ_MI8_BI: a = cj_read(cpu, op, ea_bi(cpu, op), 1, lin); b = op->imm & 0xff; break;
        case CJ_MR_BI: a = cj_read(cpu, op, ea_bi(cpu, op), 4, lin); b = cpu->r[op->reg]; break;
        case CJ_MI_BI: a = cj_read(cpu, op, ea_bi(cpu, op), 4, lin); b = op->imm; break;
        default: a = cj_read(cpu, op, ea_b(cpu, op), 1, lin); b = op->imm & 0xff; break; /* CJ_MI8 */
        }
        cc_set(cpu, CC_SUB, size, (a - b) & size_mask(size), a, b);
        uint32_t A = a << sh, B = b << sh;
        switch (cc >> 1) {
        case 1: r = A < B; break;
        case 2: r = A == B; break;
        case 3: r = A <= B; break;
        case 4: r = (int32_t)(A - B) < 0; break;
        case 6: r = (int32_t)A < (int32_t)B; break;
        default: r = (int32_t)A <= (int32_t)B; break; /* 7 */
        }
    }
    if (cc & 1)
        r = !r;
    const E386Op *j = op + 1;
    if (r)
        return jump_direct(cpu, j, 0);
    return jump_direct(cpu, j, 1);
}

E386_INLINE const E386Op *cmp_jcc_lin(E386Cpu *cpu, const E386Op *op, int kind, int cc, int lin)
{
    return cmp_jcc_fw(cpu, op, kind, cc, lin, FW_NONE, 0);
}

#endif
