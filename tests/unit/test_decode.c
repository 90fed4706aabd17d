/* Conformance: every stored result of the fixture store decodes to exactly what
 * truthound's own reading of it says (tests/fixtures/truthound/manifest.json). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "decode_support.h"
#include "dqtest.h"

static cJSON *load_manifest(void)
{
    char *path = dqtest_fixture("truthound/manifest.json");
    size_t len = 0;
    char *text = dqtest_read(path, &len);
    ck_assert_msg(text != NULL, "cannot read %s", path);
    cJSON *manifest = cJSON_ParseWithLength(text, len);
    ck_assert_ptr_nonnull(manifest);
    free(text);
    free(path);
    return manifest;
}

static const cJSON *member(const cJSON *obj, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    ck_assert_msg(item != NULL, "manifest entry without %s", key);
    return item;
}

static void expect_string(const char *path, const char *key, const cJSON *want, const char *got)
{
    if (cJSON_IsNull(want)) {
        ck_assert_msg(got == NULL, "%s: %s is \"%s\", want null", path, key, got);
        return;
    }
    ck_assert_msg(got != NULL, "%s: %s is missing", path, key);
    ck_assert_msg(strcmp(want->valuestring, got) == 0, "%s: %s is \"%s\", want \"%s\"", path, key,
                  got, want->valuestring);
}

static void expect_count(const char *path, const cJSON *stats, const char *key, int64_t got)
{
    double want = member(stats, key)->valuedouble;
    ck_assert_msg((double)got == want, "%s: %s is %lld, want %.17g", path, key, (long long)got,
                  want);
}

static void expect_real(const char *path, const cJSON *stats, const char *key, double got)
{
    double want = member(stats, key)->valuedouble;
    ck_assert_msg(got == want, "%s: %s is %.17g, want %.17g", path, key, got, want);
}

static void expect_stats(const char *path, const cJSON *want, const dq_stats *s)
{
    expect_count(path, want, "total_issues", s->total_issues);
    expect_count(path, want, "critical_issues", s->critical_issues);
    expect_count(path, want, "high_issues", s->high_issues);
    expect_count(path, want, "medium_issues", s->medium_issues);
    expect_count(path, want, "low_issues", s->low_issues);
    expect_count(path, want, "total_validators", s->total_validators);
    expect_count(path, want, "passed_validators", s->passed_validators);
    expect_count(path, want, "failed_validators", s->failed_validators);
    expect_count(path, want, "error_validators", s->error_validators);
    expect_count(path, want, "total_rows", s->total_rows);
    expect_count(path, want, "total_columns", s->total_columns);
    expect_real(path, want, "pass_rate", s->pass_rate);
    expect_real(path, want, "issue_rate", s->issue_rate);
    expect_real(path, want, "execution_time_ms", s->execution_time_ms);
}

static int array_size(const cJSON *array)
{
    return array ? cJSON_GetArraySize(array) : 0;
}

/* The views must say what truthound's view says: its counts come from them. */
static void expect_views(const char *path, const cJSON *view, const dq_result *r)
{
    if (cJSON_IsNull(view)) {
        ck_assert_msg(!r->issues && !r->checks, "%s: views of an error run", path);
        return;
    }
    ck_assert_msg(array_size(r->issues) == member(view, "total_issues")->valueint, "%s: issues",
                  path);
    ck_assert_msg(array_size(r->checks) == member(view, "total_validators")->valueint, "%s: checks",
                  path);
    ck_assert_msg(array_size(r->execution_issues) == member(view, "error_validators")->valueint,
                  "%s: execution issues", path);
}

static dq_stats_origin expected_origin(const cJSON *entry, bool *details)
{
    const cJSON *written = member(entry, "written_with");
    *details = !cJSON_IsFalse(member(written, "include_validation_details"));
    if (cJSON_IsNull(member(entry, "truthound_view")))
        return DQ_STATS_NONE;
    return *details ? DQ_STATS_VALIDATION_RUN : DQ_STATS_VALIDATION_RESULT;
}

static void expect_entry(const cJSON *entry, size_t origins[3])
{
    const char *path = member(entry, "path")->valuestring;
    size_t len = 0;
    char *bytes = decode_test_store_file(path, &len);
    dq_result r;
    decode_test_expect_ok(path, bytes, len, &r);

    expect_string(path, "run_id", member(entry, "run_id"), r.run_id);
    expect_string(path, "checkpoint_name", member(entry, "checkpoint_name"), r.checkpoint_name);
    expect_string(path, "run_time", member(entry, "run_time"), r.run_time_text);
    expect_string(path, "status", member(entry, "status"), dq_status_name(r.status));
    expect_string(path, "data_asset", member(entry, "data_asset"), r.data_asset);
    expect_string(path, "error", member(entry, "error"), r.error);
    ck_assert_msg(r.duration_ms == member(entry, "duration_ms")->valuedouble, "%s: duration_ms",
                  path);
    char iso[40];
    dq_time_format_iso(r.run_time, iso, sizeof(iso));
    ck_assert_str_eq(iso, member(entry, "run_time")->valuestring);

    bool details = true;
    dq_stats_origin origin = expected_origin(entry, &details);
    ck_assert_msg(r.stats.origin == origin, "%s: origin %d, want %d", path, r.stats.origin, origin);
    origins[origin]++;
    const cJSON *view = member(entry, "truthound_view");
    if (origin != DQ_STATS_NONE)
        expect_stats(path, details ? view : member(entry, "validation_result_statistics"),
                     &r.stats);
    expect_views(path, view, &r);
    ck_assert_int_eq(array_size(r.action_results),
                     cJSON_GetArraySize(member(entry, "action_results")));

    size_t plain_len = 0;
    char *plain = decode_test_plain(bytes, len, &plain_len);
    ck_assert_uint_eq(r.decoded_bytes, plain_len);
    ck_assert(r.content_hash == dq_hash64(plain, plain_len, 0));
    ck_assert(cJSON_IsObject(r.doc));
    free(plain);
    dq_result_free(&r);
    free(bytes);
}

START_TEST(every_manifest_entry)
{
    cJSON *manifest = load_manifest();
    const cJSON *entries = member(manifest, "entries");
    size_t origins[3] = {0, 0, 0};
    const cJSON *entry;
    cJSON_ArrayForEach(entry, entries) expect_entry(entry, origins);
    ck_assert_int_eq(cJSON_GetArraySize(entries), member(manifest, "n")->valueint);
    ck_assert_int_eq(cJSON_GetArraySize(entries), 80);
    /* The fixture README: 4 error runs, 5 files without validation details. */
    ck_assert_uint_eq(origins[DQ_STATS_NONE], 4);
    ck_assert_uint_eq(origins[DQ_STATS_VALIDATION_RESULT], 5);
    ck_assert_uint_eq(origins[DQ_STATS_VALIDATION_RUN], 71);
    cJSON_Delete(manifest);
}
END_TEST

/* The no-details files: truthound's view of them (0 issues, pass_rate from the contract
 * checks) is what the rebuilt views give, while the statistics keep the real counts. */
START_TEST(no_details_views_match_truthound)
{
    cJSON *manifest = load_manifest();
    const cJSON *entry;
    int seen = 0;
    cJSON_ArrayForEach(entry, member(manifest, "entries"))
    {
        if (!cJSON_IsFalse(member(member(entry, "written_with"), "include_validation_details")))
            continue;
        const char *path = member(entry, "path")->valuestring;
        size_t len = 0;
        char *bytes = decode_test_store_file(path, &len);
        dq_result r;
        decode_test_expect_ok(path, bytes, len, &r);
        const cJSON *view = member(entry, "truthound_view");
        ck_assert_ptr_nonnull(r.rebuilt);
        ck_assert_int_eq(array_size(r.issues), 0);
        int passed = 0;
        const cJSON *check;
        cJSON_ArrayForEach(check, r.checks) passed +=
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(check, "success"));
        ck_assert_int_eq(passed, member(view, "passed_validators")->valueint);
        ck_assert_int_eq(
            r.stats.total_issues,
            member(member(entry, "validation_result_statistics"), "total_issues")->valueint);
        seen++;
        dq_result_free(&r);
        free(bytes);
    }
    ck_assert_int_eq(seen, 5);
    cJSON_Delete(manifest);
}
END_TEST

/* A legacy file (no validation_run, no statistics): issues and checks are rebuilt from
 * the rows as truthound's adapter does, and counted. */
START_TEST(legacy_rows_rebuilt)
{
    const char *text =
        "{\"run_id\": \"r1\", \"checkpoint_name\": \"c\", \"run_time\": \"2024-03-01T10:00:00\","
        " \"status\": \"failure\", \"validation_run\": null,"
        " \"validation_result\": {\"results\": ["
        "  {\"validator_name\": \"null\", \"success\": false, \"column\": null,"
        "   \"issue_type\": \"null\", \"count\": 3, \"severity\": \"HIGH\", \"message\": \"3 "
        "nulls\","
        "   \"details\": {\"sample_values\": [1, null]}},"
        "  {\"validator_name\": \"range\", \"success\": false, \"column\": \"age\","
        "   \"issue_type\": null, \"count\": 1, \"severity\": null, \"message\": null,"
        "   \"details\": {}},"
        "  {\"validator_name\": \"unique\", \"success\": true, \"column\": null,"
        "   \"issue_type\": \"unique\", \"count\": 0, \"severity\": null, \"message\": null,"
        "   \"details\": {\"config\": {}}}],"
        " \"metadata\": {\"execution_time_ms\": 12.5}}}";
    dq_result r;
    decode_test_expect_ok("legacy.json", text, strlen(text), &r);
    ck_assert_int_eq(r.stats.origin, DQ_STATS_VALIDATION_RESULT);
    ck_assert_int_eq(r.stats.total_issues, 2);
    ck_assert_int_eq(r.stats.high_issues, 1);
    ck_assert_int_eq(r.stats.low_issues, 1); /* a null severity is low */
    ck_assert_int_eq(r.stats.total_validators, 3);
    ck_assert_int_eq(r.stats.passed_validators, 1);
    ck_assert_int_eq(r.stats.failed_validators, 2);
    ck_assert(r.stats.pass_rate == 1.0 / 3.0);
    ck_assert(r.stats.execution_time_ms == 12.5);
    const cJSON *first = cJSON_GetArrayItem(r.issues, 0);
    ck_assert_str_eq(cJSON_GetObjectItem(first, "column")->valuestring, "_table_");
    ck_assert_str_eq(cJSON_GetObjectItem(first, "severity")->valuestring, "high");
    ck_assert_str_eq(cJSON_GetObjectItem(first, "details")->valuestring, "3 nulls");
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(first, "sample_values")), 2);
    const cJSON *second = cJSON_GetArrayItem(r.issues, 1);
    ck_assert_str_eq(cJSON_GetObjectItem(second, "issue_type")->valuestring, "range");
    ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(r.checks, 0), "category")->valuestring,
                     "legacy");
    dq_result_free(&r);
}
END_TEST

/* Of duplicate keys the last wins, as in the dict json.loads and safe_load build. */
START_TEST(duplicate_keys_last_wins)
{
    const char *json = "{\"run_id\": \"r1\", \"checkpoint_name\": \"c\", \"status\": \"success\","
                       " \"run_time\": \"2024-03-01T10:00:00\", \"status\": \"failure\","
                       " \"validation_run\": {\"row_count\": 5, \"row_count\": 7}}";
    dq_result r;
    decode_test_expect_ok("dup.json", json, strlen(json), &r);
    ck_assert_int_eq(r.status, DQ_STATUS_FAILURE);
    ck_assert_int_eq(r.stats.total_rows, 7);
    dq_result_free(&r);
    const char *yaml = "run_id: r1\ncheckpoint_name: c\nstatus: success\n"
                       "run_time: '2024-03-01T10:00:00'\nstatus: warning\n";
    decode_test_expect_ok("dup.yaml", yaml, strlen(yaml), &r);
    ck_assert_int_eq(r.status, DQ_STATUS_WARNING);
    ck_assert_int_eq(r.stats.origin, DQ_STATS_NONE);
    dq_result_free(&r);
}
END_TEST

START_TEST(name_formats)
{
    dq_format f;
    ck_assert(dq_decode_name_format("a/b.json", &f) && f == DQ_FORMAT_JSON);
    ck_assert(dq_decode_name_format("a/b.json.gz", &f) && f == DQ_FORMAT_JSON);
    ck_assert(dq_decode_name_format("b.yaml", &f) && f == DQ_FORMAT_YAML);
    ck_assert(dq_decode_name_format("b.yaml.gz", &f) && f == DQ_FORMAT_YAML);
    ck_assert(dq_decode_name_format("b.yml", &f) && f == DQ_FORMAT_YAML);
    ck_assert(dq_decode_name_format("b.yaml.json", &f) && f == DQ_FORMAT_JSON);
    ck_assert(!dq_decode_name_format("README.md", &f));
    ck_assert(!dq_decode_name_format("b.json.bak", &f));
}
END_TEST

START_TEST(status_names)
{
    for (int i = 0; i < DQ_STATUS_COUNT; i++) {
        dq_status s;
        ck_assert_int_eq(dq_status_parse(dq_status_name((dq_status)i), &s), DQ_OK);
        ck_assert_int_eq(s, i);
    }
    dq_status s;
    ck_assert_int_eq(dq_status_parse("Success", &s), DQ_EFORMAT);
    ck_assert_int_eq(dq_status_parse("done", &s), DQ_EFORMAT);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("decode");
    TCase *tc = tcase_create("conformance");
    tcase_add_test(tc, every_manifest_entry);
    tcase_add_test(tc, no_details_views_match_truthound);
    tcase_add_test(tc, legacy_rows_rebuilt);
    tcase_add_test(tc, duplicate_keys_last_wins);
    tcase_add_test(tc, name_formats);
    tcase_add_test(tc, status_names);
    suite_add_tcase(suite, tc);
    return dqtest_run(suite);
}
