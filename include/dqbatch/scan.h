/* scan: one pass over a store. The walking thread finds entries; worker threads read,
 * decode and select them, hand each selected result to the consumer, and keep a small
 * record of it. Records come back in a fixed order (run_time, then run_id), with a
 * run_id stored twice kept once, whatever the number of threads. */
#ifndef DQBATCH_SCAN_H
#define DQBATCH_SCAN_H

#include "dqbatch/decode.h"
#include "dqbatch/select.h"
#include "dqbatch/source.h"

/* What every command needs of a result once its document is gone. A scan keeps one per
 * result, so it is small: the records the scan returns hold their strings in one
 * allocation (block); a record a consumer fills for the reuse hook may own each string
 * on its own (block NULL). dq_record_free handles both. */
typedef struct dq_record {
    char *block;   /* the one allocation behind the strings below, or NULL; in the records
                      a scan returns, checkpoint_name and data_asset are the records' own
                      shared copies and not in the block */
    char *name;    /* entry name, as shown to the user */
    char *relpath; /* path below its input root */
    int input;
    uint64_t seq;
    int64_t size;
    int64_t mtime;
    char *run_id;
    char *checkpoint_name;
    char *data_asset; /* NULL when absent */
    char *run_time_text;
    dq_time run_time;
    dq_status status;
    double duration_ms;
    dq_stats stats;
    uint64_t content_hash;
    bool compressed; /* stored bytes were gzip */
    dq_format format;
} dq_record;

typedef struct dq_records {
    dq_record *items;
    size_t len;
    size_t cap;
    dq_strset names; /* checkpoint names and assets the records share */
} dq_records;

void dq_record_free(dq_record *rec);
void dq_records_free(dq_records *records);

/* Lets a consumer that already holds a record of an entry (an incremental docs build:
 * same path, size and mtime as last time) skip reading and decoding it. Called on
 * the walking thread; returns true after filling *rec (its strings owned by rec). The scan
 * then treats the record like a decoded one, except that the consumer is not called. */
typedef bool (*dq_scan_reuse_fn)(const dq_entry *entry, void *ctx, dq_record *rec);

typedef struct dq_scan_opts {
    const char *const *inputs;
    int input_count;
    const dq_filter *filter; /* NULL takes everything */
    int jobs;                /* worker threads; 0 means one per core */
    size_t max_result_bytes; /* 0 means DQ_DEFAULT_MAX_RESULT_BYTES */
    dq_scan_reuse_fn reuse;  /* NULL reads every entry; gets the ctx of dq_scan_run */
    /* Optional and pure (no side effects, any thread): whether reuse would take this
     * entry. An object store then lists the object without downloading it. The entry
     * it sees has no seq yet. */
    bool (*known)(const dq_entry *entry, void *ctx);
} dq_scan_opts;

/* Called on a worker thread for every selected result, so it must be thread-safe. The
 * result is freed after it returns. A failure it returns is reported with the entry's
 * name and counted as bad; the scan goes on. */
typedef dq_code (*dq_scan_fn)(const dq_entry *entry, dq_result *result, void *ctx, dq_error *err);

typedef struct dq_scan_report {
    size_t entries;     /* files and archive members looked at */
    size_t selected;    /* results kept, after filters and duplicates */
    size_t filtered;    /* results the filters left out */
    size_t not_results; /* well-formed files that are not stored results (noted) */
    size_t bad;         /* bad inputs (each reported on stderr) */
    size_t duplicates;  /* same run_id stored again with the same content */
    size_t conflicts;   /* same run_id stored again with different content (warned) */
} dq_scan_report;

/* A run_id stored twice is settled after all workers are done, so the consumer has seen
 * both copies; report->conflicts says whether that happened, and the records hold only
 * the copy kept. out may be NULL when the consumer keeps its own: run_ids are settled
 * (and conflicts warned about) all the same, but the records are not sorted. */
dq_code dq_scan_run(const dq_scan_opts *opts, dq_scan_fn fn, void *ctx, dq_records *out,
                    dq_scan_report *report, dq_error *err);

/* Fills a record from a decoded result (used by the scan, and by consumers that decode
 * on their own). */
dq_code dq_record_from_result(dq_record *rec, const dq_entry *entry, const dq_result *r);

#endif
