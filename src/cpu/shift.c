/* ROL ROR RCL RCR SHL SHR SAL SAR, SHLD SHRD.
 *
 * The count is masked to 5 bits; a zero count changes no flags.  Where
 * the SDM leaves OF undefined (counts above 1) we produce what Intel P6
 * and later processors do: OF as if the operand had been shifted by one.
 * Results are stored before the flags change, so a faulting store leaves
 * EFLAGS alone. */
#include "core/ops.h"

enum { SH_ROL, SH_ROR, SH_RCL, SH_RCR, SH_SHL, SH_SHR, SH_SAL, SH_SAR };

/* the lazy-flag kind of each plain shift (rotates set CF/OF directly) */
static const uint8_t shift_cc[8] = { 0, 0, 0, 0, CC_SHL, CC_SHR, CC_SHL, CC_SAR };

static uint32_t szp(uint32_t r, uint32_t sb)
{
    return (r == 0 ? F_ZF : 0) | (r & sb ? F_SF : 0) | (parity8(r) ? F_PF : 0);
}

/* rotate the low w bits of v left by n (0 < n < w <= 33) */
static uint64_t rotl_w(uint64_t v, uint32_t n, uint32_t w)
{
    return ((v << n) | (v >> (w - n))) & (((uint64_t)1 << w) - 1);
}

/* a shifted by n (1..31, and for RCL/RCR already reduced mod width+1);
 * for rotates *flags gets the new CF and OF. */
static uint32_t shift_calc(int kind, int size, uint32_t a, uint32_t n, uint32_t cin, uint32_t *flags)
{
    uint32_t w = (uint32_t)size * 8, m = size_mask(size), msb = a >> (w - 1), r, cf, of;
    switch (kind) {
    case SH_SHL: case SH_SAL:
        return (a << n) & m;
    case SH_SHR:
        return a >> n;
    case SH_SAR: /* shift the sign in without the host's signed >> */
        return ((sext(a, size) >> n) | (msb ? ~(0xffffffffu >> n) : 0)) & m;
    case SH_ROL: /* CF and OF change even when n is a multiple of w */
        r = n % w ? (uint32_t)rotl_w(a, n % w, w) : a;
        cf = r & 1;
        of = msb ^ ((a >> (w - 2)) & 1);
        break;
    case SH_ROR:
        r = n % w ? (uint32_t)rotl_w(a, w - n % w, w) : a;
        cf = r >> (w - 1);
        of = msb ^ (a & 1);
        break;
    default: { /* RCL, RCR: rotate the (w+1)-bit value CF:a */
        uint64_t v = rotl_w((uint64_t)cin << w | a, kind == SH_RCL ? n : w + 1 - n, w + 1);
        r = (uint32_t)v & m;
        cf = (uint32_t)(v >> w) & 1;
        of = kind == SH_RCL ? msb ^ ((a >> (w - 2)) & 1) : msb ^ cin;
        break;
    }
    }
    *flags = (cf ? F_CF : 0) | (of ? F_OF : 0);
    return r;
}

static const E386Op *shift_rm(E386Cpu *cpu, const E386Op *op, uint32_t count)
{
    int size = op->size, kind = op->sub;
    uint32_t lin = 0, flags = 0;
    uint32_t a = rm_get_rmw(cpu, op, size, &lin);
    count &= 0x1f;
    if (kind == SH_RCL || kind == SH_RCR)
        count %= (uint32_t)size * 8 + 1;
    if (count == 0) { /* nothing changes, but the access is still checked */
        if (op->mod != 3)
            lin_check_write(cpu, lin, (uint32_t)size);
        return op + 1;
    }
    uint32_t cin = kind == SH_RCL || kind == SH_RCR ? (uint32_t)cc_carry(cpu) : 0;
    uint32_t r = shift_calc(kind, size, a, count, cin, &flags);
    rm_put_rmw(cpu, op, size, lin, r);
    if (kind >= SH_SHL)
        cc_set(cpu, shift_cc[kind], size, r, a, count);
    else
        cc_write_co(cpu, flags);
    return op + 1;
}

const E386Op *op_shift_E1(E386Cpu *cpu, const E386Op *op) { return shift_rm(cpu, op, 1); }
const E386Op *op_shift_ECL(E386Cpu *cpu, const E386Op *op) { return shift_rm(cpu, op, cpu->r[1] & 0xff); }
const E386Op *op_shift_EI(E386Cpu *cpu, const E386Op *op) { return shift_rm(cpu, op, op->imm); }

/* SHLD/SHRD: shift dst, filling from src.  The pair is laid out in a
 * 64-bit value; the 16-bit forms use the 48-bit pattern dst:src:dst,
 * which is what Intel processors produce for counts above 16 (results
 * the SDM calls undefined).  AF is cleared, as on Intel. */
static const E386Op *double_shift(E386Cpu *cpu, const E386Op *op, int left)
{
    int size = op->size;
    uint32_t w = (uint32_t)size * 8, m = size_mask(size);
    uint32_t count = (op->sub ? cpu->r[1] : op->imm) & 0x1f;
    uint32_t lin = 0;
    uint32_t dst = rm_get_rmw(cpu, op, size, &lin);
    if (count == 0) {
        if (op->mod != 3)
            lin_check_write(cpu, lin, (uint32_t)size);
        return op + 1;
    }
    uint32_t src = reg_get(cpu, op->reg, size), msb = dst >> (w - 1), r, cf, of;
    uint64_t d = dst, s = src, v;
    if (left) { /* left-justified, so the result is the top w bits */
        v = size == 4 ? d << 32 | s : d << 48 | s << 32 | d << 16;
        r = (uint32_t)((v << count) >> (64 - w));
        cf = (uint32_t)(v >> (64 - count)) & 1;
        of = msb ^ ((dst >> (w - 2)) & 1);
    } else {
        v = size == 4 ? s << 32 | d : d << 32 | s << 16 | d;
        r = (uint32_t)(v >> count) & m;
        cf = (uint32_t)(v >> (count - 1)) & 1;
        of = msb ^ (src & 1);
    }
    rm_put_rmw(cpu, op, size, lin, r);
    cc_write(cpu, F_ARITH, szp(r, sign_bit(size)) | (cf ? F_CF : 0) | (of ? F_OF : 0));
    return op + 1;
}

const E386Op *op_shld(E386Cpu *cpu, const E386Op *op) { return double_shift(cpu, op, 1); }
const E386Op *op_shrd(E386Cpu *cpu, const E386Op *op) { return double_shift(cpu, op, 0); }

/* ---- translation-time specialisation ----
 * The 32-bit register forms with an immediate count (the rotates and
 * shifts of hashes and ciphers): count and kind fixed, no operand
 * decisions.  The results and flags are shift_calc's, written out. */

static uint32_t ri_count(const E386Op *op) { return op->imm & 0x1f; }

/* SHL/SHR/SAR r32 by n (a zero count changes nothing) */
E386_INLINE const E386Op *shift_r32(E386Cpu *cpu, const E386Op *op, int kind, uint32_t n)
{
    uint32_t a = cpu->r[op->rm];
    if (n) {
        uint32_t r = kind == SH_SHL ? a << n : kind == SH_SHR ? a >> n
                   : (a >> n) | ((a & 0x80000000u) ? ~(0xffffffffu >> n) : 0);
        cpu->r[op->rm] = r;
        cc_set(cpu, kind == SH_SHL ? CC_SHL : kind == SH_SHR ? CC_SHR : CC_SAR, 4, r, a, n);
    }
    return op + 1;
}

static const E386Op *shl_ri32(E386Cpu *cpu, const E386Op *op) { return shift_r32(cpu, op, SH_SHL, ri_count(op)); }
static const E386Op *shr_ri32(E386Cpu *cpu, const E386Op *op) { return shift_r32(cpu, op, SH_SHR, ri_count(op)); }
static const E386Op *sar_ri32(E386Cpu *cpu, const E386Op *op) { return shift_r32(cpu, op, SH_SAR, ri_count(op)); }

/* ROL/ROR of a by n (1-31): the result, CF and OF in *co */
E386_INLINE uint32_t rot32(uint32_t a, uint32_t n, int left, uint32_t *co)
{
    uint32_t r = left ? (a << n) | (a >> (32 - n)) : (a >> n) | (a << (32 - n));
    uint32_t cf = left ? r & 1 : r >> 31, of = left ? (a >> 31) ^ ((a >> 30) & 1) : (a >> 31) ^ (a & 1);
    *co = (cf ? F_CF : 0) | (of ? F_OF : 0);
    return r;
}

E386_INLINE const E386Op *rot_ri32(E386Cpu *cpu, const E386Op *op, int left)
{
    uint32_t n = ri_count(op), co;
    if (n) {
        cpu->r[op->rm] = rot32(cpu->r[op->rm], n, left, &co);
        cc_write_co(cpu, co);
    }
    return op + 1;
}

static const E386Op *rol_ri32(E386Cpu *cpu, const E386Op *op) { return rot_ri32(cpu, op, 1); }
static const E386Op *ror_ri32(E386Cpu *cpu, const E386Op *op) { return rot_ri32(cpu, op, 0); }

/* Their go-on twins (ops.h), written out: the rare cc_write (the flags
 * already patched or not lazy) out of line, so that the common path has
 * no frame, and no exit-request test after them, as after the pairs'
 * register steps (pair.c): a register op raises none.  They are most of
 * the rotates of hashes (md5's ROL before an LEA and a load, which keep
 * its flags live: 11% of md5sum's interpreted time). */
static E386_NOINLINE const E386Op *rot_co_slow(E386Cpu *cpu, const E386Op *op, uint32_t co)
{
    cc_write(cpu, F_CF | F_OF, co);
    return run_next(cpu, op + 1);
}

E386_INLINE const E386Op *rot_ri32_go(E386Cpu *cpu, const E386Op *op, int left)
{
    uint32_t n = ri_count(op), co, k = cpu->cc_op;
    if (n) {
        cpu->r[op->rm] = rot32(cpu->r[op->rm], n, left, &co);
        if (!cc_co_patchable(k))
            return rot_co_slow(cpu, op, co);
        cpu->cc_pval = co;
        cpu->cc_pmask = F_CF | F_OF;
        cpu->cc_op = k | CC_PATCHED;
    }
    return run_next(cpu, op + 1);
}

static const E386Op *go_rol_ri32(E386Cpu *cpu, const E386Op *op) { return rot_ri32_go(cpu, op, 1); }
static const E386Op *go_ror_ri32(E386Cpu *cpu, const E386Op *op) { return rot_ri32_go(cpu, op, 0); }

/* SHL/SHR/SAR r32, CL (the shifts of bignum and hash code).  A zero
 * count leaves the flags as they were, so these stay FX_ANY for the
 * liveness pass (they may keep the old flags: a reader). */
static const E386Op *shl_rc32(E386Cpu *cpu, const E386Op *op) { return shift_r32(cpu, op, SH_SHL, cpu->r[1] & 0x1f); }
static const E386Op *shr_rc32(E386Cpu *cpu, const E386Op *op) { return shift_r32(cpu, op, SH_SHR, cpu->r[1] & 0x1f); }
static const E386Op *sar_rc32(E386Cpu *cpu, const E386Op *op) { return shift_r32(cpu, op, SH_SAR, cpu->r[1] & 0x1f); }

/* the shifts and rotates for a block that rewrites their flags before
 * anything can read or observe them (FX_DEAD, core/liveness.c): the same
 * result, no flag work */
static const E386Op *rol_ri32_nf(E386Cpu *cpu, const E386Op *op)
{
    uint32_t n = ri_count(op), a = cpu->r[op->rm];
    cpu->r[op->rm] = (a << n) | (a >> ((32 - n) & 31));
    return op + 1;
}

static const E386Op *ror_ri32_nf(E386Cpu *cpu, const E386Op *op)
{
    uint32_t n = ri_count(op), a = cpu->r[op->rm];
    cpu->r[op->rm] = (a >> n) | (a << ((32 - n) & 31));
    return op + 1;
}

static const E386Op *shl_ri32_nf(E386Cpu *cpu, const E386Op *op)
{
    cpu->r[op->rm] <<= ri_count(op);
    return op + 1;
}

static const E386Op *shr_ri32_nf(E386Cpu *cpu, const E386Op *op)
{
    cpu->r[op->rm] >>= ri_count(op);
    return op + 1;
}

static const E386Op *sar_ri32_nf(E386Cpu *cpu, const E386Op *op)
{
    uint32_t n = ri_count(op), a = cpu->r[op->rm];
    cpu->r[op->rm] = (a >> n) | ((a & 0x80000000u) ? ~(0xffffffffu >> n) : 0);
    return op + 1;
}

/* ROL/ROR/SHL/SHR/SAR of a byte or word register by a constant (1..31):
 * shift_rm's steps with the operand, the kind and the size fixed (the
 * byte swap ROL r16, 8 of SQLite's big-endian records, SHR r16/r8 in
 * Python's digit arithmetic: 90 host instructions a run generic) */
E386_INLINE const E386Op *shift_narrow(E386Cpu *cpu, const E386Op *op, int kind, int size)
{
    uint32_t n = ri_count(op), a = reg_get(cpu, op->rm, size), flags = 0;
    uint32_t r = shift_calc(kind, size, a, n, 0, &flags);
    reg_set(cpu, op->rm, size, r);
    if (kind >= SH_SHL)
        cc_set(cpu, shift_cc[kind], size, r, a, n);
    else
        cc_write_co(cpu, flags);
    return op + 1;
}
#define NARROW_KINDS(X) X(rol, SH_ROL) X(ror, SH_ROR) X(shl, SH_SHL) X(shr, SH_SHR) X(sar, SH_SAR)
#define NARROW_HANDLERS(name, kind) \
    static const E386Op *name##_ri8(E386Cpu *cpu, const E386Op *op) { return shift_narrow(cpu, op, kind, 1); } \
    static const E386Op *name##_ri16(E386Cpu *cpu, const E386Op *op) { return shift_narrow(cpu, op, kind, 2); }
NARROW_KINDS(NARROW_HANDLERS)
#define NARROW_ROW(name, kind) [kind] = { name##_ri8, name##_ri16 },
static const OpFn narrow_fn[8][2] = { NARROW_KINDS(NARROW_ROW) [SH_SAL] = { shl_ri8, shl_ri16 } };

/* SHLD/SHRD r32, r32, imm8 (1..31): double_shift's steps for a dword
 * register (the 64-bit halves of Python's and SQLite's integer code) */
E386_INLINE const E386Op *dshift_r32(E386Cpu *cpu, const E386Op *op, int left)
{
    uint32_t n = ri_count(op), d = cpu->r[op->rm], s = cpu->r[op->reg], r, cf, of;
    if (left) {
        r = d << n | s >> (32 - n);
        cf = d >> (32 - n) & 1;
        of = (d >> 31) ^ (d >> 30 & 1);
    } else {
        r = d >> n | s << (32 - n);
        cf = d >> (n - 1) & 1;
        of = (d >> 31) ^ (s & 1);
    }
    cpu->r[op->rm] = r;
    cc_write(cpu, F_ARITH, szp(r, 0x80000000u) | (cf ? F_CF : 0) | (of ? F_OF : 0));
    return op + 1;
}
static const E386Op *shld_ri32(E386Cpu *cpu, const E386Op *op) { return dshift_r32(cpu, op, 1); }
static const E386Op *shrd_ri32(E386Cpu *cpu, const E386Op *op) { return dshift_r32(cpu, op, 0); }

int shift_narrow_reg(const E386Op *op)
{
    OpFn f = op->fn;
    if (f == op_shift_EI || f == op_shift_E1)
        return 1;
    for (int k = 0; k < 8; k++)
        if (narrow_fn[k][0] && (f == narrow_fn[k][0] || f == narrow_fn[k][1]))
            return 1;
    return 0;
}

int shift_ri_kind(OpFn f)
{
    return f == shl_ri32 || f == shl_ri32_nf ? SH_SHL : f == shr_ri32 || f == shr_ri32_nf ? SH_SHR
         : f == rol_ri32_nf ? SH_ROL : f == ror_ri32_nf ? SH_ROR : -1;
}

OpFn shift_without_flags(OpFn f)
{
    return f == rol_ri32 ? rol_ri32_nf : f == ror_ri32 ? ror_ri32_nf : f == shl_ri32 ? shl_ri32_nf
         : f == shr_ri32 ? shr_ri32_nf : f == sar_ri32 ? sar_ri32_nf : NULL;
}

void shift_specialize(E386Op *op)
{
    static const OpFn fast[8] = { rol_ri32, ror_ri32, NULL, NULL, shl_ri32, shr_ri32, shl_ri32, sar_ri32 };
    static const OpFn by_cl[8] = { NULL, NULL, NULL, NULL, shl_rc32, shr_rc32, shl_rc32, sar_rc32 };
    if (op->mod != 3 || op->lock)
        return;
    if ((op->fn == op_shld || op->fn == op_shrd) && op->size == 4 && !op->sub && ri_count(op)) {
        op->fn = op->fn == op_shld ? shld_ri32 : shrd_ri32;
        op->fx = FX_ALL;
        return;
    }
    if ((op->fn == op_shift_EI || op->fn == op_shift_E1) && (op->size == 1 || op->size == 2) && op->sub <= 7 &&
        narrow_fn[op->sub][0] && (op->fn == op_shift_E1 || ri_count(op))) {
        if (op->fn == op_shift_E1)
            op->imm = 1;
        op->fn = narrow_fn[op->sub][op->size == 2];
        op->fx = op->sub <= SH_ROR ? FX_CO : FX_ALL; /* never a zero count */
        return;
    }
    if (op->size != 4 || op->sub > 7)
        return;
    if (op->fn == op_shift_ECL && by_cl[op->sub]) {
        op->fn = by_cl[op->sub];
        return;
    }
    if (op->fn == op_shift_E1 && fast[op->sub])
        op->imm = 1; /* the D1 forms: by one, as the immediate forms */
    else if (op->fn != op_shift_EI || !fast[op->sub])
        return;
    op->fn = fast[op->sub];
    /* a zero count changes nothing; rotates write only CF and OF */
    op->fx = ri_count(op) == 0 ? FX_NONE : op->sub <= SH_ROR ? FX_CO : FX_ALL;
}

/* For the native back end: ROL/ROR r32 by a constant with their flags
 * (rol_ri32, ror_ri32): SH_ROL (0) or SH_ROR (1) and *count; -1 for any
 * other */
int rotate_inline_kind(const E386Op *op, uint32_t *count)
{
    *count = ri_count(op);
    return op->fn == rol_ri32 ? SH_ROL : op->fn == ror_ri32 ? SH_ROR : -1;
}

/* For the native back end: the shift by a constant the handler of op is
 * (shl_ri32 and the others, the flagless rotates, the generic register
 * forms of SHL/SHR/SAR r32), *count its count; -1 for any other */
int shift_inline_kind(const E386Op *op, uint32_t *count)
{
    OpFn f = op->fn;
    *count = ri_count(op);
    if (f == shl_ri32 || f == shr_ri32 || f == sar_ri32)
        return f == shl_ri32 ? SH_SHL : f == shr_ri32 ? SH_SHR : SH_SAR;
    if (f == shl_ri32_nf || f == shr_ri32_nf || f == sar_ri32_nf) /* FX_DEAD: no flag */
        return f == shl_ri32_nf ? SH_SHL : f == shr_ri32_nf ? SH_SHR : SH_SAR;
    if (f == rol_ri32_nf || f == ror_ri32_nf)
        return f == rol_ri32_nf ? SH_ROL : SH_ROR;
    if ((f == op_shift_EI || f == op_shift_E1) && op->mod == 3 && op->size == 4 && !op->lock &&
        (op->sub == SH_SHL || op->sub == SH_SHR || op->sub == SH_SAL || op->sub == SH_SAR)) {
        if (f == op_shift_E1)
            *count = 1;
        return op->sub == SH_SAL ? SH_SHL : op->sub;
    }
    return -1;
}

/* go-on twins (ops.h) */
#define SHIFT_GO(X) \
    X(op_shift_E1, 1) X(op_shift_ECL, 1) X(op_shift_EI, 1) X(op_shld, 1) X(op_shrd, 1) \
    X(shl_ri32, 1) X(shr_ri32, 1) X(sar_ri32, 1) \
    X(shl_rc32, 1) X(shr_rc32, 1) X(sar_rc32, 1) \
    X(shl_ri32_nf, 1) X(shr_ri32_nf, 1) X(sar_ri32_nf, 1) X(rol_ri32_nf, 1) X(ror_ri32_nf, 1) \
    X(rol_ri8, 1) X(ror_ri8, 1) X(shl_ri8, 1) X(shr_ri8, 1) X(sar_ri8, 1) \
    X(rol_ri16, 1) X(ror_ri16, 1) X(shl_ri16, 1) X(shr_ri16, 1) X(sar_ri16, 1) X(shld_ri32, 1) X(shrd_ri32, 1)
SHIFT_GO(GO_TWIN)

const GoTwin *shift_go_twins(size_t *n)
{
    static const GoTwin t[] = { SHIFT_GO(GO_ROW) { rol_ri32, go_rol_ri32 }, { ror_ri32, go_ror_ri32 } };
    *n = sizeof t / sizeof t[0];
    return t;
}
