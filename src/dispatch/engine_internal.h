/* The dispatcher's state, shared by engine.c (queue, pacing, retries), transfer.c
 * (libcurl), local.c (shell commands and file appends) and dryrun.c. Everything below
 * except the fields under `lock` belongs to the dispatcher thread. */
#ifndef DQBATCH_ENGINE_INTERNAL_H
#define DQBATCH_ENGINE_INTERNAL_H

#include <curl/curl.h>
#include <pthread.h>

#include "dispatch_internal.h"

#define DQ_RESPONSE_MAX (64 * 1024) /* enough for any provider's error message */

typedef struct dq_dest dq_dest;

/* One request inside the engine. */
typedef struct dq_job {
    dq_request req;
    struct dq_job *next; /* incoming list or destination FIFO */
    dq_dest *dest;
    dq_stat_row *row;
    int attempts;
    int max_retries;
    int errors;        /* failed attempts worth a retry */
    int throttled;     /* "slow down" answers */
    double deadline;   /* monotonic: no retry starts after it */
    double not_before; /* monotonic: backoff of a retry */
    bool retry_wait;   /* counted in dq_dispatch.retrying */
    long last_status;
    /* the attempt in flight */
    CURL *easy;
    struct curl_slist *header_list;
    struct curl_slist *rcpt_list;
    size_t upload_offset;
    dq_buf response;  /* bounded: DQ_RESPONSE_MAX */
    dq_answer answer; /* headers seen so far */
    char curl_error[CURL_ERROR_SIZE];
    dq_exec *exec;
} dq_job;

struct dq_dest {
    char *key; /* provider + destination */
    dq_bucket bucket;
    int max_in_flight;
    int in_flight;
    dq_job *head; /* waiting, retries first */
    dq_job *tail;
    double resume_at;  /* monotonic: the provider asked for a pause until then */
    double slowdown;   /* refill and in-flight divisor while throttled */
    double slow_until; /* monotonic */
    bool active;       /* listed in dq_dispatch.active */
};

struct dq_dispatch {
    dq_dispatch_options opt;
    int max_in_flight;
    size_t queue_size;
    double deadline;
    bool show_progress;

    /* shared with producers */
    pthread_mutex_t lock;
    pthread_cond_t room; /* signalled when unfinished drops */
    dq_job *in_head;
    dq_job *in_tail;
    size_t unfinished; /* submitted and not final (less `released`) */
    int producers_waiting;
    bool stopping;

    pthread_t thread;
    bool thread_running;
    CURLM *multi;
    dq_journal *journal;
    dq_stats_table stats; /* locks itself */

    /* dispatcher thread only */
    dq_dest **dests; /* in the order first seen */
    size_t dest_count;
    size_t dest_cap;
    dq_map dest_index; /* key -> position in dests */
    dq_dest **active;  /* destinations with requests waiting */
    size_t active_len;
    size_t active_cap;
    size_t round_robin;
    int in_flight;
    CURL **idle_easy; /* handles kept for reuse */
    size_t idle_len;
    dq_job **execs; /* shell commands running */
    size_t exec_len;
    size_t exec_cap;
    struct curl_waitfd *waitfds;
    size_t waitfd_cap;
    uint64_t rng;
    size_t sent;
    size_t failed;
    size_t retrying;
    size_t released; /* finished since the last release_slots */
    double started;
    double progress_at;
    dq_code loop_rc; /* first journal failure, returned by dq_dispatch_finish */
    dq_error loop_err;
};

/* engine.c */
void dq_job_free(dq_job *job);
char *dq_job_redact(const dq_job *job, const char *text);
/* An attempt ended (its in-flight slot is released): deliver, retry or fail. */
void dq_job_judged(dq_dispatch *d, dq_job *job, const dq_judgement *j);

/* transfer.c: HTTP and SMTP through the multi handle */
dq_code dq_engine_transfer_start(dq_dispatch *d, dq_job *job, dq_error *err);
void dq_engine_transfers_reap(dq_dispatch *d);
void dq_engine_transfers_free(dq_dispatch *d);

/* local.c: shell commands and file appends */
dq_code dq_engine_exec_start(dq_dispatch *d, dq_job *job, double now, dq_error *err);
/* Fills d->waitfds with the pipes of running commands; returns how many. */
int dq_engine_exec_fds(dq_dispatch *d);
void dq_engine_execs_reap(dq_dispatch *d);
void dq_engine_file_append(dq_dispatch *d, dq_job *job);

/* dryrun.c */
void dq_dry_run_print(dq_dispatch *d, dq_job *job);

#endif
