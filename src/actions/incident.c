/* PagerDuty and OpsGenie: incidents keyed by a dedup key / alias built from the result,
 * triggered on trouble and resolved (closed) on success. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "actions_internal.h"

static const char *const json_headers[] = {"Content-Type: application/json", NULL};

/* Copies the members of overlay over obj, replacing same-named ones (dict.update). */
static bool overlay(cJSON *obj, const cJSON *extra)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, extra)
    {
        cJSON *copy = cJSON_Duplicate(c, true);
        if (!copy)
            return false;
        if (cJSON_GetObjectItemCaseSensitive(obj, c->string))
            cJSON_ReplaceItemInObjectCaseSensitive(obj, c->string, copy);
        else
            cJSON_AddItemToObject(obj, c->string, copy);
    }
    return true;
}

/* ---- PagerDuty (spec 3.6) ---------------------------------------------------------- */

static const char *pagerduty_severity(const dq_action_config *a, const action_view *v)
{
    if (dq_setting_bool(a, "auto_severity", true) && v->has_stats) {
        if (v->critical > 0)
            return "critical";
        if (v->high > 0)
            return "error";
        if (v->medium > 0)
            return "warning";
        return "info";
    }
    return dq_setting_str(a, "severity", "error");
}

static void pagerduty_payload(cJSON *payload, const dq_action_config *a, const action_view *v,
                              bool *ok)
{
    char tail[96] = "";
    int n = 0;
    if (v->total > 0)
        n = snprintf(tail, sizeof tail, " - %lld issues found", v->total);
    if (v->critical > 0 && n >= 0 && (size_t)n < sizeof tail)
        snprintf(tail + n, sizeof tail - (size_t)n, " (%lld critical)", v->critical);
    char *summary =
        dq_asprintf("Data quality %s for '%s' on %s%s", v->status, v->checkpoint, v->asset, tail);
    if (!summary) {
        *ok = false;
        return;
    }
    action_cut_chars(summary, 1024);
    action_add_str(payload, "summary", summary, ok);
    free(summary);
    action_add_str(payload, "severity", pagerduty_severity(a, v), ok);
    action_add_str(payload, "source", *v->asset ? v->asset : "truthound", ok);
    action_add_str(payload, "component", dq_setting_str(a, "component", "data-quality"), ok);
    action_add_str(payload, "group", dq_setting_str(a, "group", "truthound"), ok);
    action_add_str(payload, "class", dq_setting_str(a, "class_type", "validation"), ok);
    action_add_str(payload, "timestamp", v->run_time_iso, ok);
    cJSON *details = action_add_obj(payload, "custom_details", ok);
    action_add_str(details, "checkpoint", v->checkpoint, ok);
    action_add_str(details, "run_id", v->run_id, ok);
    action_add_str(details, "status", v->status, ok);
    action_add_str(details, "data_asset", v->asset, ok);
    cJSON *stats = action_add_obj(details, "statistics", ok);
    action_add_num(stats, "total_issues", (double)v->total, ok);
    action_add_num(stats, "critical", (double)v->critical, ok);
    action_add_num(stats, "high", (double)v->high, ok);
    action_add_num(stats, "medium", (double)v->medium, ok);
    action_add_num(stats, "low", (double)v->low, ok);
    action_add_str(stats, "pass_rate", v->has_stats ? v->pass_percent : "100%", ok);
    if (dq_setting(a, "custom_details") && !overlay(details, dq_setting(a, "custom_details")))
        *ok = false;
}

dq_code render_pagerduty(const dq_action_config *a, const action_view *v,
                         const dq_render_context *ctx, dq_request_list *out, dq_error *err)
{
    (void)ctx;
    char *dedup = action_key_template(
        dq_setting_str(a, "dedup_key_template", "{checkpoint}_{data_asset}"), v, err);
    if (!dedup)
        return err->code ? err->code : DQ_ENOMEM;
    bool resolve =
        strcmp(v->status, "success") == 0 && dq_setting_bool(a, "resolve_on_success", true);
    const char *key = dq_setting_str(a, "routing_key", "");
    bool ok = true;
    cJSON *body = cJSON_CreateObject();
    action_add_str(body, "routing_key", key, &ok);
    action_add_str(body, "event_action", resolve ? "resolve" : "trigger", &ok);
    action_add_str(body, "dedup_key", dedup, &ok);
    if (!resolve)
        pagerduty_payload(action_add_obj(body, "payload", &ok), a, v, &ok);
    const char *url = dq_setting_str(a, "api_endpoint", "https://events.pagerduty.com/v2/enqueue");
    dq_request *req = NULL;
    dq_code rc =
        ok ? action_http_json(out, a, v->r, DQ_PROVIDER_PAGERDUTY, resolve ? "resolve" : "trigger",
                              "POST", url, body, json_headers, &req)
           : DQ_ENOMEM;
    if (!rc) {
        /* The rate limit is per integration key, whatever the endpoint. */
        rc = action_set_destination(req, "%s", key);
        if (!rc)
            rc = action_add_secret(req, key);
    }
    free(dedup);
    cJSON_Delete(body);
    return rc;
}

/* ---- OpsGenie (spec 3.7) ----------------------------------------------------------- */

static const char *opsgenie_priority(const dq_action_config *a, const action_view *v)
{
    if (dq_setting_bool(a, "auto_priority", true) && v->has_stats) {
        if (v->critical > 0)
            return "P1";
        if (v->high > 0)
            return "P2";
        if (v->medium > 0)
            return "P3";
        if (v->low > 0)
            return "P4";
        return "P5";
    }
    return dq_setting_str(a, "priority", "P3");
}

/* responders / visible_to: a user as {type, username}, others as {type, name}, or
 * {type, id} when an id is given. */
static void opsgenie_teams(cJSON *body, const char *field, const cJSON *entries, bool *ok)
{
    cJSON *list = action_add_arr(body, field, ok);
    const cJSON *c;
    cJSON_ArrayForEach(c, entries)
    {
        cJSON *r = action_push_obj(list, ok);
        const char *type = action_str(c, "type");
        const char *id = action_str(c, "id");
        const char *name = action_str(c, "name");
        const char *user = action_str(c, "username");
        action_add_str(r, "type", type ? type : "team", ok);
        if (id)
            action_add_str(r, "id", id, ok);
        else if (type && strcmp(type, "user") == 0)
            action_add_str(r, "username", user ? user : name, ok);
        else
            action_add_str(r, "name", name, ok);
    }
}

static void opsgenie_details(cJSON *body, const dq_action_config *a, const action_view *v, bool *ok)
{
    cJSON *d = action_add_obj(body, "details", ok);
    action_add_str(d, "checkpoint", v->checkpoint, ok);
    action_add_str(d, "data_asset", v->asset, ok);
    action_add_str(d, "run_id", v->run_id, ok);
    action_add_str(d, "status", v->status, ok);
    if (v->has_stats) {
        static const char *const keys[] = {"total_issues", "critical_issues", "high_issues",
                                           "medium_issues", "low_issues"};
        for (int i = 0; i < 5; i++)
            action_add_str(d, keys[i], v->numbers[i], ok);
        action_add_str(d, "pass_rate", v->pass_percent, ok);
    }
    if (dq_setting(a, "custom_details") && !overlay(d, dq_setting(a, "custom_details")))
        *ok = false;
}

static char *opsgenie_description(const action_view *v)
{
    dq_buf b;
    dq_buf_init(&b, 1 << 20);
    dq_buf_printf(&b,
                  "**Checkpoint**: %s\n**Data Asset**: %s\n**Status**: %s\n**Run ID**: %s\n"
                  "**Time**: %s",
                  v->checkpoint, v->asset, v->status, v->run_id, v->run_time_iso);
    if (v->has_stats)
        dq_buf_printf(&b,
                      "\n\n**Statistics**:\n- Total Issues: %lld\n- Critical: %lld\n- High: "
                      "%lld\n- Medium: %lld\n- Low: %lld\n- Pass Rate: %s",
                      v->total, v->critical, v->high, v->medium, v->low, v->pass_percent);
    char *text = dq_buf_steal(&b);
    if (text)
        action_cut_chars(text, 15000);
    return text;
}

static cJSON *opsgenie_create(const dq_action_config *a, const action_view *v, const char *alias)
{
    bool ok = true;
    bool minimal = strcmp(dq_setting_str(a, "template", "default"), "minimal") == 0;
    char *message =
        minimal ? dq_asprintf("[%s] %s (%lld issues)", v->status_upper, v->checkpoint, v->total)
                : dq_asprintf("[%s] %s - %s", v->status_upper, v->checkpoint, v->asset);
    char *description = minimal ? NULL : opsgenie_description(v);
    cJSON *body = cJSON_CreateObject();
    if (message)
        action_cut_chars(message, 130);
    action_add_str(body, "message", message, &ok);
    action_add_str(body, "priority",
                   minimal ? dq_setting_str(a, "priority", "P3") : opsgenie_priority(a, v), &ok);
    action_add_str(body, "alias", alias, &ok);
    if (!minimal) {
        action_add_str(body, "description", description, &ok);
        opsgenie_teams(body, "responders", dq_setting(a, "responders"), &ok);
        /* truthound accepts visible_to and never sends it; dqbatch does, when set. */
        if (cJSON_GetArraySize(dq_setting(a, "visible_to")))
            opsgenie_teams(body, "visibleTo", dq_setting(a, "visible_to"), &ok);
    }
    cJSON *tags = action_add_arr(body, "tags", &ok);
    const cJSON *t = dq_setting(a, "tags");
    if (t) {
        const cJSON *c;
        cJSON_ArrayForEach(c, t)
        {
            action_push_str(tags, c->valuestring, &ok);
        }
    } else {
        action_push_str(tags, "truthound", &ok);
        action_push_str(tags, "data-quality", &ok);
    }
    if (!minimal) {
        opsgenie_details(body, a, v, &ok);
        action_add_str(body, "entity", *v->asset ? v->asset : "truthound", &ok);
    }
    action_add_str(body, "source", "truthound", &ok);
    ok = ok && message && (minimal || description);
    free(message);
    free(description);
    if (!ok) {
        cJSON_Delete(body);
        return NULL;
    }
    return body;
}

/* close or acknowledge: the alias goes into the path, percent-encoded (truthound does
 * not encode it, so a "/" in the data asset breaks the URL). */
static char *opsgenie_alias_url(const char *base, const char *alias, const char *verb)
{
    char *escaped = curl_easy_escape(NULL, alias, 0);
    if (!escaped)
        return NULL;
    char *url = dq_asprintf("%s/v2/alerts/%s/%s?identifierType=alias", base, escaped, verb);
    curl_free(escaped);
    return url;
}

dq_code render_opsgenie(const dq_action_config *a, const action_view *v,
                        const dq_render_context *ctx, dq_request_list *out, dq_error *err)
{
    (void)ctx;
    char *alias = action_key_template(
        dq_setting_str(a, "alias_template", "truthound_{checkpoint}_{data_asset}"), v, err);
    if (!alias)
        return err->code ? err->code : DQ_ENOMEM;
    action_cut_chars(alias, 512);
    const char *region = dq_setting_str(a, "region", "us");
    const char *base = dq_setting_str(a, "api_base_url",
                                      strcmp(region, "eu") == 0 ? "https://api.eu.opsgenie.com"
                                                                : "https://api.opsgenie.com");
    const char *event = "create";
    if (strcmp(v->status, "success") == 0 && dq_setting_bool(a, "close_on_success", true))
        event = "close";
    else if (strcmp(v->status, "warning") == 0 &&
             dq_setting_bool(a, "acknowledge_on_warning", false))
        event = "acknowledge";
    cJSON *body = NULL;
    char *url = NULL;
    bool ok = true;
    if (strcmp(event, "create") == 0) {
        body = opsgenie_create(a, v, alias);
        url = dq_asprintf("%s/v2/alerts", base);
    } else {
        char note[128];
        snprintf(note, sizeof note, "Validation %s at %s",
                 strcmp(event, "close") == 0 ? "succeeded" : "warning", v->run_time_iso);
        body = cJSON_CreateObject();
        action_add_str(body, "source", dq_setting_str(a, "source", "truthound"), &ok);
        action_add_str(body, "user", "truthound", &ok);
        action_add_str(body, "note", note, &ok);
        url = opsgenie_alias_url(base, alias, event);
    }
    const char *key = dq_setting_str(a, "api_key", "");
    char *auth = dq_asprintf("Authorization: GenieKey %s", key);
    const char *headers[] = {auth, "Content-Type: application/json", "User-Agent: Truthound/1.0",
                             NULL};
    dq_request *req = NULL;
    dq_code rc = body && ok && url && auth
                     ? action_http_json(out, a, v->r, DQ_PROVIDER_OPSGENIE, event, "POST", url,
                                        body, headers, &req)
                     : DQ_ENOMEM;
    if (!rc) {
        /* OpsGenie limits per account (API key) and domain. */
        rc = action_set_destination(req, "%s#%s", base, key);
        if (!rc)
            rc = action_add_secret(req, key);
    }
    free(auth);
    free(url);
    free(alias);
    cJSON_Delete(body);
    return rc;
}
