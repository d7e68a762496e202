/* The specialised shift handlers (src/cpu/shift.c shift_specialize)
 * against the generic ones they replace.  Random register shifts --
 * ROL ROR RCL RCR SHL SHR SAL SAR by 1, by an immediate and by CL, of a
 * byte, word or dword register, and SHLD/SHRD of dwords and words by an
 * immediate and by CL -- are decoded once and run from random registers
 * and flags twice: through the handler the decoder chose and through the
 * generic handler the decoding table names.  Registers and EFLAGS'
 * arithmetic flags must come out identical.  Counts are drawn so that
 * 0, 1, the width and the values around it all occur. */
#include <check.h>
#include "unit_main.h"
#include <stdio.h>
#include <string.h>
#include "core/cpu.h"
#include "core/decode.h"
#include "core/ops.h"
#include "e386.h"
#include "twin_cpus.h" /* twin_rng */

enum { CODE = 0x10000, CASES = 40000 };

static E386Cpu *new_cpu(void)
{
    E386Cpu *cpu = e386_cpu_new();
    ck_assert_ptr_nonnull(cpu);
    ck_assert_int_eq(e386_mem_map(cpu, CODE, 0x1000, E386_PROT_READ | E386_PROT_EXEC), 0);
    return cpu;
}

/* a count that hits the edges: 0, 1, 7-9, 15-17, 31-33, or anything */
static uint8_t draw_count(uint32_t r)
{
    static const uint8_t edge[] = { 0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 255 };
    return r & 1 ? edge[(r >> 1) % sizeof edge] : (uint8_t)(r >> 8);
}

/* One random register shift into c; its length */
static int make_insn(uint8_t *c, uint32_t *s, uint8_t *cl)
{
    uint32_t r = twin_rng(s);
    int n = 0, width = (int)(r & 3) % 3, kind = (int)(r >> 2 & 7), rm = (int)(r >> 5 & 7), reg = (int)(r >> 8 & 7);
    int form = (int)(r >> 11 & 7) % 5; /* 0: by 1, 1: imm, 2: CL, 3: SHxD imm, 4: SHxD CL */
    uint8_t count = draw_count(twin_rng(s));
    *cl = draw_count(twin_rng(s));
    if (form >= 3 && width == 0)
        width = 2; /* no byte SHLD */
    if (width == 1)
        c[n++] = 0x66;
    int w = width != 0;
    if (form >= 3) {
        c[n++] = 0x0f;
        c[n++] = (uint8_t)((kind & 1 ? 0xac : 0xa4) | (form == 4));
        c[n++] = (uint8_t)(0xc0 | reg << 3 | rm);
        if (form == 3)
            c[n++] = count;
        return n;
    }
    c[n++] = (uint8_t)((form == 0 ? 0xd0 : form == 1 ? 0xc0 : 0xd2) | w);
    c[n++] = (uint8_t)(0xc0 | kind << 3 | rm);
    if (form == 1)
        c[n++] = count;
    return n;
}

static void load(E386Cpu *cpu, const uint32_t regs[8], uint32_t flags)
{
    for (int i = 0; i < 8; i++)
        e386_reg_write(cpu, E386_EAX + i, regs[i]);
    e386_reg_write(cpu, E386_EIP, CODE);
    cc_write(cpu, F_ARITH, flags & F_ARITH);
}

static int same(E386Cpu *a, E386Cpu *b)
{
    for (int i = 0; i < 8; i++)
        if (e386_reg_read(a, E386_EAX + i) != e386_reg_read(b, E386_EAX + i))
            return 0;
    return (get_eflags(a) & F_ARITH) == (get_eflags(b) & F_ARITH);
}

START_TEST(test_specialised_shifts_equal_generic)
{
    E386Cpu *cpus[2] = { new_cpu(), new_cpu() }; /* 0: the chosen handler, 1: generic */
    uint32_t s = 0x5a1f7c0du;
    int special = 0, bad = 0;
    for (int k = 0; k < CASES; k++) {
        uint32_t regs[8];
        for (int i = 0; i < 8; i++)
            regs[i] = twin_rng(&s);
        uint8_t insn[16], cl;
        int len = make_insn(insn, &s, &cl);
        regs[1] = (regs[1] & ~0xffu) | cl;
        uint32_t flags = twin_rng(&s);
        E386Op op;
        const OpInfo *info;
        unsigned dec;
        DecodeFault fault;
        memset(&op, 0, sizeof op);
        for (int c = 0; c < 2; c++) {
            load(cpus[c], regs, flags);
            if (e386_mem_write(cpus[c], CODE, insn, (size_t)len))
                ck_abort_msg("e386_mem_write");
        }
        if (decode_insn(cpus[0], CODE, 1, &op, &info, &dec, &fault) != DEC_OK)
            ck_abort_msg("case %d: the instruction does not decode", k);
        const E386Op *n0 = op.fn(cpus[0], &op), *n1 = info->fn(cpus[1], &op);
        special += op.fn != info->fn;
        if ((n0 != n1 || !same(cpus[0], cpus[1])) && bad++ < 5) {
            printf("case %d:", k);
            for (int i = 0; i < len; i++)
                printf(" %02x", insn[i]);
            printf(" (CL %02x): the specialised handler and the generic one differ\n", cl);
        }
    }
    printf("shift_spec: %d cases, %d through a specialised handler\n", CASES, special);
    fflush(stdout);
    for (int c = 0; c < 2; c++)
        e386_cpu_free(cpus[c]);
    ck_assert_int_eq(bad, 0);
    ck_assert_int_gt(special, CASES / 4); /* the decoder specialises most of them */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("shift_spec");
    TCase *t = tcase_create("core");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, test_specialised_shifts_equal_generic);
    suite_add_tcase(s, t);
    return run_suite(s);
}
