/* actions: one renderer per action type turns (stored result, action config) into the
 * requests truthound sends (spec/truthound.md section 3). Renderers are pure: no I/O, no
 * clock, no environment; what they need from outside comes in dq_render_context. */
#ifndef DQBATCH_ACTIONS_H
#define DQBATCH_ACTIONS_H

#include "dqbatch/config.h"
#include "dqbatch/decode.h"
#include "dqbatch/dispatch.h"

/* A growable list of requests a renderer produced. */
typedef struct dq_request_list {
    dq_request *items;
    size_t len;
    size_t cap;
} dq_request_list;

/* Appends an initialised request and returns it in *out. */
dq_code dq_request_list_push(dq_request_list *list, dq_request **out);
void dq_request_list_free(dq_request_list *list);

/* What a renderer takes from outside the result and the config. */
typedef struct dq_render_context {
    dq_time now_utc; /* Discord's embed timestamp: the send time, naive UTC */
    /* GitHub Actions' environment (NULL when unset). */
    const char *github_output;
    const char *github_step_summary;
    const char *github_sha;
    const char *github_token;
    const char *github_repository;
    const char *github_api_url;
    /* SES credentials and region from the environment. */
    const char *aws_access_key_id;
    const char *aws_secret_access_key;
    const char *aws_region;
    const char *aws_session_token;
    /* Seeds the MIME boundary and Message-ID, which must differ between runs. */
    uint64_t nonce;
    const char *hostname; /* Message-ID's domain */
} dq_render_context;

/* Fills ctx from the process environment and clock (the one impure step, in the CLI). */
void dq_render_context_from_env(dq_render_context *ctx);

/* Why an action does not apply to a result. */
typedef enum dq_applies {
    DQ_APPLIES_YES,
    DQ_APPLIES_DISABLED,         /* enabled: false */
    DQ_APPLIES_OTHER_CHECKPOINT, /* truthound form: the action belongs to another one */
    DQ_APPLIES_NO_MATCH,         /* dqbatch form: match: excludes it */
    DQ_APPLIES_NOTIFY_ON,        /* notify_on excludes the status */
} dq_applies;

dq_applies dq_action_applies(const dq_action_config *a, const dq_result *r);

/* Renders the requests of action a for result r (after dq_action_applies said yes).
 * store_result gives a DQ_REQUEST_FILE whose body is the stored document; update_docs
 * gives nothing here (the docs module builds the site). On failure nothing is added and
 * err names the action and the run. */
dq_code dq_action_render(const dq_action_config *a, const dq_result *r,
                         const dq_render_context *ctx, dq_request_list *out, dq_error *err);

/* --digest, the outage mode: results are folded into groups, one per chat action and
 * checkpoint (Slack, Teams, Discord, Telegram) and one per incident key (PagerDuty
 * dedup_key, OpsGenie alias), and each group renders one message: for chat, the latest
 * result's message headed by a summary of all the runs; for incidents, the latest
 * result's event. Other action types are not digested (dq_digest_covers is false). */
typedef struct dq_digest dq_digest;
bool dq_digest_covers(const dq_action_config *a);
dq_digest *dq_digest_new(const dq_config *config);
/* Thread-safe. action is the index of the action in the config. */
dq_code dq_digest_add(dq_digest *d, size_t action, const dq_result *r, dq_error *err);
size_t dq_digest_count(const dq_digest *d);
dq_code dq_digest_render(const dq_digest *d, size_t group, const dq_render_context *ctx,
                         dq_request_list *out, dq_error *err);
void dq_digest_free(dq_digest *d);

/* Python json.dumps of a tree (separators ", " ": ", ensure_ascii, float repr). */
dq_code dq_py_json(const cJSON *node, dq_buf *out);
dq_code dq_py_string(const char *s, dq_buf *out);
/* json.dumps(indent=N): "," at line ends, ": " after keys, as truthound stores results. */
dq_code dq_py_json_indent(const cJSON *node, int indent, dq_buf *out);
/* Python's repr of a float is dq_py_float_repr (core). */
/* A raw node holding repr(v), for fields Python writes as floats ("1.0"). */
cJSON *dq_py_float(double v);

#endif
