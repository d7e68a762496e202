/* 80-bit extended precision floating point in software, as the x87 does
 * it: integer arithmetic only, no host floating point, no global state. */
#ifndef E386_SOFTFLOAT_H
#define E386_SOFTFLOAT_H
#include <stdint.h>

/* sexp: bit 15 sign, bits 0-14 biased exponent (bias 16383);
 * mant: 64-bit significand with an explicit integer bit 63. */
typedef struct F80 {
    uint64_t mant;
    uint16_t sexp;
} F80;

/* Exception flags, at their x87 status word positions. */
enum { SF_IE = 1, SF_DE = 2, SF_ZE = 4, SF_OE = 8, SF_UE = 16, SF_PE = 32 };

typedef struct SfCtx {
    uint8_t rc;     /* 0 nearest-even, 1 down, 2 up, 3 toward zero */
    uint8_t pc;     /* x87 PC field: 0 = 24-bit, 2 = 53-bit, 3 = 64-bit significand */
    uint16_t flags; /* accumulated SF_* flags */
    uint8_t c1;     /* 1 when the last result was rounded up in magnitude */
} SfCtx;

enum { SF_LT, SF_EQ, SF_GT, SF_UN };
enum { SF_C_ONE, SF_C_L2T, SF_C_L2E, SF_C_PI, SF_C_LG2, SF_C_LN2, SF_C_ZERO };

F80 sf_add(SfCtx *c, F80 a, F80 b);
F80 sf_sub(SfCtx *c, F80 a, F80 b);
F80 sf_mul(SfCtx *c, F80 a, F80 b);
F80 sf_div(SfCtx *c, F80 a, F80 b);
F80 sf_sqrt(SfCtx *c, F80 a);
F80 sf_round_to_int(SfCtx *c, F80 a);               /* FRNDINT */
F80 sf_scale(SfCtx *c, F80 a, F80 b);               /* FSCALE */
void sf_xtract(SfCtx *c, F80 a, F80 *exp, F80 *sig); /* FXTRACT */
/* FPREM (ieee 0) / FPREM1 (ieee 1): *quot gets the low 3 quotient bits,
 * *partial is set when the reduction is incomplete (C2). */
F80 sf_prem(SfCtx *c, F80 a, F80 b, int ieee, uint32_t *quot, int *partial);
int sf_compare(SfCtx *c, F80 a, F80 b, int quiet);  /* SF_LT..SF_UN */
/* FXAM class as C3/C2/C0 at their status word bits (0x4000/0x0400/0x0100) */
int sf_classify(F80 a);

F80 sf_from_i64(int64_t v);
F80 sf_from_f32(SfCtx *c, uint32_t bits);
F80 sf_from_f64(SfCtx *c, uint64_t bits);
uint32_t sf_to_f32(SfCtx *c, F80 a);
uint64_t sf_to_f64(SfCtx *c, F80 a);
/* to a bits-wide integer (16, 32, 64) by rc or by truncation; out of range
 * or NaN gives the integer indefinite (the most negative value) with IE */
int64_t sf_to_int(SfCtx *c, F80 a, int bits, int truncate);
F80 sf_from_bcd(const uint8_t bcd[10]);
void sf_to_bcd(SfCtx *c, F80 a, uint8_t out[10]);
F80 sf_const(SfCtx *c, int which);

/* Transcendentals (src/fpu/sf_trans.c, kernels in sf_wide.c).  The trig
 * functions return 1 when |x| >= 2^63 (C2 set, operand left as it is).
 * FPTAN: when *tan comes back a NaN (NaN or infinite operand) the x87
 * pushes that NaN instead of 1.0.  FSINCOS: C1 describes the sine (as on
 * AMD; Intel reports the cosine's, see docs/fpu.md). */
F80 sf_f2xm1(SfCtx *c, F80 a);
F80 sf_fyl2x(SfCtx *c, F80 x, F80 y);
F80 sf_fyl2xp1(SfCtx *c, F80 x, F80 y);
int sf_fptan(SfCtx *c, F80 x, F80 *tan); /* 1: out of range, C2 */
int sf_fsin(SfCtx *c, F80 x, F80 *r);
int sf_fcos(SfCtx *c, F80 x, F80 *r);
int sf_fsincos(SfCtx *c, F80 x, F80 *s, F80 *co);
F80 sf_fpatan(SfCtx *c, F80 y, F80 x); /* atan(y / x) with the quadrant */
#endif
