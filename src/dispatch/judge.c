/* Judging an answer: delivered, worth a retry, throttled (and for how long), or final.
 * Each provider says "slow down" its own way (spec/providers.md). */
#include <cJSON.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dispatch_internal.h"

void dq_answer_init(dq_answer *a)
{
    memset(a, 0, sizeof *a);
    a->retry_after = -1;
    a->ratelimit_remaining = -1;
    a->ratelimit_reset_after = -1;
    a->ratelimit_reset = -1;
}

double dq_parse_retry_after(const char *value, double now_epoch)
{
    while (*value == ' ' || *value == '\t')
        value++;
    char *end;
    double seconds = strtod(value, &end);
    while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
        end++;
    if (end != value && *end == '\0')
        return seconds >= 0 ? seconds : -1;
    time_t when = curl_getdate(value, NULL);
    if (when < 0)
        return -1;
    double wait = (double)when - now_epoch;
    return wait > 0 ? wait : 0;
}

/* The first line of the body, bounded: most providers put their reason there. */
static void first_line(const char *body, char *out, size_t size)
{
    size_t n = body ? strcspn(body, "\r\n") : 0;
    if (n >= size)
        n = size - 1;
    if (n)
        memcpy(out, body, n);
    out[n] = '\0';
}

static void verdict(dq_judgement *out, dq_verdict v, double wait, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void verdict(dq_judgement *out, dq_verdict v, double wait, const char *fmt, ...)
{
    out->verdict = v;
    out->wait = wait;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->message, sizeof out->message, fmt, ap);
    va_end(ap);
}

static bool success_status(const dq_answer *a)
{
    if (!a->success_codes || !a->success_code_count)
        return a->status >= 200 && a->status < 300;
    for (size_t i = 0; i < a->success_code_count; i++)
        if (a->success_codes[i] == a->status)
            return true;
    return false;
}

static double json_number(const cJSON *obj, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsNumber(item) ? item->valuedouble : -1;
}

/* Discord's and Slack's {"retry_after": seconds}. Discord once sent milliseconds
 * (discord-api-docs#4722): a value beyond 1000 "seconds" is taken as milliseconds. */
static double body_retry_after(const cJSON *doc, dq_provider provider)
{
    double wait = json_number(doc, "retry_after");
    if (provider == DQ_PROVIDER_DISCORD && wait > 1000)
        wait /= 1000;
    return wait;
}

static double max_wait(double a, double b)
{
    return a > b ? a : b;
}

/* Telegram answers {"ok":false,"error_code":429,"description":"...",
 * "parameters":{"retry_after":5}}, with HTTP 429 or, through some proxies, 200. */
static bool judge_telegram(const dq_answer *a, const cJSON *doc, dq_judgement *out)
{
    const cJSON *ok = cJSON_GetObjectItemCaseSensitive(doc, "ok");
    if (cJSON_IsTrue(ok) && success_status(a))
        return false; /* delivered: the common path decides */
    if (!cJSON_IsFalse(ok))
        return false;
    const cJSON *desc = cJSON_GetObjectItemCaseSensitive(doc, "description");
    const char *text = cJSON_IsString(desc) ? desc->valuestring : "Telegram API error";
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(doc, "parameters");
    if (json_number(doc, "error_code") == 429 || a->status == 429) {
        verdict(out, DQ_VERDICT_THROTTLED,
                max_wait(json_number(params, "retry_after"), a->retry_after), "telegram: %s", text);
        return true;
    }
    if (cJSON_GetObjectItemCaseSensitive(params, "migrate_to_chat_id")) {
        verdict(out, DQ_VERDICT_FAIL, -1, "telegram: %s (the group moved: update chat_id)", text);
        return true;
    }
    if (a->status >= 500) {
        verdict(out, DQ_VERDICT_RETRY, a->retry_after, "telegram: HTTP %ld: %s", a->status, text);
        return true;
    }
    verdict(out, DQ_VERDICT_FAIL, -1, "telegram: HTTP %ld: %s", a->status, text);
    return true;
}

/* GitHub: 403 or 429 for both the primary limit (x-ratelimit-remaining: 0, wait until
 * x-ratelimit-reset) and the secondary one (retry-after, else at least a minute). */
static bool judge_github(const dq_answer *a, double now_epoch, dq_judgement *out)
{
    if (a->status != 403 && a->status != 429)
        return false;
    if (a->retry_after >= 0) {
        verdict(out, DQ_VERDICT_THROTTLED, a->retry_after, "github: HTTP %ld: rate limited",
                a->status);
        return true;
    }
    if (a->ratelimit_remaining == 0 && a->ratelimit_reset > 0) {
        verdict(out, DQ_VERDICT_THROTTLED, max_wait(a->ratelimit_reset - now_epoch, 1),
                "github: HTTP %ld: rate limit exhausted", a->status);
        return true;
    }
    if (a->body && strcasestr(a->body, "secondary rate limit")) {
        verdict(out, DQ_VERDICT_THROTTLED, 60, "github: HTTP %ld: secondary rate limit", a->status);
        return true;
    }
    return false; /* a plain 403: permissions */
}

/* Provider-specific answers that the status alone does not tell. */
static bool judge_provider(const dq_answer *a, const cJSON *doc, double now_epoch,
                           dq_judgement *out)
{
    const char *name = dq_provider_name(a->provider);
    switch (a->provider) {
    case DQ_PROVIDER_TELEGRAM:
        return judge_telegram(a, doc, out);
    case DQ_PROVIDER_GITHUB:
        return judge_github(a, now_epoch, out);
    case DQ_PROVIDER_TEAMS:
        /* Connectors "do not throw 429s": 200 with the error in the body. */
        if (a->body && strstr(a->body, "HTTP error 429")) {
            verdict(out, DQ_VERDICT_THROTTLED, a->retry_after, "teams: %s",
                    "throttled (429 in body)");
            return true;
        }
        return false;
    case DQ_PROVIDER_SES:
        if (a->status == 400 && a->body && strstr(a->body, "Throttling")) {
            verdict(out, DQ_VERDICT_THROTTLED, a->retry_after, "%s: throttled (%s)", name,
                    strstr(a->body, "Daily message quota") ? "daily quota" : "sending rate");
            return true;
        }
        return false;
    case DQ_PROVIDER_DISCORD:
    case DQ_PROVIDER_SLACK:
        if (a->status == 429) {
            verdict(out, DQ_VERDICT_THROTTLED,
                    max_wait(body_retry_after(doc, a->provider), a->retry_after),
                    "%s: HTTP 429: rate limited", name);
            return true;
        }
        return false;
    default:
        return false;
    }
}

/* libcurl failures: the network and timeouts are worth retrying; a certificate that
 * does not verify or a malformed URL is not. */
static bool curl_retryable(int code)
{
    switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return true;
    default:
        return false;
    }
}

/* For SMTP the body is the server's last reply line ("554 5.7.1 Message rejected"). */
static void judge_smtp(const dq_answer *a, dq_judgement *out)
{
    const char *what =
        a->curl_error && *a->curl_error ? a->curl_error : curl_easy_strerror(a->curl_code);
    if (a->status >= 400 && a->body && *a->body)
        what = a->body;
    if (a->curl_code == CURLE_OK) {
        verdict(out, DQ_VERDICT_DELIVERED, -1, "SMTP %ld", a->status);
        return;
    }
    /* 4xx replies are temporary by definition (SES answers 454 when throttling). */
    if (a->status >= 400 && a->status < 500) {
        verdict(out, DQ_VERDICT_THROTTLED, -1, "smtp: %s", what);
        return;
    }
    if (a->status >= 500 || !curl_retryable(a->curl_code)) {
        verdict(out, DQ_VERDICT_FAIL, -1, "smtp: %s", what);
        return;
    }
    verdict(out, DQ_VERDICT_RETRY, -1, "smtp: %s", what);
}

static void judge_status(const dq_answer *a, const cJSON *doc, dq_judgement *out)
{
    const char *name = dq_provider_name(a->provider);
    char line[160];
    first_line(a->body, line, sizeof line);
    if (success_status(a)) {
        verdict(out, DQ_VERDICT_DELIVERED, -1, "HTTP %ld", a->status);
        return;
    }
    if (a->status == 429) {
        verdict(out, DQ_VERDICT_THROTTLED,
                max_wait(a->retry_after, body_retry_after(doc, a->provider)), "%s: HTTP 429: %s",
                name, line[0] ? line : "Too Many Requests");
        return;
    }
    if (a->status == 408 || a->status >= 500) {
        /* With Retry-After (503 during maintenance) the server asked for a pause. */
        verdict(out, a->retry_after >= 0 ? DQ_VERDICT_THROTTLED : DQ_VERDICT_RETRY, a->retry_after,
                "%s: HTTP %ld: %s", name, a->status, line);
        return;
    }
    if (a->status >= 200 && a->status < 300) {
        verdict(out, DQ_VERDICT_FAIL, -1, "%s: HTTP %ld is not a listed success code", name,
                a->status);
        return;
    }
    verdict(out, DQ_VERDICT_FAIL, -1, "%s: HTTP %ld: %s", name, a->status, line);
}

void dq_judge(const dq_answer *a, double now_epoch, dq_judgement *out)
{
    memset(out, 0, sizeof *out);
    out->wait = -1;
    out->pause = -1;
    if (a->kind == DQ_REQUEST_SMTP) {
        judge_smtp(a, out);
        return;
    }
    if (a->curl_code != CURLE_OK) {
        const char *what =
            a->curl_error && *a->curl_error ? a->curl_error : curl_easy_strerror(a->curl_code);
        verdict(out, curl_retryable(a->curl_code) ? DQ_VERDICT_RETRY : DQ_VERDICT_FAIL, -1,
                "%s: %s", dq_provider_name(a->provider), what);
        return;
    }
    cJSON *doc = a->body && (a->body[0] == '{' || a->body[0] == '[') ? cJSON_Parse(a->body) : NULL;
    if (!judge_provider(a, doc, now_epoch, out))
        judge_status(a, doc, out);
    cJSON_Delete(doc);
    /* Discord and GitHub announce an exhausted budget on the answer before the 429: wait
     * for the reset (Discord's seconds, else the epoch both send). */
    if (out->verdict == DQ_VERDICT_DELIVERED && a->ratelimit_remaining == 0) {
        if (a->ratelimit_reset_after > 0)
            out->pause = a->ratelimit_reset_after;
        else if (a->ratelimit_reset > now_epoch)
            out->pause = a->ratelimit_reset - now_epoch;
    }
}
