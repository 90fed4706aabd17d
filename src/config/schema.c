/* The settings each action type takes: truthound's config fields (spec sections 1-3)
 * plus the few dqbatch adds (endpoints to point a destination elsewhere, a CA file). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_internal.h"

static const char *const slack_fields[] = {"checkpoint", "status",       "run_id",
                                           "data_asset", "total_issues", NULL};
static const char *const telegram_fields[] = {"checkpoint",   "status", "run_id", "data_asset",
                                              "total_issues", "emoji",  NULL};
static const char *const subject_fields[] = {"status", "checkpoint", "run_id", NULL};
static const char *const key_fields[] = {"checkpoint", "data_asset", "run_id", NULL};
static const char *const url_fields[] = {"run_id", "checkpoint", NULL};

static const char *const store_types[] = {"file", "filesystem", "s3", "gcs", "database", NULL};
static const char *const store_formats[] = {"json", "yaml", NULL};
static const char *const partitions[] = {"date", "checkpoint", "status", "", "none", NULL};
static const char *const docs_formats[] = {"html", "markdown", "json", NULL};
static const char *const email_providers[] = {"smtp", "sendgrid", "ses", NULL};
static const char *const teams_connectors[] = {"incoming_webhook", "power_automate", "logic_apps",
                                               NULL};
static const char *const teams_themes[] = {"default", "minimal", "detailed", "compact", NULL};
static const char *const card_versions[] = {"1.0", "1.1", "1.2", "1.3", "1.4", "1.5", NULL};
static const char *const parse_modes[] = {"HTML", "Markdown", "MarkdownV2", "", NULL};
static const char *const pd_severities[] = {"critical", "error", "warning", "info", NULL};
static const char *const og_regions[] = {"us", "eu", NULL};
static const char *const og_priorities[] = {"P1", "P2", "P3", "P4", "P5", NULL};
static const char *const og_templates[] = {"default", "minimal", "detailed", NULL};
static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", NULL};
static const char *const auth_types[] = {"none", "basic", "bearer", "api_key", NULL};
static const char *const severities[] = {"critical", "high", "medium", "low", NULL};

#define S(k, kind)                                                                                 \
    {                                                                                              \
        k, kind, false, NULL, NULL, false                                                          \
    }
#define REQ(k, kind)                                                                               \
    {                                                                                              \
        k, kind, true, NULL, NULL, false                                                           \
    }
#define CHOICE(k, list)                                                                            \
    {                                                                                              \
        k, CONFIG_STRING, false, list, NULL, false                                                 \
    }
#define TEMPLATE(k, fields)                                                                        \
    {                                                                                              \
        k, CONFIG_STRING, false, NULL, fields, false                                               \
    }
#define END                                                                                        \
    {                                                                                              \
        NULL, CONFIG_ANY, false, NULL, NULL, false                                                 \
    }

static const config_setting store_result_schema[] = {
    S("store_path", CONFIG_STRING),  CHOICE("store_type", store_types),
    CHOICE("format", store_formats), CHOICE("partition_by", partitions),
    S("retention_days", CONFIG_INT), S("include_validation_details", CONFIG_BOOL),
    S("compress", CONFIG_BOOL),      END,
};

static const config_setting update_docs_schema[] = {
    S("site_path", CONFIG_STRING),     S("site_name", CONFIG_STRING),
    CHOICE("format", docs_formats),    S("template_path", CONFIG_STRING),
    S("include_history", CONFIG_BOOL), S("max_history_items", CONFIG_INT),
    S("auto_open", CONFIG_BOOL),       END,
};

static const config_setting slack_schema[] = {
    REQ("webhook_url", CONFIG_STRING),
    S("channel", CONFIG_STRING),
    S("username", CONFIG_STRING),
    S("icon_emoji", CONFIG_STRING),
    S("include_details", CONFIG_BOOL),
    S("mention_on_failure", CONFIG_STRING_LIST),
    TEMPLATE("custom_message", slack_fields),
    END,
};

static const config_setting email_schema[] = {
    S("smtp_host", CONFIG_STRING),
    S("smtp_port", CONFIG_INT),
    S("smtp_user", CONFIG_STRING),
    S("smtp_password", CONFIG_STRING),
    S("use_tls", CONFIG_BOOL),
    S("use_ssl", CONFIG_BOOL),
    REQ("from_address", CONFIG_STRING),
    REQ("to_addresses", CONFIG_STRING_LIST),
    S("cc_addresses", CONFIG_STRING_LIST),
    TEMPLATE("subject_template", subject_fields),
    S("include_html", CONFIG_BOOL),
    CHOICE("provider", email_providers),
    S("api_key", CONFIG_STRING),
    /* dqbatch: a CA bundle for STARTTLS/SMTPS, where SendGrid or SES live, and SES's
     * region and credentials (else AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY). */
    S("ca_file", CONFIG_STRING),
    S("api_endpoint", CONFIG_STRING),
    S("aws_region", CONFIG_STRING),
    S("aws_access_key_id", CONFIG_STRING),
    S("aws_secret_access_key", CONFIG_STRING),
    END,
};

static const config_setting teams_schema[] = {
    REQ("webhook_url", CONFIG_STRING),
    CHOICE("connector_type", teams_connectors),
    CHOICE("theme", teams_themes),
    CHOICE("card_version", card_versions),
    S("full_width", CONFIG_BOOL),
    S("include_details", CONFIG_BOOL),
    S("include_actions", CONFIG_BOOL),
    S("mention_on_failure", CONFIG_LIST),
    TEMPLATE("dashboard_url", url_fields),
    TEMPLATE("details_url", url_fields),
    S("custom_template", CONFIG_STRING),
    {"custom_payload", CONFIG_OBJECT, false, NULL, NULL, true},
    S("proxy", CONFIG_STRING),
    S("verify_ssl", CONFIG_BOOL),
    S("thread_id", CONFIG_STRING),
    END,
};

static const config_setting discord_schema[] = {
    REQ("webhook_url", CONFIG_STRING),
    S("username", CONFIG_STRING),
    S("avatar_url", CONFIG_STRING),
    S("include_details", CONFIG_BOOL),
    S("mention_role_ids", CONFIG_STRING_LIST),
    S("mention_user_ids", CONFIG_STRING_LIST),
    S("embed_color_success", CONFIG_INT),
    S("embed_color_failure", CONFIG_INT),
    S("embed_color_warning", CONFIG_INT),
    TEMPLATE("custom_message", slack_fields),
    S("thread_name", CONFIG_STRING),
    END,
};

static const config_setting telegram_schema[] = {
    REQ("bot_token", CONFIG_STRING),
    REQ("chat_id", CONFIG_STRING_OR_NUMBER),
    {"parse_mode", CONFIG_STRING, false, parse_modes, NULL, false},
    S("disable_notification", CONFIG_BOOL),
    S("disable_web_page_preview", CONFIG_BOOL),
    S("include_details", CONFIG_BOOL),
    TEMPLATE("custom_message", telegram_fields),
    /* The name dqbatch's issue tracker used for the same thing; custom_message wins. */
    TEMPLATE("message_template", telegram_fields),
    S("reply_to_message_id", CONFIG_INT),
    S("message_thread_id", CONFIG_INT),
    S("api_base_url", CONFIG_STRING), /* dqbatch: default https://api.telegram.org */
    END,
};

static const config_setting pagerduty_schema[] = {
    REQ("routing_key", CONFIG_STRING),
    CHOICE("severity", pd_severities),
    S("auto_severity", CONFIG_BOOL),
    S("component", CONFIG_STRING),
    S("group", CONFIG_STRING),
    S("class_type", CONFIG_STRING),
    S("custom_details", CONFIG_OBJECT),
    TEMPLATE("dedup_key_template", key_fields),
    S("resolve_on_success", CONFIG_BOOL),
    S("api_endpoint", CONFIG_STRING),
    END,
};

static const config_setting opsgenie_schema[] = {
    REQ("api_key", CONFIG_STRING),
    CHOICE("region", og_regions),
    {"priority", CONFIG_STRING, false, og_priorities, NULL, false},
    S("auto_priority", CONFIG_BOOL),
    S("responders", CONFIG_LIST),
    S("visible_to", CONFIG_LIST),
    S("tags", CONFIG_STRING_LIST),
    TEMPLATE("alias_template", key_fields),
    S("close_on_success", CONFIG_BOOL),
    S("acknowledge_on_warning", CONFIG_BOOL),
    CHOICE("template", og_templates),
    S("custom_details", CONFIG_OBJECT),
    S("source", CONFIG_STRING),
    S("entity", CONFIG_STRING),
    S("actions", CONFIG_STRING_LIST),
    S("proxy", CONFIG_STRING),
    S("verify_ssl", CONFIG_BOOL),
    S("api_base_url", CONFIG_STRING), /* dqbatch: overrides the region's base URL */
    END,
};

static const config_setting webhook_schema[] = {
    REQ("url", CONFIG_STRING),
    {"method", CONFIG_STRING, false, methods, NULL, false},
    S("headers", CONFIG_STRING_MAP),
    CHOICE("auth_type", auth_types),
    S("auth_credentials", CONFIG_STRING_MAP),
    {"payload_template", CONFIG_ANY, false, NULL, NULL, true},
    S("include_full_result", CONFIG_BOOL),
    S("ssl_verify", CONFIG_BOOL),
    S("success_codes", CONFIG_INT_LIST),
    END,
};

static const config_setting github_schema[] = {
    S("token", CONFIG_STRING),
    S("repository", CONFIG_STRING),
    S("create_check_run", CONFIG_BOOL),
    S("comment_on_pr", CONFIG_BOOL),
    S("pr_number", CONFIG_INT),
    S("set_output", CONFIG_BOOL),
    S("set_summary", CONFIG_BOOL),
    S("fail_on_issues", CONFIG_BOOL),
    CHOICE("min_severity_to_fail", severities),
    S("annotations", CONFIG_BOOL),
    S("api_url", CONFIG_STRING), /* dqbatch: default $GITHUB_API_URL or api.github.com */
    END,
};

static const config_setting custom_schema[] = {
    REQ("shell_command", CONFIG_STRING),   S("environment", CONFIG_STRING_MAP),
    S("working_directory", CONFIG_STRING), S("pass_result_as_json", CONFIG_BOOL),
    S("capture_output", CONFIG_BOOL),      END,
};

const config_setting *config_schema(dq_action_type type)
{
    static const config_setting *const schemas[DQ_ACTION_TYPE_COUNT] = {
        [DQ_ACTION_STORE_RESULT] = store_result_schema,
        [DQ_ACTION_UPDATE_DOCS] = update_docs_schema,
        [DQ_ACTION_SLACK] = slack_schema,
        [DQ_ACTION_EMAIL] = email_schema,
        [DQ_ACTION_TEAMS] = teams_schema,
        [DQ_ACTION_DISCORD] = discord_schema,
        [DQ_ACTION_TELEGRAM] = telegram_schema,
        [DQ_ACTION_PAGERDUTY] = pagerduty_schema,
        [DQ_ACTION_OPSGENIE] = opsgenie_schema,
        [DQ_ACTION_WEBHOOK] = webhook_schema,
        [DQ_ACTION_GITHUB] = github_schema,
        [DQ_ACTION_CUSTOM] = custom_schema,
    };
    return schemas[type];
}

static bool is_loopback_http(const char *url)
{
    static const char *const hosts[] = {"http://127.0.0.1:", "http://127.0.0.1/",
                                        "http://localhost:", "http://localhost/",
                                        "http://[::1]:",     NULL};
    for (size_t i = 0; hosts[i]; i++)
        if (strncmp(url, hosts[i], strlen(hosts[i])) == 0)
            return true;
    return false;
}

/* The node of key in the action as written, for the line of a message. */
static const cJSON *at(const cJSON *original, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(original, key);
    return v ? v : original;
}

static const char *settings_str(const cJSON *settings, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(settings, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* An http(s) URL; plain http only on loopback (the test servers). */
static bool check_url(const cJSON *settings, const cJSON *original, const char *key,
                      const char *prefix, config_report_fn report, void *ctx)
{
    const char *url = settings_str(settings, key);
    if (!url || is_loopback_http(url))
        return true;
    if (strncmp(url, prefix, strlen(prefix)) == 0)
        return true;
    report(ctx, at(original, key), key, "must start with %s", prefix);
    return false;
}

static bool check_webhook(const cJSON *settings, const cJSON *original, config_report_fn report,
                          void *ctx)
{
    const char *auth = settings_str(settings, "auth_type");
    const cJSON *cred = cJSON_GetObjectItemCaseSensitive(settings, "auth_credentials");
    static const char *const needs_basic[] = {"username", "password", NULL};
    static const char *const needs_bearer[] = {"token", NULL};
    static const char *const needs_key[] = {"key", NULL};
    const char *const *needs = NULL;
    if (auth && strcasecmp(auth, "basic") == 0)
        needs = needs_basic;
    else if (auth && strcasecmp(auth, "bearer") == 0)
        needs = needs_bearer;
    else if (auth && strcasecmp(auth, "api_key") == 0)
        needs = needs_key;
    const char *url = settings_str(settings, "url");
    bool ok = true;
    if (url && strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0) {
        report(ctx, at(original, "url"), "url", "must be an http:// or https:// URL");
        ok = false;
    }
    for (size_t i = 0; needs && needs[i]; i++) {
        if (settings_str(cred, needs[i]))
            continue;
        report(ctx, at(original, cred ? "auth_credentials" : "auth_type"), "auth_credentials",
               "auth_type %s needs auth_credentials.%s", auth, needs[i]);
        ok = false;
    }
    return ok;
}

static bool check_email(const cJSON *settings, const cJSON *original, config_report_fn report,
                        void *ctx)
{
    const char *provider = settings_str(settings, "provider");
    if (provider && strcasecmp(provider, "sendgrid") == 0 && !settings_str(settings, "api_key")) {
        report(ctx, at(original, "provider"), "api_key", "provider sendgrid needs api_key");
        return false;
    }
    if (provider && strcasecmp(provider, "ses") == 0) {
        static const char *const needs[][3] = {
            {"aws_region", "AWS_REGION", "AWS_DEFAULT_REGION"},
            {"aws_access_key_id", "AWS_ACCESS_KEY_ID", NULL},
            {"aws_secret_access_key", "AWS_SECRET_ACCESS_KEY", NULL},
        };
        bool ok = true;
        for (size_t i = 0; i < 3; i++) {
            if (settings_str(settings, needs[i][0]) || getenv(needs[i][1]) ||
                (needs[i][2] && getenv(needs[i][2])))
                continue;
            report(ctx, at(original, "provider"), needs[i][0],
                   "provider ses needs %s (or %s in the environment)", needs[i][0], needs[i][1]);
            ok = false;
        }
        return ok;
    }
    return true;
}

/* responders, visible_to: mappings of a known type with an id, a name or (users) a username. */
static bool check_responders(const cJSON *settings, const cJSON *original, const char *key,
                             config_report_fn report, void *ctx)
{
    static const char *const types[] = {"user", "team", "escalation", "schedule", NULL};
    bool ok = true;
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(settings, key))
    {
        const char *type = settings_str(r, "type");
        bool known = false;
        for (size_t i = 0; type && types[i]; i++)
            known = known || strcmp(type, types[i]) == 0;
        if (!cJSON_IsObject(r) || !known ||
            !(settings_str(r, "id") || settings_str(r, "name") || settings_str(r, "username"))) {
            report(ctx, at(original, key), key,
                   "each entry is a mapping with type (user, team, escalation, schedule) "
                   "and an id, name or username");
            ok = false;
        }
    }
    return ok;
}

/* mention_on_failure: user ids, or mappings with an id (and a name). */
static bool check_mentions(const cJSON *settings, const cJSON *original, config_report_fn report,
                           void *ctx)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(settings, "mention_on_failure"))
    {
        if (cJSON_IsString(m) || settings_str(m, "id"))
            continue;
        report(ctx, at(original, "mention_on_failure"), "mention_on_failure",
               "each mention is a user id or a mapping with id (and name)");
        return false;
    }
    return true;
}

bool config_check_type(dq_action_type type, const cJSON *settings, const cJSON *original,
                       config_report_fn report, void *ctx)
{
    switch (type) {
    case DQ_ACTION_SLACK:
        return check_url(settings, original, "webhook_url", "https://hooks.slack.com/", report,
                         ctx);
    case DQ_ACTION_TEAMS:
        return check_url(settings, original, "webhook_url", "https://", report, ctx) &
               check_mentions(settings, original, report, ctx);
    case DQ_ACTION_DISCORD:
        return check_url(settings, original, "webhook_url", "https://", report, ctx);
    case DQ_ACTION_OPSGENIE:
        return check_responders(settings, original, "responders", report, ctx) &
               check_responders(settings, original, "visible_to", report, ctx);
    case DQ_ACTION_PAGERDUTY:
        return check_url(settings, original, "api_endpoint", "https://", report, ctx);
    case DQ_ACTION_WEBHOOK:
        return check_webhook(settings, original, report, ctx);
    case DQ_ACTION_EMAIL:
        return check_email(settings, original, report, ctx);
    default:
        return true;
    }
}
