/* Building a site: a session (open, the hooks of one scan, finish) that dq_docs_build
 * drives with a scan of its own and dqbatch run with the scan it shares with the
 * actions. During the scan an entry unchanged since the manifest (same path and size,
 * same ETag or mtime) is taken from it without being read, and every other result has
 * its run page rendered by the scan's workers: the first copy of a run_id straight into
 * its place in the site, any later copy into a staging directory. At finish the copy of
 * each run_id the site shows is settled over the summaries, the staged pages of those
 * that won are renamed into place, the pages of the checkpoints that changed are
 * redrawn, and the index, trend, history, manifest follow (a shard writes its part
 * instead, for the merge). A marker file stands while the site is being changed: a run killed
 * midway leaves it, and the next run rebuilds everything and sweeps out what the killed run left.
 *
 * A page that replaces one in the site goes through a temporary name and a rename, so
 * readers see the old page or the new one. A site without pages yet (no checkpoints
 * folder: a first build) gets its whole checkpoints tree written plainly into a hidden
 * folder, which one rename puts in place at the end: creating 100,000 files costs a third
 * more when each also needs a second name or a link.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "docs_map.h"

/* Raised whenever a change in dqbatch changes any page, so old sites are rebuilt. */
#define DOCS_RENDER_VERSION "1"

#define META_DIR DOCS_META_DIR
#define MARKER_FILE META_DIR "/building"
#define STAGING_DIR META_DIR "/staging"
#define NEW_TREE_DIR META_DIR "/checkpoints" /* a first build's pages, until they are whole */
#define TREE_PREFIX "checkpoints/"

/* What a checkpoint's pages are drawn from, folded into a number: equal numbers mean
 * the pages would come out the same. */
typedef struct cp_digest {
    const char *name;
    uint64_t sum;
    size_t runs;
} cp_digest;

struct dq_docs_session {
    const dq_scan_opts *scan_opts;
    const dq_docs_opts *opts;
    dq_docs_site site;
    dq_docs_report report;
    /* The filters without the shard: duplicates are settled over every shard alike, so
     * that the shards together show what one build would. NULL takes everything. */
    const dq_filter *filter;
    dq_filter filter_unsharded;
    int shard_index;
    int shard_count;     /* 0: not sharded */
    char *manifest_path; /* the site's manifest, or the shard's part */
    char *marker_path;
    char *staging_dir;
    bool site_existed; /* before this build: a failed first build leaves no folder */
    /* Nor had it a checkpoints folder (and the build is not a shard): the pages go to a
     * hidden tree, renamed into place at finish. */
    bool fresh;
    bool tree_published;
    char *tree_dir; /* where checkpoints/ is written: the site's, or the hidden one */
    bool finished;
    /* Pages were moved into the site: its marker must stay until the end. Set by the
     * workers for every page they write in place, hence atomic rather than locked. */
    atomic_bool touched;
    char *fingerprint;
    docs_manifest old; /* the previous build's; the scan claims its unchanged entries */
    bool have_old;
    bool reuse;           /* the previous build had the same options: trust its entries */
    bool recovering;      /* a previous build was killed midway */
    pthread_mutex_t lock; /* guards cur, and report counters during the scan */
    docs_manifest cur;    /* this build's entries */
    int round;            /* 1: the scan; 2: reading again the winners without a page */
    docs_state **targets; /* round 2 by file list: the state of each input */
    size_t target_count;
    docs_state **winners; /* the runs the site shows, oldest first */
    size_t winner_count;
    dq_map first_by_run_id; /* the first copy in store order (in cur) the filters take */
    docs_groups groups;
    cp_digest *old_cps; /* the checkpoints the previous build showed */
    size_t old_cp_count;
    dq_map old_cp_map;
    dq_docs_out **spare; /* render buffers the workers hand back, so pages reuse them */
    size_t spare_count;
    size_t spare_cap;
    dq_strset claimed; /* run_ids whose first copy the filters take has been seen */
    struct checkpoint_pages *page_items; /* what the finish's workers draw */
    size_t page_item_count;
    struct page_writer *page_writers; /* one per worker */
    size_t page_writer_count;
    dq_pool *page_pool;
};

typedef struct dq_docs_session docs_build;

/* ---- small file helpers ---------------------------------------------------------------- */

static char *site_path(const docs_build *b, const char *relative)
{
    return dq_asprintf("%s/%s", b->opts->site_dir, relative);
}

/* The file at relative in the site as this build writes it: under checkpoints/, in the
 * tree the build writes (the hidden one of a first build). */
static char *tree_path(const docs_build *b, const char *relative)
{
    size_t n = strlen(TREE_PREFIX);
    if (strncmp(relative, TREE_PREFIX, n) == 0)
        return dq_asprintf("%s/%s", b->tree_dir, relative + n);
    return site_path(b, relative);
}

static void remove_file(docs_build *b, const char *relative)
{
    char *path = site_path(b, relative);
    if (path && unlink(path) == 0)
        b->report.removed++;
    else if (path && errno != ENOENT)
        dq_warn("%s: cannot remove: %s", path, strerror(errno));
    free(path);
}

static void remove_dir_if_empty(docs_build *b, const char *relative)
{
    char *path = site_path(b, relative);
    if (path)
        rmdir(path); /* fails harmlessly while it holds anything */
    free(path);
}

static void empty_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *path = dq_asprintf("%s/%s", dir, e->d_name);
        if (path)
            unlink(path);
        free(path);
    }
    closedir(d);
}

/* ---- options ------------------------------------------------------------------------- */

/* Everything that shapes a page or the meaning of an entry's key. Filters and
 * --generated-at are left out: the first are applied to the summaries, the second shows
 * on the index only, which is redrawn every time. */
static char *build_fingerprint(const docs_build *b)
{
    dq_docs_out o;
    docs_out_init(&o);
    docs_out_printf(&o, "v%s|%s|%d|%d|%zu|", DOCS_RENDER_VERSION, b->site.ext, b->site.history,
                    b->site.page_size, b->scan_opts->max_result_bytes);
    docs_out_json_string(&o, b->site.site_name, false);
    docs_out_json_string(&o, b->site.base_url ? b->site.base_url : "", false);
    for (int i = 0; i < b->scan_opts->input_count; i++)
        docs_out_json_string(&o, b->scan_opts->inputs[i], false);
    char *fingerprint = NULL;
    if (o.code == DQ_OK)
        fingerprint = dq_asprintf(
            "%016llx", (unsigned long long)dq_hash64(o.buf.data, o.buf.len, 0x66707274ULL));
    docs_out_free(&o);
    return fingerprint;
}

static dq_code site_init(docs_build *b, dq_error *err)
{
    const dq_docs_opts *opts = b->opts;
    dq_docs_site *site = &b->site;
    site->format = opts->format;
    site->ext = dq_docs_format_ext(opts->format);
    site->site_name =
        opts->site_name && *opts->site_name ? opts->site_name : DQ_DOCS_DEFAULT_SITE_NAME;
    site->history = opts->history > 0 ? opts->history : DQ_DOCS_DEFAULT_HISTORY;
    site->page_size = opts->page_size > 0 ? opts->page_size : DQ_DOCS_DEFAULT_PAGE_SIZE;
    site->generated_at = opts->generated_at;
    if (opts->generated_at && dq_time_parse_iso(opts->generated_at, &site->now) != DQ_OK)
        return dq_fail(err, DQ_EUSAGE, "--generated-at: '%s' is not an ISO time",
                       opts->generated_at);
    if (opts->base_url) {
        const char *u = opts->base_url;
        /* Only web addresses: anything else (javascript:, data:) would land in links. */
        if ((strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0) ||
            strpbrk(u, " \"'<>\\`") != NULL)
            return dq_fail(err, DQ_EUSAGE, "--base-url: '%s' is not an http(s) URL", u);
        size_t n = strlen(u);
        while (n && u[n - 1] == '/')
            n--;
        site->base_url = dq_strndup(u, n);
        if (!site->base_url)
            return dq_fail(err, DQ_ENOMEM, "out of memory");
    }
    b->fingerprint = build_fingerprint(b);
    if (!b->fingerprint)
        return dq_fail(err, DQ_ENOMEM, "out of memory");
    return DQ_OK;
}

/* ---- the scan's two callbacks ---------------------------------------------------------- */

/* The record's strings in one allocation (its block), as the scan keeps them. */
static dq_code record_from_state(dq_record *rec, const dq_entry *entry, const docs_state *s)
{
    const dq_docs_run *r = &s->run;
    const char *strings[] = {r->run_id, r->checkpoint, r->data_asset, r->run_time_text};
    size_t count = sizeof(strings) / sizeof(strings[0]), lens[sizeof(strings) / sizeof(strings[0])];
    char *block = malloc(docs_strings_size(strings, lens, count));
    if (!block)
        return DQ_ENOMEM;
    *rec = (dq_record){.block = block,
                       .size = entry->size,
                       .mtime = entry->mtime,
                       .run_time = r->run_time,
                       .status = r->status,
                       .duration_ms = r->duration_ms,
                       .stats = r->stats,
                       .content_hash = r->content_hash};
    char **fields[] = {&rec->run_id, &rec->checkpoint_name, &rec->data_asset, &rec->run_time_text};
    docs_strings_copy(block, strings, lens, fields, count);
    return DQ_OK;
}

/* Takes the manifest's state for this build: each entry is claimed by one worker only,
 * and the manifest keeps no other use for it (what the previous build showed was
 * summed up before the scan, and was_page keeps its page flag). */
static docs_state *state_claim(docs_build *b, size_t i, const dq_entry *entry)
{
    docs_state *s = b->old.states[i];
    char *file = dq_strdup(entry->file);
    if (entry->file && !file)
        return NULL;
    free(s->file);
    s->file = file;
    s->seq = entry->seq;
    b->old.states[i] = NULL;
    return s;
}

/* Whether this is the first copy of its run_id the filters take. Such a copy writes its
 * page straight into the site: duplicates are rare, and staging every page to rename it
 * at the end doubles the cost of the largest part of a build. A later copy is staged;
 * finish settles which copy the site shows and mends the page when it is not the first
 * (settle_in_place). Copies taken from the manifest claim their run_id too, so that a
 * copy found after them never overwrites their page. */
static bool claim_run_id(docs_build *b, const dq_docs_run *run)
{
    if (!dq_filter_match(b->filter, run->checkpoint, run->data_asset, run->status, run->run_time))
        return false;
    pthread_mutex_lock(&b->lock);
    size_t before = b->claimed.items.len;
    bool first = dq_strset_add(&b->claimed, run->run_id) && b->claimed.items.len > before;
    pthread_mutex_unlock(&b->lock);
    return first; /* out of memory only stages the page */
}

static dq_code cur_add(docs_build *b, docs_state *s, bool reused)
{
    pthread_mutex_lock(&b->lock);
    dq_code rc = docs_manifest_push(&b->cur, s);
    if (rc == DQ_OK && reused)
        b->report.reused++;
    pthread_mutex_unlock(&b->lock);
    return rc;
}

/* Same bytes as when the manifest's line was written: an object's ETag changes with its
 * bytes (its mtime can change without them); a file has only its size and mtime. */
static bool entry_unchanged(const docs_state *old, const dq_entry *entry)
{
    if (!old || old->size != entry->size)
        return false;
    if (entry->etag)
        return old->etag && strcmp(old->etag, entry->etag) == 0;
    return old->mtime == entry->mtime;
}

/* The index in m of the state with the entry's key. */
static bool state_find(const docs_manifest *m, const dq_entry *entry, size_t *i)
{
    return docs_manifest_find(m, entry->input, entry->relpath, i);
}

bool dq_docs_session_known(dq_docs_session *b, const dq_entry *entry)
{
    size_t i;
    return b->reuse && state_find(&b->old, entry, &i) && entry_unchanged(b->old.states[i], entry);
}

/* Round 1: an entry unchanged since the last build is taken from the manifest. */
bool dq_docs_session_reuse(dq_docs_session *b, const dq_entry *entry, dq_record *rec)
{
    size_t i;
    if (!b->reuse || !state_find(&b->old, entry, &i))
        return false;
    const docs_state *old = b->old.states[i];
    if (!entry_unchanged(old, entry) || record_from_state(rec, entry, old) != DQ_OK)
        return false;
    docs_state *s = state_claim(b, i, entry);
    if (!s || cur_add(b, s, true) != DQ_OK) {
        /* Not taken after all: it goes back (the digests name its checkpoint) and the
         * entry is read again. */
        if (s)
            b->old.states[i] = s;
        dq_record_free(rec);
        return false;
    }
    claim_run_id(b, &s->run);
    return true;
}

/* Round 2: everything but the entries wanted again is taken from this build's states. */
static bool known_in_current(const docs_build *b, const dq_entry *entry)
{
    size_t i;
    return state_find(&b->cur, entry, &i) && !b->cur.states[i]->want;
}

static bool reuse_from_current(docs_build *b, const dq_entry *entry, dq_record *rec)
{
    size_t i;
    if (!state_find(&b->cur, entry, &i) || b->cur.states[i]->want)
        return false;
    return record_from_state(rec, entry, b->cur.states[i]) == DQ_OK;
}

static bool build_reuse(const dq_entry *entry, void *ctx, dq_record *rec)
{
    docs_build *b = ctx;
    if (b->round == 2)
        return reuse_from_current(b, entry, rec);
    return dq_docs_session_reuse(b, entry, rec);
}

static bool build_known(const dq_entry *entry, void *ctx)
{
    docs_build *b = ctx;
    return b->round == 2 ? known_in_current(b, entry) : dq_docs_session_known(b, entry);
}

static char *staging_path(const docs_build *b, const docs_state *s)
{
    return dq_asprintf("%s/%d-%llu.%s", b->staging_dir, s->input, (unsigned long long)s->seq,
                       b->site.ext);
}

#define SPARE_KEEP ((size_t)1 << 20) /* a buffer grown past this is not kept */

static dq_docs_out *out_take(docs_build *b)
{
    dq_docs_out *o = NULL;
    pthread_mutex_lock(&b->lock);
    if (b->spare_count)
        o = b->spare[--b->spare_count];
    pthread_mutex_unlock(&b->lock);
    if (!o && (o = malloc(sizeof(*o))) != NULL)
        docs_out_init(o);
    return o;
}

static void out_give(docs_build *b, dq_docs_out *o)
{
    bool kept = false;
    docs_out_reset(o);
    pthread_mutex_lock(&b->lock);
    if (o->buf.cap <= SPARE_KEEP && o->scratch.cap <= SPARE_KEEP) {
        /* Out of memory here only means the writer is freed instead of kept. */
        dq_docs_out **spare =
            dq_array_grow(b->spare, b->spare_count, &b->spare_cap, sizeof *spare, 8);
        if (spare) {
            b->spare = spare;
            b->spare[b->spare_count++] = o;
            kept = true;
        }
    }
    pthread_mutex_unlock(&b->lock);
    if (!kept) {
        docs_out_free(o);
        free(o);
    }
}

/* The run page of s in the tree this build writes: its path, owned. */
static char *run_page_path(const docs_build *b, const docs_state *s)
{
    char *relative = dq_docs_run_path(b->site.format, s->run.checkpoint, s->run.run_id);
    char *path = relative ? tree_path(b, relative) : NULL;
    free(relative);
    return path;
}

/* Writes the page to its place in the site so that readers see the old page or the new
 * one: a page that may stand is replaced through a temporary name beside it. That name
 * needs no randomness: only the copy that claimed its run_id (or, in the second round,
 * its winner) writes there. The site is changed from here on, so its marker stays if the
 * build fails. In a first build's hidden tree no reader looks: the page is written
 * plainly (a killed build leaves partial files there, which the next one removes). */
static dq_code write_in_place(docs_build *b, docs_state *s, const dq_docs_out *o, dq_error *err)
{
    char *path = run_page_path(b, s);
    if (!path)
        return dq_fail(err, DQ_ENOMEM, "%s: out of memory", s->relpath);
    dq_code rc = DQ_OK;
    if (b->fresh) {
        rc = dq_file_write(path, o->buf.data, o->buf.len, err);
    } else {
        atomic_store_explicit(&b->touched, true, memory_order_relaxed);
        char *tmp = dq_asprintf("%s.tmp", path);
        rc = tmp ? dq_file_write(tmp, o->buf.data, o->buf.len, err)
                 : dq_fail(err, DQ_ENOMEM, "%s: out of memory", s->relpath);
        if (rc == DQ_OK && rename(tmp, path) != 0)
            rc = dq_fail(err, DQ_EIO, "%s: cannot write: %s", path, strerror(errno));
        if (rc != DQ_OK && tmp)
            unlink(tmp);
        free(tmp);
    }
    free(path);
    s->in_place = s->page = rc == DQ_OK;
    return rc;
}

static dq_code write_staged(docs_build *b, docs_state *s, const dq_docs_out *o, dq_error *err)
{
    char *path = staging_path(b, s);
    dq_code rc = path ? dq_file_write(path, o->buf.data, o->buf.len, err)
                      : dq_fail(err, DQ_ENOMEM, "out of memory");
    free(path);
    s->staged = rc == DQ_OK;
    return rc;
}

/* Renders a run page, into its place or into the staging directory. */
static dq_code render_page(docs_build *b, docs_state *s, const dq_result *r, bool in_place,
                           dq_error *err)
{
    dq_docs_out *o = out_take(b);
    if (!o)
        return dq_fail(err, DQ_ENOMEM, "%s: out of memory", s->relpath);
    docs_render_run(o, &b->site, r);
    dq_code rc = o->code;
    if (rc)
        dq_fail(err, rc, "%s: the run page of %s cannot be rendered: %s", s->relpath, r->run_id,
                dq_code_name(rc));
    else
        rc = in_place ? write_in_place(b, s, o, err) : write_staged(b, s, o, err);
    out_give(b, o);
    return rc;
}

static docs_state *state_from_result(const dq_entry *entry, const dq_result *r)
{
    char error[DQ_DOCS_ERROR_SUMMARY + 1];
    if (r->error) {
        size_t n = docs_error_summary_len(r->error);
        memcpy(error, r->error, n);
        error[n] = '\0';
    }
    docs_state_text text = {.relpath = entry->relpath,
                            .etag = entry->etag,
                            .run_id = r->run_id,
                            .checkpoint = r->checkpoint_name,
                            .data_asset = r->data_asset,
                            .run_time_text = r->run_time_text,
                            .error = r->error ? error : NULL};
    docs_state from = {
        .input = entry->input,
        .seq = entry->seq,
        .size = entry->size,
        .mtime = entry->mtime,
        .line_at = -1, /* not in any manifest yet */
        .run = {.run_time = r->run_time,
                .status = r->status,
                .duration_ms = r->duration_ms,
                .stats = r->stats,
                .content_hash = r->content_hash},
    };
    docs_state *s = docs_state_pack(&from, &text);
    if (s && entry->file && (s->file = dq_strdup(entry->file)) == NULL) {
        docs_state_free(s);
        return NULL;
    }
    return s;
}

/* Whether this build draws the run's pages: the filters take it and, in a sharded build,
 * its checkpoint is this shard's. */
static bool build_shows(const docs_build *b, const dq_docs_run *run)
{
    return dq_filter_match(b->filter, run->checkpoint, run->data_asset, run->status,
                           run->run_time) &&
           (b->shard_count == 0 || dq_shard_of(run->checkpoint, b->shard_count) == b->shard_index);
}

dq_code dq_docs_session_result(dq_docs_session *b, const dq_entry *entry, dq_result *r,
                               dq_error *err)
{
    docs_state *s = state_from_result(entry, r);
    if (!s)
        return dq_fail(err, DQ_ENOMEM, "%s: out of memory", entry->name);
    dq_code rc = DQ_OK;
    /* Filtered results are kept in the manifest (so they are not read again) but get no
     * page; what the site shows is settled over the summaries after the scan. A copy
     * another shard shows claims its run_id all the same: duplicates are settled over
     * every shard alike. */
    bool first = claim_run_id(b, &s->run);
    if (build_shows(b, &s->run))
        rc = render_page(b, s, r, first, err);
    if (rc == DQ_OK && (rc = cur_add(b, s, false)) != DQ_OK)
        dq_fail(err, rc, "%s: out of memory", entry->name);
    if (rc)
        docs_state_free(s);
    return rc;
}

static dq_code build_round2(docs_build *b, const dq_entry *entry, dq_result *r, dq_error *err)
{
    docs_state *s = NULL;
    size_t i;
    if (b->targets) {
        if (entry->input >= 0 && (size_t)entry->input < b->target_count)
            s = b->targets[entry->input];
    } else {
        if (docs_manifest_find(&b->cur, entry->input, entry->relpath, &i))
            s = b->cur.states[i];
    }
    if (!s || !s->want)
        return DQ_OK;
    if (s->run.content_hash != r->content_hash || strcmp(s->run.run_id, r->run_id) != 0)
        return dq_fail(err, DQ_EIO, "%s: changed while the site was being built", entry->name);
    return render_page(b, s, r, true, err); /* a winner: its place is settled */
}

static dq_code build_consume(const dq_entry *entry, dq_result *r, void *ctx, dq_error *err)
{
    docs_build *b = ctx;
    return b->round == 1 ? dq_docs_session_result(b, entry, r, err)
                         : build_round2(b, entry, r, err);
}

/* ---- deciding what the site shows ------------------------------------------------------ */

/* A scan of the build's own (dq_docs_build, and the second round): without filters, so
 * that the manifest keeps every result (see dq_docs_session_result). */
static dq_code scan_round(docs_build *b, const char *const *inputs, int input_count,
                          dq_scan_report *report, dq_error *err)
{
    dq_scan_opts opts = *b->scan_opts;
    opts.inputs = inputs;
    opts.input_count = input_count;
    opts.filter = NULL;
    opts.reuse = b->targets ? NULL : build_reuse;
    opts.known = b->targets ? NULL : build_known;
    /* The states are the build's records: the scan's own are not kept. */
    return dq_scan_run(&opts, build_consume, b, NULL, report, err);
}

/* Store order: the input, then the order the walk found entries in. */
static int compare_states(const void *a, const void *b)
{
    const docs_state *x = *(const docs_state *const *)a, *y = *(const docs_state *const *)b;
    if (x->input != y->input)
        return x->input < y->input ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void count_duplicate(docs_build *b, const docs_state *first, const docs_state *again)
{
    if (first->run.content_hash == again->run.content_hash)
        b->report.scan.duplicates++;
    else
        b->report.scan.conflicts++;
}

/* What the site shows: of the copies of a run_id the filters take, the first in store
 * order (a copy the filters leave out never hides another); in a sharded build, of
 * those, the runs of the shard's checkpoints. */
static dq_code pick_winners(docs_build *b, dq_error *err)
{
    /* This build's states in store order, once: the manifest is written in it too, and
     * nothing has looked them up by position yet (see cur_add). */
    docs_state **order = b->cur.states;
    if (b->cur.len > 1)
        qsort(order, b->cur.len, sizeof(*order), compare_states);
    b->winners = malloc((b->cur.len + 1) * sizeof(*b->winners));
    dq_map *first = &b->first_by_run_id;
    dq_code rc = b->winners && dq_map_reserve(first, b->cur.len) == DQ_OK ? DQ_OK : DQ_ENOMEM;
    for (size_t i = 0; rc == DQ_OK && i < b->cur.len; i++) {
        docs_state *s = order[i];
        const dq_docs_run *run = &s->run;
        size_t seen;
        if (!dq_filter_match(b->filter, run->checkpoint, run->data_asset, run->status,
                             run->run_time)) {
            b->report.scan.filtered++;
        } else if (dq_map_get(first, run->run_id, &seen)) {
            count_duplicate(b, order[seen], s);
        } else if ((rc = dq_map_put(first, run->run_id, i)) == DQ_OK && build_shows(b, run)) {
            s->winner = true;
            b->winners[b->winner_count++] = s;
        }
    }
    return rc ? dq_fail(err, rc, "out of memory") : DQ_OK;
}

/* A winner whose page was neither rendered now nor before (it took over from a removed
 * copy, or a filter let it in) is read again. */
static dq_code render_missing(docs_build *b, dq_error *err)
{
    size_t wanted = 0;
    bool by_file = true;
    for (size_t i = 0; i < b->winner_count; i++) {
        docs_state *s = b->winners[i];
        s->want = !s->staged && !s->page;
        wanted += s->want;
        by_file = by_file && (!s->want || s->file);
    }
    if (wanted == 0)
        return DQ_OK;
    const char **files = NULL;
    if (by_file) {
        files = malloc(wanted * sizeof(*files));
        b->targets = malloc(wanted * sizeof(*b->targets));
        if (!files || !b->targets) {
            free(files);
            return dq_fail(err, DQ_ENOMEM, "out of memory");
        }
        for (size_t i = 0; i < b->winner_count; i++)
            if (b->winners[i]->want) {
                files[b->target_count] = b->winners[i]->file;
                b->targets[b->target_count++] = b->winners[i];
            }
    }
    /* Round 2 over whole inputs looks this build's entries up by key: index them now
     * (cur_add does not, for a round 1 that needs no lookups). */
    if (!by_file && docs_manifest_index(&b->cur) != DQ_OK)
        return dq_fail(err, DQ_ENOMEM, "out of memory");
    b->round = 2;
    dq_scan_report report;
    dq_code rc = by_file
                     ? scan_round(b, files, (int)wanted, &report, err)
                     : scan_round(b, b->scan_opts->inputs, b->scan_opts->input_count, &report, err);
    free(files);
    return rc;
}

/* A copy that wrote its page in place but lost to a copy earlier in store order (the
 * workers met them in another order, or the winner came from the manifest): where both
 * have one path, the winner's staged page replaces it, or the winner whose page it
 * overwrote is read again; elsewhere the page goes. */
static void settle_in_place(docs_build *b)
{
    for (size_t i = 0; i < b->cur.len; i++) {
        docs_state *s = b->cur.states[i];
        size_t first;
        if (!s->in_place || s->winner)
            continue;
        s->in_place = s->page = false;
        /* Only the first copy of a run_id can be its winner (pick_winners). */
        docs_state *winner =
            dq_map_get(&b->first_by_run_id, s->run.run_id, &first) && b->cur.states[first]->winner
                ? b->cur.states[first]
                : NULL;
        if (winner && strcmp(winner->run.checkpoint, s->run.checkpoint) == 0) {
            if (!winner->staged)
                winner->page = false; /* overwritten: read again */
            continue;
        }
        char *path = run_page_path(b, s);
        if (path && unlink(path) == 0 && s->was_page)
            b->report.removed++;
        free(path);
    }
}

/* Renames a staged page to its place (an atomic replacement of the previous one). */
static dq_code move_page(const char *staged, const char *final, dq_error *err)
{
    if (rename(staged, final) == 0)
        return DQ_OK;
    if (errno == ENOENT) {
        /* The checkpoint's folder is made by the first page that needs it. */
        dq_code rc = dq_mkdirs_parent(final, err);
        if (rc)
            return rc;
        if (rename(staged, final) == 0)
            return DQ_OK;
    }
    return dq_fail(err, DQ_EIO, "%s: cannot write: %s", final, strerror(errno));
}

static bool publish_page(docs_build *b, const char *staged, const docs_state *s)
{
    char *final = run_page_path(b, s);
    dq_error err = {0};
    dq_code rc = staged && final ? move_page(staged, final, &err)
                                 : dq_fail(&err, DQ_ENOMEM, "out of memory");
    if (rc)
        dq_errorf("%s", err.msg);
    free(final);
    return rc == DQ_OK;
}

/* Moves each winner's staged page into place; a loser's staged page is dropped. */
static void publish_run_pages(docs_build *b)
{
    for (size_t i = 0; i < b->cur.len; i++) {
        docs_state *s = b->cur.states[i];
        char *staged = s->staged ? staging_path(b, s) : NULL;
        if (!s->winner) {
            s->page = false;
            if (staged)
                unlink(staged);
            free(staged);
            continue;
        }
        if (s->in_place) {
            b->report.rendered++;
            continue;
        }
        if (!s->staged) {
            if (!s->page) {
                dq_errorf("%s: no page for run %s", s->relpath, s->run.run_id);
                b->report.failed++;
            }
            continue;
        }
        s->page = publish_page(b, staged, s);
        b->report.rendered += s->page;
        b->report.failed += !s->page;
        free(staged);
    }
}

/* ---- checkpoints ------------------------------------------------------------------------ */

static uint64_t run_digest(const dq_docs_run *run)
{
    return dq_hash64(run->run_id, strlen(run->run_id), run->content_hash);
}

/* Digests of the checkpoints the previous build showed, from its manifest (before the
 * scan claims its entries). */
static dq_code old_digests(docs_build *b)
{
    b->old_cps = calloc(b->old.len + 1, sizeof(*b->old_cps));
    if (!b->old_cps)
        return DQ_ENOMEM;
    for (size_t i = 0; i < b->old.len; i++) {
        const docs_state *s = b->old.states[i];
        size_t c;
        if (!s->page)
            continue;
        if (!dq_map_get(&b->old_cp_map, s->run.checkpoint, &c)) {
            c = b->old_cp_count++;
            b->old_cps[c].name = s->run.checkpoint;
            if (dq_map_put(&b->old_cp_map, s->run.checkpoint, c) != DQ_OK)
                return DQ_ENOMEM;
        }
        b->old_cps[c].sum += run_digest(&s->run);
        b->old_cps[c].runs++;
    }
    return DQ_OK;
}

static bool cp_changed(const docs_build *b, const dq_docs_checkpoint *cp)
{
    size_t c;
    if (!b->reuse || !dq_map_get(&b->old_cp_map, cp->name, &c))
        return true;
    uint64_t sum = 0;
    for (size_t i = 0; i < cp->len; i++)
        sum += run_digest(cp->runs[i]);
    return sum != b->old_cps[c].sum || cp->len != b->old_cps[c].runs;
}

/* A run of consecutive pages of one checkpoint's history, as the finish's workers draw
 * them: a few pages at a time, so that the charts every HTML page of a checkpoint shows
 * are drawn once for the few (a checkpoint of 100,000 runs has 1,000 pages), while one
 * large checkpoint still spreads over every worker. */
#define CHECKPOINT_PAGES_PER_ITEM 8

typedef struct checkpoint_pages {
    const dq_docs_checkpoint *cp;
    size_t first;
    size_t count;
} checkpoint_pages;

/* A worker's two buffers: the page, and the checkpoint's charts. */
typedef struct page_writer {
    dq_docs_out page;
    dq_docs_out charts;
} page_writer;

static bool write_checkpoint_page(docs_build *b, const dq_docs_checkpoint *cp, size_t page,
                                  page_writer *w, bool with_charts)
{
    docs_out_reset(&w->page);
    docs_render_checkpoint(&w->page, &b->site, cp, page, with_charts ? &w->charts : NULL);
    char *relative = docs_checkpoint_page_path(&b->site, cp->slug, page);
    char *path = relative ? tree_path(b, relative) : NULL;
    bool ok = path && docs_write_page(path, &w->page, !b->fresh);
    if (!path)
        dq_errorf("%s: out of memory", cp->name);
    free(path);
    free(relative);
    return ok;
}

static void draw_checkpoint_pages(void *item, void *ctx, int worker)
{
    docs_build *b = ctx;
    const checkpoint_pages *t = item;
    page_writer *w = &b->page_writers[worker];
    bool with_charts = t->count > 1 && b->site.format == DQ_DOCS_HTML;
    if (with_charts) {
        docs_out_reset(&w->charts);
        docs_render_checkpoint_charts(&w->charts, &b->site, t->cp);
    }
    size_t failed = 0;
    for (size_t p = t->first; p < t->first + t->count; p++)
        failed += !write_checkpoint_page(b, t->cp, p, w, with_charts);
    if (failed) {
        pthread_mutex_lock(&b->lock);
        b->report.failed += failed;
        pthread_mutex_unlock(&b->lock);
    }
}

/* The pages of the checkpoints that changed go to a pool of workers a few pages at a
 * time (one checkpoint may hold most of the runs), so that the main thread meanwhile
 * writes the root files and the manifest. */
static dq_code start_checkpoint_pages(docs_build *b, dq_error *err)
{
    size_t most = 0; /* items of every checkpoint: room enough for those that changed */
    for (size_t c = 0; c < b->groups.count; c++)
        most += docs_page_count(&b->site, b->groups.cps[c].len) / CHECKPOINT_PAGES_PER_ITEM + 1;
    int threads = b->scan_opts->jobs > 0 ? b->scan_opts->jobs : dq_cpu_count();
    b->page_items = malloc((most + 1) * sizeof(*b->page_items));
    b->page_writers = calloc((size_t)threads, sizeof(*b->page_writers));
    if (!b->page_items || !b->page_writers)
        return dq_fail(err, DQ_ENOMEM, "out of memory");
    b->page_writer_count = (size_t)threads;
    for (size_t i = 0; i < b->page_writer_count; i++) {
        docs_out_init(&b->page_writers[i].page);
        docs_out_init(&b->page_writers[i].charts);
    }
    b->page_pool = dq_pool_new(threads, most + 1, draw_checkpoint_pages, b);
    if (!b->page_pool)
        return dq_fail(err, DQ_ENOMEM, "out of memory");
    for (size_t c = 0; c < b->groups.count; c++) {
        const dq_docs_checkpoint *cp = &b->groups.cps[c];
        if (!cp_changed(b, cp))
            continue;
        size_t pages = docs_page_count(&b->site, cp->len);
        for (size_t p = 0; p < pages; p += CHECKPOINT_PAGES_PER_ITEM) {
            size_t left = pages - p;
            checkpoint_pages *item = &b->page_items[b->page_item_count++];
            *item = (checkpoint_pages){
                cp, p, left < CHECKPOINT_PAGES_PER_ITEM ? left : CHECKPOINT_PAGES_PER_ITEM};
            dq_pool_submit(b->page_pool, item);
        }
    }
    return DQ_OK;
}

/* A first build's pages, whole now, take their place in the site with one rename. */
static dq_code publish_tree(docs_build *b, dq_error *err)
{
    char *checkpoints = site_path(b, "checkpoints");
    if (!checkpoints)
        return dq_fail(err, DQ_ENOMEM, "out of memory");
    dq_code rc = DQ_OK;
    if (rename(b->tree_dir, checkpoints) == 0 || errno == ENOENT) /* ENOENT: no run at all */
        b->tree_published = true;
    else
        rc = dq_fail(err, DQ_EIO, "%s: cannot move the new pages into place: %s", checkpoints,
                     strerror(errno));
    free(checkpoints);
    return rc;
}

/* Waits for the checkpoints' pages; a build that failed before waits all the same, as
 * the workers read what build_free frees. */
static void finish_checkpoint_pages(docs_build *b)
{
    if (b->page_pool)
        dq_pool_finish(b->page_pool);
    b->page_pool = NULL;
}

/* Pages of the previous build's checkpoints that this one no longer has. */
static void remove_old_checkpoint_pages(docs_build *b)
{
    const cp_digest *old = b->old_cps;
    size_t count = b->old_cp_count;
    dq_docs_site old_site = b->site;
    old_site.ext = dq_docs_format_ext(b->old.format);
    old_site.page_size = b->old.page_size;
    for (size_t c = 0; c < count; c++) {
        size_t now_index, keep = 0;
        if (b->old.format == b->site.format &&
            dq_map_get(&b->groups.by_name, old[c].name, &now_index))
            keep = docs_page_count(&b->site, b->groups.cps[now_index].len);
        char *slug = dq_docs_slug(old[c].name);
        if (!slug)
            continue;
        for (size_t p = keep; p < docs_page_count(&old_site, old[c].runs); p++) {
            char *relative = docs_checkpoint_page_path(&old_site, slug, p);
            if (relative)
                remove_file(b, relative);
            free(relative);
        }
        char *runs = dq_asprintf("checkpoints/%s/runs", slug);
        if (runs) {
            remove_dir_if_empty(b, runs);
            runs[strlen(runs) - 5] = '\0';
            remove_dir_if_empty(b, runs);
        }
        free(runs);
        free(slug);
    }
}

/* The previous build's page of s, unless a run of this build stands on it. */
static void remove_old_run_page(docs_build *b, const docs_state *s)
{
    size_t first;
    if (!s || !s->was_page)
        return;
    /* A winner stands on its own page: the common case needs no lookup. Only the first
     * copy of a run_id can be its winner. */
    if (b->old.format == b->site.format &&
        (s->winner ||
         (dq_map_get(&b->first_by_run_id, s->run.run_id, &first) && b->cur.states[first]->winner &&
          strcmp(b->cur.states[first]->run.checkpoint, s->run.checkpoint) == 0)))
        return;
    char *relative = dq_docs_run_path(b->old.format, s->run.checkpoint, s->run.run_id);
    if (relative)
        remove_file(b, relative);
    free(relative);
}

/* Entries of the previous build: those this one did not claim, and those it did. */
static void remove_old_run_pages(docs_build *b)
{
    for (size_t i = 0; i < b->old.len; i++)
        remove_old_run_page(b, b->old.states[i]);
    for (size_t i = 0; i < b->cur.len; i++)
        remove_old_run_page(b, b->cur.states[i]);
}

/* Run pages first, so that the folders of checkpoints that are gone are empty. */
static void remove_old_pages(docs_build *b)
{
    if (!b->have_old)
        return;
    remove_old_run_pages(b);
    remove_old_checkpoint_pages(b);
}

/* ---- the files at the root ------------------------------------------------------------- */

static void write_root(docs_build *b)
{
    size_t failed = docs_write_root(b->opts->site_dir, &b->site, &b->groups);
    pthread_mutex_lock(&b->lock); /* the checkpoints' workers count theirs meanwhile */
    b->report.failed += failed;
    pthread_mutex_unlock(&b->lock);
    if (b->have_old && b->old.format != b->site.format) {
        char *old_index = dq_asprintf("index.%s", dq_docs_format_ext(b->old.format));
        if (old_index)
            remove_file(b, old_index);
        free(old_index);
        if (b->old.format == DQ_DOCS_HTML) {
            remove_file(b, "assets/style.css");
            remove_file(b, "assets/script.js");
            remove_dir_if_empty(b, "assets");
        }
    }
}

static dq_code write_manifest(docs_build *b, dq_error *err)
{
    /* In store order already (pick_winners). */
    b->cur.shard_index = b->shard_index;
    b->cur.shard_count = b->shard_count;
    if (docs_manifest_set_site(&b->cur, b->fingerprint, &b->site) != DQ_OK)
        return dq_fail(err, DQ_ENOMEM, "out of memory");
    return docs_manifest_write(b->manifest_path, &b->cur, err);
}

/* Parts of another shard count are what a build before a change of the count left:
 * they would make the next merge of the site refuse it. */
static void remove_other_counts(docs_build *b)
{
    char *dir = site_path(b, DOCS_PARTS_DIR);
    DIR *d = dir ? opendir(dir) : NULL;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        int index, count, end = 0;
        if (sscanf(e->d_name, "shard-%d-of-%d.jsonl%n", &index, &count, &end) != 2 ||
            e->d_name[end] != '\0' || count == b->shard_count)
            continue;
        char *relative = dq_asprintf(DOCS_PARTS_DIR "/%s", e->d_name);
        if (relative)
            remove_file(b, relative);
        free(relative);
    }
    if (d)
        closedir(d);
    free(dir);
}

/* ---- recovering from a killed build ----------------------------------------------------- */

typedef struct sweep_state {
    docs_build *b;
    dq_map expected;
} sweep_state;

static bool sweep_ours(const char *relative)
{
    static const char *const prefixes[] = {"checkpoints/", "history/", "assets/", "index.",
                                           "history.json"};
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
        if (strncmp(relative, prefixes[i], strlen(prefixes[i])) == 0)
            return true;
    return false;
}

/* Walks dir (relative to the site, "" for its root) without following symlinks and
 * deletes the files of ours that are not expected. */
static void sweep_dir(sweep_state *s, const char *relative)
{
    char *dir = *relative ? site_path(s->b, relative) : dq_strdup(s->b->opts->site_dir);
    DIR *d = dir ? opendir(dir) : NULL;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
            (!*relative && strcmp(e->d_name, META_DIR) == 0))
            continue;
        char *child = *relative ? dq_asprintf("%s/%s", relative, e->d_name) : dq_strdup(e->d_name);
        char *path = child ? site_path(s->b, child) : NULL;
        struct stat st;
        size_t i;
        if (path && lstat(path, &st) == 0) {
            if (S_ISDIR(st.st_mode))
                sweep_dir(s, child);
            else if (S_ISREG(st.st_mode) && sweep_ours(child) &&
                     !dq_map_get(&s->expected, child, &i) && unlink(path) == 0)
                s->b->report.removed++;
        }
        free(child);
        free(path);
    }
    if (d)
        closedir(d);
    free(dir);
}

static dq_code expect(sweep_state *s, dq_strlist *paths, char *relative)
{
    dq_code rc = relative ? dq_strlist_add(paths, relative) : DQ_ENOMEM;
    free(relative);
    if (rc == DQ_OK)
        rc = dq_map_put(&s->expected, paths->items[paths->len - 1], 0);
    return rc;
}

static void sweep_checkpoint(sweep_state *s, const char *name)
{
    char *slug = dq_docs_slug(name);
    char *relative = slug ? dq_asprintf("checkpoints/%s", slug) : NULL;
    if (relative)
        sweep_dir(s, relative);
    free(relative);
    free(slug);
}

/* A shard sweeps only the folders of its own checkpoints (those it shows now and those
 * its previous build showed): the rest of the site belongs to other shards. */
static void sweep_shard(sweep_state *s)
{
    const docs_build *b = s->b;
    for (size_t c = 0; c < b->groups.count; c++)
        sweep_checkpoint(s, b->groups.cps[c].name);
    for (size_t c = 0; c < b->old_cp_count; c++)
        sweep_checkpoint(s, b->old_cps[c].name);
}

/* Deletes every file of ours the site should not hold, left by a killed build. */
static void sweep_site(docs_build *b)
{
    sweep_state s = {.b = b};
    dq_strlist paths = {0};
    dq_code rc = DQ_OK;
    const char *root_files[] = {"history/trend.json", "history.json", "assets/style.css",
                                "assets/script.js"};
    for (size_t i = 0; rc == DQ_OK && i < 4; i++)
        rc = expect(&s, &paths, dq_strdup(root_files[i]));
    rc = rc ? rc : expect(&s, &paths, dq_asprintf("index.%s", b->site.ext));
    for (size_t i = 0; rc == DQ_OK && i < b->winner_count; i++)
        rc = expect(&s, &paths,
                    dq_docs_run_path(b->site.format, b->winners[i]->run.checkpoint,
                                     b->winners[i]->run.run_id));
    for (size_t c = 0; rc == DQ_OK && c < b->groups.count; c++)
        for (size_t p = 0; rc == DQ_OK && p < docs_page_count(&b->site, b->groups.cps[c].len); p++)
            rc = expect(&s, &paths, docs_checkpoint_page_path(&b->site, b->groups.cps[c].slug, p));
    if (rc == DQ_OK && b->shard_count == 0) {
        sweep_dir(&s, "");
    } else if (rc == DQ_OK) {
        sweep_shard(&s);
    } else {
        dq_warn("%s: out of memory: files of the interrupted build may remain", b->opts->site_dir);
    }
    dq_map_free(&s.expected);
    dq_strlist_free(&paths);
}

/* ---- the whole build -------------------------------------------------------------------- */

/* Where the build keeps its manifest, marker and staging folder: a shard its own, so
 * that shards can build into one site at the same time. */
static dq_code meta_paths(docs_build *b)
{
    const char *site = b->opts->site_dir;
    int i = b->shard_index, n = b->shard_count;
    if (n == 0) {
        b->manifest_path = dq_asprintf("%s/" DOCS_MANIFEST_FILE, site);
        b->marker_path = dq_asprintf("%s/" MARKER_FILE, site);
        b->staging_dir = dq_asprintf("%s/" STAGING_DIR, site);
    } else {
        b->manifest_path = dq_asprintf("%s/" DOCS_PARTS_DIR "/shard-%d-of-%d.jsonl", site, i, n);
        b->marker_path = dq_asprintf("%s/" MARKER_FILE "-shard-%d-of-%d", site, i, n);
        b->staging_dir = dq_asprintf("%s/" STAGING_DIR "-shard-%d-of-%d", site, i, n);
    }
    return b->manifest_path && b->marker_path && b->staging_dir ? DQ_OK : DQ_ENOMEM;
}

/* A shard keeps the pages of its own checkpoints only: the others' are not its to
 * remove. */
static void disown_other_shards(docs_build *b)
{
    for (size_t i = 0; i < b->old.len; i++) {
        docs_state *s = b->old.states[i];
        if (s->page && dq_shard_of(s->run.checkpoint, b->shard_count) != b->shard_index)
            s->page = s->was_page = false;
    }
}

/* The previous build's manifest. A shard without a part of its own yet (its first
 * build, or a new shard count) starts from the site's full manifest, as a merge or an
 * unsharded build left it. */
static void read_old(docs_build *b)
{
    dq_error err = {0};
    if (docs_manifest_read_jobs(b->manifest_path, &b->old, b->scan_opts->jobs, &err) != DQ_OK)
        dq_warn("%s; rebuilding the whole site", err.msg);
    if (b->shard_count == 0)
        return;
    if (!b->old.fingerprint) {
        char *full = dq_asprintf("%s/" DOCS_MANIFEST_FILE, b->opts->site_dir);
        if (full && docs_manifest_read(full, &b->old, &err) != DQ_OK)
            dq_warn("%s; rebuilding the shard's pages", err.msg);
        free(full);
        /* Its lines are in another file than the part to be written. */
        for (size_t i = 0; i < b->old.len; i++)
            b->old.states[i]->line_at = -1;
    }
    disown_other_shards(b);
}

static dq_code build_prepare(docs_build *b, dq_error *err)
{
    dq_code rc = site_init(b, err);
    if (rc)
        return rc;
    if (meta_paths(b) != DQ_OK)
        return dq_fail(err, DQ_ENOMEM, "out of memory");
    b->site_existed = access(b->opts->site_dir, F_OK) == 0;
    char *checkpoints = site_path(b, "checkpoints");
    if (!checkpoints)
        return dq_fail(err, DQ_ENOMEM, "out of memory");
    bool no_pages = access(checkpoints, F_OK) != 0 && errno == ENOENT;
    /* Shards build into one site at once: each writes its pages in place. */
    b->fresh = no_pages && b->shard_count == 0;
    b->tree_dir = b->fresh ? site_path(b, NEW_TREE_DIR) : checkpoints;
    if (b->fresh)
        free(checkpoints);
    if (!b->tree_dir)
        return dq_fail(err, DQ_ENOMEM, "out of memory");
    b->recovering = access(b->marker_path, F_OK) == 0;
    read_old(b);
    b->have_old = b->old.fingerprint != NULL;
    if (old_digests(b) != DQ_OK)
        return dq_fail(err, DQ_ENOMEM, "out of memory");
    /* Without its pages (a user removed the folder) the manifest vouches for nothing. */
    b->reuse = b->have_old && !b->opts->full && !b->recovering && !no_pages &&
               strcmp(b->old.fingerprint, b->fingerprint) == 0;
    if (b->recovering)
        dq_note("%s: the previous build was interrupted; rebuilding the whole site",
                b->opts->site_dir);
    b->report.incremental = b->reuse;
    char *manifest_dir = dq_strdup(b->manifest_path);
    if (!manifest_dir)
        return dq_fail(err, DQ_ENOMEM, "out of memory");
    strrchr(manifest_dir, '/')[0] = '\0';
    rc = dq_mkdirs(manifest_dir, err);
    free(manifest_dir);
    if (rc == DQ_OK)
        rc = dq_mkdirs(b->staging_dir, err);
    if (rc)
        return rc;
    /* What a killed build may have left in the way. */
    empty_dir(b->staging_dir);
    if (b->fresh && (rc = dq_remove_tree(b->tree_dir, err)) != DQ_OK)
        return rc;
    char *manifest_tmp = dq_asprintf("%s.tmp", b->manifest_path);
    if (manifest_tmp)
        unlink(manifest_tmp);
    free(manifest_tmp);
    return dq_file_write_atomic(b->marker_path, "building\n", 9, err);
}

/* Empties and removes the staging directory, and the marker unless keep_marker. */
static dq_code drop_staging(docs_build *b, bool keep_marker, dq_error *err)
{
    if (!b->marker_path || !b->staging_dir)
        return DQ_OK; /* nothing was made */
    empty_dir(b->staging_dir);
    rmdir(b->staging_dir);
    if (!keep_marker && unlink(b->marker_path) != 0 && errno != ENOENT)
        return dq_fail(err, DQ_EIO, "%s: cannot remove: %s", b->marker_path, strerror(errno));
    return DQ_OK;
}

static dq_code build_finish(docs_build *b, dq_error *err)
{
    if (b->recovering)
        sweep_site(b);
    return drop_staging(b, false, err);
}

/* A build that stops before the site was touched drops what it staged, and the folders
 * it made for nothing. A marker that stood before this build stays, as that build's
 * leftovers are still there; so does one standing over pages already moved. */
static void build_abort(docs_build *b)
{
    bool touched = atomic_load(&b->touched);
    if (b->fresh && !b->tree_published && b->tree_dir)
        dq_remove_tree(b->tree_dir, NULL);
    drop_staging(b, b->recovering || touched, NULL);
    if (touched)
        return;
    remove_dir_if_empty(b, DOCS_PARTS_DIR);
    remove_dir_if_empty(b, META_DIR);
    if (!b->site_existed)
        rmdir(b->opts->site_dir);
}

static void build_free(docs_build *b)
{
    docs_groups_free(&b->groups);
    dq_map_free(&b->first_by_run_id);
    for (size_t i = 0; i < b->spare_count; i++) {
        docs_out_free(b->spare[i]);
        free(b->spare[i]);
    }
    free(b->spare);
    dq_strset_free(&b->claimed);
    finish_checkpoint_pages(b);
    for (size_t i = 0; i < b->page_writer_count; i++) {
        docs_out_free(&b->page_writers[i].page);
        docs_out_free(&b->page_writers[i].charts);
    }
    free(b->page_writers);
    free(b->page_items);
    free(b->old_cps);
    dq_map_free(&b->old_cp_map);
    free(b->winners);
    free(b->targets);
    docs_manifest_free(&b->cur);
    docs_manifest_free(&b->old);
    free(b->fingerprint);
    free(b->manifest_path);
    free(b->marker_path);
    free(b->staging_dir);
    free(b->tree_dir);
    free((char *)b->site.base_url);
}

/* ---- the session ------------------------------------------------------------------------ */

/* The filters without the shard, and the shard on its own. */
static void session_filter(docs_build *b)
{
    const dq_filter *f = b->scan_opts->filter;
    if (!f)
        return;
    b->filter_unsharded = *f; /* a shallow copy: it is never freed */
    b->filter_unsharded.shard_count = 0;
    b->filter = &b->filter_unsharded;
    b->shard_index = f->shard_count > 0 ? f->shard_index : 0;
    b->shard_count = f->shard_count > 0 ? f->shard_count : 0;
}

dq_code dq_docs_session_open(const dq_docs_opts *opts, const dq_scan_opts *scan,
                             dq_docs_session **out, dq_error *err)
{
    *out = NULL;
    docs_build *b = calloc(1, sizeof(*b));
    if (!b)
        return dq_fail(err, DQ_ENOMEM, "out of memory");
    b->scan_opts = scan;
    b->opts = opts;
    b->round = 1;
    pthread_mutex_init(&b->lock, NULL);
    session_filter(b);
    dq_code rc = build_prepare(b, err);
    if (rc) {
        dq_docs_session_free(b);
        return rc;
    }
    *out = b;
    return DQ_OK;
}

dq_code dq_docs_session_finish(dq_docs_session *b, const dq_scan_report *scan,
                               dq_docs_report *report, dq_error *err)
{
    b->report.scan = *scan;
    /* Counted again over the summaries: the build's filters apply there. */
    b->report.scan.filtered = b->report.scan.duplicates = b->report.scan.conflicts = 0;
    dq_code rc = pick_winners(b, err);
    b->report.scan.selected = b->winner_count;
    if (rc == DQ_OK) {
        settle_in_place(b);
        rc = render_missing(b, err);
    }
    if (rc == DQ_OK) {
        atomic_store(&b->touched, true);
        publish_run_pages(b);
        if (docs_groups_make(&b->groups, b->winners, b->winner_count) != DQ_OK)
            rc = dq_fail(err, DQ_ENOMEM, "out of memory");
    }
    if (rc == DQ_OK) {
        b->report.checkpoints = b->groups.count;
        b->report.runs = b->winner_count;
        docs_site_set_now(&b->site, b->winners, b->winner_count);
        rc = start_checkpoint_pages(b, err);
    }
    if (rc == DQ_OK) {
        if (b->shard_count == 0)
            write_root(b); /* a sharded build's are drawn by the merge */
        rc = write_manifest(b, err);
    }
    finish_checkpoint_pages(b);
    if (rc == DQ_OK && b->fresh)
        rc = publish_tree(b, err);
    if (rc == DQ_OK)
        remove_old_pages(b);
    if (rc == DQ_OK && b->shard_count > 0)
        remove_other_counts(b);
    if (rc == DQ_OK)
        rc = build_finish(b, err);
    b->finished = rc == DQ_OK;
    *report = b->report;
    return rc;
}

void dq_docs_session_free(dq_docs_session *b)
{
    if (!b)
        return;
    if (!b->finished)
        build_abort(b);
    build_free(b);
    pthread_mutex_destroy(&b->lock);
    free(b);
}

dq_code dq_docs_build(const dq_scan_opts *scan, const dq_docs_opts *opts, dq_docs_report *report,
                      dq_error *err)
{
    memset(report, 0, sizeof(*report));
    dq_docs_session *b;
    dq_code rc = dq_docs_session_open(opts, scan, &b, err);
    if (rc)
        return rc;
    dq_scan_report scanned;
    rc = scan_round(b, scan->inputs, scan->input_count, &scanned, err);
    if (rc == DQ_OK)
        rc = dq_docs_session_finish(b, &scanned, report, err);
    else
        report->scan = scanned;
    dq_docs_session_free(b);
    return rc;
}
