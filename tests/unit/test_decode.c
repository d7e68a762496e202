/* Decoder: lengths and fields for a table of encodings, and instruction
 * lengths cross-checked against Capstone on random byte strings. */
#include <check.h>
#include "unit_main.h"
#include <capstone/capstone.h>
#include <stdlib.h>
#include "core/decode.h"

typedef struct Enc {
    const char *bytes; /* hex */
    int code32;
    int ok;            /* 1 decodes, else the fault vector */
    int len, opsize, adsize, mod, reg, rm, base, index, scale, seg;
    uint32_t disp, imm, imm2;
} Enc;

#define N EA_NONE
static const Enc encodings[] = {
    /* bytes                 c32 ok len os as mod reg rm base idx sc seg      disp        imm         imm2 */
    { "01d8",                  1, 1, 2, 4, 4, 3, 3, 0, N, N, 0, SEG_DS, 0, 0, 0 },          /* add eax,ebx */
    { "8b442408",              1, 1, 4, 4, 4, 1, 0, 4, 4, N, 0, SEG_SS, 8, 0, 0 },          /* mov eax,[esp+8] */
    { "8b45fc",                1, 1, 3, 4, 4, 1, 0, 5, 5, N, 0, SEG_SS, 0xfffffffc, 0, 0 }, /* mov eax,[ebp-4] */
    { "8b048d00100000",        1, 1, 7, 4, 4, 0, 0, 4, N, 1, 2, SEG_DS, 0x1000, 0, 0 },     /* mov eax,[ecx*4+0x1000] */
    { "8b0500000000",          1, 1, 6, 4, 4, 0, 0, 5, N, N, 0, SEG_DS, 0, 0, 0 },          /* mov eax,[0] */
    { "648b0500000000",        1, 1, 7, 4, 4, 0, 0, 5, N, N, 0, SEG_FS, 0, 0, 0 },          /* mov eax,fs:[0] */
    { "8b0424",                1, 1, 3, 4, 4, 0, 0, 4, 4, N, 0, SEG_SS, 0, 0, 0 },          /* mov eax,[esp] */
    { "8b042d78563412",        1, 1, 7, 4, 4, 0, 0, 4, N, 5, 0, SEG_DS, 0x12345678, 0, 0 }, /* mov eax,[ebp*1+disp32] */
    { "66b83412",              1, 1, 4, 2, 4, 0, 0, 0, N, N, 0, SEG_DS, 0, 0x1234, 0 },     /* mov ax,0x1234 */
    { "678b00",                1, 1, 3, 4, 2, 0, 0, 0, 3, 6, 0, SEG_DS, 0, 0, 0 },          /* mov eax,[bx+si] */
    { "678b4602",              1, 1, 4, 4, 2, 1, 0, 6, 5, N, 0, SEG_SS, 2, 0, 0 },          /* mov eax,[bp+2] */
    { "8b060010",              0, 1, 4, 2, 2, 0, 0, 6, N, N, 0, SEG_DS, 0x1000, 0, 0 },     /* 16-bit: mov ax,[0x1000] */
    { "0fafc1",                1, 1, 3, 4, 4, 3, 0, 1, N, N, 0, SEG_DS, 0, 0, 0 },          /* imul eax,ecx */
    { "6bc0ff",                1, 1, 3, 4, 4, 3, 0, 0, N, N, 0, SEG_DS, 0, 0xffffffff, 0 }, /* imul eax,eax,-1 */
    { "83c0ff",                1, 1, 3, 4, 4, 3, 0, 0, N, N, 0, SEG_DS, 0, 0xffffffff, 0 }, /* add eax,-1 */
    { "80c0ff",                1, 1, 3, 4, 4, 3, 0, 0, N, N, 0, SEG_DS, 0, 0xff, 0 },       /* add al,0xff */
    { "c8100002",              1, 1, 4, 4, 4, 0, 0, 0, N, N, 0, SEG_DS, 0, 0x10, 2 },       /* enter 16,2 */
    { "9a785634122300",        1, 1, 7, 4, 4, 0, 0, 0, N, N, 0, SEG_DS, 0, 0x12345678, 0x23 }, /* lcall */
    { "eb fe",                 1, 1, 2, 4, 4, 0, 0, 0, N, N, 0, SEG_DS, 0, 0xfffffffe, 0 }, /* jmp $ */
    { "e9fbffffff",            1, 1, 5, 4, 4, 0, 0, 0, N, N, 0, SEG_DS, 0, 0xfffffffb, 0 }, /* jmp rel32 */
    { "f00100",                1, 1, 3, 4, 4, 0, 0, 0, 0, N, 0, SEG_DS, 0, 0, 0 },          /* lock add [eax],eax */
    { "0fc708",                1, 1, 3, 4, 4, 0, 1, 0, 0, N, 0, SEG_DS, 0, 0, 0 },          /* cmpxchg8b [eax] */
    { "d9ee",                  1, 1, 2, 4, 4, 3, 5, 6, N, N, 0, SEG_DS, 0, 0x1ee, 0 },      /* fldz: imm is its FOP */
    { "0f0b",                  1, 1, 2, 4, 4, 0, 0, 0, N, N, 0, SEG_DS, 0, 0, 0 },          /* ud2 decodes; runs #UD */
    { "a178563412",            1, 1, 5, 4, 4, 0, 0, 0, N, N, 0, SEG_DS, 0, 0x12345678, 0 }, /* mov eax,[moffs32] */
    { "67a13412",              1, 1, 4, 4, 2, 0, 0, 0, N, N, 0, SEG_DS, 0, 0x1234, 0 },     /* mov eax,[moffs16] */
    { .bytes = "f001c0", .code32 = 1, .ok = EX_UD },                                                   /* lock on a register */
    { .bytes = "f03900", .code32 = 1, .ok = EX_UD },                                                   /* lock cmp */
    { .bytes = "0f0e", .code32 = 1, .ok = EX_UD },                                                   /* no such opcode here */
    { .bytes = "ffff", .code32 = 1, .ok = EX_UD },                                                   /* grp5 /7 */
    { .bytes = "6666666666666666666666666666669090", .code32 = 1, .ok = EX_GP },                                      /* longer than 15 */
};

static E386Cpu *cpu_with(const char *hex, uint32_t *len)
{
    E386Cpu *cpu = e386_cpu_new();
    ck_assert_ptr_nonnull(cpu);
    ck_assert_int_eq(e386_mem_map(cpu, 0x1000, 0x1000, E386_PROT_READ | E386_PROT_EXEC), 0);
    uint8_t buf[32];
    uint32_t n = 0;
    for (const char *p = hex; *p && *(p + 1);) {
        if (*p == ' ') { p++; continue; }
        unsigned v;
        sscanf(p, "%2x", &v);
        buf[n++] = (uint8_t)v;
        p += 2;
    }
    ck_assert_int_eq(e386_mem_write(cpu, 0x1000, buf, n), 0);
    *len = n;
    return cpu;
}

START_TEST(test_encodings)
{
    const Enc *e = &encodings[_i];
    uint32_t n;
    E386Cpu *cpu = cpu_with(e->bytes, &n);
    E386Op op;
    const OpInfo *info;
    unsigned dec;
    DecodeFault f;
    int rc = decode_insn(cpu, 0x1000, e->code32, &op, &info, &dec, &f);
    if (e->ok != 1) {
        ck_assert_int_eq(rc, DEC_FAULT);
        ck_assert_int_eq(f.vector, e->ok);
    } else {
        ck_assert_msg(rc == DEC_OK, "%s: fault %d", e->bytes, f.vector);
        ck_assert_int_eq(op.len, e->len);
        ck_assert_int_eq(op.opsize, e->opsize);
        ck_assert_int_eq(op.adsize, e->adsize);
        if (dec & D_M) {
            ck_assert_int_eq(op.mod, e->mod);
            ck_assert_int_eq(op.reg, e->reg);
            ck_assert_int_eq(op.rm, e->rm);
            if (op.mod != 3) {
                ck_assert_int_eq(op.base, e->base);
                ck_assert_int_eq(op.index, e->index);
                ck_assert_int_eq(op.scale, e->scale);
                ck_assert_int_eq(op.seg, e->seg);
                ck_assert_uint_eq(op.disp, e->disp);
            }
        }
        ck_assert_uint_eq(op.imm, e->imm);
        if (!(dec & D_M)) /* imm2 shares disp's word */
            ck_assert_uint_eq(op.imm2, e->imm2);
    }
    e386_cpu_free(cpu);
}
END_TEST

/* An instruction that runs into an unmapped page faults with #PF at the
 * first missing byte. */
START_TEST(test_fetch_fault)
{
    E386Cpu *cpu = e386_cpu_new();
    ck_assert_int_eq(e386_mem_map(cpu, 0x1000, 0x1000, E386_PROT_READ), 0);
    uint8_t b[2] = { 0xb8, 0x01 }; /* mov eax, imm32 cut by the page end */
    ck_assert_int_eq(e386_mem_write(cpu, 0x1ffe, b, 2), 0);
    E386Op op;
    const OpInfo *info;
    unsigned dec;
    DecodeFault f;
    ck_assert_int_eq(decode_insn(cpu, 0x1ffe, 1, &op, &info, &dec, &f), DEC_FAULT);
    ck_assert_int_eq(f.vector, EX_PF);
    ck_assert_uint_eq(f.addr, 0x2000);
    e386_cpu_free(cpu);
}
END_TEST

/* Random byte strings: wherever our decoder accepts an instruction that
 * Capstone also decodes, the lengths agree. */
START_TEST(test_capstone_lengths)
{
    csh cs;
    ck_assert_int_eq(cs_open(CS_ARCH_X86, CS_MODE_32, &cs), CS_ERR_OK);
    E386Cpu *cpu = e386_cpu_new();
    ck_assert_int_eq(e386_mem_map(cpu, 0x1000, 0x1000, E386_PROT_READ), 0);
    uint32_t seed = 12345;
    int compared = 0, mismatches = 0;
    for (int iter = 0; iter < 200000; iter++) {
        uint8_t buf[16];
        for (int i = 0; i < 16; i++) {
            seed = seed * 1103515245u + 12345u;
            buf[i] = (uint8_t)(seed >> 16);
        }
        /* bias towards one-byte and 0F opcodes with no prefix noise */
        if (iter & 1) buf[0] = 0x0f;
        e386_mem_write(cpu, 0x1000, buf, 16);
        E386Op op;
        const OpInfo *info;
        unsigned dec;
        DecodeFault f;
        if (decode_insn(cpu, 0x1000, 1, &op, &info, &dec, &f) != DEC_OK)
            continue;
        cs_insn *insn;
        size_t cnt = cs_disasm(cs, buf, 16, 0x1000, 1, &insn);
        if (cnt != 1)
            continue; /* Capstone rejects it (e.g. x87 register forms it lacks) */
        compared++;
        if (insn[0].size != op.len) {
            if (mismatches++ < 10)
                fprintf(stderr, "length mismatch: %02x %02x %02x %02x: ours %d capstone %d (%s %s)\n",
                        buf[0], buf[1], buf[2], buf[3], op.len, insn[0].size,
                        insn[0].mnemonic, insn[0].op_str);
        }
        cs_free(insn, cnt);
    }
    printf("decoder: %d instructions compared with Capstone\n", compared);
    ck_assert_int_gt(compared, 50000);
    ck_assert_int_eq(mismatches, 0);
    e386_cpu_free(cpu);
    cs_close(&cs);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("decode");
    TCase *tc = tcase_create("decode");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_encodings, 0, (int)(sizeof encodings / sizeof encodings[0]));
    tcase_add_test(tc, test_fetch_fault);
    tcase_add_test(tc, test_capstone_lengths);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
