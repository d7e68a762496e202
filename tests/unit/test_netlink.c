/* Netlink messages in the guest's byte order (src/user/netlink.c).
 *
 * Bug: on a big-endian host (s390x) the kernel's netlink replies reached
 * the i386 guest in host order, so glibc's if_nameindex() never saw its
 * NLMSG_DONE (type 3 read as 0x300) and waited for ever in recvmsg().
 * The translation only runs on a big-endian host, but it is a pure
 * function of the buffer, so these tests run it on any host: a message
 * built here in native order must come out with exactly the integer
 * fields that rtnetlink(7) and <linux/netlink.h> define reversed, bytes
 * (names, addresses) untouched, and go back unchanged. */
#define _GNU_SOURCE
#include <check.h>
#include "unit_main.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include "user/syscall.h"

/* a message under construction, and the integer fields a reader in the
 * other byte order must see reversed: (offset, width) */
typedef struct Msg {
    uint8_t b[512];
    size_t len;
    size_t at[64][2];
    int n;
} Msg;

static void put(Msg *m, size_t off, const void *v, size_t w, int integer)
{
    memcpy(m->b + off, v, w);
    if (integer && w > 1) {
        m->at[m->n][0] = off;
        m->at[m->n][1] = w;
        m->n++;
    }
}

/* a fixed-size part at the end of the message */
static void append(Msg *m, const void *v, size_t w, int integer)
{
    put(m, m->len, v, w, integer);
    m->len += w;
}

static size_t nl_begin(Msg *m, uint16_t type)
{
    size_t start = m->len;
    struct nlmsghdr h = { 0, type, NLM_F_MULTI, 0x01020304, 0x0a0b0c0d };
    put(m, start, &h.nlmsg_len, 4, 1);
    put(m, start + 4, &h.nlmsg_type, 2, 1);
    put(m, start + 6, &h.nlmsg_flags, 2, 1);
    put(m, start + 8, &h.nlmsg_seq, 4, 1);
    put(m, start + 12, &h.nlmsg_pid, 4, 1);
    m->len += 16;
    return start;
}

static void nl_end(Msg *m, size_t start)
{
    uint32_t l = (uint32_t)(m->len - start);
    memcpy(m->b + start, &l, 4);
    m->len = (m->len + 3) & ~(size_t)3;
}

/* an attribute whose payload is n integers of width w (w 1: bytes) */
static void attr(Msg *m, uint16_t type, const void *payload, size_t plen, size_t w)
{
    uint16_t alen = (uint16_t)(4 + plen);
    put(m, m->len, &alen, 2, 1);
    put(m, m->len + 2, &type, 2, 1);
    for (size_t o = 0; o < plen; o += w)
        put(m, m->len + 4 + o, (const uint8_t *)payload + o, w, w > 1);
    m->len = (m->len + 4 + plen + 3) & ~(size_t)3;
}

static void expect_reversed(const Msg *m, const uint8_t *out)
{
    uint8_t want[sizeof m->b];
    memcpy(want, m->b, m->len);
    for (int i = 0; i < m->n; i++)
        for (size_t j = 0; j < m->at[i][1]; j++)
            want[m->at[i][0] + j] = m->b[m->at[i][0] + m->at[i][1] - 1 - j];
    for (size_t i = 0; i < m->len; i++)
        ck_assert_msg(out[i] == want[i], "byte %zu: %02x, want %02x", i, out[i], want[i]);
}

/* reverse into an exact-size copy (the sanitizers see any overrun),
 * check, and back */
static void check_both_ways(const Msg *m, int protocol)
{
    uint8_t *b = malloc(m->len);
    memcpy(b, m->b, m->len);
    user_netlink_reverse(b, m->len, protocol, 1);
    expect_reversed(m, b);
    user_netlink_reverse(b, m->len, protocol, 0);
    ck_assert(memcmp(b, m->b, m->len) == 0);
    free(b);
}

static void link_msg(Msg *m)
{
    size_t s = nl_begin(m, RTM_NEWLINK);
    struct ifinfomsg ifi = { AF_UNSPEC, 0, 772, 1, 0x10049, 0xffffffff };
    put(m, m->len, &ifi.ifi_family, 1, 0);
    put(m, m->len + 2, &ifi.ifi_type, 2, 1);
    put(m, m->len + 4, &ifi.ifi_index, 4, 1);
    put(m, m->len + 8, &ifi.ifi_flags, 4, 1);
    put(m, m->len + 12, &ifi.ifi_change, 4, 1);
    m->len += 16;
    attr(m, IFLA_IFNAME, "lo", 3, 1);
    uint32_t mtu = 65536, stats[5] = { 1, 2, 0x300, 0x40000, 0x5000000 };
    attr(m, IFLA_MTU, &mtu, 4, 4);
    attr(m, IFLA_ADDRESS, "\x00\x11\x22\x33\x44\x55", 6, 1);
    attr(m, IFLA_STATS, stats, sizeof stats, 4);
    uint64_t st64[2] = { 0x0102030405060708ull, 42 };
    attr(m, IFLA_STATS64, st64, sizeof st64, 8);
    attr(m, IFLA_QDISC, "noqueue", 8, 1);
    nl_end(m, s);
}

START_TEST(test_netlink_on_big_endian_host_hung_if_nameindex)
{
    /* the reply to glibc's RTM_GETLINK dump: a link, then NLMSG_DONE */
    Msg m = { 0 };
    link_msg(&m);
    size_t s = nl_begin(&m, NLMSG_DONE);
    int32_t count = 0x11223344;
    append(&m, &count, 4, 1);
    nl_end(&m, s);
    check_both_ways(&m, NETLINK_ROUTE);
}
END_TEST

START_TEST(test_netlink_address_attributes_keep_their_bytes)
{
    Msg m = { 0 };
    size_t s = nl_begin(&m, RTM_NEWADDR);
    struct ifaddrmsg ifa = { AF_INET, 8, 0x80, RT_SCOPE_HOST, 1 };
    put(&m, m.len, &ifa.ifa_family, 1, 0);
    put(&m, m.len + 1, &ifa.ifa_prefixlen, 1, 0);
    put(&m, m.len + 4, &ifa.ifa_index, 4, 1);
    m.len += 8;
    attr(&m, IFA_ADDRESS, "\x7f\x00\x00\x01", 4, 1); /* 4 bytes, not an integer */
    attr(&m, IFA_LABEL, "lo", 3, 1);
    uint32_t flags = 0x80, ci[4] = { 0xffffffff, 0xfffffffe, 0x100, 0x200 };
    attr(&m, IFA_FLAGS, &flags, 4, 4);
    attr(&m, IFA_CACHEINFO, ci, sizeof ci, 4);
    nl_end(&m, s);
    s = nl_begin(&m, RTM_NEWROUTE);
    struct rtmsg rt = { AF_INET, 32, 0, 0, RT_TABLE_LOCAL, RTPROT_KERNEL, RT_SCOPE_HOST, RTN_LOCAL, 0x200 };
    put(&m, m.len, &rt.rtm_family, 1, 0);
    put(&m, m.len + 8, &rt.rtm_flags, 4, 1);
    m.len += 12;
    uint32_t table = 255, oif = 1;
    attr(&m, RTA_TABLE, &table, 4, 4);
    attr(&m, RTA_DST, "\x7f\x00\x00\x01", 4, 1);
    attr(&m, RTA_OIF, &oif, 4, 4);
    nl_end(&m, s);
    check_both_ways(&m, NETLINK_ROUTE);
}
END_TEST

START_TEST(test_netlink_error_carries_the_request_header)
{
    Msg m = { 0 };
    size_t s = nl_begin(&m, NLMSG_ERROR);
    int32_t err = -22;
    append(&m, &err, 4, 1);
    size_t r = nl_begin(&m, RTM_GETLINK); /* the request, capped to its header */
    uint32_t orig = 32;
    memcpy(m.b + r, &orig, 4);
    (void)r;
    nl_end(&m, s);
    check_both_ways(&m, NETLINK_ROUTE);
    /* another protocol: only the headers, the payload is its own business */
    Msg g = { 0 };
    s = nl_begin(&g, 0x10);
    append(&g, "\x01\x02\x03\x04\x05\x06\x07\x08", 8, 0);
    nl_end(&g, s);
    check_both_ways(&g, NETLINK_GENERIC);
}
END_TEST

START_TEST(test_netlink_truncated_and_hostile_buffers_stay_inside)
{
    Msg m = { 0 };
    link_msg(&m);
    for (size_t len = 0; len <= m.len; len++) { /* a reader's short buffer */
        uint8_t *b = malloc(len ? len : 1);
        memcpy(b, m.b, len);
        user_netlink_reverse(b, len, NETLINK_ROUTE, 1);
        user_netlink_reverse(b, len, NETLINK_ROUTE, 0);
        ck_assert(memcmp(b, m.b, len) == 0);
        free(b);
    }
    /* a guest's garbage: any lengths, any types, every size */
    uint32_t x = 12345;
    for (int round = 0; round < 2000; round++) {
        size_t len = round % 97;
        uint8_t *b = malloc(len ? len : 1);
        for (size_t i = 0; i < len; i++) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            b[i] = (uint8_t)(round & 1 ? x : (x & 0x1f)); /* small values: plausible lengths and types */
        }
        user_netlink_reverse(b, len, NETLINK_ROUTE, round & 2 ? 1 : 0);
        free(b);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("netlink");
    TCase *tc = tcase_create("netlink");
    tcase_add_test(tc, test_netlink_on_big_endian_host_hung_if_nameindex);
    tcase_add_test(tc, test_netlink_address_attributes_keep_their_bytes);
    tcase_add_test(tc, test_netlink_error_carries_the_request_header);
    tcase_add_test(tc, test_netlink_truncated_and_hostile_buffers_stay_inside);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
