/* execve as Linux does it, decided before the process is replaced so
 * that every error reaches the caller: an i386 ELF runs under a new
 * emu386-user (this program again, with the guest's argv[0] kept), a
 * `#!` script runs its interpreter (itself resolved the same way, up to
 * Linux's nesting depth), a program for this host's own CPU runs
 * natively, and anything else fails with Linux's errno (EACCES for a
 * directory or a FIFO, ENOEXEC for an unknown format, ...). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "user/syscall.h"

enum {
    EXEC_MAXARG = 4096,    /* guest argv and envp entries we pass on */
    EXEC_MAXSTR = 65536,   /* one string */
    EXEC_SCRIPT_BUF = 256, /* BINPRM_BUF_SIZE: the #! line Linux looks at */
    EXEC_MAX_DEPTH = 5,    /* script levels after the first before ELOOP */
    EM_386_ = 3,
};

typedef enum { KIND_I386, KIND_NATIVE, KIND_SCRIPT } ExecKind;

/* The e_machine of this emulator's own executable: what runs natively. */
static int host_machine(const UserProc *p)
{
    uint8_t h[20];
    int fd = open(p->self_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, h, sizeof h);
    close(fd);
    if (n != (ssize_t)sizeof h || memcmp(h, "\177ELF", 4) != 0)
        return -1;
    return h[5] == 2 ? (h[18] << 8 | h[19]) : (h[19] << 8 | h[18]);
}

/* The guest's path as the host sees it (the -L sysroot first, as the
 * loader looks for the program interpreter). */
static void host_path(const UserProc *p, const char *path, char *out, size_t outlen)
{
    if (p->sysroot && path[0] == '/') {
        snprintf(out, outlen, "%s%s", p->sysroot, path);
        if (access(out, F_OK) == 0)
            return;
    }
    snprintf(out, outlen, "%s", path);
}

/* What path is, with Linux's errors for what cannot be executed.  For a
 * script, interp (and arg, "" when none) get the #! line's words. */
static int32_t classify(const UserProc *p, const char *path, ExecKind *kind, char *interp,
                        size_t interplen, char *arg, size_t arglen)
{
    char hp[4096];
    host_path(p, path, hp, sizeof hp);
    if (access(hp, X_OK) != 0)
        return host_err();
    int fd = open(hp, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* a FIFO must not block */
    if (fd < 0)
        return host_err();
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return -EACCES;
    }
    uint8_t b[EXEC_SCRIPT_BUF + 1];
    ssize_t n = pread(fd, b, EXEC_SCRIPT_BUF, 0);
    if (n < 0) {
        int32_t e = host_err();
        close(fd);
        return e;
    }
    if (n >= 4 && memcmp(b, "\177ELF", 4) == 0) {
        int machine = n >= 20 ? (b[5] == 2 ? (b[18] << 8 | b[19]) : (b[19] << 8 | b[18])) : -1;
        if (n >= 20 && b[4] == 1 && machine == EM_386_) {
            /* the new emu386-user would refuse a broken image after the
             * caller is gone: check the headers here (ENOEXEC) */
            size_t len = (size_t)st.st_size;
            uint8_t *all = len <= (256u << 20) ? malloc(len ? len : 1) : NULL;
            int ok = all && pread(fd, all, len, 0) == (ssize_t)len;
            ElfImage img;
            int dyn;
            char err[256];
            ok = ok && elf_probe(all, len, &img, &dyn, err, sizeof err) == 0;
            free(all);
            close(fd);
            if (!ok)
                return -ENOEXEC;
            if (img.interp[0]) { /* the program interpreter: ENOENT, EACCES for a FIFO... */
                char ip[4096];
                struct stat ist;
                host_path(p, img.interp, ip, sizeof ip);
                if (stat(ip, &ist) != 0)
                    return host_err();
                if (!S_ISREG(ist.st_mode))
                    return -EACCES;
            }
            *kind = KIND_I386;
            return 0;
        }
        close(fd);
        if (machine >= 0 && machine == host_machine(p)) {
            *kind = KIND_NATIVE;
            return 0;
        }
        return -ENOEXEC;
    }
    close(fd);
    if (n >= 2 && b[0] == '#' && b[1] == '!') {
        /* binfmt_script: the line up to '\n' (or the buffer's end), the
         * interpreter's name, then at most one argument, blanks trimmed */
        b[n] = 0;
        char *line = (char *)b + 2, *nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        else if (n == EXEC_SCRIPT_BUF)
            return -ENOEXEC; /* the interpreter's name might be cut off */
        line += strspn(line, " \t");
        size_t il = strcspn(line, " \t");
        if (il == 0 || il >= interplen)
            return -ENOEXEC;
        memcpy(interp, line, il);
        interp[il] = 0;
        char *rest = line + il;
        rest += strspn(rest, " \t");
        size_t rl = strlen(rest);
        while (rl > 0 && (rest[rl - 1] == ' ' || rest[rl - 1] == '\t'))
            rl--;
        if (rl >= arglen)
            return -ENOEXEC;
        memcpy(arg, rest, rl);
        arg[rl] = 0;
        *kind = KIND_SCRIPT;
        return 0;
    }
    return -ENOEXEC;
}

/* A guest string list (argv, envp) into strs[*n...], malloc'd. */
static int32_t copy_strings(UserProc *p, uint32_t list, uint32_t first, char **strs, int *n, int max)
{
    for (uint32_t i = first; list; i++) {
        uint32_t ptr;
        if (g_get32(p, list + 4 * i, &ptr))
            return -EFAULT;
        if (!ptr)
            break;
        if (*n >= max)
            return -E2BIG;
        char *s = malloc(EXEC_MAXSTR);
        if (!s)
            return -ENOMEM;
        int32_t r = g_strdup(p, ptr, s, EXEC_MAXSTR);
        if (r) {
            free(s);
            return r == -ENAMETOOLONG ? -E2BIG : r;
        }
        strs[(*n)++] = s;
    }
    return 0;
}

/* execve of path (the guest's name for the file) */
static int32_t exec_path(UserProc *p, char path[static 4096], uint32_t argv_a, uint32_t envp_a)
{
    int32_t r;
    if (strcmp(path, "/proc/self/exe") == 0) /* the guest program, not us */
        snprintf(path, 4096, "%s", p->exe_path);
    /* the guest's arguments: argv[0] (may be absent), then the rest */
    int cap = EXEC_MAXARG + 2 * EXEC_MAX_DEPTH + 8;
    char **gargv = calloc((size_t)cap + 1, sizeof *gargv), **envp = calloc(EXEC_MAXARG + 1, sizeof *envp);
    char **argv = calloc((size_t)cap + 8, sizeof *argv);
    int ng = 0, ne = 0, na = 0;
    r = -ENOMEM;
    if (!gargv || !envp || !argv)
        goto out;
    /* room at the front for the interpreters' words */
    int front = 2 * EXEC_MAX_DEPTH + 2;
    ng = front;
    if ((r = copy_strings(p, argv_a, 0, gargv, &ng, cap)) != 0 ||
        (r = copy_strings(p, envp_a, 0, envp, &ne, EXEC_MAXARG)) != 0)
        goto out;
    /* resolve scripts: argv becomes interp [arg] script args[1..] */
    int first = front;
    char target[4096];
    snprintf(target, sizeof target, "%s", path);
    ExecKind kind;
    char interp_words[2][EXEC_SCRIPT_BUF];
    for (int depth = 0;; depth++) {
        char *interp = interp_words[0], *arg = interp_words[1];
        if ((r = classify(p, target, &kind, interp, EXEC_SCRIPT_BUF, arg, EXEC_SCRIPT_BUF)) != 0)
            goto out;
        if (kind != KIND_SCRIPT)
            break;
        if (depth >= EXEC_MAX_DEPTH) { /* exec_binprm(): a 6th script level */
            r = -ELOOP;
            goto out;
        }
        /* binfmt_script: argv[0] goes, then the script's path, the
         * argument and the interpreter's name go in front */
        if (first < ng) {
            free(gargv[first]);
            gargv[first++] = NULL;
        }
        char *w[3] = { strdup(target), arg[0] ? strdup(arg) : NULL, strdup(interp) };
        if (!w[0] || !w[2] || (arg[0] && !w[1])) {
            free(w[0]), free(w[1]), free(w[2]);
            r = -ENOMEM;
            goto out;
        }
        gargv[--first] = w[0];
        if (w[1])
            gargv[--first] = w[1];
        gargv[--first] = w[2];
        snprintf(target, sizeof target, "%s", interp);
    }
    fflush(NULL);
    sigset_t saved;
    user_sigmask_for_exec(p, &saved); /* execve keeps it */
    if (kind == KIND_NATIVE) {
        char hp[4096];
        host_path(p, target, hp, sizeof hp);
        for (int k = first; k < ng; k++)
            argv[na++] = gargv[k];
        argv[na] = NULL;
        execve(hp, argv, envp);
        r = host_err();
        pthread_sigmask(SIG_SETMASK, &saved, NULL);
        goto out;
    }
    argv[na++] = p->self_path;
    if (p->sysroot) {
        argv[na++] = "-L";
        argv[na++] = (char *)p->sysroot;
    }
    if (first < ng && gargv[first]) { /* keep the guest's argv[0] */
        argv[na++] = "-0";
        argv[na++] = gargv[first];
    }
    argv[na++] = "--";
    argv[na++] = target;
    for (int k = first + 1; k < ng; k++)
        argv[na++] = gargv[k];
    argv[na] = NULL;
    execve(p->self_path, argv, envp);
    r = host_err();
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
out:
    if (gargv)
        for (int k = 0; k < ng; k++)
            free(gargv[k]);
    if (envp)
        for (int k = 0; k < ne; k++)
            free(envp[k]);
    free(gargv);
    free(envp);
    free(argv);
    return r;
}

int32_t sys_execve(UserProc *p, uint32_t path_a, uint32_t argv_a, uint32_t envp_a)
{
    char path[4096];
    int32_t r = g_strdup(p, path_a, path, sizeof path);
    return r ? r : exec_path(p, path, argv_a, envp_a);
}

/* execveat (fexecve is execveat(fd, "", ..., AT_EMPTY_PATH)): the file
 * dirfd and path name, by the name the host gives dirfd in /proc.  Not
 * by /proc/self/fd/N itself: the next emulator opens the program after
 * the exec, when a close-on-exec descriptor (CPython's) is gone; so a
 * file renamed or deleted since it was opened cannot be run this way. */
int32_t sys_execveat(UserProc *p, uint32_t dirfd, uint32_t path_a, uint32_t argv_a, uint32_t envp_a,
                     uint32_t flags)
{
    enum { G_AT_SYMLINK_NOFOLLOW = 0x100, G_AT_EMPTY_PATH = 0x1000 };
    if (flags & ~(uint32_t)(G_AT_SYMLINK_NOFOLLOW | G_AT_EMPTY_PATH))
        return -EINVAL;
    char name[4096], dir[4096], path[4096], proc[64];
    int32_t r = g_strdup(p, path_a, name, sizeof name);
    if (r)
        return r;
    int fd = (int)dirfd;
    if (name[0] == '/' || (name[0] && fd == -100)) { /* absolute, or relative to the cwd */
        snprintf(path, sizeof path, "%s", name);
    } else {
        if (!name[0] && !(flags & G_AT_EMPTY_PATH))
            return -ENOENT;
        if (fd < 0)
            return -EBADF;
        snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(proc, dir, sizeof dir - 1);
        if (n < 0)
            return -EBADF;
        dir[n] = 0;
        if (name[0]) {
            struct stat st;
            if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
                return -ENOTDIR;
            if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
                return -ENAMETOOLONG;
        } else {
            snprintf(path, sizeof path, "%s", dir);
        }
    }
    if (flags & G_AT_SYMLINK_NOFOLLOW) {
        struct stat st;
        char hp[4096];
        host_path(p, path, hp, sizeof hp);
        if (lstat(hp, &st) == 0 && S_ISLNK(st.st_mode))
            return -ELOOP;
    }
    return exec_path(p, path, argv_a, envp_a);
}
