/* MUL IMUL (one, two and three operands), DIV IDIV for non-faulting
 * inputs.  After MUL/IMUL only CF and OF are defined; after DIV none. */
#include <string.h>
#include "common.h"

#define MUL1(fn, insn, mod, cons)                                                              \
    static void fn(uint32_t a, uint32_t b, uint32_t *lo, uint32_t *hi, uint32_t *f)            \
    {                                                                                          \
        uint32_t eax = a, edx = 0x5555aaaa;                                                    \
        __asm__ volatile("push $0\n\tpopf\n\t" insn " %" mod "[b]\n\tpushf\n\tpop %" RQ "[f]"        \
                         : "+a"(eax), "+d"(edx), [f] "=&r"(*f)                                 \
                         : [b] cons(b)                                                         \
                         : "cc");                                                              \
        *lo = eax;                                                                             \
        *hi = edx;                                                                             \
    }
MUL1(mulb, "mulb", "b", "q") MUL1(mulw, "mulw", "w", "r") MUL1(mull, "mull", "k", "r")
MUL1(imulb, "imulb", "b", "q") MUL1(imulw, "imulw", "w", "r") MUL1(imull, "imull", "k", "r")

#define DIV1(fn, insn, mod, cons)                                                              \
    static void fn(uint32_t lo_in, uint32_t hi_in, uint32_t b, uint32_t *lo, uint32_t *hi)     \
    {                                                                                          \
        uint32_t eax = lo_in, edx = hi_in;                                                     \
        __asm__ volatile(insn " %" mod "[b]" : "+a"(eax), "+d"(edx) : [b] cons(b) : "cc");     \
        *lo = eax;                                                                             \
        *hi = edx;                                                                             \
    }
DIV1(divb, "divb", "b", "q") DIV1(divw, "divw", "w", "r") DIV1(divl, "divl", "k", "r")
DIV1(idivb, "idivb", "b", "q") DIV1(idivw, "idivw", "w", "r") DIV1(idivl, "idivl", "k", "r")

static uint32_t imul2w(uint32_t a, uint32_t b, uint32_t *f)
{
    __asm__ volatile("push $0\n\tpopf\n\timulw %w2, %w0\n\tpushf\n\tpop %" RQ "1" : "+r"(a), "=&r"(*f) : "r"(b) : "cc");
    return a;
}
static uint32_t imul2l(uint32_t a, uint32_t b, uint32_t *f)
{
    __asm__ volatile("push $0\n\tpopf\n\timull %2, %0\n\tpushf\n\tpop %" RQ "1" : "+r"(a), "=&r"(*f) : "r"(b) : "cc");
    return a;
}
static uint32_t imul3l(uint32_t b, uint32_t *f)
{
    uint32_t r;
    __asm__ volatile("push $0\n\tpopf\n\timull $-7, %2, %0\n\tpushf\n\tpop %" RQ "1" : "=r"(r), "=&r"(*f) : "r"(b) : "cc");
    return r;
}
static uint32_t imul3w(uint32_t b, uint32_t *f)
{
    uint32_t r = 0xeeeeeeee;
    __asm__ volatile("push $0\n\tpopf\n\timulw $300, %w2, %w0\n\tpushf\n\tpop %" RQ "1" : "+r"(r), "=&r"(*f) : "r"(b) : "cc");
    return r;
}

/* memory source operands: MUL/IMUL/DIV/IDIV r/m, IMUL r, r/m and IMUL r, r/m, imm */
static uint32_t mem;
#define MULM(fn, insn)                                                                         \
    static void fn(uint32_t a, uint32_t b, uint32_t *lo, uint32_t *hi, uint32_t *f)            \
    {                                                                                          \
        uint32_t eax = a, edx = 0x5555aaaa;                                                    \
        mem = b;                                                                               \
        __asm__ volatile("push $0\n\tpopf\n\t" insn " %[m]\n\tpushf\n\tpop %" RQ "[f]"            \
                         : "+a"(eax), "+d"(edx), [f] "=&r"(*f) : [m] "m"(mem) : "cc");         \
        *lo = eax;                                                                             \
        *hi = edx;                                                                             \
    }
MULM(mulmb, "mulb") MULM(mulmw, "mulw") MULM(mulml, "mull")
MULM(imulmb, "imulb") MULM(imulmw, "imulw") MULM(imulml, "imull")

#define DIVM(fn, insn)                                                                         \
    static void fn(uint32_t lo_in, uint32_t hi_in, uint32_t b, uint32_t *lo, uint32_t *hi)     \
    {                                                                                          \
        uint32_t eax = lo_in, edx = hi_in;                                                     \
        mem = b;                                                                               \
        __asm__ volatile(insn " %[m]" : "+a"(eax), "+d"(edx) : [m] "m"(mem) : "cc");           \
        *lo = eax;                                                                             \
        *hi = edx;                                                                             \
    }
DIVM(divmb, "divb") DIVM(divmw, "divw") DIVM(divml, "divl")
DIVM(idivmb, "idivb") DIVM(idivmw, "idivw") DIVM(idivml, "idivl")

/* IMUL r, r/m, imm with imm8 (6b) and imm16/32 (69) encodings, register
 * and memory sources; the destination's upper half must survive the
 * 16-bit forms. */
#define IMUL3(fn, imm)                                                                         \
    static void fn(uint32_t b, uint32_t r[4], uint32_t f[4])                                   \
    {                                                                                          \
        uint32_t x = 0xeeeeeeee, ff;                                                           \
        __asm__ volatile(SET_FLAGS "imull $" #imm ", %[b], %[x]" GET_FLAGS                     \
                         : [x] "=&r"(x), [f] "=&r"(ff) : [b] "r"(b), [fin] "r"(0) : "cc");     \
        r[0] = x, f[0] = ff, mem = b;                                                          \
        __asm__ volatile(SET_FLAGS "imull $" #imm ", %[m], %[x]" GET_FLAGS                     \
                         : [x] "=&r"(x), [f] "=&r"(ff) : [m] "m"(mem), [fin] "r"(0) : "cc");   \
        r[1] = x, f[1] = ff, x = 0xeeeeeeee;                                                   \
        __asm__ volatile(SET_FLAGS "imulw $(" #imm ") & 0xffff, %w[b], %w[x]" GET_FLAGS        \
                         : [x] "+&r"(x), [f] "=&r"(ff) : [b] "r"(b), [fin] "r"(0) : "cc");     \
        r[2] = x, f[2] = ff, x = 0xeeeeeeee;                                                   \
        __asm__ volatile(SET_FLAGS "imulw $(" #imm ") & 0xffff, %[m], %w[x]" GET_FLAGS         \
                         : [x] "+&r"(x), [f] "=&r"(ff) : [m] "m"(mem), [fin] "r"(0) : "cc");   \
        r[3] = x, f[3] = ff;                                                                   \
    }
IMUL3(imul3_1, 1) IMUL3(imul3_m1, -1) IMUL3(imul3_7f, 0x7f) IMUL3(imul3_m80, -0x80)
IMUL3(imul3_100, 0x100) IMUL3(imul3_big, 0x7ffe0003) IMUL3(imul3_neg, -0x10001)

static void memory_forms(void)
{
    typedef void (*M)(uint32_t, uint32_t, uint32_t *, uint32_t *, uint32_t *);
    static const struct { const char *n; M f; int size; } mul[] = {
        { "mulm", mulmb, 1 }, { "mulm", mulmw, 2 }, { "mulm", mulml, 4 },
        { "imulm", imulmb, 1 }, { "imulm", imulmw, 2 }, { "imulm", imulml, 4 },
    };
    for (size_t o = 0; o < 6; o++)
        for (size_t i = 0; i < NBOUND; i += 2)
            for (size_t j = 1; j < NBOUND; j += 2) {
                uint32_t lo, hi, f;
                mul[o].f(boundary[i], boundary[j], &lo, &hi, &f);
                printf("%-5s %d a=%08x b=%08x lo=%08x hi=%08x f=%03x\n", mul[o].n, mul[o].size, boundary[i],
                       boundary[j], lo, hi, f & DEF_MUL);
            }
    for (size_t i = 0; i < NBOUND; i++)
        for (size_t j = 0; j < NBOUND; j += 3) {
            uint32_t a = boundary[i], f;
            mem = boundary[j];
            __asm__ volatile("push $0\n\tpopf\n\timull %[m], %[a]\n\tpushf\n\tpop %" RQ "[f]"
                             : [a] "+r"(a), [f] "=&r"(f) : [m] "m"(mem) : "cc");
            printf("imul2ml a=%08x b=%08x r=%08x f=%03x\n", boundary[i], boundary[j], a, f & DEF_MUL);
            a = boundary[i];
            __asm__ volatile("push $0\n\tpopf\n\timulw %[m], %w[a]\n\tpushf\n\tpop %" RQ "[f]"
                             : [a] "+r"(a), [f] "=&r"(f) : [m] "m"(mem) : "cc");
            printf("imul2mw a=%08x b=%08x r=%08x f=%03x\n", boundary[i], boundary[j], a, f & DEF_MUL);
        }
    typedef void (*I3)(uint32_t, uint32_t *, uint32_t *);
    static const struct { const char *n; I3 f; } i3[] = {
        { "1", imul3_1 }, { "-1", imul3_m1 }, { "7f", imul3_7f }, { "-80", imul3_m80 },
        { "100", imul3_100 }, { "7ffe0003", imul3_big }, { "-10001", imul3_neg },
    };
    static const char *const form[4] = { "l r", "l m", "w r", "w m" };
    for (size_t o = 0; o < sizeof i3 / sizeof i3[0]; o++)
        for (size_t i = 0; i < NBOUND; i++) {
            uint32_t r[4], f[4];
            i3[o].f(boundary[i], r, f);
            for (int k = 0; k < 4; k++)
                printf("imul3 %s imm=%-8s a=%08x r=%08x f=%03x\n", form[k], i3[o].n, boundary[i], r[k],
                       f[k] & DEF_MUL);
        }
    /* divisions with a memory divisor, quotients chosen to fit */
    typedef void (*D)(uint32_t, uint32_t, uint32_t, uint32_t *, uint32_t *);
    static const struct { const char *n; D f; uint32_t lo, hi, d; } div[] = {
        { "divmb", divmb, 0xfeff, 0, 0xff }, { "divmb", divmb, 0x1234, 0, 0x13 },
        { "divmw", divmw, 0xfffe, 0xfffe, 0xffff }, { "divmw", divmw, 0x5678, 0x1234, 0x8000 },
        { "divml", divml, 0xffffffff, 0xfffffffe, 0xffffffff }, { "divml", divml, 0x89abcdef, 0x1234, 0x10000 },
        { "idivmb", idivmb, 0xff81, 0, 0xff }, { "idivmb", idivmb, 0x3f81, 0, 0x80 },
        { "idivmw", idivmw, 0x0000, 0xc001, 0x8000 }, { "idivmw", idivmw, 0x8001, 0xffff, 0xffff },
        { "idivml", idivml, 0x00000001, 0xc0000000, 0x80000000 }, { "idivml", idivml, 7, 0, 0xfffffffd },
        { "idivml", idivml, 0xfffffff9, 0xffffffff, 2 }, { "idivml", idivml, 0xfffffff9, 0xffffffff, 0xfffffffe },
    };
    for (size_t o = 0; o < sizeof div / sizeof div[0]; o++) {
        uint32_t lo, hi;
        div[o].f(div[o].lo | 0xabcd0000u * (div[o].n[strlen(div[o].n) - 1] != 'l'), div[o].hi, div[o].d, &lo, &hi);
        printf("%-6s n=%08x:%08x d=%08x -> eax=%08x edx=%08x\n", div[o].n, div[o].hi, div[o].lo, div[o].d, lo, hi);
    }
}

int main(void)
{
    typedef void (*M)(uint32_t, uint32_t, uint32_t *, uint32_t *, uint32_t *);
    static const struct { const char *n; M f; int size; } mul[] = {
        { "mul", mulb, 1 }, { "mul", mulw, 2 }, { "mul", mull, 4 },
        { "imul", imulb, 1 }, { "imul", imulw, 2 }, { "imul", imull, 4 },
    };
    for (size_t o = 0; o < 6; o++)
        for (size_t i = 0; i < NBOUND; i++)
            for (size_t j = 0; j < NBOUND; j++) {
                uint32_t lo, hi, f;
                mul[o].f(boundary[i], boundary[j], &lo, &hi, &f);
                printf("%-4s %d a=%08x b=%08x lo=%08x hi=%08x f=%03x\n", mul[o].n, mul[o].size,
                       boundary[i], boundary[j], lo, hi, f & (CF | OF));
            }
    for (size_t i = 0; i < NBOUND; i++)
        for (size_t j = 0; j < NBOUND; j++) {
            uint32_t f, r = imul2w(boundary[i], boundary[j], &f);
            printf("imul2w a=%08x b=%08x r=%08x f=%03x\n", boundary[i], boundary[j], r, f & (CF | OF));
            r = imul2l(boundary[i], boundary[j], &f);
            printf("imul2l a=%08x b=%08x r=%08x f=%03x\n", boundary[i], boundary[j], r, f & (CF | OF));
        }
    for (size_t i = 0; i < NBOUND; i++) {
        uint32_t f, r = imul3l(boundary[i], &f);
        printf("imul3l a=%08x r=%08x f=%03x\n", boundary[i], r, f & (CF | OF));
        r = imul3w(boundary[i], &f);
        printf("imul3w a=%08x r=%08x f=%03x\n", boundary[i], r, f & (CF | OF));
    }
    /* divisions: only inputs whose quotient fits (no #DE here) */
    typedef void (*D)(uint32_t, uint32_t, uint32_t, uint32_t *, uint32_t *);
    static const struct { const char *n; D f; int size, sign; } div[] = {
        { "div", divb, 1, 0 }, { "div", divw, 2, 0 }, { "div", divl, 4, 0 },
        { "idiv", idivb, 1, 1 }, { "idiv", idivw, 2, 1 }, { "idiv", idivl, 4, 1 },
    };
    for (size_t o = 0; o < 6; o++)
        for (size_t i = 0; i < NBOUND; i++)
            for (size_t h = 0; h < NBOUND; h += 3)
                for (size_t j = 0; j < NBOUND; j++) {
                    int size = div[o].size, bits = size * 8;
                    uint32_t m = mask_size(size), d = boundary[j] & m;
                    uint64_t n = size == 1 ? (boundary[i] & 0xffff)
                               : ((uint64_t)(boundary[h] & m) << bits) | (boundary[i] & m);
                    if (d == 0)
                        continue;
                    if (!div[o].sign) {
                        if (n / d > m) continue;
                    } else {
                        int64_t sn = size == 4 ? (int64_t)n : size == 2 ? (int32_t)n : (int16_t)n;
                        int64_t sd = size == 4 ? (int32_t)d : size == 2 ? (int16_t)d : (int8_t)d;
                        if (sd == -1 && sn == INT64_MIN) continue;
                        int64_t q = sn / sd;
                        if (q > (int64_t)(m >> 1) || q < -(int64_t)(m >> 1) - 1) continue;
                    }
                    uint32_t lo_in = size == 1 ? (uint32_t)n : (uint32_t)(n & m);
                    uint32_t hi_in = size == 1 ? 0 : (uint32_t)(n >> bits);
                    uint32_t lo, hi;
                    div[o].f(lo_in, hi_in, d, &lo, &hi);
                    printf("%-4s %d n=%016llx d=%08x q/r=%08x %08x\n", div[o].n, size,
                           (unsigned long long)n, d, lo & (size == 1 ? 0xffff : m), hi & m);
                }
    memory_forms();
    return 0;
}
