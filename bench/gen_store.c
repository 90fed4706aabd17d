/* gen_store: writes a synthetic truthound result store, deterministic by seed.
 *
 *   gen_store -o DIR -n N --seed S [--checkpoints K] [--days D]
 *             [--layout date|checkpoint|status|none|mixed] [--gzip-ratio F]
 *             [--yaml-ratio F] [--start ISO-TIME]
 *
 * Files land where StoreValidationResult puts them: <store>/<partition>/<run_id>.json,
 * .json.gz (gzip with FNAME and MTIME like Python's gzip module), .yaml, or .yaml.gz
 * holding plain YAML (truthound only compresses JSON). "mixed" spreads the results
 * over four stores in DIR: by_date/, by_checkpoint/, by_status/ and flat/. */
#include "gen.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

enum { GEN_DOC_MAX = 16 * 1024 * 1024 };

typedef enum gen_layout {
    LAYOUT_DATE,
    LAYOUT_CHECKPOINT,
    LAYOUT_STATUS,
    LAYOUT_NONE,
    LAYOUT_MIXED,
} gen_layout;

static const char *const gen_layout_names[] = {"date", "checkpoint", "status", "none", "mixed"};
/* The folder of each layout's store inside DIR when the layouts are mixed. */
static const char *const gen_mixed_dirs[] = {"by_date", "by_checkpoint", "by_status", "flat"};

typedef struct gen_options {
    const char *out_dir;
    uint64_t count;
    gen_settings settings;
    gen_layout layout;
    double gzip_ratio;
    double yaml_ratio;
} gen_options;

typedef struct gen_totals {
    uint64_t files;
    uint64_t bytes;
    uint64_t gzipped;
    uint64_t yaml;
} gen_totals;

/* ---- options ------------------------------------------------------------------------ */

static void usage(FILE *to)
{
    fprintf(to, "usage: gen_store -o DIR -n N --seed S [--checkpoints K] [--days D]\n"
                "                 [--layout date|checkpoint|status|none|mixed]\n"
                "                 [--gzip-ratio F] [--yaml-ratio F] [--start ISO-TIME]\n");
}

static bool parse_u64(const char *text, const char *name, uint64_t min, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno || end == text || *end || text[0] == '-' || value < min) {
        fprintf(stderr, "gen_store: %s: not a whole number >= %" PRIu64 ": '%s'\n", name, min,
                text);
        return false;
    }
    *out = value;
    return true;
}

static bool parse_ratio(const char *text, const char *name, double *out)
{
    char *end;
    double value = strtod(text, &end);
    if (end == text || *end || !(value >= 0 && value <= 1)) {
        fprintf(stderr, "gen_store: %s: not a fraction from 0 to 1: '%s'\n", name, text);
        return false;
    }
    *out = value;
    return true;
}

static bool parse_layout(const char *text, gen_layout *out)
{
    for (int i = 0; i <= LAYOUT_MIXED; i++) {
        if (strcmp(text, gen_layout_names[i]) == 0) {
            *out = (gen_layout)i;
            return true;
        }
    }
    fprintf(stderr, "gen_store: --layout: expected date, checkpoint, status, none or mixed: '%s'\n",
            text);
    return false;
}

static bool parse_option(int option, const char *arg, gen_options *o)
{
    uint64_t number;
    switch (option) {
    case 'o':
        o->out_dir = arg;
        return true;
    case 'n':
        return parse_u64(arg, "-n", 1, &o->count);
    case 's':
        return parse_u64(arg, "--seed", 0, &o->settings.seed);
    case 'k':
        if (!parse_u64(arg, "--checkpoints", 1, &number) || number > 100000) {
            return false;
        }
        o->settings.checkpoints = (int)number;
        return true;
    case 'd':
        if (!parse_u64(arg, "--days", 1, &number) || number > 36500) {
            return false;
        }
        o->settings.days = (int)number;
        return true;
    case 'l':
        return parse_layout(arg, &o->layout);
    case 'g':
        return parse_ratio(arg, "--gzip-ratio", &o->gzip_ratio);
    case 'y':
        return parse_ratio(arg, "--yaml-ratio", &o->yaml_ratio);
    case 't':
        if (dq_time_parse_iso(arg, &o->settings.start) != DQ_OK) {
            fprintf(stderr, "gen_store: --start: not an ISO time: '%s'\n", arg);
            return false;
        }
        return true;
    default:
        return false;
    }
}

/* 0 to run, 1 after --help, 2 on a usage error. */
static int parse_options(int argc, char **argv, gen_options *o)
{
    static const struct option longs[] = {
        {"out", required_argument, NULL, 'o'},
        {"count", required_argument, NULL, 'n'},
        {"seed", required_argument, NULL, 's'},
        {"checkpoints", required_argument, NULL, 'k'},
        {"days", required_argument, NULL, 'd'},
        {"layout", required_argument, NULL, 'l'},
        {"gzip-ratio", required_argument, NULL, 'g'},
        {"yaml-ratio", required_argument, NULL, 'y'},
        {"start", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool seeded = false;
    int option;
    while ((option = getopt_long(argc, argv, "o:n:h", longs, NULL)) != -1) {
        if (option == 'h') {
            usage(stdout);
            return 1;
        }
        if (option == '?' || !parse_option(option, optarg, o)) {
            usage(stderr);
            return 2;
        }
        seeded = seeded || option == 's';
    }
    if (optind < argc || !o->out_dir || !o->count || !seeded) {
        fprintf(stderr, "gen_store: -o DIR, -n N and --seed S are required\n");
        usage(stderr);
        return 2;
    }
    return 0;
}

/* ---- writing ------------------------------------------------------------------------ */

/* A store is written into an empty or new directory only, so that the same arguments
 * always give the same tree. */
static bool out_dir_is_empty(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        return errno == ENOENT;
    }
    struct dirent *entry;
    bool empty = true;
    while (empty && (entry = readdir(d))) {
        empty = strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0;
    }
    closedir(d);
    return empty;
}

/* The name as Python's gzip module puts it in FNAME: Latin-1, or no name at all when a
 * character has no Latin-1 form. latin1 has room for strlen(utf8) + 1 bytes. */
static bool latin1_name(const char *utf8, char *latin1)
{
    const unsigned char *p = (const unsigned char *)utf8;
    while (*p) {
        uint32_t cp = gen_utf8_next(&p);
        if (cp > 0xff) {
            return false;
        }
        *latin1++ = (char)cp;
    }
    *latin1 = '\0';
    return true;
}

/* gzip.open(path, "wt") at level 9, then write and close: FNAME is the name without
 * ".gz", MTIME the time of writing (here the run's time, so output stays deterministic),
 * OS 255 as Python. */
static dq_code gzip_bytes(const dq_buf *plain, const char *fname, dq_time written, dq_buf *out,
                          dq_error *err)
{
    char latin1[512];
    if (strlen(fname) >= sizeof latin1) {
        return dq_fail(err, DQ_ETOOBIG, "%s: name too long for a gzip header", fname);
    }
    z_stream z = {0};
    if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        return dq_fail(err, DQ_ENOMEM, "%s: zlib could not start", fname);
    }
    gz_header header = {0};
    header.time = (uLong)(written / 1000000);
    header.os = 255;
    header.name = latin1_name(fname, latin1) ? (Bytef *)latin1 : Z_NULL;
    uLong bound = deflateBound(&z, (uLong)plain->len) + strlen(fname) + 32;
    dq_code rc = deflateSetHeader(&z, &header) == Z_OK ? dq_buf_reserve(out, bound) : DQ_ENOMEM;
    if (rc == DQ_OK) {
        z.next_in = (Bytef *)plain->data;
        z.avail_in = (uInt)plain->len;
        z.next_out = (Bytef *)out->data + out->len;
        z.avail_out = (uInt)(out->cap - out->len - 1); /* the last byte keeps the NUL */
        /* gzip.open's text wrapper flushes the GzipFile on close, a Z_SYNC_FLUSH, before
         * GzipFile.close() finishes the stream: the file carries that empty block too. */
        rc = deflate(&z, Z_SYNC_FLUSH) == Z_OK && deflate(&z, Z_FINISH) == Z_STREAM_END
                 ? DQ_OK
                 : DQ_ETOOBIG;
        out->len = (size_t)((char *)z.next_out - out->data);
        out->data[out->len] = '\0';
    }
    deflateEnd(&z);
    return rc == DQ_OK ? DQ_OK : dq_fail(err, rc, "%s: gzip failed", fname);
}

static const char *partition_of(const gen_result *result, gen_layout layout, char *date,
                                size_t size)
{
    switch (layout) {
    case LAYOUT_DATE:
        dq_time_format(result->run_time, "%Y/%m/%d", date, size);
        return date;
    case LAYOUT_CHECKPOINT:
        return result->checkpoint_name; /* verbatim, as truthound does: "/" nests */
    case LAYOUT_STATUS:
        return result->status;
    default:
        return "";
    }
}

typedef struct gen_file {
    gen_layout layout;
    bool yaml;
    bool gzip;
} gen_file;

/* Layout and format come from their own stream, so the documents do not change when
 * only --layout or the ratios do. */
static gen_file file_choice(const gen_options *o, uint64_t index)
{
    gen_rng rng = gen_rng_fork(o->settings.seed ^ 0x5ca1ab1e0ddba11ULL, index);
    gen_file file = {o->layout, false, false};
    if (o->layout == LAYOUT_MIXED) {
        file.layout = (gen_layout)gen_rng_below(&rng, 4);
    }
    file.yaml = gen_rng_chance(&rng, o->yaml_ratio);
    file.gzip = gen_rng_chance(&rng, o->gzip_ratio);
    return file;
}

static dq_code write_result(const gen_options *o, uint64_t index, gen_arena *arena, dq_buf *text,
                            dq_buf *packed, gen_totals *totals, dq_error *err)
{
    gen_result result;
    if (!gen_result_build(&o->settings, index, arena, &result)) {
        return dq_fail(err, DQ_ENOMEM, "result %" PRIu64 ": out of memory", index);
    }
    gen_file file = file_choice(o, index);
    dq_code rc =
        file.yaml ? gen_emit_yaml(arena, result.doc, text) : gen_emit_json(result.doc, text);
    if (rc != DQ_OK) {
        return dq_fail(err, rc, "%s: could not encode", result.run_id);
    }
    char date[16];
    const char *partition = partition_of(&result, file.layout, date, sizeof date);
    const char *store = o->layout == LAYOUT_MIXED ? gen_mixed_dirs[file.layout] : "";
    const char *ext = file.yaml ? "yaml" : "json";
    char *name = gen_arena_printf(arena, "%s.%s", result.run_id, ext);
    char *path = gen_arena_printf(arena, "%s/%s%s%s%s%s%s", o->out_dir, store, *store ? "/" : "",
                                  partition, *partition ? "/" : "", name, file.gzip ? ".gz" : "");
    if (!name || !path) {
        return dq_fail(err, DQ_ENOMEM, "%s: out of memory", result.run_id);
    }
    const dq_buf *bytes = text;
    if (file.gzip && !file.yaml) {
        rc = gzip_bytes(text, name, result.run_time + 2000000, packed, err);
        bytes = packed;
    }
    if (rc == DQ_OK) {
        rc = dq_file_write_atomic(path, bytes->data, bytes->len, err);
    }
    totals->files += rc == DQ_OK;
    totals->bytes += rc == DQ_OK ? bytes->len : 0;
    totals->gzipped += rc == DQ_OK && file.gzip && !file.yaml;
    totals->yaml += rc == DQ_OK && file.yaml;
    return rc;
}

static int generate(const gen_options *o)
{
    gen_arena arena;
    gen_arena_init(&arena);
    dq_buf text, packed;
    dq_buf_init(&text, GEN_DOC_MAX);
    dq_buf_init(&packed, GEN_DOC_MAX);
    gen_totals totals = {0};
    dq_error err;
    dq_error_clear(&err);
    dq_code rc = DQ_OK;
    for (uint64_t i = 0; i < o->count && rc == DQ_OK; i++) {
        dq_buf_reset(&text);
        dq_buf_reset(&packed);
        rc = write_result(o, i, &arena, &text, &packed, &totals, &err);
        gen_arena_free(&arena);
    }
    dq_buf_free(&text);
    dq_buf_free(&packed);
    if (rc != DQ_OK) {
        fprintf(stderr, "gen_store: %s\n", err.msg);
        return 1;
    }
    fprintf(stderr,
            "gen_store: %" PRIu64 " results, %" PRIu64 " bytes (%" PRIu64 " gzipped, %" PRIu64
            " yaml) in %s\n",
            totals.files, totals.bytes, totals.gzipped, totals.yaml, o->out_dir);
    return 0;
}

int main(int argc, char **argv)
{
    gen_options o = {.settings = {.checkpoints = 6, .days = 60},
                     .layout = LAYOUT_MIXED,
                     .gzip_ratio = 0.3,
                     .yaml_ratio = 0.02};
    if (dq_time_parse_iso("2024-05-01T00:00:00", &o.settings.start) != DQ_OK) {
        fprintf(stderr, "gen_store: cannot read the default start time\n");
        return 1;
    }
    int parsed = parse_options(argc, argv, &o);
    if (parsed) {
        return parsed == 1 ? 0 : 2;
    }
    if (!out_dir_is_empty(o.out_dir)) {
        fprintf(stderr, "gen_store: %s: exists and is not empty (the store must be new)\n",
                o.out_dir);
        return 2;
    }
    return generate(&o);
}
