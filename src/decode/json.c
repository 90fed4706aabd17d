/* JSON as Python's json.loads reads it, into cJSON trees.
 *
 * cJSON's own parser cost half of a docs build's CPU: it compares every value with
 * "null", "false" and "true" before looking at it, asks the locale for the decimal point
 * and calls strtod for every number, and reads each string twice through the allocator.
 * This parser builds the same tree (nodes and strings from cJSON_malloc, so from the
 * result's arena and freed by cJSON_Delete as any other), in one pass, and reads the
 * grammar json.loads reads: its four whitespace bytes only, no control characters inside
 * strings, strict numbers, and the NaN, Infinity and -Infinity that json.dumps writes for
 * float specials. Like cJSON it keeps duplicate keys in order (dq_json_member picks the
 * last, as a Python dict does) and refuses what a C string cannot hold: lone surrogates. */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode_internal.h"

typedef enum json_failure {
    JSON_FAIL_SYNTAX,
    JSON_FAIL_TRUNCATED,
    JSON_FAIL_DEPTH,
    JSON_FAIL_ESCAPE,
    JSON_FAIL_CONTROL,
    JSON_FAIL_NAN_KEY,
    JSON_FAIL_MEMORY,
} json_failure;

typedef struct json_reader {
    const char *start;
    const char *p;
    const char *end;
    int depth;
    /* The first failure: what, where, and whether the text ended inside a string. */
    json_failure failure;
    const char *fail_at;
    bool in_string;
} json_reader;

static void *json_fail(json_reader *r, json_failure failure, const char *at)
{
    r->failure = failure;
    r->fail_at = at;
    return NULL;
}

/* A syntax error, or the end of a text cut short when it happened at the end. */
static void *json_fail_at(json_reader *r, const char *at)
{
    return json_fail(r, at >= r->end ? JSON_FAIL_TRUNCATED : JSON_FAIL_SYNTAX, at);
}

/* Eight bytes at p as one little-endian word, for the word-at-a-time scans below. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define JSON_WORDS 1
#else
#define JSON_WORDS 0
#endif
#define JSON_BYTES(b) (UINT64_C(0x0101010101010101) * (b))

static uint64_t json_load(const char *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof w);
    return w;
}

/* The high bit of each byte of w that is zero; bits above the lowest may be false, so
 * only the lowest is read. */
static uint64_t json_zero_bytes(uint64_t w)
{
    return (w - JSON_BYTES(0x01)) & ~w & JSON_BYTES(0x80);
}

static bool json_is_space(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* json.dumps(indent=2) puts a newline and two spaces a level before most tokens: after
 * the newline, spaces are skipped eight at a time. */
static void json_skip_space(json_reader *r)
{
    const char *p = r->p, *end = r->end;
    if (p < end && (unsigned char)*p > ' ')
        return; /* between a value and its comma, a key and its colon */
    if (p < end && *p == '\n')
        p++;
    while (JSON_WORDS && end - p >= 8) {
        uint64_t other = json_load(p) ^ JSON_BYTES(' ');
        if (other) {
            p += __builtin_ctzll(other) / 8;
            break;
        }
        p += 8;
    }
    while (p < end && json_is_space(*p))
        p++;
    r->p = p;
}

static cJSON *json_node(json_reader *r, int type)
{
    cJSON *item = cJSON_malloc(sizeof *item);
    if (!item)
        return json_fail(r, JSON_FAIL_MEMORY, r->p);
    memset(item, 0, sizeof *item);
    item->type = type;
    return item;
}

/* ---- literals and numbers ----------------------------------------------------------- */

/* True when the text at r->p is word; a text that ends inside the word is truncated. */
static bool json_word(json_reader *r, const char *word, size_t n)
{
    size_t left = (size_t)(r->end - r->p);
    if (left >= n && memcmp(r->p, word, n) == 0) {
        r->p += n;
        return true;
    }
    if (left < n && memcmp(r->p, word, left) == 0)
        json_fail(r, JSON_FAIL_TRUNCATED, r->end);
    else
        json_fail(r, JSON_FAIL_SYNTAX, r->p);
    return false;
}

/* valueint as cJSON sets it: the double clamped to int, 0 for NaN. */
static cJSON *json_number_node(json_reader *r, double value)
{
    cJSON *item = json_node(r, cJSON_Number);
    if (!item)
        return NULL;
    item->valuedouble = value;
    if (isnan(value))
        item->valueint = 0;
    else if (value >= INT_MAX)
        item->valueint = INT_MAX;
    else if (value <= (double)INT_MIN)
        item->valueint = INT_MIN;
    else
        item->valueint = (int)value;
    return item;
}

static const char *json_digits(const char *p, const char *end)
{
    while (p < end && *p >= '0' && *p <= '9')
        p++;
    return p;
}

/* The decimal digits of a number, whole and fraction, as one integer and a power of ten.
 * exact is false when they do not fit 19 digits. */
typedef struct json_decimal {
    uint64_t digits;
    int scale;
    int count; /* significant digits taken */
    bool exact;
} json_decimal;

static void json_decimal_take(json_decimal *d, const char *from, const char *to, bool fraction)
{
    for (const char *p = from; p < to; p++) {
        if (d->count == 0 && *p == '0') {
            d->scale -= fraction;
            continue;
        }
        if (d->count == 19) {
            d->exact = false;
            return;
        }
        d->digits = d->digits * 10 + (uint64_t)(*p - '0');
        d->count++;
        d->scale -= fraction;
    }
}

/* Clinger's fast path: digits below 2^53 and a power of ten up to 22 are both exact
 * doubles, so one multiplication or division rounds correctly, as strtod would. */
static bool json_decimal_fast(const json_decimal *d, int exponent, double *out)
{
    static const double powers[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                    1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                    1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    if (!d->exact || d->digits > ((uint64_t)1 << 53))
        return false;
    int scale = d->scale + exponent;
    if (scale < -22 || scale > 22)
        return false;
    double v = (double)d->digits;
    *out = scale < 0 ? v / powers[-scale] : v * powers[scale];
    return true;
}

/* strtod on a NUL-terminated copy: the text of a file is not terminated. The number
 * holds only ASCII digits, sign, '.' and exponent, which strtod reads alike in the "C"
 * locale dqbatch keeps. */
static bool json_number_strtod(json_reader *r, const char *from, const char *to, double *out)
{
    char small[64];
    size_t n = (size_t)(to - from);
    char *copy = n < sizeof small ? small : malloc(n + 1);
    if (!copy) {
        json_fail(r, JSON_FAIL_MEMORY, from);
        return false;
    }
    memcpy(copy, from, n);
    copy[n] = '\0';
    *out = strtod(copy, NULL);
    if (copy != small)
        free(copy);
    return true;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? and -Infinity. */
static cJSON *json_number(json_reader *r)
{
    const char *start = r->p, *p = r->p, *end = r->end;
    bool negative = *p == '-';
    p += negative;
    if (negative && p < end && *p == 'I') {
        r->p = p;
        return json_word(r, "Infinity", 8) ? json_number_node(r, -INFINITY) : NULL;
    }
    json_decimal d = {0, 0, 0, true};
    const char *whole = p;
    if (p < end && *p == '0')
        p++;
    else if (p < end && *p >= '1' && *p <= '9')
        p = json_digits(p, end);
    else
        return json_fail_at(r, p);
    json_decimal_take(&d, whole, p, false);
    if (p < end && *p == '.') {
        const char *fraction = ++p;
        p = json_digits(p, end);
        if (p == fraction)
            return json_fail_at(r, p);
        json_decimal_take(&d, fraction, p, true);
    }
    int exponent = 0;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        bool minus = p < end && *p == '-';
        p += p < end && (*p == '-' || *p == '+');
        const char *digits = p;
        p = json_digits(p, end);
        if (p == digits)
            return json_fail_at(r, p);
        /* Past 9 digits the exponent only matters to strtod. */
        if (p - digits > 9)
            d.exact = false;
        for (const char *q = digits; d.exact && q < p; q++)
            exponent = exponent * 10 + (*q - '0');
        exponent = minus ? -exponent : exponent;
    }
    r->p = p;
    double value;
    if (json_decimal_fast(&d, exponent, &value))
        return json_number_node(r, negative ? -value : value);
    if (!json_number_strtod(r, start, p, &value))
        return NULL;
    return json_number_node(r, value);
}

/* ---- strings ------------------------------------------------------------------------ */

/* Bytes that end a run of plain string bytes: controls, the quote and the backslash. */
static const unsigned char json_string_stop[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,         1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, ['"'] = 1, ['\\'] = 1,
};

/* The four hex digits at p (before end) as a UTF-16 unit, or -1. */
static long json_utf16_unit(const char *p, const char *end)
{
    if (end - p < 4)
        return -1;
    long unit = 0;
    for (int i = 0; i < 4; i++) {
        int h = dq_hex_digit(p[i]);
        if (h < 0)
            return -1;
        unit = unit * 16 + h;
    }
    return unit;
}

static char *json_put_utf8(char *out, unsigned long code)
{
    if (code < 0x80) {
        *out++ = (char)code;
    } else if (code < 0x800) {
        *out++ = (char)(0xc0 | (code >> 6));
        *out++ = (char)(0x80 | (code & 0x3f));
    } else if (code < 0x10000) {
        *out++ = (char)(0xe0 | (code >> 12));
        *out++ = (char)(0x80 | ((code >> 6) & 0x3f));
        *out++ = (char)(0x80 | (code & 0x3f));
    } else {
        *out++ = (char)(0xf0 | (code >> 18));
        *out++ = (char)(0x80 | ((code >> 12) & 0x3f));
        *out++ = (char)(0x80 | ((code >> 6) & 0x3f));
        *out++ = (char)(0x80 | (code & 0x3f));
    }
    return out;
}

/* A \uXXXX escape at p (the backslash), a surrogate pair as one code point. Returns
 * where the escape ends, or NULL for bad hex digits and lone surrogates. */
static const char *json_unicode_escape(const char *p, const char *end, char **out)
{
    long unit = json_utf16_unit(p + 2, end);
    if (unit < 0 || (unit >= 0xdc00 && unit <= 0xdfff))
        return NULL;
    p += 6;
    unsigned long code = (unsigned long)unit;
    if (unit >= 0xd800 && unit <= 0xdbff) {
        long low = end - p >= 6 && p[0] == '\\' && p[1] == 'u' ? json_utf16_unit(p + 2, end) : -1;
        if (low < 0xdc00 || low > 0xdfff)
            return NULL;
        code = 0x10000 + (((unsigned long)unit - 0xd800) << 10) + ((unsigned long)low - 0xdc00);
        p += 6;
    }
    *out = json_put_utf8(*out, code);
    return p;
}

/* Decodes the escapes of the string body [p, end) into out, which has room for its bytes:
 * no escape takes fewer bytes than it decodes to. */
static bool json_unescape(json_reader *r, const char *p, const char *end, char *out)
{
    static const char simple[128] = {['"'] = '"',  ['\\'] = '\\', ['/'] = '/',  ['b'] = '\b',
                                     ['f'] = '\f', ['n'] = '\n',  ['r'] = '\r', ['t'] = '\t'};
    while (p < end) {
        const char *backslash = memchr(p, '\\', (size_t)(end - p));
        size_t plain = (size_t)((backslash ? backslash : end) - p);
        memcpy(out, p, plain);
        out += plain;
        if (!backslash)
            break;
        unsigned char c = (unsigned char)backslash[1];
        if (c == 'u') {
            p = json_unicode_escape(backslash, end, &out);
            if (!p) {
                json_fail(r, JSON_FAIL_ESCAPE, backslash);
                return false;
            }
        } else if (c < 128 && simple[c]) {
            *out++ = simple[c];
            p = backslash + 2;
        } else {
            json_fail(r, JSON_FAIL_SYNTAX, backslash);
            return false;
        }
    }
    *out = '\0';
    return true;
}

/* The first byte from p on that ends a run of plain string bytes, or end. */
static const char *json_plain_end(const char *p, const char *end)
{
    while (JSON_WORDS && end - p >= 8) {
        uint64_t w = json_load(p);
        uint64_t stop = json_zero_bytes(w ^ JSON_BYTES('"')) |
                        json_zero_bytes(w ^ JSON_BYTES('\\')) |
                        ((w - JSON_BYTES(0x20)) & ~w & JSON_BYTES(0x80));
        if (stop)
            return p + __builtin_ctzll(stop) / 8;
        p += 8;
    }
    while (p < end && !json_string_stop[(unsigned char)*p])
        p++;
    return p;
}

/* The string whose opening quote is at r->p, as a new C string. */
static char *json_string(json_reader *r)
{
    const char *body = r->p + 1, *p = body, *end = r->end;
    bool escaped = false;
    for (;;) {
        p = json_plain_end(p, end);
        if (p >= end || (*p == '\\' && p + 1 >= end)) {
            r->in_string = true;
            return json_fail(r, JSON_FAIL_TRUNCATED, end);
        }
        if (*p == '"')
            break;
        if (*p != '\\')
            return json_fail(r, JSON_FAIL_CONTROL, p);
        escaped = true;
        p += 2;
    }
    size_t n = (size_t)(p - body);
    char *s = cJSON_malloc(n + 1);
    if (!s)
        return json_fail(r, JSON_FAIL_MEMORY, body);
    if (!escaped) {
        memcpy(s, body, n);
        s[n] = '\0';
    } else if (!json_unescape(r, body, p, s)) {
        cJSON_free(s);
        return NULL;
    }
    r->p = p + 1;
    return s;
}

static cJSON *json_string_node(json_reader *r)
{
    char *s = json_string(r);
    if (!s)
        return NULL;
    cJSON *item = json_node(r, cJSON_String);
    if (!item) {
        cJSON_free(s);
        return NULL;
    }
    item->valuestring = s;
    return item;
}

/* ---- arrays and objects ------------------------------------------------------------- */

static cJSON *json_value(json_reader *r);

/* An object's key and its colon, leaving r->p at the value. */
static char *json_key(json_reader *r)
{
    if (r->p < r->end && *r->p != '"') {
        size_t left = (size_t)(r->end - r->p);
        bool nan = left >= 3 && memcmp(r->p, "NaN", 3) == 0;
        return json_fail(r, nan ? JSON_FAIL_NAN_KEY : JSON_FAIL_SYNTAX, r->p);
    }
    if (r->p >= r->end)
        return json_fail(r, JSON_FAIL_TRUNCATED, r->p);
    char *key = json_string(r);
    if (!key)
        return NULL;
    json_skip_space(r);
    if (r->p < r->end && *r->p == ':') {
        /* json.dumps writes ": " */
        r->p += 1 + (r->end - r->p > 1 && r->p[1] == ' ');
        json_skip_space(r);
        return key;
    }
    cJSON_free(key);
    return json_fail_at(r, r->p);
}

/* One member of container: for an object its key and value, for an array its value. */
static cJSON *json_member(json_reader *r, bool object)
{
    char *key = object ? json_key(r) : NULL;
    if (object && !key)
        return NULL;
    cJSON *item = json_value(r);
    if (!item) {
        cJSON_free(key);
        return NULL;
    }
    item->string = key;
    return item;
}

/* Members up to the closing bracket; cJSON's lists keep their last item in child->prev. */
static bool json_members(json_reader *r, cJSON *container, bool object, char close)
{
    cJSON *last = NULL;
    for (;;) {
        cJSON *item = json_member(r, object);
        if (!item)
            return false;
        if (last) {
            last->next = item;
            item->prev = last;
        } else {
            container->child = item;
        }
        last = item;
        container->child->prev = last;
        json_skip_space(r);
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            json_skip_space(r);
        } else if (r->p < r->end && *r->p == close) {
            r->p++;
            return true;
        } else {
            json_fail_at(r, r->p);
            return false;
        }
    }
}

static cJSON *json_container(json_reader *r, bool object)
{
    if (++r->depth > DQ_DECODE_NESTING_LIMIT)
        return json_fail(r, JSON_FAIL_DEPTH, r->p);
    cJSON *container = json_node(r, object ? cJSON_Object : cJSON_Array);
    if (!container)
        return NULL;
    char close = object ? '}' : ']';
    r->p++;
    json_skip_space(r);
    if (r->p < r->end && *r->p == close) {
        r->p++;
    } else if (!json_members(r, container, object, close)) {
        cJSON_Delete(container);
        return NULL;
    }
    r->depth--;
    return container;
}

static cJSON *json_value(json_reader *r)
{
    if (r->p >= r->end)
        return json_fail(r, JSON_FAIL_TRUNCATED, r->p);
    switch (*r->p) {
    case '"':
        return json_string_node(r);
    case '{':
        return json_container(r, true);
    case '[':
        return json_container(r, false);
    case 't':
        return json_word(r, "true", 4) ? json_node(r, cJSON_True) : NULL;
    case 'f':
        return json_word(r, "false", 5) ? json_node(r, cJSON_False) : NULL;
    case 'n':
        return json_word(r, "null", 4) ? json_node(r, cJSON_NULL) : NULL;
    case 'N':
        return json_word(r, "NaN", 3) ? json_number_node(r, NAN) : NULL;
    case 'I':
        return json_word(r, "Infinity", 8) ? json_number_node(r, INFINITY) : NULL;
    default:
        return json_number(r);
    }
}

/* ---- the document ------------------------------------------------------------------- */

static void json_explain(const json_reader *r, const char *name, dq_error *err)
{
    size_t at = (size_t)(r->fail_at - r->start);
    size_t len = (size_t)(r->end - r->start);
    switch (r->failure) {
    case JSON_FAIL_TRUNCATED:
        if (r->in_string || r->depth > 0) {
            dq_fail(err, DQ_EFORMAT, "%s: truncated JSON (the text ends at byte %zu inside %s)",
                    name, len, r->in_string ? "a string" : "an array or object");
            return;
        }
        break;
    case JSON_FAIL_DEPTH:
        dq_fail(err, DQ_EFORMAT, "%s: JSON nested deeper than %d levels", name,
                DQ_DECODE_NESTING_LIMIT);
        return;
    case JSON_FAIL_ESCAPE:
        dq_fail(err, DQ_EFORMAT, "%s: invalid \\u escape (a lone surrogate?) at byte %zu", name,
                at);
        return;
    case JSON_FAIL_CONTROL:
        dq_fail(err, DQ_EFORMAT, "%s: control character inside a string at byte %zu", name, at);
        return;
    case JSON_FAIL_NAN_KEY:
        dq_fail(err, DQ_EFORMAT, "%s: NaN where an object key must be (byte %zu)", name, at);
        return;
    case JSON_FAIL_MEMORY:
        dq_fail(err, DQ_ENOMEM, "%s: out of memory", name);
        return;
    case JSON_FAIL_SYNTAX:
        break;
    }
    dq_fail(err, DQ_EFORMAT, "%s: invalid JSON at byte %zu", name, at);
}

dq_code dq_decode_text_check(const char *text, size_t len, const char *name, dq_error *err)
{
    if (len == 0)
        return dq_fail(err, DQ_EFORMAT, "%s: empty file", name);
    if (!dq_utf8_valid(text, len))
        return dq_fail(err, DQ_EFORMAT, "%s: invalid UTF-8", name);
    return DQ_OK;
}

cJSON *dq_json_parse(const char *text, size_t len, dq_error *err, const char *name)
{
    if (dq_decode_text_check(text, len, name, err))
        return NULL;
    json_reader r = {.start = text, .p = text, .end = text + len};
    json_skip_space(&r);
    cJSON *doc = json_value(&r);
    if (doc) {
        json_skip_space(&r);
        if (r.p == r.end)
            return doc;
        json_fail(&r, JSON_FAIL_SYNTAX, r.p);
        cJSON_Delete(doc);
    }
    json_explain(&r, name, err);
    return NULL;
}
