/* Generic webhook (spec 3.8) and store_result, which writes the stored document back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "actions_internal.h"

static cJSON *webhook_default_body(const dq_action_config *a, const action_view *v, bool *ok)
{
    cJSON *body = cJSON_CreateObject();
    if (!body)
        *ok = false;
    action_add_str(body, "event", "validation_completed", ok);
    action_add_str(body, "checkpoint", v->checkpoint, ok);
    action_add_str(body, "run_id", v->run_id, ok);
    action_add_str(body, "status", v->status, ok);
    action_add_str(body, "run_time", v->run_time_iso, ok);
    if (v->r->data_asset)
        action_add_str(body, "data_asset", v->asset, ok);
    else if (body && !cJSON_AddNullToObject(body, "data_asset"))
        *ok = false;
    cJSON *summary = action_add_obj(body, "summary", ok);
    action_add_num(summary, "total_issues", (double)v->total, ok);
    action_add_num(summary, "critical_issues", (double)v->critical, ok);
    action_add_num(summary, "high_issues", (double)v->high, ok);
    action_add_num(summary, "medium_issues", (double)v->medium, ok);
    action_add_num(summary, "low_issues", (double)v->low, ok);
    cJSON *rate = dq_py_float(v->pass_rate);
    if (!rate || !summary || !cJSON_AddItemToObject(summary, "pass_rate", rate)) {
        cJSON_Delete(rate);
        *ok = false;
    }
    if (dq_setting_bool(a, "include_full_result", true)) {
        cJSON *full = action_result_dict(v->r);
        if (!full || !body || !cJSON_AddItemToObject(body, "full_result", full)) {
            cJSON_Delete(full);
            *ok = false;
        }
    }
    return body;
}

/* Sets name in an ordered header map, keeping the position of a header it replaces
 * (dict.update); names compare without case, as HTTP's do. */
static bool header_set(cJSON *map, const char *name, const char *value)
{
    cJSON *v = cJSON_CreateString(value ? value : "");
    if (!v)
        return false;
    for (cJSON *c = map->child; c; c = c->next)
        if (strcasecmp(c->string, name) == 0)
            return cJSON_ReplaceItemInObjectCaseSensitive(map, c->string, v)
                       ? true
                       : (cJSON_Delete(v), false);
    return cJSON_AddItemToObject(map, name, v) ? true : (cJSON_Delete(v), false);
}

/* The auth header of auth_type, and the secrets it carries. */
static dq_code webhook_auth(dq_request *req, cJSON *map, const dq_action_config *a)
{
    const cJSON *cred = dq_setting(a, "auth_credentials");
    const char *auth = dq_setting_str(a, "auth_type", "none");
    const char *user_name = cJSON_GetStringValue(cJSON_GetObjectItem(cred, "username"));
    const char *password = cJSON_GetStringValue(cJSON_GetObjectItem(cred, "password"));
    const char *token = cJSON_GetStringValue(cJSON_GetObjectItem(cred, "token"));
    const char *key = cJSON_GetStringValue(cJSON_GetObjectItem(cred, "key"));
    const char *header = cJSON_GetStringValue(cJSON_GetObjectItem(cred, "header"));
    char *value = NULL;
    const char *secret = NULL;
    if (strcmp(auth, "basic") == 0) {
        char *pair = dq_asprintf("%s:%s", user_name ? user_name : "", password ? password : "");
        dq_buf b;
        dq_buf_init(&b, 1 << 16);
        bool encoded = pair && !dq_buf_adds(&b, "Basic ") && !action_base64(&b, pair, 0);
        value = encoded ? dq_buf_steal(&b) : NULL;
        dq_buf_free(&b);
        free(pair);
        secret = password;
    } else if (strcmp(auth, "bearer") == 0) {
        value = dq_asprintf("Bearer %s", token ? token : "");
        secret = token;
    } else if (strcmp(auth, "api_key") == 0) {
        value = dq_strdup(key ? key : "");
        secret = key;
    } else {
        return DQ_OK;
    }
    bool ok = value && header_set(map,
                                  strcmp(auth, "api_key") == 0 && header ? header
                                  : strcmp(auth, "api_key") == 0         ? "X-API-Key"
                                                                         : "Authorization",
                                  value);
    dq_code rc = ok ? action_add_secret(req, secret) : DQ_ENOMEM;
    if (!rc && strcmp(auth, "basic") == 0)
        rc = action_add_secret(req, value + 6); /* the base64 form */
    free(value);
    return rc;
}

/* Headers in urllib's order: ours, then the user's (which may replace ours), then auth. */
static dq_code webhook_headers(dq_request *req, const dq_action_config *a)
{
    cJSON *map = cJSON_CreateObject();
    bool ok = map && header_set(map, "Content-Type", "application/json") &&
              header_set(map, "User-Agent", "Truthound/1.0");
    const cJSON *h;
    cJSON_ArrayForEach(h, dq_setting(a, "headers"))
    {
        ok = ok && header_set(map, h->string, h->valuestring);
    }
    dq_code rc = ok ? webhook_auth(req, map, a) : DQ_ENOMEM;
    for (const cJSON *c = map ? map->child : NULL; !rc && c; c = c->next)
        rc = action_add_header(req, c->string, c->valuestring);
    cJSON_Delete(map);
    return rc;
}

dq_code render_webhook(const dq_action_config *a, const action_view *v,
                       const dq_render_context *ctx, dq_request_list *out, dq_error *err)
{
    (void)ctx;
    bool ok = true;
    cJSON *body = NULL;
    const cJSON *tmpl = dq_setting(a, "payload_template");
    /* An empty template is falsy in truthound: the default body is used. */
    if (tmpl && !(cJSON_IsObject(tmpl) && !tmpl->child) && !(cJSON_IsArray(tmpl) && !tmpl->child)) {
        body = cJSON_Duplicate(tmpl, true);
        dq_code rc = body ? action_fill_template(body, v, false, err) : DQ_ENOMEM;
        if (rc) {
            cJSON_Delete(body);
            return rc;
        }
    } else {
        body = webhook_default_body(a, v, &ok);
    }
    const char *url = dq_setting_str(a, "url", "");
    dq_request *req = NULL;
    dq_code rc = ok && body
                     ? action_http_json(out, a, v->r, DQ_PROVIDER_GENERIC, "webhook",
                                        dq_setting_str(a, "method", "POST"), url, body, NULL, &req)
                     : DQ_ENOMEM;
    cJSON_Delete(body);
    if (rc)
        return rc;
    req->ssl_verify = dq_setting_bool(a, "ssl_verify", true);
    const cJSON *codes = dq_setting(a, "success_codes");
    int count = cJSON_GetArraySize(codes);
    if (count > 0) {
        req->success_codes = calloc((size_t)count, sizeof *req->success_codes);
        if (!req->success_codes)
            return DQ_ENOMEM;
        const cJSON *c;
        cJSON_ArrayForEach(c, codes)
        {
            req->success_codes[req->success_code_count++] = (long)c->valuedouble;
        }
    } else {
        static const long defaults[] = {200, 201, 202, 204};
        req->success_codes = malloc(sizeof defaults);
        if (!req->success_codes)
            return DQ_ENOMEM;
        memcpy(req->success_codes, defaults, sizeof defaults);
        req->success_code_count = 4;
    }
    return webhook_headers(req, a);
}
