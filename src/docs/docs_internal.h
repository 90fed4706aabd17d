/* docs internals: the writer every renderer shares, the run summaries the site keeps,
 * and the renderers (pure functions from results or summaries to bytes). */
#ifndef DQBATCH_DOCS_INTERNAL_H
#define DQBATCH_DOCS_INTERNAL_H

#include <cJSON.h>
#include <string.h>

#include "dqbatch/docs.h"

/* ---- output: a bounded buffer whose first failure sticks ----------------------------- */

/* Renderers append many small pieces; checking each one would bury the markup, so the
 * first failure is kept and every later append does nothing. The caller checks code
 * once at the end. */
typedef struct dq_docs_out {
    dq_buf buf;
    dq_code code;
    dq_buf scratch; /* for text built before it is escaped (docs_out_value_html) */
} dq_docs_out;

#define DQ_DOCS_MAX_PAGE ((size_t)64 << 20)

void docs_out_init(dq_docs_out *o);
void docs_out_free(dq_docs_out *o);
void docs_out_reset(dq_docs_out *o);
/* Inline: pages are millions of short pieces, most of them literals whose length the
 * compiler then knows. */
static inline void docs_out_mem(dq_docs_out *o, const char *s, size_t n)
{
    if (o->code == DQ_OK && n)
        o->code = dq_buf_add(&o->buf, s, n);
}

static inline void docs_out_str(dq_docs_out *o, const char *s)
{
    if (s)
        docs_out_mem(o, s, strlen(s));
}

static inline void docs_out_char(dq_docs_out *o, char c)
{
    docs_out_mem(o, &c, 1);
}
void docs_out_printf(dq_docs_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Text escaped for HTML text and double-quoted attributes alike: & < > " ' become
 * entities, invalid UTF-8 and control characters become U+FFFD. NULL writes nothing. */
void docs_out_html(dq_docs_out *o, const char *s);
/* Text for a markdown table cell or paragraph: HTML-escaped too (markdown renders
 * inline HTML), plus | ` * _ [ ] \ escaped and newlines folded. */
void docs_out_markdown(dq_docs_out *o, const char *s);
/* A JSON string literal as Python's json.dumps writes it (ensure_ascii). With
 * script_safe, < > & are escaped too so that the JSON can sit inside a <script>. */
void docs_out_json_string(dq_docs_out *o, const char *s, bool script_safe);
/* A double as Python's repr writes it: shortest round-trip, "1.0", NaN, Infinity. */
void docs_out_json_double(dq_docs_out *o, double v);
/* A JSON tree as json.dumps writes it: indent 0 is compact (", " and ": "), otherwise
 * that many spaces per level starting at depth. */
void docs_out_json(dq_docs_out *o, const cJSON *v, int indent, int depth, bool script_safe);
/* Any JSON value as text for HTML or markdown: a string as it is, anything else as
 * compact JSON; escaped either way. */
void docs_out_value_html(dq_docs_out *o, const cJSON *v);
void docs_out_value_markdown(dq_docs_out *o, const cJSON *v);
/* v as printf's %016llx writes it. */
void docs_out_hex64(dq_docs_out *o, uint64_t v);
/* A number as printf's %.17g writes it (the exact sort key of a table cell). */
void docs_out_g17(dq_docs_out *o, double v);
/* 1234567 as "1,234,567". */
void docs_out_count(dq_docs_out *o, int64_t n);
/* A naive time as "2024-03-07 18:47:07". */
void docs_out_time(dq_docs_out *o, dq_time t);

/* ---- what the site keeps of a run once its document is gone -------------------------- */

typedef struct dq_docs_run {
    char *run_id;
    char *checkpoint;
    char *data_asset; /* NULL when absent */
    char *run_time_text;
    char *error; /* the error of an error run (cut short), or NULL */
    dq_time run_time;
    dq_status status;
    double duration_ms;
    dq_stats stats;
    uint64_t content_hash;
} dq_docs_run;

#define DQ_DOCS_ERROR_SUMMARY 300

/* How much of a run's error the site keeps: at most DQ_DOCS_ERROR_SUMMARY bytes, cut on
 * a character boundary so that the summary stays valid UTF-8. */
size_t docs_error_summary_len(const char *error);
/* Oldest first: run_time, then run_id. */
int docs_run_compare(const dq_docs_run *a, const dq_docs_run *b);

/* One checkpoint's runs, oldest first. */
typedef struct dq_docs_checkpoint {
    const char *name; /* borrowed from the first run */
    char *slug;
    const dq_docs_run **runs;
    size_t len;
    size_t cap;
} dq_docs_checkpoint;

/* What every page needs to know about the site. */
typedef struct dq_docs_site {
    dq_docs_format format;
    const char *ext;
    const char *site_name;
    const char *base_url;     /* without trailing slash, or NULL */
    const char *generated_at; /* as given, or NULL */
    dq_time now;              /* generated_at, else the newest run time */
    int history;
    int page_size;
} dq_docs_site;

/* Number of pages of a checkpoint's runs table (at least 1). */
size_t docs_page_count(const dq_docs_site *site, size_t runs);
/* Path inside the site of page `page` (0-based) of a checkpoint's history. Owned. */
char *docs_checkpoint_page_path(const dq_docs_site *site, const char *slug, size_t page);
/* Path inside the site of a run page, from the two slugs. Owned. */
char *docs_run_page_path(const char *ext, const char *checkpoint_slug, const char *run_slug);

/* ---- renderers: pure functions, no I/O ----------------------------------------------- */

void docs_render_run(dq_docs_out *o, const dq_docs_site *site, const dq_result *r);
/* charts: what docs_render_checkpoint_charts drew for cp, which every HTML page of a
 * checkpoint shows alike; NULL draws them for this page. */
void docs_render_checkpoint(dq_docs_out *o, const dq_docs_site *site, const dq_docs_checkpoint *cp,
                            size_t page, const dq_docs_out *charts);
void docs_render_checkpoint_charts(dq_docs_out *o, const dq_docs_site *site,
                                   const dq_docs_checkpoint *cp);
void docs_render_index(dq_docs_out *o, const dq_docs_site *site, const dq_docs_checkpoint *cps,
                       size_t count);
void docs_render_trend(dq_docs_out *o, const dq_docs_site *site, const dq_docs_checkpoint *cps,
                       size_t count);
void docs_render_history(dq_docs_out *o, const dq_docs_site *site, const dq_docs_checkpoint *cps,
                         size_t count);

/* The runs a chart draws: the last `history` of the checkpoint. */
size_t docs_history_first(const dq_docs_site *site, const dq_docs_checkpoint *cp);

/* Inline SVG charts (they need no script to be read). */
void docs_svg_pass_rate(dq_docs_out *o, const dq_docs_run *const *runs, size_t n);
void docs_svg_issues(dq_docs_out *o, const dq_docs_run *const *runs, size_t n);
void docs_svg_timeline(dq_docs_out *o, const dq_docs_run *const *runs, size_t n,
                       const char *run_link_prefix, const char *ext);
void docs_svg_sparkline(dq_docs_out *o, const dq_docs_run *const *runs, size_t n);

/* Shared page pieces (HTML). root is the relative path to the site root ("", "../../"). */
void docs_html_begin(dq_docs_out *o, const dq_docs_site *site, const char *title, const char *root,
                     const char *canonical);
/* stamped: show --generated-at. Only the index does, as it is redrawn on every build
 * while the other pages must stay as they are until their runs change. */
void docs_html_end(dq_docs_out *o, const dq_docs_site *site, const char *root, bool stamped);
void docs_html_badge(dq_docs_out *o, dq_status status);
void docs_md_footer(dq_docs_out *o, const dq_docs_site *site, bool stamped);

extern const char docs_style_css[];
extern const char docs_script_js[];

#endif
