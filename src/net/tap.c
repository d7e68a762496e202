/* tap: frames to and from a Linux TAP interface (ifname=NAME, created if
 * it does not exist, which needs CAP_NET_ADMIN; the kernel picks a name
 * when none is given).  IFF_NO_PI: each read or write is one frame. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "net/backends.h"
#ifdef __linux__
#include <linux/if.h>
#include <linux/if_tun.h>
#endif

typedef struct TapNet {
    NetClient nc;
    int fd;
    char ifname[32];
} TapNet;

static void tap_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    TapNet *t = (TapNet *)nc;
    if (write(t->fd, buf, len) != (ssize_t)len)
        nc->dropped++; /* the interface is down or its queue full */
}

static void tap_poll_fill(NetClient *nc, NetPoll *p) { net_poll_add(p, ((TapNet *)nc)->fd, POLLIN); }

static void tap_poll_done(NetClient *nc, const NetPoll *p)
{
    TapNet *t = (TapNet *)nc;
    if (nc->poll_count != 1 || !(p->fd[nc->poll_first].revents & POLLIN))
        return;
    uint8_t buf[NET_MAX_FRAME];
    for (int i = 0; i < 64; i++) { /* a bounded batch: the guest runs between */
        ssize_t r = read(t->fd, buf, sizeof buf);
        if (r <= 0)
            break;
        net_send(nc, buf, (size_t)r);
    }
}

static void tap_describe(const NetClient *nc, char *buf, size_t len)
{
    snprintf(buf, len, "ifname=%s", ((const TapNet *)nc)->ifname);
}

static void tap_cleanup(NetClient *nc)
{
    TapNet *t = (TapNet *)nc;
    if (t->fd >= 0)
        close(t->fd);
    free(t);
}

static const NetClientOps tap_ops = {
    .type = "tap",
    .receive = tap_receive,
    .poll_fill = tap_poll_fill,
    .poll_done = tap_poll_done,
    .describe = tap_describe,
    .cleanup = tap_cleanup,
};

NetClient *net_tap_new(NetCtx *ctx, const char *opts, char *err, size_t errlen)
{
    static const char *const allowed[] = { "id", "ifname", "script", "downscript", NULL };
    (void)ctx;
    char name[32] = "", v[16];
    if (net_opt_check(opts, allowed, err, errlen) < 0)
        return NULL;
    if (net_opt_get(opts, "ifname", name, sizeof name) == -2 || strlen(name) >= 16) {
        snprintf(err, errlen, "ifname= too long (at most 15 characters)");
        return NULL;
    }
    if ((net_opt_get(opts, "script", v, sizeof v) == 0 && strcmp(v, "no")) ||
        (net_opt_get(opts, "downscript", v, sizeof v) == 0 && strcmp(v, "no"))) {
        snprintf(err, errlen, "script= and downscript= are not supported (only 'no')");
        return NULL;
    }
#ifdef __linux__
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "/dev/net/tun: %s", strerror(errno));
        return NULL;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    memcpy(ifr.ifr_name, name, strlen(name));
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        snprintf(err, errlen, "TUNSETIFF %s: %s", name[0] ? name : "(any)", strerror(errno));
        close(fd);
        return NULL;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    TapNet *t = calloc(1, sizeof *t);
    if (!t) {
        close(fd);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    t->nc.ops = &tap_ops;
    t->fd = fd;
    snprintf(t->ifname, sizeof t->ifname, "%.*s", IFNAMSIZ, ifr.ifr_name);
    return &t->nc;
#else
    (void)tap_ops;
    snprintf(err, errlen, "tap needs Linux");
    return NULL;
#endif
}
