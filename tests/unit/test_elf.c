/* The ELF loader: a minimal valid image loads; every class of malformed
 * input is refused with its message and nothing crashes. */
#include <check.h>
#include "unit_main.h"
#include <stdlib.h>
#include <string.h>
#include "user/user.h"

enum { IMG = 0x2000 };

static void put(uint8_t *b, size_t off, int size, uint64_t v) { put_le(b + off, size, v); }

/* ELF header + one PT_LOAD covering the file at 0x08048000, entry +0x100 */
static void make_image(uint8_t *b)
{
    memset(b, 0, IMG);
    memcpy(b, "\177ELF", 4);
    b[4] = 1; b[5] = 1; b[6] = 1;
    put(b, 16, 2, 2);      /* ET_EXEC */
    put(b, 18, 2, 3);      /* EM_386 */
    put(b, 20, 4, 1);
    put(b, 24, 4, 0x08048100);
    put(b, 28, 4, 52);     /* phoff */
    put(b, 40, 2, 52);
    put(b, 42, 2, 32);     /* phentsize */
    put(b, 44, 2, 1);      /* phnum */
    uint8_t *ph = b + 52;
    put(ph, 0, 4, 1);          /* PT_LOAD */
    put(ph, 4, 4, 0);          /* offset */
    put(ph, 8, 4, 0x08048000); /* vaddr */
    put(ph, 16, 4, IMG);       /* filesz */
    put(ph, 20, 4, IMG + 0x3000); /* memsz: bss follows */
    put(ph, 24, 4, 5);         /* R X */
    put(ph, 28, 4, 0x1000);
    b[0x100] = 0xcc;
}

static int load(uint8_t *b, size_t len, char *err, ElfImage *img)
{
    E386Cpu *cpu = e386_cpu_new();
    memset(img, 0, sizeof *img);
    int rc = elf_load_buffer(cpu, b, len, 0, img, err, 256);
    if (rc == 0) { /* the mapping is real: code readable, bss zero, rights applied */
        uint8_t c;
        ck_assert_int_eq(e386_mem_read(cpu, 0x08048100, &c, 1), 0);
        ck_assert_int_eq(c, 0xcc);
        ck_assert_int_eq(e386_mem_read(cpu, 0x08048000 + IMG + 0x100, &c, 1), 0);
        ck_assert_int_eq(c, 0);
        ck_assert_int_eq(e386_mem_prot(cpu, 0x08048000) & E386_PROT_WRITE, 0);
    }
    e386_cpu_free(cpu);
    return rc;
}

START_TEST(test_good_image)
{
    uint8_t b[IMG];
    char err[256];
    ElfImage img;
    make_image(b);
    ck_assert_int_eq(load(b, IMG, err, &img), 0);
    ck_assert_uint_eq(img.entry, 0x08048100);
    ck_assert_uint_eq(img.phdr, 0x08048000 + 52);
    ck_assert_uint_eq(img.hi, 0x08048000 + 0x5000);
}
END_TEST

typedef struct Bad {
    const char *what, *message;
    size_t off;
    int size;
    uint64_t value;
    size_t len;
} Bad;

static const Bad bad[] = {
    { "truncated header", "file too short", 0, 0, 0, 40 },
    { "bad magic", "not an ELF file", 1, 1, 'X', IMG },
    { "64-bit", "not a 32-bit ELF", 4, 1, 2, IMG },
    { "big-endian", "not a little-endian", 5, 1, 2, IMG },
    { "wrong machine", "e_machine 62", 18, 2, 62, IMG },
    { "relocatable", "not an executable", 16, 2, 1, IMG },
    { "phentsize", "entry size", 42, 2, 56, IMG },
    { "no phdrs", "number of program headers", 44, 2, 0, IMG },
    { "too many phdrs", "number of program headers", 44, 2, 500, IMG },
    { "phdrs outside", "outside the file", 28, 4, IMG - 8, IMG },
    { "phoff overflow", "outside the file", 28, 4, 0xfffffff0u, IMG },
    { "filesz > memsz", "exceeds its memory size", 52 + 20, 4, 16, IMG },
    { "data outside", "outside the file", 52 + 4, 4, 0x1000, IMG },
    { "incongruent", "not congruent", 52 + 8, 4, 0x08048010, IMG },
    { "into the stack", "stack or kernel", 52 + 8, 4, 0xbff00000u, IMG },
    { "wraps 4G", "stack or kernel", 52 + 20, 4, 0xfffff000u, IMG },
    { "no PT_LOAD", "no loadable segments", 52, 4, 4, IMG },
};

START_TEST(test_malformed)
{
    const Bad *t = &bad[_i];
    uint8_t b[IMG];
    char err[256] = "";
    ElfImage img;
    make_image(b);
    if (t->size)
        put(b, t->off, t->size, t->value);
    ck_assert_int_eq(load(b, t->len, err, &img), -1);
    ck_assert_msg(strstr(err, t->message) != NULL, "%s: message '%s'", t->what, err);
}
END_TEST

/* Fault injection by truncation: every prefix of a valid image is either
 * refused with a message or loads; none crashes or reads past the end. */
START_TEST(test_every_truncation)
{
    uint8_t b[IMG];
    make_image(b);
    for (size_t len = 0; len < 200; len++) {
        uint8_t *copy = malloc(len ? len : 1);
        memcpy(copy, b, len);
        char err[256] = "";
        ElfImage img;
        int rc = load(copy, len, err, &img);
        ck_assert(rc == -1 && err[0]);
        free(copy);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("elf");
    TCase *tc = tcase_create("elf");
    tcase_add_test(tc, test_good_image);
    tcase_add_loop_test(tc, test_malformed, 0, (int)(sizeof bad / sizeof bad[0]));
    tcase_add_test(tc, test_every_truncation);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
