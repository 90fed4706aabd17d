/* Options every command that reads a store takes: the inputs, the filters, the shard,
 * the number of threads and the size cap. */
#ifndef DQBATCH_CLI_OPTIONS_H
#define DQBATCH_CLI_OPTIONS_H

#include "dqbatch/scan.h"

typedef struct dq_cli_common {
    dq_strlist inputs;
    dq_filter filter;
    int jobs;
    size_t max_result_bytes;
    bool quiet;
} dq_cli_common;

/* Help text for the options above, for a command's --help. */
extern const char dq_cli_common_help[];

void dq_cli_common_init(dq_cli_common *c);
void dq_cli_common_free(dq_cli_common *c);

/* When argv[*i] is "--name VALUE" or "--name=VALUE", sets *value, advances *i past it
 * and returns true. A missing value prints an error and sets *value to NULL. */
bool dq_cli_value(int argc, char **argv, int *i, const char *name, const char **value);
bool dq_cli_flag(char **argv, int i, const char *name);

/* A command's option that takes a value: the value is kept as text, checked later. */
typedef struct dq_cli_option {
    const char *name;
    const char **value;
} dq_cli_option;

/* Takes argv[*i] when it is one of the options in the table: 1 when taken, 0 when it is
 * none of them, -1 when its value is missing (said on stderr). */
int dq_cli_take_valued(int argc, char **argv, int *i, const dq_cli_option *options, size_t count);

/* A whole number from min to max, or the default when text is NULL. Prints the error,
 * naming the command and the option. */
bool dq_cli_parse_int(const char *command, const char *option, const char *text, long min, long max,
                      int *out);

/* A command's own options: 1 when it took argv[*i] (moving *i past a value), 0 when
 * argv[*i] is not one of its options, -1 after printing a usage error. */
typedef int (*dq_cli_option_fn)(void *ctx, int argc, char **argv, int *i);

/* Reads a command line: --help, the command's own options (fn may be NULL), then the
 * common options and the inputs. Returns -1 to go on, or the exit status the command
 * returns at once: 0 after printing the help, 2 after a usage error. */
int dq_cli_parse(int argc, char **argv, const char *command, const char *help, dq_cli_common *c,
                 dq_cli_option_fn fn, void *ctx);

/* Takes argv[*i] when it is a common option or an input path: returns 1 when taken,
 * 0 when it is an option this parser does not know, -1 after printing a usage error. */
int dq_cli_common_take(dq_cli_common *c, int argc, char **argv, int *i);

/* When no --shard was given, takes the shard from a batch engine's environment:
 * JOB_COMPLETION_INDEX of JOB_COMPLETIONS (a Kubernetes Indexed Job; the manifest passes
 * the completions count), else SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN (0 when unset)
 * of SLURM_ARRAY_TASK_COUNT. A bad or missing value prints an error naming the variable
 * and returns false. */
bool dq_cli_shard_from_env(dq_filter *f);

/* Checks what the command line left: at least one input, and the shard (above). Prints
 * the error. */
bool dq_cli_common_check(dq_cli_common *c, const char *command);

/* Fills scan options from the common ones (the inputs stay owned by c). */
void dq_cli_scan_opts(const dq_cli_common *c, dq_scan_opts *opts);

/* Runs the scan the common options describe, keeping records only (no consumer); a
 * failure of the whole scan is said on stderr and returned. */
dq_code dq_cli_scan(const dq_cli_common *c, dq_records *records, dq_scan_report *report);

/* Prints the scan's closing summary on stderr and returns the exit status it implies. */
int dq_cli_scan_summary(const dq_scan_report *report, const char *what);

#endif
