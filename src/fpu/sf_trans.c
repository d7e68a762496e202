/* Transcendental instructions, computed with the soft-float operations in
 * 64-bit precision (series after argument reduction).  Deterministic on
 * every host; accurate to a few ulps, not yet to the last bit of a real
 * x87 (the x87 issue replaces these with a higher-precision kernel). */
#include "fpu/sf_internal.h"

static SfCtx work(void)
{
    SfCtx w = { 0, 3, 0, 0 };
    return w;
}

static F80 k_int(int64_t v) { return sf_from_i64(v); }

static F80 pi_over(int log2div) /* pi / 2^log2div */
{
    return sf_make(0, SF_BIAS + 1 - log2div, 0xc90fdaa22168c235ull);
}

/* exp(t) - 1 for |t| <= ln 2, by its Taylor series */
static F80 expm1_series(SfCtx *w, F80 t)
{
    F80 term = t, sum = t;
    for (int n = 2; n < 40; n++) {
        term = sf_div(w, sf_mul(w, term, t), k_int(n));
        F80 ns = sf_add(w, sum, term);
        if (ns.mant == sum.mant && ns.sexp == sum.sexp)
            break;
        sum = ns;
    }
    return sum;
}

/* 2 atanh(s) = ln((1+s)/(1-s)) for |s| <= 1/3, by its series */
static F80 two_atanh(SfCtx *w, F80 s)
{
    F80 s2 = sf_mul(w, s, s), term = s, sum = s;
    for (int n = 3; n < 200; n += 2) {
        term = sf_mul(w, term, s2);
        F80 ns = sf_add(w, sum, sf_div(w, term, k_int(n)));
        if (ns.mant == sum.mant && ns.sexp == sum.sexp)
            break;
        sum = ns;
    }
    return sf_add(w, sum, sum);
}

/* ln(m) = 2 atanh((m-1)/(m+1)) */
static F80 ln_series(SfCtx *w, F80 m)
{
    F80 one = k_int(1);
    return two_atanh(w, sf_div(w, sf_sub(w, m, one), sf_add(w, m, one)));
}

static F80 log2_of(SfCtx *w, F80 x) /* x > 0, finite */
{
    int e;
    uint64_t m = sf_norm(x, &e);
    F80 mant = sf_make(0, SF_BIAS, m); /* [1, 2) */
    F80 ln2 = sf_make(0, SF_BIAS - 1, 0xb17217f7d1cf79acull);
    return sf_add(w, k_int(e - SF_BIAS), sf_div(w, ln_series(w, mant), ln2));
}

static F80 finish(SfCtx *c, SfCtx *w, F80 r)
{
    c->flags |= (uint16_t)(w->flags & SF_PE);
    c->c1 = w->c1;
    return r;
}

F80 sf_f2xm1(SfCtx *c, F80 a)
{
    F80 r;
    if (sf_nan_operands(c, a, a, 0, &r))
        return r;
    if (sf_is_zero(a))
        return a;
    if (sf_is_inf(a))
        return sf_sign(a) ? sf_make(1, SF_BIAS, SF_INT_BIT) : a;
    if (sf_is_denormal(a))
        c->flags |= SF_DE;
    SfCtx w = work();
    F80 ln2 = sf_make(0, SF_BIAS - 1, 0xb17217f7d1cf79acull);
    return finish(c, &w, expm1_series(&w, sf_mul(&w, a, ln2)));
}

F80 sf_fyl2x(SfCtx *c, F80 x, F80 y)
{
    F80 r;
    if (sf_nan_operands(c, x, y, 1, &r))
        return r;
    if (sf_sign(x) && !sf_is_zero(x)) {
        c->flags |= SF_IE;
        return sf_indefinite();
    }
    if (sf_is_zero(x)) {
        if (sf_is_zero(y)) { c->flags |= SF_IE; return sf_indefinite(); }
        c->flags |= SF_ZE;
        return sf_inf(!sf_sign(y));
    }
    if (sf_is_inf(x))
        return sf_is_zero(y) ? (c->flags |= SF_IE, sf_indefinite()) : sf_inf(sf_sign(y));
    if (sf_is_denormal(x) || sf_is_denormal(y))
        c->flags |= SF_DE;
    SfCtx w = work();
    F80 l = log2_of(&w, x);
    if (sf_is_inf(y))
        return sf_is_zero(l) ? (c->flags |= SF_IE, sf_indefinite()) : sf_inf(sf_sign(y) ^ sf_sign(l));
    return finish(c, &w, sf_mul(c, y, l));
}

F80 sf_fyl2xp1(SfCtx *c, F80 x, F80 y)
{
    F80 r;
    if (sf_nan_operands(c, x, y, 1, &r))
        return r;
    if (sf_is_zero(x))
        return sf_zero(sf_sign(x) ^ sf_sign(y));
    if (sf_is_inf(x) || sf_is_inf(y)) {
        c->flags |= SF_IE;
        return sf_indefinite();
    }
    if (sf_is_denormal(x) || sf_is_denormal(y))
        c->flags |= SF_DE;
    SfCtx w = work();
    F80 one = k_int(1), ln2 = sf_make(0, SF_BIAS - 1, 0xb17217f7d1cf79acull);
    /* ln(1+x) = 2 atanh(x / (2 + x)) keeps precision for small x */
    F80 s = sf_div(&w, x, sf_add(&w, sf_add(&w, one, one), x));
    F80 l = sf_div(&w, two_atanh(&w, s), ln2);
    return finish(c, &w, sf_mul(c, y, l));
}

/* Reduce x by pi/2: r in [-pi/4, pi/4], *quad = quotient mod 4. */
static F80 reduce(SfCtx *w, F80 x, int *quad)
{
    uint32_t q;
    int partial;
    F80 r = x;
    *quad = 0;
    do {
        r = sf_prem(w, r, pi_over(1), 1, &q, &partial);
    } while (partial);
    *quad = (int)(q & 3);
    return r;
}

/* sum of term_k with term_{k+1} = -term_k x^2 / ((n+1)(n+2)), n += 2:
 * sin from (x, n = 1), cos from (1, n = 0) */
static F80 taylor_alt(SfCtx *w, F80 x, F80 first, int n)
{
    F80 x2 = sf_mul(w, x, x), term = first, sum = first;
    for (; n < 60; n += 2) {
        term = sf_div(w, sf_mul(w, term, x2), k_int(-(int64_t)(n + 1) * (n + 2)));
        F80 ns = sf_add(w, sum, term);
        if (ns.mant == sum.mant && ns.sexp == sum.sexp)
            break;
        sum = ns;
    }
    return sum;
}

static int trig_range(SfCtx *c, F80 x)
{
    if (sf_is_inf(x)) {
        c->flags |= SF_IE;
        return -1;
    }
    return sf_exp(x) >= SF_BIAS + 63; /* |x| >= 2^63: out of range, C2 */
}

int sf_fsincos(SfCtx *c, F80 x, F80 *s, F80 *co)
{
    if (sf_nan_operands(c, x, x, 0, s)) {
        *co = *s;
        return 0;
    }
    int rr = trig_range(c, x);
    if (rr < 0) {
        *s = *co = sf_indefinite();
        return 0;
    }
    if (rr)
        return 1;
    if (sf_is_zero(x)) {
        *s = x;
        *co = k_int(1);
        return 0;
    }
    if (sf_is_denormal(x))
        c->flags |= SF_DE;
    SfCtx w = work();
    int quad;
    F80 r = reduce(&w, x, &quad);
    F80 sn = taylor_alt(&w, r, r, 1), cs = taylor_alt(&w, r, k_int(1), 0);
    F80 rs[4] = { sn, cs, sn, cs }, rc[4] = { cs, sn, cs, sn };
    *s = rs[quad];
    *co = rc[quad];
    if (quad == 2 || quad == 3) s->sexp ^= 0x8000;
    if (quad == 1 || quad == 2) co->sexp ^= 0x8000;
    c->flags |= SF_PE;
    return 0;
}

int sf_fsin(SfCtx *c, F80 x, F80 *r)
{
    F80 co;
    return sf_fsincos(c, x, r, &co);
}

int sf_fcos(SfCtx *c, F80 x, F80 *r)
{
    F80 s;
    return sf_fsincos(c, x, &s, r);
}

int sf_fptan(SfCtx *c, F80 x, F80 *t)
{
    F80 s, co;
    int out = sf_fsincos(c, x, &s, &co);
    if (out)
        return out;
    if (sf_is_nan(s)) {
        *t = s;
        return 0;
    }
    if (sf_is_zero(x)) {
        *t = x;
        return 0;
    }
    SfCtx w = work();
    *t = sf_div(&w, s, co);
    c->flags |= SF_PE;
    return 0;
}

/* atan(z) for |z| <= 1 after two argument halvings */
static F80 atan_small(SfCtx *w, F80 z)
{
    F80 one = k_int(1);
    for (int i = 0; i < 2; i++) /* atan z = 2 atan(z / (1 + sqrt(1 + z^2))) */
        z = sf_div(w, z, sf_add(w, one, sf_sqrt(w, sf_add(w, one, sf_mul(w, z, z)))));
    F80 z2 = sf_mul(w, z, z), term = z, sum = z;
    for (int n = 3; n < 400; n += 2) {
        term = sf_mul(w, term, z2);
        term.sexp ^= 0x8000;
        F80 ns = sf_add(w, sum, sf_div(w, term, k_int(n)));
        if (ns.mant == sum.mant && ns.sexp == sum.sexp)
            break;
        sum = ns;
    }
    return sf_mul(w, sum, k_int(4));
}

F80 sf_fpatan(SfCtx *c, F80 y, F80 x)
{
    F80 r;
    if (sf_nan_operands(c, y, x, 1, &r))
        return r;
    if (sf_is_denormal(x) || sf_is_denormal(y))
        c->flags |= SF_DE;
    int sy = sf_sign(y), sx = sf_sign(x);
    SfCtx w = work();
    F80 pi = pi_over(0), half = pi_over(1), quarter = pi_over(2);
    if (sf_is_zero(y)) {
        r = sx ? pi : sf_zero(0);
    } else if (sf_is_inf(y) && sf_is_inf(x)) {
        r = sx ? sf_mul(&w, quarter, k_int(3)) : quarter;
    } else if (sf_is_inf(y) || sf_is_zero(x)) {
        r = half;
    } else if (sf_is_inf(x)) {
        r = sx ? pi : sf_zero(0);
    } else {
        F80 ay = y, ax = x;
        ay.sexp &= 0x7fff;
        ax.sexp &= 0x7fff;
        int swap = sf_compare(&w, ay, ax, 1) == SF_GT;
        F80 z = swap ? sf_div(&w, ax, ay) : sf_div(&w, ay, ax);
        r = atan_small(&w, z);
        if (swap) r = sf_sub(&w, half, r);
        if (sx) r = sf_sub(&w, pi, r);
        c->flags |= SF_PE;
    }
    if (sy)
        r.sexp ^= 0x8000;
    c->c1 = 0;
    return r;
}
