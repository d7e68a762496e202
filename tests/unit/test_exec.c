/* The execution engine through the public API: running code, the
 * instruction budget, precise faults, the interrupt hook, self-modifying
 * code, chaining statistics, and two CPUs in one process. */
#include <check.h>
#include "unit_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "e386.h"

enum { CODE = 0x10000, DATA = 0x20000 };

static E386Cpu *cpu_with_code(const uint8_t *code, size_t n)
{
    E386Cpu *cpu = e386_cpu_new();
    ck_assert_ptr_nonnull(cpu);
    ck_assert_int_eq(e386_mem_map(cpu, CODE, 0x2000, E386_PROT_READ | E386_PROT_WRITE | E386_PROT_EXEC), 0);
    ck_assert_int_eq(e386_mem_map(cpu, DATA, 0x1000, E386_PROT_READ | E386_PROT_WRITE), 0);
    ck_assert_int_eq(e386_mem_write(cpu, CODE, code, n), 0);
    e386_reg_write(cpu, E386_EIP, CODE);
    e386_reg_write(cpu, E386_ESP, DATA + 0x1000);
    return cpu;
}

/* mov ecx,1000; xor eax,eax; L: add eax,ecx; loop L; int3 */
static const uint8_t sum_loop[] = { 0xb9, 0xe8, 0x03, 0, 0, 0x31, 0xc0, 0x01, 0xc8, 0xe2, 0xfc, 0xcc };

START_TEST(test_loop_and_chaining)
{
    E386Cpu *cpu = cpu_with_code(sum_loop, sizeof sum_loop);
    e386_count_chain_hits(cpu, 1);
    e386_exit ex;
    ck_assert_int_eq(e386_run(cpu, 0, &ex), E386_EXIT_INTERRUPT);
    ck_assert_int_eq(ex.vector, 3);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EAX), 500500);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EIP), CODE + sizeof sum_loop);
    ck_assert_uint_eq(e386_insn_count(cpu), 2 + 2 * 1000 + 1);
    e386_stats st;
    e386_get_stats(cpu, &st);
    ck_assert_uint_gt(st.chain_hits, 900); /* the loop ran chained */
    e386_cpu_free(cpu);
}
END_TEST

/* chain_hits counts only when asked (e386_count_chain_hits): the
 * interpreter's add per chained block is a cost every program paid */
START_TEST(test_chain_hits_count_only_when_asked)
{
    E386Cpu *cpu = cpu_with_code(sum_loop, sizeof sum_loop);
    e386_exit ex;
    ck_assert_int_eq(e386_run(cpu, 0, &ex), E386_EXIT_INTERRUPT);
    e386_stats st;
    e386_get_stats(cpu, &st);
    ck_assert_uint_eq(st.chain_hits, 0);
    e386_count_chain_hits(cpu, 1);
    e386_reg_write(cpu, E386_EIP, CODE);
    ck_assert_int_eq(e386_run(cpu, 0, &ex), E386_EXIT_INTERRUPT);
    e386_get_stats(cpu, &st);
    ck_assert_uint_gt(st.chain_hits, 900);
    ck_assert_uint_lt(st.chain_hits, 1100); /* this run's, from 0 */
    e386_cpu_free(cpu);
}
END_TEST

START_TEST(test_budget)
{
    E386Cpu *cpu = cpu_with_code(sum_loop, sizeof sum_loop);
    e386_exit ex;
    ck_assert_int_eq(e386_run(cpu, 100, &ex), E386_EXIT_INSN_LIMIT);
    ck_assert_uint_ge(e386_insn_count(cpu), 100);
    ck_assert_int_eq(e386_run(cpu, 0, &ex), E386_EXIT_INTERRUPT);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EAX), 500500);
    e386_cpu_free(cpu);
}
END_TEST

/* A budget so large that icount + budget wraps (UINT64_MAX, after some
 * instructions ran) runs to the end as an unlimited one does: before
 * the budget was capped at 2^62, the run's end wrapped below icount and
 * e386_run returned at once with the budget "spent".  In both engines
 * (the native back end counts the budget down in a signed register). */
START_TEST(test_huge_budget_does_not_wrap)
{
    for (int accel = E386_ACCEL_INTERP; accel <= E386_ACCEL_NATIVE; accel++) {
        E386Cpu *cpu = cpu_with_code(sum_loop, sizeof sum_loop);
        e386_set_accel(cpu, accel); /* native falls back to the interpreter where it is not built */
        e386_exit ex;
        ck_assert_int_eq(e386_run(cpu, 10, &ex), E386_EXIT_INSN_LIMIT);
        ck_assert_int_eq(e386_run(cpu, UINT64_MAX, &ex), E386_EXIT_INTERRUPT);
        ck_assert_uint_eq(e386_reg_read(cpu, E386_EAX), 500500);
        ck_assert_uint_eq(e386_insn_count(cpu), 2 + 2 * 1000 + 1);
        e386_cpu_free(cpu);
    }
}
END_TEST

/* REP MOVS and REP STOS forward are their elements one after the other:
 * each read whole, then written.  Against that rule, computed here on a
 * copy of the memory: unaligned dwords crossing pages (an element the
 * page-at-a-time path leaves to the general one), a byte copy onto
 * itself shifted by one (the first byte repeated), dwords shifted by
 * three (overlapping elements), a copy of 72 pages (more than one
 * instruction restart of 64 pages) and an unaligned REP STOSD. */
enum { STR_BASE = 0x100000, STR_SIZE = 0x100000 };

static void str_reference(uint8_t *m, int movs, int size, uint32_t si, uint32_t di, uint32_t n, uint32_t eax)
{
    for (uint32_t k = 0; k < n; k++) {
        uint8_t el[4];
        for (int b = 0; b < size; b++)
            el[b] = movs ? m[si - STR_BASE + k * (uint32_t)size + (uint32_t)b] : (uint8_t)(eax >> 8 * b);
        for (int b = 0; b < size; b++)
            m[di - STR_BASE + k * (uint32_t)size + (uint32_t)b] = el[b];
    }
}

START_TEST(test_rep_movs_stos_are_their_elements_in_order)
{
    static const struct { int movs, size; uint32_t si, di, n; } cases[] = {
        { 1, 4, STR_BASE + 2, STR_BASE + 0x3001, 2500 },
        { 1, 1, STR_BASE + 0x100, STR_BASE + 0x101, 9000 },
        { 1, 4, STR_BASE + 0x10, STR_BASE + 0x13, 3000 },
        { 1, 4, STR_BASE + 1, STR_BASE + 0x80003, 0x12000 },
        { 0, 4, 0, STR_BASE + 0x7ffe, 3000 },
    };
    static uint8_t want[STR_SIZE], got[STR_SIZE];
    for (int accel = E386_ACCEL_INTERP; accel <= E386_ACCEL_NATIVE; accel++)
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            uint8_t code[] = { 0xbe, 0, 0, 0, 0, 0xbf, 0, 0, 0, 0, 0xb9, 0, 0, 0, 0, 0xb8, 0x44, 0x33, 0x22, 0x11,
                               0xf3, 0xa5, 0xcc };
            uint32_t v[3] = { cases[c].si, cases[c].di, cases[c].n };
            for (int r = 0; r < 3; r++)
                for (int k = 0; k < 4; k++)
                    code[1 + 5 * r + k] = (uint8_t)(v[r] >> 8 * k);
            code[21] = (uint8_t)((cases[c].movs ? 0xa4 : 0xaa) | (cases[c].size == 4));
            E386Cpu *cpu = cpu_with_code(code, sizeof code);
            e386_set_accel(cpu, accel);
            ck_assert_int_eq(e386_mem_map(cpu, STR_BASE, STR_SIZE, E386_PROT_READ | E386_PROT_WRITE), 0);
            for (uint32_t i = 0; i < STR_SIZE; i++)
                want[i] = (uint8_t)(i * 13 + (i >> 11));
            ck_assert_int_eq(e386_mem_write(cpu, STR_BASE, want, STR_SIZE), 0);
            str_reference(want, cases[c].movs, cases[c].size, cases[c].si, cases[c].di, cases[c].n, 0x11223344);
            e386_exit ex;
            ck_assert_int_eq(e386_run(cpu, 0, &ex), E386_EXIT_INTERRUPT);
            ck_assert_uint_eq(e386_reg_read(cpu, E386_ECX), 0);
            ck_assert_uint_eq(e386_reg_read(cpu, E386_EDI), cases[c].di + cases[c].n * (uint32_t)cases[c].size);
            if (cases[c].movs)
                ck_assert_uint_eq(e386_reg_read(cpu, E386_ESI), cases[c].si + cases[c].n * (uint32_t)cases[c].size);
            ck_assert_int_eq(e386_mem_read(cpu, STR_BASE, got, STR_SIZE), 0);
            ck_assert_msg(memcmp(got, want, STR_SIZE) == 0, "case %zu (accel %d): memory differs", c, accel);
            e386_cpu_free(cpu);
        }
}
END_TEST

/* inc eax; inc eax; mov [0x5000],eax (unmapped); inc eax */
START_TEST(test_precise_page_fault)
{
    static const uint8_t code[] = { 0x40, 0x40, 0xa3, 0x00, 0x50, 0, 0, 0x40 };
    E386Cpu *cpu = cpu_with_code(code, sizeof code);
    e386_exit ex;
    ck_assert_int_eq(e386_run(cpu, 0, &ex), E386_EXIT_EXCEPTION);
    ck_assert_int_eq(ex.vector, 14);
    ck_assert_uint_eq(ex.fault_eip, CODE + 2);
    ck_assert_uint_eq(ex.fault_addr, 0x5000);
    ck_assert_uint_eq(ex.error_code, 2 | 4); /* not present, write, user */
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EIP), CODE + 2);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EAX), 2);
    ck_assert_uint_eq(e386_insn_count(cpu), 2);
    e386_cpu_free(cpu);
}
END_TEST

/* A divide error reports the DIV, not the next instruction. */
START_TEST(test_precise_divide_error)
{
    static const uint8_t code[] = { 0x31, 0xc9, 0xf7, 0xf1, 0x90 }; /* xor ecx,ecx; div ecx */
    E386Cpu *cpu = cpu_with_code(code, sizeof code);
    e386_exit ex;
    ck_assert_int_eq(e386_run(cpu, 0, &ex), E386_EXIT_EXCEPTION);
    ck_assert_int_eq(ex.vector, 0);
    ck_assert_uint_eq(ex.fault_eip, CODE + 2);
    e386_cpu_free(cpu);
}
END_TEST

static int hook_calls;
static int count_hook(E386Cpu *cpu, int vector, void *opaque)
{
    (void)opaque;
    if (vector != 0x80)
        return 0;
    hook_calls++;
    e386_reg_write(cpu, E386_EAX, e386_reg_read(cpu, E386_EAX) + 1);
    return 1;
}

/* int $0x80 three times, then int3: the hook handles the first three */
START_TEST(test_int_hook)
{
    static const uint8_t code[] = { 0xcd, 0x80, 0xcd, 0x80, 0xcd, 0x80, 0xcc };
    E386Cpu *cpu = cpu_with_code(code, sizeof code);
    hook_calls = 0;
    e386_set_int_hook(cpu, count_hook, NULL);
    e386_exit ex;
    ck_assert_int_eq(e386_run(cpu, 0, &ex), E386_EXIT_INTERRUPT);
    ck_assert_int_eq(ex.vector, 3);
    ck_assert_int_eq(hook_calls, 3);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EAX), 3);
    e386_cpu_free(cpu);
}
END_TEST

/* A store into the very next instruction: the CPU must run the new bytes.
 *   mov byte [CODE+8], 0x40   (c6 05 08 00 01 00 40)   7 bytes
 *   nop                        (90) at CODE+7
 *   nop                        (90) at CODE+8 -> becomes inc eax
 *   int3 */
START_TEST(test_smc_next_instruction)
{
    static const uint8_t code[] = { 0xc6, 0x05, 0x08, 0x00, 0x01, 0x00, 0x40, 0x90, 0x90, 0xcc };
    E386Cpu *cpu = cpu_with_code(code, sizeof code);
    e386_exit ex;
    ck_assert_int_eq(e386_run(cpu, 0, &ex), E386_EXIT_INTERRUPT);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EAX), 1);
    /* run the same code again: the patched byte stays patched */
    e386_reg_write(cpu, E386_EIP, CODE);
    ck_assert_int_eq(e386_run(cpu, 0, &ex), E386_EXIT_INTERRUPT);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EAX), 2);
    e386_stats st;
    e386_get_stats(cpu, &st);
    ck_assert_uint_ge(st.tb_invalidated, 1);
    e386_cpu_free(cpu);
}
END_TEST

/* Patching code from the host side (a loader, a debugger) is seen too. */
START_TEST(test_host_write_invalidates)
{
    static const uint8_t code[] = { 0x40, 0xcc }; /* inc eax; int3 */
    E386Cpu *cpu = cpu_with_code(code, sizeof code);
    e386_exit ex;
    e386_run(cpu, 0, &ex);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EAX), 1);
    uint8_t dec = 0x48;
    e386_mem_write(cpu, CODE, &dec, 1);
    e386_reg_write(cpu, E386_EIP, CODE);
    e386_run(cpu, 0, &ex);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EAX), 0);
    e386_cpu_free(cpu);
}
END_TEST

/* Two CPUs in one process do not share anything. */
START_TEST(test_two_cpus)
{
    E386Cpu *a = cpu_with_code(sum_loop, sizeof sum_loop);
    static const uint8_t other[] = { 0xb8, 0x07, 0, 0, 0, 0xcc }; /* mov eax,7; int3 */
    E386Cpu *b = cpu_with_code(other, sizeof other);
    e386_exit ex;
    e386_run(a, 50, &ex);
    e386_run(b, 0, &ex);
    e386_run(a, 0, &ex);
    ck_assert_uint_eq(e386_reg_read(a, E386_EAX), 500500);
    ck_assert_uint_eq(e386_reg_read(b, E386_EAX), 7);
    e386_cpu_free(a);
    e386_cpu_free(b);
}
END_TEST

/* Executing from a page without execute permission (unmapped) faults at
 * the target, with the fetch error code. */
/* Flag liveness: a rotate's CF and OF are dropped only when a later op of
 * the block rewrites them first; a PUSHF or a fault in between sees them. */
START_TEST(test_rotate_flags_liveness)
{
    /* xor ecx,ecx (ZF=1); mov eax,0x80000001; rol eax,1; pushf; pop edx;
     * ror eax,4; rol eax,3; xor ebx,ebx; int3 */
    static const uint8_t live[] = { 0x31, 0xc9, 0xb8, 0x01, 0, 0, 0x80, 0xc1, 0xc0, 0x01, 0x9c, 0x5a,
                                    0xc1, 0xc8, 0x04, 0xc1, 0xc0, 0x03, 0x31, 0xdb, 0xcc };
    E386Cpu *cpu = cpu_with_code(live, sizeof live);
    e386_exit ex;
    ck_assert_int_eq(e386_run(cpu, 0, &ex), E386_EXIT_INTERRUPT);
    /* rol: 0x00000003, CF = 1, OF = MSB ^ CF = 1; ZF kept from the xor */
    uint32_t f = e386_reg_read(cpu, E386_EDX);
    ck_assert_uint_eq(f & 0x8c1, 0x841); /* OF, SF, ZF, CF */
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EAX), 0x80000001u);
    /* the rotates' CF/OF were rewritten by the last xor */
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EFLAGS) & 0x8c1, 0x40);
    e386_cpu_free(cpu);

    /* mov eax,0x80000001; rol eax,1; mov [0x5000],eax (unmapped: a fault
     * before the xor that would rewrite CF/OF); xor ebx,ebx */
    static const uint8_t fault[] = { 0xb8, 0x01, 0, 0, 0x80, 0xc1, 0xc0, 0x01, 0xa3, 0x00, 0x50, 0, 0,
                                     0x31, 0xdb };
    cpu = cpu_with_code(fault, sizeof fault);
    ck_assert_int_eq(e386_run(cpu, 0, &ex), E386_EXIT_EXCEPTION);
    ck_assert_int_eq(ex.vector, 14);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EAX), 3);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EFLAGS) & 0x801, 0x801);
    e386_cpu_free(cpu);
}
END_TEST

/* The specialised memory forms of CMP and SUB and the inline condition
 * tests for byte compares (signed and unsigned orders differ on 0x80). */
START_TEST(test_alu_memory_forms)
{
    /* mov ebx,DATA; xor ecx,ecx; mov dl,0x7f; cmp [ebx+ecx],dl; setb al;
     * setl ah; inc ecx; cmp byte [ebx+ecx],1; sete dh; sub dword [ebx+4],5;
     * setc ch; int3 */
    static const uint8_t code[] = { 0xbb, 0x00, 0x00, 0x02, 0x00, 0x31, 0xc9, 0xb2, 0x7f, 0x38, 0x14, 0x0b,
                                    0x0f, 0x92, 0xc0, 0x0f, 0x9c, 0xc4, 0x41, 0x80, 0x3c, 0x0b, 0x01,
                                    0x0f, 0x94, 0xc6, 0x83, 0x6b, 0x04, 0x05, 0x0f, 0x92, 0xc5, 0xcc };
    static const uint8_t data[8] = { 0x80, 0x01, 0, 0, 3, 0, 0, 0 };
    E386Cpu *cpu = cpu_with_code(code, sizeof code);
    ck_assert_int_eq(e386_mem_write(cpu, DATA, data, sizeof data), 0);
    e386_reg_write(cpu, E386_EAX, 0);
    e386_exit ex;
    ck_assert_int_eq(e386_run(cpu, 0, &ex), E386_EXIT_INTERRUPT);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EAX) & 0xffff, 0x0100); /* not below, less */
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EDX) & 0xffff, 0x017f); /* equal */
    ck_assert_uint_eq(e386_reg_read(cpu, E386_ECX) & 0xffff, 0x0101); /* 3 - 5 borrows */
    uint8_t m[4];
    ck_assert_int_eq(e386_mem_read(cpu, DATA + 4, m, 4), 0);
    ck_assert_uint_eq(m[0] | m[1] << 8 | m[2] << 16 | (uint32_t)m[3] << 24, 0xfffffffeu);
    e386_cpu_free(cpu);
}
END_TEST

START_TEST(test_fetch_fault_eip)
{
    static const uint8_t code[] = { 0xe9, 0xfb, 0xff, 0x0e, 0x00 }; /* jmp to CODE+0xf0000 */
    E386Cpu *cpu = cpu_with_code(code, sizeof code);
    e386_exit ex;
    ck_assert_int_eq(e386_run(cpu, 0, &ex), E386_EXIT_EXCEPTION);
    ck_assert_int_eq(ex.vector, 14);
    ck_assert_uint_eq(ex.fault_eip, CODE + 5 + 0xefffb);
    ck_assert_uint_eq(ex.fault_addr, ex.fault_eip);
    e386_cpu_free(cpu);
}
END_TEST

/* RDTSC reads twice the instructions retired before it (user mode: the
 * count is the clock), whatever the blocks: it counted the rest of its
 * block too, so a long block read a later time than one-instruction
 * blocks (found by test_pair_run's programs rewriting themselves into
 * an RDTSC).  nop; nop; rdtsc; mov ebx,eax; nop; rdtsc; int3 */
static int no_stop(E386Cpu *cpu, uint32_t pc, void *opaque)
{
    (void)cpu, (void)pc, (void)opaque;
    return 0;
}

/* code on a CPU in mode 0 (interp), 1 (interp, one instruction a block:
 * a debug hook that never stops) or 2 (native); NULL, said loudly, where
 * the native back end is not built */
static E386Cpu *cpu_in_mode(const uint8_t *code, size_t n, int mode, const char *test)
{
    E386Cpu *cpu = cpu_with_code(code, n);
    int accel = mode == 2 ? E386_ACCEL_NATIVE : E386_ACCEL_INTERP;
    if (e386_set_accel(cpu, accel) != accel) {
        printf("%s: SKIP native (not built for this host)\n", test);
        e386_cpu_free(cpu);
        return NULL;
    }
    if (mode == 1)
        e386_set_debug_hook(cpu, no_stop, NULL);
    return cpu;
}

START_TEST(test_rdtsc_counts_the_same_whatever_the_blocks)
{
    static const uint8_t code[] = { 0x90, 0x90, 0x0f, 0x31, 0x89, 0xc3, 0x90, 0x0f, 0x31, 0xcc };
    for (int mode = 0; mode < 3; mode++) { /* interp, interp one instruction a block, native */
        E386Cpu *cpu = cpu_in_mode(code, sizeof code, mode, "test_rdtsc_counts_the_same_whatever_the_blocks");
        if (!cpu)
            continue;
        e386_exit ex;
        ck_assert_int_eq(e386_run(cpu, 0, &ex), E386_EXIT_INTERRUPT);
        ck_assert_msg(e386_reg_read(cpu, E386_EBX) == 2 * 2 && e386_reg_read(cpu, E386_EAX) == 2 * 5,
                      "mode %d: rdtsc read %u and %u", mode, e386_reg_read(cpu, E386_EBX), e386_reg_read(cpu, E386_EAX));
        ck_assert_uint_eq(e386_reg_read(cpu, E386_EDX), 0);
        e386_cpu_free(cpu);
    }
}
END_TEST

/* A REP that stops after a pass with work left runs again from the
 * loop, in a block that starts at it.  Its first block went on past it
 * (three INCs and the INT3 here), and the engines add a whole block to
 * icount on entry: before restart_insn each restart counted what follows
 * the REP once more (4 x 3 extra here).  The rule: each pass is one
 * instruction (REP STOSD forward, flat: 64 pages a pass; backward:
 * str_run's 4096 elements), what follows once, the same in every engine
 * and with one instruction a block.  mov edi; mov ecx; cld or std;
 * rep stosd; inc eax x3; int3 */
START_TEST(test_rep_restart_counts_what_follows_once)
{
    static const struct { uint8_t dir; uint32_t edi, ecx, passes; } cases[] = {
        { 0xfc, STR_BASE, 200 * 1024, 4 },            /* 200 pages: 64 + 64 + 64 + 8 */
        { 0xfd, STR_BASE + 0xfff00, 10000, 3 },      /* 4096 + 4096 + 1808 elements */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (int mode = 0; mode < 3; mode++) { /* interp, interp one instruction a block, native */
            uint8_t code[] = { 0xbf, 0, 0, 0, 0, 0xb9, 0, 0, 0, 0, cases[c].dir, 0xf3, 0xab, 0x40, 0x40, 0x40, 0xcc };
            for (int k = 0; k < 4; k++) {
                code[1 + k] = (uint8_t)(cases[c].edi >> 8 * k);
                code[6 + k] = (uint8_t)(cases[c].ecx >> 8 * k);
            }
            E386Cpu *cpu = cpu_in_mode(code, sizeof code, mode, "test_rep_restart_counts_what_follows_once");
            if (!cpu)
                continue;
            ck_assert_int_eq(e386_mem_map(cpu, STR_BASE, STR_SIZE, E386_PROT_READ | E386_PROT_WRITE), 0);
            e386_exit ex;
            ck_assert_int_eq(e386_run(cpu, 0, &ex), E386_EXIT_INTERRUPT);
            ck_assert_uint_eq(e386_reg_read(cpu, E386_ECX), 0);
            ck_assert_uint_eq(e386_reg_read(cpu, E386_EAX), 3);
            ck_assert_msg(e386_insn_count(cpu) == 3 + cases[c].passes + 3 + 1, "case %zu mode %d: %llu instructions", c,
                          mode, (unsigned long long)e386_insn_count(cpu));
            e386_cpu_free(cpu);
        }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("exec");
    TCase *tc = tcase_create("exec");
    tcase_add_test(tc, test_loop_and_chaining);
    tcase_add_test(tc, test_chain_hits_count_only_when_asked);
    tcase_add_test(tc, test_budget);
    tcase_add_test(tc, test_huge_budget_does_not_wrap);
    tcase_add_test(tc, test_rep_movs_stos_are_their_elements_in_order);
    tcase_add_test(tc, test_precise_page_fault);
    tcase_add_test(tc, test_precise_divide_error);
    tcase_add_test(tc, test_int_hook);
    tcase_add_test(tc, test_smc_next_instruction);
    tcase_add_test(tc, test_host_write_invalidates);
    tcase_add_test(tc, test_two_cpus);
    tcase_add_test(tc, test_fetch_fault_eip);
    tcase_add_test(tc, test_rotate_flags_liveness);
    tcase_add_test(tc, test_alu_memory_forms);
    tcase_add_test(tc, test_rdtsc_counts_the_same_whatever_the_blocks);
    tcase_add_test(tc, test_rep_restart_counts_what_follows_once);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
