/* 128-bit significand arithmetic for the transcendentals: a value is
 * (-1)^sign * m * 2^(exp - 127), m a 128-bit integer with bit 127 set (or
 * zero).  Operations truncate; each loses at most an ulp or two of the 128
 * bits, so a kernel of a few dozen operations is good to ~2^-120, far below
 * the half-ulp of the 64-bit results rounded from it. */
#include "fpu/sf_internal.h"

static int u_lt(U128 a, U128 b) { return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo); }
static U128 u_add(U128 a, U128 b)
{
    U128 r = { a.hi + b.hi, a.lo + b.lo };
    r.hi += r.lo < a.lo;
    return r;
}
static U128 u_sub(U128 a, U128 b)
{
    U128 r = { a.hi - b.hi - (a.lo < b.lo), a.lo - b.lo };
    return r;
}
static U128 u_shl(U128 a, int n)
{
    if (n <= 0)
        return a;
    if (n >= 128) {
        a.hi = a.lo = 0;
    } else if (n >= 64) {
        a.hi = a.lo << (n - 64);
        a.lo = 0;
    } else {
        a.hi = a.hi << n | a.lo >> (64 - n);
        a.lo <<= n;
    }
    return a;
}
static U128 u_shr(U128 a, int n)
{
    if (n <= 0)
        return a;
    if (n >= 128) {
        a.hi = a.lo = 0;
    } else if (n >= 64) {
        a.lo = a.hi >> (n - 64);
        a.hi = 0;
    } else {
        a.lo = a.lo >> n | a.hi << (64 - n);
        a.hi >>= n;
    }
    return a;
}

static W w_norm(int sign, int32_t exp, U128 m)
{
    W r = { sign, exp, m };
    if (!(m.hi | m.lo)) {
        r.sign = 0;
        r.exp = 0;
        return r;
    }
    int s = m.hi ? sf_clz64(m.hi) : 64 + sf_clz64(m.lo);
    r.m = u_shl(m, s);
    r.exp -= s;
    return r;
}

W w_from_f80(F80 a)
{
    U128 m = { 0, 0 };
    if (sf_is_zero(a))
        return w_norm(0, 0, m);
    int e;
    m.hi = sf_norm(a, &e);
    return w_norm(sf_sign(a), e - SF_BIAS, m);
}

W w_from_int(int64_t v)
{
    U128 m = { v < 0 ? 0 - (uint64_t)v : (uint64_t)v, 0 };
    return w_norm(v < 0, 63, m);
}

W w_const(const WConst *k)
{
    W r = { 0, k->exp, { k->hi, k->lo } };
    return r;
}

W w_scale(W a, int32_t n)
{
    if (!w_is_zero(a))
        a.exp += n;
    return a;
}

W w_neg(W a)
{
    if (!w_is_zero(a))
        a.sign ^= 1;
    return a;
}

W w_add(W a, W b)
{
    if (w_is_zero(a))
        return b;
    if (w_is_zero(b))
        return a;
    if (a.exp < b.exp || (a.exp == b.exp && u_lt(a.m, b.m))) {
        W t = a;
        a = b;
        b = t;
    }
    int32_t d = a.exp - b.exp;
    /* one guard bit keeps the truncation of b below an ulp of the result;
     * a b shifted out entirely still moves the last bit, so that rounding
     * later sees on which side of a the sum lies (sin x just below x) */
    U128 am = u_shr(a.m, 1), bm = u_shr(b.m, d > 200 ? 200 : 1 + (int)d);
    if (!(bm.hi | bm.lo))
        bm.lo = 1;
    if (a.sign == b.sign)
        return w_norm(a.sign, a.exp + 1, u_add(am, bm));
    return w_norm(a.sign, a.exp + 1, u_sub(am, bm));
}

W w_sub(W a, W b) { return w_add(a, w_neg(b)); }

static void acc_words(uint64_t w[4], int i, uint64_t v) /* w[i..3] += v */
{
    for (; i < 4 && v; i++) {
        w[i] += v;
        v = w[i] < v;
    }
}

/* a * b exactly, w[3] the most significant word */
void u128_mul256(U128 a, U128 b, uint64_t w[4])
{
    const uint64_t x[2] = { a.lo, a.hi }, y[2] = { b.lo, b.hi };
    w[0] = w[1] = w[2] = w[3] = 0;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) {
            uint64_t h, l;
            sf_mul64(x[i], y[j], &h, &l);
            acc_words(w, i + j, l);
            acc_words(w, i + j + 1, h);
        }
}

W w_mul(W a, W b)
{
    if (w_is_zero(a) || w_is_zero(b)) {
        W z = { 0, 0, { 0, 0 } };
        return z;
    }
    uint64_t p[4];
    u128_mul256(a.m, b.m, p);
    U128 m = { p[3], p[2] };
    int32_t e = a.exp + b.exp + 1;
    if (!(p[3] >> 63)) { /* product in [1, 2): one more bit from p[1] */
        m = u_shl(m, 1);
        m.lo |= p[1] >> 63;
        e--;
    }
    W r = { a.sign ^ b.sign, e, m };
    return r;
}

W w_div(W a, W b)
{
    W r = { a.sign ^ b.sign, a.exp - b.exp, { 0, 0 } };
    if (w_is_zero(a) || w_is_zero(b)) /* b never zero here */
        return w_norm(0, 0, r.m);
    U128 rem = a.m, q = { 0, 0 };
    int carry = 0;
    if (u_lt(a.m, b.m)) {
        r.exp--;
        carry = (int)(rem.hi >> 63);
        rem = u_shl(rem, 1);
    }
    for (int i = 0; i < 128; i++) {
        int bit = carry || !u_lt(rem, b.m);
        if (bit)
            rem = u_sub(rem, b.m);
        q = u_shl(q, 1);
        q.lo |= (uint64_t)bit;
        carry = (int)(rem.hi >> 63);
        rem = u_shl(rem, 1);
    }
    r.m = q;
    return r;
}

/* Round to an F80 under c's rounding mode at 64 bits (the transcendentals
 * ignore precision control).  An inexact value (all of them but a few
 * special cases) gets a sticky bit: its truncated bits are never all zero,
 * and the kernels' error of ~2^-120 only matters within that distance of a
 * rounding boundary. */
F80 w_to_f80(SfCtx *c, W a, int exact)
{
    if (w_is_zero(a))
        return sf_zero(a.sign);
    int32_t e = a.exp + SF_BIAS, eo;
    if (e > 0x7fff + 1)
        e = 0x7fff + 1; /* still overflows, without int32 wraparound */
    if (e < -200)
        e = -200;
    uint64_t m = sf_round(c, a.sign, e, a.m.hi, a.m.lo | (exact ? 0 : 1), 64, 0x7fff, &eo);
    return sf_make(a.sign, eo, m);
}

/* ln(1+s) - ln(1-s) = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...), |s| < 1/2 */
W w_two_atanh(W s)
{
    W s2 = w_mul(s, s), p = s, sum = s;
    for (int n = 3; n < 400; n += 2) {
        p = w_mul(p, s2);
        W term = w_div(p, w_from_int(n));
        sum = w_add(sum, term);
        if (w_is_zero(term) || term.exp < sum.exp - 120)
            break;
    }
    return w_scale(sum, 1);
}

/* sin(r) (odd = 1) or cos(r) (odd = 0) by the Taylor series, |r| <= 1 */
W w_sincos_series(W r, int odd)
{
    W r2 = w_mul(r, r), term = odd ? r : w_from_int(1), sum = term;
    for (int n = odd; n < 80; n += 2) {
        term = w_div(w_mul(term, r2), w_from_int(-(int64_t)(n + 1) * (n + 2)));
        sum = w_add(sum, term);
        if (w_is_zero(term) || term.exp < sum.exp - 120)
            break;
    }
    return sum;
}

/* atan(t) - t = -t^3/3 + t^5/5 - ..., added to t, |t| <= 1/16 */
W w_atan_series(W t)
{
    W t2 = w_neg(w_mul(t, t)), p = t, sum = t;
    for (int n = 3; n < 400; n += 2) {
        p = w_mul(p, t2);
        W term = w_div(p, w_from_int(n));
        sum = w_add(sum, term);
        if (w_is_zero(term) || term.exp < sum.exp - 120)
            break;
    }
    return sum;
}

/* e^t - 1 for |t| <= 2^-8, by the Taylor series */
W w_expm1_series(W t)
{
    W term = t, sum = t;
    for (int n = 2; n < 60; n++) {
        term = w_div(w_mul(term, t), w_from_int(n));
        sum = w_add(sum, term);
        if (w_is_zero(term) || term.exp < sum.exp - 120)
            break;
    }
    return sum;
}
