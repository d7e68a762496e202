/* The pci-bridge and its Standard Hot-Plug Controller (issue 11, part 5).
 *
 * Expected values come from the specifications: the type-1 header from
 * the PCI-to-PCI Bridge Architecture Specification 1.2 (chapter 3; INTx
 * swizzling 9.1), the register set, the commands and their status from
 * the PCI Standard Hot-Plug Controller Specification 1.0 (chapter 6), and
 * the command codes Linux's shpchp writes (drivers/pci/hotplug/
 * shpchp_hpc.c: 0x01 power-only, 0x02|0x08|0x30 enable with the power
 * indicator blinking and the attention indicator off, 0x03|0x0C|0x10
 * disable with power off and attention on). */
#define _DEFAULT_SOURCE
#include <check.h>
#include "unit_main.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/cpu.h"
#include "dev/shpc.h"
#include "system/hotplug.h"
#include "system/hotplug_bridge.h"
#include "system/machine.h"

enum { SLOT0 = 0x24, SERR_INT = 0x20, CMD = 0x14, INT_LOC = 0x18 };

/* ---- the controller alone ---- */

static int irq_level = -1;
static void note_irq(void *opaque, int level) { (void)opaque, irq_level = level; }

START_TEST(test_shpc_reset_values)
{
    ShpcState s;
    shpc_init(&s, 8, 1, 1, note_irq, NULL);
    shpc_reset(&s, 1u << 2); /* a card in slot 2 at power-on */
    ck_assert_uint_eq(shpc_read(&s, 0x00, 4), 0);          /* base offset: BAR0 itself */
    ck_assert_uint_eq(shpc_read(&s, 0x04, 4), 8);          /* eight 33 MHz slots */
    ck_assert_uint_eq(shpc_read(&s, 0x08, 4), 0);
    /* 8 slots, first device 1, physical slot 1, up, attention buttons, no MRL sensors */
    ck_assert_uint_eq(shpc_read(&s, 0x0C, 4), 8u | 1u << 8 | 1u << 16 | 1u << 29 | 1u << 31);
    ck_assert_uint_eq(shpc_read(&s, 0x13, 1), 1);          /* programming interface 1 */
    ck_assert_uint_eq(shpc_read(&s, 0x10, 2), 0);          /* 33 MHz conventional */
    ck_assert_uint_eq(shpc_read(&s, SERR_INT, 4), 0xF);    /* every interrupt and SERR masked */
    /* an empty slot: disabled, both indicators off, PRSNT 11b; masked */
    ck_assert_uint_eq(shpc_read(&s, SLOT0, 4), 0x7F000000u | 3u | 3u << 2 | 3u << 4 | 3u << 10);
    /* the occupied one: enabled, power indicator on, attention off, present */
    ck_assert_uint_eq(shpc_read(&s, SLOT0 + 8, 4), 0x7F000000u | 2u | 1u << 2 | 3u << 4);
    ck_assert(shpc_slot_enabled(&s, 2));
    ck_assert(!shpc_slot_enabled(&s, 0));
    ck_assert_int_eq(irq_level, 0);
    ck_assert_int_eq(shpc_slot_of(&s, 1), 0);
    ck_assert_int_eq(shpc_slot_of(&s, 8), 7);
    ck_assert_int_eq(shpc_slot_of(&s, 0), -1);
    ck_assert_int_eq(shpc_slot_of(&s, 9), -1);
}
END_TEST

START_TEST(test_shpc_hot_add_and_linux_commands)
{
    ShpcState s;
    shpc_init(&s, 8, 1, 1, note_irq, NULL);
    /* shpchp's set-up: slot masks cleared, global and command masks cleared */
    shpc_write(&s, SLOT0, 4, 0);
    shpc_write(&s, SERR_INT, 4, 0);
    ck_assert_int_eq(irq_level, 0);
    shpc_plug(&s, 0, false);
    uint32_t r = shpc_read(&s, SLOT0, 4);
    ck_assert_uint_ne((r >> 10) & 3, 3);                        /* present */
    ck_assert_uint_eq(r & (SHPC_EV_PRESENCE | SHPC_EV_BUTTON), SHPC_EV_PRESENCE | SHPC_EV_BUTTON);
    ck_assert_uint_eq(shpc_read(&s, INT_LOC, 4), 2);            /* slot 0 */
    ck_assert_int_eq(irq_level, 1);
    ck_assert(!shpc_slot_enabled(&s, 0));                       /* isolated until the guest says */
    /* the events are write-1-to-clear; the state bits read-only */
    shpc_write(&s, SLOT0, 4, r);
    ck_assert_uint_eq(shpc_read(&s, SLOT0, 4), r & ~(uint32_t)(SHPC_EV_PRESENCE | SHPC_EV_BUTTON));
    ck_assert_uint_eq(shpc_read(&s, INT_LOC, 4), 0);
    ck_assert_int_eq(irq_level, 0);
    /* power-only, then enable (target slot 1 in the high byte) */
    shpc_write(&s, CMD, 2, 1u << 8 | 0x01);
    ck_assert_uint_eq(shpc_read(&s, SLOT0, 1) & 3, SHPC_STATE_PWRONLY);
    ck_assert_uint_eq(shpc_read(&s, CMD + 2, 2), 0);            /* not busy, no error */
    ck_assert_uint_eq(shpc_read(&s, SERR_INT, 4) & SHPC_CMD_DETECTED, SHPC_CMD_DETECTED);
    ck_assert_uint_eq(shpc_read(&s, INT_LOC, 4), 1);            /* command complete */
    ck_assert_int_eq(irq_level, 1);
    shpc_write(&s, SERR_INT, 4, SHPC_CMD_DETECTED);             /* the ISR's acknowledge */
    ck_assert_int_eq(irq_level, 0);
    shpc_write(&s, CMD, 2, 1u << 8 | 0x02 | 0x08 | 0x30);
    r = shpc_read(&s, SLOT0, 4);
    ck_assert_uint_eq(r & 0x3F, 2u | 2u << 2 | 3u << 4);        /* enabled, blinking, attention off */
    ck_assert(shpc_slot_enabled(&s, 0));
    ck_assert_uint_eq(shpc_read(&s, CMD, 2), 1u << 8 | 0x3A);   /* the last command reads back */
    /* the global mask holds the line low, the locator still shows the source */
    shpc_write(&s, SERR_INT, 4, SHPC_GLOBAL_INT_MASK);
    ck_assert_int_eq(irq_level, 0);
    ck_assert_uint_eq(shpc_read(&s, INT_LOC, 4), 1);
    shpc_write(&s, SERR_INT, 4, SHPC_CMD_DETECTED);
    ck_assert_uint_eq(shpc_read(&s, INT_LOC, 4), 0);
}
END_TEST

START_TEST(test_shpc_command_errors)
{
    ShpcState s;
    shpc_init(&s, 8, 1, 1, note_irq, NULL);
    shpc_write(&s, CMD, 2, 0 << 8 | 0x02);                      /* slot 0 does not exist */
    ck_assert_uint_eq(shpc_read(&s, CMD + 2, 2), SHPC_CMDSTAT_INVALID_CMD);
    shpc_write(&s, CMD, 2, 9u << 8 | 0x02);                     /* neither does slot 9 */
    ck_assert_uint_eq(shpc_read(&s, CMD + 2, 2), SHPC_CMDSTAT_INVALID_CMD);
    shpc_write(&s, CMD, 2, 1u << 8 | 0x02);                     /* nothing to power */
    ck_assert_uint_eq(shpc_read(&s, CMD + 2, 2), SHPC_CMDSTAT_INVALID_CMD);
    ck_assert(!shpc_slot_enabled(&s, 0));
    shpc_write(&s, CMD, 2, 0x41);                               /* 66 MHz: not offered */
    ck_assert_uint_eq(shpc_read(&s, CMD + 2, 2), SHPC_CMDSTAT_INVALID_MODE);
    shpc_write(&s, CMD, 2, 0x40);                               /* 33 MHz conventional */
    ck_assert_uint_eq(shpc_read(&s, CMD + 2, 2), 0);
    shpc_write(&s, CMD, 2, 0x50);                               /* interface 2 only */
    ck_assert_uint_eq(shpc_read(&s, CMD + 2, 2), SHPC_CMDSTAT_INVALID_CMD);
    shpc_write(&s, CMD, 2, 0xFF);
    ck_assert_uint_eq(shpc_read(&s, CMD + 2, 2), SHPC_CMDSTAT_INVALID_CMD);
    /* the status word itself is read-only */
    shpc_write(&s, CMD + 2, 2, 0);
    ck_assert_uint_eq(shpc_read(&s, CMD + 2, 2), SHPC_CMDSTAT_INVALID_CMD);
    /* enable-all powers the occupied slots only */
    shpc_plug(&s, 3, false);
    shpc_write(&s, CMD, 2, 0x49);
    ck_assert(shpc_slot_enabled(&s, 3));
    ck_assert(!shpc_slot_enabled(&s, 2));
    /* out of range, unaligned, odd sizes: nothing, no crash */
    ck_assert_uint_eq(shpc_read(&s, SHPC_REGS_SIZE, 4), 0);
    ck_assert_uint_eq(shpc_read(&s, 0x0E, 4), 0);
    ck_assert_uint_eq(shpc_read(&s, 0x0C, 3), 0);
    shpc_write(&s, 0xFFFFFFFFu, 4, 0xFFFFFFFFu);
    shpc_write(&s, SLOT0 + 2, 4, 0xFFFFFFFFu);
    ck_assert(shpc_slot_enabled(&s, 3));
}
END_TEST

START_TEST(test_shpc_unplug_handshake)
{
    ShpcState s;
    shpc_init(&s, 8, 1, 1, note_irq, NULL);
    shpc_reset(&s, 1u << 0);
    /* a slot never powered: nothing to ask */
    shpc_plug(&s, 1, false);
    ck_assert_int_eq(shpc_request_unplug(&s, 1), 1);
    /* a powered one: the attention button, then it waits */
    shpc_write(&s, SLOT0, 4, 0);
    ck_assert_int_eq(shpc_request_unplug(&s, 0), 0);
    ck_assert_uint_eq(shpc_read(&s, SLOT0, 4) & SHPC_EV_BUTTON, SHPC_EV_BUTTON);
    ck_assert_uint_eq(s.pending, 1);
    ck_assert_int_eq(shpc_request_unplug(&s, 0), -1); /* already asked */
    /* indicators alone do not release it */
    shpc_write(&s, CMD, 2, 1u << 8 | 0x08);
    ck_assert_uint_eq(s.released, 0);
    ck_assert_uint_eq(s.pending, 1);
    /* shpchp's slot_disable: disabled, power indicator off, attention on */
    shpc_write(&s, CMD, 2, 1u << 8 | 0x03 | 0x0C | 0x10);
    ck_assert_uint_eq(s.released, 1);
    ck_assert_uint_eq(s.pending, 0);
    ck_assert_int_eq(shpc_request_unplug(&s, 0), -1); /* still on its way out */
    shpc_write(&s, SLOT0, 4, SHPC_EV_BUTTON);
    shpc_unplugged(&s, 0);
    uint32_t r = shpc_read(&s, SLOT0, 4);
    ck_assert_uint_eq((r >> 10) & 3, 3);            /* empty */
    ck_assert_uint_eq(r & SHPC_EV_PRESENCE, SHPC_EV_PRESENCE);
    ck_assert_uint_eq(s.released, 0);
}
END_TEST

/* ---- the bridge on the machine ---- */

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

static uint32_t cfg_read(Machine *m, int bus, int devfn, uint32_t reg, int size)
{
    iobus_write(&m->io, 0xCF8, 4, 0x80000000u | (uint32_t)bus << 16 | (uint32_t)devfn << 8 | (reg & 0xFC));
    return iobus_read(&m->io, (uint16_t)(0xCFC + (reg & 3)), size);
}

static void cfg_write(Machine *m, int bus, int devfn, uint32_t reg, int size, uint32_t v)
{
    iobus_write(&m->io, 0xCF8, 4, 0x80000000u | (uint32_t)bus << 16 | (uint32_t)devfn << 8 | (reg & 0xFC));
    iobus_write(&m->io, (uint16_t)(0xCFC + (reg & 3)), size, v);
}

enum { BR = 3 << 3, CAP = 0x48 };

/* The SHPC through its capability: DWORD select, then data. */
static uint32_t shpc_cfg_read(Machine *m, int dword)
{
    cfg_write(m, 0, BR, CAP + 2, 1, (uint32_t)dword);
    return cfg_read(m, 0, BR, CAP + 4, 4);
}

static void shpc_cfg_write(Machine *m, int dword, uint32_t v)
{
    cfg_write(m, 0, BR, CAP + 2, 1, (uint32_t)dword);
    cfg_write(m, 0, BR, CAP + 4, 4, v);
}

/* One guest instruction: what the board calls "running" (cards added
 * from now on are hot insertions). */
static void run_one(Machine *m)
{
    e386_exit ex;
    e386_run(m->cpu, 1, &ex);
    ck_assert_uint_ge(e386_insn_count(m->cpu), 1);
}

START_TEST(test_bridge_header)
{
    Machine *m = new_machine();
    add(m, "pci-bridge,id=br0");
    ck_assert_uint_eq(cfg_read(m, 0, BR, 0, 4), 0x00011B36u);
    ck_assert_uint_eq(cfg_read(m, 0, BR, 0x08, 4) >> 8, 0x060400u);     /* PCI-to-PCI bridge */
    ck_assert_uint_eq(cfg_read(m, 0, BR, 0x0E, 1), 0x01);               /* type 1 */
    ck_assert_uint_eq(cfg_read(m, 0, BR, PCI_STATUS, 2) & 0x10, 0x10);  /* capability list */
    ck_assert_uint_eq(cfg_read(m, 0, BR, 0x34, 1), CAP);
    ck_assert_uint_eq(cfg_read(m, 0, BR, CAP, 2), 0x000C);              /* SHPC, last */
    ck_assert_uint_eq(cfg_read(m, 0, BR, PCI_INTERRUPT_PIN, 1), 1);
    /* bus numbers and the windows are read/write in their defined bits */
    cfg_write(m, 0, BR, 0x18, 4, 0xFFFFFFFFu);
    ck_assert_uint_eq(cfg_read(m, 0, BR, 0x18, 4), 0xFFFFFFFFu);
    cfg_write(m, 0, BR, 0x1C, 2, 0xFFFF);
    ck_assert_uint_eq(cfg_read(m, 0, BR, 0x1C, 2), 0xF0F0);             /* 16-bit I/O window */
    cfg_write(m, 0, BR, 0x20, 4, 0xFFFFFFFFu);
    ck_assert_uint_eq(cfg_read(m, 0, BR, 0x20, 4), 0xFFF0FFF0u);
    /* no prefetchable window: Linux's probe write does not stick */
    cfg_write(m, 0, BR, 0x24, 2, 0xFFE0);
    ck_assert_uint_eq(cfg_read(m, 0, BR, 0x24, 4), 0);
    /* BAR0: the SHPC's 4 KiB of memory */
    cfg_write(m, 0, BR, 0x10, 4, 0xFFFFFFFFu);
    ck_assert_uint_eq(cfg_read(m, 0, BR, 0x10, 4), 0xFFFFF000u);
    /* reset: the writable bits back to 0 */
    machine_reset(m);
    ck_assert_uint_eq(cfg_read(m, 0, BR, 0x18, 4), 0);
    ck_assert_uint_eq(cfg_read(m, 0, BR, 0x1C, 2), 0);
    machine_free(m);
}
END_TEST

START_TEST(test_shpc_through_config_and_bar)
{
    Machine *m = new_machine();
    add(m, "pci-bridge,id=br0");
    ck_assert_uint_eq(shpc_cfg_read(m, 3), 8u | 1u << 8 | 1u << 16 | 1u << 29 | 1u << 31);
    ck_assert_uint_eq(shpc_cfg_read(m, 4) >> 24, 1);
    ck_assert_uint_eq(shpc_cfg_read(m, 200), 0); /* past the register set */
    /* the same words at BAR0 */
    cfg_write(m, 0, BR, 0x10, 4, 0xE0000000u);
    cfg_write(m, 0, BR, PCI_COMMAND, 2, PCI_CMD_MEM);
    ck_assert_uint_eq(bus_read(m->cpu, 0xE000000Cu, 4), shpc_cfg_read(m, 3));
    ck_assert_uint_eq(bus_read(m->cpu, 0xE0000013u, 1), 1);
    bus_write(m->cpu, 0xE0000020u, 4, 0); /* unmask through memory ... */
    ck_assert_uint_eq(shpc_cfg_read(m, 8), 0);
    shpc_cfg_write(m, 8, 0xF); /* ... and mask again through the capability */
    ck_assert_uint_eq(bus_read(m->cpu, 0xE0000020u, 4), 0xF);
    /* a byte write into the data window reaches that byte only */
    cfg_write(m, 0, BR, CAP + 2, 1, 8);
    cfg_write(m, 0, BR, CAP + 4, 1, 0x0B);
    ck_assert_uint_eq(bus_read(m->cpu, 0xE0000020u, 4), 0xB);
    machine_free(m);
}
END_TEST

START_TEST(test_type1_forwarding_and_isolation)
{
    Machine *m = new_machine();
    add(m, "pci-bridge,id=br0");
    add(m, "ne2k_pci,id=cold,bus=br0,romfile="); /* before the first instruction: there at power-on */
    int cold_fn = 1 << 3;
    ck_assert_ptr_nonnull(m->bridge[0]->sec.dev[cold_fn]);
    /* bus numbers not programmed: nothing on bus 1 */
    ck_assert_uint_eq(cfg_read(m, 1, cold_fn, 0, 4), 0xFFFFFFFFu);
    cfg_write(m, 0, BR, 0x18, 4, 0x00020100u); /* primary 0, secondary 1, subordinate 2 */
    ck_assert_uint_eq(cfg_read(m, 1, cold_fn, 0, 4), 0x802910ECu);
    ck_assert_uint_eq(cfg_read(m, 2, cold_fn, 0, 4), 0xFFFFFFFFu); /* no bridge forwards to 2 */
    ck_assert_uint_eq(cfg_read(m, 1, 2 << 3, 0, 4), 0xFFFFFFFFu);  /* empty slot */
    /* a hot insertion is isolated until the guest enables the slot */
    run_one(m);
    add(m, "ne2k_pci,id=hot,bus=br0,addr=2,romfile=");
    ck_assert_uint_eq(cfg_read(m, 1, 2 << 3, 0, 4), 0xFFFFFFFFu);
    uint32_t slot = shpc_cfg_read(m, 9 + 1); /* slot 1 (device 2): 0x24 + 4 = DWORD 10 */
    ck_assert_uint_eq(slot & (SHPC_EV_PRESENCE | SHPC_EV_BUTTON), SHPC_EV_PRESENCE | SHPC_EV_BUTTON);
    shpc_cfg_write(m, 5, 2u << 8 | 0x02 | 0x08 | 0x30);
    ck_assert_uint_eq(shpc_cfg_read(m, 5) >> 16, 0);
    ck_assert_uint_eq(cfg_read(m, 1, 2 << 3, 0, 4), 0x802910ECu);
    machine_free(m);
}
END_TEST

START_TEST(test_intx_swizzle)
{
    Machine *m = new_machine();
    add(m, "pci-bridge,id=br0");
    add(m, "ne2k_pci,id=a,bus=br0,addr=1,romfile=");
    add(m, "ne2k_pci,id=b,bus=br0,addr=2,romfile=");
    for (int link = 0; link < 4; link++) /* PIRQA-D to 5, 9, 10, 11 */
        cfg_write(m, 0, 1 << 3, 0x60 + (uint32_t)link, 1, (uint32_t)(link == 0 ? 5 : 8 + link));
    /* bridge at device 3; device 1 INTA -> bridge INTB -> (3 + 2 - 2) mod 4 = PIRQD;
     * device 2 INTA -> bridge INTC -> PIRQA */
    ck_assert_uint_eq(pci_device_irq(m->bridge[0]->sec.dev[1 << 3]), 11);
    ck_assert_uint_eq(pci_device_irq(m->bridge[0]->sec.dev[2 << 3]), 5);
    ck_assert_uint_eq(pci_device_irq(&m->bridge[0]->pci), 10); /* the bridge's own INTA: PIRQC */
    /* a card behind the bridge raising INTA drives PIRQD's IRQ through the root's links */
    pci_set_irq(m->bridge[0]->sec.dev[1 << 3], 1);
    ck_assert_uint_eq(m->pci.bus.irq_driven, 1u << 11);
    pci_set_irq(m->bridge[0]->sec.dev[1 << 3], 0);
    ck_assert_uint_eq(m->pci.bus.irq_driven, 0);
    /* the SHPC interrupts on the bridge's INTA once unmasked */
    run_one(m);
    shpc_cfg_write(m, 9 + 2, 0); /* slot 2 (device 3): no masks */
    shpc_cfg_write(m, 8, 0);
    add(m, "ne2k_pci,id=c,bus=br0,addr=3,romfile=");
    ck_assert_uint_eq(m->pci.bus.irq_driven, 1u << 10);
    ck_assert_uint_eq(cfg_read(m, 0, BR, CAP + 3, 1), 2); /* interrupt pending in the capability */
    shpc_cfg_write(m, 9 + 2, SHPC_EV_PRESENCE | SHPC_EV_BUTTON);
    ck_assert_uint_eq(m->pci.bus.irq_driven, 0);
    machine_free(m);
}
END_TEST

static int find(Machine *m, const char *id, HotplugPciInfo *out)
{
    HotplugPciInfo info[32];
    int n = hotplug_query_pci(m, info, 32);
    for (int i = 0; i < n; i++)
        if (!strcmp(info[i].id, id)) {
            if (out)
                *out = info[i];
            return 1;
        }
    return 0;
}

/* A 70000-byte option ROM file (55 AA first): the card's ROM block is
 * then 128 KiB of guest RAM from the allocator registry. */
static char *rom_file(void)
{
    char *path = strdup("/tmp/emu386-test-romXXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    static uint8_t buf[70000];
    buf[0] = 0x55, buf[1] = 0xAA;
    ck_assert_int_eq(write(fd, buf, sizeof buf), (ssize_t)sizeof buf);
    close(fd);
    return path;
}

START_TEST(test_unplug_waits_for_the_guest)
{
    setenv("E386_GALLOC_CHECK", "1", 1);
    Machine *m = new_machine();
    char err[512], opts[256];
    char *rom = rom_file();
    snprintf(opts, sizeof opts, "ne2k_pci,id=nic,bus=br0,romfile=%s", rom);
    add(m, "pci-bridge,id=br0");
    add(m, opts);
    ck_assert_uint_eq(m->dev_alloc.nlive, 1);
    cfg_write(m, 0, BR, 0x18, 4, 0x00010100u);
    run_one(m);
    for (int cycle = 0; cycle < 20; cycle++) {
        ck_assert_int_eq(hotplug_device_del(m, "nic", err, sizeof err), 1); /* asked */
        HotplugPciInfo info;
        ck_assert(find(m, "nic", &info));
        ck_assert(info.unplug_pending);
        ck_assert_int_eq(info.bus, 1);
        ck_assert_int_eq(hotplug_device_del(m, "nic", err, sizeof err), -1);
        ck_assert_msg(strstr(err, "pending") != NULL, "%s", err);
        hotplug_bridge_poll(m, false); /* the guest has not answered: it stays */
        ck_assert(find(m, "nic", NULL));
        ck_assert_uint_eq(cfg_read(m, 1, 1 << 3, 0, 2), 0x10EC);
        /* the guest's shpchp turns the slot off: the card goes at the next poll */
        shpc_cfg_write(m, 5, 1u << 8 | 0x03 | 0x0C | 0x10);
        ck_assert(find(m, "nic", NULL));
        hotplug_bridge_poll(m, false);
        ck_assert(!find(m, "nic", NULL));
        ck_assert_uint_eq(m->dev_alloc.nlive, 0);
        ck_assert_uint_eq(cfg_read(m, 1, 1 << 3, 0, 4), 0xFFFFFFFFu);
        /* plugged back: announced, isolated, then enabled by the guest */
        add(m, opts);
        ck_assert_uint_eq(m->dev_alloc.nlive, 1);
        ck_assert_uint_eq(cfg_read(m, 1, 1 << 3, 0, 4), 0xFFFFFFFFu);
        shpc_cfg_write(m, 9, SHPC_EV_PRESENCE | SHPC_EV_BUTTON);
        shpc_cfg_write(m, 5, 1u << 8 | 0x02 | 0x08 | 0x30);
        ck_assert_uint_eq(cfg_read(m, 1, 1 << 3, 0, 2), 0x10EC);
    }
    machine_free(m); /* checked: the ROM block went back by its matching free */
    unlink(rom);
    free(rom);
}
END_TEST

START_TEST(test_unplug_of_a_card_never_powered_is_immediate)
{
    Machine *m = new_machine();
    char err[512];
    add(m, "pci-bridge,id=br0");
    run_one(m);
    add(m, "ne2k_pci,id=nic,bus=br0,romfile=");
    ck_assert_int_eq(hotplug_device_del(m, "nic", err, sizeof err), 0);
    ck_assert(!find(m, "nic", NULL));
    machine_free(m);
}
END_TEST

START_TEST(test_reset_completes_a_pending_unplug)
{
    Machine *m = new_machine();
    char err[512];
    add(m, "pci-bridge,id=br0");
    add(m, "ne2k_pci,id=nic,bus=br0,romfile=");
    add(m, "ne2k_pci,id=stay,bus=br0,romfile=");
    run_one(m);
    ck_assert_int_eq(hotplug_device_del(m, "nic", err, sizeof err), 1);
    machine_reset(m);
    ck_assert(!find(m, "nic", NULL));
    ck_assert(find(m, "stay", NULL));
    /* the card that stayed is enabled at power-on again */
    ck_assert(shpc_slot_enabled(&m->bridge[0]->shpc, 1));
    ck_assert(!shpc_slot_enabled(&m->bridge[0]->shpc, 0));
    machine_free(m);
}
END_TEST

START_TEST(test_bridge_option_errors)
{
    Machine *m = new_machine();
    char err[512];
    add(m, "pci-bridge,id=br0");
    ck_assert_int_eq(hotplug_device_add(m, "pci-bridge,id=br0", err, sizeof err), -1);
    ck_assert_int_eq(hotplug_device_add(m, "ne2k_pci,id=br0", err, sizeof err), -1); /* the id is the bridge's */
    ck_assert_int_eq(hotplug_device_add(m, "ne2k_pci,id=x,bus=nope", err, sizeof err), -1);
    ck_assert_msg(strstr(err, "nope") != NULL, "%s", err);
    ck_assert_int_eq(hotplug_device_add(m, "ne2k_pci,id=x,bus=br0,addr=9", err, sizeof err), -1);
    ck_assert_int_eq(hotplug_device_add(m, "ne2k_pci,id=x,bus=br0,addr=0", err, sizeof err), -1);
    ck_assert_int_eq(hotplug_device_add(m, "pci-bridge,id=b2,bogus=1", err, sizeof err), -1);
    for (int i = 0; i < 8; i++) {
        char opts[64];
        snprintf(opts, sizeof opts, "ne2k_pci,id=n%d,bus=br0,romfile=", i);
        add(m, opts);
    }
    ck_assert_int_eq(hotplug_device_add(m, "ne2k_pci,id=n8,bus=br0,romfile=", err, sizeof err), -1);
    ck_assert_msg(strstr(err, "taken") != NULL, "%s", err);
    add(m, "ne2k_pci,id=root,bus=pci.0,romfile="); /* the root bus by name */
    run_one(m);
    ck_assert_int_eq(hotplug_device_add(m, "pci-bridge,id=late", err, sizeof err), -1);
    ck_assert_msg(strstr(err, "start-up") != NULL, "%s", err);
    machine_free(m);
}
END_TEST

/* Hostile configuration cycles: every register of the bridge and of the
 * SHPC window with random values, random bus numbers, then a reset; the
 * host must neither crash nor leak (ASan), whatever the guest writes. */
START_TEST(test_bridge_config_storm)
{
    Machine *m = new_machine();
    add(m, "pci-bridge,id=br0");
    add(m, "ne2k_pci,id=a,bus=br0,romfile=");
    run_one(m);
    add(m, "ne2k_pci,id=b,bus=br0,romfile=");
    uint32_t x = 12345;
    for (int i = 0; i < 20000; i++) {
        x = x * 1103515245u + 12345u;
        uint32_t reg = (x >> 8) & 0xFF, v = x * 2654435761u;
        int size = 1 << ((x >> 4) & 3) % 3;
        if ((x >> 20) & 1)
            cfg_write(m, 0, BR, reg & ~(uint32_t)(size - 1), size, v);
        else
            cfg_write(m, (int)((x >> 24) & 3), (int)((x >> 16) & 0xFF), reg & ~(uint32_t)(size - 1), size, v);
        (void)cfg_read(m, (int)((x >> 26) & 3), (int)((x >> 12) & 0xFF), reg & ~3u, 4);
        hotplug_bridge_poll(m, false);
    }
    machine_reset(m);
    machine_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pci_bridge");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_shpc_reset_values);
    tcase_add_test(tc, test_shpc_hot_add_and_linux_commands);
    tcase_add_test(tc, test_shpc_command_errors);
    tcase_add_test(tc, test_shpc_unplug_handshake);
    tcase_add_test(tc, test_bridge_header);
    tcase_add_test(tc, test_shpc_through_config_and_bar);
    tcase_add_test(tc, test_type1_forwarding_and_isolation);
    tcase_add_test(tc, test_intx_swizzle);
    tcase_add_test(tc, test_unplug_waits_for_the_guest);
    tcase_add_test(tc, test_unplug_of_a_card_never_powered_is_immediate);
    tcase_add_test(tc, test_reset_completes_a_pending_unplug);
    tcase_add_test(tc, test_bridge_option_errors);
    tcase_add_test(tc, test_bridge_config_storm);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
