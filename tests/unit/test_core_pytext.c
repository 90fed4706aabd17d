/* core: Python's text forms shared by the renderers and the docs. */
#include <string.h>

#include "dqbatch/core.h"
#include "dqtest.h"

static void expect_repr(double v, const char *want)
{
    char out[48];
    dq_py_float_repr(v, out, sizeof out);
    ck_assert_msg(strcmp(out, want) == 0, "%.17g: got %s, want %s", v, out, want);
}

START_TEST(float_repr_is_shortest_even_for_subnormals)
{
    expect_repr(0.1, "0.1");
    expect_repr(-0.0, "-0.0");
    expect_repr(1e16, "1e+16");
    /* A subnormal holds fewer digits: Python gives 13 here where 15 would also read back. */
    expect_repr(5e-324, "5e-324");
    expect_repr(4.583577184456282e-310, "4.5835771844563e-310");
}
END_TEST

START_TEST(whole_floats_repr_as_python_writes_them)
{
    /* Written without the digit search; the strings are Python 3's repr. */
    expect_repr(1.0, "1.0");
    expect_repr(-5.0, "-5.0");
    expect_repr(123456789012345.0, "123456789012345.0");
    expect_repr(1e15, "1000000000000000.0");
    expect_repr(4503599627370497.0, "4503599627370497.0");
    expect_repr(9999999999999998.0, "9999999999999998.0");
    expect_repr(-1e16, "-1e+16");
    expect_repr(2.5, "2.5");
}
END_TEST

START_TEST(numbers_are_ints_when_whole_and_exact)
{
    char out[48];
    dq_py_number_text(3.0, out, sizeof out);
    ck_assert_str_eq(out, "3");
    dq_py_number_text(2.5, out, sizeof out);
    ck_assert_str_eq(out, "2.5");
    dq_py_number_text(9007199254740992.0, out, sizeof out);
    ck_assert_str_eq(out, "9007199254740992.0");
}
END_TEST

START_TEST(escapes_as_ensure_ascii)
{
    char out[DQ_JSON_ESCAPE_SIZE];
    ck_assert_str_eq(dq_json_escape('"', out), "\\\"");
    ck_assert_str_eq(dq_json_escape('\\', out), "\\\\");
    ck_assert_str_eq(dq_json_escape('\n', out), "\\n");
    ck_assert_str_eq(dq_json_escape('\f', out), "\\f");
    ck_assert_str_eq(dq_json_escape(0x01, out), "\\u0001");
    ck_assert_str_eq(dq_json_escape('<', out), "\\u003c");
    ck_assert_str_eq(dq_json_escape(0xe9, out), "\\u00e9");
    ck_assert_str_eq(dq_json_escape(0x1f600, out), "\\ud83d\\ude00");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("core_pytext");
    TCase *tc = tcase_create("core_pytext");
    tcase_add_test(tc, float_repr_is_shortest_even_for_subnormals);
    tcase_add_test(tc, whole_floats_repr_as_python_writes_them);
    tcase_add_test(tc, numbers_are_ints_when_whole_and_exact);
    tcase_add_test(tc, escapes_as_ensure_ascii);
    suite_add_tcase(s, tc);
    return dqtest_run(s);
}
