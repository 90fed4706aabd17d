/* The journal: one line per delivered request, "CRC32 JSON\n", where the CRC covers the
 * JSON. Lines are appended with write(2) as each delivery is confirmed (so a killed
 * process loses nothing the kernel saw) and fdatasync'ed in small batches (so a crash of
 * the machine loses at most a batch). A line that is cut short or fails its CRC is where
 * a kill landed mid-write: it is dropped with a warning and cut off before appending. */
#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dispatch_internal.h"

#define DQ_JOURNAL_SYNC_RECORDS 16
#define DQ_JOURNAL_SYNC_SECONDS 0.1
#define DQ_JOURNAL_LINE_MAX (64 * 1024)

struct dq_journal {
    char *path;
    int fd; /* -1 when read-only */
    dq_strset keys;
    size_t unsynced;
    double first_unsynced;
};

uint32_t dq_crc32(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int bit = 0; bit < 8; bit++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

bool dq_journal_has(const dq_journal *j, const char *key)
{
    return j && key && dq_strset_find(&j->keys, key);
}

bool dq_journal_claim(dq_journal *j, const char *key)
{
    if (dq_journal_has(j, key))
        return false;
    dq_strset_add(&j->keys, key); /* out of memory: the request goes out; a duplicate is unlikely */
    return true;
}

size_t dq_journal_size(const dq_journal *j)
{
    return j ? j->keys.items.len : 0;
}

/* The key of one whole, intact line ("CRC32 JSON\n"), or NULL. */
static char *record_key(const char *line, size_t len)
{
    if (len < 11 || line[len - 1] != '\n' || line[8] != ' ')
        return NULL;
    char hex[9];
    memcpy(hex, line, 8);
    hex[8] = '\0';
    char *end;
    unsigned long crc = strtoul(hex, &end, 16);
    const char *json = line + 9;
    size_t json_len = len - 10;
    if (*end || crc != dq_crc32(json, json_len))
        return NULL;
    cJSON *doc = cJSON_ParseWithLength(json, json_len);
    const cJSON *key = cJSON_GetObjectItemCaseSensitive(doc, "key");
    char *out = cJSON_IsString(key) && key->valuestring[0] ? dq_strdup(key->valuestring) : NULL;
    cJSON_Delete(doc);
    return out;
}

/* Loads every intact record; *good_end is the byte after the last one. */
static dq_code journal_load(dq_journal *j, FILE *in, off_t *good_end, dq_error *err)
{
    char *line = NULL;
    size_t cap = 0;
    off_t offset = 0;
    size_t bad = 0;
    dq_code rc = DQ_OK;
    ssize_t n;
    *good_end = 0;
    while (!rc && (n = getline(&line, &cap, in)) > 0) {
        char *key = n <= DQ_JOURNAL_LINE_MAX ? record_key(line, (size_t)n) : NULL;
        offset += n;
        if (!key) {
            bad++;
            continue;
        }
        if (!dq_strset_add(&j->keys, key))
            rc = dq_fail(err, DQ_ENOMEM, "%s: out of memory reading the journal", j->path);
        free(key);
        *good_end = offset;
    }
    free(line);
    if (!rc && ferror(in))
        rc = dq_fail(err, DQ_EIO, "%s: cannot read the journal: %s", j->path, strerror(errno));
    if (!rc && bad)
        dq_warn("%s: %zu torn or corrupt journal record(s) ignored; %lld byte(s) after the "
                "last whole record are dropped",
                j->path, bad, (long long)(offset - *good_end));
    return rc;
}

static dq_code journal_read(dq_journal *j, bool read_only, dq_error *err)
{
    FILE *in = fopen(j->path, "re");
    if (!in) {
        if (errno == ENOENT && read_only)
            return DQ_OK;
        return dq_fail(err, DQ_EIO, "%s: cannot open the journal: %s", j->path, strerror(errno));
    }
    off_t good_end;
    dq_code rc = journal_load(j, in, &good_end, err);
    struct stat st;
    if (!rc && !read_only && fstat(fileno(in), &st) == 0 && st.st_size > good_end &&
        ftruncate(j->fd, good_end) != 0)
        rc = dq_fail(err, DQ_EIO, "%s: cannot cut off the torn journal tail: %s", j->path,
                     strerror(errno));
    fclose(in);
    return rc;
}

static dq_code journal_lock(dq_journal *j, dq_error *err)
{
    j->fd = open(j->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (j->fd < 0)
        return dq_fail(err, DQ_EIO, "%s: cannot open the journal: %s", j->path, strerror(errno));
    if (flock(j->fd, LOCK_EX | LOCK_NB) != 0)
        return dq_fail(err, DQ_EIO, "%s: the journal is in use by another run", j->path);
    return DQ_OK;
}

dq_code dq_journal_open(const char *path, bool read_only, dq_journal **out, dq_error *err)
{
    *out = NULL;
    dq_journal *j = calloc(1, sizeof *j);
    if (!j || !(j->path = dq_strdup(path))) {
        free(j);
        return dq_fail(err, DQ_ENOMEM, "%s: out of memory", path);
    }
    j->fd = -1;
    dq_code rc = read_only ? DQ_OK : journal_lock(j, err);
    if (!rc)
        rc = journal_read(j, read_only, err);
    if (rc) {
        dq_journal_close(j, NULL);
        return rc;
    }
    *out = j;
    return DQ_OK;
}

static char *record_line(const char *key, const char *label, long status)
{
    char when[40];
    dq_time_format_iso(dq_time_now(), when, sizeof when);
    cJSON *doc = cJSON_CreateObject();
    if (!doc || !cJSON_AddStringToObject(doc, "key", key) ||
        !cJSON_AddStringToObject(doc, "destination", label ? label : "") ||
        !cJSON_AddNumberToObject(doc, "status", (double)status) ||
        !cJSON_AddStringToObject(doc, "time", when)) {
        cJSON_Delete(doc);
        return NULL;
    }
    char *json = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    if (!json)
        return NULL;
    char *line = dq_asprintf("%08x %s\n", (unsigned)dq_crc32(json, strlen(json)), json);
    free(json);
    return line;
}

dq_code dq_journal_append(dq_journal *j, const char *key, const char *label, long status,
                          dq_error *err)
{
    if (!dq_strset_add(&j->keys, key))
        return dq_fail(err, DQ_ENOMEM, "%s: out of memory", j->path);
    if (j->fd < 0)
        return DQ_OK;
    char *line = record_line(key, label, status);
    if (!line)
        return dq_fail(err, DQ_ENOMEM, "%s: out of memory", j->path);
    size_t len = strlen(line);
    ssize_t n;
    do
        n = write(j->fd, line, len);
    while (n < 0 && errno == EINTR);
    free(line);
    /* O_APPEND writes of a line this small are whole or fail. */
    if (n != (ssize_t)len)
        return dq_fail(err, DQ_EIO, "%s: cannot append to the journal: %s", j->path,
                       n < 0 ? strerror(errno) : "short write");
    if (j->unsynced++ == 0)
        j->first_unsynced = dq_mono_now();
    return DQ_OK;
}

static dq_code journal_sync(dq_journal *j, dq_error *err)
{
    if (j->fd < 0 || !j->unsynced)
        return DQ_OK;
    j->unsynced = 0;
    if (fdatasync(j->fd) != 0)
        return dq_fail(err, DQ_EIO, "%s: cannot sync the journal: %s", j->path, strerror(errno));
    return DQ_OK;
}

dq_code dq_journal_sync_due(dq_journal *j, double now, dq_error *err)
{
    if (!j || !j->unsynced)
        return DQ_OK;
    if (j->unsynced < DQ_JOURNAL_SYNC_RECORDS && now - j->first_unsynced < DQ_JOURNAL_SYNC_SECONDS)
        return DQ_OK;
    return journal_sync(j, err);
}

dq_code dq_journal_close(dq_journal *j, dq_error *err)
{
    if (!j)
        return DQ_OK;
    dq_code rc = journal_sync(j, err);
    if (j->fd >= 0 && close(j->fd) != 0 && !rc)
        rc = dq_fail(err, DQ_EIO, "%s: cannot close the journal: %s", j->path, strerror(errno));
    dq_strset_free(&j->keys);
    free(j->path);
    free(j);
    return rc;
}
