/* The whole machine with tiny ROMs written here byte by byte: the reset
 * vector, port 0xE9 and 0xF4, HLT with nothing to wake it, HLT woken by
 * the PIT through the PIC, the fastest PIT rate not starving the guest,
 * a triple fault with and without -no-reboot, and the state dump. */
#include <check.h>
#include "unit_main.h"
#include <stdlib.h>
#include <string.h>
#include "system/machine.h"

enum { ROM = 0x10000, MAIN = 0xE000, HANDLER = 0xE100 };

typedef struct Rom {
    uint8_t b[ROM];
    size_t at;
} Rom;

static void rom_init(Rom *r)
{
    memset(r->b, 0xF4, sizeof r->b); /* HLT everywhere else */
    /* F000:FFF0: jmp far F000:MAIN, through the alias below 1 MiB */
    static const uint8_t reset[] = { 0xEA, MAIN & 0xFF, MAIN >> 8, 0x00, 0xF0 };
    memcpy(r->b + 0xFFF0, reset, sizeof reset);
    r->at = MAIN;
}

static void emit(Rom *r, const uint8_t *code, size_t n)
{
    memcpy(r->b + r->at, code, n);
    r->at += n;
}
#define EMIT(r, ...) do { static const uint8_t c_[] = { __VA_ARGS__ }; emit(r, c_, sizeof c_); } while (0)

/* out imm8, al with al = v */
static void out_imm(Rom *r, uint8_t port, uint8_t v)
{
    const uint8_t code[] = { 0xB0, v, 0xE6, port };
    emit(r, code, sizeof code);
}

/* IVT entry for vector 8 -> F000:HANDLER, PIC at 0x08, only IRQ 0, PIT
 * counter 0 in mode 2 with count. */
static void setup_timer(Rom *r, uint16_t count)
{
    EMIT(r, 0x31, 0xC0, 0x8E, 0xD8);                         /* xor ax,ax; mov ds,ax */
    EMIT(r, 0xC7, 0x06, 0x20, 0x00, HANDLER & 0xFF, HANDLER >> 8); /* [0x20] = HANDLER */
    EMIT(r, 0xC7, 0x06, 0x22, 0x00, 0x00, 0xF0);             /* [0x22] = F000 */
    out_imm(r, 0x20, 0x11);
    out_imm(r, 0x21, 0x08);
    out_imm(r, 0x21, 0x04);
    out_imm(r, 0x21, 0x01);
    out_imm(r, 0x21, 0xFE);
    out_imm(r, 0x43, 0x34);
    out_imm(r, 0x40, count & 0xFF);
    out_imm(r, 0x40, count >> 8);
}

typedef struct Run {
    int status;
    char msg[256];
    char console[256];
} Run;

static void run(Rom *r, bool no_reboot, Run *out)
{
    FILE *con = tmpfile();
    MachineConfig cfg = { .ram_size = 1u << 20, .no_reboot = no_reboot, .console = con };
    BiosImage img = { r->b, sizeof r->b };
    char err[256];
    Machine *m = machine_new(&cfg, &img, err, sizeof err);
    ck_assert_msg(m != NULL, "%s", err);
    out->status = machine_run(m, out->msg, sizeof out->msg);
    machine_free(m);
    long len = ftell(con);
    rewind(con);
    memset(out->console, 0, sizeof out->console);
    size_t got = fread(out->console, 1, len < 255 ? (size_t)len : 255, con);
    (void)got;
    fclose(con);
}

START_TEST(test_reset_vector_console_exit)
{
    static Rom r;
    rom_init(&r);
    out_imm(&r, 0xE9, 'H');
    out_imm(&r, 0xE9, 'i');
    out_imm(&r, 0xF4, 42);
    Run res;
    run(&r, false, &res);
    ck_assert_int_eq(res.status, 42);
    ck_assert_str_eq(res.console, "Hi");
    ck_assert_str_eq(res.msg, "");
}
END_TEST

START_TEST(test_halt_without_wakeup)
{
    static Rom r;
    rom_init(&r);
    EMIT(&r, 0xFA, 0xF4); /* cli; hlt */
    Run res;
    run(&r, false, &res);
    ck_assert_int_eq(res.status, MACHINE_EXIT_HALTED);
    ck_assert_ptr_nonnull(strstr(res.msg, "interrupts disabled"));
    rom_init(&r);
    EMIT(&r, 0xFB, 0xF4); /* sti; hlt, and no timer */
    run(&r, false, &res);
    ck_assert_int_eq(res.status, MACHINE_EXIT_HALTED);
    ck_assert_ptr_nonnull(strstr(res.msg, "no interrupt can wake it (timer stopped"));
}
END_TEST

START_TEST(test_hlt_woken_by_pit)
{
    static Rom r;
    rom_init(&r);
    setup_timer(&r, 11932); /* 10 ms */
    EMIT(&r, 0xFB, 0xF4, 0xEB, 0xFD); /* sti; hlt; jmp hlt */
    r.at = HANDLER;
    out_imm(&r, 0xE9, 'T');
    out_imm(&r, 0xF4, 7);
    Run res;
    run(&r, false, &res);
    ck_assert_int_eq(res.status, 7);
    ck_assert_str_eq(res.console, "T");
}
END_TEST

START_TEST(test_fastest_rate_does_not_starve)
{
    static Rom r;
    rom_init(&r);
    setup_timer(&r, 2);
    EMIT(&r, 0x66, 0xB9, 0x00, 0x00, 0x20, 0x00); /* mov ecx, 0x200000 */
    EMIT(&r, 0xFB);                               /* sti */
    EMIT(&r, 0x66, 0x49, 0x75, 0xFC);             /* dec ecx; jnz -4 */
    EMIT(&r, 0xFA, 0xA1, 0x00, 0x05);             /* cli; mov ax, [0x500] */
    EMIT(&r, 0x85, 0xC0, 0x74, 0x04);             /* test ax, ax; jz +4 */
    out_imm(&r, 0xF4, 42);
    out_imm(&r, 0xF4, 1);
    r.at = HANDLER;
    EMIT(&r, 0xFF, 0x06, 0x00, 0x05);             /* inc word [0x500] */
    out_imm(&r, 0x20, 0x20);                      /* EOI */
    EMIT(&r, 0xCF);                               /* iret */
    Run res;
    run(&r, false, &res);
    ck_assert_int_eq(res.status, 42); /* the loop finished and interrupts came */
}
END_TEST

START_TEST(test_triple_fault)
{
    static Rom r;
    rom_init(&r);
    /* an empty IVT (limit 0): INT3 -> #GP -> #DF -> shutdown */
    EMIT(&r, 0x31, 0xC0, 0x8E, 0xD8);             /* xor ax,ax; mov ds,ax */
    EMIT(&r, 0xC7, 0x06, 0x00, 0x06, 0x00, 0x00); /* [0x600] = 0 (limit) */
    EMIT(&r, 0xC7, 0x06, 0x02, 0x06, 0x00, 0x00); /* [0x602] = 0 (base) */
    EMIT(&r, 0xC7, 0x06, 0x04, 0x06, 0x00, 0x00);
    EMIT(&r, 0x0F, 0x01, 0x1E, 0x00, 0x06);       /* lidt [0x600] */
    EMIT(&r, 0xA0, 0x00, 0x07);                   /* mov al, [0x700]: 0 first, 1 after a reset */
    EMIT(&r, 0x84, 0xC0, 0x74, 0x04);             /* test al, al; jz +4 */
    out_imm(&r, 0xF4, 9);                         /* back after the reset: RAM kept */
    EMIT(&r, 0xC6, 0x06, 0x00, 0x07, 0x01);       /* mov byte [0x700], 1 */
    EMIT(&r, 0xCC);                               /* int3 */
    Run res;
    run(&r, true, &res);
    ck_assert_int_eq(res.status, MACHINE_EXIT_TRIPLE_FAULT);
    ck_assert_ptr_nonnull(strstr(res.msg, "triple fault"));
    run(&r, false, &res);
    ck_assert_int_eq(res.status, 9);
}
END_TEST

START_TEST(test_machine_state_dump)
{
    static Rom r;
    rom_init(&r);
    MachineConfig cfg = { .ram_size = 1u << 20 };
    BiosImage img = { r.b, sizeof r.b };
    char err[256];
    Machine *m = machine_new(&cfg, &img, err, sizeof err);
    ck_assert_ptr_nonnull(m);
    FILE *f = tmpfile();
    machine_dump_state(m, f);
    long len = ftell(f);
    char *text = calloc(1, (size_t)len + 1);
    rewind(f);
    ck_assert_uint_eq(fread(text, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(text, "pic.chip[0].lowest=0x07\n"));
    ck_assert_ptr_nonnull(strstr(text, "pit.ch[0].mode=0x04\n"));
    ck_assert_ptr_nonnull(strstr(text, "port61.ctl=0x00\n"));
    ck_assert_ptr_nonnull(strstr(text, "post.last=0x00\n"));
    free(text);
    /* the ROM: read-only at the top, its end aliased below 1 MiB, RAM zero */
    uint8_t b[5];
    ck_assert_int_eq(e386_mem_read(m->cpu, 0xFFFFFFF0u, b, 5), 0);
    ck_assert_mem_eq(b, r.b + 0xFFF0, 5);
    ck_assert_int_eq(e386_mem_read(m->cpu, 0xFFFF0, b, 5), 0);
    ck_assert_mem_eq(b, r.b + 0xFFF0, 5);
    ck_assert_int_eq(e386_mem_prot(m->cpu, 0xFFFF0000u) & E386_PROT_WRITE, 0);
    ck_assert(!e386_mem_is_mapped(m->cpu, 0xA0000));
    machine_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("machine_run");
    TCase *tc = tcase_create("pc");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_reset_vector_console_exit);
    tcase_add_test(tc, test_halt_without_wakeup);
    tcase_add_test(tc, test_hlt_woken_by_pit);
    tcase_add_test(tc, test_fastest_rate_does_not_starve);
    tcase_add_test(tc, test_triple_fault);
    tcase_add_test(tc, test_machine_state_dump);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
