/* Pairs of simple ops as one op (the portable engine only).
 *
 * In the interpreter every guest instruction costs one indirect call
 * from the run loop; a profile of real programs is mostly that dispatch
 * around small handlers (loads, stores, register moves, LEA, register
 * ALU, shifts), and their adjacent pairs are spread thin over many
 * combinations.
 * So two neighbours of the kinds below become one handler with both
 * steps inlined, one per ordered pair of kinds: each step is its own
 * handler's, fast path and reference steps alike.
 *
 * Exactness: the second op's handler is unchanged in the block (for the
 * native back end, which enters blocks mid-way, and for the early exit
 * below).  cpu->cur moves to the second op before its memory access, so
 * a fault there reports the second instruction with the first complete,
 * as the run loop would.  The run loop's exit-request test between the
 * two is kept where a request can arise: after a store (into its own
 * block: on the fast path the host's fault leads to mem_smc_write, which
 * asks for the exit) and after any memory step's reference path (a
 * device access), the pair returns to the loop before the second op
 * when a request is pending.  Loads on the fast path raise none.  The
 * loop makes its test before the op it is given back, with that op's
 * own mark (E386Op.nostop: not inside a flag-liveness window), however
 * many ops ran since it called.  An ALU op whose update the pass dropped
 * (FX_DEAD) sets no flag here either.
 *
 * The native back end inlines these kinds itself and does not know the
 * pair handlers, so the translator pairs only for the interpreter.
 *
 * Each handler comes twice: in a block whose key has TB_LIN (linear
 * memory on, ES, SS and DS flat: cpu.h lin_flat), an op through one of
 * those segments reaches guest memory with lin_host, without
 * flat_host's tests of the segment and of linear memory (about a tenth
 * of sha256sum's host instructions).  A TB_LIN pair whose second op
 * reads the register the first wrote takes a third form that hands the
 * value over in a host register (pair_fw.c).  The steps themselves are
 * in pair_step.h, shared by the two files. */
#include "cpu/pair_step.h"

/* a memory kind's reference steps (any segment, the soft MMU, the page
 * map, a page crossing), out of the fast path's frame; non-zero when the
 * run loop must stop before the next op */
static E386_NOINLINE int mem_slow(E386Cpu *cpu, const E386Op *o, int k, uint32_t off)
{
    const MemKind *m = &mem_kinds[k];
    if (m->at == AT_PUSH)
        op_push_R(cpu, o); /* all of it: the fast path declined before doing anything */
    else if (m->store)
        seg_write(cpu, o->seg, off, m->size, mem_value(cpu, o, m));
    else
        mem_loaded(cpu, o, m, seg_read(cpu, o->seg, off, m->size));
    return cpu->exit_request != 0;
}

/* The memory steps' reference paths, and the rest of the pair after
 * them, out of the handlers: the fast paths then need no frame (no
 * call but the tail call to the next op).  second: the second step's
 * fast path failed (the first step is done). */
E386_NOINLINE const E386Op *pair_slow(E386Cpu *cpu, const E386Op *op, int ka, int kb, int second)
{
    if (!second) {
        if (mem_slow(cpu, op, ka, mem_off(cpu, op, ka)))
            return op + 1;
        if (is_mem(kb))
            cpu->cur = op + 1;
        int s = step(cpu, op + 1, kb, 0);
        if (s == STEP_SLOW)
            s = mem_slow(cpu, op + 1, kb, mem_off(cpu, op + 1, kb));
        if (s)
            return op + 2;
    } else if (mem_slow(cpu, op + 1, kb, mem_off(cpu, op + 1, kb))) {
        return op + 2;
    }
    return run_next(cpu, op + 2);
}

/* A kind followed by an op of no kind: the step, then that op's own
 * handler called from here (a tail call), one pass of the run loop
 * fewer, with the loop's work between the two done here: cpu->cur
 * moved, and a pending exit request left to the loop before the second
 * op where the step may have raised one.  The loop tests for a request
 * before whatever op comes back to it (E386Op.nostop). */
E386_NOINLINE const E386Op *pair_then_slow(E386Cpu *cpu, const E386Op *op, int ka)
{
    if (mem_slow(cpu, op, ka, mem_off(cpu, op, ka)))
        return op + 1;
    return run_next(cpu, op + 1);
}

E386_INLINE const E386Op *then(E386Cpu *cpu, const E386Op *op, int ka, int lin)
{
    int s = step(cpu, op, ka, lin);
    if (s)
        return s == STEP_SLOW ? pair_then_slow(cpu, op, ka) : op + 1;
    return run_next(cpu, op + 1);
}

/* one handler per ordered pair of kinds */
#define FOR_KINDS(M, a) \
    M(a, P_RR_EG) M(a, P_RR_GE) M(a, P_LD32_B) M(a, P_LD32_BI) M(a, P_ST32_B) M(a, P_ST32_BI) \
    M(a, P_LEA_B) M(a, P_LEA_BI) M(a, P_MOVZX8_R) M(a, P_MOVZX8_B) M(a, P_ADD_RR) M(a, P_XOR_RR) \
    M(a, P_AND_RR) M(a, P_ADD_RI) M(a, P_SUB_RI) M(a, P_AND_RI) M(a, P_SHL_RI) M(a, P_SHR_RI) \
    M(a, P_MOVZX16_BI) M(a, P_LD8_B) M(a, P_ROL_RI) M(a, P_ROR_RI)
#define ALL_ROWS(M) \
    M(P_RR_EG) M(P_RR_GE) M(P_LD32_B) M(P_LD32_BI) M(P_ST32_B) M(P_ST32_BI) M(P_LEA_B) M(P_LEA_BI) \
    M(P_MOVZX8_R) M(P_MOVZX8_B) M(P_ADD_RR) M(P_XOR_RR) M(P_AND_RR) M(P_ADD_RI) M(P_SUB_RI) M(P_AND_RI) \
    M(P_SHL_RI) M(P_SHR_RI) M(P_MOVZX16_BI) M(P_LD8_B) M(P_ROL_RI) M(P_ROR_RI)
/* each twice: the general one and the TB_LIN one (lin_) */
#define P1(a, b) \
    static const E386Op *pair_##a##_##b(E386Cpu *c, const E386Op *o) { return pair(c, o, a, b, 0, FW_NONE); } \
    static const E386Op *lin_pair_##a##_##b(E386Cpu *c, const E386Op *o) { return pair(c, o, a, b, 1, FW_NONE); }
#define PROW(a) FOR_KINDS(P1, a)
#define T1(a, b) pair_##a##_##b,
#define TROW(a) [a] = { FOR_KINDS(T1, a) },
#define LT1(a, b) lin_pair_##a##_##b,
#define LTROW(a) [a] = { FOR_KINDS(LT1, a) },
#define THEN1(a) \
    static const E386Op *then_##a(E386Cpu *c, const E386Op *o) { return then(c, o, a, 0); } \
    static const E386Op *lin_then_##a(E386Cpu *c, const E386Op *o) { return then(c, o, a, 1); }
#define THEN_T(a) [a] = then_##a,
#define LTHEN_T(a) [a] = lin_then_##a,
#define THEN_ONLY(M) \
    M(P_MOV_RI) M(P_STI8_B) M(P_STI8_BI) M(P_STI32_B) M(P_STI32_BI) M(P_OR_RR) M(P_SUB_RR) M(P_INC_NF) \
    M(P_DEC_NF) M(P_MOVZX16_R) M(P_LD32_D) M(P_ST32_D) M(P_LD_AO) M(P_ST_OA) M(P_PUSH_R) M(P_MOVZX16_B) \
    M(P_MOVZX8_BI) M(P_LD8_BI) M(P_ST8_B) M(P_ST8_BI) M(P_MOVSX8_B) M(P_MOVSX8_BI) M(P_MOVSX16_B) \
    M(P_MOVSX16_BI) M(P_LD32_IX) M(P_MOVZX16_D) M(P_MOVZX8_D) M(P_ST16_B) M(P_ST16_BI)
ALL_ROWS(PROW)
ALL_ROWS(THEN1)
THEN_ONLY(THEN1)
static const OpFn pair_table[2][P_KINDS][P_KINDS] = { { ALL_ROWS(TROW) }, { ALL_ROWS(LTROW) } };
static const OpFn then_table[2][P_ALL_KINDS] = { { ALL_ROWS(THEN_T) THEN_ONLY(THEN_T) },
                                                 { ALL_ROWS(LTHEN_T) THEN_ONLY(LTHEN_T) } };
_Static_assert(P_KINDS == 22 && P_ALL_KINDS == 51, "FOR_KINDS, ALL_ROWS and THEN_ONLY list every kind");
#undef FOR_KINDS
#undef ALL_ROWS
#undef P1
#undef PROW
#undef T1
#undef TROW
#undef LT1
#undef LTROW
#undef LTHEN_T
#undef THEN1
#undef THEN_T
#undef THEN_ONLY

/* the kind of op: a pair kind (below P_KINDS), a kind that only goes on
 * to the next op (then), -1 for any other */
static int pair_kind(const E386Op *op)
{
    switch (mov_inline_kind(op->fn)) {
    case MOV_RR_EG: return P_RR_EG;
    case MOV_RR_GE: return P_RR_GE;
    case MOV_LD32_B: return P_LD32_B;
    case MOV_LD32_BI: return P_LD32_BI;
    case MOV_ST32_B: return P_ST32_B;
    case MOV_ST32_BI: return P_ST32_BI;
    case MOV_LEA32_B: return P_LEA_B;
    case MOV_LEA32_BI: return P_LEA_BI;
    case MOVZX8_R: return P_MOVZX8_R;
    case MOVZX8_B: return P_MOVZX8_B;
    case MOVZX16_BI: return P_MOVZX16_BI;
    case MOV_LD8_B: return P_LD8_B;
    case MOV_STI8_B: return P_STI8_B;
    case MOV_STI8_BI: return P_STI8_BI;
    case MOV_STI32_B: return P_STI32_B;
    case MOV_STI32_BI: return P_STI32_BI;
    case MOVZX16_R: return P_MOVZX16_R;
    case MOVZX16_B: return P_MOVZX16_B;
    case MOVZX8_BI: return P_MOVZX8_BI;
    case MOV_LD8_BI: return P_LD8_BI;
    case MOV_ST8_B: return P_ST8_B;
    case MOV_ST8_BI: return P_ST8_BI;
    }
    if (op->fn == op_mov_RI && op->size == 4)
        return P_MOV_RI;
    if (op->fn == op_push_R && op->size == 4)
        return P_PUSH_R;
    if ((op->fn == op_mov_AO || op->fn == op_mov_OA) && op->size == 4 && op->adsize == 4)
        return op->fn == op_mov_AO ? P_LD_AO : P_ST_OA;
    if ((op->fn == op_mov_GE || op->fn == op_mov_EG) && op->size == 4 && op->mod != 3 && op->adsize == 4 &&
        op->base == EA_NONE && op->index == EA_NONE && !op->lock)
        return op->fn == op_mov_GE ? P_LD32_D : P_ST32_D;
    /* loads and stores the decoder leaves to the generic handlers
     * (mov_spec.c takes a base register and bytes or dwords): MOVSX r32
     * from memory, MOV r32 from a table indexed without a base, MOVZX r32
     * from [disp32], MOV r/m16, r16 (a store of the register's low half) */
    if (op->mod != 3 && op->adsize == 4 && !op->lock) {
        int b = op->base != EA_NONE, i = op->index != EA_NONE;
        if (op->fn == op_mov_EG && op->size == 2 && b)
            return i ? P_ST16_BI : P_ST16_B;
        if (op->fn == op_movsx && op->opsize == 4 && b)
            return op->size == 1 ? (i ? P_MOVSX8_BI : P_MOVSX8_B) : (i ? P_MOVSX16_BI : P_MOVSX16_B);
        if (op->fn == op_mov_GE && op->size == 4 && !b && i)
            return P_LD32_IX;
        if (op->fn == op_movzx && op->opsize == 4 && !b && !i)
            return op->size == 1 ? P_MOVZX8_D : P_MOVZX16_D;
    }
    switch (shift_ri_kind(op->fn)) {
    case 4: return P_SHL_RI;
    case 5: return P_SHR_RI;
    case 0: return P_ROL_RI;
    case 1: return P_ROR_RI;
    }
    int opn, alu_op = op->opcode < 0x40 || (op->opcode >= 0x80 && op->opcode <= 0x83);
    switch (alu_op ? alu_reg_form(op->fn, &opn) : -1) { /* (its search, only where it can match) */
    case CJ_RR:
        return opn == 0 ? P_ADD_RR : opn == 6 ? P_XOR_RR : opn == 4 ? P_AND_RR : opn == 1 ? P_OR_RR
             : opn == 5 ? P_SUB_RR : -1;
    case CJ_RI: return opn == 0 ? P_ADD_RI : opn == 5 ? P_SUB_RI : opn == 4 ? P_AND_RI : -1;
    }
    AluInline ai;
    if (FX_CLASS(op->fx) == FX_DEAD && alu_inline_info(op, &ai) && ai.kind == ALI_INCDEC && ai.dst == ALI_SUB)
        return ai.opn ? P_DEC_NF : P_INC_NF;
    return -1;
}

/* op of kind k may take lin_host in a TB_LIN block: not a memory kind,
 * or its segment is one the key says is flat */
static int lin_ok(const E386Op *op, int k)
{
    return !is_mem(k) || mem_kinds[k].at == AT_PUSH || op->seg == SEG_ES || op->seg == SEG_SS ||
           op->seg == SEG_DS;
}

void pair_fuse(E386Op *ops, int ninsns, int lin)
{
    enum { PAIR_MAX_OPS = 128 };
    uint8_t role[PAIR_MAX_OPS] = { 0 }; /* 1: a pair's first op, 2: its second */
    if (ninsns > PAIR_MAX_OPS)
        return; /* cannot happen (exec.c's blocks are shorter): nothing fused */
    for (int i = 0; i + 1 < ninsns;) {
        int span = x87_run_span(&ops[i]);
        if (span) { /* the run calls each op inside it and goes on itself */
            i += span + 1;
            continue;
        }
        int ka = pair_kind(&ops[i]), kb = ka < 0 || ka >= P_KINDS ? -1 : pair_kind(&ops[i + 1]);
        if (kb < 0 || kb >= P_KINDS) {
            i++;
            continue;
        }
        int l = lin && lin_ok(&ops[i], ka) && lin_ok(&ops[i + 1], kb);
        OpFn fw = l ? pair_fw_pick(&ops[i], ka, &ops[i + 1], kb) : NULL;
        ops[i].fn = fw ? fw : pair_table[l][ka][kb];
        role[i] = 1, role[i + 1] = 2;
        i += 2;
    }
    /* then the single kinds (not in a pair) go on to the next op's
     * handler, pair or not */
    for (int i = 0; i + 1 < ninsns; i++) {
        int span = x87_run_span(&ops[i]), ka = role[i] ? -1 : pair_kind(&ops[i]);
        i += span; /* the run's own ops neither */
        if (!span && ka >= 0) {
            int l = lin && lin_ok(&ops[i], ka);
            OpFn f = l && i == ninsns - 3 ? fuse_fw_pick(ops, ninsns, ka) : NULL;
            ops[i].fn = f ? f : then_table[l][ka];
        }
    }
    /* last, as the passes before look handlers up by identity: the
     * other ops' twins for TB_LIN blocks */
    for (int i = 0; lin && i < ninsns; i++) {
        int span = x87_run_span(&ops[i]);
        if (span) {
            i += span;
            continue;
        }
        OpFn t = control_lin_twin(&ops[i]);
        if (!t)
            t = stack_lin_twin(&ops[i]);
        if (!t)
            t = alu_lin_twin(&ops[i]);
        if (!t && i == ninsns - 2) /* where fuse.c's compare or ALU + Jcc go */
            t = fuse_lin_twin(&ops[i]);
        if (t)
            ops[i].fn = t;
    }
}
