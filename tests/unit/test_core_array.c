/* core: dq_array_grow, the one doubling-array step every module's lists use. */
#include <stdint.h>
#include <stdlib.h>

#include "dqbatch/core.h"
#include "dqtest.h"

START_TEST(array_grows_only_when_full_and_keeps_items)
{
    int *items = NULL;
    size_t len = 0, cap = 0;
    for (int i = 0; i < 100; i++) {
        int *grown = dq_array_grow(items, len, &cap, sizeof *grown, 4);
        ck_assert_ptr_nonnull(grown);
        items = grown;
        ck_assert_uint_gt(cap, len);
        items[len++] = i;
    }
    /* 4, 8, 16, 32, 64, 128: doubled from the first capacity. */
    ck_assert_uint_eq(cap, 128);
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(items[i], i);
    int *same = dq_array_grow(items, len, &cap, sizeof *same, 4);
    ck_assert_ptr_eq(same, items);
    ck_assert_uint_eq(cap, 128);
    free(items);
}
END_TEST

START_TEST(array_refuses_a_size_that_overflows)
{
    char *items = malloc(1);
    ck_assert_ptr_nonnull(items);
    items[0] = 'x';
    size_t cap = 1;
    ck_assert_ptr_null(dq_array_grow(items, 1, &cap, SIZE_MAX / 2 + 1, 4));
    /* Refused: the array and its capacity are as they were. */
    ck_assert_uint_eq(cap, 1);
    ck_assert_int_eq(items[0], 'x');
    free(items);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("core_array");
    TCase *tc = tcase_create("core_array");
    tcase_add_test(tc, array_grows_only_when_full_and_keeps_items);
    tcase_add_test(tc, array_refuses_a_size_that_overflows);
    suite_add_tcase(s, tc);
    return dqtest_run(s);
}
