/* Loading a config: which form it is, the common settings of each action, the type's
 * own settings checked against its schema, and every problem reported with its line. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_internal.h"

#define CONFIG_MAX_BYTES ((size_t)16 << 20)

static const char *const type_names[DQ_ACTION_TYPE_COUNT] = {
    "store_result", "update_docs", "slack",    "email",   "teams",  "discord",
    "telegram",     "pagerduty",   "opsgenie", "webhook", "github", "custom",
};
static const char *const type_truthound[DQ_ACTION_TYPE_COUNT] = {
    "store_result",
    "update_docs",
    "slack_notification",
    "email_notification",
    "teams_notification",
    "discord_notification",
    "telegram_notification",
    "pagerduty",
    "opsgenie",
    "webhook",
    "github_action",
    "custom",
};
static const char *const notify_names[] = {"always",  "success",          "failure",    "error",
                                           "warning", "failure_or_error", "not_success"};
static const char *const status_names[] = {"success", "failure", "warning",
                                           "error",   "running", "pending"};

const char *dq_action_type_name(dq_action_type type)
{
    return type_names[type];
}

const char *dq_action_type_truthound(dq_action_type type)
{
    return type_truthound[type];
}

dq_code dq_action_type_parse(const char *name, dq_action_type *out)
{
    for (int i = 0; i < DQ_ACTION_TYPE_COUNT; i++)
        if (strcmp(name, type_names[i]) == 0 || strcmp(name, type_truthound[i]) == 0) {
            *out = (dq_action_type)i;
            return DQ_OK;
        }
    return DQ_ECONFIG;
}

const char *dq_notify_on_name(dq_notify_on cond)
{
    return notify_names[cond];
}

dq_code dq_notify_on_parse(const char *name, dq_notify_on *out)
{
    for (size_t i = 0; i < sizeof notify_names / sizeof *notify_names; i++)
        if (strcasecmp(name, notify_names[i]) == 0) {
            *out = (dq_notify_on)i;
            return DQ_OK;
        }
    return DQ_ECONFIG;
}

dq_notify_on dq_notify_on_default(dq_action_type type)
{
    switch (type) {
    case DQ_ACTION_SLACK:
    case DQ_ACTION_EMAIL:
    case DQ_ACTION_TEAMS:
    case DQ_ACTION_DISCORD:
    case DQ_ACTION_TELEGRAM:
        return DQ_NOTIFY_FAILURE;
    case DQ_ACTION_PAGERDUTY:
    case DQ_ACTION_OPSGENIE:
        return DQ_NOTIFY_FAILURE_OR_ERROR;
    default:
        return DQ_NOTIFY_ALWAYS;
    }
}

bool dq_notify_on_matches(dq_notify_on cond, const char *status)
{
    switch (cond) {
    case DQ_NOTIFY_ALWAYS:
        return true;
    case DQ_NOTIFY_SUCCESS:
        return strcmp(status, "success") == 0;
    case DQ_NOTIFY_FAILURE:
        return strcmp(status, "failure") == 0;
    case DQ_NOTIFY_ERROR:
        return strcmp(status, "error") == 0;
    case DQ_NOTIFY_WARNING:
        return strcmp(status, "warning") == 0;
    case DQ_NOTIFY_FAILURE_OR_ERROR:
        return strcmp(status, "failure") == 0 || strcmp(status, "error") == 0;
    case DQ_NOTIFY_NOT_SUCCESS:
        return strcmp(status, "failure") == 0 || strcmp(status, "error") == 0 ||
               strcmp(status, "warning") == 0;
    }
    return false;
}

/* ---- problems ---------------------------------------------------------------------- */

typedef struct config_loader {
    const char *name;
    config_tree tree;
    dq_config *config;
    dq_strlist *problems;
    size_t problem_count;
    char first[1024];
    bool out_of_memory;
} config_loader;

dq_code config_note_failure(dq_strlist *problems, const dq_error *err, dq_code rc)
{
    if (problems && dq_strlist_add(problems, err->msg))
        return DQ_ENOMEM;
    return rc;
}

dq_code config_problems_fail(dq_error *err, const char *first, size_t count)
{
    if (count == 1)
        return dq_fail(err, DQ_ECONFIG, "%s", first);
    return dq_fail(err, DQ_ECONFIG, "%s (and %zu more problems)", first, count - 1);
}

dq_code config_file_read(const char *path, size_t max, dq_buf *text, dq_strlist *problems,
                         dq_error *err)
{
    dq_buf_init(text, max);
    dq_code rc = dq_file_read(path, max, text, err);
    if (rc == DQ_OK)
        return DQ_OK;
    dq_buf_free(text);
    rc = config_note_failure(problems, err, rc);
    return rc == DQ_ENOMEM ? rc : DQ_ECONFIG;
}

static void loader_vreport(config_loader *l, const cJSON *node, const char *key, const char *fmt,
                           va_list ap)
{
    char what[400];
    char line[640];
    vsnprintf(what, sizeof what, fmt, ap);
    int n = config_tree_line(&l->tree, node);
    if (key)
        snprintf(line, sizeof line, "%s:%d: %s: %s", l->name, n, key, what);
    else
        snprintf(line, sizeof line, "%s:%d: %s", l->name, n, what);
    if (l->problem_count++ == 0)
        snprintf(l->first, sizeof l->first, "%s", line);
    if (l->problems && dq_strlist_add(l->problems, line))
        l->out_of_memory = true;
}

static void loader_report(void *ctx, const cJSON *node, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void loader_report(void *ctx, const cJSON *node, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    loader_vreport(ctx, node, key, fmt, ap);
    va_end(ap);
}

/* ---- ${VAR} everywhere ------------------------------------------------------------- */

/* The result fields payload templates may name; they stay for the renderer. */
static bool keep_result_field(const char *name, size_t len)
{
    static const char *const fields[] = {
        "checkpoint",   "run_id",          "status",      "run_time",      "data_asset",
        "total_issues", "critical_issues", "high_issues", "medium_issues", "low_issues",
        "pass_rate",    "duration_ms",     NULL};
    for (size_t i = 0; fields[i]; i++)
        if (strlen(fields[i]) == len && memcmp(fields[i], name, len) == 0)
            return true;
    return false;
}

static void expand_tree(config_loader *l, cJSON *node, const char *key, bool keep)
{
    if (cJSON_IsString(node)) {
        if (!strstr(node->valuestring, "${"))
            return;
        char *text = NULL;
        dq_error err;
        dq_error_clear(&err);
        if (config_env_expand(node->valuestring, keep ? keep_result_field : NULL, &text, &err)) {
            loader_report(l, node, key, "%s", err.msg);
            return;
        }
        if (!cJSON_SetValuestring(node, text))
            l->out_of_memory = true;
        free(text);
        return;
    }
    for (cJSON *c = node ? node->child : NULL; c; c = c->next)
        expand_tree(l, c, c->string ? c->string : key, keep);
}

/* ---- value kinds ------------------------------------------------------------------- */

static bool text_number(const char *s, double *out)
{
    char *end = NULL;
    if (!*s)
        return false;
    *out = strtod(s, &end);
    return end && *end == '\0' && isfinite(*out);
}

/* A number's text as Python's str() would give it for an int. */
static cJSON *number_as_string(const cJSON *v)
{
    char text[64];
    if (v->valuedouble == floor(v->valuedouble) && fabs(v->valuedouble) < 1e15)
        snprintf(text, sizeof text, "%.0f", v->valuedouble);
    else
        snprintf(text, sizeof text, "%.17g", v->valuedouble);
    return cJSON_CreateString(text);
}

static cJSON *convert_scalar(config_loader *l, const cJSON *v, const char *key, config_kind kind)
{
    double num;
    switch (kind) {
    case CONFIG_STRING:
    case CONFIG_STRING_OR_NUMBER:
        if (cJSON_IsString(v))
            return cJSON_CreateString(v->valuestring);
        if (cJSON_IsNumber(v))
            return number_as_string(v);
        loader_report(l, v, key, "must be a string");
        return NULL;
    case CONFIG_BOOL:
        if (cJSON_IsBool(v))
            return cJSON_CreateBool(cJSON_IsTrue(v));
        if (cJSON_IsString(v) &&
            (strcasecmp(v->valuestring, "true") == 0 || strcasecmp(v->valuestring, "false") == 0))
            return cJSON_CreateBool(strcasecmp(v->valuestring, "true") == 0);
        loader_report(l, v, key, "must be true or false");
        return NULL;
    case CONFIG_INT:
    case CONFIG_NUMBER:
        if (cJSON_IsNumber(v))
            num = v->valuedouble;
        else if (!cJSON_IsString(v) || !text_number(v->valuestring, &num)) {
            loader_report(l, v, key, "must be a number");
            return NULL;
        }
        if (kind == CONFIG_INT && num != floor(num)) {
            loader_report(l, v, key, "must be a whole number");
            return NULL;
        }
        return cJSON_CreateNumber(num);
    default:
        return NULL;
    }
}

static cJSON *convert_list(config_loader *l, const cJSON *v, const char *key, config_kind item)
{
    if (!cJSON_IsArray(v)) {
        loader_report(l, v, key, "must be a list");
        return NULL;
    }
    cJSON *out = cJSON_CreateArray();
    bool ok = out != NULL;
    const cJSON *c;
    cJSON_ArrayForEach(c, v)
    {
        cJSON *conv = convert_scalar(l, c, key, item);
        if (!conv) {
            ok = false;
            continue;
        }
        cJSON_AddItemToArray(out, conv);
    }
    if (!ok) {
        cJSON_Delete(out);
        return NULL;
    }
    return out;
}

static cJSON *convert_map(config_loader *l, const cJSON *v, const char *key)
{
    if (!cJSON_IsObject(v)) {
        loader_report(l, v, key, "must be a mapping");
        return NULL;
    }
    cJSON *out = cJSON_CreateObject();
    bool ok = out != NULL;
    const cJSON *c;
    cJSON_ArrayForEach(c, v)
    {
        cJSON *conv = convert_scalar(l, c, c->string, CONFIG_STRING);
        if (!conv) {
            ok = false;
            continue;
        }
        cJSON_AddItemToObject(out, c->string, conv);
    }
    if (!ok) {
        cJSON_Delete(out);
        return NULL;
    }
    return out;
}

static cJSON *convert_value(config_loader *l, const cJSON *v, const char *key, config_kind kind)
{
    switch (kind) {
    case CONFIG_STRING_LIST:
        return convert_list(l, v, key, CONFIG_STRING);
    case CONFIG_INT_LIST:
        return convert_list(l, v, key, CONFIG_INT);
    case CONFIG_STRING_MAP:
        return convert_map(l, v, key);
    case CONFIG_OBJECT:
        if (cJSON_IsObject(v))
            return cJSON_Duplicate(v, true);
        loader_report(l, v, key, "must be a mapping");
        return NULL;
    case CONFIG_LIST:
        if (cJSON_IsArray(v))
            return cJSON_Duplicate(v, true);
        loader_report(l, v, key, "must be a list");
        return NULL;
    case CONFIG_ANY:
        return cJSON_Duplicate(v, true);
    default:
        return convert_scalar(l, v, key, kind);
    }
}

static const char *allowed_field(void *ctx, const char *name, size_t len)
{
    const char *const *allowed = ctx;
    for (size_t i = 0; allowed[i]; i++)
        if (strlen(allowed[i]) == len && memcmp(allowed[i], name, len) == 0)
            return "";
    return NULL;
}

/* Choices and templates of a converted string value. */
static bool check_string(config_loader *l, const config_setting *s, const cJSON *node, cJSON *value)
{
    if (s->choices) {
        for (size_t i = 0; s->choices[i]; i++)
            if (strcasecmp(value->valuestring, s->choices[i]) == 0)
                return cJSON_SetValuestring(value, s->choices[i]) != NULL;
        char list[300] = "";
        for (size_t i = 0; s->choices[i]; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s\"%s\"", i ? ", " : "",
                     s->choices[i]);
        loader_report(l, node, s->key, "\"%s\" is not one of %s", value->valuestring, list);
        return false;
    }
    if (s->placeholders) {
        dq_buf scratch;
        dq_error err;
        dq_buf_init(&scratch, 1 << 20);
        dq_code rc = dq_format_named(value->valuestring, allowed_field, (void *)s->placeholders,
                                     &scratch, &err);
        dq_buf_free(&scratch);
        if (rc) {
            loader_report(l, node, s->key, "%s", err.msg);
            return false;
        }
    }
    return true;
}

/* ---- one action -------------------------------------------------------------------- */

static const char *const common_keys[] = {"type",
                                          "name",
                                          "enabled",
                                          "notify_on",
                                          "timeout_seconds",
                                          "retry_count",
                                          "retry_delay_seconds",
                                          "fail_checkpoint_on_error",
                                          "metadata",
                                          "rate_limit",
                                          "max_in_flight",
                                          "match",
                                          NULL};

static bool is_common_key(const char *key)
{
    for (size_t i = 0; common_keys[i]; i++)
        if (strcmp(key, common_keys[i]) == 0)
            return true;
    return false;
}

static const config_setting *schema_find(const config_setting *schema, const char *key)
{
    for (; schema->key; schema++)
        if (strcmp(schema->key, key) == 0)
            return schema;
    return NULL;
}

static bool read_settings(config_loader *l, const cJSON *node, dq_action_config *a)
{
    const config_setting *schema = config_schema(a->type);
    bool ok = true;
    a->settings = cJSON_CreateObject();
    if (!a->settings) {
        l->out_of_memory = true;
        return false;
    }
    const cJSON *c;
    cJSON_ArrayForEach(c, node)
    {
        if (is_common_key(c->string))
            continue;
        const config_setting *s = schema_find(schema, c->string);
        if (!s) {
            loader_report(l, c, c->string, "unknown key for a %s action",
                          dq_action_type_name(a->type));
            ok = false;
            continue;
        }
        if (cJSON_IsNull(c))
            continue; /* null means "the default", as a Python None keyword does */
        cJSON *v = convert_value(l, c, c->string, s->kind);
        if (!v) {
            ok = false;
            continue;
        }
        if (cJSON_IsString(v) && !check_string(l, s, c, v))
            ok = false;
        cJSON_AddItemToObject(a->settings, c->string, v);
    }
    for (const config_setting *s = schema; s->key; s++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(a->settings, s->key);
        if (s->required && (!v || (cJSON_IsString(v) && !*v->valuestring) ||
                            (cJSON_IsArray(v) && !cJSON_GetArraySize(v)))) {
            loader_report(l, node, s->key, "required for a %s action",
                          dq_action_type_name(a->type));
            ok = false;
        }
    }
    if (!config_check_type(a->type, a->settings, node, loader_report, l))
        ok = false;
    return ok;
}

static bool read_number(config_loader *l, const cJSON *node, const char *key, double min,
                        double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(node, key);
    if (!v || cJSON_IsNull(v))
        return true;
    cJSON *num = convert_scalar(l, v, key, CONFIG_NUMBER);
    if (!num)
        return false;
    double d = num->valuedouble;
    cJSON_Delete(num);
    if (d < min) {
        loader_report(l, v, key, "must be at least %g", min);
        return false;
    }
    *out = d;
    return true;
}

static bool read_rate(config_loader *l, const cJSON *node, dq_action_config *a)
{
    const cJSON *rate = cJSON_GetObjectItemCaseSensitive(node, "rate_limit");
    if (!rate || cJSON_IsNull(rate))
        return true;
    if (!cJSON_IsObject(rate)) {
        loader_report(l, rate, "rate_limit", "must be a mapping like {per_second: 1, burst: 5}");
        return false;
    }
    static const char *const periods[] = {"per_second", "per_minute", "per_hour"};
    static const double seconds[] = {1, 60, 3600};
    int given = 0;
    bool ok = true;
    a->rate.burst = 1;
    for (int i = 0; i < 3; i++) {
        double n = 0;
        if (!cJSON_GetObjectItemCaseSensitive(rate, periods[i]))
            continue;
        given++;
        if (!read_number(l, rate, periods[i], 1e-9, &n))
            ok = false;
        a->rate.per_second = n / seconds[i];
    }
    if (!read_number(l, rate, "burst", 1, &a->rate.burst))
        ok = false;
    const cJSON *c;
    cJSON_ArrayForEach(c, rate)
    {
        if (strcmp(c->string, "burst") && strcmp(c->string, "per_second") &&
            strcmp(c->string, "per_minute") && strcmp(c->string, "per_hour")) {
            loader_report(l, c, c->string, "unknown key in rate_limit");
            ok = false;
        }
    }
    if (given != 1) {
        loader_report(l, rate, "rate_limit",
                      "give exactly one of per_second, per_minute, "
                      "per_hour");
        ok = false;
    }
    a->rate_set = ok;
    return ok;
}

static bool read_statuses(config_loader *l, const cJSON *v, dq_action_config *a)
{
    if (cJSON_IsString(v)) {
        for (unsigned i = 0; i < sizeof status_names / sizeof *status_names; i++)
            if (strcasecmp(v->valuestring, status_names[i]) == 0) {
                a->match_statuses |= 1u << i;
                return true;
            }
        loader_report(l, v, "statuses", "unknown status \"%s\"", v->valuestring);
        return false;
    }
    if (!cJSON_IsArray(v)) {
        loader_report(l, v, "statuses", "must be a status or a list of statuses");
        return false;
    }
    bool ok = true;
    const cJSON *c;
    cJSON_ArrayForEach(c, v)
    {
        if (!cJSON_IsString(c)) {
            loader_report(l, c, "statuses", "must be a status name");
            ok = false;
        } else if (!read_statuses(l, c, a))
            ok = false;
    }
    return ok;
}

static bool read_match_string(config_loader *l, const cJSON *v, const char *key, char **out)
{
    if (!cJSON_IsString(v)) {
        loader_report(l, v, key, "must be a glob string");
        return false;
    }
    *out = dq_strdup(v->valuestring);
    if (!*out)
        l->out_of_memory = true;
    return *out != NULL;
}

static bool read_match(config_loader *l, const cJSON *node, dq_action_config *a)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(node, "match");
    if (!m)
        return true;
    if (l->config->truthound_form) {
        loader_report(l, m, "match",
                      "not used in truthound's checkpoint form: an action "
                      "applies to the results of its checkpoint");
        return false;
    }
    if (!cJSON_IsObject(m)) {
        loader_report(l, m, "match", "must be a mapping of checkpoint, statuses, asset");
        return false;
    }
    bool ok = true;
    const cJSON *c;
    cJSON_ArrayForEach(c, m)
    {
        if (strcmp(c->string, "checkpoint") == 0)
            ok = read_match_string(l, c, "checkpoint", &a->match_checkpoint) && ok;
        else if (strcmp(c->string, "asset") == 0)
            ok = read_match_string(l, c, "asset", &a->match_asset) && ok;
        else if (strcmp(c->string, "statuses") == 0)
            ok = read_statuses(l, c, a) && ok;
        else {
            loader_report(l, c, c->string, "unknown key in match (checkpoint, statuses, asset)");
            ok = false;
        }
    }
    return ok;
}

static bool read_common(config_loader *l, const cJSON *node, dq_action_config *a)
{
    bool ok = true;
    a->enabled = true;
    a->notify_on = dq_notify_on_default(a->type);
    a->timeout_seconds = 30;
    a->retry_delay_seconds = 1;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(node, "name");
    if (v && !cJSON_IsNull(v)) {
        cJSON *name = convert_scalar(l, v, "name", CONFIG_STRING);
        if (!name || !*name->valuestring) {
            if (name)
                loader_report(l, v, "name", "must not be empty");
            ok = false;
        } else if (!(a->name = dq_strdup(name->valuestring)))
            l->out_of_memory = true;
        cJSON_Delete(name);
    }
    v = cJSON_GetObjectItemCaseSensitive(node, "enabled");
    if (v) {
        cJSON *b = convert_scalar(l, v, "enabled", CONFIG_BOOL);
        ok = b != NULL && ok;
        a->enabled = b ? cJSON_IsTrue(b) : true;
        cJSON_Delete(b);
    }
    v = cJSON_GetObjectItemCaseSensitive(node, "notify_on");
    if (v && !cJSON_IsNull(v)) {
        if (!cJSON_IsString(v) || dq_notify_on_parse(v->valuestring, &a->notify_on)) {
            loader_report(l, v, "notify_on",
                          "\"%s\" is not one of always, success, failure, error, warning, "
                          "failure_or_error, not_success",
                          cJSON_IsString(v) ? v->valuestring : "(not a string)");
            ok = false;
        }
    }
    double retries = -1, in_flight = 0; /* -1: the dispatcher's default */
    ok = read_number(l, node, "timeout_seconds", 0.001, &a->timeout_seconds) && ok;
    ok = read_number(l, node, "retry_count", 0, &retries) && ok;
    ok = read_number(l, node, "retry_delay_seconds", 0, &a->retry_delay_seconds) && ok;
    ok = read_number(l, node, "max_in_flight", 1, &in_flight) && ok;
    a->retry_count = (int)retries;
    a->max_in_flight = (int)in_flight;
    ok = read_rate(l, node, a) && ok;
    ok = read_match(l, node, a) && ok;
    return ok;
}

static bool read_type(config_loader *l, const cJSON *node, dq_action_config *a)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(node, "type");
    if (!t) {
        if (l->config->truthound_form) {
            a->type = DQ_ACTION_WEBHOOK; /* truthound's loader default */
            return true;
        }
        loader_report(l, node, "type",
                      "missing (one of store_result, update_docs, slack, "
                      "email, teams, discord, telegram, pagerduty, opsgenie, "
                      "webhook, github, custom)");
        return false;
    }
    if (!cJSON_IsString(t) || dq_action_type_parse(t->valuestring, &a->type)) {
        loader_report(l, t, "type",
                      "unknown action type \"%s\" (one of store_result, update_docs, slack, "
                      "email, teams, discord, telegram, pagerduty, opsgenie, webhook, github, "
                      "custom)",
                      cJSON_IsString(t) ? t->valuestring : "(not a string)");
        return false;
    }
    return true;
}

static bool add_action(config_loader *l, cJSON *node, const char *checkpoint)
{
    if (!cJSON_IsObject(node)) {
        loader_report(l, node, "actions", "each action must be a mapping");
        return false;
    }
    dq_action_config *grown = realloc(l->config->actions, (l->config->count + 1) * sizeof *grown);
    if (!grown) {
        l->out_of_memory = true;
        return false;
    }
    l->config->actions = grown;
    dq_action_config *a = &grown[l->config->count++];
    memset(a, 0, sizeof *a);
    if (checkpoint && !(a->checkpoint = dq_strdup(checkpoint)))
        l->out_of_memory = true;
    a->where = dq_asprintf("%s:%d", l->name, config_tree_line(&l->tree, node));
    if (!read_type(l, node, a))
        return false;
    const config_setting *tmpl = NULL;
    for (const config_setting *s = config_schema(a->type); s->key; s++)
        if (s->result_template)
            tmpl = s;
    /* Result templates keep their ${field} placeholders for the renderer. */
    cJSON *c;
    cJSON_ArrayForEach(c, node)
    {
        expand_tree(l, c, c->string, tmpl && strcmp(c->string, tmpl->key) == 0);
    }
    bool ok = read_common(l, node, a);
    return read_settings(l, node, a) && ok;
}

/* ---- names ------------------------------------------------------------------------- */

static bool same_scope(const dq_action_config *a, const dq_action_config *b)
{
    if (!a->checkpoint || !b->checkpoint)
        return a->checkpoint == b->checkpoint;
    return strcmp(a->checkpoint, b->checkpoint) == 0;
}

/* Unnamed actions are called by their type, numbered when a scope has several of one
 * type, so the names (and the journal's keys) stay the same from run to run. */
static void assign_names(config_loader *l)
{
    dq_config *c = l->config;
    for (size_t i = 0; i < c->count; i++) {
        if (c->actions[i].name)
            continue;
        size_t same = 0, index = 0;
        for (size_t j = 0; j < c->count; j++) {
            if (c->actions[j].type != c->actions[i].type ||
                !same_scope(&c->actions[i], &c->actions[j]))
                continue;
            same++;
            if (j < i)
                index++;
        }
        const char *type = dq_action_type_name(c->actions[i].type);
        c->actions[i].name = same > 1 ? dq_asprintf("%s_%zu", type, index + 1) : dq_strdup(type);
        if (!c->actions[i].name)
            l->out_of_memory = true;
    }
    for (size_t i = 0; i < c->count; i++)
        for (size_t j = 0; j < i; j++)
            if (c->actions[i].name && c->actions[j].name &&
                same_scope(&c->actions[i], &c->actions[j]) &&
                strcmp(c->actions[i].name, c->actions[j].name) == 0) {
                char msg[600];
                snprintf(msg, sizeof msg, "%s: name: \"%s\" is used twice (also at %s)",
                         c->actions[i].where, c->actions[i].name, c->actions[j].where);
                if (l->problem_count++ == 0)
                    snprintf(l->first, sizeof l->first, "%s", msg);
                if (l->problems && dq_strlist_add(l->problems, msg))
                    l->out_of_memory = true;
            }
}

/* ---- the two forms ----------------------------------------------------------------- */

static void read_action_list(config_loader *l, cJSON *list, const char *checkpoint)
{
    if (!cJSON_IsArray(list)) {
        if (!cJSON_IsNull(list))
            loader_report(l, list, "actions", "must be a list of actions");
        return;
    }
    cJSON *c;
    cJSON_ArrayForEach(c, list)
    {
        add_action(l, c, checkpoint);
    }
}

static const char *const checkpoint_keys[] = {"name",
                                              "data_source",
                                              "validators",
                                              "validator_config",
                                              "min_severity",
                                              "schema",
                                              "auto_schema",
                                              "run_name_template",
                                              "tags",
                                              "metadata",
                                              "fail_on_critical",
                                              "fail_on_high",
                                              "timeout_seconds",
                                              "sample_size",
                                              "actions",
                                              "triggers",
                                              NULL};

static void read_checkpoint(config_loader *l, cJSON *cp, const char *key_name)
{
    if (!cJSON_IsObject(cp)) {
        loader_report(l, cp, "checkpoints", "each checkpoint must be a mapping");
        return;
    }
    cJSON *c;
    cJSON_ArrayForEach(c, cp)
    {
        bool known = false;
        for (size_t i = 0; checkpoint_keys[i]; i++)
            known = known || strcmp(c->string, checkpoint_keys[i]) == 0;
        if (!known)
            loader_report(l, c, c->string, "unknown checkpoint key");
    }
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(cp, "name");
    const char *cp_name = cJSON_IsString(name) ? name->valuestring : key_name;
    if (!cp_name || !*cp_name) {
        loader_report(l, cp, "name", "a checkpoint needs a name");
        return;
    }
    if (dq_config_has_checkpoint(l->config, cp_name)) {
        loader_report(l, cp, "name", "checkpoint \"%s\" is defined twice", cp_name);
        return;
    }
    if (dq_strlist_add(&l->config->checkpoints, cp_name))
        l->out_of_memory = true;
    cJSON *actions = cJSON_GetObjectItemCaseSensitive(cp, "actions");
    if (actions)
        read_action_list(l, actions, cp_name);
}

static void read_truthound_form(config_loader *l, cJSON *checkpoints)
{
    cJSON *c;
    if (cJSON_IsArray(checkpoints) || cJSON_IsObject(checkpoints)) {
        cJSON_ArrayForEach(c, checkpoints)
        {
            read_checkpoint(l, c, c->string);
        }
        return;
    }
    loader_report(l, checkpoints, "checkpoints", "must be a list or a mapping of checkpoints");
}

static void read_root(config_loader *l)
{
    cJSON *root = l->tree.root;
    if (!cJSON_IsObject(root)) {
        loader_report(l, root, NULL,
                      "the top level must be a mapping with checkpoints: "
                      "(truthound) or actions: (dqbatch)");
        return;
    }
    cJSON *checkpoints = cJSON_GetObjectItemCaseSensitive(root, "checkpoints");
    cJSON *actions = cJSON_GetObjectItemCaseSensitive(root, "actions");
    if (checkpoints && actions) {
        loader_report(l, actions, "actions",
                      "a file holds either checkpoints: (truthound's "
                      "form) or actions: (dqbatch's), not both");
        return;
    }
    if (!checkpoints && !actions) {
        loader_report(l, root, NULL, "no checkpoints: (truthound) or actions: (dqbatch) key");
        return;
    }
    cJSON *c;
    cJSON_ArrayForEach(c, root)
    {
        if (c != checkpoints && c != actions)
            loader_report(l, c, c->string, "unknown top-level key");
    }
    l->config->truthound_form = checkpoints != NULL;
    if (checkpoints)
        read_truthound_form(l, checkpoints);
    else
        read_action_list(l, actions, NULL);
}

/* Names the actions, then turns what the loader found into the return value. */
static dq_code loader_finish(config_loader *l, dq_error *err)
{
    assign_names(l);
    if (l->out_of_memory) {
        dq_config_free(l->config);
        return dq_fail(err, DQ_ENOMEM, "%s: out of memory", l->name);
    }
    if (l->problem_count) {
        dq_config_free(l->config);
        return config_problems_fail(err, l->first, l->problem_count);
    }
    return DQ_OK;
}

dq_code dq_config_parse(const char *name, const char *text, size_t len, dq_config *out,
                        dq_strlist *problems, dq_error *err)
{
    memset(out, 0, sizeof *out);
    config_loader l;
    memset(&l, 0, sizeof l);
    l.name = name;
    l.config = out;
    l.problems = problems;
    dq_code rc = config_tree_parse(name, text, len, &l.tree, err);
    if (rc)
        return config_note_failure(problems, err, rc);
    out->path = dq_strdup(name);
    if (!out->path)
        l.out_of_memory = true;
    read_root(&l);
    config_tree_free(&l.tree);
    return loader_finish(&l, err);
}

dq_code config_read_actions(const char *name, const config_tree *tree, cJSON *actions,
                            dq_config *out, dq_strlist *problems, dq_error *err)
{
    memset(out, 0, sizeof *out);
    config_loader l;
    memset(&l, 0, sizeof l);
    l.name = name;
    l.config = out;
    l.problems = problems;
    l.tree = *tree; /* borrowed: only its line numbers are read */
    out->path = dq_strdup(name);
    if (!out->path)
        l.out_of_memory = true;
    read_action_list(&l, actions, NULL);
    return loader_finish(&l, err);
}

dq_code dq_config_load(const char *path, dq_config *out, dq_strlist *problems, dq_error *err)
{
    dq_buf text;
    memset(out, 0, sizeof *out);
    dq_code rc = config_file_read(path, CONFIG_MAX_BYTES, &text, problems, err);
    if (rc)
        return rc;
    rc = dq_config_parse(path, dq_buf_str(&text), text.len, out, problems, err);
    dq_buf_free(&text);
    return rc;
}

void dq_config_free(dq_config *config)
{
    for (size_t i = 0; i < config->count; i++) {
        dq_action_config *a = &config->actions[i];
        free(a->name);
        free(a->checkpoint);
        free(a->match_checkpoint);
        free(a->match_asset);
        free(a->where);
        cJSON_Delete(a->settings);
    }
    free(config->actions);
    free(config->path);
    dq_strlist_free(&config->checkpoints);
    memset(config, 0, sizeof *config);
}

bool dq_config_has_checkpoint(const dq_config *config, const char *name)
{
    for (size_t i = 0; i < config->checkpoints.len; i++)
        if (strcmp(config->checkpoints.items[i], name) == 0)
            return true;
    return false;
}

/* ---- settings ---------------------------------------------------------------------- */

const cJSON *dq_setting(const dq_action_config *a, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(a->settings, key);
    return cJSON_IsNull(v) ? NULL : v;
}

const char *dq_setting_str(const dq_action_config *a, const char *key, const char *fallback)
{
    const cJSON *v = dq_setting(a, key);
    return cJSON_IsString(v) ? v->valuestring : fallback;
}

bool dq_setting_bool(const dq_action_config *a, const char *key, bool fallback)
{
    const cJSON *v = dq_setting(a, key);
    return cJSON_IsBool(v) ? cJSON_IsTrue(v) : fallback;
}

double dq_setting_num(const dq_action_config *a, const char *key, double fallback)
{
    const cJSON *v = dq_setting(a, key);
    return cJSON_IsNumber(v) ? v->valuedouble : fallback;
}
