/* PCI: configuration mechanism #1's corner cases, the header's read-only
 * and write-1-to-clear bits, BAR sizing and decoding on the port bus and
 * through MMIO, the expansion-ROM BAR, INTx through the PIIX3's PIRQ
 * routing, hot add/remove, and the option-ROM free of the bug history
 * (BRIEF.md section 4) caught by the guest allocator's registry. */
#define _DEFAULT_SOURCE
#include <check.h>
#include "unit_main.h"
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "core/cpu.h"
#include "system/hotplug.h"
#include "system/machine.h"

static Machine *new_machine(void)
{
    static uint8_t rom[65536];
    MachineConfig cfg = { .ram_size = 4u << 20, .serial = { "null", NULL } };
    BiosImage img = { rom, sizeof rom };
    char err[256];
    Machine *m = machine_new(&cfg, &img, err, sizeof err);
    ck_assert_msg(m != NULL, "%s", err);
    return m;
}

static void add(Machine *m, const char *opts)
{
    char err[512];
    ck_assert_msg(hotplug_device_add(m, opts, err, sizeof err) == 0, "%s: %s", opts, err);
}

static uint32_t cfg_read(Machine *m, int devfn, uint32_t reg, int size)
{
    iobus_write(&m->io, 0xCF8, 4, 0x80000000u | (uint32_t)devfn << 8 | (reg & 0xFC));
    return iobus_read(&m->io, (uint16_t)(0xCFC + (reg & 3)), size);
}

static void cfg_write(Machine *m, int devfn, uint32_t reg, int size, uint32_t v)
{
    iobus_write(&m->io, 0xCF8, 4, 0x80000000u | (uint32_t)devfn << 8 | (reg & 0xFC));
    iobus_write(&m->io, (uint16_t)(0xCFC + (reg & 3)), size, v);
}

static char *rom_file(size_t len)
{
    char *path = strdup("/tmp/emu386-test-romXXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    uint8_t *buf = malloc(len);
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(i * 13 + 1);
    buf[0] = 0x55, buf[1] = 0xAA;
    ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
    close(fd);
    free(buf);
    return path;
}

START_TEST(test_mech1_address_register)
{
    Machine *m = new_machine();
    iobus_write(&m->io, 0xCF8, 4, 0xFFFFFFFFu);
    ck_assert_uint_eq(iobus_read(&m->io, 0xCF8, 4), 0x80FFFFFCu); /* reserved bits read 0 */
    /* byte and word cycles to 0xCF8-0xCFB are not CONFADD (Linux's probe) */
    iobus_write(&m->io, 0xCFB, 1, 0x01);
    iobus_write(&m->io, 0xCF8, 2, 0x1234);
    ck_assert_uint_eq(iobus_read(&m->io, 0xCF8, 4), 0x80FFFFFCu);
    ck_assert_uint_eq(iobus_read(&m->io, 0xCF8, 1), 0xFF);
    ck_assert_uint_eq(iobus_read(&m->io, 0xCFA, 2), 0xFFFF);
    /* 0xCF9 is the reset control register: bits 1 and 3 read back */
    iobus_write(&m->io, 0xCF9, 1, 0x0A);
    ck_assert_uint_eq(iobus_read(&m->io, 0xCF9, 1), 0x0A);
    machine_free(m);
}
END_TEST

START_TEST(test_mech1_data_port)
{
    Machine *m = new_machine();
    ck_assert_uint_eq(cfg_read(m, 0, 0, 4), 0x12378086u);
    ck_assert_uint_eq(cfg_read(m, 1 << 3, 0, 4), 0x70008086u);
    ck_assert_uint_eq(cfg_read(m, 1 << 3, 0x0A, 2), 0x0601); /* ISA bridge */
    ck_assert_uint_eq(cfg_read(m, 1 << 3, 0x0E, 1), 0x80);  /* multi-function */
    ck_assert_uint_eq(cfg_read(m, 2 << 3, 0, 4), 0xFFFFFFFFu); /* empty slot */
    ck_assert_uint_eq(cfg_read(m, 1, 0, 4), 0xFFFFFFFFu);      /* empty function */
    /* every size at every offset of CONFDATA */
    iobus_write(&m->io, 0xCF8, 4, 0x80000000u);
    ck_assert_uint_eq(iobus_read(&m->io, 0xCFC, 1), 0x86);
    ck_assert_uint_eq(iobus_read(&m->io, 0xCFD, 1), 0x80);
    ck_assert_uint_eq(iobus_read(&m->io, 0xCFE, 1), 0x37);
    ck_assert_uint_eq(iobus_read(&m->io, 0xCFF, 1), 0x12);
    ck_assert_uint_eq(iobus_read(&m->io, 0xCFD, 2), 0x3780);
    ck_assert_uint_eq(iobus_read(&m->io, 0xCFE, 2), 0x1237);
    ck_assert_uint_eq(iobus_read(&m->io, 0xCFE, 4), 0xFFFF1237u); /* past CONFDATA: floats */
    /* enable bit clear, another bus: nothing answers */
    iobus_write(&m->io, 0xCF8, 4, 0x00000000u);
    ck_assert_uint_eq(iobus_read(&m->io, 0xCFC, 4), 0xFFFFFFFFu);
    iobus_write(&m->io, 0xCF8, 4, 0x80010000u);
    ck_assert_uint_eq(iobus_read(&m->io, 0xCFC, 4), 0xFFFFFFFFu);
    iobus_write(&m->io, 0xCFC, 4, 0); /* dropped */
    machine_free(m);
}
END_TEST

START_TEST(test_header_bits)
{
    Machine *m = new_machine();
    add(m, "ne2k_pci,id=nic,romfile=");
    int fn = 3 << 3;
    ck_assert_uint_eq(cfg_read(m, fn, 0, 4), 0x802910ECu);
    cfg_write(m, fn, 0, 4, 0);
    ck_assert_uint_eq(cfg_read(m, fn, 0, 4), 0x802910ECu); /* IDs are read-only */
    ck_assert_uint_eq(cfg_read(m, fn, 0x08, 4), 0x02000000u);
    ck_assert_uint_eq(cfg_read(m, fn, 0x3D, 1), 1); /* INTA */
    cfg_write(m, fn, PCI_COMMAND, 2, 0xFFFF);
    ck_assert_uint_eq(cfg_read(m, fn, PCI_COMMAND, 2), 0x0547);
    m->nic[0]->config[PCI_STATUS + 1] = 0xF9; /* error bits as a device would set them */
    cfg_write(m, fn, PCI_STATUS, 2, 0x0800);      /* clear one */
    ck_assert_uint_eq(cfg_read(m, fn, PCI_STATUS, 2), 0xF100);
    cfg_write(m, fn, PCI_COMMAND, 4, 0xFFFF0000u); /* a dword write clears the rest */
    ck_assert_uint_eq(cfg_read(m, fn, PCI_STATUS, 2), 0);
    cfg_write(m, fn, PCI_INTERRUPT_LINE, 1, 0x5A);
    ck_assert_uint_eq(cfg_read(m, fn, PCI_INTERRUPT_LINE, 1), 0x5A);
    machine_free(m);
}
END_TEST

START_TEST(test_bar_sizing)
{
    Machine *m = new_machine();
    char *rom = rom_file(5000);
    char opts[256];
    snprintf(opts, sizeof opts, "ne2k_pci,id=nic,romfile=%s", rom);
    add(m, opts);
    int fn = 3 << 3;
    cfg_write(m, fn, 0x10, 4, 0xFFFFFFFFu);
    ck_assert_uint_eq(cfg_read(m, fn, 0x10, 4), 0xFFFFFFE1u); /* 32 bytes of I/O */
    for (uint32_t r = 0x14; r < 0x28; r += 4) {
        cfg_write(m, fn, r, 4, 0xFFFFFFFFu);
        ck_assert_uint_eq(cfg_read(m, fn, r, 4), 0); /* unimplemented BARs */
    }
    cfg_write(m, fn, 0x30, 4, 0xFFFFFFFFu);
    ck_assert_uint_eq(cfg_read(m, fn, 0x30, 4), 0xFFFFE001u); /* 8 KiB ROM, enable bit */
    cfg_write(m, fn, 0x30, 4, 0xFFFFFFFEu);
    ck_assert_uint_eq(cfg_read(m, fn, 0x30, 4), 0xFFFFE000u);
    /* byte writes size a BAR too */
    cfg_write(m, fn, 0x10, 4, 0);
    cfg_write(m, fn, 0x11, 1, 0xFF);
    ck_assert_uint_eq(cfg_read(m, fn, 0x10, 4), 0x0000FF01u);
    machine_free(m);
    unlink(rom);
    free(rom);
}
END_TEST

START_TEST(test_io_bar_decoding)
{
    Machine *m = new_machine();
    add(m, "ne2k_pci,id=nic,romfile=");
    int fn = 3 << 3;
    cfg_write(m, fn, 0x10, 4, 0xD000);
    ck_assert_uint_eq(iobus_read(&m->io, 0xD007, 1), 0xFF); /* decoding off */
    cfg_write(m, fn, PCI_COMMAND, 2, PCI_CMD_IO);
    ck_assert_uint_eq(iobus_read(&m->io, 0xD007, 1), 0x80); /* ISR: RST after reset */
    ck_assert_uint_eq(iobus_read(&m->io, 0xD00A, 1), 0x50); /* RTL8029 ID */
    cfg_write(m, fn, 0x10, 4, 0xD100); /* move it */
    ck_assert_uint_eq(iobus_read(&m->io, 0xD00A, 1), 0xFF);
    ck_assert_uint_eq(iobus_read(&m->io, 0xD10A, 1), 0x50);
    /* onto COM1: the port bus refuses, the BAR decodes nothing, COM1 lives */
    uint32_t lsr = iobus_read(&m->io, 0x3FD, 1);
    cfg_write(m, fn, 0x10, 4, 0x3E0);
    ck_assert_uint_eq(iobus_read(&m->io, 0xD10A, 1), 0xFF);
    ck_assert_uint_eq(iobus_read(&m->io, 0x3FD, 1), lsr);
    ck_assert(!m->nic[0]->bar[0].mapped);
    /* past 64 KiB: nothing */
    cfg_write(m, fn, 0x10, 4, 0x12340000u);
    ck_assert(!m->nic[0]->bar[0].mapped);
    cfg_write(m, fn, 0x10, 4, 0xD000);
    ck_assert(m->nic[0]->bar[0].mapped);
    cfg_write(m, fn, PCI_COMMAND, 2, 0);
    ck_assert(!m->nic[0]->bar[0].mapped);
    ck_assert_uint_eq(iobus_read(&m->io, 0xD00A, 1), 0xFF);
    machine_free(m);
}
END_TEST

START_TEST(test_rom_bar_decoding)
{
    Machine *m = new_machine();
    char *rom = rom_file(5000);
    char opts[256];
    snprintf(opts, sizeof opts, "ne2k_pci,id=nic,romfile=%s", rom);
    add(m, opts);
    int fn = 3 << 3;
    cfg_write(m, fn, 0x30, 4, 0xE0000001u);
    ck_assert_uint_eq(bus_read(m->cpu, 0xE0000000u, 2), 0xFFFF); /* memory decoding off */
    cfg_write(m, fn, PCI_COMMAND, 2, PCI_CMD_MEM);
    ck_assert_uint_eq(bus_read(m->cpu, 0xE0000000u, 2), 0xAA55);
    ck_assert_uint_eq(bus_read(m->cpu, 0xE0000000u + 4999, 1), (uint8_t)(4999 * 13 + 1));
    ck_assert_uint_eq(bus_read(m->cpu, 0xE0000000u + 6000, 4), 0); /* the block's zero tail */
    bus_write(m->cpu, 0xE0000000u, 4, 0x12345678u);                /* a ROM */
    ck_assert_uint_eq(bus_read(m->cpu, 0xE0000000u, 2), 0xAA55);
    cfg_write(m, fn, 0x30, 4, 0xE0000000u); /* enable bit off */
    ck_assert_uint_eq(bus_read(m->cpu, 0xE0000000u, 4), 0xFFFFFFFFu);
    /* over RAM: refused, RAM untouched */
    bus_write(m->cpu, 0x10000, 4, 0xCAFEF00Du);
    cfg_write(m, fn, 0x30, 4, 0x00010001u);
    ck_assert(!m->nic[0]->bar[PCI_ROM_SLOT].mapped);
    ck_assert_uint_eq(bus_read(m->cpu, 0x10000, 4), 0xCAFEF00Du);
    machine_free(m);
    unlink(rom);
    free(rom);
}
END_TEST

START_TEST(test_romfile_errors)
{
    Machine *m = new_machine();
    char err[512];
    ck_assert_int_eq(hotplug_device_add(m, "ne2k_pci,id=nic,romfile=/nonexistent/x.rom", err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "'/nonexistent/x.rom' cannot be opened"));
    ck_assert_ptr_null(m->nic[0]);
    ck_assert_ptr_null(m->pci.bus.dev[3 << 3]); /* nothing left behind */
    ck_assert_int_eq(hotplug_device_add(m, "ne2k_pci,id=nic,romfile=,netdev=nope", err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "netdev 'nope' not found"));
    ck_assert_int_eq(hotplug_device_add(m, "ne2k_pci,id=nic,mac=01:00:00:00:00:01", err, sizeof err), -1);
    ck_assert_int_eq(hotplug_device_add(m, "ne2k_pci,id=nic,addr=40", err, sizeof err), -1);
    ck_assert_int_eq(hotplug_device_add(m, "ne2k_pci,id=nic,bogus=1", err, sizeof err), -1);
    ck_assert_int_eq(hotplug_device_add(m, "e1000,id=nic", err, sizeof err), -1);
    ck_assert_int_eq(hotplug_device_del(m, "nic", err, sizeof err), -1);
    ck_assert_uint_eq(m->dev_alloc.bytes, 0);
    machine_free(m);
}
END_TEST

/* PIC input n's level as the PCI links drive it */
static int line(Machine *m, int irq) { return (m->pic.chip[irq >> 3].lines >> (irq & 7)) & 1; }

START_TEST(test_intx_routing)
{
    Machine *m = new_machine();
    add(m, "ne2k_pci,id=nic,romfile=");
    int fn = 3 << 3;
    cfg_write(m, fn, 0x10, 4, 0xD000);
    cfg_write(m, fn, PCI_COMMAND, 2, PCI_CMD_IO);
    /* slot 3 INTA is PIRQC (link 2) */
    cfg_write(m, 1 << 3, 0x62, 1, 11);
    /* make the card interrupt: remote read of 0 bytes completes at once (RDC) */
    iobus_write(&m->io, 0xD00F, 1, 0x40); /* IMR: RDC */
    iobus_write(&m->io, 0xD000, 1, 0x0A); /* STA, remote read */
    ck_assert_int_eq(line(m, 11), 1);
    ck_assert_uint_eq(cfg_read(m, fn, PCI_STATUS, 1) & PCI_STATUS_INTX, PCI_STATUS_INTX);
    /* reroute: 11 falls, 10 rises */
    cfg_write(m, 1 << 3, 0x62, 1, 10);
    ck_assert_int_eq(line(m, 11), 0);
    ck_assert_int_eq(line(m, 10), 1);
    /* INTx disable, routing off, reserved IRQs */
    cfg_write(m, fn, PCI_COMMAND, 2, PCI_CMD_IO | PCI_CMD_INTX_DISABLE);
    ck_assert_int_eq(line(m, 10), 0);
    ck_assert_uint_eq(cfg_read(m, fn, PCI_STATUS, 1) & PCI_STATUS_INTX, PCI_STATUS_INTX);
    cfg_write(m, fn, PCI_COMMAND, 2, PCI_CMD_IO);
    ck_assert_int_eq(line(m, 10), 1);
    cfg_write(m, 1 << 3, 0x62, 1, 0x8A);
    ck_assert_int_eq(line(m, 10), 0);
    cfg_write(m, 1 << 3, 0x62, 1, 0x02); /* IRQ 2 cannot be routed */
    ck_assert_uint_eq(m->pci.bus.irq_driven, 0); /* IRQ 2 is the cascade */
    cfg_write(m, 1 << 3, 0x62, 1, 11);
    ck_assert_int_eq(line(m, 11), 1);
    iobus_write(&m->io, 0xD007, 1, 0x40); /* ack */
    ck_assert_int_eq(line(m, 11), 0);
    /* surprise removal lowers the line */
    iobus_write(&m->io, 0xD000, 1, 0x0A);
    ck_assert_int_eq(line(m, 11), 1);
    char err[256];
    ck_assert_int_eq(hotplug_device_del(m, "nic", err, sizeof err), 0);
    ck_assert_int_eq(line(m, 11), 0);
    machine_free(m);
}
END_TEST

START_TEST(test_hotplug_cycles)
{
    setenv("E386_GALLOC_CHECK", "1", 1);
    Machine *m = new_machine();
    ck_assert_int_eq(m->dev_alloc.checked, 1);
    char *rom = rom_file(70000);
    char opts[256], err[512];
    snprintf(opts, sizeof opts, "ne2k_pci,id=nic,netdev=h,romfile=%s", rom);
    for (int i = 0; i < 50; i++) {
        ck_assert_int_eq(hotplug_netdev_add(m, "hubport,id=h,hubid=0", err, sizeof err), 0);
        add(m, opts);
        ck_assert_uint_eq(m->dev_alloc.nlive, 1);
        ck_assert_uint_eq(m->dev_alloc.bytes, 128u << 10); /* the ROM BAR's size */
        int fn = 3 << 3;
        cfg_write(m, fn, 0x10, 4, 0xD000);
        cfg_write(m, fn, 0x30, 4, 0xE0000001u);
        cfg_write(m, fn, PCI_COMMAND, 2, PCI_CMD_IO | PCI_CMD_MEM);
        ck_assert_uint_eq(bus_read(m->cpu, 0xE0000000u, 2), 0xAA55);
        /* netdev_del then device_del, and the other order */
        if (i & 1) {
            ck_assert_int_eq(hotplug_netdev_del(m, "h", err, sizeof err), 0);
            ck_assert_ptr_null(hotplug_nic_client(m->nic[0])->peer);
            ck_assert_int_eq(hotplug_device_del(m, "nic", err, sizeof err), 0);
        } else {
            ck_assert_int_eq(hotplug_device_del(m, "nic", err, sizeof err), 0);
            ck_assert_ptr_null(netdev_find(&m->net, "h")->peer);
            ck_assert_int_eq(hotplug_netdev_del(m, "h", err, sizeof err), 0);
        }
        ck_assert_uint_eq(m->dev_alloc.nlive, 0);
        ck_assert_uint_eq(bus_read(m->cpu, 0xE0000000u, 2), 0xFFFF);
        ck_assert_uint_eq(iobus_read(&m->io, 0xD00A, 1), 0xFF);
        ck_assert_ptr_null(m->pci.bus.dev[fn]);
    }
    machine_free(m);
    unlink(rom);
    free(rom);
}
END_TEST

START_TEST(test_firmware_assignment)
{
    /* what the board does for -kernel: here through pci_assign_device */
    Machine *m = new_machine();
    char *rom = rom_file(5000);
    char opts[256];
    snprintf(opts, sizeof opts, "ne2k_pci,id=a,romfile=%s", rom);
    add(m, opts);
    snprintf(opts, sizeof opts, "ne2k_pci,id=b,romfile=%s", rom);
    add(m, opts);
    static const uint8_t irq[4] = { 10, 10, 11, 11 };
    pci_firmware_setup(&m->pci.bus, irq);
    ck_assert_uint_eq(cfg_read(m, 3 << 3, 0x10, 4), 0xC001);
    ck_assert_uint_eq(cfg_read(m, 4 << 3, 0x10, 4), 0xC021);
    ck_assert_uint_eq(cfg_read(m, 3 << 3, 0x30, 4), 0xE0000000u);
    ck_assert_uint_eq(cfg_read(m, 4 << 3, 0x30, 4), 0xE0002000u);
    ck_assert_uint_eq(cfg_read(m, 3 << 3, PCI_INTERRUPT_LINE, 1), 11); /* slot 3: PIRQC */
    ck_assert_uint_eq(cfg_read(m, 4 << 3, PCI_INTERRUPT_LINE, 1), 11); /* slot 4: PIRQD */
    ck_assert_uint_eq(cfg_read(m, 3 << 3, PCI_COMMAND, 2), PCI_CMD_IO | PCI_CMD_MEM);
    ck_assert_uint_eq(iobus_read(&m->io, 0xC02A, 1), 0x50);
    HotplugPciInfo info[8];
    ck_assert_int_eq(hotplug_query_pci(m, info, 8), 4);
    ck_assert_str_eq(info[3].id, "b");
    ck_assert_uint_eq(info[3].bar[0].addr, 0xC020);
    ck_assert(info[3].bar[0].mapped);
    char text[4096], err[128];
    ck_assert_int_eq(hotplug_info_pci(m, text, sizeof text, err, sizeof err), 0);
    ck_assert_ptr_nonnull(strstr(text, "PCI device 10ec:8029"));
    ck_assert_ptr_nonnull(strstr(text, "BAR0: I/O at 0x0000c020 [0x0000c03f]"));
    machine_free(m);
    unlink(rom);
    free(rom);
}
END_TEST

/* Regression: the board's firmware gave an RTL8139's memory BAR and its
 * ROM the same address (first fit looked only at the other devices'
 * BARs); Linux reported "ROM ...: can't claim; address conflict" and
 * moved the ROM. */
START_TEST(test_firmware_bars_of_one_card_do_not_overlap)
{
    Machine *m = new_machine();
    char *rom = rom_file(5000);
    char opts[256];
    snprintf(opts, sizeof opts, "rtl8139,id=c,romfile=%s", rom);
    add(m, opts);
    cfg_write(m, 3 << 3, 0x14, 4, 0xE0000000u); /* stale addresses do not block the search */
    pci_assign_device(m->nic[0]);
    ck_assert_uint_eq(cfg_read(m, 3 << 3, 0x14, 4), 0xE0000000u);
    ck_assert_uint_eq(cfg_read(m, 3 << 3, 0x30, 4), 0xE0002000u);
    ck_assert_uint_eq(cfg_read(m, 3 << 3, 0x10, 4), 0xC001);
    ck_assert(m->nic[0]->bar[1].mapped);
    cfg_write(m, 3 << 3, 0x30, 4, 0xE0002001u);
    ck_assert(m->nic[0]->bar[PCI_ROM_SLOT].mapped);
    ck_assert_uint_eq(bus_read(m->cpu, 0xE0002000u, 2), 0xAA55);
    machine_free(m);
    unlink(rom);
    free(rom);
}
END_TEST

/* A guest writing anything anywhere in configuration space, ports and
 * the PCI window: nothing outside the devices is touched (ASan/UBSan
 * builds check the host side), RAM and the legacy ports survive, and the
 * mappings always agree with the registers. */
START_TEST(test_config_storm)
{
    Machine *m = new_machine();
    char *rom = rom_file(20000);
    char opts[256];
    snprintf(opts, sizeof opts, "ne2k_pci,id=a,romfile=%s", rom);
    add(m, opts);
    snprintf(opts, sizeof opts, "ne2k_pci,id=b,romfile=%s", rom);
    add(m, opts);
    bus_write(m->cpu, 0x20000, 4, 0x600DF00Du);
    uint32_t x = 99;
    for (int i = 0; i < 300000; i++) {
        x = x * 1103515245u + 12345u;
        uint32_t v = x >> 3, r = x >> 11;
        int size = 1 << ((x >> 5) & 3);
        if (size == 8)
            size = 4;
        switch (x >> 29) {
        case 0:
        case 1: /* CONFADD, mostly at our three slots */
            iobus_write(&m->io, 0xCF8, 4, 0x80000000u | ((r % 5) << 11) | (v & 0x7FC));
            break;
        case 2:
        case 3:
            iobus_write(&m->io, (uint16_t)(0xCFC + (r & 3)), size,
                        (x & 0x100) ? 0xFFFFFFFFu : (x & 0x200) ? v : (0xC000u | (v & 0x3FE0)));
            break;
        case 4:
            iobus_read(&m->io, (uint16_t)(0xCFC + (r & 3)), size);
            break;
        case 5: /* the cards' ports wherever they are */
            iobus_write(&m->io, (uint16_t)(0xC000 + (v & 0x3FFF)), size, r);
            break;
        case 6:
            bus_read(m->cpu, 0xE0000000u + (v & 0x3FFFF), size);
            break;
        default:
            bus_write(m->cpu, 0xE0000000u + (v & 0x3FFFF), size, r);
            break;
        }
    }
    ck_assert_uint_eq(bus_read(m->cpu, 0x20000, 4), 0x600DF00Du);
    for (int n = 0; n < 2; n++) {
        PciDevice *d = m->nic[n];
        for (int b = 0; b <= PCI_NBARS; b++) {
            if (!d->bar[b].mapped)
                continue;
            uint32_t reg = b == PCI_ROM_SLOT ? 0x30 : 0x10 + 4u * (uint32_t)b;
            uint32_t v = pci_get32(d->config + reg) & ~(d->bar[b].size - 1);
            ck_assert_uint_eq(v & ~0xFu, d->bar[b].addr);
        }
    }
    char err[128];
    ck_assert_int_eq(hotplug_device_del(m, "a", err, sizeof err), 0);
    ck_assert_int_eq(hotplug_device_del(m, "b", err, sizeof err), 0);
    ck_assert_uint_eq(m->dev_alloc.nlive, 0);
    machine_free(m);
    unlink(rom);
    free(rom);
}
END_TEST

/* ---- the bug history's option-ROM free (BRIEF.md section 4) ---- */

static Machine *machine_with_rom_nic(void)
{
    setenv("E386_GALLOC_CHECK", "1", 1);
    Machine *m = new_machine();
    char *rom = rom_file(5000);
    char opts[256];
    snprintf(opts, sizeof opts, "ne2k_pci,id=nic,romfile=%s", rom);
    add(m, opts);
    unlink(rom);
    free(rom);
    ck_assert_ptr_nonnull(m->nic[0]->rom);
    return m;
}

/* The 2013 bug: the ROM, allocated by the guest allocator, released on
 * unplug by another allocator's free.  Here that free is an munmap the
 * registry never hears of: the block stays registered and the machine's
 * end (galloc_destroy) aborts naming the ROM's allocation site. */
START_TEST(test_optionrom_freed_with_wrong_allocator_is_caught)
{
    Machine *m = machine_with_rom_nic();
    PciDevice *d = m->nic[0];
    munmap(d->rom, d->rom_block); /* the wrong function */
    d->rom = NULL;
    char err[256];
    ck_assert_int_eq(hotplug_netdev_add(m, "hubport,id=n,hubid=1", err, sizeof err), 0);
    ck_assert_int_eq(hotplug_netdev_del(m, "n", err, sizeof err), 0);
    ck_assert_int_eq(hotplug_device_del(m, "nic", err, sizeof err), 0);
    machine_free(m); /* must abort: a live block at destroy */
}
END_TEST

/* The same family with a wrong size (the file's, not the block's): caught
 * at the free itself. */
START_TEST(test_optionrom_freed_with_wrong_size_is_caught)
{
    Machine *m = machine_with_rom_nic();
    PciDevice *d = m->nic[0];
    galloc_free(&m->dev_alloc, d->rom, d->rom_size + 8192); /* must abort */
}
END_TEST

/* The right pair: device_del gives the ROM back, the registry is empty. */
START_TEST(test_optionrom_freed_by_its_pair)
{
    Machine *m = machine_with_rom_nic();
    ck_assert_uint_eq(m->dev_alloc.nlive, 1);
    char err[256];
    ck_assert_int_eq(hotplug_device_del(m, "nic", err, sizeof err), 0);
    ck_assert_uint_eq(m->dev_alloc.nlive, 0);
    machine_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pci");
    TCase *tc = tcase_create("pci");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_mech1_address_register);
    tcase_add_test(tc, test_mech1_data_port);
    tcase_add_test(tc, test_header_bits);
    tcase_add_test(tc, test_bar_sizing);
    tcase_add_test(tc, test_io_bar_decoding);
    tcase_add_test(tc, test_rom_bar_decoding);
    tcase_add_test(tc, test_romfile_errors);
    tcase_add_test(tc, test_intx_routing);
    tcase_add_test(tc, test_hotplug_cycles);
    tcase_add_test(tc, test_firmware_assignment);
    tcase_add_test(tc, test_config_storm);
    tcase_add_test(tc, test_firmware_bars_of_one_card_do_not_overlap);
    tcase_add_test(tc, test_optionrom_freed_by_its_pair);
    tcase_add_test_raise_signal(tc, test_optionrom_freed_with_wrong_allocator_is_caught, SIGABRT);
    tcase_add_test_raise_signal(tc, test_optionrom_freed_with_wrong_size_is_caught, SIGABRT);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
