/* Helpers every test may use. */
#ifndef DQBATCH_TESTS_DQTEST_H
#define DQBATCH_TESTS_DQTEST_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>

/* $DQ_FIXTURES/<relative> (owned). */
char *dqtest_fixture(const char *relative);
/* A fresh directory under $TMPDIR (owned); dqtest_rmrf removes it with everything in it. */
char *dqtest_tmpdir(void);
void dqtest_rmrf(const char *path);
/* Writes bytes to dir/relative, making the parent directories. */
void dqtest_write(const char *dir, const char *relative, const void *data, size_t len);
/* Reads a whole file (owned, NUL-terminated), or NULL. */
char *dqtest_read(const char *path, size_t *len);
/* Runs a Suite and returns the exit status for main. */
int dqtest_run(Suite *suite);

#endif
