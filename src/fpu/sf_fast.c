/* sf_add, sf_sub, sf_mul, sf_div and sf_to_f64: the fast path (sf_fast.h)
 * for two normal operands, the slow path (softfloat.c, sf_convert.c) for
 * the rest. */
#include "fpu/sf_fast.h"

F80 sf_add(SfCtx *c, F80 a, F80 b)
{
    if (sf_is_normal(a) && sf_is_normal(b))
        return sf_add_normal(c, a, b, 0);
    return sf_add_slow(c, a, b);
}

F80 sf_sub(SfCtx *c, F80 a, F80 b)
{
    if (sf_is_normal(a) && sf_is_normal(b))
        return sf_add_normal(c, a, b, 1);
    return sf_sub_slow(c, a, b);
}

F80 sf_mul(SfCtx *c, F80 a, F80 b)
{
    if (sf_is_normal(a) && sf_is_normal(b))
        return sf_mul_normal(c, a, b);
    return sf_mul_slow(c, a, b);
}

F80 sf_div(SfCtx *c, F80 a, F80 b)
{
    if (sf_is_normal(a) && sf_is_normal(b))
        return sf_div_normal(c, a, b);
    return sf_div_slow(c, a, b);
}

uint64_t sf_to_f64(SfCtx *c, F80 a)
{
    if (sf_is_normal(a))
        return sf_to_f64_normal(c, a);
    return sf_to_f64_slow(c, a);
}
