/* Shared by the YAML reader's files only. */
#ifndef DQBATCH_YAML_INTERNAL_H
#define DQBATCH_YAML_INTERNAL_H

#include "decode_internal.h"

#define DQ_YAML_TAG_PREFIX "tag:yaml.org,2002:"

/* A plain (unquoted, untagged) scalar resolved as PyYAML's safe_load does: null, bool,
 * int, float or string. DQ_ENOMEM is the only failure. */
dq_code dq_yaml_plain(const char *s, cJSON **out);

/* True when a plain scalar resolves to an int (as opposed to a float, bool, ...). */
bool dq_yaml_plain_is_int(const char *s);

/* A scalar with an explicit standard tag (!!str, !!int, !!float, !!bool, !!null,
 * !!timestamp kept as text). DQ_EFORMAT for any other tag or a value the tag refuses. */
dq_code dq_yaml_tagged(const char *tag, const char *s, cJSON **out);

/* A value a merge key accepts: a mapping or a list of mappings. */
bool dq_yaml_mergeable(const cJSON *value);

/* Rebuilds mapping's members with the merged mappings in merges (an array of the values
 * of its "<<" keys, private copies nothing points into, consumed) as PyYAML does. The
 * pairs overridden go to graveyard (an array freed with the parse), since anchors may
 * point at them. DQ_ENOMEM leaves all three untouched. */
dq_code dq_yaml_merge_apply(cJSON *mapping, cJSON *merges, cJSON *graveyard);

#endif
