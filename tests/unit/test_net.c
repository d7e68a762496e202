/* Network clients and backends: the pcap writer's bytes, a socket
 * backend pair over TCP and over UDP on 127.0.0.1, hubports, a NIC whose
 * backend is deleted (its cable pulled), filter-dump, and the option
 * parser's refusals. */
#define _DEFAULT_SOURCE
#include <check.h>
#include "unit_main.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "net/backends.h"
#include "net/net.h"

/* A NIC stand-in: records what it receives. */
typedef struct TestNic {
    NetClient nc;
    uint8_t last[NET_MAX_FRAME];
    size_t last_len;
    int frames;
    int link_changes;
} TestNic;

static void tn_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    TestNic *t = (TestNic *)nc;
    memcpy(t->last, buf, len);
    t->last_len = len;
    t->frames++;
}
static void tn_link(NetClient *nc, bool up) { (void)up, ((TestNic *)nc)->link_changes++; }
static void tn_cleanup(NetClient *nc) { (void)nc; }
static const NetClientOps tn_ops = { .type = "nic", .receive = tn_receive, .cleanup = tn_cleanup,
                                     .link_changed = tn_link };

static TestNic *test_nic(const char *id)
{
    TestNic *t = calloc(1, sizeof *t);
    t->nc.ops = &tn_ops;
    snprintf(t->nc.id, sizeof t->nc.id, "%s", id);
    return t;
}

static uint64_t fixed_clock(void *o) { (void)o; return 1500000123456ull; }

static char *temp_path(void)
{
    char *path = strdup("/tmp/emu386-test-pcapXXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    return path;
}

static size_t slurp(const char *path, uint8_t *buf, size_t max)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(buf, 1, max, f);
    fclose(f);
    return n;
}

START_TEST(test_pcap_bytes)
{
    char *path = temp_path();
    char err[256];
    PcapWriter *w = pcap_open(path, 8, err, sizeof err);
    ck_assert_ptr_nonnull(w);
    uint8_t frame[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
    ck_assert_int_eq(pcap_write(w, 3000000005000ull, frame, 10), 0); /* 3000 s + 5 us */
    ck_assert_uint_eq(pcap_records(w), 1);
    pcap_close(w);
    uint8_t got[128];
    size_t n = slurp(path, got, sizeof got);
    static const uint8_t want[] = {
        0xD4, 0xC3, 0xB2, 0xA1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0,
        0xB8, 0x0B, 0, 0, 5, 0, 0, 0, 8, 0, 0, 0, 10, 0, 0, 0, /* ts 3000 s 5 us, 8 of 10 */
        1, 2, 3, 4, 5, 6, 7, 8,
    };
    ck_assert_uint_eq(n, sizeof want);
    ck_assert_mem_eq(got, want, sizeof want);
    ck_assert_ptr_null(pcap_open("/nonexistent/dir/x.pcap", 0, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "cannot create"));
    unlink(path);
    free(path);
}
END_TEST

/* Poll until count reaches want or 2000 rounds have passed (a bound on
 * work with a 1 ms pause per round, not a timed assertion: the checks
 * after it say what arrived). */
static void pump(NetCtx *ctx, const int *count, int want)
{
    for (int i = 0; i < 2000 && *count < want; i++) {
        net_poll(ctx);
        usleep(1000);
    }
}

static int free_port(void)
{
    return 20000 + (int)(getpid() % 20000);
}

START_TEST(test_socket_tcp_pair)
{
    NetCtx a, b;
    net_init(&a, NULL, NULL);
    net_init(&b, NULL, NULL);
    char opts[128], err[256];
    int port = free_port();
    for (int tries = 0; tries < 50; tries++, port++) {
        snprintf(opts, sizeof opts, "socket,id=s,listen=127.0.0.1:%d", port);
        if (netdev_add(&a, opts, err, sizeof err) == 0)
            break;
    }
    ck_assert_ptr_nonnull(netdev_find(&a, "s"));
    snprintf(opts, sizeof opts, "socket,id=s,connect=:%d", port);
    ck_assert_msg(netdev_add(&b, opts, err, sizeof err) == 0, "%s", err);
    TestNic *na = test_nic("na"), *nb = test_nic("nb");
    ck_assert_int_eq(net_attach(&a, &na->nc, "s", err, sizeof err), 0);
    ck_assert_int_eq(net_attach(&b, &nb->nc, "s", err, sizeof err), 0);
    /* the listener accepts on its next poll */
    for (int i = 0; i < 100; i++)
        net_poll(&a), usleep(1000);
    uint8_t f[1514];
    for (int round = 0; round < 20; round++) {
        size_t len = 60 + (size_t)round * 70;
        for (size_t i = 0; i < len; i++)
            f[i] = (uint8_t)(i + (size_t)round);
        net_send(&nb->nc, f, len);
        pump(&a, &na->frames, round + 1);
        ck_assert_int_eq(na->frames, round + 1);
        ck_assert_uint_eq(na->last_len, len);
        ck_assert_mem_eq(na->last, f, len);
        net_send(&na->nc, f, len); /* and back */
        pump(&b, &nb->frames, round + 1);
        ck_assert_mem_eq(nb->last, f, len);
    }
    char info[1024];
    net_describe(&a, info, sizeof info);
    ck_assert_ptr_nonnull(strstr(info, "(connected)"));
    ck_assert_ptr_nonnull(strstr(info, "peer=na"));
    /* the connector leaves: the listener waits for the next, nothing breaks */
    ck_assert_int_eq(netdev_del(&b, "s", err, sizeof err), 0);
    ck_assert_ptr_null(nb->nc.peer);
    net_send(&nb->nc, f, 60);
    ck_assert_uint_eq(nb->nc.dropped, 1);
    for (int i = 0; i < 100; i++)
        net_poll(&a), usleep(1000);
    net_describe(&a, info, sizeof info);
    ck_assert_ptr_nonnull(strstr(info, "(waiting)"));
    net_send(&na->nc, f, 60); /* no peer connected: dropped and counted by the backend */
    ck_assert_uint_eq(netdev_find(&a, "s")->dropped, 1);
    net_cleanup(&a);
    net_cleanup(&b);
    free(na);
    free(nb);
}
END_TEST

START_TEST(test_socket_udp_pair)
{
    NetCtx a;
    net_init(&a, NULL, NULL);
    char opts[160], err[256];
    int p = free_port() + 100;
    for (int tries = 0; tries < 50; tries++, p += 2) { /* two free ports next to each other */
        char e[256];
        snprintf(opts, sizeof opts, "socket,id=u1,udp=127.0.0.1:%d,localaddr=127.0.0.1:%d", p + 1, p);
        if (netdev_add(&a, opts, err, sizeof err) < 0)
            continue;
        snprintf(opts, sizeof opts, "socket,id=u2,udp=127.0.0.1:%d,localaddr=127.0.0.1:%d", p, p + 1);
        if (netdev_add(&a, opts, err, sizeof err) == 0)
            break;
        netdev_del(&a, "u1", e, sizeof e);
    }
    ck_assert_msg(netdev_find(&a, "u2") != NULL, "%s", err);
    TestNic *n1 = test_nic("n1"), *n2 = test_nic("n2");
    ck_assert_int_eq(net_attach(&a, &n1->nc, "u1", err, sizeof err), 0);
    ck_assert_int_eq(net_attach(&a, &n2->nc, "u2", err, sizeof err), 0);
    uint8_t f[300];
    for (int i = 0; i < 300; i++)
        f[i] = (uint8_t)(i ^ 0x5A);
    net_send(&n1->nc, f, 300);
    pump(&a, &n2->frames, 1);
    ck_assert_int_eq(n2->frames, 1);
    ck_assert_mem_eq(n2->last, f, 300);
    net_cleanup(&a);
    free(n1);
    free(n2);
}
END_TEST

START_TEST(test_hub_and_pulled_cable)
{
    NetCtx ctx;
    net_init(&ctx, fixed_clock, NULL);
    char err[256];
    ck_assert_int_eq(netdev_add(&ctx, "hubport,id=h1,hubid=7", err, sizeof err), 0);
    ck_assert_int_eq(netdev_add(&ctx, "hubport,id=h2,hubid=7", err, sizeof err), 0);
    ck_assert_int_eq(netdev_add(&ctx, "hubport,id=h3,hubid=7", err, sizeof err), 0);
    ck_assert_int_eq(netdev_add(&ctx, "hubport,id=other,hubid=8", err, sizeof err), 0);
    TestNic *n[4];
    const char *ids[4] = { "h1", "h2", "h3", "other" };
    for (int i = 0; i < 4; i++) {
        n[i] = test_nic(ids[i]);
        ck_assert_int_eq(net_attach(&ctx, &n[i]->nc, ids[i], err, sizeof err), 0);
        ck_assert_int_eq(n[i]->link_changes, 1);
    }
    ck_assert_int_eq(net_attach(&ctx, &n[0]->nc, "h2", err, sizeof err), -1); /* taken */
    ck_assert_ptr_nonnull(strstr(err, "already in use"));
    char *path = temp_path();
    char opts[256];
    snprintf(opts, sizeof opts, "filter-dump,id=d,netdev=h2,file=%s", path);
    ck_assert_int_eq(net_filter_dump_add(&ctx, opts, err, sizeof err), 0);
    uint8_t f[64] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
    net_send(&n[0]->nc, f, 64);
    ck_assert_int_eq(n[1]->frames, 1);
    ck_assert_int_eq(n[2]->frames, 1);
    ck_assert_int_eq(n[0]->frames, 0); /* not back to the sender */
    ck_assert_int_eq(n[3]->frames, 0); /* another hub */
    ck_assert_uint_eq(pcap_records(netdev_find(&ctx, "h2")->dump), 1);
    /* the backend goes: the NIC's cable is pulled, its frames dropped */
    ck_assert_int_eq(netdev_del(&ctx, "h2", err, sizeof err), 0);
    ck_assert_ptr_null(n[1]->nc.peer);
    ck_assert_int_eq(n[1]->link_changes, 2);
    net_send(&n[1]->nc, f, 64);
    ck_assert_uint_eq(n[1]->nc.dropped, 1);
    net_send(&n[0]->nc, f, 64);
    ck_assert_int_eq(n[2]->frames, 2);
    uint8_t file[1024];
    ck_assert_uint_eq(slurp(path, file, sizeof file), 24 + 16 + 64);
    ck_assert_int_eq(netdev_del(&ctx, "h2", err, sizeof err), -1);
    ck_assert_int_eq(net_filter_del(&ctx, "d", err, sizeof err), -1); /* went with its netdev */
    /* hubport joining a backend to the hub */
    ck_assert_int_eq(netdev_add(&ctx, "hubport,id=j,hubid=7,netdev=h3", err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "already in use"));
    net_detach(&n[2]->nc);
    ck_assert_int_eq(netdev_add(&ctx, "hubport,id=j,hubid=8,netdev=h3", err, sizeof err), 0);
    net_send(&n[3]->nc, f, 64); /* other (hub 8) -> j -> h3 (hub 7) -> h1 */
    ck_assert_int_eq(n[0]->frames, 1);
    /* hubs 7 and 8 joined twice: a loop; every frame still ends */
    net_detach(&n[0]->nc);
    ck_assert_int_eq(netdev_add(&ctx, "hubport,id=k,hubid=8,netdev=h1", err, sizeof err), 0);
    net_send(&n[3]->nc, f, 64);
    uint64_t looped = 0;
    for (int i = 0; i < NET_MAX_CLIENTS; i++)
        looped += ctx.netdev[i] ? ctx.netdev[i]->dropped : 0;
    ck_assert_uint_ge(looped, 1); /* the frame came back to a repeating port and stopped */
    net_cleanup(&ctx);
    for (int i = 0; i < 4; i++)
        free(n[i]);
    unlink(path);
    free(path);
}
END_TEST

START_TEST(test_option_errors)
{
    NetCtx ctx;
    net_init(&ctx, NULL, NULL);
    char err[256], v[8];
    ck_assert_int_eq(netdev_add(&ctx, "hubport,hubid=1", err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "needs id="));
    ck_assert_int_eq(netdev_add(&ctx, "hubport,id=a b,hubid=1", err, sizeof err), -1);
    ck_assert_int_eq(netdev_add(&ctx, "nosuch,id=x", err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "unknown type 'nosuch'"));
    ck_assert_int_eq(netdev_add(&ctx, "hubport,id=x,hubid=-1", err, sizeof err), -1);
    ck_assert_int_eq(netdev_add(&ctx, "hubport,id=x,hubid=1,colour=red", err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "colour"));
    ck_assert_int_eq(netdev_add(&ctx, "socket,id=x", err, sizeof err), -1);
    ck_assert_int_eq(netdev_add(&ctx, "socket,id=x,connect=127.0.0.1", err, sizeof err), -1);
    ck_assert_int_eq(netdev_add(&ctx, "socket,id=x,connect=localhost:1", err, sizeof err), -1);
    ck_assert_int_eq(netdev_add(&ctx, "socket,id=x,connect=127.0.0.1:99999", err, sizeof err), -1);
    ck_assert_int_eq(netdev_add(&ctx, "socket,id=x,connect=127.0.0.1:1", err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "connect to 127.0.0.1:1"));
    ck_assert_int_eq(netdev_add(&ctx, "tap,id=x,script=/etc/qemu-ifup", err, sizeof err), -1);
    ck_assert_int_eq(net_opt_get("user,id=abcdefghij", "id", v, sizeof v), -2);
    ck_assert_int_eq(net_opt_get("id,x=1", "id", v, sizeof v), -1); /* the type is not a key */
    ck_assert_int_eq(net_filter_dump_add(&ctx, "filter-dump,id=d,netdev=none,file=/tmp/x", err,
                                         sizeof err), -1);
    for (int i = 0; i < NET_MAX_CLIENTS; i++) {
        char o[64];
        snprintf(o, sizeof o, "hubport,id=p%d,hubid=0", i);
        ck_assert_int_eq(netdev_add(&ctx, o, err, sizeof err), 0);
    }
    ck_assert_int_eq(netdev_add(&ctx, "hubport,id=last,hubid=0", err, sizeof err), -1);
    ck_assert_int_eq(netdev_add(&ctx, "hubport,id=p0,hubid=0", err, sizeof err), -1);
    net_cleanup(&ctx);
    ck_assert(!net_active(&ctx));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("net");
    TCase *tc = tcase_create("net");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_pcap_bytes);
    tcase_add_test(tc, test_socket_tcp_pair);
    tcase_add_test(tc, test_socket_udp_pair);
    tcase_add_test(tc, test_hub_and_pulled_cable);
    tcase_add_test(tc, test_option_errors);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
