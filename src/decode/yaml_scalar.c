/* YAML 1.1 plain scalars resolved as PyYAML's safe_load resolves them (its resolver.py
 * regular expressions and constructor.py conversions), written out by hand. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "yaml_internal.h"

static bool yaml_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool yaml_is_one_of(const char *s, const char *const *words)
{
    for (; *words; words++) {
        if (strcmp(s, *words) == 0)
            return true;
    }
    return false;
}

static bool yaml_is_null(const char *s)
{
    static const char *const words[] = {"", "~", "null", "Null", "NULL", NULL};
    return yaml_is_one_of(s, words);
}

/* 1 for true, 0 for false, -1 for neither. */
static int yaml_bool_value(const char *s)
{
    static const char *const yes[] = {"yes",  "Yes", "YES", "true", "True",
                                      "TRUE", "on",  "On",  "ON",   NULL};
    static const char *const no[] = {"no",    "No",  "NO",  "false", "False",
                                     "FALSE", "off", "Off", "OFF",   NULL};
    if (yaml_is_one_of(s, yes))
        return 1;
    if (yaml_is_one_of(s, no))
        return 0;
    return -1;
}

static const char *yaml_skip_set(const char *s, const char *set)
{
    while (*s && strchr(set, *s))
        s++;
    return s;
}

/* (?::[0-5]?[0-9])+ : the pointer after the groups, or NULL when there is none. Taking
 * two digits whenever the first is 0-5 is what the regex does too, as nothing after a
 * group may be a digit. */
static const char *yaml_sexagesimal_tail(const char *s)
{
    const char *start = s;
    while (*s == ':') {
        if (s[1] >= '0' && s[1] <= '5' && yaml_is_digit(s[2]))
            s += 3;
        else if (yaml_is_digit(s[1]))
            s += 2;
        else
            return NULL;
    }
    return s == start ? NULL : s;
}

/* (?:[eE][-+][0-9]+)?$ */
static bool yaml_exponent_ends(const char *s)
{
    if (*s == '\0')
        return true;
    if ((*s != 'e' && *s != 'E') || (s[1] != '-' && s[1] != '+') || !yaml_is_digit(s[2]))
        return false;
    return *yaml_skip_set(s + 2, "0123456789") == '\0';
}

static bool yaml_is_word(const char *s, const char *a, const char *b, const char *c)
{
    return strcmp(s, a) == 0 || strcmp(s, b) == 0 || strcmp(s, c) == 0;
}

static bool yaml_float_match(const char *s)
{
    bool sign = *s == '-' || *s == '+';
    const char *p = s + sign;
    if (*p == '.') {
        if (yaml_is_word(p + 1, "inf", "Inf", "INF"))
            return true;
        if (sign)
            return false; /* neither \.[0-9] nor \.nan takes a sign */
        if (yaml_is_word(p + 1, "nan", "NaN", "NAN"))
            return true;
        if (!yaml_is_digit(p[1]))
            return false;
        return yaml_exponent_ends(yaml_skip_set(p + 2, "0123456789_"));
    }
    if (!yaml_is_digit(*p))
        return false;
    p = yaml_skip_set(p + 1, "0123456789_");
    if (*p == '.')
        return yaml_exponent_ends(yaml_skip_set(p + 1, "0123456789_"));
    p = yaml_sexagesimal_tail(p);
    if (!p || *p != '.')
        return false;
    return *yaml_skip_set(p + 1, "0123456789_") == '\0';
}

static bool yaml_int_match(const char *s)
{
    const char *p = s + (*s == '-' || *s == '+');
    if (p[0] == '0' && p[1] == 'b')
        return p[2] && *yaml_skip_set(p + 2, "01_") == '\0';
    if (p[0] == '0' && p[1] == 'x')
        return p[2] && *yaml_skip_set(p + 2, "0123456789abcdefABCDEF_") == '\0';
    if (p[0] == '0')
        return *yaml_skip_set(p + 1, "01234567_") == '\0';
    if (*p < '1' || *p > '9')
        return false;
    p = yaml_skip_set(p + 1, "0123456789_");
    if (*p == '\0')
        return true;
    p = yaml_sexagesimal_tail(p);
    return p && *p == '\0';
}

/* What construct_yaml_int converts when the tag says int, without the resolver's
 * stricter pattern ("!!int 31:30017" is 31*60 + 30017): int(text, base) must accept the
 * digits after the sign, the prefix and every '_' are taken off. */
static bool yaml_int_convertible(const char *s)
{
    const char *p = s + (*s == '-' || *s == '+');
    const char *digits = "0123456789_:";
    if (p[0] == '0' && p[1] == 'b')
        digits = "01_", p += 2;
    else if (p[0] == '0' && p[1] == 'x')
        digits = "0123456789abcdefABCDEF_", p += 2;
    else if (p[0] == '0' && p[1])
        digits = "01234567_", p += 1;
    bool any = false;
    for (; *p; p++) {
        if (!strchr(digits, *p))
            return false;
        any = any || (*p != '_' && *p != ':');
    }
    return any && !strstr(s, "::") && s[strlen(s) - 1] != ':';
}

/* The scalar without '_' (PyYAML's value.replace('_', '')), lower-cased if asked. */
static char *yaml_number_text(const char *s, bool lower)
{
    char *out = malloc(strlen(s) + 1);
    if (!out)
        return NULL;
    char *w = out;
    for (; *s; s++) {
        if (*s == '_')
            continue;
        *w++ = lower && *s >= 'A' && *s <= 'Z' ? (char)(*s - 'A' + 'a') : *s;
    }
    *w = '\0';
    return out;
}

/* "1:30:15" as (1*60 + 30)*60 + 15, each part read with strtod. */
static double yaml_sexagesimal_value(const char *digits)
{
    double value = 0;
    const char *p = digits;
    for (;;) {
        char *end = NULL;
        value = value * 60 + strtod(p, &end);
        if (*end != ':')
            return value;
        p = end + 1;
    }
}

/* Digits in base 2, 8 or 16 into a double (exact up to 2^53, as close as a double can be
 * past it: the tree keeps every number as a double anyway). */
static double yaml_radix_value(const char *digits, int base)
{
    double value = 0;
    for (; *digits; digits++) {
        char c = *digits;
        int d = yaml_is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
        value = value * base + d;
    }
    return value;
}

static double yaml_int_digits(char *text)
{
    double sign = 1;
    char *p = text;
    if (*p == '-' || *p == '+')
        sign = *p++ == '-' ? -1 : 1;
    if (strcmp(p, "0") == 0)
        return 0;
    if (p[0] == '0' && p[1] == 'b')
        return sign * yaml_radix_value(p + 2, 2);
    if (p[0] == '0' && p[1] == 'x')
        return sign * yaml_radix_value(p + 2, 16);
    if (p[0] == '0')
        return sign * yaml_radix_value(p + 1, 8);
    if (strchr(p, ':'))
        return sign * yaml_sexagesimal_value(p);
    return sign * strtod(p, NULL); /* correctly rounded past 2^53 */
}

/* Python's ints have no negative zero. */
static double yaml_int_value(char *text)
{
    double value = yaml_int_digits(text);
    return value == 0 ? 0 : value;
}

/* PyYAML's construct_yaml_float; false when float() would refuse the text. */
static bool yaml_float_value(char *text, double *out)
{
    double sign = 1;
    char *p = text;
    if (*p == '-' || *p == '+')
        sign = *p++ == '-' ? -1 : 1;
    if (strcmp(p, ".inf") == 0) {
        *out = sign * INFINITY;
        return true;
    }
    if (strcmp(p, ".nan") == 0) {
        *out = NAN;
        return true;
    }
    if (strchr(p, ':')) {
        *out = sign * yaml_sexagesimal_value(p);
        return true;
    }
    char *end = NULL;
    double value = strtod(p, &end);
    if (end == p || *end != '\0' || !(yaml_is_digit(*p) || *p == '.'))
        return false;
    *out = sign * value;
    return true;
}

static dq_code yaml_number(const char *s, bool is_float, double *out)
{
    char *text = yaml_number_text(s, is_float);
    if (!text)
        return DQ_ENOMEM;
    dq_code rc = DQ_OK;
    if (is_float)
        rc = yaml_float_value(text, out) ? DQ_OK : DQ_EFORMAT;
    else
        *out = yaml_int_value(text);
    free(text);
    return rc;
}

bool dq_yaml_plain_is_int(const char *s)
{
    return !yaml_float_match(s) && yaml_int_match(s);
}

dq_code dq_yaml_plain(const char *s, cJSON **out)
{
    *out = NULL;
    if (yaml_is_null(s)) {
        *out = cJSON_CreateNull();
        return *out ? DQ_OK : DQ_ENOMEM;
    }
    int boolean = yaml_bool_value(s);
    if (boolean >= 0) {
        *out = cJSON_CreateBool(boolean);
        return *out ? DQ_OK : DQ_ENOMEM;
    }
    bool is_float = yaml_float_match(s);
    if (is_float || yaml_int_match(s)) {
        double value = 0;
        dq_code rc = yaml_number(s, is_float, &value);
        if (rc)
            return rc;
        *out = cJSON_CreateNumber(value);
        return *out ? DQ_OK : DQ_ENOMEM;
    }
    *out = cJSON_CreateString(s);
    return *out ? DQ_OK : DQ_ENOMEM;
}

/* Scalars with an explicit tag, as SafeConstructor builds them. */
dq_code dq_yaml_tagged(const char *tag, const char *s, cJSON **out)
{
    *out = NULL;
    const char *kind = strncmp(tag, DQ_YAML_TAG_PREFIX, strlen(DQ_YAML_TAG_PREFIX)) == 0
                           ? tag + strlen(DQ_YAML_TAG_PREFIX)
                           : NULL;
    if (!kind)
        return DQ_EFORMAT;
    if (strcmp(kind, "str") == 0 || strcmp(kind, "timestamp") == 0) {
        *out = cJSON_CreateString(s);
    } else if (strcmp(kind, "null") == 0) {
        *out = cJSON_CreateNull();
    } else if (strcmp(kind, "bool") == 0) {
        char *lower = yaml_number_text(s, true);
        if (!lower)
            return DQ_ENOMEM;
        int boolean = yaml_bool_value(lower);
        free(lower);
        if (boolean < 0)
            return DQ_EFORMAT;
        *out = cJSON_CreateBool(boolean);
    } else if (strcmp(kind, "int") == 0 || strcmp(kind, "float") == 0) {
        bool is_float = kind[0] == 'f';
        if (!is_float && !yaml_int_convertible(s))
            return DQ_EFORMAT;
        double value = 0;
        dq_code rc = yaml_number(s, is_float, &value);
        if (rc)
            return rc;
        *out = cJSON_CreateNumber(value);
    } else {
        return DQ_EFORMAT;
    }
    return *out ? DQ_OK : DQ_ENOMEM;
}
