/* --digest, the outage mode: after an outage, one summary message per chat destination
 * and checkpoint instead of one per run, and one event per incident key (PagerDuty
 * dedup_key, OpsGenie alias) carrying the latest state. Other actions are not digested.
 * Each group keeps its counts and the latest result's document; the message is the
 * latest result's, with the digest as its headline. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions_internal.h"

typedef struct digest_group {
    size_t action;
    char *key; /* checkpoint (chat) or dedup key / alias (incident) */
    size_t runs;
    size_t counts[DQ_STATUS_COUNT];
    dq_time first, last;
    char first_text[32], last_text[32];
    uint64_t run_hash; /* order-free hash of the run ids, for the idempotency key */
    char *latest_doc;  /* the latest result as JSON, decoded again to render */
    char *latest_run_id;
} digest_group;

struct dq_digest {
    const dq_config *config;
    pthread_mutex_t lock;
    digest_group *groups;
    size_t len, cap;
};

static bool digest_chat(dq_action_type t)
{
    return t == DQ_ACTION_SLACK || t == DQ_ACTION_TEAMS || t == DQ_ACTION_DISCORD ||
           t == DQ_ACTION_TELEGRAM;
}

bool dq_digest_covers(const dq_action_config *a)
{
    return digest_chat(a->type) || a->type == DQ_ACTION_PAGERDUTY || a->type == DQ_ACTION_OPSGENIE;
}

dq_digest *dq_digest_new(const dq_config *config)
{
    dq_digest *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->config = config;
    pthread_mutex_init(&d->lock, NULL);
    return d;
}

void dq_digest_free(dq_digest *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->len; i++) {
        free(d->groups[i].key);
        free(d->groups[i].latest_doc);
        free(d->groups[i].latest_run_id);
    }
    free(d->groups);
    pthread_mutex_destroy(&d->lock);
    free(d);
}

static char *digest_key(const dq_action_config *a, const dq_result *r, dq_error *err)
{
    action_view v;
    action_view_init(&v, r);
    if (digest_chat(a->type))
        return dq_strdup(v.checkpoint);
    const char *tmpl =
        a->type == DQ_ACTION_PAGERDUTY
            ? dq_setting_str(a, "dedup_key_template", "{checkpoint}_{data_asset}")
            : dq_setting_str(a, "alias_template", "truthound_{checkpoint}_{data_asset}");
    return action_key_template(tmpl, &v, err);
}

/* The group of (action, key), added when new; NULL when out of memory. Under the lock. */
static digest_group *digest_group_find(dq_digest *d, size_t action, const char *key)
{
    for (size_t i = 0; i < d->len; i++)
        if (d->groups[i].action == action && strcmp(d->groups[i].key, key) == 0)
            return &d->groups[i];
    digest_group *grown = dq_array_grow(d->groups, d->len, &d->cap, sizeof *grown, 16);
    if (!grown)
        return NULL;
    d->groups = grown;
    digest_group *g = &d->groups[d->len];
    memset(g, 0, sizeof *g);
    g->action = action;
    if (!(g->key = dq_strdup(key)))
        return NULL;
    d->len++;
    return g;
}

/* Later run_time wins; equal times are settled by run_id, so any thread order gives the
 * same latest result. */
static bool digest_is_later(const digest_group *g, const dq_result *r)
{
    if (!g->latest_doc || r->run_time != g->last)
        return !g->latest_doc || r->run_time > g->last;
    return strcmp(r->run_id ? r->run_id : "", g->latest_run_id) > 0;
}

static dq_code digest_fold(digest_group *g, const dq_result *r, char *doc)
{
    const char *run_id = r->run_id ? r->run_id : "";
    char when[32];
    dq_time_format(r->run_time, "%Y-%m-%d %H:%M:%S", when, sizeof when);
    if (!g->runs || r->run_time < g->first) {
        g->first = r->run_time;
        snprintf(g->first_text, sizeof g->first_text, "%s", when);
    }
    bool later = digest_is_later(g, r);
    if (later) {
        char *id = dq_strdup(run_id);
        if (!id)
            return DQ_ENOMEM;
        free(g->latest_doc);
        free(g->latest_run_id);
        g->latest_doc = doc;
        g->latest_run_id = id;
        g->last = r->run_time;
        snprintf(g->last_text, sizeof g->last_text, "%s", when);
    } else {
        free(doc);
    }
    g->runs++;
    g->counts[r->status]++;
    g->run_hash ^= dq_hash64(run_id, strlen(run_id), 0x6469676573748ull);
    return DQ_OK;
}

dq_code dq_digest_add(dq_digest *d, size_t action, const dq_result *r, dq_error *err)
{
    const dq_action_config *a = &d->config->actions[action];
    char *key = digest_key(a, r, err);
    if (!key)
        return action_fail(err, a, r, err->code ? err->code : DQ_ENOMEM, "%s",
                           err->code ? err->msg : "out of memory");
    char *doc = cJSON_PrintUnformatted(r->doc);
    pthread_mutex_lock(&d->lock);
    digest_group *g = doc ? digest_group_find(d, action, key) : NULL;
    dq_code rc = g ? digest_fold(g, r, doc) : DQ_ENOMEM;
    pthread_mutex_unlock(&d->lock);
    if (!g)
        free(doc);
    free(key);
    return rc ? action_fail(err, a, r, rc, "out of memory") : DQ_OK;
}

size_t dq_digest_count(const dq_digest *d)
{
    return d->len;
}

static char *digest_text(const digest_group *g, const char *latest_status)
{
    char counts[200] = "";
    static const dq_status order[] = {DQ_STATUS_FAILURE, DQ_STATUS_ERROR,   DQ_STATUS_WARNING,
                                      DQ_STATUS_SUCCESS, DQ_STATUS_RUNNING, DQ_STATUS_PENDING};
    for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
        if (!g->counts[order[i]])
            continue;
        size_t used = strlen(counts);
        snprintf(counts + used, sizeof counts - used, "%s%zu %s", used ? ", " : "",
                 g->counts[order[i]], dq_status_name(order[i]));
    }
    return dq_asprintf("Digest of %zu run%s of '%s' from %s to %s: %s. Latest: %s (%s)", g->runs,
                       g->runs == 1 ? "" : "s", g->key, g->first_text, g->last_text, counts,
                       latest_status, g->latest_run_id);
}

/* Decodes the latest document again and renders it: with the digest as headline for chat
 * actions (keyed by the set of runs it sums up), as it is for incidents. */
dq_code dq_digest_render(const dq_digest *d, size_t i, const dq_render_context *ctx,
                         dq_request_list *out, dq_error *err)
{
    const digest_group *g = &d->groups[i];
    const dq_action_config *a = &d->config->actions[g->action];
    dq_result r;
    dq_decode_opts opts = {.max_bytes = DQ_DEFAULT_MAX_RESULT_BYTES};
    dq_code rc = dq_decode(g->latest_run_id, g->latest_doc, strlen(g->latest_doc), DQ_FORMAT_JSON,
                           &opts, &r, err);
    if (rc)
        return rc;
    size_t before = out->len;
    if (!digest_chat(a->type)) {
        rc = dq_action_render(a, &r, ctx, out, err);
    } else {
        action_view v;
        action_view_init(&v, &r);
        char *text = digest_text(g, v.status_upper);
        rc = text ? action_render_digest(a, &r, ctx, text, out, err) : DQ_ENOMEM;
        free(text);
        for (size_t k = before; !rc && k < out->len; k++) {
            dq_request *q = &out->items[k];
            free(q->idempotency_key);
            q->idempotency_key = dq_asprintf("%s:%s:digest:%zu:%016llx", a->name, g->key, g->runs,
                                             (unsigned long long)g->run_hash);
            rc = q->idempotency_key ? DQ_OK : DQ_ENOMEM;
        }
    }
    dq_result_free(&r);
    return rc == DQ_ENOMEM ? dq_fail(err, rc, "action %s: out of memory", a->name) : rc;
}
