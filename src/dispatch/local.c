/* Requests that stay on this machine: shell commands (watched by the loop, never waited
 * for) and appends to a file (GitHub's GITHUB_OUTPUT and GITHUB_STEP_SUMMARY). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine_internal.h"

#define DQ_EXIT_TEMPFAIL 75 /* sysexits.h EX_TEMPFAIL: "try again later" */

dq_code dq_engine_exec_start(dq_dispatch *d, dq_job *job, double now, dq_error *err)
{
    dq_job **execs = dq_array_grow(d->execs, d->exec_len, &d->exec_cap, sizeof *execs, 8);
    if (!execs)
        return dq_fail(err, DQ_ENOMEM, "out of memory starting a shell command");
    d->execs = execs;
    dq_code rc = dq_exec_start(&job->req, now, &job->exec, err);
    if (rc)
        return rc;
    d->execs[d->exec_len++] = job;
    return DQ_OK;
}

int dq_engine_exec_fds(dq_dispatch *d)
{
    size_t need = d->exec_len * 3;
    if (need > d->waitfd_cap) {
        struct curl_waitfd *fds = realloc(d->waitfds, need * sizeof *fds);
        if (!fds)
            return 0; /* the loop's short timeout still steps the commands */
        d->waitfds = fds;
        d->waitfd_cap = need;
    }
    int count = 0;
    for (size_t i = 0; i < d->exec_len; i++) {
        int fds[3];
        short events[3];
        int n = dq_exec_watch(d->execs[i]->exec, fds, events);
        for (int k = 0; k < n; k++) {
            struct curl_waitfd *w = &d->waitfds[count++];
            w->fd = fds[k];
            w->events = events[k] == POLLOUT ? CURL_WAIT_POLLOUT : CURL_WAIT_POLLIN;
            w->revents = 0;
        }
    }
    return count;
}

static void exec_judge(const dq_job *job, dq_judgement *j)
{
    memset(j, 0, sizeof *j);
    j->wait = j->pause = -1;
    const dq_exec *e = job->exec;
    int code = dq_exec_exit_code(e);
    const char *err_text = dq_exec_stderr(e);
    int line = (int)strcspn(err_text, "\r\n");
    if (dq_exec_timed_out(e)) {
        j->verdict = DQ_VERDICT_RETRY;
        snprintf(j->message, sizeof j->message, "shell command timed out after %gs",
                 job->req.timeout_seconds);
    } else if (code == 0) {
        j->verdict = DQ_VERDICT_DELIVERED;
        snprintf(j->message, sizeof j->message, "exit 0");
    } else {
        j->verdict = code == DQ_EXIT_TEMPFAIL ? DQ_VERDICT_RETRY : DQ_VERDICT_FAIL;
        snprintf(j->message, sizeof j->message, "shell command %s %d%s%.*s",
                 code < 0 ? "killed, status" : "failed with exit code", code, line ? ": " : "",
                 line, err_text);
    }
}

void dq_engine_execs_reap(dq_dispatch *d)
{
    double now = dq_mono_now();
    for (size_t i = 0; i < d->exec_len;) {
        dq_job *job = d->execs[i];
        if (!dq_exec_step(job->exec, now)) {
            i++;
            continue;
        }
        d->execs[i] = d->execs[--d->exec_len];
        dq_judgement j;
        exec_judge(job, &j);
        job->last_status = dq_exec_exit_code(job->exec);
        dq_exec_free(job->exec);
        job->exec = NULL;
        dq_job_judged(d, job, &j);
    }
}

/* A local file is written at once: it takes microseconds and needs no event. */
void dq_engine_file_append(dq_dispatch *d, dq_job *job)
{
    dq_judgement j;
    memset(&j, 0, sizeof j);
    j.wait = j.pause = -1;
    if (job->req.method && strcmp(job->req.method, "PUT") == 0) {
        /* store_result: the whole file, written atomically, parents created. */
        dq_error err = {0};
        bool written = dq_file_write_atomic(job->req.url, job->req.body ? job->req.body : "",
                                            job->req.body_len, &err) == DQ_OK;
        j.verdict = written ? DQ_VERDICT_DELIVERED : DQ_VERDICT_FAIL;
        snprintf(j.message, sizeof j.message, "%.200s", written ? "written" : err.msg);
        dq_job_judged(d, job, &j);
        return;
    }
    int fd = open(job->req.url, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    bool ok = fd >= 0 && dq_write_all(fd, job->req.body ? job->req.body : "", job->req.body_len);
    int saved = errno;
    if (fd >= 0 && close(fd) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    j.verdict = ok ? DQ_VERDICT_DELIVERED : DQ_VERDICT_FAIL;
    snprintf(j.message, sizeof j.message, "%s: cannot append: %s", job->req.url,
             ok ? "ok" : strerror(saved));
    dq_job_judged(d, job, &j);
}
