/* emu386-user: run an i386 Linux program. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "gdb/gdb.h"
#include "gdb/gdb_tcp.h"
#include "progs/disasm.h"
#include "user/syscall.h" /* user_signal_inherit */
#include "user/user.h"

extern char **environ;

/* The host signal handler needs to find the process: the one piece of
 * global state, and it lives in the program, not the library. */
static UserProc *the_proc;

static void on_host_signal(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    if (the_proc)
        user_host_signal(the_proc, sig, si->si_code, si->si_pid, (int)si->si_uid);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: emu386-user [options] program [args...]\n"
               "  -L dir        sysroot for the dynamic loader and libraries\n"
               "  -0 argv0      the program's argv[0] (default: its path)\n"
               "  -d list       logs, comma-separated (-d help says what each prints):\n"
               "                syscall,unimp,fault,int,in_asm,op,exec,cpu,page\n"
               "  -D file       write the logs to file instead of stderr\n"
               "  -E var=value  set a variable in the guest environment\n"
               "  -U var        remove a variable from the guest environment\n"
               "  -accel A      the engine: native (host code, x86-64 hosts: the default\n"
               "                there) or interp (the portable interpreter); also E386_ACCEL\n"
               "  -g PORT       wait for GDB on 127.0.0.1:PORT before the first instruction\n"
               "  -gdb tcp::PORT  the same, in emu386-system's spelling (docs/gdb.md)\n"
               "  -h            this help\n"
               "  --version     print the version\n");
}

/* The -d items: the runner's own logs (flags of UserProc) and the CPU's. */
enum { L_SYSCALL = 1, L_UNIMP = 2, L_FAULT = 4, L_PAGE = 8 };
static const struct {
    const char *name;
    int user, cpu;
    const char *what;
} log_items[] = {
    { "syscall", L_SYSCALL | L_UNIMP, 0, "each system call, its first arguments and result" },
    { "unimp", L_UNIMP, 0, "each system call number emu386 does not implement (once)" },
    { "fault", L_FAULT, 0, "each exception or INT the guest raises (before its signal)" },
    { "int", L_FAULT, 0, "the same as fault (user mode has no IDT of its own)" },
    { "in_asm", 0, E386_LOG_IN_ASM, "each guest instruction translated, disassembled (Capstone)" },
    { "op", 0, E386_LOG_OP, "each new block's pre-decoded operations, as the engine runs them" },
    { "exec", 0, E386_LOG_EXEC, "each translation block executed, one line (n= instructions before\n"
                                "        it, CS:EIP, linear address): chaining is off, every block shows;\n"
                                "        two runs diff line by line (docs/bisecting.md)" },
    { "cpu", 0, E386_LOG_CPU, "the CPU state before each translation block (chaining off too)" },
    { "page", L_PAGE, 0, "the guest's mappings at start and after each brk/mmap/munmap/mprotect/mremap" },
};
enum { NLOG_ITEMS = sizeof log_items / sizeof log_items[0] };

/* 0, 1 after -d help, -1 on an unknown item (message printed) */
static int parse_log(const char *list, int *user, int *cpu)
{
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        if (n == 4 && !strncmp(p, "help", 4)) {
            for (int i = 0; i < NLOG_ITEMS; i++)
                printf("%-7s %s\n", log_items[i].name, log_items[i].what);
            printf("mmu     (emu386-system only: user mode has no guest page tables)\n");
            return 1;
        }
        int i = 0;
        while (i < NLOG_ITEMS && (strlen(log_items[i].name) != n || strncmp(p, log_items[i].name, n)))
            i++;
        if (i == NLOG_ITEMS) {
            fprintf(stderr, "emu386-user: unknown -d item '%.*s'%s (try -d help)\n", (int)n, p,
                    n == 3 && !strncmp(p, "mmu", 3) ? ": page walks exist in emu386-system only" : "");
            return -1;
        }
        *user |= log_items[i].user;
        *cpu |= log_items[i].cpu;
        p += n;
        if (*p == ',')
            p++;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static UserProc proc;
    UserProc *p = &proc;
    /* the mask execve passed on is the guest's (user_signal_inherit); the
     * emulator's own runs with nothing blocked */
    sigset_t inherited, none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, &inherited);
    int i = 1;
    char **env = NULL;
    const char *argv0 = NULL, *gdb_spec = NULL;
    const char *log_path = NULL;
    int ulog = 0, cpulog = 0;
    size_t nenv = 0;
    for (char **e = environ; *e; e++)
        nenv++;
    env = calloc(nenv + (size_t)argc + 1, sizeof *env);
    if (!env)
        return 1;
    for (size_t k = 0; k < nenv; k++)
        env[k] = environ[k];
    int rc = -1; /* an exit status once the options say to stop */
    int accel = 0; /* -accel: E386_ACCEL_*; 0: the library's default */
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *o = argv[i];
        if (!strcmp(o, "--")) { i++; break; }
        if (!strcmp(o, "-h") || !strcmp(o, "--help")) { usage(stdout); rc = 0; break; }
        if (!strcmp(o, "--version")) { puts("emu386-user 0.1"); rc = 0; break; }
        if (i + 1 >= argc) { usage(stderr); rc = 2; break; }
        const char *v = argv[++i];
        if (!strcmp(o, "-L")) {
            p->sysroot = v;
        } else if (!strcmp(o, "-0")) {
            argv0 = v;
        } else if (!strcmp(o, "-d")) {
            int r = parse_log(v, &ulog, &cpulog);
            if (r) {
                rc = r < 0 ? 2 : 0;
                break;
            }
        } else if (!strcmp(o, "-D")) {
            log_path = v;
        } else if (!strcmp(o, "-accel")) {
            if ((accel = e386_accel_parse(v)) < 0) {
                fprintf(stderr, "emu386-user: -accel %s: native or interp\n", v);
                rc = 2;
                break;
            }
        } else if (!strcmp(o, "-g") || !strcmp(o, "-gdb")) {
            gdb_spec = v;
        } else if (!strcmp(o, "-E")) {
            env[nenv++] = (char *)v;
        } else if (!strcmp(o, "-U")) {
            size_t n = strlen(v);
            for (size_t k = 0; k < nenv; k++)
                if (!strncmp(env[k], v, n) && env[k][n] == '=')
                    env[k--] = env[--nenv];
        } else {
            fprintf(stderr, "emu386-user: unknown option %s\n", o);
            usage(stderr);
            rc = 2;
            break;
        }
    }
    if (rc >= 0) { /* help, version, -d help or a bad option: nothing ran */
        free(env);
        return rc;
    }
    env[nenv] = NULL;
    if (i >= argc) {
        usage(stderr);
        free(env);
        return 2;
    }
    p->debug_syscall = (ulog & L_SYSCALL) != 0;
    p->debug_unimp = (ulog & L_UNIMP) != 0;
    p->debug_fault = (ulog & L_FAULT) != 0;
    p->debug_page = (ulog & L_PAGE) != 0;
    if (log_path && !(p->log = fopen(log_path, "w"))) {
        fprintf(stderr, "emu386-user: -D %s: cannot open it\n", log_path);
        free(env);
        return 1;
    }
    p->cpu = e386_cpu_new();
    if (!p->cpu) {
        fprintf(stderr, "emu386-user: out of memory\n");
        free(env);
        return 1;
    }
    if (accel > 0 && e386_set_accel(p->cpu, accel) != accel) {
        fprintf(stderr, "emu386-user: -accel native: not built for this host\n");
        free(env);
        return 2;
    }
    ssize_t n = readlink("/proc/self/exe", p->self_path, sizeof p->self_path - 1);
    if (n > 0) p->self_path[n] = 0;
    else snprintf(p->self_path, sizeof p->self_path, "%s", argv[0]);
    user_signal_init(p);
    p->host_handler = (void (*)(void))on_host_signal;
    user_signal_inherit(p, &inherited);
    the_proc = p;
    char err[512];
    char *prog = argv[i];
    if (argv0)
        argv[i] = (char *)argv0; /* the guest's argv[0]; the path is prog */
    if (user_setup(p, prog, argc - i, argv + i, env, err, sizeof err) != 0) {
        fprintf(stderr, "emu386-user: %s: %s\n", prog, err);
        e386_cpu_free(p->cpu);
        free(env);
        return 126;
    }
    free(env);
    Disasm dis;
    disasm_open(&dis);
    if (cpulog) /* after the loader: the log starts at the program's first block */
        e386_set_log(p->cpu, cpulog, user_log(p), disasm_insn, &dis);
    if (p->debug_page)
        user_log_pages(p, "start");
    GdbTcp tcp = { -1, -1, 0 };
    if (gdb_spec) {
        GdbIo io;
        if (gdb_tcp_listen(&tcp, gdb_spec, err, sizeof err) < 0) {
            fprintf(stderr, "emu386-user: %s\n", err);
            e386_cpu_free(p->cpu);
            return 1;
        }
        fprintf(stderr, "emu386-user: waiting for gdb on 127.0.0.1:%d\n", tcp.port);
        gdb_tcp_io(&tcp, &io);
        p->gdb = gdb_new(p->cpu, &io, 1);
        p->gdb_pid = (int)getpid();
        if (!p->gdb) {
            fprintf(stderr, "emu386-user: out of memory\n");
            return 1;
        }
    }
    int status = user_run(p);
    gdb_free(p->gdb);
    gdb_tcp_close(&tcp);
    the_proc = NULL; /* before release: the host's signal handler reads the signalfd table */
    user_proc_release(p);
    e386_cpu_free(p->cpu);
    disasm_close(&dis);
    if (p->log)
        fclose(p->log);
    return status;
}
