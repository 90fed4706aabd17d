/* A small XML reader for S3's answers (ListBucketResult, Error). S3 sends flat, simple
 * documents, so this reads elements and their text and nothing more: no DTDs (so no
 * entity expansion attacks), no namespaces (S3 uses a default one), bounded nesting. */
#include <stdlib.h>
#include <string.h>

#include "objstore_internal.h"

#define XML_MAX_DEPTH 16
#define XML_MAX_NAME 64

typedef struct xml_reader {
    const char *p;
    const char *end;
    const char *what;
    char names[XML_MAX_DEPTH][XML_MAX_NAME];
    int depth;
    bool had_child[XML_MAX_DEPTH];
    dq_buf text; /* text of the innermost open element */
    objstore_xml_fn fn;
    void *ctx;
    dq_error *err;
} xml_reader;

static dq_code xml_bad(xml_reader *x, const char *why)
{
    return dq_fail(x->err, DQ_EFORMAT, "%s: malformed XML answer: %s", x->what, why);
}

static dq_code add_utf8(dq_buf *b, unsigned long cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return dq_buf_add(b, u, n);
}

static dq_code decode_char_ref(xml_reader *x, const char *ref, size_t n)
{
    bool hex = n > 1 && (ref[1] == 'x' || ref[1] == 'X');
    const char *digits = ref + (hex ? 2 : 1);
    size_t count = n - (hex ? 2 : 1);
    if (count == 0 || count > 8)
        return xml_bad(x, "bad character reference");
    unsigned long cp = 0;
    for (size_t i = 0; i < count; i++) {
        char c = digits[i];
        int v = c >= '0' && c <= '9'          ? c - '0'
                : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
                : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                              : -1;
        if (v < 0)
            return xml_bad(x, "bad character reference");
        cp = cp * (hex ? 16 : 10) + (unsigned long)v;
    }
    /* NUL would cut the key short; surrogates are not characters. */
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return xml_bad(x, "character reference out of range");
    return add_utf8(&x->text, cp) == DQ_OK ? DQ_OK : xml_bad(x, "text too long");
}

static dq_code decode_named(xml_reader *x, const char *ref, size_t n)
{
    static const struct {
        const char *name;
        char c;
    } named[] = {{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
    for (size_t i = 0; i < sizeof(named) / sizeof(*named); i++)
        if (strlen(named[i].name) == n && memcmp(ref, named[i].name, n) == 0)
            return dq_buf_addc(&x->text, named[i].c) == DQ_OK ? DQ_OK : xml_bad(x, "text too long");
    return xml_bad(x, "unknown entity");
}

/* Text up to the next '<', entities decoded, appended to the open element's text. */
static dq_code read_text(xml_reader *x)
{
    while (x->p < x->end && *x->p != '<') {
        if (*x->p != '&') {
            const char *stop = x->p;
            while (stop < x->end && *stop != '<' && *stop != '&')
                stop++;
            if (x->depth > 0 && dq_buf_add(&x->text, x->p, (size_t)(stop - x->p)) != DQ_OK)
                return xml_bad(x, "text too long");
            x->p = stop;
            continue;
        }
        const char *semi = memchr(x->p, ';', (size_t)(x->end - x->p));
        if (!semi || semi - x->p > 12)
            return xml_bad(x, "unterminated entity");
        const char *ref = x->p + 1;
        size_t n = (size_t)(semi - ref);
        dq_code rc = n > 0 && ref[0] == '#' ? decode_char_ref(x, ref, n) : decode_named(x, ref, n);
        if (rc)
            return rc;
        x->p = semi + 1;
    }
    return DQ_OK;
}

/* Skips to just past `terminator`. */
static dq_code skip_past(xml_reader *x, const char *terminator, const char *why)
{
    size_t n = strlen(terminator);
    for (const char *q = x->p; q + n <= x->end; q++)
        if (memcmp(q, terminator, n) == 0) {
            x->p = q + n;
            return DQ_OK;
        }
    return xml_bad(x, why);
}

static dq_code read_cdata(xml_reader *x)
{
    const char *start = x->p + 9; /* "<![CDATA[" */
    for (const char *q = start; q + 3 <= x->end; q++)
        if (memcmp(q, "]]>", 3) == 0) {
            if (x->depth > 0 && dq_buf_add(&x->text, start, (size_t)(q - start)) != DQ_OK)
                return xml_bad(x, "text too long");
            x->p = q + 3;
            return DQ_OK;
        }
    return xml_bad(x, "unterminated CDATA");
}

static size_t name_length(const char *p, const char *end)
{
    size_t n = 0;
    while (p + n < end && !strchr(" \t\r\n/>", p[n]))
        n++;
    return n;
}

static dq_code open_element(xml_reader *x)
{
    const char *name = x->p + 1;
    size_t n = name_length(name, x->end);
    if (n == 0 || n >= XML_MAX_NAME)
        return xml_bad(x, "bad element name");
    if (x->depth == XML_MAX_DEPTH)
        return xml_bad(x, "nested too deep");
    const char *close = memchr(name, '>', (size_t)(x->end - name));
    if (!close)
        return xml_bad(x, "unterminated tag");
    bool empty = close[-1] == '/';
    if (x->depth > 0)
        x->had_child[x->depth - 1] = true;
    memcpy(x->names[x->depth], name, n);
    x->names[x->depth][n] = '\0';
    x->had_child[x->depth] = false;
    x->depth++;
    dq_buf_reset(&x->text);
    x->p = close + 1;
    if (!empty)
        return DQ_OK;
    x->depth--;
    return x->fn(x->depth ? x->names[x->depth - 1] : "", x->names[x->depth], "", x->ctx);
}

static dq_code close_element(xml_reader *x)
{
    const char *name = x->p + 2;
    size_t n = name_length(name, x->end);
    const char *close = memchr(name, '>', (size_t)(x->end - name));
    if (!close)
        return xml_bad(x, "unterminated tag");
    if (x->depth == 0 || strlen(x->names[x->depth - 1]) != n ||
        memcmp(x->names[x->depth - 1], name, n) != 0)
        return xml_bad(x, "mismatched end tag");
    x->depth--;
    const char *text = x->had_child[x->depth] ? "" : dq_buf_str(&x->text);
    dq_code rc = x->fn(x->depth ? x->names[x->depth - 1] : "", x->names[x->depth], text, x->ctx);
    dq_buf_reset(&x->text);
    x->p = close + 1;
    return rc;
}

static dq_code read_markup(xml_reader *x)
{
    size_t left = (size_t)(x->end - x->p);
    if (left >= 2 && x->p[1] == '?')
        return skip_past(x, "?>", "unterminated declaration");
    if (left >= 4 && memcmp(x->p, "<!--", 4) == 0)
        return skip_past(x, "-->", "unterminated comment");
    if (left >= 9 && memcmp(x->p, "<![CDATA[", 9) == 0)
        return read_cdata(x);
    if (left >= 2 && x->p[1] == '!')
        return xml_bad(x, "document type declarations are not accepted");
    if (left >= 2 && x->p[1] == '/')
        return close_element(x);
    return open_element(x);
}

dq_code objstore_xml_parse(const char *xml, size_t len, const char *what, objstore_xml_fn fn,
                           void *ctx, dq_error *err)
{
    dq_error scratch = {0};
    xml_reader x = {.p = xml, .end = xml + len, .what = what, .fn = fn, .ctx = ctx};
    x.err = err ? err : &scratch;
    x.err->code = DQ_OK;
    dq_buf_init(&x.text, OBJSTORE_MAX_LIST_BYTES);
    dq_code rc = DQ_OK;
    bool seen_root = false;
    while (rc == DQ_OK && x.p < x.end) {
        if (*x.p == '<') {
            seen_root = seen_root || (x.p + 1 < x.end && x.p[1] != '?' && x.p[1] != '!');
            rc = read_markup(&x);
        } else
            rc = read_text(&x);
    }
    if (rc == DQ_OK && (x.depth != 0 || !seen_root))
        rc = xml_bad(&x, x.depth ? "unterminated element" : "no element");
    if (rc && x.err->code == DQ_OK) /* the callback failed: it can only run out of memory */
        rc = dq_fail(x.err, rc, "%s: out of memory", what);
    dq_buf_free(&x.text);
    return rc;
}
