/* Merging the parts of a sharded build: every shard wrote the pages of its own
 * checkpoints and a partial manifest holding the summary of every stored result it saw.
 * The index, trend, history and the full manifest are drawn from those summaries alone:
 * each result is taken from the part of the shard that owns its checkpoint, in the
 * store order the parts were written in, so the site equals an unsharded build's. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "docs_map.h"

typedef struct docs_merge {
    const char *site_dir;
    docs_manifest first; /* the first part, whole: its order is the store's */
    docs_state **others; /* the states the other parts own, in part order */
    size_t others_len;
    size_t others_cap;
    dq_map other_by_key;
    bool *seen;           /* the shards read so far */
    docs_manifest merged; /* the full manifest */
    docs_state **shown;
    size_t shown_len;
    dq_docs_site site;
    docs_groups groups;
} docs_merge;

/* ---- finding and reading the parts -------------------------------------------------------- */

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The partial manifests in a site folder, in name order. */
static dq_code list_site_parts(const char *site, dq_strlist *files, dq_error *err)
{
    char *dir = dq_asprintf("%s/" DOCS_PARTS_DIR, site);
    DIR *d = dir ? opendir(dir) : NULL;
    if (!d) {
        dq_code rc =
            dir ? dq_fail(err, DQ_EUSAGE, "%s: no partial manifests: %s", site, strerror(errno))
                : dq_fail(err, DQ_ENOMEM, "out of memory");
        free(dir);
        return rc;
    }
    size_t before = files->len;
    dq_code rc = DQ_OK;
    struct dirent *e;
    while (rc == DQ_OK && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || !dq_str_ends_with(e->d_name, ".jsonl"))
            continue;
        char *path = dq_asprintf("%s/%s", dir, e->d_name);
        rc = path ? dq_strlist_add(files, path) : DQ_ENOMEM;
        free(path);
    }
    closedir(d);
    if (rc)
        rc = dq_fail(err, rc, "out of memory");
    else if (files->len == before)
        rc = dq_fail(err, DQ_EUSAGE, "%s: no partial manifests in %s", site, dir);
    else
        qsort(files->items + before, files->len - before, sizeof(char *), compare_names);
    free(dir);
    return rc;
}

static dq_code list_parts(const char *const *parts, int count, dq_strlist *files, dq_error *err)
{
    for (int i = 0; i < count; i++) {
        struct stat st;
        dq_code rc;
        if (stat(parts[i], &st) != 0)
            rc = dq_fail(err, DQ_EUSAGE, "%s: cannot open: %s", parts[i], strerror(errno));
        else if (S_ISDIR(st.st_mode))
            rc = list_site_parts(parts[i], files, err);
        else if ((rc = dq_strlist_add(files, parts[i])) != DQ_OK)
            rc = dq_fail(err, rc, "out of memory");
        if (rc)
            return rc;
    }
    return DQ_OK;
}

static bool same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* A part must be a partial manifest of the same build as the first. */
static dq_code check_part(docs_merge *mg, const docs_manifest *m, const char *path, dq_error *err)
{
    const docs_manifest *f = &mg->first;
    if (!m->fingerprint)
        return dq_fail(err, DQ_EUSAGE, "%s: not found", path);
    if (m->shard_count == 0 || m->history == 0 || !m->site_name)
        return dq_fail(err, DQ_EUSAGE, "%s: not the partial manifest of a sharded build", path);
    if (f != m && (strcmp(f->fingerprint, m->fingerprint) != 0 || f->format != m->format ||
                   f->page_size != m->page_size || f->history != m->history ||
                   !same_text(f->site_name, m->site_name) || !same_text(f->base_url, m->base_url) ||
                   f->shard_count != m->shard_count))
        return dq_fail(err, DQ_EUSAGE,
                       "%s: built with other options or another shard count than %s's parts", path,
                       mg->site_dir);
    if (f == m && !(mg->seen = calloc((size_t)m->shard_count, sizeof(*mg->seen))))
        return dq_fail(err, DQ_ENOMEM, "out of memory");
    if (mg->seen[m->shard_index])
        return dq_fail(err, DQ_EUSAGE, "%s: shard %d of %d is given twice", path, m->shard_index,
                       m->shard_count);
    mg->seen[m->shard_index] = true;
    return DQ_OK;
}

static bool owned(const docs_manifest *part, const docs_state *s)
{
    return dq_shard_of(s->run.checkpoint, part->shard_count) == part->shard_index;
}

/* Keeps the states a part other than the first owns; frees the rest as it goes, so that
 * only one whole part is held at a time. */
static dq_code keep_owned(docs_merge *mg, docs_manifest *m, const char *path, dq_error *err)
{
    for (size_t i = 0; i < m->len; i++) {
        docs_state *s = m->states[i];
        size_t at;
        if (!owned(m, s))
            continue;
        if (dq_map_get(&mg->other_by_key, s->key, &at))
            return dq_fail(err, DQ_EUSAGE, "%s: %s is owned by two shards: build them again", path,
                           s->relpath);
        docs_state **others =
            dq_array_grow(mg->others, mg->others_len, &mg->others_cap, sizeof *others, 256);
        if (!others)
            return dq_fail(err, DQ_ENOMEM, "out of memory");
        mg->others = others;
        if (dq_map_put(&mg->other_by_key, s->key, mg->others_len) != DQ_OK)
            return dq_fail(err, DQ_ENOMEM, "out of memory");
        mg->others[mg->others_len++] = s;
        m->states[i] = NULL;
    }
    return DQ_OK;
}

static dq_code read_parts(docs_merge *mg, const dq_strlist *files, dq_error *err)
{
    for (size_t k = 0; k < files->len; k++) {
        const char *path = files->items[k];
        docs_manifest part;
        docs_manifest *m = k == 0 ? &mg->first : &part;
        dq_code rc = docs_manifest_read(path, m, err);
        if (rc == DQ_OK)
            rc = check_part(mg, m, path, err);
        if (rc == DQ_OK && k > 0)
            rc = keep_owned(mg, m, path, err);
        if (k > 0)
            docs_manifest_free(&part);
        if (rc)
            return rc;
    }
    for (int i = 0; i < mg->first.shard_count; i++)
        if (!mg->seen[i])
            return dq_fail(err, DQ_EUSAGE, "shard %d of %d is missing", i, mg->first.shard_count);
    return DQ_OK;
}

/* ---- the full manifest ------------------------------------------------------------------- */

static dq_code merged_add(docs_merge *mg, docs_state *s)
{
    s->line_at = -1; /* its line is in the part, not in the manifest being written */
    if (docs_manifest_add(&mg->merged, s) != DQ_OK) {
        docs_state_free(s);
        return DQ_ENOMEM;
    }
    return DQ_OK;
}

/* Each result from the part that owns it, in the first part's order; results only the
 * other parts saw (the store changed between the shards' builds) come after. */
static dq_code merge_states(docs_merge *mg, dq_error *err)
{
    size_t lost = 0;
    dq_code rc = DQ_OK;
    for (size_t i = 0; rc == DQ_OK && i < mg->first.len; i++) {
        docs_state *s = mg->first.states[i], *taken = NULL;
        size_t at;
        if (owned(&mg->first, s)) {
            taken = s;
            mg->first.states[i] = NULL;
        } else if (dq_map_get(&mg->other_by_key, s->key, &at) && mg->others[at]) {
            taken = mg->others[at];
            mg->others[at] = NULL;
        } else {
            lost++;
        }
        if (taken)
            rc = merged_add(mg, taken);
    }
    for (size_t i = 0; rc == DQ_OK && i < mg->others_len; i++)
        if (mg->others[i]) {
            rc = merged_add(mg, mg->others[i]);
            mg->others[i] = NULL;
        }
    if (rc)
        return dq_fail(err, rc, "out of memory");
    if (lost)
        dq_warn("%s: %zu results were seen by one shard but not by the one that owns them (the "
                "store changed between the shards' builds); the next build reads them again",
                mg->site_dir, lost);
    return DQ_OK;
}

/* ---- the pages ----------------------------------------------------------------------------- */

static dq_code merge_site(docs_merge *mg, const char *generated_at, dq_error *err)
{
    const docs_manifest *f = &mg->first;
    dq_docs_site *site = &mg->site;
    site->format = f->format;
    site->ext = dq_docs_format_ext(f->format);
    site->site_name = f->site_name;
    site->base_url = f->base_url;
    site->generated_at = generated_at ? generated_at : f->generated_at;
    site->history = f->history;
    site->page_size = f->page_size;
    if (site->generated_at && dq_time_parse_iso(site->generated_at, &site->now) != DQ_OK)
        return dq_fail(err, DQ_EUSAGE, "--generated-at: '%s' is not an ISO time",
                       site->generated_at);
    mg->shown = malloc((mg->merged.len + 1) * sizeof(*mg->shown));
    if (!mg->shown)
        return dq_fail(err, DQ_ENOMEM, "out of memory");
    for (size_t i = 0; i < mg->merged.len; i++)
        if (mg->merged.states[i]->page)
            mg->shown[mg->shown_len++] = mg->merged.states[i];
    docs_site_set_now(site, mg->shown, mg->shown_len);
    if (docs_groups_make(&mg->groups, mg->shown, mg->shown_len) != DQ_OK)
        return dq_fail(err, DQ_ENOMEM, "out of memory");
    return DQ_OK;
}

static dq_code merge_write(docs_merge *mg, dq_docs_report *report, dq_error *err)
{
    report->failed += docs_write_root(mg->site_dir, &mg->site, &mg->groups);
    char *path = dq_asprintf("%s/" DOCS_MANIFEST_FILE, mg->site_dir);
    if (!path || docs_manifest_set_site(&mg->merged, mg->first.fingerprint, &mg->site) != DQ_OK) {
        free(path);
        return dq_fail(err, DQ_ENOMEM, "out of memory");
    }
    char *dir = dq_asprintf("%s/" DOCS_META_DIR, mg->site_dir);
    dq_code rc = dir ? dq_mkdirs(dir, err) : dq_fail(err, DQ_ENOMEM, "out of memory");
    if (rc == DQ_OK)
        rc = docs_manifest_write(path, &mg->merged, err);
    free(dir);
    free(path);
    return rc;
}

static void merge_free(docs_merge *mg)
{
    docs_manifest_free(&mg->first);
    for (size_t i = 0; i < mg->others_len; i++)
        docs_state_free(mg->others[i]);
    free(mg->others);
    dq_map_free(&mg->other_by_key);
    free(mg->seen);
    docs_manifest_free(&mg->merged);
    free(mg->shown);
    docs_groups_free(&mg->groups);
}

dq_code dq_docs_merge(const char *const *parts, int count, const char *site_dir,
                      const char *generated_at, dq_docs_report *report, dq_error *err)
{
    memset(report, 0, sizeof(*report));
    if (count < 1)
        return dq_fail(err, DQ_EUSAGE, "docs merge: no parts given");
    docs_merge mg = {.site_dir = site_dir};
    dq_strlist files = {0};
    dq_code rc = list_parts(parts, count, &files, err);
    if (rc == DQ_OK)
        rc = read_parts(&mg, &files, err);
    if (rc == DQ_OK)
        rc = merge_states(&mg, err);
    if (rc == DQ_OK)
        rc = merge_site(&mg, generated_at, err);
    if (rc == DQ_OK) {
        report->runs = mg.shown_len;
        report->checkpoints = mg.groups.count;
        rc = merge_write(&mg, report, err);
    }
    merge_free(&mg);
    dq_strlist_free(&files);
    return rc;
}
