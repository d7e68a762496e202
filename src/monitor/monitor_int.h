/* Inside the monitor: the state shared by the command table (monitor.c)
 * and the front ends' I/O (server.c).  Not for other modules. */
#ifndef E386_MONITOR_MONITOR_INT_H
#define E386_MONITOR_MONITOR_INT_H
#include "monitor/monitor.h"

enum {
    MON_MAX_LISTENERS = 8,
    MON_MAX_CLIENTS = 16,          /* all listeners together; more are turned away */
    MON_MAX_REQUEST = 1u << 20,    /* bytes of one QMP request (JSON_DEFAULT_LIMITS) */
    MON_MAX_LINE = 4096,           /* bytes of one HMP line */
    MON_OUT_CAP = 4u << 20,        /* bytes a client may leave unread before it is dropped */
    MON_REPLY_CAP = 2u << 20,      /* bytes of one reply */
};

typedef struct MonEntry {
    const MonCommand *cmd;
    void *opaque;
} MonEntry;

typedef struct MonListener {
    int fd;            /* -1 for stdio */
    bool qmp;
    bool wait;         /* ",wait": monitor_wait_clients blocks for a first client */
    char *path;        /* unix: unlinked when the monitor goes */
    char desc[128];    /* "unix:/tmp/q.sock", "tcp:127.0.0.1:4444", "stdio" */
    int nclients;
} MonListener;

typedef struct MonClient {
    MonListener *lis;
    int in_fd, out_fd;     /* a socket twice, or 0 and 1 for stdio */
    bool is_socket;
    bool qmp;
    bool negotiated;       /* QMP: qmp_capabilities done: events flow */
    bool eof;              /* no more input (stdio's end) */
    bool dead;             /* to be closed at the end of this poll */
    char *in;              /* input not yet framed into requests */
    size_t inlen, incap;
    /* QMP framing: where the scan stands in the current request */
    size_t scan;
    long depth;
    bool in_str, esc, started, scalar, discarding;
    JsonBuf out;           /* output the client has not taken yet */
    size_t outoff;
} MonClient;

struct Monitor {
    MonEntry *cmds;
    size_t ncmds, capcmds;
    MonListener *lis[MON_MAX_LISTENERS];
    int nlis;
    MonClient *cli[MON_MAX_CLIENTS];
    int ncli;
    bool has_stdio;
};

/* monitor.c: one QMP request of a client whose negotiation state is
 * *negotiated (updated by qmp_capabilities); the reply in out. */
void mon_qmp_dispatch(Monitor *mon, const char *text, size_t len, bool *negotiated, JsonBuf *out);
/* server.c: give every negotiated QMP client this line (no newline). */
void mon_broadcast_event(Monitor *mon, const char *text, size_t len);
/* server.c: close every client and listener. */
void mon_server_close(Monitor *mon);
#endif
