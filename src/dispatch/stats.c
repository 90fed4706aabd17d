/* Counts per action and destination label, the closing summary and the JSON report. */
#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch_internal.h"

struct dq_stat_row {
    dq_dispatch_stats pub; /* its strings point at the fields below */
    char *action;
    char *label;
    char *last_error;
};

void dq_stats_init(dq_stats_table *t)
{
    memset(t, 0, sizeof *t);
    pthread_mutex_init(&t->lock, NULL);
}

void dq_stats_destroy(dq_stats_table *t)
{
    for (size_t i = 0; i < t->len; i++) {
        free(t->rows[i]->action);
        free(t->rows[i]->label);
        free(t->rows[i]->last_error);
        free(t->rows[i]);
    }
    free(t->rows);
    free(t->index);
    pthread_mutex_destroy(&t->lock);
}

static uint64_t row_hash(const char *action, const char *label)
{
    return dq_hash64(label, strlen(label), dq_hash64(action, strlen(action), 7));
}

static size_t *row_slot(size_t *index, size_t slots, dq_stat_row *const *rows, const char *action,
                        const char *label)
{
    size_t i = (size_t)row_hash(action, label) & (slots - 1);
    while (index[i]) {
        const dq_stat_row *r = rows[index[i] - 1];
        if (strcmp(r->action, action) == 0 && strcmp(r->label, label) == 0)
            break;
        i = (i + 1) & (slots - 1);
    }
    return &index[i];
}

static bool index_grow(dq_stats_table *t)
{
    size_t slots = t->index_slots ? t->index_slots * 2 : 64;
    size_t *index = calloc(slots, sizeof *index);
    if (!index)
        return false;
    for (size_t i = 0; i < t->len; i++)
        *row_slot(index, slots, t->rows, t->rows[i]->action, t->rows[i]->label) = i + 1;
    free(t->index);
    t->index = index;
    t->index_slots = slots;
    return true;
}

static dq_stat_row *row_new(const char *action, const char *label)
{
    dq_stat_row *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->action = dq_strdup(action);
    r->label = dq_strdup(label);
    if (!r->action || !r->label) {
        free(r->action);
        free(r->label);
        free(r);
        return NULL;
    }
    r->pub.action = r->action;
    r->pub.destination_label = r->label;
    return r;
}

static dq_stat_row *row_find_or_add(dq_stats_table *t, const char *action, const char *label)
{
    if ((t->len + 1) * 2 > t->index_slots && !index_grow(t))
        return NULL;
    size_t *slot = row_slot(t->index, t->index_slots, t->rows, action, label);
    if (*slot)
        return t->rows[*slot - 1];
    dq_stat_row **rows = dq_array_grow(t->rows, t->len, &t->cap, sizeof *rows, 16);
    if (!rows)
        return NULL;
    t->rows = rows;
    dq_stat_row *r = row_new(action, label);
    if (!r)
        return NULL;
    t->rows[t->len++] = r;
    *slot = t->len;
    return r;
}

dq_stat_row *dq_stats_row(dq_stats_table *t, const char *action, const char *label)
{
    pthread_mutex_lock(&t->lock);
    dq_stat_row *r = row_find_or_add(t, action ? action : "", label ? label : "");
    pthread_mutex_unlock(&t->lock);
    return r;
}

void dq_stats_add(dq_stats_table *t, dq_stat_row *row, dq_stat_field field, size_t n,
                  const char *error)
{
    if (!row)
        return;
    pthread_mutex_lock(&t->lock);
    size_t *counts[] = {&row->pub.sent, &row->pub.retried, &row->pub.failed,
                        &row->pub.skipped_journal, &row->pub.skipped_notify_on};
    *counts[field] += n;
    if (error) {
        char *copy = dq_strdup(error);
        if (copy) {
            free(row->last_error);
            row->last_error = copy;
            row->pub.last_error = copy;
        }
    }
    pthread_mutex_unlock(&t->lock);
}

static int row_compare(const void *a, const void *b)
{
    const dq_stat_row *x = *(dq_stat_row *const *)a;
    const dq_stat_row *y = *(dq_stat_row *const *)b;
    int c = strcmp(x->action, y->action);
    return c ? c : strcmp(x->label, y->label);
}

void dq_stats_sort(dq_stats_table *t)
{
    pthread_mutex_lock(&t->lock);
    if (t->len > 1)
        qsort(t->rows, t->len, sizeof *t->rows, row_compare);
    free(t->index); /* row numbers changed; the table is read-only from now on */
    t->index = NULL;
    t->index_slots = 0;
    pthread_mutex_unlock(&t->lock);
}

const dq_dispatch_stats *dq_stats_public(const dq_stats_table *t, size_t i)
{
    return i < t->len ? &t->rows[i]->pub : NULL;
}

void dq_stats_sum(const dq_stats_table *t, dq_dispatch_stats *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < t->len; i++) {
        const dq_dispatch_stats *s = &t->rows[i]->pub;
        out->sent += s->sent;
        out->retried += s->retried;
        out->failed += s->failed;
        out->skipped_journal += s->skipped_journal;
        out->skipped_notify_on += s->skipped_notify_on;
    }
}

static void print_counts(FILE *out, const dq_dispatch_stats *s, bool dry_run)
{
    fprintf(out,
            "%s %zu, retried %zu, failed %zu, skipped by journal %zu, skipped by notify_on %zu",
            dry_run ? "would send" : "sent", s->sent, s->retried, s->failed, s->skipped_journal,
            s->skipped_notify_on);
}

void dq_stats_print(const dq_stats_table *t, bool dry_run, FILE *out)
{
    for (size_t i = 0; i < t->len; i++) {
        const dq_dispatch_stats *s = &t->rows[i]->pub;
        fprintf(out, "%s -> %s: ", s->action, s->destination_label);
        print_counts(out, s, dry_run);
        if (s->last_error)
            fprintf(out, "; last error: %s", s->last_error);
        fputc('\n', out);
    }
    dq_dispatch_stats total;
    dq_stats_sum(t, &total);
    fputs("total: ", out);
    print_counts(out, &total, dry_run);
    fputc('\n', out);
}

static bool add_counts(cJSON *obj, const dq_dispatch_stats *s)
{
    return cJSON_AddNumberToObject(obj, "sent", (double)s->sent) &&
           cJSON_AddNumberToObject(obj, "retried", (double)s->retried) &&
           cJSON_AddNumberToObject(obj, "failed", (double)s->failed) &&
           cJSON_AddNumberToObject(obj, "skipped_journal", (double)s->skipped_journal) &&
           cJSON_AddNumberToObject(obj, "skipped_notify_on", (double)s->skipped_notify_on);
}

static cJSON *row_json(const dq_dispatch_stats *s)
{
    cJSON *obj = cJSON_CreateObject();
    bool ok = obj && cJSON_AddStringToObject(obj, "action", s->action) &&
              cJSON_AddStringToObject(obj, "destination", s->destination_label) &&
              add_counts(obj, s) &&
              (s->last_error ? cJSON_AddStringToObject(obj, "last_error", s->last_error) != NULL
                             : cJSON_AddNullToObject(obj, "last_error") != NULL);
    if (!ok) {
        cJSON_Delete(obj);
        return NULL;
    }
    return obj;
}

static cJSON *report_json(const dq_stats_table *t, bool dry_run)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON *totals = cJSON_CreateObject();
    cJSON *rows = cJSON_CreateArray();
    dq_dispatch_stats sum;
    dq_stats_sum(t, &sum);
    bool ok = doc && totals && rows && add_counts(totals, &sum);
    for (size_t i = 0; ok && i < t->len; i++) {
        cJSON *row = row_json(&t->rows[i]->pub);
        ok = row && cJSON_AddItemToArray(rows, row);
    }
    ok = ok && cJSON_AddBoolToObject(doc, "dry_run", dry_run) &&
         cJSON_AddItemToObject(doc, "totals", totals);
    if (ok)
        totals = NULL;
    ok = ok && cJSON_AddItemToObject(doc, "destinations", rows);
    if (ok)
        return doc;
    cJSON_Delete(totals);
    cJSON_Delete(rows);
    cJSON_Delete(doc);
    return NULL;
}

dq_code dq_stats_write_json(const dq_stats_table *t, bool dry_run, const char *path, dq_error *err)
{
    cJSON *doc = report_json(t, dry_run);
    char *json = doc ? cJSON_Print(doc) : NULL;
    cJSON_Delete(doc);
    char *text = json ? dq_asprintf("%s\n", json) : NULL;
    free(json);
    if (!text)
        return dq_fail(err, DQ_ENOMEM, "%s: out of memory writing the report", path);
    dq_code rc = dq_file_write_atomic(path, text, strlen(text), err);
    free(text);
    return rc;
}
