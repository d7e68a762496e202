/* ALU + Jcc at a block end (src/cpu/fuse.c's fuse_alu_branch, the
 * interpreter only) and a paired kind before another op (pair.c's
 * then_*) against the same instructions one at a time.  Three CPUs of
 * twin_cpus.h, all running the interpreter: blocks (fused), a debugger
 * hook (one instruction per block: nothing fused), the page map (every
 * memory fast path declines: the generic handlers).  The code is a chain
 * of blocks, each a few simple ops (loads, stores, register moves, ADD
 * r, imm, LEA: the paired kinds, INC r32 between them, and SHL r32, imm
 * and IMUL r32, r32, whose carry a fused INC/DEC takes through cc_carry),
 * then one of
 * the fused ALU forms -- ADD/OR/AND/SUB/XOR r32 with r32 (both
 * encodings), imm8, imm32 or EAX, imm32; INC/DEC r32; INC/DEC dword
 * [esp + disp8]; ADD/SUB dword [esp + disp8], imm8; TEST r32, imm32,
 * EAX, imm32, AL, imm8, byte or dword [esp + disp8], imm; CMP r8, imm8,
 * AL, imm8 -- or a form that is not fused (a memory operand with an
 * index, ADC), then a Jcc of any condition over one instruction; INT3 at
 * the end.  ESP lies anywhere in the stack page (near its low end,
 * where negative displacements fault; near its top, where the accesses
 * reach the code) or inside the writable code page, where the stores and
 * read-modify-writes rewrite instructions of the running block (an exit
 * request from the store).  Exit, vector, error code, fault address and
 * EIP, the instruction count, the registers, EFLAGS, the stack page and
 * the code page must come out identical. */
#include "unit_main.h"
#include "twin_cpus.h"
#include "core/decode.h"
#include "core/ops.h"

enum { STACK = 0x20000, CODE = 0x21000, PROGS = 3000, STATES = 8 };

static E386Cpu *new_cpu(int k)
{
    E386Cpu *cpu = twin_cpu(k);
    ck_assert_int_eq(e386_set_accel(cpu, E386_ACCEL_INTERP), E386_ACCEL_INTERP);
    ck_assert_int_eq(e386_mem_map(cpu, STACK, 0x1000, E386_PROT_READ | E386_PROT_WRITE), 0);
    ck_assert_int_eq(e386_mem_map(cpu, CODE, 0x1000, E386_PROT_READ | E386_PROT_WRITE | E386_PROT_EXEC), 0);
    return cpu;
}

/* a register other than ESP */
static int any_reg(uint32_t r) { int g = (int)(r & 7); return g == 4 ? 5 : g; }

/* ModRM (+ SIB) + disp8 for [esp + d] (idx < 0) or [esp + idx + d], reg field reg */
static int mem_operand(uint8_t *c, int n, int reg, int idx, uint8_t d)
{
    c[n++] = (uint8_t)(0x44 | reg << 3);
    c[n++] = (uint8_t)(idx < 0 ? 0x24 : (idx << 3 | 4));
    c[n++] = d;
    return n;
}

static int imm32(uint8_t *c, int n, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        c[n++] = (uint8_t)(v >> (8 * i));
    return n;
}

/* a few ops of the paired kinds (and INC r32) */
static int fill(uint8_t *c, int n, uint32_t *s)
{
    int count = (int)(twin_rng(s) % 4);
    for (int i = 0; i < count; i++) {
        uint32_t r = twin_rng(s);
        int g = any_reg(r >> 8), h = (int)(r >> 12 & 7);
        uint8_t d = (uint8_t)(r >> 16 & 0x3c) | (r >> 30 ? 0 : 0xc0);
        switch (r % 8) {
        case 0: c[n++] = 0x8b, n = mem_operand(c, n, g, -1, d); break;               /* mov g, [m] */
        case 1: c[n++] = 0x89, n = mem_operand(c, n, h, -1, d); break;               /* mov [m], h */
        case 2: c[n++] = 0x89, c[n++] = (uint8_t)(0xc0 | h << 3 | g); break;          /* mov g, h */
        case 3: c[n++] = 0x83, c[n++] = (uint8_t)(0xc0 | g), c[n++] = (uint8_t)(r >> 24); break; /* add */
        case 4: c[n++] = 0x8d, n = mem_operand(c, n, g, -1, d); break;               /* lea g, [m] */
        /* flags whose CF the fused INC/DEC's carry-in reads through cc_carry */
        case 5: c[n++] = 0xc1, c[n++] = (uint8_t)(0xe0 | g), c[n++] = (uint8_t)(r >> 24 | 1); break; /* shl g, n */
        case 6: c[n++] = 0x0f, c[n++] = 0xaf, c[n++] = (uint8_t)(0xc0 | g << 3 | h); break; /* imul g, h */
        default: c[n++] = (uint8_t)(0x40 | g); break;                                /* inc g */
        }
    }
    return n;
}

/* the flag-setting op before the Jcc */
static int alu_op(uint8_t *c, int n, uint32_t *s)
{
    static const uint8_t ops[5] = { 0, 1, 4, 5, 6 }; /* ADD OR AND SUB XOR */
    uint32_t r = twin_rng(s), r2 = twin_rng(s);
    int g = any_reg(r >> 8), h = (int)(r >> 12 & 7), o = ops[(r >> 16) % 5], idx = any_reg(r >> 20);
    uint8_t d = (uint8_t)(r2 >> 8 & 0x3f) | (r2 >> 30 ? 0 : 0xc0); /* negative now and then */
    /* small operands now and then: zero, sign and overflow results */
    uint32_t v = r2 % 3 ? r2 : (r2 >> 24) % 2 ? 0x7fffffffu + (r2 >> 30) : (r2 >> 28) - 8;
    switch (r % 19) {
    case 0: c[n++] = (uint8_t)(o << 3 | 1), c[n++] = (uint8_t)(0xc0 | h << 3 | g); break;    /* op g, h */
    case 1: c[n++] = (uint8_t)(o << 3 | 3), c[n++] = (uint8_t)(0xc0 | g << 3 | h); break;    /* op g, h */
    case 2: c[n++] = 0x83, c[n++] = (uint8_t)(0xc0 | o << 3 | g), c[n++] = (uint8_t)v; break; /* op g, imm8 */
    case 3: c[n++] = 0x81, c[n++] = (uint8_t)(0xc0 | o << 3 | g), n = imm32(c, n, v); break;
    case 4: c[n++] = (uint8_t)(o << 3 | 5), n = imm32(c, n, v); break;                       /* op eax, imm32 */
    case 5: c[n++] = (uint8_t)(0x40 | (r2 >> 24 & 8) | g); break;                            /* inc/dec g */
    case 6: c[n++] = 0xff, n = mem_operand(c, n, (int)(r2 >> 24 & 1), -1, d); break;         /* inc/dec [m] */
    case 7: c[n++] = 0x83, n = mem_operand(c, n, (r2 >> 24) % 2 ? 5 : 0, -1, d), c[n++] = (uint8_t)v; break;
    case 8: c[n++] = 0xf7, c[n++] = (uint8_t)(0xc0 | g), n = imm32(c, n, v); break;          /* test g, imm32 */
    case 9: c[n++] = 0xa9, n = imm32(c, n, v); break;                                        /* test eax, imm32 */
    case 10: c[n++] = 0xa8, c[n++] = (uint8_t)v; break;                                      /* test al, imm8 */
    case 11: c[n++] = 0xf6, n = mem_operand(c, n, 0, -1, d), c[n++] = (uint8_t)v; break;     /* test byte [m] */
    case 12: c[n++] = 0xf7, n = mem_operand(c, n, 0, -1, d), n = imm32(c, n, v); break;      /* test dword [m] */
    case 13: c[n++] = 0x80, c[n++] = (uint8_t)(0xf8 | h), c[n++] = (uint8_t)v; break;        /* cmp r8, imm8 */
    case 14: c[n++] = 0x3c, c[n++] = (uint8_t)v; break;                                      /* cmp al, imm8 */
    case 15: /* not fused: [esp + idx + d], the index made small first */
        c[n++] = 0x83, c[n++] = (uint8_t)(0xe0 | idx), c[n++] = 0x3c;
        c[n++] = 0xff, n = mem_operand(c, n, (int)(r2 >> 24 & 1), idx, d);
        break;
    case 16: c[n++] = 0x83, c[n++] = (uint8_t)(0xd0 | g), c[n++] = (uint8_t)v; break;        /* adc g, imm8 */
    case 17: c[n++] = 0x39, c[n++] = (uint8_t)(0xc0 | h << 3 | g); break;                    /* cmp g, h */
    default: break;                                                                          /* the flags as they are */
    }
    return n;
}

static int make_code(uint8_t *c, uint32_t *s)
{
    int n = 0, blocks = 1 + (int)(twin_rng(s) % 6);
    for (int b = 0; b < blocks; b++) {
        n = fill(c, n, s);
        n = alu_op(c, n, s);
        uint32_t r = twin_rng(s);
        c[n++] = (uint8_t)(0x70 | (r & 15)), c[n++] = 1; /* jcc over: */
        c[n++] = (uint8_t)(0x40 | any_reg(r >> 8));     /* inc r32 */
    }
    c[n++] = 0xcc;
    return n;
}

static uint32_t random_esp(uint32_t *s)
{
    uint32_t r = twin_rng(s);
    switch (r % 10) {
    case 0: case 3: return STACK + (r >> 8 & 0x7f);
    case 1: return STACK + 0x1000 - (r >> 8 & 0x7f);
    case 2: return CODE + (r >> 8 & 0x7f);
    default: return STACK + 0x100 + (r >> 8 & 0xdff);
    }
}

static void set_state(E386Cpu *const *cpus, int n, uint32_t *s, const uint8_t *code, int len)
{
    uint32_t regs[8];
    static uint8_t page[0x1000];
    static const uint32_t edge[5] = { 0, 1, 0xffffffffu, 0x80000000u, 0x7fffffffu };
    for (int i = 0; i < 8; i++) /* the edges of carry, sign and overflow now and then */
        regs[i] = twin_rng(s) % 4 ? twin_rng(s) : edge[twin_rng(s) % 5];
    regs[4] = random_esp(s);
    for (int i = 0; i < 0x1000; i++)
        page[i] = (uint8_t)(twin_rng(s) % 5 ? twin_rng(s) : (i & 3) == 3 ? 0x80 : 0);
    twin_load(cpus, n, regs, CODE, twin_rng(s) & F_ARITH, STACK, page);
    static uint8_t text[0x1000]; /* the code, INT3 after it */
    memset(text, 0xcc, sizeof text);
    memcpy(text, code, (size_t)len);
    for (int k = 0; k < n; k++) /* the last run may have rewritten it (and after it) */
        if (e386_mem_write(cpus[k], CODE, text, sizeof text))
            ck_abort_msg("e386_mem_write");
}

START_TEST(test_alu_jcc_equal_per_instruction)
{
    E386Cpu *cpus[3] = { new_cpu(0), new_cpu(1), new_cpu(2) };
    uint32_t s = 0x5eed1234u;
    TwinCount t = { 0, 0, 0, 0 };
    int code_bad = 0;
    for (int p = 0; p < PROGS; p++) {
        uint8_t code[512];
        int len = make_code(code, &s);
        for (int st = 0; st < STATES; st++) {
            set_state(cpus, 3, &s, code, len);
            twin_run_code(cpus, STACK, CODE, "alu jcc run", p, st, &t, &code_bad, 100000);
        }
    }
    printf("alu_jcc_run: %d runs, %d ending in a fault, %d differences, %d code pages differ, %d at the budget\n",
           t.cases, t.faults, t.bad, code_bad, t.looped);
    fflush(stdout);
    for (int k = 0; k < 3; k++)
        e386_cpu_free(cpus[k]);
    ck_assert_int_gt(t.faults, t.cases / 50);
    ck_assert_int_eq(t.bad, 0);
    ck_assert_int_eq(code_bad, 0);
}
END_TEST

/* The translator's passes in its order (core/exec.c translate: flag
 * liveness first, then the fusions) on DEC/INC ECX; JNZ back: the INC/DEC
 * r32 handlers the decoder picks (inc_r32, dec_r32) and those the
 * liveness pass may turn them into must still fuse with the Jcc.  After
 * the liveness merge they did not: the pass looked for op_dec_R only. */
START_TEST(test_incdec_r32_jcc_still_fused_after_liveness)
{
    static const uint8_t code[2][3] = { { 0x49, 0x75, 0xfd }, { 0x41, 0x75, 0xfd } }; /* dec/inc ecx; jnz $-1 */
    for (int k = 0; k < 2; k++) {
        E386Cpu *cpu = new_cpu(0);
        ck_assert_int_eq(e386_mem_write(cpu, CODE, code[k], sizeof code[k]), 0);
        E386Op ops[2];
        const OpInfo *info;
        unsigned dec;
        DecodeFault f;
        ck_assert_int_eq(decode_insn(cpu, CODE, 1, &ops[0], &info, &dec, &f), DEC_OK);
        ck_assert_int_eq(decode_insn(cpu, CODE + 1, 1, &ops[1], &info, &dec, &f), DEC_OK);
        OpFn incdec = ops[0].fn;
        flag_liveness(ops, 2);
        fuse_compare_branch(ops, 2); /* the Jcc gets its fixed-condition handler */
        OpFn jnz = ops[1].fn;
        fuse_alu_branch(ops, 2);
        ck_assert_msg(ops[0].fn != incdec, "%s ecx; jnz not fused", k ? "inc" : "dec");
        ck_assert_ptr_eq((void *)ops[1].fn, (void *)jnz); /* the Jcc's op stays */
        e386_cpu_free(cpu);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("alu_jcc_run");
    TCase *tc = tcase_create("alu_jcc_run");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_alu_jcc_equal_per_instruction);
    tcase_add_test(tc, test_incdec_r32_jcc_still_fused_after_liveness);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
