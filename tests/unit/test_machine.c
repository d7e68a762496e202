/* The machine's parts that need no system-mode CPU: the -bios loader and
 * its errors, -m parsing, RAM zero by construction, port I/O dispatch,
 * the small devices (POST, debug console, debug exit) and the state
 * walker that migration and the monitor will share. */
#define _POSIX_C_SOURCE 200809L /* mkstemp, fdopen, strdup */
#include <check.h>
#include "unit_main.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "dev/debugcon.h"
#include "dev/debugexit.h"
#include "dev/post.h"
#include "system/bios.h"
#include "system/ram.h"

static char *temp_file(const void *data, size_t len)
{
    char *path = strdup("/tmp/emu386-test-biosXXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    FILE *f = fdopen(fd, "wb");
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    fclose(f);
    return path;
}

static char *slurp(FILE *m)
{
    long len = ftell(m);
    char *buf = calloc(1, (size_t)len + 1);
    rewind(m);
    ck_assert_uint_eq(fread(buf, 1, (size_t)len, m), (size_t)len);
    return buf;
}

START_TEST(test_bios_errors)
{
    BiosImage img;
    char err[256];
    ck_assert_int_eq(bios_load_file("/nonexistent/emu386.rom", &img, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "cannot open BIOS image '/nonexistent/emu386.rom'"));
    ck_assert_ptr_null(img.data);

    char *empty = temp_file("", 0);
    ck_assert_int_eq(bios_load_file(empty, &img, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "is empty"));
    unlink(empty);
    free(empty);

    size_t big_len = BIOS_MAX_SIZE + 1;
    char *big_data = calloc(1, big_len);
    char *big = temp_file(big_data, big_len);
    ck_assert_int_eq(bios_load_file(big, &img, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "too large"));
    ck_assert_ptr_nonnull(strstr(err, "16 MiB"));
    unlink(big);
    free(big);

    /* exactly 16 MiB is allowed */
    char *max = temp_file(big_data, BIOS_MAX_SIZE);
    ck_assert_int_eq(bios_load_file(max, &img, err, sizeof err), 0);
    ck_assert_uint_eq(img.size, BIOS_MAX_SIZE);
    ck_assert_uint_eq(bios_rom_size(&img), BIOS_MAX_SIZE);
    bios_image_free(&img);
    unlink(max);
    free(max);
    free(big_data);

    /* a directory opens but cannot be read */
    ck_assert_int_eq(bios_load_file("/", &img, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "cannot read BIOS image '/'"));
}
END_TEST

START_TEST(test_bios_good)
{
    uint8_t rom[5000];
    for (size_t i = 0; i < sizeof rom; i++)
        rom[i] = (uint8_t)(i * 7);
    char *path = temp_file(rom, sizeof rom);
    BiosImage img;
    char err[256];
    ck_assert_int_eq(bios_load_file(path, &img, err, sizeof err), 0);
    ck_assert_uint_eq(img.size, sizeof rom);
    ck_assert_mem_eq(img.data, rom, sizeof rom);
    ck_assert_uint_eq(bios_rom_size(&img), 8192); /* rounded up to 4 KiB */
    bios_image_free(&img);
    ck_assert_ptr_null(img.data);
    unlink(path);
    free(path);
}
END_TEST

START_TEST(test_ram_size_parsing)
{
    uint32_t v;
    char err[128];
    ck_assert_int_eq(ram_parse_size("32M", &v, err, sizeof err), 0);
    ck_assert_uint_eq(v, 32u << 20);
    ck_assert_int_eq(ram_parse_size("64", &v, err, sizeof err), 0); /* bare: MiB */
    ck_assert_uint_eq(v, 64u << 20);
    ck_assert_int_eq(ram_parse_size("640k", &v, err, sizeof err), 0);
    ck_assert_uint_eq(v, 640u << 10);
    ck_assert_int_eq(ram_parse_size("1G", &v, err, sizeof err), 0);
    ck_assert_uint_eq(v, 1u << 30);
    ck_assert_int_eq(ram_parse_size("3G", &v, err, sizeof err), 0);
    static const char *bad[] = { "", "M", "-1M", "12Q", "1MB", "4G", "0", "32K", "1001K",
                                 "99999999999999999999999M", " 1M" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = 12345;
        ck_assert_msg(ram_parse_size(bad[i], &v, err, sizeof err) == -1, "accepted '%s'", bad[i]);
        ck_assert_uint_eq(v, 12345);
        ck_assert_ptr_nonnull(strstr(err, "memory size"));
    }
}
END_TEST

START_TEST(test_ram_zero_and_hole)
{
    E386Cpu *cpu = e386_cpu_new();
    char err[128];
    ck_assert_int_eq(ram_map(cpu, 2u << 20, err, sizeof err), 0);
    static uint8_t buf[4096];
    for (uint32_t a = 0; a < (2u << 20); a += 4096) {
        if (a >= RAM_HOLE_START && a < RAM_HOLE_END) {
            ck_assert(!e386_mem_is_mapped(cpu, a));
            continue;
        }
        memset(buf, 0x5A, sizeof buf);
        ck_assert_int_eq(e386_mem_read(cpu, a, buf, sizeof buf), 0);
        for (size_t i = 0; i < sizeof buf; i++)
            loop_assert_msg(buf[i] == 0, "RAM not zero at 0x%x", a + (unsigned)i);
    }
    ck_assert(!e386_mem_is_mapped(cpu, 2u << 20));
    e386_cpu_free(cpu);
    /* below the hole: all of it low */
    cpu = e386_cpu_new();
    ck_assert_int_eq(ram_map(cpu, 256u << 10, err, sizeof err), 0);
    ck_assert(e386_mem_is_mapped(cpu, (256u << 10) - 4096));
    ck_assert(!e386_mem_is_mapped(cpu, 256u << 10));
    e386_cpu_free(cpu);
}
END_TEST

/* ---- port I/O dispatch ---- */

typedef struct Reg {
    uint8_t bytes[8];
    int reads, writes, last_size;
} Reg;

static uint32_t reg_read(void *opaque, uint32_t off, int size)
{
    Reg *r = opaque;
    r->reads++;
    r->last_size = size;
    uint32_t v = 0;
    for (int i = 0; i < size; i++)
        v |= (uint32_t)r->bytes[off + (uint32_t)i] << (8 * i);
    return v;
}

static void reg_write(void *opaque, uint32_t off, int size, uint32_t value)
{
    Reg *r = opaque;
    r->writes++;
    r->last_size = size;
    for (int i = 0; i < size; i++)
        r->bytes[off + (uint32_t)i] = (uint8_t)(value >> (8 * i));
}

START_TEST(test_iobus_dispatch)
{
    IoBus *bus = malloc(sizeof *bus);
    iobus_init(bus);
    char err[160];
    Reg a = { .bytes = { 0x11, 0x22, 0x33, 0x44 } }, b = { .reads = 0 };
    static const IoRegionOps byte_ops = { reg_read, reg_write, 1 };
    static const IoRegionOps wide_ops = { reg_read, reg_write, 1 | 2 | 4 };
    ck_assert_int_eq(iobus_claim(bus, 0x100, 4, &byte_ops, &a, "a", err, sizeof err), 0);
    ck_assert_int_eq(iobus_claim(bus, 0x200, 8, &wide_ops, &b, "b", err, sizeof err), 0);
    /* overlaps, bad ranges and sizes are refused with the owner named */
    ck_assert_int_eq(iobus_claim(bus, 0xFE, 4, &byte_ops, &b, "c", err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "0x0100 already belongs to a"));
    ck_assert_int_eq(iobus_claim(bus, 0xFFFF, 2, &byte_ops, &b, "d", err, sizeof err), -1);
    ck_assert_int_eq(iobus_claim(bus, 0x300, 0, &byte_ops, &b, "e", err, sizeof err), -1);
    static const IoRegionOps no_bytes = { reg_read, reg_write, 2 };
    ck_assert_int_eq(iobus_claim(bus, 0x300, 2, &no_bytes, &b, "f", err, sizeof err), -1);

    /* a byte-wide device sees a dword as four byte cycles */
    ck_assert_uint_eq(iobus_read(bus, 0x100, 4), 0x44332211u);
    ck_assert_int_eq(a.reads, 4);
    ck_assert_int_eq(a.last_size, 1);
    iobus_write(bus, 0x100, 2, 0xBEEF);
    ck_assert_int_eq(a.bytes[0], 0xEF);
    ck_assert_int_eq(a.bytes[1], 0xBE);
    /* a wide device takes it whole */
    iobus_write(bus, 0x204, 4, 0xCAFEF00Du);
    ck_assert_int_eq(b.writes, 1);
    ck_assert_int_eq(b.last_size, 4);
    ck_assert_uint_eq(iobus_read(bus, 0x204, 4), 0xCAFEF00Du);
    /* ... unless it runs past the end of the range: then bytes, the tail floating */
    ck_assert_uint_eq(iobus_read(bus, 0x206, 4), 0xFFFFCAFEu);
    /* a dword straddling two devices */
    ck_assert_uint_eq(iobus_read(bus, 0xFE, 4), 0xBEEFFFFFu);
    /* unclaimed ports float high and drop writes; the port number wraps */
    ck_assert_uint_eq(iobus_read(bus, 0x1234, 1), 0xFF);
    ck_assert_uint_eq(iobus_read(bus, 0x1234, 2), 0xFFFF);
    ck_assert_uint_eq(iobus_read(bus, 0x1234, 4), 0xFFFFFFFFu);
    ck_assert_uint_eq(iobus_read(bus, 0xFFFF, 2), 0xFFFF);
    iobus_write(bus, 0x1234, 4, 0);
    ck_assert_uint_eq(iobus_read(bus, 0x100, 3), 0xFFFFFFFFu); /* not an access size */
    /* -d unimp */
    FILE *log = tmpfile();
    bus->log = log;
    bus->log_unimp = true;
    iobus_read(bus, 0x1234, 1);
    iobus_write(bus, 0x0ABC, 1, 0x5A);
    char *text = slurp(log);
    ck_assert_str_eq(text, "unimp: in 0x1234\nunimp: out 0x0abc <- 0x5a\n");
    free(text);
    fclose(log);
    bus->log = NULL;
    /* release gives the ports back */
    iobus_release(bus, &a);
    ck_assert_uint_eq(iobus_read(bus, 0x100, 1), 0xFF);
    ck_assert_int_eq(iobus_claim(bus, 0x100, 4, &byte_ops, &b, "g", err, sizeof err), 0);
    free(bus);
}
END_TEST

/* ---- the small devices ---- */

static void record_exit(void *opaque, int status) { *(int *)opaque = status; }

START_TEST(test_small_devices)
{
    IoBus *bus = malloc(sizeof *bus);
    iobus_init(bus);
    FILE *log = tmpfile(), *con = tmpfile();
    DeviceHost host = { bus, log, DEV_LOG_POST };
    PostState post;
    DebugconState dc;
    DebugExitState dx;
    int status = -1;
    char err[160];
    post_init(&post, "post");
    debugcon_init(&dc, "debugcon", 0xE9, con);
    debugexit_init(&dx, "debug-exit", record_exit, &status);
    ck_assert_int_eq(device_realize(&post.dev, &host, err, sizeof err), 0);
    ck_assert_int_eq(device_realize(&dc.dev, &host, err, sizeof err), 0);
    ck_assert_int_eq(device_realize(&dx.dev, &host, err, sizeof err), 0);
    ck_assert_int_eq(device_realize(&dx.dev, &host, err, sizeof err), -1); /* twice */

    iobus_write(bus, 0x80, 1, 0x3C);
    iobus_write(bus, 0x80, 1, 0x05);
    ck_assert_uint_eq(iobus_read(bus, 0x80, 1), 0x05);
    char *text = slurp(log);
    ck_assert_str_eq(text, "POST: 0x3C\nPOST: 0x05\n");
    free(text);

    ck_assert_uint_eq(iobus_read(bus, 0xE9, 1), 0xE9); /* how guests detect the port */
    const char *msg = "hello\n";
    for (const char *p = msg; *p; p++)
        iobus_write(bus, 0xE9, 1, (uint8_t)*p);
    text = slurp(con); /* already flushed: nothing waits in a buffer */
    ck_assert_str_eq(text, "hello\n");
    free(text);

    iobus_write(bus, 0xF4, 2, 0x172A); /* only the low byte reaches 0xF4 */
    ck_assert_int_eq(status, 0x2A);
    iobus_write(bus, 0xF4, 1, 0);
    ck_assert_int_eq(status, 0);

    /* a second realize on the same ports fails with the owner named */
    PostState post2;
    post_init(&post2, "post2");
    ck_assert_int_eq(device_realize(&post2.dev, &host, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "already belongs to post"));

    device_unrealize(&dx.dev);
    device_unrealize(&dc.dev);
    device_unrealize(&post.dev);
    for (unsigned p = 0; p < 0x10000; p++)
        loop_assert_msg(bus->map[p] == 0, "port 0x%x still claimed", p);
    fclose(log);
    fclose(con);
    free(bus);
}
END_TEST

/* ---- the state walker ---- */

typedef struct Inner {
    uint16_t w;
    bool on;
} Inner;

typedef struct Outer {
    uint8_t b;
    uint32_t d;
    uint64_t q;
    uint8_t arr[3];
    uint8_t raw[4];
    Inner in[2];
} Outer;

static const StateField inner_fields[] = { STATE_U16(Inner, w, 1), STATE_BOOL(Inner, on, 2) };
static const StateDesc inner_desc = { "inner", 2, inner_fields, STATE_NFIELDS(inner_fields) };
static const StateField outer_fields[] = {
    STATE_U8(Outer, b, 1), STATE_U32(Outer, d, 1), STATE_U64(Outer, q, 1),
    STATE_U8_ARRAY(Outer, arr, 3, 1), STATE_BYTES(Outer, raw, 4, 1),
    STATE_STRUCT_ARRAY(Outer, in, 2, Inner, inner_desc, 1),
};
static const StateDesc outer_desc = { "outer", 1, outer_fields, STATE_NFIELDS(outer_fields) };

static void count_visit(void *opaque, const char *path, const StateField *f, const void *elem)
{
    (void)path, (void)f, (void)elem;
    (*(int *)opaque)++;
}

START_TEST(test_state_walker)
{
    Outer o = { 0x12, 0xDEADBEEF, 0x0123456789ABCDEFull, { 1, 2, 3 }, { 0xCA, 0xFE, 0, 1 },
                { { 0x55AA, true }, { 7, false } } };
    FILE *m = tmpfile();
    state_dump(m, "dev", &outer_desc, &o);
    char *text = slurp(m);
    fclose(m);
    ck_assert_str_eq(text, "dev.b=0x12\n"
                           "dev.d=0xdeadbeef\n"
                           "dev.q=0x0123456789abcdef\n"
                           "dev.arr[0]=0x01\n"
                           "dev.arr[1]=0x02\n"
                           "dev.arr[2]=0x03\n"
                           "dev.raw=cafe0001\n"
                           "dev.in[0].w=0x55aa\n"
                           "dev.in[0].on=1\n"
                           "dev.in[1].w=0x0007\n"
                           "dev.in[1].on=0\n");
    free(text);
    int n = 0;
    state_walk(&outer_desc, &o, NULL, count_visit, &n);
    ck_assert_int_eq(n, 11);
    /* set refuses what the field cannot hold */
    const StateField *fb = &outer_fields[0], *fon = &inner_fields[1];
    ck_assert_int_eq(state_set(fb, &o.b, 0x100), -1);
    ck_assert_int_eq(o.b, 0x12);
    ck_assert_int_eq(state_set(fb, &o.b, 0xFF), 0);
    ck_assert_uint_eq(state_get(fb, &o.b), 0xFF);
    ck_assert_int_eq(state_set(fon, &o.in[1].on, 2), -1);
    ck_assert_int_eq(state_set(fon, &o.in[1].on, 1), 0);
    ck_assert(o.in[1].on);
    ck_assert_int_eq(state_set(&outer_fields[4], o.raw, 0), -1); /* not a scalar */
    ck_assert_uint_eq(inner_fields[1].version, 2);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("machine");
    TCase *tc = tcase_create("parts");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_bios_errors);
    tcase_add_test(tc, test_bios_good);
    tcase_add_test(tc, test_ram_size_parsing);
    tcase_add_test(tc, test_ram_zero_and_hole);
    tcase_add_test(tc, test_iobus_dispatch);
    tcase_add_test(tc, test_small_devices);
    tcase_add_test(tc, test_state_walker);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
