/* The monitor's JSON parser and writer (src/monitor/json.c) against RFC
 * 8259: what it must accept, and hostile input it must refuse with a
 * message and no crash — every truncation of a document, nesting 100000
 * deep, a 10 MB string, invalid UTF-8 and escapes, numbers out of range,
 * duplicate names, too many members. */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include "unit_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "monitor/json.h"

static JsonValue *parse(const char *s, char *err)
{
    return json_parse(s, strlen(s), NULL, err, 256);
}

static void accepts(const char *s)
{
    char err[256] = "";
    JsonValue *v = parse(s, err);
    ck_assert_msg(v != NULL, "refused %s: %s", s, err);
    json_free(v);
}

/* refused, and the message says why (contains want) */
static void refuses(const char *s, size_t len, const char *want)
{
    char err[256] = "";
    JsonValue *v = json_parse(s, len, NULL, err, sizeof err);
    ck_assert_msg(v == NULL, "accepted %.60s", s);
    ck_assert_msg(strstr(err, "JSON parse error at offset") != NULL, "message: %s", err);
    if (want)
        ck_assert_msg(strstr(err, want) != NULL, "%.60s: '%s' lacks '%s'", s, err, want);
}

static void refuses_s(const char *s, const char *want) { refuses(s, strlen(s), want); }

/* The compact text of v. */
static char *text_of(const JsonValue *v)
{
    JsonBuf b;
    jbuf_init(&b, 1u << 24);
    json_write(&b, v);
    ck_assert(!b.overflow);
    return b.data;
}

START_TEST(test_scalars)
{
    char err[256];
    JsonValue *v = parse(" \t\r\n true \n", err);
    ck_assert_ptr_nonnull(v);
    ck_assert_int_eq(v->type, JSON_BOOL);
    ck_assert(v->u.b);
    json_free(v);
    v = parse("null", err);
    ck_assert_int_eq(v->type, JSON_NULL);
    json_free(v);
    v = parse("-9223372036854775808", err);
    ck_assert(json_is_int(v));
    ck_assert(v->u.num.i == INT64_MIN);
    json_free(v);
    v = parse("9223372036854775807", err);
    ck_assert(json_is_int(v) && v->u.num.i == INT64_MAX);
    json_free(v);
    v = parse("9223372036854775808", err); /* past int64: a double, not an integer */
    ck_assert_ptr_nonnull(v);
    ck_assert(!json_is_int(v));
    ck_assert(v->u.num.d == 9223372036854775808.0);
    json_free(v);
    v = parse("-0.5e-3", err);
    /* through a double object: on an x87 host (FLT_EVAL_METHOD 2) the
     * literal itself compares in long double precision */
    volatile double want = -0.5e-3;
    ck_assert(!json_is_int(v) && v->u.num.d == want);
    json_free(v);
    v = parse("1E+2", err);
    ck_assert(!json_is_int(v) && v->u.num.d == 100.0);
    json_free(v);
    accepts("0");
    accepts("-0");
    accepts("1e308");
    accepts("1e-400"); /* underflows to zero: in range */
    accepts("\"\"");
    accepts("[]");
    accepts("{}");
    accepts("[[], {}, [{}], {\"a\": [1, {\"b\": null}]}]");
}
END_TEST

START_TEST(test_strings)
{
    char err[256];
    JsonValue *v = parse("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", err);
    ck_assert_ptr_nonnull(v);
    ck_assert_uint_eq(v->u.str.len, 8);
    ck_assert_mem_eq(v->u.str.s, "\"\\/\b\f\n\r\t", 8);
    json_free(v);
    v = parse("\"\\u00e9\\u20AC\\ud83d\\ude00\"", err); /* 2-, 3- and 4-byte UTF-8 */
    ck_assert_ptr_nonnull(v);
    ck_assert_str_eq(v->u.str.s, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    json_free(v);
    v = parse("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\"", err); /* raw, up to U+10FFFF */
    ck_assert_ptr_nonnull(v);
    ck_assert_uint_eq(v->u.str.len, 13);
    json_free(v);
    /* a NUL is a valid character: kept, with its length; json_get_str
     * refuses such a member (C strings cannot hold it) */
    v = parse("{\"a\": \"x\\u0000y\"}", err);
    ck_assert_ptr_nonnull(v);
    ck_assert_uint_eq(json_get(v, "a")->u.str.len, 3);
    ck_assert_ptr_null(json_get_str(v, "a"));
    json_free(v);
}
END_TEST

START_TEST(test_bad_syntax)
{
    static const char *const bad[] = {
        "", "   ", "tru", "nul", "True", "NULL", "'a'", "{a: 1}", "[1,]", "{\"a\": 1,}", "[1 2]",
        "{\"a\" 1}", "{\"a\":}", "{,}", "[,]", "1 2", "{}}", "[]]", "]", "}", ",", ":", "{\"a\"}",
        "[1,,2]", "\"abc", "{\"a\": 1", "[", "/* c */ 1", "1 // c", "\xef\xbb\xbf{}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        refuses_s(bad[i], NULL);
}
END_TEST

START_TEST(test_bad_numbers)
{
    static const char *const bad[] = { "01", "-", "1.", ".5", "1e", "1e+", "+1", "0x10", "NaN",
                                       "Infinity", "-Infinity", "- 1", "1.e3", "00", "-01", "1ee2" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        refuses_s(bad[i], NULL);
    refuses_s("1e400", "out of range");
    refuses_s("-1e400", "out of range");
    refuses_s("[1, 2, 1e99999]", "out of range");
    char big[400];
    memset(big, '9', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    refuses_s(big, "number longer");
}
END_TEST

START_TEST(test_bad_strings)
{
    refuses_s("\"a\x01" "b\"", "control character");
    refuses_s("\"a\nb\"", "control character");
    refuses_s("\"\\x41\"", "bad escape");
    refuses_s("\"\\'\"", "bad escape");
    refuses_s("\"\\u12\"", "\\u");
    refuses_s("\"\\uZZZZ\"", "\\u");
    refuses_s("\"\\ud800\"", "surrogate");
    refuses_s("\"\\udc00\"", "surrogate");
    refuses_s("\"\\ud800\\u0041\"", "surrogate");
    refuses_s("\"\\ud800\\ud800\"", "surrogate");
    refuses_s("\"\\", NULL);
    /* UTF-8: overlong, surrogates, above U+10FFFF, stray and missing bytes */
    static const char *const utf8[] = {
        "\"\xc0\xaf\"", "\"\xc1\xbf\"", "\"\xe0\x80\xaf\"", "\"\xf0\x80\x80\xaf\"", "\"\xed\xa0\x80\"",
        "\"\xed\xbf\xbf\"", "\"\xf4\x90\x80\x80\"", "\"\xf5\x80\x80\x80\"", "\"\xff\"", "\"\xfe\"",
        "\"\x80\"", "\"\xbf\"", "\"\xe2\x82\"", "\"\xc3\"", "\"\xf0\x9f\x98\"", "\"\xe2\x28\xa1\"",
    };
    for (size_t i = 0; i < sizeof utf8 / sizeof utf8[0]; i++)
        refuses_s(utf8[i], "UTF-8");
    /* a NUL byte in the text, inside a string or out */
    refuses("\"a\0b\"", 5, "control character");
    refuses("[1,\0 2]", 7, NULL);
    refuses("{}\0", 3, "after the value");
}
END_TEST

/* Every proper prefix of a valid document is refused; the whole parses. */
START_TEST(test_every_truncation)
{
    const char *doc = "{\"execute\": \"human-monitor-command\", \"arguments\": {\"command-line\": "
                      "\"info \\u00e9 \\ud83d\\ude00\", \"n\": [1, -2.5e3, true, false, null, {}]}, "
                      "\"id\": {\"x\": [\"\xc3\xa9\"]}}";
    size_t n = strlen(doc);
    for (size_t i = 0; i < n; i++)
        refuses(doc, i, NULL);
    char err[256];
    JsonValue *v = json_parse(doc, n, NULL, err, sizeof err);
    ck_assert_msg(v != NULL, "%s", err);
    json_free(v);
}
END_TEST

START_TEST(test_depth)
{
    JsonLimits lim = JSON_DEFAULT_LIMITS;
    char err[256];
    /* 100000 deep: refused at the limit, no recursion, no stack overflow */
    size_t n = 100000;
    char *s = malloc(2 * n + 1);
    memset(s, '[', n);
    memset(s + n, ']', n);
    s[2 * n] = '\0';
    lim.max_input = 2 * n;
    ck_assert_ptr_null(json_parse(s, 2 * n, &lim, err, sizeof err));
    ck_assert_msg(strstr(err, "nesting deeper than 64") != NULL, "%s", err);
    /* exactly the limit is fine, one more is not */
    size_t d = lim.max_depth;
    JsonValue *v = json_parse(s + n - d, 2 * d, &lim, err, sizeof err);
    ck_assert_msg(v != NULL, "%s", err);
    json_free(v);
    ck_assert_ptr_null(json_parse(s + n - d - 1, 2 * d + 2, &lim, err, sizeof err));
    free(s);
    /* objects nested past the limit */
    size_t k = 1000, len = 0;
    char *o = malloc(k * 6 + k + 8);
    for (size_t i = 0; i < k; i++)
        len += (size_t)sprintf(o + len, "{\"a\":");
    o[len++] = '1';
    memset(o + len, '}', k);
    len += k;
    ck_assert_ptr_null(json_parse(o, len, &lim, err, sizeof err));
    ck_assert_msg(strstr(err, "nesting deeper") != NULL, "%s", err);
    free(o);
}
END_TEST

START_TEST(test_big_string)
{
    /* a 10 MB string: refused by the input limit, by the string limit,
     * and accepted whole when the limits allow it */
    size_t n = 10u << 20;
    char *s = malloc(n + 3);
    s[0] = '"';
    memset(s + 1, 'x', n);
    s[n + 1] = '"';
    s[n + 2] = '\0';
    char err[256];
    ck_assert_ptr_null(json_parse(s, n + 2, NULL, err, sizeof err));
    ck_assert_msg(strstr(err, "input longer than") != NULL, "%s", err);
    JsonLimits lim = JSON_DEFAULT_LIMITS;
    lim.max_input = 16u << 20;
    ck_assert_ptr_null(json_parse(s, n + 2, &lim, err, sizeof err));
    ck_assert_msg(strstr(err, "string longer than 65536") != NULL, "%s", err);
    lim.max_string = n;
    JsonValue *v = json_parse(s, n + 2, &lim, err, sizeof err);
    ck_assert_msg(v != NULL, "%s", err);
    ck_assert_uint_eq(v->u.str.len, n);
    json_free(v);
    /* escapes count decoded: 65537 x \u0041 is too long, 65536 is not */
    lim = JSON_DEFAULT_LIMITS;
    lim.max_input = 1u << 24;
    size_t m = 65537;
    char *e = malloc(m * 6 + 3);
    e[0] = '"';
    for (size_t i = 0; i < m; i++)
        memcpy(e + 1 + 6 * i, "\\u0041", 6);
    e[1 + 6 * m] = '"';
    ck_assert_ptr_null(json_parse(e, 6 * m + 2, &lim, err, sizeof err));
    ck_assert_msg(strstr(err, "string longer") != NULL, "%s", err);
    memmove(e + 1 + 6 * (m - 1), "\"", 1);
    v = json_parse(e, 6 * (m - 1) + 2, &lim, err, sizeof err);
    ck_assert_msg(v != NULL, "%s", err);
    json_free(v);
    free(e);
    free(s);
}
END_TEST

START_TEST(test_members)
{
    JsonLimits lim = JSON_DEFAULT_LIMITS;
    lim.max_members = 100;
    char err[256], buf[4096];
    size_t len = 0;
    buf[len++] = '[';
    for (int i = 0; i < 100; i++)
        len += (size_t)sprintf(buf + len, "%s%d", i ? "," : "", i);
    buf[len++] = ']';
    JsonValue *v = json_parse(buf, len, &lim, err, sizeof err);
    ck_assert_msg(v != NULL, "%s", err);
    ck_assert_uint_eq(v->u.arr.n, 100);
    json_free(v);
    len--;
    len += (size_t)sprintf(buf + len, ",100]");
    ck_assert_ptr_null(json_parse(buf, len, &lim, err, sizeof err));
    ck_assert_msg(strstr(err, "more than 100 members") != NULL, "%s", err);
    /* an object: the same limit, and no duplicate names */
    len = 0;
    buf[len++] = '{';
    for (int i = 0; i < 100; i++)
        len += (size_t)sprintf(buf + len, "%s\"k%d\":%d", i ? "," : "", i, i);
    buf[len++] = '}';
    v = json_parse(buf, len, &lim, err, sizeof err);
    ck_assert_msg(v != NULL, "%s", err);
    ck_assert_int_eq(json_get(v, "k57")->u.num.i, 57);
    json_free(v);
    len = 0; /* the same with the last member named k3 */
    buf[len++] = '{';
    for (int i = 0; i < 100; i++)
        len += (size_t)sprintf(buf + len, "%s\"k%d\":%d", i ? "," : "", i == 99 ? 3 : i, i);
    buf[len++] = '}';
    ck_assert_ptr_null(json_parse(buf, len, &lim, err, sizeof err));
    ck_assert_msg(strstr(err, "duplicate member 'k3'") != NULL, "%s", err);
    refuses_s("{\"a\": 1, \"a\": 2}", "duplicate");
    refuses_s("{\"a\": {\"b\": 1, \"b\": 1}}", "duplicate");
    accepts("{\"a\": {\"a\": {\"a\": 1}}, \"b\": {\"a\": 2}}");
}
END_TEST

START_TEST(test_write_roundtrip)
{
    const char *doc = "{\"a\": [1, -2, 0.5, true, false, null], \"s\": \"\\\"q\\\\\\n\\t\\u0001\xc3\xa9\", "
                      "\"o\": {}, \"e\": []}";
    char err[256];
    JsonValue *v = parse(doc, err);
    ck_assert_msg(v != NULL, "%s", err);
    char *t = text_of(v);
    ck_assert_str_eq(t, "{\"a\": [1, -2, 0.5, true, false, null], \"s\": \"\\\"q\\\\\\n\\t\\u0001\xc3\xa9\", "
                        "\"o\": {}, \"e\": []}");
    JsonValue *w = parse(t, err);
    ck_assert_msg(w != NULL, "%s", err);
    char *t2 = text_of(w);
    ck_assert_str_eq(t, t2);
    free(t);
    free(t2);
    json_free(w);
    /* a copy writes the same */
    JsonValue *c = json_copy(v);
    t = text_of(c);
    t2 = text_of(v);
    ck_assert_str_eq(t, t2);
    free(t);
    free(t2);
    json_free(c);
    json_free(v);
}
END_TEST

/* Strings the program builds from arbitrary bytes are still written as
 * valid JSON: invalid UTF-8 becomes U+FFFD, controls are escaped. */
START_TEST(test_write_hostile_bytes)
{
    const char raw[] = "a\xff\xc0\xaf\x01\x7f\xed\xa0\x80z\xe2\x82\xac";
    JsonValue *s = json_string_len(raw, sizeof raw - 1);
    char *t = text_of(s);
    ck_assert_str_eq(t, "\"a\\ufffd\\ufffd\\ufffd\\u0001\x7f\\ufffd\\ufffd\\ufffdz\xe2\x82\xac\"");
    char err[256];
    JsonValue *back = parse(t, err);
    ck_assert_msg(back != NULL, "%s", err);
    json_free(back);
    free(t);
    json_free(s);
}
END_TEST

START_TEST(test_builders)
{
    JsonValue *o = json_object();
    ck_assert_int_eq(json_set_int(o, "n", 5), 0);
    ck_assert_int_eq(json_set_str(o, "s", "x"), 0);
    ck_assert_int_eq(json_set_bool(o, "b", true), 0);
    ck_assert_int_eq(json_set_int(o, "n", 6), 0); /* replaces */
    JsonValue *a = json_array();
    ck_assert_int_eq(json_append(a, json_null()), 0);
    ck_assert_int_eq(json_set(o, "a", a), 0);
    ck_assert_int_eq(json_set(o, "z", NULL), -1);
    ck_assert_int_eq(json_append(o, json_int(1)), -1); /* not an array: the value is freed */
    char *t = text_of(o);
    ck_assert_str_eq(t, "{\"n\": 6, \"s\": \"x\", \"b\": true, \"a\": [null]}");
    free(t);
    ck_assert_str_eq(json_get_str(o, "s"), "x");
    ck_assert_ptr_null(json_get_str(o, "n"));
    ck_assert_ptr_null(json_get(o, "missing"));
    json_free(o);
    /* a bounded buffer says it overflowed instead of growing */
    JsonBuf b;
    jbuf_init(&b, 8);
    jbuf_puts(&b, "12345678");
    ck_assert(!b.overflow);
    jbuf_puts(&b, "9");
    ck_assert(b.overflow);
    jbuf_free(&b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("json");
    tcase_set_timeout(tc, 60); /* a hang guard */
    tcase_add_test(tc, test_scalars);
    tcase_add_test(tc, test_strings);
    tcase_add_test(tc, test_bad_syntax);
    tcase_add_test(tc, test_bad_numbers);
    tcase_add_test(tc, test_bad_strings);
    tcase_add_test(tc, test_every_truncation);
    tcase_add_test(tc, test_depth);
    tcase_add_test(tc, test_big_string);
    tcase_add_test(tc, test_members);
    tcase_add_test(tc, test_write_roundtrip);
    tcase_add_test(tc, test_write_hostile_bytes);
    tcase_add_test(tc, test_builders);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
