/* Process start-up: load the program (and its loader), build the initial
 * stack as Linux does: argc, argv, envp, auxv, strings. */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <unistd.h>
#include "core/cpu.h"
#include "user/user.h"

enum { AT_NULL_ = 0, AT_PHDR_ = 3, AT_PHENT_ = 4, AT_PHNUM_ = 5, AT_PAGESZ_ = 6, AT_BASE_ = 7,
       AT_FLAGS_ = 8, AT_ENTRY_ = 9, AT_UID_ = 11, AT_EUID_ = 12, AT_GID_ = 13, AT_EGID_ = 14,
       AT_PLATFORM_ = 15, AT_HWCAP_ = 16, AT_CLKTCK_ = 17, AT_SECURE_ = 23, AT_RANDOM_ = 25,
       AT_EXECFN_ = 31 };

/* HWCAP as CPUID leaf 1 EDX: FPU TSC CX8 CMOV, exactly what we implement */
#define GUEST_HWCAP ((1u << 0) | (1u << 4) | (1u << 8) | (1u << 15))

static uint32_t push_bytes(UserProc *p, uint32_t *sp, const void *data, size_t n)
{
    *sp -= (uint32_t)n;
    e386_mem_write(p->cpu, *sp, data, n);
    return *sp;
}

int user_setup(UserProc *p, const char *path, int argc, char **argv, char **envp,
               char *err, size_t errlen)
{
    ElfImage exe, interp;
    memset(&interp, 0, sizeof interp);
    /* linear guest memory unless E386_LINEAR=0 (tests and CI legs force
     * the page map's path with it) */
    const char *lin = getenv("E386_LINEAR");
    e386_mem_linear(p->cpu, !(lin && strcmp(lin, "0") == 0));
    if (elf_load_file(p, path, 0, &exe, err, errlen) != 0)
        return -1;
    /* the kernel's /proc/self/exe is absolute; static glibc asserts so */
    char abs[PATH_MAX];
    snprintf(p->exe_path, sizeof p->exe_path, "%s", realpath(path, abs) ? abs : path);
    uint32_t entry = exe.entry;
    if (exe.interp[0]) {
        char ierr[256];
        if (elf_load_file(p, exe.interp, 1, &interp, ierr, sizeof ierr) != 0) {
            snprintf(err, errlen, "loader %s", ierr);
            return -1;
        }
        entry = interp.entry;
    }
    p->brk_start = p->brk_cur = exe.hi;

    uint32_t stack_lo = USER_STACK_TOP - USER_STACK_SIZE;
    /* the stack is a mapping of its own (Linux's VM_GROWSDOWN never merges) */
    if (mem_map_tagged(p->cpu, stack_lo, USER_STACK_SIZE, E386_PROT_READ | E386_PROT_WRITE,
                       vma_new_tag(&p->cpu->mem.vmas)) != 0) {
        snprintf(err, errlen, "cannot map the stack");
        return -1;
    }
    uint32_t sp = USER_STACK_TOP - 16;
    size_t strbytes = 0;
    int envc = 0;
    for (int i = 0; i < argc; i++) strbytes += strlen(argv[i]) + 1;
    for (; envp[envc]; envc++) strbytes += strlen(envp[envc]) + 1;
    if (strbytes > USER_STACK_SIZE / 4 || argc > 65536 || envc > 65536) {
        snprintf(err, errlen, "argument list too long");
        return -1;
    }
    uint32_t execfn = push_bytes(p, &sp, path, strlen(path) + 1);
    uint32_t *argp = malloc(sizeof(uint32_t) * ((size_t)argc + (size_t)envc + 2));
    if (!argp) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int i = envc - 1; i >= 0; i--)
        argp[argc + i] = push_bytes(p, &sp, envp[i], strlen(envp[i]) + 1);
    for (int i = argc - 1; i >= 0; i--)
        argp[i] = push_bytes(p, &sp, argv[i], strlen(argv[i]) + 1);
    uint32_t platform = push_bytes(p, &sp, "i686", 5);
    uint8_t rnd[16];
    if (getrandom(rnd, sizeof rnd, 0) != sizeof rnd)
        memset(rnd, 0x5a, sizeof rnd);
    uint32_t random = push_bytes(p, &sp, rnd, sizeof rnd);
    sp &= ~15u;

    uint32_t aux[][2] = {
        { AT_PHDR_, exe.phdr }, { AT_PHENT_, 32 }, { AT_PHNUM_, exe.phnum },
        { AT_PAGESZ_, 4096 }, { AT_BASE_, exe.interp[0] ? interp.lo : 0 }, { AT_FLAGS_, 0 },
        { AT_ENTRY_, exe.entry }, { AT_UID_, (uint32_t)getuid() }, { AT_EUID_, (uint32_t)geteuid() },
        { AT_GID_, (uint32_t)getgid() }, { AT_EGID_, (uint32_t)getegid() },
        { AT_HWCAP_, GUEST_HWCAP }, { AT_CLKTCK_, 100 }, { AT_SECURE_, 0 },
        { AT_RANDOM_, random }, { AT_PLATFORM_, platform }, { AT_EXECFN_, execfn }, { AT_NULL_, 0 },
    };
    size_t naux = sizeof aux / sizeof aux[0];
    size_t words = 1 + (size_t)argc + 1 + (size_t)envc + 1 + 2 * naux;
    sp -= (uint32_t)(words * 4);
    sp &= ~15u; /* argc sits at a 16-byte boundary */
    uint32_t w = sp;
    g_put32(p, w, (uint32_t)argc), w += 4;
    for (int i = 0; i < argc; i++) g_put32(p, w, argp[i]), w += 4;
    g_put32(p, w, 0), w += 4;
    for (int i = 0; i < envc; i++) g_put32(p, w, argp[argc + i]), w += 4;
    g_put32(p, w, 0), w += 4;
    for (size_t i = 0; i < naux; i++) {
        g_put32(p, w, aux[i][0]), w += 4;
        g_put32(p, w, aux[i][1]), w += 4;
    }
    /* for /proc/self: the strings' ranges (argv's run up to the first
     * environment string, pushed above them), the vector, the stack */
    p->arg_start = argc ? argp[0] : platform;
    p->arg_end = argc ? argp[argc - 1] + (uint32_t)strlen(argv[argc - 1]) + 1 : platform;
    p->env_start = envc ? argp[argc] : p->arg_end;
    p->env_end = envc ? argp[argc + envc - 1] + (uint32_t)strlen(envp[envc - 1]) + 1 : p->arg_end;
    p->start_stack = sp;
    p->auxv_words = 0;
    for (size_t i = 0; i < naux && p->auxv_words + 2 <= sizeof p->auxv / sizeof p->auxv[0]; i++) {
        p->auxv[p->auxv_words++] = aux[i][0];
        p->auxv[p->auxv_words++] = aux[i][1];
    }
    free(argp);
    /* the process's name (/proc/self/comm and stat, ps) is the program's,
     * as execve makes it: the last part of the path, 15 bytes of it */
    const char *base = strrchr(path, '/');
    prctl(PR_SET_NAME, base ? base + 1 : path);
    e386_reg_write(p->cpu, E386_ESP, sp);
    e386_reg_write(p->cpu, E386_EIP, entry);
    e386_reg_write(p->cpu, E386_EDX, 0); /* no atexit function from the "kernel" */
    return 0;
}
