/* notify: the actions of a config run over stored results as a scan hands them over,
 * rendered by the scan's workers and sent through the dispatcher. `dqbatch notify` and
 * `dqbatch run` (docs and actions in one pass) share it.
 *
 * Sharding by destination: with shard_count > 0 every shard renders every selected
 * result but submits only the requests whose destination key (provider + destination,
 * the thing a provider limits) hashes to its own index, so each destination is owned by
 * exactly one shard and its rate limit holds across all of them. */
#ifndef DQBATCH_NOTIFY_H
#define DQBATCH_NOTIFY_H

#include "dqbatch/actions.h"
#include "dqbatch/scan.h"

typedef struct dq_notify_opts {
    const dq_config *config; /* borrowed; outlives the dq_notify */
    const dq_filter *select; /* the results that get actions; NULL: every result */
    bool digest;             /* --digest, the outage mode */
    int shard_index;         /* this shard's destinations (0-based) */
    int shard_count;         /* 0: every destination */
    dq_dispatch_options dispatch;
} dq_notify_opts;

typedef struct dq_notify dq_notify;

/* What notify did besides what the dispatcher counts. */
typedef struct dq_notify_report {
    size_t results;       /* selected results handed to dq_notify_result */
    size_t records;       /* selected results counted from a record, not read */
    size_t requests;      /* requests rendered (all shards' destinations) */
    size_t other_shard;   /* of them, left to the shard owning the destination */
    size_t render_failed; /* renders that failed (each named on stderr) */
    size_t unknown;       /* truthound form: results of checkpoints not in the config */
} dq_notify_report;

/* Starts the dispatcher (and reads the journal). */
dq_code dq_notify_open(const dq_notify_opts *opts, dq_notify **out, dq_error *err);

/* Runs every action over r. Thread-safe: a scan callback. Results the selection leaves
 * out are ignored. A failed render is named on stderr and counted; it is not returned,
 * so the scan does not count the result as bad. */
void dq_notify_result(dq_notify *n, const dq_result *r);

/* Pure and thread-safe: whether the run of rec must be read for notify, that is it is
 * selected and some action would send for it. A run nothing sends for (filtered out,
 * excluded by match:, notify_on or enabled: false) can be taken from a record. */
bool dq_notify_wants(const dq_notify *n, const dq_record *rec);

/* Counts a selected run that was not read (dq_notify_wants said no) the way
 * dq_notify_result would: skipped by notify_on, unknown checkpoint. Thread-safe. */
void dq_notify_record(dq_notify *n, const dq_record *rec);

/* Renders the digests (--digest), waits for every request to be final and stops the
 * dispatcher; prints the warnings about unknown checkpoints. */
dq_code dq_notify_finish(dq_notify *n, dq_error *err);

/* After dq_notify_finish. */
void dq_notify_get_report(const dq_notify *n, dq_notify_report *out);
const dq_dispatch *dq_notify_dispatch(const dq_notify *n);
/* 0 when everything rendered and was delivered (or skipped), else 1. */
int dq_notify_status(const dq_notify *n);

void dq_notify_free(dq_notify *n);

/* The destination key a request is sharded by ("<provider>:<destination or url>"),
 * and the shard that owns it. */
char *dq_notify_destination_key(const dq_request *req);
int dq_notify_shard_of(const dq_request *req, int shard_count);

/* Reads a config and prints every problem on stderr (file:line: key: what); false when
 * there was any. */
bool dq_notify_load_config(const char *path, dq_config *config);

#endif
