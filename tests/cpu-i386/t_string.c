/* MOVS STOS LODS CMPS SCAS with REP/REPE/REPNE, DF = 0 and 1, 8/16/32-bit,
 * 32- and 16-bit addressing (0x67), count 0. */
#include "common.h"

#include "ldt.h"

#define DF 0x400u
/* MOVS STOS LODS leave the flags alone, CMPS SCAS set all six: start from
 * a mix so both show */
#define FLAGS_IN (OF | ZF | AF | CF)

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
           (int)(esi - (uint32_t)(uintptr_t)src), (int)(edi - (uint32_t)(uintptr_t)dst), ecx, eax, f & (ALLF | DF));
    for (int i = 0; i < 48; i++)
        printf("%02x", dst[i]);
    printf("\n");
}

#define STR(name, insn)                                                                        \
    static void name(int df, uint32_t si_off, uint32_t di_off, uint32_t count, uint32_t eax)   \
    {                                                                                          \
        /* pointer-sized: the twin's string instructions use all of RSI RDI RCX */             \
        uintptr_t esi = (uintptr_t)src + si_off, edi = (uintptr_t)dst + di_off, ecx = count;    \
        uint32_t f, fin = FLAGS_IN | (df ? DF : 0);                                            \
        fill();                                                                                \
        __asm__ volatile("push %" RQ "[fin]\n\tpopf\n\t" insn "\n\tpushf\n\tpop %" RQ "[f]\n\tcld"        \
                         : "+S"(esi), "+D"(edi), "+c"(ecx), "+a"(eax), [f] "=&r"(f)            \
                         : [fin] "r"(fin)                                                      \
                         : "cc", "memory");                                                    \
        dump(#name, esi, edi, ecx, eax, f);                                                    \
    }

STR(movsb, "movsb") STR(movsw, "movsw") STR(movsl, "movsl")
STR(rep_movsb, "rep movsb") STR(rep_movsw, "rep movsw") STR(rep_movsl, "rep movsl")
STR(rep_stosb, "rep stosb") STR(rep_stosw, "rep stosw") STR(rep_stosl, "rep stosl")
STR(lodsb, "lodsb") STR(lodsl, "lodsl") STR(rep_lodsb, "rep lodsb")
STR(repe_cmpsb, "repe cmpsb") STR(repne_cmpsb, "repne cmpsb") STR(repe_cmpsl, "repe cmpsl")
STR(repne_scasb, "repne scasb") STR(repe_scasb, "repe scasb") STR(repne_scasw, "repne scasw")
STR(cmpsb, "cmpsb") STR(scasl, "scasl")

#if !TWIN /* no 16-bit addressing, no LDT data segments in 64-bit mode */
/* 16-bit addressing: SI/DI/CX wrap at 64K; use small offsets into a
 * buffer placed below 64K is not possible here, so only the count and
 * index registers' upper halves are checked to stay untouched. */
static void movs16(int df)
{
    uint32_t esi = 0x12340000u | 0x10, edi = 0x56780000u | 0x20, ecx = 0xabcd0000u, f;
    __asm__ volatile("push $0\n\tpopf\n\ttest %[df], %[df]\n\tjz 1f\n\tstd\n1:\n\t"
                     "addr16 rep movsb\n\tpushf\n\tpop %" RQ "[f]\n\tcld"
                     : "+S"(esi), "+D"(edi), "+c"(ecx), [f] "=&r"(f)
                     : [df] "r"(df)
                     : "cc", "memory");
    printf("a16 rep movsb count 0 df=%d: esi=%08x edi=%08x ecx=%08x\n", df, esi, edi, ecx);
}

/* 16-bit addressing with real buffers: an LDT data segment (base = seg,
 * limit 0xffff) in ES, and the source overridden to ES too, so SI and DI
 * can run off either end of the 64 KiB and wrap around, as they must. */
static uint8_t seg[0x10000] __attribute__((aligned(16)));
static uint16_t seg_sel = 0x07; /* LDT entry 0, RPL 3 */
static uint32_t g_fin, g_f;     /* static: the asm pushes ES, so no ESP-relative operands */

static void seg_fill(void)
{
    for (uint32_t i = 0; i < 0x10000; i++)
        seg[i] = (uint8_t)(i * 13 + 7);
    seg[0x0003] = seg[0x8003] = 0x42; /* where CMPS and SCAS stop */
}

static void seg_dump(const char *what, int df, uint32_t esi, uint32_t edi, uint32_t ecx, uint32_t eax)
{
    static const uint16_t spots[] = { 0xfff0, 0x0000, 0x7ff0, 0x8000 };
    printf("%-15s df=%d esi=%08x edi=%08x ecx=%08x eax=%08x f=%03x", what, df, esi, edi, ecx, eax,
           g_f & (ALLF | DF));
    for (int k = 0; k < 4; k++) {
        printf(" %04x:", spots[k]);
        for (int i = 0; i < 16; i++)
            printf("%02x", seg[spots[k] + i]);
    }
    printf("\n");
}

#define STR16(name, insn)                                                                          \
    static void name(int df, uint32_t esi, uint32_t edi, uint32_t ecx, uint32_t eax)           \
    {                                                                                          \
        seg_fill();                                                                            \
        g_fin = FLAGS_IN | (df ? DF : 0);                                                      \
        __asm__ volatile("push %%es\n\tmovw %[sel], %%es\n\tpushl %[fin]\n\tpopf\n\t" insn     \
                         "\n\tpushf\n\tpopl %[f]\n\tcld\n\tpop %%es"                             \
                         : "+S"(esi), "+D"(edi), "+c"(ecx), "+a"(eax), [f] "=m"(g_f)           \
                         : [sel] "m"(seg_sel), [fin] "m"(g_fin)                                \
                         : "cc", "memory");                                                    \
        seg_dump(#name, df, esi, edi, ecx, eax);                                               \
    }
STR16(a16_movsb, "rep movsb %%es:(%%si), %%es:(%%di)")
STR16(a16_movsw, "rep movsw %%es:(%%si), %%es:(%%di)")
STR16(a16_movsl, "rep movsl %%es:(%%si), %%es:(%%di)")
STR16(a16_stosb, "rep stosb %%al, %%es:(%%di)")
STR16(a16_stosw, "rep stosw %%ax, %%es:(%%di)")
STR16(a16_stosl, "rep stosl %%eax, %%es:(%%di)")
STR16(a16_lodsb, "rep lodsb %%es:(%%si), %%al")
STR16(a16_lodsl, "lodsl %%es:(%%si), %%eax")
STR16(a16_repe_cmpsb, "repe cmpsb %%es:(%%di), %%es:(%%si)")
STR16(a16_repne_cmpsw, "repne cmpsw %%es:(%%di), %%es:(%%si)")
STR16(a16_repne_scasb, "repne scasb %%es:(%%di), %%al")
STR16(a16_repe_scasl, "repe scasl %%es:(%%di), %%eax")

static void addr16_strings(void)
{
    if (set_ldt(0, (uint32_t)(uintptr_t)seg, 0xffff, 0, 0, 0, 1, 0) != 0) {
        printf("a16: modify_ldt failed\n");
        return;
    }
    typedef void (*S16)(int, uint32_t, uint32_t, uint32_t, uint32_t);
    static const struct { S16 f; int unit; } ops[] = {
        { a16_movsb, 1 }, { a16_movsw, 2 }, { a16_movsl, 4 }, { a16_stosb, 1 }, { a16_stosw, 2 },
        { a16_stosl, 4 }, { a16_lodsb, 1 }, { a16_lodsl, 4 }, { a16_repe_cmpsb, 1 },
        { a16_repne_cmpsw, 2 }, { a16_repne_scasb, 1 }, { a16_repe_scasl, 4 },
    };
    /* the upper halves of ESI EDI ECX are garbage that must be ignored and
     * kept; counts 0, 1 and 6 (wrapping past 0xffff forward or 0 backward) */
    static const uint32_t counts[] = { 0xbeef0000, 0xbeef0001, 0xbeef0006 };
    for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++)
        for (int df = 0; df < 2; df++)
            for (int c = 0; c < 3; c++) {
                uint32_t u = (uint32_t)ops[o].unit;
                uint32_t si = df ? 0x0000 + u : 0x10000 - 2 * u, di = df ? 0x8000 + u : 0x7ff0;
                ops[o].f(df, 0x12340000u | si, 0x56780000u | di, counts[c], 0x42424242u);
            }
    /* the same with 32-bit addressing through ES: ESI runs up to 0x10000 */
    uint32_t esi = 0xfff0, edi = 0x7ff0, ecx = 4; /* ends at the limit */
    seg_fill();
    __asm__ volatile("push %%es\n\tmovw %[sel], %%es\n\tcld\n\trep movsl %%es:(%%esi), %%es:(%%edi)\n\tpop %%es"
                     : "+S"(esi), "+D"(edi), "+c"(ecx) : [sel] "m"(seg_sel) : "memory");
    g_f = 0;
    seg_dump("a32_movsl", 0, esi, edi, ecx, 0);
}
#endif

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
        uintptr_t esi = (uintptr_t)dst, edi = esi + (uint32_t)shift, ecx = 20;
        __asm__ volatile("cld\n\trep movsb" : "+S"(esi), "+D"(edi), "+c"(ecx) : : "memory");
        dump("overlap_fwd", esi, edi, ecx, 0, 0);
        fill();
        esi = (uintptr_t)dst + 8;
        edi = esi - (uint32_t)shift;
        ecx = 5;
        __asm__ volatile("cld\n\trep movsl" : "+S"(esi), "+D"(edi), "+c"(ecx) : : "memory");
        dump("overlap_l", esi, edi, ecx, 0, 0);
    }
#if !TWIN
    movs16(0);
    movs16(1);
    addr16_strings();
#endif
    return 0;
}
