/* BT BTS BTR BTC (register, immediate, and memory with large signed bit
 * offsets), BSF BSR, BSWAP. */
#include "common.h"

static uint32_t arr[8];

#define BTR(fn, insn, mod)                                                                     \
    static uint32_t fn(uint32_t a, uint32_t bit, uint32_t *f)                                  \
    {                                                                                          \
        __asm__ volatile("push $0\n\tpopf\n\t" insn " %" mod "[b], %" mod "[a]\n\tpushf\n\tpop %[f]" \
                         : [a] "+r"(a), [f] "=&r"(*f) : [b] "r"(bit) : "cc");                  \
        return a;                                                                              \
    }
BTR(btw, "btw", "w") BTR(btl, "btl", "k") BTR(btsw, "btsw", "w") BTR(btsl, "btsl", "k")
BTR(btrw, "btrw", "w") BTR(btrl, "btrl", "k") BTR(btcw, "btcw", "w") BTR(btcl, "btcl", "k")

#define BTM(fn, insn, mod)                                                                     \
    static void fn(int32_t bit, uint32_t *f)                                                   \
    {                                                                                          \
        __asm__ volatile("push $0\n\tpopf\n\t" insn " %" mod "[b], %[m]\n\tpushf\n\tpop %[f]"  \
                         : [m] "+m"(arr[4]), [f] "=&r"(*f) : [b] "r"(bit) : "cc", "memory");   \
    }
BTM(btml, "btl", "k") BTM(btsml, "btsl", "k") BTM(btrml, "btrl", "k") BTM(btcml, "btcl", "k")
BTM(btsmw, "btsw", "w")

#define BTI(fn, insn, imm, mod)                                                                \
    static uint32_t fn(uint32_t a, uint32_t *f)                                                \
    {                                                                                          \
        __asm__ volatile("push $0\n\tpopf\n\t" insn " $" #imm ", %" mod "[a]\n\tpushf\n\tpop %[f]" \
                         : [a] "+r"(a), [f] "=&r"(*f) : : "cc");                               \
        return a;                                                                              \
    }
BTI(bti0, "btl", 0, "k") BTI(bti31, "btsl", 31, "k") BTI(bti33, "btrl", 33, "k") BTI(bti7, "btcl", 7, "k")
BTI(bti15w, "btsw", 15, "w")

static uint32_t bsfl(uint32_t a, uint32_t *f)
{
    uint32_t r = 0xcccccccc;
    __asm__ volatile("bsfl %2, %0\n\tpushf\n\tpop %1" : "+r"(r), "=&r"(*f) : "r"(a) : "cc");
    return r;
}
static uint32_t bsrl(uint32_t a, uint32_t *f)
{
    uint32_t r = 0xcccccccc;
    __asm__ volatile("bsrl %2, %0\n\tpushf\n\tpop %1" : "+r"(r), "=&r"(*f) : "r"(a) : "cc");
    return r;
}
static uint32_t bsfw(uint32_t a, uint32_t *f)
{
    uint32_t r = 0xcccccccc;
    __asm__ volatile("bsfw %w2, %w0\n\tpushf\n\tpop %1" : "+r"(r), "=&r"(*f) : "r"(a) : "cc");
    return r;
}
static uint32_t bsrw(uint32_t a, uint32_t *f)
{
    uint32_t r = 0xcccccccc;
    __asm__ volatile("bsrw %w2, %w0\n\tpushf\n\tpop %1" : "+r"(r), "=&r"(*f) : "r"(a) : "cc");
    return r;
}

int main(void)
{
    typedef uint32_t (*B)(uint32_t, uint32_t, uint32_t *);
    static const struct { const char *n; B f; int size; } r[] = {
        { "bt", btw, 2 }, { "bt", btl, 4 }, { "bts", btsw, 2 }, { "bts", btsl, 4 },
        { "btr", btrw, 2 }, { "btr", btrl, 4 }, { "btc", btcw, 2 }, { "btc", btcl, 4 },
    };
    static const uint32_t bits[] = { 0, 1, 7, 15, 16, 31, 32, 33, 63, 0xffff, 0x80000000, 0xffffffff };
    for (size_t o = 0; o < 8; o++)
        for (size_t i = 0; i < NBOUND; i += 2)
            for (size_t b = 0; b < sizeof bits / sizeof bits[0]; b++) {
                uint32_t f, v = r[o].f(boundary[i], bits[b], &f);
                printf("%-3s %d a=%08x bit=%08x r=%08x f=%03x\n", r[o].n, r[o].size, boundary[i], bits[b],
                       v & mask_size(r[o].size), f & CF);
            }
    typedef void (*M)(int32_t, uint32_t *);
    static const struct { const char *n; M f; } m[] = {
        { "btm", btml }, { "btsm", btsml }, { "btrm", btrml }, { "btcm", btcml }, { "btsmw", btsmw },
    };
    static const int32_t offs[] = { 0, 5, 31, 32, 63, 64, 100, 127, -1, -32, -33, -100, -128 };
    for (size_t o = 0; o < 5; o++)
        for (size_t b = 0; b < sizeof offs / sizeof offs[0]; b++) {
            for (int k = 0; k < 8; k++)
                arr[k] = 0x5a5a0000u + (uint32_t)k * 0x1111u;
            uint32_t f;
            m[o].f(offs[b], &f);
            printf("%-5s off=%4d f=%03x mem=", m[o].n, offs[b], f & CF);
            for (int k = 0; k < 8; k++)
                printf("%08x%c", arr[k], k == 7 ? '\n' : ' ');
        }
    typedef uint32_t (*I)(uint32_t, uint32_t *);
    static const struct { const char *n; I f; } im[] = {
        { "bt0", bti0 }, { "bts31", bti31 }, { "btr33", bti33 }, { "btc7", bti7 }, { "bts15w", bti15w },
    };
    for (size_t o = 0; o < 5; o++)
        for (size_t i = 0; i < NBOUND; i++) {
            uint32_t f, v = im[o].f(boundary[i], &f);
            printf("%-6s a=%08x r=%08x f=%03x\n", im[o].n, boundary[i], v, f & CF);
        }
    static const struct { const char *n; I f; int size; } s[] = {
        { "bsf", bsfl, 4 }, { "bsr", bsrl, 4 }, { "bsf", bsfw, 2 }, { "bsr", bsrw, 2 },
    };
    for (size_t o = 0; o < 4; o++)
        for (size_t i = 0; i < NBOUND; i++) {
            uint32_t f, v = s[o].f(boundary[i], &f);
            int zero = (boundary[i] & mask_size(s[o].size)) == 0;
            /* with a zero source the destination is undefined (unchanged on Intel) */
            printf("%s %d a=%08x r=%08x f=%03x\n", s[o].n, s[o].size, boundary[i],
                   zero ? 0 : v & mask_size(s[o].size), f & ZF);
        }
    for (size_t i = 0; i < NBOUND; i++) {
        uint32_t v = boundary[i];
        __asm__("bswap %0" : "+r"(v));
        printf("bswap a=%08x r=%08x\n", boundary[i], v);
    }
    return 0;
}
