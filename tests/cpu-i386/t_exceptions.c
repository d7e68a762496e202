/* Faults and traps as Linux signals: signal, si_code, trap number, error
 * code, the exact EIP, and the register state the SDM promises. */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <unistd.h>
#include "sys_common.h"

static char *rw, *ro, *none;

int main(void)
{
    install();
    rw = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ro = rw + 4096;
    none = rw + 8192;
    mprotect(ro, 4096, PROT_READ);
    mprotect(none, 4096, PROT_NONE);

    EXPECT_FAULT("div0", l_div0, __asm__ volatile("xor %%ecx, %%ecx\n\tmov $1, %%eax\n\tcltd\n"
                                                 ".globl l_div0\nl_div0:\tdivl %%ecx" ::: "eax", "ecx", "edx"));
    {
        extern char l_div0[];
        printf("  si_addr=label%+d\n", (int)(caught.addr - (uint32_t)(uintptr_t)l_div0));
    }
    EXPECT_FAULT("idiv-ovf", l_idiv, __asm__ volatile("mov $-1, %%ecx\n\tmov $0x80000000, %%eax\n\tcltd\n"
                                                    ".globl l_idiv\nl_idiv:\tidivl %%ecx" ::: "eax", "ecx", "edx"));
    EXPECT_FAULT("divb-ovf", l_divb, __asm__ volatile("mov $1, %%cl\n\tmov $0x1234, %%ax\n"
                                                    ".globl l_divb\nl_divb:\tdivb %%cl" ::: "eax", "ecx"));
    EXPECT_FAULT("aam0", l_aam, __asm__ volatile(".globl l_aam\nl_aam:\t.byte 0xd4, 0x00" ::: "eax"));
    EXPECT_FAULT("ud2", l_ud2, __asm__ volatile(".globl l_ud2\nl_ud2:\tud2"));
    EXPECT_FAULT("lock-nop", l_lock, __asm__ volatile(".globl l_lock\nl_lock:\t.byte 0xf0, 0x90"));
    EXPECT_FAULT("lock-reg", l_lockr, __asm__ volatile(".globl l_lockr\nl_lockr:\t.byte 0xf0, 0x01, 0xc0" ::: "eax"));
    EXPECT_FAULT("lea-reg", l_leareg, __asm__ volatile(".globl l_leareg\nl_leareg:\t.byte 0x8d, 0xc0" ::: "eax"));
    EXPECT_FAULT("int3", l_int3, __asm__ volatile("int3\n.globl l_int3\nl_int3:\tnop"));
    EXPECT_FAULT("into", l_into, __asm__ volatile("mov $0x7fffffff, %%eax\n\tadd $1, %%eax\n\tinto\n"
                                                ".globl l_into\nl_into:\tnop" ::: "eax", "cc"));
    EXPECT_FAULT("into-noof", l_into2, __asm__ volatile("xor %%eax, %%eax\n\tinto\n"
                                                      ".globl l_into2\nl_into2:\tnop" ::: "eax", "cc"));
    static int32_t bounds[2] = { 10, 20 };
    EXPECT_FAULT("bound-out", l_bound, __asm__ volatile("mov $21, %%eax\n.globl l_bound\nl_bound:\tbound %%eax, %0"
                                                      :: "m"(bounds) : "eax"));
    EXPECT_FAULT("bound-in", l_bound2, __asm__ volatile("mov $20, %%eax\n\tbound %%eax, %0\n.globl l_bound2\nl_bound2:"
                                                      :: "m"(bounds) : "eax"));
    EXPECT_FAULT("hlt", l_hlt, __asm__ volatile(".globl l_hlt\nl_hlt:\thlt"));
    EXPECT_FAULT("cli", l_cli, __asm__ volatile(".globl l_cli\nl_cli:\tcli"));
    EXPECT_FAULT("in", l_in, __asm__ volatile(".globl l_in\nl_in:\tinb $0x80, %%al" ::: "eax"));
    EXPECT_FAULT("int-0x40", l_int40, __asm__ volatile(".globl l_int40\nl_int40:\tint $0x40"));
    EXPECT_FAULT("int-0xff", l_intff, __asm__ volatile(".globl l_intff\nl_intff:\tint $0xff"));
    EXPECT_FAULT("mov-cr0", l_cr0, __asm__ volatile(".globl l_cr0\nl_cr0:\tmov %%cr0, %%eax" ::: "eax"));
    EXPECT_FAULT("lgdt", l_lgdt, __asm__ volatile(".globl l_lgdt\nl_lgdt:\tlgdt %0" :: "m"(bounds)));
    EXPECT_FAULT("read-none", l_rnone, __asm__ volatile(".globl l_rnone\nl_rnone:\tmov (%0), %%eax" :: "r"(none + 16) : "eax"));
    printf("  si_addr=none%+d err&6=%x\n", (int)(caught.addr - (uint32_t)(uintptr_t)none), caught.err & 6);
    EXPECT_FAULT("write-ro", l_wro, __asm__ volatile(".globl l_wro\nl_wro:\tmovl $1, (%0)" :: "r"(ro + 8) : "memory"));
    printf("  si_addr=ro%+d err&6=%x\n", (int)(caught.addr - (uint32_t)(uintptr_t)ro), caught.err & 6);
    EXPECT_FAULT("read-null", l_null, __asm__ volatile(".globl l_null\nl_null:\tmov 0x10, %%eax" ::: "eax"));
    printf("  si_addr=%x err&6=%x\n", caught.addr, caught.err & 6);
    /* a store crossing from a writable into a read-only page: nothing is written */
    rw[4095] = 0x11;
    EXPECT_FAULT("split-store", l_split, __asm__ volatile(".globl l_split\nl_split:\tmovl $0xaabbccdd, (%0)" :: "r"(ro - 1) : "memory"));
    printf("  si_addr=ro%+d first byte kept=%02x\n", (int)(caught.addr - (uint32_t)(uintptr_t)ro), (uint8_t)rw[4095]);
    /* a faulting push leaves ESP unchanged */
    uint32_t esp_before = 0;
    EXPECT_FAULT("push-fault", l_push, __asm__ volatile("mov %%esp, %%ebx\n\tmov %%esp, %0\n\tmov %1, %%esp\n"
                                                      ".globl l_push\nl_push:\tpush $1\n\tmov %%ebx, %%esp"
                                                      : "=m"(esp_before) : "r"(ro + 64) : "ebx", "memory"));
    printf("  esp=ro%+d\n", (int)(caught.esp - (uint32_t)(uintptr_t)ro));
    /* rep movsb into a protected page stops at the faulting element */
    char *si = rw, *di = ro - 10;
    uint32_t cnt = 100;
    EXPECT_FAULT("rep-movs", l_rep, __asm__ volatile("cld\n\t.globl l_rep\nl_rep:\trep movsb"
                                                   : "+S"(si), "+D"(di), "+c"(cnt) : : "memory"));
    printf("  ecx=%u esi=rw%+d edi=ro%+d\n", caught.ecx, (int)(caught.esi - (uint32_t)(uintptr_t)rw),
           (int)(caught.edi - (uint32_t)(uintptr_t)ro));
    /* executing from a page without access */
    EXPECT_FAULT_ANYWHERE("exec-none", __asm__ volatile("call *%0" :: "r"(none + 32) : "memory"));
    printf("  si_addr=none%+d eip=none%+d err&6=%x\n", (int)(caught.addr - (uint32_t)(uintptr_t)none),
           (int)(caught.eip - (uint32_t)(uintptr_t)none), caught.err & 6);
    return 0;
}
