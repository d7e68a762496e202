/* TCP for the GDB stub: plain blocking sockets with poll() for the
 * timeouts.  Writes use MSG_NOSIGNAL so a debugger that went away is an
 * error return, not a SIGPIPE that kills the emulator. */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "gdb/gdb_tcp.h"

static int parse_port(const char *spec, int *port)
{
    const char *p = spec;
    if (!strncmp(p, "tcp:", 4)) {
        p += 4;
        if (!strncmp(p, "127.0.0.1:", 10))
            p += 10;
        else if (!strncmp(p, "localhost:", 10))
            p += 10;
        else if (*p == ':')
            p++;
        else
            return -1;
    }
    char *end;
    long v = strtol(p, &end, 10);
    if (end == p || *end || v < 0 || v > 65535)
        return -1;
    *port = (int)v;
    return 0;
}

int gdb_tcp_listen(GdbTcp *t, const char *spec, char *err, size_t errlen)
{
    t->listen_fd = t->fd = -1;
    if (parse_port(spec, &t->port) < 0) {
        snprintf(err, errlen, "bad gdb address '%s' (tcp::PORT on 127.0.0.1 only)", spec);
        return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = { 0 };
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)t->port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 1) < 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
        snprintf(err, errlen, "gdb stub: cannot listen on 127.0.0.1:%d: %s", t->port, strerror(errno));
        close(fd);
        return -1;
    }
    t->port = ntohs(sa.sin_port);
    t->listen_fd = fd;
    return 0;
}

static int tcp_accept(void *opaque, int wait)
{
    GdbTcp *t = opaque;
    if (t->fd >= 0)
        return 1;
    if (t->listen_fd < 0)
        return 0;
    struct pollfd pf = { t->listen_fd, POLLIN, 0 };
    int r;
    do
        r = poll(&pf, 1, wait ? -1 : 0);
    while (r < 0 && errno == EINTR && wait);
    if (r <= 0)
        return 0;
    int fd = accept4(t->listen_fd, NULL, NULL, SOCK_CLOEXEC); /* not inherited by an exec'd program */
    if (fd < 0)
        return 0;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* one small packet at a time */
    t->fd = fd;
    return 1;
}

static int tcp_write(void *opaque, const void *buf, size_t len)
{
    GdbTcp *t = opaque;
    const char *p = buf;
    while (len && t->fd >= 0) {
        ssize_t n = send(t->fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return t->fd >= 0 ? 0 : -1;
}

static long tcp_read(void *opaque, void *buf, size_t cap, int timeout_ms)
{
    GdbTcp *t = opaque;
    if (t->fd < 0)
        return -1;
    struct pollfd pf = { t->fd, POLLIN, 0 };
    int r = poll(&pf, 1, timeout_ms);
    if (r < 0)
        return errno == EINTR ? 0 : -1;
    if (r == 0)
        return 0;
    ssize_t n = recv(t->fd, buf, cap, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 0;
    return n > 0 ? (long)n : -1;
}

static void tcp_hangup(void *opaque)
{
    GdbTcp *t = opaque;
    if (t->fd >= 0)
        close(t->fd);
    t->fd = -1;
}

void gdb_tcp_io(GdbTcp *t, GdbIo *io)
{
    *io = (GdbIo){ tcp_accept, tcp_write, tcp_read, tcp_hangup, t };
}

void gdb_tcp_close(GdbTcp *t)
{
    tcp_hangup(t);
    if (t->listen_fd >= 0)
        close(t->listen_fd);
    t->listen_fd = -1;
}
