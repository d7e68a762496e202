/* The PC of emu386-system: one CPU, RAM, the BIOS ROM and the devices of
 * docs/system.md, and the main loop that runs them.  This board file is
 * the one place that knows addresses, ports and IRQ numbers. */
#ifndef E386_SYSTEM_MACHINE_H
#define E386_SYSTEM_MACHINE_H
#include <stdbool.h>
#include <stdio.h>
#include "dev/debugcon.h"
#include "dev/debugexit.h"
#include "dev/device.h"
#include "dev/pic.h"
#include "dev/pit.h"
#include "dev/portb.h"
#include "dev/post.h"
#include "e386.h"
#include "system/bios.h"
#include "system/vclock.h"

/* Exit statuses of machine_run besides the guest's own (port 0xF4). */
enum { MACHINE_EXIT_HALTED = 1, MACHINE_EXIT_TRIPLE_FAULT = 3 };

typedef struct MachineConfig {
    uint32_t ram_size;
    bool no_reboot;         /* a triple fault stops instead of resetting */
    int cpu_log;            /* E386_LOG_* */
    unsigned dev_log;       /* DEV_LOG_* */
    FILE *log;              /* -d output; NULL: stderr */
    FILE *console;          /* port 0xE9 output; NULL: stdout */
    e386_disasm_fn disasm;  /* -d in_asm */
    void *disasm_opaque;
} MachineConfig;

enum { MACHINE_MAX_DEVICES = 8 };

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
    Device *dev[MACHINE_MAX_DEVICES]; /* realize order; reset and unrealize walk it */
    int ndev;
    bool exit_requested;
    int exit_status;
    uint64_t ips;    /* guest instructions per second, measured: sizes slices */
    uint64_t resets; /* triple-fault resets so far */
} Machine;

/* A machine with cfg's RAM and bios's ROM, reset and ready to run; NULL
 * with a message in err.  The image is copied: the caller frees it. */
Machine *machine_new(const MachineConfig *cfg, const BiosImage *bios, char *err, size_t errlen);
void machine_free(Machine *m);
/* RESET: every device and the CPU to their power-on state; memory kept. */
void machine_reset(Machine *m);
/* Run until the guest or the machine ends the run; the exit status for
 * the program, with msg set when the machine (not the guest) ended it. */
int machine_run(Machine *m, char *msg, size_t msglen);
/* Stop the run with this status (port 0xF4; later the monitor's quit). */
void machine_request_exit(Machine *m, int status);
/* Every device's state as "device.field=value" lines. */
void machine_dump_state(const Machine *m, FILE *out);
#endif
