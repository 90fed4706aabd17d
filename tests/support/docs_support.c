/* Helpers for the docs tests. */
#include <cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "docs_support.h"
#include "dqtest.h"

static const char *or_default(const char *s, const char *fallback)
{
    return s ? s : fallback;
}

static cJSON *make_issue(const docs_test_run *run)
{
    cJSON *issue = cJSON_CreateObject();
    cJSON_AddStringToObject(issue, "column", or_default(run->column, "email"));
    cJSON_AddStringToObject(issue, "issue_type", "null");
    cJSON_AddNumberToObject(issue, "count", 5);
    cJSON_AddStringToObject(issue, "severity", "critical");
    cJSON_AddFalseToObject(issue, "success");
    cJSON_AddStringToObject(issue, "details", or_default(run->details, "5 null values"));
    cJSON *samples = cJSON_AddArrayToObject(issue, "sample_values");
    cJSON_AddItemToArray(samples, cJSON_CreateString(or_default(run->sample, "x")));
    cJSON_AddItemToArray(samples, cJSON_CreateNumber(1));
    cJSON_AddItemToArray(samples, cJSON_CreateNull());
    cJSON_AddStringToObject(issue, "validator_name", "null");
    return issue;
}

static cJSON *make_validation_run(const docs_test_run *run)
{
    cJSON *vr = cJSON_CreateObject();
    cJSON_AddStringToObject(vr, "run_id", run->run_id);
    cJSON_AddStringToObject(vr, "run_time", run->run_time);
    cJSON_AddStringToObject(vr, "suite_name", "truthound-default-suite");
    cJSON_AddStringToObject(vr, "source", or_default(run->data_asset, "data/x.csv"));
    cJSON_AddNumberToObject(vr, "row_count", 1000);
    cJSON_AddNumberToObject(vr, "column_count", 3);
    cJSON_AddStringToObject(vr, "result_format", "summary");
    cJSON_AddStringToObject(vr, "execution_mode", "sequential");
    cJSON_AddStringToObject(vr, "planned_execution_mode", "sequential");
    bool issue = strcmp(run->status, "success") != 0;
    cJSON *checks = cJSON_AddArrayToObject(vr, "checks");
    cJSON *check = cJSON_CreateObject();
    cJSON_AddStringToObject(check, "name", "null");
    cJSON_AddStringToObject(check, "category", "completeness");
    cJSON_AddBoolToObject(check, "success", !issue);
    cJSON_AddNumberToObject(check, "issue_count", issue ? 1 : 0);
    cJSON *check_issues = cJSON_AddArrayToObject(check, "issues");
    cJSON_AddItemToObject(check, "metadata", cJSON_CreateObject());
    cJSON_AddItemToArray(checks, check);
    cJSON *issues = cJSON_AddArrayToObject(vr, "issues");
    if (issue) {
        cJSON_AddItemToArray(issues, make_issue(run));
        cJSON_AddItemToArray(check_issues, make_issue(run));
    }
    cJSON_AddArrayToObject(vr, "execution_issues");
    cJSON *meta = cJSON_AddObjectToObject(vr, "metadata");
    cJSON *tags = cJSON_AddObjectToObject(meta, "tags");
    cJSON_AddStringToObject(tags, "env", or_default(run->meta, "test"));
    cJSON_AddNumberToObject(meta, "execution_time_ms", 12.5);
    return vr;
}

char *docs_test_result_json(const docs_test_run *run)
{
    cJSON *doc = cJSON_CreateObject();
    bool error = strcmp(run->status, "error") == 0;
    cJSON_AddStringToObject(doc, "run_id", run->run_id);
    cJSON_AddStringToObject(doc, "checkpoint_name", run->checkpoint);
    cJSON_AddStringToObject(doc, "run_time", run->run_time);
    cJSON_AddStringToObject(doc, "status", run->status);
    if (error)
        cJSON_AddNullToObject(doc, "validation_run");
    else
        cJSON_AddItemToObject(doc, "validation_run", make_validation_run(run));
    cJSON *actions = cJSON_AddArrayToObject(doc, "action_results");
    cJSON *action = cJSON_CreateObject();
    cJSON_AddStringToObject(action, "action_name", or_default(run->meta, "notify"));
    cJSON_AddStringToObject(action, "action_type", "custom");
    cJSON_AddStringToObject(action, "status", "success");
    cJSON_AddStringToObject(action, "message", or_default(run->details, "done"));
    cJSON_AddNumberToObject(action, "duration_ms", 1.5);
    cJSON_AddItemToObject(action, "details", cJSON_CreateObject());
    cJSON_AddNullToObject(action, "error");
    cJSON_AddItemToArray(actions, action);
    cJSON_AddStringToObject(doc, "data_asset", or_default(run->data_asset, "data/x.csv"));
    cJSON_AddNumberToObject(doc, "duration_ms", 100.25);
    if (error)
        cJSON_AddStringToObject(doc, "error", or_default(run->error, "boom"));
    else
        cJSON_AddNullToObject(doc, "error");
    cJSON *meta = cJSON_AddObjectToObject(doc, "metadata");
    cJSON_AddStringToObject(meta, "note", or_default(run->meta, "plain"));
    char *text = cJSON_Print(doc);
    cJSON_Delete(doc);
    ck_assert_ptr_nonnull(text);
    return text;
}

void docs_test_write_result(const char *dir, const char *relative, const docs_test_run *run)
{
    char *text = docs_test_result_json(run);
    dqtest_write(dir, relative, text, strlen(text));
    free(text);
}

void docs_test_build(const char *const *inputs, int count, const char *site, int jobs,
                     const dq_docs_opts *extra, dq_docs_report *report)
{
    docs_test_build_filtered(inputs, count, site, jobs, extra, NULL, report);
}

void docs_test_build_filtered(const char *const *inputs, int count, const char *site, int jobs,
                              const dq_docs_opts *extra, const dq_filter *filter,
                              dq_docs_report *report)
{
    dq_scan_opts scan = {.inputs = inputs, .input_count = count, .jobs = jobs, .filter = filter};
    dq_docs_opts opts = {0};
    if (extra)
        opts = *extra;
    opts.site_dir = site;
    dq_error err = {0};
    dq_code rc = dq_docs_build(&scan, &opts, report, &err);
    ck_assert_msg(rc == DQ_OK, "docs build failed: %s", err.msg);
}

static void list_into(const char *root, const char *relative, dq_strlist *out)
{
    char *dir = *relative ? dq_asprintf("%s/%s", root, relative) : dq_strdup(root);
    ck_assert_ptr_nonnull(dir);
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *child = *relative ? dq_asprintf("%s/%s", relative, e->d_name) : dq_strdup(e->d_name);
        char *path = dq_asprintf("%s/%s", root, child);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            list_into(root, child, out);
        else
            ck_assert_int_eq(dq_strlist_add(out, child), DQ_OK);
        free(child);
        free(path);
    }
    if (d)
        closedir(d);
    free(dir);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void docs_test_list_files(const char *dir, dq_strlist *out)
{
    memset(out, 0, sizeof(*out));
    list_into(dir, "", out);
    qsort(out->items, out->len, sizeof(*out->items), compare_strings);
}

char *docs_test_diff_trees(const char *a, const char *b)
{
    dq_strlist la, lb;
    docs_test_list_files(a, &la);
    docs_test_list_files(b, &lb);
    char *why = NULL;
    for (size_t i = 0; !why && (i < la.len || i < lb.len); i++) {
        if (i >= la.len || i >= lb.len || strcmp(la.items[i], lb.items[i]) != 0) {
            why = dq_asprintf("file lists differ at %s / %s", i < la.len ? la.items[i] : "(end)",
                              i < lb.len ? lb.items[i] : "(end)");
            break;
        }
        char *pa = dq_asprintf("%s/%s", a, la.items[i]), *pb = dq_asprintf("%s/%s", b, lb.items[i]);
        size_t na = 0, nb = 0;
        char *da = dqtest_read(pa, &na), *db = dqtest_read(pb, &nb);
        if (!da || !db || na != nb || memcmp(da, db, na) != 0)
            why = dq_asprintf("%s differs", la.items[i]);
        free(da);
        free(db);
        free(pa);
        free(pb);
    }
    dq_strlist_free(&la);
    dq_strlist_free(&lb);
    return why;
}

void docs_test_copy_tree(const char *src, const char *dst)
{
    char *command = dq_asprintf("cp -a '%s/.' '%s/'", src, dst);
    ck_assert_ptr_nonnull(command);
    ck_assert_int_eq(dq_mkdirs(dst, NULL), DQ_OK);
    ck_assert_int_eq(system(command), 0);
    free(command);
}

size_t docs_test_count_in_file(const char *path, const char *needle)
{
    char *text = dqtest_read(path, NULL);
    ck_assert_msg(text != NULL, "%s: cannot read", path);
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    free(text);
    return n;
}

char *docs_test_path_in(const char *dir, const char *relative)
{
    char *path = dq_asprintf("%s/%s", dir, relative);
    ck_assert_ptr_nonnull(path);
    return path;
}

bool docs_test_exists_in(const char *dir, const char *relative)
{
    char *path = docs_test_path_in(dir, relative);
    bool ok = access(path, F_OK) == 0;
    free(path);
    return ok;
}

void docs_test_session_add(dq_docs_session *s, const dq_entry *entry, const char *json)
{
    dq_result r;
    dq_error err = {0};
    ck_assert_msg(dq_decode(entry->name, json, strlen(json), DQ_FORMAT_JSON, NULL, &r, &err) ==
                      DQ_OK,
                  "%s", err.msg);
    ck_assert_msg(dq_docs_session_result(s, entry, &r, &err) == DQ_OK, "%s", err.msg);
    dq_result_free(&r);
}

void docs_test_session_finish(dq_docs_session *s, dq_docs_report *report)
{
    dq_scan_report scan = {.entries = 1};
    dq_error err = {0};
    ck_assert_msg(dq_docs_session_finish(s, &scan, report, &err) == DQ_OK, "%s", err.msg);
    dq_docs_session_free(s);
}
