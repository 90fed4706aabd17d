/* Shared by the YAML reader's files only. */
#ifndef DQBATCH_YAML_INTERNAL_H
#define DQBATCH_YAML_INTERNAL_H

#include "decode_internal.h"

#define DQ_YAML_TAG_PREFIX "tag:yaml.org,2002:"

/* A plain (unquoted, untagged) scalar resolved as PyYAML's safe_load does: null, bool,
 * int, float or string. DQ_ENOMEM is the only failure. */
dq_code dq_yaml_plain(const char *s, cJSON **out);

/* A scalar with an explicit standard tag (!!str, !!int, !!float, !!bool, !!null,
 * !!timestamp kept as text). DQ_EFORMAT for any other tag or a value the tag refuses. */
dq_code dq_yaml_tagged(const char *tag, const char *s, cJSON **out);

/* A value a merge key accepts: a mapping or a list of mappings. */
bool dq_yaml_mergeable(const cJSON *value);

/* Rebuilds mapping's members with the merged mappings in merges (an array of the values
 * of its "<<" keys, consumed) as PyYAML does. DQ_ENOMEM leaves both untouched. */
dq_code dq_yaml_merge_apply(cJSON *mapping, cJSON *merges);

#endif
