/* notify as a library: the scan's workers render each selected result's requests and
 * hand them to the dispatcher, which paces and sends them. Shared by `dqbatch notify`
 * and `dqbatch run`. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dqbatch/notify.h"

/* What notify learns about one action as results go by. */
typedef struct notify_action_state {
    char *label;    /* the destination label its requests carry, from the first render */
    int owner;      /* the shard owning its (first) destination; -1 until known */
    size_t skipped; /* results notify_on excluded */
} notify_action_state;

struct dq_notify {
    dq_notify_opts opts;
    const dq_config *config;
    dq_render_context ctx;
    dq_dispatch *dispatch;
    dq_digest *digest; /* --digest, else NULL */
    pthread_mutex_t lock;
    notify_action_state *actions;
    dq_strlist unknown; /* truthound form: checkpoints the config does not have */
    size_t *unknown_counts;
    dq_notify_report report;
    dq_code finish_code;
};

/* ---- destinations and shards ---------------------------------------------------------- */

char *dq_notify_destination_key(const dq_request *req)
{
    const char *where = req->destination ? req->destination : req->url ? req->url : "";
    return dq_asprintf("%s:%s", dq_provider_name(req->provider), where);
}

int dq_notify_shard_of(const dq_request *req, int shard_count)
{
    if (shard_count <= 1)
        return 0;
    char *key = dq_notify_destination_key(req);
    /* Without memory for the key, the provider alone still gives every shard the same
     * answer for the same request. */
    int shard = dq_shard_of(key ? key : dq_provider_name(req->provider), shard_count);
    free(key);
    return shard;
}

static bool notify_owns(const dq_notify *n, const dq_request *req)
{
    return n->opts.shard_count <= 1 ||
           dq_notify_shard_of(req, n->opts.shard_count) == n->opts.shard_index;
}

/* ---- counting ------------------------------------------------------------------------ */

static void notify_count(dq_notify *n, size_t *counter, size_t add)
{
    pthread_mutex_lock(&n->lock);
    *counter += add;
    pthread_mutex_unlock(&n->lock);
}

static void notify_render_failed(dq_notify *n, const char *msg)
{
    dq_errorf("%s", msg);
    notify_count(n, &n->report.render_failed, 1);
}

static void notify_unknown(dq_notify *n, const char *checkpoint)
{
    pthread_mutex_lock(&n->lock);
    n->report.unknown++;
    size_t i = 0;
    while (i < n->unknown.len && strcmp(n->unknown.items[i], checkpoint) != 0)
        i++;
    if (i == n->unknown.len) {
        size_t *grown = realloc(n->unknown_counts, (i + 1) * sizeof *grown);
        if (grown)
            n->unknown_counts = grown;
        if (!grown || dq_strlist_add(&n->unknown, checkpoint) != DQ_OK)
            i = SIZE_MAX; /* still counted in the report, only not named */
        else
            grown[i] = 0;
    }
    if (i != SIZE_MAX)
        n->unknown_counts[i]++;
    pthread_mutex_unlock(&n->lock);
}

/* Learns, from the requests of one render, the label the skip counts of action i go
 * under and which shard owns its destination. */
static void notify_learn(dq_notify *n, size_t i, const dq_request_list *list)
{
    if (!list->len)
        return;
    pthread_mutex_lock(&n->lock);
    notify_action_state *st = &n->actions[i];
    if (!st->label) {
        st->label = dq_strdup(list->items[0].destination_label);
        st->owner = dq_notify_shard_of(&list->items[0], n->opts.shard_count);
    }
    pthread_mutex_unlock(&n->lock);
}

static bool notify_knows_label(dq_notify *n, size_t i)
{
    pthread_mutex_lock(&n->lock);
    bool known = n->actions[i].label != NULL;
    pthread_mutex_unlock(&n->lock);
    return known;
}

/* ---- one result ---------------------------------------------------------------------- */

static void notify_submit_list(dq_notify *n, dq_request_list *list)
{
    size_t other = 0;
    for (size_t k = 0; k < list->len; k++) {
        if (notify_owns(n, &list->items[k]))
            dq_dispatch_submit(n->dispatch, &list->items[k]);
        else
            other++;
    }
    pthread_mutex_lock(&n->lock);
    n->report.requests += list->len;
    n->report.other_shard += other;
    pthread_mutex_unlock(&n->lock);
    dq_request_list_free(list);
}

/* A result notify_on excludes is counted on its action's row; the row's label comes
 * from rendering this result once when no request of the action was seen yet. */
static void notify_skipped(dq_notify *n, size_t i, const dq_result *r)
{
    if (!notify_knows_label(n, i)) {
        dq_request_list list = {0};
        dq_error err = {0};
        if (dq_action_render(&n->config->actions[i], r, &n->ctx, &list, &err) == DQ_OK)
            notify_learn(n, i, &list);
        dq_request_list_free(&list);
    }
    notify_count(n, &n->actions[i].skipped, 1);
}

static void notify_action(dq_notify *n, size_t i, const dq_result *r)
{
    const dq_action_config *a = &n->config->actions[i];
    dq_applies applies = dq_action_applies(a, r);
    if (applies == DQ_APPLIES_NOTIFY_ON) {
        notify_skipped(n, i, r);
        return;
    }
    if (applies != DQ_APPLIES_YES)
        return;
    dq_error err = {0};
    if (n->digest && dq_digest_covers(a)) {
        if (dq_digest_add(n->digest, i, r, &err))
            notify_render_failed(n, err.msg);
        return;
    }
    dq_request_list list = {0};
    if (dq_action_render(a, r, &n->ctx, &list, &err) != DQ_OK)
        notify_render_failed(n, err.msg);
    notify_learn(n, i, &list);
    notify_submit_list(n, &list);
}

static bool notify_selected(const dq_notify *n, const char *checkpoint, const char *asset,
                            dq_status status, dq_time run_time)
{
    return !n->opts.select || dq_filter_match(n->opts.select, checkpoint, asset, status, run_time);
}

static bool notify_known_checkpoint(const dq_notify *n, const char *checkpoint)
{
    return !n->config->truthound_form || dq_config_has_checkpoint(n->config, checkpoint);
}

/* Whether a run read in full (counted in results) or kept as a record (counted in records)
 * goes on to the actions: it must pass the selection, and in truthound's form be of a
 * checkpoint the config names, else it is reported as unknown. */
static bool notify_admit(dq_notify *n, const char *checkpoint, const char *asset, dq_status status,
                         dq_time run_time, size_t *counter)
{
    if (!notify_selected(n, checkpoint, asset, status, run_time))
        return false;
    notify_count(n, counter, 1);
    if (!notify_known_checkpoint(n, checkpoint)) {
        notify_unknown(n, checkpoint);
        return false;
    }
    return true;
}

void dq_notify_result(dq_notify *n, const dq_result *r)
{
    const char *checkpoint = r->checkpoint_name ? r->checkpoint_name : "";
    if (!notify_admit(n, checkpoint, r->data_asset, r->status, r->run_time, &n->report.results))
        return;
    for (size_t i = 0; i < n->config->count; i++)
        notify_action(n, i, r);
}

/* ---- records: runs that were not read ------------------------------------------------- */

/* The fields dq_action_applies looks at, taken from a record. */
static void notify_view_of_record(const dq_record *rec, dq_result *view)
{
    memset(view, 0, sizeof *view);
    view->run_id = rec->run_id;
    view->checkpoint_name = rec->checkpoint_name;
    view->data_asset = rec->data_asset;
    view->status = rec->status;
    view->run_time = rec->run_time;
}

bool dq_notify_wants(const dq_notify *n, const dq_record *rec)
{
    const char *checkpoint = rec->checkpoint_name ? rec->checkpoint_name : "";
    if (!notify_selected(n, checkpoint, rec->data_asset, rec->status, rec->run_time) ||
        !notify_known_checkpoint(n, checkpoint))
        return false;
    dq_result view;
    notify_view_of_record(rec, &view);
    for (size_t i = 0; i < n->config->count; i++)
        if (dq_action_applies(&n->config->actions[i], &view) == DQ_APPLIES_YES)
            return true;
    return false;
}

void dq_notify_record(dq_notify *n, const dq_record *rec)
{
    const char *checkpoint = rec->checkpoint_name ? rec->checkpoint_name : "";
    if (!notify_admit(n, checkpoint, rec->data_asset, rec->status, rec->run_time,
                      &n->report.records))
        return;
    dq_result view;
    notify_view_of_record(rec, &view);
    for (size_t i = 0; i < n->config->count; i++)
        if (dq_action_applies(&n->config->actions[i], &view) == DQ_APPLIES_NOTIFY_ON)
            notify_count(n, &n->actions[i].skipped, 1);
}

/* ---- the run ------------------------------------------------------------------------- */

dq_code dq_notify_open(const dq_notify_opts *opts, dq_notify **out, dq_error *err)
{
    *out = NULL;
    dq_notify *n = calloc(1, sizeof *n);
    if (!n)
        return dq_fail(err, DQ_ENOMEM, "out of memory");
    n->opts = *opts;
    n->config = opts->config;
    pthread_mutex_init(&n->lock, NULL);
    dq_render_context_from_env(&n->ctx);
    n->actions = calloc(n->config->count ? n->config->count : 1, sizeof *n->actions);
    if (!n->actions || (opts->digest && !(n->digest = dq_digest_new(n->config)))) {
        dq_notify_free(n);
        return dq_fail(err, DQ_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n->config->count; i++)
        n->actions[i].owner = -1;
    dq_code rc = dq_dispatch_open(&opts->dispatch, &n->dispatch, err);
    if (rc) {
        dq_notify_free(n);
        return rc;
    }
    *out = n;
    return DQ_OK;
}

/* --digest: one message per group, once every result was folded in. */
static void notify_submit_digest(dq_notify *n)
{
    for (size_t g = 0; g < dq_digest_count(n->digest); g++) {
        dq_request_list list = {0};
        dq_error err = {0};
        if (dq_digest_render(n->digest, g, &n->ctx, &list, &err) != DQ_OK)
            notify_render_failed(n, err.msg);
        notify_submit_list(n, &list);
    }
}

/* Skip counts land on the row of the action's destination, in the shard that owns it
 * (shard 0 when no request of the action was ever rendered), so shards do not count a
 * skip more than once between them. */
static void notify_submit_skips(dq_notify *n)
{
    for (size_t i = 0; i < n->config->count; i++) {
        notify_action_state *st = &n->actions[i];
        const dq_action_config *a = &n->config->actions[i];
        int owner = st->owner < 0 ? 0 : st->owner;
        if (!st->skipped || (n->opts.shard_count > 1 && owner != n->opts.shard_index))
            continue;
        char *fallback = st->label ? NULL : dq_asprintf("%s:-", dq_action_type_name(a->type));
        const char *label = st->label ? st->label : fallback ? fallback : "-";
        dq_dispatch_count_skipped(n->dispatch, a->name, label, st->skipped);
        free(fallback);
    }
}

static void notify_warn_unknown(const dq_notify *n)
{
    for (size_t i = 0; i < n->unknown.len; i++)
        dq_warn("checkpoint \"%s\" is not in %s: %zu result%s skipped", n->unknown.items[i],
                n->config->path, n->unknown_counts[i], n->unknown_counts[i] == 1 ? "" : "s");
}

dq_code dq_notify_finish(dq_notify *n, dq_error *err)
{
    if (n->digest)
        notify_submit_digest(n);
    notify_submit_skips(n);
    n->finish_code = dq_dispatch_finish(n->dispatch, err);
    notify_warn_unknown(n);
    return n->finish_code;
}

void dq_notify_get_report(const dq_notify *n, dq_notify_report *out)
{
    *out = n->report;
}

const dq_dispatch *dq_notify_dispatch(const dq_notify *n)
{
    return n->dispatch;
}

int dq_notify_status(const dq_notify *n)
{
    dq_dispatch_stats totals;
    dq_dispatch_totals(n->dispatch, &totals);
    return totals.failed || n->report.render_failed || n->finish_code ? 1 : 0;
}

void dq_notify_free(dq_notify *n)
{
    if (!n)
        return;
    for (size_t i = 0; n->actions && i < n->config->count; i++)
        free(n->actions[i].label);
    free(n->actions);
    free(n->unknown_counts);
    dq_strlist_free(&n->unknown);
    dq_digest_free(n->digest);
    dq_dispatch_free(n->dispatch);
    pthread_mutex_destroy(&n->lock);
    free(n);
}

/* Problems first, each on its own line, then how many. */
bool dq_notify_load_config(const char *path, dq_config *config)
{
    dq_strlist problems = {0};
    dq_error err = {0};
    dq_code rc = dq_config_load(path, config, &problems, &err);
    for (size_t i = 0; i < problems.len; i++)
        dq_errorf("%s", problems.items[i]);
    if (rc && !problems.len)
        dq_errorf("%s", err.msg);
    if (rc && problems.len > 1)
        dq_errorf("%s: %zu problems; nothing was sent", path, problems.len);
    dq_strlist_free(&problems);
    return rc == DQ_OK;
}
