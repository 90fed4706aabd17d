/* dqbatch restore: writes the selected results as a truthound store in a chosen layout,
 * or into an archive. Each document is carried over byte for byte (gzipped only when
 * --compress asks), and a different file already at a target path is an error, never an
 * overwrite. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "commands.h"
#include "dqbatch/objstore.h"
#include "options.h"

static const char restore_help[] =
    "usage: dqbatch restore [options] PATH... -o OUT\n"
    "Write the selected results as a truthound store (StoreValidationResult's layout), or\n"
    "into an archive when OUT ends in .tar, .tar.gz, .tgz or .zip, or into a bucket when\n"
    "OUT is s3://bucket/prefix or gs://bucket/prefix.\n\n"
    "  -o, --output OUT      the store directory, archive or bucket to write\n"
    "  --partition-by P      date (default), checkpoint, status or none\n"
    "  --compress            gzip JSON results (as truthound's compress=True)\n";

typedef enum restore_target_kind {
    RESTORE_DIRECTORY,
    RESTORE_TAR,
    RESTORE_TAR_GZ,
    RESTORE_ZIP,
    RESTORE_BUCKET,
} restore_target_kind;

typedef struct restore_job {
    const char *output;
    restore_target_kind kind;
    dq_partition partition;
    bool compress;
    size_t max_bytes;
    const dq_records *records; /* the winners, sorted by (input, seq) */
    struct archive *archive;   /* when writing an archive */
    dq_objstore *bucket;       /* when writing into a bucket */
    char *archive_tmp;
    size_t written;
    size_t unchanged;
    size_t failed;
} restore_job;

static restore_target_kind restore_kind(const char *output)
{
    if (dq_objstore_is_uri(output))
        return RESTORE_BUCKET;
    if (dq_str_ends_with(output, ".tar.gz") || dq_str_ends_with(output, ".tgz"))
        return RESTORE_TAR_GZ;
    if (dq_str_ends_with(output, ".tar"))
        return RESTORE_TAR;
    if (dq_str_ends_with(output, ".zip"))
        return RESTORE_ZIP;
    return RESTORE_DIRECTORY;
}

static int compare_origin(const void *a, const void *b)
{
    const dq_record *x = a, *y = b;
    if (x->input != y->input)
        return x->input < y->input ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static const dq_record *restore_find(const restore_job *job, const dq_entry *entry)
{
    dq_record key = {.input = entry->input, .seq = entry->seq};
    if (job->records->len == 0)
        return NULL;
    return bsearch(&key, job->records->items, job->records->len, sizeof(dq_record), compare_origin);
}

/* A path below the output that cannot leave it: no empty, "." or ".." component. */
static bool restore_path_safe(const char *path)
{
    if (path[0] == '/' || path[0] == '\0')
        return false;
    for (const char *p = path; *p;) {
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return false;
        if (!end)
            break;
        p = end + 1;
    }
    return true;
}

/* The name StoreValidationResult gives the file: run_id, the format's suffix, and .gz
 * when compressed (truthound adds .gz to YAML too, though it writes YAML plain). */
static char *restore_relpath(const restore_job *job, const dq_record *rec, bool gzip_name)
{
    char *dir = dq_partition_dir(job->partition, rec->checkpoint_name, rec->run_time, rec->status);
    if (!dir)
        return NULL;
    const char *suffix = rec->format == DQ_FORMAT_YAML ? "yaml" : "json";
    char *path = dq_asprintf("%s%s%s.%s%s", dir, dir[0] ? "/" : "", rec->run_id, suffix,
                             gzip_name ? ".gz" : "");
    free(dir);
    return path;
}

/* gzip at level 9 with the header Python's gzip module writes: FNAME without ".gz". */
static dq_code restore_gzip(const dq_buf *in, const char *fname, int64_t mtime, dq_buf *out)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return DQ_ENOMEM;
    gz_header header;
    memset(&header, 0, sizeof(header));
    header.name = (Bytef *)fname;
    header.time = (uLong)(mtime > 0 ? mtime : 0);
    header.os = 255;
    deflateSetHeader(&z, &header);
    uLong bound = deflateBound(&z, (uLong)in->len) + strlen(fname) + 32;
    dq_code rc = dq_buf_reserve(out, bound);
    if (rc == DQ_OK) {
        z.next_in = (Bytef *)in->data;
        z.avail_in = (uInt)in->len;
        z.next_out = (Bytef *)out->data;
        z.avail_out = (uInt)bound;
        rc = deflate(&z, Z_FINISH) == Z_STREAM_END ? DQ_OK : DQ_EFORMAT;
        out->len = z.total_out;
    }
    deflateEnd(&z);
    return rc;
}

static dq_code restore_write_file(restore_job *job, const char *relpath, const dq_buf *bytes,
                                  dq_error *err)
{
    char *path = dq_asprintf("%s/%s", job->output, relpath);
    if (!path)
        return dq_fail(err, DQ_ENOMEM, "out of memory");
    dq_buf existing;
    dq_buf_init(&existing, bytes->len + 1);
    dq_code rc = DQ_OK;
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (dq_file_read(path, bytes->len + 1, &existing, NULL) == DQ_OK &&
            existing.len == bytes->len && memcmp(existing.data, bytes->data, bytes->len) == 0)
            job->unchanged++;
        else
            rc = dq_fail(err, DQ_EEXIST, "%s: a different file is already there", path);
    } else {
        rc = dq_file_write_atomic(path, bytes->data, bytes->len, err);
        if (rc == DQ_OK)
            job->written++;
    }
    dq_buf_free(&existing);
    free(path);
    return rc;
}

/* As for a file: an equal object already there is left alone, a different one is an
 * error, never an overwrite. */
static dq_code restore_write_object(restore_job *job, const char *relpath, const dq_buf *bytes,
                                    dq_error *err)
{
    dq_buf existing;
    dq_buf_init(&existing, bytes->len + 1);
    bool found = false;
    dq_code rc = dq_objstore_get(job->bucket, relpath, bytes->len + 1, &existing, &found, err);
    if (rc == DQ_ETOOBIG) { /* longer than ours, so different */
        found = true;
        rc = DQ_OK;
    }
    if (rc == DQ_OK && !found)
        rc = dq_objstore_put(job->bucket, relpath, bytes->data, bytes->len, err);
    if (rc == DQ_OK && !found)
        job->written++;
    else if (rc == DQ_OK && existing.len == bytes->len &&
             memcmp(existing.data, bytes->data, bytes->len) == 0)
        job->unchanged++;
    else if (rc == DQ_OK) {
        char *name = dq_objstore_name(job->bucket, relpath);
        rc = dq_fail(err, DQ_EEXIST, "%s: a different object is already there",
                     name ? name : relpath);
        free(name);
    }
    dq_buf_free(&existing);
    return rc;
}

static dq_code restore_write_member(restore_job *job, const char *relpath, const dq_buf *bytes,
                                    int64_t mtime, dq_error *err)
{
    struct archive_entry *e = archive_entry_new();
    if (!e)
        return dq_fail(err, DQ_ENOMEM, "out of memory");
    archive_entry_set_pathname_utf8(e, relpath);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, (la_int64_t)bytes->len);
    archive_entry_set_mtime(e, (time_t)mtime, 0);
    dq_code rc = DQ_OK;
    if (archive_write_header(job->archive, e) != ARCHIVE_OK ||
        archive_write_data(job->archive, bytes->data, bytes->len) != (la_ssize_t)bytes->len)
        rc = dq_fail(err, DQ_EIO, "%s: %s: %s", job->output, relpath,
                     archive_error_string(job->archive));
    else
        job->written++;
    archive_entry_free(e);
    return rc;
}

static dq_code restore_one(restore_job *job, dq_entry *entry, const dq_record *rec, dq_error *err)
{
    dq_buf raw, packed;
    dq_buf_init(&raw, job->max_bytes);
    dq_buf_init(&packed, job->max_bytes + 4096);
    dq_code rc = dq_entry_load(entry, job->max_bytes, &raw, err);
    bool gzip_now = job->compress && rec->format == DQ_FORMAT_JSON && !rec->compressed;
    bool gzip_name =
        rec->compressed || gzip_now ||
        (rec->format == DQ_FORMAT_YAML && (job->compress || dq_str_ends_with(entry->name, ".gz")));
    char *relpath = restore_relpath(job, rec, gzip_name);
    if (rc == DQ_OK && !relpath)
        rc = dq_fail(err, DQ_ENOMEM, "out of memory");
    if (rc == DQ_OK && !restore_path_safe(relpath))
        rc = dq_fail(err, DQ_EUNSAFE, "%s: the target path '%s' would leave %s; not written",
                     entry->name, relpath, job->output);
    if (rc == DQ_OK && gzip_now) {
        char *fname = restore_relpath(job, rec, false);
        const char *base = fname ? strrchr(fname, '/') : NULL;
        rc = fname ? restore_gzip(&raw, base ? base + 1 : fname, entry->mtime, &packed) : DQ_ENOMEM;
        if (rc)
            dq_fail(err, rc, "%s: cannot compress", entry->name);
        free(fname);
    }
    const dq_buf *bytes = gzip_now ? &packed : &raw;
    if (rc == DQ_OK && job->kind == RESTORE_DIRECTORY)
        rc = restore_write_file(job, relpath, bytes, err);
    else if (rc == DQ_OK && job->kind == RESTORE_BUCKET)
        rc = restore_write_object(job, relpath, bytes, err);
    else if (rc == DQ_OK)
        rc = restore_write_member(job, relpath, bytes, entry->mtime, err);
    free(relpath);
    dq_buf_free(&raw);
    dq_buf_free(&packed);
    return rc;
}

static int restore_entry(dq_entry *entry, void *ctx)
{
    restore_job *job = ctx;
    const dq_record *rec = entry->error.code ? NULL : restore_find(job, entry);
    if (rec) {
        dq_error err = {0};
        if (restore_one(job, entry, rec, &err) != DQ_OK) {
            dq_errorf("%s", err.msg);
            job->failed++;
        }
    }
    dq_entry_free(entry);
    return 0;
}

static dq_code restore_archive_open(restore_job *job, dq_error *err)
{
    struct stat st;
    if (stat(job->output, &st) == 0)
        return dq_fail(err, DQ_EEXIST, "%s: already exists; not overwritten", job->output);
    job->archive_tmp = dq_asprintf("%s.tmp-%ld", job->output, (long)getpid());
    job->archive = archive_write_new();
    if (!job->archive_tmp || !job->archive)
        return dq_fail(err, DQ_ENOMEM, "out of memory");
    int r = job->kind == RESTORE_ZIP ? archive_write_set_format_zip(job->archive)
                                     : archive_write_set_format_pax_restricted(job->archive);
    if (r == ARCHIVE_OK && job->kind == RESTORE_TAR_GZ)
        r = archive_write_add_filter_gzip(job->archive);
    if (r == ARCHIVE_OK)
        r = archive_write_open_filename(job->archive, job->archive_tmp);
    if (r != ARCHIVE_OK)
        return dq_fail(err, DQ_EIO, "%s: %s", job->output, archive_error_string(job->archive));
    return DQ_OK;
}

static dq_code restore_archive_close(restore_job *job, bool keep, dq_error *err)
{
    dq_code rc = DQ_OK;
    if (job->archive) {
        if (archive_write_close(job->archive) != ARCHIVE_OK && keep)
            rc = dq_fail(err, DQ_EIO, "%s: %s", job->output, archive_error_string(job->archive));
        archive_write_free(job->archive);
    }
    if (job->archive_tmp) {
        if (keep && rc == DQ_OK && rename(job->archive_tmp, job->output) != 0)
            rc = dq_fail(err, DQ_EIO, "%s: %s", job->output, strerror(errno));
        if (!keep || rc)
            unlink(job->archive_tmp);
        free(job->archive_tmp);
    }
    return rc;
}

static int restore_run(dq_cli_common *common, restore_job *job)
{
    dq_scan_opts opts;
    dq_cli_scan_opts(common, &opts);
    dq_records records;
    dq_scan_report report;
    dq_error err = {0};
    dq_code rc = dq_cli_scan(common, &records, &report);
    if (records.len > 1)
        qsort(records.items, records.len, sizeof(dq_record), compare_origin);
    job->records = &records;
    job->max_bytes = opts.max_result_bytes;
    bool archive = job->kind != RESTORE_DIRECTORY && job->kind != RESTORE_BUCKET;
    /* libarchive converts member names through the thread's locale; under "C" it cannot
     * write a non-ASCII checkpoint name at all. */
    locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    locale_t old = utf8 ? uselocale(utf8) : (locale_t)0;
    dq_code out_rc = job->kind == RESTORE_DIRECTORY ? dq_mkdirs(job->output, &err)
                     : job->kind == RESTORE_BUCKET
                         ? dq_objstore_open(job->output, &job->bucket, &err)
                         : restore_archive_open(job, &err);
    if (out_rc == DQ_OK) {
        dq_source_opts source_opts = {.max_bytes = opts.max_result_bytes};
        dq_source_walk(opts.inputs, opts.input_count, &source_opts, restore_entry, job, NULL);
        if (archive)
            out_rc = restore_archive_close(job, true, &err);
    } else if (archive) {
        restore_archive_close(job, false, NULL);
    }
    if (utf8) {
        uselocale(old);
        freelocale(utf8);
    }
    if (out_rc)
        dq_errorf("%s", err.msg);
    dq_objstore_close(job->bucket);
    int status = dq_cli_scan_summary(&report, "results");
    dq_note("%zu written, %zu already there, %zu failed", job->written, job->unchanged,
            job->failed);
    dq_records_free(&records);
    return status || rc || out_rc || job->failed ? 1 : 0;
}

typedef struct restore_args {
    restore_job *job;
    const char *partition;
} restore_args;

static int restore_option(void *ctx, int argc, char **argv, int *i)
{
    restore_args *a = ctx;
    const dq_cli_option valued[] = {
        {"-o", &a->job->output}, {"--output", &a->job->output}, {"--partition-by", &a->partition}};
    if (dq_cli_flag(argv, *i, "--compress"))
        return a->job->compress = true;
    return dq_cli_take_valued(argc, argv, i, valued, sizeof(valued) / sizeof(valued[0]));
}

int cmd_restore(int argc, char **argv)
{
    dq_cli_common common;
    dq_cli_common_init(&common);
    restore_job job = {.partition = DQ_PARTITION_DATE};
    restore_args args = {.job = &job};
    dq_error err = {0};
    int status = dq_cli_parse(argc, argv, "restore", restore_help, &common, restore_option, &args);
    if (status >= 0)
        goto out;
    status = 2;
    if (args.partition && dq_partition_parse(args.partition, &job.partition, &err) != DQ_OK) {
        fprintf(stderr, "dqbatch restore: %s\n", err.msg);
        goto out;
    }
    if (!job.output) {
        fprintf(stderr, "dqbatch restore: -o OUT is required\n%s", restore_help);
        goto out;
    }
    if (!dq_cli_common_check(&common, "restore"))
        goto out;
    job.kind = restore_kind(job.output);
    status = restore_run(&common, &job);
out:
    dq_cli_common_free(&common);
    return status;
}
