/* Reading a store in a bucket: ListObjectsV2 pages and object GETs run together on one
 * libcurl multi handle (so connections are reused and many requests are in flight), and
 * the objects are handed to the sink in key order, whatever order they arrive in.
 *
 * Memory stays bounded: listing pauses while enough keys wait, and only a window of
 * objects ahead of the next one to hand out is fetched (by count and by bytes). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "objstore_internal.h"

#define WALK_SLOTS 32                        /* object requests in flight */
#define WALK_WINDOW 256                      /* objects fetched ahead of the one handed out next */
#define WALK_WINDOW_BYTES ((size_t)64 << 20) /* ...and their bytes */
#define WALK_LIST_LOW_WATER 2000             /* keys waiting before the next page is asked for */
#define WALK_POLL_MS 100
/* Objects in a row that failed for good with server or transport errors: past this the
 * store is taken as unreadable, rather than trying every remaining object 5 times. */
#define WALK_MAX_FAILED_IN_A_ROW 32

typedef enum item_state {
    ITEM_WAITING, /* not asked for yet, or waiting for a retry */
    ITEM_FLIGHT,
    ITEM_DONE, /* bytes or an error: ready to hand out */
} item_state;

typedef struct walk_item {
    objstore_object obj;
    char *relpath;
    item_state state;
    int attempts;
    int64_t not_before_ms; /* earliest time of the next attempt */
    bool unfetched;        /* the consumer knew it: handed out without bytes */
    dq_buf data;
    dq_error error;
} walk_item;

typedef struct walk_slot {
    objstore_request req;
    bool busy;
    uint64_t item; /* absolute number of the item it fetches */
} walk_slot;

typedef struct walk_list {
    objstore_request req;
    bool busy;
    bool done;
    bool exact;   /* the second try: the prefix names one object */
    bool started; /* the first page was asked for */
    char *token;  /* where the next page starts */
    int attempts;
    int64_t not_before_ms;
    size_t found; /* keys seen so far */
} walk_list;

typedef struct walk {
    objstore_target t;
    char *list_prefix; /* "prefix/" or "" */
    char *bucket_name; /* "s3://bucket", for messages */
    size_t max_bytes;
    dq_entry_known_fn known;
    void *known_ctx;
    dq_objstore_sink *sink;
    CURLM *multi;
    walk_item *items; /* items[0] is item number `base` */
    size_t len;
    size_t cap;
    uint64_t base;
    size_t head;         /* next item to hand out */
    size_t window_bytes; /* bytes of items fetched or in flight, not yet handed out */
    walk_slot slots[WALK_SLOTS];
    walk_list list;
    int64_t paused_until_ms; /* after 503 SlowDown or 429: no new requests before */
    int failed_in_a_row;
    dq_error *err;
    bool fatal;
} walk;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static dq_code walk_fatal(walk *w, dq_code code)
{
    w->fatal = true;
    return code;
}

static void item_free(walk_item *it)
{
    objstore_object_free(&it->obj);
    free(it->relpath);
    dq_buf_free(&it->data);
}

/* ---- handing out ------------------------------------------------------------------ */

static dq_entry *entry_from_item(walk *w, walk_item *it)
{
    dq_entry *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    e->name = objstore_target_name(&w->t, it->obj.key);
    e->relpath = it->relpath;
    e->etag = it->obj.etag;
    it->relpath = NULL;
    it->obj.etag = NULL;
    if (!e->name) { /* dq_entry_free is the source module's, which links this one */
        free(e->relpath);
        free(e->etag);
        free(e);
        return NULL;
    }
    e->data = it->data;
    dq_buf_init(&it->data, 0);
    e->size = it->obj.size;
    e->mtime = it->obj.mtime;
    e->error = it->error;
    e->unfetched = it->unfetched;
    e->input = w->sink->input;
    e->seq = (*w->sink->seq)++;
    return e;
}

/* Drops the items already handed out from the front of the array. */
static void items_compact(walk *w)
{
    if (w->head < 1024 || w->head * 2 < w->len)
        return;
    memmove(w->items, w->items + w->head, (w->len - w->head) * sizeof(*w->items));
    w->len -= w->head;
    w->base += w->head;
    w->head = 0;
}

static dq_code emit_ready(walk *w)
{
    while (w->head < w->len && w->items[w->head].state == ITEM_DONE && !w->sink->stopped) {
        walk_item *it = &w->items[w->head];
        dq_entry *e = entry_from_item(w, it);
        if (!e)
            return walk_fatal(w, dq_fail(w->err, DQ_ENOMEM, "out of memory"));
        w->window_bytes -= e->error.code ? 0 : (size_t)it->obj.size;
        item_free(it);
        w->head++;
        if (w->sink->fn(e, w->sink->ctx) != 0)
            w->sink->stopped = true;
    }
    items_compact(w);
    return DQ_OK;
}

/* ---- fetching objects ------------------------------------------------------------- */

static void item_error(walk *w, walk_item *it, dq_code code, const char *detail)
{
    char *name = objstore_target_name(&w->t, it->obj.key);
    dq_fail(&it->error, code, "%s: %s", name ? name : it->obj.key, detail);
    free(name);
    if (it->state == ITEM_FLIGHT || it->state == ITEM_WAITING)
        w->window_bytes -= it->attempts ? (size_t)it->obj.size : 0;
    it->state = ITEM_DONE;
}

static dq_code start_fetch(walk *w, walk_slot *slot, uint64_t number)
{
    walk_item *it = &w->items[number - w->base];
    dq_buf url;
    dq_buf_init(&url, 64 << 10);
    dq_code rc = dq_buf_printf(&url, "%s/", w->t.object_base);
    if (rc == DQ_OK)
        rc = objstore_encode(&url, it->obj.key, true);
    if (rc == DQ_OK)
        rc = objstore_request_prepare(&slot->req, &w->t, "GET", url.data, NULL, 0, w->max_bytes,
                                      w->err);
    dq_buf_free(&url);
    if (rc == DQ_OK && curl_multi_add_handle(w->multi, slot->req.easy) != CURLM_OK)
        rc = dq_fail(w->err, DQ_ENOMEM, "out of memory (curl)");
    if (rc)
        return walk_fatal(w, rc);
    if (it->attempts == 0)
        w->window_bytes += (size_t)it->obj.size;
    it->attempts++;
    it->state = ITEM_FLIGHT;
    slot->busy = true;
    slot->item = number;
    return DQ_OK;
}

static walk_slot *free_slot(walk *w)
{
    for (size_t i = 0; i < WALK_SLOTS; i++)
        if (!w->slots[i].busy)
            return &w->slots[i];
    return NULL;
}

/* Starts the waiting items of the window, in order, while slots and bytes allow; the
 * next item to hand out is always allowed, however big. */
static dq_code start_fetches(walk *w, int64_t now)
{
    if (now < w->paused_until_ms)
        return DQ_OK;
    size_t end = w->head + WALK_WINDOW < w->len ? w->head + WALK_WINDOW : w->len;
    for (size_t i = w->head; i < end; i++) {
        walk_item *it = &w->items[i];
        if (it->state != ITEM_WAITING || it->not_before_ms > now)
            continue;
        if (it->attempts == 0 && i != w->head &&
            w->window_bytes + (size_t)it->obj.size > WALK_WINDOW_BYTES)
            break;
        walk_slot *slot = free_slot(w);
        if (!slot)
            break;
        dq_code rc = start_fetch(w, slot, w->base + i);
        if (rc)
            return rc;
    }
    return DQ_OK;
}

/* The server asked us to slow down: every new request waits, not only this one. */
static void note_throttled(walk *w, long status, int attempt, int64_t now)
{
    if (status != 503 && status != 429)
        return;
    int64_t until = now + objstore_backoff_ms(attempt);
    if (until > w->paused_until_ms)
        w->paused_until_ms = until;
}

/* An object failed for good: after too many in a row, the store is unreadable. */
static void note_failed(walk *w, const walk_item *it)
{
    if (w->fatal || ++w->failed_in_a_row < WALK_MAX_FAILED_IN_A_ROW)
        return;
    dq_fail(w->err, DQ_ENET, "%s: giving up after %d objects in a row failed (last: %s)",
            w->bucket_name, w->failed_in_a_row, it->error.msg);
    w->fatal = true;
}

static void fetch_done(walk *w, walk_slot *slot, CURLcode cc, long status, int64_t now)
{
    walk_item *it = &w->items[slot->item - w->base];
    objstore_outcome o = objstore_outcome_of(cc, status);
    /* A size other than the listed one: replaced while we read it, or cut short. */
    bool torn = o == OBJSTORE_DONE && slot->req.body.len != (size_t)it->obj.size;
    bool again = o == OBJSTORE_RETRY || torn;
    if (o == OBJSTORE_RETRY)
        note_throttled(w, status, it->attempts, now);
    if (o == OBJSTORE_DONE && !torn) {
        it->data = slot->req.body;
        dq_buf_init(&slot->req.body, 0);
        it->state = ITEM_DONE;
        w->failed_in_a_row = 0;
    } else if (o == OBJSTORE_MISSING) {
        item_error(w, it, DQ_EIO, "gone between listing and reading (HTTP 404), skipped");
    } else if (o == OBJSTORE_DENIED) {
        objstore_describe(&slot->req, &w->t, cc, status, w->bucket_name, w->err);
        w->fatal = true;
    } else if (again && it->attempts < OBJSTORE_MAX_ATTEMPTS) {
        it->state = ITEM_WAITING;
        it->not_before_ms = now + objstore_backoff_ms(it->attempts);
    } else if (torn) {
        item_error(w, it, DQ_EIO, "its size kept changing while it was read, skipped");
    } else {
        char *name = objstore_target_name(&w->t, it->obj.key);
        objstore_describe(&slot->req, &w->t, cc, status, name ? name : it->obj.key, &it->error);
        free(name);
        w->window_bytes -= (size_t)it->obj.size;
        it->state = ITEM_DONE;
        if (o == OBJSTORE_RETRY)
            note_failed(w, it);
    }
}

/* ---- listing ------------------------------------------------------------------------ */

static dq_code items_reserve(walk *w, size_t extra)
{
    if (w->len + extra <= w->cap)
        return DQ_OK;
    size_t cap = w->cap ? w->cap : 1024;
    while (cap < w->len + extra)
        cap *= 2;
    walk_item *items = realloc(w->items, cap * sizeof(*items));
    if (!items)
        return DQ_ENOMEM;
    w->items = items;
    w->cap = cap;
    return DQ_OK;
}

static char *exact_relpath(const char *key)
{
    const char *slash = strrchr(key, '/');
    return dq_strdup(slash ? slash + 1 : key);
}

/* Asks the consumer whether it already knows the object (same ETag as last time), with
 * the entry as it would arrive, but without bytes. */
static bool item_known(walk *w, walk_item *it)
{
    dq_entry view = {.relpath = it->relpath,
                     .size = it->obj.size,
                     .mtime = it->obj.mtime,
                     .etag = it->obj.etag,
                     .input = w->sink->input};
    view.name = objstore_target_name(&w->t, it->obj.key);
    bool known = view.name && w->known(&view, w->known_ctx);
    free(view.name);
    return known;
}

/* Queues the page's objects that the sink wants; an object past the size cap is queued
 * as an error without being fetched. */
static dq_code queue_page(walk *w, objstore_page *page)
{
    if (items_reserve(w, page->len) != DQ_OK)
        return DQ_ENOMEM;
    for (size_t i = 0; i < page->len; i++) {
        objstore_object *o = &page->items[i];
        bool exact_hit = w->list.exact && strcmp(o->key, w->t.prefix) == 0;
        if (w->list.exact ? !exact_hit : dq_str_ends_with(o->key, "/"))
            continue; /* another key of the same prefix; or a "directory" marker */
        if (w->sink->wanted && !w->sink->wanted(o->key))
            continue;
        walk_item *it = &w->items[w->len];
        memset(it, 0, sizeof(*it));
        it->relpath = exact_hit ? exact_relpath(o->key) : objstore_relpath(w->list_prefix, o->key);
        if (!it->relpath)
            return DQ_ENOMEM;
        it->obj = *o;
        memset(o, 0, sizeof(*o));
        dq_buf_init(&it->data, 0);
        w->len++;
        w->list.found++;
        if (!objstore_relpath_safe(it->relpath))
            item_error(w, it, DQ_EUNSAFE,
                       "a key with a '.' or '..' segment or a leading '/', not read");
        else if (w->known && item_known(w, it)) {
            it->unfetched = true;
            it->state = ITEM_DONE;
        } else if ((uint64_t)it->obj.size > w->max_bytes)
            item_error(w, it, DQ_ETOOBIG, "larger than the size cap, not read");
    }
    return DQ_OK;
}

static dq_code start_list(walk *w, int64_t now)
{
    walk_list *l = &w->list;
    if (l->done || l->busy || l->not_before_ms > now || w->len - w->head >= WALK_LIST_LOW_WATER)
        return DQ_OK;
    const char *prefix = l->exact ? w->t.prefix : w->list_prefix;
    char *url = objstore_list_url(&w->t, prefix, l->token, l->exact ? 1 : 0);
    if (!url)
        return walk_fatal(w, dq_fail(w->err, DQ_ENOMEM, "out of memory"));
    dq_code rc = objstore_request_prepare(&l->req, &w->t, "GET", url, NULL, 0,
                                          OBJSTORE_MAX_LIST_BYTES, w->err);
    free(url);
    if (rc == DQ_OK && curl_multi_add_handle(w->multi, l->req.easy) != CURLM_OK)
        rc = dq_fail(w->err, DQ_ENOMEM, "out of memory (curl)");
    if (rc)
        return walk_fatal(w, rc);
    l->busy = true;
    l->started = true;
    l->attempts++;
    return DQ_OK;
}

static void list_page_done(walk *w)
{
    walk_list *l = &w->list;
    objstore_page page;
    dq_code rc =
        objstore_page_parse(l->req.body.data, l->req.body.len, w->bucket_name, &page, w->err);
    if (rc == DQ_OK && queue_page(w, &page) != DQ_OK)
        rc = dq_fail(w->err, DQ_ENOMEM, "out of memory");
    if (rc) {
        objstore_page_free(&page);
        w->fatal = true;
        return;
    }
    free(l->token);
    l->token = page.truncated && !l->exact ? page.next_token : NULL;
    page.next_token = l->token ? NULL : page.next_token;
    objstore_page_free(&page);
    l->attempts = 0;
    if (l->token)
        return;
    /* Nothing below "prefix/": the prefix may name one object itself. */
    if (!l->exact && l->found == 0 && w->t.prefix[0]) {
        l->exact = true;
        return;
    }
    l->done = true;
}

static void list_done(walk *w, CURLcode cc, long status, int64_t now)
{
    walk_list *l = &w->list;
    objstore_outcome o = objstore_outcome_of(cc, status);
    if (o == OBJSTORE_DONE) {
        list_page_done(w);
        return;
    }
    if (o == OBJSTORE_RETRY && l->attempts < OBJSTORE_MAX_ATTEMPTS) {
        l->not_before_ms = now + objstore_backoff_ms(l->attempts);
        note_throttled(w, status, l->attempts, now);
        return;
    }
    /* Denied, no such bucket, or failing for good: the store cannot be read. */
    objstore_describe(&l->req, &w->t, cc, status, w->bucket_name, w->err);
    w->fatal = true;
}

/* ---- the loop ----------------------------------------------------------------------- */

/* Handles every finished transfer; returns how many there were. */
static int handle_finished(walk *w)
{
    int handled = 0;
    int left;
    CURLMsg *msg;
    int64_t now = now_ms();
    while ((msg = curl_multi_info_read(w->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURL *easy = msg->easy_handle;
        CURLcode cc = msg->data.result;
        long status = 0;
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
        curl_multi_remove_handle(w->multi, easy);
        handled++;
        if (easy == w->list.req.easy) {
            w->list.busy = false;
            list_done(w, cc, status, now);
            continue;
        }
        for (size_t i = 0; i < WALK_SLOTS; i++)
            if (w->slots[i].busy && w->slots[i].req.easy == easy) {
                w->slots[i].busy = false;
                fetch_done(w, &w->slots[i], cc, status, now);
            }
    }
    return handled;
}

static bool walk_finished(const walk *w)
{
    return w->fatal || w->sink->stopped || (w->list.done && w->head == w->len);
}

static dq_code walk_loop(walk *w)
{
    while (!walk_finished(w)) {
        int64_t now = now_ms();
        if (start_list(w, now) || start_fetches(w, now))
            break;
        int running = 0;
        if (curl_multi_perform(w->multi, &running) != CURLM_OK)
            return walk_fatal(w, dq_fail(w->err, DQ_ENET, "%s: curl multi failed", w->bucket_name));
        if (handle_finished(w) == 0 &&
            curl_multi_poll(w->multi, NULL, 0, WALK_POLL_MS, NULL) != CURLM_OK)
            return walk_fatal(w, dq_fail(w->err, DQ_ENET, "%s: curl multi failed", w->bucket_name));
        if (!w->fatal && emit_ready(w))
            break;
    }
    return w->fatal ? w->err->code : DQ_OK;
}

static dq_code walk_open(walk *w, const char *uri, const dq_source_opts *opts,
                         dq_objstore_sink *sink, dq_error *err)
{
    w->sink = sink;
    w->err = err;
    w->max_bytes = opts && opts->max_bytes ? opts->max_bytes : DQ_SOURCE_DEFAULT_MAX_BYTES;
    w->known = opts ? opts->known : NULL;
    w->known_ctx = opts ? opts->known_ctx : NULL;
    dq_code rc = objstore_target_init(&w->t, uri, err);
    if (rc)
        return rc;
    w->list_prefix = w->t.prefix[0] ? dq_asprintf("%s/", w->t.prefix) : dq_strdup("");
    w->bucket_name = objstore_target_name(&w->t, NULL);
    w->multi = curl_multi_init();
    if (!w->list_prefix || !w->bucket_name || !w->multi)
        return dq_fail(err, DQ_ENOMEM, "out of memory");
    curl_multi_setopt(w->multi, CURLMOPT_MAXCONNECTS, (long)WALK_SLOTS + 1);
    return DQ_OK;
}

static void walk_close(walk *w)
{
    for (size_t i = 0; i < WALK_SLOTS; i++) {
        if (w->slots[i].busy)
            curl_multi_remove_handle(w->multi, w->slots[i].req.easy);
        objstore_request_free(&w->slots[i].req);
    }
    if (w->list.busy)
        curl_multi_remove_handle(w->multi, w->list.req.easy);
    objstore_request_free(&w->list.req);
    free(w->list.token);
    for (size_t i = w->head; i < w->len; i++)
        item_free(&w->items[i]);
    free(w->items);
    if (w->multi)
        curl_multi_cleanup(w->multi);
    free(w->list_prefix);
    free(w->bucket_name);
    if (w->t.bucket)
        objstore_target_free(&w->t);
}

dq_code dq_objstore_walk(const char *uri, const dq_source_opts *opts, dq_objstore_sink *sink,
                         dq_error *err)
{
    dq_error scratch = {0};
    walk w;
    memset(&w, 0, sizeof(w));
    dq_code rc = walk_open(&w, uri, opts, sink, err ? err : &scratch);
    if (rc == DQ_OK)
        rc = walk_loop(&w);
    walk_close(&w);
    return rc;
}
