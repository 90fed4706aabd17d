/* Helpers for the source module's tests (see source_support.h). */
#include <fts.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <stdlib.h>
#include <string.h>

#include "dqtest.h"
#include "source_support.h"

static int collect_one(dq_entry *entry, void *ctx)
{
    source_test_walk *walk = ctx;
    if (walk->len == walk->cap) {
        walk->cap = walk->cap ? walk->cap * 2 : 64;
        walk->items = realloc(walk->items, walk->cap * sizeof(*walk->items));
        ck_assert_ptr_nonnull(walk->items);
    }
    walk->items[walk->len++] = entry;
    return walk->stop_after && walk->len >= walk->stop_after;
}

void source_test_collect(const char *const *inputs, int count, size_t max_bytes,
                         source_test_walk *out)
{
    dq_source_opts opts = {.max_bytes = max_bytes};
    dq_error err = {0};
    dq_code rc = dq_source_walk(inputs, count, &opts, collect_one, out, &err);
    ck_assert_msg(rc == DQ_OK, "walk failed: %s", err.msg);
    for (size_t i = 0; i < out->len; i++)
        ck_assert_msg(out->items[i]->seq == i, "seq %llu at %zu",
                      (unsigned long long)out->items[i]->seq, i);
}

void source_test_walk_one(const char *input, size_t max_bytes, source_test_walk *out)
{
    source_test_collect(&input, 1, max_bytes, out);
}

void source_test_walk_free(source_test_walk *walk)
{
    for (size_t i = 0; i < walk->len; i++)
        dq_entry_free(walk->items[i]);
    free(walk->items);
    memset(walk, 0, sizeof(*walk));
}

const dq_entry *source_test_find(const source_test_walk *walk, const char *relpath)
{
    for (size_t i = 0; i < walk->len; i++)
        if (strcmp(walk->items[i]->relpath, relpath) == 0)
            return walk->items[i];
    return NULL;
}

size_t source_test_errors(const source_test_walk *walk)
{
    size_t n = 0;
    for (size_t i = 0; i < walk->len; i++)
        n += walk->items[i]->error.code != DQ_OK;
    return n;
}

const dq_entry *source_test_expect_error(const source_test_walk *walk, dq_code code,
                                         const char *name_part)
{
    for (size_t i = 0; i < walk->len; i++) {
        const dq_entry *e = walk->items[i];
        if (e->error.code == DQ_OK || !strstr(e->name, name_part))
            continue;
        ck_assert_msg(e->error.code == code, "%s: expected %s, got %s (%s)", e->name,
                      dq_code_name(code), dq_code_name(e->error.code), e->error.msg);
        ck_assert_msg(strstr(e->error.msg, name_part), "message does not name %s: %s", name_part,
                      e->error.msg);
        return e;
    }
    ck_abort_msg("no error entry naming %s (%zu entries)", name_part, walk->len);
    return NULL;
}

void source_test_expect_load_error(dq_entry *entry, size_t max, dq_code code, const char *name_part)
{
    dq_buf buf;
    dq_buf_init(&buf, 1 << 20);
    dq_error err = {0};
    ck_assert_int_eq(dq_entry_load(entry, max, &buf, &err), code);
    ck_assert_ptr_nonnull(strstr(err.msg, name_part));
    dq_buf_free(&buf);
}

void source_test_expect_bytes(dq_entry *entry, const char *path)
{
    size_t want_len = 0;
    char *want = dqtest_read(path, &want_len);
    ck_assert_msg(want != NULL, "cannot read %s", path);
    dq_buf got;
    dq_buf_init(&got, (size_t)1 << 30);
    dq_error err = {0};
    ck_assert_msg(dq_entry_load(entry, got.max, &got, &err) == DQ_OK, "%s", err.msg);
    ck_assert_msg(got.len == want_len && memcmp(got.data, want, want_len) == 0,
                  "%s: %zu bytes differ from %s (%zu bytes)", entry->name, got.len, path, want_len);
    ck_assert_uint_eq(entry->size, want_len);
    dq_buf_free(&got);
    free(want);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void source_test_list_files(const char *dir, dq_strlist *out)
{
    char *roots[] = {(char *)dir, NULL};
    FTS *fts = fts_open(roots, FTS_PHYSICAL | FTS_NOCHDIR, NULL);
    ck_assert_ptr_nonnull(fts);
    size_t root_len = strlen(dir);
    for (FTSENT *f = fts_read(fts); f; f = fts_read(fts))
        if (f->fts_info == FTS_F)
            ck_assert(dq_strlist_add(out, f->fts_path + root_len + 1) == DQ_OK);
    fts_close(fts);
    qsort(out->items, out->len, sizeof(*out->items), compare_strings);
}
