/* The decoder: prefixes, opcode, ModRM/SIB, displacement and immediates.
 * Everything it knows about individual opcodes comes from opcodes.inc. */
#include <assert.h>
#include "core/decode.h"
#include "core/ops.h"

#define B 1
#define W 2
#define D 4
#define V 0
#define X 0
static const OpInfo primary[512] = {
#define OP(code, n, h, dec, sz, sb, c, fr, fw) \
    [code] = { n, op_##h, (dec), sz, sb, c, fr, fw },
#define GRP(...)
#include "core/opcodes.inc"
#undef OP
#undef GRP
};
static const OpInfo groups[21][8] = {
#define OP(...)
#define GRP(g, r, n, h, dec, sz, sb, c, fr, fw) \
    [g][r] = { n, op_##h, (dec), sz, sb, c, fr, fw },
#include "core/opcodes.inc"
#undef OP
#undef GRP
};
#undef B
#undef W
#undef D
#undef V
#undef X

/* Group rows are never run: the decoder replaces them by the GRP row. */
const E386Op *op_group(E386Cpu *cpu, const E386Op *op)
{
    (void)op;
    raise_exc(cpu, EX_UD);
}

const OpInfo *decode_lookup(int opcode, int reg)
{
    const OpInfo *i = &primary[opcode & 0x1ff];
    if (i->dec & D_GRP)
        i = &groups[i->sub][reg & 7];
    return i->fn ? i : NULL;
}

int decode_reg_is_operand(int opcode)
{
    const OpInfo *i = &primary[opcode & 0x1ff];
    return (i->dec & D_M) && !(i->dec & D_GRP);
}

/* LOCK is only legal on these read-modify-write forms with a memory
 * destination (SDM vol.2 "LOCK"). */
static int lockable(const OpInfo *i, const E386Op *op)
{
    if (op->mod == 3)
        return 0;
    OpFn f = i->fn;
    if (f == op_alu_EG || f == op_alu_EI)
        return op->sub != 7; /* not CMP */
    if (f == op_bt_EG || f == op_bt_EI)
        return op->sub != 0; /* not BT */
    return f == op_inc_E || f == op_dec_E || f == op_neg_E || f == op_not_E ||
           f == op_xchg_EG || f == op_xadd || f == op_cmpxchg || f == op_cmpxchg8b;
}

typedef struct Fetch {
    E386Cpu *cpu;
    uint32_t eip, pos;
    int failed;
    DecodeFault *fault;
} Fetch;

static uint32_t fetch8(Fetch *f)
{
    if (f->failed)
        return 0;
    E386Cpu *cpu = f->cpu;
    if (f->pos >= 15) { /* over-long instruction */
        *f->fault = (DecodeFault){ EX_GP, 1, 0, 0 };
        f->failed = 1;
        return 0;
    }
    uint32_t off = f->eip + f->pos;
    Seg *cs = &cpu->seg[SEG_CS];
    if (!cs->flat && off > cs->limit) {
        *f->fault = (DecodeFault){ EX_GP, 1, 0, 0 };
        f->failed = 1;
        return 0;
    }
    uint32_t lin = cs->base + off, pa = lin, err;
    if (cpu->softmmu && code_phys(cpu, lin, &pa, &err)) {
        *f->fault = (DecodeFault){ EX_PF, 1, err, lin };
        f->failed = 1;
        return 0;
    }
    Page *p = mem_page(&cpu->mem, pa);
    if ((!p || !(p->flags & PG_EXEC)) && cpu->mem.phys_bus) {
        f->pos++; /* the bus floats: code from unassigned or MMIO space reads as all ones */
        return 0xff;
    }
    if (!p || !(p->flags & PG_EXEC)) {
        uint32_t err = (p ? 1u : 0u) | (cpu->cpl == 3 ? 4u : 0u);
        *f->fault = (DecodeFault){ EX_PF, 1, err, lin };
        f->failed = 1;
        return 0;
    }
    f->pos++;
    return p->host[pa & 0xfff];
}

static uint32_t fetch(Fetch *f, int n)
{
    uint32_t v = 0;
    for (int i = 0; i < n; i++)
        v |= fetch8(f) << (8 * i);
    return v;
}

static void decode_modrm(Fetch *f, E386Op *op, int *def_ss, int reg_only)
{
    uint32_t m = fetch8(f);
    op->mod = (uint8_t)(reg_only ? 3 : m >> 6);
    op->reg = (uint8_t)((m >> 3) & 7);
    op->rm = (uint8_t)(m & 7);
    op->base = op->index = EA_NONE;
    op->scale = 0;
    op->disp = 0;
    if (op->mod == 3)
        return;
    if (op->adsize == 2) {
        static const uint8_t base16[8] = { 3, 3, 5, 5, 6, 7, 5, 3 };
        static const uint8_t index16[8] = { 6, 7, 6, 7, EA_NONE, EA_NONE, EA_NONE, EA_NONE };
        if (op->mod == 0 && op->rm == 6) {
            op->disp = fetch(f, 2);
            return;
        }
        op->base = base16[op->rm];
        op->index = index16[op->rm];
        *def_ss = op->base == 5; /* BP-based */
        if (op->mod == 1) op->disp = (uint32_t)(int32_t)(int8_t)fetch8(f);
        else if (op->mod == 2) op->disp = fetch(f, 2);
        return;
    }
    int base = op->rm;
    if (op->rm == 4) {
        uint32_t sib = fetch8(f);
        op->scale = (uint8_t)(sib >> 6);
        op->index = (uint8_t)((sib >> 3) & 7);
        if (op->index == 4)
            op->index = EA_NONE;
        base = (int)(sib & 7);
    }
    if (base == 5 && op->mod == 0) {
        op->disp = fetch(f, 4);
        return;
    }
    op->base = (uint8_t)base;
    *def_ss = base == 4 || base == 5;
    if (op->mod == 1) op->disp = (uint32_t)(int32_t)(int8_t)fetch8(f);
    else if (op->mod == 2) op->disp = fetch(f, 4);
}

int decode_insn(E386Cpu *cpu, uint32_t eip, int code32, E386Op *op,
                const OpInfo **info, unsigned *dec_out, DecodeFault *fault)
{
    Fetch f = { cpu, eip, 0, 0, fault };
    int opsize = code32 ? 4 : 2, adsize = code32 ? 4 : 2, seg = SEG_NONE;
    uint32_t b;
    memset(op, 0, sizeof *op);
    for (;;) { /* prefixes */
        b = fetch8(&f);
        if (f.failed)
            return DEC_FAULT;
        switch (b) {
        case 0x66: opsize = code32 ? 2 : 4; continue;
        case 0x67: adsize = code32 ? 2 : 4; continue;
        case 0xf0: op->lock = 1; continue;
        case 0xf2: case 0xf3: op->rep = b & 3; continue;
        case 0x26: seg = SEG_ES; continue;
        case 0x2e: seg = SEG_CS; continue;
        case 0x36: seg = SEG_SS; continue;
        case 0x3e: seg = SEG_DS; continue;
        case 0x64: seg = SEG_FS; continue;
        case 0x65: seg = SEG_GS; continue;
        }
        break;
    }
    int opcode = (int)b;
    if (b == 0x0f)
        opcode = 0x100 | (int)fetch8(&f);
    op->opcode = (unsigned)opcode;
    op->opsize = (unsigned)opsize;
    op->adsize = (unsigned)adsize;
    const OpInfo *pi = &primary[opcode], *i = pi;
    int def_ss = 0;
    op->base = op->index = EA_NONE;
    if (pi->dec & D_M)
        decode_modrm(&f, op, &def_ss, (pi->dec & D_MR) != 0);
    if (pi->dec & D_GRP)
        i = &groups[pi->sub][op->reg];
    if (f.failed)
        return DEC_FAULT;
    if (!i->fn) {
        *fault = (DecodeFault){ EX_UD, 0, 0, 0 };
        return DEC_FAULT;
    }
    uint16_t dec = (uint16_t)(pi->dec | i->dec);
    op->sub = i->sub;
    op->size = (uint8_t)(i->size ? i->size : opsize);
    op->seg = (uint8_t)(seg != SEG_NONE ? seg : def_ss ? SEG_SS : SEG_DS);
    if (dec & D_I8) op->imm = fetch8(&f);
    if (dec & (D_I8S | D_J8)) op->imm = (uint32_t)(int32_t)(int8_t)fetch8(&f);
    if (dec & D_IW) op->imm = fetch(&f, 2);
    if (dec & D_IZ) op->imm = fetch(&f, opsize);
    if (dec & D_JZ) op->imm = opsize == 2 ? (uint32_t)(int32_t)(int16_t)fetch(&f, 2) : fetch(&f, 4);
    if (dec & D_MO) op->imm = fetch(&f, adsize);
    /* imm2 shares disp's word (E386Op): only instructions without ModRM have one */
    assert(!(dec & (D_AP | D_EN)) || !(dec & D_M));
    if (dec & D_AP) {
        op->imm = fetch(&f, opsize);
        op->imm2 = fetch(&f, 2);
    }
    if (dec & D_EN) {
        op->imm = fetch(&f, 2);
        op->imm2 = fetch8(&f);
    }
    if (f.failed)
        return DEC_FAULT;
    op->fn = i->fn;
    op->len = (uint8_t)f.pos;
    op->eip = eip;
    if ((op->lock && !lockable(i, op)) || ((dec & D_MEM) && op->mod == 3)) {
        *fault = (DecodeFault){ EX_UD, 0, 0, 0 };
        return DEC_FAULT;
    }
    alu_specialize(op);
    mov_specialize(op);
    shift_specialize(op);
    x87_specialize(op);
    *info = i;
    *dec_out = dec;
    return DEC_OK;
}
