/* Block ends (issue 13): chained links that do not look at the successor
 * (an invalidated successor must still never run), the return-address
 * stack's links to return sites, and the fused compare-and-branch ops
 * (every condition of every fused compare form, and the flags they leave,
 * against the rules of the Intel SDM's Jcc and CMP/TEST pages). */
#include <check.h>
#include "unit_main.h"
#include <pthread.h>
#include <stdio.h>
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

/* A block chained to a successor that is then rewritten: the link is
 * followed without looking at the successor, which must not run.
 *   0: mov ecx,4
 *   5: A: cmp ecx,2 ; jne J
 *  10: mov byte [B],0x48 (inc eax -> dec eax)   ; falls into its own jmp B
 *  17: J: jmp B
 *  64: B: inc eax ; dec ecx ; jnz A ; int3
 * ecx 4 and 3 run inc (J -> B is linked on the first pass and followed on
 * the second), ecx 2 patches and runs dec, ecx 1 comes through the old
 * link and must run dec too: eax = 1 + 1 - 1 - 1. */
START_TEST(test_stale_chained_successor)
{
    uint8_t code[0x45] = { 0xb9, 4, 0, 0, 0, 0x83, 0xf9, 0x02, 0x75, 0x07, 0xc6, 0x05, 0x40, 0x00, 0x01, 0x00,
                           0x48, 0xe9, 0x2a, 0, 0, 0 };
    memset(code + 22, 0x90, 0x40 - 22);
    code[0x40] = 0x40;
    code[0x41] = 0x49;
    code[0x42] = 0x75;
    code[0x43] = (uint8_t)(5 - 0x44);
    code[0x44] = 0xcc;
    E386Cpu *cpu = cpu_with_code(code, sizeof code);
    e386_exit ex;
    ck_assert_int_eq(e386_run(cpu, 0, &ex), E386_EXIT_INTERRUPT);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EAX), 0);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_ECX), 0);
    /* mov ecx; 4 x (cmp, jne, jmp, inc/dec, dec, jnz) + the patching mov; int3 */
    ck_assert_uint_eq(e386_insn_count(cpu), 1 + 4 * 6 + 1 + 1);
    e386_stats st;
    e386_get_stats(cpu, &st);
    ck_assert_uint_ge(st.tb_invalidated, 1);
    e386_cpu_free(cpu);
}
END_TEST

/* A return site reached through the return-address stack's link, then
 * rewritten by the called function: the next return runs the new code.
 *   0: mov ecx,5
 *   5: L: call F
 *  10: R: inc eax ; dec ecx ; jnz L ; int3
 *  96: F: cmp ecx,2 ; jne +7 ; mov byte [R],0x48 ; ret
 * ecx 5, 4, 3 return to inc (the link is made on the second return and
 * followed on the third), 2 and 1 to dec: eax = 3 - 2. */
START_TEST(test_stale_return_site)
{
    uint8_t code[0x6d] = { 0xb9, 5, 0, 0, 0, 0xe8, 0x56, 0, 0, 0, 0x40, 0x49, 0x75, (uint8_t)(5 - 14), 0xcc };
    memset(code + 15, 0x90, 0x60 - 15);
    static const uint8_t f[] = { 0x83, 0xf9, 0x02, 0x75, 0x07, 0xc6, 0x05, 0x0a, 0x00, 0x01, 0x00, 0x48, 0xc3 };
    memcpy(code + 0x60, f, sizeof f);
    E386Cpu *cpu = cpu_with_code(code, sizeof code);
    e386_exit ex;
    ck_assert_int_eq(e386_run(cpu, 0, &ex), E386_EXIT_INTERRUPT);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EAX), 1);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_ECX), 0);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_ESP), DATA + 0x1000);
    /* mov ecx; 5 x (call, cmp, jne, ret, inc/dec, dec, jnz) + the patching mov; int3 */
    ck_assert_uint_eq(e386_insn_count(cpu), 1 + 5 * 7 + 1 + 1);
    e386_cpu_free(cpu);
}
END_TEST

/* A return that does not go where the matching call came from (the
 * return address replaced on the stack) takes the address on the stack.
 *   0: call F ; 5: mov eax,1 ; int3          F (16): mov dword [esp],18 + CODE ; ret
 *  18: mov eax,2 ; int3 -- run twice, so the first return's link exists */
START_TEST(test_return_elsewhere)
{
    uint8_t code[0x40] = { 0xe8, 0x0b, 0, 0, 0, 0xb8, 1, 0, 0, 0, 0xcc };
    memset(code + 11, 0x90, 5);
    static const uint8_t f[] = { 0xc7, 0x04, 0x24, 0x1e, 0x00, 0x01, 0x00, 0xc3 };
    memcpy(code + 16, f, sizeof f);
    static const uint8_t g[] = { 0xb8, 2, 0, 0, 0, 0xcc };
    memcpy(code + 30, g, sizeof g);
    E386Cpu *cpu = cpu_with_code(code, sizeof code);
    for (int i = 0; i < 3; i++) {
        e386_exit ex;
        e386_reg_write(cpu, E386_EIP, CODE);
        e386_reg_write(cpu, E386_ESP, DATA + 0x1000);
        e386_reg_write(cpu, E386_EAX, 0);
        ck_assert_int_eq(e386_run(cpu, 0, &ex), E386_EXIT_INTERRUPT);
        ck_assert_uint_eq(e386_reg_read(cpu, E386_EAX), 2);
        ck_assert_uint_eq(e386_reg_read(cpu, E386_EIP), CODE + 36);
    }
    e386_cpu_free(cpu);
}
END_TEST

enum { CF = 1, PF = 4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800 };

/* EFLAGS after CMP a,b (SUB without the store) or TEST a,b at a width */
static uint32_t ref_flags(int test, int size, uint32_t a, uint32_t b)
{
    uint32_t m = size == 4 ? 0xffffffffu : 0xffu, msb = size == 4 ? 0x80000000u : 0x80u;
    a &= m, b &= m;
    uint32_t r = (test ? a & b : a - b) & m, f = 0;
    if (!test) {
        if (a < b) f |= CF;
        if ((a ^ b ^ r) & 0x10) f |= AF;
        if ((a ^ b) & (a ^ r) & msb) f |= OF;
    }
    if (r == 0) f |= ZF;
    if (r & msb) f |= SF;
    if (!__builtin_parity(r & 0xff)) f |= PF;
    return f;
}

/* the Jcc condition cc (0-15) from EFLAGS, as the SDM's table gives it */
static int ref_cond(int cc, uint32_t f)
{
    int cf = !!(f & CF), zf = !!(f & ZF), sf = !!(f & SF), of = !!(f & OF), pf = !!(f & PF), r;
    switch (cc >> 1) {
    case 0: r = of; break;
    case 1: r = cf; break;
    case 2: r = zf; break;
    case 3: r = cf || zf; break;
    case 4: r = sf; break;
    case 5: r = pf; break;
    case 6: r = sf != of; break;
    default: r = zf || sf != of; break;
    }
    return (cc & 1) ? !r : r;
}

/* each compare form the translator fuses with a following Jcc: its
 * encoding (esi points at DATA, which holds a), width, TEST or CMP, and
 * whether the memory operand is b rather than a */
static const struct { const char *name; uint8_t enc[6]; int len, size, test, mem_b, imm; } forms[] = {
    { "cmp eax,ebx (39)", { 0x39, 0xd8 }, 2, 4, 0, 0, 0 },
    { "cmp eax,ebx (3b)", { 0x3b, 0xc3 }, 2, 4, 0, 0, 0 },
    { "cmp eax,imm32 (81)", { 0x81, 0xf8 }, 2, 4, 0, 0, 4 },
    { "cmp eax,imm32 (3d)", { 0x3d }, 1, 4, 0, 0, 4 },
    { "cmp [esi],ebx", { 0x39, 0x1e }, 2, 4, 0, 0, 0 },
    { "cmp dword [esi],imm32", { 0x81, 0x3e }, 2, 4, 0, 0, 4 },
    { "cmp eax,[esi]", { 0x3b, 0x06 }, 2, 4, 0, 1, 0 },
    { "cmp byte [esi],imm8", { 0x80, 0x3e }, 2, 1, 0, 0, 1 },
    { "test eax,ebx", { 0x85, 0xd8 }, 2, 4, 1, 0, 0 },
    { "test al,bl", { 0x84, 0xd8 }, 2, 1, 1, 0, 0 },
    /* edi is 0: [esi + edi] is DATA too */
    { "cmp [esi],bl", { 0x38, 0x1e }, 2, 1, 0, 0, 0 },
    { "cmp [esi+edi],bl", { 0x38, 0x1c, 0x3e }, 3, 1, 0, 0, 0 },
    { "cmp byte [esi+edi],imm8", { 0x80, 0x3c, 0x3e }, 3, 1, 0, 0, 1 },
    { "cmp [esi+edi],ebx", { 0x39, 0x1c, 0x3e }, 3, 4, 0, 0, 0 },
    { "cmp dword [esi+edi],imm32", { 0x81, 0x3c, 0x3e }, 3, 4, 0, 0, 4 },
};

/* v little-endian at p + n, n + size back (guest byte order on any host) */
static int put_le(uint8_t *p, int n, uint32_t v, int size)
{
    for (int i = 0; i < size; i++)
        p[n + i] = (uint8_t)(v >> (8 * i));
    return n + size;
}

/* mov eax,a; mov ebx,b; mov esi,DATA; <compare>; jcc T; mov edx,0; jmp E;
 * T: mov edx,1; E: pushfd; pop ecx; int3 */
START_TEST(test_fused_compare_branch)
{
    static const uint32_t pairs[][2] = {
        { 0, 0 }, { 1, 2 }, { 2, 1 }, { 0x80000000u, 1 }, { 1, 0x80000000u }, { 0x7fffffffu, 0xffffffffu },
        { 0xffffffffu, 0x7fffffffu }, { 5, 5 }, { 0x80, 0x7f }, { 0x7f, 0x80 }, { 0xff, 0x01 }, { 0x1234, 0x1235 },
    };
    E386Cpu *cpu = cpu_with_code((const uint8_t[]){ 0xcc }, 1);
    for (size_t fi = 0; fi < sizeof forms / sizeof forms[0]; fi++)
        for (int cc = 0; cc < 16; cc++)
            for (size_t pi = 0; pi < sizeof pairs / sizeof pairs[0]; pi++) {
                uint32_t a = pairs[pi][0], b = pairs[pi][1];
                uint8_t c[64];
                int n = 0;
                c[n++] = 0xb8, n = put_le(c, n, a, 4);
                c[n++] = 0xbb, n = put_le(c, n, b, 4);
                c[n++] = 0xbe, n = put_le(c, n, DATA, 4);
                memcpy(c + n, forms[fi].enc, (size_t)forms[fi].len), n += forms[fi].len;
                if (forms[fi].imm) /* the immediate is b */
                    n = put_le(c, n, b, forms[fi].imm);
                static const uint8_t tail[] = { 0x00, 0x07, 0xba, 0, 0, 0, 0, 0xeb, 0x05, 0xba, 1, 0, 0, 0,
                                                0x9c, 0x59, 0xcc };
                memcpy(c + n, tail, sizeof tail);
                c[n] = (uint8_t)(0x70 + cc);
                n += (int)sizeof tail;
                ck_assert_int_eq(e386_mem_write(cpu, CODE, c, (size_t)n), 0);
                uint8_t mem[4];
                put_le(mem, 0, forms[fi].mem_b ? b : a, 4);
                ck_assert_int_eq(e386_mem_write(cpu, DATA, mem, 4), 0);
                e386_reg_write(cpu, E386_EIP, CODE);
                e386_reg_write(cpu, E386_ESP, DATA + 0x1000);
                e386_reg_write(cpu, E386_EDI, 0);
                e386_exit ex;
                loop_assert_eq(e386_run(cpu, 0, &ex), E386_EXIT_INTERRUPT);
                uint32_t f = ref_flags(forms[fi].test, forms[fi].size, a, b);
                uint32_t mask = CF | PF | ZF | SF | OF | (forms[fi].test ? 0 : AF); /* TEST: AF undefined */
                loop_assert_msg(e386_reg_read(cpu, E386_EDX) == (uint32_t)ref_cond(cc, f),
                              "%s, j%x, a=%08x b=%08x: taken %u", forms[fi].name, cc, a, b,
                              e386_reg_read(cpu, E386_EDX));
                loop_assert_msg((e386_reg_read(cpu, E386_ECX) & mask) == f, "%s, j%x, a=%08x b=%08x: flags %03x, not %03x",
                              forms[fi].name, cc, a, b, e386_reg_read(cpu, E386_ECX) & mask, f);
            }
    e386_cpu_free(cpu);
}
END_TEST

/* A block end reached in the same run-loop pass as an op in a
 * flag-liveness window (FX_INEXACT: the loop does not stop after it)
 * goes on into the next block itself, so the loop's exit test after the
 * chain must be made on the op it would stop before (E386Op.nostop):
 * with the called op's bit it would not stop after a store into the
 * running block's own code.
 *    0: mov ecx,3 ; mov edi,DATA ; xor esi,esi
 *   12: L: add eax,ebx (its flags dead) ; cmp ecx,edx ; jne C
 *   18: C: mov byte [edi],0x4e ; P: inc esi ; dec ecx ; mov edi,[ecx*4+TAB] ; jnz L
 *   32: int3
 * The first pass runs L inside the first block, the second links L's
 * own block to C's (both store into data), the third follows that link
 * and rewrites P's INC into DEC, which must run: esi = 1 + 1 - 1. */
START_TEST(test_block_end_after_a_flag_window_stops_for_a_code_change)
{
    enum { TAB = DATA + 0x100 };
    uint8_t code[] = { 0xb9, 3, 0, 0, 0, 0xbf, 0, 0, 0, 0, 0x31, 0xf6, 0x01, 0xd8, 0x39, 0xd1, 0x75, 0x00,
                       0xc6, 0x07, 0x4e, 0x46, 0x49, 0x8b, 0x3c, 0x8d, 0, 0, 0, 0, 0x75, (uint8_t)(12 - 32), 0xcc };
    put_le(code, 6, DATA, 4);
    put_le(code, 26, TAB, 4);
    uint8_t tab[12];
    put_le(tab, 0, DATA, 4), put_le(tab, 4, CODE + 21, 4), put_le(tab, 8, DATA, 4);
    E386Cpu *cpu = cpu_with_code(code, sizeof code);
    e386_reg_write(cpu, E386_EDX, 0);
    for (int accel = E386_ACCEL_INTERP; accel <= E386_ACCEL_NATIVE; accel++) {
        if (accel == E386_ACCEL_NATIVE && e386_set_accel(cpu, accel) != accel) {
            printf("test_block_end_after_a_flag_window_stops_for_a_code_change: SKIP native (not built for this host)\n");
            break;
        }
        ck_assert_int_eq(e386_set_accel(cpu, accel), accel);
        ck_assert_int_eq(e386_mem_write(cpu, CODE, code, sizeof code), 0);
        ck_assert_int_eq(e386_mem_write(cpu, TAB, tab, sizeof tab), 0);
        e386_reg_write(cpu, E386_EIP, CODE);
        e386_exit ex;
        ck_assert_int_eq(e386_run(cpu, 0, &ex), E386_EXIT_INTERRUPT);
        ck_assert_msg(e386_reg_read(cpu, E386_ESI) == 1, "accel %d: esi %u: the stale INC ran", accel,
                      e386_reg_read(cpu, E386_ESI));
        ck_assert_uint_eq(e386_reg_read(cpu, E386_ECX), 0);
    }
    e386_cpu_free(cpu);
}
END_TEST

/* The interpreter's block ends go on into the next block's handler
 * themselves (a tail call: core/cpu.h tail_enter).  Where the compiler makes
 * those real calls (no optimisation, the Debug and sanitizer builds)
 * each block entered so adds stack frames, so the run loop must take
 * over every few blocks.  A loop of two blocks, each ending in a chained
 * jump, runs 2^21 times on a thread with a 256 KiB stack:
 *   L: dec ecx ; jz E ; jmp L  (a block ending in dec+jz, one in jmp)
 *   E: int3 */
struct deep_run { E386Cpu *cpu; uint64_t budget; int reason; };
static void *deep_run_thread(void *arg)
{
    struct deep_run *d = arg;
    e386_exit ex;
    d->reason = e386_run(d->cpu, d->budget, &ex);
    return NULL;
}

/* e386_run(d->cpu, d->budget) on a thread with a 256 KiB stack */
static void run_on_small_stack(struct deep_run *d)
{
    pthread_attr_t attr;
    pthread_t t;
    ck_assert_int_eq(pthread_attr_init(&attr), 0);
    ck_assert_int_eq(pthread_attr_setstacksize(&attr, 256 * 1024), 0);
    ck_assert_int_eq(pthread_create(&t, &attr, deep_run_thread, d), 0);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    pthread_attr_destroy(&attr);
}

START_TEST(test_tail_calls_between_blocks_keep_the_host_stack_bounded)
{
    static const uint8_t code[] = { 0xb9, 0, 0, 0x20, 0, 0x49, 0x74, 0x02, 0xeb, 0xfb, 0xcc };
    E386Cpu *cpu = cpu_with_code(code, sizeof code);
    ck_assert_int_eq(e386_set_accel(cpu, E386_ACCEL_INTERP), E386_ACCEL_INTERP);
    struct deep_run d = { cpu, 0, -1 };
    run_on_small_stack(&d);
    ck_assert_int_eq(d.reason, E386_EXIT_INTERRUPT);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_ECX), 0);
    ck_assert_uint_eq(e386_insn_count(cpu), 1 + 3 * 0x200000 - 1 + 1); /* the last pass: no jmp */
    e386_cpu_free(cpu);
}
END_TEST

/* The same for block ends through an indirect jump (cpu.h jump_via's
 * hint link, tail-called while icount is below chain_end): a block that
 * jumps to itself through a register, JMP EAX, then PUSH EAX ; RET, for
 * a budget of 3 * 2^20 + 1 instructions on a 256 KiB stack (odd: the
 * blocks are run whole, and the second loop's first has three, the
 * others two).  The run ends with the budget exactly, at L (the chain
 * did not store EIP on the way):
 *   mov eax,L ; L: jmp eax (push eax ; ret) */
START_TEST(test_tail_calls_through_indirect_block_ends_keep_the_host_stack_bounded)
{
    static const uint8_t ends[2][2] = { { 0xff, 0xe0 }, { 0x50, 0xc3 } };
    for (int ret = 0; ret < 2; ret++) {
        const uint8_t code[] = { 0xb8, 0x05, 0, 0x01, 0, ends[ret][0], ends[ret][1] };
        E386Cpu *cpu = cpu_with_code(code, sizeof code);
        ck_assert_int_eq(e386_set_accel(cpu, E386_ACCEL_INTERP), E386_ACCEL_INTERP);
        struct deep_run d = { cpu, (3u << 20) + 1, -1 };
        run_on_small_stack(&d);
        ck_assert_int_eq(d.reason, E386_EXIT_INSN_LIMIT);
        ck_assert_msg(e386_insn_count(cpu) == d.budget, "ret %d: %llu instructions", ret,
                      (unsigned long long)e386_insn_count(cpu));
        ck_assert_uint_eq(e386_reg_read(cpu, E386_EIP), CODE + 5);
        e386_cpu_free(cpu);
    }
}
END_TEST

/* The interpreter on linear memory (TB_LIN blocks), code at CODE, DATA
 * and page 0 mapped, 0x01010101 at DATA and 0x20202020 at DATA + 0x1000,
 * ESP DATA + 0x800; LDT 0 (selector 7): base 0x1000; LDT 1 (0xf): flat;
 * LDT 2 (0x17): flat, B clear.  NULL after a loud skip without linear
 * memory. */
static E386Cpu *linear_cpu_with_ldt(const char *test, const uint8_t *code, size_t n)
{
    E386Cpu *cpu = e386_cpu_new();
    ck_assert_ptr_nonnull(cpu);
    ck_assert_int_eq(e386_set_accel(cpu, E386_ACCEL_INTERP), E386_ACCEL_INTERP);
    if (e386_mem_linear(cpu, 1) != 1) {
        printf("%s: SKIP: no linear guest memory in this process (Valgrind, a 32-bit host?): no TB_LIN blocks "
               "to test\n", test);
        fflush(stdout);
        e386_cpu_free(cpu);
        return NULL;
    }
    ck_assert_int_eq(e386_mem_map(cpu, CODE, 0x1000, E386_PROT_READ | E386_PROT_WRITE | E386_PROT_EXEC), 0);
    ck_assert_int_eq(e386_mem_map(cpu, DATA, 0x2000, E386_PROT_READ | E386_PROT_WRITE), 0);
    ck_assert_int_eq(e386_mem_map(cpu, 0, 0x1000, E386_PROT_READ | E386_PROT_WRITE), 0);
    ck_assert_int_eq(e386_mem_write(cpu, CODE, code, n), 0);
    e386_reg_write(cpu, E386_EIP, CODE);
    e386_reg_write(cpu, E386_ESP, DATA + 0x800);
    uint8_t v[4];
    put_le(v, 0, 0x01010101u, 4);
    ck_assert_int_eq(e386_mem_write(cpu, DATA, v, 4), 0);
    put_le(v, 0, 0x20202020u, 4);
    ck_assert_int_eq(e386_mem_write(cpu, DATA + 0x1000, v, 4), 0);
    ck_assert_int_eq(e386_ldt_set(cpu, 0, 0x1000u << 16 | 0xffff, 0x00cff200u), 0);
    ck_assert_int_eq(e386_ldt_set(cpu, 1, 0x0000ffffu, 0x00cff200u), 0);
    ck_assert_int_eq(e386_ldt_set(cpu, 2, 0x0000ffffu, 0x008ff200u), 0);
    return cpu;
}

/* The interpreter's blocks translated while linear memory is on and ES,
 * SS and DS flat (TB_LIN in their key) reach guest memory without
 * testing the segment (core/cpu.h lin_host); after a segment load that
 * breaks that, the run loop's key must find other blocks.  A loop of two
 * passes loads DS (or SS) with a flat 32-bit segment on the first and
 * with a based one (or a 16-bit stack) on the second, and reads (pushes)
 * right after the load, in a block translated on the first pass with
 * TB_LIN and another on the second without.  First: mov ebx,DATA ;
 * mov esp,DATA+0x800 ; mov edx,0xf ; mov ecx,2 ; mov eax,0x11223344 ;
 * jmp L (L starts a block on both passes).
 *   DS: L: mov ds,dx ; mov eax,[ebx] ; add esi,eax ; mov edi,0xf ; mov ds,di ;
 *          mov edx,7 ; dec ecx ; jnz L ; int3
 *   SS: L: mov ss,dx ; push eax ; pop esi ; add ebp,esi ; mov edi,0xf ;
 *          mov ss,di ; mov edx,0x17 ; inc eax ; dec ecx ; jnz L ; int3
 * (LDT 0, selector 7: base 0x1000; LDT 1, 0xf: flat; LDT 2, 0x17: flat,
 * B clear: SP, not ESP) */
START_TEST(test_segment_load_leaves_linear_flat_blocks)
{
    static const uint8_t ds_loop[] = { 0x8e, 0xda, 0x8b, 0x03, 0x01, 0xc6, 0xbf, 0x0f, 0, 0, 0, 0x8e, 0xdf,
                                       0xba, 0x07, 0, 0, 0, 0x49, 0x75, (uint8_t)(0 - 21), 0xcc };
    static const uint8_t ss_loop[] = { 0x8e, 0xd2, 0x50, 0x5e, 0x01, 0xf5, 0xbf, 0x0f, 0, 0, 0, 0x8e, 0xd7,
                                       0xba, 0x17, 0, 0, 0, 0x40, 0x49, 0x75, (uint8_t)(0 - 22), 0xcc };
    for (int ss = 0; ss < 2; ss++) {
        uint8_t code[0x40];
        size_t n = 0;
        code[n++] = 0xbb, n = (size_t)put_le(code, (int)n, DATA, 4);           /* mov ebx,DATA */
        code[n++] = 0xbc, n = (size_t)put_le(code, (int)n, DATA + 0x800, 4);   /* mov esp,DATA+0x800 */
        code[n++] = 0xba, n = (size_t)put_le(code, (int)n, 0xf, 4);            /* mov edx,0xf */
        code[n++] = 0xb9, n = (size_t)put_le(code, (int)n, 2, 4);              /* mov ecx,2 */
        code[n++] = 0xb8, n = (size_t)put_le(code, (int)n, 0x11223344u, 4);    /* mov eax,0x11223344 */
        code[n++] = 0xeb, code[n++] = 0;                                         /* jmp L: a block of its own */
        memcpy(code + n, ss ? ss_loop : ds_loop, ss ? sizeof ss_loop : sizeof ds_loop);
        n += ss ? sizeof ss_loop : sizeof ds_loop;
        E386Cpu *cpu = linear_cpu_with_ldt("test_segment_load_leaves_linear_flat_blocks", code, n);
        if (!cpu)
            return;
        uint8_t v[4];
        e386_exit ex;
        ck_assert_int_eq(e386_run(cpu, 0, &ex), E386_EXIT_INTERRUPT);
        ck_assert_uint_eq(e386_reg_read(cpu, E386_ECX), 0);
        if (!ss) {
            ck_assert_msg(e386_reg_read(cpu, E386_ESI) == 0x21212121u, "esi %08x: the second read ignored DS's base",
                          e386_reg_read(cpu, E386_ESI));
        } else {
            ck_assert_msg(e386_reg_read(cpu, E386_EBP) == 0x11223344u + 0x11223345u,
                          "ebp %08x: the second push went to ESP, not SP", e386_reg_read(cpu, E386_EBP));
            ck_assert_int_eq(e386_mem_read(cpu, 0x7fc, v, 4), 0);
            ck_assert_uint_eq((uint32_t)v[0] | (uint32_t)v[1] << 8 | (uint32_t)v[2] << 16 | (uint32_t)v[3] << 24,
                              0x11223345u);
        }
        e386_cpu_free(cpu);
    }
}
END_TEST

/* JMP r32 in a TB_LIN block (control.c lin_jmp_r32: a dispatch loop's
 * jump) goes to the register's address, whichever register it is and
 * whether the hint link leads there or not: a loop that alternates
 * between two targets through EBX and EDX, 1000 times, must end with the
 * same count, registers and EIP as the same code on the page map (no
 * TB_LIN block: the generic handler).
 *     mov ecx,1000 ; mov edx,A ; mov ebx,B
 *  A: dec ecx ; jz D ; jmp ebx
 *  B: inc esi ; jmp edx
 *  D: int3 */
START_TEST(test_linear_jmp_r32_goes_to_its_register)
{
    static const uint8_t code[] = {
        0xb9, 0xe8, 0x03, 0, 0,             /* mov ecx,1000 */
        0xba, 0x0f, 0, 0x01, 0,             /* mov edx,A (CODE + 15) */
        0xbb, 0x15, 0, 0x01, 0,             /* mov ebx,B (CODE + 21) */
        0x49, 0x74, 0x07, 0xff, 0xe3, 0x90, /* A: dec ecx ; jz D ; jmp ebx ; nop */
        0x46, 0xff, 0xe2, 0x90, 0x90,       /* B: inc esi ; jmp edx ; nop ; nop */
        0xcc,                               /* D: int3 (CODE + 26) */
    };
    E386Cpu *cpu = linear_cpu_with_ldt("test_linear_jmp_r32_goes_to_its_register", code, sizeof code);
    if (!cpu)
        return;
    E386Cpu *ref = cpu_with_code(code, sizeof code);
    ck_assert_int_eq(e386_set_accel(ref, E386_ACCEL_INTERP), E386_ACCEL_INTERP);
    e386_reg_write(ref, E386_ESI, 0);
    e386_reg_write(cpu, E386_ESI, 0);
    e386_exit ex;
    ck_assert_int_eq(e386_run(cpu, 0, &ex), E386_EXIT_INTERRUPT);
    ck_assert_int_eq(e386_run(ref, 0, &ex), E386_EXIT_INTERRUPT);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_ECX), 0);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_ESI), 999);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EIP), e386_reg_read(ref, E386_EIP));
    ck_assert_uint_eq(e386_reg_read(cpu, E386_ESI), e386_reg_read(ref, E386_ESI));
    ck_assert_uint_eq(e386_insn_count(cpu), e386_insn_count(ref));
    e386_cpu_free(ref);
    e386_cpu_free(cpu);
}
END_TEST

/* Run a loop that sums its reads through DS into ESI, counting ECX down,
 * to its INT3; want: the sum when the read named by which used DS's base */
static void run_sums_reads(E386Cpu *cpu, uint32_t want, const char *which)
{
    e386_exit ex;
    ck_assert_int_eq(e386_run(cpu, 0, &ex), E386_EXIT_INTERRUPT);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_ECX), 0);
    ck_assert_msg(e386_reg_read(cpu, E386_ESI) == want, "esi %08x: the %s read ignored DS's base",
                  e386_reg_read(cpu, E386_ESI), which);
    e386_cpu_free(cpu);
}

/* A return-site link is followed only into a block of the running
 * block's mode (TbLink's cs_base and key, compared as one word).  A
 * function that loads DS returns to the same site three times: twice
 * with DS flat (the second return links the calling block's exit 1 to
 * the site's TB_LIN block), then with DS based, in a RET block of
 * another key: that link must be refused and the site's read go through
 * DS's base.  Following it read DATA through lin_host instead.
 *   mov ebx,DATA ; mov ecx,3 ; mov edi,0xf ; mov ebp,0xf ; xor esi,esi
 *   L: call F
 *   R: mov eax,[ebx] ; add esi,eax ; mov edi,ebp ; mov ebp,7 ; mov edx,0xf ;
 *      mov ds,dx ; dec ecx ; jnz L ; int3
 *   F: mov ds,di ; ret
 * (LDT 0, selector 7: base 0x1000; LDT 1, 0xf: flat) */
START_TEST(test_return_site_link_of_another_mode_is_not_followed)
{
    uint8_t code[0x40];
    size_t n = 0;
    code[n++] = 0xbb, n = (size_t)put_le(code, (int)n, DATA, 4);
    static const uint8_t rest[] = { 0xb9, 3, 0, 0, 0, 0xbf, 0x0f, 0, 0, 0, 0xbd, 0x0f, 0, 0, 0, 0x31, 0xf6,
                                    0xe8, 22, 0, 0, 0,                      /* L: call F */
                                    0x8b, 0x03, 0x01, 0xc6, 0x89, 0xef, 0xbd, 7, 0, 0, 0, 0xba, 0x0f, 0, 0, 0,
                                    0x8e, 0xda, 0x49, 0x75, (uint8_t)(0 - 26), 0xcc,
                                    0x8e, 0xdf, 0xc3 };                     /* F */
    memcpy(code + n, rest, sizeof rest);
    n += sizeof rest;
    E386Cpu *cpu = linear_cpu_with_ldt("test_return_site_link_of_another_mode_is_not_followed", code, n);
    if (!cpu)
        return;
    run_sums_reads(cpu, 0x22222222u, "third");
}
END_TEST

/* An indirect jump whose hint link misses, inside a chain, looks its
 * target up in the jump cache (exec.c jump_via_miss) and enters what it
 * finds only when the block has the running block's mode.  A loop of two
 * passes loads DS, flat on the first (the target's TB_LIN block goes
 * into the jump cache) and based on the second, then jumps through EDX
 * from a block of the new key, whose hint link is still empty, to a read
 * through DS.  Entering the cached TB_LIN block read DATA through
 * lin_host, ignoring DS's base.
 *   mov ebx,DATA ; mov ecx,2 ; mov edi,0xf ; xor esi,esi ; mov edx,T
 *   L: mov ds,di ; jmp edx
 *   T: mov eax,[ebx] ; add esi,eax ; mov edi,7 ; dec ecx ; jnz L ; int3
 * (LDT 0, selector 7: base 0x1000; LDT 1, 0xf: flat) */
START_TEST(test_jump_cache_block_of_another_mode_is_not_entered)
{
    uint8_t code[0x40];
    int n = 0;
    code[n++] = 0xbb, n = put_le(code, n, DATA, 4);        /* mov ebx,DATA */
    code[n++] = 0xb9, n = put_le(code, n, 2, 4);           /* mov ecx,2 */
    code[n++] = 0xbf, n = put_le(code, n, 0xf, 4);         /* mov edi,0xf */
    code[n++] = 0x31, code[n++] = 0xf6;                    /* xor esi,esi */
    int at_t = n + 1;
    code[n++] = 0xba, n = put_le(code, n, 0, 4);           /* mov edx,T (below) */
    int l = n;
    code[n++] = 0x8e, code[n++] = 0xdf;                    /* L: mov ds,di */
    code[n++] = 0xff, code[n++] = 0xe2;                    /* jmp edx */
    put_le(code, at_t, CODE + (uint32_t)n, 4);
    static const uint8_t t[] = { 0x8b, 0x03, 0x01, 0xc6, 0xbf, 7, 0, 0, 0, 0x49 }; /* T: ... dec ecx */
    memcpy(code + n, t, sizeof t);
    n += (int)sizeof t;
    code[n++] = 0x75, code[n] = (uint8_t)(l - (n + 1)), n++; /* jnz L */
    code[n++] = 0xcc;
    E386Cpu *cpu = linear_cpu_with_ldt("test_jump_cache_block_of_another_mode_is_not_entered", code, (size_t)n);
    if (!cpu)
        return;
    run_sums_reads(cpu, 0x21212121u, "second");
}
END_TEST

/* jump_back_run's and jump_hop_run's first run from S (CODE + 0x20)
 * under accel: T loads [esi] into eax */
static void first_run_from_s(E386Cpu *cpu, int accel)
{
    ck_assert_int_eq(e386_set_accel(cpu, accel), accel);
    uint8_t v[4] = { 0x78, 0x56, 0x34, 0x12 };
    ck_assert_int_eq(e386_mem_write(cpu, DATA, v, 4), 0);
    e386_reg_write(cpu, E386_ESI, DATA);
    e386_reg_write(cpu, E386_EIP, CODE + 0x20);
    e386_exit ex;
    ck_assert_int_eq(e386_run(cpu, 0, &ex), E386_EXIT_INTERRUPT);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EAX), 0x12345678u);
}

/* T (at t), rewritten back to mov eax,[esi], reads unmapped memory when
 * run from S: the fault is T's, after inc and jmp (jump_back_run and
 * jump_hop_run's last step, which frees the CPU) */
static void fault_in_jumped_to_code(E386Cpu *cpu, uint32_t t)
{
    static const uint8_t mov_eax_esi[2] = { 0x8b, 0x06 };
    ck_assert_int_eq(e386_mem_write(cpu, t, mov_eax_esi, 2), 0);
    e386_reg_write(cpu, E386_ESI, 0x50000);
    e386_reg_write(cpu, E386_EIP, CODE + 0x20);
    uint64_t before = e386_insn_count(cpu);
    e386_exit ex;
    ck_assert_int_eq(e386_run(cpu, 0, &ex), E386_EXIT_EXCEPTION);
    ck_assert_uint_eq(ex.fault_eip, t);
    ck_assert_uint_eq(ex.fault_addr, 0x50000);
    ck_assert_uint_eq(e386_insn_count(cpu) - before, 2); /* inc, jmp */
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EBX), 3);
    e386_cpu_free(cpu);
}

/* run(accel) under the interpreter, and under the native engine where
 * there is one (host code for a block only after it ran a while: the
 * blocks are the same); where there is none, a loud skip */
static void in_both_engines(void (*run)(int accel), const char *test)
{
    run(E386_ACCEL_INTERP);
    E386Cpu *probe = e386_cpu_new();
    int has = e386_set_accel(probe, E386_ACCEL_NATIVE) == E386_ACCEL_NATIVE;
    e386_cpu_free(probe);
    if (has) {
        run(E386_ACCEL_NATIVE);
    } else {
        printf("chain: SKIP %s under the native engine: no native back end on this host\n", test);
        fflush(stdout);
    }
}

/* A JMP back to code before its block's start, on the same page, goes on
 * in the block (exec.c jump_goes_on): one block, no link followed, and
 * the jump and the instructions after it counted as ever.
 *   0: T: mov eax,[esi] ; int3
 *  32: S: inc ebx ; jmp T
 * A store to T (before S, the block's pc) must invalidate the block:
 * rewritten to mov eax,ebx, the second run from S returns ebx.  Then T
 * reads unmapped memory: the fault is T's, after inc and jmp. */
static void jump_back_run(int accel)
{
    uint8_t code[0x23] = { 0x8b, 0x06, 0xcc };
    memset(code + 3, 0x90, 0x20 - 3);
    code[0x20] = 0x43, code[0x21] = 0xeb, code[0x22] = (uint8_t)(0 - 0x23); /* inc ebx ; jmp T */
    E386Cpu *cpu = cpu_with_code(code, sizeof code);
    e386_count_chain_hits(cpu, 1);
    first_run_from_s(cpu, accel);
    e386_exit ex;
    ck_assert_uint_eq(e386_insn_count(cpu), 4);
    e386_stats st;
    e386_get_stats(cpu, &st);
    ck_assert_uint_eq(st.tb_translated, 1); /* S's block holds T's code */
    ck_assert_uint_eq(st.chain_hits, 0);
    static const uint8_t mov_eax_ebx[2] = { 0x89, 0xd8 };
    ck_assert_int_eq(e386_mem_write(cpu, CODE, mov_eax_ebx, 2), 0);
    e386_reg_write(cpu, E386_EIP, CODE + 0x20);
    ck_assert_int_eq(e386_run(cpu, 0, &ex), E386_EXIT_INTERRUPT);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EAX), 2); /* ebx after the second inc */
    fault_in_jumped_to_code(cpu, CODE);
}

START_TEST(test_jump_back_in_block_sees_a_store_before_its_start)
{
    in_both_engines(jump_back_run, "jump_back_in_block_sees_a_store_before_its_start");
}
END_TEST

/* A JMP to another page goes on there too, in user mode (exec.c
 * jump_goes_on, JUMP_HOP): the block's second page is the target's.
 *   0x0020: S: inc ebx ; jmp T
 *   0x1100: T: mov eax,[esi] ; jmp U        (on T's page: goes on too)
 *   0x1ff0: U: nop x 13 ; mov edx,imm32 ; int3   (the MOV crosses into 0x2000)
 * One block from S to U's NOPs: a store to T invalidates it, one to
 * 0x1080 (on its second page, below the code it ran there) does not.  The MOV, which
 * would take it to a third page, starts a block of its own (which ends
 * after it, as it crosses a page): a store to its immediate there is
 * seen.  Then T faults: the fault is T's, after inc and jmp. */
static void jump_hop_run(int accel)
{
    enum { T = 0x1100, U = 0x1ff0, MOVI = U + 13 };
    uint8_t code[0x2010];
    memset(code, 0x90, sizeof code);
    code[0x20] = 0x43, code[0x21] = 0xe9, put_le(code, 0x22, T - 0x26, 4);       /* inc ebx ; jmp T */
    code[T] = 0x8b, code[T + 1] = 0x06, code[T + 2] = 0xe9, put_le(code, T + 3, U - (T + 7), 4);
    code[MOVI] = 0xba, put_le(code, MOVI + 1, 0x11111111u, 4), code[MOVI + 5] = 0xcc; /* mov edx ; int3 */
    E386Cpu *cpu = cpu_with_code(code, 0x2000);
    ck_assert_int_eq(e386_mem_map(cpu, CODE + 0x2000, 0x1000, E386_PROT_READ | E386_PROT_WRITE | E386_PROT_EXEC), 0);
    ck_assert_int_eq(e386_mem_write(cpu, CODE + 0x2000, code + 0x2000, sizeof code - 0x2000), 0);
    first_run_from_s(cpu, accel);
    e386_exit ex;
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EDX), 0x11111111u);
    ck_assert_uint_eq(e386_insn_count(cpu), 2 + 2 + 13 + 2);
    e386_stats st;
    e386_get_stats(cpu, &st);
    ck_assert_uint_eq(st.tb_translated, 3); /* S to the NOPs; the MOV; the INT3 */
    uint8_t data_byte = 0x55;
    ck_assert_int_eq(e386_mem_write(cpu, CODE + 0x1080, &data_byte, 1), 0);
    e386_get_stats(cpu, &st);
    ck_assert_uint_eq(st.tb_invalidated, 0);
    static const uint8_t mov_eax_ebx[2] = { 0x89, 0xd8 };
    ck_assert_int_eq(e386_mem_write(cpu, CODE + T, mov_eax_ebx, 2), 0);
    uint8_t imm[2] = { 0x22, 0x22 }; /* the immediate's bytes on the third page */
    ck_assert_int_eq(e386_mem_write(cpu, CODE + 0x2000, imm, 2), 0);
    e386_reg_write(cpu, E386_EIP, CODE + 0x20);
    ck_assert_int_eq(e386_run(cpu, 0, &ex), E386_EXIT_INTERRUPT);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EAX), 2); /* ebx after the second inc */
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EDX), 0x22221111u);
    fault_in_jumped_to_code(cpu, CODE + T);
}

START_TEST(test_jump_to_another_page_goes_on_and_sees_stores_there)
{
    in_both_engines(jump_hop_run, "jump_to_another_page_goes_on_and_sees_stores_there");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("chain");
    TCase *tc = tcase_create("chain");
    tcase_add_test(tc, test_stale_chained_successor);
    tcase_add_test(tc, test_stale_return_site);
    tcase_add_test(tc, test_return_elsewhere);
    tcase_add_test(tc, test_return_site_link_of_another_mode_is_not_followed);
    tcase_add_test(tc, test_fused_compare_branch);
    tcase_add_test(tc, test_tail_calls_between_blocks_keep_the_host_stack_bounded);
    tcase_add_test(tc, test_tail_calls_through_indirect_block_ends_keep_the_host_stack_bounded);
    tcase_add_test(tc, test_block_end_after_a_flag_window_stops_for_a_code_change);
    tcase_add_test(tc, test_segment_load_leaves_linear_flat_blocks);
    tcase_add_test(tc, test_linear_jmp_r32_goes_to_its_register);
    tcase_add_test(tc, test_jump_cache_block_of_another_mode_is_not_entered);
    tcase_add_test(tc, test_jump_back_in_block_sees_a_store_before_its_start);
    tcase_add_test(tc, test_jump_to_another_page_goes_on_and_sees_stores_there);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
