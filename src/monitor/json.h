/* JSON values, a strict RFC 8259 parser and a serializer, for the monitor.
 *
 * Input is hostile: the parser never recurses (an explicit stack bounded
 * by JsonLimits.max_depth), checks every length against the limits before
 * it allocates, accepts only well-formed UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF), only the escapes RFC 8259 lists
 * (a \u surrogate must be a proper pair), no control characters in
 * strings, numbers only in the RFC's grammar and finite as a double, no
 * duplicate member names, and exactly one value with nothing but white
 * space around it.  A failure gives a message naming the offset.
 *
 * Values built by the program (json_object() and friends) are trees owned
 * by their parent; json_free frees a whole tree.  Depth-first functions
 * (json_free, json_write) recurse, so they are only ever given trees no
 * deeper than a parse limit or what the program built itself. */
#ifndef E386_MONITOR_JSON_H
#define E386_MONITOR_JSON_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum JsonType { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } JsonType;

typedef struct JsonValue JsonValue;
typedef struct JsonMember {
    char *name;
    size_t name_len;
    JsonValue *value;
} JsonMember;

struct JsonValue {
    JsonType type;
    union {
        bool b;
        struct {
            double d;
            int64_t i;
            bool is_int; /* the literal was an integer that fits int64_t: i is exact */
        } num;
        struct {
            char *s; /* NUL-terminated; may also hold NULs (\u0000): see len */
            size_t len;
        } str;
        struct {
            JsonValue **items;
            size_t n, cap;
        } arr;
        struct {
            JsonMember *m;
            size_t n, cap;
        } obj;
    } u;
};

typedef struct JsonLimits {
    size_t max_input;   /* bytes of text */
    size_t max_depth;   /* nesting of arrays and objects */
    size_t max_string;  /* bytes of one decoded string or member name */
    size_t max_members; /* elements of one array or members of one object */
} JsonLimits;

/* The monitor's limits for one request (docs/monitor.md). */
#define JSON_DEFAULT_LIMITS ((JsonLimits){ 1u << 20, 64, 65536, 4096 })

/* Parse len bytes of text; NULL with a one-line message in err. */
JsonValue *json_parse(const char *text, size_t len, const JsonLimits *lim, char *err, size_t errlen);
void json_free(JsonValue *v);

/* ---- building ---- */
JsonValue *json_null(void);
JsonValue *json_bool(bool b);
JsonValue *json_int(int64_t i);
JsonValue *json_double(double d);
JsonValue *json_string(const char *s);
JsonValue *json_string_len(const char *s, size_t len);
JsonValue *json_array(void);
JsonValue *json_object(void);
/* Append to an array / set a member (replacing one of the same name); the
 * value is owned by the container from then on, also on failure (freed).
 * -1 on out of memory or a NULL value. */
int json_append(JsonValue *arr, JsonValue *v);
int json_set(JsonValue *obj, const char *name, JsonValue *v);
int json_set_str(JsonValue *obj, const char *name, const char *s);
int json_set_int(JsonValue *obj, const char *name, int64_t i);
int json_set_bool(JsonValue *obj, const char *name, bool b);
JsonValue *json_copy(const JsonValue *v);

/* ---- reading ---- */
/* The member's value, NULL if absent (or obj is not an object). */
const JsonValue *json_get(const JsonValue *obj, const char *name);
/* The string of a member, NULL if absent, not a string or holding a NUL. */
const char *json_get_str(const JsonValue *obj, const char *name);
bool json_is_int(const JsonValue *v);
const char *json_type_name(JsonType t);

/* ---- writing ---- */
/* A growable byte buffer that stops growing at cap (then overflow is set
 * and further bytes are dropped): output is bounded like input. */
typedef struct JsonBuf {
    char *data;
    size_t len, alloc, cap;
    bool overflow; /* cap reached or out of memory */
} JsonBuf;
void jbuf_init(JsonBuf *b, size_t cap);
void jbuf_free(JsonBuf *b);
void jbuf_add(JsonBuf *b, const char *s, size_t n);
void jbuf_puts(JsonBuf *b, const char *s);
void jbuf_printf(JsonBuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Compact JSON text (no newline).  Strings are written as valid UTF-8
 * whatever bytes they hold: control characters escaped, bytes that are
 * not UTF-8 replaced by U+FFFD. */
void json_write(JsonBuf *b, const JsonValue *v);
/* A quoted JSON string of n bytes, escaped as json_write does. */
void json_write_string(JsonBuf *b, const char *s, size_t n);
/* The length of the well-formed UTF-8 sequence at s (n bytes left), 0 if
 * there is none (RFC 3629: no overlong forms, no surrogates, nothing
 * above U+10FFFF). */
size_t json_utf8_seq(const unsigned char *s, size_t n);
#endif
