/* docs sites: built from truthound's own store they hold its numbers; rebuilt
 * incrementally (results added, changed, removed, duplicated, filtered, an interrupted
 * build) they equal a full rebuild byte for byte; nothing from a result becomes markup. */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "docs_support.h"
#include "dqtest.h"

static cJSON *read_json(const char *dir, const char *relative)
{
    char *path = docs_test_path_in(dir, relative);
    char *text = dqtest_read(path, NULL);
    ck_assert_msg(text != NULL, "cannot read %s", path);
    cJSON *v = cJSON_Parse(text);
    ck_assert_msg(v != NULL, "%s is not JSON", path);
    free(text);
    free(path);
    return v;
}

static void build_one(const char *store, const char *site, const dq_docs_opts *extra,
                      dq_docs_report *report)
{
    const char *inputs[] = {store};
    docs_test_build(inputs, 1, site, 2, extra, report);
}

static void expect_same_site(const char *a, const char *b)
{
    char *why = docs_test_diff_trees(a, b);
    ck_assert_msg(why == NULL, "%s vs %s: %s", a, b, why);
}

/* A fresh full build of store in a new directory, compared with site. */
static void expect_equals_full_rebuild(const char *store, const char *site,
                                       const dq_docs_opts *extra)
{
    char *fresh = dqtest_tmpdir();
    dq_docs_report report;
    build_one(store, fresh, extra, &report);
    ck_assert(!report.incremental);
    expect_same_site(site, fresh);
    dqtest_rmrf(fresh);
    free(fresh);
}

/* The statistics truthound's reading gives, with validation_result's as the fallback
 * for files stored without details (spec 1.11). */
static const cJSON *expected_stats(const cJSON *entry)
{
    const cJSON *stats = cJSON_GetObjectItem(entry, "truthound_view");
    const cJSON *dto = cJSON_GetObjectItem(entry, "validation_result_statistics");
    if (!cJSON_IsTrue(cJSON_GetObjectItem(entry, "has_validation_run")) && cJSON_IsObject(dto))
        return dto;
    return stats;
}

static double number(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItem(o, key);
    ck_assert_msg(cJSON_IsNumber(v), "%s is not a number", key);
    return v->valuedouble;
}

static void check_history_entry(const cJSON *item, const cJSON *entry)
{
    static const char *const keys[] = {"run_id",      "checkpoint",   "run_time",
                                       "status",      "total_issues", "critical_issues",
                                       "high_issues", "pass_rate",    NULL};
    size_t k = 0;
    for (const cJSON *c = item->child; c; c = c->next, k++)
        ck_assert_msg(keys[k] && strcmp(c->string, keys[k]) == 0, "history key %zu is %s", k,
                      c->string);
    ck_assert_ptr_null(keys[k]);
    ck_assert_str_eq(cJSON_GetObjectItem(item, "checkpoint")->valuestring,
                     cJSON_GetObjectItem(entry, "checkpoint_name")->valuestring);
    ck_assert_str_eq(cJSON_GetObjectItem(item, "run_time")->valuestring,
                     cJSON_GetObjectItem(entry, "run_time")->valuestring);
    ck_assert_str_eq(cJSON_GetObjectItem(item, "status")->valuestring,
                     cJSON_GetObjectItem(entry, "status")->valuestring);
    const cJSON *stats = expected_stats(entry);
    if (!cJSON_IsObject(stats)) {
        ck_assert(number(item, "total_issues") == 0 && number(item, "pass_rate") == 1.0);
        return;
    }
    ck_assert(number(item, "total_issues") == number(stats, "total_issues"));
    ck_assert(number(item, "critical_issues") == number(stats, "critical_issues"));
    ck_assert(number(item, "high_issues") == number(stats, "high_issues"));
    ck_assert(number(item, "pass_rate") == number(stats, "pass_rate"));
}

/* The fixture store and a fresh site folder for it. */
typedef struct site_case {
    char *store;
    char *site;
} site_case;

static site_case site_case_start(void)
{
    return (site_case){.store = dqtest_fixture("truthound/store"), .site = dqtest_tmpdir()};
}

static void site_case_end(site_case *c)
{
    dqtest_rmrf(c->site);
    free(c->site);
    free(c->store);
}

START_TEST(fixture_site_holds_the_manifest_numbers)
{
    site_case c = site_case_start();
    dq_docs_report report;
    build_one(c.store, c.site, NULL, &report);
    ck_assert_int_eq(report.runs, 80);
    ck_assert_int_eq(report.checkpoints, 5);
    ck_assert_int_eq(report.rendered, 80);
    ck_assert_int_eq(report.failed, 0);

    cJSON *manifest = read_json(c.store, "../manifest.json");
    cJSON *history = read_json(c.site, "history.json");
    ck_assert_int_eq(cJSON_GetArraySize(history), 80);
    size_t by_status[4] = {0};
    const cJSON *entry;
    cJSON_ArrayForEach(entry, cJSON_GetObjectItem(manifest, "entries"))
    {
        const char *run_id = cJSON_GetObjectItem(entry, "run_id")->valuestring;
        const char *checkpoint = cJSON_GetObjectItem(entry, "checkpoint_name")->valuestring;
        char *page = dq_docs_run_path(DQ_DOCS_HTML, checkpoint, run_id);
        ck_assert_msg(docs_test_exists_in(c.site, page), "no page %s for %s", page, run_id);
        free(page);
        const cJSON *item = NULL, *h;
        cJSON_ArrayForEach(h, history)
        {
            if (strcmp(cJSON_GetObjectItem(h, "run_id")->valuestring, run_id) == 0)
                item = h;
        }
        ck_assert_msg(item != NULL, "%s is not in history.json", run_id);
        check_history_entry(item, entry);
        dq_status status;
        ck_assert_int_eq(
            dq_status_parse(cJSON_GetObjectItem(entry, "status")->valuestring, &status), DQ_OK);
        by_status[status]++;
    }
    /* history.json is in execution order. */
    const char *previous = "";
    cJSON_ArrayForEach(entry, history)
    {
        const char *t = cJSON_GetObjectItem(entry, "run_time")->valuestring;
        ck_assert_msg(strcmp(previous, t) <= 0, "%s after %s", t, previous);
        previous = t;
    }
    /* The dashboard's totals. */
    char *index = docs_test_path_in(c.site, "index.html");
    char tile[160];
    snprintf(tile, sizeof(tile),
             "<div class=\"tile st-failure\"><div class=\"tile-label\">Failure</div><div "
             "class=\"tile-value\">%zu</div>",
             by_status[DQ_STATUS_FAILURE]);
    ck_assert_int_eq(docs_test_count_in_file(index, tile), 1);
    ck_assert_int_eq(docs_test_count_in_file(index, "Data quality of 5 checkpoints over 80 runs"),
                     1);
    ck_assert_int_eq(docs_test_count_in_file(index, "<svg class=\"spark\""), 5);
    free(index);
    /* trend.json: every run of every checkpoint (fewer than --history). */
    cJSON *trend = read_json(c.site, "history/trend.json");
    size_t runs = 0;
    cJSON_ArrayForEach(entry, cJSON_GetObjectItem(trend, "checkpoints"))
    {
        runs += (size_t)cJSON_GetArraySize(cJSON_GetObjectItem(entry, "runs"));
        const char *page = cJSON_GetObjectItem(entry, "page")->valuestring;
        ck_assert_msg(docs_test_exists_in(c.site, page), "no checkpoint page %s", page);
        char *path = docs_test_path_in(c.site, page);
        ck_assert_int_eq(docs_test_count_in_file(path, "<svg class=\"chart "), 3);
        ck_assert_int_eq(docs_test_count_in_file(path, "<tr data-status="),
                         (size_t)number(entry, "runs_total"));
        free(path);
    }
    ck_assert_int_eq(runs, 80);
    cJSON_Delete(trend);
    cJSON_Delete(history);
    cJSON_Delete(manifest);
    site_case_end(&c);
}
END_TEST

START_TEST(same_bytes_whatever_the_threads)
{
    char *store = dqtest_fixture("truthound/store");
    char *a = dqtest_tmpdir(), *b = dqtest_tmpdir();
    const char *inputs[] = {store};
    dq_docs_report report;
    docs_test_build(inputs, 1, a, 1, NULL, &report);
    docs_test_build(inputs, 1, b, 5, NULL, &report);
    expect_same_site(a, b);
    /* A second run over an unchanged store reads nothing and changes nothing. */
    docs_test_build(inputs, 1, b, 3, NULL, &report);
    ck_assert(report.incremental);
    ck_assert_int_eq(report.reused, 80);
    ck_assert_int_eq(report.rendered, 0);
    expect_same_site(a, b);
    dqtest_rmrf(a);
    dqtest_rmrf(b);
    free(a);
    free(b);
    free(store);
}
END_TEST

static char *copy_fixture_store(void)
{
    char *store = dqtest_fixture("truthound/store");
    char *copy = dqtest_tmpdir();
    docs_test_copy_tree(store, copy);
    free(store);
    return copy;
}

static void remove_in(const char *dir, const char *relative)
{
    char *path = docs_test_path_in(dir, relative);
    ck_assert_msg(unlink(path) == 0, "cannot remove %s", path);
    free(path);
}

START_TEST(incremental_build_equals_a_full_rebuild)
{
    char *store = copy_fixture_store();
    char *site = dqtest_tmpdir();
    dq_docs_opts opts = {.page_size = 4, .history = 10};
    dq_docs_report report;
    build_one(store, site, &opts, &report);
    char *removed_page = dq_docs_run_path(DQ_DOCS_HTML, "app_reviews_quality",
                                          "app_reviews_quality_20240308_020539_b50816f1");
    ck_assert(docs_test_exists_in(site, removed_page));
    ck_assert(docs_test_exists_in(site, "checkpoints/app_reviews_quality/page-5.html"));

    /* Added, changed (same path, new content), removed, and a new checkpoint. */
    docs_test_write_result(store, "flat/new_run.json",
                           &(docs_test_run){.run_id = "shipments_hourly_20240403_000000_aaaaaaaa",
                                            .checkpoint = "shipments_hourly",
                                            .run_time = "2024-04-03T00:00:00",
                                            .status = "failure"});
    docs_test_write_result(
        store, "by_status/warning/customer_accounts_daily_20240307_184707_18bd0120.json",
        &(docs_test_run){.run_id = "customer_accounts_daily_20240307_184707_18bd0120",
                         .checkpoint = "customer_accounts_daily",
                         .run_time = "2024-03-07T18:47:07.868231",
                         .status = "error",
                         .error = "changed"});
    remove_in(store, "flat/app_reviews_quality_20240308_020539_b50816f1.json");
    docs_test_write_result(store, "flat/brand_new.json",
                           &(docs_test_run){.run_id = "brand new/run",
                                            .checkpoint = "brand/new ../checkpoint",
                                            .run_time = "2024-03-20T00:00:00",
                                            .status = "success"});
    build_one(store, site, &opts, &report);
    ck_assert(report.incremental);
    ck_assert_int_eq(report.reused, 78);
    ck_assert_int_eq(report.rendered, 3);
    ck_assert_int_eq(report.runs, 81);
    ck_assert(!docs_test_exists_in(site, removed_page));
    ck_assert(!docs_test_exists_in(site, "checkpoints/app_reviews_quality/page-5.html"));
    expect_equals_full_rebuild(store, site, &opts);

    /* Removing a checkpoint's only run removes its folder. */
    remove_in(store, "flat/brand_new.json");
    build_one(store, site, &opts, &report);
    expect_equals_full_rebuild(store, site, &opts);
    char *slug = dq_docs_slug("brand/new ../checkpoint");
    char *folder = dq_asprintf("checkpoints/%s", slug);
    ck_assert(!docs_test_exists_in(site, folder));
    free(folder);
    free(slug);
    free(removed_page);
    dqtest_rmrf(site);
    dqtest_rmrf(store);
    free(site);
    free(store);
}
END_TEST

static docs_test_run duplicate_run(const char *status)
{
    docs_test_run run = {.run_id = "dup_20240301_000000_00000000",
                         .checkpoint = "dup",
                         .run_time = "2024-03-01T00:00:00",
                         .status = status,
                         .error = "the first copy"};
    return run;
}

/* The section of a checkpoint page between its charts' start and the runs table (owned). */
static char *charts_of(const char *site, const char *relative)
{
    char *path = docs_test_path_in(site, relative);
    size_t len;
    char *html = dqtest_read(path, &len);
    ck_assert_msg(html != NULL, "%s is missing", path);
    char *start = strstr(html, "<section class=\"charts\">");
    char *end = start ? strstr(start, "</section>") : NULL;
    ck_assert_msg(start && end, "%s has no charts", path);
    char *charts = dq_strndup(start, (size_t)(end - start));
    free(html);
    free(path);
    return charts;
}

/* The finish draws a checkpoint's charts once for several pages and copies them: every
 * page shows the charts its first page shows, in every chunk. */
START_TEST(every_checkpoint_page_shows_the_same_charts)
{
    char *store = dqtest_fixture("truthound/store");
    char *site = dqtest_tmpdir();
    dq_docs_opts opts = {.page_size = 1};
    dq_docs_report report;
    build_one(store, site, &opts, &report);
    char *first = charts_of(site, "checkpoints/app_reviews_quality/index.html");
    ck_assert_ptr_nonnull(strstr(first, "<svg"));
    const char *pages[] = {"page-2.html", "page-8.html", "page-9.html", "page-10.html"};
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        char *relative = dq_asprintf("checkpoints/app_reviews_quality/%s", pages[i]);
        char *charts = charts_of(site, relative);
        ck_assert_msg(strcmp(charts, first) == 0, "%s: other charts than the first page's",
                      pages[i]);
        free(charts);
        free(relative);
    }
    free(first);
    dqtest_rmrf(site);
    free(site);
    free(store);
}
END_TEST

START_TEST(a_run_stored_twice_shows_the_first_copy)
{
    char *store = dqtest_tmpdir(), *site = dqtest_tmpdir();
    docs_test_run first = duplicate_run("error"), second = duplicate_run("warning");
    docs_test_write_result(store, "a/dup.json", &first);
    docs_test_write_result(store, "b/dup.json", &second);
    /* Another run in a/, so that removing the first copy leaves a/ in place. */
    docs_test_write_result(store, "a/other.json",
                           &(docs_test_run){.run_id = "other_20240302_000000_00000000",
                                            .checkpoint = "dup",
                                            .run_time = "2024-03-02T00:00:00",
                                            .status = "success"});
    dq_docs_report report;
    build_one(store, site, NULL, &report);
    ck_assert_int_eq(report.runs, 2);
    ck_assert_int_eq(report.scan.conflicts, 1);
    char *page = dq_docs_run_path(DQ_DOCS_HTML, "dup", first.run_id);
    char *path = docs_test_path_in(site, page);
    ck_assert_int_eq(docs_test_count_in_file(path, "badge st-error"), 1);
    /* The first copy goes away: the second takes its place, read again. */
    remove_in(store, "a/dup.json");
    build_one(store, site, NULL, &report);
    ck_assert_int_eq(docs_test_count_in_file(path, "badge st-warning"), 1);
    expect_equals_full_rebuild(store, site, NULL);
    /* It comes back: it wins again. */
    docs_test_write_result(store, "a/dup.json", &first);
    build_one(store, site, NULL, &report);
    ck_assert_int_eq(docs_test_count_in_file(path, "badge st-error"), 1);
    expect_equals_full_rebuild(store, site, NULL);
    free(path);
    free(page);
    dqtest_rmrf(site);
    dqtest_rmrf(store);
    free(site);
    free(store);
}
END_TEST

START_TEST(changing_filters_is_incremental_too)
{
    site_case c = site_case_start();
    const char *inputs[] = {c.store};
    dq_scan_opts scan = {.inputs = inputs, .input_count = 1, .jobs = 2};
    dq_filter filter = {0};
    dq_error err = {0};
    ck_assert_int_eq(dq_filter_parse_statuses("failure,error", &filter.statuses, &err), DQ_OK);
    scan.filter = &filter;
    dq_docs_opts opts = {.site_dir = c.site};
    dq_docs_report report;
    ck_assert_int_eq(dq_docs_build(&scan, &opts, &report, &err), DQ_OK);
    ck_assert_int_eq(report.runs, 18);
    ck_assert_int_eq(report.scan.filtered, 62);
    /* Without the filter: nothing is read twice except the runs that now need a page. */
    scan.filter = NULL;
    ck_assert_int_eq(dq_docs_build(&scan, &opts, &report, &err), DQ_OK);
    ck_assert(report.incremental);
    ck_assert_int_eq(report.runs, 80);
    ck_assert_int_eq(report.rendered, 62);
    expect_equals_full_rebuild(c.store, c.site, NULL);
    /* And back: the pages of the runs left out are removed. */
    scan.filter = &filter;
    ck_assert_int_eq(dq_docs_build(&scan, &opts, &report, &err), DQ_OK);
    ck_assert_int_eq(report.rendered, 0);
    ck_assert_int_eq(report.removed, 62);
    dq_filter_free(&filter);
    site_case_end(&c);
}
END_TEST

START_TEST(a_new_format_replaces_the_old_site)
{
    site_case c = site_case_start();
    dq_docs_report report;
    build_one(c.store, c.site, NULL, &report);
    dq_docs_opts md = {.format = DQ_DOCS_MARKDOWN};
    build_one(c.store, c.site, &md, &report);
    ck_assert(!report.incremental);
    ck_assert(!docs_test_exists_in(c.site, "index.html"));
    ck_assert(!docs_test_exists_in(c.site, "assets/style.css"));
    ck_assert(docs_test_exists_in(c.site, "index.md"));
    expect_equals_full_rebuild(c.store, c.site, &md);
    dq_docs_opts json = {.format = DQ_DOCS_JSON};
    build_one(c.store, c.site, &json, &report);
    expect_equals_full_rebuild(c.store, c.site, &json);
    cJSON *index = read_json(c.site, "index.json");
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(index, "checkpoints")), 5);
    cJSON_Delete(index);
    site_case_end(&c);
}
END_TEST

START_TEST(an_interrupted_build_is_completed_and_swept)
{
    site_case c = site_case_start();
    dq_docs_report report;
    build_one(c.store, c.site, NULL, &report);
    /* What a build killed midway leaves: its marker, a temporary file of an atomic
     * write, a page of a run that is gone, a half-written staged page. */
    dqtest_write(c.site, ".dqbatch/building", "building\n", 9);
    dqtest_write(c.site, "index.html.tmp-Ab12Cd", "<html", 5);
    dqtest_write(c.site, "checkpoints/shipments_hourly/runs/gone.html", "x", 1);
    dqtest_write(c.site, ".dqbatch/staging/0-3.html", "<ht", 3);
    dqtest_write(c.site, ".dqbatch/manifest.jsonl.tmp", "{\"dq", 4);
    build_one(c.store, c.site, NULL, &report);
    ck_assert(!report.incremental);
    ck_assert_int_eq(report.rendered, 80);
    ck_assert(!docs_test_exists_in(c.site, ".dqbatch/building"));
    ck_assert(!docs_test_exists_in(c.site, ".dqbatch/staging"));
    expect_equals_full_rebuild(c.store, c.site, NULL);
    site_case_end(&c);
}
END_TEST

/* ---- injection ---------------------------------------------------------------------- */

static const char *const payloads[] = {
    "<script>alert('x1')</script>", "\"><img src=x onerror=alert('x2')>",
    "javascript:alert('x3')",       "</script><script>alert('x4')</script>",
    "'><svg onload=alert('x5')>",
};

static void write_hostile_store(const char *store)
{
    for (size_t i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
        char *run_id = dq_asprintf("%s/../run%zu", payloads[i], i);
        char *relative = dq_asprintf("hostile/%zu.json", i);
        const char *p = payloads[i];
        docs_test_run run = {.run_id = run_id,
                             .checkpoint = p,
                             .run_time = i % 2 ? "2024-03-01T00:00:00" : "2024-03-02T00:00:00",
                             .status = i == 3 ? "error" : "failure",
                             .data_asset = p,
                             .column = p,
                             .details = p,
                             .sample = p,
                             .meta = p,
                             .error = p};
        docs_test_write_result(store, relative, &run);
        free(run_id);
        free(relative);
    }
}

static const char *const allowed_tags[] = {
    "!doctype", "html",  "head",   "meta",   "title",      "link", "script", "body", "div",
    "a",        "span",  "button", "main",   "header",     "nav",  "h1",     "h2",   "p",
    "section",  "table", "thead",  "tbody",  "tr",         "th",   "td",     "code", "pre",
    "time",     "ul",    "li",     "input",  "label",      "svg",  "line",   "text", "polyline",
    "circle",   "rect",  "g",      "figure", "figcaption", "i",    "footer", NULL};

/* Every '<' in a page starts a tag of ours (text never holds one): its name must be one
 * the renderers write, and it must carry no event handler and no javascript: URL. */
static void expect_only_our_tags(const char *relative, const char *html)
{
    for (const char *p = strchr(html, '<'); p; p = strchr(p + 1, '<')) {
        const char *end = strchr(p, '>');
        ck_assert_msg(end != NULL, "%s: unclosed tag", relative);
        char *tag = dq_strndup(p + 1, (size_t)(end - p - 1));
        for (char *c = tag; *c; c++)
            *c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
        const char *name = tag[0] == '/' ? tag + 1 : tag;
        size_t n = strcspn(name, " \n\t/>");
        bool known = false;
        for (size_t k = 0; allowed_tags[k] && !known; k++)
            known = strlen(allowed_tags[k]) == n && strncmp(name, allowed_tags[k], n) == 0;
        ck_assert_msg(known, "%s: unexpected tag <%s>", relative, tag);
        ck_assert_msg(!strstr(tag, "javascript:"), "%s: <%s>", relative, tag);
        for (const char *a = strstr(tag, " on"); a; a = strstr(a + 1, " on")) {
            size_t letters = strspn(a + 3, "abcdefghijklmnopqrstuvwxyz");
            ck_assert_msg(a[3 + letters] != '=', "%s: event handler in <%s>", relative, tag);
        }
        if (strncmp(tag, "script", 6) == 0)
            ck_assert_msg(strstr(tag, "assets/script.js\" defer"), "%s: <%s>", relative, tag);
        free(tag);
        p = end;
    }
}

/* Neither may markup appear raw in JSON or markdown, where a viewer might render it. */
static void expect_no_live_markup(const char *site, const char *relative)
{
    static const char *const forbidden[] = {"<script>alert", "<img", "<svg onload",
                                            "</script><script>alert"};
    char *path = docs_test_path_in(site, relative);
    char *text = dqtest_read(path, NULL);
    ck_assert_ptr_nonnull(text);
    for (size_t k = 0; k < sizeof(forbidden) / sizeof(forbidden[0]); k++)
        ck_assert_msg(!strstr(text, forbidden[k]), "%s holds %s", relative, forbidden[k]);
    if (dq_str_ends_with(relative, ".html"))
        expect_only_our_tags(relative, text);
    free(text);
    free(path);
}

START_TEST(hostile_strings_never_become_markup)
{
    char *store = dqtest_tmpdir();
    write_hostile_store(store);
    dq_docs_format formats[] = {DQ_DOCS_HTML, DQ_DOCS_MARKDOWN, DQ_DOCS_JSON};
    for (size_t f = 0; f < 3; f++) {
        char *site = dqtest_tmpdir();
        dq_docs_opts opts = {.format = formats[f]};
        dq_docs_report report;
        build_one(store, site, &opts, &report);
        ck_assert_int_eq(report.runs, 5);
        ck_assert_int_eq(report.checkpoints, 5);
        dq_strlist files;
        docs_test_list_files(site, &files);
        /* 5 run pages and 5 checkpoint pages, all inside checkpoints/. */
        size_t pages = 0;
        for (size_t i = 0; i < files.len; i++) {
            if (strncmp(files.items[i], ".dqbatch/", 9) == 0)
                continue;
            ck_assert_msg(strstr(files.items[i], "..") == NULL, "%s", files.items[i]);
            pages += strncmp(files.items[i], "checkpoints/", 12) == 0;
            expect_no_live_markup(site, files.items[i]);
        }
        ck_assert_int_eq(pages, 10);
        dq_strlist_free(&files);
        /* Read back from the manifest, the hostile summaries draw the same pages. */
        char *redrawn = dqtest_tmpdir();
        docs_test_copy_tree(site, redrawn);
        opts.generated_at = "2024-03-03T00:00:00";
        build_one(store, redrawn, &opts, &report);
        ck_assert(report.incremental);
        expect_equals_full_rebuild(store, redrawn, &opts);
        dqtest_rmrf(redrawn);
        free(redrawn);
        dqtest_rmrf(site);
        free(site);
    }
    dqtest_rmrf(store);
    free(store);
}
END_TEST

START_TEST(bad_settings_are_refused_by_name)
{
    site_case c = site_case_start();
    const char *inputs[] = {c.store};
    dq_scan_opts scan = {.inputs = inputs, .input_count = 1};
    dq_docs_report report;
    dq_error err = {0};
    dq_docs_opts opts = {.site_dir = c.site, .base_url = "javascript:alert(1)//"};
    ck_assert_int_eq(dq_docs_build(&scan, &opts, &report, &err), DQ_EUSAGE);
    ck_assert_ptr_nonnull(strstr(err.msg, "--base-url"));
    opts.base_url = NULL;
    opts.generated_at = "yesterday";
    ck_assert_int_eq(dq_docs_build(&scan, &opts, &report, &err), DQ_EUSAGE);
    ck_assert_ptr_nonnull(strstr(err.msg, "--generated-at"));
    const char *missing[] = {"/nonexistent/store"};
    scan.inputs = missing;
    opts.generated_at = NULL;
    ck_assert_int_ne(dq_docs_build(&scan, &opts, &report, &err), DQ_OK);
    ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/store"));
    ck_assert(!docs_test_exists_in(c.site, ".dqbatch/building"));
    site_case_end(&c);
}
END_TEST

START_TEST(base_url_and_generated_at)
{
    site_case c = site_case_start();
    dq_docs_opts opts = {.base_url = "https://dq.example.com/docs/",
                         .generated_at = "2024-04-02T12:00:00",
                         .history = 5,
                         .site_name = "Nightly <DQ>"};
    dq_docs_report report;
    build_one(c.store, c.site, &opts, &report);
    char *index = docs_test_path_in(c.site, "index.html");
    ck_assert_int_eq(
        docs_test_count_in_file(
            index, "<link rel=\"canonical\" href=\"https://dq.example.com/docs/index.html\">"),
        1);
    ck_assert_int_eq(
        docs_test_count_in_file(index, "Generated by dqbatch at <time>2024-04-02 12:00:00"), 1);
    ck_assert_int_eq(docs_test_count_in_file(index, "Nightly &lt;DQ&gt;"), 3);
    cJSON *history = read_json(c.site, "history.json");
    ck_assert_int_eq(cJSON_GetArraySize(history), 25); /* 5 checkpoints, the last 5 runs each */
    cJSON_Delete(history);
    /* Another --generated-at redraws the index only. */
    opts.generated_at = "2024-04-03T12:00:00";
    build_one(c.store, c.site, &opts, &report);
    ck_assert(report.incremental);
    ck_assert_int_eq(report.rendered, 0);
    expect_equals_full_rebuild(c.store, c.site, &opts);
    free(index);
    site_case_end(&c);
}
END_TEST

static Suite *docs_site_suite(void)
{
    Suite *s = suite_create("docs_site");
    TCase *tc = tcase_create("site");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, fixture_site_holds_the_manifest_numbers);
    tcase_add_test(tc, same_bytes_whatever_the_threads);
    tcase_add_test(tc, incremental_build_equals_a_full_rebuild);
    tcase_add_test(tc, every_checkpoint_page_shows_the_same_charts);
    tcase_add_test(tc, a_run_stored_twice_shows_the_first_copy);
    tcase_add_test(tc, changing_filters_is_incremental_too);
    tcase_add_test(tc, a_new_format_replaces_the_old_site);
    tcase_add_test(tc, an_interrupted_build_is_completed_and_swept);
    tcase_add_test(tc, hostile_strings_never_become_markup);
    tcase_add_test(tc, bad_settings_are_refused_by_name);
    tcase_add_test(tc, base_url_and_generated_at);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return dqtest_run(docs_site_suite());
}
