/* The tap backend, inside a network namespace of its own (the test
 * process is Check's forked child: the host's interfaces are never
 * touched).  Without the right to make one (not root, no /dev/net/tun) it
 * says SKIP loudly and passes nothing off as tested.
 *
 * The frames: the kernel, asked to send a UDP datagram to a neighbour on
 * the tap's subnet, first sends an ARP request out of the tap: the test
 * NIC must receive it through the backend.  A frame the NIC sends must
 * reach the kernel (its rx counter in /proc/net/dev, which shows this
 * namespace). */
#define _GNU_SOURCE
#include <check.h>
#include "unit_main.h"
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "net/net.h"

typedef struct TestNic {
    NetClient nc;
    uint8_t last[2048];
    size_t last_len;
    int arp;
} TestNic;

static void tn_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    TestNic *t = (TestNic *)nc;
    if (len > sizeof t->last)
        return;
    memcpy(t->last, buf, len);
    t->last_len = len;
    if (len >= 42 && buf[12] == 0x08 && buf[13] == 0x06 && buf[21] == 1) /* ARP request */
        t->arp++;
}
static void tn_cleanup(NetClient *nc) { (void)nc; }
static const NetClientOps tn_ops = { .type = "nic", .receive = tn_receive, .cleanup = tn_cleanup };

static long rx_packets(const char *ifname)
{
    FILE *f = fopen("/proc/net/dev", "r");
    char line[512];
    long rx = -1;
    while (f && fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        char *name = line;
        while (*name == ' ')
            name++;
        if (colon && (size_t)(colon - name) == strlen(ifname) && !strncmp(name, ifname, strlen(ifname))) {
            long bytes;
            if (sscanf(colon + 1, "%ld %ld", &bytes, &rx) != 2)
                rx = -1;
        }
    }
    if (f)
        fclose(f);
    return rx;
}

START_TEST(test_tap_in_netns)
{
    if (access("/dev/net/tun", R_OK | W_OK) != 0 || unshare(CLONE_NEWNET) != 0) {
        printf("SKIP: test_net_tap: cannot create a network namespace with /dev/net/tun "
               "(needs root): the tap backend is NOT tested here\n");
        return;
    }
    NetCtx ctx;
    net_init(&ctx, NULL, NULL);
    char err[256];
    ck_assert_msg(netdev_add(&ctx, "tap,id=t,ifname=e386tap0,script=no", err, sizeof err) == 0, "%s", err);
    TestNic nic = { .nc = { .ops = &tn_ops, .id = "nic" } };
    ck_assert_int_eq(net_attach(&ctx, &nic.nc, "t", err, sizeof err), 0);
    char info[512];
    net_describe(&ctx, info, sizeof info);
    ck_assert_ptr_nonnull(strstr(info, "ifname=e386tap0"));
    /* 10.77.0.1/24 on the tap, up */
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "e386tap0");
    struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
    sin->sin_family = AF_INET;
    inet_pton(AF_INET, "10.77.0.1", &sin->sin_addr);
    ck_assert_int_eq(ioctl(s, SIOCSIFADDR, &ifr), 0);
    inet_pton(AF_INET, "255.255.255.0", &sin->sin_addr);
    ck_assert_int_eq(ioctl(s, SIOCSIFNETMASK, &ifr), 0);
    ck_assert_int_eq(ioctl(s, SIOCGIFFLAGS, &ifr), 0);
    ifr.ifr_flags |= IFF_UP;
    ck_assert_int_eq(ioctl(s, SIOCSIFFLAGS, &ifr), 0);
    /* a datagram to 10.77.0.2: the kernel asks who has it, out of the tap */
    struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(9) };
    inet_pton(AF_INET, "10.77.0.2", &dst.sin_addr);
    sendto(s, "x", 1, MSG_DONTWAIT, (struct sockaddr *)&dst, sizeof dst);
    for (int i = 0; i < 2000 && !nic.arp; i++) { /* a bound on work, not a timeout */
        net_poll(&ctx);
        usleep(1000);
    }
    ck_assert_int_eq(nic.arp, 1);
    ck_assert_uint_eq(nic.last[41] | 0u, 2); /* who has 10.77.0.2 */
    /* and a frame from the NIC reaches the kernel */
    long before = rx_packets("e386tap0");
    ck_assert_int_ge(before, 0);
    uint8_t f[60];
    memset(f, 0, sizeof f);
    memset(f, 0xFF, 6);
    memcpy(f + 6, "\x52\x54\x00\x12\x34\x56", 6);
    f[12] = 0x88, f[13] = 0xB5; /* local experimental ethertype */
    net_send(&nic.nc, f, sizeof f);
    ck_assert_uint_eq(netdev_find(&ctx, "t")->dropped, 0);
    ck_assert_int_eq(rx_packets("e386tap0"), before + 1);
    close(s);
    net_cleanup(&ctx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("net_tap");
    TCase *tc = tcase_create("net_tap");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_tap_in_netns);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
