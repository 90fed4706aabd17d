/* The writer every renderer shares: escaping for each place a string lands (HTML text
 * and attributes, markdown, JSON as Python writes it, JSON inside <script>), numbers and
 * times as the pages show them. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docs_internal.h"

void docs_out_init(dq_docs_out *o)
{
    dq_buf_init(&o->buf, DQ_DOCS_MAX_PAGE);
    dq_buf_init(&o->scratch, DQ_DOCS_MAX_PAGE);
    o->code = DQ_OK;
}

void docs_out_free(dq_docs_out *o)
{
    dq_buf_free(&o->buf);
    dq_buf_free(&o->scratch);
}

void docs_out_reset(dq_docs_out *o)
{
    dq_buf_reset(&o->buf);
    o->code = DQ_OK;
}

/* The decimal digits of n, written backwards to end; returns where they start. */
static char *digits_before(char *end, uint64_t n)
{
    do {
        *--end = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    return end;
}

/* A whole number from its sign and magnitude (so that INT64_MIN needs no negation). */
static void out_number(dq_docs_out *o, bool negative, uint64_t magnitude)
{
    char text[24];
    char *end = text + sizeof(text);
    char *start = digits_before(end, magnitude);
    if (negative)
        *--start = '-';
    docs_out_mem(o, start, (size_t)(end - start));
}

static uint64_t magnitude_of(int64_t n)
{
    return n < 0 ? 0 - (uint64_t)n : (uint64_t)n;
}

/* v as printf's %.<decimals>f writes it. Charts and tables are full of such numbers, so
 * the digits come from exact integer arithmetic (dq_double_fixed) rather than printf's
 * arbitrary-precision arithmetic whenever they fit 64 bits. */
static void out_fixed(dq_docs_out *o, double v, int decimals)
{
    uint64_t n;
    if (dq_double_fixed(v, decimals, &n)) {
        char text[32];
        char *end = text + sizeof(text), *start = end;
        for (int i = 0; i < decimals; i++, n /= 10)
            *--start = (char)('0' + n % 10);
        if (decimals)
            *--start = '.';
        start = digits_before(start, n);
        if (signbit(v))
            *--start = '-'; /* printf keeps the sign of -0.001 as "-0.00" */
        docs_out_mem(o, start, (size_t)(end - start));
        return;
    }
    char text[512];
    int n_out = snprintf(text, sizeof(text), "%.*f", decimals, v);
    if (n_out > 0)
        docs_out_mem(o, text, (size_t)n_out < sizeof(text) ? (size_t)n_out : sizeof(text) - 1);
}

/* Writes fmt when it converts nothing but %s, %d, %lld, %zu, %.Nf (one digit N) and %%;
 * false at the first other conversion, with part of fmt written and its arguments taken. */
static bool out_plain(dq_docs_out *o, const char *fmt, va_list ap)
{
    for (const char *p = fmt;;) {
        const char *pct = strchr(p, '%');
        if (!pct) {
            docs_out_str(o, p);
            return true;
        }
        docs_out_mem(o, p, (size_t)(pct - p));
        p = pct + 2;
        if (pct[1] == 's') {
            const char *s = va_arg(ap, const char *);
            docs_out_str(o, s ? s : "(null)"); /* as glibc's printf */
        } else if (pct[1] == 'd') {
            int n = va_arg(ap, int);
            out_number(o, n < 0, magnitude_of(n));
        } else if (pct[1] == 'z' && pct[2] == 'u') {
            out_number(o, false, va_arg(ap, size_t));
            p++;
        } else if (pct[1] == 'l' && pct[2] == 'l' && pct[3] == 'd') {
            long long n = va_arg(ap, long long);
            out_number(o, n < 0, magnitude_of(n));
            p += 2;
        } else if (pct[1] == '.' && pct[2] >= '0' && pct[2] <= '9' && pct[3] == 'f') {
            out_fixed(o, va_arg(ap, double), pct[2] - '0');
            p += 2;
        } else if (pct[1] == '%') {
            docs_out_char(o, '%');
        } else {
            return false;
        }
    }
}

/* Pages are made of many short formatted pieces, most with only strings, whole numbers
 * and numbers with a few decimals in them: those are written directly in one pass over
 * fmt, as vsnprintf's set-up for each piece (a stream, the locale) costs more than the
 * piece. A piece with any other conversion is taken back and goes through one vsnprintf
 * into a stack buffer, then one copy, cheaper than sizing each piece in the buffer. */
void docs_out_printf(dq_docs_out *o, const char *fmt, ...)
{
    if (o->code != DQ_OK)
        return;
    size_t mark = o->buf.len;
    va_list ap;
    va_start(ap, fmt);
    bool written = out_plain(o, fmt, ap);
    va_end(ap);
    if (written || o->code != DQ_OK)
        return;
    dq_buf_truncate(&o->buf, mark);
    char piece[512];
    va_start(ap, fmt);
    int n = vsnprintf(piece, sizeof(piece), fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof(piece)) {
        docs_out_mem(o, piece, (size_t)n);
        return;
    }
    va_start(ap, fmt);
    o->code = dq_buf_vprintf(&o->buf, fmt, ap);
    va_end(ap);
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when it is not valid; the code
 * point goes to *cp. Overlong forms and surrogates are invalid. */
static size_t utf8_next(const unsigned char *s, unsigned *cp)
{
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
    if (n == 0 || c > 0xf4)
        return 0;
    unsigned v = c & (0x3f >> (n - 1));
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3f);
    }
    static const unsigned least[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (v < least[n] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return n;
}

static const char replacement[] = "\xef\xbf\xbd";

/* The characters HTML text and attributes must not hold as they are, and their entities;
 * markdown hands the same ones to the HTML escaper. */
static const char html_special[] = "&<>\"'";
static const char *const html_entities[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"};

/* The ASCII bytes HTML text and attributes take as they are: printable, not special. */
static const unsigned char html_plain[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x00 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x10 */
    1, 1, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x20 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, /* 0x30 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x40 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x50 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x60 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, /* 0x70 */
};

void docs_out_html(dq_docs_out *o, const char *s)
{
    if (!s)
        return;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        const unsigned char *run = p;
        /* Copy the longest stretch that needs nothing, then handle one character. A table
         * says which bytes need nothing: pages run through here byte by byte. */
        while (html_plain[*p])
            p++;
        docs_out_mem(o, (const char *)run, (size_t)(p - run));
        if (!*p)
            break;
        unsigned cp;
        size_t n = utf8_next(p, &cp);
        if (n == 0) {
            docs_out_str(o, replacement);
            p++;
            continue;
        }
        const char *special = cp < 0x80 ? strchr(html_special, (int)cp) : NULL;
        if (special)
            docs_out_str(o, html_entities[special - html_special]);
        else if (cp == '\n' || cp == '\t')
            docs_out_char(o, (char)cp);
        else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
            docs_out_str(o, replacement);
        else
            docs_out_mem(o, (const char *)p, n);
        p += n;
    }
}

void docs_out_markdown(dq_docs_out *o, const char *s)
{
    if (!s)
        return;
    for (const char *p = s; *p;) {
        size_t n = strcspn(p, "|`*_[]\\\n\r<>&\"'#");
        if (n) {
            /* Plain text still goes through the HTML escaper for invalid UTF-8. */
            char *part = dq_strndup(p, n);
            if (!part) {
                o->code = o->code ? o->code : DQ_ENOMEM;
                return;
            }
            docs_out_html(o, part);
            free(part);
            p += n;
            continue;
        }
        if (*p == '\n' || *p == '\r')
            docs_out_char(o, ' ');
        else if (strchr(html_special, *p))
            docs_out_html(o, (char[]){*p, 0});
        else {
            docs_out_char(o, '\\');
            docs_out_char(o, *p);
        }
        p++;
    }
}

void docs_out_json_string(dq_docs_out *o, const char *s, bool script_safe)
{
    docs_out_char(o, '"');
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        const unsigned char *run = p;
        while (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\' &&
               !(script_safe && (*p == '<' || *p == '>' || *p == '&')))
            p++;
        docs_out_mem(o, (const char *)run, (size_t)(p - run));
        if (!*p)
            break;
        unsigned cp;
        size_t n = utf8_next(p, &cp);
        if (n == 0) {
            cp = 0xfffd;
            n = 1;
        }
        p += n;
        char escape[DQ_JSON_ESCAPE_SIZE];
        docs_out_str(o, dq_json_escape(cp, escape));
    }
    docs_out_char(o, '"');
}

void docs_out_json_double(dq_docs_out *o, double v)
{
    char text[48];
    dq_py_float_repr(v, text, sizeof text);
    docs_out_str(o, text);
}

/* cJSON keeps every number as a double: a whole number in the exact range is written
 * as an integer, as the writer most likely had it. */
static void out_json_number(dq_docs_out *o, double v)
{
    char text[48];
    dq_py_number_text(v, text, sizeof text);
    docs_out_str(o, text);
}

static void out_newline(dq_docs_out *o, int indent, int depth)
{
    docs_out_char(o, '\n');
    for (int i = 0; i < indent * depth; i++)
        docs_out_char(o, ' ');
}

void docs_out_json(dq_docs_out *o, const cJSON *v, int indent, int depth, bool script_safe)
{
    if (!v || cJSON_IsNull(v)) {
        docs_out_str(o, "null");
    } else if (cJSON_IsBool(v)) {
        docs_out_str(o, cJSON_IsTrue(v) ? "true" : "false");
    } else if (cJSON_IsNumber(v)) {
        out_json_number(o, v->valuedouble);
    } else if (cJSON_IsString(v) || cJSON_IsRaw(v)) {
        docs_out_json_string(o, v->valuestring, script_safe);
    } else if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
        bool object = cJSON_IsObject(v);
        docs_out_char(o, object ? '{' : '[');
        for (const cJSON *c = v->child; c; c = c->next) {
            if (indent)
                out_newline(o, indent, depth + 1);
            if (object) {
                docs_out_json_string(o, c->string, script_safe);
                docs_out_str(o, ": ");
            }
            docs_out_json(o, c, indent, depth + 1, script_safe);
            if (c->next)
                docs_out_str(o, indent ? "," : ", ");
        }
        if (indent && v->child)
            out_newline(o, indent, depth);
        docs_out_char(o, object ? '}' : ']');
    }
}

/* Writes v as compact JSON into o's scratch buffer (reused from value to value, so a
 * page with thousands of sample values allocates once). */
static const char *value_text(dq_docs_out *o, const cJSON *v)
{
    dq_docs_out tmp = {.buf = o->scratch, .code = DQ_OK};
    dq_buf_reset(&tmp.buf);
    docs_out_json(&tmp, v, 0, 0, false);
    o->scratch = tmp.buf;
    if (tmp.code && o->code == DQ_OK)
        o->code = tmp.code;
    return tmp.code ? NULL : dq_buf_str(&o->scratch);
}

void docs_out_value_html(dq_docs_out *o, const cJSON *v)
{
    if (cJSON_IsString(v)) {
        docs_out_html(o, v->valuestring);
    } else if (cJSON_IsArray(v) || cJSON_IsObject(v) || cJSON_IsRaw(v)) {
        docs_out_html(o, value_text(o, v));
    } else {
        /* A number, true, false or null: plain ASCII that needs no escaping, so it is
         * written as it is, without the copy in scratch. */
        docs_out_json(o, v, 0, 0, false);
    }
}

void docs_out_value_markdown(dq_docs_out *o, const cJSON *v)
{
    docs_out_markdown(o, cJSON_IsString(v) ? v->valuestring : value_text(o, v));
}

void docs_out_hex64(dq_docs_out *o, uint64_t v)
{
    static const char hex[] = "0123456789abcdef";
    char text[16];
    for (int i = 15; i >= 0; i--, v >>= 4)
        text[i] = hex[v & 15];
    docs_out_mem(o, text, sizeof(text));
}

/* %.17g of a number that is not whole, from its 17 exact digits d and exponent x: %f's
 * form for -4 <= x < 17, else %e's, trailing zeros dropped either way. */
static void out_g17_digits(dq_docs_out *o, bool negative, uint64_t d, int x)
{
    char digits[17], text[48];
    for (int i = 16; i >= 0; i--, d /= 10)
        digits[i] = (char)('0' + d % 10);
    size_t nd = 17;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    char *p = text;
    if (negative)
        *p++ = '-';
    bool fixed = x >= -4 && x < 17;
    if (fixed && x < 0) {
        memcpy(p, "0.000", (size_t)(1 - x)); /* "0." and -x - 1 zeros */
        p += 1 - x;
        memcpy(p, digits, nd);
        p += nd;
    } else {
        size_t point = fixed ? (size_t)x + 1 : 1; /* digits before the point */
        for (size_t i = 0; i < nd || i < point; i++) {
            if (i == point)
                *p++ = '.';
            *p++ = i < nd ? digits[i] : '0';
        }
    }
    if (!fixed)
        p += snprintf(p, 8, "e%c%02d", x < 0 ? '-' : '+', x < 0 ? -x : x);
    docs_out_mem(o, text, (size_t)(p - text));
}

void docs_out_g17(dq_docs_out *o, double v)
{
    /* %.17g writes a whole number below 1e17 as its digits; -0.0 stays with printf. */
    if (fabs(v) < 1e15 && v == (double)(int64_t)v && (v != 0 || !signbit(v))) {
        int64_t n = (int64_t)v;
        out_number(o, n < 0, magnitude_of(n));
        return;
    }
    uint64_t digits;
    int exp10;
    if (dq_double_digits(v, 17, &digits, &exp10)) {
        out_g17_digits(o, signbit(v), digits, exp10);
        return;
    }
    docs_out_printf(o, "%.17g", v);
}

void docs_out_count(dq_docs_out *o, int64_t n)
{
    char text[32];
    char *end = text + sizeof(text);
    const char *digits = digits_before(end, magnitude_of(n));
    size_t len = (size_t)(end - digits);
    if (n < 0)
        docs_out_char(o, '-');
    for (size_t i = 0; i < len; i++) {
        if (i && (len - i) % 3 == 0)
            docs_out_char(o, ',');
        docs_out_char(o, digits[i]);
    }
}

void docs_out_time(dq_docs_out *o, dq_time t)
{
    char text[40];
    if (dq_time_format_plain(t, text, sizeof(text)) == 0)
        snprintf(text, sizeof(text), "-");
    docs_out_str(o, text);
}
