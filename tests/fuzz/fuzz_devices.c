/* fuzz_devices: sequences of port I/O against emu386-system's machine
 * (docs/fuzzing.md), in the manner of QEMU's generic-fuzz.
 *
 * Each input gets a fresh machine (1 MiB of RAM, -icount time, no
 * reboot, no serial backends, the console and logs to /dev/null) whose
 * BIOS is one page ending in `sti; hlt; jmp hlt`.  The input is a list
 * of 8-byte commands: an op byte, a port (half the time one of the
 * board's device ranges, with an offset), and a 32-bit value:
 *   write the port (size 1, 2 or 4), read it, let virtual time pass
 *   (the devices catch up and the PIC's output reaches the CPU's INTR),
 *   run the CPU for a few hundred instructions (it takes the interrupts
 *   the devices raise, through an IVT the writes may have changed),
 *   dump every device's state description, or reset the machine.
 * Reset and exit requests from the guest (i8042, port 0x92, port 0xF4)
 * are honoured the way the run loop does.  The host must never crash. */
#include <string.h>
#include "fuzz.h"
#include "system/machine.h"

enum { MAX_CMDS = 256 };

static const uint16_t dev_ports[] = {
    0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1,         /* PIC pair, ELCR */
    0x40, 0x41, 0x42, 0x43, 0x61,                 /* PIT, port B */
    0x60, 0x64, 0x92,                             /* i8042, port 92 */
    0x70, 0x71,                                   /* RTC */
    0x3f8, 0x2f8,                                 /* UARTs (+0..7) */
    0x80, 0xe9, 0xf4,                             /* POST, console, debug exit */
};
enum { NDEV_PORTS = sizeof dev_ports / sizeof dev_ports[0] };

static FILE *devnull;

static void catch_up(Machine *m, uint64_t now)
{
    pit_advance(&m->pit, now);
    rtc_advance(&m->rtc, now);
    for (int i = 0; i < MACHINE_NSERIAL; i++)
        uart_poll(&m->uart[i], now);
    e386_set_irq(m->cpu, pic_intr_level(&m->pic));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!devnull && !(devnull = fopen("/dev/null", "w")))
        abort();
    static uint8_t rom[4096];
    memset(rom, 0x90, sizeof rom);
    static const uint8_t tail[] = { 0xfb, 0xf4, 0xeb, 0xfd }; /* sti; hlt; jmp hlt at F000:FFF0 */
    memcpy(rom + sizeof rom - 16, tail, sizeof tail);
    BiosImage bios = { rom, sizeof rom };
    MachineConfig cfg = { .ram_size = 1u << 20, .no_reboot = true, .log = devnull, .console = devnull,
                          .icount = true, .icount_shift = 3 };
    char err[256];
    Machine *m = machine_new(&cfg, &bios, err, sizeof err);
    if (!m) {
        fprintf(stderr, "fuzz_devices: %s\n", err);
        abort();
    }
    FuzzIn in = { data, size };
    for (int n = 0; n < MAX_CMDS && fin_left(&in); n++) {
        uint8_t op = fin_u8(&in);
        uint8_t sel = fin_u8(&in);
        uint16_t port = fin_u16(&in);
        uint32_t value = fin_u32(&in);
        if (sel & 0x80) /* a device's port, plus an offset inside its range */
            port = (uint16_t)(dev_ports[(sel & 0x7f) % NDEV_PORTS] + (port & 7));
        int sz = 1 << (op >> 6 & 3);
        if (sz == 8)
            sz = 1;
        switch (op & 7) {
        case 0: case 1: case 2:
            iobus_write(&m->io, port, sz, value);
            break;
        case 3: case 4:
            (void)iobus_read(&m->io, port, sz);
            break;
        case 5: { /* time passes: up to ~4 ms of virtual time */
            uint64_t now = vclock_now(&m->clock);
            vclock_sleep_until(&m->clock, now + (value & 0x3fffff));
            catch_up(m, vclock_now(&m->clock));
            break;
        }
        case 6: { /* the CPU runs */
            catch_up(m, vclock_now(&m->clock));
            e386_exit ex;
            int r = e386_run(m->cpu, 1 + (value & 0x3ff), &ex);
            if (r == E386_EXIT_SHUTDOWN)
                machine_reset(m);
            break;
        }
        default:
            if (value & 1)
                machine_dump_state(m, devnull);
            else
                machine_reset(m);
            break;
        }
        if (m->reset_requested) { /* as the run loop does */
            m->reset_requested = false;
            machine_reset(m);
        }
        m->exit_requested = false;
    }
    machine_free(m);
    return 0;
}
