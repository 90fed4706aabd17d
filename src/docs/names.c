/* File names inside the site, and the summary the site keeps of each run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docs_internal.h"

#define SLUG_KEEP 60 /* readable characters kept before the hash */

dq_code dq_docs_format_parse(const char *name, dq_docs_format *out, dq_error *err)
{
    if (strcmp(name, "html") == 0)
        *out = DQ_DOCS_HTML;
    else if (strcmp(name, "markdown") == 0 || strcmp(name, "md") == 0)
        *out = DQ_DOCS_MARKDOWN;
    else if (strcmp(name, "json") == 0)
        *out = DQ_DOCS_JSON;
    else
        return dq_fail(err, DQ_EUSAGE, "--format: '%s' is not html, markdown or json", name);
    return DQ_OK;
}

const char *dq_docs_format_ext(dq_docs_format format)
{
    return format == DQ_DOCS_MARKDOWN ? "md" : format == DQ_DOCS_JSON ? "json" : "html";
}

static bool slug_plain_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

/* A name can stand as it is when it is short plain lower-case ASCII (so it means the same
 * file on case-insensitive file systems), is not "." or "..", and cannot be mistaken for
 * a hashed name ("...-" followed by 16 hex digits). */
static bool slug_is_plain(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > SLUG_KEEP + 17 || name[0] == '.')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!slug_plain_char(name[i]))
            return false;
    if (n >= 17 && name[n - 17] == '-' && strspn(name + n - 16, "0123456789abcdef") == 16)
        return false;
    return true;
}

char *dq_docs_slug(const char *name)
{
    if (slug_is_plain(name))
        return dq_strdup(name);
    char readable[SLUG_KEEP + 1];
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p && n < SLUG_KEEP; p++) {
        char c = (char)*p;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        else if (!slug_plain_char(c) ||
                 (c == '.' && (n == 0 || readable[n - 1] == '.' || readable[n - 1] == '_')))
            c = '_'; /* no name starts with '.' or holds ".." */
        /* One '_' for a run of replaced bytes (a multi-byte character, "/..", ...). */
        if (c == '_' && n && readable[n - 1] == '_' && (char)*p != '_')
            continue;
        readable[n++] = c;
    }
    /* readable, '-' and the name's hash in 16 hex digits, as "%s-%016llx" would write
     * them without printf's set-up: a site slugs every run. */
    uint64_t h = dq_hash64(name, strlen(name), 0x646f6373ULL);
    char *slug = malloc(n + 18);
    if (!slug)
        return NULL;
    memcpy(slug, readable, n);
    slug[n] = '-';
    for (int i = 16; i >= 1; i--, h >>= 4)
        slug[n + (size_t)i] = "0123456789abcdef"[h & 15];
    slug[n + 17] = '\0';
    return slug;
}

char *docs_run_page_path(const char *ext, const char *checkpoint_slug, const char *run_slug)
{
    return dq_asprintf("checkpoints/%s/runs/%s.%s", checkpoint_slug, run_slug, ext);
}

char *dq_docs_run_path(dq_docs_format format, const char *checkpoint_name, const char *run_id)
{
    char *cp = dq_docs_slug(checkpoint_name);
    char *run = dq_docs_slug(run_id);
    char *path = cp && run ? docs_run_page_path(dq_docs_format_ext(format), cp, run) : NULL;
    free(cp);
    free(run);
    return path;
}

char *dq_docs_run_url(const char *base_url, dq_docs_format format, const char *checkpoint_name,
                      const char *run_id)
{
    char *path = dq_docs_run_path(format, checkpoint_name, run_id);
    if (!path || !base_url)
        return path;
    size_t n = strlen(base_url);
    bool slash = n && base_url[n - 1] == '/';
    char *url = dq_asprintf("%s%s%s", base_url, slash ? "" : "/", path);
    free(path);
    return url;
}

size_t docs_page_count(const dq_docs_site *site, size_t runs)
{
    size_t size = (size_t)site->page_size;
    return runs == 0 ? 1 : (runs + size - 1) / size;
}

char *docs_checkpoint_page_path(const dq_docs_site *site, const char *slug, size_t page)
{
    if (page == 0)
        return dq_asprintf("checkpoints/%s/index.%s", slug, site->ext);
    return dq_asprintf("checkpoints/%s/page-%zu.%s", slug, page + 1, site->ext);
}

size_t docs_error_summary_len(const char *error)
{
    size_t n = strlen(error);
    if (n <= DQ_DOCS_ERROR_SUMMARY)
        return n;
    n = DQ_DOCS_ERROR_SUMMARY;
    while (n && ((unsigned char)error[n] & 0xc0) == 0x80)
        n--;
    return n;
}

int docs_run_compare(const dq_docs_run *a, const dq_docs_run *b)
{
    if (a->run_time != b->run_time)
        return a->run_time < b->run_time ? -1 : 1;
    return strcmp(a->run_id, b->run_id);
}

size_t docs_history_first(const dq_docs_site *site, const dq_docs_checkpoint *cp)
{
    size_t keep = (size_t)site->history;
    return cp->len > keep ? cp->len - keep : 0;
}
