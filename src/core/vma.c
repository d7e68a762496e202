/* The guest's mappings as a treap of ranges (vma.h).  Every edit carves
 * [start, end) out of the tree with two splits (cutting the ranges that
 * straddle its ends), rewrites the middle, and joins the three parts back,
 * merging compatible neighbours at the seams: O(log n) plus the ranges
 * inside [start, end). */
#include <stdlib.h>
#include "core/vma.h"

struct VmaNode {
    Vma v;
    uint32_t pri;
    VmaNode *l, *r;
};

enum { MODE_SET, MODE_CLEAR, MODE_PROTECT };

static uint32_t rnd(VmaSet *s)
{
    uint32_t x = s->rng ? s->rng : 0x9e3779b9u; /* xorshift32 */
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return s->rng = x;
}

uint32_t vma_new_tag(VmaSet *s)
{
    if (++s->next_tag == VMA_TAG_ANON)
        ++s->next_tag;
    return s->next_tag;
}

int vma_mergeable(const Vma *a, const Vma *b)
{
    return a->end == b->start && a->prot == b->prot && a->tag == b->tag;
}

/* *a: the nodes with start < key, *b: the rest */
static void split(VmaSet *s, VmaNode *t, uint64_t key, VmaNode **a, VmaNode **b)
{
    if (!t) {
        *a = *b = NULL;
        return;
    }
    s->ops++;
    if (t->v.start < key) {
        split(s, t->r, key, &t->r, b);
        *a = t;
    } else {
        split(s, t->l, key, a, &t->l);
        *b = t;
    }
}

/* every start in a is below every start in b */
static VmaNode *join(VmaSet *s, VmaNode *a, VmaNode *b)
{
    if (!a) return b;
    if (!b) return a;
    s->ops++;
    if (a->pri > b->pri) {
        a->r = join(s, a->r, b);
        return a;
    }
    b->l = join(s, a, b->l);
    return b;
}

static VmaNode *peek(VmaSet *s, VmaNode *t, int right)
{
    while (t && (right ? t->r : t->l)) {
        s->ops++;
        t = right ? t->r : t->l;
    }
    return t;
}

/* unlink the last (right) or first node; its one child takes its place */
static VmaNode *pop(VmaSet *s, VmaNode **t, int right)
{
    VmaNode **pp = t;
    while (right ? (*pp)->r : (*pp)->l) {
        s->ops++;
        pp = right ? &(*pp)->r : &(*pp)->l;
    }
    VmaNode *n = *pp;
    *pp = right ? n->l : n->r;
    n->l = n->r = NULL;
    return n;
}

static void free_tree(VmaNode *t)
{
    while (t) { /* the left spine iteratively, right subtrees recursively */
        free_tree(t->r);
        VmaNode *l = t->l;
        free(t);
        t = l;
    }
}

static uint32_t tree_size(VmaNode *t)
{
    return t ? 1 + tree_size(t->l) + tree_size(t->r) : 0;
}

/* Join left and right, merging the seam's two ranges when compatible. */
static VmaNode *seam(VmaSet *s, VmaNode *left, VmaNode *right)
{
    if (left && right) {
        VmaNode *l = peek(s, left, 1), *r = peek(s, right, 0);
        if (vma_mergeable(&l->v, &r->v)) {
            l->v.end = r->v.end;
            free(pop(s, &right, 0));
            s->count--;
        }
    }
    return join(s, left, right);
}

static int edit(VmaSet *s, uint64_t start, uint64_t end, int mode, int prot, uint32_t tag)
{
    if (start >= end)
        return 0;
    VmaNode *pool[3];
    int used = 0;
    for (int i = 0; i < 3; i++) /* all allocation first: an edit never half happens */
        if (!(pool[i] = malloc(sizeof(VmaNode)))) {
            while (i--) free(pool[i]);
            return -1;
        }
    VmaNode *a, *b, *m, *r, *tail = NULL;
    split(s, s->root, start, &a, &b);
    VmaNode *last = peek(s, a, 1);
    if (last && last->v.end > start) { /* straddles start: cut in two (three if it holds end too) */
        VmaNode *n = pop(s, &a, 1);
        if (n->v.end > end) {
            tail = pool[used++];
            *tail = (VmaNode){ n->v, rnd(s), NULL, NULL };
            tail->v.start = end;
            s->count++;
        }
        VmaNode *mid = pool[used++];
        *mid = (VmaNode){ n->v, rnd(s), NULL, NULL };
        mid->v.start = start;
        mid->v.end = n->v.end < end ? n->v.end : end;
        s->count++;
        n->v.end = start;
        a = join(s, a, n);
        b = join(s, mid, b);
    }
    split(s, b, end, &m, &r);
    last = peek(s, m, 1);
    if (last && last->v.end > end) { /* straddles end */
        VmaNode *t = pool[used++];
        *t = (VmaNode){ last->v, rnd(s), NULL, NULL };
        t->v.start = end;
        last->v.end = end;
        s->count++;
        tail = t;
    }
    if (tail)
        r = join(s, tail, r);
    VmaNode *out = NULL;
    if (mode == MODE_PROTECT) { /* rebuild the middle in order, merging as it goes */
        VmaNode *prev = NULL;
        while (m) {
            VmaNode *n = pop(s, &m, 0);
            s->ops++;
            n->v.prot = prot;
            if (prev && vma_mergeable(&prev->v, &n->v)) {
                prev->v.end = n->v.end;
                free(n);
                s->count--;
            } else {
                out = join(s, out, n);
                prev = n;
            }
        }
    } else {
        uint32_t k = tree_size(m);
        s->ops += k;
        s->count -= k;
        free_tree(m);
        if (mode == MODE_SET) {
            out = pool[used++];
            *out = (VmaNode){ { start, end, prot, tag }, rnd(s), NULL, NULL };
            s->count++;
        }
    }
    s->root = seam(s, seam(s, a, out), r);
    while (used < 3)
        free(pool[used++]);
    return 0;
}

int vma_set(VmaSet *s, uint64_t start, uint64_t end, int prot, uint32_t tag)
{
    return edit(s, start, end, MODE_SET, prot, tag);
}

int vma_clear(VmaSet *s, uint64_t start, uint64_t end)
{
    return edit(s, start, end, MODE_CLEAR, 0, 0);
}

int vma_protect(VmaSet *s, uint64_t start, uint64_t end, int prot)
{
    return edit(s, start, end, MODE_PROTECT, prot, 0);
}

int vma_at(VmaSet *s, uint64_t addr, Vma *out)
{
    for (VmaNode *n = s->root; n;) {
        s->ops++;
        if (addr < n->v.start)
            n = n->l;
        else if (addr >= n->v.end)
            n = n->r;
        else {
            *out = n->v;
            return 1;
        }
    }
    return 0;
}

int vma_below(VmaSet *s, uint64_t x, Vma *out)
{
    VmaNode *best = NULL;
    for (VmaNode *n = s->root; n;) {
        s->ops++;
        if (n->v.start < x) {
            best = n;
            n = n->r;
        } else {
            n = n->l;
        }
    }
    if (best)
        *out = best->v;
    return best != NULL;
}

int vma_from(VmaSet *s, uint64_t x, Vma *out)
{
    VmaNode *best = NULL;
    for (VmaNode *n = s->root; n;) {
        s->ops++;
        if (n->v.start >= x) {
            best = n;
            n = n->l;
        } else {
            n = n->r;
        }
    }
    if (best)
        *out = best->v;
    return best != NULL;
}

void vma_free_all(VmaSet *s)
{
    free_tree(s->root);
    s->root = NULL;
    s->count = 0;
}
