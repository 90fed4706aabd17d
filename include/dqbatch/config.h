/* config: the actions to run, read from truthound's own checkpoint YAML (spec section 6)
 * or from dqbatch's YAML/JSON form (`actions:` applied to every result, each narrowed by
 * `match:`). Every string may use ${VAR} and ${VAR:-default}. Every problem is reported
 * with file, line and key before anything is sent. */
#ifndef DQBATCH_CONFIG_H
#define DQBATCH_CONFIG_H

#include <cJSON.h>

#include "dqbatch/core.h"
#include "dqbatch/dispatch.h"

/* truthound's twelve action types, by the names its YAML uses. */
typedef enum dq_action_type {
    DQ_ACTION_STORE_RESULT,
    DQ_ACTION_UPDATE_DOCS,
    DQ_ACTION_SLACK,
    DQ_ACTION_EMAIL,
    DQ_ACTION_TEAMS,
    DQ_ACTION_DISCORD,
    DQ_ACTION_TELEGRAM,
    DQ_ACTION_PAGERDUTY,
    DQ_ACTION_OPSGENIE,
    DQ_ACTION_WEBHOOK,
    DQ_ACTION_GITHUB,
    DQ_ACTION_CUSTOM,
} dq_action_type;
#define DQ_ACTION_TYPE_COUNT 12

const char *dq_action_type_name(dq_action_type type);      /* "slack" */
const char *dq_action_type_truthound(dq_action_type type); /* "slack_notification" */
dq_code dq_action_type_parse(const char *name, dq_action_type *out);

/* NotifyCondition (spec 4.1). */
typedef enum dq_notify_on {
    DQ_NOTIFY_ALWAYS,
    DQ_NOTIFY_SUCCESS,
    DQ_NOTIFY_FAILURE,
    DQ_NOTIFY_ERROR,
    DQ_NOTIFY_WARNING,
    DQ_NOTIFY_FAILURE_OR_ERROR,
    DQ_NOTIFY_NOT_SUCCESS,
} dq_notify_on;

const char *dq_notify_on_name(dq_notify_on cond);
/* Lower-cases first, as truthound does. */
dq_code dq_notify_on_parse(const char *name, dq_notify_on *out);
/* The class default of each type (spec 4.1). */
dq_notify_on dq_notify_on_default(dq_action_type type);
/* status_name is a dq_status name ("success", "failure", ...). */
bool dq_notify_on_matches(dq_notify_on cond, const char *status_name);

/* One configured action. */
typedef struct dq_action_config {
    dq_action_type type;
    char *name; /* given, or "<type>" / "<type>_<n>" when several share a scope */
    bool enabled;
    dq_notify_on notify_on;
    double timeout_seconds;     /* default 30 */
    int retry_count;            /* -1 when not given: the dispatcher's default (5) */
    double retry_delay_seconds; /* default 1 */
    bool rate_set;              /* rate_limit given; otherwise the provider's default */
    dq_rate rate;
    int max_in_flight; /* 0: the provider's default */
    /* Which results it applies to. */
    char *checkpoint;        /* truthound form: the checkpoint it belongs to, else NULL */
    char *match_checkpoint;  /* dqbatch form: glob, or NULL */
    unsigned match_statuses; /* bit (1u << dq_status) per status; 0 means every status */
    char *match_asset;       /* glob, or NULL */
    /* The type's own keys (common keys removed), ${VAR} substituted and checked against
     * the type's schema. Defaults are not filled in: read with dq_setting_*. */
    cJSON *settings;
    char *where; /* "file:line" of the action, for messages */
} dq_action_config;

typedef struct dq_config {
    char *path;
    bool truthound_form;
    dq_action_config *actions;
    size_t count;
    dq_strlist checkpoints; /* truthound form: every checkpoint name in the file */
} dq_config;

/* Reads and checks a config file. Every problem found is added to problems (when not
 * NULL) as "file:line: key: what"; the return is DQ_ECONFIG when there was any, with
 * err naming the first one and the count. */
dq_code dq_config_load(const char *path, dq_config *out, dq_strlist *problems, dq_error *err);
/* The same from text already in memory; name is used in messages. */
dq_code dq_config_parse(const char *name, const char *text, size_t len, dq_config *out,
                        dq_strlist *problems, dq_error *err);
void dq_config_free(dq_config *config);
bool dq_config_has_checkpoint(const dq_config *config, const char *name);

/* Typed reads of an action's settings, with the default when the key is absent or null. */
const cJSON *dq_setting(const dq_action_config *a, const char *key);
const char *dq_setting_str(const dq_action_config *a, const char *key, const char *fallback);
bool dq_setting_bool(const dq_action_config *a, const char *key, bool fallback);
double dq_setting_num(const dq_action_config *a, const char *key, double fallback);

/* Python's str.format with named fields, as truthound fills custom_message and
 * subject_template: "{name}" is replaced by lookup's text, "{{" and "}}" are literal
 * braces. An unknown field (lookup returns NULL), a format spec or an unpaired brace is
 * an error naming the template. */
typedef const char *(*dq_format_lookup)(void *ctx, const char *name, size_t len);
dq_code dq_format_named(const char *tmpl, dq_format_lookup lookup, void *ctx, dq_buf *out,
                        dq_error *err);

/* Copies text to out with each "${expr}" replaced: fill appends what stands for expr (len
 * bytes, braces left out) to out, or sets *keep to leave the placeholder as written. An
 * unclosed "${" is copied as it is. A full out is DQ_ETOOBIG with err left to the caller
 * (its message names its own limit); fill's own errors come back as fill returned them. */
typedef dq_code (*dq_placeholder_fill)(void *ctx, const char *expr, size_t len, dq_buf *out,
                                       bool *keep, dq_error *err);
dq_code dq_placeholders_expand(const char *text, dq_placeholder_fill fill, void *ctx, dq_buf *out,
                               dq_error *err);

#endif
