/* dqbatch check-config: loads each config as notify would, or each job file as run
 * would, and reports every problem (file, line, key), then lists what it found. Sends
 * nothing, reads no store. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "dqbatch/job.h"

static const char check_config_help[] =
    "usage: dqbatch check-config FILE...\n"
    "Check action configs (truthound's checkpoint YAML, or dqbatch's YAML/JSON) and job\n"
    "files (dqbatch run; they have stores:), and list what they do. Exit status 0 when\n"
    "every file is good, 2 otherwise.\n";

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

static void check_config_print_problems(const dq_strlist *problems, dq_code rc, const dq_error *err,
                                        const char *path)
{
    for (size_t i = 0; i < problems->len; i++)
        fprintf(stderr, "%s\n", problems->items[i]);
    if (rc && !problems->len)
        fprintf(stderr, "%s\n", err->msg);
    if (rc)
        fprintf(stderr, "%s: not valid\n", path);
}

static void check_config_list_actions(const char *path, const dq_config *config)
{
    printf("%s: %zu action%s (%s form)\n", path, config->count, config->count == 1 ? "" : "s",
           config->truthound_form ? "truthound checkpoint" : "dqbatch");
    for (size_t i = 0; i < config->count; i++)
        check_config_describe(&config->actions[i]);
}

static bool check_config_action_file(const char *path)
{
    dq_config config;
    dq_strlist problems = {0};
    dq_error err = {0};
    dq_code rc = dq_config_load(path, &config, &problems, &err);
    check_config_print_problems(&problems, rc, &err, path);
    dq_strlist_free(&problems);
    if (rc)
        return false;
    check_config_list_actions(path, &config);
    dq_config_free(&config);
    return true;
}

static void check_config_describe_job(const dq_job_file *job)
{
    printf("%s: job over %zu store%s\n", job->path, job->stores.len,
           job->stores.len == 1 ? "" : "s");
    for (size_t i = 0; i < job->stores.len; i++)
        printf("  store %s\n", job->stores.items[i]);
    if (job->docs.site)
        printf("  docs  %s (%s)\n", job->docs.site, job->docs.format ? job->docs.format : "html");
    if (job->journal)
        printf("  journal %s\n", job->journal);
    if (job->report)
        printf("  report  %s\n", job->report);
    if (job->has_actions)
        check_config_list_actions(job->actions_file ? job->actions_file : "  actions",
                                  &job->actions);
}

static bool check_config_job_file(const char *path)
{
    dq_job_file job;
    dq_strlist problems = {0};
    dq_error err = {0};
    dq_code rc = dq_job_file_load(path, &job, &problems, &err);
    check_config_print_problems(&problems, rc, &err, path);
    dq_strlist_free(&problems);
    if (rc)
        return false;
    check_config_describe_job(&job);
    dq_job_file_free(&job);
    return true;
}

/* A job file has stores:; anything else is an action config. */
static bool check_config_one(const char *path)
{
    dq_buf text;
    dq_error err = {0};
    dq_buf_init(&text, (size_t)16 << 20);
    bool job = dq_file_read(path, (size_t)16 << 20, &text, &err) == DQ_OK &&
               dq_job_file_detect(path, dq_buf_str(&text), text.len);
    dq_buf_free(&text);
    return job ? check_config_job_file(path) : check_config_action_file(path);
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
