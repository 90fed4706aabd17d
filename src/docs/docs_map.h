/* docs internals: the site's manifest and the states it holds. */
#ifndef DQBATCH_DOCS_MAP_H
#define DQBATCH_DOCS_MAP_H

#include "docs_internal.h"

#define DOCS_META_DIR ".dqbatch"
#define DOCS_MANIFEST_FILE DOCS_META_DIR "/manifest.jsonl"
#define DOCS_PARTS_DIR DOCS_META_DIR "/parts" /* the partial manifests of a sharded build */

/* What the site knows of one stored result: where it was, its size and mtime (so an
 * unchanged file is never read again), its run summary, and whether the run page on
 * disk was rendered from it. A manifest holds one per stored result, so each is one
 * allocation (docs_state_pack): its strings follow the struct, except file, which a
 * build replaces and which has an allocation of its own. */
typedef struct docs_state {
    char *key; /* "<input>:<relpath>" */
    char *relpath;
    char *file; /* path to read it again, or NULL (an archive member) */
    int input;
    uint64_t seq;
    int64_t size;
    int64_t mtime;
    char *etag; /* an object's ETag, or NULL */
    dq_docs_run run;
    bool page;       /* the run page on disk was rendered from this content */
    bool was_page;   /* page, as the previous build left it */
    bool staged;     /* rendered in this build, waiting in the staging directory */
    bool in_place;   /* rendered in this build straight into its place in the site */
    bool want;       /* to be read again in the second round of a build */
    int64_t line_at; /* where its line starts in the manifest read, or -1 */
    size_t line_len; /* that line's length, newline included */
    bool line_page;  /* the page flag that line holds */
    bool winner;     /* the copy of its run_id the site shows */
} docs_state;

/* The strings of a state in the making, borrowed (data_asset, etag and error may be
 * NULL). */
typedef struct docs_state_text {
    const char *relpath, *etag;                                           /* the stored file's */
    const char *run_id, *checkpoint, *data_asset, *run_time_text, *error; /* the run's */
} docs_state_text;

/* Strings kept in one allocation: docs_strings_size sizes them (lens: each one's size,
 * NUL included, 0 for a NULL one), docs_strings_copy copies them one after another from
 * at and points each field at its copy (NULL for a NULL string). */
size_t docs_strings_size(const char *const *strings, size_t *lens, size_t count);
void docs_strings_copy(char *at, const char *const *strings, const size_t *lens,
                       char **const *fields, size_t count);

/* A state of one allocation: the numbers and flags of from (its pointers are not
 * looked at), copies of text, the key made of from->input and text->relpath, file
 * NULL. NULL when out of memory. */
docs_state *docs_state_pack(const docs_state *from, const docs_state_text *text);
void docs_state_free(docs_state *s);
/* An input number a manifest line may hold. */
bool docs_state_input_ok(int64_t input);

/* The manifest: the options that shape every page, and one line per stored result. */
typedef struct docs_manifest {
    char *fingerprint;
    dq_docs_format format;
    int page_size;
    /* What the pages drawn from summaries alone need besides the summaries, so that the
     * parts of a sharded build can be merged without any other setting. */
    int history;
    char *site_name;
    char *base_url;     /* or NULL */
    char *generated_at; /* or NULL */
    int shard_index;    /* a partial manifest's shard; shard_count 0 in a full one */
    int shard_count;
    docs_state **states;
    size_t len;
    size_t cap;
    dq_map by_key;
} docs_manifest;

dq_code docs_manifest_add(docs_manifest *m, docs_state *s);
/* Adds s without finding it by its key until docs_manifest_index: a build looks its own
 * entries up only in a second round over whole inputs, which is rare. */
dq_code docs_manifest_push(docs_manifest *m, docs_state *s);
dq_code docs_manifest_index(docs_manifest *m);
/* The index in m of the state of (input, relpath), without making its key for good. */
bool docs_manifest_find(const docs_manifest *m, int input, const char *relpath, size_t *i);
/* Takes the header of a site's options (the strings are copied). */
dq_code docs_manifest_set_site(docs_manifest *m, const char *fingerprint, const dq_docs_site *site);
/* Reads path; a missing file is an empty manifest (DQ_OK), a damaged one an error. */
dq_code docs_manifest_read(const char *path, docs_manifest *m, dq_error *err);
/* The same, a large manifest read by two threads when jobs (0: one per core) is not 1. */
dq_code docs_manifest_read_jobs(const char *path, docs_manifest *m, int jobs, dq_error *err);
/* Writes the manifest to path (atomically), states in the order given. A state read from
 * the manifest at path that has not changed is copied from it byte for byte, so its line
 * never has to be held in memory; a manifest that would come out the same is left as it
 * is. */
dq_code docs_manifest_write(const char *path, const docs_manifest *m, dq_error *err);
void docs_manifest_free(docs_manifest *m);
/* ---- what a build and a merge share: the checkpoints and the files at the root ------- */

/* The runs a site shows, grouped by checkpoint: checkpoints by name, runs oldest first. */
typedef struct docs_groups {
    dq_docs_checkpoint *cps;
    size_t count;
    dq_map by_name;
} docs_groups;

dq_code docs_groups_make(docs_groups *g, docs_state *const *shown, size_t count);
void docs_groups_free(docs_groups *g);
/* "now" without --generated-at: the newest run's time. */
void docs_site_set_now(dq_docs_site *site, docs_state *const *shown, size_t count);
/* Writes a rendered page at path, atomically (temporary name and rename) or, where no
 * reader looks yet, plainly; false after reporting why. */
bool docs_write_page(const char *path, const dq_docs_out *o, bool atomic);
/* index, history/trend.json, history.json and, for HTML, the assets. Returns how many
 * could not be written (each reported). */
size_t docs_write_root(const char *site_dir, const dq_docs_site *site, const docs_groups *g);

/* One entry line as docs_manifest_render writes it, read without a JSON tree; NULL when
 * the line has any other shape (the caller then parses it as JSON). scratch holds the
 * decoded strings meanwhile: one buffer serves every line. */
docs_state *docs_manifest_fast_line(const char *line, size_t len, dq_buf *scratch);

/* The lines of the stretch [at, end) of a file (end: the first line not taken starts
 * there or later), as a bounded getline would give them. */
typedef struct docs_lines {
    int fd;
    int64_t at; /* where the next line starts */
    int64_t end;
    size_t max_line;
    dq_buf buf; /* the bytes from at onwards start at start */
    size_t start;
    bool eof;
    bool restore; /* the byte after the last line was made a NUL: covered puts it back */
    char covered;
} docs_lines;

void docs_lines_init(docs_lines *l, int fd, int64_t at, int64_t end, size_t max_line);
void docs_lines_free(docs_lines *l);
/* The next line, newline included, and NUL-terminated; *len 0 at the end. DQ_ETOOBIG for
 * a line longer than max_line (*len is then more than max_line), DQ_EIO when the file
 * cannot be read (errno says why), DQ_ENOMEM. */
dq_code docs_lines_next(docs_lines *l, const char **line, size_t *len);
/* Where the first line starting after the middle of the file of size bytes begins, to
 * read the halves apart; size when there is none nearby. */
int64_t docs_lines_split(int fd, int64_t size);

#endif
