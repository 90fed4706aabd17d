/* A set of strings stored once: a store has few checkpoints and assets but many runs, so
 * records share one copy of each name instead of carrying their own. */
#include <stdlib.h>
#include <string.h>

#include "scan_internal.h"

static size_t intern_slot(const scan_intern *t, const char *s, size_t n)
{
    size_t mask = t->cap - 1;
    size_t i = (size_t)dq_hash64(s, n, 0) & mask;
    while (t->items[i] && strcmp(t->items[i], s) != 0)
        i = (i + 1) & mask;
    return i;
}

static dq_code intern_grow(scan_intern *t)
{
    size_t cap = t->cap ? t->cap * 2 : 64;
    char **old = t->items;
    size_t old_cap = t->cap;
    t->items = calloc(cap, sizeof(char *));
    if (!t->items) {
        t->items = old;
        return DQ_ENOMEM;
    }
    t->cap = cap;
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i])
            t->items[intern_slot(t, old[i], strlen(old[i]))] = old[i];
    }
    free(old);
    return DQ_OK;
}

const char *scan_intern_get(scan_intern *t, const char *s)
{
    if ((t->len + 1) * 4 > t->cap * 3 && intern_grow(t) != DQ_OK)
        return NULL;
    size_t n = strlen(s);
    size_t i = intern_slot(t, s, n);
    if (!t->items[i]) {
        if (!(t->items[i] = dq_strndup(s, n)))
            return NULL;
        t->len++;
    }
    return t->items[i];
}

void scan_intern_free(scan_intern *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->cap; i++)
        free(t->items[i]);
    free(t->items);
    free(t);
}
