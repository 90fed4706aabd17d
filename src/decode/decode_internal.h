/* Shared by the files of the decode module only. */
#ifndef DQBATCH_DECODE_INTERNAL_H
#define DQBATCH_DECODE_INTERNAL_H

#include "dqbatch/decode.h"

/* The deepest nesting accepted, for YAML as for JSON, so both formats fail alike. */
#define DQ_DECODE_NESTING_LIMIT CJSON_NESTING_LIMIT

/* What both parsers ask of a stored document before parsing it: not empty, valid UTF-8
 * (json.c). An error names the file. */
dq_code dq_decode_text_check(const char *text, size_t len, const char *name, dq_error *err);

/* Fills the summary fields, statistics and views of r from r->doc (result.c). */
dq_code dq_result_fill(const char *name, dq_result *r, dq_error *err);

/* Statistics and issue/check views with the precedence of spec 1.11 (stats.c). */
dq_code dq_result_fill_stats(const char *name, dq_result *r, dq_error *err);

/* A JSON number as a count: finite, whole enough and inside int64 (result.c). */
dq_code dq_json_count(const char *name, const cJSON *item, const char *key, int64_t *out,
                      dq_error *err);
/* A JSON number or absent/null (0). */
dq_code dq_json_double(const char *name, const cJSON *item, const char *key, double *out,
                       dq_error *err);

#endif
