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
 * only when the site itself could not be built.
 *
 * With a shard in the filter (shard_count > 0) the build writes only the pages of the
 * checkpoints that shard owns (dq_shard_of), and instead of the index, trend, history
 * and manifest a partial manifest, .dqbatch/parts/shard-I-of-N.jsonl, from which
 * dq_docs_merge draws them once every shard is done. Every shard reads the whole store
 * once (a result's checkpoint is known only once it is parsed) and keeps every summary
 * in its part, so its next build reads only new or changed results; the run pages,
 * the file system's costliest part, are split between the shards. */
dq_code dq_docs_build(const dq_scan_opts *scan, const dq_docs_opts *opts, dq_docs_report *report,
                      dq_error *err);

/* ---- a build as part of another scan (dqbatch run: docs and actions in one pass) ----
 *
 * dq_docs_build is open, one dq_scan_run with the three hooks below, finish. A caller
 * with its own scan does the same with its own consumer calling dq_docs_session_result
 * for every result it is given. For the manifest to remember the results the filters
 * leave out (so that the next build does not read them again), that scan should run
 * without a filter: the session applies scan->filter itself, before duplicates are
 * settled (a copy the filters leave out never hides another). With a filter in the
 * scan the site is the same; the left-out results are only read again next time. */
typedef struct dq_docs_session dq_docs_session;

/* Reads the site's manifest and marks the site as being built. opts and scan are
 * borrowed until dq_docs_session_free; scan names the inputs, the filter, jobs and the
 * size cap (its hooks are not used). */
dq_code dq_docs_session_open(const dq_docs_opts *opts, const dq_scan_opts *scan,
                             dq_docs_session **out, dq_error *err);
/* The scan's consumer (thread-safe): keeps the result's summary and renders its run page
 * into a staging folder. */
dq_code dq_docs_session_result(dq_docs_session *s, const dq_entry *entry, dq_result *result,
                               dq_error *err);
/* The scan's reuse hook (walking thread): an entry unchanged since the last build (same
 * path and size, and same ETag when the entry has one, else same mtime) is taken from
 * the manifest without being read. */
bool dq_docs_session_reuse(dq_docs_session *s, const dq_entry *entry, dq_record *rec);
/* The scan's known question: whether reuse would take the entry. Pure. */
bool dq_docs_session_known(dq_docs_session *s, const dq_entry *entry);
/* After the scan (scan: its report, for the counts of entries, bad inputs and results
 * that are not results): settles what the site shows, reads again the few results whose
 * pages are missing (a copy that took over from a removed one), and writes the pages,
 * index, trend, history and manifest. */
dq_code dq_docs_session_finish(dq_docs_session *s, const dq_scan_report *scan,
                               dq_docs_report *report, dq_error *err);
/* Frees the session; a session not finished leaves the site as it was. */
void dq_docs_session_free(dq_docs_session *s);

/* ---- merging the parts of a sharded build -------------------------------------------- */

/* Draws the index, history/trend.json, history.json, assets and the full manifest of the
 * site at site_dir from the partial manifests alone (no stored result is read). Each of
 * parts is a partial manifest file or a site folder (then all of its
 * .dqbatch/parts/ files). The parts must come from one build: the same options and
 * shard count, every shard exactly once. generated_at: NULL keeps the parts' own. The
 * result equals the site one unsharded build would have made, byte for byte. */
dq_code dq_docs_merge(const char *const *parts, int count, const char *site_dir,
                      const char *generated_at, dq_docs_report *report, dq_error *err);

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
