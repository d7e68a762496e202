/* The soft-float module against the host x87 (on x86 hosts), bit for bit
 * including the exception flags, over edge and random operands in every
 * rounding mode and precision; on other hosts against checksums of the
 * same runs that an x87 produced (sf_golden.inc). */
#include <check.h>
#include "unit_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fpu/softfloat.h"

#if defined(__i386__) || defined(__x86_64__)
#define HAVE_X87 1
#endif

enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_SQRT, OP_RNDINT, OP_F64, OP_F32, OP_I32, NOPS };
static const char *op_names[NOPS] = { "add", "sub", "mul", "div", "sqrt", "rndint", "to_f64", "to_f32", "to_i32" };

static uint32_t rng = 99;
static uint32_t rnd(void)
{
    rng = rng * 1664525u + 1013904223u;
    return rng;
}

static F80 edge(int i)
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
    };
    return e[i % (int)(sizeof e / sizeof e[0])];
}
#define NEDGE 18

static F80 random_f80(void)
{
    F80 v;
    v.mant = (uint64_t)rnd() << 32 | rnd();
    uint32_t r = rnd();
    int kind = r & 7;
    if (kind == 0)
        return edge((int)(r >> 8) % NEDGE);
    v.mant |= 1ull << 63;
    if (kind == 1)
        v.mant &= ~0ull << (r >> 26); /* short significands, exact cases */
    v.sexp = (uint16_t)(0x3fff - 40 + (r >> 8) % 80 + ((r >> 20) & 1 ? 0x8000 : 0));
    if (kind == 2)
        v.sexp = (uint16_t)((v.sexp & 0x8000) | (1 + (r >> 8) % 100)); /* near underflow */
    if (kind == 3)
        v.sexp = (uint16_t)((v.sexp & 0x8000) | (0x7ffe - (r >> 8) % 100)); /* near overflow */
    return v;
}

/* one operation in soft float: result bits and status flags */
static void soft(int op, F80 a, F80 b, uint16_t cw, F80 *r, uint64_t *ir, uint16_t *flags)
{
    SfCtx c = { (uint8_t)((cw >> 10) & 3), (uint8_t)((cw >> 8) & 3), 0, 0 };
    *ir = 0;
    memset(r, 0, sizeof *r);
    switch (op) {
    case OP_ADD: *r = sf_add(&c, a, b); break;
    case OP_SUB: *r = sf_sub(&c, a, b); break;
    case OP_MUL: *r = sf_mul(&c, a, b); break;
    case OP_DIV: *r = sf_div(&c, a, b); break;
    case OP_SQRT: *r = sf_sqrt(&c, a); break;
    case OP_RNDINT: *r = sf_round_to_int(&c, a); break;
    case OP_F64: *ir = sf_to_f64(&c, a); break;
    case OP_F32: *ir = sf_to_f32(&c, a); break;
    default: *ir = (uint32_t)sf_to_int(&c, a, 32, 0); break;
    }
    *flags = (uint16_t)(c.flags | (c.c1 ? 0x200 : 0));
}

#ifdef HAVE_X87
typedef struct { uint64_t m; uint16_t e; } __attribute__((packed)) X80;

static void hard(int op, F80 a, F80 b, uint16_t cw, F80 *r, uint64_t *ir, uint16_t *flags)
{
    X80 xa = { a.mant, a.sexp }, xb = { b.mant, b.sexp }, xr = { 0, 0 };
    uint16_t sw = 0, mcw = cw | 0x3f; /* all exceptions masked */
    uint64_t q = 0;
    uint32_t d = 0;
    *ir = 0;
    switch (op) {
    /* the status word is read before FSTP m80, which clears C1 */
#define BIN(insn) __asm__ volatile("fninit\n\tfldcw %3\n\tfldt %1\n\tfldt %2\n\t" insn "\n\tfnstsw %4\n\tfstpt %0" \
                                   : "=m"(xr) : "m"(xa), "m"(xb), "m"(mcw), "m"(sw) : "memory")
    case OP_ADD: BIN("faddp"); break;
    case OP_SUB: BIN("fsubrp"); break;
    case OP_MUL: BIN("fmulp"); break;
    case OP_DIV: BIN("fdivrp"); break;
#define UN(insn) __asm__ volatile("fninit\n\tfldcw %2\n\tfldt %1\n\t" insn "\n\tfnstsw %3\n\tfstpt %0" \
                                  : "=m"(xr) : "m"(xa), "m"(mcw), "m"(sw) : "memory")
    case OP_SQRT: UN("fsqrt"); break;
    case OP_RNDINT: UN("frndint"); break;
    case OP_F64:
        __asm__ volatile("fninit\n\tfldcw %2\n\tfldt %1\n\tfstpl %0\n\tfnstsw %3" : "=m"(q) : "m"(xa), "m"(mcw), "m"(sw) : "memory");
        *ir = q;
        break;
    case OP_F32:
        __asm__ volatile("fninit\n\tfldcw %2\n\tfldt %1\n\tfstps %0\n\tfnstsw %3" : "=m"(d) : "m"(xa), "m"(mcw), "m"(sw) : "memory");
        *ir = d;
        break;
    default:
        __asm__ volatile("fninit\n\tfldcw %2\n\tfldt %1\n\tfistpl %0\n\tfnstsw %3" : "=m"(d) : "m"(xa), "m"(mcw), "m"(sw) : "memory");
        *ir = d;
        break;
    }
    __asm__ volatile("fninit");
    r->mant = xr.m;
    r->sexp = xr.e;
    *flags = (uint16_t)(sw & 0x23f); /* exception flags and C1 */
    if (op >= OP_F64)
        memset(r, 0, sizeof *r);
}
#endif

static const uint16_t cws[] = { 0x037f, 0x077f, 0x0b7f, 0x0f7f, 0x027f, 0x007f, 0x0e7f, 0x047f };
#define NCW (sizeof cws / sizeof cws[0])
enum { PER_CW = 3000 };

static uint64_t fnv(uint64_t h, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        h = (h ^ ((v >> (8 * i)) & 0xff)) * 0x100000001b3ull;
    return h;
}

#include "sf_golden.inc" /* sf_golden[NOPS]: checksums produced on an x87 */

START_TEST(test_against_x87)
{
    int op = _i;
    uint64_t sum = 0xcbf29ce484222325ull;
#ifdef HAVE_X87
    uint64_t hsum = 0xcbf29ce484222325ull; /* the same checksum over the x87's results */
    /* Valgrind runs x87 code at 64-bit precision: no oracle there */
    int use_x87 = getenv("E386_NO_X87_ORACLE") == NULL;
    int mismatches = 0, compared = 0;
#endif
    rng = 99 + (uint32_t)op;
    for (size_t c = 0; c < NCW; c++)
        for (int k = 0; k < PER_CW; k++) {
            F80 a = k < NEDGE * NEDGE ? edge(k / NEDGE) : random_f80();
            F80 b = k < NEDGE * NEDGE ? edge(k % NEDGE) : random_f80();
            if (op == OP_SUB && k >= NEDGE * NEDGE && (k & 3) == 0)
                b = a, b.mant ^= 1ull << (rnd() & 63); /* cancellation */
            F80 sr;
            uint64_t si;
            uint16_t sf;
            soft(op, a, b, cws[c], &sr, &si, &sf);
            sum = fnv(fnv(fnv(sum, sr.mant), (uint64_t)sr.sexp << 48 | si), sf);
#ifdef HAVE_X87
            if (!use_x87)
                continue;
            F80 hr;
            uint64_t hi;
            uint16_t hf;
            hard(op, a, b, cws[c], &hr, &hi, &hf);
            hsum = fnv(fnv(fnv(hsum, hr.mant), (uint64_t)hr.sexp << 48 | hi), hf);
            compared++;
            if (hr.mant != sr.mant || hr.sexp != sr.sexp || hi != si || hf != sf) {
                if (mismatches++ < 8)
                    fprintf(stderr, "%s cw=%04x a=%04x:%016llx b=%04x:%016llx: x87 %04x:%016llx/%llx sw=%03x, soft %04x:%016llx/%llx sw=%03x\n",
                            op_names[op], cws[c], a.sexp, (unsigned long long)a.mant, b.sexp, (unsigned long long)b.mant,
                            hr.sexp, (unsigned long long)hr.mant, (unsigned long long)hi, hf,
                            sr.sexp, (unsigned long long)sr.mant, (unsigned long long)si, sf);
            }
#endif
        }
#ifdef HAVE_X87
    if (!use_x87)
        printf("softfloat %s: E386_NO_X87_ORACLE is set: NOT comparing with the host x87, "
               "only with the x87-produced checksum\n", op_names[op]);
    else
        printf("softfloat %s: %d compared with the host x87, %d differ\n", op_names[op], compared, mismatches);
    if (getenv("E386_PRINT_X87_GOLDEN")) /* regenerates sf_golden.inc, from the x87 only */
        fprintf(stderr, "golden %d 0x%016llxull\n", op, (unsigned long long)hsum);
    ck_assert_int_eq(mismatches, 0);
#else
    printf("softfloat %s: no x87 here: comparing against the x87-produced checksum\n", op_names[op]);
#endif
    ck_assert_msg(sum == sf_golden[op], "%s: checksum %016llx, the x87 gave %016llx", op_names[op],
                  (unsigned long long)sum, (unsigned long long)sf_golden[op]);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("softfloat");
    TCase *tc = tcase_create("softfloat");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_against_x87, 0, NOPS);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
