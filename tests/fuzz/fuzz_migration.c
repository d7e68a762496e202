/* fuzz_migration: the incoming migration stream loader (docs/fuzzing.md,
 * docs/migration.md).  An incoming stream is hostile input (STYLE.md).
 *
 * The first input byte chooses the destination and the harness's help:
 *   bit 0  recompute the end section's CRC-32 over the bytes before it,
 *          so mutations get past the checksum and reach the code that
 *          puts the state into the machine (without it, they test the
 *          checksum path);
 *   bit 1  the destination has an ne2k_pci card (id n0) plugged,
 *   bit 2  and an rtl8139 (id r0) (their card sections, docs/migration.md:
 *          a seed saved without cards is refused by a destination with
 *          them, "no section for card", unless mutations supply one);
 *   bit 3  a pci-bridge (id br0) with an rtl8139 (id r1) behind it (the
 *          bridge's device section, the card section's bus field);
 * the rest is the stream, loaded from memory into a fresh machine (1 MiB,
 * -icount 3, the 4 KiB ROM below, incoming) the way the migration unit
 * tests load one.  A refused stream must come with a message; an
 * accepted one must run a few thousand instructions and save again, and
 * that stream must load into another fresh destination.  The
 * host must never crash, leak or hang.
 *
 * Built with -DFUZZ_MIGRATION_SEEDS it is instead the seed generator:
 * `gen_migration_seeds DIR` saves small machines running the ROM's
 * guest into DIR (how corpus/fuzz_migration/seed-* were made). */
#include <string.h>
#include "fuzz.h"
#include "migration/crc32.h"
#include "migration/migration.h"
#include "migration/stream.h"
#include "system/hotplug.h"
#include "system/machine.h"

enum { ROM_SIZE = 4096, RAM_SIZE = 1u << 20, RUN_INSNS = 4000 };
enum { F_FIX_CRC = 1, F_NE2K = 2, F_RTL = 4, F_BRIDGE = 8 };

/* Real mode from F000:F000 (the ROM's first byte): IVT[8] to an
 * EOI-and-iret handler at F000:F100, 512 bytes at 0x900 filled, the
 * PIC and the PIT (IRQ 0 every 256 ticks) set up, the x87 used, then a
 * loop counting its rounds at 0x502 with a HLT in it; the handler counts
 * ticks at 0x500.  Everything (IVT, counters, stack, data) in page 0:
 * one data page, so a stream is about 6 KiB. */
static void build_rom(uint8_t *rom)
{
    memset(rom, 0xF4, ROM_SIZE);
    static const uint8_t code[] = {
        0x31, 0xC0, 0x8E, 0xD8, 0x8E, 0xD0, 0x8E, 0xC0, 0xBC, 0x00, 0x08, /* ds=ss=es=0, sp=0x800 */
        0xC7, 0x06, 0x20, 0x00, 0x00, 0xF1, 0xC7, 0x06, 0x22, 0x00, 0x00, 0xF0, /* IVT[8]=F000:F100 */
        0xBF, 0x00, 0x09, 0xB9, 0x00, 0x01, 0xB8, 0x34, 0x12, 0xF3, 0xAB, /* rep stosw at 0x900 */
        0xB0, 0x11, 0xE6, 0x20, 0xB0, 0x08, 0xE6, 0x21, 0xB0, 0x04, 0xE6, 0x21, /* PIC ICW1-4 */
        0xB0, 0x01, 0xE6, 0x21, 0xB0, 0xFE, 0xE6, 0x21,                   /* only IRQ 0 */
        0xB0, 0x34, 0xE6, 0x43, 0xB0, 0x00, 0xE6, 0x40, 0xB0, 0x01, 0xE6, 0x40, /* PIT 0: 256 */
        0xDB, 0xE3, 0xD9, 0xE8, 0xD9, 0xEB, 0xDE, 0xC1, /* fninit; fld1; fldpi; faddp */
        0xFB,                                           /* sti */
        0xFF, 0x06, 0x02, 0x05, 0xF4, 0xEB, 0xF9,       /* top: inc word [0x502]; hlt; jmp top */
    };
    memcpy(rom, code, sizeof code);
    static const uint8_t handler[] = { 0x50, 0xFF, 0x06, 0x00, 0x05, 0xB0, 0x20, 0xE6, 0x20, 0x58, 0xCF };
    memcpy(rom + 0x100, handler, sizeof handler);
    static const uint8_t reset[] = { 0xEA, 0x00, 0xF0, 0x00, 0xF0 }; /* jmp F000:F000 */
    memcpy(rom + ROM_SIZE - 16, reset, sizeof reset);
}

static Machine *new_machine(FILE *devnull, unsigned flags, bool incoming)
{
    static uint8_t rom[ROM_SIZE];
    build_rom(rom);
    BiosImage bios = { rom, sizeof rom };
    MachineConfig cfg = { .ram_size = RAM_SIZE, .no_reboot = true, .log = devnull, .console = devnull,
                          .icount = true, .icount_shift = 3, .incoming = incoming };
    char err[256];
    Machine *m = machine_new(&cfg, &bios, err, sizeof err);
    if (m && (flags & F_NE2K) && hotplug_device_add(m, "ne2k_pci,id=n0", err, sizeof err) < 0)
        m = (machine_free(m), NULL);
    if (m && (flags & F_RTL) && hotplug_device_add(m, "rtl8139,id=r0", err, sizeof err) < 0)
        m = (machine_free(m), NULL);
    if (m && (flags & F_BRIDGE) &&
        (hotplug_device_add(m, "pci-bridge,id=br0", err, sizeof err) < 0 ||
         hotplug_device_add(m, "rtl8139,id=r1,bus=br0", err, sizeof err) < 0))
        m = (machine_free(m), NULL);
    if (!m) {
        fprintf(stderr, "fuzz_migration: %s\n", err);
        abort();
    }
    return m;
}

/* The CPU runs as machine_run would between slices: the devices catch up
 * with virtual time and a HLT waits for the next tick (the PIT's IRQ 0). */
static void catch_up(Machine *m)
{
    uint64_t now = vclock_now(&m->clock);
    pit_advance(&m->pit, now);
    rtc_advance(&m->rtc, now);
    e386_set_irq(m->cpu, pic_intr_level(&m->pic));
}

static void run_some(Machine *m, uint64_t insns)
{
    uint64_t end = e386_insn_count(m->cpu) + insns;
    e386_exit ex;
    for (int i = 0; i < 256 && e386_insn_count(m->cpu) < end; i++) {
        catch_up(m);
        int r = e386_run(m->cpu, end - e386_insn_count(m->cpu), &ex);
        if (r == E386_EXIT_SHUTDOWN || m->exit_requested || m->reset_requested)
            break;
        if (r == E386_EXIT_HLT) /* sleep 64 us of virtual time: a tick may come */
            vclock_sleep_until(&m->clock, vclock_now(&m->clock) + 64000);
    }
}

static FILE *devnull;

#ifndef FUZZ_MIGRATION_SEEDS
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!devnull && !(devnull = fopen("/dev/null", "w")))
        abort();
    if (size < 1)
        return 0;
    unsigned flags = data[0];
    size_t len = size - 1;
    uint8_t *s = malloc(len ? len : 1);
    if (!s)
        abort();
    memcpy(s, data + 1, len);
    if ((flags & F_FIX_CRC) && len >= 4)
        mig_le_put(s + len - 4, mig_crc32(0, s, len - 4), 4);
    Machine *m = new_machine(devnull, flags, true);
    MigReader *r = malloc(sizeof *r);
    if (!r)
        abort();
    mig_reader_init_mem(r, s, len);
    char err[256] = "";
    int rc = machine_load(m, r, NULL, err, sizeof err);
    free(r);
    FUZZ_CHECK(rc == 0 || rc == -1, "machine_load returned %d", rc);
    if (getenv("E386_FUZZ_VERBOSE")) /* what a corpus file reaches, when triaging */
        fprintf(stderr, "fuzz_migration: %s\n", rc < 0 ? err : "loaded");
    if (rc < 0) {
        FUZZ_CHECK(err[0] != '\0', "a refused stream without a message");
    } else {
        FUZZ_CHECK(!m->load_failed, "accepted, yet marked as failed");
        run_some(m, RUN_INSNS);
        MigWriter *w = malloc(sizeof *w);
        if (!w)
            abort();
        mig_writer_init_mem(w);
        FUZZ_CHECK(machine_save(m, w, NULL, err, sizeof err) == 0, "a loaded machine does not save: %s", err);
        /* what we write we must read: the new stream loads into a fresh
         * destination with the same cards */
        Machine *m2 = new_machine(devnull, flags, true);
        MigReader *r2 = malloc(sizeof *r2);
        if (!r2)
            abort();
        mig_reader_init_mem(r2, w->mem, w->mem_len);
        FUZZ_CHECK(machine_load(m2, r2, NULL, err, sizeof err) == 0, "a saved stream is refused: %s", err);
        free(r2);
        machine_free(m2);
        mig_writer_free(w);
        free(w);
    }
    machine_free(m);
    free(s);
    return 0;
}
#else
/* seed-<flags>-<insns>: the flag byte, then the stream of a machine with
 * those cards that ran that many instructions. */
int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    devnull = fopen("/dev/null", "w");
    static const struct { unsigned flags; uint64_t insns; } seeds[] = {
        { F_FIX_CRC, 0 }, { F_FIX_CRC, 3000 }, { F_FIX_CRC | F_NE2K, 20000 }, { F_FIX_CRC | F_NE2K | F_RTL, 60000 },
        { F_FIX_CRC | F_BRIDGE, 3000 },
    };
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        Machine *m = new_machine(devnull, seeds[i].flags, false);
        run_some(m, seeds[i].insns);
        MigWriter *w = malloc(sizeof *w);
        mig_writer_init_mem(w);
        char err[256];
        if (machine_save(m, w, NULL, err, sizeof err) < 0) {
            fprintf(stderr, "save: %s\n", err);
            return 1;
        }
        char path[4096];
        snprintf(path, sizeof path, "%s/seed-%u-%llu", argv[1], seeds[i].flags,
                 (unsigned long long)seeds[i].insns);
        FILE *f = fopen(path, "wb");
        uint8_t fl = (uint8_t)seeds[i].flags;
        if (!f || fwrite(&fl, 1, 1, f) != 1 || fwrite(w->mem, 1, w->mem_len, f) != w->mem_len || fclose(f)) {
            fprintf(stderr, "cannot write %s\n", path);
            return 1;
        }
        printf("%s: %zu bytes\n", path, w->mem_len + 1);
        mig_writer_free(w);
        free(w);
        machine_free(m);
    }
    fclose(devnull);
    return 0;
}
#endif
