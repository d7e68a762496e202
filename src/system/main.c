/* emu386-system: run firmware-style code on the PC of docs/system.md. */
#define _POSIX_C_SOURCE 200809L /* sigaction, poll */
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gdb/gdb.h"
#include "gdb/gdb_tcp.h"
#include "monitor/monitor.h"
#include "progs/disasm.h"
#include "migration/live.h"
#include "migration/migration.h"
#include "system/hotplug.h"
#include "system/machine.h"
#include "system/ram.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: emu386-system -bios FILE [options]\n"
               "       emu386-system -kernel bzImage [-initrd FILE] [-append CMDLINE] [options]\n"
               "  -bios FILE    firmware image, ending at 0xFFFFFFFF (at most 16 MiB)\n"
               "  -kernel FILE  boot a Linux bzImage by the 32-bit boot protocol, no BIOS\n"
               "  -initrd FILE  the initial ramdisk for -kernel\n"
               "  -append LINE  the kernel command line for -kernel\n"
               "  -accel A      the engine: native (host code, x86-64 hosts: the default\n"
               "                there) or interp (the portable interpreter); also E386_ACCEL\n"
               "  -m SIZE       RAM size, with a K, M or G suffix (default 32M; bare number: MiB)\n"
               "  -no-reboot    a triple fault ends the run (status 3) instead of resetting\n"
               "  -d LIST       logs, comma-separated: post,int,cpu,exec,in_asm,op,mmu,unimp\n"
               "                (-d help says what each prints; exec and cpu turn block\n"
               "                chaining off so that every block is logged)\n"
               "  -D FILE       write the logs to FILE instead of stderr\n"
               "  -icount N     deterministic time: 2^N ns per guest instruction (N 0-10;\n"
               "                also shift=N); HLT skips to the next timer, nothing sleeps\n"
               "  -serial DEV   backend of the next serial port (COM1, then COM2): stdio,\n"
               "                file:PATH, unix:PATH,server, null or none (default: COM1 stdio)\n"
               "  -netdev TYPE,id=ID,...  a network backend: user, socket, tap, hubport\n"
               "                (docs/network.md)\n"
               "  -device ne2k_pci,id=ID[,netdev=ID][,mac=MAC][,romfile=PATH][,addr=SLOT][,bus=BRIDGE]\n"
               "                an NE2000 PCI card (RTL8029); rtl8139 takes the same options\n"
               "  -device pci-bridge,id=ID[,addr=SLOT]  a PCI bridge with hot-plug slots\n"
               "                (SHPC) the guest powers: cards with bus=ID (before them)\n"
               "  -object filter-dump,id=ID,netdev=ID,file=PATH[,maxlen=N]\n"
               "                record a netdev's frames in a pcap file\n"
               "  -nographic    accepted for QEMU compatibility (there is no display)\n"
               "  -qmp DEV      a QMP monitor: unix:PATH,server[,nowait|,wait] or\n"
               "                tcp:127.0.0.1:PORT,server[,nowait|,wait] (docs/monitor.md)\n"
               "  -monitor DEV  the human monitor: stdio or unix:PATH,server[,nowait|,wait]\n"
               "  -S            start stopped: nothing runs before the monitor's cont (or\n"
               "                with -gdb, before the debugger's continue)\n"
               "  -gdb tcp::PORT  a GDB stub on 127.0.0.1:PORT (docs/gdb.md); -s: tcp::1234\n"
               "  -loadvm FILE  resume the machine saved in FILE (same -m, -bios/-kernel, -icount)\n"
               "  -incoming URI wait for a migration stream, load it, then run: file:PATH,\n"
               "                unix:PATH, tcp:127.0.0.1:PORT, fd:N, exec:COMMAND, or defer\n"
               "                (the monitor's migrate-incoming gives the URI)\n"
               "  -trace-irqsoff [on|file=PATH][,thresh=NS][,map=System.map][,trace=on]\n"
               "                the irqsoff latency tracer; its report at exit (docs/tracing.md)\n"
               "  -savevm-at-insn N DEST  save the machine to DEST (a file or a URI as for\n"
               "                -incoming) at the first slice boundary after N instructions,\n"
               "                and run on (docs/migration.md)\n"
               "  -h, --help    this help\n"
               "  --version     print the version\n"
               "The guest ends the run by writing its exit status to port 0xF4.\n");
}

/* SIGINT/SIGTERM: the signal's number, polled by the main loop each slice
 * (MachineConfig.stop_signal), which then ends the run in order: the
 * terminal is restored and every device freed on the normal path.  This is
 * the program's one piece of static mutable state: a signal handler can
 * reach nothing else, and the library itself keeps none. */
static volatile sig_atomic_t stop_signal_no;

static void on_stop_signal(int sig) { stop_signal_no = sig; }

/* -savevm-at-insn N DEST: a snapshot between two slices, the machine
 * running on whatever happens to it. */
typedef struct SaveAt {
    uint64_t insn;
    const char *dest;
    bool done;
} SaveAt;

static void save_at_hook(Machine *m, void *opaque)
{
    SaveAt *s = opaque;
    uint64_t n = e386_insn_count(m->cpu);
    if (s->done || n < s->insn)
        return;
    s->done = true;
    MigStats st;
    char err[512];
    if (machine_migrate(m, s->dest, &st, err, sizeof err) < 0) {
        fprintf(stderr, "emu386-system: saving the machine to %s failed: %s (it runs on)\n", s->dest, err);
        return;
    }
    fprintf(stderr, "emu386-system: saved the machine to %s at instruction %llu: %llu bytes, %llu pages "
            "sent, %llu zero pages not sent\n", s->dest, (unsigned long long)n,
            (unsigned long long)st.bytes, (unsigned long long)st.pages_data,
            (unsigned long long)st.pages_skipped);
}

/* What runs between two slices: the -savevm-at-insn snapshot and the
 * steps of a live migration the monitor started. */
typedef struct Hooks {
    SaveAt save_at;
    MigLive *live;
    E386Gdb *gdb;
} Hooks;

static void slice_hooks(Machine *m, void *opaque)
{
    Hooks *h = opaque;
    if (h->gdb && gdb_between_runs(h->gdb) == GDB_KILL) {
        m->exit_requested = true; /* GDB's kill ends the run (status 0, as QEMU) */
        m->exit_status = 0;
        return;
    }
    if (h->save_at.dest)
        save_at_hook(m, &h->save_at);
    if (h->live)
        mig_live_step(h->live);
}

enum { MAX_WAIT_FDS = 32 };

/* The destination's MIGRATION events and query-migrate status, as QEMU's:
 * setup once it listens, active once the source connected and the stream
 * is read, then completed or failed. */
static void incoming_status(MigLive *live, MigStatus s)
{
    live->status = s;
    if (live->event)
        live->event(live->event_opaque, s);
}

/* An incoming migration on a machine with a monitor: for -incoming defer
 * wait on the monitor for migrate-incoming (or quit, or a signal); for a
 * URI, listen on it.  The monitor answers (query-status "inmigrate")
 * until a source connects; then the stream is read (the monitor waits,
 * the events go out).  0 to run; otherwise the exit status. */
static int incoming_with_monitor(Machine *m, MigLive *live, const char *uri, char *err, size_t errlen)
{
    m->run_state = MACHINE_INMIGRATE;
    if (uri) {
        if (mig_listen_in(&live->defer_conn, uri, err, errlen) < 0) {
            fprintf(stderr, "emu386-system: incoming migration refused: %s\n", err);
            return 1;
        }
        snprintf(live->defer_uri, sizeof live->defer_uri, "%s", uri);
    } else {
        live->defer_waiting = true;
        while (!live->defer_ready && !m->exit_requested && !stop_signal_no)
            monitor_poll(m->mon, 500); /* a hang guard against a signal racing the poll */
        if (m->exit_requested || stop_signal_no) {
            int status = m->exit_requested ? m->exit_status : 128 + (int)stop_signal_no;
            machine_monitor_exit(m, status);
            return status ? status : -1;
        }
    }
    incoming_status(live, MIG_STATUS_SETUP);
    if (!uri || live->defer_conn.listen_fd >= 0)
        fprintf(stderr, "emu386-system: waiting for the migration stream on %s\n", live->defer_uri);
    /* the monitor answers while no source has connected yet */
    while (live->defer_conn.listen_fd >= 0 && !m->exit_requested && !stop_signal_no) {
        struct pollfd pf[1 + MAX_WAIT_FDS];
        int fds[MAX_WAIT_FDS];
        int n = monitor_fds(m->mon, fds, MAX_WAIT_FDS);
        pf[0] = (struct pollfd){ live->defer_conn.listen_fd, POLLIN, 0 };
        for (int i = 0; i < n; i++)
            pf[1 + i] = (struct pollfd){ fds[i], POLLIN, 0 };
        if (poll(pf, (nfds_t)(1 + n), 500) > 0 && (pf[0].revents & (POLLIN | POLLERR | POLLHUP)))
            break;
        monitor_poll(m->mon, 0);
    }
    if (m->exit_requested || stop_signal_no) {
        int status = m->exit_requested ? m->exit_status : 128 + (int)stop_signal_no;
        machine_monitor_exit(m, status);
        return status ? status : -1;
    }
    live->defer_waiting = false;
    incoming_status(live, MIG_STATUS_ACTIVE);
    if (machine_incoming_conn(m, &live->defer_conn, live->defer_uri, &live->st, err, errlen) < 0) {
        snprintf(live->error, sizeof live->error, "%.*s", (int)sizeof live->error - 1, err); /* a prefix of a long reason is enough */
        incoming_status(live, MIG_STATUS_FAILED);
        fprintf(stderr, "emu386-system: incoming migration refused: %s\n", err);
        return 1;
    }
    incoming_status(live, MIG_STATUS_COMPLETED);
    if (m->run_state == MACHINE_INMIGRATE) { /* cont may have come while it waited */
        m->run_state = m->cfg.start_paused ? MACHINE_PAUSED : MACHINE_RUNNING;
        if (m->run_state == MACHINE_RUNNING)
            monitor_event(m->mon, "RESUME", NULL);
    }
    return 0;
}

static void incoming_ready(void *opaque, const char *uri)
{
    (void)opaque;
    fprintf(stderr, "emu386-system: waiting for the migration stream on %s\n", uri);
}

/* Without SA_RESTART: a host write that blocks after all (a terminal whose
 * poll() said it had room, but not for a newline's CR LF) ends with EINTR
 * on SIGINT/SIGTERM instead of being restarted, and the loop sees the
 * signal.  (The serial backends never wait by design: chardev.c; the 0xE9
 * console still writes through stdio, docs/system.md says where that
 * falls short.) */
static void catch_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = SIG_IGN; /* a serial socket's client that went away is an EPIPE */
    sigaction(SIGPIPE, &sa, NULL);
}

/* What the serial ports could not deliver, said once at the end. */
static void report_serial_loss(const Machine *m)
{
    if (m->debugcon.dropped)
        fprintf(stderr, "emu386-system: port 0xE9: %" PRIu64 " bytes dropped (the console's reader "
                        "was not taking them)\n", m->debugcon.dropped);
    for (int i = 0; i < MACHINE_NSERIAL; i++) {
        if (m->uart[i].tx_lost)
            fprintf(stderr, "emu386-system: com%d: %" PRIu64 " bytes lost: written to a full "
                            "transmit FIFO while the backend was not taking bytes\n",
                    i + 1, m->uart[i].tx_lost);
        if (m->serial[i] && chardev_dropped(m->serial[i]))
            fprintf(stderr, "emu386-system: com%d: %" PRIu64 " bytes dropped by the %s backend "
                            "(no reader, or one that stopped reading)\n",
                    i + 1, chardev_dropped(m->serial[i]), chardev_kind(m->serial[i]));
    }
}

/* -icount N or -icount shift=N */
static int parse_icount(const char *v, MachineConfig *cfg)
{
    if (!strncmp(v, "shift=", 6))
        v += 6;
    char *end;
    long n = strtol(v, &end, 10);
    if (end == v || *end || n < 0 || n > VCLOCK_MAX_SHIFT) {
        fprintf(stderr, "emu386-system: -icount: want a shift from 0 to %d (2^N ns per "
                        "instruction), not '%s'\n", VCLOCK_MAX_SHIFT, v);
        return -1;
    }
    cfg->icount = true;
    cfg->icount_shift = (unsigned)n;
    return 0;
}

/* The -d items: CPU logs and device logs. */
static const struct {
    const char *name;
    int cpu;
    unsigned dev;
    const char *what;
} log_items[] = {
    { "post", 0, DEV_LOG_POST, "each POST code written to port 0x80" },
    { "int", E386_LOG_INT, 0, "interrupts and exceptions, triple-fault resets" },
    { "cpu", E386_LOG_CPU, 0, "the CPU state before each translation block" },
    { "exec", E386_LOG_EXEC, 0, "each translation block executed, one line (n= instructions before\n"
                                "        it, CS:EIP, linear address): chaining is off, every block shows;\n"
                                "        with -icount two runs diff line by line (docs/bisecting.md)" },
    { "in_asm", E386_LOG_IN_ASM, 0, "each guest instruction translated, disassembled (Capstone)" },
    { "op", E386_LOG_OP, 0, "each new block's pre-decoded operations, as the engine runs them" },
    { "mmu", E386_LOG_MMU, 0, "page walks with paging on: TLB fills and page faults" },
    { "unimp", 0, DEV_LOG_UNIMP, "accesses to I/O ports no device claims" },
};
enum { NLOG_ITEMS = sizeof log_items / sizeof log_items[0] };

static int parse_log(const char *list, MachineConfig *cfg)
{
    const char *p = list;
    while (*p) {
        size_t n = strcspn(p, ",");
        if (n == 4 && !strncmp(p, "help", 4)) {
            for (int i = 0; i < NLOG_ITEMS; i++)
                printf("%-7s %s\n", log_items[i].name, log_items[i].what);
            exit(0);
        }
        int i = 0;
        while (i < NLOG_ITEMS && (strlen(log_items[i].name) != n || strncmp(p, log_items[i].name, n)))
            i++;
        if (i == NLOG_ITEMS) {
            fprintf(stderr, "emu386-system: unknown -d item '%.*s' (try -d help)\n", (int)n, p);
            return -1;
        }
        cfg->cpu_log |= log_items[i].cpu;
        cfg->dev_log |= log_items[i].dev;
        p += n;
        if (*p == ',')
            p++;
    }
    return 0;
}

/* -qmp / -monitor: the monitor's front ends, opened before the machine
 * (a ",wait" listener blocks for its first client); NULL with a message
 * when there is none or one cannot be opened (*bad set). */
enum { MAX_MONITORS = 8 };
typedef struct MonSpecs {
    const char *kind[MAX_MONITORS], *spec[MAX_MONITORS];
    int n;
} MonSpecs;

static Monitor *open_monitor(const MonSpecs *ms, bool *bad)
{
    *bad = false;
    if (!ms->n)
        return NULL;
    Monitor *mon = monitor_new();
    char err[512];
    if (!mon) {
        fprintf(stderr, "emu386-system: out of memory\n");
        *bad = true;
        return NULL;
    }
    for (int i = 0; i < ms->n; i++)
        if (monitor_add_listener(mon, ms->kind[i], ms->spec[i], err, sizeof err) < 0) {
            fprintf(stderr, "emu386-system: %s\n", err);
            monitor_free(mon);
            *bad = true;
            return NULL;
        }
    return mon;
}

/* -netdev, -object and -device in the order given, netdevs first so a
 * card can name a backend that comes later on the line (as QEMU). */
typedef struct NetOpt {
    char kind; /* 'n'etdev, 'o'bject, 'd'evice */
    const char *value;
} NetOpt;

static int add_net_options(Machine *m, const NetOpt *o, int n)
{
    static const char order[] = { 'n', 'o', 'd' };
    char err[512];
    for (int pass = 0; pass < 3; pass++)
        for (int i = 0; i < n; i++) {
            if (o[i].kind != order[pass])
                continue;
            int r = pass == 0   ? hotplug_netdev_add(m, o[i].value, err, sizeof err)
                    : pass == 1 ? hotplug_object_add(m, o[i].value, err, sizeof err)
                                : hotplug_device_add(m, o[i].value, err, sizeof err);
            if (r < 0) {
                fprintf(stderr, "emu386-system: -%s %s: %s\n",
                        pass == 0 ? "netdev" : pass == 1 ? "object" : "device", o[i].value, err);
                return -1;
            }
        }
    return 0;
}

int main(int argc, char **argv)
{
    MonSpecs mons = { { NULL }, { NULL }, 0 };
    MachineConfig cfg = { .ram_size = RAM_DEFAULT_SIZE };
    const char *bios_path = NULL, *log_path = NULL;
    const char *kernel_path = NULL, *initrd_path = NULL, *append = NULL;
    char err[512];
    int nserial = 0;
    const char *incoming = NULL;
    Hooks hooks = { { 0, NULL, false }, NULL, NULL };
    const char *gdb_spec = NULL;
    SaveAt save_at = { 0, NULL, false };
    enum { MAX_NET_OPTS = 64 };
    NetOpt net_opts[MAX_NET_OPTS];
    int nnet = 0;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (!strcmp(o, "-savevm-at-insn")) {
            char *end;
            if (i + 2 >= argc) {
                fprintf(stderr, "emu386-system: -savevm-at-insn needs N and DEST\n");
                return 2;
            }
            unsigned long long n = strtoull(argv[i + 1], &end, 10);
            if (end == argv[i + 1] || *end || argv[i + 1][0] == '-') {
                fprintf(stderr, "emu386-system: -savevm-at-insn: bad instruction count '%s'\n", argv[i + 1]);
                return 2;
            }
            save_at = (SaveAt){ n, argv[i + 2], false };
            i += 2;
            continue;
        }
        if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(o, "--version")) {
            puts("emu386-system 0.1");
            return 0;
        }
        if (!strcmp(o, "-no-reboot")) {
            cfg.no_reboot = true;
            continue;
        }
        if (!strcmp(o, "-nographic"))
            continue; /* serial on stdio is already the default */
        if (!strcmp(o, "-S")) {
            cfg.start_paused = true;
            continue;
        }
        if (!strcmp(o, "-s")) {
            gdb_spec = "tcp::1234";
            continue;
        }
        if (!strcmp(o, "-gdb")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "emu386-system: -gdb needs an argument\n");
                return 2;
            }
            gdb_spec = argv[++i];
            continue;
        }
        if (strcmp(o, "-bios") && strcmp(o, "-m") && strcmp(o, "-d") && strcmp(o, "-D") &&
            strcmp(o, "-icount") && strcmp(o, "-kernel") && strcmp(o, "-initrd") &&
            strcmp(o, "-append") && strcmp(o, "-serial") && strcmp(o, "-qmp") && strcmp(o, "-monitor") &&
            strcmp(o, "-loadvm") && strcmp(o, "-incoming") && strcmp(o, "-netdev") &&
            strcmp(o, "-device") && strcmp(o, "-object") && strcmp(o, "-trace-irqsoff") &&
            strcmp(o, "-accel")) {
            fprintf(stderr, "emu386-system: unknown option '%s'\n", o);
            usage(stderr);
            return 2;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "emu386-system: %s needs an argument\n", o);
            usage(stderr);
            return 2;
        }
        const char *v = argv[++i];
        if (!strcmp(o, "-bios")) {
            bios_path = v;
        } else if (!strcmp(o, "-kernel")) {
            kernel_path = v;
        } else if (!strcmp(o, "-initrd")) {
            initrd_path = v;
        } else if (!strcmp(o, "-append")) {
            append = v;
        } else if (!strcmp(o, "-loadvm") || !strcmp(o, "-incoming")) {
            if (incoming) {
                fprintf(stderr, "emu386-system: one -loadvm or -incoming at most\n");
                return 2;
            }
            incoming = v; /* -loadvm FILE is -incoming file:FILE (a bare path is a file) */
        } else if (!strcmp(o, "-accel")) {
            if ((cfg.accel = e386_accel_parse(v)) < 0) {
                fprintf(stderr, "emu386-system: -accel %s: native or interp\n", v);
                return 2;
            }
        } else if (!strcmp(o, "-m")) {
            if (ram_parse_size(v, &cfg.ram_size, err, sizeof err) < 0) {
                fprintf(stderr, "emu386-system: -m: %s\n", err);
                return 2;
            }
        } else if (!strcmp(o, "-d")) {
            if (parse_log(v, &cfg) < 0)
                return 2;
        } else if (!strcmp(o, "-D")) {
            log_path = v;
        } else if (!strcmp(o, "-trace-irqsoff")) {
            cfg.trace_irqsoff = v;
        } else if (!strcmp(o, "-netdev") || !strcmp(o, "-device") || !strcmp(o, "-object")) {
            /* PCI and network (issue 11): applied in order once the machine exists */
            if (nnet == MAX_NET_OPTS) {
                fprintf(stderr, "emu386-system: at most %d -netdev/-device/-object options\n",
                        MAX_NET_OPTS);
                return 2;
            }
            net_opts[nnet].kind = o[1];
            net_opts[nnet++].value = v;
        } else if (!strcmp(o, "-serial")) {
            if (nserial == MACHINE_NSERIAL) {
                fprintf(stderr, "emu386-system: -serial: at most %d serial ports\n", MACHINE_NSERIAL);
                return 2;
            }
            cfg.serial[nserial++] = v;
        } else if (!strcmp(o, "-qmp") || !strcmp(o, "-monitor")) {
            if (mons.n == MAX_MONITORS) {
                fprintf(stderr, "emu386-system: at most %d monitors\n", MAX_MONITORS);
                return 2;
            }
            mons.kind[mons.n] = o[1] == 'q' ? "qmp" : "hmp";
            mons.spec[mons.n++] = v;
        } else if (parse_icount(v, &cfg) < 0) {
            return 2;
        }
    }
    /* -kernel replaces the firmware: both at once is refused, as is
     * -initrd or -append without -kernel */
    if (bios_path && kernel_path) {
        fprintf(stderr, "emu386-system: -bios and -kernel exclude each other (-kernel boots "
                        "Linux without firmware)\n");
        return 2;
    }
    if (!kernel_path && (initrd_path || append)) {
        fprintf(stderr, "emu386-system: %s needs -kernel\n", initrd_path ? "-initrd" : "-append");
        return 2;
    }
    if (!bios_path && !kernel_path) {
        fprintf(stderr, "emu386-system: no firmware: give -bios FILE or -kernel FILE\n");
        usage(stderr);
        return 2;
    }
    bool defer = incoming && !strcmp(incoming, "defer");
    if (defer && !mons.n) {
        fprintf(stderr, "emu386-system: -incoming defer needs a monitor for migrate-incoming (-qmp or "
                        "-monitor)\n");
        return 2;
    }
    if (cfg.start_paused && !mons.n && !gdb_spec) {
        fprintf(stderr, "emu386-system: -S needs a monitor or -gdb to continue from (-qmp or -monitor)\n");
        return 2;
    }
    /* -S with -gdb: the stub waits for the debugger's continue; the
     * monitor, when there is one, for its cont as well */
    bool gdb_wait = cfg.start_paused;
    if (!mons.n)
        cfg.start_paused = false;
    GdbTcp gdb_tcp = { -1, -1, 0 };
    if (gdb_spec && gdb_tcp_listen(&gdb_tcp, gdb_spec, err, sizeof err) < 0) {
        fprintf(stderr, "emu386-system: %s\n", err);
        return 1;
    }
    if (gdb_spec)
        fprintf(stderr, "emu386-system: gdb stub on 127.0.0.1:%d%s\n", gdb_tcp.port,
                gdb_wait ? ", waiting for it" : "");
    bool mon_stdio = false;
    for (int i = 0; i < mons.n; i++)
        mon_stdio |= !strcmp(mons.spec[i], "stdio");
    for (int i = 0; i < nserial; i++)
        if (mon_stdio && !strcmp(cfg.serial[i], "stdio")) {
            fprintf(stderr, "emu386-system: stdio cannot be both -monitor and -serial\n");
            return 2;
        }
    BiosImage bios = { NULL, 0 };
    LinuxBoot kernel;
    if (kernel_path) {
        /* read and checked, and placed in this RAM, before any machine exists */
        LinuxPlan plan;
        if (linux_boot_load(kernel_path, initrd_path, append, &kernel, err, sizeof err) < 0)
            goto bad_file;
        if (linux_boot_plan(&kernel, cfg.ram_size, &plan, err, sizeof err) < 0) {
            linux_boot_free(&kernel);
            goto bad_file;
        }
        cfg.kernel = &kernel;
    } else if (bios_load_file(bios_path, &bios, err, sizeof err) < 0) {
        goto bad_file;
    }
    FILE *log = NULL;
    if (log_path && !(log = fopen(log_path, "w"))) {
        fprintf(stderr, "emu386-system: cannot open log file '%s'\n", log_path);
        bios_image_free(&bios);
        if (cfg.kernel)
            linux_boot_free(&kernel);
        return 1;
    }
    cfg.log = log;
    if (!nserial) /* with the monitor on stdio, COM1 has nothing (as QEMU's vc) */
        cfg.serial[0] = mon_stdio ? "null" : "stdio";
    cfg.stop_signal = &stop_signal_no;
    catch_stop_signals();
    bool mon_bad;
    Monitor *mon = open_monitor(&mons, &mon_bad);
    if (mon_bad) {
        bios_image_free(&bios);
        if (cfg.kernel)
            linux_boot_free(&kernel);
        if (log)
            fclose(log);
        return 1;
    }
    if (mon)
        monitor_wait_clients(mon);
    cfg.monitor = mon;
    Disasm dis;
    disasm_open(&dis);
    cfg.disasm = disasm_insn;
    cfg.disasm_opaque = &dis;
    cfg.incoming = incoming != NULL;
    hooks.save_at = save_at;
    if (save_at.dest || mon || gdb_spec) {
        cfg.slice_hook = slice_hooks;
        cfg.slice_opaque = &hooks;
    }
    Machine *m = machine_new(&cfg, kernel_path ? NULL : &bios, err, sizeof err);
    bios_image_free(&bios);
    int status = 0;
    MigLive live;
    if (m && gdb_spec) {
        GdbIo io;
        gdb_tcp_io(&gdb_tcp, &io);
        hooks.gdb = gdb_new(m->cpu, &io, gdb_wait);
        if (!hooks.gdb) {
            fprintf(stderr, "emu386-system: out of memory\n");
            status = 1;
        }
    }
    if (m) {
        mig_live_init(&live, m);
        hooks.live = &live;
        if (mig_monitor_attach(&live, mon) < 0) {
            fprintf(stderr, "emu386-system: the migration commands could not be registered\n");
            status = 1;
        }
    }
    if (!m) {
        fprintf(stderr, "emu386-system: %s\n", err);
        status = 1;
    } else if (status) {
        /* reported above */
    } else if (add_net_options(m, net_opts, nnet) < 0) { /* before a stream that may carry them */
        status = 1;
    } else if (incoming && mon &&
               (status = incoming_with_monitor(m, &live, defer ? NULL : incoming, err, sizeof err)) != 0) {
        status = status < 0 ? 0 : status;
    } else if (incoming && !mon &&
               machine_incoming(m, incoming, incoming_ready, NULL, NULL, err, sizeof err) < 0) {
        fprintf(stderr, "emu386-system: incoming migration refused: %s\n", err);
        status = 1;
    } else {
        char msg[256];
        status = machine_run(m, msg, sizeof msg);
        gdb_report_exit(hooks.gdb, status);
        if (msg[0])
            fprintf(stderr, "emu386-system: %s\n", msg);
        machine_drain_serial(m); /* what a slow reader has not taken yet, unless a signal came */
        report_serial_loss(m);
    }
    gdb_free(hooks.gdb);
    gdb_tcp_close(&gdb_tcp);
    if (m) {
        mig_live_free(&live);
        mig_monitor_detach(&live, mon);
        machine_free(m);
    }
    monitor_free(mon); /* the last replies and SHUTDOWN go out first */
    disasm_close(&dis);
    if (cfg.kernel)
        linux_boot_free(&kernel);
    if (log)
        fclose(log);
    return status;
bad_file:
    fprintf(stderr, "emu386-system: %s\n", err);
    return 1;
}
