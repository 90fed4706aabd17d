/* decode: the bytes of a stored result (gzip detected by magic, JSON or YAML) into a
 * dq_result, as truthound's CheckpointResult.from_dict reads it (spec/truthound.md 1). */
#ifndef DQBATCH_DECODE_H
#define DQBATCH_DECODE_H

#include <cJSON.h>

#include "dqbatch/core.h"

typedef enum dq_status {
    DQ_STATUS_SUCCESS,
    DQ_STATUS_FAILURE,
    DQ_STATUS_WARNING,
    DQ_STATUS_ERROR,
    DQ_STATUS_RUNNING,
    DQ_STATUS_PENDING,
} dq_status;
#define DQ_STATUS_COUNT 6

const char *dq_status_name(dq_status status); /* "success", ... */
dq_code dq_status_parse(const char *name, dq_status *out);

/* Which part of the file the statistics came from (spec 1.11 precedence). */
typedef enum dq_stats_origin {
    DQ_STATS_NONE,              /* no validation run: an error run */
    DQ_STATS_VALIDATION_RUN,    /* counted from validation_run, as truthound's view */
    DQ_STATS_VALIDATION_RESULT, /* validation_result.statistics (no-details files) */
} dq_stats_origin;

typedef struct dq_stats {
    dq_stats_origin origin;
    int64_t total_issues;
    int64_t critical_issues;
    int64_t high_issues;
    int64_t medium_issues;
    int64_t low_issues;
    int64_t total_validators;
    int64_t passed_validators;
    int64_t failed_validators;
    int64_t error_validators;
    int64_t total_rows;
    int64_t total_columns;
    double pass_rate; /* fraction 0..1; 1.0 when there are no checks */
    double issue_rate;
    double execution_time_ms;
} dq_stats;

/* The memory of a decoded result's trees (arena.c): released at once by dq_result_free. */
typedef struct dq_arena dq_arena;

/* One stored checkpoint result. The summary fields are copied out of the document; the
 * document itself stays available for the pages and actions that need every detail. */
typedef struct dq_result {
    char *run_id;
    char *checkpoint_name;
    char *run_time_text; /* as stored, e.g. "2024-03-07T18:47:07.868231" */
    dq_time run_time;
    dq_status status;
    char *data_asset; /* NULL when absent */
    double duration_ms;
    char *error; /* NULL unless the run failed to validate */
    dq_stats stats;

    /* The whole document (YAML is converted to the same tree). Owned. */
    cJSON *doc;
    /* Borrowed views into doc (or into rebuilt), NULL when absent. issues/checks/
     * execution_issues come from validation_run; without one they are rebuilt from
     * validation_result as truthound's legacy adapter does (issues from the failing rows,
     * checks from metadata._validation_run_contract.checks, else from every row). */
    const cJSON *validation_run;
    const cJSON *validation_result; /* the persistence DTO (spec 1.6) */
    const cJSON *issues;
    const cJSON *checks;
    const cJSON *execution_issues;
    const cJSON *metadata;       /* top-level metadata */
    const cJSON *action_results; /* top-level action_results */
    cJSON *rebuilt;              /* owned storage for rebuilt arrays, or NULL */
    /* Holds every node and string of doc and rebuilt (when a decode made them; NULL when a
     * caller built doc itself). Deleting or detaching their items is harmless, but nothing
     * may graft nodes made outside dq_decode into them: dq_result_free drops the arena
     * without walking the trees. Copy (cJSON_Duplicate) what must outlive the result. */
    dq_arena *arena;

    uint64_t content_hash; /* dq_hash64 of the decoded (inflated) bytes */
    size_t decoded_bytes;
} dq_result;

typedef enum dq_format {
    DQ_FORMAT_JSON,
    DQ_FORMAT_YAML,
} dq_format;

/* What a worker keeps between decodes: the zlib state and the arena blocks of results
 * already freed. A result may outlive its cache (the blocks then go back to malloc). */
typedef struct dq_decode_cache dq_decode_cache;

dq_decode_cache *dq_decode_cache_new(void); /* NULL when out of memory */
void dq_decode_cache_free(dq_decode_cache *cache);

typedef struct dq_decode_opts {
    size_t max_bytes; /* cap on inflated bytes (--max-result-bytes) */
    /* Optional room for the inflated text, kept between calls by a worker so that a
     * large buffer is not allocated and freed for every result. NULL: a private one. */
    dq_buf *scratch;
    /* Optional, used by one thread at a time (a worker's own); NULL: nothing kept. */
    dq_decode_cache *cache;
} dq_decode_opts;

/* Installs dq_decode's cJSON allocation hooks (they fall through to malloc and free
 * outside dq_decode). dq_decode does it itself; calling it before starting any thread
 * keeps cJSON_InitHooks from racing with cJSON used elsewhere. */
void dq_decode_setup(void);

#define DQ_DEFAULT_MAX_RESULT_BYTES ((size_t)256 << 20)

/* The format a file name implies: ".yaml", ".yml", ".yaml.gz", ".yml.gz" are YAML, all
 * else JSON. Returns false for names that are not stored results at all. */
bool dq_decode_name_format(const char *name, dq_format *out);

/* True when data starts with the gzip magic 1f 8b: the only test of gzip, never the name. */
bool dq_decode_is_gzip(const void *data, size_t len);

/* When data is gzip, appends its inflated bytes to out and returns DQ_OK; every member of
 * a multi-member file is read, NUL padding after a member is skipped (as Python's gzip
 * module does). When data is not gzip, returns DQ_OK and leaves out as it was. Errors
 * name the file: DQ_ETOOBIG past max inflated bytes (out's own maximum must allow max),
 * DQ_EFORMAT for truncated data, a bad CRC or length, or trailing garbage. */
dq_code dq_decode_inflate(const char *name, const void *data, size_t len, size_t max, dq_buf *out,
                          dq_error *err);

/* Decodes one stored result. name is used in error messages only. On failure *out is
 * left zeroed and err says why, naming the file; DQ_ENOTRESULT means the file is a
 * well-formed document that is not a stored result (the caller notes and skips it). */
dq_code dq_decode(const char *name, const void *data, size_t len, dq_format format,
                  const dq_decode_opts *opts, dq_result *out, dq_error *err);

/* Parses JSON the way Python's json.loads accepts it (NaN, Infinity, -Infinity read as
 * numbers; integers past 2^53 as the nearest double) into the tree cJSON_Parse would
 * build (json.c). DQ_EFORMAT, naming the file and the byte, for: an empty text, invalid
 * UTF-8, a lone surrogate, a control character inside a string, nesting past
 * CJSON_NESTING_LIMIT, truncated or malformed JSON, data after the value. */
cJSON *dq_json_parse(const char *text, size_t len, dq_error *err, const char *name);
/* Parses YAML as PyYAML's safe_load reads it (YAML 1.1 scalars, anchors and aliases
 * copied, merge keys "<<" applied) into the same tree JSON gives, an empty
 * stream as a null node. DQ_ETOOBIG past max_nodes nodes (aliases included); DQ_EFORMAT
 * for nesting past CJSON_NESTING_LIMIT, tags safe_load would not construct (!!python/...,
 * local tags), undefined or doubly defined anchors, several documents, syntax errors. */
cJSON *dq_yaml_parse(const char *text, size_t len, size_t max_nodes, dq_error *err,
                     const char *name);

/* obj[key] as Python's dict holds it: of duplicate keys the last wins (cJSON's own
 * lookup returns the first). NULL when obj is not an object or has no such key. */
const cJSON *dq_json_member(const cJSON *obj, const char *key);

void dq_result_free(dq_result *r);

#endif
