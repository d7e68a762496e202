/* The shared main of the Check unit tests: run one suite, exit status. */
#ifndef E386_UNIT_MAIN_H
#define E386_UNIT_MAIN_H
#include <check.h>
#include <stdlib.h>

static int run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
#endif
