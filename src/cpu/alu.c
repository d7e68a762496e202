/* ADD OR ADC SBB AND SUB XOR CMP, INC DEC NEG NOT, TEST.
 *
 * Read-modify-write forms store the result before recording the flags:
 * a store that faults (read-only page) must leave EFLAGS untouched. */
#include "core/ops.h"

enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };

/* the lazy-flag kind of each operation, in the ModRM reg order */
static const uint8_t alu_cc[8] = { CC_ADD, CC_LOGIC, CC_ADC, CC_SBB, CC_LOGIC, CC_SUB, CC_LOGIC, CC_SUB };

/* A memory form's handler and its three twins: for TB_LIN blocks (lin_:
 * lin_host, alu_lin_twin) and both again as go-on twins (go_, go_lin_:
 * ops.h).  fn takes the arguments given, then lin and go. */
#define MEM_TWINS(name, fn, ...) \
    static const E386Op *name(E386Cpu *c, const E386Op *o) { return fn(c, o, __VA_ARGS__, 0, 0); } \
    static const E386Op *lin_##name(E386Cpu *c, const E386Op *o) { return fn(c, o, __VA_ARGS__, 1, 0); } \
    static const E386Op *go_##name(E386Cpu *c, const E386Op *o) { return fn(c, o, __VA_ARGS__, 0, 1); } \
    static const E386Op *go_lin_##name(E386Cpu *c, const E386Op *o) { return fn(c, o, __VA_ARGS__, 1, 1); }

/* a op b on size-masked operands; reads CF for ADC/SBB */
static uint32_t alu_calc(E386Cpu *cpu, int opn, int size, uint32_t a, uint32_t b)
{
    uint32_t r;
    switch (opn) {
    case ALU_ADD: r = a + b; break;
    case ALU_OR: r = a | b; break;
    case ALU_ADC: r = a + b + cc_carry_in(cpu); break;
    case ALU_SBB: r = a - b - cc_carry_in(cpu); break;
    case ALU_AND: r = a & b; break;
    case ALU_XOR: r = a ^ b; break;
    default: r = a - b; break; /* SUB, CMP */
    }
    return r & size_mask(size);
}

/* dst op= b where dst is the ModRM operand (CMP only reads it) */
static void alu_rm(E386Cpu *cpu, const E386Op *op, int opn, uint32_t b)
{
    int size = op->size;
    uint32_t lin = 0;
    b &= size_mask(size);
    if (opn == ALU_CMP) {
        uint32_t a = rm_read(cpu, op, size);
        cc_set(cpu, CC_SUB, size, alu_calc(cpu, opn, size, a, b), a, b);
        return;
    }
    uint32_t a = rm_get_rmw(cpu, op, size, &lin);
    uint32_t r = alu_calc(cpu, opn, size, a, b);
    rm_put_rmw(cpu, op, size, lin, r);
    cc_set(cpu, alu_cc[opn], size, r, a, b);
}

/* dst op= b where dst is register reg (the accumulator for the AI forms) */
static void alu_reg(E386Cpu *cpu, int reg, int opn, int size, uint32_t b)
{
    uint32_t a = reg_get(cpu, reg, size);
    b &= size_mask(size);
    uint32_t r = alu_calc(cpu, opn, size, a, b);
    if (opn != ALU_CMP)
        reg_set(cpu, reg, size, r);
    cc_set(cpu, alu_cc[opn], size, r, a, b);
}

const E386Op *op_alu_EG(E386Cpu *cpu, const E386Op *op)
{
    alu_rm(cpu, op, op->sub, reg_get(cpu, op->reg, op->size));
    return op + 1;
}

const E386Op *op_alu_GE(E386Cpu *cpu, const E386Op *op)
{
    alu_reg(cpu, op->reg, op->sub, op->size, rm_read(cpu, op, op->size));
    return op + 1;
}

const E386Op *op_alu_AI(E386Cpu *cpu, const E386Op *op)
{
    alu_reg(cpu, 0, op->sub, op->size, op->imm);
    return op + 1;
}

const E386Op *op_alu_EI(E386Cpu *cpu, const E386Op *op)
{
    alu_rm(cpu, op, op->sub, op->imm);
    return op + 1;
}

/* INC/DEC keep CF: it is saved into the lazy state (src2). */
static void incdec_flags(E386Cpu *cpu, int size, uint32_t a, uint32_t r, uint32_t cf, int dec)
{
    cc_set(cpu, dec ? CC_DEC : CC_INC, size, r, a, cf);
}

static void incdec_reg(E386Cpu *cpu, const E386Op *op, int dec)
{
    int size = op->size;
    uint32_t cf = cc_carry_in(cpu), a = reg_get(cpu, op->sub, size);
    uint32_t r = (dec ? a - 1 : a + 1) & size_mask(size);
    reg_set(cpu, op->sub, size, r);
    incdec_flags(cpu, size, a, r, cf, dec);
}

const E386Op *op_inc_R(E386Cpu *cpu, const E386Op *op) { incdec_reg(cpu, op, 0); return op + 1; }
const E386Op *op_dec_R(E386Cpu *cpu, const E386Op *op) { incdec_reg(cpu, op, 1); return op + 1; }

static E386_NOINLINE const E386Op *incdec_r32_slow(E386Cpu *cpu, const E386Op *op, int dec, int go)
{
    incdec_reg(cpu, op, dec);
    return done(cpu, op + 1, go);
}

/* INC/DEC r32 specialised (FX_INCDEC): fl 2 the full update; 1 without
 * the carry-in they keep, whose CF is dead (FX_INCDEC_NC); 0 none, all
 * their flags are (FX_DEAD): core/liveness.c */
E386_INLINE const E386Op *incdec_r32(E386Cpu *cpu, const E386Op *op, int dec, int fl, int go)
{
    int cin = fl == 2 ? cc_carry_in_k(cpu, 1) : 0;
    if (cin < 0) /* cc_carry's call out of this frame, a tail call */
        return incdec_r32_slow(cpu, op, dec, go);
    uint32_t cf = (uint32_t)cin, a = cpu->r[op->sub], r = dec ? a - 1 : a + 1;
    cpu->r[op->sub] = r;
    if (fl)
        incdec_flags(cpu, 4, a, r, cf, dec);
    return done(cpu, op + 1, go);
}

/* each with its go-on twin (ops.h done) */
#define INCDEC_R32(name, ...) \
    static const E386Op *name(E386Cpu *c, const E386Op *o) { return incdec_r32(c, o, __VA_ARGS__, 0); } \
    static const E386Op *go_##name(E386Cpu *c, const E386Op *o) { return incdec_r32(c, o, __VA_ARGS__, 1); }
INCDEC_R32(inc_r32, 0, 2)
INCDEC_R32(dec_r32, 1, 2)
INCDEC_R32(inc_r32_nc, 0, 1)
INCDEC_R32(dec_r32_nc, 1, 1)
INCDEC_R32(inc_r32_nf, 0, 0)
INCDEC_R32(dec_r32_nf, 1, 0)
#undef INCDEC_R32

enum { U_INC, U_DEC, U_NOT, U_NEG };

static void unary_rm(E386Cpu *cpu, const E386Op *op, int kind)
{
    int size = op->size;
    uint32_t lin = 0, m = size_mask(size), r;
    uint32_t cf = kind <= U_DEC ? cc_carry_in(cpu) : 0;
    uint32_t a = rm_get_rmw(cpu, op, size, &lin);
    switch (kind) {
    case U_INC: r = (a + 1) & m; break;
    case U_DEC: r = (a - 1) & m; break;
    case U_NOT: r = ~a & m; break;
    default: r = (0u - a) & m; break;
    }
    rm_put_rmw(cpu, op, size, lin, r);
    if (kind <= U_DEC)
        incdec_flags(cpu, size, a, r, cf, kind == U_DEC);
    else if (kind == U_NEG)
        cc_set(cpu, CC_NEG, size, r, a, 0);
    /* NOT changes no flags */
}

const E386Op *op_inc_E(E386Cpu *cpu, const E386Op *op) { unary_rm(cpu, op, U_INC); return op + 1; }
const E386Op *op_dec_E(E386Cpu *cpu, const E386Op *op) { unary_rm(cpu, op, U_DEC); return op + 1; }
const E386Op *op_not_E(E386Cpu *cpu, const E386Op *op) { unary_rm(cpu, op, U_NOT); return op + 1; }
const E386Op *op_neg_E(E386Cpu *cpu, const E386Op *op) { unary_rm(cpu, op, U_NEG); return op + 1; }

/* INC/DEC dword [base + disp] and [base + index << scale + disp] (loop
 * counters kept in memory): on flat_host's fast path one host read and
 * one write to the same place, a write the host refuses faulting before
 * the flags change, as unary_rm's reference steps (the slow path) do */
static E386_NOINLINE const E386Op *incdec_mem_slow(E386Cpu *cpu, const E386Op *op, int kind)
{
    unary_rm(cpu, op, kind);
    return op + 1;
}

E386_INLINE const E386Op *incdec_mem(E386Cpu *cpu, const E386Op *op, int kind, int bi, int lin, int go)
{
    uint32_t off = bi ? ea_bi(cpu, op) : ea_b(cpu, op);
    uint8_t *p = lin ? lin_host(cpu, off, 4, FH_RMW) : flat_host(cpu, op->seg, off, 4, FH_RMW);
    int cin = p ? cc_carry_in_k(cpu, 1) : -1;
    if (cin < 0) /* (and cc_carry's call out of this frame) */
        return done(cpu, incdec_mem_slow(cpu, op, kind), go);
    uint32_t cf = (uint32_t)cin, a = ld_le(p, 4), r = kind == U_DEC ? a - 1 : a + 1;
    st_le(p, 4, r);
    incdec_flags(cpu, 4, a, r, cf, kind == U_DEC);
    return done(cpu, op + 1, go);
}

/* name, kind, base+index? (with MEM_TWINS' twins) */
#define INCDEC_MEM(name, ...) MEM_TWINS(name, incdec_mem, __VA_ARGS__)
INCDEC_MEM(inc_m32_b, U_INC, 0)
INCDEC_MEM(dec_m32_b, U_DEC, 0)
INCDEC_MEM(inc_m32_bi, U_INC, 1)
INCDEC_MEM(dec_m32_bi, U_DEC, 1)
#undef INCDEC_MEM

static void test(E386Cpu *cpu, int size, uint32_t a, uint32_t b)
{
    cc_set(cpu, CC_LOGIC, size, a & b & size_mask(size), 0, 0);
}

const E386Op *op_test_EG(E386Cpu *cpu, const E386Op *op)
{
    test(cpu, op->size, rm_read(cpu, op, op->size), reg_get(cpu, op->reg, op->size));
    return op + 1;
}

const E386Op *op_test_AI(E386Cpu *cpu, const E386Op *op)
{
    test(cpu, op->size, reg_get(cpu, 0, op->size), op->imm);
    return op + 1;
}

const E386Op *op_test_EI(E386Cpu *cpu, const E386Op *op)
{
    test(cpu, op->size, rm_read(cpu, op, op->size), op->imm);
    return op + 1;
}

/* ---- specialised 32-bit register forms ----
 * The decoder asks alu_specialize() for a handler with the operation and
 * the operand form fixed at translation time; with both constant the
 * compiler folds alu32() down to one operation.  ADC and SBB (64-bit
 * arithmetic) take their carry in from cc_carry_in's common kinds.  The
 * generic handlers above stay the reference and cover everything else. */

enum { FORM_RR, FORM_GR, FORM_RI, FORM_AI, FORM_GM /* reg op= [base + disp] */, FORM_GMI /* [base + index << scale + disp] */ };

/* a op b for the specialised forms, opn a constant there (CMP: a - b);
 * ADC's and SBB's carry in from cc_carry_in */
E386_INLINE uint32_t alu_op_c(int opn, uint32_t a, uint32_t b, uint32_t cin)
{
    switch (opn) {
    case ALU_ADD: return a + b;
    case ALU_ADC: return a + b + cin;
    case ALU_SBB: return a - b - cin;
    case ALU_OR: return a | b;
    case ALU_AND: return a & b;
    case ALU_XOR: return a ^ b;
    default: return a - b;
    }
}

E386_INLINE uint32_t alu_op(E386Cpu *cpu, int opn, uint32_t a, uint32_t b)
{
    return alu_op_c(opn, a, b, opn == ALU_ADC || opn == ALU_SBB ? cc_carry_in(cpu) : 0);
}

/* ADC or SBB r32 dst, b whose carry-in needs cc_carry: out of the
 * handlers' frames (cc_carry_in_k), nothing changed before it */
static E386_NOINLINE const E386Op *alu32_carry_slow(E386Cpu *cpu, const E386Op *op, int opn, int dst, uint32_t b)
{
    uint32_t a = cpu->r[dst], r = alu_op(cpu, opn, a, b);
    cpu->r[dst] = r;
    cc_set(cpu, alu_cc[opn], 4, r, a, b);
    return op + 1;
}

/* r32 dst op= b, the flags recorded unless fl is 0 (FX_DEAD) */
E386_INLINE const E386Op *alu32_flags(E386Cpu *cpu, const E386Op *op, int opn, int dst, uint32_t b, int fl)
{
    int cin = opn == ALU_ADC || opn == ALU_SBB ? cc_carry_in_k(cpu, 1) : 0;
    if (cin < 0)
        return alu32_carry_slow(cpu, op, opn, dst, b);
    uint32_t a = cpu->r[dst], r = alu_op_c(opn, a, b, (uint32_t)cin);
    if (opn != ALU_CMP)
        cpu->r[dst] = r;
    if (fl)
        cc_set(cpu, alu_cc[opn], 4, r, a, b);
    return op + 1;
}

E386_INLINE const E386Op *alu32_apply(E386Cpu *cpu, const E386Op *op, int opn, int dst, uint32_t b)
{
    return alu32_flags(cpu, op, opn, dst, b, 1);
}

/* FORM_GM's and FORM_GMI's operand through the reference steps (see
 * flat_host), out of the fast path's frame */
static E386_NOINLINE const E386Op *alu32_gm_slow(E386Cpu *cpu, const E386Op *op, int opn, uint32_t off)
{
    return alu32_apply(cpu, op, opn, op->reg, seg_read(cpu, op->seg, off, 4));
}

E386_INLINE const E386Op *alu32_lin(E386Cpu *cpu, const E386Op *op, int opn, int form, int fl, int lin, int go)
{
    if (form == FORM_GM || form == FORM_GMI) {
        uint32_t off = form == FORM_GMI ? ea_bi(cpu, op) : ea_b(cpu, op);
        uint8_t *p = lin ? lin_host(cpu, off, 4, FH_READ) : flat_host(cpu, op->seg, off, 4, FH_READ);
        if (!p)
            return alu32_gm_slow(cpu, op, opn, off);
        return done(cpu, alu32_apply(cpu, op, opn, op->reg, ld_le(p, 4)), go);
    }
    int dst = form == FORM_RR || form == FORM_RI ? op->rm : form == FORM_GR ? op->reg : 0;
    uint32_t b = form == FORM_RR ? cpu->r[op->reg] : form == FORM_GR ? cpu->r[op->rm] : op->imm;
    return alu32_flags(cpu, op, opn, dst, b, fl);
}

E386_INLINE const E386Op *alu32_fl(E386Cpu *cpu, const E386Op *op, int opn, int form, int fl)
{
    return alu32_lin(cpu, op, opn, form, fl, 0, 0);
}

E386_INLINE const E386Op *alu32(E386Cpu *cpu, const E386Op *op, int opn, int form)
{
    return alu32_fl(cpu, op, opn, form, 1);
}

static const E386Op *add_rr(E386Cpu *c, const E386Op *o) { return alu32(c, o, ALU_ADD, FORM_RR); }
static const E386Op *or_rr(E386Cpu *c, const E386Op *o) { return alu32(c, o, ALU_OR, FORM_RR); }
static const E386Op *and_rr(E386Cpu *c, const E386Op *o) { return alu32(c, o, ALU_AND, FORM_RR); }
static const E386Op *sub_rr(E386Cpu *c, const E386Op *o) { return alu32(c, o, ALU_SUB, FORM_RR); }
static const E386Op *xor_rr(E386Cpu *c, const E386Op *o) { return alu32(c, o, ALU_XOR, FORM_RR); }
static const E386Op *cmp_rr(E386Cpu *c, const E386Op *o) { return alu32(c, o, ALU_CMP, FORM_RR); }
static const E386Op *add_gr(E386Cpu *c, const E386Op *o) { return alu32(c, o, ALU_ADD, FORM_GR); }
static const E386Op *or_gr(E386Cpu *c, const E386Op *o) { return alu32(c, o, ALU_OR, FORM_GR); }
static const E386Op *and_gr(E386Cpu *c, const E386Op *o) { return alu32(c, o, ALU_AND, FORM_GR); }
static const E386Op *sub_gr(E386Cpu *c, const E386Op *o) { return alu32(c, o, ALU_SUB, FORM_GR); }
static const E386Op *xor_gr(E386Cpu *c, const E386Op *o) { return alu32(c, o, ALU_XOR, FORM_GR); }
static const E386Op *cmp_gr(E386Cpu *c, const E386Op *o) { return alu32(c, o, ALU_CMP, FORM_GR); }
static const E386Op *add_ri(E386Cpu *c, const E386Op *o) { return alu32(c, o, ALU_ADD, FORM_RI); }
static const E386Op *or_ri(E386Cpu *c, const E386Op *o) { return alu32(c, o, ALU_OR, FORM_RI); }
static const E386Op *and_ri(E386Cpu *c, const E386Op *o) { return alu32(c, o, ALU_AND, FORM_RI); }
static const E386Op *sub_ri(E386Cpu *c, const E386Op *o) { return alu32(c, o, ALU_SUB, FORM_RI); }
static const E386Op *xor_ri(E386Cpu *c, const E386Op *o) { return alu32(c, o, ALU_XOR, FORM_RI); }
static const E386Op *cmp_ri(E386Cpu *c, const E386Op *o) { return alu32(c, o, ALU_CMP, FORM_RI); }
static const E386Op *add_ai(E386Cpu *c, const E386Op *o) { return alu32(c, o, ALU_ADD, FORM_AI); }
static const E386Op *or_ai(E386Cpu *c, const E386Op *o) { return alu32(c, o, ALU_OR, FORM_AI); }
static const E386Op *and_ai(E386Cpu *c, const E386Op *o) { return alu32(c, o, ALU_AND, FORM_AI); }
static const E386Op *sub_ai(E386Cpu *c, const E386Op *o) { return alu32(c, o, ALU_SUB, FORM_AI); }
static const E386Op *xor_ai(E386Cpu *c, const E386Op *o) { return alu32(c, o, ALU_XOR, FORM_AI); }
static const E386Op *cmp_ai(E386Cpu *c, const E386Op *o) { return alu32(c, o, ALU_CMP, FORM_AI); }
static const E386Op *adc_rr(E386Cpu *c, const E386Op *o) { return alu32(c, o, ALU_ADC, FORM_RR); }
static const E386Op *sbb_rr(E386Cpu *c, const E386Op *o) { return alu32(c, o, ALU_SBB, FORM_RR); }
static const E386Op *adc_gr(E386Cpu *c, const E386Op *o) { return alu32(c, o, ALU_ADC, FORM_GR); }
static const E386Op *sbb_gr(E386Cpu *c, const E386Op *o) { return alu32(c, o, ALU_SBB, FORM_GR); }
static const E386Op *adc_ri(E386Cpu *c, const E386Op *o) { return alu32(c, o, ALU_ADC, FORM_RI); }
static const E386Op *sbb_ri(E386Cpu *c, const E386Op *o) { return alu32(c, o, ALU_SBB, FORM_RI); }
static const E386Op *adc_ai(E386Cpu *c, const E386Op *o) { return alu32(c, o, ALU_ADC, FORM_AI); }
static const E386Op *sbb_ai(E386Cpu *c, const E386Op *o) { return alu32(c, o, ALU_SBB, FORM_AI); }

/* the same without the flag update, for an op whose flags the block rewrites
 * before anything reads them (FX_DEAD, core/liveness.c) */
static const E386Op *add_rr_nf(E386Cpu *c, const E386Op *o) { return alu32_fl(c, o, ALU_ADD, FORM_RR, 0); }
static const E386Op *or_rr_nf(E386Cpu *c, const E386Op *o) { return alu32_fl(c, o, ALU_OR, FORM_RR, 0); }
static const E386Op *and_rr_nf(E386Cpu *c, const E386Op *o) { return alu32_fl(c, o, ALU_AND, FORM_RR, 0); }
static const E386Op *sub_rr_nf(E386Cpu *c, const E386Op *o) { return alu32_fl(c, o, ALU_SUB, FORM_RR, 0); }
static const E386Op *xor_rr_nf(E386Cpu *c, const E386Op *o) { return alu32_fl(c, o, ALU_XOR, FORM_RR, 0); }
static const E386Op *add_gr_nf(E386Cpu *c, const E386Op *o) { return alu32_fl(c, o, ALU_ADD, FORM_GR, 0); }
static const E386Op *or_gr_nf(E386Cpu *c, const E386Op *o) { return alu32_fl(c, o, ALU_OR, FORM_GR, 0); }
static const E386Op *and_gr_nf(E386Cpu *c, const E386Op *o) { return alu32_fl(c, o, ALU_AND, FORM_GR, 0); }
static const E386Op *sub_gr_nf(E386Cpu *c, const E386Op *o) { return alu32_fl(c, o, ALU_SUB, FORM_GR, 0); }
static const E386Op *xor_gr_nf(E386Cpu *c, const E386Op *o) { return alu32_fl(c, o, ALU_XOR, FORM_GR, 0); }
static const E386Op *add_ri_nf(E386Cpu *c, const E386Op *o) { return alu32_fl(c, o, ALU_ADD, FORM_RI, 0); }
static const E386Op *or_ri_nf(E386Cpu *c, const E386Op *o) { return alu32_fl(c, o, ALU_OR, FORM_RI, 0); }
static const E386Op *and_ri_nf(E386Cpu *c, const E386Op *o) { return alu32_fl(c, o, ALU_AND, FORM_RI, 0); }
static const E386Op *sub_ri_nf(E386Cpu *c, const E386Op *o) { return alu32_fl(c, o, ALU_SUB, FORM_RI, 0); }
static const E386Op *xor_ri_nf(E386Cpu *c, const E386Op *o) { return alu32_fl(c, o, ALU_XOR, FORM_RI, 0); }
static const E386Op *add_ai_nf(E386Cpu *c, const E386Op *o) { return alu32_fl(c, o, ALU_ADD, FORM_AI, 0); }
static const E386Op *or_ai_nf(E386Cpu *c, const E386Op *o) { return alu32_fl(c, o, ALU_OR, FORM_AI, 0); }
static const E386Op *and_ai_nf(E386Cpu *c, const E386Op *o) { return alu32_fl(c, o, ALU_AND, FORM_AI, 0); }
static const E386Op *sub_ai_nf(E386Cpu *c, const E386Op *o) { return alu32_fl(c, o, ALU_SUB, FORM_AI, 0); }
static const E386Op *xor_ai_nf(E386Cpu *c, const E386Op *o) { return alu32_fl(c, o, ALU_XOR, FORM_AI, 0); }

/* r32 op= [base (+ index) + disp], with MEM_TWINS' twins (the flags
 * always recorded) */
#define ALU_GM(name, opn, form) MEM_TWINS(name, alu32_lin, opn, form, 1)
#define ALU_GM_OPS(sfx, form) \
    ALU_GM(add_##sfx, ALU_ADD, form) ALU_GM(or_##sfx, ALU_OR, form) ALU_GM(and_##sfx, ALU_AND, form) \
    ALU_GM(sub_##sfx, ALU_SUB, form) ALU_GM(xor_##sfx, ALU_XOR, form) ALU_GM(cmp_##sfx, ALU_CMP, form) \
    ALU_GM(adc_##sfx, ALU_ADC, form) ALU_GM(sbb_##sfx, ALU_SBB, form)
ALU_GM_OPS(gm, FORM_GM)
ALU_GM_OPS(gmi, FORM_GMI)
#undef ALU_GM_OPS
#undef ALU_GM

/* ---- memory forms: [base + disp] and [base + index << scale + disp] ----
 * CMP of a byte or dword in memory with a register or an immediate, and
 * the 32-bit read-modify-write forms (ADD/OR/AND/SUB/XOR [mem], r32 or
 * imm), the operand's address form and the operation fixed.  Each step is
 * the generic alu_rm's: the address checked for writing once, the
 * result stored before the flags change. */

/* The memory operand's address form, fixed at translation time (32-bit
 * addressing, no LOCK): [base + disp], [base + index << scale + disp],
 * [disp32], [index << scale + disp32] */
enum { MEM_B, MEM_BI, MEM_D, MEM_IX, MEM_OTHER };

static int mem_form(const E386Op *op)
{
    if (op->mod == 3 || op->adsize != 4 || op->lock)
        return MEM_OTHER;
    if (op->base == EA_NONE)
        return op->index == EA_NONE ? MEM_D : MEM_IX;
    return op->index == EA_NONE ? MEM_B : MEM_BI;
}

E386_INLINE uint32_t mem_off(const E386Cpu *cpu, const E386Op *op, int at)
{
    return at == MEM_B ? ea_b(cpu, op) : at == MEM_BI ? ea_bi(cpu, op) : at == MEM_IX ? ea_ix(cpu, op) : op->disp;
}

/* [mem] op= b at off through the reference steps: any segment, the soft
 * MMU (reading with write intent), the page map, a page crossing */
static E386_NOINLINE const E386Op *alu_mem_slow(E386Cpu *cpu, const E386Op *op, int opn, int size, uint32_t off,
                                                uint32_t b)
{
    uint32_t m = size_mask(size);
    if (opn == ALU_CMP) {
        uint32_t a = seg_read(cpu, op->seg, off, size);
        cc_set(cpu, CC_SUB, size, (a - b) & m, a, b);
        return op + 1;
    }
    uint32_t lin = seg_lin_fast(cpu, op->seg, off, (uint32_t)size, 1);
    if (cpu->softmmu) /* paging reads with write intent: #PF(W), pages dirtied first */
        lin_check_write(cpu, lin, (uint32_t)size);
    uint32_t a = lin_read(cpu, lin, size), r = alu_op(cpu, opn, a, b) & m;
    lin_write(cpu, lin, size, r);
    cc_set(cpu, alu_cc[opn], size, r, a, b);
    return op + 1;
}

/* The fast path (flat_host): one host read, and for the read-modify-write
 * forms one host write to the same place; a write the host refuses faults
 * before the flags change, as on the slow path. */
E386_INLINE const E386Op *alu_mem(E386Cpu *cpu, const E386Op *op, int opn, int size, int at, int imm, int lin,
                                  int go)
{
    uint32_t off = mem_off(cpu, op, at), m = size_mask(size);
    uint32_t b = imm ? op->imm & m : reg_get(cpu, op->reg, size);
    int how = opn == ALU_CMP ? FH_READ : FH_RMW;
    uint8_t *p = lin ? lin_host(cpu, off, (uint32_t)size, how) : flat_host(cpu, op->seg, off, (uint32_t)size, how);
    if (!p)
        return alu_mem_slow(cpu, op, opn, size, off, b);
    int cin = opn == ALU_ADC || opn == ALU_SBB ? cc_carry_in_k(cpu, 1) : 0;
    if (cin < 0) /* (see alu32_carry_slow) */
        return done(cpu, alu_mem_slow(cpu, op, opn, size, off, b), go);
    uint32_t a = ld_le(p, size);
    if (opn == ALU_CMP) {
        cc_set(cpu, CC_SUB, size, (a - b) & m, a, b);
        return done(cpu, op + 1, go);
    }
    uint32_t r = alu_op_c(opn, a, b, (uint32_t)cin) & m;
    st_le(p, size, r);
    cc_set(cpu, alu_cc[opn], size, r, a, b);
    return done(cpu, op + 1, go);
}

/* one line per handler: name, operation, width, address form, immediate?
 * (with MEM_TWINS' twins) */
#define ALU_MEM(name, ...) MEM_TWINS(name, alu_mem, __VA_ARGS__)
ALU_MEM(cmp_mr32_b, ALU_CMP, 4, 0, 0)
ALU_MEM(cmp_mr32_bi, ALU_CMP, 4, 1, 0)
ALU_MEM(cmp_mi32_b, ALU_CMP, 4, 0, 1)
ALU_MEM(cmp_mi32_bi, ALU_CMP, 4, 1, 1)
ALU_MEM(cmp_mr8_b, ALU_CMP, 1, 0, 0)
ALU_MEM(cmp_mr8_bi, ALU_CMP, 1, 1, 0)
ALU_MEM(cmp_mi8_b, ALU_CMP, 1, 0, 1)
ALU_MEM(cmp_mi8_bi, ALU_CMP, 1, 1, 1)
ALU_MEM(add_mr32_b, ALU_ADD, 4, 0, 0)
ALU_MEM(or_mr32_b, ALU_OR, 4, 0, 0)
ALU_MEM(and_mr32_b, ALU_AND, 4, 0, 0)
ALU_MEM(sub_mr32_b, ALU_SUB, 4, 0, 0)
ALU_MEM(xor_mr32_b, ALU_XOR, 4, 0, 0)
ALU_MEM(add_mi32_b, ALU_ADD, 4, 0, 1)
ALU_MEM(or_mi32_b, ALU_OR, 4, 0, 1)
ALU_MEM(and_mi32_b, ALU_AND, 4, 0, 1)
ALU_MEM(sub_mi32_b, ALU_SUB, 4, 0, 1)
ALU_MEM(xor_mi32_b, ALU_XOR, 4, 0, 1)
ALU_MEM(add_mr32_bi, ALU_ADD, 4, 1, 0)
ALU_MEM(add_mi32_bi, ALU_ADD, 4, 1, 1)
ALU_MEM(sub_mi32_bi, ALU_SUB, 4, 1, 1)
ALU_MEM(adc_mi32_b, ALU_ADC, 4, 0, 1)
ALU_MEM(adc_mr32_b, ALU_ADC, 4, 0, 0)
ALU_MEM(sbb_mi32_b, ALU_SBB, 4, 0, 1)
ALU_MEM(sbb_mr32_b, ALU_SBB, 4, 0, 0)
#undef ALU_MEM

/* ---- the other widths and address forms, the operation read at run time ----
 * Byte and word operands, [disp32] and [index << scale + disp32], and
 * the dword [base + index] forms without a handler above.  Rarer than
 * those, yet each ran the generic handler's per-execution decisions:
 * sort's CMP r8, [m], python's OR r8, [esp + d] and SBB r8, r8, the
 * stack protector's SUB r32, gs:[0x14], sqlite's word compares.  One
 * handler per width and operand form; the operation is a switch on
 * op->sub (alu_mem's and alu_reg's steps with opn not a constant). */

/* reg op= [mem] (r8, r16 or r32 by size), the reference steps out of
 * the fast path's frame */
static E386_NOINLINE const E386Op *any_gm_slow(E386Cpu *cpu, const E386Op *op, int size, uint32_t off)
{
    alu_reg(cpu, op->reg, op->sub, size, seg_read(cpu, op->seg, off, size));
    return op + 1;
}

E386_INLINE const E386Op *any_gm(E386Cpu *cpu, const E386Op *op, int size, int at, int lin, int go)
{
    uint32_t off = mem_off(cpu, op, at);
    uint8_t *p = lin ? lin_host(cpu, off, (uint32_t)size, FH_READ)
                     : flat_host(cpu, op->seg, off, (uint32_t)size, FH_READ);
    if (!p)
        return any_gm_slow(cpu, op, size, off);
    alu_reg(cpu, op->reg, op->sub, size, ld_le(p, size));
    return done(cpu, op + 1, go);
}

/* one line per handler: name, width, address form (, immediate?), with
 * MEM_TWINS' twins; the operation is the op's own (o: their parameter) */
#define ANY_M(name, ...) MEM_TWINS(name, alu_mem, o->sub, __VA_ARGS__)
#define ANY_GM(name, ...) MEM_TWINS(name, any_gm, __VA_ARGS__)
ANY_M(any_mr8_b, 1, MEM_B, 0)      /* [mem] op= reg */
ANY_M(any_mr8_bi, 1, MEM_BI, 0)
ANY_M(any_mr16_b, 2, MEM_B, 0)
ANY_M(any_mr16_bi, 2, MEM_BI, 0)
ANY_M(any_mr32_bi, 4, MEM_BI, 0)
ANY_M(any_mr32_d, 4, MEM_D, 0)
ANY_M(any_mr32_ix, 4, MEM_IX, 0)
ANY_M(any_mi8_b, 1, MEM_B, 1)      /* [mem] op= imm */
ANY_M(any_mi8_bi, 1, MEM_BI, 1)
ANY_M(any_mi16_b, 2, MEM_B, 1)
ANY_M(any_mi16_bi, 2, MEM_BI, 1)
ANY_M(any_mi32_bi, 4, MEM_BI, 1)
ANY_M(any_mi32_d, 4, MEM_D, 1)
ANY_M(any_mi32_ix, 4, MEM_IX, 1)
ANY_GM(any_gm8_b, 1, MEM_B)        /* reg op= [mem] */
ANY_GM(any_gm8_bi, 1, MEM_BI)
ANY_GM(any_gm16_b, 2, MEM_B)
ANY_GM(any_gm16_bi, 2, MEM_BI)
ANY_GM(any_gm32_d, 4, MEM_D)
ANY_GM(any_gm32_ix, 4, MEM_IX)
#undef ANY_M
#undef ANY_GM

/* r8 or r16 op= b: FORM_RR rm op= reg, FORM_GR reg op= rm, FORM_RI rm op=
 * imm, FORM_AI AL or AX op= imm */
E386_INLINE const E386Op *any_reg(E386Cpu *cpu, const E386Op *op, int size, int form)
{
    int dst = form == FORM_RR || form == FORM_RI ? op->rm : form == FORM_GR ? op->reg : 0;
    uint32_t b = form == FORM_RR ? reg_get(cpu, op->reg, size) : form == FORM_GR ? reg_get(cpu, op->rm, size) : op->imm;
    alu_reg(cpu, dst, op->sub, size, b);
    return op + 1;
}

static const E386Op *any_rr8(E386Cpu *c, const E386Op *o) { return any_reg(c, o, 1, FORM_RR); }
static const E386Op *any_gr8(E386Cpu *c, const E386Op *o) { return any_reg(c, o, 1, FORM_GR); }
static const E386Op *any_ri8(E386Cpu *c, const E386Op *o) { return any_reg(c, o, 1, FORM_RI); }
static const E386Op *any_ai8(E386Cpu *c, const E386Op *o) { return any_reg(c, o, 1, FORM_AI); }
static const E386Op *any_rr16(E386Cpu *c, const E386Op *o) { return any_reg(c, o, 2, FORM_RR); }
static const E386Op *any_gr16(E386Cpu *c, const E386Op *o) { return any_reg(c, o, 2, FORM_GR); }
static const E386Op *any_ri16(E386Cpu *c, const E386Op *o) { return any_reg(c, o, 2, FORM_RI); }
static const E386Op *any_ai16(E386Cpu *c, const E386Op *o) { return any_reg(c, o, 2, FORM_AI); }

/* the generic handler each replaces: [width 1, 2][FORM_RR..FORM_AI] */
static const OpFn any_reg_t[2][4] = { { any_rr8, any_gr8, any_ri8, any_ai8 }, { any_rr16, any_gr16, any_ri16, any_ai16 } };
static const OpFn any_reg_generic[4] = { op_alu_EG, op_alu_GE, op_alu_EI, op_alu_AI };
/* [EG, EI, GE][width 1, 2, 4][MEM_B..MEM_IX]; NULL: a handler above, or the generic one */
static const OpFn any_mem_t[3][3][4] = {
    { { any_mr8_b, any_mr8_bi }, { any_mr16_b, any_mr16_bi }, { NULL, any_mr32_bi, any_mr32_d, any_mr32_ix } },
    { { any_mi8_b, any_mi8_bi }, { any_mi16_b, any_mi16_bi }, { NULL, any_mi32_bi, any_mi32_d, any_mi32_ix } },
    { { any_gm8_b, any_gm8_bi }, { any_gm16_b, any_gm16_bi }, { NULL, NULL, any_gm32_d, any_gm32_ix } },
};
static const OpFn any_mem_generic[3] = { op_alu_EG, op_alu_EI, op_alu_GE };

/* op's handler among these, else its own (op is one of the generic four) */
static OpFn alu_any_pick(const E386Op *op)
{
    int w = op->size == 1 ? 0 : op->size == 2 ? 1 : 2;
    OpFn f = NULL;
    if (op->mod == 3 || op->fn == op_alu_AI) {
        int form = op->fn == op_alu_EG ? FORM_RR : op->fn == op_alu_GE ? FORM_GR
                 : op->fn == op_alu_EI ? FORM_RI : FORM_AI;
        f = w < 2 ? any_reg_t[w][form] : NULL;
    } else if (mem_form(op) != MEM_OTHER) {
        f = any_mem_t[op->fn == op_alu_EG ? 0 : op->fn == op_alu_EI ? 1 : 2][w][mem_form(op)];
    }
    return f ? f : op->fn;
}

/* the generic handler f stands for if it is one of these, else f */
static OpFn alu_any_generic(OpFn f)
{
    for (int k = 0; k < 8; k++)
        if (f == any_reg_t[k / 4][k % 4])
            return any_reg_generic[k % 4];
    for (int k = 0; k < 36; k++)
        if (f == any_mem_t[k / 12][k / 4 % 3][k % 4]) /* f is never NULL, an empty slot is */
            return any_mem_generic[k / 12];
    return f;
}

/* TEST r32, r32 and TEST r8, r8 (the zero and sign tests before a jcc) */
static const E386Op *test_rr32(E386Cpu *cpu, const E386Op *op)
{
    cc_set(cpu, CC_LOGIC, 4, cpu->r[op->rm] & cpu->r[op->reg], 0, 0);
    return op + 1;
}

static const E386Op *test_rr8(E386Cpu *cpu, const E386Op *op)
{
    cc_set(cpu, CC_LOGIC, 1, reg_get(cpu, op->rm, 1) & reg_get(cpu, op->reg, 1), 0, 0);
    return op + 1;
}

/* [width 1/4][base, base+index][ALU operation] for r/m, reg (EG) and r/m, imm (EI) */
static OpFn alu_mem_specialize(const E386Op *op)
{
    static const OpFn eg32[2][8] = {
        { add_mr32_b, or_mr32_b, adc_mr32_b, sbb_mr32_b, and_mr32_b, sub_mr32_b, xor_mr32_b, cmp_mr32_b },
        { add_mr32_bi, NULL, NULL, NULL, NULL, NULL, NULL, cmp_mr32_bi },
    };
    static const OpFn ei32[2][8] = {
        { add_mi32_b, or_mi32_b, adc_mi32_b, sbb_mi32_b, and_mi32_b, sub_mi32_b, xor_mi32_b, cmp_mi32_b },
        { add_mi32_bi, NULL, NULL, NULL, NULL, sub_mi32_bi, NULL, cmp_mi32_bi },
    };
    int form = mem_form(op);
    if (form > MEM_BI || op->sub > 7)
        return NULL;
    if (op->size == 4)
        return op->fn == op_alu_EG ? eg32[form][op->sub] : op->fn == op_alu_EI ? ei32[form][op->sub] : NULL;
    if (op->size == 1 && op->sub == ALU_CMP)
        return op->fn == op_alu_EG ? (form == MEM_B ? cmp_mr8_b : cmp_mr8_bi)
             : op->fn == op_alu_EI ? (form == MEM_B ? cmp_mi8_b : cmp_mi8_bi) : NULL;
    return NULL;
}

static OpFn alu_pick(const E386Op *op)
{
    if ((op->fn == op_inc_R || op->fn == op_dec_R) && op->size == 4)
        return op->fn == op_inc_R ? inc_r32 : dec_r32;
    if ((op->fn == op_inc_E || op->fn == op_dec_E) && op->size == 4 && mem_form(op) <= MEM_BI) {
        static const OpFn incdec[2][2] = { { inc_m32_b, dec_m32_b }, { inc_m32_bi, dec_m32_bi } };
        return incdec[mem_form(op)][op->fn == op_dec_E];
    }
    /* [form][ALU operation] */
    static const OpFn fast[6][8] = {
        [FORM_RR] = { add_rr, or_rr, adc_rr, sbb_rr, and_rr, sub_rr, xor_rr, cmp_rr },
        [FORM_GR] = { add_gr, or_gr, adc_gr, sbb_gr, and_gr, sub_gr, xor_gr, cmp_gr },
        [FORM_RI] = { add_ri, or_ri, adc_ri, sbb_ri, and_ri, sub_ri, xor_ri, cmp_ri },
        [FORM_AI] = { add_ai, or_ai, adc_ai, sbb_ai, and_ai, sub_ai, xor_ai, cmp_ai },
        [FORM_GM] = { add_gm, or_gm, adc_gm, sbb_gm, and_gm, sub_gm, xor_gm, cmp_gm },
        [FORM_GMI] = { add_gmi, or_gmi, adc_gmi, sbb_gmi, and_gmi, sub_gmi, xor_gmi, cmp_gmi },
    };
    if (op->fn == op_test_EG && op->mod == 3)
        return op->size == 4 ? test_rr32 : op->size == 1 ? test_rr8 : op->fn;
    int alu = op->fn == op_alu_EG || op->fn == op_alu_GE || op->fn == op_alu_EI || op->fn == op_alu_AI;
    if (!alu || op->sub > 7)
        return op->fn;
    if ((op->fn == op_alu_EG || op->fn == op_alu_EI) && op->mod != 3) {
        OpFn f = alu_mem_specialize(op);
        return f ? f : alu_any_pick(op);
    }
    if (op->size != 4)
        return alu_any_pick(op);
    int form = op->fn == op_alu_AI ? FORM_AI
             : op->fn == op_alu_GE && op->mod != 3 && op->adsize == 4 && op->base != EA_NONE
                   ? (op->index == EA_NONE ? FORM_GM : FORM_GMI)
             : op->mod != 3 ? -1
             : op->fn == op_alu_EG ? FORM_RR
             : op->fn == op_alu_GE ? FORM_GR
             : op->fn == op_alu_EI ? FORM_RI : -1;
    return form >= 0 ? fast[form][op->sub] : alu_any_pick(op); /* r32 op= [disp32], [index << scale + disp32] */
}

int alu_compare_kind(OpFn f)
{
    return f == cmp_rr ? CJ_RR : f == cmp_gr ? CJ_GR : f == cmp_ri ? CJ_RI : f == cmp_ai ? CJ_AI
         : f == cmp_mr32_b ? CJ_MR : f == cmp_mi32_b ? CJ_MI : f == cmp_gm ? CJ_GM
         : f == cmp_mi8_b ? CJ_MI8 : f == test_rr32 ? CJ_TEST : f == test_rr8 ? CJ_TEST8
         : f == cmp_mr8_b ? CJ_MR8 : f == cmp_mr8_bi ? CJ_MR8_BI : f == cmp_mi8_bi ? CJ_MI8_BI
         : f == cmp_mr32_bi ? CJ_MR_BI : f == cmp_mi32_bi ? CJ_MI_BI : -1;
}

void alu_specialize(E386Op *op)
{
    OpFn f = alu_pick(op);
    if (f == op->fn)
        return;
    /* the register forms cannot fault and set every flag from the
     * operands alone, but ADC and SBB read CF; INC/DEC r32 keep CF */
    int alu = op->fn == op_alu_EG || op->fn == op_alu_GE || op->fn == op_alu_EI || op->fn == op_alu_AI;
    int reads_cf = alu && (op->sub == ALU_ADC || op->sub == ALU_SBB);
    op->fx = f == inc_r32 || f == dec_r32                             ? FX_INCDEC
           : !reads_cf && (op->mod == 3 || op->fn == op_alu_AI) ? FX_ALL
                                                                      : FX_ANY;
    op->fn = f;
}

OpFn alu_without_flags(OpFn f)
{
    static const OpFn with[] = {
        add_rr, or_rr, and_rr, sub_rr, xor_rr, add_gr, or_gr, and_gr, sub_gr, xor_gr,
        add_ri, or_ri, and_ri, sub_ri, xor_ri, add_ai, or_ai, and_ai, sub_ai, xor_ai,
        inc_r32, dec_r32, inc_r32_nc, dec_r32_nc,
    };
    static const OpFn without[] = {
        add_rr_nf, or_rr_nf, and_rr_nf, sub_rr_nf, xor_rr_nf, add_gr_nf, or_gr_nf, and_gr_nf, sub_gr_nf, xor_gr_nf,
        add_ri_nf, or_ri_nf, and_ri_nf, sub_ri_nf, xor_ri_nf, add_ai_nf, or_ai_nf, and_ai_nf, sub_ai_nf, xor_ai_nf,
        inc_r32_nf, dec_r32_nf, inc_r32_nf, dec_r32_nf,
    };
    _Static_assert(sizeof with == sizeof without, "one flagless handler each");
    for (size_t k = 0; k < sizeof with / sizeof with[0]; k++)
        if (f == with[k])
            return without[k];
    return NULL;
}

OpFn incdec_without_carry(OpFn f)
{
    return f == inc_r32 ? inc_r32_nc : f == dec_r32 ? dec_r32_nc : NULL;
}

int alu_reg_form(OpFn f, int *opn)
{
    static const OpFn t[8][8] = { /* CJ_RR, CJ_GR, CJ_RI, CJ_AI: alu_pick's register forms */
        { add_rr, or_rr, NULL, NULL, and_rr, sub_rr, xor_rr, cmp_rr },
        { add_gr, or_gr, NULL, NULL, and_gr, sub_gr, xor_gr, cmp_gr },
        { add_ri, or_ri, NULL, NULL, and_ri, sub_ri, xor_ri, cmp_ri },
        { add_ai, or_ai, NULL, NULL, and_ai, sub_ai, xor_ai, cmp_ai },
        /* and without their flag update (FX_DEAD: the caller looks at op->fx) */
        { add_rr_nf, or_rr_nf, NULL, NULL, and_rr_nf, sub_rr_nf, xor_rr_nf, NULL },
        { add_gr_nf, or_gr_nf, NULL, NULL, and_gr_nf, sub_gr_nf, xor_gr_nf, NULL },
        { add_ri_nf, or_ri_nf, NULL, NULL, and_ri_nf, sub_ri_nf, xor_ri_nf, NULL },
        { add_ai_nf, or_ai_nf, NULL, NULL, and_ai_nf, sub_ai_nf, xor_ai_nf, NULL },
    };
    for (int form = 0; form < 8; form++)
        for (int k = 0; k < 8; k++)
            if (t[form][k] && t[form][k] == f) {
                *opn = k;
                return form & 3;
            }
    return -1;
}

/* For the native back end: which operands the handler of op reads and
 * writes, where it is one of this file's (AluInline, ops.h) */
int alu_inline_info(const E386Op *op, AluInline *ai)
{
    static const struct { OpFn f; uint8_t opn, src; } mem[] = { /* dst: the memory operand */
        { cmp_mr32_b, ALU_CMP, ALI_REG }, { cmp_mr32_bi, ALU_CMP, ALI_REG }, { cmp_mi32_b, ALU_CMP, ALI_IMM },
        { cmp_mi32_bi, ALU_CMP, ALI_IMM }, { cmp_mr8_b, ALU_CMP, ALI_REG }, { cmp_mr8_bi, ALU_CMP, ALI_REG },
        { cmp_mi8_b, ALU_CMP, ALI_IMM }, { cmp_mi8_bi, ALU_CMP, ALI_IMM }, { add_mr32_b, ALU_ADD, ALI_REG },
        { or_mr32_b, ALU_OR, ALI_REG }, { and_mr32_b, ALU_AND, ALI_REG }, { sub_mr32_b, ALU_SUB, ALI_REG },
        { xor_mr32_b, ALU_XOR, ALI_REG }, { add_mi32_b, ALU_ADD, ALI_IMM }, { or_mi32_b, ALU_OR, ALI_IMM },
        { and_mi32_b, ALU_AND, ALI_IMM }, { sub_mi32_b, ALU_SUB, ALI_IMM }, { xor_mi32_b, ALU_XOR, ALI_IMM },
        { add_mr32_bi, ALU_ADD, ALI_REG }, { add_mi32_bi, ALU_ADD, ALI_IMM }, { sub_mi32_bi, ALU_SUB, ALI_IMM },
        { adc_mi32_b, ALU_ADC, ALI_IMM }, { adc_mr32_b, ALU_ADC, ALI_REG }, { sbb_mi32_b, ALU_SBB, ALI_IMM },
        { sbb_mr32_b, ALU_SBB, ALI_REG },
    };
    static const OpFn gm[2][8] = { { add_gm, or_gm, adc_gm, sbb_gm, and_gm, sub_gm, xor_gm, cmp_gm },
                                   { add_gmi, or_gmi, adc_gmi, sbb_gmi, and_gmi, sub_gmi, xor_gmi, cmp_gmi } };
    OpFn f = alu_any_generic(op->fn);
    *ai = (AluInline){ ALI_ALU, op->sub, op->size, ALI_RM, ALI_REG };
    /* ADC and SBB's register forms as the generic handlers they replace */
    if (f == op_alu_EG || f == adc_rr || f == sbb_rr)
        return op->sub < 8;
    if (f == op_alu_GE || f == adc_gr || f == sbb_gr)
        return ai->dst = ALI_REG, ai->src = ALI_RM, op->sub < 8;
    if (f == op_alu_EI || f == adc_ri || f == sbb_ri)
        return ai->src = ALI_IMM, op->sub < 8;
    if (f == op_alu_AI || f == adc_ai || f == sbb_ai)
        return ai->dst = ALI_ACC, ai->src = ALI_IMM, op->sub < 8;
    for (size_t k = 0; k < sizeof mem / sizeof mem[0]; k++)
        if (f == mem[k].f)
            return ai->opn = mem[k].opn, ai->src = mem[k].src, 1;
    for (int k = 0; k < 16; k++)
        if (gm[k / 8][k % 8] && f == gm[k / 8][k % 8])
            return ai->opn = (uint8_t)(k % 8), ai->dst = ALI_REG, ai->src = ALI_RM, 1;
    ai->src = ALI_NONE;
    if (f == op_inc_R || f == inc_r32 || f == inc_r32_nc || f == inc_r32_nf)
        return ai->kind = ALI_INCDEC, ai->opn = 0, ai->dst = ALI_SUB, 1;
    if (f == op_dec_R || f == dec_r32 || f == dec_r32_nc || f == dec_r32_nf)
        return ai->kind = ALI_INCDEC, ai->opn = 1, ai->dst = ALI_SUB, 1;
    if (f == op_inc_E || f == inc_m32_b || f == inc_m32_bi)
        return ai->kind = ALI_INCDEC, ai->opn = 0, 1;
    if (f == op_dec_E || f == dec_m32_b || f == dec_m32_bi)
        return ai->kind = ALI_INCDEC, ai->opn = 1, 1;
    if (f == op_neg_E || f == op_not_E)
        return ai->kind = f == op_neg_E ? ALI_NEG : ALI_NOT, 1;
    ai->kind = ALI_TEST;
    ai->src = f == op_test_EG || f == test_rr8 ? ALI_REG : ALI_IMM;
    if (f == op_test_AI)
        ai->dst = ALI_ACC;
    return f == op_test_EG || f == test_rr8 || f == op_test_EI || f == op_test_AI;
}

/* ---- the interpreter's own forms (alu_interp_pick) ----
 * TEST r/m, imm and TEST r16, r16, NEG and NOT of a register: the bit
 * tests of flags words, the sign flips and nonzero tests of integer code
 * (45-55 host instructions a run generic).  The native back end emits
 * these from the generic handlers' names (alu_inline_info, fuse.c), so
 * they are chosen for the interpreter's blocks only (exec.c
 * interp_specialize). */

E386_INLINE const E386Op *test_ri(E386Cpu *cpu, const E386Op *op, int size)
{
    cc_set(cpu, CC_LOGIC, size, reg_get(cpu, op->rm, size) & op->imm & size_mask(size), 0, 0);
    return op + 1;
}

static const E386Op *test_ri8(E386Cpu *c, const E386Op *o) { return test_ri(c, o, 1); }
static const E386Op *test_ri16(E386Cpu *c, const E386Op *o) { return test_ri(c, o, 2); }
static const E386Op *test_ri32(E386Cpu *c, const E386Op *o) { return test_ri(c, o, 4); }

static const E386Op *test_rr16(E386Cpu *cpu, const E386Op *op)
{
    cc_set(cpu, CC_LOGIC, 2, reg_get(cpu, op->rm, 2) & reg_get(cpu, op->reg, 2), 0, 0);
    return op + 1;
}

/* TEST [mem], imm: one host read on flat_host's path, else the
 * reference steps out of the fast path's frame */
static E386_NOINLINE const E386Op *test_mem_slow(E386Cpu *cpu, const E386Op *op, int size, uint32_t off)
{
    test(cpu, size, seg_read(cpu, op->seg, off, size), op->imm);
    return op + 1;
}

E386_INLINE const E386Op *test_mem(E386Cpu *cpu, const E386Op *op, int size, int at, int lin, int go)
{
    uint32_t off = mem_off(cpu, op, at);
    uint8_t *p = lin ? lin_host(cpu, off, (uint32_t)size, FH_READ)
                     : flat_host(cpu, op->seg, off, (uint32_t)size, FH_READ);
    if (!p)
        return test_mem_slow(cpu, op, size, off);
    cc_set(cpu, CC_LOGIC, size, ld_le(p, size) & op->imm & size_mask(size), 0, 0);
    return done(cpu, op + 1, go);
}

/* name, width, address form (with MEM_TWINS' twins) */
#define TEST_M(name, ...) MEM_TWINS(name, test_mem, __VA_ARGS__)
TEST_M(test_mi8_b, 1, MEM_B)
TEST_M(test_mi8_bi, 1, MEM_BI)
TEST_M(test_mi8_d, 1, MEM_D)
TEST_M(test_mi8_ix, 1, MEM_IX)
TEST_M(test_mi16_b, 2, MEM_B)
TEST_M(test_mi16_bi, 2, MEM_BI)
TEST_M(test_mi32_b, 4, MEM_B)
TEST_M(test_mi32_bi, 4, MEM_BI)
TEST_M(test_mi32_d, 4, MEM_D)
TEST_M(test_mi32_ix, 4, MEM_IX)
#undef TEST_M
#define TEST_MEM(X) \
    X(test_mi8_b, 1) X(test_mi8_bi, 1) X(test_mi8_d, 1) X(test_mi8_ix, 1) X(test_mi16_b, 1) X(test_mi16_bi, 1) \
    X(test_mi32_b, 1) X(test_mi32_bi, 1) X(test_mi32_d, 1) X(test_mi32_ix, 1)

/* NEG and NOT of a register: unary_rm's steps */
E386_INLINE const E386Op *negnot_r(E386Cpu *cpu, const E386Op *op, int size, int neg)
{
    uint32_t a = reg_get(cpu, op->rm, size), r = (neg ? 0u - a : ~a) & size_mask(size);
    reg_set(cpu, op->rm, size, r);
    if (neg)
        cc_set(cpu, CC_NEG, size, r, a, 0);
    return op + 1;
}

static const E386Op *neg_r8(E386Cpu *c, const E386Op *o) { return negnot_r(c, o, 1, 1); }
static const E386Op *neg_r16(E386Cpu *c, const E386Op *o) { return negnot_r(c, o, 2, 1); }
static const E386Op *neg_r32(E386Cpu *c, const E386Op *o) { return negnot_r(c, o, 4, 1); }
static const E386Op *not_r8(E386Cpu *c, const E386Op *o) { return negnot_r(c, o, 1, 0); }
static const E386Op *not_r16(E386Cpu *c, const E386Op *o) { return negnot_r(c, o, 2, 0); }
static const E386Op *not_r32(E386Cpu *c, const E386Op *o) { return negnot_r(c, o, 4, 0); }

OpFn alu_interp_pick(const E386Op *op)
{
    int size = op->size, k = size == 1 ? 0 : size == 2 ? 1 : 2;
    if (op->lock || (size != 1 && size != 2 && size != 4))
        return NULL;
    if (op->fn == op_test_EG && op->mod == 3 && size == 2)
        return test_rr16;
    if (op->fn == op_neg_E || op->fn == op_not_E) {
        static const OpFn nn[2][3] = { { not_r8, not_r16, not_r32 }, { neg_r8, neg_r16, neg_r32 } };
        return op->mod == 3 ? nn[op->fn == op_neg_E][k] : NULL;
    }
    if (op->fn != op_test_EI)
        return NULL;
    if (op->mod == 3) {
        static const OpFn ri[3] = { test_ri8, test_ri16, test_ri32 };
        return ri[k];
    }
    static const OpFn mi[3][4] = { { test_mi8_b, test_mi8_bi, test_mi8_d, test_mi8_ix },
                                   { test_mi16_b, test_mi16_bi, NULL, NULL },
                                   { test_mi32_b, test_mi32_bi, test_mi32_d, test_mi32_ix } };
    int form = mem_form(op);
    return form == MEM_OTHER ? NULL : mi[k][form];
}

/* the operation-at-run-time memory forms (ALU_GO_MEM and alu_lin_twin's lists) */
#define ANY_MEM(X) \
    X(any_mr8_b, 1) X(any_mr8_bi, 1) X(any_mr16_b, 1) X(any_mr16_bi, 1) X(any_mr32_bi, 1) X(any_mr32_d, 1) \
    X(any_mr32_ix, 1) X(any_mi8_b, 1) X(any_mi8_bi, 1) X(any_mi16_b, 1) X(any_mi16_bi, 1) X(any_mi32_bi, 1) \
    X(any_mi32_d, 1) X(any_mi32_ix, 1) X(any_gm8_b, 1) X(any_gm8_bi, 1) X(any_gm16_b, 1) X(any_gm16_bi, 1) \
    X(any_gm32_d, 1) X(any_gm32_ix, 1)

/* the memory forms' twins for TB_LIN blocks (ops.h) */
OpFn alu_lin_twin(const E386Op *op)
{
#define T(name) { name, lin_##name },
#define T2(name, n) T(name)
    static const struct { OpFn f, lin; } t[] = {
        T(inc_m32_b) T(dec_m32_b) T(inc_m32_bi) T(dec_m32_bi)
        T(add_gm) T(or_gm) T(and_gm) T(sub_gm) T(xor_gm) T(cmp_gm)
        T(add_gmi) T(or_gmi) T(and_gmi) T(sub_gmi) T(xor_gmi) T(cmp_gmi)
        T(cmp_mr32_b) T(cmp_mr32_bi) T(cmp_mi32_b) T(cmp_mi32_bi) T(cmp_mr8_b) T(cmp_mr8_bi) T(cmp_mi8_b)
        T(cmp_mi8_bi) T(add_mr32_b) T(or_mr32_b) T(and_mr32_b) T(sub_mr32_b) T(xor_mr32_b) T(add_mi32_b)
        T(or_mi32_b) T(and_mi32_b) T(sub_mi32_b) T(xor_mi32_b) T(add_mr32_bi) T(add_mi32_bi) T(sub_mi32_bi)
        T(adc_mi32_b) T(adc_mr32_b) T(sbb_mi32_b) T(sbb_mr32_b) T(adc_gm) T(sbb_gm) T(adc_gmi) T(sbb_gmi)
        ANY_MEM(T2) TEST_MEM(T2)
    };
#undef T
#undef T2
    if (op->mod == 3 || !lin_seg(op)) /* every form here has a memory operand */
        return NULL;
    for (size_t k = 0; k < sizeof t / sizeof t[0]; k++)
        if (op->fn == t[k].f)
            return t[k].lin;
    return NULL;
}

/* go-on twins (ops.h): the generic and register forms through GO_TWIN's call */
#define ALU_GO(X) \
    X(op_alu_EG, 1) X(op_alu_GE, 1) X(op_alu_EI, 1) X(op_alu_AI, 1) X(op_test_EG, 1) X(op_test_EI, 1) \
    X(op_test_AI, 1) X(op_not_E, 1) X(op_neg_E, 1) X(op_inc_E, 1) X(op_dec_E, 1) X(op_inc_R, 1) X(op_dec_R, 1) \
    X(test_rr32, 1) X(test_rr8, 1) \
    X(add_rr, 1) X(or_rr, 1) X(and_rr, 1) X(sub_rr, 1) X(xor_rr, 1) X(cmp_rr, 1) X(adc_rr, 1) X(sbb_rr, 1) \
    X(add_gr, 1) X(or_gr, 1) X(and_gr, 1) X(sub_gr, 1) X(xor_gr, 1) X(cmp_gr, 1) X(adc_gr, 1) X(sbb_gr, 1) \
    X(add_ri, 1) X(or_ri, 1) X(and_ri, 1) X(sub_ri, 1) X(xor_ri, 1) X(cmp_ri, 1) X(adc_ri, 1) X(sbb_ri, 1) \
    X(add_ai, 1) X(or_ai, 1) X(and_ai, 1) X(sub_ai, 1) X(xor_ai, 1) X(cmp_ai, 1) X(adc_ai, 1) X(sbb_ai, 1) \
    X(add_rr_nf, 1) X(or_rr_nf, 1) X(and_rr_nf, 1) X(sub_rr_nf, 1) X(xor_rr_nf, 1) \
    X(add_gr_nf, 1) X(or_gr_nf, 1) X(and_gr_nf, 1) X(sub_gr_nf, 1) X(xor_gr_nf, 1) \
    X(add_ri_nf, 1) X(or_ri_nf, 1) X(and_ri_nf, 1) X(sub_ri_nf, 1) X(xor_ri_nf, 1) \
    X(add_ai_nf, 1) X(or_ai_nf, 1) X(and_ai_nf, 1) X(sub_ai_nf, 1) X(xor_ai_nf, 1) \
    X(any_rr8, 1) X(any_gr8, 1) X(any_ri8, 1) X(any_ai8, 1) X(any_rr16, 1) X(any_gr16, 1) X(any_ri16, 1) X(any_ai16, 1) \
    X(test_ri8, 1) X(test_ri16, 1) X(test_ri32, 1) X(test_rr16, 1) X(neg_r8, 1) X(neg_r16, 1) X(neg_r32, 1) \
    X(not_r8, 1) X(not_r16, 1) X(not_r32, 1)
/* the memory forms, whose twins (and their TB_LIN twins' twins, go_lin_)
 * their templates make (done) */
#define ALU_GO_MEM(X) \
    X(inc_m32_b, 1) X(dec_m32_b, 1) X(inc_m32_bi, 1) X(dec_m32_bi, 1) \
    X(add_gm, 1) X(or_gm, 1) X(and_gm, 1) X(sub_gm, 1) X(xor_gm, 1) X(cmp_gm, 1) \
    X(add_gmi, 1) X(or_gmi, 1) X(and_gmi, 1) X(sub_gmi, 1) X(xor_gmi, 1) X(cmp_gmi, 1) \
    X(cmp_mr32_b, 1) X(cmp_mr32_bi, 1) X(cmp_mi32_b, 1) X(cmp_mi32_bi, 1) X(cmp_mr8_b, 1) X(cmp_mr8_bi, 1) \
    X(cmp_mi8_b, 1) X(cmp_mi8_bi, 1) X(add_mr32_b, 1) X(or_mr32_b, 1) X(and_mr32_b, 1) X(sub_mr32_b, 1) \
    X(xor_mr32_b, 1) X(add_mi32_b, 1) X(or_mi32_b, 1) X(and_mi32_b, 1) X(sub_mi32_b, 1) X(xor_mi32_b, 1) \
    X(add_mr32_bi, 1) X(add_mi32_bi, 1) X(sub_mi32_bi, 1) X(adc_mi32_b, 1) X(adc_mr32_b, 1) \
    X(sbb_mi32_b, 1) X(sbb_mr32_b, 1) X(adc_gm, 1) X(sbb_gm, 1) X(adc_gmi, 1) X(sbb_gmi, 1) \
    ANY_MEM(X) TEST_MEM(X)
/* the register forms whose templates make their twins (done) */
#define ALU_GO_DONE(X) \
    X(inc_r32, 1) X(dec_r32, 1) X(inc_r32_nc, 1) X(dec_r32_nc, 1) X(inc_r32_nf, 1) X(dec_r32_nf, 1)
#define ALU_GO_LIN(h, n) GO_ROW(lin_##h, n)
ALU_GO(GO_TWIN)

const GoTwin *alu_go_twins(size_t *n)
{
    static const GoTwin t[] = { ALU_GO(GO_ROW) ALU_GO_MEM(GO_ROW) ALU_GO_MEM(ALU_GO_LIN) ALU_GO_DONE(GO_ROW) };
    *n = sizeof t / sizeof t[0];
    return t;
}
