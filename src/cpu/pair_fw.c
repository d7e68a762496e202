/* Pairs that forward (the portable engine, TB_LIN blocks): a pair whose
 * second op reads a register the first has just written whole runs a
 * handler of its own, in which that read is the first step's value as
 * the host holds it (cpu/pair_step.h FW_GET) and not a load of cpu->r[]
 * right after the first step's store to it: such a load waits for the
 * store to be forwarded (several cycles on the Zen 3 this was measured
 * on), and the dependent pairs of hashing and compression code wait on
 * each (docs/performance.md "Interpreter step 20").
 *
 * Exactness: the first step still stores the register, and every other
 * read (another slot naming the same register too) loads it as before,
 * so a pair that forwards does what the plain pair does, in the same
 * order, with the same slow paths (pair_slow never forwards). */
#include "cpu/pair_step.h"

/* the forwarding pairs, TB_LIN only: every kind that writes a whole
 * register (pair_dst) followed by every kind that reads one in slot f */
#define FW_PRODUCERS(M) \
    M(P_RR_EG) M(P_RR_GE) M(P_LD32_B) M(P_LD32_BI) M(P_LEA_B) M(P_LEA_BI) M(P_MOVZX8_R) M(P_MOVZX8_B) \
    M(P_ADD_RR) M(P_XOR_RR) M(P_AND_RR) M(P_ADD_RI) M(P_SUB_RI) M(P_AND_RI) M(P_SHL_RI) M(P_SHR_RI) \
    M(P_MOVZX16_BI) M(P_ROL_RI) M(P_ROR_RI)
#define FW_CONSUMERS(M, a) \
    M(a, P_RR_EG, FW_REG) M(a, P_ST32_B, FW_REG) M(a, P_ST32_BI, FW_REG) M(a, P_ADD_RR, FW_REG) \
    M(a, P_XOR_RR, FW_REG) M(a, P_AND_RR, FW_REG) \
    M(a, P_RR_GE, FW_RM) M(a, P_ADD_RR, FW_RM) M(a, P_XOR_RR, FW_RM) M(a, P_AND_RR, FW_RM) M(a, P_ADD_RI, FW_RM) \
    M(a, P_SUB_RI, FW_RM) M(a, P_AND_RI, FW_RM) M(a, P_SHL_RI, FW_RM) M(a, P_SHR_RI, FW_RM) M(a, P_ROL_RI, FW_RM) \
    M(a, P_ROR_RI, FW_RM) M(a, P_MOVZX8_R, FW_RM) M(a, P_MOVZX8_R, FW_RM8H) \
    M(a, P_LD32_B, FW_BASE) M(a, P_LD32_BI, FW_BASE) M(a, P_ST32_B, FW_BASE) M(a, P_ST32_BI, FW_BASE) \
    M(a, P_LEA_B, FW_BASE) M(a, P_LEA_BI, FW_BASE) M(a, P_MOVZX8_B, FW_BASE) M(a, P_MOVZX16_BI, FW_BASE) \
    M(a, P_LD8_B, FW_BASE) \
    M(a, P_LD32_BI, FW_INDEX) M(a, P_ST32_BI, FW_INDEX) M(a, P_LEA_BI, FW_INDEX) M(a, P_MOVZX16_BI, FW_INDEX)
#define FWP(a, b, f) \
    static const E386Op *fw_##a##_##b##_##f(E386Cpu *c, const E386Op *o) { return pair(c, o, a, b, 1, f); }
#define FWPROW(a) FW_CONSUMERS(FWP, a)
#define FWT(a, b, f) [a][b][f] = fw_##a##_##b##_##f,
#define FWTROW(a) FW_CONSUMERS(FWT, a)
FW_PRODUCERS(FWPROW)
static const OpFn fw_table[P_KINDS][P_KINDS][FW_SLOTS] = { FW_PRODUCERS(FWTROW) };
#undef FW_PRODUCERS
#undef FW_CONSUMERS
#undef FWP
#undef FWPROW
#undef FWT
#undef FWTROW

/* the slot in which op, of kind k, reads register r whole (the first of
 * them, if several) or, MOVZX r32, r8, one of its two low bytes;
 * FW_NONE for none */
static int pair_reads(const E386Op *op, int k, int r)
{
    int reg = k == P_RR_EG || k == P_ST32_B || k == P_ST32_BI || k == P_ADD_RR || k == P_XOR_RR || k == P_AND_RR;
    int rm = k == P_RR_GE || k == P_ADD_RR || k == P_XOR_RR || k == P_AND_RR || k == P_ADD_RI || k == P_SUB_RI ||
             k == P_AND_RI || k == P_SHL_RI || k == P_SHR_RI || k == P_ROL_RI || k == P_ROR_RI;
    int at = k == P_LEA_B ? AT_B : k == P_LEA_BI ? AT_BI : mem_kinds[k].at;
    if (reg && op->reg == r)
        return FW_REG;
    if (k == P_MOVZX8_R) /* a byte register: AL..BL, or AH..BH (rm 4-7) */
        return op->rm == r ? (r < 4 ? FW_RM : FW_NONE) : op->rm == r + 4 && r < 4 ? FW_RM8H : FW_NONE;
    if (rm && op->rm == r)
        return FW_RM;
    if ((at == AT_B || at == AT_BI) && op->base == r)
        return FW_BASE;
    if (at == AT_BI && op->index == r)
        return FW_INDEX;
    return FW_NONE;
}

/* the forwarding handler for op a of kind ka then op b of kind kb (both
 * pair kinds, in a TB_LIN block through flat segments), NULL for none */
OpFn pair_fw_pick(const E386Op *a, int ka, const E386Op *b, int kb)
{
    int d = pair_dst(a, ka), f = d < 0 ? FW_NONE : pair_reads(b, kb, d);
    return f == FW_NONE ? NULL : fw_table[ka][kb][f];
}
