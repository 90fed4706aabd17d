/* docs internals: a string-keyed map of indexes, and the site's manifest. */
#ifndef DQBATCH_DOCS_MAP_H
#define DQBATCH_DOCS_MAP_H

#include "docs_internal.h"

typedef struct docs_map {
    const char **keys; /* borrowed */
    size_t *values;
    uint64_t *hashes;
    size_t cap;
    size_t len;
} docs_map;

dq_code docs_map_put(docs_map *m, const char *key, size_t value); /* replaces */
bool docs_map_get(const docs_map *m, const char *key, size_t *value);
void docs_map_free(docs_map *m);

/* What the site knows of one stored result: where it was, its size and mtime (so an
 * unchanged file is never read again), its run summary, and whether the run page on
 * disk was rendered from it. */
typedef struct docs_state {
    char *key; /* "<input>:<relpath>" */
    char *relpath;
    char *file; /* path to read it again, or NULL (an archive member) */
    int input;
    uint64_t seq;
    int64_t size;
    int64_t mtime;
    dq_docs_run run;
    bool page;       /* the run page on disk was rendered from this content */
    bool was_page;   /* page, as the previous build left it */
    bool staged;     /* rendered in this build, waiting in the staging directory */
    bool want;       /* to be read again in the second round of a build */
    int64_t line_at; /* where its line starts in the manifest read, or -1 */
    size_t line_len; /* that line's length, newline included */
    bool line_page;  /* the page flag that line holds */
    bool winner;     /* the copy of its run_id the site shows */
} docs_state;

char *docs_state_key(int input, const char *relpath);
void docs_state_free(docs_state *s);

/* The manifest: the options that shape every page, and one line per stored result. */
typedef struct docs_manifest {
    char *fingerprint;
    dq_docs_format format;
    int page_size;
    docs_state **states;
    size_t len;
    size_t cap;
    docs_map by_key;
} docs_manifest;

dq_code docs_manifest_add(docs_manifest *m, docs_state *s);
/* Reads path; a missing file is an empty manifest (DQ_OK), a damaged one an error. */
dq_code docs_manifest_read(const char *path, docs_manifest *m, dq_error *err);
/* Writes the manifest to path (atomically), states in the order given. A state read from
 * the manifest at path that has not changed is copied from it byte for byte, so its line
 * never has to be held in memory. */
dq_code docs_manifest_write(const char *path, const docs_manifest *m, dq_error *err);
void docs_manifest_free(docs_manifest *m);
/* One entry line as docs_manifest_render writes it, read without a JSON tree; NULL when
 * the line has any other shape (the caller then parses it as JSON). */
docs_state *docs_manifest_fast_line(const char *line, size_t len);

#endif
