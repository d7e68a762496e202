/* The dirty log (include/e386.h e386_dirty_log_*, src/core/dirty.c): a
 * write through every path marks its page, and only written pages are
 * marked.  Real-mode system code (the soft TLB in use, paging off), hand
 * assembled; each group of instructions ends in `jmp $` and runs alone:
 *   - two MOVs to one page: the first takes the slow path (no write tag on
 *     an armed page) and marks it, the second takes the inline fast path;
 *   - after a sync, a MOV to that page again, whose TLB entry had a write
 *     tag: the sync took it back, so the page is marked again;
 *   - REP STOSB across a page boundary;
 *   - an unaligned 32-bit store split over two pages;
 *   - INT: the interrupt frame pushed by the CPU (implicit writes);
 *   - e386_mem_write, the path of device DMA;
 *   - a read marks nothing, and the TLB entry it fills carries no write
 *     tag: a write after it is marked;
 *   - after stop nothing is logged. */
#include <check.h>
#include "unit_main.h"
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "e386.h"

static uint32_t io_read(void *o, uint16_t port, int size)
{
    (void)o;
    (void)port;
    return size == 1 ? 0xff : size == 2 ? 0xffff : 0xffffffffu;
}
static void io_write(void *o, uint16_t port, int size, uint32_t v) { (void)o; (void)port; (void)size; (void)v; }
static int intr_ack(void *o) { (void)o; return 8; }
static uint64_t clock_ns(void *o) { (void)o; return 1000; }
static const e386_sys_ops ops = { io_read, io_write, intr_ack, clock_ns };

enum { NPAGES = 256, WORDS = NPAGES / 64 };

static void put(E386Cpu *cpu, uint32_t addr, const void *bytes, size_t n)
{
    ck_assert_int_eq(e386_mem_write(cpu, addr, bytes, n), 0);
}

/* Run the group at ip until its `jmp $` at end. */
static void run_group(E386Cpu *cpu, uint32_t ip, uint32_t end)
{
    e386_reg_write(cpu, E386_EIP, ip);
    e386_exit ex;
    ck_assert_int_eq(e386_run(cpu, 5000, &ex), E386_EXIT_INSN_LIMIT);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EIP), end);
}

/* The pages the log gives now must be exactly these (count, then a list). */
static void expect(E386Cpu *cpu, int n, ...)
{
    uint64_t bm[WORDS] = { 0 }, want[WORDS] = { 0 };
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        unsigned pn = va_arg(ap, unsigned);
        want[pn / 64] |= (uint64_t)1 << (pn % 64);
    }
    va_end(ap);
    uint64_t got = e386_dirty_log_sync(cpu, bm);
    ck_assert_msg(got == (uint64_t)n, "%llu pages (%016llx), expected %d (%016llx)", (unsigned long long)got,
                  (unsigned long long)bm[0], n, (unsigned long long)want[0]);
    for (int w = 0; w < WORDS; w++)
        ck_assert_msg(bm[w] == want[w], "word %d: pages %016llx, expected %016llx", w,
                      (unsigned long long)bm[w], (unsigned long long)want[w]);
}

START_TEST(test_dirty_log_every_write_path_marks_its_page)
{
    E386Cpu *cpu = e386_cpu_new();
    ck_assert_ptr_nonnull(cpu);
    ck_assert_int_eq(e386_mem_map(cpu, 0, 0x100000, E386_PROT_READ | E386_PROT_WRITE | E386_PROT_EXEC), 0);
    ck_assert_int_eq(e386_system_init(cpu, &ops, NULL), 0);
    static const uint8_t g1[] = { 0xb8, 0x34, 0x12,             /* 1000 mov ax, 0x1234 */
                                  0xa3, 0x00, 0x30,             /* 1003 mov [0x3000], ax: slow, marks */
                                  0xa3, 0x02, 0x30,             /* 1006 mov [0x3002], ax: fast */
                                  0xeb, 0xfe };                 /* 1009 jmp $ */
    static const uint8_t g2[] = { 0xa3, 0x04, 0x30,             /* 1100 mov [0x3004], ax */
                                  0xeb, 0xfe };                 /* 1103 */
    static const uint8_t g3[] = { 0x31, 0xc0,                   /* 1200 xor ax, ax */
                                  0x8e, 0xc0,                   /* 1202 mov es, ax */
                                  0xbf, 0x00, 0x5f,             /* 1204 mov di, 0x5f00 */
                                  0xb9, 0x00, 0x02,             /* 1207 mov cx, 0x200 */
                                  0xb0, 0xaa,                   /* 120a mov al, 0xaa */
                                  0xfc,                         /* 120c cld */
                                  0xf3, 0xaa,                   /* 120d rep stosb: 5f00-60ff */
                                  0xeb, 0xfe };                 /* 120f */
    static const uint8_t g4[] = { 0x66, 0xb8, 0x78, 0x56, 0x34, 0x12, /* 1300 mov eax, 0x12345678 */
                                  0x66, 0xa3, 0xfe, 0x7f,       /* 1306 mov [0x7ffe], eax: 7ffe-8001 */
                                  0xeb, 0xfe };                 /* 130a */
    static const uint8_t g5[] = { 0xbc, 0x00, 0xa0,             /* 1400 mov sp, 0xa000 */
                                  0xcd, 0x21,                   /* 1403 int 0x21: frame at 9ffa */
                                  0xeb, 0xfe };                 /* 1405 */
    static const uint8_t g7[] = { 0xa1, 0x00, 0xc0,             /* 1500 mov ax, [0xc000] */
                                  0xeb, 0xfe };                 /* 1503 */
    static const uint8_t g8[] = { 0xa1, 0x00, 0xd0,             /* 1600 mov ax, [0xd000]: a TLB fill by a read */
                                  0xa3, 0x00, 0xd0,             /* 1603 mov [0xd000], ax: no write tag from it */
                                  0xeb, 0xfe };                 /* 1606 */
    static const uint8_t iret[] = { 0xcf };
    static const uint8_t ivt21[] = { 0x00, 0x20, 0x00, 0x00 }; /* 0000:2000 */
    put(cpu, 0x1000, g1, sizeof g1);
    put(cpu, 0x1100, g2, sizeof g2);
    put(cpu, 0x1200, g3, sizeof g3);
    put(cpu, 0x1300, g4, sizeof g4);
    put(cpu, 0x1400, g5, sizeof g5);
    put(cpu, 0x1500, g7, sizeof g7);
    put(cpu, 0x1600, g8, sizeof g8);
    put(cpu, 0x2000, iret, sizeof iret);
    put(cpu, 0x21 * 4, ivt21, sizeof ivt21);
    ck_assert_int_eq(e386_reg_write(cpu, E386_CS, 0), 0);
    e386_reg_write(cpu, E386_SS, 0);
    e386_reg_write(cpu, E386_DS, 0);
    e386_reg_write(cpu, E386_ESP, 0x8000);

    ck_assert_int_eq(e386_dirty_log_start(cpu, NPAGES), 0);
    expect(cpu, 0); /* nothing written yet */
    run_group(cpu, 0x1000, 0x1009);
    expect(cpu, 1, 3u);
    run_group(cpu, 0x1100, 0x1103); /* the page's TLB entry had a write tag before the sync */
    expect(cpu, 1, 3u);
    run_group(cpu, 0x1200, 0x120f);
    expect(cpu, 2, 5u, 6u);
    ck_assert_int_eq(e386_reg_read(cpu, E386_ECX) & 0xffff, 0);
    run_group(cpu, 0x1300, 0x130a);
    expect(cpu, 2, 7u, 8u);
    run_group(cpu, 0x1400, 0x1405);
    expect(cpu, 1, 9u);
    static const uint8_t dma[16] = { 1, 2, 3 };
    put(cpu, 0xbff8, dma, sizeof dma); /* across 0xb000/0xc000 */
    expect(cpu, 2, 0xbu, 0xcu);
    run_group(cpu, 0x1500, 0x1503);
    expect(cpu, 0);
    run_group(cpu, 0x1600, 0x1606);
    expect(cpu, 1, 0xdu);
    /* what was written is there (the log only watched) */
    uint8_t b[4];
    ck_assert_int_eq(e386_mem_read(cpu, 0x7ffe, b, 4), 0);
    ck_assert_uint_eq(b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24, 0x12345678);
    ck_assert_int_eq(e386_mem_read(cpu, 0x60ff, b, 1), 0);
    ck_assert_uint_eq(b[0], 0xaa);
    /* stopped: nothing is logged, writes still land */
    e386_dirty_log_stop(cpu);
    run_group(cpu, 0x1000, 0x1009);
    uint64_t bm[WORDS] = { 0 };
    ck_assert_uint_eq(e386_dirty_log_sync(cpu, bm), 0);
    ck_assert_uint_eq(bm[0], 0);
    e386_cpu_free(cpu);
}
END_TEST

/* A page armed again by a sync is not marked by reads, and a log started
 * twice starts afresh; freeing the CPU with the log on frees it (ASan). */
START_TEST(test_dirty_log_restart_and_free)
{
    E386Cpu *cpu = e386_cpu_new();
    ck_assert_ptr_nonnull(cpu);
    ck_assert_int_eq(e386_mem_map(cpu, 0, 0x100000, E386_PROT_READ | E386_PROT_WRITE | E386_PROT_EXEC), 0);
    ck_assert_int_eq(e386_system_init(cpu, &ops, NULL), 0);
    ck_assert_int_eq(e386_dirty_log_start(cpu, NPAGES), 0);
    static const uint8_t x[4] = { 9 };
    put(cpu, 0x4000, x, sizeof x);
    ck_assert_int_eq(e386_dirty_log_start(cpu, NPAGES), 0); /* afresh: the write is forgotten */
    expect(cpu, 0);
    put(cpu, 0x4000, x, sizeof x);
    put(cpu, 0xff000, x, sizeof x); /* the last page the log covers */
    expect(cpu, 2, 4u, 255u);
    e386_cpu_free(cpu);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dirty_log");
    TCase *tc = tcase_create("dirty_log");
    tcase_add_test(tc, test_dirty_log_every_write_path_marks_its_page);
    tcase_add_test(tc, test_dirty_log_restart_and_free);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
