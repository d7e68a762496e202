/* no-ia32 CMD [ARG...]: run CMD, and everything it starts, as on a kernel
 * without IA-32 emulation (CI's, docs/testing.md "CI legs"), on an x86-64
 * machine that has it.  A seccomp filter kills any process at its first
 * i386 system call, so an i386 program never gets to print anything: the
 * suites' probes (tests/lib/host-i386.sh, run_suite.py) then find no
 * native i386 and take the paths CI takes (x86-64 twins, golden files,
 * ci/leg-host32 under qemu-i386).  The kernel refuses such a program at
 * execve (ENOEXEC) rather than killing it (SIGSYS): both read "cannot run
 * i386 code" to a probe.  x86-64 programs, emu386 among them, are not
 * touched: the filter tests only the system call's architecture. */
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = { sizeof filter / sizeof filter[0], filter };
    if (argc < 2) {
        fprintf(stderr, "usage: no-ia32 CMD [ARG...]\n");
        return 2;
    }
    /* no_new_privs: what lets an unprivileged process install a filter */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
        perror("no-ia32: seccomp");
        return 2;
    }
    execvp(argv[1], argv + 1);
    perror(argv[1]);
    return 127;
}
