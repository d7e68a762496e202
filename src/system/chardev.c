/* Character backends (chardev.h). */
#define _POSIX_C_SOURCE 200809L
#include "system/chardev.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0 /* hosts without it: emu386-system ignores SIGPIPE */
#endif

typedef enum { CD_NULL, CD_STDIO, CD_FILE, CD_UNIX } ChardevKind;

struct Chardev {
    ChardevKind kind;
    int in_fd;            /* stdio: 0; unix: the client; -1 none */
    int out_fd;           /* stdio: 1; file: the file; unix: the client */
    int listen_fd;        /* unix */
    bool in_eof;          /* stdio: stdin reached its end */
    bool out_regular;     /* stdio, file: the output is a regular file (never full) */
    bool tty_raw;         /* stdio: the terminal's settings are saved in tio */
    struct termios tio;
    char *path;           /* unix: unlinked on close */
    uint8_t *outbuf;      /* unix: bytes the client has not taken yet */
    size_t outlen;
    unsigned full_skips;  /* unix: bytes dropped on a full buffer since the last try */
    uint64_t dropped;
};

static bool fd_readable(int fd)
{
    if (fd < 0 || fd >= FD_SETSIZE)
        return false;
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(fd, &rd);
    struct timeval tv = { 0, 0 };
    return select(fd + 1, &rd, NULL, NULL, &tv) > 0;
}

/* Output to stdio or a file: what the fd takes now, never waiting.  A
 * regular file always takes everything (written through); a pipe, socket
 * or terminal takes a chunk when poll() says it has room (at most
 * PIPE_BUF bytes, which a pipe with room takes without blocking), else
 * nothing: the UART then holds its transmitter up (uart.h), so a reader
 * that stops reading stalls the guest's output, not the emulator, and a
 * signal still ends the run.  A reader that went away (EPIPE) or an I/O
 * error drops the bytes, counted: the output is gone, the guest runs on. */
static size_t fd_write(Chardev *c, const uint8_t *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        size_t chunk = n - done;
        if (!c->out_regular) {
            struct pollfd p = { c->out_fd, POLLOUT, 0 };
            if (poll(&p, 1, 0) <= 0)
                return done; /* full (or EINTR): try again later */
            if (!(p.revents & POLLOUT) && !(p.revents & (POLLERR | POLLHUP | POLLNVAL)))
                return done;
            if (chunk > PIPE_BUF)
                chunk = PIPE_BUF;
        }
        ssize_t w = write(c->out_fd, buf + done, chunk);
        if (w < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
                return done;
            c->dropped += n - done; /* EPIPE, EIO, ENOSPC, ... */
            return n;
        }
        done += (size_t)w;
    }
    return n;
}

static bool fd_is_regular(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

/* ---- stdio ---- */

static void stdio_raw(Chardev *c)
{
    if (!isatty(0) || tcgetattr(0, &c->tio) < 0)
        return;
    struct termios t = c->tio;
    /* cfmakeraw is not POSIX: the same by hand.  ISIG stays on, so Ctrl-C
     * still ends the emulator cleanly (as QEMU's stdio with signal=on);
     * OPOST stays on so the terminal still maps the guest's newlines. */
    t.c_iflag &= (tcflag_t) ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    t.c_lflag &= (tcflag_t) ~(ECHO | ECHONL | ICANON | IEXTEN);
    t.c_cflag &= (tcflag_t) ~(CSIZE | PARENB);
    t.c_cflag |= CS8;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    if (tcsetattr(0, TCSANOW, &t) == 0)
        c->tty_raw = true;
}

/* ---- unix:PATH,server ---- */

static int unix_listen(Chardev *c, const char *path, char *err, size_t errlen)
{
    struct sockaddr_un sa;
    if (strlen(path) >= sizeof sa.sun_path || !path[0]) {
        snprintf(err, errlen, "unix:%s: the socket path is empty or too long", path);
        return -1;
    }
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path, strlen(path) + 1);
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
        unlink(path); /* a stale socket from an earlier run */
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0 || fcntl(fd, F_SETFL, O_NONBLOCK) < 0 ||
        fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 ||
        bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 1) < 0) {
        snprintf(err, errlen, "unix:%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    c->listen_fd = fd;
    c->path = malloc(strlen(path) + 1);
    c->outbuf = malloc(CHARDEV_OUTBUF);
    if (!c->path || !c->outbuf) {
        snprintf(err, errlen, "unix:%s: out of memory", path);
        return -1;
    }
    memcpy(c->path, path, strlen(path) + 1);
    return 0;
}

static void unix_drop_client(Chardev *c)
{
    if (c->in_fd >= 0)
        close(c->in_fd);
    c->in_fd = c->out_fd = -1;
    c->outlen = 0; /* what the old client did not take is not the next one's */
}

static void unix_accept(Chardev *c)
{
    if (c->in_fd >= 0 || c->listen_fd < 0)
        return;
    int fd = accept(c->listen_fd, NULL, NULL);
    if (fd < 0)
        return;
    if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
        close(fd);
        return;
    }
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    c->in_fd = c->out_fd = fd;
}

/* Send what the client takes now; 0, or -1 when the client is gone. */
static int unix_send(Chardev *c, const uint8_t *buf, size_t n, size_t *sent)
{
    *sent = 0;
    while (*sent < n) {
        ssize_t w = send(c->out_fd, buf + *sent, n - *sent, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            return -1;
        }
        *sent += (size_t)w;
    }
    return 0;
}

static void unix_flush(Chardev *c)
{
    if (c->out_fd < 0 || !c->outlen)
        return;
    size_t sent;
    if (unix_send(c, c->outbuf, c->outlen, &sent) < 0) {
        unix_drop_client(c);
        return;
    }
    memmove(c->outbuf, c->outbuf + sent, c->outlen - sent);
    c->outlen -= sent;
}

static void unix_write(Chardev *c, const uint8_t *buf, size_t n)
{
    unix_accept(c);
    if (c->out_fd < 0) {
        c->dropped += n; /* nobody listens: as a serial line with no cable */
        return;
    }
    if (c->outlen == CHARDEV_OUTBUF && c->full_skips < 4096) {
        /* a client that does not read: the buffer is full, so drop without
         * a send() per byte; retried every 4096 bytes and every slice
         * (chardev_read), so a client that reads again is served soon */
        c->full_skips++;
        c->dropped += n;
        return;
    }
    c->full_skips = 0;
    unix_flush(c);
    size_t sent = 0;
    if (c->out_fd < 0 || (!c->outlen && unix_send(c, buf, n, &sent) < 0)) {
        unix_drop_client(c);
        c->dropped += n;
        return;
    }
    size_t rest = n - sent, room = CHARDEV_OUTBUF - c->outlen, keep = rest < room ? rest : room;
    memcpy(c->outbuf + c->outlen, buf + sent, keep);
    c->outlen += keep;
    c->dropped += rest - keep;
}

/* ---- the interface ---- */

Chardev *chardev_open(const char *spec, char *err, size_t errlen)
{
    Chardev *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->in_fd = c->out_fd = c->listen_fd = -1;
    if (!strcmp(spec, "null") || !strcmp(spec, "none")) {
        c->kind = CD_NULL;
    } else if (!strcmp(spec, "stdio")) {
        c->kind = CD_STDIO;
        c->in_fd = 0;
        c->out_fd = 1;
        c->out_regular = fd_is_regular(1);
        stdio_raw(c);
    } else if (!strncmp(spec, "file:", 5)) {
        c->kind = CD_FILE;
        if (!spec[5]) {
            snprintf(err, errlen, "file: needs a path (file:PATH)");
            goto fail;
        }
        c->out_fd = open(spec + 5, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        if (c->out_fd < 0) {
            snprintf(err, errlen, "%s: %s", spec + 5, strerror(errno));
            goto fail;
        }
        fcntl(c->out_fd, F_SETFD, FD_CLOEXEC);
        c->out_regular = fd_is_regular(c->out_fd); /* a FIFO or a device may fill up */
    } else if (!strncmp(spec, "unix:", 5)) {
        c->kind = CD_UNIX;
        /* unix:PATH,server[,nowait|,wait=off]: we never wait for a client */
        char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
        const char *opts = strchr(spec + 5, ',');
        size_t plen = opts ? (size_t)(opts - (spec + 5)) : strlen(spec + 5);
        bool server = false;
        if (plen >= sizeof path) {
            snprintf(err, errlen, "unix: the socket path is too long");
            goto fail;
        }
        memcpy(path, spec + 5, plen);
        path[plen] = '\0';
        while (opts) {
            const char *o = opts + 1, *next = strchr(o, ',');
            size_t n = next ? (size_t)(next - o) : strlen(o);
            if (n == 6 && !strncmp(o, "server", 6))
                server = true;
            else if (!((n == 6 && !strncmp(o, "nowait", 6)) || (n == 8 && !strncmp(o, "wait=off", 8)))) {
                snprintf(err, errlen, "unix: unknown option '%.*s' (server, nowait)", (int)n, o);
                goto fail;
            }
            opts = next;
        }
        if (!server) {
            snprintf(err, errlen, "unix:%s: only the server side is supported (unix:PATH,server)", path);
            goto fail;
        }
        if (unix_listen(c, path, err, errlen) < 0)
            goto fail;
    } else {
        snprintf(err, errlen, "unknown character backend '%s' (stdio, file:PATH, unix:PATH,server, null)",
                 spec);
        goto fail;
    }
    return c;
fail:
    chardev_close(c);
    return NULL;
}

void chardev_close(Chardev *c)
{
    if (!c)
        return;
    switch (c->kind) {
    case CD_STDIO:
        if (c->tty_raw)
            tcsetattr(0, TCSANOW, &c->tio);
        break;
    case CD_FILE:
        if (c->out_fd >= 0)
            close(c->out_fd);
        break;
    case CD_UNIX:
        unix_flush(c);
        unix_drop_client(c);
        if (c->listen_fd >= 0) {
            close(c->listen_fd);
            if (c->path)
                unlink(c->path);
        }
        break;
    default: break;
    }
    free(c->path);
    free(c->outbuf);
    free(c);
}

size_t chardev_write(Chardev *c, const uint8_t *buf, size_t n)
{
    switch (c->kind) {
    case CD_STDIO:
    case CD_FILE: return fd_write(c, buf, n);
    case CD_UNIX: unix_write(c, buf, n); break;
    default: break;
    }
    return n;
}

int chardev_wait_output(const Chardev *c, int timeout_ms)
{
    if ((c->kind != CD_STDIO && c->kind != CD_FILE) || c->out_fd < 0)
        return -1;
    struct pollfd p = { c->out_fd, POLLOUT, 0 };
    int r = poll(&p, 1, timeout_ms);
    if (r < 0)
        return errno == EINTR ? 0 : -1;
    return r > 0;
}

size_t chardev_read(Chardev *c, uint8_t *buf, size_t n)
{
    if (!n)
        return 0;
    if (c->kind == CD_UNIX) {
        unix_accept(c);
        unix_flush(c);
    } else if (c->kind != CD_STDIO || c->in_eof) {
        return 0;
    }
    if (c->in_fd < 0 || !fd_readable(c->in_fd))
        return 0;
    ssize_t r = read(c->in_fd, buf, n);
    if (r > 0)
        return (size_t)r;
    if (r < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
        return 0;
    /* end of input or an error */
    if (c->kind == CD_UNIX)
        unix_drop_client(c);
    else
        c->in_eof = true;
    return 0;
}

int chardev_input_fd(const Chardev *c)
{
    switch (c->kind) {
    case CD_STDIO: return c->in_eof ? -1 : c->in_fd;
    case CD_UNIX: return c->in_fd >= 0 ? c->in_fd : c->listen_fd;
    default: return -1;
    }
}

uint64_t chardev_dropped(const Chardev *c) { return c->dropped; }

const char *chardev_kind(const Chardev *c)
{
    static const char *const names[] = { "null", "stdio", "file", "unix" };
    return names[c->kind];
}

size_t chardev_write_cb(void *opaque, const uint8_t *buf, size_t n) { return chardev_write(opaque, buf, n); }
size_t chardev_read_cb(void *opaque, uint8_t *buf, size_t n) { return chardev_read(opaque, buf, n); }
