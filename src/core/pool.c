/* The worker pool: a fixed set of threads taking items from a bounded ring. */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "dqbatch/core.h"

typedef struct pool_worker {
    struct dq_pool *pool;
    int index;
} pool_worker;

struct dq_pool {
    pthread_mutex_t lock;
    pthread_cond_t not_empty;
    pthread_cond_t not_full;
    void **ring;
    size_t size;
    size_t head;
    size_t count;
    bool closing;
    dq_pool_fn fn;
    void *ctx;
    int thread_count;
    pthread_t *threads;
    pool_worker *workers;
};

static void *pool_run(void *arg)
{
    pool_worker *worker = arg;
    dq_pool *pool = worker->pool;
    for (;;) {
        pthread_mutex_lock(&pool->lock);
        while (pool->count == 0 && !pool->closing)
            pthread_cond_wait(&pool->not_empty, &pool->lock);
        if (pool->count == 0) {
            pthread_mutex_unlock(&pool->lock);
            return NULL;
        }
        void *item = pool->ring[pool->head];
        pool->head = (pool->head + 1) % pool->size;
        pool->count--;
        pthread_cond_signal(&pool->not_full);
        pthread_mutex_unlock(&pool->lock);
        pool->fn(item, pool->ctx, worker->index);
    }
}

int dq_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (int)n;
}

static void pool_free(dq_pool *pool)
{
    pthread_mutex_destroy(&pool->lock);
    pthread_cond_destroy(&pool->not_empty);
    pthread_cond_destroy(&pool->not_full);
    free(pool->ring);
    free(pool->threads);
    free(pool->workers);
    free(pool);
}

dq_pool *dq_pool_new(int threads, size_t queue_size, dq_pool_fn fn, void *ctx)
{
    if (threads < 1)
        threads = dq_cpu_count();
    if (queue_size < 1)
        queue_size = 1;
    dq_pool *pool = calloc(1, sizeof(*pool));
    if (!pool)
        return NULL;
    pool->ring = calloc(queue_size, sizeof(void *));
    pool->threads = calloc((size_t)threads, sizeof(pthread_t));
    pool->workers = calloc((size_t)threads, sizeof(pool_worker));
    pool->size = queue_size;
    pool->fn = fn;
    pool->ctx = ctx;
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->not_empty, NULL);
    pthread_cond_init(&pool->not_full, NULL);
    if (!pool->ring || !pool->threads || !pool->workers) {
        pool_free(pool);
        return NULL;
    }
    for (int i = 0; i < threads; i++) {
        pool->workers[i] = (pool_worker){.pool = pool, .index = i};
        if (pthread_create(&pool->threads[i], NULL, pool_run, &pool->workers[i]) != 0)
            break;
        pool->thread_count++;
    }
    if (pool->thread_count == 0) {
        pool_free(pool);
        return NULL;
    }
    return pool;
}

int dq_pool_threads(const dq_pool *pool)
{
    return pool->thread_count;
}

void dq_pool_submit(dq_pool *pool, void *item)
{
    pthread_mutex_lock(&pool->lock);
    while (pool->count == pool->size)
        pthread_cond_wait(&pool->not_full, &pool->lock);
    pool->ring[(pool->head + pool->count) % pool->size] = item;
    pool->count++;
    pthread_cond_signal(&pool->not_empty);
    pthread_mutex_unlock(&pool->lock);
}

void dq_pool_finish(dq_pool *pool)
{
    pthread_mutex_lock(&pool->lock);
    pool->closing = true;
    pthread_cond_broadcast(&pool->not_empty);
    pthread_mutex_unlock(&pool->lock);
    for (int i = 0; i < pool->thread_count; i++)
        pthread_join(pool->threads[i], NULL);
    pool_free(pool);
}
