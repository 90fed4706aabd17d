/* docs across shards and inside another scan: shards built into one folder and merged
 * from their partial manifests equal one build byte for byte, in every format and
 * incrementally too; a merge refuses parts that do not make one build; the session API
 * takes an object's ETag as its "unchanged"; a copy of a run the filters leave out never
 * hides another; a build that fails first thing leaves no folder behind. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "docs_support.h"
#include "dqtest.h"

#define SHARDS 4

/* The fixture store, a run stored twice with different content, and a checkpoint whose
 * name needs a slug. */
static char *make_store(void)
{
    char *fixture = dqtest_fixture("truthound/store");
    char *store = dqtest_tmpdir();
    docs_test_copy_tree(fixture, store);
    free(fixture);
    docs_test_run dup = {.run_id = "dup_20240301_000000_00000000",
                         .checkpoint = "dup",
                         .run_time = "2024-03-01T00:00:00",
                         .status = "error",
                         .error = "the first copy"};
    docs_test_write_result(store, "extra/a/dup.json", &dup);
    dup.status = "warning";
    docs_test_write_result(store, "extra/b/dup.json", &dup);
    docs_test_write_result(store, "extra/odd.json",
                           &(docs_test_run){.run_id = "odd run/1",
                                            .checkpoint = "Odd ../checkpoint",
                                            .run_time = "2024-03-09T00:00:00",
                                            .status = "failure"});
    return store;
}

/* Every shard into site, then the merge; returns the runs the shards showed together
 * and adds up the results they took from their manifests. */
static size_t build_sharded(const char *store, const char *site, int shards,
                            const dq_docs_opts *opts, size_t *reused)
{
    const char *inputs[] = {store};
    size_t runs = 0;
    *reused = 0;
    for (int i = 0; i < shards; i++) {
        dq_filter shard = {.shard_index = i, .shard_count = shards};
        dq_docs_report report;
        docs_test_build_filtered(inputs, 1, site, 2, opts, &shard, &report);
        runs += report.runs;
        *reused += report.reused;
    }
    const char *parts[] = {site};
    dq_docs_report report;
    dq_error err = {0};
    dq_code rc = dq_docs_merge(parts, 1, site, NULL, &report, &err);
    ck_assert_msg(rc == DQ_OK, "merge: %s", err.msg);
    ck_assert_uint_eq(report.runs, runs);
    return runs;
}

/* site without its partial manifests equals reference. */
static void expect_merged_equals(const char *site, const char *reference)
{
    char *copy = dqtest_tmpdir();
    docs_test_copy_tree(site, copy);
    char *parts = docs_test_path_in(copy, ".dqbatch/parts");
    dqtest_rmrf(parts);
    char *why = docs_test_diff_trees(copy, reference);
    ck_assert_msg(why == NULL, "%s vs %s: %s", site, reference, why);
    free(parts);
    dqtest_rmrf(copy);
    free(copy);
}

/* Removes each folder with everything in it and frees its name. */
static void remove_all(char *const *dirs, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        dqtest_rmrf(dirs[i]);
        free(dirs[i]);
    }
}

static void check_format(dq_docs_format format)
{
    char *store = make_store();
    char *one = dqtest_tmpdir(), *single = dqtest_tmpdir(), *sharded = dqtest_tmpdir();
    dq_docs_opts opts = {
        .format = format, .page_size = 4, .history = 10, .generated_at = "2024-04-01T00:00:00"};
    const char *inputs[] = {store};
    dq_docs_report report;
    size_t reused;
    docs_test_build(inputs, 1, one, 2, &opts, &report);
    ck_assert_uint_eq(build_sharded(store, single, 1, &opts, &reused), report.runs);
    expect_merged_equals(single, one);
    ck_assert_uint_eq(build_sharded(store, sharded, SHARDS, &opts, &reused), report.runs);
    ck_assert_uint_eq(reused, 0);
    expect_merged_equals(sharded, one);

    /* Changed store: each shard reads only what changed, and the merge still equals a
     * fresh build. */
    docs_test_write_result(store, "extra/new.json",
                           &(docs_test_run){.run_id = "new_20240402_000000_00000000",
                                            .checkpoint = "shipments_hourly",
                                            .run_time = "2024-04-02T00:00:00",
                                            .status = "failure"});
    char *gone = docs_test_path_in(store, "extra/a/dup.json");
    ck_assert_int_eq(unlink(gone), 0);
    free(gone);
    build_sharded(store, sharded, SHARDS, &opts, &reused);
    ck_assert_uint_gt(reused, 0);
    char *fresh = dqtest_tmpdir();
    docs_test_build(inputs, 1, fresh, 2, &opts, &report);
    expect_merged_equals(sharded, fresh);
    /* And an unsharded build over the merged site takes everything from its manifest. */
    docs_test_build(inputs, 1, sharded, 2, &opts, &report);
    ck_assert(report.incremental);
    ck_assert_uint_eq(report.rendered, 0);
    remove_all((char *[]){one, single, sharded, fresh, store}, 5);
}

START_TEST(shards_and_merge_equal_one_build_html)
{
    check_format(DQ_DOCS_HTML);
}
END_TEST

START_TEST(shards_and_merge_equal_one_build_markdown)
{
    check_format(DQ_DOCS_MARKDOWN);
}
END_TEST

START_TEST(shards_and_merge_equal_one_build_json)
{
    check_format(DQ_DOCS_JSON);
}
END_TEST

/* The first sharded build over a site an unsharded build made starts from its manifest. */
START_TEST(shards_start_from_the_full_manifest)
{
    char *store = make_store(), *one = dqtest_tmpdir(), *site = dqtest_tmpdir();
    const char *inputs[] = {store};
    dq_docs_report report;
    size_t reused;
    docs_test_build(inputs, 1, one, 2, NULL, &report);
    docs_test_copy_tree(one, site);
    build_sharded(store, site, SHARDS, NULL, &reused);
    /* Each shard takes every result from the manifest (its part keeps all summaries). */
    ck_assert_uint_eq(reused,
                      SHARDS * (report.runs + report.scan.duplicates + report.scan.conflicts));
    expect_merged_equals(site, one);
    /* A new shard count: the parts of the old one are dropped, so the site merges. */
    build_sharded(store, site, 3, NULL, &reused);
    ck_assert(!docs_test_exists_in(site, ".dqbatch/parts/shard-0-of-4.jsonl"));
    expect_merged_equals(site, one);
    remove_all((char *[]){one, site, store}, 3);
}
END_TEST

/* A shard killed midway is completed by its next build, which sweeps its own
 * checkpoints' folders only: the other shards' files are not its to judge. */
START_TEST(a_killed_shard_sweeps_only_its_own_checkpoints)
{
    char *store = make_store(), *one = dqtest_tmpdir(), *site = dqtest_tmpdir();
    const char *inputs[] = {store};
    dq_docs_report report;
    size_t reused;
    docs_test_build(inputs, 1, one, 2, NULL, &report);
    build_sharded(store, site, 2, NULL, &reused);
    const char *mine = NULL, *theirs = NULL;
    const char *names[] = {"shipments_hourly", "customer_accounts_daily", "app_reviews_quality",
                           "card_transactions_critical"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (dq_shard_of(names[i], 2) == 0 && !mine)
            mine = names[i];
        if (dq_shard_of(names[i], 2) == 1 && !theirs)
            theirs = names[i];
    }
    ck_assert(mine && theirs);
    char *stray_mine = dq_asprintf("checkpoints/%s/runs/gone.html", mine);
    char *stray_theirs = dq_asprintf("checkpoints/%s/runs/not-mine.html", theirs);
    dqtest_write(site, ".dqbatch/building-shard-0-of-2", "building\n", 9);
    dqtest_write(site, ".dqbatch/staging-shard-0-of-2/0-3.html", "<ht", 3);
    dqtest_write(site, stray_mine, "x", 1);
    dqtest_write(site, stray_theirs, "x", 1);
    dq_filter shard = {.shard_index = 0, .shard_count = 2};
    docs_test_build_filtered(inputs, 1, site, 2, NULL, &shard, &report);
    ck_assert(!report.incremental);
    ck_assert(!docs_test_exists_in(site, ".dqbatch/building-shard-0-of-2"));
    ck_assert(!docs_test_exists_in(site, ".dqbatch/staging-shard-0-of-2"));
    ck_assert(!docs_test_exists_in(site, stray_mine));
    ck_assert(docs_test_exists_in(site, stray_theirs));
    char *path = docs_test_path_in(site, stray_theirs);
    ck_assert_int_eq(unlink(path), 0);
    free(path);
    const char *parts[] = {site};
    dq_error err = {0};
    ck_assert_msg(dq_docs_merge(parts, 1, site, NULL, &report, &err) == DQ_OK, "%s", err.msg);
    expect_merged_equals(site, one);
    free(stray_mine);
    free(stray_theirs);
    remove_all((char *[]){one, site, store}, 3);
}
END_TEST

static void expect_merge_refused(const char *const *parts, int count, const char *site,
                                 const char *why)
{
    dq_docs_report report;
    dq_error err = {0};
    ck_assert_int_eq(dq_docs_merge(parts, count, site, NULL, &report, &err), DQ_EUSAGE);
    ck_assert_msg(strstr(err.msg, why) != NULL, "'%s' does not say '%s'", err.msg, why);
}

START_TEST(a_merge_refuses_parts_of_different_builds)
{
    char *store = make_store(), *site = dqtest_tmpdir(), *other = dqtest_tmpdir();
    const char *inputs[] = {store};
    dq_docs_report report;
    for (int i = 0; i < 2; i++) {
        dq_filter shard = {.shard_index = i, .shard_count = 3};
        docs_test_build_filtered(inputs, 1, site, 2, NULL, &shard, &report);
    }
    const char *parts[] = {site};
    expect_merge_refused(parts, 1, site, "shard 2 of 3 is missing");
    dq_filter last = {.shard_index = 2, .shard_count = 3};
    dq_docs_opts titled = {.site_name = "Other"};
    docs_test_build_filtered(inputs, 1, other, 2, &titled, &last, &report);
    char *part0 = docs_test_path_in(site, ".dqbatch/parts/shard-0-of-3.jsonl");
    char *part1 = docs_test_path_in(site, ".dqbatch/parts/shard-1-of-3.jsonl");
    char *part2 = docs_test_path_in(other, ".dqbatch/parts/shard-2-of-3.jsonl");
    const char *mixed[] = {part0, part1, part2};
    expect_merge_refused(mixed, 3, site, "built with other options");
    const char *twice[] = {part0, part0};
    expect_merge_refused(twice, 2, site, "shard 0 of 3 is given twice");
    const char *nothing[] = {store};
    expect_merge_refused(nothing, 1, site, "no partial manifests");
    /* Nothing of the index was written by the refused merges. */
    ck_assert(!docs_test_exists_in(site, "index.html"));
    free(part0);
    free(part1);
    free(part2);
    remove_all((char *[]){site, other, store}, 3);
}
END_TEST

/* ---- the session, as dqbatch run drives it ------------------------------------------------ */

START_TEST(an_objects_etag_says_whether_it_changed)
{
    char *site = dqtest_tmpdir();
    const char *inputs[] = {"s3://bucket/store"};
    dq_scan_opts scan = {.inputs = inputs, .input_count = 1};
    dq_docs_opts opts = {.site_dir = site};
    char *json = docs_test_result_json(&(docs_test_run){.run_id = "obj_20240301_000000_00000000",
                                                        .checkpoint = "objects",
                                                        .run_time = "2024-03-01T00:00:00",
                                                        .status = "success"});
    dq_entry entry = {.name = "s3://bucket/store/r.json",
                      .relpath = "r.json",
                      .size = (int64_t)strlen(json),
                      .mtime = 100,
                      .etag = "\"etag-1\""};
    dq_docs_session *s;
    dq_error err = {0};
    ck_assert_int_eq(dq_docs_session_open(&opts, &scan, &s, &err), DQ_OK);
    ck_assert(!dq_docs_session_known(s, &entry));
    docs_test_session_add(s, &entry, json);
    dq_docs_report report;
    docs_test_session_finish(s, &report);
    ck_assert_uint_eq(report.runs, 1);
    ck_assert_uint_eq(report.rendered, 1);

    ck_assert_int_eq(dq_docs_session_open(&opts, &scan, &s, &err), DQ_OK);
    entry.mtime = 200; /* copied again with the same bytes: the ETag stays */
    ck_assert(dq_docs_session_known(s, &entry));
    entry.etag = "\"etag-2\"";
    ck_assert(!dq_docs_session_known(s, &entry));
    entry.etag = "\"etag-1\"";
    dq_record rec;
    ck_assert(dq_docs_session_reuse(s, &entry, &rec));
    ck_assert_str_eq(rec.run_id, "obj_20240301_000000_00000000");
    dq_record_free(&rec);
    docs_test_session_finish(s, &report);
    ck_assert(report.incremental);
    ck_assert_uint_eq(report.reused, 1);
    ck_assert_uint_eq(report.runs, 1);
    ck_assert_uint_eq(report.rendered, 0);
    char *manifest = docs_test_path_in(site, ".dqbatch/manifest.jsonl");
    ck_assert_uint_eq(docs_test_count_in_file(manifest, "\"etag\": \"\\\"etag-1\\\"\""), 1);
    free(manifest);
    free(json);
    dqtest_rmrf(site);
    free(site);
}
END_TEST

/* ---- filters and duplicates, failures ----------------------------------------------------- */

START_TEST(a_copy_the_filters_leave_out_hides_no_other)
{
    char *store = dqtest_tmpdir(), *site = dqtest_tmpdir();
    docs_test_run dup = {.run_id = "dup_20240301_000000_00000000",
                         .checkpoint = "dup",
                         .run_time = "2024-03-01T00:00:00",
                         .status = "error",
                         .error = "the first copy"};
    docs_test_write_result(store, "a/dup.json", &dup);
    dup.status = "warning";
    docs_test_write_result(store, "b/dup.json", &dup);
    dq_filter warnings = {0};
    dq_error err = {0};
    ck_assert_int_eq(dq_filter_parse_statuses("warning", &warnings.statuses, &err), DQ_OK);
    const char *inputs[] = {store};
    dq_docs_report report;
    docs_test_build_filtered(inputs, 1, site, 2, NULL, &warnings, &report);
    ck_assert_uint_eq(report.runs, 1);
    ck_assert_uint_eq(report.scan.conflicts, 0);
    char *page = dq_docs_run_path(DQ_DOCS_HTML, "dup", dup.run_id);
    char *path = docs_test_path_in(site, page);
    ck_assert_uint_eq(docs_test_count_in_file(path, "badge st-warning"), 1);
    free(path);
    free(page);
    remove_all((char *[]){site, store}, 2);
}
END_TEST

START_TEST(a_failed_first_build_leaves_no_folder)
{
    char *dir = dqtest_tmpdir();
    char *site = docs_test_path_in(dir, "site"), *missing = docs_test_path_in(dir, "no-such-store");
    const char *inputs[] = {missing};
    dq_scan_opts scan = {.inputs = inputs, .input_count = 1};
    dq_docs_opts opts = {.site_dir = site};
    dq_docs_report report;
    dq_error err = {0};
    ck_assert_int_ne(dq_docs_build(&scan, &opts, &report, &err), DQ_OK);
    ck_assert_msg(strstr(err.msg, "no-such-store") != NULL, "%s", err.msg);
    ck_assert(!docs_test_exists_in(dir, "site"));
    /* A site folder that was there stays, without a .dqbatch folder in it. */
    ck_assert_int_eq(mkdir(site, 0755), 0);
    ck_assert_int_ne(dq_docs_build(&scan, &opts, &report, &err), DQ_OK);
    ck_assert(docs_test_exists_in(dir, "site"));
    ck_assert(!docs_test_exists_in(site, ".dqbatch"));
    free(site);
    free(missing);
    dqtest_rmrf(dir);
    free(dir);
}
END_TEST

static Suite *docs_shard_suite(void)
{
    Suite *s = suite_create("docs_shard");
    TCase *tc = tcase_create("shard");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, shards_and_merge_equal_one_build_html);
    tcase_add_test(tc, shards_and_merge_equal_one_build_markdown);
    tcase_add_test(tc, shards_and_merge_equal_one_build_json);
    tcase_add_test(tc, shards_start_from_the_full_manifest);
    tcase_add_test(tc, a_killed_shard_sweeps_only_its_own_checkpoints);
    tcase_add_test(tc, a_merge_refuses_parts_of_different_builds);
    tcase_add_test(tc, an_objects_etag_says_whether_it_changed);
    tcase_add_test(tc, a_copy_the_filters_leave_out_hides_no_other);
    tcase_add_test(tc, a_failed_first_build_leaves_no_folder);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return dqtest_run(docs_shard_suite());
}
