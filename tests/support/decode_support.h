/* Helpers for the decode module's tests: fixture bytes, gzip, and error expectations. */
#ifndef DQBATCH_TESTS_DECODE_SUPPORT_H
#define DQBATCH_TESTS_DECODE_SUPPORT_H

#include "dqbatch/decode.h"

/* The bytes of tests/fixtures/truthound/store/<relpath> (owned, NUL-terminated). */
char *decode_test_store_file(const char *relpath, size_t *len);

/* data as one gzip member at level 9 (owned). */
unsigned char *decode_test_gzip(const void *data, size_t len, size_t *out_len);

/* Inflated bytes when data is gzip, else a copy (owned, NUL-terminated). */
char *decode_test_plain(const void *data, size_t len, size_t *out_len);

/* Decodes data named name and asserts it fails with code, with a message that names the
 * file and contains reason. max 0 means the default cap. */
void decode_test_expect_error(const char *name, const void *data, size_t len, size_t max,
                              dq_code code, const char *reason);

/* Decodes data named name (format from the name), asserting success. */
void decode_test_expect_ok(const char *name, const void *data, size_t len, dq_result *out);

/* Decodes tests/fixtures/truthound/store/<relpath>, named relpath, asserting success. */
void decode_test_store_result(const char *relpath, dq_result *out);

/* inner inside depth pairs of brackets: "[[[inner]]]" (owned). */
char *decode_test_nested(size_t depth, const char *inner);

/* Replaces the first occurrence of from in text with to (owned result); asserts it is
 * there. */
char *decode_test_replace(const char *text, const char *from, const char *to);

#endif
