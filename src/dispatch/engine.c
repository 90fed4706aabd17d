/* The dispatcher: producers hand requests over a bounded queue to one thread that runs
 * libcurl's multi interface. Each destination has a FIFO, a token bucket and an in-flight
 * cap, so a slow or throttled destination only ever waits on itself. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "dispatch_internal.h"
#include "engine_internal.h"

#define DQ_DEFAULT_MAX_IN_FLIGHT 64
#define DQ_DEFAULT_QUEUE 4096
#define DQ_DEFAULT_DEADLINE 600.0
#define DQ_DEFAULT_RETRIES 5
#define DQ_THROTTLED_MAX 50 /* a bound even when the deadline is far */
#define DQ_BACKOFF_MAX 300.0
#define DQ_SLOWDOWN_MAX 16.0
#define DQ_SLOWDOWN_SECONDS 60.0
#define DQ_LOOP_MAX_WAIT 0.1 /* journal batches and progress need a regular beat */
#define DQ_EXEC_POLL 0.02    /* a command may exit without closing its pipes */

/* ---- random jitter (xorshift64*, per engine) ----------------------------------------- */

static double random_unit(dq_dispatch *d)
{
    d->rng ^= d->rng >> 12;
    d->rng ^= d->rng << 25;
    d->rng ^= d->rng >> 27;
    return (double)((d->rng * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

/* ---- destinations ------------------------------------------------------------------- */

static double dest_slowdown(const dq_dest *dest, double now)
{
    return now < dest->slow_until ? dest->slowdown : 1;
}

static int dest_cap(const dq_dest *dest, double now)
{
    int cap = (int)(dest->max_in_flight / dest_slowdown(dest, now));
    return cap >= 1 ? cap : 1;
}

static char *dest_key(const dq_request *req)
{
    const char *what = req->destination ? req->destination : req->url;
    return dq_asprintf("%s\n%s", dq_provider_name(req->provider), what ? what : "");
}

/* The first request to a destination sets its pace: its own rate and cap, or the
 * provider's defaults. */
static dq_dest *dest_new(char *key, const dq_request *req, double now)
{
    dq_dest *dest = calloc(1, sizeof *dest);
    if (!dest)
        return NULL;
    dest->key = key;
    dq_rate rate;
    int cap;
    dq_provider_default_rate(req->provider, &rate, &cap);
    if (req->rate.per_second > 0)
        rate = req->rate;
    if (req->max_in_flight > 0)
        cap = req->max_in_flight;
    dq_bucket_init(&dest->bucket, rate, now);
    dest->max_in_flight = cap;
    dest->slowdown = 1;
    return dest;
}

static dq_dest *dest_get(dq_dispatch *d, const dq_request *req, double now)
{
    char *key = dest_key(req);
    if (!key)
        return NULL;
    size_t at;
    if (dq_map_get(&d->dest_index, key, &at)) {
        free(key);
        return d->dests[at];
    }
    dq_dest **dests = dq_array_grow(d->dests, d->dest_count, &d->dest_cap, sizeof *dests, 64);
    if (dests)
        d->dests = dests;
    dq_dest *dest = dests ? dest_new(key, req, now) : NULL;
    /* The map borrows dest->key, which lives as long as the dispatcher. */
    if (!dest || dq_map_put(&d->dest_index, dest->key, d->dest_count)) {
        free(dest);
        free(key);
        return NULL;
    }
    d->dests[d->dest_count++] = dest;
    return dest;
}

static bool dest_activate(dq_dispatch *d, dq_dest *dest)
{
    if (dest->active)
        return true;
    dq_dest **active = dq_array_grow(d->active, d->active_len, &d->active_cap, sizeof *active, 16);
    if (!active)
        return false;
    d->active = active;
    d->active[d->active_len++] = dest;
    dest->active = true;
    return true;
}

static void dest_push(dq_dest *dest, dq_job *job, bool front)
{
    job->next = NULL;
    if (!dest->head) {
        dest->head = dest->tail = job;
    } else if (front) {
        job->next = dest->head;
        dest->head = job;
    } else {
        dest->tail->next = job;
        dest->tail = job;
    }
}

static dq_job *dest_pop(dq_dest *dest)
{
    dq_job *job = dest->head;
    dest->head = job->next;
    if (!dest->head)
        dest->tail = NULL;
    job->next = NULL;
    return job;
}

/* ---- finishing a request ------------------------------------------------------------- */

void dq_job_free(dq_job *job)
{
    if (!job)
        return;
    dq_request_free(&job->req);
    dq_buf_free(&job->response);
    free(job);
}

/* text with this request's secrets hidden; never NULL. */
char *dq_job_redact(const dq_job *job, const char *text)
{
    dq_strlist secrets = {0};
    char *out = dq_request_secret_list(&job->req, &secrets) ? NULL : dq_redact(text, &secrets);
    dq_strlist_free(&secrets);
    return out ? out : dq_strdup("(message hidden: out of memory)");
}

/* The request is final: count it, tell the caller, release its queue slot. */
static void job_finish(dq_dispatch *d, dq_job *job, dq_delivery delivery, const char *error)
{
    static const dq_stat_field fields[] = {
        [DQ_DELIVERY_SENT] = DQ_STAT_SENT,
        [DQ_DELIVERY_FAILED] = DQ_STAT_FAILED,
        [DQ_DELIVERY_SKIPPED_JOURNAL] = DQ_STAT_SKIPPED_JOURNAL,
        [DQ_DELIVERY_DRY_RUN] = DQ_STAT_SENT,
    };
    char *shown = error ? dq_job_redact(job, error) : NULL;
    dq_stats_add(&d->stats, job->row, fields[delivery], 1, shown);
    if (delivery == DQ_DELIVERY_FAILED) {
        d->failed++;
        dq_errorf("%s -> %s: %s", job->req.action ? job->req.action : "",
                  job->req.destination_label, shown ? shown : "failed");
    } else if (delivery == DQ_DELIVERY_SENT || delivery == DQ_DELIVERY_DRY_RUN) {
        d->sent++;
    }
    if (d->opt.on_done) {
        dq_dispatch_outcome outcome = {delivery, job->last_status, job->attempts, shown};
        d->opt.on_done(&job->req, &outcome, d->opt.on_done_ctx);
    }
    free(shown);
    dq_job_free(job);
    d->released++; /* handed back to the producers once per loop turn */
}

/* Gives the queue slots of finished requests back, waking producers only if one waits:
 * one lock per loop turn rather than one per request. */
static void release_slots(dq_dispatch *d)
{
    if (!d->released)
        return;
    pthread_mutex_lock(&d->lock);
    d->unfinished -= d->released;
    if (d->producers_waiting)
        pthread_cond_broadcast(&d->room);
    pthread_mutex_unlock(&d->lock);
    d->released = 0;
}

static void journal_error(dq_dispatch *d, const dq_error *err)
{
    dq_errorf("%s", err->msg);
    if (!d->loop_rc) {
        d->loop_rc = err->code;
        d->loop_err = *err;
    }
}

static void job_delivered(dq_dispatch *d, dq_job *job)
{
    if (d->journal && job->req.idempotency_key) {
        dq_error err;
        if (dq_journal_append(d->journal, job->req.idempotency_key, job->req.destination_label,
                              job->last_status, &err))
            journal_error(d, &err);
    }
    job_finish(d, job, DQ_DELIVERY_SENT, NULL);
}

static double backoff(dq_dispatch *d, const dq_job *job)
{
    double base = job->req.retry_delay_seconds > 0 ? job->req.retry_delay_seconds : 1;
    double delay = base;
    for (int i = 1; i < job->attempts && delay < DQ_BACKOFF_MAX; i++)
        delay *= 2;
    if (delay > DQ_BACKOFF_MAX)
        delay = DQ_BACKOFF_MAX;
    return delay * (0.5 + 0.5 * random_unit(d)); /* jitter spreads a herd of retries */
}

/* "Slow down": wait at least as long as asked, and refill slower for a while. */
static void dest_throttled(dq_dest *dest, double wait, double now)
{
    dest->slowdown = now < dest->slow_until ? dest->slowdown * 2 : 2;
    if (dest->slowdown > DQ_SLOWDOWN_MAX)
        dest->slowdown = DQ_SLOWDOWN_MAX;
    dest->slow_until = now + DQ_SLOWDOWN_SECONDS + (wait > 0 ? wait : 0);
    if (wait > 0 && now + wait > dest->resume_at)
        dest->resume_at = now + wait;
}

/* The attempt ended: its in-flight slot is free; decide what comes next. */
void dq_job_judged(dq_dispatch *d, dq_job *job, const dq_judgement *j)
{
    double now = dq_mono_now();
    dq_dest *dest = job->dest;
    d->in_flight--;
    dest->in_flight--;
    if (j->verdict == DQ_VERDICT_DELIVERED) {
        if (j->pause > 0 && now + j->pause > dest->resume_at)
            dest->resume_at = now + j->pause;
        job_delivered(d, job);
        return;
    }
    if (j->verdict == DQ_VERDICT_FAIL) {
        job_finish(d, job, DQ_DELIVERY_FAILED, j->message);
        return;
    }
    if (j->verdict == DQ_VERDICT_THROTTLED)
        dest_throttled(dest, j->wait, now);
    double delay = backoff(d, job);
    if (j->wait > delay) /* never sooner than the server asked */
        delay = j->wait;
    /* "Slow down" is pacing, not failure: it is waited out until the deadline whatever
     * retry_count says (truthound's default is 0); errors get retry_count retries. */
    bool throttled = j->verdict == DQ_VERDICT_THROTTLED;
    int used = throttled ? ++job->throttled : ++job->errors;
    int allowed = throttled ? DQ_THROTTLED_MAX : job->max_retries;
    if (used > allowed || now + delay > job->deadline) {
        char *msg =
            used > allowed
                ? dq_asprintf("%s (gave up after %d attempt%s)", j->message, job->attempts,
                              job->attempts == 1 ? "" : "s")
                : dq_asprintf("%s (gave up after %d attempt%s: the next would start "
                              "%.0f s from now, past the deadline)",
                              j->message, job->attempts, job->attempts == 1 ? "" : "s", delay);
        job_finish(d, job, DQ_DELIVERY_FAILED, msg ? msg : j->message);
        free(msg);
        return;
    }
    dq_stats_add(&d->stats, job->row, DQ_STAT_RETRIED, 1, NULL);
    job->not_before = now + delay;
    d->retrying++;
    job->retry_wait = true;
    dest_push(dest, job, true);
    if (!dest_activate(d, dest)) {
        dest_pop(dest);
        job_finish(d, job, DQ_DELIVERY_FAILED, "out of memory queueing a retry");
    }
}

/* ---- admission: what the producers handed over ---------------------------------------- */

static const char *check_request(const dq_request *req)
{
    if ((unsigned)req->kind > DQ_REQUEST_FILE)
        return "unknown request kind";
    if (!req->url || !*req->url)
        return req->kind == DQ_REQUEST_EXEC ? "no shell command" : "no URL or path";
    if (req->kind == DQ_REQUEST_SMTP && (!req->mail_from || !req->rcpt.len))
        return "an email needs a sender and at least one recipient";
    return NULL;
}

/* Fills what the renderer may leave out: a label safe to show, the body length. */
static bool complete_request(dq_request *req)
{
    if (req->body && !req->body_len)
        req->body_len = strlen(req->body);
    if (!req->action && !(req->action = dq_strdup(dq_provider_name(req->provider))))
        return false;
    if (req->destination_label)
        return true;
    char *shown = req->kind == DQ_REQUEST_HTTP || req->kind == DQ_REQUEST_SMTP
                      ? dq_redact_url(req->url)
                      : dq_strdup(req->kind == DQ_REQUEST_EXEC ? "shell command" : req->url);
    if (!shown)
        return false;
    req->destination_label = dq_asprintf("%s:%s", dq_provider_name(req->provider), shown);
    free(shown);
    return req->destination_label != NULL;
}

static void job_admit(dq_dispatch *d, dq_job *job, double now)
{
    if (!complete_request(&job->req)) {
        job_finish(d, job, DQ_DELIVERY_FAILED, "out of memory");
        return;
    }
    job->row = dq_stats_row(&d->stats, job->req.action, job->req.destination_label);
    const char *problem = check_request(&job->req);
    if (problem) {
        job_finish(d, job, DQ_DELIVERY_FAILED, problem);
        return;
    }
    if (d->journal && job->req.idempotency_key &&
        !dq_journal_claim(d->journal, job->req.idempotency_key)) {
        job_finish(d, job, DQ_DELIVERY_SKIPPED_JOURNAL, NULL);
        return;
    }
    if (d->opt.dry_run) {
        dq_dry_run_print(d, job);
        job_finish(d, job, DQ_DELIVERY_DRY_RUN, NULL);
        return;
    }
    job->max_retries = job->req.retry_count >= 0 ? job->req.retry_count : DQ_DEFAULT_RETRIES;
    job->dest = dest_get(d, &job->req, now);
    if (!job->dest || !dest_activate(d, job->dest)) {
        job_finish(d, job, DQ_DELIVERY_FAILED, "out of memory");
        return;
    }
    dest_push(job->dest, job, false);
}

static void admit_incoming(dq_dispatch *d, bool *stop)
{
    release_slots(d);
    pthread_mutex_lock(&d->lock);
    dq_job *list = d->in_head;
    d->in_head = d->in_tail = NULL;
    *stop = d->stopping && d->unfinished == 0;
    pthread_mutex_unlock(&d->lock);
    double now = dq_mono_now();
    while (list) {
        dq_job *job = list;
        list = list->next;
        job->next = NULL;
        job_admit(d, job, now);
    }
}

/* ---- starting requests --------------------------------------------------------------- */

static void job_start(dq_dispatch *d, dq_job *job, double now)
{
    if (job->retry_wait) {
        job->retry_wait = false;
        d->retrying--;
    }
    if (job->attempts++ == 0)
        job->deadline =
            now + (job->req.deadline_seconds > 0 ? job->req.deadline_seconds : d->deadline);
    d->in_flight++;
    job->dest->in_flight++;
    dq_error err;
    dq_code rc;
    switch (job->req.kind) {
    case DQ_REQUEST_EXEC:
        rc = dq_engine_exec_start(d, job, now, &err);
        break;
    case DQ_REQUEST_FILE:
        dq_engine_file_append(d, job);
        return;
    default:
        rc = dq_engine_transfer_start(d, job, &err);
        break;
    }
    if (rc) {
        dq_judgement j = {.verdict = DQ_VERDICT_FAIL, .wait = -1, .pause = -1};
        snprintf(j.message, sizeof j.message, "%.*s", (int)sizeof j.message - 1, err.msg);
        dq_job_judged(d, job, &j);
    }
}

/* Starts what each destination's pace allows; returns when the loop must look again. */
static double start_ready(dq_dispatch *d, double now)
{
    double wake = now + DQ_LOOP_MAX_WAIT;
    size_t n = d->active_len;
    size_t first = n ? d->round_robin++ % n : 0;
    for (size_t k = 0; k < n && d->in_flight < d->max_in_flight; k++) {
        dq_dest *dest = d->active[(first + k) % n];
        while (dest->head && d->in_flight < d->max_in_flight) {
            if (dest->in_flight >= dest_cap(dest, now))
                break; /* a completion wakes the loop */
            if (now < dest->resume_at || now < dest->head->not_before) {
                double at = dest->resume_at > dest->head->not_before ? dest->resume_at
                                                                     : dest->head->not_before;
                wake = at < wake ? at : wake;
                break;
            }
            double wait = dq_bucket_wait(&dest->bucket, now, dest_slowdown(dest, now));
            if (wait > 0) {
                wake = now + wait < wake ? now + wait : wake;
                break;
            }
            dq_bucket_take(&dest->bucket);
            job_start(d, dest_pop(dest), now);
        }
    }
    /* Drop destinations with nothing waiting, keeping the order of the rest. */
    size_t kept = 0;
    for (size_t i = 0; i < d->active_len; i++) {
        if (d->active[i]->head)
            d->active[kept++] = d->active[i];
        else
            d->active[i]->active = false;
    }
    d->active_len = kept;
    return wake;
}

/* ---- the loop ------------------------------------------------------------------------- */

static void progress_line(dq_dispatch *d, double now, bool last)
{
    if (!d->show_progress || (!last && now - d->progress_at < 0.5))
        return;
    d->progress_at = now;
    pthread_mutex_lock(&d->lock);
    size_t unfinished = d->unfinished;
    pthread_mutex_unlock(&d->lock);
    double elapsed = now - d->started;
    double rate = elapsed > 0 ? (double)d->sent / elapsed : 0;
    size_t queued = unfinished > (size_t)d->in_flight ? unfinished - (size_t)d->in_flight : 0;
    char left[32] = "";
    if (rate > 0 && unfinished)
        snprintf(left, sizeof left, ", ~%.0fs left", (double)unfinished / rate);
    fprintf(stderr,
            "\rdqbatch: sent %zu, queued %zu, in flight %d, retrying %zu, failed %zu, "
            "%.1f/s%s\033[K%s",
            d->sent, queued, d->in_flight, d->retrying, d->failed, rate, left, last ? "\n" : "");
    fflush(stderr);
}

static void loop_wait(dq_dispatch *d, double wake, double now)
{
    double wait = wake - now;
    if (d->exec_len && wait > DQ_EXEC_POLL)
        wait = DQ_EXEC_POLL;
    int timeout_ms = wait <= 0 ? 0 : (int)(wait * 1000) + 1; /* never wake too early */
    unsigned count = (unsigned)dq_engine_exec_fds(d);
    curl_multi_poll(d->multi, count ? d->waitfds : NULL, count, timeout_ms, NULL);
}

static void *dispatcher_main(void *arg)
{
    dq_dispatch *d = arg;
    /* A command that closes its stdin early must not kill us with SIGPIPE. */
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &block, NULL);
    for (;;) {
        bool stop;
        admit_incoming(d, &stop);
        if (stop)
            break;
        double now = dq_mono_now();
        double wake = start_ready(d, now);
        dq_error err;
        if (dq_journal_sync_due(d->journal, now, &err))
            journal_error(d, &err);
        progress_line(d, now, false);
        release_slots(d); /* before sleeping: skipped and dry-run requests finish here */
        loop_wait(d, wake, dq_mono_now());
        dq_engine_transfers_reap(d);
        dq_engine_execs_reap(d);
        release_slots(d);
    }
    progress_line(d, dq_mono_now(), true);
    return NULL;
}

/* ---- the public API ------------------------------------------------------------------ */

static void dispatch_destroy(dq_dispatch *d)
{
    for (size_t i = 0; i < d->dest_count; i++) {
        free(d->dests[i]->key);
        free(d->dests[i]);
    }
    free(d->dests);
    dq_map_free(&d->dest_index);
    free(d->active);
    dq_engine_transfers_free(d);
    free(d->execs);
    free(d->waitfds);
    if (d->multi)
        curl_multi_cleanup(d->multi);
    dq_journal_close(d->journal, NULL);
    dq_stats_destroy(&d->stats);
    pthread_cond_destroy(&d->room);
    pthread_mutex_destroy(&d->lock);
    free(d);
    curl_global_cleanup();
}

static dq_code dispatch_setup(dq_dispatch *d, const dq_dispatch_options *options, dq_error *err)
{
    d->max_in_flight =
        options->max_in_flight > 0 ? options->max_in_flight : DQ_DEFAULT_MAX_IN_FLIGHT;
    d->queue_size = options->queue_size > 0 ? options->queue_size : DQ_DEFAULT_QUEUE;
    d->deadline = options->deadline_seconds > 0 ? options->deadline_seconds : DQ_DEFAULT_DEADLINE;
    d->show_progress = options->progress && isatty(STDERR_FILENO);
    d->rng =
        (uint64_t)time(NULL) * 0x9E3779B97F4A7C15ULL ^ (uint64_t)(uintptr_t)d ^ (uint64_t)getpid();
    if (!d->rng)
        d->rng = 1;
    d->started = d->progress_at = dq_mono_now();
    d->multi = curl_multi_init();
    if (!d->multi)
        return dq_fail(err, DQ_ENOMEM, "cannot create the libcurl multi handle");
    /* Enough cached connections that every destination keeps its own alive. */
    curl_multi_setopt(d->multi, CURLMOPT_MAXCONNECTS, (long)d->max_in_flight * 2);
    if (options->journal_path) {
        dq_code rc = dq_journal_open(options->journal_path, options->dry_run, &d->journal, err);
        if (rc)
            return rc;
        if (dq_journal_size(d->journal))
            dq_note("%s: %zu request(s) already delivered", options->journal_path,
                    dq_journal_size(d->journal));
    }
    return DQ_OK;
}

dq_code dq_dispatch_open(const dq_dispatch_options *options, dq_dispatch **out, dq_error *err)
{
    *out = NULL;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return dq_fail(err, DQ_ENET, "cannot initialise libcurl");
    dq_dispatch *d = calloc(1, sizeof *d);
    if (!d) {
        curl_global_cleanup();
        return dq_fail(err, DQ_ENOMEM, "out of memory starting the dispatcher");
    }
    d->opt = *options;
    d->opt.journal_path = NULL; /* not kept: the caller's string */
    if (!d->opt.dry_run_out)
        d->opt.dry_run_out = stdout;
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->room, NULL);
    dq_stats_init(&d->stats);
    dq_code rc = dispatch_setup(d, options, err);
    if (!rc && pthread_create(&d->thread, NULL, dispatcher_main, d) != 0)
        rc = dq_fail(err, DQ_ENOMEM, "cannot start the dispatcher thread");
    if (rc) {
        dispatch_destroy(d);
        return rc;
    }
    d->thread_running = true;
    *out = d;
    return DQ_OK;
}

void dq_dispatch_submit(dq_dispatch *d, dq_request *req)
{
    dq_job *job = calloc(1, sizeof *job);
    if (!job) {
        dq_errorf("%s: out of memory queueing a request", req->action ? req->action : "dispatch");
        dq_stats_add(&d->stats, dq_stats_row(&d->stats, req->action, req->destination_label),
                     DQ_STAT_FAILED, 1, "out of memory");
        dq_request_free(req);
        return;
    }
    job->req = *req;
    dq_request_init(req);
    dq_buf_init(&job->response, DQ_RESPONSE_MAX);
    pthread_mutex_lock(&d->lock);
    while (d->unfinished >= d->queue_size) {
        d->producers_waiting++;
        pthread_cond_wait(&d->room, &d->lock);
        d->producers_waiting--;
    }
    bool was_empty = !d->in_head;
    if (d->in_tail)
        d->in_tail->next = job;
    else
        d->in_head = job;
    d->in_tail = job;
    d->unfinished++;
    pthread_mutex_unlock(&d->lock);
    if (was_empty)
        curl_multi_wakeup(d->multi);
}

void dq_dispatch_count_skipped(dq_dispatch *d, const char *action, const char *destination_label,
                               size_t count)
{
    dq_stats_add(&d->stats, dq_stats_row(&d->stats, action, destination_label),
                 DQ_STAT_SKIPPED_NOTIFY_ON, count, NULL);
}

dq_code dq_dispatch_finish(dq_dispatch *d, dq_error *err)
{
    if (d->thread_running) {
        pthread_mutex_lock(&d->lock);
        d->stopping = true;
        pthread_mutex_unlock(&d->lock);
        curl_multi_wakeup(d->multi);
        pthread_join(d->thread, NULL);
        d->thread_running = false;
        dq_stats_sort(&d->stats);
    }
    dq_error close_err;
    dq_code rc = dq_journal_close(d->journal, &close_err);
    d->journal = NULL;
    if (rc && !d->loop_rc) {
        d->loop_rc = rc;
        d->loop_err = close_err;
    }
    if (d->loop_rc && err)
        *err = d->loop_err;
    return d->loop_rc;
}

void dq_dispatch_free(dq_dispatch *d)
{
    if (!d)
        return;
    dq_dispatch_finish(d, NULL);
    dispatch_destroy(d);
}

size_t dq_dispatch_stats_count(const dq_dispatch *d)
{
    return d->stats.len;
}

const dq_dispatch_stats *dq_dispatch_stats_at(const dq_dispatch *d, size_t i)
{
    return dq_stats_public(&d->stats, i);
}

void dq_dispatch_totals(const dq_dispatch *d, dq_dispatch_stats *out)
{
    dq_stats_sum(&d->stats, out);
}

void dq_dispatch_print_summary(const dq_dispatch *d, FILE *out)
{
    dq_stats_print(&d->stats, d->opt.dry_run, out);
}

dq_code dq_dispatch_write_report(const dq_dispatch *d, const char *path, dq_error *err)
{
    return dq_stats_write_json(&d->stats, d->opt.dry_run, path, err);
}
