/* Helpers every test may use. */
#include <errno.h>
#include <float.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dqbatch/core.h"
#include "dqtest.h"

char *dqtest_fixture(const char *relative)
{
    const char *root = getenv("DQ_FIXTURES");
    ck_assert_msg(root != NULL, "DQ_FIXTURES is not set (run the tests with ctest)");
    char *path = dq_asprintf("%s/%s", root, relative);
    ck_assert_ptr_nonnull(path);
    return path;
}

char *dqtest_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char *path = dq_asprintf("%s/dqtest-XXXXXX", base && *base ? base : "/tmp");
    ck_assert_ptr_nonnull(path);
    ck_assert_ptr_nonnull(mkdtemp(path));
    return path;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void dqtest_rmrf(const char *path)
{
    if (path)
        nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

void dqtest_write(const char *dir, const char *relative, const void *data, size_t len)
{
    char *path = dq_asprintf("%s/%s", dir, relative);
    ck_assert_ptr_nonnull(path);
    dq_error err = {0};
    ck_assert_msg(dq_file_write_atomic(path, data, len, &err) == DQ_OK, "%s", err.msg);
    free(path);
}

char *dqtest_read(const char *path, size_t *len)
{
    dq_buf buf;
    dq_buf_init(&buf, (size_t)1 << 30);
    if (dq_file_read(path, buf.max, &buf, NULL) != DQ_OK) {
        dq_buf_free(&buf);
        return NULL;
    }
    if (len)
        *len = buf.len;
    return dq_buf_steal(&buf);
}

int dqtest_run(Suite *suite)
{
    SRunner *runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

static uint64_t next_random(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

/* Any finite bit pattern: mostly huge or tiny magnitudes. */
static double random_bits(uint64_t *state)
{
    for (;;) {
        uint64_t bits = next_random(state);
        double v;
        memcpy(&v, &bits, sizeof v);
        if (isfinite(v))
            return v;
    }
}

/* Up to 17 random digits times a power of ten, within about 1e-16 .. 1e18, read by strtod. */
static double random_decimal(uint64_t *state)
{
    int digits = 1 + (int)(next_random(state) % 17);
    uint64_t scale = 1;
    for (int i = 0; i < digits; i++)
        scale *= 10;
    int exponent = (int)(next_random(state) % 35) - 16 - digits;
    char text[48];
    snprintf(text, sizeof text, "%llue%d", (unsigned long long)(next_random(state) % scale),
             exponent);
    return strtod(text, NULL);
}

/* A random whole number of 1..53 bits over 2^0..2^70: exact, with a decimal expansion
 * ending in 5 whenever it has a fraction, so every digit count meets its ties. */
static double binary_fraction(uint64_t *state)
{
    int bits = 1 + (int)(next_random(state) % 53);
    uint64_t n = next_random(state) >> (64 - bits);
    return ldexp((double)n, -(int)(next_random(state) % 71));
}

/* A few steps either side of a power of ten or two, or a subnormal, or a range end. */
static double boundary(uint64_t *state)
{
    uint64_t r = next_random(state);
    double v;
    switch (r % 4) {
    case 0:
        v = pow(10.0, (double)((int)(r >> 8 & 63) - 24)); /* 1e-24 .. 1e39 */
        break;
    case 1:
        v = ldexp(1.0, (int)(r >> 8 & 255) - 128);
        break;
    case 2:
        v = (r >> 8 & 1) ? DBL_MIN : DBL_MAX;
        break;
    default: {
        uint64_t bits = r >> 12; /* exponent field 0: a subnormal */
        memcpy(&v, &bits, sizeof v);
        return v;
    }
    }
    for (int steps = (int)(r >> 20 & 7) - 3; steps; steps += steps > 0 ? -1 : 1)
        v = nextafter(v, steps > 0 ? INFINITY : 0);
    return v;
}

double dqtest_double(uint64_t *state)
{
    uint64_t r = next_random(state);
    double v;
    switch (r % 4) {
    case 0:
        v = random_bits(state);
        break;
    case 1:
        v = random_decimal(state);
        break;
    case 2:
        v = binary_fraction(state);
        break;
    default:
        v = boundary(state);
        break;
    }
    return (r >> 8 & 1) ? -v : v;
}

long dqtest_float_rounds(long fallback)
{
    const char *rounds = getenv("DQ_FLOAT_ROUNDS");
    long times = rounds ? strtol(rounds, NULL, 10) : 1;
    return fallback * (times > 0 ? times : 1);
}
