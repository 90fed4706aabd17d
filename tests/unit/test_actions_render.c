/* Renderer details the recorded payloads do not reach: Python's float repr and string
 * escapes, store_result's layout, which results an action applies to, idempotency keys,
 * secrets kept out of labels, webhook and GitHub options, and shell safety of custom. */
#include <stdlib.h>
#include <string.h>

#include "actions_support.h"
#include "dqbatch/actions.h"
#include "dqtest.h"

#define FAILURE_FILE                                                                               \
    "store/by_checkpoint/shipments_hourly/shipments_hourly_20240322_183709_abddf923.json.gz"
#define SUCCESS_FILE                                                                               \
    "store/by_status/success/card_transactions_critical_20240313_002521_1220b238.json"

static void load_config(const char *text, dq_config *c)
{
    dq_error err = {0};
    ck_assert_msg(dq_config_parse("t.yaml", text, strlen(text), c, NULL, &err) == DQ_OK, "%s",
                  err.msg);
}

static void render(const char *config_text, const char *store_file, dq_config *c, dq_result *r,
                   dq_request_list *out)
{
    load_config(config_text, c);
    actions_test_result(store_file, r);
    dq_render_context ctx = {0};
    ctx.now_utc = 1700000000LL * 1000000;
    memset(out, 0, sizeof *out);
    dq_error err = {0};
    ck_assert_int_eq(dq_action_applies(&c->actions[0], r), DQ_APPLIES_YES);
    ck_assert_msg(dq_action_render(&c->actions[0], r, &ctx, out, &err) == DQ_OK, "%s", err.msg);
}

static void done(dq_config *c, dq_result *r, dq_request_list *out)
{
    dq_request_list_free(out);
    dq_result_free(r);
    dq_config_free(c);
}

START_TEST(test_float_repr)
{
    static const struct {
        double v;
        const char *want;
    } cases[] = {
        {1.0 / 3, "0.3333333333333333"},
        {2.8240000000000003, "2.8240000000000003"},
        {1.0, "1.0"},
        {12.5, "12.5"},
        {0.0, "0.0"},
        {-0.5, "-0.5"},
        {1e-07, "1e-07"},
        {4.105380838908381e-07, "4.105380838908381e-07"},
        {0.0001, "0.0001"},
        {1e16, "1e+16"},
        {123456789012345678.0, "1.2345678901234568e+17"},
        {1600.0, "1600.0"},
        {11061.270159270021, "11061.270159270021"},
        {0.1, "0.1"},
        {100.0, "100.0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char out[48];
        dq_py_float_repr(cases[i].v, out, sizeof out);
        ck_assert_msg(strcmp(out, cases[i].want) == 0, "%.17g: got %s, want %s", cases[i].v, out,
                      cases[i].want);
    }
}
END_TEST

START_TEST(test_python_strings_and_indent)
{
    dq_buf b;
    dq_buf_init(&b, 4096);
    ck_assert_int_eq(dq_py_string("a\"b\\c\n\t\x01\x7f é 📱", &b), DQ_OK);
    ck_assert_str_eq(dq_buf_str(&b), "\"a\\\"b\\\\c\\n\\t\\u0001\\u007f \\u00e9 \\ud83d\\udcf1\"");
    dq_buf_reset(&b);
    cJSON *tree = cJSON_Parse("{\"a\": [1, {\"b\": []}, {}], \"c\": null}");
    ck_assert_int_eq(dq_py_json_indent(tree, 2, &b), DQ_OK);
    ck_assert_str_eq(dq_buf_str(&b),
                     "{\n  \"a\": [\n    1,\n    {\n      \"b\": []\n    },\n    {}\n  ],\n"
                     "  \"c\": null\n}");
    dq_buf_reset(&b);
    ck_assert_int_eq(dq_py_json(tree, &b), DQ_OK);
    ck_assert_str_eq(dq_buf_str(&b), "{\"a\": [1, {\"b\": []}, {}], \"c\": null}");
    cJSON_Delete(tree);
    dq_buf_free(&b);
}
END_TEST

START_TEST(test_store_result_layout)
{
    static const char *const partitions[] = {"date", "checkpoint", "status", "none"};
    static const char *const want[] = {
        "/st/2024/03/22/shipments_hourly_20240322_183709_abddf923.json",
        "/st/shipments_hourly/shipments_hourly_20240322_183709_abddf923.json",
        "/st/failure/shipments_hourly_20240322_183709_abddf923.json",
        "/st/shipments_hourly_20240322_183709_abddf923.json.gz"};
    char *text = dq_asprintf("actions:\n  - type: store_result\n    store_path: /st\n"
                             "    partition_by: %s\n    compress: %s\n",
                             partitions[_i], _i == 3 ? "true" : "false");
    dq_config c;
    dq_result r;
    dq_request_list out;
    render(text, FAILURE_FILE, &c, &r, &out);
    ck_assert_int_eq(out.len, 1);
    ck_assert_int_eq(out.items[0].kind, DQ_REQUEST_FILE);
    ck_assert_str_eq(out.items[0].url, want[_i]);
    if (_i == 3) {
        ck_assert_uint_eq((unsigned char)out.items[0].body[0], 0x1f);
        ck_assert_uint_eq((unsigned char)out.items[0].body[1], 0x8b);
    } else {
        ck_assert(strncmp(out.items[0].body, "{\n  \"run_id\": ", 14) == 0);
        cJSON *back = cJSON_Parse(out.items[0].body);
        actions_test_json_equal(r.doc, back, "stored document");
        cJSON_Delete(back);
    }
    done(&c, &r, &out);
    free(text);
}
END_TEST

START_TEST(test_applies)
{
    dq_config c;
    load_config("actions:\n"
                "  - {type: webhook, url: 'https://x', match: {checkpoint: 'ship*'}}\n"
                "  - {type: webhook, url: 'https://x', match: {checkpoint: 'card*'}}\n"
                "  - {type: webhook, url: 'https://x', match: {statuses: [success]}}\n"
                "  - {type: webhook, url: 'https://x', match: {asset: '*.parquet'}}\n"
                "  - {type: webhook, url: 'https://x', enabled: false}\n"
                "  - {type: slack, webhook_url: 'https://hooks.slack.com/x', notify_on: success}\n",
                &c);
    dq_result r;
    actions_test_result(FAILURE_FILE, &r);
    ck_assert_int_eq(dq_action_applies(&c.actions[0], &r), DQ_APPLIES_YES);
    ck_assert_int_eq(dq_action_applies(&c.actions[1], &r), DQ_APPLIES_NO_MATCH);
    ck_assert_int_eq(dq_action_applies(&c.actions[2], &r), DQ_APPLIES_NO_MATCH);
    ck_assert_int_eq(dq_action_applies(&c.actions[3], &r), DQ_APPLIES_YES);
    ck_assert_int_eq(dq_action_applies(&c.actions[4], &r), DQ_APPLIES_DISABLED);
    ck_assert_int_eq(dq_action_applies(&c.actions[5], &r), DQ_APPLIES_NOTIFY_ON);
    dq_result_free(&r);
    dq_config_free(&c);
    load_config("checkpoints:\n  - name: other\n    actions: [{type: webhook, url: 'https://x'}]\n",
                &c);
    actions_test_result(FAILURE_FILE, &r);
    ck_assert_int_eq(dq_action_applies(&c.actions[0], &r), DQ_APPLIES_OTHER_CHECKPOINT);
    dq_result_free(&r);
    dq_config_free(&c);
}
END_TEST

static bool list_has(const dq_strlist *l, const char *s)
{
    for (size_t i = 0; i < l->len; i++)
        if (strcmp(l->items[i], s) == 0)
            return true;
    return false;
}

START_TEST(test_keys_and_secrets)
{
    dq_config c;
    dq_result r;
    dq_request_list out;
    render("actions:\n  - type: pagerduty\n    name: pd\n    routing_key: R0UT1NGKEYSECRET\n"
           "    notify_on: always\n",
           FAILURE_FILE, &c, &r, &out);
    const dq_request *q = &out.items[0];
    ck_assert_str_eq(q->idempotency_key, "pd:shipments_hourly_20240322_183709_abddf923:trigger");
    ck_assert_str_eq(q->destination, "R0UT1NGKEYSECRET");
    ck_assert(list_has(&q->secrets, "R0UT1NGKEYSECRET"));
    ck_assert_ptr_null(strstr(q->destination_label, "R0UT1NGKEYSECRET"));
    ck_assert(q->rate.per_second > 0); /* the provider's default pace */
    done(&c, &r, &out);
    render("actions:\n  - type: slack\n    webhook_url: https://hooks.slack.com/services/T0/B0/"
           "abcdefTOKEN\n    notify_on: always\n    rate_limit: {per_second: 7, burst: 3}\n",
           FAILURE_FILE, &c, &r, &out);
    q = &out.items[0];
    ck_assert_ptr_null(strstr(q->destination_label, "abcdefTOKEN"));
    ck_assert(q->rate.per_second == 7 && q->rate.burst == 3);
    done(&c, &r, &out);
}
END_TEST

START_TEST(test_webhook_options)
{
    dq_config c;
    dq_result r;
    dq_request_list out;
    render("actions:\n  - type: webhook\n    url: https://h.example/x\n    method: patch\n"
           "    headers: {user-agent: mine/2, content-type: application/x-json}\n"
           "    auth_type: api_key\n    auth_credentials: {header: x-my-key, key: K123456}\n"
           "    success_codes: [200, 299]\n    payload_template: {}\n"
           "    include_full_result: false\n",
           SUCCESS_FILE, &c, &r, &out);
    const dq_request *q = &out.items[0];
    ck_assert_str_eq(q->method, "PATCH");
    ck_assert_uint_eq(q->headers.len, 3);
    ck_assert_str_eq(q->headers.items[0], "Content-Type: application/x-json");
    ck_assert_str_eq(q->headers.items[1], "User-Agent: mine/2");
    ck_assert_str_eq(q->headers.items[2], "X-My-Key: K123456");
    ck_assert_uint_eq(q->success_code_count, 2);
    ck_assert_int_eq(q->success_codes[1], 299);
    /* an empty template is falsy: the default body, here without full_result */
    cJSON *body = cJSON_Parse(q->body);
    ck_assert_str_eq(cJSON_GetObjectItem(body, "event")->valuestring, "validation_completed");
    ck_assert_ptr_null(cJSON_GetObjectItem(body, "full_result"));
    ck_assert_ptr_nonnull(strstr(q->body, "\"pass_rate\": 1.0}"));
    cJSON_Delete(body);
    done(&c, &r, &out);
}
END_TEST

START_TEST(test_github_without_environment)
{
    dq_config c;
    dq_result r;
    dq_request_list out;
    /* no GITHUB_* in the context and no token: nothing to write, nothing to call */
    render("actions:\n  - type: github\n", FAILURE_FILE, &c, &r, &out);
    ck_assert_int_eq(out.len, 0);
    done(&c, &r, &out);
}
END_TEST

/* Values from the result never reach the command line: only the environment and stdin. */
START_TEST(test_custom_command_is_fixed)
{
    dq_config c;
    dq_result r;
    dq_request_list out;
    load_config("actions:\n  - type: custom\n    shell_command: ./notify.sh --flag\n"
                "    working_directory: /tmp\n    environment: {A: b}\n    pass_result_as_json: "
                "false\n",
                &c);
    actions_test_result(FAILURE_FILE, &r);
    free(r.run_id);
    r.run_id = dq_strdup("x$(touch /tmp/p);`id`");
    dq_render_context ctx = {0};
    memset(&out, 0, sizeof out);
    dq_error err = {0};
    ck_assert_int_eq(dq_action_render(&c.actions[0], &r, &ctx, &out, &err), DQ_OK);
    const dq_request *q = &out.items[0];
    ck_assert_str_eq(q->url, "./notify.sh --flag");
    ck_assert_str_eq(q->working_directory, "/tmp");
    ck_assert_ptr_null(q->body);
    ck_assert(list_has(&q->env, "TRUTHOUND_RUN_ID=x$(touch /tmp/p);`id`"));
    ck_assert(list_has(&q->env, "A=b"));
    done(&c, &r, &out);
}
END_TEST

START_TEST(test_opsgenie_eu_and_telegram_custom)
{
    dq_config c;
    dq_result r;
    dq_request_list out;
    render("actions:\n  - type: opsgenie\n    api_key: k\n    region: EU\n    notify_on: always\n"
           "    visible_to: [{type: team, name: sre}]\n",
           FAILURE_FILE, &c, &r, &out);
    ck_assert_str_eq(out.items[0].url, "https://api.eu.opsgenie.com/v2/alerts");
    ck_assert_ptr_nonnull(strstr(out.items[0].body, "\"visibleTo\": [{\"type\": \"team\", "
                                                    "\"name\": \"sre\"}]"));
    done(&c, &r, &out);
    render("actions:\n  - type: telegram\n    bot_token: '1:x'\n    chat_id: 5\n"
           "    notify_on: always\n    disable_notification: true\n"
           "    custom_message: '{emoji}{status} {checkpoint}: {total_issues} {{x}}'\n",
           FAILURE_FILE, &c, &r, &out);
    cJSON *body = cJSON_Parse(out.items[0].body);
    ck_assert_str_eq(cJSON_GetObjectItem(body, "text")->valuestring,
                     "FAILURE shipments_hourly: 5 {x}");
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(body, "disable_notification")));
    ck_assert_str_eq(out.items[0].url, "https://api.telegram.org/bot1:x/sendMessage");
    cJSON_Delete(body);
    done(&c, &r, &out);
    /* message_template is the same setting under the name the issue gave it. */
    render("actions:\n  - type: telegram\n    bot_token: '1:x'\n    chat_id: 5\n"
           "    notify_on: always\n    message_template: '{status} {run_id}'\n",
           FAILURE_FILE, &c, &r, &out);
    body = cJSON_Parse(out.items[0].body);
    ck_assert_str_eq(cJSON_GetObjectItem(body, "text")->valuestring,
                     "FAILURE shipments_hourly_20240322_183709_abddf923");
    cJSON_Delete(body);
    done(&c, &r, &out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("actions_render");
    TCase *tc = tcase_create("render");
    tcase_add_test(tc, test_float_repr);
    tcase_add_test(tc, test_python_strings_and_indent);
    tcase_add_loop_test(tc, test_store_result_layout, 0, 4);
    tcase_add_test(tc, test_applies);
    tcase_add_test(tc, test_keys_and_secrets);
    tcase_add_test(tc, test_webhook_options);
    tcase_add_test(tc, test_github_without_environment);
    tcase_add_test(tc, test_custom_command_is_fixed);
    tcase_add_test(tc, test_opsgenie_eu_and_telegram_custom);
    suite_add_tcase(s, tc);
    return dqtest_run(s);
}
