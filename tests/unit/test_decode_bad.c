/* Bad bytes: every one is an error value naming the file and the reason, never a crash,
 * an abort or a hang. The inputs are built here, from fixture bytes where possible. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "decode_support.h"
#include "dqtest.h"

/* A plain JSON result with an astral character (a surrogate pair) in data_asset. */
#define JSON_FILE "flat/app_reviews_quality_20240315_233533_d733d8cc.json"
/* A gzipped JSON result. */
#define GZ_FILE "by_date/2024/03/06/customer_accounts_daily_20240306_015902_b73de6bf.json.gz"

static char *json_text(size_t *len)
{
    return decode_test_store_file(JSON_FILE, len);
}

/* The JSON fixture with one piece of text replaced, expected to fail with code. */
static void expect_edit_fails(const char *name, const char *from, const char *to, dq_code code,
                              const char *reason)
{
    size_t len = 0;
    char *text = json_text(&len);
    char *edited = decode_test_replace(text, from, to);
    decode_test_expect_error(name, edited, strlen(edited), 0, code, reason);
    free(edited);
    free(text);
}

/* The JSON fixture with one piece of text replaced, decoded (it must decode). */
static void decode_edit(const char *name, const char *from, const char *to, dq_result *r)
{
    size_t len = 0;
    char *text = json_text(&len);
    char *edited = decode_test_replace(text, from, to);
    decode_test_expect_ok(name, edited, strlen(edited), r);
    free(edited);
    free(text);
}

START_TEST(empty_files)
{
    decode_test_expect_error("bad/empty.json", "", 0, 0, DQ_EFORMAT, "empty file");
    decode_test_expect_error("bad/empty.yaml", "", 0, 0, DQ_EFORMAT, "empty file");
    decode_test_expect_error("bad/empty.json", NULL, 0, 0, DQ_EFORMAT, "empty file");
    size_t gz_len = 0;
    unsigned char *gz = decode_test_gzip("", 0, &gz_len);
    decode_test_expect_error("bad/empty.json.gz", gz, gz_len, 0, DQ_EFORMAT, "empty file");
    free(gz);
}
END_TEST

START_TEST(truncated_json)
{
    size_t len = 0;
    char *text = json_text(&len);
    decode_test_expect_error("bad/half.json", text, len / 2, 0, DQ_EFORMAT, "truncated JSON");
    decode_test_expect_error("bad/one-byte.json", text, 1, 0, DQ_EFORMAT, "truncated JSON");
    /* Cut inside a string. */
    const char *in_string = strstr(text, "app_reviews_quality_2024") + 5;
    decode_test_expect_error("bad/in-string.json", text, (size_t)(in_string - text), 0, DQ_EFORMAT,
                             "inside a string");
    free(text);
}
END_TEST

START_TEST(trailing_json)
{
    size_t len = 0;
    char *text = json_text(&len);
    char *extra = dq_asprintf("%s\n {}", text);
    decode_test_expect_error("bad/extra.json", extra, strlen(extra), 0, DQ_EFORMAT,
                             "invalid JSON at byte");
    free(extra);
    /* Trailing whitespace is what json.loads allows. */
    char *spaced = dq_asprintf("%s \n\t\r\n", text);
    dq_result r;
    decode_test_expect_ok("ok/spaced.json", spaced, strlen(spaced), &r);
    dq_result_free(&r);
    free(spaced);
    free(text);
}
END_TEST

START_TEST(truncated_gzip)
{
    size_t len = 0;
    char *gz = decode_test_store_file(GZ_FILE, &len);
    decode_test_expect_error("bad/no-trailer.json.gz", gz, len - 8, 0, DQ_EFORMAT,
                             "truncated gzip");
    decode_test_expect_error("bad/half.json.gz", gz, len / 2, 0, DQ_EFORMAT, "truncated gzip");
    decode_test_expect_error("bad/header-only.json.gz", gz, 10, 0, DQ_EFORMAT, "truncated gzip");
    free(gz);
}
END_TEST

START_TEST(gzip_bad_crc_and_length)
{
    size_t len = 0;
    char *gz = decode_test_store_file(GZ_FILE, &len);
    gz[len - 8] ^= 0x55; /* CRC32 */
    decode_test_expect_error("bad/crc.json.gz", gz, len, 0, DQ_EFORMAT, "bad gzip data");
    gz[len - 8] ^= 0x55;
    gz[len - 4] ^= 0x01; /* ISIZE */
    decode_test_expect_error("bad/isize.json.gz", gz, len, 0, DQ_EFORMAT, "bad gzip data");
    free(gz);
}
END_TEST

START_TEST(gzip_trailing_garbage)
{
    size_t len = 0;
    char *gz = decode_test_store_file(GZ_FILE, &len);
    char *more = malloc(len + 7);
    ck_assert_ptr_nonnull(more);
    memcpy(more, gz, len);
    memcpy(more + len, "garbage", 7);
    decode_test_expect_error("bad/garbage.json.gz", more, len + 7, 0, DQ_EFORMAT,
                             "trailing garbage after the gzip data at byte");
    /* Half a second member is a truncated member, not garbage. */
    memcpy(more + len, gz, 7);
    decode_test_expect_error("bad/half-member.json.gz", more, len + 7, 0, DQ_EFORMAT,
                             "truncated gzip");
    free(more);
    free(gz);
}
END_TEST

/* Concatenated members are one gzip file; NUL padding after them is skipped, as Python's
 * gzip module does. */
START_TEST(gzip_members_and_padding)
{
    size_t len = 0;
    char *text = json_text(&len);
    size_t a_len = 0, b_len = 0;
    unsigned char *a = decode_test_gzip(text, len / 3, &a_len);
    unsigned char *b = decode_test_gzip(text + len / 3, len - len / 3, &b_len);
    unsigned char *both = malloc(a_len + b_len + 4);
    ck_assert_ptr_nonnull(both);
    memcpy(both, a, a_len);
    memcpy(both + a_len, b, b_len);
    memset(both + a_len + b_len, 0, 4);
    dq_result r;
    decode_test_expect_ok("ok/members.json.gz", both, a_len + b_len + 4, &r);
    ck_assert_uint_eq(r.decoded_bytes, len);
    ck_assert(r.content_hash == dq_hash64(text, len, 0));
    ck_assert_str_eq(r.run_id, "app_reviews_quality_20240315_233533_d733d8cc");
    dq_result_free(&r);
    free(both);
    free(b);
    free(a);
    free(text);
}
END_TEST

START_TEST(gzip_past_the_cap)
{
    size_t len = 0;
    char *gz = decode_test_store_file(GZ_FILE, &len);
    size_t plain_len = 0;
    char *plain = decode_test_plain(gz, len, &plain_len);
    decode_test_expect_error("bad/cap.json.gz", gz, len, 1000, DQ_ETOOBIG, "cap of 1000 bytes");
    char *cap_text = dq_asprintf("cap of %zu bytes", plain_len - 1);
    decode_test_expect_error("bad/cap-1.json.gz", gz, len, plain_len - 1, DQ_ETOOBIG, cap_text);
    /* Exactly at the cap is allowed. */
    dq_decode_opts opts = {.max_bytes = plain_len};
    dq_result r;
    dq_error err = {0};
    ck_assert_int_eq(dq_decode("ok/cap.json.gz", gz, len, DQ_FORMAT_JSON, &opts, &r, &err), DQ_OK);
    dq_result_free(&r);
    /* A bomb: 64 MiB of zeros in 64 KiB, stopped at 1 MiB. */
    size_t bomb_len = (size_t)64 << 20;
    char *zeros = calloc(bomb_len, 1);
    ck_assert_ptr_nonnull(zeros);
    size_t bomb_gz_len = 0;
    unsigned char *bomb = decode_test_gzip(zeros, bomb_len, &bomb_gz_len);
    free(zeros);
    decode_test_expect_error("bad/bomb.json.gz", bomb, bomb_gz_len, (size_t)1 << 20, DQ_ETOOBIG,
                             "inflates past the cap of 1048576 bytes");
    /* Plain bytes past the cap too. */
    decode_test_expect_error("bad/big.json", plain, plain_len, 100, DQ_ETOOBIG, "cap of 100");
    free(bomb);
    free(cap_text);
    free(plain);
    free(gz);
}
END_TEST

START_TEST(nesting_past_the_limit)
{
    char *deep = decode_test_nested(CJSON_NESTING_LIMIT + 1, "1");
    decode_test_expect_error("bad/deep.json", deep, strlen(deep), 0, DQ_EFORMAT,
                             "nested deeper than 1000 levels");
    free(deep);
    /* At the limit the document parses (and is no result). */
    char *limit = decode_test_nested(CJSON_NESTING_LIMIT, "1");
    decode_test_expect_error("bad/limit.json", limit, strlen(limit), 0, DQ_ENOTRESULT,
                             "not a stored truthound result");
    free(limit);
    /* Deep inside a real result. */
    char *inner = decode_test_nested(CJSON_NESTING_LIMIT, "0");
    char *to = dq_asprintf("\"deep\": %s, \"row_count\"", inner);
    expect_edit_fails("bad/deep-inside.json", "\"row_count\"", to, DQ_EFORMAT, "nested deeper");
    free(to);
    free(inner);
}
END_TEST

START_TEST(invalid_utf8)
{
    /* A bad continuation byte, an encoded surrogate, an overlong form, a stray byte. */
    const char *bad[] = {"\xc3\x28", "\xed\xa0\x80", "\xc0\xaf", "\xff"};
    for (size_t i = 0; i < 4; i++) {
        char *to = dq_asprintf("app_%s_reviews", bad[i]);
        expect_edit_fails("bad/utf8.json", "app_reviews", to, DQ_EFORMAT, "invalid UTF-8");
        free(to);
    }
    size_t len = 0;
    char *yaml =
        decode_test_store_file("flat/shipments_hourly_20240309_131129_a89ba261.yaml", &len);
    char *edited = decode_test_replace(yaml, "shipments_hourly", "ship\xc3\x28ments");
    decode_test_expect_error("bad/utf8.yaml", edited, strlen(edited), 0, DQ_EFORMAT,
                             "invalid UTF-8");
    free(edited);
    free(yaml);
}
END_TEST

START_TEST(lone_surrogates)
{
    expect_edit_fails("bad/high.json", "\\udcf1", "zzzzzz", DQ_EFORMAT, "lone surrogate");
    expect_edit_fails("bad/low.json", "\\ud83d\\udcf1", "\\udcf1", DQ_EFORMAT, "lone surrogate");
}
END_TEST

START_TEST(wrong_types)
{
    expect_edit_fails("bad/status-number.json", "\"status\": \"success\"", "\"status\": 7",
                      DQ_EFORMAT, "status is not a string");
    expect_edit_fails("bad/status-word.json", "\"status\": \"success\"", "\"status\": \"done\"",
                      DQ_EFORMAT, "status \"done\" is not a checkpoint status");
    expect_edit_fails("bad/issues.json", "\"issues\": [],\n    \"execution_issues\"",
                      "\"issues\": {},\n    \"execution_issues\"", DQ_EFORMAT,
                      "validation_run.issues is not an array");
    expect_edit_fails("bad/run-time.json", "\"run_time\": \"2024-03-15T23:35:33.312522\"",
                      "\"run_time\": \"yesterday\"", DQ_EFORMAT,
                      "run_time \"yesterday\" is not an ISO time");
    expect_edit_fails("bad/run-time-number.json", "\"run_time\": \"2024-03-15T23:35:33.312522\"",
                      "\"run_time\": 1710545733", DQ_EFORMAT, "run_time is not a string");
    expect_edit_fails("bad/validation-run.json", "\"validation_run\": {",
                      "\"validation_run\": \"x\", \"was\": {", DQ_EFORMAT,
                      "validation_run is not an object or null");
    expect_edit_fails("bad/rows.json", "\"row_count\": 22233", "\"row_count\": \"many\"",
                      DQ_EFORMAT, "validation_run.row_count is not a number");
    expect_edit_fails("bad/asset.json", "\"data_asset\": \"exports", "\"data_asset\": 5, \"x\": \"",
                      DQ_EFORMAT, "data_asset is not a string");
    expect_edit_fails("bad/duration.json",
                      "\"duration_ms\": ", "\"duration_ms\": \"slow\", \"x\": ", DQ_EFORMAT,
                      "duration_ms is not a number");
    expect_edit_fails("bad/run-id.json", "\"run_id\": \"app", "\"run_id\": 1, \"x\": \"app",
                      DQ_EFORMAT, "run_id is not a string");
    expect_edit_fails("bad/result.json", "\"validation_result\": {",
                      "\"validation_result\": [], \"x\": {", DQ_EFORMAT,
                      "validation_result is not an object or null");
}
END_TEST

START_TEST(not_results)
{
    const char *docs[] = {"{\"a\": 1}", "[1, 2]", "\"text\"", "null", "{\"run_id\": \"x\"}"};
    const char *reasons[] = {"no run_id", "top level is not an object", "not an object",
                             "not an object", "no checkpoint_name"};
    for (size_t i = 0; i < 5; i++)
        decode_test_expect_error("other/doc.json", docs[i], strlen(docs[i]), 0, DQ_ENOTRESULT,
                                 reasons[i]);
    char *path = dqtest_fixture("truthound/manifest.json");
    size_t len = 0;
    char *manifest = dqtest_read(path, &len);
    ck_assert_ptr_nonnull(manifest);
    decode_test_expect_error("other/manifest.json", manifest, len, 0, DQ_ENOTRESULT, "no run_id");
    const char *yaml = "checkpoints:\n  - name: x\n";
    decode_test_expect_error("other/config.yaml", yaml, strlen(yaml), 0, DQ_ENOTRESULT,
                             "no run_id");
    decode_test_expect_error("other/comments.yaml", "# nothing\n", 10, 0, DQ_ENOTRESULT,
                             "not an object");
    free(manifest);
    free(path);
}
END_TEST

START_TEST(python_specials_read)
{
    dq_result r;
    decode_edit("ok/specials.json", "\"row_count\": 22233,",
                "\"row_count\": 22233, \"specials\": [NaN, -Infinity, \"NaN\", "
                "{\"k\": Infinity}, \"a \\\" NaN\"],",
                &r);
    const cJSON *specials = cJSON_GetObjectItem(r.validation_run, "specials");
    ck_assert(cJSON_IsNumber(cJSON_GetArrayItem(specials, 0)));
    ck_assert(isnan(cJSON_GetArrayItem(specials, 0)->valuedouble));
    ck_assert(cJSON_GetArrayItem(specials, 1)->valuedouble == -INFINITY);
    ck_assert_str_eq(cJSON_GetArrayItem(specials, 2)->valuestring, "NaN");
    ck_assert(cJSON_GetObjectItem(cJSON_GetArrayItem(specials, 3), "k")->valuedouble == INFINITY);
    ck_assert_str_eq(cJSON_GetArrayItem(specials, 4)->valuestring, "a \" NaN");
    ck_assert_int_eq(r.stats.total_rows, 22233);
    dq_result_free(&r);

    size_t len = 0;
    char *text = json_text(&len);
    char *nan_duration =
        decode_test_replace(text, "\"duration_ms\": 28050.72472584201", "\"duration_ms\": NaN");
    char *both = decode_test_replace(nan_duration, "\"execution_time_ms\": 28032.652589815774",
                                     "\"execution_time_ms\": Infinity");
    decode_test_expect_ok("ok/nan.json", both, strlen(both), &r);
    ck_assert(isnan(r.duration_ms));
    ck_assert(isinf(r.stats.execution_time_ms) && r.stats.execution_time_ms > 0);
    dq_result_free(&r);
    free(both);
    free(nan_duration);
    free(text);

    expect_edit_fails("bad/nan-key.json", "\"row_count\": 22233,", "NaN: 1, \"row_count\": 22233,",
                      DQ_EFORMAT, "NaN where an object key must be");
    expect_edit_fails("bad/nanny.json", "\"row_count\": 22233,", "\"x\": Nanny, \"row_count\": 1,",
                      DQ_EFORMAT, "invalid JSON at byte");
}
END_TEST

START_TEST(big_integers_read)
{
    dq_result r;
    decode_edit("ok/big.json", "\"row_count\": 22233", "\"row_count\": 1152921504606846976", &r);
    ck_assert_int_eq(r.stats.total_rows, INT64_C(1) << 60);
    ck_assert(r.stats.issue_rate == 0.0);
    dq_result_free(&r);
    decode_edit("ok/big53.json", "\"row_count\": 22233", "\"row_count\": 9007199254740993", &r);
    ck_assert_int_eq(r.stats.total_rows, INT64_C(9007199254740992));
    dq_result_free(&r);
    expect_edit_fails("bad/huge.json", "\"row_count\": 22233", "\"row_count\": 1e30", DQ_EFORMAT,
                      "validation_run.row_count is not a count");
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("decode_bad");
    TCase *tc = tcase_create("bad");
    tcase_add_test(tc, empty_files);
    tcase_add_test(tc, truncated_json);
    tcase_add_test(tc, trailing_json);
    tcase_add_test(tc, truncated_gzip);
    tcase_add_test(tc, gzip_bad_crc_and_length);
    tcase_add_test(tc, gzip_trailing_garbage);
    tcase_add_test(tc, gzip_members_and_padding);
    tcase_add_test(tc, gzip_past_the_cap);
    tcase_add_test(tc, nesting_past_the_limit);
    tcase_add_test(tc, invalid_utf8);
    tcase_add_test(tc, lone_surrogates);
    tcase_add_test(tc, wrong_types);
    tcase_add_test(tc, not_results);
    tcase_add_test(tc, python_specials_read);
    tcase_add_test(tc, big_integers_read);
    suite_add_tcase(suite, tc);
    return dqtest_run(suite);
}
