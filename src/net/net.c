/* Network clients, peers, the netdev registry and the poll round (see
 * net.h). */
#include "net/net.h"
#include <stdlib.h>
#include <string.h>
#include "net/backends.h"

void net_init(NetCtx *ctx, uint64_t (*now_ns)(void *opaque), void *opaque)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->now_ns = now_ns;
    ctx->clock_opaque = opaque;
}

/* ---- options ---- */

/* The next "key[=value]" item of opts after *p; false at the end. */
static bool next_item(const char **p, const char **key, size_t *klen, const char **val, size_t *vlen)
{
    const char *s = *p;
    if (!*s)
        return false;
    size_t n = strcspn(s, ",");
    const char *eq = memchr(s, '=', n);
    *key = s;
    *klen = eq ? (size_t)(eq - s) : n;
    *val = eq ? eq + 1 : s + n;
    *vlen = eq ? n - (size_t)(eq + 1 - s) : 0;
    *p = s[n] ? s + n + 1 : s + n;
    return true;
}

int net_opt_get(const char *opts, const char *key, char *out, size_t outlen)
{
    const char *p = opts, *k, *v;
    size_t kl, vl;
    bool first = true;
    while (next_item(&p, &k, &kl, &v, &vl)) {
        bool type_item = first && k + kl == v + vl; /* the leading type has no '=' */
        first = false;
        if (type_item || kl != strlen(key) || strncmp(k, key, kl))
            continue;
        if (vl >= outlen)
            return -2;
        memcpy(out, v, vl);
        out[vl] = '\0';
        return 0;
    }
    return -1;
}

int net_opt_check(const char *opts, const char *const *allowed, char *err, size_t errlen)
{
    const char *p = opts, *k, *v;
    size_t kl, vl;
    bool first = true;
    while (next_item(&p, &k, &kl, &v, &vl)) {
        if (first) {
            first = false;
            continue;
        }
        bool ok = false;
        for (int i = 0; allowed[i] && !ok; i++)
            ok = strlen(allowed[i]) == kl && !strncmp(allowed[i], k, kl);
        if (!ok) {
            snprintf(err, errlen, "unknown or misplaced option '%.*s'", (int)kl, k);
            return -1;
        }
    }
    return 0;
}

/* ---- frames ---- */

static void dump_frame(NetClient *nc, const uint8_t *buf, size_t len)
{
    if (nc && nc->dump) {
        uint64_t ns = nc->ctx && nc->ctx->now_ns ? nc->ctx->now_ns(nc->ctx->clock_opaque) : 0;
        pcap_write(nc->dump, ns, buf, len);
    }
}

void net_send(NetClient *nc, const uint8_t *buf, size_t len)
{
    NetClient *peer = nc->peer;
    if (!peer || len == 0 || len > NET_MAX_FRAME) {
        nc->dropped++;
        return;
    }
    nc->tx_frames++;
    peer->rx_frames++;
    dump_frame(nc, buf, len);
    dump_frame(peer, buf, len);
    if (peer->ops->receive)
        peer->ops->receive(peer, buf, len);
}

/* ---- the registry ---- */

static const struct {
    const char *type;
    NetClient *(*create)(NetCtx *ctx, const char *opts, char *err, size_t errlen);
} backend_types[] = {
    { "socket", net_socket_new },
    { "tap", net_tap_new },
    { "hubport", net_hubport_new },
#ifdef E386_HAVE_SLIRP
    { "user", net_slirp_new },
#endif
};

NetClient *netdev_find(NetCtx *ctx, const char *id)
{
    for (int i = 0; i < NET_MAX_CLIENTS; i++)
        if (ctx->netdev[i] && !strcmp(ctx->netdev[i]->id, id))
            return ctx->netdev[i];
    return NULL;
}

static bool valid_id(const char *id)
{
    if (!*id)
        return false;
    for (const char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.'))
            return false;
    return true;
}

static void unpeer(NetClient *nc)
{
    NetClient *peer = nc->peer;
    if (!peer)
        return;
    nc->peer = NULL;
    peer->peer = NULL;
    if (peer->ops->link_changed)
        peer->ops->link_changed(peer, false);
    if (nc->ops->link_changed)
        nc->ops->link_changed(nc, false);
}

static void peer_up(NetClient *a, NetClient *b)
{
    a->peer = b;
    b->peer = a;
    if (a->ops->link_changed)
        a->ops->link_changed(a, true);
    if (b->ops->link_changed)
        b->ops->link_changed(b, true);
}

int netdev_add(NetCtx *ctx, const char *opts, char *err, size_t errlen)
{
    size_t tl = strcspn(opts, ",");
    char id[NET_ID_LEN];
    if (net_opt_get(opts, "id", id, sizeof id) < 0 || !valid_id(id)) {
        snprintf(err, errlen, "-netdev %s: needs id=NAME (letters, digits, '-', '_', '.'; at most %d)",
                 opts, NET_ID_LEN - 1);
        return -1;
    }
    if (netdev_find(ctx, id)) {
        snprintf(err, errlen, "netdev '%s' already exists", id);
        return -1;
    }
    int slot = 0;
    while (slot < NET_MAX_CLIENTS && ctx->netdev[slot])
        slot++;
    if (slot == NET_MAX_CLIENTS) {
        snprintf(err, errlen, "netdev '%s': at most %d netdevs", id, NET_MAX_CLIENTS);
        return -1;
    }
    for (size_t i = 0; i < sizeof backend_types / sizeof backend_types[0]; i++) {
        if (strlen(backend_types[i].type) != tl || strncmp(opts, backend_types[i].type, tl))
            continue;
        char e[256];
        NetClient *nc = backend_types[i].create(ctx, opts, e, sizeof e);
        if (!nc) {
            snprintf(err, errlen, "netdev '%s' (%.*s): %s", id, (int)tl, opts, e);
            return -1;
        }
        snprintf(nc->id, sizeof nc->id, "%s", id);
        nc->ctx = ctx;
        ctx->netdev[slot] = nc;
        /* hubport,netdev=X: the backend X joins the hub through this port */
        if (nc->hub_peer[0]) {
            NetClient *be = netdev_find(ctx, nc->hub_peer);
            if (!be || be->peer || be == nc) {
                snprintf(err, errlen, "netdev '%s': netdev=%s %s", id, nc->hub_peer,
                         !be || be == nc ? "does not exist" : "is already in use");
                netdev_del(ctx, id, e, sizeof e);
                return -1;
            }
            peer_up(nc, be);
        }
        return 0;
    }
    snprintf(err, errlen, "-netdev: unknown type '%.*s' (socket, tap, hubport%s)", (int)tl, opts,
#ifdef E386_HAVE_SLIRP
             ", user"
#else
             "; user needs libslirp, not found when this emu386 was built"
#endif
    );
    return -1;
}

int netdev_del(NetCtx *ctx, const char *id, char *err, size_t errlen)
{
    for (int i = 0; i < NET_MAX_CLIENTS; i++) {
        NetClient *nc = ctx->netdev[i];
        if (!nc || strcmp(nc->id, id))
            continue;
        ctx->netdev[i] = NULL;
        unpeer(nc);
        if (nc->dump)
            pcap_close(nc->dump);
        nc->dump = NULL;
        nc->ops->cleanup(nc);
        return 0;
    }
    snprintf(err, errlen, "netdev '%s' not found", id);
    return -1;
}

void net_cleanup(NetCtx *ctx)
{
    char e[256];
    for (int i = NET_MAX_CLIENTS - 1; i >= 0; i--)
        if (ctx->netdev[i])
            netdev_del(ctx, ctx->netdev[i]->id, e, sizeof e);
}

int net_attach(NetCtx *ctx, NetClient *nic, const char *id, char *err, size_t errlen)
{
    NetClient *be = netdev_find(ctx, id);
    if (!be) {
        snprintf(err, errlen, "netdev '%s' not found", id);
        return -1;
    }
    if (be->peer) {
        snprintf(err, errlen, "netdev '%s' is already in use by '%s'", id, be->peer->id);
        return -1;
    }
    if (nic->peer)
        unpeer(nic);
    peer_up(nic, be);
    return 0;
}

void net_detach(NetClient *nic) { unpeer(nic); }

/* ---- filter-dump ---- */

int net_filter_dump_add(NetCtx *ctx, const char *opts, char *err, size_t errlen)
{
    static const char *const allowed[] = { "id", "netdev", "file", "maxlen", "queue", NULL };
    char id[NET_ID_LEN], netdev[NET_ID_LEN], file[4096], maxlen[16];
    if (net_opt_check(opts, allowed, err, errlen) < 0)
        return -1;
    if (net_opt_get(opts, "id", id, sizeof id) < 0 || !valid_id(id) ||
        net_opt_get(opts, "netdev", netdev, sizeof netdev) < 0 ||
        net_opt_get(opts, "file", file, sizeof file) < 0 || !file[0]) {
        snprintf(err, errlen, "filter-dump: needs id=, netdev= and file=");
        return -1;
    }
    unsigned long snap = 65535;
    if (net_opt_get(opts, "maxlen", maxlen, sizeof maxlen) == 0) {
        char *end;
        snap = strtoul(maxlen, &end, 0);
        if (end == maxlen || *end || snap == 0 || snap > NET_MAX_FRAME) {
            snprintf(err, errlen, "filter-dump: maxlen=%s: want 1 to %d", maxlen, NET_MAX_FRAME);
            return -1;
        }
    }
    for (int i = 0; i < NET_MAX_CLIENTS; i++)
        if (ctx->netdev[i] && ctx->netdev[i]->dump && !strcmp(ctx->netdev[i]->dump_id, id)) {
            snprintf(err, errlen, "filter '%s' already exists", id);
            return -1;
        }
    NetClient *nc = netdev_find(ctx, netdev);
    if (!nc) {
        snprintf(err, errlen, "filter-dump: netdev '%s' not found", netdev);
        return -1;
    }
    if (nc->dump) {
        snprintf(err, errlen, "filter-dump: netdev '%s' already has a dump (%s)", netdev, nc->dump_id);
        return -1;
    }
    char e[256];
    if (!(nc->dump = pcap_open(file, (uint32_t)snap, e, sizeof e))) {
        snprintf(err, errlen, "filter-dump: %s", e);
        return -1;
    }
    snprintf(nc->dump_id, sizeof nc->dump_id, "%s", id);
    return 0;
}

int net_filter_del(NetCtx *ctx, const char *id, char *err, size_t errlen)
{
    for (int i = 0; i < NET_MAX_CLIENTS; i++) {
        NetClient *nc = ctx->netdev[i];
        if (nc && nc->dump && !strcmp(nc->dump_id, id)) {
            pcap_close(nc->dump);
            nc->dump = NULL;
            nc->dump_id[0] = '\0';
            return 0;
        }
    }
    snprintf(err, errlen, "filter '%s' not found", id);
    return -1;
}

/* ---- polling ---- */

int net_poll_add(NetPoll *p, int fd, short events)
{
    if (fd < 0 || p->n >= NET_MAX_POLL)
        return -1;
    p->fd[p->n] = (struct pollfd){ .fd = fd, .events = events };
    return p->n++;
}

static void fill(NetCtx *ctx, NetPoll *p)
{
    p->n = 0;
    for (int i = 0; i < NET_MAX_CLIENTS; i++) {
        NetClient *nc = ctx->netdev[i];
        if (!nc)
            continue;
        nc->poll_first = p->n;
        if (nc->ops->poll_fill)
            nc->ops->poll_fill(nc, p);
        nc->poll_count = p->n - nc->poll_first;
    }
}

void net_poll(NetCtx *ctx)
{
    NetPoll p;
    fill(ctx, &p);
    if (p.n && poll(p.fd, (nfds_t)p.n, 0) < 0)
        return;
    for (int i = 0; i < NET_MAX_CLIENTS; i++) {
        NetClient *nc = ctx->netdev[i];
        if (nc && nc->ops->poll_done)
            nc->ops->poll_done(nc, &p);
    }
}

int net_input_fds(NetCtx *ctx, int *fds, int max)
{
    NetPoll p;
    fill(ctx, &p);
    int n = 0;
    for (int i = 0; i < p.n && n < max; i++)
        if (p.fd[i].events & POLLIN)
            fds[n++] = p.fd[i].fd;
    return n;
}

bool net_active(const NetCtx *ctx)
{
    for (int i = 0; i < NET_MAX_CLIENTS; i++)
        if (ctx->netdev[i])
            return true;
    return false;
}

void net_describe(NetCtx *ctx, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = '\0';
    for (int i = 0; i < NET_MAX_CLIENTS && off < len; i++) {
        NetClient *nc = ctx->netdev[i];
        if (!nc)
            continue;
        char what[256] = "";
        if (nc->ops->describe)
            nc->ops->describe(nc, what, sizeof what);
        int w = snprintf(buf + off, len - off,
                         "%s: type=%s %s peer=%s tx=%llu rx=%llu dropped=%llu%s%s\n", nc->id,
                         nc->ops->type, what, nc->peer ? nc->peer->id : "(none)",
                         (unsigned long long)nc->tx_frames, (unsigned long long)nc->rx_frames,
                         (unsigned long long)nc->dropped, nc->dump ? " dump=" : "",
                         nc->dump ? nc->dump_id : "");
        if (w < 0)
            break;
        off += (size_t)w;
    }
}
