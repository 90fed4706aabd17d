/* Microsoft Teams (spec 3.3): the Adaptive Card truthound builds. truthound itself never
 * sends it (its HTTP client raises before any I/O); dqbatch does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions_internal.h"

static const char *const teams_headers[] = {"Content-Type: application/json",
                                            "Accept: application/json", NULL};
#define CARD_SCHEMA "http://adaptivecards.io/schemas/adaptive-card.json"

typedef struct teams_look {
    const char *emoji, *title, *color;
} teams_look;

static teams_look teams_status(const char *status)
{
    if (strcmp(status, "success") == 0)
        return (teams_look){"\u2705", "Validation Passed", "good"};
    if (strcmp(status, "failure") == 0)
        return (teams_look){"\u274c", "Validation Failed", "attention"};
    if (strcmp(status, "error") == 0)
        return (teams_look){"\u26a0\ufe0f", "Validation Error", "attention"};
    if (strcmp(status, "warning") == 0)
        return (teams_look){"\u26a0\ufe0f", "Validation Warning", "warning"};
    return (teams_look){"\u2753", "Unknown", "default"};
}

static cJSON *text_block(cJSON *body, const char *text, bool wrap, bool *ok)
{
    cJSON *b = action_push_obj(body, ok);
    action_add_str(b, "type", "TextBlock", ok);
    action_add_str(b, "text", text, ok);
    if (wrap)
        action_add_bool(b, "wrap", true, ok);
    return b;
}

static cJSON *new_card(const dq_action_config *a, bool *ok)
{
    cJSON *card = cJSON_CreateObject();
    if (!card)
        *ok = false;
    action_add_str(card, "type", "AdaptiveCard", ok);
    action_add_str(card, "$schema", CARD_SCHEMA, ok);
    action_add_str(card, "version", dq_setting_str(a, "card_version", "1.4"), ok);
    return card;
}

/* Mentions: strings are ids and names; objects carry both. Only on failure or error. */
static void teams_mentions(const dq_action_config *a, const action_view *v, dq_buf *text,
                           cJSON *entities, bool *ok)
{
    if (strcmp(v->status, "failure") != 0 && strcmp(v->status, "error") != 0)
        return;
    const cJSON *c;
    cJSON_ArrayForEach(c, dq_setting(a, "mention_on_failure"))
    {
        const char *id = cJSON_IsString(c) ? c->valuestring : action_str(c, "id");
        const char *name = cJSON_IsString(c) ? c->valuestring : action_str(c, "name");
        if (!id)
            continue;
        if (!name)
            name = id;
        char *at = dq_asprintf("<at>%s</at>", name);
        if (!at || dq_buf_printf(text, "%s ", at))
            *ok = false;
        cJSON *m = action_push_obj(entities, ok);
        action_add_str(m, "type", "mention", ok);
        action_add_str(m, "text", at, ok);
        cJSON *who = action_add_obj(m, "mentioned", ok);
        action_add_str(who, "id", id, ok);
        action_add_str(who, "name", name, ok);
        free(at);
    }
}

static void fact(cJSON *facts, const char *title, const char *value, bool *ok)
{
    cJSON *f = action_push_obj(facts, ok);
    action_add_str(f, "title", title, ok);
    action_add_str(f, "value", value, ok);
}

static void teams_facts(cJSON *body, const action_view *v, bool *ok)
{
    cJSON *set = action_push_obj(body, ok);
    action_add_str(set, "type", "FactSet", ok);
    cJSON *facts = action_add_arr(set, "facts", ok);
    /* run_id[:12] + "..." when longer than 12 characters (code points, not bytes). */
    char run_id[64], duration[48];
    snprintf(run_id, sizeof run_id, "%.60s", v->run_id);
    action_cut_chars(run_id, 12);
    bool longer = strlen(run_id) < strlen(v->run_id);
    if (longer)
        strcat(run_id, "...");
    snprintf(duration, sizeof duration, "%.1fms", v->r->duration_ms);
    fact(facts, "Data Asset", *v->asset ? v->asset : "N/A", ok);
    fact(facts, "Run ID", longer ? run_id : v->run_id, ok);
    fact(facts, "Run Time", v->run_time, ok);
    fact(facts, "Duration", duration, ok);
    if (v->has_stats) {
        fact(facts, "Total Issues", v->numbers[0], ok);
        fact(facts, "Pass Rate", v->pass_percent, ok);
    }
    action_add_str(set, "spacing", "medium", ok);
    action_add_bool(set, "separator", true, ok);
}

static void teams_breakdown(cJSON *body, const dq_action_config *a, const action_view *v, bool *ok)
{
    if (v->total <= 0 || !dq_setting_bool(a, "include_details", true))
        return;
    char line[200];
    snprintf(line, sizeof line,
             "\U0001F534 Critical: %lld | \U0001F7E0 High: %lld | \U0001F7E1 Medium: %lld | "
             "\U0001F535 Low: %lld",
             v->critical, v->high, v->medium, v->low);
    cJSON *b = text_block(body, line, true, ok);
    action_add_str(b, "size", "small", ok);
    action_add_bool(b, "isSubtle", true, ok);
    action_add_str(b, "spacing", "small", ok);
}

/* dashboard_url / details_url with {run_id} and {checkpoint}. */
static void open_url(cJSON *actions, const dq_action_config *a, const action_view *v,
                     const char *key, const char *title, bool positive, bool *ok)
{
    const char *tmpl = dq_setting_str(a, key, NULL);
    if (!tmpl)
        return;
    dq_error err;
    char *url = action_key_template(tmpl, v, &err);
    cJSON *b = action_push_obj(actions, ok);
    action_add_str(b, "type", "Action.OpenUrl", ok);
    action_add_str(b, "title", title, ok);
    action_add_str(b, "url", url ? url : tmpl, ok);
    if (positive)
        action_add_str(b, "style", "positive", ok);
    free(url);
}

/* The issue list of the detailed theme: up to 5 entries and a count of the rest. */
static cJSON *teams_issue_card(const dq_action_config *a, const action_view *v, bool *ok)
{
    cJSON *card = new_card(a, ok);
    cJSON *body = action_add_arr(card, "body", ok);
    size_t total = 0;
    int shown = 0;
    const cJSON **issues = action_sorted_issues(v->r, &total);
    if (!issues && cJSON_GetArraySize(v->r->issues))
        *ok = false;
    for (size_t k = 0; k < total && shown < 5; k++) {
        const cJSON *issue = issues[k];
        const char *validator = action_str(issue, "validator_name");
        const char *type = action_str(issue, "issue_type");
        const char *column = action_str(issue, "column");
        const char *details = action_str(issue, "details");
        char *text = dq_asprintf("**%s** on `%s`: %s",
                                 validator ? validator
                                 : type    ? type
                                           : "",
                                 column ? column : "", details ? details : "");
        cJSON *b = text_block(body, text, true, ok);
        action_add_str(b, "size", "small", ok);
        action_add_str(b, "spacing", shown ? "small" : "none", ok);
        *ok = *ok && text;
        free(text);
        shown++;
    }
    free(issues);
    if (total > (size_t)shown) {
        char more[64];
        snprintf(more, sizeof more, "... and %zu more issues", total - (size_t)shown);
        cJSON *b = text_block(body, more, true, ok);
        action_add_str(b, "size", "small", ok);
        action_add_bool(b, "isSubtle", true, ok);
    }
    return card;
}

static cJSON *teams_default_card(const dq_action_config *a, const action_view *v, bool detailed,
                                 bool *ok)
{
    teams_look look = teams_status(v->status);
    cJSON *card = new_card(a, ok);
    cJSON *body = action_add_arr(card, "body", ok);
    cJSON *entities = cJSON_CreateArray();
    dq_buf head;
    dq_buf_init(&head, 1 << 16);
    teams_mentions(a, v, &head, entities, ok);
    if (v->digest_text ? dq_buf_adds(&head, v->digest_text)
                       : dq_buf_printf(&head, "%s **%s**", look.emoji, look.title))
        *ok = false;
    cJSON *h = text_block(body, dq_buf_str(&head), true, ok);
    dq_buf_free(&head);
    action_add_str(h, "weight", "bolder", ok);
    action_add_str(h, "size", "large", ok);
    if (strcmp(look.color, "attention") == 0)
        action_add_str(h, "color", "attention", ok);
    char *name = dq_asprintf("Checkpoint: **%s**", v->checkpoint);
    cJSON *n = text_block(body, name, true, ok);
    *ok = *ok && name;
    free(name);
    action_add_str(n, "size", "medium", ok);
    action_add_str(n, "spacing", "small", ok);
    teams_facts(body, v, ok);
    teams_breakdown(body, a, v, ok);
    if (dq_setting_bool(a, "include_actions", true) &&
        (dq_setting_str(a, "dashboard_url", NULL) || dq_setting_str(a, "details_url", NULL))) {
        cJSON *actions = action_add_arr(card, "actions", ok);
        open_url(actions, a, v, "dashboard_url", "View Dashboard", true, ok);
        open_url(actions, a, v, "details_url", "View Details", false, ok);
    }
    cJSON *ms = action_add_obj(card, "msteams", ok);
    if (dq_setting_bool(a, "full_width", true))
        action_add_str(ms, "width", "Full", ok);
    if (cJSON_GetArraySize(entities))
        cJSON_AddItemToObject(ms, "entities", entities);
    else
        cJSON_Delete(entities);
    if (detailed && v->total > 0) {
        cJSON *actions = cJSON_GetObjectItemCaseSensitive(card, "actions");
        if (!actions)
            actions = action_add_arr(card, "actions", ok);
        cJSON *show = action_push_obj(actions, ok);
        action_add_str(show, "type", "Action.ShowCard", ok);
        action_add_str(show, "title", "Show Issue Details", ok);
        cJSON *inner = teams_issue_card(a, v, ok);
        if (inner)
            cJSON_AddItemToObject(show, "card", inner);
    }
    return card;
}

static cJSON *teams_minimal_card(const dq_action_config *a, const action_view *v, bool *ok)
{
    cJSON *card = new_card(a, ok);
    cJSON *body = action_add_arr(card, "body", ok);
    char issues[48] = "";
    if (v->total > 0)
        snprintf(issues, sizeof issues, " - %lld issues", v->total);
    char *line = v->digest_text ? dq_strdup(v->digest_text)
                                : dq_asprintf("%s **%s** (%s)%s", teams_status(v->status).emoji,
                                              v->checkpoint, v->status_upper, issues);
    text_block(body, line, true, ok);
    *ok = *ok && line;
    free(line);
    if (v->has_stats) {
        char rate[48];
        snprintf(rate, sizeof rate, "Pass rate: %s", v->pass_percent);
        cJSON *b = text_block(body, rate, true, ok);
        action_add_str(b, "size", "small", ok);
        action_add_bool(b, "isSubtle", true, ok);
    }
    return card;
}

static cJSON *column(cJSON *columns, const char *width, bool *ok)
{
    cJSON *c = action_push_obj(columns, ok);
    action_add_str(c, "type", "Column", ok);
    action_add_str(c, "width", width, ok);
    return action_add_arr(c, "items", ok);
}

static cJSON *teams_compact_card(const dq_action_config *a, const action_view *v, bool *ok)
{
    cJSON *card = new_card(a, ok);
    cJSON *set = action_push_obj(action_add_arr(card, "body", ok), ok);
    action_add_str(set, "type", "ColumnSet", ok);
    cJSON *columns = action_add_arr(set, "columns", ok);
    action_add_str(
        text_block(column(columns, "auto", ok), teams_status(v->status).emoji, false, ok), "size",
        "large", ok);
    cJSON *mid = column(columns, "stretch", ok);
    char *name = dq_asprintf("**%s**", v->checkpoint);
    char *sub = dq_asprintf("%s | %s", *v->asset ? v->asset : "N/A", v->status_upper);
    *ok = *ok && name && sub;
    action_add_str(text_block(mid, name, false, ok), "weight", "bolder", ok);
    cJSON *s = text_block(mid, sub, false, ok);
    free(name);
    free(sub);
    action_add_str(s, "size", "small", ok);
    action_add_bool(s, "isSubtle", true, ok);
    action_add_str(s, "spacing", "none", ok);
    cJSON *right = column(columns, "auto", ok);
    cJSON *count = text_block(right, v->numbers[0], false, ok);
    action_add_str(count, "size", "extraLarge", ok);
    action_add_str(count, "weight", "bolder", ok);
    action_add_str(count, "color", v->total > 0 ? "attention" : "good", ok);
    cJSON *label = text_block(right, "issues", false, ok);
    action_add_str(label, "size", "small", ok);
    action_add_bool(label, "isSubtle", true, ok);
    action_add_str(label, "spacing", "none", ok);
    action_add_str(cJSON_GetArrayItem(columns, 2), "verticalContentAlignment", "center", ok);
    return card;
}

static cJSON *teams_message(cJSON *card, bool *ok)
{
    cJSON *msg = cJSON_CreateObject();
    action_add_str(msg, "type", "message", ok);
    cJSON *att = action_push_obj(action_add_arr(msg, "attachments", ok), ok);
    action_add_str(att, "contentType", "application/vnd.microsoft.card.adaptive", ok);
    if (att && !cJSON_AddNullToObject(att, "contentUrl"))
        *ok = false;
    if (att && card)
        cJSON_AddItemToObject(att, "content", card);
    else
        cJSON_Delete(card);
    return msg;
}

dq_code render_teams(const dq_action_config *a, const action_view *v, const dq_render_context *ctx,
                     dq_request_list *out, dq_error *err)
{
    (void)ctx;
    bool ok = true;
    cJSON *body = NULL;
    const cJSON *custom = dq_setting(a, "custom_payload");
    if (custom) {
        body = cJSON_Duplicate(custom, true);
        dq_code rc = body ? action_fill_template(body, v, true, err) : DQ_ENOMEM;
        if (rc) {
            cJSON_Delete(body);
            return rc;
        }
    } else {
        const char *theme = dq_setting_str(a, "theme", "default");
        cJSON *card = strcmp(theme, "minimal") == 0 ? teams_minimal_card(a, v, &ok)
                      : strcmp(theme, "compact") == 0
                          ? teams_compact_card(a, v, &ok)
                          : teams_default_card(a, v, strcmp(theme, "detailed") == 0, &ok);
        body = teams_message(card, &ok);
    }
    const char *url = dq_setting_str(a, "webhook_url", "");
    dq_request *req = NULL;
    dq_code rc = ok && body ? action_http_json(out, a, v->r, DQ_PROVIDER_TEAMS, "notify", "POST",
                                               url, body, teams_headers, &req)
                            : DQ_ENOMEM;
    if (!rc) {
        req->ssl_verify = dq_setting_bool(a, "verify_ssl", true);
        rc = action_add_secret(req, url) ? DQ_ENOMEM : action_add_url_secrets(req, url);
    }
    cJSON_Delete(body);
    return rc;
}
