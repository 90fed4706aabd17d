/* http_receiver: a loopback HTTP(S) server for the dispatch tests. It records every
 * request (arrival time, method, path, headers, body, the status it answered, the
 * client's port) as one JSON line, and answers as a small JSON script says: throttling answers of
 * every provider, 500-then-success, stalls, 400 with a message, a per-path rate limit.
 *
 *   http_receiver --port-file FILE [--log FILE] [--script FILE] [--cert PEM --key PEM]
 *                 [--threads N] [--poll 1]
 *
 * --poll 1 uses poll(2) instead of epoll: libmicrohttpd 0.9.75's epoll loop was seen to
 * stop reading every connection once 128 clients were connected at once (each held one
 * unread request, the server sat in epoll_wait); below that epoll is fine.
 *
 * The script is an array of rules, tried in order; the first that applies answers, and
 * with none the answer is 200 "ok":
 *   {"path": "/prefix", "times": 2, "rate_limit": 50, "status": 429,
 *    "headers": {"Retry-After": "1"}, "body": "...", "stall_ms": 3000}
 * "times" makes a rule apply to its first N requests only; "rate_limit" makes it apply
 * only past N requests to the path within the current second. A stall holds the thread
 * that answers: with one thread (the default) the whole server waits, so a destination
 * that must stay responsive gets its own receiver (or use --threads). The port is written to
 * the port file (atomically) once the server listens; SIGTERM stops it. */
#include <arpa/inet.h>
#include <cJSON.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BODY_MAX (4 * 1024 * 1024)

typedef struct rule {
    const char *path; /* prefix, or NULL for any */
    long times;       /* -1: always */
    long used;
    long rate_limit; /* -1: none */
    long window;     /* the second being counted */
    long window_count;
    unsigned status;
    const cJSON *headers;
    const char *body;
    long stall_ms;
} rule;

typedef struct server {
    rule *rules;
    size_t rule_count;
    FILE *log;
    pthread_mutex_t lock;
    atomic_bool stopping;
} server;

typedef struct request_ctx {
    long long arrival_us;
    char *body;
    size_t len;
    bool too_big;
} request_ctx;

static long long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *data = NULL;
    size_t len = 0;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        char *grown = realloc(data, len + n + 1);
        if (!grown) {
            free(data);
            fclose(f);
            return NULL;
        }
        data = grown;
        memcpy(data + len, chunk, n);
        len += n;
    }
    fclose(f);
    if (data)
        data[len] = '\0';
    return data;
}

static long number_or(const cJSON *obj, const char *name, long fallback)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsNumber(item) ? (long)item->valuedouble : fallback;
}

static const char *string_or(const cJSON *obj, const char *name, const char *fallback)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(item) ? item->valuestring : fallback;
}

static bool load_script(server *s, const cJSON *script)
{
    if (!cJSON_IsArray(script))
        return false;
    size_t n = (size_t)cJSON_GetArraySize(script);
    s->rules = calloc(n ? n : 1, sizeof *s->rules);
    if (!s->rules)
        return false;
    const cJSON *item;
    cJSON_ArrayForEach(item, script)
    {
        rule *r = &s->rules[s->rule_count++];
        r->path = string_or(item, "path", NULL);
        r->times = number_or(item, "times", -1);
        r->rate_limit = number_or(item, "rate_limit", -1);
        r->status = (unsigned)number_or(item, "status", 200);
        r->headers = cJSON_GetObjectItemCaseSensitive(item, "headers");
        r->body = string_or(item, "body", "");
        r->stall_ms = number_or(item, "stall_ms", 0);
    }
    return true;
}

/* The rule that answers this request (counting it in every rate window of its path). */
static rule *pick_rule(server *s, const char *path, long second)
{
    rule *chosen = NULL;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->rule_count; i++) {
        rule *r = &s->rules[i];
        if (r->path && strncmp(path, r->path, strlen(r->path)) != 0)
            continue;
        bool over = true;
        if (r->rate_limit >= 0) {
            if (r->window != second) {
                r->window = second;
                r->window_count = 0;
            }
            over = ++r->window_count > r->rate_limit;
        }
        if (chosen || !over || (r->times >= 0 && r->used >= r->times))
            continue;
        r->used++;
        chosen = r;
    }
    pthread_mutex_unlock(&s->lock);
    return chosen;
}

static enum MHD_Result add_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
    (void)kind;
    cJSON_AddStringToObject(cls, key, value ? value : "");
    return MHD_YES;
}

static void record(server *s, struct MHD_Connection *conn, const char *method, const char *url,
                   const request_ctx *ctx, unsigned status)
{
    if (!s->log)
        return;
    cJSON *line = cJSON_CreateObject();
    cJSON *headers = cJSON_CreateObject();
    MHD_get_connection_values(conn, MHD_HEADER_KIND, add_header, headers);
    cJSON_AddNumberToObject(line, "t", (double)ctx->arrival_us);
    cJSON_AddStringToObject(line, "method", method);
    cJSON_AddStringToObject(line, "path", url);
    cJSON_AddItemToObject(line, "headers", headers);
    cJSON_AddStringToObject(line, "body", ctx->body ? ctx->body : "");
    cJSON_AddNumberToObject(line, "status", status);
    /* The client's port tells connections apart: reuse shows as one port. */
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (info && info->client_addr && info->client_addr->sa_family == AF_INET)
        cJSON_AddNumberToObject(line, "client_port",
                                ntohs(((const struct sockaddr_in *)info->client_addr)->sin_port));
    char *text = cJSON_PrintUnformatted(line);
    cJSON_Delete(line);
    if (!text)
        return;
    pthread_mutex_lock(&s->lock);
    fprintf(s->log, "%s\n", text);
    fflush(s->log); /* the tests read the log while the server runs */
    pthread_mutex_unlock(&s->lock);
    free(text);
}

static void stall(server *s, long ms)
{
    for (long waited = 0; waited < ms && !atomic_load(&s->stopping); waited += 10)
        usleep(10000);
}

static enum MHD_Result respond(struct MHD_Connection *conn, const rule *r)
{
    const char *body = r ? r->body : "ok";
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    const cJSON *h;
    if (r)
        cJSON_ArrayForEach(h, r->headers)
        {
            if (cJSON_IsString(h))
                MHD_add_response_header(resp, h->string, h->valuestring);
        }
    enum MHD_Result ret = MHD_queue_response(conn, r ? r->status : 200, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    (void)version;
    server *s = cls;
    request_ctx *ctx = *con_cls;
    if (!ctx) {
        ctx = calloc(1, sizeof *ctx);
        if (!ctx)
            return MHD_NO;
        ctx->arrival_us = now_us();
        *con_cls = ctx;
        return MHD_YES;
    }
    if (*upload_size) {
        size_t n = *upload_size;
        if (ctx->len + n > BODY_MAX) {
            ctx->too_big = true;
        } else {
            char *grown = realloc(ctx->body, ctx->len + n + 1);
            if (!grown)
                return MHD_NO;
            ctx->body = grown;
            memcpy(ctx->body + ctx->len, upload, n);
            ctx->len += n;
            ctx->body[ctx->len] = '\0';
        }
        *upload_size = 0;
        return MHD_YES;
    }
    rule *r = pick_rule(s, url, (long)(ctx->arrival_us / 1000000));
    record(s, conn, method, url, ctx, r ? r->status : 200);
    if (r && r->stall_ms)
        stall(s, r->stall_ms);
    return respond(conn, r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode code)
{
    (void)cls;
    (void)conn;
    (void)code;
    request_ctx *ctx = *con_cls;
    if (ctx) {
        free(ctx->body);
        free(ctx);
    }
    *con_cls = NULL;
}

static bool write_port(const char *path, unsigned port)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return false;
    fprintf(f, "%u\n", port);
    if (fclose(f) != 0)
        return false;
    return rename(tmp, path) == 0;
}

typedef struct options {
    const char *port_file;
    const char *log;
    const char *script;
    const char *cert;
    const char *key;
    unsigned threads;
    bool poll;
} options;

static bool parse_args(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *v = argv[i + 1];
        if (strcmp(argv[i], "--port-file") == 0)
            o->port_file = v;
        else if (strcmp(argv[i], "--log") == 0)
            o->log = v;
        else if (strcmp(argv[i], "--script") == 0)
            o->script = v;
        else if (strcmp(argv[i], "--cert") == 0)
            o->cert = v;
        else if (strcmp(argv[i], "--key") == 0)
            o->key = v;
        else if (strcmp(argv[i], "--threads") == 0)
            o->threads = (unsigned)atoi(v);
        else if (strcmp(argv[i], "--poll") == 0)
            o->poll = atoi(v) != 0;
        else
            return false;
    }
    return o->port_file && (argc % 2) == 1 && !o->cert == !o->key;
}

static struct MHD_Daemon *start(server *s, const options *o, char *cert, char *key)
{
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    unsigned flags =
        (o->poll ? MHD_USE_POLL_INTERNAL_THREAD : MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL) |
        (cert ? MHD_USE_TLS : 0);
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_SOCK_ADDR, 0, &addr},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, NULL},
        {MHD_OPTION_THREAD_POOL_SIZE, o->threads > 1 ? o->threads : 1, NULL},
        {cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, key},
        {MHD_OPTION_END, 0, NULL},
    };
    return MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_ARRAY, opts,
                            MHD_OPTION_END);
}

int main(int argc, char **argv)
{
    options o;
    if (!parse_args(argc, argv, &o)) {
        fprintf(stderr, "usage: http_receiver --port-file FILE [--log FILE] [--script FILE] "
                        "[--cert PEM --key PEM] [--threads N] [--poll 1]\n");
        return 2;
    }
    server s = {0};
    pthread_mutex_init(&s.lock, NULL);
    cJSON *script = NULL;
    if (o.script) {
        char *text = read_file(o.script);
        script = text ? cJSON_Parse(text) : NULL;
        free(text);
        if (!script || !load_script(&s, script)) {
            fprintf(stderr, "http_receiver: %s: not a JSON array of rules\n", o.script);
            return 2;
        }
    }
    if (o.log && !(s.log = fopen(o.log, "a"))) {
        fprintf(stderr, "http_receiver: %s: %s\n", o.log, strerror(errno));
        return 1;
    }
    char *cert = o.cert ? read_file(o.cert) : NULL;
    char *key = o.key ? read_file(o.key) : NULL;
    if (o.cert && (!cert || !key)) {
        fprintf(stderr, "http_receiver: cannot read %s or %s\n", o.cert, o.key);
        return 1;
    }
    /* Block the stop signals before MHD starts its threads, so only sigwait sees them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    struct MHD_Daemon *daemon = start(&s, &o, cert, key);
    if (!daemon) {
        fprintf(stderr, "http_receiver: cannot start the server\n");
        return 1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    if (!info || !write_port(o.port_file, info->port)) {
        fprintf(stderr, "http_receiver: cannot write %s\n", o.port_file);
        MHD_stop_daemon(daemon);
        return 1;
    }
    int sig;
    sigwait(&stop, &sig);
    atomic_store(&s.stopping, true);
    MHD_stop_daemon(daemon);
    if (s.log)
        fclose(s.log);
    cJSON_Delete(script);
    free(s.rules);
    free(cert);
    free(key);
    return 0;
}
