/* The monitor's I/O: listeners (unix, tcp, stdio), clients, the QMP
 * greeting and framing, HMP lines and prompts, events to every client.
 * Everything is non-blocking except an explicit wait (monitor_poll's
 * timeout, monitor_wait_clients) and the bounded flush at close. */
#define _POSIX_C_SOURCE 200809L
#include "monitor/monitor_int.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0 /* hosts without it: emu386-system ignores SIGPIPE */
#endif

#define HMP_PROMPT "(emu386) "
#define HMP_BANNER "emu386 monitor - type 'help' for more information\n"

/* ---- output ---- */

static void client_flush(MonClient *cl)
{
    while (!cl->dead && cl->outoff < cl->out.len) {
        const char *p = cl->out.data + cl->outoff;
        size_t n = cl->out.len - cl->outoff;
        ssize_t w = cl->is_socket ? send(cl->out_fd, p, n, MSG_NOSIGNAL) : write(cl->out_fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            cl->dead = true; /* EPIPE, ECONNRESET: the client left */
            return;
        }
        cl->outoff += (size_t)w;
    }
    if (cl->outoff == cl->out.len) {
        cl->out.len = cl->outoff = 0;
        cl->out.overflow = false;
    }
}

static void client_send(MonClient *cl, const char *s, size_t n)
{
    if (cl->dead)
        return;
    if (cl->outoff && cl->out.len + n > cl->out.cap) { /* reclaim what was sent */
        memmove(cl->out.data, cl->out.data + cl->outoff, cl->out.len - cl->outoff);
        cl->out.len -= cl->outoff;
        cl->outoff = 0;
    }
    jbuf_add(&cl->out, s, n);
    if (cl->out.overflow) {
        /* it has not read MON_OUT_CAP bytes of replies and events: a
         * client that stopped reading must not grow us without bound */
        cl->dead = true;
        return;
    }
    client_flush(cl);
}

static void client_puts(MonClient *cl, const char *s) { client_send(cl, s, strlen(s)); }

void mon_broadcast_event(Monitor *mon, const char *text, size_t len)
{
    for (int i = 0; i < mon->ncli; i++) {
        MonClient *cl = mon->cli[i];
        if (cl->qmp && cl->negotiated && !cl->dead) {
            client_send(cl, text, len);
            client_puts(cl, "\r\n");
        }
    }
}

static void greet(MonClient *cl)
{
    if (!cl->qmp) {
        client_puts(cl, HMP_BANNER HMP_PROMPT);
        return;
    }
    char g[256];
    snprintf(g, sizeof g,
             "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": %d, \"minor\": %d, \"major\": %d}, "
             "\"package\": \"%s\"}, \"capabilities\": []}}\r\n",
             MONITOR_VERSION_MICRO, MONITOR_VERSION_MINOR, MONITOR_VERSION_MAJOR, MONITOR_PACKAGE);
    client_puts(cl, g);
}

/* ---- clients ---- */

static MonClient *client_new(Monitor *mon, MonListener *l, int in_fd, int out_fd, bool is_socket)
{
    if (mon->ncli == MON_MAX_CLIENTS)
        return NULL;
    MonClient *cl = calloc(1, sizeof *cl);
    if (!cl)
        return NULL;
    cl->lis = l;
    cl->in_fd = in_fd;
    cl->out_fd = out_fd;
    cl->is_socket = is_socket;
    cl->qmp = l->qmp;
    jbuf_init(&cl->out, MON_OUT_CAP);
    mon->cli[mon->ncli++] = cl;
    l->nclients++;
    greet(cl);
    return cl;
}

static void client_free(MonClient *cl)
{
    if (cl->is_socket)
        close(cl->in_fd);
    cl->lis->nclients--;
    jbuf_free(&cl->out);
    free(cl->in);
    free(cl);
}

static void reap(Monitor *mon)
{
    int k = 0;
    for (int i = 0; i < mon->ncli; i++) {
        if (mon->cli[i]->dead)
            client_free(mon->cli[i]);
        else
            mon->cli[k++] = mon->cli[i];
    }
    mon->ncli = k;
}

static void accept_client(Monitor *mon, MonListener *l)
{
    int fd = accept(l->fd, NULL, NULL);
    if (fd < 0)
        return;
    if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 ||
        !client_new(mon, l, fd, fd, true)) {
        /* too many clients: turned away with a line saying why */
        static const char busy[] = "emu386: too many monitor clients\r\n";
        if (send(fd, busy, sizeof busy - 1, MSG_NOSIGNAL) < 0) {
            /* it may already be gone */
        }
        close(fd);
    }
}

/* ---- input ---- */

static void drop_input(MonClient *cl, size_t n)
{
    memmove(cl->in, cl->in + n, cl->inlen - n);
    cl->inlen -= n;
}

static void frame_reset(MonClient *cl)
{
    cl->scan = 0;
    cl->depth = 0;
    cl->in_str = cl->esc = cl->started = cl->scalar = false;
}

static void qmp_reply(Monitor *mon, MonClient *cl, const char *text, size_t len)
{
    JsonBuf out;
    jbuf_init(&out, MON_REPLY_CAP);
    mon_qmp_dispatch(mon, text, len, &cl->negotiated, &out);
    if (!out.overflow && out.len) {
        client_send(cl, out.data, out.len);
        client_puts(cl, "\r\n");
    }
    jbuf_free(&out);
}

/* Cut the input into JSON texts by counting brackets outside strings (a
 * scalar at the top level ends at white space), and run each; a text
 * longer than MON_MAX_REQUEST is answered with one error and skipped.
 * The input is compacted once per call, so many small requests in one
 * read cost no more than one pass over it. */
static int qmp_input(Monitor *mon, MonClient *cl)
{
    int ran = 0;
    size_t start = 0, i = cl->scan; /* the current request begins at start */
    while (i < cl->inlen && !cl->dead) {
        char ch = cl->in[i];
        bool end = false;
        size_t cut = i + 1; /* where the request ends */
        if (cl->in_str) {
            if (cl->esc)
                cl->esc = false;
            else if (ch == '\\')
                cl->esc = true;
            else if (ch == '"') {
                cl->in_str = false;
                end = cl->depth == 0;
            }
        } else if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
            if (cl->scalar) {
                end = true;
                cut = i;
            } else if (!cl->started) {
                start = ++i; /* white space between requests */
                continue;
            }
        } else {
            cl->started = true;
            if (ch == '{' || ch == '[') {
                cl->depth++;
            } else if (ch == '}' || ch == ']') {
                end = --cl->depth <= 0; /* a stray closer is a (bad) request of its own */
            } else if (ch == '"') {
                cl->in_str = true;
            } else if (cl->depth == 0) {
                cl->scalar = true;
            }
        }
        i++;
        if (end) {
            if (cl->discarding)
                cl->discarding = false;
            else {
                qmp_reply(mon, cl, cl->in + start, cut - start);
                ran++;
            }
            start = i = cut;
            frame_reset(cl);
            continue;
        }
        if (i - start >= MON_MAX_REQUEST) {
            if (!cl->discarding) {
                char e[160];
                snprintf(e, sizeof e,
                         "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error: "
                         "request longer than %u bytes\"}}\r\n", (unsigned)MON_MAX_REQUEST);
                client_puts(cl, e);
                cl->discarding = true;
            }
            start = i; /* keep the framing state, not the bytes */
        }
    }
    if (i > cl->inlen)
        i = cl->inlen;
    cl->scan = i - start;
    drop_input(cl, start);
    return ran;
}

static int hmp_input(Monitor *mon, MonClient *cl)
{
    int ran = 0;
    size_t start = 0;
    char *nl;
    while (!cl->dead && (nl = memchr(cl->in + start, '\n', cl->inlen - start))) {
        char *line = cl->in + start;
        size_t n = (size_t)(nl - line);
        start += n + 1;
        if (cl->discarding) { /* the end of an overlong line */
            cl->discarding = false;
            continue;
        }
        *nl = '\0';
        if (n && nl[-1] == '\r')
            nl[-1] = '\0';
        JsonBuf out;
        jbuf_init(&out, MON_REPLY_CAP);
        if (strlen(line) != n && strlen(line) + 1 != n)
            jbuf_puts(&out, "Error: a NUL byte in the line\n");
        else
            monitor_hmp_line(mon, line, &out);
        if (out.overflow)
            client_puts(cl, "Error: the output is too large\n");
        else if (out.len)
            client_send(cl, out.data, out.len);
        jbuf_free(&out);
        client_puts(cl, HMP_PROMPT);
        ran++;
    }
    drop_input(cl, start);
    if (cl->inlen >= MON_MAX_LINE) {
        if (!cl->discarding) {
            char e[96];
            snprintf(e, sizeof e, "Error: line longer than %d bytes\n" HMP_PROMPT, MON_MAX_LINE - 1);
            client_puts(cl, e);
        }
        cl->discarding = true;
        cl->inlen = 0;
    }
    return ran;
}

static int client_read(Monitor *mon, MonClient *cl)
{
    enum { CHUNK = 65536 };
    if (cl->incap - cl->inlen < CHUNK) {
        size_t nc = cl->inlen + CHUNK + 1;
        char *p = realloc(cl->in, nc);
        if (!p) {
            cl->dead = true;
            return 0;
        }
        cl->in = p;
        cl->incap = nc;
    }
    ssize_t r = read(cl->in_fd, cl->in + cl->inlen, CHUNK);
    if (r < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
        return 0;
    if (r <= 0) {
        /* the client left (perhaps in the middle of a request, whose
         * bytes go with it); stdio just stops being read */
        if (cl->is_socket)
            cl->dead = true;
        else
            cl->eof = true;
        return 0;
    }
    cl->inlen += (size_t)r;
    return cl->qmp ? qmp_input(mon, cl) : hmp_input(mon, cl);
}

/* ---- the main loop's side ---- */

int monitor_fds(const Monitor *mon, int *fds, int max)
{
    int n = 0;
    for (int i = 0; i < mon->nlis && n < max; i++)
        if (mon->lis[i]->fd >= 0)
            fds[n++] = mon->lis[i]->fd;
    for (int i = 0; i < mon->ncli && n < max; i++)
        if (!mon->cli[i]->eof && !mon->cli[i]->dead)
            fds[n++] = mon->cli[i]->in_fd;
    return n;
}

int monitor_poll(Monitor *mon, int timeout_ms)
{
    struct pollfd pfd[MON_MAX_LISTENERS + MON_MAX_CLIENTS];
    void *who[MON_MAX_LISTENERS + MON_MAX_CLIENTS];
    bool is_cli[MON_MAX_LISTENERS + MON_MAX_CLIENTS];
    int n = 0, ran = 0;
    for (int i = 0; i < mon->nlis; i++)
        if (mon->lis[i]->fd >= 0) {
            pfd[n] = (struct pollfd){ mon->lis[i]->fd, POLLIN, 0 };
            who[n] = mon->lis[i];
            is_cli[n++] = false;
        }
    for (int i = 0; i < mon->ncli; i++) {
        MonClient *cl = mon->cli[i];
        /* stdio's output is written through: only sockets wait to send */
        bool out = cl->is_socket && cl->outoff < cl->out.len;
        if (cl->dead || (cl->eof && !out))
            continue;
        pfd[n] = (struct pollfd){ cl->in_fd, (short)((cl->eof ? 0 : POLLIN) | (out ? POLLOUT : 0)), 0 };
        who[n] = cl;
        is_cli[n++] = true;
    }
    if (n == 0 || poll(pfd, (nfds_t)n, timeout_ms) <= 0)
        return 0;
    for (int i = 0; i < n; i++) {
        if (!pfd[i].revents)
            continue;
        if (!is_cli[i]) {
            accept_client(mon, who[i]);
            continue;
        }
        MonClient *cl = who[i];
        if (pfd[i].revents & POLLOUT)
            client_flush(cl);
        if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
            ran += client_read(mon, cl);
    }
    reap(mon);
    return ran;
}

/* ---- listeners ---- */

/* "server", "nowait", "wait", "server=on", "wait=off", ... after the
 * address; -1 with a message on anything else. */
static int parse_opts(const char *opts, bool *server, bool *wait, char *err, size_t errlen)
{
    *server = false;
    *wait = false;
    while (opts && *opts) {
        const char *o = opts + (*opts == ',');
        size_t n = strcspn(o, ",");
        if ((n == 6 && !strncmp(o, "server", 6)) || (n == 9 && !strncmp(o, "server=on", 9)))
            *server = true;
        else if ((n == 6 && !strncmp(o, "nowait", 6)) || (n == 8 && !strncmp(o, "wait=off", 8)))
            *wait = false;
        else if ((n == 4 && !strncmp(o, "wait", 4)) || (n == 7 && !strncmp(o, "wait=on", 7)))
            *wait = true;
        else {
            snprintf(err, errlen, "unknown option '%.*s' (server, nowait, wait)", (int)n, o);
            return -1;
        }
        opts = o + n;
    }
    if (!*server) {
        snprintf(err, errlen, "only the server side is supported (add ,server)");
        return -1;
    }
    return 0;
}

static int listen_unix(MonListener *l, const char *path, size_t plen, char *err, size_t errlen)
{
    struct sockaddr_un sa;
    if (!plen || plen >= sizeof sa.sun_path) {
        snprintf(err, errlen, "the socket path is empty or too long");
        return -1;
    }
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path, plen);
    struct stat st;
    if (lstat(sa.sun_path, &st) == 0 && S_ISSOCK(st.st_mode))
        unlink(sa.sun_path); /* a stale socket from an earlier run */
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0 || fcntl(fd, F_SETFL, O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 ||
        bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 4) < 0) {
        snprintf(err, errlen, "unix:%s: %s", sa.sun_path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    l->fd = fd;
    if (!(l->path = malloc(plen + 1))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(l->path, path, plen);
    l->path[plen] = '\0';
    snprintf(l->desc, sizeof l->desc, "unix:%s", l->path);
    return 0;
}

static int listen_tcp(MonListener *l, const char *addr, size_t alen, char *err, size_t errlen)
{
    char host[64], *colon;
    if (alen >= sizeof host) {
        snprintf(err, errlen, "the address is too long");
        return -1;
    }
    memcpy(host, addr, alen);
    host[alen] = '\0';
    if (!(colon = strrchr(host, ':'))) {
        snprintf(err, errlen, "tcp:HOST:PORT wanted");
        return -1;
    }
    *colon = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || *end || port < 0 || port > 65535) {
        snprintf(err, errlen, "bad port '%s'", colon + 1);
        return -1;
    }
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    const char *h = !host[0] || !strcmp(host, "localhost") ? "127.0.0.1" : host;
    if (inet_pton(AF_INET, h, &sa.sin_addr) != 1) {
        snprintf(err, errlen, "'%s' is not a numeric IPv4 address", host);
        return -1;
    }
    int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
    socklen_t sl = sizeof sa;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        fcntl(fd, F_SETFL, O_NONBLOCK) < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 ||
        bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 4) < 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &sl) < 0) {
        snprintf(err, errlen, "tcp:%s:%ld: %s", h, port, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    l->fd = fd;
    snprintf(l->desc, sizeof l->desc, "tcp:%s:%u", h, (unsigned)ntohs(sa.sin_port));
    if (port == 0) /* the caller asked us to pick: say which */
        fprintf(stderr, "emu386-system: %s listening on %s\n", l->qmp ? "QMP" : "monitor", l->desc);
    return 0;
}

int monitor_add_listener(Monitor *mon, const char *kind, const char *spec, char *err, size_t errlen)
{
    bool qmp = !strcmp(kind, "qmp");
    if (!qmp && strcmp(kind, "hmp")) {
        snprintf(err, errlen, "unknown monitor kind '%s'", kind);
        return -1;
    }
    if (mon->nlis == MON_MAX_LISTENERS) {
        snprintf(err, errlen, "%s: at most %d monitors", spec, MON_MAX_LISTENERS);
        return -1;
    }
    MonListener *l = calloc(1, sizeof *l);
    if (!l) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    l->fd = -1;
    l->qmp = qmp;
    char e[200] = "";
    int r = -1;
    if (!strcmp(spec, "stdio")) {
        if (mon->has_stdio)
            snprintf(e, sizeof e, "stdio is already a monitor");
        else if (qmp)
            snprintf(e, sizeof e, "QMP on stdio is not supported (use unix: or tcp:)");
        else {
            snprintf(l->desc, sizeof l->desc, "stdio");
            r = 0;
        }
    } else if (!strncmp(spec, "unix:", 5) || !strncmp(spec, "tcp:", 4)) {
        bool tcp = spec[0] == 't', server;
        const char *a = spec + (tcp ? 4 : 5), *opts = strchr(a, ',');
        size_t alen = opts ? (size_t)(opts - a) : strlen(a);
        if (parse_opts(opts, &server, &l->wait, e, sizeof e) == 0)
            r = tcp ? listen_tcp(l, a, alen, e, sizeof e) : listen_unix(l, a, alen, e, sizeof e);
    } else {
        snprintf(e, sizeof e, "unknown backend (stdio, unix:PATH,server, tcp:HOST:PORT,server)");
    }
    if (r < 0) {
        snprintf(err, errlen, "%s %s: %s", qmp ? "-qmp" : "-monitor", spec, e);
        if (l->fd >= 0)
            close(l->fd);
        free(l->path);
        free(l);
        return -1;
    }
    mon->lis[mon->nlis++] = l;
    if (!strcmp(spec, "stdio")) {
        mon->has_stdio = true;
        client_new(mon, l, 0, 1, false);
    }
    return 0;
}

bool monitor_uses_stdio(const Monitor *mon) { return mon->has_stdio; }

void monitor_wait_clients(Monitor *mon)
{
    for (int i = 0; i < mon->nlis; i++) {
        MonListener *l = mon->lis[i];
        if (!l->wait || l->fd < 0 || l->nclients)
            continue;
        fprintf(stderr, "emu386-system: waiting for a connection on %s\n", l->desc);
        struct pollfd p = { l->fd, POLLIN, 0 };
        if (poll(&p, 1, -1) <= 0)
            return; /* a signal: the main loop sees it next */
        accept_client(mon, l);
    }
}

void mon_server_close(Monitor *mon)
{
    /* what the clients have not taken yet (the reply to quit, SHUTDOWN)
     * gets a bounded chance to go out: a hang guard, not a promise */
    for (int round = 0; round < 100; round++) {
        int pending = 0;
        struct pollfd p[MON_MAX_CLIENTS];
        for (int i = 0; i < mon->ncli; i++) {
            MonClient *cl = mon->cli[i];
            client_flush(cl);
            if (!cl->dead && cl->outoff < cl->out.len)
                p[pending++] = (struct pollfd){ cl->out_fd, POLLOUT, 0 };
        }
        if (!pending || poll(p, (nfds_t)pending, 10) < 0)
            break;
    }
    for (int i = 0; i < mon->ncli; i++)
        client_free(mon->cli[i]);
    mon->ncli = 0;
    for (int i = 0; i < mon->nlis; i++) {
        MonListener *l = mon->lis[i];
        if (l->fd >= 0)
            close(l->fd);
        if (l->path)
            unlink(l->path);
        free(l->path);
        free(l);
    }
    mon->nlis = 0;
}
