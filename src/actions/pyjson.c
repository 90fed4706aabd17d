/* Python's json.dumps, byte for byte: ", " and ": " separators, ensure_ascii (\uXXXX,
 * surrogate pairs past the BMP), shortest round-trip float repr, NaN/Infinity tokens.
 * cJSON keeps object members in insertion order, as a Python dict does. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions_internal.h"

/* Shortest digits that read back as v, as Python's repr chooses them. */
static void float_digits(double v, char *out, size_t size)
{
    for (int precision = 1; precision <= 17; precision++) {
        snprintf(out, size, "%.*e", precision - 1, v);
        if (strtod(out, NULL) == v)
            return;
    }
}

void dq_py_float_repr(double v, char *out, size_t size)
{
    if (isnan(v)) {
        snprintf(out, size, "NaN");
        return;
    }
    if (isinf(v)) {
        snprintf(out, size, v > 0 ? "Infinity" : "-Infinity");
        return;
    }
    if (v == 0) {
        snprintf(out, size, signbit(v) ? "-0.0" : "0.0");
        return;
    }
    char sci[40];
    float_digits(v, sci, sizeof sci);
    /* sci is "[-]d[.ddd]e[+-]XX": split sign, digits and exponent. */
    const char *p = sci;
    bool negative = *p == '-';
    if (negative)
        p++;
    char digits[24];
    size_t nd = 0;
    for (; *p && *p != 'e'; p++)
        if (*p != '.' && nd + 1 < sizeof digits)
            digits[nd++] = *p;
    digits[nd] = '\0';
    int exp10 = atoi(p + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        digits[--nd] = '\0';
    char body[48];
    if (exp10 < -4 || exp10 >= 16) {
        /* Python: 1e-05, 1.5e+16 */
        if (nd == 1)
            snprintf(body, sizeof body, "%se%c%02d", digits, exp10 < 0 ? '-' : '+', abs(exp10));
        else
            snprintf(body, sizeof body, "%c.%se%c%02d", digits[0], digits + 1,
                     exp10 < 0 ? '-' : '+', abs(exp10));
    } else if (exp10 < 0) {
        snprintf(body, sizeof body, "0.%0*d%s", -exp10 - 1, 0, digits);
        if (exp10 == -1)
            snprintf(body, sizeof body, "0.%s", digits);
    } else if ((size_t)exp10 + 1 >= nd) {
        snprintf(body, sizeof body, "%s%0*d.0", digits, exp10 + 1 - (int)nd, 0);
        if ((size_t)exp10 + 1 == nd)
            snprintf(body, sizeof body, "%s.0", digits);
    } else {
        snprintf(body, sizeof body, "%.*s.%s", exp10 + 1, digits, digits + exp10 + 1);
    }
    snprintf(out, size, "%s%s", negative ? "-" : "", body);
}

/* A number as json.dumps writes it: integers (the tree does not say which numbers were
 * ints, so integral values within double's exact range are) without a fraction, others
 * as repr. Renderers that need "1.0" add a raw node made with dq_py_float. */
static dq_code write_number(double v, dq_buf *out)
{
    char text[48];
    if (isfinite(v) && v == floor(v) && fabs(v) < 9007199254740992.0)
        snprintf(text, sizeof text, "%.0f", v);
    else
        dq_py_float_repr(v, text, sizeof text);
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
        unsigned c = *p;
        char esc[16];
        if (c == '"' || c == '\\') {
            snprintf(esc, sizeof esc, "\\%c", c);
        } else if (c >= 0x20 && c < 0x7f) {
            rc = dq_buf_addc(out, (char)c);
            p++;
            continue;
        } else if (c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f') {
            snprintf(esc, sizeof esc, "\\%c",
                     c == '\n'   ? 'n'
                     : c == '\r' ? 'r'
                     : c == '\t' ? 't'
                     : c == '\b' ? 'b'
                                 : 'f');
        } else if (c < 0x80) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
        } else {
            size_t used;
            unsigned cp = utf8_decode(p, &used);
            if (cp >= 0x10000) {
                cp -= 0x10000;
                snprintf(esc, sizeof esc, "\\u%04x\\u%04x", 0xd800 + (cp >> 10),
                         0xdc00 + (cp & 0x3ff));
            } else {
                snprintf(esc, sizeof esc, "\\u%04x", cp);
            }
            rc = dq_buf_adds(out, esc);
            p += used;
            continue;
        }
        rc = dq_buf_adds(out, esc);
        p++;
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
