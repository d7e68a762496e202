/* emu386-user: run an i386 Linux program. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "gdb/gdb.h"
#include "gdb/gdb_tcp.h"
#include "user/user.h"

extern char **environ;

/* The host signal handler needs to find the process: the one piece of
 * global state, and it lives in the program, not the library. */
static UserProc *the_proc;

static void on_host_signal(int sig)
{
    if (the_proc)
        user_host_signal(the_proc, sig);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: emu386-user [options] program [args...]\n"
               "  -L dir        sysroot for the dynamic loader and libraries\n"
               "  -0 argv0      the program's argv[0] (default: its path)\n"
               "  -d list       debug output: syscall, unimp, fault\n"
               "  -E var=value  set a variable in the guest environment\n"
               "  -U var        remove a variable from the guest environment\n"
               "  -g PORT       wait for GDB on 127.0.0.1:PORT before the first instruction\n"
               "  -gdb tcp::PORT  the same, in emu386-system's spelling (docs/gdb.md)\n"
               "  -h            this help\n"
               "  --version     print the version\n");
}

int main(int argc, char **argv)
{
    static UserProc proc;
    UserProc *p = &proc;
    int i = 1;
    char **env = NULL;
    const char *argv0 = NULL, *gdb_spec = NULL;
    size_t nenv = 0;
    for (char **e = environ; *e; e++)
        nenv++;
    env = calloc(nenv + (size_t)argc + 1, sizeof *env);
    if (!env)
        return 1;
    for (size_t k = 0; k < nenv; k++)
        env[k] = environ[k];
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *o = argv[i];
        if (!strcmp(o, "--")) { i++; break; }
        if (!strcmp(o, "-h") || !strcmp(o, "--help")) { usage(stdout); return 0; }
        if (!strcmp(o, "--version")) { puts("emu386-user 0.1"); return 0; }
        if (i + 1 >= argc) { usage(stderr); return 2; }
        const char *v = argv[++i];
        if (!strcmp(o, "-L")) {
            p->sysroot = v;
        } else if (!strcmp(o, "-0")) {
            argv0 = v;
        } else if (!strcmp(o, "-d")) {
            p->debug_syscall = strstr(v, "syscall") != NULL;
            p->debug_unimp = strstr(v, "unimp") != NULL || p->debug_syscall;
            p->debug_fault = strstr(v, "fault") != NULL;
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
            return 2;
        }
    }
    env[nenv] = NULL;
    if (i >= argc) {
        usage(stderr);
        return 2;
    }
    p->cpu = e386_cpu_new();
    if (!p->cpu) {
        fprintf(stderr, "emu386-user: out of memory\n");
        return 1;
    }
    ssize_t n = readlink("/proc/self/exe", p->self_path, sizeof p->self_path - 1);
    if (n > 0) p->self_path[n] = 0;
    else snprintf(p->self_path, sizeof p->self_path, "%s", argv[0]);
    user_signal_init(p);
    p->host_handler = on_host_signal;
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
    the_proc = NULL;
    e386_cpu_free(p->cpu);
    return status;
}
