/* Private to src/config: the YAML tree with line numbers, ${VAR} expansion and the
 * per-type schemas. */
#ifndef DQBATCH_CONFIG_INTERNAL_H
#define DQBATCH_CONFIG_INTERNAL_H

#include "dqbatch/config.h"

/* Where each node of a parsed tree came from. For an object member the line is the
 * key's line, so messages point at "key:". */
typedef struct config_line {
    const cJSON *node;
    int line;
} config_line;

typedef struct config_tree {
    cJSON *root;
    config_line *lines;
    size_t line_count;
    size_t line_cap;
} config_tree;

/* Parses YAML (and therefore JSON, which libyaml reads as flow YAML) into a cJSON tree
 * with line numbers. Plain scalars are typed as YAML 1.1's safe_load would type them. */
dq_code config_tree_parse(const char *name, const char *text, size_t len, config_tree *out,
                          dq_error *err);
void config_tree_free(config_tree *tree);
/* 1-based line of node, or 0 when unknown. */
int config_tree_line(const config_tree *tree, const cJSON *node);

/* Reads dqbatch's `actions:` list from a node of a tree parsed elsewhere (a job file's
 * inline actions), with the same checks and messages as dq_config_parse. */
dq_code config_read_actions(const char *name, const config_tree *tree, cJSON *actions,
                            dq_config *out, dq_strlist *problems, dq_error *err);

/* Reads a config or job file of at most max bytes into text (initialised here, freed on
 * failure). A file that cannot be read is one problem: its message joins problems when
 * the caller keeps a list. DQ_ECONFIG, or DQ_ENOMEM. */
dq_code config_file_read(const char *path, size_t max, dq_buf *text, dq_strlist *problems,
                         dq_error *err);
/* After a failure rc: a text that does not parse is one problem too, err's message
 * joins problems. Returns rc, or DQ_ENOMEM when the list cannot grow. */
dq_code config_note_failure(dq_strlist *problems, const dq_error *err, dq_code rc);
/* How a load with problems ends: the first problem, and how many more there are. */
dq_code config_problems_fail(dq_error *err, const char *first, size_t count);

/* Expands ${VAR} and ${VAR:-default} from the environment. An unset variable without a
 * default is an error naming it, unless keep is not NULL and keep(name) is true: such
 * placeholders (the result fields of payload templates) are left as written. */
typedef bool (*config_keep_fn)(const char *name, size_t len);
dq_code config_env_expand(const char *text, config_keep_fn keep, char **out, dq_error *err);

/* What kind of value a setting takes. */
typedef enum config_kind {
    CONFIG_STRING,
    CONFIG_STRING_OR_NUMBER, /* a number is turned into its text: chat ids, ports */
    CONFIG_BOOL,
    CONFIG_INT,
    CONFIG_NUMBER,
    CONFIG_STRING_LIST,
    CONFIG_INT_LIST,
    CONFIG_OBJECT,
    CONFIG_STRING_MAP, /* object of strings: headers, environment */
    CONFIG_LIST,       /* list of anything: responders, mentions */
    CONFIG_ANY,
} config_kind;

typedef struct config_setting {
    const char *key;
    config_kind kind;
    bool required;
    const char *const *choices;      /* allowed values (lower-case compare), or NULL */
    const char *const *placeholders; /* str.format fields a template may use, or NULL */
    bool result_template;            /* ${...} result placeholders inside stay as written */
} config_setting;

/* The schema of one type, terminated by an entry with key NULL. */
const config_setting *config_schema(dq_action_type type);
/* Checks what one key of the schema cannot: URL rules, combinations. settings holds the
 * converted values, original the action as written (for lines). Adds problems via
 * report; returns false when something was wrong. */
typedef void (*config_report_fn)(void *ctx, const cJSON *node, const char *key, const char *fmt,
                                 ...) __attribute__((format(printf, 4, 5)));
bool config_check_type(dq_action_type type, const cJSON *settings, const cJSON *original,
                       config_report_fn report, void *ctx);

#endif
