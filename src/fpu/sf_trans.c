/* The x87 transcendental instructions.  Special operands (NaNs, zeros,
 * infinities, out of range) follow the SDM tables; finite operands are
 * evaluated with 128-bit significands (sf_wide.c) and rounded once to 64
 * bits under RC (precision control does not apply to these instructions).
 * Trigonometric arguments are reduced by the x87's own 66-bit pi, exactly,
 * so large arguments give what the hardware gives, not the true sine.
 * The model (one for every host, docs/fpu.md): the true value rounded
 * once, tiny arguments included; FSINCOS's C1 is the sine's; FPATAN a
 * little below the true angle; FPTAN of a tiny reduced argument that of
 * the argument scaled by a constant and rounded to 68 bits, as AMD's;
 * FYL2X and FYL2XP1 round their logarithm to 68 bits before the y. */
#include "fpu/sf_internal.h"

static const WConst k_ln2 = { 0xb17217f7d1cf79abull, 0xc9e3b39803f2f6afull, -1 };
/* the x87's log2 e for FYL2X and FYL2XP1: rounded to 66 bits */
static const WConst k_log2e66 = { 0xb8aa3b295c17f0bbull, 0xc000000000000000ull, 0 };
static const WConst k_pi = { 0xc90fdaa22168c234ull, 0xc4c6628b80dc1cd1ull, 1 };
static const WConst k_atan16[16] = { /* atan(k/16), k = 1..16 */
    { 0xffaaddb967ef4e36ull, 0xcb2792dc0e2e0d51ull, -5 }, { 0xfeadd4d5617b6e32ull, 0xc897989f3e888ef8ull, -4 },
    { 0xbdcbda5e72d81134ull, 0x7b0b4f881c9c7488ull, -3 }, { 0xfadbafc96406eb15ull, 0x6dc79ef5f7a217e6ull, -3 },
    { 0x9b13b9b83f5e5e69ull, 0xc5abb498d27af328ull, -2 }, { 0xb7b0ca0f26f78473ull, 0x8aa32122dcfe4483ull, -2 },
    { 0xd327761e611fe5b6ull, 0x427c95e9001e7136ull, -2 }, { 0xed63382b0dda7b45ull, 0x6fe445ecbc3a8d03ull, -2 },
    { 0x832bf4a6d9867e2aull, 0x4b6a09cb61a515c1ull, -1 }, { 0x8f005d5ef7f59f9bull, 0x5c835e1665c43748ull, -1 },
    { 0x9a2f80e671bdda20ull, 0x4226f8e2204ff3bdull, -1 }, { 0xa4bc7d1934f70924ull, 0x19a87f2a457dac9full, -1 },
    { 0xaeac4c38b4d8c080ull, 0x14725e2f3e52070aull, -1 }, { 0xb8053e2bc2319e73ull, 0xcb2da55210a4443dull, -1 },
    { 0xc0ce85b8ac526640ull, 0x89dd62c46e92fa25ull, -1 }, { 0xc90fdaa22168c234ull, 0xc4c6628b80dc1cd1ull, -1 },
};
/* the x87's pi for argument reduction: pi truncated to 66 bits, as
 * 0x3243f6a8885a308d3 * 2^-64 */
static const uint64_t pi66_hi = 0x3, pi66_lo = 0x243f6a8885a308d3ull;

static void denormal_check(SfCtx *c, F80 a)
{
    if (sf_is_denormal(a))
        c->flags |= SF_DE;
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
    denormal_check(c, a);
    /* defined for |x| <= 1; beyond, the x87 returns the operand, and
     * exactly 2^-1 - 1 for -1, signalling PE.  +1 is computed like any
     * other argument (AMD: a value just below 1, so RD and RZ give
     * 1 - 2^-64 and RN, RU 1 with C1 set). */
    if (sf_exp(a) >= SF_BIAS && !(a.sexp == 0x3fff && a.mant == SF_INT_BIT)) {
        c->flags |= SF_PE;
        c->c1 = 0;
        if (a.sexp == 0xbfff && a.mant == SF_INT_BIT)
            return sf_make(1, SF_BIAS - 1, SF_INT_BIT);
        return a;
    }
    if (sf_exp(a) == SF_BIAS) /* +1: just below 1, whatever the kernel's last bits */
        return w_to_f80(c, w_sub(w_from_int(1), w_scale(w_from_int(1), -120)), 0);
    W t = w_mul(w_from_f80(a), w_const(&k_ln2));
    int k = 0;
    while (t.exp > -9) { /* e^2u - 1 = (e^u - 1)(e^u - 1 + 2) */
        t = w_scale(t, -1);
        k++;
    }
    W u = w_expm1_series(t);
    while (k--)
        u = w_mul(u, w_add(u, w_from_int(2)));
    return w_to_f80(c, u, 0);
}

/* FYL2X and FYL2XP1 round their logarithm to 68 bits, nearest-even,
 * before multiplying it by y (measured on the AMD x87: FYL2XP1 of a tiny x,
 * where log2(1+x) = x log2e, is RNE68(x L66) * y rounded once, for each of
 * 20,000 random x and y; 67 or 69 bits do worse for both instructions). */
static W w_rne68(W a)
{
    const uint64_t lsb = 1ull << 60, half = lsb >> 1;
    if (w_is_zero(a))
        return a;
    if ((a.m.lo & half) && (a.m.lo & (lsb | (half - 1)))) {
        a.m.lo += lsb;
        if (a.m.lo < lsb && !++a.m.hi) { /* carried out of the top: 2^128 */
            a.m.hi = SF_INT_BIT;
            a.exp++;
        }
    }
    a.m.lo &= ~(lsb - 1);
    return a;
}

/* log2(x) for a finite x > 0, with the x87's log2 e, rounded to 68 bits */
static W w_log2(F80 x)
{
    int e;
    uint64_t m = sf_norm(x, &e);
    e -= SF_BIAS;
    W mw = w_from_f80(sf_make(0, SF_BIAS, m)); /* [1, 2) */
    if (m > 0xb504f333f9de6484ull) {          /* above sqrt 2: use m/2 */
        mw = w_scale(mw, -1);
        e++;
    }
    W one = w_from_int(1);
    W ln = w_two_atanh(w_div(w_sub(mw, one), w_add(mw, one)));
    return w_rne68(w_add(w_from_int(e), w_mul(ln, w_const(&k_log2e66))));
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
        if (sf_is_zero(y)) {
            c->flags |= SF_IE;
            return sf_indefinite();
        }
        if (sf_is_inf(y))
            return sf_inf(!sf_sign(y));
        c->flags |= SF_ZE; /* no DE for a denormal y here */
        return sf_inf(!sf_sign(y));
    }
    if (sf_is_inf(x)) {
        if (sf_is_zero(y)) {
            c->flags |= SF_IE;
            return sf_indefinite();
        }
        denormal_check(c, y);
        return sf_inf(sf_sign(y));
    }
    denormal_check(c, x);
    denormal_check(c, y);
    W l = w_log2(x);
    if (sf_is_inf(y)) {
        if (w_is_zero(l)) {
            c->flags |= SF_IE;
            return sf_indefinite();
        }
        return sf_inf(sf_sign(y) ^ l.sign);
    }
    if (w_is_zero(l) || sf_is_zero(y))
        return sf_zero(sf_sign(y) ^ l.sign);
    /* log2 of a power of two is exact; the x87 signals PE all the same */
    int exact = (x.mant << 1) == 0 || (sf_exp(x) == 0 && !(x.mant & (x.mant - 1)));
    c->flags |= SF_PE;
    r = w_to_f80(c, w_mul(l, w_from_f80(y)), exact);
    if (sf_exp(r) == 0) /* and UE for a tiny one */
        c->flags |= SF_UE;
    return r;
}

F80 sf_fyl2xp1(SfCtx *c, F80 x, F80 y)
{
    F80 r;
    if (sf_nan_operands(c, x, y, 1, &r))
        return r;
    if ((sf_is_inf(x) && (sf_sign(x) || sf_is_zero(y))) || (sf_is_inf(y) && sf_is_zero(x))) {
        c->flags |= SF_IE;
        return sf_indefinite();
    }
    denormal_check(c, x);
    denormal_check(c, y);
    if (sf_is_inf(x)) /* log2(+inf) = +inf */
        return sf_inf(sf_sign(y));
    if (sf_is_inf(y))
        return sf_inf(sf_sign(y) ^ sf_sign(x));
    if (sf_is_zero(x) || sf_is_zero(y))
        return sf_zero(sf_sign(x) ^ sf_sign(y));
    /* ln(1+x) = 2 atanh(x / (2 + x)) keeps every bit of a small x */
    W xw = w_from_f80(x);
    W s = w_div(xw, w_add(w_from_int(2), xw));
    W l = w_rne68(w_mul(w_two_atanh(s), w_const(&k_log2e66)));
    return w_to_f80(c, w_mul(l, w_from_f80(y)), 0);
}

/* 192-bit integers, least significant word first */
typedef struct U192 { uint64_t w[3]; } U192;

static U192 u192_shl(U192 a, int n) /* 0 <= n < 192 */
{
    U192 r = { { 0, 0, 0 } };
    int words = n / 64, bits = n % 64;
    for (int i = 2; i >= words; i--) {
        uint64_t v = a.w[i - words] << bits;
        if (bits && i - words - 1 >= 0)
            v |= a.w[i - words - 1] >> (64 - bits);
        r.w[i] = v;
    }
    return r;
}
static int u192_ge(U192 a, U192 b)
{
    for (int i = 2; i >= 0; i--)
        if (a.w[i] != b.w[i])
            return a.w[i] > b.w[i];
    return 1;
}
static U192 u192_sub(U192 a, U192 b)
{
    U192 r;
    uint64_t borrow = 0;
    for (int i = 0; i < 3; i++) {
        uint64_t d = a.w[i] - b.w[i];
        uint64_t b2 = a.w[i] < b.w[i];
        r.w[i] = d - borrow;
        borrow = b2 | (d < borrow);
    }
    return r;
}

/* |x| = r + q * pi66/2 exactly, with r in [-pi66/4, pi66/4]; returns r
 * and the low bits of q.  Requires |x| < 2^63. */
static W trig_reduce(F80 x, unsigned *q)
{
    int e;
    *q = 0;
    x.sexp &= 0x7fff;
    if (sf_is_zero(x) || sf_exp(x) < SF_BIAS - 1)
        return w_from_f80(x);
    uint64_t m = sf_norm(x, &e);
    /* fixed point in units of 2^-128: |x| = m * 2^(e - bias - 63) */
    U192 X = { { m, 0, 0 } }, D = { { pi66_lo, pi66_hi, 0 } };
    X = u192_shl(X, e - SF_BIAS - 63 + 128);
    D = u192_shl(D, 63); /* pi66/2 = P * 2^-65 */
    uint64_t quo = 0;
    for (int bit = 63; bit >= 0; bit--) {
        U192 d = u192_shl(D, bit);
        if (u192_ge(X, d)) {
            X = u192_sub(X, d);
            quo |= 1ull << bit;
        }
    }
    int neg = 0;
    if (u192_ge(u192_shl(X, 1), D)) { /* nearer the next multiple */
        X = u192_sub(D, X);
        neg = 1;
        quo++;
    }
    *q = (unsigned)(quo & 3);
    /* |r| = X * 2^-128 as a W: X's leading bit L becomes bit 127 */
    W r = { neg, 0, { 0, 0 } };
    int L = 191;
    while (L >= 0 && !((X.w[L / 64] >> (L % 64)) & 1))
        L--;
    if (L < 0)
        return r;
    U192 n = u192_shl(X, 191 - L);
    r.m.hi = n.w[2];
    r.m.lo = n.w[1];
    r.exp = L - 128;
    return r;
}

/* sin and cos of x (finite, in range) as 128-bit values */
static void w_sincos(F80 x, W *s, W *co)
{
    unsigned q;
    W r = trig_reduce(x, &q);
    W sn = w_sincos_series(r, 1), cs = w_sincos_series(r, 0);
    switch (q) {
    case 0: *s = sn; *co = cs; break;
    case 1: *s = cs; *co = w_neg(sn); break;
    case 2: *s = w_neg(sn); *co = w_neg(cs); break;
    default: *s = w_neg(cs); *co = sn; break;
    }
    if (sf_sign(x))
        *s = w_neg(*s);
}

/* The operand checks the four trigonometric instructions share: 1 when
 * *r (and the return value *ret) is final. */
static int trig_prologue(SfCtx *c, F80 x, F80 *r, int *ret)
{
    *ret = 0;
    if (sf_nan_operands(c, x, x, 0, r))
        return 1;
    if (sf_is_inf(x)) {
        c->flags |= SF_IE;
        *r = sf_indefinite();
        return 1;
    }
    if (sf_exp(x) >= SF_BIAS + 63) { /* out of range: C2, operand kept */
        *ret = 1;
        return 1;
    }
    denormal_check(c, x);
    return 0;
}

int sf_fsincos(SfCtx *c, F80 x, F80 *s, F80 *co)
{
    int ret;
    if (trig_prologue(c, x, s, &ret)) {
        *co = *s;
        return ret;
    }
    if (sf_is_zero(x)) {
        *s = x;
        *co = sf_from_i64(1);
        return 0;
    }
    W ws, wc;
    w_sincos(x, &ws, &wc);
    *co = w_to_f80(c, wc, 0);
    *s = w_to_f80(c, ws, 0); /* C1 tells how the sine was rounded */
    return 0;
}

int sf_fsin(SfCtx *c, F80 x, F80 *r)
{
    int ret;
    if (trig_prologue(c, x, r, &ret))
        return ret;
    if (sf_is_zero(x)) {
        *r = x;
        return 0;
    }
    W ws, wc;
    w_sincos(x, &ws, &wc);
    *r = w_to_f80(c, ws, 0);
    return 0;
}

int sf_fcos(SfCtx *c, F80 x, F80 *r)
{
    int ret;
    if (trig_prologue(c, x, r, &ret))
        return ret;
    if (sf_is_zero(x)) {
        *r = sf_from_i64(1);
        return 0;
    }
    W ws, wc;
    w_sincos(x, &ws, &wc);
    *r = w_to_f80(c, wc, 0);
    return 0;
}

/* FPTAN of a tiny reduced argument (|r| < 2^-33, with or without
 * reduction, any quadrant).  The AMD x87 evaluates it on the argument
 * scaled by K = k * 2^-68 = 1.45270852695009... and rounded to nearest-even
 * at 68 bits, so its tangent is that of r' = RNE68(r K) / K: below or
 * above tan r by up to 2^-6 ulp, as the rounding of r K went (measured:
 * the sign of its rounding error matches the host's C1 in every one of
 * 3,000,000 arguments; ties go to even).  When r K is exact (r of at most
 * three significant bits) the cubic term is lost too: the result is the
 * operand, PE set (and UE if it is denormal).  *exact tells that case. */
static const uint64_t k_tscale_hi = 0x17, k_tscale_lo = 0x3e4b4bddef8f3458ull;

static W tan_scaled_arg(W r, int *exact)
{
    uint64_t w[4];
    *exact = 0;
    if (w_is_zero(r))
        return r;
    /* r.m * k, exactly: 256 bits, in [2^195, 2^197) */
    const U128 k = { k_tscale_hi, k_tscale_lo };
    u128_mul256(r.m, k, w);
    int sh = 0;
    if (!(w[3] >> 4)) { /* below 2^196: normalise, so that bits 129..196 are the 68 kept */
        w[3] = w[3] << 1 | w[2] >> 63;
        w[2] = w[2] << 1 | w[1] >> 63;
        w[1] = w[1] << 1 | w[0] >> 63;
        w[0] <<= 1;
        sh = 1;
    }
    /* bit 128 (w[2] bit 0) is the rounding bit, w[1]:w[0] the rest */
    int up = 0;
    W e = { 0, 0, { w[1], w[0] } }; /* |rounded - exact| as m * 2^(exp - 127) */
    if (w[2] & 1) {
        if (w[1] | w[0]) { /* above the half: 2^128 - rest */
            up = 1;
            e.m.hi = ~w[1];
            e.m.lo = ~w[0] + 1;
            e.m.hi += e.m.lo == 0;
        } else { /* a tie, to even */
            up = (int)(w[2] >> 1 & 1);
            e.m.hi = SF_INT_BIT;
            e.exp = 1;
        }
    } else if (!(w[1] | w[0])) {
        *exact = 1;
        return r;
    }
    if (e.m.hi >> 63 == 0) { /* normalise */
        int s = e.m.hi ? sf_clz64(e.m.hi) : 64 + sf_clz64(e.m.lo);
        if (s >= 64) {
            e.m.hi = e.m.lo << (s - 64);
            e.m.lo = 0;
        } else {
            e.m.hi = e.m.hi << s | e.m.lo >> (64 - s);
            e.m.lo <<= s;
        }
        e.exp -= s;
    }
    e.exp += 127;
    W kw = { 0, 68, { k_tscale_hi << 59 | k_tscale_lo >> 5, k_tscale_lo << 59 } }; /* k */
    e = w_scale(w_div(e, kw), r.exp - 127 - sh);
    e.sign = r.sign ^ !up;
    return w_add(r, e);
}

int sf_fptan(SfCtx *c, F80 x, F80 *t)
{
    int ret;
    if (trig_prologue(c, x, t, &ret))
        return ret;
    if (sf_is_zero(x)) {
        *t = x;
        return 0;
    }
    unsigned q;
    W r = trig_reduce(x, &q);
    W wt;
    if (r.exp < -33) {
        int exact;
        r = tan_scaled_arg(r, &exact);
        if (exact && !(q & 1)) {
            c->flags |= SF_PE;
            *t = w_to_f80(c, sf_sign(x) ? w_neg(r) : r, 1);
            if (sf_exp(*t) == 0) /* and UE for a denormal one */
                c->flags |= SF_UE;
            return 0;
        }
    }
    if (r.exp < -30 && !(q & 1)) { /* tan r = r + r^3/3 + 2r^5/15 + ... */
        W r3 = w_mul(r, w_mul(r, r));
        wt = w_add(r, w_div(r3, w_from_int(3)));
    } else { /* sin r / cos r, or -cos r / sin r in the odd quadrants */
        W sn = w_sincos_series(r, 1), cs = w_sincos_series(r, 0);
        wt = (q & 1) ? w_neg(w_div(cs, sn)) : w_div(sn, cs);
    }
    if (sf_sign(x))
        wt = w_neg(wt);
    *t = w_to_f80(c, wt, 0);
    return 0;
}

/* The x87's arctangent lies a little below the true angle (measured: of
 * the results that differ from the correctly rounded one, nearly all are
 * smaller in magnitude, the true value being within ~2^-6 ulp above a
 * rounding boundary).  The model: the magnitude less one unit in the 70th
 * significant bit (2^-6 ulp of the 64-bit result), then rounded. */
static W atan_bias(W a)
{
    const uint64_t unit = 1ull << (128 - 70);
    if (w_is_zero(a))
        return a;
    a.m.hi -= a.m.lo < unit;
    a.m.lo -= unit;
    if (!(a.m.hi >> 63)) { /* was 2^127 + less than a unit: renormalise */
        a.m.hi = a.m.hi << 1 | a.m.lo >> 63;
        a.m.lo <<= 1;
        a.exp--;
    }
    return a;
}

/* atan(z) for 0 <= z <= 1: atan(k/16) + atan((z - k/16) / (1 + z k/16)) */
static W w_atan01(W z)
{
    if (w_is_zero(z) || z.exp < -5)
        return w_atan_series(z);
    int sh = 63 - (z.exp + 5); /* z * 32 = hi >> sh, with z.exp <= 0 */
    int k = (int)(((z.m.hi >> sh) + 1) >> 1);
    if (k == 0)
        return w_atan_series(z);
    W ck = w_scale(w_from_int(k), -4);
    W t = w_div(w_sub(z, ck), w_add(w_from_int(1), w_mul(z, ck)));
    return w_add(w_const(&k_atan16[k - 1]), w_atan_series(t));
}

F80 sf_fpatan(SfCtx *c, F80 y, F80 x)
{
    F80 r;
    if (sf_nan_operands(c, y, x, 1, &r))
        return r;
    denormal_check(c, x);
    denormal_check(c, y);
    int sy = sf_sign(y), sx = sf_sign(x);
    W pi = w_const(&k_pi), half = w_scale(pi, -1), a;
    if (sf_is_zero(y)) {
        if (!sx) {
            c->c1 = 0;
            return sf_zero(sy);
        }
        a = pi;
    } else if (sf_is_inf(y) && sf_is_inf(x)) {
        a = w_scale(pi, -2);
        if (sx)
            a = w_sub(pi, a);
    } else if (sf_is_inf(y) || sf_is_zero(x)) {
        a = half;
    } else if (sf_is_inf(x)) {
        if (!sx) {
            c->c1 = 0;
            return sf_zero(sy);
        }
        a = pi;
    } else {
        W ay = w_from_f80(y), ax = w_from_f80(x);
        ay.sign = ax.sign = 0;
        int swap = ay.exp > ax.exp || (ay.exp == ax.exp && (ay.m.hi > ax.m.hi));
        W z = swap ? w_div(ax, ay) : w_div(ay, ax);
        a = w_atan01(z);
        if (swap)
            a = w_sub(half, a);
        if (sx)
            a = w_sub(pi, a);
    }
    if (sy)
        a = w_neg(a);
    return w_to_f80(c, atan_bias(a), 0);
}
