/* dq_json_parse against cJSON's own parser: on every JSON text both accept, the trees must
 * be the same node for node (types, keys, strings, doubles bit for bit, valueint, list
 * links), so that nothing built on cJSON's trees can tell the parsers apart. Where
 * json.loads is stricter than cJSON, dq_json_parse must refuse as json.loads does. */
#include <fts.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode_support.h"
#include "dqtest.h"

/* ---- comparing trees ---------------------------------------------------------------- */

static void expect_same_text(const char *ours, const char *theirs, const char *what,
                             const char *where)
{
    ck_assert_msg((ours == NULL) == (theirs == NULL), "%s: %s present in one tree only", where,
                  what);
    if (ours)
        ck_assert_msg(strcmp(ours, theirs) == 0, "%s: %s '%s' against cJSON's '%s'", where, what,
                      ours, theirs);
}

static void expect_same_number(const cJSON *ours, const cJSON *theirs, const char *where)
{
    if (isnan(theirs->valuedouble)) {
        ck_assert_msg(isnan(ours->valuedouble), "%s: NaN expected", where);
    } else {
        ck_assert_msg(memcmp(&ours->valuedouble, &theirs->valuedouble, sizeof(double)) == 0,
                      "%s: %.17g against cJSON's %.17g", where, ours->valuedouble,
                      theirs->valuedouble);
    }
    ck_assert_msg(ours->valueint == theirs->valueint, "%s: valueint %d against cJSON's %d", where,
                  ours->valueint, theirs->valueint);
}

static void expect_same_tree(const cJSON *ours, const cJSON *theirs, const char *where)
{
    ck_assert_msg(ours->type == theirs->type, "%s: type %d against cJSON's %d", where, ours->type,
                  theirs->type);
    expect_same_text(ours->string, theirs->string, "key", where);
    expect_same_text(ours->valuestring, theirs->valuestring, "string", where);
    if (cJSON_IsNumber(theirs))
        expect_same_number(ours, theirs, where);
    const cJSON *a = ours->child, *b = theirs->child, *last = NULL;
    for (; a && b; last = a, a = a->next, b = b->next) {
        if (a != ours->child)
            ck_assert_msg(a->prev == last, "%s: a broken prev link", where);
        expect_same_tree(a, b, where);
    }
    ck_assert_msg(!a && !b, "%s: %s children than cJSON", where, a ? "more" : "fewer");
    if (ours->child)
        ck_assert_msg(ours->child->prev == last, "%s: the first child's prev is not the last",
                      where);
}

/* Parses text both ways; both must accept it and give the same tree. */
static void expect_same_parse(const char *text, size_t len, const char *where)
{
    dq_error err = {0};
    cJSON *ours = dq_json_parse(text, len, &err, where);
    ck_assert_msg(ours != NULL, "%s: refused: %s", where, err.msg);
    cJSON *theirs = cJSON_ParseWithLength(text, len);
    ck_assert_msg(theirs != NULL, "%s: cJSON refuses it", where);
    expect_same_tree(ours, theirs, where);
    cJSON_Delete(ours);
    cJSON_Delete(theirs);
}

/* ---- every JSON fixture ------------------------------------------------------------- */

static bool is_json_name(const char *name)
{
    size_t n = strlen(name);
    return (n > 5 && strcmp(name + n - 5, ".json") == 0) ||
           (n > 8 && strcmp(name + n - 8, ".json.gz") == 0);
}

static size_t compare_fixture(const char *path)
{
    size_t len = 0, plain_len = 0;
    char *data = dqtest_read(path, &len);
    ck_assert_msg(data != NULL, "%s: unreadable", path);
    char *plain = decode_test_plain(data, len, &plain_len);
    /* Some fixtures are broken on purpose; only what cJSON reads is compared. */
    cJSON *theirs = cJSON_ParseWithLength(plain, plain_len);
    size_t compared = 0;
    if (theirs) {
        expect_same_parse(plain, plain_len, path);
        compared = 1;
    }
    cJSON_Delete(theirs);
    free(plain);
    free(data);
    return compared;
}

START_TEST(every_fixture_parses_as_cjson_parses_it)
{
    char *root = dqtest_fixture("truthound");
    char *paths[] = {root, NULL};
    FTS *fts = fts_open(paths, FTS_PHYSICAL | FTS_NOCHDIR, NULL);
    ck_assert_ptr_nonnull(fts);
    size_t compared = 0;
    FTSENT *e;
    while ((e = fts_read(fts)) != NULL) {
        if (e->fts_info == FTS_F && is_json_name(e->fts_name))
            compared += compare_fixture(e->fts_path);
    }
    fts_close(fts);
    free(root);
    ck_assert_msg(compared >= 50, "only %zu JSON fixtures found", compared);
}
END_TEST

/* ---- generated documents ------------------------------------------------------------ */

static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static unsigned pick(uint64_t *state, unsigned n)
{
    return (unsigned)(next_random(state) % n);
}

static void gen_space(dq_buf *b, uint64_t *state)
{
    static const char *spaces[] = {"", "", " ", "\n  ", "\t", "\r\n", "\n        "};
    dq_buf_adds(b, spaces[pick(state, 7)]);
}

static void gen_digits(dq_buf *b, uint64_t *state, unsigned n, bool first_nonzero)
{
    for (unsigned i = 0; i < n; i++)
        dq_buf_addc(b,
                    (char)('0' + (i == 0 && first_nonzero ? 1 + pick(state, 9) : pick(state, 10))));
}

/* Numbers in every form the grammar has, below cJSON's 63-byte number buffer. */
static void gen_number(dq_buf *b, uint64_t *state)
{
    if (pick(state, 2))
        dq_buf_addc(b, '-');
    if (pick(state, 5) == 0)
        dq_buf_addc(b, '0');
    else
        gen_digits(b, state, 1 + pick(state, pick(state, 4) ? 6 : 24), true);
    if (pick(state, 2)) {
        dq_buf_addc(b, '.');
        gen_digits(b, state, 1 + pick(state, pick(state, 3) ? 4 : 20), false);
    }
    if (pick(state, 4) == 0) {
        static const char *marks[] = {"e", "E", "e+", "e-", "E-"};
        dq_buf_adds(b, marks[pick(state, 5)]);
        gen_digits(b, state, 1 + pick(state, 3), false);
    }
}

static void gen_string(dq_buf *b, uint64_t *state)
{
    static const char *pieces[] = {
        "a",
        "plain text",
        " ",
        "\\\"",
        "\\\\",
        "\\/",
        "\\b",
        "\\f",
        "\\n",
        "\\r",
        "\\t",
        "\\u00e9",
        "\\u0041",
        "\\u20AC",
        "\\ud83d\\ude00",
        "\\uD834\\uDD1E",
        "caf\xc3\xa9",
        "\xe6\x97\xa5",
        "\xf0\x9f\x98\x80",
        "<script>",
        "'",
        "\\u007f",
    };
    size_t n = sizeof pieces / sizeof pieces[0];
    dq_buf_addc(b, '"');
    for (unsigned i = pick(state, 6); i > 0; i--)
        dq_buf_adds(b, pieces[pick(state, (unsigned)n)]);
    dq_buf_addc(b, '"');
}

static void gen_value(dq_buf *b, uint64_t *state, int depth);

static void gen_container(dq_buf *b, uint64_t *state, int depth, bool object)
{
    dq_buf_addc(b, object ? '{' : '[');
    unsigned n = pick(state, 6);
    for (unsigned i = 0; i < n; i++) {
        gen_space(b, state);
        if (object) {
            gen_string(b, state);
            gen_space(b, state);
            dq_buf_addc(b, ':');
            gen_space(b, state);
        }
        gen_value(b, state, depth + 1);
        gen_space(b, state);
        if (i + 1 < n)
            dq_buf_addc(b, ',');
    }
    gen_space(b, state);
    dq_buf_addc(b, object ? '}' : ']');
}

static void gen_value(dq_buf *b, uint64_t *state, int depth)
{
    static const char *words[] = {"true", "false", "null"};
    unsigned kind = pick(state, depth < 6 ? 6 : 3);
    if (kind == 0)
        gen_number(b, state);
    else if (kind == 1)
        gen_string(b, state);
    else if (kind == 2)
        dq_buf_adds(b, words[pick(state, 3)]);
    else
        gen_container(b, state, depth, kind % 2 == 0);
}

START_TEST(generated_documents_parse_as_cjson_parses_them)
{
    uint64_t state = 20241126;
    dq_buf b;
    dq_buf_init(&b, 1 << 24);
    for (int i = 0; i < 3000; i++) {
        dq_buf_reset(&b);
        gen_space(&b, &state);
        gen_container(&b, &state, 0, pick(&state, 2));
        gen_space(&b, &state);
        char where[64];
        snprintf(where, sizeof where, "generated document %d", i);
        expect_same_parse(b.data, b.len, where);
    }
    dq_buf_free(&b);
}
END_TEST

/* The fast path for short decimals must round as strtod does, number by number. */
START_TEST(numbers_read_as_strtod_reads_them)
{
    uint64_t state = 53;
    dq_buf b;
    dq_buf_init(&b, 1 << 24);
    size_t starts[1000];
    for (int round = 0; round < 500; round++) {
        dq_buf_reset(&b);
        dq_buf_addc(&b, '[');
        for (int i = 0; i < 1000; i++) {
            if (i)
                dq_buf_addc(&b, ',');
            starts[i] = b.len;
            gen_number(&b, &state);
        }
        dq_buf_addc(&b, ']');
        dq_error err = {0};
        cJSON *doc = dq_json_parse(b.data, b.len, &err, "numbers");
        ck_assert_msg(doc != NULL, "numbers refused: %s", err.msg);
        const cJSON *item = doc->child;
        for (int i = 0; i < 1000; i++, item = item->next) {
            double expected = strtod(b.data + starts[i], NULL);
            ck_assert_msg(memcmp(&item->valuedouble, &expected, sizeof(double)) == 0,
                          "%.40s: %.17g, strtod says %.17g", b.data + starts[i], item->valuedouble,
                          expected);
        }
        cJSON_Delete(doc);
    }
    dq_buf_free(&b);
}
END_TEST

START_TEST(hard_numbers_read_as_strtod_reads_them)
{
    const char *numbers[] = {
        "9007199254740992",
        "9007199254740993",
        "9007199254740994.5",
        "1e22",
        "1e23",
        "123456789012345678e-5",
        "0.1",
        "0.30000000000000004",
        "2.2250738585072011e-308",
        "4.9e-324",
        "1e-400",
        "1e400",
        "-0",
        "-0.0e5",
        "1234567890123456789",
        "12345678901234567890",
        "0.000000000000000000000000001",
        "1.7976931348623157e308",
        "1e0000000000022",
        "3.14159265358979323846264338327950288419716939937510",
    };
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
        dq_error err = {0};
        cJSON *doc = dq_json_parse(numbers[i], strlen(numbers[i]), &err, numbers[i]);
        ck_assert_msg(doc != NULL, "%s refused: %s", numbers[i], err.msg);
        double expected = strtod(numbers[i], NULL);
        ck_assert_msg(memcmp(&doc->valuedouble, &expected, sizeof(double)) == 0,
                      "%s: %.17g, strtod says %.17g", numbers[i], doc->valuedouble, expected);
        cJSON_Delete(doc);
    }
}
END_TEST

/* ---- what json.loads refuses -------------------------------------------------------- */

static void expect_refused(const char *text, const char *reason)
{
    dq_error err = {0};
    cJSON *doc = dq_json_parse(text, strlen(text), &err, "strict.json");
    ck_assert_msg(doc == NULL, "'%s' was accepted", text);
    ck_assert_int_eq(err.code, DQ_EFORMAT);
    ck_assert_msg(strstr(err.msg, "strict.json") && strstr(err.msg, reason),
                  "'%s': '%s' does not say '%s'", text, err.msg, reason);
}

START_TEST(what_json_loads_refuses)
{
    /* cJSON reads all of these; Python's json.loads reads none. */
    expect_refused("[01]", "invalid JSON at byte 2");
    expect_refused("[1.]", "invalid JSON at byte 3");
    expect_refused("[.5]", "invalid JSON at byte 1");
    expect_refused("[+1]", "invalid JSON at byte 1");
    expect_refused("[1e]", "invalid JSON at byte 3");
    expect_refused("[-]", "invalid JSON at byte 2");
    expect_refused("[1,]", "invalid JSON at byte 3");
    expect_refused("{\"a\": 1,}", "invalid JSON at byte 8");
    expect_refused("\x0b[1]", "invalid JSON at byte 0");
    expect_refused("[1]\x0c", "invalid JSON at byte 3");
    expect_refused("[\"a\tb\"]", "control character inside a string at byte 3");
    expect_refused("[\"a\nb\"]", "control character inside a string at byte 3");
    expect_refused("[\"\\x\"]", "invalid JSON at byte 2");
    expect_refused("[\"\\u12G4\"]", "invalid \\u escape");
    expect_refused("[\"\\ud800\\u0041\"]", "lone surrogate");
    expect_refused("[\"\\udc00\"]", "lone surrogate");
    /* And what neither reads. */
    expect_refused("[1 2]", "invalid JSON at byte 3");
    expect_refused("{\"a\" 1}", "invalid JSON at byte 5");
    expect_refused("{1: 2}", "invalid JSON at byte 1");
    expect_refused("{NaN: 2}", "NaN where an object key must be");
    expect_refused("[nul]", "invalid JSON at byte 1");
    expect_refused("[Infinit]", "invalid JSON at byte 1");
    expect_refused("[-Inf]", "invalid JSON at byte 2");
    expect_refused("  ", "invalid JSON at byte 2");
    expect_refused("[] []", "invalid JSON at byte 3");
}
END_TEST

START_TEST(truncation_is_named)
{
    expect_refused("[tru", "the text ends at byte 4 inside an array or object");
    expect_refused("{\"a\": -", "the text ends at byte 7 inside an array or object");
    expect_refused("[1.5e", "inside an array or object");
    expect_refused("[\"ab", "the text ends at byte 4 inside a string");
    expect_refused("[\"ab\\", "inside a string");
    expect_refused("[\"\\u00", "inside a string");
    expect_refused("{\"key", "inside a string");
    expect_refused("{\"key\"", "inside an array or object");
    expect_refused("[[[", "inside an array or object");
    /* At the top level nothing is open: the text is simply not JSON. */
    expect_refused("tru", "invalid JSON at byte 3");
}
END_TEST

START_TEST(python_specials_read)
{
    const char *text = "[NaN, Infinity, -Infinity, {\"NaN\": NaN}, \"NaN\"]";
    dq_error err = {0};
    cJSON *doc = dq_json_parse(text, strlen(text), &err, "specials.json");
    ck_assert_msg(doc != NULL, "%s", err.msg);
    const cJSON *item = doc->child;
    ck_assert(cJSON_IsNumber(item) && isnan(item->valuedouble) && item->valueint == 0);
    item = item->next;
    ck_assert(item->valuedouble == INFINITY && item->valueint == INT_MAX);
    item = item->next;
    ck_assert(item->valuedouble == -INFINITY && item->valueint == INT_MIN);
    item = item->next;
    ck_assert(isnan(cJSON_GetObjectItem(item, "NaN")->valuedouble));
    ck_assert_str_eq(item->next->valuestring, "NaN");
    cJSON_Delete(doc);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("decode_json");
    TCase *tc = tcase_create("json");
    tcase_add_test(tc, every_fixture_parses_as_cjson_parses_it);
    tcase_add_test(tc, generated_documents_parse_as_cjson_parses_them);
    tcase_add_test(tc, numbers_read_as_strtod_reads_them);
    tcase_add_test(tc, hard_numbers_read_as_strtod_reads_them);
    tcase_add_test(tc, what_json_loads_refuses);
    tcase_add_test(tc, truncation_is_named);
    tcase_add_test(tc, python_specials_read);
    suite_add_tcase(s, tc);
    return dqtest_run(s);
}
