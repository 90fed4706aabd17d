/* dqbatch: one binary, subcommands in the style of git. */
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "dqbatch/decode.h"

static const dq_command commands[] = {
    {"ls", cmd_ls, "list stored results"},
    {"restore", cmd_restore, "write the selected results as a truthound store or archive"},
    {"docs", cmd_docs, "build or update the data docs site"},
    {"notify", cmd_notify, "run the actions of a config over the selected results"},
    {"run", cmd_run, "run a job file: docs and actions in one pass over the stores"},
    {"check-config", cmd_check_config, "check a config or job file and send nothing"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: dqbatch <command> [options] PATH...\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-13s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'dqbatch <command> --help' describes a command's options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("dqbatch %s\n", DQ_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[1], commands[i].name) != 0)
            continue;
        /* Once, before any thread: a bucket walk and the dispatcher may both start libcurl,
         * and its implicit initialisation is not thread-safe. */
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            fprintf(stderr, "dqbatch: cannot initialise libcurl\n");
            return 1;
        }
        /* Likewise cJSON's allocation hooks, which dq_decode would otherwise install
         * while other threads may be using cJSON. */
        dq_decode_setup();
        int status = commands[i].run(argc - 1, argv + 1);
        curl_global_cleanup();
        return status;
    }
    fprintf(stderr, "dqbatch: '%s' is not a command\n", argv[1]);
    usage(stderr);
    return 2;
}
