/* store_result (spec 1.1-1.3): the stored document written back under store_path in
 * truthound's layout, as JSON with indent=2 (gzipped when compress is set). The request
 * replaces the file atomically ("PUT"), so writing it again changes nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "actions_internal.h"

static char *store_partition(const dq_action_config *a, const action_view *v)
{
    const char *by = dq_setting_str(a, "partition_by", "date");
    if (strcmp(by, "date") == 0) {
        char day[16];
        dq_time_format(v->r->run_time, "%Y/%m/%d", day, sizeof day);
        return dq_strdup(day);
    }
    if (strcmp(by, "checkpoint") == 0)
        return dq_strdup(v->checkpoint);
    if (strcmp(by, "status") == 0)
        return dq_strdup(v->status);
    return dq_strdup("");
}

/* gzip of text (level 9, as Python's gzip.open). */
static dq_code store_gzip(const dq_buf *text, dq_buf *out)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        return DQ_ENOMEM;
    uLong bound = deflateBound(&z, (uLong)text->len) + 64;
    dq_code rc = dq_buf_reserve(out, bound);
    if (!rc) {
        z.next_in = (Bytef *)text->data;
        z.avail_in = (uInt)text->len;
        z.next_out = (Bytef *)out->data;
        z.avail_out = (uInt)bound;
        rc = deflate(&z, Z_FINISH) == Z_STREAM_END ? DQ_OK : DQ_EFORMAT;
        out->len = rc ? 0 : (size_t)z.total_out;
    }
    deflateEnd(&z);
    return rc;
}

/* A path part must not climb out of store_path. */
static bool store_part_safe(const char *part)
{
    return !strstr(part, "..") && part[0] != '/';
}

dq_code render_store_result(const dq_action_config *a, const action_view *v,
                            const dq_render_context *ctx, dq_request_list *out, dq_error *err)
{
    (void)ctx;
    if (strcmp(dq_setting_str(a, "format", "json"), "json") != 0)
        return dq_fail(err, DQ_ECONFIG,
                       "store_result writes format json only; "
                       "use dqbatch restore to keep YAML files");
    bool compress = dq_setting_bool(a, "compress", false);
    char *partition = store_partition(a, v);
    if (!partition)
        return DQ_ENOMEM;
    if (!store_part_safe(partition) || !store_part_safe(v->run_id)) {
        free(partition);
        return dq_fail(err, DQ_EUNSAFE, "run id or partition would leave store_path");
    }
    const char *base = dq_setting_str(a, "store_path", "./truthound_results");
    char *path = dq_asprintf("%s/%s%s%s.json%s", base, partition, *partition ? "/" : "", v->run_id,
                             compress ? ".gz" : "");
    free(partition);
    dq_buf text, packed;
    dq_buf_init(&text, (size_t)512 << 20);
    dq_buf_init(&packed, (size_t)512 << 20);
    dq_code rc = path ? dq_py_json_indent(v->r->doc, 2, &text) : DQ_ENOMEM;
    if (!rc && compress)
        rc = store_gzip(&text, &packed);
    dq_request *req = NULL;
    if (!rc)
        rc = action_request(out, a, v->r, DQ_REQUEST_FILE, DQ_PROVIDER_FILE, path, "store", &req);
    if (!rc) {
        dq_buf *body = compress ? &packed : &text;
        req->url = path;
        path = NULL;
        req->method = dq_strdup("PUT"); /* replace the file, do not append */
        req->destination_label = dq_asprintf("file:%s", base);
        req->body_len = body->len;
        req->body = dq_buf_steal(body);
        rc = req->destination_label && req->body && req->method ? DQ_OK : DQ_ENOMEM;
    }
    free(path);
    dq_buf_free(&text);
    dq_buf_free(&packed);
    return rc;
}
