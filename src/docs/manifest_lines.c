/* The lines of a stretch of a manifest, read with pread in large blocks: two threads can
 * read two halves of one file through one descriptor, and no line is copied out of the
 * block it arrived in. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "docs_map.h"

#define LINES_BLOCK ((size_t)256 << 10)
#define LINES_SPLIT_LOOK ((size_t)64 << 10) /* how far past the middle a newline is sought */

void docs_lines_init(docs_lines *l, int fd, int64_t at, int64_t end, size_t max_line)
{
    memset(l, 0, sizeof(*l));
    l->fd = fd;
    l->at = at;
    l->end = end;
    l->max_line = max_line;
    /* A line too long is still buffered whole, plus the block read after it. */
    dq_buf_init(&l->buf, max_line + 2 * LINES_BLOCK);
}

void docs_lines_free(docs_lines *l)
{
    dq_buf_free(&l->buf);
}

/* Reads one more block after the buffered bytes, which move to the front first. */
static dq_code lines_fill(docs_lines *l)
{
    dq_buf *b = &l->buf;
    if (l->start) {
        memmove(b->data, b->data + l->start, b->len - l->start);
        b->len -= l->start;
        l->start = 0;
    }
    dq_code rc = dq_buf_reserve(b, LINES_BLOCK);
    if (rc)
        return rc;
    /* The NUL dq_buf keeps room for is the one after the last line handed out. */
    size_t want = b->cap - b->len - 1;
    ssize_t n;
    do
        n = pread(l->fd, b->data + b->len, want, (off_t)(l->at + (int64_t)b->len));
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return DQ_EIO;
    l->eof = n == 0;
    b->len += (size_t)n;
    b->data[b->len] = '\0';
    return DQ_OK;
}

/* Hands out the next n buffered bytes as a line, NUL-terminated like getline's (the byte
 * it covers is put back on the next call). */
static dq_code lines_take(docs_lines *l, size_t n, const char **line, size_t *len)
{
    char *data = l->buf.data;
    *line = data + l->start;
    *len = n;
    l->start += n;
    l->at += (int64_t)n;
    l->covered = data[l->start];
    data[l->start] = '\0';
    l->restore = true;
    return n > l->max_line ? DQ_ETOOBIG : DQ_OK;
}

dq_code docs_lines_next(docs_lines *l, const char **line, size_t *len)
{
    *len = 0;
    if (l->restore)
        l->buf.data[l->start] = l->covered;
    l->restore = false;
    if (l->at >= l->end)
        return DQ_OK;
    for (;;) {
        size_t have = l->buf.len - l->start;
        const char *next = l->buf.data + l->start;
        const char *nl = have ? memchr(next, '\n', have) : NULL;
        if (nl)
            return lines_take(l, (size_t)(nl - next) + 1, line, len);
        if (l->eof)
            return have ? lines_take(l, have, line, len) : DQ_OK;
        if (have > l->max_line)
            return lines_take(l, have, line, len); /* too long, whatever its end */
        dq_code rc = lines_fill(l);
        if (rc)
            return rc;
    }
}

int64_t docs_lines_split(int fd, int64_t size)
{
    int64_t middle = size / 2;
    char look[LINES_SPLIT_LOOK];
    ssize_t n;
    do
        n = pread(fd, look, sizeof(look), (off_t)middle);
    while (n < 0 && errno == EINTR);
    const char *nl = n > 0 ? memchr(look, '\n', (size_t)n) : NULL;
    return nl ? middle + (nl - look) + 1 : size;
}
