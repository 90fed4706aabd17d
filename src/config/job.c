/* Loading a job file (dqbatch run): the stores, the selection, the docs and the actions,
 * every problem reported with its line before anything runs. */
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"
#include "dqbatch/job.h"

#define JOB_MAX_BYTES ((size_t)16 << 20)

typedef struct job_loader {
    const char *name;
    char *dir; /* the job file's folder: relative paths in it are taken from there */
    config_tree tree;
    dq_job_file *job;
    dq_strlist problems;
    bool out_of_memory;
} job_loader;

static void job_report(job_loader *l, const cJSON *node, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void job_report(job_loader *l, const cJSON *node, const char *key, const char *fmt, ...)
{
    char what[400];
    char line[640];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    int n = config_tree_line(&l->tree, node);
    if (n > 0)
        snprintf(line, sizeof line, "%s:%d: %s: %s", l->name, n, key, what);
    else /* the whole file: no line to point at */
        snprintf(line, sizeof line, "%s: %s: %s", l->name, key, what);
    if (dq_strlist_add(&l->problems, line))
        l->out_of_memory = true;
}

/* ---- values ------------------------------------------------------------------------ */

/* A string with ${VAR} expanded, or NULL after reporting why not. */
static char *job_text(job_loader *l, const cJSON *v, const char *key)
{
    if (!cJSON_IsString(v)) {
        job_report(l, v, key, "must be a string");
        return NULL;
    }
    char *text = NULL;
    dq_error err = {0};
    if (config_env_expand(v->valuestring, NULL, &text, &err)) {
        job_report(l, v, key, "%s", err.msg);
        return NULL;
    }
    if (!*text) {
        job_report(l, v, key, "must not be empty");
        free(text);
        return NULL;
    }
    return text;
}

/* A path; a relative one is taken from the job file's folder, so a job runs the same
 * from cron, systemd or a shell in any directory. s3:// URLs stay as they are. */
static char *job_path(job_loader *l, const cJSON *v, const char *key)
{
    char *text = job_text(l, v, key);
    if (!text || text[0] == '/' || strstr(text, "://") || !strcmp(l->dir, "."))
        return text;
    char *full = dq_asprintf("%s/%s", l->dir, text);
    free(text);
    if (!full)
        l->out_of_memory = true;
    return full;
}

static void job_set_path(job_loader *l, const cJSON *v, const char *key, char **out)
{
    free(*out);
    *out = job_path(l, v, key);
}

static void job_set_text(job_loader *l, const cJSON *v, const char *key, char **out)
{
    free(*out);
    *out = job_text(l, v, key);
}

static bool job_number(job_loader *l, const cJSON *v, const char *key, long long min, long long max,
                       long long *out)
{
    double d;
    char *text = NULL;
    if (cJSON_IsNumber(v)) {
        d = v->valuedouble;
    } else if (cJSON_IsString(v) && (text = job_text(l, v, key)) != NULL) {
        char *end = NULL;
        d = strtod(text, &end);
        bool whole = end != text && *end == '\0';
        free(text);
        if (!whole) {
            job_report(l, v, key, "must be a whole number");
            return false;
        }
    } else {
        if (!cJSON_IsString(v))
            job_report(l, v, key, "must be a whole number");
        return false;
    }
    if (d != (double)(long long)d || d < (double)min || d > (double)max) {
        job_report(l, v, key, "must be a whole number from %lld to %lld", min, max);
        return false;
    }
    *out = (long long)d;
    return true;
}

static void job_set_int(job_loader *l, const cJSON *v, const char *key, long long max, int *out)
{
    long long n;
    if (job_number(l, v, key, 1, max, &n))
        *out = (int)n;
}

static void job_set_bool(job_loader *l, const cJSON *v, const char *key, bool *out)
{
    if (cJSON_IsBool(v))
        *out = cJSON_IsTrue(v);
    else
        job_report(l, v, key, "must be true or false");
}

/* A string or a list of strings, each added to out. */
static void job_add_strings(job_loader *l, const cJSON *v, const char *key, bool paths,
                            dq_strlist *out)
{
    if (!cJSON_IsArray(v) && !cJSON_IsString(v)) {
        job_report(l, v, key, "must be a string or a list of strings");
        return;
    }
    const cJSON *items = cJSON_IsArray(v) ? v->child : v;
    for (const cJSON *c = items; c; c = cJSON_IsArray(v) ? c->next : NULL) {
        char *text = paths ? job_path(l, c, key) : job_text(l, c, key);
        if (text && dq_strlist_add(out, text))
            l->out_of_memory = true;
        free(text);
    }
}

/* ---- a selection ------------------------------------------------------------------- */

static void job_time(job_loader *l, const cJSON *v, const char *key, bool *has, dq_time *out)
{
    char *text = job_text(l, v, key);
    if (!text)
        return;
    if (dq_time_parse_arg(text, dq_time_now(), out) != DQ_OK)
        job_report(l, v, key,
                   "\"%s\" is neither an ISO time (2024-03-07T18:47:07) nor an age "
                   "(24h, 7d)",
                   text);
    else
        *has = true;
    free(text);
}

static void job_statuses(job_loader *l, const cJSON *v, const char *key, unsigned *mask)
{
    dq_strlist names = {0};
    job_add_strings(l, v, key, false, &names);
    for (size_t i = 0; i < names.len; i++) {
        unsigned one = 0;
        dq_error err = {0};
        if (dq_filter_parse_statuses(names.items[i], &one, &err))
            job_report(l, v, key, "%s", err.msg);
        *mask |= one;
    }
    dq_strlist_free(&names);
}

static void job_filter(job_loader *l, const cJSON *node, const char *key, dq_filter *f)
{
    if (!cJSON_IsObject(node)) {
        job_report(l, node, key,
                   "must be a mapping of since, until, checkpoints, statuses, "
                   "assets");
        return;
    }
    const cJSON *c;
    cJSON_ArrayForEach(c, node)
    {
        if (!strcmp(c->string, "since"))
            job_time(l, c, "since", &f->has_since, &f->since);
        else if (!strcmp(c->string, "until"))
            job_time(l, c, "until", &f->has_until, &f->until);
        else if (!strcmp(c->string, "checkpoints"))
            job_add_strings(l, c, "checkpoints", false, &f->checkpoints);
        else if (!strcmp(c->string, "assets"))
            job_add_strings(l, c, "assets", false, &f->assets);
        else if (!strcmp(c->string, "statuses"))
            job_statuses(l, c, "statuses", &f->statuses);
        else
            job_report(l, c, c->string,
                       "unknown key in %s (since, until, checkpoints, statuses, "
                       "assets)",
                       key);
    }
}

/* ---- docs -------------------------------------------------------------------------- */

static void job_docs_format(job_loader *l, const cJSON *v, char **out)
{
    static const char *const formats[] = {"html", "markdown", "md", "json", NULL};
    job_set_text(l, v, "format", out);
    for (size_t i = 0; *out && formats[i]; i++)
        if (!strcmp(*out, formats[i]))
            return;
    if (*out)
        job_report(l, v, "format", "\"%s\" is not one of html, markdown, json", *out);
}

static void job_docs(job_loader *l, const cJSON *node)
{
    dq_job_docs *d = &l->job->docs;
    if (!cJSON_IsObject(node)) {
        job_report(l, node, "docs", "must be a mapping with site: and the docs options");
        return;
    }
    const cJSON *c;
    cJSON_ArrayForEach(c, node)
    {
        if (!strcmp(c->string, "site"))
            job_set_path(l, c, "site", &d->site);
        else if (!strcmp(c->string, "format"))
            job_docs_format(l, c, &d->format);
        else if (!strcmp(c->string, "history"))
            job_set_int(l, c, "history", 1000000, &d->history);
        else if (!strcmp(c->string, "page_size"))
            job_set_int(l, c, "page_size", 1000000, &d->page_size);
        else if (!strcmp(c->string, "base_url"))
            job_set_text(l, c, "base_url", &d->base_url);
        else if (!strcmp(c->string, "site_name"))
            job_set_text(l, c, "site_name", &d->site_name);
        else if (!strcmp(c->string, "select"))
            job_filter(l, c, "select", &d->select);
        else
            job_report(l, c, c->string,
                       "unknown key in docs (site, format, history, page_size, "
                       "base_url, site_name, select)");
    }
    if (!d->site && !cJSON_GetObjectItemCaseSensitive(node, "site"))
        job_report(l, node, "site", "required in docs: the folder the site is written to");
    if (d->base_url && strncmp(d->base_url, "http://", 7) && strncmp(d->base_url, "https://", 8))
        job_report(l, cJSON_GetObjectItemCaseSensitive(node, "base_url"), "base_url",
                   "must be an http(s) URL");
}

/* ---- actions ----------------------------------------------------------------------- */

static void job_take_config_problems(job_loader *l, dq_strlist *problems, dq_code rc,
                                     const dq_error *err)
{
    for (size_t i = 0; i < problems->len; i++)
        if (dq_strlist_add(&l->problems, problems->items[i]))
            l->out_of_memory = true;
    if (rc && !problems->len && dq_strlist_add(&l->problems, err->msg))
        l->out_of_memory = true;
    if (rc == DQ_ENOMEM)
        l->out_of_memory = true;
    dq_strlist_free(problems);
}

static void job_actions(job_loader *l, cJSON *node)
{
    dq_job_file *job = l->job;
    dq_strlist problems = {0};
    dq_error err = {0};
    dq_code rc;
    if (cJSON_IsString(node)) {
        if (!(job->actions_file = job_path(l, node, "actions")))
            return;
        rc = dq_config_load(job->actions_file, &job->actions, &problems, &err);
    } else if (cJSON_IsArray(node)) {
        rc = config_read_actions(l->name, &l->tree, node, &job->actions, &problems, &err);
    } else {
        job_report(l, node, "actions",
                   "must be a list of actions or the path of a config (dqbatch's or "
                   "truthound's checkpoint YAML)");
        return;
    }
    job->has_actions = rc == DQ_OK;
    job_take_config_problems(l, &problems, rc, &err);
}

/* ---- the file ---------------------------------------------------------------------- */

static void job_key(job_loader *l, cJSON *c)
{
    dq_job_file *job = l->job;
    long long n;
    if (!strcmp(c->string, "stores"))
        job_add_strings(l, c, "stores", true, &job->stores);
    else if (!strcmp(c->string, "selection"))
        job_filter(l, c, "selection", &job->select);
    else if (!strcmp(c->string, "docs"))
        job_docs(l, c);
    else if (!strcmp(c->string, "actions"))
        job_actions(l, c);
    else if (!strcmp(c->string, "digest"))
        job_set_bool(l, c, "digest", &job->digest);
    else if (!strcmp(c->string, "max_in_flight"))
        job_set_int(l, c, "max_in_flight", 100000, &job->max_in_flight);
    else if (!strcmp(c->string, "jobs"))
        job_set_int(l, c, "jobs", 1024, &job->jobs);
    else if (!strcmp(c->string, "journal"))
        job_set_path(l, c, "journal", &job->journal);
    else if (!strcmp(c->string, "report"))
        job_set_path(l, c, "report", &job->report);
    else if (!strcmp(c->string, "max_result_bytes")) {
        if (job_number(l, c, "max_result_bytes", 1, (long long)1 << 40, &n))
            job->max_result_bytes = (size_t)n;
    } else
        job_report(l, c, c->string,
                   "unknown key in a job (stores, selection, docs, actions, digest, "
                   "max_in_flight, journal, report, jobs, max_result_bytes)");
}

static void job_read_root(job_loader *l)
{
    cJSON *root = l->tree.root;
    if (!cJSON_IsObject(root)) {
        job_report(l, root, "job",
                   "the top level must be a mapping with stores: and docs: "
                   "or actions:");
        return;
    }
    cJSON *c;
    cJSON_ArrayForEach(c, root)
    {
        job_key(l, c);
    }
    if (!cJSON_GetObjectItemCaseSensitive(root, "stores"))
        job_report(l, root, "stores", "required: the stores to read (folders, archives, s3://)");
    if (!cJSON_GetObjectItemCaseSensitive(root, "docs") &&
        !cJSON_GetObjectItemCaseSensitive(root, "actions"))
        job_report(l, root, "job", "nothing to do: give docs:, actions: or both");
}

static char *job_dir_of(const char *path)
{
    char *copy = dq_strdup(path);
    if (!copy)
        return NULL;
    char *dir = dq_strdup(dirname(copy));
    free(copy);
    return dir;
}

dq_code dq_job_file_parse(const char *name, const char *text, size_t len, dq_job_file *out,
                          dq_strlist *problems, dq_error *err)
{
    memset(out, 0, sizeof *out);
    job_loader l;
    memset(&l, 0, sizeof l);
    l.name = name;
    l.job = out;
    dq_code rc = config_tree_parse(name, text, len, &l.tree, err);
    if (rc) {
        rc = config_note_failure(problems, err, rc);
        return rc == DQ_ENOMEM ? rc : DQ_ECONFIG;
    }
    out->path = dq_strdup(name);
    l.dir = job_dir_of(name);
    if (!out->path || !l.dir)
        l.out_of_memory = true;
    else
        job_read_root(&l);
    config_tree_free(&l.tree);
    free(l.dir);
    for (size_t i = 0; problems && i < l.problems.len; i++)
        if (dq_strlist_add(problems, l.problems.items[i]))
            l.out_of_memory = true;
    if (l.out_of_memory)
        rc = dq_fail(err, DQ_ENOMEM, "%s: out of memory", name);
    else if (l.problems.len)
        rc = config_problems_fail(err, l.problems.items[0], l.problems.len);
    dq_strlist_free(&l.problems);
    if (rc)
        dq_job_file_free(out);
    return rc;
}

dq_code dq_job_file_load(const char *path, dq_job_file *out, dq_strlist *problems, dq_error *err)
{
    dq_buf text;
    memset(out, 0, sizeof *out);
    dq_code rc = config_file_read(path, JOB_MAX_BYTES, &text, problems, err);
    if (rc)
        return rc;
    rc = dq_job_file_parse(path, dq_buf_str(&text), text.len, out, problems, err);
    dq_buf_free(&text);
    return rc;
}

void dq_job_file_free(dq_job_file *job)
{
    free(job->path);
    dq_strlist_free(&job->stores);
    dq_filter_free(&job->select);
    free(job->docs.site);
    free(job->docs.format);
    free(job->docs.base_url);
    free(job->docs.site_name);
    dq_filter_free(&job->docs.select);
    free(job->actions_file);
    dq_config_free(&job->actions);
    free(job->journal);
    free(job->report);
    memset(job, 0, sizeof *job);
}

bool dq_job_file_detect(const char *name, const char *text, size_t len)
{
    config_tree tree;
    dq_error err = {0};
    if (config_tree_parse(name, text, len, &tree, &err) != DQ_OK)
        return false;
    bool job = cJSON_IsObject(tree.root) && cJSON_GetObjectItemCaseSensitive(tree.root, "stores");
    config_tree_free(&tree);
    return job;
}
