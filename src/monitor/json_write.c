/* JSON: the writer and the bounded output buffer (json.h). */
#include "monitor/json.h"
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jbuf_init(JsonBuf *b, size_t cap) { *b = (JsonBuf){ NULL, 0, 0, cap, false }; }

void jbuf_free(JsonBuf *b)
{
    free(b->data);
    jbuf_init(b, b->cap);
}

void jbuf_add(JsonBuf *b, const char *s, size_t n)
{
    if (b->overflow)
        return;
    if (n > b->cap - b->len) {
        b->overflow = true;
        return;
    }
    if (b->len + n + 1 > b->alloc) {
        size_t na = b->alloc ? b->alloc : 256;
        while (na < b->len + n + 1)
            na *= 2;
        char *d = realloc(b->data, na);
        if (!d) {
            b->overflow = true;
            return;
        }
        b->data = d;
        b->alloc = na;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void jbuf_puts(JsonBuf *b, const char *s) { jbuf_add(b, s, strlen(s)); }

void jbuf_printf(JsonBuf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        jbuf_add(b, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        b->overflow = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    jbuf_add(b, big, (size_t)n);
    free(big);
}

void json_write_string(JsonBuf *b, const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    jbuf_add(b, "\"", 1);
    size_t i = 0;
    while (i < n) {
        size_t run = i;
        while (run < n && s[run] >= 0x20 && s[run] < 0x80 && s[run] != '"' && s[run] != '\\')
            run++;
        jbuf_add(b, (const char *)s + i, run - i);
        if ((i = run) >= n)
            break;
        unsigned char c = s[i];
        if (c == '"' || c == '\\') {
            char e[2] = { '\\', (char)c };
            jbuf_add(b, e, 2);
            i++;
        } else if (c < 0x20) {
            if (c == '\n')
                jbuf_add(b, "\\n", 2);
            else if (c == '\t')
                jbuf_add(b, "\\t", 2);
            else if (c == '\r')
                jbuf_add(b, "\\r", 2);
            else
                jbuf_printf(b, "\\u%04x", c);
            i++;
        } else {
            size_t k = json_utf8_seq(s + i, n - i);
            if (k) {
                jbuf_add(b, (const char *)s + i, k);
                i += k;
            } else {
                jbuf_add(b, "\\ufffd", 6);
                i++;
            }
        }
    }
    jbuf_add(b, "\"", 1);
}

void json_write(JsonBuf *b, const JsonValue *v)
{
    if (!v) {
        jbuf_puts(b, "null");
        return;
    }
    switch (v->type) {
    case JSON_NULL: jbuf_puts(b, "null"); break;
    case JSON_BOOL: jbuf_puts(b, v->u.b ? "true" : "false"); break;
    case JSON_NUMBER:
        if (v->u.num.is_int)
            jbuf_printf(b, "%lld", (long long)v->u.num.i);
        else if (isfinite(v->u.num.d)) {
            /* a double keeps its kind when read back: 1.0 and -0.0 would
             * print as the integers 1 and 0 (fuzz_qmp: json-double-kind) */
            char t[40];
            snprintf(t, sizeof t, "%.17g", v->u.num.d);
            jbuf_puts(b, t);
            if (!strpbrk(t, ".eE"))
                jbuf_puts(b, ".0");
        } else
            jbuf_puts(b, "null");
        break;
    case JSON_STRING: json_write_string(b, v->u.str.s, v->u.str.len); break;
    case JSON_ARRAY:
        jbuf_add(b, "[", 1);
        for (size_t i = 0; i < v->u.arr.n; i++) {
            if (i)
                jbuf_add(b, ", ", 2);
            json_write(b, v->u.arr.items[i]);
        }
        jbuf_add(b, "]", 1);
        break;
    case JSON_OBJECT:
        jbuf_add(b, "{", 1);
        for (size_t i = 0; i < v->u.obj.n; i++) {
            if (i)
                jbuf_add(b, ", ", 2);
            json_write_string(b, v->u.obj.m[i].name, v->u.obj.m[i].name_len);
            jbuf_add(b, ": ", 2);
            json_write(b, v->u.obj.m[i].value);
        }
        jbuf_add(b, "}", 1);
        break;
    }
}
