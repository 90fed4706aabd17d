/* Python's json.dumps, byte for byte: ", " and ": " separators, ensure_ascii (\uXXXX,
 * surrogate pairs past the BMP), shortest round-trip float repr, NaN/Infinity tokens.
 * cJSON keeps object members in insertion order, as a Python dict does. Numbers and escapes
 * are core's (dq_py_number_text, dq_json_escape), which the docs write with too. */
#include "actions_internal.h"

/* A number as json.dumps writes it (dq_py_number_text). Renderers that need "1.0" add a
 * raw node made with dq_py_float. */
static dq_code write_number(double v, dq_buf *out)
{
    char text[48];
    dq_py_number_text(v, text, sizeof text);
    return dq_buf_adds(out, text);
}

static unsigned utf8_decode(const unsigned char *s, size_t *used)
{
    unsigned c = s[0];
    size_t n = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    unsigned cp = n == 1 ? c : n == 2 ? c & 0x1f : n == 3 ? c & 0x0f : c & 0x07;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            *used = 1;
            return 0xfffd; /* invalid UTF-8: the replacement character */
        }
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    *used = n;
    return cp;
}

dq_code dq_py_string(const char *s, dq_buf *out)
{
    dq_code rc = dq_buf_addc(out, '"');
    const unsigned char *p = (const unsigned char *)s;
    while (!rc && *p) {
        if (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\') {
            rc = dq_buf_addc(out, (char)*p++);
            continue;
        }
        size_t used;
        unsigned cp = utf8_decode(p, &used);
        char esc[DQ_JSON_ESCAPE_SIZE];
        rc = dq_buf_adds(out, dq_json_escape(cp, esc));
        p += used;
    }
    return rc ? rc : dq_buf_addc(out, '"');
}

dq_code dq_py_json(const cJSON *node, dq_buf *out)
{
    if (cJSON_IsRaw(node))
        return dq_buf_adds(out, node->valuestring);
    if (cJSON_IsNull(node) || cJSON_IsInvalid(node))
        return dq_buf_adds(out, "null");
    if (cJSON_IsBool(node))
        return dq_buf_adds(out, cJSON_IsTrue(node) ? "true" : "false");
    if (cJSON_IsNumber(node))
        return write_number(node->valuedouble, out);
    if (cJSON_IsString(node))
        return dq_py_string(node->valuestring, out);
    bool object = cJSON_IsObject(node);
    dq_code rc = dq_buf_addc(out, object ? '{' : '[');
    for (const cJSON *c = node->child; !rc && c; c = c->next) {
        if (c != node->child)
            rc = dq_buf_adds(out, ", ");
        if (!rc && object) {
            rc = dq_py_string(c->string, out);
            if (!rc)
                rc = dq_buf_adds(out, ": ");
        }
        if (!rc)
            rc = dq_py_json(c, out);
    }
    return rc ? rc : dq_buf_addc(out, object ? '}' : ']');
}

cJSON *dq_py_float(double v)
{
    char text[48];
    dq_py_float_repr(v, text, sizeof text);
    return cJSON_CreateRaw(text);
}

static dq_code pretty_newline(dq_buf *out, int indent, int depth)
{
    dq_code rc = dq_buf_addc(out, '\n');
    for (int i = 0; !rc && i < indent * depth; i++)
        rc = dq_buf_addc(out, ' ');
    return rc;
}

static dq_code pretty(const cJSON *node, int indent, int depth, dq_buf *out)
{
    if (!(cJSON_IsObject(node) || cJSON_IsArray(node)) || !node->child)
        return dq_py_json(node, out);
    bool object = cJSON_IsObject(node);
    dq_code rc = dq_buf_addc(out, object ? '{' : '[');
    for (const cJSON *c = node->child; !rc && c; c = c->next) {
        if (c != node->child)
            rc = dq_buf_addc(out, ',');
        if (!rc)
            rc = pretty_newline(out, indent, depth + 1);
        if (!rc && object) {
            rc = dq_py_string(c->string, out);
            if (!rc)
                rc = dq_buf_adds(out, ": ");
        }
        if (!rc)
            rc = pretty(c, indent, depth + 1, out);
    }
    if (!rc)
        rc = pretty_newline(out, indent, depth);
    return rc ? rc : dq_buf_addc(out, object ? '}' : ']');
}

dq_code dq_py_json_indent(const cJSON *node, int indent, dq_buf *out)
{
    return pretty(node, indent, 0, out);
}
