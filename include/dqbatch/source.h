/* source: finds the stored results under the inputs: directory trees in any of
 * truthound's layouts, single files, and archives (also archives inside a tree).
 * It never follows a symlink out of a tree and never accepts an unsafe archive path. */
#ifndef DQBATCH_SOURCE_H
#define DQBATCH_SOURCE_H

#include "dqbatch/core.h"

/* One file found. Directory members carry a path the reader opens (so many workers can
 * read in parallel); archive members arrive with their bytes, read in archive order. */
typedef struct dq_entry {
    char *name;     /* shown to the user: "store/by_date/2024/03/01/x.json" or
                       "store.tar.gz:store/by_date/2024/03/01/x.json" */
    char *relpath;  /* path below the input root (for a single file, its base name) */
    char *file;     /* filesystem path to read, or NULL when data holds the bytes */
    dq_buf data;    /* raw (possibly gzipped) bytes of an archive member */
    int64_t size;   /* bytes as stored */
    int64_t mtime;  /* seconds since the epoch, as stored */
    char *etag;     /* an object's ETag (object storage only, NULL for files): it changes
                       whenever the object's bytes do, so it beats size+mtime for "changed?" */
    bool unfetched; /* an object the consumer said it knew (opts.known): no bytes */
    int input;      /* index of the input path it came from */
    uint64_t seq;   /* order of discovery; stable for the same inputs */
    /* Set when the entry could not be taken (unreadable, unsafe path, symlink loop, a
     * broken archive): the consumer reports it as a bad input and goes on. */
    dq_error error;
} dq_entry;

/* Asked for each object in a bucket before its bytes are fetched (name, relpath, size,
 * mtime and etag set, no bytes): true when the consumer already holds what it needs of
 * it (an incremental docs build that saw the same ETag), so the bytes are never fetched
 * and the entry arrives with unfetched set. Called on the walking thread. */
typedef bool (*dq_entry_known_fn)(const dq_entry *entry, void *ctx);

typedef struct dq_source_opts {
    size_t max_bytes;        /* cap on a member's stored size; 0 means the default below */
    dq_entry_known_fn known; /* NULL fetches every object */
    void *known_ctx;
} dq_source_opts;

#define DQ_SOURCE_DEFAULT_MAX_BYTES ((size_t)256 << 20)

/* Receives each entry; takes ownership (free with dq_entry_free). A nonzero return
 * stops the walk. Called from the walking thread only. */
typedef int (*dq_entry_fn)(dq_entry *entry, void *ctx);

/* Walks each input in order; a directory's members in byte order of their paths.
 * Files whose names are not stored-result names (.json, .json.gz, .yaml, .yaml.gz,
 * .yml, .yml.gz) nor archives (.tar, .tar.gz, .tgz, .tar.zst, .tar.xz, .tar.bz2, .zip)
 * are passed over silently. Problems reach fn as entries with error set.
 * Every input is checked first: when one does not exist, nothing is walked and the
 * error names it. Otherwise returns DQ_OK (also when fn stopped the walk), or DQ_ENOMEM.
 * Symlinks: one leading out of the input's tree is refused (DQ_EUNSAFE), a loop is
 * reported (DQ_EUNSAFE), a link named like a passed-over file is passed over wherever
 * it leads, a file symlink inside the tree is taken (read through its real
 * path), a directory symlink inside the tree is passed over (its target is walked by
 * its real path). Special files (FIFOs, devices) with result names are errors, never
 * opened for reading. */
dq_code dq_source_walk(const char *const *inputs, int count, const dq_source_opts *opts,
                       dq_entry_fn fn, void *ctx, dq_error *err);

/* The raw bytes of an entry, replacing what out (an initialised buffer) held: an archive
 * member's bytes are moved into out without a copy (out then carries the member cap as
 * its max); a file is opened without following a symlink, checked to be a regular file,
 * and read into out, bounded by max (DQ_ETOOBIG naming the file). An entry with error
 * set returns that error. Safe to call from any thread, one entry per thread. A
 * member's bytes are moved out by the first successful load: load each entry once. */
dq_code dq_entry_load(dq_entry *entry, size_t max, dq_buf *out, dq_error *err);

/* Frees the entry and everything it holds (NULL is fine). */
void dq_entry_free(dq_entry *entry);

bool dq_source_is_archive_name(const char *name);

#endif
