/* The shared main of the Check unit tests: run one suite, exit status. */
#ifndef E386_UNIT_MAIN_H
#define E386_UNIT_MAIN_H
#include <check.h>
#include <stdlib.h>

/* For assertions inside long loops.  Check reports every assertion that
 * passes to its runner (one write system call each, for the last-location
 * message), so a loop of 1.7 million byte checks took 2 minutes under
 * Valgrind and 3 million in test_vma cost seconds under qemu-user.  These
 * say nothing when they pass; a failure is reported as Check's would be,
 * with the expression, the values and the line. */
#define loop_assert(expr) \
    do { if (!(expr)) ck_abort_msg("Assertion '%s' failed", #expr); } while (0)
#define loop_assert_msg(expr, ...) \
    do { if (!(expr)) ck_abort_msg(__VA_ARGS__); } while (0)
#define loop_assert_eq(a, b) \
    do { \
        long long loop_a_ = (long long)(a), loop_b_ = (long long)(b); \
        if (loop_a_ != loop_b_) \
            ck_abort_msg("Assertion '%s == %s' failed: %s == %lld, %s == %lld", #a, #b, #a, loop_a_, #b, loop_b_); \
    } while (0)

static int run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
#endif
