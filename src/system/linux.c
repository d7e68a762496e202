/* The Linux 32-bit boot protocol loader (linux.h; Linux
 * Documentation/arch/x86/boot.rst).
 *
 * The bzImage is the real-mode setup ((setup_sects + 1) * 512 bytes, the
 * setup header at 0x1F1 inside it) followed by the protected-mode kernel
 * (syssize * 16 bytes).  The 32-bit protocol skips the real-mode setup:
 * the loader copies the protected-mode kernel into RAM, builds
 * boot_params ("the zero page": the setup header copied from the file,
 * an e820 memory map, screen_info, the command line and initrd pointers)
 * and enters code32_start in flat protected mode with ESI pointing at
 * boot_params.
 *
 * The public API (include/e386.h) cannot load GDTR or CR0, so the CPU does
 * it itself: a small trampoline written below 640 KiB runs in real mode
 * from the reset state, loads a GDT with the protocol's __BOOT_CS (0x10)
 * and __BOOT_DS (0x18) flat 4 GiB segments, sets CR0.PE, far-jumps to its
 * 32-bit half, which loads the data segments and the registers the
 * protocol asks for and jumps to code32_start.  The guest thus enters the
 * kernel by the same instructions a boot loader would execute; paging stays
 * off and interrupts stay disabled throughout. */
#include "system/linux.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the setup header (boot.rst, "THE REAL-MODE KERNEL HEADER") ---- */
enum {
    HDR_START = 0x1F1,       /* the header's first byte, in the file and in boot_params */
    HDR_SETUP_SECTS = 0x1F1, /* u8: 0 means 4 */
    HDR_SYSSIZE = 0x1F4,     /* u32, 2.04+: the protected-mode part in 16-byte units */
    HDR_VID_MODE = 0x1FA,    /* u16 */
    HDR_BOOT_FLAG = 0x1FE,   /* u16: 0xAA55 */
    HDR_JUMP = 0x200,        /* u16: a short jump; its second byte is the header's length past 0x202 */
    HDR_MAGIC = 0x202,       /* "HdrS" */
    HDR_VERSION = 0x206,     /* u16 */
    HDR_TYPE_OF_LOADER = 0x210,
    HDR_LOADFLAGS = 0x211,
    HDR_CODE32_START = 0x214,
    HDR_RAMDISK_IMAGE = 0x218,
    HDR_RAMDISK_SIZE = 0x21C,
    HDR_CMD_LINE_PTR = 0x228,     /* 2.02+ */
    HDR_INITRD_ADDR_MAX = 0x22C,  /* 2.03+ */
    HDR_KERNEL_ALIGNMENT = 0x230, /* 2.05+ */
    HDR_RELOCATABLE = 0x234,      /* u8, 2.05+ */
    HDR_CMDLINE_SIZE = 0x238,     /* 2.06+ */
    HDR_HARDWARE_SUBARCH = 0x23C, /* 2.07+ u32, then hardware_subarch_data u64 */
    HDR_SETUP_DATA = 0x250,       /* u64, 2.09+ */
    HDR_PREF_ADDRESS = 0x258,     /* u64, 2.10+ */
    HDR_INIT_SIZE = 0x260,        /* 2.10+ */
    HDR_MAX_END = 0x290,          /* boot_params has room for the header up to here */
};
enum { LOADED_HIGH = 0x01 };

/* ---- boot_params (arch/x86/include/uapi/asm/bootparam.h) ---- */
enum {
    BP_SIZE = 0x1000,
    /* screen_info at 0 */
    SI_EXT_MEM_K = 0x02, /* u16 */
    SI_VIDEO_MODE = 0x06,
    SI_VIDEO_COLS = 0x07,
    SI_VIDEO_LINES = 0x0E,
    SI_VIDEO_ISVGA = 0x0F,
    SI_VIDEO_POINTS = 0x10, /* u16 */
    BP_ALT_MEM_K = 0x1E0,   /* u32 */
    BP_E820_ENTRIES = 0x1E8,
    BP_E820_TABLE = 0x2D0, /* 20-byte entries: addr u64, size u64, type u32 */
};
enum { E820_RAM = 1, E820_RESERVED = 2 };

#define LOW_RAM_END 0xA0000u /* what a PC has below the hole */
#define EBDA_START 0x9FC00u  /* the last KiB below 640K, reserved as on a PC */
#define BIOS_AREA 0xF0000u   /* the system BIOS's 64 KiB, reserved */
#define HIGH_START 0x100000u
#define PAGE_MASK 0xFFFu

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16; }
static uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32; }
static void wr16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static void wr32(uint8_t *p, uint32_t v)
{
    wr16(p, v);
    wr16(p + 2, v >> 16);
}
static void wr64(uint8_t *p, uint64_t v)
{
    wr32(p, (uint32_t)v);
    wr32(p + 4, (uint32_t)(v >> 32));
}

/* ---- reading the files ---- */

/* The whole file, at most LINUX_MAX_FILE bytes (read up to one byte past
 * the limit rather than trusting a size from stat: pipes have none). */
static int read_file(const char *what, const char *path, uint8_t **data, size_t *size, char *err,
                     size_t errlen)
{
    *data = NULL;
    *size = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open %s '%s': %s", what, path, strerror(errno));
        return -1;
    }
    size_t cap = 1u << 20, len = 0;
    uint8_t *buf = malloc(cap);
    int rc = -1;
    if (!buf) {
        snprintf(err, errlen, "%s '%s': out of memory", what, path);
        goto out;
    }
    for (;;) {
        if (len == cap) {
            if (cap > LINUX_MAX_FILE) {
                snprintf(err, errlen, "%s '%s' is too large: the maximum is %u MiB", what, path,
                         LINUX_MAX_FILE >> 20);
                goto out;
            }
            size_t ncap = cap * 2 > LINUX_MAX_FILE + (size_t)1 ? LINUX_MAX_FILE + (size_t)1 : cap * 2;
            uint8_t *nb = realloc(buf, ncap);
            if (!nb) {
                snprintf(err, errlen, "%s '%s': out of memory", what, path);
                goto out;
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0 || len < cap) {
            if (ferror(f)) {
                snprintf(err, errlen, "cannot read %s '%s': %s", what, path,
                         errno ? strerror(errno) : "read error");
                goto out;
            }
            if (feof(f))
                break;
        }
    }
    if (len == 0) {
        snprintf(err, errlen, "%s '%s' is empty", what, path);
        goto out;
    }
    if (len > LINUX_MAX_FILE) {
        snprintf(err, errlen, "%s '%s' is too large: the maximum is %u MiB", what, path,
                 LINUX_MAX_FILE >> 20);
        goto out;
    }
    *data = buf;
    *size = len;
    buf = NULL;
    rc = 0;
out:
    free(buf);
    fclose(f);
    return rc;
}

int linux_boot_load(const char *kernel_path, const char *initrd_path, const char *cmdline,
                    LinuxBoot *lb, char *err, size_t errlen)
{
    memset(lb, 0, sizeof *lb);
    lb->cmdline = "";
    if (read_file("kernel", kernel_path, &lb->kernel, &lb->kernel_size, err, errlen) < 0)
        return -1;
    char sub[400];
    if (linux_boot_check(lb, sub, sizeof sub) < 0) {
        snprintf(err, errlen, "kernel '%s': %s", kernel_path, sub);
        goto fail;
    }
    if (initrd_path &&
        read_file("initrd", initrd_path, &lb->initrd, &lb->initrd_size, err, errlen) < 0)
        goto fail;
    if (cmdline) {
        size_t n = strlen(cmdline);
        lb->cmdline_owned = malloc(n + 1);
        if (!lb->cmdline_owned) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
        memcpy(lb->cmdline_owned, cmdline, n + 1);
        lb->cmdline = lb->cmdline_owned;
    }
    /* the command line against the kernel's cmdline_size, now it is known */
    if (linux_boot_check(lb, sub, sizeof sub) < 0) {
        snprintf(err, errlen, "kernel '%s': %s", kernel_path, sub);
        goto fail;
    }
    return 0;
fail:
    linux_boot_free(lb);
    return -1;
}

void linux_boot_free(LinuxBoot *lb)
{
    free(lb->kernel);
    free(lb->initrd);
    free(lb->cmdline_owned);
    memset(lb, 0, sizeof *lb);
    lb->cmdline = "";
}

/* ---- checking the header ---- */

/* What linux_boot_check learns from the header. */
typedef struct Header {
    uint16_t version;
    uint32_t hdr_end, setup_size, pm_size;
    uint8_t loadflags, relocatable;
    uint32_t code32_start, initrd_addr_max, kernel_alignment, cmdline_size, init_size;
    uint64_t pref_address;
} Header;

static int parse_header(const LinuxBoot *lb, Header *h, char *err, size_t errlen)
{
    const uint8_t *k = lb->kernel;
    size_t n = lb->kernel_size;
    memset(h, 0, sizeof *h);
    if (!k || n < HDR_MAGIC + 4) {
        snprintf(err, errlen, "not a bzImage: %zu bytes, too short for a Linux setup header", n);
        return -1;
    }
    if (rd16(k + HDR_BOOT_FLAG) != 0xAA55) {
        snprintf(err, errlen, "not a bzImage: no boot flag 0xAA55 at offset 0x1FE (found 0x%04X)",
                 rd16(k + HDR_BOOT_FLAG));
        return -1;
    }
    if (memcmp(k + HDR_MAGIC, "HdrS", 4)) {
        snprintf(err, errlen, "not a bzImage: no \"HdrS\" setup header magic at offset 0x202 "
                              "(a kernel older than boot protocol 2.00, or not a kernel)");
        return -1;
    }
    /* the header's own length: 0x202 + the jump's displacement byte */
    uint32_t end = HDR_MAGIC + (uint32_t)k[HDR_JUMP + 1];
    if (end > n) {
        snprintf(err, errlen, "truncated: the setup header ends at offset 0x%X, the file at 0x%zX",
                 end, n);
        return -1;
    }
    if (end < HDR_VERSION + 2) {
        snprintf(err, errlen, "corrupt setup header: it ends at offset 0x%X, before its version", end);
        return -1;
    }
    h->version = rd16(k + HDR_VERSION);
    /* 2.06 is the oldest protocol that says how long a command line the
     * kernel takes (cmdline_size); older kernels (before Linux 2.6.22)
     * also lack the relocation fields this loader relies on. */
    if (h->version < LINUX_MIN_PROTOCOL) {
        snprintf(err, errlen,
                 "boot protocol %u.%02u is too old: emu386 loads 2.06 and later (Linux 2.6.22+), "
                 "which say how long a command line the kernel takes",
                 h->version >> 8, h->version & 0xFF);
        return -1;
    }
    /* the fields this protocol version has must be inside the header */
    uint32_t need = h->version >= 0x020A ? HDR_INIT_SIZE + 4 : HDR_CMDLINE_SIZE + 4;
    if (end < need) {
        snprintf(err, errlen,
                 "corrupt setup header: protocol %u.%02u has fields up to offset 0x%X, the "
                 "header ends at 0x%X",
                 h->version >> 8, h->version & 0xFF, need, end);
        return -1;
    }
    h->hdr_end = end > HDR_MAX_END ? HDR_MAX_END : end;
    uint32_t sects = k[HDR_SETUP_SECTS] ? k[HDR_SETUP_SECTS] : 4u;
    h->setup_size = (sects + 1) * 512u;
    if (h->setup_size < h->hdr_end) {
        snprintf(err, errlen, "corrupt setup header: setup_sects %u leaves no room for the header",
                 sects);
        return -1;
    }
    uint64_t pm = (uint64_t)rd32(k + HDR_SYSSIZE) * 16u;
    if (pm == 0) {
        snprintf(err, errlen, "no protected-mode kernel in the file (syssize is 0)");
        return -1;
    }
    if (pm > LINUX_MAX_FILE) {
        snprintf(err, errlen, "syssize %u is too large: the most emu386 loads is %u MiB",
                 rd32(k + HDR_SYSSIZE), LINUX_MAX_FILE >> 20);
        return -1;
    }
    if (h->setup_size + pm > n) {
        snprintf(err, errlen,
                 "truncated: %zu bytes, the header says %llu (setup %u + syssize*16 %llu)", n,
                 (unsigned long long)(h->setup_size + pm), h->setup_size, (unsigned long long)pm);
        return -1;
    }
    h->pm_size = (uint32_t)pm; /* < n <= LINUX_MAX_FILE */
    h->loadflags = k[HDR_LOADFLAGS];
    if (!(h->loadflags & LOADED_HIGH)) {
        snprintf(err, errlen, "a zImage (loaded below 1 MiB): only bzImage kernels "
                              "(LOADED_HIGH) are supported");
        return -1;
    }
    h->code32_start = rd32(k + HDR_CODE32_START);
    if (h->code32_start < HIGH_START || h->code32_start - HIGH_START >= h->pm_size) {
        snprintf(err, errlen,
                 "code32_start 0x%X is outside the protected-mode kernel (0x100000, %u bytes)",
                 h->code32_start, h->pm_size);
        return -1;
    }
    h->initrd_addr_max = rd32(k + HDR_INITRD_ADDR_MAX);
    h->kernel_alignment = rd32(k + HDR_KERNEL_ALIGNMENT);
    h->relocatable = k[HDR_RELOCATABLE];
    h->cmdline_size = rd32(k + HDR_CMDLINE_SIZE);
    if (h->version >= 0x020A) {
        h->pref_address = rd64(k + HDR_PREF_ADDRESS);
        h->init_size = rd32(k + HDR_INIT_SIZE);
    }
    return 0;
}

int linux_boot_check(const LinuxBoot *lb, char *err, size_t errlen)
{
    Header h;
    if (parse_header(lb, &h, err, errlen) < 0)
        return -1;
    size_t len = strlen(lb->cmdline);
    /* cmdline_size does not count the terminating NUL */
    if (len > h.cmdline_size) {
        snprintf(err, errlen, "the command line is %zu bytes, the kernel takes at most %u", len,
                 h.cmdline_size);
        return -1;
    }
    if (len + 1 > LINUX_CMDLINE_END - LINUX_CMDLINE_ADDR) {
        snprintf(err, errlen, "the command line is %zu bytes, emu386 passes at most %u", len,
                 LINUX_CMDLINE_END - LINUX_CMDLINE_ADDR - 1);
        return -1;
    }
    if (lb->initrd && lb->initrd_size == 0) {
        snprintf(err, errlen, "the initrd is empty");
        return -1;
    }
    return 0;
}

/* ---- placing it in RAM ---- */

static int is_pow2(uint32_t v) { return v && !(v & (v - 1)); }

int linux_boot_plan(const LinuxBoot *lb, uint32_t ram_size, LinuxPlan *plan, char *err,
                    size_t errlen)
{
    Header h;
    memset(plan, 0, sizeof *plan);
    if (linux_boot_check(lb, err, errlen) < 0 || parse_header(lb, &h, err, errlen) < 0)
        return -1;
    const uint64_t ram_end = ram_size;
    /* The kernel's runtime start for a load address: where the
     * decompressor puts the kernel (a relocatable one aligns its load
     * address up to kernel_alignment, never below LOAD_PHYSICAL_ADDR, which
     * 2.10+ headers give as pref_address). */
    uint64_t load = HIGH_START, need = 0, run = HIGH_START;
    for (int pass = 0; pass < 2; pass++) {
        /* pass 0: a relocatable kernel at its preferred address, when it
         * fits; pass 1: the protocol's default, 1 MiB */
        if (pass == 0) {
            if (!h.relocatable || h.pref_address < HIGH_START || h.pref_address >= ram_end ||
                (is_pow2(h.kernel_alignment) && (h.pref_address & (h.kernel_alignment - 1))))
                continue;
            load = h.pref_address;
        } else {
            load = HIGH_START;
        }
        run = load;
        if (h.relocatable && is_pow2(h.kernel_alignment))
            run = (run + h.kernel_alignment - 1) & ~(uint64_t)(h.kernel_alignment - 1);
        if (h.pref_address > run)
            run = h.pref_address;
        need = load + h.pm_size;
        if (run + h.init_size > need)
            need = run + h.init_size;
        if (need <= ram_end)
            break;
    }
    if (need > ram_end || ram_end <= HIGH_START) {
        snprintf(err, errlen,
                 "the kernel is too large for RAM: it needs memory up to %llu MiB (%u bytes "
                 "loaded at 0x%llX, init_size %u from 0x%llX), and -m gives %u MiB",
                 (unsigned long long)((need + 0xFFFFF) >> 20), h.pm_size,
                 (unsigned long long)load, h.init_size, (unsigned long long)run, ram_size >> 20);
        return -1;
    }
    plan->version = h.version;
    plan->hdr_end = h.hdr_end;
    plan->setup_size = h.setup_size;
    plan->pm_size = h.pm_size;
    plan->load_addr = (uint32_t)load;
    plan->entry = (uint32_t)(load + (h.code32_start - HIGH_START));
    plan->kernel_end = (uint32_t)need;
    plan->ram_size = ram_size;
    if (lb->initrd) {
        /* as high as allowed: below initrd_addr_max (the highest address
         * its last byte may have) and the end of RAM, page aligned */
        uint64_t top = (uint64_t)h.initrd_addr_max + 1;
        if (top > ram_end)
            top = ram_end;
        uint64_t size = lb->initrd_size;
        if (size > top || ((top - size) & ~(uint64_t)PAGE_MASK) < need) {
            snprintf(err, errlen,
                     "the initrd is too large: %zu bytes do not fit between the kernel's end "
                     "(%llu MiB) and %llu MiB (initrd_addr_max 0x%X, -m %u MiB)",
                     lb->initrd_size, (unsigned long long)(need >> 20),
                     (unsigned long long)(top >> 20), h.initrd_addr_max, ram_size >> 20);
            memset(plan, 0, sizeof *plan);
            return -1;
        }
        plan->initrd_addr = (uint32_t)((top - size) & ~(uint64_t)PAGE_MASK);
        plan->initrd_size = (uint32_t)size;
    }
    return 0;
}

/* ---- entering it ---- */

static void e820_add(uint8_t *bp, uint64_t addr, uint64_t size, uint32_t type)
{
    uint8_t *e = bp + BP_E820_TABLE + 20u * bp[BP_E820_ENTRIES]++;
    wr64(e, addr);
    wr64(e + 8, size);
    wr32(e + 16, type);
}

/* boot_params for the plan, in a host buffer of BP_SIZE bytes. */
static void build_boot_params(uint8_t *bp, const LinuxBoot *lb, const LinuxPlan *p)
{
    memset(bp, 0, BP_SIZE);
    /* screen_info: no video.  isVGA 0 and an 80x25 text geometry, so code
     * that divides by the lines or columns (the early VGA console) cannot
     * divide by zero; vgacon finds no memory at 0xB8000 and stays off. */
    uint32_t ext_k = (p->ram_size - HIGH_START) >> 10;
    wr16(bp + SI_EXT_MEM_K, ext_k > 0xFFFF ? 0xFFFF : ext_k);
    bp[SI_VIDEO_MODE] = 3;
    bp[SI_VIDEO_COLS] = 80;
    bp[SI_VIDEO_LINES] = 25;
    bp[SI_VIDEO_ISVGA] = 0;
    wr16(bp + SI_VIDEO_POINTS, 16);
    wr32(bp + BP_ALT_MEM_K, ext_k);
    /* e820: RAM below 640K but its last KiB (where a PC's EBDA is), the
     * system BIOS area reserved, nothing at 0xA0000-0xEFFFF (the VGA and
     * option ROM window: not RAM), RAM from 1 MiB to the end of -m */
    e820_add(bp, 0, EBDA_START, E820_RAM);
    e820_add(bp, EBDA_START, LOW_RAM_END - EBDA_START, E820_RESERVED);
    e820_add(bp, BIOS_AREA, HIGH_START - BIOS_AREA, E820_RESERVED);
    e820_add(bp, HIGH_START, p->ram_size - HIGH_START, E820_RAM);
    /* the setup header as the file has it, then what the loader fills in */
    memcpy(bp + HDR_START, lb->kernel + HDR_START, p->hdr_end - HDR_START);
    wr16(bp + HDR_VID_MODE, 0xFFFF); /* "normal" */
    bp[HDR_TYPE_OF_LOADER] = 0xFF;   /* undefined loader */
    wr32(bp + HDR_CODE32_START, p->entry);
    wr32(bp + HDR_RAMDISK_IMAGE, p->initrd_addr);
    wr32(bp + HDR_RAMDISK_SIZE, p->initrd_size);
    wr32(bp + HDR_CMD_LINE_PTR, LINUX_CMDLINE_ADDR);
    /* a PC (subarch 0), no setup_data list: never trust the file's */
    if (p->hdr_end >= HDR_HARDWARE_SUBARCH + 12) {
        wr32(bp + HDR_HARDWARE_SUBARCH, 0);
        wr64(bp + HDR_HARDWARE_SUBARCH + 4, 0);
    }
    if (p->hdr_end >= HDR_SETUP_DATA + 8)
        wr64(bp + HDR_SETUP_DATA, 0);
}

/* The trampoline, at LINUX_TRAMPOLINE_ADDR (T), run in real mode with
 * CS = T >> 4, IP = 0.  Offsets are from T; the 32-bit half runs with
 * CS base 0, so its addresses are T + offset. */
enum {
    TR_CODE32 = 0x20, /* the 32-bit half */
    TR_MOV_ESP = 0x2F,   /* mov esp, imm32 */
    TR_MOV_ESI = 0x34,   /* mov esi, imm32 */
    TR_MOV_ENTRY = 0x3F, /* mov eax, imm32 */
    TR_GDTR = 0x50,
    TR_GDT = 0x58,
    TR_SIZE = 0x78,
};

static void build_trampoline(uint8_t *t, uint32_t entry)
{
    const uint32_t T = LINUX_TRAMPOLINE_ADDR;
    static const uint8_t code16[] = {
        0xFA,                               /* 00 cli */
        0xFC,                               /* 01 cld */
        0x2E, 0x0F, 0x01, 0x16, TR_GDTR, 0, /* 02 lgdt cs:[TR_GDTR] (24-bit base: T < 16 MiB) */
        0x0F, 0x20, 0xC0,                   /* 08 mov eax, cr0 */
        0x66, 0x83, 0xC8, 0x01,             /* 0B or eax, 1 (CR0.PE) */
        0x0F, 0x22, 0xC0,                   /* 0F mov cr0, eax */
        0x66, 0xEA, 0, 0, 0, 0,             /* 12 jmp dword LINUX_BOOT_CS:T+TR_CODE32 (offset below) */
        LINUX_BOOT_CS, 0,
        0xF4, 0xF4, 0xF4, 0xF4, 0xF4, 0xF4, /* 1A hlt: padding, never reached */
    };
    static const uint8_t code32[] = {
        0xB8, LINUX_BOOT_DS, 0, 0, 0, /* 20 mov eax, __BOOT_DS */
        0x8E, 0xD8,                   /* 25 mov ds, eax */
        0x8E, 0xC0,                   /* 27 mov es, eax */
        0x8E, 0xD0,                   /* 29 mov ss, eax */
        0x8E, 0xE0,                   /* 2B mov fs, eax */
        0x8E, 0xE8,                   /* 2D mov gs, eax */
        0xBC, 0, 0, 0, 0,             /* 2F mov esp, T (a stack below the trampoline) */
        0xBE, 0, 0, 0, 0,             /* 34 mov esi, boot_params */
        0x31, 0xED,                   /* 39 xor ebp, ebp */
        0x31, 0xFF,                   /* 3B xor edi, edi */
        0x31, 0xDB,                   /* 3D xor ebx, ebx */
        0xB8, 0, 0, 0, 0,             /* 3F mov eax, code32_start */
        0xFF, 0xE0,                   /* 44 jmp eax */
    };
    _Static_assert(sizeof code16 == TR_CODE32, "the 16-bit half fills up to TR_CODE32");
    _Static_assert(TR_CODE32 + sizeof code32 <= TR_GDTR, "the 32-bit half ends before the GDTR");
    _Static_assert(TR_MOV_ENTRY + 7 == TR_CODE32 + sizeof code32, "the offsets match the bytes");
    memset(t, 0xF4, TR_SIZE);
    memcpy(t, code16, sizeof code16);
    wr32(t + 0x14, T + TR_CODE32);
    memcpy(t + TR_CODE32, code32, sizeof code32);
    wr32(t + TR_MOV_ESP + 1, T);
    wr32(t + TR_MOV_ESI + 1, LINUX_ZERO_PAGE_ADDR);
    wr32(t + TR_MOV_ENTRY + 1, entry);
    /* GDTR: limit, base */
    wr16(t + TR_GDTR, 4 * 8 - 1);
    wr32(t + TR_GDTR + 2, T + TR_GDT);
    /* GDT: null, unused, __BOOT_CS (flat 4 GiB code, 32-bit, accessed),
     * __BOOT_DS (flat 4 GiB data, writable, accessed): Linux's own
     * arch/x86/boot/pm.c entries 0xC09B and 0xC093 */
    memset(t + TR_GDT, 0, 16);
    wr32(t + TR_GDT + LINUX_BOOT_CS, 0x0000FFFFu);
    wr32(t + TR_GDT + LINUX_BOOT_CS + 4, 0x00CF9B00u);
    wr32(t + TR_GDT + LINUX_BOOT_DS, 0x0000FFFFu);
    wr32(t + TR_GDT + LINUX_BOOT_DS + 4, 0x00CF9300u);
}

int linux_boot_enter(E386Cpu *cpu, const LinuxBoot *lb, uint32_t ram_size, char *err,
                     size_t errlen)
{
    LinuxPlan p;
    if (linux_boot_plan(lb, ram_size, &p, err, errlen) < 0)
        return -1;
    uint8_t *bp = malloc(BP_SIZE);
    if (!bp) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    build_boot_params(bp, lb, &p);
    uint8_t tramp[TR_SIZE];
    build_trampoline(tramp, p.entry);
    size_t cmdlen = strlen(lb->cmdline) + 1;
    /* every range was checked to lie in RAM by the plan */
    int rc = e386_mem_write(cpu, LINUX_ZERO_PAGE_ADDR, bp, BP_SIZE) |
             e386_mem_write(cpu, LINUX_CMDLINE_ADDR, lb->cmdline, cmdlen) |
             e386_mem_write(cpu, LINUX_TRAMPOLINE_ADDR, tramp, sizeof tramp) |
             e386_mem_write(cpu, p.load_addr, lb->kernel + p.setup_size, p.pm_size);
    if (lb->initrd)
        rc |= e386_mem_write(cpu, p.initrd_addr, lb->initrd, p.initrd_size);
    free(bp);
    /* the reset state, but CS:IP at the trampoline (a real-mode load:
     * base = selector * 16); EFLAGS as at reset, IF clear */
    rc |= e386_reg_write(cpu, E386_CS, LINUX_TRAMPOLINE_ADDR >> 4);
    rc |= e386_reg_write(cpu, E386_EIP, 0);
    rc |= e386_reg_write(cpu, E386_EFLAGS, 0x2);
    if (rc) {
        snprintf(err, errlen, "cannot write the kernel into guest RAM (%u MiB)", ram_size >> 20);
        return -1;
    }
    return 0;
}
