/* ADD ADC SUB SBB AND OR XOR CMP TEST, INC DEC NEG NOT: 8/16/32-bit,
 * register and memory destinations, boundary operands, CF in and out. */
#include "common.h"

static uint32_t mem;

#define BINOP(fn, insn, cons, mod)                                                             \
    static uint32_t fn(uint32_t a, uint32_t b, uint32_t fin, uint32_t *fout)                   \
    {                                                                                          \
        uint32_t f;                                                                            \
        __asm__ volatile("push %[fin]\n\tpopf\n\t" insn " %" mod "[b], %" mod "[a]\n\t"       \
                         "pushf\n\tpop %[f]"                                                   \
                         : [a] "+" cons(a), [f] "=&r"(f)                                       \
                         : [b] cons(b), [fin] "r"(fin)                                         \
                         : "cc");                                                              \
        *fout = f;                                                                             \
        return a;                                                                              \
    }                                                                                          \
    static uint32_t fn##_m(uint32_t a, uint32_t b, uint32_t fin, uint32_t *fout)               \
    {                                                                                          \
        uint32_t f;                                                                            \
        mem = a;                                                                               \
        __asm__ volatile("push %[fin]\n\tpopf\n\t" insn " %" mod "[b], %[m]\n\t"               \
                         "pushf\n\tpop %[f]"                                                   \
                         : [m] "+m"(mem), [f] "=&r"(f)                                         \
                         : [b] cons(b), [fin] "r"(fin)                                         \
                         : "cc");                                                              \
        *fout = f;                                                                             \
        return mem;                                                                            \
    }

#define BIN3(name)                                \
    BINOP(name##b, #name "b", "q", "b")           \
    BINOP(name##w, #name "w", "r", "w")           \
    BINOP(name##l, #name "l", "r", "k")

BIN3(add) BIN3(adc) BIN3(sub) BIN3(sbb) BIN3(and) BIN3(or) BIN3(xor) BIN3(cmp) BIN3(test)

#define UNOP(fn, insn, mod)                                                                    \
    static uint32_t fn(uint32_t a, uint32_t b, uint32_t fin, uint32_t *fout)                   \
    {                                                                                          \
        uint32_t f;                                                                            \
        (void)b;                                                                               \
        __asm__ volatile("push %[fin]\n\tpopf\n\t" insn " %" mod "[a]\n\tpushf\n\tpop %[f]"     \
                         : [a] "+q"(a), [f] "=&r"(f)                                           \
                         : [fin] "r"(fin)                                                      \
                         : "cc");                                                              \
        *fout = f;                                                                             \
        return a;                                                                              \
    }                                                                                          \
    static uint32_t fn##_m(uint32_t a, uint32_t b, uint32_t fin, uint32_t *fout)               \
    {                                                                                          \
        uint32_t f;                                                                            \
        (void)b;                                                                               \
        mem = a;                                                                               \
        __asm__ volatile("push %[fin]\n\tpopf\n\t" insn " %[m]\n\tpushf\n\tpop %[f]"            \
                         : [m] "+m"(mem), [f] "=&r"(f)                                         \
                         : [fin] "r"(fin)                                                      \
                         : "cc");                                                              \
        *fout = f;                                                                             \
        return mem;                                                                            \
    }

#define UN3(name)                          \
    UNOP(name##b, #name "b", "b")          \
    UNOP(name##w, #name "w", "w")          \
    UNOP(name##l, #name "l", "k")

UN3(inc) UN3(dec) UN3(neg) UN3(not)

typedef uint32_t (*OpFn)(uint32_t, uint32_t, uint32_t, uint32_t *);
typedef struct Op {
    const char *name;
    OpFn f[3], m[3];
    int unary;
    uint32_t defined;
} Op;

#define ROW(n, u, d) { #n, { n##b, n##w, n##l }, { n##b_m, n##w_m, n##l_m }, u, d }
static const Op ops[] = {
    ROW(add, 0, ALLF), ROW(adc, 0, ALLF), ROW(sub, 0, ALLF), ROW(sbb, 0, ALLF),
    ROW(and, 0, ALLF & ~AF), ROW(or, 0, ALLF & ~AF), ROW(xor, 0, ALLF & ~AF),
    ROW(cmp, 0, ALLF), ROW(test, 0, ALLF & ~AF),
    ROW(inc, 1, ALLF), ROW(dec, 1, ALLF), ROW(neg, 1, ALLF), ROW(not, 1, ALLF),
};

int main(void)
{
    static const int sizes[3] = { 1, 2, 4 };
    for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++)
        for (int s = 0; s < 3; s++)
            for (size_t i = 0; i < NBOUND; i++)
                for (size_t j = 0; j < (ops[o].unary ? 1 : NBOUND); j++)
                    for (size_t k = 0; k < NFLAGIN; k++) {
                        uint32_t a = boundary[i], b = boundary[j] & mask_size(sizes[s]);
                        uint32_t fin = flag_inputs[k], f;
                        if (ops[o].unary) b = 0;
                        /* register form on every input; memory form on a subset */
                        uint32_t r = ops[o].f[s](a, b, fin, &f);
                        show(ops[o].name, sizes[s], a, b, fin, r, f, ops[o].defined);
                        if ((i + j + k) % 4 == 0) {
                            r = ops[o].m[s](a, b, fin, &f);
                            show(ops[o].name, sizes[s], a, b, fin, r, f, ops[o].defined);
                        }
                    }
    return 0;
}
