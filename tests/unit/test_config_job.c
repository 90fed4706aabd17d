/* The job file of dqbatch run: every key read (YAML and JSON), ${VAR} expansion,
 * relative paths taken from the job's folder, actions inline or from a file, and bad
 * jobs reported with the file, line and key. */
#include <stdlib.h>
#include <string.h>

#include "dqbatch/job.h"
#include "dqtest.h"

static void job_ok(const char *name, const char *text, dq_job_file *job)
{
    dq_strlist problems = {0};
    dq_error err = {0};
    dq_code rc = dq_job_file_parse(name, text, strlen(text), job, &problems, &err);
    ck_assert_msg(rc == DQ_OK, "%s", err.msg);
    ck_assert_int_eq(problems.len, 0);
    dq_strlist_free(&problems);
}

/* Every problem of a bad job, one per line. */
static char *job_problems(const char *text)
{
    dq_job_file job;
    dq_strlist problems = {0};
    dq_error err = {0};
    dq_code rc = dq_job_file_parse("/jobs/bad.yaml", text, strlen(text), &job, &problems, &err);
    ck_assert_int_eq(rc, DQ_ECONFIG);
    ck_assert(problems.len > 0);
    dq_buf all;
    dq_buf_init(&all, 1 << 20);
    for (size_t i = 0; i < problems.len; i++)
        ck_assert(dq_buf_printf(&all, "%s\n", problems.items[i]) == DQ_OK);
    dq_strlist_free(&problems);
    char *text_out = strdup(dq_buf_str(&all));
    dq_buf_free(&all);
    return text_out;
}

static void expect_problem(const char *text, const char *want)
{
    char *got = job_problems(text);
    ck_assert_msg(strstr(got, want) != NULL, "want \"%s\" in:\n%s", want, got);
    free(got);
}

START_TEST(test_full_yaml_job)
{
    setenv("DQ_TEST_SITE", "/srv/site", 1);
    unsetenv("DQ_TEST_UNSET");
    const char *text = "stores: [store, /abs/old.tar.gz, 's3://bucket/prefix']\n"
                       "selection:\n"
                       "  since: 2024-03-01T00:00:00\n"
                       "  checkpoints: ['orders_*']\n"
                       "  statuses: [failure, error]\n"
                       "  assets: '*.csv'\n"
                       "docs:\n"
                       "  site: ${DQ_TEST_SITE}\n"
                       "  history: 30\n"
                       "  page_size: 50\n"
                       "  base_url: https://dq.example.com/docs\n"
                       "  site_name: ${DQ_TEST_UNSET:-Nightly}\n"
                       "  format: markdown\n"
                       "  select: {until: 2025-01-01T00:00:00}\n"
                       "actions:\n"
                       "- {type: webhook, url: 'http://127.0.0.1:1/x', notify_on: always}\n"
                       "- {type: slack, webhook_url: 'https://hooks.slack.com/services/A/B/C',\n"
                       "   match: {checkpoint: 'orders_*'}}\n"
                       "digest: true\n"
                       "max_in_flight: 16\n"
                       "journal: state/journal\n"
                       "report: /var/log/report.json\n"
                       "jobs: 3\n"
                       "max_result_bytes: 1048576\n";
    dq_job_file job;
    job_ok("/jobs/nightly.yaml", text, &job);
    ck_assert_int_eq(job.stores.len, 3);
    ck_assert_str_eq(job.stores.items[0], "/jobs/store");
    ck_assert_str_eq(job.stores.items[1], "/abs/old.tar.gz");
    ck_assert_str_eq(job.stores.items[2], "s3://bucket/prefix");
    ck_assert(job.select.has_since && !job.select.has_until);
    ck_assert_int_eq(job.select.checkpoints.len, 1);
    ck_assert_int_eq(job.select.assets.len, 1);
    ck_assert_uint_eq(job.select.statuses, (1u << DQ_STATUS_FAILURE) | (1u << DQ_STATUS_ERROR));
    ck_assert_str_eq(job.docs.site, "/srv/site");
    ck_assert_int_eq(job.docs.history, 30);
    ck_assert_int_eq(job.docs.page_size, 50);
    ck_assert_str_eq(job.docs.site_name, "Nightly");
    ck_assert_str_eq(job.docs.format, "markdown");
    ck_assert(job.docs.select.has_until);
    ck_assert(job.has_actions);
    ck_assert_int_eq(job.actions.count, 2);
    ck_assert_str_eq(job.actions.actions[1].match_checkpoint, "orders_*");
    ck_assert(job.digest);
    ck_assert_int_eq(job.max_in_flight, 16);
    ck_assert_str_eq(job.journal, "/jobs/state/journal");
    ck_assert_str_eq(job.report, "/var/log/report.json");
    ck_assert_int_eq(job.jobs, 3);
    ck_assert_uint_eq(job.max_result_bytes, 1048576);
    dq_job_file_free(&job);
}
END_TEST

START_TEST(test_json_job_with_actions_file)
{
    char *dir = dqtest_tmpdir();
    const char *config = "checkpoints:\n"
                         "- name: orders\n"
                         "  actions:\n"
                         "  - {type: webhook, url: 'http://127.0.0.1:1/hook'}\n";
    dqtest_write(dir, "conf/truthound.yaml", config, strlen(config));
    const char *text = "{\"stores\": \"/data/store\", \"actions\": \"conf/truthound.yaml\"}";
    char *job_path = NULL;
    ck_assert(asprintf(&job_path, "%s/job.json", dir) > 0);
    dqtest_write(dir, "job.json", text, strlen(text));
    dq_job_file job;
    dq_strlist problems = {0};
    dq_error err = {0};
    ck_assert_msg(dq_job_file_load(job_path, &job, &problems, &err) == DQ_OK, "%s", err.msg);
    ck_assert(job.has_actions && job.actions.truthound_form);
    ck_assert_int_eq(job.actions.count, 1);
    ck_assert(strstr(job.actions_file, "/conf/truthound.yaml") != NULL);
    ck_assert_ptr_null(job.docs.site);
    ck_assert(dq_job_file_detect("job.json", text, strlen(text)));
    ck_assert(!dq_job_file_detect("truthound.yaml", config, strlen(config)));
    dq_job_file_free(&job);
    dq_strlist_free(&problems);
    free(job_path);
    dqtest_rmrf(dir);
    free(dir);
}
END_TEST

START_TEST(test_bad_jobs_name_line_and_key)
{
    expect_problem("docs: {site: /s}\n", "/jobs/bad.yaml: stores: required");
    expect_problem("stores: [a]\n", "nothing to do");
    expect_problem("stores: [a]\ndocs: {site: /s}\nsurprise: 1\n",
                   "/jobs/bad.yaml:3: surprise: unknown key in a job");
    expect_problem("stores: [a]\ndocs:\n  site: /s\n  colour: red\n",
                   "/jobs/bad.yaml:4: colour: unknown key in docs");
    expect_problem("stores: [a]\ndocs: {history: 3}\n", "site: required in docs");
    expect_problem("stores: [a]\ndocs: {site: /s, format: pdf}\n",
                   "format: \"pdf\" is not one of html, markdown, json");
    expect_problem("stores: [a]\ndocs: {site: /s, base_url: ftp://x}\n", "base_url: must be an");
    expect_problem("stores: [a]\ndocs: {site: /s}\nselection: {since: yesterday}\n",
                   "/jobs/bad.yaml:3: since: \"yesterday\" is neither");
    expect_problem("stores: [a]\ndocs: {site: /s}\nselection: {statuses: [fine]}\n", "statuses:");
    expect_problem("stores: [a]\ndocs: {site: /s}\nselection: {shard: 1}\n",
                   "shard: unknown key in selection");
    expect_problem("stores: [a]\ndocs: {site: /s}\nmax_in_flight: 0\n",
                   "/jobs/bad.yaml:3: max_in_flight: must be a whole number from 1");
    expect_problem("stores: [a]\ndocs: {site: /s}\njobs: many\n", "jobs: must be a whole number");
    expect_problem("stores: [a]\ndocs: {site: /s}\ndigest: maybe\n", "digest: must be true or");
    unsetenv("DQ_TEST_NOT_SET");
    expect_problem("stores: ['${DQ_TEST_NOT_SET}']\ndocs: {site: /s}\n", "DQ_TEST_NOT_SET");
    /* Inline actions are checked as a config is, with the job's lines. */
    expect_problem("stores: [a]\nactions:\n- type: slack\n  webhook_url: http://x/y\n"
                   "  notify_on: sometimes\n",
                   "/jobs/bad.yaml:5: notify_on: \"sometimes\" is not one of");
    expect_problem("stores: [a]\nactions: 3\n", "actions: must be a list of actions or the path");
    expect_problem("stores: [a]\nactions: /nonexistent/dq-config.yaml\n",
                   "/nonexistent/dq-config.yaml");
    expect_problem("- a\n- b\n", "the top level must be a mapping");
}
END_TEST

static Suite *job_suite(void)
{
    Suite *s = suite_create("job");
    TCase *tc = tcase_create("job");
    tcase_add_test(tc, test_full_yaml_job);
    tcase_add_test(tc, test_json_job_with_actions_file);
    tcase_add_test(tc, test_bad_jobs_name_line_and_key);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return dqtest_run(job_suite());
}
