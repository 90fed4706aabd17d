/* Redaction: what a request may show (dry run, errors, report, journal) with every
 * secret replaced by "***". The renderers use the same helpers for their labels. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dqbatch/dispatch.h"

#define DQ_REDACTED "***"
#define DQ_SECRET_MIN 3 /* shorter strings would blank out ordinary words */

/* The longest secret that starts at p, or 0. */
static size_t secret_at(const char *p, const dq_strlist *secrets)
{
    size_t best = 0;
    for (size_t i = 0; secrets && i < secrets->len; i++) {
        const char *s = secrets->items[i];
        size_t n = strlen(s);
        if (n >= DQ_SECRET_MIN && n > best && strncmp(p, s, n) == 0)
            best = n;
    }
    return best;
}

char *dq_redact(const char *text, const dq_strlist *secrets)
{
    if (!text)
        return dq_strdup("");
    dq_buf out;
    dq_buf_init(&out, SIZE_MAX / 2);
    for (const char *p = text; *p;) {
        size_t n = secret_at(p, secrets);
        dq_code rc = n ? dq_buf_adds(&out, DQ_REDACTED) : dq_buf_addc(&out, *p);
        if (rc) {
            dq_buf_free(&out);
            return NULL;
        }
        p += n ? n : 1;
    }
    return dq_buf_steal(&out);
}

/* A path segment that names an endpoint rather than an account: a short plain word
 * ("services", "sendMessage", "enqueue") or a short version tag ("v2"). */
static bool plain_segment(const char *s, size_t n)
{
    if (n <= 3)
        return true;
    if (n > 24)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalpha((unsigned char)s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
            return false;
    return true;
}

typedef struct dq_url_parts {
    const char *scheme_end; /* points at "://" */
    const char *host;       /* after user info */
    const char *path;       /* at '/', '?', '#' or the end */
    const char *query;      /* at '?' or NULL */
} dq_url_parts;

static bool url_split(const char *url, dq_url_parts *parts)
{
    const char *sep = strstr(url, "://");
    if (!sep)
        return false;
    parts->scheme_end = sep;
    const char *authority = sep + 3;
    const char *path = authority + strcspn(authority, "/?#");
    const char *at = memchr(authority, '@', (size_t)(path - authority));
    parts->host = at ? at + 1 : authority;
    parts->path = path;
    parts->query = strchr(path, '?');
    return true;
}

char *dq_redact_url(const char *url)
{
    if (!url)
        return dq_strdup("");
    dq_url_parts parts;
    if (!url_split(url, &parts))
        return dq_strdup(url);
    dq_buf out;
    dq_buf_init(&out, SIZE_MAX / 2);
    dq_code rc = dq_buf_add(&out, url, (size_t)(parts.scheme_end + 3 - url));
    if (!rc)
        rc = dq_buf_add(&out, parts.host, (size_t)(parts.path - parts.host));
    const char *p = parts.path;
    while (!rc && *p == '/') {
        size_t n = strcspn(p + 1, "/?#");
        rc = dq_buf_addc(&out, '/');
        if (!rc)
            rc = plain_segment(p + 1, n) ? dq_buf_add(&out, p + 1, n)
                                         : dq_buf_adds(&out, DQ_REDACTED);
        p += 1 + n;
    }
    if (!rc && parts.query)
        rc = dq_buf_adds(&out, "?" DQ_REDACTED);
    if (rc) {
        dq_buf_free(&out);
        return NULL;
    }
    return dq_buf_steal(&out);
}

/* Header names whose values are credentials, whatever they hold. */
static bool credential_header(const char *name, size_t n)
{
    static const char *const exact[] = {"authorization", "proxy-authorization", "cookie",
                                        "set-cookie"};
    static const char *const parts[] = {"token", "secret", "key", "password", "signature", "auth"};
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
        if (strlen(exact[i]) == n && strncasecmp(name, exact[i], n) == 0)
            return true;
    char lower[64];
    if (n >= sizeof lower)
        return false;
    for (size_t i = 0; i < n; i++)
        lower[i] = (char)tolower((unsigned char)name[i]);
    lower[n] = '\0';
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        if (strstr(lower, parts[i]))
            return true;
    return false;
}

char *dq_redact_header(const char *header, const dq_strlist *secrets)
{
    if (!header)
        return dq_strdup("");
    const char *colon = strchr(header, ':');
    if (colon && credential_header(header, (size_t)(colon - header)))
        return dq_asprintf("%.*s: " DQ_REDACTED, (int)(colon - header), header);
    return dq_redact(header, secrets);
}

static dq_code add_secret(dq_strlist *out, const char *s, size_t n)
{
    if (n < DQ_SECRET_MIN)
        return DQ_OK;
    char *copy = dq_strndup(s, n);
    if (!copy)
        return DQ_ENOMEM;
    dq_code rc = dq_strlist_add(out, copy);
    free(copy);
    return rc;
}

/* The query and every path segment dq_redact_url would hide. */
static dq_code add_url_secrets(const char *url, dq_strlist *out)
{
    dq_url_parts parts;
    if (!url || !url_split(url, &parts))
        return DQ_OK;
    dq_code rc = DQ_OK;
    if (parts.host != parts.scheme_end + 3) /* user info */
        rc = add_secret(out, parts.scheme_end + 3,
                        (size_t)(parts.host - 1 - (parts.scheme_end + 3)));
    for (const char *p = parts.path; !rc && *p == '/';) {
        size_t n = strcspn(p + 1, "/?#");
        if (!plain_segment(p + 1, n))
            rc = add_secret(out, p + 1, n);
        p += 1 + n;
    }
    if (!rc && parts.query)
        rc = add_secret(out, parts.query + 1, strcspn(parts.query + 1, "#"));
    for (const char *q = parts.query; !rc && q && (q = strchr(q, '=')) != NULL; q++)
        rc = add_secret(out, q + 1, strcspn(q + 1, "&#"));
    return rc;
}

dq_code dq_request_secret_list(const dq_request *req, dq_strlist *out)
{
    dq_code rc = DQ_OK;
    for (size_t i = 0; !rc && i < req->secrets.len; i++)
        rc = dq_strlist_add(out, req->secrets.items[i]);
    if (!rc && req->password)
        rc = add_secret(out, req->password, strlen(req->password));
    if (!rc && req->username)
        rc = add_secret(out, req->username, strlen(req->username));
    for (size_t i = 0; !rc && i < req->headers.len; i++) {
        const char *h = req->headers.items[i];
        const char *colon = strchr(h, ':');
        if (!colon || !credential_header(h, (size_t)(colon - h)))
            continue;
        const char *value = colon + 1 + strspn(colon + 1, " \t");
        rc = add_secret(out, value, strlen(value));
        /* "Bearer TOKEN", "GenieKey KEY": the credential alone may be echoed too. */
        const char *space = strrchr(value, ' ');
        if (!rc && space)
            rc = add_secret(out, space + 1, strlen(space + 1));
    }
    if (!rc && (req->kind == DQ_REQUEST_HTTP || req->kind == DQ_REQUEST_SMTP))
        rc = add_url_secrets(req->url, out);
    if (!rc && req->destination && strstr(req->destination, "://"))
        rc = add_url_secrets(req->destination, out);
    return rc;
}
