/* objstore: stores in S3-compatible object storage. `s3://bucket/prefix` (AWS S3, MinIO,
 * Ceph, ... through AWS_ENDPOINT_URL) and `gs://bucket/prefix` (Cloud Storage's
 * S3-compatible XML API with HMAC keys). Requests are signed with libcurl's SigV4;
 * listing is ListObjectsV2 with continuation tokens; objects are fetched many at a time
 * on one libcurl multi handle, so connections are reused. No SDK.
 *
 * Settings come from the environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 * AWS_SESSION_TOKEN, AWS_REGION or AWS_DEFAULT_REGION (default us-east-1),
 * AWS_ENDPOINT_URL (then path-style addressing) and AWS_S3_ADDRESSING_STYLE=path|virtual.
 * Credentials never appear in any message. */
#ifndef DQBATCH_OBJSTORE_H
#define DQBATCH_OBJSTORE_H

#include "dqbatch/source.h"

/* True for "s3://..." and "gs://...": inputs and outputs this module handles. */
bool dq_objstore_is_uri(const char *s);

/* Where a walk's entries go, and what it left: shared with the source walker so that
 * entries from buckets and directories are numbered in one sequence. */
typedef struct dq_objstore_sink {
    dq_entry_fn fn; /* takes ownership of each entry, as for dq_source_walk */
    void *ctx;
    bool (*wanted)(const char *key); /* which keys to read; NULL takes every object */
    int input;                       /* stored in each entry */
    uint64_t *seq;                   /* next sequence number, advanced for each entry */
    bool stopped;                    /* set when fn asked to stop */
} dq_objstore_sink;

/* Lists every object below the URI's prefix, in key order, and hands each one the sink
 * wants to it with its bytes in entry->data (raw, possibly
 * gzipped: decode looks at the magic), its ETag in entry->etag, size and LastModified.
 * name is "s3://bucket/key"; relpath is the key below the prefix, with truthound's
 * doubled keys ("p/s3:/bucket/p/2024/01/15/x.json") read as the path they meant
 * ("2024/01/15/x.json"). Objects that opts->known says the consumer
 * knows are not fetched (entry->unfetched, no bytes). Objects larger than opts->max_bytes, objects
 * gone between list and get (404) and objects that keep failing reach the sink as entries with
 * error set. Returns an error (and hands nothing more to the sink) when the store cannot be read at
 * all: a bad URI or settings, bad credentials or a denied or missing bucket (one
 * message naming the bucket, no retries), or a listing that keeps failing. */
dq_code dq_objstore_walk(const char *uri, const dq_source_opts *opts, dq_objstore_sink *sink,
                         dq_error *err);

/* Checks a URI and the settings it needs without any request, so that a command can
 * refuse a bad input before doing any work. */
dq_code dq_objstore_check(const char *uri, dq_error *err);

/* A writable place: a bucket and a prefix, with one connection reused for every request.
 * Not thread-safe: one per thread. */
typedef struct dq_objstore dq_objstore;

dq_code dq_objstore_open(const char *uri, dq_objstore **out, dq_error *err);
void dq_objstore_close(dq_objstore *store);

/* Writes bytes as the object "<prefix>/<relkey>". */
dq_code dq_objstore_put(dq_objstore *store, const char *relkey, const void *data, size_t len,
                        dq_error *err);

/* Reads the object "<prefix>/<relkey>" into out (replacing what it held), at most max
 * bytes. A missing object is DQ_OK with *found false. */
dq_code dq_objstore_get(dq_objstore *store, const char *relkey, size_t max, dq_buf *out,
                        bool *found, dq_error *err);

/* "s3://bucket/<prefix>/<relkey>", for messages (owned). */
char *dq_objstore_name(const dq_objstore *store, const char *relkey);

#endif
