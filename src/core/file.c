/* Files: directories made on demand, whole-file reads with a cap, writes that replace a
 * file atomically (temporary name + rename) or plainly where no reader looks yet, and
 * removing a folder with everything in it. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dqbatch/core.h"

dq_code dq_mkdirs(const char *dir, dq_error *err)
{
    char *path = dq_strdup(dir);
    if (!path)
        return dq_fail(err, DQ_ENOMEM, "%s: out of memory", dir);
    dq_code rc = DQ_OK;
    for (char *p = path + 1;; p++) {
        bool end = *p == '\0';
        if (*p != '/' && !end)
            continue;
        *p = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST) {
            rc = dq_fail(err, DQ_EIO, "%s: cannot create directory: %s", path, strerror(errno));
            break;
        }
        if (end)
            break;
        *p = '/';
    }
    free(path);
    return rc;
}

dq_code dq_mkdirs_parent(const char *path, dq_error *err)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path)
        return DQ_OK;
    char *parent = dq_strndup(path, (size_t)(slash - path));
    if (!parent)
        return dq_fail(err, DQ_ENOMEM, "%s: out of memory", path);
    dq_code rc = dq_mkdirs(parent, err);
    free(parent);
    return rc;
}

bool dq_write_all(int fd, const void *buf, size_t len)
{
    const char *data = buf;
    while (len) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        len -= (size_t)n;
    }
    return true;
}

dq_code dq_file_write(const char *path, const void *data, size_t len, dq_error *err)
{
    int flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
    int fd = open(path, flags, 0644);
    if (fd < 0 && errno == ENOENT) {
        dq_code rc = dq_mkdirs_parent(path, err);
        if (rc)
            return rc;
        fd = open(path, flags, 0644);
    }
    if (fd < 0)
        return dq_fail(err, DQ_EIO, "%s: cannot create: %s", path, strerror(errno));
    bool ok = dq_write_all(fd, data, len);
    int saved = errno;
    if (close(fd) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    return ok ? DQ_OK : dq_fail(err, DQ_EIO, "%s: cannot write: %s", path, strerror(saved));
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    int rc = type == FTW_DP ? rmdir(path) : unlink(path);
    return rc != 0 && errno != ENOENT ? -1 : 0;
}

dq_code dq_remove_tree(const char *path, dq_error *err)
{
    if (nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS) == 0 || errno == ENOENT)
        return DQ_OK;
    return dq_fail(err, DQ_EIO, "%s: cannot remove: %s", path, strerror(errno));
}

/* mkstemp on tmp (a template ending in XXXXXX). The folders are made only when they are
 * missing: a site build writes thousands of files into a few folders, and making sure of
 * every folder on the way costs one system call per level for each of them. */
static int open_temp(const char *path, char *tmp, dq_error *err, dq_code *rc)
{
    int fd = mkstemp(tmp);
    if (fd >= 0 || errno != ENOENT)
        return fd;
    if ((*rc = dq_mkdirs_parent(path, err)) != DQ_OK)
        return -1;
    memcpy(tmp + strlen(tmp) - 6, "XXXXXX", 6); /* mkstemp may have filled it in */
    return mkstemp(tmp);
}

dq_code dq_file_write_atomic(const char *path, const void *data, size_t len, dq_error *err)
{
    char *tmp = dq_asprintf("%s.tmp-XXXXXX", path);
    if (!tmp)
        return dq_fail(err, DQ_ENOMEM, "%s: out of memory", path);
    dq_code rc = DQ_OK;
    int fd = open_temp(path, tmp, err, &rc);
    if (fd < 0) {
        if (rc == DQ_OK)
            rc = dq_fail(err, DQ_EIO, "%s: cannot create: %s", path, strerror(errno));
        free(tmp);
        return rc;
    }
    bool ok = dq_write_all(fd, data, len) && fchmod(fd, 0644) == 0;
    int saved = errno;
    if (close(fd) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    if (ok && rename(tmp, path) != 0) {
        ok = false;
        saved = errno;
    }
    if (!ok) {
        unlink(tmp);
        rc = dq_fail(err, DQ_EIO, "%s: cannot write: %s", path, strerror(saved));
    }
    free(tmp);
    return rc;
}

dq_code dq_file_read(const char *path, size_t max, dq_buf *out, dq_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return dq_fail(err, DQ_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    dq_code rc = DQ_OK;
    if (fstat(fd, &st) == 0 && st.st_size > 0) {
        if ((uint64_t)st.st_size > max)
            rc = dq_fail(err, DQ_ETOOBIG, "%s: larger than %zu bytes", path, max);
        else if (dq_buf_reserve(out, (size_t)st.st_size) != DQ_OK)
            rc = dq_fail(err, DQ_ENOMEM, "%s: out of memory", path);
    }
    char chunk[65536];
    while (rc == DQ_OK) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = dq_fail(err, DQ_EIO, "%s: cannot read: %s", path, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        dq_code add = dq_buf_add(out, chunk, (size_t)n);
        if (add == DQ_ETOOBIG)
            rc = dq_fail(err, DQ_ETOOBIG, "%s: larger than %zu bytes", path, max);
        else if (add)
            rc = dq_fail(err, DQ_ENOMEM, "%s: out of memory", path);
    }
    close(fd);
    return rc;
}
