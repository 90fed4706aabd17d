/* notify as a library (dqbatch notify and run): which records it wants read, how it
 * counts the runs it was not given, and how it shards requests by destination key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions_support.h"
#include "dqbatch/notify.h"
#include "dqtest.h"

#define FAILURE_FILE                                                                               \
    "store/by_checkpoint/shipments_hourly/shipments_hourly_20240322_183709_abddf923.json.gz"

static void load_config(const char *text, dq_config *config)
{
    dq_error err = {0};
    ck_assert_msg(dq_config_parse("notify.yaml", text, strlen(text), config, NULL, &err) == DQ_OK,
                  "%s", err.msg);
}

static dq_notify *open_dry(const dq_config *config, const dq_filter *select, int index, int count,
                           FILE *out)
{
    dq_notify_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.config = config;
    opts.select = select;
    opts.shard_index = index;
    opts.shard_count = count;
    opts.dispatch.dry_run = true;
    opts.dispatch.dry_run_out = out;
    dq_notify *n = NULL;
    dq_error err = {0};
    ck_assert_msg(dq_notify_open(&opts, &n, &err) == DQ_OK, "%s", err.msg);
    return n;
}

static dq_record record_of(const char *checkpoint, dq_status status)
{
    dq_record rec;
    memset(&rec, 0, sizeof rec);
    rec.run_id = "run-1";
    rec.checkpoint_name = (char *)checkpoint;
    rec.status = status;
    return rec;
}

START_TEST(test_wants_only_runs_an_action_sends_for)
{
    dq_config config;
    load_config("actions:\n"
                "- {type: webhook, url: 'http://127.0.0.1:1/a', notify_on: failure,\n"
                "   match: {checkpoint: 'orders_*'}}\n",
                &config);
    dq_filter select;
    memset(&select, 0, sizeof select);
    select.statuses = (1u << DQ_STATUS_FAILURE) | (1u << DQ_STATUS_SUCCESS);
    FILE *out = fopen("/dev/null", "w");
    dq_notify *n = open_dry(&config, &select, 0, 0, out);
    dq_record failed = record_of("orders_daily", DQ_STATUS_FAILURE);
    dq_record passed = record_of("orders_daily", DQ_STATUS_SUCCESS);
    dq_record other = record_of("shipments", DQ_STATUS_FAILURE);
    dq_record unselected = record_of("orders_daily", DQ_STATUS_ERROR);
    ck_assert(dq_notify_wants(n, &failed));
    ck_assert(!dq_notify_wants(n, &passed));     /* notify_on */
    ck_assert(!dq_notify_wants(n, &other));      /* match: */
    ck_assert(!dq_notify_wants(n, &unselected)); /* the selection */
    /* Runs counted from records: the notify_on skip lands on the action's row. */
    dq_notify_record(n, &passed);
    dq_notify_record(n, &other);
    dq_notify_record(n, &unselected);
    dq_error err = {0};
    ck_assert(dq_notify_finish(n, &err) == DQ_OK);
    dq_notify_report report;
    dq_notify_get_report(n, &report);
    ck_assert_uint_eq(report.records, 2);
    dq_dispatch_stats totals;
    dq_dispatch_totals(dq_notify_dispatch(n), &totals);
    ck_assert_uint_eq(totals.skipped_notify_on, 1);
    ck_assert_int_eq(dq_notify_status(n), 0);
    dq_notify_free(n);
    fclose(out);
    dq_config_free(&config);
}
END_TEST

START_TEST(test_truthound_form_unknown_checkpoint_is_not_wanted)
{
    dq_config config;
    load_config("checkpoints:\n"
                "- name: orders\n"
                "  actions: [{type: webhook, url: 'http://127.0.0.1:1/a', notify_on: always}]\n",
                &config);
    FILE *out = fopen("/dev/null", "w");
    dq_notify *n = open_dry(&config, NULL, 0, 0, out);
    dq_record known = record_of("orders", DQ_STATUS_SUCCESS);
    dq_record unknown = record_of("elsewhere", DQ_STATUS_FAILURE);
    ck_assert(dq_notify_wants(n, &known));
    ck_assert(!dq_notify_wants(n, &unknown));
    dq_notify_record(n, &unknown);
    dq_error err = {0};
    ck_assert(dq_notify_finish(n, &err) == DQ_OK);
    dq_notify_report report;
    dq_notify_get_report(n, &report);
    ck_assert_uint_eq(report.unknown, 1);
    dq_notify_free(n);
    fclose(out);
    dq_config_free(&config);
}
END_TEST

START_TEST(test_shard_by_destination_key)
{
    dq_request a, b;
    dq_request_init(&a);
    dq_request_init(&b);
    a.provider = DQ_PROVIDER_SLACK;
    a.url = strdup("https://hooks.slack.com/services/A/B/C");
    b.provider = DQ_PROVIDER_SLACK;
    b.url = strdup("https://hooks.slack.com/services/A/B/C");
    b.body = strdup("another message to the same webhook");
    char *key = dq_notify_destination_key(&a);
    ck_assert_str_eq(key, "slack:https://hooks.slack.com/services/A/B/C");
    free(key);
    /* Same destination, same shard, whatever the message. */
    for (int count = 1; count <= 16; count++)
        ck_assert_int_eq(dq_notify_shard_of(&a, count), dq_notify_shard_of(&b, count));
    /* An explicit destination wins over the URL (a Telegram chat, a routing key). */
    b.destination = strdup("routing-key-1");
    key = dq_notify_destination_key(&b);
    ck_assert_str_eq(key, "slack:routing-key-1");
    free(key);
    ck_assert_int_eq(dq_notify_shard_of(&a, 1), 0);
    dq_request_free(&a);
    dq_request_free(&b);
    /* Many destinations spread over every shard. */
    int seen[4] = {0};
    for (int i = 0; i < 64; i++) {
        dq_request r;
        dq_request_init(&r);
        r.provider = DQ_PROVIDER_GENERIC;
        char url[64];
        snprintf(url, sizeof url, "http://127.0.0.1:9/d%d", i);
        r.url = strdup(url);
        int s = dq_notify_shard_of(&r, 4);
        ck_assert(s >= 0 && s < 4);
        seen[s]++;
        dq_request_free(&r);
    }
    for (int s = 0; s < 4; s++)
        ck_assert_msg(seen[s] > 0, "shard %d owns no destination", s);
}
END_TEST

/* Every shard renders the result; between them each request is submitted once. */
START_TEST(test_shards_submit_each_request_once)
{
    dq_config config;
    load_config("actions:\n"
                "- {type: webhook, url: 'http://127.0.0.1:1/a', notify_on: always}\n"
                "- {type: webhook, url: 'http://127.0.0.1:1/b', notify_on: always}\n"
                "- {type: webhook, url: 'http://127.0.0.1:1/c', notify_on: always}\n"
                "- {type: webhook, url: 'http://127.0.0.1:1/d', notify_on: always}\n",
                &config);
    dq_result r;
    actions_test_result(FAILURE_FILE, &r);
    size_t submitted = 0;
    for (int shard = 0; shard < 3; shard++) {
        FILE *out = fopen("/dev/null", "w");
        dq_notify *n = open_dry(&config, NULL, shard, 3, out);
        dq_notify_result(n, &r);
        dq_error err = {0};
        ck_assert(dq_notify_finish(n, &err) == DQ_OK);
        dq_notify_report report;
        dq_notify_get_report(n, &report);
        ck_assert_uint_eq(report.results, 1);
        ck_assert_uint_eq(report.requests, 4);
        dq_dispatch_stats totals;
        dq_dispatch_totals(dq_notify_dispatch(n), &totals);
        ck_assert_uint_eq(totals.failed, 0);
        submitted += report.requests - report.other_shard;
        dq_notify_free(n);
        fclose(out);
    }
    ck_assert_uint_eq(submitted, 4);
    dq_result_free(&r);
    dq_config_free(&config);
}
END_TEST

static Suite *notify_suite(void)
{
    Suite *s = suite_create("notify");
    TCase *tc = tcase_create("notify");
    tcase_add_test(tc, test_wants_only_runs_an_action_sends_for);
    tcase_add_test(tc, test_truthound_form_unknown_checkpoint_is_not_wanted);
    tcase_add_test(tc, test_shard_by_destination_key);
    tcase_add_test(tc, test_shards_submit_each_request_once);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return dqtest_run(notify_suite());
}
