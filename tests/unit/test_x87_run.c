/* The fused x87 runs (src/cpu/x87_run.c) against the per-instruction
 * handlers: twin CPUs run the same code from the same random whole
 * state, one normally (its blocks get the fused op) and one with a
 * debugger hook, which makes every block one instruction long (nothing
 * to fuse).  The code is FLD m64; an arithmetic op on a double; integer
 * register ops; a popping ST(i),ST(0) arithmetic; then FNSTENV, the
 * observer, and INT3.  The states cover every RC and PC, unmasked and
 * pending exceptions, empty, special and denormal registers and memory
 * operands, and operands on an unmapped page or across a page end (a
 * fault in the middle of the run).  Exit, fault address and EIP,
 * instruction count, general registers, EFLAGS, the whole FPU and the
 * data page (with FNSTENV's image) must come out identical. */
#include <check.h>
#include "unit_main.h"
#include <string.h>
#include "core/cpu.h"
#include "e386.h"
#include "sf_testops.h"
#include "x87_twin.h"

enum { CODE = 0x10000, DATA = 0x20000, HOLE = 0x30000, ENV = DATA + 0x800 };

static int no_stop(E386Cpu *cpu, uint32_t pc, void *opaque)
{
    (void)cpu, (void)pc, (void)opaque;
    return 0;
}

static E386Cpu *new_cpu(const uint8_t *code, int len, int per_insn)
{
    E386Cpu *cpu = e386_cpu_new();
    ck_assert_ptr_nonnull(cpu);
    ck_assert_int_eq(e386_mem_map(cpu, CODE, 0x1000, E386_PROT_READ | E386_PROT_EXEC), 0);
    ck_assert_int_eq(e386_mem_map(cpu, DATA, 0x1000, E386_PROT_READ | E386_PROT_WRITE), 0);
    ck_assert_int_eq(e386_mem_write(cpu, CODE, code, (size_t)len), 0);
    if (per_insn)
        e386_set_debug_hook(cpu, no_stop, NULL);
    return cpu;
}

/* the generator's high bits: its low ones have short periods */
static uint32_t rnd(SftRng *rng)
{
    return sft_rnd(rng) >> 12;
}

static uint64_t random_double(SftRng *rng)
{
    uint32_t r = rnd(rng);
    uint64_t d = sft_random_ieee(rng, 52, 11);
    switch (r % 16) {
    case 0: return d & 0x800fffffffffffffull;                  /* zero or denormal */
    case 1: return d | 0x7ff0000000000000ull;                  /* infinity or NaN */
    case 2: return (d & 0x800fffffffffffffull) | 0x7fe0000000000000ull; /* huge */
    case 3: return (d & 0x800fffffffffffffull) | 0x0010000000000000ull; /* tiny */
    default: return d;
    }
}

static F80 random_reg(SftRng *rng)
{
    uint32_t r = rnd(rng);
    if (r % 6 == 0)
        return sft_edge((int)(r >> 8) % SFT_NEDGE);
    F80 v = sft_random(rng, 0x3fff - 80, 160);
    if (r % 6 < 4)
        v.mant &= ~0x7ffull; /* a double */
    return v;
}

/* a pointer for a memory operand: mostly in the data page, sometimes
 * unmapped or across the page's end */
static uint32_t random_ptr(SftRng *rng)
{
    uint32_t r = rnd(rng);
    if (r % 12 == 0)
        return HOLE + 8 * (r >> 8 & 15);
    if (r % 12 == 1)
        return DATA + 0xffc;
    return DATA + 8 * (r >> 8 & 63);
}

/* For run_straight (x87_run.c), which takes a run only when nothing can
 * stop it: normal doubles, close to each other in half the draws (the
 * pair's subtractions cancel, to zero when equal); a register near the
 * product's magnitude, either sign (the popping addition cancels, the
 * branch-free alignment and normalisation see every shape). */
static uint64_t straight_double(SftRng *rng, uint64_t near)
{
    uint64_t d = sft_random_ieee(rng, 52, 11);
    uint32_t r = rnd(rng), e = (uint32_t)(d >> 52) & 0x7ff;
    if (r % 8 || e == 0 || e == 0x7ff) /* normal, mostly within 2^+-32 */
        d = (d & 0x800fffffffffffffull) | (uint64_t)(0x3ff + (r >> 10) % 64 - 32) << 52;
    if (r % 2 && near)
        d = (near ^ (sft_rnd64(rng) >> (12 + (r >> 3) % 52))) ^ ((uint64_t)(r >> 9 & 1) << 63);
    return d;
}

static void set_straight(Fpu *f, uint8_t *mem, SftRng *rng)
{
    for (int i = 0; i < 0x800; i += 16) {
        uint64_t d[2];
        d[0] = straight_double(rng, 0);
        d[1] = straight_double(rng, d[0]);
        for (int k = 0; k < 16; k++)
            mem[i + k] = (uint8_t)(d[k / 8] >> 8 * (k % 8));
    }
    int top = f->sw >> 11 & 7;
    f->tw |= (uint16_t)(3 << (2 * ((top + 7) & 7)));
    for (int i = 0; i < 7; i++) { /* ST(0)..ST(6) after the push: normal, near a product of two */
        int p = (top + i) & 7;
        uint32_t r = rnd(rng);
        f->st[p] = sft_random(rng, 0x3fff - 66 + r % 130, 1);
        if (r & 0x100)
            f->st[p].mant &= ~0x7ffull;
        f->tw = (uint16_t)((f->tw & ~(3 << (2 * p))) | x87_tag_of(f->st[p]) << (2 * p));
    }
}

/* straight: a state run_straight takes, mostly (set_straight) */
static void set_state(E386Cpu *a, E386Cpu *b, SftRng *rng, int straight)
{
    Fpu f;
    memset(&f, 0, sizeof f);
    uint32_t r = rnd(rng);
    static const uint16_t pcs[4] = { 0, 2, 3, 3 };
    if ((r & 1) || straight) {
        f.cw = 0x37f; /* Linux's default */
    } else {
        uint16_t masks = (r & 6) ? 0x3f : (uint16_t)(rnd(rng) & 0x3f);
        f.cw = (uint16_t)(0x40 | (r >> 3 & 3) << 10 | pcs[r >> 5 & 3] << 8 | masks);
    }
    int top = (int)(rnd(rng) & 7);
    f.sw = (uint16_t)((rnd(rng) << 8 & 0x4700) | top << 11 | (rnd(rng) & 0x3f & f.cw));
    if (rnd(rng) % 16 == 0 && !(f.cw & 0x20)) /* an exception pending: #MF at the first FLD */
        f.sw |= 0x20 | 0x80 | 0x8000; /* PE, ES, B */
    else if (rnd(rng) % 4 == 0) /* a flag pending unmasked without ES: the state API can set that */
        f.sw |= (uint16_t)(~f.cw & 0x3f & -(~f.cw & 0x3f));
    for (int i = 0; i < 8; i++) {
        f.st[i] = random_reg(rng);
        int tag = (rnd(rng) % 4 == 0) ? 3 : x87_tag_of(f.st[i]);
        f.tw |= (uint16_t)(tag << (2 * i));
    }
    if (rnd(rng) % 4) /* room for the FLD, mostly */
        f.tw |= (uint16_t)(3 << (2 * ((top + 7) & 7)));
    uint8_t mem[0x1000];
    for (int i = 0; i < 0x800; i += 8) {
        uint64_t d = random_double(rng);
        for (int k = 0; k < 8; k++)
            mem[i + k] = (uint8_t)(d >> 8 * k);
    }
    memset(mem + 0x800, 0xa5, 0x800);
    uint32_t eax = random_ptr(rng), edx = random_ptr(rng);
    if (straight) {
        set_straight(&f, mem, rng);
        eax = DATA + 16 * (rnd(rng) & 63) + 8;
        edx = eax - 8;
    }
    E386Cpu *cpus[2] = { a, b };
    for (int k = 0; k < 2; k++) {
        cpus[k]->fpu = f;
        if (e386_mem_write(cpus[k], DATA, mem, sizeof mem))
            ck_abort_msg("e386_mem_write");
        e386_reg_write(cpus[k], E386_EIP, CODE);
        e386_reg_write(cpus[k], E386_EAX, eax);
        e386_reg_write(cpus[k], E386_EDX, edx);
        e386_reg_write(cpus[k], E386_ECX, ENV);
        e386_reg_write(cpus[k], E386_EBX, 0);
        cc_write(cpus[k], F_ARITH, 0);
    }
}

static int same(E386Cpu *a, E386Cpu *b, const e386_exit *xa, const e386_exit *xb, uint64_t na, uint64_t nb)
{
    if (xa->reason != xb->reason || xa->vector != xb->vector || xa->fault_addr != xb->fault_addr ||
        xa->fault_eip != xb->fault_eip || xa->insn_eip != xb->insn_eip || na != nb)
        return 0;
    if (memcmp(a->r, b->r, sizeof a->r) || a->eip != b->eip || get_eflags(a) != get_eflags(b))
        return 0;
    if (!fpu_equal(&a->fpu, &b->fpu))
        return 0;
    static uint8_t ma[0x1000], mb[0x1000];
    if (e386_mem_read(a, DATA, ma, sizeof ma) || e386_mem_read(b, DATA, mb, sizeof mb))
        return 0;
    return !memcmp(ma, mb, sizeof ma);
}

/* layout 0: fldl (%edx); D(C) /w1 (%eax); add $8,%eax; add $8,%edx; DE /w2 i
 * layout 1: fldl (%edx); add $8,%eax; D(C) /w1 (%eax); DE /w2 i
 * layout 2: fldl (%edx); DC /w1 (%eax) (a pair) */
static int make_code(uint8_t *c, int layout, int w1, int w2, int i)
{
    static const uint8_t add_eax[5] = { 0x05, 8, 0, 0, 0 }, add_edx[3] = { 0x83, 0xc2, 8 };
    int n = 0;
    c[n++] = 0xdd, c[n++] = 0x02;
    if (layout == 1)
        memcpy(c + n, add_eax, 5), n += 5;
    c[n++] = 0xdc, c[n++] = (uint8_t)(w1 << 3);
    if (layout == 0) {
        memcpy(c + n, add_eax, 5), n += 5;
        memcpy(c + n, add_edx, 3), n += 3;
    }
    if (layout != 2)
        c[n++] = 0xde, c[n++] = (uint8_t)(0xc0 | w2 << 3 | i);
    c[n++] = 0xd9, c[n++] = 0x31; /* fnstenv (%ecx) */
    c[n++] = 0xcc;
    return n;
}

/* _i = 0: states of every kind; _i = 1: states for run_straight */
START_TEST(test_run_equals_per_instruction)
{
    static const int w2s[6] = { 0, 1, 4, 5, 6, 7 }, is[3] = { 1, 2, 7 };
    SftRng rng = { 1913u + 7u * (uint32_t)_i };
    int cases = 0, bad = 0, faults = 0;
    for (int layout = 0; layout < 3; layout++)
        for (int w1 = 0; w1 < 8; w1++)
            for (int k2 = 0; k2 < (layout == 2 ? 1 : 6); k2++)
                for (int ki = 0; ki < (layout == 2 ? 1 : 3); ki++) {
                    uint8_t code[32];
                    int len = make_code(code, layout, w1, w2s[k2], is[ki]);
                    E386Cpu *a = new_cpu(code, len, 0), *b = new_cpu(code, len, 1);
                    for (int s = 0; s < 60; s++) {
                        set_state(a, b, &rng, _i);
                        e386_exit xa, xb;
                        uint64_t ia = e386_insn_count(a), ib = e386_insn_count(b);
                        e386_run(a, 0, &xa);
                        e386_run(b, 0, &xb);
                        ia = e386_insn_count(a) - ia;
                        ib = e386_insn_count(b) - ib;
                        cases++;
                        faults += xb.reason == E386_EXIT_EXCEPTION;
                        if (!same(a, b, &xa, &xb, ia, ib) && bad++ < 5)
                            printf("x87 run: layout %d w1 %d w2 %d i %d differs (state %d)\n", layout, w1, w2s[k2],
                                   is[ki], s);
                    }
                    e386_cpu_free(a);
                    e386_cpu_free(b);
                }
    printf("x87_run%s: %d runs, %d ending in a fault, %d differences\n", _i ? " (straight)" : "", cases, faults,
           bad);
    fflush(stdout);
    if (_i) /* normal doubles and registers: only the pair's results can be special */
        ck_assert_int_lt(faults, cases / 20);
    else
        ck_assert_int_gt(faults, cases / 20);
    ck_assert_int_eq(bad, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("x87_run");
    TCase *t = tcase_create("core");
    tcase_set_timeout(t, 120);
    tcase_add_loop_test(t, test_run_equals_per_instruction, 0, 2);
    suite_add_tcase(s, t);
    return run_suite(s);
}
