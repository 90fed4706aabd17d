/* gen_tree: the random stream, the arena and the document nodes of gen_store. */
#include "gen.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- splitmix64 ---------------------------------------------------------------------- */

uint64_t gen_rng_next(gen_rng *rng)
{
    uint64_t z = (rng->state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t gen_rng_below(gen_rng *rng, uint64_t bound)
{
    /* Rejection keeps the draw unbiased: values past the last whole multiple of bound
     * are drawn again. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
    uint64_t value;
    do {
        value = gen_rng_next(rng);
    } while (value >= limit);
    return value % bound;
}

double gen_rng_unit(gen_rng *rng)
{
    return (double)(gen_rng_next(rng) >> 11) * 0x1.0p-53;
}

bool gen_rng_chance(gen_rng *rng, double probability)
{
    return gen_rng_unit(rng) < probability;
}

gen_rng gen_rng_fork(uint64_t seed, uint64_t index)
{
    gen_rng mixer = {seed ^ (index * 0xd1342543de82ef95ULL)};
    gen_rng forked = {gen_rng_next(&mixer)};
    return forked;
}

/* ---- arena --------------------------------------------------------------------------- */

enum { GEN_CHUNK_SIZE = 64 * 1024 };

struct gen_arena_chunk {
    gen_arena_chunk *next;
    size_t used;
    size_t size;
    max_align_t data[];
};

void gen_arena_init(gen_arena *arena)
{
    arena->chunks = NULL;
    arena->failed = false;
}

void gen_arena_free(gen_arena *arena)
{
    gen_arena_chunk *chunk = arena->chunks;
    while (chunk) {
        gen_arena_chunk *next = chunk->next;
        free(chunk);
        chunk = next;
    }
    gen_arena_init(arena);
}

static gen_arena_chunk *arena_chunk_new(gen_arena *arena, size_t want)
{
    size_t size = want > GEN_CHUNK_SIZE ? want : GEN_CHUNK_SIZE;
    gen_arena_chunk *chunk = malloc(sizeof *chunk + size);
    if (!chunk) {
        arena->failed = true;
        return NULL;
    }
    chunk->used = 0;
    chunk->size = size;
    chunk->next = arena->chunks;
    arena->chunks = chunk;
    return chunk;
}

void *gen_arena_alloc(gen_arena *arena, size_t size)
{
    size_t align = sizeof(max_align_t);
    size = (size + align - 1) / align * align;
    gen_arena_chunk *chunk = arena->chunks;
    if (!chunk || chunk->size - chunk->used < size) {
        chunk = arena_chunk_new(arena, size);
        if (!chunk) {
            return NULL;
        }
    }
    void *p = (char *)chunk->data + chunk->used;
    chunk->used += size;
    memset(p, 0, size);
    return p;
}

char *gen_arena_strdup(gen_arena *arena, const char *s)
{
    size_t n = strlen(s) + 1;
    char *copy = gen_arena_alloc(arena, n);
    if (copy) {
        memcpy(copy, s, n);
    }
    return copy;
}

char *gen_arena_printf(gen_arena *arena, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        arena->failed = true;
        return NULL;
    }
    char *s = gen_arena_alloc(arena, (size_t)n + 1);
    if (!s) {
        return NULL;
    }
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* ---- nodes --------------------------------------------------------------------------- */

static gen_node *node_new(gen_arena *arena, gen_kind kind)
{
    gen_node *node = gen_arena_alloc(arena, sizeof *node);
    if (node) {
        node->kind = kind;
    }
    return node;
}

gen_node *gen_null(gen_arena *arena)
{
    return node_new(arena, GEN_NULL);
}

gen_node *gen_bool(gen_arena *arena, bool value)
{
    gen_node *node = node_new(arena, GEN_BOOL);
    if (node) {
        node->boolean = value;
    }
    return node;
}

gen_node *gen_int(gen_arena *arena, int64_t value)
{
    gen_node *node = node_new(arena, GEN_INT);
    if (node) {
        node->integer = value;
    }
    return node;
}

gen_node *gen_float(gen_arena *arena, double value)
{
    gen_node *node = node_new(arena, GEN_FLOAT);
    if (node) {
        node->real = value;
    }
    return node;
}

gen_node *gen_string(gen_arena *arena, const char *utf8)
{
    if (!utf8) {
        arena->failed = true;
        return NULL;
    }
    gen_node *node = node_new(arena, GEN_STRING);
    if (node) {
        node->text = gen_arena_strdup(arena, utf8);
        if (!node->text) {
            return NULL;
        }
    }
    return node;
}

gen_node *gen_array(gen_arena *arena)
{
    return node_new(arena, GEN_ARRAY);
}

gen_node *gen_object(gen_arena *arena)
{
    return node_new(arena, GEN_OBJECT);
}

static void container_append(gen_arena *arena, gen_node *container, const char *key,
                             gen_node *value)
{
    if (!container || !value) {
        arena->failed = true;
        return;
    }
    gen_slot *slot = gen_arena_alloc(arena, sizeof *slot);
    if (!slot) {
        return;
    }
    slot->key = key;
    slot->value = value;
    if (container->last) {
        container->last->next = slot;
    } else {
        container->first = slot;
    }
    container->last = slot;
    container->count++;
}

void gen_push(gen_arena *arena, gen_node *array, gen_node *value)
{
    container_append(arena, array, NULL, value);
}

void gen_set(gen_arena *arena, gen_node *object, const char *key, gen_node *value)
{
    /* Keys are string literals or arena strings, both outliving the document. */
    container_append(arena, object, key, value);
}

void gen_set_string(gen_arena *arena, gen_node *object, const char *key, const char *utf8)
{
    gen_set(arena, object, key, gen_string(arena, utf8));
}

void gen_set_int(gen_arena *arena, gen_node *object, const char *key, int64_t value)
{
    gen_set(arena, object, key, gen_int(arena, value));
}

void gen_set_float(gen_arena *arena, gen_node *object, const char *key, double value)
{
    gen_set(arena, object, key, gen_float(arena, value));
}

void gen_set_bool(gen_arena *arena, gen_node *object, const char *key, bool value)
{
    gen_set(arena, object, key, gen_bool(arena, value));
}

void gen_set_null(gen_arena *arena, gen_node *object, const char *key)
{
    gen_set(arena, object, key, gen_null(arena));
}

gen_node *gen_shallow_copy(gen_arena *arena, const gen_node *container)
{
    if (!container) {
        arena->failed = true;
        return NULL;
    }
    gen_node *copy = node_new(arena, container->kind);
    for (const gen_slot *slot = container->first; slot && copy; slot = slot->next) {
        container_append(arena, copy, slot->key, slot->value);
    }
    return copy;
}
