/* Shared between the parts of the objstore module: where a store is and how to sign for
 * it, request plumbing, the listing parser and the small text helpers. Not public. */
#ifndef DQBATCH_OBJSTORE_INTERNAL_H
#define DQBATCH_OBJSTORE_INTERNAL_H

#include <curl/curl.h>

#include "dqbatch/objstore.h"

/* Bounds: a listing page is at most 1,000 keys of at most 1,024 bytes each, escaped. */
#define OBJSTORE_MAX_LIST_BYTES ((size_t)16 << 20)
#define OBJSTORE_MAX_ERROR_BYTES ((size_t)64 << 10)
#define OBJSTORE_MAX_ATTEMPTS 5

/* A bucket and a prefix, with the settings to reach and sign for them. Filled from the
 * URI and the environment; the secret lives only in password. */
typedef struct objstore_target {
    char scheme[3]; /* "s3" or "gs" */
    char *bucket;
    char *prefix;       /* key prefix without a leading or trailing '/', may be "" */
    char *object_base;  /* object URL = object_base + "/" + encoded key */
    char *list_url;     /* ListObjectsV2 URL without its query */
    char *sigv4;        /* "aws:amz:REGION:s3" */
    char *username;     /* access key id */
    char *password;     /* secret access key: never printed */
    char *token_header; /* "x-amz-security-token: ..." or NULL */
} objstore_target;

dq_code objstore_target_init(objstore_target *t, const char *uri, dq_error *err);
void objstore_target_free(objstore_target *t);
/* "s3://bucket" or "s3://bucket/key" for messages (owned). */
char *objstore_target_name(const objstore_target *t, const char *key);

/* ---- text --------------------------------------------------------------------------- */

/* Appends s percent-encoded per RFC 3986 (unreserved characters kept); '/' is kept too
 * when keep_slash (object paths), and encoded otherwise (query values). */
dq_code objstore_encode(dq_buf *out, const char *s, bool keep_slash);
/* A ListObjectsV2 URL: list_url and the query, its parameters in name order. */
char *objstore_list_url(const objstore_target *t, const char *prefix, const char *token,
                        int max_keys);
/* S3's LastModified ("2024-01-15T12:00:00.000Z") as seconds since the epoch. */
dq_code objstore_parse_time(const char *text, int64_t *out);
/* The path a key stands for below the listed prefix (see dq_objstore_walk), owned. */
char *objstore_relpath(const char *list_prefix, const char *key);
/* False for a relative path a consumer could not use as one: absolute, or with a "."
 * or ".." segment (such keys are refused, as unsafe archive paths are). */
bool objstore_relpath_safe(const char *relpath);

/* ---- XML ------------------------------------------------------------------------------ */

/* Called at the end of every element: its name, its parent's name ("" at the top) and
 * its own text with entities decoded (empty when it held elements). */
typedef dq_code (*objstore_xml_fn)(const char *parent, const char *name, const char *text,
                                   void *ctx);

/* A small, bounded XML reader for S3's answers: elements, text, entities (the five
 * named ones and character references), CDATA, comments and declarations; no DTDs.
 * Malformed input is DQ_EFORMAT naming `what`. */
dq_code objstore_xml_parse(const char *xml, size_t len, const char *what, objstore_xml_fn fn,
                           void *ctx, dq_error *err);

/* One object of a listing. */
typedef struct objstore_object {
    char *key;
    char *etag; /* without its quotes */
    int64_t size;
    int64_t mtime;
} objstore_object;

typedef struct objstore_page {
    objstore_object *items;
    size_t len;
    size_t cap;
    bool truncated;
    char *next_token; /* NULL when the listing is complete */
} objstore_page;

dq_code objstore_page_parse(const char *xml, size_t len, const char *what, objstore_page *page,
                            dq_error *err);
void objstore_page_free(objstore_page *page);
void objstore_object_free(objstore_object *o);

/* ---- requests ------------------------------------------------------------------------- */

/* What to do after a response. */
typedef enum objstore_outcome {
    OBJSTORE_DONE,    /* 2xx */
    OBJSTORE_MISSING, /* 404 */
    OBJSTORE_DENIED,  /* 401, 403: stop, never retry */
    OBJSTORE_RETRY,   /* 5xx, 429, a transport failure: retry with backoff */
    OBJSTORE_FAILED,  /* anything else */
} objstore_outcome;

/* One request's state on an easy handle. */
typedef struct objstore_request {
    CURL *easy;
    struct curl_slist *headers;
    dq_buf body;  /* the response body, bounded */
    bool too_big; /* the body went past its cap */
    char errbuf[CURL_ERROR_SIZE];
} objstore_request;

/* Resets the handle (keeping its connections when used alone) and prepares a signed
 * request. method is "GET" or "PUT" (with upload bytes). The body cap is max. */
dq_code objstore_request_prepare(objstore_request *r, const objstore_target *t, const char *method,
                                 const char *url, const void *upload, size_t upload_len, size_t max,
                                 dq_error *err);
void objstore_request_free(objstore_request *r);

objstore_outcome objstore_outcome_of(CURLcode cc, long status);
/* Fills err with what went wrong: "NAME: HTTP 403 AccessDenied: Access Denied" or the
 * transport error, naming `name` (a bucket or an object), with the credentials masked
 * should the server echo them. Returns the code it set. */
dq_code objstore_describe(const objstore_request *r, const objstore_target *t, CURLcode cc,
                          long status, const char *name, dq_error *err);
/* Milliseconds to wait before attempt number `attempt` (1 is the first retry). */
long objstore_backoff_ms(int attempt);

/* Runs a request with retries on one handle (no multi). DQ_OK once the server answered
 * 2xx or 404 (*status tells which); otherwise the error, naming `name`. */
dq_code objstore_request_run(objstore_request *r, const objstore_target *t, const char *method,
                             const char *url, const void *upload, size_t upload_len, size_t max,
                             const char *name, long *status, dq_error *err);

#endif
