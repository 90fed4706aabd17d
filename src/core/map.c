/* A string-keyed hash map of indexes (open addressing, linear probing), and the set of
 * owned strings built on it. Keys are borrowed: they must outlive the map. Each slot keeps
 * its key's hash, so growing never hashes a key again and most probes end without a
 * string comparison. */
#include <stdlib.h>
#include <string.h>

#include "dqbatch/core.h"

static uint64_t key_hash(const char *key)
{
    return dq_hash64(key, strlen(key), 0x6d6170ULL);
}

static size_t slot_of(const dq_map *m, uint64_t hash)
{
    return (size_t)hash & (m->cap - 1);
}

/* cap: a power of two, at least twice len. */
static dq_code map_resize(dq_map *m, size_t cap)
{
    dq_map bigger = {.cap = cap, .len = m->len};
    bigger.keys = calloc(bigger.cap, sizeof(*bigger.keys));
    bigger.values = malloc(bigger.cap * sizeof(*bigger.values));
    bigger.hashes = malloc(bigger.cap * sizeof(*bigger.hashes));
    if (!bigger.keys || !bigger.values || !bigger.hashes) {
        dq_map_free(&bigger);
        return DQ_ENOMEM;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i])
            continue;
        size_t j = slot_of(&bigger, m->hashes[i]);
        while (bigger.keys[j])
            j = (j + 1) & (bigger.cap - 1);
        bigger.keys[j] = m->keys[i];
        bigger.values[j] = m->values[i];
        bigger.hashes[j] = m->hashes[i];
    }
    dq_map_free(m);
    *m = bigger;
    return DQ_OK;
}

static dq_code map_grow(dq_map *m)
{
    return map_resize(m, m->cap ? m->cap * 2 : 64);
}

dq_code dq_map_reserve(dq_map *m, size_t count)
{
    if (count > SIZE_MAX / 4)
        return DQ_ENOMEM;
    size_t cap = m->cap ? m->cap : 64;
    while (cap < count * 2)
        cap *= 2;
    return cap == m->cap ? DQ_OK : map_resize(m, cap);
}

dq_code dq_map_put(dq_map *m, const char *key, size_t value)
{
    if ((m->len + 1) * 2 > m->cap && map_grow(m) != DQ_OK)
        return DQ_ENOMEM;
    uint64_t hash = key_hash(key);
    size_t j = slot_of(m, hash);
    while (m->keys[j] && (m->hashes[j] != hash || strcmp(m->keys[j], key) != 0))
        j = (j + 1) & (m->cap - 1);
    if (!m->keys[j])
        m->len++;
    m->keys[j] = key;
    m->values[j] = value;
    m->hashes[j] = hash;
    return DQ_OK;
}

bool dq_map_get(const dq_map *m, const char *key, size_t *value)
{
    if (!m->cap)
        return false;
    uint64_t hash = key_hash(key);
    for (size_t j = slot_of(m, hash); m->keys[j]; j = (j + 1) & (m->cap - 1)) {
        if (m->hashes[j] == hash && strcmp(m->keys[j], key) == 0) {
            *value = m->values[j];
            return true;
        }
    }
    return false;
}

void dq_map_free(dq_map *m)
{
    free(m->keys);
    free(m->values);
    free(m->hashes);
    memset(m, 0, sizeof(*m));
}

const char *dq_strset_find(const dq_strset *set, const char *s)
{
    size_t at;
    return dq_map_get(&set->index, s, &at) ? set->items.items[at] : NULL;
}

const char *dq_strset_add(dq_strset *set, const char *s)
{
    const char *found = dq_strset_find(set, s);
    if (found)
        return found;
    if (dq_strlist_add(&set->items, s))
        return NULL;
    size_t at = set->items.len - 1;
    if (dq_map_put(&set->index, set->items.items[at], at)) {
        /* Not findable, so not held: the set stays as it was. */
        free(set->items.items[at]);
        set->items.len = at;
        return NULL;
    }
    return set->items.items[at];
}

void dq_strset_free(dq_strset *set)
{
    dq_map_free(&set->index);
    dq_strlist_free(&set->items);
}
