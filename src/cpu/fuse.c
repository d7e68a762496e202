/* Compare-and-branch superinstructions: CMP or TEST followed by Jcc.
 *
 * Most conditional branches in compiled code follow a CMP or TEST of
 * registers, an immediate or a dword at [base + disp] (or a byte there
 * against an immediate).  As two ops that
 * pair costs two dispatches, the lazy flags stored by the first and read
 * back by the second, and in the Jcc a switch on the flag kind and one on
 * the condition (a mispredicted indirect jump).  When the Jcc ends the
 * block right after such a compare, the translator gives the compare one
 * handler per form and condition that does both: the same lazy flags are
 * stored (they are live after the block), the condition is computed from
 * the operands directly and the block is left through the Jcc's exits.
 * The Jcc's own op stays in the block, unreached; the instruction count
 * and a fault in the compare's memory read are the compare's, as before.
 * Overflow and parity conditions (rare after a compare) are not fused;
 * a Jcc not fused gets a handler with its condition fixed instead. */
#include "core/ops.h"

static uint32_t jcc_target(const E386Op *j)
{
    uint32_t t = next_eip(j) + j->imm;
    return j->opsize == 2 ? (t & 0xffff) : t;
}

E386_INLINE const E386Op *cmp_jcc(E386Cpu *cpu, const E386Op *op, int kind, int cc)
{
    int size = kind == CJ_MI8 || kind == CJ_TEST8 || kind == CJ_MR8 || kind == CJ_MR8_BI || kind == CJ_MI8_BI ? 1 : 4;
    unsigned sh = 32u - 8u * (unsigned)size;
    int r;
    if (kind == CJ_TEST || kind == CJ_TEST8) {
        uint32_t d = size == 4 ? cpu->r[op->rm] & cpu->r[op->reg] : reg_get(cpu, op->rm, 1) & reg_get(cpu, op->reg, 1);
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
        case CJ_RR: a = cpu->r[op->rm]; b = cpu->r[op->reg]; break;
        case CJ_GR: a = cpu->r[op->reg]; b = cpu->r[op->rm]; break;
        case CJ_RI: a = cpu->r[op->rm]; b = op->imm; break;
        case CJ_AI: a = cpu->r[0]; b = op->imm; break;
        case CJ_MR: a = seg_read(cpu, op->seg, ea_b(cpu, op), 4); b = cpu->r[op->reg]; break;
        case CJ_MI: a = seg_read(cpu, op->seg, ea_b(cpu, op), 4); b = op->imm; break;
        case CJ_GM: a = cpu->r[op->reg]; b = seg_read(cpu, op->seg, ea_b(cpu, op), 4); break;
        case CJ_MR8: a = seg_read(cpu, op->seg, ea_b(cpu, op), 1); b = reg_get(cpu, op->reg, 1); break;
        case CJ_MR8_BI: a = seg_read(cpu, op->seg, ea_bi(cpu, op), 1); b = reg_get(cpu, op->reg, 1); break;
        case CJ_MI8_BI: a = seg_read(cpu, op->seg, ea_bi(cpu, op), 1); b = op->imm & 0xff; break;
        case CJ_MR_BI: a = seg_read(cpu, op->seg, ea_bi(cpu, op), 4); b = cpu->r[op->reg]; break;
        case CJ_MI_BI: a = seg_read(cpu, op->seg, ea_bi(cpu, op), 4); b = op->imm; break;
        default: a = seg_read(cpu, op->seg, ea_b(cpu, op), 1); b = op->imm & 0xff; break; /* CJ_MI8 */
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
        return jump_direct(cpu, j, jcc_target(j), 0);
    return jump_direct(cpu, j, next_eip(j), 1);
}

/* one handler per form and fused condition (2-9, 12-15) */
#define CJ1(k, cc) \
    static const E386Op *cj_##k##_##cc(E386Cpu *c, const E386Op *o) { return cmp_jcc(c, o, k, cc); }
#define CJ_FORM(k) \
    CJ1(k, 2) CJ1(k, 3) CJ1(k, 4) CJ1(k, 5) CJ1(k, 6) CJ1(k, 7) CJ1(k, 8) CJ1(k, 9) \
    CJ1(k, 12) CJ1(k, 13) CJ1(k, 14) CJ1(k, 15)
#define CJ_ROW(k) \
    [k] = { NULL, NULL, cj_##k##_2, cj_##k##_3, cj_##k##_4, cj_##k##_5, cj_##k##_6, cj_##k##_7, \
            cj_##k##_8, cj_##k##_9, NULL, NULL, cj_##k##_12, cj_##k##_13, cj_##k##_14, cj_##k##_15 }
CJ_FORM(CJ_RR)
CJ_FORM(CJ_GR)
CJ_FORM(CJ_RI)
CJ_FORM(CJ_AI)
CJ_FORM(CJ_MR)
CJ_FORM(CJ_MI)
CJ_FORM(CJ_GM)
CJ_FORM(CJ_MI8)
CJ_FORM(CJ_TEST)
CJ_FORM(CJ_TEST8)
CJ_FORM(CJ_MR8)
CJ_FORM(CJ_MR8_BI)
CJ_FORM(CJ_MI8_BI)
CJ_FORM(CJ_MR_BI)
CJ_FORM(CJ_MI_BI)

static const OpFn cj_table[CJ_KINDS][16] = {
    CJ_ROW(CJ_RR), CJ_ROW(CJ_GR), CJ_ROW(CJ_RI), CJ_ROW(CJ_AI), CJ_ROW(CJ_MR),
    CJ_ROW(CJ_MI), CJ_ROW(CJ_GM), CJ_ROW(CJ_MI8), CJ_ROW(CJ_TEST), CJ_ROW(CJ_TEST8),
    CJ_ROW(CJ_MR8), CJ_ROW(CJ_MR8_BI), CJ_ROW(CJ_MI8_BI), CJ_ROW(CJ_MR_BI), CJ_ROW(CJ_MI_BI),
};

/* A Jcc that ends a block without a compare to fuse with: one handler
 * per condition, so that the condition is a constant in cc_cond (no
 * switch on it, an indirect jump that mispredicts as the guest's
 * conditions vary) and each condition's host branch is its own. */
E386_INLINE const E386Op *jcc_fixed(E386Cpu *cpu, const E386Op *op, int cc)
{
    if (cc_cond(cpu, cc))
        return jump_direct(cpu, op, jcc_target(op), 0);
    return jump_direct(cpu, op, next_eip(op), 1);
}
#define JCC1(cc) \
    static const E386Op *jcc_##cc(E386Cpu *c, const E386Op *o) { return jcc_fixed(c, o, cc); }
JCC1(0) JCC1(1) JCC1(2) JCC1(3) JCC1(4) JCC1(5) JCC1(6) JCC1(7)
JCC1(8) JCC1(9) JCC1(10) JCC1(11) JCC1(12) JCC1(13) JCC1(14) JCC1(15)
static const OpFn jcc_table[16] = { jcc_0, jcc_1, jcc_2,  jcc_3,  jcc_4,  jcc_5,  jcc_6,  jcc_7,
                                    jcc_8, jcc_9, jcc_10, jcc_11, jcc_12, jcc_13, jcc_14, jcc_15 };

void fuse_compare_branch(E386Op *ops, int ninsns)
{
    if (ninsns < 2)
        return;
    E386Op *cmp = &ops[ninsns - 2];
    E386Op *j = &ops[ninsns - 1];
    if (j->fn != op_jcc_J)
        return;
    int kind = (cmp->fx & FX_INEXACT) ? -1 : alu_compare_kind(cmp->fn);
    OpFn f = kind >= 0 ? cj_table[kind][j->sub & 15] : NULL;
    if (f)
        cmp->fn = f; /* the Jcc's op stays generic, unreached */
    else
        j->fn = jcc_table[j->sub & 15];
}

int branch_form(OpFn f, int *cc)
{
    for (int c = 0; c < 16; c++) {
        if (jcc_table[c] == f) {
            *cc = c;
            return CJ_KINDS;
        }
        for (int k = 0; k < CJ_KINDS; k++)
            if (cj_table[k][c] && cj_table[k][c] == f) {
                *cc = c;
                return k;
            }
    }
    return -1;
}
