/* One pass over a store: the walking thread finds entries and queues them; workers read,
 * decode, select, call the consumer and keep a record. The records are sorted and the
 * run_ids stored twice are settled once every worker is done. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dqbatch/scan.h"

/* Entries travel to the workers in batches: one hand-over between threads per batch
 * instead of per file, which costs more than a small file's parse. */
#define SCAN_BATCH 32

typedef struct scan_batch {
    size_t len;
    dq_entry *entries[SCAN_BATCH];
} scan_batch;

/* A worker's buffers, reused from one result to the next. */
typedef struct scan_scratch {
    dq_buf raw;
    dq_buf inflated;
    dq_decode_cache *cache; /* NULL when it could not be made: decoding works without */
} scan_scratch;

typedef struct scan_state {
    const dq_scan_opts *opts;
    size_t max_bytes;
    dq_scan_fn fn;
    void *ctx;
    pthread_mutex_t lock; /* guards records and report */
    dq_records *records;
    dq_scan_report *report;
    dq_pool *pool;
    bool out_of_memory;
    scan_batch *pending;   /* filled by the walking thread */
    scan_scratch *scratch; /* one per worker */
} scan_state;

static void count(scan_state *s, size_t *counter)
{
    pthread_mutex_lock(&s->lock);
    (*counter)++;
    pthread_mutex_unlock(&s->lock);
}

static void report_bad(scan_state *s, const dq_error *err)
{
    dq_errorf("%s", err->msg);
    count(s, &s->report->bad);
}

void dq_record_free(dq_record *rec)
{
    if (rec->block) {
        free(rec->block);
    } else {
        free(rec->name);
        free(rec->relpath);
        free(rec->run_id);
        free(rec->checkpoint_name);
        free(rec->data_asset);
        free(rec->run_time_text);
    }
    memset(rec, 0, sizeof(*rec));
}

static char *block_put(char **at, const char *s, size_t n)
{
    char *start = *at;
    memcpy(start, s, n + 1);
    *at += n + 1;
    return start;
}

/* Gives the record its strings in one allocation. A directory entry's relpath is the
 * end of its name, so it is not stored twice. data_asset may be NULL. With shared, the
 * checkpoint name and asset are kept as given (the records' shared copies). */
static dq_code record_pack(dq_record *rec, const char *name, const char *relpath,
                           const char *run_id, const char *checkpoint_name, const char *data_asset,
                           const char *run_time_text, bool shared)
{
    size_t name_len = strlen(name), relpath_len = strlen(relpath), run_id_len = strlen(run_id);
    size_t checkpoint_len = strlen(checkpoint_name), time_len = strlen(run_time_text);
    size_t asset_len = data_asset ? strlen(data_asset) : 0;
    bool suffix =
        relpath_len <= name_len && memcmp(name + name_len - relpath_len, relpath, relpath_len) == 0;
    size_t size = name_len + 1 + (suffix ? 0 : relpath_len + 1) + run_id_len + 1 + time_len + 1;
    if (!shared)
        size += checkpoint_len + 1 + (data_asset ? asset_len + 1 : 0);
    char *block = malloc(size), *at = block;
    if (!block)
        return DQ_ENOMEM;
    rec->block = block;
    rec->name = block_put(&at, name, name_len);
    rec->relpath =
        suffix ? rec->name + name_len - relpath_len : block_put(&at, relpath, relpath_len);
    rec->run_id = block_put(&at, run_id, run_id_len);
    if (shared) {
        rec->checkpoint_name = (char *)checkpoint_name;
        rec->data_asset = (char *)data_asset;
    } else {
        rec->checkpoint_name = block_put(&at, checkpoint_name, checkpoint_len);
        rec->data_asset = data_asset ? block_put(&at, data_asset, asset_len) : NULL;
    }
    rec->run_time_text = block_put(&at, run_time_text, time_len);
    return DQ_OK;
}

/* Takes rec into the records: its checkpoint name and asset become the records' shared
 * copies, and its own block shrinks to the strings that are its alone. */
static dq_code records_adopt(dq_records *records, dq_record *rec)
{
    dq_record *items =
        dq_array_grow(records->items, records->len, &records->cap, sizeof *items, 256);
    if (!items)
        return DQ_ENOMEM;
    records->items = items;
    const char *checkpoint_name = dq_strset_add(&records->names, rec->checkpoint_name);
    const char *data_asset =
        rec->data_asset ? dq_strset_add(&records->names, rec->data_asset) : NULL;
    dq_record kept = *rec;
    if (!checkpoint_name || (rec->data_asset && !data_asset) ||
        record_pack(&kept, rec->name, rec->relpath, rec->run_id, checkpoint_name, data_asset,
                    rec->run_time_text, true) != DQ_OK)
        return DQ_ENOMEM;
    dq_record_free(rec);
    records->items[records->len++] = kept;
    return DQ_OK;
}

void dq_records_free(dq_records *records)
{
    for (size_t i = 0; i < records->len; i++)
        dq_record_free(&records->items[i]);
    free(records->items);
    dq_strset_free(&records->names);
    memset(records, 0, sizeof(*records));
}

dq_code dq_record_from_result(dq_record *rec, const dq_entry *entry, const dq_result *r)
{
    memset(rec, 0, sizeof(*rec));
    if (record_pack(rec, entry->name, entry->relpath, r->run_id, r->checkpoint_name, r->data_asset,
                    r->run_time_text, false) != DQ_OK)
        return DQ_ENOMEM;
    rec->input = entry->input;
    rec->seq = entry->seq;
    rec->size = entry->size;
    rec->mtime = entry->mtime;
    rec->run_time = r->run_time;
    rec->status = r->status;
    rec->duration_ms = r->duration_ms;
    rec->stats = r->stats;
    rec->content_hash = r->content_hash;
    return DQ_OK;
}

/* Reads and decodes one entry; DQ_OK with a result, or an error already explained. */
static dq_code scan_decode(scan_state *s, scan_scratch *scratch, dq_entry *entry, dq_result *result,
                           bool *compressed, dq_format *format, dq_error *err)
{
    if (entry->error.code) {
        *err = entry->error;
        return entry->error.code;
    }
    if (!dq_decode_name_format(entry->name, format))
        return dq_fail(err, DQ_ENOTRESULT, "%s: not a stored result name", entry->name);
    dq_buf *raw = &scratch->raw;
    dq_buf_reset(raw);
    dq_code rc = dq_entry_load(entry, s->max_bytes, raw, err);
    if (rc)
        return rc;
    *compressed = dq_decode_is_gzip(raw->data, raw->len);
    dq_decode_opts opts = {
        .max_bytes = s->max_bytes, .scratch = &scratch->inflated, .cache = scratch->cache};
    return dq_decode(entry->name, raw->data, raw->len, *format, &opts, result, err);
}

static void scan_keep_record(scan_state *s, dq_record *rec)
{
    pthread_mutex_lock(&s->lock);
    dq_code rc = records_adopt(s->records, rec);
    if (rc) {
        s->out_of_memory = true;
        s->report->bad++;
    }
    pthread_mutex_unlock(&s->lock);
    if (rc) {
        dq_errorf("%s: out of memory", rec->name);
        dq_record_free(rec);
    }
}

static void scan_keep(scan_state *s, const dq_entry *entry, const dq_result *result,
                      bool compressed, dq_format format)
{
    dq_record rec;
    if (dq_record_from_result(&rec, entry, result) != DQ_OK) {
        pthread_mutex_lock(&s->lock);
        s->out_of_memory = true;
        s->report->bad++;
        pthread_mutex_unlock(&s->lock);
        dq_errorf("%s: out of memory", entry->name);
        return;
    }
    rec.compressed = compressed;
    rec.format = format;
    scan_keep_record(s, &rec);
}

/* An entry the consumer already knows: its record stands in for reading it. */
static bool scan_reuse(scan_state *s, dq_entry *entry)
{
    dq_record rec;
    memset(&rec, 0, sizeof(rec));
    if (entry->error.code || !s->opts->reuse || !s->opts->reuse(entry, s->ctx, &rec))
        return false;
    /* Repack: the consumer's strings become one block under the entry's own names. */
    dq_record packed = rec;
    packed.block = NULL;
    dq_code rc = rec.run_id && rec.checkpoint_name && rec.run_time_text
                     ? record_pack(&packed, entry->name, entry->relpath, rec.run_id,
                                   rec.checkpoint_name, rec.data_asset, rec.run_time_text, false)
                     : DQ_EFORMAT;
    dq_record_free(&rec);
    if (rc)
        return false;
    rec = packed;
    rec.input = entry->input;
    rec.seq = entry->seq;
    if (!dq_filter_match(s->opts->filter, rec.checkpoint_name, rec.data_asset, rec.status,
                         rec.run_time)) {
        count(s, &s->report->filtered);
        dq_record_free(&rec);
        return true;
    }
    scan_keep_record(s, &rec);
    return true;
}

static void scan_entry(scan_state *s, scan_scratch *scratch, dq_entry *entry)
{
    dq_error err = {0};
    dq_result result;
    bool compressed = false;
    dq_format format = DQ_FORMAT_JSON;
    memset(&result, 0, sizeof(result));
    dq_code rc = scan_decode(s, scratch, entry, &result, &compressed, &format, &err);
    if (rc == DQ_ENOTRESULT) {
        dq_note("%s", err.msg);
        count(s, &s->report->not_results);
        return;
    }
    if (rc) {
        report_bad(s, &err);
        return;
    }
    const dq_filter *f = s->opts->filter;
    if (!dq_filter_match(f, result.checkpoint_name, result.data_asset, result.status,
                         result.run_time)) {
        count(s, &s->report->filtered);
    } else if (s->fn && (rc = s->fn(entry, &result, s->ctx, &err)) != DQ_OK) {
        if (!err.msg[0])
            dq_fail(&err, rc, "%s: %s", entry->name, dq_code_name(rc));
        report_bad(s, &err);
    } else {
        scan_keep(s, entry, &result, compressed, format);
    }
    dq_result_free(&result);
}

static void scan_worker(void *item, void *ctx, int worker)
{
    scan_state *s = ctx;
    scan_batch *batch = item;
    for (size_t i = 0; i < batch->len; i++) {
        scan_entry(s, &s->scratch[worker], batch->entries[i]);
        dq_entry_free(batch->entries[i]);
    }
    free(batch);
}

static void scan_flush(scan_state *s)
{
    if (s->pending && s->pending->len)
        dq_pool_submit(s->pool, s->pending);
    else
        free(s->pending);
    s->pending = NULL;
}

static int scan_submit(dq_entry *entry, void *ctx)
{
    scan_state *s = ctx;
    count(s, &s->report->entries);
    /* An entry the consumer knows is settled right here: a lookup costs less than
     * handing it to a worker, and an incremental build is mostly such entries. */
    if (scan_reuse(s, entry)) {
        dq_entry_free(entry);
        return 0;
    }
    if (!s->pending)
        s->pending = calloc(1, sizeof(*s->pending));
    if (!s->pending) {
        dq_errorf("%s: out of memory", entry->name);
        dq_entry_free(entry);
        s->out_of_memory = true;
        return 1;
    }
    s->pending->entries[s->pending->len++] = entry;
    if (s->pending->len == SCAN_BATCH)
        scan_flush(s);
    return 0;
}

/* Tells the object store which objects need no download: those the consumer will take
 * from its own record (an incremental docs build over a bucket). */
static bool scan_known(const dq_entry *entry, void *ctx)
{
    scan_state *s = ctx;
    return s->opts->known(entry, s->ctx);
}

static int compare_run_id_then_origin(const void *a, const void *b)
{
    const dq_record *x = a, *y = b;
    int c = strcmp(x->run_id, y->run_id);
    if (c)
        return c;
    if (x->input != y->input)
        return x->input < y->input ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int compare_time_then_run_id(const void *a, const void *b)
{
    const dq_record *x = a, *y = b;
    if (x->run_time != y->run_time)
        return x->run_time < y->run_time ? -1 : 1;
    return compare_run_id_then_origin(a, b);
}

/* Keeps the first copy (by input order, then path order) of every run_id. A copy with
 * the same bytes is dropped quietly; different bytes get a warning naming both files. */
static void settle_duplicates(dq_records *records, dq_scan_report *report, bool returned)
{
    if (records->len < 2)
        return;
    qsort(records->items, records->len, sizeof(dq_record), compare_run_id_then_origin);
    size_t kept = 0;
    for (size_t i = 0; i < records->len; i++) {
        dq_record *rec = &records->items[i];
        dq_record *winner = kept ? &records->items[kept - 1] : NULL;
        if (!winner || strcmp(winner->run_id, rec->run_id) != 0) {
            records->items[kept++] = *rec;
            continue;
        }
        if (winner->content_hash == rec->content_hash) {
            report->duplicates++;
        } else {
            report->conflicts++;
            dq_warn("run_id %s is stored twice with different content: %s and %s; using %s",
                    rec->run_id, winner->name, rec->name, winner->name);
        }
        dq_record_free(rec);
    }
    records->len = kept;
    if (returned)
        qsort(records->items, records->len, sizeof(dq_record), compare_time_then_run_id);
}

dq_code dq_scan_run(const dq_scan_opts *opts, dq_scan_fn fn, void *ctx, dq_records *out,
                    dq_scan_report *report, dq_error *err)
{
    dq_records dropped; /* settles the run_ids of a caller that keeps no records */
    bool returned = out != NULL;
    out = returned ? out : &dropped;
    memset(out, 0, sizeof(*out));
    memset(report, 0, sizeof(*report));
    scan_state s = {.opts = opts, .fn = fn, .ctx = ctx, .records = out, .report = report};
    s.max_bytes = opts->max_result_bytes ? opts->max_result_bytes : DQ_DEFAULT_MAX_RESULT_BYTES;
    int jobs = opts->jobs > 0 ? opts->jobs : dq_cpu_count();
    s.scratch = calloc((size_t)jobs, sizeof(*s.scratch));
    if (!s.scratch)
        return dq_fail(err, DQ_ENOMEM, "out of memory");
    for (int i = 0; i < jobs; i++) {
        dq_buf_init(&s.scratch[i].raw, s.max_bytes);
        dq_buf_init(&s.scratch[i].inflated, s.max_bytes);
        s.scratch[i].cache = dq_decode_cache_new();
    }
    pthread_mutex_init(&s.lock, NULL);
    s.pool = dq_pool_new(jobs, (size_t)jobs * 2, scan_worker, &s);
    dq_code rc = DQ_OK;
    if (s.pool) {
        dq_source_opts source_opts = {.max_bytes = s.max_bytes};
        if (opts->reuse && opts->known) {
            source_opts.known = scan_known;
            source_opts.known_ctx = &s;
        }
        rc = dq_source_walk(opts->inputs, opts->input_count, &source_opts, scan_submit, &s, err);
        scan_flush(&s);
        dq_pool_finish(s.pool);
    } else {
        rc = dq_fail(err, DQ_ENOMEM, "cannot start %d worker threads", jobs);
    }
    pthread_mutex_destroy(&s.lock);
    for (int i = 0; i < jobs; i++) {
        dq_buf_free(&s.scratch[i].raw);
        dq_buf_free(&s.scratch[i].inflated);
        dq_decode_cache_free(s.scratch[i].cache);
    }
    free(s.scratch);
    settle_duplicates(out, report, returned);
    report->selected = out->len;
    if (!returned)
        dq_records_free(out);
    if (rc == DQ_OK && s.out_of_memory)
        rc = dq_fail(err, DQ_ENOMEM, "out of memory while keeping the records");
    return rc;
}
