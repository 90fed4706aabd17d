/* Helpers for the dispatch tests: a loopback HTTP(S) receiver (tests/servers/
 * http_receiver.c) started per test, what it recorded, and test certificates. */
#ifndef DQBATCH_TESTS_DISPATCH_SUPPORT_H
#define DQBATCH_TESTS_DISPATCH_SUPPORT_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct dqtest_receiver {
    pid_t pid;
    int port;
    char *dir;      /* its temporary directory: port file, log, script */
    char *log_path; /* one JSON line per request */
    char url[64];   /* "http://127.0.0.1:PORT" (https with a certificate) */
} dqtest_receiver;

/* Starts the receiver with a JSON script of rules (NULL: answer 200 "ok" to all) and,
 * when cert and key are given, TLS. Waits until it listens. */
void dqtest_receiver_start(dqtest_receiver *r, const char *script, const char *cert,
                           const char *key);
/* SIGTERM, reap, remove its directory. */
void dqtest_receiver_stop(dqtest_receiver *r);
/* Everything recorded so far: an array of {t (microseconds), method, path, headers,
 * body, status, client_port} (owned). */
cJSON *dqtest_receiver_requests(const dqtest_receiver *r);
size_t dqtest_receiver_count(const dqtest_receiver *r);

/* A self-signed certificate for localhost and 127.0.0.1 in dir (dir/cert.pem and
 * dir/key.pem, owned paths). */
void dqtest_make_cert(const char *dir, char **cert, char **key);
/* A loopback port where nothing listens. */
int dqtest_closed_port(void);

#endif
