/* The inline steps the specialised x87 handlers (x87_spec.c) and the
 * fused runs (x87_run.c) share. */
#ifndef E386_X87_SPEC_H
#define E386_X87_SPEC_H
#include "core/ops.h"
#include "cpu/x87.h"
#include "fpu/sf_fast.h"

/* what every non-control escape does first */
E386_INLINE Fpu *x87_enter(E386Cpu *cpu)
{
    if (cpu->cr0 & 0xc) /* EM or TS: device not available */
        raise_exc(cpu, EX_NM);
    fpu_wait_check(cpu);
    return &cpu->fpu;
}

/* the ModRM reg order of D8/DC: add mul com comp sub subr div divr; two
 * normal operands go to the inline fast paths, anything else to the
 * functions that screen for special operands */
E386_INLINE F80 arith_normal(SfCtx *c, int which, F80 a, F80 b)
{
    switch (which) {
    case 0: return sf_add_normal(c, a, b, 0);
    case 1: return sf_mul_normal(c, a, b);
    case 4: return sf_add_normal(c, a, b, 1);
    case 5: return sf_add_normal(c, b, a, 1);
    case 6: return sf_div_normal(c, a, b);
    default: return sf_div_normal(c, b, a);
    }
}

E386_INLINE F80 arith_k(SfCtx *c, int which, F80 a, F80 b)
{
    if (sf_is_normal(a) && sf_is_normal(b))
        return arith_normal(c, which, a, b);
    return x87_arith(c, which, a, b);
}

/* a normal double (exponent 1..0x7fe), and its exact extended value */
E386_INLINE int f64_normal(uint64_t bits)
{
    return ((uint32_t)(bits >> 52) & 0x7ff) - 1 < 0x7fe;
}

E386_INLINE F80 f64_to_f80(uint64_t bits)
{
    F80 v = { SF_INT_BIT | bits << 11, (uint16_t)((bits >> 48 & 0x8000) | ((bits >> 52 & 0x7ff) - 1023 + SF_BIAS)) };
    return v;
}

/* Linux's default control word (RC nearest, PC 64, every exception
 * masked): the context is a constant, and fpu_done_k is fpu_done reduced
 * to what can happen then -- no exception is withheld or left pending,
 * only C1 and the sticky flags change.  The handlers are instantiated
 * with dflt a constant, once for it and once for any other word. */
#define X87_DEFAULT_CW(f) (((f)->cw & 0xf3f) == 0x33f)

E386_INLINE SfCtx ctx_k(const Fpu *f, int dflt)
{
    if (dflt) {
        SfCtx c = { 0, 3, 0, 0 };
        return c;
    }
    return ctx_of(f);
}

E386_INLINE int fpu_done_k(Fpu *f, const SfCtx *c, int dflt)
{
    if (dflt) {
        f->sw = (uint16_t)((f->sw & ~SW_C1) | (c->c1 ? SW_C1 : 0) | (c->flags & 0x7f));
        return 1;
    }
    return fpu_done(f, c);
}

#endif
