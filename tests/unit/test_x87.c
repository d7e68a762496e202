/* The x87 instruction layer through the public API: a state is set with
 * e386_fpu_restore (FSAVE image), a few instructions run, the state is
 * read back with e386_fpu_save.  Regression checks for bugs first found
 * with tests/cpu-i386/t_fpu_*.c against a real CPU (the expected values
 * are those the AMD EPYC gave there); these run on every host. */
#include <check.h>
#include "unit_main.h"
#include <stdio.h>
#include <string.h>
#include "e386.h"

enum { CODE = 0x10000, DATA = 0x20000 };

typedef struct { uint64_t m; uint16_t e; } X;

static const X snan = { 0xa000000000000000ull, 0x7fff }, qnan = { 0xc000000000000001ull, 0x7fff };
static const X one = { 0x8000000000000000ull, 0x3fff }, maxv = { 0xffffffffffffffffull, 0x7ffe };

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static void put_x(uint8_t *p, X x)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(x.m >> (8 * i));
    put16(p + 8, x.e);
}

static X get_x(const uint8_t *p)
{
    X x = { 0, get16(p + 8) };
    for (int i = 0; i < 8; i++)
        x.m |= (uint64_t)p[i] << (8 * i);
    return x;
}

/* Run code (ending in INT3) on an FPU with control word cw, TOP 0 and
 * ST(0)..ST(n-1) = regs; *img gets the FSAVE image after it.  Returns the
 * exit reason. */
static int run_fpu(const uint8_t *code, size_t len, uint16_t cw, int n, const X *regs, uint8_t img[108],
                   e386_exit *ex)
{
    E386Cpu *cpu = e386_cpu_new();
    ck_assert_ptr_nonnull(cpu);
    ck_assert_int_eq(e386_mem_map(cpu, CODE, 0x1000, E386_PROT_READ | E386_PROT_EXEC), 0);
    ck_assert_int_eq(e386_mem_map(cpu, DATA, 0x1000, E386_PROT_READ | E386_PROT_WRITE), 0);
    ck_assert_int_eq(e386_mem_write(cpu, CODE, code, len), 0);
    e386_reg_write(cpu, E386_EIP, CODE);
    e386_reg_write(cpu, E386_ESP, DATA + 0x1000);
    memset(img, 0, 108);
    put16(img, cw);
    uint16_t tw = 0xffff;
    for (int i = 0; i < n; i++) {
        tw &= (uint16_t)~(3u << (2 * i));
        put_x(img + 28 + 10 * i, regs[i]);
    }
    put16(img + 8, tw);
    e386_fpu_restore(cpu, img);
    int r = e386_run(cpu, 100, ex);
    e386_fpu_save(cpu, img);
    e386_cpu_free(cpu);
    return r;
}

static int top_of(const uint8_t *img) { return (get16(img + 4) >> 11) & 7; }

/* fadd st,st(1) overflowing with OE unmasked: the result is stored with
 * its exponent re-biased by 24576 (it was the masked infinity). */
START_TEST(test_unmasked_overflow_rebiased)
{
    static const uint8_t code[] = { 0xd8, 0xc1, 0xcc };
    const X regs[2] = { maxv, { 0xc000000000000000ull, 0x7ffe } };
    uint8_t img[108];
    e386_exit ex;
    ck_assert_int_eq(run_fpu(code, sizeof code, 0x0377, 2, regs, img, &ex), E386_EXIT_INTERRUPT);
    X r = get_x(img + 28);
    ck_assert_uint_eq(r.e, 0x1fff);
    ck_assert_uint_eq(r.m, 0xe000000000000000ull);
    ck_assert_uint_eq(get16(img + 4), 0x82a8); /* B ES PE OE, C1 = rounded up */
}
END_TEST

/* faddp with an SNaN and IE unmasked: nothing stored and no pop. */
START_TEST(test_unmasked_invalid_no_pop)
{
    static const uint8_t code[] = { 0xde, 0xc1, 0xcc };
    const X regs[2] = { snan, one };
    uint8_t img[108];
    e386_exit ex;
    ck_assert_int_eq(run_fpu(code, sizeof code, 0x037e, 2, regs, img, &ex), E386_EXIT_INTERRUPT);
    ck_assert_int_eq(top_of(img), 0);
    ck_assert_uint_eq(get_x(img + 38).e, one.e);
    ck_assert_uint_eq(get16(img + 4) & 0x3ff, 0x81);
}
END_TEST

/* fptan of a QNaN pushes the NaN, not 1.0. */
START_TEST(test_fptan_nan_pushes_nan)
{
    static const uint8_t code[] = { 0xd9, 0xf2, 0xcc };
    uint8_t img[108];
    e386_exit ex;
    ck_assert_int_eq(run_fpu(code, sizeof code, 0x037f, 1, &qnan, img, &ex), E386_EXIT_INTERRUPT);
    ck_assert_int_eq(top_of(img), 7);
    for (int i = 0; i < 2; i++) {
        X r = get_x(img + 28 + 10 * i);
        ck_assert_uint_eq(r.e, qnan.e);
        ck_assert_uint_eq(r.m, qnan.m);
    }
}
END_TEST

/* FPTAN and FSINCOS push their second result keeping the C1 of the first
 * (the push used to clear it).  The AMD EPYC gave C1 = 1 for these; its
 * FSINCOS C1 is the sine's (equal to FSIN's in 3,000 random cases). */
START_TEST(test_fptan_fsincos_keep_c1)
{
    static const uint8_t c_tan[] = { 0xd9, 0xf2, 0xcc }, c_sincos[] = { 0xd9, 0xfb, 0xcc };
    const X a = { 0x8a19881fa7d684abull, 0x3ffc }, b = { 0xcac782c8694c528eull, 0x3ffd };
    uint8_t img[108];
    e386_exit ex;
    ck_assert_int_eq(run_fpu(c_tan, sizeof c_tan, 0x037f, 1, &a, img, &ex), E386_EXIT_INTERRUPT);
    ck_assert_uint_eq(get16(img + 4) & 0x3a00, 0x3a00); /* TOP 7, C1 */
    ck_assert_int_eq(run_fpu(c_sincos, sizeof c_sincos, 0x037f, 1, &b, img, &ex), E386_EXIT_INTERRUPT);
    ck_assert_uint_eq(get16(img + 4) & 0x3a00, 0x3a00);
}
END_TEST

/* fstp1 (D9 D8+i), the undocumented alias of fstp st(i): no #UD. */
START_TEST(test_fstp1_alias)
{
    static const uint8_t code[] = { 0xd9, 0xd9, 0xcc };
    const X regs[2] = { maxv, one };
    uint8_t img[108];
    e386_exit ex;
    ck_assert_int_eq(run_fpu(code, sizeof code, 0x037f, 2, regs, img, &ex), E386_EXIT_INTERRUPT);
    ck_assert_int_eq(top_of(img), 1);
    ck_assert_uint_eq(get_x(img + 28).e, maxv.e);
}
END_TEST

/* fdiv by zero with ZE unmasked, then fnstenv (which masks everything and
 * so clears ES) and fwait: no #MF; without the fnstenv, fwait faults. */
START_TEST(test_fnstenv_clears_es)
{
    static const uint8_t code[] = { 0xd8, 0xf1, 0xd9, 0x35, 0x00, 0x00, 0x02, 0x00, 0x9b, 0xcc };
    static const uint8_t nostenv[] = { 0xd8, 0xf1, 0x9b, 0xcc };
    const X regs[2] = { one, { 0, 0 } };
    uint8_t img[108];
    e386_exit ex;
    ck_assert_int_eq(run_fpu(code, sizeof code, 0x037b, 2, regs, img, &ex), E386_EXIT_INTERRUPT);
    ck_assert_uint_eq(get16(img), 0x037f);
    ck_assert_uint_eq(get16(img + 4) & 0x80ff, 0x0004);
    ck_assert_int_eq(run_fpu(nostenv, sizeof nostenv, 0x037b, 2, regs, img, &ex), E386_EXIT_EXCEPTION);
    ck_assert_int_eq(ex.vector, 16);
}
END_TEST

/* FLDCW, FLDENV and FRSTOR are waiting instructions: with an unmasked
 * exception pending they raise #MF themselves, at their own EIP (on the
 * AMD EPYC as on Intel); emu386 executed them. */
START_TEST(test_fldcw_fldenv_frstor_wait)
{
    /* fdiv st,st(1) by zero with ZE unmasked; then the instruction; int3 */
    static const uint8_t fldcw[] = { 0xd8, 0xf1, 0xd9, 0x2d, 0x00, 0x00, 0x02, 0x00, 0xcc };
    static const uint8_t fldenv[] = { 0xd8, 0xf1, 0xd9, 0x25, 0x00, 0x00, 0x02, 0x00, 0xcc };
    static const uint8_t frstor[] = { 0xd8, 0xf1, 0xdd, 0x25, 0x00, 0x00, 0x02, 0x00, 0xcc };
    static const uint8_t fnstcw[] = { 0xd8, 0xf1, 0xd9, 0x3d, 0x00, 0x00, 0x02, 0x00, 0xcc };
    const uint8_t *code[4] = { fldcw, fldenv, frstor, fnstcw };
    const X regs[2] = { one, { 0, 0 } };
    uint8_t img[108];
    for (int k = 0; k < 4; k++) {
        e386_exit ex;
        int r = run_fpu(code[k], sizeof fldcw, 0x037b, 2, regs, img, &ex);
        if (k == 3) { /* the no-wait FNSTCW runs on */
            ck_assert_int_eq(r, E386_EXIT_INTERRUPT);
            continue;
        }
        ck_assert_int_eq(r, E386_EXIT_EXCEPTION);
        ck_assert_int_eq(ex.vector, 16);
        ck_assert_uint_eq(ex.fault_eip, CODE + 2);
    }
}
END_TEST

/* A guest doing anything at all with the FPU: random x87-heavy code over
 * random register files, tags, control and status words (unsupported
 * encodings, pseudo-NaNs, all exceptions unmasked), with memory operands
 * anywhere in or out of the mapped pages.  Every run must end in a
 * well-formed exit and leave a state that saves and restores; the
 * sanitizer and Valgrind legs check that no access strays. */
static uint32_t rnd_next(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

START_TEST(test_random_x87_code_is_contained)
{
    uint32_t seed = 0x1234567u;
    int exceptions = 0, vectors[32] = { 0 };
    for (int iter = 0; iter < 1000; iter++) {
        E386Cpu *cpu = e386_cpu_new();
        ck_assert_ptr_nonnull(cpu);
        ck_assert_int_eq(e386_mem_map(cpu, CODE, 0x1000, E386_PROT_READ | E386_PROT_EXEC), 0);
        ck_assert_int_eq(e386_mem_map(cpu, DATA, 0x1000, E386_PROT_READ | E386_PROT_WRITE), 0);
        uint8_t code[0x1000], img[108];
        for (size_t i = 0; i < sizeof code; i++) {
            uint32_t r = rnd_next(&seed);
            /* mostly escapes; ModRM bytes and displacements random */
            code[i] = (r & 3) == 0 ? (uint8_t)(0xd8 + ((r >> 8) & 7)) : (r & 0xff) == 1 ? 0x9b : (uint8_t)(r >> 16);
        }
        ck_assert_int_eq(e386_mem_write(cpu, CODE, code, sizeof code), 0);
        for (size_t i = 0; i < sizeof img; i++)
            img[i] = (uint8_t)rnd_next(&seed);
        if (iter & 1) /* half the states start without pending exceptions */
            put16(img + 4, (uint16_t)(get16(img + 4) & 0x3f00));
        e386_fpu_restore(cpu, img);
        for (int r = E386_EAX; r <= E386_EDI; r++) /* bases near, in or far from DATA */
            e386_reg_write(cpu, r, (rnd_next(&seed) & 1) ? DATA + (rnd_next(&seed) & 0xfff) : rnd_next(&seed));
        e386_reg_write(cpu, E386_ESP, DATA + 0x800);
        uint32_t eip = CODE;
        for (int step = 0; step < 64 && eip < CODE + 0xff0; step++) {
            e386_exit ex;
            e386_reg_write(cpu, E386_EIP, eip);
            int why = e386_run(cpu, 64, &ex);
            loop_assert(why == E386_EXIT_INSN_LIMIT || why == E386_EXIT_INTERRUPT || why == E386_EXIT_EXCEPTION);
            eip = e386_reg_read(cpu, E386_EIP);
            if (why == E386_EXIT_EXCEPTION) {
                exceptions++;
                loop_assert(ex.vector >= 0 && ex.vector < 32);
                vectors[ex.vector]++;
                eip = ex.insn_eip + 1; /* skip a byte and go on */
                if (ex.vector == 16) { /* #MF: clear what is pending, as a handler would */
                    e386_fpu_save(cpu, img);
                    put16(img + 4, (uint16_t)(get16(img + 4) & 0x3f00));
                    e386_fpu_restore(cpu, img);
                }
            }
            if (eip < CODE || eip >= CODE + 0xff0)
                break;
        }
        e386_fpu_save(cpu, img);
        e386_fpu_restore(cpu, img);
        uint8_t again[108];
        e386_fpu_save(cpu, again);
        ck_assert_int_eq(memcmp(img, again, sizeof img), 0);
        e386_cpu_free(cpu);
    }
    printf("random x87 code: 1000 runs, %d exceptions (#MF %d, #PF %d, #UD %d, #GP %d, #NM %d)\n", exceptions,
           vectors[16], vectors[14], vectors[6], vectors[13], vectors[7]);
    fflush(stdout);
    /* the mix must really reach the x87's faults and the memory checks */
    ck_assert_int_gt(vectors[16], 0);
    ck_assert_int_gt(vectors[14], 0);
    ck_assert_int_gt(exceptions, 1000);
}
END_TEST

/* FOP after each way an x87 instruction runs: a generic escape, a
 * specialised handler, the fused FLD m64 runs (src/cpu/x87_run.c: all
 * checked before, and step by step under a control word that is not
 * Linux's), and one instruction per block.  The rule (Intel SDM vol. 1,
 * 8.1.9): the low 3 bits of the escape byte above the ModRM byte of the
 * last non-control x87 instruction; FIP its address.  The 32-byte
 * E386Op keeps an escape's FOP in imm, and a run's shape above it: an FOP
 * taken from the wrong op of a run, or losing bit 10 (DC, DE, DF
 * escapes), fails here and nowhere else (the cpu-i386 suites never print
 * FOP: CPUs differ). */
static int no_stop(E386Cpu *cpu, uint32_t pc, void *opaque)
{
    (void)cpu, (void)pc, (void)opaque;
    return 0;
}

START_TEST(test_fop_fip_of_last_x87_instruction)
{
    /* each: code (the last x87 instruction at offset last), ending in INT3;
     * the doubles 1.0 and 2.0 at CODE + 0x100 and + 0x108 */
    static const struct { uint8_t code[24]; int len, last; uint16_t cw; int vector; } cases[] = {
        { { 0xd9, 0xee, 0xcc }, 3, 0, 0x037f, 0 },                                   /* fldz */
        { { 0xd9, 0xe8, 0xd9, 0xfa, 0xcc }, 5, 2, 0x037f, 0 },                       /* fld1; fsqrt */
        { { 0xdd, 0x05, 0x00, 0x01, 0x01, 0x00, 0xdc, 0x0d, 0x08, 0x01, 0x01, 0x00, 0xde, 0xc1, 0xcc },
          15, 12, 0x037f, 0 },  /* fld m64; fmul m64; faddp: the dot product's run */
        { { 0xdd, 0x05, 0x00, 0x01, 0x01, 0x00, 0xdc, 0x0d, 0x08, 0x01, 0x01, 0x00, 0xde, 0xc1, 0xcc },
          15, 12, 0x0f7f, 0 },  /* the same, step by step (RC toward zero) */
        { { 0xdd, 0x05, 0x00, 0x01, 0x01, 0x00, 0xdc, 0x25, 0x08, 0x01, 0x01, 0x00, 0x89, 0xc0, 0xde, 0xf9, 0xcc },
          17, 14, 0x037f, 0 },  /* fld m64; fsub m64; mov eax,eax; fdivp: a run with an op between */
        { { 0xdd, 0x05, 0x00, 0x01, 0x01, 0x00, 0xdc, 0x05, 0x08, 0x01, 0x01, 0x00, 0xcc }, 13, 6, 0x037f, 0 },
        /* fld m64; fadd m64: the pair alone */
        { { 0xdf, 0xe0, 0xcc }, 3, 0, 0x037f, 0 },  /* fnstsw ax: a control instruction keeps FOP (0 here) */
        { { 0xdd, 0x05, 0x00, 0x01, 0x01, 0x00, 0xdc, 0x0d, 0x00, 0x00, 0x05, 0x00, 0xde, 0xc1, 0xcc },
          15, 0, 0x037f, 14 },  /* the run's FMUL faults (#PF): FOP and FIP are the FLD's */
    };
    static const uint8_t doubles[16] = { 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0, 0, 0, 0, 0, 0, 0, 0x40 };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        for (int per_insn = 0; per_insn < 2; per_insn++) {
            E386Cpu *cpu = e386_cpu_new();
            ck_assert_ptr_nonnull(cpu);
            ck_assert_int_eq(e386_mem_map(cpu, CODE, 0x1000, E386_PROT_READ | E386_PROT_EXEC), 0);
            ck_assert_int_eq(e386_mem_map(cpu, DATA, 0x1000, E386_PROT_READ | E386_PROT_WRITE), 0);
            ck_assert_int_eq(e386_mem_write(cpu, CODE, cases[i].code, (size_t)cases[i].len), 0);
            ck_assert_int_eq(e386_mem_write(cpu, CODE + 0x100, doubles, sizeof doubles), 0);
            if (per_insn)
                e386_set_debug_hook(cpu, no_stop, NULL);
            uint8_t img[108];
            memset(img, 0, sizeof img);
            put16(img, cases[i].cw);
            put16(img + 8, 0xfffe); /* ST(0) = 1.0 in use: FADDP/FDIVP have their ST(1) */
            put_x(img + 28, one);
            e386_fpu_restore(cpu, img);
            e386_reg_write(cpu, E386_EIP, CODE);
            e386_reg_write(cpu, E386_ESP, DATA + 0x1000);
            e386_exit ex;
            ck_assert_int_eq(e386_run(cpu, 100, &ex), cases[i].vector ? E386_EXIT_EXCEPTION : E386_EXIT_INTERRUPT);
            if (cases[i].vector)
                ck_assert_int_eq(ex.vector, cases[i].vector);
            e386_fpu_save(cpu, img);
            e386_cpu_free(cpu);
            const uint8_t *x = &cases[i].code[cases[i].last];
            uint16_t want = x[0] == 0xdf && x[1] == 0xe0 ? 0 : (uint16_t)((x[0] & 7) << 8 | x[1]);
            uint32_t fip = (uint32_t)(img[12] | img[13] << 8 | img[14] << 16 | (uint32_t)img[15] << 24);
            ck_assert_msg((get16(img + 18) & 0x7ff) == want, "case %zu per_insn %d: FOP %03x, want %03x", i,
                          per_insn, get16(img + 18) & 0x7ff, want);
            if (want)
                ck_assert_msg(fip == CODE + (uint32_t)cases[i].last, "case %zu per_insn %d: FIP %08x", i,
                              per_insn, fip);
        }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("x87");
    TCase *tc = tcase_create("x87");
    tcase_add_test(tc, test_unmasked_overflow_rebiased);
    tcase_add_test(tc, test_unmasked_invalid_no_pop);
    tcase_add_test(tc, test_fptan_nan_pushes_nan);
    tcase_add_test(tc, test_fptan_fsincos_keep_c1);
    tcase_add_test(tc, test_fstp1_alias);
    tcase_add_test(tc, test_fnstenv_clears_es);
    tcase_add_test(tc, test_fldcw_fldenv_frstor_wait);
    tcase_add_test(tc, test_random_x87_code_is_contained);
    tcase_add_test(tc, test_fop_fip_of_last_x87_instruction);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
