/* The dispatch engine's pure parts: redaction, judging answers, the token bucket, the
 * provider defaults and the journal file format. */
#include <check.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/dispatch/dispatch_internal.h"
#include "dqtest.h"

/* ---- redaction ----------------------------------------------------------------------- */

START_TEST(redact_replaces_every_secret)
{
    dq_strlist secrets = {0};
    ck_assert_int_eq(dq_strlist_add(&secrets, "hunter22"), DQ_OK);
    ck_assert_int_eq(dq_strlist_add(&secrets, "ab"), DQ_OK); /* too short to hide */
    char *out = dq_redact("pw=hunter22; again hunter22; ab", &secrets);
    ck_assert_str_eq(out, "pw=***; again ***; ab");
    free(out);
    dq_strlist_free(&secrets);
}
END_TEST

START_TEST(redact_url_hides_tokens_in_paths)
{
    static const char *const cases[][2] = {
        {"https://hooks.slack.com/services/T0ABCDEF1/B0ABCDEF2/XyZ123abcDEF456ghi",
         "https://hooks.slack.com/services/***/***/***"},
        {"https://discord.com/api/webhooks/123456789012345678/AbC-dEf_123",
         "https://discord.com/api/webhooks/***/***"},
        {"https://api.telegram.org/bot123456:ABC-DEF1234ghIkl/sendMessage",
         "https://api.telegram.org/***/sendMessage"},
        {"https://events.pagerduty.com/v2/enqueue", "https://events.pagerduty.com/v2/enqueue"},
        {"https://user:pass@example.com/hook?token=abc", "https://example.com/hook?***"},
        {"/tmp/plain/path", "/tmp/plain/path"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *out = dq_redact_url(cases[i][0]);
        ck_assert_str_eq(out, cases[i][1]);
        free(out);
    }
}
END_TEST

START_TEST(redact_header_hides_credentials)
{
    char *a = dq_redact_header("Authorization: Bearer s3cr3t-token", NULL);
    char *b = dq_redact_header("X-Api-Key: k-123456", NULL);
    char *c = dq_redact_header("Content-Type: application/json", NULL);
    ck_assert_str_eq(a, "Authorization: ***");
    ck_assert_str_eq(b, "X-Api-Key: ***");
    ck_assert_str_eq(c, "Content-Type: application/json");
    free(a);
    free(b);
    free(c);
}
END_TEST

START_TEST(secret_list_covers_request)
{
    dq_request req;
    dq_request_init(&req);
    req.url = dq_strdup("https://api.telegram.org/bot999:TOKENVALUE12345/sendMessage?x=qqq1");
    req.password = dq_strdup("mailpass");
    ck_assert_int_eq(dq_strlist_add(&req.headers, "Authorization: GenieKey key-98765"), DQ_OK);
    ck_assert_int_eq(dq_strlist_add(&req.secrets, "routing-key-1"), DQ_OK);
    dq_strlist list = {0};
    ck_assert_int_eq(dq_request_secret_list(&req, &list), DQ_OK);
    char *out = dq_redact("bot999:TOKENVALUE12345 mailpass key-98765 routing-key-1 qqq1 ok", &list);
    ck_assert_str_eq(out, "*** *** *** *** *** ok");
    free(out);
    dq_strlist_free(&list);
    dq_request_free(&req);
}
END_TEST

/* ---- judging answers ----------------------------------------------------------------- */

/* An HTTP answer from provider; everything else as dq_answer_init leaves it. */
static dq_answer http_answer(dq_provider provider, long status, const char *body)
{
    dq_answer a;
    dq_answer_init(&a);
    a.kind = DQ_REQUEST_HTTP;
    a.provider = provider;
    a.status = status;
    a.body = body;
    return a;
}

static dq_judgement judge_at(const dq_answer *a, double now_epoch)
{
    dq_judgement j;
    dq_judge(a, now_epoch, &j);
    return j;
}

static dq_judgement judge(dq_provider provider, long status, const char *body, double retry_after)
{
    dq_answer a = http_answer(provider, status, body);
    a.retry_after = retry_after;
    return judge_at(&a, 1000000.0);
}

START_TEST(judge_success_and_final_failures)
{
    ck_assert_int_eq(judge(DQ_PROVIDER_SLACK, 200, "ok", -1).verdict, DQ_VERDICT_DELIVERED);
    ck_assert_int_eq(judge(DQ_PROVIDER_PAGERDUTY, 202, "{}", -1).verdict, DQ_VERDICT_DELIVERED);
    dq_judgement j = judge(DQ_PROVIDER_GENERIC, 400, "invalid_payload\nsecond line", -1);
    ck_assert_int_eq(j.verdict, DQ_VERDICT_FAIL);
    ck_assert_ptr_nonnull(strstr(j.message, "HTTP 400: invalid_payload"));
    ck_assert_ptr_null(strstr(j.message, "second line"));
    ck_assert_int_eq(judge(DQ_PROVIDER_DISCORD, 404, "", -1).verdict, DQ_VERDICT_FAIL);
}
END_TEST

START_TEST(judge_retries_server_errors)
{
    ck_assert_int_eq(judge(DQ_PROVIDER_GENERIC, 500, "", -1).verdict, DQ_VERDICT_RETRY);
    ck_assert_int_eq(judge(DQ_PROVIDER_GENERIC, 503, "", 7).verdict, DQ_VERDICT_THROTTLED);
    ck_assert_double_eq(judge(DQ_PROVIDER_GENERIC, 503, "", 7).wait, 7);
    ck_assert_int_eq(judge(DQ_PROVIDER_GENERIC, 408, "", -1).verdict, DQ_VERDICT_RETRY);
}
END_TEST

START_TEST(judge_success_codes)
{
    long codes[] = {201};
    dq_answer a = http_answer(DQ_PROVIDER_GENERIC, 200, "");
    a.success_codes = codes;
    a.success_code_count = 1;
    ck_assert_int_eq(judge_at(&a, 0).verdict, DQ_VERDICT_FAIL);
    a.status = 201;
    ck_assert_int_eq(judge_at(&a, 0).verdict, DQ_VERDICT_DELIVERED);
}
END_TEST

START_TEST(judge_throttling_formats)
{
    dq_judgement j = judge(DQ_PROVIDER_SLACK, 429, "", 3);
    ck_assert_int_eq(j.verdict, DQ_VERDICT_THROTTLED);
    ck_assert_double_eq(j.wait, 3);
    j = judge(DQ_PROVIDER_DISCORD, 429,
              "{\"message\": \"You are being rate limited.\", "
              "\"retry_after\": 1.5, \"global\": false}",
              -1);
    ck_assert_int_eq(j.verdict, DQ_VERDICT_THROTTLED);
    ck_assert_double_eq_tol(j.wait, 1.5, 1e-9);
    j = judge(DQ_PROVIDER_DISCORD, 429, "{\"retry_after\": 2500, \"global\": false}", -1);
    ck_assert_double_eq_tol(j.wait, 2.5, 1e-9); /* milliseconds by mistake */
    j = judge(DQ_PROVIDER_TELEGRAM, 429,
              "{\"ok\":false,\"error_code\":429,\"description\":"
              "\"Too Many Requests: retry after 5\","
              "\"parameters\":{\"retry_after\":5}}",
              -1);
    ck_assert_int_eq(j.verdict, DQ_VERDICT_THROTTLED);
    ck_assert_double_eq(j.wait, 5);
    j = judge(DQ_PROVIDER_TELEGRAM, 200,
              "{\"ok\":false,\"error_code\":429,"
              "\"parameters\":{\"retry_after\":4}}",
              -1);
    ck_assert_int_eq(j.verdict, DQ_VERDICT_THROTTLED);
    ck_assert_double_eq(j.wait, 4);
    j = judge(DQ_PROVIDER_TELEGRAM, 400,
              "{\"ok\":false,\"error_code\":400,\"description\":"
              "\"Bad Request: chat not found\"}",
              -1);
    ck_assert_int_eq(j.verdict, DQ_VERDICT_FAIL);
    ck_assert_ptr_nonnull(strstr(j.message, "chat not found"));
    j = judge(DQ_PROVIDER_TEAMS, 200, "Microsoft Teams endpoint returned HTTP error 429", -1);
    ck_assert_int_eq(j.verdict, DQ_VERDICT_THROTTLED);
    j = judge(DQ_PROVIDER_SES, 400,
              "<Error><Code>Throttling</Code><Message>Maximum sending "
              "rate exceeded.</Message></Error>",
              -1);
    ck_assert_int_eq(j.verdict, DQ_VERDICT_THROTTLED);
    j = judge(DQ_PROVIDER_GENERIC, 429, "", -1);
    ck_assert_int_eq(j.verdict, DQ_VERDICT_THROTTLED);
}
END_TEST

START_TEST(judge_github_limits)
{
    dq_answer a =
        http_answer(DQ_PROVIDER_GITHUB, 403, "{\"message\": \"API rate limit exceeded\"}");
    a.ratelimit_remaining = 0;
    a.ratelimit_reset = 1000042;
    dq_judgement j = judge_at(&a, 1000000.0);
    ck_assert_int_eq(j.verdict, DQ_VERDICT_THROTTLED);
    ck_assert_double_eq_tol(j.wait, 42, 1e-6);
    a = http_answer(DQ_PROVIDER_GITHUB, 403,
                    "{\"message\": \"Resource not accessible by integration\"}");
    ck_assert_int_eq(judge_at(&a, 1000000.0).verdict, DQ_VERDICT_FAIL);
}
END_TEST

START_TEST(judge_network_and_smtp)
{
    dq_answer a = http_answer(DQ_PROVIDER_GENERIC, 0, NULL); /* no answer at all */
    a.curl_code = CURLE_COULDNT_CONNECT;
    ck_assert_int_eq(judge_at(&a, 0).verdict, DQ_VERDICT_RETRY);
    a.curl_code = CURLE_PEER_FAILED_VERIFICATION;
    ck_assert_int_eq(judge_at(&a, 0).verdict, DQ_VERDICT_FAIL);
    a = http_answer(DQ_PROVIDER_SES, 454, NULL);
    a.kind = DQ_REQUEST_SMTP;
    a.curl_code = CURLE_SEND_ERROR;
    ck_assert_int_eq(judge_at(&a, 0).verdict, DQ_VERDICT_THROTTLED);
    a.status = 550;
    ck_assert_int_eq(judge_at(&a, 0).verdict, DQ_VERDICT_FAIL);
}
END_TEST

START_TEST(discord_announced_exhaustion_pauses)
{
    dq_answer a = http_answer(DQ_PROVIDER_DISCORD, 204, "");
    a.ratelimit_remaining = 0;
    a.ratelimit_reset_after = 1.25;
    dq_judgement j = judge_at(&a, 0);
    ck_assert_int_eq(j.verdict, DQ_VERDICT_DELIVERED);
    ck_assert_double_eq_tol(j.pause, 1.25, 1e-9);
    /* GitHub: only the reset epoch. */
    a = http_answer(DQ_PROVIDER_GITHUB, 201, "{}");
    a.ratelimit_remaining = 0;
    a.ratelimit_reset = 1000030;
    j = judge_at(&a, 1000000.0);
    ck_assert_int_eq(j.verdict, DQ_VERDICT_DELIVERED);
    ck_assert_double_eq_tol(j.pause, 30, 1e-9);
    /* Budget left: no pause. */
    a.ratelimit_remaining = 3;
    ck_assert(judge_at(&a, 1000000.0).pause < 0);
}
END_TEST

START_TEST(retry_after_seconds_and_dates)
{
    ck_assert_double_eq(dq_parse_retry_after("120", 0), 120);
    ck_assert_double_eq_tol(dq_parse_retry_after(" 1.5 ", 0), 1.5, 1e-9);
    /* Sun, 06 Nov 1994 08:49:37 GMT is 784111777. */
    ck_assert_double_eq(dq_parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111770.0), 7);
    ck_assert_double_eq(dq_parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111800.0), 0);
    ck_assert(dq_parse_retry_after("soon", 0) < 0);
}
END_TEST

/* ---- pacing -------------------------------------------------------------------------- */

START_TEST(bucket_paces_after_burst)
{
    dq_bucket b;
    dq_bucket_init(&b, (dq_rate){.per_second = 10, .burst = 3}, 100.0);
    for (int i = 0; i < 3; i++) {
        ck_assert_double_eq(dq_bucket_wait(&b, 100.0, 1), 0);
        dq_bucket_take(&b);
    }
    ck_assert_double_eq_tol(dq_bucket_wait(&b, 100.0, 1), 0.1, 1e-9);
    ck_assert_double_eq_tol(dq_bucket_wait(&b, 100.0, 4), 0.4, 1e-9); /* throttled */
    ck_assert_double_eq(dq_bucket_wait(&b, 100.1, 1), 0);
    dq_bucket_take(&b);
    /* Idle time refills up to the burst, never beyond. */
    dq_bucket_wait(&b, 200.0, 1);
    ck_assert_double_eq_tol(b.tokens, 3, 1e-9);
}
END_TEST

START_TEST(bucket_credits_a_late_wake_up_only_while_pacing)
{
    dq_bucket b;
    dq_bucket_init(&b, (dq_rate){.per_second = 1000, .burst = 1}, 0.0);
    dq_bucket_take(&b);
    ck_assert_double_eq_tol(dq_bucket_wait(&b, 0.0, 1), 0.001, 1e-12);
    /* The loop woke 0.5 ms late: the next token is still due at 2 ms, not 2.5 ms. */
    ck_assert_double_eq(dq_bucket_wait(&b, 0.0015, 1), 0);
    dq_bucket_take(&b);
    ck_assert_double_eq_tol(dq_bucket_wait(&b, 0.0015, 1), 0.0005, 1e-9);
    ck_assert_double_eq(dq_bucket_wait(&b, 0.002, 1), 0);
    dq_bucket_take(&b);
    /* Idle for a while: the burst only, no credit. */
    ck_assert_double_eq(dq_bucket_wait(&b, 10.0, 1), 0);
    dq_bucket_take(&b);
    ck_assert(dq_bucket_wait(&b, 10.0, 1) > 0);
}
END_TEST

/* Requests a bucket can let through within any half-open window of length t. */
static double bucket_most(const dq_rate *r, double t)
{
    return floor(r->burst + r->per_second * t - 1e-9);
}

START_TEST(provider_defaults_keep_documented_windows)
{
    dq_rate r;
    int cap;
    dq_provider_default_rate(DQ_PROVIDER_TEAMS, &r, &cap);
    ck_assert(bucket_most(&r, 1) <= 4);
    ck_assert(bucket_most(&r, 30) <= 60);
    ck_assert(bucket_most(&r, 3600) <= 100);
    ck_assert(bucket_most(&r, 7200) <= 150);
    ck_assert(bucket_most(&r, 86400) <= 1800);
    dq_provider_default_rate(DQ_PROVIDER_PAGERDUTY, &r, &cap);
    ck_assert(bucket_most(&r, 60) <= 120);
    dq_provider_default_rate(DQ_PROVIDER_GITHUB, &r, &cap);
    ck_assert(bucket_most(&r, 60) <= 80);
    ck_assert(bucket_most(&r, 3600) <= 500);
    dq_provider_default_rate(DQ_PROVIDER_TELEGRAM, &r, &cap);
    ck_assert(bucket_most(&r, 60) <= 20);
    dq_provider_default_rate(DQ_PROVIDER_SLACK, &r, &cap);
    ck_assert_double_eq(r.per_second, 1);
    ck_assert_int_eq(cap, 1);
    dq_provider_default_rate(DQ_PROVIDER_GENERIC, &r, &cap);
    ck_assert_double_eq(r.per_second, 0);
}
END_TEST

/* ---- journal ------------------------------------------------------------------------- */

/* A journal path in a fresh directory, removed with it at the end of the test. */
typedef struct journal_case {
    char *dir;
    char *path;
} journal_case;

static journal_case journal_case_start(void)
{
    journal_case c = {.dir = dqtest_tmpdir()};
    c.path = dq_asprintf("%s/journal", c.dir);
    ck_assert_ptr_nonnull(c.path);
    return c;
}

static void journal_case_end(journal_case *c)
{
    dqtest_rmrf(c->dir);
    free(c->path);
    free(c->dir);
}

static void journal_write(const char *path, int first, int count)
{
    dq_journal *j;
    dq_error err;
    ck_assert_int_eq(dq_journal_open(path, false, &j, &err), DQ_OK);
    for (int i = first; i < first + count; i++) {
        char key[32];
        snprintf(key, sizeof key, "key-%d", i);
        ck_assert_int_eq(dq_journal_append(j, key, "webhook:x", 200, &err), DQ_OK);
    }
    ck_assert_int_eq(dq_journal_close(j, &err), DQ_OK);
}

static size_t journal_keys(const char *path, bool read_only)
{
    dq_journal *j;
    dq_error err;
    ck_assert_int_eq(dq_journal_open(path, read_only, &j, &err), DQ_OK);
    size_t n = dq_journal_size(j);
    ck_assert(dq_journal_has(j, "key-0"));
    dq_journal_close(j, NULL);
    return n;
}

START_TEST(journal_round_trip)
{
    journal_case c = journal_case_start();
    const char *path = c.path;
    journal_write(path, 0, 40);
    journal_write(path, 40, 2);
    ck_assert_uint_eq(journal_keys(path, false), 42);
    dq_journal *j;
    dq_error err;
    ck_assert_int_eq(dq_journal_open(path, false, &j, &err), DQ_OK);
    ck_assert(dq_journal_has(j, "key-41"));
    ck_assert(!dq_journal_has(j, "key-42"));
    /* A second run on the same journal at the same time is refused. */
    dq_journal *other;
    ck_assert_int_eq(dq_journal_open(path, false, &other, &err), DQ_EIO);
    ck_assert_ptr_nonnull(strstr(err.msg, "in use"));
    dq_journal_close(j, NULL);
    journal_case_end(&c);
}
END_TEST

static void append_raw(const char *path, const char *bytes)
{
    int fd = open(path, O_WRONLY | O_APPEND);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, bytes, strlen(bytes)), (ssize_t)strlen(bytes));
    close(fd);
}

START_TEST(journal_torn_tail_is_dropped)
{
    journal_case c = journal_case_start();
    const char *path = c.path;
    journal_write(path, 0, 5);
    size_t whole;
    free(dqtest_read(path, &whole));
    append_raw(path, "1234abcd {\"key\":\"key-5\",\"dest"); /* kill mid-write */
    /* Read-only (dry run): the keys, and the file left alone. */
    ck_assert_uint_eq(journal_keys(path, true), 5);
    size_t len;
    free(dqtest_read(path, &len));
    ck_assert_uint_gt(len, whole);
    /* For writing: cut back to the last whole record, then appended after it. */
    ck_assert_uint_eq(journal_keys(path, false), 5);
    free(dqtest_read(path, &len));
    ck_assert_uint_eq(len, whole);
    journal_write(path, 5, 1);
    ck_assert_uint_eq(journal_keys(path, false), 6);
    journal_case_end(&c);
}
END_TEST

START_TEST(journal_bad_checksum_is_dropped)
{
    journal_case c = journal_case_start();
    const char *path = c.path;
    journal_write(path, 0, 3);
    /* A whole line whose checksum does not match what it holds. */
    append_raw(path, "00000000 {\"key\":\"key-forged\"}\n");
    dq_journal *j;
    dq_error err;
    ck_assert_int_eq(dq_journal_open(path, false, &j, &err), DQ_OK);
    ck_assert_uint_eq(dq_journal_size(j), 3);
    ck_assert(!dq_journal_has(j, "key-forged"));
    dq_journal_close(j, NULL);
    ck_assert_uint_eq(dq_crc32("123456789", 9), 0xCBF43926u); /* the standard check value */
    journal_case_end(&c);
}
END_TEST

static Suite *dispatch_parts_suite(void)
{
    Suite *s = suite_create("dispatch_parts");
    TCase *tc = tcase_create("parts");
    tcase_add_test(tc, redact_replaces_every_secret);
    tcase_add_test(tc, redact_url_hides_tokens_in_paths);
    tcase_add_test(tc, redact_header_hides_credentials);
    tcase_add_test(tc, secret_list_covers_request);
    tcase_add_test(tc, judge_success_and_final_failures);
    tcase_add_test(tc, judge_retries_server_errors);
    tcase_add_test(tc, judge_success_codes);
    tcase_add_test(tc, judge_throttling_formats);
    tcase_add_test(tc, judge_github_limits);
    tcase_add_test(tc, judge_network_and_smtp);
    tcase_add_test(tc, discord_announced_exhaustion_pauses);
    tcase_add_test(tc, retry_after_seconds_and_dates);
    tcase_add_test(tc, bucket_paces_after_burst);
    tcase_add_test(tc, bucket_credits_a_late_wake_up_only_while_pacing);
    tcase_add_test(tc, provider_defaults_keep_documented_windows);
    tcase_add_test(tc, journal_round_trip);
    tcase_add_test(tc, journal_torn_tail_is_dropped);
    tcase_add_test(tc, journal_bad_checksum_is_dropped);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return dqtest_run(dispatch_parts_suite());
}
