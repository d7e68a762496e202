/* fuzz_elf: the ELF loader on the input as a file image (docs/fuzzing.md).
 *
 * elf_probe checks the headers; when they pass, elf_load_buffer maps the
 * image into a fresh user-mode CPU (ET_DYN at the address emu386-user
 * would pick) and the loaded program runs for a bounded number of
 * instructions from its entry with a stack, as a first taste of what a
 * real start would do.  The harness only bounds the address span it lets
 * an image ask for (a 3 GiB bss is valid ELF, but mapping it page by page
 * is time, not a finding).  Invariants checked: a probe and a load agree
 * on the entry, the span and the bias, and an image the probe refused is
 * also refused by the load (and the reverse, unless the load ran out of
 * room or memory). */
#include <string.h>
#include "fuzz.h"
#include "user/user.h"

enum { MAX_SPAN = 16u << 20, DYN_BASE = 0x56555000u, RUN_BUDGET = 2000 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ElfImage probe, img;
    int dyn = 0;
    char err[256];
    memset(&probe, 0, sizeof probe);
    int pr = elf_probe(data, size, &probe, &dyn, err, sizeof err);
    if (pr == 0) {
        FUZZ_CHECK(probe.lo <= probe.hi, "probe span %08x..%08x", probe.lo, probe.hi);
        FUZZ_CHECK(memchr(probe.interp, 0, sizeof probe.interp) != NULL, "interp not terminated");
        if (probe.hi - probe.lo > MAX_SPAN)
            return 0;
    }
    E386Cpu *cpu = e386_cpu_new();
    if (!cpu)
        return 0;
    e386_cpu_reset_user(cpu);
    memset(&img, 0, sizeof img);
    img.bias = dyn ? DYN_BASE : 0;
    int lr = elf_load_buffer(cpu, data, size, 0, &img, err, sizeof err);
    FUZZ_CHECK(pr != 0 || lr == 0 || strstr(err, "no room") || strstr(err, "out of memory"),
               "probe accepted what the load refused: %s", err);
    FUZZ_CHECK(pr == 0 || lr != 0, "load accepted what the probe refused");
    if (lr == 0) {
        uint32_t bias = dyn ? DYN_BASE - probe.lo : 0;
        FUZZ_CHECK(img.entry == probe.entry + bias, "entry %08x vs %08x", img.entry, probe.entry + bias);
        FUZZ_CHECK(img.hi - img.lo == probe.hi - probe.lo, "span");
        FUZZ_CHECK(img.lo == probe.lo + bias, "lo");
        /* a stack, then a short run from the entry: the loaded bytes as code */
        uint32_t stack = 0xbfff0000u;
        if (!e386_mem_is_mapped(cpu, stack) &&
            e386_mem_map(cpu, stack, 0x10000, E386_PROT_READ | E386_PROT_WRITE) == 0) {
            e386_reg_write(cpu, E386_ESP, stack + 0xff00);
            e386_reg_write(cpu, E386_EIP, img.entry);
            e386_exit ex;
            e386_run(cpu, RUN_BUDGET, &ex);
        }
    }
    e386_cpu_free(cpu);
    return 0;
}
