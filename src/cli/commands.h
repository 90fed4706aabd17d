/* The subcommands. Each takes its own argv, with argv[0] the command's name, and returns
 * the exit status: 0 all went well, 1 some items failed, 2 usage or configuration. */
#ifndef DQBATCH_CLI_COMMANDS_H
#define DQBATCH_CLI_COMMANDS_H

typedef struct dq_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} dq_command;

int cmd_ls(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_docs(int argc, char **argv);
int cmd_notify(int argc, char **argv);
int cmd_check_config(int argc, char **argv);
int cmd_run(int argc, char **argv);

#endif
