/* core: Python's text forms shared by the renderers and the docs. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
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

/* repr as it was written before its digits were found in integers: printf's %.*e, strtod
 * and snprintf, kept as the reference the fast paths must match byte for byte. */
static void reference_repr(double v, char *out, size_t size)
{
    if (isnan(v) || isinf(v) || v == 0 || (fabs(v) < 1e16 && v == (double)(int64_t)v)) {
        dq_py_float_repr(v, out, size); /* compared against literals above */
        return;
    }
    char sci[40];
    for (int digits = fabs(v) >= DBL_MIN ? 15 : 1; digits <= 17; digits++) {
        snprintf(sci, sizeof sci, "%.*e", digits - 1, v);
        if (strtod(sci, NULL) == v)
            break;
    }
    const char *p = sci;
    bool negative = *p == '-';
    if (negative)
        p++;
    char digits[24];
    size_t nd = 0;
    for (; *p && *p != 'e'; p++)
        if (*p != '.' && nd + 1 < sizeof digits)
            digits[nd++] = *p;
    digits[nd] = '\0';
    int exp10 = atoi(p + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        digits[--nd] = '\0';
    char body[48];
    if (exp10 < -4 || exp10 >= 16) {
        if (nd == 1)
            snprintf(body, sizeof body, "%se%c%02d", digits, exp10 < 0 ? '-' : '+', abs(exp10));
        else
            snprintf(body, sizeof body, "%c.%se%c%02d", digits[0], digits + 1,
                     exp10 < 0 ? '-' : '+', abs(exp10));
    } else if (exp10 < 0) {
        snprintf(body, sizeof body, "0.%0*d%s", -exp10 - 1, 0, digits);
        if (exp10 == -1)
            snprintf(body, sizeof body, "0.%s", digits);
    } else if ((size_t)exp10 + 1 >= nd) {
        snprintf(body, sizeof body, "%s%0*d.0", digits, exp10 + 1 - (int)nd, 0);
        if ((size_t)exp10 + 1 == nd)
            snprintf(body, sizeof body, "%s.0", digits);
    } else {
        snprintf(body, sizeof body, "%.*s.%s", exp10 + 1, digits, digits + exp10 + 1);
    }
    snprintf(out, size, "%s%s", negative ? "-" : "", body);
}

static void reference_number_text(double v, char *out, size_t size)
{
    if (isfinite(v) && v == floor(v) && fabs(v) < 9007199254740992.0)
        snprintf(out, size, "%.0f", v);
    else
        reference_repr(v, out, size);
}

/* Random bit patterns, decimals of 1..17 digits, ties, boundaries and subnormals: repr and
 * json.dumps' number text give the reference's bytes (DQ_FLOAT_ROUNDS for millions). */
START_TEST(float_text_matches_the_printf_reference)
{
    uint64_t state = 0x9e3779b97f4a7c15ULL;
    long rounds = dqtest_float_rounds(300000), searched = 0;
    for (long i = 0; i < rounds; i++) {
        double v = dqtest_double(&state);
        /* Where the digits are searched for exactly rather than by printf and strtod. */
        searched += fabs(v) >= 1e-10 && fabs(v) < 1e14 && v != (double)(int64_t)v;
        char got[64], want[64];
        dq_py_float_repr(v, got, sizeof got);
        reference_repr(v, want, sizeof want);
        ck_assert_msg(strcmp(got, want) == 0, "repr of %a: %s, reference %s", v, got, want);
        dq_py_number_text(v, got, sizeof got);
        reference_number_text(v, want, sizeof want);
        ck_assert_msg(strcmp(got, want) == 0, "number of %a: %s, reference %s", v, got, want);
    }
    ck_assert_msg(searched > rounds / 3, "only %ld of %ld values had digits to search", searched,
                  rounds);
}
END_TEST

/* The integer digits printf would write: %.*e's significant digits and %.*f's decimals. */
START_TEST(exact_digits_are_printfs)
{
    uint64_t state = 0x2545f4914f6cdd1dULL;
    long fast = 0, rounds = dqtest_float_rounds(100000);
    for (long i = 0; i < rounds; i++) {
        double v = dqtest_double(&state);
        int count = 1 + (int)(i % 17), decimals = (int)(i % 10), exp10;
        uint64_t n;
        char got[64], want[400];
        if (dq_double_digits(v, count, &n, &exp10)) {
            snprintf(want, sizeof want, "%.*e", count - 1, fabs(v));
            if (want[1] == '.') /* "1.234e+05" as "1234e+05" */
                memmove(want + 1, want + 2, strlen(want + 1));
            snprintf(got, sizeof got, "%llue%+03d", (unsigned long long)n, exp10);
            ck_assert_msg(strcmp(got, want) == 0, "%%.%de of %a: %s, printf %s", count - 1, v, got,
                          want);
            fast++;
        }
        if (dq_double_fixed(v, decimals, &n)) {
            snprintf(want, sizeof want, "%.*f", decimals, fabs(v));
            char *dot = strchr(want, '.');
            if (dot)
                memmove(dot, dot + 1, strlen(dot));
            snprintf(got, sizeof got, "%llu", (unsigned long long)n);
            /* printf writes "0.05" where the whole number is 5 */
            const char *digits = want + strspn(want, "0");
            ck_assert_msg(strcmp(got, *digits ? digits : "0") == 0, "%%.%df of %a: %s, printf %s",
                          decimals, v, got, want);
            fast++;
        }
    }
    ck_assert_msg(fast > rounds / 2, "only %ld of %ld values took the exact path", fast, rounds);
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
    tcase_add_test(tc, float_text_matches_the_printf_reference);
    tcase_add_test(tc, exact_digits_are_printfs);
    suite_add_tcase(s, tc);
    return dqtest_run(s);
}
