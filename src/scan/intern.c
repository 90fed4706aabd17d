/* A set of strings stored once: a store has few checkpoints and assets but many runs, so
 * records share one copy of each name instead of carrying their own. */
#include <stdlib.h>

#include "scan_internal.h"

const char *scan_intern_get(scan_intern *t, const char *s)
{
    return dq_strset_add(&t->names, s);
}

void scan_intern_free(scan_intern *t)
{
    if (!t)
        return;
    dq_strset_free(&t->names);
    free(t);
}
