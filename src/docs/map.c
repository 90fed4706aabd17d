/* A string-keyed hash map of indexes (open addressing, linear probing). Keys are
 * borrowed: they must outlive the map. */
#include <stdlib.h>
#include <string.h>

#include "docs_map.h"

static uint64_t key_hash(const char *key)
{
    return dq_hash64(key, strlen(key), 0x6d6170ULL);
}

static dq_code map_grow(docs_map *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    const char **keys = calloc(cap, sizeof(*keys));
    size_t *values = malloc(cap * sizeof(*values));
    if (!keys || !values) {
        free(keys);
        free(values);
        return DQ_ENOMEM;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i])
            continue;
        size_t j = key_hash(m->keys[i]) & (cap - 1);
        while (keys[j])
            j = (j + 1) & (cap - 1);
        keys[j] = m->keys[i];
        values[j] = m->values[i];
    }
    free(m->keys);
    free(m->values);
    m->keys = keys;
    m->values = values;
    m->cap = cap;
    return DQ_OK;
}

dq_code docs_map_put(docs_map *m, const char *key, size_t value)
{
    if ((m->len + 1) * 2 > m->cap && map_grow(m) != DQ_OK)
        return DQ_ENOMEM;
    size_t j = key_hash(key) & (m->cap - 1);
    while (m->keys[j] && strcmp(m->keys[j], key) != 0)
        j = (j + 1) & (m->cap - 1);
    if (!m->keys[j])
        m->len++;
    m->keys[j] = key;
    m->values[j] = value;
    return DQ_OK;
}

bool docs_map_get(const docs_map *m, const char *key, size_t *value)
{
    if (!m->cap)
        return false;
    size_t j = key_hash(key) & (m->cap - 1);
    while (m->keys[j]) {
        if (strcmp(m->keys[j], key) == 0) {
            *value = m->values[j];
            return true;
        }
        j = (j + 1) & (m->cap - 1);
    }
    return false;
}

void docs_map_free(docs_map *m)
{
    free(m->keys);
    free(m->values);
    memset(m, 0, sizeof(*m));
}
