/* dqbatch run JOB.yaml: the nightly job. One scan of the stores feeds the docs build
 * and the actions from the same parsed result, so each stored result is read and
 * decoded at most once; an unchanged result the docs manifest knows and no action wants
 * is not read at all. The closing report covers both. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "dqbatch/docs.h"
#include "dqbatch/job.h"
#include "dqbatch/notify.h"
#include "options.h"

static const char run_help[] =
    "usage: dqbatch run JOB.yaml [options]\n"
    "Run a job file: build the docs of its stores and run its actions over its selection,\n"
    "reading each stored result once. 'dqbatch check-config JOB.yaml' checks the file.\n\n"
    "  --shard I/N           docs: the checkpoints shard I of N owns (merge the parts with\n"
    "                        'dqbatch docs merge'); actions: the destinations it owns.\n"
    "                        Default: JOB_COMPLETION_INDEX of JOB_COMPLETIONS, or\n"
    "                        SLURM_ARRAY_TASK_ID of SLURM_ARRAY_TASK_COUNT\n"
    "  --dry-run             print every request, secrets redacted, and send nothing\n"
    "  --report FILE         write the closing report as JSON (default: the job's report:)\n"
    "  --jobs N              worker threads (default: the job's jobs:, else one per core)\n"
    "  --quiet               no notes on stderr\n";

typedef struct run_args {
    const char *job_path;
    const char *report;
    dq_filter shard; /* only shard_index and shard_count are used */
    bool dry_run;
    bool quiet;
    int jobs;
} run_args;

/* Entries the docs took from the manifest although an action wants their run: they are
 * read for the actions only. Their seqs arrive in increasing order (the walking thread
 * numbers entries as it finds them), so the list stays sorted. */
typedef struct run_seqs {
    uint64_t *items;
    size_t len;
    size_t cap;
} run_seqs;

typedef struct run_state {
    const dq_job_file *job;
    dq_docs_session *docs;
    dq_notify *notify;
    pthread_mutex_t lock;
    run_seqs docs_known;
    size_t read;            /* results decoded in this run */
    size_t read_for_notify; /* of them, read for the actions only */
    bool out_of_memory;
} run_state;

/* ---- the scan's hooks ------------------------------------------------------------------ */

static bool run_seqs_has(run_state *run, uint64_t seq)
{
    pthread_mutex_lock(&run->lock);
    size_t lo = 0, hi = run->docs_known.len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (run->docs_known.items[mid] < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    bool found = lo < run->docs_known.len && run->docs_known.items[lo] == seq;
    pthread_mutex_unlock(&run->lock);
    return found;
}

static bool run_seqs_add(run_state *run, uint64_t seq)
{
    pthread_mutex_lock(&run->lock);
    run_seqs *s = &run->docs_known;
    bool ok = true;
    if (s->len == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        uint64_t *grown = realloc(s->items, cap * sizeof *grown);
        if (grown) {
            s->items = grown;
            s->cap = cap;
        }
        ok = grown != NULL;
    }
    if (ok)
        s->items[s->len++] = seq;
    pthread_mutex_unlock(&run->lock);
    return ok;
}

static dq_code run_result(const dq_entry *entry, dq_result *r, void *ctx, dq_error *err)
{
    run_state *run = ctx;
    bool docs_has = !run->docs || run_seqs_has(run, entry->seq);
    pthread_mutex_lock(&run->lock);
    run->read++;
    run->read_for_notify += run->docs && docs_has;
    pthread_mutex_unlock(&run->lock);
    if (run->notify)
        dq_notify_result(run->notify, r);
    return docs_has ? DQ_OK : dq_docs_session_result(run->docs, entry, r, err);
}

/* The docs manifest's record stands in for reading the entry, unless an action wants
 * the run: then the docs keep their record and the entry is read for the actions. */
static bool run_reuse(const dq_entry *entry, void *ctx, dq_record *rec)
{
    run_state *run = ctx;
    if (!dq_docs_session_reuse(run->docs, entry, rec))
        return false;
    if (!run->notify)
        return true;
    if (!dq_notify_wants(run->notify, rec)) {
        dq_notify_record(run->notify, rec);
        return true;
    }
    if (run_seqs_add(run, entry->seq)) {
        dq_record_free(rec);
        return false;
    }
    /* Without memory to remember it, the docs' record is kept and the actions lose this
     * run: say so, and fail the job. */
    dq_errorf("%s: out of memory; its actions were not run", entry->name);
    run->out_of_memory = true;
    return true;
}

/* Only without actions may an unchanged object be left in its bucket: whether an
 * action wants a run is known only from its record, which reuse gives. */
static bool run_known(const dq_entry *entry, void *ctx)
{
    run_state *run = ctx;
    return dq_docs_session_known(run->docs, entry);
}

/* ---- options ---------------------------------------------------------------------------- */

static int run_parse(int argc, char **argv, run_args *args)
{
    for (int i = 1; i < argc; i++) {
        const char *value = NULL;
        dq_error err = {0};
        if (dq_cli_flag(argv, i, "--help") || dq_cli_flag(argv, i, "-h")) {
            printf("%s", run_help);
            return 0;
        }
        if (dq_cli_flag(argv, i, "--dry-run")) {
            args->dry_run = true;
        } else if (dq_cli_flag(argv, i, "--quiet") || dq_cli_flag(argv, i, "-q")) {
            args->quiet = true;
        } else if (dq_cli_value(argc, argv, &i, "--report", &value)) {
            if (!(args->report = value))
                return 2;
        } else if (dq_cli_value(argc, argv, &i, "--shard", &value)) {
            if (!value || dq_filter_parse_shard(value, &args->shard.shard_index,
                                                &args->shard.shard_count, &err)) {
                if (value)
                    fprintf(stderr, "dqbatch run: %s\n", err.msg);
                return 2;
            }
        } else if (dq_cli_value(argc, argv, &i, "--jobs", &value)) {
            if (!value || !dq_cli_parse_int("run", "--jobs", value, 1, 1024, &args->jobs))
                return 2;
        } else if (argv[i][0] == '-' || args->job_path) {
            fprintf(stderr, "dqbatch run: unexpected '%s'\n%s", argv[i], run_help);
            return 2;
        } else {
            args->job_path = argv[i];
        }
    }
    if (!args->job_path) {
        fprintf(stderr, "dqbatch run: no job file given\n%s", run_help);
        return 2;
    }
    return dq_cli_shard_from_env(&args->shard) ? -1 : 2;
}

static bool run_load_job(const char *path, dq_job_file *job)
{
    dq_strlist problems = {0};
    dq_error err = {0};
    dq_code rc = dq_job_file_load(path, job, &problems, &err);
    for (size_t i = 0; i < problems.len; i++)
        dq_errorf("%s", problems.items[i]);
    if (rc && !problems.len)
        dq_errorf("%s", err.msg);
    if (rc)
        dq_errorf("%s: not valid; nothing was read or sent", path);
    dq_strlist_free(&problems);
    return rc == DQ_OK;
}

/* ---- the closing report --------------------------------------------------------------- */

typedef struct run_outcome {
    const run_args *args;
    dq_scan_report scan;
    dq_docs_report docs;
    bool docs_built;
    dq_notify_report notify;
    size_t read;
    size_t read_for_notify;
    /* Seconds of each stage, for the report (benchmarks read them; tests do not). */
    double scan_seconds;   /* reading, decoding, rendering, submitting */
    double docs_seconds;   /* the site's closing work */
    double notify_seconds; /* waiting for the last requests */
    int status;
} run_outcome;

static double run_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void run_json_count(cJSON *o, const char *key, size_t n)
{
    cJSON_AddNumberToObject(o, key, (double)n);
}

static cJSON *run_json_scan(const dq_scan_report *s, const run_outcome *out)
{
    cJSON *o = cJSON_CreateObject();
    run_json_count(o, "entries", s->entries);
    run_json_count(o, "selected", s->selected);
    run_json_count(o, "read", out->read);
    run_json_count(o, "read_for_actions_only", out->read_for_notify);
    run_json_count(o, "not_results", s->not_results);
    run_json_count(o, "bad", s->bad);
    run_json_count(o, "duplicates", s->duplicates);
    run_json_count(o, "conflicts", s->conflicts);
    return o;
}

static cJSON *run_json_docs(const dq_job_file *job, const dq_docs_report *d)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "site", job->docs.site);
    run_json_count(o, "runs", d->runs);
    run_json_count(o, "checkpoints", d->checkpoints);
    run_json_count(o, "pages_written", d->rendered);
    run_json_count(o, "reused", d->reused);
    run_json_count(o, "removed", d->removed);
    run_json_count(o, "failed", d->failed);
    cJSON_AddBoolToObject(o, "incremental", d->incremental);
    return o;
}

static cJSON *run_json_stats(const dq_dispatch_stats *st)
{
    cJSON *o = cJSON_CreateObject();
    if (st->action)
        cJSON_AddStringToObject(o, "action", st->action);
    if (st->destination_label)
        cJSON_AddStringToObject(o, "destination", st->destination_label);
    run_json_count(o, "sent", st->sent);
    run_json_count(o, "retried", st->retried);
    run_json_count(o, "failed", st->failed);
    run_json_count(o, "skipped_journal", st->skipped_journal);
    run_json_count(o, "skipped_notify_on", st->skipped_notify_on);
    if (st->last_error)
        cJSON_AddStringToObject(o, "last_error", st->last_error);
    return o;
}

static cJSON *run_json_notify(const dq_notify *n, const dq_notify_report *r)
{
    cJSON *o = cJSON_CreateObject();
    const dq_dispatch *d = dq_notify_dispatch(n);
    run_json_count(o, "results", r->results + r->records);
    run_json_count(o, "requests", r->requests);
    run_json_count(o, "other_shards", r->other_shard);
    run_json_count(o, "render_failed", r->render_failed);
    run_json_count(o, "unknown_checkpoint", r->unknown);
    dq_dispatch_stats totals;
    dq_dispatch_totals(d, &totals);
    cJSON_AddItemToObject(o, "totals", run_json_stats(&totals));
    cJSON *rows = cJSON_AddArrayToObject(o, "destinations");
    for (size_t i = 0; rows && i < dq_dispatch_stats_count(d); i++)
        cJSON_AddItemToArray(rows, run_json_stats(dq_dispatch_stats_at(d, i)));
    return o;
}

static dq_code run_write_report(const char *path, const dq_job_file *job, const run_state *run,
                                const run_outcome *out, dq_error *err)
{
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return dq_fail(err, DQ_ENOMEM, "%s: out of memory", path);
    cJSON_AddStringToObject(root, "job", job->path);
    cJSON *shard = cJSON_AddObjectToObject(root, "shard");
    if (shard) {
        cJSON_AddNumberToObject(shard, "index", out->args->shard.shard_index);
        cJSON_AddNumberToObject(shard, "count", out->args->shard.shard_count);
    }
    cJSON_AddBoolToObject(root, "dry_run", out->args->dry_run);
    cJSON_AddItemToObject(root, "scan", run_json_scan(&out->scan, out));
    if (out->docs_built)
        cJSON_AddItemToObject(root, "docs", run_json_docs(job, &out->docs));
    if (run->notify)
        cJSON_AddItemToObject(root, "notifications", run_json_notify(run->notify, &out->notify));
    cJSON *seconds = cJSON_AddObjectToObject(root, "seconds");
    if (seconds) {
        cJSON_AddNumberToObject(seconds, "scan", out->scan_seconds);
        cJSON_AddNumberToObject(seconds, "docs_finish", out->docs_seconds);
        cJSON_AddNumberToObject(seconds, "notify_finish", out->notify_seconds);
        cJSON_AddNumberToObject(seconds, "total",
                                out->scan_seconds + out->docs_seconds + out->notify_seconds);
    }
    cJSON_AddNumberToObject(root, "exit_status", out->status);
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text)
        return dq_fail(err, DQ_ENOMEM, "%s: out of memory", path);
    size_t len = strlen(text);
    dq_code rc = dq_file_write_atomic(path, text, len, err);
    free(text);
    return rc;
}

static int run_summary(const dq_job_file *job, const run_state *run, run_outcome *out)
{
    int status = dq_cli_scan_summary(&out->scan, "results");
    dq_note("read %zu results (%zu of them for the actions only)", out->read, out->read_for_notify);
    if (out->docs_built) {
        dq_note("docs %s: %zu runs of %zu checkpoints; %zu run pages written, %zu results "
                "unchanged since the last build, %zu files removed",
                job->docs.site, out->docs.runs, out->docs.checkpoints, out->docs.rendered,
                out->docs.reused, out->docs.removed);
        if (out->docs.failed) {
            dq_errorf("%s: %zu pages could not be written", job->docs.site, out->docs.failed);
            status = 1;
        }
    }
    if (run->notify) {
        dq_dispatch_print_summary(dq_notify_dispatch(run->notify), stderr);
        if (out->notify.other_shard)
            dq_note("%zu requests left to the shards owning their destinations",
                    out->notify.other_shard);
        if (dq_notify_status(run->notify))
            status = 1;
    }
    return status;
}

/* ---- the run ------------------------------------------------------------------------ */

/* The docs' own filter: the job's docs.select, and the shard's checkpoints. */
static void run_docs_filter(const dq_job_file *job, const run_args *args, dq_filter *f)
{
    *f = job->docs.select;
    f->shard_index = args->shard.shard_index;
    f->shard_count = args->shard.shard_count;
}

static bool run_docs_opts(const dq_job_file *job, dq_docs_opts *opts)
{
    dq_error err = {0};
    memset(opts, 0, sizeof *opts);
    opts->site_dir = job->docs.site;
    opts->history = job->docs.history;
    opts->page_size = job->docs.page_size;
    opts->site_name = job->docs.site_name;
    opts->base_url = job->docs.base_url;
    if (job->docs.format && dq_docs_format_parse(job->docs.format, &opts->format, &err)) {
        dq_errorf("%s: docs: format: %s", job->path, err.msg);
        return false;
    }
    return true;
}

/* A nightly job's first run finds no state folder yet: the journal's is made. */
static bool run_journal_dir(const char *journal)
{
    char *dir = dq_strdup(journal);
    char *slash = dir ? strrchr(dir, '/') : NULL;
    dq_error err = {0};
    bool ok = dir != NULL;
    if (slash && slash != dir) {
        *slash = '\0';
        ok = dq_mkdirs(dir, &err) == DQ_OK;
    }
    if (!ok)
        dq_errorf("%s", dir ? err.msg : "out of memory");
    free(dir);
    return ok;
}

static bool run_open_notify(const dq_job_file *job, const run_args *args, run_state *run)
{
    if (job->journal && !args->dry_run && !run_journal_dir(job->journal))
        return false;
    dq_notify_opts nopts;
    memset(&nopts, 0, sizeof nopts);
    nopts.config = &job->actions;
    nopts.select = &job->select;
    nopts.digest = job->digest;
    nopts.shard_index = args->shard.shard_index;
    nopts.shard_count = args->shard.shard_count;
    nopts.dispatch.max_in_flight = job->max_in_flight;
    nopts.dispatch.journal_path = job->journal;
    nopts.dispatch.dry_run = args->dry_run;
    nopts.dispatch.progress = !args->quiet;
    dq_error err = {0};
    if (dq_notify_open(&nopts, &run->notify, &err)) {
        dq_errorf("%s", err.msg);
        return false;
    }
    return true;
}

/* The scan, then the docs' closing work while the dispatcher still sends, then the
 * dispatcher's end. */
static void run_pass(const dq_job_file *job, run_state *run, const dq_scan_opts *scan,
                     run_outcome *out)
{
    dq_error err = {0};
    dq_records records;
    double start = run_clock();
    dq_code rc = dq_scan_run(scan, run_result, run, &records, &out->scan, &err);
    if (rc) {
        dq_errorf("%s", err.msg);
        out->status = 1;
    }
    dq_records_free(&records);
    double scanned = run_clock();
    out->scan_seconds = scanned - start;
    if (run->docs && rc == DQ_OK) {
        if (dq_docs_session_finish(run->docs, &out->scan, &out->docs, &err)) {
            dq_errorf("%s: %s", job->docs.site, err.msg);
            out->status = 1;
        } else {
            out->docs_built = true;
        }
    }
    double documented = run_clock();
    out->docs_seconds = documented - scanned;
    if (run->notify) {
        if (dq_notify_finish(run->notify, &err)) {
            dq_errorf("%s", err.msg);
            out->status = 1;
        }
        dq_notify_get_report(run->notify, &out->notify);
    }
    out->notify_seconds = run_clock() - documented;
    out->read = run->read;
    out->read_for_notify = run->read_for_notify;
    if (run->out_of_memory)
        out->status = 1;
}

static int run_execute(const run_args *args, const dq_job_file *job)
{
    run_state run;
    memset(&run, 0, sizeof run);
    run.job = job;
    pthread_mutex_init(&run.lock, NULL);
    run_outcome out;
    memset(&out, 0, sizeof out);
    out.args = args;
    dq_filter docs_filter;
    run_docs_filter(job, args, &docs_filter);
    dq_scan_opts docs_scan = {.inputs = (const char *const *)job->stores.items,
                              .input_count = (int)job->stores.len,
                              .filter = &docs_filter,
                              .jobs = args->jobs ? args->jobs : job->jobs,
                              .max_result_bytes = job->max_result_bytes};
    dq_scan_opts scan = docs_scan;
    dq_docs_opts docs_opts;
    dq_error err = {0};
    int status = 2;
    if (job->docs.site && (!run_docs_opts(job, &docs_opts) ||
                           dq_docs_session_open(&docs_opts, &docs_scan, &run.docs, &err))) {
        if (err.msg[0])
            dq_errorf("%s", err.msg);
        goto done;
    }
    if (job->has_actions && !run_open_notify(job, args, &run))
        goto done;
    /* With docs the scan takes every result: the session applies its own filter and
     * remembers the others; notify applies the job's selection. Without docs the scan
     * applies the selection itself. */
    scan.filter = run.docs ? NULL : &job->select;
    scan.reuse = run.docs ? run_reuse : NULL;
    scan.known = run.docs && !run.notify ? run_known : NULL;
    run_pass(job, &run, &scan, &out);
    status = run_summary(job, &run, &out) || out.status ? 1 : 0;
    out.status = status;
    const char *report = args->report ? args->report : job->report;
    if (report && run_write_report(report, job, &run, &out, &err)) {
        dq_errorf("%s", err.msg);
        status = 1;
    }
done:
    dq_notify_free(run.notify);
    dq_docs_session_free(run.docs);
    free(run.docs_known.items);
    pthread_mutex_destroy(&run.lock);
    return status;
}

int cmd_run(int argc, char **argv)
{
    run_args args;
    memset(&args, 0, sizeof args);
    int status = run_parse(argc, argv, &args);
    if (status >= 0)
        return status;
    dq_log_quiet(args.quiet);
    dq_job_file job;
    if (!run_load_job(args.job_path, &job))
        return 2;
    status = run_execute(&args, &job);
    dq_job_file_free(&job);
    return status;
}
