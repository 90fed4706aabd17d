/* Helpers for the objstore module's tests: the signature-checking S3 server
 * (tests/servers/sigv4_check.py) started on a free loopback port, pointed at through the
 * AWS_* environment, and its request log. */
#ifndef DQBATCH_TESTS_OBJSTORE_SUPPORT_H
#define DQBATCH_TESTS_OBJSTORE_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define OBJSTORE_TEST_BUCKET "dq-bucket"
#define OBJSTORE_TEST_KEY "AKIDTESTKEY0001"
#define OBJSTORE_TEST_SECRET "test/Secret+Key=0123456789abcdefghij"

typedef struct objstore_test_server {
    pid_t pid;
    int port;
    char *dir; /* scratch directory: port file, log */
    char *log;
} objstore_test_server;

/* Starts the server with the extra arguments (NULL-terminated, may be NULL) and sets
 * AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION to match. */
void objstore_test_server_start(objstore_test_server *s, const char *const *extra);
void objstore_test_server_stop(objstore_test_server *s);

/* Requests the server logged, and how many of them failed verification or were
 * answered 503 SlowDown. */
size_t objstore_test_requests(const objstore_test_server *s, size_t *unverified, size_t *with_503);

#endif
