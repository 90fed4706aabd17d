/* core: the small pieces every module uses: error values, bounded buffers, logging,
 * time, hashing, files written atomically, and the worker pool. */
#ifndef DQBATCH_CORE_H
#define DQBATCH_CORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- error values ------------------------------------------------------------------ */

typedef enum dq_code {
    DQ_OK = 0,
    DQ_ENOMEM,     /* allocation failed */
    DQ_ETOOBIG,    /* a bounded buffer or cap would be exceeded */
    DQ_EIO,        /* reading or writing a file failed */
    DQ_EFORMAT,    /* the bytes are not what they claim to be */
    DQ_ENOTRESULT, /* well-formed, but not a stored checkpoint result */
    DQ_EUNSAFE,    /* a path leaves the tree, a symlink loops, an absolute archive path */
    DQ_EEXIST,     /* a different file already stands where we would write */
    DQ_EUSAGE,     /* bad command line */
    DQ_ECONFIG,    /* bad configuration */
    DQ_ENET,       /* network or protocol failure */
} dq_code;

/* A failure and its message. The message names the file or setting it is about. */
typedef struct dq_error {
    dq_code code;
    char msg[512];
} dq_error;

/* Sets err (when not NULL) and returns code, so callers can `return dq_fail(...)`. */
dq_code dq_fail(dq_error *err, dq_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void dq_error_clear(dq_error *err);
const char *dq_code_name(dq_code code);

/* ---- bounded growable buffer (after curl's dynbuf) ---------------------------------- */

/* The maximum is fixed when the buffer is created: growing past it returns DQ_ETOOBIG
 * and leaves the buffer as it was, so no input can make memory grow without limit.
 * data is always NUL-terminated when len > 0 (the NUL is not counted in len). */
typedef struct dq_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max;
} dq_buf;

void dq_buf_init(dq_buf *b, size_t max);
void dq_buf_free(dq_buf *b);
void dq_buf_reset(dq_buf *b); /* length 0, memory kept */
/* Back to the first len bytes (len <= b->len), memory kept: takes back what was added. */
void dq_buf_truncate(dq_buf *b, size_t len);
dq_code dq_buf_add_grow(dq_buf *b, const void *p, size_t n);
/* Appends n bytes, keeping a NUL after them. Inline, as the page renderers append
 * millions of short pieces: with room to spare (cap never exceeds max + 1) it is a copy. */
static inline dq_code dq_buf_add(dq_buf *b, const void *p, size_t n)
{
    if (n >= b->cap - b->len)
        return dq_buf_add_grow(b, p, n);
    if (n) /* p may be NULL then */
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return DQ_OK;
}
dq_code dq_buf_adds(dq_buf *b, const char *s);
dq_code dq_buf_addc(dq_buf *b, char c);
dq_code dq_buf_printf(dq_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
dq_code dq_buf_vprintf(dq_buf *b, const char *fmt, va_list ap);
dq_code dq_buf_reserve(dq_buf *b, size_t extra);
/* Hands the bytes to the caller (never NULL on success, "" when empty); b is reset. */
char *dq_buf_steal(dq_buf *b);
const char *dq_buf_str(const dq_buf *b); /* "" when empty */

/* ---- Python's text forms ------------------------------------------------------------ */

/* repr of a float: "0.1", "1.0", "1e-07", "NaN", "-Infinity". */
void dq_py_float_repr(double v, char *out, size_t size);
/* A number as json.dumps writes it: integral values within double's exact range without
 * a fraction ("3"), any other as repr. */
void dq_py_number_text(double v, char *out, size_t size);
/* |v| * 10^decimals rounded to a whole number as printf rounds it (nearest, ties to even,
 * from the exact binary value), for 0..9 decimals; false when it does not fit 64 bits,
 * for infinities and NaN, or without 128-bit integers. */
bool dq_double_fixed(double v, int decimals, uint64_t *out);
/* The first `digits` (1..17) significant digits of |v| as printf's %.*e rounds them, as a
 * whole number, and the decimal exponent of the first; false when v is zero, subnormal,
 * infinite or NaN, or too far from 1 for exact 128-bit arithmetic (about 1e-10 .. 1e14
 * always works). */
bool dq_double_digits(double v, int digits, uint64_t *out, int *exp10);
/* json.dumps' ensure_ascii escape of code point cp, which the caller found needs one:
 * \" \\ \n \r \t \b \f, else \uXXXX (a surrogate pair past U+FFFF). Written to out,
 * DQ_JSON_ESCAPE_SIZE bytes; returns out. */
#define DQ_JSON_ESCAPE_SIZE 16
const char *dq_json_escape(unsigned cp, char *out);

/* ---- growable arrays ---------------------------------------------------------------- */

/* Room for one more item in an array of len items of size bytes with room for *cap: when
 * it is full it is reallocated to twice as many (first when empty). Returns the array,
 * moved or not, and sets *cap; NULL when out of memory, the array and *cap as they were. */
void *dq_array_grow(void *items, size_t len, size_t *cap, size_t size, size_t first);

/* ---- strings ------------------------------------------------------------------------ */

char *dq_strdup(const char *s); /* NULL in, NULL out */
char *dq_strndup(const char *s, size_t n);
char *dq_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool dq_str_ends_with(const char *s, const char *suffix);
bool dq_utf8_valid(const void *p, size_t n);
/* The value of a hex digit (either case), or -1. */
int dq_hex_digit(char c);
/* fnmatch(3) without special treatment of '/', as checkpoint names may hold it. */
bool dq_glob_match(const char *pattern, const char *s);

/* A growable list of owned strings. */
typedef struct dq_strlist {
    char **items;
    size_t len;
    size_t cap;
} dq_strlist;
dq_code dq_strlist_add(dq_strlist *l, const char *s);
void dq_strlist_free(dq_strlist *l);

/* ---- string-keyed map ------------------------------------------------------------- */

/* A map from strings to indexes (open addressing, linear probing). Keys are borrowed:
 * they must outlive the map. All zero is an empty map. */
typedef struct dq_map {
    const char **keys;
    size_t *values;
    uint64_t *hashes;
    size_t cap;
    size_t len;
} dq_map;

dq_code dq_map_put(dq_map *m, const char *key, size_t value); /* replaces */
bool dq_map_get(const dq_map *m, const char *key, size_t *value);
void dq_map_free(dq_map *m);
/* Room for count keys without growing: a map filled with a known number of keys is
 * sized once instead of rehashed at every doubling. */
dq_code dq_map_reserve(dq_map *m, size_t count);

/* A set of owned strings: the list holds them in the order added, the map finds them. All
 * zero is an empty set. */
typedef struct dq_strset {
    dq_strlist items;
    dq_map index;
} dq_strset;

/* The stored copy of s, added when new; NULL when out of memory. */
const char *dq_strset_add(dq_strset *set, const char *s);
/* The stored copy of s, or NULL when the set does not hold it. */
const char *dq_strset_find(const dq_strset *set, const char *s);
void dq_strset_free(dq_strset *set);

/* ---- logging ------------------------------------------------------------------------ */

/* Messages go to stderr as "dqbatch: <level>: <text>", one write per line so lines from
 * worker threads never interleave. Quiet mode drops notes only. */
void dq_log_quiet(bool quiet);
void dq_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void dq_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void dq_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- time --------------------------------------------------------------------------- */

/* Times are microseconds on the naive local clock truthound writes: "2024-03-07T18:47:07"
 * is taken as that wall-clock reading, with no zone. A time with an offset is moved to
 * the machine's local zone, so naive and aware times compare as truthound's would. */
typedef int64_t dq_time;

dq_code dq_time_parse_iso(const char *s, dq_time *out);
/* An ISO time, or an age before now: "90s", "30m", "24h", "7d", "2w". */
dq_code dq_time_parse_arg(const char *s, dq_time now, dq_time *out);
dq_time dq_time_now(void); /* local wall clock */
/* "YYYY-MM-DDTHH:MM:SS[.ffffff]" like Python's isoformat; out holds at least 32 bytes. */
void dq_time_format_iso(dq_time t, char *out, size_t size);
/* strftime on the broken-down naive time. */
size_t dq_time_format(dq_time t, const char *fmt, char *out, size_t size);
/* dq_time_format(t, "%Y-%m-%d %H:%M:%S", ...) without strftime's cost (pages show
 * thousands of times); the same bytes and return value. */
#define DQ_TIME_PLAIN_SIZE 20
size_t dq_time_format_plain(dq_time t, char *out, size_t size);

/* ---- hashing ------------------------------------------------------------------------ */

/* A fast, stable 64-bit hash (the same value on every machine and every run). */
uint64_t dq_hash64(const void *p, size_t n, uint64_t seed);

/* ---- files -------------------------------------------------------------------------- */

/* mkdir -p. */
dq_code dq_mkdirs(const char *dir, dq_error *err);
/* dq_mkdirs of the folder holding path (nothing for a bare name). */
dq_code dq_mkdirs_parent(const char *path, dq_error *err);
/* Writes a temporary file beside path, fsyncs nothing, and renames it over path, so a
 * reader sees either the old file or the new one. Creates the parent directories. */
dq_code dq_file_write_atomic(const char *path, const void *data, size_t len, dq_error *err);
/* Creates or truncates path and writes data, making the parent folders when they are
 * missing. A reader may see it half written: for files no reader looks at yet. */
dq_code dq_file_write(const char *path, const void *data, size_t len, dq_error *err);
/* Removes path and, when it is a folder, everything in it; symlinks are removed, never
 * followed. A path that is not there is no error. */
dq_code dq_remove_tree(const char *path, dq_error *err);
/* write(2) until every byte is out (retrying EINTR); false with errno set on failure. */
bool dq_write_all(int fd, const void *data, size_t len);
/* Reads a whole file, failing with DQ_ETOOBIG past max bytes. */
dq_code dq_file_read(const char *path, size_t max, dq_buf *out, dq_error *err);

/* ---- worker pool -------------------------------------------------------------------- */

/* Threads take items from a bounded queue: submit blocks while the queue is full, so the
 * producer can never run ahead of the workers by more than the queue's size. */
/* worker is the thread's number, 0 to threads-1, so a caller can keep per-thread scratch
 * space without any shared state. */
typedef void (*dq_pool_fn)(void *item, void *ctx, int worker);
typedef struct dq_pool dq_pool;

dq_pool *dq_pool_new(int threads, size_t queue_size, dq_pool_fn fn, void *ctx);
int dq_pool_threads(const dq_pool *pool);
void dq_pool_submit(dq_pool *pool, void *item);
/* Waits until every submitted item was handled, joins the threads and frees the pool. */
void dq_pool_finish(dq_pool *pool);
int dq_cpu_count(void);

#endif
