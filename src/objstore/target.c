/* Where a store is: the URI split into scheme, bucket and prefix, and the endpoint,
 * addressing style, region and credentials taken from the environment. */
#include <stdlib.h>
#include <string.h>

#include "objstore_internal.h"

bool dq_objstore_is_uri(const char *s)
{
    return s && (strncmp(s, "s3://", 5) == 0 || strncmp(s, "gs://", 5) == 0);
}

static const char *env_or(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return v && *v ? v : fallback;
}

/* Lower-case letters, digits, '.', '-' and '_' (Cloud Storage allows '_'), 3 to 222
 * characters: what both services accept, and nothing that could change a URL's shape. */
static bool bucket_name_valid(const char *b, size_t n)
{
    if (n < 3 || n > 222)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = b[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_'))
            return false;
    }
    return true;
}

/* The prefix without leading, trailing or doubled slashes: "a//b/" is "a/b", as S3
 * keys written through a path would be. */
static char *prefix_clean(const char *p)
{
    char *out = malloc(strlen(p) + 1);
    if (!out)
        return NULL;
    size_t n = 0;
    for (; *p; p++) {
        if (*p == '/' && (n == 0 || out[n - 1] == '/'))
            continue;
        out[n++] = *p;
    }
    if (n > 0 && out[n - 1] == '/')
        n--;
    out[n] = '\0';
    return out;
}

static dq_code parse_uri(objstore_target *t, const char *uri, dq_error *err)
{
    if (!dq_objstore_is_uri(uri))
        return dq_fail(err, DQ_EUSAGE, "%s: not an s3:// or gs:// URI", uri);
    memcpy(t->scheme, uri, 2);
    t->scheme[2] = '\0';
    const char *bucket = uri + 5;
    const char *slash = strchr(bucket, '/');
    size_t n = slash ? (size_t)(slash - bucket) : strlen(bucket);
    if (!bucket_name_valid(bucket, n))
        return dq_fail(err, DQ_EUSAGE,
                       "%s: '%.*s' is not a bucket name (3 to 222 of a-z 0-9 . - _)", uri,
                       (int)(n > 64 ? 64 : n), bucket);
    t->bucket = dq_strndup(bucket, n);
    t->prefix = prefix_clean(slash ? slash + 1 : "");
    if (!t->bucket || !t->prefix)
        return dq_fail(err, DQ_ENOMEM, "out of memory");
    return DQ_OK;
}

/* "scheme://host[:port]" of AWS_ENDPOINT_URL, without a trailing '/'. */
static dq_code endpoint_split(const char *endpoint, char **scheme, char **rest, dq_error *err)
{
    const char *sep = strstr(endpoint, "://");
    if (!sep || (strncmp(endpoint, "http", 4) != 0) || sep[3] == '\0' || sep[3] == '/')
        return dq_fail(err, DQ_ECONFIG, "AWS_ENDPOINT_URL: '%s' is not an http:// or https:// URL",
                       endpoint);
    *scheme = dq_strndup(endpoint, (size_t)(sep - endpoint));
    size_t len = strlen(sep + 3);
    while (len > 0 && sep[3 + len - 1] == '/')
        len--;
    *rest = dq_strndup(sep + 3, len);
    if (!*scheme || !*rest)
        return dq_fail(err, DQ_ENOMEM, "out of memory");
    if (strcmp(*scheme, "http") != 0 && strcmp(*scheme, "https") != 0)
        return dq_fail(err, DQ_ECONFIG, "AWS_ENDPOINT_URL: '%s' is not an http:// or https:// URL",
                       endpoint);
    return DQ_OK;
}

/* Path style puts the bucket in the path (needed by most S3-compatible servers, and for
 * bucket names with dots over TLS); virtual-hosted style puts it in the host name. */
static dq_code build_urls(objstore_target *t, const char *region, dq_error *err)
{
    const char *endpoint = getenv("AWS_ENDPOINT_URL");
    const char *style = getenv("AWS_S3_ADDRESSING_STYLE");
    char *scheme = NULL, *host = NULL;
    dq_code rc;
    if (endpoint && *endpoint)
        rc = endpoint_split(endpoint, &scheme, &host, err);
    else {
        scheme = dq_strdup("https");
        host = strcmp(t->scheme, "gs") == 0 ? dq_strdup("storage.googleapis.com")
                                            : dq_asprintf("s3.%s.amazonaws.com", region);
        rc = scheme && host ? DQ_OK : dq_fail(err, DQ_ENOMEM, "out of memory");
    }
    if (rc == DQ_OK && style && *style && strcmp(style, "path") != 0 &&
        strcmp(style, "virtual") != 0 && strcmp(style, "auto") != 0)
        rc =
            dq_fail(err, DQ_ECONFIG, "AWS_S3_ADDRESSING_STYLE: '%s' is not path or virtual", style);
    if (rc == DQ_OK) {
        bool path_style = style && strcmp(style, "path") == 0;
        if (!style || !*style || strcmp(style, "auto") == 0)
            path_style = (endpoint && *endpoint) || strchr(t->bucket, '.') != NULL;
        if (path_style) {
            t->object_base = dq_asprintf("%s://%s/%s", scheme, host, t->bucket);
            t->list_url = dq_strdup(t->object_base);
        } else {
            t->object_base = dq_asprintf("%s://%s.%s", scheme, t->bucket, host);
            t->list_url = t->object_base ? dq_asprintf("%s/", t->object_base) : NULL;
        }
        if (!t->object_base || !t->list_url)
            rc = dq_fail(err, DQ_ENOMEM, "out of memory");
    }
    free(scheme);
    free(host);
    return rc;
}

static dq_code read_credentials(objstore_target *t, dq_error *err)
{
    const char *id = getenv("AWS_ACCESS_KEY_ID");
    const char *secret = getenv("AWS_SECRET_ACCESS_KEY");
    const char *token = getenv("AWS_SESSION_TOKEN");
    if (!id || !*id || !secret || !*secret)
        return dq_fail(err, DQ_ECONFIG,
                       "%s://%s: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set (for "
                       "gs://, an HMAC key)",
                       t->scheme, t->bucket);
    /* A line break in a header value would let the token add headers of its own. */
    if (token && strpbrk(token, "\r\n"))
        return dq_fail(err, DQ_ECONFIG, "AWS_SESSION_TOKEN: holds a line break");
    t->username = dq_strdup(id);
    t->password = dq_strdup(secret);
    if (token && *token)
        t->token_header = dq_asprintf("x-amz-security-token: %s", token);
    if (!t->username || !t->password || (token && *token && !t->token_header))
        return dq_fail(err, DQ_ENOMEM, "out of memory");
    return DQ_OK;
}

dq_code objstore_target_init(objstore_target *t, const char *uri, dq_error *err)
{
    memset(t, 0, sizeof(*t));
    dq_code rc = parse_uri(t, uri, err);
    /* Cloud Storage takes any region in the signature; "auto" is what its docs use. */
    const char *region = env_or("AWS_REGION", env_or("AWS_DEFAULT_REGION", NULL));
    if (!region)
        region = strcmp(t->scheme, "gs") == 0 ? "auto" : "us-east-1";
    if (rc == DQ_OK && strpbrk(region, ":/\r\n"))
        rc = dq_fail(err, DQ_ECONFIG, "AWS_REGION: '%s' is not a region name", region);
    if (rc == DQ_OK)
        rc = build_urls(t, region, err);
    if (rc == DQ_OK) {
        t->sigv4 = dq_asprintf("aws:amz:%s:s3", region);
        if (!t->sigv4)
            rc = dq_fail(err, DQ_ENOMEM, "out of memory");
    }
    if (rc == DQ_OK)
        rc = read_credentials(t, err);
    if (rc)
        objstore_target_free(t);
    return rc;
}

void objstore_target_free(objstore_target *t)
{
    free(t->bucket);
    free(t->prefix);
    free(t->object_base);
    free(t->list_url);
    free(t->sigv4);
    free(t->username);
    if (t->password) /* do not leave the secret in freed memory */
        explicit_bzero(t->password, strlen(t->password));
    free(t->password);
    free(t->token_header);
    memset(t, 0, sizeof(*t));
}

char *objstore_target_name(const objstore_target *t, const char *key)
{
    if (!key)
        return dq_asprintf("%s://%s", t->scheme, t->bucket);
    return dq_asprintf("%s://%s/%s", t->scheme, t->bucket, key);
}

dq_code dq_objstore_check(const char *uri, dq_error *err)
{
    objstore_target t;
    dq_code rc = objstore_target_init(&t, uri, err);
    if (rc == DQ_OK)
        objstore_target_free(&t);
    return rc;
}
