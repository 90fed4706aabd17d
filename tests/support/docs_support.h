/* Helpers for the docs tests: stored results made to order, site builds, and byte-for-
 * byte comparison of two sites. */
#ifndef DQBATCH_TESTS_DOCS_SUPPORT_H
#define DQBATCH_TESTS_DOCS_SUPPORT_H

#include "dqbatch/docs.h"

/* What a made-up stored result holds; NULL strings take a plain default. */
typedef struct docs_test_run {
    const char *run_id;
    const char *checkpoint;
    const char *run_time; /* "2024-03-01T10:00:00" */
    const char *status;   /* "failure", "error", ... */
    const char *data_asset;
    const char *column;  /* of its one issue */
    const char *details; /* of its one issue */
    const char *sample;  /* one sample value */
    const char *meta;    /* a value in the top-level metadata ("note") */
    const char *error;   /* for error runs */
} docs_test_run;

/* The JSON text of a stored result, shaped as truthound writes it (owned). */
char *docs_test_result_json(const docs_test_run *run);
/* Writes it to dir/relative. */
void docs_test_write_result(const char *dir, const char *relative, const docs_test_run *run);

/* Builds site from the inputs with jobs threads; asserts the build itself succeeded. */
void docs_test_build(const char *const *inputs, int count, const char *site, int jobs,
                     const dq_docs_opts *extra, dq_docs_report *report);

/* The same with filters (a shard among them). */
void docs_test_build_filtered(const char *const *inputs, int count, const char *site, int jobs,
                              const dq_docs_opts *extra, const dq_filter *filter,
                              dq_docs_report *report);

/* NULL when the two trees hold the same files with the same bytes, else what differs
 * (owned). */
char *docs_test_diff_trees(const char *a, const char *b);
/* cp -a src dst. */
void docs_test_copy_tree(const char *src, const char *dst);
/* Every regular file under dir, relative paths, sorted. */
void docs_test_list_files(const char *dir, dq_strlist *out);
/* dir/relative (owned). */
char *docs_test_path_in(const char *dir, const char *relative);
/* Whether dir/relative exists. */
bool docs_test_exists_in(const char *dir, const char *relative);
/* Count of occurrences of needle in the file. */
size_t docs_test_count_in_file(const char *path, const char *needle);

/* The session as dqbatch run drives it: one decoded result handed over (asserts it was
 * taken), and the end of the session (asserts it succeeded, then frees it). */
void docs_test_session_add(dq_docs_session *s, const dq_entry *entry, const char *json);
void docs_test_session_finish(dq_docs_session *s, dq_docs_report *report);

#endif
