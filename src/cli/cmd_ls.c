/* dqbatch ls: one line per stored result, in run_time order. */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "options.h"

static const char ls_help[] =
    "usage: dqbatch ls [options] PATH...\n"
    "List the stored results under PATH (directories, files, archives), oldest first.\n\n"
    "  --json                one JSON object per line\n"
    "  --summary             runs per checkpoint and status instead of one line per run\n";

static cJSON *stat_number(const dq_record *rec, double value)
{
    return rec->stats.origin == DQ_STATS_NONE ? cJSON_CreateNull() : cJSON_CreateNumber(value);
}

static void ls_print_json(const dq_record *rec)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return;
    const dq_stats *st = &rec->stats;
    cJSON_AddStringToObject(o, "path", rec->name);
    cJSON_AddStringToObject(o, "run_id", rec->run_id);
    cJSON_AddStringToObject(o, "checkpoint_name", rec->checkpoint_name);
    cJSON_AddStringToObject(o, "run_time", rec->run_time_text);
    cJSON_AddStringToObject(o, "status", dq_status_name(rec->status));
    if (rec->data_asset)
        cJSON_AddStringToObject(o, "data_asset", rec->data_asset);
    else
        cJSON_AddNullToObject(o, "data_asset");
    cJSON_AddItemToObject(o, "total_issues", stat_number(rec, (double)st->total_issues));
    cJSON_AddItemToObject(o, "critical_issues", stat_number(rec, (double)st->critical_issues));
    cJSON_AddItemToObject(o, "high_issues", stat_number(rec, (double)st->high_issues));
    cJSON_AddItemToObject(o, "medium_issues", stat_number(rec, (double)st->medium_issues));
    cJSON_AddItemToObject(o, "low_issues", stat_number(rec, (double)st->low_issues));
    cJSON_AddItemToObject(o, "pass_rate", stat_number(rec, st->pass_rate));
    cJSON_AddItemToObject(o, "total_rows", stat_number(rec, (double)st->total_rows));
    cJSON_AddItemToObject(o, "total_columns", stat_number(rec, (double)st->total_columns));
    char *line = cJSON_PrintUnformatted(o);
    if (line) {
        puts(line);
        free(line);
    }
    cJSON_Delete(o);
}

/* Columns count characters, not bytes: UTF-8 continuation bytes take no room. */
static int display_width(const char *s)
{
    int width = 0;
    for (; *s; s++)
        width += ((unsigned char)*s & 0xC0) != 0x80;
    return width;
}

/* The name followed by the spaces that bring it to width characters. */
static void print_padded(const char *name, int width)
{
    fputs(name, stdout);
    for (int n = display_width(name); n < width; n++)
        putchar(' ');
}

static void ls_print_text(const dq_record *rec, int name_width)
{
    const dq_stats *st = &rec->stats;
    char issues[96] = "-";
    char pass_rate[16] = "-";
    if (st->origin != DQ_STATS_NONE) {
        snprintf(issues, sizeof(issues), "%lld (c%lld h%lld m%lld l%lld)",
                 (long long)st->total_issues, (long long)st->critical_issues,
                 (long long)st->high_issues, (long long)st->medium_issues,
                 (long long)st->low_issues);
        snprintf(pass_rate, sizeof(pass_rate), "%.1f%%", st->pass_rate * 100.0);
    }
    printf("%-26s  ", rec->run_time_text);
    print_padded(rec->checkpoint_name, name_width);
    printf("  %-7s  %-24s  %6s  %s\n", dq_status_name(rec->status), issues, pass_rate, rec->name);
}

typedef struct ls_row {
    const char *checkpoint_name;
    size_t runs;
    size_t by_status[DQ_STATUS_COUNT];
    const char *first;
    const char *last;
} ls_row;

static int compare_by_checkpoint(const void *a, const void *b)
{
    const dq_record *const *x = a, *const *y = b;
    return strcmp((*x)->checkpoint_name, (*y)->checkpoint_name);
}

static void ls_print_summary_row(const ls_row *row, int width)
{
    print_padded(row->checkpoint_name, width);
    printf("  %6zu  %7zu  %7zu  %7zu  %5zu  %-26s  %s\n", row->runs,
           row->by_status[DQ_STATUS_SUCCESS], row->by_status[DQ_STATUS_WARNING],
           row->by_status[DQ_STATUS_FAILURE], row->by_status[DQ_STATUS_ERROR], row->first,
           row->last);
}

/* Runs per checkpoint and status; records are in run_time order, so a stable pass over
 * them sorted by name gives each checkpoint's first and last run. */
static int ls_print_summary(const dq_records *records, int width)
{
    const dq_record **order = malloc((records->len + 1) * sizeof(*order));
    if (!order) {
        dq_errorf("out of memory");
        return 1;
    }
    for (size_t i = 0; i < records->len; i++)
        order[i] = &records->items[i];
    /* qsort is not stable, but first/last below come from run_time, not from position. */
    qsort(order, records->len, sizeof(*order), compare_by_checkpoint);
    printf("%-*s  %6s  %7s  %7s  %7s  %5s  %-26s  %s\n", width, "checkpoint", "runs", "success",
           "warning", "failure", "error", "first run", "last run");
    ls_row total = {.checkpoint_name = "(all)"};
    for (size_t i = 0; i < records->len;) {
        ls_row row = {.checkpoint_name = order[i]->checkpoint_name};
        dq_time first = order[i]->run_time, last = order[i]->run_time;
        row.first = row.last = order[i]->run_time_text;
        for (; i < records->len && strcmp(order[i]->checkpoint_name, row.checkpoint_name) == 0;
             i++) {
            const dq_record *rec = order[i];
            row.runs++;
            row.by_status[rec->status]++;
            total.by_status[rec->status]++;
            if (rec->run_time < first) {
                first = rec->run_time;
                row.first = rec->run_time_text;
            }
            if (rec->run_time >= last) {
                last = rec->run_time;
                row.last = rec->run_time_text;
            }
        }
        total.runs += row.runs;
        ls_print_summary_row(&row, width);
    }
    if (records->len) {
        total.first = records->items[0].run_time_text;
        total.last = records->items[records->len - 1].run_time_text;
        ls_print_summary_row(&total, width);
    }
    free(order);
    return 0;
}

static int name_width(const dq_records *records, int minimum)
{
    size_t width = (size_t)minimum;
    for (size_t i = 0; i < records->len; i++) {
        size_t n = (size_t)display_width(records->items[i].checkpoint_name);
        width = n > width ? n : width;
    }
    return width > 60 ? 60 : (int)width;
}

typedef struct ls_args {
    bool json;
    bool summary;
} ls_args;

static int ls_option(void *ctx, int argc, char **argv, int *i)
{
    (void)argc;
    ls_args *a = ctx;
    if (dq_cli_flag(argv, *i, "--json"))
        return a->json = true;
    if (dq_cli_flag(argv, *i, "--summary"))
        return a->summary = true;
    return 0;
}

int cmd_ls(int argc, char **argv)
{
    dq_cli_common common;
    dq_cli_common_init(&common);
    ls_args args = {0};
    int status = dq_cli_parse(argc, argv, "ls", ls_help, &common, ls_option, &args);
    if (status >= 0)
        goto out;
    status = 2;
    if (!dq_cli_common_check(&common, "ls"))
        goto out;

    dq_records records;
    dq_scan_report report;
    dq_code rc = dq_cli_scan(&common, &records, &report);
    if (args.summary) {
        ls_print_summary(&records, name_width(&records, 10));
    } else {
        int width = name_width(&records, 1);
        for (size_t i = 0; i < records.len; i++) {
            if (args.json)
                ls_print_json(&records.items[i]);
            else
                ls_print_text(&records.items[i], width);
        }
    }
    fflush(stdout);
    status = dq_cli_scan_summary(&report, "results") || rc ? 1 : 0;
    dq_records_free(&records);
out:
    dq_cli_common_free(&common);
    return status;
}
