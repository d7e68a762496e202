/* The guest memory allocator: blocks are zero-filled mappings; in
 * checked mode a wrong size, a double free, a foreign pointer and a leak
 * at destroy abort with a message (death tests). */
#define _GNU_SOURCE
#include <check.h>
#include "unit_main.h"
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "mem/galloc.h"

static GuestAlloc checked(void)
{
    GuestAlloc ga;
    setenv("E386_GALLOC_CHECK", "1", 1);
    galloc_init(&ga);
    ck_assert_int_eq(ga.checked, 1);
    return ga;
}

START_TEST(test_blocks_are_zero_and_aligned)
{
    GuestAlloc ga = checked();
    for (int i = 0; i < 2; i++) {
        if (i)
            setenv("MALLOC_PERTURB_", "165", 1); /* must not matter: these are mappings */
        uint8_t *p = galloc_alloc(&ga, 3 * 4096 + 5, 1 << 16, "test");
        ck_assert_ptr_nonnull(p);
        ck_assert_uint_eq((uintptr_t)p & 0xffff, 0);
        for (size_t k = 0; k < 4 * 4096; k += 97)
            ck_assert_int_eq(p[k], 0);
        memset(p, 0xab, 4 * 4096);
        ck_assert_uint_eq(ga.nlive, 1);
        galloc_free(&ga, p, 3 * 4096 + 5); /* same size as asked, rounding is the allocator's */
        ck_assert_uint_eq(ga.nlive, 0);
        ck_assert_uint_eq(ga.bytes, 0);
    }
    galloc_destroy(&ga);
}
END_TEST

START_TEST(test_many_blocks_any_order)
{
    GuestAlloc ga = checked();
    void *b[64];
    for (int i = 0; i < 64; i++)
        b[i] = galloc_alloc(&ga, 4096 * (size_t)(1 + i % 3), 4096, "test");
    for (int i = 0; i < 64; i += 2)
        galloc_free(&ga, b[i], 4096 * (size_t)(1 + i % 3));
    for (int i = 63; i > 0; i -= 2)
        galloc_free(&ga, b[i], 4096 * (size_t)(1 + i % 3));
    ck_assert_uint_eq(ga.nlive, 0);
    galloc_destroy(&ga);
}
END_TEST

/* ---- death tests: each must abort ---- */

START_TEST(death_wrong_size)
{
    GuestAlloc ga = checked();
    void *p = galloc_alloc(&ga, 8192, 4096, "test");
    galloc_free(&ga, p, 4096);
}
END_TEST

START_TEST(death_double_free)
{
    GuestAlloc ga = checked();
    void *p = galloc_alloc(&ga, 4096, 4096, "test");
    galloc_free(&ga, p, 4096);
    galloc_free(&ga, p, 4096);
}
END_TEST

START_TEST(death_foreign_pointer)
{
    GuestAlloc ga = checked();
    void *p = malloc(4096); /* a malloc block handed to the wrong free function */
    galloc_free(&ga, p, 4096);
}
END_TEST

START_TEST(death_leak_at_destroy)
{
    GuestAlloc ga = checked();
    galloc_alloc(&ga, 4096, 4096, "test");
    galloc_destroy(&ga);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("galloc");
    TCase *tc = tcase_create("galloc");
    tcase_add_test(tc, test_blocks_are_zero_and_aligned);
    tcase_add_test(tc, test_many_blocks_any_order);
    tcase_add_test_raise_signal(tc, death_wrong_size, SIGABRT);
    tcase_add_test_raise_signal(tc, death_double_free, SIGABRT);
    tcase_add_test_raise_signal(tc, death_foreign_pointer, SIGABRT);
    tcase_add_test_raise_signal(tc, death_leak_at_destroy, SIGABRT);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
