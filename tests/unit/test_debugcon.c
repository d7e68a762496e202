#define _POSIX_C_SOURCE 200809L
/* Port 0xE9 into a pipe whose reader stopped reading: every OUT used to
 * block in write() (only SIGKILL ended emu386-system); now a byte the pipe
 * has no room for is dropped and counted, and the guest runs on. */
#include <check.h>
#include "unit_main.h"
#include <stdio.h>
#include <unistd.h>
#include "dev/debugcon.h"

START_TEST(test_debugcon_stalled_pipe_wedged_the_emulator)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    FILE *out = fdopen(fds[1], "w");
    ck_assert_ptr_nonnull(out);
    IoBus bus;
    iobus_init(&bus);
    DeviceHost host = { &bus, stderr, 0 };
    DebugconState s;
    debugcon_init(&s, "debugcon", 0xE9, out);
    char err[128];
    ck_assert_int_eq(device_realize(&s.dev, &host, err, sizeof err), 0);
    ck_assert(s.may_block);
    for (int i = 0; i < 200000; i++) /* a pipe holds 64 KiB: the rest cannot fit */
        iobus_write(&bus, 0xE9, 1, 'x');
    ck_assert_uint_ge(s.dropped, 200000 - 65536);
    /* what the pipe took is there, in order */
    char b[16];
    ck_assert_int_eq(read(fds[0], b, sizeof b), (ssize_t)sizeof b);
    ck_assert_int_eq(b[0], 'x');
    device_unrealize(&s.dev);
    fclose(out);
    close(fds[0]);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("debugcon");
    TCase *tc = tcase_create("debugcon");
    tcase_add_test(tc, test_debugcon_stalled_pipe_wedged_the_emulator);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
