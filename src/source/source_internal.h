/* Shared between the parts of the source module: the walker state every part emits
 * entries through, and the helpers they use to build them. Not a public header. */
#ifndef DQBATCH_SOURCE_INTERNAL_H
#define DQBATCH_SOURCE_INTERNAL_H

#include "dqbatch/source.h"

/* One walk over all inputs. */
typedef struct source_walker {
    size_t max_bytes; /* cap on a member's size, never 0 */
    dq_entry_fn fn;
    void *ctx;
    int input;    /* index of the input being walked */
    uint64_t seq; /* entries emitted so far */
    bool stopped; /* fn asked to stop */
} source_walker;

/* What a file name says the file is. */
typedef enum source_kind {
    SOURCE_OTHER,   /* passed over */
    SOURCE_RESULT,  /* a stored-result name */
    SOURCE_ARCHIVE, /* an archive libarchive reads */
} source_kind;

source_kind source_name_kind(const char *name);

/* A new entry owning copies of name and relpath (file stays NULL), or NULL. */
dq_entry *source_entry_new(const char *name, const char *relpath);

/* Turns the entry into one that carries an error instead of bytes. */
void source_entry_fail(dq_entry *e, dq_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Hands the entry to the consumer (numbering it); the consumer owns it afterwards. */
void source_emit(source_walker *w, dq_entry *entry);

/* Emits an entry that carries an error instead of bytes. Returns DQ_ENOMEM only when
 * the entry itself cannot be made; the walk goes on otherwise. */
dq_code source_emit_error(source_walker *w, const char *name, const char *relpath, dq_code code,
                          const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Walks the archive open on fd (the caller closes it). name is how the archive is
 * shown ("dir/x.tar.gz"); its members are named "name:member". */
dq_code source_walk_archive(source_walker *w, int fd, const char *name);

#endif
