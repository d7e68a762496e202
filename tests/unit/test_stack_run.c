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

START_TEST(test_runs_equal_per_instruction)
{
    E386Cpu *cpus[3] = { new_cpu(0), new_cpu(1), new_cpu(2) };
    uint32_t s = 0x13572468u;
    TwinCount t = { 0, 0, 0, 0 };
    for (int p = 0; p < PROGS; p++) {
        uint8_t code[128];
        int len = make_code(code, &s);
        for (int k = 0; k < 3; k++)
            ck_assert_int_eq(e386_mem_write(cpus[k], CODE, code, (size_t)len), 0);
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
    suite_add_tcase(s, tc);
    return run_suite(s);
}
