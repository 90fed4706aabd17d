/* The objstore module against tests/servers/sigv4_check.py, a small S3 that checks every
 * signature with botocore's signer: reading a store (paging, odd keys, truthound's
 * doubled keys, a key gone between list and get, the size cap, stopping), writing and
 * reading objects, and the failures: a wrong secret, a wrong session token, SlowDown. */
#include <stdlib.h>
#include <string.h>

#include "dqbatch/objstore.h"
#include "dqtest.h"
#include "objstore_support.h"

#define STORE_FILES 80 /* the fixture store */
#define ONE_DIR "2024/03/06/"
#define ONE_FILE "customer_accounts_daily_20240306_015902_b73de6bf.json.gz"
#define ONE "by_date/" ONE_DIR ONE_FILE /* a gzipped result */

typedef struct collected {
    dq_entry **items;
    size_t len;
    size_t cap;
    size_t stop_after;
} collected;

static int collect(dq_entry *entry, void *ctx)
{
    collected *c = ctx;
    if (c->len == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->items = realloc(c->items, c->cap * sizeof(*c->items));
        ck_assert_ptr_nonnull(c->items);
    }
    c->items[c->len++] = entry;
    return c->stop_after && c->len >= c->stop_after;
}

/* dq_entry_free belongs to the source module, which this test does not link. */
static void entry_free(dq_entry *e)
{
    free(e->name);
    free(e->relpath);
    free(e->etag);
    dq_buf_free(&e->data);
    free(e);
}

static void collected_free(collected *c)
{
    for (size_t i = 0; i < c->len; i++)
        entry_free(c->items[i]);
    free(c->items);
    memset(c, 0, sizeof(*c));
}

static dq_code walk_known(const char *uri, size_t max_bytes, dq_entry_known_fn known,
                          collected *out, bool *stopped, dq_error *err)
{
    uint64_t seq = 0;
    dq_source_opts opts = {.max_bytes = max_bytes, .known = known, .known_ctx = out};
    dq_objstore_sink sink = {.fn = collect, .ctx = out, .input = 3, .seq = &seq};
    dq_code rc = dq_objstore_walk(uri, &opts, &sink, err);
    if (stopped)
        *stopped = sink.stopped;
    for (size_t i = 0; i < out->len; i++) {
        ck_assert_uint_eq(out->items[i]->seq, i);
        ck_assert_int_eq(out->items[i]->input, 3);
    }
    return rc;
}

static dq_code walk(const char *uri, size_t max_bytes, collected *out, bool *stopped, dq_error *err)
{
    return walk_known(uri, max_bytes, NULL, out, stopped, err);
}

static const dq_entry *find(const collected *c, const char *relpath)
{
    for (size_t i = 0; i < c->len; i++)
        if (strcmp(c->items[i]->relpath, relpath) == 0)
            return c->items[i];
    return NULL;
}

/* The entry's bytes equal the fixture file's. */
static void expect_fixture_bytes(const dq_entry *e, const char *relative)
{
    char *rel = dq_asprintf("truthound/store/%s", relative);
    char *path = dqtest_fixture(rel);
    size_t len;
    char *want = dqtest_read(path, &len);
    ck_assert_ptr_nonnull(want);
    ck_assert_msg(e->error.code == DQ_OK, "%s: %s", e->name, e->error.msg);
    ck_assert_uint_eq(e->data.len, len);
    ck_assert_uint_eq((size_t)e->size, len);
    ck_assert(memcmp(e->data.data, want, len) == 0);
    free(want);
    free(path);
    free(rel);
}

static void expect_all_verified(const objstore_test_server *s, size_t at_least)
{
    size_t unverified;
    size_t total = objstore_test_requests(s, &unverified, NULL);
    ck_assert_uint_ge(total, at_least);
    ck_assert_uint_eq(unverified, 0);
}

static objstore_test_server server;

static void start_with(const char *const *extra)
{
    objstore_test_server_start(&server, extra);
}

static void stop(void)
{
    objstore_test_server_stop(&server);
}

static char *store_dir(void)
{
    return dqtest_fixture("truthound/store");
}

START_TEST(reads_a_store_over_pages_with_signed_requests)
{
    char *store = store_dir();
    const char *extra[] = {"--seed", store, "--seed-prefix", "results/x", "--page-size", "7", NULL};
    start_with(extra);
    collected c = {0};
    dq_error err = {0};
    ck_assert_msg(walk("s3://" OBJSTORE_TEST_BUCKET "/results/x/", 0, &c, NULL, &err) == DQ_OK,
                  "%s", err.msg);
    ck_assert_uint_eq(c.len, STORE_FILES);
    const dq_entry *e = find(&c, ONE);
    ck_assert_ptr_nonnull(e);
    expect_fixture_bytes(e, ONE);
    ck_assert_str_eq(e->name, "s3://" OBJSTORE_TEST_BUCKET "/results/x/" ONE);
    ck_assert_ptr_nonnull(e->etag);
    ck_assert_uint_eq(strlen(e->etag), 32);
    ck_assert_int_eq(e->mtime, 1709632800);                               /* 2024-03-05T10:00:00Z */
    ck_assert(e->data.len > 2 && (unsigned char)e->data.data[0] == 0x1f); /* raw gzip */
    for (size_t i = 1; i < c.len; i++)                                    /* key order */
        ck_assert_str_lt(c.items[i - 1]->name, c.items[i]->name);
    /* 80 keys at 7 a page: 12 pages, and one GET per object, every one signed right. */
    expect_all_verified(&server, 12 + STORE_FILES);
    collected_free(&c);
    free(store);
    stop();
}
END_TEST

/* Keys with characters that must be percent-encoded in the path, and the same in the
 * prefix of the listing (a query value, where '/' must be encoded too). */
START_TEST(odd_keys_are_encoded_and_signed)
{
    char *dir = dqtest_tmpdir();
    const char *names[] = {"odd dir+x=y/a b.json", "odd dir+x=y/p+q=r.json",
                           "odd dir+x=y/donn\xc3\xa9\x65s \xe2\x82\xac.json",
                           "odd dir+x=y/semi;colon&amp'quote\".json"};
    for (size_t i = 0; i < 4; i++)
        dqtest_write(dir, names[i], names[i], strlen(names[i]));
    const char *extra[] = {"--seed", dir, NULL};
    start_with(extra);
    collected c = {0};
    dq_error err = {0};
    ck_assert_msg(walk("s3://" OBJSTORE_TEST_BUCKET "/odd dir+x=y", 0, &c, NULL, &err) == DQ_OK,
                  "%s", err.msg);
    ck_assert_uint_eq(c.len, 4);
    for (size_t i = 0; i < 4; i++) {
        const dq_entry *e = find(&c, strchr(names[i], '/') + 1);
        ck_assert_msg(e != NULL, "%s missing", names[i]);
        ck_assert_msg(e->error.code == DQ_OK, "%s", e->error.msg);
        ck_assert_uint_eq(e->data.len, strlen(names[i]));
        ck_assert(memcmp(e->data.data, names[i], e->data.len) == 0);
    }
    expect_all_verified(&server, 5);
    collected_free(&c);
    stop();
    dqtest_rmrf(dir);
    free(dir);
}
END_TEST

/* truthound's S3 writer puts the whole URI into the key (spec 1.2). */
START_TEST(truthound_doubled_keys_read_as_meant)
{
    char *dir = dqtest_tmpdir();
    dqtest_write(dir, "dq-results/s3:/" OBJSTORE_TEST_BUCKET "/dq-results/2024/01/15/r1.json", "{}",
                 2);
    dqtest_write(dir, "dq-results/2024/01/16/r2.json", "[]", 2);
    const char *extra[] = {"--seed", dir, NULL};
    start_with(extra);
    collected c = {0};
    dq_error err = {0};
    ck_assert_msg(walk("s3://" OBJSTORE_TEST_BUCKET "/dq-results", 0, &c, NULL, &err) == DQ_OK,
                  "%s", err.msg);
    ck_assert_uint_eq(c.len, 2);
    ck_assert_ptr_nonnull(find(&c, "2024/01/15/r1.json"));
    ck_assert_ptr_nonnull(find(&c, "2024/01/16/r2.json"));
    ck_assert_str_eq(find(&c, "2024/01/15/r1.json")->name,
                     "s3://" OBJSTORE_TEST_BUCKET "/dq-results/s3:/" OBJSTORE_TEST_BUCKET
                     "/dq-results/2024/01/15/r1.json");
    collected_free(&c);
    /* The whole bucket: the meant key, as a right key would show. */
    ck_assert(walk("s3://" OBJSTORE_TEST_BUCKET, 0, &c, NULL, &err) == DQ_OK);
    ck_assert_ptr_nonnull(find(&c, "dq-results/2024/01/15/r1.json"));
    collected_free(&c);
    /* One object named by the URI itself. */
    ck_assert(walk("s3://" OBJSTORE_TEST_BUCKET "/dq-results/2024/01/16/r2.json", 0, &c, NULL,
                   &err) == DQ_OK);
    ck_assert_uint_eq(c.len, 1);
    ck_assert_str_eq(c.items[0]->relpath, "r2.json");
    collected_free(&c);
    stop();
    dqtest_rmrf(dir);
    free(dir);
}
END_TEST

START_TEST(wrong_secret_stops_once_naming_the_bucket)
{
    char *store = store_dir();
    const char *extra[] = {"--seed", store, NULL};
    start_with(extra);
    setenv("AWS_SECRET_ACCESS_KEY", "wrong/Secret+Key=zzzz", 1);
    collected c = {0};
    dq_error err = {0};
    ck_assert_int_eq(walk("s3://" OBJSTORE_TEST_BUCKET "/by_date", 0, &c, NULL, &err), DQ_ENET);
    ck_assert_uint_eq(c.len, 0);
    ck_assert_msg(strstr(err.msg, "s3://" OBJSTORE_TEST_BUCKET) != NULL, "%s", err.msg);
    ck_assert_msg(strstr(err.msg, "access denied") != NULL, "%s", err.msg);
    ck_assert_msg(strstr(err.msg, "SignatureDoesNotMatch") != NULL, "%s", err.msg);
    ck_assert(strstr(err.msg, "wrong/Secret") == NULL);
    ck_assert(strstr(err.msg, OBJSTORE_TEST_KEY) == NULL);
    size_t unverified;
    ck_assert_uint_eq(objstore_test_requests(&server, &unverified, NULL), 1); /* no retries */
    ck_assert_uint_eq(unverified, 1);
    stop();
    free(store);
}
END_TEST

START_TEST(session_token_is_sent_and_signed)
{
    const char *extra[] = {"--token", "FwoGZXIvYXdzEJr//token+with/odd=chars", NULL};
    start_with(extra);
    collected c = {0};
    dq_error err = {0};
    ck_assert_int_eq(walk("s3://" OBJSTORE_TEST_BUCKET "/x", 0, &c, NULL, &err), DQ_ENET);
    ck_assert_msg(strstr(err.msg, "InvalidToken") != NULL, "%s", err.msg);
    setenv("AWS_SESSION_TOKEN", "FwoGZXIvYXdzEJr//token+with/odd=chars", 1);
    ck_assert_msg(walk("s3://" OBJSTORE_TEST_BUCKET "/x", 0, &c, NULL, &err) == DQ_OK, "%s",
                  err.msg);
    ck_assert_uint_eq(c.len, 0);
    stop();
}
END_TEST

START_TEST(slow_down_is_retried)
{
    char *store = store_dir();
    const char *extra[] = {"--seed", store, "--fail-first", "3", NULL};
    start_with(extra);
    collected c = {0};
    dq_error err = {0};
    ck_assert_msg(walk("s3://" OBJSTORE_TEST_BUCKET "/by_status/error", 0, &c, NULL, &err) == DQ_OK,
                  "%s", err.msg);
    ck_assert_uint_eq(c.len, 1);
    ck_assert_msg(c.items[0]->error.code == DQ_OK, "%s", c.items[0]->error.msg);
    size_t slow;
    objstore_test_requests(&server, NULL, &slow);
    ck_assert_uint_eq(slow, 3);
    collected_free(&c);
    stop();
    free(store);
}
END_TEST

/* A server that keeps failing: the listing gives up after its retries, and objects give
 * up as a whole once many in a row failed, instead of retrying every one of them. */
START_TEST(persistent_failures_give_up)
{
    char *store = store_dir();
    const char *always_slow[] = {"--seed", store, "--fail-first", "1000", NULL};
    start_with(always_slow);
    collected c = {0};
    dq_error err = {0};
    ck_assert_int_eq(walk("s3://" OBJSTORE_TEST_BUCKET, 0, &c, NULL, &err), DQ_ENET);
    ck_assert_msg(strstr(err.msg, "s3://" OBJSTORE_TEST_BUCKET ": request failed: HTTP 503 "
                                  "SlowDown"),
                  "%s", err.msg);
    size_t slow;
    ck_assert_uint_eq(objstore_test_requests(&server, NULL, &slow), 5);
    ck_assert_uint_eq(slow, 5);
    stop();
    const char *broken_gets[] = {"--seed", store, "--fail-gets", NULL};
    start_with(broken_gets);
    ck_assert_int_eq(walk("s3://" OBJSTORE_TEST_BUCKET, 0, &c, NULL, &err), DQ_ENET);
    ck_assert_msg(strstr(err.msg, "giving up after 32 objects in a row failed (last: s3://"), "%s",
                  err.msg);
    ck_assert_msg(strstr(err.msg, "HTTP 500 InternalError"), "%s", err.msg);
    ck_assert_uint_lt(c.len, 32); /* the failed ones handed out before giving up */
    for (size_t i = 0; i < c.len; i++)
        ck_assert_int_eq(c.items[i]->error.code, DQ_ENET);
    collected_free(&c);
    stop();
    free(store);
}
END_TEST

START_TEST(a_region_mismatch_says_so)
{
    const char *extra[] = {"--region", "eu-west-1", NULL};
    start_with(extra);
    collected c = {0};
    dq_error err = {0};
    ck_assert_int_eq(walk("s3://" OBJSTORE_TEST_BUCKET, 0, &c, NULL, &err), DQ_ENET);
    ck_assert_msg(strstr(err.msg, "AuthorizationHeaderMalformed") &&
                      strstr(err.msg, "(is AWS_REGION the bucket's region?)"),
                  "%s", err.msg);
    setenv("AWS_REGION", "eu-west-1", 1);
    ck_assert_msg(walk("s3://" OBJSTORE_TEST_BUCKET, 0, &c, NULL, &err) == DQ_OK, "%s", err.msg);
    stop();
}
END_TEST

START_TEST(vanished_and_oversized_objects_are_error_entries)
{
    char *store = store_dir();
    const char *extra[] = {"--seed", store, "--vanish", ONE, NULL};
    start_with(extra);
    collected c = {0};
    dq_error err = {0};
    ck_assert(walk("s3://" OBJSTORE_TEST_BUCKET "/by_date", 0, &c, NULL, &err) == DQ_OK);
    ck_assert_uint_eq(c.len, 20);
    const dq_entry *gone = find(&c, ONE_DIR ONE_FILE);
    ck_assert_ptr_nonnull(gone);
    ck_assert_int_eq(gone->error.code, DQ_EIO);
    ck_assert_msg(strstr(gone->error.msg, "gone between listing and reading"), "%s",
                  gone->error.msg);
    ck_assert_msg(strstr(gone->error.msg, "s3://" OBJSTORE_TEST_BUCKET "/" ONE), "%s",
                  gone->error.msg);
    for (size_t i = 0; i < c.len; i++)
        ck_assert(c.items[i] == gone || c.items[i]->error.code == DQ_OK);
    collected_free(&c);
    /* A cap below every object's size: nothing is fetched, every entry says why. */
    size_t before = objstore_test_requests(&server, NULL, NULL);
    ck_assert(walk("s3://" OBJSTORE_TEST_BUCKET "/by_date", 100, &c, NULL, &err) == DQ_OK);
    ck_assert_uint_eq(c.len, 20);
    for (size_t i = 0; i < c.len; i++)
        ck_assert_int_eq(c.items[i]->error.code, DQ_ETOOBIG);
    ck_assert_uint_eq(objstore_test_requests(&server, NULL, NULL), before + 1);
    collected_free(&c);
    stop();
    free(store);
}
END_TEST

START_TEST(the_consumer_can_stop_the_walk)
{
    char *store = store_dir();
    const char *extra[] = {"--seed", store, NULL};
    start_with(extra);
    collected c = {.stop_after = 3};
    dq_error err = {0};
    bool stopped = false;
    ck_assert(walk("s3://" OBJSTORE_TEST_BUCKET, 0, &c, &stopped, &err) == DQ_OK);
    ck_assert(stopped);
    ck_assert_uint_eq(c.len, 3);
    collected_free(&c);
    stop();
    free(store);
}
END_TEST

/* An incremental build knows the objects whose ETag it saw: here, those under flat/. */
static bool knows_flat(const dq_entry *entry, void *ctx)
{
    ck_assert_ptr_nonnull(ctx);
    ck_assert_ptr_nonnull(entry->etag);
    ck_assert_uint_eq(entry->data.len, 0);
    return strncmp(entry->relpath, "flat/", 5) == 0;
}

START_TEST(known_objects_are_not_fetched)
{
    char *store = store_dir();
    const char *extra[] = {"--seed", store, NULL};
    start_with(extra);
    collected c = {0};
    dq_error err = {0};
    ck_assert(walk_known("s3://" OBJSTORE_TEST_BUCKET, 0, knows_flat, &c, NULL, &err) == DQ_OK);
    ck_assert_uint_eq(c.len, STORE_FILES);
    size_t unfetched = 0;
    for (size_t i = 0; i < c.len; i++) {
        bool flat = strncmp(c.items[i]->relpath, "flat/", 5) == 0;
        ck_assert(c.items[i]->unfetched == flat);
        ck_assert(flat ? c.items[i]->data.len == 0 : c.items[i]->data.len > 0);
        unfetched += flat;
    }
    ck_assert_uint_eq(unfetched, 20);
    /* One listing and a GET for each of the 60 others only. */
    ck_assert_uint_eq(objstore_test_requests(&server, NULL, NULL), 1 + STORE_FILES - 20);
    collected_free(&c);
    stop();
    free(store);
}
END_TEST

START_TEST(missing_bucket_is_one_error)
{
    start_with(NULL);
    collected c = {0};
    dq_error err = {0};
    ck_assert_int_eq(walk("s3://no-such-bucket/p", 0, &c, NULL, &err), DQ_ENET);
    ck_assert_msg(strstr(err.msg, "s3://no-such-bucket: not found: HTTP 404 NoSuchBucket"), "%s",
                  err.msg);
    stop();
}
END_TEST

START_TEST(put_and_get_round_trip)
{
    start_with(NULL);
    dq_objstore *store = NULL;
    dq_error err = {0};
    ck_assert_msg(dq_objstore_open("s3://" OBJSTORE_TEST_BUCKET "/out/", &store, &err) == DQ_OK,
                  "%s", err.msg);
    const char *key = "2024/03/05/caf\xc3\xa9 r+1=2.json";
    ck_assert_msg(dq_objstore_put(store, key, "{\"a\": 1}", 8, &err) == DQ_OK, "%s", err.msg);
    dq_buf out;
    dq_buf_init(&out, 1024);
    bool found = false;
    ck_assert_msg(dq_objstore_get(store, key, 1024, &out, &found, &err) == DQ_OK, "%s", err.msg);
    ck_assert(found);
    ck_assert_str_eq(dq_buf_str(&out), "{\"a\": 1}");
    ck_assert(dq_objstore_get(store, "absent.json", 1024, &out, &found, &err) == DQ_OK);
    ck_assert(!found);
    /* Bigger than the cap: an error naming the object. */
    ck_assert_int_eq(dq_objstore_get(store, key, 4, &out, &found, &err), DQ_ETOOBIG);
    ck_assert_msg(strstr(err.msg, "s3://" OBJSTORE_TEST_BUCKET "/out/2024/03/05/"), "%s", err.msg);
    char *name = dq_objstore_name(store, key);
    ck_assert_str_eq(name, "s3://" OBJSTORE_TEST_BUCKET "/out/2024/03/05/caf\xc3\xa9 r+1=2.json");
    free(name);
    dq_objstore_close(store);
    /* "." and ".." in a key name the object (sent as they are, and signed so), but the
     * key is refused when read as a store: its path would leave the tree. */
    ck_assert(dq_objstore_open("s3://" OBJSTORE_TEST_BUCKET "/dots", &store, &err) == DQ_OK);
    ck_assert_msg(dq_objstore_put(store, "a/../../b.json", "{}", 2, &err) == DQ_OK, "%s", err.msg);
    ck_assert(dq_objstore_get(store, "a/../../b.json", 1024, &out, &found, &err) == DQ_OK);
    ck_assert(found);
    ck_assert(dq_objstore_get(store, "b.json", 1024, &out, &found, &err) == DQ_OK);
    ck_assert(!found);
    dq_buf_free(&out);
    dq_objstore_close(store);
    expect_all_verified(&server, 7);
    collected c = {0};
    ck_assert(walk("s3://" OBJSTORE_TEST_BUCKET "/dots", 0, &c, NULL, &err) == DQ_OK);
    ck_assert_uint_eq(c.len, 1);
    ck_assert_int_eq(c.items[0]->error.code, DQ_EUNSAFE);
    ck_assert_msg(
        strstr(c.items[0]->error.msg, "s3://" OBJSTORE_TEST_BUCKET "/dots/a/../../b.json"), "%s",
        c.items[0]->error.msg);
    collected_free(&c);
    /* The first object is where a listing finds it. */
    ck_assert(walk("s3://" OBJSTORE_TEST_BUCKET "/out", 0, &c, NULL, &err) == DQ_OK);
    ck_assert_uint_eq(c.len, 1);
    ck_assert_str_eq(c.items[0]->relpath, key);
    collected_free(&c);
    stop();
}
END_TEST

START_TEST(put_with_a_wrong_secret_is_denied)
{
    start_with(NULL);
    setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret", 1);
    dq_objstore *store = NULL;
    dq_error err = {0};
    ck_assert(dq_objstore_open("s3://" OBJSTORE_TEST_BUCKET "/out", &store, &err) == DQ_OK);
    ck_assert_int_eq(dq_objstore_put(store, "a.json", "{}", 2, &err), DQ_ENET);
    ck_assert_msg(strstr(err.msg, "access denied"), "%s", err.msg);
    ck_assert(strstr(err.msg, "not-the-secret") == NULL);
    dq_objstore_close(store);
    ck_assert_uint_eq(objstore_test_requests(&server, NULL, NULL), 1);
    stop();
}
END_TEST

static Suite *objstore_sigv4_suite(void)
{
    Suite *s = suite_create("objstore_sigv4");
    TCase *tc = tcase_create("server");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, reads_a_store_over_pages_with_signed_requests);
    tcase_add_test(tc, odd_keys_are_encoded_and_signed);
    tcase_add_test(tc, truthound_doubled_keys_read_as_meant);
    tcase_add_test(tc, wrong_secret_stops_once_naming_the_bucket);
    tcase_add_test(tc, session_token_is_sent_and_signed);
    tcase_add_test(tc, slow_down_is_retried);
    tcase_add_test(tc, persistent_failures_give_up);
    tcase_add_test(tc, a_region_mismatch_says_so);
    tcase_add_test(tc, vanished_and_oversized_objects_are_error_entries);
    tcase_add_test(tc, the_consumer_can_stop_the_walk);
    tcase_add_test(tc, known_objects_are_not_fetched);
    tcase_add_test(tc, missing_bucket_is_one_error);
    tcase_add_test(tc, put_and_get_round_trip);
    tcase_add_test(tc, put_with_a_wrong_secret_is_denied);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return dqtest_run(objstore_sigv4_suite());
}
