/* One signed request on a libcurl easy handle: setup, what its answer means, messages
 * that never show a credential, and backoff. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "objstore_internal.h"

#define OBJSTORE_CONNECT_TIMEOUT_MS 10000L
/* A stalled server must not hang a nightly job: a transfer slower than 1 KB/s for 60 s
 * is abandoned (and retried) rather than a fixed total time, which big objects need. */
#define OBJSTORE_LOW_SPEED_BYTES 1024L
#define OBJSTORE_LOW_SPEED_SECONDS 60L

static size_t body_write(char *p, size_t size, size_t n, void *ctx)
{
    objstore_request *r = ctx;
    if (dq_buf_add(&r->body, p, size * n) != DQ_OK) {
        r->too_big = true;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    return size * n;
}

void objstore_request_free(objstore_request *r)
{
    if (r->easy)
        curl_easy_cleanup(r->easy);
    curl_slist_free_all(r->headers);
    dq_buf_free(&r->body);
    memset(r, 0, sizeof(*r));
}

static dq_code add_header(objstore_request *r, const char *line)
{
    struct curl_slist *l = curl_slist_append(r->headers, line);
    if (!l)
        return DQ_ENOMEM;
    r->headers = l;
    return DQ_OK;
}

/* libcurl 7.88 signs the headers it is given but does not add x-amz-content-sha256,
 * which S3 requires: the payload is declared unsigned (TLS protects it in transit). */
static dq_code build_headers(objstore_request *r, const objstore_target *t, const void *upload,
                             size_t upload_len, bool put)
{
    curl_slist_free_all(r->headers);
    r->headers = NULL;
    dq_code rc = add_header(r, "x-amz-content-sha256: UNSIGNED-PAYLOAD");
    if (rc == DQ_OK && t->token_header)
        rc = add_header(r, t->token_header);
    const unsigned char *bytes = upload;
    bool gzip = upload_len >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
    if (rc == DQ_OK && put)
        rc = add_header(r,
                        gzip ? "Content-Type: application/gzip" : "Content-Type: application/json");
    return rc;
}

dq_code objstore_request_prepare(objstore_request *r, const objstore_target *t, const char *method,
                                 const char *url, const void *upload, size_t upload_len, size_t max,
                                 dq_error *err)
{
    if (!r->easy)
        r->easy = curl_easy_init();
    else
        curl_easy_reset(r->easy); /* keeps the handle's live connections */
    if (!r->easy)
        return dq_fail(err, DQ_ENOMEM, "out of memory (curl)");
    bool put = strcmp(method, "PUT") == 0;
    if (build_headers(r, t, upload, upload_len, put) != DQ_OK)
        return dq_fail(err, DQ_ENOMEM, "out of memory");
    dq_buf_free(&r->body);
    dq_buf_init(&r->body, max);
    r->too_big = false;
    r->errbuf[0] = '\0';
    CURL *e = r->easy;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    /* A key may hold "." and ".." segments: they name the object, not a directory. */
    curl_easy_setopt(e, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(e, CURLOPT_AWS_SIGV4, t->sigv4);
    curl_easy_setopt(e, CURLOPT_USERNAME, t->username);
    curl_easy_setopt(e, CURLOPT_PASSWORD, t->password);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, body_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, OBJSTORE_CONNECT_TIMEOUT_MS);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, OBJSTORE_LOW_SPEED_BYTES);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, OBJSTORE_LOW_SPEED_SECONDS);
    curl_easy_setopt(e, CURLOPT_PRIVATE, r);
    if (put) {
        /* POSTFIELDS sends the body as it is, without an Expect: 100-continue round trip;
         * the method is then changed to PUT. */
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)upload_len);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, upload_len ? upload : "");
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "PUT");
    }
    return DQ_OK;
}

objstore_outcome objstore_outcome_of(CURLcode cc, long status)
{
    if (cc == CURLE_WRITE_ERROR)
        return OBJSTORE_FAILED; /* our own cap: retrying would fail the same way */
    if (cc != CURLE_OK)
        return OBJSTORE_RETRY;
    if (status >= 200 && status < 300)
        return OBJSTORE_DONE;
    if (status == 404)
        return OBJSTORE_MISSING;
    if (status == 401 || status == 403)
        return OBJSTORE_DENIED;
    if (status >= 500 || status == 429 || status == 408)
        return OBJSTORE_RETRY;
    return OBJSTORE_FAILED;
}

typedef struct error_reader {
    char code[96];
    char message[256];
} error_reader;

static dq_code error_element(const char *parent, const char *name, const char *text, void *ctx)
{
    error_reader *r = ctx;
    if (strcmp(parent, "Error") != 0)
        return DQ_OK;
    if (strcmp(name, "Code") == 0)
        snprintf(r->code, sizeof(r->code), "%s", text);
    else if (strcmp(name, "Message") == 0)
        snprintf(r->message, sizeof(r->message), "%s", text);
    return DQ_OK;
}

/* Replaces every occurrence of secret in s by "***". */
static void mask(char *s, const char *secret)
{
    size_t n = secret ? strlen(secret) : 0;
    if (n < 4) /* too short to be told from ordinary text */
        return;
    for (char *hit = strstr(s, secret); hit; hit = strstr(hit + 3, secret)) {
        memmove(hit + 3, hit + n, strlen(hit + n) + 1);
        memcpy(hit, "***", 3);
    }
}

static void mask_credentials(const objstore_target *t, dq_error *err)
{
    mask(err->msg, t->password);
    mask(err->msg, t->username);
    if (t->token_header)
        mask(err->msg, strchr(t->token_header, ' ') + 1);
}

static const char *outcome_words(objstore_outcome o)
{
    switch (o) {
    case OBJSTORE_DENIED:
        return "access denied (check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and the bucket's "
               "permissions)";
    case OBJSTORE_MISSING:
        return "not found";
    default:
        return "request failed";
    }
}

dq_code objstore_describe(const objstore_request *r, const objstore_target *t, CURLcode cc,
                          long status, const char *name, dq_error *err)
{
    if (!err)
        return DQ_ENET;
    if (r->too_big)
        dq_fail(err, DQ_ETOOBIG, "%s: larger than %zu bytes", name, r->body.max);
    else if (cc != CURLE_OK)
        dq_fail(err, DQ_ENET, "%s: %s", name, r->errbuf[0] ? r->errbuf : curl_easy_strerror(cc));
    else {
        error_reader er = {{0}, {0}};
        if (r->body.len)
            objstore_xml_parse(r->body.data, r->body.len, name, error_element, &er, NULL);
        /* S3 answers a request signed for another region with these. */
        bool region = status == 301 || strcmp(er.code, "PermanentRedirect") == 0 ||
                      strcmp(er.code, "AuthorizationHeaderMalformed") == 0;
        dq_fail(err, DQ_ENET, "%s: %s: HTTP %ld%s%s%s%s%s", name,
                outcome_words(objstore_outcome_of(cc, status)), status, er.code[0] ? " " : "",
                er.code, er.message[0] ? ": " : "", er.message,
                region ? " (is AWS_REGION the bucket's region?)" : "");
    }
    mask_credentials(t, err);
    return err->code;
}

long objstore_backoff_ms(int attempt)
{
    long ms = 100L << (attempt < 6 ? attempt - 1 : 5);
    return ms > 3200 ? 3200 : ms;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

dq_code objstore_request_run(objstore_request *r, const objstore_target *t, const char *method,
                             const char *url, const void *upload, size_t upload_len, size_t max,
                             const char *name, long *status, dq_error *err)
{
    for (int attempt = 1;; attempt++) {
        dq_code rc = objstore_request_prepare(r, t, method, url, upload, upload_len, max, err);
        if (rc)
            return rc;
        CURLcode cc = curl_easy_perform(r->easy);
        *status = 0;
        curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, status);
        objstore_outcome o = objstore_outcome_of(cc, *status);
        if (o == OBJSTORE_DONE || o == OBJSTORE_MISSING)
            return DQ_OK;
        if (o != OBJSTORE_RETRY || attempt == OBJSTORE_MAX_ATTEMPTS)
            return objstore_describe(r, t, cc, *status, name, err);
        sleep_ms(objstore_backoff_ms(attempt));
    }
}
