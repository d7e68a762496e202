/* The soft-float test operations, shared by test_softfloat.c and
 * sf_trans_sweep.c: for each x87 operation, an operand generator, the
 * soft-float version and (on x86 hosts) the same instruction on the host
 * x87, both giving results, integer result and status word the same way. */
#ifndef E386_SF_TESTOPS_H
#define E386_SF_TESTOPS_H
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "fpu/softfloat.h"

#if defined(__i386__) || defined(__x86_64__)
#define SFT_HAVE_X87 1
#endif

enum { SW_C0 = 0x100, SW_C1 = 0x200, SW_C2 = 0x400, SW_C3 = 0x4000 };

/* Exact operations first, then the transcendentals. */
enum {
    OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_SQRT, OP_RNDINT, OP_F64, OP_F32, OP_I32,
    OP_I16, OP_I64, OP_TI16, OP_TI32, OP_TI64, OP_LD32, OP_LD64, OP_COM, OP_UCOM,
    OP_PREM, OP_PREM1, OP_SCALE, OP_XTRACT, OP_BSTP, OP_BLD, OP_CONST, OP_XAM,
    SFT_NEXACT,
    OP_F2XM1 = SFT_NEXACT, OP_FYL2X, OP_FYL2XP1, OP_FPTAN, OP_FSIN, OP_FCOS, OP_FSINCOS, OP_FPATAN,
    SFT_NOPS
};

typedef struct SftOp {
    const char *name;
    int cases;       /* per control word */
    uint16_t swmask; /* status word bits the operation defines */
    int nres;        /* F80 results (0: integer result) */
} SftOp;

static const SftOp sft_ops[SFT_NOPS] = {
    { "add", 3000, 0x023f, 1 },     { "sub", 3000, 0x023f, 1 },     { "mul", 3000, 0x023f, 1 },
    { "div", 3000, 0x023f, 1 },     { "sqrt", 3000, 0x023f, 1 },    { "rndint", 3000, 0x023f, 1 },
    { "to_f64", 3000, 0x023f, 0 },  { "to_f32", 3000, 0x023f, 0 },  { "to_i32", 3000, 0x023f, 0 },
    { "to_i16", 2000, 0x023f, 0 },  { "to_i64", 2000, 0x023f, 0 },  { "trunc_i16", 1000, 0x023f, 0 },
    { "trunc_i32", 1000, 0x023f, 0 }, { "trunc_i64", 1000, 0x023f, 0 }, { "from_f32", 1000, 0x023f, 1 },
    { "from_f64", 1000, 0x023f, 1 }, { "fcom", 2000, 0x473f, 0 },   { "fucom", 2000, 0x473f, 0 },
    { "fprem", 2000, 0x473f, 1 },   { "fprem1", 2000, 0x473f, 1 },  { "fscale", 2000, 0x023f, 1 },
    { "fxtract", 1000, 0x023f, 2 }, { "fbstp", 2000, 0x023f, 0 },   { "fbld", 500, 0x023f, 1 },
    { "fldconst", 7, 0x023f, 1 },   { "fxam", 1000, 0x4700, 0 },
    { "f2xm1", 400, 0x063f, 1 },    { "fyl2x", 400, 0x063f, 1 },    { "fyl2xp1", 400, 0x063f, 1 },
    { "fptan", 400, 0x063f, 1 },    { "fsin", 400, 0x063f, 1 },     { "fcos", 400, 0x063f, 1 },
    { "fsincos", 400, 0x063f, 2 },  { "fpatan", 400, 0x063f, 1 },
};

/* control words: every RC and PC, all exceptions masked */
static const uint16_t sft_cws[] = { 0x037f, 0x077f, 0x0b7f, 0x0f7f, 0x027f, 0x007f, 0x0e7f, 0x047f };
#define SFT_NCW (sizeof sft_cws / sizeof sft_cws[0])

typedef struct SftRes {
    F80 r0, r1;  /* results (r1: FXTRACT significand, FSINCOS cosine) */
    uint64_t iv; /* integer or packed result */
    uint16_t sw; /* exception flags and condition codes */
    uint8_t c1cos; /* soft FSINCOS only: C1 of the cosine alone (vendor rule FSINCOS_C1) */
} SftRes;

typedef struct SftVec {
    uint8_t op;
    uint16_t cw, ae, be, r0e, r1e, sw;
    uint64_t am, bm, r0m, r1m, iv;
} SftVec;

typedef struct SftRng { uint32_t s; } SftRng;
static uint32_t sft_rnd(SftRng *r)
{
    r->s = r->s * 1664525u + 1013904223u;
    return r->s;
}
static inline uint64_t sft_rnd64(SftRng *r)
{
    uint64_t hi = sft_rnd(r);
    return hi << 32 | sft_rnd(r);
}

static inline F80 sft_edge(int i)
{
    static const F80 e[] = {
        { 0, 0 }, { 0, 0x8000 }, { 0x8000000000000000ull, 0x3fff }, { 0x8000000000000000ull, 0xbfff },
        { 0x8000000000000000ull, 0x7fff }, { 0x8000000000000000ull, 0xffff },      /* infinities */
        { 0xc000000000000000ull, 0x7fff }, { 0xa000000000000000ull, 0x7fff },      /* QNaN, SNaN */
        { 0xffffffffffffffffull, 0x7ffe }, { 0x8000000000000000ull, 0x0001 },      /* max, min normal */
        { 0x0000000000000001ull, 0x0000 }, { 0x7fffffffffffffffull, 0x0000 },      /* denormals */
        { 0xc90fdaa22168c235ull, 0x4000 }, { 0xaaaaaaaaaaaaaaabull, 0x3ffd },
        { 0x8000000000000001ull, 0x3fff }, { 0xfffffffffffffffeull, 0x3ffe },
        { 0x8000000000000000ull, 0x43fe }, { 0xffffffff00000000ull, 0x401e },
        { 0xe000000000000000ull, 0xffff }, { 0x8000000000000001ull, 0xffff },      /* -QNaN, -SNaN */
        { 0x4000000000000000ull, 0x3fff }, { 0x8000000000000001ull, 0x0000 },      /* unnormal, pseudo-denormal */
        { 0x0000000000000000ull, 0x7fff }, { 0x4000000000000001ull, 0x7fff },      /* pseudo-inf, pseudo-NaN */
    };
    return e[i % (int)(sizeof e / sizeof e[0])];
}
#define SFT_NEDGE 24

static inline F80 sft_random(SftRng *rng, int lo_exp, int span)
{
    F80 v;
    v.mant = sft_rnd64(rng);
    uint32_t r = sft_rnd(rng);
    int kind = r & 7;
    if (kind == 0)
        return sft_edge((int)(r >> 8) % 18); /* the supported edges */
    v.mant |= 1ull << 63;
    if (kind == 1)
        v.mant &= ~0ull << (r >> 26); /* short significands, exact cases */
    v.sexp = (uint16_t)(lo_exp + (int)((r >> 8) % (uint32_t)span) + ((r >> 20) & 1 ? 0x8000 : 0));
    if (kind == 2 && span > 4)
        v.sexp = (uint16_t)((v.sexp & 0x8000) | (1 + (r >> 8) % 100)); /* near underflow */
    if (kind == 3 && span > 4)
        v.sexp = (uint16_t)((v.sexp & 0x8000) | (0x7ffe - (r >> 8) % 100)); /* near overflow */
    return v;
}

/* an IEEE single or double: specials, denormals, random */
static inline uint64_t sft_random_ieee(SftRng *rng, int fbits, int ebits)
{
    uint64_t frac = sft_rnd64(rng) & ((1ull << fbits) - 1), emax = (1ull << ebits) - 1;
    uint32_t r = sft_rnd(rng);
    uint64_t e;
    switch (r & 7) {
    case 0: e = 0; break;
    case 1: e = emax; break;
    case 2: e = 0, frac >>= (r >> 8) % (uint32_t)fbits; break;
    case 3: e = emax, frac = (r >> 8) & 1 ? 0 : frac; break;
    default: e = 1 + (r >> 8) % (uint32_t)(emax - 1); break;
    }
    return (uint64_t)((r >> 30) & 1) << (fbits + ebits) | e << fbits | frac;
}

static inline F80 sft_bcd_operand(SftRng *rng)
{
    uint64_t digits = 0;
    int n = 1 + (int)(sft_rnd(rng) % 18);
    for (int i = 0; i < n; i++)
        digits = digits << 4 | sft_rnd(rng) % 10;
    F80 v = { digits, (uint16_t)((sft_rnd(rng) & 1 ? 0x8000 : 0) | ((sft_rnd(rng) & 7) ? 0 : 0x99)) };
    return v;
}

/* Operands of case k of op (edges first, then random ones suited to op). */
static inline void sft_gen(int op, int k, SftRng *rng, F80 *a, F80 *b)
{
    int two = op == OP_ADD || op == OP_SUB || op == OP_MUL || op == OP_DIV || op == OP_COM ||
              op == OP_UCOM || op == OP_PREM || op == OP_PREM1 || op == OP_SCALE || op == OP_FYL2X ||
              op == OP_FYL2XP1 || op == OP_FPATAN;
    int nedge = two ? SFT_NEDGE * SFT_NEDGE : SFT_NEDGE;
    F80 zero = { 0, 0 };
    *b = zero;
    if (op == OP_CONST) {
        a->mant = (uint64_t)k;
        a->sexp = 0;
        return;
    }
    if (op == OP_LD32 || op == OP_LD64) {
        a->mant = op == OP_LD32 ? sft_random_ieee(rng, 23, 8) : sft_random_ieee(rng, 52, 11);
        a->sexp = 0;
        return;
    }
    if (op == OP_BLD) {
        *a = sft_bcd_operand(rng);
        return;
    }
    if (k < nedge) {
        *a = sft_edge(two ? k / SFT_NEDGE : k);
        *b = sft_edge(k % SFT_NEDGE);
        /* FYL2XP1 is undefined from |x| = 1 - sqrt(2)/2 on: keep x smaller */
        if (op == OP_FYL2XP1 && (a->sexp & 0x7fff) >= 0x3ffd && (a->sexp & 0x7fff) != 0x7fff)
            a->sexp = (uint16_t)((a->sexp & 0x8000) | 0x3ffc);
        return;
    }
    uint32_t r = sft_rnd(rng);
    switch (op) {
    case OP_I16: case OP_TI16:
        *a = sft_random(rng, 0x3fff - 2, 20);
        break;
    case OP_I32: case OP_TI32:
        *a = sft_random(rng, 0x3fff - 2, 36);
        break;
    case OP_I64: case OP_TI64:
        *a = sft_random(rng, 0x3fff - 2, 68);
        break;
    case OP_BSTP:
        *a = sft_random(rng, 0x3fff - 2, 64);
        if ((r & 7) == 0) { /* around 10^18 */
            a->sexp = (uint16_t)((a->sexp & 0x8000) | (0x3fff + 59));
            a->mant = 0xde0b6b3a76400000ull + (sft_rnd64(rng) & 0x3ff) - 0x200;
        }
        break;
    case OP_PREM: case OP_PREM1:
        *b = sft_random(rng, 0x3fff - 40, 80);
        *a = sft_random(rng, 0x3fff - 40, 80);
        if (r & 1) /* exponents close, or far apart for partial remainders */
            a->sexp = (uint16_t)((a->sexp & 0x8000) |
                                 (((b->sexp & 0x7fff) + (int)((r >> 1) % (r & 2 ? 8u : 200u)) - 2) & 0x7fff));
        break;
    case OP_SCALE:
        *a = sft_random(rng, 0x3fff - 40, 80);
        *b = sf_from_i64((int64_t)(int32_t)sft_rnd(rng) >> (r % 32));
        if ((r >> 8) & 1)
            *b = sft_random(rng, 0x3fff - 3, 20); /* fractional scales */
        break;
    case OP_SUB:
        *a = sft_random(rng, 0x3fff - 40, 80);
        *b = sft_random(rng, 0x3fff - 40, 80);
        if ((k & 3) == 0)
            *b = *a, b->mant ^= 1ull << (sft_rnd(rng) & 63); /* cancellation */
        break;
    case OP_XAM:
        a->mant = sft_rnd64(rng);
        a->sexp = (uint16_t)(sft_rnd(rng) & 0x8001) | (uint16_t)((r & 3) == 0 ? 0x7fff : (r & 3) == 1 ? 0x3fff : 0);
        break;
    case OP_F2XM1: /* defined for |x| <= 1 */
        *a = sft_random(rng, 0x3fff - 70, 70);
        if (r & 1)
            *a = sft_random(rng, 0x3fff - 4, 5);
        break;
    case OP_FYL2X:
        *a = sft_random(rng, 0x3fff - 100, 200);
        a->sexp &= 0x7fff;
        if (r & 1) { /* near 1 */
            a->sexp = (uint16_t)(0x3ffe + (r >> 1 & 1));
            a->mant = r & 4 ? ~0ull - (sft_rnd64(rng) >> (r >> 8) % 64) : (1ull << 63) + (sft_rnd64(rng) >> (r >> 8) % 64);
        }
        *b = sft_random(rng, 0x3fff - 10, 20);
        break;
    case OP_FYL2XP1: /* defined for |x| < 1 - sqrt(2)/2 */
        *a = sft_random(rng, 0x3fff - 70, 69);
        if (r & 1)
            a->sexp = (uint16_t)((a->sexp & 0x8000) | (0x3fff - 3 - (r >> 1) % 4));
        if ((a->sexp & 0x7fff) >= 0x3ffd && (a->sexp & 0x7fff) != 0x7fff)
            a->sexp = (uint16_t)((a->sexp & 0x8000) | 0x3ffc);
        *b = sft_random(rng, 0x3fff - 10, 20);
        break;
    case OP_FPTAN: case OP_FSIN: case OP_FCOS: case OP_FSINCOS:
        *a = sft_random(rng, 0x3fff - 70, 72);
        if (r & 1)
            *a = sft_random(rng, 0x3fff - 3, 8);
        if ((r & 15) == 2)
            *a = sft_random(rng, 0x3fff, 66);
        break;
    case OP_FPATAN:
        *a = sft_random(rng, 0x3fff - 70, 140);
        *b = sft_random(rng, 0x3fff - 70, 140);
        if (r & 1)
            b->sexp = (uint16_t)((b->sexp & 0x8000) | ((a->sexp & 0x7fff) + (r >> 1) % 5 - 2));
        break;
    default:
        *a = sft_random(rng, 0x3fff - 40, 80);
        *b = sft_random(rng, 0x3fff - 40, 80);
        break;
    }
}

static const uint8_t sft_const_ids[7] = { SF_C_ONE, SF_C_L2T, SF_C_L2E, SF_C_PI, SF_C_LG2, SF_C_LN2, SF_C_ZERO };

static inline void sft_soft(int op, F80 a, F80 b, uint16_t cw, SftRes *o)
{
    SfCtx c = { (uint8_t)((cw >> 10) & 3), (uint8_t)((cw >> 8) & 3), 0, 0 };
    uint16_t cc = 0;
    memset(o, 0, sizeof *o);
    switch (op) {
    case OP_ADD: o->r0 = sf_add(&c, a, b); break;
    case OP_SUB: o->r0 = sf_sub(&c, a, b); break;
    case OP_MUL: o->r0 = sf_mul(&c, a, b); break;
    case OP_DIV: o->r0 = sf_div(&c, a, b); break;
    case OP_SQRT: o->r0 = sf_sqrt(&c, a); break;
    case OP_RNDINT: o->r0 = sf_round_to_int(&c, a); break;
    case OP_F64: o->iv = sf_to_f64(&c, a); break;
    case OP_F32: o->iv = sf_to_f32(&c, a); break;
    case OP_I16: o->iv = (uint16_t)sf_to_int(&c, a, 16, 0); break;
    case OP_I32: o->iv = (uint32_t)sf_to_int(&c, a, 32, 0); break;
    case OP_I64: o->iv = (uint64_t)sf_to_int(&c, a, 64, 0); break;
    case OP_TI16: o->iv = (uint16_t)sf_to_int(&c, a, 16, 1); break;
    case OP_TI32: o->iv = (uint32_t)sf_to_int(&c, a, 32, 1); break;
    case OP_TI64: o->iv = (uint64_t)sf_to_int(&c, a, 64, 1); break;
    case OP_LD32: o->r0 = sf_from_f32(&c, (uint32_t)a.mant); break;
    case OP_LD64: o->r0 = sf_from_f64(&c, a.mant); break;
    case OP_COM: case OP_UCOM: {
        static const uint16_t ccs[4] = { SW_C0, SW_C3, 0, SW_C0 | SW_C2 | SW_C3 };
        cc = ccs[sf_compare(&c, a, b, op == OP_UCOM)];
        c.c1 = 0;
        break;
    }
    case OP_PREM: case OP_PREM1: {
        uint32_t q;
        int partial;
        o->r0 = sf_prem(&c, a, b, op == OP_PREM1, &q, &partial);
        c.c1 = (uint8_t)(q & 1);
        cc = (uint16_t)((q & 2 ? SW_C3 : 0) | (q & 4 ? SW_C0 : 0) | (partial ? SW_C2 : 0));
        break;
    }
    case OP_SCALE: o->r0 = sf_scale(&c, a, b); break;
    case OP_XTRACT: sf_xtract(&c, a, &o->r0, &o->r1); break;
    case OP_BSTP: {
        uint8_t out[10];
        sf_to_bcd(&c, a, out);
        for (int i = 7; i >= 0; i--)
            o->iv = o->iv << 8 | out[i];
        o->r0.sexp = (uint16_t)(out[8] | out[9] << 8);
        break;
    }
    case OP_BLD: {
        uint8_t in[10];
        for (int i = 0; i < 8; i++)
            in[i] = (uint8_t)(a.mant >> (8 * i));
        in[8] = (uint8_t)a.sexp;
        in[9] = (uint8_t)(a.sexp >> 8);
        o->r0 = sf_from_bcd(in);
        break;
    }
    case OP_CONST: o->r0 = sf_const(&c, sft_const_ids[a.mant % 7]); break;
    case OP_XAM:
        cc = (uint16_t)(sf_classify(a) | (a.sexp & 0x8000 ? SW_C1 : 0));
        break;
    case OP_F2XM1: o->r0 = sf_f2xm1(&c, a); break;
    case OP_FYL2X: o->r0 = sf_fyl2x(&c, a, b); break;
    case OP_FYL2XP1: o->r0 = sf_fyl2xp1(&c, a, b); break;
    case OP_FPTAN:
        if (sf_fptan(&c, a, &o->r0)) { o->r0 = a; cc = SW_C2; }
        else if ((o->r0.sexp & 0x7fff) == 0x7fff && (o->r0.mant << 1))
            o->r1 = o->r0; /* a NaN result is pushed instead of 1 */
        else o->r1 = sf_from_i64(1);
        break;
    case OP_FSIN: if (sf_fsin(&c, a, &o->r0)) { o->r0 = a; cc = SW_C2; } break;
    case OP_FCOS: if (sf_fcos(&c, a, &o->r0)) { o->r0 = a; cc = SW_C2; } break;
    case OP_FSINCOS: {
        SfCtx cc2 = c;
        F80 cosine;
        if (!sf_fcos(&cc2, a, &cosine))
            o->c1cos = cc2.c1;
        if (sf_fsincos(&c, a, &o->r0, &o->r1)) { o->r0 = a; o->r1.mant = 0; o->r1.sexp = 0; cc = SW_C2; }
        break;
    }
    case OP_FPATAN: o->r0 = sf_fpatan(&c, a, b); break;
    default: break;
    }
    o->sw = (uint16_t)((c.flags | (c.c1 ? SW_C1 : 0) | cc) & sft_ops[op].swmask);
    if (op == OP_XAM)
        o->sw = cc;
}

#ifdef SFT_HAVE_X87
typedef struct { uint64_t m; uint16_t e; } __attribute__((packed)) SftX80;

static inline void sft_hard(int op, F80 a, F80 b, uint16_t cw, SftRes *o)
{
    SftX80 xa = { a.mant, a.sexp }, xb = { b.mant, b.sexp }, x0 = { 0, 0 }, x1 = { 0, 0 };
    uint16_t sw = 0, mcw = cw | 0x3f, w16 = 0;
    uint32_t w32 = 0;
    uint64_t w64 = a.mant;
    uint8_t bcd[10] = { 0 };
    memset(o, 0, sizeof *o);
    if (op < 0 || op >= SFT_NOPS)
        return;
    /* the status word is read before FSTP m80, which clears C1 */
#define X_BIN(insn) __asm__ volatile("fninit\n\tfldcw %3\n\tfldt %1\n\tfldt %2\n\t" insn "\n\tfnstsw %4\n\tfstpt %0" \
                                     : "=m"(x0) : "m"(xa), "m"(xb), "m"(mcw), "m"(sw) : "memory")
#define X_BIN_R(insn) __asm__ volatile("fninit\n\tfldcw %3\n\tfldt %2\n\tfldt %1\n\t" insn "\n\tfnstsw %4\n\tfstpt %0" \
                                       : "=m"(x0) : "m"(xa), "m"(xb), "m"(mcw), "m"(sw) : "memory")
#define X_UN(insn) __asm__ volatile("fninit\n\tfldcw %2\n\tfldt %1\n\t" insn "\n\tfnstsw %3\n\tfstpt %0" \
                                    : "=m"(x0) : "m"(xa), "m"(mcw), "m"(sw) : "memory")
#define X_UN2(insn) __asm__ volatile("fninit\n\tfldcw %3\n\tfldt %2\n\t" insn "\n\tfnstsw %4\n\tfstpt %1\n\tfstpt %0" \
                                     : "=m"(x0), "=m"(x1) : "m"(xa), "m"(mcw), "m"(sw) : "memory")
#define X_STORE(insn, dst) __asm__ volatile("fninit\n\tfldcw %2\n\tfldt %1\n\t" insn " %0\n\tfnstsw %3" \
                                            : "=m"(dst) : "m"(xa), "m"(mcw), "m"(sw) : "memory")
#define X_LOAD(insn, src) __asm__ volatile("fninit\n\tfldcw %2\n\t" insn " %1\n\tfnstsw %3\n\tfstpt %0" \
                                           : "=m"(x0) : "m"(src), "m"(mcw), "m"(sw) : "memory")
#define X_CONST(insn) __asm__ volatile("fninit\n\tfldcw %1\n\t" insn "\n\tfnstsw %2\n\tfstpt %0" \
                                       : "=m"(x0) : "m"(mcw), "m"(sw) : "memory")
    switch (op) {
    case OP_ADD: X_BIN("faddp"); break;
    case OP_SUB: X_BIN("fsubrp"); break;
    case OP_MUL: X_BIN("fmulp"); break;
    case OP_DIV: X_BIN("fdivrp"); break;
    case OP_SQRT: X_UN("fsqrt"); break;
    case OP_RNDINT: X_UN("frndint"); break;
    case OP_F64: X_STORE("fstpl", w64); o->iv = w64; break;
    case OP_F32: X_STORE("fstps", w32); o->iv = w32; break;
    case OP_I16: X_STORE("fistps", w16); o->iv = w16; break;
    case OP_I32: X_STORE("fistpl", w32); o->iv = w32; break;
    case OP_I64: X_STORE("fistpll", w64); o->iv = w64; break;
    case OP_TI16: X_STORE("fisttps", w16); o->iv = w16; break;
    case OP_TI32: X_STORE("fisttpl", w32); o->iv = w32; break;
    case OP_TI64: X_STORE("fisttpll", w64); o->iv = w64; break;
    case OP_LD32: w32 = (uint32_t)a.mant; X_LOAD("flds", w32); break;
    case OP_LD64: X_LOAD("fldl", w64); break;
    case OP_COM: X_BIN_R("fcom %%st(1)"); break;
    case OP_UCOM: X_BIN_R("fucom %%st(1)"); break;
    case OP_PREM: X_BIN_R("fprem"); break;
    case OP_PREM1: X_BIN_R("fprem1"); break;
    case OP_SCALE: X_BIN_R("fscale"); break;
    case OP_XTRACT: X_UN2("fxtract"); break;
    case OP_BSTP:
        X_STORE("fbstp", bcd);
        for (int i = 7; i >= 0; i--)
            o->iv = o->iv << 8 | bcd[i];
        o->r0.sexp = (uint16_t)(bcd[8] | bcd[9] << 8);
        break;
    case OP_BLD: X_LOAD("fbld", xa); break;
    case OP_CONST:
        switch (a.mant % 7) {
        case 0: X_CONST("fld1"); break;
        case 1: X_CONST("fldl2t"); break;
        case 2: X_CONST("fldl2e"); break;
        case 3: X_CONST("fldpi"); break;
        case 4: X_CONST("fldlg2"); break;
        case 5: X_CONST("fldln2"); break;
        default: X_CONST("fldz"); break;
        }
        break;
    case OP_XAM: X_UN("fxam"); break;
    case OP_F2XM1: X_UN("f2xm1"); break;
    case OP_FYL2X: X_BIN_R("fyl2x"); break;
    case OP_FYL2XP1: X_BIN_R("fyl2xp1"); break;
    case OP_FPTAN: X_UN2("fptan"); break;
    case OP_FSIN: X_UN("fsin"); break;
    case OP_FCOS: X_UN("fcos"); break;
    case OP_FSINCOS: X_UN2("fsincos"); break;
    case OP_FPATAN: X_BIN("fpatan"); break;
    default: break;
    }
    __asm__ volatile("fninit");
    if (sft_ops[op].nres) {
        o->r0.mant = x0.m;
        o->r0.sexp = x0.e;
    }
    if (op == OP_XTRACT || op == OP_FSINCOS || op == OP_FPTAN) { /* ST(1) in x0, ST(0) in x1 */
        o->r1.mant = x1.m;
        o->r1.sexp = x1.e;
    }
    if ((op == OP_FPTAN || op == OP_FSINCOS) && (sw & SW_C2)) { /* out of range: operand kept */
        o->r0 = a;
        memset(&o->r1, 0, sizeof o->r1);
    }
    o->sw = (uint16_t)(sw & sft_ops[op].swmask);
}
#else
static inline void sft_hard(int op, F80 a, F80 b, uint16_t cw, SftRes *o)
{
    (void)op; (void)a; (void)b; (void)cw;
    memset(o, 0, sizeof *o);
}
#endif

static inline int sft_same(int op, const SftRes *s, const SftRes *h)
{
    (void)op;
    return s->r0.mant == h->r0.mant && s->r0.sexp == h->r0.sexp && s->r1.mant == h->r1.mant &&
           s->r1.sexp == h->r1.sexp && s->iv == h->iv && s->sw == h->sw;
}

/* Distance in ulps between two F80 values: the number of representable
 * values between them, plus one, so that adjacent values are 1 apart also
 * across a binade or the normal/denormal boundary (0001:8000000000000000
 * and 0000:7fffffffffffffff are neighbours; a pseudo-denormal equals the
 * smallest normal).  +0 and -0 are not close (a zero's sign is exact),
 * NaNs and infinities only close to themselves; saturates at ~0. */
static inline uint64_t sft_ord(F80 x, uint64_t *hi) /* |x| as the 78-bit ordinal hi:lo */
{
    int e = x.sexp & 0x7fff;
    if (e == 0) { /* denormal or pseudo-denormal: the same scale as e = 1 */
        *hi = 0;
        return x.mant;
    }
    /* (e - 1) * 2^63 + mant */
    uint64_t lo = (uint64_t)(e - 1) << 63, h = (uint64_t)(e - 1) >> 1;
    uint64_t r = lo + x.mant;
    *hi = h + (r < lo);
    return r;
}
static inline uint64_t sft_ulp1(F80 x, F80 y)
{
    if (x.mant == y.mant && x.sexp == y.sexp)
        return 0;
    if ((x.sexp & 0x7fff) == 0x7fff || (y.sexp & 0x7fff) == 0x7fff)
        return ~0ull;
    uint64_t xh, yh, xl = sft_ord(x, &xh), yl = sft_ord(y, &yh);
    if ((x.sexp ^ y.sexp) & 0x8000) { /* opposite signs: |x| + |y| steps apart */
        if (xh || yh || (xl | yl) == 0 || xl + yl < xl)
            return ~0ull;
        return xl + yl;
    }
    if (xh < yh || (xh == yh && xl < yl)) {
        uint64_t t = xh; xh = yh; yh = t;
        t = xl; xl = yl; yl = t;
    }
    uint64_t dh = xh - yh - (xl < yl), dl = xl - yl;
    return dh ? ~0ull : dl;
}

static inline uint64_t sft_ulps(int op, const SftRes *s, const SftRes *h)
{
    (void)op;
    uint64_t u0 = sft_ulp1(s->r0, h->r0), u1 = sft_ulp1(s->r1, h->r1);
    return u0 > u1 ? u0 : u1;
}

/* Vendor rules.  Two x87s (Intel, AMD) and emu386 give transcendental
 * results within 1 ulp of each other, but they also round from different
 * internal values, so some status bits that follow the rounding differ.
 * These are the only status differences accepted between a transcendental
 * result and the host x87, each named (docs/fpu.md, "Vendor rules"):
 *
 *   C1_INTERNAL  C1 ("rounded up") of an inexact result (PE in both):
 *                it describes the vendor's own unrounded value, which may
 *                lie on the other side of the result, or be exact at 64
 *                bits when the true value is not (C1 = 0 then, also in a
 *                directed mode that rounds away from zero).  The rule covers the last-bit noise of
 *                an x87, not a systematic C1 error: the tests fail when
 *                more than SFT_C1_BUDGET percent of an instruction's
 *                results need it.
 *   FSINCOS_C1   FSINCOS's C1 is the sine's on AMD and in emu386, the
 *                cosine's on Intel: a host C1 equal to that of the soft
 *                cosine alone is accepted (no budget: it is checked
 *                against that exact value).
 *   UE_BOUNDARY  UE when exactly one of the two results is below the
 *                smallest normal (both within 1 ulp: the vendor's rounded
 *                value crossed the normal/denormal boundary, e.g. AMD's
 *                FSIN of the smallest normal rounded down, where Intel
 *                returns the operand).
 *
 * Everything else (IE, DE, ZE, OE, C0, C2, C3, PE, and C1 of an exact
 * result) must be identical. */
enum { SFT_RULE_C1_INTERNAL = 1, SFT_RULE_UE_BOUNDARY = 2, SFT_RULE_FSINCOS_C1 = 4, SFT_RULE_BAD = 0x100 };
#define SFT_C1_BUDGET 20
static inline int sft_tiny_res(F80 r) { return (r.sexp & 0x7fff) == 0 && r.mant != 0; }
static inline int sft_vendor_rules(int op, const SftRes *s, const SftRes *h) /* s: soft, h: host */
{
    uint16_t d = (uint16_t)(s->sw ^ h->sw);
    int rules = 0;
    if (sft_ulps(op, s, h) > 1)
        return SFT_RULE_BAD;
    if ((d & SW_C1) && (s->sw & h->sw & SF_PE) && op == OP_FSINCOS && !!(h->sw & SW_C1) == s->c1cos) {
        rules |= SFT_RULE_FSINCOS_C1;
        d &= (uint16_t)~SW_C1;
    }
    if ((d & SW_C1) && (s->sw & h->sw & SF_PE)) {
        rules |= SFT_RULE_C1_INTERNAL;
        d &= (uint16_t)~SW_C1;
    }
    if ((d & SF_UE) && (sft_tiny_res(s->r0) != sft_tiny_res(h->r0) || sft_tiny_res(s->r1) != sft_tiny_res(h->r1))) {
        rules |= SFT_RULE_UE_BOUNDARY;
        d &= (uint16_t)~SF_UE;
    }
    return d ? rules | SFT_RULE_BAD : rules;
}

/* within 1 ulp, and the status word the same apart from the vendor rules */
static inline int sft_close(int op, const SftRes *s, const SftRes *h)
{
    return !(sft_vendor_rules(op, s, h) & SFT_RULE_BAD);
}

static inline uint64_t sft_fnv(uint64_t h, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        h = (h ^ ((v >> (8 * i)) & 0xff)) * 0x100000001b3ull;
    return h;
}
#define SFT_FNV0 0xcbf29ce484222325ull

static inline uint64_t sft_fold(uint64_t h, const SftRes *r)
{
    h = sft_fnv(h, r->r0.mant);
    h = sft_fnv(h, (uint64_t)r->r0.sexp << 48 | (uint64_t)r->r1.sexp << 32 | r->sw);
    h = sft_fnv(h, r->r1.mant);
    return sft_fnv(h, r->iv);
}

static inline void sft_print_diff(int op, uint16_t cw, F80 a, F80 b, const SftRes *s, const SftRes *h)
{
    fprintf(stderr, "%s cw=%04x a=%04x:%016llx b=%04x:%016llx\n  x87  %04x:%016llx %04x:%016llx i=%llx sw=%04x\n"
                    "  soft %04x:%016llx %04x:%016llx i=%llx sw=%04x\n",
            sft_ops[op].name, cw, a.sexp, (unsigned long long)a.mant, b.sexp, (unsigned long long)b.mant,
            h->r0.sexp, (unsigned long long)h->r0.mant, h->r1.sexp, (unsigned long long)h->r1.mant,
            (unsigned long long)h->iv, h->sw, s->r0.sexp, (unsigned long long)s->r0.mant, s->r1.sexp,
            (unsigned long long)s->r1.mant, (unsigned long long)s->iv, s->sw);
}

/* Golden vectors: a sample of every operation's cases, run on the x87. */
enum { SFT_VEC_PER_OP = 100 };
static inline int sft_print_vectors(FILE *f)
{
#ifdef SFT_HAVE_X87
    fprintf(f, "/* Single x87 operations as a real x87 executed them, for hosts without one\n"
               " * (generated by E386_PRINT_X87_VECTORS=1 test_softfloat on x86).\n"
               " * op, cw, a.sexp, b.sexp, r0.sexp, r1.sexp, sw, a.mant, b.mant, r0.mant, r1.mant, iv */\n"
               "static const SftVec sf_vectors[] = {\n");
    for (int op = 0; op < SFT_NOPS; op++) {
        SftRng rng = { 4242u + (uint32_t)op };
        int total = sft_ops[op].cases * (int)SFT_NCW, stride = total / SFT_VEC_PER_OP, idx = 0;
        if (stride < 1)
            stride = 1;
        for (size_t c = 0; c < SFT_NCW; c++)
            for (int k = 0; k < sft_ops[op].cases; k++, idx++) {
                F80 a, b;
                sft_gen(op, k, &rng, &a, &b);
                /* all the edges once (first control word), then a spread */
                int two_edges = k < SFT_NEDGE * SFT_NEDGE && c == 0 && (k % 12) == 0;
                if (!two_edges && idx % stride)
                    continue;
                SftRes h;
                sft_hard(op, a, b, sft_cws[c], &h);
                fprintf(f, "    { %d, 0x%04x, 0x%04x, 0x%04x, 0x%04x, 0x%04x, 0x%04x, 0x%016llxull, 0x%016llxull, "
                           "0x%016llxull, 0x%016llxull, 0x%016llxull },\n",
                        op, sft_cws[c], a.sexp, b.sexp, h.r0.sexp, h.r1.sexp, h.sw, (unsigned long long)a.mant,
                        (unsigned long long)b.mant, (unsigned long long)h.r0.mant, (unsigned long long)h.r1.mant,
                        (unsigned long long)h.iv);
            }
    }
    fprintf(f, "};\n");
    return 0;
#else
    fprintf(stderr, "golden vectors need an x87 host\n");
    (void)f;
    return 1;
#endif
}
#endif
