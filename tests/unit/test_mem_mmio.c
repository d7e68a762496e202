/* The MMIO table of the memory map: a guest that moves a PCI BAR (or turns
 * a ROM BAR on and off) in a loop makes emu386 map and unmap the same
 * device pages over and over; the table must not grow with it. */
#include <check.h>
#include "unit_main.h"
#include "core/cpu.h"

static uint32_t rd(void *o, uint32_t off, int size) { (void)size; return *(uint32_t *)o + off; }
static void wr(void *o, uint32_t off, int size, uint32_t v) { (void)off, (void)size; *(uint32_t *)o = v; }

START_TEST(test_mmio_table_grew_on_every_bar_move)
{
    E386Cpu *cpu = e386_cpu_new();
    ck_assert_ptr_nonnull(cpu);
    uint32_t dev = 0x100;
    for (int i = 0; i < 100000; i++) {
        uint32_t at = 0xE0000000u + (uint32_t)(i % 7) * 0x10000;
        loop_assert_eq(e386_mmio_map(cpu, at, 0x2000, rd, wr, &dev), 0);
        if (i % 3 != 2) /* sometimes mapped over itself, never unmapped */
            loop_assert_eq(e386_mem_unmap(cpu, at, 0x2000), 0);
    }
    /* live mappings at most 7 (one per address); slots reused */
    ck_assert_uint_le(cpu->mem.nmmio, 8);
    /* what is mapped still points at a live slot of its own */
    uint32_t at = 0xF0000000u;
    ck_assert_int_eq(e386_mmio_map(cpu, at, 0x2000, rd, wr, &dev), 0);
    ck_assert_uint_le(cpu->mem.nmmio, 9);
    const Page *p = &cpu->mem.l1[at >> 22][(at >> 12) & 1023];
    ck_assert(p->flags & PG_MMIO);
    ck_assert_uint_lt(p->region, cpu->mem.nmmio);
    ck_assert_uint_eq(cpu->mem.mmio[p->region].base, at);
    ck_assert_uint_eq(cpu->mem.mmio[p->region].pages, 2);
    e386_cpu_free(cpu);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("mem_mmio");
    TCase *tc = tcase_create("mmio");
    tcase_add_test(tc, test_mmio_table_grew_on_every_bar_move);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
