/* The x87 arithmetic core: rounding, add, sub, mul, div, sqrt, compare.
 * Everything is integer arithmetic on the 64-bit significand with a
 * 64-bit extension for rounding, so results are identical on any host. */
#include "fpu/sf_internal.h"

int sf_clz64_portable(uint64_t v)
{
    int n = 0;
    if (!v)
        return 64;
    for (int sh = 32; sh; sh >>= 1)
        if (!(v >> (64 - sh))) {
            v <<= sh;
            n += sh;
        }
    return n;
}

U128 u128_shr_sticky(U128 v, int n)
{
    U128 r;
    if (n <= 0)
        return v;
    if (n >= 128) {
        r.hi = 0;
        r.lo = (v.hi | v.lo) != 0;
        return r;
    }
    if (n >= 64) {
        uint64_t lost = v.lo | (n > 64 ? v.hi << (128 - n) : 0);
        r.hi = 0;
        r.lo = (n == 64 ? v.hi : v.hi >> (n - 64)) | (lost != 0);
        return r;
    }
    uint64_t lost = v.lo << (64 - n);
    r.lo = (v.lo >> n) | (v.hi << (64 - n)) | (lost != 0);
    r.hi = v.hi >> n;
    return r;
}

uint64_t sf_norm(F80 a, int *e)
{
    int ex = sf_exp(a);
    uint64_t m = a.mant;
    if (ex == 0)
        ex = 1; /* denormals and pseudo-denormals scale like exponent 1 */
    int s = sf_clz64(m);
    *e = ex - s;
    return m << s;
}

void sf_mul64_portable(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
    uint64_t al = a & 0xffffffffu, ah = a >> 32, bl = b & 0xffffffffu, bh = b >> 32;
    uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    uint64_t mid = (ll >> 32) + (lh & 0xffffffffu) + (hl & 0xffffffffu);
    *lo = (ll & 0xffffffffu) | (mid << 32);
    *hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

uint64_t sf_round_slow(SfCtx *c, int sign, int32_t e, uint64_t hi, uint64_t lo, int p, int32_t emax,
                       int32_t *eout)
{
    c->c1 = 0;
    /* The x87 detects tininess after rounding: a value just below the
     * smallest normal that rounds up to it (at an unbounded exponent) is
     * not tiny. */
    int tiny = e < 1;
    if (e == 0 && ((hi | (p == 64 ? 0 : ~0ull >> p)) == ~0ull)) {
        int d = 64 - p;
        uint64_t m = d ? (~0ull >> (64 - d)) : 0, rem = hi & m;
        int gt, eq;
        if (d) {
            uint64_t half = 1ull << (d - 1);
            gt = rem > half || (rem == half && lo);
            eq = rem == half && !lo;
        } else {
            gt = lo > SF_INT_BIT;
            eq = lo == SF_INT_BIT;
        }
        int inexact0 = rem || lo, up = 0;
        if (inexact0)
            up = c->rc == 0 ? (gt || (eq && ((hi >> d) & 1))) : c->rc == 1 ? sign : c->rc == 2 ? !sign : 0;
        if (up)
            tiny = 0;
    }
    int wrap = emax == 0x7fff; /* an extended destination can take a re-biased result */
    int trap_ue = tiny && (c->flags & SF_TRAP_UE);
    if (trap_ue)
        c->flags |= SF_UE;
    int rebias = trap_ue && wrap;
    if (rebias && e + SF_WRAP_BIAS < 1) {
        /* too tiny even re-biased (FSCALE): zero in every rounding mode */
        c->flags |= SF_UE | SF_PE;
        *eout = 0;
        return 0;
    }
    if (e < 1 && !rebias) { /* denormalise: the result keeps exponent field 0 */
        U128 v = { hi, lo };
        v = u128_shr_sticky(v, 1 - e);
        hi = v.hi;
        lo = v.lo;
        e = 1;
    }
    int drop = 64 - p;
    uint64_t mask = drop ? (~0ull >> (64 - drop)) : 0;
    int cmp; /* remainder against half an ulp: -1, 0, 1 */
    int inexact;
    if (drop) {
        uint64_t rem = hi & mask, half = 1ull << (drop - 1);
        inexact = rem != 0 || lo != 0;
        cmp = rem > half || (rem == half && lo) ? 1 : rem == half ? 0 : -1;
    } else {
        inexact = lo != 0;
        cmp = lo > SF_INT_BIT ? 1 : lo == SF_INT_BIT ? 0 : -1;
    }
    uint64_t ulp = drop ? mask + 1 : 1;
    int inc = 0;
    if (inexact) {
        switch (c->rc) {
        case 0: inc = cmp > 0 || (cmp == 0 && (hi & ulp)); break;
        case 1: inc = sign; break;
        case 2: inc = !sign; break;
        default: break;
        }
    }
    hi &= ~mask;
    if (inc) {
        hi += ulp;
        if (hi == 0) { /* carried out of the top: 1.000... at the next exponent */
            hi = SF_INT_BIT;
            e++;
        }
        c->c1 = 1;
    }
    if (tiny && inexact)
        c->flags |= SF_UE;
    if (inexact)
        c->flags |= SF_PE;
    if (rebias) {
        *eout = e + SF_WRAP_BIAS;
        return hi;
    }
    if (!(hi & SF_INT_BIT)) { /* still denormal (or zero) */
        *eout = 0;
        return hi;
    }
    if (e >= emax && wrap && (c->flags & SF_TRAP_OE)) {
        c->flags |= SF_OE;
        if (e - SF_WRAP_BIAS >= emax) { /* too large even re-biased: infinity */
            c->flags |= SF_PE;
            c->c1 = 1;
            *eout = emax;
            return SF_INT_BIT;
        }
        *eout = e - SF_WRAP_BIAS;
        return hi;
    }
    if (e >= emax) {
        c->flags |= SF_OE | SF_PE;
        int to_inf = c->rc == 0 || (c->rc == 1 && sign) || (c->rc == 2 && !sign);
        c->c1 = (uint8_t)to_inf;
        if (to_inf) {
            *eout = emax;
            return SF_INT_BIT;
        }
        *eout = emax - 1;
        return ~mask;
    }
    *eout = e;
    return hi;
}

int sf_nan_operands(SfCtx *c, F80 a, F80 b, int two, F80 *r)
{
    if (sf_is_unsupported(a) || (two && sf_is_unsupported(b))) {
        c->flags |= SF_IE;
        *r = sf_indefinite();
        return 1;
    }
    int na = sf_is_nan(a), nb = two && sf_is_nan(b);
    if (!na && !nb)
        return 0;
    if (sf_is_snan(a) || (two && sf_is_snan(b)))
        c->flags |= SF_IE;
    F80 qa = a, qb = b;
    qa.mant |= 1ull << 62;
    qb.mant |= 1ull << 62;
    if (na && nb) {
        /* SDM table 4-7: a QNaN beats an SNaN; two of a kind: the larger
         * significand; on a tie, the first */
        int sa = sf_is_snan(a), sb = sf_is_snan(b);
        if (sa != sb)
            *r = sa ? qb : qa;
        else
            *r = (qb.mant > qa.mant) ? qb : qa;
    } else {
        *r = na ? qa : qb;
    }
    return 1;
}

static void denormal_check(SfCtx *c, F80 a)
{
    if (sf_is_denormal(a))
        c->flags |= SF_DE;
}

static F80 add_sub(SfCtx *c, F80 a, F80 b, int negate_b)
{
    F80 r;
    if (sf_nan_operands(c, a, b, 1, &r))
        return r;
    int sa = sf_sign(a), sb = sf_sign(b) ^ negate_b;
    denormal_check(c, a); /* also when the other operand is infinite */
    denormal_check(c, b);
    if (sf_is_inf(a) || sf_is_inf(b)) {
        if (sf_is_inf(a) && sf_is_inf(b) && sa != sb) {
            c->flags |= SF_IE;
            return sf_indefinite();
        }
        return sf_is_inf(a) ? sf_inf(sa) : sf_inf(sb);
    }
    c->c1 = 0;
    if (sf_is_zero(a) && sf_is_zero(b))
        return sf_zero(sa == sb ? sa : c->rc == 1);
    if (sf_is_zero(a) || sf_is_zero(b)) {
        /* x + 0 = x, rounded to the precision in force */
        F80 x = sf_is_zero(a) ? b : a;
        int sx = sf_is_zero(a) ? sb : sa, ex;
        uint64_t m = sf_norm(x, &ex);
        return sf_round_pack(c, sx, ex, m, 0);
    }
    int ea, eb;
    uint64_t ma = sf_norm(a, &ea), mb = sf_norm(b, &eb);
    if (ea < eb || (ea == eb && ma < mb)) { /* make a the larger magnitude */
        uint64_t tm = ma; ma = mb; mb = tm;
        int te = ea; ea = eb; eb = te;
        int ts = sa; sa = sb; sb = ts;
    }
    U128 A = { ma, 0 }, B = { mb, 0 };
    B = u128_shr_sticky(B, ea - eb);
    int e = ea;
    if (sa == sb) {
        uint64_t lo = A.lo + B.lo;
        uint64_t carry_lo = lo < A.lo;
        uint64_t hi = A.hi + B.hi + carry_lo;
        int carry = hi < A.hi || (hi == A.hi && (B.hi || carry_lo));
        U128 s = { hi, lo };
        if (carry) {
            s = u128_shr_sticky(s, 1);
            s.hi |= SF_INT_BIT;
            e++;
        }
        return sf_round_pack(c, sa, e, s.hi, s.lo);
    }
    uint64_t lo = A.lo - B.lo;
    uint64_t hi = A.hi - B.hi - (A.lo < B.lo);
    return sf_sub_result(c, sa, e, hi, lo);
}

F80 sf_add_slow(SfCtx *c, F80 a, F80 b) { return add_sub(c, a, b, 0); }
F80 sf_sub_slow(SfCtx *c, F80 a, F80 b) { return add_sub(c, a, b, 1); }

F80 sf_mul_slow(SfCtx *c, F80 a, F80 b)
{
    F80 r;
    if (sf_nan_operands(c, a, b, 1, &r))
        return r;
    int s = sf_sign(a) ^ sf_sign(b);
    if (sf_is_inf(a) || sf_is_inf(b)) {
        if (sf_is_zero(a) || sf_is_zero(b)) {
            c->flags |= SF_IE;
            return sf_indefinite();
        }
        denormal_check(c, a);
        denormal_check(c, b);
        return sf_inf(s);
    }
    denormal_check(c, a);
    denormal_check(c, b);
    c->c1 = 0;
    if (sf_is_zero(a) || sf_is_zero(b))
        return sf_zero(s);
    int ea, eb;
    uint64_t ma = sf_norm(a, &ea), mb = sf_norm(b, &eb), hi, lo;
    sf_mul64(ma, mb, &hi, &lo);
    int32_t e = ea + eb - SF_BIAS + 1;
    if (!(hi & SF_INT_BIT)) {
        hi = (hi << 1) | (lo >> 63);
        lo <<= 1;
        e--;
    }
    return sf_round_pack(c, s, e, hi, lo);
}

F80 sf_div_slow(SfCtx *c, F80 a, F80 b)
{
    F80 r;
    if (sf_nan_operands(c, a, b, 1, &r))
        return r;
    int s = sf_sign(a) ^ sf_sign(b);
    if (sf_is_inf(a)) {
        if (sf_is_inf(b)) {
            c->flags |= SF_IE;
            return sf_indefinite();
        }
        denormal_check(c, b);
        return sf_inf(s);
    }
    if (sf_is_inf(b)) {
        denormal_check(c, a);
        return sf_zero(s);
    }
    if (sf_is_zero(b)) {
        if (sf_is_zero(a)) {
            c->flags |= SF_IE;
            return sf_indefinite();
        }
        c->flags |= SF_ZE; /* no DE for a denormal dividend here (as the x87) */
        return sf_inf(s);
    }
    denormal_check(c, a);
    denormal_check(c, b);
    c->c1 = 0;
    if (sf_is_zero(a))
        return sf_zero(s);
    int ea, eb;
    uint64_t ma = sf_norm(a, &ea), mb = sf_norm(b, &eb);
    /* 66 quotient bits of ma * 2^65 / mb, restoring division */
    uint64_t rem = ma, qh = 0, ql = 0;
    int carry = 0;
    for (int k = 0; k < 66; k++) {
        int bit = 0;
        if (carry || rem >= mb) {
            rem -= mb;
            bit = 1;
        }
        qh = (qh << 1) | (ql >> 63);
        ql = (ql << 1) | (uint64_t)bit;
        carry = (int)(rem >> 63);
        rem <<= 1;
    }
    uint64_t sticky = (rem != 0 || carry);
    return sf_div_result(c, s, ea - eb, qh, ql, sticky);
}

static int u128_ge(U128 a, U128 b) { return a.hi > b.hi || (a.hi == b.hi && a.lo >= b.lo); }
static U128 u128_add(U128 a, U128 b)
{
    U128 r = { a.hi + b.hi, a.lo + b.lo };
    r.hi += r.lo < a.lo;
    return r;
}
static U128 u128_sub(U128 a, U128 b)
{
    U128 r = { a.hi - b.hi - (a.lo < b.lo), a.lo - b.lo };
    return r;
}

F80 sf_sqrt(SfCtx *c, F80 a)
{
    F80 r;
    if (sf_nan_operands(c, a, a, 0, &r))
        return r;
    if (sf_is_zero(a))
        return a;
    if (sf_sign(a)) {
        c->flags |= SF_IE;
        return sf_indefinite();
    }
    if (sf_is_inf(a))
        return a;
    denormal_check(c, a);
    c->c1 = 0;
    int ea;
    uint64_t m = sf_norm(a, &ea);
    int32_t E = ea - SF_BIAS, e;
    U128 n;
    if (E & 1) { /* N = m * 2^64 */
        n.hi = m;
        n.lo = 0;
        e = SF_BIAS + (E - 1) / 2;
    } else {     /* N = m * 2^63 */
        n.hi = m >> 1;
        n.lo = m << 63;
        e = SF_BIAS + E / 2;
    }
    U128 res = { 0, 0 }, bit = { 1ull << 62, 0 };
    while (bit.hi | bit.lo) {
        U128 t = u128_add(res, bit);
        if (u128_ge(n, t)) {
            n = u128_sub(n, t);
            res.lo = (res.lo >> 1) | (res.hi << 63);
            res.hi >>= 1;
            res = u128_add(res, bit);
        } else {
            res.lo = (res.lo >> 1) | (res.hi << 63);
            res.hi >>= 1;
        }
        bit.lo = (bit.lo >> 2) | (bit.hi << 62);
        bit.hi >>= 2;
    }
    uint64_t root = res.lo;
    /* remainder > root  <=>  the discarded part exceeds half an ulp */
    int nz = (n.hi | n.lo) != 0;
    int above = n.hi != 0 || n.lo > root;
    uint64_t lo = above ? SF_INT_BIT | 1 : nz ? 1 : 0;
    return sf_round_pack(c, 0, e, root, lo);
}

int sf_compare(SfCtx *c, F80 a, F80 b, int quiet)
{
    if (sf_is_unsupported(a) || sf_is_unsupported(b)) {
        c->flags |= SF_IE;
        return SF_UN;
    }
    if (sf_is_nan(a) || sf_is_nan(b)) {
        if (!quiet || sf_is_snan(a) || sf_is_snan(b))
            c->flags |= SF_IE;
        return SF_UN;
    }
    denormal_check(c, a);
    denormal_check(c, b);
    if (sf_is_zero(a) && sf_is_zero(b))
        return SF_EQ;
    int sa = sf_sign(a), sb = sf_sign(b);
    if (sa != sb)
        return sa ? SF_LT : SF_GT;
    /* same sign: compare magnitudes (pseudo-denormals scale as exponent 1) */
    int mag;
    if (sf_is_zero(a) || sf_is_zero(b))
        mag = sf_is_zero(a) ? -1 : 1;
    else {
        int xa, xb;
        uint64_t ma = sf_norm(a, &xa), mb = sf_norm(b, &xb);
        mag = xa != xb ? (xa < xb ? -1 : 1) : ma != mb ? (ma < mb ? -1 : 1) : 0;
    }
    if (mag == 0)
        return SF_EQ;
    return (mag < 0) != sa ? SF_LT : SF_GT;
}
