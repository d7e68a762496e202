/* The irqsoff tracer on the machine (trace_mon.h): the clock it measures
 * with, -trace-irqsoff, the monitor commands (docs/monitor.md) and the
 * report at exit.  The tracer itself (src/trace) knows nothing of the
 * machine or the monitor. */
#define _POSIX_C_SOURCE 200809L
#include "system/trace_mon.h"
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "monitor/monitor.h"
#include "system/machine.h"
#include "trace/ftrace.h"
#include "trace/irqsoff.h"
#include "trace/symmap.h"

enum { TRACE_PATH_MAX = 4096 };

struct TraceMon {
    Machine *m;
    Irqsoff t;
    SymMap map;
    char file[TRACE_PATH_MAX]; /* -trace-irqsoff file=: the report at exit ("" none) */
    bool report_at_exit;
};

/* Virtual ns at an instruction count: under -icount exactly the machine's
 * clock (vclock.h) at that count, not at the block's end as
 * vclock_now would see it in the middle of one; with host time, now. */
static uint64_t trace_clock(void *opaque, uint64_t insns)
{
    const VClock *c = opaque;
    if (c->icount)
        return ((insns - c->insn_origin) << c->shift) + c->warp_ns;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    return now - c->origin_ns;
}

static int parse_u64(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (n == 0 || n > 19)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return 0;
}

static int load_map(TraceMon *tm, const char *path, char *err, size_t errlen)
{
    SymMap nm;
    if (symmap_load(&nm, path, err, errlen) < 0)
        return -1;
    symmap_free(&tm->map);
    tm->map = nm;
    return 0;
}

/* file=PATH,thresh=NS,map=PATH,trace=on|off, or "on" */
static int parse_spec(TraceMon *tm, const char *spec, IrqsoffConfig *cfg, char *err, size_t errlen)
{
    const char *p = spec;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        size_t kl = eq ? (size_t)(eq - p) : n;
        const char *v = eq ? eq + 1 : "";
        size_t vl = eq ? n - kl - 1 : 0;
        char val[TRACE_PATH_MAX];
        if (vl >= sizeof val) {
            snprintf(err, errlen, "-trace-irqsoff: value too long");
            return -1;
        }
        memcpy(val, v, vl);
        val[vl] = 0;
        if (!eq && kl == 2 && !strncmp(p, "on", 2)) {
            /* defaults */
        } else if (eq && kl == 4 && !strncmp(p, "file", 4) && vl) {
            memcpy(tm->file, val, vl + 1);
        } else if (eq && kl == 6 && !strncmp(p, "thresh", 6)) {
            if (parse_u64(v, vl, &cfg->thresh_ns) < 0) {
                snprintf(err, errlen, "-trace-irqsoff: thresh wants a number of ns, not '%s'", val);
                return -1;
            }
        } else if (eq && kl == 3 && !strncmp(p, "map", 3) && vl) {
            if (load_map(tm, val, err, errlen) < 0)
                return -1;
        } else if (eq && kl == 5 && !strncmp(p, "trace", 5) && (!strcmp(val, "on") || !strcmp(val, "off"))) {
            cfg->trace = !strcmp(val, "on");
        } else {
            snprintf(err, errlen, "-trace-irqsoff: unknown item '%.*s' (want file=, thresh=, map=, trace=on|off)",
                     (int)(n > 200 ? 200 : n), p);
            return -1;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    return 0;
}

/* ---- monitor commands ---- */

static int cmd_start(MonCall *c)
{
    TraceMon *tm = c->opaque;
    long long th = mon_arg_int(c, "thresh", (long long)tm->t.cfg.thresh_ns);
    if (th < 0) {
        mon_error(c, MON_ERR_GENERIC, "thresh must be >= 0 (ns)");
        return -1;
    }
    IrqsoffConfig cfg = { .thresh_ns = (uint64_t)th, .trace = mon_arg_bool(c, "trace", tm->t.cfg.trace) };
    char err[256];
    const char *map = mon_arg_str(c, "map", NULL);
    if ((map && load_map(tm, map, err, sizeof err) < 0) || irqsoff_start(&tm->t, &cfg, err, sizeof err) < 0) {
        mon_error(c, MON_ERR_GENERIC, "%s", err);
        return -1;
    }
    return 0;
}

static int cmd_stop(MonCall *c)
{
    irqsoff_stop(&((TraceMon *)c->opaque)->t);
    return 0;
}

static int cmd_reset(MonCall *c)
{
    irqsoff_reset(&((TraceMon *)c->opaque)->t);
    return 0;
}

static JsonValue *stretch_json(const TraceMon *tm, const IrqsoffStretch *s)
{
    JsonValue *o = json_object();
    if (!o)
        return NULL;
    char a[192], b[192];
    json_set_int(o, "latency-ns", (int64_t)s->ns);
    json_set_int(o, "instructions", (int64_t)s->insns);
    json_set_int(o, "start-insn", (int64_t)s->start_insn);
    json_set_int(o, "start-eip", s->start_eip);
    json_set_int(o, "end-eip", s->end_eip);
    json_set_str(o, "started-at", symmap_format(&tm->map, s->start_eip, 1, a, sizeof a));
    json_set_str(o, "ended-at", symmap_format(&tm->map, s->end_eip, 1, b, sizeof b));
    json_set_str(o, "start-cause", ftrace_if_cause(s->start_cause, 0));
    json_set_str(o, "end-cause", ftrace_if_cause(s->end_cause, 1));
    return o;
}

static int cmd_query(MonCall *c)
{
    TraceMon *tm = c->opaque;
    const Irqsoff *t = &tm->t;
    JsonValue *r = json_object(), *recs = json_array();
    if (!r || !recs) {
        json_free(r);
        json_free(recs);
        mon_error(c, MON_ERR_GENERIC, "out of memory");
        return -1;
    }
    json_set_bool(r, "enabled", t->on);
    json_set_bool(r, "trace", t->cfg.trace);
    json_set_int(r, "thresh-ns", (int64_t)t->cfg.thresh_ns);
    json_set_int(r, "count", (int64_t)t->count);
    json_set_int(r, "symbols", (int64_t)tm->map.nsyms);
    if (t->have_max)
        json_set(r, "max", stretch_json(tm, &t->max));
    for (uint32_t i = 0; i < t->nrecords; i++)
        json_append(recs, stretch_json(tm, &t->records[i]));
    json_set(r, "records", recs);
    json_set_int(r, "records-dropped", (int64_t)t->dropped);
    c->ret = r;
    return 0;
}

/* HMP info irqsoff: the ftrace report itself */
static int cmd_info(MonCall *c)
{
    TraceMon *tm = c->opaque;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) {
        mon_error(c, MON_ERR_GENERIC, "out of memory");
        return -1;
    }
    ftrace_irqsoff_report(&tm->t, &tm->map, "emu386-system", f);
    fclose(f);
    if (text)
        mon_printf(c, "%s", text);
    free(text);
    return 0;
}

static const MonCommand trace_cmds[] = {
    { .name = "trace-irqsoff-start", .hmp = "trace_irqsoff_start",
      .help = "arm the irqsoff tracer (thresh in ns: record every stretch over it)", .fn = cmd_start,
      .args = { { "thresh", MON_ARG_INT, true, "ns" }, { "trace", MON_ARG_BOOL, true, "instruction trace" },
                { "map", MON_ARG_STR, true, "System.map" } } },
    { .name = "trace-irqsoff-stop", .hmp = "trace_irqsoff_stop", .help = "disarm the irqsoff tracer",
      .fn = cmd_stop },
    { .name = "trace-irqsoff-reset", .hmp = "trace_irqsoff_reset",
      .help = "forget the irqsoff maximum and records", .fn = cmd_reset },
    { .name = "query-trace-irqsoff", .help = "the irqsoff tracer's maximum and records", .fn = cmd_query },
    { .hmp = "info irqsoff", .help = "the irqsoff latency trace (ftrace format)", .fn = cmd_info },
};

int trace_mon_attach(Machine *m, const char *spec, char *err, size_t errlen)
{
    TraceMon *tm = calloc(1, sizeof *tm);
    if (!tm) {
        snprintf(err, errlen, "irqsoff: out of memory");
        return -1;
    }
    tm->m = m;
    irqsoff_init(&tm->t, m->cpu, trace_clock, &m->clock);
    IrqsoffConfig cfg = { 0 };
    if (spec && (parse_spec(tm, spec, &cfg, err, errlen) < 0 || irqsoff_start(&tm->t, &cfg, err, errlen) < 0))
        goto fail;
    tm->report_at_exit = spec != NULL;
    if (monitor_register_table(m->cfg.monitor, trace_cmds, sizeof trace_cmds / sizeof trace_cmds[0], tm) < 0) {
        snprintf(err, errlen, "cannot register the irqsoff tracer's monitor commands");
        goto fail;
    }
    m->trace = tm;
    return 0;
fail:
    irqsoff_free(&tm->t);
    symmap_free(&tm->map);
    free(tm);
    return -1;
}

void trace_mon_detach(Machine *m)
{
    TraceMon *tm = m->trace;
    if (!tm)
        return;
    monitor_unregister(m->cfg.monitor, tm);
    irqsoff_stop(&tm->t);
    if (tm->report_at_exit) {
        FILE *f = tm->file[0] ? fopen(tm->file, "w") : stderr;
        if (!f)
            fprintf(stderr, "emu386-system: -trace-irqsoff: %s: %s\n", tm->file, strerror(errno));
        else {
            ftrace_irqsoff_report(&tm->t, &tm->map, "emu386-system", f);
            if (f != stderr)
                fclose(f);
        }
    }
    irqsoff_free(&tm->t);
    symmap_free(&tm->map);
    free(tm);
    m->trace = NULL;
}
