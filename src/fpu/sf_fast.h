/* The fast paths of the x87 arithmetic for two normal operands, inline
 * so that the specialised x87 handlers (src/cpu/x87_spec.c) get them
 * without a call; sf_fast.c wraps them into sf_add, sf_mul, ... with the
 * slow path (softfloat.c) for every other operand.  Each is the slow
 * path's computation with the special-operand screening left out (a
 * normal operand needs no normalising and raises no DE), except the
 * division, which finds the same quotient bits two 32-bit digits at a
 * time; tests/unit/test_sf_fast.c compares them bit for bit. */
#ifndef E386_SF_FAST_H
#define E386_SF_FAST_H
#include "fpu/sf_internal.h"

/* a + (-1)^negate_b b for normal a and b: add_sub's steps without the
 * special operands (normal operands need no normalising, raise no DE) */
/* mb shifted right by d >= 0 into (bh, bl), the bits below bl kept
 * sticky in its lowest bit */
SF_INLINE void sf_align_wide(uint64_t mb, int d, uint64_t *bh, uint64_t *bl)
{
    if (d < 64) {
        *bh = mb >> d;
        *bl = (mb << 1) << (63 - d); /* 0 for d = 0 */
    } else if (d < 128) {
        *bh = 0;
        *bl = (d == 64 ? mb : mb >> (d - 64)) | (d > 64 && (mb << (128 - d)) != 0);
    } else {
        *bh = 0;
        *bl = 1;
    }
}

SF_INLINE F80 sf_add_normal(SfCtx *c, F80 a, F80 b, int negate_b)
{
    int sa = sf_sign(a), sb = sf_sign(b) ^ negate_b;
    int ea = sf_exp(a), eb = sf_exp(b);
    uint64_t ma = a.mant, mb = b.mant;
    c->c1 = 0;
    if (ea < eb || (ea == eb && ma < mb)) { /* make a the larger magnitude */
        uint64_t tm = ma; ma = mb; mb = tm;
        int te = ea; ea = eb; eb = te;
        int ts = sa; sa = sb; sb = ts;
    }
    uint64_t bh, bl;
    sf_align_wide(mb, ea - eb, &bh, &bl);
    if (sa == sb) {
        uint64_t hi = ma + bh, lo = bl;
        int e = ea;
        if (hi < ma) { /* carry out: shift right one, sticky kept */
            lo = (lo >> 1) | (hi << 63) | (lo & 1);
            hi = (hi >> 1) | SF_INT_BIT;
            e++;
        }
        return sf_round_pack(c, sa, e, hi, lo);
    }
    uint64_t lo = 0 - bl;
    uint64_t hi = ma - bh - (bl != 0);
    return sf_sub_result(c, sa, ea, hi, lo);
}

/* sf_add_normal with the same result and flags, for operands whose
 * signs and magnitudes are coin tosses for the host's branch predictor --
 * a dot product's accumulation (x87_run.c), whose terms have random
 * signs: which operand is larger, addition or subtraction, a carry out
 * and the renormalisation are selected with masks.  Only the rare cases
 * branch: an alignment shift of 64 bits or more, and a cancellation of
 * the whole high word (or an exact zero).  It executes some 20 more
 * instructions than sf_add_normal, a loss where the branches predict
 * well (fp_nbody's handlers: measured 8 % slower with it everywhere). */
SF_INLINE F80 sf_add_normal_mixed(SfCtx *c, F80 a, F80 b, int negate_b)
{
    unsigned sa = (unsigned)sf_sign(a), sb = (unsigned)sf_sign(b) ^ (unsigned)negate_b;
    int ea = sf_exp(a), eb = sf_exp(b);
    uint64_t ma = a.mant, mb = b.mant;
    /* sub: all ones for a subtraction of magnitudes */
    uint64_t sub = 0 - (uint64_t)((sa ^ sb) & 1);
    c->c1 = 0;
    /* make a the larger magnitude: swap under the mask sw */
    uint64_t sw = 0 - (uint64_t)((ea < eb) | ((ea == eb) & (ma < mb)));
    uint64_t tm = (ma ^ mb) & sw;
    ma ^= tm;
    mb ^= tm;
    int te = (ea ^ eb) & (int)(sw & 0x7fff);
    ea ^= te;
    eb ^= te;
    sa ^= (sa ^ sb) & (unsigned)(sw & 1);
    uint64_t bh, bl;
    sf_align_wide(mb, ea - eb, &bh, &bl);
    /* a subtraction negates (bh, bl): the difference ma:0 - bh:bl is
     * hi = ma - bh - (bl != 0), lo = -bl */
    uint64_t lo = (bl ^ sub) - sub;
    uint64_t hi = ma + ((bh ^ sub) + (sub & (uint64_t)(bl == 0)));
    uint64_t ovf = ~sub & (0 - (uint64_t)(hi < ma)); /* an addition's carry out */
    if (!(hi | ovf)) /* the high word cancelled, or an exact zero */
        return sf_sub_result(c, (int)sa, ea, hi, lo);
    /* carry out: shift right one, sticky kept; else shift left by the
     * leading zeros (0 for an addition without carry) */
    uint64_t rh = (hi >> 1) | SF_INT_BIT, rl = (lo >> 1) | (hi << 63) | (lo & 1);
    int sh = sf_clz64(hi | 1) & (int)(~ovf & 63);
    uint64_t lh = (hi << sh) | ((lo >> 1) >> (63 - sh)), ll = lo << sh;
    hi = (rh & ovf) | (lh & ~ovf);
    lo = (rl & ovf) | (ll & ~ovf);
    return sf_round_pack(c, (int)sa, ea + (int)(ovf & 1) - sh, hi, lo);
}

SF_INLINE F80 sf_mul_normal(SfCtx *c, F80 a, F80 b)
{
    uint64_t hi, lo;
    sf_mul64(a.mant, b.mant, &hi, &lo);
    /* normalise by the one bit the product may lack, without a branch */
    int sh = !(hi >> 63);
    int32_t e = sf_exp(a) + sf_exp(b) - SF_BIAS + 1 - sh;
    hi = (hi << sh) | ((lo >> 63) & (uint64_t)sh);
    lo <<= sh;
    c->c1 = 0;
    return sf_round_pack(c, sf_sign(a) ^ sf_sign(b), e, hi, lo);
}

/* Knuth's algorithm D for two 32-bit quotient digits (Hacker's Delight
 * divlu with a normalised divisor); all arithmetic modulo 2^64 */
SF_INLINE uint64_t sf_div128(uint64_t u1, uint64_t u0, uint64_t v, uint64_t *rem)
{
    const uint64_t b = 1ull << 32;
    uint64_t vn1 = v >> 32, vn0 = v & 0xffffffffu;
    uint64_t un1 = u0 >> 32, un0 = u0 & 0xffffffffu;
    uint64_t q1 = u1 / vn1, rhat = u1 - q1 * vn1;
    while (q1 >= b || q1 * vn0 > ((rhat << 32) | un1)) {
        q1--;
        rhat += vn1;
        if (rhat >= b)
            break;
    }
    uint64_t un21 = (u1 << 32) + un1 - q1 * v;
    uint64_t q0 = un21 / vn1;
    rhat = un21 - q0 * vn1;
    while (q0 >= b || q0 * vn0 > ((rhat << 32) | un0)) {
        q0--;
        rhat += vn1;
        if (rhat >= b)
            break;
    }
    *rem = (un21 << 32) + un0 - q0 * v;
    return (q1 << 32) | q0;
}

SF_INLINE F80 sf_div_normal(SfCtx *c, F80 a, F80 b)
{
    uint64_t ma = a.mant, mb = b.mant;
    int ea = sf_exp(a), eb = sf_exp(b);
    /* Q = floor(ma * 2^65 / mb) and its sticky remainder, as sf_div_slow's
     * 66 restoring steps give them: Q = 2^65 t + 2 q + x with t = ma >= mb,
     * q = floor((ma - t mb) 2^64 / mb) (remainder r) and x = 2r >= mb */
    uint64_t t = ma >= mb, r;
    uint64_t q = sf_div128(ma - (t ? mb : 0), 0, mb, &r);
    uint64_t x = r >= mb - r;
    uint64_t r2 = x ? r - (mb - r) : r << 1;
    uint64_t qh = (t << 1) | (q >> 63), ql = (q << 1) | x, sticky = r2 != 0;
    c->c1 = 0;
    return sf_div_result(c, sf_sign(a) ^ sf_sign(b), ea - eb, qh, ql, sticky);
}

/* FST m64 of a normal value: to_ieee's steps without the special operands */
SF_INLINE uint64_t sf_to_f64_normal(SfCtx *c, F80 a)
{
    int s = sf_sign(a);
    int32_t eo;
    c->c1 = 0;
    uint64_t r = sf_round(c, s, sf_exp(a) - SF_BIAS + 1023, a.mant, 0, 53, 0x7ff, &eo);
    return (uint64_t)s << 63 | ((uint64_t)eo << 52) | ((r << 1) >> 12);
}
#endif
