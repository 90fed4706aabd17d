/* Per-result arenas for the cJSON trees dq_decode builds. A stored result makes one node
 * and one string per JSON value; taking each from malloc and giving each back with
 * cJSON_Delete cost a third of a whole `ls`. Here a result's tree is bump-allocated from
 * big blocks, and dq_result_free gives the blocks back at once without walking the tree.
 *
 * cJSON has one set of allocation hooks for the whole process, so the hooks fall through
 * to malloc/free unless the calling thread is inside dq_decode (arena_active). cJSON may
 * still free arena memory: a parse that fails frees its partial tree, and any code may
 * delete or detach items of a result's document. The free hook therefore recognises arena
 * memory, through a process-wide registry of arena blocks, and leaves it alone.
 *
 * Under AddressSanitizer every allocation is its own malloc'd block (and is registered as
 * one), so ASan still sees overflows and use after free node by node, while the arena's
 * lifetime rules are the same as in a release build. */
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode_internal.h"

#if defined(__SANITIZE_ADDRESS__)
#define ARENA_PER_NODE 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_PER_NODE 1
#endif
#endif
#ifndef ARENA_PER_NODE
#define ARENA_PER_NODE 0
#endif

/* Blocks are aligned on their size, so the block of an arena pointer is the pointer with
 * its low bits cleared: one registry lookup tells arena memory from malloc's. A typical
 * stored result's tree fits in one or two blocks. */
#define ARENA_BLOCK ((size_t)64 << 10)
/* Past this an allocation gets a block of its own rather than wasting a block's end. */
#define ARENA_BIG (ARENA_BLOCK / 4)
#define ARENA_ALIGN alignof(max_align_t)

#if ARENA_PER_NODE
#define ARENA_KEY_MASK ((uintptr_t)0)
#else
#define ARENA_KEY_MASK ((uintptr_t)(ARENA_BLOCK - 1))
#endif

typedef struct arena_block {
    void *base;
    size_t size;
} arena_block;

struct dq_arena {
    dq_decode_cache *home; /* takes standard blocks back, or NULL */
    char *next;            /* free room in the current block */
    char *end;
    char *last;          /* the latest allocation from the current block, or NULL */
    arena_block *blocks; /* every block (every node under ASan) */
    size_t len;
    size_t cap;
};

/* ---- the registry of arena blocks --------------------------------------------------- */

/* Process-wide, like the cJSON hooks it serves: the free hook may see arena memory on any
 * thread. An open-addressing set of block addresses under a lock, and a table of counts
 * read without the lock so that freeing malloc memory (every other cJSON tree) almost
 * never takes it. A block registered before its memory was handed out is seen by any
 * thread that got that memory, through whatever handed it over. */
#define REGISTRY_HINTS 1024

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static uintptr_t *registry_keys; /* 0: empty slot */
static size_t registry_cap;      /* a power of two, or 0 */
static size_t registry_len;
static atomic_uint registry_hints[REGISTRY_HINTS];

static uint64_t registry_hash(uintptr_t key)
{
    return (uint64_t)key * UINT64_C(0x9E3779B97F4A7C15);
}

static size_t registry_hint_of(uintptr_t key)
{
    return (size_t)(registry_hash(key) >> 54) % REGISTRY_HINTS;
}

static size_t registry_home(uintptr_t key, size_t cap)
{
    return (size_t)(registry_hash(key) >> 20) & (cap - 1);
}

/* The slot holding key, or the empty slot where it would go. Called under the lock. */
static size_t registry_find(const uintptr_t *keys, size_t cap, uintptr_t key)
{
    size_t i = registry_home(key, cap);
    while (keys[i] && keys[i] != key)
        i = (i + 1) & (cap - 1);
    return i;
}

static bool registry_grow(void)
{
    size_t cap = registry_cap ? registry_cap * 2 : 64;
    uintptr_t *keys = calloc(cap, sizeof(*keys));
    if (!keys)
        return false;
    for (size_t i = 0; i < registry_cap; i++) {
        if (registry_keys[i])
            keys[registry_find(keys, cap, registry_keys[i])] = registry_keys[i];
    }
    free(registry_keys);
    registry_keys = keys;
    registry_cap = cap;
    return true;
}

static bool registry_add(uintptr_t key)
{
    pthread_mutex_lock(&registry_lock);
    bool ok = registry_len + 1 <= registry_cap / 2 || registry_grow();
    if (ok) {
        registry_keys[registry_find(registry_keys, registry_cap, key)] = key;
        registry_len++;
        atomic_fetch_add_explicit(&registry_hints[registry_hint_of(key)], 1, memory_order_relaxed);
    }
    pthread_mutex_unlock(&registry_lock);
    return ok;
}

/* Linear probing without tombstones: the keys after the hole that would no longer be
 * found move back into it. */
static void registry_close_hole(size_t hole)
{
    size_t mask = registry_cap - 1;
    for (size_t j = (hole + 1) & mask; registry_keys[j]; j = (j + 1) & mask) {
        size_t home = registry_home(registry_keys[j], registry_cap);
        bool reachable = hole <= j ? hole < home && home <= j : hole < home || home <= j;
        if (reachable)
            continue;
        registry_keys[hole] = registry_keys[j];
        registry_keys[j] = 0;
        hole = j;
    }
}

static void registry_remove(uintptr_t key)
{
    pthread_mutex_lock(&registry_lock);
    size_t i = registry_find(registry_keys, registry_cap, key);
    if (registry_keys[i] == key) {
        registry_keys[i] = 0;
        registry_len--;
        registry_close_hole(i);
        atomic_fetch_sub_explicit(&registry_hints[registry_hint_of(key)], 1, memory_order_relaxed);
    }
    pthread_mutex_unlock(&registry_lock);
}

static bool registry_has(uintptr_t key)
{
    if (atomic_load_explicit(&registry_hints[registry_hint_of(key)], memory_order_relaxed) == 0)
        return false;
    pthread_mutex_lock(&registry_lock);
    bool found = registry_keys[registry_find(registry_keys, registry_cap, key)] == key;
    pthread_mutex_unlock(&registry_lock);
    return found;
}

static uintptr_t arena_key(const void *p)
{
    return (uintptr_t)p & ~ARENA_KEY_MASK;
}

/* ---- blocks ------------------------------------------------------------------------- */

/* A registered block of size bytes (a multiple of ARENA_BLOCK, or any size under ASan). */
static void *arena_block_new(size_t size)
{
    void *base = NULL;
    if (ARENA_PER_NODE)
        base = malloc(size);
    else if (posix_memalign(&base, ARENA_BLOCK, size) != 0)
        base = NULL;
    if (base && !registry_add(arena_key(base))) {
        free(base);
        base = NULL;
    }
    return base;
}

static void arena_block_free(void *base)
{
    registry_remove(arena_key(base));
    free(base);
}

/* ---- the worker's cache ------------------------------------------------------------- */

dq_decode_cache *dq_decode_cache_new(void)
{
    dq_decode_cache *cache = calloc(1, sizeof(*cache));
    if (!cache)
        return NULL;
    if (pthread_mutex_init(&cache->lock, NULL) != 0) {
        free(cache);
        return NULL;
    }
    cache->refs = 1;
    return cache;
}

/* Drops one reference; the last one frees the cache and the blocks it kept. */
static void cache_unref(dq_decode_cache *cache)
{
    pthread_mutex_lock(&cache->lock);
    bool last = --cache->refs == 0;
    pthread_mutex_unlock(&cache->lock);
    if (!last)
        return;
    for (size_t i = 0; i < cache->len; i++)
        arena_block_free(cache->blocks[i]);
    dq_decode_inflate_end(cache);
    pthread_mutex_destroy(&cache->lock);
    free(cache);
}

void dq_decode_cache_free(dq_decode_cache *cache)
{
    if (cache)
        cache_unref(cache);
}

static void *cache_take(dq_decode_cache *cache)
{
    void *base = NULL;
    if (!cache)
        return NULL;
    pthread_mutex_lock(&cache->lock);
    if (cache->len > 0)
        base = cache->blocks[--cache->len];
    pthread_mutex_unlock(&cache->lock);
    return base;
}

static bool cache_keep(dq_decode_cache *cache, void *base)
{
    bool kept = false;
    if (!cache)
        return false;
    pthread_mutex_lock(&cache->lock);
    if (cache->len < DQ_DECODE_CACHE_BLOCKS) {
        cache->blocks[cache->len++] = base;
        kept = true;
    }
    pthread_mutex_unlock(&cache->lock);
    return kept;
}

/* ---- arenas ------------------------------------------------------------------------- */

dq_arena *dq_arena_new(dq_decode_cache *home)
{
    dq_arena *arena = calloc(1, sizeof(*arena));
    if (!arena)
        return NULL;
    if (home) {
        pthread_mutex_lock(&home->lock);
        home->refs++;
        pthread_mutex_unlock(&home->lock);
    }
    arena->home = home;
    return arena;
}

static bool arena_block_is_standard(const arena_block *b)
{
    return !ARENA_PER_NODE && b->size == ARENA_BLOCK;
}

void dq_arena_release(dq_arena *arena)
{
    if (!arena)
        return;
    for (size_t i = 0; i < arena->len; i++) {
        arena_block *b = &arena->blocks[i];
        if (!arena_block_is_standard(b) || !cache_keep(arena->home, b->base))
            arena_block_free(b->base);
    }
    free(arena->blocks);
    if (arena->home)
        cache_unref(arena->home);
    free(arena);
}

/* A new block of size bytes recorded in the arena; NULL when out of memory. */
static void *arena_add_block(dq_arena *arena, size_t size, bool standard)
{
    if (arena->len == arena->cap) {
        size_t cap = arena->cap ? arena->cap * 2 : 4;
        arena_block *blocks = realloc(arena->blocks, cap * sizeof(*blocks));
        if (!blocks)
            return NULL;
        arena->blocks = blocks;
        arena->cap = cap;
    }
    void *base = standard ? cache_take(arena->home) : NULL;
    if (!base)
        base = arena_block_new(size);
    if (base)
        arena->blocks[arena->len++] = (arena_block){base, size};
    return base;
}

static void *arena_alloc(dq_arena *arena, size_t size)
{
    if (size == 0)
        size = 1;
    if (size > SIZE_MAX - ARENA_BLOCK)
        return NULL;
    size = (size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
    if (ARENA_PER_NODE)
        return arena_add_block(arena, size, false);
    if (size > ARENA_BIG)
        return arena_add_block(arena, (size + ARENA_BLOCK - 1) & ~(ARENA_BLOCK - 1), false);
    if ((size_t)(arena->end - arena->next) < size) {
        char *base = arena_add_block(arena, ARENA_BLOCK, true);
        if (!base)
            return NULL;
        arena->next = base;
        arena->end = base + ARENA_BLOCK;
    }
    arena->last = arena->next;
    arena->next += size;
    return arena->last;
}

/* cJSON takes a buffer for every number it parses and frees it at once: the latest
 * allocation goes back to the arena (under ASan, to malloc) instead of piling up, and its
 * free costs no registry lookup. */
static bool arena_give_back(dq_arena *arena, void *p)
{
    if (p == arena->last) {
        arena->next = arena->last;
        arena->last = NULL;
        return true;
    }
    if (arena->len == 0)
        return false;
    arena_block *b = &arena->blocks[arena->len - 1];
    if (b->base != p || arena_block_is_standard(b))
        return false;
    arena->len--;
    arena_block_free(p);
    return true;
}

/* ---- the cJSON hooks ---------------------------------------------------------------- */

static _Thread_local dq_arena *arena_active;

static void *arena_hook_malloc(size_t size)
{
    return arena_active ? arena_alloc(arena_active, size) : malloc(size);
}

/* Arena memory is released with its arena, never one piece at a time. */
static void arena_hook_free(void *p)
{
    if (!p || (arena_active && arena_give_back(arena_active, p)))
        return;
    if (!registry_has(arena_key(p)))
        free(p);
}

static pthread_once_t arena_hooks_once = PTHREAD_ONCE_INIT;

static void arena_hooks_install(void)
{
    cJSON_Hooks hooks = {arena_hook_malloc, arena_hook_free};
    cJSON_InitHooks(&hooks);
}

void dq_decode_setup(void)
{
    pthread_once(&arena_hooks_once, arena_hooks_install);
}

dq_arena *dq_arena_enter(dq_arena *arena)
{
    dq_decode_setup();
    dq_arena *previous = arena_active;
    arena_active = arena;
    return previous;
}

void dq_arena_leave(dq_arena *previous)
{
    arena_active = previous;
}
