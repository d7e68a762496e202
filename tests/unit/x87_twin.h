/* Shared by the x87 twin-CPU tests (test_x87_spec, test_x87_run): the tag
 * a register's value gets, and whole-FPU equality. */
#ifndef E386_X87_TWIN_H
#define E386_X87_TWIN_H
#include "core/cpu.h"

/* the tag word's rule: 0 valid, 1 zero, 2 special (NaN, infinity,
 * denormal, unsupported) */
static inline int x87_tag_of(F80 v)
{
    int e = v.sexp & 0x7fff;
    if (e == 0x7fff)
        return 2;
    if (e == 0)
        return v.mant ? 2 : 1;
    return (v.mant >> 63) ? 0 : 2;
}

/* registers, control, status, tags, the last-instruction pointers */
static inline int fpu_equal(const Fpu *x, const Fpu *y)
{
    for (int i = 0; i < 8; i++)
        if (x->st[i].mant != y->st[i].mant || x->st[i].sexp != y->st[i].sexp)
            return 0;
    return x->cw == y->cw && x->sw == y->sw && x->tw == y->tw && x->fop == y->fop && x->fip == y->fip &&
           x->fdp == y->fdp && x->fcs == y->fcs && x->fds == y->fds;
}
#endif
