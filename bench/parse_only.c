/* parse_only: the speed limit for reading a store. It lists the files under the given
 * paths, then N threads take them one at a time from a shared counter, read each,
 * inflate it when it starts with the gzip magic, and only cJSON_Parse and cJSON_Delete
 * it: no model, no sorting, no output. dqbatch ls does all of this plus its own work,
 * so its rate divided by this one says how much the rest costs.
 *
 * With --decode, each file goes through dqbatch's own dq_decode instead (its JSON
 * parser, its arenas, the result model) and dq_result_free: what every dqbatch command
 * pays per result before its own work, so that a command's rate over this one isolates
 * that work.
 *
 *   parse_only [--jobs N] [--decode] PATH...
 *
 * Prints one line of key=value figures. YAML files are counted as skipped: cJSON cannot
 * read them, so benchmark stores are generated without YAML. */
#include <cJSON.h>
#include <errno.h>
#include <fts.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include <dqbatch/core.h>
#include <dqbatch/decode.h>

enum { PARSE_MAX_BYTES = 256 * 1024 * 1024 };

typedef struct parse_job {
    const dq_strlist *files;
    bool decode; /* dq_decode instead of cJSON_Parse */
    atomic_size_t next;
    atomic_size_t parsed;
    atomic_size_t failed;
    atomic_size_t skipped;
    atomic_ullong bytes; /* after inflating */
} parse_job;

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Every regular file under the paths, in the order fts gives them; symlinks not followed. */
static dq_code list_files(char **paths, dq_strlist *files)
{
    FTS *fts = fts_open(paths, FTS_PHYSICAL | FTS_NOCHDIR, NULL);
    if (!fts) {
        fprintf(stderr, "parse_only: %s: %s\n", paths[0], strerror(errno));
        return DQ_EIO;
    }
    dq_code rc = DQ_OK;
    FTSENT *entry;
    while (rc == DQ_OK && (entry = fts_read(fts))) {
        if (entry->fts_info == FTS_F) {
            rc = dq_strlist_add(files, entry->fts_path);
        } else if (entry->fts_info == FTS_DNR || entry->fts_info == FTS_ERR ||
                   entry->fts_info == FTS_NS) {
            fprintf(stderr, "parse_only: %s: %s\n", entry->fts_path, strerror(entry->fts_errno));
        }
    }
    fts_close(fts);
    return rc;
}

static dq_code inflate_gzip(const dq_buf *in, dq_buf *out)
{
    z_stream z = {0};
    if (inflateInit2(&z, 15 + 16) != Z_OK) {
        return DQ_ENOMEM;
    }
    z.next_in = (Bytef *)in->data;
    z.avail_in = (uInt)in->len;
    int zrc = Z_OK;
    dq_code rc = DQ_OK;
    while (zrc == Z_OK && rc == DQ_OK) {
        rc = dq_buf_reserve(out, in->len * 4 + 4096);
        if (rc != DQ_OK) {
            break;
        }
        z.next_out = (Bytef *)out->data + out->len;
        z.avail_out = (uInt)(out->cap - out->len - 1);
        zrc = inflate(&z, Z_NO_FLUSH);
        out->len = (size_t)((char *)z.next_out - out->data);
    }
    inflateEnd(&z);
    if (rc == DQ_OK && zrc != Z_STREAM_END) {
        rc = DQ_EFORMAT;
    }
    return rc;
}

static bool is_yaml(const char *path)
{
    return strstr(path, ".yaml") != NULL;
}

/* Reads, inflates and parses one file; true when cJSON accepted it. */
static bool parse_file(const char *path, dq_buf *raw, dq_buf *plain, unsigned long long *bytes)
{
    dq_error err;
    dq_buf_reset(raw);
    dq_buf_reset(plain);
    if (dq_file_read(path, PARSE_MAX_BYTES, raw, &err) != DQ_OK) {
        fprintf(stderr, "parse_only: %s\n", err.msg);
        return false;
    }
    const dq_buf *text = raw;
    if (raw->len >= 2 && (unsigned char)raw->data[0] == 0x1f &&
        (unsigned char)raw->data[1] == 0x8b) {
        if (inflate_gzip(raw, plain) != DQ_OK) {
            fprintf(stderr, "parse_only: %s: bad gzip\n", path);
            return false;
        }
        text = plain;
    }
    cJSON *doc = cJSON_ParseWithLength(text->data, text->len);
    if (!doc) {
        fprintf(stderr, "parse_only: %s: cJSON cannot parse it\n", path);
        return false;
    }
    cJSON_Delete(doc);
    *bytes = text->len;
    return true;
}

/* Reads and decodes one file as dqbatch does; true when it is a stored result. */
static bool decode_file(const char *path, dq_buf *raw, dq_buf *plain, dq_decode_cache *cache,
                        unsigned long long *bytes)
{
    dq_error err;
    dq_buf_reset(raw);
    if (dq_file_read(path, PARSE_MAX_BYTES, raw, &err) != DQ_OK) {
        fprintf(stderr, "parse_only: %s\n", err.msg);
        return false;
    }
    dq_decode_opts opts = {.max_bytes = PARSE_MAX_BYTES, .scratch = plain, .cache = cache};
    dq_result r;
    if (dq_decode(path, raw->data, raw->len, DQ_FORMAT_JSON, &opts, &r, &err) != DQ_OK) {
        fprintf(stderr, "parse_only: %s\n", err.msg);
        return false;
    }
    dq_result_free(&r);
    *bytes = dq_decode_is_gzip(raw->data, raw->len) ? plain->len : raw->len;
    return true;
}

static void *parse_worker(void *arg)
{
    parse_job *job = arg;
    dq_buf raw, plain;
    dq_buf_init(&raw, PARSE_MAX_BYTES);
    dq_buf_init(&plain, PARSE_MAX_BYTES);
    dq_decode_cache *cache = job->decode ? dq_decode_cache_new() : NULL;
    size_t i;
    while ((i = atomic_fetch_add(&job->next, 1)) < job->files->len) {
        const char *path = job->files->items[i];
        unsigned long long bytes = 0;
        if (is_yaml(path)) {
            atomic_fetch_add(&job->skipped, 1);
            continue;
        }
        bool ok = job->decode ? decode_file(path, &raw, &plain, cache, &bytes)
                              : parse_file(path, &raw, &plain, &bytes);
        if (ok) {
            atomic_fetch_add(&job->parsed, 1);
            atomic_fetch_add(&job->bytes, bytes);
        } else {
            atomic_fetch_add(&job->failed, 1);
        }
    }
    dq_decode_cache_free(cache);
    dq_buf_free(&raw);
    dq_buf_free(&plain);
    return NULL;
}

static int parse_jobs_arg(int *argc, char ***argv)
{
    int jobs = dq_cpu_count();
    if (*argc >= 3 && strcmp((*argv)[1], "--jobs") == 0) {
        char *end;
        long n = strtol((*argv)[2], &end, 10);
        if (*end || n < 1 || n > 1024) {
            fprintf(stderr, "parse_only: --jobs: expected 1 to 1024: '%s'\n", (*argv)[2]);
            return -1;
        }
        jobs = (int)n;
        *argc -= 2;
        *argv += 2;
    }
    return jobs;
}

static int run_threads(parse_job *job, int jobs)
{
    pthread_t *threads = calloc((size_t)jobs, sizeof *threads);
    if (!threads) {
        fprintf(stderr, "parse_only: out of memory\n");
        return -1;
    }
    int started = 0;
    while (started < jobs && pthread_create(&threads[started], NULL, parse_worker, job) == 0) {
        started++;
    }
    for (int i = 0; i < started; i++) {
        pthread_join(threads[i], NULL);
    }
    free(threads);
    if (started < jobs) {
        fprintf(stderr, "parse_only: started %d of %d threads\n", started, jobs);
    }
    return started;
}

int main(int argc, char **argv)
{
    int jobs = parse_jobs_arg(&argc, &argv);
    bool decode = argc >= 2 && strcmp(argv[1], "--decode") == 0;
    if (decode) {
        argc--;
        argv++;
        dq_decode_setup();
    }
    if (jobs < 0 || argc < 2) {
        fprintf(stderr, "usage: parse_only [--jobs N] [--decode] PATH...\n");
        return 2;
    }
    double start = seconds_now();
    dq_strlist files = {0};
    if (list_files(argv + 1, &files) != DQ_OK) {
        dq_strlist_free(&files);
        return 1;
    }
    double listed = seconds_now();
    parse_job job = {.files = &files, .decode = decode};
    int started = run_threads(&job, jobs);
    double done = seconds_now();
    size_t parsed = atomic_load(&job.parsed), failed = atomic_load(&job.failed);
    printf("parse_only parser=%s files=%zu parsed=%zu failed=%zu skipped=%zu jobs=%d mb=%.1f "
           "list_seconds=%.3f seconds=%.3f rate=%.1f\n",
           decode ? "dqbatch" : "cjson", files.len, parsed, failed, atomic_load(&job.skipped),
           started, (double)atomic_load(&job.bytes) / 1e6, listed - start, done - start,
           (double)parsed / (done - start));
    dq_strlist_free(&files);
    return started == jobs && failed == 0 ? 0 : 1;
}
