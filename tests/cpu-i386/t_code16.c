/* 16-bit code: a far call from 32-bit code into a 16-bit LDT code
 * segment that runs 16-bit arithmetic, 16-bit addressing forms against
 * an ES data segment, 0x66/0x67-prefixed 32-bit operations, near calls
 * and jumps with 16-bit IPs, and returns with a 32-bit far return. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ldt.h"

uint16_t data16[64];

__asm__(".text\n"
        ".globl code16_start\n"
        "code16_start:\n"
        ".code16\n"
        "  movw $0x1234, %ax\n"
        "  movw $0x0f0f, %bx\n"
        "  addw %bx, %ax\n"                 /* ax = 0x2143 */
        "  adcw $0x8000, %ax\n"
        "  pushfw\n"
        "  popw %cx\n"                      /* 16-bit flags image */
        "  andw $0x08d5, %cx\n"
        "  movw %cx, %es:0x32\n"
        "  movl $0x11112222, %edx\n"        /* 0x66 prefix in 16-bit code */
        "  addl $0x01010101, %edx\n"
        "  movw $4, %si\n"
        "  movl $2, %ebx\n"                
        "  movw %es:(%bx,%si), %di\n"       /* [bx+si] */
        "  addw %es:6(%bx), %di\n"          /* [bx+disp8] */
        "  movw %ax, %es:0x10(%bx,%si)\n"   /* store [bx+si+disp8] */
        "  movw %es:0x20, %si\n"            /* [disp16] */
        "  addl %es:(%ebx,%ebx,4), %esi\n"  /* 0x67: 32-bit addressing from 16-bit code */
        "  call 1f\n"                       /* near call pushes a 16-bit IP */
        "  jmp 2f\n"
        "1: incw %dx\n"
        "  retw\n"
        "2: movw $3, %cx\n"
        "  xorw %bp, %bp\n"
        "3: addw %cx, %bp\n"
        "  loop 3b\n"                       /* CX counts in 16-bit code */
        "  movw %bp, %es:0x30\n"
        "  shll $16, %ecx\n"
        "  orl %eax, %ecx\n"
        "  lretl\n"                         /* 32-bit far return: pops EIP, CS */
        ".code32\n"
        ".globl code16_end\n"
        "code16_end:\n");
extern char code16_start[], code16_end[];

int main(void)
{
    for (int i = 0; i < 64; i++)
        data16[i] = (uint16_t)(0x100 * i + 7);
    printf("code16 ldt: %d\n", set_ldt(0, (uint32_t)(uintptr_t)code16_start, 0xffff, 0, 2, 0, 0, 0));
    printf("data16 ldt: %d\n", set_ldt(1, (uint32_t)(uintptr_t)data16, 0xff, 0, 0, 0, 0, 0));
    static struct __attribute__((packed)) { uint32_t off; uint16_t sel; } target = { 0, 0x07 };
    uint32_t eax, ecx, edx, esi, edi;
    __asm__ volatile("push %%es\n\tpush %%ebp\n\tmovw $0x0f, %%ax\n\tmovw %%ax, %%es\n\t"
                     "lcall *%5\n\tpop %%ebp\n\tpop %%es"
                     : "=a"(eax), "=c"(ecx), "=d"(edx), "=S"(esi), "=D"(edi)
                     : "m"(target) : "ebx", "memory", "cc");
    printf("after 16-bit code: eax=%08x ecx=%08x edx=%08x esi=%08x edi=%08x\n", eax, ecx, edx, esi, edi);
    printf("stored: [bx+si+10]=%04x [30]=%04x flags16=%04x\n", data16[(2 + 4 + 0x10) / 2], data16[0x30 / 2],
           data16[0x32 / 2]);
    printf("code16 size: %d\n", (int)(code16_end - code16_start));
    return 0;
}
