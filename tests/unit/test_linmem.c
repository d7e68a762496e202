/* Linear guest memory (core/linmem.c) against the page map's path: every
 * test runs three times, _i = 1 with e386_mem_linear on (the host MMU
 * checks the accesses), _i = 2 with it on but loosened (as after the
 * host's map count ran out) and _i = 0 with it off, and expects the
 * same: precise
 * page faults (EIP, address and the i386 error code: P, W/R, U/S),
 * stores into translated code seen (by the instruction itself, before
 * it faults), mremap/munmap/mprotect keeping the
 * host and guest views equal, a crossing store that faults writing
 * nothing, and two CPUs in one process (and on two host threads) each
 * with its own address space. */
#define _GNU_SOURCE
#include <check.h>
#include "unit_main.h"
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "core/cpu.h"

enum { CODE = 0x10000, DATA = 0x20000, UNMAPPED = 0x30000, NONE = 0x31000, RO = 0x32000,
       RW = E386_PROT_READ | E386_PROT_WRITE, RWX = RW | E386_PROT_EXEC };
enum { ERR_P = 1, ERR_W = 2, ERR_U = 4 };

/* mode 0: the page map; 1: linear; 2: linear after the host ran out of
 * mappings (linmem_loosen: every page read-write on the host, the page
 * map's checks) */
static E386Cpu *new_cpu(int mode)
{
    E386Cpu *cpu = e386_cpu_new();
    ck_assert_ptr_nonnull(cpu);
    int linear = mode != 0;
    int on = e386_mem_linear(cpu, linear);
    if (mode == 2)
        linmem_loosen(&cpu->mem);
#if defined(__linux__) && defined(__x86_64__)
    const char *pre = getenv("LD_PRELOAD");
    if (!(pre && strstr(pre, "vgpreload"))) /* not under Valgrind, where it stays off */
        ck_assert_int_eq(on, linear);       /* the host that has it */
#else
    ck_assert_int_eq(on, 0);
#endif
    ck_assert_int_eq(e386_mem_map(cpu, CODE, 0x2000, RWX), 0);
    ck_assert_int_eq(e386_mem_map(cpu, DATA, 0x1000, RW), 0);
    ck_assert_int_eq(e386_mem_map(cpu, NONE, 0x1000, 0), 0);
    ck_assert_int_eq(e386_mem_map(cpu, RO, 0x1000, E386_PROT_READ), 0);
    return cpu;
}

/* Run code placed at CODE until it stops (INT3 or a fault). */
static int run(E386Cpu *cpu, const uint8_t *code, size_t n, e386_exit *ex)
{
    loop_assert_eq(e386_mem_write(cpu, CODE, code, n), 0);
    e386_reg_write(cpu, E386_EIP, CODE);
    return e386_run(cpu, 1000000, ex);
}

static void le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* nop; mov eax,[a] (load) or mov [a],eax (store); int3 — and the same
 * through [ebx+4] (the specialised base form); the fault must name the
 * access and leave EIP at the instruction. */
static void expect_fault(E386Cpu *cpu, uint32_t a, int store, uint32_t err)
{
    uint8_t moffs[] = { 0x90, store ? 0xa3 : 0xa1, 0, 0, 0, 0, 0xcc };
    le32(moffs + 2, a);
    uint8_t based[] = { 0x90, store ? 0x89 : 0x8b, 0x43, 0x04, 0xcc };
    e386_exit ex;
    e386_reg_write(cpu, E386_EAX, 0x11223344);
    ck_assert_int_eq(run(cpu, moffs, sizeof moffs, &ex), E386_EXIT_EXCEPTION);
    ck_assert_int_eq(ex.vector, 14);
    ck_assert_uint_eq(ex.fault_addr, a);
    ck_assert_uint_eq(ex.error_code, err);
    ck_assert_uint_eq(ex.fault_eip, CODE + 1);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EIP), CODE + 1);
    e386_reg_write(cpu, E386_EBX, a - 4);
    ck_assert_int_eq(run(cpu, based, sizeof based, &ex), E386_EXIT_EXCEPTION);
    ck_assert_int_eq(ex.vector, 14);
    ck_assert_uint_eq(ex.fault_addr, a);
    ck_assert_uint_eq(ex.error_code, err);
    ck_assert_uint_eq(ex.fault_eip, CODE + 1);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EAX), 0x11223344); /* a load wrote nothing */
}

START_TEST(test_faults)
{
    E386Cpu *cpu = new_cpu(_i);
    expect_fault(cpu, UNMAPPED + 0x10, 0, ERR_U);
    expect_fault(cpu, UNMAPPED + 0x10, 1, ERR_U | ERR_W);
    expect_fault(cpu, NONE + 0x20, 0, ERR_U); /* PROT_NONE: not present, as Linux keeps it */
    expect_fault(cpu, NONE + 0x20, 1, ERR_U | ERR_W);
    expect_fault(cpu, RO + 0x30, 1, ERR_U | ERR_W | ERR_P);
    /* and a read-only page reads */
    uint8_t ld[] = { 0xa1, 0, 0, 0, 0, 0xcc };
    le32(ld + 1, RO + 0x30);
    ck_assert_int_eq(e386_mem_protect(cpu, RO, 0x1000, RW), 0);
    ck_assert_int_eq(e386_mem_write(cpu, RO + 0x30, "\x78\x56\x34\x12", 4), 0);
    ck_assert_int_eq(e386_mem_protect(cpu, RO, 0x1000, E386_PROT_READ), 0);
    e386_exit ex;
    ck_assert_int_eq(run(cpu, ld, sizeof ld, &ex), E386_EXIT_INTERRUPT);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EAX), 0x12345678);
    e386_cpu_free(cpu);
}
END_TEST

/* Bug: the guest's CR2 was the host's si_addr, the first byte the host
 * access touched.  clang -O1 (the ASan leg) builds ld_le's four byte loads
 * in another order, so a load at none+16 reported none+17 (cpu-i386's
 * t_exceptions).  Here every host fault reaches the library's handler as
 * from a host that touched the access's second byte first. */
static struct sigaction library_handler; /* the test's own state, not the library's */
static void later_byte_first(int sig, siginfo_t *si, void *uc)
{
    siginfo_t shifted = *si;
    uintptr_t a = (uintptr_t)si->si_addr;
    if ((a & 0xfff) != 0xfff) /* same page: what a split access could report */
        shifted.si_addr = (void *)(a + 1);
    library_handler.sa_sigaction(sig, &shifted, uc);
}

START_TEST(test_fault_address_when_the_host_touches_a_later_byte_first)
{
    E386Cpu *cpu = new_cpu(_i);
    ck_assert_int_eq(sigaction(SIGSEGV, NULL, &library_handler), 0);
    int wrapped = (library_handler.sa_flags & SA_SIGINFO) != 0; /* off: no linear memory yet */
    if (wrapped) {
        struct sigaction sa = library_handler;
        sa.sa_sigaction = later_byte_first;
        ck_assert_int_eq(sigaction(SIGSEGV, &sa, NULL), 0);
    }
    expect_fault(cpu, UNMAPPED + 0x10, 0, ERR_U);
    expect_fault(cpu, NONE + 0x20, 0, ERR_U);
    expect_fault(cpu, NONE + 0x20, 1, ERR_U | ERR_W);
    expect_fault(cpu, RO + 0x30, 1, ERR_U | ERR_W | ERR_P);
    if (wrapped)
        ck_assert_int_eq(sigaction(SIGSEGV, &library_handler, NULL), 0);
    e386_cpu_free(cpu);
}
END_TEST

/* A store whose second page is read-only (or unmapped) faults on that
 * page and writes nothing, not even the bytes of the first page. */
START_TEST(test_crossing_store_writes_nothing)
{
    E386Cpu *cpu = new_cpu(_i);
    ck_assert_int_eq(e386_mem_map(cpu, 0x40000, 0x1000, RW), 0);
    ck_assert_int_eq(e386_mem_map(cpu, 0x41000, 0x1000, E386_PROT_READ), 0);
    uint8_t b[2];
    /* the fault names the second page's first byte; moffs and [ebx+4] */
    uint8_t st[] = { 0xa3, 0xfe, 0x0f, 0x04, 0x00, 0xcc }, st_b[] = { 0x89, 0x43, 0x04, 0xcc };
    e386_exit ex;
    e386_reg_write(cpu, E386_EAX, 0xffffffff);
    ck_assert_int_eq(run(cpu, st, sizeof st, &ex), E386_EXIT_EXCEPTION);
    ck_assert_uint_eq(ex.fault_addr, 0x41000);
    ck_assert_uint_eq(ex.error_code, ERR_U | ERR_W | ERR_P);
    ck_assert_uint_eq(ex.fault_eip, CODE);
    e386_reg_write(cpu, E386_EBX, 0x40ffe - 4);
    ck_assert_int_eq(run(cpu, st_b, sizeof st_b, &ex), E386_EXIT_EXCEPTION);
    ck_assert_uint_eq(ex.fault_addr, 0x41000);
    ck_assert_int_eq(e386_mem_read(cpu, 0x40ffe, b, 2), 0);
    ck_assert_int_eq(b[0] | b[1], 0);
    ck_assert_int_eq(e386_mem_read(cpu, 0x40ffe, b, 2), 0);
    ck_assert_int_eq(b[0] | b[1], 0);
    e386_mem_unmap(cpu, 0x41000, 0x1000);
    ck_assert_int_eq(run(cpu, st, sizeof st, &ex), E386_EXIT_EXCEPTION);
    ck_assert_uint_eq(ex.fault_addr, 0x41000);
    ck_assert_uint_eq(ex.error_code, ERR_U | ERR_W);
    ck_assert_int_eq(e386_mem_read(cpu, 0x40ffe, b, 2), 0);
    ck_assert_int_eq(b[0] | b[1], 0);
    e386_cpu_free(cpu);
}
END_TEST

/* xor eax,eax; call F; mov byte [F],0x48 (INC EAX becomes DEC EAX);
 * call F; int3 — F: inc eax; ret, translated by the first call.  With
 * the store seen eax ends at 0, without it at 2.  F on the running
 * block's page and on the next page. */
static void smc_case(int mode, uint32_t f)
{
    E386Cpu *cpu = new_cpu(mode);
    uint8_t code[20] = { 0x31, 0xc0, 0xe8, 0, 0, 0, 0, 0xc6, 0x05, 0, 0, 0, 0, 0x48, 0xe8, 0, 0, 0, 0, 0xcc };
    le32(code + 3, f - (CODE + 7));
    le32(code + 9, f);
    le32(code + 15, f - (CODE + 19));
    ck_assert_int_eq(e386_mem_write(cpu, f, "\x40\xc3", 2), 0);
    e386_reg_write(cpu, E386_ESP, DATA + 0x1000);
    e386_exit ex;
    ck_assert_int_eq(run(cpu, code, sizeof code, &ex), E386_EXIT_INTERRUPT);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EAX), 0);
    /* the page is plain writable data again, and the old code is gone */
    ck_assert_int_eq(run(cpu, code, sizeof code, &ex), E386_EXIT_INTERRUPT);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EAX), (uint32_t)-2);
    e386_cpu_free(cpu);
}

START_TEST(test_smc_same_page) { smc_case(_i, CODE + 0x100); }
END_TEST
START_TEST(test_smc_next_page) { smc_case(_i, CODE + 0x1800); }
END_TEST

/* mov byte [ebx],0x40 over the NOP right after it (the next bytes of the
 * running block): the new instruction runs. */
START_TEST(test_smc_next_instruction)
{
    E386Cpu *cpu = new_cpu(_i);
    static const uint8_t code[] = { 0x31, 0xc0, 0xc6, 0x03, 0x40, 0x90, 0xcc };
    e386_reg_write(cpu, E386_EBX, CODE + 5);
    e386_exit ex;
    ck_assert_int_eq(run(cpu, code, sizeof code, &ex), E386_EXIT_INTERRUPT);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EAX), 1);
    e386_cpu_free(cpu);
}
END_TEST

/* Bug: ENTER 8, 2 with ESP just past it pushed EBP over its own bytes
 * (a store into translated code: the host's fault, then mem_smc_write),
 * then reads the frame pointer at [EBP - 4], unmapped: the host's fault
 * there is a hint, and the instruction ran again on the page map's path
 * -- decoded anew from its rewritten bytes, EBP's (NOP; MOV BH, 0x64),
 * so no #PF and EBX changed.  A store into the running instruction's own
 * page now sends it to the page map's path before the store lands; the
 * page map's path had it right: #PF at ENTER, the frame pointer's
 * address, EBP pushed. */
START_TEST(test_enter_rewriting_itself_then_faulting_reports_the_fault)
{
    E386Cpu *cpu = new_cpu(_i);
    uint8_t code[0x16];
    memset(code, 0x90, sizeof code);
    memcpy(code + 0x10, "\xc8\x08\x00\x02\xcc", 5); /* enter 8, 2; int3 */
    uint32_t ebp = 0x0464b790; /* as code: nop; mov bh, 0x64; (add al, ...) */
    ck_assert_int_eq(e386_mem_map(cpu, ebp & ~0xfffu, 0x1000, 0), 0); /* [ebp - 4] unmapped: PROT_NONE */
    e386_reg_write(cpu, E386_EBP, ebp);
    e386_reg_write(cpu, E386_EBX, 0);
    e386_reg_write(cpu, E386_ESP, CODE + 0x14); /* the push writes CODE + 0x10 .. CODE + 0x13 */
    e386_exit ex;
    ck_assert_int_eq(run(cpu, code, sizeof code, &ex), E386_EXIT_EXCEPTION);
    ck_assert_int_eq(ex.vector, 14);
    ck_assert_uint_eq(ex.fault_addr, ebp - 4);
    ck_assert_uint_eq(ex.error_code, ERR_U);
    ck_assert_uint_eq(ex.fault_eip, CODE + 0x10);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EBX), 0);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_ESP), CODE + 0x14);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EBP), ebp);
    uint8_t pushed[4];
    ck_assert_int_eq(e386_mem_read(cpu, CODE + 0x10, pushed, 4), 0);
    ck_assert_uint_eq(pushed[0] | pushed[1] << 8 | pushed[2] << 16 | (uint32_t)pushed[3] << 24, ebp);
    e386_cpu_free(cpu);
}
END_TEST

static uint32_t load(E386Cpu *cpu, uint32_t a, e386_exit *ex)
{
    uint8_t ld[] = { 0xa1, 0, 0, 0, 0, 0xcc };
    le32(ld + 1, a);
    e386_reg_write(cpu, E386_EAX, 0);
    int r = run(cpu, ld, sizeof ld, ex);
    return r == E386_EXIT_INTERRUPT ? e386_reg_read(cpu, E386_EAX) : 0xdeadbeef;
}

static int store(E386Cpu *cpu, uint32_t a, uint32_t v, e386_exit *ex)
{
    uint8_t st[] = { 0xa3, 0, 0, 0, 0, 0xcc };
    le32(st + 1, a);
    e386_reg_write(cpu, E386_EAX, v);
    return run(cpu, st, sizeof st, ex);
}

/* mremap's move, munmap and mprotect: what the guest loads and stores is
 * what the host copies read and write, before and after. */
START_TEST(test_remap_unmap_protect_views)
{
    E386Cpu *cpu = new_cpu(_i);
    enum { SRC = 0x100000, DST = 0x200000 };
    e386_exit ex;
    ck_assert_int_eq(e386_mem_map(cpu, SRC, 0x3000, RW), 0);
    ck_assert_int_eq(e386_mem_unmap(cpu, SRC + 0x1000, 0x1000), 0); /* a hole in the middle */
    ck_assert_int_eq(e386_mem_map(cpu, SRC + 0x1000, 0x1000, E386_PROT_READ), 0);
    ck_assert_int_eq(store(cpu, SRC + 0x10, 0xa1a2a3a4, &ex), E386_EXIT_INTERRUPT);
    ck_assert_int_eq(e386_mem_write(cpu, SRC + 0x1010, "\x01\x02\x03\x04", 4), 0);
    ck_assert_int_eq(store(cpu, SRC + 0x2010, 0xc1c2c3c4, &ex), E386_EXIT_INTERRUPT);
    ck_assert_int_eq(mem_move(cpu, DST, SRC, 0x3000, RW), 0);
    ck_assert_uint_eq(load(cpu, DST + 0x10, &ex), 0xa1a2a3a4);
    ck_assert_uint_eq(load(cpu, DST + 0x1010, &ex), 0x04030201);
    ck_assert_uint_eq(load(cpu, DST + 0x2010, &ex), 0xc1c2c3c4);
    ck_assert_int_eq(store(cpu, DST + 0x1010, 0x55667788, &ex), E386_EXIT_INTERRUPT); /* RW now */
    uint8_t b[4];
    ck_assert_int_eq(e386_mem_read(cpu, DST + 0x1010, b, 4), 0);
    ck_assert_int_eq(memcmp(b, "\x88\x77\x66\x55", 4), 0);
    load(cpu, SRC + 0x2010, &ex); /* the old place is gone */
    ck_assert_int_eq(ex.vector, 14);
    ck_assert_uint_eq(ex.error_code, ERR_U);
    ck_assert_int_eq(e386_mem_is_mapped(cpu, SRC), 0);
    /* mprotect both ways */
    ck_assert_int_eq(e386_mem_protect(cpu, DST, 0x3000, E386_PROT_READ), 0);
    ck_assert_int_eq(store(cpu, DST + 0x2000, 1, &ex), E386_EXIT_EXCEPTION);
    ck_assert_uint_eq(ex.error_code, ERR_U | ERR_W | ERR_P);
    ck_assert_uint_eq(load(cpu, DST + 0x2010, &ex), 0xc1c2c3c4);
    ck_assert_int_eq(e386_mem_protect(cpu, DST + 0x2000, 0x1000, 0), 0);
    load(cpu, DST + 0x2010, &ex);
    ck_assert_uint_eq(ex.error_code, ERR_U);
    ck_assert_int_eq(e386_mem_read(cpu, DST + 0x2010, b, 4), 0); /* host copies ignore protection */
    ck_assert_int_eq(memcmp(b, "\xc4\xc3\xc2\xc1", 4), 0);
    ck_assert_int_eq(e386_mem_write(cpu, DST + 0x2010, "\x09\x08\x07\x06", 4), 0);
    ck_assert_int_eq(e386_mem_protect(cpu, DST + 0x2000, 0x1000, RW), 0);
    ck_assert_uint_eq(load(cpu, DST + 0x2010, &ex), 0x06070809);
    /* munmap, then a fresh mapping there is zero */
    ck_assert_int_eq(e386_mem_unmap(cpu, DST, 0x3000), 0);
    load(cpu, DST + 0x10, &ex);
    ck_assert_int_eq(ex.vector, 14);
    ck_assert_uint_eq(ex.error_code, ERR_U);
    ck_assert_int_eq(e386_mem_map(cpu, DST, 0x1000, RW), 0);
    ck_assert_uint_eq(load(cpu, DST + 0x10, &ex), 0);
    e386_cpu_free(cpu);
}
END_TEST

/* Two CPUs in one process: the same guest address is each one's own
 * page, and one's PROT_NONE is not the other's. */
START_TEST(test_two_cpus)
{
    E386Cpu *a = new_cpu(_i), *b = new_cpu(_i);
    e386_exit ex;
    ck_assert_int_eq(store(a, DATA, 0xaaaa0001, &ex), E386_EXIT_INTERRUPT);
    ck_assert_int_eq(store(b, DATA, 0xbbbb0002, &ex), E386_EXIT_INTERRUPT);
    ck_assert_int_eq(e386_mem_protect(b, DATA, 0x1000, 0), 0);
    ck_assert_uint_eq(load(a, DATA, &ex), 0xaaaa0001);
    load(b, DATA, &ex);
    ck_assert_int_eq(ex.vector, 14);
    ck_assert_uint_eq(ex.fault_addr, DATA);
    ck_assert_int_eq(e386_mem_protect(b, DATA, 0x1000, RW), 0);
    ck_assert_uint_eq(load(b, DATA, &ex), 0xbbbb0002);
    e386_cpu_free(a);
    ck_assert_uint_eq(load(b, DATA, &ex), 0xbbbb0002); /* a's reservation went alone */
    e386_cpu_free(b);
}
END_TEST

/* Two CPUs on two host threads at once, each faulting and loading in a
 * loop: a fault is always its own CPU's (the handler finds the CPU
 * running on the faulting thread). */
static void *fault_loop(void *arg)
{
    E386Cpu *cpu = arg;
    uint32_t want = e386_reg_read(cpu, E386_ESI);
    for (int i = 0; i < 2000; i++) {
        e386_exit ex;
        if (load(cpu, DATA, &ex) != want)
            return (void *)1;
        load(cpu, NONE + (uint32_t)(i & 0xff) * 4, &ex);
        if (ex.vector != 14 || ex.fault_addr != NONE + (uint32_t)(i & 0xff) * 4 || ex.error_code != ERR_U)
            return (void *)1;
    }
    return NULL;
}

START_TEST(test_two_threads)
{
    E386Cpu *c[2] = { new_cpu(_i), new_cpu(_i) };
    pthread_t t[2];
    for (int k = 0; k < 2; k++) {
        e386_exit ex;
        ck_assert_int_eq(store(c[k], DATA, 0x1000u + (uint32_t)k, &ex), E386_EXIT_INTERRUPT);
        e386_reg_write(c[k], E386_ESI, 0x1000u + (uint32_t)k);
    }
    for (int k = 0; k < 2; k++)
        ck_assert_int_eq(pthread_create(&t[k], NULL, fault_loop, c[k]), 0);
    for (int k = 0; k < 2; k++) {
        void *r;
        pthread_join(t[k], &r);
        ck_assert_ptr_null(r);
        e386_cpu_free(c[k]);
    }
}
END_TEST

/* Switched on only while the address space is empty. */
START_TEST(test_switch_only_when_empty)
{
    E386Cpu *cpu = new_cpu(_i);
    ck_assert_int_eq(e386_mem_linear(cpu, !_i), e386_mem_linear(cpu, _i != 0));
    e386_cpu_free(cpu);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("linmem");
    TCase *tc = tcase_create("both");
    tcase_add_loop_test(tc, test_faults, 0, 3);
    tcase_add_loop_test(tc, test_fault_address_when_the_host_touches_a_later_byte_first, 0, 3);
    tcase_add_loop_test(tc, test_crossing_store_writes_nothing, 0, 3);
    tcase_add_loop_test(tc, test_smc_same_page, 0, 3);
    tcase_add_loop_test(tc, test_smc_next_page, 0, 3);
    tcase_add_loop_test(tc, test_smc_next_instruction, 0, 3);
    tcase_add_loop_test(tc, test_enter_rewriting_itself_then_faulting_reports_the_fault, 0, 3);
    tcase_add_loop_test(tc, test_remap_unmap_protect_views, 0, 3);
    tcase_add_loop_test(tc, test_two_cpus, 0, 3);
    tcase_add_loop_test(tc, test_two_threads, 0, 3);
    tcase_add_loop_test(tc, test_switch_only_when_empty, 0, 3);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return run_suite(suite()); }
