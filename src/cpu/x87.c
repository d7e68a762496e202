/* x87 instructions: stack, tags, status/control words and the D8-DF escape
 * decoding.  All arithmetic is done by the soft-float module (src/fpu/);
 * no host floating point is used. */
#include "core/ops.h"
#include "cpu/x87.h"
#include "fpu/sf_internal.h"

static const F80 f80_one = { 0x8000000000000000ull, 0x3fff };
static const F80 f80_zero = { 0, 0 };

/* FXTRACT (and FPTAN, FSINCOS) replace ST(0) and push a second result.
 * The x87 checks for a full stack first: IE, SF, C1 = 1 and, masked, two
 * indefinites where ST(0) was and above it; unmasked, nothing changes. */
static int two_results_overflow(Fpu *f)
{
    if (is_empty(f, 7))
        return 0;
    f->sw |= SW_C1;
    if (fpu_except(f, SW_IE | SW_SF))
        return 1;
    set_reg(f, 0, sf_indefinite());
    set_top(f, fp_top(f) - 1);
    set_reg(f, 0, sf_indefinite());
    return 1;
}

static void set_cc(Fpu *f, unsigned c3, unsigned c2, unsigned c1, unsigned c0)
{
    f->sw = (uint16_t)((f->sw & ~(SW_C0 | SW_C1 | SW_C2 | SW_C3)) | (c0 ? SW_C0 : 0) |
                       (c1 ? SW_C1 : 0) | (c2 ? SW_C2 : 0) | (c3 ? SW_C3 : 0));
}

/* ---- memory operands ---- */

enum { M_F32, M_I32, M_F64, M_I16 }; /* the D8/DA/DC/DE arithmetic sources */

static F80 load_mem(E386Cpu *cpu, const E386Op *op, int kind, SfCtx *c)
{
    uint32_t lin = op_lin(cpu, op, kind == M_F64 ? 8 : kind == M_I16 ? 2 : 4, 0);
    switch (kind) {
    case M_F32: return sf_from_f32(c, lin_read(cpu, lin, 4));
    case M_I32: return sf_from_i64((int32_t)lin_read(cpu, lin, 4));
    case M_I16: return sf_from_i64((int16_t)lin_read(cpu, lin, 2));
    default: {
        uint64_t lo = lin_read(cpu, lin, 4), hi = lin_read(cpu, lin + 4, 4);
        return sf_from_f64(c, lo | hi << 32);
    }
    }
}

/* An arithmetic or compare source from memory.  The x87 takes a single or
 * double operand as it is: a signalling NaN stays signalling for the
 * operation's NaN rules, and a denormal one raises DE only where the
 * operation checks for denormals (not when it is invalid, divides by
 * zero or meets a NaN).  *den tells the caller. */
static F80 load_src(E386Cpu *cpu, const E386Op *op, int kind, int *den)
{
    SfCtx t;
    memset(&t, 0, sizeof t);
    F80 v = load_mem(cpu, op, kind, &t);
    *den = (t.flags & SF_DE) != 0;
    if (t.flags & SF_IE)
        v.mant &= ~(1ull << 62);
    return v;
}

/* ---- arithmetic ---- */


/* The compares: ST(0) with b (empty: either operand is).  The FCOM family
 * sets C3 C2 C0 and clears C1; the FCOMI family sets ZF PF CF, clears OF
 * SF AF and leaves C1 alone but for a stack underflow.  The x87 writes the
 * result (unordered for a NaN or an empty operand) also when the
 * exception is unmasked, but then does not pop (measured). */
static void do_compare(E386Cpu *cpu, F80 b, int empty, int quiet, int den, int eflags, int pops)
{
    Fpu *f = &cpu->fpu;
    SfCtx c = ctx_of(f);
    int r = SF_UN, stop;
    if (empty) {
        stop = !underflow(f);
    } else {
        F80 a = f->st[phys(f, 0)];
        r = sf_compare(&c, a, b, quiet);
        src_denormal(&c, a, den);
        stop = fpu_except(f, c.flags);
        if (!eflags)
            f->sw &= (uint16_t)~SW_C1;
    }
    if (eflags)
        cc_write(cpu, F_ARITH, (r == SF_EQ || r == SF_UN ? F_ZF : 0) | (r == SF_UN ? F_PF : 0) |
                                   (r == SF_LT || r == SF_UN ? F_CF : 0));
    else
        set_cc(f, r == SF_EQ || r == SF_UN, r == SF_UN, 0, r == SF_LT || r == SF_UN);
    while (!stop && pops-- > 0)
        fpu_pop(f);
}

/* ST(0) op= source, or FCOM/FCOMP; source from memory (den: a denormal
 * single/double) or ST(i). */
static void arith_st0(E386Cpu *cpu, int which, F80 src, int src_empty, int den)
{
    Fpu *f = &cpu->fpu;
    SfCtx c = ctx_of(f);
    if (which == 2 || which == 3) {
        do_compare(cpu, src, is_empty(f, 0) || src_empty, 0, den, 0, which == 3);
        return;
    }
    if (is_empty(f, 0) || src_empty) {
        if (underflow(f))
            set_reg(f, 0, sf_indefinite());
        return;
    }
    F80 a = f->st[phys(f, 0)];
    F80 r = x87_arith(&c, which, a, src);
    src_denormal(&c, a, den);
    if (fpu_done(f, &c))
        set_reg(f, 0, r);
}

/* ST(i) op= ST(0) (DC/DE register forms, reversed sub/div as the SDM lists). */
static void arith_sti(E386Cpu *cpu, int which, int i, int pop)
{
    Fpu *f = &cpu->fpu;
    SfCtx c = ctx_of(f);
    if (is_empty(f, 0) || is_empty(f, i)) {
        if (!underflow(f))
            return; /* unmasked: no pop either */
        set_reg(f, i, sf_indefinite());
    } else {
        static const int swap[8] = { 0, 1, 2, 3, 5, 4, 7, 6 };
        F80 r = x87_arith(&c, swap[which], f->st[phys(f, i)], f->st[phys(f, 0)]);
        /* DC E0+i is FSUBR ST(i),ST(0) = ST(0)-ST(i): arith(5) gives b-a */
        if (!fpu_done(f, &c))
            return;
        set_reg(f, i, r);
    }
    if (pop)
        fpu_pop(f);
}

static void store_int(E386Cpu *cpu, const E386Op *op, int bits, int pop)
{
    Fpu *f = &cpu->fpu;
    uint16_t sw0 = f->sw;
    SfCtx c = ctx_of(f);
    uint32_t lin = op_lin(cpu, op, (uint32_t)bits / 8, 1);
    int64_t v;
    if (is_empty(f, 0)) {
        if (!underflow(f))
            return;
        v = bits == 16 ? -32768 : bits == 32 ? INT32_MIN : INT64_MIN;
    } else {
        v = sf_to_int(&c, f->st[phys(f, 0)], bits, 0);
        if (!fpu_done(f, &c))
            return;
    }
    store_check(cpu, sw0, lin, (uint32_t)bits / 8);
    if (bits == 64)
        write64(cpu, lin, (uint64_t)v);
    else
        lin_write(cpu, lin, bits / 8, (uint32_t)v);
    if (pop)
        fpu_pop(f);
}

void x87_store_float(E386Cpu *cpu, const E386Op *op, int kind, int pop)
{
    Fpu *f = &cpu->fpu;
    uint16_t sw0 = f->sw;
    SfCtx c = ctx_of(f);
    uint32_t len = kind == 80 ? 10 : (uint32_t)kind / 8, lin = op_lin(cpu, op, len, 1);
    F80 v = f->st[phys(f, 0)];
    if (is_empty(f, 0)) {
        if (!underflow(f))
            return;
        v = sf_indefinite();
    }
    if (kind == 80) {
        store_check(cpu, sw0, lin, len); /* an empty ST(0)'s underflow */
        write80(cpu, lin, v);
        f->sw &= (uint16_t)~SW_C1;
    } else if (kind == 32) {
        uint32_t r = sf_to_f32(&c, v);
        if (!store_done(f, &c)) return;
        store_check(cpu, sw0, lin, len);
        lin_write(cpu, lin, 4, r);
    } else {
        uint64_t r = sf_to_f64(&c, v);
        if (!store_done(f, &c)) return;
        store_check(cpu, sw0, lin, len);
        write64(cpu, lin, r);
    }
    if (pop)
        fpu_pop(f);
}

/* ---- the escape opcodes ---- */

void x87_fcomi(E386Cpu *cpu, int i, int quiet, int pop)
{
    Fpu *f = &cpu->fpu;
    do_compare(cpu, f->st[phys(f, i)], is_empty(f, 0) || is_empty(f, i), quiet, 0, 1, pop);
}

/* FST/FSTP ST(i) */
static void fst_reg(Fpu *f, int i, int pop)
{
    if (is_empty(f, 0)) {
        if (!underflow(f))
            return;
        set_reg(f, i, sf_indefinite());
    } else {
        set_reg(f, i, f->st[phys(f, 0)]);
        f->sw &= (uint16_t)~SW_C1;
    }
    if (pop)
        fpu_pop(f);
}

static void fxch(Fpu *f, int i)
{
    if (is_empty(f, 0) || is_empty(f, i)) {
        if (!underflow(f))
            return;
        if (is_empty(f, 0)) set_reg(f, 0, sf_indefinite());
        if (is_empty(f, i)) set_reg(f, i, sf_indefinite());
    }
    F80 a = f->st[phys(f, 0)], b = f->st[phys(f, i)];
    set_reg(f, 0, b);
    set_reg(f, i, a);
    f->sw &= (uint16_t)~SW_C1;
}

/* D9 E0-FF and the other one-operand forms on ST(0) */
static void unary(E386Cpu *cpu, int code)
{
    Fpu *f = &cpu->fpu;
    SfCtx c = ctx_of(f);
    F80 a = f->st[phys(f, 0)], r, r2;
    int empty0 = is_empty(f, 0);
    switch (code) {
    case 0x28: case 0x29: case 0x2a: case 0x2b: case 0x2c: case 0x2d: case 0x2e: {
        static const int which[7] = { SF_C_ONE, SF_C_L2T, SF_C_L2E, SF_C_PI, SF_C_LG2, SF_C_LN2, SF_C_ZERO };
        fpu_push(f, sf_const(&c, which[code - 0x28])); /* C1 from the push */
        return;
    }
    case 0x36: set_top(f, fp_top(f) - 1); f->sw &= (uint16_t)~SW_C1; return; /* fdecstp */
    case 0x37: set_top(f, fp_top(f) + 1); f->sw &= (uint16_t)~SW_C1; return; /* fincstp */
    case 0x25: { /* fxam: works on empty registers too */
        int cls = empty0 ? 0x4100 : sf_classify(a);
        set_cc(f, (cls >> 14) & 1, (cls >> 10) & 1, a.sexp >> 15, (cls >> 8) & 1);
        return;
    }
    }
    if (code == 0x24 && empty0) {
        do_compare(cpu, f80_zero, 1, 0, 0, 0, 0);
        return;
    }
    if (empty0) {
        if (!underflow(f)) {
            /* unmasked: nothing stored, nothing popped */
        } else if (code == 0x31 || code == 0x33 || code == 0x39) {
            set_reg(f, 1, sf_indefinite()); /* fyl2x fpatan fyl2xp1: into ST(1), popped */
            fpu_pop(f);
        } else {
            set_reg(f, 0, sf_indefinite());
            if (code == 0x34 || code == 0x32 || code == 0x3b) { /* the second indefinite */
                set_top(f, fp_top(f) - 1);
                set_reg(f, 0, sf_indefinite());
            }
        }
        if (code == 0x32 || code == 0x3b || code == 0x3e || code == 0x3f || code == 0x35 || code == 0x38)
            f->sw &= (uint16_t)~SW_C2;
        return;
    }
    switch (code) {
    case 0x20: a.sexp ^= 0x8000; set_reg(f, 0, a); f->sw &= (uint16_t)~SW_C1; return; /* fchs */
    case 0x21: a.sexp &= 0x7fff; set_reg(f, 0, a); f->sw &= (uint16_t)~SW_C1; return; /* fabs */
    case 0x24: do_compare(cpu, f80_zero, 0, 0, 0, 0, 0); return; /* ftst */
    case 0x30: r = sf_f2xm1(&c, a); break;
    case 0x3a: r = sf_sqrt(&c, a); break;
    case 0x3c: r = sf_round_to_int(&c, a); break;
    case 0x3e: case 0x3f: { /* fsin, fcos */
        int out = code == 0x3e ? sf_fsin(&c, a, &r) : sf_fcos(&c, a, &r);
        if (out) { set_cc(f, (f->sw >> 14) & 1, 1, 0, f->sw >> 8 & 1); return; }
        if (fpu_done(f, &c)) set_reg(f, 0, r);
        f->sw &= (uint16_t)~SW_C2;
        return;
    }
    case 0x32: case 0x3b: case 0x34: /* fptan, fsincos, fxtract: two results */
        if (code != 0x34)
            f->sw &= (uint16_t)~SW_C2;
        if (two_results_overflow(f)) return;
        if (code == 0x32) {
            if (sf_fptan(&c, a, &r)) { f->sw |= SW_C2; return; }
            r2 = sf_is_nan(r) ? r : f80_one; /* a NaN operand: the NaN twice (measured) */
        } else if (code == 0x3b) {
            if (sf_fsincos(&c, a, &r, &r2)) { f->sw |= SW_C2; return; }
        } else {
            sf_xtract(&c, a, &r, &r2);
        }
        if (!fpu_done(f, &c)) return;
        set_reg(f, 0, r);
        /* the push cannot overflow (checked above) and keeps the C1 of
         * the result (fpu_push would clear it) */
        set_top(f, fp_top(f) - 1);
        set_reg(f, 0, r2);
        return;
    default: { /* two-operand forms with ST(1) */
        if (is_empty(f, 1)) {
            if (code == 0x35 || code == 0x38)
                f->sw &= (uint16_t)~SW_C2;
            if (underflow(f)) {
                if (code == 0x31 || code == 0x33 || code == 0x39) { set_reg(f, 1, sf_indefinite()); fpu_pop(f); }
                else set_reg(f, 0, sf_indefinite());
            }
            return;
        }
        F80 b = f->st[phys(f, 1)];
        switch (code) {
        case 0x31: r = sf_fyl2x(&c, a, b); break;
        case 0x39: r = sf_fyl2xp1(&c, a, b); break;
        case 0x33: r = sf_fpatan(&c, b, a); break;
        case 0x3d: r = sf_scale(&c, a, b); if (fpu_done(f, &c)) set_reg(f, 0, r); return;
        default: { /* 0x35 fprem1, 0x38 fprem */
            uint32_t q = 0;
            int partial = 0;
            r = sf_prem(&c, a, b, code == 0x35, &q, &partial);
            f->sw &= (uint16_t)~SW_C2;
            if (!fpu_done(f, &c)) return;
            set_reg(f, 0, r);
            if (!sf_is_nan(r)) /* a NaN result leaves C0 and C3 (C1 = C2 = 0) */
                set_cc(f, (q >> 1) & 1, partial, q & 1, (q >> 2) & 1);
            return;
        }
        }
        if (!fpu_done(f, &c)) return; /* unmasked: no pop either */
        set_reg(f, 1, r);
        fpu_pop(f);
        return;
    }
    }
    if (fpu_done(f, &c))
        set_reg(f, 0, r);
}

static const E386Op *esc_mem(E386Cpu *cpu, const E386Op *op)
{
    Fpu *f = &cpu->fpu;
    int esc = op->sub, reg = op->reg;
    int size32 = op->opsize == 4;
    /* the control forms: FNSTENV FNSTCW FNSAVE FNSTSW do not wait; FLDENV,
     * FLDCW and FRSTOR do (a pending exception faults on them, measured) */
    if ((esc == 1 && (reg == 4 || reg == 5)) || (esc == 5 && reg == 4))
        fpu_wait_check(cpu);
    if (esc == 1 && reg >= 4) {
        uint32_t lin;
        switch (reg) {
        case 4: lin = op_lin(cpu, op, size32 ? 28 : 14, 0); x87_load_env(cpu, lin, size32); break;
        case 5: /* fldcw: pending exceptions now unmasked become ES */
            f->cw = cw_value(rm_read(cpu, op, 2));
            if (f->sw & ~f->cw & 0x3f) f->sw |= SW_ES | SW_B;
            else f->sw &= (uint16_t)~(SW_ES | SW_B);
            break;
        case 6: /* fnstenv, then every exception is masked: nothing pending */
            lin = op_lin(cpu, op, size32 ? 28 : 14, 1);
            x87_store_env(cpu, lin, size32);
            f->cw |= 0x3f;
            f->sw &= (uint16_t)~(SW_ES | SW_B);
            break;
        default: rm_write(cpu, op, 2, f->cw); break;
        }
        return op + 1;
    }
    if (esc == 5 && (reg == 4 || reg == 6 || reg == 7)) {
        uint32_t n = size32 ? 108 : 94;
        if (reg == 4) x87_frstor(cpu, op_lin(cpu, op, n, 0), size32);
        else if (reg == 6) x87_fsave(cpu, op_lin(cpu, op, n, 1), size32);
        else rm_write(cpu, op, 2, f->sw);
        return op + 1;
    }
    fpu_wait_check(cpu);
    SfCtx c = ctx_of(f);
    switch (esc) {
    case 0: case 2: case 4: case 6: { /* arithmetic with a memory source */
        static const int kind[4] = { M_F32, M_I32, M_F64, M_I16 };
        int den;
        F80 src = load_src(cpu, op, kind[esc / 2], &den);
        arith_st0(cpu, reg, src, 0, den);
        break;
    }
    case 1:
        if (reg == 0) {
            F80 v = load_mem(cpu, op, M_F32, &c);
            if (load_ok(f, &c)) fpu_push(f, v);
        } else if (reg == 2 || reg == 3) {
            x87_store_float(cpu, op, 32, reg == 3);
        } else {
            raise_exc(cpu, EX_UD);
        }
        break;
    case 3:
        switch (reg) {
        case 0: fpu_push(f, load_mem(cpu, op, M_I32, &c)); break;
        case 2: case 3: store_int(cpu, op, 32, reg == 3); break;
        case 5: fpu_push(f, read80(cpu, op_lin(cpu, op, 10, 0))); break;
        case 7: x87_store_float(cpu, op, 80, 1); break;
        default: raise_exc(cpu, EX_UD); /* FISTTP is SSE3 */
        }
        break;
    case 5:
        if (reg == 0) {
            F80 v = load_mem(cpu, op, M_F64, &c);
            if (load_ok(f, &c)) fpu_push(f, v);
        } else if (reg == 2 || reg == 3) {
            x87_store_float(cpu, op, 64, reg == 3);
        } else {
            raise_exc(cpu, EX_UD);
        }
        break;
    default: /* DF */
        switch (reg) {
        case 0: fpu_push(f, load_mem(cpu, op, M_I16, &c)); break;
        case 2: case 3: store_int(cpu, op, 16, reg == 3); break;
        case 4: { /* fbld */
            uint32_t lin = op_lin(cpu, op, 10, 0);
            uint8_t b[10];
            for (int i = 0; i < 10; i++) b[i] = (uint8_t)lin_read(cpu, lin + (uint32_t)i, 1);
            fpu_push(f, sf_from_bcd(b));
            break;
        }
        case 5: fpu_push(f, sf_from_i64((int64_t)read64(cpu, op_lin(cpu, op, 8, 0)))); break;
        case 6: { /* fbstp */
            uint32_t lin = op_lin(cpu, op, 10, 1);
            uint16_t sw0 = f->sw;
            uint8_t b[10];
            if (is_empty(f, 0)) {
                if (!underflow(f)) break;
                static const uint8_t ind[10] = { 0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xff };
                memcpy(b, ind, 10);
            } else {
                sf_to_bcd(&c, f->st[phys(f, 0)], b);
                if (!fpu_done(f, &c)) break;
            }
            store_check(cpu, sw0, lin, 10);
            lin_check_write(cpu, lin, 10); /* no byte written before a fault */
            for (int i = 0; i < 10; i++) lin_write(cpu, lin + (uint32_t)i, 1, b[i]);
            fpu_pop(f);
            break;
        }
        case 7: store_int(cpu, op, 64, 1); break;
        default: raise_exc(cpu, EX_UD);
        }
    }
    record_ip(cpu, op, 1);
    return op + 1;
}

static const E386Op *esc_reg(E386Cpu *cpu, const E386Op *op)
{
    Fpu *f = &cpu->fpu;
    int esc = op->sub, reg = op->reg, i = op->rm;
    /* no-wait forms first: FNCLEX, FNINIT, FNSTSW AX, and the 287 no-ops */
    if (esc == 3 && reg == 4) {
        if (i == 2) f->sw &= 0x7f00;          /* fnclex */
        else if (i == 3) fpu_reset(f);        /* fninit */
        else if (i > 4) raise_exc(cpu, EX_UD);
        return op + 1;                        /* feni/fdisi/fsetpm: no-ops */
    }
    if (esc == 7 && reg == 4) {
        if (i != 0) raise_exc(cpu, EX_UD);
        reg_set(cpu, 0, 2, f->sw);            /* fnstsw ax */
        return op + 1;
    }
    fpu_wait_check(cpu);
    switch (esc) {
    case 0:
        arith_st0(cpu, reg, f->st[phys(f, i)], is_empty(f, i), 0);
        break;
    case 1:
        switch (reg) {
        case 0: { /* fld st(i) */
            if (is_empty(f, i)) { /* the underflow alone, C1 = 0, whatever ST(7) holds */
                if (!underflow(f)) break;
                set_top(f, fp_top(f) - 1);
                set_reg(f, 0, sf_indefinite());
                break;
            }
            fpu_push(f, f->st[phys(f, i)]);
            break;
        }
        case 1: fxch(f, i); break;
        case 2: if (i != 0) raise_exc(cpu, EX_UD); break; /* fnop */
        case 3: fst_reg(f, i, 1); break; /* fstp1: the undocumented alias of fstp st(i) */
        default: {
            int code = (reg << 3 | i);
            if (code == 0x22 || code == 0x23 || code == 0x26 || code == 0x27 || code == 0x2f)
                raise_exc(cpu, EX_UD);
            unary(cpu, code);
        }
        }
        break;
    case 2: case 3:
        if (reg < 4) { /* fcmovcc */
            static const int cc[4] = { 2, 4, 6, 10 }; /* b e be u */
            int cond = cc_cond(cpu, cc[reg] | (esc == 3));
            if (is_empty(f, 0) || is_empty(f, i)) {
                if (underflow(f)) set_reg(f, 0, sf_indefinite());
            } else if (cond) { /* C1 is left as it was (measured) */
                set_reg(f, 0, f->st[phys(f, i)]);
            }
        } else if (esc == 2 && reg == 5 && i == 1) { /* fucompp */
            do_compare(cpu, f->st[phys(f, 1)], is_empty(f, 0) || is_empty(f, 1), 1, 0, 0, 2);
        } else if (esc == 3 && (reg == 5 || reg == 6)) {
            x87_fcomi(cpu, i, reg == 5, 0);
        } else {
            raise_exc(cpu, EX_UD);
        }
        break;
    case 4:
        if (reg == 2 || reg == 3) /* aliases of fcom/fcomp */
            arith_st0(cpu, reg, f->st[phys(f, i)], is_empty(f, i), 0);
        else
            arith_sti(cpu, reg, i, 0);
        break;
    case 5:
        switch (reg) {
        case 0: set_empty(f, i); f->sw &= (uint16_t)~SW_C1; break; /* ffree */
        case 1: fxch(f, i); break;
        case 2: case 3: fst_reg(f, i, reg == 3); break;
        case 4: case 5: /* fucom, fucomp */
            do_compare(cpu, f->st[phys(f, i)], is_empty(f, 0) || is_empty(f, i), 1, 0, 0, reg == 5);
            break;
        default: raise_exc(cpu, EX_UD);
        }
        break;
    case 6:
        if (reg == 3) {
            if (i != 1) raise_exc(cpu, EX_UD);
            do_compare(cpu, f->st[phys(f, 1)], is_empty(f, 0) || is_empty(f, 1), 0, 0, 0, 2); /* fcompp */
        } else if (reg == 2) {
            arith_st0(cpu, 3, f->st[phys(f, i)], is_empty(f, i), 0);
        } else {
            arith_sti(cpu, reg, i, 1);
        }
        break;
    default: /* DF */
        if (reg == 5 || reg == 6) x87_fcomi(cpu, i, reg == 5, 1);
        else if (reg == 0) { set_empty(f, i); fpu_pop(f); f->sw &= (uint16_t)~SW_C1; } /* ffreep */
        else if (reg == 1) fxch(f, i);
        else if (reg == 2 || reg == 3) fst_reg(f, i, 1);
        else raise_exc(cpu, EX_UD);
    }
    record_ip(cpu, op, 0);
    return op + 1;
}

const E386Op *op_fpu_esc(E386Cpu *cpu, const E386Op *op)
{
    if (cpu->cr0 & 0xc) /* EM or TS: device not available */
        raise_exc(cpu, EX_NM);
    return op->mod == 3 ? esc_reg(cpu, op) : esc_mem(cpu, op);
}

const E386Op *op_fwait(E386Cpu *cpu, const E386Op *op)
{
    if ((cpu->cr0 & 0xa) == 0xa) /* MP and TS */
        raise_exc(cpu, EX_NM);
    fpu_wait_check(cpu);
    return op + 1;
}
