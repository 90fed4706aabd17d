/* docs: static data docs with history from a store, rebuilt incrementally.
 *
 * A site holds index.<ext> (the dashboard), checkpoints/<checkpoint>/index.<ext> and
 * page-N.<ext> (history, charts, runs table), checkpoints/<checkpoint>/runs/<run>.<ext>
 * (one page per run, error runs included), history/trend.json, history.json (truthound's
 * schema), assets/ and .dqbatch/manifest.jsonl (what the site was built from).
 *
 * The manifest is JSON lines. The first holds the options that shape every page
 * ("fingerprint", "format", "page_size") and the names of the "stats" array; each other
 * line one stored result: "input" and "path" (its key), "size" and "mtime" (unchanged
 * means not read again), "page" (the site shows this copy of the run), and the run's
 * summary: run_id, checkpoint, data_asset, run_time, run_time_us, status, duration_ms,
 * error (cut short), content_hash and stats. The summaries of the lines with "page": true
 * are all the index, history/trend.json and history.json are drawn from, so sites built
 * per shard (one shard owns a checkpoint's whole history, its checkpoint and run pages
 * included) can be merged from their manifests alone. */
#ifndef DQBATCH_DOCS_H
#define DQBATCH_DOCS_H

#include "dqbatch/scan.h"

typedef enum dq_docs_format {
    DQ_DOCS_HTML,
    DQ_DOCS_MARKDOWN,
    DQ_DOCS_JSON,
} dq_docs_format;

/* "html", "markdown" (or "md"), "json". */
dq_code dq_docs_format_parse(const char *name, dq_docs_format *out, dq_error *err);
const char *dq_docs_format_ext(dq_docs_format format); /* "html", "md", "json" */

#define DQ_DOCS_DEFAULT_HISTORY 100
#define DQ_DOCS_DEFAULT_PAGE_SIZE 100
#define DQ_DOCS_DEFAULT_SITE_NAME "Data Docs"

typedef struct dq_docs_opts {
    const char *site_dir;
    dq_docs_format format;
    int history;              /* runs per checkpoint the charts and index draw; 0: default */
    int page_size;            /* rows of a checkpoint's runs table per page; 0: default */
    const char *site_name;    /* NULL: DQ_DOCS_DEFAULT_SITE_NAME */
    const char *base_url;     /* http(s) URL the site is served from, or NULL */
    const char *generated_at; /* ISO time shown as "generated at" and taken as "now" */
    bool full;                /* ignore the manifest and rebuild everything */
} dq_docs_opts;

typedef struct dq_docs_report {
    dq_scan_report scan; /* of the results read in this build (all of them when full) */
    size_t runs;         /* runs the site shows */
    size_t checkpoints;
    size_t rendered; /* run pages written in this build */
    size_t reused;   /* unchanged entries taken from the manifest without reading */
    size_t removed;  /* site files deleted */
    size_t failed;   /* pages that could not be written (each reported) */
    bool incremental;
} dq_docs_report;

/* Builds or updates the site at opts->site_dir from the store the scan options name.
 * Bad inputs are reported and counted (report->scan.bad); the return value is an error
 * only when the site itself could not be built. */
dq_code dq_docs_build(const dq_scan_opts *scan, const dq_docs_opts *opts, dq_docs_report *report,
                      dq_error *err);

/* Safe, unique, stable file name for a checkpoint name or a run id: the name itself when
 * it is plain lower-case ASCII ([a-z0-9_.-], not starting with '.'), otherwise a readable
 * ASCII form followed by '-' and a hash of the name. Owned. */
char *dq_docs_slug(const char *name);

/* A run page's path inside the site ("checkpoints/<cp>/runs/<run>.html"), or with
 * base_url its absolute URL, for notifications that link to the run. Owned. */
char *dq_docs_run_path(dq_docs_format format, const char *checkpoint_name, const char *run_id);
char *dq_docs_run_url(const char *base_url, dq_docs_format format, const char *checkpoint_name,
                      const char *run_id);

#endif
