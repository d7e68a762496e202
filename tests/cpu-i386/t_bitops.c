/* BT BTS BTR BTC (register, immediate, and memory with large signed bit
 * offsets), BSF BSR, BSWAP. */
#include "common.h"

static uint32_t arr[8];

#define BTR(fn, insn, mod)                                                                     \
    static uint32_t fn(uint32_t a, uint32_t bit, uint32_t *f)                                  \
    {                                                                                          \
        __asm__ volatile("push $0\n\tpopf\n\t" insn " %" mod "[b], %" mod "[a]\n\tpushf\n\tpop %" RQ "[f]" \
                         : [a] "+r"(a), [f] "=&r"(*f) : [b] "r"(bit) : "cc");                  \
        return a;                                                                              \
    }
BTR(btw, "btw", "w") BTR(btl, "btl", "k") BTR(btsw, "btsw", "w") BTR(btsl, "btsl", "k")
BTR(btrw, "btrw", "w") BTR(btrl, "btrl", "k") BTR(btcw, "btcw", "w") BTR(btcl, "btcl", "k")

#define BTM(fn, insn, mod)                                                                     \
    static void fn(int32_t bit, uint32_t *f)                                                   \
    {                                                                                          \
        __asm__ volatile("push $0\n\tpopf\n\t" insn " %" mod "[b], %[m]\n\tpushf\n\tpop %" RQ "[f]"  \
                         : [m] "+m"(arr[4]), [f] "=&r"(*f) : [b] "r"(bit) : "cc", "memory");   \
    }
BTM(btml, "btl", "k") BTM(btsml, "btsl", "k") BTM(btrml, "btrl", "k") BTM(btcml, "btcl", "k")
BTM(btsmw, "btsw", "w")

#define BTI(fn, insn, imm, mod)                                                                \
    static uint32_t fn(uint32_t a, uint32_t *f)                                                \
    {                                                                                          \
        __asm__ volatile("push $0\n\tpopf\n\t" insn " $" #imm ", %" mod "[a]\n\tpushf\n\tpop %" RQ "[f]" \
                         : [a] "+r"(a), [f] "=&r"(*f) : : "cc");                               \
        return a;                                                                              \
    }
BTI(bti0, "btl", 0, "k") BTI(bti31, "btsl", 31, "k") BTI(bti33, "btrl", 33, "k") BTI(bti7, "btcl", 7, "k")
BTI(bti15w, "btsw", 15, "w")

/* memory operands with an immediate bit number (taken modulo the operand
 * size) and with a 16-bit register offset (signed, in words) */
#define BTMI(fn, insn, imm)                                                                    \
    static void fn(uint32_t *f)                                                                \
    {                                                                                          \
        __asm__ volatile("push $0\n\tpopf\n\t" insn " $" #imm ", %[m]\n\tpushf\n\tpop %" RQ "[f]"  \
                         : [m] "+m"(arr[4]), [f] "=&r"(*f) : : "cc", "memory");                \
    }
BTMI(btmi3, "btl", 3) BTMI(btsmi31, "btsl", 31) BTMI(btrmi36, "btrl", 36) BTMI(btcmi255, "btcl", 255)
BTMI(btmwi15, "btw", 15) BTMI(btsmwi17, "btsw", 17) BTMI(btrmwi9, "btrw", 9) BTMI(btcmwi0, "btcw", 0)
BTM(btmw, "btw", "w") BTM(btrmw, "btrw", "w") BTM(btcmw, "btcw", "w")

/* bit offsets far beyond the operand: up to +-30000 bits from the middle */
static uint32_t big[2048];
static void far_bits(void)
{
    static const int32_t offs[] = { 30000, -30000, 32767, -32768, 1024, -1025, 65535 - 32768 };
    for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++)
        for (int op = 0; op < 4; op++) {
            for (int k = 0; k < 2048; k++)
                big[k] = (uint32_t)k * 0x9e3779b9u;
            uint32_t f, *base = &big[1024];
            int32_t off = offs[i];
            switch (op) {
            case 0: __asm__ volatile("push $0\n\tpopf\n\tbtl %2, %1\n\tpushf\n\tpop %" RQ "0" : "=&r"(f), "+m"(*base) : "r"(off) : "cc", "memory"); break;
            case 1: __asm__ volatile("push $0\n\tpopf\n\tbtsl %2, %1\n\tpushf\n\tpop %" RQ "0" : "=&r"(f), "+m"(*base) : "r"(off) : "cc", "memory"); break;
            case 2: __asm__ volatile("push $0\n\tpopf\n\tbtrl %2, %1\n\tpushf\n\tpop %" RQ "0" : "=&r"(f), "+m"(*base) : "r"(off) : "cc", "memory"); break;
            default: __asm__ volatile("push $0\n\tpopf\n\tbtcw %w2, %1\n\tpushf\n\tpop %" RQ "0" : "=&r"(f), "+m"(*base) : "r"(off) : "cc", "memory"); break;
            }
            printf("farbit op=%d off=%6d f=%03x changed:", op, off, f & DEF_BT);
            for (int k = 0; k < 2048; k++)
                if (big[k] != (uint32_t)k * 0x9e3779b9u)
                    printf(" [%d]=%08x", k - 1024, big[k]);
            printf("\n");
        }
}

static uint32_t bsfl(uint32_t a, uint32_t *f)
{
    uint32_t r = 0xcccccccc;
    __asm__ volatile("bsfl %2, %0\n\tpushf\n\tpop %" RQ "1" : "+r"(r), "=&r"(*f) : "r"(a) : "cc");
    return r;
}
static uint32_t bsrl(uint32_t a, uint32_t *f)
{
    uint32_t r = 0xcccccccc;
    __asm__ volatile("bsrl %2, %0\n\tpushf\n\tpop %" RQ "1" : "+r"(r), "=&r"(*f) : "r"(a) : "cc");
    return r;
}
static uint32_t bsfw(uint32_t a, uint32_t *f)
{
    uint32_t r = 0xcccccccc;
    __asm__ volatile("bsfw %w2, %w0\n\tpushf\n\tpop %" RQ "1" : "+r"(r), "=&r"(*f) : "r"(a) : "cc");
    return r;
}
static uint32_t bsrw(uint32_t a, uint32_t *f)
{
    uint32_t r = 0xcccccccc;
    __asm__ volatile("bsrw %w2, %w0\n\tpushf\n\tpop %" RQ "1" : "+r"(r), "=&r"(*f) : "r"(a) : "cc");
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
    /* every BSWAP encoding (0f c8+r) but ESP */
    {
        static uintptr_t bp; /* static: the asm cannot address it through EBP; the twin swaps all of RBP */
        uint32_t a = 0x01020304, b = 0x11121314, c = 0x21222324, d = 0x31323334, si = 0x41424344,
                 di = 0x51525354;
        bp = 0x61626364;
        __asm__("bswap %%eax\n\tbswap %%ebx\n\tbswap %%ecx\n\tbswap %%edx\n\tbswap %%esi\n\tbswap %%edi\n\t"
                "xchg %%" BP_REG ", %[bp]\n\tbswap %%ebp\n\txchg %%" BP_REG ", %[bp]"
                : "+a"(a), "+b"(b), "+c"(c), "+d"(d), "+S"(si), "+D"(di), [bp] "+m"(bp));
        printf("bswap regs %08x %08x %08x %08x %08x %08x %08x\n", a, b, c, d, si, di, (uint32_t)bp);
    }
    static const struct { const char *n; void (*f)(uint32_t *); } mi[] = {
        { "btl $3", btmi3 }, { "btsl $31", btsmi31 }, { "btrl $36", btrmi36 }, { "btcl $255", btcmi255 },
        { "btw $15", btmwi15 }, { "btsw $17", btsmwi17 }, { "btrw $9", btrmwi9 }, { "btcw $0", btcmwi0 },
    };
    for (size_t o = 0; o < sizeof mi / sizeof mi[0]; o++)
        for (uint32_t v = 0; v < 3; v++) {
            for (int k = 0; k < 8; k++)
                arr[k] = 0x5a5a0000u + (uint32_t)k * 0x1111u;
            arr[4] = v == 0 ? 0 : v == 1 ? 0xffffffff : 0x8000a5a5;
            uint32_t f;
            mi[o].f(&f);
            printf("%-9s v=%u f=%03x arr3..5=%08x %08x %08x\n", mi[o].n, v, f & DEF_BT, arr[3], arr[4], arr[5]);
        }
    static const struct { const char *n; M f; } mw[] = {
        { "btmw", btmw }, { "btrmw", btrmw }, { "btcmw", btcmw },
    };
    static const int32_t woffs[] = { 0, 15, 16, 17, 63, -1, -16, -17, -64, 0x10005, 0x7fff0000 };
    for (size_t o = 0; o < 3; o++)
        for (size_t b = 0; b < sizeof woffs / sizeof woffs[0]; b++) {
            for (int k = 0; k < 8; k++)
                arr[k] = 0x5a5a0000u + (uint32_t)k * 0x1111u;
            uint32_t f;
            mw[o].f(woffs[b], &f); /* only the low 16 bits count, as a signed offset */
            printf("%-5s off=%08x f=%03x mem=", mw[o].n, (uint32_t)woffs[b], f & DEF_BT);
            for (int k = 0; k < 8; k++)
                printf("%08x%c", arr[k], k == 7 ? '\n' : ' ');
        }
    far_bits();
    for (size_t i = 0; i < NBOUND; i++) {
        uint32_t f, r = 0x77777777;
        arr[0] = boundary[i];
        __asm__ volatile("bsfl %2, %0\n\tpushf\n\tpop %" RQ "1" : "+r"(r), "=&r"(f) : "m"(arr[0]) : "cc");
        printf("bsfm l a=%08x r=%08x f=%03x\n", boundary[i], boundary[i] ? r : 0, f & DEF_BITSCAN);
        r = 0x77777777;
        __asm__ volatile("bsrw %2, %w0\n\tpushf\n\tpop %" RQ "1" : "+r"(r), "=&r"(f) : "m"(arr[0]) : "cc");
        /* the destination's upper half survives a 16-bit BSR with a nonzero source */
        printf("bsrm w a=%08x r=%08x f=%03x\n", boundary[i] & 0xffff, boundary[i] & 0xffff ? r : 0, f & DEF_BITSCAN);
    }
    return 0;
}
