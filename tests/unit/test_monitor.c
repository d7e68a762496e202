/* The monitor's command table and its two faces (src/monitor): QMP
 * requests checked against a row's argument descriptions (QEMU's errors
 * and classes, ids echoed, negotiation), HMP lines parsed from the same
 * row, human-monitor-command, registration, and one real session over a
 * UNIX socket (greeting, events, malformed and oversized requests that
 * leave the session going, a client that leaves mid-request). */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include "unit_main.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "monitor/monitor_int.h"

/* ---- a test module's rows ---- */

typedef struct Thing {
    int calls;
    char last[256];
} Thing;

static int cmd_echo(MonCall *c)
{
    Thing *t = c->opaque;
    t->calls++;
    c->ret = json_copy(c->args);
    snprintf(t->last, sizeof t->last, "%s", mon_arg_str(c, "name", "-"));
    mon_printf(c, "echo %s %lld %s\n", mon_arg_str(c, "name", "-"), mon_arg_int(c, "n", -1),
               mon_arg_bool(c, "flag", false) ? "on" : "off");
    return 0;
}

static int cmd_fail(MonCall *c)
{
    mon_error(c, MON_ERR_DEVICE_NOT_FOUND, "Device '%s' not found", mon_arg_str(c, "id", "?"));
    return -1;
}

static int cmd_add(MonCall *c)
{
    c->ret = json_copy(c->args);
    return 0;
}

static const MonCommand rows[] = {
    { .name = "x-echo", .hmp = "echo", .help = "echo the arguments", .fn = cmd_echo,
      .args = { { "name", MON_ARG_STR, false, "a name" },
                { "n", MON_ARG_INT, true, "a number" },
                { "flag", MON_ARG_BOOL, true, "a flag" } } },
    { .name = "x-fail", .hmp = "info fail", .help = "always fails", .fn = cmd_fail,
      .args = { { "id", MON_ARG_STR, true, "an id" } } },
    { .name = "x-add", .hmp = "xadd", .help = "driver,key=value...", .fn = cmd_add,
      .args = { { "driver", MON_ARG_KEYVAL, false, "the driver" } }, .flags = MON_CMD_EXTRA_ARGS },
    { .hmp = "say", .help = "the rest of the line", .fn = cmd_add,
      .args = { { "text", MON_ARG_REST, true, "text" } } },
};

static Monitor *new_monitor(Thing *t)
{
    Monitor *mon = monitor_new();
    ck_assert_ptr_nonnull(mon);
    ck_assert_int_eq(monitor_register_table(mon, rows, sizeof rows / sizeof rows[0], t), 0);
    return mon;
}

/* The reply to one request from a negotiated client. */
static char *qmp(Monitor *mon, const char *req)
{
    JsonBuf b;
    jbuf_init(&b, 1u << 22);
    monitor_qmp_request(mon, req, strlen(req), &b);
    ck_assert(!b.overflow && b.data);
    return b.data;
}

static void qmp_is(Monitor *mon, const char *req, const char *want)
{
    char *r = qmp(mon, req);
    ck_assert_msg(!strcmp(r, want), "%s\n  got  %s\n  want %s", req, r, want);
    free(r);
}

static char *hmp(Monitor *mon, const char *line)
{
    JsonBuf b;
    jbuf_init(&b, 1u << 22);
    monitor_hmp_line(mon, line, &b);
    ck_assert(!b.overflow);
    return b.data ? b.data : calloc(1, 1);
}

static void hmp_is(Monitor *mon, const char *line, const char *want)
{
    char *r = hmp(mon, line);
    ck_assert_msg(!strcmp(r, want), "%s\n  got  '%s'\n  want '%s'", line, r, want);
    free(r);
}

START_TEST(test_qmp_dispatch)
{
    Thing t = { 0 };
    Monitor *mon = new_monitor(&t);
    qmp_is(mon, "{\"execute\": \"x-echo\", \"arguments\": {\"name\": \"a\", \"n\": 7}, \"id\": 1}",
           "{\"return\": {\"name\": \"a\", \"n\": 7}, \"id\": 1}");
    ck_assert_int_eq(t.calls, 1);
    /* any JSON value is an id, echoed as it came */
    qmp_is(mon, "{\"id\": [\"x\", {\"y\": null}], \"execute\": \"x-echo\", \"arguments\": {\"name\": \"b\"}}",
           "{\"return\": {\"name\": \"b\"}, \"id\": [\"x\", {\"y\": null}]}");
    qmp_is(mon, "{\"execute\": \"x-echo\", \"id\": 2}",
           "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Parameter 'name' is missing\"}, \"id\": 2}");
    qmp_is(mon, "{\"execute\": \"x-echo\", \"arguments\": {\"name\": \"a\", \"zz\": 1}}",
           "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Parameter 'zz' is unexpected\"}}");
    qmp_is(mon, "{\"execute\": \"x-echo\", \"arguments\": {\"name\": 5}}",
           "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Invalid parameter type for 'name', "
           "expected: string\"}}");
    qmp_is(mon, "{\"execute\": \"x-echo\", \"arguments\": {\"name\": \"a\", \"n\": 1.5}}",
           "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Invalid parameter type for 'n', "
           "expected: integer\"}}");
    qmp_is(mon, "{\"execute\": \"x-echo\", \"arguments\": {\"name\": \"a\", \"flag\": 1}}",
           "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Invalid parameter type for 'flag', "
           "expected: boolean\"}}");
    /* a string holding a NUL is not a string argument */
    qmp_is(mon, "{\"execute\": \"x-echo\", \"arguments\": {\"name\": \"a\\u0000b\"}}",
           "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Invalid parameter type for 'name', "
           "expected: string\"}}");
    ck_assert_int_eq(t.calls, 2); /* none of the refused ones ran */
    qmp_is(mon, "{\"execute\": \"x-fail\", \"arguments\": {\"id\": \"nic9\"}, \"id\": \"f\"}",
           "{\"error\": {\"class\": \"DeviceNotFound\", \"desc\": \"Device 'nic9' not found\"}, \"id\": \"f\"}");
    qmp_is(mon, "{\"execute\": \"no-such\", \"id\": 3}",
           "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command no-such has not been "
           "found\"}, \"id\": 3}");
    /* the envelope */
    qmp_is(mon, "[1]", "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}");
    qmp_is(mon, "{\"id\": 4}",
           "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input lacks member 'execute'\"}, \"id\": 4}");
    qmp_is(mon, "{\"execute\": 1}",
           "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input member 'execute' must be a "
           "string\"}}");
    qmp_is(mon, "{\"execute\": \"x-echo\", \"arguments\": []}",
           "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input member 'arguments' must be an "
           "object\"}}");
    qmp_is(mon, "{\"execute\": \"x-echo\", \"bogus\": 1}",
           "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input member 'bogus' is unexpected\"}}");
    char *r = qmp(mon, "{\"execute\": ");
    ck_assert_msg(strstr(r, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error at offset")
                  == r, "%s", r);
    free(r);
    /* extra members pass through where the row says so */
    qmp_is(mon, "{\"execute\": \"x-add\", \"arguments\": {\"driver\": \"ne2k_pci\", \"id\": \"nic1\"}}",
           "{\"return\": {\"driver\": \"ne2k_pci\", \"id\": \"nic1\"}}");
    monitor_free(mon);
}
END_TEST

START_TEST(test_negotiation)
{
    Monitor *mon = new_monitor(NULL);
    bool neg = false;
    JsonBuf b;
    const char *q = "{\"execute\": \"query-version\"}";
    jbuf_init(&b, 1 << 20);
    mon_qmp_dispatch(mon, q, strlen(q), &neg, &b);
    ck_assert_str_eq(b.data, "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"Expecting capabilities "
                             "negotiation with 'qmp_capabilities'\"}}");
    jbuf_free(&b);
    const char *bad = "{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": [\"oob\"]}}";
    mon_qmp_dispatch(mon, bad, strlen(bad), &neg, &b);
    ck_assert_str_eq(b.data, "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Capability 'oob' not "
                             "available\"}}");
    ck_assert(!neg);
    jbuf_free(&b);
    const char *caps = "{\"execute\": \"qmp_capabilities\", \"id\": 0}";
    mon_qmp_dispatch(mon, caps, strlen(caps), &neg, &b);
    ck_assert_str_eq(b.data, "{\"return\": {}, \"id\": 0}");
    ck_assert(neg);
    jbuf_free(&b);
    mon_qmp_dispatch(mon, caps, strlen(caps), &neg, &b);
    ck_assert_str_eq(b.data, "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"Capabilities "
                             "negotiation is already complete, command ignored\"}, \"id\": 0}");
    jbuf_free(&b);
    mon_qmp_dispatch(mon, q, strlen(q), &neg, &b);
    ck_assert_str_eq(b.data, "{\"return\": {\"qemu\": {\"major\": 0, \"minor\": 1, \"micro\": 0}, "
                             "\"package\": \"emu386 0.1\"}}");
    jbuf_free(&b);
    monitor_free(mon);
}
END_TEST

START_TEST(test_registration)
{
    Thing t = { 0 }, u = { 0 };
    Monitor *mon = new_monitor(&t);
    /* a name taken on either face is refused */
    MonCommand dup = rows[0];
    dup.hmp = "other";
    ck_assert_int_eq(monitor_register(mon, &dup, &u), -1);
    dup = rows[0];
    dup.name = "x-other";
    ck_assert_int_eq(monitor_register(mon, &dup, &u), -1);
    MonCommand none = { .help = "nothing", .fn = cmd_add };
    ck_assert_int_eq(monitor_register(mon, &none, &u), -1);
    char *r = qmp(mon, "{\"execute\": \"query-commands\"}");
    ck_assert_msg(strstr(r, "{\"name\": \"x-echo\"}") && strstr(r, "{\"name\": \"human-monitor-command\"}") &&
                  !strstr(r, "\"say\""), "%s", r);
    free(r);
    /* a module going away takes its rows; the monitor's own stay */
    monitor_unregister(mon, &t);
    qmp_is(mon, "{\"execute\": \"x-echo\", \"arguments\": {\"name\": \"a\"}}",
           "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command x-echo has not been found\"}}");
    monitor_unregister(mon, NULL);
    r = qmp(mon, "{\"execute\": \"query-version\"}");
    ck_assert(strstr(r, "\"return\"") != NULL);
    free(r);
    ck_assert_int_eq(monitor_register(mon, &rows[0], &u), 0); /* the name is free again */
    /* no monitor at all: registering, unregistering and events are no-ops */
    ck_assert_int_eq(monitor_register_table(NULL, rows, 2, &u), 0);
    monitor_unregister(NULL, &u);
    monitor_event(NULL, "NOBODY", json_object()); /* the data is freed (ASan/Valgrind legs) */
    monitor_free(mon);
}
END_TEST

START_TEST(test_hmp)
{
    Thing t = { 0 };
    Monitor *mon = new_monitor(&t);
    hmp_is(mon, "echo abc 0x10 on", "echo abc 16 on\n{\"name\": \"abc\", \"n\": 16, \"flag\": true}\n");
    hmp_is(mon, "  echo   \"two words\"  ", "echo two words -1 off\n{\"name\": \"two words\"}\n");
    hmp_is(mon, "echo", "Error: Parameter 'name' is missing (usage: echo name [n] [flag])\n");
    hmp_is(mon, "echo a 12x", "Error: '12x' is not an integer (for n)\n");
    hmp_is(mon, "echo a 1 maybe", "Error: 'maybe' is not on/off (for flag)\n");
    hmp_is(mon, "echo a 1 off extra", "Error: too many arguments\n");
    hmp_is(mon, "echo \"open", "Error: unterminated quote\n");
    hmp_is(mon, "nothing here", "unknown command: 'nothing' (try 'help')\n");
    hmp_is(mon, "info nothing", "unknown command: 'info nothing' (try 'help')\n");
    hmp_is(mon, "info fail", "Error: Device '?' not found\n");
    hmp_is(mon, "", "");
    hmp_is(mon, "   ", "");
    hmp_is(mon, "xadd ne2k_pci,netdev=n1,id=nic1",
           "{\"driver\": \"ne2k_pci\", \"netdev\": \"n1\", \"id\": \"nic1\"}\n");
    hmp_is(mon, "xadd ne2k_pci,oops", "Error: 'oops' is not key=value\n");
    hmp_is(mon, "xadd ,id=x", "Error: driver must not be empty\n");
    hmp_is(mon, "xadd a,id=x,id=y", "Error: 'id' given twice\n");
    hmp_is(mon, "say  hello   world ", "{\"text\": \"hello   world \"}\n");
    hmp_is(mon, "info version", "0.1.0 (emu386 0.1)\n");
    char *r = hmp(mon, "help");
    ck_assert_msg(strstr(r, "echo name [n] [flag]") && strstr(r, "xadd driver,key=value,...") &&
                  strstr(r, "info version") && !strstr(r, "query-commands"), "%s", r);
    free(r);
    r = hmp(mon, "help info");
    ck_assert_msg(strstr(r, "info fail") && strstr(r, "info version") && !strstr(r, "echo"), "%s", r);
    free(r);
    r = hmp(mon, "info");
    ck_assert_msg(strstr(r, "info fail") && !strstr(r, "echo"), "%s", r);
    free(r);
    hmp_is(mon, "help nope", "Error: no command 'nope'\n");
    /* a line as long as the limit allows, and one longer */
    char *big = malloc(MON_MAX_LINE + 10);
    memset(big, 'a', MON_MAX_LINE + 9);
    big[MON_MAX_LINE + 9] = '\0';
    r = hmp(mon, big);
    ck_assert_msg(strstr(r, "Error: line longer than") == r, "%s", r);
    free(r);
    memcpy(big, "echo ", 5);
    big[MON_MAX_LINE - 1] = '\0';
    r = hmp(mon, big);
    ck_assert_msg(strncmp(r, "echo aaa", 8) == 0, "%.40s", r);
    free(r);
    free(big);
    /* the same row from QMP through human-monitor-command */
    qmp_is(mon, "{\"execute\": \"human-monitor-command\", \"arguments\": {\"command-line\": \"echo q 2\"}}",
           "{\"return\": \"echo q 2 off\\n{\\\"name\\\": \\\"q\\\", \\\"n\\\": 2}\\n\"}");
    qmp_is(mon, "{\"execute\": \"human-monitor-command\", \"arguments\": {\"command-line\": \"bogus\"}}",
           "{\"return\": \"unknown command: 'bogus' (try 'help')\\n\"}");
    qmp_is(mon, "{\"execute\": \"human-monitor-command\", \"arguments\": {}}",
           "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Parameter 'command-line' is missing\"}}");
    monitor_free(mon);
}
END_TEST

/* The bug: an unterminated quote in an HMP line's second word left that
 * word without its NUL, and the lookup of "first second" as a two-word
 * command ran strlen over it (Valgrind: a conditional jump on
 * uninitialised bytes).  The quote is now refused with the word
 * terminated; the Valgrind leg runs this. */
START_TEST(test_hmp_unterminated_quote_uninitialised_read_regression)
{
    Thing t = { 0 };
    Monitor *mon = new_monitor(&t);
    hmp_is(mon, "echo \"open", "Error: unterminated quote\n");
    hmp_is(mon, "info \"fail", "Error: unterminated quote\n");
    hmp_is(mon, "\"echo", "Error: unterminated quote\n");
    hmp_is(mon, "echo \"\"", "echo  -1 off\n{\"name\": \"\"}\n");
    ck_assert_int_eq(t.calls, 1);
    monitor_free(mon);
}
END_TEST

/* ---- a real session over a UNIX socket ---- */

static int connect_to(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

/* Serve the monitor until fd has a whole line ("\r\n"); the line. */
static char *read_line(Monitor *mon, int fd, char *buf, size_t cap)
{
    size_t n = 0;
    for (int spins = 0; spins < 20000; spins++) { /* a hang guard */
        monitor_poll(mon, 1);
        struct pollfd p = { fd, POLLIN, 0 };
        while (n + 1 < cap && poll(&p, 1, 0) > 0) {
            ssize_t r = recv(fd, buf + n, 1, 0);
            if (r <= 0)
                break;
            n++;
            if (n >= 2 && buf[n - 2] == '\r' && buf[n - 1] == '\n') {
                buf[n - 2] = '\0';
                return buf;
            }
        }
    }
    buf[n] = '\0';
    ck_abort_msg("no line from the monitor; got '%s'", buf);
    return NULL;
}

static void send_all(int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EAGAIN)
            continue;
        ck_assert_int_gt(w, 0);
        s += w;
        n -= (size_t)w;
    }
}

static void send_str(int fd, const char *s) { send_all(fd, s, strlen(s)); }

START_TEST(test_socket_session)
{
    char path[64], err[256], line[4096];
    snprintf(path, sizeof path, "/tmp/e386-mon-%d.sock", (int)getpid());
    Thing t = { 0 };
    Monitor *mon = new_monitor(&t);
    char spec[96];
    snprintf(spec, sizeof spec, "unix:%s,server,nowait", path);
    ck_assert_msg(monitor_add_listener(mon, "qmp", spec, err, sizeof err) == 0, "%s", err);
    int a = connect_to(path);
    ck_assert_str_eq(read_line(mon, a, line, sizeof line),
                     "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 1, \"major\": 0}, "
                     "\"package\": \"emu386 0.1\"}, \"capabilities\": []}}");
    /* no events before the negotiation */
    monitor_event(mon, "EARLY", NULL);
    send_str(a, "{\"execute\": \"x-echo\", \"arguments\": {\"name\": \"z\"}}");
    ck_assert(strstr(read_line(mon, a, line, sizeof line), "Expecting capabilities negotiation"));
    send_str(a, "{\"execute\": \"qmp_capabilities\"}\n");
    ck_assert_str_eq(read_line(mon, a, line, sizeof line), "{\"return\": {}}");
    /* two requests in one write, one split across two */
    send_str(a, "{\"execute\": \"x-echo\", \"arguments\": {\"name\": \"1\"}, \"id\": 1}{\"execute\"");
    ck_assert_str_eq(read_line(mon, a, line, sizeof line), "{\"return\": {\"name\": \"1\"}, \"id\": 1}");
    send_str(a, ": \"x-echo\", \"arguments\": {\"name\": \"}{\\\"\"}, \"id\": 2}");
    ck_assert_str_eq(read_line(mon, a, line, sizeof line), "{\"return\": {\"name\": \"}{\\\"\"}, \"id\": 2}");
    /* malformed: an error, and the session goes on */
    send_str(a, "{\"execute\": nonsense}");
    ck_assert(strstr(read_line(mon, a, line, sizeof line), "JSON parse error"));
    send_str(a, "]");
    ck_assert(strstr(read_line(mon, a, line, sizeof line), "JSON parse error"));
    send_str(a, "  42  ");
    ck_assert(strstr(read_line(mon, a, line, sizeof line), "QMP input must be a JSON object"));
    /* deep nesting far past the limit, in pieces */
    char *deep = malloc(200001);
    memset(deep, '[', 100000);
    memset(deep + 100000, ']', 100000);
    deep[200000] = '\0';
    send_all(a, deep, 200000);
    ck_assert(strstr(read_line(mon, a, line, sizeof line), "nesting deeper than 64"));
    free(deep);
    /* larger than a request may be: one error, the rest skipped, the
     * session goes on */
    size_t big = MON_MAX_REQUEST + 100000;
    char *s = malloc(big + 64);
    size_t n = (size_t)sprintf(s, "{\"execute\": \"x-echo\", \"arguments\": {\"name\": \"");
    memset(s + n, 'x', big - n);
    strcpy(s + big, "\"}}");
    int fl = fcntl(a, F_GETFL);
    fcntl(a, F_SETFL, fl | O_NONBLOCK);
    size_t off = 0, total = big + 3;
    while (off < total) { /* the monitor must read while we write */
        ssize_t w = send(a, s + off, total - off, MSG_NOSIGNAL);
        if (w > 0)
            off += (size_t)w;
        monitor_poll(mon, 1);
    }
    fcntl(a, F_SETFL, fl);
    free(s);
    ck_assert(strstr(read_line(mon, a, line, sizeof line), "request longer than 1048576 bytes"));
    send_str(a, "{\"execute\": \"x-echo\", \"arguments\": {\"name\": \"after\"}}");
    ck_assert_str_eq(read_line(mon, a, line, sizeof line), "{\"return\": {\"name\": \"after\"}}");
    /* a second client: its own negotiation; events reach both */
    int b = connect_to(path);
    ck_assert(strstr(read_line(mon, b, line, sizeof line), "\"QMP\""));
    send_str(b, "{\"execute\": \"qmp_capabilities\"}");
    ck_assert_str_eq(read_line(mon, b, line, sizeof line), "{\"return\": {}}");
    JsonValue *d = json_object();
    json_set_str(d, "device", "nic1");
    monitor_event(mon, "DEVICE_DELETED", d);
    for (int fd = a; fd >= 0; fd = fd == a ? b : -1) {
        read_line(mon, fd, line, sizeof line);
        JsonValue *ev = json_parse(line, strlen(line), NULL, err, sizeof err);
        ck_assert_msg(ev != NULL, "%s: %s", line, err);
        ck_assert_str_eq(json_get_str(ev, "event"), "DEVICE_DELETED");
        ck_assert_str_eq(json_get_str(json_get(ev, "data"), "device"), "nic1");
        const JsonValue *ts = json_get(ev, "timestamp");
        ck_assert(json_is_int(json_get(ts, "seconds")) && json_is_int(json_get(ts, "microseconds")));
        ck_assert(json_get(ts, "microseconds")->u.num.i < 1000000);
        json_free(ev);
    }
    /* a client that leaves in the middle of a request, and one that
     * sends a request and leaves before the reply */
    send_str(b, "{\"execute\": \"x-echo\", \"argum");
    close(b);
    int c = connect_to(path);
    read_line(mon, c, line, sizeof line);
    send_str(c, "{\"execute\": \"qmp_capabilities\"}{\"execute\": \"x-echo\", \"arguments\": {\"name\": \"gone\"}}");
    close(c);
    for (int i = 0; i < 20; i++)
        monitor_poll(mon, 1);
    ck_assert_int_eq(mon->ncli, 1);
    /* the first client is still served */
    send_str(a, "{\"execute\": \"x-echo\", \"arguments\": {\"name\": \"still\"}}");
    ck_assert_str_eq(read_line(mon, a, line, sizeof line), "{\"return\": {\"name\": \"still\"}}");
    close(a);
    monitor_free(mon);
    ck_assert_int_eq(access(path, F_OK), -1); /* unlinked */
}
END_TEST

START_TEST(test_hmp_socket)
{
    char path[64], err[256], spec[96];
    snprintf(path, sizeof path, "/tmp/e386-hmp-%d.sock", (int)getpid());
    snprintf(spec, sizeof spec, "unix:%s,server", path);
    Thing t = { 0 };
    Monitor *mon = new_monitor(&t);
    ck_assert_msg(monitor_add_listener(mon, "hmp", spec, err, sizeof err) == 0, "%s", err);
    int a = connect_to(path);
    send_str(a, "echo one 1\r\nbogus\n");
    char got[1024];
    size_t n = 0;
    const char *want = "emu386 monitor - type 'help' for more information\n(emu386) "
                       "echo one 1 off\n{\"name\": \"one\", \"n\": 1}\n(emu386) "
                       "unknown command: 'bogus' (try 'help')\n(emu386) ";
    for (int i = 0; i < 20000 && n < strlen(want); i++) { /* a hang guard */
        monitor_poll(mon, 1);
        struct pollfd p = { a, POLLIN, 0 };
        if (poll(&p, 1, 0) > 0) {
            ssize_t r = recv(a, got + n, sizeof got - 1 - n, 0);
            if (r > 0)
                n += (size_t)r;
        }
    }
    got[n] = '\0';
    ck_assert_str_eq(got, want);
    ck_assert_int_eq(t.calls, 1);
    close(a);
    monitor_free(mon);
}
END_TEST

START_TEST(test_listener_specs)
{
    Monitor *mon = monitor_new();
    char err[256];
    static const char *const bad[][2] = {
        { "qmp", "stdio" }, { "qmp", "unix:/tmp/x.sock" }, { "qmp", "unix:,server" },
        { "qmp", "unix:/tmp/x.sock,server,bogus" }, { "qmp", "tcp:127.0.0.1,server" },
        { "qmp", "tcp:127.0.0.1:99999,server" }, { "qmp", "tcp:example.com:4444,server" },
        { "qmp", "pipe:x" }, { "gui", "stdio" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_msg(monitor_add_listener(mon, bad[i][0], bad[i][1], err, sizeof err) == -1, "%s",
                      bad[i][1]);
        ck_assert(err[0]);
    }
    ck_assert_msg(monitor_add_listener(mon, "qmp", "tcp:127.0.0.1:0,server,nowait", err, sizeof err) == 0,
                  "%s", err);
    ck_assert_int_eq(monitor_fds(mon, (int[4]){ 0 }, 4), 1);
    monitor_free(mon);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("monitor");
    TCase *tc = tcase_create("monitor");
    tcase_set_timeout(tc, 60); /* a hang guard */
    tcase_add_test(tc, test_qmp_dispatch);
    tcase_add_test(tc, test_negotiation);
    tcase_add_test(tc, test_registration);
    tcase_add_test(tc, test_hmp);
    tcase_add_test(tc, test_hmp_unterminated_quote_uninitialised_read_regression);
    tcase_add_test(tc, test_socket_session);
    tcase_add_test(tc, test_hmp_socket);
    tcase_add_test(tc, test_listener_specs);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
