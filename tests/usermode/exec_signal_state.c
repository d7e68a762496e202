/* What execve keeps of a process's signal state, as Linux keeps it: the
 * blocked mask (bug: emu386-user started every new program with nothing
 * blocked, so posix_spawn's setsigmask was lost and CPython's
 * test_posix test_setsigmask child died by the SIGUSR1 it had blocked)
 * and the ignored dispositions (SIG_IGN stays, a handler becomes
 * SIG_DFL).  The program runs itself again through /proc/self/exe, and
 * through posix_spawn with POSIX_SPAWN_SETSIGMASK. */
#define _GNU_SOURCE
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void on_usr2(int sig) { (void)sig; }

static const char *disposition(int sig)
{
    struct sigaction sa;
    sigaction(sig, NULL, &sa);
    return sa.sa_handler == SIG_IGN ? "SIG_IGN" : sa.sa_handler == SIG_DFL ? "SIG_DFL" : "a handler";
}

/* the exec'd program: report, then raise the blocked signal (it must
 * stay pending, not end the program) */
static int child(const char *how)
{
    sigset_t now, pending;
    sigprocmask(SIG_BLOCK, NULL, &now);
    printf("%s: SIGUSR1 blocked %d, SIGTERM blocked %d, SIGUSR2 blocked %d\n", how,
           sigismember(&now, SIGUSR1), sigismember(&now, SIGTERM), sigismember(&now, SIGUSR2));
    printf("%s: SIGHUP %s, SIGUSR2 %s, SIGINT %s\n", how, disposition(SIGHUP), disposition(SIGUSR2),
           disposition(SIGINT));
    raise(SIGUSR1);
    sigpending(&pending);
    printf("%s: after raise(SIGUSR1): pending %d\n", how, sigismember(&pending, SIGUSR1));
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1)
        return child(argv[1]);
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, NULL);
    signal(SIGHUP, SIG_IGN);
    signal(SIGUSR2, on_usr2);

    /* posix_spawn with its own mask: only SIGUSR1 */
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t only_usr1;
    sigemptyset(&only_usr1);
    sigaddset(&only_usr1, SIGUSR1);
    posix_spawnattr_setsigmask(&attr, &only_usr1);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
    char *spawn_argv[] = { argv[0], "posix_spawn", NULL };
    pid_t pid;
    int r = posix_spawn(&pid, "/proc/self/exe", NULL, &attr, spawn_argv, environ);
    int status = 0;
    if (r == 0 && waitpid(pid, &status, 0) != pid)
        r = -1;
    printf("posix_spawn = %d\n", r); /* after the child's lines */
    if (r == 0)
        printf("posix_spawn child: exited %d, signalled %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1,
               WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    posix_spawnattr_destroy(&attr);

    /* fork + execve: the mask as it stands */
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        char *exec_argv[] = { argv[0], "execve", NULL };
        execve("/proc/self/exe", exec_argv, environ);
        _exit(127);
    }
    if (waitpid(pid, &status, 0) == pid)
        printf("execve child: exited %d, signalled %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1,
               WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return 0;
}
