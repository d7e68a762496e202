/* Shared by the soft-float files: unpacking, 128-bit helpers, rounding. */
#ifndef E386_SF_INTERNAL_H
#define E386_SF_INTERNAL_H
#include "fpu/softfloat.h"

#define SF_BIAS 16383

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
static inline F80 sf_make(int sign, int exp, uint64_t mant)
{
    F80 r = { mant, (uint16_t)((sign ? 0x8000 : 0) | (exp & 0x7fff)) };
    return r;
}
static inline F80 sf_indefinite(void) { return sf_make(1, 0x7fff, 0xc000000000000000ull); }
static inline F80 sf_inf(int sign) { return sf_make(sign, 0x7fff, SF_INT_BIT); }
static inline F80 sf_zero(int sign) { return sf_make(sign, 0, 0); }

int sf_clz64(uint64_t v);
U128 u128_shr_sticky(U128 v, int n);
/* Normalise a finite nonzero value: *e gets the exponent that goes with a
 * significand whose bit 63 is set (may be < 1 for denormals). */
uint64_t sf_norm(F80 a, int *e);
/* Round (hi + lo/2^64) * 2^(e - bias - 63), hi normalised, to p bits with
 * exponent field range 1..emax-1 (0 = denormal), per c->rc.  Sets flags
 * and c->c1.  Returns the significand; *eout the exponent field. */
uint64_t sf_round(SfCtx *c, int sign, int32_t e, uint64_t hi, uint64_t lo, int p, int32_t emax,
                  int32_t *eout);
F80 sf_round_pack(SfCtx *c, int sign, int32_t e, uint64_t hi, uint64_t lo);
int sf_precision(const SfCtx *c);
/* NaN operand rules: returns 1 and sets *r if a or b is a NaN or an
 * unsupported encoding. */
int sf_nan_operands(SfCtx *c, F80 a, F80 b, int two, F80 *r);
void sf_mul64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo);
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
