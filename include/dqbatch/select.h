/* select: which results a run takes (time range, checkpoint and asset globs, statuses,
 * shard) and where truthound's store_path rules would place each one. */
#ifndef DQBATCH_SELECT_H
#define DQBATCH_SELECT_H

#include "dqbatch/decode.h"

typedef struct dq_filter {
    bool has_since;
    bool has_until;
    dq_time since;          /* inclusive */
    dq_time until;          /* exclusive */
    dq_strlist checkpoints; /* globs; empty takes every checkpoint */
    dq_strlist assets;      /* globs on data_asset; empty takes every asset */
    unsigned statuses;      /* bit (1u << dq_status); 0 takes every status */
    int shard_index;        /* 0-based; only when shard_count > 0 */
    int shard_count;
} dq_filter;

void dq_filter_free(dq_filter *f);
/* "success,warning" into a status mask. */
dq_code dq_filter_parse_statuses(const char *list, unsigned *mask, dq_error *err);
/* "I/N" with 0 <= I < N. */
dq_code dq_filter_parse_shard(const char *text, int *index, int *count, dq_error *err);
bool dq_filter_match(const dq_filter *f, const char *checkpoint_name, const char *data_asset,
                     dq_status status, dq_time run_time);

/* The shard that owns a checkpoint's whole history: a stable hash of its name mod count,
 * the same on every machine, so separate processes agree without talking. */
int dq_shard_of(const char *checkpoint_name, int count);

typedef enum dq_partition {
    DQ_PARTITION_NONE,
    DQ_PARTITION_DATE,
    DQ_PARTITION_CHECKPOINT,
    DQ_PARTITION_STATUS,
} dq_partition;

/* "date", "checkpoint", "status", "none" (or ""). */
dq_code dq_partition_parse(const char *name, dq_partition *out, dq_error *err);
/* The directory StoreValidationResult would use below store_path, without a trailing
 * slash: "2024/03/07", "<checkpoint_name>", "warning", or "" for none. Owned. */
char *dq_partition_dir(dq_partition partition, const char *checkpoint_name, dq_time run_time,
                       dq_status status);

#endif
