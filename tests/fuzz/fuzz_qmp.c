/* fuzz_qmp: the monitor's JSON parser, framing and command dispatcher
 * (docs/fuzzing.md, docs/monitor.md).
 *
 * One in-process Monitor with the built-in commands and the board's
 * (a kernel-less machine whose BIOS is a page of HLT: query-status,
 * stop, cont, system_reset, info registers, ...), listening on two UNIX
 * sockets in a private temporary directory, made once.  The first byte
 * picks the face:
 *   0  a QMP client: connect, send the rest as the client's byte stream
 *      in pieces of the second byte's size (0: all at once), poll the
 *      monitor after each piece, then hang up.  Every line the monitor
 *      sends back must parse as JSON (the greeting, replies, events);
 *   1  a human monitor client, the same way (its output is free text);
 *   2  json_parse on the rest; when it parses, json_write's text must
 *      parse again and write the same text (a fixed point);
 *   3  the text faces: monitor_qmp_request on the rest as one request
 *      (its reply must parse), then monitor_hmp_line on each line.
 * `quit` only asks the (never running) machine to exit. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "fuzz.h"
#include "monitor/monitor.h"
#include "monitor/monitor_int.h"
#include "system/machine.h"

static Monitor *mon;
static Machine *machine;
static FILE *devnull;
static char dir[80], qmp_path[128], hmp_path[128];

static void cleanup(void)
{
    machine_free(machine);
    monitor_free(mon); /* unlinks the sockets */
    if (dir[0])
        rmdir(dir);
    if (devnull)
        fclose(devnull);
}

/* A run that crashed (abort: no atexit) leaves its directory behind:
 * the next run removes those whose process is gone. */
static void remove_stale_dirs(void)
{
    DIR *d = opendir("/tmp");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        long pid;
        char rest[32];
        if (sscanf(e->d_name, "emu386-fuzz-qmp.%ld.%31s", &pid, rest) != 2 || pid <= 0 ||
            kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        char path[300];
        snprintf(path, sizeof path, "/tmp/%s/q", e->d_name);
        unlink(path);
        snprintf(path, sizeof path, "/tmp/%s/h", e->d_name);
        unlink(path);
        snprintf(path, sizeof path, "/tmp/%s", e->d_name);
        rmdir(path);
    }
    if (d)
        closedir(d);
}

static void init(void)
{
    if (mon)
        return;
    char err[256];
    remove_stale_dirs();
    snprintf(dir, sizeof dir, "/tmp/emu386-fuzz-qmp.%ld.XXXXXX", (long)getpid());
    if (!mkdtemp(dir) || !(mon = monitor_new()) || !(devnull = fopen("/dev/null", "w"))) {
        fprintf(stderr, "fuzz_qmp: setup failed\n");
        abort();
    }
    snprintf(qmp_path, sizeof qmp_path, "%s/q", dir);
    snprintf(hmp_path, sizeof hmp_path, "%s/h", dir);
    char spec[160];
    snprintf(spec, sizeof spec, "unix:%s,server,nowait", qmp_path);
    if (monitor_add_listener(mon, "qmp", spec, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_qmp: %s\n", err);
        abort();
    }
    snprintf(spec, sizeof spec, "unix:%s,server,nowait", hmp_path);
    if (monitor_add_listener(mon, "hmp", spec, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_qmp: %s\n", err);
        abort();
    }
    static uint8_t rom[4096];
    memset(rom, 0xf4, sizeof rom); /* HLT */
    BiosImage bios = { rom, sizeof rom };
    MachineConfig cfg = { .ram_size = 1u << 20, .no_reboot = true, .log = devnull, .console = devnull,
                          .monitor = mon, .start_paused = true };
    if (!(machine = machine_new(&cfg, &bios, err, sizeof err))) {
        fprintf(stderr, "fuzz_qmp: machine: %s\n", err);
        abort();
    }
    atexit(cleanup);
}

/* Every CRLF-ended line of QMP output is one JSON text. */
static void check_qmp_lines(const char *out, size_t len)
{
    size_t start = 0;
    for (size_t i = 0; i + 1 < len; i++) {
        if (out[i] != '\r' || out[i + 1] != '\n')
            continue;
        char err[128];
        JsonValue *v = json_parse(out + start, i - start, &JSON_DEFAULT_LIMITS, err, sizeof err);
        FUZZ_CHECK(v != NULL, "the monitor sent a line that is not JSON (%s): %.*s", err,
                   (int)(i - start < 300 ? i - start : 300), out + start);
        json_free(v);
        start = i + 2;
    }
}

static void drain(int fd, JsonBuf *out)
{
    char buf[65536];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof buf, MSG_DONTWAIT)) > 0)
        jbuf_add(out, buf, (size_t)n);
}

static void client_session(const char *path, int qmp, const uint8_t *data, size_t size, size_t piece)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        fprintf(stderr, "fuzz_qmp: connect: %s\n", strerror(errno));
        abort();
    }
    JsonBuf out;
    jbuf_init(&out, 1u << 20);
    for (int i = 0; i < 100 && mon->ncli == 0; i++)
        monitor_poll(mon, 10); /* the accept and the greeting */
    FUZZ_CHECK(mon->ncli == 1, "the monitor did not accept the client");
    if (!piece)
        piece = size ? size : 1;
    for (size_t off = 0; off < size && mon->ncli; off += piece) {
        size_t n = size - off < piece ? size - off : piece;
        if (send(fd, data + off, n, MSG_NOSIGNAL) < 0)
            break; /* dropped by the monitor */
        monitor_poll(mon, 0);
        drain(fd, &out);
    }
    shutdown(fd, SHUT_WR);
    for (int i = 0; i < 1000 && mon->ncli; i++) {
        monitor_poll(mon, 10);
        drain(fd, &out);
    }
    FUZZ_CHECK(mon->ncli == 0, "the monitor kept a client that hung up");
    drain(fd, &out);
    close(fd);
    if (qmp && !out.overflow)
        check_qmp_lines(out.data, out.len);
    jbuf_free(&out);
}

static void json_fixed_point(const uint8_t *data, size_t size)
{
    char err[128];
    JsonValue *v = json_parse((const char *)data, size, &JSON_DEFAULT_LIMITS, err, sizeof err);
    if (!v)
        return;
    JsonBuf a, b;
    jbuf_init(&a, 4u << 20);
    jbuf_init(&b, 4u << 20);
    json_write(&a, v);
    json_free(v);
    if (!a.overflow) {
        JsonValue *w = json_parse(a.data, a.len, &JSON_DEFAULT_LIMITS, err, sizeof err);
        FUZZ_CHECK(w != NULL, "json_write's output does not parse (%s): %.*s", err, (int)(a.len < 300 ? a.len : 300),
                   a.data);
        json_write(&b, w);
        json_free(w);
        FUZZ_CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0, "write(parse(write(v))) != write(v): %.*s",
                   (int)(a.len < 300 ? a.len : 300), a.data);
    }
    jbuf_free(&a);
    jbuf_free(&b);
}

static void text_faces(const uint8_t *data, size_t size)
{
    JsonBuf out;
    jbuf_init(&out, 1u << 20);
    monitor_qmp_request(mon, (const char *)data, size, &out);
    if (!out.overflow && out.len) { /* one line, no newline */
        char err[128];
        JsonValue *v = json_parse(out.data, out.len, &JSON_DEFAULT_LIMITS, err, sizeof err);
        FUZZ_CHECK(v != NULL, "monitor_qmp_request's reply is not JSON (%s)", err);
        json_free(v);
    }
    jbuf_free(&out);
    char line[4096];
    size_t start = 0;
    while (start < size) {
        const uint8_t *nl = memchr(data + start, '\n', size - start);
        size_t n = nl ? (size_t)(nl - (data + start)) : size - start;
        if (n >= sizeof line)
            n = sizeof line - 1;
        memcpy(line, data + start, n);
        line[n] = 0; /* a NUL inside ends the line early, as for a C string */
        jbuf_init(&out, 1u << 20);
        monitor_hmp_line(mon, line, &out);
        jbuf_free(&out);
        if (!nl)
            break;
        start = (size_t)(nl - data) + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    init();
    switch (data[0] & 3) {
    case 0: client_session(qmp_path, 1, data + 2, size - 2, data[1]); break;
    case 1: client_session(hmp_path, 0, data + 2, size - 2, data[1]); break;
    case 2: json_fixed_point(data + 1, size - 1); break;
    default: text_faces(data + 1, size - 1); break;
    }
    machine->exit_requested = false; /* a `quit` asked the machine that never runs */
    return 0;
}
