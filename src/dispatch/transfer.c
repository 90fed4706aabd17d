/* HTTP and SMTP attempts on the shared multi handle. Easy handles are kept for reuse and
 * the multi handle's connection cache keeps each destination's connection alive. */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "engine_internal.h"

#define DQ_IDLE_EASY_MAX 256 /* handles kept for reuse */

static size_t on_body(char *data, size_t size, size_t count, void *arg)
{
    dq_job *job = arg;
    size_t n = size * count;
    /* Past the cap the rest is dropped, not refused: the status still counts. */
    size_t room = job->response.max - job->response.len;
    dq_buf_add(&job->response, data, n < room ? n : room);
    return n;
}

static double header_number(const char *value)
{
    char *end;
    double v = strtod(value, &end);
    return end == value ? -1 : v;
}

static size_t on_header(char *data, size_t size, size_t count, void *arg)
{
    dq_job *job = arg;
    size_t n = size * count;
    char line[512];
    if (n >= sizeof line)
        return n;
    memcpy(line, data, n);
    line[n] = '\0';
    line[strcspn(line, "\r\n")] = '\0';
    if (job->req.kind == DQ_REQUEST_SMTP) {
        /* The server's replies come here: keep the last one for the error message. */
        dq_buf_reset(&job->response);
        dq_buf_adds(&job->response, line);
        return n;
    }
    char *colon = strchr(line, ':');
    if (!colon)
        return n;
    *colon = '\0';
    const char *value = colon + 1 + strspn(colon + 1, " \t");
    dq_answer *a = &job->answer;
    if (strcasecmp(line, "retry-after") == 0) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        a->retry_after = dq_parse_retry_after(value, (double)now.tv_sec);
    } else if (strcasecmp(line, "x-ratelimit-remaining") == 0) {
        a->ratelimit_remaining = header_number(value);
    } else if (strcasecmp(line, "x-ratelimit-reset-after") == 0) {
        a->ratelimit_reset_after = header_number(value);
    } else if (strcasecmp(line, "x-ratelimit-reset") == 0) {
        a->ratelimit_reset = header_number(value);
    }
    return n;
}

static size_t on_upload(char *buffer, size_t size, size_t count, void *arg)
{
    dq_job *job = arg;
    size_t left = job->req.body_len - job->upload_offset;
    size_t n = size * count < left ? size * count : left;
    memcpy(buffer, job->req.body + job->upload_offset, n);
    job->upload_offset += n;
    return n;
}

static CURL *easy_take(dq_dispatch *d)
{
    if (!d->idle_len)
        return curl_easy_init();
    CURL *easy = d->idle_easy[--d->idle_len];
    curl_easy_reset(easy);
    return easy;
}

static void easy_release(dq_dispatch *d, CURL *easy)
{
    if (!d->idle_easy)
        d->idle_easy = calloc(DQ_IDLE_EASY_MAX, sizeof *d->idle_easy);
    if (d->idle_easy && d->idle_len < DQ_IDLE_EASY_MAX)
        d->idle_easy[d->idle_len++] = easy;
    else
        curl_easy_cleanup(easy);
}

static bool add_headers(dq_job *job)
{
    for (size_t i = 0; i < job->req.headers.len; i++) {
        struct curl_slist *l = curl_slist_append(job->header_list, job->req.headers.items[i]);
        if (!l)
            return false;
        job->header_list = l;
    }
    /* No "Expect: 100-continue" round trip before larger bodies. Not with SigV4: libcurl
     * would sign the empty header, which is never sent, and the signature would fail. */
    if (job->req.aws_sigv4)
        return true;
    struct curl_slist *l = curl_slist_append(job->header_list, "Expect:");
    if (!l)
        return false;
    job->header_list = l;
    return true;
}

static bool setup_http(dq_job *job)
{
    CURL *e = job->easy;
    const dq_request *r = &job->req;
    if (!add_headers(job))
        return false;
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, job->header_list);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, job);
    if (r->body) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body);
    }
    if (r->method && strcmp(r->method, r->body ? "POST" : "GET") != 0)
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
    if (r->aws_sigv4) /* SES: libcurl signs with USERNAME/PASSWORD as key and secret */
        curl_easy_setopt(e, CURLOPT_AWS_SIGV4, r->aws_sigv4);
    return true;
}

static bool setup_smtp(dq_job *job)
{
    CURL *e = job->easy;
    const dq_request *r = &job->req;
    for (size_t i = 0; i < r->rcpt.len; i++) {
        struct curl_slist *l = curl_slist_append(job->rcpt_list, r->rcpt.items[i]);
        if (!l)
            return false;
        job->rcpt_list = l;
    }
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(e, CURLOPT_MAIL_FROM, r->mail_from);
    curl_easy_setopt(e, CURLOPT_MAIL_RCPT, job->rcpt_list);
    curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(e, CURLOPT_READFUNCTION, on_upload);
    curl_easy_setopt(e, CURLOPT_READDATA, job);
    curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)r->body_len);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, job);
    if (r->use_tls)
        curl_easy_setopt(e, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    return true;
}

static void setup_common(dq_job *job)
{
    CURL *e = job->easy;
    const dq_request *r = &job->req;
    long timeout_ms = (long)((r->timeout_seconds > 0 ? r->timeout_seconds : 30) * 1000);
    curl_easy_setopt(e, CURLOPT_URL, r->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, job);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, job->curl_error);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, job);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, r->ssl_verify ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, r->ssl_verify ? 2L : 0L);
    if (r->ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, r->ca_file);
    if (r->username)
        curl_easy_setopt(e, CURLOPT_USERNAME, r->username);
    if (r->password)
        curl_easy_setopt(e, CURLOPT_PASSWORD, r->password);
}

static void transfer_clear(dq_dispatch *d, dq_job *job)
{
    if (job->easy) {
        curl_multi_remove_handle(d->multi, job->easy);
        easy_release(d, job->easy);
        job->easy = NULL;
    }
    curl_slist_free_all(job->header_list);
    curl_slist_free_all(job->rcpt_list);
    job->header_list = job->rcpt_list = NULL;
}

dq_code dq_engine_transfer_start(dq_dispatch *d, dq_job *job, dq_error *err)
{
    dq_buf_reset(&job->response);
    dq_answer_init(&job->answer);
    job->curl_error[0] = '\0';
    job->upload_offset = 0;
    job->easy = easy_take(d);
    if (!job->easy)
        return dq_fail(err, DQ_ENOMEM, "cannot create a libcurl handle");
    setup_common(job);
    bool ok = job->req.kind == DQ_REQUEST_SMTP ? setup_smtp(job) : setup_http(job);
    if (!ok || curl_multi_add_handle(d->multi, job->easy) != CURLM_OK) {
        curl_easy_setopt(job->easy, CURLOPT_PRIVATE, NULL);
        easy_release(d, job->easy);
        job->easy = NULL;
        transfer_clear(d, job);
        return dq_fail(err, DQ_ENOMEM, "out of memory starting a request");
    }
    return DQ_OK;
}

static void transfer_done(dq_dispatch *d, dq_job *job, CURLcode code)
{
    dq_answer *a = &job->answer;
    a->kind = job->req.kind;
    a->provider = job->req.provider;
    a->curl_code = (int)code;
    a->curl_error = job->curl_error;
    curl_easy_getinfo(job->easy, CURLINFO_RESPONSE_CODE, &a->status);
    a->body = dq_buf_str(&job->response);
    a->success_codes = job->req.success_codes;
    a->success_code_count = job->req.success_code_count;
    job->last_status = a->status;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    dq_judgement j;
    dq_judge(a, (double)now.tv_sec + (double)now.tv_nsec / 1e9, &j);
    transfer_clear(d, job);
    dq_job_judged(d, job, &j);
}

void dq_engine_transfers_reap(dq_dispatch *d)
{
    int running;
    curl_multi_perform(d->multi, &running);
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(d->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        dq_job *job = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&job);
        if (job)
            transfer_done(d, job, msg->data.result);
    }
}

void dq_engine_transfers_free(dq_dispatch *d)
{
    for (size_t i = 0; i < d->idle_len; i++)
        curl_easy_cleanup(d->idle_easy[i]);
    free(d->idle_easy);
    d->idle_easy = NULL;
    d->idle_len = 0;
}
