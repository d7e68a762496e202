/* The monitor: one command table, two faces (docs/monitor.md).
 *
 *  - QMP: JSON requests {"execute", "arguments", "id"} answered with
 *    {"return"} or {"error": {"class", "desc"}}, asynchronous events with
 *    a timestamp, the greeting and the qmp_capabilities negotiation, on
 *    -qmp unix:PATH,server[,nowait|,wait] or tcp:127.0.0.1:PORT,server;
 *  - HMP: the human monitor, one command a line after an "(emu386) "
 *    prompt, on -monitor stdio or unix:PATH,server.
 *
 * A command is one MonCommand row: its QMP name, its HMP name, its
 * arguments as data (MonArg), a help line and one handler.  Both faces
 * check and convert the arguments from the row before the handler runs,
 * so a handler only ever sees an object whose members have the declared
 * types.  Whoever owns a feature registers its rows (monitor_register):
 * the monitor itself knows nothing of the machine.
 *
 * Nothing here blocks: monitor_poll services every listener and client
 * that is ready (with an optional wait), sockets are non-blocking, and
 * a client that does not read its replies is dropped once its output
 * buffer is full instead of stalling the emulator. */
#ifndef E386_MONITOR_MONITOR_H
#define E386_MONITOR_MONITOR_H
#include <stdbool.h>
#include <stddef.h>
#include "monitor/json.h"

typedef struct Monitor Monitor;

/* Error classes, as QMP names them. */
typedef enum MonErrClass {
    MON_ERR_GENERIC,      /* GenericError */
    MON_ERR_NOT_FOUND,    /* CommandNotFound */
    MON_ERR_DEVICE_NOT_FOUND, /* DeviceNotFound */
    MON_ERR_DEVICE_NOT_ACTIVE, /* DeviceNotActive */
} MonErrClass;

typedef enum MonArgType {
    MON_ARG_STR,  /* a JSON string without NULs; HMP: one word (or "quoted words") */
    MON_ARG_INT,  /* a JSON integer; HMP: decimal or 0x hex */
    MON_ARG_BOOL, /* true/false; HMP: on/off, true/false, yes/no */
    MON_ARG_ANY,  /* any JSON value (QMP only; HMP: the word as a string) */
    MON_ARG_REST, /* a string; HMP: the rest of the line, as typed */
    /* HMP: "first,key=value,..." — the first item is this string argument,
     * each key=value one more string member (the row sets
     * MON_CMD_EXTRA_ARGS); QMP: a plain string member */
    MON_ARG_KEYVAL,
} MonArgType;

typedef struct MonArg {
    const char *name;
    MonArgType type;
    bool optional;
    const char *help; /* a few words for `help` */
} MonArg;

enum {
    MON_MAX_ARGS = 8,
    MON_CMD_EXTRA_ARGS = 1, /* members beyond args are accepted (as strings or any JSON) */
    MON_CMD_PRECAPS = 2,    /* QMP: allowed before qmp_capabilities */
};

typedef struct MonCall MonCall;
/* 0 with c->ret set (or left NULL: an empty object), or -1 after
 * mon_error().  Text for a human goes through mon_printf. */
typedef int (*MonHandler)(MonCall *c);
/* Renders a command's return value for HMP (NULL: the compact JSON, or
 * nothing for an empty object). */
typedef void (*MonPrinter)(MonCall *c, const JsonValue *ret);

typedef struct MonCommand {
    const char *name;    /* QMP: "query-status"; NULL: HMP only */
    const char *hmp;     /* HMP: "info status", "stop"; NULL: QMP only */
    const char *help;    /* one line */
    MonHandler fn;
    MonPrinter print;
    MonArg args[MON_MAX_ARGS]; /* in HMP order; ends at the first NULL name */
    unsigned flags;      /* MON_CMD_* */
} MonCommand;

struct MonCall {
    Monitor *mon;
    const MonCommand *cmd;
    void *opaque;          /* given at registration */
    const JsonValue *args; /* an object, checked against cmd->args */
    JsonValue *ret;        /* the handler's result (owned by the call) */
    bool hmp;              /* called from the human monitor (or human-monitor-command) */
    JsonBuf *out;          /* HMP text; NULL from QMP (mon_printf then drops it) */
    MonErrClass err_class;
    char err[256];
};

/* ---- setup ---- */
Monitor *monitor_new(void);
/* Flushes what clients have not read (bounded), closes and unlinks. */
void monitor_free(Monitor *mon);
/* A front end: kind "qmp" or "hmp", spec stdio (HMP only),
 * unix:PATH,server[,nowait|,wait] or tcp:HOST:PORT,server[,nowait|,wait]
 * (HOST a numeric IPv4 address, 127.0.0.1 by default; PORT 0 picks a free
 * port, announced on stderr).  -1 with a message. */
int monitor_add_listener(Monitor *mon, const char *kind, const char *spec, char *err, size_t errlen);
/* Block until every listener opened with ",wait" has a client (as QEMU's
 * wait=on); returns at once when there is none. */
void monitor_wait_clients(Monitor *mon);
/* Whether a stdio front end was opened (the serial port cannot have it). */
bool monitor_uses_stdio(const Monitor *mon);

/* ---- the command table ---- */
/* Add rows; each is borrowed (static tables) and called with opaque
 * (non-NULL: it names the rows for monitor_unregister).  A name already
 * taken, on either face, is refused (-1).  mon may be NULL (the machine
 * has no monitor): then nothing happens and the answer is 0, so a module
 * registers and emits without asking whether there is a monitor. */
int monitor_register(Monitor *mon, const MonCommand *cmd, void *opaque);
int monitor_register_table(Monitor *mon, const MonCommand *rows, size_t n, void *opaque);
/* Remove the rows registered with this opaque (a module going away);
 * mon may be NULL. */
void monitor_unregister(Monitor *mon, void *opaque);

/* ---- inside a handler ---- */
void mon_error(MonCall *c, MonErrClass cls, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void mon_printf(MonCall *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Typed argument access (the types were checked before the call). */
const char *mon_arg_str(const MonCall *c, const char *name, const char *dflt);
long long mon_arg_int(const MonCall *c, const char *name, long long dflt);
bool mon_arg_bool(const MonCall *c, const char *name, bool dflt);

/* ---- events ---- */
/* Send {"event": name, "data": data, "timestamp": {...}} to every QMP
 * client past negotiation; data (may be NULL) is taken.  Callable from
 * anywhere, also inside a handler (the event then precedes the reply);
 * mon may be NULL (data is freed). */
void monitor_event(Monitor *mon, const char *name, JsonValue *data);

/* ---- the main loop's side ---- */
/* Service listeners and clients: wait up to timeout_ms for something to
 * happen (0: look only; -1: forever), then run every complete request.
 * The number of requests run. */
int monitor_poll(Monitor *mon, int timeout_ms);
/* The fds a waiting main loop should also watch for input: up to max;
 * the count. */
int monitor_fds(const Monitor *mon, int *fds, int max);

/* ---- the text faces, also used by the unit tests ---- */
/* Run one QMP request (text) as a negotiated client; the reply (one
 * line, no newline) in out. */
void monitor_qmp_request(Monitor *mon, const char *text, size_t len, JsonBuf *out);
/* Run one HMP line; its output in out. */
void monitor_hmp_line(Monitor *mon, const char *line, JsonBuf *out);

/* The product's version, as query-version and the greeting give it. */
#define MONITOR_VERSION_MAJOR 0
#define MONITOR_VERSION_MINOR 1
#define MONITOR_VERSION_MICRO 0
#define MONITOR_PACKAGE "emu386 0.1"
#endif
