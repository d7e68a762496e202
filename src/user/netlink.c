/* Netlink messages between the host's byte order and the guest's.
 *
 * A netlink message is in the byte order of the machine that built it:
 * the kernel writes nlmsghdr, the rtnetlink headers and integer
 * attributes in host order.  On a little-endian host they already are
 * what an i386 program expects (the layouts have no longs); on a
 * big-endian host every integer field must be reversed, or glibc's
 * if_nameindex() never sees its NLMSG_DONE and waits for ever (found on
 * s390x).  What is translated: the header of every message, NLMSG_ERROR
 * and NLMSG_DONE, and for NETLINK_ROUTE the link, address, route and
 * neighbour messages with the integer attributes rtnetlink(7) documents.
 * Attributes whose payload is bytes (names, addresses) need nothing;
 * nested attributes (IFLA_LINKINFO, IFLA_AF_SPEC, RTA_METRICS, ...) get
 * their own header reversed and their payload passed as the host gave
 * it: a program that parses those on a big-endian host sees host order. */
#define _GNU_SOURCE
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include "user/syscall.h"

enum { NLMSG_HDR = 16, RTA_HDR = 4, NLMSG_ERROR_T = 2, NLMSG_DONE_T = 3, NETLINK_ROUTE_P = 0 };

static void rev(uint8_t *p, int n)
{
    for (int i = 0, j = n - 1; i < j; i++, j--) {
        uint8_t t = p[i];
        p[i] = p[j];
        p[j] = t;
    }
}

/* reverse each n-byte integer of [p, p + len) that lies wholly inside it */
static void rev_each(uint8_t *p, size_t len, int n)
{
    for (size_t o = 0; o + (size_t)n <= len; o += (size_t)n)
        rev(p + o, n);
}

/* a field's value: native says whether the buffer is in this machine's
 * byte order now (to the guest) or in the reverse of it (from the guest) */
static uint32_t get_u(const uint8_t *p, int n, int native)
{
    uint8_t t[4];
    memcpy(t, p, (size_t)n);
    if (!native)
        rev(t, n);
    if (n == 2) {
        uint16_t s;
        memcpy(&s, t, 2);
        return s;
    }
    uint32_t v;
    memcpy(&v, t, 4);
    return v;
}

/* What an attribute's payload is made of: 0 bytes (or nested, left as
 * the host gave it), or an array of 2-, 4- or 8-byte integers. */
typedef struct AttrKind {
    uint16_t type;
    uint8_t width;
} AttrKind;

/* IFLA_*: MTU, LINK, MASTER, TXQLEN, WEIGHT, NET_NS_PID, EXT_MASK,
 * GROUP, PROMISCUITY, NUM_TX/RX_QUEUES, CARRIER_CHANGES, LINK_NETNSID,
 * GSO_MAX_SEGS/SIZE, IF_NETNSID, CARRIER_UP/DOWN_COUNT, NEW_IFINDEX,
 * MIN/MAX_MTU, GRO/TSO limits; STATS (u32s) and STATS64 (u64s). */
static const AttrKind link_attrs[] = {
    { 4, 4 },  { 5, 4 },  { 7, 4 },  { 10, 4 }, { 13, 4 }, { 15, 4 }, { 19, 4 }, { 23, 8 },
    { 27, 4 }, { 29, 4 }, { 30, 4 }, { 31, 4 }, { 32, 4 }, { 35, 4 }, { 37, 4 }, { 40, 4 },
    { 41, 4 }, { 46, 4 }, { 47, 4 }, { 48, 4 }, { 49, 4 }, { 50, 4 }, { 51, 4 }, { 58, 4 },
    { 59, 4 }, { 60, 4 }, { 0, 0 },
};
/* IFA_CACHEINFO (4 x u32), IFA_FLAGS, IFA_RT_PRIORITY, IFA_TARGET_NETNSID */
static const AttrKind addr_attrs[] = { { 6, 4 }, { 8, 4 }, { 9, 4 }, { 10, 4 }, { 0, 0 } };
/* RTA_IIF, OIF, PRIORITY, FLOW, CACHEINFO (u32s), TABLE, MARK, UID, EXPIRES (u64) */
static const AttrKind route_attrs[] = {
    { 3, 4 }, { 4, 4 }, { 6, 4 }, { 11, 4 }, { 12, 4 }, { 15, 4 }, { 16, 4 }, { 25, 4 }, { 23, 8 }, { 0, 0 },
};
/* NDA_CACHEINFO (u32s), PROBES, VLAN (u16), PORT (network order: bytes), VNI, IFINDEX, MASTER */
static const AttrKind neigh_attrs[] = {
    { 3, 4 }, { 4, 4 }, { 5, 2 }, { 7, 4 }, { 8, 4 }, { 9, 4 }, { 0, 0 },
};

static int attr_width(const AttrKind *k, uint16_t type)
{
    for (; k->width; k++)
        if (k->type == type)
            return k->width;
    return 0;
}

/* the rtattrs of [p, p + len), headers read in their current order */
static void rev_attrs(uint8_t *p, size_t len, const AttrKind *kinds, int native)
{
    size_t o = 0;
    while (o + RTA_HDR <= len) {
        uint8_t *a = p + o;
        uint32_t alen = get_u(a, 2, native);
        uint16_t type = (uint16_t)(get_u(a + 2, 2, native) & 0x3fff); /* less NLA_F_NESTED/NET_BYTEORDER */
        int byteorder = (get_u(a + 2, 2, native) & 0x4000) != 0;
        rev(a, 2);
        rev(a + 2, 2);
        if (alen < RTA_HDR)
            break;
        size_t plen = alen - RTA_HDR;
        if (plen > len - o - RTA_HDR)
            plen = len - o - RTA_HDR;
        int w = byteorder ? 0 : attr_width(kinds, type);
        if (w)
            rev_each(a + RTA_HDR, plen, w);
        o += (alen + 3) & ~(size_t)3;
    }
}

/* The fixed header after nlmsghdr of a route message: its size, the
 * offsets of its integers, and the attribute table that follows. */
typedef struct RouteMsg {
    uint16_t first, last; /* RTM_* types */
    uint8_t size;
    uint8_t u16_at, u32_at[3]; /* 0xff: none */
    const AttrKind *attrs;
} RouteMsg;

static const RouteMsg route_msgs[] = {
    /* ifinfomsg: type u16 @2, index, flags, change */
    { 16, 19, 16, 2, { 4, 8, 12 }, link_attrs },
    /* ifaddrmsg: index @4 */
    { 20, 23, 8, 0xff, { 4, 0xff, 0xff }, addr_attrs },
    /* rtmsg: flags @8 */
    { 24, 27, 12, 0xff, { 8, 0xff, 0xff }, route_attrs },
    /* ndmsg: ifindex @4, state u16 @8 */
    { 28, 31, 12, 8, { 4, 0xff, 0xff }, neigh_attrs },
};

static void rev_route(uint8_t *b, size_t len, uint16_t type, int native)
{
    for (size_t i = 0; i < sizeof route_msgs / sizeof route_msgs[0]; i++) {
        const RouteMsg *m = &route_msgs[i];
        if (type < m->first || type > m->last)
            continue;
        if (len < m->size)
            return; /* a dump request's short rtgenmsg: one byte, nothing to turn */
        if (m->u16_at != 0xff)
            rev(b + m->u16_at, 2);
        for (int j = 0; j < 3; j++)
            if (m->u32_at[j] != 0xff)
                rev(b + m->u32_at[j], 4);
        rev_attrs(b + m->size, len - m->size, m->attrs, native);
        return;
    }
}

/* nested: inside an NLMSG_ERROR, whose request is not looked into again
 * (a guest's message could nest errors deep enough to end the host's stack) */
static void reverse_msgs(uint8_t *buf, size_t len, int protocol, int native, int nested)
{
    size_t o = 0;
    while (o + NLMSG_HDR <= len) {
        uint8_t *h = buf + o;
        uint32_t mlen = get_u(h, 4, native);
        uint16_t type = (uint16_t)get_u(h + 4, 2, native);
        rev(h, 4);      /* nlmsg_len */
        rev(h + 4, 2);  /* nlmsg_type */
        rev(h + 6, 2);  /* nlmsg_flags */
        rev(h + 8, 4);  /* nlmsg_seq */
        rev(h + 12, 4); /* nlmsg_pid */
        if (mlen < NLMSG_HDR)
            break;
        size_t plen = mlen - NLMSG_HDR;
        if (plen > len - o - NLMSG_HDR)
            plen = len - o - NLMSG_HDR; /* truncated by the reader's buffer */
        uint8_t *pl = h + NLMSG_HDR;
        if (type == NLMSG_ERROR_T || type == NLMSG_DONE_T) {
            if (plen >= 4)
                rev(pl, 4); /* the error, or NLMSG_DONE's count */
            if (type == NLMSG_ERROR_T && plen >= 4 + NLMSG_HDR && !nested)
                reverse_msgs(pl + 4, plen - 4, protocol, native, 1); /* the request, or its header */
        } else if (protocol == NETLINK_ROUTE_P) {
            rev_route(pl, plen, type, native);
        }
        o += (mlen + 3) & ~(size_t)3;
    }
}

void user_netlink_reverse(uint8_t *buf, size_t len, int protocol, int native)
{
    reverse_msgs(buf, len, protocol, native, 0);
}

int user_host_big_endian(void)
{
    const uint16_t one = 1;
    uint8_t b;
    memcpy(&b, &one, 1);
    return b == 0;
}

int user_netlink_protocol(int fd)
{
    int v;
    socklen_t l = sizeof v;
    if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &l) || v != AF_NETLINK)
        return -1;
    l = sizeof v;
    return getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &l) ? -1 : v;
}
