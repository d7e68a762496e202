/* A load or an add that forwards into the compare-and-branch ending its
 * block (the portable engine, TB_LIN blocks): MOV r, [m]; TEST r, r; Jcc
 * and ADD r, imm or r2; CMP r, r3 or imm; Jcc as one op.  The first op is a kind that
 * would go on to the next op by itself (pair.c then_*); here its step
 * is followed by fuse.c's compare-and-branch with the register it wrote
 * as the host holds it, not loaded back from cpu->r[] right after the
 * store (the wait pair_fw.c avoids inside pairs).
 *
 * Exactness: the first step stores its register, as then_* does; when
 * its fast path declines it goes the way then_* goes (pair_then_slow),
 * and the compare's own op then runs its own handler.  cpu->cur moves
 * to the compare before it, as between two ops. */
#include "cpu/fuse_step.h"

E386_INLINE const E386Op *then_cmp_jcc(E386Cpu *cpu, const E386Op *op, int ka, int kind, int fw, int cc)
{
    uint32_t v;
    if (step_fw(cpu, op, ka, 1, FW_NONE, 0, &v)) /* never STOP: no store */
        return pair_then_slow(cpu, op, ka);
    cpu->cur = op + 1;
    return cmp_jcc_fw(cpu, op + 1, kind, cc, 1, fw, v);
}

/* the first ops: index i in the table below */
#define TC_FIRST(M) M(0, P_LD32_B) M(1, P_LD32_BI) M(2, P_ADD_RI) M(3, P_SUB_RI) M(4, P_ADD_RR)
/* the compares and the slots that read the register: index j */
#define TC_FORMS(M, i, a) \
    M(i, a, 0, CJ_TEST, FW_RMREG) M(i, a, 1, CJ_TEST, FW_RM) M(i, a, 2, CJ_TEST, FW_REG) M(i, a, 3, CJ_RI, FW_RM) \
    M(i, a, 4, CJ_RR, FW_RM) M(i, a, 5, CJ_RR, FW_REG) M(i, a, 6, CJ_GR, FW_RM) M(i, a, 7, CJ_GR, FW_REG) \
    M(i, a, 8, CJ_AI, FW_RM)
enum { TC_FIRSTS = 5, TC_FORMS_N = 9 };
/* the conditions that fuse (fuse.c FUSED_FORM) */
#define TC_CC(M, a, k, f) M(a, k, f, 2) M(a, k, f, 3) M(a, k, f, 4) M(a, k, f, 5) M(a, k, f, 6) M(a, k, f, 7) \
    M(a, k, f, 8) M(a, k, f, 9) M(a, k, f, 12) M(a, k, f, 13) M(a, k, f, 14) M(a, k, f, 15)
#define TC1(a, k, f, cc) \
    static const E386Op *tc_##a##_##k##_##f##_##cc(E386Cpu *c, const E386Op *o) { return then_cmp_jcc(c, o, a, k, f, cc); }
#define TC_FORM(i, a, j, k, f) TC_CC(TC1, a, k, f)
#define TC_ROW_FIRST(i, a) TC_FORMS(TC_FORM, i, a)
TC_FIRST(TC_ROW_FIRST)
#define TC_T1(a, k, f, cc) [cc] = tc_##a##_##k##_##f##_##cc,
#define TC_T(i, a, j, k, f) [i][j] = { TC_CC(TC_T1, a, k, f) },
#define TC_TROW(i, a) TC_FORMS(TC_T, i, a)
static const OpFn tc_table[TC_FIRSTS][TC_FORMS_N][16] = { TC_FIRST(TC_TROW) };
#undef TC_FIRST
#undef TC_FORMS
#undef TC_CC
#undef TC1
#undef TC_FORM
#undef TC_ROW_FIRST
#undef TC_T1
#undef TC_T
#undef TC_TROW

/* index j of compare kind reading register r: -1 when it does not */
static int tc_form(const E386Op *cmp, int kind, int r)
{
    int rm = cmp->rm == r, reg = cmp->reg == r;
    switch (kind) {
    case CJ_TEST: return rm && reg ? 0 : rm ? 1 : reg ? 2 : -1;
    case CJ_RI: return rm ? 3 : -1;
    case CJ_RR: return rm ? 4 : reg ? 5 : -1; /* both: rm forwarded, reg loaded */
    case CJ_GR: return rm ? 6 : reg ? 7 : -1;
    case CJ_AI: return r == 0 ? 8 : -1; /* CMP EAX, imm32 */
    }
    return -1;
}

OpFn fuse_fw_pick(const E386Op *ops, int n, int ka)
{
    int i = ka == P_LD32_B ? 0 : ka == P_LD32_BI ? 1 : ka == P_ADD_RI ? 2 : ka == P_SUB_RI ? 3 : ka == P_ADD_RR ? 4 : -1, cc;
    if (i < 0 || n < 3)
        return NULL;
    int kind = branch_form(ops, n, n - 2, &cc);
    int j = kind >= 0 && kind < CJ_KINDS ? tc_form(&ops[n - 2], kind, pair_dst(&ops[n - 3], ka)) : -1;
    return j < 0 ? NULL : tc_table[i][j][cc & 15];
}
