/* prlimit64 of another process: of a child (read, then set, as the
 * child then sees it), of a pid that does not exist (ESRCH, Python's
 * resource.prlimit(-1, ...)), and Linux's order of checks (ESRCH before
 * EINVAL for a bad resource).  EPERM before: only our own pid worked. */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct rlimit mine, rl;
    getrlimit(RLIMIT_NOFILE, &mine);
    show("prlimit -1", prlimit(-1, RLIMIT_NOFILE, NULL, &rl));
    show("prlimit -1, bad resource", prlimit(-1, 999, NULL, &rl));
    show("prlimit 0, bad resource", prlimit(0, 999, NULL, &rl));
    show("prlimit self", prlimit(getpid(), RLIMIT_NOFILE, NULL, &rl));
    printf("self's is getrlimit's %d\n", rl.rlim_cur == mine.rlim_cur && rl.rlim_max == mine.rlim_max);

    int go[2], back[2];
    if (pipe(go) || pipe(back))
        return 1;
    pid_t c = fork();
    if (c == 0) { /* wait for the parent's prlimit, then report what we see */
        char b;
        if (read(go[0], &b, 1) != 1)
            _exit(1);
        getrlimit(RLIMIT_NOFILE, &rl);
        char ok = rl.rlim_cur == 64 ? 'y' : 'n';
        _exit(write(back[1], &ok, 1) == 1 ? 0 : 1);
    }
    show("prlimit child", prlimit(c, RLIMIT_NOFILE, NULL, &rl));
    printf("child's is ours %d\n", rl.rlim_cur == mine.rlim_cur && rl.rlim_max == mine.rlim_max);
    struct rlimit nl = { 64, mine.rlim_max }, old;
    show("prlimit child, set", prlimit(c, RLIMIT_NOFILE, &nl, &old));
    printf("old is ours %d\n", old.rlim_cur == mine.rlim_cur);
    getrlimit(RLIMIT_NOFILE, &rl);
    printf("ours unchanged %d\n", rl.rlim_cur == mine.rlim_cur);
    char b = 'g';
    if (write(go[1], &b, 1) != 1 || read(back[0], &b, 1) != 1)
        return 1;
    printf("child sees 64 %c\n", b);
    int st;
    waitpid(c, &st, 0);
    printf("child exit %d\n", WEXITSTATUS(st));
    nl.rlim_cur = nl.rlim_max + 1;
    show("prlimit cur above max", prlimit(0, RLIMIT_NOFILE, &nl, NULL));
    return 0;
}
