/* The config loader (linked as an actions test, since the shared test support decodes
 * results): truthound's checkpoint YAML (list and mapping), dqbatch's own form
 * (YAML and JSON), ${VAR} expansion, the common settings, and every kind of bad config
 * with the file, line and key its message must name. */
#include <stdlib.h>
#include <string.h>

#include "actions_support.h"
#include "dqbatch/actions.h"
#include "dqtest.h"

static void load_ok(const char *text, dq_config *config)
{
    dq_strlist problems = {0};
    dq_error err = {0};
    dq_code rc = dq_config_parse("test.yaml", text, strlen(text), config, &problems, &err);
    ck_assert_msg(rc == DQ_OK, "%s", err.msg);
    ck_assert_int_eq(problems.len, 0);
    dq_strlist_free(&problems);
}

static void expect_problem(const char *text, const char *want)
{
    char *got = actions_test_config_problems(text);
    ck_assert_msg(strstr(got, want) != NULL, "want \"%s\" in:\n%s", want, got);
    free(got);
}

static const dq_action_config *find(const dq_config *c, const char *name)
{
    for (size_t i = 0; i < c->count; i++)
        if (strcmp(c->actions[i].name, name) == 0)
            return &c->actions[i];
    ck_abort_msg("no action %s", name);
    return NULL;
}

START_TEST(test_truthound_list_form)
{
    setenv("DQ_TEST_API_TOKEN", "tok-123", 1);
    const char *text =
        "checkpoints:\n"
        "- name: daily_data_validation\n"
        "  data_source: data/production.csv\n"
        "  validators: ['null', duplicate, range, regex]\n"
        "  min_severity: medium\n"
        "  auto_schema: true\n"
        "  tags: {environment: production, team: data-platform}\n"
        "  actions:\n"
        "  - {type: store_result, store_path: ./truthound_results, partition_by: date}\n"
        "  - {type: update_docs, site_path: ./truthound_docs, include_history: true}\n"
        "  - {type: slack, webhook_url: 'https://hooks.slack.com/services/X/Y/Z', "
        "notify_on: failure, channel: '#data-quality'}\n"
        "  triggers:\n"
        "  - {type: schedule, interval_hours: 24, run_on_weekdays: [0, 1, 2, 3, 4]}\n"
        "- name: hourly_metrics_check\n"
        "  actions:\n"
        "  - {url: 'https://api.example.com/dq', auth_type: bearer, auth_credentials: "
        "{token: '${DQ_TEST_API_TOKEN}'}}\n";
    dq_config c;
    load_ok(text, &c);
    ck_assert(c.truthound_form);
    ck_assert_int_eq(c.count, 4);
    ck_assert(dq_config_has_checkpoint(&c, "daily_data_validation"));
    ck_assert(dq_config_has_checkpoint(&c, "hourly_metrics_check"));
    ck_assert(!dq_config_has_checkpoint(&c, "other"));
    /* type defaults to webhook, as truthound's loader does */
    const dq_action_config *hook = find(&c, "webhook");
    ck_assert_int_eq(hook->type, DQ_ACTION_WEBHOOK);
    ck_assert_str_eq(hook->checkpoint, "hourly_metrics_check");
    ck_assert_str_eq(
        cJSON_GetStringValue(cJSON_GetObjectItem(dq_setting(hook, "auth_credentials"), "token")),
        "tok-123");
    const dq_action_config *slack = find(&c, "slack");
    ck_assert_int_eq(slack->notify_on, DQ_NOTIFY_FAILURE);
    ck_assert_int_eq(slack->retry_count, -1); /* not given: the dispatcher's default */
    ck_assert(slack->timeout_seconds == 30 && slack->retry_delay_seconds == 1);
    ck_assert_str_eq(dq_setting_str(slack, "channel", NULL), "#data-quality");
    dq_config_free(&c);
}
END_TEST

/* The four types truthound's loader silently drops are kept, each with its default. */
START_TEST(test_truthound_mapping_form_all_types)
{
    const char *text = "checkpoints:\n"
                       "  orders:\n"
                       "    actions:\n"
                       "      - type: teams\n"
                       "        webhook_url: https://acme.webhook.office.com/x\n"
                       "      - type: discord\n"
                       "        webhook_url: https://discord.com/api/webhooks/1/t\n"
                       "      - type: telegram\n"
                       "        bot_token: '1:abc'\n"
                       "        chat_id: -100123\n"
                       "      - type: opsgenie\n"
                       "        api_key: k\n"
                       "      - type: pagerduty\n"
                       "        routing_key: r\n"
                       "      - type: email\n"
                       "        from_address: a@example.com\n"
                       "        to_addresses: [b@example.com]\n"
                       "      - type: github\n"
                       "      - type: custom\n"
                       "        shell_command: 'true'\n";
    dq_config c;
    load_ok(text, &c);
    ck_assert_int_eq(c.count, 8);
    ck_assert_int_eq(find(&c, "teams")->notify_on, DQ_NOTIFY_FAILURE);
    ck_assert_int_eq(find(&c, "discord")->notify_on, DQ_NOTIFY_FAILURE);
    ck_assert_int_eq(find(&c, "telegram")->notify_on, DQ_NOTIFY_FAILURE);
    ck_assert_int_eq(find(&c, "email")->notify_on, DQ_NOTIFY_FAILURE);
    ck_assert_int_eq(find(&c, "opsgenie")->notify_on, DQ_NOTIFY_FAILURE_OR_ERROR);
    ck_assert_int_eq(find(&c, "pagerduty")->notify_on, DQ_NOTIFY_FAILURE_OR_ERROR);
    ck_assert_int_eq(find(&c, "github")->notify_on, DQ_NOTIFY_ALWAYS);
    ck_assert_int_eq(find(&c, "custom")->notify_on, DQ_NOTIFY_ALWAYS);
    /* a YAML number where a string is wanted is taken as its text */
    ck_assert_str_eq(dq_setting_str(find(&c, "telegram"), "chat_id", ""), "-100123");
    ck_assert_str_eq(find(&c, "teams")->checkpoint, "orders");
    dq_config_free(&c);
}
END_TEST

START_TEST(test_dqbatch_form_common_settings)
{
    unsetenv("DQ_TEST_UNSET");
    setenv("DQ_TEST_HOOK", "https://hooks.example.com/a", 1);
    const char *text = "actions:\n"
                       "  - type: webhook\n"
                       "    name: audit\n"
                       "    url: ${DQ_TEST_HOOK}\n"
                       "    headers: {X-Env: '${DQ_TEST_UNSET:-staging}'}\n"
                       "    notify_on: NOT_SUCCESS\n"
                       "    timeout_seconds: 5\n"
                       "    retry_count: 3\n"
                       "    retry_delay_seconds: 0.5\n"
                       "    rate_limit: {per_minute: 30, burst: 5}\n"
                       "    max_in_flight: 2\n"
                       "    match: {checkpoint: 'orders_*', statuses: [failure, error], "
                       "asset: '*.csv'}\n"
                       "    payload_template: {text: '${checkpoint} is ${status}'}\n"
                       "  - type: slack\n"
                       "    webhook_url: https://hooks.slack.com/services/A\n"
                       "    enabled: false\n"
                       "  - type: slack\n"
                       "    webhook_url: https://hooks.slack.com/services/B\n";
    dq_config c;
    load_ok(text, &c);
    ck_assert(!c.truthound_form);
    const dq_action_config *a = find(&c, "audit");
    ck_assert_str_eq(dq_setting_str(a, "url", ""), "https://hooks.example.com/a");
    ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(dq_setting(a, "headers"), "X-Env")),
                     "staging");
    /* result placeholders of payload templates stay for the renderer */
    ck_assert_str_eq(
        cJSON_GetStringValue(cJSON_GetObjectItem(dq_setting(a, "payload_template"), "text")),
        "${checkpoint} is ${status}");
    ck_assert_int_eq(a->notify_on, DQ_NOTIFY_NOT_SUCCESS);
    ck_assert(a->timeout_seconds == 5);
    ck_assert_int_eq(a->retry_count, 3);
    ck_assert(a->retry_delay_seconds == 0.5);
    ck_assert(a->rate_set);
    ck_assert(a->rate.per_second == 0.5 && a->rate.burst == 5);
    ck_assert_int_eq(a->max_in_flight, 2);
    ck_assert_str_eq(a->match_checkpoint, "orders_*");
    ck_assert_str_eq(a->match_asset, "*.csv");
    ck_assert_uint_eq(a->match_statuses, (1u << DQ_STATUS_FAILURE) | (1u << DQ_STATUS_ERROR));
    /* unnamed actions of one type are numbered, so names stay stable between runs */
    ck_assert(!find(&c, "slack_1")->enabled);
    ck_assert(find(&c, "slack_2")->enabled);
    dq_config_free(&c);
}
END_TEST

START_TEST(test_json_config_has_lines)
{
    const char *text = "{\n  \"actions\": [\n    {\"type\": \"pagerduty\",\n"
                       "     \"routing_key\": \"r\",\n     \"colour\": 3}\n  ]\n}\n";
    expect_problem(text, "test.yaml:5: colour: unknown key for a pagerduty action");
    dq_config c;
    load_ok("{\"actions\": [{\"type\": \"pagerduty\", \"routing_key\": \"r\"}]}", &c);
    ck_assert_int_eq(c.count, 1);
    dq_config_free(&c);
}
END_TEST

START_TEST(test_bad_configs)
{
    unsetenv("DQ_TEST_UNSET");
    expect_problem("actions:\n  - type: slack\n    webhook_url: https://hooks.slack.com/x\n"
                   "    chanel: '#x'\n",
                   "test.yaml:4: chanel: unknown key for a slack action");
    expect_problem("actions:\n  - type: slack\n    channel: '#x'\n",
                   "test.yaml:2: webhook_url: required for a slack action");
    expect_problem("actions:\n  - type: slack\n    webhook_url: http://hooks.slack.com/x\n",
                   "test.yaml:3: webhook_url: must start with https://hooks.slack.com/");
    expect_problem("actions:\n  - type: webhook\n    url: https://x\n    notify_on: sometimes\n",
                   "test.yaml:4: notify_on: \"sometimes\" is not one of always");
    expect_problem("actions:\n  - type: fax\n", "test.yaml:2: type: unknown action type \"fax\"");
    expect_problem("actions:\n  - url: https://x\n", "test.yaml:2: type: missing");
    expect_problem("actions:\n  - type: webhook\n    url: ${DQ_TEST_UNSET}\n",
                   "test.yaml:3: url: environment variable DQ_TEST_UNSET is not set");
    expect_problem("actions:\n  - type: webhook\n    url: https://x\n    rate_limit: {burst: 2}\n",
                   "test.yaml:4: rate_limit: give exactly one of per_second");
    expect_problem("actions:\n  - type: webhook\n    url: https://x\n    retry_count: many\n",
                   "test.yaml:4: retry_count: must be a number");
    expect_problem("actions:\n  - type: slack\n    webhook_url: https://hooks.slack.com/x\n"
                   "    custom_message: '{checkpoint} {severity}'\n",
                   "test.yaml:4: custom_message: template \"{checkpoint} {severity}\": unknown "
                   "field {severity}");
    expect_problem("actions:\n  - {type: webhook, url: 'https://x', name: a}\n"
                   "  - {type: webhook, url: 'https://y', name: a}\n",
                   "test.yaml:3: name: \"a\" is used twice (also at test.yaml:2)");
    expect_problem("checkpoints:\n  - name: a\n    actions:\n      - type: webhook\n"
                   "        url: https://x\n        match: {checkpoint: b}\n",
                   "test.yaml:6: match: not used in truthound's checkpoint form");
    expect_problem("checkpoints: []\nactions: []\n", "not both");
    expect_problem("actions:\n  - type: webhook\n    url: [unclosed\n", "test.yaml:");
    expect_problem("actions:\n  - type: email\n    from_address: a@x\n    to_addresses: []\n",
                   "to_addresses: required for a email action");
    expect_problem("actions:\n  - type: webhook\n    url: https://x\n    auth_type: basic\n",
                   "auth_type basic needs auth_credentials.username");
    expect_problem("actions:\n  - type: telegram\n    bot_token: t\n    chat_id: 1\n"
                   "    parse_mode: BBCode\n",
                   "test.yaml:5: parse_mode: \"BBCode\" is not one of \"HTML\"");
    expect_problem("checkpoints:\n  - name: a\n    validatorz: []\n",
                   "test.yaml:3: validatorz: unknown checkpoint key");
    expect_problem("colour: blue\n", "no checkpoints: (truthound) or actions: (dqbatch) key");
    expect_problem("actions:\n  - type: opsgenie\n    api_key: k\n    responders:\n"
                   "      - {type: squad, name: x}\n",
                   "test.yaml:4: responders: each entry is a mapping with type");
    expect_problem("actions:\n  - type: teams\n    webhook_url: https://x.webhook.office.com/a\n"
                   "    mention_on_failure: [{name: n}]\n",
                   "test.yaml:4: mention_on_failure: each mention is a user id");
}
END_TEST

/* Every problem is reported, not only the first. */
START_TEST(test_all_problems_reported)
{
    char *got = actions_test_config_problems("actions:\n  - type: slack\n    a: 1\n"
                                             "  - type: webhook\n    url: https://x\n    b: 2\n");
    ck_assert_ptr_nonnull(strstr(got, "test.yaml:3: a: unknown key"));
    ck_assert_ptr_nonnull(strstr(got, "test.yaml:6: b: unknown key"));
    ck_assert_ptr_nonnull(strstr(got, "webhook_url: required"));
    free(got);
}
END_TEST

START_TEST(test_notify_on_semantics)
{
    static const char *const statuses[] = {"success", "failure", "error", "warning"};
    /* rows: always, success, failure, error, warning, failure_or_error, not_success */
    static const bool want[7][4] = {
        {1, 1, 1, 1}, {1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0},
        {0, 0, 0, 1}, {0, 1, 1, 0}, {0, 1, 1, 1},
    };
    for (int n = 0; n < 7; n++)
        for (int s = 0; s < 4; s++)
            ck_assert_msg(dq_notify_on_matches((dq_notify_on)n, statuses[s]) == want[n][s],
                          "%s / %s", dq_notify_on_name((dq_notify_on)n), statuses[s]);
    dq_notify_on n;
    ck_assert_int_eq(dq_notify_on_parse("Failure_Or_Error", &n), DQ_OK);
    ck_assert_int_eq(n, DQ_NOTIFY_FAILURE_OR_ERROR);
    ck_assert_int_ne(dq_notify_on_parse("never", &n), DQ_OK);
}
END_TEST

START_TEST(test_config_file_errors)
{
    dq_config c;
    dq_strlist problems = {0};
    dq_error err = {0};
    ck_assert_int_eq(dq_config_load("/nonexistent/dq.yaml", &c, &problems, &err), DQ_ECONFIG);
    ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/dq.yaml"));
    ck_assert_int_eq(problems.len, 1);
    dq_strlist_free(&problems);
}
END_TEST

START_TEST(test_format_named)
{
    dq_buf b;
    dq_buf_init(&b, 1024);
    dq_error err = {0};
    const char *text = "{{x}} {x}";
    ck_assert_int_ne(dq_format_named("{x", NULL, NULL, &b, &err), DQ_OK);
    ck_assert_ptr_nonnull(strstr(err.msg, "single '{'"));
    ck_assert_int_ne(dq_format_named("x}", NULL, NULL, &b, &err), DQ_OK);
    ck_assert_int_ne(dq_format_named("{x:>4}", NULL, NULL, &b, &err), DQ_OK);
    (void)text;
    dq_buf_free(&b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("actions_config");
    TCase *tc = tcase_create("config");
    tcase_add_test(tc, test_truthound_list_form);
    tcase_add_test(tc, test_truthound_mapping_form_all_types);
    tcase_add_test(tc, test_dqbatch_form_common_settings);
    tcase_add_test(tc, test_json_config_has_lines);
    tcase_add_test(tc, test_bad_configs);
    tcase_add_test(tc, test_all_problems_reported);
    tcase_add_test(tc, test_notify_on_semantics);
    tcase_add_test(tc, test_config_file_errors);
    tcase_add_test(tc, test_format_named);
    suite_add_tcase(s, tc);
    return dqtest_run(s);
}
