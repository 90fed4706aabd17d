/* Shared by the files of the decode module only. */
#ifndef DQBATCH_DECODE_INTERNAL_H
#define DQBATCH_DECODE_INTERNAL_H

#include <pthread.h>
#include <zlib.h>

#include "dqbatch/decode.h"

/* The deepest nesting accepted, for YAML as for JSON, so both formats fail alike. */
#define DQ_DECODE_NESTING_LIMIT CJSON_NESTING_LIMIT

/* What both parsers ask of a stored document before parsing it: not empty, valid UTF-8
 * (json.c). An error names the file. */
dq_code dq_decode_text_check(const char *text, size_t len, const char *name, dq_error *err);

/* Fills the summary fields, statistics and views of r from r->doc (result.c). */
dq_code dq_result_fill(const char *name, dq_result *r, dq_error *err);

/* Statistics and issue/check views with the precedence of spec 1.11 (stats.c). */
dq_code dq_result_fill_stats(const char *name, dq_result *r, dq_error *err);

/* A JSON number as a count: finite, whole enough and inside int64 (result.c). */
dq_code dq_json_count(const char *name, const cJSON *item, const char *key, int64_t *out,
                      dq_error *err);
/* A JSON number or absent/null (0). */
dq_code dq_json_double(const char *name, const cJSON *item, const char *key, double *out,
                       dq_error *err);

/* Arena blocks a worker keeps between results: enough for the trees of its largest. */
#define DQ_DECODE_CACHE_BLOCKS 16

/* A worker's state kept between decodes. Arenas of results freed on other threads give
 * blocks back, hence the lock; each arena holds a reference, so that a result may be
 * freed after the worker dropped its cache. */
struct dq_decode_cache {
    pthread_mutex_t lock; /* guards refs, blocks and len */
    int refs;
    void *blocks[DQ_DECODE_CACHE_BLOCKS];
    size_t len;
    z_stream stream; /* used by the owning worker only */
    bool stream_ready;
    struct libdeflate_decompressor *deflate; /* likewise, made on first use */
};

/* A new arena for one result's trees, giving its blocks back to home (NULL: to malloc). */
dq_arena *dq_arena_new(dq_decode_cache *home);
void dq_arena_release(dq_arena *arena);
/* Makes cJSON allocate from arena on this thread, until dq_arena_leave(the returned). */
dq_arena *dq_arena_enter(dq_arena *arena);
void dq_arena_leave(dq_arena *previous);

/* dq_decode_inflate with the cache's zlib state (reset, not set up again), or a private
 * one when cache is NULL (inflate.c). */
dq_code dq_decode_inflate_cached(const char *name, const void *data, size_t len, size_t max,
                                 dq_buf *out, dq_decode_cache *cache, dq_error *err);
/* Ends the cache's zlib state, if it was started. */
void dq_decode_inflate_end(dq_decode_cache *cache);

#endif
