/* ADD ADC SUB SBB AND OR XOR CMP TEST, INC DEC NEG NOT: 8/16/32-bit,
 * register and memory destinations, boundary operands, CF in and out. */
#include "common.h"

static uint32_t mem;

#define BINOP(fn, insn, cons, mod)                                                             \
    static uint32_t fn(uint32_t a, uint32_t b, uint32_t fin, uint32_t *fout)                   \
    {                                                                                          \
        uint32_t f;                                                                            \
        __asm__ volatile("push %" RQ "[fin]\n\tpopf\n\t" insn " %" mod "[b], %" mod "[a]\n\t"       \
                         "pushf\n\tpop %" RQ "[f]"                                                   \
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
        __asm__ volatile("push %" RQ "[fin]\n\tpopf\n\t" insn " %" mod "[b], %[m]\n\t"               \
                         "pushf\n\tpop %" RQ "[f]"                                                   \
                         : [m] "+m"(mem), [f] "=&r"(f)                                         \
                         : [b] cons(b), [fin] "r"(fin)                                         \
                         : "cc");                                                              \
        *fout = f;                                                                             \
        return mem;                                                                            \
    }                                                                                          \
    __attribute__((unused)) /* TEST has no r, r/m form */                                    \
    static uint32_t fn##_s(uint32_t a, uint32_t b, uint32_t fin, uint32_t *fout)               \
    {                                                                                          \
        uint32_t f;                                                                            \
        mem = b;                                                                               \
        __asm__ volatile(SET_FLAGS insn " %[m], %" mod "[a]" GET_FLAGS                          \
                         : [a] "+" cons(a), [f] "=&r"(f)                                       \
                         : [m] "m"(mem), [fin] "r"(fin)                                        \
                         : "cc");                                                              \
        *fout = f;                                                                             \
        return a;                                                                              \
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
        __asm__ volatile("push %" RQ "[fin]\n\tpopf\n\t" insn " %" mod "[a]\n\tpushf\n\tpop %" RQ "[f]"     \
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
        __asm__ volatile("push %" RQ "[fin]\n\tpopf\n\t" insn " %[m]\n\tpushf\n\tpop %" RQ "[f]"            \
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
    OpFn f[3], m[3], s[3];
    int unary;
    uint32_t defined;
} Op;

#define ROW(n, u, d) { #n, { n##b, n##w, n##l }, { n##b_m, n##w_m, n##l_m }, { 0, 0, 0 }, u, d }
#define ROWS(n, d)                                                                                \
    { #n, { n##b, n##w, n##l }, { n##b_m, n##w_m, n##l_m }, { n##b_s, n##w_s, n##l_s }, 0, d }
static const Op ops[] = {
    ROWS(add, DEF_ARITH), ROWS(adc, DEF_ARITH), ROWS(sub, DEF_ARITH), ROWS(sbb, DEF_ARITH),
    ROWS(and, DEF_LOGIC), ROWS(or, DEF_LOGIC), ROWS(xor, DEF_LOGIC),
    ROWS(cmp, DEF_ARITH), ROW(test, 0, DEF_LOGIC),
    ROW(inc, 1, ALLF), ROW(dec, 1, ALLF), ROW(neg, 1, ALLF), ROW(not, 1, ALLF),
};

/* Immediate forms: one asm block per (operation, immediate) runs every
 * encoding GAS picks for it: 83 (imm8 sign-extended) or 81, the short
 * accumulator forms (04/05/0c/..., a8/a9 for TEST), 80 on a low and a high
 * byte register, and a memory destination. */
enum { V_EAX, V_EDX, V_MEML, V_AX, V_DX, V_AL, V_DL, V_AH, NV };
static const char *const vname[NV] = { "eax", "edx", "meml", "ax", "dx", "al", "dl", "ah" };
static const int vsize[NV] = { 4, 4, 4, 2, 2, 1, 1, 1 };

#define IMM(fn, op, imm)                                                                       \
    static void fn(uint32_t a, uint32_t fin, uint32_t r[NV], uint32_t f[NV])                   \
    {                                                                                          \
        uint32_t x, y, ff;                                                                     \
        __asm__ volatile(SET_FLAGS op "l $" #imm ", %[x]" GET_FLAGS                            \
                         : [x] "=a"(x), [f] "=&r"(ff) : "0"(a), [fin] "r"(fin) : "cc");        \
        r[V_EAX] = x, f[V_EAX] = ff;                                                           \
        __asm__ volatile(SET_FLAGS op "l $" #imm ", %[x]" GET_FLAGS                            \
                         : [x] "=d"(x), [f] "=&r"(ff) : "0"(a), [fin] "r"(fin) : "cc");        \
        r[V_EDX] = x, f[V_EDX] = ff;                                                           \
        mem = a;                                                                               \
        __asm__ volatile(SET_FLAGS op "l $" #imm ", %[m]" GET_FLAGS                            \
                         : [m] "+m"(mem), [f] "=&r"(ff) : [fin] "r"(fin) : "cc");              \
        r[V_MEML] = mem, f[V_MEML] = ff;                                                       \
        __asm__ volatile(SET_FLAGS op "w $(" #imm ") & 0xffff, %w[x]" GET_FLAGS                \
                         : [x] "=a"(x), [f] "=&r"(ff) : "0"(a), [fin] "r"(fin) : "cc");        \
        r[V_AX] = x, f[V_AX] = ff;                                                             \
        __asm__ volatile(SET_FLAGS op "w $(" #imm ") & 0xffff, %w[x]" GET_FLAGS                \
                         : [x] "=d"(x), [f] "=&r"(ff) : "0"(a), [fin] "r"(fin) : "cc");        \
        r[V_DX] = x, f[V_DX] = ff;                                                             \
        __asm__ volatile(SET_FLAGS op "b $(" #imm ") & 0xff, %b[x]" GET_FLAGS                  \
                         : [x] "=a"(x), [f] "=&r"(ff) : "0"(a), [fin] "r"(fin) : "cc");        \
        r[V_AL] = x, f[V_AL] = ff;                                                             \
        __asm__ volatile(SET_FLAGS op "b $(" #imm ") & 0xff, %b[x]" GET_FLAGS                  \
                         : [x] "=d"(x), [f] "=&r"(ff) : "0"(a), [fin] "r"(fin) : "cc");        \
        r[V_DL] = x, f[V_DL] = ff;                                                             \
        __asm__ volatile(SET_FLAGS op "b $(" #imm ") & 0xff, %h[x]" GET_FLAGS                  \
                         : [x] "=Q"(y), [f] "=&r"(ff) : "0"(a), [fin] "r"(fin) : "cc");        \
        r[V_AH] = y, f[V_AH] = ff;                                                             \
    }

#define IMMS(op)                                                                               \
    IMM(op##_1, #op, 1) IMM(op##_m1, #op, -1) IMM(op##_7f, #op, 0x7f) IMM(op##_m80, #op, -0x80) \
    IMM(op##_big, #op, 0x12348765)
IMMS(add) IMMS(adc) IMMS(sub) IMMS(sbb) IMMS(and) IMMS(or) IMMS(xor) IMMS(cmp) IMMS(test)

typedef void (*ImmFn)(uint32_t, uint32_t, uint32_t *, uint32_t *);
static const uint32_t imm_values[5] = { 1, 0xffffffff, 0x7f, 0xffffff80, 0x12348765 };
#define IROW(op, d) { #op "i", { op##_1, op##_m1, op##_7f, op##_m80, op##_big }, d }
static const struct { const char *name; ImmFn f[5]; uint32_t defined; } imm_ops[] = {
    IROW(add, DEF_ARITH), IROW(adc, DEF_ARITH), IROW(sub, DEF_ARITH), IROW(sbb, DEF_ARITH),
    IROW(and, DEF_LOGIC), IROW(or, DEF_LOGIC), IROW(xor, DEF_LOGIC), IROW(cmp, DEF_ARITH),
    IROW(test, DEF_LOGIC),
};

static void immediates(void)
{
    for (size_t o = 0; o < sizeof imm_ops / sizeof imm_ops[0]; o++)
        for (int m = 0; m < 5; m++)
            for (size_t i = 0; i < NBOUND; i += 2)
                for (uint32_t fin = 0; fin <= CF; fin += CF) {
                    uint32_t a = boundary[i] ^ 0x00008000u, r[NV], f[NV];
                    imm_ops[o].f[m](a, fin, r, f);
                    for (int v = 0; v < NV; v++) {
                        int sz = vsize[v];
                        uint32_t in = v == V_AH ? a >> 8 : a, out = v == V_AH ? r[v] >> 8 : r[v];
                        printf("%-5s %-4s a=%08x i=%08x fi=%03x r=%08x f=%03x", imm_ops[o].name,
                               vname[v], trunc_size(in, sz), trunc_size(imm_values[m], sz), fin,
                               trunc_size(out, sz), f[v] & imm_ops[o].defined);
                        /* the bytes an 8/16-bit form must leave alone */
                        if (v >= V_AX && v != V_AH)
                            printf(" hi=%08x", r[v] & ~mask_size(sz));
                        if (v == V_AH)
                            printf(" rest=%08x", r[v] & 0xffff00ffu);
                        printf("\n");
                    }
                }
}

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
                        if ((i + j + k) % 4 == 2 && ops[o].s[s]) {
                            r = ops[o].s[s](a, b, fin, &f);
                            show(ops[o].name, sizes[s], a, b, fin, r, f, ops[o].defined);
                        }
                    }
    immediates();
    return 0;
}
