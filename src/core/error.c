/* Error values: a code and a message that names the file or setting. */
#include <stdio.h>
#include <string.h>

#include "dqbatch/core.h"

dq_code dq_fail(dq_error *err, dq_code code, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return code;
}

void dq_error_clear(dq_error *err)
{
    if (!err)
        return;
    err->code = DQ_OK;
    err->msg[0] = '\0';
}

const char *dq_code_name(dq_code code)
{
    switch (code) {
    case DQ_OK:
        return "ok";
    case DQ_ENOMEM:
        return "out of memory";
    case DQ_ETOOBIG:
        return "too big";
    case DQ_EIO:
        return "i/o error";
    case DQ_EFORMAT:
        return "bad format";
    case DQ_ENOTRESULT:
        return "not a stored result";
    case DQ_EUNSAFE:
        return "unsafe path";
    case DQ_EEXIST:
        return "exists";
    case DQ_EUSAGE:
        return "usage";
    case DQ_ECONFIG:
        return "configuration";
    case DQ_ENET:
        return "network";
    }
    return "unknown";
}
