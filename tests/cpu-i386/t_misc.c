/* Conditions (Jcc SETcc CMOVcc) over all flag combinations, CMPXCHG XADD
 * CMPXCHG8B, LEA addressing forms, MOVZX MOVSX CBW CWDE CWD CDQ, XCHG,
 * LAHF SAHF, PUSHF/POPF, ENTER LEAVE, LOOP JECXZ, XLAT, CPUID, RDTSC. */
#include "common.h"

/* each condition as SETcc, short Jcc (7x), near Jcc (0f 8x), CMOVcc on a
 * 32-bit register, a 16-bit register and memory */
static uint32_t cmov_src = 0x33334444;
#define COND(cc)                                                                               \
    static void cond_##cc(uint32_t fin)                                                        \
    {                                                                                          \
        uint32_t set = 0, j = 0, jn = 0, cm = 0x1111, cw = 0x55556666, cmm = 0x7777;            \
        __asm__ volatile("push %" RQ "[fin]\n\tpopf\n\tset" #cc " %b[set]\n\t"                       \
                         "j" #cc " 1f\n\tjmp 2f\n1:\tmovl $1, %[j]\n2:\n\t"                    \
                         "%{disp32%} j" #cc " 3f\n\tjmp 4f\n3:\tmovl $1, %[jn]\n4:\n\t"      \
                         "push %" RQ "[fin]\n\tpopf\n\tcmov" #cc " %[two], %[cm]\n\t"                 \
                         "cmov" #cc "w %w[two], %w[cw]\n\tcmov" #cc " %[src], %[cmm]"            \
                         : [set] "+q"(set), [j] "+m"(j), [jn] "+m"(jn), [cm] "+r"(cm),         \
                           [cw] "+r"(cw), [cmm] "+r"(cmm)                                      \
                         : [fin] "r"(fin), [two] "r"(0x22222222), [src] "m"(cmov_src)          \
                         : "cc");                                                              \
        printf("cc %-2s f=%03x set=%u j=%u jn=%u cmov=%08x %08x %08x\n", #cc, fin, set, j, jn, cm, \
               cw, cmm);                                                                       \
    }
COND(o) COND(no) COND(b) COND(ae) COND(e) COND(ne) COND(be) COND(a)
COND(s) COND(ns) COND(p) COND(np) COND(l) COND(ge) COND(le) COND(g)

static void conditions(void)
{
    static void (*const f[16])(uint32_t) = { cond_o, cond_no, cond_b, cond_ae, cond_e, cond_ne,
                                             cond_be, cond_a, cond_s, cond_ns, cond_p, cond_np,
                                             cond_l, cond_ge, cond_le, cond_g };
    for (uint32_t m = 0; m < 32; m++) { /* every combination of CF PF ZF SF OF */
        uint32_t fin = (m & 1 ? CF : 0) | (m & 2 ? PF : 0) | (m & 4 ? ZF : 0) | (m & 8 ? SF : 0) | (m & 16 ? OF : 0);
        for (int c = 0; c < 16; c++)
            f[c](fin);
    }
    /* conditions straight after arithmetic (the lazy-flag fast paths) */
    for (size_t i = 0; i < NBOUND; i += 3)
        for (size_t k = 0; k < NBOUND; k += 2) {
            uint32_t a = boundary[i], b = boundary[k], r = 0;
            __asm__("cmpl %2, %1\n\tsetb %%al\n\tshl $1, %0\n\tcmpl %2, %1\n\tsetbe %%dl\n\tor %%edx, %0\n\tshl $1, %0\n\t"
                    "cmpl %2, %1\n\tsetl %%dl\n\tor %%edx, %0\n\tshl $1, %0\n\tcmpl %2, %1\n\tsetle %%dl\n\tor %%edx, %0\n\t"
                    "shl $1, %0\n\ttestl %2, %1\n\tsets %%dl\n\tor %%edx, %0\n\tshl $1, %0\n\t"
                    "addl %2, %1\n\tseto %%dl\n\tor %%edx, %0"
                    : "+a"(r), "+r"(a) : "r"(b) : "edx", "cc");
            printf("cmp-set a=%08x b=%08x bits=%03x\n", boundary[i], b, r & 0x3f);
        }
}

static void atomics(void)
{
    for (size_t i = 0; i < NBOUND; i += 2)
        for (size_t k = 0; k < NBOUND; k += 3) {
            uint32_t mem = boundary[i], eax = boundary[k], src = 0x77777777, f;
            __asm__ volatile("lock cmpxchgl %[s], %[m]\n\tpushf\n\tpop %" RQ "[f]"
                             : [m] "+m"(mem), "+a"(eax), [f] "=&r"(f) : [s] "r"(src) : "cc");
            printf("cmpxchgl m=%08x a=%08x -> m=%08x a=%08x f=%03x\n", boundary[i], boundary[k], mem, eax, f & ALLF);
            uint32_t m8 = boundary[i] & 0xff, a8 = boundary[k];
            __asm__ volatile("cmpxchgb %b[s], %b[m]\n\tpushf\n\tpop %" RQ "[f]"
                             : [m] "+q"(m8), "+a"(a8), [f] "=&r"(f) : [s] "q"(src) : "cc");
            printf("cmpxchgb m=%08x a=%08x -> m=%08x a=%08x f=%03x\n", boundary[i] & 0xff, boundary[k], m8, a8, f & ALLF);
            uint32_t x = boundary[i], y = boundary[k];
            __asm__ volatile("lock xaddl %[y], %[x]\n\tpushf\n\tpop %" RQ "[f]"
                             : [x] "+m"(x), [y] "+r"(y), [f] "=&r"(f) : : "cc");
            printf("xaddl %08x %08x -> %08x %08x f=%03x\n", boundary[i], boundary[k], x, y, f & ALLF);
            uint32_t xw = boundary[i], yw = boundary[k];
            __asm__ volatile("xaddw %w[y], %w[x]\n\tpushf\n\tpop %" RQ "[f]"
                             : [x] "+r"(xw), [y] "+r"(yw), [f] "=&r"(f) : : "cc");
            printf("xaddw %08x %08x -> %08x %08x f=%03x\n", boundary[i], boundary[k], xw, yw, f & ALLF);
        }
    for (size_t i = 0; i < NBOUND; i += 3)
        for (size_t k = 0; k < NBOUND; k += 4) {
            uint32_t dst = boundary[i], eax = boundary[k], f;
            if (k == 8)
                eax = dst; /* an equal case */
            uint32_t eax_in = eax;
            __asm__ volatile("cmpxchgw %w[s], %w[d]\n\tpushf\n\tpop %" RQ "[f]"
                             : [d] "+r"(dst), "+a"(eax), [f] "=&r"(f) : [s] "r"(0xabcd1234) : "cc");
            printf("cmpxchgw d=%08x a=%08x -> d=%08x a=%08x f=%03x\n", boundary[i], eax_in, dst, eax, f & ALLF);
            uint32_t m = boundary[i], r = boundary[k];
            __asm__ volatile("xchgl %[r], %[m]" : [m] "+m"(m), [r] "+r"(r));
            uint32_t mw = boundary[i], rw = boundary[k];
            __asm__ volatile("xchgw %w[r], %[m]" : [m] "+m"(mw), [r] "+r"(rw));
            uint32_t ax = boundary[i], cx = boundary[k];
            __asm__ volatile("xchgw %%ax, %%cx" : "+a"(ax), "+c"(cx)); /* the 66 9x form */
            printf("xchg m %08x %08x w %08x %08x ax,cx %08x %08x\n", m, r, mw, rw, ax, cx);
        }
    static uint64_t q;
    for (int eq = 0; eq < 2; eq++) {
        q = 0x1122334455667788ull;
        uint32_t lo = eq ? 0x55667788 : 1, hi = 0x11223344, f;
        __asm__ volatile("lock cmpxchg8b %[q]\n\tpushf\n\tpop %" RQ "[f]"
                         : [q] "+m"(q), "+a"(lo), "+d"(hi), [f] "=&r"(f)
                         : "b"(0xaaaabbbb), "c"(0xccccdddd) : "cc");
        printf("cmpxchg8b eq=%d -> q=%016llx edx:eax=%08x:%08x zf=%u\n", eq, (unsigned long long)q, hi, lo, (f & ZF) != 0);
    }
}

uint32_t table[64]; /* referenced by name from asm */

/* an operand written for inline asm, printed as the assembler sees it */
__attribute__((unused)) /* the twin prints no lea16 lines */
static void print_asm_form(const char *what, const char *form, uint32_t r)
{
    int n = printf("%s ", what);
    for (; *form; form++, n++)
        if (!(form[0] == '%' && form[1] == '%'))
            putchar(*form);
        else
            n--;
    printf("%*s %08x\n", n < 24 ? 24 - n : 0, "", r);
}

static void addressing(void)
{
    uint32_t b = 0x1000, i = 0x30, r;
    __asm__("leal (%1), %0" : "=r"(r) : "r"(b)); printf("lea (b) %08x\n", r);
    __asm__("leal 7(%1), %0" : "=r"(r) : "r"(b)); printf("lea 7(b) %08x\n", r);
    __asm__("leal -129(%1), %0" : "=r"(r) : "r"(b)); printf("lea -129(b) %08x\n", r);
    __asm__("leal 0x12345(%1), %0" : "=r"(r) : "r"(b)); printf("lea d32(b) %08x\n", r);
    __asm__("leal (%1,%2), %0" : "=r"(r) : "r"(b), "r"(i)); printf("lea (b,i) %08x\n", r);
    __asm__("leal (%1,%2,2), %0" : "=r"(r) : "r"(b), "r"(i)); printf("lea (b,i,2) %08x\n", r);
    __asm__("leal 5(%1,%2,4), %0" : "=r"(r) : "r"(b), "r"(i)); printf("lea 5(b,i,4) %08x\n", r);
    __asm__("leal -8(%1,%2,8), %0" : "=r"(r) : "r"(b), "r"(i)); printf("lea -8(b,i,8) %08x\n", r);
    __asm__("leal 0x100(,%1,8), %0" : "=r"(r) : "r"(i)); printf("lea d(,i,8) %08x\n", r);
    __asm__("leal 0x40000000(%1,%1,1), %0" : "=r"(r) : "r"(0xe0000000u)); printf("lea wrap %08x\n", r);
    __asm__("leal (%%esp), %0\n\tsubl %%esp, %0" : "=r"(r)); printf("lea (esp) %08x\n", r);
#if !TWIN /* no 16-bit addressing in 64-bit mode */
    /* 16-bit address forms through the 0x67 prefix */
    __asm__("movl $0x12345678, %%ebx\n\tmovl $0xffff0102, %%esi\n\taddr16 leal 0x10(%%bx,%%si), %0"
            : "=r"(r) : : "ebx", "esi");
    printf("lea16 [bx+si+10] %08x\n", r);
    __asm__("movl $0xfff0, %%ebx\n\tmovl $0x20, %%edi\n\taddr16 leal (%%bx,%%di), %0" : "=r"(r) : : "ebx", "edi");
    printf("lea16 [bx+di] wraps %08x\n", r);
    __asm__("push %%ebp\n\tmovl $0x8000, %%ebp\n\taddr16 leal -2(%%bp), %0\n\tpop %%ebp" : "=a"(r));
    printf("lea16 [bp-2] %08x\n", r);
#endif
    __asm__("leal 0x12345678, %0" : "=r"(r)); printf("lea d32 %08x\n", r);
    __asm__("leal (,%1,1), %0" : "=r"(r) : "r"(i)); printf("lea (,i,1) %08x\n", r);
    __asm__("leal -4(,%1,2), %0" : "=r"(r) : "r"(i)); printf("lea -4(,i,2) %08x\n", r);
    __asm__("leal 0x7fffffff(%1,%2,4), %0" : "=r"(r) : "r"(b), "r"(i)); printf("lea d32(b,i,4) %08x\n", r);
    __asm__("leal -0x80(%1,%2,1), %0" : "=r"(r) : "r"(b), "r"(i)); printf("lea -80(b,i) %08x\n", r);
    /* fixed registers: no operand may be EBP (RBP is allocatable in the twin) */
    __asm__("push %%" BP_REG "\n\tmovl %1, %%ebp\n\tleal (%%ebp), %0\n\tpop %%" BP_REG : "=a"(r) : "c"(b));
    printf("lea (ebp) %08x\n", r); /* mod 01 with a zero disp8: mod 00 rm 101 means disp32 */
    __asm__("push %%" BP_REG "\n\tmovl %1, %%ebp\n\tleal 0x100(%%ebp,%2,2), %0\n\tpop %%" BP_REG
            : "=a"(r) : "c"(b), "d"(i));
    printf("lea d32(ebp,i,2) %08x\n", r);
    __asm__("leal 4(%%esp,%1,1), %0\n\tsubl %%esp, %0" : "=r"(r) : "r"(i)); printf("lea 4(esp,i) %08x\n", r);
    __asm__("leal -1(%%esp), %0\n\tsubl %%esp, %0" : "=r"(r)); printf("lea -1(esp) %08x\n", r);
#if !TWIN /* no 16-bit addressing in 64-bit mode */
    /* every 16-bit r/m form, with no displacement, disp8 and disp16;
     * BX=ff00 BP=f0f0 SI=0123 DI=7ffe so sums wrap at 64K */
#define LEA16(form)                                                                               \
    __asm__("push %%ebp\n\tmovl $0xabcdf0f0, %%ebp\n\taddr16 leal " form ", %0\n\tpop %%ebp"     \
            : "=a"(r) : "b"(0x1234ff00), "S"(0x55550123), "D"(0x66667ffe));                    \
    print_asm_form("lea16", form, r);
    LEA16("(%%bx,%%si)") LEA16("(%%bx,%%di)") LEA16("(%%bp,%%si)") LEA16("(%%bp,%%di)")
    LEA16("(%%si)") LEA16("(%%di)") LEA16("0x1234") LEA16("(%%bx)")
    LEA16("-3(%%bx,%%si)") LEA16("0x7f(%%bx,%%di)") LEA16("-0x80(%%bp,%%si)") LEA16("1(%%bp,%%di)")
    LEA16("-1(%%si)") LEA16("2(%%di)") LEA16("0(%%bp)") LEA16("0x10(%%bx)")
    LEA16("0x1234(%%bx,%%si)") LEA16("-0x2000(%%bx,%%di)") LEA16("0x8000(%%bp,%%si)")
    LEA16("0x4321(%%bp,%%di)") LEA16("0xfedd(%%si)") LEA16("0x8002(%%di)") LEA16("0x0f10(%%bp)")
    LEA16("0x00ff(%%bx)")
#endif
    /* a 16-bit destination keeps the register's upper half */
    r = 0xdeadbeef;
    __asm__("leaw 0x1234(%1,%2,2), %w0" : "+r"(r) : "r"(0x10000u), "r"(0x8000u));
    printf("leaw %08x\n", r);
    for (int k = 0; k < 64; k++)
        table[k] = 0x100u * (uint32_t)k + 1;
    uint32_t idx = 9;
    __asm__("movl table(,%1,4), %0" : "=r"(r) : "r"(idx)); printf("mov table(,i,4) %08x\n", r);
    __asm__("movl table+8(,%1,2), %0" : "=r"(r) : "r"(idx)); printf("mov table+8(,i,2) %08x\n", r);
}

static void moves(void)
{
    for (size_t i = 0; i < NBOUND; i++) {
        uint32_t v = boundary[i], zb, zw, sb, sw, cbw = v, cwde = v, cwd_a = v, cwd_d = 0x12345678, cdq_a = v, cdq_d;
        __asm__("movzbl %b1, %0" : "=r"(zb) : "q"(v));
        __asm__("movzwl %w1, %0" : "=r"(zw) : "r"(v));
        __asm__("movsbl %b1, %0" : "=r"(sb) : "q"(v));
        __asm__("movswl %w1, %0" : "=r"(sw) : "r"(v));
        __asm__("cbtw" : "+a"(cbw));
        __asm__("cwtl" : "+a"(cwde));
        __asm__("cwtd" : "+a"(cwd_a), "+d"(cwd_d));
        __asm__("cltd" : "+a"(cdq_a), "=d"(cdq_d));
        uint32_t mzw = 0xffffffff;
        __asm__("movzbw %b1, %w0" : "+r"(mzw) : "q"(v));
        printf("mov %08x zb=%08x zw=%08x sb=%08x sw=%08x cbw=%08x cwde=%08x cwd=%08x:%08x cdq=%08x zbw=%08x\n",
               v, zb, zw, sb, sw, cbw, cwde, cwd_d, cwd_a, cdq_d, mzw);
        static uint32_t m;
        uint32_t msb = 0xffffffff, msw, mzb, mzwm;
        m = v;
        __asm__("movsbw %1, %w0" : "+r"(msb) : "m"(*(uint8_t *)&m));
        __asm__("movswl %1, %0" : "=r"(msw) : "m"(*(uint16_t *)&m));
        __asm__("movzbl %1, %0" : "=r"(mzb) : "m"(*((uint8_t *)&m + 1)));
        __asm__("movzwl %1, %0" : "=r"(mzwm) : "m"(*((uint16_t *)&m + 1)));
        printf("movm %08x sbw=%08x swl=%08x zb1=%08x zw1=%08x\n", v, msb, msw, mzb, mzwm);
        uint32_t x = v, y = 0xabcdef01;
        __asm__("xchgl %0, %1" : "+r"(x), "+r"(y));
        uint32_t xb = v, yb = 0xabcdef01;
        __asm__("xchgb %b0, %h1" : "+q"(xb), "+Q"(yb));
        printf("xchg %08x %08x xchgb %08x %08x\n", x, y, xb, yb);
    }
    for (uint32_t ah = 0; ah < 256; ah += 5) {
        uint32_t eax = ah << 8, f, back;
        __asm__ volatile("push $0\n\tpopf\n\tsahf\n\tpushf\n\tpop %" RQ "1\n\tmovb $0, %%ah\n\tlahf\n\tmovl %%eax, %2"
                         : "+a"(eax), "=&r"(f), "=&r"(back) : : "cc");
        printf("sahf ah=%02x f=%03x lahf=%02x\n", ah, f & (CF | PF | AF | ZF | SF), (back >> 8) & 0xff);
    }
    /* POPF/PUSHF round trip of the visible user flags (and AC, ID) */
    static const uint32_t pf[] = { 0, 0x8d5, 0x40cd5, 0x200000, 0x400, 0xfffffeff }; /* never TF */
    for (size_t i = 0; i < sizeof pf / sizeof pf[0]; i++) {
        uint32_t out;
        __asm__ volatile("pushf\n\tpush %" RQ "1\n\tpopf\n\tpushf\n\tpop %" RQ "0\n\tpopf" : "=r"(out) : "r"(pf[i]) : "cc");
        printf("popf %08x -> %08x\n", pf[i], out & 0x00240fd5);
    }
}

#if !TWIN
static uint32_t enter_test(int level)
{
    uint32_t r1 = 0, r2 = 0, r3 = 0;
    switch (level) {
#define ENTER(n)                                                                                 \
    case n:                                                                                      \
        __asm__ volatile("movl %%esp, %%ecx\n\tpush %%ebp\n\tmovl $0x1234, %%ebp\n\t"            \
                         "movl %%esp, %%edx\n\tsubl $64, %%esp\n\tmovl %%edx, %%ebp\n\t"         \
                         "movl $0xaaaa0000, -4(%%ebp)\n\tmovl $0xbbbb0000, -8(%%ebp)\n\t"        \
                         "movl %%ebp, %%edx\n\t"                                                 \
                         "enter $12, $" #n "\n\tmovl %%ebp, %0\n\tsubl %%esp, %0\n\t"            \
                         "movl %%edx, %1\n\tsubl %%ebp, %1\n\tmovl -4(%%ebp), %2\n\t"            \
                         "leave\n\tmovl %%ecx, %%esp\n\tsubl $4, %%esp\n\tpop %%ebp"             \
                         : "=&a"(r1), "=&b"(r2), "=&S"(r3) : : "ecx", "edx", "memory");          \
        break;
        ENTER(0) ENTER(1) ENTER(2) ENTER(3)
    }
    printf("enter level %d: ebp-esp=%u frame=%u [ebp-4]=%08x\n", level, r1, r2, level >= 2 ? r3 : 0);
    return r1;
}
#endif

static void loops(void)
{
    for (uint32_t n = 0; n < 5; n++) {
        uint32_t c = n, k = 0, z = 0;
        __asm__ volatile("jecxz 2f\n1:\tincl %1\n\tloop 1b\n2:" : "+c"(c), "+r"(k));
        c = n + 3;
        __asm__ volatile("1:\tincl %1\n\tcmpl $2, %1\n\tloopne 1b" : "+c"(c), "+r"(z) : : "cc");
        printf("loop n=%u iterations=%u loopne stop=%u ecx=%u\n", n, k, z, c);
    }
    /* LOOPE runs while ZF = 1: the body compares the counter with 3 */
    for (uint32_t n = 1; n < 7; n++) {
        uint32_t c = n, k = 0;
        __asm__ volatile("1:\tincl %1\n\tcmpl $3, %1\n\tsetb %%dl\n\tcmpb $1, %%dl\n\tloope 1b"
                         : "+c"(c), "+r"(k) : : "edx", "cc");
        printf("loope n=%u iterations=%u ecx=%u\n", n, k, c);
    }
#if !TWIN /* no 16-bit addressing in 64-bit mode */
    /* 16-bit address size: LOOP and JCXZ use CX and keep ECX's upper half */
    static const uint32_t cxs[] = { 0x00010003, 0xffff0000, 0x12340001, 0x00000002 };
    for (size_t i = 0; i < sizeof cxs / sizeof cxs[0]; i++) {
        uint32_t c = cxs[i], k = 0, z = 0;
        __asm__ volatile("addr16 jecxz 2f\n1:\tincl %1\n\taddr16 loop 1b\n2:" : "+c"(c), "+r"(k));
        uint32_t c2 = cxs[i];
        __asm__ volatile("movl $7, %1\n\taddr16 jecxz 1f\n\tmovl $0, %1\n1:" : "+c"(c2), "=&r"(z));
        printf("loopw ecx=%08x iterations=%u -> %08x jcxz=%u\n", cxs[i], k, c, z == 7);
    }
#endif
    static const uint8_t xt[256] = { [0] = 9, [7] = 77, [255] = 0xee };
    for (uint32_t al = 0; al < 256; al += 7) {
        uint32_t eax = 0xabcd0000u | al;
        __asm__("xlat" : "+a"(eax) : "b"(xt));
        printf("xlat %02x -> %08x\n", al, eax);
    }
}

int main(void)
{
    conditions();
    atomics();
    addressing();
    moves();
#if !TWIN /* ENTER/LEAVE on the 32-bit stack */
    for (int l = 0; l < 4; l++)
        enter_test(l);
#endif
    loops();
    /* CPUID: only facts every i686-class CPU and emu386 agree on */
    uint32_t a = 0, b, c = 0, d;
    __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    printf("cpuid 0: max leaf >= 1: %d\n", a >= 1);
    a = 1, c = 0;
    __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    printf("cpuid 1: fpu=%u tsc=%u cx8=%u cmov=%u\n", d & 1, (d >> 4) & 1, (d >> 8) & 1, (d >> 15) & 1);
    uint32_t lo1, hi1, lo2, hi2;
    __asm__ volatile("rdtsc" : "=a"(lo1), "=d"(hi1));
    __asm__ volatile("rdtsc" : "=a"(lo2), "=d"(hi2));
    printf("rdtsc increases: %d\n", ((uint64_t)hi2 << 32 | lo2) > ((uint64_t)hi1 << 32 | lo1));
    return 0;
}
