/* Mappings as ranges (core/vma.c, user/mmap.c, user/elf.c): the work of
 * loading a 1 GiB .bss and of 300,000 mmaps, counted in operations (tree
 * nodes and page entries touched, VmaSet.ops), never in seconds; Linux's
 * max_map_count (mm/mmap.c, mm/mprotect.c: 65530 by default, ENOMEM past
 * it); mremap moving pages without touching them (mincore: the host pages
 * of untouched guest pages stay non-resident); the tree against a
 * page-by-page model. */
#define _GNU_SOURCE
#include <check.h>
#include "unit_main.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "core/cpu.h"
#include "user/user.h"

enum { RW = E386_PROT_READ | E386_PROT_WRITE, RO = E386_PROT_READ, ANON_PRIV = 0x22, FIXED = 0x10,
       MAX_MAP_COUNT = 65530 };

static UserProc *proc(void)
{
    UserProc *p = calloc(1, sizeof *p);
    p->cpu = e386_cpu_new();
    return p;
}

static void done(UserProc *p)
{
    e386_cpu_free(p->cpu);
    free(p);
}

/* a system call's result is an address, not -errno */
static int addr_ok(int32_t r) { return (uint32_t)r < (uint32_t)-4095; }

static VmaSet *vs(UserProc *p) { return &p->cpu->mem.vmas; }

/* 1 if the host page behind guest page g is resident */
static int resident(UserProc *p, uint32_t g)
{
    size_t hp = (size_t)sysconf(_SC_PAGESIZE);
    uint8_t *h = e386_mem_ptr(p->cpu, g, 1);
    ck_assert_ptr_nonnull(h);
    unsigned char vec = 0;
    ck_assert_int_eq(mincore((void *)((uintptr_t)h & ~(uintptr_t)(hp - 1)), 1, &vec), 0);
    return vec & 1;
}

/* An ELF with one PT_LOAD: 256 bytes of file data, then a 1 GiB .bss. */
START_TEST(test_load_1gib_bss_work_is_per_mapping_not_per_page_scan)
{
    static uint8_t elf[0x200];
    memset(elf, 0, sizeof elf);
    memcpy(elf, "\177ELF\1\1\1", 7);
    put_le(elf + 16, 2, 2);            /* ET_EXEC */
    put_le(elf + 18, 2, 3);            /* EM_386 */
    put_le(elf + 20, 4, 1);
    put_le(elf + 24, 4, 0x08048100);  /* entry */
    put_le(elf + 28, 4, 52);          /* phoff */
    put_le(elf + 40, 2, 52);
    put_le(elf + 42, 2, 32);
    put_le(elf + 44, 2, 1);
    uint8_t *ph = elf + 52;
    put_le(ph, 4, 1);                  /* PT_LOAD */
    put_le(ph + 4, 4, 0);
    put_le(ph + 8, 4, 0x08048000);
    put_le(ph + 16, 4, 0x100);         /* filesz */
    put_le(ph + 20, 4, (1u << 30) + 0x100); /* memsz */
    put_le(ph + 24, 4, 6);             /* RW */
    elf[0x1ff] = 0x5a;
    UserProc *p = proc();
    ElfImage img;
    memset(&img, 0, sizeof img);
    char err[256];
    uint64_t before = vs(p)->ops;
    ck_assert_int_eq(elf_load_buffer(p->cpu, elf, sizeof elf, 0, &img, err, sizeof err), 0);
    uint64_t pages = ((1u << 30) + 0x1000) >> 12, ops = vs(p)->ops - before;
    /* one page entry per page and a few tree steps; the old loader mapped
     * page by page with a scan of every region: about pages^2/2 */
    ck_assert_uint_le(ops, 2 * pages + 1000);
    ck_assert_uint_eq(vs(p)->count, 2); /* the file page, the anonymous .bss */
    uint32_t last = 0x08048000u + (1u << 30);
    uint8_t b = 0xff;
    ck_assert_int_eq(e386_mem_read(p->cpu, last + 0xfff, &b, 1), 0);
    ck_assert_uint_eq(b, 0);
    ck_assert_int_eq(e386_mem_prot(p->cpu, last) & E386_PROT_WRITE, E386_PROT_WRITE);
    ck_assert_int_eq(resident(p, 0x08048000u + (512u << 20)), 0); /* untouched: no host memory */
    done(p);
}
END_TEST

START_TEST(test_300000_mmaps_work_is_per_mapping)
{
    UserProc *p = proc();
    uint64_t before = vs(p)->ops;
    uint32_t prev = 0;
    for (int i = 0; i < 300000; i++) {
        int32_t a = sys_mmap2(p, 0, 4096, RW, ANON_PRIV, -1, 0);
        loop_assert(addr_ok(a));
        loop_assert((uint32_t)a != prev);
        prev = (uint32_t)a;
    }
    /* neighbours with the same rights merge, as on Linux */
    ck_assert_uint_le(vs(p)->count, 4);
    ck_assert_uint_le(vs(p)->ops - before, 300000ull * 64);
    done(p);
}
END_TEST

START_TEST(test_max_map_count_is_enforced_like_linux)
{
    UserProc *p = proc();
    /* three pages far from the rest, to split later */
    uint32_t x = 0x02000000;
    ck_assert_int_eq(sys_mmap2(p, x, 0x3000, RW, ANON_PRIV | FIXED, -1, 0), (int32_t)x);
    int32_t r = 0;
    for (int i = 0; i < 70000; i++) { /* alternating rights: nothing merges */
        r = sys_mmap2(p, 0, 4096, i & 1 ? RO : RW, ANON_PRIV, -1, 0);
        if (!addr_ok(r))
            break;
    }
    /* do_mmap refuses once map_count > max_map_count */
    ck_assert_int_eq(r, -ENOMEM);
    ck_assert_uint_eq(vs(p)->count, MAX_MAP_COUNT + 1);
    /* splits that add a mapping fail at the limit, nothing changes */
    ck_assert_int_eq(sys_munmap(p, x + 0x1000, 0x1000), -ENOMEM);
    ck_assert_int_eq(sys_mprotect(p, x + 0x1000, 0x1000, RO), -ENOMEM);
    ck_assert_int_eq(sys_mprotect(p, x, 0x1000, RO), -ENOMEM);
    ck_assert_int_eq(e386_mem_prot(p->cpu, x) & E386_PROT_WRITE, E386_PROT_WRITE);
    ck_assert_uint_eq(vs(p)->count, MAX_MAP_COUNT + 1);
    /* mprotect of a whole mapping and an unmap at an edge split nothing */
    ck_assert_int_eq(sys_mprotect(p, x, 0x3000, RO), 0);
    ck_assert_int_eq(sys_munmap(p, x, 0x1000), 0);
    ck_assert_uint_eq(vs(p)->count, MAX_MAP_COUNT + 1);
    ck_assert_int_eq(sys_munmap(p, x + 0x1000, 0x2000), 0);
    ck_assert_uint_eq(vs(p)->count, MAX_MAP_COUNT);
    /* at the limit (not past it) mmap works again */
    ck_assert(addr_ok(sys_mmap2(p, 0x03000000, 4096, RW, ANON_PRIV | FIXED, -1, 0)));
    ck_assert_int_eq(sys_mmap2(p, 0x03100000, 4096, RW, ANON_PRIV | FIXED, -1, 0), -ENOMEM);
    done(p);
}
END_TEST

START_TEST(test_mprotect_splits_and_merges_back)
{
    UserProc *p = proc();
    int32_t a = sys_mmap2(p, 0, 0x3000, RW, ANON_PRIV, -1, 0);
    ck_assert(addr_ok(a));
    uint32_t n = vs(p)->count;
    ck_assert_int_eq(sys_mprotect(p, (uint32_t)a + 0x1000, 0x1000, RO), 0);
    ck_assert_uint_eq(vs(p)->count, n + 2);
    ck_assert_int_eq(sys_mprotect(p, (uint32_t)a + 0x1000, 0x1000, RW), 0);
    ck_assert_uint_eq(vs(p)->count, n);
    done(p);
}
END_TEST

START_TEST(test_mremap_moves_pages_without_touching_them)
{
    enum { OLD = 64u << 20, NEW = 128u << 20 };
    UserProc *p = proc();
    int32_t a = sys_mmap2(p, 0, OLD, RW, ANON_PRIV, -1, 0);
    ck_assert(addr_ok(a));
    uint32_t old = (uint32_t)a;
    /* something right after it: growing in place is impossible */
    ck_assert_int_eq(sys_mmap2(p, old + OLD, 4096, RW, ANON_PRIV | FIXED, -1, 0), (int32_t)(old + OLD));
    uint32_t marks[3] = { 0, OLD / 2, OLD - 4096 };
    for (int i = 0; i < 3; i++) {
        uint8_t v = (uint8_t)(0xa0 + i);
        ck_assert_int_eq(e386_mem_write(p->cpu, old + marks[i] + 100, &v, 1), 0);
    }
    uint64_t before = vs(p)->ops;
    int32_t n = sys_mremap(p, old, OLD, NEW, 1 /* MREMAP_MAYMOVE */, 0);
    ck_assert(addr_ok(n));
    ck_assert_uint_ne((uint32_t)n, old);
    ck_assert_uint_le(vs(p)->ops - before, 4ull * (NEW >> 12) + 1000);
    uint32_t dst = (uint32_t)n;
    for (int i = 0; i < 3; i++) {
        uint8_t v = 0;
        ck_assert_int_eq(e386_mem_read(p->cpu, dst + marks[i] + 100, &v, 1), 0);
        ck_assert_uint_eq(v, 0xa0 + i);
    }
    ck_assert(!e386_mem_is_mapped(p->cpu, old));
    /* untouched pages, moved or new, far (1 MiB) from the marks: their host
     * pages were never written, so the host never committed them */
    for (uint32_t g = 1u << 20; g < NEW - (1u << 20); g += 64 * 4096) {
        if (g > OLD / 2 - (1u << 20) && g < OLD / 2 + (1u << 20))
            continue;
        if (g > OLD - (2u << 20) && g < OLD + (1u << 20))
            continue;
        ck_assert_msg(!resident(p, dst + g), "page %#x was touched", g);
    }
    uint8_t z = 0xff;
    ck_assert_int_eq(e386_mem_read(p->cpu, dst + NEW - 1, &z, 1), 0);
    ck_assert_uint_eq(z, 0);
    done(p);
}
END_TEST

/* Random edits of 64 pages, checked against a page-by-page model: the
 * ranges are exactly the maximal runs of equal (prot, tag). */
START_TEST(test_vma_tree_matches_page_model)
{
    enum { N = 64 };
    int prot[N], tag[N]; /* prot -1: unmapped */
    for (int i = 0; i < N; i++) prot[i] = -1, tag[i] = 0;
    VmaSet s;
    memset(&s, 0, sizeof s);
    uint32_t seed = 12345;
    for (int step = 0; step < 20000; step++) {
        seed = seed * 1103515245u + 12345u;
        int a = (int)((seed >> 8) % N), b = a + 1 + (int)((seed >> 16) % (N - a)), op = (int)((seed >> 24) % 3);
        int pr = (int)((seed >> 4) % 3), tg = (int)((seed >> 12) % 2);
        if (op == 0) {
            loop_assert_eq(vma_set(&s, (uint64_t)a << 12, (uint64_t)b << 12, pr, (uint32_t)tg), 0);
            for (int i = a; i < b; i++) prot[i] = pr, tag[i] = tg;
        } else if (op == 1) {
            loop_assert_eq(vma_clear(&s, (uint64_t)a << 12, (uint64_t)b << 12), 0);
            for (int i = a; i < b; i++) prot[i] = -1;
        } else {
            loop_assert_eq(vma_protect(&s, (uint64_t)a << 12, (uint64_t)b << 12, pr), 0);
            for (int i = a; i < b; i++) if (prot[i] >= 0) prot[i] = pr;
        }
        uint32_t runs = 0;
        for (int i = 0; i < N; i++) {
            if (prot[i] < 0)
                continue;
            if (i == 0 || prot[i - 1] != prot[i] || tag[i - 1] != tag[i])
                runs++;
            Vma v;
            loop_assert(vma_at(&s, (uint64_t)i << 12, &v));
            loop_assert_eq(v.prot, prot[i]);
            loop_assert_eq(v.tag, (uint32_t)tag[i]);
            loop_assert(i == 0 || prot[i - 1] < 0 || (prot[i - 1] == prot[i] && tag[i - 1] == tag[i]) ? 1
                      : v.start == (uint64_t)i << 12);
        }
        loop_assert_eq(s.count, runs);
        uint32_t walked = 0;
        Vma v;
        for (uint64_t x = 0; vma_from(&s, x, &v); x = v.end)
            walked++;
        loop_assert_eq(walked, runs);
    }
    vma_free_all(&s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("vma");
    TCase *tc = tcase_create("vma");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_vma_tree_matches_page_model);
    tcase_add_test(tc, test_load_1gib_bss_work_is_per_mapping_not_per_page_scan);
    tcase_add_test(tc, test_300000_mmaps_work_is_per_mapping);
    tcase_add_test(tc, test_max_map_count_is_enforced_like_linux);
    tcase_add_test(tc, test_mprotect_splits_and_merges_back);
    tcase_add_test(tc, test_mremap_moves_pages_without_touching_them);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
