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
 * of sha256sum's host instructions). */
#include "core/ops.h"

enum { P_RR_EG, P_RR_GE, P_LD32_B, P_LD32_BI, P_ST32_B, P_ST32_BI, P_LEA_B, P_LEA_BI, P_MOVZX8_R,
       P_MOVZX8_B, P_ADD_RR, P_XOR_RR, P_AND_RR, P_ADD_RI, P_SUB_RI, P_AND_RI, P_SHL_RI, P_SHR_RI,
       P_MOVZX16_BI, P_LD8_B, P_ROL_RI, P_ROR_RI, P_KINDS,
       /* kinds that go on to the next op's handler (then) but do not
        * pair: the pair table grows with the square of the kinds */
       P_MOV_RI = P_KINDS, P_STI8_B, P_STI8_BI, P_STI32_B, P_STI32_BI, P_OR_RR, P_SUB_RR, P_INC_NF, P_DEC_NF,
       P_MOVZX16_R, P_LD32_D, P_ST32_D, P_LD_AO, P_ST_OA, P_PUSH_R, P_MOVZX16_B, P_MOVZX8_BI, P_LD8_BI,
       P_ST8_B, P_ST8_BI, P_MOVSX8_B, P_MOVSX8_BI, P_MOVSX16_B, P_MOVSX16_BI, P_LD32_IX, P_MOVZX16_D,
       P_MOVZX8_D, P_ST16_B, P_ST16_BI, P_ALL_KINDS };
/* _D: MOV r32 to or from [disp32]; _AO/_OA: MOV EAX to or from [moffs32];
 * _IX: [index << scale + disp32], no base (a table indexed by a register) */

/* The memory kinds, by what their step does: where the offset comes
 * from, the width, load or store, and the register (for a store the
 * value: a register, EAX or the immediate). */
enum { AT_B = 1, AT_BI, AT_DISP, AT_MOFFS, AT_PUSH, AT_IX }; /* [base + disp], [base + index << scale + disp], ... */
enum { R_REG, R_REG8, R_EAX, R_IMM, R_SUB, R_SX }; /* R_SX: r32, the value sign-extended (MOVSX) */
typedef struct MemKind { uint8_t at, size, store, reg; } MemKind;
static const MemKind mem_kinds[P_ALL_KINDS] = { /* at 0: not a memory kind */
    [P_LD32_B] = { AT_B, 4, 0, R_REG },     [P_LD32_BI] = { AT_BI, 4, 0, R_REG },
    [P_ST32_B] = { AT_B, 4, 1, R_REG },     [P_ST32_BI] = { AT_BI, 4, 1, R_REG },
    [P_MOVZX8_B] = { AT_B, 1, 0, R_REG },   [P_MOVZX16_BI] = { AT_BI, 2, 0, R_REG },
    [P_LD8_B] = { AT_B, 1, 0, R_REG8 },     [P_STI8_B] = { AT_B, 1, 1, R_IMM },
    [P_STI8_BI] = { AT_BI, 1, 1, R_IMM },   [P_STI32_B] = { AT_B, 4, 1, R_IMM },
    [P_STI32_BI] = { AT_BI, 4, 1, R_IMM },  [P_LD32_D] = { AT_DISP, 4, 0, R_REG },
    [P_ST32_D] = { AT_DISP, 4, 1, R_REG },  [P_LD_AO] = { AT_MOFFS, 4, 0, R_EAX },
    [P_ST_OA] = { AT_MOFFS, 4, 1, R_EAX },  [P_PUSH_R] = { AT_PUSH, 4, 1, R_SUB },
    [P_MOVZX16_B] = { AT_B, 2, 0, R_REG },  [P_MOVZX8_BI] = { AT_BI, 1, 0, R_REG },
    [P_LD8_BI] = { AT_BI, 1, 0, R_REG8 },   [P_ST8_B] = { AT_B, 1, 1, R_REG8 },
    [P_ST8_BI] = { AT_BI, 1, 1, R_REG8 },   [P_MOVSX8_B] = { AT_B, 1, 0, R_SX },
    [P_MOVSX8_BI] = { AT_BI, 1, 0, R_SX },  [P_MOVSX16_B] = { AT_B, 2, 0, R_SX },
    [P_MOVSX16_BI] = { AT_BI, 2, 0, R_SX }, [P_LD32_IX] = { AT_IX, 4, 0, R_REG },
    [P_MOVZX16_D] = { AT_DISP, 2, 0, R_REG }, [P_MOVZX8_D] = { AT_DISP, 1, 0, R_REG },
    [P_ST16_B] = { AT_B, 2, 1, R_REG },     [P_ST16_BI] = { AT_BI, 2, 1, R_REG },
};

static int is_mem(int k) { return mem_kinds[k].at != 0; }

/* a memory kind's offset (SS's for a push) */
E386_INLINE uint32_t mem_off(const E386Cpu *cpu, const E386Op *o, int k)
{
    switch (mem_kinds[k].at) {
    case AT_B: return ea_b(cpu, o);
    case AT_BI: return ea_bi(cpu, o);
    case AT_DISP: return o->disp;
    case AT_MOFFS: return o->imm;
    case AT_IX: return ea_ix(cpu, o);
    default: return cpu->r[4] - 4; /* AT_PUSH */
    }
}

/* a store's value */
E386_INLINE uint32_t mem_value(const E386Cpu *cpu, const E386Op *o, const MemKind *m)
{
    switch (m->reg) {
    case R_EAX: return cpu->r[0];
    case R_IMM: return o->imm & size_mask(m->size);
    case R_REG8: return reg_get(cpu, o->reg, 1);
    case R_SUB: return cpu->r[o->sub]; /* PUSH ESP: the old value */
    default: return cpu->r[o->reg];
    }
}

/* a load's value into its register */
E386_INLINE void mem_loaded(E386Cpu *cpu, const E386Op *o, const MemKind *m, uint32_t v)
{
    if (m->reg == R_REG8)
        reg_set(cpu, o->reg, 1, v);
    else if (m->reg == R_SX)
        cpu->r[o->reg] = sext(v, m->size);
    else
        cpu->r[m->reg == R_EAX ? 0 : o->reg] = v;
}

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

/* the register ALU forms as alu.c's alu32_apply: r32 dst op= b */
E386_INLINE void alu(E386Cpu *cpu, const E386Op *o, int dst, int cc, uint32_t r, uint32_t a, uint32_t b)
{
    cpu->r[dst] = r;
    if (FX_CLASS(o->fx) != FX_DEAD)
        cc_set(cpu, cc, 4, r, a, b);
}

/* one op of kind k; 0: go on, STOP: stop before the next op, STEP_SLOW:
 * a memory step's fast path does not apply (nothing done yet).  lin: the
 * op is in a TB_LIN block and its segment ES, SS or DS (pair_fuse) */
enum { STOP = 1, STEP_SLOW = 2 };
E386_INLINE int step(E386Cpu *cpu, const E386Op *o, int k, int lin)
{
    uint32_t a, b;
    switch (k) {
    case P_RR_EG: cpu->r[o->rm] = cpu->r[o->reg]; return 0;
    case P_RR_GE: cpu->r[o->reg] = cpu->r[o->rm]; return 0;
    case P_LEA_B: cpu->r[o->reg] = ea_b(cpu, o); return 0;
    case P_LEA_BI: cpu->r[o->reg] = ea_bi(cpu, o); return 0;
    case P_MOVZX8_R: cpu->r[o->reg] = reg_get(cpu, o->rm, 1); return 0;
    case P_ADD_RR: a = cpu->r[o->rm], b = cpu->r[o->reg]; alu(cpu, o, o->rm, CC_ADD, a + b, a, b); return 0;
    case P_XOR_RR: a = cpu->r[o->rm], b = cpu->r[o->reg]; alu(cpu, o, o->rm, CC_LOGIC, a ^ b, a, b); return 0;
    case P_AND_RR: a = cpu->r[o->rm], b = cpu->r[o->reg]; alu(cpu, o, o->rm, CC_LOGIC, a & b, a, b); return 0;
    case P_ADD_RI: a = cpu->r[o->rm], b = o->imm; alu(cpu, o, o->rm, CC_ADD, a + b, a, b); return 0;
    case P_SUB_RI: a = cpu->r[o->rm], b = o->imm; alu(cpu, o, o->rm, CC_SUB, a - b, a, b); return 0;
    case P_AND_RI: a = cpu->r[o->rm], b = o->imm; alu(cpu, o, o->rm, CC_LOGIC, a & b, a, b); return 0;
    case P_SHL_RI: case P_SHR_RI: /* shift.c's shl_ri32, shr_ri32: a zero count changes nothing */
        a = cpu->r[o->rm], b = o->imm & 0x1f;
        if (b)
            alu(cpu, o, o->rm, k == P_SHL_RI ? CC_SHL : CC_SHR, k == P_SHL_RI ? a << b : a >> b, a, b);
        return 0;
    case P_ROL_RI: case P_ROR_RI: /* their flags dead (the only ones paired): shift.c's rol/ror_ri32_nf */
        a = cpu->r[o->rm], b = o->imm & 0x1f;
        cpu->r[o->rm] = k == P_ROL_RI ? (a << b) | (a >> ((32 - b) & 31)) : (a >> b) | (a << ((32 - b) & 31));
        return 0;
    case P_MOV_RI: cpu->r[o->sub] = o->imm; return 0;
    case P_OR_RR: a = cpu->r[o->rm], b = cpu->r[o->reg]; alu(cpu, o, o->rm, CC_LOGIC, a | b, a, b); return 0;
    case P_SUB_RR: a = cpu->r[o->rm], b = cpu->r[o->reg]; alu(cpu, o, o->rm, CC_SUB, a - b, a, b); return 0;
    case P_INC_NF: cpu->r[o->sub]++; return 0; /* alu.c's inc/dec_r32_nf: the flags dead */
    case P_DEC_NF: cpu->r[o->sub]--; return 0;
    case P_MOVZX16_R: cpu->r[o->reg] = cpu->r[o->rm] & 0xffff; return 0;
    }
    const MemKind *m = &mem_kinds[k];
    uint32_t off = mem_off(cpu, o, k);
    int how = m->store ? FH_WRITE : FH_READ;
    uint8_t *p = lin ? lin_host(cpu, off, m->size, how)
               : m->at != AT_PUSH ? flat_host(cpu, o->seg, off, m->size, how)
               : ss32(cpu) ? flat_host(cpu, SEG_SS, off, 4, FH_WRITE) : NULL; /* stack.c's op_push_R */
    if (!p)
        return STEP_SLOW;
    if (!m->store) {
        mem_loaded(cpu, o, m, ld_le(p, m->size));
        return 0;
    }
    st_le(p, m->size, mem_value(cpu, o, m)); /* into a code page: the host's fault, then mem_smc_write */
    if (m->at == AT_PUSH)
        cpu->r[4] = off;
    return cpu->exit_request ? STOP : 0;
}

/* The memory steps' reference paths, and the rest of the pair after
 * them, out of the handlers: the fast paths then need no frame (no
 * call but the tail call to the next op).  second: the second step's
 * fast path failed (the first step is done). */
static E386_NOINLINE const E386Op *pair_slow(E386Cpu *cpu, const E386Op *op, int ka, int kb, int second)
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

E386_INLINE const E386Op *pair(E386Cpu *cpu, const E386Op *op, int ka, int kb, int lin)
{
    int s = step(cpu, op, ka, lin);
    if (s)
        return s == STEP_SLOW ? pair_slow(cpu, op, ka, kb, 0) : op + 1;
    if (is_mem(kb))
        cpu->cur = op + 1; /* a fault in the second op is the second instruction's */
    s = step(cpu, op + 1, kb, lin);
    if (s)
        return s == STEP_SLOW ? pair_slow(cpu, op, ka, kb, 1) : op + 2;
    return run_next(cpu, op + 2);
}

/* A kind followed by an op of no kind: the step, then that op's own
 * handler called from here (a tail call), one pass of the run loop
 * fewer, with the loop's work between the two done here: cpu->cur
 * moved, and a pending exit request left to the loop before the second
 * op where the step may have raised one.  The loop tests for a request
 * before whatever op comes back to it (E386Op.nostop). */
static E386_NOINLINE const E386Op *then_slow(E386Cpu *cpu, const E386Op *op, int ka)
{
    if (mem_slow(cpu, op, ka, mem_off(cpu, op, ka)))
        return op + 1;
    return run_next(cpu, op + 1);
}

E386_INLINE const E386Op *then(E386Cpu *cpu, const E386Op *op, int ka, int lin)
{
    int s = step(cpu, op, ka, lin);
    if (s)
        return s == STEP_SLOW ? then_slow(cpu, op, ka) : op + 1;
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
    static const E386Op *pair_##a##_##b(E386Cpu *c, const E386Op *o) { return pair(c, o, a, b, 0); } \
    static const E386Op *lin_pair_##a##_##b(E386Cpu *c, const E386Op *o) { return pair(c, o, a, b, 1); }
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
        ops[i].fn = pair_table[lin && lin_ok(&ops[i], ka) && lin_ok(&ops[i + 1], kb)][ka][kb];
        role[i] = 1, role[i + 1] = 2;
        i += 2;
    }
    /* then the single kinds (not in a pair) go on to the next op's
     * handler, pair or not */
    for (int i = 0; i + 1 < ninsns; i++) {
        int span = x87_run_span(&ops[i]), ka = role[i] ? -1 : pair_kind(&ops[i]);
        i += span; /* the run's own ops neither */
        if (!span && ka >= 0)
            ops[i].fn = then_table[lin && lin_ok(&ops[i], ka)][ka];
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
