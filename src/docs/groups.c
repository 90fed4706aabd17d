/* What a build and a merge of shards share: grouping the runs a site shows by
 * checkpoint, and writing the files drawn from all of them (index, trend, history). */
#include <stdlib.h>
#include <string.h>

#include "docs_map.h"

static int compare_runs(const void *a, const void *b)
{
    return docs_run_compare(*(const dq_docs_run *const *)a, *(const dq_docs_run *const *)b);
}

static int compare_checkpoints(const void *a, const void *b)
{
    return strcmp(((const dq_docs_checkpoint *)a)->name, ((const dq_docs_checkpoint *)b)->name);
}

static dq_code cp_push(dq_docs_checkpoint *cp, const dq_docs_run *run)
{
    const dq_docs_run **runs = dq_array_grow(cp->runs, cp->len, &cp->cap, sizeof *runs, 16);
    if (!runs)
        return DQ_ENOMEM;
    cp->runs = runs;
    cp->runs[cp->len++] = run;
    return DQ_OK;
}

static dq_code groups_add(docs_groups *g, const dq_docs_run *run)
{
    size_t c;
    if (!dq_map_get(&g->by_name, run->checkpoint, &c)) {
        c = g->count++;
        g->cps[c].name = run->checkpoint;
        g->cps[c].slug = dq_docs_slug(run->checkpoint);
        if (!g->cps[c].slug || dq_map_put(&g->by_name, run->checkpoint, c) != DQ_OK)
            return DQ_ENOMEM;
    }
    return cp_push(&g->cps[c], run);
}

dq_code docs_groups_make(docs_groups *g, docs_state *const *shown, size_t count)
{
    memset(g, 0, sizeof(*g));
    g->cps = calloc(count + 1, sizeof(*g->cps));
    if (!g->cps)
        return DQ_ENOMEM;
    for (size_t i = 0; i < count; i++)
        if (groups_add(g, &shown[i]->run) != DQ_OK)
            return DQ_ENOMEM;
    /* Sorting moves the entries, so the map is rebuilt from the sorted array. */
    qsort(g->cps, g->count, sizeof(*g->cps), compare_checkpoints);
    dq_map_free(&g->by_name);
    for (size_t c = 0; c < g->count; c++) {
        qsort(g->cps[c].runs, g->cps[c].len, sizeof(*g->cps[c].runs), compare_runs);
        if (dq_map_put(&g->by_name, g->cps[c].name, c) != DQ_OK)
            return DQ_ENOMEM;
    }
    return DQ_OK;
}

void docs_groups_free(docs_groups *g)
{
    for (size_t c = 0; g->cps && c < g->count; c++) {
        free(g->cps[c].slug);
        free(g->cps[c].runs);
    }
    free(g->cps);
    dq_map_free(&g->by_name);
    memset(g, 0, sizeof(*g));
}

void docs_site_set_now(dq_docs_site *site, docs_state *const *shown, size_t count)
{
    if (site->generated_at)
        return;
    for (size_t i = 0; i < count; i++)
        if (i == 0 || shown[i]->run.run_time > site->now)
            site->now = shown[i]->run.run_time;
}

bool docs_write_page(const char *path, const dq_docs_out *o, bool atomic)
{
    dq_error err = {0};
    dq_code rc =
        o->code  ? dq_fail(&err, o->code, "%s: cannot be rendered: %s", path, dq_code_name(o->code))
        : atomic ? dq_file_write_atomic(path, o->buf.data, o->buf.len, &err)
                 : dq_file_write(path, o->buf.data, o->buf.len, &err);
    if (rc)
        dq_errorf("%s", err.msg);
    return rc == DQ_OK;
}

typedef void (*root_render_fn)(dq_docs_out *o, const dq_docs_site *site,
                               const dq_docs_checkpoint *cps, size_t count);

size_t docs_write_root(const char *site_dir, const dq_docs_site *site, const docs_groups *g)
{
    char *index = dq_asprintf("index.%s", site->ext);
    const struct {
        const char *relative;
        root_render_fn render;
        const char *text;
    } files[] = {{index, docs_render_index, NULL},
                 {"history/trend.json", docs_render_trend, NULL},
                 {"history.json", docs_render_history, NULL},
                 {"assets/style.css", NULL, docs_style_css},
                 {"assets/script.js", NULL, docs_script_js}};
    size_t count = site->format == DQ_DOCS_HTML ? 5 : 3, failed = 0;
    dq_docs_out o;
    docs_out_init(&o);
    for (size_t i = 0; i < count; i++) {
        docs_out_reset(&o);
        if (files[i].render)
            files[i].render(&o, site, g->cps, g->count);
        else
            docs_out_str(&o, files[i].text);
        char *path = files[i].relative ? dq_asprintf("%s/%s", site_dir, files[i].relative) : NULL;
        failed += !path || !docs_write_page(path, &o, true);
        free(path);
    }
    docs_out_free(&o);
    free(index);
    return failed;
}
