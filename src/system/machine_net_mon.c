/* The monitor's PCI and network commands: device_add, device_del (with
 * DEVICE_DELETED), netdev_add, netdev_del, object-add/object-del
 * (filter-dump), query-pci / info pci and info network, each a thin row
 * over src/system/hotplug.h.  QMP arguments ({"driver": "ne2k_pci",
 * "id": "nic1", ...}) and HMP's "ne2k_pci,id=nic1,..." become the same
 * QEMU-style option string. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "monitor/monitor.h"
#include "system/hotplug.h"
#include "system/machine.h"

enum { OPTS_MAX = 1024, INFO_MAX = 16384, PCI_MAX = 32 };

/* first,key=value,... from the call's arguments: `first` names the
 * member that leads (driver, type, qom-type); -1 after mon_error. */
static int build_opts(MonCall *c, const char *first, char *out, size_t outlen)
{
    const char *lead = mon_arg_str(c, first, NULL);
    if (!lead || !lead[0]) {
        mon_error(c, MON_ERR_GENERIC, "Parameter '%s' is missing", first);
        return -1;
    }
    size_t n = (size_t)snprintf(out, outlen, "%s", lead);
    const JsonValue *a = c->args;
    for (size_t i = 0; a && a->type == JSON_OBJECT && i < a->u.obj.n; i++) {
        const JsonMember *mb = &a->u.obj.m[i];
        if (!strcmp(mb->name, first))
            continue;
        char val[256];
        const JsonValue *v = mb->value;
        if (v->type == JSON_STRING)
            snprintf(val, sizeof val, "%s", v->u.str.s);
        else if (v->type == JSON_BOOL)
            snprintf(val, sizeof val, "%s", v->u.b ? "on" : "off");
        else if (v->type == JSON_NUMBER && v->u.num.is_int)
            snprintf(val, sizeof val, "%" PRId64, v->u.num.i);
        else {
            mon_error(c, MON_ERR_GENERIC, "Parameter '%s' expects a string, number or boolean", mb->name);
            return -1;
        }
        /* the option syntax has no escapes here: a comma or '=' would
         * smuggle in another property */
        if (strchr(val, ',') || strchr(mb->name, ',') || strchr(mb->name, '=') ||
            strlen(val) != (v->type == JSON_STRING ? v->u.str.len : strlen(val))) {
            mon_error(c, MON_ERR_GENERIC, "Parameter '%s' has a value that cannot be passed on", mb->name);
            return -1;
        }
        int k = snprintf(out + n, outlen - n, ",%s=%s", mb->name, val);
        if (k < 0 || (size_t)k >= outlen - n) {
            mon_error(c, MON_ERR_GENERIC, "too many or too long properties");
            return -1;
        }
        n += (size_t)k;
    }
    return 0;
}

static int hotplug_result(MonCall *c, int r, const char *err, MonErrClass cls)
{
    if (r < 0) {
        mon_error(c, cls, "%s", err);
        return -1;
    }
    return 0;
}

static int cmd_device_add(MonCall *c)
{
    char opts[OPTS_MAX], err[256];
    if (build_opts(c, "driver", opts, sizeof opts) < 0)
        return -1;
    return hotplug_result(c, hotplug_device_add(c->opaque, opts, err, sizeof err), err, MON_ERR_GENERIC);
}

void machine_net_device_deleted(Machine *m, const char *id)
{
    if (!m->mon)
        return;
    JsonValue *d = json_object();
    if (d) {
        char path[160];
        snprintf(path, sizeof path, "/machine/peripheral/%s", id);
        json_set_str(d, "device", id);
        json_set_str(d, "path", path);
    }
    monitor_event(m->mon, "DEVICE_DELETED", d);
}

static int cmd_device_del(MonCall *c)
{
    Machine *m = c->opaque;
    const char *id = mon_arg_str(c, "id", "");
    char err[256];
    int r = hotplug_device_del(m, id, err, sizeof err);
    if (r < 0) /* not found, or a request already pending */
        return hotplug_result(c, -1, err, strstr(err, "pending") ? MON_ERR_GENERIC : MON_ERR_DEVICE_NOT_FOUND);
    /* a surprise removal (docs/network.md): the card is gone now, so the
     * event follows at once; behind a bridge (r == 1) it follows when the
     * guest released the card (hotplug_bridge_poll) */
    if (r == 0)
        machine_net_device_deleted(m, id);
    return 0;
}

static int cmd_netdev_add(MonCall *c)
{
    char opts[OPTS_MAX], err[256];
    if (build_opts(c, "type", opts, sizeof opts) < 0)
        return -1;
    return hotplug_result(c, hotplug_netdev_add(c->opaque, opts, err, sizeof err), err, MON_ERR_GENERIC);
}

static int cmd_netdev_del(MonCall *c)
{
    char err[256];
    return hotplug_result(c, hotplug_netdev_del(c->opaque, mon_arg_str(c, "id", ""), err, sizeof err), err,
                          MON_ERR_DEVICE_NOT_FOUND);
}

static int cmd_object_add(MonCall *c)
{
    char opts[OPTS_MAX], err[256];
    if (build_opts(c, "qom-type", opts, sizeof opts) < 0)
        return -1;
    return hotplug_result(c, hotplug_object_add(c->opaque, opts, err, sizeof err), err, MON_ERR_GENERIC);
}

static int cmd_object_del(MonCall *c)
{
    char err[256];
    return hotplug_result(c, hotplug_object_del(c->opaque, mon_arg_str(c, "id", ""), err, sizeof err), err,
                          MON_ERR_GENERIC);
}

/* QEMU's query-pci shape: [{"bus": 0, "devices": [...]}] */
static int cmd_query_pci(MonCall *c)
{
    HotplugPciInfo *info = calloc(PCI_MAX, sizeof *info);
    JsonValue *buses = json_array(), *bus = json_object(), *devs = json_array();
    if (!info || !buses || !bus || !devs) {
        free(info), json_free(buses), json_free(bus), json_free(devs);
        mon_error(c, MON_ERR_GENERIC, "out of memory");
        return -1;
    }
    int n = hotplug_query_pci(c->opaque, info, PCI_MAX);
    for (int i = 0; i < n; i++) {
        const HotplugPciInfo *p = &info[i];
        JsonValue *d = json_object(), *cls = json_object(), *id = json_object(), *regs = json_array();
        if (!d || !cls || !id || !regs) {
            json_free(d), json_free(cls), json_free(id), json_free(regs);
            continue;
        }
        json_set_int(d, "bus", p->bus);
        json_set_int(d, "slot", p->slot);
        json_set_int(d, "function", p->function);
        json_set_int(cls, "class", p->class_code);
        json_set(d, "class_info", cls);
        json_set_int(id, "vendor", p->vendor);
        json_set_int(id, "device", p->device);
        json_set(d, "id", id);
        if (p->pin)
            json_set_int(d, "irq", p->irq);
        if (p->id[0])
            json_set_str(d, "qdev_id", p->id);
        if (p->unplug_pending) /* device_del asked the guest, no answer yet */
            json_set_bool(d, "unplug-pending", true);
        for (int b = 0; b < 7; b++) {
            if (!p->bar[b].type)
                continue;
            JsonValue *r = json_object();
            if (!r)
                continue;
            json_set_int(r, "bar", b == 6 ? 6 : b);
            json_set_str(r, "type", b == 6 ? "rom" : p->bar[b].type == 1 ? "io" : "memory");
            json_set_int(r, "address", p->bar[b].addr);
            json_set_int(r, "size", p->bar[b].size);
            json_set_bool(r, "mapped", p->bar[b].mapped);
            json_append(regs, r);
        }
        json_set(d, "regions", regs);
        json_append(devs, d);
    }
    free(info);
    json_set_int(bus, "bus", 0);
    json_set(bus, "devices", devs);
    json_append(buses, bus);
    c->ret = buses;
    return 0;
}

static int cmd_info_text(MonCall *c, int (*fn)(Machine *, char *, size_t, char *, size_t))
{
    char *buf = malloc(INFO_MAX), err[256];
    if (!buf) {
        mon_error(c, MON_ERR_GENERIC, "out of memory");
        return -1;
    }
    int r = fn(c->opaque, buf, INFO_MAX, err, sizeof err);
    if (r < 0)
        mon_error(c, MON_ERR_GENERIC, "%s", err);
    else
        mon_printf(c, "%s", buf);
    free(buf);
    return r < 0 ? -1 : 0;
}

static int cmd_info_pci(MonCall *c) { return cmd_info_text(c, hotplug_info_pci); }
static int cmd_info_network(MonCall *c) { return cmd_info_text(c, hotplug_info_network); }

static const MonCommand net_cmds[] = {
    { .name = "device_add", .hmp = "device_add", .help = "add a PCI card: ne2k_pci|rtl8139,id=ID[,netdev=N,mac=,romfile=,bus=BRIDGE], or pci-bridge,id=ID",
      .fn = cmd_device_add, .flags = MON_CMD_EXTRA_ARGS,
      .args = { { "driver", MON_ARG_KEYVAL, false, "driver,prop=value,..." } } },
    { .name = "device_del", .hmp = "device_del", .help = "remove a card: at once on the root bus (surprise removal), when the guest releases it behind a pci-bridge",
      .fn = cmd_device_del, .args = { { "id", MON_ARG_STR, false, "the device's id" } } },
    { .name = "netdev_add", .hmp = "netdev_add", .help = "add a backend: user|socket|tap|hubport,id=ID,...",
      .fn = cmd_netdev_add, .flags = MON_CMD_EXTRA_ARGS,
      .args = { { "type", MON_ARG_KEYVAL, false, "type,prop=value,..." } } },
    { .name = "netdev_del", .hmp = "netdev_del", .help = "remove a backend (its card's cable is pulled)",
      .fn = cmd_netdev_del, .args = { { "id", MON_ARG_STR, false, "the backend's id" } } },
    { .name = "object-add", .hmp = "object_add", .help = "add a filter-dump,id=ID,netdev=N,file=PATH",
      .fn = cmd_object_add, .flags = MON_CMD_EXTRA_ARGS,
      .args = { { "qom-type", MON_ARG_KEYVAL, false, "filter-dump,prop=value,..." } } },
    { .name = "object-del", .hmp = "object_del", .help = "remove a filter-dump",
      .fn = cmd_object_del, .args = { { "id", MON_ARG_STR, false, "the object's id" } } },
    { .name = "query-pci", .help = "the PCI bus and its functions", .fn = cmd_query_pci },
    { .hmp = "info pci", .help = "the PCI bus and its functions", .fn = cmd_info_pci },
    { .hmp = "info network", .help = "the cards, their backends and counters", .fn = cmd_info_network },
};

int machine_net_monitor_attach(Machine *m, struct Monitor *mon)
{
    return monitor_register_table(mon, net_cmds, sizeof net_cmds / sizeof net_cmds[0], m);
}
