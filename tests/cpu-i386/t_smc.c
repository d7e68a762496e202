/* Self-modifying code: patch an immediate and rerun, a store into the
 * bytes right after the storing instruction, code written into another
 * page then called, and a patched jump target. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include "twin.h"

typedef uint32_t (*Fn)(void);

int main(void)
{
    uint8_t *code = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code == MAP_FAILED)
        return 1;
    /* mov eax, imm32; ret */
    static const uint8_t ret_imm[] = { 0xb8, 0x11, 0x11, 0x11, 0x11, 0xc3 };
    memcpy(code, ret_imm, sizeof ret_imm);
    Fn f = (Fn)(uintptr_t)code;
    printf("first call: %08x\n", f());
    for (uint32_t v = 1; v <= 5; v++) {
        uint32_t imm = v * 0x01010101u;
        memcpy(code + 1, &imm, 4);
        printf("patched call %u: %08x\n", v, f());
    }
#if !TWIN /* 0x40 is INC EAX only outside 64-bit mode (a REX prefix there) */
    /* a store into the next instruction: the new bytes must run
     *   mov byte [ebx+N], 0x40 (inc eax)   ; N = offset of the nop below
     *   nop                                 ; becomes inc eax
     *   ret                                                        */
    uint8_t *p = code + 64;
    static const uint8_t self[] = { 0x31, 0xc0,                   /* xor eax,eax */
                                    0xc6, 0x43, 0x07, 0x40,       /* mov byte [ebx+7], 0x40 */
                                    0x90,                          /* +6: nop */
                                    0x90,                          /* +7: nop -> inc eax */
                                    0x40,                          /* inc eax */
                                    0xc3 };
    for (int round = 0; round < 3; round++) {
        memcpy(p, self, sizeof self);
        uint32_t r;
        __asm__ volatile("call *%1" : "=a"(r) : "r"(p), "b"(p) : "ecx", "edx", "memory");
        printf("store-ahead round %d: eax=%u\n", round, r);
    }
#endif
    /* a loop that rewrites its own increment each iteration */
    uint8_t *q = code + 128;
    static const uint8_t loop[] = {
        0x31, 0xc0,                   /* xor eax, eax */
        0xb9, 0x05, 0, 0, 0,          /* mov ecx, 5 */
        0x05, 0x01, 0, 0, 0,          /* L: add eax, imm32 (imm at +8) */
        0x80, 0x43, 0x08, 0x01,       /* add byte [ebx+8], 1 */
        0xe2, 0xf5,                   /* loop L */
        0xc3 };
    memcpy(q, loop, sizeof loop);
    uint32_t r;
    __asm__ volatile("call *%1" : "=a"(r) : "r"(q), "b"(q) : "ecx", "edx", "memory");
    printf("self-patching loop: eax=%u (1+2+3+4+5=15)\n", r);
    /* code generated into another page, then called */
    uint8_t *other = code + 4096 + 100;
    for (uint32_t k = 0; k < 4; k++) {
        uint8_t gen[] = { 0x8d, 0x04, 0x85, 0, 0, 0, 0, 0xc3 }; /* lea eax, [eax*4 + k] */
        memcpy(gen + 3, &k, 4);
        memcpy(other, gen, sizeof gen);
        uint32_t in = 10;
        __asm__ volatile("call *%1" : "+a"(in) : "r"(other) : "ecx", "edx", "memory");
        printf("generated lea k=%u: %u\n", k, in);
    }
    /* a jump whose target is rewritten: jmp rel8 to one of two returns */
    uint8_t *j = code + 8192 + 10;
    static const uint8_t jmpcode[] = { 0xeb, 0x00,              /* jmp +0 */
                                       0xb8, 1, 0, 0, 0, 0xc3,  /* mov eax,1; ret */
                                       0xb8, 2, 0, 0, 0, 0xc3 }; /* mov eax,2; ret */
    memcpy(j, jmpcode, sizeof jmpcode);
    for (int t = 0; t < 4; t++) {
        j[1] = (uint8_t)(t & 1 ? 6 : 0);
        printf("jump target %d: %u\n", t, ((Fn)(uintptr_t)j)());
    }
    /* the same code page written through a second mapping-free path: memset */
    memset(code + 256, 0x90, 16);
    code[272] = 0xb8;
    uint32_t v = 0x77;
    memcpy(code + 273, &v, 4);
    code[277] = 0xc3;
    printf("nop slide: %08x\n", ((Fn)(uintptr_t)(code + 256))());
    return 0;
}
