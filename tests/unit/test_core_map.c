/* core: the string-keyed map and the set of owned strings built on it. */
#include <stdio.h>
#include <string.h>

#include "dqbatch/core.h"
#include "dqtest.h"

START_TEST(map_finds_replaces_and_grows)
{
    dq_map m = {0};
    char keys[500][16];
    for (size_t i = 0; i < 500; i++) {
        snprintf(keys[i], sizeof keys[i], "key-%zu", i);
        ck_assert_int_eq(dq_map_put(&m, keys[i], i), DQ_OK);
    }
    ck_assert_int_eq(dq_map_put(&m, keys[7], 70), DQ_OK);
    ck_assert_uint_eq(m.len, 500);
    size_t value = 0;
    ck_assert(dq_map_get(&m, "key-499", &value));
    ck_assert_uint_eq(value, 499);
    ck_assert(dq_map_get(&m, "key-7", &value));
    ck_assert_uint_eq(value, 70);
    ck_assert(!dq_map_get(&m, "key-500", &value));
    dq_map_free(&m);
    ck_assert(!dq_map_get(&m, "key-1", &value));
}
END_TEST

START_TEST(map_reserved_takes_its_keys_without_growing)
{
    dq_map m = {0};
    ck_assert_int_eq(dq_map_put(&m, "first", 1), DQ_OK);
    ck_assert_int_eq(dq_map_reserve(&m, 1000), DQ_OK);
    size_t cap = m.cap, value = 0;
    char keys[1000][16];
    for (size_t i = 1; i < 1000; i++) {
        snprintf(keys[i], sizeof keys[i], "key-%zu", i);
        ck_assert_int_eq(dq_map_put(&m, keys[i], i), DQ_OK);
    }
    ck_assert_uint_eq(m.cap, cap);
    ck_assert(dq_map_get(&m, "first", &value));
    ck_assert_uint_eq(value, 1);
    ck_assert(dq_map_get(&m, "key-999", &value));
    ck_assert_uint_eq(value, 999);
    ck_assert_int_eq(dq_map_reserve(&m, 10), DQ_OK);
    ck_assert_uint_eq(m.cap, cap);
    dq_map_free(&m);
}
END_TEST

START_TEST(strset_keeps_one_copy_of_each_string)
{
    dq_strset set = {0};
    char text[16];
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < 300; i++) {
            snprintf(text, sizeof text, "name-%d", i);
            ck_assert_ptr_nonnull(dq_strset_add(&set, text));
        }
    ck_assert_uint_eq(set.items.len, 300);
    const char *stored = dq_strset_find(&set, "name-42");
    ck_assert_ptr_nonnull(stored);
    ck_assert_str_eq(stored, "name-42");
    snprintf(text, sizeof text, "name-%d", 42);
    ck_assert_ptr_eq(dq_strset_add(&set, text), stored);
    ck_assert_ptr_null(dq_strset_find(&set, "name-300"));
    dq_strset_free(&set);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("core_map");
    TCase *tc = tcase_create("core_map");
    tcase_add_test(tc, map_finds_replaces_and_grows);
    tcase_add_test(tc, map_reserved_takes_its_keys_without_growing);
    tcase_add_test(tc, strset_keeps_one_copy_of_each_string);
    suite_add_tcase(s, tc);
    return dqtest_run(s);
}
