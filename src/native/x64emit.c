/* The x86-64 emitter (x64emit.h).  Encodings: Intel SDM vol. 2. */
#include "native/x64emit.h"
#include <string.h>

void x_init(Emit *e, uint8_t *buf, size_t len)
{
    e->p = e->start = buf;
    e->end = buf + len;
    e->overflow = 0;
    e->rc_off = 0;
    memset(e->rc_host, -1, sizeof e->rc_host);
    e->rc_valid = 0;
    e->rc_njumps = 0;
}

static void rc_jump(Emit *e, size_t at)
{
    unsigned k = e->rc_njumps++ % RC_JUMPS;
    e->rc_jump_at[k] = (uint32_t)at;
    e->rc_jump_valid[k] = (uint8_t)e->rc_valid;
}

/* rc_valid where the jump at at was made (the latest there), 0 when
 * not recorded */
static unsigned rc_jump_valid(const Emit *e, size_t at)
{
    unsigned n = e->rc_njumps < RC_JUMPS ? e->rc_njumps : RC_JUMPS;
    for (unsigned k = 1; k <= n; k++) {
        unsigned i = (e->rc_njumps - k) % RC_JUMPS;
        if (e->rc_jump_at[i] == at)
            return e->rc_jump_valid[i];
    }
    return 0;
}

int x_rc_reg(const Emit *e, int base, int32_t disp)
{
    int32_t d = disp - e->rc_off;
    if (base != X_RBX || d < 0 || d >= 32 || (d & 3) != 0 || e->rc_host[d >> 2] < 0)
        return -1;
    return d >> 2;
}

void x_rc_touch(Emit *e, int base, int32_t disp, int size)
{
    if (base != X_RBX)
        return;
    for (int g = 0; g < 8; g++)
        if (disp < e->rc_off + 4 * g + 4 && disp + size > e->rc_off + 4 * g)
            e->rc_valid &= ~(1u << g);
}

/* guest register g's host register if it holds its value here, else -1 */
static int cached(const Emit *e, int g) { return g >= 0 && (e->rc_valid >> g & 1) ? e->rc_host[g] : -1; }

/* after a write of cpu->r[g] from host register src: its host register too */
static void write_through(Emit *e, int g, int src)
{
    if (g < 0)
        return;
    if (src != e->rc_host[g])
        x_mov_rr32(e, e->rc_host[g], src);
    e->rc_valid |= 1u << g;
}

size_t x_len(const Emit *e) { return (size_t)(e->p - e->start); }

static void u64(Emit *e, uint64_t v)
{
    x_u32(e, (uint32_t)v);
    x_u32(e, (uint32_t)(v >> 32));
}

/* REX with W, and R/B from the register numbers (none if not needed) */
static void rex(Emit *e, int w, int reg, int rm)
{
    unsigned b = 0x40u | (w ? 8u : 0u) | (reg & 8 ? 4u : 0u) | (rm & 8 ? 1u : 0u);
    if (b != 0x40)
        x_byte(e, b);
}

static void modrm_rr(Emit *e, int reg, int rm) { x_byte(e, 0xc0u | (unsigned)(reg & 7) << 3 | (unsigned)(rm & 7)); }

/* [base + disp8] when it fits (3 bytes shorter: code size matters) */
static void modrm_mem(Emit *e, int reg, int base, int32_t disp)
{
    if (disp >= -128 && disp <= 127) {
        x_byte(e, 0x40u | (unsigned)(reg & 7) << 3 | (unsigned)(base & 7));
        x_byte(e, (uint8_t)disp);
        return;
    }
    x_byte(e, 0x80u | (unsigned)(reg & 7) << 3 | (unsigned)(base & 7));
    x_u32(e, (uint32_t)disp);
}

void x_push(Emit *e, int r) { rex(e, 0, 0, r); x_byte(e, 0x50u + (unsigned)(r & 7)); }
void x_pop(Emit *e, int r) { rex(e, 0, 0, r); x_byte(e, 0x58u + (unsigned)(r & 7)); }
void x_ret(Emit *e) { x_byte(e, 0xc3); }

void x_mov_rr64(Emit *e, int dst, int src)
{
    rex(e, 1, src, dst);
    x_byte(e, 0x89);
    modrm_rr(e, src, dst);
}

void x_mov_ri64(Emit *e, int dst, uint64_t imm)
{
    rex(e, 1, 0, dst);
    x_byte(e, 0xb8u + (unsigned)(dst & 7));
    u64(e, imm);
}

void x_mov_ri32(Emit *e, int dst, uint32_t imm)
{
    rex(e, 0, 0, dst);
    x_byte(e, 0xb8u + (unsigned)(dst & 7));
    x_u32(e, imm);
}

static void mem_op(Emit *e, int w, unsigned opc, int reg, int base, int32_t disp)
{
    rex(e, w, reg, base);
    x_byte(e, opc);
    modrm_mem(e, reg, base, disp);
}

/* guest register g's host register, loaded first if it does not hold
 * its value yet (-1: g is not cached).  A read-modify-write of cpu->r[]
 * followed by a load of it would wait for the store to forward (about
 * 8 cycles on a Zen 3 once its renaming runs out: performance.md native
 * step 16); a load, the op on the host register and a store do not. */
static int fill(Emit *e, int g)
{
    if (g < 0)
        return -1;
    if (!(e->rc_valid >> g & 1))
        x_load32(e, e->rc_host[g], X_RBX, e->rc_off + 4 * g); /* held from here on */
    return e->rc_host[g];
}

void x_load64(Emit *e, int dst, int base, int32_t disp) { mem_op(e, 1, 0x8b, dst, base, disp); }
void x_store64(Emit *e, int base, int32_t disp, int src)
{
    mem_op(e, 1, 0x89, src, base, disp);
    x_rc_touch(e, base, disp, 8);
}
void x_load32(Emit *e, int dst, int base, int32_t disp)
{
    int g = x_rc_reg(e, base, disp), h = cached(e, g);
    if (h >= 0) {
        if (h != dst)
            x_mov_rr32(e, dst, h);
        return;
    }
    mem_op(e, 0, 0x8b, dst, base, disp);
    write_through(e, g, dst); /* loaded once: cached from here on */
}

void x_store32(Emit *e, int base, int32_t disp, int src)
{
    mem_op(e, 0, 0x89, src, base, disp);
    int g = x_rc_reg(e, base, disp);
    if (g < 0)
        x_rc_touch(e, base, disp, 4);
    write_through(e, g, src);
}

void x_mov_rr32(Emit *e, int dst, int src)
{
    rex(e, 0, src, dst);
    x_byte(e, 0x89);
    modrm_rr(e, src, dst);
}

void x_shift_mi32(Emit *e, int kind, int base, int32_t disp, int n)
{
    int h = fill(e, x_rc_reg(e, base, disp));
    if (h >= 0) { /* in the host register, then written through */
        rex(e, 0, 0, h);
        x_byte(e, 0xc1);
        modrm_rr(e, kind, h);
        x_byte(e, (unsigned)n);
        mem_op(e, 0, 0x89, h, base, disp);
        return;
    }
    mem_op(e, 0, 0xc1, kind, base, disp);
    x_byte(e, (unsigned)n);
    x_rc_touch(e, base, disp, 4);
}

void x_store32_imm(Emit *e, int base, int32_t disp, uint32_t imm)
{
    mem_op(e, 0, 0xc7, 0, base, disp);
    x_u32(e, imm);
    int g = x_rc_reg(e, base, disp);
    if (g < 0) {
        x_rc_touch(e, base, disp, 4);
        return;
    }
    x_mov_ri32(e, e->rc_host[g], imm);
    e->rc_valid |= 1u << g;
}

void x_cmp_rr64(Emit *e, int a, int b)
{
    rex(e, 1, b, a);
    x_byte(e, 0x39);
    modrm_rr(e, b, a);
}

void x_cmp_m32_imm8(Emit *e, int base, int32_t disp, int8_t imm)
{
    mem_op(e, 0, 0x83, 7, base, disp);
    x_byte(e, (uint8_t)imm);
}

void x_cmp_m64_imm8(Emit *e, int base, int32_t disp, int8_t imm)
{
    mem_op(e, 1, 0x83, 7, base, disp);
    x_byte(e, (uint8_t)imm);
}

void x_cmp_m8_imm8(Emit *e, int base, int32_t disp, int8_t imm)
{
    mem_op(e, 0, 0x80, 7, base, disp);
    x_byte(e, (uint8_t)imm);
}

void x_cmp_rm64(Emit *e, int r, int base, int32_t disp) { mem_op(e, 1, 0x3b, r, base, disp); }
void x_cmp_rm32(Emit *e, int r, int base, int32_t disp) { mem_op(e, 0, 0x3b, r, base, disp); }

void x_cmp_m32_imm(Emit *e, int base, int32_t disp, uint32_t imm)
{
    mem_op(e, 0, 0x81, 7, base, disp);
    x_u32(e, imm);
}

void x_test_rr64(Emit *e, int a, int b)
{
    rex(e, 1, b, a);
    x_byte(e, 0x85);
    modrm_rr(e, b, a);
}

void x_add_rr64(Emit *e, int dst, int src)
{
    rex(e, 1, src, dst);
    x_byte(e, 0x01);
    modrm_rr(e, src, dst);
}

void x_sub_rr64(Emit *e, int dst, int src)
{
    rex(e, 1, src, dst);
    x_byte(e, 0x29);
    modrm_rr(e, src, dst);
}

void x_alu_rr32(Emit *e, int op, int dst, int src)
{
    rex(e, 0, src, dst);
    x_byte(e, (unsigned)op << 3 | 1u);
    modrm_rr(e, src, dst);
}

void x_alu_ri32(Emit *e, int op, int dst, uint32_t imm)
{
    int8_t imm8 = (int8_t)(uint8_t)imm;
    rex(e, 0, 0, dst);
    if ((uint32_t)(int32_t)imm8 == imm) { /* 83 /op ib: sign-extended */
        x_byte(e, 0x83);
        modrm_rr(e, op, dst);
        x_byte(e, (uint8_t)imm8);
        return;
    }
    x_byte(e, 0x81);
    modrm_rr(e, op, dst);
    x_u32(e, imm);
}

void x_lea32(Emit *e, int dst, int base, int index, int scale, int32_t disp)
{
    rex(e, 0, dst, 0);
    x_byte(e, 0x8d);
    unsigned sib = (unsigned)scale << 6 | (unsigned)(index & 7) << 3;
    if (base < 0) { /* mod 00, SIB base 101: no base, disp32 */
        x_byte(e, (unsigned)(dst & 7) << 3 | 4u);
        x_byte(e, sib | 5u);
        x_u32(e, (uint32_t)disp);
        return;
    }
    int d8 = disp >= -128 && disp <= 127;
    x_byte(e, (disp == 0 ? 0x00u : d8 ? 0x40u : 0x80u) | (unsigned)(dst & 7) << 3 | 4u);
    x_byte(e, sib | (unsigned)(base & 7));
    if (disp != 0 && d8)
        x_byte(e, (uint8_t)disp);
    else if (disp != 0)
        x_u32(e, (uint32_t)disp);
}

/* [base + index]: ModRM rm=100 and a SIB byte with scale 1 (base not
 * RBP/R13); w: REX.W (a 64-bit operand) */
static void mem_idx_w(Emit *e, int w, unsigned opc, int reg, int base, int index)
{
    unsigned b = 0x40u | (w ? 8u : 0u) | (reg & 8 ? 4u : 0u) | (index & 8 ? 2u : 0u) | (base & 8 ? 1u : 0u);
    if (b != 0x40)
        x_byte(e, b);
    x_byte(e, opc);
    x_byte(e, (unsigned)(reg & 7) << 3 | 4u);
    x_byte(e, (unsigned)(index & 7) << 3 | (unsigned)(base & 7));
}

static void mem_idx(Emit *e, unsigned opc, int reg, int base, int index) { mem_idx_w(e, 0, opc, reg, base, index); }

void x_lea64_bi(Emit *e, int dst, int base, int index) { mem_idx_w(e, 1, 0x8d, dst, base, index); }

void x_load32_idx(Emit *e, int dst, int base, int index) { mem_idx(e, 0x8b, dst, base, index); }

void x_load_idx(Emit *e, int size, int dst, int base, int index)
{
    if (size == 4) {
        mem_idx(e, 0x8b, dst, base, index);
        return;
    }
    /* MOVZX r32, r/m8 or r/m16: 0F B6 / 0F B7 with the REX before 0F */
    unsigned b = 0x40u | (dst & 8 ? 4u : 0u) | (index & 8 ? 2u : 0u) | (base & 8 ? 1u : 0u);
    if (b != 0x40)
        x_byte(e, b);
    x_byte(e, 0x0f);
    mem_idx(e, size == 1 ? 0xb6 : 0xb7, dst & 7, base & 7, index & 7);
}

void x_store_idx(Emit *e, int size, int base, int index, int src)
{
    if (size == 2)
        x_byte(e, 0x66);
    mem_idx(e, size == 1 ? 0x88 : 0x89, src, base, index);
}

void x_store_idx_imm(Emit *e, int size, int base, int index, uint32_t imm)
{
    mem_idx(e, size == 1 ? 0xc6 : 0xc7, 0, base, index); /* C6 /0 ib, C7 /0 id */
    if (size == 1)
        x_byte(e, imm & 0xff);
    else
        x_u32(e, imm);
}

void x_store8(Emit *e, int base, int32_t disp, int src)
{
    mem_op(e, 0, 0x88, src, base, disp);
    x_rc_touch(e, base, disp, 1);
}

void x_movzx16_load(Emit *e, int dst, int base, int32_t disp)
{
    rex(e, 0, dst, base);
    x_byte(e, 0x0f);
    x_byte(e, 0xb7);
    modrm_mem(e, dst, base, disp);
}

void x_movzx8_load(Emit *e, int dst, int base, int32_t disp)
{
    rex(e, 0, dst, base);
    x_byte(e, 0x0f);
    x_byte(e, 0xb6);
    modrm_mem(e, dst, base, disp);
}

void x_test_m32_imm(Emit *e, int base, int32_t disp, uint32_t imm)
{
    mem_op(e, 0, 0xf7, 0, base, disp);
    x_u32(e, imm);
}

void x_sub_rm64(Emit *e, int r, int base, int32_t disp) { mem_op(e, 1, 0x2b, r, base, disp); }

void x_shr_ri64(Emit *e, int r, int n)
{
    rex(e, 1, 0, r);
    x_byte(e, 0xc1);
    modrm_rr(e, 5, r);
    x_byte(e, (unsigned)n);
}

void x_imul_ri32(Emit *e, int r, uint32_t imm)
{
    rex(e, 0, r, r);
    x_byte(e, 0x69);
    modrm_rr(e, r, r);
    x_u32(e, imm);
}
void x_store32_idx(Emit *e, int base, int index, int src) { mem_idx(e, 0x89, src, base, index); }

void x_shl_ri32(Emit *e, int r, int n)
{
    rex(e, 0, 0, r);
    x_byte(e, 0xc1);
    modrm_rr(e, 4, r);
    x_byte(e, (unsigned)n);
}

void x_call(Emit *e, uintptr_t target)
{
    e->rc_valid = 0; /* the callee may write cpu->r[], and the cache's registers are caller-saved */
    intptr_t rel = (intptr_t)(target - (uintptr_t)(e->p + 5));
    if (rel == (int32_t)rel) {
        x_byte(e, 0xe8);
        x_u32(e, (uint32_t)(int32_t)rel);
        return;
    }
    x_mov_ri64(e, X_RAX, (uint64_t)target);
    x_byte(e, 0xff);
    modrm_rr(e, 2, X_RAX);
}

void x_jmp_reg(Emit *e, int r)
{
    rex(e, 0, 0, r);
    x_byte(e, 0xff);
    modrm_rr(e, 4, r);
}

size_t x_jcc(Emit *e, int cc)
{
    x_byte(e, 0x0f);
    x_byte(e, 0x80u + (unsigned)cc);
    size_t at = x_len(e);
    x_u32(e, 0);
    rc_jump(e, at);
    return at;
}

size_t x_jmp(Emit *e)
{
    x_byte(e, 0xe9);
    size_t at = x_len(e);
    x_u32(e, 0);
    rc_jump(e, at);
    return at;
}

void x_patch(Emit *e, size_t at, const uint8_t *target)
{
    if (target == e->p) /* a label: what this path and the jump's both have */
        e->rc_valid &= rc_jump_valid(e, at);
    if (e->overflow)
        return;
    int32_t rel = (int32_t)(target - (e->start + at + 4));
    uint8_t b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)((uint32_t)rel >> 8 * i);
    memcpy(e->start + at, b, 4);
}

void x_shl_cl32(Emit *e, int r)
{
    rex(e, 0, 0, r);
    x_byte(e, 0xd3);
    modrm_rr(e, 4, r);
}

void x_test_rr32(Emit *e, int a, int b)
{
    rex(e, 0, b, a);
    x_byte(e, 0x85);
    modrm_rr(e, b, a);
}

void x_add_mr64(Emit *e, int base, int32_t disp, int src)
{
    mem_op(e, 1, 0x01, src, base, disp);
    x_rc_touch(e, base, disp, 8);
}

void x_inc64(Emit *e, int r)
{
    rex(e, 1, 0, r);
    x_byte(e, 0xff);
    modrm_rr(e, 0, r);
}

void x_sub_ri64_imm32(Emit *e, int r, uint32_t imm)
{
    rex(e, 1, 0, r);
    x_byte(e, 0x81);
    modrm_rr(e, 5, r);
    x_u32(e, imm);
}

void x_rsp_adjust(Emit *e, int8_t n)
{
    rex(e, 1, 0, X_RSP);
    x_byte(e, 0x83);
    modrm_rr(e, n < 0 ? 5 : 0, X_RSP);
    x_byte(e, (uint8_t)(n < 0 ? -n : n));
}

void x_alu_rm32(Emit *e, int op, int dst, int base, int32_t disp)
{
    int h = cached(e, x_rc_reg(e, base, disp));
    if (h >= 0)
        x_alu_rr32(e, op, dst, h);
    else
        mem_op(e, 0, (unsigned)op << 3 | 3u, dst, base, disp); /* 03 /r, 0B /r, ... */
}

/* a read-modify-write of a cached register is the ALU op on its host
 * register (the same flags), then this write through (CMP writes nothing) */
static void alu_written(Emit *e, int op, int base, int32_t disp, int h)
{
    if (op != 7)
        mem_op(e, 0, 0x89, h, base, disp);
}

void x_alu_mr32(Emit *e, int op, int base, int32_t disp, int src)
{
    int h = fill(e, x_rc_reg(e, base, disp));
    if (h >= 0) {
        x_alu_rr32(e, op, h, src);
        alu_written(e, op, base, disp, h);
        return;
    }
    mem_op(e, 0, (unsigned)op << 3 | 1u, src, base, disp); /* 01 /r, 09 /r, ... */
    if (op != 7)
        x_rc_touch(e, base, disp, 4);
}

void x_alu_mi32(Emit *e, int op, int base, int32_t disp, uint32_t imm)
{
    int h = fill(e, x_rc_reg(e, base, disp));
    if (h >= 0) {
        x_alu_ri32(e, op, h, imm);
        alu_written(e, op, base, disp, h);
        return;
    }
    int8_t imm8 = (int8_t)(uint8_t)imm;
    int short_form = (uint32_t)(int32_t)imm8 == imm; /* 83 /op ib: sign-extended */
    mem_op(e, 0, short_form ? 0x83 : 0x81, op, base, disp);
    if (short_form)
        x_byte(e, (uint8_t)imm8);
    else
        x_u32(e, imm);
    if (op != 7)
        x_rc_touch(e, base, disp, 4);
}

void x_add_m32_imm8(Emit *e, int base, int32_t disp, int8_t imm)
{
    mem_op(e, 0, 0x83, 0, base, disp);
    x_byte(e, (uint8_t)imm);
    x_rc_touch(e, base, disp, 4);
}
