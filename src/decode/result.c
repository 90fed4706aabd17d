/* A decoded document into dq_result: the summary fields of CheckpointResult.from_dict,
 * checked for type, and the statistics of spec 1.11 (stats.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "decode_internal.h"

bool dq_decode_name_format(const char *name, dq_format *out)
{
    static const struct {
        const char *suffix;
        dq_format format;
    } suffixes[] = {
        {".yaml", DQ_FORMAT_YAML},   {".yml", DQ_FORMAT_YAML},  {".yaml.gz", DQ_FORMAT_YAML},
        {".yml.gz", DQ_FORMAT_YAML}, {".json", DQ_FORMAT_JSON}, {".json.gz", DQ_FORMAT_JSON},
    };
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(*suffixes); i++) {
        if (dq_str_ends_with(name, suffixes[i].suffix)) {
            *out = suffixes[i].format;
            return true;
        }
    }
    return false;
}

void dq_result_free(dq_result *r)
{
    if (!r)
        return;
    free(r->run_id);
    free(r->checkpoint_name);
    free(r->run_time_text);
    free(r->data_asset);
    free(r->error);
    if (r->arena) {
        dq_arena_release(r->arena); /* doc and rebuilt with it */
    } else {
        cJSON_Delete(r->doc);
        cJSON_Delete(r->rebuilt);
    }
    memset(r, 0, sizeof(*r));
}

/* ---- typed fields ------------------------------------------------------------------- */

const cJSON *dq_json_member(const cJSON *obj, const char *key)
{
    const cJSON *found = NULL;
    if (!cJSON_IsObject(obj))
        return NULL;
    for (const cJSON *child = obj->child; child; child = child->next) {
        /* The first byte rules out most keys without a call. */
        if (child->string && child->string[0] == key[0] && strcmp(child->string, key) == 0)
            found = child;
    }
    return found;
}

static bool json_absent(const cJSON *item)
{
    return !item || cJSON_IsNull(item);
}

dq_code dq_json_double(const char *name, const cJSON *item, const char *key, double *out,
                       dq_error *err)
{
    *out = 0;
    if (json_absent(item))
        return DQ_OK;
    if (!cJSON_IsNumber(item))
        return dq_fail(err, DQ_EFORMAT, "%s: %s is not a number", name, key);
    *out = item->valuedouble;
    return DQ_OK;
}

dq_code dq_json_count(const char *name, const cJSON *item, const char *key, int64_t *out,
                      dq_error *err)
{
    double value = 0;
    dq_code rc = dq_json_double(name, item, key, &value, err);
    if (rc)
        return rc;
    /* 2^63 is exactly representable; every double below it converts without overflow. */
    if (!isfinite(value) || value < -9223372036854775808.0 || value >= 9223372036854775808.0)
        return dq_fail(err, DQ_EFORMAT, "%s: %s is not a count (%g)", name, key, value);
    *out = (int64_t)value;
    return DQ_OK;
}

/* A string field copied out; absent or null gives NULL unless required. */
static dq_code result_string(const char *name, const cJSON *doc, const char *key, bool required,
                             char **out, dq_error *err)
{
    const cJSON *item = dq_json_member(doc, key);
    *out = NULL;
    if (json_absent(item)) {
        if (required)
            return dq_fail(err, DQ_EFORMAT, "%s: %s is missing", name, key);
        return DQ_OK;
    }
    if (!cJSON_IsString(item))
        return dq_fail(err, DQ_EFORMAT, "%s: %s is not a string", name, key);
    *out = dq_strdup(item->valuestring);
    return *out ? DQ_OK : dq_fail(err, DQ_ENOMEM, "%s: out of memory", name);
}

/* A borrowed view that must be of one type when present. */
static dq_code result_view(const char *name, const cJSON *doc, const char *key, int type,
                           const cJSON **out, dq_error *err)
{
    const cJSON *item = dq_json_member(doc, key);
    *out = NULL;
    if (json_absent(item))
        return DQ_OK;
    if ((item->type & 0xFF) != type)
        return dq_fail(err, DQ_EFORMAT, "%s: %s is not %s", name, key,
                       type == cJSON_Array ? "an array" : "an object or null");
    *out = item;
    return DQ_OK;
}

/* run_id and checkpoint_name make a stored result; without them the file is some other
 * document that happens to sit in the tree. */
static dq_code result_identity(const char *name, dq_result *r, dq_error *err)
{
    if (!cJSON_IsObject(r->doc))
        return dq_fail(err, DQ_ENOTRESULT,
                       "%s: not a stored truthound result (the top level is not an object)", name);
    const char *keys[] = {"run_id", "checkpoint_name"};
    for (size_t i = 0; i < 2; i++) {
        if (!dq_json_member(r->doc, keys[i]))
            return dq_fail(err, DQ_ENOTRESULT, "%s: not a stored truthound result (no %s)", name,
                           keys[i]);
    }
    dq_code rc = result_string(name, r->doc, "run_id", true, &r->run_id, err);
    if (rc == DQ_OK)
        rc = result_string(name, r->doc, "checkpoint_name", true, &r->checkpoint_name, err);
    return rc;
}

static dq_code result_status(const char *name, dq_result *r, dq_error *err)
{
    const cJSON *item = dq_json_member(r->doc, "status");
    if (!item)
        return dq_fail(err, DQ_EFORMAT, "%s: status is missing", name);
    if (!cJSON_IsString(item))
        return dq_fail(err, DQ_EFORMAT, "%s: status is not a string", name);
    if (dq_status_parse(item->valuestring, &r->status))
        return dq_fail(err, DQ_EFORMAT, "%s: status \"%.40s\" is not a checkpoint status", name,
                       item->valuestring);
    return DQ_OK;
}

static dq_code result_run_time(const char *name, dq_result *r, dq_error *err)
{
    dq_code rc = result_string(name, r->doc, "run_time", true, &r->run_time_text, err);
    if (rc)
        return rc;
    if (dq_time_parse_iso(r->run_time_text, &r->run_time))
        return dq_fail(err, DQ_EFORMAT, "%s: run_time \"%.40s\" is not an ISO time", name,
                       r->run_time_text);
    return DQ_OK;
}

static dq_code result_views(const char *name, dq_result *r, dq_error *err)
{
    dq_code rc = result_view(name, r->doc, "validation_run", cJSON_Object, &r->validation_run, err);
    if (rc == DQ_OK)
        rc = result_view(name, r->doc, "validation_result", cJSON_Object, &r->validation_result,
                         err);
    if (rc == DQ_OK)
        rc = result_view(name, r->doc, "metadata", cJSON_Object, &r->metadata, err);
    if (rc == DQ_OK)
        rc = result_view(name, r->doc, "action_results", cJSON_Array, &r->action_results, err);
    return rc;
}

dq_code dq_result_fill(const char *name, dq_result *r, dq_error *err)
{
    dq_code rc = result_identity(name, r, err);
    if (rc == DQ_OK)
        rc = result_run_time(name, r, err);
    if (rc == DQ_OK)
        rc = result_status(name, r, err);
    if (rc == DQ_OK)
        rc = result_string(name, r->doc, "data_asset", false, &r->data_asset, err);
    if (rc == DQ_OK)
        rc = result_string(name, r->doc, "error", false, &r->error, err);
    if (rc == DQ_OK)
        rc = dq_json_double(name, dq_json_member(r->doc, "duration_ms"), "duration_ms",
                            &r->duration_ms, err);
    if (rc == DQ_OK)
        rc = result_views(name, r, err);
    if (rc == DQ_OK)
        rc = dq_result_fill_stats(name, r, err);
    return rc;
}

/* ---- the whole decode --------------------------------------------------------------- */

/* Nodes a YAML file may make, aliases included. A document holds fewer nodes than bytes
 * (every node takes at least one byte of text), and PyYAML's aliases only repeat small
 * lists, so one node per byte plus a margin never refuses a real result while a "billion
 * laughs" file stops after a few megabytes. */
static size_t decode_yaml_node_cap(size_t len)
{
    size_t margin = (size_t)1 << 16;
    return len > SIZE_MAX - margin ? SIZE_MAX : len + margin;
}

static cJSON *decode_parse(const char *name, const char *text, size_t len, dq_format format,
                           dq_error *err)
{
    if (format == DQ_FORMAT_YAML)
        return dq_yaml_parse(text, len, decode_yaml_node_cap(len), err, name);
    return dq_json_parse(text, len, err, name);
}

/* The text of the file: data itself, or its inflated bytes in *inflated. */
static dq_code decode_text(const char *name, const void *data, size_t len, size_t max,
                           const dq_decode_opts *opts, dq_buf *inflated, const char **text,
                           size_t *text_len, dq_error *err)
{
    *text = data;
    *text_len = len;
    if (dq_decode_is_gzip(data, len)) {
        inflated->max = max;
        dq_buf_reset(inflated);
        dq_code rc = dq_decode_inflate_cached(name, data, len, max, inflated,
                                              opts ? opts->cache : NULL, err);
        if (rc)
            return rc;
        *text = inflated->data;
        *text_len = inflated->len;
    } else if (len > max) {
        return dq_fail(err, DQ_ETOOBIG, "%s: %zu bytes is past the cap of %zu bytes", name, len,
                       max);
    }
    if (*text_len == 0)
        return dq_fail(err, DQ_EFORMAT, "%s: empty file", name);
    return DQ_OK;
}

/* Parses text into out, every cJSON node and string in out's own arena. */
static dq_code decode_tree(const char *name, const char *text, size_t len, dq_format format,
                           dq_decode_cache *cache, dq_result *out, dq_error *err)
{
    out->arena = dq_arena_new(cache);
    if (!out->arena)
        return dq_fail(err, DQ_ENOMEM, "%s: out of memory", name);
    dq_arena *previous = dq_arena_enter(out->arena);
    out->doc = decode_parse(name, text, len, format, err);
    dq_code rc = DQ_OK;
    if (!out->doc)
        rc = err->code ? err->code : DQ_EFORMAT;
    else
        rc = dq_result_fill(name, out, err);
    dq_arena_leave(previous);
    return rc;
}

dq_code dq_decode(const char *name, const void *data, size_t len, dq_format format,
                  const dq_decode_opts *opts, dq_result *out, dq_error *err)
{
    dq_error local;
    if (!err)
        err = &local;
    dq_error_clear(err);
    memset(out, 0, sizeof(*out));
    size_t max = opts && opts->max_bytes ? opts->max_bytes : DQ_DEFAULT_MAX_RESULT_BYTES;
    dq_buf own;
    dq_buf_init(&own, max);
    const char *text = NULL;
    size_t text_len = 0;
    dq_code rc = decode_text(name, data, len, max, opts,
                             opts && opts->scratch ? opts->scratch : &own, &text, &text_len, err);
    if (rc == DQ_OK) {
        out->content_hash = dq_hash64(text, text_len, 0);
        out->decoded_bytes = text_len;
        rc = decode_tree(name, text, text_len, format, opts ? opts->cache : NULL, out, err);
    }
    dq_buf_free(&own);
    if (rc)
        dq_result_free(out);
    return rc;
}
