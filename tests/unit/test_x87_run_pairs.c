/* Regression: integer ops inside an x87 run (x87_run.c calls each one's
 * handler itself) were paired by pair_fuse (pair.c, the interpreter
 * only): a pair or a then_* handler there ran its neighbour too, and the
 * run ran it again (fp_matmul's output differed).  FLD m64; ADD EAX, 1;
 * ADD EBX, 1; FMUL m64; ADD ECX, 1; FADDP ST(1) as one run: each integer
 * op must run once, and the x87 result be 1 + 2 * 3. */
#include "unit_main.h"
#include "core/cpu.h"
#include "e386.h"

enum { CODE = 0x10000, DATA = 0x20000 };

START_TEST(test_x87_run_integer_ops_once)
{
    static const uint8_t code[] = {
        0xdd, 0x05, 0x00, 0x00, 0x02, 0x00, /* fld qword [0x20000]: 1.0 */
        0xdd, 0x05, 0x08, 0x00, 0x02, 0x00, /* fld qword [0x20008]: 2.0 */
        0x83, 0xc0, 0x01,                   /* add eax, 1 */
        0x83, 0xc3, 0x01,                   /* add ebx, 1 */
        0xdc, 0x0d, 0x10, 0x00, 0x02, 0x00, /* fmul qword [0x20010]: 3.0 */
        0x83, 0xc1, 0x01,                   /* add ecx, 1 */
        0xde, 0xc1,                         /* faddp st(1), st */
        0xdd, 0x1d, 0x18, 0x00, 0x02, 0x00, /* fstp qword [0x20018] */
        0xcc,
    };
    static const uint8_t data[24] = { [6] = 0xf0, [7] = 0x3f, [15] = 0x40, [22] = 0x08, [23] = 0x40 };
    E386Cpu *cpu = e386_cpu_new();
    ck_assert_ptr_nonnull(cpu);
    ck_assert_int_eq(e386_set_accel(cpu, E386_ACCEL_INTERP), E386_ACCEL_INTERP);
    ck_assert_int_eq(e386_mem_map(cpu, CODE, 0x1000, E386_PROT_READ | E386_PROT_EXEC), 0);
    ck_assert_int_eq(e386_mem_map(cpu, DATA, 0x1000, E386_PROT_READ | E386_PROT_WRITE), 0);
    ck_assert_int_eq(e386_mem_write(cpu, CODE, code, sizeof code), 0);
    ck_assert_int_eq(e386_mem_write(cpu, DATA, data, sizeof data), 0);
    for (int i = 0; i < 8; i++)
        e386_reg_write(cpu, E386_EAX + i, 0);
    e386_reg_write(cpu, E386_ESP, DATA + 0x800);
    e386_reg_write(cpu, E386_EIP, CODE);
    e386_exit x;
    e386_run(cpu, 0, &x);
    uint8_t out[8];
    ck_assert_int_eq(e386_mem_read(cpu, DATA + 0x18, out, 8), 0);
    ck_assert_uint_eq(cpu->r[0], 1); /* EAX */
    ck_assert_uint_eq(cpu->r[3], 1); /* EBX */
    ck_assert_uint_eq(cpu->r[1], 1); /* ECX */
    static const uint8_t seven[8] = { [6] = 0x1c, [7] = 0x40 }; /* 7.0 */
    ck_assert_mem_eq(out, seven, 8);
    e386_cpu_free(cpu);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("x87_run_pairs");
    TCase *tc = tcase_create("x87_run_pairs");
    tcase_add_test(tc, test_x87_run_integer_ops_once);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
