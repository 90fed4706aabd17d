/* Archives, read with libarchive on the walking thread: members come out with their
 * bytes, in archive order. Only regular files with stored-result names are taken; a
 * member path that is absolute or climbs with ".." is refused, whatever its type, and
 * nothing from an archive is ever written or followed. */
#include <archive.h>
#include <archive_entry.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source_internal.h"

/* One member's outcome for the loop over headers. */
typedef enum member_next {
    MEMBER_CONTINUE,
    MEMBER_STOP, /* the archive cannot be read further */
} member_next;

typedef struct archive_walk {
    source_walker *w;
    struct archive *a;
    const char *name; /* the archive as shown */
} archive_walk;

static const char *archive_message(struct archive *a)
{
    const char *msg = archive_error_string(a);
    return msg ? msg : "unknown error";
}

/* Absolute, or with a ".." component. Backslashes count as separators too: zip files
 * made on Windows use them, and a restore must never write "..\x" anywhere. */
static bool member_path_unsafe(const char *path)
{
    if (path[0] == '/' || path[0] == '\\')
        return true;
    for (const char *p = path; *p;) {
        size_t n = strcspn(p, "/\\");
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return true;
        p += n;
        if (*p)
            p++;
    }
    return false;
}

/* Fills the gap a sparse member leaves before offset with zeros. */
static dq_code pad_to(dq_buf *b, int64_t offset)
{
    if (offset < 0 || (uint64_t)offset < b->len)
        return DQ_EFORMAT;
    size_t gap = (size_t)offset - b->len;
    if (gap == 0)
        return DQ_OK;
    dq_code rc = dq_buf_reserve(b, gap);
    if (rc)
        return rc;
    memset(b->data + b->len, 0, gap);
    b->len += gap;
    b->data[b->len] = '\0';
    return DQ_OK;
}

/* Reads the member's bytes into e->data, bounded by the member cap. A failure of the
 * archive itself (truncated, corrupt) sets *next to MEMBER_STOP. */
static dq_code read_member(archive_walk *aw, struct archive_entry *ae, dq_entry *e,
                           member_next *next)
{
    if (archive_entry_size_is_set(ae) && archive_entry_size(ae) > 0 &&
        dq_buf_reserve(&e->data, (size_t)archive_entry_size(ae)) == DQ_ENOMEM)
        return DQ_ENOMEM;
    for (;;) {
        const void *block;
        size_t len;
        la_int64_t offset;
        int r = archive_read_data_block(aw->a, &block, &len, &offset);
        if (r == ARCHIVE_EOF)
            return DQ_OK;
        if (r == ARCHIVE_FATAL) {
            source_entry_fail(e, DQ_EFORMAT, "%s: truncated or corrupt archive: %s", e->name,
                              archive_message(aw->a));
            *next = MEMBER_STOP;
            return DQ_OK;
        }
        if (r < ARCHIVE_WARN) {
            /* This member only (encrypted, an unsupported method): the next may be fine. */
            source_entry_fail(e, DQ_EFORMAT, "%s: cannot read member: %s", e->name,
                              archive_message(aw->a));
            return DQ_OK;
        }
        dq_code rc = pad_to(&e->data, offset);
        if (rc == DQ_OK)
            rc = dq_buf_add(&e->data, block, len);
        if (rc == DQ_ENOMEM)
            return rc;
        if (rc == DQ_ETOOBIG) {
            /* The rest is skipped by the next header read. */
            source_entry_fail(e, DQ_ETOOBIG, "%s: larger than %zu bytes", e->name,
                              aw->w->max_bytes);
            return DQ_OK;
        }
        if (rc) {
            source_entry_fail(e, DQ_EFORMAT, "%s: bad block offset in archive", e->name);
            return DQ_OK;
        }
    }
}

static dq_code take_regular(archive_walk *aw, struct archive_entry *ae, const char *shown,
                            const char *path, member_next *next)
{
    int64_t size = archive_entry_size_is_set(ae) ? archive_entry_size(ae) : -1;
    if (size > 0 && (uint64_t)size > aw->w->max_bytes)
        return source_emit_error(aw->w, shown, path, DQ_ETOOBIG,
                                 "%s: %lld bytes, larger than %zu, not read", shown,
                                 (long long)size, aw->w->max_bytes);
    dq_entry *e = source_entry_new(shown, path);
    if (!e)
        return DQ_ENOMEM;
    dq_buf_init(&e->data, aw->w->max_bytes);
    dq_code rc = read_member(aw, ae, e, next);
    if (rc) {
        dq_entry_free(e);
        return rc;
    }
    e->size = size >= 0 ? size : (int64_t)e->data.len;
    e->mtime = archive_entry_mtime(ae);
    source_emit(aw->w, e);
    return DQ_OK;
}

static dq_code take_member(archive_walk *aw, struct archive_entry *ae, const char *shown,
                           const char *path, member_next *next)
{
    if (member_path_unsafe(path))
        return source_emit_error(aw->w, shown, path, DQ_EUNSAFE,
                                 "%s: unsafe member path (absolute or with ..), refused", shown);
    source_kind kind = source_name_kind(path);
    if (archive_entry_filetype(ae) == AE_IFDIR || kind == SOURCE_OTHER)
        return DQ_OK;
    if (archive_entry_hardlink(ae) || archive_entry_filetype(ae) == AE_IFLNK)
        return source_emit_error(aw->w, shown, path, DQ_EUNSAFE, "%s: a link member, not followed",
                                 shown);
    if (archive_entry_filetype(ae) != AE_IFREG)
        return source_emit_error(aw->w, shown, path, DQ_EFORMAT, "%s: not a regular file", shown);
    if (kind == SOURCE_ARCHIVE) {
        dq_note("%s: an archive inside an archive is not opened", shown);
        return DQ_OK;
    }
    return take_regular(aw, ae, shown, path, next);
}

/* Names the member "archive:member" and hands it on. Names come as UTF-8 where the
 * archive says what they are (PAX path records, the zip UTF-8 flag), else as stored. */
static dq_code visit_member(archive_walk *aw, struct archive_entry *ae, member_next *next)
{
    const char *path = archive_entry_pathname_utf8(ae);
    if (!path)
        path = archive_entry_pathname(ae);
    if (!path || !*path)
        return source_emit_error(aw->w, aw->name, aw->name, DQ_EFORMAT,
                                 "%s: a member without a name", aw->name);
    char *shown = dq_asprintf("%s:%s", aw->name, path);
    if (!shown)
        return DQ_ENOMEM;
    dq_code rc = take_member(aw, ae, shown, path, next);
    free(shown);
    return rc;
}

static dq_code read_members(archive_walk *aw)
{
    while (!aw->w->stopped) {
        struct archive_entry *ae;
        int r = archive_read_next_header(aw->a, &ae);
        if (r == ARCHIVE_EOF)
            return DQ_OK;
        /* ARCHIVE_WARN still gives a usable header; RETRY and FATAL do not. */
        if (r < ARCHIVE_WARN)
            return source_emit_error(aw->w, aw->name, aw->name, DQ_EFORMAT,
                                     "%s: truncated or corrupt archive: %s", aw->name,
                                     archive_message(aw->a));
        member_next next = MEMBER_CONTINUE;
        dq_code rc = visit_member(aw, ae, &next);
        if (rc || next == MEMBER_STOP)
            return rc;
    }
    return DQ_OK;
}

static dq_code walk_archive_fd(source_walker *w, int fd, const char *name)
{
    struct archive *a = archive_read_new();
    if (!a)
        return DQ_ENOMEM;
    /* The format by the name (so a random file is never taken for some exotic format),
     * the compression by libarchive's own detection among the ones a store is packed
     * with. Not "all": some of libarchive's filters run an external program. */
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_bzip2(a);
    archive_read_support_filter_xz(a);
    archive_read_support_filter_lzma(a);
    archive_read_support_filter_zstd(a);
    if (dq_str_ends_with(name, ".zip"))
        archive_read_support_format_zip(a);
    else
        archive_read_support_format_tar(a);
    archive_walk aw = {.w = w, .a = a, .name = name};
    dq_code rc;
    if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK)
        rc = source_emit_error(w, name, name, DQ_EFORMAT, "%s: cannot read archive: %s", name,
                               archive_message(a));
    else
        rc = read_members(&aw);
    archive_read_free(a);
    return rc;
}

dq_code source_walk_archive(source_walker *w, int fd, const char *name)
{
    /* libarchive converts member names to the locale's charset, and under the C locale
     * it loses every non-ASCII name (the zip UTF-8 flag, PAX path records). A UTF-8
     * LC_CTYPE for this thread only, while the archive is read, keeps them as UTF-8
     * without touching the process's locale. */
    locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    locale_t old = utf8 ? uselocale(utf8) : (locale_t)0;
    dq_code rc = walk_archive_fd(w, fd, name);
    if (utf8) {
        uselocale(old);
        freelocale(utf8);
    }
    return rc;
}
