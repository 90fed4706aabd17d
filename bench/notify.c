/* bench/notify: the dispatch engine against a loopback receiver (tests/servers/
 * http_receiver, not recording). Prints two lines: N webhook requests with no limit
 * (requests per second and CPU per request of this process), and N requests paced at R
 * per second (the run's length against N/R).
 *
 *   notify [--receiver PATH] [-n N] [--rate R] [--in-flight K]
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dqbatch/dispatch.h"

#ifndef DQ_RECEIVER
#define DQ_RECEIVER "tests/servers/http_receiver"
#endif

typedef struct bench_options {
    const char *receiver;
    int count;
    double rate;
    int in_flight;
} bench_options;

typedef struct receiver {
    pid_t pid;
    int port;
    char port_file[64];
} receiver;

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_now(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static int receiver_start(receiver *r, const char *binary, int in_flight)
{
    snprintf(r->port_file, sizeof r->port_file, "/tmp/dq-notify-bench-%d.port", (int)getpid());
    unlink(r->port_file);
    r->pid = fork();
    if (r->pid < 0)
        return -1;
    if (r->pid == 0) {
        /* The receiver's epoll loop stalls from 128 connections on (see its header). */
        execl(binary, binary, "--port-file", r->port_file, "--poll", in_flight >= 100 ? "1" : "0",
              (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 500; i++) {
        FILE *f = fopen(r->port_file, "r");
        if (f) {
            int ok = fscanf(f, "%d", &r->port);
            fclose(f);
            if (ok == 1)
                return 0;
        }
        int status;
        if (waitpid(r->pid, &status, WNOHANG) == r->pid)
            return -1;
        usleep(10000);
    }
    return -1;
}

static void receiver_stop(receiver *r)
{
    kill(r->pid, SIGTERM);
    int status;
    waitpid(r->pid, &status, 0);
    unlink(r->port_file);
}

/* Sends count requests; returns the seconds from the first submit to the last answer. */
static double run(const bench_options *o, int port, double rate, size_t *sent, size_t *retried)
{
    dq_dispatch_options opt = {.max_in_flight = o->in_flight, .progress = true};
    dq_dispatch *d;
    dq_error err;
    if (dq_dispatch_open(&opt, &d, &err) != DQ_OK) {
        fprintf(stderr, "notify: %s\n", err.msg);
        exit(1);
    }
    double start = wall_now();
    for (int i = 0; i < o->count; i++) {
        dq_request req;
        dq_request_init(&req);
        req.url = dq_asprintf("http://127.0.0.1:%d/hook", port);
        req.idempotency_key = dq_asprintf("bench-%d", i);
        req.body = dq_asprintf("{\"text\": \"checkpoint bench failed\", \"n\": %d}", i);
        req.max_in_flight = o->in_flight;
        req.rate.per_second = rate;
        req.rate.burst = 1;
        if (!req.url || !req.idempotency_key || !req.body ||
            dq_strlist_add(&req.headers, "Content-Type: application/json") != DQ_OK) {
            fprintf(stderr, "notify: out of memory\n");
            exit(1);
        }
        dq_dispatch_submit(d, &req);
    }
    if (dq_dispatch_finish(d, &err) != DQ_OK)
        fprintf(stderr, "notify: %s\n", err.msg);
    double elapsed = wall_now() - start;
    dq_dispatch_stats total;
    dq_dispatch_totals(d, &total);
    *sent = total.sent;
    *retried = total.retried;
    dq_dispatch_free(d);
    return elapsed;
}

static int parse_args(int argc, char **argv, bench_options *o)
{
    *o = (bench_options){DQ_RECEIVER, 20000, 5000, 32};
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--receiver") == 0)
            o->receiver = argv[i + 1];
        else if (strcmp(argv[i], "-n") == 0)
            o->count = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--rate") == 0)
            o->rate = atof(argv[i + 1]);
        else if (strcmp(argv[i], "--in-flight") == 0)
            o->in_flight = atoi(argv[i + 1]);
        else
            return -1;
    }
    return argc % 2 == 1 && o->count > 0 && o->rate > 0 && o->in_flight > 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    bench_options o;
    if (parse_args(argc, argv, &o) != 0) {
        fprintf(stderr, "usage: notify [--receiver PATH] [-n N] [--rate R] [--in-flight K]\n");
        return 2;
    }
    dq_log_quiet(true);
    receiver r;
    if (receiver_start(&r, o.receiver, o.in_flight) != 0) {
        fprintf(stderr, "notify: cannot start %s\n", o.receiver);
        return 1;
    }
    size_t sent, retried;
    double cpu = cpu_now();
    double seconds = run(&o, r.port, 0, &sent, &retried);
    cpu = cpu_now() - cpu;
    printf("notify unlimited: %zu/%d sent in %.3f s = %.0f requests/s, CPU %.1f us/request "
           "(%d in flight, %zu retries)\n",
           sent, o.count, seconds, (double)sent / seconds, cpu / o.count * 1e6, o.in_flight,
           retried);
    seconds = run(&o, r.port, o.rate, &sent, &retried);
    double expected = (double)(o.count - 1) / o.rate; /* the first token is there at once */
    printf("notify paced %.0f/s: %zu/%d sent in %.3f s, N/R %.3f s, off by %+.2f%%\n", o.rate, sent,
           o.count, seconds, expected, (seconds - expected) / expected * 100);
    receiver_stop(&r);
    return sent == (size_t)o.count ? 0 : 1;
}
