/* Record locks between two processes: F_SETLK/F_GETLK/F_SETLKW with
 * struct flock and struct flock64, open file description locks, and
 * flock(2). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"

static const char *tname(int t) { return t == F_RDLCK ? "F_RDLCK" : t == F_WRLCK ? "F_WRLCK" : t == F_UNLCK ? "F_UNLCK" : "?"; }

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    char path[] = "/tmp/emu386-locks-XXXXXX";
    int fd = mkstemp(path);
    ftruncate(fd, 4096);
    struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 100, .l_len = 50 };
    show("parent F_SETLK write 100+50", fcntl(fd, F_SETLK, &fl));
    int go[2], done[2], bye[2];
    pipe(go);
    pipe(done);
    pipe(bye); /* the child holds its locks until the parent has looked */
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        int cfd = open(path, O_RDWR);
        struct flock q = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
        show("child F_GETLK", fcntl(cfd, F_GETLK, &q));
        printf("child sees %s start %ld len %ld by parent %d\n", tname(q.l_type), (long)q.l_start, (long)q.l_len,
               q.l_pid == parent);
        struct flock64 q64 = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 120, .l_len = 1 };
        show("child F_GETLK64", fcntl(cfd, F_GETLK64, &q64));
        printf("child sees64 %s start %lld len %lld\n", tname(q64.l_type), (long long)q64.l_start, (long long)q64.l_len);
        q64 = (struct flock64){ .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 100 };
        show("child F_SETLK64 free range", fcntl(cfd, F_SETLK64, &q64));
        q = (struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 140, .l_len = 20 };
        show("child F_SETLK overlapping", fcntl(cfd, F_SETLK, &q));
        write(go[1], "g", 1);
        show("child F_SETLKW (waits for the parent)", fcntl(cfd, F_SETLKW, &q));
        q = (struct flock){ .l_type = 7, .l_whence = SEEK_SET };
        show("child F_SETLK bad type", fcntl(cfd, F_SETLK, &q));
        show("child F_SETLK bad pointer", fcntl(cfd, F_SETLK, (struct flock *)8));
        fflush(stdout);
        write(done[1], "d", 1);
        read(bye[0], &q, 1);
        _exit(0);
    }
    char c;
    read(go[0], &c, 1);
    usleep(50000);
    fl.l_type = F_UNLCK;
    long ur = fcntl(fd, F_SETLK, &fl); /* shown after the child's lines: one order */
    read(done[0], &c, 1);
    show("parent unlock", ur);
    struct flock q = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
    show("parent F_GETLK", fcntl(fd, F_GETLK, &q));
    printf("parent sees %s start %ld len %ld by child %d\n", tname(q.l_type), (long)q.l_start, (long)q.l_len, q.l_pid == pid);
    write(bye[1], "b", 1);
    int st;
    waitpid(pid, &st, 0);
    printf("child exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    q = (struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET };
    show("parent F_GETLK after exit", fcntl(fd, F_GETLK, &q));
    printf("parent sees %s\n", tname(q.l_type));
    /* OFD locks conflict between two opens in one process */
    int a = open(path, O_RDWR), b = open(path, O_RDWR);
    struct flock o = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10 };
    show("F_OFD_SETLK first", fcntl(a, F_OFD_SETLK, &o));
    show("F_OFD_SETLK second", fcntl(b, F_OFD_SETLK, &o));
    o.l_type = F_RDLCK;
    show("F_OFD_GETLK", fcntl(b, F_OFD_GETLK, &o));
    printf("ofd sees %s pid %d\n", tname(o.l_type), o.l_pid);
    show("flock LOCK_EX", flock(a, LOCK_EX));
    show("flock LOCK_EX|LOCK_NB other", flock(b, LOCK_EX | LOCK_NB));
    show("flock LOCK_UN", flock(a, LOCK_UN));
    show("flock LOCK_SH|LOCK_NB other", flock(b, LOCK_SH | LOCK_NB));
    show("F_GETPIPE_SZ on a file", fcntl(a, F_GETPIPE_SZ));
    int pf[2];
    pipe(pf);
    show("F_SETPIPE_SZ 65536", fcntl(pf[0], F_SETPIPE_SZ, 65536));
    show("F_GETPIPE_SZ", fcntl(pf[0], F_GETPIPE_SZ));
    unlink(path);
    return 0;
}
