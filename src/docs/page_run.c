/* One run's page: everything truthound's run report shows (status, statistics, data
 * information, actions executed) plus the issues, checks, execution issues, tags and
 * metadata. An error run gets a page too, showing its error. The page depends on the
 * run alone, so an incremental build never has to touch it again. */
#include <stdlib.h>
#include <string.h>

#include "docs_internal.h"

#define MAX_ISSUE_ROWS 5000
#define MAX_SAMPLE_VALUES 20

static const cJSON *child(const cJSON *o, const char *key)
{
    return o ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
}

/* Finds n keys of an object in one walk over its members, for rows that show many: cJSON's
 * lookup walks the members from the first for every key. found[i] is what child(o, keys[i])
 * returns: the first member of that name, none past a member without a name. */
static void children(const cJSON *o, const char *const *keys, const cJSON **found, size_t n)
{
    size_t missing = n;
    memset(found, 0, n * sizeof(*found));
    for (const cJSON *c = o ? o->child : NULL; c && c->string && missing; c = c->next) {
        for (size_t i = 0; i < n; i++) {
            if (!found[i] && c->string[0] == keys[i][0] && strcmp(c->string, keys[i]) == 0) {
                found[i] = c;
                missing--;
                break;
            }
        }
    }
}

static const char *string_of(const cJSON *v)
{
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const char *child_str(const cJSON *o, const char *key)
{
    return string_of(child(o, key));
}

static size_t array_len(const cJSON *a)
{
    return cJSON_IsArray(a) ? (size_t)cJSON_GetArraySize(a) : 0;
}

/* The first values of a list, compact. */
static void html_samples(dq_docs_out *o, const cJSON *values)
{
    size_t shown = 0, total = array_len(values);
    for (const cJSON *v = values ? values->child : NULL; v && shown < MAX_SAMPLE_VALUES;
         v = v->next, shown++) {
        docs_out_str(o, "<code>");
        docs_out_value_html(o, v);
        docs_out_str(o, "</code> ");
    }
    if (total > shown)
        docs_out_printf(o, "<span class=\"muted\">+%zu more</span>", total - shown);
}

static void html_tile(dq_docs_out *o, const char *label, const char *cls)
{
    docs_out_str(o, "<div class=\"tile ");
    docs_out_str(o, cls);
    docs_out_str(o, "\"><div class=\"tile-label\">");
    docs_out_str(o, label);
    docs_out_str(o, "</div><div class=\"tile-value\">");
}

static void html_count_tile(dq_docs_out *o, const char *label, const char *cls, int64_t n)
{
    html_tile(o, label, cls);
    docs_out_count(o, n);
    docs_out_str(o, "</div></div>");
}

static void run_tiles(dq_docs_out *o, const dq_result *r)
{
    const dq_stats *st = &r->stats;
    docs_out_str(o, "<section class=\"tiles\">");
    if (st->origin == DQ_STATS_NONE) {
        html_tile(o, "Statistics", "");
        docs_out_str(o, "N/A</div></div></section>");
        return;
    }
    html_count_tile(o, "Total issues", "", st->total_issues);
    html_count_tile(o, "Critical", st->critical_issues ? "sev-critical" : "", st->critical_issues);
    html_count_tile(o, "High", st->high_issues ? "sev-high" : "", st->high_issues);
    html_count_tile(o, "Medium", st->medium_issues ? "sev-medium" : "", st->medium_issues);
    html_count_tile(o, "Low", st->low_issues ? "sev-low" : "", st->low_issues);
    html_tile(o, "Pass rate", "");
    docs_out_printf(o,
                    "%.1f%%</div><div class=\"meter\"><span data-pct=\"%.0f\" "
                    "class=\"meter-%d\"></span></div></div>",
                    st->pass_rate * 100.0, st->pass_rate * 100.0,
                    (int)(st->pass_rate * 20.0 + 0.5) * 5);
    html_tile(o, "Checks passed", "");
    docs_out_count(o, st->passed_validators);
    docs_out_str(o, " / ");
    docs_out_count(o, st->total_validators);
    docs_out_str(o, "</div></div>");
    html_count_tile(o, "Execution issues", st->error_validators ? "sev-high" : "",
                    st->error_validators);
    docs_out_str(o, "</section>");
    if (st->origin == DQ_STATS_VALIDATION_RESULT)
        docs_out_str(o, "<p class=\"note\">This result was stored without validation details "
                        "(include_validation_details=False): the counts come from "
                        "validation_result.statistics and no issue rows are available.</p>");
}

static void row_text(dq_docs_out *o, const char *label, const char *value)
{
    docs_out_str(o, "<tr><th scope=\"row\">");
    docs_out_str(o, label);
    docs_out_str(o, "</th><td>");
    if (value)
        docs_out_html(o, value);
    else
        docs_out_str(o, "<span class=\"muted\">-</span>");
    docs_out_str(o, "</td></tr>");
}

/* The keys of validation_run a run page shows, found in one walk (it has a dozen). */
enum { VR_SUITE, VR_FORMAT, VR_MODE, VR_METADATA, VR_KEYS };
static const char *const vr_keys[VR_KEYS] = {"suite_name", "result_format", "execution_mode",
                                             "metadata"};

static void run_data_info(dq_docs_out *o, const dq_result *r, const cJSON *const *vr)
{
    docs_out_str(o, "<section><h2>Data information</h2><table class=\"kv\">");
    row_text(o, "Data asset", r->data_asset);
    if (r->stats.origin != DQ_STATS_NONE) {
        docs_out_str(o, "<tr><th scope=\"row\">Rows</th><td>");
        docs_out_count(o, r->stats.total_rows);
        docs_out_str(o, "</td></tr><tr><th scope=\"row\">Columns</th><td>");
        docs_out_count(o, r->stats.total_columns);
        docs_out_printf(o,
                        "</td></tr><tr><th scope=\"row\">Execution time</th><td>%.2f ms</td></tr>",
                        r->stats.execution_time_ms);
    }
    docs_out_printf(o, "<tr><th scope=\"row\">Duration</th><td>%.2f ms</td></tr>", r->duration_ms);
    row_text(o, "Run time", r->run_time_text);
    row_text(o, "Suite", string_of(vr[VR_SUITE]));
    row_text(o, "Result format", string_of(vr[VR_FORMAT]));
    row_text(o, "Execution mode", string_of(vr[VR_MODE]));
    docs_out_str(o, "</table></section>");
}

static void table_begin(dq_docs_out *o, const char *id, const char *title, size_t count,
                        const char *const *columns)
{
    docs_out_printf(o, "<section><h2>%s <span class=\"count\">%zu</span></h2>", title, count);
    docs_out_printf(o,
                    "<input type=\"search\" class=\"filter\" data-filter=\"%s\" "
                    "placeholder=\"Filter %s\" aria-label=\"Filter %s\">",
                    id, title, title);
    docs_out_printf(
        o, "<div class=\"scroll\"><table class=\"data\" id=\"%s\" data-sortable><thead><tr>", id);
    /* Pieces rather than a format: every page has dozens of these cells. */
    for (size_t i = 0; columns[i]; i++) {
        docs_out_str(o, "<th scope=\"col\">");
        docs_out_str(o, columns[i]);
        docs_out_str(o, "</th>");
    }
    docs_out_str(o, "</tr></thead><tbody>");
}

static void table_end(dq_docs_out *o)
{
    docs_out_str(o, "</tbody></table></div></section>");
}

static void cell_text(dq_docs_out *o, const char *s)
{
    docs_out_str(o, "<td>");
    docs_out_html(o, s);
    docs_out_str(o, "</td>");
}

static void cell_value(dq_docs_out *o, const cJSON *v)
{
    docs_out_str(o, "<td>");
    if (v && !cJSON_IsNull(v))
        docs_out_value_html(o, v);
    docs_out_str(o, "</td>");
}

static void cell_number(dq_docs_out *o, const cJSON *v)
{
    if (!cJSON_IsNumber(v)) {
        docs_out_str(o, "<td class=\"num\"></td>");
        return;
    }
    docs_out_str(o, "<td class=\"num\" data-value=\"");
    docs_out_g17(o, v->valuedouble);
    docs_out_str(o, "\">");
    docs_out_count(o, (int64_t)v->valuedouble);
    docs_out_str(o, "</td>");
}

static const char *const severity_names[5] = {"critical", "high", "medium", "low", "other"};

/* 0 for critical .. 3 for low, 4 for anything else, so the column sorts by gravity. */
static int severity_rank(const char *severity)
{
    for (int i = 0; severity && i < 4; i++)
        if (strcmp(severity, severity_names[i]) == 0)
            return i;
    return 4;
}

/* The keys of an issue the pages show. */
enum {
    ISSUE_SEVERITY,
    ISSUE_COLUMN,
    ISSUE_TYPE,
    ISSUE_COUNT,
    ISSUE_RESULT,
    ISSUE_DETAILS,
    ISSUE_SAMPLES,
    ISSUE_EXPECTED,
    ISSUE_ACTUAL,
    ISSUE_VALIDATOR,
    ISSUE_KEYS
};
static const char *const issue_keys[ISSUE_KEYS] = {
    "severity", "column",        "issue_type", "count",  "result",
    "details",  "sample_values", "expected",   "actual", "validator_name"};

static void run_issue_row(dq_docs_out *o, const cJSON *issue)
{
    const cJSON *f[ISSUE_KEYS];
    children(issue, issue_keys, f, ISSUE_KEYS);
    const char *severity = string_of(f[ISSUE_SEVERITY]);
    int rank = severity_rank(severity);
    docs_out_printf(o, "<tr><td data-value=\"%d\"><span class=\"sev sev-%s\">", rank,
                    severity_names[rank]);
    docs_out_html(o, severity ? severity : "-");
    docs_out_str(o, "</span></td>");
    cell_text(o, string_of(f[ISSUE_COLUMN]));
    cell_text(o, string_of(f[ISSUE_TYPE]));
    cell_number(o, f[ISSUE_COUNT]);
    const cJSON *pct = child(f[ISSUE_RESULT], "unexpected_percent");
    if (cJSON_IsNumber(pct)) {
        docs_out_str(o, "<td class=\"num\" data-value=\"");
        docs_out_g17(o, pct->valuedouble);
        docs_out_printf(o, "\">%.2f%%</td>", pct->valuedouble);
    } else {
        docs_out_str(o, "<td class=\"num\"></td>");
    }
    cell_text(o, string_of(f[ISSUE_DETAILS]));
    docs_out_str(o, "<td class=\"samples\">");
    html_samples(o, f[ISSUE_SAMPLES]);
    if (f[ISSUE_EXPECTED]) {
        docs_out_str(o, "<div class=\"muted\">expected: ");
        docs_out_value_html(o, f[ISSUE_EXPECTED]);
        docs_out_str(o, "</div>");
    }
    if (f[ISSUE_ACTUAL]) {
        docs_out_str(o, "<div class=\"muted\">actual: ");
        docs_out_value_html(o, f[ISSUE_ACTUAL]);
        docs_out_str(o, "</div>");
    }
    docs_out_str(o, "</td>");
    cell_text(o, string_of(f[ISSUE_VALIDATOR]));
    docs_out_str(o, "</tr>");
}

static void run_issues(dq_docs_out *o, const dq_result *r)
{
    static const char *const columns[] = {"Severity", "Column",  "Type",      "Count", "Unexpected",
                                          "Details",  "Samples", "Validator", NULL};
    size_t total = array_len(r->issues);
    if (r->stats.origin == DQ_STATS_NONE)
        return;
    table_begin(o, "issues", "Issues", total, columns);
    size_t shown = 0;
    for (const cJSON *issue = r->issues ? r->issues->child : NULL; issue && shown < MAX_ISSUE_ROWS;
         issue = issue->next, shown++)
        run_issue_row(o, issue);
    table_end(o);
    if (total > shown)
        docs_out_printf(o, "<p class=\"note\">%zu more issues are in the stored result.</p>",
                        total - shown);
    if (total == 0)
        docs_out_str(o, "<p class=\"empty\">No issues.</p>");
}

static void cell_bool(dq_docs_out *o, const cJSON *v, const char *yes, const char *no)
{
    bool ok = cJSON_IsTrue(v);
    docs_out_printf(o, "<td><span class=\"pill %s\">%s</span></td>", ok ? "ok" : "bad",
                    ok ? yes : no);
}

static void run_checks(dq_docs_out *o, const dq_result *r)
{
    static const char *const columns[] = {"Check", "Category", "Result", "Issues", "Config", NULL};
    if (!array_len(r->checks))
        return;
    table_begin(o, "checks", "Checks", array_len(r->checks), columns);
    enum { NAME, CATEGORY, SUCCESS, ISSUES, METADATA, KEYS };
    static const char *const keys[KEYS] = {"name", "category", "success", "issue_count",
                                           "metadata"};
    for (const cJSON *c = r->checks->child; c; c = c->next) {
        const cJSON *f[KEYS];
        children(c, keys, f, KEYS);
        docs_out_str(o, "<tr>");
        cell_text(o, string_of(f[NAME]));
        cell_text(o, string_of(f[CATEGORY]));
        cell_bool(o, f[SUCCESS], "passed", "failed");
        cell_number(o, f[ISSUES]);
        cell_value(o, f[METADATA]);
        docs_out_str(o, "</tr>");
    }
    table_end(o);
}

static void run_execution_issues(dq_docs_out *o, const dq_result *r)
{
    static const char *const columns[] = {"Check",    "Message", "Exception",
                                          "Category", "Retries", NULL};
    if (!array_len(r->execution_issues))
        return;
    table_begin(o, "execution", "Execution issues", array_len(r->execution_issues), columns);
    enum { CHECK, MESSAGE, EXCEPTION, CATEGORY, RETRIES, KEYS };
    static const char *const keys[KEYS] = {"check_name", "message", "exception_type",
                                           "failure_category", "retry_count"};
    for (const cJSON *c = r->execution_issues->child; c; c = c->next) {
        const cJSON *f[KEYS];
        children(c, keys, f, KEYS);
        docs_out_str(o, "<tr>");
        for (int i = CHECK; i < RETRIES; i++)
            cell_text(o, string_of(f[i]));
        cell_number(o, f[RETRIES]);
        docs_out_str(o, "</tr>");
    }
    table_end(o);
}

static void run_actions(dq_docs_out *o, const dq_result *r)
{
    static const char *const columns[] = {"Action",   "Type",  "Status", "Message",
                                          "Duration", "Error", NULL};
    size_t n = array_len(r->action_results);
    if (!n) {
        docs_out_str(o, "<section><h2>Actions executed</h2><p class=\"empty\">No action ran "
                        "before the result was stored.</p></section>");
        return;
    }
    table_begin(o, "actions", "Actions executed", n, columns);
    enum { NAME, TYPE, STATUS, MESSAGE, DURATION, ERROR, KEYS };
    static const char *const keys[KEYS] = {"action_name", "action_type", "status",
                                           "message",     "duration_ms", "error"};
    for (const cJSON *a = r->action_results->child; a; a = a->next) {
        const cJSON *f[KEYS];
        children(a, keys, f, KEYS);
        docs_out_str(o, "<tr>");
        cell_text(o, string_of(f[NAME]));
        cell_text(o, string_of(f[TYPE]));
        docs_out_str(o, "<td><span class=\"pill act\">");
        docs_out_html(o, string_of(f[STATUS]));
        docs_out_str(o, "</span></td>");
        cell_text(o, string_of(f[MESSAGE]));
        docs_out_printf(o, "<td class=\"num\">%.1f ms</td>",
                        cJSON_IsNumber(f[DURATION]) ? f[DURATION]->valuedouble : 0.0);
        cell_text(o, string_of(f[ERROR]));
        docs_out_str(o, "</tr>");
    }
    table_end(o);
}

/* Key/value rows of an object, values as compact JSON. */
static void kv_rows(dq_docs_out *o, const cJSON *obj, const char *skip)
{
    for (const cJSON *c = cJSON_IsObject(obj) ? obj->child : NULL; c; c = c->next) {
        if (skip && strcmp(c->string, skip) == 0)
            continue;
        docs_out_str(o, "<tr><th scope=\"row\">");
        docs_out_html(o, c->string);
        docs_out_str(o, "</th><td>");
        docs_out_value_html(o, c);
        docs_out_str(o, "</td></tr>");
    }
}

static void run_tags_metadata(dq_docs_out *o, const dq_result *r, const cJSON *vr_meta)
{
    const cJSON *tags = child(vr_meta, "tags");
    if (!tags && r->doc)
        tags = child(child(r->doc, "validation_result"), "tags");
    docs_out_str(o, "<section><h2>Tags</h2>");
    if (cJSON_IsObject(tags) && tags->child) {
        docs_out_str(o, "<ul class=\"tags\">");
        for (const cJSON *t = tags->child; t; t = t->next) {
            docs_out_str(o, "<li><span class=\"k\">");
            docs_out_html(o, t->string);
            docs_out_str(o, "</span><span class=\"v\">");
            docs_out_value_html(o, t);
            docs_out_str(o, "</span></li>");
        }
        docs_out_str(o, "</ul>");
    } else {
        docs_out_str(o, "<p class=\"empty\">No tags.</p>");
    }
    docs_out_str(o, "</section><section><h2>Metadata</h2>");
    if ((cJSON_IsObject(r->metadata) && r->metadata->child) ||
        (cJSON_IsObject(vr_meta) && vr_meta->child)) {
        docs_out_str(o, "<table class=\"kv\">");
        kv_rows(o, r->metadata, NULL);
        kv_rows(o, vr_meta, "tags");
        docs_out_str(o, "</table>");
    } else {
        docs_out_str(o, "<p class=\"empty\">No metadata.</p>");
    }
    docs_out_str(o, "</section>");
}

void docs_html_badge(dq_docs_out *o, dq_status status)
{
    const char *name = dq_status_name(status);
    docs_out_printf(o, "<span class=\"badge st-%s\">%s</span>", name, name);
}

static void run_header(dq_docs_out *o, const dq_result *r)
{
    docs_out_str(o, "<nav class=\"crumbs\"><a href=\"../../../index.html\">Dashboard</a> / <a "
                    "href=\"../index.html\">");
    docs_out_html(o, r->checkpoint_name);
    docs_out_str(o, "</a> / <span>run</span></nav><header class=\"page-head\"><div><h1>");
    docs_out_html(o, r->checkpoint_name);
    docs_out_str(o, "</h1><p class=\"sub\"><code>");
    docs_out_html(o, r->run_id);
    docs_out_str(o, "</code> · <time>");
    docs_out_time(o, r->run_time);
    docs_out_str(o, "</time></p></div>");
    docs_html_badge(o, r->status);
    docs_out_str(o, "</header>");
    if (r->error) {
        docs_out_str(o, "<section class=\"error-box\"><h2>Error</h2><pre>");
        docs_out_html(o, r->error);
        docs_out_str(o, "</pre></section>");
    }
}

static void render_run_html(dq_docs_out *o, const dq_docs_site *site, const dq_result *r)
{
    char *canonical = site->base_url ? dq_docs_run_url(site->base_url, site->format,
                                                       r->checkpoint_name, r->run_id)
                                     : NULL;
    char *title = dq_asprintf("%s · %s", r->checkpoint_name, r->run_id);
    if (!title || (site->base_url && !canonical)) {
        o->code = o->code ? o->code : DQ_ENOMEM;
    } else {
        const cJSON *vr[VR_KEYS];
        children(r->validation_run, vr_keys, vr, VR_KEYS);
        docs_html_begin(o, site, title, "../../../", canonical);
        run_header(o, r);
        run_tiles(o, r);
        run_issues(o, r);
        docs_out_str(o, "<div class=\"cols\">");
        run_data_info(o, r, vr);
        run_actions(o, r);
        docs_out_str(o, "</div>");
        run_checks(o, r);
        run_execution_issues(o, r);
        docs_out_str(o, "<div class=\"cols\">");
        run_tags_metadata(o, r, vr[VR_METADATA]);
        docs_out_str(o, "</div>");
        docs_html_end(o, site, "../../../", false);
    }
    free(canonical);
    free(title);
}

/* ---- markdown ------------------------------------------------------------------------- */

static void md_issues(dq_docs_out *o, const dq_result *r)
{
    size_t shown = 0;
    docs_out_str(o, "\n## Issues\n\n");
    if (!array_len(r->issues)) {
        docs_out_str(o, "No issues.\n");
        return;
    }
    docs_out_str(o, "| Severity | Column | Type | Count | Details | Samples |\n"
                    "|---|---|---|---:|---|---|\n");
    for (const cJSON *i = r->issues->child; i && shown < MAX_ISSUE_ROWS; i = i->next, shown++) {
        const cJSON *f[ISSUE_KEYS];
        children(i, issue_keys, f, ISSUE_KEYS);
        docs_out_str(o, "| ");
        docs_out_markdown(o, string_of(f[ISSUE_SEVERITY]));
        docs_out_str(o, " | ");
        docs_out_markdown(o, string_of(f[ISSUE_COLUMN]));
        docs_out_str(o, " | ");
        docs_out_markdown(o, string_of(f[ISSUE_TYPE]));
        docs_out_str(o, " | ");
        const cJSON *count = f[ISSUE_COUNT];
        docs_out_count(o, cJSON_IsNumber(count) ? (int64_t)count->valuedouble : 0);
        docs_out_str(o, " | ");
        docs_out_markdown(o, string_of(f[ISSUE_DETAILS]));
        docs_out_str(o, " | ");
        docs_out_value_markdown(o, f[ISSUE_SAMPLES]);
        docs_out_str(o, " |\n");
    }
}

static void render_run_markdown(dq_docs_out *o, const dq_docs_site *site, const dq_result *r)
{
    const dq_stats *st = &r->stats;
    docs_out_str(o, "# ");
    docs_out_markdown(o, r->checkpoint_name);
    docs_out_str(o, "\n\n[Dashboard](../../../index.md) / [");
    docs_out_markdown(o, r->checkpoint_name);
    docs_out_str(o, "](../index.md)\n\n**Run ID:** ");
    docs_out_markdown(o, r->run_id);
    docs_out_printf(o, "  \n**Status:** %s  \n**Run time:** ", dq_status_name(r->status));
    docs_out_time(o, r->run_time);
    docs_out_str(o, "  \n**Data asset:** ");
    docs_out_markdown(o, r->data_asset ? r->data_asset : "-");
    docs_out_str(o, "\n");
    if (r->error) {
        docs_out_str(o, "\n## Error\n\n");
        docs_out_markdown(o, r->error);
        docs_out_str(o, "\n");
    }
    if (st->origin != DQ_STATS_NONE) {
        docs_out_printf(o,
                        "\n## Summary\n\n| Total issues | Critical | High | Medium | Low | Pass "
                        "rate |\n|---:|---:|---:|---:|---:|---:|\n| %lld | %lld | %lld | %lld | "
                        "%lld | %.1f%% |\n",
                        (long long)st->total_issues, (long long)st->critical_issues,
                        (long long)st->high_issues, (long long)st->medium_issues,
                        (long long)st->low_issues, st->pass_rate * 100.0);
        docs_out_str(o, "\n## Data information\n\n| | |\n|---|---|\n| Rows | ");
        docs_out_count(o, st->total_rows);
        docs_out_str(o, " |\n| Columns | ");
        docs_out_count(o, st->total_columns);
        docs_out_printf(o, " |\n| Execution time | %.2f ms |\n", st->execution_time_ms);
        md_issues(o, r);
    }
    docs_out_str(o, "\n## Actions executed\n\n");
    for (const cJSON *a = r->action_results ? r->action_results->child : NULL; a; a = a->next) {
        docs_out_str(o, "- **");
        docs_out_markdown(o, child_str(a, "action_name"));
        docs_out_str(o, "** (");
        docs_out_markdown(o, child_str(a, "status"));
        docs_out_str(o, "): ");
        docs_out_markdown(o, child_str(a, "message"));
        docs_out_str(o, "\n");
    }
    if (!array_len(r->action_results))
        docs_out_str(o, "None.\n");
    docs_md_footer(o, site, false);
}

/* ---- json: CheckpointResult.to_dict() as truthound's JSON report writes it ----------- */

static void render_run_json(dq_docs_out *o, const dq_result *r)
{
    docs_out_char(o, '{');
    bool first = true;
    for (const cJSON *c = r->doc ? r->doc->child : NULL; c; c = c->next) {
        if (strcmp(c->string, "validation_result") == 0)
            continue;
        docs_out_str(o, first ? "\n  " : ",\n  ");
        first = false;
        docs_out_json_string(o, c->string, true);
        docs_out_str(o, ": ");
        docs_out_json(o, c, 2, 1, true);
    }
    docs_out_str(o, first ? "}" : "\n}");
}

void docs_render_run(dq_docs_out *o, const dq_docs_site *site, const dq_result *r)
{
    if (site->format == DQ_DOCS_MARKDOWN)
        render_run_markdown(o, site, r);
    else if (site->format == DQ_DOCS_JSON)
        render_run_json(o, r);
    else
        render_run_html(o, site, r);
}
