/* dqbatch check-config: loads each config as notify would and reports every problem
 * (file, line, key), then lists the actions it found. Sends nothing. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "dqbatch/config.h"

static const char check_config_help[] =
    "usage: dqbatch check-config CONFIG...\n"
    "Check action configs (truthound's checkpoint YAML, or dqbatch's YAML/JSON) and list\n"
    "their actions. Exit status 0 when every file is good, 2 otherwise.\n";

static void check_config_describe(const dq_action_config *a)
{
    char scope[300];
    if (a->checkpoint)
        snprintf(scope, sizeof scope, "checkpoint %s", a->checkpoint);
    else if (a->match_checkpoint || a->match_asset || a->match_statuses)
        snprintf(scope, sizeof scope, "match checkpoint=%s asset=%s statuses=0x%x",
                 a->match_checkpoint ? a->match_checkpoint : "*",
                 a->match_asset ? a->match_asset : "*", a->match_statuses);
    else
        snprintf(scope, sizeof scope, "every result");
    printf("  %-24s %-12s notify_on=%-16s %s%s\n", a->name, dq_action_type_name(a->type),
           dq_notify_on_name(a->notify_on), scope, a->enabled ? "" : " (disabled)");
}

static bool check_config_one(const char *path)
{
    dq_config config;
    dq_strlist problems = {0};
    dq_error err = {0};
    dq_code rc = dq_config_load(path, &config, &problems, &err);
    for (size_t i = 0; i < problems.len; i++)
        fprintf(stderr, "%s\n", problems.items[i]);
    if (rc && !problems.len)
        fprintf(stderr, "%s\n", err.msg);
    dq_strlist_free(&problems);
    if (rc) {
        fprintf(stderr, "%s: not valid\n", path);
        return false;
    }
    printf("%s: %zu action%s (%s form)\n", path, config.count, config.count == 1 ? "" : "s",
           config.truthound_form ? "truthound checkpoint" : "dqbatch");
    for (size_t i = 0; i < config.count; i++)
        check_config_describe(&config.actions[i]);
    dq_config_free(&config);
    return true;
}

int cmd_check_config(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "%s", check_config_help);
        return 2;
    }
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("%s", check_config_help);
            return 0;
        }
    bool ok = true;
    for (int i = 1; i < argc; i++)
        ok = check_config_one(argv[i]) && ok;
    return ok ? 0 : 2;
}
