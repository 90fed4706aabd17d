/* dqbatch notify: runs the configured actions over the selected stored results. Scan
 * workers decode and render; the dispatcher sends, paced per destination; the journal
 * makes a re-run send nothing twice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "dqbatch/notify.h"
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

typedef struct notify_args {
    dq_cli_common common;
    const char *config;
    const char *journal;
    const char *report;
    bool dry_run;
    bool digest;
    int max_in_flight;
} notify_args;

typedef struct notify_option_ctx {
    notify_args *args;
    const char *max_in_flight;
} notify_option_ctx;

static int notify_option(void *ctx, int argc, char **argv, int *i)
{
    notify_option_ctx *o = ctx;
    notify_args *a = o->args;
    const dq_cli_option valued[] = {{"-c", &a->config},
                                    {"--config", &a->config},
                                    {"--journal", &a->journal},
                                    {"--report", &a->report},
                                    {"--max-in-flight", &o->max_in_flight}};
    if (dq_cli_flag(argv, *i, "--dry-run"))
        return a->dry_run = true;
    if (dq_cli_flag(argv, *i, "--digest"))
        return a->digest = true;
    return dq_cli_take_valued(argc, argv, i, valued, sizeof(valued) / sizeof(valued[0]));
}

/* Returns -1 to go on, else the exit status. */
static int notify_parse(int argc, char **argv, notify_args *args)
{
    notify_option_ctx ctx = {.args = args};
    int status =
        dq_cli_parse(argc, argv, "notify", notify_help, &args->common, notify_option, &ctx);
    if (status >= 0)
        return status;
    if (!dq_cli_parse_int("notify", "--max-in-flight", ctx.max_in_flight, 1, 100000,
                          &args->max_in_flight))
        return 2;
    if (!args->config) {
        fprintf(stderr, "dqbatch notify: -c CONFIG is required\n%s", notify_help);
        return 2;
    }
    return dq_cli_common_check(&args->common, "notify") ? -1 : 2;
}

/* The scan's callback: every selected result goes through the actions. */
static dq_code notify_scan_result(const dq_entry *entry, dq_result *r, void *ctx, dq_error *err)
{
    (void)entry, (void)err;
    dq_notify_result(ctx, r);
    return DQ_OK;
}

static int notify_execute(notify_args *args, const dq_config *config)
{
    dq_notify_opts nopts;
    memset(&nopts, 0, sizeof nopts);
    nopts.config = config;
    nopts.digest = args->digest;
    nopts.dispatch.max_in_flight = args->max_in_flight;
    nopts.dispatch.journal_path = args->journal;
    nopts.dispatch.dry_run = args->dry_run;
    nopts.dispatch.progress = !args->common.quiet;
    /* Notifications shard by destination, not by checkpoint: every shard reads every
     * selected result and sends only to the destinations it owns. */
    nopts.shard_index = args->common.filter.shard_index;
    nopts.shard_count = args->common.filter.shard_count;
    dq_filter filter = args->common.filter;
    filter.shard_count = 0;
    dq_scan_opts opts;
    dq_cli_scan_opts(&args->common, &opts);
    opts.filter = &filter;
    dq_notify *notify = NULL;
    dq_error err = {0};
    if (dq_notify_open(&nopts, &notify, &err)) {
        dq_errorf("%s", err.msg);
        return 2;
    }
    dq_records records;
    dq_scan_report report;
    dq_code rc = dq_scan_run(&opts, notify_scan_result, notify, &records, &report, &err);
    if (rc)
        dq_errorf("%s", err.msg);
    if (dq_notify_finish(notify, &err))
        dq_errorf("%s", err.msg);
    int status = dq_cli_scan_summary(&report, "results") || rc ? 1 : 0;
    dq_dispatch_print_summary(dq_notify_dispatch(notify), stderr);
    if (dq_notify_status(notify))
        status = 1;
    if (args->report && dq_dispatch_write_report(dq_notify_dispatch(notify), args->report, &err)) {
        dq_errorf("%s", err.msg);
        status = 1;
    }
    dq_records_free(&records);
    dq_notify_free(notify);
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
        if (dq_notify_load_config(args.config, &config)) {
            status = notify_execute(&args, &config);
            dq_config_free(&config);
        }
    }
    dq_cli_common_free(&args.common);
    return status;
}
