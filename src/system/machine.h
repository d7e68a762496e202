/* The PC of emu386-system: one CPU, RAM, the BIOS ROM and the devices of
 * docs/system.md, and the main loop that runs them.  This board file is
 * the one place that knows addresses, ports and IRQ numbers. */
#ifndef E386_SYSTEM_MACHINE_H
#define E386_SYSTEM_MACHINE_H
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include "dev/debugcon.h"
#include "dev/debugexit.h"
#include "dev/device.h"
#include "dev/i8042.h"
#include "dev/ne2k_pci.h"
#include "dev/pci_bridge.h"
#include "dev/pci_host.h"
#include "dev/rtl8139.h"
#include "dev/pic.h"
#include "dev/pit.h"
#include "dev/port92.h"
#include "dev/portb.h"
#include "dev/post.h"
#include "dev/rtc.h"
#include "dev/uart.h"
#include "e386.h"
#include "mem/galloc.h"
#include "net/net.h"
#include "system/bios.h"
#include "system/chardev.h"
#include "system/linux.h"
#include "system/vclock.h"

/* Exit statuses of machine_run besides the guest's own (port 0xF4). */
enum { MACHINE_EXIT_HALTED = 1, MACHINE_EXIT_TRIPLE_FAULT = 3 };

struct Machine;

typedef struct MachineConfig {
    uint32_t ram_size;
    bool no_reboot;         /* a triple fault stops instead of resetting */
    int cpu_log;            /* E386_LOG_* */
    unsigned dev_log;       /* DEV_LOG_* */
    FILE *log;              /* -d output; NULL: stderr */
    FILE *console;          /* port 0xE9 output; NULL: stdout */
    e386_disasm_fn disasm;  /* -d in_asm */
    void *disasm_opaque;
    /* -kernel: boot this Linux kernel by the 32-bit boot protocol instead
     * of running a BIOS (machine_new's bios is then NULL); borrowed, it
     * must outlive the machine (every reset loads it again). */
    const LinuxBoot *kernel;
    /* The serial ports' backends (chardev.h specs), COM1 then COM2; NULL:
     * nothing connected (the UART is there, its bytes go nowhere). */
    const char *serial[2];
    /* -icount: time from the instruction count, 2^icount_shift ns each */
    bool icount;
    unsigned icount_shift;
    int accel;              /* -accel: E386_ACCEL_*; 0: the library's default */
    /* Set by the program's SIGINT/SIGTERM handler to the signal number:
     * the run ends (status 128 + signal) at the next slice.  NULL: none. */
    volatile sig_atomic_t *stop_signal;
    /* ---- the monitor (machine_mon.c, docs/monitor.md) ---- */
    struct Monitor *monitor; /* NULL: none; borrowed, it outlives the machine */
    bool start_paused;       /* -S: no instruction runs before `cont` */
    /* Migration (src/migration): the machine will be loaded from a stream,
     * so its first reset leaves RAM alone (no -kernel load: a page the
     * stream does not carry must stay zero). */
    bool incoming;
    /* Called between two slices, while the CPU is not running: where a
     * snapshot is taken (-savevm-at-insn) and later the monitor's
     * requests are served.  NULL: none. */
    void (*slice_hook)(struct Machine *m, void *opaque);
    void *slice_opaque;
    /* -trace-irqsoff's value (trace_mon.h); NULL: armed by the monitor only */
    const char *trace_irqsoff;
} MachineConfig;

enum { MACHINE_MAX_DEVICES = 16, MACHINE_NSERIAL = 2 };
/* PCI and network (docs/network.md): hot-pluggable cards at most */
enum { MACHINE_MAX_NICS = 16, MACHINE_MAX_BRIDGES = 4 };

typedef struct Machine {
    MachineConfig cfg;
    E386Cpu *cpu;
    VClock clock;
    IoBus io;
    DeviceHost host;
    PicState pic;
    PitState pit;
    PortBState portb;
    PostState post;
    DebugconState debugcon;
    DebugExitState debugexit;
    RtcState rtc;
    UartState uart[MACHINE_NSERIAL];
    Chardev *serial[MACHINE_NSERIAL];
    I8042State kbc;
    Port92State port92;
    Device *dev[MACHINE_MAX_DEVICES]; /* realize order; reset and unrealize walk it */
    int ndev;
    bool exit_requested;
    bool reset_requested; /* the guest pulsed the reset line (8042, port 0x92) */
    int exit_status;
    uint64_t ips;    /* guest instructions per second, measured: sizes slices */
    uint64_t resets; /* triple-fault resets so far */
    /* ---- the monitor (machine_mon.c) ---- */
    struct Monitor *mon;      /* cfg.monitor once its commands are registered */
    int run_state;            /* MACHINE_RUNNING, _PAUSED or _PRELAUNCH */
    uint64_t mon_polled_ns;   /* host time the monitor was last looked at */
    uint64_t paused_ns;       /* host time the VM stopped: its clock stands still */
    bool quit_by_monitor;
    /* ---- migration (src/migration) ---- */
    /* a live migration is in progress (src/migration/live.c): a stopped
     * VM's monitor wait returns at once so the slice hook goes on with it */
    bool mig_busy;
    uint32_t rom_size;  /* the BIOS ROM below 4 GiB (0 with -kernel): the stream checks it */
    bool load_failed;   /* a refused stream wrote RAM: machine_run will not run this machine */
    /* RAM pages written since power on (bit n: page n), brought up to date
     * from the core's dirty log by mig_written_sync; NULL: not tracked */
    uint64_t *written;
    /* ---- PCI and network (issue 11; src/system/hotplug.h, docs/network.md) ---- */
    GuestAlloc dev_alloc; /* device-owned guest memory (option ROMs), checked at exit */
    PciHostState pci;     /* the i440FX host bridge; its bus is pci.bus */
    Piix3State piix3;
    NetCtx net;           /* the netdevs, polled between slices */
    PciDevice *nic[MACHINE_MAX_NICS]; /* -device / device_add cards (ne2k_pci, rtl8139), owned */
    /* -device pci-bridge: SHPC bridges whose slots the guest powers
     * (hotplug_bridge.c), owned; their cards are in nic[] too */
    PciBridgeState *bridge[MACHINE_MAX_BRIDGES];
    struct TraceMon *trace; /* the irqsoff tracer (trace_mon.c, docs/tracing.md) */
} Machine;

/* query-status names them: running, paused, prelaunch, postmigrate (the
 * source after a completed migration), inmigrate (-incoming defer before
 * the stream arrived) */
enum { MACHINE_RUNNING, MACHINE_PAUSED, MACHINE_PRELAUNCH, MACHINE_POSTMIGRATE, MACHINE_INMIGRATE };

/* A machine with cfg's RAM and bios's ROM, reset and ready to run; NULL
 * with a message in err.  The image is copied: the caller frees it.
 * bios may be NULL when cfg->kernel is set (no ROM then). */
Machine *machine_new(const MachineConfig *cfg, const BiosImage *bios, char *err, size_t errlen);
void machine_free(Machine *m);
/* RESET: every device and the CPU to their power-on state; memory kept
 * (with -kernel the kernel, initrd and boot_params are written again and
 * the CPU starts at the boot trampoline). */
void machine_reset(Machine *m);
/* Run until the guest or the machine ends the run; the exit status for
 * the program, with msg set when the machine (not the guest) ended it. */
int machine_run(Machine *m, char *msg, size_t msglen);
/* After the run: wait until each serial backend has taken the bytes its
 * UART still holds (a slow reader), unless a SIGINT/SIGTERM came. */
void machine_drain_serial(Machine *m);
/* Stop the run with this status (port 0xF4; later the monitor's quit). */
void machine_request_exit(Machine *m, int status);
/* The guest pulsed the CPU reset line: the run loop resets the machine
 * after the current instruction (with -no-reboot the run ends, status 0). */
void machine_request_reset(Machine *m);
/* Every device's state as "device.field=value" lines. */
void machine_dump_state(const Machine *m, FILE *out);

/* ---- the monitor (machine_mon.c, docs/monitor.md) ---- */
/* Register the board's commands on mon (machine_new does it for
 * cfg.monitor; machine_free takes them away).  -1 if a name is taken. */
int machine_monitor_attach(Machine *m, struct Monitor *mon);
/* The PCI and network commands (machine_net_mon.c), from machine_monitor_attach. */
int machine_net_monitor_attach(Machine *m, struct Monitor *mon);
/* The DEVICE_DELETED event for card id (none without a monitor). */
void machine_net_device_deleted(Machine *m, const char *id);
void machine_monitor_detach(Machine *m);
/* stop / cont: the VM's clock stands still while it is stopped; STOP and
 * RESUME events.  Nothing happens (no event) if already in that state. */
void machine_pause(Machine *m);
void machine_resume(Machine *m);
/* A completed migration: the VM stops (STOP) in state postmigrate; cont
 * would run it on here, as QEMU's, quit ends it. */
void machine_postmigrate(Machine *m);
/* The run loop, between slices: the monitor is looked at (at most once a
 * millisecond unless now is set), and while the VM is stopped this blocks
 * in the monitor's poll until cont, quit or a signal. */
void machine_monitor_service(Machine *m, bool now);
/* The monitor fds a halted CPU also waits on (0 without a monitor). */
int machine_monitor_fds(const Machine *m, int *fds, int max);
/* The run ended with status: the SHUTDOWN event. */
void machine_monitor_exit(Machine *m, int status);
#endif
