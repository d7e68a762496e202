/* Helpers for the test-i386 style programs: run one instruction with
 * chosen input flags, capture the result and the flags, print only the
 * flags the SDM defines for that instruction. */
#ifndef CPU_I386_COMMON_H
#define CPU_I386_COMMON_H
#include <stdint.h>
#include <stdio.h>
#include "twin.h"

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

/* The flags the SDM defines after common instruction kinds; anything else
 * is undefined and differs between CPUs, so it is masked before printing. */
#define DEF_ARITH ALLF                   /* ADD ADC SUB SBB CMP NEG INC DEC CMPXCHG XADD */
#define DEF_LOGIC (ALLF & ~AF)           /* AND OR XOR TEST (CF = OF = 0) */
#define DEF_MUL (CF | OF)                /* MUL IMUL */
#define DEF_BITSCAN ZF                   /* BSF BSR */
#define DEF_BT CF                        /* BT BTS BTR BTC */
#define DEF_SHIFT1 (ALLF & ~AF)          /* shift by 1 */
#define DEF_SHIFTN (CF | PF | ZF | SF)   /* shift by 2..size-1 */

/* Asm fragments around an instruction: load EFLAGS from operand [fin]
 * before it, store EFLAGS into operand [f] after it.  Use them as
 *   __asm__ volatile(SET_FLAGS "addl %[b], %[a]" GET_FLAGS
 *                    : [a] "+r"(a), [f] "=&r"(f) : [b] "r"(b), [fin] "r"(fin) : "cc");
 * [f] must be an early-clobber register ("=&r") since it is written
 * while the inputs may still be live. */
#define SET_FLAGS "push %" RQ "[fin]\n\tpopf\n\t"
#define GET_FLAGS "\n\tpushf\n\tpop %" RQ "[f]"

/* a 32-bit value as an unsigned number of the given byte size */
static inline uint32_t trunc_size(uint32_t v, int size) { return v & mask_size(size); }
#endif
