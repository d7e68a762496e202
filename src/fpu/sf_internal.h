/* Shared by the soft-float files: unpacking, 128-bit helpers, rounding. */
#ifndef E386_SF_INTERNAL_H
#define E386_SF_INTERNAL_H
#include "fpu/softfloat.h"

#define SF_BIAS 16383

/* the fast paths must be inlined into their callers (the x87 handlers) */
#if defined(__GNUC__)
#define SF_INLINE static inline __attribute__((always_inline))
#else
#define SF_INLINE static inline
#endif

/* Requests from the x87 layer, carried in SfCtx.flags above the exception
 * bits: OE / UE is unmasked.  The x87 then delivers an overflowing or
 * tiny result bound for the extended format (sf_round with emax 0x7fff)
 * rounded at an unbounded exponent and re-biased into range by
 * SF_WRAP_BIAS, and signals UE on tininess alone, exact result or not.
 * (A memory destination is not written at all; x87.c sees to that.) */
#define SF_TRAP_OE 0x4000
#define SF_TRAP_UE 0x8000
#define SF_WRAP_BIAS 24576
#define SF_INT_BIT 0x8000000000000000ull

typedef struct U128 { uint64_t hi, lo; } U128;

static inline int sf_sign(F80 a) { return a.sexp >> 15; }
static inline int sf_exp(F80 a) { return a.sexp & 0x7fff; }
static inline int sf_is_nan(F80 a) { return sf_exp(a) == 0x7fff && (a.mant >> 63) && (a.mant << 1); }
static inline int sf_is_snan(F80 a) { return sf_is_nan(a) && !(a.mant & (1ull << 62)); }
static inline int sf_is_inf(F80 a) { return sf_exp(a) == 0x7fff && a.mant == SF_INT_BIT; }
static inline int sf_is_zero(F80 a) { return sf_exp(a) == 0 && a.mant == 0; }
static inline int sf_is_denormal(F80 a) { return sf_exp(a) == 0 && a.mant != 0; }
/* unnormals, pseudo-infinities and pseudo-NaNs: invalid operands */
static inline int sf_is_unsupported(F80 a) { return sf_exp(a) != 0 && !(a.mant >> 63); }
SF_INLINE F80 sf_make(int sign, int exp, uint64_t mant)
{
    F80 r = { mant, (uint16_t)((sign ? 0x8000 : 0) | (exp & 0x7fff)) };
    return r;
}
static inline F80 sf_indefinite(void) { return sf_make(1, 0x7fff, 0xc000000000000000ull); }
static inline F80 sf_inf(int sign) { return sf_make(sign, 0x7fff, SF_INT_BIT); }
static inline F80 sf_zero(int sign) { return sf_make(sign, 0, 0); }

/* Leading zeros of v (64 for 0): the compiler's count where it has one,
 * sf_clz64_portable (unit-tested against it) elsewhere. */
int sf_clz64_portable(uint64_t v);
#if defined(__GNUC__)
static inline int sf_clz64(uint64_t v) { return v ? __builtin_clzll(v) : 64; }
#else
static inline int sf_clz64(uint64_t v) { return sf_clz64_portable(v); }
#endif
U128 u128_shr_sticky(U128 v, int n);
/* Normalise a finite nonzero value: *e gets the exponent that goes with a
 * significand whose bit 63 is set (may be < 1 for denormals). */
uint64_t sf_norm(F80 a, int *e);
/* Round (hi + lo/2^64) * 2^(e - bias - 63), hi normalised, to p bits with
 * exponent field range 1..emax-1 (0 = denormal), per c->rc.  Sets flags
 * and c->c1.  Returns the significand; *eout the exponent field. */
uint64_t sf_round_slow(SfCtx *c, int sign, int32_t e, uint64_t hi, uint64_t lo, int p, int32_t emax,
                       int32_t *eout);

/* sf_round's fast path: hi normalised and 1 <= e < emax - 1, so the
 * result is neither tiny nor (even after a carry) overflowing and none of
 * the slow path's denormal, trap and overflow cases can arise; the
 * rounding itself is the slow path's, step for step. */
SF_INLINE uint64_t sf_round_normal(SfCtx *c, int sign, int32_t e, uint64_t hi, uint64_t lo, int p,
                                   int32_t *eout)
{
    /* branch-free where the data decides (which way a random operand
     * rounds is a coin toss for the host's branch predictor) */
    int drop = 64 - p;
    uint64_t mask = drop ? (~0ull >> (64 - drop)) : 0, ulp = mask + 1;
    unsigned inexact, gt, eq;
    if (drop) {
        uint64_t rem = hi & mask, half = 1ull << (drop - 1);
        inexact = (rem | lo) != 0;
        gt = (rem > half) | ((rem == half) & (lo != 0));
        eq = (rem == half) & (lo == 0);
    } else {
        inexact = lo != 0;
        gt = lo > SF_INT_BIT;
        eq = lo == SF_INT_BIT;
    }
    unsigned inc;
    switch (c->rc) {
    case 0: inc = gt | (eq & ((hi & ulp) != 0)); break;
    case 1: inc = (unsigned)sign & inexact; break;
    case 2: inc = (unsigned)!sign & inexact; break;
    default: inc = 0; break;
    }
    c->flags |= (uint16_t)(inexact ? SF_PE : 0);
    c->c1 = (uint8_t)inc;
    hi = (hi & ~mask) + (ulp & (0 - (uint64_t)inc));
    *eout = e;
    if (hi == 0) { /* carried out of the top: 1.000... at the next exponent */
        hi = SF_INT_BIT;
        *eout = e + 1;
    }
    return hi;
}

SF_INLINE uint64_t sf_round(SfCtx *c, int sign, int32_t e, uint64_t hi, uint64_t lo, int p,
                                int32_t emax, int32_t *eout)
{
    if ((hi >> 63) && e >= 1 && e < emax - 1)
        return sf_round_normal(c, sign, e, hi, lo, p, eout);
    return sf_round_slow(c, sign, e, hi, lo, p, emax, eout);
}

SF_INLINE int sf_precision(const SfCtx *c)
{
    return c->pc == 0 ? 24 : c->pc == 2 ? 53 : 64; /* PC=1 is reserved: treat as 64 */
}

SF_INLINE F80 sf_round_pack(SfCtx *c, int sign, int32_t e, uint64_t hi, uint64_t lo)
{
    int32_t eo;
    uint64_t m = sf_round(c, sign, e, hi, lo, sf_precision(c), 0x7fff, &eo);
    return sf_make(sign, eo, m);
}

/* a quotient of 65 or 66 bits qh:ql (plus sticky) at exponent difference
 * de, aligned for rounding (shared by sf_div and its fast path) */
SF_INLINE F80 sf_div_result(SfCtx *c, int sign, int32_t de, uint64_t qh, uint64_t ql, uint64_t sticky)
{
    if (qh & 2) /* ma >= mb: 66 significant bits */
        return sf_round_pack(c, sign, de + SF_BIAS, (qh << 62) | (ql >> 2), (ql << 62) | sticky);
    return sf_round_pack(c, sign, de + SF_BIAS - 1, (qh << 63) | (ql >> 1), (ql << 63) | sticky);
}

/* the difference of two magnitudes, hi:lo at exponent e: an exact zero
 * takes the rounding mode's sign (-0 only rounding down); otherwise it is
 * normalised and rounded (shared by the fast path and sf_add's) */
SF_INLINE F80 sf_sub_result(SfCtx *c, int sign, int32_t e, uint64_t hi, uint64_t lo)
{
    if (!hi && !lo)
        return sf_zero(c->rc == 1);
    int sh = hi ? sf_clz64(hi) : 64 + sf_clz64(lo);
    if (sh >= 64) {
        hi = lo << (sh - 64);
        lo = 0;
    } else if (sh) {
        hi = (hi << sh) | (lo >> (64 - sh));
        lo <<= sh;
    }
    return sf_round_pack(c, sign, e - sh, hi, lo);
}

/* A finite, normal operand (exponent 1..0x7ffe, integer bit set): the
 * case every fast path takes; everything else goes the slow way. */
SF_INLINE int sf_is_normal(F80 a)
{
    return (unsigned)(sf_exp(a) - 1) < 0x7ffe && (a.mant >> 63);
}

/* The arithmetic without its fast paths (softfloat.c): the reference the
 * unit tests compare the fast paths with, and what the fast paths fall
 * back to for anything but two normal operands. */
F80 sf_add_slow(SfCtx *c, F80 a, F80 b);
F80 sf_sub_slow(SfCtx *c, F80 a, F80 b);
F80 sf_mul_slow(SfCtx *c, F80 a, F80 b);
F80 sf_div_slow(SfCtx *c, F80 a, F80 b);
uint64_t sf_to_f64_slow(SfCtx *c, F80 a);

/* NaN operand rules: returns 1 and sets *r if a or b is a NaN or an
 * unsupported encoding. */
int sf_nan_operands(SfCtx *c, F80 a, F80 b, int two, F80 *r);
/* the 128-bit product of a and b: four 32x32 products, or the host's
 * 64x64 multiply on the 64-bit little-endian hosts CI measures (x86-64,
 * aarch64); 32-bit and s390x builds run the portable one, and the unit
 * tests compare the two wherever both exist */
void sf_mul64_portable(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo);
#if defined(__SIZEOF_INT128__) && (defined(__x86_64__) || defined(__aarch64__))
#define SF_HAVE_MUL128 1
__extension__ typedef unsigned __int128 sf_u128_t;
static inline void sf_mul64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
    sf_u128_t p = (sf_u128_t)a * b;
    *hi = (uint64_t)(p >> 64);
    *lo = (uint64_t)p;
}
#else
static inline void sf_mul64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
    sf_mul64_portable(a, b, hi, lo);
}
#endif
void u128_mul256(U128 a, U128 b, uint64_t w[4]); /* exact; w[3] most significant */

/* 128-bit significand values for the transcendental kernels (sf_wide.c):
 * (-1)^sign * m * 2^(exp - 127), m.hi bit 63 set, or zero (m == 0). */
typedef struct W { int sign; int32_t exp; U128 m; } W;
typedef struct WConst { uint64_t hi, lo; int32_t exp; } WConst;
static inline int w_is_zero(W a) { return !(a.m.hi | a.m.lo); }
W w_from_f80(F80 a);
W w_from_int(int64_t v);
W w_const(const WConst *k);
W w_scale(W a, int32_t n);
W w_neg(W a);
W w_add(W a, W b);
W w_sub(W a, W b);
W w_mul(W a, W b);
W w_div(W a, W b);
F80 w_to_f80(SfCtx *c, W a, int exact);
W w_two_atanh(W s);
W w_sincos_series(W r, int odd);
W w_atan_series(W t);
W w_expm1_series(W t);
#endif
