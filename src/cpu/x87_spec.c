/* x87 instructions specialised at translation time.
 *
 * op_fpu_esc (x87.c) decodes the escape byte and ModRM at every
 * execution.  For the forms compiled floating-point code is made of --
 * FLD/FST/FSTP of doubles, singles and ST(i), FILD m32, the m80 spills,
 * FADD/FMUL/FSUB(R)/FDIV(R) with a memory or register operand and their
 * popping forms, FXCH, FCHS, FABS, FLD1, FLDZ, FCOMI/FUCOMI(P) -- the
 * decoder picks a handler with the operation fixed.  Each one runs the
 * generic path's steps in the generic order through the same helpers
 * (x87.h), and hands anything out of the ordinary (an empty register, a
 * full stack for a load) to op_fpu_esc before it has changed any state. */
#include "core/ops.h"
#include "cpu/x87_spec.h"

/* a double or single memory operand as load_src takes it: a normal one
 * converted inline, anything else by sf_from_f64/f32 (SNaN kept
 * signalling, a denormal noted in *den) */
E386_INLINE F80 load_src_fast(E386Cpu *cpu, uint32_t lin, int dbl, int *den)
{
    SfCtx t = { 0, 0, 0, 0 };
    F80 v;
    *den = 0;
    if (dbl) {
        uint64_t bits = read64(cpu, lin);
        uint32_t e = (uint32_t)(bits >> 52) & 0x7ff;
        if (e - 1 < 0x7fe)
            return sf_make((int)(bits >> 63), (int)e - 1023 + SF_BIAS, SF_INT_BIT | bits << 11);
        v = sf_from_f64(&t, bits);
    } else {
        v = sf_from_f32(&t, lin_read(cpu, lin, 4));
    }
    *den = (t.flags & SF_DE) != 0;
    if (t.flags & SF_IE)
        v.mant &= ~(1ull << 62);
    return v;
}

/* ---- ST(0) op= m32fp / m64fp (D8 /r, DC /r) ---- */

E386_INLINE const E386Op *arith_mem(E386Cpu *cpu, const E386Op *op, int which, int dbl, int dflt)
{
    Fpu *f = x87_enter(cpu);
    if (is_empty(f, 0))
        return op_fpu_esc(cpu, op);
    uint32_t ea = op_ea(cpu, op), lin = seg_lin_fast(cpu, op->seg, ea, dbl ? 8 : 4, 0);
    int den;
    F80 src = load_src_fast(cpu, lin, dbl, &den);
    SfCtx c = ctx_k(f, dflt);
    F80 a = f->st[phys(f, 0)];
    F80 r = arith_k(&c, which, a, src);
    src_denormal(&c, a, den);
    if (fpu_done_k(f, &c, dflt))
        set_reg(f, 0, r);
    record_ip_mem(cpu, op, ea);
    return op + 1;
}

/* ---- ST(0) op= ST(i) (D8) and ST(i) op= ST(0) [and pop] (DC, DE) ---- */

E386_INLINE const E386Op *arith_st0_sti(E386Cpu *cpu, const E386Op *op, int which, int dflt)
{
    Fpu *f = x87_enter(cpu);
    int i = op->rm;
    if (is_empty(f, 0) || is_empty(f, i))
        return op_fpu_esc(cpu, op);
    SfCtx c = ctx_k(f, dflt);
    F80 r = arith_k(&c, which, f->st[phys(f, 0)], f->st[phys(f, i)]);
    if (fpu_done_k(f, &c, dflt))
        set_reg(f, 0, r);
    record_ip_fast(cpu, op);
    return op + 1;
}

E386_INLINE const E386Op *arith_sti_st0(E386Cpu *cpu, const E386Op *op, int which, int pop, int dflt)
{
    Fpu *f = x87_enter(cpu);
    int i = op->rm;
    if (is_empty(f, 0) || is_empty(f, i))
        return op_fpu_esc(cpu, op);
    SfCtx c = ctx_k(f, dflt);
    /* which is already the swapped operation (DC E0+i is ST(0)-ST(i)) */
    F80 r = arith_k(&c, which, f->st[phys(f, i)], f->st[phys(f, 0)]);
    if (fpu_done_k(f, &c, dflt)) { /* unmasked IE/DE/ZE: no store, no pop */
        set_reg(f, i, r);
        if (pop)
            fpu_pop(f);
    }
    record_ip_fast(cpu, op);
    return op + 1;
}

/* h(cpu, op, ..., dflt) with dflt a constant: the default control word's
 * instance or the general one */
#define DFLT_SPLIT(h, cpu, op, ...) \
    (X87_DEFAULT_CW(&(cpu)->fpu) ? h(cpu, op, __VA_ARGS__, 1) : h(cpu, op, __VA_ARGS__, 0))

#define ARITH_OPS(X) X(add, 0, 0) X(mul, 1, 1) X(sub, 4, 5) X(subr, 5, 4) X(div, 6, 7) X(divr, 7, 6)
#define ARITH_HANDLERS(name, w, sw)                                                                \
    static const E386Op *x87_##name##_m64(E386Cpu *cpu, const E386Op *op)                          \
    {                                                                                              \
        return DFLT_SPLIT(arith_mem, cpu, op, w, 1);                                                           \
    }                                                                                              \
    static const E386Op *x87_##name##_m32(E386Cpu *cpu, const E386Op *op)                          \
    {                                                                                              \
        return DFLT_SPLIT(arith_mem, cpu, op, w, 0);                                                           \
    }                                                                                              \
    static const E386Op *x87_##name##_st0(E386Cpu *cpu, const E386Op *op)                          \
    {                                                                                              \
        return DFLT_SPLIT(arith_st0_sti, cpu, op, w);                                                          \
    }                                                                                              \
    static const E386Op *x87_##name##_sti(E386Cpu *cpu, const E386Op *op)                          \
    {                                                                                              \
        return DFLT_SPLIT(arith_sti_st0, cpu, op, sw, 0);                                                      \
    }                                                                                              \
    static const E386Op *x87_##name##_stip(E386Cpu *cpu, const E386Op *op)                         \
    {                                                                                              \
        return DFLT_SPLIT(arith_sti_st0, cpu, op, sw, 1);                                                      \
    }
ARITH_OPS(ARITH_HANDLERS)

/* ---- loads and stores ---- */

/* FLD m64's other cases, out of the common case's frame: an operand
 * flat_host declines (h NULL), a push that overflows, a special double;
 * go: on to the next op as the go-on twin would (a tail call here, so
 * that the common case keeps no frame) */
static E386_NOINLINE const E386Op *fld_m64_slow(E386Cpu *cpu, const E386Op *op, uint32_t ea, const uint8_t *h,
                                                int go)
{
    Fpu *f = &cpu->fpu;
    uint64_t bits = h ? ld_le(h, 4) | (uint64_t)ld_le(h + 4, 4) << 32
                      : read64(cpu, seg_lin_fast(cpu, op->seg, ea, 8, 0));
    if (f64_normal(bits)) { /* exact, no flag: load_ok's steps for it */
        if (is_empty(f, 7))
            fpu_except(f, 0);
        fpu_push(f, f64_to_f80(bits));
    } else {
        SfCtx c = ctx_of(f);
        F80 v = sf_from_f64(&c, bits);
        if (load_ok(f, &c))
            fpu_push(f, v);
    }
    record_ip_mem(cpu, op, ea);
    return done(cpu, op + 1, go);
}

/* FLD m64: the common case (a normal double into an empty ST(7): exact,
 * no flag, tag valid) pushed inline, the operand through flat_host (the
 * n-body programs' every other instruction: the generic steps made it
 * 170 host instructions); a template with its own go-on twin (done) */
E386_INLINE const E386Op *fld_m64(E386Cpu *cpu, const E386Op *op, int go)
{
    Fpu *f = x87_enter(cpu);
    uint32_t ea = op_ea(cpu, op);
    const uint8_t *h = flat_host(cpu, op->seg, ea, 8, FH_READ);
    if (!h)
        return fld_m64_slow(cpu, op, ea, NULL, go);
    uint64_t bits = ld_le(h, 4) | (uint64_t)ld_le(h + 4, 4) << 32;
    int top = (fp_top(f) - 1) & 7; /* ST(7), the new ST(0) */
    if (!f64_normal(bits) || tag_of(f, top) != TAG_EMPTY)
        return fld_m64_slow(cpu, op, ea, h, go);
    fpu_except(f, 0); /* fpu_push's steps, the tag TAG_VALID */
    f->sw = (uint16_t)((f->sw & ~(SW_C1 | 0x3800)) | top << 11);
    f->st[top] = f64_to_f80(bits);
    f->tw &= (uint16_t)~(3 << (2 * top));
    record_ip_mem(cpu, op, ea);
    return done(cpu, op + 1, go);
}

const E386Op *x87_fld_m64(E386Cpu *cpu, const E386Op *op) { return fld_m64(cpu, op, 0); }
static const E386Op *go_x87_fld_m64(E386Cpu *cpu, const E386Op *op) { return fld_m64(cpu, op, 1); }

static const E386Op *x87_fld_m32(E386Cpu *cpu, const E386Op *op)
{
    Fpu *f = x87_enter(cpu);
    SfCtx c = ctx_of(f);
    F80 v = sf_from_f32(&c, lin_read(cpu, op_lin(cpu, op, 4, 0), 4));
    if (load_ok(f, &c))
        fpu_push(f, v);
    record_ip(cpu, op, 1);
    return op + 1;
}

static const E386Op *x87_fild_m32(E386Cpu *cpu, const E386Op *op)
{
    Fpu *f = x87_enter(cpu);
    fpu_push(f, sf_from_i64((int32_t)lin_read(cpu, op_lin(cpu, op, 4, 0), 4)));
    record_ip(cpu, op, 1);
    return op + 1;
}

static const E386Op *x87_fld_m80(E386Cpu *cpu, const E386Op *op)
{
    Fpu *f = x87_enter(cpu);
    fpu_push(f, read80(cpu, op_lin(cpu, op, 10, 0)));
    record_ip(cpu, op, 1);
    return op + 1;
}

/* FST/FSTP m64 of a non-empty ST(0): x87_store_float's steps (the
 * status word made, the operand checked with the old one: store_check) */
static E386_NOINLINE const E386Op *fst_m64_slow(E386Cpu *cpu, const E386Op *op, int pop, int go)
{
    Fpu *f = &cpu->fpu;
    if (is_empty(f, 0))
        return done(cpu, op_fpu_esc(cpu, op), go);
    uint16_t sw0 = f->sw;
    int dflt = X87_DEFAULT_CW(f);
    SfCtx c = ctx_k(f, dflt);
    uint32_t ea = op_ea(cpu, op), lin = seg_lin_fast(cpu, op->seg, ea, 8, 1);
    F80 v = f->st[phys(f, 0)];
    uint64_t r = sf_is_normal(v) ? sf_to_f64_normal(&c, v) : sf_to_f64(&c, v);
    if (dflt ? fpu_done_k(f, &c, 1) : store_done(f, &c)) {
        store_check(cpu, sw0, lin, 8);
        write64(cpu, lin, r);
        if (pop)
            fpu_pop(f);
    }
    record_ip_mem(cpu, op, ea);
    return done(cpu, op + 1, go);
}

/* the common case inline: Linux's control word, a normal ST(0), an
 * operand flat_host reaches (82 host instructions a run before, most of
 * them a frame for the calls of the rare cases) */
E386_INLINE const E386Op *fst_m64(E386Cpu *cpu, const E386Op *op, int pop, int go)
{
    Fpu *f = x87_enter(cpu);
    if (!X87_DEFAULT_CW(f) || is_empty(f, 0))
        return fst_m64_slow(cpu, op, pop, go);
    F80 v = f->st[phys(f, 0)];
    uint32_t ea = op_ea(cpu, op);
    uint8_t *h = sf_is_normal(v) ? flat_host(cpu, op->seg, ea, 8, FH_WRITE) : NULL;
    if (!h)
        return fst_m64_slow(cpu, op, pop, go);
    SfCtx c = ctx_k(f, 1);
    uint64_t r = sf_to_f64_normal(&c, v);
    st_le(h, 4, (uint32_t)r); /* first: a host fault here (linear memory) is the guest's, nothing changed */
    st_le(h + 4, 4, (uint32_t)(r >> 32));
    fpu_done_k(f, &c, 1);
    if (pop)
        fpu_pop(f);
    record_ip_mem(cpu, op, ea);
    return done(cpu, op + 1, go);
}

static const E386Op *x87_fst_m64(E386Cpu *cpu, const E386Op *op) { return fst_m64(cpu, op, 0, 0); }
static const E386Op *x87_fstp_m64(E386Cpu *cpu, const E386Op *op) { return fst_m64(cpu, op, 1, 0); }
static const E386Op *go_x87_fst_m64(E386Cpu *cpu, const E386Op *op) { return fst_m64(cpu, op, 0, 1); }
static const E386Op *go_x87_fstp_m64(E386Cpu *cpu, const E386Op *op) { return fst_m64(cpu, op, 1, 1); }

static const E386Op *x87_fst_m32(E386Cpu *cpu, const E386Op *op)
{
    x87_enter(cpu);
    x87_store_float(cpu, op, 32, 0);
    record_ip(cpu, op, 1);
    return op + 1;
}

static const E386Op *x87_fstp_m32(E386Cpu *cpu, const E386Op *op)
{
    x87_enter(cpu);
    x87_store_float(cpu, op, 32, 1);
    record_ip(cpu, op, 1);
    return op + 1;
}

static const E386Op *x87_fstp_m80(E386Cpu *cpu, const E386Op *op)
{
    x87_enter(cpu);
    x87_store_float(cpu, op, 80, 1);
    record_ip(cpu, op, 1);
    return op + 1;
}

/* ---- register moves ---- */

static const E386Op *x87_fld_sti(E386Cpu *cpu, const E386Op *op)
{
    Fpu *f = x87_enter(cpu);
    int i = op->rm;
    if (is_empty(f, i))
        return op_fpu_esc(cpu, op);
    fpu_push(f, f->st[phys(f, i)]);
    record_ip_fast(cpu, op);
    return op + 1;
}

static const E386Op *x87_fxch(E386Cpu *cpu, const E386Op *op)
{
    Fpu *f = x87_enter(cpu);
    int i = op->rm;
    if (is_empty(f, 0) || is_empty(f, i))
        return op_fpu_esc(cpu, op);
    F80 a = f->st[phys(f, 0)], b = f->st[phys(f, i)];
    set_reg(f, 0, b);
    set_reg(f, i, a);
    f->sw &= (uint16_t)~SW_C1;
    record_ip_fast(cpu, op);
    return op + 1;
}

E386_INLINE const E386Op *fst_sti(E386Cpu *cpu, const E386Op *op, int pop)
{
    Fpu *f = x87_enter(cpu);
    if (is_empty(f, 0))
        return op_fpu_esc(cpu, op);
    set_reg(f, op->rm, f->st[phys(f, 0)]);
    f->sw &= (uint16_t)~SW_C1;
    if (pop)
        fpu_pop(f);
    record_ip_fast(cpu, op);
    return op + 1;
}

static const E386Op *x87_fst_sti(E386Cpu *cpu, const E386Op *op) { return fst_sti(cpu, op, 0); }
static const E386Op *x87_fstp_sti(E386Cpu *cpu, const E386Op *op) { return fst_sti(cpu, op, 1); }

/* FCHS (sign 0x8000, flip) and FABS (clear) */
E386_INLINE const E386Op *sign_op(E386Cpu *cpu, const E386Op *op, int abs)
{
    Fpu *f = x87_enter(cpu);
    if (is_empty(f, 0))
        return op_fpu_esc(cpu, op);
    F80 a = f->st[phys(f, 0)];
    a.sexp = (uint16_t)(abs ? a.sexp & 0x7fff : a.sexp ^ 0x8000);
    set_reg(f, 0, a);
    f->sw &= (uint16_t)~SW_C1;
    record_ip_fast(cpu, op);
    return op + 1;
}

static const E386Op *x87_fchs(E386Cpu *cpu, const E386Op *op) { return sign_op(cpu, op, 0); }
static const E386Op *x87_fabs(E386Cpu *cpu, const E386Op *op) { return sign_op(cpu, op, 1); }

E386_INLINE const E386Op *fld_const(E386Cpu *cpu, const E386Op *op, int which)
{
    Fpu *f = x87_enter(cpu);
    SfCtx c = ctx_of(f);
    fpu_push(f, sf_const(&c, which)); /* C1 from the push */
    record_ip_fast(cpu, op);
    return op + 1;
}

static const E386Op *x87_fld1(E386Cpu *cpu, const E386Op *op) { return fld_const(cpu, op, SF_C_ONE); }
static const E386Op *x87_fldz(E386Cpu *cpu, const E386Op *op) { return fld_const(cpu, op, SF_C_ZERO); }

/* FUCOMI/FCOMI (DB E8/F0 +i) and their popping forms (DF) */
E386_INLINE const E386Op *fcomi(E386Cpu *cpu, const E386Op *op, int quiet, int pop)
{
    x87_enter(cpu);
    x87_fcomi(cpu, op->rm, quiet, pop);
    record_ip_fast(cpu, op);
    return op + 1;
}

static const E386Op *x87_fucomi_sti(E386Cpu *cpu, const E386Op *op) { return fcomi(cpu, op, 1, 0); }
static const E386Op *x87_fcomi_sti(E386Cpu *cpu, const E386Op *op) { return fcomi(cpu, op, 0, 0); }
static const E386Op *x87_fucomip_sti(E386Cpu *cpu, const E386Op *op) { return fcomi(cpu, op, 1, 1); }
static const E386Op *x87_fcomip_sti(E386Cpu *cpu, const E386Op *op) { return fcomi(cpu, op, 0, 1); }

/* ---- the choice ---- */

#define ARITH_ROW(name, w, sw) { x87_##name##_m32, x87_##name##_m64, x87_##name##_st0, x87_##name##_sti, x87_##name##_stip },
static const OpFn arith_fn[6][5] = { ARITH_OPS(ARITH_ROW) };

static OpFn x87_pick(const E386Op *op)
{
    int esc = op->opcode - 0xd8, reg = op->reg, mem = op->mod != 3;
    if (esc < 0 || esc > 7)
        return NULL;
    static const int8_t row[8] = { 0, 1, -1, -1, 2, 3, 4, 5 }; /* ModRM reg -> arith_fn row */
    if ((esc == 0 || esc == 4 || esc == 6) && row[reg] >= 0) {
        if (mem)
            return esc == 6 ? NULL : arith_fn[row[reg]][esc == 4];
        return arith_fn[row[reg]][esc == 0 ? 2 : esc == 4 ? 3 : 4];
    }
    if (mem) {
        switch (esc << 3 | reg) {
        case 1 << 3 | 0: return x87_fld_m32;
        case 1 << 3 | 2: return x87_fst_m32;
        case 1 << 3 | 3: return x87_fstp_m32;
        case 3 << 3 | 0: return x87_fild_m32;
        case 3 << 3 | 5: return x87_fld_m80;
        case 3 << 3 | 7: return x87_fstp_m80;
        case 5 << 3 | 0: return x87_fld_m64;
        case 5 << 3 | 2: return x87_fst_m64;
        case 5 << 3 | 3: return x87_fstp_m64;
        }
        return NULL;
    }
    switch (esc << 6 | reg << 3 | op->rm) {
    case 1 << 6 | 4 << 3 | 0: return x87_fchs;
    case 1 << 6 | 4 << 3 | 1: return x87_fabs;
    case 1 << 6 | 5 << 3 | 0: return x87_fld1;
    case 1 << 6 | 5 << 3 | 6: return x87_fldz;
    }
    switch (esc << 3 | reg) {
    case 1 << 3 | 0: return x87_fld_sti;
    case 1 << 3 | 1: return x87_fxch;
    case 3 << 3 | 5: return x87_fucomi_sti;
    case 3 << 3 | 6: return x87_fcomi_sti;
    case 5 << 3 | 2: return x87_fst_sti;
    case 5 << 3 | 3: return x87_fstp_sti;
    case 7 << 3 | 5: return x87_fucomip_sti;
    case 7 << 3 | 6: return x87_fcomip_sti;
    }
    return NULL;
}

int x87_arith_form(OpFn f, int *which)
{
    static const int8_t w[6] = { 0, 1, 4, 5, 6, 7 }, sw[6] = { 0, 1, 5, 4, 7, 6 };
    for (int r = 0; r < 6; r++)
        for (int k = 0; k < 5; k++)
            if (arith_fn[r][k] == f) {
                *which = k >= X87F_STI ? sw[r] : w[r];
                return k;
            }
    return -1;
}

void x87_specialize(E386Op *op)
{
    if (op->fn != op_fpu_esc)
        return;
    /* record_ip's FOP, made once (x87_op_fop) */
    op->imm = ((op->sub & 7u) << 8) | (op->mod << 6) | ((unsigned)op->reg << 3) | op->rm;
    OpFn f = x87_pick(op);
    if (f)
        op->fn = f;
}

/* go-on twins (ops.h): every handler x87_pick chooses */
#define X87_ARITH_GO(name, w, sw) \
    X87_GO_ONE(x87_##name##_m32) X87_GO_ONE(x87_##name##_m64) X87_GO_ONE(x87_##name##_st0) \
    X87_GO_ONE(x87_##name##_sti) X87_GO_ONE(x87_##name##_stip)
#define X87_GO(X) \
    X(x87_fld_m32, 1) X(x87_fild_m32, 1) X(x87_fld_m80, 1) X(x87_fst_m32, 1) X(x87_fstp_m32, 1) \
    X(x87_fstp_m80, 1) X(x87_fld_sti, 1) \
    X(x87_fxch, 1) X(x87_fst_sti, 1) X(x87_fstp_sti, 1) X(x87_fchs, 1) X(x87_fabs, 1) X(x87_fld1, 1) \
    X(x87_fldz, 1) X(x87_fucomi_sti, 1) X(x87_fcomi_sti, 1) X(x87_fucomip_sti, 1) X(x87_fcomip_sti, 1)
/* the templates that make their own (done) */
#define X87_GO_DONE(X) X(x87_fld_m64, 1) X(x87_fst_m64, 1) X(x87_fstp_m64, 1)
#define X87_GO_ONE(h) GO_TWIN(h, 1)
X87_GO(GO_TWIN)
ARITH_OPS(X87_ARITH_GO)
#undef X87_GO_ONE

const GoTwin *x87_go_twins(size_t *n)
{
#define X87_GO_ONE(h) GO_ROW(h, 1)
    static const GoTwin t[] = { X87_GO(GO_ROW) ARITH_OPS(X87_ARITH_GO) X87_GO_DONE(GO_ROW) };
#undef X87_GO_ONE
    *n = sizeof t / sizeof t[0];
    return t;
}
