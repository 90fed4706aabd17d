/* truthound's store_path rules (spec/truthound.md 1.2): where StoreValidationResult puts
 * a result below store_path. */
#include <string.h>

#include "dqbatch/select.h"

dq_code dq_partition_parse(const char *name, dq_partition *out, dq_error *err)
{
    static const struct {
        const char *name;
        dq_partition partition;
    } names[] = {{"date", DQ_PARTITION_DATE},
                 {"checkpoint", DQ_PARTITION_CHECKPOINT},
                 {"status", DQ_PARTITION_STATUS},
                 {"none", DQ_PARTITION_NONE},
                 {"", DQ_PARTITION_NONE}};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(name, names[i].name) == 0) {
            *out = names[i].partition;
            return DQ_OK;
        }
    }
    return dq_fail(err, DQ_EUSAGE,
                   "--partition-by: '%s' is not one of date, checkpoint, status, none", name);
}

char *dq_partition_dir(dq_partition partition, const char *checkpoint_name, dq_time run_time,
                       dq_status status)
{
    char date[32];
    switch (partition) {
    case DQ_PARTITION_DATE:
        dq_time_format(run_time, "%Y/%m/%d", date, sizeof(date));
        return dq_strdup(date);
    case DQ_PARTITION_CHECKPOINT:
        return dq_strdup(checkpoint_name);
    case DQ_PARTITION_STATUS:
        return dq_strdup(dq_status_name(status));
    case DQ_PARTITION_NONE:
        break;
    }
    return dq_strdup("");
}
