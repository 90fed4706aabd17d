/* The dispatch engine against a real loopback server (tests/servers/http_receiver.c):
 * pacing, independence of destinations, every throttling answer, retries, timeouts,
 * refused connections, final failures, the journal across a kill, HTTPS, secrets, shell
 * commands and file appends. Timing is checked only as properties of the arrival times
 * the server recorded (never an upper bound on wall time). */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dispatch_support.h"
#include "dqbatch/dispatch.h"
#include "dqtest.h"

/* ---- helpers -------------------------------------------------------------------------- */

typedef struct seen {
    char key[64];
    dq_delivery delivery;
    long status;
    int attempts;
    char error[256];
} seen;

typedef struct outcomes {
    seen items[4096];
    size_t len;
} outcomes;

/* Runs on the dispatcher thread only: no lock needed. */
static void record_outcome(const dq_request *req, const dq_dispatch_outcome *o, void *ctx)
{
    outcomes *all = ctx;
    ck_assert_uint_lt(all->len, sizeof all->items / sizeof all->items[0]);
    seen *s = &all->items[all->len++];
    snprintf(s->key, sizeof s->key, "%s", req->idempotency_key ? req->idempotency_key : "");
    s->delivery = o->delivery;
    s->status = o->status;
    s->attempts = o->attempts;
    snprintf(s->error, sizeof s->error, "%s", o->error ? o->error : "");
}

static const seen *outcome_of(const outcomes *all, const char *key)
{
    for (size_t i = 0; i < all->len; i++)
        if (strcmp(all->items[i].key, key) == 0)
            return &all->items[i];
    ck_abort_msg("no outcome for %s", key);
    return NULL;
}

static outcomes *outcomes_new(void)
{
    outcomes *o = calloc(1, sizeof *o);
    ck_assert_ptr_nonnull(o);
    return o;
}

static dq_dispatch *engine_open(dq_dispatch_options *opt, outcomes *out)
{
    opt->on_done = record_outcome;
    opt->on_done_ctx = out;
    dq_dispatch *d;
    dq_error err;
    ck_assert_msg(dq_dispatch_open(opt, &d, &err) == DQ_OK, "%s", err.msg);
    return d;
}

static void engine_finish(dq_dispatch *d)
{
    dq_error err;
    ck_assert_msg(dq_dispatch_finish(d, &err) == DQ_OK, "%s", err.msg);
}

/* What most tests start and end with: a receiver and one engine recording into out. */
typedef struct engine_case {
    dqtest_receiver server;
    dq_dispatch_options opt; /* kept here: the engine reads it until it is freed */
    outcomes *out;
    dq_dispatch *d;
} engine_case;

/* script: the receiver's rules (NULL: 200 to all). */
static void engine_case_start(engine_case *c, const char *script, dq_dispatch_options opt)
{
    dqtest_receiver_start(&c->server, script, NULL, NULL);
    c->opt = opt;
    c->out = outcomes_new();
    c->d = engine_open(&c->opt, c->out);
}

static void engine_case_end(engine_case *c)
{
    dq_dispatch_free(c->d);
    free(c->out);
    dqtest_receiver_stop(&c->server);
}

/* A POST of a small JSON body to base + path, keyed by key. */
static void submit_post(dq_dispatch *d, dq_provider provider, const char *base, const char *path,
                        const char *key, const dq_request *policy)
{
    dq_request req;
    dq_request_init(&req);
    if (policy) {
        req.rate = policy->rate;
        req.deadline_seconds = policy->deadline_seconds;
        req.max_in_flight = policy->max_in_flight;
        req.retry_count = policy->retry_count;
        req.retry_delay_seconds = policy->retry_delay_seconds;
        req.timeout_seconds = policy->timeout_seconds;
    }
    req.provider = provider;
    req.action = dq_strdup("test_action");
    req.url = dq_asprintf("%s%s", base, path);
    req.idempotency_key = dq_strdup(key);
    req.body = dq_asprintf("{\"key\": \"%s\"}", key);
    ck_assert_int_eq(dq_strlist_add(&req.headers, "Content-Type: application/json"), DQ_OK);
    dq_dispatch_submit(d, &req);
}

/* One POST to the case's receiver, sent to the end: its outcome. */
static const seen *engine_case_send_one(engine_case *c, dq_provider provider, const char *path,
                                        const char *key, const dq_request *policy)
{
    submit_post(c->d, provider, c->server.url, path, key, policy);
    engine_finish(c->d);
    return outcome_of(c->out, key);
}

/* count POSTs to base + path keyed prefix-0, prefix-1, ... */
static void submit_numbered(dq_dispatch *d, const char *base, const char *path, const char *prefix,
                            int count, const dq_request *policy)
{
    for (int i = 0; i < count; i++) {
        char key[32];
        snprintf(key, sizeof key, "%s-%d", prefix, i);
        submit_post(d, DQ_PROVIDER_GENERIC, base, path, key, policy);
    }
}

static dq_request policy(double per_second, double burst, int in_flight, int retries)
{
    dq_request p;
    dq_request_init(&p);
    p.rate.per_second = per_second;
    p.rate.burst = burst;
    p.max_in_flight = in_flight;
    p.retry_count = retries;
    p.retry_delay_seconds = 0.05;
    p.timeout_seconds = 5;
    return p;
}

/* Arrival times (seconds) of the requests recorded for path, in log order. */
static size_t arrivals(const cJSON *log, const char *path, double *out, size_t max)
{
    size_t n = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, log)
    {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(item, "path");
        if (path && strcmp(p->valuestring, path) != 0)
            continue;
        if (n < max)
            out[n] = cJSON_GetObjectItemCaseSensitive(item, "t")->valuedouble / 1e6;
        n++;
    }
    return n;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* ---- pacing ---------------------------------------------------------------------------- */

START_TEST(pacing_one_destination)
{
    enum { N = 200, RATE = 50, BURST = 5 };
    engine_case c;
    /* A small queue: the producer blocks. */
    engine_case_start(&c, NULL, (dq_dispatch_options){.queue_size = 16});
    /* One in flight: the server's own scheduling delays (this machine is shared) cannot
     * bunch several paced requests into one window of arrival times. */
    dq_request p = policy(RATE, BURST, 1, 0);
    submit_numbered(c.d, c.server.url, "/pace", "pace", N, &p);
    engine_finish(c.d);
    dq_dispatch_stats total;
    dq_dispatch_totals(c.d, &total);
    ck_assert_uint_eq(total.sent, N);
    cJSON *log = dqtest_receiver_requests(&c.server);
    double t[N];
    ck_assert_uint_eq(arrivals(log, "/pace", t, N), N);
    qsort(t, N, sizeof t[0], compare_double);
    /* No one-second window holds more than the rate plus the burst. */
    for (size_t i = 0, j = 0; i < N; i++) {
        while (j < N && t[j] < t[i] + 1.0)
            j++;
        ck_assert_msg(j - i <= RATE + BURST, "%zu requests within a second from #%zu", j - i, i);
    }
    /* The rate implies the run's length: the burst at once, then one per 1/RATE s. */
    double span = t[N - 1] - t[0];
    ck_assert_msg(span >= (double)(N - BURST) / RATE * 0.98, "span %.3f s", span);
    cJSON_Delete(log);
    engine_case_end(&c);
}
END_TEST

START_TEST(connections_are_reused)
{
    engine_case c;
    engine_case_start(&c, NULL, (dq_dispatch_options){0});
    dq_request p = policy(0, 1, 1, 0);
    submit_numbered(c.d, c.server.url, "/reuse", "reuse", 50, &p);
    engine_finish(c.d);
    cJSON *log = dqtest_receiver_requests(&c.server);
    ck_assert_int_eq(cJSON_GetArraySize(log), 50);
    int first = -1;
    const cJSON *item;
    cJSON_ArrayForEach(item, log)
    {
        int port = cJSON_GetObjectItemCaseSensitive(item, "client_port")->valueint;
        if (first < 0)
            first = port;
        ck_assert_int_eq(port, first); /* one connection for the whole run */
    }
    cJSON_Delete(log);
    engine_case_end(&c);
}
END_TEST

/* ---- independence ---------------------------------------------------------------------- */

static void independence(const char *script)
{
    dqtest_receiver slow, fast;
    dqtest_receiver_start(&slow, script, NULL, NULL);
    dqtest_receiver_start(&fast, NULL, NULL, NULL);
    outcomes *out = outcomes_new();
    dq_dispatch_options opt = {.max_in_flight = 8};
    dq_dispatch *d = engine_open(&opt, out);
    dq_request slow_policy = policy(0, 1, 1, 1);
    slow_policy.deadline_seconds = 3;
    dq_request fast_policy = policy(0, 1, 4, 0);
    for (int i = 0; i < 40; i++) {
        char key[32];
        snprintf(key, sizeof key, "i-%d", i);
        if (i % 20 == 0)
            submit_post(d, DQ_PROVIDER_GENERIC, slow.url, "/slow", key, &slow_policy);
        else
            submit_post(d, DQ_PROVIDER_GENERIC, fast.url, "/fast", key, &fast_policy);
    }
    engine_finish(d);
    cJSON *slow_log = dqtest_receiver_requests(&slow);
    cJSON *fast_log = dqtest_receiver_requests(&fast);
    double s[64], f[64];
    size_t ns = arrivals(slow_log, "/slow", s, 64);
    size_t nf = arrivals(fast_log, "/fast", f, 64);
    ck_assert_uint_eq(nf, 38);
    ck_assert_uint_ge(ns, 1);
    qsort(f, nf, sizeof f[0], compare_double);
    /* Every request to the fast destination arrived before the slow one's first answer
     * could have come back (it stalls 1.5 s or asks for 2 s). */
    ck_assert_msg(f[nf - 1] < s[0] + 1.0, "fast destination waited: last %.3f s after slow",
                  f[nf - 1] - s[0]);
    dq_dispatch_stats total;
    dq_dispatch_totals(d, &total);
    ck_assert_uint_ge(total.sent, 38);
    cJSON_Delete(slow_log);
    cJSON_Delete(fast_log);
    dq_dispatch_free(d);
    free(out);
    dqtest_receiver_stop(&slow);
    dqtest_receiver_stop(&fast);
}

START_TEST(independence_from_a_stalled_destination)
{
    independence("[{\"stall_ms\": 1500}]");
}
END_TEST

START_TEST(independence_from_a_throttled_destination)
{
    independence(
        "[{\"status\": 429, \"headers\": {\"Retry-After\": \"2\"}, \"body\": \"slow down\"}]");
}
END_TEST

/* ---- throttling answers ---------------------------------------------------------------- */

typedef struct throttle_case {
    const char *path;
    dq_provider provider;
    double asked; /* seconds the first answer asked for */
} throttle_case;

static char *http_date_in(int seconds)
{
    time_t when = time(NULL) + seconds;
    struct tm tm;
    gmtime_r(&when, &tm);
    char *out = malloc(64);
    ck_assert_ptr_nonnull(out);
    strftime(out, 64, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return out;
}

START_TEST(every_throttling_answer_is_obeyed)
{
    char *date = http_date_in(2);
    char *script = dq_asprintf(
        "[{\"path\": \"/slack\", \"times\": 1, \"status\": 429, \"headers\": {\"Retry-After\": "
        "\"1\"},"
        "  \"body\": "
        "\"{\\\"retry_after\\\":1,\\\"ok\\\":false,\\\"error\\\":\\\"rate_limited\\\"}\"},"
        " {\"path\": \"/discord\", \"times\": 1, \"status\": 429,"
        "  \"body\": \"{\\\"message\\\": \\\"You are being rate limited.\\\", \\\"retry_after\\\": "
        "0.8, \\\"global\\\": false}\"},"
        " {\"path\": \"/telegram429\", \"times\": 1, \"status\": 429,"
        "  \"body\": \"{\\\"ok\\\":false,\\\"error_code\\\":429,\\\"description\\\":\\\"Too Many "
        "Requests: retry after 1\\\",\\\"parameters\\\":{\\\"retry_after\\\":1}}\"},"
        " {\"path\": \"/telegram200\", \"times\": 1, \"status\": 200,"
        "  \"body\": "
        "\"{\\\"ok\\\":false,\\\"error_code\\\":429,\\\"parameters\\\":{\\\"retry_after\\\":1}}\"},"
        " {\"path\": \"/telegram\", \"status\": 200, \"body\": \"{\\\"ok\\\":true}\"},"
        " {\"path\": \"/teams\", \"times\": 1, \"status\": 200,"
        "  \"body\": \"Microsoft Teams endpoint returned HTTP error 429\"},"
        " {\"path\": \"/date\", \"times\": 1, \"status\": 503, \"headers\": {\"Retry-After\": "
        "\"%s\"}},"
        " {\"path\": \"/github\", \"times\": 1, \"status\": 403,"
        "  \"headers\": {\"x-ratelimit-remaining\": \"0\", \"x-ratelimit-reset\": \"%lld\"},"
        "  \"body\": \"{\\\"message\\\": \\\"API rate limit exceeded\\\"}\"}]",
        date, (long long)time(NULL) + 2);
    free(date);
    engine_case c;
    engine_case_start(&c, script, (dq_dispatch_options){0});
    free(script);
    const throttle_case cases[] = {
        {"/slack", DQ_PROVIDER_SLACK, 1},          {"/discord", DQ_PROVIDER_DISCORD, 0.8},
        {"/telegram429", DQ_PROVIDER_TELEGRAM, 1}, {"/telegram200", DQ_PROVIDER_TELEGRAM, 1},
        {"/teams", DQ_PROVIDER_TEAMS, 0},          {"/date", DQ_PROVIDER_GENERIC, 1},
        {"/github", DQ_PROVIDER_GITHUB, 1},
    };
    size_t n = sizeof cases / sizeof cases[0];
    dq_request p = policy(100, 5, 1, 0); /* no retries for errors: throttling is pacing */
    for (size_t i = 0; i < n; i++)
        submit_post(c.d, cases[i].provider, c.server.url, cases[i].path, cases[i].path, &p);
    engine_finish(c.d);
    cJSON *log = dqtest_receiver_requests(&c.server);
    for (size_t i = 0; i < n; i++) {
        const seen *s = outcome_of(c.out, cases[i].path);
        ck_assert_msg(s->delivery == DQ_DELIVERY_SENT, "%s: %s", cases[i].path, s->error);
        ck_assert_int_eq(s->attempts, 2);
        double t[4];
        ck_assert_uint_eq(arrivals(log, cases[i].path, t, 4), 2);
        /* Never sooner than the server asked (the date has a resolution of 1 s). */
        ck_assert_msg(t[1] - t[0] >= cases[i].asked, "%s: retried after %.3f s", cases[i].path,
                      t[1] - t[0]);
    }
    dq_dispatch_stats total;
    dq_dispatch_totals(c.d, &total);
    ck_assert_uint_eq(total.retried, n);
    cJSON_Delete(log);
    engine_case_end(&c);
}
END_TEST

START_TEST(announced_exhaustion_pauses_the_destination)
{
    /* Discord says "no budget left for 1 s" on an accepted request, before any 429. */
    engine_case c;
    engine_case_start(&c,
                      "[{\"times\": 1, \"status\": 204, \"headers\": "
                      "{\"X-RateLimit-Remaining\": \"0\", \"X-RateLimit-Reset-After\": \"1\"}}]",
                      (dq_dispatch_options){0});
    dq_request p = policy(100, 5, 1, 0);
    submit_post(c.d, DQ_PROVIDER_DISCORD, c.server.url, "/hook", "first", &p);
    submit_post(c.d, DQ_PROVIDER_DISCORD, c.server.url, "/hook", "second", &p);
    engine_finish(c.d);
    ck_assert_int_eq(outcome_of(c.out, "first")->delivery, DQ_DELIVERY_SENT);
    ck_assert_int_eq(outcome_of(c.out, "second")->delivery, DQ_DELIVERY_SENT);
    cJSON *log = dqtest_receiver_requests(&c.server);
    double t[2];
    ck_assert_uint_eq(arrivals(log, "/hook", t, 2), 2);
    ck_assert_msg(t[1] - t[0] >= 1.0, "second request after %.3f s", t[1] - t[0]);
    cJSON_Delete(log);
    engine_case_end(&c);
}
END_TEST

START_TEST(throttled_destination_refills_slower)
{
    /* One 429 without Retry-After: the destination's 20/s bucket refills at half speed
     * for a while, so the next 20 requests take at least 2 s instead of 1 s. */
    enum { N = 21 };
    engine_case c;
    engine_case_start(&c, "[{\"times\": 1, \"status\": 429, \"body\": \"slow down\"}]",
                      (dq_dispatch_options){0});
    dq_request p = policy(20, 1, 1, 0);
    submit_numbered(c.d, c.server.url, "/slower", "slow", N, &p);
    engine_finish(c.d);
    dq_dispatch_stats total;
    dq_dispatch_totals(c.d, &total);
    ck_assert_uint_eq(total.sent, N);
    cJSON *log = dqtest_receiver_requests(&c.server);
    double t[N + 1];
    ck_assert_uint_eq(arrivals(log, "/slower", t, N + 1), N + 1);
    double span = t[N] - t[1]; /* the N requests after the 429 */
    ck_assert_msg(span >= (N - 1) * (2.0 / 20) * 0.95, "%d requests in %.3f s", N - 1, span);
    cJSON_Delete(log);
    engine_case_end(&c);
}
END_TEST

START_TEST(server_enforced_limit_loses_nothing)
{
    /* The server allows 20 a second and answers 429 past that; the client is unlimited and
     * has no retries for errors: throttling is waited out, every request gets through. */
    enum { N = 60 };
    engine_case c;
    engine_case_start(&c,
                      "[{\"rate_limit\": 20, \"status\": 429, \"headers\": "
                      "{\"Retry-After\": \"1\"}, \"body\": \"rate limited\"}]",
                      (dq_dispatch_options){0});
    dq_request p = policy(0, 1, 4, 0);
    submit_numbered(c.d, c.server.url, "/limited", "lim", N, &p);
    engine_finish(c.d);
    dq_dispatch_stats total;
    dq_dispatch_totals(c.d, &total);
    ck_assert_uint_eq(total.sent, N);
    ck_assert_uint_eq(total.failed, 0);
    cJSON *log = dqtest_receiver_requests(&c.server);
    size_t accepted = 0, throttled = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, log)
    {
        int status = cJSON_GetObjectItemCaseSensitive(item, "status")->valueint;
        accepted += status == 200;
        throttled += status == 429;
    }
    ck_assert_uint_eq(accepted, N); /* each exactly once */
    ck_assert_uint_eq(total.retried, throttled);
    cJSON_Delete(log);
    engine_case_end(&c);
}
END_TEST

/* ---- retries and failures -------------------------------------------------------------- */

START_TEST(server_errors_then_success)
{
    engine_case c;
    engine_case_start(&c, "[{\"times\": 2, \"status\": 500, \"body\": \"oops\"}]",
                      (dq_dispatch_options){0});
    dq_request p = policy(0, 1, 1, 3);
    const seen *s = engine_case_send_one(&c, DQ_PROVIDER_GENERIC, "/flaky", "flaky", &p);
    ck_assert_int_eq(s->delivery, DQ_DELIVERY_SENT);
    ck_assert_int_eq(s->attempts, 3);
    ck_assert_uint_eq(dqtest_receiver_count(&c.server), 3);
    ck_assert_uint_eq(dq_dispatch_stats_count(c.d), 1);
    const dq_dispatch_stats *row = dq_dispatch_stats_at(c.d, 0);
    ck_assert_uint_eq(row->sent, 1);
    ck_assert_uint_eq(row->retried, 2);
    ck_assert_uint_eq(row->failed, 0);
    engine_case_end(&c);
}
END_TEST

START_TEST(timeouts_are_retried_then_fail)
{
    engine_case c;
    engine_case_start(&c, "[{\"stall_ms\": 3000}]", (dq_dispatch_options){0});
    dq_request p = policy(0, 1, 2, 1);
    p.timeout_seconds = 0.3;
    const seen *s = engine_case_send_one(&c, DQ_PROVIDER_GENERIC, "/stall", "stall", &p);
    ck_assert_int_eq(s->delivery, DQ_DELIVERY_FAILED);
    ck_assert_int_eq(s->attempts, 2);
    ck_assert_msg(strstr(s->error, "timed out") != NULL, "%s", s->error);
    engine_case_end(&c);
}
END_TEST

START_TEST(connection_refused_is_retried_then_fails)
{
    char *base = dq_asprintf("http://127.0.0.1:%d", dqtest_closed_port());
    outcomes *out = outcomes_new();
    dq_dispatch_options opt = {0};
    dq_dispatch *d = engine_open(&opt, out);
    dq_request p = policy(0, 1, 1, 2);
    submit_post(d, DQ_PROVIDER_GENERIC, base, "/x", "refused", &p);
    engine_finish(d);
    const seen *s = outcome_of(out, "refused");
    ck_assert_int_eq(s->delivery, DQ_DELIVERY_FAILED);
    ck_assert_int_eq(s->attempts, 3);
    ck_assert_msg(strstr(s->error, "onnect") != NULL, "%s", s->error);
    ck_assert_ptr_nonnull(strstr(s->error, "gave up after 3 attempts"));
    dq_dispatch_stats total;
    dq_dispatch_totals(d, &total);
    ck_assert_uint_eq(total.failed, 1);
    ck_assert_uint_eq(total.retried, 2);
    dq_dispatch_free(d);
    free(out);
    free(base);
}
END_TEST

START_TEST(bad_request_fails_at_once_with_message)
{
    engine_case c;
    engine_case_start(&c, "[{\"status\": 400, \"body\": \"invalid_blocks\\nmore detail\"}]",
                      (dq_dispatch_options){0});
    dq_request p = policy(0, 1, 1, 5);
    const seen *s = engine_case_send_one(&c, DQ_PROVIDER_SLACK, "/bad", "bad", &p);
    ck_assert_int_eq(s->delivery, DQ_DELIVERY_FAILED);
    ck_assert_int_eq(s->attempts, 1);
    ck_assert_int_eq(s->status, 400);
    ck_assert_msg(strstr(s->error, "HTTP 400: invalid_blocks") != NULL, "%s", s->error);
    ck_assert_ptr_null(strstr(s->error, "more detail"));
    ck_assert_uint_eq(dqtest_receiver_count(&c.server), 1);
    const dq_dispatch_stats *row = dq_dispatch_stats_at(c.d, 0);
    ck_assert_ptr_nonnull(strstr(row->last_error, "invalid_blocks"));
    engine_case_end(&c);
}
END_TEST

/* ---- journal ----------------------------------------------------------------------------- */

enum { CRASH_N = 2000, CRASH_IN_FLIGHT = 8 };

static void send_all(const char *base, const char *journal, double rate, outcomes *out)
{
    dq_dispatch_options opt = {.journal_path = journal, .max_in_flight = CRASH_IN_FLIGHT};
    dq_dispatch *d = engine_open(&opt, out);
    dq_request p = policy(rate, 1, CRASH_IN_FLIGHT, 2);
    submit_numbered(d, base, "/n", "n", CRASH_N, &p);
    engine_finish(d);
    dq_dispatch_free(d);
}

START_TEST(kill_and_rerun_loses_nothing)
{
    dqtest_receiver r;
    dqtest_receiver_start(&r, NULL, NULL, NULL);
    char *dir = dqtest_tmpdir();
    char *journal = dq_asprintf("%s/journal", dir);
    pid_t child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        outcomes *o = outcomes_new();
        send_all(r.url, journal, 1000, o); /* ~2 s: the kill lands midway */
        _exit(0);
    }
    while (dqtest_receiver_count(&r) < CRASH_N / 3)
        usleep(2000);
    kill(child, SIGKILL);
    int status;
    waitpid(child, &status, 0);
    ck_assert(WIFSIGNALED(status));
    size_t before = dqtest_receiver_count(&r);
    ck_assert_uint_lt(before, CRASH_N);

    outcomes *out = outcomes_new();
    send_all(r.url, journal, 0, out);
    size_t skipped = 0, sent = 0;
    for (size_t i = 0; i < out->len; i++) {
        skipped += out->items[i].delivery == DQ_DELIVERY_SKIPPED_JOURNAL;
        sent += out->items[i].delivery == DQ_DELIVERY_SENT;
    }
    ck_assert_uint_eq(skipped + sent, CRASH_N);
    ck_assert_uint_ge(skipped, before - CRASH_IN_FLIGHT);

    /* The receiver has every key; duplicates only from the window in flight at the kill. */
    cJSON *log = dqtest_receiver_requests(&r);
    int *times = calloc(CRASH_N, sizeof *times);
    ck_assert_ptr_nonnull(times);
    const cJSON *item;
    cJSON_ArrayForEach(item, log)
    {
        cJSON *body = cJSON_Parse(cJSON_GetObjectItemCaseSensitive(item, "body")->valuestring);
        int k = atoi(cJSON_GetObjectItemCaseSensitive(body, "key")->valuestring + 2);
        ck_assert(k >= 0 && k < CRASH_N);
        times[k]++;
        cJSON_Delete(body);
    }
    int duplicates = 0;
    for (int k = 0; k < CRASH_N; k++) {
        ck_assert_msg(times[k] >= 1, "n-%d never arrived", k);
        duplicates += times[k] - 1;
    }
    ck_assert_int_le(duplicates, CRASH_IN_FLIGHT);
    free(times);
    cJSON_Delete(log);
    free(out);
    dqtest_rmrf(dir);
    free(journal);
    free(dir);
    dqtest_receiver_stop(&r);
}
END_TEST

START_TEST(torn_journal_tail_is_ignored)
{
    dqtest_receiver r;
    dqtest_receiver_start(&r, NULL, NULL, NULL);
    char *dir = dqtest_tmpdir();
    char *journal = dq_asprintf("%s/journal", dir);
    outcomes *out = outcomes_new();
    dq_dispatch_options opt = {.journal_path = journal};
    dq_dispatch *d = engine_open(&opt, out);
    dq_request p = policy(0, 1, 2, 0);
    submit_post(d, DQ_PROVIDER_GENERIC, r.url, "/j", "j-0", &p);
    submit_post(d, DQ_PROVIDER_GENERIC, r.url, "/j", "j-1", &p);
    engine_finish(d);
    dq_dispatch_free(d);
    int fd = open(journal, O_WRONLY | O_APPEND);
    ck_assert_int_ge(fd, 0);
    const char torn[] = "5a5a5a5a {\"key\":\"j-2\",\"destin";
    ck_assert_int_eq(write(fd, torn, sizeof torn - 1), (ssize_t)(sizeof torn - 1));
    close(fd);

    out->len = 0;
    d = engine_open(&opt, out);
    submit_numbered(d, r.url, "/j", "j", 4, &p);
    submit_post(d, DQ_PROVIDER_GENERIC, r.url, "/j", "j-3", &p); /* twice in one run */
    engine_finish(d);
    ck_assert_int_eq(outcome_of(out, "j-0")->delivery, DQ_DELIVERY_SKIPPED_JOURNAL);
    ck_assert_int_eq(outcome_of(out, "j-1")->delivery, DQ_DELIVERY_SKIPPED_JOURNAL);
    ck_assert_int_eq(outcome_of(out, "j-2")->delivery, DQ_DELIVERY_SENT);
    int j3_sent = 0, j3_skipped = 0;
    for (size_t i = 0; i < out->len; i++) {
        if (strcmp(out->items[i].key, "j-3") != 0)
            continue;
        j3_sent += out->items[i].delivery == DQ_DELIVERY_SENT;
        j3_skipped += out->items[i].delivery == DQ_DELIVERY_SKIPPED_JOURNAL;
    }
    ck_assert_int_eq(j3_sent, 1);
    ck_assert_int_eq(j3_skipped, 1);
    dq_dispatch_stats total;
    dq_dispatch_totals(d, &total);
    ck_assert_uint_eq(total.skipped_journal, 3);
    ck_assert_uint_eq(total.sent, 2);
    dq_dispatch_free(d);
    /* The journal is whole again: every line is a record. */
    char *text = dqtest_read(journal, NULL);
    ck_assert_ptr_null(strstr(text, "destin\n"));
    ck_assert_ptr_null(strstr(text, "\"destin5"));
    int lines = 0;
    for (char *q = text; (q = strchr(q, '\n')) != NULL; q++)
        lines++;
    ck_assert_int_eq(lines, 4);
    free(text);
    ck_assert_uint_eq(dqtest_receiver_count(&r), 4);
    free(out);
    dqtest_rmrf(dir);
    free(journal);
    free(dir);
    dqtest_receiver_stop(&r);
}
END_TEST

/* ---- HTTPS --------------------------------------------------------------------------------- */

START_TEST(https_verifies_with_the_given_ca)
{
    char *dir = dqtest_tmpdir();
    char *cert, *key;
    dqtest_make_cert(dir, &cert, &key);
    dqtest_receiver r;
    dqtest_receiver_start(&r, NULL, cert, key);
    outcomes *out = outcomes_new();
    dq_dispatch_options opt = {0};
    dq_dispatch *d = engine_open(&opt, out);
    const char *keys[] = {"with-ca", "default", "no-verify"};
    for (int i = 0; i < 3; i++) {
        dq_request req;
        dq_request_init(&req);
        req.url = dq_asprintf("%s/tls", r.url);
        req.idempotency_key = dq_strdup(keys[i]);
        req.body = dq_strdup("{}");
        req.retry_count = 2;
        req.retry_delay_seconds = 0.01;
        if (i == 0)
            req.ca_file = dq_strdup(cert);
        if (i == 2)
            req.ssl_verify = false;
        dq_dispatch_submit(d, &req);
    }
    engine_finish(d);
    ck_assert_int_eq(outcome_of(out, "with-ca")->delivery, DQ_DELIVERY_SENT);
    const seen *s = outcome_of(out, "default");
    ck_assert_int_eq(s->delivery, DQ_DELIVERY_FAILED);
    ck_assert_int_eq(s->attempts, 1); /* a certificate problem is not retried */
    ck_assert_msg(strstr(s->error, "certificate") != NULL, "%s", s->error);
    ck_assert_int_eq(outcome_of(out, "no-verify")->delivery, DQ_DELIVERY_SENT);
    ck_assert_uint_eq(dqtest_receiver_count(&r), 2);
    dq_dispatch_free(d);
    free(out);
    dqtest_receiver_stop(&r);
    dqtest_rmrf(dir);
    free(cert);
    free(key);
    free(dir);
}
END_TEST

/* ---- secrets ------------------------------------------------------------------------------- */

static const char *const test_secrets[] = {"T0SECRETTEAM",        "B0SECRETBOT",
                                           "XXSECRETHOOKTOKEN99", "Bearer-SECRET-77",
                                           "smtp-PASSWORD-55",    "routing-KEY-4242"};

static void submit_secret(dq_dispatch *d, const char *base, const char *path, const char *key)
{
    dq_request req;
    dq_request_init(&req);
    req.provider = DQ_PROVIDER_SLACK;
    req.action = dq_strdup("slack_alerts");
    req.url = dq_asprintf("%s%s/T0SECRETTEAM/B0SECRETBOT/XXSECRETHOOKTOKEN99", base, path);
    req.idempotency_key = dq_strdup(key);
    req.body = dq_strdup("{\"routing_key\": \"routing-KEY-4242\"}");
    req.password = dq_strdup("smtp-PASSWORD-55");
    req.retry_count = 0;
    ck_assert_int_eq(dq_strlist_add(&req.headers, "Authorization: Bearer Bearer-SECRET-77"), 0);
    ck_assert_int_eq(dq_strlist_add(&req.secrets, "routing-KEY-4242"), 0);
    dq_dispatch_submit(d, &req);
}

static void assert_no_secret(const char *path)
{
    char *text = dqtest_read(path, NULL);
    ck_assert_ptr_nonnull(text);
    for (size_t i = 0; i < sizeof test_secrets / sizeof test_secrets[0]; i++)
        ck_assert_msg(strstr(text, test_secrets[i]) == NULL, "%s shows %s:\n%s", path,
                      test_secrets[i], text);
    free(text);
}

/* Runs one engine with stderr and the dry-run output going to files in dir. */
static void secret_run(const dqtest_receiver *r, const char *dir, bool dry_run)
{
    char *err_path = dq_asprintf("%s/stderr-%d", dir, dry_run);
    char *out_path = dq_asprintf("%s/stdout-%d", dir, dry_run);
    char *report = dq_asprintf("%s/report-%d.json", dir, dry_run);
    char *journal = dq_asprintf("%s/journal", dir);
    FILE *dry = fopen(out_path, "w");
    ck_assert_ptr_nonnull(dry);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    int fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ck_assert_int_ge(dup2(fd, STDERR_FILENO), 0);
    close(fd);
    outcomes *out = outcomes_new();
    dq_dispatch_options opt = {.journal_path = journal, .dry_run = dry_run, .dry_run_out = dry};
    dq_dispatch *d = engine_open(&opt, out);
    submit_secret(d, r->url, "/services", "secret-ok");
    submit_secret(d, r->url, "/reject", "secret-rejected");
    engine_finish(d);
    dq_dispatch_print_summary(d, stderr);
    dq_error err;
    ck_assert_int_eq(dq_dispatch_write_report(d, report, &err), DQ_OK);
    dq_dispatch_free(d);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    fclose(dry);
    ck_assert_uint_eq(out->len, 2);
    for (size_t i = 0; i < out->len; i++)
        for (size_t k = 0; k < sizeof test_secrets / sizeof test_secrets[0]; k++)
            ck_assert_ptr_null(strstr(out->items[i].error, test_secrets[k]));
    assert_no_secret(err_path);
    assert_no_secret(out_path);
    assert_no_secret(report);
    if (!dry_run) /* a dry run writes no journal */
        assert_no_secret(journal);
    char *shown = dqtest_read(dry_run ? out_path : err_path, NULL);
    ck_assert_ptr_nonnull(strstr(shown, dry_run ? "Authorization: ***" : "bad token ***"));
    if (dry_run) { /* the request as it would go out: method, URL, headers, body */
        ck_assert_ptr_nonnull(strstr(shown, "# slack_alerts -> slack:"));
        ck_assert_ptr_nonnull(strstr(shown, "POST http://127.0.0.1:"));
        ck_assert_ptr_nonnull(strstr(shown, "/services/***/***/***\n"));
        ck_assert_ptr_nonnull(strstr(shown, "{\"routing_key\": \"***\"}"));
    }
    free(shown);
    free(out);
    free(err_path);
    free(out_path);
    free(report);
    free(journal);
}

START_TEST(secrets_never_shown)
{
    dqtest_receiver r;
    /* The rejecting server echoes the secrets back, as some providers do. */
    dqtest_receiver_start(&r,
                          "[{\"path\": \"/reject\", \"status\": 403, \"body\": \"bad token "
                          "XXSECRETHOOKTOKEN99 for routing-KEY-4242\"}]",
                          NULL, NULL);
    char *dir = dqtest_tmpdir();
    secret_run(&r, dir, true);
    ck_assert_uint_eq(dqtest_receiver_count(&r), 0); /* a dry run sends nothing */
    secret_run(&r, dir, false);
    ck_assert_uint_eq(dqtest_receiver_count(&r), 2);
    dqtest_rmrf(dir);
    free(dir);
    dqtest_receiver_stop(&r);
}
END_TEST

/* ---- shell commands and files ---------------------------------------------------------------- */

static void submit_local(dq_dispatch *d, dq_request_kind kind, const char *what, const char *key,
                         const char *body)
{
    dq_request req;
    dq_request_init(&req);
    req.kind = kind;
    req.provider = kind == DQ_REQUEST_EXEC ? DQ_PROVIDER_EXEC : DQ_PROVIDER_FILE;
    req.action = dq_strdup("local");
    req.url = dq_strdup(what);
    req.idempotency_key = dq_strdup(key);
    req.body = dq_strdup(body);
    req.timeout_seconds = 0.5;
    req.retry_count = 0;
    ck_assert_int_eq(dq_strlist_add(&req.env, "DQ_TEST_VALUE=from-env"), 0);
    dq_dispatch_submit(d, &req);
}

static void submit_put(dq_dispatch *d, const char *path, const char *body)
{
    dq_request req;
    dq_request_init(&req);
    req.kind = DQ_REQUEST_FILE;
    req.provider = DQ_PROVIDER_FILE;
    req.method = dq_strdup("PUT");
    req.url = dq_strdup(path);
    req.body = dq_strdup(body);
    dq_dispatch_submit(d, &req);
}

START_TEST(shell_commands_and_files)
{
    char *dir = dqtest_tmpdir();
    char *ok =
        dq_asprintf("cat > '%s/stdin.txt'; printf %%s \"$DQ_TEST_VALUE\" > '%s/env.txt'", dir, dir);
    char *appended = dq_asprintf("%s/summary.md", dir);
    outcomes *out = outcomes_new();
    dq_dispatch_options opt = {0};
    dq_dispatch *d = engine_open(&opt, out);
    dq_dispatch *d2;
    submit_local(d, DQ_REQUEST_EXEC, ok, "exec-ok", "{\"status\": \"failure\"}\n");
    submit_local(d, DQ_REQUEST_EXEC, "echo 'disk full' >&2; exit 3", "exec-fail", "");
    char *fds = dq_asprintf("ls /proc/self/fd > '%s/fds.txt'", dir);
    submit_local(d, DQ_REQUEST_EXEC, fds, "exec-fds", "");
    submit_local(d, DQ_REQUEST_EXEC, "exec sleep 5", "exec-slow", "");
    submit_local(d, DQ_REQUEST_FILE, appended, "file-1", "line one\n");
    submit_local(d, DQ_REQUEST_FILE, appended, "file-2", "line two\n");
    char *replaced = dq_asprintf("%s/store/result.json", dir);
    submit_put(d, replaced, "first");
    engine_finish(d);
    /* PUT replaces the whole file (parents made), so a second run leaves one copy. */
    d2 = engine_open(&opt, out);
    submit_put(d2, replaced, "second");
    engine_finish(d2);
    ck_assert_int_eq(out->items[out->len - 1].delivery, DQ_DELIVERY_SENT);
    char *stored = dqtest_read(replaced, NULL);
    ck_assert_str_eq(stored, "second");
    free(stored);
    dq_dispatch_free(d2);
    free(replaced);
    ck_assert_int_eq(outcome_of(out, "exec-ok")->delivery, DQ_DELIVERY_SENT);
    const seen *fail = outcome_of(out, "exec-fail");
    ck_assert_int_eq(fail->delivery, DQ_DELIVERY_FAILED);
    ck_assert_msg(strstr(fail->error, "exit code 3: disk full") != NULL, "%s", fail->error);
    const seen *slow = outcome_of(out, "exec-slow");
    ck_assert_int_eq(slow->delivery, DQ_DELIVERY_FAILED);
    ck_assert_msg(strstr(slow->error, "timed out") != NULL, "%s", slow->error);
    char *path = dq_asprintf("%s/stdin.txt", dir);
    char *text = dqtest_read(path, NULL);
    ck_assert_str_eq(text, "{\"status\": \"failure\"}\n");
    free(text);
    free(path);
    path = dq_asprintf("%s/env.txt", dir);
    text = dqtest_read(path, NULL);
    ck_assert_str_eq(text, "from-env");
    free(text);
    free(path);
    text = dqtest_read(appended, NULL);
    ck_assert_str_eq(text, "line one\nline two\n");
    free(text);
    /* The command saw stdin, stdout, stderr and the directory ls reads: nothing of ours. */
    path = dq_asprintf("%s/fds.txt", dir);
    text = dqtest_read(path, NULL);
    ck_assert_str_eq(text, "0\n1\n2\n3\n");
    free(text);
    free(path);
    free(fds);
    dq_dispatch_free(d);
    free(out);
    free(ok);
    free(appended);
    dqtest_rmrf(dir);
    free(dir);
}
END_TEST

/* ---- report -------------------------------------------------------------------------------- */

START_TEST(report_counts_per_action_and_destination)
{
    engine_case c;
    engine_case_start(&c, "[{\"path\": \"/no\", \"status\": 404, \"body\": \"Unknown Webhook\"}]",
                      (dq_dispatch_options){0});
    char *dir = dqtest_tmpdir();
    char *report = dq_asprintf("%s/report.json", dir);
    dq_request p = policy(0, 1, 2, 0);
    submit_post(c.d, DQ_PROVIDER_DISCORD, c.server.url, "/yes", "a", &p);
    submit_post(c.d, DQ_PROVIDER_DISCORD, c.server.url, "/yes", "b", &p);
    submit_post(c.d, DQ_PROVIDER_DISCORD, c.server.url, "/no", "c", &p);
    dq_dispatch_count_skipped(c.d, "test_action", "discord:http://127.0.0.1/yes", 3);
    engine_finish(c.d);
    dq_error err;
    ck_assert_int_eq(dq_dispatch_write_report(c.d, report, &err), DQ_OK);
    char *text = dqtest_read(report, NULL);
    cJSON *doc = cJSON_Parse(text);
    ck_assert_ptr_nonnull(doc);
    cJSON *totals = cJSON_GetObjectItemCaseSensitive(doc, "totals");
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(totals, "sent")->valueint, 2);
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(totals, "failed")->valueint, 1);
    ck_assert_int_eq(cJSON_GetObjectItemCaseSensitive(totals, "skipped_notify_on")->valueint, 3);
    cJSON *rows = cJSON_GetObjectItemCaseSensitive(doc, "destinations");
    ck_assert_int_eq(cJSON_GetArraySize(rows), 3);
    bool found_error = false;
    const cJSON *row;
    cJSON_ArrayForEach(row, rows)
    {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(row, "last_error");
        found_error |= cJSON_IsString(e) && strstr(e->valuestring, "404: Unknown Webhook");
    }
    ck_assert(found_error);
    cJSON_Delete(doc);
    free(text);
    free(report);
    dqtest_rmrf(dir);
    free(dir);
    engine_case_end(&c);
}
END_TEST

static Suite *dispatch_engine_suite(void)
{
    Suite *s = suite_create("dispatch_engine");
    TCase *pacing = tcase_create("pacing"); /* CK_RUN_CASE=pacing runs it alone */
    tcase_set_timeout(pacing, 60);
    tcase_add_test(pacing, pacing_one_destination);
    suite_add_tcase(s, pacing);
    TCase *tc = tcase_create("engine");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, connections_are_reused);
    tcase_add_test(tc, independence_from_a_stalled_destination);
    tcase_add_test(tc, independence_from_a_throttled_destination);
    tcase_add_test(tc, every_throttling_answer_is_obeyed);
    tcase_add_test(tc, announced_exhaustion_pauses_the_destination);
    tcase_add_test(tc, throttled_destination_refills_slower);
    tcase_add_test(tc, server_enforced_limit_loses_nothing);
    tcase_add_test(tc, server_errors_then_success);
    tcase_add_test(tc, timeouts_are_retried_then_fail);
    tcase_add_test(tc, connection_refused_is_retried_then_fails);
    tcase_add_test(tc, bad_request_fails_at_once_with_message);
    tcase_add_test(tc, kill_and_rerun_loses_nothing);
    tcase_add_test(tc, torn_journal_tail_is_ignored);
    tcase_add_test(tc, https_verifies_with_the_given_ca);
    tcase_add_test(tc, secrets_never_shown);
    tcase_add_test(tc, shell_commands_and_files);
    tcase_add_test(tc, report_counts_per_action_and_destination);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return dqtest_run(dispatch_engine_suite());
}
