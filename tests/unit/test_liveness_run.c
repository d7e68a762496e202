/* Flag liveness (src/core/liveness.c) against the same instructions one at
 * a time, in both engines.  Three CPUs of twin_cpus.h per engine (blocks
 * with dead flag updates dropped; one instruction per block, where the
 * pass finds nothing dead; blocks on the page map) run random chains of
 * flag writers -- ADD/OR/AND/SUB/XOR/CMP/TEST of registers and
 * immediates, INC/DEC r32 (they keep CF), SHL/SHR/SAR/ROL/ROR r32, imm --
 * with flag readers between them: ADC/SBB, SETcc of CF, OF, ZF, SF, PF,
 * LAHF, CMC, PUSHF, Jcc over the next instruction, and loads from
 * [esp + disp8] that fault when ESP lies near the bottom of the stack
 * page (a fault reads every flag).  Exit, instruction count, registers,
 * EFLAGS and the stack page must come out identical.
 *
 * The stop test: the block CPU runs a long loop of such chains while a
 * thread calls e386_stop at a random moment; wherever the run loop stops
 * (never inside a window whose flags were dropped: FX_INEXACT), the state
 * must be that of the reference after the same number of instructions. */
#include "unit_main.h"
#include "twin_cpus.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

enum { STACK = 0x20000, CODE = 0x21000, PROGS = 1500, STATES = 8 };

static E386Cpu *new_cpu(int k, int accel)
{
    E386Cpu *cpu = twin_cpu(k);
    e386_set_accel(cpu, accel);
    ck_assert_int_eq(e386_mem_map(cpu, STACK, 0x1000, E386_PROT_READ | E386_PROT_WRITE), 0);
    ck_assert_int_eq(e386_mem_map(cpu, CODE, 0x1000, E386_PROT_READ | E386_PROT_WRITE | E386_PROT_EXEC), 0);
    return cpu;
}

/* a register other than ESP (and ECX when it counts the loop) */
static int any_reg(uint32_t r, int loop)
{
    int g = (int)(r & 7);
    return g == 4 || (loop && g == 1) ? 5 : g;
}

/* one writer (mostly) or reader; at most 8 bytes */
static int insn(uint8_t *c, int n, uint32_t *s, int loop)
{
    uint32_t r = twin_rng(s), r2 = twin_rng(s);
    int g = any_reg(r >> 8, loop), h = (int)(r >> 12 & 7), k = (int)(r >> 16 & 7);
    uint8_t d = (uint8_t)(r2 >> 8);
    switch (r % 24) {
    case 0: case 1: case 2: /* alu g, h */
        c[n++] = (uint8_t)(0x01 | k << 3), c[n++] = (uint8_t)(0xc0 | h << 3 | g);
        break;
    case 3: case 4: case 5: c[n++] = 0x83, c[n++] = (uint8_t)(0xc0 | k << 3 | g), c[n++] = d; break; /* alu g, imm8 */
    case 6: c[n++] = (uint8_t)(0x05 | (k & 6) << 3); /* add/adc/and/xor eax, imm32 */
        for (int i = 0; i < 4; i++)
            c[n++] = (uint8_t)(r2 >> 8 * i);
        break;
    case 7: case 8: case 9: c[n++] = (uint8_t)((r2 & 1 ? 0x40 : 0x48) | g); break; /* inc / dec g */
    case 10: /* rol/ror/shl/shr/sar g, imm8 */
        c[n++] = 0xc1, c[n++] = (uint8_t)(0xc0 | (int[]){ 0, 1, 4, 5, 7 }[r2 % 5] << 3 | g), c[n++] = d % 40;
        break;
    case 11: c[n++] = (uint8_t)(r2 & 1 ? 0x39 : 0x85), c[n++] = (uint8_t)(0xc0 | h << 3 | g); break; /* cmp/test */
    case 12: c[n++] = (uint8_t)(r2 & 1 ? 0x11 : 0x19), c[n++] = (uint8_t)(0xc0 | h << 3 | g); break; /* adc/sbb */
    case 13: case 14: /* setc/seto/setz/sets/setp al/cl/dl/bl (not cl in a loop) */
        c[n++] = 0x0f, c[n++] = (uint8_t)(0x90 | (int[]){ 2, 0, 4, 8, 10 }[r2 % 5]);
        c[n++] = (uint8_t)(0xc0 | (loop ? (int[]){ 0, 2, 3 }[d % 3] : d & 3));
        break;
    case 15: c[n++] = 0x9f; break;                                                    /* lahf */
    case 16: c[n++] = 0xf5; break;                                                    /* cmc */
    case 17: c[n++] = 0x9c, c[n++] = (uint8_t)(0x58 | g); break;                      /* pushf; pop g */
    case 18: /* jc/jo/jz/js/jp over a two-byte instruction */
        c[n++] = (uint8_t)(0x70 | (int[]){ 2, 0, 4, 8, 10 }[r2 % 5]), c[n++] = 2;
        c[n++] = 0x89, c[n++] = (uint8_t)(0xc0 | h << 3 | g);
        break;
    case 19: c[n++] = 0x8b, c[n++] = (uint8_t)(0x44 | g << 3), c[n++] = 0x24, c[n++] = d; break; /* mov g, [esp+d] */
    case 20: c[n++] = 0x89, c[n++] = (uint8_t)(0xc0 | h << 3 | g); break;             /* mov g, h */
    case 21: c[n++] = 0x8d, c[n++] = (uint8_t)(0x40 | g << 3 | (h == 4 ? 5 : h)), c[n++] = d; break; /* lea */
    default: c[n++] = (uint8_t)(0x29 | (r2 & 1) << 4), c[n++] = (uint8_t)(0xc0 | g << 3 | g); break; /* sub/xor g, g */
    }
    return n;
}

static int make_code(uint8_t *c, uint32_t *s)
{
    int n = 0, count = 4 + (int)(twin_rng(s) % 40);
    for (int i = 0; i < count; i++)
        n = insn(c, n, s, 0);
    c[n++] = 0xcc;
    return n;
}

/* ESP near the low end of the stack page (negative displacements fault)
 * or in its middle */
static uint32_t random_esp(uint32_t *s)
{
    uint32_t r = twin_rng(s);
    return r % 4 == 0 ? STACK + (r >> 8 & 0x7f) : STACK + 0x100 + (r >> 8 & 0xdff);
}

static void set_state(E386Cpu *const *cpus, int n, uint32_t *s, const uint8_t *code, int len)
{
    uint32_t regs[8];
    static uint8_t page[0x1000];
    for (int i = 0; i < 8; i++)
        regs[i] = twin_rng(s);
    regs[4] = random_esp(s);
    for (int i = 0; i < 0x1000; i++)
        page[i] = (uint8_t)twin_rng(s);
    twin_load(cpus, n, regs, CODE, twin_rng(s) & F_ARITH, STACK, page);
    for (int k = 0; k < n; k++)
        if (e386_mem_write(cpus[k], CODE, code, (size_t)len))
            ck_abort_msg("e386_mem_write");
}

static void run_engine(int accel, const char *name)
{
    E386Cpu *cpus[3] = { new_cpu(0, accel), new_cpu(1, accel), new_cpu(2, accel) };
    uint32_t s = 0x2468ace1u;
    TwinCount t = { 0, 0, 0, 0 };
    for (int p = 0; p < PROGS; p++) {
        uint8_t code[512];
        int len = make_code(code, &s);
        for (int st = 0; st < STATES; st++) {
            set_state(cpus, 3, &s, code, len);
            twin_run(cpus, STACK, name, p, st, &t, 100000);
        }
    }
    printf("%s: %d runs, %d ending in a fault, %d differences\n", name, t.cases, t.faults, t.bad);
    fflush(stdout);
    for (int k = 0; k < 3; k++)
        e386_cpu_free(cpus[k]);
    ck_assert_int_gt(t.faults, t.cases / 50);
    ck_assert_int_eq(t.bad, 0);
}

START_TEST(test_liveness_interp) { run_engine(E386_ACCEL_INTERP, "liveness interp"); }
END_TEST

START_TEST(test_liveness_native) { run_engine(E386_ACCEL_NATIVE, "liveness native"); }
END_TEST

/* ---- stops at a random moment ---- */

typedef struct Stopper {
    E386Cpu *cpu;
    atomic_int go;   /* 1: stop the CPU after `spin` rounds; 0: done; -1: quit */
    atomic_uint spin;
} Stopper;

static void *stopper(void *arg)
{
    Stopper *st = arg;
    for (;;) {
        int go = atomic_load(&st->go);
        if (go < 0)
            return NULL;
        if (go == 0) {
            sched_yield();
            continue;
        }
        for (volatile unsigned i = 0; i < atomic_load(&st->spin); i++)
            ;
        e386_stop(st->cpu);
        atomic_store(&st->go, 0);
    }
}

/* a loop of 30 chained instructions: ECX counts 200000 iterations down */
static int make_loop(uint8_t *c, uint32_t *s)
{
    int n = 0;
    c[n++] = 0xb9, c[n++] = 0x40, c[n++] = 0x0d, c[n++] = 0x03, c[n++] = 0x00; /* mov ecx, 200000 */
    int top = n;
    for (int i = 0; i < 30; i++)
        n = insn(c, n, s, 1);
    c[n++] = 0x49;                                          /* dec ecx */
    c[n++] = 0x0f, c[n++] = 0x85;                           /* jnz top */
    int32_t rel = top - (n + 4);
    for (int i = 0; i < 4; i++)
        c[n++] = (uint8_t)((uint32_t)rel >> 8 * i);
    c[n++] = 0xcc;
    return n;
}

static void stop_engine(int accel, const char *name)
{
    E386Cpu *cpus[2] = { new_cpu(0, accel), new_cpu(1, accel) };
    Stopper st = { cpus[0], 0, 0 };
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, stopper, &st), 0);
    uint32_t s = 0x5eed1234u;
    int compared = 0, bad = 0, mid = 0;
    for (int p = 0; p < 60; p++) {
        uint8_t code[512];
        int len = make_loop(code, &s);
        for (int r = 0; r < 4; r++) {
            set_state(cpus, 2, &s, code, len);
            e386_reg_write(cpus[0], E386_ESP, STACK + 0x800);
            e386_reg_write(cpus[1], E386_ESP, STACK + 0x800);
            uint64_t n0 = e386_insn_count(cpus[0]), n1 = e386_insn_count(cpus[1]);
            e386_exit x0, x1;
            atomic_store(&st.spin, 1000u + twin_rng(&s) % 400000u);
            atomic_store(&st.go, 1);
            e386_run(cpus[0], 0, &x0);
            while (atomic_load(&st.go) != 0)
                sched_yield(); /* the stop has been asked: the next run must not see it */
            if (x0.reason != E386_EXIT_STOP) { /* finished (or faulted) first: run again to clear the stop */
                e386_run(cpus[0], 1, &x0);
                continue;
            }
            n0 = e386_insn_count(cpus[0]) - n0;
            if (n0 == 0)
                continue;
            e386_run(cpus[1], n0, &x1);
            n1 = e386_insn_count(cpus[1]) - n1;
            compared++;
            mid += n0 > 100;
            if (n1 != n0 || memcmp(cpus[0]->r, cpus[1]->r, sizeof cpus[0]->r) || cpus[0]->eip != cpus[1]->eip ||
                get_eflags(cpus[0]) != get_eflags(cpus[1])) {
                if (bad++ < 5)
                    printf("%s: program %d run %d: stopped after %llu differs\n", name, p, r, (unsigned long long)n0);
            }
        }
    }
    atomic_store(&st.go, -1);
    pthread_join(th, NULL);
    printf("%s: %d stops compared (%d after 100 instructions), %d differences\n", name, compared, mid, bad);
    fflush(stdout);
    for (int k = 0; k < 2; k++)
        e386_cpu_free(cpus[k]);
    ck_assert_int_gt(mid, 0);
    ck_assert_int_eq(bad, 0);
}

START_TEST(test_stop_interp) { stop_engine(E386_ACCEL_INTERP, "liveness stop interp"); }
END_TEST

START_TEST(test_stop_native) { stop_engine(E386_ACCEL_NATIVE, "liveness stop native"); }
END_TEST

int main(void)
{
    Suite *s = suite_create("liveness_run");
    TCase *tc = tcase_create("liveness_run");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_liveness_interp);
    tcase_add_test(tc, test_liveness_native);
    suite_add_tcase(s, tc);
    /* tagged: ci/leg-valgrind leaves them out (memcheck runs one thread
     * at a time, so the stop rarely lands inside a run and each run is the
     * whole 6M-instruction loop: minutes there, about a second natively) */
    TCase *stop = tcase_create("stop");
    tcase_set_tags(stop, "stop");
    tcase_set_timeout(stop, 300);
    tcase_add_test(stop, test_stop_interp);
    tcase_add_test(stop, test_stop_native);
    suite_add_tcase(s, stop);
    return run_suite(s);
}
