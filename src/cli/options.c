/* The shared option parser of the commands that read a store. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

const char dq_cli_common_help[] =
    "  --since TIME          only runs at or after TIME (ISO time, or an age: 24h, 7d)\n"
    "  --until TIME          only runs before TIME\n"
    "  --checkpoint GLOB     only these checkpoints (repeatable)\n"
    "  --status LIST         only these statuses (success,failure,warning,error)\n"
    "  --asset GLOB          only these data assets (repeatable)\n"
    "  --shard I/N           shard I of N (0 <= I < N); default: JOB_COMPLETION_INDEX of\n"
    "                        JOB_COMPLETIONS, or SLURM_ARRAY_TASK_ID of SLURM_ARRAY_TASK_COUNT\n"
    "  --jobs N              worker threads (default: one per core)\n"
    "  --max-result-bytes N  refuse results that inflate past N bytes (default 256 MiB)\n"
    "  --quiet               no notes on stderr\n";

void dq_cli_common_init(dq_cli_common *c)
{
    memset(c, 0, sizeof(*c));
    c->max_result_bytes = DQ_DEFAULT_MAX_RESULT_BYTES;
}

void dq_cli_common_free(dq_cli_common *c)
{
    dq_strlist_free(&c->inputs);
    dq_filter_free(&c->filter);
}

bool dq_cli_flag(char **argv, int i, const char *name)
{
    return strcmp(argv[i], name) == 0;
}

bool dq_cli_value(int argc, char **argv, int *i, const char *name, const char **value)
{
    size_t n = strlen(name);
    const char *arg = argv[*i];
    if (strncmp(arg, name, n) != 0)
        return false;
    if (arg[n] == '=') {
        *value = arg + n + 1;
        return true;
    }
    if (arg[n] != '\0')
        return false;
    if (*i + 1 >= argc) {
        fprintf(stderr, "dqbatch: %s needs a value\n", name);
        *value = NULL;
        return true;
    }
    *value = argv[++*i];
    return true;
}

static bool parse_count(const char *option, const char *text, long long min, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || *end || v < min) {
        fprintf(stderr, "dqbatch: %s: '%s' is not a whole number of at least %lld\n", option, text,
                min);
        return false;
    }
    *out = v;
    return true;
}

static int take_time(const char *option, const char *value, bool *has, dq_time *out)
{
    if (dq_time_parse_arg(value, dq_time_now(), out) != DQ_OK) {
        fprintf(stderr,
                "dqbatch: %s: '%s' is neither an ISO time (2024-03-07T18:47:07) nor an age "
                "(24h, 7d)\n",
                option, value);
        return -1;
    }
    *has = true;
    return 1;
}

static int take_list_item(dq_strlist *list, const char *value)
{
    if (dq_strlist_add(list, value) != DQ_OK) {
        fprintf(stderr, "dqbatch: out of memory\n");
        return -1;
    }
    return 1;
}

static int take_error(dq_error *err)
{
    fprintf(stderr, "dqbatch: %s\n", err->msg);
    return -1;
}

static int take_value(dq_cli_common *c, const char *option, const char *value)
{
    dq_error err = {0};
    long long n;
    if (strcmp(option, "--since") == 0)
        return take_time(option, value, &c->filter.has_since, &c->filter.since);
    if (strcmp(option, "--until") == 0)
        return take_time(option, value, &c->filter.has_until, &c->filter.until);
    if (strcmp(option, "--checkpoint") == 0)
        return take_list_item(&c->filter.checkpoints, value);
    if (strcmp(option, "--asset") == 0)
        return take_list_item(&c->filter.assets, value);
    if (strcmp(option, "--status") == 0)
        return dq_filter_parse_statuses(value, &c->filter.statuses, &err) ? take_error(&err) : 1;
    if (strcmp(option, "--shard") == 0)
        return dq_filter_parse_shard(value, &c->filter.shard_index, &c->filter.shard_count, &err)
                   ? take_error(&err)
                   : 1;
    if (strcmp(option, "--jobs") == 0) {
        if (!parse_count(option, value, 1, &n))
            return -1;
        c->jobs = n > 1024 ? 1024 : (int)n;
        return 1;
    }
    if (!parse_count(option, value, 1, &n))
        return -1;
    c->max_result_bytes = (size_t)n;
    return 1;
}

int dq_cli_common_take(dq_cli_common *c, int argc, char **argv, int *i)
{
    static const char *const valued[] = {"--since",  "--until",           "--checkpoint",
                                         "--status", "--asset",           "--shard",
                                         "--jobs",   "--max-result-bytes"};
    const char *arg = argv[*i];
    if (arg[0] != '-' || strcmp(arg, "-") == 0)
        return take_list_item(&c->inputs, arg);
    if (strcmp(arg, "--quiet") == 0 || strcmp(arg, "-q") == 0) {
        c->quiet = true;
        dq_log_quiet(true);
        return 1;
    }
    for (size_t k = 0; k < sizeof(valued) / sizeof(valued[0]); k++) {
        const char *value;
        if (!dq_cli_value(argc, argv, i, valued[k], &value))
            continue;
        return value ? take_value(c, valued[k], value) : -1;
    }
    return 0;
}

/* A whole number from an environment variable; false after naming it. */
static bool env_count(const char *name, long long min, long long *out)
{
    const char *text = getenv(name);
    if (!text) {
        fprintf(stderr, "dqbatch: %s is not set\n", name);
        return false;
    }
    return parse_count(name, text, min, out);
}

bool dq_cli_shard_from_env(dq_filter *f)
{
    const char *index_var = "JOB_COMPLETION_INDEX", *count_var = "JOB_COMPLETIONS";
    long long index, count, base = 0;
    if (f->shard_count > 0)
        return true; /* --shard wins */
    if (!getenv(index_var)) {
        if (!getenv("SLURM_ARRAY_TASK_ID"))
            return true;
        index_var = "SLURM_ARRAY_TASK_ID";
        count_var = "SLURM_ARRAY_TASK_COUNT";
        if (getenv("SLURM_ARRAY_TASK_MIN") && !env_count("SLURM_ARRAY_TASK_MIN", 0, &base))
            return false;
    }
    /* Kubernetes does not put the completions count in the environment: the Job's
     * manifest passes it (examples/k8s-indexed-job.yaml). */
    if (!env_count(index_var, 0, &index) || !env_count(count_var, 1, &count))
        return false;
    if (index - base >= count || index < base || count > 1000000) {
        fprintf(stderr, "dqbatch: %s=%lld does not name one of %s=%lld shards%s\n", index_var,
                index, count_var, count, base ? " (counted from SLURM_ARRAY_TASK_MIN)" : "");
        return false;
    }
    f->shard_index = (int)(index - base);
    f->shard_count = (int)count;
    return true;
}

int dq_cli_take_valued(int argc, char **argv, int *i, const dq_cli_option *options, size_t count)
{
    for (size_t k = 0; k < count; k++) {
        if (dq_cli_value(argc, argv, i, options[k].name, options[k].value))
            return *options[k].value ? 1 : -1;
    }
    return 0;
}

bool dq_cli_parse_int(const char *command, const char *option, const char *text, long min, long max,
                      int *out)
{
    if (!text)
        return true;
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < min || v > max) {
        fprintf(stderr, "dqbatch %s: %s: '%s' is not a whole number from %ld to %ld\n", command,
                option, text, min, max);
        return false;
    }
    *out = (int)v;
    return true;
}

int dq_cli_parse(int argc, char **argv, const char *command, const char *help, dq_cli_common *c,
                 dq_cli_option_fn fn, void *ctx)
{
    for (int i = 1; i < argc; i++) {
        if (dq_cli_flag(argv, i, "--help") || dq_cli_flag(argv, i, "-h")) {
            printf("%s%s", help, dq_cli_common_help);
            return 0;
        }
        int taken = fn ? fn(ctx, argc, argv, &i) : 0;
        if (taken == 0)
            taken = dq_cli_common_take(c, argc, argv, &i);
        if (taken < 0)
            return 2;
        if (taken == 0) {
            fprintf(stderr, "dqbatch %s: unknown option '%s'\n%s", command, argv[i], help);
            return 2;
        }
    }
    return -1;
}

bool dq_cli_common_check(dq_cli_common *c, const char *command)
{
    if (!dq_cli_shard_from_env(&c->filter))
        return false;
    if (c->inputs.len > 0)
        return true;
    fprintf(stderr, "dqbatch %s: no store given (a directory, a file or an archive)\n", command);
    return false;
}

void dq_cli_scan_opts(const dq_cli_common *c, dq_scan_opts *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->inputs = (const char *const *)c->inputs.items;
    opts->input_count = (int)c->inputs.len;
    opts->filter = &c->filter;
    opts->jobs = c->jobs;
    opts->max_result_bytes = c->max_result_bytes;
}

dq_code dq_cli_scan(const dq_cli_common *c, dq_records *records, dq_scan_report *report)
{
    dq_scan_opts opts;
    dq_cli_scan_opts(c, &opts);
    dq_error err = {0};
    dq_code rc = dq_scan_run(&opts, NULL, NULL, records, report, &err);
    if (rc)
        dq_errorf("%s", err.msg);
    return rc;
}

int dq_cli_scan_summary(const dq_scan_report *report, const char *what)
{
    dq_note("%zu %s from %zu files: %zu left out by filters, %zu not results, %zu duplicates, "
            "%zu conflicting duplicates, %zu bad",
            report->selected, what, report->entries, report->filtered, report->not_results,
            report->duplicates, report->conflicts, report->bad);
    if (report->bad)
        dq_errorf("%zu bad input%s, each named above", report->bad, report->bad == 1 ? "" : "s");
    return report->bad ? 1 : 0;
}
