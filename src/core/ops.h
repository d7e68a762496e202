/* Declarations of every instruction handler named in opcodes.inc. */
#ifndef E386_OPS_H
#define E386_OPS_H
#include "core/cpu.h"
#define OP(code, name, h, dec, size, sub, cpu, fr, fw) \
    const E386Op *op_##h(E386Cpu *, const E386Op *);
#define GRP(grp, reg, name, h, dec, size, sub, cpu, fr, fw) \
    const E386Op *op_##h(E386Cpu *, const E386Op *);
#include "core/opcodes.inc"
#undef OP
#undef GRP

/* Translation-time specialisation: each may replace op->fn by a handler
 * with the operation and operand form fixed, and then sets op->fx (FX_*,
 * core/cpu.h) to what that handler does to the flags; otherwise both stay.
 * The common ALU forms (cpu/alu.c): */
void alu_specialize(E386Op *op);
/* ... the common MOV/MOVZX/LEA register and memory forms (cpu/mov_spec.c) */
void mov_specialize(E386Op *op);
/* ... the 32-bit register shifts and rotates by an immediate (cpu/shift.c) */
void shift_specialize(E386Op *op);
/* ... the hot x87 forms: loads, stores, arithmetic, FXCH (cpu/x87_spec.c) */
void x87_specialize(E386Op *op);
/* Flag liveness (core/liveness.c): the ops of a block (n, the block end
 * included) whose flag update is dead run without it */
void flag_liveness(E386Op *ops, int n);
/* the FX_ALL or FX_CO handler f without its flag update (for FX_DEAD),
 * NULL where there is none: shifts and rotates (cpu/shift.c) ... */
OpFn shift_without_flags(OpFn f);
/* ... and the register ALU and INC/DEC r32 forms (cpu/alu.c) */
OpFn alu_without_flags(OpFn f);
/* the FX_INCDEC handler f without the carry-in (for FX_INCDEC_NC) */
OpFn incdec_without_carry(OpFn f);
/* 4 (SHL) or 5 (SHR, the ModRM reg order) for the SHL/SHR r32, imm
 * handler f, 0 (ROL) or 1 (ROR) for the flagless ROL/ROR r32, imm, -1
 * for any other handler (for cpu/pair.c) */
int shift_ri_kind(OpFn f);
/* op is a byte or word register shifted by a constant: op_shift_EI/E1's
 * or the handler shift_specialize chose for it (native/inline_alu.c) */
int shift_narrow_reg(const E386Op *op);
/* Compare-and-branch fusion (cpu/fuse.c): the compare forms that fuse
 * with a following Jcc, alu_compare_kind's answer for a specialised
 * CMP/TEST handler (-1: any other handler).  _BI: [base + index << scale
 * + disp]; MR8: a byte at [mem] against a byte register. */
enum { CJ_RR, CJ_GR, CJ_RI, CJ_AI, CJ_MR, CJ_MI, CJ_GM, CJ_MI8, CJ_TEST, CJ_TEST8,
       CJ_MR8, CJ_MR8_BI, CJ_MI8_BI, CJ_MR_BI, CJ_MI_BI, CJ_KINDS };
int alu_compare_kind(OpFn f);
/* For the native back end (src/native), which inlines them: the 32-bit
 * register ALU handler f's form (CJ_RR, CJ_GR, CJ_RI or CJ_AI) and its
 * operation (*opn, ModRM reg order), also for its flagless twin (the
 * op's fx says FX_DEAD), -1 for any other handler; the
 * MOV r32, r32 handlers (MOV_RR_EG writes rm, MOV_RR_GE reg) and the
 * 32-bit load and store at [base + disp] (_B) or [base + index << scale
 * + disp] (_BI), LEA r32 of those, -1 for any other handler */
int alu_reg_form(OpFn f, int *opn);
enum { MOV_RR_EG, MOV_RR_GE, MOV_LEA32_B, MOV_LEA32_BI, MOV_LD32_B, MOV_LD32_BI, MOV_ST32_B, MOV_ST32_BI,
       /* and the other specialised loads and stores (mov_spec.c), in pairs (_B, _BI) */
       MOV_LD8_B, MOV_LD8_BI, MOVZX8_B, MOVZX8_BI, MOVZX16_B, MOVZX16_BI,
       MOV_ST8_B, MOV_ST8_BI, MOV_STI32_B, MOV_STI32_BI, MOV_STI8_B, MOV_STI8_BI,
       MOVZX8_R, MOVZX16_R /* MOVZX r32, r8 / r16 */ };
int mov_inline_kind(OpFn f);
/* a block of ninsns instructions ending in CMP/TEST + Jcc: one op for
 * both; any other block of two or more ending in a Jcc: the Jcc's
 * condition fixed in its handler */
void fuse_compare_branch(E386Op *ops, int ninsns);
/* for the native back end: the compare form (CJ_*) and condition (*cc)
 * of op i of a block's n ops when its handler is a fused compare and
 * branch, CJ_KINDS for a Jcc with its condition fixed (*cc), -1 for any
 * other handler */
int branch_form(const E386Op *ops, int n, int i, int *cc);
/* the interpreter only: a block of ninsns instructions ending in a
 * register or dword-memory ALU op, INC/DEC, TEST or a byte CMP and a Jcc
 * on its flags: one op for both (cpu/fuse.c) */
void fuse_alu_branch(E386Op *ops, int ninsns);
/* x87 runs (cpu/x87_run.c): FLD m64 + arithmetic with a double (+ a
 * popping ST(i),ST(0) arithmetic), integer register ops between them
 * allowed, as one op */
void x87_fuse_runs(E386Op *ops, int ninsns);
/* the last op a run's handler at op covers (its integer ops between are
 * called one by one from it, and must not be paired), 0 for any other */
int x87_run_span(const E386Op *op);
/* runs of 2-8 PUSH r32 or POP r32 (not ESP) as one op (cpu/stack_run.c) */
void stack_fuse_runs(E386Op *ops, int ninsns);
/* for the native back end: the length n of the run handler f (*push: a
 * PUSH run), 0 for any other handler */
int stack_run_length(OpFn f, int *push);
/* For the native back end (src/native/inline_alu.c): the operands of an
 * ALU, INC/DEC, NEG/NOT or TEST handler of alu.c (generic or
 * specialised), as alu_inline_info(op) gives them (1; 0: another
 * handler).  ALI_RM is the ModRM operand (register rm or memory), ALI_SUB
 * the register in op->sub (INC/DEC r), ALI_ACC the accumulator.  opn:
 * the ALU operation in ModRM reg order; INC/DEC: 0 INC, 1 DEC. */
enum { ALI_ALU, ALI_INCDEC, ALI_NEG, ALI_NOT, ALI_TEST };
enum { ALI_NONE, ALI_RM, ALI_REG, ALI_SUB, ALI_ACC, ALI_IMM };
typedef struct AluInline { uint8_t kind, opn, size, dst, src; } AluInline;
int alu_inline_info(const E386Op *op, AluInline *ai);
/* ... and shift.c's SHL/SHR/SAR r32, imm (and the flagless ROL/ROR r32,
 * imm): the kind in ModRM reg order (SAL as SHL), *count the count (0-31);
 * -1 for any other handler */
int shift_inline_kind(const E386Op *op, uint32_t *count);
/* ... and ROL/ROR r32, imm with their flags (rol_ri32, ror_ri32): 0 ROL,
 * 1 ROR, *count the count; -1 for any other handler */
int rotate_inline_kind(const E386Op *op, uint32_t *count);
/* adjacent pairs of simple ops (moves, loads, stores, LEA, register ALU)
 * as one op (cpu/pair.c); for the interpreter only: the native back end
 * does not know the pair handlers */
void pair_fuse(E386Op *ops, int ninsns, int lin);
/* Handlers for the interpreter only, of forms the native back end emits
 * from the generic handler's name (alu_inline_info, native_emit_cond_op,
 * emit_imul): op's, or NULL for none.  exec.c's interp_specialize puts
 * them in, before pair_fuse. */
OpFn alu_interp_pick(const E386Op *op);
OpFn misc_interp_pick(const E386Op *op);
OpFn muldiv_interp_pick(const E386Op *op);
void interp_specialize(E386Op *ops, int ninsns);
/* Handlers for TB_LIN blocks under the interpreter (cpu.h lin_flat):
 * the twin of op's handler that reaches guest memory with lin_host, NULL
 * for none (pair_fuse puts them in, last) */
OpFn control_lin_twin(const E386Op *op);
OpFn stack_lin_twin(const E386Op *op);
OpFn fuse_lin_twin(const E386Op *op);
OpFn alu_lin_twin(const E386Op *op);
OpFn stack_run_lin_twin(OpFn f); /* stack_run.c's, for stack_lin_twin */
/* op's memory operand is through a segment TB_LIN says is flat */
static inline int lin_seg(const E386Op *op)
{
    return op->seg == SEG_ES || op->seg == SEG_SS || op->seg == SEG_DS;
}
/* Go-on twins (the interpreter only; exec.c's go_on_pass puts them in):
 * a handler h that returns the op after its instruction (or its n
 * instructions: a PUSH/POP run) to the run loop, with the loop's step
 * made in go_h's own frame instead: h's op done, the next op's handler
 * called by a tail call, one pass of the loop fewer.  Anything else h
 * returns (NULL, another op) and any pending exit request go back to the
 * loop, which stops or goes on as before (E386Op.nostop).  Each file
 * lists its twins (GO_TWIN, GO_ROW over one X-macro list); the originals
 * stay, for the native back end and the handlers that call others as
 * steps of their own. */
E386_INLINE const E386Op *go_on(E386Cpu *cpu, const E386Op *want, const E386Op *next)
{
    if (next != want || cpu->exit_request)
        return next;
    return run_next(cpu, next);
}
/* the end of a specialised handler's fast path: next back to the loop,
 * or (go: the template instantiated as its own go-on twin, without
 * GO_TWIN's call and the registers it saves) the step to it made here */
E386_INLINE const E386Op *done(E386Cpu *cpu, const E386Op *next, int go)
{
    return go ? go_on(cpu, next, next) : next;
}
#define GO_TWIN(h, n) \
    static const E386Op *go_##h(E386Cpu *c, const E386Op *o) { return go_on(c, o + (n), h(c, o)); }
#define GO_ROW(h, n) { h, go_##h },
typedef struct GoTwin { OpFn fn, go; } GoTwin;
const GoTwin *alu_go_twins(size_t *n);
const GoTwin *shift_go_twins(size_t *n);
const GoTwin *stack_go_twins(size_t *n);
const GoTwin *stack_run_go_twins(size_t *n);
const GoTwin *misc_go_twins(size_t *n);
const GoTwin *muldiv_go_twins(size_t *n);
const GoTwin *x87_go_twins(size_t *n);
#endif
