/* The command table and its two faces: QMP requests and HMP lines are
 * both turned into (row, arguments object) and checked against the row's
 * argument descriptions before the handler runs (monitor.h). */
#define _POSIX_C_SOURCE 200809L
#include "monitor/monitor_int.h"
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

static const char *const err_class_names[] = {
    [MON_ERR_GENERIC] = "GenericError",
    [MON_ERR_NOT_FOUND] = "CommandNotFound",
    [MON_ERR_DEVICE_NOT_FOUND] = "DeviceNotFound",
    [MON_ERR_DEVICE_NOT_ACTIVE] = "DeviceNotActive",
};

/* ---- inside a handler ---- */

void mon_error(MonCall *c, MonErrClass cls, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof c->err, fmt, ap);
    va_end(ap);
    c->err_class = cls;
}

void mon_printf(MonCall *c, const char *fmt, ...)
{
    if (!c->out)
        return;
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        jbuf_add(c->out, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big)
        return;
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    jbuf_add(c->out, big, (size_t)n);
    free(big);
}

const char *mon_arg_str(const MonCall *c, const char *name, const char *dflt)
{
    const char *s = json_get_str(c->args, name);
    return s ? s : dflt;
}

long long mon_arg_int(const MonCall *c, const char *name, long long dflt)
{
    const JsonValue *v = json_get(c->args, name);
    return json_is_int(v) ? (long long)v->u.num.i : dflt;
}

bool mon_arg_bool(const MonCall *c, const char *name, bool dflt)
{
    const JsonValue *v = json_get(c->args, name);
    return v && v->type == JSON_BOOL ? v->u.b : dflt;
}

/* ---- the table ---- */

static int nargs(const MonCommand *cmd)
{
    int n = 0;
    while (n < MON_MAX_ARGS && cmd->args[n].name)
        n++;
    return n;
}

static const MonEntry *find_qmp(const Monitor *mon, const char *name)
{
    for (size_t i = 0; i < mon->ncmds; i++)
        if (mon->cmds[i].cmd->name && !strcmp(mon->cmds[i].cmd->name, name))
            return &mon->cmds[i];
    return NULL;
}

static const MonEntry *find_hmp(const Monitor *mon, const char *name)
{
    for (size_t i = 0; i < mon->ncmds; i++)
        if (mon->cmds[i].cmd->hmp && !strcmp(mon->cmds[i].cmd->hmp, name))
            return &mon->cmds[i];
    return NULL;
}

int monitor_register(Monitor *mon, const MonCommand *cmd, void *opaque)
{
    if (!mon)
        return 0; /* no monitor: nobody to serve, nothing to refuse */
    if (!cmd || !cmd->fn || (!cmd->name && !cmd->hmp) || (cmd->name && find_qmp(mon, cmd->name)) ||
        (cmd->hmp && find_hmp(mon, cmd->hmp)))
        return -1;
    if (mon->ncmds == mon->capcmds) {
        size_t nc = mon->capcmds ? mon->capcmds * 2 : 32;
        MonEntry *p = realloc(mon->cmds, nc * sizeof *p);
        if (!p)
            return -1;
        mon->cmds = p;
        mon->capcmds = nc;
    }
    mon->cmds[mon->ncmds++] = (MonEntry){ cmd, opaque };
    return 0;
}

int monitor_register_table(Monitor *mon, const MonCommand *rows, size_t n, void *opaque)
{
    for (size_t i = 0; i < n; i++)
        if (monitor_register(mon, &rows[i], opaque) < 0)
            return -1;
    return 0;
}

void monitor_unregister(Monitor *mon, void *opaque)
{
    size_t k = 0;
    if (!mon || !opaque)
        return; /* the monitor's own rows */
    for (size_t i = 0; i < mon->ncmds; i++)
        if (mon->cmds[i].opaque != opaque)
            mon->cmds[k++] = mon->cmds[i];
    mon->ncmds = k;
}

/* ---- events ---- */

void monitor_event(Monitor *mon, const char *name, JsonValue *data)
{
    if (!mon) {
        json_free(data);
        return;
    }
    struct timeval tv;
    gettimeofday(&tv, NULL);
    JsonValue *ev = json_object(), *ts = json_object();
    if (!ev || !ts) {
        json_free(ev);
        json_free(ts);
        json_free(data);
        return;
    }
    json_set_int(ts, "seconds", (int64_t)tv.tv_sec);
    json_set_int(ts, "microseconds", (int64_t)tv.tv_usec);
    json_set(ev, "timestamp", ts);
    json_set_str(ev, "event", name);
    if (data)
        json_set(ev, "data", data);
    JsonBuf b;
    jbuf_init(&b, MON_REPLY_CAP);
    json_write(&b, ev);
    if (!b.overflow)
        mon_broadcast_event(mon, b.data, b.len);
    jbuf_free(&b);
    json_free(ev);
}

/* ---- arguments ---- */

static const MonArg *find_arg(const MonCommand *cmd, const char *name, size_t len)
{
    for (int i = 0; i < nargs(cmd); i++)
        if (strlen(cmd->args[i].name) == len && !memcmp(cmd->args[i].name, name, len))
            return &cmd->args[i];
    return NULL;
}

static const char *type_word(MonArgType t)
{
    switch (t) {
    case MON_ARG_INT: return "integer";
    case MON_ARG_BOOL: return "boolean";
    case MON_ARG_ANY: return "any";
    default: return "string";
    }
}

static bool type_ok(MonArgType t, const JsonValue *v)
{
    switch (t) {
    case MON_ARG_INT: return json_is_int(v);
    case MON_ARG_BOOL: return v->type == JSON_BOOL;
    case MON_ARG_ANY: return true;
    default: return v->type == JSON_STRING && strlen(v->u.str.s) == v->u.str.len;
    }
}

/* The arguments against the row: unknown, missing and mistyped members
 * are refused with QEMU's wording. */
static int check_args(MonCall *c, const JsonValue *args)
{
    const MonCommand *cmd = c->cmd;
    for (size_t i = 0; i < args->u.obj.n; i++) {
        const JsonMember *m = &args->u.obj.m[i];
        const MonArg *a = find_arg(cmd, m->name, m->name_len);
        if (!a) {
            if (cmd->flags & MON_CMD_EXTRA_ARGS)
                continue;
            mon_error(c, MON_ERR_GENERIC, "Parameter '%.64s' is unexpected", m->name);
            return -1;
        }
        if (!type_ok(a->type, m->value)) {
            mon_error(c, MON_ERR_GENERIC, "Invalid parameter type for '%s', expected: %s", a->name,
                      type_word(a->type));
            return -1;
        }
    }
    for (int i = 0; i < nargs(cmd); i++)
        if (!cmd->args[i].optional && !json_get(args, cmd->args[i].name)) {
            mon_error(c, MON_ERR_GENERIC, "Parameter '%s' is missing", cmd->args[i].name);
            return -1;
        }
    return 0;
}

static int run_call(MonCall *c, const JsonValue *args)
{
    c->args = args;
    if (check_args(c, args) < 0)
        return -1;
    if (c->cmd->fn(c) < 0) {
        if (!c->err[0])
            mon_error(c, MON_ERR_GENERIC, "%s failed", c->cmd->name ? c->cmd->name : c->cmd->hmp);
        return -1;
    }
    return 0;
}

/* ---- QMP ---- */

static void qmp_reply_error(JsonBuf *out, MonErrClass cls, const char *desc, const JsonValue *id)
{
    jbuf_puts(out, "{\"error\": {\"class\": \"");
    jbuf_puts(out, err_class_names[cls]);
    jbuf_puts(out, "\", \"desc\": ");
    json_write_string(out, desc, strlen(desc));
    jbuf_puts(out, "}");
    if (id) {
        jbuf_puts(out, ", \"id\": ");
        json_write(out, id);
    }
    jbuf_puts(out, "}");
}

void mon_qmp_dispatch(Monitor *mon, const char *text, size_t len, bool *negotiated, JsonBuf *out)
{
    char err[256];
    JsonLimits lim = JSON_DEFAULT_LIMITS;
    JsonValue *req = json_parse(text, len, &lim, err, sizeof err);
    if (!req) {
        qmp_reply_error(out, MON_ERR_GENERIC, err, NULL);
        return;
    }
    const JsonValue *id = json_get(req, "id");
    const JsonValue *exec = json_get(req, "execute"), *args = json_get(req, "arguments");
    MonCall c = { .mon = mon };
    if (req->type != JSON_OBJECT) {
        qmp_reply_error(out, MON_ERR_GENERIC, "QMP input must be a JSON object", NULL);
        goto done;
    }
    for (size_t i = 0; i < req->u.obj.n; i++) {
        const char *n = req->u.obj.m[i].name;
        if (strcmp(n, "execute") && strcmp(n, "arguments") && strcmp(n, "id")) {
            snprintf(err, sizeof err, "QMP input member '%.64s' is unexpected", n);
            qmp_reply_error(out, MON_ERR_GENERIC, err, id);
            goto done;
        }
    }
    if (!exec) {
        qmp_reply_error(out, MON_ERR_GENERIC, "QMP input lacks member 'execute'", id);
        goto done;
    }
    const char *name = json_get_str(req, "execute");
    if (!name) {
        qmp_reply_error(out, MON_ERR_GENERIC, "QMP input member 'execute' must be a string", id);
        goto done;
    }
    if (args && args->type != JSON_OBJECT) {
        qmp_reply_error(out, MON_ERR_GENERIC, "QMP input member 'arguments' must be an object", id);
        goto done;
    }
    bool caps = !strcmp(name, "qmp_capabilities");
    if (caps && *negotiated) {
        qmp_reply_error(out, MON_ERR_NOT_FOUND,
                        "Capabilities negotiation is already complete, command ignored", id);
        goto done;
    }
    const MonEntry *e = find_qmp(mon, name);
    if (!*negotiated && !(e && (e->cmd->flags & MON_CMD_PRECAPS))) {
        qmp_reply_error(out, MON_ERR_NOT_FOUND,
                        "Expecting capabilities negotiation with 'qmp_capabilities'", id);
        goto done;
    }
    if (!e) {
        snprintf(err, sizeof err, "The command %.64s has not been found", name);
        qmp_reply_error(out, MON_ERR_NOT_FOUND, err, id);
        goto done;
    }
    c.cmd = e->cmd;
    c.opaque = e->opaque;
    JsonValue *empty = json_object();
    if (!empty) {
        qmp_reply_error(out, MON_ERR_GENERIC, "out of memory", id);
        goto done;
    }
    int r = run_call(&c, args ? args : empty);
    json_free(empty);
    if (r < 0) {
        qmp_reply_error(out, c.err_class, c.err, id);
        goto done;
    }
    if (caps)
        *negotiated = true;
    jbuf_puts(out, "{\"return\": ");
    if (c.ret)
        json_write(out, c.ret);
    else
        jbuf_puts(out, "{}");
    if (id) {
        jbuf_puts(out, ", \"id\": ");
        json_write(out, id);
    }
    jbuf_puts(out, "}");
    if (out->overflow) { /* a reply too big to send: say so instead */
        jbuf_free(out);
        qmp_reply_error(out, MON_ERR_GENERIC, "the reply is too large", id);
    }
done:
    json_free(c.ret);
    json_free(req);
}

void monitor_qmp_request(Monitor *mon, const char *text, size_t len, JsonBuf *out)
{
    bool negotiated = true;
    mon_qmp_dispatch(mon, text, len, &negotiated, out);
}

/* ---- HMP ---- */

/* The next word of an HMP line: a run of non-blanks, or a "quoted string"
 * with \" and \\; NULL at the end of the line or on an unterminated
 * quote (*bad set).  The word is copied into w (cap bytes). */
static const char *next_word(const char *p, char *w, size_t cap, bool *bad)
{
    while (*p == ' ' || *p == '\t')
        p++;
    if (!*p)
        return NULL;
    size_t n = 0;
    if (*p == '"') {
        p++;
        while (*p && *p != '"') {
            if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
                p++;
            if (n + 1 < cap)
                w[n++] = *p;
            p++;
        }
        if (*p != '"') {
            w[n] = '\0'; /* the caller may still look at the word */
            *bad = true;
            return NULL;
        }
        p++;
    } else {
        while (*p && *p != ' ' && *p != '\t') {
            if (n + 1 < cap)
                w[n++] = *p;
            p++;
        }
    }
    w[n] = '\0';
    return p;
}

static void hmp_usage(JsonBuf *b, const MonCommand *cmd)
{
    jbuf_puts(b, cmd->hmp);
    for (int i = 0; i < nargs(cmd); i++) {
        const MonArg *a = &cmd->args[i];
        jbuf_printf(b, " %s%s%s%s", a->optional ? "[" : "", a->name,
                    a->type == MON_ARG_KEYVAL ? ",key=value,..." : a->type == MON_ARG_REST ? "..." : "",
                    a->optional ? "]" : "");
    }
}

/* Convert one HMP word into an argument of type t. */
static JsonValue *hmp_value(MonCall *c, const MonArg *a, const char *w)
{
    if (a->type == MON_ARG_INT) {
        char *end;
        errno = 0;
        long long v = strtoll(w, &end, 0);
        if (end == w || *end || errno == ERANGE) {
            mon_error(c, MON_ERR_GENERIC, "'%s' is not an integer (for %s)", w, a->name);
            return NULL;
        }
        return json_int(v);
    }
    if (a->type == MON_ARG_BOOL) {
        if (!strcmp(w, "on") || !strcmp(w, "true") || !strcmp(w, "yes"))
            return json_bool(true);
        if (!strcmp(w, "off") || !strcmp(w, "false") || !strcmp(w, "no"))
            return json_bool(false);
        mon_error(c, MON_ERR_GENERIC, "'%s' is not on/off (for %s)", w, a->name);
        return NULL;
    }
    return json_string(w);
}

/* "first,key=value,...": the first item is the argument, each key=value
 * one more member. */
static int hmp_keyval(MonCall *c, const MonArg *a, const char *w, JsonValue *args)
{
    const char *p = w;
    bool first = true;
    while (*p || first) {
        size_t n = strcspn(p, ",");
        char item[MON_MAX_LINE];
        memcpy(item, p, n);
        item[n] = '\0';
        if (first) {
            if (!n) {
                mon_error(c, MON_ERR_GENERIC, "%s must not be empty", a->name);
                return -1;
            }
            json_set_str(args, a->name, item);
            first = false;
        } else {
            char *eq = strchr(item, '=');
            if (!eq || eq == item) {
                mon_error(c, MON_ERR_GENERIC, "'%s' is not key=value", item);
                return -1;
            }
            *eq = '\0';
            if (json_get(args, item)) {
                mon_error(c, MON_ERR_GENERIC, "'%s' given twice", item);
                return -1;
            }
            json_set_str(args, item, eq + 1);
        }
        p += n;
        if (*p == ',')
            p++;
    }
    return 0;
}

/* The row named by the line's first word(s): "info X" is two words. */
static const MonEntry *hmp_lookup(Monitor *mon, const char *line, const char **rest, char *word,
                                  size_t cap)
{
    bool bad = false;
    const char *p = next_word(line, word, cap, &bad);
    if (!p)
        return NULL;
    *rest = p;
    char two[MON_MAX_LINE + 8];
    char w2[MON_MAX_LINE];
    w2[0] = '\0';
    const char *q = next_word(p, w2, sizeof w2, &bad);
    size_t l1 = strlen(word), l2 = q ? strlen(w2) : 0;
    if (q && l1 + 1 + l2 < sizeof two) {
        memcpy(two, word, l1);
        two[l1] = ' ';
        memcpy(two + l1 + 1, w2, l2 + 1);
        const MonEntry *e = find_hmp(mon, two);
        if (e) {
            *rest = q;
            return e;
        }
        if (!strcmp(word, "info")) { /* an info subcommand nobody has */
            size_t n = strlen(two) < cap ? strlen(two) : cap - 1;
            memcpy(word, two, n);
            word[n] = '\0';
            return NULL;
        }
    }
    return find_hmp(mon, word);
}

void monitor_hmp_line(Monitor *mon, const char *line, JsonBuf *out)
{
    char word[MON_MAX_LINE];
    const char *rest = NULL;
    if (strlen(line) >= MON_MAX_LINE) {
        jbuf_printf(out, "Error: line longer than %d bytes\n", MON_MAX_LINE - 1);
        return;
    }
    bool bad = false;
    if (!next_word(line, word, sizeof word, &bad)) {
        if (bad)
            jbuf_puts(out, "Error: unterminated quote\n");
        return; /* else an empty line */
    }
    const MonEntry *e = hmp_lookup(mon, line, &rest, word, sizeof word);
    if (!e) {
        jbuf_printf(out, "unknown command: '%s' (try 'help')\n", word);
        return;
    }
    MonCall c = { .mon = mon, .cmd = e->cmd, .opaque = e->opaque, .hmp = true, .out = out };
    JsonValue *args = json_object();
    if (!args) {
        jbuf_puts(out, "Error: out of memory\n");
        return;
    }
    const MonCommand *cmd = e->cmd;
    int i;
    for (i = 0; i < nargs(cmd); i++) {
        const MonArg *a = &cmd->args[i];
        if (a->type == MON_ARG_REST) {
            while (*rest == ' ' || *rest == '\t')
                rest++;
            if (*rest)
                json_set_str(args, a->name, rest);
            rest += strlen(rest);
            continue;
        }
        const char *p = next_word(rest, word, sizeof word, &bad);
        if (!p) {
            if (bad) {
                mon_error(&c, MON_ERR_GENERIC, "unterminated quote");
                goto fail;
            }
            break;
        }
        rest = p;
        if (a->type == MON_ARG_KEYVAL) {
            if (hmp_keyval(&c, a, word, args) < 0)
                goto fail;
            continue;
        }
        JsonValue *v = hmp_value(&c, a, word);
        if (!v)
            goto fail;
        json_set(args, a->name, v);
    }
    const char *extra = next_word(rest, word, sizeof word, &bad);
    if (bad || extra) {
        mon_error(&c, MON_ERR_GENERIC, bad ? "unterminated quote" : "too many arguments");
        goto fail;
    }
    if (run_call(&c, args) < 0)
        goto fail;
    if (cmd->print)
        cmd->print(&c, c.ret);
    else if (c.ret && !(c.ret->type == JSON_OBJECT && c.ret->u.obj.n == 0)) {
        json_write(out, c.ret);
        jbuf_puts(out, "\n");
    }
    json_free(c.ret);
    json_free(args);
    return;
fail:
    jbuf_printf(out, "Error: %s", c.err);
    if (c.err_class == MON_ERR_GENERIC && strstr(c.err, "Parameter '")) {
        jbuf_puts(out, " (usage: ");
        hmp_usage(out, cmd);
        jbuf_puts(out, ")");
    }
    jbuf_puts(out, "\n");
    json_free(c.ret);
    json_free(args);
}

/* ---- the monitor's own commands ---- */

static int cmd_qmp_capabilities(MonCall *c)
{
    const JsonValue *en = json_get(c->args, "enable");
    if (en && en->type != JSON_ARRAY) {
        mon_error(c, MON_ERR_GENERIC, "Invalid parameter type for 'enable', expected: array");
        return -1;
    }
    if (en && en->u.arr.n) {
        const JsonValue *x = en->u.arr.items[0];
        mon_error(c, MON_ERR_GENERIC, "Capability '%.64s' not available",
                  x->type == JSON_STRING ? x->u.str.s : "?");
        return -1;
    }
    return 0;
}

static int cmd_query_commands(MonCall *c)
{
    if (!(c->ret = json_array()))
        return -1;
    for (size_t i = 0; i < c->mon->ncmds; i++) {
        if (!c->mon->cmds[i].cmd->name)
            continue;
        JsonValue *o = json_object();
        if (!o || json_set_str(o, "name", c->mon->cmds[i].cmd->name) < 0 || json_append(c->ret, o) < 0) {
            mon_error(c, MON_ERR_GENERIC, "out of memory");
            return -1;
        }
    }
    return 0;
}

static int cmd_query_version(MonCall *c)
{
    JsonValue *q = json_object();
    if (!(c->ret = json_object()) || !q) {
        json_free(q);
        return -1;
    }
    json_set_int(q, "major", MONITOR_VERSION_MAJOR);
    json_set_int(q, "minor", MONITOR_VERSION_MINOR);
    json_set_int(q, "micro", MONITOR_VERSION_MICRO);
    json_set(c->ret, "qemu", q);
    json_set_str(c->ret, "package", MONITOR_PACKAGE);
    return 0;
}

static void print_version(MonCall *c, const JsonValue *ret)
{
    (void)ret;
    mon_printf(c, "%d.%d.%d (%s)\n", MONITOR_VERSION_MAJOR, MONITOR_VERSION_MINOR,
               MONITOR_VERSION_MICRO, MONITOR_PACKAGE);
}

static int cmd_hmc(MonCall *c)
{
    JsonBuf b;
    jbuf_init(&b, MON_REPLY_CAP / 2);
    monitor_hmp_line(c->mon, mon_arg_str(c, "command-line", ""), &b);
    c->ret = b.overflow ? NULL : json_string_len(b.data ? b.data : "", b.len);
    jbuf_free(&b);
    if (!c->ret) {
        mon_error(c, MON_ERR_GENERIC, "the command's output is too large");
        return -1;
    }
    return 0;
}

static int cmd_help(MonCall *c)
{
    const char *only = mon_arg_str(c, "command", NULL);
    bool found = false;
    for (size_t i = 0; i < c->mon->ncmds; i++) {
        const MonCommand *cmd = c->mon->cmds[i].cmd;
        /* "help info" lists "info" and every "info X" */
        if (!cmd->hmp || (only && strcmp(cmd->hmp, only) &&
                          (strncmp(cmd->hmp, only, strlen(only)) || cmd->hmp[strlen(only)] != ' ')))
            continue;
        JsonBuf u;
        jbuf_init(&u, 1024);
        hmp_usage(&u, cmd);
        mon_printf(c, "%-32s -- %s\n", u.data ? u.data : cmd->hmp, cmd->help ? cmd->help : "");
        jbuf_free(&u);
        found = true;
    }
    if (only && !found) {
        mon_error(c, MON_ERR_GENERIC, "no command '%s'", only);
        return -1;
    }
    return 0;
}

static int cmd_info(MonCall *c)
{
    for (size_t i = 0; i < c->mon->ncmds; i++) {
        const MonCommand *cmd = c->mon->cmds[i].cmd;
        if (cmd->hmp && !strncmp(cmd->hmp, "info ", 5))
            mon_printf(c, "%-24s -- %s\n", cmd->hmp, cmd->help ? cmd->help : "");
    }
    return 0;
}

static const MonCommand builtin[] = {
    { .name = "qmp_capabilities", .help = "finish the capabilities negotiation (QMP)",
      .fn = cmd_qmp_capabilities, .flags = MON_CMD_PRECAPS,
      .args = { { "enable", MON_ARG_ANY, true, "capabilities to enable (none are offered)" } } },
    { .name = "query-commands", .help = "the QMP commands", .fn = cmd_query_commands },
    { .name = "query-version", .hmp = "info version", .help = "the emulator's version",
      .fn = cmd_query_version, .print = print_version },
    { .name = "human-monitor-command", .help = "run a human monitor command line, return its output",
      .fn = cmd_hmc,
      .args = { { "command-line", MON_ARG_STR, false, "the line" },
                { "cpu-index", MON_ARG_INT, true, "ignored: one CPU" } } },
    { .hmp = "help", .help = "list the commands, or one", .fn = cmd_help,
      .args = { { "command", MON_ARG_REST, true, "a command" } } },
    { .hmp = "info", .help = "list the info subcommands", .fn = cmd_info },
};

Monitor *monitor_new(void)
{
    Monitor *mon = calloc(1, sizeof *mon);
    if (!mon)
        return NULL;
    if (monitor_register_table(mon, builtin, sizeof builtin / sizeof builtin[0], NULL) < 0) {
        free(mon->cmds);
        free(mon);
        return NULL;
    }
    return mon;
}

void monitor_free(Monitor *mon)
{
    if (!mon)
        return;
    mon_server_close(mon);
    free(mon->cmds);
    free(mon);
}
