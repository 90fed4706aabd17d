/* PyYAML's merge keys: "<<: *defaults" (or "<<: [*a, *b]") in a mapping brings in the
 * keys of the merged mappings that the mapping does not set itself. SafeConstructor's
 * flatten_mapping puts the merged pairs first, each "<<" in order, the mappings of a list
 * last to first, then the mapping's own pairs; a dict then keeps the last value of each
 * key at the place where the key first appeared. The tree is built the same way, without
 * duplicate keys, so cJSON's own lookups agree with Python's. */
#include <stdlib.h>
#include <string.h>

#include "yaml_internal.h"

bool dq_yaml_mergeable(const cJSON *value)
{
    if (cJSON_IsObject(value))
        return true;
    if (!cJSON_IsArray(value))
        return false;
    for (const cJSON *item = value->child; item; item = item->next) {
        if (!cJSON_IsObject(item))
            return false;
    }
    return true;
}

static size_t merge_count(const cJSON *obj)
{
    size_t n = 0;
    for (const cJSON *c = obj->child; c; c = c->next)
        n++;
    return n;
}

/* Appends obj's members to pairs, unlinked (cJSON_Delete frees a node's next siblings
 * too), and takes them from obj. */
static void merge_take(cJSON *obj, cJSON **pairs, size_t *len)
{
    cJSON *next = NULL;
    for (cJSON *c = obj->child; c; c = next) {
        next = c->next;
        c->next = NULL;
        c->prev = NULL;
        pairs[(*len)++] = c;
    }
    obj->child = NULL;
}

/* The pairs in flatten_mapping's order; every source is left empty. */
static void merge_collect(cJSON *mapping, cJSON *merges, cJSON **pairs, size_t *len)
{
    for (cJSON *source = merges->child; source; source = source->next) {
        if (cJSON_IsObject(source)) {
            merge_take(source, pairs, len);
            continue;
        }
        cJSON *last = source->child ? source->child->prev : NULL;
        for (cJSON *item = last; item; item = item == source->child ? NULL : item->prev)
            merge_take(item, pairs, len);
    }
    merge_take(mapping, pairs, len);
}

static size_t merge_count_all(const cJSON *mapping, const cJSON *merges)
{
    size_t n = merge_count(mapping);
    for (const cJSON *source = merges->child; source; source = source->next) {
        if (cJSON_IsObject(source))
            n += merge_count(source);
        for (const cJSON *item = cJSON_IsArray(source) ? source->child : NULL; item;
             item = item->next)
            n += merge_count(item);
    }
    return n;
}

/* Keeps one pair per key: the first place, the last value. An overridden pair goes to
 * the graveyard rather than being freed, as an anchor may still point into it. */
static size_t merge_dedupe(cJSON **pairs, size_t len, size_t *slots, size_t mask, cJSON *graveyard)
{
    size_t kept = 0;
    for (size_t i = 0; i < len; i++) {
        const char *key = pairs[i]->string;
        size_t s = (size_t)dq_hash64(key, strlen(key), 0) & mask;
        while (slots[s] && strcmp(pairs[slots[s] - 1]->string, key) != 0)
            s = (s + 1) & mask;
        if (slots[s]) {
            cJSON_AddItemToArray(graveyard, pairs[slots[s] - 1]);
            pairs[slots[s] - 1] = pairs[i];
            continue;
        }
        pairs[kept] = pairs[i];
        slots[s] = ++kept;
    }
    return kept;
}

dq_code dq_yaml_merge_apply(cJSON *mapping, cJSON *merges, cJSON *graveyard)
{
    size_t len = merge_count_all(mapping, merges);
    size_t cap = 16;
    while (cap < 2 * len)
        cap *= 2;
    cJSON **pairs = malloc((len ? len : 1) * sizeof(*pairs));
    size_t *slots = calloc(cap, sizeof(*slots));
    if (!pairs || !slots) {
        free(pairs);
        free(slots);
        return DQ_ENOMEM;
    }
    size_t n = 0;
    merge_collect(mapping, merges, pairs, &n);
    n = merge_dedupe(pairs, n, slots, cap - 1, graveyard);
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(mapping, pairs[i]);
    free(slots);
    free(pairs);
    cJSON_Delete(merges); /* emptied, and private: anchored sources were copied */
    return DQ_OK;
}
