/* -kernel: the Linux 32-bit boot protocol loader (src/system/linux.c) with
 * synthetic bzImages built here: a setup header and a tiny 32-bit payload
 * that reports what it was entered with on port 0xE9 and exits through
 * port 0xF4, run through the machine API; then the layout (e820, the
 * zero page, the initrd as high as allowed) and every refusal. */
#define _POSIX_C_SOURCE 200809L /* mkstemp, fdopen, strdup */
#include <check.h>
#include "unit_main.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "system/linux.h"
#include "system/machine.h"

static void w16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static void w32(uint8_t *p, uint32_t v)
{
    w16(p, v);
    w16(p + 2, v >> 16);
}
static uint32_t r32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

/* The payload: writes CS, DS, ES, SS, EBP|EDI|EBX, CR0 bits 0-7 and
 * 24-31, EFLAGS bits 8-15 and boot_params >> 12 to port 0xE9 as raw
 * bytes, then the command line through cmd_line_ptr, then exits with
 * type_of_loader as the status (0xFF). */
static const uint8_t payload[] = {
    0x8C, 0xC8, 0xE6, 0xE9,             /* mov eax, cs; out 0xE9, al */
    0x8C, 0xD8, 0xE6, 0xE9,             /* mov eax, ds; out */
    0x8C, 0xC0, 0xE6, 0xE9,             /* mov eax, es; out */
    0x8C, 0xD0, 0xE6, 0xE9,             /* mov eax, ss; out */
    0x89, 0xE8, 0x09, 0xF8, 0x09, 0xD8, /* mov eax, ebp; or eax, edi; or eax, ebx */
    0xE6, 0xE9,                         /* out */
    0x0F, 0x20, 0xC0, 0xE6, 0xE9,       /* mov eax, cr0; out (PE) */
    0xC1, 0xE8, 0x18, 0xE6, 0xE9,       /* shr eax, 24; out (PG) */
    0x9C, 0x58, 0xC1, 0xE8, 0x08,       /* pushfd; pop eax; shr eax, 8 */
    0xE6, 0xE9,                         /* out (IF is bit 1) */
    0x89, 0xF0, 0xC1, 0xE8, 0x0C,       /* mov eax, esi; shr eax, 12 */
    0xE6, 0xE9,                         /* out */
    0x89, 0xF3,                         /* mov ebx, esi */
    0x8B, 0xB6, 0x28, 0x02, 0, 0,       /* mov esi, [esi + 0x228] (cmd_line_ptr) */
    0xAC,                               /* 1: lodsb */
    0x84, 0xC0, 0x74, 0x04,             /* test al, al; jz 2f */
    0xE6, 0xE9, 0xEB, 0xF7,             /* out 0xE9, al; jmp 1b */
    0x8A, 0x83, 0x10, 0x02, 0, 0,       /* 2: mov al, [ebx + 0x210] (type_of_loader) */
    0xE6, 0xF4,                         /* out 0xF4, al */
    0xF4,                               /* hlt */
};

typedef struct Opts {
    uint16_t version;
    uint8_t loadflags, relocatable, setup_sects;
    uint32_t code32_start, initrd_addr_max, kernel_alignment, cmdline_size, init_size;
    uint64_t pref_address;
    size_t pm_size; /* the protected-mode part, padded with HLT after the payload */
} Opts;

static Opts defaults(void)
{
    return (Opts){ .version = 0x020F, .loadflags = 0x01, .setup_sects = 1,
                   .code32_start = 0x100000, .initrd_addr_max = 0x7FFFFFFF,
                   .kernel_alignment = 0x200000, .cmdline_size = 2047, .init_size = 0x20000,
                   .pm_size = 4096 };
}

/* A bzImage: the setup part ((setup_sects + 1) sectors) with the header,
 * then the payload. */
static uint8_t *make_kernel(const Opts *o, size_t *len)
{
    uint32_t setup = ((o->setup_sects ? o->setup_sects : 4u) + 1) * 512u;
    *len = setup + o->pm_size;
    uint8_t *k = calloc(1, *len);
    k[0x1F1] = o->setup_sects;
    w32(k + 0x1F4, (uint32_t)(o->pm_size / 16));
    w16(k + 0x1FE, 0xAA55);
    k[0x200] = 0xEB;
    k[0x201] = 0x6A; /* the header ends at 0x26C (protocol 2.15) */
    memcpy(k + 0x202, "HdrS", 4);
    w16(k + 0x206, o->version);
    k[0x211] = o->loadflags;
    w32(k + 0x214, o->code32_start);
    w32(k + 0x22C, o->initrd_addr_max);
    w32(k + 0x230, o->kernel_alignment);
    k[0x234] = o->relocatable;
    w32(k + 0x238, o->cmdline_size);
    w32(k + 0x258, (uint32_t)o->pref_address);
    w32(k + 0x25C, (uint32_t)(o->pref_address >> 32));
    w32(k + 0x260, o->init_size);
    memset(k + setup, 0xF4, o->pm_size);
    memcpy(k + setup, payload, sizeof payload);
    return k;
}

static LinuxBoot boot_of(uint8_t *k, size_t len, const char *cmdline)
{
    return (LinuxBoot){ .kernel = k, .kernel_size = len, .cmdline = cmdline };
}

static char *temp_file(const void *data, size_t len)
{
    char *path = strdup("/tmp/emu386-test-linuxXXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    FILE *f = fdopen(fd, "wb");
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    fclose(f);
    return path;
}

typedef struct Run {
    int status;
    char msg[256];
    uint8_t console[512];
    size_t len;
} Run;

static Machine *new_machine(const LinuxBoot *lb, uint32_t ram, FILE *con)
{
    MachineConfig cfg = { .ram_size = ram, .no_reboot = true, .console = con, .kernel = lb };
    char err[256];
    Machine *m = machine_new(&cfg, NULL, err, sizeof err);
    ck_assert_msg(m != NULL, "%s", err);
    return m;
}

static void read_console(FILE *con, Run *out)
{
    long len = ftell(con);
    rewind(con);
    memset(out->console, 0, sizeof out->console);
    out->len = fread(out->console, 1, len < 511 ? (size_t)len : 511, con);
}

/* The payload's report for a command line. */
static void check_report(const Run *r, const char *cmdline)
{
    ck_assert_int_eq(r->status, 0xFF);
    ck_assert_uint_eq(r->len, 9 + strlen(cmdline));
    ck_assert_uint_eq(r->console[0], LINUX_BOOT_CS);
    ck_assert_uint_eq(r->console[1], LINUX_BOOT_DS);
    ck_assert_uint_eq(r->console[2], LINUX_BOOT_DS);
    ck_assert_uint_eq(r->console[3], LINUX_BOOT_DS);
    ck_assert_uint_eq(r->console[4], 0);                       /* EBP = EDI = EBX = 0 */
    ck_assert_uint_eq(r->console[5] & 1, 1);                    /* CR0.PE */
    ck_assert_uint_eq(r->console[6] & 0x80, 0);                 /* CR0.PG */
    ck_assert_uint_eq(r->console[7] & 2, 0);                    /* IF */
    ck_assert_uint_eq(r->console[8], LINUX_ZERO_PAGE_ADDR >> 12); /* ESI */
    ck_assert_mem_eq(r->console + 9, cmdline, strlen(cmdline));
}

START_TEST(test_boots_synthetic_kernel)
{
    Opts o = defaults();
    size_t len;
    uint8_t *k = make_kernel(&o, &len);
    uint8_t initrd[10000];
    for (size_t i = 0; i < sizeof initrd; i++)
        initrd[i] = (uint8_t)(i * 13 + 1);
    const char *cmdline = "console=ttyS0 hello";
    LinuxBoot lb = boot_of(k, len, cmdline);
    lb.initrd = initrd;
    lb.initrd_size = sizeof initrd;
    const uint32_t ram = 16u << 20;
    FILE *con = tmpfile();
    Machine *m = new_machine(&lb, ram, con);

    /* the CPU waits at the trampoline, in real mode */
    ck_assert_uint_eq(e386_reg_read(m->cpu, E386_CS), LINUX_TRAMPOLINE_ADDR >> 4);
    ck_assert_uint_eq(e386_reg_read(m->cpu, E386_EIP), 0);

    /* the zero page */
    uint8_t bp[4096];
    ck_assert_int_eq(e386_mem_read(m->cpu, LINUX_ZERO_PAGE_ADDR, bp, sizeof bp), 0);
    ck_assert_uint_eq(bp[0x210], 0xFF);                    /* type_of_loader */
    ck_assert_uint_eq(r32(bp + 0x228), LINUX_CMDLINE_ADDR); /* cmd_line_ptr */
    ck_assert_uint_eq(r32(bp + 0x214), 0x100000);          /* code32_start */
    ck_assert_mem_eq(bp + 0x202, "HdrS", 4);               /* the header copied */
    ck_assert_uint_eq(bp[0x0F], 0);                        /* orig_video_isVGA */
    ck_assert_uint_ne(bp[0x07], 0);                        /* orig_video_cols */
    ck_assert_uint_ne(bp[0x0E], 0);                        /* orig_video_lines */
    /* the initrd: as high as allowed (RAM end), page aligned */
    uint32_t rd = r32(bp + 0x218), rdsize = r32(bp + 0x21C);
    ck_assert_uint_eq(rdsize, sizeof initrd);
    ck_assert_uint_eq(rd, (ram - sizeof initrd) & ~0xFFFu);
    uint8_t back[sizeof initrd];
    ck_assert_int_eq(e386_mem_read(m->cpu, rd, back, sizeof back), 0);
    ck_assert_mem_eq(back, initrd, sizeof initrd);
    /* e820: RAM below 640K less the EBDA KiB, two reserved ranges, RAM
     * from 1 MiB to the end */
    static const struct { uint64_t addr, size; uint32_t type; } e820[] = {
        { 0, 0x9FC00, 1 }, { 0x9FC00, 0x400, 2 }, { 0xF0000, 0x10000, 2 },
        { 0x100000, (16u << 20) - 0x100000, 1 },
    };
    ck_assert_uint_eq(bp[0x1E8], 4);
    for (int i = 0; i < 4; i++) {
        const uint8_t *e = bp + 0x2D0 + 20 * i;
        ck_assert_uint_eq(r32(e) | (uint64_t)r32(e + 4) << 32, e820[i].addr);
        ck_assert_uint_eq(r32(e + 8) | (uint64_t)r32(e + 12) << 32, e820[i].size);
        ck_assert_uint_eq(r32(e + 16), e820[i].type);
    }
    /* the kernel at 1 MiB, the command line */
    uint8_t pm[sizeof payload];
    ck_assert_int_eq(e386_mem_read(m->cpu, 0x100000, pm, sizeof pm), 0);
    ck_assert_mem_eq(pm, payload, sizeof payload);
    char cl[64];
    ck_assert_int_eq(e386_mem_read(m->cpu, LINUX_CMDLINE_ADDR, cl, strlen(cmdline) + 1), 0);
    ck_assert_str_eq(cl, cmdline);

    Run r;
    r.status = machine_run(m, r.msg, sizeof r.msg);
    read_console(con, &r);
    check_report(&r, cmdline);

    /* a reset loads the kernel again and runs it from the start */
    ck_assert_int_eq(e386_mem_write(m->cpu, 0x100000, "\xF4", 1), 0); /* clobber its entry */
    rewind(con);
    machine_reset(m);
    r.status = machine_run(m, r.msg, sizeof r.msg);
    read_console(con, &r);
    check_report(&r, cmdline);
    machine_free(m);
    fclose(con);
    free(k);
}
END_TEST

/* A relocatable kernel goes to pref_address when it fits there, else to
 * 1 MiB; code32_start follows the load address. */
START_TEST(test_relocatable_pref_address)
{
    Opts o = defaults();
    o.relocatable = 1;
    o.pref_address = 0x400000;
    size_t len;
    uint8_t *k = make_kernel(&o, &len);
    LinuxBoot lb = boot_of(k, len, "");
    LinuxPlan p;
    char err[256];
    ck_assert_int_eq(linux_boot_plan(&lb, 16u << 20, &p, err, sizeof err), 0);
    ck_assert_uint_eq(p.load_addr, 0x400000);
    ck_assert_uint_eq(p.entry, 0x400000);
    ck_assert_uint_eq(p.kernel_end, 0x400000 + o.init_size);
    /* not enough RAM there: loading lower would not help, the
     * decompressor never runs below pref_address (LOAD_PHYSICAL_ADDR) */
    ck_assert_int_eq(linux_boot_plan(&lb, 0x410000, &p, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "too large for RAM"));
    /* a pref_address not aligned to kernel_alignment: loaded at 1 MiB, the
     * runtime start is still pref_address */
    w32(k + 0x258, 0x300000);
    ck_assert_int_eq(linux_boot_plan(&lb, 16u << 20, &p, err, sizeof err), 0);
    ck_assert_uint_eq(p.load_addr, 0x100000);
    ck_assert_uint_eq(p.entry, 0x100000);
    ck_assert_uint_eq(p.kernel_end, 0x300000 + o.init_size);
    w32(k + 0x258, 0x400000);

    FILE *con = tmpfile();
    Machine *m = new_machine(&lb, 16u << 20, con);
    Run r;
    r.status = machine_run(m, r.msg, sizeof r.msg);
    read_console(con, &r);
    check_report(&r, "");
    machine_free(m);
    fclose(con);
    free(k);
}
END_TEST

static void expect_check_error(const Opts *o, size_t cut, const char *cmdline, const char *what)
{
    size_t len;
    uint8_t *k = make_kernel(o, &len);
    LinuxBoot lb = boot_of(k, len - cut, cmdline);
    char err[256] = "";
    ck_assert_int_eq(linux_boot_check(&lb, err, sizeof err), -1);
    ck_assert_msg(strstr(err, what) != NULL, "'%s' not in '%s'", what, err);
    LinuxPlan p;
    ck_assert_int_eq(linux_boot_plan(&lb, 64u << 20, &p, err, sizeof err), -1);
    /* and no machine comes out of it */
    MachineConfig cfg = { .ram_size = 64u << 20, .kernel = &lb };
    ck_assert_ptr_null(machine_new(&cfg, NULL, err, sizeof err));
    ck_assert_msg(strstr(err, what) != NULL, "'%s' not in '%s'", what, err);
    free(k);
}

START_TEST(test_malformed_kernels)
{
    Opts o = defaults();
    size_t len;
    uint8_t *k = make_kernel(&o, &len);
    char err[256];

    /* too short for a header */
    LinuxBoot lb = boot_of(k, 0x100, "");
    ck_assert_int_eq(linux_boot_check(&lb, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "not a bzImage"));
    /* no boot flag */
    k[0x1FE] = 0;
    lb = boot_of(k, len, "");
    ck_assert_int_eq(linux_boot_check(&lb, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "boot flag 0xAA55"));
    k[0x1FE] = 0x55;
    /* no HdrS */
    k[0x202] = 'X';
    ck_assert_int_eq(linux_boot_check(&lb, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "HdrS"));
    k[0x202] = 'H';
    ck_assert_int_eq(linux_boot_check(&lb, err, sizeof err), 0);
    /* a header length past the end of the file */
    lb = boot_of(k, 0x210, "");
    ck_assert_int_eq(linux_boot_check(&lb, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "truncated"));
    /* a header too short for its own version */
    k[0x201] = 0x10;
    lb = boot_of(k, len, "");
    ck_assert_int_eq(linux_boot_check(&lb, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "corrupt setup header"));
    k[0x201] = 0x6A;
    free(k);

    o = defaults();
    o.version = 0x0204;
    expect_check_error(&o, 0, "", "boot protocol 2.04 is too old");
    o = defaults();
    o.loadflags = 0;
    expect_check_error(&o, 0, "", "zImage");
    /* truncated: one byte short of setup + syssize * 16 */
    o = defaults();
    expect_check_error(&o, 1, "", "truncated");
    /* setup_sects pointing past the end */
    o = defaults();
    k = make_kernel(&o, &len);
    k[0x1F1] = 200;
    lb = boot_of(k, len, "");
    ck_assert_int_eq(linux_boot_check(&lb, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "truncated"));
    /* syssize past the file, and near 2^32 (no overflow) */
    k[0x1F1] = 1;
    w32(k + 0x1F4, 0x100000);
    ck_assert_int_eq(linux_boot_check(&lb, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "truncated"));
    w32(k + 0x1F4, 0xFFFFFFFFu);
    ck_assert_int_eq(linux_boot_check(&lb, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "syssize 4294967295 is too large"));
    w32(k + 0x1F4, 0);
    ck_assert_int_eq(linux_boot_check(&lb, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "syssize is 0"));
    free(k);
    /* code32_start outside the kernel */
    o = defaults();
    o.code32_start = 0x100000 + (uint32_t)o.pm_size;
    expect_check_error(&o, 0, "", "code32_start");
    o.code32_start = 0x7C00;
    expect_check_error(&o, 0, "", "code32_start");
    /* a command line longer than cmdline_size */
    o = defaults();
    o.cmdline_size = 8;
    expect_check_error(&o, 0, "123456789", "the command line is 9 bytes");
}
END_TEST

START_TEST(test_does_not_fit)
{
    Opts o = defaults();
    o.init_size = 0x2000000; /* 32 MiB */
    size_t len;
    uint8_t *k = make_kernel(&o, &len);
    LinuxBoot lb = boot_of(k, len, "");
    LinuxPlan p;
    char err[256];
    ck_assert_int_eq(linux_boot_plan(&lb, 16u << 20, &p, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "too large for RAM"));
    MachineConfig cfg = { .ram_size = 16u << 20, .kernel = &lb };
    ck_assert_ptr_null(machine_new(&cfg, NULL, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "too large for RAM"));
    ck_assert_int_eq(linux_boot_plan(&lb, 64u << 20, &p, err, sizeof err), 0);
    /* a hostile pref_address (above 4 GiB, unaligned, past RAM): 1 MiB */
    k[0x234] = 1;
    w32(k + 0x25C, 1);
    ck_assert_int_eq(linux_boot_plan(&lb, 64u << 20, &p, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "too large for RAM"));
    w32(k + 0x25C, 0);
    w32(k + 0x258, 0x300001);
    ck_assert_int_eq(linux_boot_plan(&lb, 64u << 20, &p, err, sizeof err), 0);
    ck_assert_uint_eq(p.load_addr, 0x100000);
    w32(k + 0x258, 0xFFFFF000u);
    ck_assert_int_eq(linux_boot_plan(&lb, 64u << 20, &p, err, sizeof err), -1);
    w32(k + 0x258, 0);
    ck_assert_int_eq(linux_boot_plan(&lb, 64u << 20, &p, err, sizeof err), 0);
    ck_assert_uint_eq(p.load_addr, 0x100000);
    /* RAM that ends at 1 MiB has no room at all */
    o = defaults();
    free(k);
    k = make_kernel(&o, &len);
    lb = boot_of(k, len, "");
    ck_assert_int_eq(linux_boot_plan(&lb, 1u << 20, &p, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "too large for RAM"));

    /* the initrd: larger than the room above the kernel */
    size_t big = 15u << 20;
    uint8_t *rd = calloc(1, big);
    lb.initrd = rd;
    lb.initrd_size = big;
    ck_assert_int_eq(linux_boot_plan(&lb, 16u << 20, &p, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "initrd is too large"));
    ck_assert_int_eq(linux_boot_plan(&lb, 32u << 20, &p, err, sizeof err), 0);
    ck_assert_uint_eq(p.initrd_addr, (32u << 20) - big);
    /* below initrd_addr_max, not the end of RAM */
    w32(k + 0x22C, (24u << 20) - 1);
    ck_assert_int_eq(linux_boot_plan(&lb, 32u << 20, &p, err, sizeof err), 0);
    ck_assert_uint_eq(p.initrd_addr, (24u << 20) - big);
    ck_assert_uint_eq(p.initrd_addr + p.initrd_size - 1, (24u << 20) - 1); /* ends at the limit */
    w32(k + 0x22C, (8u << 20) - 1);
    ck_assert_int_eq(linux_boot_plan(&lb, 32u << 20, &p, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "initrd is too large"));
    /* an empty initrd */
    lb.initrd_size = 0;
    ck_assert_int_eq(linux_boot_check(&lb, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "initrd is empty"));
    free(rd);
    free(k);
}
END_TEST

START_TEST(test_files)
{
    Opts o = defaults();
    size_t len;
    uint8_t *k = make_kernel(&o, &len);
    char *kp = temp_file(k, len);
    char *rp = temp_file("initrd!", 7);
    char err[512];
    LinuxBoot lb;
    ck_assert_int_eq(linux_boot_load("/nonexistent/vmlinuz", NULL, NULL, &lb, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "cannot open kernel '/nonexistent/vmlinuz'"));
    ck_assert_ptr_null(lb.kernel);
    ck_assert_int_eq(linux_boot_load(kp, "/nonexistent/initrd", NULL, &lb, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "cannot open initrd '/nonexistent/initrd'"));
    ck_assert_ptr_null(lb.kernel);
    ck_assert_int_eq(linux_boot_load("/", NULL, NULL, &lb, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "cannot read kernel '/'"));
    char *empty = temp_file("", 0);
    ck_assert_int_eq(linux_boot_load(kp, empty, NULL, &lb, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "initrd"));
    ck_assert_ptr_nonnull(strstr(err, "is empty"));
    /* a file that is not a kernel: named in the message */
    ck_assert_int_eq(linux_boot_load(rp, NULL, NULL, &lb, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "not a bzImage"));
    ck_assert_ptr_nonnull(strstr(err, rp));
    /* a command line the kernel cannot take */
    char longline[3000];
    memset(longline, 'x', sizeof longline - 1);
    longline[sizeof longline - 1] = '\0';
    ck_assert_int_eq(linux_boot_load(kp, rp, longline, &lb, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "the command line is 2999 bytes, the kernel takes at most 2047"));
    ck_assert_ptr_null(lb.kernel);

    char cmd[] = "root=/dev/ram0";
    ck_assert_int_eq(linux_boot_load(kp, rp, cmd, &lb, err, sizeof err), 0);
    cmd[0] = 'X'; /* the loader keeps its own copy */
    ck_assert_str_eq(lb.cmdline, "root=/dev/ram0");
    ck_assert_uint_eq(lb.kernel_size, len);
    ck_assert_uint_eq(lb.initrd_size, 7);
    FILE *con = tmpfile();
    Machine *m = new_machine(&lb, 8u << 20, con);
    Run r;
    r.status = machine_run(m, r.msg, sizeof r.msg);
    read_console(con, &r);
    check_report(&r, "root=/dev/ram0");
    machine_free(m);
    fclose(con);
    linux_boot_free(&lb);
    ck_assert_ptr_null(lb.kernel);

    ck_assert_int_eq(linux_boot_load(kp, NULL, NULL, &lb, err, sizeof err), 0);
    ck_assert_str_eq(lb.cmdline, "");
    ck_assert_ptr_null(lb.initrd);
    linux_boot_free(&lb);

    unlink(kp);
    unlink(rp);
    unlink(empty);
    free(kp);
    free(rp);
    free(empty);
    free(k);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("linux_boot");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_boots_synthetic_kernel);
    tcase_add_test(tc, test_relocatable_pref_address);
    tcase_add_test(tc, test_malformed_kernels);
    tcase_add_test(tc, test_does_not_fit);
    tcase_add_test(tc, test_files);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return run_suite(suite()); }
