/* The arenas behind decoded trees (src/decode/arena.c): a result's tree stays intact while
 * other results are decoded and freed, on one thread or two, after parse errors, for JSON
 * and YAML; and cJSON used outside dq_decode still gets malloc'd memory. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode_support.h"
#include "dqtest.h"

/* JSON, legacy JSON (rebuilt issues and checks), YAML with anchors and aliases. */
static const char *const fixtures[] = {
    "flat/app_reviews_quality_20240315_233533_d733d8cc.json",
    "flat/app_reviews_quality_20240317_065939_3692611f.json",
    "flat/shipments_hourly_20240309_131129_a89ba261.yaml",
    "flat/app_reviews_quality_20240313_182245_396d1455.yaml.gz",
};
#define FIXTURES (sizeof(fixtures) / sizeof(*fixtures))

/* A fixture's bytes, gzipped when gzip is set (named as it is stored). */
typedef struct sample {
    const char *name;
    unsigned char *bytes;
    size_t len;
    char *printed; /* doc and issues as a decode without a cache prints them */
} sample;

static char *print_result(const dq_result *r)
{
    char *doc = cJSON_PrintUnformatted(r->doc);
    char *issues = r->issues ? cJSON_PrintUnformatted(r->issues) : NULL;
    ck_assert_ptr_nonnull(doc);
    size_t len = strlen(doc) + (issues ? strlen(issues) : 0) + 2;
    char *both = malloc(len);
    ck_assert_ptr_nonnull(both);
    snprintf(both, len, "%s\n%s", doc, issues ? issues : "");
    cJSON_free(doc);
    cJSON_free(issues);
    return both;
}

static dq_format format_of(const char *name)
{
    dq_format format = DQ_FORMAT_JSON;
    ck_assert(dq_decode_name_format(name, &format));
    return format;
}

static void decode_with(const sample *s, dq_decode_cache *cache, dq_result *out)
{
    dq_decode_opts opts = {.cache = cache};
    dq_error err = {0};
    dq_code rc = dq_decode(s->name, s->bytes, s->len, format_of(s->name), &opts, out, &err);
    ck_assert_msg(rc == DQ_OK, "%s: %s (%s)", s->name, dq_code_name(rc), err.msg);
}

static void expect_printed(const sample *s, const dq_result *r)
{
    char *printed = print_result(r);
    ck_assert_str_eq(printed, s->printed);
    free(printed);
}

/* The fixtures, and a gzipped copy of the first JSON one (inflated with the cache). */
static sample *samples_load(size_t *count)
{
    *count = FIXTURES + 1;
    sample *samples = calloc(*count, sizeof(*samples));
    ck_assert_ptr_nonnull(samples);
    for (size_t i = 0; i < FIXTURES; i++) {
        samples[i].name = fixtures[i];
        samples[i].bytes = (unsigned char *)decode_test_store_file(fixtures[i], &samples[i].len);
    }
    sample *gz = &samples[FIXTURES];
    gz->name = "gzipped.json.gz";
    gz->bytes = decode_test_gzip(samples[0].bytes, samples[0].len, &gz->len);
    for (size_t i = 0; i < *count; i++) {
        dq_result r;
        decode_with(&samples[i], NULL, &r);
        samples[i].printed = print_result(&r);
        dq_result_free(&r);
    }
    return samples;
}

static void samples_free(sample *samples, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(samples[i].bytes);
        free(samples[i].printed);
    }
    free(samples);
}

/* Decodes every sample rounds times with cache, each result kept alive until the next
 * one of the same sample is decoded, and checks every tree as it is freed. */
static void decode_rounds(const sample *samples, size_t count, dq_decode_cache *cache, int rounds)
{
    dq_result *live = calloc(count, sizeof(*live));
    ck_assert_ptr_nonnull(live);
    for (int round = 0; round < rounds; round++) {
        for (size_t i = 0; i < count; i++) {
            if (round > 0) {
                expect_printed(&samples[i], &live[i]);
                dq_result_free(&live[i]);
            }
            decode_with(&samples[i], cache, &live[i]);
        }
    }
    for (size_t i = 0; i < count; i++) {
        expect_printed(&samples[i], &live[i]);
        dq_result_free(&live[i]);
    }
    free(live);
}

START_TEST(tree_outlives_later_results)
{
    size_t count = 0;
    sample *samples = samples_load(&count);
    dq_decode_cache *cache = dq_decode_cache_new();
    ck_assert_ptr_nonnull(cache);
    for (size_t i = 0; i < count; i++) {
        dq_result first;
        decode_with(&samples[i], cache, &first);
        decode_rounds(samples, count, cache, 5);
        expect_printed(&samples[i], &first);
        dq_result_free(&first);
    }
    dq_decode_cache_free(cache);
    samples_free(samples, count);
}
END_TEST

START_TEST(result_outlives_its_cache)
{
    size_t count = 0;
    sample *samples = samples_load(&count);
    dq_decode_cache *cache = dq_decode_cache_new();
    ck_assert_ptr_nonnull(cache);
    dq_result r;
    decode_with(&samples[2], cache, &r);
    dq_decode_cache_free(cache);
    expect_printed(&samples[2], &r);
    dq_result_free(&r);
    samples_free(samples, count);
}
END_TEST

typedef struct thread_work {
    const sample *samples;
    size_t count;
} thread_work;

static void *decode_thread(void *arg)
{
    const thread_work *work = arg;
    dq_decode_cache *cache = dq_decode_cache_new();
    ck_assert_ptr_nonnull(cache);
    decode_rounds(work->samples, work->count, cache, 20);
    dq_decode_cache_free(cache);
    return NULL;
}

START_TEST(two_threads)
{
    size_t count = 0;
    sample *samples = samples_load(&count);
    thread_work work = {samples, count};
    pthread_t threads[2];
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pthread_create(&threads[i], NULL, decode_thread, &work), 0);
    /* Meanwhile this thread builds and frees cJSON trees of its own, from malloc. */
    for (int i = 0; i < 2000; i++) {
        cJSON *o = cJSON_CreateObject();
        ck_assert_ptr_nonnull(cJSON_AddStringToObject(o, "key", "a value long enough"));
        cJSON_Delete(o);
    }
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pthread_join(threads[i], NULL), 0);
    samples_free(samples, count);
}
END_TEST

static void expect_failure(const char *name, const char *text, dq_decode_cache *cache)
{
    dq_decode_opts opts = {.cache = cache};
    dq_error err = {0};
    dq_result r;
    dq_code rc = dq_decode(name, text, strlen(text), format_of(name), &opts, &r, &err);
    ck_assert_msg(rc == DQ_EFORMAT, "%s: %s (%s)", name, dq_code_name(rc), err.msg);
    ck_assert_ptr_null(r.doc);
    ck_assert_ptr_null(r.arena);
}

START_TEST(parse_error_midway)
{
    size_t count = 0;
    sample *samples = samples_load(&count);
    dq_decode_cache *cache = dq_decode_cache_new();
    ck_assert_ptr_nonnull(cache);
    dq_result before;
    decode_with(&samples[0], cache, &before);
    /* cJSON frees the partial tree itself; the YAML builder frees its open containers. */
    char *truncated = strdup((const char *)samples[0].bytes);
    ck_assert_ptr_nonnull(truncated);
    truncated[samples[0].len * 2 / 3] = '\0';
    expect_failure("truncated.json", truncated, cache);
    char *alias = decode_test_replace((const char *)samples[2].bytes, "*id001", "*nowhere");
    expect_failure("undefined_alias.yaml", alias, cache);
    expect_failure("nan_key.json", "{\"a\": [1, 2, Infinity], NaN: 1}", cache);
    expect_failure("bad_fields.json",
                   "{\"run_id\": \"r\", \"checkpoint_name\": \"c\", \"status\": 7}", cache);
    expect_printed(&samples[0], &before);
    dq_result_free(&before);
    decode_rounds(samples, count, cache, 2);
    free(alias);
    free(truncated);
    dq_decode_cache_free(cache);
    samples_free(samples, count);
}
END_TEST

/* A string too long to share a block is given one of its own. */
START_TEST(large_strings)
{
    size_t big = 300000;
    const char *head = "{\"run_id\": \"r1\", \"checkpoint_name\": \"c\", \"run_time\": "
                       "\"2024-03-07T18:47:07\", \"status\": \"error\", \"error\": \"";
    char *text = malloc(strlen(head) + big + 3);
    ck_assert_ptr_nonnull(text);
    strcpy(text, head);
    memset(text + strlen(head), 'x', big);
    strcpy(text + strlen(head) + big, "\"}");
    dq_decode_cache *cache = dq_decode_cache_new();
    ck_assert_ptr_nonnull(cache);
    dq_decode_opts opts = {.cache = cache};
    for (int i = 0; i < 3; i++) {
        dq_result r;
        dq_error err = {0};
        ck_assert_int_eq(dq_decode("big.json", text, strlen(text), DQ_FORMAT_JSON, &opts, &r, &err),
                         DQ_OK);
        const char *error = cJSON_GetStringValue(dq_json_member(r.doc, "error"));
        ck_assert_uint_eq(strlen(error), big);
        ck_assert_str_eq(r.error, error);
        dq_result_free(&r);
    }
    dq_decode_cache_free(cache);
    free(text);
}
END_TEST

START_TEST(cjson_outside_decode)
{
    size_t count = 0;
    sample *samples = samples_load(&count);
    dq_decode_cache *cache = dq_decode_cache_new();
    ck_assert_ptr_nonnull(cache);
    dq_result r;
    decode_with(&samples[1], cache, &r);
    /* A copy is malloc'd: it outlives the result while its blocks are used again. */
    cJSON *copy = cJSON_Duplicate(r.doc, true);
    ck_assert_ptr_nonnull(copy);
    char *want = cJSON_PrintUnformatted(r.doc);
    dq_result_free(&r);
    decode_rounds(samples, count, cache, 2);
    char *got = cJSON_PrintUnformatted(copy);
    ck_assert_str_eq(got, want);
    free(got); /* what cJSON prints outside a decode may go to plain free */
    cJSON_free(want);
    /* A tree made outside dq_decode, deleted before the result, holding an item moved
     * out of the result's document: the free hook frees the malloc'd nodes and leaves
     * the result's own to its arena (ASan would see them freed twice). */
    decode_with(&samples[0], cache, &r);
    cJSON *made = cJSON_CreateObject();
    ck_assert_ptr_nonnull(cJSON_AddStringToObject(made, "name", "outside"));
    cJSON *moved = cJSON_DetachItemFromObjectCaseSensitive(r.doc, "metadata");
    ck_assert_ptr_nonnull(moved);
    ck_assert(cJSON_AddItemToObject(made, "moved", moved));
    cJSON_Delete(made);
    cJSON_DeleteItemFromObjectCaseSensitive(r.doc, "action_results");
    ck_assert_ptr_null(dq_json_member(r.doc, "metadata"));
    ck_assert_ptr_null(dq_json_member(r.doc, "action_results"));
    ck_assert_ptr_nonnull(dq_json_member(r.doc, "run_id"));
    cJSON_Delete(copy);
    dq_result_free(&r);
    dq_decode_cache_free(cache);
    samples_free(samples, count);
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("decode_arena");
    TCase *tc = tcase_create("arena");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, tree_outlives_later_results);
    tcase_add_test(tc, result_outlives_its_cache);
    tcase_add_test(tc, two_threads);
    tcase_add_test(tc, parse_error_midway);
    tcase_add_test(tc, large_strings);
    tcase_add_test(tc, cjson_outside_decode);
    suite_add_tcase(suite, tc);
    return dqtest_run(suite);
}
