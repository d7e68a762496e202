/* socket: frames between two emulators over TCP or UDP, as QEMU's
 * -netdev socket.
 *   connect=HOST:PORT   connect to a listener (at creation: a refused
 *                       connection is an error)
 *   listen=HOST:PORT    accept one peer at a time; with none, frames are
 *                       dropped and counted
 *   udp=HOST:PORT,localaddr=HOST:PORT   one datagram per frame
 * HOST is a numeric IPv4 address, empty for 127.0.0.1.  On a stream each
 * frame is preceded by its length as 4 bytes, big-endian (QEMU's format).
 * Nothing blocks: output waits in a bounded buffer (frames beyond it are
 * dropped and counted), input is taken as far as it has come. */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "net/backends.h"

enum { SOCK_OUTBUF = 256 * 1024 };

typedef struct SocketNet {
    NetClient nc;
    int mode; /* 'c' connect, 'l' listen, 'u' udp */
    int fd;        /* the connection, or the UDP socket */
    int listen_fd;
    struct sockaddr_in dst; /* udp */
    char where[200];
    uint8_t *out;  /* stream output not yet sent */
    size_t nout;
    uint8_t hdr[4];
    size_t nhdr;
    uint8_t *in;   /* the frame being received */
    size_t inlen, ngot;
} SocketNet;

static int parse_addr(const char *s, struct sockaddr_in *sa, char *err, size_t errlen)
{
    const char *colon = strrchr(s, ':');
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    char host[64];
    char *end;
    long port = colon ? strtol(colon + 1, &end, 10) : -1;
    if (!colon || (size_t)(colon - s) >= sizeof host || end == colon + 1 || *end || port < 0 ||
        port > 65535) {
        snprintf(err, errlen, "'%s': want HOST:PORT", s);
        return -1;
    }
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    if (!host[0])
        strcpy(host, "127.0.0.1");
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1) {
        snprintf(err, errlen, "'%s': not a numeric IPv4 address", host);
        return -1;
    }
    sa->sin_port = htons((uint16_t)port);
    return 0;
}

static void set_nonblock(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

static void drop_conn(SocketNet *s)
{
    if (s->mode == 'u' || s->fd < 0)
        return;
    close(s->fd);
    s->fd = -1;
    s->nout = s->nhdr = s->ngot = s->inlen = 0;
    free(s->in);
    s->in = NULL;
}

static void flush_out(SocketNet *s)
{
    while (s->nout && s->fd >= 0) {
        ssize_t w = send(s->fd, s->out, s->nout, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (w <= 0) {
            drop_conn(s);
            return;
        }
        memmove(s->out, s->out + w, s->nout - (size_t)w);
        s->nout -= (size_t)w;
    }
}

static void sock_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    SocketNet *s = (SocketNet *)nc;
    if (s->mode == 'u') {
        if (sendto(s->fd, buf, len, MSG_DONTWAIT, (struct sockaddr *)&s->dst, sizeof s->dst) < 0)
            nc->dropped++;
        return;
    }
    if (s->fd < 0 || s->nout + 4 + len > SOCK_OUTBUF) {
        nc->dropped++; /* no peer yet, or it does not read */
        return;
    }
    uint8_t *p = s->out + s->nout;
    p[0] = (uint8_t)(len >> 24), p[1] = (uint8_t)(len >> 16), p[2] = (uint8_t)(len >> 8),
    p[3] = (uint8_t)len;
    memcpy(p + 4, buf, len);
    s->nout += 4 + len;
    flush_out(s);
}

static void sock_poll_fill(NetClient *nc, NetPoll *p)
{
    SocketNet *s = (SocketNet *)nc;
    if (s->fd >= 0)
        net_poll_add(p, s->fd, (short)(POLLIN | (s->nout ? POLLOUT : 0)));
    else if (s->listen_fd >= 0)
        net_poll_add(p, s->listen_fd, POLLIN);
}

/* Read what the stream has; hand over every complete frame. */
static void read_stream(SocketNet *s)
{
    uint8_t buf[16384];
    for (;;) {
        ssize_t r = recv(s->fd, buf, sizeof buf, MSG_DONTWAIT);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        if (r <= 0) {
            drop_conn(s); /* the peer left; a listener waits for the next */
            return;
        }
        for (size_t i = 0; i < (size_t)r;) {
            if (!s->in) {
                s->hdr[s->nhdr++] = buf[i++];
                if (s->nhdr < 4)
                    continue;
                s->nhdr = 0;
                s->inlen = (size_t)s->hdr[0] << 24 | (size_t)s->hdr[1] << 16 |
                           (size_t)s->hdr[2] << 8 | s->hdr[3];
                if (s->inlen == 0 || s->inlen > NET_MAX_FRAME) { /* hostile or broken: hang up */
                    s->nc.dropped++;
                    drop_conn(s);
                    return;
                }
                if (!(s->in = malloc(s->inlen))) {
                    drop_conn(s);
                    return;
                }
                s->ngot = 0;
                continue;
            }
            size_t n = s->inlen - s->ngot;
            if (n > (size_t)r - i)
                n = (size_t)r - i;
            memcpy(s->in + s->ngot, buf + i, n);
            s->ngot += n;
            i += n;
            if (s->ngot == s->inlen) {
                uint8_t *f = s->in;
                s->in = NULL;
                net_send(&s->nc, f, s->inlen);
                free(f);
                if (s->fd < 0)
                    return;
            }
        }
    }
}

static void sock_poll_done(NetClient *nc, const NetPoll *p)
{
    SocketNet *s = (SocketNet *)nc;
    short re = 0;
    for (int i = nc->poll_first; i < nc->poll_first + nc->poll_count; i++)
        re |= p->fd[i].revents;
    if (!re)
        return;
    if (s->mode == 'u') {
        uint8_t buf[NET_MAX_FRAME];
        for (;;) {
            ssize_t r = recv(s->fd, buf, sizeof buf, MSG_DONTWAIT);
            if (r <= 0)
                break;
            net_send(nc, buf, (size_t)r);
        }
        return;
    }
    if (s->fd < 0 && s->listen_fd >= 0) {
        int fd = accept(s->listen_fd, NULL, NULL);
        if (fd >= 0) {
            set_nonblock(fd);
            s->fd = fd;
        }
        return;
    }
    if (re & POLLOUT)
        flush_out(s);
    if (s->fd >= 0 && (re & (POLLIN | POLLHUP | POLLERR)))
        read_stream(s);
}

static void sock_describe(const NetClient *nc, char *buf, size_t len)
{
    const SocketNet *s = (const SocketNet *)nc;
    snprintf(buf, len, "%s%s", s->where,
             s->mode == 'l' ? (s->fd >= 0 ? " (connected)" : " (waiting)") : "");
}

static void sock_cleanup(NetClient *nc)
{
    SocketNet *s = (SocketNet *)nc;
    if (s->fd >= 0)
        close(s->fd);
    if (s->listen_fd >= 0)
        close(s->listen_fd);
    free(s->in);
    free(s->out);
    free(s);
}

static const NetClientOps sock_ops = {
    .type = "socket",
    .receive = sock_receive,
    .poll_fill = sock_poll_fill,
    .poll_done = sock_poll_done,
    .describe = sock_describe,
    .cleanup = sock_cleanup,
};

NetClient *net_socket_new(NetCtx *ctx, const char *opts, char *err, size_t errlen)
{
    static const char *const allowed[] = { "id", "connect", "listen", "udp", "localaddr", NULL };
    (void)ctx;
    char c[80], l[80], u[80], la[80];
    if (net_opt_check(opts, allowed, err, errlen) < 0)
        return NULL;
    bool hc = net_opt_get(opts, "connect", c, sizeof c) == 0;
    bool hl = net_opt_get(opts, "listen", l, sizeof l) == 0;
    bool hu = net_opt_get(opts, "udp", u, sizeof u) == 0;
    bool hla = net_opt_get(opts, "localaddr", la, sizeof la) == 0;
    if (hc + hl + hu != 1 || (hu != hla)) {
        snprintf(err, errlen, "want one of connect=HOST:PORT, listen=HOST:PORT, "
                              "udp=HOST:PORT with localaddr=HOST:PORT");
        return NULL;
    }
    SocketNet *s = calloc(1, sizeof *s);
    if (!s || (!hu && !(s->out = malloc(SOCK_OUTBUF)))) {
        free(s);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->nc.ops = &sock_ops;
    s->fd = s->listen_fd = -1;
    struct sockaddr_in sa;
    int one = 1;
    if (hc) {
        s->mode = 'c';
        snprintf(s->where, sizeof s->where, "connect=%s", c);
        if (parse_addr(c, &sa, err, errlen) < 0)
            goto fail;
        if ((s->fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
            connect(s->fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
            snprintf(err, errlen, "connect to %s: %s", c, strerror(errno));
            goto fail;
        }
        set_nonblock(s->fd);
    } else if (hl) {
        s->mode = 'l';
        snprintf(s->where, sizeof s->where, "listen=%s", l);
        if (parse_addr(l, &sa, err, errlen) < 0)
            goto fail;
        if ((s->listen_fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
            setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
            bind(s->listen_fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(s->listen_fd, 1) < 0) {
            snprintf(err, errlen, "listen on %s: %s", l, strerror(errno));
            goto fail;
        }
        set_nonblock(s->listen_fd);
    } else {
        s->mode = 'u';
        snprintf(s->where, sizeof s->where, "udp=%s localaddr=%s", u, la);
        struct sockaddr_in local;
        if (parse_addr(u, &s->dst, err, errlen) < 0 || parse_addr(la, &local, err, errlen) < 0)
            goto fail;
        if ((s->fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
            setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
            bind(s->fd, (struct sockaddr *)&local, sizeof local) < 0) {
            snprintf(err, errlen, "udp on %s: %s", la, strerror(errno));
            goto fail;
        }
        set_nonblock(s->fd);
    }
    return &s->nc;
fail:
    sock_cleanup(&s->nc);
    return NULL;
}
