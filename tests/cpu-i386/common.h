/* Helpers for the test-i386 style programs: run one instruction with
 * chosen input flags, capture the result and the flags, print only the
 * flags the SDM defines for that instruction. */
#ifndef CPU_I386_COMMON_H
#define CPU_I386_COMMON_H
#include <stdint.h>
#include <stdio.h>

#define CF 0x0001u
#define PF 0x0004u
#define AF 0x0010u
#define ZF 0x0040u
#define SF 0x0080u
#define OF 0x0800u
#define ALLF (CF | PF | AF | ZF | SF | OF)

static const uint32_t boundary[] = {
    0x00000000, 0x00000001, 0x00000002, 0x0000007f, 0x00000080, 0x000000ff, 0x00000100,
    0x00007fff, 0x00008000, 0x0000ffff, 0x00010000, 0x7fffffff, 0x80000000, 0x80000001,
    0xfffffffe, 0xffffffff, 0x12345678, 0x9abcdef0, 0x00ff00ff, 0xdeadbeef,
};
#define NBOUND (sizeof boundary / sizeof boundary[0])

/* flag inputs worth trying: none, carry, all arithmetic flags */
static const uint32_t flag_inputs[] = { 0, CF, ALLF };
#define NFLAGIN (sizeof flag_inputs / sizeof flag_inputs[0])

static inline uint32_t mask_size(int size) { return size == 4 ? 0xffffffffu : size == 2 ? 0xffffu : 0xffu; }

static inline void show(const char *op, int size, uint32_t a, uint32_t b, uint32_t fin, uint32_t r,
                 uint32_t f, uint32_t defined)
{
    printf("%-6s %c a=%08x b=%08x fi=%03x r=%08x f=%03x\n", op, "?bw?l"[size], a & mask_size(size),
           b, fin & ALLF, r & mask_size(size), f & defined);
}
#endif
