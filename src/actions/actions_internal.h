/* Private to src/actions: the facts every renderer shows about a result, and the
 * helpers that build requests, so that each renderer is only its payload. */
#ifndef DQBATCH_ACTIONS_INTERNAL_H
#define DQBATCH_ACTIONS_INTERNAL_H

#include "dqbatch/actions.h"

/* The numbers and texts of truthound's validation view (spec 1.11) for one result. */
typedef struct action_view {
    const dq_result *r;
    const char *checkpoint;
    const char *run_id;
    const char *asset;  /* "" when absent */
    const char *status; /* "failure" */
    char status_upper[16];
    bool has_stats; /* false for error runs: truthound's "no stats" */
    long long total, critical, high, medium, low;
    long long rows, columns;
    double pass_rate;         /* fraction; 1.0 without stats */
    char pass_percent[24];    /* "50.0%" */
    char run_time[32];        /* "%Y-%m-%d %H:%M:%S" */
    const char *run_time_iso; /* naive isoformat, as stored */
    char numbers[6][24];      /* total .. low and rows as text, for templates */
    /* --digest: replaces the headline (Slack, Teams), description (Discord) or text
     * (Telegram) of the latest result's message; NULL otherwise. */
    const char *digest_text;
} action_view;

void action_view_init(action_view *v, const dq_result *r);
/* Text of the str.format fields custom messages may use; ctx is an action_view. */
const char *action_view_field(void *ctx, const char *name, size_t len);
/* A number as text into out (size >= 24). */
void action_int_text(long long n, char *out, size_t size);
/* 125152 -> "125,152" */
void action_thousands(long long n, char *out, size_t size);

/* An error naming the action and the run. */
dq_code action_fail(dq_error *err, const dq_action_config *a, const dq_result *r, dq_code code,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Starts a request of action a: name, policy (timeout, retries, rate, in-flight),
 * destination and idempotency key = "<action>:<run_id>:<event>". */
dq_code action_request(dq_request_list *out, const dq_action_config *a, const dq_result *r,
                       dq_request_kind kind, dq_provider provider, const char *destination,
                       const char *event, dq_request **req);
/* An HTTP request with a Python-JSON body. Headers are "Name: value" strings, NULL-ended. */
dq_code action_http_json(dq_request_list *out, const dq_action_config *a, const dq_result *r,
                         dq_provider provider, const char *event, const char *method,
                         const char *url, const cJSON *body, const char *const *headers,
                         dq_request **req);
dq_code action_add_header(dq_request *req, const char *name, const char *value);
dq_code action_add_secret(dq_request *req, const char *secret);
/* Adds the path segments of a webhook URL that look like its token as secrets. */
dq_code action_add_url_secrets(dq_request *req, const char *url);
/* "x-api-key" -> "X-Api-Key", as urllib sends header names. */
void action_title_case(char *name);

/* Base64 of s appended to out; line_length 0 gives one line, else CRLF-ended lines. */
dq_code action_base64(dq_buf *out, const char *s, size_t line_length);
/* The colour truthound gives a status (Slack attachment, email pill). */
const char *action_status_color(const char *status);
/* The Slack-style emoji of a status; other for running/pending (Slack ":question:",
 * GitHub ":warning:"). */
const char *action_status_emoji(const char *status, const char *other);
/* Replaces what the dispatcher paces by: the provider's real limit key. */
dq_code action_set_destination(dq_request *req, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Small cJSON builders that report allocation failure through *ok. */
cJSON *action_add_str(cJSON *obj, const char *key, const char *value, bool *ok);
cJSON *action_add_num(cJSON *obj, const char *key, double value, bool *ok);
cJSON *action_add_bool(cJSON *obj, const char *key, bool value, bool *ok);
cJSON *action_add_obj(cJSON *obj, const char *key, bool *ok);
cJSON *action_add_arr(cJSON *obj, const char *key, bool *ok);
cJSON *action_push_obj(cJSON *arr, bool *ok);
void action_push_str(cJSON *arr, const char *value, bool *ok);
/* The string member key of obj, or NULL when it is absent or not a string. */
const char *action_str(const cJSON *obj, const char *key);

/* Fills ${field} result placeholders in every string of a template tree (webhook
 * payload_template, Teams custom_payload): replacements are always strings, status is
 * lower case. */
dq_code action_fill_template(cJSON *tree, const action_view *v, bool pass_rate_percent,
                             dq_error *err);

/* tmpl with its str.format fields filled by lookup (given v), as a new string of at most
 * max bytes; NULL with err set when the template is bad or the text too long. */
char *action_format(const char *tmpl, dq_format_lookup lookup, const action_view *v, size_t max,
                    dq_error *err);
/* A template of str.format fields checkpoint, data_asset, run_id (dedup keys, aliases). */
char *action_key_template(const char *tmpl, const action_view *v, dq_error *err);

/* Cuts s to at most n characters (code points), as Python's s[:n]. */
void action_cut_chars(char *s, size_t n);

/* The issues in the order truthound's presentation lists them: severity (critical
 * first), then column, then issue type. Owned array of borrowed nodes; NULL when none. */
const cJSON **action_sorted_issues(const dq_result *r, size_t *count);

/* CheckpointResult.to_dict() after from_dict: the stored document without
 * validation_result, and without the issues' "result" details, which truthound's
 * reading drops. */
cJSON *action_result_dict(const dq_result *r);

/* Renders a for r with the digest headline text in place of the usual one. */
dq_code action_render_digest(const dq_action_config *a, const dq_result *r,
                             const dq_render_context *ctx, const char *digest_text,
                             dq_request_list *out, dq_error *err);

/* The renderers, one per type. */
typedef dq_code (*action_renderer)(const dq_action_config *a, const action_view *v,
                                   const dq_render_context *ctx, dq_request_list *out,
                                   dq_error *err);
dq_code render_store_result(const dq_action_config *a, const action_view *v,
                            const dq_render_context *ctx, dq_request_list *out, dq_error *err);
dq_code render_slack(const dq_action_config *a, const action_view *v, const dq_render_context *ctx,
                     dq_request_list *out, dq_error *err);
dq_code render_email(const dq_action_config *a, const action_view *v, const dq_render_context *ctx,
                     dq_request_list *out, dq_error *err);
dq_code render_teams(const dq_action_config *a, const action_view *v, const dq_render_context *ctx,
                     dq_request_list *out, dq_error *err);
dq_code render_discord(const dq_action_config *a, const action_view *v,
                       const dq_render_context *ctx, dq_request_list *out, dq_error *err);
dq_code render_telegram(const dq_action_config *a, const action_view *v,
                        const dq_render_context *ctx, dq_request_list *out, dq_error *err);
dq_code render_pagerduty(const dq_action_config *a, const action_view *v,
                         const dq_render_context *ctx, dq_request_list *out, dq_error *err);
dq_code render_opsgenie(const dq_action_config *a, const action_view *v,
                        const dq_render_context *ctx, dq_request_list *out, dq_error *err);
dq_code render_webhook(const dq_action_config *a, const action_view *v,
                       const dq_render_context *ctx, dq_request_list *out, dq_error *err);
dq_code render_github(const dq_action_config *a, const action_view *v, const dq_render_context *ctx,
                      dq_request_list *out, dq_error *err);
dq_code render_custom(const dq_action_config *a, const action_view *v, const dq_render_context *ctx,
                      dq_request_list *out, dq_error *err);

#endif
