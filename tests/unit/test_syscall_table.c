/* docs/syscalls.md against the dispatcher: every i386 system call number
 * the table lists as implemented must be handled by user_do_syscall(),
 * and every one it lists as not implemented must return ENOSYS.
 *
 * The probe calls each number in a child process of its own (a fresh
 * guest with no memory mapped, so every pointer argument is EFAULT), once
 * with all arguments 0 and once with all arguments 0xffffffff; a call is
 * handled when either answer is not -ENOSYS, or when it blocks (pause)
 * or ends the process (exit).  `test_syscall_table --probe` prints "nr
 * handled" lines: tests/unit/gen_syscall_table.py builds the table from
 * them. */
#define _GNU_SOURCE
#include <check.h>
#include "unit_main.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include "user/user.h"

enum { MAX_NR = 512 };

/* 1 handled, 0 ENOSYS, -1 the probe itself failed */
static int probe(uint32_t nr)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    fflush(NULL); /* the child's own forks must not print our buffers again */
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        close(fds[0]);
        signal(SIGALRM, SIG_DFL); /* Check's timeout handler would kill the test */
        /* a call that blocks (pause, select without a timeout) is handled */
        struct itimerval it = { { 0, 0 }, { 0, 300000 } };
        setitimer(ITIMER_REAL, &it, NULL);
        static const uint32_t pattern[2] = { 0, 0xffffffffu };
        int handled = 0;
        for (int k = 0; k < 2 && !handled; k++) {
            UserProc *p = calloc(1, sizeof *p);
            p->cpu = e386_cpu_new();
            user_signal_init(p);
            uint32_t a[6];
            for (int i = 0; i < 6; i++)
                a[i] = pattern[k];
            if (nr == 119 || nr == 173) {
                /* sigreturn and rt_sigreturn are taken before the dispatcher
                 * (user_syscall: the registers come from the signal frame),
                 * so they are probed there: unhandled, EAX would be -ENOSYS */
                static const int regs[6] = { E386_EBX, E386_ECX, E386_EDX, E386_ESI, E386_EDI, E386_EBP };
                for (int i = 0; i < 6; i++)
                    e386_reg_write(p->cpu, regs[i], a[i]);
                e386_reg_write(p->cpu, E386_EAX, nr);
                user_syscall(p->cpu, 0x80, p);
                handled = e386_reg_read(p->cpu, E386_EAX) != (uint32_t)-ENOSYS;
            } else {
                int32_t r = user_do_syscall(p, nr, a);
                handled = r != -ENOSYS || p->exited;
            }
        }
        char c = handled ? '1' : '0';
        if (write(fds[1], &c, 1) != 1)
            _exit(2);
        _exit(0);
    }
    close(fds[1]);
    char c = 0;
    ssize_t n = read(fds[0], &c, 1);
    close(fds[0]);
    int st;
    waitpid(pid, &st, 0);
    if (n == 1)
        return c == '1';
    return 1; /* ended or blocked before answering: the call did something */
}

/* The table's rows: "| nr | name | status | ... |" */
static int read_table(int *status, char names[][32])
{
    FILE *f = fopen(E386_SOURCE_DIR "/docs/syscalls.md", "r");
    if (!f)
        return -1;
    char line[512];
    int rows = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned nr;
        char name[32], st[64];
        if (sscanf(line, "| %u | %31[^ |] | %63[^|]|", &nr, name, st) != 3 || nr >= MAX_NR)
            continue;
        status[nr] = strncmp(st, "implemented", 11) == 0 ? 1 : 0;
        snprintf(names[nr], 32, "%s", name);
        rows++;
    }
    fclose(f);
    return rows;
}

START_TEST(test_syscall_table_matches_dispatcher)
{
    static int status[MAX_NR];
    static char names[MAX_NR][32];
    for (int i = 0; i < MAX_NR; i++)
        status[i] = -1;
    int rows = read_table(status, names);
    ck_assert_msg(rows > 400, "docs/syscalls.md: %d rows (regenerate it: tests/unit/gen_syscall_table.py)", rows);
    int bad = 0;
    for (uint32_t nr = 0; nr < MAX_NR; nr++) {
        if (status[nr] < 0)
            continue;
        int h = probe(nr);
        ck_assert_int_ge(h, 0);
        if (h != status[nr]) {
            fprintf(stderr, "syscall %u (%s): docs/syscalls.md says %s, the dispatcher %s\n", nr,
                    names[nr], status[nr] ? "implemented" : "not implemented",
                    h ? "handles it" : "returns ENOSYS");
            bad++;
        }
    }
    ck_assert_msg(bad == 0, "%d system calls disagree with docs/syscalls.md "
                            "(regenerate it: tests/unit/gen_syscall_table.py)", bad);
}
END_TEST

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--probe") == 0) {
        for (uint32_t nr = 0; nr < 460; nr++)
            printf("%u %d\n", nr, probe(nr));
        return 0;
    }
    Suite *s = suite_create("syscall_table");
    TCase *tc = tcase_create("table");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_syscall_table_matches_dispatcher);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
