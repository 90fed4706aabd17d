/* What every renderer shares: the result's view, request building, the type table. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "actions_internal.h"

#define BODY_MAX ((size_t)64 << 20)

/* ---- request lists ----------------------------------------------------------------- */

dq_code dq_request_list_push(dq_request_list *list, dq_request **out)
{
    dq_request *grown = dq_array_grow(list->items, list->len, &list->cap, sizeof *grown, 4);
    if (!grown)
        return DQ_ENOMEM;
    list->items = grown;
    *out = &list->items[list->len++];
    dq_request_init(*out);
    return DQ_OK;
}

void dq_request_list_free(dq_request_list *list)
{
    for (size_t i = 0; i < list->len; i++)
        dq_request_free(&list->items[i]);
    free(list->items);
    memset(list, 0, sizeof *list);
}

/* ---- the view ---------------------------------------------------------------------- */

void action_int_text(long long n, char *out, size_t size)
{
    snprintf(out, size, "%lld", n);
}

void action_thousands(long long n, char *out, size_t size)
{
    char digits[32];
    snprintf(digits, sizeof digits, "%lld", n < 0 ? -n : n);
    size_t len = strlen(digits), o = 0;
    if (n < 0 && o + 1 < size)
        out[o++] = '-';
    for (size_t i = 0; i < len && o + 1 < size; i++) {
        if (i && (len - i) % 3 == 0 && o + 1 < size)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
}

void action_view_init(action_view *v, const dq_result *r)
{
    memset(v, 0, sizeof *v);
    v->r = r;
    v->checkpoint = r->checkpoint_name ? r->checkpoint_name : "";
    v->run_id = r->run_id ? r->run_id : "";
    v->asset = r->data_asset ? r->data_asset : "";
    v->status = dq_status_name(r->status);
    size_t i = 0;
    for (; v->status[i] && i + 1 < sizeof v->status_upper; i++)
        v->status_upper[i] = (char)toupper((unsigned char)v->status[i]);
    v->status_upper[i] = '\0';
    v->has_stats = r->stats.origin != DQ_STATS_NONE;
    v->pass_rate = 1.0;
    if (v->has_stats) {
        v->total = r->stats.total_issues;
        v->critical = r->stats.critical_issues;
        v->high = r->stats.high_issues;
        v->medium = r->stats.medium_issues;
        v->low = r->stats.low_issues;
        v->rows = r->stats.total_rows;
        v->columns = r->stats.total_columns;
        v->pass_rate = r->stats.pass_rate;
    }
    snprintf(v->pass_percent, sizeof v->pass_percent, "%.1f%%", v->pass_rate * 100);
    dq_time_format(r->run_time, "%Y-%m-%d %H:%M:%S", v->run_time, sizeof v->run_time);
    v->run_time_iso = r->run_time_text ? r->run_time_text : "";
    long long numbers[6] = {v->total, v->critical, v->high, v->medium, v->low, v->rows};
    for (int k = 0; k < 6; k++)
        action_int_text(numbers[k], v->numbers[k], sizeof v->numbers[k]);
}

static bool field_is(const char *name, size_t len, const char *want)
{
    return strlen(want) == len && memcmp(name, want, len) == 0;
}

const char *action_view_field(void *ctx, const char *name, size_t len)
{
    const action_view *v = ctx;
    if (field_is(name, len, "checkpoint"))
        return v->checkpoint;
    if (field_is(name, len, "status"))
        return v->status_upper;
    if (field_is(name, len, "run_id"))
        return v->run_id;
    if (field_is(name, len, "data_asset"))
        return v->asset;
    if (field_is(name, len, "total_issues"))
        return v->numbers[0];
    if (field_is(name, len, "emoji"))
        return ""; /* truthound's Telegram emoji map is empty */
    return NULL;
}

static const char *key_field(void *ctx, const char *name, size_t len)
{
    const action_view *v = ctx;
    if (field_is(name, len, "checkpoint"))
        return v->checkpoint;
    if (field_is(name, len, "data_asset"))
        return v->asset;
    if (field_is(name, len, "run_id"))
        return v->run_id;
    return NULL;
}

char *action_format(const char *tmpl, dq_format_lookup lookup, const action_view *v, size_t max,
                    dq_error *err)
{
    dq_buf b;
    dq_buf_init(&b, max);
    if (dq_format_named(tmpl, lookup, (void *)v, &b, err)) {
        dq_buf_free(&b);
        return NULL;
    }
    return dq_buf_steal(&b);
}

char *action_key_template(const char *tmpl, const action_view *v, dq_error *err)
{
    return action_format(tmpl, key_field, v, 1 << 16, err);
}

/* ---- errors and requests ----------------------------------------------------------- */

dq_code action_fail(dq_error *err, const dq_action_config *a, const dq_result *r, dq_code code,
                    const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return dq_fail(err, code, "action %s, run %s: %s", a->name, r->run_id ? r->run_id : "?", what);
}

void action_title_case(char *name)
{
    bool start = true;
    for (char *p = name; *p; p++) {
        *p = (char)(start ? toupper((unsigned char)*p) : tolower((unsigned char)*p));
        start = *p == '-';
    }
}

dq_code action_add_header(dq_request *req, const char *name, const char *value)
{
    char *line = dq_asprintf("%s: %s", name, value);
    if (!line)
        return DQ_ENOMEM;
    char *colon = strchr(line, ':');
    *colon = '\0';
    action_title_case(line);
    *colon = ':';
    dq_code rc = dq_strlist_add(&req->headers, line);
    free(line);
    return rc;
}

/* Path segments of a webhook URL that carry its token: mixed case, digits, or long. */
static bool segment_secret(const char *seg, size_t len)
{
    static const char *const words[] = {"services",    "webhooks", "webhookb2", "IncomingWebhook",
                                        "sendMessage", "enqueue",  "alerts",    NULL};
    for (size_t i = 0; words[i]; i++)
        if (strlen(words[i]) == len && memcmp(words[i], seg, len) == 0)
            return false;
    bool upper = false, digit = false;
    for (size_t i = 0; i < len; i++) {
        upper = upper || (seg[i] >= 'A' && seg[i] <= 'Z');
        digit = digit || (seg[i] >= '0' && seg[i] <= '9');
    }
    return len >= 6 && (upper || digit || len >= 20);
}

dq_code action_add_url_secrets(dq_request *req, const char *url)
{
    const char *p = strstr(url, "://");
    p = p ? strchr(p + 3, '/') : NULL;
    while (p && *p) {
        p++;
        size_t len = strcspn(p, "/?#");
        if (segment_secret(p, len)) {
            char *seg = dq_strndup(p, len);
            dq_code rc = seg ? dq_strlist_add(&req->secrets, seg) : DQ_ENOMEM;
            free(seg);
            if (rc)
                return rc;
        }
        p += len;
        if (*p != '/')
            break;
    }
    return DQ_OK;
}

dq_code action_add_secret(dq_request *req, const char *secret)
{
    if (!secret || !*secret)
        return DQ_OK;
    return dq_strlist_add(&req->secrets, secret);
}

static char *destination_label(dq_provider provider, dq_request_kind kind, const char *url)
{
    if (kind == DQ_REQUEST_EXEC)
        return dq_asprintf("%s:command", dq_provider_name(provider));
    char *safe = dq_redact_url(url ? url : "");
    if (!safe)
        return NULL;
    char *label = dq_asprintf("%s:%s", dq_provider_name(provider), safe);
    free(safe);
    return label;
}

dq_code action_request(dq_request_list *out, const dq_action_config *a, const dq_result *r,
                       dq_request_kind kind, dq_provider provider, const char *destination,
                       const char *event, dq_request **req)
{
    dq_request *q;
    if (dq_request_list_push(out, &q))
        return DQ_ENOMEM;
    q->kind = kind;
    q->provider = provider;
    q->action = dq_strdup(a->name);
    q->destination = dq_strdup(destination);
    q->idempotency_key = dq_asprintf("%s:%s:%s", a->name, r->run_id ? r->run_id : "", event);
    q->timeout_seconds = a->timeout_seconds;
    q->retry_count = a->retry_count;
    q->retry_delay_seconds = a->retry_delay_seconds;
    if (a->rate_set)
        q->rate = a->rate;
    else
        dq_provider_default_rate(provider, &q->rate, &q->max_in_flight);
    if (a->max_in_flight)
        q->max_in_flight = a->max_in_flight;
    *req = q;
    return q->action && q->destination && q->idempotency_key ? DQ_OK : DQ_ENOMEM;
}

dq_code action_http_json(dq_request_list *out, const dq_action_config *a, const dq_result *r,
                         dq_provider provider, const char *event, const char *method,
                         const char *url, const cJSON *body, const char *const *headers,
                         dq_request **req)
{
    dq_request *q;
    if (action_request(out, a, r, DQ_REQUEST_HTTP, provider, url, event, &q))
        return DQ_ENOMEM;
    q->method = dq_strdup(method);
    q->url = dq_strdup(url);
    q->destination_label = destination_label(provider, q->kind, url);
    if (!q->method || !q->url || !q->destination_label)
        return DQ_ENOMEM;
    for (size_t i = 0; headers && headers[i]; i++)
        if (dq_strlist_add(&q->headers, headers[i]))
            return DQ_ENOMEM;
    if (body) {
        dq_buf b;
        dq_buf_init(&b, BODY_MAX);
        dq_code rc = dq_py_json(body, &b);
        if (rc) {
            dq_buf_free(&b);
            return rc;
        }
        q->body_len = b.len;
        q->body = dq_buf_steal(&b);
    }
    *req = q;
    return DQ_OK;
}

/* ---- shared texts ------------------------------------------------------------------ */

static const char base64_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

dq_code action_base64(dq_buf *out, const char *s, size_t line_length)
{
    size_t n = strlen(s), col = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)(unsigned char)s[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)(unsigned char)s[i + 1] << 8;
        if (i + 2 < n)
            v |= (unsigned char)s[i + 2];
        char q[4] = {base64_chars[(v >> 18) & 63], base64_chars[(v >> 12) & 63],
                     i + 1 < n ? base64_chars[(v >> 6) & 63] : '=',
                     i + 2 < n ? base64_chars[v & 63] : '='};
        if (dq_buf_add(out, q, 4))
            return DQ_ETOOBIG;
        col += 4;
        if (line_length && col >= line_length && i + 3 < n) {
            if (dq_buf_adds(out, "\r\n"))
                return DQ_ETOOBIG;
            col = 0;
        }
    }
    return DQ_OK;
}

const char *action_status_color(const char *status)
{
    if (strcmp(status, "success") == 0)
        return "#28a745";
    if (strcmp(status, "failure") == 0 || strcmp(status, "error") == 0)
        return "#dc3545";
    return strcmp(status, "warning") == 0 ? "#ffc107" : "#6c757d";
}

const char *action_status_emoji(const char *status, const char *other)
{
    if (strcmp(status, "success") == 0)
        return ":white_check_mark:";
    if (strcmp(status, "failure") == 0)
        return ":x:";
    if (strcmp(status, "error") == 0)
        return ":exclamation:";
    return strcmp(status, "warning") == 0 ? ":warning:" : other;
}

dq_code action_set_destination(dq_request *req, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dq_buf b;
    dq_buf_init(&b, 1 << 16);
    dq_code rc = dq_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    char *text = rc ? NULL : dq_buf_steal(&b);
    dq_buf_free(&b);
    if (!text)
        return DQ_ENOMEM;
    free(req->destination);
    req->destination = text;
    return DQ_OK;
}

/* ---- cJSON builders ---------------------------------------------------------------- */

static cJSON *added(cJSON *item, bool *ok)
{
    if (!item)
        *ok = false;
    return item;
}

cJSON *action_add_str(cJSON *obj, const char *key, const char *value, bool *ok)
{
    return added(obj ? cJSON_AddStringToObject(obj, key, value ? value : "") : NULL, ok);
}

cJSON *action_add_num(cJSON *obj, const char *key, double value, bool *ok)
{
    return added(obj ? cJSON_AddNumberToObject(obj, key, value) : NULL, ok);
}

cJSON *action_add_bool(cJSON *obj, const char *key, bool value, bool *ok)
{
    return added(obj ? cJSON_AddBoolToObject(obj, key, value) : NULL, ok);
}

cJSON *action_add_obj(cJSON *obj, const char *key, bool *ok)
{
    return added(obj ? cJSON_AddObjectToObject(obj, key) : NULL, ok);
}

cJSON *action_add_arr(cJSON *obj, const char *key, bool *ok)
{
    return added(obj ? cJSON_AddArrayToObject(obj, key) : NULL, ok);
}

cJSON *action_push_obj(cJSON *arr, bool *ok)
{
    cJSON *item = cJSON_CreateObject();
    if (!item || !arr || !cJSON_AddItemToArray(arr, item)) {
        cJSON_Delete(item);
        *ok = false;
        return NULL;
    }
    return item;
}

void action_push_str(cJSON *arr, const char *value, bool *ok)
{
    cJSON *item = cJSON_CreateString(value ? value : "");
    if (!item || !arr || !cJSON_AddItemToArray(arr, item)) {
        cJSON_Delete(item);
        *ok = false;
    }
}

const char *action_str(const cJSON *obj, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, key));
}

/* ---- result placeholders in templates ---------------------------------------------- */

static dq_code template_value(const action_view *v, const char *name, size_t len, char *buf,
                              size_t size, const char **out)
{
    static const char *const counts[] = {"total_issues", "critical_issues", "high_issues",
                                         "medium_issues", "low_issues"};
    *out = NULL;
    if (field_is(name, len, "status"))
        *out = v->status;
    else if (field_is(name, len, "checkpoint"))
        *out = v->checkpoint;
    else if (field_is(name, len, "run_id"))
        *out = v->run_id;
    else if (field_is(name, len, "data_asset"))
        *out = v->asset;
    else if (field_is(name, len, "run_time"))
        *out = v->run_time_iso;
    else if (field_is(name, len, "duration_ms")) {
        dq_py_float_repr(v->r->duration_ms, buf, size);
        *out = buf;
    }
    for (int i = 0; i < 5; i++)
        if (field_is(name, len, counts[i]))
            *out = v->numbers[i];
    return DQ_OK;
}

typedef struct fill_context {
    const action_view *view;
    const char *pass_rate;
} fill_context;

/* A result field the renderer knows is filled in; any other ${...} stays as written. */
static dq_code fill_field(void *ctx, const char *name, size_t len, dq_buf *out, bool *keep,
                          dq_error *err)
{
    (void)err;
    const fill_context *f = ctx;
    char buf[48];
    const char *value = NULL;
    if (field_is(name, len, "pass_rate"))
        value = f->pass_rate;
    else
        template_value(f->view, name, len, buf, sizeof buf, &value);
    *keep = value == NULL;
    return value ? dq_buf_adds(out, value) : DQ_OK;
}

static dq_code fill_string(cJSON *node, const action_view *v, const char *pass_rate, dq_error *err)
{
    dq_buf b;
    dq_buf_init(&b, BODY_MAX);
    fill_context ctx = {v, pass_rate};
    if (dq_placeholders_expand(node->valuestring, fill_field, &ctx, &b, err)) {
        dq_buf_free(&b);
        return dq_fail(err, DQ_ETOOBIG, "template too large");
    }
    char *text = dq_buf_steal(&b);
    bool ok = text && cJSON_SetValuestring(node, text);
    free(text);
    return ok ? DQ_OK : dq_fail(err, DQ_ENOMEM, "out of memory");
}

static dq_code fill_tree(cJSON *tree, const action_view *v, const char *pass_rate, dq_error *err)
{
    if (cJSON_IsString(tree))
        return strstr(tree->valuestring, "${") ? fill_string(tree, v, pass_rate, err) : DQ_OK;
    for (cJSON *c = tree ? tree->child : NULL; c; c = c->next) {
        dq_code rc = fill_tree(c, v, pass_rate, err);
        if (rc)
            return rc;
    }
    return DQ_OK;
}

dq_code action_fill_template(cJSON *tree, const action_view *v, bool pass_rate_percent,
                             dq_error *err)
{
    /* Webhook's ${pass_rate} is str(fraction); Teams' is "%.1f" of the percentage. */
    char pass_rate[48];
    if (pass_rate_percent)
        snprintf(pass_rate, sizeof pass_rate, "%.1f", v->pass_rate * 100);
    else
        dq_py_float_repr(v->pass_rate, pass_rate, sizeof pass_rate);
    return fill_tree(tree, v, pass_rate, err);
}

static void drop_issue_results(cJSON *issues)
{
    cJSON *issue;
    cJSON_ArrayForEach(issue, issues)
    {
        cJSON_DeleteItemFromObjectCaseSensitive(issue, "result");
    }
}

cJSON *action_result_dict(const dq_result *r)
{
    cJSON *copy = cJSON_Duplicate(r->doc, true);
    if (!copy)
        return NULL;
    cJSON_DeleteItemFromObjectCaseSensitive(copy, "validation_result");
    cJSON *run = cJSON_GetObjectItemCaseSensitive(copy, "validation_run");
    drop_issue_results(cJSON_GetObjectItemCaseSensitive(run, "issues"));
    cJSON *check;
    cJSON_ArrayForEach(check, cJSON_GetObjectItemCaseSensitive(run, "checks"))
    {
        drop_issue_results(cJSON_GetObjectItemCaseSensitive(check, "issues"));
    }
    return copy;
}

void action_cut_chars(char *s, size_t n)
{
    size_t chars = 0;
    for (char *p = s; *p; p++) {
        if (((unsigned char)*p & 0xc0) == 0x80)
            continue;
        if (chars++ == n) {
            *p = '\0';
            return;
        }
    }
}

typedef struct issue_ref {
    const cJSON *node;
    int rank;
    size_t index;
} issue_ref;

static int severity_rank(const cJSON *issue)
{
    static const char *const order[] = {"critical", "high", "medium", "low"};
    const char *s = action_str(issue, "severity");
    for (int i = 0; s && i < 4; i++)
        if (strcmp(s, order[i]) == 0)
            return i;
    return 4;
}

static const char *issue_text(const cJSON *issue, const char *key)
{
    const char *s = action_str(issue, key);
    return s ? s : "";
}

static int issue_compare(const void *x, const void *y)
{
    const issue_ref *a = x, *b = y;
    if (a->rank != b->rank)
        return a->rank - b->rank;
    int c = strcmp(issue_text(a->node, "column"), issue_text(b->node, "column"));
    if (!c)
        c = strcmp(issue_text(a->node, "issue_type"), issue_text(b->node, "issue_type"));
    return c ? c : (a->index > b->index) - (a->index < b->index);
}

const cJSON **action_sorted_issues(const dq_result *r, size_t *count)
{
    *count = (size_t)cJSON_GetArraySize(r->issues);
    if (!*count)
        return NULL;
    issue_ref *refs = calloc(*count, sizeof *refs);
    const cJSON **out = calloc(*count, sizeof *out);
    if (!refs || !out) {
        free(refs);
        free(out);
        *count = 0;
        return NULL;
    }
    size_t i = 0;
    const cJSON *issue;
    cJSON_ArrayForEach(issue, r->issues)
    {
        refs[i] = (issue_ref){issue, severity_rank(issue), i};
        i++;
    }
    qsort(refs, *count, sizeof *refs, issue_compare);
    for (i = 0; i < *count; i++)
        out[i] = refs[i].node;
    free(refs);
    return out;
}

/* ---- applying and rendering -------------------------------------------------------- */

dq_applies dq_action_applies(const dq_action_config *a, const dq_result *r)
{
    const char *checkpoint = r->checkpoint_name ? r->checkpoint_name : "";
    if (a->checkpoint && strcmp(a->checkpoint, checkpoint) != 0)
        return DQ_APPLIES_OTHER_CHECKPOINT;
    if (!a->enabled)
        return DQ_APPLIES_DISABLED;
    if (a->match_checkpoint && !dq_glob_match(a->match_checkpoint, checkpoint))
        return DQ_APPLIES_NO_MATCH;
    if (a->match_asset && !dq_glob_match(a->match_asset, r->data_asset ? r->data_asset : ""))
        return DQ_APPLIES_NO_MATCH;
    if (a->match_statuses && !(a->match_statuses & (1u << r->status)))
        return DQ_APPLIES_NO_MATCH;
    if (!dq_notify_on_matches(a->notify_on, dq_status_name(r->status)))
        return DQ_APPLIES_NOTIFY_ON;
    return DQ_APPLIES_YES;
}

static dq_code render_update_docs(const dq_action_config *a, const action_view *v,
                                  const dq_render_context *ctx, dq_request_list *out, dq_error *err)
{
    (void)a, (void)v, (void)ctx, (void)out, (void)err;
    return DQ_OK; /* the site is built by the docs module in the same pass (dqbatch run) */
}

static dq_code render_with(const dq_action_config *a, const dq_result *r,
                           const dq_render_context *ctx, const char *digest_text,
                           dq_request_list *out, dq_error *err)
{
    static const action_renderer renderers[DQ_ACTION_TYPE_COUNT] = {
        [DQ_ACTION_STORE_RESULT] = render_store_result,
        [DQ_ACTION_UPDATE_DOCS] = render_update_docs,
        [DQ_ACTION_SLACK] = render_slack,
        [DQ_ACTION_EMAIL] = render_email,
        [DQ_ACTION_TEAMS] = render_teams,
        [DQ_ACTION_DISCORD] = render_discord,
        [DQ_ACTION_TELEGRAM] = render_telegram,
        [DQ_ACTION_PAGERDUTY] = render_pagerduty,
        [DQ_ACTION_OPSGENIE] = render_opsgenie,
        [DQ_ACTION_WEBHOOK] = render_webhook,
        [DQ_ACTION_GITHUB] = render_github,
        [DQ_ACTION_CUSTOM] = render_custom,
    };
    action_view v;
    action_view_init(&v, r);
    v.digest_text = digest_text;
    dq_error_clear(err);
    size_t before = out->len;
    dq_code rc = renderers[a->type](a, &v, ctx, out, err);
    /* A label is shown: nothing the request keeps secret may appear in it. */
    for (size_t i = before; !rc && i < out->len; i++) {
        dq_request *q = &out->items[i];
        char *safe = q->destination_label ? dq_redact(q->destination_label, &q->secrets) : NULL;
        if (q->destination_label && !safe)
            rc = DQ_ENOMEM;
        free(q->destination_label);
        q->destination_label = safe;
    }
    if (rc) {
        /* Nothing half-made leaves the renderer. */
        while (out->len > before)
            dq_request_free(&out->items[--out->len]);
        if (rc == DQ_ENOMEM)
            return action_fail(err, a, r, rc, "out of memory");
        if (!strstr(err->msg, "action "))
            return action_fail(err, a, r, rc, "%s", err->msg);
    }
    return rc;
}

dq_code dq_action_render(const dq_action_config *a, const dq_result *r,
                         const dq_render_context *ctx, dq_request_list *out, dq_error *err)
{
    return render_with(a, r, ctx, NULL, out, err);
}

dq_code action_render_digest(const dq_action_config *a, const dq_result *r,
                             const dq_render_context *ctx, const char *digest_text,
                             dq_request_list *out, dq_error *err)
{
    return render_with(a, r, ctx, digest_text, out, err);
}

void dq_render_context_from_env(dq_render_context *ctx)
{
    memset(ctx, 0, sizeof *ctx);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ctx->now_utc = (dq_time)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
    ctx->github_output = getenv("GITHUB_OUTPUT");
    ctx->github_step_summary = getenv("GITHUB_STEP_SUMMARY");
    ctx->github_sha = getenv("GITHUB_SHA");
    ctx->github_token = getenv("GITHUB_TOKEN");
    ctx->github_repository = getenv("GITHUB_REPOSITORY");
    ctx->github_api_url = getenv("GITHUB_API_URL");
    ctx->aws_access_key_id = getenv("AWS_ACCESS_KEY_ID");
    ctx->aws_secret_access_key = getenv("AWS_SECRET_ACCESS_KEY");
    ctx->aws_region = getenv("AWS_REGION") ? getenv("AWS_REGION") : getenv("AWS_DEFAULT_REGION");
    ctx->aws_session_token = getenv("AWS_SESSION_TOKEN");
    ctx->nonce = dq_hash64(&ts, sizeof ts, (uint64_t)getpid());
    ctx->hostname = "dqbatch.localhost";
}
