/* JSON as Python's json.loads reads it: cJSON, plus the NaN, Infinity and -Infinity
 * tokens json.dumps writes for float specials. The common case costs one UTF-8 check and
 * one cJSON parse; everything else happens only after cJSON has failed. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode_internal.h"

/* NaN becomes a string holding the single byte 0xFF. Validated UTF-8 never holds that
 * byte and cJSON's \u escapes only produce valid UTF-8, so the marker cannot come from
 * the document itself. It has the length of "NaN", so byte offsets stay true. */
#define JSON_NAN_MARKER "\"\xff\""

typedef enum json_special {
    JSON_SPECIAL_NONE,
    JSON_SPECIAL_NAN,
    JSON_SPECIAL_INFINITY,
    JSON_SPECIAL_NEG_INFINITY,
} json_special;

static bool json_starts(const char *p, size_t left, const char *word)
{
    size_t n = strlen(word);
    return left >= n && memcmp(p, word, n) == 0;
}

static json_special json_special_at(const char *p, size_t left)
{
    if (json_starts(p, left, "NaN"))
        return JSON_SPECIAL_NAN;
    if (json_starts(p, left, "Infinity"))
        return JSON_SPECIAL_INFINITY;
    if (json_starts(p, left, "-Infinity"))
        return JSON_SPECIAL_NEG_INFINITY;
    return JSON_SPECIAL_NONE;
}

/* Index just past the string starting at the quote at i; SIZE_MAX when it never ends. */
static size_t json_skip_string(const char *text, size_t len, size_t i)
{
    for (i++; i < len; i++) {
        if (text[i] == '\\')
            i++;
        else if (text[i] == '"')
            return i + 1;
    }
    return SIZE_MAX;
}

/* What a failed document looks like from outside its strings. */
typedef struct json_shape {
    int max_depth;
    int open_at_end;
    bool string_open_at_end;
} json_shape;

static json_shape json_scan_shape(const char *text, size_t len)
{
    json_shape shape = {0, 0, false};
    int depth = 0;
    for (size_t i = 0; i < len;) {
        char c = text[i];
        if (c == '"') {
            i = json_skip_string(text, len, i);
            shape.string_open_at_end = i == SIZE_MAX;
            continue;
        }
        if (c == '[' || c == '{') {
            if (++depth > shape.max_depth)
                shape.max_depth = depth;
        } else if ((c == ']' || c == '}') && depth > 0) {
            depth--;
        }
        i++;
    }
    shape.open_at_end = depth;
    return shape;
}

/* Explains why cJSON refused the text, naming the file and, where cJSON says, the byte. */
static void json_explain(const char *name, const char *text, size_t len, size_t offset,
                         dq_error *err)
{
    json_shape shape = json_scan_shape(text, len);
    if (shape.max_depth > DQ_DECODE_NESTING_LIMIT) {
        dq_fail(err, DQ_EFORMAT, "%s: JSON nested deeper than %d levels", name,
                DQ_DECODE_NESTING_LIMIT);
    } else if (offset + 1 < len && text[offset] == '\\' && text[offset + 1] == 'u') {
        dq_fail(err, DQ_EFORMAT, "%s: invalid \\u escape (a lone surrogate?) at byte %zu", name,
                offset);
    } else if (shape.string_open_at_end || shape.open_at_end > 0) {
        dq_fail(err, DQ_EFORMAT, "%s: truncated JSON (the text ends at byte %zu inside %s)", name,
                len, shape.string_open_at_end ? "a string" : "an array or object");
    } else {
        dq_fail(err, DQ_EFORMAT, "%s: invalid JSON at byte %zu", name, offset);
    }
}

/* Python's json.loads allows only whitespace after the value. */
static bool json_rest_is_space(const char *p, const char *end)
{
    for (; p < end; p++) {
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
            return false;
    }
    return true;
}

/* Rewrites the special tokens outside strings, in place and at the same length. */
static void json_rewrite_specials(char *text, size_t len, bool *had_any, bool *had_nan)
{
    *had_any = false;
    *had_nan = false;
    for (size_t i = 0; i < len;) {
        if (text[i] == '"') {
            i = json_skip_string(text, len, i);
            continue;
        }
        switch (json_special_at(text + i, len - i)) {
        case JSON_SPECIAL_NAN:
            memcpy(text + i, JSON_NAN_MARKER, 3);
            *had_nan = true;
            i += 3;
            break;
        case JSON_SPECIAL_INFINITY:
            memcpy(text + i, "1e999   ", 8);
            i += 8;
            break;
        case JSON_SPECIAL_NEG_INFINITY:
            memcpy(text + i, "-1e999   ", 9);
            i += 9;
            break;
        case JSON_SPECIAL_NONE:
            i++;
            continue;
        }
        *had_any = true;
    }
}

static bool json_is_nan_marker(const char *s)
{
    return s && (unsigned char)s[0] == 0xff && s[1] == '\0';
}

static void json_make_nan(cJSON *item)
{
    cJSON_free(item->valuestring);
    item->valuestring = NULL;
    item->type = cJSON_Number;
    item->valuedouble = NAN;
    item->valueint = 0;
}

/* Turns marker strings back into NaN numbers; false when NaN stood where a key must be. */
static bool json_restore_nan(cJSON *item)
{
    if (cJSON_IsString(item) && json_is_nan_marker(item->valuestring))
        json_make_nan(item);
    for (cJSON *child = item->child; child; child = child->next) {
        if (json_is_nan_marker(child->string) || !json_restore_nan(child))
            return false;
    }
    return true;
}

static cJSON *json_parse_plain(const char *text, size_t len, size_t *fail_at)
{
    const char *end = NULL;
    cJSON *doc = cJSON_ParseWithLengthOpts(text, len, &end, false);
    if (doc && json_rest_is_space(end, text + len))
        return doc;
    *fail_at = end ? (size_t)(end - text) : 0;
    cJSON_Delete(doc);
    return NULL;
}

/* The slow path, taken only after cJSON failed: when the text holds Python's special
 * tokens (where cJSON stopped, or elsewhere, as NaN in the place of a key), parse a
 * rewritten copy; otherwise explain the failure. */
static cJSON *json_parse_specials(const char *name, const char *text, size_t len, size_t fail_at,
                                  dq_error *err)
{
    char *copy = malloc(len + 1);
    if (!copy) {
        dq_fail(err, DQ_ENOMEM, "%s: out of memory", name);
        return NULL;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    bool had_any = false, had_nan = false;
    json_rewrite_specials(copy, len, &had_any, &had_nan);
    cJSON *doc = had_any ? json_parse_plain(copy, len, &fail_at) : NULL;
    free(copy);
    if (!doc) {
        json_explain(name, text, len, fail_at, err);
        return NULL;
    }
    if (had_nan && !json_restore_nan(doc)) {
        cJSON_Delete(doc);
        dq_fail(err, DQ_EFORMAT, "%s: NaN where an object key must be", name);
        return NULL;
    }
    return doc;
}

dq_code dq_decode_text_check(const char *text, size_t len, const char *name, dq_error *err)
{
    if (len == 0)
        return dq_fail(err, DQ_EFORMAT, "%s: empty file", name);
    if (!dq_utf8_valid(text, len))
        return dq_fail(err, DQ_EFORMAT, "%s: invalid UTF-8", name);
    return DQ_OK;
}

cJSON *dq_json_parse(const char *text, size_t len, dq_error *err, const char *name)
{
    if (dq_decode_text_check(text, len, name, err))
        return NULL;
    size_t fail_at = 0;
    cJSON *doc = json_parse_plain(text, len, &fail_at);
    if (doc)
        return doc;
    return json_parse_specials(name, text, len, fail_at, err);
}
