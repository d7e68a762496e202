/* The monitor's migration commands (docs/monitor.md, docs/migration.md):
 * migrate, migrate_cancel, query-migrate / info migrate,
 * migrate-set-parameters / migrate_set_parameter, query-migrate-parameters
 * / info migrate_parameters, migrate-incoming, and the MIGRATION event.
 * Rows registered with the MigLive as their opaque. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "migration/live.h"
#include "monitor/monitor.h"

static void emit_status(void *opaque, MigStatus s)
{
    MigLive *L = opaque;
    JsonValue *d = json_object();
    if (d)
        json_set_str(d, "status", mig_status_name(s));
    monitor_event(L->m->mon, "MIGRATION", d);
}

static int cmd_migrate(MonCall *c)
{
    MigLive *L = c->opaque;
    const char *uri = mon_arg_str(c, "uri", "");
    char err[MIG_ERR];
    if (L->m->run_state == MACHINE_INMIGRATE) {
        mon_error(c, MON_ERR_GENERIC, "the VM waits for an incoming migration: nothing to send");
        return -1;
    }
    if (mig_live_start(L, uri, err, sizeof err) < 0) {
        mon_error(c, MON_ERR_GENERIC, "%s", err);
        return -1;
    }
    return 0;
}

static int cmd_migrate_cancel(MonCall *c)
{
    mig_live_cancel(c->opaque); /* nothing in progress: nothing to do, as QEMU's */
    return 0;
}

static JsonValue *obj_int(JsonValue *o, const char *name, uint64_t v)
{
    json_set_int(o, name, (int64_t)(v > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : v));
    return o;
}

static int cmd_query_migrate(MonCall *c)
{
    MigLive *L = c->opaque;
    JsonValue *r = json_object(), *ram = json_object();
    if (!r || !ram) {
        json_free(r);
        json_free(ram);
        mon_error(c, MON_ERR_GENERIC, "out of memory");
        return -1;
    }
    json_set_str(r, "status", mig_status_name(L->status));
    if (L->status != MIG_STATUS_NONE) {
        bool done = !mig_live_active(L);
        obj_int(r, "setup-time", L->setup_ms);
        if (done)
            obj_int(r, "total-time", L->total_ms);
        else
            obj_int(r, "total-time", 0);
        if (L->status == MIG_STATUS_COMPLETED)
            obj_int(r, "downtime", L->downtime_ms);
        if (L->status == MIG_STATUS_ACTIVE)
            obj_int(r, "expected-downtime", L->expected_downtime_ms);
        obj_int(ram, "transferred", L->sent);
        obj_int(ram, "remaining", L->status == MIG_STATUS_COMPLETED ? 0 : L->remaining);
        obj_int(ram, "total", L->m->cfg.ram_size);
        obj_int(ram, "normal", L->st.pages_data);
        obj_int(ram, "normal-bytes", L->st.pages_data * MIG_PAGE_SIZE);
        obj_int(ram, "duplicate", L->st.pages_zero + L->st.pages_skipped);
        obj_int(ram, "dirty-pages-rate", L->dirty_rate);
        obj_int(ram, "dirty-sync-count", L->rounds);
        obj_int(ram, "page-size", MIG_PAGE_SIZE);
        json_set(ram, "mbps", json_double((double)L->bandwidth * 8 / 1e6));
        json_set(r, "ram", ram);
        ram = NULL;
        if (L->status == MIG_STATUS_FAILED || L->status == MIG_STATUS_CANCELLED)
            json_set_str(r, "error-desc", L->error);
    }
    json_free(ram);
    c->ret = r;
    return 0;
}

/* info migrate: the status and one progress line. */
static void print_migrate(MonCall *c, const JsonValue *ret)
{
    (void)ret;
    MigLive *L = c->opaque;
    mon_printf(c, "Migration status: %s\n", mig_status_name(L->status));
    if (L->status == MIG_STATUS_NONE)
        return;
    mon_printf(c, "round %" PRIu64 ": %" PRIu64 " KiB sent, %" PRIu64 " KiB remaining of %" PRIu32
               " KiB, %" PRIu64 " pages/s dirtied, %" PRIu64 " KiB/s, downtime %s%" PRIu64
               " ms (limit %" PRIu64 " ms)\n",
               L->rounds, L->sent >> 10, (L->status == MIG_STATUS_COMPLETED ? 0 : L->remaining) >> 10,
               L->m->cfg.ram_size >> 10, L->dirty_rate, L->bandwidth >> 10,
               L->status == MIG_STATUS_COMPLETED ? "" : "expected ",
               L->status == MIG_STATUS_COMPLETED ? L->downtime_ms : L->expected_downtime_ms,
               L->downtime_limit_ms);
    if (!mig_live_active(L))
        mon_printf(c, "total time: %" PRIu64 " ms\n", L->total_ms);
    if ((L->status == MIG_STATUS_FAILED || L->status == MIG_STATUS_CANCELLED) && L->error[0])
        mon_printf(c, "error: %s\n", L->error);
}

static int set_param(MonCall *c, MigLive *L, const char *name, long long v)
{
    if (!strcmp(name, "downtime-limit")) {
        if (v < 0 || v > MIG_MAX_DOWNTIME_MS) {
            mon_error(c, MON_ERR_GENERIC, "Parameter 'downtime-limit' expects an integer in the range "
                      "of 0 to %d milliseconds", MIG_MAX_DOWNTIME_MS);
            return -1;
        }
        L->downtime_limit_ms = (uint64_t)v;
        return 0;
    }
    if (!strcmp(name, "max-bandwidth")) {
        if (v < 0) {
            mon_error(c, MON_ERR_GENERIC, "Parameter 'max-bandwidth' expects a size in bytes per "
                      "second, 0 for no limit");
            return -1;
        }
        L->max_bandwidth = (uint64_t)v;
        return 0;
    }
    mon_error(c, MON_ERR_GENERIC, "Parameter '%s' is unexpected (downtime-limit, max-bandwidth)", name);
    return -1;
}

static int cmd_set_parameters(MonCall *c)
{
    MigLive *L = c->opaque;
    /* both checked before either is set: a refused request changes nothing */
    bool has_dl = json_get(c->args, "downtime-limit") != NULL;
    bool has_bw = json_get(c->args, "max-bandwidth") != NULL;
    MigLive probe = *L;
    if ((has_dl && set_param(c, &probe, "downtime-limit", mon_arg_int(c, "downtime-limit", 0)) < 0) ||
        (has_bw && set_param(c, &probe, "max-bandwidth", mon_arg_int(c, "max-bandwidth", 0)) < 0))
        return -1;
    L->downtime_limit_ms = probe.downtime_limit_ms;
    L->max_bandwidth = probe.max_bandwidth;
    return 0;
}

static int cmd_set_parameter(MonCall *c)
{
    const char *name = mon_arg_str(c, "parameter", ""), *val = mon_arg_str(c, "value", "");
    char *end;
    long long v = strtoll(val, &end, 0);
    if (end == val || *end) {
        mon_error(c, MON_ERR_GENERIC, "Parameter '%s' expects an integer, not '%s'", name, val);
        return -1;
    }
    return set_param(c, c->opaque, name, v);
}

static int cmd_query_parameters(MonCall *c)
{
    MigLive *L = c->opaque;
    if (!(c->ret = json_object())) {
        mon_error(c, MON_ERR_GENERIC, "out of memory");
        return -1;
    }
    obj_int(c->ret, "downtime-limit", L->downtime_limit_ms);
    obj_int(c->ret, "max-bandwidth", L->max_bandwidth);
    return 0;
}

static void print_parameters(MonCall *c, const JsonValue *ret)
{
    (void)ret;
    MigLive *L = c->opaque;
    mon_printf(c, "downtime-limit: %" PRIu64 " ms\nmax-bandwidth: %" PRIu64 " bytes/second%s\n",
               L->downtime_limit_ms, L->max_bandwidth, L->max_bandwidth ? "" : " (no limit)");
}

static int cmd_migrate_incoming(MonCall *c)
{
    MigLive *L = c->opaque;
    const char *uri = mon_arg_str(c, "uri", "");
    if (L->defer_ready) {
        mon_error(c, MON_ERR_GENERIC, "The incoming migration has already been started");
        return -1;
    }
    if (!L->defer_waiting) {
        mon_error(c, MON_ERR_GENERIC, "migrate-incoming is only for a VM started with -incoming defer");
        return -1;
    }
    if (!strcmp(uri, "defer")) {
        mon_error(c, MON_ERR_GENERIC, "migrate-incoming needs the URI to listen on, not defer");
        return -1;
    }
    char err[MIG_ERR];
    /* listening before the reply: a source told to migrate after it finds the socket */
    if (mig_listen_in(&L->defer_conn, uri, err, sizeof err) < 0) {
        mon_error(c, MON_ERR_GENERIC, "%s", err);
        return -1;
    }
    snprintf(L->defer_uri, sizeof L->defer_uri, "%s", uri);
    L->defer_ready = true;
    return 0;
}

static const MonCommand mig_cmds[] = {
    { .name = "migrate", .hmp = "migrate", .help = "migrate the running VM live to a URI",
      .fn = cmd_migrate,
      .args = { { "uri", MON_ARG_STR, false, "unix:PATH, tcp:HOST:PORT, file:PATH, fd:N, exec:CMD" } } },
    { .name = "migrate_cancel", .hmp = "migrate_cancel", .help = "cancel the migration (the VM runs on)",
      .fn = cmd_migrate_cancel },
    { .name = "query-migrate", .hmp = "info migrate", .help = "the migration's status and progress",
      .fn = cmd_query_migrate, .print = print_migrate },
    { .name = "migrate-set-parameters", .help = "set migration parameters", .fn = cmd_set_parameters,
      .args = { { "downtime-limit", MON_ARG_INT, true, "ms the VM may be stopped at the end" },
                { "max-bandwidth", MON_ARG_INT, true, "bytes per second, 0 for no limit" } } },
    { .hmp = "migrate_set_parameter", .help = "set a migration parameter", .fn = cmd_set_parameter,
      .args = { { "parameter", MON_ARG_STR, false, "downtime-limit or max-bandwidth" },
                { "value", MON_ARG_STR, false, "ms, or bytes per second" } } },
    { .name = "query-migrate-parameters", .hmp = "info migrate_parameters",
      .help = "the migration parameters", .fn = cmd_query_parameters, .print = print_parameters },
    { .name = "migrate-incoming", .hmp = "migrate_incoming",
      .help = "-incoming defer: the URI to receive the migration on", .fn = cmd_migrate_incoming,
      .args = { { "uri", MON_ARG_STR, false, "unix:PATH, tcp:HOST:PORT, file:PATH, fd:N, exec:CMD" } } },
};

int mig_monitor_attach(MigLive *L, struct Monitor *mon)
{
    if (!mon)
        return 0;
    if (monitor_register_table(mon, mig_cmds, sizeof mig_cmds / sizeof mig_cmds[0], L) < 0) {
        monitor_unregister(mon, L);
        return -1;
    }
    L->event = emit_status;
    L->event_opaque = L;
    return 0;
}

void mig_monitor_detach(MigLive *L, struct Monitor *mon)
{
    monitor_unregister(mon, L);
    L->event = NULL;
}
