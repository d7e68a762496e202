/* AF_UNIX: a socketpair passing a pipe descriptor with SCM_RIGHTS (and
 * a truncated control buffer), SCM_CREDENTIALS, a named socket's address,
 * and getsockopt/setsockopt round trips with their error cases. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"

static int send_fds(int s, const int *fds, int n)
{
    char cbuf[CMSG_SPACE(4 * sizeof(int))];
    memset(cbuf, 0, sizeof cbuf);
    struct iovec iov = { "F", 1 };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                        .msg_controllen = CMSG_SPACE(n * sizeof(int)) };
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(n * sizeof(int));
    memcpy(CMSG_DATA(c), fds, n * sizeof(int));
    return (int)sendmsg(s, &m, 0);
}

static void rights(void)
{
    int sv[2], pf[2];
    show("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    pipe(pf);
    pid_t pid = fork();
    if (pid == 0) { /* child: receives the pipe's write end and writes into it */
        close(sv[0]);
        close(pf[1]);
        char cbuf[CMSG_SPACE(sizeof(int))], ch;
        struct iovec iov = { &ch, 1 };
        struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
        if (recvmsg(sv[1], &m, 0) != 1)
            _exit(30);
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        if (!c || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int)))
            _exit(31);
        int fd;
        memcpy(&fd, CMSG_DATA(c), sizeof fd);
        if (write(fd, "via passed fd", 13) != 13)
            _exit(32);
        _exit(0);
    }
    close(sv[1]);
    show("sendmsg SCM_RIGHTS", send_fds(sv[0], &pf[1], 1));
    close(pf[1]);
    char buf[32] = { 0 };
    ssize_t n = read(pf[0], buf, sizeof buf);
    printf("parent read %zd: %s\n", n, buf);
    int st;
    waitpid(pid, &st, 0);
    printf("child exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st));
    close(pf[0]);
    close(sv[0]);

    /* three descriptors, room for one: MSG_CTRUNC and one descriptor */
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    int three[3] = { 0, 1, 2 };
    show("sendmsg 3 fds", send_fds(sv[0], three, 3));
    char cbuf[CMSG_SPACE(sizeof(int))], ch;
    struct iovec iov = { &ch, 1 };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
    n = recvmsg(sv[1], &m, 0);
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    /* how many fit depends on the ABI's CMSG_SPACE: 1 on i386, 2 on x86-64 */
    int nfd = c ? (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int)) : 0;
    printf("recvmsg %zd, MSG_CTRUNC %d, cmsg %s, some fds but not all %d\n", n, !!(m.msg_flags & MSG_CTRUNC),
           c ? "yes" : "no", nfd >= 1 && nfd < 3);
    if (c) {
        int fd;
        memcpy(&fd, CMSG_DATA(c), sizeof fd);
        struct stat a, b;
        fstat(fd, &a);
        fstat(0, &b);
        printf("received fd is stdin: %d\n", a.st_ino == b.st_ino && a.st_dev == b.st_dev);
        close(fd);
    }
    /* a malformed control message: cmsg_len larger than the buffer */
    char bad[CMSG_SPACE(sizeof(int))];
    memset(bad, 0, sizeof bad);
    struct msghdr mb = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = bad, .msg_controllen = sizeof bad };
    struct cmsghdr *cb = CMSG_FIRSTHDR(&mb);
    cb->cmsg_len = sizeof bad + 8;
    cb->cmsg_level = SOL_SOCKET;
    cb->cmsg_type = SCM_RIGHTS;
    show("sendmsg cmsg_len too big", sendmsg(sv[0], &mb, 0));
    cb->cmsg_len = CMSG_LEN(sizeof(int));
    int badfd = 999;
    memcpy(CMSG_DATA(cb), &badfd, sizeof badfd);
    show("sendmsg SCM_RIGHTS bad fd", sendmsg(sv[0], &mb, 0));
    struct msghdr mi = { .msg_iov = &iov, .msg_iovlen = 1025 };
    show("sendmsg iovlen 1025", sendmsg(sv[0], &mi, 0));
    show("sendmsg bad msghdr", sendmsg(sv[0], (struct msghdr *)1, 0));
    close(sv[0]);
    close(sv[1]);
}

static void creds(void)
{
    int sv[2], one = 1;
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    show("setsockopt SO_PASSCRED", setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one));
    char cbuf[CMSG_SPACE(sizeof(struct ucred))];
    struct iovec iov = { "c", 1 };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    struct ucred uc = { getpid(), getuid(), getgid() };
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_CREDENTIALS;
    c->cmsg_len = CMSG_LEN(sizeof uc);
    memcpy(CMSG_DATA(c), &uc, sizeof uc);
    show("sendmsg SCM_CREDENTIALS", sendmsg(sv[0], &m, 0));
    char rb[64], ch;
    struct iovec riov = { &ch, 1 };
    struct msghdr rm = { .msg_iov = &riov, .msg_iovlen = 1, .msg_control = rb, .msg_controllen = sizeof rb };
    ssize_t n = recvmsg(sv[1], &rm, 0);
    struct cmsghdr *rc = CMSG_FIRSTHDR(&rm);
    struct ucred got = { 0, 0, 0 };
    if (rc && rc->cmsg_type == SCM_CREDENTIALS)
        memcpy(&got, CMSG_DATA(rc), sizeof got);
    printf("recvmsg %zd, creds cmsg %d, len ok %d, pid ok %d, uid ok %d, gid ok %d, controllen ok %d\n", n,
           rc && rc->cmsg_type == SCM_CREDENTIALS, rc && rc->cmsg_len == CMSG_LEN(sizeof got), got.pid == getpid(),
           got.uid == getuid(), got.gid == getgid(), rm.msg_controllen == CMSG_SPACE(sizeof got));
    struct ucred pc;
    socklen_t pl = sizeof pc;
    show("getsockopt SO_PEERCRED", getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &pc, &pl));
    printf("peercred len %u pid ok %d uid ok %d\n", (unsigned)pl, pc.pid == getpid(), pc.uid == getuid());
    close(sv[0]);
    close(sv[1]);
}

static void named(void)
{
    char dir[] = "/tmp/emu386-unix-XXXXXX";
    mkdtemp(dir);
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    snprintf(a.sun_path, sizeof a.sun_path, "%s/sock", dir);
    int ls = socket(AF_UNIX, SOCK_STREAM, 0);
    socklen_t alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(a.sun_path) + 1);
    show("bind unix", bind(ls, (struct sockaddr *)&a, alen));
    show("listen unix", listen(ls, 1));
    struct sockaddr_un g;
    socklen_t gl = sizeof g;
    show("getsockname unix", getsockname(ls, (struct sockaddr *)&g, &gl));
    printf("name len matches %d, family %d, path matches %d\n", gl == alen, g.sun_family == AF_UNIX,
           strcmp(g.sun_path, a.sun_path) == 0);
    gl = 4; /* a short buffer gets a cut name and the full length */
    memset(&g, 'x', sizeof g);
    getsockname(ls, (struct sockaddr *)&g, &gl);
    printf("short getsockname len %u, byte 4 untouched %d\n", (unsigned)gl, ((char *)&g)[4] == 'x');
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    show("connect unix", connect(c, (struct sockaddr *)&a, alen));
    struct sockaddr_un pa;
    socklen_t pal = sizeof pa;
    int s = accept4(ls, (struct sockaddr *)&pa, &pal, SOCK_CLOEXEC);
    printf("accept4 ok %d, unnamed peer len %u, cloexec %d\n", s >= 0, (unsigned)pal,
           (fcntl(s, F_GETFD) & FD_CLOEXEC) != 0);
    show("accept4 bad flags", accept4(ls, NULL, NULL, 0x40));
    show("send", send(c, "abc", 3, 0));
    char b[8];
    show("recv MSG_DONTWAIT", recv(s, b, sizeof b, MSG_DONTWAIT));
    show("recv MSG_DONTWAIT empty", recv(s, b, sizeof b, MSG_DONTWAIT));
    show("shutdown", shutdown(c, SHUT_RDWR));
    show("shutdown bad how", shutdown(c, 7));
    close(c);
    close(s);
    close(ls);
    unlink(a.sun_path);
    rmdir(dir);
}

static void options(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0), v;
    socklen_t l = sizeof v;
    show("getsockopt SO_TYPE", getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &l));
    printf("SO_TYPE %d len %u\n", v, (unsigned)l);
    l = sizeof v;
    getsockopt(s, SOL_SOCKET, SO_DOMAIN, &v, &l);
    printf("SO_DOMAIN is AF_INET %d\n", v == AF_INET);
    struct timeval tv = { 3, 500000 }, tg;
    show("setsockopt SO_RCVTIMEO", setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    l = sizeof tg;
    show("getsockopt SO_RCVTIMEO", getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tg, &l));
    printf("SO_RCVTIMEO %ld.%06ld len is timeval %d\n", (long)tg.tv_sec, (long)tg.tv_usec, l == sizeof tg);
    tv.tv_usec = 2000000;
    show("setsockopt SO_SNDTIMEO bad usec", setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv));
    show("setsockopt SO_SNDTIMEO short", setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, 4));
    struct linger lg = { 1, 7 }, lgot;
    show("setsockopt SO_LINGER", setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
    l = sizeof lgot;
    show("getsockopt SO_LINGER", getsockopt(s, SOL_SOCKET, SO_LINGER, &lgot, &l));
    printf("SO_LINGER %d %d len %u\n", lgot.l_onoff, lgot.l_linger, (unsigned)l);
    v = 65536;
    show("setsockopt SO_RCVBUF", setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, sizeof v));
    l = sizeof v;
    getsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, &l);
    printf("SO_RCVBUF at least asked %d\n", v >= 65536);
    v = 1;
    show("setsockopt SO_KEEPALIVE", setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof v));
    v = 42;
    show("setsockopt IP_TTL", setsockopt(s, IPPROTO_IP, IP_TTL, &v, sizeof v));
    v = 0;
    l = sizeof v;
    getsockopt(s, IPPROTO_IP, IP_TTL, &v, &l);
    printf("IP_TTL %d\n", v);
    unsigned char cv = 0;
    l = 1;
    show("getsockopt IP_TTL 1 byte", getsockopt(s, IPPROTO_IP, IP_TTL, &cv, &l));
    printf("IP_TTL byte %d len %u\n", cv, (unsigned)l);
    v = 30;
    show("setsockopt TCP_KEEPIDLE", setsockopt(s, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof v));
    l = sizeof v;
    getsockopt(s, IPPROTO_TCP, TCP_KEEPIDLE, &v, &l);
    printf("TCP_KEEPIDLE %d\n", v);
    show("setsockopt int short", setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, 2));
    show("setsockopt optlen -1", setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, (socklen_t)-1));
    show("setsockopt bad pointer", setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, (void *)1, sizeof v));
    show("getsockopt unknown level", getsockopt(s, 12345, 1, &v, &l));
    show("setsockopt unknown option", setsockopt(s, SOL_SOCKET, 9999, &v, sizeof v));
    l = (socklen_t)-1;
    show("getsockopt len -1", getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &l));
    show("getsockopt bad len pointer", getsockopt(s, SOL_SOCKET, SO_TYPE, &v, (socklen_t *)8));
    show("getsockopt not a socket", getsockopt(99, SOL_SOCKET, SO_TYPE, &v, &l));
    l = sizeof v;
    show("getsockopt SO_ERROR", getsockopt(s, SOL_SOCKET, SO_ERROR, &v, &l));
    printf("SO_ERROR %d\n", v);
    close(s);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    rights();
    creds();
    named();
    options();
    return 0;
}
