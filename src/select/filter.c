/* Filters: which stored results a run takes. */
#include <stdlib.h>
#include <string.h>

#include "dqbatch/select.h"

void dq_filter_free(dq_filter *f)
{
    dq_strlist_free(&f->checkpoints);
    dq_strlist_free(&f->assets);
}

dq_code dq_filter_parse_statuses(const char *list, unsigned *mask, dq_error *err)
{
    char *copy = dq_strdup(list);
    if (!copy)
        return dq_fail(err, DQ_ENOMEM, "out of memory");
    dq_code rc = DQ_OK;
    char *save = NULL;
    for (char *name = strtok_r(copy, ", ", &save); name; name = strtok_r(NULL, ", ", &save)) {
        dq_status status;
        if (dq_status_parse(name, &status) != DQ_OK) {
            rc = dq_fail(err, DQ_EUSAGE,
                         "--status: '%s' is not a status (success, failure, warning, error, "
                         "running, pending)",
                         name);
            break;
        }
        *mask |= 1u << status;
    }
    free(copy);
    return rc;
}

dq_code dq_filter_parse_shard(const char *text, int *index, int *count, dq_error *err)
{
    char *end;
    long i = strtol(text, &end, 10);
    if (end == text || *end != '/')
        return dq_fail(err, DQ_EUSAGE, "--shard: '%s' is not I/N", text);
    const char *rest = end + 1;
    long n = strtol(rest, &end, 10);
    if (end == rest || *end || n < 1 || n > 1000000 || i < 0 || i >= n)
        return dq_fail(err, DQ_EUSAGE, "--shard: '%s' needs 0 <= I < N", text);
    *index = (int)i;
    *count = (int)n;
    return DQ_OK;
}

static bool match_any(const dq_strlist *globs, const char *s)
{
    if (globs->len == 0)
        return true;
    if (!s)
        return false;
    for (size_t i = 0; i < globs->len; i++) {
        if (dq_glob_match(globs->items[i], s))
            return true;
    }
    return false;
}

bool dq_filter_match(const dq_filter *f, const char *checkpoint_name, const char *data_asset,
                     dq_status status, dq_time run_time)
{
    if (!f)
        return true;
    if (f->has_since && run_time < f->since)
        return false;
    if (f->has_until && run_time >= f->until)
        return false;
    if (f->statuses && !(f->statuses & (1u << status)))
        return false;
    if (!match_any(&f->checkpoints, checkpoint_name) || !match_any(&f->assets, data_asset))
        return false;
    if (f->shard_count > 0 && dq_shard_of(checkpoint_name, f->shard_count) != f->shard_index)
        return false;
    return true;
}

/* FNV-1a: tiny, and defined to the bit, so every machine computes the same owner. */
int dq_shard_of(const char *checkpoint_name, int count)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const unsigned char *p = (const unsigned char *)checkpoint_name; *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ULL;
    }
    return count > 0 ? (int)(h % (uint64_t)count) : 0;
}
