/* The six checkpoint statuses of truthound's CheckpointStatus enum. */
#include <string.h>

#include "dqbatch/decode.h"

static const char *const status_names[DQ_STATUS_COUNT] = {
    [DQ_STATUS_SUCCESS] = "success", [DQ_STATUS_FAILURE] = "failure",
    [DQ_STATUS_WARNING] = "warning", [DQ_STATUS_ERROR] = "error",
    [DQ_STATUS_RUNNING] = "running", [DQ_STATUS_PENDING] = "pending",
};

const char *dq_status_name(dq_status status)
{
    if ((unsigned)status >= DQ_STATUS_COUNT)
        return "unknown";
    return status_names[status];
}

/* Exact lower-case names only: CheckpointStatus(value) in truthound accepts no other. */
dq_code dq_status_parse(const char *name, dq_status *out)
{
    if (!name)
        return DQ_EFORMAT;
    for (int i = 0; i < DQ_STATUS_COUNT; i++) {
        if (strcmp(name, status_names[i]) == 0) {
            *out = (dq_status)i;
            return DQ_OK;
        }
    }
    return DQ_EFORMAT;
}
