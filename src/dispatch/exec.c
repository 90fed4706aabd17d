/* Shell actions: /bin/sh -c COMMAND, body on stdin, run without blocking the event loop.
 * The pipes are non-blocking and watched by the loop; the command runs in its own
 * process group so a timeout kills everything it started. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dispatch_internal.h"

extern char **environ;

#define DQ_EXEC_STDERR_KEEP 512

struct dq_exec {
    pid_t pid;
    int in_fd; /* our ends; -1 when closed */
    int out_fd;
    int err_fd;
    const char *body; /* owned by the request, which outlives this */
    size_t body_len;
    size_t written;
    double deadline;
    bool exited;
    bool timed_out;
    int exit_code;
    char err_text[DQ_EXEC_STDERR_KEEP];
    size_t err_len;
};

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* The parent's environment with the request's additions, which replace variables of
 * the same name. The strings are borrowed; only the array is allocated. */
static char **build_env(const dq_strlist *add)
{
    size_t n = 0;
    while (environ && environ[n])
        n++;
    char **envp = calloc(n + add->len + 1, sizeof *envp);
    if (!envp)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        size_t name_len = strcspn(environ[i], "=");
        bool replaced = false;
        for (size_t a = 0; a < add->len && !replaced; a++)
            replaced = strncmp(add->items[a], environ[i], name_len + 1) == 0;
        if (!replaced)
            envp[k++] = environ[i];
    }
    for (size_t a = 0; a < add->len; a++)
        envp[k++] = add->items[a];
    return envp;
}

static int spawn_shell(const dq_request *req, int child_fds[3], pid_t *pid)
{
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    int rc = posix_spawn_file_actions_init(&actions);
    if (rc)
        return rc;
    rc = posix_spawnattr_init(&attr);
    if (rc) {
        posix_spawn_file_actions_destroy(&actions);
        return rc;
    }
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE); /* the dispatcher blocks it; the command must not */
    for (int i = 0; i < 3 && !rc; i++)
        rc = posix_spawn_file_actions_adddup2(&actions, child_fds[i], i);
    /* Nothing else of ours (provider connections, the journal) leaks into the command. */
    if (!rc)
        rc = posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    if (!rc && req->working_directory)
        rc = posix_spawn_file_actions_addchdir_np(&actions, req->working_directory);
    if (!rc)
        rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                                 POSIX_SPAWN_SETSIGDEF);
    if (!rc)
        rc = posix_spawnattr_setpgroup(&attr, 0);
    if (!rc)
        rc = posix_spawnattr_setsigmask(&attr, &none);
    if (!rc)
        rc = posix_spawnattr_setsigdefault(&attr, &defaults);
    char **envp = rc ? NULL : build_env(&req->env);
    if (!rc && !envp)
        rc = ENOMEM;
    if (!rc) {
        char *argv[] = {"/bin/sh", "-c", req->url, NULL};
        rc = posix_spawn(pid, "/bin/sh", &actions, &attr, argv, envp);
    }
    free(envp);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    return rc;
}

/* Three pipes: [0] stdin (child reads), [1] stdout, [2] stderr. */
static int make_pipes(int pipes[3][2])
{
    for (int i = 0; i < 3; i++)
        pipes[i][0] = pipes[i][1] = -1;
    for (int i = 0; i < 3; i++)
        if (pipe2(pipes[i], O_CLOEXEC) != 0)
            return errno;
    for (int i = 0; i < 3; i++) {
        int ours = i == 0 ? pipes[i][1] : pipes[i][0];
        if (fcntl(ours, F_SETFL, O_NONBLOCK) != 0)
            return errno;
    }
    return 0;
}

static void close_pipes(int pipes[3][2])
{
    for (int i = 0; i < 3; i++) {
        close_fd(&pipes[i][0]);
        close_fd(&pipes[i][1]);
    }
}

dq_code dq_exec_start(const dq_request *req, double now, dq_exec **out, dq_error *err)
{
    *out = NULL;
    if (!req->url || !*req->url)
        return dq_fail(err, DQ_ECONFIG, "%s: no shell command", req->action ? req->action : "exec");
    dq_exec *e = calloc(1, sizeof *e);
    if (!e)
        return dq_fail(err, DQ_ENOMEM, "out of memory starting a shell command");
    int pipes[3][2];
    int rc = make_pipes(pipes);
    int child_fds[3] = {pipes[0][0], pipes[1][1], pipes[2][1]};
    if (!rc)
        rc = spawn_shell(req, child_fds, &e->pid);
    if (rc) {
        close_pipes(pipes);
        free(e);
        return dq_fail(err, DQ_EIO, "cannot start /bin/sh%s%s: %s",
                       req->working_directory ? " in " : "",
                       req->working_directory ? req->working_directory : "", strerror(rc));
    }
    close_fd(&pipes[0][0]);
    close_fd(&pipes[1][1]);
    close_fd(&pipes[2][1]);
    e->in_fd = pipes[0][1];
    e->out_fd = pipes[1][0];
    e->err_fd = pipes[2][0];
    e->body = req->body;
    e->body_len = req->body ? req->body_len : 0;
    e->deadline = now + (req->timeout_seconds > 0 ? req->timeout_seconds : 30);
    if (!e->body_len)
        close_fd(&e->in_fd);
    *out = e;
    return DQ_OK;
}

int dq_exec_watch(const dq_exec *e, int *fds, short *events)
{
    int n = 0;
    if (e->in_fd >= 0) {
        fds[n] = e->in_fd;
        events[n++] = POLLOUT;
    }
    if (e->out_fd >= 0) {
        fds[n] = e->out_fd;
        events[n++] = POLLIN;
    }
    if (e->err_fd >= 0) {
        fds[n] = e->err_fd;
        events[n++] = POLLIN;
    }
    return n;
}

static void feed_stdin(dq_exec *e)
{
    while (e->in_fd >= 0 && e->written < e->body_len) {
        ssize_t n = write(e->in_fd, e->body + e->written, e->body_len - e->written);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (n <= 0) /* EPIPE: the command does not read its stdin */
            break;
        e->written += (size_t)n;
    }
    close_fd(&e->in_fd);
}

/* Reads what is there; stderr's first bytes are kept for the error message. */
static void drain(dq_exec *e, int *fd, bool keep)
{
    char chunk[4096];
    while (*fd >= 0) {
        ssize_t n = read(*fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (n <= 0) {
            close_fd(fd);
            return;
        }
        size_t room = sizeof e->err_text - 1 - e->err_len;
        size_t take = keep && (size_t)n < room ? (size_t)n : (keep ? room : 0);
        memcpy(e->err_text + e->err_len, chunk, take);
        e->err_len += take;
        e->err_text[e->err_len] = '\0';
    }
}

static void reaped(dq_exec *e, int status)
{
    e->exited = true;
    e->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    drain(e, &e->out_fd, false);
    drain(e, &e->err_fd, true);
    close_fd(&e->in_fd);
    close_fd(&e->out_fd);
    close_fd(&e->err_fd);
}

bool dq_exec_step(dq_exec *e, double now)
{
    if (e->exited)
        return true;
    feed_stdin(e);
    drain(e, &e->out_fd, false);
    drain(e, &e->err_fd, true);
    int status;
    pid_t got = waitpid(e->pid, &status, WNOHANG);
    if (got == e->pid) {
        reaped(e, status);
        return true;
    }
    if (now < e->deadline)
        return false;
    e->timed_out = true;
    kill(-e->pid, SIGKILL);
    while (waitpid(e->pid, &status, 0) < 0 && errno == EINTR)
        ;
    reaped(e, status);
    return true;
}

int dq_exec_exit_code(const dq_exec *e)
{
    return e->exit_code;
}

bool dq_exec_timed_out(const dq_exec *e)
{
    return e->timed_out;
}

const char *dq_exec_stderr(const dq_exec *e)
{
    return e->err_text;
}

void dq_exec_free(dq_exec *e)
{
    if (!e)
        return;
    if (!e->exited) {
        int status;
        kill(-e->pid, SIGKILL);
        while (waitpid(e->pid, &status, 0) < 0 && errno == EINTR)
            ;
    }
    close_fd(&e->in_fd);
    close_fd(&e->out_fd);
    close_fd(&e->err_fd);
    free(e);
}
