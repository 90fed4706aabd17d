/* Logging to stderr. Each message is formatted first and written with one call, so lines
 * from worker threads never interleave. */
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

#include "dqbatch/core.h"

static atomic_bool log_quiet;

void dq_log_quiet(bool quiet)
{
    atomic_store(&log_quiet, quiet);
}

static void log_line(const char *level, const char *fmt, va_list ap)
{
    char line[2048];
    int head = snprintf(line, sizeof(line), "dqbatch: %s: ", level);
    int body = vsnprintf(line + head, sizeof(line) - (size_t)head - 1, fmt, ap);
    size_t len = (size_t)head + (body < 0 ? 0 : (size_t)body);
    if (len > sizeof(line) - 2)
        len = sizeof(line) - 2;
    line[len++] = '\n';
    ssize_t ignored = write(STDERR_FILENO, line, len);
    (void)ignored;
}

void dq_note(const char *fmt, ...)
{
    if (atomic_load(&log_quiet))
        return;
    va_list ap;
    va_start(ap, fmt);
    log_line("note", fmt, ap);
    va_end(ap);
}

void dq_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_line("warning", fmt, ap);
    va_end(ap);
}

void dq_errorf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_line("error", fmt, ap);
    va_end(ap);
}
