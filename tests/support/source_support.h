/* Helpers for the source module's tests: collecting a walk's entries, looking them up,
 * and listing a directory's files independently of the walker (with fts). */
#ifndef DQBATCH_TESTS_SOURCE_SUPPORT_H
#define DQBATCH_TESTS_SOURCE_SUPPORT_H

#include "dqbatch/source.h"

typedef struct source_test_walk {
    dq_entry **items;
    size_t len;
    size_t cap;
    size_t stop_after; /* 0: take everything; n: ask the walker to stop after n */
} source_test_walk;

/* Walks the inputs (max_bytes 0 for the default) into out; the walk must succeed. */
void source_test_collect(const char *const *inputs, int count, size_t max_bytes,
                         source_test_walk *out);
/* The same for one input. */
void source_test_walk_one(const char *input, size_t max_bytes, source_test_walk *out);
void source_test_walk_free(source_test_walk *walk);

/* The entry with this relpath, or NULL. */
const dq_entry *source_test_find(const source_test_walk *walk, const char *relpath);
/* Entries with error set. */
size_t source_test_errors(const source_test_walk *walk);
/* Asserts that an entry carries error code and that both its name and its message
 * contain name_part. Returns the entry. */
const dq_entry *source_test_expect_error(const source_test_walk *walk, dq_code code,
                                         const char *name_part);

/* Asserts that loading the entry with at most max bytes fails with code and a message
 * that contains name_part. */
void source_test_expect_load_error(dq_entry *entry, size_t max, dq_code code,
                                   const char *name_part);
/* Loads the entry (which must load) and asserts its bytes equal the file at path. */
void source_test_expect_bytes(dq_entry *entry, const char *path);

/* Regular files below dir, as relative paths sorted by strcmp (fts, no symlinks). */
void source_test_list_files(const char *dir, dq_strlist *out);

#endif
