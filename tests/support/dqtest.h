/* Helpers every test may use. */
#ifndef DQBATCH_TESTS_DQTEST_H
#define DQBATCH_TESTS_DQTEST_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* Doubles that test number formatting where it breaks, drawn from a xorshift state: random
 * bit patterns, random decimals of 1..17 digits, binary fractions (whose decimals end in
 * a 5: the ties of rounding), the neighbours of powers of ten and two, subnormals and the
 * ends of the range; either sign, never NaN. */
double dqtest_double(uint64_t *state);
/* How many values a formatting comparison draws: `fallback`, times $DQ_FLOAT_ROUNDS when
 * set (the proof runs of a release build use millions). */
long dqtest_float_rounds(long fallback);

#endif
