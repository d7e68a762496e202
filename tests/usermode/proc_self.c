/* A program's view of itself in /proc: maps (the main thread's stack
 * found by pthread_getattr_np, which reads it; each mapping's range,
 * rights, file offset, device, inode and name, through mprotect, munmap
 * and a moving mremap), cmdline (argv, rewritten too), environ, auxv and
 * comm.
 * Emulators that pass the host's files through show the emulator's own
 * (64-bit) mappings and command line.  Nothing printed depends on where
 * things are mapped or on how the program was linked. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

extern char **environ;
static char buf[1 << 20], buf2[1 << 20];
static char exe[4096];

/* the whole file, with read() only: no allocation between two reads */
static long slurp(const char *path, char *b)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    long n = 0, r;
    while ((r = read(fd, b + n, sizeof buf - 1 - (size_t)n)) > 0)
        n += r;
    close(fd);
    b[n] = 0;
    return n;
}

typedef struct Line {
    unsigned long start, end, off, ino;
    unsigned maj, min;
    char perms[5], name[4096];
} Line;

/* the maps line holding address a; 0 if none */
static int line_at(uintptr_t a, Line *out)
{
    memset(out, 0, sizeof *out);
    if (slurp("/proc/self/maps", buf) < 0)
        return 0;
    for (char *s = buf; *s;) {
        char *nl = strchr(s, '\n');
        if (!nl)
            break;
        *nl = 0;
        Line l;
        int used = 0;
        l.name[0] = 0;
        if (sscanf(s, "%lx-%lx %4s %lx %x:%x %lu %n", &l.start, &l.end, l.perms, &l.off, &l.maj, &l.min, &l.ino,
                   &used) >= 7) {
            snprintf(l.name, sizeof l.name, "%s", s + used);
            if (l.start <= a && a < l.end) {
                *out = l;
                return 1;
            }
        }
        s = nl + 1;
    }
    return 0;
}

static const char *yes(int c) { return c ? "yes" : "NO"; }

static void well_formed(void)
{
    long n = slurp("/proc/self/maps", buf);
    int lines = 0, ok = n > 0, sorted = 1;
    unsigned long prev_end = 0;
    for (char *s = buf; ok && *s;) {
        char *nl = strchr(s, '\n');
        Line l;
        int used = 0;
        if (!nl || sscanf(s, "%lx-%lx %4s %lx %x:%x %lu %n", &l.start, &l.end, l.perms, &l.off, &l.maj, &l.min,
                          &l.ino, &used) < 7 || strlen(l.perms) != 4 || l.start >= l.end ||
            ((l.start | l.end) & 0xfff)) {
            ok = 0;
            break;
        }
        if (l.start < prev_end)
            sorted = 0;
        prev_end = l.end;
        lines++;
        s = nl + 1;
    }
    printf("maps: every line well-formed: %s, in order without overlaps: %s, more than 3 lines: %s\n", yes(ok),
           yes(sorted), yes(lines > 3));
}

static void stack_and_heap(void)
{
    pthread_attr_t a;
    void *addr = 0;
    size_t size = 0;
    int local = 0;
    int r = pthread_getattr_np(pthread_self(), &a);
    if (r == 0)
        pthread_attr_getstack(&a, &addr, &size);
    printf("pthread_getattr_np of the main thread: %d, its stack holds a local: %s\n", r,
           yes(r == 0 && (char *)&local >= (char *)addr && (char *)&local < (char *)addr + size));
    Line l;
    int found = line_at((uintptr_t)&local, &l);
    printf("a local's line: found %s, rw-p %s, [stack] %s\n", yes(found), yes(!strcmp(l.perms, "rw-p")),
           yes(!strcmp(l.name, "[stack]")));
    char *small = malloc(100);
    found = line_at((uintptr_t)small, &l);
    printf("a small malloc's line: found %s, [heap] %s\n", yes(found), yes(!strcmp(l.name, "[heap]")));
    free(small);
}

/* the bytes at a in memory are the file's at the line's offset for a */
static int offset_right(uintptr_t a, const Line *l)
{
    int fd = open(exe, O_RDONLY);
    unsigned char f[64];
    int ok = fd >= 0 && pread(fd, f, sizeof f, (off_t)(l->off + (a - l->start))) == (ssize_t)sizeof f &&
             memcmp(f, (void *)a, sizeof f) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

static void program_and_files(void)
{
    Line l;
    uintptr_t code = (uintptr_t)(void *)&program_and_files;
    int found = line_at(code, &l);
    printf("this function's line: found %s, r-xp %s, named by the program's path %s, its offset right %s\n",
           yes(found), yes(!strcmp(l.perms, "r-xp")), yes(!strcmp(l.name, exe)), yes(offset_right(code, &l)));

    int fd = open(exe, O_RDONLY);
    struct stat st;
    fstat(fd, &st);
    /* three pages kept PROT_NONE, the file mapped over the first two:
     * the third stops the second from growing in place below */
    char *r = mmap(0, 3 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *m = mmap(r, 2 * 4096, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 4096);
    found = line_at((uintptr_t)m + 4096, &l);
    printf("a file mapping's line: found %s, r--p %s, offset 0x1000 %s, its range %s, the file's path %s, "
           "device %s, inode %s\n",
           yes(found), yes(!strcmp(l.perms, "r--p")), yes(l.off == 4096), yes(l.start == (uintptr_t)m && l.end == (uintptr_t)m + 8192),
           yes(!strcmp(l.name, exe)), yes(makedev(l.maj, l.min) == st.st_dev), yes(l.ino == st.st_ino));
    char *q = mremap(m + 4096, 4096, 2 * 4096, MREMAP_MAYMOVE);
    found = q != MAP_FAILED && line_at((uintptr_t)q, &l);
    printf("its second page moved by mremap and grown: moved %s, the line: offset 0x2000 %s, two pages %s, "
           "the file's path %s, the bytes right %s\n",
           yes(q != m + 4096), yes(l.off == 8192), yes(l.start == (uintptr_t)q && l.end == (uintptr_t)q + 8192),
           yes(!strcmp(l.name, exe)), yes(found && offset_right((uintptr_t)q, &l)));
    found = line_at((uintptr_t)m, &l);
    printf("its first page stays: offset 0x1000 %s, one page %s\n", yes(found && l.off == 4096),
           yes(l.start == (uintptr_t)m && l.end == (uintptr_t)m + 4096));
    munmap(r, 3 * 4096);
    munmap(q, 2 * 4096);
    close(fd);

    char *sh = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    found = line_at((uintptr_t)sh, &l);
    printf("shared anonymous memory: rw-s %s, named %s\n", yes(found && !strcmp(l.perms, "rw-s")), l.name);
    munmap(sh, 4096);
}

static void anonymous(void)
{
    /* five pages PROT_NONE, the middle three readable: a line of its own */
    char *g = mmap(0, 5 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *p = mmap(g + 4096, 3 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    Line l;
    int found = line_at((uintptr_t)p, &l);
    printf("three anonymous pages: r--p %s, exactly their range %s, no name %s, offset 0 %s, inode 0 %s\n",
           yes(found && !strcmp(l.perms, "r--p")), yes(l.start == (uintptr_t)p && l.end == (uintptr_t)p + 3 * 4096),
           yes(l.name[0] == 0), yes(l.off == 0), yes(l.ino == 0));
    mprotect(p + 4096, 4096, PROT_READ | PROT_WRITE);
    found = line_at((uintptr_t)p + 4096, &l);
    printf("the middle one made writable: rw-p %s, one page %s\n", yes(found && !strcmp(l.perms, "rw-p")),
           yes(l.start == (uintptr_t)p + 4096 && l.end == (uintptr_t)p + 8192));
    munmap(p + 4096, 4096);
    int gone = !line_at((uintptr_t)p + 4096, &l);
    found = line_at((uintptr_t)p, &l);
    printf("then unmapped: no line %s; its neighbours r--p %s\n", yes(gone),
           yes(found && !strcmp(l.perms, "r--p") && l.end == (uintptr_t)p + 4096));
    munmap(g, 5 * 4096);
}

static void same_maps(void)
{
    char path[64];
    long a = slurp("/proc/self/maps", buf);
    snprintf(path, sizeof path, "/proc/%d/maps", (int)getpid());
    long b = slurp(path, buf2);
    int pid_same = a > 0 && a == b && !memcmp(buf, buf2, (size_t)a);
    b = slurp("/proc/thread-self/maps", buf2);
    printf("/proc/PID/maps is /proc/self/maps: %s; /proc/thread-self/maps too: %s\n", yes(pid_same),
           yes(a > 0 && a == b && !memcmp(buf, buf2, (size_t)a)));
}

static void strings(int argc, char **argv)
{
    char want[4096];
    size_t n = 0;
    for (int i = 0; i < argc && n + strlen(argv[i]) + 1 < sizeof want; i++) {
        memcpy(want + n, argv[i], strlen(argv[i]) + 1);
        n += strlen(argv[i]) + 1;
    }
    long got = slurp("/proc/self/cmdline", buf);
    printf("cmdline is argv: %s\n", yes(got == (long)n && !memcmp(buf, want, n)));
    char saved = argv[0][0];
    argv[0][0] = 'Z';
    got = slurp("/proc/self/cmdline", buf);
    printf("cmdline after argv[0] is rewritten in place: %s\n", yes(got == (long)n && buf[0] == 'Z'));
    argv[0][0] = saved;

    n = 0;
    int fits = 1;
    for (char **e = environ; *e; e++) {
        size_t len = strlen(*e) + 1;
        if (n + len > sizeof buf2) {
            fits = 0;
            break;
        }
        memcpy(buf2 + n, *e, len);
        n += len;
    }
    got = slurp("/proc/self/environ", buf);
    printf("environ is the environment: %s\n", yes(fits && got == (long)n && !memcmp(buf, buf2, n)));
    /* the name execve gave the process: the program file's */
    got = slurp("/proc/self/comm", buf);
    const char *base = strrchr(exe, '/');
    char name[17]; /* Linux keeps 15 bytes of it */
    snprintf(name, sizeof name, "%.15s\n", base ? base + 1 : exe);
    printf("comm is the program's name: %s\n", yes(got > 0 && !strcmp(buf, name)));
}

static void auxv(void)
{
    long n = slurp("/proc/self/auxv", buf);
    unsigned long v[2];
    int pagesz = 0, entry = 0, phdr = 0, rnd = 0, end = 0, count = 0;
    for (long i = 0; i + (long)sizeof v <= n; i += (long)sizeof v) {
        memcpy(v, buf + i, sizeof v);
        count++;
        if (v[0] == AT_NULL) {
            /* an x86-64 kernel's file for a 32-bit process can go on past
               AT_NULL with zero pairs (it finds the end in 64-bit words);
               an i386 kernel's ends at it: both are accepted, nothing else */
            end = 1;
            for (long j = i; j < n; j++)
                end &= buf[j] == 0;
            break;
        }
        pagesz |= v[0] == AT_PAGESZ && v[1] == 4096;
        entry |= v[0] == AT_ENTRY && v[1] == getauxval(AT_ENTRY);
        phdr |= v[0] == AT_PHDR && v[1] == getauxval(AT_PHDR);
        rnd |= v[0] == AT_RANDOM && v[1] == getauxval(AT_RANDOM);
    }
    printf("auxv: AT_PAGESZ 4096 %s, AT_ENTRY %s, AT_PHDR %s, AT_RANDOM %s, ends with AT_NULL %s\n", yes(pagesz),
           yes(entry), yes(phdr), yes(rnd), yes(end && count > 5));
}

int main(int argc, char **argv)
{
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = 0;
    well_formed();
    stack_and_heap();
    program_and_files();
    anonymous();
    same_maps();
    strings(argc, argv);
    auxv();
    return 0;
}
