/* The manifest (.dqbatch/manifest.jsonl): one JSON object per line, so it is read a line
 * at a time whatever the size of the store. The first line holds the options that shape
 * every page; each other line one stored result: where it is, its size and mtime, its
 * run summary, and whether the site's page for the run was rendered from it. The
 * summaries are all the index, the trend and history.json need, so partial sites can
 * later be merged from their manifests alone. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "docs_map.h"

#define MANIFEST_VERSION 1
#define MAX_LINE ((size_t)1 << 20)
#define PARALLEL_MIN ((int64_t)1 << 20) /* a manifest this large is read by two threads */

static const char *const stat_fields[] = {
    "origin",     "total_issues",     "critical_issues",   "high_issues",       "medium_issues",
    "low_issues", "total_validators", "passed_validators", "failed_validators", "error_validators",
    "total_rows", "total_columns",    "pass_rate",         "issue_rate",        "execution_time_ms",
    NULL};

/* "<input>:" of a key, in digits (at least 16 bytes); gives its length. */
static size_t key_prefix(int input, char *digits)
{
    return (size_t)snprintf(digits, 16, "%d:", input);
}

size_t docs_strings_size(const char *const *strings, size_t *lens, size_t count)
{
    size_t total = 0;
    for (size_t i = 0; i < count; i++) {
        lens[i] = strings[i] ? strlen(strings[i]) + 1 : 0;
        total += lens[i];
    }
    return total;
}

void docs_strings_copy(char *at, const char *const *strings, const size_t *lens,
                       char **const *fields, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        *fields[i] = strings[i] ? memcpy(at, strings[i], lens[i]) : NULL;
        at += lens[i];
    }
}

docs_state *docs_state_pack(const docs_state *from, const docs_state_text *text)
{
    char digits[16];
    size_t prefix = key_prefix(from->input, digits);
    /* The relpath is the end of the key, so it is not stored twice. */
    const char *strings[] = {text->relpath,    text->etag,          text->run_id, text->checkpoint,
                             text->data_asset, text->run_time_text, text->error};
    size_t count = sizeof(strings) / sizeof(strings[0]), lens[sizeof(strings) / sizeof(strings[0])];
    docs_state *s = malloc(sizeof(*s) + prefix + docs_strings_size(strings, lens, count));
    if (!s)
        return NULL;
    *s = *from;
    char *at = (char *)(s + 1);
    memcpy(at, digits, prefix);
    s->key = at;
    char **fields[] = {&s->relpath,        &s->etag,           &s->run.run_id,
                       &s->run.checkpoint, &s->run.data_asset, &s->run.run_time_text,
                       &s->run.error};
    docs_strings_copy(at + prefix, strings, lens, fields, count);
    s->file = NULL;
    return s;
}

void docs_state_free(docs_state *s)
{
    if (!s)
        return;
    free(s->file);
    free(s);
}

bool docs_state_input_ok(int64_t input)
{
    return input >= 0 && input < 1 << 20;
}

/* The key is made on the stack when it fits: a build looks up every entry it walks. */
bool docs_manifest_find(const docs_manifest *m, int input, const char *relpath, size_t *i)
{
    char small[512];
    size_t prefix = key_prefix(input, small), len = strlen(relpath);
    char *key = prefix + len < sizeof(small) ? small : malloc(prefix + len + 1);
    if (!key)
        return false;
    memcpy(key, small, prefix);
    memcpy(key + prefix, relpath, len + 1);
    bool found = dq_map_get(&m->by_key, key, i);
    if (key != small)
        free(key);
    return found;
}

/* Room for one more state. */
static dq_code manifest_room(docs_manifest *m)
{
    docs_state **states = dq_array_grow(m->states, m->len, &m->cap, sizeof *states, 256);
    if (!states)
        return DQ_ENOMEM;
    m->states = states;
    return DQ_OK;
}

dq_code docs_manifest_push(docs_manifest *m, docs_state *s)
{
    if (manifest_room(m) != DQ_OK)
        return DQ_ENOMEM;
    m->states[m->len++] = s;
    return DQ_OK;
}

dq_code docs_manifest_add(docs_manifest *m, docs_state *s)
{
    if (manifest_room(m) != DQ_OK || dq_map_put(&m->by_key, s->key, m->len) != DQ_OK)
        return DQ_ENOMEM;
    m->states[m->len++] = s;
    return DQ_OK;
}

dq_code docs_manifest_index(docs_manifest *m)
{
    dq_map_free(&m->by_key);
    if (dq_map_reserve(&m->by_key, m->len) != DQ_OK)
        return DQ_ENOMEM;
    for (size_t i = 0; i < m->len; i++)
        if (dq_map_put(&m->by_key, m->states[i]->key, i) != DQ_OK)
            return DQ_ENOMEM;
    return DQ_OK;
}

void docs_manifest_free(docs_manifest *m)
{
    for (size_t i = 0; i < m->len; i++)
        docs_state_free(m->states[i]);
    free(m->states);
    free(m->fingerprint);
    free(m->site_name);
    free(m->base_url);
    free(m->generated_at);
    dq_map_free(&m->by_key);
    memset(m, 0, sizeof(*m));
}

dq_code docs_manifest_set_site(docs_manifest *m, const char *fingerprint, const dq_docs_site *site)
{
    m->fingerprint = dq_strdup(fingerprint);
    m->format = site->format;
    m->page_size = site->page_size;
    m->history = site->history;
    m->site_name = dq_strdup(site->site_name);
    m->base_url = site->base_url ? dq_strdup(site->base_url) : NULL;
    m->generated_at = site->generated_at ? dq_strdup(site->generated_at) : NULL;
    if (!m->fingerprint || !m->site_name || (site->base_url && !m->base_url) ||
        (site->generated_at && !m->generated_at))
        return DQ_ENOMEM;
    return DQ_OK;
}

static void render_optional(dq_docs_out *o, const char *key, const char *value)
{
    docs_out_printf(o, ", \"%s\": ", key);
    if (value)
        docs_out_json_string(o, value, false);
    else
        docs_out_str(o, "null");
}

static void render_header(dq_docs_out *o, const docs_manifest *m)
{
    docs_out_printf(o, "{\"dqbatch_docs_manifest\": %d, \"fingerprint\": ", MANIFEST_VERSION);
    docs_out_json_string(o, m->fingerprint, false);
    docs_out_printf(o, ", \"format\": \"%s\", \"page_size\": %d, \"history\": %d",
                    dq_docs_format_ext(m->format), m->page_size, m->history);
    render_optional(o, "site_name", m->site_name);
    render_optional(o, "base_url", m->base_url);
    render_optional(o, "generated_at", m->generated_at);
    if (m->shard_count > 0)
        docs_out_printf(o, ", \"shard\": [%d, %d]", m->shard_index, m->shard_count);
    docs_out_str(o, ", \"stats\": [");
    for (size_t i = 0; stat_fields[i]; i++)
        docs_out_printf(o, "%s\"%s\"", i ? ", " : "", stat_fields[i]);
    docs_out_str(o, "]}\n");
}

static void render_state(dq_docs_out *o, const docs_state *s)
{
    const dq_docs_run *r = &s->run;
    const dq_stats *st = &r->stats;
    docs_out_printf(o, "{\"input\": %d, \"path\": ", s->input);
    docs_out_json_string(o, s->relpath, false);
    docs_out_printf(o, ", \"size\": %lld, \"mtime\": %lld, ", (long long)s->size,
                    (long long)s->mtime);
    if (s->etag) {
        docs_out_str(o, "\"etag\": ");
        docs_out_json_string(o, s->etag, false);
        docs_out_str(o, ", ");
    }
    docs_out_printf(o, "\"page\": %s, \"run_id\": ", s->page ? "true" : "false");
    docs_out_json_string(o, r->run_id, false);
    docs_out_str(o, ", \"checkpoint\": ");
    docs_out_json_string(o, r->checkpoint, false);
    render_optional(o, "data_asset", r->data_asset);
    docs_out_str(o, ", \"run_time\": ");
    docs_out_json_string(o, r->run_time_text, false);
    docs_out_printf(o, ", \"run_time_us\": %lld, \"status\": \"%s\", \"duration_ms\": ",
                    (long long)r->run_time, dq_status_name(r->status));
    docs_out_json_double(o, r->duration_ms);
    render_optional(o, "error", r->error);
    docs_out_str(o, ", \"content_hash\": \"");
    docs_out_hex64(o, r->content_hash);
    docs_out_printf(o,
                    "\", \"stats\": [%d, %lld, %lld, %lld, %lld, "
                    "%lld, %lld, %lld, %lld, %lld, %lld, %lld, ",
                    (int)st->origin, (long long)st->total_issues, (long long)st->critical_issues,
                    (long long)st->high_issues, (long long)st->medium_issues,
                    (long long)st->low_issues, (long long)st->total_validators,
                    (long long)st->passed_validators, (long long)st->failed_validators,
                    (long long)st->error_validators, (long long)st->total_rows,
                    (long long)st->total_columns);
    docs_out_json_double(o, st->pass_rate);
    docs_out_str(o, ", ");
    docs_out_json_double(o, st->issue_rate);
    docs_out_str(o, ", ");
    docs_out_json_double(o, st->execution_time_ms);
    docs_out_str(o, "]}\n");
}

/* An entry unchanged since the last build keeps its line: same key, size, mtime and
 * summary; only the page flag can have changed. It is copied from the previous manifest
 * (still in place until the new one is renamed over it), with the lines after it that
 * follow it there too: an incremental build copies most of the file, a read at a time. */
#define COPY_RUN MAX_LINE /* bytes read at once */

static bool copyable(const docs_state *s)
{
    return s->line_at >= 0 && s->line_len != 0 && s->line_page == s->page &&
           s->line_len <= MAX_LINE;
}

/* How many states from the first of states (count of them) to copy: those whose lines
 * follow one another in the previous manifest, COPY_RUN bytes at most. */
static size_t copy_run(docs_state *const *states, size_t count, size_t *bytes)
{
    size_t n = 0;
    *bytes = 0;
    while (n < count && copyable(states[n]) &&
           states[n]->line_at == states[0]->line_at + (int64_t)*bytes &&
           *bytes + states[n]->line_len <= COPY_RUN)
        *bytes += states[n++]->line_len;
    return n;
}

/* Copies the lines of the run starting at states[0] into o; gives how many it copied,
 * 0 when the first has to be written anew. Each line must still end where it did. */
static size_t copy_lines(int old, docs_state *const *states, size_t count, dq_docs_out *o)
{
    size_t bytes, n = old >= 0 ? copy_run(states, count, &bytes) : 0;
    if (n == 0 || dq_buf_reserve(&o->buf, bytes) != DQ_OK)
        return 0;
    char *dest = o->buf.data + o->buf.len;
    ssize_t got = pread(old, dest, bytes, (off_t)states[0]->line_at);
    size_t copied = 0, end = 0;
    while (copied < n && got >= 0 && end + states[copied]->line_len <= (size_t)got &&
           dest[end + states[copied]->line_len - 1] == '\n')
        end += states[copied++]->line_len;
    o->buf.len += end;
    o->buf.data[o->buf.len] = '\0';
    return copied;
}

static bool flush_lines(dq_docs_out *o, FILE *f)
{
    bool ok = o->code == DQ_OK && fwrite(o->buf.data, 1, o->buf.len, f) == o->buf.len;
    docs_out_reset(o);
    return ok;
}

static dq_code write_lines(FILE *f, int old, const docs_manifest *m)
{
    dq_docs_out o;
    docs_out_init(&o);
    render_header(&o, m);
    bool ok = true;
    for (size_t i = 0; ok && i < m->len;) {
        size_t copied = copy_lines(old, m->states + i, m->len - i, &o);
        if (copied == 0) {
            render_state(&o, m->states[i]);
            copied = 1;
        }
        i += copied;
        if (o.buf.len >= (size_t)1 << 16)
            ok = flush_lines(&o, f);
    }
    ok = flush_lines(&o, f) && ok;
    docs_out_free(&o);
    return ok ? DQ_OK : DQ_EIO;
}

/* Streamed through a temporary file and renamed: the manifest grows with the store, so
 * it is never held whole in memory. */
static dq_code write_through_tmp(const char *path, int from, const docs_manifest *m, dq_error *err)
{
    char *tmp = dq_asprintf("%s.tmp", path);
    FILE *f = tmp ? fopen(tmp, "w") : NULL;
    if (!f) {
        dq_code rc = tmp ? dq_fail(err, DQ_EIO, "%s: cannot create: %s", tmp, strerror(errno))
                         : dq_fail(err, DQ_ENOMEM, "out of memory");
        free(tmp);
        return rc;
    }
    bool ok = write_lines(f, from, m) == DQ_OK;
    int saved = ok ? 0 : errno;
    if (fclose(f) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    if (ok && rename(tmp, path) != 0) {
        ok = false;
        saved = errno;
    }
    dq_code rc = DQ_OK;
    if (!ok) {
        unlink(tmp);
        rc = dq_fail(err, DQ_EIO, "%s: cannot write: %s", path, strerror(saved));
    }
    free(tmp);
    return rc;
}

/* Whether the previous manifest holds just what m would write: the same header, then
 * every state's line, copied unchanged, back to back up to its end. A build that changed
 * nothing then leaves it as it is instead of writing it again. */
static bool manifest_unchanged(int old, const docs_manifest *m)
{
    if (old < 0 || m->len == 0)
        return false;
    int64_t end = m->states[0]->line_at;
    for (size_t i = 0; i < m->len; i++) {
        const docs_state *s = m->states[i];
        if (!copyable(s) || s->line_at != end)
            return false;
        end += (int64_t)s->line_len;
    }
    struct stat st;
    if (fstat(old, &st) != 0 || (int64_t)st.st_size != end)
        return false;
    dq_docs_out o;
    docs_out_init(&o);
    render_header(&o, m);
    char header[4096]; /* a longer header is written again */
    size_t len = o.buf.len;
    bool same = o.code == DQ_OK && (int64_t)len == m->states[0]->line_at && len <= sizeof(header) &&
                pread(old, header, len, 0) == (ssize_t)len && memcmp(header, o.buf.data, len) == 0;
    docs_out_free(&o);
    return same;
}

dq_code docs_manifest_write(const char *path, const docs_manifest *m, dq_error *err)
{
    int from = open(path, O_RDONLY | O_CLOEXEC);
    dq_code rc = manifest_unchanged(from, m) ? DQ_OK : write_through_tmp(path, from, m, err);
    if (from >= 0)
        close(from);
    return rc;
}

/* ---- reading -------------------------------------------------------------------------- */

static const cJSON *field(const cJSON *o, const char *key, int type_mask)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return v && (v->type & type_mask) ? v : NULL;
}

static bool read_string(const cJSON *o, const char *key, bool optional, char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (optional && (!v || cJSON_IsNull(v)))
        return true;
    if (!cJSON_IsString(v))
        return false;
    *out = dq_strdup(v->valuestring);
    return *out != NULL;
}

static bool read_int(const cJSON *o, const char *key, int64_t *out)
{
    const cJSON *v = field(o, key, cJSON_Number);
    if (!v)
        return false;
    *out = (int64_t)v->valuedouble;
    return true;
}

static bool read_stats(const cJSON *array, dq_stats *st)
{
    double v[15];
    size_t n = 0;
    for (const cJSON *c = cJSON_IsArray(array) ? array->child : NULL; c && n < 15; c = c->next)
        if (cJSON_IsNumber(c))
            v[n++] = c->valuedouble;
    if (n != 15 || v[0] < DQ_STATS_NONE || v[0] > DQ_STATS_VALIDATION_RESULT)
        return false;
    int64_t *counts[] = {&st->total_issues,      &st->critical_issues,   &st->high_issues,
                         &st->medium_issues,     &st->low_issues,        &st->total_validators,
                         &st->passed_validators, &st->failed_validators, &st->error_validators,
                         &st->total_rows,        &st->total_columns};
    st->origin = (dq_stats_origin)(int)v[0];
    for (size_t i = 0; i < 11; i++)
        *counts[i] = (int64_t)v[i + 1];
    st->pass_rate = v[12];
    st->issue_rate = v[13];
    st->execution_time_ms = v[14];
    return true;
}

/* A string of o, borrowed; an optional one may be null or missing (NULL). */
static bool read_text(const cJSON *o, const char *key, bool optional, const char **out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = NULL;
    if (optional && (!v || cJSON_IsNull(v)))
        return true;
    *out = cJSON_GetStringValue(v);
    return *out != NULL;
}

static bool read_run(const cJSON *o, dq_docs_run *r, docs_state_text *text)
{
    const char *status = cJSON_GetStringValue(field(o, "status", cJSON_String));
    const char *hash = cJSON_GetStringValue(field(o, "content_hash", cJSON_String));
    const cJSON *duration = field(o, "duration_ms", cJSON_Number);
    int64_t run_time;
    char *end = NULL;
    if (!status || dq_status_parse(status, &r->status) != DQ_OK || !hash || !duration ||
        !read_int(o, "run_time_us", &run_time))
        return false;
    r->content_hash = strtoull(hash, &end, 16);
    r->run_time = run_time;
    r->duration_ms = duration->valuedouble;
    return end && *end == '\0' && read_text(o, "run_id", false, &text->run_id) &&
           read_text(o, "checkpoint", false, &text->checkpoint) &&
           read_text(o, "data_asset", true, &text->data_asset) &&
           read_text(o, "run_time", false, &text->run_time_text) &&
           read_text(o, "error", true, &text->error) &&
           read_stats(cJSON_GetObjectItemCaseSensitive(o, "stats"), &r->stats);
}

static docs_state *read_state(const cJSON *o)
{
    docs_state s = {0};
    docs_state_text text = {0};
    int64_t input = 0;
    bool ok = read_int(o, "input", &input) && docs_state_input_ok(input) &&
              read_text(o, "path", false, &text.relpath) && read_int(o, "size", &s.size) &&
              read_int(o, "mtime", &s.mtime) && read_text(o, "etag", true, &text.etag) &&
              read_run(o, &s.run, &text);
    s.input = (int)input;
    s.page = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "page"));
    return ok ? docs_state_pack(&s, &text) : NULL;
}

static dq_code read_shard(const cJSON *o, docs_manifest *m, const char *path, dq_error *err)
{
    const cJSON *shard = cJSON_GetObjectItemCaseSensitive(o, "shard");
    if (!shard)
        return DQ_OK;
    const cJSON *index = cJSON_GetArrayItem(shard, 0), *count = cJSON_GetArrayItem(shard, 1);
    if (!cJSON_IsArray(shard) || cJSON_GetArraySize(shard) != 2 || !cJSON_IsNumber(index) ||
        !cJSON_IsNumber(count) || count->valuedouble < 1 || count->valuedouble > 1000000 ||
        index->valuedouble < 0 || index->valuedouble >= count->valuedouble)
        return dq_fail(err, DQ_EFORMAT, "%s: \"shard\" is not [index, count]", path);
    m->shard_index = (int)index->valuedouble;
    m->shard_count = (int)count->valuedouble;
    return DQ_OK;
}

static dq_code read_header(const cJSON *o, docs_manifest *m, const char *path, dq_error *err)
{
    const cJSON *version = field(o, "dqbatch_docs_manifest", cJSON_Number);
    const char *format = cJSON_GetStringValue(field(o, "format", cJSON_String));
    int64_t page_size = 0, history = 0;
    if (!version || version->valuedouble != MANIFEST_VERSION || !format ||
        dq_docs_format_parse(format, &m->format, NULL) != DQ_OK ||
        !read_int(o, "page_size", &page_size) || page_size < 1 || page_size > 1000000 ||
        !read_string(o, "fingerprint", false, &m->fingerprint))
        return dq_fail(err, DQ_EFORMAT, "%s: not a manifest of version %d", path, MANIFEST_VERSION);
    m->page_size = (int)page_size;
    /* The site's options, which older manifests lack (only a merge needs them). */
    if (read_int(o, "history", &history) && history >= 1 && history <= 1000000)
        m->history = (int)history;
    if (!read_string(o, "site_name", true, &m->site_name) ||
        !read_string(o, "base_url", true, &m->base_url) ||
        !read_string(o, "generated_at", true, &m->generated_at))
        return dq_fail(err, DQ_EFORMAT, "%s: the site's options are damaged", path);
    return read_shard(o, m, path, err);
}

/* The manifest being read, and what its lines are read with. */
typedef struct manifest_reader {
    docs_manifest *m;
    const char *path;
    dq_error *err;
    dq_buf scratch; /* the fast reader's strings, line after line */
} manifest_reader;

/* Where a state's line is, to copy it from when it is written back unchanged (a last
 * line without its newline is written anew). */
static void line_facts(docs_state *s, const char *line, size_t len, int64_t at)
{
    bool whole = len && line[len - 1] == '\n';
    s->line_at = whole ? at : -1;
    s->line_len = len;
    s->line_page = s->page;
    s->was_page = s->page;
}

static dq_code adopt_state(manifest_reader *r, docs_state *s)
{
    dq_code rc = docs_manifest_add(r->m, s);
    if (rc) {
        docs_state_free(s);
        return dq_fail(r->err, rc, "%s: out of memory", r->path);
    }
    return DQ_OK;
}

static dq_code add_state(manifest_reader *r, docs_state *s, const char *line, size_t len,
                         int64_t at)
{
    line_facts(s, line, len, at);
    return adopt_state(r, s);
}

static dq_code read_line(manifest_reader *r, const char *line, size_t len, int64_t at,
                         size_t number)
{
    docs_state *s = number > 1 ? docs_manifest_fast_line(line, len, &r->scratch) : NULL;
    if (s)
        return add_state(r, s, line, len, at);
    const char *path = r->path;
    cJSON *o = dq_json_parse(line, len, NULL, path);
    dq_code rc = DQ_OK;
    if (!cJSON_IsObject(o))
        rc = dq_fail(r->err, DQ_EFORMAT, "%s: line %zu is not a JSON object", path, number);
    else if (number == 1)
        rc = read_header(o, r->m, path, r->err);
    else if ((s = read_state(o)) == NULL)
        rc = dq_fail(r->err, DQ_EFORMAT, "%s: line %zu is not a stored result's summary", path,
                     number);
    else
        rc = add_state(r, s, line, len, at);
    cJSON_Delete(o);
    return rc;
}

/* Lines up to the end of the stretch; number counts them from the file's first. */
static dq_code read_stretch(manifest_reader *r, docs_lines *lines, size_t *number)
{
    for (;;) {
        int64_t at = lines->at;
        const char *line;
        size_t len;
        dq_code rc = docs_lines_next(lines, &line, &len);
        if (rc == DQ_OK && len == 0)
            return DQ_OK;
        if (rc == DQ_EIO)
            return dq_fail(r->err, rc, "%s: cannot read: %s", r->path, strerror(errno));
        if (rc == DQ_ENOMEM)
            return dq_fail(r->err, rc, "%s: out of memory", r->path);
        ++*number;
        rc = rc ? dq_fail(r->err, rc, "%s: line %zu is too long", r->path, *number)
                : read_line(r, line, len, at, *number);
        if (rc)
            return rc;
    }
}

/* The second half of a large manifest, read by a helper thread with the fast reader
 * alone. It stops at the first line that reader does not take; the main thread, done
 * with the first half, takes its states and goes on from there, so that every line is
 * read, and every error reported, as in one pass. */
typedef struct manifest_half {
    pthread_t thread;
    docs_lines lines;
    dq_buf scratch;
    docs_state **states;
    size_t len;
    size_t cap;
    int64_t stop; /* where the first line it did not take starts */
} manifest_half;

static bool half_take(manifest_half *h)
{
    int64_t at = h->lines.at;
    const char *line;
    size_t len;
    if (docs_lines_next(&h->lines, &line, &len) != DQ_OK || len == 0)
        return false;
    docs_state *s = docs_manifest_fast_line(line, len, &h->scratch);
    docs_state **states =
        s ? dq_array_grow(h->states, h->len, &h->cap, sizeof(*states), 1024) : NULL;
    if (!states) {
        docs_state_free(s);
        return false;
    }
    h->states = states;
    line_facts(s, line, len, at);
    h->states[h->len++] = s;
    return true;
}

static void *half_read(void *arg)
{
    manifest_half *h = arg;
    do
        h->stop = h->lines.at;
    while (half_take(h));
    return NULL;
}

static bool half_start(manifest_half *h, int fd, int64_t from)
{
    memset(h, 0, sizeof(*h));
    docs_lines_init(&h->lines, fd, from, INT64_MAX, MAX_LINE);
    dq_buf_init(&h->scratch, MAX_LINE + 1);
    if (pthread_create(&h->thread, NULL, half_read, h) == 0)
        return true;
    dq_buf_free(&h->scratch);
    return false;
}

/* Waits for the helper; after a good first half, its states join the manifest. */
static dq_code half_finish(manifest_half *h, manifest_reader *r, dq_code rc)
{
    pthread_join(h->thread, NULL);
    if (rc == DQ_OK && dq_map_reserve(&r->m->by_key, r->m->len + h->len) != DQ_OK)
        rc = dq_fail(r->err, DQ_ENOMEM, "%s: out of memory", r->path);
    size_t i = 0;
    for (; rc == DQ_OK && i < h->len; i++)
        rc = adopt_state(r, h->states[i]);
    for (; i < h->len; i++)
        docs_state_free(h->states[i]);
    free(h->states);
    dq_buf_free(&h->scratch);
    docs_lines_free(&h->lines);
    return rc;
}

/* Reads the lines of fd: a large manifest in two halves at once when jobs allow. */
static dq_code read_lines(manifest_reader *r, int fd, int jobs)
{
    struct stat st;
    int64_t size = fstat(fd, &st) == 0 ? (int64_t)st.st_size : 0;
    bool two = jobs > 1 || (jobs == 0 && dq_cpu_count() > 1);
    int64_t split = two && size >= PARALLEL_MIN ? docs_lines_split(fd, size) : size;
    manifest_half half;
    bool helped = split < size && half_start(&half, fd, split);
    docs_lines lines;
    docs_lines_init(&lines, fd, 0, helped ? split : INT64_MAX, MAX_LINE);
    size_t number = 0;
    dq_code rc = read_stretch(r, &lines, &number);
    docs_lines_free(&lines);
    if (helped) {
        rc = half_finish(&half, r, rc);
        number += half.len;
        docs_lines_init(&lines, fd, half.stop, INT64_MAX, MAX_LINE);
        if (rc == DQ_OK)
            rc = read_stretch(r, &lines, &number);
        docs_lines_free(&lines);
    }
    if (rc == DQ_OK && number == 0)
        rc = dq_fail(r->err, DQ_EFORMAT, "%s: empty", r->path);
    return rc;
}

dq_code docs_manifest_read_jobs(const char *path, docs_manifest *m, int jobs, dq_error *err)
{
    memset(m, 0, sizeof(*m));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? DQ_OK
                               : dq_fail(err, DQ_EIO, "%s: cannot open: %s", path, strerror(errno));
    manifest_reader r = {.m = m, .path = path, .err = err};
    dq_buf_init(&r.scratch, MAX_LINE + 1);
    dq_code rc = read_lines(&r, fd, jobs);
    dq_buf_free(&r.scratch);
    close(fd);
    if (rc)
        docs_manifest_free(m);
    return rc;
}

dq_code docs_manifest_read(const char *path, docs_manifest *m, dq_error *err)
{
    return docs_manifest_read_jobs(path, m, 1, err);
}
