/* JSON: the strict parser, the builders and the writer (json.h). */
#include "monitor/json.h"
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- values ---- */

static JsonValue *new_value(JsonType t)
{
    JsonValue *v = calloc(1, sizeof *v);
    if (v)
        v->type = t;
    return v;
}

JsonValue *json_null(void) { return new_value(JSON_NULL); }

JsonValue *json_bool(bool b)
{
    JsonValue *v = new_value(JSON_BOOL);
    if (v)
        v->u.b = b;
    return v;
}

JsonValue *json_int(int64_t i)
{
    JsonValue *v = new_value(JSON_NUMBER);
    if (v) {
        v->u.num.i = i;
        v->u.num.d = (double)i;
        v->u.num.is_int = true;
    }
    return v;
}

JsonValue *json_double(double d)
{
    JsonValue *v = new_value(JSON_NUMBER);
    if (v)
        v->u.num.d = d;
    return v;
}

JsonValue *json_string_len(const char *s, size_t len)
{
    JsonValue *v = new_value(JSON_STRING);
    if (!v)
        return NULL;
    if (len == SIZE_MAX || !(v->u.str.s = malloc(len + 1))) {
        free(v);
        return NULL;
    }
    if (len)
        memcpy(v->u.str.s, s, len);
    v->u.str.s[len] = '\0';
    v->u.str.len = len;
    return v;
}

JsonValue *json_string(const char *s) { return json_string_len(s, strlen(s)); }
JsonValue *json_array(void) { return new_value(JSON_ARRAY); }
JsonValue *json_object(void) { return new_value(JSON_OBJECT); }

void json_free(JsonValue *v)
{
    if (!v)
        return;
    switch (v->type) {
    case JSON_STRING: free(v->u.str.s); break;
    case JSON_ARRAY:
        for (size_t i = 0; i < v->u.arr.n; i++)
            json_free(v->u.arr.items[i]);
        free(v->u.arr.items);
        break;
    case JSON_OBJECT:
        for (size_t i = 0; i < v->u.obj.n; i++) {
            free(v->u.obj.m[i].name);
            json_free(v->u.obj.m[i].value);
        }
        free(v->u.obj.m);
        break;
    default: break;
    }
    free(v);
}

/* Room for one more element in a vector of n of cap, each size bytes. */
static int grow(void **vec, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 4;
    if (nc > SIZE_MAX / size)
        return -1;
    void *p = realloc(*vec, nc * size);
    if (!p)
        return -1;
    *vec = p;
    *cap = nc;
    return 0;
}

int json_append(JsonValue *arr, JsonValue *v)
{
    if (!v || !arr || arr->type != JSON_ARRAY ||
        grow((void **)&arr->u.arr.items, &arr->u.arr.cap, arr->u.arr.n, sizeof(JsonValue *)) < 0) {
        json_free(v);
        return -1;
    }
    arr->u.arr.items[arr->u.arr.n++] = v;
    return 0;
}

/* Add a member without looking for one of the same name; name is taken. */
static int add_member(JsonValue *obj, char *name, size_t name_len, JsonValue *v)
{
    if (grow((void **)&obj->u.obj.m, &obj->u.obj.cap, obj->u.obj.n, sizeof(JsonMember)) < 0)
        return -1;
    obj->u.obj.m[obj->u.obj.n++] = (JsonMember){ name, name_len, v };
    return 0;
}

int json_set(JsonValue *obj, const char *name, JsonValue *v)
{
    if (!v || !obj || obj->type != JSON_OBJECT) {
        json_free(v);
        return -1;
    }
    size_t len = strlen(name);
    for (size_t i = 0; i < obj->u.obj.n; i++) {
        JsonMember *m = &obj->u.obj.m[i];
        if (m->name_len == len && !memcmp(m->name, name, len)) {
            json_free(m->value);
            m->value = v;
            return 0;
        }
    }
    char *n = malloc(len + 1);
    if (!n || (memcpy(n, name, len + 1), add_member(obj, n, len, v) < 0)) {
        free(n);
        json_free(v);
        return -1;
    }
    return 0;
}

int json_set_str(JsonValue *obj, const char *name, const char *s) { return json_set(obj, name, json_string(s)); }
int json_set_int(JsonValue *obj, const char *name, int64_t i) { return json_set(obj, name, json_int(i)); }
int json_set_bool(JsonValue *obj, const char *name, bool b) { return json_set(obj, name, json_bool(b)); }

JsonValue *json_copy(const JsonValue *v)
{
    if (!v)
        return NULL;
    JsonValue *c;
    switch (v->type) {
    case JSON_STRING: return json_string_len(v->u.str.s, v->u.str.len);
    case JSON_ARRAY:
        if (!(c = json_array()))
            return NULL;
        for (size_t i = 0; i < v->u.arr.n; i++)
            if (json_append(c, json_copy(v->u.arr.items[i])) < 0)
                goto fail;
        return c;
    case JSON_OBJECT:
        if (!(c = json_object()))
            return NULL;
        for (size_t i = 0; i < v->u.obj.n; i++) {
            const JsonMember *m = &v->u.obj.m[i];
            char *n = malloc(m->name_len + 1);
            JsonValue *x = json_copy(m->value);
            if (!n || !x || (memcpy(n, m->name, m->name_len + 1), add_member(c, n, m->name_len, x) < 0)) {
                free(n);
                json_free(x);
                goto fail;
            }
        }
        return c;
    default:
        if ((c = new_value(v->type)))
            c->u = v->u;
        return c;
    }
fail:
    json_free(c);
    return NULL;
}

const JsonValue *json_get(const JsonValue *obj, const char *name)
{
    if (!obj || obj->type != JSON_OBJECT)
        return NULL;
    size_t len = strlen(name);
    for (size_t i = 0; i < obj->u.obj.n; i++)
        if (obj->u.obj.m[i].name_len == len && !memcmp(obj->u.obj.m[i].name, name, len))
            return obj->u.obj.m[i].value;
    return NULL;
}

const char *json_get_str(const JsonValue *obj, const char *name)
{
    const JsonValue *v = json_get(obj, name);
    if (!v || v->type != JSON_STRING || strlen(v->u.str.s) != v->u.str.len)
        return NULL;
    return v->u.str.s;
}

bool json_is_int(const JsonValue *v) { return v && v->type == JSON_NUMBER && v->u.num.is_int; }

const char *json_type_name(JsonType t)
{
    static const char *const names[] = { "null", "boolean", "number", "string", "array", "object" };
    return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "?";
}

/* ---- the parser ---- */

typedef struct Parser {
    const unsigned char *s;
    size_t len, pos;
    const JsonLimits *lim;
    char *err;
    size_t errlen;
    bool failed;
} Parser;

static void fail(Parser *p, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void fail(Parser *p, const char *fmt, ...)
{
    if (p->failed)
        return;
    p->failed = true;
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(p->err, p->errlen, "JSON parse error at offset %zu: %s", p->pos, msg);
}

static void skip_ws(Parser *p)
{
    while (p->pos < p->len) {
        unsigned char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        p->pos++;
    }
}

static int peek(const Parser *p) { return p->pos < p->len ? p->s[p->pos] : -1; }

static int hex4(const unsigned char *s, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = s[i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return -1;
        v = v << 4 | d;
    }
    *out = v;
    return 0;
}

size_t json_utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t need;
    unsigned lo = 0x80, hi = 0xBF;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        need = 1;
    else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if (n < need + 1 || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i <= need; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return need + 1;
}

static size_t put_utf8(unsigned char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | cp >> 6);
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | cp >> 12);
        o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | cp >> 18);
    o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* A string at p->pos (the opening quote): its decoded bytes in a new
 * buffer (NUL-terminated), NULL on error. */
static char *parse_string(Parser *p, size_t *out_len)
{
    size_t start = ++p->pos, end = start;
    /* find the closing quote first: the decoded string is never longer
     * than the raw one, so that bounds the buffer */
    while (end < p->len && p->s[end] != '"')
        end += p->s[end] == '\\' ? 2 : 1;
    if (end >= p->len) {
        fail(p, "unterminated string");
        return NULL;
    }
    size_t raw = end - start, max = p->lim->max_string;
    size_t cap = (raw < max ? raw : max) + 4;
    unsigned char *o = malloc(cap + 1);
    if (!o) {
        fail(p, "out of memory");
        return NULL;
    }
    size_t n = 0;
    while (p->pos < end) {
        unsigned char c = p->s[p->pos];
        unsigned char tmp[4];
        size_t k;
        if (c < 0x20) {
            fail(p, "control character 0x%02x in a string", c);
            goto bad;
        }
        if (c == '\\') {
            unsigned char e = p->s[p->pos + 1];
            const char *simple = strchr("\"\\/bfnrt", e);
            if (e && simple) {
                static const char map[] = "\"\\/\b\f\n\r\t";
                tmp[0] = (unsigned char)map[simple - "\"\\/bfnrt"];
                k = 1;
                p->pos += 2;
            } else if (e == 'u') {
                unsigned cp, lo;
                if (end - p->pos < 6 || hex4(p->s + p->pos + 2, &cp) < 0) {
                    fail(p, "bad \\u escape");
                    goto bad;
                }
                p->pos += 6;
                if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    fail(p, "lone low surrogate \\u%04x", cp);
                    goto bad;
                }
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    if (end - p->pos < 6 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u' ||
                        hex4(p->s + p->pos + 2, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF) {
                        fail(p, "high surrogate \\u%04x without its low half", cp);
                        goto bad;
                    }
                    p->pos += 6;
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                }
                k = put_utf8(tmp, cp);
            } else {
                fail(p, "bad escape '\\%c'", e >= 0x20 && e < 0x7F ? e : '?');
                goto bad;
            }
        } else {
            k = json_utf8_seq(p->s + p->pos, end - p->pos);
            if (!k) {
                fail(p, "invalid UTF-8 in a string");
                goto bad;
            }
            memcpy(tmp, p->s + p->pos, k);
            p->pos += k;
        }
        if (n + k > max) {
            fail(p, "string longer than %zu bytes", max);
            goto bad;
        }
        memcpy(o + n, tmp, k);
        n += k;
    }
    p->pos = end + 1;
    o[n] = '\0';
    *out_len = n;
    return (char *)o;
bad:
    free(o);
    return NULL;
}

static bool is_digit(int c) { return c >= '0' && c <= '9'; }

static JsonValue *parse_number(Parser *p)
{
    size_t start = p->pos;
    bool integral = true;
    if (peek(p) == '-')
        p->pos++;
    if (peek(p) == '0') {
        p->pos++;
    } else if (is_digit(peek(p)) && peek(p) != '0') {
        while (is_digit(peek(p)))
            p->pos++;
    } else {
        fail(p, "bad number");
        return NULL;
    }
    if (peek(p) == '.') {
        integral = false;
        p->pos++;
        if (!is_digit(peek(p))) {
            fail(p, "bad number: digits must follow '.'");
            return NULL;
        }
        while (is_digit(peek(p)))
            p->pos++;
    }
    if (peek(p) == 'e' || peek(p) == 'E') {
        integral = false;
        p->pos++;
        if (peek(p) == '+' || peek(p) == '-')
            p->pos++;
        if (!is_digit(peek(p))) {
            fail(p, "bad number: digits must follow the exponent");
            return NULL;
        }
        while (is_digit(peek(p)))
            p->pos++;
    }
    char buf[128];
    size_t n = p->pos - start;
    if (n >= sizeof buf) {
        fail(p, "number longer than %zu characters", sizeof buf - 1);
        return NULL;
    }
    memcpy(buf, p->s + start, n);
    buf[n] = '\0';
    JsonValue *v = new_value(JSON_NUMBER);
    if (!v) {
        fail(p, "out of memory");
        return NULL;
    }
    errno = 0;
    v->u.num.d = strtod(buf, NULL);
    if (!isfinite(v->u.num.d)) {
        free(v);
        fail(p, "number out of range");
        return NULL;
    }
    if (integral) {
        errno = 0;
        long long i = strtoll(buf, NULL, 10);
        if (errno != ERANGE) {
            v->u.num.i = (int64_t)i;
            v->u.num.is_int = true;
        }
    }
    return v;
}

static int expect_word(Parser *p, const char *w)
{
    size_t n = strlen(w);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, w, n)) {
        fail(p, "unexpected character");
        return -1;
    }
    p->pos += n;
    return 0;
}

static int name_cmp(const void *a, const void *b)
{
    const JsonMember *x = *(const JsonMember *const *)a, *y = *(const JsonMember *const *)b;
    if (x->name_len != y->name_len)
        return x->name_len < y->name_len ? -1 : 1;
    return memcmp(x->name, y->name, x->name_len);
}

/* At an object's end: no two members share a name.  Sorting keeps this
 * O(n log n), so a hostile object of many members stays cheap. */
static int check_duplicates(Parser *p, const JsonValue *o)
{
    size_t n = o->u.obj.n;
    if (n < 2)
        return 0;
    const JsonMember **v = malloc(n * sizeof *v);
    if (!v) {
        fail(p, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        v[i] = &o->u.obj.m[i];
    qsort(v, n, sizeof *v, name_cmp);
    int r = 0;
    for (size_t i = 1; i < n && !r; i++)
        if (!name_cmp(&v[i - 1], &v[i])) {
            fail(p, "duplicate member '%.40s'", v[i]->name);
            r = -1;
        }
    free(v);
    return r;
}

/* Put v into the innermost open container (the pending member name goes
 * with it), or make it the root. */
static int attach(Parser *p, JsonValue **stack, size_t depth, JsonValue **root, char **name,
                  size_t name_len, JsonValue *v)
{
    if (!depth) {
        *root = v;
        return 0;
    }
    JsonValue *top = stack[depth - 1];
    size_t count = top->type == JSON_ARRAY ? top->u.arr.n : top->u.obj.n;
    if (count >= p->lim->max_members) {
        fail(p, "more than %zu members in one %s", p->lim->max_members, json_type_name(top->type));
        json_free(v);
        return -1;
    }
    if (top->type == JSON_ARRAY) {
        if (json_append(top, v) < 0) {
            fail(p, "out of memory");
            return -1;
        }
        return 0;
    }
    if (add_member(top, *name, name_len, v) < 0) {
        fail(p, "out of memory");
        json_free(v);
        return -1;
    }
    *name = NULL;
    return 0;
}

JsonValue *json_parse(const char *text, size_t len, const JsonLimits *lim, char *err, size_t errlen)
{
    JsonLimits deflim = JSON_DEFAULT_LIMITS;
    Parser p = { (const unsigned char *)text, len, 0, lim ? lim : &deflim, err, errlen, false };
    if (len > p.lim->max_input) {
        fail(&p, "input longer than %zu bytes", p.lim->max_input);
        return NULL;
    }
    /* the open containers, innermost last: no recursion, whatever the input */
    JsonValue **stack = malloc((p.lim->max_depth + 1) * sizeof *stack);
    if (!stack) {
        fail(&p, "out of memory");
        return NULL;
    }
    JsonValue *root = NULL;
    char *name = NULL;
    size_t name_len = 0, depth = 0;
    for (;;) {
        /* a value */
        skip_ws(&p);
        int c = peek(&p);
        JsonValue *v = NULL;
        if (c == '{' || c == '[') {
            if (depth >= p.lim->max_depth) {
                fail(&p, "nesting deeper than %zu", p.lim->max_depth);
                goto out;
            }
            p.pos++;
            if (!(v = new_value(c == '{' ? JSON_OBJECT : JSON_ARRAY))) {
                fail(&p, "out of memory");
                goto out;
            }
            if (attach(&p, stack, depth, &root, &name, name_len, v) < 0)
                goto out;
            stack[depth++] = v;
            skip_ws(&p);
            if (peek(&p) == (c == '{' ? '}' : ']')) {
                p.pos++;
                depth--;
            } else if (c == '{') {
                goto member_name;
            } else {
                continue;
            }
        } else {
            if (c == '"') {
                size_t n;
                char *s = parse_string(&p, &n);
                if (s && !(v = new_value(JSON_STRING)))
                    fail(&p, "out of memory");
                if (!v) {
                    free(s);
                    goto out;
                }
                v->u.str.s = s;
                v->u.str.len = n;
            } else if (c == '-' || is_digit(c)) {
                if (!(v = parse_number(&p)))
                    goto out;
            } else if (c == 't' || c == 'f' || c == 'n') {
                if (expect_word(&p, c == 't' ? "true" : c == 'f' ? "false" : "null") < 0)
                    goto out;
                if (!(v = c == 'n' ? json_null() : json_bool(c == 't'))) {
                    fail(&p, "out of memory");
                    goto out;
                }
            } else {
                fail(&p, c < 0 ? "unexpected end of input" : "unexpected character");
                goto out;
            }
            if (attach(&p, stack, depth, &root, &name, name_len, v) < 0)
                goto out;
        }
        /* after a value: close containers, or a separator and the next */
        for (;;) {
            if (!depth) {
                skip_ws(&p);
                if (p.pos != p.len)
                    fail(&p, "unexpected text after the value");
                goto out;
            }
            JsonValue *top = stack[depth - 1];
            skip_ws(&p);
            c = peek(&p);
            int close = top->type == JSON_ARRAY ? ']' : '}';
            if (c == close) {
                p.pos++;
                if (top->type == JSON_OBJECT && check_duplicates(&p, top) < 0)
                    goto out;
                depth--;
                continue;
            }
            if (c != ',') {
                if (c < 0)
                    fail(&p, "unexpected end of input");
                else
                    fail(&p, "expected ',' or '%c'", close);
                goto out;
            }
            p.pos++;
            if (top->type == JSON_ARRAY)
                break;
            skip_ws(&p);
        member_name:
            if (peek(&p) != '"') {
                fail(&p, peek(&p) < 0 ? "unexpected end of input" : "expected a member name");
                goto out;
            }
            if (!(name = parse_string(&p, &name_len)))
                goto out;
            skip_ws(&p);
            if (peek(&p) != ':') {
                fail(&p, "expected ':'");
                goto out;
            }
            p.pos++;
            break;
        }
    }
out:
    free(stack);
    free(name);
    if (p.failed) {
        json_free(root);
        return NULL;
    }
    return root;
}
