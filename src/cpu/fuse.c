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
#include "cpu/fuse_step.h"

E386_INLINE const E386Op *cmp_jcc(E386Cpu *cpu, const E386Op *op, int kind, int cc)
{
    return cmp_jcc_lin(cpu, op, kind, cc, 0);
}

E386_INLINE const E386Op *lin_cmp_jcc(E386Cpu *cpu, const E386Op *op, int kind, int cc)
{
    return cmp_jcc_lin(cpu, op, kind, cc, 1);
}

/* One handler per form k and condition cc that fuses (2-9, 12-15: not
 * the overflow and parity ones), pre_k_cc calling fn(cpu, op, k, cc);
 * FUSED_ROW is form k's row of a table by condition.  The ALU + Jcc
 * handlers below are made the same way. */
#define FUSED1(pre, fn, k, cc) \
    static const E386Op *pre##_##k##_##cc(E386Cpu *c, const E386Op *o) { return fn(c, o, k, cc); }
#define FUSED_FORM(pre, fn, k) \
    FUSED1(pre, fn, k, 2) FUSED1(pre, fn, k, 3) FUSED1(pre, fn, k, 4) FUSED1(pre, fn, k, 5) \
    FUSED1(pre, fn, k, 6) FUSED1(pre, fn, k, 7) FUSED1(pre, fn, k, 8) FUSED1(pre, fn, k, 9) \
    FUSED1(pre, fn, k, 12) FUSED1(pre, fn, k, 13) FUSED1(pre, fn, k, 14) FUSED1(pre, fn, k, 15)
#define FUSED_ROW(pre, k) \
    [k] = { NULL, NULL, pre##_##k##_2, pre##_##k##_3, pre##_##k##_4, pre##_##k##_5, pre##_##k##_6, \
            pre##_##k##_7, pre##_##k##_8, pre##_##k##_9, NULL, NULL, pre##_##k##_12, pre##_##k##_13, \
            pre##_##k##_14, pre##_##k##_15 }
#define CJ_FORM(k) FUSED_FORM(cj, cmp_jcc, k)
#define CJ_ROW(k) FUSED_ROW(cj, k),
/* the memory forms, again for TB_LIN blocks (lin_cj_*: cj_read) */
#define LCJ_FORM(k) FUSED_FORM(lin_cj, lin_cmp_jcc, k)
#define LCJ_ROW(k) FUSED_ROW(lin_cj, k),
#define CJ_REG(M) M(CJ_RR) M(CJ_GR) M(CJ_RI) M(CJ_AI) M(CJ_TEST) M(CJ_TEST8)
#define CJ_MEM(M) M(CJ_MR) M(CJ_MI) M(CJ_GM) M(CJ_MI8) M(CJ_MR8) M(CJ_MR8_BI) M(CJ_MI8_BI) M(CJ_MR_BI) M(CJ_MI_BI)
_Static_assert(CJ_KINDS == 15, "CJ_REG and CJ_MEM list every form");
CJ_REG(CJ_FORM)
CJ_MEM(CJ_FORM)
CJ_MEM(LCJ_FORM)
static const OpFn cj_table[CJ_KINDS][16] = { CJ_REG(CJ_ROW) CJ_MEM(CJ_ROW) };
static const OpFn lin_cj_table[CJ_KINDS][16] = { CJ_MEM(LCJ_ROW) };
#undef LCJ_FORM
#undef LCJ_ROW
#undef CJ_REG
#undef CJ_MEM

/* A Jcc that ends a block without a compare to fuse with: one handler
 * per condition, so that the condition is a constant in cc_cond (no
 * switch on it, an indirect jump that mispredicts as the guest's
 * conditions vary) and each condition's host branch is its own. */
static E386_NOINLINE const E386Op *jcc_slow(E386Cpu *cpu, const E386Op *op, int cc)
{
    return jump_direct(cpu, op, cc_cond_slow(cpu, cc) ? 0 : 1);
}

E386_INLINE const E386Op *jcc_fixed(E386Cpu *cpu, const E386Op *op, int cc)
{
    int r = cc_cond_k(cpu, cc, 1);
    if (r < 0)
        return jcc_slow(cpu, op, cc);
    return jump_direct(cpu, op, r ? 0 : 1);
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

int branch_form(const E386Op *ops, int n, int i, int *cc)
{
    /* fuse_compare_branch's choices, looked up where it put them rather
     * than searched for (the native translator asks at every block end) */
    int c = ops[i].sub & 15;
    if (ops[i].fn == jcc_table[c]) {
        *cc = c;
        return CJ_KINDS;
    }
    if (i + 1 >= n)
        return -1;
    c = ops[i + 1].sub & 15; /* a fused compare: the unreached Jcc's condition */
    for (int k = 0; k < CJ_KINDS; k++)
        if (cj_table[k][c] && cj_table[k][c] == ops[i].fn) {
            *cc = c;
            return k;
        }
    return -1;
}

/* ---- ALU + Jcc at a block end (the interpreter only) ----
 * A block that ends in an ALU op and a Jcc on its flags (DEC ECX; JNZ,
 * SUB r, imm; JNZ, AND r, r; JZ, DEC [counter]; JNZ, TEST byte [m], imm;
 * JZ, ...) pays as above two dispatches and a read of the lazy flags
 * for its branch.  One handler per form and condition does both: the
 * result and the lazy flags are the ALU op's (a later block reads them),
 * the condition comes from its operands and result directly.  The forms
 * with a memory operand take the fast path (flat_host) or the op's own
 * generic handler (then the condition from the lazy flags); after a
 * store, or a reference step (a device access), a pending exit request
 * returns to the run loop before the Jcc, which stays in the block, as
 * between two ops.  The native back end recognises handlers by identity
 * and does not know these: fuse_alu_branch runs for the interpreter. */

/* the forms: register ALU (ModRM order in alu.c, AJ_OPS of them) as
 * r, r (EG), r, r (GE), r, imm and EAX, imm; INC/DEC r32 and dword
 * [base + disp]; ADD/SUB dword [base + disp], imm; TEST r32, imm,
 * EAX/AL, imm, byte or dword [base + disp], imm; CMP r8 or AL, imm8 */
enum { AJ_OPS = 5 };
enum { AJ_RR = 0, AJ_GR = AJ_OPS, AJ_RI = 2 * AJ_OPS, AJ_AI = 3 * AJ_OPS, AJ_INC_R = 4 * AJ_OPS, AJ_DEC_R,
       AJ_INC_M, AJ_DEC_M, AJ_ADD_MI, AJ_SUB_MI, AJ_TEST_RI, AJ_TEST_AI, AJ_TEST_AI8, AJ_TEST_MI8,
       AJ_TEST_MI, AJ_CMP_RI8, AJ_CMP_AI8, AJ_KINDS };
enum { AO_ADD, AO_OR, AO_AND, AO_SUB, AO_XOR };
static const uint8_t aj_modrm_op[AJ_OPS] = { 0, 1, 4, 5, 6 }; /* ADD OR AND SUB XOR */

/* the condition cc (2-9, 12-15) after an operation with lazy-flag kind
 * cck (ADD, SUB, LOGIC, INC, DEC) of size bytes: a, b its operands
 * (INC/DEC: b the CF kept), r its result */
E386_INLINE int aj_cond(int cck, int cc, int size, uint32_t a, uint32_t b, uint32_t r)
{
    unsigned sh = 32u - 8u * (unsigned)size;
    uint32_t A = a << sh, B = b << sh, R = r << sh;
    int cf, of, zf = R == 0, sf = (int32_t)R < 0, v;
    switch (cck) {
    case CC_ADD: cf = R < A; of = (int32_t)((A ^ R) & (B ^ R)) < 0; break;
    case CC_SUB: cf = A < B; of = (int32_t)((A ^ B) & (A ^ R)) < 0; break;
    case CC_INC: cf = (int)b; of = R == 0x80000000u; break;
    case CC_DEC: cf = (int)b; of = R == 0x7fffffffu; break;
    default: cf = of = 0; break; /* CC_LOGIC */
    }
    switch (cc >> 1) {
    case 1: v = cf; break;
    case 2: v = zf; break;
    case 3: v = cf | zf; break;
    case 4: v = sf; break;
    case 6: v = sf != of; break;
    default: v = zf | (sf != of); break; /* 7 */
    }
    return (cc & 1) ? !v : v;
}

E386_INLINE const E386Op *aj_branch(E386Cpu *cpu, const E386Op *op, int taken)
{
    const E386Op *j = op + 1;
    if (taken)
        return jump_direct(cpu, j, 0);
    return jump_direct(cpu, j, 1);
}

/* a memory form through its generic handler (the reference steps), or
 * an INC/DEC whose carry-in needs cc_carry, out of the fast path's frame
 * (with a call on it, every run saved and restored registers); the
 * condition from the lazy flags */
static E386_NOINLINE const E386Op *aj_slow(E386Cpu *cpu, const E386Op *op, int k, int cc)
{
    switch (k) {
    case AJ_INC_R: op_inc_R(cpu, op); break;
    case AJ_DEC_R: op_dec_R(cpu, op); break;
    case AJ_INC_M: op_inc_E(cpu, op); break;
    case AJ_DEC_M: op_dec_E(cpu, op); break;
    case AJ_ADD_MI: case AJ_SUB_MI: op_alu_EI(cpu, op); break;
    default: op_test_EI(cpu, op); break; /* AJ_TEST_MI8, AJ_TEST_MI */
    }
    if (cpu->exit_request)
        return op + 1;
    return aj_branch(cpu, op, cc_cond(cpu, cc));
}

E386_INLINE const E386Op *alu_jcc_lin(E386Cpu *cpu, const E386Op *op, int k, int cc, int lin)
{
    uint32_t a, b, r;
    if (k < AJ_INC_R) { /* register ALU */
        int form = k / AJ_OPS, o = k % AJ_OPS, dst = form == 0 || form == 2 ? op->rm : form == 1 ? op->reg : 0;
        a = cpu->r[dst];
        b = form == 0 ? cpu->r[op->reg] : form == 1 ? cpu->r[op->rm] : op->imm;
        r = o == AO_ADD ? a + b : o == AO_OR ? a | b : o == AO_AND ? a & b : o == AO_SUB ? a - b : a ^ b;
        int cck = o == AO_ADD ? CC_ADD : o == AO_SUB ? CC_SUB : CC_LOGIC;
        cpu->r[dst] = r;
        cc_set(cpu, cck, 4, r, a, b);
        return aj_branch(cpu, op, aj_cond(cck, cc, 4, a, b, r));
    }
    int size = k == AJ_TEST_AI8 || k == AJ_TEST_MI8 || k == AJ_CMP_RI8 || k == AJ_CMP_AI8 ? 1 : 4;
    uint32_t m = size_mask(size);
    switch (k) {
    case AJ_INC_R: case AJ_DEC_R: {
        int cin = cc_carry_in_k(cpu, 1);
        if (cin < 0)
            return aj_slow(cpu, op, k, cc);
        uint32_t cf = (uint32_t)cin;
        a = cpu->r[op->sub];
        r = k == AJ_DEC_R ? a - 1 : a + 1;
        cpu->r[op->sub] = r;
        cc_set(cpu, k == AJ_DEC_R ? CC_DEC : CC_INC, 4, r, a, cf);
        return aj_branch(cpu, op, aj_cond(k == AJ_DEC_R ? CC_DEC : CC_INC, cc, 4, a, cf, r));
    }
    case AJ_TEST_RI: case AJ_TEST_AI: case AJ_TEST_AI8:
        r = (k == AJ_TEST_RI ? cpu->r[op->rm] : cpu->r[0]) & op->imm & m;
        cc_set(cpu, CC_LOGIC, size, r, 0, 0);
        return aj_branch(cpu, op, aj_cond(CC_LOGIC, cc, size, 0, 0, r));
    case AJ_CMP_RI8: case AJ_CMP_AI8:
        a = reg_get(cpu, k == AJ_CMP_RI8 ? op->rm : 0, 1), b = op->imm & 0xff, r = (a - b) & 0xff;
        cc_set(cpu, CC_SUB, 1, r, a, b);
        return aj_branch(cpu, op, aj_cond(CC_SUB, cc, 1, a, b, r));
    }
    /* memory at [base + disp] */
    int rmw = k != AJ_TEST_MI8 && k != AJ_TEST_MI;
    int how = rmw ? FH_RMW : FH_READ;
    uint8_t *p = lin ? lin_host(cpu, ea_b(cpu, op), (uint32_t)size, how)
                     : flat_host(cpu, op->seg, ea_b(cpu, op), (uint32_t)size, how);
    if (!p)
        return aj_slow(cpu, op, k, cc);
    a = ld_le(p, size);
    if (!rmw) {
        r = a & op->imm & m;
        cc_set(cpu, CC_LOGIC, size, r, 0, 0);
        return aj_branch(cpu, op, aj_cond(CC_LOGIC, cc, size, 0, 0, r));
    }
    int cck = k == AJ_INC_M ? CC_INC : k == AJ_DEC_M ? CC_DEC : k == AJ_ADD_MI ? CC_ADD : CC_SUB;
    int cin = k == AJ_INC_M || k == AJ_DEC_M ? cc_carry_in_k(cpu, 1) : 0;
    if (cin < 0)
        return aj_slow(cpu, op, k, cc);
    b = k == AJ_INC_M || k == AJ_DEC_M ? (uint32_t)cin : op->imm;
    r = k == AJ_INC_M ? a + 1 : k == AJ_DEC_M ? a - 1 : k == AJ_ADD_MI ? a + b : a - b;
    st_le(p, 4, r); /* into a code page: the host's fault, then mem_smc_write */
    cc_set(cpu, cck, 4, r, a, b);
    if (cpu->exit_request)
        return op + 1;
    return aj_branch(cpu, op, aj_cond(cck, cc, 4, a, b, r));
}

E386_INLINE const E386Op *alu_jcc(E386Cpu *cpu, const E386Op *op, int k, int cc)
{
    return alu_jcc_lin(cpu, op, k, cc, 0);
}

E386_INLINE const E386Op *lin_alu_jcc(E386Cpu *cpu, const E386Op *op, int k, int cc)
{
    return alu_jcc_lin(cpu, op, k, cc, 1);
}

#define AJ_FORM(k) FUSED_FORM(aj, alu_jcc, k)
#define AJ_ROW(k) FUSED_ROW(aj, k),
#define AJ_ALL(M) \
    M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8) M(9) M(10) M(11) M(12) M(13) M(14) M(15) M(16) M(17) \
    M(18) M(19) M(20) M(21) M(22) M(23) M(24) M(25) M(26) M(27) M(28) M(29) M(30) M(31) M(32)
_Static_assert(AJ_KINDS == 33, "AJ_ALL lists every form");
AJ_ALL(AJ_FORM)
static const OpFn aj_table[AJ_KINDS][16] = { AJ_ALL(AJ_ROW) };
/* the memory forms again for TB_LIN blocks (lin_aj_*) */
#define LAJ_FORM(k) FUSED_FORM(lin_aj, lin_alu_jcc, k)
#define LAJ_ROW(k) FUSED_ROW(lin_aj, k),
#define LAJ_MEM(M) M(22) M(23) M(24) M(25) M(29) M(30)
_Static_assert(AJ_INC_M == 22 && AJ_DEC_M == 23 && AJ_ADD_MI == 24 && AJ_SUB_MI == 25 && AJ_TEST_MI8 == 29 &&
               AJ_TEST_MI == 30, "LAJ_MEM lists the memory forms");
LAJ_MEM(LAJ_FORM)
static const OpFn lin_aj_table[AJ_KINDS][16] = { LAJ_MEM(LAJ_ROW) };
#undef LAJ_FORM
#undef LAJ_ROW
#undef LAJ_MEM
#undef AJ_FORM
#undef AJ_ROW
#undef AJ_ALL
#undef CJ_FORM
#undef CJ_ROW
#undef FUSED1
#undef FUSED_FORM
#undef FUSED_ROW

/* dword or byte at [base + disp], 32-bit addressing */
static int mem_b(const E386Op *op)
{
    return op->mod != 3 && op->adsize == 4 && op->base != EA_NONE && op->index == EA_NONE && !op->lock;
}

/* the AJ_* form of op, -1 for any other */
static int alu_jcc_kind(const E386Op *op)
{
    AluInline ai;
    int opn;
    if (op->fx & FX_INEXACT)
        return -1;
    int form = alu_reg_form(op->fn, &opn);
    if (form >= 0) { /* CMP: fused above when it could be */
        for (int o = 0; o < AJ_OPS; o++)
            if (aj_modrm_op[o] == opn)
                return form * AJ_OPS + o;
        return -1;
    }
    if (!alu_inline_info(op, &ai))
        return -1;
    /* INC/DEC r32 in any of its liveness forms (op_inc_R, inc_r32 and the
     * ones without the carry-in or the update): before the Jcc at the
     * block's end its flags are live, and the fused op writes them all */
    if (ai.kind == ALI_INCDEC && ai.dst == ALI_SUB)
        return op->size == 4 ? (ai.opn ? AJ_DEC_R : AJ_INC_R) : -1;
    int mem = ai.dst == ALI_RM && mem_b(op), reg = ai.dst == ALI_RM && op->mod == 3;
    switch (ai.kind) {
    case ALI_INCDEC:
        return mem && ai.size == 4 ? (ai.opn ? AJ_DEC_M : AJ_INC_M) : -1;
    case ALI_ALU:
        if (ai.src != ALI_IMM)
            return -1;
        if (mem && ai.size == 4 && (ai.opn == 0 || ai.opn == 5))
            return ai.opn == 0 ? AJ_ADD_MI : AJ_SUB_MI;
        if (ai.opn == 7 && ai.size == 1)
            return reg ? AJ_CMP_RI8 : ai.dst == ALI_ACC ? AJ_CMP_AI8 : -1;
        return -1;
    case ALI_TEST:
        if (ai.src != ALI_IMM)
            return -1;
        if (ai.dst == ALI_ACC)
            return ai.size == 4 ? AJ_TEST_AI : ai.size == 1 ? AJ_TEST_AI8 : -1;
        if (reg && ai.size == 4)
            return AJ_TEST_RI;
        return mem ? (ai.size == 4 ? AJ_TEST_MI : ai.size == 1 ? AJ_TEST_MI8 : -1) : -1;
    }
    return -1;
}

void fuse_alu_branch(E386Op *ops, int ninsns)
{
    if (ninsns < 2)
        return;
    E386Op *alu = &ops[ninsns - 2];
    const E386Op *j = &ops[ninsns - 1];
    int cc = j->sub & 15, k;
    if (j->fn != jcc_table[cc] || (k = alu_jcc_kind(alu)) < 0 || !aj_table[k][cc])
        return;
    alu->fn = aj_table[k][cc]; /* the Jcc's op stays, reached only before an exit */
}

/* the fused handler's twin for TB_LIN blocks (ops.h), for memory forms;
 * op is the block's next to last, the Jcc after it has the condition */
OpFn fuse_lin_twin(const E386Op *op)
{
    if (!lin_seg(op))
        return NULL;
    int cc = op[1].sub & 15;
    for (int k = 0; k < CJ_KINDS; k++)
        if (lin_cj_table[k][cc] && cj_table[k][cc] == op->fn)
            return lin_cj_table[k][cc];
    for (int k = 0; k < AJ_KINDS; k++)
        if (lin_aj_table[k][cc] && aj_table[k][cc] == op->fn)
            return lin_aj_table[k][cc];
    return NULL;
}
