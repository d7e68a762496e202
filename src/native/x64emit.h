/* A small x86-64 instruction emitter: bytes into a buffer, the forms the
 * block translator uses and nothing else.  Registers by their hardware
 * numbers; memory operands are [base + disp32] with a base that needs no
 * SIB byte (not RSP or R12). */
#ifndef E386_NATIVE_X64EMIT_H
#define E386_NATIVE_X64EMIT_H
#include <stddef.h>
#include <stdint.h>

enum { X_RAX, X_RCX, X_RDX, X_RBX, X_RSP, X_RBP, X_RSI, X_RDI,
       X_R8, X_R9, X_R10, X_R11, X_R12, X_R13, X_R14, X_R15 };
/* condition codes of Jcc/SETcc, the guest's encoding too */
enum { X_O, X_NO, X_B, X_AE, X_E, X_NE, X_BE, X_A, X_S, X_NS, X_P, X_NP, X_L, X_GE, X_LE, X_G };

/* The register cache (native_int.h): guest register g, cpu->r[g] at
 * [RBX + rc_off + 4g], is also in host register rc_host[g] (-1: none)
 * while bit g of rc_valid is set.  The memory forms below keep it true
 * on every path they emit: a cached register is read from its host
 * register and written through to both; any other write to cpu->r[]
 * drops the bit, a call drops them all (the handler writes cpu->r[]
 * and the caller-saved registers die).  A label (x_patch to the current
 * position) keeps what every path into it has: the fall-through's and
 * that of each jump patched there, as x_jcc and x_jmp recorded it (a
 * jump not recorded, or no longer: nothing). */
enum { RC_JUMPS = 32 };
typedef struct Emit {
    uint8_t *p, *start, *end;
    int overflow; /* ran past end: the caller drops what it wrote */
    int32_t rc_off;
    int8_t rc_host[8];
    unsigned rc_valid;
    /* the last RC_JUMPS jumps (a ring): where, and rc_valid there */
    uint32_t rc_jump_at[RC_JUMPS];
    uint8_t rc_jump_valid[RC_JUMPS];
    unsigned rc_njumps;
} Emit;

void x_init(Emit *e, uint8_t *buf, size_t len); /* no register cached */
/* the guest register whose cpu->r[] is exactly [base + disp], else -1 */
int x_rc_reg(const Emit *e, int base, int32_t disp);
/* [base + disp] op= imm8 for a C1 shift or rotate (kind: its ModRM
 * reg), of 32 bits; the flags of the result as the memory form's */
void x_shift_mi32(Emit *e, int kind, int base, int32_t disp, int n);
/* any other access of size bytes at [base + disp]: what it may write of
 * cpu->r[] is no longer cached (inline_alu.c's own encodings) */
void x_rc_touch(Emit *e, int base, int32_t disp, int size);
void x_mov_rr32(Emit *e, int dst, int src);
size_t x_len(const Emit *e);
/* Inline: a block's translation is mostly these (as calls they were a
 * few percent of a short program's time, each byte reloading e->p) */
static inline void x_byte(Emit *e, unsigned b)
{
    uint8_t *p = e->p;
    if (p >= e->end) {
        e->overflow = 1;
        return;
    }
    *p = (uint8_t)b;
    e->p = p + 1;
}

static inline void x_u32(Emit *e, uint32_t v) /* little-endian */
{
    uint8_t *p = e->p;
    if (e->end - p < 4) {
        e->overflow = 1;
        e->p = e->end;
        return;
    }
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
    e->p = p + 4;
}
void x_push(Emit *e, int r);
void x_pop(Emit *e, int r);
void x_ret(Emit *e);
void x_mov_rr64(Emit *e, int dst, int src);
void x_mov_ri64(Emit *e, int dst, uint64_t imm);
void x_mov_ri32(Emit *e, int dst, uint32_t imm);  /* zero-extends */
void x_load64(Emit *e, int dst, int base, int32_t disp);
void x_store64(Emit *e, int base, int32_t disp, int src);
void x_load32(Emit *e, int dst, int base, int32_t disp);
void x_store32(Emit *e, int base, int32_t disp, int src);
void x_store32_imm(Emit *e, int base, int32_t disp, uint32_t imm);
void x_cmp_rr64(Emit *e, int a, int b);            /* flags of a - b */
void x_cmp_m32_imm8(Emit *e, int base, int32_t disp, int8_t imm);
void x_cmp_m64_imm8(Emit *e, int base, int32_t disp, int8_t imm);
void x_cmp_m8_imm8(Emit *e, int base, int32_t disp, int8_t imm);
void x_cmp_rm64(Emit *e, int r, int base, int32_t disp); /* flags of r - [base+disp] */
void x_cmp_rm32(Emit *e, int r, int base, int32_t disp);
void x_cmp_m32_imm(Emit *e, int base, int32_t disp, uint32_t imm);
void x_test_rr64(Emit *e, int a, int b);
void x_add_rr64(Emit *e, int dst, int src);
void x_sub_rr64(Emit *e, int dst, int src);
/* 32-bit ALU dst op= src for op 0..7 (ADD OR ADC SBB AND SUB XOR CMP) */
void x_alu_rr32(Emit *e, int op, int dst, int src);
void x_alu_ri32(Emit *e, int op, int dst, uint32_t imm);
/* ... and [base + disp] op= src or imm (32-bit), for results whose flags are dead */
void x_alu_mr32(Emit *e, int op, int base, int32_t disp, int src);
void x_alu_rm32(Emit *e, int op, int dst, int base, int32_t disp); /* dst op= [base + disp] */
void x_alu_mi32(Emit *e, int op, int base, int32_t disp, uint32_t imm);
/* dst = base + (index << scale) + disp mod 2^32; base -1: none; the
 * registers below R8, base not RBP */
void x_lea32(Emit *e, int dst, int base, int index, int scale, int32_t disp);
void x_load32_idx(Emit *e, int dst, int base, int index);  /* dst = [base + index] */
void x_lea64_bi(Emit *e, int dst, int base, int index);    /* dst = base + index (64-bit; base not RBP/R13) */
void x_store32_idx(Emit *e, int base, int index, int src);
void x_shl_ri32(Emit *e, int r, int n);
void x_shr_ri64(Emit *e, int r, int n);
void x_imul_ri32(Emit *e, int r, uint32_t imm);     /* r = r * imm mod 2^32 */
void x_sub_rm64(Emit *e, int r, int base, int32_t disp); /* r -= [base+disp] */
void x_movzx16_load(Emit *e, int dst, int base, int32_t disp);
void x_movzx8_load(Emit *e, int dst, int base, int32_t disp);
void x_test_m32_imm(Emit *e, int base, int32_t disp, uint32_t imm);
/* loads and stores of 1, 2 or 4 bytes at [base + index] (loads zero-extend) */
void x_load_idx(Emit *e, int size, int dst, int base, int index);
void x_store_idx(Emit *e, int size, int base, int index, int src);
void x_store_idx_imm(Emit *e, int size, int base, int index, uint32_t imm); /* size 1 or 4 */
void x_store8(Emit *e, int base, int32_t disp, int src); /* src: RAX, RCX, RDX or RBX's low byte */
void x_call(Emit *e, uintptr_t target);            /* clobbers RAX when far */
void x_jmp_reg(Emit *e, int r);
/* rel32 jumps: the offset of their displacement, for x_patch */
size_t x_jcc(Emit *e, int cc);
size_t x_jmp(Emit *e);
void x_patch(Emit *e, size_t at, const uint8_t *target);
/* for the block ends (branch.c) */
void x_shl_cl32(Emit *e, int r);                    /* r <<= CL (mod 32) */
void x_test_rr32(Emit *e, int a, int b);
void x_add_mr64(Emit *e, int base, int32_t disp, int src); /* [base + disp] += src (64-bit) */
void x_inc64(Emit *e, int r);
void x_sub_ri64_imm32(Emit *e, int r, uint32_t imm); /* always the imm32 form: a patched count */
void x_rsp_adjust(Emit *e, int8_t n);                /* RSP += n, n in -127..127 */
void x_add_m32_imm8(Emit *e, int base, int32_t disp, int8_t imm);
#endif
