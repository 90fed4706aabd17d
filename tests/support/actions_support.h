/* Helpers for the config and actions tests: truthound's recorded payloads, results from
 * the fixture store, configs built from constructor keyword arguments, JSON comparison. */
#ifndef DQBATCH_TESTS_ACTIONS_SUPPORT_H
#define DQBATCH_TESTS_ACTIONS_SUPPORT_H

#include <cJSON.h>

#include "dqbatch/decode.h"

/* tests/fixtures/truthound/payloads/<name>, parsed (owned). */
cJSON *actions_test_payload(const char *name);
/* Decodes tests/fixtures/truthound/<store_file> into out, asserting success. */
void actions_test_result(const char *store_file, dq_result *out);
/* Parses config text (YAML or JSON) and returns its problems joined by newlines (owned;
 * "" when the config is good). */
char *actions_test_config_problems(const char *text);
/* Asserts that two trees are equal, naming the first differing path and both values. */
void actions_test_json_equal(const cJSON *want, const cJSON *got, const char *what);
/* Decoded base64 (owned, NUL-terminated); whitespace is skipped. */
char *actions_test_base64_decode(const char *text);

#endif
