/* Reading a manifest line as docs_manifest_render writes it, without building a JSON
 * tree: an incremental build reads one line per stored result, and a general parser
 * spent most of that time allocating nodes. Anything else (an edited line, a line of
 * another version) makes it give up, and the general parser takes the line. */
#include <stdlib.h>
#include <string.h>

#include "docs_map.h"

typedef struct cursor {
    const char *p;
    const char *end;
    bool ok;
} cursor;

static void expect(cursor *c, const char *literal)
{
    size_t n = strlen(literal);
    if (c->ok && (size_t)(c->end - c->p) >= n && memcmp(c->p, literal, n) == 0)
        c->p += n;
    else
        c->ok = false;
}

static bool peek(const cursor *c, const char *literal)
{
    size_t n = strlen(literal);
    return c->ok && (size_t)(c->end - c->p) >= n && memcmp(c->p, literal, n) == 0;
}

/* An integer as the writer's %lld gives it, by hand; anything else (a sign, a space, more
 * digits than surely fit) goes to strtoll, so that the result is strtoll's either way. */
static int64_t read_integer(cursor *c)
{
    const char *p = c->p;
    bool negative = p < c->end && *p == '-';
    p += negative;
    int64_t v = 0;
    size_t digits = 0;
    for (; p < c->end && *p >= '0' && *p <= '9' && digits < 18; p++, digits++)
        v = v * 10 + (*p - '0');
    bool plain = c->ok && digits > 0 && !(p < c->end && *p >= '0' && *p <= '9');
    if (plain) {
        c->p = p;
        return negative ? -v : v;
    }
    char *stop;
    long long slow = c->ok ? strtoll(c->p, &stop, 10) : 0;
    if (!c->ok || stop == c->p || stop > c->end)
        c->ok = false;
    else
        c->p = stop;
    return slow;
}

static double read_double(cursor *c)
{
    char *stop;
    double v = c->ok ? strtod(c->p, &stop) : 0;
    if (!c->ok || stop == c->p || stop > c->end)
        c->ok = false;
    else
        c->p = stop;
    return v;
}

static unsigned read_u16(cursor *c)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int d = c->p + i < c->end ? dq_hex_digit(c->p[i]) : -1;
        if (d < 0) {
            c->ok = false;
            return 0;
        }
        v = v << 4 | (unsigned)d;
    }
    c->p += 4;
    return v;
}

static void put_utf8(dq_buf *b, unsigned cp, cursor *c)
{
    char out[4];
    size_t n;
    if (cp < 0x80) {
        out[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        out[0] = (char)(0xc0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        out[0] = (char)(0xe0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        out[0] = (char)(0xf0 | cp >> 18);
        out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
        out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
        out[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    if (dq_buf_add(b, out, n) != DQ_OK)
        c->ok = false;
}

/* \uXXXX, with a surrogate pair as one character; a lone surrogate gives up. */
static void read_u_escape(cursor *c, dq_buf *b)
{
    unsigned cp = read_u16(c);
    if (cp >= 0xd800 && cp <= 0xdbff) {
        expect(c, "\\u");
        unsigned low = read_u16(c);
        if (low < 0xdc00 || low > 0xdfff)
            c->ok = false;
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
    } else if (cp >= 0xdc00 && cp <= 0xdfff) {
        c->ok = false;
    }
    if (c->ok && cp != 0)
        put_utf8(b, cp, c);
    else
        c->ok = false;
}

#define NO_TEXT SIZE_MAX /* a null string */

/* Decodes a string onto the end of b, NUL-terminated, and gives where it starts there:
 * the strings of a line stay in b until the state is packed. */
static size_t read_string(cursor *c, dq_buf *b)
{
    size_t start = b->len;
    expect(c, "\"");
    while (c->ok && c->p < c->end && *c->p != '"') {
        const char *run = c->p;
        while (c->p < c->end && *c->p != '"' && *c->p != '\\')
            c->p++;
        if (c->p > run && dq_buf_add(b, run, (size_t)(c->p - run)) != DQ_OK)
            c->ok = false;
        if (!c->ok || c->p >= c->end || *c->p == '"')
            break;
        c->p++; /* the backslash */
        char e = c->p < c->end ? *c->p++ : '\0';
        const char *simple = strchr("\"\\/bfnrt", e);
        if (e == 'u')
            read_u_escape(c, b);
        else if (e && simple)
            put_utf8(b, (unsigned char)"\"\\/\b\f\n\r\t"[simple - "\"\\/bfnrt"], c);
        else
            c->ok = false;
    }
    expect(c, "\"");
    if (c->ok && dq_buf_addc(b, '\0') != DQ_OK)
        c->ok = false;
    return start;
}

static size_t read_optional_string(cursor *c, dq_buf *b)
{
    if (peek(c, "null")) {
        c->p += 4;
        return NO_TEXT;
    }
    return read_string(c, b);
}

/* The content hash: 16 hex digits, by hand when they are just that, else as strtoull
 * reads them. */
static uint64_t read_hash(cursor *c)
{
    uint64_t v = 0;
    size_t n = 0;
    for (int d; c->ok && n < 16 && c->p + n < c->end && (d = dq_hex_digit(c->p[n])) >= 0; n++)
        v = v << 4 | (unsigned)d;
    if (n == 16 && !(c->p + n < c->end && dq_hex_digit(c->p[n]) >= 0)) {
        c->p += n;
        return v;
    }
    char *stop = NULL;
    v = c->ok ? strtoull(c->p, &stop, 16) : 0;
    if (!c->ok || stop != c->p + 16)
        c->ok = false;
    else
        c->p = stop;
    return v;
}

static void read_stats(cursor *c, dq_stats *st)
{
    int64_t *counts[] = {&st->total_issues,      &st->critical_issues,   &st->high_issues,
                         &st->medium_issues,     &st->low_issues,        &st->total_validators,
                         &st->passed_validators, &st->failed_validators, &st->error_validators,
                         &st->total_rows,        &st->total_columns};
    expect(c, ", \"stats\": [");
    int64_t origin = read_integer(c);
    if (origin < DQ_STATS_NONE || origin > DQ_STATS_VALIDATION_RESULT)
        c->ok = false;
    st->origin = (dq_stats_origin)origin;
    for (size_t i = 0; i < 11; i++) {
        expect(c, ", ");
        *counts[i] = read_integer(c);
    }
    double *rates[] = {&st->pass_rate, &st->issue_rate, &st->execution_time_ms};
    for (size_t i = 0; i < 3; i++) {
        expect(c, ", ");
        *rates[i] = read_double(c);
    }
    expect(c, "]}");
}

/* Where each string of the line starts in the scratch buffer. */
typedef struct line_text {
    size_t relpath, etag, run_id, checkpoint, data_asset, run_time_text, error;
} line_text;

static void read_status(cursor *c, dq_buf *b, dq_status *status)
{
    size_t at = read_string(c, b);
    if (!c->ok || dq_status_parse(b->data + at, status) != DQ_OK)
        c->ok = false;
    b->len = at; /* not kept */
}

static void read_run(cursor *c, dq_docs_run *r, dq_buf *b, line_text *t)
{
    expect(c, ", \"run_id\": ");
    t->run_id = read_string(c, b);
    expect(c, ", \"checkpoint\": ");
    t->checkpoint = read_string(c, b);
    expect(c, ", \"data_asset\": ");
    t->data_asset = read_optional_string(c, b);
    expect(c, ", \"run_time\": ");
    t->run_time_text = read_string(c, b);
    expect(c, ", \"run_time_us\": ");
    r->run_time = read_integer(c);
    expect(c, ", \"status\": ");
    read_status(c, b, &r->status);
    expect(c, ", \"duration_ms\": ");
    r->duration_ms = read_double(c);
    expect(c, ", \"error\": ");
    t->error = read_optional_string(c, b);
    expect(c, ", \"content_hash\": \"");
    r->content_hash = read_hash(c);
    expect(c, "\"");
    read_stats(c, &r->stats);
}

static const char *text_at(const dq_buf *b, size_t at)
{
    return at == NO_TEXT ? NULL : b->data + at;
}

/* The state, packed with the strings the line left in b. */
static docs_state *pack(const docs_state *s, const dq_buf *b, const line_text *t)
{
    docs_state_text text = {
        .relpath = text_at(b, t->relpath),
        .etag = text_at(b, t->etag),
        .run_id = text_at(b, t->run_id),
        .checkpoint = text_at(b, t->checkpoint),
        .data_asset = text_at(b, t->data_asset),
        .run_time_text = text_at(b, t->run_time_text),
        .error = text_at(b, t->error),
    };
    return docs_state_pack(s, &text);
}

docs_state *docs_manifest_fast_line(const char *line, size_t len, dq_buf *scratch)
{
    cursor c = {line, line + len, true};
    docs_state s = {0};
    line_text t = {.etag = NO_TEXT};
    dq_buf_reset(scratch);
    expect(&c, "{\"input\": ");
    int64_t input = read_integer(&c);
    expect(&c, ", \"path\": ");
    t.relpath = read_string(&c, scratch);
    expect(&c, ", \"size\": ");
    s.size = read_integer(&c);
    expect(&c, ", \"mtime\": ");
    s.mtime = read_integer(&c);
    if (peek(&c, ", \"etag\": ")) {
        expect(&c, ", \"etag\": ");
        t.etag = read_string(&c, scratch);
    }
    expect(&c, ", \"page\": ");
    s.page = peek(&c, "true");
    expect(&c, s.page ? "true" : "false");
    read_run(&c, &s.run, scratch, &t);
    expect(&c, "\n");
    if (!c.ok || c.p != c.end || !docs_state_input_ok(input))
        return NULL;
    s.input = (int)input;
    return pack(&s, scratch, &t);
}
