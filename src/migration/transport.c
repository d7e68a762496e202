/* Where a stream goes or comes from (migration.h): files, UNIX and TCP
 * sockets, an inherited fd, a command's stdin or stdout; and the
 * stop-and-copy entry points the monitor calls. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "migration/migration.h"

static void conn_reset(MigConn *c)
{
    memset(c, 0, sizeof *c);
    c->fd = c->listen_fd = -1;
    c->close_fd = true;
}

static int unix_addr(struct sockaddr_un *sa, const char *path, char *err, size_t errlen)
{
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    if (!*path || strlen(path) >= sizeof sa->sun_path) {
        snprintf(err, errlen, "unix:%s: bad socket path", path);
        return -1;
    }
    memcpy(sa->sun_path, path, strlen(path) + 1);
    return 0;
}

/* "HOST:PORT" with HOST a numeric IPv4 address or localhost. */
static int tcp_addr(struct sockaddr_in *sa, const char *spec, char *err, size_t errlen)
{
    const char *colon = strrchr(spec, ':');
    char host[64];
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    if (!colon || (size_t)(colon - spec) >= sizeof host) {
        snprintf(err, errlen, "tcp:%s: want tcp:HOST:PORT", spec);
        return -1;
    }
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (end == colon + 1 || *end || port < 0 || port > 65535) {
        snprintf(err, errlen, "tcp:%s: bad port", spec);
        return -1;
    }
    sa->sin_port = htons((uint16_t)port);
    if (!*host || !strcmp(host, "localhost"))
        strcpy(host, "127.0.0.1");
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1) {
        snprintf(err, errlen, "tcp:%s: want a numeric IPv4 address or localhost", spec);
        return -1;
    }
    return 0;
}

/* exec:CMD: sh -c CMD with one end of a pipe as its stdin (out) or stdout (in). */
static int exec_cmd(MigConn *c, const char *cmd, bool out, char *err, size_t errlen)
{
    int p[2];
    if (pipe(p) < 0) {
        snprintf(err, errlen, "exec:%s: pipe: %s", cmd, strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "exec:%s: fork: %s", cmd, strerror(errno));
        close(p[0]);
        close(p[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(out ? p[0] : p[1], out ? 0 : 1);
        close(p[0]);
        close(p[1]);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    close(out ? p[0] : p[1]);
    c->fd = out ? p[1] : p[0];
    c->pid = (int)pid;
    return 0;
}

static const char *scheme(const char *uri, const char *s)
{
    size_t n = strlen(s);
    return strncmp(uri, s, n) ? NULL : uri + n;
}

static int open_fd_uri(MigConn *c, const char *v, char *err, size_t errlen)
{
    char *end;
    long fd = strtol(v, &end, 10);
    if (end == v || *end || fd < 0 || fd > 65535 || fcntl((int)fd, F_GETFD) < 0) {
        snprintf(err, errlen, "fd:%s: not an open file descriptor", v);
        return -1;
    }
    c->fd = (int)fd;
    c->close_fd = false;
    return 0;
}

int mig_open_out(MigConn *c, const char *uri, char *err, size_t errlen)
{
    conn_reset(c);
    const char *v;
    if ((v = scheme(uri, "unix:"))) {
        struct sockaddr_un sa;
        if (unix_addr(&sa, v, err, errlen) < 0)
            return -1;
        c->fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
            snprintf(err, errlen, "%s: %s", uri, strerror(errno));
            mig_close(c, NULL, 0);
            return -1;
        }
        return 0;
    }
    if ((v = scheme(uri, "tcp:"))) {
        struct sockaddr_in sa;
        if (tcp_addr(&sa, v, err, errlen) < 0)
            return -1;
        c->fd = socket(AF_INET, SOCK_STREAM, 0);
        if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
            snprintf(err, errlen, "%s: %s", uri, strerror(errno));
            mig_close(c, NULL, 0);
            return -1;
        }
        return 0;
    }
    if ((v = scheme(uri, "fd:")))
        return open_fd_uri(c, v, err, errlen);
    if ((v = scheme(uri, "exec:")))
        return exec_cmd(c, v, true, err, errlen);
    if (!strcmp(uri, "defer")) {
        snprintf(err, errlen, "defer is for an incoming migration");
        return -1;
    }
    if ((v = scheme(uri, "file:")) == NULL)
        v = uri;
    c->fd = open(v, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (c->fd < 0) {
        snprintf(err, errlen, "%s: %s", v, strerror(errno));
        return -1;
    }
    return 0;
}

static int listen_on(MigConn *c, int fd, const struct sockaddr *sa, socklen_t len, const char *uri,
                     char *err, size_t errlen)
{
    c->listen_fd = fd;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, sa, len) < 0 || listen(fd, 1) < 0) {
        snprintf(err, errlen, "%s: %s", uri, strerror(errno));
        return -1;
    }
    return 0;
}

int mig_listen_in(MigConn *c, const char *uri, char *err, size_t errlen)
{
    conn_reset(c);
    const char *v;
    int rc = 0;
    if ((v = scheme(uri, "unix:"))) {
        struct sockaddr_un sa;
        if (unix_addr(&sa, v, err, errlen) < 0)
            return -1;
        unlink(v); /* a stale socket file from an earlier run */
        rc = listen_on(c, socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&sa, sizeof sa, uri, err,
                       errlen);
        if (rc == 0)
            snprintf(c->path, sizeof c->path, "%s", v);
    } else if ((v = scheme(uri, "tcp:"))) {
        struct sockaddr_in sa;
        if (tcp_addr(&sa, v, err, errlen) < 0)
            return -1;
        rc = listen_on(c, socket(AF_INET, SOCK_STREAM, 0), (struct sockaddr *)&sa, sizeof sa, uri, err,
                       errlen);
    } else if ((v = scheme(uri, "fd:"))) {
        return open_fd_uri(c, v, err, errlen);
    } else if ((v = scheme(uri, "exec:"))) {
        return exec_cmd(c, v, false, err, errlen);
    } else if (!strcmp(uri, "defer")) {
        snprintf(err, errlen, "-incoming defer waits for the monitor's migrate-incoming command");
        return -1;
    } else {
        if ((v = scheme(uri, "file:")) == NULL)
            v = uri;
        c->fd = open(v, O_RDONLY);
        if (c->fd < 0) {
            snprintf(err, errlen, "%s: %s", v, strerror(errno));
            return -1;
        }
        return 0;
    }
    if (rc < 0) {
        mig_close(c, NULL, 0);
        return -1;
    }
    return 0;
}

int mig_accept_in(MigConn *c, const char *uri, char *err, size_t errlen)
{
    if (c->listen_fd < 0)
        return 0; /* file, fd, exec: open already */
    do
        c->fd = accept(c->listen_fd, NULL, NULL);
    while (c->fd < 0 && errno == EINTR);
    if (c->fd < 0) {
        snprintf(err, errlen, "%s: accept: %s", uri, strerror(errno));
        mig_close(c, NULL, 0);
        return -1;
    }
    close(c->listen_fd);
    c->listen_fd = -1;
    return 0;
}

int mig_open_in(MigConn *c, const char *uri, void (*ready)(void *opaque, const char *uri), void *opaque,
                char *err, size_t errlen)
{
    if (mig_listen_in(c, uri, err, errlen) < 0)
        return -1;
    if (ready && c->listen_fd >= 0)
        ready(opaque, uri);
    return mig_accept_in(c, uri, err, errlen);
}

int mig_close(MigConn *c, char *err, size_t errlen)
{
    int rc = 0;
    if (c->fd >= 0 && c->close_fd)
        close(c->fd);
    if (c->listen_fd >= 0)
        close(c->listen_fd);
    if (c->path[0])
        unlink(c->path);
    if (c->pid > 0) {
        int status;
        while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
            ;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            if (err)
                snprintf(err, errlen, "the migration command failed (status %d)",
                         WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
            rc = -1;
        }
    }
    conn_reset(c);
    return rc;
}

int machine_migrate(Machine *m, const char *uri, MigStats *st, char *err, size_t errlen)
{
    MigConn c;
    if (mig_open_out(&c, uri, err, errlen) < 0)
        return -1;
    MigWriter *w = malloc(sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory");
        mig_close(&c, NULL, 0);
        return -1;
    }
    mig_writer_init_fd(w, c.fd);
    int rc = machine_save(m, w, st, err, errlen);
    free(w);
    char cerr[MIG_ERR];
    if (mig_close(&c, cerr, sizeof cerr) < 0 && rc == 0) {
        snprintf(err, errlen, "%s", cerr);
        rc = -1;
    }
    return rc;
}

int machine_incoming_conn(Machine *m, MigConn *c, const char *uri, MigStats *st, char *err, size_t errlen)
{
    if (mig_accept_in(c, uri, err, errlen) < 0)
        return -1;
    MigReader *r = malloc(sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        mig_close(c, NULL, 0);
        return -1;
    }
    mig_reader_init_fd(r, c->fd);
    int rc = machine_load(m, r, st, err, errlen);
    /* a regular file must end with the end section */
    if (rc == 0 && !scheme(uri, "unix:") && !scheme(uri, "tcp:") && !scheme(uri, "fd:") &&
        !scheme(uri, "exec:") && !mig_reader_at_eof(r)) {
        snprintf(err, errlen, "bytes after the end section");
        m->load_failed = true;
        rc = -1;
    }
    free(r);
    char cerr[MIG_ERR];
    if (mig_close(c, cerr, sizeof cerr) < 0 && rc == 0) {
        snprintf(err, errlen, "%s", cerr);
        rc = -1;
    }
    return rc;
}

int machine_incoming(Machine *m, const char *uri, void (*ready)(void *opaque, const char *uri),
                     void *opaque, MigStats *st, char *err, size_t errlen)
{
    MigConn c;
    if (mig_listen_in(&c, uri, err, errlen) < 0)
        return -1;
    if (ready && c.listen_fd >= 0)
        ready(opaque, uri);
    return machine_incoming_conn(m, &c, uri, st, err, errlen);
}
