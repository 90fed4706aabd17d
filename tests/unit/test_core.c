/* core: bounded buffers, time, globs, UTF-8, hashing, atomic files and the pool. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dqbatch/core.h"
#include "dqtest.h"

START_TEST(buf_stops_at_its_maximum)
{
    dq_buf b;
    dq_buf_init(&b, 10);
    ck_assert_int_eq(dq_buf_adds(&b, "0123456789"), DQ_OK);
    ck_assert_int_eq(dq_buf_addc(&b, 'x'), DQ_ETOOBIG);
    ck_assert_uint_eq(b.len, 10);
    ck_assert_str_eq(dq_buf_str(&b), "0123456789");
    dq_buf_reset(&b);
    ck_assert_int_eq(dq_buf_printf(&b, "%s-%d", "abc", 42), DQ_OK);
    ck_assert_str_eq(dq_buf_str(&b), "abc-42");
    ck_assert_int_eq(dq_buf_printf(&b, "%0300d", 1), DQ_ETOOBIG);
    ck_assert_str_eq(dq_buf_str(&b), "abc-42");
    dq_buf_free(&b);
}
END_TEST

START_TEST(buf_printf_grows_past_the_small_buffer)
{
    dq_buf b;
    dq_buf_init(&b, 4096);
    ck_assert_int_eq(dq_buf_printf(&b, "%01000d", 7), DQ_OK);
    ck_assert_uint_eq(b.len, 1000);
    ck_assert_int_eq(b.data[999], '7');
    char *s = dq_buf_steal(&b);
    ck_assert_uint_eq(strlen(s), 1000);
    ck_assert_ptr_null(b.data);
    free(s);
}
END_TEST

static void expect_asprintf(const char *got, const char *want)
{
    ck_assert_ptr_nonnull(got);
    ck_assert_str_eq(got, want);
    free((char *)got);
}

/* Formats of strings alone are joined without vasprintf: the bytes are printf's all the
 * same, "(null)" and "%%" included; anything else still goes through vasprintf. */
START_TEST(asprintf_joins_strings_as_printf)
{
    const char *none = getenv("DQ_TEST_NEVER_SET");
    char want[128];
    expect_asprintf(dq_asprintf("checkpoints/%s/runs/%s.%s", "cp", "run", "html"),
                    "checkpoints/cp/runs/run.html");
    expect_asprintf(dq_asprintf("%s", ""), "");
    expect_asprintf(dq_asprintf("no conversion"), "no conversion");
    expect_asprintf(dq_asprintf("100%% of %s%%", "x"), "100% of x%");
    snprintf(want, sizeof want, "[%s]", none);
    expect_asprintf(dq_asprintf("[%s]", none), want);
    expect_asprintf(dq_asprintf("%s · %s", "a", "b"), "a · b");
    expect_asprintf(dq_asprintf("%s-%016llx", "slug", 255ULL), "slug-00000000000000ff");
    expect_asprintf(dq_asprintf("%s=%d%%", "n", -3), "n=-3%");
}
END_TEST

START_TEST(time_round_trips_python_isoformat)
{
    static const char *const texts[] = {"2024-03-07T18:47:07.868231", "2024-03-12T13:17:36",
                                        "1969-12-31T23:59:59.000001", "2000-02-29T00:00:00"};
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        dq_time t;
        ck_assert_int_eq(dq_time_parse_iso(texts[i], &t), DQ_OK);
        char out[40];
        dq_time_format_iso(t, out, sizeof(out));
        ck_assert_str_eq(out, texts[i]);
    }
}
END_TEST

START_TEST(time_orders_and_refuses_nonsense)
{
    dq_time a, b, c;
    ck_assert_int_eq(dq_time_parse_iso("2024-03-07T18:47:07.5", &a), DQ_OK);
    ck_assert_int_eq(dq_time_parse_iso("2024-03-07T18:47:07.500000", &b), DQ_OK);
    ck_assert(a == b);
    ck_assert_int_eq(dq_time_parse_iso("2024-03-08", &c), DQ_OK);
    ck_assert(c > a);
    static const char *const bad[] = {"",          "2024-13-01",          "2024-02-30T00:00",
                                      "yesterday", "2024-03-07T25:00:00", "2024-03-07T18:47:07x",
                                      "2024-3-7",  "2024-03-07T18:47:07."};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(dq_time_parse_iso(bad[i], &a) == DQ_EFORMAT, "accepted '%s'", bad[i]);
}
END_TEST

START_TEST(time_with_offset_lands_on_the_local_clock)
{
    setenv("TZ", "UTC", 1);
    dq_time naive, aware;
    ck_assert_int_eq(dq_time_parse_iso("2024-03-07T18:00:00", &naive), DQ_OK);
    ck_assert_int_eq(dq_time_parse_iso("2024-03-07T20:00:00+02:00", &aware), DQ_OK);
    ck_assert(naive == aware);
    ck_assert_int_eq(dq_time_parse_iso("2024-03-07T18:00:00Z", &aware), DQ_OK);
    ck_assert(naive == aware);
}
END_TEST

/* The page times written without strftime are strftime's, from year -100 to 12000 (where
 * %Y is not four digits) and into buffers too small. */
START_TEST(plain_time_is_strftimes)
{
    const int64_t year_us = INT64_C(31556952000000);
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        dq_time t = (dq_time)(x % (uint64_t)(12100 * year_us)) - 2070 * year_us;
        size_t size = i % 50 ? 32 : 19 + (size_t)(i % 3);
        char got[32], want[32];
        size_t got_len = dq_time_format_plain(t, got, size);
        size_t want_len = dq_time_format(t, "%Y-%m-%d %H:%M:%S", want, size);
        ck_assert_uint_eq(got_len, want_len);
        if (want_len)
            ck_assert_str_eq(got, want);
    }
}
END_TEST

START_TEST(time_arguments_take_ages)
{
    dq_time now, t;
    ck_assert_int_eq(dq_time_parse_iso("2024-03-08T00:00:00", &now), DQ_OK);
    ck_assert_int_eq(dq_time_parse_arg("24h", now, &t), DQ_OK);
    char out[40];
    dq_time_format_iso(t, out, sizeof(out));
    ck_assert_str_eq(out, "2024-03-07T00:00:00");
    ck_assert_int_eq(dq_time_parse_arg("7d", now, &t), DQ_OK);
    dq_time_format_iso(t, out, sizeof(out));
    ck_assert_str_eq(out, "2024-03-01T00:00:00");
    ck_assert_int_eq(dq_time_parse_arg("2024-01-01", now, &t), DQ_OK);
    ck_assert_int_eq(dq_time_parse_arg("7x", now, &t), DQ_EFORMAT);
    ck_assert_int_eq(dq_time_parse_arg("-1d", now, &t), DQ_EFORMAT);
    ck_assert_int_eq(dq_time_parse_arg("h", now, &t), DQ_EFORMAT);
}
END_TEST

START_TEST(time_formats_with_strftime)
{
    dq_time t;
    ck_assert_int_eq(dq_time_parse_iso("2024-03-07T18:47:07.868231", &t), DQ_OK);
    char out[64];
    dq_time_format(t, "%Y/%m/%d %H:%M:%S %a", out, sizeof(out));
    ck_assert_str_eq(out, "2024/03/07 18:47:07 Thu");
}
END_TEST

START_TEST(glob_matches_across_slashes)
{
    ck_assert(dq_glob_match("card_*", "card_transactions_critical"));
    ck_assert(dq_glob_match("team/*", "team/a/b"));
    ck_assert(!dq_glob_match("card_*", "app_reviews"));
}
END_TEST

START_TEST(utf8_validation)
{
#define VALID(text) dq_utf8_valid(text, sizeof(text) - 1)
    ck_assert(VALID("plain ascii, long enough for words"));
    ck_assert(VALID("contr\xc3\xb4le \xf0\x9f\x93\xb1"));
    ck_assert(!VALID("bad \xc3"));
    ck_assert(!VALID("overlong \xc0\xaf"));
    ck_assert(!VALID("surrogate \xed\xa0\x80"));
    ck_assert(!VALID("past max \xf4\x90\x80\x80"));
    ck_assert(!VALID("latin-1 \xe9t\xe9 in the middle of ascii"));
    /* Past the first 32-byte stride, and in the tail after the last one. */
    ck_assert(!VALID("0123456789abcdef0123456789abcdef0123456789\xff"
                     "0123456789"));
    ck_assert(!VALID("0123456789abcdef0123456789abcdef\xff"));
#undef VALID
}
END_TEST

START_TEST(hash_is_stable_and_sensitive)
{
    /* A fixed value: shard ownership and manifests rely on it never changing. */
    ck_assert_uint_eq(dq_hash64("", 0, 0), 18045060210114981133ULL);
    uint64_t a = dq_hash64("checkpoint", 10, 0);
    ck_assert_uint_eq(a, 18151868717926404399ULL);
    ck_assert_uint_ne(a, dq_hash64("checkpoinT", 10, 0));
    char bytes[100];
    for (int i = 0; i < 100; i++)
        bytes[i] = (char)i;
    ck_assert_uint_eq(dq_hash64(bytes, sizeof(bytes), 0), 15611749499853568963ULL);
    bytes[70] ^= 1; /* in the second 48-byte stride */
    ck_assert_uint_ne(dq_hash64(bytes, sizeof(bytes), 0), 15611749499853568963ULL);
    ck_assert_uint_ne(a, dq_hash64("checkpoint", 10, 1));
    ck_assert_uint_ne(dq_hash64("abcdefghijklmnopq", 17, 0), dq_hash64("abcdefghijklmnopr", 17, 0));
}
END_TEST

START_TEST(plain_write_and_tree_removal)
{
    char *dir = dqtest_tmpdir();
    char *path = dq_asprintf("%s/tree/a/b/file.txt", dir);
    dq_error err = {0};
    ck_assert_int_eq(dq_file_write(path, "longer text", 11, &err), DQ_OK);
    ck_assert_int_eq(dq_file_write(path, "short", 5, &err), DQ_OK); /* truncated, not kept */
    size_t len;
    char *text = dqtest_read(path, &len);
    ck_assert_str_eq(text, "short");
    free(text);
    char *below_file = dq_asprintf("%s/x", path);
    ck_assert_int_eq(dq_file_write(below_file, "x", 1, &err), DQ_EIO);
    ck_assert_ptr_nonnull(strstr(err.msg, below_file));
    free(below_file);
    /* A symlink inside goes, what it points at stays. */
    char *outside = dq_asprintf("%s/outside.txt", dir);
    ck_assert_int_eq(dq_file_write(outside, "keep", 4, &err), DQ_OK);
    char *link = dq_asprintf("%s/tree/a/link", dir);
    ck_assert_int_eq(symlink(outside, link), 0);
    char *tree = dq_asprintf("%s/tree", dir);
    ck_assert_int_eq(dq_remove_tree(tree, &err), DQ_OK);
    ck_assert_int_eq(access(tree, F_OK), -1);
    ck_assert_int_eq(access(outside, F_OK), 0);
    ck_assert_int_eq(dq_remove_tree(tree, &err), DQ_OK); /* gone already: no error */
    /* A path that cannot be walked (a file on the way): the error names it. */
    char *blocked = dq_asprintf("%s/x", outside);
    ck_assert_int_eq(dq_remove_tree(blocked, &err), DQ_EIO);
    ck_assert_ptr_nonnull(strstr(err.msg, blocked));
    free(blocked);
    dqtest_rmrf(dir);
    free(tree);
    free(link);
    free(outside);
    free(path);
    free(dir);
}
END_TEST

START_TEST(atomic_write_replaces_and_leaves_no_temporary)
{
    char *dir = dqtest_tmpdir();
    char *path = dq_asprintf("%s/a/b/file.txt", dir);
    dq_error err = {0};
    ck_assert_int_eq(dq_file_write_atomic(path, "one", 3, &err), DQ_OK);
    ck_assert_int_eq(dq_file_write_atomic(path, "two!", 4, &err), DQ_OK);
    size_t len;
    char *text = dqtest_read(path, &len);
    ck_assert_str_eq(text, "two!");
    free(text);
    char *parent = dq_asprintf("%s/a/b", dir);
    struct stat st;
    ck_assert_int_eq(stat(parent, &st), 0);
    ck_assert_int_eq(st.st_nlink, 2); /* no subdirectories, and the listing below */
    /* A folder on the way that is a file: an error naming the path, nothing left. */
    char *below_file = dq_asprintf("%s/x", path);
    ck_assert_int_eq(dq_file_write_atomic(below_file, "x", 1, &err), DQ_EIO);
    ck_assert_ptr_nonnull(strstr(err.msg, below_file));
    free(below_file);
    dq_buf buf;
    dq_buf_init(&buf, 3);
    ck_assert_int_eq(dq_file_read(path, 3, &buf, &err), DQ_ETOOBIG);
    ck_assert_ptr_nonnull(strstr(err.msg, "file.txt"));
    dq_buf_free(&buf);
    ck_assert_int_eq(dq_file_read("/nonexistent/x", 10, &buf, &err), DQ_EIO);
    ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/x"));
    dqtest_rmrf(dir);
    free(parent);
    free(path);
    free(dir);
}
END_TEST

static void add_item(void *item, void *ctx, int worker)
{
    ck_assert(worker >= 0 && worker < 3);
    atomic_long *sum = ctx;
    atomic_fetch_add(sum, (long)(intptr_t)item);
}

START_TEST(pool_handles_every_item)
{
    atomic_long sum = 0;
    dq_pool *pool = dq_pool_new(3, 2, add_item, &sum);
    ck_assert_ptr_nonnull(pool);
    for (long i = 1; i <= 10000; i++)
        dq_pool_submit(pool, (void *)(intptr_t)i);
    dq_pool_finish(pool);
    ck_assert_int_eq(atomic_load(&sum), 10000L * 10001L / 2);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("core");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, buf_stops_at_its_maximum);
    tcase_add_test(tc, buf_printf_grows_past_the_small_buffer);
    tcase_add_test(tc, time_round_trips_python_isoformat);
    tcase_add_test(tc, time_orders_and_refuses_nonsense);
    tcase_add_test(tc, time_with_offset_lands_on_the_local_clock);
    tcase_add_test(tc, time_arguments_take_ages);
    tcase_add_test(tc, plain_time_is_strftimes);
    tcase_add_test(tc, asprintf_joins_strings_as_printf);
    tcase_add_test(tc, time_formats_with_strftime);
    tcase_add_test(tc, glob_matches_across_slashes);
    tcase_add_test(tc, utf8_validation);
    tcase_add_test(tc, hash_is_stable_and_sensitive);
    tcase_add_test(tc, atomic_write_replaces_and_leaves_no_temporary);
    tcase_add_test(tc, plain_write_and_tree_removal);
    tcase_add_test(tc, pool_handles_every_item);
    suite_add_tcase(s, tc);
    return dqtest_run(s);
}
