/* Small text helpers: percent-encoding, the listing URL, S3 times, and the relative path
 * a key stands for. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "objstore_internal.h"

static bool unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

dq_code objstore_encode(dq_buf *out, const char *s, bool keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        dq_code rc;
        if (unreserved(*p) || (keep_slash && *p == '/'))
            rc = dq_buf_addc(out, (char)*p);
        else {
            char triple[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            rc = dq_buf_add(out, triple, 3);
        }
        if (rc)
            return rc;
    }
    return DQ_OK;
}

/* libcurl signs the query as it is given, and S3 compares against the query sorted by
 * name with every value encoded: so the names are written here in that order. */
char *objstore_list_url(const objstore_target *t, const char *prefix, const char *token,
                        int max_keys)
{
    dq_buf url;
    dq_buf_init(&url, 64 << 10);
    dq_code rc = dq_buf_printf(&url, "%s?", t->list_url);
    if (rc == DQ_OK && token) {
        rc = dq_buf_adds(&url, "continuation-token=");
        if (rc == DQ_OK)
            rc = objstore_encode(&url, token, false);
        if (rc == DQ_OK)
            rc = dq_buf_addc(&url, '&');
    }
    if (rc == DQ_OK)
        rc = dq_buf_adds(&url, "list-type=2");
    if (rc == DQ_OK && max_keys > 0)
        rc = dq_buf_printf(&url, "&max-keys=%d", max_keys);
    if (rc == DQ_OK)
        rc = dq_buf_adds(&url, "&prefix=");
    if (rc == DQ_OK)
        rc = objstore_encode(&url, prefix, false);
    if (rc) {
        dq_buf_free(&url);
        return NULL;
    }
    return dq_buf_steal(&url);
}

dq_code objstore_parse_time(const char *text, int64_t *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    int used = 0;
    if (sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &used) != 6 ||
        used != 19)
        return DQ_EFORMAT;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31)
        return DQ_EFORMAT;
    *out = (int64_t)timegm(&tm);
    return DQ_OK;
}

/* truthound's S3 and GCS writers put the whole output path into the key (spec 1.2):
 * "p/s3:/bucket/p/2024/01/15/x.json" stands for "p/2024/01/15/x.json". Returns where
 * that meant key starts in key, or key itself for an ordinary key. */
static const char *meant_key(const char *key)
{
    for (const char *p = key; *p;) {
        if ((strncmp(p, "s3:/", 4) == 0 || strncmp(p, "gs:/", 4) == 0) && p[4] != '/') {
            const char *after_bucket = strchr(p + 4, '/');
            if (after_bucket && after_bucket[1])
                return after_bucket + 1;
        }
        const char *slash = strchr(p, '/');
        if (!slash)
            break;
        p = slash + 1;
    }
    return key;
}

bool objstore_relpath_safe(const char *relpath)
{
    if (relpath[0] == '/')
        return false;
    for (const char *p = relpath; *p;) {
        size_t n = strcspn(p, "/");
        if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return false;
        p += n + (p[n] == '/');
    }
    return true;
}

char *objstore_relpath(const char *list_prefix, const char *key)
{
    size_t n = strlen(list_prefix);
    const char *meant = meant_key(key);
    if (strncmp(meant, list_prefix, n) == 0 && meant[n])
        return dq_strdup(meant + n);
    /* The meant key lies outside the listed prefix: the key below it is the best name. */
    if (strncmp(key, list_prefix, n) == 0 && key[n])
        return dq_strdup(key + n);
    return dq_strdup(key);
}
