/* The native back end (src/native) against the interpreter: twin CPUs,
 * one with E386_ACCEL_NATIVE and one with E386_ACCEL_INTERP, run the same
 * random program from the same state and must agree on everything after
 * every slice of the instruction budget: exit (reason, vector, error
 * code, fault address and EIPs), instruction count, general registers,
 * EIP, EFLAGS, the lazy flags (cc_op .. cc_src2: an inline op leaves its
 * handler's values, but for the sources nothing reads: a LOGIC kind's,
 * the first of ADD, SUB, INC and DEC), the data page
 * and the code page.
 *
 * A program is a loop (ECX counts down, so that its blocks become hot
 * and are translated) over random instructions: register and immediate
 * ALU forms, MOV, MOVZX (of memory and registers), LEA, INC/DEC, shifts and rotates, IMUL, NEG,
 * BSWAP, SETcc, PUSH/POP (and runs of them), loads and stores of bytes,
 * words and dwords (MOV, MOVZX, immediates) at [EBX + disp] and
 * [EBX + ECX * 4 + disp], the ALU forms and moves inline_alu.c inlines
 * (ALU, ADC/SBB, INC/DEC, NEG/NOT, TEST with memory on either side, of
 * bytes, words and dwords, also at absolute addresses, LOCK forms among
 * them; MOV r8/r16, MOV r, imm, MOVSX, CBW/CWD, XCHG, shifts by 1 and CL),
 * MOV AL/EAX to and from an absolute address (A0-A3)
 * with PUSHF as a flag reader, FLD m64 + arithmetic with m64 (a fused x87
 * run: it returns a later op of the block) + FSTP m64 (some across
 * the data page's end into an unmapped page: a fault in mid-block), CMP
 * or TEST + Jcc skipping the next instruction, and a store into the
 * immediate of the loop's first instruction in a late iteration
 * (self-modifying code: the running block is invalidated).  EBX moves on
 * each iteration, so that most faults come late too, in host code.  Budgets end runs between any two
 * instructions.  Both memory paths run: linear guest memory (host
 * faults) and the page map. */
#define _POSIX_C_SOURCE 200809L /* nanosleep */
#include <check.h>
#include "unit_main.h"
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "core/cpu.h"
#include "e386.h"

enum { CODE = 0x10000, DATA = 0x20000, HOLE = 0x21000, RODATA = 0x22000, STACK = 0x30000 };

typedef struct Rng { uint64_t s; } Rng;
static uint32_t rnd(Rng *g)
{
    g->s ^= g->s << 13, g->s ^= g->s >> 7, g->s ^= g->s << 17;
    return (uint32_t)(g->s >> 16);
}

typedef struct Code { uint8_t b[0x1000]; int n; } Code;
static void put(Code *c, unsigned v) { c->b[c->n++] = (uint8_t)v; }
static void put32(Code *c, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        put(c, v >> 8 * i & 0xff);
}

/* a destination register: not ECX (the loop), ESP or EBX (the data pointer) */
static int dst_reg(Rng *g)
{
    static const int r[5] = { 0, 2, 5, 6, 7 };
    return r[rnd(g) % 5];
}

/* ModRM (reg r) and the rest of a memory operand: [EBX + disp] or
 * [EBX + ECX*4 + disp], now and then without the base (an absolute
 * address) */
static void mem_operand(Code *c, Rng *g, int r, uint32_t disp)
{
    if (rnd(g) % 8 == 0) { /* no base: [DATA + disp] or [DATA + ECX*4 + disp] */
        if (rnd(g) & 1) {
            put(c, 0x05 | r << 3);
        } else {
            put(c, 0x04 | r << 3);
            put(c, 0x8d);
        }
        /* now and then a read-only page (a read-modify-write faults) or
         * the loop's first immediate (a read-modify-write of code) */
        uint32_t at = rnd(g) % 4 ? DATA + (disp & 0xfff) : rnd(g) & 1 ? RODATA + (disp & 0xff) : CODE + 1;
        put32(c, at);
        return;
    }
    if (rnd(g) & 1) {
        put(c, 0x83 | r << 3);
    } else {
        put(c, 0x84 | r << 3);
        put(c, 0x8b);
        if (disp < 0xffd) /* ECX*4 on top: mostly in the page */
            disp &= 0x7ff;
    }
    put32(c, disp);
}

/* the moves inline_alu.c inlines: MOV of bytes and words (registers,
 * memory, immediates), MOV r, imm, MOVSX, CBW/CWDE, CWD/CDQ, XCHG of
 * registers, and the shifts by CL */
static void move_insn(Code *c, Rng *g, uint32_t disp)
{
    static const int byte_dst[4] = { 0, 2, 4, 6 }; /* AL DL AH DH */
    int d = dst_reg(g), d2 = dst_reg(g), s = (int)(rnd(g) % 8), bd = byte_dst[rnd(g) % 4];
    switch (rnd(g) % 12) {
    case 0: put(c, 0x8a); put(c, 0xc0 | bd << 3 | s); break;                       /* mov r8, r8 */
    case 1: put(c, 0x66); put(c, 0x8b); put(c, 0xc0 | d << 3 | s); break;          /* mov r16, r16 */
    case 2: { /* mov r16, [m] / mov [m], r16 */
        int ld = (int)(rnd(g) & 1);
        put(c, 0x66); put(c, ld ? 0x8b : 0x89); mem_operand(c, g, ld ? d : s, disp);
        break;
    }
    case 3: put(c, 0x66); put(c, 0xc7); mem_operand(c, g, 0, disp); put(c, rnd(g)); put(c, rnd(g)); break;
    case 4: /* mov r32/r16/r8, imm */
        if (rnd(g) % 3 == 0) {
            put(c, 0xb0 | bd); put(c, rnd(g));
        } else if (rnd(g) & 1) {
            put(c, 0x66); put(c, 0xb8 | d); put(c, rnd(g)); put(c, rnd(g));
        } else {
            put(c, 0xb8 | d); put32(c, rnd(g));
        }
        break;
    case 5: /* movsx r32/r16, r8/r16 or [m] */
        if (rnd(g) & 1)
            put(c, 0x66);
        put(c, 0x0f); put(c, rnd(g) & 1 ? 0xbe : 0xbf);
        if (rnd(g) & 1)
            put(c, 0xc0 | d << 3 | s);
        else
            mem_operand(c, g, d, disp);
        break;
    case 6: if (rnd(g) & 1) put(c, 0x66); put(c, 0x98); break;                    /* cbw / cwde */
    case 7: if (rnd(g) & 1) put(c, 0x66); put(c, 0x99); break;                    /* cwd / cdq */
    case 8: if (rnd(g) & 1) put(c, 0x66); put(c, 0x87); put(c, 0xc0 | d << 3 | d2); break; /* xchg r, r */
    case 9: /* xchg eax, r; setcc [m] */
        if (rnd(g) & 1) {
            put(c, 0x90 | d);
        } else {
            put(c, 0x0f); put(c, 0x90 | (int)(rnd(g) % 16)); mem_operand(c, g, 0, disp);
        }
        break;
    case 10: put(c, 0xd3); put(c, 0xc0 | (int[]){ 4, 5, 6, 7 }[rnd(g) % 4] << 3 | d); break; /* shift r32, cl */
    default: { /* mov [m], r8 / mov r8, [m] (no base too) */
        int ld = (int)(rnd(g) & 1);
        put(c, ld ? 0x8a : 0x88); mem_operand(c, g, ld ? bd : s, disp);
        break;
    }
    }
}

/* the ALU forms inline_alu.c inlines: with a memory operand (either
 * direction, immediates, bytes and dwords, ADC/SBB, LOCK), of byte and
 * word registers, INC/DEC, NEG/NOT, TEST, shifts by 1, and PUSHF (a flag
 * reader beside SETcc, ADC/SBB and the Jcc) */
static void alu_insn(Code *c, Rng *g, uint32_t disp)
{
    static const int byte_dst[4] = { 0, 2, 4, 6 }; /* AL DL AH DH */
    int d = dst_reg(g), s = (int)(rnd(g) % 8), k = (int)(rnd(g) % 8), bd = byte_dst[rnd(g) % 4];
    switch (rnd(g) % 20) {
    case 0: put(c, 0x01 | k << 3); mem_operand(c, g, s, disp); break;              /* alu [m32], r32 */
    case 1: put(c, 0x00 | k << 3); mem_operand(c, g, s, disp); break;              /* alu [m8], r8 */
    case 2: put(c, 0x03 | k << 3); mem_operand(c, g, d, disp); break;              /* alu r32, [m32] */
    case 3: put(c, 0x02 | k << 3); mem_operand(c, g, bd, disp); break;             /* alu r8, [m8] */
    case 4: /* alu [m32], imm32 / imm8; alu [m8], imm8 */
        if (rnd(g) % 4 == 0 && k != 7)
            put(c, 0xf0); /* LOCK (not of CMP: #UD): the handler */
        switch (rnd(g) % 3) {
        case 0: put(c, 0x81); mem_operand(c, g, k, disp); put32(c, rnd(g)); break;
        case 1: put(c, 0x83); mem_operand(c, g, k, disp); put(c, rnd(g)); break;
        default: put(c, 0x80); mem_operand(c, g, k, disp); put(c, rnd(g)); break;
        }
        break;
    case 5: put(c, 0x02 | k << 3); put(c, 0xc0 | bd << 3 | s); break;            /* alu r8, r8 */
    case 6: put(c, 0x66); put(c, 0x01 | k << 3); put(c, 0xc0 | s << 3 | d); break; /* alu r16, r16 */
    case 7: /* alu al, imm8 / ax, imm16 / r8, imm8 */
        if (rnd(g) % 3 == 0) {
            put(c, 0x04 | k << 3); put(c, rnd(g));
        } else if (rnd(g) & 1) {
            put(c, 0x66); put(c, 0x05 | k << 3); put(c, rnd(g)); put(c, rnd(g));
        } else {
            put(c, 0x80); put(c, 0xc0 | k << 3 | bd); put(c, rnd(g));
        }
        break;
    case 8: /* inc/dec dword [m], byte [m], r8, r16 */
        switch (rnd(g) % 4) {
        case 0: put(c, 0xff); mem_operand(c, g, (int)(rnd(g) & 1), disp); break;
        case 1: put(c, 0xfe); mem_operand(c, g, (int)(rnd(g) & 1), disp); break;
        case 2: put(c, 0xfe); put(c, 0xc0 | (int)(rnd(g) & 1) << 3 | bd); break;
        default: put(c, 0x66); put(c, (rnd(g) & 1 ? 0x40 : 0x48) | d); break;
        }
        break;
    case 9: /* neg/not dword [m], byte [m], r8 */
        switch (rnd(g) % 3) {
        case 0: put(c, 0xf7); mem_operand(c, g, 2 + (int)(rnd(g) & 1), disp); break;
        case 1: put(c, 0xf6); mem_operand(c, g, 2 + (int)(rnd(g) & 1), disp); break;
        default: put(c, 0xf6); put(c, 0xc0 | (2 + (int)(rnd(g) & 1)) << 3 | bd); break;
        }
        break;
    case 10: /* test [m], r; test r8, r8; test r/m, imm; test al/eax, imm */
        switch (rnd(g) % 5) {
        case 0: put(c, rnd(g) & 1 ? 0x85 : 0x84); mem_operand(c, g, s, disp); break;
        case 1: put(c, 0x84); put(c, 0xc0 | s << 3 | (int)(rnd(g) % 8)); break;
        case 2: put(c, 0xf7); mem_operand(c, g, 0, disp); put32(c, rnd(g)); break;
        case 3: put(c, 0xf6); put(c, 0xc0 | (int)(rnd(g) % 8)); put(c, rnd(g)); break;
        default: put(c, 0xa9); put32(c, rnd(g) >> (rnd(g) % 32)); break;
        }
        break;
    case 11: put(c, 0xd1); put(c, 0xc0 | (int[]){ 4, 5, 6, 7 }[rnd(g) % 4] << 3 | d); break; /* shift r32, 1 */
    case 12: put(c, 0x9c); put(c, 0x58 | d); break;                               /* pushf; pop d */
    case 13: put(c, 0x13 | (rnd(g) & 1) << 3); mem_operand(c, g, d, disp); break;   /* adc/sbb r32, [m] */
    case 16: case 17: case 18: move_insn(c, g, disp); break;
    case 14: put(c, 0x03 | k << 3); put(c, 0x83 | d << 3); put32(c, disp); break; /* alu r32, [ebx+disp] */
    default: put(c, 0x01 | k << 3); put(c, 0x83 | s << 3); put32(c, disp); break; /* alu [ebx+disp], r32 */
    }
}

/* A displacement: mostly one of the data page's dwords, now and then
 * crossing its end, zero or below 128 (the translator's address
 * arithmetic has shorter forms for those: native_emit_ea) */
static uint32_t rand_disp(Rng *g)
{
    switch (rnd(g) % 32) {
    case 0: return 0xffd + rnd(g) % 8;
    case 1: case 2: case 3: return 0;
    case 4: case 5: case 6: return rnd(g) % 128;
    default: return (rnd(g) % 0x3f0) * 4;
    }
}

/* one random instruction (a data access at [EBX + disp]) */
static void insn(Code *c, Rng *g)
{
    int d = dst_reg(g), s = (int)(rnd(g) % 8), k = (int)(rnd(g) % 8);
    uint32_t disp = rand_disp(g);
    static const int byte_dst[4] = { 0, 2, 4, 6 }; /* AL DL AH DH: not ECX's or EBX's bytes */
    switch (rnd(g) % 32) {
    case 0: put(c, 0x89); put(c, 0xc0 | s << 3 | d); break;            /* mov d, s */
    case 1: put(c, 0x01 | k << 3); put(c, 0xc0 | s << 3 | d); break;   /* alu d, s */
    case 2: put(c, 0x81); put(c, 0xc0 | k << 3 | d); put32(c, rnd(g) * 7u); break;
    case 3: put(c, 0x83); put(c, 0xc0 | k << 3 | d); put(c, rnd(g)); break;
    case 4: put(c, 0x8b); put(c, 0x83 | d << 3); put32(c, disp); break; /* mov d, [ebx+disp] */
    case 5: put(c, 0x89); put(c, 0x83 | s << 3); put32(c, disp); break; /* mov [ebx+disp], s */
    case 6: put(c, 0x88); put(c, 0x83 | s << 3); put32(c, disp); break; /* byte store */
    case 7: /* movzx r32 or r16 of a byte or word: any address, no base too */
        if (rnd(g) % 4 == 0)
            put(c, 0x66);
        put(c, 0x0f); put(c, rnd(g) & 1 ? 0xb6 : 0xb7); mem_operand(c, g, d, disp);
        break;
    case 8: put(c, (rnd(g) & 1 ? 0x40 : 0x48) | d); break;               /* inc / dec */
    case 9: { /* rol/ror/shl/shr/sar of a dword, word (66) or byte (AL DL AH DH) register, by n or 1 */
        int w = (int)(rnd(g) % 3), one = rnd(g) % 4 == 0, r = w == 2 ? byte_dst[rnd(g) % 4] : d;
        if (w == 1)
            put(c, 0x66);
        put(c, (w == 2 ? 0xc0 : 0xc1) | (one ? 0x10 : 0));
        put(c, 0xc0 | (int[]){ 0, 1, 4, 5, 7 }[rnd(g) % 5] << 3 | r);
        if (!one)
            put(c, rnd(g) % 40);
        break;
    }
    case 10: /* imul d, s / [m] (no base too) / s, imm32 / s, imm8 */
        switch (rnd(g) % 4) {
        case 0: put(c, 0x0f); put(c, 0xaf); put(c, 0xc0 | d << 3 | s); break;
        case 1: put(c, 0x0f); put(c, 0xaf); mem_operand(c, g, d, disp); break;
        case 2: put(c, 0x69); put(c, 0xc0 | d << 3 | s); put32(c, rnd(g) >> (rnd(g) % 32)); break;
        default: put(c, 0x6b); put(c, 0xc0 | d << 3 | s); put(c, rnd(g)); break;
        }
        break;
    case 11: put(c, 0xf7); put(c, 0xc0 | (rnd(g) & 1 ? 3 : 2) << 3 | d); break; /* neg / not */
    case 12: put(c, 0x0f); put(c, 0xc8 | d); break;                      /* bswap */
    case 13: put(c, 0x0f); put(c, 0x90 | (k * 2 + (rnd(g) & 1))); put(c, 0xc0 | (d & 3) << 1); break; /* setcc al/dl/ah/dh */
    case 14: /* push s, an immediate, a dword in memory (no base too) or r/m32 s; pop d */
        switch (rnd(g) % 5) {
        case 0: put(c, 0x50 | s); break;
        case 1: put(c, 0x68); put32(c, rnd(g)); break;
        case 2: put(c, 0x6a); put(c, rnd(g)); break;
        case 3: put(c, 0xff); mem_operand(c, g, 6, disp); break;
        default: put(c, 0xff); put(c, 0xf0 | s); break;
        }
        put(c, 0x58 | d);
        break;
    case 15: /* lea: [ebx + s*1 + imm32], or a memory operand's forms (no base too) */
        if (rnd(g) & 1) {
            put(c, 0x8d); put(c, 0x84 | d << 3); put(c, s << 3 | 3); put32(c, rnd(g));
        } else {
            put(c, 0x8d); mem_operand(c, g, d, disp);
        }
        break;
    case 16: { /* a PUSH run and a POP run (2-4 registers each) */
        int n = 2 + (int)(rnd(g) % 3);
        for (int j = 0; j < n; j++)
            put(c, 0x50 | (int)(rnd(g) % 8));
        for (int j = 0; j < n; j++)
            put(c, 0x58 | dst_reg(g));
        break;
    }
    case 17: put(c, 0x0f); put(c, 0xb7); put(c, 0x83 | d << 3); put32(c, disp); break; /* movzx d, word */
    case 18: put(c, 0x8a); put(c, 0x83 | byte_dst[k & 3] << 3); put32(c, disp); break; /* mov r8, [ebx+disp] */
    case 19: /* mov byte/dword [ebx+disp], imm */
        if (rnd(g) & 1) {
            put(c, 0xc6); put(c, 0x83); put32(c, disp); put(c, rnd(g));
        } else {
            put(c, 0xc7); put(c, 0x83); put32(c, disp); put32(c, rnd(g));
        }
        break;
    case 20: { /* the [ebx + ecx*4 + disp] forms of the loads and stores */
        static const uint8_t opc[6][2] = { { 0x8b, 0 }, { 0x89, 0 }, { 0x0f, 0xb6 }, { 0x0f, 0xb7 }, { 0x8a, 0 }, { 0x88, 0 } };
        int f = (int)(rnd(g) % 8);
        if (f >= 6) { /* mov byte/dword [ebx+ecx*4+disp], imm */
            put(c, f == 6 ? 0xc6 : 0xc7); put(c, 0x84); put(c, 0x8b); put32(c, disp);
            if (f == 6)
                put(c, rnd(g));
            else
                put32(c, rnd(g));
            break;
        }
        int r = f == 4 ? byte_dst[k & 3] : f == 1 || f == 5 ? s : d;
        put(c, opc[f][0]);
        if (opc[f][1])
            put(c, opc[f][1]);
        put(c, 0x84 | r << 3); put(c, 0x8b); put32(c, disp);
        break;
    }
    case 21: put(c, 0x0f); put(c, rnd(g) & 1 ? 0xb6 : 0xb7); put(c, 0xc0 | d << 3 | s); break; /* movzx d, r8/r16 */
    case 22: /* fld m64; fmul/fadd/fsub m64 (a fused x87 run, which returns the op after it); fstp m64 */
        put(c, 0xdd); put(c, 0x83); put32(c, disp & ~7u);
        put(c, 0xdc); put(c, 0x83 | (int[]){ 0, 1, 4 }[rnd(g) % 3] << 3); put32(c, (rnd(g) % 0x1f0) * 8);
        put(c, 0xdd); put(c, 0x9b); put32(c, (rnd(g) % 0x1f0) * 8);
        break;
    case 23: put(c, 0x01 | k << 3); put(c, 0x83 | s << 3); put32(c, disp); break; /* alu [ebx+disp], s */
    case 24: put(c, 0xa0 + rnd(g) % 4); put32(c, DATA + disp); break; /* mov al/eax, [moffs] and back */
    default: alu_insn(c, g, disp); break;
    }
}

/* What a block-ending Jcc reads: the fused compares of registers (CMP
 * both ways, TEST, with an immediate, EAX with an imm32), compares and
 * TEST of bytes and words (not fused: the lazy flags' widths), CMP of
 * memory (dwords and bytes at [EBX + disp] and [EBX + ECX*4 + disp],
 * against registers and immediates: fused too), and the
 * lazy flags of ADD, SUB, AND, XOR, INC/DEC (of dwords, words and
 * bytes), SHL, IMUL, NEG and of EFLAGS itself (after STC/CMC) */
static void flag_producer(Code *c, Rng *g)
{
    int a = (int)(rnd(g) % 8), b = (int)(rnd(g) % 8), d = dst_reg(g);
    uint32_t disp = rand_disp(g);
    int bi = rnd(g) & 1; /* [ebx + disp] or [ebx + ecx*4 + disp] */
    static const int bytes[4] = { 0, 2, 4, 6 }; /* AL DL AH DH: not ECX's or EBX's bytes */
    int bd = bytes[rnd(g) % 4];
    switch (rnd(g) % 19) {
    case 18: /* adc/sbb r32 (the 64-bit compare's second half: its operands often equal), adc/sbb r8 */
        if (rnd(g) % 3) {
            put(c, rnd(g) & 1 ? 0x11 : 0x19); put(c, 0xc0 | (rnd(g) & 1 ? d : a) << 3 | d);
        } else {
            put(c, rnd(g) & 1 ? 0x10 : 0x18); put(c, 0xc0 | a << 3 | bd);
        }
        break;
    case 15: put(c, (int[]){ 0x00, 0x28, 0x20, 0x30 }[rnd(g) % 4]); put(c, 0xc0 | a << 3 | bd); break; /* r8 */
    case 16: put(c, 0x66); put(c, (int[]){ 0x01, 0x29, 0x21, 0x31 }[rnd(g) % 4]); put(c, 0xc0 | a << 3 | d); break;
    case 17: /* inc / dec of r8 and r16 */
        if (rnd(g) & 1) {
            put(c, 0xfe); put(c, (rnd(g) & 1 ? 0xc0 : 0xc8) | bd);
        } else {
            put(c, 0x66); put(c, (rnd(g) & 1 ? 0x40 : 0x48) | d);
        }
        break;
    case 12: /* cmp m32, r; cmp r, m32; cmp m8, r8 (AL..BH) */
        put(c, (int[]){ 0x39, 0x3b, 0x38 }[rnd(g) % 3]);
        put(c, (bi ? 0x84 : 0x83) | a << 3);
        if (bi)
            put(c, 0x8b);
        put32(c, disp);
        break;
    case 13: case 14: { /* cmp m32, imm32 / imm8; cmp m8, imm8 */
        int f = (int)(rnd(g) % 3);
        put(c, (int[]){ 0x81, 0x83, 0x80 }[f]);
        put(c, bi ? 0xbc : 0xbb);
        if (bi)
            put(c, 0x8b);
        put32(c, disp);
        uint32_t v = rnd(g) % 2 ? rnd(g) : rnd(g) % 4;
        if (f)
            put(c, v);
        else
            put32(c, v);
        break;
    }
    case 0: put(c, 0x39); put(c, 0xc0 | a << 3 | b); break;                 /* cmp b, a */
    case 1: put(c, 0x3b); put(c, 0xc0 | a << 3 | b); break;                 /* cmp a, b */
    case 2: put(c, 0x85); put(c, 0xc0 | a << 3 | b); break;                 /* test b, a */
    case 3: put(c, 0x83); put(c, 0xf8 | b); put(c, rnd(g) % 4 ? rnd(g) % 8 : rnd(g)); break; /* cmp b, imm8 */
    case 4: put(c, 0x81); put(c, 0xf8 | b); put32(c, rnd(g) % 2 ? rnd(g) : rnd(g) % 64); break;
    case 5: put(c, 0x3d); put32(c, rnd(g) % 2 ? rnd(g) : rnd(g) % 64); break; /* cmp eax, imm32 */
    case 6: put(c, rnd(g) & 1 ? 0x38 : 0x84); put(c, 0xc0 | a << 3 | b); break; /* cmp/test r8 */
    case 7: put(c, 0x66); put(c, rnd(g) & 1 ? 0x39 : 0x85); put(c, 0xc0 | a << 3 | b); break; /* r16 */
    case 8: put(c, (int[]){ 0x01, 0x29, 0x21 }[rnd(g) % 3]); put(c, 0xc0 | a << 3 | d); break; /* add/sub/and */
    case 9: put(c, (rnd(g) & 1 ? 0x40 : 0x48) | d); break;                 /* inc / dec */
    case 10: /* shl/shr/sar/rol/ror d, n; rol/ror of a word or byte register */
        if (rnd(g) % 3 == 0) {
            int byte = rnd(g) & 1;
            if (!byte)
                put(c, 0x66);
            put(c, byte ? 0xc0 : 0xc1); put(c, (rnd(g) & 1 ? 0xc0 : 0xc8) | (byte ? bd : d)); put(c, 1 + rnd(g) % 31);
            break;
        }
        put(c, 0xc1); put(c, (int[]){ 0xe0, 0xe8, 0xf8, 0xc0, 0xc8 }[rnd(g) % 5] | d); put(c, 1 + rnd(g) % 31);
        break;
    default: put(c, (int[]){ 0xf9, 0xf5 }[rnd(g) % 2]); break;             /* stc / cmc: EFLAGS */
    }
    if (rnd(g) % 8 == 0) { /* imul or neg: MUL and NEG kinds */
        if (rnd(g) & 1) {
            put(c, 0x0f); put(c, 0xaf); put(c, 0xc0 | d << 3 | a);
        } else {
            put(c, 0xf7); put(c, 0xd8 | d);
        }
    }
}

/* CMOVcc r32, r32 or [m] and SETcc r8 of any condition (right after a
 * flag producer: native branch.c's emit_guess_flags for each kind) */
static void cond_insn(Code *c, Rng *g)
{
    static const int bytes[4] = { 0, 2, 4, 6 }; /* AL DL AH DH */
    int d = dst_reg(g), s = (int)(rnd(g) % 8), cc = (int)(rnd(g) % 16);
    put(c, 0x0f);
    switch (rnd(g) % 3) {
    case 0: put(c, 0x40 | cc); put(c, 0xc0 | d << 3 | s); break;            /* cmovcc d, s */
    case 1: put(c, 0x40 | cc); mem_operand(c, g, d, rand_disp(g)); break;  /* cmovcc d, [m] */
    default: put(c, 0x90 | cc); put(c, 0xc0 | bytes[rnd(g) % 4]); break;    /* setcc r8 */
    }
}

/* Subroutines at the code page's end (native calls.c): RET; RET 4; an
 * unbalanced return through JMP r32; a block whose immediate the program
 * patches (the call target invalidated); a nested CALL */
enum { SUBS = 0xe00, S_RET = SUBS, S_RET4 = SUBS + 1, S_JMPR = SUBS + 4, S_SMC = SUBS + 7, S_NEST = SUBS + 13,
       S_RET2 = SUBS + 19, S_END = SUBS + 23 };

static void put_subs(Code *c)
{
    static const uint8_t subs[S_END - SUBS] = {
        0xc3,                               /* S_RET: ret */
        0xc2, 0x04, 0x00,                   /* S_RET4: ret 4 */
        0x5f, 0xff, 0xe7,                   /* S_JMPR: pop edi; jmp edi */
        0xbf, 0x11, 0x22, 0x33, 0x44, 0xc3, /* S_SMC: mov edi, imm32; ret */
        0xe8, 0xee, 0xff, 0xff, 0xff, 0xc3, /* S_NEST: call S_RET; ret */
        0x8d, 0x76, 0x01, 0xc3,             /* S_RET2: lea esi, [esi + 1]; ret */
    };
    memcpy(c->b + SUBS, subs, sizeof subs);
}

static void put_rel(Code *c, int target) { put32(c, (uint32_t)(target - (c->n + 4))); }

/* calls and returns (native calls.c): CALL rel32 of each subroutine (RET 4
 * after a PUSH), CALL and JMP through a register, a RET to an address
 * that is not the return-address stack's (PUSH + JMP), a store into
 * S_SMC's immediate, and ESP moved near the end of the data page (a push
 * or pop at the unmapped page after it faults, a few iterations later)
 * or into the read-only page (a push faults) */
static void call_insn(Code *c, Rng *g)
{
    static const int subs[5] = { S_RET, S_RET4, S_JMPR, S_SMC, S_NEST };
    int k = (int)(rnd(g) % 5);
    switch (rnd(g) % 24) {
    case 12: /* ret: the stack holds S_RET's address, so RET follows RET up to the unmapped page */
        put(c, 0xc3);
        break;
    case 13: case 14: { /* call/jmp through memory (the read-only page holds S_RET's address) */
        uint32_t d = RODATA - DATA + 0x1000 - 16 * (1 + rnd(g) % 40) + rnd(g) % 16; /* reaches the page's end */
        int jmp = rnd(g) & 1, f = (int)(rnd(g) % 3);
        if (jmp) { /* push L; jmp [m]; L: */
            put(c, 0x68); put32(c, CODE + (uint32_t)c->n + 4 + (f == 2 ? 7 : 6));
        }
        switch (f) {
        case 0: put(c, 0xff); put(c, jmp ? 0xa3 : 0x93); put32(c, d); break;               /* [ebx + d] */
        case 1: put(c, 0xff); put(c, jmp ? 0x25 : 0x15); put32(c, RODATA + 4 * (rnd(g) % 1024)); break;
        default: put(c, 0xff); put(c, jmp ? 0xa4 : 0x94); put(c, 0x8b); put32(c, RODATA - DATA + 0x800); break;
        }
        break;
    }
    case 15: case 16: case 17: case 18: case 19: case 20: case 21: case 22: case 23:
    case 0: case 1: case 2: case 3:
        if (k == 1)
            put(c, 0x50); /* push eax: RET 4's argument */
        put(c, 0xe8);
        put_rel(c, subs[k]);
        break;
    case 4: case 5: /* mov edi, sub; call edi */
        put(c, 0xbf); put32(c, CODE + (uint32_t)(k == 1 ? S_RET : subs[k]));
        put(c, 0xff); put(c, 0xd7);
        break;
    case 6: /* mov edx, L; jmp edx; L: */
        put(c, 0xba); put32(c, CODE + (uint32_t)c->n + 6);
        put(c, 0xff); put(c, 0xe2);
        break;
    case 7: case 8: /* push L; jmp S_RET; L: */
        put(c, 0x68); put32(c, CODE + (uint32_t)c->n + 9);
        put(c, 0xe9);
        put_rel(c, S_RET);
        break;
    case 9: case 10: /* mov [S_SMC + 1], edx */
        put(c, 0x89); put(c, 0x15); put32(c, CODE + S_SMC + 1);
        break;
    default: /* lea esp, [ebx + disp] */
        put(c, 0x8d); put(c, 0xa3);
        put32(c, rnd(g) % 4 ? 0x1000u - 16 * (1 + rnd(g) % 40) + rnd(g) % 16 : RODATA - DATA + 0x800);
        break;
    }
}

/* mov eax, imm32 (the patched immediate); at iteration ECX == k, without
 * a branch (so in the same block): mov [CODE + 1], edx, else a store to
 * the data page; body; add ebx, 16 (so that accesses reach the unmapped
 * page in a late iteration, when the blocks have host code); dec ecx;
 * jnz top; int3 */
static void make_program(Code *c, Rng *g)
{
    memset(c->b, 0xcc, sizeof c->b);
    c->n = 0;
    put(c, 0xb8);
    put32(c, 0x1234);
    int smc = rnd(g) % 3, away_at = 0, store_at = 0; /* none, this block, the last block */
    if (smc) {
        uint32_t k = 1 + rnd(g) % 6, away = DATA + 0x800 - (CODE + 1);
        put(c, 0x89); put(c, 0xce);                     /* mov esi, ecx */
        put(c, 0x83); put(c, 0xee); put(c, k);          /* sub esi, k */
        put(c, 0xf7); put(c, 0xde);                     /* neg esi: CF = esi != 0 */
        put(c, 0x19); put(c, 0xf6);                     /* sbb esi, esi */
        put(c, 0x81); put(c, 0xe6);                     /* and esi, away */
        away_at = c->n;
        put32(c, away);
        put(c, 0x89); put(c, 0x96);                     /* mov [esi + CODE + 1], edx */
        store_at = c->n;
        put32(c, CODE + 1);
    }
    int n = 4 + (int)(rnd(g) % 40), calls = rnd(g) % 2;
    for (int i = 0; i < n; i++) {
        if (calls && rnd(g) % 5 == 0) {
            call_insn(c, g);
        } else if (rnd(g) % 8 == 0) { /* a flag producer; CMOVcc or SETcc */
            flag_producer(c, g);
            cond_insn(c, g);
        } else if (rnd(g) % 4 == 0) { /* a flag producer; jcc over the next instruction */
            flag_producer(c, g);
            Code next = { .n = 0 };
            insn(&next, g);
            put(c, 0x70 | rnd(g) % 16);
            put(c, (unsigned)next.n);
            memcpy(c->b + c->n, next.b, (size_t)next.n);
            c->n += next.n;
        } else {
            insn(c, g);
        }
    }
    if (smc == 2) { /* the store patches this mov's immediate instead: a block that is not running */
        uint32_t at = CODE + (uint32_t)c->n + 1, away = DATA + 0x800 - at;
        put(c, 0xb8);
        put32(c, 0x5678);
        for (int i = 0; i < 4; i++) {
            c->b[store_at + i] = (uint8_t)(at >> 8 * i);
            c->b[away_at + i] = (uint8_t)(away >> 8 * i);
        }
    }
    put(c, 0x83); put(c, 0xc3); put(c, 16); /* add ebx, 16 */
    put(c, 0x49); /* dec ecx */
    int rel = 0 - (c->n + 6);
    put(c, 0x0f);
    put(c, 0x85);
    put32(c, (uint32_t)rel);
    put(c, 0xcc);
    ck_assert_int_lt(c->n, SUBS);
    put_subs(c);
}

static E386Cpu *new_cpu(int accel, int linear, const Code *c, Rng *g)
{
    E386Cpu *cpu = e386_cpu_new();
    ck_assert_ptr_nonnull(cpu);
    ck_assert_int_eq(e386_set_accel(cpu, accel), accel);
    e386_mem_linear(cpu, linear);
    ck_assert_int_eq(e386_mem_map(cpu, CODE, 0x1000, E386_PROT_READ | E386_PROT_WRITE | E386_PROT_EXEC), 0);
    ck_assert_int_eq(e386_mem_map(cpu, DATA, 0x1000, E386_PROT_READ | E386_PROT_WRITE), 0);
    ck_assert_int_eq(e386_mem_map(cpu, STACK, 0x1000, E386_PROT_READ | E386_PROT_WRITE), 0);
    ck_assert_int_eq(e386_mem_map(cpu, RODATA, 0x1000, E386_PROT_READ), 0);
    ck_assert_int_eq(e386_mem_write(cpu, CODE, c->b, sizeof c->b), 0);
    Rng local = *g; /* the same state for both */
    uint8_t data[0x1000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)rnd(&local);
    ck_assert_int_eq(e386_mem_write(cpu, DATA, data, sizeof data), 0);
    for (size_t i = 0; i < sizeof data; i += 4) /* for a RET without a CALL: S_RET, which returns again */
        for (size_t k = 0; k < 4; k++)
            data[i + k] = (uint8_t)((CODE + S_RET) >> 8 * k);
    ck_assert_int_eq(e386_mem_write(cpu, STACK, data, sizeof data), 0);
    for (size_t i = 0; i < sizeof data; i += 12) /* and S_RET2 now and then: the slot read shows */
        for (size_t k = 0; k < 4; k++)
            data[i + k] = (uint8_t)((CODE + S_RET2) >> 8 * k);
    ck_assert_int_eq(e386_mem_write(cpu, RODATA, data, sizeof data), 0);
    for (int r = 0; r < 8; r++)
        e386_reg_write(cpu, r, rnd(&local));
    e386_reg_write(cpu, E386_ECX, 8 + rnd(&local) % 40);
    e386_reg_write(cpu, E386_EBX, DATA);
    e386_reg_write(cpu, E386_ESP, STACK + 0x800);
    e386_reg_write(cpu, E386_EIP, CODE);
    cc_write(cpu, F_ARITH, rnd(&local));
    return cpu;
}

static int same(E386Cpu *a, E386Cpu *b, const e386_exit *xa, const e386_exit *xb)
{
    if (xa->reason != xb->reason || xa->vector != xb->vector || xa->error_code != xb->error_code ||
        xa->fault_addr != xb->fault_addr || xa->fault_eip != xb->fault_eip || xa->insn_eip != xb->insn_eip)
        return 0;
    if (e386_insn_count(a) != e386_insn_count(b) || memcmp(a->r, b->r, sizeof a->r) || a->eip != b->eip ||
        get_eflags(a) != get_eflags(b))
        return 0;
    /* the lazy flags too: an inline op leaves its handler's exact values,
     * but a LOGIC kind's sources and ADD's, SUB's, INC's and DEC's
     * first, which nothing reads and the native code does not store
     * (src/native/inline.c emit_cc) */
    uint32_t kind = a->cc_op & ~(uint32_t)CC_PATCHED;
    int logic = kind == CC_LOGIC;
    if (a->cc_op != b->cc_op || a->cc_size != b->cc_size || a->cc_dst != b->cc_dst ||
        (!logic && ((!cc_src1_derived(kind) && a->cc_src1 != b->cc_src1) || a->cc_src2 != b->cc_src2)))
        return 0;
    if ((a->cc_op & CC_PATCHED) && (a->cc_pmask != b->cc_pmask || a->cc_pval != b->cc_pval))
        return 0;
    e386_stats sa, sb; /* the same links followed, the same blocks invalidated */
    e386_get_stats(a, &sa);
    e386_get_stats(b, &sb);
    if (sa.chain_hits != sb.chain_hits || sa.tb_invalidated != sb.tb_invalidated)
        return 0;
    static uint8_t ma[0x1000], mb[0x1000];
    static const uint32_t pages[2] = { DATA, CODE };
    for (int p = 0; p < 2; p++) {
        if (e386_mem_read(a, pages[p], ma, sizeof ma) || e386_mem_read(b, pages[p], mb, sizeof mb) ||
            memcmp(ma, mb, sizeof ma))
            return 0;
    }
    return 1;
}

/* one program, both engines, in the same budget slices; 1 if they agree */
static int twin_run(Rng *g, int linear, int *faults, int *translated)
{
    Code c;
    make_program(&c, g);
    Rng state = { rnd(g) | 1 };
    E386Cpu *a = new_cpu(E386_ACCEL_NATIVE, linear, &c, &state), *b = new_cpu(E386_ACCEL_INTERP, linear, &c, &state);
    /* half the programs count chain_hits, which same() compares; counting
     * keeps the interpreter's block ends off its inline link following
     * (exec.c chain_rebound), which the other half runs */
    if (state.s & 2) {
        e386_count_chain_hits(a, 1);
        e386_count_chain_hits(b, 1);
    }
    int ok = 1;
    for (int slice = 0; slice < 64 && ok; slice++) {
        uint64_t budget = rnd(g) % 3 ? 1 + rnd(g) % 150 : 100000;
        e386_exit xa, xb;
        int ra = e386_run(a, budget, &xa), rb = e386_run(b, budget, &xb);
        ok = ra == rb && same(a, b, &xa, &xb);
        if (rnd(g) % 8 == 0) { /* a flush between runs, the blocks linked and with code */
            tb_flush(a);
            tb_flush(b);
        }
        if (ra != E386_EXIT_INSN_LIMIT) {
            *faults += ra == E386_EXIT_EXCEPTION;
            break;
        }
    }
    e386_stats st;
    e386_get_stats(a, &st);
    *translated += st.native_blocks > 0;
    e386_cpu_free(a);
    e386_cpu_free(b);
    return ok;
}

/* the back end here (not built for every host); else a loud skip */
static int has_native(const char *test)
{
    E386Cpu *probe = e386_cpu_new();
    int native = e386_set_accel(probe, E386_ACCEL_NATIVE) == E386_ACCEL_NATIVE;
    e386_cpu_free(probe);
    if (!native) {
        printf("native: SKIP %s: no native back end on this host (only the interpreter exists)\n", test);
        fflush(stdout);
    }
    return native;
}

START_TEST(test_native_equals_interpreter)
{
    if (!has_native("native_equals_interpreter"))
        return;
    Rng g = { 0x9e3779b97f4a7c15ull };
    int runs = 0, bad = 0, faults = 0, translated = 0;
    for (int i = 0; i < 600; i++) {
        int linear = i & 1;
        runs++;
        if (!twin_run(&g, linear, &faults, &translated) && bad++ < 5)
            printf("native: program %d (linear %d) differs from the interpreter\n", i, linear);
    }
    printf("native: %d programs, %d ending in a fault, %d with host code, %d differences\n", runs, faults,
           translated, bad);
    fflush(stdout);
    ck_assert_int_gt(faults, runs / 20);
    ck_assert_int_gt(translated, runs / 2);
    ck_assert_int_eq(bad, 0);
}
END_TEST

/* ---- hand-written programs: inline accesses without a page check ----
 * The back end's single host accesses do not test for a page crossing:
 * the host faults on the page the guest would, writing nothing, and an
 * access that wraps at 4 GiB runs into the reservation's guard
 * (native_emit_lin).  Each program loops long enough for its block to run
 * as host code before its access crosses; both engines, on linear
 * memory, must agree with each other and with the rule each test states. */
typedef struct Hand {
    int r;
    e386_exit x;
    uint32_t regs[8], eflags;
    e386_stats st;
    uint8_t peek[8]; /* at Hand.at, 0xee where unmapped */
} Hand;

/* the byte every test page starts with at offset i (page number p in the list) */
static uint8_t fill_byte(uint32_t i, int p) { return (uint8_t)(i * 7 + (uint32_t)p * 13 + 1); }
/* ... and the dword at offset i */
static uint32_t fill_dword(uint32_t i, int p)
{
    uint8_t b[4] = { fill_byte(i, p), fill_byte(i + 1, p), fill_byte(i + 2, p), fill_byte(i + 3, p) };
    return (uint32_t)ld_le(b, 4);
}

enum { HAND_SEG_BASE = 0x1000 };

/* count_chains: st.chain_hits counts (and the interpreter's block ends
 * take the out-of-line path) */
static void hand_run(int accel, const uint32_t *pages, int npages, const Code *code, uint32_t at, int count_chains,
                     Hand *h)
{
    E386Cpu *cpu = e386_cpu_new();
    ck_assert_ptr_nonnull(cpu);
    ck_assert_int_eq(e386_set_accel(cpu, accel), accel);
    e386_count_chain_hits(cpu, count_chains);
    ck_assert_int_eq(e386_mem_linear(cpu, 1), 1);
    uint8_t fill[0x1000];
    for (int p = 0; p < npages; p++) {
        ck_assert_int_eq(e386_mem_map(cpu, pages[p], 0x1000, E386_PROT_READ | E386_PROT_WRITE | E386_PROT_EXEC), 0);
        for (uint32_t i = 0; i < sizeof fill; i++)
            fill[i] = fill_byte(i, p);
        ck_assert_int_eq(e386_mem_write(cpu, pages[p], fill, sizeof fill), 0);
    }
    /* LDT 0: a data segment of base HAND_SEG_BASE (selector 7), for a
     * program that loads a segment that is not flat; LDT 1: a flat one
     * (selector 0xf); LDT 2 below */
    ck_assert_int_eq(e386_ldt_set(cpu, 0, (HAND_SEG_BASE & 0xffff) << 16 | 0xffff,
                                  (HAND_SEG_BASE >> 16 & 0xff) | (HAND_SEG_BASE & 0xff000000u) | 0x00cff200u), 0);
    ck_assert_int_eq(e386_ldt_set(cpu, 1, 0x0000ffffu, 0x00cff200u), 0);
    ck_assert_int_eq(e386_ldt_set(cpu, 2, 0x0000ffffu, 0x008ff200u), 0); /* flat, B = 0: a 16-bit stack (0x17) */
    uint32_t code_at = pages[npages - 1]; /* the last page holds the code */
    ck_assert_int_eq(e386_mem_write(cpu, code_at, code->b, (size_t)code->n), 0);
    for (int r = 0; r < 8; r++)
        e386_reg_write(cpu, r, 0);
    e386_reg_write(cpu, E386_ESP, code_at + 0xf00);
    e386_reg_write(cpu, E386_EIP, code_at);
    h->r = e386_run(cpu, 1000000, &h->x);
    for (int r = 0; r < 8; r++)
        h->regs[r] = e386_reg_read(cpu, r);
    h->eflags = e386_reg_read(cpu, E386_EFLAGS);
    e386_get_stats(cpu, &h->st);
    for (uint32_t k = 0; k < sizeof h->peek; k++)
        if (e386_mem_read(cpu, at + k, &h->peek[k], 1) != 0)
            h->peek[k] = 0xee;
    e386_cpu_free(cpu);
}

/* both engines; native's blocks ran as host code; they agree */
static void hand_twins(const uint32_t *pages, int npages, const Code *code, uint32_t at, Hand *nat)
{
    Hand in;
    hand_run(E386_ACCEL_NATIVE, pages, npages, code, at, 0, nat);
    hand_run(E386_ACCEL_INTERP, pages, npages, code, at, 0, &in);
    ck_assert_uint_gt(nat->st.native_blocks, 0);
    ck_assert_int_eq(nat->r, in.r);
    ck_assert_int_eq(nat->x.vector, in.x.vector);
    ck_assert_uint_eq(nat->x.fault_addr, in.x.fault_addr);
    ck_assert_uint_eq(nat->x.fault_eip, in.x.fault_eip);
    ck_assert_mem_eq(nat->regs, in.regs, sizeof in.regs);
    ck_assert_uint_eq(nat->eflags, in.eflags);
    ck_assert_mem_eq(nat->peek, in.peek, sizeof in.peek);
    ck_assert_uint_eq(nat->st.tb_invalidated, in.st.tb_invalidated);
}

/* the back end and linear memory both here; else a loud skip */
static int has_native_linear(const char *test)
{
    if (!has_native(test))
        return 0;
    E386Cpu *probe = e386_cpu_new();
    int linear = e386_mem_linear(probe, 1) == 1;
    e386_cpu_free(probe);
    if (!linear) { /* under Valgrind: the page map's path only */
        printf("native: SKIP %s: no linear guest memory in this process (Valgrind?)\n", test);
        fflush(stdout);
    }
    return linear;
}

/* machine code from hex pairs (spaces between them) */
static void put_hex(Code *c, const char *hex)
{
    unsigned v;
    while (*hex && sscanf(hex, "%2x", &v) == 1) {
        put(c, v);
        hex += 2;
        while (*hex == ' ')
            hex++;
    }
}

/* A dword load and a dword store that cross from a mapped page into an
 * unmapped one fault with CR2 the unmapped page's first byte (the
 * access's first faulting byte) at the instruction, and the store writes
 * none of its bytes. */
START_TEST(test_native_page_crossing_access_faults_at_the_second_page)
{
    if (!has_native_linear("native_page_crossing_access_faults_at_the_second_page"))
        return;
    enum { D = 0x40000, C = 0x50000 }; /* D + 0x1000 unmapped */
    const uint32_t pages[] = { D, C };
    for (int store = 0; store < 2; store++) {
        Code code = { .n = 0 };
        put_hex(&code, "b9"); put32(&code, 300);             /* mov ecx, 300 */
        put_hex(&code, "bb"); put32(&code, D + 0xffd - 299); /* mov ebx, ... */
        put_hex(&code, "b8"); put32(&code, 0x11223344);      /* mov eax, ... */
        /* loop: mov eax, [ebx] or mov [ebx], eax; inc ebx; dec ecx; jnz loop; int3 */
        put_hex(&code, store ? "89 03 43 49 75 fa cc" : "8b 03 43 49 75 fa cc");
        Hand h;
        hand_twins(pages, 2, &code, D + 0xffc, &h);
        ck_assert_int_eq(h.r, E386_EXIT_EXCEPTION);
        ck_assert_int_eq(h.x.vector, 14);
        ck_assert_uint_eq(h.x.fault_addr, D + 0x1000);
        ck_assert_uint_eq(h.x.fault_eip, C + 15);
        ck_assert_uint_eq(h.regs[E386_EBX], D + 0xffd);
        ck_assert_uint_eq(h.regs[E386_ECX], 1);
        if (store) { /* the previous iteration's store at ffc, untouched by the faulting one */
            ck_assert_uint_eq(ld_le(h.peek, 4), 0x11223344);
        } else { /* EAX from the previous iteration's load at ffc */
            ck_assert_uint_eq(h.regs[E386_EAX], fill_dword(0xffc, 0));
        }
        ck_assert_uint_eq(ld_le(h.peek + 4, 4), 0xeeeeeeee);
    }
}
END_TEST

/* A dword store that crosses from a data page into the page holding the
 * running code (and the block it returns to): the blocks there are
 * invalidated, and the code jumped back to runs as patched (mov edx, 1
 * becomes mov edx, 7). */
START_TEST(test_native_page_crossing_store_into_code_is_seen)
{
    if (!has_native_linear("native_page_crossing_store_into_code_is_seen"))
        return;
    enum { D = 0xff000, C = 0x100000 };
    const uint32_t pages[] = { D, C };
    Code code = { .n = 0 };
    put_hex(&code, "ba 01 00 00 00 85 f6 75 1f");                    /* mov edx, 1; test esi, esi; jnz end */
    put_hex(&code, "b9"); put32(&code, 300);                /* mov ecx, 300 */
    put_hex(&code, "bb"); put32(&code, 0xffffe - 299);      /* mov ebx, ... */
    put_hex(&code, "b8"); put32(&code, 0x07ba5566);         /* mov eax, ... */
    put_hex(&code, "89 03 43 49 75 fa");                             /* loop: mov [ebx], eax .. jnz */
    put_hex(&code, "be 01 00 00 00 e9"); put32(&code, (uint32_t)-0x28); /* mov esi, 1; jmp C */
    put_hex(&code, "cc");                                            /* end: int3 */
    ck_assert_int_eq(code.n, 0x29);
    Hand h;
    hand_twins(pages, 2, &code, 0xffffc, &h);
    ck_assert_uint_eq(h.regs[E386_EDX], 7);
    ck_assert_uint_eq(h.regs[E386_ESI], 1);
    ck_assert_uint_eq(h.regs[E386_ECX], 0);
    ck_assert_uint_gt(h.st.tb_invalidated, 0);
    static const uint8_t want[8] = { 0x66, 0x66, 0x66, 0x55, 0xba, 0x07, 0, 0 };
    ck_assert_mem_eq(h.peek, want, sizeof want);
}
END_TEST

/* A block that loads DS with a segment that is not flat (base 0x1000)
 * and reads through it (MOV, inline), in a flag-liveness window (ADD's
 * flags dead until SUB), then pops the flat DS back and reads again, 300 times: the
 * code made its DS accesses without testing the segment (assumed flat),
 * so the load must leave the code, even in the window, and the
 * dispatcher must interpret until DS is flat again.  EAX sums both
 * reads: [D + 0x1000] and [D]. */
START_TEST(test_native_nonflat_ds_load_leaves_the_code)
{
    if (!has_native_linear("native_nonflat_ds_load_leaves_the_code"))
        return;
    enum { D = 0x40000, C = 0x50000 };
    const uint32_t pages[] = { D, D + HAND_SEG_BASE, C };
    Code code = { .n = 0 };
    put_hex(&code, "b9"); put32(&code, 300);       /* mov ecx, 300 */
    put_hex(&code, "bb"); put32(&code, D);         /* mov ebx, D */
    put_hex(&code, "bc"); put32(&code, D + 0x800); /* mov esp, D + 0x800: no push into the code's page */
    put_hex(&code, "66 ba 0f 00 8e da");           /* mov dx, 0xf; mov ds, dx: flat, a selector POP takes */
    put_hex(&code, "1e 66 ba 07 00 83 c6 01 8e da"); /* top: push ds; mov dx, 7; add esi, 1; mov ds, dx */
    put_hex(&code, "83 ef 01 8b 13 01 d0");        /* sub edi, 1; mov edx, [ebx]; add eax, edx */
    put_hex(&code, "1f 8b 13 01 d0");              /* pop ds; mov edx, [ebx]; add eax, edx */
    put_hex(&code, "49 75 e7 cc");                 /* dec ecx; jnz top; int3 */
    Hand h;
    hand_twins(pages, 3, &code, D, &h);
    ck_assert_int_eq(h.r, E386_EXIT_INTERRUPT);
    ck_assert_int_eq(h.x.vector, 3);
    ck_assert_uint_eq(h.regs[E386_EAX], 300u * (fill_dword(0, 0) + fill_dword(0, 1)));
    ck_assert_uint_eq(h.regs[E386_ESI], 300);
}
END_TEST

/* The same for SS: a loop that loads SS with a flat segment whose B bit
 * is clear (a 16-bit stack: SP, not ESP), pushes EAX and pops ESI, and loads
 * the flat 32-bit SS back, 300 times.  The code's pushes assume a 32-bit
 * stack (no test of the B bit): they must not run while SS is 16-bit.
 * The push goes to SP 0x7fc (page 0), not ESP 0x107fc. */
START_TEST(test_native_16bit_ss_load_leaves_the_code)
{
    if (!has_native_linear("native_16bit_ss_load_leaves_the_code"))
        return;
    enum { C = 0x50000 };
    const uint32_t pages[] = { 0, 0x10000, C };
    Code code = { .n = 0 };
    put_hex(&code, "b9"); put32(&code, 300);        /* mov ecx, 300 */
    put_hex(&code, "bc"); put32(&code, 0x10800);    /* mov esp, 0x10800 */
    put_hex(&code, "b8"); put32(&code, 0x11223344); /* mov eax, 0x11223344 */
    put_hex(&code, "66 ba 17 00 8e d2 50 5e 40");   /* top: mov dx, 0x17; mov ss, dx; push eax; pop esi; inc eax */
    put_hex(&code, "66 ba 0f 00 8e d2 49 75 ee cc"); /* mov dx, 0xf; mov ss, dx; dec ecx; jnz top; int3 */
    Hand h;
    hand_twins(pages, 3, &code, 0x7fc, &h);
    ck_assert_int_eq(h.r, E386_EXIT_INTERRUPT);
    ck_assert_uint_eq(h.regs[E386_EAX], 0x11223344u + 300);
    ck_assert_uint_eq(h.regs[E386_ESI], 0x11223344u + 299);
    ck_assert_uint_eq(h.regs[E386_ESP], 0x10800);
    ck_assert_uint_eq(ld_le(h.peek, 4), 0x11223344u + 299);
}
END_TEST

/* GS with a base (the TLS segment's case: the stack protector's canary
 * at gs:0x14): MOV EAX, [moffs] and ADD EAX, [EBX] through GS add the
 * base inline (native_emit_seg_base), 300 times; then a dword load
 * through GS at offsets walking up to the 4 GiB limit: at 0xfffffffd its
 * last byte is past the limit, a #GP (the inline path must not read
 * base + offset, which wraps into page 0). */
START_TEST(test_native_gs_base_and_limit)
{
    if (!has_native_linear("native_gs_base_and_limit"))
        return;
    enum { D = 0x40000, C = 0x50000 };
    const uint32_t pages[] = { D, D + HAND_SEG_BASE, C };
    Code code = { .n = 0 };
    put_hex(&code, "b9"); put32(&code, 300);         /* mov ecx, 300 */
    put_hex(&code, "bb"); put32(&code, D);           /* mov ebx, D */
    put_hex(&code, "66 ba 07 00 8e ea");             /* mov dx, 7; mov gs, dx: base 0x1000 */
    put_hex(&code, "65 a1"); put32(&code, D);        /* top: mov eax, gs:[D] */
    put_hex(&code, "65 03 03 01 c6 49 75 f2 cc");    /* add eax, gs:[ebx]; add esi, eax; dec ecx; jnz top; int3 */
    Hand h;
    hand_twins(pages, 3, &code, D, &h);
    ck_assert_int_eq(h.r, E386_EXIT_INTERRUPT);
    ck_assert_uint_eq(h.regs[E386_ESI], 300u * 2u * fill_dword(0, 1));

    const uint32_t low[] = { 0, C };
    Code edge = { .n = 0 };
    put_hex(&edge, "bb"); put32(&edge, 0xffffff00u); /* mov ebx, 0xffffff00 */
    put_hex(&edge, "b9"); put32(&edge, 0x200);       /* mov ecx, 0x200 */
    put_hex(&edge, "66 ba 07 00 8e ea");             /* mov dx, 7; mov gs, dx */
    put_hex(&edge, "65 8b 03 43 49 75 f9 cc");       /* top: mov eax, gs:[ebx]; inc ebx; dec ecx; jnz top; int3 */
    hand_twins(low, 2, &edge, 0xffc, &h);
    ck_assert_int_eq(h.r, E386_EXIT_EXCEPTION);
    ck_assert_int_eq(h.x.vector, 13);
    ck_assert_uint_eq(h.regs[E386_EBX], 0xfffffffdu);
    ck_assert_uint_eq(h.regs[E386_EAX], fill_dword(0xffc, 0)); /* the last good load, at lin 0xffc */
}
END_TEST

/* a loop in one code page at 0x50000 (its machine code in two hex
 * parts) run by both engines (hand_twins) to its INT3 */
static void hand_loop(const char *hex1, const char *hex2, Hand *h)
{
    enum { C = 0x50000 };
    const uint32_t pages[] = { C };
    Code code = { .n = 0 };
    put_hex(&code, hex1);
    put_hex(&code, hex2);
    hand_twins(pages, 1, &code, C, h);
    ck_assert_int_eq(h->r, E386_EXIT_INTERRUPT);
}

/* ADC and SBB with a carry-in, then a condition on their flags in the
 * same block (SETZ after ADC, JNC after SBB: branch.c's guess of the
 * ADC/SBB kind, its carry-in from the lazy operands): 0xfffffffe + 1 + CF
 * is zero exactly when the carry came in, 1 - 1 - CF borrows exactly
 * when it did; the carry is ECX's low bit (NEG of it), odd in 150 of the
 * 300 iterations. */
START_TEST(test_native_adc_sbb_flags_take_the_carry_in)
{
    if (!has_native_linear("native_adc_sbb_flags_take_the_carry_in"))
        return;
    /* mov ecx, 300; top: mov edx, 1; mov eax, ecx; and eax, 1; neg eax; mov eax, -2; adc eax, edx;
     * setz dl; add esi, edx; mov edx, 1; mov eax, ecx; and eax, 1; neg eax; mov eax, 1; sbb eax, edx;
     * jnc skip; inc edi; skip: dec ecx; jnz top; int3 (nasm) */
    Hand h;
    hand_loop("b9 2c 01 00 00 ba 01 00 00 00 89 c8 83 e0 01 f7 d8 b8 fe ff ff ff 11 d0 0f 94 c2 01 d6",
              "ba 01 00 00 00 89 c8 83 e0 01 f7 d8 b8 01 00 00 00 19 d0 73 01 47 49 75 cf cc", &h);
    ck_assert_uint_eq(h.regs[E386_ESI], 150);
    ck_assert_uint_eq(h.regs[E386_EDI], 150);
}
END_TEST

/* A rotate with live flags right after an ALU op whose lazy kind is still
 * pending (NativeState.cc_pend: the kind and size not stored yet) patches
 * the pending kind, CF/OF then read by the block's JNC after the kind is
 * stored: the count of iterations whose ROL carried (EDI) and every
 * register as the interpreter has them.  Dropping the patch, JNC tests
 * ADD's carry instead. */
START_TEST(test_native_rotate_patches_a_pending_kind)
{
    if (!has_native_linear("native_rotate_patches_a_pending_kind"))
        return;
    /* mov ecx, 300; mov ebx, 0x9e3779b9; mov edx, 1; top: add eax, ebx; rol edx, 5; mov esi, edx;
     * mov ebp, eax; jnc skip; inc edi; skip: add edx, eax; dec ecx; jnz top; int3 (nasm) */
    Hand h;
    hand_loop("b9 2c 01 00 00 bb b9 79 37 9e ba 01 00 00 00",
              "01 d8 c1 c2 05 89 d6 89 c5 73 01 47 01 c2 49 75 ef cc", &h);
    ck_assert_uint_gt(h.regs[E386_EDI], 0);
    ck_assert_uint_lt(h.regs[E386_EDI], 300);
}
END_TEST

/* Shifts and rotates of registers by constants whose flags the block
 * rewrites before anything reads them (FX_DEAD, the flagless rotates):
 * the back end shifts the register in place in cpu->r[] (one host
 * instruction), which must be the guest's shift of that kind, SHR and SAR
 * of negative values included.  EAX against the same loop in C. */
START_TEST(test_native_dead_flag_shifts_in_place)
{
    if (!has_native_linear("native_dead_flag_shifts_in_place"))
        return;
    /* mov ecx, 300; mov eax, 0x9e3779b9; top: mov edx, eax; shr edx, 7; mov esi, eax; sar esi, 5;
     * mov edi, eax; shl edi, 3; mov ebp, eax; rol ebp, 13; ror eax, 9; add eax, edx; add eax, esi;
     * xor eax, edi; add eax, ebp; dec ecx; jnz top; int3 (nasm) */
    Hand h;
    hand_loop("b9 2c 01 00 00 b8 b9 79 37 9e 89 c2 c1 ea 07 89 c6 c1 fe 05 89 c7 c1 e7 03",
              "89 c5 c1 c5 0d c1 c8 09 01 d0 01 f0 31 f8 01 e8 49 75 de cc", &h);
    uint32_t a = 0x9e3779b9u;
    for (int i = 0; i < 300; i++) {
        uint32_t sar = (a >> 5) | (a & 0x80000000u ? 0xf8000000u : 0); /* SAR 5 */
        uint32_t rol = (a << 13) | (a >> 19), ror = (a >> 9) | (a << 23);
        a = ((ror + (a >> 7) + sar) ^ (a << 3)) + rol;
    }
    ck_assert_uint_eq(h.regs[E386_EAX], a);
}
END_TEST

/* The register cache (translate.c cache_choose): EAX, EDX, ESI and EDI
 * are the loop's most used registers, in host registers between its ops.
 * Each way a cached register changes must leave the host register true:
 * byte stores into EAX and DH (not cached after them), BSWAP and an x87
 * run (handlers' calls: nothing cached after them).  Against the same
 * loop in C.  (The reload stubs, for code entered from elsewhere, are
 * what test_native_equals_interpreter's faulting programs and
 * test_native_access_wraps_at_4gib need: each fails without them.) */
START_TEST(test_native_register_cache_stays_true)
{
    if (!has_native_linear("native_register_cache_stays_true"))
        return;
    /* mov ecx, 300; mov eax, 0x12345678; mov edx, 0x9e3779b9; top: add eax, edx; mov al, cl;
     * add esi, eax; mov dh, al; add edi, edx; bswap eax; add esi, eax; fld1; fld1; faddp st1, st0;
     * fstp st0; add edi, eax; add edx, esi; dec ecx; jnz top; int3 (nasm) */
    Hand h;
    hand_loop("b9 2c 01 00 00 b8 78 56 34 12 ba b9 79 37 9e 01 d0 88 c8 01 c6 88 c6 01 d7 0f c8 01 c6",
              "d9 e8 d9 e8 de c1 dd d8 01 c7 01 f2 49 75 e3 cc", &h);
    uint32_t a = 0x12345678u, d = 0x9e3779b9u, si = 0, di = 0;
    for (uint32_t c = 300; c; c--) {
        a += d;
        a = (a & ~0xffu) | (c & 0xff);
        si += a;
        d = (d & ~0xff00u) | (a & 0xff) << 8;
        di += d;
        a = a >> 24 | (a >> 8 & 0xff00u) | (a << 8 & 0xff0000u) | a << 24;
        si += a;
        di += a;
        d += si;
    }
    ck_assert_uint_eq(h.regs[E386_EAX], a);
    ck_assert_uint_eq(h.regs[E386_EDX], d);
    ck_assert_uint_eq(h.regs[E386_ESI], si);
    ck_assert_uint_eq(h.regs[E386_EDI], di);
}
END_TEST

/* ADC and INC right after an op whose lazy kind the translator knows and
 * has not stored (ADD, SUB, INC, AND: emit_known_carry computes the
 * carry-in from the stored operands without looking at cc_op): the
 * carries of a 64-bit-style ADD/ADC counted in EDI, the borrows of SUB
 * carried over INC into EAX, AND's clear CF adding nothing; against the
 * same loop in C. */
START_TEST(test_native_carry_in_of_a_pending_kind)
{
    if (!has_native_linear("native_carry_in_of_a_pending_kind"))
        return;
    /* mov ecx, 300; mov ebx, 0x9e3779b9; xor eax/edx/esi/edi/ebp; top: add esi, ebx; adc edi, 0;
     * sub ebp, ebx; inc edx; adc eax, 0; and edx, edx; adc eax, 0; dec ecx; jnz top; int3 (nasm) */
    Hand h;
    hand_loop("b9 2c 01 00 00 bb b9 79 37 9e 31 c0 31 d2 31 f6 31 ff 31 ed",
              "01 de 83 d7 00 29 dd 42 83 d0 00 21 d2 83 d0 00 49 75 ed cc", &h);
    uint32_t esi = 0, ebp = 0, carries = 0, borrows = 0;
    for (int i = 0; i < 300; i++) {
        carries += esi + 0x9e3779b9u < esi;
        esi += 0x9e3779b9u;
        borrows += ebp < 0x9e3779b9u;
        ebp -= 0x9e3779b9u;
    }
    ck_assert_uint_eq(h.regs[E386_EDI], carries);
    ck_assert_uint_eq(h.regs[E386_EAX], borrows);
    ck_assert_uint_gt(carries, 0);
    ck_assert_uint_gt(borrows, 0);
}
END_TEST

/* The flags of a compare read by the next blocks (the fused CMP + JE
 * ends a block, JL starts the next or follows a NOP, SETB and ADC after
 * it): SUB stores no first source, so every reader derives it (cpu.h
 * cc_first), here emit_jcc's path for any kind, emit_setcc's and
 * emit_carry's run-time tests of cc_op; the signed and unsigned outcomes
 * of walking values against the same loop in C. */
START_TEST(test_native_compare_read_in_the_next_block_derives_its_first_source)
{
    if (!has_native_linear("native_compare_read_in_the_next_block_derives_its_first_source"))
        return;
    /* mov ecx, 300; xor eax/ebx/esi/edi/ebp; top: add eax, 0x9e3779b9; add ebx, 0x7f4a7c15;
     * cmp eax, ebx; je n1; nop; n1: jl n2; inc edi; n2: setb dl; adc ebp, 0; and edx, 1; add esi, edx;
     * dec ecx; jnz top; int3 (nasm; no stores: the stack shares the code's page) */
    Hand h;
    hand_loop("b9 2c 01 00 00 31 c0 31 db 31 f6 31 ff 31 ed 05 b9 79 37 9e 81 c3 15 7c 4a 7f",
              "39 d8 74 01 90 7c 01 47 0f 92 c2 83 d5 00 83 e2 01 01 d6 49 75 df cc", &h);
    uint32_t a = 0, b = 0, ge = 0, below = 0;
    for (int i = 0; i < 300; i++) {
        a += 0x9e3779b9u;
        b += 0x7f4a7c15u;
        ge += (a ^ 0x80000000u) >= (b ^ 0x80000000u); /* not JL: signed a >= b */
        below += a < b;
    }
    ck_assert_uint_eq(h.regs[E386_EDI], ge);
    ck_assert_uint_eq(h.regs[E386_ESI], below);
    ck_assert_uint_eq(h.regs[E386_EBP], below);
    ck_assert_uint_gt(ge, 0);
    ck_assert_uint_lt(ge, 300);
    ck_assert_uint_gt(below, 0);
    ck_assert_uint_lt(below, 300);
}
END_TEST

/* Dword accesses at 0xfffffffd and 0xfffffffe wrap to address 0, as on
 * the guest's CPU: a load sums the wrapped bytes, a store writes them,
 * and with page 0 unmapped the load faults with CR2 0. */
START_TEST(test_native_access_wraps_at_4gib)
{
    if (!has_native_linear("native_access_wraps_at_4gib"))
        return;
    enum { TOP = 0xfffff000u, C = 0x50000 };
    for (int kind = 0; kind < 3; kind++) { /* load, store, load with page 0 unmapped */
        const uint32_t three[] = { TOP, 0, C }, two[] = { TOP, C };
        Code code = { .n = 0 };
        put_hex(&code, "b9"); put32(&code, 300);              /* mov ecx, 300 */
        put_hex(&code, "bb"); put32(&code, 0xfffffffe - 299); /* mov ebx, ... */
        /* loop: mov eax, [ebx]; add edx, eax or mov [ebx], ebx; nop; nop; inc ebx; dec ecx; jnz loop; int3 */
        put_hex(&code, kind == 1 ? "89 1b 90 90 43 49 75 f8 cc" : "8b 03 01 c2 43 49 75 f8 cc");
        Hand h;
        hand_twins(kind == 2 ? two : three, kind == 2 ? 2 : 3, &code, 0xfffffffc, &h);
        if (kind == 2) {
            ck_assert_int_eq(h.r, E386_EXIT_EXCEPTION);
            ck_assert_int_eq(h.x.vector, 14);
            ck_assert_uint_eq(h.x.fault_addr, 0);
            ck_assert_uint_eq(h.regs[E386_EBX], 0xfffffffd);
            continue;
        }
        ck_assert_uint_eq(h.regs[E386_ECX], 0);
        if (kind == 1) { /* each store's low byte lands at its address; the last's other three wrap */
            static const uint8_t want[4] = { 0xfc, 0xfd, 0xfe, 0xff };
            ck_assert_mem_eq(h.peek, want, 4);
            ck_assert_uint_eq(h.peek[4], 0xff);
            ck_assert_uint_eq(h.peek[5], 0xff);
            ck_assert_uint_eq(h.peek[6], fill_byte(2, 1));
        } else { /* the sum of the 300 dwords, read with the wrap */
            uint32_t sum = 0;
            for (uint32_t a = 0xfffffffe - 299, k = 0; k < 300; a++, k++) {
                uint8_t b[4];
                for (uint32_t j = 0; j < 4; j++) {
                    uint32_t x = a + j;
                    b[j] = x >= TOP ? fill_byte(x - TOP, 0) : fill_byte(x, 1);
                }
                sum += ld_le(b, 4);
            }
            ck_assert_uint_eq(h.regs[E386_EDX], sum);
        }
    }
}
END_TEST

/* A compare fused with the Jcc that ends its block takes the flags' kind
 * an ALU op before it left pending (native_cc_defer_ok): its own stores
 * make it dead on the fast path, but a read the code leaves to the
 * handler (through GS with a base, at the 4 GiB limit: native_emit_lin)
 * must store it first, as the handler may fault before it compares: here
 * OF and SF of the ADD (0x7fffffff + 1) are in EFLAGS at the #GP of the
 * dword at gs:0xfffffffd (the DEC before, read with the ADD's operands,
 * would give OF = 0).  mov ebx, 0xffffff00; mov ecx, 0x200; mov dx, 7;
 * mov gs, dx; top: mov eax, 0x7fffffff; mov edx, 1; add eax, edx;
 * cmp dword gs:[ebx], 5; jne $+2; inc ebx; dec ecx; jnz top; int3 (nasm). */
START_TEST(test_native_fused_compare_stores_the_pending_kind_before_its_handler)
{
    if (!has_native_linear("native_fused_compare_stores_the_pending_kind_before_its_handler"))
        return;
    enum { C = 0x50000 };
    const uint32_t pages[] = { 0, C };
    Code code = { .n = 0 };
    put_hex(&code, "bb 00 ff ff ff b9 00 02 00 00 66 ba 07 00 8e ea");
    put_hex(&code, "b8 ff ff ff 7f ba 01 00 00 00 01 d0 65 83 3b 05 75 00 43 49 75 ea cc");
    Hand h;
    hand_twins(pages, 2, &code, 0xffc, &h);
    ck_assert_int_eq(h.r, E386_EXIT_EXCEPTION);
    ck_assert_int_eq(h.x.vector, 13);
    ck_assert_uint_eq(h.x.fault_eip, C + 28);
    ck_assert_uint_eq(h.regs[E386_EBX], 0xfffffffdu);
    ck_assert_uint_eq(h.regs[E386_EAX], 0x80000000u);
    ck_assert_uint_eq(h.eflags & 0x8c1, 0x880); /* OF, SF; not ZF, CF */
}
END_TEST

/* A block that ends without a transfer (65 ADDs: TB_MAX_INSNS splits the
 * loop's body) follows link 1 to the next instruction inline (calls.c
 * emit_jmp_rel for op_block_end): run in slices of 1 to 150
 * instructions by both engines, every slice ends with the same state
 * (eip where a budget runs out at that block end too, the counts).
 * mov ecx, 100; top: add eax, 1 (65 times); dec ecx; jnz top; int3. */
START_TEST(test_native_block_end_falls_through_inline)
{
    if (!has_native_linear("native_block_end_falls_through_inline"))
        return;
    Code c = { .n = 0 };
    memset(c.b, 0xcc, sizeof c.b);
    put_hex(&c, "b9 64 00 00 00");
    for (int k = 0; k < 65; k++)
        put_hex(&c, "83 c0 01");
    put_hex(&c, "49 0f 85"); /* jnz rel32 to top */
    put32(&c, (uint32_t)(5 - (c.n + 4)));
    Rng g = { 0x9e3779b97f4a7c15u }, state = { 12345 };
    E386Cpu *a = new_cpu(E386_ACCEL_NATIVE, 1, &c, &state), *b = new_cpu(E386_ACCEL_INTERP, 1, &c, &state);
    e386_count_chain_hits(a, 1);
    e386_count_chain_hits(b, 1);
    int r = E386_EXIT_INSN_LIMIT, slices = 0;
    while (r == E386_EXIT_INSN_LIMIT && slices++ < 10000) {
        uint64_t budget = 1 + rnd(&g) % 150;
        e386_exit xa, xb;
        r = e386_run(a, budget, &xa);
        ck_assert_int_eq(e386_run(b, budget, &xb), r);
        ck_assert_msg(same(a, b, &xa, &xb), "slice %d differs (eip %08x, %08x)", slices, a->eip, b->eip);
    }
    ck_assert_int_eq(r, E386_EXIT_INTERRUPT);
    ck_assert_uint_eq(e386_reg_read(a, E386_ECX), 0);
    e386_stats st;
    e386_get_stats(a, &st);
    ck_assert_uint_gt(st.native_blocks, 0);
    e386_cpu_free(a);
    e386_cpu_free(b);
}
END_TEST

/* The block ends that follow a link count in a host register while code
 * runs (native_int.h HITS_REG), made true before every call out and at
 * the exit: a guest exception after a chained loop must not lose them,
 * whether it leaves from an inline access's host fault (a load of an
 * unmapped page: linear memory's handler takes the count from the
 * fault's context) or from a handler's longjmp (DIV by zero, ECX 0 after
 * the loop).  The loop: mov ecx, 200; top: add eax, 3; dec ecx; jnz top;
 * then mov eax, [0x30000] or div ecx (nasm). */
START_TEST(test_native_chain_hits_survive_a_guest_exception)
{
    if (!has_native_linear("native_chain_hits_survive_a_guest_exception"))
        return;
    enum { C = 0x50000 };
    const uint32_t pages[] = { C };
    static const char *const ends[2] = { "a1 00 00 03 00 cc", "f7 f1 cc" };
    static const unsigned vectors[2] = { 14, 0 };
    for (int k = 0; k < 2; k++) {
        Code code = { .n = 0 };
        put_hex(&code, "b9 c8 00 00 00 83 c0 03 49 75 fa");
        put_hex(&code, ends[k]);
        Hand nat, in;
        hand_run(E386_ACCEL_NATIVE, pages, 1, &code, C, 1, &nat);
        hand_run(E386_ACCEL_INTERP, pages, 1, &code, C, 1, &in);
        ck_assert_uint_gt(nat.st.native_blocks, 0);
        ck_assert_int_eq(nat.r, E386_EXIT_EXCEPTION);
        ck_assert_int_eq(in.r, E386_EXIT_EXCEPTION);
        ck_assert_uint_eq(nat.x.vector, vectors[k]);
        ck_assert_uint_eq(in.x.vector, vectors[k]);
        ck_assert_uint_eq(nat.regs[E386_EAX], 600);
        ck_assert_uint_gt(in.st.chain_hits, 150);
        ck_assert_uint_eq(nat.st.chain_hits, in.st.chain_hits);
    }
}
END_TEST

static void *stop_soon(void *cpu)
{
    struct timespec t = { 0, 20 * 1000 * 1000 };
    nanosleep(&t, NULL);
    e386_stop(cpu);
    return NULL;
}

/* An e386_stop from another thread ends a run of host code that only
 * follows lean sites (two blocks that JMP to each other, nothing called
 * out), whose one compare tests the budget and the exit request together
 * (branch.c emit_may_follow: the count left must exceed exit_request,
 * which a request sets to EXIT_REQUESTED).  A request of another value
 * (1) passes that compare: the run would go on to its budget, 2^40
 * instructions, minutes here.  A first run of a fixed budget gets the
 * blocks translated and linked, so that a stop that comes before the
 * second run starts (a slow thread start) still finds them run. */
START_TEST(test_native_stop_ends_a_chain_of_lean_sites)
{
    if (!has_native_linear("native_stop_ends_a_chain_of_lean_sites"))
        return;
    enum { C = 0x50000 };
    E386Cpu *cpu = e386_cpu_new();
    ck_assert_int_eq(e386_set_accel(cpu, E386_ACCEL_NATIVE), E386_ACCEL_NATIVE);
    e386_count_chain_hits(cpu, 1);
    ck_assert_int_eq(e386_mem_linear(cpu, 1), 1);
    ck_assert_int_eq(e386_mem_map(cpu, C, 0x1000, E386_PROT_READ | E386_PROT_WRITE | E386_PROT_EXEC), 0);
    /* top: add eax, 1; jmp next; next: add ebx, eax; jmp top (nasm) */
    static const uint8_t code[] = { 0x83, 0xc0, 0x01, 0xeb, 0x00, 0x01, 0xc3, 0xeb, 0xf7 };
    ck_assert_int_eq(e386_mem_write(cpu, C, code, sizeof code), 0);
    e386_reg_write(cpu, E386_EIP, C);
    e386_exit x;
    ck_assert_int_eq(e386_run(cpu, 100000, &x), E386_EXIT_INSN_LIMIT);
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, stop_soon, cpu), 0);
    int r = e386_run(cpu, (uint64_t)1 << 40, &x);
    pthread_join(th, NULL);
    e386_stats st;
    e386_get_stats(cpu, &st);
    ck_assert_int_eq(r, E386_EXIT_STOP);
    ck_assert_uint_gt(st.native_blocks, 0);
    ck_assert_uint_gt(st.chain_hits, 1000);
    e386_cpu_free(cpu);
}
END_TEST

/* e386_set_accel: a mask picks native where built, else the interpreter */
START_TEST(test_accel_selection)
{
    E386Cpu *cpu = e386_cpu_new();
    ck_assert_int_eq(e386_set_accel(cpu, E386_ACCEL_INTERP), E386_ACCEL_INTERP);
    ck_assert_int_eq(e386_get_accel(cpu), E386_ACCEL_INTERP);
    int native = e386_set_accel(cpu, E386_ACCEL_NATIVE);
    ck_assert(native == E386_ACCEL_NATIVE || native == -1);
    ck_assert_int_eq(e386_set_accel(cpu, E386_ACCEL_NATIVE | E386_ACCEL_INTERP),
                     native < 0 ? E386_ACCEL_INTERP : E386_ACCEL_NATIVE);
    ck_assert_int_eq(e386_set_accel(cpu, 0), -1);
    ck_assert_int_eq(e386_accel_parse("native"), E386_ACCEL_NATIVE);
    ck_assert_int_eq(e386_accel_parse("interp"), E386_ACCEL_INTERP);
    ck_assert_int_eq(e386_accel_parse("jit"), -1);
    e386_cpu_free(cpu);
}
END_TEST

#ifdef E386_NATIVE_BUILT
#include "native/codebuf.h"
/* Every block's code starts 16-byte aligned: its op table is read as
 * uint32_t.  A window that filled up opened the next one at the used end
 * as it stood, aligned only while every seal rounded it up to a page:
 * with the buffer writable and executable at once (no W^X) the blocks
 * after a full window had misaligned tables (UBSan in the ASan leg's
 * selfvirt: publish, run.c).  Run again as unit/test_native-wx. */
START_TEST(test_codebuf_blocks_stay_aligned_across_windows)
{
    CodeBuf *b = codebuf_new(4u << 20);
    ck_assert_ptr_nonnull(b);
    for (int i = 0; i < 400; i++) {
        uint8_t *p = codebuf_begin(b, 1001);
        ck_assert_ptr_nonnull(p);
        ck_assert_msg(((uintptr_t)p & 15) == 0, "block %d at offset %zu", i, (size_t)(p - b->base));
        memset(p, 0xcc, 1001);
        codebuf_commit(b, p, 1001 - (size_t)(i % 7));
        if (i % 50 == 49)
            ck_assert_int_eq(codebuf_seal(b), 0);
    }
    codebuf_free(b);
}
END_TEST

#include "native/x64emit.h"
/* an emitter into buf with cpu->r[] at [RBX] and guest registers g0 and
 * g1 (-1: none) cached in R8 and R9, nothing held yet */
static void cache_emitter(Emit *e, uint8_t *buf, size_t len, int g0, int g1)
{
    x_init(e, buf, len);
    e->rc_off = 0;
    if (g0 >= 0)
        e->rc_host[g0] = X_R8;
    if (g1 >= 0)
        e->rc_host[g1] = X_R9;
}

/* The register cache at a label (x64emit.c x_patch to the current
 * position): it keeps the guest registers held on every path into it,
 * the fall-through's and each patched jump's as x_jcc and x_jmp recorded
 * them, and nothing of a jump it has no record of.  EAX is held before
 * the jump, ECX only after it: at the label, EAX only.  Keeping the
 * fall-through's alone fails it; so does the rule of before (nothing
 * kept), which cost a reload of every register after each label. */
START_TEST(test_native_label_keeps_what_every_path_holds)
{
    static uint8_t buf[1024];
    Emit e;
    cache_emitter(&e, buf, sizeof buf, 0, 1); /* EAX in R8, ECX in R9 */
    x_load32(&e, X_RAX, X_RBX, 0);
    ck_assert_uint_eq(e.rc_valid, 1);
    size_t jump = x_jcc(&e, X_E);
    x_load32(&e, X_RDX, X_RBX, 4);
    ck_assert_uint_eq(e.rc_valid, 3);
    x_patch(&e, jump, e.p);
    ck_assert_uint_eq(e.rc_valid, 1);
    /* a jump with both held, then more jumps than the record keeps */
    x_load32(&e, X_RDX, X_RBX, 4);
    size_t old = x_jmp(&e);
    for (int k = 0; k < RC_JUMPS; k++)
        (void)x_jcc(&e, X_NE);
    x_patch(&e, old, e.p);
    ck_assert_uint_eq(e.rc_valid, 0);
    ck_assert_int_eq(e.overflow, 0);
}
END_TEST

/* A read-modify-write of a cached register not held yet (x64emit.c
 * fill): loaded into its host register, the ALU op there, then stored,
 * instead of the op in memory and a load of the result after it, which
 * waits for the store to forward (int_sieve's ADD EBX, 1 then CMP EBX).
 * After it the register is held, and the host code adds 1 to R11D. */
START_TEST(test_native_alu_on_a_cached_register_loads_it_first)
{
    static uint8_t buf[256];
    Emit e;
    cache_emitter(&e, buf, sizeof buf, -1, -1);
    e.rc_host[3] = X_R11; /* EBX */
    x_alu_mi32(&e, 0, X_RBX, 12, 1);
    ck_assert_uint_eq(e.rc_valid, 1u << 3);
    /* mov r11d, [rbx + 12]; add r11d, 1; mov [rbx + 12], r11d */
    static const uint8_t want[] = { 0x44, 0x8b, 0x5b, 0x0c, 0x41, 0x83, 0xc3, 0x01, 0x44, 0x89, 0x5b, 0x0c };
    ck_assert_uint_eq(x_len(&e), sizeof want);
    ck_assert_mem_eq(buf, want, sizeof want);
}
END_TEST
#endif

int main(void)
{
    Suite *s = suite_create("native");
    TCase *t = tcase_create("core");
    tcase_set_timeout(t, 300);
    tcase_add_test(t, test_accel_selection);
    tcase_add_test(t, test_native_equals_interpreter);
    tcase_add_test(t, test_native_page_crossing_access_faults_at_the_second_page);
    tcase_add_test(t, test_native_page_crossing_store_into_code_is_seen);
    tcase_add_test(t, test_native_access_wraps_at_4gib);
    tcase_add_test(t, test_native_nonflat_ds_load_leaves_the_code);
    tcase_add_test(t, test_native_16bit_ss_load_leaves_the_code);
    tcase_add_test(t, test_native_gs_base_and_limit);
    tcase_add_test(t, test_native_adc_sbb_flags_take_the_carry_in);
    tcase_add_test(t, test_native_rotate_patches_a_pending_kind);
    tcase_add_test(t, test_native_dead_flag_shifts_in_place);
    tcase_add_test(t, test_native_register_cache_stays_true);
    tcase_add_test(t, test_native_carry_in_of_a_pending_kind);
    tcase_add_test(t, test_native_compare_read_in_the_next_block_derives_its_first_source);
    tcase_add_test(t, test_native_chain_hits_survive_a_guest_exception);
    tcase_add_test(t, test_native_stop_ends_a_chain_of_lean_sites);
    tcase_add_test(t, test_native_block_end_falls_through_inline);
    tcase_add_test(t, test_native_fused_compare_stores_the_pending_kind_before_its_handler);
#ifdef E386_NATIVE_BUILT
    tcase_add_test(t, test_codebuf_blocks_stay_aligned_across_windows);
    tcase_add_test(t, test_native_label_keeps_what_every_path_holds);
    tcase_add_test(t, test_native_alu_on_a_cached_register_loads_it_first);
#endif
    suite_add_tcase(s, t);
    return run_suite(s);
}
