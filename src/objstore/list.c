/* ListObjectsV2 answers: the objects of one page and where the next page starts. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "objstore_internal.h"

typedef struct page_reader {
    objstore_page *page;
    objstore_object current;
    bool has_size; /* current had a valid Size */
} page_reader;

void objstore_object_free(objstore_object *o)
{
    free(o->key);
    free(o->etag);
    memset(o, 0, sizeof(*o));
}

void objstore_page_free(objstore_page *page)
{
    for (size_t i = 0; i < page->len; i++)
        objstore_object_free(&page->items[i]);
    free(page->items);
    free(page->next_token);
    memset(page, 0, sizeof(*page));
}

static dq_code page_add(objstore_page *page, objstore_object *o)
{
    objstore_object *items = dq_array_grow(page->items, page->len, &page->cap, sizeof *items, 64);
    if (!items)
        return DQ_ENOMEM;
    page->items = items;
    page->items[page->len++] = *o;
    memset(o, 0, sizeof(*o));
    return DQ_OK;
}

/* An ETag without the quotes S3 puts around it. */
static char *etag_clean(const char *text)
{
    size_t n = strlen(text);
    if (n >= 2 && text[0] == '"' && text[n - 1] == '"')
        return dq_strndup(text + 1, n - 2);
    return dq_strdup(text);
}

static dq_code read_object_field(page_reader *r, const char *name, const char *text)
{
    objstore_object *o = &r->current;
    if (strcmp(name, "Key") == 0) {
        free(o->key);
        o->key = dq_strdup(text);
        return o->key ? DQ_OK : DQ_ENOMEM;
    }
    if (strcmp(name, "ETag") == 0) {
        free(o->etag);
        o->etag = etag_clean(text);
        return o->etag ? DQ_OK : DQ_ENOMEM;
    }
    if (strcmp(name, "Size") == 0) {
        char *end;
        errno = 0;
        long long v = strtoll(text, &end, 10);
        r->has_size = !(errno || end == text || *end || v < 0);
        o->size = r->has_size ? v : 0;
        return DQ_OK;
    }
    if (strcmp(name, "LastModified") == 0 && objstore_parse_time(text, &o->mtime) != DQ_OK)
        o->mtime = 0;
    return DQ_OK;
}

static dq_code page_element(const char *parent, const char *name, const char *text, void *ctx)
{
    page_reader *r = ctx;
    if (strcmp(parent, "Contents") == 0)
        return read_object_field(r, name, text);
    if (strcmp(name, "Contents") == 0) {
        /* An object without a key or a size cannot be fetched sensibly: left out. */
        bool complete = r->current.key && r->has_size;
        r->has_size = false;
        if (!complete) {
            objstore_object_free(&r->current);
            return DQ_OK;
        }
        return page_add(r->page, &r->current);
    }
    if (strcmp(parent, "ListBucketResult") != 0)
        return DQ_OK;
    if (strcmp(name, "IsTruncated") == 0)
        r->page->truncated = strcmp(text, "true") == 0;
    else if (strcmp(name, "NextContinuationToken") == 0 && *text) {
        free(r->page->next_token);
        r->page->next_token = dq_strdup(text);
        if (!r->page->next_token)
            return DQ_ENOMEM;
    }
    return DQ_OK;
}

dq_code objstore_page_parse(const char *xml, size_t len, const char *what, objstore_page *page,
                            dq_error *err)
{
    memset(page, 0, sizeof(*page));
    page_reader r = {.page = page};
    dq_code rc = objstore_xml_parse(xml, len, what, page_element, &r, err);
    objstore_object_free(&r.current);
    if (rc == DQ_OK && page->truncated && !page->next_token)
        rc = dq_fail(err, DQ_EFORMAT, "%s: listing is truncated but has no continuation token",
                     what);
    if (rc)
        objstore_page_free(page);
    return rc;
}
