/* -kernel/-initrd/-append: loading a Linux bzImage by the 32-bit boot
 * protocol (Linux Documentation/arch/x86/boot.rst, "32-bit BOOT
 * PROTOCOL"), with no BIOS.
 *
 * Three steps, so that a bad kernel never leaves a half-built machine:
 *   linux_boot_load   reads the files and checks everything the files
 *                     alone decide (before any machine exists);
 *   linux_boot_plan   places everything in a RAM of a given size, or says
 *                     why it does not fit (pure: writes nothing);
 *   linux_boot_enter  writes the plan into guest memory and points the CPU
 *                     at it; the machine calls it at creation and on every
 *                     reset (a reset reloads the kernel, as QEMU's -kernel
 *                     does: there is no firmware to run instead).
 *
 * Every header field is checked before it is used: a hostile bzImage can
 * neither make the loader read outside the file nor write outside RAM. */
#ifndef E386_SYSTEM_LINUX_H
#define E386_SYSTEM_LINUX_H
#include <stddef.h>
#include <stdint.h>
#include "e386.h"

#define LINUX_MIN_PROTOCOL 0x0206u /* cmdline_size; see linux_boot_check */
#define LINUX_MAX_FILE (1u << 30)  /* a kernel or initrd larger than this cannot fit 3 GiB of RAM usefully */

/* Where the loader puts its own things, all below 640 KiB.  The kernel
 * copies boot_params and the command line out before it reuses low
 * memory. */
#define LINUX_TRAMPOLINE_ADDR 0x8000u /* GDT + the real-to-protected-mode trampoline */
#define LINUX_ZERO_PAGE_ADDR 0x10000u /* boot_params, 4 KiB */
#define LINUX_CMDLINE_ADDR 0x20000u   /* the command line, up to LINUX_CMDLINE_END */
#define LINUX_CMDLINE_END 0x90000u

/* The boot protocol's flat segments (__BOOT_CS, __BOOT_DS). */
#define LINUX_BOOT_CS 0x10u
#define LINUX_BOOT_DS 0x18u

typedef struct LinuxBoot {
    uint8_t *kernel; /* the whole bzImage file */
    size_t kernel_size;
    uint8_t *initrd; /* NULL: no initrd */
    size_t initrd_size;
    const char *cmdline; /* never NULL: "" when there is none */
    char *cmdline_owned; /* what linux_boot_free frees (linux_boot_load's copy) */
} LinuxBoot;

/* Where everything goes (guest physical addresses). */
typedef struct LinuxPlan {
    uint16_t version;     /* the boot protocol, 0x020f for 2.15 */
    uint32_t hdr_end;     /* the setup header is file[0x1F1, hdr_end) */
    uint32_t setup_size;  /* the real-mode part: (setup_sects + 1) * 512 */
    uint32_t pm_size;     /* the protected-mode kernel: syssize * 16 bytes from setup_size */
    uint32_t load_addr;   /* where the protected-mode kernel is copied */
    uint32_t entry;       /* code32_start for that load address */
    uint32_t kernel_end;  /* the end of what the kernel needs (init_size from its runtime start) */
    uint32_t initrd_addr; /* 0: no initrd */
    uint32_t initrd_size;
    uint32_t ram_size;
} LinuxPlan;

/* Read the kernel (and the initrd, when initrd_path is not NULL) and
 * check the kernel's header; cmdline NULL means "".  0, or -1 with a
 * message naming the file, and nothing allocated. */
int linux_boot_load(const char *kernel_path, const char *initrd_path, const char *cmdline,
                    LinuxBoot *lb, char *err, size_t errlen);
void linux_boot_free(LinuxBoot *lb);
/* The checks that need only the files (linux_boot_load runs them). */
int linux_boot_check(const LinuxBoot *lb, char *err, size_t errlen);
/* Place the kernel, initrd, boot_params and command line in ram_size
 * bytes of RAM (the machine's map: 0-640K and 1M-ram_size). */
int linux_boot_plan(const LinuxBoot *lb, uint32_t ram_size, LinuxPlan *plan, char *err,
                    size_t errlen);
/* Write the plan into cpu's RAM and set the CPU (just reset, real mode)
 * to run the trampoline that enters the kernel.  0, or -1 with a message
 * (the plan does not fit: nothing written). */
int linux_boot_enter(E386Cpu *cpu, const LinuxBoot *lb, uint32_t ram_size, char *err,
                     size_t errlen);
#endif
