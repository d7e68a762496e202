/* Block-ending Jcc (src/cpu/fuse.c): the fused compare-and-branch ops of
 * every compare form and the Jcc handlers with their condition fixed,
 * against the generic handlers.  Twin CPUs run the same random code from
 * the same random state: one normally (its blocks end in the fused or
 * fixed ops; with the default engine, which ctest runs a second time as
 * the interpreter: unit/test_fuse_run-interp), one with a debugger hook, which makes every block one
 * instruction long (nothing fused, op_jcc_J itself), both with linear
 * guest memory where the host has it; a third runs normally on the page
 * map (every memory fast path declines).  The code is a chain of blocks,
 * each a few register or stack instructions, then a compare (registers,
 * an immediate, a byte or dword at [esp + disp8] or [esp + index + disp8]
 * against a register or an immediate), a flag-setting non-compare or
 * nothing, then a Jcc of any condition over one instruction; INT3 at the
 * end.  ESP lies anywhere in the stack page, near its ends too, so the
 * compares' memory reads fault now and then.  Exit, vector, error code,
 * fault address and EIP, the instruction count, the registers, EFLAGS
 * and the stack page must come out identical. */
#include "unit_main.h"
#include "twin_cpus.h"

enum { CODE = 0x10000, STACK = 0x20000, PROGS = 3000, STATES = 8 };

/* kind k: twin_cpus.h */
static E386Cpu *new_cpu(int k)
{
    E386Cpu *cpu = twin_cpu(k);
    loop_assert_eq(e386_mem_map(cpu, CODE, 0x1000, E386_PROT_READ | E386_PROT_EXEC), 0);
    loop_assert_eq(e386_mem_map(cpu, STACK, 0x1000, E386_PROT_READ | E386_PROT_WRITE), 0);
    return cpu;
}

/* ModRM (+ SIB + disp8) for [esp + d] or [esp + idx + d], reg field reg */
static int mem_operand(uint8_t *c, int n, int reg, int idx, uint8_t d)
{
    c[n++] = (uint8_t)(0x44 | reg << 3);
    c[n++] = (uint8_t)(idx < 0 ? 0x24 : (idx << 3 | 4));
    c[n++] = d;
    return n;
}

/* a register other than ESP */
static int any_reg(uint32_t r) { int g = (int)(r & 7); return g == 4 ? 5 : g; }

static int make_code(uint8_t *c, uint32_t *s)
{
    int n = 0, blocks = 1 + (int)(twin_rng(s) % 6);
    for (int b = 0; b < blocks; b++) {
        int fill = (int)(twin_rng(s) % 3);
        for (int i = 0; i < fill; i++) {
            uint32_t r = twin_rng(s);
            int g = any_reg(r >> 8);
            switch (r % 4) {
            case 0: c[n++] = 0x8b, n = mem_operand(c, n, g, -1, (uint8_t)(r >> 16 & 0x3c)); break; /* mov */
            case 1: c[n++] = 0x83, c[n++] = (uint8_t)(0xc0 | g), c[n++] = (uint8_t)(r >> 16); break; /* add */
            case 2: c[n++] = (uint8_t)(0x48 | g); break;                                          /* dec */
            default: c[n++] = 0x89, n = mem_operand(c, n, g, -1, (uint8_t)(r >> 16 & 0x3c)); break; /* mov */
            }
        }
        uint32_t r = twin_rng(s), r2 = twin_rng(s);
        int g = any_reg(r >> 8), idx = any_reg(r >> 12);
        uint8_t d = (uint8_t)(r >> 16 & 0x3f);
        int form = (int)(r % 16);
        if (form >= 3 && form <= 7 && (r >> 24) % 2) { /* [esp + idx + d]: idx made small first */
            c[n++] = 0x83, c[n++] = (uint8_t)(0xe0 | idx), c[n++] = 0x3c; /* and idx, 0x3c */
        } else {
            idx = -1;
        }
        switch (form) {
        case 0: c[n++] = 0x39, c[n++] = (uint8_t)(0xc0 | g << 3 | any_reg(r2)); break;  /* cmp r, r */
        case 1: c[n++] = 0x3b, c[n++] = (uint8_t)(0xc0 | g << 3 | any_reg(r2)); break;  /* cmp r, r */
        case 2: c[n++] = 0x3d, c[n++] = (uint8_t)r2, c[n++] = 0, c[n++] = 0, c[n++] = (uint8_t)(r2 >> 8); break;
        case 3: c[n++] = 0x39, n = mem_operand(c, n, g, idx, d); break;                  /* cmp [m], r32 */
        case 4: c[n++] = 0x38, n = mem_operand(c, n, g, idx, d); break;                  /* cmp [m], r8 */
        case 5: c[n++] = 0x80, n = mem_operand(c, n, 7, idx, d), c[n++] = (uint8_t)r2; break; /* cmp byte [m], imm8 */
        case 6: /* cmp dword [m], imm32 */
            c[n++] = 0x81, n = mem_operand(c, n, 7, idx, d);
            for (int i = 0; i < 4; i++)
                c[n++] = (uint8_t)(r2 >> (8 * i));
            break;
        case 7: c[n++] = 0x83, n = mem_operand(c, n, 7, idx, d), c[n++] = (uint8_t)r2; break; /* cmp dword [m], imm8 */
        case 8: c[n++] = 0x3b, n = mem_operand(c, n, g, -1, d); break;                   /* cmp r32, [m] */
        case 9: c[n++] = 0x85, c[n++] = (uint8_t)(0xc0 | g << 3 | any_reg(r2)); break;  /* test r32, r32 */
        case 10: c[n++] = 0x84, c[n++] = (uint8_t)(0xc0 | (r2 & 0x3f)); break;          /* test r8, r8 */
        case 11: c[n++] = (uint8_t)(0x48 | g); break;                                    /* dec r32 */
        case 12: c[n++] = 0x83, c[n++] = (uint8_t)(0xe0 | g), c[n++] = (uint8_t)r2; break; /* and r32, imm8 */
        case 13: c[n++] = 0xd1, c[n++] = (uint8_t)(0xe0 | g); break;                     /* shl r32, 1 */
        case 14: c[n++] = 0x83, c[n++] = (uint8_t)(0xd0 | g), c[n++] = (uint8_t)r2; break; /* adc r32, imm8 */
        default: break;                                                                  /* the flags as they are */
        }
        c[n++] = (uint8_t)(0x70 | (r2 >> 28)), c[n++] = 1; /* jcc over: */
        c[n++] = (uint8_t)(0x40 | any_reg(r2 >> 16));     /* inc r32 */
    }
    c[n++] = 0xcc;
    return n;
}

/* ESP: inside the page, near its low end, near its high end (the
 * compares read past it), misaligned */
static uint32_t random_esp(uint32_t *s)
{
    uint32_t r = twin_rng(s);
    switch (r % 4) {
    case 0: return STACK + 0x1000 - (r >> 8 & 0x7f);
    case 1: return STACK + (r >> 8 & 0xfff);
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
    for (int i = 0; i < 0x1000; i++) /* equal values now and then */
        page[i] = (uint8_t)(twin_rng(s) % 5 ? twin_rng(s) : (uint8_t)regs[i & 7]);
    twin_load(cpus, n, regs, CODE, twin_rng(s) & F_ARITH, STACK, page);
}

/* PROGS programs of make's, each from STATES random states, on the three
 * CPUs; the counts in *t */
static void run_programs(int (*make)(uint8_t *, uint32_t *), uint32_t seed, const char *what, TwinCount *t)
{
    E386Cpu *cpus[3] = { new_cpu(0), new_cpu(1), new_cpu(2) };
    uint32_t s = seed;
    for (int p = 0; p < PROGS; p++) {
        uint8_t code[256];
        int len = make(code, &s);
        for (int k = 0; k < 3; k++)
            loop_assert_eq(e386_mem_write(cpus[k], CODE, code, (size_t)len), 0);
        for (int st = 0; st < STATES; st++) {
            set_state(cpus, 3, &s);
            twin_run(cpus, STACK, what, p, st, t, 0);
        }
    }
    printf("%s: %d runs, %d ending in a fault, %d differences\n", what, t->cases, t->faults, t->bad);
    fflush(stdout);
    for (int k = 0; k < 3; k++)
        e386_cpu_free(cpus[k]);
}

START_TEST(test_fused_jcc_equal_per_instruction)
{
    TwinCount t = { 0, 0, 0, 0 };
    run_programs(make_code, 0x2468ace1u, "fuse run", &t);
    ck_assert_int_gt(t.faults, t.cases / 50);
    ck_assert_int_eq(t.bad, 0);
}
END_TEST

/* Blocks that end in a load or an add, then a compare reading the
 * register it wrote, then a Jcc (cpu/fuse_fw.c): MOV g, [esp + d] or
 * [esp + idx + d] (idx made small before a NOP, so that the load is the
 * block's third op from the end), ADD or SUB g, imm8, ADD g, h; then
 * TEST g, g, TEST with g on either side, CMP g, imm8, CMP of g and
 * another register in either encoding and order, or (g EAX) CMP EAX,
 * imm32; a Jcc of any condition over one instruction. */
static int make_forwarding_code(uint8_t *c, uint32_t *s)
{
    int n = 0, blocks = 1 + (int)(twin_rng(s) % 6);
    for (int b = 0; b < blocks; b++) {
        uint32_t r = twin_rng(s), r2 = twin_rng(s);
        int g = any_reg(r >> 8), h = any_reg(r >> 12), idx = any_reg(r >> 16);
        uint8_t d = (uint8_t)(r >> 20 & 0x3c);
        if (idx == g)
            idx = g == 1 ? 2 : 1;
        if (r2 >> 12 & 1) /* now and then g is EAX, for CMP EAX, imm32 */
            g = 0;
        switch (r % 5) {
        case 4: c[n++] = 0x01, c[n++] = (uint8_t)(0xc0 | h << 3 | g); break; /* add g, h */
        case 0: c[n++] = 0x8b, n = mem_operand(c, n, g, -1, d); break; /* mov g, [esp + d] */
        case 1: c[n++] = 0x83, c[n++] = (uint8_t)(0xe0 | idx), c[n++] = 0x3c, c[n++] = 0x90; /* and idx, 0x3c; nop */
            c[n++] = 0x8b, n = mem_operand(c, n, g, idx, d); break; /* mov g, [esp + idx + d] */
        case 2: c[n++] = 0x83, c[n++] = (uint8_t)(0xc0 | g), c[n++] = (uint8_t)r2; break; /* add g, imm8 */
        default: c[n++] = 0x83, c[n++] = (uint8_t)(0xe8 | g), c[n++] = (uint8_t)r2; break; /* sub g, imm8 */
        }
        switch (g == 0 && (r2 >> 13 & 1) ? 8 : r2 >> 8 & 7) {
        case 0: case 1: c[n++] = 0x85, c[n++] = (uint8_t)(0xc0 | g << 3 | g); break; /* test g, g */
        case 2: c[n++] = 0x85, c[n++] = (uint8_t)(0xc0 | h << 3 | g); break;         /* test g, h (rm g) */
        case 3: c[n++] = 0x85, c[n++] = (uint8_t)(0xc0 | g << 3 | h); break;         /* test h, g (reg g) */
        case 4: c[n++] = 0x83, c[n++] = (uint8_t)(0xf8 | g), c[n++] = (uint8_t)(r2 >> 16); break; /* cmp g, imm8 */
        case 5: c[n++] = 0x39, c[n++] = (uint8_t)(0xc0 | h << 3 | g); break;         /* cmp g, h */
        case 6: c[n++] = 0x39, c[n++] = (uint8_t)(0xc0 | g << 3 | h); break;         /* cmp h, g */
        default: c[n++] = 0x3b, c[n++] = (uint8_t)(0xc0 | (r2 >> 11 & 1 ? g << 3 | h : h << 3 | g)); break; /* cmp, 3B */
        case 8: c[n++] = 0x3d, c[n++] = (uint8_t)(r2 >> 16), c[n++] = 0, c[n++] = 0, c[n++] = (uint8_t)(r2 >> 24); break; /* cmp eax, imm32 */
        }
        c[n++] = (uint8_t)(0x70 | (r2 >> 28)), c[n++] = 1; /* jcc over: */
        c[n++] = (uint8_t)(0x40 | any_reg(r2 >> 24));     /* inc r32 */
    }
    c[n++] = 0xcc;
    return n;
}

START_TEST(test_load_or_add_into_compare_equal_per_instruction)
{
    TwinCount t = { 0, 0, 0, 0 };
    run_programs(make_forwarding_code, 0x7531fdb9u, "forwarding fuse run", &t);
    ck_assert_int_gt(t.faults, t.cases / 50);
    ck_assert_int_lt(t.faults, t.cases / 2);
    ck_assert_int_eq(t.bad, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fuse_run");
    TCase *tc = tcase_create("fuse_run");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_fused_jcc_equal_per_instruction);
    tcase_add_test(tc, test_load_or_add_into_compare_equal_per_instruction);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
