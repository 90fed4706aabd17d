/* dispatch: sends what the actions render (HTTP requests, emails, shell commands) with
 * one event loop on libcurl's multi interface, pacing each destination by its own token
 * bucket, obeying every "slow down", and journaling what was delivered so a re-run never
 * sends anything twice. */
#ifndef DQBATCH_DISPATCH_H
#define DQBATCH_DISPATCH_H

#include <stdio.h>

#include "dqbatch/core.h"

typedef enum dq_request_kind {
    DQ_REQUEST_HTTP, /* method, url, headers, body */
    DQ_REQUEST_SMTP, /* url (smtp:// or smtps://), mail_from, rcpt, body = the message */
    DQ_REQUEST_EXEC, /* command (url) run by /bin/sh -c, body on stdin, env added */
    DQ_REQUEST_FILE, /* body appended to the file named by url (GitHub's step files);
                        with method "PUT" the file is replaced atomically (store_result) */
} dq_request_kind;

/* How a provider says "slow down" and what counts as delivered. */
typedef enum dq_provider {
    DQ_PROVIDER_GENERIC, /* 2xx delivered; 429/5xx/408 retried with Retry-After */
    DQ_PROVIDER_SLACK,
    DQ_PROVIDER_DISCORD,  /* JSON retry_after (seconds, float) */
    DQ_PROVIDER_TELEGRAM, /* 200 with ok:false or 429 with parameters.retry_after */
    DQ_PROVIDER_TEAMS,    /* 200 whose body carries a 429 text */
    DQ_PROVIDER_PAGERDUTY,
    DQ_PROVIDER_OPSGENIE,
    DQ_PROVIDER_GITHUB, /* 403/429 with x-ratelimit-remaining: 0 or a secondary limit */
    DQ_PROVIDER_SENDGRID,
    DQ_PROVIDER_SES, /* 400 ThrottlingException, SMTP 454 */
    DQ_PROVIDER_SMTP,
    DQ_PROVIDER_EXEC,
    DQ_PROVIDER_FILE,
} dq_provider;
#define DQ_PROVIDER_COUNT 13

const char *dq_provider_name(dq_provider provider); /* "slack", ... */

typedef struct dq_rate {
    double per_second; /* 0 means unlimited */
    double burst;      /* tokens the bucket holds; at least 1 */
} dq_rate;

/* The defaults of spec/providers.md for one destination of this provider: the rate
 * (rate.per_second 0 = unlimited) and the cap on requests in flight. */
void dq_provider_default_rate(dq_provider provider, dq_rate *rate, int *max_in_flight);

/* One thing to send. Every string is owned by the request (dq_request_free). */
typedef struct dq_request {
    dq_request_kind kind;
    dq_provider provider;
    char *action;            /* the action's name, for the report */
    char *destination;       /* what the provider limits: a webhook URL, a chat, a routing
                                key; never shown (it may be secret) */
    char *destination_label; /* safe to show: "slack:hooks.slack.com/services/(hidden)" */
    char *idempotency_key;   /* action name + run_id + event; the journal's key; NULL:
                                not journaled */
    char *method;            /* HTTP: "POST", "PUT", ...; NULL: POST with a body, else GET */
    char *url;               /* HTTP/SMTP: the URL; EXEC: the shell command; FILE: path */
    dq_strlist headers;      /* "Name: value" */
    char *body;
    size_t body_len;
    /* SMTP */
    char *mail_from;
    dq_strlist rcpt;
    char *username;  /* SMTP AUTH or HTTP basic; secret */
    char *password;  /* secret */
    char *aws_sigv4; /* HTTP: "aws:amz:REGION:SERVICE" signs the request with SigV4, the
                        username and password being the access key and secret; NULL: none */
    bool use_tls;    /* SMTP STARTTLS required */
    /* EXEC */
    dq_strlist env; /* "NAME=value" added to the environment */
    char *working_directory;
    /* Policy */
    double timeout_seconds;     /* per attempt; default 30 */
    int retry_count;            /* retries after errors (network, timeout, 5xx); -1
                                   (default): 5. Throttling answers are waited out until
                                   the deadline whatever it says. */
    double retry_delay_seconds; /* first backoff step; default 1, doubled per retry */
    double deadline_seconds;    /* no retry starts later than this after the first
                                   attempt; 0 (default): the engine's deadline */
    long *success_codes;        /* NULL: any 2xx; owned (malloc) */
    size_t success_code_count;
    bool ssl_verify;    /* default true */
    char *ca_file;      /* CA bundle for this request instead of the system's, or NULL */
    dq_rate rate;       /* per destination; per_second 0: the provider's default */
    int max_in_flight;  /* per destination; 0 means the provider's default */
    dq_strlist secrets; /* strings to redact wherever this request is shown */
} dq_request;

void dq_request_init(dq_request *req); /* zero, ssl_verify true, defaults above */
void dq_request_free(dq_request *req);

/* ---- redaction (shared with the renderers) --------------------------------------------- */

/* A copy of text with every secret (of at least 3 characters) replaced by "***". */
char *dq_redact(const char *text, const dq_strlist *secrets);
/* A URL safe to show: no user info, no query, and every path segment that is not a
 * plain word ("services", "sendMessage", "v2") replaced by "***", which hides webhook
 * tokens, bot tokens and routing keys in paths. */
char *dq_redact_url(const char *url);
/* "Authorization: ***" for credential headers (Authorization, Proxy-Authorization,
 * X-Api-Key, *token*, *secret*, *key*), else the header with secrets redacted. */
char *dq_redact_header(const char *header, const dq_strlist *secrets);
/* Everything that must never be shown for this request: its secrets, password, user
 * name, the URL's query and its secret-looking path segments. Appended to out. */
dq_code dq_request_secret_list(const dq_request *req, dq_strlist *out);

/* ---- the engine --------------------------------------------------------------------- */

typedef enum dq_delivery {
    DQ_DELIVERY_SENT,            /* the provider accepted it */
    DQ_DELIVERY_FAILED,          /* a final failure, or retries exhausted */
    DQ_DELIVERY_SKIPPED_JOURNAL, /* its key is in the journal: delivered before */
    DQ_DELIVERY_DRY_RUN,         /* printed, not sent */
} dq_delivery;

/* What happened to one request, given to the optional done callback. */
typedef struct dq_dispatch_outcome {
    dq_delivery delivery;
    long status;       /* last HTTP status, SMTP reply code or exit code; 0 if none */
    int attempts;      /* 0 when skipped */
    const char *error; /* redacted; NULL when sent */
} dq_dispatch_outcome;

/* Called on the dispatcher thread once per submitted request, after it is final. */
typedef void (*dq_dispatch_done_fn)(const dq_request *req, const dq_dispatch_outcome *outcome,
                                    void *ctx);

typedef struct dq_dispatch_options {
    int max_in_flight;        /* overall; 0: 64 */
    size_t queue_size;        /* requests accepted but not finished; 0: 4096 */
    const char *journal_path; /* NULL: no journal */
    bool dry_run;             /* print each request redacted, send nothing */
    FILE *dry_run_out;        /* NULL: stdout */
    bool progress;            /* progress line on stderr, only when it is a terminal */
    double deadline_seconds;  /* default per-request retry deadline; 0: 600 */
    dq_dispatch_done_fn on_done;
    void *on_done_ctx;
} dq_dispatch_options;

typedef struct dq_dispatch dq_dispatch;

/* Opens the journal (reading what it holds, dropping a torn tail with a warning) and
 * starts the dispatcher thread. */
dq_code dq_dispatch_open(const dq_dispatch_options *options, dq_dispatch **out, dq_error *err);
/* Hands req to the engine: its contents are moved out and req is re-initialised.
 * Thread-safe; blocks while queue_size requests are unfinished; not after
 * dq_dispatch_finish. A request that cannot be accepted (no URL, an email without
 * recipients) is counted as failed and named on stderr. Requests with the same provider
 * and destination (url when destination is NULL) share one bucket, set by the first. */
void dq_dispatch_submit(dq_dispatch *d, dq_request *req);
/* Adds to the "skipped by notify_on" count of an action and destination (thread-safe);
 * use the action and destination_label the request would have carried, so the counts
 * land on the same row of the report. */
void dq_dispatch_count_skipped(dq_dispatch *d, const char *action, const char *destination_label,
                               size_t count);
/* Waits until every submitted request is final, flushes the journal and stops the
 * dispatcher thread. The counts stay readable until dq_dispatch_free. */
dq_code dq_dispatch_finish(dq_dispatch *d, dq_error *err);
void dq_dispatch_free(dq_dispatch *d);

/* Counts per action and destination label. */
typedef struct dq_dispatch_stats {
    const char *action;
    const char *destination_label;
    size_t sent;
    size_t retried; /* retry attempts made */
    size_t failed;
    size_t skipped_journal;
    size_t skipped_notify_on;
    const char *last_error; /* redacted, NULL if none */
} dq_dispatch_stats;

/* After dq_dispatch_finish: the rows sorted by action then label, and their sums
 * (action and destination_label NULL in the totals). */
size_t dq_dispatch_stats_count(const dq_dispatch *d);
const dq_dispatch_stats *dq_dispatch_stats_at(const dq_dispatch *d, size_t i);
void dq_dispatch_totals(const dq_dispatch *d, dq_dispatch_stats *out);
/* The closing summary, one line per action and destination, then the totals. */
void dq_dispatch_print_summary(const dq_dispatch *d, FILE *out);
/* --report FILE: the summary as JSON, written atomically. */
dq_code dq_dispatch_write_report(const dq_dispatch *d, const char *path, dq_error *err);

#endif
