/* Helpers every test may use. */
#include <errno.h>
#include <ftw.h>
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
