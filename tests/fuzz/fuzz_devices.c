/* fuzz_devices: sequences of port I/O, MMIO, DMA and PCI configuration
 * against emu386-system's machine (docs/fuzzing.md), in the manner of
 * QEMU's generic-fuzz.
 *
 * Each input gets a fresh machine (1 MiB of RAM, -icount time, no
 * reboot, no serial backends, the console and logs to /dev/null) whose
 * BIOS is one page ending in `sti; hlt; jmp hlt`, with an ne2k_pci and an
 * rtl8139 plugged (no backend) and their BARs placed as a BIOS would.
 * The input is a list of 8-byte commands: an op byte (bits 0-2 the kind,
 * bit 3 the extended set, bits 6-7 the access size 1/2/4), a selector
 * byte, a 16-bit port or offset and a 32-bit value.  The basic set:
 *   write the port (half the time one of the board's device ranges, with
 *   an offset), read it, let virtual time pass (the devices catch up and
 *   the PIC's output reaches the CPU's INTR), run the CPU for a few
 *   hundred instructions (it takes the interrupts the devices raise,
 *   through an IVT the writes may have changed), dump every device's
 *   state description, or reset the machine.
 * The extended set (bit 3), through the physical bus the CPU itself uses
 * (bus_read/bus_write: RAM, MMIO, unassigned):
 *   MMIO write / read: with bit 7 of the selector, a NIC (bit 0) and one
 *     of its BARs (bits 1-3; a memory BAR where it decodes now, an I/O BAR
 *     through the port bus) plus the offset; otherwise a 32-bit address
 *     that follows the command;
 *   guest RAM write: a 32-bit address follows (with bit 7 of the selector
 *     anywhere, else inside RAM): descriptors and buffers the DMA engines
 *     read (rtl8139's TSAD/RBSTART point wherever the MMIO writes said,
 *     past RAM included);
 *   PCI configuration write / read of a NIC (bit 0) at a register chosen
 *     from the BARs, command, ROM BAR and interrupt line (bit 7) or the
 *     offset: BAR moves, decoding and bus mastering on and off;
 *   a frame from the wire: the next 1-1514 bytes of the input delivered
 *     to a NIC as its peer would (what the receive DMA writes to RAM);
 *   the firmware's PCI setup again (every BAR to a free place).
 * Reset and exit requests from the guest (i8042, port 0x92, port 0xF4)
 * are honoured the way the run loop does.  The host must never crash. */
#include <string.h>
#include "fuzz.h"
#include "core/cpu.h"
#include "net/net.h"
#include "system/hotplug.h"
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

/* The config registers worth aiming at: BARs, command, ROM, IRQ line. */
static const uint8_t cfg_regs[] = { 0x04, 0x10, 0x14, 0x18, 0x1c, 0x20, 0x24, 0x30, 0x3c, 0x06, 0x0c, 0x0d };

static PciDevice *nic_of(Machine *m, uint8_t sel)
{
    return m->nic[sel & 1];
}

/* An MMIO access at a NIC's BAR, or at a raw physical address. */
static uint32_t mmio_access(Machine *m, FuzzIn *in, uint8_t sel, uint16_t off, int sz, bool write,
                            uint32_t value)
{
    if (sel & 0x80) {
        PciDevice *d = nic_of(m, sel);
        const PciBar *b = &d->bar[(sel >> 1 & 7) % (PCI_NBARS + 1)];
        if (!b->mapped || !b->size)
            return 0;
        uint32_t a = b->addr + off % b->size;
        if (b->type == PCI_BAR_IO) {
            if (write)
                iobus_write(&m->io, (uint16_t)a, sz, value);
            return write ? 0 : iobus_read(&m->io, (uint16_t)a, sz);
        }
        if (write)
            bus_write(m->cpu, a, sz, value);
        return write ? 0 : bus_read(m->cpu, a, sz);
    }
    uint32_t a = fin_u32(in);
    if (write)
        bus_write(m->cpu, a, sz, value);
    return write ? 0 : bus_read(m->cpu, a, sz);
}

static void extended(Machine *m, FuzzIn *in, uint8_t op, uint8_t sel, uint16_t off, int sz, uint32_t value)
{
    switch (op & 7) {
    case 0: case 1:
        mmio_access(m, in, sel, off, sz, true, value);
        break;
    case 2:
        (void)mmio_access(m, in, sel, off, sz, false, 0);
        break;
    case 3: { /* DMA source: guest RAM, or anywhere */
        uint32_t a = fin_u32(in);
        if (!(sel & 0x80))
            a %= m->cfg.ram_size - 4;
        bus_write(m->cpu, a, sz, value);
        break;
    }
    case 4: case 5: {
        PciDevice *d = nic_of(m, sel);
        uint32_t reg = (sel & 0x80) ? cfg_regs[off % sizeof cfg_regs] : (off & 0xff);
        reg &= ~(uint32_t)(sz - 1); /* config cycles are naturally aligned */
        if ((op & 7) == 4)
            pci_config_write(d, reg, sz, value);
        else
            (void)pci_config_read(d, reg, sz);
        break;
    }
    case 6: { /* a frame from the wire */
        static uint8_t frame[1514];
        size_t len = 1 + off % sizeof frame;
        for (size_t i = 0; i < len; i++)
            frame[i] = fin_u8(in);
        NetClient *nc = hotplug_nic_client(nic_of(m, sel));
        if (nc && nc->ops->receive)
            nc->ops->receive(nc, frame, len);
        break;
    }
    default:
        for (int i = 0; i < 2; i++)
            pci_assign_device(m->nic[i]);
        break;
    }
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
    if (hotplug_device_add(m, "ne2k_pci,id=n0", err, sizeof err) < 0 ||
        hotplug_device_add(m, "rtl8139,id=r0", err, sizeof err) < 0) {
        fprintf(stderr, "fuzz_devices: %s\n", err);
        abort();
    }
    for (int i = 0; i < 2; i++) /* as a BIOS would: BARs placed, decoding on */
        pci_assign_device(m->nic[i]);
    FuzzIn in = { data, size };
    for (int n = 0; n < MAX_CMDS && fin_left(&in); n++) {
        uint8_t op = fin_u8(&in);
        uint8_t sel = fin_u8(&in);
        uint16_t port = fin_u16(&in);
        uint32_t value = fin_u32(&in);
        int sz = 1 << (op >> 6 & 3);
        if (sz == 8)
            sz = 1;
        if (op & 8) {
            extended(m, &in, op, sel, port, sz, value);
            goto after;
        }
        if (sel & 0x80) /* a device's port, plus an offset inside its range */
            port = (uint16_t)(dev_ports[(sel & 0x7f) % NDEV_PORTS] + (port & 7));
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
    after:
        if (m->reset_requested) { /* as the run loop does */
            m->reset_requested = false;
            machine_reset(m);
        }
        m->exit_requested = false;
    }
    machine_free(m);
    return 0;
}
