/* Sockets: socketcall (102) and the direct i386 calls (359-373).
 * Addresses, socket options and control messages are rebuilt byte by byte
 * between the i386 layouts and the host's: a sockaddr keeps its length
 * (the AF_INET, AF_INET6, AF_UNIX and AF_NETLINK shapes are the same size
 * everywhere; only the family and the host-order fields move), a cmsghdr
 * grows from 12 to CMSG_LEN(0) bytes and its data from 4- to the host's
 * alignment.  The order of the checks follows Linux's net/socket.c, so a
 * bad descriptor wins over a bad pointer where the kernel looks it up
 * first. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include "user/syscall.h"

enum {
    G_AF_UNIX = 1, G_AF_INET = 2, G_AF_INET6 = 10, G_AF_NETLINK = 16,
    G_SOCK_NONBLOCK = 04000, G_SOCK_CLOEXEC = 02000000,
    G_SOL_SOCKET = 1, G_SCM_RIGHTS = 1, G_SCM_CREDENTIALS = 2, G_SO_TIMESTAMP_OLD = 29,
    G_SO_TIMESTAMPNS_OLD = 35,
    G_MSG_CMSG_COMPAT = (int)0x80000000u, G_MSG_CTRUNC = 8,
    SOCKADDR_MAX = 128, OPT_MAX = 256, NET_CHUNK = 16 << 20,
    G_MSGHDR = 28, G_CMSGHDR = 12,
};

static uint32_t align4(uint32_t n) { return (n + 3) & ~3u; }

static int host_family(uint32_t g)
{
    switch (g) {
    case G_AF_UNIX: return AF_UNIX;
    case G_AF_INET: return AF_INET;
    case G_AF_INET6: return AF_INET6;
    case G_AF_NETLINK: return AF_NETLINK;
    default: return (int)g; /* unknown families pass unchanged (Linux numbers) */
    }
}

static uint32_t guest_family(int h)
{
    return h == AF_UNIX ? G_AF_UNIX : h == AF_INET ? G_AF_INET : h == AF_INET6 ? G_AF_INET6
         : h == AF_NETLINK ? G_AF_NETLINK : (uint32_t)h;
}

/* EBADF or ENOTSOCK when the kernel would have refused fd before looking
 * at the pointers; 0 when fd is a socket. */
static int32_t sock_check(int fd)
{
    int t;
    socklen_t l = sizeof t;
    return getsockopt(fd, SOL_SOCKET, SO_TYPE, &t, &l) ? host_err() : 0;
}

static int32_t sock_first(int fd, int32_t err)
{
    int32_t e = sock_check(fd);
    return e ? e : err;
}

/* i386 sockaddr bytes to a host sockaddr of the same length */
static void addr_to_host(const uint8_t *b, uint32_t len, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    memcpy(ss, b, len);
    if (len < 2)
        return;
    uint32_t fam = (uint32_t)get_le(b, 2);
    ss->ss_family = (sa_family_t)host_family(fam);
    if (fam == G_AF_INET6 && len >= 28) {
        struct sockaddr_in6 s6;
        memcpy(&s6, ss, sizeof s6);
        s6.sin6_scope_id = (uint32_t)get_le(b + 24, 4); /* host order; port and flow are network order */
        memcpy(ss, &s6, sizeof s6);
    } else if (fam == G_AF_NETLINK && len >= 12) {
        struct sockaddr_nl nl;
        memcpy(&nl, ss, sizeof nl);
        nl.nl_pid = (uint32_t)get_le(b + 4, 4);
        nl.nl_groups = (uint32_t)get_le(b + 8, 4);
        memcpy(ss, &nl, sizeof nl);
    }
}

static uint32_t addr_to_guest(const struct sockaddr_storage *ss, socklen_t hl, uint8_t *b)
{
    uint32_t len = hl > SOCKADDR_MAX ? SOCKADDR_MAX : (uint32_t)hl;
    memcpy(b, ss, len);
    if (len < 2)
        return len;
    put_le(b, 2, guest_family(ss->ss_family));
    if (ss->ss_family == AF_INET6 && len >= 28) {
        struct sockaddr_in6 s6;
        memcpy(&s6, ss, sizeof s6);
        put_le(b + 24, 4, s6.sin6_scope_id);
    } else if (ss->ss_family == AF_NETLINK && len >= 12) {
        struct sockaddr_nl nl;
        memcpy(&nl, ss, sizeof nl);
        put_le(b + 4, 4, nl.nl_pid);
        put_le(b + 8, 4, nl.nl_groups);
    }
    return len;
}

/* move_addr_to_kernel: EINVAL for a negative or oversized length */
static int32_t addr_in(UserProc *p, uint32_t addr, uint32_t len, struct sockaddr_storage *ss, socklen_t *hl)
{
    uint8_t b[SOCKADDR_MAX];
    if ((int32_t)len < 0 || len > SOCKADDR_MAX)
        return -EINVAL;
    *hl = (socklen_t)len;
    if (len == 0)
        return 0;
    if (g_read(p, addr, b, len))
        return -EFAULT;
    addr_to_host(b, len, ss);
    return 0;
}

/* move_addr_to_user: the guest's length is read, at most that much of the
 * address is written, and the full length is stored back. */
static int32_t addr_out(UserProc *p, const struct sockaddr_storage *ss, socklen_t hl, uint32_t uaddr,
                        uint32_t ulen_p)
{
    uint32_t ulen;
    uint8_t b[SOCKADDR_MAX];
    if (g_get32(p, ulen_p, &ulen))
        return -EFAULT;
    uint32_t klen = addr_to_guest(ss, hl, b);
    if ((int32_t)ulen < 0)
        return -EINVAL;
    uint32_t n = ulen < klen ? ulen : klen;
    if (n && g_write(p, uaddr, b, n))
        return -EFAULT;
    return g_wput32(p, ulen_p, klen);
}

static int host_sock_flags(uint32_t g)
{
    return (g & G_SOCK_NONBLOCK ? SOCK_NONBLOCK : 0) | (g & G_SOCK_CLOEXEC ? SOCK_CLOEXEC : 0);
}

static int32_t host_sock_type(uint32_t g, int *h)
{
    if (g & ~(0xfu | G_SOCK_NONBLOCK | G_SOCK_CLOEXEC))
        return -EINVAL;
    static const int types[11] = { -1, SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_RDM, SOCK_SEQPACKET,
                                   SOCK_DCCP, -1, -1, -1, SOCK_PACKET };
    uint32_t t = g & 0xf;
    *h = (t < 11 && types[t] >= 0 ? types[t] : (int)t) | host_sock_flags(g);
    return 0;
}

static int32_t do_socket(uint32_t dom, uint32_t type, uint32_t proto)
{
    int ht;
    int32_t r = host_sock_type(type, &ht);
    if (r)
        return r;
    r = socket(host_family(dom), ht, (int)proto);
    return r < 0 ? host_err() : r;
}

static int32_t do_socketpair(UserProc *p, uint32_t dom, uint32_t type, uint32_t proto, uint32_t sv)
{
    int ht, fds[2];
    int32_t r = host_sock_type(type, &ht);
    if (r)
        return r;
    if (socketpair(host_family(dom), ht, (int)proto, fds))
        return host_err();
    uint8_t b[8];
    put_le(b, 4, (uint32_t)fds[0]);
    put_le(b + 4, 4, (uint32_t)fds[1]);
    if (g_write(p, sv, b, 8)) { /* Linux installs nothing then */
        close(fds[0]);
        close(fds[1]);
        return -EFAULT;
    }
    return 0;
}

static int32_t do_bind_connect(UserProc *p, int fd, uint32_t addr, uint32_t len, int connect_)
{
    struct sockaddr_storage ss;
    socklen_t hl;
    int32_t r = addr_in(p, addr, len, &ss, &hl);
    if (r) /* bind looks the socket up first; connect only the descriptor */
        return connect_ ? (fcntl(fd, F_GETFD) < 0 ? -EBADF : r) : sock_first(fd, r);
    if (connect_)
        USER_BLOCKING(p, r, connect(fd, (struct sockaddr *)&ss, hl));
    else
        r = bind(fd, (struct sockaddr *)&ss, hl);
    return r ? host_err() : 0;
}

static int32_t do_accept(UserProc *p, int fd, uint32_t addr, uint32_t lenp, uint32_t flags)
{
    if (flags & ~(uint32_t)(G_SOCK_NONBLOCK | G_SOCK_CLOEXEC))
        return -EINVAL;
    struct sockaddr_storage ss;
    socklen_t hl = sizeof ss;
    int nfd;
    USER_BLOCKING(p, nfd, accept4(fd, addr ? (struct sockaddr *)&ss : NULL, addr ? &hl : NULL, host_sock_flags(flags)));
    if (nfd < 0)
        return host_err();
    if (addr) {
        int32_t r = addr_out(p, &ss, hl, addr, lenp);
        if (r) { /* the connection is dropped, as Linux drops it */
            close(nfd);
            return r;
        }
    }
    return nfd;
}

static int32_t do_getname(UserProc *p, int fd, uint32_t addr, uint32_t lenp, int peer)
{
    struct sockaddr_storage ss;
    socklen_t hl = sizeof ss;
    if (peer ? getpeername(fd, (struct sockaddr *)&ss, &hl) : getsockname(fd, (struct sockaddr *)&ss, &hl))
        return host_err();
    return addr_out(p, &ss, hl, addr, lenp);
}

/* netlink messages in the guest's byte order (netlink.c): only a
 * big-endian host has anything to turn */
static void netlink_fix(int fd, uint8_t *b, size_t n, int to_guest)
{
    int proto;
    if (n && user_host_big_endian() && (proto = user_netlink_protocol(fd)) >= 0)
        user_netlink_reverse(b, n, proto, to_guest);
}

static int32_t do_sendto(UserProc *p, int fd, uint32_t buf, uint32_t len, uint32_t flags, uint32_t addr,
                         uint32_t alen)
{
    if (len > INT32_MAX)
        len = INT32_MAX;
    if ((uint64_t)buf + len > 0xffffe000u) /* import_single_range, before the socket */
        return -EFAULT;
    struct sockaddr_storage ss;
    socklen_t hl = 0;
    int32_t r;
    if (addr && (r = addr_in(p, addr, alen, &ss, &hl)))
        return sock_first(fd, r);
    uint32_t n = len > NET_CHUNK ? NET_CHUNK : len;
    uint8_t *tmp = malloc(n ? n : 1);
    if (!tmp)
        return -ENOMEM;
    if (n && g_read(p, buf, tmp, n)) {
        r = sock_first(fd, -EFAULT);
    } else {
        netlink_fix(fd, tmp, n, 0);
        ssize_t s;
        USER_BLOCKING(p, s, sendto(fd, tmp, n, (int)(flags & ~(uint32_t)G_MSG_CMSG_COMPAT),
                                   addr ? (struct sockaddr *)&ss : NULL, addr ? hl : 0));
        r = s < 0 ? host_err() : (int32_t)s;
    }
    free(tmp);
    return r;
}

static int32_t do_recvfrom(UserProc *p, int fd, uint32_t buf, uint32_t len, uint32_t flags, uint32_t addr,
                           uint32_t alenp)
{
    if (len > INT32_MAX)
        len = INT32_MAX;
    if ((uint64_t)buf + len > 0xffffe000u)
        return -EFAULT;
    uint32_t n = len > NET_CHUNK ? NET_CHUNK : len;
    /* a bad buffer must leave the data queued, as the kernel's failed copy does */
    if (n && g_writable(p, buf, n))
        return sock_first(fd, -EFAULT);
    uint8_t *tmp = malloc(n ? n : 1);
    if (!tmp)
        return -ENOMEM;
    struct sockaddr_storage ss;
    socklen_t hl = sizeof ss;
    ssize_t s;
    USER_BLOCKING(p, s, recvfrom(fd, tmp, n, (int)(flags & ~(uint32_t)G_MSG_CMSG_COMPAT),
                                 addr ? (struct sockaddr *)&ss : NULL, addr ? &hl : NULL));
    int32_t r = s < 0 ? host_err() : (int32_t)s;
    if (s > 0)
        netlink_fix(fd, tmp, (size_t)s < n ? (size_t)s : n, 1);
    if (s > 0 && g_write(p, buf, tmp, (size_t)s < n ? (size_t)s : n))
        r = -EFAULT;
    if (r >= 0 && addr) {
        int32_t e = addr_out(p, &ss, s < 0 ? 0 : hl, addr, alenp);
        if (e)
            r = e;
    }
    free(tmp);
    return r;
}

/* ---- socket options ---- */

enum { K_INT, K_TV, K_TV64, K_LINGER, K_UCRED, K_RAW, K_MREQN, K_MREQ6, K_FPROG };
typedef struct SockOpt {
    int glevel, gopt, hlevel, hopt, kind;
} SockOpt;

static const SockOpt sock_opts[] = {
    /* SOL_SOCKET (1 on i386); the option numbers are asm-generic's */
    { 1, 1, SOL_SOCKET, SO_DEBUG, K_INT },          { 1, 2, SOL_SOCKET, SO_REUSEADDR, K_INT },
    { 1, 3, SOL_SOCKET, SO_TYPE, K_INT },           { 1, 4, SOL_SOCKET, SO_ERROR, K_INT },
    { 1, 5, SOL_SOCKET, SO_DONTROUTE, K_INT },      { 1, 6, SOL_SOCKET, SO_BROADCAST, K_INT },
    { 1, 7, SOL_SOCKET, SO_SNDBUF, K_INT },         { 1, 8, SOL_SOCKET, SO_RCVBUF, K_INT },
    { 1, 9, SOL_SOCKET, SO_KEEPALIVE, K_INT },      { 1, 10, SOL_SOCKET, SO_OOBINLINE, K_INT },
    { 1, 11, SOL_SOCKET, SO_NO_CHECK, K_INT },      { 1, 12, SOL_SOCKET, SO_PRIORITY, K_INT },
    { 1, 13, SOL_SOCKET, SO_LINGER, K_LINGER },     { 1, 15, SOL_SOCKET, SO_REUSEPORT, K_INT },
    { 1, 16, SOL_SOCKET, SO_PASSCRED, K_INT },      { 1, 17, SOL_SOCKET, SO_PEERCRED, K_UCRED },
    { 1, 18, SOL_SOCKET, SO_RCVLOWAT, K_INT },      { 1, 19, SOL_SOCKET, SO_SNDLOWAT, K_INT },
    { 1, 20, SOL_SOCKET, SO_RCVTIMEO, K_TV },       { 1, 21, SOL_SOCKET, SO_SNDTIMEO, K_TV },
    { 1, 25, SOL_SOCKET, SO_BINDTODEVICE, K_RAW },  { 1, 29, SOL_SOCKET, SO_TIMESTAMP, K_INT },
    { 1, 30, SOL_SOCKET, SO_ACCEPTCONN, K_INT },    { 1, 32, SOL_SOCKET, SO_SNDBUFFORCE, K_INT },
    { 1, 33, SOL_SOCKET, SO_RCVBUFFORCE, K_INT },   { 1, 34, SOL_SOCKET, SO_PASSSEC, K_INT },
    { 1, 35, SOL_SOCKET, SO_TIMESTAMPNS, K_INT },   { 1, 36, SOL_SOCKET, SO_MARK, K_INT },
    { 1, 38, SOL_SOCKET, SO_PROTOCOL, K_INT },      { 1, 39, SOL_SOCKET, SO_DOMAIN, K_INT },
    { 1, 40, SOL_SOCKET, SO_RXQ_OVFL, K_INT },      { 1, 66, SOL_SOCKET, SO_RCVTIMEO, K_TV64 },
    { 1, 67, SOL_SOCKET, SO_SNDTIMEO, K_TV64 },      { 1, 26, SOL_SOCKET, SO_ATTACH_FILTER, K_FPROG },
    { 1, 27, SOL_SOCKET, SO_DETACH_FILTER, K_INT },
    /* IPPROTO_IP */
    { 0, 1, IPPROTO_IP, IP_TOS, K_INT },            { 0, 2, IPPROTO_IP, IP_TTL, K_INT },
    { 0, 3, IPPROTO_IP, IP_HDRINCL, K_INT },        { 0, 4, IPPROTO_IP, IP_OPTIONS, K_RAW },
    { 0, 6, IPPROTO_IP, IP_RECVOPTS, K_INT },       { 0, 8, IPPROTO_IP, IP_PKTINFO, K_INT },
    { 0, 10, IPPROTO_IP, IP_MTU_DISCOVER, K_INT },  { 0, 11, IPPROTO_IP, IP_RECVERR, K_INT },
    { 0, 12, IPPROTO_IP, IP_RECVTTL, K_INT },       { 0, 13, IPPROTO_IP, IP_RECVTOS, K_INT },
    { 0, 14, IPPROTO_IP, IP_MTU, K_INT },           { 0, 15, IPPROTO_IP, IP_FREEBIND, K_INT },
    { 0, 32, IPPROTO_IP, IP_MULTICAST_IF, K_MREQN }, { 0, 33, IPPROTO_IP, IP_MULTICAST_TTL, K_INT },
    { 0, 34, IPPROTO_IP, IP_MULTICAST_LOOP, K_INT }, { 0, 35, IPPROTO_IP, IP_ADD_MEMBERSHIP, K_MREQN },
    { 0, 36, IPPROTO_IP, IP_DROP_MEMBERSHIP, K_MREQN },
    /* IPPROTO_TCP */
    { 6, 1, IPPROTO_TCP, TCP_NODELAY, K_INT },      { 6, 2, IPPROTO_TCP, TCP_MAXSEG, K_INT },
    { 6, 3, IPPROTO_TCP, TCP_CORK, K_INT },         { 6, 4, IPPROTO_TCP, TCP_KEEPIDLE, K_INT },
    { 6, 5, IPPROTO_TCP, TCP_KEEPINTVL, K_INT },    { 6, 6, IPPROTO_TCP, TCP_KEEPCNT, K_INT },
    { 6, 7, IPPROTO_TCP, TCP_SYNCNT, K_INT },       { 6, 8, IPPROTO_TCP, TCP_LINGER2, K_INT },
    { 6, 9, IPPROTO_TCP, TCP_DEFER_ACCEPT, K_INT }, { 6, 10, IPPROTO_TCP, TCP_WINDOW_CLAMP, K_INT },
    { 6, 12, IPPROTO_TCP, TCP_QUICKACK, K_INT },    { 6, 13, IPPROTO_TCP, TCP_CONGESTION, K_RAW },
    { 6, 18, IPPROTO_TCP, TCP_USER_TIMEOUT, K_INT }, { 6, 23, IPPROTO_TCP, TCP_FASTOPEN, K_INT },
    { 6, 25, IPPROTO_TCP, TCP_NOTSENT_LOWAT, K_INT },
    /* IPPROTO_IPV6 */
    { 41, 16, IPPROTO_IPV6, IPV6_UNICAST_HOPS, K_INT }, { 41, 17, IPPROTO_IPV6, IPV6_MULTICAST_IF, K_INT },
    { 41, 18, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, K_INT }, { 41, 19, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, K_INT },
    { 41, 20, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, K_MREQ6 }, { 41, 21, IPPROTO_IPV6, IPV6_DROP_MEMBERSHIP, K_MREQ6 },
    { 41, 26, IPPROTO_IPV6, IPV6_V6ONLY, K_INT },   { 41, 49, IPPROTO_IPV6, IPV6_RECVPKTINFO, K_INT },
    { 41, 67, IPPROTO_IPV6, IPV6_TCLASS, K_INT },
    /* SOL_UDP, SOL_NETLINK */
    { 17, 1, IPPROTO_UDP, 1 /* UDP_CORK */, K_INT },
    { 270, 1, 270, NETLINK_ADD_MEMBERSHIP, K_INT }, { 270, 2, 270, NETLINK_DROP_MEMBERSHIP, K_INT },
    { 270, 3, 270, NETLINK_PKTINFO, K_INT },        { 270, 5, 270, NETLINK_NO_ENOBUFS, K_INT },
};

static int host_level(uint32_t g);

/* An option missing from the table goes to the host under the same
 * number as an int-or-bytes value: the kernel then gives its own answer
 * (ENOPROTOOPT, EOPNOTSUPP) for the ones it does not know either. */
static SockOpt find_opt(uint32_t level, uint32_t opt)
{
    for (size_t i = 0; i < sizeof sock_opts / sizeof sock_opts[0]; i++)
        if ((uint32_t)sock_opts[i].glevel == level && (uint32_t)sock_opts[i].gopt == opt)
            return sock_opts[i];
    return (SockOpt){ (int)level, (int)opt, host_level(level), (int)opt, K_INT };
}

static void int_to_host(uint8_t *h, const uint8_t *g)
{
    int v = (int32_t)get_le(g, 4);
    memcpy(h, &v, sizeof v);
}

static void int_to_guest(uint8_t *g, const uint8_t *h)
{
    int v;
    memcpy(&v, h, sizeof v);
    put_le(g, 4, (uint32_t)v);
}

/* SO_ATTACH_FILTER: i386 struct sock_fprog { u16 len; u32 filter } points
 * at len 8-byte struct sock_filter { u16 code; u8 jt, jf; u32 k }. */
static int32_t set_filter(UserProc *p, int fd, const SockOpt *o, uint32_t val, uint32_t len)
{
    uint8_t b[8];
    if (len < 8)
        return sock_first(fd, -EINVAL);
    if (g_read(p, val, b, 8))
        return sock_first(fd, -EFAULT);
    uint32_t n = (uint32_t)get_le(b, 2), at = (uint32_t)get_le(b + 4, 4);
    struct sock_filter *f = calloc(n ? n : 1, sizeof *f);
    uint8_t *raw = malloc(n ? (size_t)n * 8 : 1);
    int32_t r = 0;
    if (!f || !raw)
        r = -ENOMEM;
    else if (n && g_read(p, at, raw, (size_t)n * 8))
        r = -EFAULT;
    for (uint32_t i = 0; i < n && !r; i++)
        f[i] = (struct sock_filter){ (uint16_t)get_le(raw + 8 * i, 2), raw[8 * i + 2], raw[8 * i + 3],
                                     (uint32_t)get_le(raw + 8 * i + 4, 4) };
    if (!r) {
        struct sock_fprog fp = { (unsigned short)n, f };
        r = setsockopt(fd, o->hlevel, o->hopt, &fp, sizeof fp) ? host_err() : 0;
    }
    free(f);
    free(raw);
    return r;
}

static int32_t do_setsockopt(UserProc *p, int fd, uint32_t level, uint32_t opt, uint32_t val, uint32_t len)
{
    if ((int32_t)len < 0)
        return -EINVAL;
    SockOpt ov = find_opt(level, opt);
    const SockOpt *o = &ov;
    if (o->kind == K_FPROG)
        return set_filter(p, fd, o, val, len);
    uint8_t g[OPT_MAX], h[OPT_MAX];
    uint32_t n = len > OPT_MAX ? OPT_MAX : len;
    static const uint32_t need[] = { [K_TV] = 8, [K_TV64] = 16, [K_LINGER] = 8 };
    if ((o->kind == K_TV || o->kind == K_TV64 || o->kind == K_LINGER) && len < need[o->kind])
        return sock_first(fd, -EINVAL);
    if (n && g_read(p, val, g, n))
        return sock_first(fd, -EFAULT);
    memcpy(h, g, n);
    socklen_t hl = (socklen_t)n;
    switch (o->kind) {
    case K_INT:
        if (n >= 4)
            int_to_host(h, g);
        break;
    case K_TV: case K_TV64: {
        int w = o->kind == K_TV ? 4 : 8;
        struct timeval tv = { (time_t)(int64_t)(w == 4 ? (int32_t)get_le(g, 4) : (int64_t)get_le(g, 8)),
                              (suseconds_t)(w == 4 ? (int32_t)get_le(g + 4, 4) : (int64_t)get_le(g + 8, 8)) };
        memcpy(h, &tv, sizeof tv);
        hl = sizeof tv;
        break;
    }
    case K_LINGER: {
        struct linger l = { (int32_t)get_le(g, 4), (int32_t)get_le(g + 4, 4) };
        memcpy(h, &l, sizeof l);
        hl = sizeof l;
        break;
    }
    case K_MREQN:
        if (n >= 12)
            int_to_host(h + 8, g + 8);
        break;
    case K_MREQ6:
        if (n >= 20)
            int_to_host(h + 16, g + 16);
        break;
    default:
        break;
    }
    return setsockopt(fd, o->hlevel, o->hopt, h, hl) ? host_err() : 0;
}

static int32_t do_getsockopt(UserProc *p, int fd, uint32_t level, uint32_t opt, uint32_t val, uint32_t lenp)
{
    SockOpt ov = find_opt(level, opt);
    const SockOpt *o = &ov;
    uint32_t len;
    if (g_get32(p, lenp, &len))
        return sock_first(fd, -EFAULT);
    if ((int32_t)len < 0)
        return sock_first(fd, -EINVAL);
    uint8_t g[OPT_MAX], h[OPT_MAX];
    memset(h, 0, sizeof h);
    int fixed = o->kind == K_TV || o->kind == K_TV64 || o->kind == K_LINGER || o->kind == K_UCRED;
    /* fixed shapes are fetched whole and cut to the guest's length after;
     * the rest keeps the kernel's own rules for short lengths */
    socklen_t hl = fixed ? OPT_MAX : (socklen_t)(len > OPT_MAX ? OPT_MAX : len);
    if (getsockopt(fd, o->hlevel, o->hopt, h, &hl))
        return host_err();
    uint32_t glen = (uint32_t)hl;
    memcpy(g, h, glen);
    switch (o->kind) {
    case K_INT:
        if (hl == sizeof(int))
            int_to_guest(g, h);
        break;
    case K_TV: case K_TV64: {
        struct timeval tv;
        memcpy(&tv, h, sizeof tv);
        int w = o->kind == K_TV ? 4 : 8;
        put_le(g, w, (uint64_t)(int64_t)tv.tv_sec);
        put_le(g + w, w, (uint64_t)(int64_t)tv.tv_usec);
        glen = 2 * (uint32_t)w;
        break;
    }
    case K_LINGER: {
        struct linger l;
        memcpy(&l, h, sizeof l);
        put_le(g, 4, (uint32_t)l.l_onoff);
        put_le(g + 4, 4, (uint32_t)l.l_linger);
        glen = 8;
        break;
    }
    case K_UCRED: {
        struct ucred c;
        memcpy(&c, h, sizeof c);
        put_le(g, 4, (uint32_t)c.pid);
        put_le(g + 4, 4, c.uid);
        put_le(g + 8, 4, c.gid);
        glen = 12;
        break;
    }
    default:
        break;
    }
    if (fixed && glen > len)
        glen = len;
    if (glen && g_write(p, val, g, glen))
        return -EFAULT;
    return g_wput32(p, lenp, glen);
}

/* ---- sendmsg / recvmsg ---- */

typedef struct GuestMsg {
    uint32_t name, namelen, iov, iovlen, control, controllen, flags;
} GuestMsg;

static int32_t msg_read(UserProc *p, uint32_t addr, GuestMsg *m)
{
    uint8_t b[G_MSGHDR];
    if (g_read(p, addr, b, sizeof b))
        return -EFAULT;
    uint32_t *f[7] = { &m->name, &m->namelen, &m->iov, &m->iovlen, &m->control, &m->controllen, &m->flags };
    for (int i = 0; i < 7; i++)
        *f[i] = (uint32_t)get_le(b + 4 * i, 4);
    if (!m->name)
        m->namelen = 0;
    if ((int32_t)m->namelen < 0)
        return -EINVAL;
    if (m->namelen > SOCKADDR_MAX)
        m->namelen = SOCKADDR_MAX;
    if (m->iovlen > USER_UIO_MAXIOV)
        return -EMSGSIZE;
    return 0;
}

/* Which 4-byte words of a control message's data are host-order ints:
 * first word index and count. */
static void cmsg_ints(int glevel, int type, uint32_t dlen, uint32_t *first, uint32_t *count)
{
    *first = 0;
    *count = 0;
    if (glevel == G_SOL_SOCKET && type == G_SCM_RIGHTS)
        *count = dlen / 4;
    else if (glevel == G_SOL_SOCKET && type == G_SCM_CREDENTIALS)
        *count = dlen >= 12 ? 3 : 0;
    else if (glevel == 0 && (type == 1 || type == 2 || type == 8) && dlen >= 4) /* IP_TOS IP_TTL IP_PKTINFO */
        *count = 1;
    else if (glevel == 41 && type == 50 && dlen >= 20) { /* IPV6_PKTINFO: ifindex after the address */
        *first = 4;
        *count = 1;
    } else if (glevel == 41 && (type == 52 || type == 67) && dlen >= 4) /* IPV6_HOPLIMIT IPV6_TCLASS */
        *count = 1;
}

static int host_level(uint32_t g) { return g == G_SOL_SOCKET ? SOL_SOCKET : (int)g; }
static uint32_t guest_level(int h) { return h == SOL_SOCKET ? G_SOL_SOCKET : (uint32_t)h; }

/* i386 control messages to host ones; EINVAL for a malformed header as
 * __scm_send's CMSG_OK check says. */
static int32_t cmsgs_to_host(const uint8_t *g, uint32_t glen, uint8_t **out, size_t *outlen)
{
    size_t need = 0;
    for (uint32_t off = 0; off + G_CMSGHDR <= glen;) {
        uint32_t clen = (uint32_t)get_le(g + off, 4);
        if (clen < G_CMSGHDR || clen > glen - off)
            return -EINVAL;
        need += CMSG_SPACE(clen - G_CMSGHDR);
        off += align4(clen);
    }
    *out = NULL;
    *outlen = need;
    if (!need)
        return 0;
    uint8_t *h = calloc(1, need);
    if (!h)
        return -ENOMEM;
    *out = h;
    struct msghdr hm = { .msg_control = h, .msg_controllen = need };
    struct cmsghdr *c = CMSG_FIRSTHDR(&hm);
    for (uint32_t off = 0; off + G_CMSGHDR <= glen && c;) {
        uint32_t clen = (uint32_t)get_le(g + off, 4), dlen = clen - G_CMSGHDR;
        int level = (int)get_le(g + off + 4, 4), type = (int)get_le(g + off + 8, 4);
        c->cmsg_len = CMSG_LEN(dlen);
        c->cmsg_level = host_level((uint32_t)level);
        c->cmsg_type = type;
        uint8_t *d = CMSG_DATA(c);
        memcpy(d, g + off + G_CMSGHDR, dlen);
        uint32_t first, count;
        cmsg_ints(level, type, dlen, &first, &count);
        for (uint32_t i = first; i < first + count; i++)
            int_to_host(d + 4 * i, g + off + G_CMSGHDR + 4 * i);
        off += align4(clen);
        c = CMSG_NXTHDR(&hm, c);
    }
    return 0;
}

/* put_cmsg into the guest's buffer: truncation sets MSG_CTRUNC, file
 * descriptors that do not fit are closed (scm_detach_fds). */
typedef struct CmsgOut {
    uint8_t *buf;
    uint32_t cap, pos;
    int flags;
} CmsgOut;

static void put_gcmsg(CmsgOut *o, uint32_t level, int type, const uint8_t *data, uint32_t dlen)
{
    uint32_t room = o->cap - o->pos;
    if (room < G_CMSGHDR) {
        o->flags |= G_MSG_CTRUNC;
        return;
    }
    uint32_t cmlen = G_CMSGHDR + dlen;
    if (room < cmlen) {
        o->flags |= G_MSG_CTRUNC;
        cmlen = room;
    }
    uint8_t *b = o->buf + o->pos;
    put_le(b, 4, cmlen);
    put_le(b + 4, 4, level);
    put_le(b + 8, 4, (uint32_t)type);
    memcpy(b + G_CMSGHDR, data, cmlen - G_CMSGHDR);
    uint32_t adv = align4(G_CMSGHDR + dlen);
    o->pos += adv < room ? adv : room;
}

static void cmsgs_to_guest(struct msghdr *hm, CmsgOut *o)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(hm); c; c = CMSG_NXTHDR(hm, c)) {
        uint32_t dlen = (uint32_t)(c->cmsg_len - CMSG_LEN(0));
        uint32_t level = guest_level(c->cmsg_level);
        const uint8_t *d = CMSG_DATA(c);
        uint8_t g[256];
        if (level == G_SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            uint32_t fdnum = dlen / sizeof(int), room = o->cap - o->pos, fdmax = 0, i;
            if (room > G_CMSGHDR)
                fdmax = (room - G_CMSGHDR) / 4;
            if (fdmax > fdnum)
                fdmax = fdnum;
            uint8_t *fds = malloc(fdmax ? fdmax * 4 : 1);
            for (i = 0; i < fdnum; i++) {
                int fd;
                memcpy(&fd, d + i * sizeof(int), sizeof fd);
                if (i < fdmax && fds)
                    put_le(fds + 4 * i, 4, (uint32_t)fd);
                else
                    close(fd); /* never reaches the guest */
            }
            if (fdmax && fds)
                put_gcmsg(o, level, G_SCM_RIGHTS, fds, 4 * fdmax);
            if (fdmax < fdnum || !fds)
                o->flags |= G_MSG_CTRUNC;
            free(fds);
            continue;
        }
        if (level == G_SOL_SOCKET && (c->cmsg_type == SO_TIMESTAMP || c->cmsg_type == SO_TIMESTAMPNS) &&
            dlen == sizeof(struct timeval)) { /* the old 32-bit timeval / timespec */
            struct timespec ts;
            memcpy(&ts, d, sizeof ts); /* timeval and timespec share the shape */
            put_le(g, 4, (uint32_t)ts.tv_sec);
            put_le(g + 4, 4, (uint32_t)ts.tv_nsec);
            put_gcmsg(o, level, c->cmsg_type == SO_TIMESTAMP ? G_SO_TIMESTAMP_OLD : G_SO_TIMESTAMPNS_OLD, g, 8);
            continue;
        }
        if (dlen > sizeof g)
            dlen = sizeof g;
        memcpy(g, d, dlen);
        uint32_t first, count;
        cmsg_ints((int)level, c->cmsg_type, dlen, &first, &count);
        for (uint32_t i = first; i < first + count; i++)
            int_to_guest(g + 4 * i, d + 4 * i);
        put_gcmsg(o, level, c->cmsg_type, g, dlen);
    }
}

static int32_t do_sendmsg(UserProc *p, int fd, uint32_t maddr, uint32_t flags)
{
    GuestMsg m;
    int32_t r = msg_read(p, maddr, &m);
    if (r)
        return sock_first(fd, r);
    struct sockaddr_storage ss;
    socklen_t hl = 0;
    if (m.namelen && (r = addr_in(p, m.name, m.namelen, &ss, &hl)))
        return sock_first(fd, r);
    GuestIov *v = NULL;
    uint32_t total;
    if ((r = user_iov_import(p, m.iov, m.iovlen, &v, &total)))
        return sock_first(fd, r);
    uint8_t *gctl = NULL, *hctl = NULL, *data = NULL;
    size_t hctllen = 0;
    if (m.controllen > INT32_MAX) {
        r = -ENOBUFS;
        goto out;
    }
    if (m.controllen) {
        if (!(gctl = malloc(m.controllen))) { r = -ENOMEM; goto out; }
        if (g_read(p, m.control, gctl, m.controllen)) { r = -EFAULT; goto out; }
        if ((r = cmsgs_to_host(gctl, m.controllen, &hctl, &hctllen)))
            goto out;
    }
    uint32_t n = total > NET_CHUNK ? NET_CHUNK : total;
    if (!(data = malloc(n ? n : 1))) { r = -ENOMEM; goto out; }
    if (user_iov_gather(p, v, m.iovlen, data, n)) { r = -EFAULT; goto out; }
    netlink_fix(fd, data, n, 0);
    struct iovec hv = { data, n };
    struct msghdr hm = { .msg_name = hl ? &ss : NULL, .msg_namelen = hl, .msg_iov = &hv, .msg_iovlen = 1,
                         .msg_control = hctl, .msg_controllen = hctllen };
    ssize_t s;
    USER_BLOCKING(p, s, sendmsg(fd, &hm, (int)(flags & ~(uint32_t)G_MSG_CMSG_COMPAT)));
    r = s < 0 ? host_err() : (int32_t)s;
out:
    if (r < 0 && r != -ENOMEM)
        r = sock_first(fd, r);
    free(v);
    free(gctl);
    free(hctl);
    free(data);
    return r;
}

static int32_t do_recvmsg(UserProc *p, int fd, uint32_t maddr, uint32_t flags)
{
    GuestMsg m;
    int32_t r = msg_read(p, maddr, &m);
    if (r)
        return sock_first(fd, r);
    GuestIov *v = NULL;
    uint32_t total;
    if ((r = user_iov_import(p, m.iov, m.iovlen, &v, &total)))
        return sock_first(fd, r);
    uint32_t n = total > NET_CHUNK ? NET_CHUNK : total;
    if (user_iov_writable(p, v, m.iovlen, n)) {
        free(v);
        return sock_first(fd, -EFAULT);
    }
    uint32_t gcap = m.controllen > INT32_MAX / 4 ? INT32_MAX / 4 : m.controllen;
    size_t hcap = gcap ? (size_t)gcap * 2 + 64 : 0; /* room for every guest cmsg in host form */
    uint8_t *data = malloc(n ? n : 1), *hctl = hcap ? calloc(1, hcap) : NULL, *gctl = gcap ? calloc(1, gcap) : NULL;
    if (!data || (hcap && !hctl) || (gcap && !gctl)) {
        r = -ENOMEM;
        goto out;
    }
    struct sockaddr_storage ss;
    struct iovec hv = { data, n };
    struct msghdr hm = { .msg_name = m.name ? &ss : NULL, .msg_namelen = m.name ? sizeof ss : 0,
                         .msg_iov = &hv, .msg_iovlen = 1, .msg_control = hctl, .msg_controllen = hcap };
    ssize_t s;
    USER_BLOCKING(p, s, recvmsg(fd, &hm, (int)(flags & ~(uint32_t)G_MSG_CMSG_COMPAT)));
    if (s < 0) {
        r = host_err();
        goto out;
    }
    r = (int32_t)s;
    netlink_fix(fd, data, (uint32_t)s < n ? (uint32_t)s : n, 1);
    if (user_iov_scatter(p, v, m.iovlen, data, (uint32_t)s < n ? (uint32_t)s : n)) {
        r = -EFAULT;
        goto out;
    }
    if (m.name) {
        int32_t e = addr_out(p, &ss, hm.msg_namelen, m.name, maddr + 4);
        if (e) { r = e; goto out; }
    }
    CmsgOut o = { gctl, gcap, 0, hm.msg_flags };
    if (hm.msg_controllen)
        cmsgs_to_guest(&hm, &o);
    uint8_t b[8];
    put_le(b, 4, o.pos);
    put_le(b + 4, 4, (uint32_t)o.flags);
    if ((o.pos && g_write(p, m.control, gctl, o.pos)) || g_write(p, maddr + 20, b, 8))
        r = -EFAULT;
out:
    free(v);
    free(data);
    free(hctl);
    free(gctl);
    return r;
}

/* sendmmsg/recvmmsg: i386 struct mmsghdr is a msghdr and a 4-byte count */
static int32_t do_mmsg(UserProc *p, int fd, uint32_t vec, uint32_t vlen, uint32_t flags, int recv)
{
    if (vlen > USER_UIO_MAXIOV)
        vlen = USER_UIO_MAXIOV;
    uint32_t i;
    int32_t r = 0;
    for (i = 0; i < vlen; i++) {
        uint32_t f = flags & ~0x10000u; /* MSG_WAITFORONE */
        if (recv && i > 0 && (flags & 0x10000u))
            f |= 0x40; /* MSG_DONTWAIT after the first */
        r = recv ? do_recvmsg(p, fd, vec + 32 * i, f) : do_sendmsg(p, fd, vec + 32 * i, f);
        if (r < 0)
            break;
        if (g_wput32(p, vec + 32 * i + 28, (uint32_t)r)) {
            r = -EFAULT;
            break;
        }
    }
    return i ? (int32_t)i : r;
}

/* recvmmsg: as do_mmsg, and with a timeout (a timespec, 64-bit for
 * recvmmsg_time64) Linux checks after each datagram -- the first receive
 * still blocks without end -- and writes the time left back. */
static int32_t do_recvmmsg(UserProc *p, int fd, uint32_t vec, uint32_t vlen, uint32_t flags,
                           uint32_t tmo, int bits64)
{
    if (!tmo)
        return do_mmsg(p, fd, vec, vlen, flags, 1);
    struct timespec ts, now;
    int32_t r = user_get_timespec(p, tmo, &ts, bits64);
    if (r)
        return r;
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000L)
        return -EINVAL;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t deadline = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec +
                       (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    if (vlen > USER_UIO_MAXIOV)
        vlen = USER_UIO_MAXIOV;
    uint32_t i;
    for (i = 0; i < vlen; i++) {
        uint32_t f = flags & ~0x10000u; /* MSG_WAITFORONE */
        if (i > 0 && (flags & 0x10000u))
            f |= 0x40; /* MSG_DONTWAIT after the first */
        r = do_recvmsg(p, fd, vec + 32 * i, f);
        if (r < 0)
            break;
        if (g_wput32(p, vec + 32 * i + 28, (uint32_t)r)) {
            r = -EFAULT;
            break;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((int64_t)now.tv_sec * 1000000000 + now.tv_nsec >= deadline) {
            i++;
            break;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t left = deadline - ((int64_t)now.tv_sec * 1000000000 + now.tv_nsec);
    if (left < 0)
        left = 0;
    ts.tv_sec = (time_t)(left / 1000000000);
    ts.tv_nsec = (long)(left % 1000000000);
    if (user_put_timespec(p, tmo, &ts, bits64) && !i)
        return -EFAULT;
    return i ? (int32_t)i : r;
}

/* One entry per socketcall number: the handler takes the guest words. */
static int32_t net_call(UserProc *p, uint32_t call, const uint32_t *v)
{
    int fd = (int)v[0];
    switch (call) {
    case 1: return do_socket(v[0], v[1], v[2]);
    case 2: return do_bind_connect(p, fd, v[1], v[2], 0);
    case 3: return do_bind_connect(p, fd, v[1], v[2], 1);
    case 4: return listen(fd, (int)v[1]) ? host_err() : 0;
    case 5: return do_accept(p, fd, v[1], v[2], 0);
    case 6: return do_getname(p, fd, v[1], v[2], 0);
    case 7: return do_getname(p, fd, v[1], v[2], 1);
    case 8: return do_socketpair(p, v[0], v[1], v[2], v[3]);
    case 9: return do_sendto(p, fd, v[1], v[2], v[3], 0, 0);
    case 10: return do_recvfrom(p, fd, v[1], v[2], v[3], 0, 0);
    case 11: return do_sendto(p, fd, v[1], v[2], v[3], v[4], v[5]);
    case 12: return do_recvfrom(p, fd, v[1], v[2], v[3], v[4], v[5]);
    case 13: return shutdown(fd, (int)v[1]) ? host_err() : 0;
    case 14: return do_setsockopt(p, fd, v[1], v[2], v[3], v[4]);
    case 15: return do_getsockopt(p, fd, v[1], v[2], v[3], v[4]);
    case 16: return do_sendmsg(p, fd, v[1], v[2]);
    case 17: return do_recvmsg(p, fd, v[1], v[2]);
    case 18: return do_accept(p, fd, v[1], v[2], v[3]);
    case 19: return do_recvmmsg(p, fd, v[1], v[2], v[3], v[4], 0);
    case 20: return do_mmsg(p, fd, v[1], v[2], v[3], 0);
    default: return -EINVAL;
    }
}

/* socketcall: the argument count per call is Linux's nargs table */
static int32_t do_socketcall(UserProc *p, uint32_t call, uint32_t args)
{
    static const uint8_t nargs[21] = { 0, 3, 3, 3, 2, 3, 3, 3, 4, 4, 4, 6, 6, 2, 5, 5, 3, 3, 4, 5, 4 };
    if (call < 1 || call > 20)
        return -EINVAL;
    uint8_t b[24];
    uint32_t v[6] = { 0 };
    if (g_read(p, args, b, 4u * nargs[call]))
        return -EFAULT;
    for (int i = 0; i < nargs[call]; i++)
        v[i] = (uint32_t)get_le(b + 4 * i, 4);
    return net_call(p, call, v);
}

int sys_net(UserProc *p, uint32_t nr, const uint32_t a[6], int32_t *ret)
{
    /* the direct calls 359..373 in socketcall's terms */
    static const uint8_t direct[15] = { 1, 8, 2, 3, 4, 18, 15, 14, 6, 7, 11, 16, 12, 17, 13 };
    if (nr == 102)
        *ret = do_socketcall(p, a[0], a[1]);
    else if (nr >= 359 && nr <= 373)
        *ret = net_call(p, direct[nr - 359], a);
    else if (nr == 345) /* sendmmsg */
        *ret = net_call(p, 20, a);
    else if (nr == 337) /* recvmmsg */
        *ret = net_call(p, 19, a);
    else if (nr == 417) /* recvmmsg_time64 */
        *ret = do_recvmmsg(p, (int)a[0], a[1], a[2], a[3], a[4], 1);
    else
        return 0;
    return 1;
}
