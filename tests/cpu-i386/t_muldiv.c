/* MUL IMUL (one, two and three operands), DIV IDIV for non-faulting
 * inputs.  After MUL/IMUL only CF and OF are defined; after DIV none. */
#include "common.h"

#define MUL1(fn, insn, mod, cons)                                                              \
    static void fn(uint32_t a, uint32_t b, uint32_t *lo, uint32_t *hi, uint32_t *f)            \
    {                                                                                          \
        uint32_t eax = a, edx = 0x5555aaaa;                                                    \
        __asm__ volatile("push $0\n\tpopf\n\t" insn " %" mod "[b]\n\tpushf\n\tpop %[f]"        \
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
    __asm__ volatile("push $0\n\tpopf\n\timulw %w2, %w0\n\tpushf\n\tpop %1" : "+r"(a), "=&r"(*f) : "r"(b) : "cc");
    return a;
}
static uint32_t imul2l(uint32_t a, uint32_t b, uint32_t *f)
{
    __asm__ volatile("push $0\n\tpopf\n\timull %2, %0\n\tpushf\n\tpop %1" : "+r"(a), "=&r"(*f) : "r"(b) : "cc");
    return a;
}
static uint32_t imul3l(uint32_t b, uint32_t *f)
{
    uint32_t r;
    __asm__ volatile("push $0\n\tpopf\n\timull $-7, %2, %0\n\tpushf\n\tpop %1" : "=r"(r), "=&r"(*f) : "r"(b) : "cc");
    return r;
}
static uint32_t imul3w(uint32_t b, uint32_t *f)
{
    uint32_t r = 0xeeeeeeee;
    __asm__ volatile("push $0\n\tpopf\n\timulw $300, %w2, %w0\n\tpushf\n\tpop %1" : "+r"(r), "=&r"(*f) : "r"(b) : "cc");
    return r;
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
    return 0;
}
