/* Segmentation through modify_ldt: data segments with bases and limits,
 * expand-down, read-only, accesses inside and outside the limit, bad
 * selectors, LAR LSL VERR VERW ARPL, LDS/LES/LFS/LGS/LSS, overrides, and
 * the TLS segment glibc set up in %gs. */
#define _GNU_SOURCE
#include "ldt.h"
#include "sys_common.h"
#include "common.h"

static uint8_t area[8192] __attribute__((aligned(4096)));

#define SEL(e) ((uint16_t)((e) << 3 | 7))

static uint32_t read_fs(uint16_t sel, uint32_t off)
{
    uint32_t v;
    __asm__ volatile("mov %w1, %%fs\n\tmovl %%fs:(%2), %0" : "=r"(v) : "r"(sel), "r"(off) : "memory");
    return v;
}

static void write_fs(uint16_t sel, uint32_t off, uint32_t v)
{
    __asm__ volatile("mov %w0, %%fs\n\tmovl %2, %%fs:(%1)" : : "r"(sel), "r"(off), "r"(v) : "memory");
}

/* REP MOVS from FS (a segment with a base and a limit) into dst, n
 * elements of size 1, 2 or 4 from offset off: the elements up to the
 * limit are copied one by one (or a run at a time: the same bytes), the
 * first past it faults with nothing of it written */
static uint8_t dst[1024];

static void rep_movs_fs(uint16_t sel, uint32_t off, uint32_t n, int size)
{
    memset(dst, 0xee, sizeof dst);
    uint32_t d = (uint32_t)(uintptr_t)dst;
    if (size == 1)
        __asm__ volatile("mov %w0, %%fs\n\tcld\n\tfs rep movsb" : "+r"(sel), "+S"(off), "+D"(d), "+c"(n) : : "memory");
    else if (size == 2)
        __asm__ volatile("mov %w0, %%fs\n\tcld\n\tfs rep movsw" : "+r"(sel), "+S"(off), "+D"(d), "+c"(n) : : "memory");
    else
        __asm__ volatile("mov %w0, %%fs\n\tcld\n\tfs rep movsl" : "+r"(sel), "+S"(off), "+D"(d), "+c"(n) : : "memory");
}

/* what dst holds: a checksum of every byte at its place */
static void print_dst(const char *name)
{
    uint32_t sum = 0;
    for (unsigned i = 0; i < sizeof dst; i++)
        sum = (sum << 5 | sum >> 27) + dst[i] * (i + 1);
    printf("%-14s dst %08x\n", name, sum);
}

int main(void)
{
    install();
    uint32_t base = (uint32_t)(uintptr_t)area;
    for (int i = 0; i < 8192; i++)
        area[i] = (uint8_t)(i * 13);
    printf("ldt data:    %d\n", set_ldt(0, base, 0xfff, 0, 0, 0, 1, 0));
    printf("ldt ro:      %d\n", set_ldt(1, base + 16, 0xff, 0, 0, 1, 1, 0));
    printf("ldt expdown: %d\n", set_ldt(2, base, 0x0fff, 0, 1, 0, 1, 0));
    printf("ldt code:    %d\n", set_ldt(3, base, 0xfff, 0, 2, 0, 1, 0));
    printf("ldt pages:   %d\n", set_ldt(4, base, 1, 1, 0, 0, 1, 0));
    printf("ldt np:      %d\n", set_ldt(5, base, 0xfff, 0, 0, 0, 1, 1));
    printf("ldt 16-bit expdown: %d\n", set_ldt(6, base - 0xf000, 0x0fff, 0, 1, 0, 0, 0));
    printf("ldt bad contents 3: %d\n", set_ldt(7, base, 0xfff, 0, 3, 0, 1, 0) < 0 ? -1 : 0);
    uint8_t raw[64];
    int n = (int)syscall(SYS_modify_ldt, 0, raw, sizeof raw);
    printf("read ldt: %d bytes, entry0=%02x%02x%02x%02x%02x%02x%02x%02x\n", n, raw[7], raw[6], raw[5], raw[4],
           raw[3], raw[2], raw[1], raw[0]);

    EXPECT_FAULT("fs read 0", l_r0, { uint32_t v = read_fs(SEL(0), 0); printf("  = %08x\n", v); __asm__(".globl l_r0\nl_r0:"); });
    EXPECT_FAULT("fs read ffc", l_r1, { uint32_t v = read_fs(SEL(0), 0xffc); printf("  = %08x\n", v); __asm__(".globl l_r1\nl_r1:"); });
    EXPECT_FAULT_ANYWHERE("fs read ffd", read_fs(SEL(0), 0xffd));
    EXPECT_FAULT_ANYWHERE("fs read 1000", read_fs(SEL(0), 0x1000));
    EXPECT_FAULT_ANYWHERE("ro write", write_fs(SEL(1), 4, 1));
    EXPECT_FAULT("ro read", l_r2, { uint32_t v = read_fs(SEL(1), 4); printf("  = %08x\n", v); __asm__(".globl l_r2\nl_r2:"); });
    EXPECT_FAULT_ANYWHERE("expdn low", read_fs(SEL(2), 0x10));
    EXPECT_FAULT("expdn high", l_r3, { uint32_t v = read_fs(SEL(2), 0x1000); printf("  = %08x\n", v); __asm__(".globl l_r3\nl_r3:"); });
    EXPECT_FAULT_ANYWHERE("expdn16 >64k", read_fs(SEL(6), 0x10000));
    EXPECT_FAULT("expdn16 ok", l_r4, { uint32_t v = read_fs(SEL(6), 0xfff0); printf("  = %08x\n", v); __asm__(".globl l_r4\nl_r4:"); });
    EXPECT_FAULT("code read", l_r5, { uint32_t v = read_fs(SEL(3), 8); printf("  = %08x\n", v); __asm__(".globl l_r5\nl_r5:"); });
    EXPECT_FAULT_ANYWHERE("code write", write_fs(SEL(3), 8, 1));
    EXPECT_FAULT("pages 1ffc", l_r6, { uint32_t v = read_fs(SEL(4), 0x1ffc); printf("  = %08x\n", v); __asm__(".globl l_r6\nl_r6:"); });
    EXPECT_FAULT_ANYWHERE("pages 2000", read_fs(SEL(4), 0x2000));
    EXPECT_FAULT_ANYWHERE("load np", __asm__ volatile("mov %w0, %%fs" : : "r"(SEL(5))));
    EXPECT_FAULT_ANYWHERE("load beyond", __asm__ volatile("mov %w0, %%fs" : : "r"(SEL(100))));
    EXPECT_FAULT_ANYWHERE("load gdt 99", __asm__ volatile("mov %w0, %%fs" : : "r"((uint16_t)(99 << 3 | 3))));
    EXPECT_FAULT_ANYWHERE("load rpl0", __asm__ volatile("mov %w0, %%ds\n\tmov %%ss, %%ax\n\tmov %%ax, %%ds" : : "r"((uint16_t)(SEL(0) & ~3)) : "eax"));
    EXPECT_FAULT_ANYWHERE("ss <- ro", __asm__ volatile("mov %%ss, %%ax\n\tmov %w0, %%ss\n\tmov %%ax, %%ss" : : "r"(SEL(1)) : "eax"));
    EXPECT_FAULT_ANYWHERE("null fs use", __asm__ volatile("xor %%eax, %%eax\n\tmov %%ax, %%fs\n\tmovl %%fs:0, %%eax" ::: "eax"));
    EXPECT_FAULT_ANYWHERE("mov cs", __asm__ volatile(".byte 0x8e, 0xc8")); /* mov cs, ax */

    /* LAR LSL VERR VERW on LDT, GDT and null selectors */
    uint16_t sels[] = { 0, SEL(0), SEL(1), SEL(2), SEL(3), SEL(4), SEL(5), SEL(100), 0x23, 0x2b, 0x20, 0x0b };
    for (unsigned i = 0; i < sizeof sels / sizeof sels[0]; i++) {
        uint32_t ar = 0xdead, lim = 0xbeef, f1, f2, f3, f4;
        __asm__ volatile("larl %w4, %0\n\tpushf\n\tpop %2\n\tlsll %w4, %1\n\tpushf\n\tpop %3"
                         : "+r"(ar), "+r"(lim), "=&r"(f1), "=&r"(f2) : "r"((uint32_t)sels[i]) : "cc");
        __asm__ volatile("verr %w2\n\tpushf\n\tpop %0\n\tverw %w2\n\tpushf\n\tpop %1"
                         : "=&r"(f3), "=&r"(f4) : "r"((uint32_t)sels[i]) : "cc");
        printf("sel %04x: lar zf=%d ar=%08x lsl zf=%d lim=%08x verr=%d verw=%d\n", sels[i], (f1 & ZF) != 0,
               (f1 & ZF) ? ar & 0x00f0ff00 : 0, (f2 & ZF) != 0, (f2 & ZF) ? lim : 0, (f3 & ZF) != 0, (f4 & ZF) != 0);
    }
    for (uint32_t a = 0; a < 4; a++)
        for (uint32_t b = 0; b < 4; b++) {
            uint32_t d = 0x1230 | a, f;
            __asm__ volatile("arpl %w2, %w0\n\tpushf\n\tpop %1" : "+r"(d), "=&r"(f) : "r"(b) : "cc");
            printf("arpl %u %u -> %04x zf=%d\n", a, b, d & 0xffff, (f & ZF) != 0);
        }
    /* far pointer loads */
    static struct __attribute__((packed)) { uint32_t off; uint16_t sel; } fp = { 0x40, 0 };
    fp.sel = SEL(0);
    uint32_t off, v;
    __asm__ volatile("lfs %2, %0\n\tmovl %%fs:(%0), %1" : "=r"(off), "=r"(v) : "m"(fp) : "memory");
    printf("lfs off=%x val=%08x\n", off, v);
    __asm__ volatile("push %%gs\n\tlgs %2, %0\n\tmovl %%gs:4(%0), %1\n\tpop %%gs" : "=r"(off), "=r"(v) : "m"(fp) : "memory");
    printf("lgs off=%x val=%08x\n", off, v);
    __asm__ volatile("push %%es\n\tles %2, %0\n\tmovl %%es:8(%0), %1\n\tpop %%es" : "=r"(off), "=r"(v) : "m"(fp) : "memory");
    printf("les off=%x val=%08x\n", off, v);
    __asm__ volatile("push %%ds\n\tlds %2, %0\n\tmovl 12(%0), %1\n\tpop %%ds" : "=r"(off), "=r"(v) : "m"(fp) : "memory");
    printf("lds off=%x val=%08x\n", off, v);
    static struct __attribute__((packed)) { uint32_t off; uint16_t sel; } fw = { 0, 0 };
    fw.sel = 0x2b;
    __asm__ volatile("mov %%esp, %%ecx\n\tlss %1, %%esp\n\tmov %%ss, %0\n\tmov %%ecx, %%esp" : "=r"(v) : "m"(fw) : "ecx", "memory");
    printf("lss ss=%04x\n", v & 0xffff);
    /* segment overrides on memory operands and string instructions */
    __asm__ volatile("mov %w1, %%fs\n\tmovl $0x40, %%eax\n\tmovl %%fs:(%%eax,%%eax,2), %0" : "=r"(v) : "r"(SEL(0)) : "eax");
    printf("fs:[eax*3] %08x\n", v);
    uint8_t copy[8] = { 0 };
    __asm__ volatile("mov %w0, %%fs\n\tcld\n\tfs rep movsb" : : "r"(SEL(0)), "S"(0x20), "D"(copy), "c"(8) : "memory");
    printf("fs: rep movsb %02x%02x%02x%02x%02x%02x%02x%02x\n", copy[0], copy[1], copy[2], copy[3], copy[4], copy[5], copy[6], copy[7]);
    /* REP MOVS through the LDT segments: into the limit, from above an
     * expand-down limit (32- and 16-bit: its top at 4 GiB or 64 KiB), a
     * readable code segment, and a first element already past the limit */
    EXPECT_FAULT_ANYWHERE("movsw to lim", rep_movs_fs(SEL(0), 0xf00, 0x100, 2));
    print_dst("movsw to lim");
    EXPECT_FAULT_ANYWHERE("movsd to lim", rep_movs_fs(SEL(0), 0xfe0, 0x10, 4));
    print_dst("movsd to lim");
    EXPECT_FAULT_ANYWHERE("movsb inside", rep_movs_fs(SEL(0), 0x10, 0x300, 1));
    print_dst("movsb inside");
    EXPECT_FAULT_ANYWHERE("expdn movsw", rep_movs_fs(SEL(2), 0x1000, 0x180, 2));
    print_dst("expdn movsw");
    EXPECT_FAULT_ANYWHERE("expdn below", rep_movs_fs(SEL(2), 0xff0, 0x10, 2));
    print_dst("expdn below");
    EXPECT_FAULT_ANYWHERE("expdn16 top", rep_movs_fs(SEL(6), 0xff00, 0x80, 4));
    print_dst("expdn16 top");
    EXPECT_FAULT_ANYWHERE("code movsd", rep_movs_fs(SEL(3), 0x20, 0x40, 4));
    print_dst("code movsd");
    EXPECT_FAULT_ANYWHERE("ro movsw", rep_movs_fs(SEL(1), 0x80, 0x100, 2));
    print_dst("ro movsw");
    uint16_t g;
    __asm__ volatile("mov %%gs, %0" : "=r"(g));
    /* the TLS entry number differs between i386 (6) and x86-64 (12) kernels */
    printf("glibc %%gs selector is a GDT entry with RPL 3: %d\n", (g & 7) == 3 && g != 0);
    uint32_t self, tcb;
    __asm__ volatile("movl %%gs:0, %0" : "=r"(self));
    __asm__ volatile("movl %%gs:8, %0" : "=r"(tcb));
    printf("%%gs:0 points to itself: %d\n", self != 0);
    return 0;
}
