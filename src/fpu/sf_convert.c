/* Conversions and the x87's non-arithmetic operations: integers, single
 * and double formats, BCD, FRNDINT, FSCALE, FXTRACT, FPREM, FXAM, and the
 * constants. */
#include "fpu/sf_internal.h"

F80 sf_from_i64(int64_t v)
{
    if (v == 0)
        return sf_zero(0);
    int s = v < 0;
    uint64_t m = s ? 0 - (uint64_t)v : (uint64_t)v;
    int sh = sf_clz64(m);
    return sf_make(s, SF_BIAS + 63 - sh, m << sh);
}

/* from a binary format with `fbits` fraction bits and exponent bias */
static F80 from_ieee(SfCtx *c, int sign, uint32_t e, uint64_t frac, int fbits, int emax, int bias)
{
    if ((int)e == emax) {
        if (frac == 0)
            return sf_inf(sign);
        F80 n = sf_make(sign, 0x7fff, SF_INT_BIT | (frac << (63 - fbits)));
        if (!(n.mant & (1ull << 62)))
            c->flags |= SF_IE; /* a signalling NaN is quieted */
        n.mant |= 1ull << 62;
        return n;
    }
    if (e == 0) {
        if (frac == 0)
            return sf_zero(sign);
        c->flags |= SF_DE;
        int sh = sf_clz64(frac);
        /* value = frac * 2^(1 - bias - fbits) */
        /* value = frac * 2^(1 - bias - fbits), normalised */
        return sf_make(sign, SF_BIAS - bias - fbits + 64 - sh, frac << sh);
    }
    return sf_make(sign, (int)e - bias + SF_BIAS, SF_INT_BIT | (frac << (63 - fbits)));
}

F80 sf_from_f32(SfCtx *c, uint32_t b)
{
    return from_ieee(c, (int)(b >> 31), (b >> 23) & 0xff, b & 0x7fffff, 23, 0xff, 127);
}

F80 sf_from_f64(SfCtx *c, uint64_t b)
{
    return from_ieee(c, (int)(b >> 63), (uint32_t)(b >> 52) & 0x7ff, b & 0xfffffffffffffull, 52, 0x7ff, 1023);
}

static uint64_t to_ieee(SfCtx *c, F80 a, int fbits, int emax, int bias)
{
    uint64_t inf = (uint64_t)emax << fbits;
    c->c1 = 0;
    if (sf_is_unsupported(a)) {
        c->flags |= SF_IE;
        a = sf_indefinite();
    }
    int s = sf_sign(a);
    uint64_t sign = (uint64_t)s << (fbits + (emax == 0xff ? 8 : 11));
    if (sf_is_nan(a)) {
        if (sf_is_snan(a))
            c->flags |= SF_IE;
        return sign | inf | (1ull << (fbits - 1)) | ((a.mant << 1) >> (64 - fbits));
    }
    if (sf_is_inf(a))
        return sign | inf;
    if (sf_is_zero(a))
        return sign; /* stores signal no DE for a denormal source (x87) */
    int e;
    uint64_t m = sf_norm(a, &e);
    int32_t eo;
    uint64_t r = sf_round(c, s, e - SF_BIAS + bias, m, 0, fbits + 1, emax, &eo);
    return sign | ((uint64_t)eo << fbits) | ((r << 1) >> (64 - fbits));
}

uint32_t sf_to_f32(SfCtx *c, F80 a) { return (uint32_t)to_ieee(c, a, 23, 0xff, 127); }
uint64_t sf_to_f64_slow(SfCtx *c, F80 a) { return to_ieee(c, a, 52, 0x7ff, 1023); }

/* Round to an integral value: *out gets the integer part's significand and
 * exponent as an F80.  Returns 1 if the value was inexact. */
static F80 round_int(SfCtx *c, F80 a, int rc, int *inexact, int *up)
{
    int s = sf_sign(a), e;
    *inexact = *up = 0;
    if (sf_is_zero(a))
        return a;
    uint64_t m = sf_norm(a, &e);
    int frac = SF_BIAS + 63 - e; /* fraction bits */
    if (frac <= 0)
        return sf_make(s, e, m);
    uint64_t ip, rem, half;
    int cmp;
    if (frac >= 65) {
        ip = 0;
        cmp = -1;
        *inexact = 1;
    } else if (frac == 64) {
        ip = 0;
        cmp = m > SF_INT_BIT ? 1 : m == SF_INT_BIT ? 0 : -1;
        *inexact = 1;
    } else {
        ip = m >> frac;
        rem = m & ((1ull << frac) - 1);
        half = 1ull << (frac - 1);
        *inexact = rem != 0;
        cmp = rem > half ? 1 : rem == half ? 0 : -1;
    }
    (void)c;
    int inc = 0;
    if (*inexact) {
        switch (rc) {
        case 0: inc = cmp > 0 || (cmp == 0 && (ip & 1)); break;
        case 1: inc = s; break;
        case 2: inc = !s; break;
        default: break;
        }
    }
    ip += (uint64_t)inc;
    *up = inc;
    if (ip == 0)
        return sf_zero(s);
    int sh = sf_clz64(ip);
    return sf_make(s, SF_BIAS + 63 - sh, ip << sh);
}

F80 sf_round_to_int(SfCtx *c, F80 a)
{
    F80 r;
    if (sf_nan_operands(c, a, a, 0, &r))
        return r;
    if (sf_is_inf(a))
        return a;
    if (sf_is_denormal(a))
        c->flags |= SF_DE;
    int inexact, up;
    r = round_int(c, a, c->rc, &inexact, &up);
    c->c1 = (uint8_t)up;
    if (inexact)
        c->flags |= SF_PE;
    return r;
}

int64_t sf_to_int(SfCtx *c, F80 a, int bits, int truncate)
{
    int64_t indefinite = bits == 64 ? INT64_MIN : -((int64_t)1 << (bits - 1));
    c->c1 = 0;
    if (sf_is_nan(a) || sf_is_inf(a) || sf_is_unsupported(a)) {
        c->flags |= SF_IE;
        return indefinite;
    }
    int inexact, up; /* FIST signals no DE for a denormal source */
    F80 r = round_int(c, a, truncate ? 3 : c->rc, &inexact, &up);
    if (sf_is_zero(r)) {
        if (inexact) { c->flags |= SF_PE; c->c1 = (uint8_t)up; }
        return 0;
    }
    int e = sf_exp(r) - SF_BIAS; /* value = mant * 2^(e - 63) */
    if (e > 63) {
        c->flags |= SF_IE;
        return indefinite;
    }
    uint64_t mag = r.mant >> (63 - e);
    uint64_t lim = (uint64_t)1 << (bits - 1);
    if (sf_sign(r) ? mag > lim : mag >= lim) {
        c->flags |= SF_IE;
        return indefinite;
    }
    if (inexact) {
        c->flags |= SF_PE;
        c->c1 = (uint8_t)up;
    }
    return sf_sign(r) ? (int64_t)(0 - mag) : (int64_t)mag;
}

F80 sf_from_bcd(const uint8_t b[10])
{
    int64_t v = 0;
    for (int i = 8; i >= 0; i--)
        v = v * 100 + (b[i] >> 4) * 10 + (b[i] & 15); /* invalid digits: undefined, computed anyway */
    F80 r = sf_from_i64(v);
    if (b[9] & 0x80)
        r.sexp |= 0x8000;
    return r;
}

void sf_to_bcd(SfCtx *c, F80 a, uint8_t out[10])
{
    int64_t v = sf_to_int(c, a, 64, 0);
    uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    if (v == INT64_MIN || mag > 999999999999999999ull) {
        c->flags |= SF_IE;
        static const uint8_t ind[10] = { 0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xff };
        for (int i = 0; i < 10; i++)
            out[i] = ind[i];
        c->flags &= (uint16_t)~SF_PE;
        c->c1 = 0;
        return;
    }
    for (int i = 0; i < 9; i++) {
        unsigned lo = (unsigned)(mag % 10), hi = (unsigned)(mag / 10 % 10);
        out[i] = (uint8_t)(hi << 4 | lo);
        mag /= 100;
    }
    out[9] = sf_sign(a) ? 0x80 : 0;
}

int sf_classify(F80 a)
{
    enum { C0 = 0x100, C2 = 0x400, C3 = 0x4000 };
    if (sf_is_unsupported(a))
        return 0;
    if (sf_is_nan(a))
        return C0;
    if (sf_is_inf(a))
        return C2 | C0;
    if (sf_is_zero(a))
        return C3;
    if (sf_exp(a) == 0)
        return C3 | C2; /* denormal */
    return C2;
}

/* FSCALE and FPREM results are exact unless they leave the exponent range:
 * rounded at 64 bits whatever the precision control says */
static F80 round64(SfCtx *c, int sign, int32_t e, uint64_t m)
{
    int32_t eo;
    uint64_t r = sf_round(c, sign, e, m, 0, 64, 0x7fff, &eo);
    return sf_make(sign, eo, r);
}

F80 sf_scale(SfCtx *c, F80 a, F80 b)
{
    F80 r;
    if (sf_nan_operands(c, a, b, 1, &r))
        return r;
    if (sf_is_inf(b)) {
        if (sf_is_denormal(a))
            c->flags |= SF_DE;
        if ((sf_sign(b) && sf_is_inf(a)) || (!sf_sign(b) && sf_is_zero(a))) {
            c->flags |= SF_IE;
            return sf_indefinite();
        }
        if (sf_is_zero(a) || sf_is_inf(a))
            return a;
        return sf_sign(b) ? sf_zero(sf_sign(a)) : sf_inf(sf_sign(a));
    }
    if (sf_is_inf(a) || sf_is_zero(a)) {
        if (sf_is_denormal(b)) c->flags |= SF_DE;
        return a;
    }
    if (sf_is_denormal(a) || sf_is_denormal(b))
        c->flags |= SF_DE;
    /* the scale is b truncated to an integer; beyond +-2^20 the result
     * overflows or underflows in every case, so clamp there */
    int32_t n = 0;
    int eb = sf_exp(b) - SF_BIAS;
    if (eb >= 20)
        n = 1 << 20;
    else if (eb >= 0)
        n = (int32_t)(b.mant >> (63 - eb));
    if (sf_sign(b))
        n = -n;
    int e;
    uint64_t m = sf_norm(a, &e);
    return round64(c, sf_sign(a), e + n, m);
}

void sf_xtract(SfCtx *c, F80 a, F80 *exp, F80 *sig)
{
    F80 r;
    if (sf_nan_operands(c, a, a, 0, &r)) {
        *exp = *sig = r;
        return;
    }
    if (sf_is_zero(a)) {
        c->flags |= SF_ZE;
        *exp = sf_inf(1);
        *sig = a;
        return;
    }
    if (sf_is_inf(a)) {
        *exp = sf_inf(0);
        *sig = a;
        return;
    }
    if (sf_is_denormal(a))
        c->flags |= SF_DE;
    int e;
    uint64_t m = sf_norm(a, &e);
    *exp = sf_from_i64(e - SF_BIAS);
    *sig = sf_make(sf_sign(a), SF_BIAS, m);
}

/* FPREM/FPREM1: exact remainder by repeated subtraction of shifted
 * divisors, at most 63 quotient bits per instruction, as the x87 does. */
F80 sf_prem(SfCtx *c, F80 a, F80 b, int ieee, uint32_t *quot, int *partial)
{
    F80 r;
    *quot = 0;
    *partial = 0;
    if (sf_nan_operands(c, a, b, 1, &r))
        return r;
    if (sf_is_inf(a) || sf_is_zero(b)) {
        c->flags |= SF_IE;
        return sf_indefinite();
    }
    if (sf_is_denormal(a) || sf_is_denormal(b))
        c->flags |= SF_DE;
    if (sf_exp(a) == 0 && (a.mant >> 63))
        a.sexp |= 1; /* a pseudo-denormal comes back normalised */
    if (sf_is_zero(a))
        return a;
    int ea, eb;
    uint64_t ma = sf_norm(a, &ea), mb = sf_norm(b, &eb);
    int d = ea - eb;
    /* a itself, through the rounding so that a denormal one is tiny (UE
     * unmasked: re-biased, as the x87 does) */
    if (sf_is_inf(b) || (d < 0 && (!ieee || d < -1)))
        return round64(c, sf_sign(a), ea, ma);
    if (d >= 64) { /* partial: reduce by a multiple 2^(d - n) with 32 <= n <= 63 */
        int n = 32 + (d % 32);
        int shift = d - n;
        uint64_t rem = ma >= mb ? ma - mb : ma;
        /* remainder of ma * 2^n / mb, then scaled back */
        for (int i = 0; i < n; i++) {
            int carry = (int)(rem >> 63);
            rem <<= 1;
            if (carry || rem >= mb)
                rem -= mb;
        }
        *partial = 1;
        if (rem == 0)
            return sf_zero(sf_sign(a));
        int sh = sf_clz64(rem);
        return round64(c, sf_sign(a), eb + shift - sh, rem << sh);
    }
    /* full reduction: q = trunc(a / b), rem = a - q*b at b's scale */
    uint64_t rem = ma, q = 0;
    int s = sf_sign(a), re = eb;
    if (d >= 0) {
        if (rem >= mb) { rem -= mb; q = 1; }
        for (int i = 0; i < d; i++) {
            int carry = (int)(rem >> 63);
            rem <<= 1;
            q <<= 1;
            if (carry || rem >= mb) { rem -= mb; q |= 1; }
        }
        if (ieee) { /* round the quotient to nearest even instead */
            int carry = (int)(rem >> 63);
            uint64_t twice = rem << 1;
            if (carry || twice > mb || (twice == mb && (q & 1))) {
                rem = mb - rem;
                s ^= 1;
                q++;
            }
        }
    } else { /* FPREM1 with |a| in [|b|/2, |b|): ma vs mb decides */
        re = ea;
        if (ma > mb) {
            rem = mb - (ma - mb); /* |b - a| at a's scale */
            s ^= 1;
            q = 1;
        }
    }
    *quot = (uint32_t)(q & 7);
    if (rem == 0)
        return sf_zero(sf_sign(a));
    int sh = sf_clz64(rem);
    return round64(c, s, re - sh, rem << sh);
}

F80 sf_const(SfCtx *c, int which)
{
    /* 64-bit significands, the next two bits of the true value, and a
     * sticky bit (all these constants are irrational), rounded per RC */
    static const struct { uint64_t m; int e; int below; } k[] = {
        { SF_INT_BIT, 0, 0 },                       /* 1 */
        { 0xd49a784bcd1b8afeull, 1, 1 },            /* log2(10) */
        { 0xb8aa3b295c17f0bbull, 0, 2 },            /* log2(e) */
        { 0xc90fdaa22168c234ull, 1, 3 },            /* pi */
        { 0x9a209a84fbcff798ull, -2, 2 },           /* log10(2) */
        { 0xb17217f7d1cf79abull, -1, 3 },           /* ln(2) */
        { 0, 0, 0 },                                /* 0 */
    };
    c->c1 = 0; /* the constants never report a rounding in C1 */
    if (which == SF_C_ZERO)
        return sf_zero(0);
    uint64_t lo = (uint64_t)k[which].below << 62 | 1;
    if (which == SF_C_ONE)
        return sf_make(0, SF_BIAS, SF_INT_BIT);
    /* FLD constants round to 64 bits regardless of PC */
    SfCtx t = *c;
    t.pc = 3;
    t.flags = 0;
    return sf_round_pack(&t, 0, SF_BIAS + k[which].e, k[which].m, lo);
}
