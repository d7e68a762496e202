/* DAA DAS AAA AAS over every AL with AF/CF in; AAM AAD with several bases. */
#include "common.h"

#define BCD(fn, insn)                                                                          \
    static uint32_t fn(uint32_t ax, uint32_t fin, uint32_t *f)                                 \
    {                                                                                          \
        __asm__ volatile("push %[fin]\n\tpopf\n\t" insn "\n\tpushf\n\tpop %[f]"                \
                         : "+a"(ax), [f] "=&r"(*f)                                             \
                         : [fin] "r"(fin)                                                      \
                         : "cc");                                                              \
        return ax;                                                                             \
    }
BCD(daa, "daa") BCD(das, "das") BCD(aaa, "aaa") BCD(aas, "aas")
BCD(aam10, "aam") BCD(aad10, "aad") BCD(aam16, "aam $16") BCD(aad16, "aad $16")
BCD(aam7, "aam $7") BCD(aad3, "aad $3")

int main(void)
{
    static const struct { const char *n; uint32_t (*f)(uint32_t, uint32_t, uint32_t *); uint32_t def; } ops[] = {
        { "daa", daa, ALLF & ~OF }, { "das", das, ALLF & ~OF },
        { "aaa", aaa, CF | AF }, { "aas", aas, CF | AF },
        { "aam", aam10, SF | ZF | PF }, { "aad", aad10, SF | ZF | PF },
        { "aam16", aam16, SF | ZF | PF }, { "aad16", aad16, SF | ZF | PF },
        { "aam7", aam7, SF | ZF | PF }, { "aad3", aad3, SF | ZF | PF },
    };
    /* AH = 0x12, then AH = 0xff and 0x00 for the AH increment/decrement of AAA/AAS
     * (and to check DAA/DAS leave AH alone); the bits above AX must survive */
    static const uint32_t ahs[3] = { 0x1200, 0xff00, 0x0000 };
    for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++)
        for (int h = 0; h < (o >= 4 ? 1 : 3); h++)
            for (uint32_t al = 0; al < 256; al++)
                for (uint32_t k = 0; k < 4; k++) {
                    uint32_t fin = (k & 1 ? CF : 0) | (k & 2 ? AF : 0), f;
                    uint32_t ax = ahs[h] | al | (o >= 4 ? (al * 7 & 0xff) << 8 : 0);
                    if (o >= 4 && k)
                        continue; /* flags in do not matter for AAM/AAD */
                    if (h && al % 3 != 0 && (al & 0xf) < 0xa && al < 0xf0)
                        continue; /* a sample is enough away from the carries */
                    uint32_t r = ops[o].f(0xa5a50000u | ax, fin, &f);
                    printf("%-5s ax=%04x fi=%03x r=%04x f=%03x", ops[o].n, ax, fin, r & 0xffff, f & ops[o].def);
                    if (h)
                        printf(" hi=%04x", r >> 16);
                    printf("\n");
                }
    return 0;
}
