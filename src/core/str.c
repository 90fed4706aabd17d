/* Small string helpers. */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dqbatch/core.h"

char *dq_strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

char *dq_strndup(const char *s, size_t n)
{
    return s ? strndup(s, n) : NULL;
}

/* Whether fmt converts nothing but %s and %%, as most paths and titles do. */
static bool strings_only(const char *fmt)
{
    for (const char *p = strchr(fmt, '%'); p; p = strchr(p + 2, '%'))
        if (p[1] != 's' && p[1] != '%')
            return false;
    return true;
}

/* fmt with its %s and %% filled in, measured and then copied: vasprintf sets up a stream
 * and grows its buffer, which costs more than the copy when a site names 100,000 pages. */
static char *join_strings(const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    size_t len = 0;
    for (const char *p = fmt; *p; p++) {
        if (*p == '%' && *++p == 's') {
            const char *s = va_arg(ap, const char *);
            len += strlen(s ? s : "(null)");
        } else {
            len++;
        }
    }
    char *out = malloc(len + 1);
    for (char *w = out; w; fmt++) {
        if (*fmt == '%' && *++fmt == 's') {
            const char *s = va_arg(again, const char *);
            s = s ? s : "(null)"; /* as glibc's printf */
            size_t n = strlen(s);
            memcpy(w, s, n);
            w += n;
        } else if (!(*w++ = *fmt)) {
            break;
        }
    }
    va_end(again);
    return out;
}

char *dq_asprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *out = NULL;
    if (strings_only(fmt)) {
        out = join_strings(fmt, ap);
    } else if (vasprintf(&out, fmt, ap) < 0) {
        out = NULL;
    }
    va_end(ap);
    return out;
}

bool dq_str_ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

bool dq_glob_match(const char *pattern, const char *s)
{
    return fnmatch(pattern, s, 0) == 0;
}

/* The length of the UTF-8 sequence starting at p, or 0 when it is not valid (overlong
 * forms, surrogates and values past U+10FFFF are refused, as RFC 3629 says). */
static size_t utf8_sequence(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    if (c >= 0xC2 && c <= 0xDF)
        return n >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (n < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
            return 0;
        if (c == 0xE0 && p[1] < 0xA0)
            return 0;
        if (c == 0xED && p[1] > 0x9F)
            return 0;
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (n < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
            return 0;
        if (c == 0xF0 && p[1] < 0x90)
            return 0;
        if (c == 0xF4 && p[1] > 0x8F)
            return 0;
        return 4;
    }
    return 0;
}

int dq_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool dq_utf8_valid(const void *data, size_t n)
{
    const unsigned char *p = data;
    size_t i = 0;
    while (i < n) {
        /* truthound's files are ASCII: skip 32 ASCII bytes at a time. */
        if (i + 32 <= n) {
            uint64_t w[4];
            memcpy(w, p + i, sizeof(w));
            if (((w[0] | w[1] | w[2] | w[3]) & 0x8080808080808080ULL) == 0) {
                i += 32;
                continue;
            }
        }
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        size_t len = utf8_sequence(p + i, n - i);
        if (!len)
            return false;
        i += len;
    }
    return true;
}

dq_code dq_strlist_add(dq_strlist *l, const char *s)
{
    char **items = dq_array_grow(l->items, l->len, &l->cap, sizeof *items, 8);
    if (!items)
        return DQ_ENOMEM;
    l->items = items;
    char *copy = strdup(s);
    if (!copy)
        return DQ_ENOMEM;
    l->items[l->len++] = copy;
    return DQ_OK;
}

void dq_strlist_free(dq_strlist *l)
{
    for (size_t i = 0; i < l->len; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->len = 0;
    l->cap = 0;
}
