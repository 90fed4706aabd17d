/* dqbatch docs: regenerate the data docs site of a store, incrementally. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "dqbatch/docs.h"
#include "options.h"

static const char docs_help[] =
    "usage: dqbatch docs [options] PATH... -o SITE\n"
    "Build or update the data docs site SITE from the stored results under PATH. Only new\n"
    "or changed results are read again; the site equals a full rebuild.\n\n"
    "  -o, --output DIR      the site directory (required)\n"
    "  --format FMT          html (default), markdown or json\n"
    "  --history N           runs per checkpoint the charts and index draw (default 100)\n"
    "  --page-size N         rows per page of a checkpoint's runs table (default 100)\n"
    "  --site-name NAME      the site's title\n"
    "  --base-url URL        where the site is served (canonical links, run URLs)\n"
    "  --generated-at TIME   shown on the index and taken as \"now\" (default: the newest run)\n"
    "  --full                ignore the manifest and rebuild every page\n"
    "With --shard I/N only the pages of the checkpoints shard I owns are written, with a\n"
    "partial manifest; once every shard is done, 'dqbatch docs merge' draws the rest.\n";

static const char merge_help[] =
    "usage: dqbatch docs merge PART... -o SITE\n"
    "Draw the index, trend, history and manifest of SITE from the partial manifests of a\n"
    "sharded build (dqbatch docs --shard I/N), without reading any stored result. A PART\n"
    "is a site folder (all of its .dqbatch/parts/) or one partial manifest file.\n\n"
    "  -o, --output DIR      the site directory the shards wrote their pages to (required)\n"
    "  --generated-at TIME   shown on the index and taken as \"now\" (default: the shards')\n"
    "  -q, --quiet           no notes on stderr\n";

typedef struct docs_args {
    const char *output;
    const char *format;
    const char *history;
    const char *page_size;
    const char *site_name;
    const char *base_url;
    const char *generated_at;
    bool full;
} docs_args;

/* Takes a docs option (dq_cli_option_fn). */
static int docs_take(void *ctx, int argc, char **argv, int *i)
{
    docs_args *a = ctx;
    const dq_cli_option valued[] = {
        {"--output", &a->output},       {"-o", &a->output},
        {"--format", &a->format},       {"--history", &a->history},
        {"--page-size", &a->page_size}, {"--site-name", &a->site_name},
        {"--base-url", &a->base_url},   {"--generated-at", &a->generated_at}};
    if (dq_cli_flag(argv, *i, "--full"))
        return a->full = true;
    return dq_cli_take_valued(argc, argv, i, valued, sizeof(valued) / sizeof(valued[0]));
}

static bool docs_opts_from_args(const docs_args *a, dq_docs_opts *opts)
{
    dq_error err = {0};
    memset(opts, 0, sizeof(*opts));
    if (!a->output) {
        fprintf(stderr, "dqbatch docs: -o SITE is required\n%s", docs_help);
        return false;
    }
    opts->site_dir = a->output;
    opts->site_name = a->site_name;
    opts->base_url = a->base_url;
    opts->generated_at = a->generated_at;
    opts->full = a->full;
    if (a->format && dq_docs_format_parse(a->format, &opts->format, &err) != DQ_OK) {
        fprintf(stderr, "dqbatch docs: %s\n", err.msg);
        return false;
    }
    return dq_cli_parse_int("docs", "--history", a->history, 1, 1000000, &opts->history) &&
           dq_cli_parse_int("docs", "--page-size", a->page_size, 1, 1000000, &opts->page_size);
}

static int docs_summary(const dq_docs_opts *opts, const dq_docs_report *report)
{
    int status = dq_cli_scan_summary(&report->scan, "results");
    dq_note("%s: %zu runs of %zu checkpoints; %zu run pages written, %zu results unchanged "
            "since the last build, %zu files removed%s",
            opts->site_dir, report->runs, report->checkpoints, report->rendered, report->reused,
            report->removed, report->incremental ? "" : " (full build)");
    if (report->failed) {
        dq_errorf("%s: %zu pages could not be written", opts->site_dir, report->failed);
        status = 1;
    }
    return status;
}

static int merge_summary(const char *site, const dq_docs_report *report)
{
    dq_note("%s: %zu runs of %zu checkpoints merged", site, report->runs, report->checkpoints);
    if (report->failed) {
        dq_errorf("%s: %zu pages could not be written", site, report->failed);
        return 1;
    }
    return 0;
}

/* dqbatch docs merge PART... -o SITE */
static int cmd_docs_merge(int argc, char **argv)
{
    const char *output = NULL, *generated_at = NULL;
    dq_strlist parts = {0};
    int status = 2;
    for (int i = 1; i < argc; i++) {
        if (dq_cli_flag(argv, i, "--help") || dq_cli_flag(argv, i, "-h")) {
            printf("%s", merge_help);
            status = 0;
            goto out;
        }
        if (dq_cli_flag(argv, i, "--quiet") || dq_cli_flag(argv, i, "-q")) {
            dq_log_quiet(true);
            continue;
        }
        const char **slot = NULL;
        if (dq_cli_value(argc, argv, &i, "--output", &output) ||
            dq_cli_value(argc, argv, &i, "-o", &output))
            slot = &output;
        else if (dq_cli_value(argc, argv, &i, "--generated-at", &generated_at))
            slot = &generated_at;
        if (slot && !*slot)
            goto out; /* a missing value, already reported */
        if (slot)
            continue;
        if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "dqbatch docs merge: unknown option '%s'\n%s", argv[i], merge_help);
            goto out;
        }
        if (dq_strlist_add(&parts, argv[i]) != DQ_OK) {
            dq_errorf("out of memory");
            status = 1;
            goto out;
        }
    }
    if (!output || parts.len == 0) {
        fprintf(stderr, "dqbatch docs merge: %s\n%s",
                output ? "no PART given" : "-o SITE is required", merge_help);
        goto out;
    }
    dq_docs_report report;
    dq_error err = {0};
    dq_code rc = dq_docs_merge((const char *const *)parts.items, (int)parts.len, output,
                               generated_at, &report, &err);
    if (rc) {
        dq_errorf("%s", err.msg);
        status = rc == DQ_EUSAGE ? 2 : 1;
        goto out;
    }
    status = merge_summary(output, &report);
out:
    dq_strlist_free(&parts);
    return status;
}

int cmd_docs(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "merge") == 0)
        return cmd_docs_merge(argc - 1, argv + 1);

    dq_cli_common common;
    dq_cli_common_init(&common);
    docs_args args = {0};
    int status = dq_cli_parse(argc, argv, "docs", docs_help, &common, docs_take, &args);
    if (status >= 0)
        goto out;
    status = 2;
    dq_docs_opts opts;
    if (!dq_cli_common_check(&common, "docs") || !docs_opts_from_args(&args, &opts))
        goto out;

    dq_scan_opts scan;
    dq_cli_scan_opts(&common, &scan);
    dq_docs_report report;
    dq_error err = {0};
    dq_code rc = dq_docs_build(&scan, &opts, &report, &err);
    if (rc) {
        dq_errorf("%s", err.msg);
        status = rc == DQ_EUSAGE ? 2 : 1;
        goto out;
    }
    status = docs_summary(&opts, &report);
    if (!common.quiet && status == 0)
        fprintf(stderr, "dqbatch: open %s/index.%s\n", opts.site_dir,
                dq_docs_format_ext(opts.format));
out:
    dq_cli_common_free(&common);
    return status;
}
