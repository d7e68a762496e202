/* Paired ops (src/cpu/pair.c, the interpreter only) against the same
 * instructions one at a time.  Three CPUs of twin_cpus.h, all running
 * the interpreter: one with blocks (adjacent simple ops paired), one with
 * a debugger hook (one instruction per block: nothing paired), one on the
 * page map (every memory fast path declines: the reference steps).  The
 * code is a random run of the paired kinds -- MOV r32, r32 in both
 * encodings, MOV r32 to and from [esp + disp8] and [esp + index * scale +
 * disp8], LEA of both forms, MOVZX r32 from a byte register and from
 * [esp + disp8], ADD/XOR/AND r32, r32, ADD/SUB/AND r32, imm8, SHL/SHR
 * r32, imm8, MOVZX r32, word [esp + index * scale + disp8], MOV r8,
 * [esp + disp8] and ROL/ROR r32, imm8 (paired where a later op rewrites
 * their flags), and the kinds that only go on to the next op: MOV r32,
 * imm32, MOV byte/dword [esp + ...], imm, OR/SUB r32, r32, MOVZX r32,
 * r16, DEC r32, PUSH r32 and MOV r32 or EAX to and from an absolute
 * address -- and kinds whose handlers go on by their go-on twins (ops.h):
 * ADD [m], r32, CMP byte [m], imm8, ADD/ADC/SBB r32, [m], INC dword [m], PUSH
 * and POP runs, the 16-bit ADD, NEG, IMUL, SETcc, CMOVcc, ADC, SHLD and
 * MOV word [m], imm16 (a store into the code as well), byte and word
 * ALU operations of every kind with a register or memory operand,
 * dword ones with [a] and [index << scale + a], MOV word [m], r16, PUSH
 * imm, TEST r/m, imm, NEG/NOT of registers, MUL r32, byte and word shifts
 * by a constant -- with
 * INC r32 now and then between them, INT3 at the end.  ESP lies anywhere
 * in the stack page (the page below is unmapped: negative displacements
 * fault there) or in the writable code page just above it, where the
 * stores rewrite instructions of the running block.  Exit, vector, error
 * code, fault address and EIP, the instruction count, the registers,
 * EFLAGS, the stack page and the code page must come out identical (a
 * run that reaches the budget -- rewritten code looping -- is not
 * compared). */
#include "unit_main.h"
#include "twin_cpus.h"

enum { STACK = 0x20000, CODE = 0x21000, PROGS = 3000, STATES = 8 };

static E386Cpu *new_cpu(int k)
{
    E386Cpu *cpu = twin_cpu(k);
    ck_assert_int_eq(e386_set_accel(cpu, E386_ACCEL_INTERP), E386_ACCEL_INTERP);
    ck_assert_int_eq(e386_mem_map(cpu, STACK, 0x1000, E386_PROT_READ | E386_PROT_WRITE), 0);
    ck_assert_int_eq(e386_mem_map(cpu, CODE, 0x1000, E386_PROT_READ | E386_PROT_WRITE | E386_PROT_EXEC), 0);
    return cpu;
}

/* a register other than ESP */
static int any_reg(uint32_t r) { int g = (int)(r & 7); return g == 4 ? 5 : g; }

/* ModRM (+ SIB) + disp8 for [esp + d] (idx < 0) or [base + idx << sc + d] */
static int mem_operand(uint8_t *c, int n, int reg, int base, int idx, int sc, uint8_t d)
{
    c[n++] = (uint8_t)(0x44 | reg << 3);
    c[n++] = (uint8_t)(idx < 0 ? 0x24 : (sc << 6 | idx << 3 | base));
    c[n++] = d;
    return n;
}

static void put32le(uint8_t *p, uint32_t v)
{
    for (int k = 0; k < 4; k++)
        p[k] = (uint8_t)(v >> 8 * k);
}

/* an absolute address: in the stack page, now and then across its low
 * end (the page below is unmapped) or in the code page */
static uint32_t abs_addr(uint32_t r)
{
    switch (r & 15) {
    case 0: return STACK - 4 + (r >> 8 & 7);
    case 1: case 2: return CODE + (r >> 8 & 0xff);
    default: return STACK + (r >> 8 & 0xffc);
    }
}

static int make_code(uint8_t *c, uint32_t *s)
{
    int n = 0, count = 4 + (int)(twin_rng(s) % 40);
    for (int i = 0; i < count; i++) {
        uint32_t r = twin_rng(s), r2 = twin_rng(s);
        int g = any_reg(r >> 8), h = (int)(r >> 12 & 7), idx = any_reg(r >> 16), sc = (int)(r >> 20 & 3);
        uint8_t d = (uint8_t)(r2 >> 8);
        int bi = (r2 & 1) != 0, kind = (int)(r % 62);
        int opn = (int)(r2 >> 24 & 7), wide = (int)(r2 >> 27 & 1), dir = (int)(r2 >> 28 & 3);
        if ((bi && ((kind >= 2 && kind <= 5) || kind == 23 || kind == 24 || (kind >= 40 && kind <= 43) ||
                    kind == 50 || kind == 54 || kind == 55 || kind == 57 || kind == 59)) ||
            kind == 18 || kind == 36 || kind == 37 || kind == 39) { /* the index made small first: and idx, 0x0c */
            c[n++] = 0x83, c[n++] = (uint8_t)(0xe0 | idx), c[n++] = 0x0c;
        }
        switch (kind) {
        case 0: c[n++] = 0x89, c[n++] = (uint8_t)(0xc0 | h << 3 | g); break;            /* mov g, h */
        case 1: c[n++] = 0x8b, c[n++] = (uint8_t)(0xc0 | g << 3 | h); break;            /* mov g, h */
        case 2: c[n++] = 0x8b, n = mem_operand(c, n, g, 4, bi ? idx : -1, sc, d); break; /* mov g, [m] */
        case 3: c[n++] = 0x89, n = mem_operand(c, n, h, 4, bi ? idx : -1, sc, d); break; /* mov [m], h */
        case 4: c[n++] = 0x89, n = mem_operand(c, n, h, 4, bi ? idx : -1, sc, d); break;
        case 5: c[n++] = 0x8b, n = mem_operand(c, n, g, 4, bi ? idx : -1, sc, d); break;
        case 6: c[n++] = 0x8d, n = mem_operand(c, n, g, h, bi ? idx : -1, sc, d); break; /* lea */
        case 7: c[n++] = 0x0f, c[n++] = 0xb6, c[n++] = (uint8_t)(0xc0 | g << 3 | h); break; /* movzx g, r8 */
        case 8: c[n++] = 0x0f, c[n++] = 0xb6, n = mem_operand(c, n, g, 4, -1, 0, d); break; /* movzx g, [m] */
        case 9: c[n++] = 0x01, c[n++] = (uint8_t)(0xc0 | h << 3 | g); break;            /* add g, h */
        case 10: c[n++] = 0x31, c[n++] = (uint8_t)(0xc0 | h << 3 | g); break;           /* xor g, h */
        case 11: c[n++] = 0x21, c[n++] = (uint8_t)(0xc0 | h << 3 | g); break;           /* and g, h */
        case 12: c[n++] = 0x83, c[n++] = (uint8_t)(0xc0 | g), c[n++] = d; break;       /* add g, imm8 */
        case 13: c[n++] = 0x83, c[n++] = (uint8_t)(0xe8 | g), c[n++] = d; break;       /* sub g, imm8 */
        case 14: c[n++] = 0x83, c[n++] = (uint8_t)(0xe0 | g), c[n++] = d; break;       /* and g, imm8 */
        case 15: c[n++] = 0x8b, n = mem_operand(c, n, g, 4, -1, 0, d); break;
        case 16: c[n++] = 0xc1, c[n++] = (uint8_t)(0xe0 | g), c[n++] = d; break;       /* shl g, imm8 */
        case 17: c[n++] = 0xc1, c[n++] = (uint8_t)(0xe8 | g), c[n++] = d; break;       /* shr g, imm8 */
        case 18: c[n++] = 0x0f, c[n++] = 0xb7, n = mem_operand(c, n, g, 4, idx, sc, d); break; /* movzx g, word [m] */
        case 19: c[n++] = 0x8a, n = mem_operand(c, n, h, 4, -1, 0, d); break;          /* mov r8, [m] */
        case 20: c[n++] = 0xc1, c[n++] = (uint8_t)(0xc0 | g), c[n++] = d; break;       /* rol g, imm8 */
        case 21: c[n++] = 0xc1, c[n++] = (uint8_t)(0xc8 | g), c[n++] = d; break;       /* ror g, imm8 */
        /* the kinds that go on to the next op without pairing */
        case 22: c[n++] = (uint8_t)(0xb8 | g), put32le(c + n, r2), n += 4; break;     /* mov g, imm32 */
        case 23: c[n++] = 0xc6, n = mem_operand(c, n, 0, 4, bi ? idx : -1, sc, d), c[n++] = (uint8_t)(r2 >> 16); break; /* mov byte [m], imm8 */
        case 24: c[n++] = 0xc7, n = mem_operand(c, n, 0, 4, bi ? idx : -1, sc, d), put32le(c + n, r2), n += 4; break; /* mov dword [m], imm32 */
        case 25: c[n++] = 0x09, c[n++] = (uint8_t)(0xc0 | h << 3 | g); break;           /* or g, h */
        case 26: c[n++] = 0x29, c[n++] = (uint8_t)(0xc0 | h << 3 | g); break;           /* sub g, h */
        case 27: c[n++] = 0x0f, c[n++] = 0xb7, c[n++] = (uint8_t)(0xc0 | g << 3 | h); break; /* movzx g, h16 */
        case 28: c[n++] = (uint8_t)(0x48 | g); break;                                   /* dec g */
        case 29: c[n++] = (uint8_t)(0x50 | h); break;                                   /* push h */
        case 30: c[n++] = 0x8b, c[n++] = (uint8_t)(0x05 | g << 3), put32le(c + n, abs_addr(r2)), n += 4; break; /* mov g, [a] */
        case 31: c[n++] = 0x89, c[n++] = (uint8_t)(0x05 | h << 3), put32le(c + n, abs_addr(r2)), n += 4; break; /* mov [a], h */
        case 32: c[n++] = 0xa1, put32le(c + n, abs_addr(r2)), n += 4; break;            /* mov eax, [a] */
        case 33: c[n++] = 0xa3, put32le(c + n, abs_addr(r2)), n += 4; break;            /* mov [a], eax */
        case 35: c[n++] = 0x0f, c[n++] = 0xb7, n = mem_operand(c, n, g, 4, -1, 0, d); break; /* movzx g, word [m] */
        case 36: c[n++] = 0x0f, c[n++] = 0xb6, n = mem_operand(c, n, g, 4, idx, sc, d); break; /* movzx g, byte [m] */
        case 37: c[n++] = 0x8a, n = mem_operand(c, n, h, 4, idx, sc, d); break;        /* mov r8, [m] */
        case 38: c[n++] = 0x88, n = mem_operand(c, n, h, 4, -1, 0, d); break;          /* mov [m], r8 */
        case 39: c[n++] = 0x88, n = mem_operand(c, n, h, 4, idx, sc, d); break;        /* mov [m], r8 */
        /* kinds whose handlers go on by their go-on twins (ops.h) */
        case 40: c[n++] = 0x01, n = mem_operand(c, n, h, 4, bi ? idx : -1, sc, d); break; /* add [m], h */
        case 41: c[n++] = 0x80, n = mem_operand(c, n, 7, 4, bi ? idx : -1, sc, d), c[n++] = (uint8_t)r2; break; /* cmp byte [m], imm8 */
        case 42: c[n++] = (uint8_t)(r2 >> 24 & 1 ? 0x03 : r2 >> 25 & 1 ? 0x13 : 0x1b); /* add/adc/sbb g, [m] */
            n = mem_operand(c, n, g, 4, bi ? idx : -1, sc, d);
            break;
        case 43: c[n++] = 0xff, n = mem_operand(c, n, 0, 4, bi ? idx : -1, sc, d); break; /* inc dword [m] */
        case 44: c[n++] = (uint8_t)(0x50 | h), c[n++] = (uint8_t)(0x50 | g); break;   /* push h; push g */
        case 45: c[n++] = (uint8_t)(0x58 | g), c[n++] = (uint8_t)(0x58 | any_reg(r2 >> 4)); break; /* pop g; pop */
        case 46: c[n++] = 0x66, c[n++] = 0x01, c[n++] = (uint8_t)(0xc0 | h << 3 | g); break; /* add g16, h16 */
        case 47: c[n++] = 0xf7, c[n++] = (uint8_t)(0xd8 | g); break;                   /* neg g */
        case 48: c[n++] = 0x0f, c[n++] = 0xaf, c[n++] = (uint8_t)(0xc0 | g << 3 | h); break; /* imul g, h */
        case 49: c[n++] = 0x0f, c[n++] = (uint8_t)(0x90 | (r2 >> 4 & 15)), c[n++] = (uint8_t)(0xc0 | h); break; /* setcc r8 */
        case 50: c[n++] = 0x66, c[n++] = 0xc7, n = mem_operand(c, n, 0, 4, bi ? idx : -1, sc, d), c[n++] = (uint8_t)(r2 >> 16), c[n++] = (uint8_t)(r2 >> 24); break; /* mov word [m], imm16 */
        case 51: c[n++] = 0x0f, c[n++] = (uint8_t)(0x40 | (r2 >> 4 & 15)), c[n++] = (uint8_t)(0xc0 | g << 3 | h); break; /* cmovcc g, h */
        case 52: c[n++] = 0x11, c[n++] = (uint8_t)(0xc0 | h << 3 | g); break;           /* adc g, h */
        case 53: c[n++] = 0x0f, c[n++] = 0xa4, c[n++] = (uint8_t)(0xc0 | h << 3 | g), c[n++] = d; break; /* shld g, h, imm8 */
        case 54: /* byte or word op= [m] and [m] op= reg or imm, any operation */
            if (wide)
                c[n++] = 0x66;
            if (dir == 3)
                c[n++] = wide ? 0x83 : 0x80, n = mem_operand(c, n, opn, 4, bi ? idx : -1, sc, d), c[n++] = (uint8_t)(r2 >> 16);
            else /* reg op= [m] into a word register other than SP */
                c[n++] = (uint8_t)(opn << 3 | (dir & 2) | wide), n = mem_operand(c, n, dir == 2 && wide ? g : h, 4, bi ? idx : -1, sc, d);
            break;
        case 55: /* dword op= [a] or [idx << sc + a], [a] op= reg or imm */
            c[n++] = dir == 3 ? 0x83 : (uint8_t)(opn << 3 | (dir & 2) | 1);
            c[n++] = (uint8_t)((dir == 3 ? opn : dir == 2 ? g : h) << 3 | (bi ? 4 : 5));
            if (bi)
                c[n++] = (uint8_t)(sc << 6 | idx << 3 | 5);
            put32le(c + n, abs_addr(r2)), n += 4;
            if (dir == 3)
                c[n++] = d;
            break;
        case 56: /* byte or word register op= register or imm, AL/AX op= imm */
            if (wide)
                c[n++] = 0x66;
            if (dir == 3) {
                c[n++] = (uint8_t)(opn << 3 | 4 | wide), c[n++] = d;
                if (wide)
                    c[n++] = (uint8_t)(r2 >> 16);
            } else if (dir == 2) {
                c[n++] = wide ? 0x83 : 0x80, c[n++] = (uint8_t)(0xc0 | opn << 3 | (wide ? g : h)), c[n++] = d;
            } else { /* the destination a word register other than SP */
                int dst = wide ? g : h, src = (int)(r2 >> 16 & 7);
                c[n++] = (uint8_t)(opn << 3 | dir << 1 | wide);
                c[n++] = (uint8_t)(0xc0 | (dir ? dst << 3 | src : src << 3 | dst));
            }
            break;
        case 57: c[n++] = 0x66, c[n++] = 0x89, n = mem_operand(c, n, h, 4, bi ? idx : -1, sc, d); break; /* mov word [m], h16 */
        case 58: /* push imm8 or imm32 */
            if (wide) {
                c[n++] = 0x68;
                for (int k = 0; k < 4; k++)
                    c[n++] = (uint8_t)(r2 >> 8 * k);
            } else {
                c[n++] = 0x6a, c[n++] = d;
            }
            break;
        case 59: /* test r/m, imm: a byte, word or dword register or [m] */
            if (dir == 1)
                c[n++] = 0x66;
            c[n++] = (uint8_t)(dir ? 0xf7 : 0xf6);
            if (wide)
                c[n++] = (uint8_t)(0xc0 | h);
            else
                n = mem_operand(c, n, 0, 4, bi ? idx : -1, sc, d);
            for (int k = 0; k < (dir == 0 ? 1 : dir == 1 ? 2 : 4); k++)
                c[n++] = (uint8_t)(r2 >> 8 * k);
            break;
        case 60: /* neg, not of a byte, word or dword register; mul r32 */
            if (dir == 1)
                c[n++] = 0x66;
            c[n++] = (uint8_t)(dir ? 0xf7 : 0xf6);
            c[n++] = (uint8_t)(0xc0 | (dir == 3 ? 4 : 2 + wide) << 3 | h);
            break;
        case 61: /* shifts and rotates of a byte or word register by imm8 */
            if (wide)
                c[n++] = 0x66;
            c[n++] = (uint8_t)(wide ? 0xc1 : 0xc0), c[n++] = (uint8_t)(0xc0 | (opn == 2 || opn == 3 ? 4 : opn) << 3 | h);
            c[n++] = (uint8_t)(d & 0x1f);
            break;
        default: c[n++] = (uint8_t)(0x40 | g); break;                                   /* inc g */
        }
    }
    c[n++] = 0xcc;
    return n;
}

/* ESP: anywhere in the stack page (near its low end, where negative
 * displacements fault), near its top (the accesses reach the code), or
 * inside the code page */
static uint32_t random_esp(uint32_t *s)
{
    uint32_t r = twin_rng(s);
    switch (r % 10) {
    case 0: return STACK + (r >> 8 & 0x7f);
    case 1: return STACK + 0x1000 - (r >> 8 & 0x7f);
    case 2: return CODE + (r >> 8 & 0x7f);
    default: return STACK + 0x100 + (r >> 8 & 0xdff);
    }
}

static void set_state(E386Cpu *const *cpus, int n, uint32_t *s, const uint8_t *code, int len)
{
    uint32_t regs[8];
    static uint8_t page[0x1000];
    for (int i = 0; i < 8; i++)
        regs[i] = twin_rng(s);
    regs[4] = random_esp(s);
    for (int i = 0; i < 0x1000; i++)
        page[i] = (uint8_t)twin_rng(s);
    twin_load(cpus, n, regs, CODE, twin_rng(s) & F_ARITH, STACK, page);
    static uint8_t text[0x1000];
    memset(text, 0xcc, sizeof text);
    memcpy(text, code, (size_t)len);
    for (int k = 0; k < n; k++) /* the last run may have rewritten it (and after it: a run at the budget differs) */
        if (e386_mem_write(cpus[k], CODE, text, sizeof text))
            ck_abort_msg("e386_mem_write");
}

/* PROGS programs of make's, each from STATES random states, on the three
 * CPUs; the counts in *t and *code_bad */
static void run_programs(int (*make)(uint8_t *, uint32_t *), uint32_t seed, const char *what, TwinCount *t,
                         int *code_bad)
{
    E386Cpu *cpus[3] = { new_cpu(0), new_cpu(1), new_cpu(2) };
    uint32_t s = seed;
    for (int p = 0; p < PROGS; p++) {
        uint8_t code[512];
        int len = make(code, &s);
        for (int st = 0; st < STATES; st++) {
            set_state(cpus, 3, &s, code, len);
            twin_run_code(cpus, STACK, CODE, what, p, st, t, code_bad, 100000);
        }
    }
    printf("%s: %d runs, %d ending in a fault, %d differences, %d code pages differ, %d at the budget\n", what,
           t->cases, t->faults, t->bad, *code_bad, t->looped);
    fflush(stdout);
    for (int k = 0; k < 3; k++)
        e386_cpu_free(cpus[k]);
}

START_TEST(test_pairs_equal_per_instruction)
{
    TwinCount t = { 0, 0, 0, 0 };
    int code_bad = 0;
    run_programs(make_code, 0x13572468u, "pair run", &t, &code_bad);
    ck_assert_int_gt(t.faults, t.cases / 50);
    ck_assert_int_eq(t.bad, 0);
    ck_assert_int_eq(code_bad, 0);
}
END_TEST

/* [base + d8] (idx < 0) or [base + idx << sc + d8], any base (mod 1:
 * EBP is a base like the others), any index but ESP */
static int addr_operand(uint8_t *c, int n, int reg, int base, int idx, int sc, uint8_t d)
{
    if (idx < 0 && base != 4) {
        c[n++] = (uint8_t)(0x40 | reg << 3 | base);
    } else {
        c[n++] = (uint8_t)(0x44 | reg << 3);
        c[n++] = (uint8_t)(idx < 0 ? 0x24 : (sc << 6 | idx << 3 | base));
    }
    c[n++] = d;
    return n;
}

/* A program of units that pair an op writing register g whole with one
 * reading g (cpu/pair_fw.c): NOP (no kind, so the pair starts after
 * it), the writer, the reader.  The reader reads g as its source
 * register, its destination operand, the base of its address or its
 * index.  For the last two the writer mostly makes g a pointer near ESP
 * (MOV g, ESP either way, LEA, ADD or SUB after a MOV g, ESP, a load of
 * ESP stored before) or a small index (AND, MOVZX, SHR, a MOV of a
 * small register); any writer at all now and then (the access faults
 * anywhere).  Each writer's index register is made small first. */
static int make_forwarding_code(uint8_t *c, uint32_t *s)
{
    int n = 0, count = 2 + (int)(twin_rng(s) % 16);
    for (int i = 0; i < count; i++) {
        uint32_t r = twin_rng(s), r2 = twin_rng(s);
        int g = any_reg(r), h = any_reg(r >> 4), idx = any_reg(r >> 8), sc = (int)(r >> 12 & 3);
        int slot = (int)(r >> 14 & 3), any = (r >> 16 & 7) == 0, w = (int)(r >> 19 & 0xff);
        uint8_t d = (uint8_t)(r2 >> 8), d2 = (uint8_t)(r2 >> 16);
        if (idx == g)
            idx = g == 1 ? 2 : 1;
        c[n++] = 0x83, c[n++] = (uint8_t)(0xe0 | idx), c[n++] = 0x0c; /* and idx, 0x0c */
        if (slot == 2 && !any) { /* g a pointer near ESP */
            switch (w % 8) {
            case 4: case 5: c[n++] = 0x89, c[n++] = (uint8_t)(0xe0 | g), c[n++] = 0x90; /* mov g, esp */
                c[n++] = 0x83, c[n++] = (uint8_t)((w % 8 == 4 ? 0xc0 : 0xe8) | g), c[n++] = d & 0x7f; break;
            case 6: c[n++] = 0x89, n = mem_operand(c, n, 4, 4, -1, 0, d), c[n++] = 0x90; /* mov [esp + d], esp */
                c[n++] = 0x8b, n = mem_operand(c, n, g, 4, -1, 0, d); break;
            default: c[n++] = 0x90;
                switch (w % 4) {
                case 0: c[n++] = 0x89, c[n++] = (uint8_t)(0xe0 | g); break;
                case 1: c[n++] = 0x8b, c[n++] = (uint8_t)(0xc4 | g << 3); break;
                case 2: c[n++] = 0x8d, n = mem_operand(c, n, g, 4, -1, 0, d & 0x7f); break;
                default: c[n++] = 0x8d, n = mem_operand(c, n, g, 4, idx, sc, d & 0x7f); break;
                }
            }
        } else if (slot == 3 && !any) { /* g a small index */
            c[n++] = 0x83, c[n++] = (uint8_t)(0xe0 | h), c[n++] = 0x1c, c[n++] = 0x90; /* and h, 0x1c */
            switch (w % 5) {
            case 0: c[n++] = 0x83, c[n++] = (uint8_t)(0xe0 | g), c[n++] = d & 0x3c; break;
            case 1: c[n++] = 0x0f, c[n++] = 0xb6, c[n++] = (uint8_t)(0xc0 | g << 3 | (h & 3)); break;
            case 2: c[n++] = 0xc1, c[n++] = (uint8_t)(0xe8 | g), c[n++] = 26; break;
            case 3: c[n++] = 0x89, c[n++] = (uint8_t)(0xc0 | h << 3 | g); break;
            default: c[n++] = 0x8b, c[n++] = (uint8_t)(0xc0 | g << 3 | h); break;
            }
        } else { /* any op that writes g whole: the pair kinds but the stores and MOV r8 */
            c[n++] = 0x90;
            switch (w % 19) {
            case 0: c[n++] = 0x89, c[n++] = (uint8_t)(0xc0 | h << 3 | g); break;
            case 1: c[n++] = 0x8b, c[n++] = (uint8_t)(0xc0 | g << 3 | h); break;
            case 2: c[n++] = 0x8b, n = mem_operand(c, n, g, 4, -1, 0, d); break;
            case 3: c[n++] = 0x8b, n = mem_operand(c, n, g, 4, idx, sc, d); break;
            case 4: c[n++] = 0x8d, n = addr_operand(c, n, g, h, -1, 0, d); break;
            case 5: c[n++] = 0x8d, n = addr_operand(c, n, g, h == 5 ? 4 : h, idx, sc, d); break;
            case 6: c[n++] = 0x0f, c[n++] = 0xb6, c[n++] = (uint8_t)(0xc0 | g << 3 | h); break;
            case 7: c[n++] = 0x0f, c[n++] = 0xb6, n = mem_operand(c, n, g, 4, -1, 0, d); break;
            case 8: c[n++] = 0x01, c[n++] = (uint8_t)(0xc0 | h << 3 | g); break;
            case 9: c[n++] = 0x31, c[n++] = (uint8_t)(0xc0 | h << 3 | g); break;
            case 10: c[n++] = 0x21, c[n++] = (uint8_t)(0xc0 | h << 3 | g); break;
            case 11: c[n++] = 0x83, c[n++] = (uint8_t)(0xc0 | g), c[n++] = d; break;
            case 12: c[n++] = 0x83, c[n++] = (uint8_t)(0xe8 | g), c[n++] = d; break;
            case 13: c[n++] = 0x83, c[n++] = (uint8_t)(0xe0 | g), c[n++] = d; break;
            case 14: c[n++] = 0xc1, c[n++] = (uint8_t)(0xe0 | g), c[n++] = d; break;
            case 15: c[n++] = 0xc1, c[n++] = (uint8_t)(0xe8 | g), c[n++] = d; break;
            case 16: c[n++] = 0x0f, c[n++] = 0xb7, n = mem_operand(c, n, g, 4, idx, sc, d); break;
            case 17: c[n++] = 0xc1, c[n++] = (uint8_t)(0xc0 | g), c[n++] = d; break; /* rol */
            default: c[n++] = 0xc1, c[n++] = (uint8_t)(0xc8 | g), c[n++] = d; break; /* ror */
            }
        }
        int v = (int)(r2 % 16); /* the reader */
        switch (slot) {
        case 0: /* g the source register */
            switch (v % 6) {
            case 0: c[n++] = 0x89, c[n++] = (uint8_t)(0xc0 | g << 3 | h); break;
            case 1: c[n++] = 0x89, n = mem_operand(c, n, g, 4, -1, 0, d2); break;
            case 2: c[n++] = 0x89, n = mem_operand(c, n, g, 4, idx, sc, d2); break;
            default: c[n++] = (uint8_t)(v % 6 == 3 ? 0x01 : v % 6 == 4 ? 0x31 : 0x21), c[n++] = (uint8_t)(0xc0 | g << 3 | h); break;
            }
            break;
        case 1: /* g the destination operand, or MOVZX's byte register */
            switch (v % 13) {
            case 0: c[n++] = 0x8b, c[n++] = (uint8_t)(0xc0 | h << 3 | g); break;
            case 1: case 2: case 3: c[n++] = (uint8_t)(v % 13 == 1 ? 0x01 : v % 13 == 2 ? 0x31 : 0x21), c[n++] = (uint8_t)(0xc0 | h << 3 | g); break;
            case 4: case 5: case 6: c[n++] = 0x83, c[n++] = (uint8_t)((v % 13 == 4 ? 0xc0 : v % 13 == 5 ? 0xe8 : 0xe0) | g), c[n++] = d2; break;
            case 11: case 12: /* movzx h, g's low byte or (g < 4) its second, AH..BH */
                c[n++] = 0x0f, c[n++] = 0xb6, c[n++] = (uint8_t)(0xc0 | h << 3 | (v % 13 == 12 && g < 4 ? g + 4 : g)); break;
            default: c[n++] = 0xc1, c[n++] = (uint8_t)((v % 13 == 7 ? 0xe0 : v % 13 == 8 ? 0xe8 : v % 13 == 9 ? 0xc0 : 0xc8) | g), c[n++] = d2; break;
            }
            break;
        case 2: /* g the base */
            switch (v % 9) {
            case 0: c[n++] = 0x8b, n = addr_operand(c, n, h, g, -1, 0, d2); break;
            case 1: c[n++] = 0x8b, n = addr_operand(c, n, h, g, idx, sc, d2); break;
            case 2: c[n++] = 0x89, n = addr_operand(c, n, h, g, -1, 0, d2); break;
            case 3: c[n++] = 0x89, n = addr_operand(c, n, h, g, idx, sc, d2); break;
            case 4: c[n++] = 0x8d, n = addr_operand(c, n, h, g, -1, 0, d2); break;
            case 5: c[n++] = 0x8d, n = addr_operand(c, n, h, g, idx, sc, d2); break;
            case 6: c[n++] = 0x0f, c[n++] = 0xb6, n = addr_operand(c, n, h, g, -1, 0, d2); break;
            case 7: c[n++] = 0x0f, c[n++] = 0xb7, n = addr_operand(c, n, h, g, idx, sc, d2); break;
            default: c[n++] = 0x8a, n = addr_operand(c, n, h, g, -1, 0, d2); break;
            }
            break;
        default: /* g the index */
            switch (v % 4) {
            case 0: c[n++] = 0x8b, n = mem_operand(c, n, h, 4, g, sc, d2); break;
            case 1: c[n++] = 0x89, n = mem_operand(c, n, h, 4, g, sc, d2); break;
            case 2: c[n++] = 0x8d, n = mem_operand(c, n, h, 4, g, sc, d2); break;
            default: c[n++] = 0x0f, c[n++] = 0xb7, n = mem_operand(c, n, h, 4, g, sc, d2); break;
            }
        }
    }
    c[n++] = 0xcc;
    return n;
}

/* The pairs that forward their first op's value to the second against
 * the same instructions one at a time, as above */
START_TEST(test_pairs_that_forward_equal_per_instruction)
{
    TwinCount t = { 0, 0, 0, 0 };
    int code_bad = 0;
    run_programs(make_forwarding_code, 0x2468ace1u, "forwarding pair run", &t, &code_bad);
    ck_assert_int_lt(t.faults, t.cases / 2); /* most units run through */
    ck_assert_int_eq(t.bad, 0);
    ck_assert_int_eq(code_bad, 0);
}
END_TEST

/* code at CODE (EBX) with a store into its own next instruction, which
 * turns MOV EAX, 1 into MOV EAX, 2, then INT3: on each CPU the new
 * instruction must run */
static void run_own_store(const uint8_t *code, size_t len, uint32_t eax0)
{
    for (int k = 0; k < 3; k++) {
        E386Cpu *cpu = new_cpu(k);
        ck_assert_int_eq(e386_mem_write(cpu, CODE, code, len), 0);
        e386_reg_write(cpu, E386_EAX, eax0);
        e386_reg_write(cpu, E386_EBX, CODE);
        e386_reg_write(cpu, E386_ESP, STACK + 0x800);
        e386_reg_write(cpu, E386_EIP, CODE);
        e386_exit x;
        e386_run(cpu, 1000, &x);
        ck_assert_int_eq(x.reason, E386_EXIT_INTERRUPT); /* the INT3 */
        ck_assert_int_eq(x.vector, 3);
        uint32_t eax = e386_reg_read(cpu, E386_EAX);
        ck_assert_msg(eax == 2, "cpu %d: eax %#x: the stale instruction ran after the store into it", k, eax);
        e386_cpu_free(cpu);
    }
}

/* A pair that goes on to the next op's handler (pair.c pair_next) leaves the
 * run loop's exit test to the pair's FX_INEXACT bit.  Here that bit is
 * set (the MOV sits in the window of the ADD whose flags the next ADD
 * rewrites) and the op it went on to -- a pair ending in a store into
 * the block itself -- is exact: the store's exit request was then not
 * honoured and the stale MOV EAX, 1 after it ran.  Found merging the
 * liveness pass with the pairs that go on; the pair now goes on only to
 * an op with its own bit. */
START_TEST(test_pair_go_on_across_a_liveness_window_sees_its_own_store)
{
    static const uint8_t code[] = {
        0x01, 0xd1,                   /* add ecx, edx: flags dead (rewritten below) */
        0x89, 0xd7,                   /* mov edi, edx: in the window */
        0x83, 0xc6, 0x01,             /* add esi, 1: the rewrite */
        0x89, 0x43, 0x0a,             /* mov [ebx + 10], eax: into the next instruction */
        0xb8, 0x01, 0x00, 0x00, 0x00, /* mov eax, 1 (becomes mov eax, 2) */
        0xcc,
    };
    run_own_store(code, sizeof code, 0x000002b8u);
}
END_TEST

/* A go-on twin (ops.h go_on) must leave a pending exit request to the
 * run loop: here the generic MOV word [m], imm16 rewrites the next
 * instruction of its own block, and going on regardless ran the stale
 * MOV EAX, 1. */
START_TEST(test_go_on_twin_store_into_the_next_instruction_stops_before_it)
{
    static const uint8_t code[] = {
        0x66, 0xc7, 0x43, 0x07, 0x02, 0x00, /* mov word [ebx + 7], 2: into the next instruction */
        0xb8, 0x01, 0x00, 0x00, 0x00,       /* mov eax, 1 (becomes mov eax, 2) */
        0xcc,
    };
    run_own_store(code, sizeof code, 0);
}
END_TEST

/* GS with a base (thread-local storage: the stack protector's canary at
 * gs:0x14, Lua's and glibc's TLS) reaches memory at base + offset, mod
 * 4 GiB (the linear address wraps).  The pair handlers used to decline
 * any segment but a flat one (Seg.flat: base 0) and took the reference
 * steps for each such access, 4% of binary-trees' host instructions; now
 * flat_host takes a wide segment's base (as seg_lin_fast).  Loads and
 * stores of the paired and go-on kinds, through a base below the data
 * and one that wraps to it, on each CPU (the offsets alone address
 * mapped memory too: a lost base reads and writes there); then a load
 * whose last byte is past the 4 GiB limit: #GP. */
START_TEST(test_gs_with_a_base_reaches_base_plus_offset)
{
    enum { LOW = 0x100, HIGH = 0xfffff000u };
    static const uint8_t code[] = {
        0x66, 0xbd, 0x07, 0x00, 0x8e, 0xed,       /* mov bp, 7; mov gs, bp: base LOW */
        0x65, 0xa1, 0x00, 0x07, 0x02, 0x00,       /* mov eax, gs:[0x20700] */
        0x65, 0x8b, 0x4b, 0x04,                   /* mov ecx, gs:[ebx + 4] (paired with:) */
        0x65, 0x8b, 0x53, 0x08,                   /* mov edx, gs:[ebx + 8] */
        0x65, 0x8b, 0x35, 0x0c, 0x07, 0x02, 0x00, /* mov esi, gs:[0x2070c] */
        0x65, 0x89, 0x43, 0x20,                   /* mov gs:[ebx + 0x20], eax */
        0x65, 0xc7, 0x43, 0x24, 0x78, 0x56, 0x34, 0x12, /* mov dword gs:[ebx + 0x24], 0x12345678 */
        0x66, 0xbd, 0x0f, 0x00, 0x8e, 0xed,       /* mov bp, 0xf; mov gs, bp: base HIGH */
        0x65, 0x8b, 0xbb, 0x10, 0x11, 0x00, 0x00, /* mov edi, gs:[ebx + 0x1110]: wraps to 0x20810 */
        0x65, 0x89, 0xbb, 0x28, 0x11, 0x00, 0x00, /* mov gs:[ebx + 0x1128], edi */
        0x66, 0xbd, 0x07, 0x00, 0x8e, 0xed,       /* mov bp, 7; mov gs, bp */
        0x65, 0xa1, 0xfd, 0xff, 0xff, 0xff,       /* mov eax, gs:[0xfffffffd]: past the limit */
        0xcc,
    };
    static const uint32_t data[] = { 0x11111111, 0x22222222, 0x33333333, 0x44444444, 0x55555555 };
    for (int k = 0; k < 3; k++) {
        E386Cpu *cpu = new_cpu(k);
        /* page 0 too, where base + offset of the last load wraps */
        ck_assert_int_eq(e386_mem_map(cpu, 0, 0x1000, E386_PROT_READ | E386_PROT_WRITE), 0);
        ck_assert_int_eq(e386_ldt_set(cpu, 0, (LOW & 0xffff) << 16 | 0xffff,
                                      (LOW >> 16 & 0xff) | (LOW & 0xff000000u) | 0x00cff200u), 0);
        ck_assert_int_eq(e386_ldt_set(cpu, 1, (HIGH & 0xffff) << 16 | 0xffff,
                                      (HIGH >> 16 & 0xff) | (HIGH & 0xff000000u) | 0x00cff200u), 0);
        ck_assert_int_eq(e386_mem_write(cpu, CODE, code, sizeof code), 0);
        for (int i = 0; i < 5; i++) {
            uint8_t b[4];
            put32le(b, data[i]);
            ck_assert_int_eq(e386_mem_write(cpu, STACK + 0x800 + 4 * (uint32_t)i, b, 4), 0);
        }
        e386_reg_write(cpu, E386_EBX, 0x20700);
        e386_reg_write(cpu, E386_ESP, STACK + 0xf00);
        e386_reg_write(cpu, E386_EIP, CODE);
        e386_exit x;
        e386_run(cpu, 1000, &x);
        ck_assert_msg(x.reason == E386_EXIT_EXCEPTION && x.vector == 13, "cpu %d: exit %d vector %d", k,
                      x.reason, x.vector);
        ck_assert_uint_eq(x.fault_eip, CODE + sizeof code - 7); /* the last load's */
        ck_assert_uint_eq(e386_reg_read(cpu, E386_EAX), data[0]);
        ck_assert_uint_eq(e386_reg_read(cpu, E386_ECX), data[1]);
        ck_assert_uint_eq(e386_reg_read(cpu, E386_EDX), data[2]);
        ck_assert_uint_eq(e386_reg_read(cpu, E386_ESI), data[3]);
        ck_assert_uint_eq(e386_reg_read(cpu, E386_EDI), data[4]);
        uint8_t out[12];
        ck_assert_int_eq(e386_mem_read(cpu, STACK + 0x820, out, sizeof out), 0);
        const uint8_t *o = out;
        ck_assert_uint_eq(ld_le(o, 4), data[0]);
        ck_assert_uint_eq(ld_le(o + 4, 4), 0x12345678u);
        ck_assert_uint_eq(ld_le(o + 8, 4), data[4]);
        e386_cpu_free(cpu);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pair_run");
    TCase *tc = tcase_create("pair_run");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_pairs_equal_per_instruction);
    tcase_add_test(tc, test_pairs_that_forward_equal_per_instruction);
    tcase_add_test(tc, test_pair_go_on_across_a_liveness_window_sees_its_own_store);
    tcase_add_test(tc, test_go_on_twin_store_into_the_next_instruction_stops_before_it);
    tcase_add_test(tc, test_gs_with_a_base_reaches_base_plus_offset);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
