/* Helpers for the dispatch tests: the loopback receiver and certificates. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dispatch_support.h"
#include "dqbatch/core.h"
#include "dqtest.h"

static char *receiver_binary(void)
{
    const char *dir = getenv("DQ_SERVERS");
    ck_assert_msg(dir != NULL, "DQ_SERVERS is not set (run the tests with ctest)");
    char *path = dq_asprintf("%s/http_receiver", dir);
    ck_assert_ptr_nonnull(path);
    return path;
}

/* Runs in the forked child: only async-signal-safe calls (the strings were made before). */
static void exec_receiver(char *const *argv)
{
    execv(argv[0], argv);
    _exit(127);
}

/* The receiver's command line (owned strings in argv[0..]). */
static void receiver_argv(const dqtest_receiver *r, const char *script, const char *cert,
                          const char *key, char **argv)
{
    int argc = 0;
    argv[argc++] = receiver_binary();
    argv[argc++] = dq_strdup("--port-file");
    argv[argc++] = dq_asprintf("%s/port", r->dir);
    argv[argc++] = dq_strdup("--log");
    argv[argc++] = dq_strdup(r->log_path);
    if (script) {
        argv[argc++] = dq_strdup("--script");
        argv[argc++] = dq_asprintf("%s/script.json", r->dir);
    }
    if (cert) {
        argv[argc++] = dq_strdup("--cert");
        argv[argc++] = dq_strdup(cert);
        argv[argc++] = dq_strdup("--key");
        argv[argc++] = dq_strdup(key);
    }
    argv[argc] = NULL;
    for (int i = 0; i < argc; i++)
        ck_assert_ptr_nonnull(argv[i]);
}

static int wait_for_port(dqtest_receiver *r)
{
    char *port_file = dq_asprintf("%s/port", r->dir);
    ck_assert_ptr_nonnull(port_file);
    int port = 0;
    for (int i = 0; i < 1000 && !port; i++) {
        char *text = dqtest_read(port_file, NULL);
        if (text)
            port = atoi(text);
        free(text);
        int status;
        ck_assert_msg(waitpid(r->pid, &status, WNOHANG) == 0, "http_receiver exited early");
        if (!port)
            usleep(10000);
    }
    free(port_file);
    ck_assert_msg(port > 0, "http_receiver did not start listening");
    return port;
}

void dqtest_receiver_start(dqtest_receiver *r, const char *script, const char *cert,
                           const char *key)
{
    memset(r, 0, sizeof *r);
    r->dir = dqtest_tmpdir();
    r->log_path = dq_asprintf("%s/requests.jsonl", r->dir);
    ck_assert_ptr_nonnull(r->log_path);
    if (script)
        dqtest_write(r->dir, "script.json", script, strlen(script));
    char *argv[12];
    receiver_argv(r, script, cert, key, argv);
    r->pid = fork();
    ck_assert_int_ge(r->pid, 0);
    if (r->pid == 0)
        exec_receiver(argv);
    for (int i = 0; argv[i]; i++)
        free(argv[i]);
    r->port = wait_for_port(r);
    snprintf(r->url, sizeof r->url, "%s://127.0.0.1:%d", cert ? "https" : "http", r->port);
}

void dqtest_receiver_stop(dqtest_receiver *r)
{
    if (r->pid > 0) {
        kill(r->pid, SIGTERM);
        int status;
        waitpid(r->pid, &status, 0);
    }
    dqtest_rmrf(r->dir);
    free(r->dir);
    free(r->log_path);
    memset(r, 0, sizeof *r);
}

cJSON *dqtest_receiver_requests(const dqtest_receiver *r)
{
    cJSON *all = cJSON_CreateArray();
    ck_assert_ptr_nonnull(all);
    char *text = dqtest_read(r->log_path, NULL);
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (!next) /* a line still being written */
            break;
        *next++ = '\0';
        cJSON *item = cJSON_Parse(line);
        ck_assert_msg(item != NULL, "http_receiver log line is not JSON: %s", line);
        cJSON_AddItemToArray(all, item);
    }
    free(text);
    return all;
}

size_t dqtest_receiver_count(const dqtest_receiver *r)
{
    char *text = dqtest_read(r->log_path, NULL);
    size_t n = 0;
    for (const char *p = text; p && (p = strchr(p, '\n')) != NULL; p++)
        n++;
    free(text);
    return n;
}

void dqtest_make_cert(const char *dir, char **cert, char **key)
{
    *cert = dq_asprintf("%s/cert.pem", dir);
    *key = dq_asprintf("%s/key.pem", dir);
    char *cmd = dq_asprintf("openssl req -x509 -newkey rsa:2048 -nodes -keyout '%s' -out '%s' "
                            "-days 3650 -subj /CN=localhost "
                            "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null",
                            *key, *cert);
    ck_assert_ptr_nonnull(cmd);
    ck_assert_int_eq(system(cmd), 0);
    free(cmd);
}

int dqtest_closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    socklen_t len = sizeof addr;
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
    close(fd); /* bound, never listened, now closed: connecting is refused */
    return ntohs(addr.sin_port);
}
