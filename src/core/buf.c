/* dq_buf: a growable buffer that carries its own maximum (after curl's lib/dynbuf.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dqbatch/core.h"

#define DQ_BUF_MIN 64

void dq_buf_init(dq_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void dq_buf_free(dq_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void dq_buf_reset(dq_buf *b)
{
    dq_buf_truncate(b, 0);
}

void dq_buf_truncate(dq_buf *b, size_t len)
{
    if (len > b->len)
        return;
    b->len = len;
    if (b->data)
        b->data[len] = '\0';
}

/* Makes room for extra more bytes plus the terminating NUL. */
dq_code dq_buf_reserve(dq_buf *b, size_t extra)
{
    if (extra > b->max || b->len > b->max - extra)
        return DQ_ETOOBIG;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return DQ_OK;
    size_t cap = b->cap ? b->cap : DQ_BUF_MIN;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (cap > b->max + 1)
        cap = b->max + 1;
    char *data = realloc(b->data, cap);
    if (!data)
        return DQ_ENOMEM;
    b->data = data;
    b->cap = cap;
    return DQ_OK;
}

/* dq_buf_add when the bytes may not fit. */
dq_code dq_buf_add_grow(dq_buf *b, const void *p, size_t n)
{
    dq_code rc = dq_buf_reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return DQ_OK;
}

dq_code dq_buf_adds(dq_buf *b, const char *s)
{
    return dq_buf_add(b, s, strlen(s));
}

dq_code dq_buf_addc(dq_buf *b, char c)
{
    return dq_buf_add(b, &c, 1);
}

dq_code dq_buf_vprintf(dq_buf *b, const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    char small[256];
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    if (n < 0) {
        va_end(again);
        return DQ_EFORMAT;
    }
    if ((size_t)n < sizeof(small)) {
        va_end(again);
        return dq_buf_add(b, small, (size_t)n);
    }
    dq_code rc = dq_buf_reserve(b, (size_t)n);
    if (rc == DQ_OK) {
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, again);
        b->len += (size_t)n;
    }
    va_end(again);
    return rc;
}

dq_code dq_buf_printf(dq_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dq_code rc = dq_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

char *dq_buf_steal(dq_buf *b)
{
    char *data = b->data;
    if (!data) {
        data = malloc(1);
        if (data)
            data[0] = '\0';
    }
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return data;
}

const char *dq_buf_str(const dq_buf *b)
{
    return b->data ? b->data : "";
}

void *dq_array_grow(void *items, size_t len, size_t *cap, size_t size, size_t first)
{
    if (len < *cap)
        return items;
    size_t want = *cap ? *cap * 2 : first;
    if (want < *cap || want > SIZE_MAX / size)
        return NULL;
    void *grown = realloc(items, want * size);
    if (grown)
        *cap = want;
    return grown;
}
