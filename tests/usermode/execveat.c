/* execveat (bug: ENOSYS, so glibc's fexecve failed and CPython's
 * test_posix test_fexecve child exited 126): a program run by its
 * descriptor (close-on-exec, as CPython opens it), by a directory
 * descriptor and a relative name, through a symbolic link with and
 * without AT_SYMLINK_NOFOLLOW, and Linux's errors for an empty name
 * without AT_EMPTY_PATH, unknown flags and a bad descriptor. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"

extern char **environ;

static void run(const char *what, int dirfd, const char *name, int flags)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        char *argv[] = { "execveat", (char *)what, NULL };
        long r = syscall(SYS_execveat, dirfd, name, argv, environ, flags);
        printf("%s: execveat = %ld %s\n", what, r, ename(errno));
        fflush(stdout);
        _exit(3);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    printf("%s: exit %d\n", what, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1) {
        printf("%s: the program runs\n", argv[1]);
        return 0;
    }
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return 1;
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    *slash = 0;
    int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    int dir = open(exe, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    char tmp[] = "/tmp/execveat.XXXXXX";
    if (self < 0 || dir < 0 || !mkdtemp(tmp))
        return 1;
    char link[64];
    snprintf(link, sizeof link, "%s/link", tmp);
    *slash = '/';
    if (symlink(exe, link) != 0)
        return 1;
    int tmpfd = open(tmp, O_RDONLY | O_DIRECTORY);

    run("fd", self, "", AT_EMPTY_PATH);
    run("dirfd and name", dir, slash + 1, 0);
    run("symlink", tmpfd, "link", 0);
    run("symlink nofollow", tmpfd, "link", AT_SYMLINK_NOFOLLOW);
    run("empty name", self, "", 0);
    run("bad flags", self, "", AT_EMPTY_PATH | 0x4);
    run("bad fd", 1000, "", AT_EMPTY_PATH);
    run("name under a file", self, "x", 0);
    unlink(link);
    rmdir(tmp);
    return 0;
}
