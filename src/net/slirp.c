/* user: user-mode networking through libslirp (Debian's libslirp0), as
 * QEMU's -netdev user.  The guest gets a DHCP address (10.0.2.15 on
 * 10.0.2.0/24 by default), 10.0.2.2 is the host (its 127.0.0.1 services
 * included), 10.0.2.3 the DNS forwarder.
 *   net=A.B.C.D/N host=A.B.C.D dhcpstart=A.B.C.D dns=A.B.C.D hostname=NAME
 *   restrict=on|off   hostfwd=tcp|udp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT
 * Slirp's sockets are polled with the other backends between slices, its
 * timers run on the host's monotonic clock (they pace host connections,
 * not the guest). */
#define _DEFAULT_SOURCE
#include "net/backends.h"
#ifndef E386_HAVE_SLIRP
/* built without libslirp (CMake says so loudly): -netdev user is refused
 * by netdev_add with that reason */
typedef int e386_no_slirp;
#else
#include <arpa/inet.h>
#include <libslirp.h>
#include <sys/types.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct SlirpTimer {
    SlirpTimerCb cb;
    void *cb_opaque;
    int64_t expire_ms; /* -1: not armed */
    struct SlirpTimer *next;
} SlirpTimer;

typedef struct SlirpNet {
    NetClient nc;
    Slirp *slirp;
    SlirpTimer *timers;
    char desc[160];
    char hostname[64];
} SlirpNet;

typedef struct PollCtx {
    SlirpNet *s;
    NetPoll *p;
    const NetPoll *cp;
} PollCtx;

static int64_t host_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static ssize_t cb_send(const void *buf, size_t len, void *opaque)
{
    SlirpNet *s = opaque;
    net_send(&s->nc, buf, len);
    return (ssize_t)len;
}

static void cb_guest_error(const char *msg, void *opaque)
{
    (void)opaque, (void)msg; /* a guest's malformed packet: dropped by slirp */
}

static int64_t cb_clock(void *opaque)
{
    (void)opaque;
    return host_ns();
}

static void *cb_timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
    SlirpNet *s = opaque;
    SlirpTimer *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->cb = cb;
    t->cb_opaque = cb_opaque;
    t->expire_ms = -1;
    t->next = s->timers;
    s->timers = t;
    return t;
}

static void cb_timer_free(void *timer, void *opaque)
{
    SlirpNet *s = opaque;
    for (SlirpTimer **pp = &s->timers; *pp; pp = &(*pp)->next)
        if (*pp == timer) {
            *pp = ((SlirpTimer *)timer)->next;
            free(timer);
            return;
        }
}

static void cb_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
    (void)opaque;
    if (timer)
        ((SlirpTimer *)timer)->expire_ms = expire_ms;
}

static void cb_fd(int fd, void *opaque) { (void)fd, (void)opaque; }
static void cb_notify(void *opaque) { (void)opaque; }

static const SlirpCb slirp_cb = {
    .send_packet = cb_send,
    .guest_error = cb_guest_error,
    .clock_get_ns = cb_clock,
    .timer_new = cb_timer_new,
    .timer_free = cb_timer_free,
    .timer_mod = cb_timer_mod,
    .register_poll_fd = cb_fd,
    .unregister_poll_fd = cb_fd,
    .notify = cb_notify,
};

static void user_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    slirp_input(((SlirpNet *)nc)->slirp, buf, (int)len);
}

static int add_poll(int fd, int events, void *opaque)
{
    PollCtx *c = opaque;
    short ev = 0;
    if (events & SLIRP_POLL_IN)
        ev |= POLLIN;
    if (events & SLIRP_POLL_OUT)
        ev |= POLLOUT;
    if (events & SLIRP_POLL_PRI)
        ev |= POLLPRI;
    return net_poll_add(c->p, fd, ev);
}

static int get_revents(int idx, void *opaque)
{
    PollCtx *c = opaque;
    if (idx < 0 || idx >= c->cp->n)
        return 0;
    short re = c->cp->fd[idx].revents;
    return ((re & POLLIN) ? SLIRP_POLL_IN : 0) | ((re & POLLOUT) ? SLIRP_POLL_OUT : 0) |
           ((re & POLLPRI) ? SLIRP_POLL_PRI : 0) | ((re & POLLERR) ? SLIRP_POLL_ERR : 0) |
           ((re & POLLHUP) ? SLIRP_POLL_HUP : 0);
}

static void user_poll_fill(NetClient *nc, NetPoll *p)
{
    SlirpNet *s = (SlirpNet *)nc;
    uint32_t timeout = UINT32_MAX;
    PollCtx c = { s, p, p };
    slirp_pollfds_fill(s->slirp, &timeout, add_poll, &c);
}

static void user_poll_done(NetClient *nc, const NetPoll *p)
{
    SlirpNet *s = (SlirpNet *)nc;
    PollCtx c = { s, NULL, p };
    slirp_pollfds_poll(s->slirp, 0, get_revents, &c);
    int64_t now_ms = host_ns() / 1000000;
    for (SlirpTimer *t = s->timers; t;) {
        SlirpTimer *next = t->next; /* a callback may re-arm or free others: restart after one */
        if (t->expire_ms >= 0 && t->expire_ms <= now_ms) {
            t->expire_ms = -1;
            t->cb(t->cb_opaque);
            break;
        }
        t = next;
    }
}

static void user_describe(const NetClient *nc, char *buf, size_t len)
{
    snprintf(buf, len, "%s", ((const SlirpNet *)nc)->desc);
}

static void user_cleanup(NetClient *nc)
{
    SlirpNet *s = (SlirpNet *)nc;
    if (s->slirp)
        slirp_cleanup(s->slirp);
    while (s->timers) {
        SlirpTimer *t = s->timers;
        s->timers = t->next;
        free(t);
    }
    free(s);
}

static const NetClientOps user_ops = {
    .type = "user",
    .receive = user_receive,
    .poll_fill = user_poll_fill,
    .poll_done = user_poll_done,
    .describe = user_describe,
    .cleanup = user_cleanup,
};

static int get_ip(const char *opts, const char *key, struct in_addr *a, char *err, size_t errlen)
{
    char v[32];
    if (net_opt_get(opts, key, v, sizeof v) < 0)
        return 0;
    if (inet_pton(AF_INET, v, a) != 1) {
        snprintf(err, errlen, "%s=%s: not an IPv4 address", key, v);
        return -1;
    }
    return 0;
}

/* hostfwd=tcp|udp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT */
static int add_hostfwd(SlirpNet *s, const char *v, char *err, size_t errlen)
{
    char proto[4], haddr[32] = "", gaddr[32] = "";
    unsigned hport, gport;
    int udp;
    if (sscanf(v, "%3[a-z]:%31[0-9.]:%u-%31[0-9.]:%u", proto, haddr, &hport, gaddr, &gport) != 5 &&
        (haddr[0] = '\0', sscanf(v, "%3[a-z]::%u-%31[0-9.]:%u", proto, &hport, gaddr, &gport) != 4)) {
        snprintf(err, errlen, "hostfwd=%s: want tcp:[HOSTADDR]:PORT-GUESTADDR:PORT", v);
        return -1;
    }
    udp = !strcmp(proto, "udp");
    struct in_addr ha = { .s_addr = htonl(INADDR_LOOPBACK) }, ga;
    if ((!udp && strcmp(proto, "tcp")) || hport > 65535 || gport > 65535 ||
        (haddr[0] && inet_pton(AF_INET, haddr, &ha) != 1) || inet_pton(AF_INET, gaddr, &ga) != 1) {
        snprintf(err, errlen, "hostfwd=%s: bad protocol, address or port", v);
        return -1;
    }
    if (slirp_add_hostfwd(s->slirp, udp, ha, (int)hport, ga, (int)gport) < 0) {
        snprintf(err, errlen, "hostfwd=%s: cannot listen on the host port", v);
        return -1;
    }
    return 0;
}

NetClient *net_slirp_new(NetCtx *ctx, const char *opts, char *err, size_t errlen)
{
    static const char *const allowed[] = { "id", "net", "host", "dhcpstart", "dns", "hostname",
                                           "restrict", "hostfwd", "ipv4", NULL };
    (void)ctx;
    if (net_opt_check(opts, allowed, err, errlen) < 0)
        return NULL;
    SlirpConfig cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.version = 1;
    cfg.in_enabled = true;
    inet_pton(AF_INET, "10.0.2.0", &cfg.vnetwork);
    inet_pton(AF_INET, "255.255.255.0", &cfg.vnetmask);
    inet_pton(AF_INET, "10.0.2.2", &cfg.vhost);
    inet_pton(AF_INET, "10.0.2.15", &cfg.vdhcp_start);
    inet_pton(AF_INET, "10.0.2.3", &cfg.vnameserver);
    char v[64];
    if (net_opt_get(opts, "net", v, sizeof v) == 0) {
        char *slash = strchr(v, '/');
        long bits = slash ? strtol(slash + 1, NULL, 10) : 24;
        if (slash)
            *slash = '\0';
        if (inet_pton(AF_INET, v, &cfg.vnetwork) != 1 || bits < 8 || bits > 30) {
            snprintf(err, errlen, "net=: want A.B.C.D/N (N 8-30)");
            return NULL;
        }
        cfg.vnetmask.s_addr = htonl(~0u << (32 - bits));
        cfg.vnetwork.s_addr &= cfg.vnetmask.s_addr;
        uint32_t n = ntohl(cfg.vnetwork.s_addr);
        cfg.vhost.s_addr = htonl(n | 2);
        cfg.vdhcp_start.s_addr = htonl(n | 15);
        cfg.vnameserver.s_addr = htonl(n | 3);
    }
    if (get_ip(opts, "host", &cfg.vhost, err, errlen) < 0 ||
        get_ip(opts, "dhcpstart", &cfg.vdhcp_start, err, errlen) < 0 ||
        get_ip(opts, "dns", &cfg.vnameserver, err, errlen) < 0)
        return NULL;
    if (net_opt_get(opts, "restrict", v, sizeof v) == 0)
        cfg.restricted = !strcmp(v, "on") || !strcmp(v, "yes");
    SlirpNet *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->nc.ops = &user_ops;
    if (net_opt_get(opts, "hostname", s->hostname, sizeof s->hostname) == 0)
        cfg.vhostname = s->hostname;
    if (!(s->slirp = slirp_new(&cfg, &slirp_cb, s))) {
        snprintf(err, errlen, "libslirp refused the configuration");
        free(s);
        return NULL;
    }
    char fwd[128];
    if (net_opt_get(opts, "hostfwd", fwd, sizeof fwd) == 0 && add_hostfwd(s, fwd, err, errlen) < 0) {
        user_cleanup(&s->nc);
        return NULL;
    }
    char a[3][INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &cfg.vnetwork, a[0], sizeof a[0]);
    inet_ntop(AF_INET, &cfg.vhost, a[1], sizeof a[1]);
    inet_ntop(AF_INET, &cfg.vdhcp_start, a[2], sizeof a[2]);
    snprintf(s->desc, sizeof s->desc, "net=%s host=%s dhcpstart=%s%s", a[0], a[1], a[2],
             cfg.restricted ? " restrict=on" : "");
    return &s->nc;
}
#endif
