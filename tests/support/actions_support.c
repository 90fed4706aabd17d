/* Helpers for the config and actions tests. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions_support.h"
#include "dqbatch/config.h"
#include "dqtest.h"

cJSON *actions_test_payload(const char *name)
{
    char *rel = dq_asprintf("truthound/payloads/%s", name);
    char *path = dqtest_fixture(rel);
    size_t len = 0;
    char *text = dqtest_read(path, &len);
    ck_assert_msg(text != NULL, "cannot read %s", path);
    cJSON *doc = cJSON_ParseWithLength(text, len);
    ck_assert_msg(doc != NULL, "%s is not JSON", path);
    free(text);
    free(path);
    free(rel);
    return doc;
}

void actions_test_result(const char *store_file, dq_result *out)
{
    char *rel = dq_asprintf("truthound/%s", store_file);
    char *path = dqtest_fixture(rel);
    size_t len = 0;
    char *bytes = dqtest_read(path, &len);
    ck_assert_msg(bytes != NULL, "cannot read %s", path);
    dq_format format;
    ck_assert(dq_decode_name_format(path, &format));
    dq_error err = {0};
    dq_decode_opts opts = {.max_bytes = DQ_DEFAULT_MAX_RESULT_BYTES};
    ck_assert_msg(dq_decode(path, bytes, len, format, &opts, out, &err) == DQ_OK, "%s", err.msg);
    free(bytes);
    free(path);
    free(rel);
}

char *actions_test_config_problems(const char *text)
{
    dq_config config;
    dq_strlist problems = {0};
    dq_error err = {0};
    dq_code rc = dq_config_parse("test.yaml", text, strlen(text), &config, &problems, &err);
    if (rc == DQ_OK)
        dq_config_free(&config);
    dq_buf b;
    dq_buf_init(&b, 1 << 20);
    for (size_t i = 0; i < problems.len; i++)
        dq_buf_printf(&b, "%s%s", i ? "\n" : "", problems.items[i]);
    if (rc != DQ_OK && problems.len == 0)
        dq_buf_adds(&b, err.msg);
    dq_strlist_free(&problems);
    return dq_buf_steal(&b);
}

static void json_diff(const cJSON *want, const cJSON *got, const char *path, const char *what)
{
    char *w = cJSON_PrintUnformatted(want);
    char *g = got ? cJSON_PrintUnformatted(got) : NULL;
    bool same = got && cJSON_Compare(want, got, true);
    if (!same && cJSON_IsNumber(want) && cJSON_IsNumber(got))
        same = fabs(want->valuedouble - got->valuedouble) <= 1e-9 * fabs(want->valuedouble);
    if (same) {
        free(w);
        free(g);
        return;
    }
    if (cJSON_IsObject(want) && cJSON_IsObject(got)) {
        const cJSON *c;
        cJSON_ArrayForEach(c, want)
        {
            char *sub = dq_asprintf("%s.%s", path, c->string);
            json_diff(c, cJSON_GetObjectItemCaseSensitive(got, c->string), sub, what);
            free(sub);
        }
        cJSON_ArrayForEach(c, got)
        {
            ck_assert_msg(cJSON_GetObjectItemCaseSensitive(want, c->string) != NULL,
                          "%s: unexpected key %s.%s", what, path, c->string);
        }
    } else if (cJSON_IsArray(want) && cJSON_IsArray(got) &&
               cJSON_GetArraySize(want) == cJSON_GetArraySize(got)) {
        for (int i = 0; i < cJSON_GetArraySize(want); i++) {
            char *sub = dq_asprintf("%s[%d]", path, i);
            json_diff(cJSON_GetArrayItem(want, i), cJSON_GetArrayItem(got, i), sub, what);
            free(sub);
        }
    } else {
        ck_abort_msg("%s: %s differs:\n want %s\n got  %s", what, path, w, g ? g : "(missing)");
    }
    free(w);
    free(g);
}

void actions_test_json_equal(const cJSON *want, const cJSON *got, const char *what)
{
    json_diff(want, got, "$", what);
}

char *actions_test_base64_decode(const char *text)
{
    static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(text);
    char *out = malloc(n + 1);
    ck_assert_ptr_nonnull(out);
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (const char *p = text; *p; p++) {
        const char *at = *p ? strchr(chars, *p) : NULL;
        if (!at)
            continue; /* whitespace and padding */
        acc = (acc << 6) | (unsigned)(at - chars);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)((acc >> bits) & 0xff);
        }
    }
    out[o] = '\0';
    return out;
}
