/* The specialised x87 handlers (src/cpu/x87_spec.c) against the generic
 * escape handler they replace: every D8-DF form the decoder specialises
 * (found by decoding all of them) runs on random whole states -- control
 * words with every RC and PC and some exceptions unmasked, empty, normal,
 * denormal, special and unsupported registers, random memory operands --
 * once through its specialised handler and once through op_fpu_esc on a
 * twin CPU; the FPU state (registers, tags, status, the last-instruction
 * pointers), the memory operand and EFLAGS must come out identical.  The
 * memory operand lies inside a page, or every other case across two (the
 * handlers' reference steps: a fast path declines it). */
#include <check.h>
#include "unit_main.h"
#include <string.h>
#include "core/cpu.h"
#include "core/decode.h"
#include "core/ops.h"
#include "e386.h"
#include "sf_testops.h"
#include "x87_twin.h"

enum { CODE = 0x10000, DATA = 0x20000, OPND = DATA + 0x100, OPND_CROSS = DATA + 0xffc };

static E386Cpu *new_cpu(const uint8_t *insn, int len)
{
    E386Cpu *cpu = e386_cpu_new();
    ck_assert_ptr_nonnull(cpu);
    ck_assert_int_eq(e386_mem_map(cpu, CODE, 0x1000, E386_PROT_READ | E386_PROT_EXEC), 0);
    ck_assert_int_eq(e386_mem_map(cpu, DATA, 0x2000, E386_PROT_READ | E386_PROT_WRITE), 0);
    ck_assert_int_eq(e386_mem_write(cpu, CODE, insn, (size_t)len), 0);
    e386_reg_write(cpu, E386_EIP, CODE);
    e386_reg_write(cpu, E386_EAX, OPND);
    return cpu;
}

static F80 random_reg(SftRng *rng)
{
    uint32_t r = sft_rnd(rng);
    if (r % 5 == 0)
        return sft_edge((int)(r >> 8) % SFT_NEDGE); /* specials, denormals, unsupported */
    F80 v = sft_random(rng, 0x3fff - 80, 160);
    if (r % 5 == 1) /* a double: the values compiled code keeps */
        v.mant &= ~0x7ffull;
    return v;
}

/* one random state, the same in both CPUs */
static void set_state(E386Cpu *a, E386Cpu *b, SftRng *rng, uint32_t at)
{
    Fpu f;
    memset(&f, 0, sizeof f);
    uint32_t r = sft_rnd(rng);
    static const uint16_t pcs[4] = { 0, 2, 3, 3 };
    uint16_t masks = (r & 3) ? 0x3f : (uint16_t)(sft_rnd(rng) & 0x3f);
    f.cw = (uint16_t)(0x40 | (r >> 2 & 3) << 10 | pcs[r >> 4 & 3] << 8 | masks);
    if (r >> 6 & 1)
        f.cw = 0x37f; /* Linux's default: the handlers' instances for it */
    f.sw = (uint16_t)((sft_rnd(rng) & 0x4700) | (sft_rnd(rng) & 7) << 11 | (sft_rnd(rng) & masks));
    if ((sft_rnd(rng) >> 16) % 16 == 0) /* a flag pending unmasked without ES: the state API can set that */
        f.sw |= (uint16_t)(~f.cw & 0x3f & -(~f.cw & 0x3f));
    for (int i = 0; i < 8; i++) {
        f.st[i] = random_reg(rng);
        int tag = (sft_rnd(rng) % 5 == 0) ? 3 : x87_tag_of(f.st[i]);
        f.tw |= (uint16_t)(tag << (2 * i));
    }
    uint8_t mem[16];
    for (int i = 0; i < 16; i++)
        mem[i] = (uint8_t)sft_rnd(rng);
    switch (sft_rnd(rng) & 3) { /* a double, a single or an m80 with meaning */
    case 0: {
        uint64_t d = sft_random_ieee(rng, 52, 11);
        for (int i = 0; i < 8; i++) mem[i] = (uint8_t)(d >> 8 * i);
        break;
    }
    case 1: {
        uint64_t s = sft_random_ieee(rng, 23, 8);
        for (int i = 0; i < 4; i++) mem[i] = (uint8_t)(s >> 8 * i);
        break;
    }
    case 2: {
        F80 v = random_reg(rng);
        for (int i = 0; i < 8; i++) mem[i] = (uint8_t)(v.mant >> 8 * i);
        mem[8] = (uint8_t)v.sexp;
        mem[9] = (uint8_t)(v.sexp >> 8);
        break;
    }
    default: break;
    }
    E386Cpu *cpus[2] = { a, b };
    for (int k = 0; k < 2; k++) {
        cpus[k]->fpu = f;
        e386_reg_write(cpus[k], E386_EAX, at);
        if (e386_mem_write(cpus[k], at, mem, sizeof mem)) /* no ck_assert per case: it is slow */
            ck_abort_msg("e386_mem_write");
        cc_write(cpus[k], F_ARITH, 0);
    }
}

static int same_state(E386Cpu *a, E386Cpu *b, uint32_t at)
{
    if (!fpu_equal(&a->fpu, &b->fpu))
        return 0;
    uint8_t ma[16], mb[16];
    if (e386_mem_read(a, at, ma, sizeof ma) || e386_mem_read(b, at, mb, sizeof mb))
        return 0;
    return !memcmp(ma, mb, sizeof ma) && (get_eflags(a) & F_ARITH) == (get_eflags(b) & F_ARITH);
}

START_TEST(test_specialised_equals_generic)
{
    int forms = 0, bad = 0;
    SftRng rng = { 2026u };
    for (int esc = 0; esc < 8; esc++)
        for (int modrm = 0; modrm < 256; modrm++) {
            if ((modrm >> 6) != 3 && (modrm & 0xc7) != 0)
                continue; /* the memory forms once each, as [eax] */
            uint8_t insn[2] = { (uint8_t)(0xd8 + esc), (uint8_t)modrm };
            E386Cpu *a = new_cpu(insn, 2), *b = new_cpu(insn, 2);
            E386Op op;
            const OpInfo *info;
            unsigned dec;
            DecodeFault fault;
            memset(&op, 0, sizeof op);
            if (decode_insn(a, CODE, 1, &op, &info, &dec, &fault) != DEC_OK || op.fn == op_fpu_esc) {
                e386_cpu_free(a);
                e386_cpu_free(b);
                continue;
            }
            forms++;
            for (int k = 0; k < 3000; k++) {
                uint32_t at = (k & 1) ? OPND_CROSS : OPND;
                set_state(a, b, &rng, at);
                const E386Op *na = op.fn(a, &op), *nb = op_fpu_esc(b, &op);
                if ((na != nb || !same_state(a, b, at)) && bad++ < 5)
                    printf("x87 %02x %02x: specialised and generic differ (case %d)\n", insn[0], insn[1], k);
            }
            e386_cpu_free(a);
            e386_cpu_free(b);
        }
    printf("x87_spec: %d specialised forms, 3000 states each\n", forms);
    ck_assert_int_ge(forms, 9 + 6 * 2 + 6 * 8 * 3 + 8 * 4 + 4 + 8 * 4); /* what x87_pick chooses */
    ck_assert_int_eq(bad, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("x87_spec");
    TCase *t = tcase_create("core");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, test_specialised_equals_generic);
    suite_add_tcase(s, t);
    return run_suite(s);
}
