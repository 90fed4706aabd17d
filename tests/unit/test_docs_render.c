/* docs renderers: escaping for every context, Python's JSON numbers, safe file names, and
 * the pages of single runs from truthound's own stored results. */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/docs/docs_map.h"
#include "decode_support.h"
#include "dqtest.h"

static char *render_with(void (*fn)(dq_docs_out *, const char *), const char *input)
{
    dq_docs_out o;
    docs_out_init(&o);
    fn(&o, input);
    ck_assert_int_eq(o.code, DQ_OK);
    char *text = dq_strdup(dq_buf_str(&o.buf));
    docs_out_free(&o);
    return text;
}

static void json_plain(dq_docs_out *o, const char *s)
{
    docs_out_json_string(o, s, false);
}

static void json_script(dq_docs_out *o, const char *s)
{
    docs_out_json_string(o, s, true);
}

#define EXPECT_RENDER(fn, input, want)                                                             \
    do {                                                                                           \
        char *got_ = render_with(fn, input);                                                       \
        ck_assert_str_eq(got_, want);                                                              \
        free(got_);                                                                                \
    } while (0)

START_TEST(html_escapes_markup_quotes_and_bad_bytes)
{
    EXPECT_RENDER(docs_out_html, "<script>alert(1)</script>",
                  "&lt;script&gt;alert(1)&lt;/script&gt;");
    EXPECT_RENDER(docs_out_html, "\"><img src=x onerror=alert(1)>",
                  "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
    EXPECT_RENDER(docs_out_html, "it's & \"that\"", "it&#39;s &amp; &quot;that&quot;");
    /* Non-ASCII passes as it is; bad UTF-8, surrogates and controls become U+FFFD. */
    EXPECT_RENDER(docs_out_html, "contrôle 📱", "contrôle 📱");
    EXPECT_RENDER(docs_out_html,
                  "a\xff"
                  "b",
                  "a\xef\xbf\xbd"
                  "b");
    EXPECT_RENDER(docs_out_html, "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    EXPECT_RENDER(docs_out_html,
                  "a\x01"
                  "b\nc",
                  "a\xef\xbf\xbd"
                  "b\nc");
    EXPECT_RENDER(docs_out_html, "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd");
}
END_TEST

START_TEST(markdown_escapes_table_and_inline_syntax)
{
    EXPECT_RENDER(docs_out_markdown, "a|b *c* [x](javascript:y) <b>",
                  "a\\|b \\*c\\* \\[x\\](javascript:y) &lt;b&gt;");
    EXPECT_RENDER(docs_out_markdown, "two\nlines", "two lines");
}
END_TEST

START_TEST(json_strings_are_ascii_and_script_safe)
{
    EXPECT_RENDER(json_plain, "contrôle", "\"contr\\u00f4le\"");
    EXPECT_RENDER(json_plain, "📱", "\"\\ud83d\\udcf1\"");
    EXPECT_RENDER(json_plain, "a\"b\\c\n\t", "\"a\\\"b\\\\c\\n\\t\"");
    EXPECT_RENDER(json_plain, "</script>", "\"</script>\"");
    EXPECT_RENDER(json_script, "</script><!--&", "\"\\u003c/script\\u003e\\u003c!--\\u0026\"");
    EXPECT_RENDER(json_plain, "\xe2\x80\xa8", "\"\\u2028\"");
}
END_TEST

static char *double_text(double v)
{
    dq_docs_out o;
    docs_out_init(&o);
    docs_out_json_double(&o, v);
    char *text = dq_strdup(dq_buf_str(&o.buf));
    docs_out_free(&o);
    return text;
}

START_TEST(doubles_read_as_python_repr)
{
    struct {
        double v;
        const char *want;
    } cases[] = {
        {0.3333333333333333, "0.3333333333333333"},
        {1.0, "1.0"},
        {0.0, "0.0"},
        {-0.0, "-0.0"},
        {12.5, "12.5"},
        {2.8240000000000003, "2.8240000000000003"},
        {4.105380838908381e-07, "4.105380838908381e-07"},
        {1e-05, "1e-05"},
        {0.0001, "0.0001"},
        {1e16, "1e+16"},
        {1234567.0, "1234567.0"},
        {9999999999999998.0, "9999999999999998.0"},
        {8376.218731476869, "8376.218731476869"},
        {1.5e300, "1.5e+300"},
        {NAN, "NaN"},
        {-INFINITY, "-Infinity"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got = double_text(cases[i].v);
        ck_assert_msg(strcmp(got, cases[i].want) == 0, "%.17g: got %s, want %s", cases[i].v, got,
                      cases[i].want);
        free(got);
    }
}
END_TEST

START_TEST(json_trees_are_written_as_json_dumps)
{
    cJSON *v = cJSON_Parse("{\"a\": [1, 2.5, \"x\", null, true], \"b\": {}, \"c\": []}");
    ck_assert_ptr_nonnull(v);
    dq_docs_out o;
    docs_out_init(&o);
    docs_out_json(&o, v, 0, 0, false);
    ck_assert_str_eq(dq_buf_str(&o.buf),
                     "{\"a\": [1, 2.5, \"x\", null, true], \"b\": {}, \"c\": []}");
    docs_out_reset(&o);
    docs_out_json(&o, v, 2, 0, false);
    ck_assert_str_eq(dq_buf_str(&o.buf), "{\n  \"a\": [\n    1,\n    2.5,\n    \"x\",\n    "
                                         "null,\n    true\n  ],\n  \"b\": {},\n  \"c\": []\n}");
    docs_out_free(&o);
    cJSON_Delete(v);
}
END_TEST

/* A value in a cell is its compact JSON, HTML-escaped; numbers, booleans and null skip the
 * escaping, which must change nothing. */
START_TEST(values_in_cells_are_escaped_json)
{
    cJSON *values = cJSON_Parse("[1, -0.0, 2.5e-07, 1e300, 12345678901234567890, true, false, "
                                "null, \"<b>\", [\"&\", 3], {\"k\": \"'\"}]");
    ck_assert_ptr_nonnull(values);
    cJSON_AddItemToArray(values, cJSON_CreateNumber(NAN));
    cJSON_AddItemToArray(values, cJSON_CreateNumber(-INFINITY));
    dq_docs_out got, json, want;
    docs_out_init(&got);
    docs_out_init(&json);
    docs_out_init(&want);
    for (const cJSON *v = values->child; v; v = v->next) {
        docs_out_reset(&got);
        docs_out_reset(&json);
        docs_out_reset(&want);
        docs_out_value_html(&got, v);
        if (cJSON_IsString(v))
            docs_out_str(&json, v->valuestring);
        else
            docs_out_json(&json, v, 0, 0, false);
        docs_out_html(&want, dq_buf_str(&json.buf));
        ck_assert_str_eq(dq_buf_str(&got.buf), dq_buf_str(&want.buf));
    }
    docs_out_reset(&got);
    docs_out_value_html(&got, NULL);
    ck_assert_str_eq(dq_buf_str(&got.buf), "null");
    docs_out_free(&got);
    docs_out_free(&json);
    docs_out_free(&want);
    cJSON_Delete(values);
}
END_TEST

START_TEST(counts_have_thousands_separators)
{
    dq_docs_out o;
    docs_out_init(&o);
    docs_out_count(&o, 2435832);
    docs_out_char(&o, ' ');
    docs_out_count(&o, 999);
    docs_out_char(&o, ' ');
    docs_out_count(&o, -1000);
    docs_out_char(&o, ' ');
    docs_out_count(&o, INT64_MIN);
    ck_assert_str_eq(dq_buf_str(&o.buf), "2,435,832 999 -1,000 -9,223,372,036,854,775,808");
    docs_out_free(&o);
}
END_TEST

/* docs_out_printf writes %s, %d, %zu, %lld and %.Nf itself and hands anything else to vsnprintf:
 * either way the bytes are printf's. So are docs_out_g17's sort keys. */
START_TEST(formatted_pieces_are_printfs_bytes)
{
    static const double values[] = {0.0,
                                    -0.0,
                                    1.0,
                                    -7.0,
                                    0.5,
                                    39.155717329545453,
                                    1e14 + 1,
                                    1e15,
                                    1e16,
                                    -1e15 + 1,
                                    9007199254740993.0,
                                    1e300,
                                    NAN,
                                    INFINITY,
                                    -INFINITY};
    dq_docs_out o;
    docs_out_init(&o);
    char want[256];
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        docs_out_reset(&o);
        docs_out_g17(&o, values[i]);
        snprintf(want, sizeof(want), "%.17g", values[i]);
        ck_assert_str_eq(dq_buf_str(&o.buf), want);
    }
    docs_out_reset(&o);
    docs_out_printf(&o, "<a %s=\"%d\">%zu%%</a>%d%s", "x", INT32_MIN, (size_t)SIZE_MAX, 0, "");
    snprintf(want, sizeof(want), "<a %s=\"%d\">%zu%%</a>%d%s", "x", INT32_MIN, (size_t)SIZE_MAX, 0,
             "");
    ck_assert_str_eq(dq_buf_str(&o.buf), want);
    docs_out_reset(&o);
    docs_out_printf(&o, "%lld|%lld|%lld", LLONG_MIN, LLONG_MAX, -42LL);
    snprintf(want, sizeof(want), "%lld|%lld|%lld", LLONG_MIN, LLONG_MAX, -42LL);
    ck_assert_str_eq(dq_buf_str(&o.buf), want);
    docs_out_reset(&o);
    docs_out_hex64(&o, 0x00ab0000000000ffULL);
    ck_assert_str_eq(dq_buf_str(&o.buf), "00ab0000000000ff");
    docs_out_reset(&o);
    /* The %5.1f comes last: what was written of the piece is taken back, not what was
     * there before it. */
    docs_out_str(&o, "before ");
    docs_out_printf(&o, "%s %.2f %d %.6f %5.1f", "mixed", 39.155717329545453, 42, 1.0 / 3, 2.25);
    ck_assert_str_eq(dq_buf_str(&o.buf), "before mixed 39.16 42 0.333333   2.2");
    docs_out_free(&o);
}
END_TEST

static void expect_fixed_as_printf(dq_docs_out *o, double v)
{
    static const char *const formats[] = {"%.0f", "%.1f", "%.2f", "%.3f", "%.4f"};
    char want[512];
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
        docs_out_reset(o);
        docs_out_printf(o, formats[i], v);
        snprintf(want, sizeof(want), formats[i], v);
        ck_assert_msg(strcmp(dq_buf_str(&o->buf), want) == 0, "%s of %.17g: %s, printf %s",
                      formats[i], v, dq_buf_str(&o->buf), want);
    }
}

/* %.Nf is written without printf when its digits fit 64 bits: ties, signs, the ends of the
 * range and 100,000 pseudo-random values of every magnitude give printf's bytes. */
START_TEST(fixed_decimals_are_printfs_bytes)
{
    static const double values[] = {0.0,   -0.0,   0.5,    1.5,    2.5,      -2.5,     0.125,
                                    0.375, 2.675,  1.005,  -0.001, -0.04,    0.05,     0.15,
                                    0.25,  99.995, 1e-7,   -1e-7,  123.4565, 1e15 - 1, 1e15,
                                    -1e15, 1e300,  5e-324, NAN,    -NAN,     INFINITY, -INFINITY};
    dq_docs_out o;
    docs_out_init(&o);
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
        expect_fixed_as_printf(&o, values[i]);
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < 100000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        double magnitude = pow(10.0, (double)(x % 19) - 4); /* 1e-4 .. 1e14 */
        double v = (double)(x >> 11) / 9007199254740992.0 * magnitude;
        expect_fixed_as_printf(&o, (x & 1) ? -v : v);
    }
    docs_out_free(&o);
}
END_TEST

/* Random bit patterns, decimals of 1..17 digits, ties, boundaries and subnormals: the
 * sort keys and every %.Nf the pages use are printf's bytes (DQ_FLOAT_ROUNDS for millions). */
START_TEST(numbers_match_printf_over_many_values)
{
    static const char *const formats[] = {"%.0f", "%.1f", "%.2f", "%.3f", "%.6f"};
    dq_docs_out o;
    docs_out_init(&o);
    char want[512];
    uint64_t state = 0x853c49e6748fea9bULL;
    for (long i = dqtest_float_rounds(200000); i > 0; i--) {
        double v = dqtest_double(&state);
        docs_out_reset(&o);
        docs_out_g17(&o, v);
        snprintf(want, sizeof(want), "%.17g", v);
        ck_assert_msg(strcmp(dq_buf_str(&o.buf), want) == 0, "%%.17g of %a: %s, printf %s", v,
                      dq_buf_str(&o.buf), want);
        const char *format = formats[i % 5];
        docs_out_reset(&o);
        docs_out_printf(&o, format, v);
        snprintf(want, sizeof(want), format, v);
        ck_assert_msg(strcmp(dq_buf_str(&o.buf), want) == 0, "%s of %a: %s, printf %s", format, v,
                      dq_buf_str(&o.buf), want);
    }
    docs_out_free(&o);
}
END_TEST

static bool slug_is_safe(const char *slug)
{
    if (!*slug || slug[0] == '.' || strlen(slug) > 100)
        return false;
    for (const char *p = slug; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("_-.", *p)))
            return false;
    return true;
}

START_TEST(slugs_are_safe_unique_and_stable)
{
    const char *names[] = {"orders_hourly",
                           "a/b",
                           "a_b",
                           "a b",
                           "a\\b",
                           "..",
                           ".",
                           "../../etc/passwd",
                           "",
                           "contrôle_fournisseurs",
                           "Orders",
                           "orders",
                           "評価",
                           "x-0123456789abcdef",
                           "daily/2024/03/07 run #1",
                           "a_very_long_checkpoint_name_that_goes_on_and_on_and_on_past_the_limit_"
                           "of_sixty_characters"};
    size_t n = sizeof(names) / sizeof(names[0]);
    char *slugs[sizeof(names) / sizeof(names[0])];
    for (size_t i = 0; i < n; i++) {
        slugs[i] = dq_docs_slug(names[i]);
        ck_assert_ptr_nonnull(slugs[i]);
        ck_assert_msg(slug_is_safe(slugs[i]), "unsafe slug '%s' for '%s'", slugs[i], names[i]);
        char *again = dq_docs_slug(names[i]);
        ck_assert_str_eq(again, slugs[i]);
        free(again);
        for (size_t j = 0; j < i; j++)
            ck_assert_msg(strcmp(slugs[i], slugs[j]) != 0, "'%s' and '%s' share '%s'", names[i],
                          names[j], slugs[i]);
    }
    ck_assert_str_eq(slugs[0], "orders_hourly");
    ck_assert_str_eq(slugs[11], "orders");
    ck_assert_ptr_nonnull(strstr(slugs[9], "contr_le_fournisseurs-"));
    /* The readable part, then the name's hash as "%016llx" writes it. */
    char hashed[64];
    snprintf(hashed, sizeof(hashed), "a_b-%016llx",
             (unsigned long long)dq_hash64("a/b", 3, 0x646f6373ULL));
    ck_assert_str_eq(slugs[1], hashed);
    for (size_t i = 0; i < n; i++)
        free(slugs[i]);
    char *url = dq_docs_run_url("https://dq.example.com/docs/", DQ_DOCS_HTML, "a/b", "run 1");
    ck_assert_ptr_nonnull(url);
    ck_assert_msg(strncmp(url, "https://dq.example.com/docs/checkpoints/a_b-", 44) == 0, "%s", url);
    ck_assert_ptr_nonnull(strstr(url, "/runs/run_1-"));
    free(url);
}
END_TEST

/* ---- run pages from truthound's own files ------------------------------------------ */

static dq_docs_site test_site(dq_docs_format format)
{
    dq_docs_site site = {.format = format,
                         .ext = dq_docs_format_ext(format),
                         .site_name = "Test <Docs>",
                         .history = 100,
                         .page_size = 100};
    return site;
}

static char *render_again(dq_docs_format format, const dq_result *r)
{
    dq_docs_site site = test_site(format);
    dq_docs_out o;
    docs_out_init(&o);
    docs_render_run(&o, &site, r);
    ck_assert_int_eq(o.code, DQ_OK);
    char *text = dq_strdup(dq_buf_str(&o.buf));
    docs_out_free(&o);
    return text;
}

static char *render_run(const char *relpath, dq_docs_format format, dq_result *r)
{
    decode_test_store_result(relpath, r);
    return render_again(format, r);
}

static size_t count(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

START_TEST(run_page_shows_every_issue_check_and_statistic)
{
    dq_result r;
    char *html =
        render_run("by_status/warning/customer_accounts_daily_20240307_184707_18bd0120.json",
                   DQ_DOCS_HTML, &r);
    ck_assert_ptr_nonnull(strstr(html, "customer_accounts_daily_20240307_184707_18bd0120"));
    ck_assert_ptr_nonnull(strstr(html, "<span class=\"badge st-warning\">warning</span>"));
    ck_assert_ptr_nonnull(strstr(html, "<title>customer_accounts_daily · "));
    ck_assert_ptr_nonnull(strstr(html, "Test &lt;Docs&gt;"));
    /* One row per issue, per check; the pass rate as truthound prints it. */
    ck_assert_int_eq(r.stats.total_issues, 3);
    ck_assert_int_eq(count(html, "<span class=\"sev sev-"), (size_t)r.stats.total_issues);
    ck_assert_int_eq(count(html, "<span class=\"pill ok\">passed</span>") +
                         count(html, "<span class=\"pill bad\">failed</span>"),
                     (size_t)r.stats.total_validators);
    char pass[32];
    snprintf(pass, sizeof(pass), "%.1f%%", r.stats.pass_rate * 100.0);
    ck_assert_ptr_nonnull(strstr(html, pass));
    ck_assert_ptr_nonnull(strstr(html, "Data information"));
    ck_assert_ptr_nonnull(strstr(html, "../../../assets/style.css"));
    ck_assert_ptr_null(strstr(html, "<link rel=\"canonical\""));
    ck_assert_str_eq(html + strlen(html) - 8, "</html>\n");
    free(html);
    dq_result_free(&r);
}
END_TEST

/* An issue row finds its keys in one walk over the members: a repeated key shows its
 * first value, as cJSON's lookup finds it, and an issue that is no object shows nothing. */
START_TEST(issue_rows_take_the_first_member_of_a_name)
{
    dq_result r;
    free(render_run("by_status/warning/customer_accounts_daily_20240307_184707_18bd0120.json",
                    DQ_DOCS_HTML, &r));
    cJSON *issues = cJSON_Parse("[{\"severity\": \"high\", \"column\": \"first_col\", "
                                "\"count\": 7, \"column\": \"second_col\", \"severity\": \"low\", "
                                "\"result\": {\"unexpected_percent\": 12.5}}]");
    ck_assert_ptr_nonnull(issues);
    cJSON *nameless = cJSON_CreateString("nameless_value");
    cJSON_AddItemToArray(issues, nameless); /* a second "issue": a string, no members */
    const cJSON *stored = r.issues;
    r.issues = issues;
    char *html = render_again(DQ_DOCS_HTML, &r);
    ck_assert_ptr_nonnull(strstr(html, "<span class=\"sev sev-high\">high</span></td>"
                                       "<td>first_col</td><td></td><td class=\"num\" "
                                       "data-value=\"7\">7</td><td class=\"num\" "
                                       "data-value=\"12.5\">12.50%</td>"));
    ck_assert_ptr_null(strstr(html, "second_col"));
    ck_assert_ptr_null(strstr(html, "nameless_value"));
    ck_assert_int_eq(count(html, "<span class=\"sev sev-other\">-</span>"), 1);
    free(html);
    char *md = render_again(DQ_DOCS_MARKDOWN, &r);
    ck_assert_ptr_nonnull(strstr(md, "| high | first\\_col |  | 7 |"));
    ck_assert_ptr_null(strstr(md, "second"));
    free(md);
    r.issues = stored;
    cJSON_Delete(issues);
    dq_result_free(&r);
}
END_TEST

START_TEST(error_run_gets_a_page_with_its_error)
{
    dq_result r;
    char *html = render_run("by_status/error/app_reviews_quality_20240319_060045_79296ca4.json",
                            DQ_DOCS_HTML, &r);
    ck_assert_ptr_nonnull(r.error);
    ck_assert_ptr_nonnull(strstr(html, "<section class=\"error-box\"><h2>Error</h2><pre>"));
    ck_assert_ptr_nonnull(strstr(html, "badge st-error"));
    ck_assert_ptr_nonnull(strstr(html, "N/A"));
    free(html);
    dq_result_free(&r);
    char *md = render_run("by_status/error/app_reviews_quality_20240319_060045_79296ca4.json",
                          DQ_DOCS_MARKDOWN, &r);
    ck_assert_ptr_nonnull(strstr(md, "## Error"));
    free(md);
    dq_result_free(&r);
}
END_TEST

START_TEST(json_run_page_is_the_result_without_validation_result)
{
    dq_result r;
    char *json =
        render_run("by_status/warning/customer_accounts_daily_20240307_184707_18bd0120.json",
                   DQ_DOCS_JSON, &r);
    cJSON *doc = cJSON_Parse(json);
    ck_assert_ptr_nonnull(doc);
    ck_assert_ptr_null(cJSON_GetObjectItem(doc, "validation_result"));
    ck_assert_str_eq(cJSON_GetObjectItem(doc, "run_id")->valuestring, r.run_id);
    ck_assert_ptr_nonnull(cJSON_GetObjectItem(doc, "validation_run"));
    ck_assert_ptr_nonnull(strstr(json, "\n  \"checkpoint_name\": \"customer_accounts_daily\",\n"));
    cJSON_Delete(doc);
    free(json);
    dq_result_free(&r);
}
END_TEST

START_TEST(no_details_run_says_where_its_counts_come_from)
{
    dq_result r;
    char *html =
        render_run("flat/customer_accounts_daily_20240326_231825_3ee39c66.json", DQ_DOCS_HTML, &r);
    ck_assert_int_eq(r.stats.origin, DQ_STATS_VALIDATION_RESULT);
    ck_assert_ptr_nonnull(strstr(html, "validation_result.statistics"));
    ck_assert_ptr_nonnull(strstr(html, "Total issues</div><div class=\"tile-value\">3<"));
    free(html);
    dq_result_free(&r);
}
END_TEST

START_TEST(non_ascii_names_render_as_text)
{
    dq_result r;
    char *html = render_run("by_status/warning/contrôle_fournisseurs_20240310_134042_8634f1ca.json",
                            DQ_DOCS_HTML, &r);
    ck_assert_ptr_nonnull(strstr(html, "<h1>contrôle_fournisseurs</h1>"));
    ck_assert_ptr_nonnull(strstr(html, "données/fournisseurs_été.csv"));
    /* Actions executed before the store action are listed. */
    ck_assert_ptr_nonnull(strstr(html, "slack_dq_alerts"));
    free(html);
    dq_result_free(&r);
}
END_TEST

/* ---- charts ------------------------------------------------------------------------- */

START_TEST(charts_draw_one_mark_per_run)
{
    dq_docs_run runs[5];
    const dq_docs_run *ptrs[5];
    memset(runs, 0, sizeof(runs));
    for (int i = 0; i < 5; i++) {
        runs[i].run_id = dq_asprintf("run_%d", i);
        runs[i].run_time = (dq_time)i * 3600 * 1000000;
        runs[i].status = i == 3 ? DQ_STATUS_ERROR : DQ_STATUS_WARNING;
        runs[i].stats.origin = i == 3 ? DQ_STATS_NONE : DQ_STATS_VALIDATION_RUN;
        runs[i].stats.total_issues = i == 3 ? 0 : i;
        runs[i].stats.low_issues = runs[i].stats.total_issues;
        runs[i].stats.pass_rate = 0.25 * i;
        ptrs[i] = &runs[i];
    }
    dq_docs_out o;
    docs_out_init(&o);
    docs_svg_pass_rate(&o, ptrs, 5);
    const char *svg = dq_buf_str(&o.buf);
    ck_assert_int_eq(count(svg, "<circle"), 5);
    /* The error run breaks the line in two. */
    ck_assert_int_eq(count(svg, "<polyline"), 2);
    docs_out_reset(&o);
    docs_svg_issues(&o, ptrs, 5);
    ck_assert_int_eq(count(dq_buf_str(&o.buf), "<g class=\"bar\">"), 5);
    ck_assert_int_eq(count(dq_buf_str(&o.buf), "class=\"sev-low\""), 3);
    docs_out_reset(&o);
    docs_svg_timeline(&o, ptrs, 5, "runs/", "html");
    ck_assert_int_eq(count(dq_buf_str(&o.buf), "<a href=\"runs/run_"), 5);
    ck_assert_int_eq(count(dq_buf_str(&o.buf), "class=\"st-error\""), 1);
    ck_assert_int_eq(o.code, DQ_OK);
    docs_out_free(&o);
    for (int i = 0; i < 5; i++)
        free(runs[i].run_id);
}
END_TEST

/* ---- the manifest ------------------------------------------------------------------- */

/* A manifest with no entry, then line. */
static void write_with_header(const char *path, const char *line)
{
    docs_manifest empty = {.fingerprint = "f", .format = DQ_DOCS_HTML, .page_size = 100};
    dq_error err = {0};
    ck_assert_int_eq(docs_manifest_write(path, &empty, &err), DQ_OK);
    FILE *f = fopen(path, "a");
    ck_assert_ptr_nonnull(f);
    fputs(line, f);
    fclose(f);
}

static docs_state *made_state(const char *relpath, const char *run_id, const char *error,
                              double duration)
{
    docs_state s = {.input = 3, .size = 123456789012LL, .mtime = -5, .page = true};
    s.run.run_time = 1709837227868231LL;
    s.run.status = DQ_STATUS_ERROR;
    s.run.duration_ms = duration;
    s.run.content_hash = 0xfedcba9876543210ULL;
    s.run.stats.origin = DQ_STATS_VALIDATION_RESULT;
    s.run.stats.total_issues = 7;
    s.run.stats.total_rows = 2435832;
    s.run.stats.pass_rate = 0.3333333333333333;
    s.run.stats.issue_rate = 4.105380838908381e-07;
    docs_state_text text = {.relpath = relpath,
                            .run_id = run_id,
                            .checkpoint = "contrôle/📱 \"x\"",
                            .run_time_text = "2024-03-07T18:47:07.868231",
                            .error = error};
    return docs_state_pack(&s, &text);
}

static void expect_same_state(const docs_state *a, const docs_state *b)
{
    ck_assert_str_eq(a->key, b->key);
    ck_assert_int_eq(a->size, b->size);
    ck_assert_int_eq(a->mtime, b->mtime);
    ck_assert_int_eq(a->page, b->page);
    ck_assert_str_eq(a->run.run_id, b->run.run_id);
    ck_assert_str_eq(a->run.checkpoint, b->run.checkpoint);
    ck_assert_ptr_null(b->run.data_asset);
    ck_assert_int_eq(a->run.run_time, b->run.run_time);
    ck_assert_int_eq(a->run.status, b->run.status);
    ck_assert(a->run.error ? strcmp(a->run.error, b->run.error) == 0 : b->run.error == NULL);
    ck_assert(memcmp(&a->run.duration_ms, &b->run.duration_ms, sizeof(double)) == 0 ||
              (isnan(a->run.duration_ms) && isnan(b->run.duration_ms)));
    ck_assert(a->run.content_hash == b->run.content_hash);
    ck_assert(memcmp(&a->run.stats, &b->run.stats, sizeof(dq_stats)) == 0);
}

/* A manifest line in another key order than the writer's: only the JSON parser reads it. */
static const char odd_manifest_line[] =
    "{\"path\": \"p\", \"input\": 0, \"size\": 1, \"mtime\": 2, \"page\": false, "
    "\"run_id\": \"r\", \"checkpoint\": \"c\", \"data_asset\": null, "
    "\"run_time\": \"t\", \"run_time_us\": 5, \"status\": \"success\", "
    "\"duration_ms\": 1, \"error\": null, \"content_hash\": \"00000000000000ff\", "
    "\"stats\": [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1.0, 0.0, 0.0]}\n";

START_TEST(manifest_lines_read_back_exactly)
{
    docs_manifest m = {
        .fingerprint = dq_strdup("0123"), .format = DQ_DOCS_MARKDOWN, .page_size = 7};
    ck_assert_int_eq(docs_manifest_add(&m, made_state("a/b.json", "r1", NULL, 12.5)), DQ_OK);
    ck_assert_int_eq(docs_manifest_add(&m, made_state("tab\t\"q\".json", "r\\2\n</script>",
                                                      "boom: é 📱\u2028", NAN)),
                     DQ_OK);
    ck_assert_int_eq(docs_manifest_add(&m, made_state("x.json", "r3", "", 1e300)), DQ_OK);
    char *dir = dqtest_tmpdir();
    char *path = dq_asprintf("%s/manifest.jsonl", dir);
    dq_error err = {0};
    ck_assert_msg(docs_manifest_write(path, &m, &err) == DQ_OK, "%s", err.msg);
    docs_manifest back;
    ck_assert_msg(docs_manifest_read(path, &back, &err) == DQ_OK, "%s", err.msg);
    ck_assert_int_eq(back.len, 3);
    ck_assert_int_eq(back.format, DQ_DOCS_MARKDOWN);
    ck_assert_int_eq(back.page_size, 7);
    for (size_t i = 0; i < 3; i++) {
        expect_same_state(m.states[i], back.states[i]);
        /* The fast reader and the JSON reader agree. */
        char *text = dqtest_read(path, NULL);
        const char *line = text + back.states[i]->line_at;
        dq_buf scratch;
        dq_buf_init(&scratch, 1 << 20);
        docs_state *fast = docs_manifest_fast_line(line, back.states[i]->line_len, &scratch);
        dq_buf_free(&scratch);
        free(text);
        ck_assert_ptr_nonnull(fast);
        expect_same_state(m.states[i], fast);
        docs_state_free(fast);
    }
    /* Written back, unchanged lines are copied and a changed one is written anew. */
    back.states[1]->page = false;
    ck_assert_msg(docs_manifest_write(path, &back, &err) == DQ_OK, "%s", err.msg);
    docs_manifest again;
    ck_assert_int_eq(docs_manifest_read(path, &again, &err), DQ_OK);
    ck_assert_int_eq(again.len, 3);
    ck_assert(!again.states[1]->page && again.states[0]->page && again.states[2]->page);
    expect_same_state(m.states[2], again.states[2]);
    docs_manifest_free(&again);
    back.states[1]->page = true;
    /* A line the fast reader does not know still reads, through the JSON parser. */
    const char *odd = odd_manifest_line;
    dq_buf scratch;
    dq_buf_init(&scratch, 1 << 20);
    ck_assert_ptr_null(docs_manifest_fast_line(odd, strlen(odd), &scratch));
    dq_buf_free(&scratch);
    char *odd_path = dq_asprintf("%s/odd.jsonl", dir);
    write_with_header(odd_path, odd);
    docs_manifest odd_m;
    ck_assert_msg(docs_manifest_read(odd_path, &odd_m, &err) == DQ_OK, "%s", err.msg);
    ck_assert_int_eq(odd_m.len, 1);
    ck_assert(odd_m.states[0]->run.content_hash == 0xff);
    docs_manifest_free(&odd_m);
    /* A damaged manifest is an error naming the file and line. */
    dqtest_write(dir, "bad.jsonl", "{\"dqbatch_docs_manifest\": 1}\n", 29);
    char *bad = dq_asprintf("%s/bad.jsonl", dir);
    ck_assert_int_eq(docs_manifest_read(bad, &odd_m, &err), DQ_EFORMAT);
    ck_assert_ptr_nonnull(strstr(err.msg, "bad.jsonl"));
    free(bad);
    free(odd_path);
    docs_manifest_free(&back);
    docs_manifest_free(&m);
    dqtest_rmrf(dir);
    free(dir);
    free(path);
}
END_TEST

/* Reads the manifest text with jobs 1 and 2; both must give the same states, or the same
 * error. */
static void expect_halves_agree(const char *dir, const char *text, size_t len, dq_code want)
{
    dqtest_write(dir, "halves.jsonl", text, len);
    char *path = dq_asprintf("%s/halves.jsonl", dir);
    docs_manifest one, two;
    dq_error err_one = {0}, err_two = {0};
    ck_assert_int_eq(docs_manifest_read_jobs(path, &one, 1, &err_one), want);
    ck_assert_int_eq(docs_manifest_read_jobs(path, &two, 2, &err_two), want);
    ck_assert_str_eq(err_one.msg, err_two.msg);
    ck_assert_int_eq(one.len, two.len);
    for (size_t i = 0; i < one.len; i++) {
        expect_same_state(one.states[i], two.states[i]);
        ck_assert_int_eq(one.states[i]->line_at, two.states[i]->line_at);
        ck_assert_int_eq(one.states[i]->line_len, two.states[i]->line_len);
    }
    docs_manifest_free(&one);
    docs_manifest_free(&two);
    free(path);
}

START_TEST(manifest_halves_read_as_one_pass)
{
    /* Large enough to be read by two threads. */
    docs_manifest m = {.fingerprint = dq_strdup("0123"), .format = DQ_DOCS_HTML, .page_size = 7};
    for (size_t i = 0; i < 4000; i++) {
        char relpath[32], run_id[32];
        snprintf(relpath, sizeof(relpath), "d/%zu.json", i);
        snprintf(run_id, sizeof(run_id), "run-%zu", i);
        ck_assert_int_eq(docs_manifest_add(&m, made_state(relpath, run_id, NULL, (double)i)),
                         DQ_OK);
    }
    char *dir = dqtest_tmpdir();
    char *path = dq_asprintf("%s/manifest.jsonl", dir);
    dq_error err = {0};
    ck_assert_msg(docs_manifest_write(path, &m, &err) == DQ_OK, "%s", err.msg);
    size_t len;
    char *text = dqtest_read(path, &len);
    expect_halves_agree(dir, text, len, DQ_OK);
    /* A line only the JSON parser reads, in the second half, and more lines after it;
     * then a damaged line at the end, named by its number. */
    const char *odd = odd_manifest_line;
    const char *body = strchr(text, '\n') + 1;
    char *longer = dq_asprintf("%s%s%s", text, odd, body);
    expect_halves_agree(dir, longer, strlen(longer), DQ_OK);
    char *damaged = dq_asprintf("%snot json\n", longer);
    expect_halves_agree(dir, damaged, strlen(damaged), DQ_EFORMAT);
    free(damaged);
    free(longer);
    free(text);
    docs_manifest_free(&m);
    dqtest_rmrf(dir);
    free(dir);
    free(path);
}
END_TEST

static Suite *docs_render_suite(void)
{
    Suite *s = suite_create("docs_render");
    TCase *tc = tcase_create("text");
    tcase_add_test(tc, html_escapes_markup_quotes_and_bad_bytes);
    tcase_add_test(tc, markdown_escapes_table_and_inline_syntax);
    tcase_add_test(tc, json_strings_are_ascii_and_script_safe);
    tcase_add_test(tc, doubles_read_as_python_repr);
    tcase_add_test(tc, json_trees_are_written_as_json_dumps);
    tcase_add_test(tc, values_in_cells_are_escaped_json);
    tcase_add_test(tc, counts_have_thousands_separators);
    tcase_add_test(tc, formatted_pieces_are_printfs_bytes);
    tcase_add_test(tc, fixed_decimals_are_printfs_bytes);
    tcase_add_test(tc, numbers_match_printf_over_many_values);
    tcase_add_test(tc, slugs_are_safe_unique_and_stable);
    suite_add_tcase(s, tc);
    tc = tcase_create("pages");
    tcase_add_test(tc, run_page_shows_every_issue_check_and_statistic);
    tcase_add_test(tc, issue_rows_take_the_first_member_of_a_name);
    tcase_add_test(tc, error_run_gets_a_page_with_its_error);
    tcase_add_test(tc, json_run_page_is_the_result_without_validation_result);
    tcase_add_test(tc, no_details_run_says_where_its_counts_come_from);
    tcase_add_test(tc, non_ascii_names_render_as_text);
    tcase_add_test(tc, charts_draw_one_mark_per_run);
    tcase_add_test(tc, manifest_lines_read_back_exactly);
    tcase_add_test(tc, manifest_halves_read_as_one_pass);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return dqtest_run(docs_render_suite());
}
