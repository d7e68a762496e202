/* Fused x87 runs: FLD m64, an arithmetic op with a double operand, and
 * optionally a popping ST(i),ST(0) arithmetic, as one op.
 *
 * The specialised handlers (x87_spec.c) each pay the x87's bookkeeping:
 * the entry checks, the context from the control word, the pushed value
 * and its tag stored, the last-instruction pointers written.  Compiled
 * code's inner loops are short chains -- matmul's `fldl (%edx); fmull
 * (%eax); faddp`, n-body's `fldl; fsubl` -- whose intermediate value
 * nothing can observe: the run keeps it in a local, builds the context
 * once and writes TOP, the registers, the tags and FIP/FOP/FDP once.
 * The status word's flags and C1 go to the Fpu as each step finishes
 * (through fpu_done, as the handlers do), so that they are exact at
 * every point where the run can stop.
 *
 * Integer ops between the x87 ones (the loop's pointer increments) run
 * in their place, through their own handlers: the translator lets only
 * ones whose FX_* class is not FX_ANY, which touch registers and flags
 * alone and never fault.  A memory operand is read only by probe64, which cannot fault;
 * when it cannot answer, or the operand is not a normal double, or a
 * register is empty, or a step leaves an unmasked exception pending (the
 * next x87 instruction raises #MF), the run writes back what the
 * instructions before that point did and returns that point's op, whose
 * own handler does the rest: a fault or #MF is then taken with exactly
 * the state the per-instruction handlers give there. */
#include "cpu/x87_spec.h"

E386_INLINE void put_reg(Fpu *f, int p, F80 v, int tag)
{
    f->st[p] = v;
    f->tw = (uint16_t)((f->tw & ~(3 << (2 * p))) | (tag << (2 * p)));
}

/* fpu_done_k (x87_spec.h) on the status word sw the run keeps */
E386_INLINE int step_done(Fpu *f, uint16_t *sw, const SfCtx *c, int dflt)
{
    if (dflt) {
        *sw = (uint16_t)((*sw & ~SW_C1) | (c->c1 ? SW_C1 : 0) | (c->flags & 0x7f));
        return 1;
    }
    f->sw = *sw;
    int ok = fpu_done(f, c);
    *sw = f->sw;
    return ok;
}

/* the state after the FLD and, if it ran, the arithmetic: v in physical
 * register p, which is the new top */
static void commit_push(E386Cpu *cpu, const E386Op *last, uint32_t ea, uint16_t sw, int p, F80 v)
{
    Fpu *f = &cpu->fpu;
    f->sw = sw;
    put_reg(f, p, v, classify_tag(v));
    set_top(f, p);
    record_ip_mem(cpu, last, ea);
}

/* a run's shape, in its FLD's imm (below) */
static inline unsigned run_k1(const E386Op *op) { return op->imm >> 16 & 15; }
static inline unsigned run_k2(const E386Op *op) { return op->imm >> 20 & 15; }
static inline int run_w1(const E386Op *op) { return (int)(op->imm >> 24 & 15); }
static inline int run_w2(const E386Op *op) { return (int)(op->imm >> 28); }

/* The run's FLD keeps its FOP in op->imm's low bits (x87_op_fop); above
 * them: k1 << 16 | k2 << 20 | w1 << 24 | w2 << 28, the arithmetic ops'
 * distances from the FLD (k2 = 0: none) and their operations, which the
 * callers pass as constants where they can (w < 0: read op->imm); dflt:
 * the control word is Linux's default (RC nearest, PC 64, all exceptions
 * masked), so the context is a constant as well */
E386_INLINE const E386Op *run_ld_arith(E386Cpu *cpu, const E386Op *op, int w1, int w2, int dflt)
{
    Fpu *f = x87_enter(cpu);
    uint32_t ea = op_ea(cpu, op);
    uint64_t bits;
    if (!is_empty(f, 7) || !probe64(cpu, op->seg, ea, &bits) || !f64_normal(bits))
        return x87_fld_m64(cpu, op);
    /* FLD m64 of a normal double with room on the stack: exact, no flag,
     * C1 = 0 (fpu_push) */
    const SfCtx c0 = ctx_k(f, dflt);
    int p = (fp_top(f) - 1) & 7;
    F80 v = f64_to_f80(bits);
    uint16_t sw = (uint16_t)(f->sw & ~SW_C1);
    /* load_ok's fpu_except(f, 0): a flag left pending unmasked without ES
     * (the state API can set that) sets ES, and the next op raises #MF */
    if (!dflt && (sw & ~f->cw & 0x3f)) {
        sw |= SW_ES | SW_B;
        commit_push(cpu, op, ea, sw, p, v);
        return op + 1;
    }
    unsigned k1 = run_k1(op), k2 = run_k2(op);
    const E386Op *o = op + 1, *o1 = op + k1;
    for (; o < o1; o++)
        o->fn(cpu, o);
    /* ST(0) op= m64 */
    uint32_t ea1 = op_ea(cpu, o1);
    if (!probe64(cpu, o1->seg, ea1, &bits) || !f64_normal(bits)) {
        commit_push(cpu, op, ea, sw, p, v);
        return o1;
    }
    SfCtx c = c0;
    F80 r = arith_k(&c, w1 >= 0 ? w1 : run_w1(op), v, f64_to_f80(bits));
    if (step_done(f, &sw, &c, dflt)) /* unmasked IE/DE/ZE: no store */
        v = r;
    if (!k2 || (!dflt && (sw & SW_ES))) {
        commit_push(cpu, o1, ea1, sw, p, v);
        return o1 + 1;
    }
    const E386Op *o2 = op + k2;
    for (o = o1 + 1; o < o2; o++)
        o->fn(cpu, o);
    /* ST(i) op= ST(0), pop (i >= 1: the register below the pushed one) */
    int q = (p + o2->rm) & 7;
    if (tag_of(f, q) == TAG_EMPTY) {
        commit_push(cpu, o1, ea1, sw, p, v);
        return o2;
    }
    c = c0;
    r = arith_k(&c, w2 >= 0 ? w2 : run_w2(op), f->st[q], v);
    if (step_done(f, &sw, &c, dflt)) {
        f->sw = sw;
        put_reg(f, q, r, classify_tag(r));
        put_reg(f, p, v, TAG_EMPTY); /* popped: the value stays in the register */
        set_top(f, p + 1);
    } else { /* no store, no pop */
        f->sw = sw;
        put_reg(f, p, v, classify_tag(v));
        set_top(f, p);
    }
    record_ip_mem(cpu, o1, ea1); /* FDP/FDS: the last memory operand's */
    record_ip_fast(cpu, o2);
    return o2 + 1;
}

/* The common case, checked whole before anything runs: the default
 * control word, the arithmetic right after the FLD (k1 = 1: both
 * addresses are known at the start), both doubles probed and normal, room
 * for the push and, for a popping step, ST(i) in use and normal.  Nothing
 * can stop the run then (with every exception masked no step withholds
 * its result or leaves one pending), so the steps run on locals and the
 * state is written once: the status word, the registers and their tags
 * (TOP moves only without the popping step) and the last-instruction
 * pointers.
 * Returns NULL, having changed nothing, when the run needs run_ld_arith's
 * step-by-step checks. */
E386_INLINE const E386Op *run_straight(E386Cpu *cpu, const E386Op *op, int w1, int w2)
{
    Fpu *f = &cpu->fpu;
    unsigned k1 = run_k1(op), k2 = run_k2(op);
    const E386Op *o1 = op + 1, *o2 = op + k2;
    int p = (fp_top(f) - 1) & 7, q = (p + o2->rm) & 7;
    uint64_t b0, b1;
    uint32_t ea1 = op_ea(cpu, o1);
    if (k1 != 1 || tag_of(f, p) != TAG_EMPTY || (k2 && (tag_of(f, q) == TAG_EMPTY || !sf_is_normal(f->st[q]))) ||
        !probe64(cpu, op->seg, op_ea(cpu, op), &b0) || !probe64(cpu, o1->seg, ea1, &b1) || !f64_normal(b0) ||
        !f64_normal(b1))
        return NULL;
    SfCtx c = { 0, 3, 0, 0 };
    F80 v = arith_normal(&c, w1 >= 0 ? w1 : run_w1(op), f64_to_f80(b0), f64_to_f80(b1));
    unsigned flags = c.flags;
    if (!k2) {
        f->sw = (uint16_t)((f->sw & ~(SW_C1 | 0x3800)) | (c.c1 ? SW_C1 : 0) | (flags & 0x7f) | p << 11);
        put_reg(f, p, v, classify_tag(v));
        f->fip = o1->eip;
        f->fop = x87_op_fop(o1);
    } else {
        for (const E386Op *o = o1 + 1; o < o2; o++)
            o->fn(cpu, o);
        c = (SfCtx){ 0, 3, 0, 0 };
        /* a dot product's accumulation, with the addition that does not
         * branch on the terms' signs; a product of two normal doubles is
         * normal (its exponent is far inside the extended range) */
        F80 r = w2 == 0 && (w1 == 1 || sf_is_normal(v)) ? sf_add_normal_mixed(&c, f->st[q], v, 0)
                                                       : arith_k(&c, w2 >= 0 ? w2 : run_w2(op), f->st[q], v);
        f->sw = (uint16_t)((f->sw & ~SW_C1) | (c.c1 ? SW_C1 : 0) | ((flags | c.flags) & 0x7f));
        put_reg(f, q, r, classify_tag(r));
        f->st[p] = v; /* pushed and popped: empty, the value stays */
        f->fip = o2->eip;
        f->fop = x87_op_fop(o2);
    }
    f->fcs = cpu->seg[SEG_CS].sel;
    f->fdp = ea1;
    f->fds = cpu->seg[o1->seg].sel;
    return (k2 ? o2 : o1) + 1;
}

/* the step-by-step run, under the default control word or not, out of
 * line so that run_straight's callers stay small */
static E386_NOINLINE const E386Op *ld_arith_steps(E386Cpu *cpu, const E386Op *op)
{
    if (X87_DEFAULT_CW(&cpu->fpu))
        return run_ld_arith(cpu, op, -1, -1, 1);
    return run_ld_arith(cpu, op, -1, -1, 0);
}

static E386_NOINLINE const E386Op *ld_mul_add_steps(E386Cpu *cpu, const E386Op *op)
{
    if (X87_DEFAULT_CW(&cpu->fpu))
        return run_ld_arith(cpu, op, 1, 0, 1);
    return run_ld_arith(cpu, op, 1, 0, 0);
}

/* any FLD m64 run */
static const E386Op *x87_run_ld_arith(E386Cpu *cpu, const E386Op *op)
{
    x87_enter(cpu);
    const E386Op *n = X87_DEFAULT_CW(&cpu->fpu) ? run_straight(cpu, op, -1, -1) : NULL;
    return n ? n : ld_arith_steps(cpu, op);
}

/* the dot product's FLD, FMUL m64, FADDP */
static const E386Op *x87_run_ld_mul_add(E386Cpu *cpu, const E386Op *op)
{
    x87_enter(cpu);
    const E386Op *n = X87_DEFAULT_CW(&cpu->fpu) ? run_straight(cpu, op, 1, 0) : NULL;
    return n ? n : ld_mul_add_steps(cpu, op);
}

/* ops that may sit inside a run: register-only, flags at most, no fault */
static int passive(const E386Op *o)
{
    return FX_CLASS(o->fx) != FX_ANY;
}

/* the next op from i on that is not passive (at most 4 skipped), or -1 */
static int next_active(const E386Op *ops, int i, int n)
{
    for (int k = 0; i < n && k <= 4; i++, k++)
        if (!passive(&ops[i]))
            return i;
    return -1;
}

int x87_run_span(const E386Op *op)
{
    if (op->fn != x87_run_ld_mul_add && op->fn != x87_run_ld_arith)
        return 0;
    unsigned k1 = run_k1(op), k2 = run_k2(op);
    return (int)(k2 > k1 ? k2 : k1);
}

void x87_fuse_runs(E386Op *ops, int ninsns)
{
    for (int i = 0; i < ninsns; i++) {
        if (ops[i].fn != x87_fld_m64 || (ops[i].fx & FX_INEXACT))
            continue;
        int w1, w2, j = next_active(ops, i + 1, ninsns);
        if (j < 0 || j - i > 15 || x87_arith_form(ops[j].fn, &w1) != X87F_M64 || (ops[j].fx & FX_INEXACT))
            continue;
        int k = next_active(ops, j + 1, ninsns);
        if (k < 0 || k - i > 15 || x87_arith_form(ops[k].fn, &w2) != X87F_STIP || ops[k].rm == 0 ||
            (ops[k].fx & FX_INEXACT))
            k = i, w2 = 0; /* the pair alone */
        ops[i].imm = (ops[i].imm & 0xffff) | (uint32_t)(j - i) << 16 | (uint32_t)(k - i) << 20 | (uint32_t)w1 << 24 |
                      (uint32_t)w2 << 28;
        ops[i].fn = k > i && w1 == 1 && w2 == 0 ? x87_run_ld_mul_add : x87_run_ld_arith;
        i = k > i ? k : j;
    }
}
