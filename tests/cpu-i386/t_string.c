/* MOVS STOS LODS CMPS SCAS with REP/REPE/REPNE, DF = 0 and 1, 8/16/32-bit,
 * 32- and 16-bit addressing (0x67), count 0. */
#include <string.h>
#include "common.h"

static uint8_t src[64], dst[64];

static void fill(void)
{
    for (int i = 0; i < 64; i++) {
        src[i] = (uint8_t)(i * 7 + 1);
        dst[i] = (uint8_t)(0xa0 + i);
    }
    src[40] = dst[40] = 0x55; /* a matching spot for cmps */
}

static void dump(const char *what, uint32_t esi, uint32_t edi, uint32_t ecx, uint32_t eax, uint32_t f)
{
    printf("%-12s esi=%+3d edi=%+3d ecx=%08x eax=%08x f=%03x dst=", what,
           (int)(esi - (uint32_t)(uintptr_t)src), (int)(edi - (uint32_t)(uintptr_t)dst), ecx, eax, f & ALLF);
    for (int i = 0; i < 48; i++)
        printf("%02x", dst[i]);
    printf("\n");
}

#define STR(name, insn)                                                                        \
    static void name(int df, uint32_t si_off, uint32_t di_off, uint32_t count, uint32_t eax)   \
    {                                                                                          \
        uint32_t esi = (uint32_t)(uintptr_t)src + si_off, edi = (uint32_t)(uintptr_t)dst + di_off; \
        uint32_t ecx = count, f;                                                               \
        fill();                                                                                \
        __asm__ volatile("push $0\n\tpopf\n\t"                                                 \
                         "test %[df], %[df]\n\tjz 1f\n\tstd\n1:\n\t" insn "\n\t"               \
                         "pushf\n\tpop %[f]\n\tcld"                                            \
                         : "+S"(esi), "+D"(edi), "+c"(ecx), "+a"(eax), [f] "=&r"(f)            \
                         : [df] "r"(df)                                                        \
                         : "cc", "memory");                                                    \
        dump(#name, esi, edi, ecx, eax, (strstr(#name, "cmps") || strstr(#name, "scas")) ? f : 0); \
    }

STR(movsb, "movsb") STR(movsw, "movsw") STR(movsl, "movsl")
STR(rep_movsb, "rep movsb") STR(rep_movsw, "rep movsw") STR(rep_movsl, "rep movsl")
STR(rep_stosb, "rep stosb") STR(rep_stosw, "rep stosw") STR(rep_stosl, "rep stosl")
STR(lodsb, "lodsb") STR(lodsl, "lodsl") STR(rep_lodsb, "rep lodsb")
STR(repe_cmpsb, "repe cmpsb") STR(repne_cmpsb, "repne cmpsb") STR(repe_cmpsl, "repe cmpsl")
STR(repne_scasb, "repne scasb") STR(repe_scasb, "repe scasb") STR(repne_scasw, "repne scasw")
STR(cmpsb, "cmpsb") STR(scasl, "scasl")

/* 16-bit addressing: SI/DI/CX wrap at 64K; use small offsets into a
 * buffer placed below 64K is not possible here, so only the count and
 * index registers' upper halves are checked to stay untouched. */
static void movs16(int df)
{
    uint32_t esi = 0x12340000u | 0x10, edi = 0x56780000u | 0x20, ecx = 0xabcd0000u, f;
    __asm__ volatile("push $0\n\tpopf\n\ttest %[df], %[df]\n\tjz 1f\n\tstd\n1:\n\t"
                     "addr16 rep movsb\n\tpushf\n\tpop %[f]\n\tcld"
                     : "+S"(esi), "+D"(edi), "+c"(ecx), [f] "=&r"(f)
                     : [df] "r"(df)
                     : "cc", "memory");
    printf("a16 rep movsb count 0 df=%d: esi=%08x edi=%08x ecx=%08x\n", df, esi, edi, ecx);
}

int main(void)
{
    typedef void (*S)(int, uint32_t, uint32_t, uint32_t, uint32_t);
    static const S fns[] = { movsb, movsw, movsl, rep_movsb, rep_movsw, rep_movsl, rep_stosb,
                             rep_stosw, rep_stosl, lodsb, lodsl, rep_lodsb, repe_cmpsb,
                             repne_cmpsb, repe_cmpsl, repne_scasb, repe_scasb, repne_scasw,
                             cmpsb, scasl };
    static const uint32_t counts[] = { 0, 1, 3, 7, 12 };
    static const uint32_t eaxs[] = { 0x11223355, 0x0000a7a7, 0x55 };
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++)
        for (int df = 0; df < 2; df++)
            for (size_t c = 0; c < 5; c++)
                for (size_t e = 0; e < 3; e++) {
                    uint32_t base = df ? 30 : 2;
                    fns[i](df, base, base + (uint32_t)c, counts[c], eaxs[e]);
                }
    /* overlapping forward and backward copies inside one buffer */
    for (int shift = 1; shift <= 5; shift++) {
        fill();
        uint32_t esi = (uint32_t)(uintptr_t)dst, edi = esi + (uint32_t)shift, ecx = 20;
        __asm__ volatile("cld\n\trep movsb" : "+S"(esi), "+D"(edi), "+c"(ecx) : : "memory");
        dump("overlap_fwd", esi, edi, ecx, 0, 0);
        fill();
        esi = (uint32_t)(uintptr_t)dst + 8;
        edi = esi - (uint32_t)shift;
        ecx = 5;
        __asm__ volatile("cld\n\trep movsl" : "+S"(esi), "+D"(edi), "+c"(ecx) : : "memory");
        dump("overlap_l", esi, edi, ecx, 0, 0);
    }
    movs16(0);
    movs16(1);
    return 0;
}
