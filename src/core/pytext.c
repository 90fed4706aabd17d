/* Python's text forms, byte for byte, shared by the renderers and the docs: repr of a
 * float, json.dumps of a number, and json.dumps' ensure_ascii escape of a code point. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dqbatch/core.h"

/* Shortest digits that read back as v, as Python's repr chooses them. A normal double
 * holds 15.9 significant digits, so 15 of them (trailing zeros dropped later) name the
 * shortest form whenever that has 15 or fewer: at most three tries, which the pages'
 * thousands of numbers feel. A subnormal holds fewer, so its search starts at one. */
static void float_digits(double v, char *out, size_t size)
{
    for (int digits = fabs(v) >= DBL_MIN ? 15 : 1; digits <= 17; digits++) {
        snprintf(out, size, "%.*e", digits - 1, v);
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
    if (fabs(v) < 1e16 && v == (double)(int64_t)v) {
        /* Whole numbers (rates of 1.0, counts stored as floats) are the common case, and
         * their repr is the integer and ".0": no search for the shortest digits. */
        snprintf(out, size, "%lld.0", (long long)v);
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

void dq_py_number_text(double v, char *out, size_t size)
{
    /* The tree does not say which numbers were ints: integral values within double's
     * exact range are written without a fraction, as the writer most likely had them. */
    if (isfinite(v) && v == floor(v) && fabs(v) < 9007199254740992.0)
        snprintf(out, size, "%.0f", v);
    else
        dq_py_float_repr(v, out, size);
}

const char *dq_json_escape(unsigned cp, char *out)
{
    static const char plain[] = "\"\\\n\r\t\b\f";
    static const char named[] = "\"\\nrtbf";
    const char *hit = cp && cp < 0x80 ? strchr(plain, (int)cp) : NULL;
    if (hit) {
        out[0] = '\\';
        out[1] = named[hit - plain];
        out[2] = '\0';
    } else if (cp >= 0x10000) {
        cp -= 0x10000;
        snprintf(out, DQ_JSON_ESCAPE_SIZE, "\\u%04x\\u%04x", 0xd800 + (cp >> 10),
                 0xdc00 + (cp & 0x3ff));
    } else {
        snprintf(out, DQ_JSON_ESCAPE_SIZE, "\\u%04x", cp);
    }
    return out;
}
