/* The fused PUSH/POP runs (src/cpu/stack_run.c) and the loads and stores
 * whose slow paths are tail calls (src/cpu/mov_spec.c, alu.c, stack.c)
 * against the per-instruction handlers: twin CPUs run the same random
 * code from the same random state, one normally (its blocks get the
 * fused ops) and one with a debugger hook, which makes every block one
 * instruction long (nothing to fuse), both with linear guest memory (the
 * fast paths) where the host has it; a third runs normally on the page
 * map (E386_LINEAR=0's path: every fast path declines).  The code mixes
 * PUSH and POP of every register (ESP too), PUSH imm8, MOV loads (r32
 * and r8) and stores through [esp + disp8], CMP/ADD [esp + disp8], MOV byte
 * stores and INC/DEC dword [esp +/- disp8] (src/cpu/alu.c), then INT3; ESP is anywhere in the stack page, near its ends and
 * misaligned, so runs cross into a read-only page below and an unmapped
 * page above and fault in their middle.  Exit, vector, error code, fault
 * address and EIP, the instruction count, the registers, EFLAGS and both
 * pages must come out identical. */
#include "unit_main.h"
#include "twin_cpus.h"

enum { CODE = 0x10000, RO = 0x1f000, STACK = 0x20000, PROGS = 3000, STATES = 8 };

/* kind k: twin_cpus.h */
static E386Cpu *new_cpu(int k)
{
    E386Cpu *cpu = twin_cpu(k);
    ck_assert_int_eq(e386_mem_map(cpu, CODE, 0x1000, E386_PROT_READ | E386_PROT_EXEC), 0);
    ck_assert_int_eq(e386_mem_map(cpu, RO, 0x1000, E386_PROT_READ), 0);
    ck_assert_int_eq(e386_mem_map(cpu, STACK, 0x1000, E386_PROT_READ | E386_PROT_WRITE), 0);
    return cpu;
}

/* runs of pushes and pops mostly, the other forms between them */
static int make_code(uint8_t *c, uint32_t *s)
{
    int n = 0, count = 1 + (int)(twin_rng(s) % 14);
    for (int i = 0; i < count; i++) {
        uint32_t r = twin_rng(s), reg = r >> 8 & 7, d = r >> 16 & 0x3c;
        if (reg == 4 && (r >> 20) % 4) /* ESP now and then */
            reg = r >> 24 & 3;
        switch (r % 19) {
        case 0: case 1: case 2: case 3: case 4: c[n++] = (uint8_t)(0x50 | reg); break; /* push r32 */
        case 5: case 6: case 7: case 8: case 9: c[n++] = (uint8_t)(0x58 | reg); break; /* pop r32 */
        case 10: c[n++] = 0x6a, c[n++] = (uint8_t)(r >> 24); break;                    /* push imm8 */
        case 11: /* mov r32, [esp + d] */
            c[n++] = 0x8b, c[n++] = (uint8_t)(0x44 | reg << 3), c[n++] = 0x24, c[n++] = (uint8_t)d;
            break;
        case 12: /* mov [esp + d], r32 */
            c[n++] = 0x89, c[n++] = (uint8_t)(0x44 | reg << 3), c[n++] = 0x24, c[n++] = (uint8_t)d;
            break;
        case 13: /* cmp [esp + d], r32 */
            c[n++] = 0x39, c[n++] = (uint8_t)(0x44 | reg << 3), c[n++] = 0x24, c[n++] = (uint8_t)d;
            break;
        case 14: /* add r32, [esp + d] */
            c[n++] = 0x03, c[n++] = (uint8_t)(0x44 | reg << 3), c[n++] = 0x24, c[n++] = (uint8_t)d;
            break;
        case 15: /* mov r8, [esp + d + 1] (AL..BH) */
            c[n++] = 0x8a, c[n++] = (uint8_t)(0x44 | reg << 3), c[n++] = 0x24, c[n++] = (uint8_t)(d + 1);
            break;
        case 17: case 18: /* inc/dec dword [esp + d], [esp + d - 0x40] (the read-only page below) */
            c[n++] = 0xff, c[n++] = (uint8_t)(0x44 | (r >> 24 & 1) << 3), c[n++] = 0x24;
            c[n++] = (uint8_t)(r % 19 == 17 ? d + 2 : d - 0x40);
            break;
        default: /* mov byte [esp + d + 1], imm8 */
            c[n++] = 0xc6, c[n++] = 0x44, c[n++] = 0x24, c[n++] = (uint8_t)(d + 1), c[n++] = (uint8_t)r;
            break;
        }
    }
    c[n++] = 0xcc;
    return n;
}

/* ESP: inside the page, near its low end (pushes reach the read-only
 * page), near its high end (pops reach the unmapped one), misaligned */
static uint32_t random_esp(uint32_t *s)
{
    uint32_t r = twin_rng(s);
    switch (r % 5) {
    case 0: return STACK + (r >> 8 & 0x1c);
    case 1: return STACK + 0x1000 - (r >> 8 & 0x1c);
    case 2: return STACK + (r >> 8 & 0xfff);
    default: return STACK + 0x200 + (r >> 8 & 0x7fc);
    }
}

static void set_state(E386Cpu *const *cpus, int n, uint32_t *s)
{
    uint32_t regs[8];
    static uint8_t page[0x1000];
    for (int i = 0; i < 8; i++)
        regs[i] = twin_rng(s);
    regs[4] = random_esp(s);
    for (int i = 0; i < 0x1000; i++)
        page[i] = (uint8_t)twin_rng(s);
    twin_load(cpus, n, regs, CODE, 0, STACK, page);
}

/* A PUSH run that rewrites its own later PUSHes (a writable code page,
 * ESP just past the run): push ebp stores 90 90 90 90 over the four push
 * edx after it, so those run as NOPs and ESP ends 4 lower, not 20.  The
 * fused run stored all five at once: on linear memory the host's fault
 * on the code page completed each store and asked for the exit only after
 * the whole run.  Every engine and memory path, against the rule. */
START_TEST(test_push_run_rewriting_its_own_pushes_runs_them_rewritten)
{
    enum { C = 0x30000 };
    static const uint8_t code[] = {
        0xbc, 0x2f, 0x00, 0x03, 0x00, /* C+20: mov esp, C+2f */
        0xbd, 0x90, 0x90, 0x90, 0x90, /* C+25: mov ebp, 0x90909090 */
        0x55,                         /* C+2a: push ebp: writes C+2b..C+2e */
        0x52, 0x52, 0x52, 0x52,       /* C+2b: push edx x4, NOPs once rewritten */
        0xcc,                         /* C+2f: int3 */
    };
    for (int k = 0; k < 4; k++) { /* twin_cpu kinds 0-2, then 0 on the native back end */
        E386Cpu *cpu = twin_cpu(k < 3 ? k : 0);
        if (k == 3 && e386_set_accel(cpu, E386_ACCEL_NATIVE) != E386_ACCEL_NATIVE) {
            printf("stack_run: SKIP the native case of the self-rewriting push run: no native back end here\n");
            fflush(stdout);
            e386_cpu_free(cpu);
            break;
        }
        if (k < 3)
            ck_assert_int_eq(e386_set_accel(cpu, E386_ACCEL_INTERP), E386_ACCEL_INTERP);
        ck_assert_int_eq(e386_mem_map(cpu, C, 0x1000, E386_PROT_READ | E386_PROT_WRITE | E386_PROT_EXEC), 0);
        ck_assert_int_eq(e386_mem_write(cpu, C + 0x20, code, sizeof code), 0);
        e386_reg_write(cpu, E386_EDX, 0x11223344);
        e386_reg_write(cpu, E386_EIP, C + 0x20);
        e386_exit x;
        e386_run(cpu, 1000, &x);
        uint8_t b[4];
        ck_assert_int_eq(e386_mem_read(cpu, C + 0x2b, b, 4), 0);
        ck_assert_msg(e386_reg_read(cpu, E386_ESP) == C + 0x2b, "case %d: ESP %x", k, e386_reg_read(cpu, E386_ESP));
        ck_assert_uint_eq(e386_reg_read(cpu, E386_EIP), C + 0x30);
        ck_assert_uint_eq(ld_le(b, 4), 0x90909090u);
        e386_cpu_free(cpu);
    }
}
END_TEST

/* twin_load leaves no trap flag behind: a random run whose stores rewrote
 * its code into a POPF once left TF set in its CPU, and every later run
 * of the fusion tests single-stepped (a #DB after one instruction, the
 * same in all three CPUs: nothing fused was compared; test_pair_run's
 * programs ended so 64-92 % of the time). */
START_TEST(test_twin_load_clears_a_trap_flag_left_by_an_earlier_run)
{
    E386Cpu *cpu = new_cpu(0);
    static uint8_t page[0x1000];
    const uint32_t regs[8] = { 0, 0, 0, 0, STACK + 0x800, 0, 0, 0 };
    e386_reg_write(cpu, E386_EFLAGS, 0x202 | 0x100 | 0x400); /* TF and DF, as a POPF may leave them */
    twin_load(&cpu, 1, regs, CODE, F_CF, STACK, page);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EFLAGS), 0x202 | F_CF);
    e386_cpu_free(cpu);
}
END_TEST

/* After a run that stopped at its budget the twins' instruction counts
 * were apart (blocks overshoot the budget, single instructions do not),
 * and a later program that rewrote itself into an RDTSC read different
 * clocks (test_pair_run, program 1913).  inc eax; jmp $-1 for 1000
 * instructions, then rdtsc; int3 from twin_load's state. */
START_TEST(test_twin_load_equal_clocks_after_a_run_stopped_at_its_budget)
{
    E386Cpu *cpus[2] = { new_cpu(0), new_cpu(1) };
    static const uint8_t loop[] = { 0x40, 0xeb, 0xfd }, rdtsc[] = { 0x0f, 0x31, 0xcc };
    static uint8_t page[0x1000];
    const uint32_t regs[8] = { 0, 0, 0, 0, STACK + 0x800, 0, 0, 0 };
    for (int k = 0; k < 2; k++) {
        e386_exit ex;
        ck_assert_int_eq(e386_mem_write(cpus[k], CODE, loop, sizeof loop), 0);
        e386_reg_write(cpus[k], E386_EIP, CODE);
        ck_assert_int_eq(e386_run(cpus[k], 1001, &ex), E386_EXIT_INSN_LIMIT);
    }
    twin_load(cpus, 2, regs, CODE, 0, STACK, page);
    uint32_t tsc[2];
    for (int k = 0; k < 2; k++) {
        e386_exit ex;
        ck_assert_int_eq(e386_mem_write(cpus[k], CODE, rdtsc, sizeof rdtsc), 0);
        ck_assert_int_eq(e386_run(cpus[k], 0, &ex), E386_EXIT_INTERRUPT);
        tsc[k] = e386_reg_read(cpus[k], E386_EAX);
    }
    ck_assert_uint_eq(tsc[0], tsc[1]);
    for (int k = 0; k < 2; k++)
        e386_cpu_free(cpus[k]);
}
END_TEST

START_TEST(test_runs_equal_per_instruction)
{
    E386Cpu *cpus[3] = { new_cpu(0), new_cpu(1), new_cpu(2) };
    uint32_t s = 0x13572468u;
    TwinCount t = { 0, 0, 0, 0 };
    for (int p = 0; p < PROGS; p++) {
        uint8_t code[128];
        int len = make_code(code, &s);
        for (int k = 0; k < 3; k++)
            loop_assert_eq(e386_mem_write(cpus[k], CODE, code, (size_t)len), 0);
        for (int st = 0; st < STATES; st++) {
            set_state(cpus, 3, &s);
            twin_run(cpus, STACK, "stack run", p, st, &t, 0);
        }
    }
    printf("stack_run: %d runs, %d ending in a fault, %d differences\n", t.cases, t.faults, t.bad);
    fflush(stdout);
    for (int k = 0; k < 3; k++)
        e386_cpu_free(cpus[k]);
    ck_assert_int_gt(t.faults, t.cases / 20);
    ck_assert_int_eq(t.bad, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("stack_run");
    TCase *tc = tcase_create("stack_run");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_runs_equal_per_instruction);
    tcase_add_test(tc, test_push_run_rewriting_its_own_pushes_runs_them_rewritten);
    tcase_add_test(tc, test_twin_load_clears_a_trap_flag_left_by_an_earlier_run);
    tcase_add_test(tc, test_twin_load_equal_clocks_after_a_run_stopped_at_its_budget);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
