/* Network clients: a NIC and a backend are both NetClients, joined as
 * peers.  A NIC only ever calls net_send and is called back through its
 * receive op: it never knows which backend it has, or whether it has one
 * (with no peer, frames are dropped and counted: a pulled cable).
 *
 * Backends (one file each: socket.c, tap.c, slirp.c, hubport.c) are
 * created by netdev_add from QEMU-style options and owned by the NetCtx,
 * one per machine; filter-dump (pcap.c) records the frames passing a
 * backend in both directions.  Backends with file descriptors are polled
 * by the machine's run loop between CPU slices (net_poll). */
#ifndef E386_NET_NET_H
#define E386_NET_NET_H
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum {
    NET_MAX_FRAME = 65536, /* longer frames are dropped and counted */
    NET_MAX_CLIENTS = 32,  /* netdevs per machine */
    NET_MAX_POLL = 64,     /* descriptors polled per round */
    NET_ID_LEN = 64,
};

typedef struct NetClient NetClient;
typedef struct NetCtx NetCtx;
typedef struct PcapWriter PcapWriter;

typedef struct NetPoll {
    struct pollfd fd[NET_MAX_POLL];
    int n;
} NetPoll;

typedef struct NetClientOps {
    const char *type; /* "nic", "socket", "user", "tap", "hubport" */
    /* A frame from the peer, for this client. */
    void (*receive)(NetClient *nc, const uint8_t *buf, size_t len);
    /* Add descriptors to watch (net_poll_add); look at their revents
     * after the poll (the entries from nc->poll_first on). */
    void (*poll_fill)(NetClient *nc, NetPoll *p);
    void (*poll_done)(NetClient *nc, const NetPoll *p);
    /* One line for info network (no newline). */
    void (*describe)(const NetClient *nc, char *buf, size_t len);
    /* Release what the backend holds (descriptors, memory): netdev_del. */
    void (*cleanup)(NetClient *nc);
    /* The peer came or went (a NIC's cable). */
    void (*link_changed)(NetClient *nc, bool up);
} NetClientOps;

struct NetClient {
    const NetClientOps *ops;
    char id[NET_ID_LEN];
    NetClient *peer;
    NetCtx *ctx;
    PcapWriter *dump;     /* filter-dump on this client, or NULL */
    char dump_id[NET_ID_LEN];
    uint64_t tx_frames;   /* sent to the peer */
    uint64_t rx_frames;   /* received from the peer */
    uint64_t dropped;     /* sent with no peer, or too long */
    int poll_first, poll_count;
    char hub_peer[NET_ID_LEN]; /* hubport: its netdev= backend */
};

struct NetCtx {
    NetClient *netdev[NET_MAX_CLIENTS]; /* backends, by creation order */
    uint64_t (*now_ns)(void *opaque);   /* time stamps of the pcap records */
    void *clock_opaque;
};

void net_init(NetCtx *ctx, uint64_t (*now_ns)(void *opaque), void *opaque);
/* Delete every netdev (the machine's end). */
void net_cleanup(NetCtx *ctx);

/* nc sends a frame to its peer.  Without a peer, or longer than
 * NET_MAX_FRAME, it is dropped and counted in nc->dropped. */
void net_send(NetClient *nc, const uint8_t *buf, size_t len);

/* -netdev TYPE,id=ID[,key=value...]: 0, or -1 with a message. */
int netdev_add(NetCtx *ctx, const char *opts, char *err, size_t errlen);
/* Remove a backend: its peer loses its link (the NIC stays, with its
 * cable pulled), its descriptors are closed.  -1 if there is none. */
int netdev_del(NetCtx *ctx, const char *id, char *err, size_t errlen);
NetClient *netdev_find(NetCtx *ctx, const char *id);

/* Join a NIC to backend id as peers; -1 if the backend does not exist or
 * already has a peer. */
int net_attach(NetCtx *ctx, NetClient *nic, const char *id, char *err, size_t errlen);
/* The NIC leaves: its backend is free for another NIC. */
void net_detach(NetClient *nic);

/* -object filter-dump,id=ID,netdev=NETDEV,file=PATH[,maxlen=N]. */
int net_filter_dump_add(NetCtx *ctx, const char *opts, char *err, size_t errlen);
int net_filter_del(NetCtx *ctx, const char *id, char *err, size_t errlen);

/* Poll every backend's descriptors without blocking and hand them their
 * events: once per slice. */
void net_poll(NetCtx *ctx);
/* The descriptors whose input should wake a halted CPU; at most max. */
int net_input_fds(NetCtx *ctx, int *fds, int max);
bool net_active(const NetCtx *ctx);

/* info network: one line per backend with its peer and counters. */
void net_describe(NetCtx *ctx, char *buf, size_t len);

/* For backends: register a descriptor in the poll set. */
int net_poll_add(NetPoll *p, int fd, short events); /* its index, -1 when full */

/* QEMU-style option strings: "type,key=value,...".  The value of key into
 * out (0), or -1 if absent.  A value longer than outlen is an error (-2). */
int net_opt_get(const char *opts, const char *key, char *out, size_t outlen);
/* Every key of opts is in the NULL-terminated list allowed (the first
 * item, the type, is skipped); else -1 with a message. */
int net_opt_check(const char *opts, const char *const *allowed, char *err, size_t errlen);
#endif
