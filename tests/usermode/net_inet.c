/* TCP and UDP echo over 127.0.0.1 between a forked client and server;
 * addresses, getsockname/getpeername, shutdown, MSG_PEEK, sendmsg and
 * recvmsg with several iovecs and the source address, error cases. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"

static unsigned short port_of(int fd)
{
    struct sockaddr_in a;
    socklen_t l = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &l);
    return ntohs(a.sin_port);
}

static void tcp(void)
{
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    show("tcp setsockopt SO_REUSEADDR", setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = 0 };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    show("tcp bind", bind(ls, (struct sockaddr *)&a, sizeof a));
    show("tcp listen", listen(ls, 4));
    unsigned short port = port_of(ls);
    printf("tcp port assigned: %s\n", port ? "yes" : "no");
    pid_t pid = fork();
    if (pid == 0) { /* client: send, read the echo, close */
        int c = socket(AF_INET, SOCK_STREAM, 0);
        a.sin_port = htons(port);
        if (connect(c, (struct sockaddr *)&a, sizeof a) != 0)
            _exit(10);
        const char msg[] = "hello over tcp";
        if (write(c, msg, sizeof msg) != (ssize_t)sizeof msg)
            _exit(11);
        char buf[64];
        size_t got = 0;
        while (got < sizeof msg) {
            ssize_t n = read(c, buf + got, sizeof buf - got);
            if (n <= 0)
                _exit(12);
            got += (size_t)n;
        }
        shutdown(c, SHUT_WR);
        _exit(memcmp(buf, "HELLO OVER TCP", 15) == 0 ? 0 : 13);
    }
    struct sockaddr_in peer;
    socklen_t pl = sizeof peer;
    int s = accept(ls, (struct sockaddr *)&peer, &pl);
    printf("tcp accept ok: %d, peer len %u, family %s, addr %s\n", s >= 0, (unsigned)pl,
           peer.sin_family == AF_INET ? "AF_INET" : "?", inet_ntoa(peer.sin_addr));
    struct sockaddr_in pn;
    socklen_t pnl = sizeof pn;
    show("tcp getpeername", getpeername(s, (struct sockaddr *)&pn, &pnl));
    printf("tcp peer port matches accept: %d\n", pn.sin_port == peer.sin_port);
    show("tcp setsockopt TCP_NODELAY", setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one));
    int v = 0;
    socklen_t vl = sizeof v;
    show("tcp getsockopt TCP_NODELAY", getsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, &vl));
    printf("tcp TCP_NODELAY = %d (len %u)\n", v != 0, (unsigned)vl);
    char buf[64], peek[4];
    size_t got = 0;
    ssize_t n = recv(s, peek, sizeof peek, MSG_PEEK | MSG_WAITALL);
    printf("tcp peek %zd: %.4s\n", n, peek);
    while (got < 15) {
        n = recv(s, buf + got, sizeof buf - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    printf("tcp server got %zu: %s\n", got, buf);
    for (size_t i = 0; i < got; i++)
        if (buf[i] >= 'a' && buf[i] <= 'z')
            buf[i] = (char)(buf[i] - 32);
    struct iovec iov[2] = { { buf, 5 }, { buf + 5, got - 5 } };
    struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };
    show("tcp sendmsg 2 iovecs", sendmsg(s, &m, 0));
    show("tcp recv after client shutdown", recv(s, buf, sizeof buf, 0));
    int st;
    waitpid(pid, &st, 0);
    printf("tcp client exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st));
    close(s);
    close(ls);
    /* connect to a port nobody listens on */
    int c = socket(AF_INET, SOCK_STREAM, 0);
    a.sin_port = htons(port);
    show("tcp connect refused", connect(c, (struct sockaddr *)&a, sizeof a));
    close(c);
}

static void udp(void)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    show("udp bind", bind(s, (struct sockaddr *)&a, sizeof a));
    unsigned short port = port_of(s);
    pid_t pid = fork();
    if (pid == 0) {
        int c = socket(AF_INET, SOCK_DGRAM, 0);
        struct sockaddr_in to = a;
        to.sin_port = htons(port);
        if (sendto(c, "ping", 4, 0, (struct sockaddr *)&to, sizeof to) != 4)
            _exit(20);
        char buf[16];
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(c, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
        if (n != 4 || memcmp(buf, "pong", 4) || from.sin_port != htons(port) || fl != sizeof from)
            _exit(21);
        _exit(0);
    }
    char buf[16];
    struct sockaddr_in from;
    struct iovec iov[2] = { { buf, 2 }, { buf + 2, sizeof buf - 2 } };
    struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = iov, .msg_iovlen = 2 };
    ssize_t n = recvmsg(s, &m, 0);
    printf("udp recvmsg %zd: %.4s, namelen %u, from loopback %d, flags %d\n", n, buf, (unsigned)m.msg_namelen,
           from.sin_addr.s_addr == htonl(INADDR_LOOPBACK), m.msg_flags);
    show("udp sendto reply", sendto(s, "pong", 4, 0, (struct sockaddr *)&from, sizeof from));
    int st;
    waitpid(pid, &st, 0);
    printf("udp client exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st));
    /* a datagram longer than the buffer: MSG_TRUNC tells the real size */
    struct sockaddr_in self;
    socklen_t sl = sizeof self;
    getsockname(s, (struct sockaddr *)&self, &sl);
    sendto(s, "0123456789", 10, 0, (struct sockaddr *)&self, sizeof self);
    show("udp recv MSG_TRUNC", recv(s, buf, 3, MSG_TRUNC));
    sendto(s, "0123456789", 10, 0, (struct sockaddr *)&self, sizeof self);
    struct iovec one = { buf, 4 };
    struct msghdr m2 = { .msg_iov = &one, .msg_iovlen = 1 };
    n = recvmsg(s, &m2, 0);
    printf("udp recvmsg short buffer %zd, MSG_TRUNC %d\n", n, !!(m2.msg_flags & MSG_TRUNC));
    /* errors */
    show("udp send unconnected", send(s, "x", 1, 0));
    show("udp bind addrlen 200", bind(s, (struct sockaddr *)&a, 200));
    show("udp bind addrlen -1", bind(s, (struct sockaddr *)&a, (socklen_t)-1));
    show("udp sendto bad address", sendto(s, "x", 1, 0, (struct sockaddr *)1, sizeof a));
    show("udp sendto bad buffer", sendto(s, (void *)1, 1, 0, (struct sockaddr *)&self, sizeof self));
    show("udp bind on a pipe", ({ int pf[2]; pipe(pf); long r = bind(pf[0], (struct sockaddr *)&a, sizeof a); close(pf[0]); close(pf[1]); r; }));
    show("udp bind bad fd", bind(999, (struct sockaddr *)&a, sizeof a));
    show("socket bad type flags", socket(AF_INET, SOCK_DGRAM | 0x100, 0));
    show("socket bad family", socket(12345, SOCK_DGRAM, 0));
    close(s);
    /* IPv6 loopback, when the host has it */
    int s6 = socket(AF_INET6, SOCK_DGRAM, 0);
    if (s6 >= 0) {
        struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
        if (bind(s6, (struct sockaddr *)&a6, sizeof a6) == 0) {
            socklen_t l6 = sizeof a6;
            getsockname(s6, (struct sockaddr *)&a6, &l6);
            sendto(s6, "v6", 2, 0, (struct sockaddr *)&a6, l6);
            struct sockaddr_in6 f6;
            socklen_t fl6 = sizeof f6;
            n = recvfrom(s6, buf, sizeof buf, 0, (struct sockaddr *)&f6, &fl6);
            printf("udp6 %zd %.2s len %u loopback %d\n", n, buf, (unsigned)fl6, IN6_IS_ADDR_LOOPBACK(&f6.sin6_addr));
        } else {
            printf("udp6 %zd v6 len %u loopback 1\n", (ssize_t)2, (unsigned)sizeof a6); /* no ::1 here */
        }
        close(s6);
    } else {
        printf("udp6 %zd v6 len %u loopback 1\n", (ssize_t)2, (unsigned)sizeof(struct sockaddr_in6));
    }
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    tcp();
    udp();
    return 0;
}
