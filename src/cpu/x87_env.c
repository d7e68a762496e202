/* x87 environment: the FSTENV/FSAVE images (full tag word, 32- and 16-bit
 * layouts), FLDENV/FRSTOR, FNINIT's state and the signal-frame image. */
#include "cpu/x87.h"

void fpu_reset(Fpu *f)
{
    memset(f, 0, sizeof *f);
    f->cw = 0x037f;
    f->tw = 0xffff;
}

static uint16_t full_tag_word(const Fpu *f)
{
    uint16_t tw = 0;
    for (int p = 0; p < 8; p++) {
        int t = tag_of(f, p) == TAG_EMPTY ? TAG_EMPTY : classify_tag(f->st[p]);
        tw |= (uint16_t)(t << (2 * p));
    }
    return tw;
}

/* The environment in the 32-bit protected-mode layout; reserved upper
 * halves are stored as ones.  The 16-bit layout keeps the low halves. */
static void env_words(const Fpu *f, uint32_t v[7])
{
    v[0] = 0xffff0000u | f->cw;
    v[1] = 0xffff0000u | f->sw;
    v[2] = 0xffff0000u | full_tag_word(f);
    v[3] = f->fip;
    v[4] = f->fcs | (uint32_t)(f->fop & 0x7ff) << 16;
    v[5] = f->fdp;
    v[6] = 0xffff0000u | f->fds;
}

/* After a load of the tag word: only "empty" counts, the other tags are
 * recomputed from the register contents. */
static void retag(Fpu *f)
{
    for (int p = 0; p < 8; p++)
        if (tag_of(f, p) != TAG_EMPTY)
            f->tw = (uint16_t)((f->tw & ~(3 << (2 * p))) | (classify_tag(f->st[p]) << (2 * p)));
}

void x87_store_env(E386Cpu *cpu, uint32_t lin, int size32)
{
    uint32_t v[7];
    env_words(&cpu->fpu, v);
    if (size32) {
        lin_check_write(cpu, lin, 28);
        for (int i = 0; i < 7; i++)
            lin_write(cpu, lin + 4 * (uint32_t)i, 4, v[i]);
    } else {
        lin_check_write(cpu, lin, 14);
        for (int i = 0; i < 7; i++)
            lin_write(cpu, lin + 2 * (uint32_t)i, 2, v[i]);
    }
}

void x87_load_env(E386Cpu *cpu, uint32_t lin, int size32)
{
    Fpu *f = &cpu->fpu;
    uint32_t v[7];
    for (int i = 0; i < 7; i++)
        v[i] = size32 ? lin_read(cpu, lin + 4 * (uint32_t)i, 4) : lin_read(cpu, lin + 2 * (uint32_t)i, 2);
    f->cw = cw_value(v[0]);
    f->sw = (uint16_t)v[1];
    f->tw = (uint16_t)v[2];
    retag(f);
    f->fip = v[3];
    f->fcs = (uint16_t)v[4];
    f->fop = (uint16_t)((v[4] >> 16) & 0x7ff);
    f->fdp = v[5];
    f->fds = (uint16_t)v[6];
    fpu_except(f, 0);
    if (!(f->sw & ~f->cw & 0x3f))
        f->sw &= (uint16_t)~(SW_ES | SW_B);
}

void x87_fsave(E386Cpu *cpu, uint32_t lin, int size32)
{
    uint32_t envsz = size32 ? 28 : 14;
    lin_check_write(cpu, lin, envsz + 80);
    x87_store_env(cpu, lin, size32);
    for (int i = 0; i < 8; i++)
        write80(cpu, lin + envsz + 10 * (uint32_t)i, cpu->fpu.st[phys(&cpu->fpu, i)]);
    fpu_reset(&cpu->fpu);
}

void x87_frstor(E386Cpu *cpu, uint32_t lin, int size32)
{
    uint32_t envsz = size32 ? 28 : 14;
    F80 regs[8];
    for (int i = 0; i < 8; i++)
        regs[i] = read80(cpu, lin + envsz + 10 * (uint32_t)i);
    x87_load_env(cpu, lin, size32);
    for (int i = 0; i < 8; i++)
        cpu->fpu.st[phys(&cpu->fpu, i)] = regs[i];
    x87_load_env(cpu, lin, size32); /* recompute tags from the new contents */
}

void e386_fpu_save(E386Cpu *cpu, uint8_t out[108])
{
    Fpu *f = &cpu->fpu;
    uint32_t v[7];
    env_words(f, v);
    for (int i = 0; i < 7; i++)
        st_le(out + 4 * i, 4, v[i]);
    for (int i = 0; i < 8; i++) {
        F80 r = f->st[phys(f, i)];
        st_le(out + 28 + 10 * i, 4, (uint32_t)r.mant);
        st_le(out + 32 + 10 * i, 4, (uint32_t)(r.mant >> 32));
        st_le(out + 36 + 10 * i, 2, r.sexp);
    }
}

/* sigreturn's restore follows FRSTOR's rules: the control word's fixed
 * bits, tags recomputed, ES and B from what is pending and unmasked. */
void e386_fpu_restore(E386Cpu *cpu, const uint8_t in[108])
{
    Fpu *f = &cpu->fpu;
    f->cw = cw_value(ld_le(in, 2));
    f->sw = (uint16_t)ld_le(in + 4, 2);
    f->tw = (uint16_t)ld_le(in + 8, 2);
    f->fip = ld_le(in + 12, 4);
    f->fcs = (uint16_t)ld_le(in + 16, 2);
    f->fop = (uint16_t)(ld_le(in + 18, 2) & 0x7ff);
    f->fdp = ld_le(in + 20, 4);
    f->fds = (uint16_t)ld_le(in + 24, 2);
    for (int i = 0; i < 8; i++) {
        F80 r;
        r.mant = ld_le(in + 28 + 10 * i, 4) | (uint64_t)ld_le(in + 32 + 10 * i, 4) << 32;
        r.sexp = (uint16_t)ld_le(in + 36 + 10 * i, 2);
        f->st[phys(f, i)] = r;
    }
    retag(f);
    f->sw &= (uint16_t)~(SW_ES | SW_B);
    fpu_except(f, 0);
}
