/* Writing and reading single objects (restore into a bucket): one easy handle per store,
 * so every request after the first reuses its connection. */
#include <stdlib.h>
#include <string.h>

#include "objstore_internal.h"

struct dq_objstore {
    objstore_target t;
    objstore_request req;
};

dq_code dq_objstore_open(const char *uri, dq_objstore **out, dq_error *err)
{
    *out = NULL;
    dq_objstore *s = calloc(1, sizeof(*s));
    if (!s)
        return dq_fail(err, DQ_ENOMEM, "out of memory");
    dq_code rc = objstore_target_init(&s->t, uri, err);
    if (rc) {
        free(s);
        return rc;
    }
    *out = s;
    return DQ_OK;
}

void dq_objstore_close(dq_objstore *store)
{
    if (!store)
        return;
    objstore_request_free(&store->req);
    objstore_target_free(&store->t);
    free(store);
}

static char *full_key(const dq_objstore *s, const char *relkey)
{
    while (*relkey == '/')
        relkey++;
    return s->t.prefix[0] ? dq_asprintf("%s/%s", s->t.prefix, relkey) : dq_strdup(relkey);
}

char *dq_objstore_name(const dq_objstore *store, const char *relkey)
{
    char *key = full_key(store, relkey);
    char *name = key ? objstore_target_name(&store->t, key) : NULL;
    free(key);
    return name;
}

static char *object_url(const dq_objstore *s, const char *key)
{
    dq_buf url;
    dq_buf_init(&url, 64 << 10);
    if (dq_buf_printf(&url, "%s/", s->t.object_base) != DQ_OK ||
        objstore_encode(&url, key, true) != DQ_OK) {
        dq_buf_free(&url);
        return NULL;
    }
    return dq_buf_steal(&url);
}

/* One request for the object relkey: its name for messages, its URL, the run. */
static dq_code object_request(dq_objstore *s, const char *method, const char *relkey,
                              const void *upload, size_t upload_len, size_t max, long *status,
                              dq_error *err)
{
    char *key = full_key(s, relkey);
    char *name = key ? objstore_target_name(&s->t, key) : NULL;
    char *url = key ? object_url(s, key) : NULL;
    dq_code rc = name && url ? objstore_request_run(&s->req, &s->t, method, url, upload, upload_len,
                                                    max, name, status, err)
                             : dq_fail(err, DQ_ENOMEM, "out of memory");
    free(key);
    free(name);
    free(url);
    return rc;
}

dq_code dq_objstore_put(dq_objstore *store, const char *relkey, const void *data, size_t len,
                        dq_error *err)
{
    long status = 0;
    dq_code rc =
        object_request(store, "PUT", relkey, data, len, OBJSTORE_MAX_ERROR_BYTES, &status, err);
    if (rc == DQ_OK && status == 404) /* PUT answers 404 only for a missing bucket */
        rc = dq_fail(err, DQ_ENET, "%s://%s: not found: HTTP 404 NoSuchBucket", store->t.scheme,
                     store->t.bucket);
    return rc;
}

dq_code dq_objstore_get(dq_objstore *store, const char *relkey, size_t max, dq_buf *out,
                        bool *found, dq_error *err)
{
    long status = 0;
    *found = false;
    dq_code rc = object_request(store, "GET", relkey, NULL, 0, max, &status, err);
    if (rc)
        return rc;
    if (status == 404)
        return DQ_OK;
    *found = true;
    dq_buf_free(out);
    *out = store->req.body;
    dq_buf_init(&store->req.body, 0);
    return DQ_OK;
}
