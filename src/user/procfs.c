/* The guest's own /proc files.  The host's /proc/self describes the
 * emulator: its 64-bit mappings, its command line and environment, its
 * auxiliary vector.  A program that reads its own (glibc's
 * pthread_getattr_np looks for the main thread's stack in maps) gets
 * instead what Linux would show for the guest, made from the guest's
 * state when the file is opened and handed over as an anonymous file:
 *   maps     the mappings (core/vma.h) in Linux's format, named as Linux
 *            names them: the file a mapping came from (its path as the
 *            guest sees it, its device, inode and offset), [heap] for
 *            the brk area, [stack] for the one holding the initial stack;
 *   cmdline, environ  the bytes of the argument and environment strings
 *            in guest memory, as Linux reads them (a program may rewrite
 *            them);
 *   auxv     the vector the loader gave the program, in guest words.
 * Mapping names are kept by VMA tag: a file's mapping has a tag of its
 * own (mmap.c, elf.c), which its pieces keep when split. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "core/cpu.h"
#include "user/user.h"

typedef struct MapName {
    uint32_t tag, start; /* the mapping's tag; the address file offset off was mapped at */
    int kind, live; /* kind: USER_MAP_SHARED, _FILE or _COPY (user.h); live: names_gc's mark */
    int rdonly;       /* the file was open read-only: a shared one can never be written */
    uint64_t off, dev, ino;
    char *path;          /* as the guest sees it; NULL: shared anonymous memory */
} MapName;

struct UserMapNames {
    MapName *v;          /* by increasing tag (tags are handed out in order) */
    uint32_t n, cap, gc_at;
};

static void name_free(MapName *m) { free(m->path); }

static MapName *name_of(const UserProc *p, uint32_t tag)
{
    const struct UserMapNames *t = p->map_names;
    if (!t || tag == VMA_TAG_ANON)
        return NULL;
    uint32_t lo = 0, hi = t->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (t->v[mid].tag < tag)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < t->n && t->v[lo].tag == tag ? &t->v[lo] : NULL;
}

/* Forget the names of tags no mapping has any more, once the table has
 * doubled since the last time: amortised, a file mapped and unmapped
 * again and again costs no more than once. */
static void names_gc(UserProc *p)
{
    struct UserMapNames *t = p->map_names;
    Vma v;
    for (uint64_t x = 0; vma_from(&p->cpu->mem.vmas, x, &v); x = v.end) {
        MapName *m = name_of(p, v.tag);
        if (m)
            m->live = 1;
    }
    uint32_t keep = 0;
    for (uint32_t i = 0; i < t->n; i++) {
        if (t->v[i].live) {
            t->v[i].live = 0;
            t->v[keep++] = t->v[i];
        } else {
            name_free(&t->v[i]);
        }
    }
    t->n = keep;
    t->gc_at = 2 * keep + 64;
}

static void add_name(UserProc *p, const MapName *m)
{
    if (!p->map_names && !(p->map_names = calloc(1, sizeof *p->map_names)))
        return; /* out of memory: the mapping shows without a name */
    struct UserMapNames *t = p->map_names;
    if (t->n >= t->gc_at)
        names_gc(p);
    if (t->n == t->cap) {
        uint32_t cap = t->cap ? 2 * t->cap : 16;
        MapName *v = realloc(t->v, cap * sizeof *v);
        if (!v)
            return;
        t->v = v;
        t->cap = cap;
    }
    uint32_t i = t->n++; /* tags come in order: this is the end, or near it */
    while (i > 0 && t->v[i - 1].tag > m->tag) {
        t->v[i] = t->v[i - 1];
        i--;
    }
    t->v[i] = *m;
}

/* The guest's path for a host file: inside the sysroot (-L), the part
 * after it, as the guest opened it. */
static void guest_visible(const UserProc *p, const char *host, char *out, size_t outlen)
{
    char root[PATH_MAX];
    size_t n;
    if (p->sysroot && realpath(p->sysroot, root) && (n = strlen(root)) > 1 && strncmp(host, root, n) == 0 &&
        host[n] == '/') {
        snprintf(out, outlen, "%s", host + n);
        return;
    }
    snprintf(out, outlen, "%s", host);
}

void user_name_mapping(UserProc *p, uint32_t tag, uint32_t start, uint64_t off, int host_fd, int kind)
{
    MapName m = { tag, start, kind, 0, 0, off, 0, 0, NULL };
    struct stat st;
    if (host_fd >= 0) {
        m.rdonly = (fcntl(host_fd, F_GETFL) & O_ACCMODE) == O_RDONLY;
        char link[64], host[PATH_MAX], guest[PATH_MAX];
        snprintf(link, sizeof link, "/proc/self/fd/%d", host_fd);
        ssize_t len = readlink(link, host, sizeof host - 1);
        if (len <= 0 || fstat(host_fd, &st) != 0)
            return;
        host[len] = 0;
        guest_visible(p, host, guest, sizeof guest);
        if (!(m.path = strdup(guest)))
            return;
        m.dev = st.st_dev;
        m.ino = st.st_ino;
    } else if (kind != USER_MAP_SHARED) {
        return; /* private anonymous memory has no name */
    }
    add_name(p, &m);
}

int user_mapping_kind(const UserProc *p, uint32_t tag)
{
    const MapName *m = name_of(p, tag);
    if (!m)
        return 0;
    return m->kind | (m->kind == USER_MAP_SHARED && m->rdonly ? USER_MAP_RDONLY : 0);
}

void user_mapping_retag(UserProc *p, uint32_t old_tag, uint32_t old_start, uint32_t new_tag, uint32_t new_start)
{
    const MapName *o = name_of(p, old_tag);
    if (!o)
        return;
    MapName m = *o;
    m.tag = new_tag;
    m.off = o->off + (old_start - o->start);
    m.start = new_start;
    if (o->path && !(m.path = strdup(o->path)))
        return;
    add_name(p, &m);
}

void user_procfs_free(UserProc *p)
{
    struct UserMapNames *t = p->map_names;
    if (!t)
        return;
    for (uint32_t i = 0; i < t->n; i++)
        name_free(&t->v[i]);
    free(t->v);
    free(t);
    p->map_names = NULL;
}

/* A growing text buffer; on running out of memory it stays short and
 * the open fails with ENOMEM. */
typedef struct Text { char *s; size_t n, cap; int oom; } Text;

static void put(Text *t, const void *b, size_t n)
{
    if (t->oom)
        return;
    if (t->n + n > t->cap) {
        size_t cap = t->cap ? t->cap : 4096;
        while (cap < t->n + n)
            cap *= 2;
        char *s = realloc(t->s, cap);
        if (!s) {
            t->oom = 1;
            return;
        }
        t->s = s;
        t->cap = cap;
    }
    memcpy(t->s + t->n, b, n);
    t->n += n;
}

/* Linux's show_map_vma: the name starts in column 74 (a 64-bit kernel's
 * padding, which an i386 process sees too); an unnamed line ends in a
 * space. */
static void maps_text(UserProc *p, Text *t)
{
    Vma v;
    for (uint64_t x = 0; vma_from(&p->cpu->mem.vmas, x, &v); x = v.end) {
        const MapName *m = name_of(p, v.tag);
        char line[PATH_MAX + 160];
        uint64_t off = m && m->path ? m->off + (v.start - m->start) : 0;
        int n = snprintf(line, sizeof line, "%08llx-%08llx %c%c%c%c %08llx %02x:%02x %llu ",
                         (unsigned long long)v.start, (unsigned long long)v.end,
                         v.prot & E386_PROT_READ ? 'r' : '-', v.prot & E386_PROT_WRITE ? 'w' : '-',
                         v.prot & E386_PROT_EXEC ? 'x' : '-', m && m->kind == USER_MAP_SHARED ? 's' : 'p',
                         (unsigned long long)off, m ? major(m->dev) : 0, m ? minor(m->dev) : 0,
                         (unsigned long long)(m ? m->ino : 0));
        const char *name = NULL;
        if (m)
            name = m->path ? m->path : "/dev/zero (deleted)";
        else if (v.start <= p->brk_cur && v.end >= p->brk_start && p->brk_start)
            name = "[heap]";
        else if (v.start <= p->start_stack && p->start_stack < v.end)
            name = "[stack]";
        if (name) {
            n--; /* the trailing space becomes the padding */
            n += snprintf(line + n, sizeof line - (size_t)n, "%*s%s", n < 73 ? 73 - n : 1, "", name);
        }
        if (n >= (int)sizeof line - 1)
            n = (int)sizeof line - 2;
        line[n++] = '\n';
        put(t, line, (size_t)n);
    }
}

static void guest_bytes(UserProc *p, Text *t, uint32_t start, uint32_t end)
{
    uint8_t b[4096];
    for (uint32_t a = start; a < end;) {
        uint32_t n = end - a > sizeof b ? (uint32_t)sizeof b : end - a;
        if (g_read(p, a, b, n) != 0)
            return; /* unmapped since: Linux stops there too */
        put(t, b, n);
        a += n;
    }
}

/* /proc/self/NAME, /proc/thread-self/NAME or /proc/PID/NAME with this
 * process's PID: NAME, or NULL. */
static const char *self_file(const char *path)
{
    static const char *const dirs[] = { "/proc/self/", "/proc/thread-self/" };
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
        if (strncmp(path, dirs[i], strlen(dirs[i])) == 0)
            return path + strlen(dirs[i]);
    if (strncmp(path, "/proc/", 6) != 0)
        return NULL;
    char *end;
    unsigned long pid = strtoul(path + 6, &end, 10);
    if (end == path + 6 || *end != '/' || pid != (unsigned long)getpid())
        return NULL;
    return end + 1;
}

int user_proc_open(UserProc *p, const char *path, uint32_t guest_flags, int32_t *ret)
{
    const char *name = self_file(path);
    enum { MAPS, CMDLINE, ENVIRON, AUXV } which;
    if (!name)
        return 0;
    if (strcmp(name, "maps") == 0)
        which = MAPS;
    else if (strcmp(name, "cmdline") == 0)
        which = CMDLINE;
    else if (strcmp(name, "environ") == 0)
        which = ENVIRON;
    else if (strcmp(name, "auxv") == 0)
        which = AUXV;
    else
        return 0;
    /* for writing (the host's file answers as Linux would: EACCES, or
     * for root an open whose writes fail), O_DIRECTORY or O_PATH: the
     * host's file, whose answer is the same */
    if ((guest_flags & 3) != 0 || (guest_flags & (0200000 | 010000000)))
        return 0;
    Text t = { NULL, 0, 0, 0 };
    switch (which) {
    case MAPS: maps_text(p, &t); break;
    case CMDLINE: guest_bytes(p, &t, p->arg_start, p->arg_end); break;
    case ENVIRON: guest_bytes(p, &t, p->env_start, p->env_end); break;
    case AUXV:
        for (uint32_t i = 0; i < p->auxv_words; i++) {
            uint8_t w[4];
            put_le(w, 4, p->auxv[i]);
            put(&t, w, 4);
        }
        break;
    }
    int fd = t.oom ? -1 : memfd_create("emu386-proc", (guest_flags & 02000000) ? MFD_CLOEXEC : 0);
    if (fd < 0) {
        *ret = t.oom ? -ENOMEM : -errno;
        free(t.s);
        return 1;
    }
    size_t done = 0;
    while (done < t.n) {
        ssize_t w = write(fd, t.s + done, t.n - done);
        if (w <= 0) {
            *ret = w < 0 ? -errno : -EIO;
            close(fd);
            free(t.s);
            return 1;
        }
        done += (size_t)w;
    }
    free(t.s);
    lseek(fd, 0, SEEK_SET);
    *ret = fd;
    return 1;
}
