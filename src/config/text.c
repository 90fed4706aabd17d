/* Text expansion shared by the loader and the renderers: ${VAR} from the environment and
 * Python's str.format with named fields. */
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"

/* Environment values and templates are short; this bounds a runaway expansion. */
#define EXPAND_MAX ((size_t)1 << 20)

/* A function pointer cannot travel as void *: it rides in this. */
typedef struct env_context {
    config_keep_fn keep;
} env_context;

static dq_code env_one(void *ctx, const char *expr, size_t len, dq_buf *out, bool *kept,
                       dq_error *err)
{
    config_keep_fn keep = ((const env_context *)ctx)->keep;
    const char *sep = NULL;
    for (size_t i = 0; i + 1 < len; i++)
        if (expr[i] == ':' && expr[i + 1] == '-') {
            sep = expr + i;
            break;
        }
    size_t name_len = sep ? (size_t)(sep - expr) : len;
    char *name = dq_strndup(expr, name_len);
    if (!name)
        return dq_fail(err, DQ_ENOMEM, "out of memory");
    const char *value = name_len ? getenv(name) : NULL;
    dq_code rc = DQ_OK;
    if (value)
        rc = dq_buf_adds(out, value);
    else if (sep)
        rc = dq_buf_add(out, sep + 2, len - name_len - 2);
    else if (keep && keep(expr, len))
        *kept = true;
    else
        rc = dq_fail(err, DQ_ECONFIG,
                     "environment variable %s is not set (write ${%s:-default}"
                     " for a default)",
                     name_len ? name : "(empty name)", name);
    free(name);
    return rc;
}

dq_code dq_placeholders_expand(const char *text, dq_placeholder_fill fill, void *ctx, dq_buf *out,
                               dq_error *err)
{
    const char *p = text;
    while (*p) {
        const char *start = strstr(p, "${");
        const char *end = start ? strchr(start + 2, '}') : NULL;
        if (!end)
            return dq_buf_adds(out, p);
        bool keep = false;
        dq_code rc = dq_buf_add(out, p, (size_t)(start - p));
        if (!rc)
            rc = fill(ctx, start + 2, (size_t)(end - start - 2), out, &keep, err);
        if (!rc && keep)
            rc = dq_buf_add(out, start, (size_t)(end - start + 1));
        if (rc)
            return rc;
        p = end + 1;
    }
    return DQ_OK;
}

dq_code config_env_expand(const char *text, config_keep_fn keep, char **out, dq_error *err)
{
    dq_buf b;
    dq_buf_init(&b, EXPAND_MAX);
    *out = NULL;
    env_context ctx = {keep};
    dq_code rc = dq_placeholders_expand(text, env_one, &ctx, &b, err);
    if (rc == DQ_ETOOBIG)
        rc = dq_fail(err, DQ_ETOOBIG, "expanded text longer than %zu bytes", EXPAND_MAX);
    if (rc) {
        dq_buf_free(&b);
        return rc;
    }
    *out = dq_buf_steal(&b);
    return DQ_OK;
}

/* The field name inside braces: letters, digits and underscores only; anything else
 * (attribute access, indexes, conversions, format specs) is not supported. */
static bool format_field_ok(const char *name, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    }
    return true;
}

dq_code dq_format_named(const char *tmpl, dq_format_lookup lookup, void *ctx, dq_buf *out,
                        dq_error *err)
{
    for (const char *p = tmpl; *p; p++) {
        if (*p == '}') {
            if (p[1] != '}')
                return dq_fail(err, DQ_ECONFIG, "template \"%s\": single '}'", tmpl);
            p++;
        } else if (*p == '{') {
            if (p[1] == '{') {
                p++;
            } else {
                const char *end = strchr(p + 1, '}');
                if (!end)
                    return dq_fail(err, DQ_ECONFIG, "template \"%s\": single '{'", tmpl);
                size_t len = (size_t)(end - p - 1);
                if (!format_field_ok(p + 1, len))
                    return dq_fail(err, DQ_ECONFIG,
                                   "template \"%s\": field {%.*s} is not a plain name", tmpl,
                                   (int)len, p + 1);
                const char *value = lookup(ctx, p + 1, len);
                if (!value)
                    return dq_fail(err, DQ_ECONFIG, "template \"%s\": unknown field {%.*s}", tmpl,
                                   (int)len, p + 1);
                if (dq_buf_adds(out, value))
                    return dq_fail(err, DQ_ETOOBIG, "template \"%s\": result too long", tmpl);
                p = end;
                continue;
            }
        }
        if (dq_buf_addc(out, *p))
            return dq_fail(err, DQ_ETOOBIG, "template \"%s\": result too long", tmpl);
    }
    return DQ_OK;
}
