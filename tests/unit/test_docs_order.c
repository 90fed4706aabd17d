/* docs: the order the workers meet the copies of a run in. The first copy a worker meets
 * writes its page straight into the site, before anyone knows whether it is the copy the
 * site shows (the first in store order). These tests hand the copies to a session in the
 * worst order and check that the site ends as a full build of the same store would
 * leave it: the page of the first copy, no page of a copy that lost, nothing staged. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "docs_support.h"
#include "dqtest.h"

#define RUN_ID "dup_20240301_000000_00000000"

/* One stored copy as the scan hands it over: its file in the store, its text. */
typedef struct stored_copy {
    dq_entry entry;
    char *json;
} stored_copy;

static stored_copy copy_store(const char *store, const char *relative, uint64_t seq,
                              const char *checkpoint, const char *status)
{
    docs_test_run run = {.run_id = RUN_ID,
                         .checkpoint = checkpoint,
                         .run_time = "2024-03-01T00:00:00",
                         .status = status};
    stored_copy c = {.json = docs_test_result_json(&run)};
    docs_test_write_result(store, relative, &run);
    char *file = docs_test_path_in(store, relative);
    struct stat st;
    ck_assert_int_eq(stat(file, &st), 0);
    c.entry.name = file;
    c.entry.file = file;
    c.entry.relpath = (char *)relative;
    c.entry.size = st.st_size;
    c.entry.mtime = st.st_mtime;
    c.entry.seq = seq;
    return c;
}

static void copy_free(stored_copy *c)
{
    free(c->entry.file);
    free(c->json);
}

typedef struct order_case {
    char *store;
    char *site;
    const char *inputs[1];
    dq_scan_opts scan;
    dq_docs_opts opts;
} order_case;

static order_case *order_case_start(void)
{
    order_case *c = calloc(1, sizeof(*c));
    ck_assert_ptr_nonnull(c);
    c->store = dqtest_tmpdir();
    c->site = dqtest_tmpdir();
    c->inputs[0] = c->store;
    c->scan = (dq_scan_opts){.inputs = c->inputs, .input_count = 1, .jobs = 1};
    c->opts = (dq_docs_opts){.site_dir = c->site};
    return c;
}

static dq_docs_session *order_case_open(order_case *c)
{
    dq_docs_session *s;
    dq_error err = {0};
    ck_assert_msg(dq_docs_session_open(&c->opts, &c->scan, &s, &err) == DQ_OK, "%s", err.msg);
    return s;
}

/* The site equals a full build of the store, and the staging folder is gone. */
static void order_case_end(order_case *c)
{
    char *fresh = dqtest_tmpdir();
    dq_docs_report report;
    docs_test_build(c->inputs, 1, fresh, 1, NULL, &report);
    char *why = docs_test_diff_trees(c->site, fresh);
    ck_assert_msg(why == NULL, "the site differs from a full build: %s", why);
    ck_assert(!docs_test_exists_in(c->site, ".dqbatch/staging"));
    dqtest_rmrf(fresh);
    free(fresh);
    dqtest_rmrf(c->site);
    dqtest_rmrf(c->store);
    free(c->site);
    free(c->store);
    free(c);
}

/* The run page of checkpoint's copy holds needle once; NULL needle: there is no page. */
static void expect_page(const char *site, const char *checkpoint, const char *needle)
{
    char *relative = dq_docs_run_path(DQ_DOCS_HTML, checkpoint, RUN_ID);
    char *path = docs_test_path_in(site, relative);
    if (needle)
        ck_assert_uint_eq(docs_test_count_in_file(path, needle), 1);
    else
        ck_assert_msg(!docs_test_exists_in(site, relative), "%s should not exist", relative);
    free(path);
    free(relative);
}

/* The later copy (seq 1) reaches a worker before the earlier one (seq 0). */
static void later_copy_met_first(const char *first_checkpoint, const char *later_checkpoint)
{
    order_case *c = order_case_start();
    stored_copy first = copy_store(c->store, "a/dup.json", 0, first_checkpoint, "error");
    stored_copy later = copy_store(c->store, "b/dup.json", 1, later_checkpoint, "warning");
    dq_docs_session *s = order_case_open(c);
    docs_test_session_add(s, &later.entry, later.json);
    docs_test_session_add(s, &first.entry, first.json);
    dq_docs_report report;
    docs_test_session_finish(s, &report);
    ck_assert_uint_eq(report.runs, 1);
    ck_assert_uint_eq(report.rendered, 1);
    ck_assert_uint_eq(report.scan.conflicts, 1);
    expect_page(c->site, first_checkpoint, "badge st-error");
    if (strcmp(first_checkpoint, later_checkpoint) != 0)
        expect_page(c->site, later_checkpoint, NULL);
    copy_free(&first);
    copy_free(&later);
    order_case_end(c);
}

START_TEST(the_first_copy_wins_when_met_last)
{
    later_copy_met_first("dup", "dup");
}
END_TEST

START_TEST(a_losing_copy_of_another_checkpoint_leaves_no_page)
{
    later_copy_met_first("early", "late");
}
END_TEST

/* A site built from one copy (the first in store order) of the run. */
static stored_copy build_first_copy(order_case *c)
{
    stored_copy first = copy_store(c->store, "a/dup.json", 0, "dup", "error");
    dq_docs_session *s = order_case_open(c);
    docs_test_session_add(s, &first.entry, first.json);
    dq_docs_report report;
    docs_test_session_finish(s, &report);
    expect_page(c->site, "dup", "badge st-error");
    return first;
}

/* The first copy comes from the manifest (unchanged since the last build) after a new,
 * later copy overwrote its page: it is read again to mend the page. */
START_TEST(a_page_overwritten_by_a_losing_copy_is_mended)
{
    order_case *c = order_case_start();
    stored_copy first = build_first_copy(c);
    dq_docs_report report;
    stored_copy later = copy_store(c->store, "b/dup.json", 1, "dup", "warning");
    dq_docs_session *s = order_case_open(c);
    docs_test_session_add(s, &later.entry, later.json);
    expect_page(c->site, "dup", "badge st-warning"); /* written in place, for now */
    dq_record rec;
    ck_assert(dq_docs_session_reuse(s, &first.entry, &rec));
    dq_record_free(&rec);
    docs_test_session_finish(s, &report);
    ck_assert(report.incremental);
    ck_assert_uint_eq(report.reused, 1);
    ck_assert_uint_eq(report.rendered, 1);
    expect_page(c->site, "dup", "badge st-error");
    copy_free(&first);
    copy_free(&later);
    order_case_end(c);
}
END_TEST

/* The copy from the manifest is met first: the new, later copy is only staged, and its
 * page never reaches the site. */
START_TEST(a_copy_after_one_from_the_manifest_is_only_staged)
{
    order_case *c = order_case_start();
    stored_copy first = build_first_copy(c);
    dq_docs_report report;
    stored_copy later = copy_store(c->store, "b/dup.json", 1, "dup", "warning");
    dq_docs_session *s = order_case_open(c);
    dq_record rec;
    ck_assert(dq_docs_session_reuse(s, &first.entry, &rec));
    dq_record_free(&rec);
    docs_test_session_add(s, &later.entry, later.json);
    expect_page(c->site, "dup", "badge st-error");
    docs_test_session_finish(s, &report);
    ck_assert_uint_eq(report.rendered, 0);
    expect_page(c->site, "dup", "badge st-error");
    copy_free(&first);
    copy_free(&later);
    order_case_end(c);
}
END_TEST

static Suite *docs_order_suite(void)
{
    Suite *s = suite_create("docs_order");
    TCase *tc = tcase_create("order");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, the_first_copy_wins_when_met_last);
    tcase_add_test(tc, a_losing_copy_of_another_checkpoint_leaves_no_page);
    tcase_add_test(tc, a_page_overwritten_by_a_losing_copy_is_mended);
    tcase_add_test(tc, a_copy_after_one_from_the_manifest_is_only_staged);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return dqtest_run(docs_order_suite());
}
