/* The board: memory map, devices and their wiring (docs/system.md). */
#include "system/machine.h"
#include <stdlib.h>
#include <string.h>
#include "system/hotplug.h"
#include "system/ram.h"
#include "system/trace_mon.h"

/* ---- the CPU's view of the board (e386_sys_ops) ---- */

static uint32_t m_io_read(void *opaque, uint16_t port, int size)
{
    return iobus_read(&((Machine *)opaque)->io, port, size);
}

static void m_io_write(void *opaque, uint16_t port, int size, uint32_t value)
{
    iobus_write(&((Machine *)opaque)->io, port, size, value);
}

static int m_intr_ack(void *opaque) { return pic_intr_ack(&((Machine *)opaque)->pic); }

static uint64_t m_clock_ns(void *opaque) { return vclock_now(&((Machine *)opaque)->clock); }

static const e386_sys_ops machine_ops = { m_io_read, m_io_write, m_intr_ack, m_clock_ns };

/* The PIC's INT pin is the CPU's INTR: forwarded as it changes, also in
 * the middle of an I/O instruction. */
static void m_set_intr(void *opaque, int n, int level)
{
    (void)n;
    e386_set_irq(((Machine *)opaque)->cpu, level);
}

static void m_debug_exit(void *opaque, int status) { machine_request_exit(opaque, status); }

static void m_reset_request(void *opaque) { machine_request_reset(opaque); }

void machine_request_reset(Machine *m)
{
    m->reset_requested = true;
    e386_stop(m->cpu); /* after the OUT that pulsed the line */
}

void machine_request_exit(Machine *m, int status)
{
    m->exit_requested = true;
    m->exit_status = status;
    e386_stop(m->cpu);
}

/* ---- memory ---- */

/* The ROM: read-only at the top of 4 GiB, its last 128 KiB seen again
 * just below 1 MiB where the reset code's real-mode far jumps land. */
static int map_bios(Machine *m, const BiosImage *img, char *err, size_t errlen)
{
    const int rx = E386_PROT_READ | E386_PROT_EXEC;
    uint32_t rom = bios_rom_size(img);
    uint32_t base = (uint32_t)(0x100000000ull - rom);
    uint32_t alias = rom < BIOS_LOW_ALIAS ? rom : BIOS_LOW_ALIAS;
    /* mapped writable only long enough to copy the image in; the padding
     * below a size that is not a 4 KiB multiple stays zero */
    if (e386_mem_map(m->cpu, base, rom, rx | E386_PROT_WRITE) < 0 ||
        e386_mem_write(m->cpu, (uint32_t)(0x100000000ull - img->size), img->data, img->size) < 0 ||
        e386_mem_protect(m->cpu, base, rom, rx) < 0 ||
        e386_mem_alias(m->cpu, RAM_HOLE_END - alias, (uint32_t)(0x100000000ull - alias), alias, rx) < 0) {
        snprintf(err, errlen, "cannot map the %u KiB BIOS ROM", rom >> 10);
        return -1;
    }
    m->rom_size = rom;
    return 0;
}

/* ---- devices ---- */

static int add_device(Machine *m, Device *d, char *err, size_t errlen)
{
    if (m->ndev == MACHINE_MAX_DEVICES) {
        snprintf(err, errlen, "%s: too many devices", d->id);
        return -1;
    }
    if (device_realize(d, &m->host, err, errlen) < 0)
        return -1;
    m->dev[m->ndev++] = d;
    return 0;
}

/* The serial ports' backends, before the UARTs that use them. */
static int open_serial(Machine *m, char *err, size_t errlen)
{
    for (int i = 0; i < MACHINE_NSERIAL; i++) {
        const char *spec = m->cfg.serial[i];
        if (!spec)
            continue;
        if (i && m->cfg.serial[0] && !strcmp(spec, "stdio") && !strcmp(m->cfg.serial[0], "stdio")) {
            snprintf(err, errlen, "-serial stdio: stdio can back only one serial port");
            return -1;
        }
        char e[256];
        if (!(m->serial[i] = chardev_open(spec, e, sizeof e))) {
            snprintf(err, errlen, "-serial %s (COM%d): %s", spec, i + 1, e);
            return -1;
        }
    }
    return 0;
}

static int build_devices(Machine *m, char *err, size_t errlen)
{
    DevClock clk = { m_clock_ns, m };
    static const uint16_t com_base[MACHINE_NSERIAL] = { 0x3F8, 0x2F8 };
    static const int com_irq[MACHINE_NSERIAL] = { 4, 3 };
    static const char *const com_id[MACHINE_NSERIAL] = { "com1", "com2" };
    if (open_serial(m, err, errlen) < 0)
        return -1;
    /* init first (cannot fail, wires everything), realize after: a device
     * may drive a line into another during its realize-time reset */
    pic_init(&m->pic, "pic", (IrqLine){ m_set_intr, m, 0 });
    pit_init(&m->pit, "pit", (IrqLine){ pic_set_irq, &m->pic, 0 }, clk);
    portb_init(&m->portb, "port61", &m->pit, clk);
    post_init(&m->post, "post");
    debugcon_init(&m->debugcon, "debugcon", 0xE9, m->cfg.console ? m->cfg.console : stdout);
    debugexit_init(&m->debugexit, "debug-exit", m_debug_exit, m);
    rtc_init(&m->rtc, "rtc", (IrqLine){ pic_set_irq, &m->pic, 8 }, clk, m->clock.wall_origin,
             m->cfg.ram_size);
    for (int i = 0; i < MACHINE_NSERIAL; i++) {
        UartBackend be = { NULL, NULL, NULL };
        if (m->serial[i])
            be = (UartBackend){ chardev_write_cb, chardev_read_cb, m->serial[i] };
        uart_init(&m->uart[i], com_id[i], com_base[i], (IrqLine){ pic_set_irq, &m->pic, com_irq[i] },
                  clk, be);
    }
    i8042_init(&m->kbc, "i8042", (IrqLine){ pic_set_irq, &m->pic, 1 },
               (IrqLine){ pic_set_irq, &m->pic, 12 }, m_reset_request, m);
    port92_init(&m->port92, "port92", m_reset_request, m);
    /* PCI: memory BARs decode above RAM (and above 1 MiB), below the
     * IO-APIC/BIOS area at 0xFEC00000 */
    uint32_t pci_lo = m->cfg.ram_size > 0x100000u ? m->cfg.ram_size : 0x100000u;
    pci_host_init(&m->pci, "i440fx", &m->io, m->cpu, &m->dev_alloc, (IrqLine){ pic_set_irq, &m->pic, 0 },
                  pci_lo, 0xFEC00000u, m_reset_request, m);
    piix3_init(&m->piix3, "piix3", &m->pci.bus);
    /* Interrupt sources before the PIC: the PIC's reset then clears the
     * requests their own resets raised, as ICW1 would. */
    Device *order[] = { &m->pit.dev, &m->portb.dev, &m->rtc.dev, &m->uart[0].dev,
                        &m->uart[1].dev, &m->kbc.dev, &m->pic.dev, &m->port92.dev,
                        &m->post.dev, &m->debugcon.dev, &m->debugexit.dev, &m->pci.pdev.dev,
                        &m->piix3.pdev.dev };
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (add_device(m, order[i], err, errlen) < 0)
            return -1;
    return 0;
}

Machine *machine_new(const MachineConfig *cfg, const BiosImage *bios, char *err, size_t errlen)
{
    Machine *m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    m->cfg = *cfg;
    if (!m->cfg.log)
        m->cfg.log = stderr;
    vclock_init(&m->clock);
    galloc_init(&m->dev_alloc);
    net_init(&m->net, m_clock_ns, m);
    iobus_init(&m->io);
    m->io.log = m->cfg.log;
    m->io.log_unimp = (cfg->dev_log & DEV_LOG_UNIMP) != 0;
    m->host = (DeviceHost){ &m->io, m->cfg.log, cfg->dev_log };
    m->ips = 100000000u; /* a first guess; measured from the first slice on */
    m->cpu = e386_cpu_new();
    if (!m->cpu) {
        snprintf(err, errlen, "out of memory");
        free(m);
        return NULL;
    }
    if (e386_system_init(m->cpu, &machine_ops, m) < 0) {
        snprintf(err, errlen, "cannot put the CPU in system mode");
        goto fail;
    }
    if (cfg->accel && e386_set_accel(m->cpu, cfg->accel) != cfg->accel) {
        snprintf(err, errlen, "-accel: not built for this host");
        goto fail;
    }
    if (cfg->icount) /* before any device reads the clock */
        vclock_set_icount(&m->clock, m->cpu, cfg->icount_shift);
    LinuxPlan plan;
    if (!bios && !cfg->kernel) {
        snprintf(err, errlen, "no firmware and no kernel to run");
        goto fail;
    }
    if (cfg->kernel && linux_boot_plan(cfg->kernel, cfg->ram_size, &plan, err, errlen) < 0)
        goto fail;
    if (ram_map(m->cpu, cfg->ram_size, err, errlen) < 0 ||
        (bios && map_bios(m, bios, err, errlen) < 0) || build_devices(m, err, errlen) < 0)
        goto fail;
    if (cfg->cpu_log)
        e386_set_log(m->cpu, cfg->cpu_log, m->cfg.log, cfg->disasm, cfg->disasm_opaque);
    /* ---- migration: pages written since power on (docs/migration.md) ----
     * RAM is zero here by construction; from now on the core's dirty log
     * sees every write to it, so a migration's first pass reads only the
     * pages in Machine.written.  Without memory for it: every page is read. */
    uint32_t npages = cfg->ram_size / 4096u;
    m->written = calloc((npages + 63) / 64 + 1, sizeof *m->written);
    if (m->written && e386_dirty_log_start(m->cpu, npages) < 0) {
        free(m->written);
        m->written = NULL;
    }
    /* ---- */
    machine_reset(m);
    if (cfg->monitor && machine_monitor_attach(m, cfg->monitor) < 0) { /* machine_mon.c */
        snprintf(err, errlen, "cannot register the machine's monitor commands");
        goto fail;
    }
    if (trace_mon_attach(m, cfg->trace_irqsoff, err, errlen) < 0) /* trace_mon.c */
        goto fail;
    m->cfg.incoming = false; /* a later reset (after the load) boots the kernel again */
    return m;
fail:
    machine_free(m);
    return NULL;
}

void machine_free(Machine *m)
{
    if (!m)
        return;
    trace_mon_detach(m); /* the -trace-irqsoff report */
    machine_monitor_detach(m);
    hotplug_remove_all(m); /* the cards, then the netdevs */
    for (int i = m->ndev - 1; i >= 0; i--)
        device_unrealize(m->dev[i]);
    for (int i = 0; i < MACHINE_NSERIAL; i++)
        chardev_close(m->serial[i]); /* restores the terminal (stdio) */
    e386_cpu_free(m->cpu); /* RAM and ROM go back with the address space */
    free(m->written);
    galloc_destroy(&m->dev_alloc); /* checked builds: aborts on an option ROM not given back */
    free(m);
}

void machine_reset(Machine *m)
{
    for (int i = 0; i < m->ndev; i++)
        device_reset(m->dev[i]);
    hotplug_reset(m); /* the cards; with -kernel the board's firmware duty */
    e386_system_reset(m->cpu);
    e386_set_irq(m->cpu, pic_intr_level(&m->pic));
    /* -kernel: no firmware to run, so a reset loads the kernel again, as
     * QEMU's -kernel does; machine_new checked that it fits this RAM */
    if (m->cfg.kernel && !m->cfg.incoming) {
        char err[256];
        if (linux_boot_enter(m->cpu, m->cfg.kernel, m->cfg.ram_size, err, sizeof err) < 0)
            fprintf(m->cfg.log, "emu386-system: %s\n", err);
    }
}

void machine_dump_state(const Machine *m, FILE *out)
{
    for (int i = 0; i < m->ndev; i++)
        device_dump_state(m->dev[i], out);
    for (int i = 0; i < MACHINE_MAX_BRIDGES; i++) /* -device pci-bridge (hotplug_bridge.c) */
        if (m->bridge[i])
            device_dump_state(&m->bridge[i]->pci.dev, out);
    for (int i = 0; i < MACHINE_MAX_NICS; i++)
        if (m->nic[i])
            device_dump_state(&m->nic[i]->dev, out);
}
