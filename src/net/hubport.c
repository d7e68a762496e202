/* hubport: ports of a hub (hubid=N) that repeats every frame to all its
 * other ports, as QEMU's hub.  A port's peer is a NIC, or with netdev=ID
 * a backend joined to the hub through it.  Hubs have no object of their
 * own: the ports with one hubid are the hub. */
#include <stdlib.h>
#include <string.h>
#include "net/backends.h"

typedef struct HubPort {
    NetClient nc;
    int hubid;
    bool busy; /* repeating a frame now: a frame coming back (hubs joined in a loop) is dropped */
} HubPort;

static void hub_receive(NetClient *nc, const uint8_t *buf, size_t len)
{
    HubPort *me = (HubPort *)nc;
    NetCtx *ctx = nc->ctx;
    if (me->busy) {
        nc->dropped++;
        return;
    }
    me->busy = true;
    for (int i = 0; i < NET_MAX_CLIENTS; i++) {
        NetClient *o = ctx->netdev[i];
        if (!o || o == nc || strcmp(o->ops->type, "hubport") || ((HubPort *)o)->hubid != me->hubid)
            continue;
        net_send(o, buf, len);
    }
    me->busy = false;
}

static void hub_describe(const NetClient *nc, char *buf, size_t len)
{
    snprintf(buf, len, "hubid=%d", ((const HubPort *)nc)->hubid);
}

static void hub_cleanup(NetClient *nc) { free(nc); }

static const NetClientOps hub_ops = {
    .type = "hubport",
    .receive = hub_receive,
    .describe = hub_describe,
    .cleanup = hub_cleanup,
};

NetClient *net_hubport_new(NetCtx *ctx, const char *opts, char *err, size_t errlen)
{
    static const char *const allowed[] = { "id", "hubid", "netdev", NULL };
    (void)ctx;
    char v[32], peer[NET_ID_LEN] = "";
    if (net_opt_check(opts, allowed, err, errlen) < 0)
        return NULL;
    char *end;
    long hubid;
    if (net_opt_get(opts, "hubid", v, sizeof v) < 0 || (hubid = strtol(v, &end, 10), end == v) ||
        *end || hubid < 0 || hubid > 1000000) {
        snprintf(err, errlen, "needs hubid=N (0 to 1000000)");
        return NULL;
    }
    if (net_opt_get(opts, "netdev", peer, sizeof peer) == -2) {
        snprintf(err, errlen, "netdev= too long");
        return NULL;
    }
    HubPort *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->nc.ops = &hub_ops;
    p->hubid = (int)hubid;
    snprintf(p->nc.hub_peer, sizeof p->nc.hub_peer, "%s", peer);
    return &p->nc;
}
