/* select: filters, shards and truthound's partition layout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dqbatch/select.h"
#include "dqtest.h"

static dq_time at(const char *iso)
{
    dq_time t;
    ck_assert_int_eq(dq_time_parse_iso(iso, &t), DQ_OK);
    return t;
}

START_TEST(filter_takes_everything_by_default)
{
    dq_filter f = {0};
    ck_assert(dq_filter_match(&f, "a", NULL, DQ_STATUS_ERROR, 0));
    ck_assert(dq_filter_match(NULL, "a", "b", DQ_STATUS_SUCCESS, 0));
}
END_TEST

START_TEST(filter_time_range_is_half_open)
{
    dq_filter f = {.has_since = true, .has_until = true};
    f.since = at("2024-03-01T00:00:00");
    f.until = at("2024-03-02T00:00:00");
    ck_assert(dq_filter_match(&f, "a", NULL, DQ_STATUS_SUCCESS, at("2024-03-01T00:00:00")));
    ck_assert(dq_filter_match(&f, "a", NULL, DQ_STATUS_SUCCESS, at("2024-03-01T23:59:59.999999")));
    ck_assert(!dq_filter_match(&f, "a", NULL, DQ_STATUS_SUCCESS, at("2024-03-02T00:00:00")));
    ck_assert(!dq_filter_match(&f, "a", NULL, DQ_STATUS_SUCCESS, at("2024-02-29T23:59:59")));
}
END_TEST

START_TEST(filter_globs_and_statuses)
{
    dq_filter f = {0};
    dq_error err = {0};
    ck_assert_int_eq(dq_strlist_add(&f.checkpoints, "card_*"), DQ_OK);
    ck_assert_int_eq(dq_strlist_add(&f.checkpoints, "shipments_hourly"), DQ_OK);
    ck_assert_int_eq(dq_strlist_add(&f.assets, "s3://*"), DQ_OK);
    ck_assert_int_eq(dq_filter_parse_statuses("failure, error", &f.statuses, &err), DQ_OK);
    ck_assert(dq_filter_match(&f, "card_tx", "s3://lake/x", DQ_STATUS_FAILURE, 0));
    ck_assert(dq_filter_match(&f, "shipments_hourly", "s3://x", DQ_STATUS_ERROR, 0));
    ck_assert(!dq_filter_match(&f, "card_tx", "s3://lake/x", DQ_STATUS_WARNING, 0));
    ck_assert(!dq_filter_match(&f, "app", "s3://lake/x", DQ_STATUS_FAILURE, 0));
    ck_assert(!dq_filter_match(&f, "card_tx", "data/x.csv", DQ_STATUS_FAILURE, 0));
    ck_assert(!dq_filter_match(&f, "card_tx", NULL, DQ_STATUS_FAILURE, 0));
    unsigned mask = 0;
    ck_assert_int_eq(dq_filter_parse_statuses("failure,broken", &mask, &err), DQ_EUSAGE);
    ck_assert_ptr_nonnull(strstr(err.msg, "broken"));
    dq_filter_free(&f);
}
END_TEST

START_TEST(shards_split_checkpoints_stably)
{
    int index, count;
    dq_error err = {0};
    ck_assert_int_eq(dq_filter_parse_shard("1/4", &index, &count, &err), DQ_OK);
    ck_assert_int_eq(index, 1);
    ck_assert_int_eq(count, 4);
    ck_assert_int_eq(dq_filter_parse_shard("4/4", &index, &count, &err), DQ_EUSAGE);
    ck_assert_int_eq(dq_filter_parse_shard("1/0", &index, &count, &err), DQ_EUSAGE);
    ck_assert_int_eq(dq_filter_parse_shard("x", &index, &count, &err), DQ_EUSAGE);
    /* FNV-1a of the name: fixed values, as separate machines must agree. */
    ck_assert_int_eq(dq_shard_of("customer_accounts_daily", 4),
                     dq_shard_of("customer_accounts_daily", 4));
    ck_assert_int_eq(dq_shard_of("a", 1000), (int)(0xaf63dc4c8601ec8cULL % 1000));
    int seen[4] = {0};
    char name[32];
    for (int i = 0; i < 400; i++) {
        snprintf(name, sizeof(name), "checkpoint_%d", i);
        seen[dq_shard_of(name, 4)]++;
    }
    for (int i = 0; i < 4; i++)
        ck_assert_int_gt(seen[i], 50);
    dq_filter f = {.shard_index = dq_shard_of("x", 3), .shard_count = 3};
    ck_assert(dq_filter_match(&f, "x", NULL, DQ_STATUS_SUCCESS, 0));
    f.shard_index = (f.shard_index + 1) % 3;
    ck_assert(!dq_filter_match(&f, "x", NULL, DQ_STATUS_SUCCESS, 0));
}
END_TEST

START_TEST(partition_dirs_follow_store_validation_result)
{
    dq_time t = at("2024-03-07T18:47:07.868231");
    char *dir = dq_partition_dir(DQ_PARTITION_DATE, "c", t, DQ_STATUS_WARNING);
    ck_assert_str_eq(dir, "2024/03/07");
    free(dir);
    dir = dq_partition_dir(DQ_PARTITION_CHECKPOINT, "team/contr\xc3\xb4le", t, DQ_STATUS_WARNING);
    ck_assert_str_eq(dir, "team/contr\xc3\xb4le");
    free(dir);
    dir = dq_partition_dir(DQ_PARTITION_STATUS, "c", t, DQ_STATUS_WARNING);
    ck_assert_str_eq(dir, "warning");
    free(dir);
    dir = dq_partition_dir(DQ_PARTITION_NONE, "c", t, DQ_STATUS_WARNING);
    ck_assert_str_eq(dir, "");
    free(dir);
    dq_partition p;
    dq_error err = {0};
    ck_assert_int_eq(dq_partition_parse("checkpoint", &p, &err), DQ_OK);
    ck_assert_int_eq(p, DQ_PARTITION_CHECKPOINT);
    ck_assert_int_eq(dq_partition_parse("weekly", &p, &err), DQ_EUSAGE);
    ck_assert_ptr_nonnull(strstr(err.msg, "weekly"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("select");
    TCase *tc = tcase_create("select");
    tcase_add_test(tc, filter_takes_everything_by_default);
    tcase_add_test(tc, filter_time_range_is_half_open);
    tcase_add_test(tc, filter_globs_and_statuses);
    tcase_add_test(tc, shards_split_checkpoints_stably);
    tcase_add_test(tc, partition_dirs_follow_store_validation_result);
    suite_add_tcase(s, tc);
    return dqtest_run(s);
}
