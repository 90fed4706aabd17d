/* Helpers for the decode module's tests. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "decode_support.h"
#include "dqtest.h"

char *decode_test_store_file(const char *relpath, size_t *len)
{
    char *rel = dq_asprintf("truthound/store/%s", relpath);
    ck_assert_ptr_nonnull(rel);
    char *path = dqtest_fixture(rel);
    char *data = dqtest_read(path, len);
    ck_assert_msg(data != NULL, "cannot read %s", path);
    free(path);
    free(rel);
    return data;
}

unsigned char *decode_test_gzip(const void *data, size_t len, size_t *out_len)
{
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    ck_assert_int_eq(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&zs, (uLong)len) + 64;
    unsigned char *out = malloc(cap);
    ck_assert_ptr_nonnull(out);
    zs.next_in = (Bytef *)data;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    ck_assert_int_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
    *out_len = zs.total_out;
    deflateEnd(&zs);
    return out;
}

char *decode_test_plain(const void *data, size_t len, size_t *out_len)
{
    dq_buf buf;
    dq_buf_init(&buf, (size_t)1 << 30);
    dq_error err = {0};
    ck_assert_msg(dq_decode_inflate("plain", data, len, buf.max, &buf, &err) == DQ_OK, "%s",
                  err.msg);
    if (!dq_decode_is_gzip(data, len))
        ck_assert_int_eq(dq_buf_add(&buf, data, len), DQ_OK);
    *out_len = buf.len;
    return dq_buf_steal(&buf);
}

static dq_format decode_test_format(const char *name)
{
    dq_format format = DQ_FORMAT_JSON;
    ck_assert_msg(dq_decode_name_format(name, &format), "%s: not a result name", name);
    return format;
}

void decode_test_expect_error(const char *name, const void *data, size_t len, size_t max,
                              dq_code code, const char *reason)
{
    dq_decode_opts opts = {.max_bytes = max};
    dq_result r;
    dq_error err = {0};
    dq_code rc = dq_decode(name, data, len, decode_test_format(name), &opts, &r, &err);
    ck_assert_msg(rc == code, "%s: expected %s, got %s (%s)", name, dq_code_name(code),
                  dq_code_name(rc), err.msg);
    ck_assert_int_eq(err.code, code);
    ck_assert_msg(strstr(err.msg, name) != NULL, "message does not name the file: %s", err.msg);
    ck_assert_msg(strstr(err.msg, reason) != NULL, "message lacks \"%s\": %s", reason, err.msg);
    ck_assert_ptr_null(r.doc);
    ck_assert_ptr_null(r.run_id);
}

void decode_test_expect_ok(const char *name, const void *data, size_t len, dq_result *out)
{
    dq_error err = {0};
    dq_code rc = dq_decode(name, data, len, decode_test_format(name), NULL, out, &err);
    ck_assert_msg(rc == DQ_OK, "%s: %s (%s)", name, dq_code_name(rc), err.msg);
}

void decode_test_store_result(const char *relpath, dq_result *out)
{
    size_t len = 0;
    char *data = decode_test_store_file(relpath, &len);
    decode_test_expect_ok(relpath, data, len, out);
    free(data);
}

char *decode_test_nested(size_t depth, const char *inner)
{
    size_t inner_len = strlen(inner);
    char *text = malloc(2 * depth + inner_len + 1);
    ck_assert_ptr_nonnull(text);
    memset(text, '[', depth);
    memcpy(text + depth, inner, inner_len);
    memset(text + depth + inner_len, ']', depth);
    text[2 * depth + inner_len] = '\0';
    return text;
}

char *decode_test_replace(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    ck_assert_msg(at != NULL, "\"%s\" not found", from);
    char *out = dq_asprintf("%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
    ck_assert_ptr_nonnull(out);
    return out;
}
