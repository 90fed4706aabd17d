/* The pages drawn from run summaries alone: the dashboard, each checkpoint's history
 * pages, history/trend.json and truthound's history.json. They never need a stored
 * result, so an incremental build (and a later merge of partial sites) can redraw them
 * from the manifest. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docs_internal.h"

#define DAY_US ((dq_time)86400 * 1000000)
#define RECENT_FAILURES 10

static bool run_failed(const dq_docs_run *run)
{
    return run->status == DQ_STATUS_FAILURE || run->status == DQ_STATUS_ERROR;
}

/* Failed runs of a checkpoint in (now - window, now]. Runs are oldest first. */
static size_t failures_within(const dq_docs_site *site, const dq_docs_checkpoint *cp,
                              dq_time window)
{
    size_t n = 0;
    for (size_t i = cp->len; i-- > 0;) {
        const dq_docs_run *run = cp->runs[i];
        if (run->run_time <= site->now - window)
            break;
        if (run->run_time <= site->now && run_failed(run))
            n++;
    }
    return n;
}

static const dq_docs_run *latest(const dq_docs_checkpoint *cp)
{
    return cp->len ? cp->runs[cp->len - 1] : NULL;
}

/* The link to a run page from a page `up` levels below the site root. */
static void out_run_href(dq_docs_out *o, const dq_docs_site *site, const char *root,
                         const char *cp_slug, const dq_docs_run *run)
{
    char *run_slug = dq_docs_slug(run->run_id);
    char *path = run_slug ? docs_run_page_path(site->ext, cp_slug, run_slug) : NULL;
    if (!path)
        o->code = o->code ? o->code : DQ_ENOMEM;
    docs_out_html(o, root);
    docs_out_html(o, path);
    free(path);
    free(run_slug);
}

static void out_pass_rate(dq_docs_out *o, const dq_docs_run *run)
{
    if (run->stats.origin == DQ_STATS_NONE)
        docs_out_str(o,
                     "<td class=\"num\" data-value=\"-1\"><span class=\"muted\">n/a</span></td>");
    else
        docs_out_printf(o, "<td class=\"num\" data-value=\"%.6f\">%.1f%%</td>",
                        run->stats.pass_rate, run->stats.pass_rate * 100.0);
}

/* Issue counts as coloured chips, empty ones dimmed. */
static void out_issue_chips(dq_docs_out *o, const dq_docs_run *run)
{
    static const char *const names[4] = {"critical", "high", "medium", "low"};
    const dq_stats *st = &run->stats;
    int64_t counts[4] = {st->critical_issues, st->high_issues, st->medium_issues, st->low_issues};
    docs_out_printf(o, "<td data-value=\"%lld\"><span class=\"chips\">",
                    (long long)st->total_issues);
    for (int s = 0; s < 4; s++)
        docs_out_printf(o, "<span class=\"chip sev-%s%s\" title=\"%s\">%lld</span>", names[s],
                        counts[s] ? "" : " zero", names[s], (long long)counts[s]);
    docs_out_str(o, "</span></td>");
}

static void out_tile(dq_docs_out *o, const char *label, const char *cls, const char *value)
{
    docs_out_printf(o,
                    "<div class=\"tile %s\"><div class=\"tile-label\">%s</div><div "
                    "class=\"tile-value\">%s</div></div>",
                    cls, label, value);
}

static void out_count_tile(dq_docs_out *o, const char *label, const char *cls, size_t n)
{
    char text[32];
    snprintf(text, sizeof(text), "%zu", n);
    out_tile(o, label, n ? cls : "", text);
}

static char *site_url(const dq_docs_site *site, const char *path)
{
    return site->base_url ? dq_asprintf("%s/%s", site->base_url, path) : NULL;
}

/* ---- checkpoint history pages --------------------------------------------------------- */

/* Over the runs the charts draw: a checkpoint's pages depend on its own runs only (not
 * on the time of the build), so an incremental build leaves them alone. */
static void cp_tiles(dq_docs_out *o, const dq_docs_site *site, const dq_docs_checkpoint *cp)
{
    size_t first = docs_history_first(site, cp), success = 0, failed = 0, with_stats = 0;
    double pass_sum = 0;
    for (size_t i = first; i < cp->len; i++) {
        success += cp->runs[i]->status == DQ_STATUS_SUCCESS;
        failed += run_failed(cp->runs[i]);
        if (cp->runs[i]->stats.origin != DQ_STATS_NONE) {
            with_stats++;
            pass_sum += cp->runs[i]->stats.pass_rate;
        }
    }
    char text[64];
    docs_out_str(o, "<section class=\"tiles\">");
    out_count_tile(o, "Runs", "", cp->len);
    snprintf(text, sizeof(text), "%.1f%%",
             cp->len > first ? 100.0 * (double)success / (double)(cp->len - first) : 0.0);
    out_tile(o, "Successful runs", "", text);
    snprintf(text, sizeof(text), "%.1f%%", with_stats ? 100.0 * pass_sum / (double)with_stats : 0);
    out_tile(o, "Mean pass rate", "", text);
    snprintf(text, sizeof(text), "Failed of last %zu", cp->len - first);
    out_count_tile(o, text, "bad", failed);
    docs_out_str(o, "</section>");
}

void docs_render_checkpoint_charts(dq_docs_out *o, const dq_docs_site *site,
                                   const dq_docs_checkpoint *cp)
{
    size_t first = docs_history_first(site, cp), n = cp->len - first;
    const dq_docs_run *const *runs = cp->runs + first;
    docs_out_printf(o,
                    "<section class=\"charts\"><h2>Last %zu runs</h2><div class=\"chart-grid\">"
                    "<figure><figcaption>Pass rate</figcaption>",
                    n);
    docs_svg_pass_rate(o, runs, n);
    docs_out_str(o, "</figure><figure><figcaption>Issues by severity <span class=\"legend\">"
                    "<i class=\"sev-critical\"></i>critical <i class=\"sev-high\"></i>high "
                    "<i class=\"sev-medium\"></i>medium <i class=\"sev-low\"></i>low</span>"
                    "</figcaption>");
    docs_svg_issues(o, runs, n);
    docs_out_str(o, "</figure></div><figure class=\"wide\"><figcaption>Status timeline "
                    "<span class=\"legend\"><i class=\"st-success\"></i>success <i "
                    "class=\"st-warning\"></i>warning <i class=\"st-failure\"></i>failure <i "
                    "class=\"st-error\"></i>error</span></figcaption>");
    docs_svg_timeline(o, runs, n, "runs/", site->ext);
    docs_out_str(o, "</figure></section>");
}

static void cp_pager(dq_docs_out *o, const dq_docs_site *site, size_t page, size_t pages)
{
    if (pages < 2)
        return;
    docs_out_str(o, "<nav class=\"pager\" aria-label=\"Pages\">");
    for (size_t p = 0; p < pages; p++) {
        if (p == page) {
            docs_out_printf(o, "<span aria-current=\"page\">%zu</span>", p + 1);
            continue;
        }
        /* Far pages fold into an ellipsis, so the pager stays short. */
        if (p != 0 && p + 1 != pages && (p + 3 < page || p > page + 3)) {
            if (p + 4 == page || p == page + 4)
                docs_out_str(o, "<span class=\"gap\">…</span>");
            continue;
        }
        if (p == 0)
            docs_out_printf(o, "<a href=\"index.%s\">1</a>", site->ext);
        else
            docs_out_printf(o, "<a href=\"page-%zu.%s\">%zu</a>", p + 1, site->ext, p + 1);
    }
    docs_out_str(o, "</nav>");
}

static void cp_run_row(dq_docs_out *o, const dq_docs_site *site, const dq_docs_checkpoint *cp,
                       const dq_docs_run *run)
{
    const char *status = dq_status_name(run->status);
    docs_out_printf(o, "<tr data-status=\"%s\"><td class=\"time\" data-value=\"%lld\"><a href=\"",
                    status, (long long)run->run_time);
    out_run_href(o, site, "../../", cp->slug, run);
    docs_out_str(o, "\">");
    docs_out_time(o, run->run_time);
    docs_out_str(o, "</a></td><td>");
    docs_html_badge(o, run->status);
    docs_out_str(o, "</td>");
    out_issue_chips(o, run);
    out_pass_rate(o, run);
    docs_out_printf(o, "<td class=\"num\" data-value=\"%lld\">", (long long)run->stats.total_rows);
    docs_out_count(o, run->stats.total_rows);
    docs_out_printf(o, "</td><td class=\"num\" data-value=\"%.3f\">%.1f s</td><td class=\"id\">",
                    run->duration_ms, run->duration_ms / 1000.0);
    docs_out_html(o, run->run_id);
    if (run->error) {
        docs_out_str(o, "<div class=\"err\">");
        docs_out_html(o, run->error);
        docs_out_str(o, "</div>");
    }
    docs_out_str(o, "</td></tr>");
}

static void status_filter(dq_docs_out *o, const char *table)
{
    docs_out_printf(o, "<div class=\"status-filter\" data-status-filter=\"%s\">", table);
    static const dq_status order[] = {DQ_STATUS_SUCCESS, DQ_STATUS_WARNING, DQ_STATUS_FAILURE,
                                      DQ_STATUS_ERROR};
    for (int s = 0; s < 4; s++) {
        const char *name = dq_status_name(order[s]);
        docs_out_printf(
            o, "<label class=\"st-%s\"><input type=\"checkbox\" value=\"%s\" checked> %s</label>",
            name, name, name);
    }
    docs_out_str(o, "</div>");
}

/* The runs page number page shows: positions begin to end - 1, counted from the newest. */
static void page_span(const dq_docs_site *site, const dq_docs_checkpoint *cp, size_t page,
                      size_t *begin, size_t *end)
{
    size_t size = (size_t)site->page_size;
    *begin = page * size;
    *end = *begin + size > cp->len ? cp->len : *begin + size;
}

static void cp_runs_table(dq_docs_out *o, const dq_docs_site *site, const dq_docs_checkpoint *cp,
                          size_t page, size_t pages)
{
    size_t begin, end;
    page_span(site, cp, page, &begin, &end);
    docs_out_printf(o, "<section><h2>Runs <span class=\"count\">%zu</span></h2>", cp->len);
    docs_out_printf(o, "<p class=\"sub\">Newest first; page %zu of %zu.</p>", page + 1, pages);
    docs_out_str(o, "<div class=\"toolbar\"><input type=\"search\" class=\"filter\" "
                    "data-filter=\"runs\" placeholder=\"Filter runs\" aria-label=\"Filter "
                    "runs\">");
    status_filter(o, "runs");
    docs_out_str(o, "</div>");
    cp_pager(o, site, page, pages);
    docs_out_str(o, "<div class=\"scroll\"><table class=\"data\" id=\"runs\" data-sortable>"
                    "<thead><tr><th scope=\"col\">Run time</th><th scope=\"col\">Status</th>"
                    "<th scope=\"col\" title=\"critical, high, medium, low\">Issues</th><th "
                    "scope=\"col\">Pass rate</th>"
                    "<th scope=\"col\">Rows</th><th scope=\"col\">Duration</th>"
                    "<th scope=\"col\">Run ID</th></tr></thead><tbody>");
    for (size_t k = begin; k < end; k++)
        cp_run_row(o, site, cp, cp->runs[cp->len - 1 - k]);
    docs_out_str(o, "</tbody></table></div>");
    cp_pager(o, site, page, pages);
    docs_out_str(o, "</section>");
}

static void cp_html(dq_docs_out *o, const dq_docs_site *site, const dq_docs_checkpoint *cp,
                    size_t page, const dq_docs_out *charts)
{
    size_t pages = docs_page_count(site, cp->len);
    char *path = docs_checkpoint_page_path(site, cp->slug, page);
    char *canonical = path ? site_url(site, path) : NULL;
    const dq_docs_run *last = latest(cp);
    docs_html_begin(o, site, cp->name, "../../", canonical);
    docs_out_str(o, "<nav class=\"crumbs\"><a href=\"../../index.html\">Dashboard</a> / "
                    "<span>checkpoint</span></nav><header class=\"page-head\"><div><h1>");
    docs_out_html(o, cp->name);
    docs_out_str(o, "</h1><p class=\"sub\">");
    if (last) {
        docs_out_html(o, last->data_asset ? last->data_asset : "");
        docs_out_str(o, " · last run <time>");
        docs_out_time(o, last->run_time);
        docs_out_str(o, "</time>");
    }
    docs_out_str(o, "</p></div>");
    if (last)
        docs_html_badge(o, last->status);
    docs_out_str(o, "</header>");
    cp_tiles(o, site, cp);
    if (charts)
        docs_out_mem(o, charts->buf.data, charts->buf.len);
    else
        docs_render_checkpoint_charts(o, site, cp);
    cp_runs_table(o, site, cp, page, pages);
    docs_html_end(o, site, "../../", false);
    free(canonical);
    free(path);
}

/* One run as a JSON object on one line (trend.json, index.json, checkpoint pages). */
static void json_run(dq_docs_out *o, const dq_docs_site *site, const char *cp_slug,
                     const dq_docs_run *run)
{
    const dq_stats *st = &run->stats;
    docs_out_str(o, "{\"run_id\": ");
    docs_out_json_string(o, run->run_id, true);
    docs_out_str(o, ", \"run_time\": ");
    docs_out_json_string(o, run->run_time_text, true);
    docs_out_printf(o,
                    ", \"status\": \"%s\", \"total_issues\": %lld, \"critical_issues\": %lld, "
                    "\"high_issues\": %lld, \"medium_issues\": %lld, \"low_issues\": %lld, "
                    "\"pass_rate\": ",
                    dq_status_name(run->status), (long long)st->total_issues,
                    (long long)st->critical_issues, (long long)st->high_issues,
                    (long long)st->medium_issues, (long long)st->low_issues);
    if (st->origin == DQ_STATS_NONE)
        docs_out_str(o, "null");
    else
        docs_out_json_double(o, st->pass_rate);
    docs_out_str(o, ", \"page\": \"");
    out_run_href(o, site, "", cp_slug, run);
    docs_out_str(o, "\"}");
}

static void cp_json(dq_docs_out *o, const dq_docs_site *site, const dq_docs_checkpoint *cp,
                    size_t page)
{
    size_t pages = docs_page_count(site, cp->len), begin, end;
    page_span(site, cp, page, &begin, &end);
    docs_out_str(o, "{\n  \"checkpoint\": ");
    docs_out_json_string(o, cp->name, true);
    docs_out_printf(o,
                    ",\n  \"runs_total\": %zu,\n  \"page\": %zu,\n  \"pages\": %zu,\n  "
                    "\"runs\": [",
                    cp->len, page + 1, pages);
    for (size_t k = begin; k < end; k++) {
        docs_out_str(o, k == begin ? "\n    " : ",\n    ");
        json_run(o, site, cp->slug, cp->runs[cp->len - 1 - k]);
    }
    docs_out_str(o, end > begin ? "\n  ]\n}\n" : "]\n}\n");
}

static void md_run_row(dq_docs_out *o, const dq_docs_site *site, const char *root,
                       const dq_docs_checkpoint *cp, const dq_docs_run *run)
{
    docs_out_str(o, "| [");
    docs_out_time(o, run->run_time);
    docs_out_str(o, "](");
    out_run_href(o, site, root, cp->slug, run);
    docs_out_printf(o, ") | %s | %lld | ", dq_status_name(run->status),
                    (long long)run->stats.total_issues);
    if (run->stats.origin == DQ_STATS_NONE)
        docs_out_str(o, "n/a");
    else
        docs_out_printf(o, "%.1f%%", run->stats.pass_rate * 100.0);
    docs_out_str(o, " | ");
    docs_out_markdown(o, run->run_id);
    docs_out_str(o, " |\n");
}

static void cp_markdown(dq_docs_out *o, const dq_docs_site *site, const dq_docs_checkpoint *cp,
                        size_t page)
{
    size_t pages = docs_page_count(site, cp->len), begin, end;
    page_span(site, cp, page, &begin, &end);
    docs_out_str(o, "# ");
    docs_out_markdown(o, cp->name);
    docs_out_printf(o,
                    "\n\n[Dashboard](../../index.md)\n\n%zu runs, newest first (page %zu of "
                    "%zu).\n\n| Run time | Status | Issues | Pass rate | Run ID |\n"
                    "|---|---|---:|---:|---|\n",
                    cp->len, page + 1, pages);
    for (size_t k = begin; k < end; k++)
        md_run_row(o, site, "../../", cp, cp->runs[cp->len - 1 - k]);
    if (page == 1)
        docs_out_str(o, "\n[Newer](index.md)");
    else if (page > 1)
        docs_out_printf(o, "\n[Newer](page-%zu.md)", page);
    if (page + 1 < pages)
        docs_out_printf(o, "%s[Older](page-%zu.md)", page > 0 ? " · " : "\n", page + 2);
    docs_out_str(o, "\n");
    docs_md_footer(o, site, false);
}

void docs_render_checkpoint(dq_docs_out *o, const dq_docs_site *site, const dq_docs_checkpoint *cp,
                            size_t page, const dq_docs_out *charts)
{
    if (site->format == DQ_DOCS_MARKDOWN)
        cp_markdown(o, site, cp, page);
    else if (site->format == DQ_DOCS_JSON)
        cp_json(o, site, cp, page);
    else
        cp_html(o, site, cp, page, charts);
}

/* ---- the dashboard -------------------------------------------------------------------- */

typedef struct site_totals {
    size_t runs;
    size_t by_status[DQ_STATUS_COUNT];
    size_t failed_day;
    size_t failed_week;
} site_totals;

static site_totals totals_of(const dq_docs_site *site, const dq_docs_checkpoint *cps, size_t count)
{
    site_totals t = {0};
    for (size_t c = 0; c < count; c++) {
        t.runs += cps[c].len;
        for (size_t i = 0; i < cps[c].len; i++)
            t.by_status[cps[c].runs[i]->status]++;
        t.failed_day += failures_within(site, &cps[c], DAY_US);
        t.failed_week += failures_within(site, &cps[c], 7 * DAY_US);
    }
    return t;
}

static void index_row(dq_docs_out *o, const dq_docs_site *site, const dq_docs_checkpoint *cp)
{
    const dq_docs_run *last = latest(cp);
    size_t first = docs_history_first(site, cp);
    if (!last)
        return;
    docs_out_printf(o, "<tr data-status=\"%s\"><td class=\"name\"><a href=\"checkpoints/",
                    dq_status_name(last->status));
    docs_out_html(o, cp->slug);
    docs_out_printf(o, "/index.%s\">", site->ext);
    docs_out_html(o, cp->name);
    docs_out_str(o, "</a><div class=\"muted\">");
    docs_out_html(o, last->data_asset);
    docs_out_printf(o, "</div></td><td data-value=\"%d\">", (int)last->status);
    docs_html_badge(o, last->status);
    docs_out_printf(o, "</td><td class=\"time\" data-value=\"%lld\"><a href=\"",
                    (long long)last->run_time);
    out_run_href(o, site, "", cp->slug, last);
    docs_out_str(o, "\">");
    docs_out_time(o, last->run_time);
    docs_out_str(o, "</a></td><td class=\"trend\">");
    docs_svg_sparkline(o, cp->runs + first, cp->len - first);
    docs_out_str(o, "</td>");
    out_pass_rate(o, last);
    out_issue_chips(o, last);
    size_t day = failures_within(site, cp, DAY_US), week = failures_within(site, cp, 7 * DAY_US);
    docs_out_printf(o, "<td class=\"num%s\">%zu</td><td class=\"num%s\">%zu</td>",
                    day ? " bad" : "", day, week ? " bad" : "", week);
    docs_out_printf(o, "<td class=\"num\" data-value=\"%zu\">", cp->len);
    docs_out_count(o, (int64_t)cp->len);
    docs_out_str(o, "</td></tr>");
}

typedef struct recent_run {
    const dq_docs_run *run;
    const dq_docs_checkpoint *cp;
} recent_run;

static int recent_compare(const void *a, const void *b)
{
    const recent_run *x = a, *y = b;
    return -docs_run_compare(x->run, y->run); /* newest first */
}

/* The latest failed runs over the whole site, newest first. */
static size_t recent_failures(const dq_docs_checkpoint *cps, size_t count, recent_run *out,
                              size_t max)
{
    size_t n = 0;
    for (size_t c = 0; c < count; c++) {
        size_t taken = 0;
        for (size_t i = cps[c].len; i-- > 0 && taken < max;) {
            if (!run_failed(cps[c].runs[i]))
                continue;
            recent_run item = {cps[c].runs[i], &cps[c]};
            taken++;
            if (n < max) {
                out[n++] = item;
                qsort(out, n, sizeof(*out), recent_compare);
            } else if (recent_compare(&item, &out[n - 1]) < 0) {
                out[n - 1] = item;
                qsort(out, n, sizeof(*out), recent_compare);
            }
        }
    }
    return n;
}

static void index_recent(dq_docs_out *o, const dq_docs_site *site, const dq_docs_checkpoint *cps,
                         size_t count)
{
    recent_run recent[RECENT_FAILURES];
    size_t n = recent_failures(cps, count, recent, RECENT_FAILURES);
    docs_out_str(o, "<section><h2>Latest failures</h2>");
    if (n == 0) {
        docs_out_str(o, "<p class=\"empty\">No failed run. </p></section>");
        return;
    }
    docs_out_str(o, "<ul class=\"feed\">");
    for (size_t i = 0; i < n; i++) {
        const dq_docs_run *run = recent[i].run;
        docs_out_str(o, "<li>");
        docs_html_badge(o, run->status);
        docs_out_str(o, " <a href=\"");
        out_run_href(o, site, "", recent[i].cp->slug, run);
        docs_out_str(o, "\">");
        docs_out_html(o, run->checkpoint);
        docs_out_str(o, "</a> <time>");
        docs_out_time(o, run->run_time);
        docs_out_str(o, "</time><div class=\"muted\">");
        if (run->error)
            docs_out_html(o, run->error);
        else
            docs_out_printf(
                o, "%lld issue%s, %lld critical, %lld high", (long long)run->stats.total_issues,
                run->stats.total_issues == 1 ? "" : "s", (long long)run->stats.critical_issues,
                (long long)run->stats.high_issues);
        docs_out_str(o, "</div></li>");
    }
    docs_out_str(o, "</ul></section>");
}

static void index_html(dq_docs_out *o, const dq_docs_site *site, const dq_docs_checkpoint *cps,
                       size_t count)
{
    site_totals t = totals_of(site, cps, count);
    char *canonical = site_url(site, "index.html");
    docs_html_begin(o, site, "Dashboard", "", canonical);
    free(canonical);
    docs_out_str(o, "<header class=\"page-head\"><div><h1>");
    docs_out_html(o, site->site_name);
    docs_out_printf(o, "</h1><p class=\"sub\">Data quality of %zu checkpoints over %zu runs", count,
                    t.runs);
    if (t.runs) {
        docs_out_str(o, ", as of <time>");
        docs_out_time(o, site->now);
        docs_out_str(o, "</time>");
    }
    docs_out_str(o, "</p></div></header><section class=\"tiles\">");
    out_count_tile(o, "Checkpoints", "", count);
    out_count_tile(o, "Runs", "", t.runs);
    out_count_tile(o, "Success", "st-success", t.by_status[DQ_STATUS_SUCCESS]);
    out_count_tile(o, "Warning", "st-warning", t.by_status[DQ_STATUS_WARNING]);
    out_count_tile(o, "Failure", "st-failure", t.by_status[DQ_STATUS_FAILURE]);
    out_count_tile(o, "Error", "st-error", t.by_status[DQ_STATUS_ERROR]);
    out_count_tile(o, "Failed 24 h", "bad", t.failed_day);
    out_count_tile(o, "Failed 7 days", "bad", t.failed_week);
    docs_out_str(o, "</section><section><h2>Checkpoints</h2><div class=\"toolbar\"><input "
                    "type=\"search\" class=\"filter\" data-filter=\"checkpoints\" "
                    "placeholder=\"Filter checkpoints\" aria-label=\"Filter checkpoints\">");
    status_filter(o, "checkpoints");
    docs_out_str(o, "</div><div class=\"scroll\"><table class=\"data\" id=\"checkpoints\" "
                    "data-sortable><thead><tr><th scope=\"col\">Checkpoint</th><th "
                    "scope=\"col\">Latest</th><th scope=\"col\">Last run</th><th scope=\"col\" "
                    "data-nosort>Trend</th><th scope=\"col\">Pass rate</th><th scope=\"col\" "
                    "title=\"critical, high, medium, low\">Issues</th><th scope=\"col\" "
                    "title=\"failed runs in the last 24 hours\">Fail 24h</th><th scope=\"col\" "
                    "title=\"failed runs in the last 7 days\">Fail 7d</th><th "
                    "scope=\"col\">Runs</th></tr></thead><tbody>");
    for (size_t c = 0; c < count; c++)
        index_row(o, site, &cps[c]);
    docs_out_str(o, "</tbody></table></div>");
    if (count == 0)
        docs_out_str(o, "<p class=\"empty\">No stored results were selected.</p>");
    docs_out_str(o, "</section>");
    index_recent(o, site, cps, count);
    docs_html_end(o, site, "", true);
}

static void index_markdown(dq_docs_out *o, const dq_docs_site *site, const dq_docs_checkpoint *cps,
                           size_t count)
{
    site_totals t = totals_of(site, cps, count);
    docs_out_str(o, "# ");
    docs_out_markdown(o, site->site_name);
    docs_out_printf(o,
                    "\n\n%zu checkpoints, %zu runs: %zu success, %zu warning, %zu failure, %zu "
                    "error. Failed in the last 24 hours: %zu; last 7 days: %zu.\n\n"
                    "| Checkpoint | Latest | Last run | Pass rate | Issues | Runs |\n"
                    "|---|---|---|---:|---:|---:|\n",
                    count, t.runs, t.by_status[DQ_STATUS_SUCCESS], t.by_status[DQ_STATUS_WARNING],
                    t.by_status[DQ_STATUS_FAILURE], t.by_status[DQ_STATUS_ERROR], t.failed_day,
                    t.failed_week);
    for (size_t c = 0; c < count; c++) {
        const dq_docs_run *last = latest(&cps[c]);
        if (!last)
            continue;
        docs_out_str(o, "| [");
        docs_out_markdown(o, cps[c].name);
        docs_out_str(o, "](checkpoints/");
        docs_out_html(o, cps[c].slug);
        docs_out_printf(o, "/index.md) | %s | ", dq_status_name(last->status));
        docs_out_time(o, last->run_time);
        if (last->stats.origin == DQ_STATS_NONE)
            docs_out_str(o, " | n/a");
        else
            docs_out_printf(o, " | %.1f%%", last->stats.pass_rate * 100.0);
        docs_out_printf(o, " | %lld | %zu |\n", (long long)last->stats.total_issues, cps[c].len);
    }
    docs_md_footer(o, site, true);
}

static void index_json(dq_docs_out *o, const dq_docs_site *site, const dq_docs_checkpoint *cps,
                       size_t count)
{
    site_totals t = totals_of(site, cps, count);
    docs_out_str(o, "{\n  \"site_name\": ");
    docs_out_json_string(o, site->site_name, true);
    docs_out_str(o, ",\n  \"generated_at\": ");
    if (site->generated_at)
        docs_out_json_string(o, site->generated_at, true);
    else
        docs_out_str(o, "null");
    docs_out_printf(o, ",\n  \"totals\": {\"checkpoints\": %zu, \"runs\": %zu", count, t.runs);
    for (int s = 0; s < 4; s++)
        docs_out_printf(o, ", \"%s\": %zu", dq_status_name((dq_status)s), t.by_status[s]);
    docs_out_printf(o, ", \"failed_24h\": %zu, \"failed_7d\": %zu},\n  \"checkpoints\": [",
                    t.failed_day, t.failed_week);
    for (size_t c = 0; c < count; c++) {
        const dq_docs_checkpoint *cp = &cps[c];
        docs_out_str(o, c ? ",\n    {\"checkpoint\": " : "\n    {\"checkpoint\": ");
        docs_out_json_string(o, cp->name, true);
        docs_out_str(o, ", \"page\": \"checkpoints/");
        docs_out_html(o, cp->slug);
        docs_out_printf(o,
                        "/index.json\", \"runs\": %zu, \"failed_24h\": %zu, \"failed_7d\": "
                        "%zu, \"latest\": ",
                        cp->len, failures_within(site, cp, DAY_US),
                        failures_within(site, cp, 7 * DAY_US));
        json_run(o, site, cp->slug, latest(cp));
        docs_out_str(o, "}");
    }
    docs_out_str(o, count ? "\n  ]\n}\n" : "]\n}\n");
}

void docs_render_index(dq_docs_out *o, const dq_docs_site *site, const dq_docs_checkpoint *cps,
                       size_t count)
{
    if (site->format == DQ_DOCS_MARKDOWN)
        index_markdown(o, site, cps, count);
    else if (site->format == DQ_DOCS_JSON)
        index_json(o, site, cps, count);
    else
        index_html(o, site, cps, count);
}

/* ---- history/trend.json and history.json --------------------------------------------- */

void docs_render_trend(dq_docs_out *o, const dq_docs_site *site, const dq_docs_checkpoint *cps,
                       size_t count)
{
    docs_out_printf(o, "{\n  \"history\": %d,\n  \"checkpoints\": [", site->history);
    for (size_t c = 0; c < count; c++) {
        const dq_docs_checkpoint *cp = &cps[c];
        docs_out_str(o, c ? ",\n    {\n      \"checkpoint\": " : "\n    {\n      \"checkpoint\": ");
        docs_out_json_string(o, cp->name, true);
        docs_out_str(o, ",\n      \"page\": \"");
        char *path = docs_checkpoint_page_path(site, cp->slug, 0);
        docs_out_html(o, path);
        free(path);
        docs_out_printf(o, "\",\n      \"runs_total\": %zu,\n      \"runs\": [", cp->len);
        size_t first = docs_history_first(site, cp);
        for (size_t i = first; i < cp->len; i++) {
            docs_out_str(o, i == first ? "\n        " : ",\n        ");
            json_run(o, site, cp->slug, cp->runs[i]);
        }
        docs_out_str(o, cp->len > first ? "\n      ]\n    }" : "]\n    }");
    }
    docs_out_str(o, count ? "\n  ]\n}\n" : "]\n}\n");
}

static int history_compare(const void *a, const void *b)
{
    return docs_run_compare(*(const dq_docs_run *const *)a, *(const dq_docs_run *const *)b);
}

/* truthound's schema (spec 2.6), in execution order: the last `history` runs of every
 * checkpoint. A run without statistics counts 0 issues and pass_rate 1.0, as truthound
 * writes it. */
void docs_render_history(dq_docs_out *o, const dq_docs_site *site, const dq_docs_checkpoint *cps,
                         size_t count)
{
    size_t n = 0;
    for (size_t c = 0; c < count; c++)
        n += cps[c].len - docs_history_first(site, &cps[c]);
    const dq_docs_run **items = malloc((n ? n : 1) * sizeof(*items));
    if (!items) {
        o->code = o->code ? o->code : DQ_ENOMEM;
        return;
    }
    n = 0;
    for (size_t c = 0; c < count; c++)
        for (size_t i = docs_history_first(site, &cps[c]); i < cps[c].len; i++)
            items[n++] = cps[c].runs[i];
    qsort(items, n, sizeof(*items), history_compare);
    docs_out_str(o, n ? "[" : "[]");
    for (size_t i = 0; i < n; i++) {
        const dq_docs_run *run = items[i];
        bool stats = run->stats.origin != DQ_STATS_NONE;
        docs_out_str(o, i ? ",\n  {\n    \"run_id\": " : "\n  {\n    \"run_id\": ");
        docs_out_json_string(o, run->run_id, true);
        docs_out_str(o, ",\n    \"checkpoint\": ");
        docs_out_json_string(o, run->checkpoint, true);
        docs_out_str(o, ",\n    \"run_time\": ");
        docs_out_json_string(o, run->run_time_text, true);
        docs_out_printf(o,
                        ",\n    \"status\": \"%s\",\n    \"total_issues\": %lld,\n    "
                        "\"critical_issues\": %lld,\n    \"high_issues\": %lld,\n    "
                        "\"pass_rate\": ",
                        dq_status_name(run->status), (long long)run->stats.total_issues,
                        (long long)run->stats.critical_issues, (long long)run->stats.high_issues);
        docs_out_json_double(o, stats ? run->stats.pass_rate : 1.0);
        docs_out_str(o, "\n  }");
    }
    docs_out_str(o, n ? "\n]" : "");
    free(items);
}
