/* Entries: what a file name says it is, building and handing out entries, and reading
 * an entry's bytes on a worker thread. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source_internal.h"

static const char *const result_suffixes[] = {
    ".json", ".json.gz", ".yaml", ".yaml.gz", ".yml", ".yml.gz",
};

static const char *const archive_suffixes[] = {
    ".tar", ".tar.gz", ".tgz", ".tar.zst", ".tar.xz", ".tar.bz2", ".zip",
};

static bool ends_with_any(const char *name, const char *const *suffixes, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (dq_str_ends_with(name, suffixes[i]))
            return true;
    return false;
}

source_kind source_name_kind(const char *name)
{
    if (ends_with_any(name, result_suffixes, sizeof(result_suffixes) / sizeof(*result_suffixes)))
        return SOURCE_RESULT;
    if (dq_source_is_archive_name(name))
        return SOURCE_ARCHIVE;
    return SOURCE_OTHER;
}

bool dq_source_is_archive_name(const char *name)
{
    return ends_with_any(name, archive_suffixes,
                         sizeof(archive_suffixes) / sizeof(*archive_suffixes));
}

dq_entry *source_entry_new(const char *name, const char *relpath)
{
    dq_entry *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    e->name = dq_strdup(name);
    e->relpath = dq_strdup(relpath);
    if (!e->name || !e->relpath) {
        dq_entry_free(e);
        return NULL;
    }
    dq_buf_init(&e->data, 0);
    return e;
}

void source_emit(source_walker *w, dq_entry *entry)
{
    entry->input = w->input;
    entry->seq = w->seq++;
    if (w->fn(entry, w->ctx) != 0)
        w->stopped = true;
}

static void entry_vfail(dq_entry *e, dq_code code, const char *fmt, va_list ap)
{
    vsnprintf(e->error.msg, sizeof(e->error.msg), fmt, ap);
    e->error.code = code;
    dq_buf_free(&e->data);
}

void source_entry_fail(dq_entry *e, dq_code code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    entry_vfail(e, code, fmt, ap);
    va_end(ap);
}

dq_code source_emit_error(source_walker *w, const char *name, const char *relpath, dq_code code,
                          const char *fmt, ...)
{
    dq_entry *e = source_entry_new(name, relpath ? relpath : name);
    if (!e)
        return DQ_ENOMEM;
    va_list ap;
    va_start(ap, fmt);
    entry_vfail(e, code, fmt, ap);
    va_end(ap);
    source_emit(w, e);
    return DQ_OK;
}

void dq_entry_free(dq_entry *entry)
{
    if (!entry)
        return;
    free(entry->name);
    free(entry->relpath);
    free(entry->file);
    free(entry->etag);
    dq_buf_free(&entry->data);
    free(entry);
}

/* After max bytes were read: one more byte means the file grew past the cap. */
static dq_code expect_end(int fd, const char *name, size_t max, dq_error *err)
{
    char probe;
    ssize_t n;
    do
        n = read(fd, &probe, 1);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return dq_fail(err, DQ_EIO, "%s: cannot read: %s", name, strerror(errno));
    if (n > 0)
        return dq_fail(err, DQ_ETOOBIG, "%s: larger than %zu bytes", name, max);
    return DQ_OK;
}

static dq_code reserve_for(dq_buf *out, size_t extra, const char *name, dq_error *err)
{
    dq_code rc = dq_buf_reserve(out, extra);
    if (rc == DQ_ETOOBIG)
        return dq_fail(err, rc, "%s: larger than the buffer's %zu bytes", name, out->max);
    if (rc)
        return dq_fail(err, rc, "%s: out of memory", name);
    return DQ_OK;
}

/* Reads the open regular file into out, at most max bytes. Reads straight into the
 * buffer (the walker only listed the file, so this is the one copy), sized by the file's
 * stat size plus one byte so that the read which sees the end needs no growth. */
static dq_code read_fd(int fd, const char *name, size_t max, size_t size, dq_buf *out,
                       dq_error *err)
{
    dq_code rc = reserve_for(out, size < max ? size + 1 : max, name, err);
    while (rc == DQ_OK) {
        if (out->len >= max)
            return expect_end(fd, name, max, err);
        size_t limit = max - out->len;
        size_t room = out->cap - out->len - 1;
        if (room == 0) {
            rc = reserve_for(out, limit < 65536 ? limit : 65536, name, err);
            if (rc)
                break;
            room = out->cap - out->len - 1;
        }
        ssize_t n = read(fd, out->data + out->len, room < limit ? room : limit);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return dq_fail(err, DQ_EIO, "%s: cannot read: %s", name, strerror(errno));
        if (n == 0)
            break;
        out->len += (size_t)n;
        out->data[out->len] = '\0';
    }
    return rc;
}

static dq_code load_file(const dq_entry *entry, size_t max, dq_buf *out, dq_error *err)
{
    /* O_NOFOLLOW: the walker saw a regular file here (or resolved a symlink inside the
     * tree to its real path); if it was since replaced by a symlink, do not follow it.
     * O_NONBLOCK: a FIFO put in its place must not hang the worker. */
    int fd = open(entry->file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return dq_fail(err, errno == ELOOP ? DQ_EUNSAFE : DQ_EIO, "%s: cannot open: %s",
                       entry->name,
                       errno == ELOOP ? "now a symlink, not followed" : strerror(errno));
    struct stat st;
    dq_code rc = DQ_OK;
    if (fstat(fd, &st) != 0)
        rc = dq_fail(err, DQ_EIO, "%s: cannot stat: %s", entry->name, strerror(errno));
    else if (!S_ISREG(st.st_mode))
        rc = dq_fail(err, DQ_EIO, "%s: not a regular file", entry->name);
    else if ((uint64_t)st.st_size > max)
        rc = dq_fail(err, DQ_ETOOBIG, "%s: %lld bytes, larger than %zu", entry->name,
                     (long long)st.st_size, max);
    else
        rc = read_fd(fd, entry->name, max, (size_t)st.st_size, out, err);
    close(fd);
    return rc;
}

dq_code dq_entry_load(dq_entry *entry, size_t max, dq_buf *out, dq_error *err)
{
    if (entry->error.code != DQ_OK)
        return dq_fail(err, entry->error.code, "%s", entry->error.msg);
    if (entry->unfetched)
        return dq_fail(err, DQ_EIO, "%s: not fetched (the consumer knew it)", entry->name);
    dq_buf_reset(out);
    if (entry->file)
        return load_file(entry, max, out, err);
    if (entry->data.len > max)
        return dq_fail(err, DQ_ETOOBIG, "%s: %zu bytes, larger than %zu", entry->name,
                       entry->data.len, max);
    /* Archive bytes were read once on the walking thread: move them, do not copy. */
    dq_buf_free(out);
    *out = entry->data;
    dq_buf_init(&entry->data, out->max);
    return DQ_OK;
}
