/* Helpers for the objstore module's tests (see objstore_support.h). */
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dqbatch/core.h"
#include "dqtest.h"
#include "objstore_support.h"

#define MAX_ARGS 40

static void exec_server(const objstore_test_server *s, const char *port_file,
                        const char *const *extra)
{
    const char *root = getenv("DQ_SOURCE_DIR");
    char *script = dq_asprintf("%s/tests/servers/sigv4_check.py", root ? root : ".");
    const char *argv[MAX_ARGS] = {"/usr/bin/python3",
                                  script,
                                  "--port-file",
                                  port_file,
                                  "--bucket",
                                  OBJSTORE_TEST_BUCKET,
                                  "--access-key",
                                  OBJSTORE_TEST_KEY,
                                  "--secret",
                                  OBJSTORE_TEST_SECRET,
                                  "--log",
                                  s->log};
    int n = 12;
    for (size_t i = 0; extra && extra[i] && n < MAX_ARGS - 1; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    execv(argv[0], (char *const *)argv);
    perror("exec /usr/bin/python3");
    _exit(127);
}

/* The server signs with Debian's botocore: installed here when missing (as root), and a
 * loud failure when that is impossible, never a skip. */
static void ensure_botocore(void)
{
    const char *probe = "/usr/bin/python3 -c 'import botocore' 2>/dev/null";
    if (system(probe) == 0)
        return;
    int rc = system("DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-boto3 "
                    ">/dev/null 2>&1");
    ck_assert_msg(rc == 0 && system(probe) == 0,
                  "python3-boto3 is needed (the reference signer) and could not be installed");
}

void objstore_test_server_start(objstore_test_server *s, const char *const *extra)
{
    ensure_botocore();
    memset(s, 0, sizeof(*s));
    s->dir = dqtest_tmpdir();
    s->log = dq_asprintf("%s/requests.log", s->dir);
    char *port_file = dq_asprintf("%s/port", s->dir);
    ck_assert_ptr_nonnull(s->log);
    ck_assert_ptr_nonnull(port_file);
    s->pid = fork();
    ck_assert_int_ge(s->pid, 0);
    if (s->pid == 0) {
        /* A failed assertion ends the test process without its teardown: the server
         * must not outlive it. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        exec_server(s, port_file, extra);
    }
    /* botocore takes a second or so to import on a busy machine. */
    for (int i = 0; i < 300 && s->port == 0; i++) {
        char *text = dqtest_read(port_file, NULL);
        if (text)
            s->port = atoi(text);
        free(text);
        int status;
        ck_assert_msg(waitpid(s->pid, &status, WNOHANG) == 0, "sigv4_check.py exited");
        if (s->port == 0)
            nanosleep(&(struct timespec){0, 50 * 1000000L}, NULL);
    }
    ck_assert_msg(s->port > 0, "sigv4_check.py did not start");
    free(port_file);
    char *endpoint = dq_asprintf("http://127.0.0.1:%d", s->port);
    setenv("AWS_ENDPOINT_URL", endpoint, 1);
    setenv("AWS_ACCESS_KEY_ID", OBJSTORE_TEST_KEY, 1);
    setenv("AWS_SECRET_ACCESS_KEY", OBJSTORE_TEST_SECRET, 1);
    setenv("AWS_REGION", "us-east-1", 1);
    unsetenv("AWS_SESSION_TOKEN");
    unsetenv("AWS_S3_ADDRESSING_STYLE");
    free(endpoint);
}

void objstore_test_server_stop(objstore_test_server *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
    }
    dqtest_rmrf(s->dir);
    free(s->dir);
    free(s->log);
    memset(s, 0, sizeof(*s));
}

size_t objstore_test_requests(const objstore_test_server *s, size_t *unverified, size_t *with_503)
{
    char *text = dqtest_read(s->log, NULL);
    size_t total = 0, bad = 0, slow = 0;
    for (char *line = text; line && *line;) {
        char *end = strchr(line, '\n');
        if (end)
            *end = '\0';
        total++;
        bad += strstr(line, "\"verified\": false") != NULL;
        slow += strstr(line, "\"status\": 503") != NULL;
        line = end ? end + 1 : line + strlen(line);
    }
    free(text);
    if (unverified)
        *unverified = bad;
    if (with_503)
        *with_503 = slow;
    return total;
}
