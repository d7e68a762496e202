/* SHL SHR SAR ROL ROR RCL RCR with every count 0..33, SHLD SHRD. */
#include "common.h"

#define SHOP(fn, insn, mod, cons)                                                              \
    static uint32_t fn(uint32_t a, uint32_t c, uint32_t fin, uint32_t *fout)                   \
    {                                                                                          \
        uint32_t f;                                                                            \
        __asm__ volatile("push %[fin]\n\tpopf\n\t" insn " %%cl, %" mod "[a]\n\t"               \
                         "pushf\n\tpop %[f]"                                                   \
                         : [a] "+" cons(a), [f] "=&r"(f)                                       \
                         : "c"(c), [fin] "r"(fin)                                              \
                         : "cc");                                                              \
        *fout = f;                                                                             \
        return a;                                                                              \
    }
#define SH3(n) SHOP(n##b, #n "b", "b", "q") SHOP(n##w, #n "w", "w", "r") SHOP(n##l, #n "l", "k", "r")
SH3(shl) SH3(shr) SH3(sar) SH3(rol) SH3(ror) SH3(rcl) SH3(rcr)

#define DSH(fn, insn, mod)                                                                     \
    static uint32_t fn(uint32_t a, uint32_t b, uint32_t c, uint32_t fin, uint32_t *fout)       \
    {                                                                                          \
        uint32_t f;                                                                            \
        __asm__ volatile("push %[fin]\n\tpopf\n\t" insn " %%cl, %" mod "[b], %" mod "[a]\n\t"  \
                         "pushf\n\tpop %[f]"                                                   \
                         : [a] "+r"(a), [f] "=&r"(f)                                           \
                         : [b] "r"(b), "c"(c), [fin] "r"(fin)                                  \
                         : "cc");                                                              \
        *fout = f;                                                                             \
        return a;                                                                              \
    }
DSH(shldw, "shldw", "w") DSH(shldl, "shldl", "k") DSH(shrdw, "shrdw", "w") DSH(shrdl, "shrdl", "k")

typedef uint32_t (*ShFn)(uint32_t, uint32_t, uint32_t, uint32_t *);
static const struct { const char *name; ShFn f[3]; int rot, rc; } ops[] = {
    { "shl", { shlb, shlw, shll }, 0, 0 }, { "shr", { shrb, shrw, shrl }, 0, 0 },
    { "sar", { sarb, sarw, sarl }, 0, 0 }, { "rol", { rolb, rolw, roll }, 1, 0 },
    { "ror", { rorb, rorw, rorl }, 1, 0 }, { "rcl", { rclb, rclw, rcll }, 1, 1 },
    { "rcr", { rcrb, rcrw, rcrl }, 1, 1 },
};

static const uint32_t vals[] = { 0, 1, 0x80, 0x81, 0xff, 0x8000, 0x8001, 0xffff, 0x7fffffff,
                                 0x80000000, 0x80000001, 0xffffffff, 0x12345678, 0xa5a5a5a5 };

/* the flags the SDM defines after a shift or rotate by count c */
static uint32_t defined(int rot, int size, uint32_t c, int rc)
{
    uint32_t m = c & 0x1f;
    if (rc && size < 4)
        m %= (uint32_t)(size * 8 + 1);
    if (m == 0)
        return ALLF; /* nothing changes */
    if (rot)
        return m == 1 ? (CF | OF) : CF;
    uint32_t d = CF | PF | ZF | SF;
    if (m == 1)
        d |= OF;
    if ((c & 0x1f) > (uint32_t)size * 8)
        d &= ~CF; /* shifted out beyond the operand: undefined */
    return d;
}

int main(void)
{
    static const int sizes[3] = { 1, 2, 4 };
    for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++)
        for (int s = 0; s < 3; s++)
            for (size_t v = 0; v < sizeof vals / sizeof vals[0]; v++)
                for (uint32_t c = 0; c <= 33; c++)
                    for (uint32_t k = 0; k < 2; k++) {
                        uint32_t fin = k ? ALLF : 0, f;
                        uint32_t r = ops[o].f[s](vals[v], c, fin, &f);
                        show(ops[o].name, sizes[s], vals[v], c, fin, r, f,
                             defined(ops[o].rot, sizes[s], c, ops[o].rc));
                    }
    static const struct { const char *name; uint32_t (*f)(uint32_t, uint32_t, uint32_t, uint32_t, uint32_t *); int size; } d[] = {
        { "shld", shldw, 2 }, { "shld", shldl, 4 }, { "shrd", shrdw, 2 }, { "shrd", shrdl, 4 },
    };
    for (size_t o = 0; o < 4; o++)
        for (size_t v = 0; v < sizeof vals / sizeof vals[0]; v += 2)
            for (size_t w = 1; w < sizeof vals / sizeof vals[0]; w += 3)
                for (uint32_t c = 0; c <= 33; c++) {
                    uint32_t f, m = c & 0x1f;
                    if (d[o].size == 2 && m > 16)
                        continue; /* result undefined */
                    uint32_t r = d[o].f(vals[v], vals[w], c, 0, &f);
                    uint32_t def = m == 0 ? ALLF : m == 1 ? (ALLF & ~AF) : (ALLF & ~AF & ~OF);
                    printf("%s %c a=%08x b=%08x c=%2u r=%08x f=%03x\n", d[o].name, d[o].size == 2 ? 'w' : 'l',
                           vals[v], vals[w], c, r & mask_size(d[o].size), f & def);
                }
    return 0;
}
