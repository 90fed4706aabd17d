/* gen: the pieces of bench/gen_store, the synthetic truthound store generator.
 *
 * A document is built as a tree of gen_node in an arena, and a node may sit in several
 * containers at once: truthound hands the same Python list or dict to several places
 * (an issue's sample_values lives in its check and in the flat issue list), and PyYAML
 * writes such a shared object once with an anchor and then as aliases. JSON output just
 * repeats it. The arena owns every node of a document and is freed in one go. */
#ifndef DQBATCH_BENCH_GEN_H
#define DQBATCH_BENCH_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dqbatch/core.h>

/* ---- deterministic random numbers (splitmix64: same stream on every machine) ------- */

typedef struct gen_rng {
    uint64_t state;
} gen_rng;

uint64_t gen_rng_next(gen_rng *rng);
uint64_t gen_rng_below(gen_rng *rng, uint64_t bound); /* 0 .. bound-1; bound > 0 */
double gen_rng_unit(gen_rng *rng);                    /* [0, 1) */
bool gen_rng_chance(gen_rng *rng, double probability);
/* An independent stream for item `index`, so item i does not depend on how many random
 * numbers items before it drew. */
gen_rng gen_rng_fork(uint64_t seed, uint64_t index);

/* ---- arena and nodes ---------------------------------------------------------------- */

typedef struct gen_arena_chunk gen_arena_chunk;

/* Allocation failure is sticky: a failed allocation returns NULL and sets `failed`; the
 * node functions below accept NULL and pass it on, so a builder checks once at the end. */
typedef struct gen_arena {
    gen_arena_chunk *chunks;
    bool failed;
} gen_arena;

typedef enum gen_kind {
    GEN_NULL,
    GEN_BOOL,
    GEN_INT,
    GEN_FLOAT,
    GEN_STRING,
    GEN_ARRAY,
    GEN_OBJECT,
} gen_kind;

typedef struct gen_node gen_node;
typedef struct gen_slot gen_slot;

/* One place in a container: the key (objects only) and the value, which may be shared. */
struct gen_slot {
    const char *key;
    gen_node *value;
    gen_slot *next;
};

struct gen_node {
    gen_kind kind;
    bool boolean;
    int64_t integer;
    double real;
    const char *text; /* UTF-8 */
    gen_slot *first;
    gen_slot *last;
    size_t count;
};

void gen_arena_init(gen_arena *arena);
void gen_arena_free(gen_arena *arena);
void *gen_arena_alloc(gen_arena *arena, size_t size);
char *gen_arena_strdup(gen_arena *arena, const char *s);
char *gen_arena_printf(gen_arena *arena, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

gen_node *gen_null(gen_arena *arena);
gen_node *gen_bool(gen_arena *arena, bool value);
gen_node *gen_int(gen_arena *arena, int64_t value);
gen_node *gen_float(gen_arena *arena, double value);
gen_node *gen_string(gen_arena *arena, const char *utf8);
gen_node *gen_array(gen_arena *arena);
gen_node *gen_object(gen_arena *arena);
/* Appends; a NULL container or value (an earlier failed allocation) is ignored. */
void gen_push(gen_arena *arena, gen_node *array, gen_node *value);
void gen_set(gen_arena *arena, gen_node *object, const char *key, gen_node *value);
void gen_set_string(gen_arena *arena, gen_node *object, const char *key, const char *utf8);
void gen_set_int(gen_arena *arena, gen_node *object, const char *key, int64_t value);
void gen_set_float(gen_arena *arena, gen_node *object, const char *key, double value);
void gen_set_bool(gen_arena *arena, gen_node *object, const char *key, bool value);
void gen_set_null(gen_arena *arena, gen_node *object, const char *key);
/* A new container holding the same slots (values shared), like Python's dict(d). */
gen_node *gen_shallow_copy(gen_arena *arena, const gen_node *container);

/* Decodes one code point and advances; the generator only ever builds valid UTF-8, so a
 * bad byte is taken as itself rather than reported. */
uint32_t gen_utf8_next(const unsigned char **pp);

/* ---- output ------------------------------------------------------------------------- */

/* Python's repr() of a float: shortest text that reads back to the same double. */
enum { GEN_FLOAT_TEXT = 32 };
void gen_float_repr(double value, char out[GEN_FLOAT_TEXT]);
/* json.dumps(doc, indent=2) with ensure_ascii: no trailing newline. */
dq_code gen_emit_json(const gen_node *doc, dq_buf *out);
/* yaml.dump(doc, default_flow_style=False) as PyYAML writes it: keys sorted, shared
 * lists and dicts as &idNNN anchors and *idNNN aliases, ends with a newline. */
dq_code gen_emit_yaml(gen_arena *arena, const gen_node *doc, dq_buf *out);

/* ---- documents ---------------------------------------------------------------------- */

/* What one synthetic stored result looks like on disk. */
typedef struct gen_result {
    gen_node *doc;
    const char *run_id;
    const char *checkpoint_name;
    const char *status;
    dq_time run_time;
} gen_result;

typedef struct gen_settings {
    uint64_t seed;
    int checkpoints;
    int days;
    dq_time start; /* first possible run time */
} gen_settings;

/* Builds result number `index` in arena; false when memory ran out. */
bool gen_result_build(const gen_settings *settings, uint64_t index, gen_arena *arena,
                      gen_result *out);

#endif
