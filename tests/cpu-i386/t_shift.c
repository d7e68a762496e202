/* SHL SHR SAR ROL ROR RCL RCR with every count 0..33, SHLD SHRD. */
#include "common.h"

#define SHOP(fn, insn, mod, cons)                                                              \
    static uint32_t fn(uint32_t a, uint32_t c, uint32_t fin, uint32_t *fout)                   \
    {                                                                                          \
        uint32_t f;                                                                            \
        __asm__ volatile("push %" RQ "[fin]\n\tpopf\n\t" insn " %%cl, %" mod "[a]\n\t"               \
                         "pushf\n\tpop %" RQ "[f]"                                                   \
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
        __asm__ volatile("push %" RQ "[fin]\n\tpopf\n\t" insn " %%cl, %" mod "[b], %" mod "[a]\n\t"  \
                         "pushf\n\tpop %" RQ "[f]"                                                   \
                         : [a] "+r"(a), [f] "=&r"(f)                                           \
                         : [b] "r"(b), "c"(c), [fin] "r"(fin)                                  \
                         : "cc");                                                              \
        *fout = f;                                                                             \
        return a;                                                                              \
    }
DSH(shldw, "shldw", "w") DSH(shldl, "shldl", "k") DSH(shrdw, "shrdw", "w") DSH(shrdl, "shrdl", "k")

typedef uint32_t (*ShFn)(uint32_t, uint32_t, uint32_t, uint32_t *);
static const struct { const char *name; ShFn f[3]; int rot; } ops[] = {
    { "shl", { shlb, shlw, shll }, 0 }, { "shr", { shrb, shrw, shrl }, 0 },
    { "sar", { sarb, sarw, sarl }, 0 }, { "rol", { rolb, rolw, roll }, 1 },
    { "ror", { rorb, rorw, rorl }, 1 }, { "rcl", { rclb, rclw, rcll }, 1 },
    { "rcr", { rcrb, rcrw, rcrl }, 1 },
};

static const uint32_t vals[] = { 0, 1, 0x80, 0x81, 0xff, 0x8000, 0x8001, 0xffff, 0x7fffffff,
                                 0x80000000, 0x80000001, 0xffffffff, 0x12345678, 0xa5a5a5a5 };

/* The flags the SDM defines after a shift or rotate by count c.  A masked
 * count of 0 changes nothing.  Rotates change only CF (and OF for a count
 * of exactly 1: the masked count, not the count modulo 9/17 of RCL/RCR), so
 * the other flags are defined as unchanged.  Shifts set SF ZF PF, leave AF
 * undefined, define OF only for a count of 1, and CF only while the count
 * is below the operand size for SHL/SHR. */
static uint32_t defined(const char *name, int rot, int size, uint32_t c)
{
    uint32_t m = c & 0x1f;
    if (m == 0)
        return ALLF;
    if (rot)
        return m == 1 ? ALLF : ALLF & ~OF;
    uint32_t d = m == 1 ? DEF_SHIFT1 : DEF_SHIFTN;
    if (name[1] == 'h' && m >= (uint32_t)size * 8)
        d &= ~CF;
    return d;
}

/* shifts by an immediate (C0/C1, D0/D1 for 1) and on a memory operand (D3) */
static uint32_t mem;
#define SHI(fn, insn, cnt)                                                                     \
    static void fn(uint32_t a, uint32_t fin, uint32_t r[4], uint32_t f[4])                     \
    {                                                                                          \
        uint32_t x = a, ff;                                                                    \
        __asm__ volatile(SET_FLAGS insn "b $" #cnt ", %b[x]" GET_FLAGS                         \
                         : [x] "+q"(x), [f] "=&r"(ff) : [fin] "r"(fin) : "cc");                \
        r[0] = x, f[0] = ff, x = a;                                                            \
        __asm__ volatile(SET_FLAGS insn "w $" #cnt ", %w[x]" GET_FLAGS                         \
                         : [x] "+r"(x), [f] "=&r"(ff) : [fin] "r"(fin) : "cc");                \
        r[1] = x, f[1] = ff, x = a;                                                            \
        __asm__ volatile(SET_FLAGS insn "l $" #cnt ", %[x]" GET_FLAGS                          \
                         : [x] "+r"(x), [f] "=&r"(ff) : [fin] "r"(fin) : "cc");                \
        r[2] = x, f[2] = ff, mem = a;                                                          \
        __asm__ volatile(SET_FLAGS insn "l $" #cnt ", %[m]" GET_FLAGS                          \
                         : [m] "+m"(mem), [f] "=&r"(ff) : [fin] "r"(fin) : "cc");              \
        r[3] = mem, f[3] = ff;                                                                 \
    }
#define SHIS(n)                                                                                \
    SHI(n##_1, #n, 1) SHI(n##_3, #n, 3) SHI(n##_8, #n, 8) SHI(n##_9, #n, 9)                    \
    SHI(n##_16, #n, 16) SHI(n##_31, #n, 31) SHI(n##_33, #n, 33)
SHIS(shl) SHIS(shr) SHIS(sar) SHIS(rol) SHIS(ror) SHIS(rcl) SHIS(rcr)
static const uint32_t imm_counts[7] = { 1, 3, 8, 9, 16, 31, 33 };
typedef void (*ShiFn)(uint32_t, uint32_t, uint32_t *, uint32_t *);
#define SHROW(n, rot) { #n, { n##_1, n##_3, n##_8, n##_9, n##_16, n##_31, n##_33 }, rot }
static const struct { const char *name; ShiFn f[7]; int rot; } imm_ops[] = {
    SHROW(shl, 0), SHROW(shr, 0), SHROW(sar, 0), SHROW(rol, 1), SHROW(ror, 1), SHROW(rcl, 1), SHROW(rcr, 1),
};

#define SHM(fn, insn)                                                                          \
    static uint32_t fn(uint32_t a, uint32_t c, uint32_t fin, uint32_t *fout)                   \
    {                                                                                          \
        uint32_t f;                                                                            \
        mem = a;                                                                               \
        __asm__ volatile(SET_FLAGS insn " %%cl, %[m]" GET_FLAGS                                \
                         : [m] "+m"(mem), [f] "=&r"(f) : "c"(c), [fin] "r"(fin) : "cc");       \
        *fout = f;                                                                             \
        return mem;                                                                            \
    }
SHM(shlm, "shlw") SHM(shrm, "shrl") SHM(sarm, "sarb") SHM(rolm, "roll") SHM(rorm, "rorw")
SHM(rclm, "rclb") SHM(rcrm, "rcrl")

/* SHLD/SHRD with an immediate count, and on memory with CL */
#define DSHI(fn, insn, cnt)                                                                    \
    static void fn(uint32_t a, uint32_t b, uint32_t r[3], uint32_t f[3])                       \
    {                                                                                          \
        uint32_t x = a, ff, fin = ALLF;                                                        \
        __asm__ volatile(SET_FLAGS insn "w $" #cnt ", %w[b], %w[x]" GET_FLAGS                  \
                         : [x] "+r"(x), [f] "=&r"(ff) : [b] "r"(b), [fin] "r"(fin) : "cc");    \
        r[0] = x, f[0] = ff, x = a;                                                            \
        __asm__ volatile(SET_FLAGS insn "l $" #cnt ", %[b], %[x]" GET_FLAGS                    \
                         : [x] "+r"(x), [f] "=&r"(ff) : [b] "r"(b), [fin] "r"(fin) : "cc");    \
        r[1] = x, f[1] = ff, mem = a;                                                          \
        __asm__ volatile(SET_FLAGS insn "l %%cl, %[b], %[m]" GET_FLAGS                         \
                         : [m] "+m"(mem), [f] "=&r"(ff)                                        \
                         : [b] "r"(b), "c"(cnt), [fin] "r"(fin) : "cc");                      \
        r[2] = mem, f[2] = ff;                                                                 \
    }
DSHI(shld_1, "shld", 1) DSHI(shld_4, "shld", 4) DSHI(shld_15, "shld", 15) DSHI(shld_16, "shld", 16)
DSHI(shld_31, "shld", 31) DSHI(shrd_1, "shrd", 1) DSHI(shrd_4, "shrd", 4) DSHI(shrd_15, "shrd", 15)
DSHI(shrd_16, "shrd", 16) DSHI(shrd_31, "shrd", 31)

static void more_forms(void)
{
    static const int sizes[4] = { 1, 2, 4, 4 };
    static const char *const form[4] = { "b", "w", "l", "m" };
    for (size_t o = 0; o < sizeof imm_ops / sizeof imm_ops[0]; o++)
        for (int c = 0; c < 7; c++)
            for (size_t v = 0; v < sizeof vals / sizeof vals[0]; v++)
                for (uint32_t fin = 0; fin <= CF; fin += CF) {
                    uint32_t r[4], f[4];
                    imm_ops[o].f[c](vals[v], fin | OF, r, f);
                    for (int k = 0; k < 4; k++)
                        printf("%si %s a=%08x c=%2u fi=%03x r=%08x f=%03x\n", imm_ops[o].name, form[k],
                               trunc_size(vals[v], sizes[k]), imm_counts[c], fin | OF,
                               trunc_size(r[k], sizes[k]),
                               f[k] & defined(imm_ops[o].name, imm_ops[o].rot, sizes[k], imm_counts[c]));
                }
    static const struct { const char *name; ShFn f; int size, rot; } mem_ops[] = {
        { "shl", shlm, 2, 0 }, { "shr", shrm, 4, 0 }, { "sar", sarm, 1, 0 }, { "rol", rolm, 4, 1 },
        { "ror", rorm, 2, 1 }, { "rcl", rclm, 1, 1 }, { "rcr", rcrm, 4, 1 },
    };
    for (size_t o = 0; o < sizeof mem_ops / sizeof mem_ops[0]; o++)
        for (size_t v = 0; v < sizeof vals / sizeof vals[0]; v += 2)
            for (uint32_t c = 0; c <= 33; c++) {
                /* the bytes beyond the operand must survive: check them too */
                uint32_t a = vals[v] | (mem_ops[o].size < 4 ? 0xa5a50000u : 0), f;
                uint32_t r = mem_ops[o].f(a, c, CF, &f);
                printf("%sm %c a=%08x c=%2u r=%08x f=%03x\n", mem_ops[o].name, "?bw?l"[mem_ops[o].size], a, c, r,
                       f & defined(mem_ops[o].name, mem_ops[o].rot, mem_ops[o].size, c));
            }
    typedef void (*DFn)(uint32_t, uint32_t, uint32_t *, uint32_t *);
    static const struct { const char *name; DFn f; uint32_t c; } d[] = {
        { "shld", shld_1, 1 }, { "shld", shld_4, 4 }, { "shld", shld_15, 15 }, { "shld", shld_16, 16 },
        { "shld", shld_31, 31 }, { "shrd", shrd_1, 1 }, { "shrd", shrd_4, 4 }, { "shrd", shrd_15, 15 },
        { "shrd", shrd_16, 16 }, { "shrd", shrd_31, 31 },
    };
    for (size_t o = 0; o < sizeof d / sizeof d[0]; o++)
        for (size_t v = 0; v < sizeof vals / sizeof vals[0]; v++)
            for (size_t w = 0; w < sizeof vals / sizeof vals[0]; w += 3) {
                uint32_t r[3], f[3], c = d[o].c;
                uint32_t def = c == 1 ? DEF_SHIFT1 : DEF_SHIFTN;
                d[o].f(vals[v], vals[w], r, f);
                if (c <= 16) /* larger counts leave a 16-bit result undefined */
                    printf("%si w a=%08x b=%08x c=%2u r=%08x f=%03x\n", d[o].name, vals[v] & 0xffff,
                           vals[w] & 0xffff, c, r[0], f[0] & def);
                printf("%si l a=%08x b=%08x c=%2u r=%08x f=%03x\n", d[o].name, vals[v], vals[w], c, r[1], f[1] & def);
                printf("%sm l a=%08x b=%08x c=%2u r=%08x f=%03x\n", d[o].name, vals[v], vals[w], c, r[2], f[2] & def);
            }
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
                             defined(ops[o].name, ops[o].rot, sizes[s], c));
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
                    uint32_t def = m == 0 ? ALLF : m == 1 ? DEF_SHIFT1 : DEF_SHIFTN;
                    printf("%s %c a=%08x b=%08x c=%2u r=%08x f=%03x\n", d[o].name, d[o].size == 2 ? 'w' : 'l',
                           vals[v], vals[w], c, r & mask_size(d[o].size), f & def);
                }
    more_forms();
    return 0;
}
