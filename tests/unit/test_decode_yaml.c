/* YAML as PyYAML's safe_load reads it: scalar resolution (the expected values were
 * checked against PyYAML 6.0), anchors and aliases, tags, and the bounds. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "decode_support.h"
#include "dqtest.h"

static cJSON *parse_ok(const char *text)
{
    dq_error err = {0};
    cJSON *doc = dq_yaml_parse(text, strlen(text), 100000, &err, "t.yaml");
    ck_assert_msg(doc != NULL, "%.80s: %s", text, err.msg);
    return doc;
}

static void parse_fails(const char *text, size_t max_nodes, dq_code code, const char *reason)
{
    dq_error err = {0};
    cJSON *doc = dq_yaml_parse(text, strlen(text), max_nodes, &err, "bad/t.yaml");
    ck_assert_msg(doc == NULL, "parsed: %.80s", text);
    ck_assert_msg(err.code == code, "%.80s: %s", text, err.msg);
    ck_assert_msg(strstr(err.msg, "bad/t.yaml") && strstr(err.msg, reason), "%.80s: %s", text,
                  err.msg);
}

/* The value of "v: <scalar>". */
static cJSON *scalar(const char *yaml_scalar)
{
    char *text = dq_asprintf("v: %s\n", yaml_scalar);
    cJSON *doc = parse_ok(text);
    free(text);
    return doc;
}

static void expect_string(const char *in, const char *want)
{
    cJSON *doc = scalar(in);
    const cJSON *v = cJSON_GetObjectItem(doc, "v");
    ck_assert_msg(cJSON_IsString(v), "%s is not a string", in);
    ck_assert_str_eq(v->valuestring, want);
    cJSON_Delete(doc);
}

static void expect_number(const char *in, double want)
{
    cJSON *doc = scalar(in);
    const cJSON *v = cJSON_GetObjectItem(doc, "v");
    ck_assert_msg(cJSON_IsNumber(v), "%s is not a number", in);
    if (isnan(want))
        ck_assert_msg(isnan(v->valuedouble), "%s is %g", in, v->valuedouble);
    else
        ck_assert_msg(v->valuedouble == want && !signbit(v->valuedouble) == !signbit(want),
                      "%s is %.17g, want %.17g", in, v->valuedouble, want);
    cJSON_Delete(doc);
}

static void expect_type(const char *in, int type)
{
    cJSON *doc = scalar(in);
    const cJSON *v = cJSON_GetObjectItem(doc, "v");
    ck_assert_msg(v && (v->type & 0xFF) == type, "%s has type %d, want %d", in, v ? v->type : -1,
                  type);
    cJSON_Delete(doc);
}

START_TEST(null_and_bool)
{
    const char *nulls[] = {"~", "null", "Null", "NULL", ""};
    for (size_t i = 0; i < 5; i++)
        expect_type(nulls[i], cJSON_NULL);
    const char *trues[] = {"yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"};
    for (size_t i = 0; i < 9; i++)
        expect_type(trues[i], cJSON_True);
    const char *falses[] = {"no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"};
    for (size_t i = 0; i < 9; i++)
        expect_type(falses[i], cJSON_False);
    const char *strings[] = {"y", "n", "tRue", "nULL", "'null'", "\"yes\"", "'~'"};
    const char *values[] = {"y", "n", "tRue", "nULL", "null", "yes", "~"};
    for (size_t i = 0; i < 7; i++)
        expect_string(strings[i], values[i]);
}
END_TEST

START_TEST(integers)
{
    expect_number("0", 0);
    expect_number("-0", 0);
    expect_number("12", 12);
    expect_number("-12", -12);
    expect_number("+12", 12);
    expect_number("1_000", 1000);
    expect_number("1__2", 12);
    expect_number("0x1F", 31);
    expect_number("0x_1", 1);
    expect_number("0b101", 5);
    expect_number("0b1_0", 2);
    expect_number("017", 15); /* YAML 1.1 octal */
    expect_number("00", 0);
    expect_number("0_7", 7);
    expect_number("1:30", 90);
    expect_number("1:05", 65);
    expect_number("-1:30", -90);
    expect_number("190:20:30", 685230);
    expect_number("1152921504606846976", 1152921504606846976.0);
    expect_number("123456789012345678901", 123456789012345678901.0);
    /* Not ints for PyYAML. */
    const char *strings[] = {"0o17", "09", "08", "0b", "0x", "1:60", "12e3", "1e5", "'12'"};
    const char *values[] = {"0o17", "09", "08", "0b", "0x", "1:60", "12e3", "1e5", "12"};
    for (size_t i = 0; i < 9; i++)
        expect_string(strings[i], values[i]);
}
END_TEST

START_TEST(floats)
{
    expect_number("1.5", 1.5);
    expect_number("-1.5", -1.5);
    expect_number("1.", 1.0);
    expect_number("0.", 0.0);
    expect_number(".5", 0.5);
    expect_number("+0.0", 0.0);
    expect_number("1.0e+5", 100000.0);
    expect_number("1.5e-3", 0.0015);
    expect_number("1_0.5", 10.5);
    expect_number("1:30.5", 90.5);
    expect_number("1:2:3.5", 3723.5);
    expect_number("1.9889999999999999", 1.9889999999999999);
    expect_number("4.105380838908381e-07", 4.105380838908381e-07);
    expect_number(".inf", INFINITY);
    expect_number("+.INF", INFINITY);
    expect_number("-.Inf", -INFINITY);
    expect_number(".nan", NAN);
    expect_number(".NaN", NAN);
    const char *strings[] = {"-.5", "1.0e5", "-.nan", ".in", "1.5.2", "'1.5'"};
    const char *values[] = {"-.5", "1.0e5", "-.nan", ".in", "1.5.2", "1.5"};
    for (size_t i = 0; i < 6; i++)
        expect_string(strings[i], values[i]);
}
END_TEST

START_TEST(explicit_tags)
{
    expect_string("!!str 12", "12");
    expect_string("!!str yes", "yes");
    expect_string("! 12", "12");
    expect_number("!!int '12'", 12);
    expect_number("!!int 0x10", 16);
    expect_number("!!float '1'", 1.0);
    expect_number("!!float 1e5", 100000.0);
    expect_number("!!float .inf", INFINITY);
    expect_type("!!bool 'yes'", cJSON_True);
    expect_type("!!null 'x'", cJSON_NULL);
    expect_string("!!timestamp 2024-03-07", "2024-03-07");
    parse_fails("v: !!python/object:os.system ls\n", 1000, DQ_EFORMAT,
                "tag:yaml.org,2002:python/object:os.system");
    parse_fails("v: !!python/object/apply:os.system [ls]\n", 1000, DQ_EFORMAT, "python/object");
    parse_fails("v: !custom x\n", 1000, DQ_EFORMAT, "!custom");
    parse_fails("v: !!int abc\n", 1000, DQ_EFORMAT, "abc");
    parse_fails("v: !!bool maybe\n", 1000, DQ_EFORMAT, "maybe");
    parse_fails("v: !!set {a}\n", 1000, DQ_EFORMAT, "set");
    parse_fails("v: !!binary aGk=\n", 1000, DQ_EFORMAT, "binary");
}
END_TEST

START_TEST(escapes_and_unicode)
{
    expect_string("\"contr\\xF4le_fournisseurs\"", "contr\xc3\xb4le_fournisseurs");
    expect_string("\"app_\\U0001F4F1\"", "app_\xf0\x9f\x93\xb1");
    expect_string("'it''s'", "it's");
    expect_string("caf\xc3\xa9", "caf\xc3\xa9");
}
END_TEST

START_TEST(anchors_and_aliases)
{
    cJSON *doc = parse_ok("a: &id001\n- 1\n- x\nb: *id001\nc: &s text\nd: *s\n"
                          "e: &m {k: [1, 2]}\nf: [*m, *m]\n*s : key from alias\n");
    cJSON *want = cJSON_Parse("{\"a\": [1, \"x\"], \"b\": [1, \"x\"], \"c\": \"text\","
                              " \"d\": \"text\", \"e\": {\"k\": [1, 2]},"
                              " \"f\": [{\"k\": [1, 2]}, {\"k\": [1, 2]}],"
                              " \"text\": \"key from alias\"}");
    ck_assert_ptr_nonnull(want);
    ck_assert_msg(cJSON_Compare(doc, want, true), "%s", cJSON_PrintUnformatted(doc));
    cJSON_Delete(want);
    cJSON_Delete(doc);
    parse_fails("a: *nowhere\n", 1000, DQ_EFORMAT, "*nowhere");
    parse_fails("a: &x [1, *x]\n", 1000, DQ_EFORMAT, "*x"); /* recursive */
    parse_fails("a: &x 1\nb: &x 2\n", 1000, DQ_EFORMAT, "&x defined twice");
    parse_fails("a: &x [1]\n*x : 2\n", 1000, DQ_EFORMAT, "not a string");
}
END_TEST

/* Keys as json.dumps writes the keys safe_load makes (checked with PyYAML 6.0), anchors
 * on keys included. */
START_TEST(keys)
{
    cJSON *doc = parse_ok("&k key: *k\n12: a\n0x1F: b\nyes: c\n~: d\n1.5: f\n"
                          "z: !!int 31:30017\n");
    cJSON *want = cJSON_Parse("{\"key\": \"key\", \"12\": \"a\", \"31\": \"b\", \"true\": \"c\","
                              " \"null\": \"d\", \"1.5\": \"f\", \"z\": 31877}");
    ck_assert_ptr_nonnull(want);
    ck_assert_msg(cJSON_Compare(doc, want, true), "%s", cJSON_PrintUnformatted(doc));
    cJSON_Delete(want);
    cJSON_Delete(doc);
    parse_fails("v: !!int 0x\n", 1000, DQ_EFORMAT, "0x");
    parse_fails("v: !!int 08\n", 1000, DQ_EFORMAT, "08");
    parse_fails("&k a: 1\n&k b: 2\n", 1000, DQ_EFORMAT, "&k defined twice");
}
END_TEST

/* Merge keys as PyYAML's SafeConstructor applies them (the expected tree is what
 * json.dumps(yaml.safe_load(...)) printed), with no duplicate keys left in the tree. */
START_TEST(merge_keys)
{
    cJSON *doc = parse_ok("base: &b {a: 1, b: 2}\nother: &o {b: 3, c: 4}\n"
                          "x:\n  <<: *b\n  a: 10\n"
                          "y:\n  <<: [*b, *o]\n"
                          "z:\n  a: 5\n  <<: *b\n"
                          "w:\n  <<: *b\n  <<: *o\n"
                          "q: {'<<': 1}\n"
                          "v: {<<: {k: [1]}, k2: 2}\n");
    cJSON *want =
        cJSON_Parse("{\"base\": {\"a\": 1, \"b\": 2}, \"other\": {\"b\": 3, \"c\": 4},"
                    " \"x\": {\"a\": 10, \"b\": 2}, \"y\": {\"b\": 2, \"c\": 4, \"a\": 1},"
                    " \"z\": {\"a\": 5, \"b\": 2}, \"w\": {\"a\": 1, \"b\": 3, \"c\": 4},"
                    " \"q\": {\"<<\": 1}, \"v\": {\"k\": [1], \"k2\": 2}}");
    ck_assert_ptr_nonnull(want);
    ck_assert_msg(cJSON_Compare(doc, want, true), "%s", cJSON_PrintUnformatted(doc));
    /* No duplicates: cJSON's first-match lookup sees Python's values too. */
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "x")), 2);
    ck_assert_int_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "x"), "a")->valueint, 10);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "w")), 3);
    cJSON_Delete(want);
    cJSON_Delete(doc);
    /* Anchors inside what a merge replaces stay valid. */
    doc = parse_ok("x: {<<: &m {a: 1}, a: &z 2, a: 3}\ny: *m\nz: *z\n");
    want = cJSON_Parse("{\"x\": {\"a\": 3}, \"y\": {\"a\": 1}, \"z\": 2}");
    ck_assert_msg(cJSON_Compare(doc, want, true), "%s", cJSON_PrintUnformatted(doc));
    cJSON_Delete(want);
    cJSON_Delete(doc);
    doc = parse_ok("x: {<<: [&i {a: 1}, {b: 2}]}\ny: *i\n");
    want = cJSON_Parse("{\"x\": {\"b\": 2, \"a\": 1}, \"y\": {\"a\": 1}}");
    ck_assert_msg(cJSON_Compare(doc, want, true), "%s", cJSON_PrintUnformatted(doc));
    cJSON_Delete(want);
    cJSON_Delete(doc);
    parse_fails("a: {<<: 1}\n", 1000, DQ_EFORMAT, "merge key << takes a mapping");
    parse_fails("a: {<<: [{k: 1}, 2]}\n", 1000, DQ_EFORMAT, "merge key");
}
END_TEST

/* Nine levels of ten aliases each: a billion nodes if expanded. */
START_TEST(billion_laughs)
{
    const char *bomb = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
                       "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                       "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                       "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                       "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
                       "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
                       "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
                       "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
                       "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n";
    parse_fails(bomb, 100000, DQ_ETOOBIG, "more than 100000 nodes");
    /* Through dq_decode, with the cap it derives from the file's size. */
    decode_test_expect_error("bad/laughs.yaml", bomb, strlen(bomb), 0, DQ_ETOOBIG, "nodes");
}
END_TEST

START_TEST(nesting_and_structure)
{
    char *deep = decode_test_nested(CJSON_NESTING_LIMIT + 1, "1");
    parse_fails(deep, 1 << 20, DQ_EFORMAT, "nested deeper than 1000 levels");
    free(deep);
    char *limit = decode_test_nested(CJSON_NESTING_LIMIT, "1");
    cJSON_Delete(parse_ok(limit));
    free(limit);
    /* An alias may not carry a tree past the limit either: 999 levels under a mapping
     * are fine where anchored, one too many once copied into a sequence. */
    char *inner = decode_test_nested(CJSON_NESTING_LIMIT - 1, "1");
    char *text = dq_asprintf("a: &x %s\nb: [*x]\n", inner);
    parse_fails(text, 1 << 20, DQ_EFORMAT, "alias *x");
    free(text);
    free(inner);
    parse_fails("a: 1\n---\nb: 2\n", 1000, DQ_EFORMAT, "more than one YAML document");
    parse_fails("? [a, b]\n: 1\n", 1000, DQ_EFORMAT, "key that is not a scalar");
    parse_fails("a: [1, 2\n", 1000, DQ_EFORMAT, "YAML error");
    parse_fails("a: b: c\n", 1000, DQ_EFORMAT, "line 1");
    cJSON *empty = parse_ok("# only a comment\n");
    ck_assert(cJSON_IsNull(empty));
    cJSON_Delete(empty);
}
END_TEST

/* A PyYAML result file decodes to the tree of its JSON twin: the same document written by
 * json.dumps. The twin is made here by printing the YAML's tree and re-reading it. */
START_TEST(fixture_yaml_results)
{
    const char *paths[] = {
        "by_date/2024/03/18/card_transactions_critical_20240318_094800_0b5808ed.yaml",
        "flat/shipments_hourly_20240309_131129_a89ba261.yaml",
        "flat/contr\xc3\xb4le_fournisseurs_20240402_230600_681e3163.yaml",
        "by_checkpoint/card_transactions_critical/"
        "card_transactions_critical_20240322_004413_a5eefea0.yaml.gz",
    };
    for (size_t i = 0; i < 4; i++) {
        size_t len = 0;
        char *bytes = decode_test_store_file(paths[i], &len);
        ck_assert(!dq_decode_is_gzip(bytes, len)); /* truthound writes .yaml.gz plain */
        dq_result r;
        decode_test_expect_ok(paths[i], bytes, len, &r);
        char *printed = cJSON_PrintUnformatted(r.doc);
        ck_assert_ptr_nonnull(printed);
        dq_result twin;
        decode_test_expect_ok("twin.json", printed, strlen(printed), &twin);
        ck_assert(cJSON_Compare(r.doc, twin.doc, true));
        ck_assert(memcmp(&r.stats, &twin.stats, sizeof(r.stats)) == 0);
        dq_result_free(&twin);
        cJSON_free(printed);
        dq_result_free(&r);
        free(bytes);
    }
}
END_TEST

int main(void)
{
    Suite *suite = suite_create("decode_yaml");
    TCase *tc = tcase_create("yaml");
    tcase_add_test(tc, null_and_bool);
    tcase_add_test(tc, integers);
    tcase_add_test(tc, floats);
    tcase_add_test(tc, explicit_tags);
    tcase_add_test(tc, escapes_and_unicode);
    tcase_add_test(tc, anchors_and_aliases);
    tcase_add_test(tc, keys);
    tcase_add_test(tc, merge_keys);
    tcase_add_test(tc, billion_laughs);
    tcase_add_test(tc, nesting_and_structure);
    tcase_add_test(tc, fixture_yaml_results);
    suite_add_tcase(suite, tc);
    return dqtest_run(suite);
}
