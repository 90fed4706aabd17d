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

static int64_t read_integer(cursor *c)
{
    char *stop;
    long long v = c->ok ? strtoll(c->p, &stop, 10) : 0;
    if (!c->ok || stop == c->p || stop > c->end)
        c->ok = false;
    else
        c->p = stop;
    return v;
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

static int hex_digit(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

static unsigned read_u16(cursor *c)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int d = c->p + i < c->end ? hex_digit(c->p[i]) : -1;
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

static char *read_string(cursor *c, dq_buf *b)
{
    dq_buf_reset(b);
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
    return c->ok ? dq_strdup(dq_buf_str(b)) : NULL;
}

static char *read_optional_string(cursor *c, dq_buf *b)
{
    if (peek(c, "null")) {
        c->p += 4;
        return NULL;
    }
    char *s = read_string(c, b);
    if (!s)
        c->ok = false;
    return s;
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

static void read_run(cursor *c, dq_docs_run *r, dq_buf *b)
{
    expect(c, ", \"run_id\": ");
    r->run_id = read_string(c, b);
    expect(c, ", \"checkpoint\": ");
    r->checkpoint = read_string(c, b);
    expect(c, ", \"data_asset\": ");
    r->data_asset = read_optional_string(c, b);
    expect(c, ", \"run_time\": ");
    r->run_time_text = read_string(c, b);
    expect(c, ", \"run_time_us\": ");
    r->run_time = read_integer(c);
    expect(c, ", \"status\": ");
    char *status = read_string(c, b);
    if (!status || dq_status_parse(status, &r->status) != DQ_OK)
        c->ok = false;
    free(status);
    expect(c, ", \"duration_ms\": ");
    r->duration_ms = read_double(c);
    expect(c, ", \"error\": ");
    r->error = read_optional_string(c, b);
    expect(c, ", \"content_hash\": \"");
    char *stop = NULL;
    r->content_hash = c->ok ? strtoull(c->p, &stop, 16) : 0;
    if (!c->ok || stop != c->p + 16)
        c->ok = false;
    else
        c->p = stop;
    expect(c, "\"");
    read_stats(c, &r->stats);
}

docs_state *docs_manifest_fast_line(const char *line, size_t len)
{
    cursor c = {line, line + len, true};
    docs_state *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    dq_buf b;
    dq_buf_init(&b, len + 1);
    expect(&c, "{\"input\": ");
    int64_t input = read_integer(&c);
    expect(&c, ", \"path\": ");
    s->relpath = read_string(&c, &b);
    expect(&c, ", \"size\": ");
    s->size = read_integer(&c);
    expect(&c, ", \"mtime\": ");
    s->mtime = read_integer(&c);
    if (peek(&c, ", \"etag\": ")) {
        expect(&c, ", \"etag\": ");
        s->etag = read_string(&c, &b);
    }
    expect(&c, ", \"page\": ");
    s->page = peek(&c, "true");
    expect(&c, s->page ? "true" : "false");
    read_run(&c, &s->run, &b);
    expect(&c, "\n");
    dq_buf_free(&b);
    return docs_state_finish(s, input, c.ok && c.p == c.end);
}
