/* dispatch internals shared by the engine's files and its unit tests. */
#ifndef DQBATCH_DISPATCH_INTERNAL_H
#define DQBATCH_DISPATCH_INTERNAL_H

#include <pthread.h>
#include <stdio.h>
#include <sys/types.h>

#include "dqbatch/dispatch.h"

/* Seconds on the monotonic clock: pacing must not jump with the wall clock. */
double dq_mono_now(void);

/* ---- token bucket ------------------------------------------------------------------- */

typedef struct dq_bucket {
    double per_second; /* 0: unlimited */
    double burst;
    double tokens;
    double last;  /* when tokens was computed */
    bool waiting; /* a request is waiting for a token */
} dq_bucket;

/* Starts full, so a destination may use its burst at once. */
void dq_bucket_init(dq_bucket *b, dq_rate rate, double now);
/* Seconds until a token is available when the bucket refills slowdown times slower
 * (slowdown >= 1); 0 when one is available now. */
double dq_bucket_wait(dq_bucket *b, double now, double slowdown);
void dq_bucket_take(dq_bucket *b);

/* ---- journal ------------------------------------------------------------------------ */

typedef struct dq_journal dq_journal;

/* Reads every whole record of path (a torn or corrupt tail is dropped with a warning
 * naming the file, and cut off unless read_only) and opens it for appending. A missing
 * file is created, or is an empty journal when read_only. */
dq_code dq_journal_open(const char *path, bool read_only, dq_journal **out, dq_error *err);
bool dq_journal_has(const dq_journal *j, const char *key);
/* False when key was delivered before or claimed earlier in this run; else claims it,
 * so a request submitted twice in one run goes out once. */
bool dq_journal_claim(dq_journal *j, const char *key);
size_t dq_journal_size(const dq_journal *j); /* keys held */
/* Appends one record with write(2), so it survives the process being killed; the
 * fdatasync follows in batches (dq_journal_sync_due). */
dq_code dq_journal_append(dq_journal *j, const char *key, const char *label, long status,
                          dq_error *err);
/* fdatasync when records are waiting and enough of them, or enough time, went by. */
dq_code dq_journal_sync_due(dq_journal *j, double now, dq_error *err);
dq_code dq_journal_close(dq_journal *j, dq_error *err);
uint32_t dq_crc32(const void *data, size_t len);

/* ---- how an answer is judged -------------------------------------------------------- */

typedef enum dq_verdict {
    DQ_VERDICT_DELIVERED,
    DQ_VERDICT_RETRY,     /* a failure worth another attempt: network, timeout, 5xx */
    DQ_VERDICT_THROTTLED, /* the provider said "slow down" */
    DQ_VERDICT_FAIL,      /* final: another attempt would get the same answer */
} dq_verdict;

/* What came back from one HTTP or SMTP attempt. */
typedef struct dq_answer {
    dq_request_kind kind;
    dq_provider provider;
    int curl_code;                /* CURLcode */
    const char *curl_error;       /* libcurl's message, or NULL */
    long status;                  /* HTTP status or last SMTP reply code */
    const char *body;             /* NUL-terminated, possibly cut short */
    double retry_after;           /* Retry-After in seconds; < 0 when absent */
    double ratelimit_remaining;   /* X-RateLimit-Remaining; < 0 when absent */
    double ratelimit_reset_after; /* X-RateLimit-Reset-After (Discord); < 0 when absent */
    double ratelimit_reset;       /* X-RateLimit-Reset as epoch seconds; < 0 when absent */
    const long *success_codes;
    size_t success_code_count;
} dq_answer;

typedef struct dq_judgement {
    dq_verdict verdict;
    double wait;  /* seconds the provider asked to wait before the next request; < 0: none */
    double pause; /* seconds the destination has no budget left even though this one was
                     accepted (X-RateLimit-Remaining: 0); < 0: none */
    char message[256];
} dq_judgement;

void dq_answer_init(dq_answer *a);
/* now_epoch: the wall clock in seconds, for GitHub's reset time. */
void dq_judge(const dq_answer *a, double now_epoch, dq_judgement *out);
/* "Retry-After" header value: seconds (decimals allowed) or an HTTP date. */
double dq_parse_retry_after(const char *value, double now_epoch);

/* ---- shell commands ------------------------------------------------------------------ */

typedef struct dq_exec dq_exec;

/* Starts /bin/sh -c COMMAND in its own process group with the body on stdin. */
dq_code dq_exec_start(const dq_request *req, double now, dq_exec **out, dq_error *err);
/* The descriptors to watch (at most 3): fds[i] and events[i] (POLLIN/POLLOUT). */
int dq_exec_watch(const dq_exec *e, int *fds, short *events);
/* Moves data without blocking; true once the command exited or was killed. */
bool dq_exec_step(dq_exec *e, double now);
/* After dq_exec_step returned true: exit code (-1 if killed), whether it timed out, and
 * the first line of its stderr (or ""). */
int dq_exec_exit_code(const dq_exec *e);
bool dq_exec_timed_out(const dq_exec *e);
const char *dq_exec_stderr(const dq_exec *e);
void dq_exec_free(dq_exec *e);

/* ---- counts per action and destination ---------------------------------------------- */

typedef enum dq_stat_field {
    DQ_STAT_SENT,
    DQ_STAT_RETRIED,
    DQ_STAT_FAILED,
    DQ_STAT_SKIPPED_JOURNAL,
    DQ_STAT_SKIPPED_NOTIFY_ON,
} dq_stat_field;

typedef struct dq_stat_row dq_stat_row;

/* Rows are created on first use and live as long as the table; every call locks, so
 * producers (skipped by notify_on) and the dispatcher can share it. */
typedef struct dq_stats_table {
    pthread_mutex_t lock;
    dq_stat_row **rows;
    size_t len;
    size_t cap;
    size_t *index; /* open addressing over rows: row number + 1, 0 = empty */
    size_t index_slots;
} dq_stats_table;

void dq_stats_init(dq_stats_table *t);
void dq_stats_destroy(dq_stats_table *t);
/* The row of (action, label), created when missing; NULL when out of memory. */
dq_stat_row *dq_stats_row(dq_stats_table *t, const char *action, const char *label);
/* Adds n to a field; error (may be NULL) becomes the row's last error. */
void dq_stats_add(dq_stats_table *t, dq_stat_row *row, dq_stat_field field, size_t n,
                  const char *error);
/* Sorts the rows by action then label (after the dispatcher stopped). */
void dq_stats_sort(dq_stats_table *t);
const dq_dispatch_stats *dq_stats_public(const dq_stats_table *t, size_t i);
void dq_stats_sum(const dq_stats_table *t, dq_dispatch_stats *out);
void dq_stats_print(const dq_stats_table *t, bool dry_run, FILE *out);
dq_code dq_stats_write_json(const dq_stats_table *t, bool dry_run, const char *path, dq_error *err);

#endif
