/* dqbatch notify: runs the configured actions over the selected stored results. Scan
 * workers decode and render; the dispatcher sends, paced per destination; the journal
 * makes a re-run send nothing twice. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "dqbatch/actions.h"
#include "options.h"

static const char notify_help[] =
    "usage: dqbatch notify [options] PATH... -c CONFIG\n"
    "Run the actions of CONFIG (truthound's checkpoint YAML, or dqbatch's YAML/JSON with\n"
    "actions:) over the stored results under PATH, sending in parallel, paced per\n"
    "destination.\n\n"
    "  -c, --config FILE     the actions to run (required)\n"
    "  --dry-run             print every request, secrets redacted, and send nothing\n"
    "  --journal FILE        record deliveries; a re-run sends nothing twice\n"
    "  --report FILE         write the closing summary as JSON\n"
    "  --max-in-flight N     requests in flight overall (default 64)\n"
    "  --digest              outage mode: one summary message per chat destination and\n"
    "                        checkpoint, one event per incident key with the latest state\n";

typedef struct notify_run {
    const dq_config *config;
    dq_render_context ctx;
    dq_dispatch *dispatch;
    dq_digest *digest; /* --digest, else NULL */
    pthread_mutex_t lock;
    char **labels;      /* per action: destination label for skip counts */
    dq_strlist unknown; /* truthound form: checkpoints the config does not have */
    size_t *unknown_counts;
    size_t render_failed;
} notify_run;

/* The label the dispatcher counts an action's requests under, learnt from one render so
 * that "skipped by notify_on" lands on the same row as what was sent. */
static const char *notify_label(notify_run *run, size_t i, const dq_result *r)
{
    pthread_mutex_lock(&run->lock);
    const char *label = run->labels[i];
    pthread_mutex_unlock(&run->lock);
    if (label)
        return label;
    dq_request_list list = {0};
    dq_error err = {0};
    char *found = NULL;
    if (dq_action_render(&run->config->actions[i], r, &run->ctx, &list, &err) == DQ_OK && list.len)
        found = dq_strdup(list.items[0].destination_label);
    else
        found = dq_asprintf("%s:-", dq_action_type_name(run->config->actions[i].type));
    dq_request_list_free(&list);
    pthread_mutex_lock(&run->lock);
    if (!run->labels[i])
        run->labels[i] = found;
    else
        free(found);
    label = run->labels[i];
    pthread_mutex_unlock(&run->lock);
    return label;
}

static void notify_unknown(notify_run *run, const char *checkpoint)
{
    pthread_mutex_lock(&run->lock);
    size_t i = 0;
    while (i < run->unknown.len && strcmp(run->unknown.items[i], checkpoint) != 0)
        i++;
    if (i == run->unknown.len) {
        size_t *grown = realloc(run->unknown_counts, (i + 1) * sizeof *grown);
        if (grown && dq_strlist_add(&run->unknown, checkpoint) == DQ_OK) {
            run->unknown_counts = grown;
            grown[i] = 0;
        } else {
            run->unknown_counts = grown ? grown : run->unknown_counts;
            i = SIZE_MAX;
        }
    }
    if (i != SIZE_MAX)
        run->unknown_counts[i]++;
    pthread_mutex_unlock(&run->lock);
}

static void notify_count_failure(notify_run *run, const char *msg)
{
    dq_errorf("%s", msg);
    pthread_mutex_lock(&run->lock);
    run->render_failed++;
    pthread_mutex_unlock(&run->lock);
}

static void notify_action(notify_run *run, size_t i, const dq_result *r)
{
    const dq_action_config *a = &run->config->actions[i];
    dq_applies applies = dq_action_applies(a, r);
    if (applies == DQ_APPLIES_NOTIFY_ON) {
        dq_dispatch_count_skipped(run->dispatch, a->name, notify_label(run, i, r), 1);
        return;
    }
    if (applies != DQ_APPLIES_YES)
        return;
    if (run->digest && dq_digest_covers(a)) {
        dq_error err = {0};
        if (dq_digest_add(run->digest, i, r, &err))
            notify_count_failure(run, err.msg);
        return;
    }
    dq_request_list list = {0};
    dq_error err = {0};
    if (dq_action_render(a, r, &run->ctx, &list, &err) != DQ_OK)
        notify_count_failure(run, err.msg);
    for (size_t k = 0; k < list.len; k++)
        dq_dispatch_submit(run->dispatch, &list.items[k]);
    dq_request_list_free(&list);
}

static dq_code notify_result(const dq_entry *entry, dq_result *r, void *ctx, dq_error *err)
{
    (void)entry, (void)err;
    notify_run *run = ctx;
    if (run->config->truthound_form &&
        !dq_config_has_checkpoint(run->config, r->checkpoint_name ? r->checkpoint_name : "")) {
        notify_unknown(run, r->checkpoint_name ? r->checkpoint_name : "");
        return DQ_OK;
    }
    for (size_t i = 0; i < run->config->count; i++)
        notify_action(run, i, r);
    return DQ_OK;
}

/* --digest: one message per group, once every result was folded in. */
static void notify_submit_digest(notify_run *run)
{
    for (size_t g = 0; g < dq_digest_count(run->digest); g++) {
        dq_request_list list = {0};
        dq_error err = {0};
        if (dq_digest_render(run->digest, g, &run->ctx, &list, &err) != DQ_OK)
            notify_count_failure(run, err.msg);
        for (size_t k = 0; k < list.len; k++)
            dq_dispatch_submit(run->dispatch, &list.items[k]);
        dq_request_list_free(&list);
    }
}

/* Problems first, each on its own line, then how many. */
static bool notify_load_config(const char *path, dq_config *config)
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

typedef struct notify_args {
    dq_cli_common common;
    const char *config;
    const char *journal;
    const char *report;
    bool dry_run;
    bool digest;
    int max_in_flight;
} notify_args;

/* Returns -1 to go on, else the exit status. */
static int notify_parse(int argc, char **argv, notify_args *args)
{
    for (int i = 1; i < argc; i++) {
        const char *value = NULL;
        if (dq_cli_flag(argv, i, "--help")) {
            printf("%s%s", notify_help, dq_cli_common_help);
            return 0;
        }
        if (dq_cli_flag(argv, i, "--dry-run")) {
            args->dry_run = true;
            continue;
        }
        if (dq_cli_flag(argv, i, "--digest")) {
            args->digest = true;
            continue;
        }
        if (dq_cli_value(argc, argv, &i, "-c", &value) ||
            dq_cli_value(argc, argv, &i, "--config", &value)) {
            if (!(args->config = value))
                return 2;
            continue;
        }
        if (dq_cli_value(argc, argv, &i, "--journal", &value)) {
            if (!(args->journal = value))
                return 2;
            continue;
        }
        if (dq_cli_value(argc, argv, &i, "--report", &value)) {
            if (!(args->report = value))
                return 2;
            continue;
        }
        if (dq_cli_value(argc, argv, &i, "--max-in-flight", &value)) {
            char *end = NULL;
            long n = value ? strtol(value, &end, 10) : 0;
            if (!value || *end || n < 1 || n > 100000) {
                fprintf(stderr, "dqbatch notify: --max-in-flight needs a number from 1\n");
                return 2;
            }
            args->max_in_flight = (int)n;
            continue;
        }
        int taken = dq_cli_common_take(&args->common, argc, argv, &i);
        if (taken < 0)
            return 2;
        if (taken == 0) {
            fprintf(stderr, "dqbatch notify: unknown option '%s'\n%s", argv[i], notify_help);
            return 2;
        }
    }
    if (!args->config) {
        fprintf(stderr, "dqbatch notify: -c CONFIG is required\n%s", notify_help);
        return 2;
    }
    return dq_cli_common_check(&args->common, "notify") ? -1 : 2;
}

static void notify_report_unknown(const notify_run *run)
{
    for (size_t i = 0; i < run->unknown.len; i++)
        dq_warn("checkpoint \"%s\" is not in %s: %zu result%s skipped", run->unknown.items[i],
                run->config->path, run->unknown_counts[i], run->unknown_counts[i] == 1 ? "" : "s");
}

static void notify_run_free(notify_run *run)
{
    for (size_t i = 0; run->labels && i < run->config->count; i++)
        free(run->labels[i]);
    free(run->labels);
    free(run->unknown_counts);
    dq_strlist_free(&run->unknown);
    dq_digest_free(run->digest);
    pthread_mutex_destroy(&run->lock);
}

static int notify_execute(notify_args *args, const dq_config *config)
{
    notify_run run;
    memset(&run, 0, sizeof run);
    pthread_mutex_init(&run.lock, NULL);
    run.config = config;
    dq_render_context_from_env(&run.ctx);
    run.labels = calloc(config->count ? config->count : 1, sizeof *run.labels);
    dq_error err = {0};
    if (!run.labels || (args->digest && !(run.digest = dq_digest_new(config)))) {
        dq_errorf("out of memory");
        notify_run_free(&run);
        return 1;
    }
    dq_dispatch_options dopts = {0};
    dopts.max_in_flight = args->max_in_flight;
    dopts.journal_path = args->journal;
    dopts.dry_run = args->dry_run;
    dopts.progress = !args->common.quiet;
    if (dq_dispatch_open(&dopts, &run.dispatch, &err)) {
        dq_errorf("%s", err.msg);
        notify_run_free(&run);
        return 2;
    }
    dq_scan_opts opts;
    dq_cli_scan_opts(&args->common, &opts);
    dq_records records;
    dq_scan_report report;
    dq_code rc = dq_scan_run(&opts, notify_result, &run, &records, &report, &err);
    if (rc)
        dq_errorf("%s", err.msg);
    if (run.digest)
        notify_submit_digest(&run);
    dq_code finish = dq_dispatch_finish(run.dispatch, &err);
    if (finish)
        dq_errorf("%s", err.msg);
    notify_report_unknown(&run);
    int status = dq_cli_scan_summary(&report, "results") || rc || finish ? 1 : 0;
    dq_dispatch_print_summary(run.dispatch, stderr);
    dq_dispatch_stats totals;
    dq_dispatch_totals(run.dispatch, &totals);
    if (totals.failed || run.render_failed)
        status = 1;
    if (args->report && dq_dispatch_write_report(run.dispatch, args->report, &err)) {
        dq_errorf("%s", err.msg);
        status = 1;
    }
    dq_dispatch_free(run.dispatch);
    dq_records_free(&records);
    notify_run_free(&run);
    return status;
}

int cmd_notify(int argc, char **argv)
{
    notify_args args;
    memset(&args, 0, sizeof args);
    dq_cli_common_init(&args.common);
    int status = notify_parse(argc, argv, &args);
    if (status < 0) {
        dq_log_quiet(args.common.quiet);
        dq_config config;
        status = 2;
        if (notify_load_config(args.config, &config)) {
            status = notify_execute(&args, &config);
            dq_config_free(&config);
        }
    }
    dq_cli_common_free(&args.common);
    return status;
}
